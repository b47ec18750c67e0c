-- Audit key rotation (`patient-portal audit rotate-key`): from `from_seq` on, entries are
-- keyed with the key whose id is `key_id` (one of the keys in PORTAL_AUDIT_KEY_FILE). No rows:
-- one segment from audit_head.keyed_from, keyed with the file's newest key (as before 0013).
-- `lost` = 1 marks a segment whose key is gone: its entries are checked only by their links
-- and by checkpoints. `mac` signs (from_seq, key_id, lost) with the segment's own key, or for a
-- lost segment with the key of the next segment that is not lost, so no row can be added,
-- changed or marked lost without a key the file holds.
CREATE TABLE audit_segments (
    from_seq BIGINT PRIMARY KEY,
    key_id TEXT NOT NULL,
    lost BIGINT NOT NULL DEFAULT 0,
    mac TEXT NOT NULL
);
