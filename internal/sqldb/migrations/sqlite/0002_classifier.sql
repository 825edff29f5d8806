-- trx schema v2 (SQLite): the classifier. Who decided a transaction's
-- category (category_source: manual, rule, model, builtin; NULL when nobody
-- did), how sure it was (basis points, 0-10000, automatic sources only) and
-- which rule; each user's own categories, ordered rules, learned model,
-- settings and categorization jobs. The built-in taxonomy is part of the
-- binary (classifier.Builtin), not rows, so that it cannot drift from the
-- built-in model trained on it.

ALTER TABLE transactions ADD COLUMN category_source TEXT;
ALTER TABLE transactions ADD COLUMN category_confidence INTEGER;
ALTER TABLE transactions ADD COLUMN category_rule_id TEXT;

CREATE TABLE categories (
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    parent_id   TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, id)
);
CREATE UNIQUE INDEX categories_user_name ON categories(user_id, name_key);

CREATE TABLE category_rules (
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    position     INTEGER NOT NULL,
    name         TEXT NOT NULL,
    conditions   TEXT NOT NULL,
    category_id  TEXT NOT NULL,
    enabled      INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX category_rules_position ON category_rules(user_id, position);

CREATE TABLE classifier_settings (
    user_id         TEXT NOT NULL PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    auto_on_create  INTEGER NOT NULL,
    threshold_bp    INTEGER NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE classifier_models (
    user_id     TEXT NOT NULL PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    examples    INTEGER NOT NULL,
    model       BLOB NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE classifier_jobs (
    id           TEXT NOT NULL PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    active_user  TEXT UNIQUE,
    state        TEXT NOT NULL,
    from_at      TEXT,
    to_at        TEXT,
    total        INTEGER NOT NULL,
    done         INTEGER NOT NULL,
    categorized  INTEGER NOT NULL,
    error        TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX classifier_jobs_user ON classifier_jobs(user_id, created_at);
