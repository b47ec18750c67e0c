-- When a record was last stored (import, demo seed), in seconds since the epoch: the FHIR API's
-- `meta.lastUpdated` of its resources, `_lastUpdated` searches and the `recorded` time of the
-- Provenance that says who supplied them. 0: stored before this column existed (unknown until
-- the record is stored again; such resources carry no lastUpdated and no Provenance).
ALTER TABLE patients ADD COLUMN record_updated_at BIGINT NOT NULL DEFAULT 0;
