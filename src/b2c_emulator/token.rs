//! The token endpoint and everything it mints: authorization codes, id_tokens, access tokens,
//! refresh tokens.
//!
//! Owns: `auth_codes` and `refresh_tokens`. Codes are single use, live 10 minutes and are bound to
//! the client, the redirect URI, the PKCE challenge and the policy that issued them (another
//! policy's endpoint answers AADB2C90088). Clients authenticate with client_secret_basic (RFC 6749
//! form-urlencoded inside Basic) or client_secret_post. Refresh tokens rotate; a password reset
//! revokes them (AADB2C90129). The response carries B2C's fields; an access token only when a
//! scope other than openid/offline_access (the client id) was asked.
//! Never: logs a code, token or secret; answers an error as anything but JSON.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use subtle::ConstantTimeEq;

use super::auth_request::AuthRequest;
use super::errors::with_correlation;
use super::store::{now, random_token, sha256_hex};
use super::tenant::Tenant;
use super::users::{self, User};

pub(crate) const CODE_TTL_SECS: i64 = 10 * 60;
pub(crate) const ID_TOKEN_TTL_SECS: i64 = 60 * 60;
pub(crate) const REFRESH_TOKEN_TTL_SECS: i64 = 14 * 24 * 60 * 60;

const GRANT_EXPIRED: &str =
    "AADB2C90080: The provided grant has expired. Please re-authenticate and try again.";

/// An OAuth error answer: JSON `error` + `error_description`. The description is read by the
/// app, not by a person, and B2C sends it in English whatever `ui_locales` the sign-in asked
/// for: so every description here stays English, not from the message files (#31).
#[derive(Debug, thiserror::Error)]
#[error("{error}: {description}")]
pub(crate) struct TokenError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl TokenError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        TokenError {
            status,
            error,
            description: description.into(),
        }
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }

    fn internal(e: impl std::fmt::Debug) -> Self {
        tracing::error!(error = ?e, "B2C emulator token endpoint failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "AADB2C90085: The service has encountered an internal error. Please reauthenticate and try again.",
        )
    }
}

impl From<sqlx::Error> for TokenError {
    fn from(e: sqlx::Error) -> Self {
        TokenError::internal(e)
    }
}

impl From<anyhow::Error> for TokenError {
    fn from(e: anyhow::Error) -> Self {
        TokenError::internal(e)
    }
}

impl ResponseError for TokenError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response
            .insert_header(("Cache-Control", "no-store"))
            .insert_header(("Pragma", "no-cache"));
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header(("WWW-Authenticate", "Basic"));
        }
        response.json(serde_json::json!({
            "error": self.error,
            "error_description": with_correlation(&self.description),
        }))
    }
}

/// Stores a new authorization code for a finished flow; returns the code.
pub(crate) async fn issue_code(
    db: &SqlitePool,
    request: &AuthRequest,
    policy_id: &str,
    oid: &str,
    auth_time: i64,
    new_user: bool,
) -> anyhow::Result<String> {
    let code = random_token(48);
    sqlx::query(
        "INSERT INTO auth_codes (code_hash, client_id, redirect_uri, policy, oid, nonce, code_challenge,
             code_challenge_method, scope, auth_time, new_user, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(sha256_hex(&code))
    .bind(&request.client_id)
    .bind(&request.reply.redirect_uri)
    .bind(policy_id)
    .bind(oid)
    .bind(&request.nonce)
    .bind(&request.code_challenge)
    .bind(&request.code_challenge_method)
    .bind(request.scopes.join(" "))
    .bind(auth_time)
    .bind(new_user)
    .bind(now() + CODE_TTL_SECS)
    .execute(db)
    .await?;
    Ok(code)
}

/// RFC 7636: the verifier's shape, then S256 or plain, compared in constant time.
pub(crate) fn pkce_matches(method: Option<&str>, challenge: &str, verifier: &str) -> bool {
    let shaped = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if !shaped {
        return false;
    }
    let expected = match method.unwrap_or("plain") {
        "S256" => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(verifier.as_bytes())),
        "plain" => verifier.to_string(),
        _ => return false,
    };
    expected.as_bytes().ct_eq(challenge.as_bytes()).into()
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space), as RFC 6749 §2.3.1 asks
/// for the client id and secret inside HTTP Basic.
pub(crate) fn form_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// `(client_id, client_secret)` from an `Authorization: Basic` header value.
pub(crate) fn parse_basic(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

#[derive(Debug, Default, Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
}

