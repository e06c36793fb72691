-- Onboarding a whole school: multi-use school links, join requests waiting for approval,
-- the staff roster, and strangers already told their id. The public chat chosen with
-- /setpublic lives in settings_kv (key public_chat_id), which 001 already created.

-- A link many people may use until it expires, runs out or is revoked (/invite 教职工 多人).
CREATE TABLE school_links (
    id          INTEGER PRIMARY KEY,
    code_hash   TEXT NOT NULL UNIQUE,         -- sha256 of the code, like invites
    role        TEXT NOT NULL,
    max_uses    INTEGER,                      -- NULL: as many as come (多人)
    uses        INTEGER NOT NULL DEFAULT 0,   -- join requests made through it
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT,
    revoked_by  INTEGER
);

-- Someone who opened a school link; an admin approves (or the roster does).
CREATE TABLE join_requests (
    id          INTEGER PRIMARY KEY,
    link_id     INTEGER NOT NULL REFERENCES school_links(id),
    user_id     INTEGER NOT NULL,
    name        TEXT NOT NULL,
    username    TEXT,
    chat_id     INTEGER NOT NULL,
    role        TEXT NOT NULL,                -- what the link offered; an admin may change it
    state       TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'approved', 'rejected')),
    created_at  TEXT NOT NULL,
    decided_at  TEXT,
    decided_by  INTEGER,                      -- NULL with state approved: the roster matched
    roster_id   INTEGER
);
CREATE UNIQUE INDEX join_requests_one_pending ON join_requests(user_id) WHERE state = 'pending';

-- The staff list an admin imported (姓名, 角色, 手机号, 部门); user_id once they joined.
CREATE TABLE roster (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,         -- name without spaces: how joiners are matched
    role        TEXT NOT NULL,
    phone       TEXT,
    department  TEXT,
    user_id     INTEGER,
    imported_by INTEGER,
    imported_at TEXT NOT NULL
);

-- A parsed roster file waiting for 导入 or 取消 (kept here so the buttons survive a restart).
CREATE TABLE roster_drafts (
    id          INTEGER PRIMARY KEY,
    entries     TEXT NOT NULL,                -- JSON [[name, role, phone, department], ...]
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open'  -- open | imported | cancelled
);

-- Strangers are told their id once, not on every message.
CREATE TABLE stranger_notices (
    user_id     INTEGER PRIMARY KEY,
    told_at     TEXT NOT NULL
);
