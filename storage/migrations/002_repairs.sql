-- Repair tickets (报修单), their photos, and the overdue reminders already sent.
CREATE TABLE repairs (
    id              INTEGER PRIMARY KEY,
    reporter_id     INTEGER NOT NULL REFERENCES people(user_id),
    reporter_name   TEXT NOT NULL,
    location        TEXT NOT NULL DEFAULT '',
    location_key    TEXT NOT NULL DEFAULT '',     -- location without spaces, for repeat faults
    description     TEXT NOT NULL,
    category        TEXT NOT NULL,                -- door_window | lock | furniture | water | ...
    urgency         TEXT NOT NULL,                -- urgent | normal | low
    state           TEXT NOT NULL,                -- new | accepted | in_progress | done | ...
    version         INTEGER NOT NULL DEFAULT 0,   -- compare-and-set on every change
    created_at      TEXT NOT NULL,
    state_at        TEXT NOT NULL,
    state_by_id     INTEGER,
    state_by_name   TEXT,
    assignee_id     INTEGER REFERENCES people(user_id),
    assignee_name   TEXT,
    accepted_at     TEXT,
    started_at      TEXT,
    done_at         TEXT,
    done_note       TEXT,
    verified_at     TEXT,
    reason          TEXT,                         -- why rejected / on hold / sent back
    hold_from       TEXT,
    reopen_count    INTEGER NOT NULL DEFAULT 0,
    work_since      TEXT,
    patrol_round_id INTEGER                       -- set when a patrol found the fault
);
CREATE INDEX repairs_state ON repairs(state, created_at);
CREATE INDEX repairs_reporter ON repairs(reporter_id, created_at);
CREATE INDEX repairs_assignee ON repairs(assignee_id, state);
CREATE INDEX repairs_place ON repairs(location_key, category, created_at);

CREATE TABLE repair_photos (
    id          INTEGER PRIMARY KEY,
    repair_id   INTEGER NOT NULL REFERENCES repairs(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('before', 'after')),
    file_id     TEXT,                             -- Telegram file_id, for re-sending
    path        TEXT,                             -- normalised copy under BOT_DATA_DIR
    added_at    TEXT NOT NULL,
    added_by    INTEGER
);
CREATE INDEX repair_photos_repair ON repair_photos(repair_id, id);

-- One row per reminder sent, so the escalation job never sends the same one twice.
CREATE TABLE repair_reminders (
    repair_id   INTEGER NOT NULL REFERENCES repairs(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,                    -- accept | done
    since       TEXT NOT NULL,                    -- start of the clock that ran out
    period      INTEGER NOT NULL,                 -- 1 = first period missed, 2 = second ...
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (repair_id, kind, since, period)
);
