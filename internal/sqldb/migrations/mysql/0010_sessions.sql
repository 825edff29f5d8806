-- Password sign-in and sessions (MySQL / MariaDB).
--
-- A user may have a password (an argon2id hash in PHC form, NULL: none)
-- and holds the scopes its sessions get (comma-separated; users who hold
-- a live admin key get admin). A session stores only the SHA-256 of its
-- cookie's secret; it ends when it has been idle too long (last_seen_at)
-- or at expires_at. A WebSocket ticket may stand for a session.

ALTER TABLE users
    ADD COLUMN password_hash VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD COLUMN scopes VARCHAR(64) CHARACTER SET ascii NOT NULL DEFAULT 'read,write';

UPDATE users SET scopes = 'admin' WHERE id IN (SELECT user_id FROM api_keys WHERE revoked_at IS NULL
    AND (scopes = 'admin' OR scopes LIKE 'admin,%' OR scopes LIKE '%,admin' OR scopes LIKE '%,admin,%'));

CREATE TABLE sessions (
    id            CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    user_id       CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    digest        CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_agent    VARCHAR(300) NOT NULL DEFAULT '',
    created_at    CHAR(27) CHARACTER SET ascii NOT NULL,
    last_seen_at  CHAR(27) CHARACTER SET ascii NOT NULL,
    expires_at    CHAR(27) CHARACTER SET ascii NOT NULL,
    UNIQUE KEY sessions_digest (digest),
    KEY sessions_user (user_id),
    KEY sessions_expires (expires_at),
    CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE ws_tickets
    ADD COLUMN session_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL;
