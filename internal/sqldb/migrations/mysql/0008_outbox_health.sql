-- trx schema v8 (MySQL/MariaDB): the per-user events outbox and the health
-- probe. user_events holds the per-user notifications (transaction.created,
-- transaction.categorized) that a write causes, written in the write's own
-- database transaction; the relay publishes them to the event stream in id
-- order and marks them, as it does the stock_changes rows. health has one
-- row that /readyz rewrites to learn whether the database takes writes
-- (a disk-full or read-only database answers pings but refuses writes).

CREATE TABLE user_events (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id       VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    type          VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    data          MEDIUMTEXT NOT NULL,
    created_at    CHAR(27) CHARACTER SET ascii NOT NULL,
    published_at  CHAR(27) CHARACTER SET ascii NULL,
    KEY user_events_pending (published_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE health (
    id          INT NOT NULL PRIMARY KEY,
    checked_at  CHAR(27) CHARACTER SET ascii NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO health (id, checked_at) VALUES (1, '');
