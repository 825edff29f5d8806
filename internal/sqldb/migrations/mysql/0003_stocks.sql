-- Stocks and their change stream (MySQL/MariaDB), leases and WebSocket
-- connections. Triggers record every insert, update and delete of a stock —
-- by trx or by plain SQL — in stock_changes, in the same transaction as the
-- write, with the old and new images (like a DynamoDB Stream with
-- NEW_AND_OLD_IMAGES). An update that changes nothing records nothing.
-- Prices are integers of 10^-6 currency units.
-- With binary logging on (RDS), creating triggers needs
-- log_bin_trust_function_creators=1 or the SUPER privilege.

CREATE TABLE stocks (
    symbol        VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    name          VARCHAR(200) NOT NULL,
    price_micros  BIGINT NOT NULL,
    currency      CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    updated_at    CHAR(27) CHARACTER SET ascii NOT NULL,
    CONSTRAINT stocks_price_nonnegative CHECK (price_micros >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE stock_changes (
    id                BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    symbol            VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    op                VARCHAR(6) CHARACTER SET ascii NOT NULL,
    old_name          VARCHAR(200) NULL,
    old_price_micros  BIGINT NULL,
    old_currency      CHAR(3) CHARACTER SET ascii NULL,
    old_updated_at    CHAR(27) CHARACTER SET ascii NULL,
    new_name          VARCHAR(200) NULL,
    new_price_micros  BIGINT NULL,
    new_currency      CHAR(3) CHARACTER SET ascii NULL,
    new_updated_at    CHAR(27) CHARACTER SET ascii NULL,
    changed_at        CHAR(27) CHARACTER SET ascii NOT NULL,
    published_at      CHAR(27) CHARACTER SET ascii NULL,
    KEY stock_changes_pending (published_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TRIGGER stocks_capture_insert AFTER INSERT ON stocks FOR EACH ROW
BEGIN
    INSERT INTO stock_changes (symbol, op, new_name, new_price_micros, new_currency, new_updated_at, changed_at)
    VALUES (NEW.symbol, 'insert', NEW.name, NEW.price_micros, NEW.currency, NEW.updated_at,
            DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ'));
END;

CREATE TRIGGER stocks_capture_update AFTER UPDATE ON stocks FOR EACH ROW
BEGIN
    IF NOT (OLD.symbol <=> NEW.symbol AND OLD.name <=> NEW.name AND OLD.price_micros <=> NEW.price_micros
            AND OLD.currency <=> NEW.currency) THEN
        INSERT INTO stock_changes (symbol, op, old_name, old_price_micros, old_currency, old_updated_at,
                                   new_name, new_price_micros, new_currency, new_updated_at, changed_at)
        VALUES (NEW.symbol, 'update', OLD.name, OLD.price_micros, OLD.currency, OLD.updated_at,
                NEW.name, NEW.price_micros, NEW.currency, NEW.updated_at,
                DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ'));
    END IF;
END;

CREATE TRIGGER stocks_capture_delete AFTER DELETE ON stocks FOR EACH ROW
BEGIN
    INSERT INTO stock_changes (symbol, op, old_name, old_price_micros, old_currency, old_updated_at, changed_at)
    VALUES (OLD.symbol, 'delete', OLD.name, OLD.price_micros, OLD.currency, OLD.updated_at,
            DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ'));
END;

CREATE TABLE leases (
    name        VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    holder      VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    expires_at  CHAR(27) CHARACTER SET ascii NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE connections (
    id             VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    node           VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id        CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    connected_at   CHAR(27) CHARACTER SET ascii NOT NULL,
    subscriptions  TEXT NOT NULL,
    KEY connections_node (node),
    KEY connections_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
