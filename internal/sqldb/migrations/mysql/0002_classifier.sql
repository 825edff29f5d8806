-- trx schema v2 (MySQL 8 / MariaDB 10.6+): the classifier. Who decided a
-- transaction's category (category_source: manual, rule, model, builtin;
-- NULL when nobody did), how sure it was (basis points, 0-10000, automatic
-- sources only) and which rule; each user's own categories, ordered rules,
-- learned model, settings and categorization jobs. The built-in taxonomy is
-- part of the binary (classifier.Builtin), not rows, so that it cannot drift
-- from the built-in model trained on it.

ALTER TABLE transactions
    ADD COLUMN category_source VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD COLUMN category_confidence SMALLINT NULL,
    ADD COLUMN category_rule_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL;

CREATE TABLE categories (
    user_id     CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    id          VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name        VARCHAR(100) NOT NULL,
    name_key    VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    parent_id   VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    created_at  CHAR(27) CHARACTER SET ascii NOT NULL,
    updated_at  CHAR(27) CHARACTER SET ascii NOT NULL,
    PRIMARY KEY (user_id, id),
    UNIQUE KEY categories_user_name (user_id, name_key),
    CONSTRAINT categories_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE category_rules (
    user_id      CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    id           CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    position     INT NOT NULL,
    name         VARCHAR(100) NOT NULL,
    conditions   TEXT NOT NULL,
    category_id  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    enabled      BOOLEAN NOT NULL,
    created_at   CHAR(27) CHARACTER SET ascii NOT NULL,
    updated_at   CHAR(27) CHARACTER SET ascii NOT NULL,
    version      BIGINT NOT NULL,
    PRIMARY KEY (user_id, id),
    KEY category_rules_position (user_id, position),
    CONSTRAINT category_rules_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE classifier_settings (
    user_id         CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    auto_on_create  BOOLEAN NOT NULL,
    threshold_bp    SMALLINT NOT NULL,
    updated_at      CHAR(27) CHARACTER SET ascii NOT NULL,
    CONSTRAINT classifier_settings_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE classifier_models (
    user_id     CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    version     BIGINT NOT NULL,
    examples    BIGINT NOT NULL,
    model       LONGBLOB NOT NULL,
    updated_at  CHAR(27) CHARACTER SET ascii NOT NULL,
    CONSTRAINT classifier_models_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE classifier_jobs (
    id           CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    user_id      CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    active_user  CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
    state        VARCHAR(16) CHARACTER SET ascii NOT NULL,
    from_at      CHAR(27) CHARACTER SET ascii NULL,
    to_at        CHAR(27) CHARACTER SET ascii NULL,
    total        BIGINT NOT NULL,
    done         BIGINT NOT NULL,
    categorized  BIGINT NOT NULL,
    error        VARCHAR(1000) NULL,
    created_at   CHAR(27) CHARACTER SET ascii NOT NULL,
    updated_at   CHAR(27) CHARACTER SET ascii NOT NULL,
    UNIQUE KEY classifier_jobs_active (active_user),
    KEY classifier_jobs_user (user_id, created_at),
    CONSTRAINT classifier_jobs_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
