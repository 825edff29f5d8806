-- Security hardening (MySQL / MariaDB).
--
-- users.name compares byte for byte: utf8mb4_unicode_ci made "ALICE",
-- "àlicé" and a full-width "ａｌｉｃｅ" equal to "alice", so a token or a
-- lookup by name could reach another user. (utf8mb4_bin still pads with
-- spaces; names are stored trimmed, and the store compares what it reads.)
--
-- A JWT identity is bound to a user once, as its exact issuer and subject,
-- in columns of their own: VARBINARY, so no collation and no padding.
--
-- API keys may expire. The connections table holds a set of up to 10,000
-- symbols (TEXT holds 64 KiB; a set of 10,000 failed to save).
--
-- WebSocket tickets: short-lived, single-use credentials for /ws, so that a
-- browser need not put a long-lived key in a URL.

ALTER TABLE users
    MODIFY name VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    ADD COLUMN jwt_issuer VARBINARY(1024) NULL,
    ADD COLUMN jwt_subject VARBINARY(1024) NULL,
    ADD UNIQUE KEY users_jwt_identity (jwt_subject, jwt_issuer);

ALTER TABLE api_keys
    ADD COLUMN expires_at CHAR(27) CHARACTER SET ascii NULL;

ALTER TABLE connections
    MODIFY subscriptions MEDIUMTEXT NOT NULL;

CREATE TABLE ws_tickets (
    digest         CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    user_id        CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    key_id         CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
    scopes         VARCHAR(64) CHARACTER SET ascii NOT NULL,
    method         VARCHAR(8) CHARACTER SET ascii NOT NULL,
    cred_expires_at CHAR(27) CHARACTER SET ascii NULL,
    expires_at     CHAR(27) CHARACTER SET ascii NOT NULL,
    KEY ws_tickets_expires (expires_at),
    CONSTRAINT ws_tickets_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
