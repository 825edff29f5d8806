-- trx schema v7 (MySQL 8 / MariaDB 10.6+): accounts, bank-statement imports
-- and their CSV presets. A transaction may belong to one account
-- (account_id, NULL for the transactions made before accounts, which keep
-- working as they were); an imported one records its import (import_id,
-- which an undo deletes by) and its dedupe key (import_key: the bank's id,
-- FITID or entry reference, else a fingerprint; see
-- internal/statement/dedupe.go), unique per account so that no statement
-- line is stored twice, even by two imports racing. transfer_id links the
-- two halves of a transfer between accounts. The new columns are NULL-able
-- and added at the end, so InnoDB adds them without rebuilding the table.
-- Money is integer minor units in the account's currency.

CREATE TABLE accounts (
    id             CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    user_id        CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name           VARCHAR(100) NOT NULL,
    name_key       VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    kind           VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    currency       CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    opening_minor  BIGINT NOT NULL DEFAULT 0,
    opening_date   CHAR(10) CHARACTER SET ascii COLLATE ascii_bin NULL,
    institution    VARCHAR(100) NULL,
    number         VARCHAR(64) NULL,
    closed         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     CHAR(27) CHARACTER SET ascii NOT NULL,
    updated_at     CHAR(27) CHARACTER SET ascii NOT NULL,
    version        BIGINT NOT NULL,
    UNIQUE KEY accounts_user_name (user_id, name_key),
    CONSTRAINT accounts_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE transactions
    ADD COLUMN account_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD COLUMN import_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD COLUMN import_key VARCHAR(160) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD COLUMN transfer_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL;

ALTER TABLE transactions
    ADD KEY transactions_account_booked (account_id, booked_at, id),
    ADD UNIQUE KEY transactions_account_import_key (account_id, import_key),
    ADD KEY transactions_import (import_id),
    ADD KEY transactions_transfer (transfer_id),
    ADD CONSTRAINT transactions_account_fk FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE SET NULL;

CREATE TABLE imports (
    id            CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    user_id       CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id    CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    state         VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    format        VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    preset        VARCHAR(100) NULL,
    filename      VARCHAR(255) NULL,
    rows_read     INT NOT NULL DEFAULT 0,
    created       INT NOT NULL DEFAULT 0,
    duplicates    INT NOT NULL DEFAULT 0,
    rejected      INT NOT NULL DEFAULT 0,
    skipped       INT NOT NULL DEFAULT 0,
    removed       INT NOT NULL DEFAULT 0,
    problems      MEDIUMTEXT NOT NULL,
    error         TEXT NULL,
    created_at    CHAR(27) CHARACTER SET ascii NOT NULL,
    updated_at    CHAR(27) CHARACTER SET ascii NOT NULL,
    heartbeat_at  CHAR(27) CHARACTER SET ascii NOT NULL,
    KEY imports_user_created (user_id, created_at, id),
    KEY imports_state (state, heartbeat_at),
    CONSTRAINT imports_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
    CONSTRAINT imports_account_fk FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE import_presets (
    user_id     CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name        VARCHAR(100) NOT NULL,
    name_key    VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    mapping     TEXT NOT NULL,
    created_at  CHAR(27) CHARACTER SET ascii NOT NULL,
    updated_at  CHAR(27) CHARACTER SET ascii NOT NULL,
    version     BIGINT NOT NULL,
    PRIMARY KEY (user_id, name_key),
    CONSTRAINT import_presets_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
