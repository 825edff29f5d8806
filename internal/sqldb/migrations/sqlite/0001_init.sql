-- trx schema v1 (SQLite): users and API keys, transactions, idempotency keys.
-- Instants are TEXT in sqldb.TimeFormat (UTC, microseconds, fixed width).
-- Money is integer minor units plus an ISO 4217 code (see DESIGN.md).

CREATE TABLE users (
    id          TEXT NOT NULL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

CREATE TABLE api_keys (
    id            TEXT NOT NULL PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    digest        TEXT NOT NULL UNIQUE,
    prefix        TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE transactions (
    id            TEXT NOT NULL PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    amount_minor  INTEGER NOT NULL,
    currency      TEXT NOT NULL CHECK (length(currency) = 3),
    description   TEXT NOT NULL,
    counterparty  TEXT,
    booked_at     TEXT NOT NULL,
    category_id   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL
);
CREATE INDEX transactions_user_booked ON transactions(user_id, booked_at, id);
CREATE INDEX transactions_user_category ON transactions(user_id, category_id, booked_at, id);

CREATE TABLE idempotency_keys (
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    response      BLOB NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
