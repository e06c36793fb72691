-- Purchases (采购台账): drafts at the market, submitted, confirmed or rejected by a supervisor.
-- Money and quantities are exact decimals stored as TEXT (never REAL).
CREATE TABLE purchases (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,  -- the #number; never reused
    state               TEXT NOT NULL DEFAULT 'draft'
                        CHECK (state IN ('draft', 'submitted', 'confirmed', 'rejected', 'cancelled')),
    purchaser_id        INTEGER NOT NULL REFERENCES people(user_id),
    purchaser_name      TEXT NOT NULL,
    supplier            TEXT,                     -- for the whole purchase (a line may name its own)
    purchase_date       TEXT,                     -- local YYYY-MM-DD, set on submission
    created_at          TEXT NOT NULL,
    submitted_at        TEXT,
    confirmed_by        INTEGER REFERENCES people(user_id),  -- the 签字
    confirmed_by_name   TEXT,
    confirmed_at        TEXT,
    rejected_by         INTEGER REFERENCES people(user_id),
    rejected_by_name    TEXT,
    rejected_at         TEXT,
    reject_reason       TEXT,
    posted_on           TEXT                      -- local date of the public posting that showed it
);
CREATE INDEX purchases_day ON purchases(purchase_date, state);
CREATE INDEX purchases_purchaser ON purchases(purchaser_id, state);

CREATE TABLE purchase_lines (
    id                  INTEGER PRIMARY KEY,
    purchase_id         INTEGER NOT NULL REFERENCES purchases(id) ON DELETE CASCADE,
    position            INTEGER NOT NULL,
    item                TEXT NOT NULL,
    quantity            TEXT NOT NULL,            -- Decimal
    unit                TEXT NOT NULL,            -- as typed: 斤, 公斤, kg ...
    unit_key            TEXT NOT NULL,            -- canonical for comparisons: 公斤 = 千克 = kg
    unit_price          TEXT NOT NULL,            -- Decimal, per unit
    amount              TEXT NOT NULL,            -- Decimal, two places
    price_is_total      INTEGER NOT NULL DEFAULT 0,
    supplier            TEXT,
    needs_certificate   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX purchase_lines_purchase ON purchase_lines(purchase_id, position);
CREATE INDEX purchase_lines_item ON purchase_lines(item, unit_key);

CREATE TABLE purchase_photos (
    id                  INTEGER PRIMARY KEY,
    purchase_id         INTEGER NOT NULL REFERENCES purchases(id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('receipt', 'certificate')),
    file_id             TEXT,
    path                TEXT,                     -- relative to BOT_DATA_DIR
    added_at            TEXT NOT NULL
);
CREATE INDEX purchase_photos_purchase ON purchase_photos(purchase_id, id);

-- 定点供应商 and the expiry of their certificates.
CREATE TABLE purchase_suppliers (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    certificate_expires TEXT,                     -- YYYY-MM-DD
    active              INTEGER NOT NULL DEFAULT 1,
    flag_stage          INTEGER NOT NULL DEFAULT 0,  -- 0 none, 1 warned at 30 days, 2 at 7, 3 expired
    added_by            INTEGER,
    added_at            TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

-- One public posting per local day: never posted twice.
CREATE TABLE purchase_postings (
    day                 TEXT PRIMARY KEY,         -- local YYYY-MM-DD
    posted_at           TEXT NOT NULL,
    purchase_count      INTEGER NOT NULL,
    total               TEXT NOT NULL
);
