-- Credit on the patrol record: who ticked each item and when. checked_by already existed
-- but a note overwrote it and updated_at moves with every photo, so the tick gets its own
-- time. Earlier rows take their last update as the best guess; an item back at 未查 was
-- checked by nobody.
ALTER TABLE patrol_checks ADD COLUMN checked_at TEXT;
UPDATE patrol_checks SET checked_at = updated_at WHERE checked_by IS NOT NULL AND state != 'unchecked';
UPDATE patrol_checks SET checked_by = NULL WHERE state = 'unchecked';
