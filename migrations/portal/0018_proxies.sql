-- Proxies (#29): a patient invites someone by e-mail to act for them; the invitee accepts with
-- their own account. The invitation's token is stored only as its hash and works once, until
-- expires_at. A grant holds what the proxy may do (scopes, space-separated) and is checked in
-- this table on every request, so a revocation holds at once on every instance.
CREATE TABLE proxy_invitations (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    inviter_subject TEXT NOT NULL,
    email TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    ends_at BIGINT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX proxy_invitations_patient ON proxy_invitations (patient_id);

CREATE TABLE proxy_grants (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    proxy_subject TEXT NOT NULL,
    proxy_name TEXT NOT NULL,
    proxy_email TEXT NOT NULL,
    scopes TEXT NOT NULL,
    ends_at BIGINT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX proxy_grants_proxy ON proxy_grants (proxy_subject);
CREATE INDEX proxy_grants_patient ON proxy_grants (patient_id);
