"""Scheduled work. Thin functions; schedules live in the DB and are restored at start."""
