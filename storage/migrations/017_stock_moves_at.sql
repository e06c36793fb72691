-- The year report sums the parts repairs used in its period: by time, so a year's report
-- reads that year's movements whatever the years kept (the repair_id index alone would
-- scan every repair's parts ever taken).
CREATE INDEX stock_moves_repair_at ON stock_moves (at) WHERE repair_id IS NOT NULL;
