-- The price a stock had before its latest price change, so that a client
-- that (re)loads the list can show the last change without waiting for the
-- next one. Kept by a trigger, so plain SQL writes keep it too; NULL until
-- the price first changes, and again after a change of currency (a
-- percentage across currencies means nothing).

ALTER TABLE stocks ADD COLUMN previous_price_micros BIGINT NULL;

CREATE TRIGGER stocks_keep_previous_price BEFORE UPDATE ON stocks FOR EACH ROW
BEGIN
    IF NOT (OLD.currency <=> NEW.currency) THEN
        SET NEW.previous_price_micros = NULL;
    ELSEIF NOT (OLD.price_micros <=> NEW.price_micros) THEN
        SET NEW.previous_price_micros = OLD.price_micros;
    END IF;
END;
