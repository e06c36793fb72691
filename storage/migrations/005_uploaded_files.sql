-- A stored picture, once uploaded, is sent again by Telegram file_id: the weekly menu
-- picture goes to every teacher, and should be uploaded once, not once per teacher.
CREATE TABLE uploaded_files (
    path        TEXT PRIMARY KEY,             -- relative to BOT_DATA_DIR
    file_id     TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
