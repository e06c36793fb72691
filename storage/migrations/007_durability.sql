-- Durable receiving: every update Telegram hands us is written here before the next
-- getUpdates call confirms it, and marked handled once its handler (and the conversation
-- step it made) is saved. A kill in between leaves it here, to be handled at the next start.
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    payload     TEXT NOT NULL,                -- the update as Telegram sent it (JSON)
    received_at TEXT NOT NULL,
    handled_at  TEXT,
    replays     INTEGER NOT NULL DEFAULT 0    -- starts that replayed it without finishing
);
CREATE INDEX inbox_unhandled ON inbox (update_id) WHERE handled_at IS NULL;
CREATE INDEX inbox_handled_at ON inbox (handled_at);

-- Set just before a notification is handed to Telegram, cleared when it is marked sent
-- (or when Telegram certainly did not take it). Still set at the next attempt means the
-- bot died or timed out in between: the message may have arrived, so the copy sent again
-- says it is a repeat.
ALTER TABLE outbox ADD COLUMN sending_at TEXT;
