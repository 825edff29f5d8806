-- trx schema v7 (SQLite): accounts, bank-statement imports and their CSV
-- presets. A transaction may belong to one account (account_id, NULL for
-- the transactions made before accounts, which keep working as they were);
-- an imported one records its import (import_id, which an undo deletes by)
-- and its dedupe key (import_key: the bank's id, FITID or entry reference,
-- else a fingerprint; see internal/statement/dedupe.go), unique per
-- account so that no statement line is stored twice, even by two imports
-- racing. transfer_id links the two halves of a transfer between accounts.
-- Money is integer minor units in the account's currency.

CREATE TABLE accounts (
    id             TEXT NOT NULL PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    name_key       TEXT NOT NULL,
    kind           TEXT NOT NULL,
    currency       TEXT NOT NULL CHECK (length(currency) = 3),
    opening_minor  INTEGER NOT NULL DEFAULT 0,
    opening_date   TEXT,
    institution    TEXT,
    number         TEXT,
    closed         INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    version        INTEGER NOT NULL
);
CREATE UNIQUE INDEX accounts_user_name ON accounts(user_id, name_key);

ALTER TABLE transactions ADD COLUMN account_id TEXT REFERENCES accounts(id) ON DELETE SET NULL;
ALTER TABLE transactions ADD COLUMN import_id TEXT;
ALTER TABLE transactions ADD COLUMN import_key TEXT;
ALTER TABLE transactions ADD COLUMN transfer_id TEXT;
CREATE INDEX transactions_account_booked ON transactions(account_id, booked_at, id);
CREATE UNIQUE INDEX transactions_account_import_key ON transactions(account_id, import_key);
CREATE INDEX transactions_import ON transactions(import_id);
CREATE INDEX transactions_transfer ON transactions(transfer_id);

CREATE TABLE imports (
    id            TEXT NOT NULL PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    state         TEXT NOT NULL,
    format        TEXT NOT NULL,
    preset        TEXT,
    filename      TEXT,
    rows_read     INTEGER NOT NULL DEFAULT 0,
    created       INTEGER NOT NULL DEFAULT 0,
    duplicates    INTEGER NOT NULL DEFAULT 0,
    rejected      INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    removed       INTEGER NOT NULL DEFAULT 0,
    problems      TEXT NOT NULL,
    error         TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    heartbeat_at  TEXT NOT NULL
);
CREATE INDEX imports_user_created ON imports(user_id, created_at, id);
CREATE INDEX imports_state ON imports(state, heartbeat_at);

CREATE TABLE import_presets (
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    mapping     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    PRIMARY KEY (user_id, name_key)
);
