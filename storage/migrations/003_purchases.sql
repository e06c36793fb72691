-- reserved for the purchases feature; filled in by its issue
SELECT 1;
