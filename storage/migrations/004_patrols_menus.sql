-- Patrols (走走看看) and weekly canteen menus (周食谱).

-- The checklist of each round; admins edit it in chat. Removed items stay (active = 0) so
-- old rounds keep their wording and the defaults are seeded only once.
CREATE TABLE patrol_items (
    id          INTEGER PRIMARY KEY,
    slot        TEXT NOT NULL,                -- morning | afternoon | night
    position    INTEGER NOT NULL,
    text        TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
);
CREATE INDEX patrol_items_slot ON patrol_items(slot, active, position);

-- Round times set by admins; a slot without a row uses BOT_PATROL_TIMES.
CREATE TABLE patrol_times (
    slot        TEXT PRIMARY KEY,
    at          TEXT NOT NULL,                -- HH:MM:SS local school time
    updated_by  INTEGER,
    updated_at  TEXT NOT NULL
);

-- Duty roster: a person on a weekday (0 = Monday) or on one date.
CREATE TABLE patrol_roster (
    id          INTEGER PRIMARY KEY,
    weekday     INTEGER CHECK (weekday BETWEEN 0 AND 6),
    day         TEXT,                         -- YYYY-MM-DD
    user_id     INTEGER NOT NULL REFERENCES people(user_id),
    created_by  INTEGER,
    created_at  TEXT NOT NULL,
    CHECK ((weekday IS NULL) != (day IS NULL))
);
CREATE UNIQUE INDEX patrol_roster_unique ON patrol_roster(COALESCE(weekday, -1), COALESCE(day, ''), user_id);

-- School holidays: no rounds are sent from first_day to last_day inclusive.
CREATE TABLE patrol_holidays (
    id          INTEGER PRIMARY KEY,
    first_day   TEXT NOT NULL,
    last_day    TEXT NOT NULL,
    created_by  INTEGER,
    created_at  TEXT NOT NULL
);

-- One row per (day, slot): the unique key makes sending a round idempotent across restarts.
CREATE TABLE patrol_rounds (
    id            INTEGER PRIMARY KEY,
    day           TEXT NOT NULL,              -- local date YYYY-MM-DD
    slot          TEXT NOT NULL,
    scheduled_at  TEXT NOT NULL,              -- UTC
    state         TEXT NOT NULL DEFAULT 'sent', -- sent | reminded | submitted | late | missed
    sent_at       TEXT NOT NULL,
    reminded_at   TEXT,
    missed_at     TEXT,
    submitted_at  TEXT,
    submitted_by  INTEGER REFERENCES people(user_id),
    UNIQUE (day, slot)
);
CREATE INDEX patrol_rounds_open ON patrol_rounds(state);

-- Who the round was sent to (the checklist messages themselves are found through
-- sent_messages with ref patrol:<round id>).
CREATE TABLE patrol_round_people (
    round_id    INTEGER NOT NULL REFERENCES patrol_rounds(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES people(user_id),
    PRIMARY KEY (round_id, user_id)
);

-- One row per checklist item of a round; the wording is copied so later edits of the
-- checklist do not rewrite history.
CREATE TABLE patrol_checks (
    id          INTEGER PRIMARY KEY,
    round_id    INTEGER NOT NULL REFERENCES patrol_rounds(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    item        TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'unchecked', -- unchecked | ok | abnormal
    note        TEXT,
    photo_file_id TEXT,
    photo_path  TEXT,
    repair_id   INTEGER,                      -- the repair report an abnormal item became
    checked_by  INTEGER,
    updated_at  TEXT,
    UNIQUE (round_id, position)
);

-- Weekly menus: one row per day and meal of the week starting on ``week`` (a Monday).
CREATE TABLE menu_entries (
    week        TEXT NOT NULL,                -- YYYY-MM-DD, a Monday
    weekday     INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    meal        TEXT NOT NULL,                -- breakfast | lunch | dinner
    dishes      TEXT NOT NULL,                -- JSON list of dish names
    updated_by  INTEGER,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (week, weekday, meal)
);

-- A parsed /setmenu waiting for 保存 or 取消; kept in the DB so the buttons survive a restart.
CREATE TABLE menu_drafts (
    id          INTEGER PRIMARY KEY,
    week        TEXT NOT NULL,
    entries     TEXT NOT NULL,                -- JSON [[weekday, meal, [dish, ...]], ...]
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open'  -- open | saved | cancelled
);

-- Pushes already made (weekly menu, today's menu, Friday reminder): never twice.
CREATE TABLE menu_pushes (
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
