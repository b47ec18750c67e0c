-- Sharing (#30): SMART Health Links made by patients, the encrypted files they point at, the
-- short-lived download addresses of those files, and every attempt to open a link.
--
-- The decryption key of a link is never stored: it lives only in the shlink:/ the patient
-- hands out. The server keeps the files encrypted (JWE compact, dir + A256GCM) and a passcode
-- only as an argon2 hash.

-- One link. `id` is the last segment of the manifest URL (256 random bits, base64url), so
-- knowing the address is itself a secret. A link stops answering (404) once it expired,
-- was revoked by the patient, or used up its passcode attempts (`revoked_at` and
-- `revoked_reason` say which).
CREATE TABLE share_links (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    created_by TEXT NOT NULL,
    label TEXT NOT NULL,
    content TEXT NOT NULL,
    period_from TEXT,
    period_to TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    passcode_hash TEXT,
    attempts_left BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_reason TEXT
);
CREATE INDEX share_links_patient ON share_links (patient_id, created_at);

-- The encrypted files of a link, in manifest order.
CREATE TABLE share_link_files (
    id TEXT PRIMARY KEY,
    link_id TEXT NOT NULL REFERENCES share_links (id),
    position BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    jwe TEXT NOT NULL
);
CREATE INDEX share_link_files_link ON share_link_files (link_id, position);

-- A file's download address handed out by one manifest answer: stored as the SHA-256 of its
-- token, valid for a few minutes and for one download.
CREATE TABLE share_link_downloads (
    token_hash TEXT PRIMARY KEY,
    file_id TEXT NOT NULL REFERENCES share_link_files (id),
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- Every manifest request of a link, for the patient's list: when, the name the recipient
-- gave, and how it ended (opened, wrong_passcode, disabled, gone).
CREATE TABLE share_link_accesses (
    id TEXT PRIMARY KEY,
    link_id TEXT NOT NULL REFERENCES share_links (id),
    at BIGINT NOT NULL,
    recipient TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX share_link_accesses_link ON share_link_accesses (link_id, at);
