-- Places (地点): buildings -> floors -> rooms. A repair filed at a listed place stores the
-- place's canonical name; the code is the short ASCII in the QR sticker's deep link.
CREATE TABLE places (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    building    TEXT NOT NULL,
    floor       TEXT NOT NULL DEFAULT '',
    room        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,         -- location_key(building + room)
    created_at  TEXT NOT NULL
);

-- What people typed that matched no place, and what an admin mapped it to later.
CREATE TABLE place_aliases (
    typed_key   TEXT PRIMARY KEY,             -- location_key(typed)
    typed       TEXT NOT NULL,
    place_id    INTEGER REFERENCES places(id) ON DELETE CASCADE,  -- NULL: not mapped yet
    seen        INTEGER NOT NULL DEFAULT 1,
    first_seen  TEXT NOT NULL,
    mapped_by   INTEGER
);

-- An import waiting for the admin's 导入 tap (survives a restart; the button carries the id).
CREATE TABLE place_imports (
    id          INTEGER PRIMARY KEY,
    by_id       INTEGER NOT NULL,
    rows_json   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    done_at     TEXT
);
