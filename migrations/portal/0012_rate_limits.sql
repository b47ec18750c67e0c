-- Request counts per key (a client address, an access token's hash) and per minute, shared by
-- every instance on one database, so N instances allow a key the limit once, not N times.
-- One row per key: the current window's start (Unix seconds) and how many requests it saw.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    count BIGINT NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