fn authenticate_client(
    tenant: &Tenant,
    req: &HttpRequest,
    form: &TokenForm,
) -> Result<String, TokenError> {
    let basic = match req.headers().get("Authorization") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(parse_basic)
                .ok_or_else(|| TokenError::invalid_client("AADB2C90081: The client credentials in the Authorization header could not be read."))?,
        ),
    };
    let (client_id, secret) = match (basic, &form.client_secret) {
        (Some(_), Some(_)) => {
            return Err(TokenError::invalid_request(
                "The request uses more than one client authentication method (Basic and client_secret).",
            ))
        }
        (Some((id, secret)), None) => {
            if form.client_id.as_ref().is_some_and(|f| *f != id) {
                return Err(TokenError::invalid_client(
                    "AADB2C90011: The client id in the request does not match the client id of the credentials.",
                ));
            }
            (id, secret)
        }
        (None, Some(secret)) => (form.client_id.clone().unwrap_or_default(), secret.clone()),
        (None, None) => {
            return Err(TokenError::invalid_request(
                "AADB2C90079: Clients must send a client_secret when redeeming a confidential grant.",
            ))
        }
    };
    let app = &tenant.settings.app;
    if client_id != app.client_id {
        return Err(TokenError::invalid_client(format!(
            "AADB2C90018: The client id '{client_id}' specified in the request is not registered in tenant '{}'.",
            tenant.settings.domain
        )));
    }
    if !bool::from(secret.as_bytes().ct_eq(app.client_secret.as_bytes())) {
        return Err(TokenError::invalid_client(
            "AADB2C90081: The specified client_secret does not match the expected value for this client. Please correct the client_secret and try again.",
        ));
    }
    Ok(client_id)
}

