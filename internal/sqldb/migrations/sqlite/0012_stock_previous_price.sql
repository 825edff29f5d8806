-- The price a stock had before its latest price change, so that a client
-- that (re)loads the list can show the last change without waiting for the
-- next one. Kept by a trigger, so plain SQL writes keep it too; NULL until
-- the price first changes, and again after a change of currency (a
-- percentage across currencies means nothing).

ALTER TABLE stocks ADD COLUMN previous_price_micros INTEGER;

-- The nested UPDATE touches only previous_price_micros: it fires neither
-- this trigger (UPDATE OF price_micros, currency) nor a change record
-- (stocks_capture_update compares the other columns).
CREATE TRIGGER stocks_keep_previous_price AFTER UPDATE OF price_micros, currency ON stocks
WHEN OLD.price_micros IS NOT NEW.price_micros OR OLD.currency IS NOT NEW.currency
BEGIN
    UPDATE stocks SET previous_price_micros = CASE WHEN OLD.currency IS NEW.currency THEN OLD.price_micros END
    WHERE symbol = NEW.symbol;
END;
