-- The reporter is told once that their report is late (issue 11): one row per report,
-- written with the reminder that told them, so a restart or a later period never tells
-- them again.
CREATE TABLE repair_delay_notices (
    repair_id   INTEGER PRIMARY KEY REFERENCES repairs(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,                    -- accept | done: the deadline missed
    told_at     TEXT NOT NULL
);
