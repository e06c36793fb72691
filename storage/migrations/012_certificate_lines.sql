-- A certificate photo belongs to one purchase line (its item): one photo no longer
-- clears every line's 〔待附合格证〕. NULL: for the whole purchase (photos stored before).
ALTER TABLE purchase_photos ADD COLUMN item TEXT;
