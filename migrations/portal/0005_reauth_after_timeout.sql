-- A sign-in started after a session timed out must prove a fresh authentication: the
-- id_token's auth_time may not be older than this (unix seconds). NULL: no such demand.
ALTER TABLE pending_logins ADD COLUMN fresh_auth_after BIGINT;
