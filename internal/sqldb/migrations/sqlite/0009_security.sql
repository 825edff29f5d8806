-- Security hardening (SQLite; it compares text byte for byte already).
--
-- A JWT identity is bound to a user once, as its exact issuer and subject,
-- in columns of their own. API keys may expire. WebSocket tickets:
-- short-lived, single-use credentials for /ws, so that a browser need not
-- put a long-lived key in a URL.

ALTER TABLE users ADD COLUMN jwt_issuer TEXT;
ALTER TABLE users ADD COLUMN jwt_subject TEXT;
CREATE UNIQUE INDEX users_jwt_identity ON users(jwt_subject, jwt_issuer);

ALTER TABLE api_keys ADD COLUMN expires_at TEXT;

CREATE TABLE ws_tickets (
    digest          TEXT NOT NULL PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key_id          TEXT,
    scopes          TEXT NOT NULL,
    method          TEXT NOT NULL,
    cred_expires_at TEXT,
    expires_at      TEXT NOT NULL
);
CREATE INDEX ws_tickets_expires ON ws_tickets(expires_at);
