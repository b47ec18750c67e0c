-- The emulated B2C tenant: its own database, never shared with the portal.
-- Times are unix seconds (UTC). Secrets that a client or browser presents back
-- (authorization codes, refresh tokens, SSO session ids, verification codes) are stored hashed.

CREATE TABLE tenant (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    tenant_id   TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    oid             TEXT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,      -- lower-case
    password_hash   TEXT NOT NULL,             -- argon2id PHC string
    given_name      TEXT NOT NULL,
    surname         TEXT NOT NULL,
    country         TEXT,
    role            TEXT,                      -- extension_Role
    phone           TEXT,                      -- enrolled MFA phone, E.164
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL
);

CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY,
    private_pem  TEXT NOT NULL,                -- PKCS#1 PEM
    created_at   INTEGER NOT NULL,             -- published as nbf
    retired_at   INTEGER                       -- NULL: the key currently signing
);

CREATE TABLE transactions (
    id          TEXT PRIMARY KEY,
    data        TEXT NOT NULL,                 -- JSON of the flow state
    expires_at  INTEGER NOT NULL
);

CREATE TABLE verification_codes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tx_id       TEXT NOT NULL,
    purpose     TEXT NOT NULL,                 -- 'email' | 'phone'
    recipient   TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    tries_left  INTEGER NOT NULL,
    used        INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE INDEX verification_codes_tx ON verification_codes (tx_id, purpose);

CREATE TABLE auth_codes (
    code_hash              TEXT PRIMARY KEY,
    client_id              TEXT NOT NULL,
    redirect_uri           TEXT NOT NULL,
    policy                 TEXT NOT NULL,
    oid                    TEXT NOT NULL,
    nonce                  TEXT,
    code_challenge         TEXT,
    code_challenge_method  TEXT,
    scope                  TEXT NOT NULL,
    auth_time              INTEGER NOT NULL,
    new_user               INTEGER NOT NULL DEFAULT 0,
    expires_at             INTEGER NOT NULL,
    used_at                INTEGER
);

CREATE TABLE sso_sessions (
    id_hash     TEXT PRIMARY KEY,
    oid         TEXT NOT NULL,
    auth_time   INTEGER NOT NULL,
    mfa_at      INTEGER,
    expires_at  INTEGER NOT NULL
);

CREATE TABLE refresh_tokens (
    token_hash  TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL,
    oid         TEXT NOT NULL,
    policy      TEXT NOT NULL,
    scope       TEXT NOT NULL,
    auth_time   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    revoked_at  INTEGER
);
CREATE INDEX refresh_tokens_oid ON refresh_tokens (oid);

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient   TEXT NOT NULL,
    kind        TEXT NOT NULL,                 -- 'email' | 'sms' | 'call'
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
