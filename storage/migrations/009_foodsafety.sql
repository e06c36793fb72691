-- Canteen food-safety records (食品安全台账): 晨检, 留样, 餐具消毒, 陪餐, the purchase-check
-- rota and the canteen workers' 健康证.

-- Canteen workers are records, not necessarily bot users.
CREATE TABLE canteen_workers (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    cert_no       TEXT,                       -- 健康证编号
    cert_expires  TEXT,                       -- YYYY-MM-DD
    photo_file_id TEXT,
    photo_path    TEXT,
    flag_stage    INTEGER NOT NULL DEFAULT 0, -- expiry reminders sent: 1 = 30 days, 2 = 7 days, 3 = expired
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX canteen_workers_name ON canteen_workers(name) WHERE active = 1;

-- One row per (kind, day, meal): the unique key makes sending idempotent across restarts,
-- exactly like patrol_rounds. state uses the patrol round states.
CREATE TABLE fs_records (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,            -- health | sample | disinfect | accompany
    day             TEXT NOT NULL,            -- local date
    meal            TEXT NOT NULL DEFAULT '', -- breakfast | lunch | dinner; '' for 晨检
    scheduled_at    TEXT NOT NULL,            -- UTC
    state           TEXT NOT NULL DEFAULT 'sent',
    sent_at         TEXT NOT NULL,
    reminded_at     TEXT,
    missed_at       TEXT,
    done_at         TEXT,
    done_by         INTEGER REFERENCES people(user_id),
    data            TEXT NOT NULL DEFAULT '{}', -- JSON: disinfection method/start/minutes, ratings
    note            TEXT,
    photo_file_id   TEXT,
    photo_path      TEXT,
    discard_sent_at TEXT,                     -- 留样: the 48-hour "may be discarded" notice
    discarded_at    TEXT,
    discarded_by    INTEGER REFERENCES people(user_id),
    UNIQUE (kind, day, meal)
);
CREATE INDEX fs_records_open ON fs_records(state);

-- Who a record was sent to (its messages are found through sent_messages, ref fs:<id>).
CREATE TABLE fs_record_people (
    record_id   INTEGER NOT NULL REFERENCES fs_records(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES people(user_id),
    PRIMARY KEY (record_id, user_id)
);

-- The lines of a record: a worker of the 晨检 or a dish of the 留样 (names copied, so a
-- later edit of the menu or the staff list does not rewrite history).
CREATE TABLE fs_entries (
    id            INTEGER PRIMARY KEY,
    record_id     INTEGER NOT NULL REFERENCES fs_records(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    label         TEXT NOT NULL,
    worker_id     INTEGER REFERENCES canteen_workers(id),
    status        TEXT NOT NULL DEFAULT '',   -- 晨检: healthy | unwell | leave
    note          TEXT,                       -- 晨检: the symptom
    photo_file_id TEXT,
    photo_path    TEXT,
    weighed       INTEGER NOT NULL DEFAULT 0, -- 留样: at least 125 g
    updated_by    INTEGER,
    updated_at    TEXT,
    UNIQUE (record_id, position)
);

-- Rotas: 陪餐 leaders and the teachers who check purchases (清点), by weekday or date.
CREATE TABLE fs_rosters (
    id          INTEGER PRIMARY KEY,
    duty        TEXT NOT NULL,                -- accompany | purchase_check
    weekday     INTEGER CHECK (weekday BETWEEN 0 AND 6),
    day         TEXT,
    user_id     INTEGER NOT NULL REFERENCES people(user_id),
    created_by  INTEGER,
    created_at  TEXT NOT NULL,
    CHECK ((weekday IS NULL) != (day IS NULL))
);
CREATE UNIQUE INDEX fs_rosters_unique ON fs_rosters(duty, COALESCE(weekday, -1), COALESCE(day, ''), user_id);

-- A rota teacher's 清点确认 of a purchase.
CREATE TABLE fs_purchase_checks (
    purchase_id INTEGER NOT NULL REFERENCES purchases(id),
    user_id     INTEGER NOT NULL REFERENCES people(user_id),
    checked_at  TEXT NOT NULL,
    PRIMARY KEY (purchase_id, user_id)
);
