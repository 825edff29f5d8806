-- trx schema v5 (MySQL 8 / MariaDB 10.6+): per-user versions of what every
-- trx process caches for the classifier. Each change to a user's rules or
-- categories bumps its counter in the same database transaction, so a
-- process that compiled the rules (or listed the categories) at version n
-- sees n+1 on its next request and rebuilds: the cache is invalidated on
-- every replica without a message between them.

CREATE TABLE classifier_versions (
    user_id     CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    rules       BIGINT NOT NULL DEFAULT 0,
    categories  BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT classifier_versions_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