#[derive(sqlx::FromRow)]
struct CodeRow {
    client_id: String,
    redirect_uri: String,
    policy: String,
    oid: String,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    scope: String,
    auth_time: i64,
    new_user: bool,
    expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct RefreshRow {
    client_id: String,
    oid: String,
    policy: String,
    scope: String,
    auth_time: i64,
    expires_at: i64,
    used_at: Option<i64>,
    revoked_at: Option<i64>,
}

fn wrong_policy(issued: &str, here: &str) -> TokenError {
    TokenError::invalid_grant(format!(
        "AADB2C90088: The provided grant has not been issued for this endpoint. Actual Value : {issued} and Expected Value : {here}"
    ))
}

/// `POST /{tenant}/{policy}/oauth2/v2.0/token`
pub(crate) async fn post(
    tenant: web::Data<Tenant>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, TokenError> {
    let (t, p) = path.into_inner();
    let policy = tenant
        .policy(&t, &p)
        .map_err(|e| TokenError::new(StatusCode::NOT_FOUND, "invalid_request", e.to_string()))?;
    let form: TokenForm = serde_urlencoded::from_bytes(&body).map_err(|_| {
        TokenError::invalid_request("The request body must be form-encoded, each parameter once.")
    })?;
    let client_id = authenticate_client(&tenant, &req, &form)?;
    match form.grant_type.as_deref() {
        None | Some("") => Err(TokenError::invalid_request(
            "AADB2C90083: The request is missing required parameter: grant_type.",
        )),
        Some("authorization_code") => redeem_code(&tenant, &policy.id, &client_id, &form).await,
        Some("refresh_token") => redeem_refresh(&tenant, &policy.id, &client_id, &form).await,
        Some(other) => Err(TokenError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("AADB2C90086: The supplied grant_type '{other}' is not supported."),
        )),
    }
}

async fn redeem_code(
    tenant: &Tenant,
    policy_id: &str,
    client_id: &str,
    form: &TokenForm,
) -> Result<HttpResponse, TokenError> {
    let code = form.code.as_deref().unwrap_or_default();
    if code.is_empty() {
        return Err(TokenError::invalid_request(
            "AADB2C90083: The request is missing required parameter: code.",
        ));
    }
    let hash = sha256_hex(code);
    // Single use: whoever marks the code first owns it; a failed check below still burns it.
    let taken =
        sqlx::query("UPDATE auth_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL")
            .bind(now())
            .bind(&hash)
            .execute(&tenant.db)
            .await?;
    if taken.rows_affected() != 1 {
        return Err(TokenError::invalid_grant(GRANT_EXPIRED));
    }
    let row: CodeRow = sqlx::query_as(
        "SELECT client_id, redirect_uri, policy, oid, nonce, code_challenge, code_challenge_method,
                scope, auth_time, new_user != 0 AS new_user, expires_at
         FROM auth_codes WHERE code_hash = ?",
    )
    .bind(&hash)
    .fetch_one(&tenant.db)
    .await?;
    if row.expires_at < now() {
        return Err(TokenError::invalid_grant(GRANT_EXPIRED));
    }
    if row.client_id != client_id {
        return Err(TokenError::invalid_grant(
            "AADB2C90011: The client id provided in the request does not match the client id the grant was issued to.",
        ));
    }
    // External ID has one token endpoint for the app's one user flow.
    if !tenant.external_id() && !row.policy.eq_ignore_ascii_case(policy_id) {
        return Err(wrong_policy(&row.policy, policy_id));
    }
    if form.redirect_uri.as_deref() != Some(row.redirect_uri.as_str()) {
        return Err(TokenError::invalid_grant(format!(
            "AADB2C90006: The redirect URI '{}' provided in the request does not match the one the grant was issued for.",
            form.redirect_uri.as_deref().unwrap_or_default()
        )));
    }
    match (&row.code_challenge, form.code_verifier.as_deref()) {
        (Some(challenge), Some(verifier))
            if pkce_matches(row.code_challenge_method.as_deref(), challenge, verifier) => {}
        (None, None) => {}
        _ => {
            return Err(TokenError::invalid_grant(
                "AADB2C90183: The supplied code_verifier is invalid.",
            ))
        }
    }
    let user = users::by_oid(&tenant.db, &row.oid)
        .await?
        .ok_or_else(|| TokenError::invalid_grant(GRANT_EXPIRED))?;
    let scopes: Vec<String> = row.scope.split_whitespace().map(str::to_string).collect();
    let issued = Issue {
        policy_id: &row.policy,
        client_id,
        user: &user,
        scopes: &scopes,
        auth_time: row.auth_time,
        nonce: row.nonce.as_deref(),
        new_user: row.new_user,
    };
    issue_tokens(tenant, issued).await
}

async fn redeem_refresh(
    tenant: &Tenant,
    policy_id: &str,
    client_id: &str,
    form: &TokenForm,
) -> Result<HttpResponse, TokenError> {
    let token = form.refresh_token.as_deref().unwrap_or_default();
    if token.is_empty() {
        return Err(TokenError::invalid_request(
            "AADB2C90083: The request is missing required parameter: refresh_token.",
        ));
    }
    let hash = sha256_hex(token);
    let row: Option<RefreshRow> = sqlx::query_as(
        "SELECT client_id, oid, policy, scope, auth_time, expires_at, used_at, revoked_at
         FROM refresh_tokens WHERE token_hash = ?",
    )
    .bind(&hash)
    .fetch_optional(&tenant.db)
    .await?;
    let Some(row) = row else {
        return Err(TokenError::invalid_grant(GRANT_EXPIRED));
    };
    if row.revoked_at.is_some() {
        return Err(TokenError::invalid_grant(
            "AADB2C90129: The provided grant has been revoked. Please reauthenticate and try again.",
        ));
    }
    if row.used_at.is_some() || row.expires_at < now() {
        return Err(TokenError::invalid_grant(GRANT_EXPIRED));
    }
    if row.client_id != client_id {
        return Err(TokenError::invalid_grant(
            "AADB2C90011: The client id provided in the request does not match the client id the grant was issued to.",
        ));
    }
    // External ID has one token endpoint for the app's one user flow.
    if !tenant.external_id() && !row.policy.eq_ignore_ascii_case(policy_id) {
        return Err(wrong_policy(&row.policy, policy_id));
    }
    let taken = sqlx::query(
        "UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
    )
    .bind(now())
    .bind(&hash)
    .execute(&tenant.db)
    .await?;
    if taken.rows_affected() != 1 {
        return Err(TokenError::invalid_grant(GRANT_EXPIRED));
    }
    let user = users::by_oid(&tenant.db, &row.oid)
        .await?
        .ok_or_else(|| TokenError::invalid_grant(GRANT_EXPIRED))?;
    let scopes: Vec<String> = row.scope.split_whitespace().map(str::to_string).collect();
    let issued = Issue {
        policy_id: &row.policy,
        client_id,
        user: &user,
        scopes: &scopes,
        auth_time: row.auth_time,
        nonce: None,
        new_user: false,
    };
    issue_tokens(tenant, issued).await
}

struct Issue<'a> {
    policy_id: &'a str,
    client_id: &'a str,
    user: &'a User,
    scopes: &'a [String],
    auth_time: i64,
    nonce: Option<&'a str>,
    new_user: bool,
}

