-- Flat outbox poll (issue 14). The due-rows query filters on the pending rows and orders by
-- id; with only an index on next_attempt_at, SQLite preferred walking the whole table in
-- rowid order (to skip a sort), so the poll grew with every message ever sent. An index on
-- id over the pending rows alone serves the WHERE and the ORDER BY, whatever the history.
DROP INDEX IF EXISTS outbox_pending;
CREATE INDEX outbox_due ON outbox(id, next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
-- The daily prune finds sent rows older than the retention period without a scan.
CREATE INDEX outbox_sent_at ON outbox(sent_at) WHERE sent_at IS NOT NULL;
