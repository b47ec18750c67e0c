-- Core tables of the portal. Written to run unchanged on SQLite and PostgreSQL:
-- TEXT and BIGINT only, times as unix seconds, no autoincrement, no engine-specific syntax.

CREATE TABLE portal_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Server-side session state behind the opaque __Host- cookie.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- A sign-in that has been started and not yet come back: bound to the browser that
-- started it (browser_hash) and used once.
CREATE TABLE pending_logins (
    state_hash TEXT PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    policy TEXT NOT NULL,
    purpose TEXT NOT NULL,
    return_path TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX pending_logins_created_at ON pending_logins (created_at);

-- Append-only, hash-chained audit trail. seq is the chain position: its uniqueness is what
-- stops two concurrent writers from forking the chain.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    actor_subject TEXT,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    patient_id TEXT,
    outcome TEXT NOT NULL,
    detail TEXT,
    request_id TEXT,
    client_ip TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_patient ON audit_log (patient_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_subject, seq);