/// The id_token's claims, in B2C's names. Optional claims are left out rather than null.
#[derive(Serialize)]
pub(crate) struct IdTokenClaims<'a> {
    pub exp: i64,
    pub nbf: i64,
    pub ver: &'static str,
    pub iss: String,
    pub sub: &'a str,
    pub aud: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<&'a str>,
    pub iat: i64,
    pub auth_time: i64,
    pub oid: &'a str,
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<&'a str>,
    pub emails: Vec<&'a str>,
    #[serde(rename = "newUser", skip_serializing_if = "Option::is_none")]
    pub new_user: Option<bool>,
    pub tfp: &'a str,
    #[serde(rename = "extension_Role", skip_serializing_if = "Option::is_none")]
    pub extension_role: Option<&'a str>,
}

/// The access token for the app itself (the client id as scope): same subject, `azp`, no `nonce`.
#[derive(Serialize)]
struct AccessTokenClaims<'a> {
    exp: i64,
    nbf: i64,
    ver: &'static str,
    iss: String,
    sub: &'a str,
    aud: &'a str,
    azp: &'a str,
    iat: i64,
    auth_time: i64,
    oid: &'a str,
    name: String,
    emails: Vec<&'a str>,
    tfp: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scp: Option<String>,
    #[serde(rename = "extension_Role", skip_serializing_if = "Option::is_none")]
    extension_role: Option<&'a str>,
}

#[derive(Serialize)]
struct TokenResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<String>,
    id_token: String,
    token_type: &'static str,
    not_before: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_on: Option<i64>,
    id_token_expires_in: i64,
    profile_info: String,
    scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token_expires_in: Option<i64>,
}

/// An External ID v2 id_token: `oid` and `tid`, a pairwise `sub`, `email`, App Roles in
/// `roles`, no policy claim; `acrs` only when the flow satisfied the MFA policy of the context.
#[derive(Serialize)]
struct ExternalIdClaims<'a> {
    exp: i64,
    nbf: i64,
    ver: &'static str,
    iss: String,
    sub: String,
    aud: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    iat: i64,
    auth_time: i64,
    oid: &'a str,
    tid: &'a str,
    name: String,
    preferred_username: &'a str,
    email: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    roles: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    acrs: Vec<&'static str>,
}

/// External ID's `sub` differs per app: derived from the user and the client.
fn pairwise_sub(oid: &str, client_id: &str) -> String {
    let digest = sha256_hex(&format!("{oid}|{client_id}"));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest.as_bytes()[..32])
}

