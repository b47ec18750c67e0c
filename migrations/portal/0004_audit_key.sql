-- The audit chain becomes keyed (HMAC-SHA256 with PORTAL_AUDIT_KEY_FILE). `keyed_from` is
-- the first seq written with the key (entries before it keep their plain SHA-256); the
-- portal sets it at its first start with a key. `mac` signs (keyed_from, seq, hash), so the
-- head cannot be moved back or re-marked without the key.
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT;
ALTER TABLE audit_head ADD COLUMN mac TEXT;
