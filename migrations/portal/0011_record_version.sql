-- A record's version, raised in the transaction that stores it (import, demo seed): a page
-- part rendered from one version is kept (records::chart_cache) and served while the version
-- read with each view is the same, whichever instance changed the record.
ALTER TABLE patients ADD COLUMN record_version BIGINT NOT NULL DEFAULT 0;
