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

-- The storeroom (仓库). Quantities and money are Decimal, stored as text.
CREATE TABLE stock_items (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    unit        TEXT NOT NULL DEFAULT '',
    quantity    TEXT NOT NULL DEFAULT '0',
    unit_cost   TEXT,                         -- average cost of what is on hand
    minimum     TEXT NOT NULL DEFAULT '0',
    alerted     INTEGER NOT NULL DEFAULT 0,   -- the low-stock alert went out (once)
    created_at  TEXT NOT NULL
);

-- Every movement in or out: who, when, why (the 物品领用 ledger).
CREATE TABLE stock_moves (
    id             INTEGER PRIMARY KEY,
    item_id        INTEGER NOT NULL REFERENCES stock_items(id),
    delta          TEXT NOT NULL,             -- +50, -2
    unit_cost      TEXT,
    reason         TEXT NOT NULL,
    by_id          INTEGER,
    by_name        TEXT,
    repair_id      INTEGER REFERENCES repairs(id),
    requisition_id INTEGER,
    at             TEXT NOT NULL
);
CREATE INDEX stock_moves_repair ON stock_moves (repair_id);

CREATE TABLE requisitions (
    id              INTEGER PRIMARY KEY,
    item_id         INTEGER NOT NULL REFERENCES stock_items(id),
    quantity        TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    requester_id    INTEGER NOT NULL,
    requester_name  TEXT NOT NULL,
    state           TEXT NOT NULL,            -- pending, approved, refused, received
    decided_by_id   INTEGER,
    decided_by_name TEXT,
    decided_at      TEXT,
    received_at     TEXT,
    created_at      TEXT NOT NULL
);

-- The asset register (资产台账) and stocktakes (盘点).
CREATE TABLE assets (
    id          INTEGER PRIMARY KEY,
    tag         TEXT NOT NULL UNIQUE,         -- 编号, e.g. KT-017
    name        TEXT NOT NULL,
    category    TEXT NOT NULL,
    place       TEXT NOT NULL,                -- a listed place's name, or as typed
    bought      TEXT,                         -- YYYY-MM or YYYY-MM-DD
    value       TEXT,                         -- Decimal yuan
    created_at  TEXT NOT NULL
);
CREATE INDEX assets_place ON assets (place);

CREATE TABLE asset_repairs (
    asset_id    INTEGER NOT NULL REFERENCES assets(id),
    repair_id   INTEGER NOT NULL REFERENCES repairs(id),
    PRIMARY KEY (asset_id, repair_id)
);

CREATE TABLE stocktakes (
    id          INTEGER PRIMARY KEY,
    building    TEXT NOT NULL,
    by_id       INTEGER NOT NULL,
    by_name     TEXT NOT NULL,
    started_at  TEXT NOT NULL
);

CREATE TABLE stocktake_items (
    stocktake_id INTEGER NOT NULL REFERENCES stocktakes(id),
    asset_id     INTEGER NOT NULL REFERENCES assets(id),
    result       TEXT NOT NULL,               -- present, missing, damaged
    repair_id    INTEGER REFERENCES repairs(id),
    note         TEXT,                         -- what the checker added (text)
    photo        TEXT,                         -- a photo path under BOT_DATA_DIR
    by_name      TEXT NOT NULL,
    at           TEXT NOT NULL,
    PRIMARY KEY (stocktake_id, asset_id)
);

-- An asset sheet waiting for the admin's 导入 tap.
CREATE TABLE asset_imports (
    id          INTEGER PRIMARY KEY,
    by_id       INTEGER NOT NULL,
    rows_json   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    done_at     TEXT
);
