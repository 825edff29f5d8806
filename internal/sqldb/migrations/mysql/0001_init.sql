-- trx schema v1 (MySQL 8 / MariaDB 10.6+): users and API keys, transactions,
-- idempotency keys. Instants are CHAR(27) in sqldb.TimeFormat (UTC,
-- microseconds, fixed width). Money is BIGINT minor units plus an ISO 4217
-- code (see DESIGN.md). Identifiers are ASCII with binary collation.

CREATE TABLE users (
    id          CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    name        VARCHAR(200) NOT NULL,
    created_at  CHAR(27) CHARACTER SET ascii NOT NULL,
    UNIQUE KEY users_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE api_keys (
    id            CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    user_id       CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    digest        CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    prefix        VARCHAR(16) CHARACTER SET ascii NOT NULL,
    scopes        VARCHAR(64) CHARACTER SET ascii NOT NULL,
    created_at    CHAR(27) CHARACTER SET ascii NOT NULL,
    last_used_at  CHAR(27) CHARACTER SET ascii NULL,
    revoked_at    CHAR(27) CHARACTER SET ascii NULL,
    UNIQUE KEY api_keys_digest (digest),
    KEY api_keys_user (user_id),
    CONSTRAINT api_keys_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE transactions (
    id            CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    user_id       CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    amount_minor  BIGINT NOT NULL,
    currency      CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    description   VARCHAR(1000) NOT NULL,
    counterparty  VARCHAR(200) NULL,
    booked_at     CHAR(27) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    category_id   VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    created_at    CHAR(27) CHARACTER SET ascii NOT NULL,
    updated_at    CHAR(27) CHARACTER SET ascii NOT NULL,
    version       BIGINT NOT NULL,
    KEY transactions_user_booked (user_id, booked_at, id),
    KEY transactions_user_category (user_id, category_id, booked_at, id),
    CONSTRAINT transactions_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE idempotency_keys (
    user_id       CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    idem_key      VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    request_hash  CHAR(64) CHARACTER SET ascii NOT NULL,
    response      MEDIUMBLOB NOT NULL,
    created_at    CHAR(27) CHARACTER SET ascii NOT NULL,
    PRIMARY KEY (user_id, idem_key),
    KEY idempotency_keys_created (created_at),
    CONSTRAINT idempotency_keys_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
