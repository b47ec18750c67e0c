-- SMART on FHIR: the apps patients may connect, and what the portal has issued to them.
-- Every secret (client secret, code, token, pending request id) is stored as its SHA-256 only.

-- Registered apps. A removed app keeps its row (removed_at set) so the access log can still
-- name it; nothing is issued to it and its tokens stop working.
CREATE TABLE smart_apps (
    client_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    secret_hash TEXT,
    created_at BIGINT NOT NULL,
    removed_at BIGINT
);

-- An authorization request that passed the checks at /smart/authorize and waits for the
-- patient's consent. Used once.
CREATE TABLE smart_requests (
    id_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    state TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    nonce TEXT,
    expires_at BIGINT NOT NULL
);

-- One patient's consent to one app: codes, access and refresh tokens all belong to a grant,
-- and revoking the grant ends every one of them at once.
CREATE TABLE smart_grants (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES smart_apps (client_id),
    patient_id TEXT NOT NULL REFERENCES patients (id),
    subject TEXT NOT NULL,
    scope TEXT NOT NULL,
    fhir_patient_id TEXT,
    nonce TEXT,
    created_at BIGINT NOT NULL,
    last_read_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX smart_grants_patient ON smart_grants (patient_id);

-- Authorization codes (single use: a second use revokes the grant).
CREATE TABLE smart_codes (
    code_hash TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL REFERENCES smart_grants (id),
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- Access tokens (kind 'access') and rotating refresh tokens (kind 'refresh'; used_at set when
-- rotated, and a second use revokes the grant: the token family).
CREATE TABLE smart_tokens (
    token_hash TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL REFERENCES smart_grants (id),
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX smart_tokens_grant ON smart_tokens (grant_id);
