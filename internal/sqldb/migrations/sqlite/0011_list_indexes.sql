-- List queries that do not scan (issue 16): an index per documented filter
-- of GET /api/v1/transactions, in the order of the listing's cursor
-- (user_id, then the filter's column, then booked_at, id), and a trigram
-- search index on the descriptions for q. See transactionsql/list.go for
-- how a listing picks one.

CREATE INDEX transactions_user_currency ON transactions(user_id, currency, booked_at, id);
CREATE INDEX transactions_user_account ON transactions(user_id, account_id, booked_at, id);
-- Amount ranges: per currency, the amounts in order (covering booked_at and
-- id, so a range is counted and sorted without reading the rows).
CREATE INDEX transactions_user_amount ON transactions(user_id, currency, amount_minor, booked_at, id);
-- The user's rows newest first with what an amount range needs, so a broad
-- range is filtered in the index. It replaces transactions_user_booked,
-- whose columns are its prefix.
CREATE INDEX transactions_user_booked_amount ON transactions(user_id, booked_at, id, currency, amount_minor);
DROP INDEX transactions_user_booked;

-- The search index. transactions has no INTEGER PRIMARY KEY, so its rowid
-- may change in a VACUUM (and trx backup is VACUUM INTO): the FTS rows are
-- keyed by transaction_search.rid instead, which VACUUM keeps. The FTS
-- table is contentless (the descriptions stay in transactions only) with
-- contentless_delete so that rows can be deleted and replaced.
CREATE TABLE transaction_search (
    rid             INTEGER PRIMARY KEY,
    transaction_id  TEXT NOT NULL UNIQUE,
    user_id         TEXT NOT NULL
);
CREATE VIRTUAL TABLE transaction_search_fts USING fts5(
    description, content='', contentless_delete=1, tokenize='trigram case_sensitive 0'
);

-- Backfill: the existing rows, a user's together.
INSERT INTO transaction_search (transaction_id, user_id) SELECT id, user_id FROM transactions ORDER BY user_id, booked_at, id;
INSERT INTO transaction_search_fts (rowid, description)
    SELECT s.rid, t.description FROM transaction_search s JOIN transactions t ON t.id = s.transaction_id;

-- Kept in sync by triggers, so that every writer (the store, imports,
-- deletes cascading from a user) keeps it right.
CREATE TRIGGER transactions_search_insert AFTER INSERT ON transactions
BEGIN
    INSERT INTO transaction_search (transaction_id, user_id) VALUES (NEW.id, NEW.user_id);
    INSERT INTO transaction_search_fts (rowid, description)
        SELECT rid, NEW.description FROM transaction_search WHERE transaction_id = NEW.id;
END;

CREATE TRIGGER transactions_search_update AFTER UPDATE OF description ON transactions
WHEN NEW.description IS NOT OLD.description
BEGIN
    DELETE FROM transaction_search_fts WHERE rowid = (SELECT rid FROM transaction_search WHERE transaction_id = OLD.id);
    INSERT INTO transaction_search_fts (rowid, description)
        SELECT rid, NEW.description FROM transaction_search WHERE transaction_id = NEW.id;
END;

CREATE TRIGGER transactions_search_delete AFTER DELETE ON transactions
BEGIN
    DELETE FROM transaction_search_fts WHERE rowid = (SELECT rid FROM transaction_search WHERE transaction_id = OLD.id);
    DELETE FROM transaction_search WHERE transaction_id = OLD.id;
END;