async fn issue_external_id_tokens(
    tenant: &Tenant,
    issue: Issue<'_>,
) -> Result<HttpResponse, TokenError> {
    let now = now();
    let user = issue.user;
    let mfa_flow = tenant
        .settings
        .policies
        .susi_mfa
        .eq_ignore_ascii_case(issue.policy_id);
    let claims = ExternalIdClaims {
        exp: now + ID_TOKEN_TTL_SECS,
        nbf: now,
        ver: "2.0",
        iss: tenant.issuer(),
        sub: pairwise_sub(&user.oid, issue.client_id),
        aud: issue.client_id,
        nonce: issue.nonce,
        iat: now,
        auth_time: issue.auth_time,
        oid: &user.oid,
        tid: &tenant.tenant_id,
        name: user.display_name(),
        preferred_username: &user.email,
        email: &user.email,
        roles: user.role.as_deref().into_iter().collect(),
        acrs: if mfa_flow {
            vec![super::auth_context::EXTERNAL_ID_AUTH_CONTEXT]
        } else {
            Vec::new()
        },
    };
    let id_token = tenant.keys.sign(&tenant.db, &claims).await?;
    // Entra answers OIDC-only scopes with an access token for its own API; an opaque one
    // stands in for it (nothing here accepts it).
    let access_token = random_token(48);
    let refresh_token = if issue.scopes.iter().any(|s| s == "offline_access") {
        let token = random_token(48);
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, client_id, oid, policy, scope, auth_time, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(sha256_hex(&token))
        .bind(issue.client_id)
        .bind(&user.oid)
        .bind(issue.policy_id)
        .bind(issue.scopes.join(" "))
        .bind(issue.auth_time)
        .bind(now + REFRESH_TOKEN_TTL_SECS)
        .execute(&tenant.db)
        .await?;
        Some(token)
    } else {
        None
    };
    let mut body = serde_json::json!({
        "token_type": "Bearer",
        "scope": issue.scopes.join(" "),
        "expires_in": ID_TOKEN_TTL_SECS,
        "ext_expires_in": ID_TOKEN_TTL_SECS,
        "access_token": access_token,
        "id_token": id_token,
    });
    if let Some(token) = refresh_token {
        body["refresh_token"] = serde_json::Value::String(token);
    }
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
        .json(body))
}

