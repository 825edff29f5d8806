-- List queries that do not scan (issue 16): an index per documented filter
-- of GET /api/v1/transactions, in the order of the listing's cursor
-- (user_id, then the filter's column, then booked_at, id), and a trigram
-- table on the descriptions for q (MariaDB has no ngram FULLTEXT parser,
-- and word-based FULLTEXT cannot find substrings). See
-- transactionsql/list.go for how a listing picks one.
--
-- One ALTER, in place and without a lock: InnoDB builds the indexes while
-- the table goes on taking reads and writes. transactions_user_booked_amount
-- replaces transactions_user_booked (whose columns are its prefix).
ALTER TABLE transactions
    ADD KEY transactions_user_currency (user_id, currency, booked_at, id),
    ADD KEY transactions_user_account (user_id, account_id, booked_at, id),
    ADD KEY transactions_user_amount (user_id, currency, amount_minor, booked_at, id),
    ADD KEY transactions_user_booked_amount (user_id, booked_at, id, currency, amount_minor),
    DROP KEY transactions_user_booked,
    ALGORITHM=INPLACE, LOCK=NONE;

-- 1..998: the start of every three-character substring of a description
-- (up to 1,000 characters).
CREATE TABLE trigram_positions (
    n SMALLINT NOT NULL PRIMARY KEY
) ENGINE=InnoDB;
INSERT INTO trigram_positions (n)
    WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 998) SELECT n FROM s;

-- Every distinct three-character substring of each description, per user.
-- The collation is the description's, so a trigram matches as LIKE compares
-- characters there (case- and accent-insensitive); the list query still
-- checks LIKE on the row, the trigrams only find the candidates. A deleted
-- transaction takes its trigrams with it through the foreign key (triggers
-- do not fire on the deletes that cascade from a user; the key does).
CREATE TABLE transaction_trigrams (
    user_id         CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    trigram         VARCHAR(3) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
    transaction_id  CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (user_id, trigram, transaction_id),
    KEY transaction_trigrams_transaction (transaction_id),
    CONSTRAINT transaction_trigrams_transaction_fk FOREIGN KEY (transaction_id) REFERENCES transactions(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The triggers first, then the backfill: a row written during the backfill
-- is indexed by its trigger, and IGNORE skips what the trigger already
-- added (and a row deleted meanwhile, whose foreign key check fails).
CREATE TRIGGER transactions_trigrams_insert AFTER INSERT ON transactions FOR EACH ROW
BEGIN
    INSERT INTO transaction_trigrams (user_id, trigram, transaction_id)
        SELECT DISTINCT NEW.user_id, SUBSTRING(NEW.description, p.n, 3), NEW.id
        FROM trigram_positions p WHERE p.n <= CHAR_LENGTH(NEW.description) - 2;
END;

CREATE TRIGGER transactions_trigrams_update AFTER UPDATE ON transactions FOR EACH ROW
BEGIN
    IF BINARY OLD.description <> BINARY NEW.description THEN
        DELETE FROM transaction_trigrams WHERE transaction_id = OLD.id;
        INSERT INTO transaction_trigrams (user_id, trigram, transaction_id)
            SELECT DISTINCT NEW.user_id, SUBSTRING(NEW.description, p.n, 3), NEW.id
            FROM trigram_positions p WHERE p.n <= CHAR_LENGTH(NEW.description) - 2;
    END IF;
END;

INSERT IGNORE INTO transaction_trigrams (user_id, trigram, transaction_id)
    SELECT t.user_id, SUBSTRING(t.description, p.n, 3), t.id
    FROM transactions t JOIN trigram_positions p ON p.n <= CHAR_LENGTH(t.description) - 2;
