-- Replies ahead of bulk work (issue 14): each outbox row waits in a lane (0 reply, 1 bulk),
-- and each lane has its own due-rows index, so a 130-person push never stands in front of
-- an answer. A refresh of someone's copy of a shared card carries a coalesce key (one
-- pending edit per message: a later state replaces the one still waiting).
ALTER TABLE outbox ADD COLUMN lane INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN coalesce_key TEXT;
DROP INDEX IF EXISTS outbox_due;
CREATE INDEX outbox_due ON outbox(lane, id, next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_coalesce ON outbox(coalesce_key, id) WHERE coalesce_key IS NOT NULL;
