-- Password sign-in and sessions (SQLite).
--
-- A user may have a password (an argon2id hash in PHC form, NULL: none)
-- and holds the scopes its sessions get (comma-separated; users who hold
-- a live admin key get admin). A session stores only the SHA-256 of its
-- cookie's secret; it ends when it has been idle too long (last_seen_at)
-- or at expires_at. A WebSocket ticket may stand for a session.

ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE users ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read,write';
UPDATE users SET scopes = 'admin' WHERE id IN (SELECT user_id FROM api_keys WHERE revoked_at IS NULL
    AND (scopes = 'admin' OR scopes LIKE 'admin,%' OR scopes LIKE '%,admin' OR scopes LIKE '%,admin,%'));

CREATE TABLE sessions (
    id            TEXT NOT NULL PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    digest        TEXT NOT NULL UNIQUE,
    user_agent    TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

ALTER TABLE ws_tickets ADD COLUMN session_id TEXT;
