-- trx schema v8 (SQLite): the per-user events outbox and the health probe.
-- user_events holds the per-user notifications (transaction.created,
-- transaction.categorized) that a write causes, written in the write's own
-- database transaction; the relay publishes them to the event stream in id
-- order and marks them, as it does the stock_changes rows. health has one
-- row that /readyz rewrites to learn whether the database takes writes
-- (a disk-full or read-only database answers pings but refuses writes).

CREATE TABLE user_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       TEXT NOT NULL,
    type          TEXT NOT NULL,
    data          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    published_at  TEXT
);
CREATE INDEX user_events_pending ON user_events(published_at, id);

CREATE TABLE health (
    id          INTEGER NOT NULL PRIMARY KEY,
    checked_at  TEXT NOT NULL
);
INSERT INTO health (id, checked_at) VALUES (1, '');
