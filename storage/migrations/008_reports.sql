-- Reports: period queries read repairs by creation time (purchases by purchase_date and
-- patrol rounds by day already have indexes), so a year's report reads that year's rows,
-- not the whole history.
CREATE INDEX repairs_created ON repairs(created_at);

-- The weekly digest, claimed once per week (key: the Monday of the week reported on), so a
-- restart or a late catch-up never sends it twice.
CREATE TABLE report_digests (
    week        TEXT PRIMARY KEY,             -- YYYY-MM-DD, the Monday of the week reported
    sent_at     TEXT NOT NULL,
    recipients  INTEGER NOT NULL
);
