-- People, roles, invites, audit, outbox, and PTB persistence.
CREATE TABLE people (
    user_id     INTEGER PRIMARY KEY,          -- Telegram user id
    name        TEXT NOT NULL,                -- display name as Telegram gave it
    username    TEXT,
    chat_id     INTEGER,                      -- private chat with the bot
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
);

CREATE TABLE person_roles (
    user_id     INTEGER NOT NULL REFERENCES people(user_id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    granted_by  INTEGER,
    granted_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE invites (
    code_hash   TEXT PRIMARY KEY,             -- sha256 of the code: a leaked DB reveals no live link
    role        TEXT NOT NULL,
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_by     INTEGER,
    used_at     TEXT
);

CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    INTEGER,                      -- NULL for the bot's own jobs
    actor_name  TEXT,
    action      TEXT NOT NULL,                -- e.g. repair.accept, role.grant
    subject     TEXT,                         -- e.g. repair:12
    detail      TEXT
);
CREATE INDEX audit_subject ON audit(subject, id);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL,
    kind            TEXT NOT NULL,            -- text | photo | album | document
    payload         TEXT NOT NULL,            -- JSON
    ref             TEXT,                     -- what it is about, e.g. repair:12
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    sent_at         TEXT,
    failed_at       TEXT,                     -- given up: Telegram refused for good
    last_error      TEXT
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Which Telegram message carries which notification, so replies and edits find their subject.
CREATE TABLE sent_messages (
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    ref         TEXT NOT NULL,
    outbox_id   INTEGER,
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX sent_messages_ref ON sent_messages(ref);

CREATE TABLE ptb_user_data (user_id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE ptb_chat_data (chat_id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE ptb_bot_data (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);
CREATE TABLE ptb_conversations (
    name    TEXT NOT NULL,
    key     TEXT NOT NULL,                    -- JSON list, e.g. [chat_id, user_id]
    state   TEXT NOT NULL,                    -- JSON
    PRIMARY KEY (name, key)
);

-- Small settings admins change in chat (patrol times, ...), by key.
CREATE TABLE settings_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
