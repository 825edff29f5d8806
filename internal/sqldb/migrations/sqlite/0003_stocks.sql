-- Stocks and their change stream (SQLite), leases and WebSocket connections.
-- Triggers record every insert, update and delete of a stock — by trx or by
-- plain SQL — in stock_changes, in the same transaction as the write, with
-- the old and new images (like a DynamoDB Stream with NEW_AND_OLD_IMAGES).
-- An update that changes nothing records nothing, as DynamoDB does.
-- Prices are integers of 10^-6 currency units.

CREATE TABLE stocks (
    symbol        TEXT NOT NULL PRIMARY KEY,
    name          TEXT NOT NULL,
    price_micros  INTEGER NOT NULL CHECK (price_micros >= 0),
    currency      TEXT NOT NULL CHECK (length(currency) = 3),
    updated_at    TEXT NOT NULL
);

CREATE TABLE stock_changes (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    symbol            TEXT NOT NULL,
    op                TEXT NOT NULL,
    old_name          TEXT,
    old_price_micros  INTEGER,
    old_currency      TEXT,
    old_updated_at    TEXT,
    new_name          TEXT,
    new_price_micros  INTEGER,
    new_currency      TEXT,
    new_updated_at    TEXT,
    changed_at        TEXT NOT NULL,
    published_at      TEXT
);
CREATE INDEX stock_changes_pending ON stock_changes(published_at, id);

CREATE TRIGGER stocks_capture_insert AFTER INSERT ON stocks
BEGIN
    INSERT INTO stock_changes (symbol, op, new_name, new_price_micros, new_currency, new_updated_at, changed_at)
    VALUES (NEW.symbol, 'insert', NEW.name, NEW.price_micros, NEW.currency, NEW.updated_at,
            strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z');
END;

CREATE TRIGGER stocks_capture_update AFTER UPDATE ON stocks
WHEN OLD.symbol IS NOT NEW.symbol OR OLD.name IS NOT NEW.name OR OLD.price_micros IS NOT NEW.price_micros
     OR OLD.currency IS NOT NEW.currency
BEGIN
    INSERT INTO stock_changes (symbol, op, old_name, old_price_micros, old_currency, old_updated_at,
                               new_name, new_price_micros, new_currency, new_updated_at, changed_at)
    VALUES (NEW.symbol, 'update', OLD.name, OLD.price_micros, OLD.currency, OLD.updated_at,
            NEW.name, NEW.price_micros, NEW.currency, NEW.updated_at,
            strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z');
END;

CREATE TRIGGER stocks_capture_delete AFTER DELETE ON stocks
BEGIN
    INSERT INTO stock_changes (symbol, op, old_name, old_price_micros, old_currency, old_updated_at, changed_at)
    VALUES (OLD.symbol, 'delete', OLD.name, OLD.price_micros, OLD.currency, OLD.updated_at,
            strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z');
END;

-- Named leases: one holder at a time until expires_at (the relay leader,
-- and each notifier node's liveness).
CREATE TABLE leases (
    name        TEXT NOT NULL PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

CREATE TABLE connections (
    id             TEXT NOT NULL PRIMARY KEY,
    node           TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    connected_at   TEXT NOT NULL,
    subscriptions  TEXT NOT NULL
);
CREATE INDEX connections_node ON connections(node);
CREATE INDEX connections_user ON connections(user_id);
