-- API keys (MySQL / MariaDB): a label to tell them apart, and an optional
-- per-key throttling override (requests per second and burst; NULL = the
-- gateway's defaults).

ALTER TABLE api_keys
    ADD COLUMN label VARCHAR(100) NOT NULL DEFAULT '',
    ADD COLUMN rate_limit DOUBLE NULL,
    ADD COLUMN rate_burst INT NULL;