async fn issue_tokens(tenant: &Tenant, issue: Issue<'_>) -> Result<HttpResponse, TokenError> {
    if tenant.external_id() {
        return issue_external_id_tokens(tenant, issue).await;
    }
    let now = now();
    let user = issue.user;
    let claims = IdTokenClaims {
        exp: now + ID_TOKEN_TTL_SECS,
        nbf: now,
        ver: "1.0",
        iss: tenant.issuer(),
        sub: &user.oid,
        aud: issue.client_id,
        nonce: issue.nonce,
        iat: now,
        auth_time: issue.auth_time,
        oid: &user.oid,
        given_name: &user.given_name,
        family_name: &user.surname,
        name: user.display_name(),
        country: user.country.as_deref(),
        emails: vec![user.email.as_str()],
        new_user: issue.new_user.then_some(true),
        tfp: issue.policy_id,
        extension_role: user.role.as_deref(),
    };
    let id_token = tenant.keys.sign(&tenant.db, &claims).await?;

    let wants_access_token = issue
        .scopes
        .iter()
        .any(|s| s != "openid" && s != "offline_access" && s != "profile" && s != "email");
    let access_token = if wants_access_token {
        let other_scopes: Vec<&str> = issue
            .scopes
            .iter()
            .map(String::as_str)
            .filter(|s| {
                !["openid", "offline_access", "profile", "email"].contains(s)
                    && *s != issue.client_id
            })
            .collect();
        let claims = AccessTokenClaims {
            exp: now + ID_TOKEN_TTL_SECS,
            nbf: now,
            ver: "1.0",
            iss: tenant.issuer(),
            sub: &user.oid,
            aud: issue.client_id,
            azp: issue.client_id,
            iat: now,
            auth_time: issue.auth_time,
            oid: &user.oid,
            name: user.display_name(),
            emails: vec![user.email.as_str()],
            tfp: issue.policy_id,
            scp: (!other_scopes.is_empty()).then(|| other_scopes.join(" ")),
            extension_role: user.role.as_deref(),
        };
        Some(tenant.keys.sign(&tenant.db, &claims).await?)
    } else {
        None
    };

    let refresh_token = if issue.scopes.iter().any(|s| s == "offline_access") {
        let token = random_token(48);
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, client_id, oid, policy, scope, auth_time, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(sha256_hex(&token))
        .bind(issue.client_id)
        .bind(&user.oid)
        .bind(issue.policy_id)
        .bind(issue.scopes.join(" "))
        .bind(issue.auth_time)
        .bind(now + REFRESH_TOKEN_TTL_SECS)
        .execute(&tenant.db)
        .await?;
        Some(token)
    } else {
        None
    };

    let profile_info = serde_json::json!({
        "ver": "1.0",
        "tid": tenant.tenant_id,
        "oid": user.oid,
        "sub": null,
        "name": user.display_name(),
        "preferred_username": null,
        "idp": null,
    });
    let response = TokenResponse {
        expires_in: access_token.as_ref().map(|_| ID_TOKEN_TTL_SECS),
        expires_on: access_token.as_ref().map(|_| now + ID_TOKEN_TTL_SECS),
        access_token,
        id_token,
        token_type: "Bearer",
        not_before: now,
        id_token_expires_in: ID_TOKEN_TTL_SECS,
        profile_info: base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(profile_info.to_string()),
        scope: issue.scopes.join(" "),
        refresh_token_expires_in: refresh_token.as_ref().map(|_| REFRESH_TOKEN_TTL_SECS),
        refresh_token,
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
        .json(response))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn pkce_s256_matches_rfc_7636_example() {
        assert!(pkce_matches(Some("S256"), CHALLENGE, VERIFIER));
        assert!(!pkce_matches(
            Some("S256"),
            CHALLENGE,
            &VERIFIER.replace('d', "e")
        ));
        assert!(!pkce_matches(Some("S512"), CHALLENGE, VERIFIER));
    }

    #[test]
    fn pkce_plain_and_verifier_shape() {
        assert!(pkce_matches(Some("plain"), VERIFIER, VERIFIER));
        assert!(pkce_matches(None, VERIFIER, VERIFIER));
        assert!(!pkce_matches(Some("plain"), "short", "short"));
        let bad = format!("{VERIFIER}!");
        assert!(!pkce_matches(Some("plain"), &bad, &bad));
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("my%20client:p%2Bss+word%3A")
        );
        assert_eq!(
            parse_basic(&header),
            Some(("my client".to_string(), "p+ss word:".to_string()))
        );
        assert_eq!(parse_basic("Bearer abc"), None);
        assert_eq!(parse_basic("Basic !!!"), None);
        assert_eq!(form_decode("%zz"), None);
        assert_eq!(form_decode("%4"), None);
    }

    #[test]
    fn id_token_claims_leave_out_what_is_absent() {
        let claims = IdTokenClaims {
            exp: 2,
            nbf: 1,
            ver: "1.0",
            iss: "https://h/t/v2.0/".into(),
            sub: "o",
            aud: "c",
            nonce: None,
            iat: 1,
            auth_time: 1,
            oid: "o",
            given_name: "G",
            family_name: "F",
            name: "G F".into(),
            country: Some("US"),
            emails: vec!["a@example.com"],
            new_user: None,
            tfp: "B2C_1_susi_mfa",
            extension_role: None,
        };
        let value = serde_json::to_value(&claims).unwrap();
        assert!(value.get("nonce").is_none());
        assert!(value.get("newUser").is_none());
        assert!(value.get("extension_Role").is_none());
        assert!(value["emails"].is_array());
        assert_eq!(value["ver"], "1.0");
    }
}
