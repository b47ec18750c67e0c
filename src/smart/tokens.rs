//! Grants, codes and tokens. A grant is one patient's consent to one app; every code, access
//! token and refresh token belongs to one, and revoking the grant ends them all at once.
//!
//! All values are opaque random strings handed out once and stored as SHA-256. Codes and
//! refresh tokens are single use, claimed with a conditional UPDATE so two concurrent uses
//! cannot both win; a second use is treated as theft and revokes the whole grant.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::scopes::Scopes;
use crate::auth::{hash, random_token};
use crate::db::{self, Pool};
use crate::records::PatientId;

pub const ACCESS_TTL: i64 = 3600;
pub const CODE_TTL: i64 = 60;
pub const REQUEST_TTL: i64 = 600;
pub const REFRESH_TTL: i64 = 90 * 24 * 3600;

/// An authorization request waiting for the patient's consent.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Request {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    pub code_challenge: String,
    pub nonce: Option<String>,
}

/// What a valid access token (or a redeemed code, or a refresh token) stands for.
#[derive(Debug, Clone)]
pub struct Grant {
    pub id: String,
    pub client_id: String,
    pub app_name: String,
    pub patient_id: PatientId,
    pub subject: String,
    /// The scopes of the grant (the refresh token's); an access token may carry fewer.
    pub scope: Scopes,
    pub fhir_patient_id: Option<String>,
    /// The proxy grant (#29) this connection rests on, when a proxy connected the app for the
    /// patient they act for (`subject` is then the proxy's); `None`: the patient's own.
    pub proxy_grant_id: Option<String>,
}

/// Why a code or refresh token was refused; all become `invalid_grant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unknown,
    Replayed,
    Expired,
    OtherClient,
    RedirectUri,
    Pkce,
    Revoked,
    /// A refresh asked for scopes the grant does not hold (`invalid_scope`, not `invalid_grant`).
    Scope,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Unknown => "unknown",
            Refusal::Replayed => "replayed",
            Refusal::Expired => "expired",
            Refusal::OtherClient => "other_client",
            Refusal::RedirectUri => "redirect_uri_mismatch",
            Refusal::Pkce => "pkce_mismatch",
            Refusal::Revoked => "revoked",
            Refusal::Scope => "scope_not_granted",
        }
    }
}

