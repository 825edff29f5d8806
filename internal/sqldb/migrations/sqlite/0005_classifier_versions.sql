-- trx schema v5 (SQLite): per-user versions of what every trx process
-- caches for the classifier. Each change to a user's rules or categories
-- bumps its counter in the same database transaction, so a process that
-- compiled the rules (or listed the categories) at version n sees n+1 on its
-- next request and rebuilds: the cache is invalidated on every replica
-- without a message between them.

CREATE TABLE classifier_versions (
    user_id     TEXT NOT NULL PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    rules       INTEGER NOT NULL DEFAULT 0,
    categories  INTEGER NOT NULL DEFAULT 0
);
