-- API keys (SQLite): a label to tell them apart, and an optional per-key
-- throttling override (requests per second and burst; NULL = the gateway's
-- defaults).

ALTER TABLE api_keys ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN rate_limit REAL;
ALTER TABLE api_keys ADD COLUMN rate_burst INTEGER;
