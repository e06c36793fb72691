-- reserved for the patrols_menus feature; filled in by its issue
SELECT 1;