pub async fn save_request(pool: &Pool, r: &Request) -> Result<String, sqlx::Error> {
    let id = random_token(32);
    sqlx::query("DELETE FROM smart_requests WHERE expires_at < $1")
        .bind(db::now())
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO smart_requests (id_hash, client_id, redirect_uri, scope, state, code_challenge, nonce, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(hash(&id))
    .bind(&r.client_id)
    .bind(&r.redirect_uri)
    .bind(&r.scope)
    .bind(&r.state)
    .bind(&r.code_challenge)
    .bind(r.nonce.as_deref())
    .bind(db::now() + REQUEST_TTL)
    .execute(pool)
    .await?;
    Ok(id)
}

pub async fn load_request(pool: &Pool, id: &str) -> Result<Option<Request>, sqlx::Error> {
    sqlx::query_as(
        "SELECT client_id, redirect_uri, scope, state, code_challenge, nonce FROM smart_requests WHERE id_hash = $1 AND expires_at > $2",
    )
    .bind(hash(id))
    .bind(db::now())
    .fetch_optional(pool)
    .await
}

/// Takes a pending request (once): whoever deletes the row owns it.
pub async fn take_request(pool: &Pool, id: &str) -> Result<Option<Request>, sqlx::Error> {
    let Some(request) = load_request(pool, id).await? else {
        return Ok(None);
    };
    let deleted = sqlx::query("DELETE FROM smart_requests WHERE id_hash = $1")
        .bind(hash(id))
        .execute(pool)
        .await?
        .rows_affected();
    Ok((deleted == 1).then_some(request))
}

/// Records the patient's consent and returns a fresh authorization code. An earlier grant of
/// the same app for the same patient is replaced: one connection per app.
pub async fn grant_code(
    pool: &Pool,
    request: &Request,
    patient_id: &PatientId,
    subject: &str,
    scope: &Scopes,
    proxy_grant_id: Option<&str>,
) -> Result<String, sqlx::Error> {
    let now = db::now();
    let grant_id = uuid::Uuid::new_v4().to_string();
    let code = random_token(32);
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE smart_grants SET revoked_at = $1 WHERE client_id = $2 AND patient_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(&request.client_id)
    .bind(patient_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO smart_grants (id, client_id, patient_id, subject, scope, nonce, created_at, proxy_grant_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&grant_id)
    .bind(&request.client_id)
    .bind(patient_id)
    .bind(subject)
    .bind(scope.as_string())
    .bind(request.nonce.as_deref())
    .bind(now)
    .bind(proxy_grant_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO smart_codes (code_hash, grant_id, redirect_uri, code_challenge, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash(&code))
    .bind(&grant_id)
    .bind(&request.redirect_uri)
    .bind(&request.code_challenge)
    .bind(now + CODE_TTL)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(code)
}

/// The grant's columns (`GrantRow`), for queries that join `smart_grants g` and `smart_apps a`.
const GRANT_COLUMNS: &str =
    "g.id, g.client_id, a.name AS app_name, g.patient_id, g.subject, g.scope, \
     g.fhir_patient_id, g.revoked_at, a.removed_at AS app_removed_at, g.proxy_grant_id";

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: String,
    client_id: String,
    app_name: String,
    patient_id: PatientId,
    subject: String,
    scope: String,
    fhir_patient_id: Option<String>,
    revoked_at: Option<i64>,
    app_removed_at: Option<i64>,
    proxy_grant_id: Option<String>,
}

impl GrantRow {
    /// The grant, and whether it is live (neither revoked nor its app removed).
    fn grant(self) -> (Grant, bool) {
        let live = self.revoked_at.is_none() && self.app_removed_at.is_none();
        (
            Grant {
                scope: Scopes::parse(&self.scope),
                id: self.id,
                client_id: self.client_id,
                app_name: self.app_name,
                patient_id: self.patient_id,
                subject: self.subject,
                fhir_patient_id: self.fhir_patient_id,
                proxy_grant_id: self.proxy_grant_id,
            },
            live,
        )
    }
}

/// A code with its grant (`redeem_code`).
#[derive(sqlx::FromRow)]
struct CodeRow {
    #[sqlx(flatten)]
    grant: GrantRow,
    redirect_uri: String,
    code_challenge: String,
    expires_at: i64,
}

/// A refresh token with its grant (`use_refresh`).
#[derive(sqlx::FromRow)]
struct RefreshRow {
    #[sqlx(flatten)]
    grant: GrantRow,
    expires_at: i64,
    used_at: Option<i64>,
}

/// An access token with its grant (`bearer`): the token's own scopes.
#[derive(sqlx::FromRow)]
struct AccessRow {
    #[sqlx(flatten)]
    grant: GrantRow,
    token_scope: String,
}

pub async fn revoke_grant(pool: &Pool, grant_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE smart_grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(db::now())
        .bind(grant_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// S256: BASE64URL(SHA256(verifier)) equals the challenge (RFC 7636 §4.6).
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let valid_verifier = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    let computed =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier));
    valid_verifier && bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

/// Redeems a code (once). A replayed code revokes everything issued from it.
pub async fn redeem_code(
    pool: &Pool,
    code: &str,
    client_id: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Result<Result<Grant, Refusal>, sqlx::Error> {
    let sql = format!(
        "SELECT {GRANT_COLUMNS}, c.redirect_uri, c.code_challenge, c.expires_at \
         FROM smart_codes c JOIN smart_grants g ON g.id = c.grant_id JOIN smart_apps a ON a.client_id = g.client_id \
         WHERE c.code_hash = $1"
    );
    let Some(row) = sqlx::query_as::<_, CodeRow>(&sql)
        .bind(hash(code))
        .fetch_optional(pool)
        .await?
    else {
        return Ok(Err(Refusal::Unknown));
    };
    let (grant, live) = row.grant.grant();
    let stored_redirect = row.redirect_uri;
    let challenge = row.code_challenge;
    let expires_at = row.expires_at;
    let claimed =
        sqlx::query("UPDATE smart_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL")
            .bind(db::now())
            .bind(hash(code))
            .execute(pool)
            .await?
            .rows_affected()
            == 1;
    if !claimed {
        revoke_grant(pool, &grant.id).await?;
        return Ok(Err(Refusal::Replayed));
    }
    let refusal = if grant.client_id != client_id {
        Some(Refusal::OtherClient)
    } else if expires_at <= db::now() {
        Some(Refusal::Expired)
    } else if redirect_uri != Some(stored_redirect.as_str()) {
        Some(Refusal::RedirectUri)
    } else if !verifier.is_some_and(|v| pkce_matches(v, &challenge)) {
        Some(Refusal::Pkce)
    } else if !live {
        Some(Refusal::Revoked)
    } else {
        None
    };
    Ok(match refusal {
        Some(r) => Err(r),
        None => Ok(grant),
    })
}

/// The nonce the app sent with its authorization request, for the id_token.
pub async fn nonce(pool: &Pool, grant_id: &str) -> Result<Option<String>, sqlx::Error> {
    let nonce: Option<Option<String>> =
        sqlx::query_scalar("SELECT nonce FROM smart_grants WHERE id = $1")
            .bind(grant_id)
            .fetch_optional(pool)
            .await?;
    Ok(nonce.flatten())
}

pub async fn set_fhir_patient_id(
    pool: &Pool,
    grant_id: &str,
    fhir_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE smart_grants SET fhir_patient_id = $1 WHERE id = $2")
        .bind(fhir_id)
        .bind(grant_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Issues an access token with `scope`, and a refresh token with the grant's scopes when asked.
pub async fn issue(
    pool: &Pool,
    grant: &Grant,
    scope: &Scopes,
    with_refresh: bool,
) -> Result<(String, Option<String>), sqlx::Error> {
    let now = db::now();
    let access = random_token(32);
    let refresh = with_refresh.then(|| random_token(32));
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO smart_tokens (token_hash, grant_id, kind, scope, expires_at) VALUES ($1, $2, 'access', $3, $4)",
    )
    .bind(hash(&access))
    .bind(&grant.id)
    .bind(scope.as_string())
    .bind(now + ACCESS_TTL)
    .execute(&mut *tx)
    .await?;
    if let Some(refresh) = &refresh {
        sqlx::query(
            "INSERT INTO smart_tokens (token_hash, grant_id, kind, scope, expires_at) VALUES ($1, $2, 'refresh', $3, $4)",
        )
        .bind(hash(refresh))
        .bind(&grant.id)
        .bind(grant.scope.as_string())
        .bind(now + REFRESH_TTL)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok((access, refresh))
}

/// The client a refresh token was issued to: a public client may refresh without naming
/// itself (the token identifies it). It still authenticates as that client, so a confidential
/// client's token is no use without its secret.
pub async fn refresh_client(pool: &Pool, token: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT g.client_id FROM smart_tokens t JOIN smart_grants g ON g.id = t.grant_id \
         WHERE t.token_hash = $1 AND t.kind = 'refresh'",
    )
    .bind(hash(token))
    .fetch_optional(pool)
    .await
}

/// Uses a refresh token (once) for `asked` scopes (`None`: the grant's own). Reuse of a rotated
/// token revokes the family (the grant).
///
/// Every refusal that is not reuse leaves the token as it was: a request the server turns down
/// (another client, wider scopes) has not used it up, so the app's next normal refresh is not
/// mistaken for theft. Only a request that will be answered with tokens claims it.
pub async fn use_refresh(
    pool: &Pool,
    token: &str,
    client_id: &str,
    asked: Option<&str>,
) -> Result<Result<(Grant, Scopes), Refusal>, sqlx::Error> {
    let sql = format!(
        "SELECT {GRANT_COLUMNS}, t.expires_at, t.used_at FROM smart_tokens t JOIN smart_grants g ON g.id = t.grant_id \
         JOIN smart_apps a ON a.client_id = g.client_id WHERE t.token_hash = $1 AND t.kind = 'refresh'"
    );
    let Some(row) = sqlx::query_as::<_, RefreshRow>(&sql)
        .bind(hash(token))
        .fetch_optional(pool)
        .await?
    else {
        return Ok(Err(Refusal::Unknown));
    };
    let (grant, live) = row.grant.grant();
    if grant.client_id != client_id {
        return Ok(Err(Refusal::OtherClient));
    }
    if row.used_at.is_some() {
        revoke_grant(pool, &grant.id).await?;
        return Ok(Err(Refusal::Replayed));
    }
    if row.expires_at <= db::now() {
        return Ok(Err(Refusal::Expired));
    }
    if !live {
        return Ok(Err(Refusal::Revoked));
    }
    let scope = match asked {
        None => grant.scope.clone(),
        Some(asked) => match Scopes::narrowed(asked, &grant.scope) {
            Some(s) => s,
            None => return Ok(Err(Refusal::Scope)),
        },
    };
    // Claimed with a conditional UPDATE: of two concurrent uses only one wins, and the other
    // is reuse.
    let claimed = sqlx::query(
        "UPDATE smart_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
    )
    .bind(db::now())
    .bind(hash(token))
    .execute(pool)
    .await?
    .rows_affected()
        == 1;
    if !claimed {
        revoke_grant(pool, &grant.id).await?;
        return Ok(Err(Refusal::Replayed));
    }
    Ok(Ok((grant, scope)))
}

/// The grant behind a live access token, with the token's own scopes.
pub async fn bearer(pool: &Pool, token: &str) -> Result<Option<(Grant, Scopes)>, sqlx::Error> {
    let sql = format!(
        "SELECT {GRANT_COLUMNS}, t.scope AS token_scope FROM smart_tokens t JOIN smart_grants g ON g.id = t.grant_id \
         JOIN smart_apps a ON a.client_id = g.client_id \
         WHERE t.token_hash = $1 AND t.kind = 'access' AND t.expires_at > $2"
    );
    let Some(row) = sqlx::query_as::<_, AccessRow>(&sql)
        .bind(hash(token))
        .bind(db::now())
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let (grant, live) = row.grant.grant();
    Ok(live.then(|| (grant, Scopes::parse(&row.token_scope))))
}

/// What introspection (RFC 7662) says of a token that is still good.
#[derive(Debug, Clone)]
pub struct Introspected {
    pub grant: Grant,
    /// The token's own scopes (an access token may carry fewer than its grant).
    pub scope: Scopes,
    /// True for an access token, false for a refresh token.
    pub access: bool,
    pub issued_at: i64,
    pub expires_at: i64,
}

/// A token that has not expired, with its grant (`introspect`).
#[derive(sqlx::FromRow)]
struct IntrospectRow {
    #[sqlx(flatten)]
    grant: GrantRow,
    kind: String,
    token_scope: String,
    expires_at: i64,
    used_at: Option<i64>,
}

/// A live token (access, or an unused refresh token) with its grant; `None` for anything
/// unknown, expired, rotated or revoked, which introspection reports alike as inactive.
pub async fn introspect(pool: &Pool, token: &str) -> Result<Option<Introspected>, sqlx::Error> {
    let sql = format!(
        "SELECT {GRANT_COLUMNS}, t.kind, t.scope AS token_scope, t.expires_at, t.used_at \
         FROM smart_tokens t JOIN smart_grants g ON g.id = t.grant_id \
         JOIN smart_apps a ON a.client_id = g.client_id WHERE t.token_hash = $1 AND t.expires_at > $2"
    );
    let Some(row) = sqlx::query_as::<_, IntrospectRow>(&sql)
        .bind(hash(token))
        .bind(db::now())
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let (grant, live) = row.grant.grant();
    let access = row.kind == "access";
    // A refresh token that was rotated is used up.
    let active = live && (access || row.used_at.is_none());
    // Tokens are stored with their expiry only; each kind lives a fixed time, so that is when
    // it was issued.
    let ttl = if access { ACCESS_TTL } else { REFRESH_TTL };
    Ok(active.then(|| Introspected {
        grant,
        scope: Scopes::parse(&row.token_scope),
        access,
        issued_at: row.expires_at - ttl,
        expires_at: row.expires_at,
    }))
}

/// RFC 7009: the token (access or refresh) of this client ends its whole grant.
pub async fn revoke_token(pool: &Pool, token: &str, client_id: &str) -> Result<(), sqlx::Error> {
    let grant_id: Option<String> = sqlx::query_scalar(
        "SELECT g.id FROM smart_tokens t JOIN smart_grants g ON g.id = t.grant_id WHERE t.token_hash = $1 AND g.client_id = $2",
    )
    .bind(hash(token))
    .bind(client_id)
    .fetch_optional(pool)
    .await?;
    if let Some(id) = grant_id {
        revoke_grant(pool, &id).await?;
    }
    Ok(())
}

pub async fn touch(pool: &Pool, grant_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE smart_grants SET last_read_at = $1 WHERE id = $2")
        .bind(db::now())
        .bind(grant_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// A live connection, as the patient's account page lists it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Connection {
    pub client_id: String,
    pub app_name: String,
    pub scope: String,
    pub created_at: i64,
    pub last_read_at: Option<i64>,
}

pub async fn connections(
    pool: &Pool,
    patient_id: &PatientId,
) -> Result<Vec<Connection>, sqlx::Error> {
    sqlx::query_as(
        "SELECT g.client_id, a.name AS app_name, g.scope, g.created_at, g.last_read_at FROM smart_grants g \
         JOIN smart_apps a ON a.client_id = g.client_id \
         WHERE g.patient_id = $1 AND g.revoked_at IS NULL AND a.removed_at IS NULL ORDER BY a.name, g.created_at",
    )
    .bind(patient_id)
    .fetch_all(pool)
    .await
}

/// The patient disconnects an app: every grant of it for this patient ends now.
pub async fn disconnect(
    pool: &Pool,
    patient_id: &PatientId,
    client_id: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE smart_grants SET revoked_at = $1 WHERE patient_id = $2 AND client_id = $3 AND revoked_at IS NULL",
    )
    .bind(db::now())
    .bind(patient_id)
    .bind(client_id)
    .execute(pool)
    .await?
    .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::{pkce_matches, Refusal};

    #[test]
    fn each_refusal_is_logged_by_its_own_reason() {
        let all = [
            (Refusal::Unknown, "unknown"),
            (Refusal::Replayed, "replayed"),
            (Refusal::Expired, "expired"),
            (Refusal::OtherClient, "other_client"),
            (Refusal::RedirectUri, "redirect_uri_mismatch"),
            (Refusal::Pkce, "pkce_mismatch"),
            (Refusal::Revoked, "revoked"),
            (Refusal::Scope, "scope_not_granted"),
        ];
        for (refusal, reason) in all {
            assert_eq!(refusal.as_str(), reason);
        }
    }

    #[test]
    fn pkce_s256_matches_an_independent_computation() {
        // Challenge computed with Python's hashlib and base64 (urlsafe, no padding).
        let verifier = "dBjftJeZ4CVP-mJ0zd3ZFxRrjr1_ozsYu8QNUvX2tHQ";
        let challenge = "4G4CGKW8skJVYEuS_1_yIRR2pA4mgQbeMPDaA5Xfr74";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mJ0zd3ZFxRrjr1_ozsYu8QNUvX2tHq",
            challenge
        ));
        assert!(!pkce_matches(challenge, challenge));
        assert!(!pkce_matches("short", challenge));
    }
}
