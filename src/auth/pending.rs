//! Sign-ins under way: what the reply must match (state, nonce, PKCE verifier, policy) and
//! where to go afterwards. A row is bound to the browser that started it through a
//! correlation cookie, stored under hashes, and taken (deleted) by the first reply that
//! names its state, so a reply can be used once and only by that browser.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;

use super::secrets::{hash, random_token};
use crate::config::ResponseMode;
use crate::db::{self, Pool};

pub const CORRELATION_COOKIE: &str = "__Host-portal-signin";
/// Set when a session ends without a sign-out (timeout, or a cookie whose session is gone):
/// the next sign-in in this browser must be a fresh authentication, not single sign-on.
pub const REAUTH_COOKIE: &str = "__Host-portal-reauth";
const LIFETIME_SECS: i64 = 15 * 60;
/// The flag outlives the identity provider's single sign-on session (B2C's is at most 90 days
/// with "keep me signed in"; a day without it).
const REAUTH_COOKIE_SECS: i64 = 90 * 24 * 3600;
/// Clock difference tolerated between the identity provider's `auth_time` and our clock.
pub const AUTH_TIME_SKEW_SECS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    SignIn,
    Reset,
    Edit,
    /// A fresh MFA sign-in before opening the chart of a patient outside the care team.
    BreakGlass(String),
    /// A fresh MFA sign-in before a sensitive action (step-up, #29); the return path is the
    /// page that offers the action again.
    StepUp,
}

impl Purpose {
    fn encode(&self) -> String {
        match self {
            Purpose::SignIn => "signin".into(),
            Purpose::Reset => "reset".into(),
            Purpose::Edit => "edit".into(),
            Purpose::BreakGlass(request) => format!("breakglass:{request}"),
            Purpose::StepUp => "stepup".into(),
        }
    }

    fn decode(s: &str) -> Option<Self> {
        match s {
            "signin" => Some(Purpose::SignIn),
            "reset" => Some(Purpose::Reset),
            "edit" => Some(Purpose::Edit),
            "stepup" => Some(Purpose::StepUp),
            other => other
                .strip_prefix("breakglass:")
                .map(|r| Purpose::BreakGlass(r.to_string())),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PendingLogin {
    pub browser_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub policy: String,
    pub purpose: Purpose,
    pub return_path: String,
    /// When set, the id_token's `auth_time` must not be older than this (a re-authentication
    /// after a timeout).
    pub fresh_auth_after: Option<i64>,
}

/// The browser's correlation value: the existing cookie, or a new one to set.
pub fn browser_value(req: &HttpRequest) -> (String, bool) {
    match req.cookie(CORRELATION_COOKIE) {
        Some(c) if c.value().len() >= 32 => (c.value().to_string(), false),
        _ => (random_token(32), true),
    }
}

/// With `form_post` the reply is a cross-site POST, which only carries `SameSite=None`
/// cookies; with `query` it is a top-level GET, for which Lax is enough.
pub fn correlation_cookie(value: String, mode: ResponseMode) -> Cookie<'static> {
    Cookie::build(CORRELATION_COOKIE, value)
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(match mode {
            ResponseMode::Query => SameSite::Lax,
            ResponseMode::FormPost => SameSite::None,
        })
        .max_age(actix_web::cookie::time::Duration::seconds(LIFETIME_SECS))
        .finish()
}

/// The re-authentication flag: not secret (removing it only loses the user's own protection,
/// adding it only asks for the password), so a plain value.
pub fn reauth_cookie() -> Cookie<'static> {
    Cookie::build(REAUTH_COOKIE, "1")
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(
            REAUTH_COOKIE_SECS,
        ))
        .finish()
}

/// A `form_post` reply, carried from the provider's cross-site POST to our own GET (see
/// `routes::callback_post`). `__Host-` so no other host can plant one; a reply is still only
/// accepted for a pending sign-in of this browser (the correlation cookie).
pub const REPLY_COOKIE: &str = "__Host-portal-reply";
/// Long enough for the browser to follow one redirect; the pending sign-in's own lifetime
/// still applies.
const REPLY_COOKIE_SECS: i64 = 120;
/// Browsers keep cookies up to 4 096 bytes with their name and attributes; a longer reply is
/// finished on the POST itself, as before.
pub const REPLY_COOKIE_MAX_VALUE: usize = 3_500;

pub fn reply_cookie(value: String) -> Cookie<'static> {
    Cookie::build(REPLY_COOKIE, value)
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(
            REPLY_COOKIE_SECS,
        ))
        .finish()
}

/// Whether this browser must authenticate afresh at its next sign-in.
pub fn reauth_required(req: &HttpRequest) -> bool {
    req.cookie(REAUTH_COOKIE).is_some()
}

/// Sign-ins started and not yet come back (nor expired).
pub async fn live_count(pool: &Pool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM pending_logins WHERE created_at >= $1")
        .bind(db::now() - LIFETIME_SECS)
        .fetch_one(pool)
        .await
}

pub async fn store(pool: &Pool, state: &str, login: &PendingLogin) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM pending_logins WHERE created_at < $1")
        .bind(db::now() - LIFETIME_SECS)
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO pending_logins (state_hash, browser_hash, nonce, pkce_verifier, policy, purpose, return_path, created_at, fresh_auth_after) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(hash(state))
    .bind(&login.browser_hash)
    .bind(&login.nonce)
    .bind(&login.pkce_verifier)
    .bind(&login.policy)
    .bind(login.purpose.encode())
    .bind(&login.return_path)
    .bind(db::now())
    .bind(login.fresh_auth_after)
    .execute(pool)
    .await?;
    Ok(())
}

/// A pending sign-in as stored (`purpose` still encoded).
#[derive(sqlx::FromRow)]
struct Stored {
    browser_hash: String,
    nonce: String,
    pkce_verifier: String,
    policy: String,
    purpose: String,
    return_path: String,
    created_at: i64,
    fresh_auth_after: Option<i64>,
}

/// Takes the pending sign-in named by `state`: deleted in the same statement, so a second
/// reply with the same state finds nothing.
pub async fn take(pool: &Pool, state: &str) -> Result<Option<PendingLogin>, sqlx::Error> {
    let row = sqlx::query_as::<_, Stored>(
        "DELETE FROM pending_logins WHERE state_hash = $1 \
         RETURNING browser_hash, nonce, pkce_verifier, policy, purpose, return_path, created_at, fresh_auth_after",
    )
    .bind(hash(state))
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.created_at < db::now() - LIFETIME_SECS {
        return Ok(None);
    }
    let Some(purpose) = Purpose::decode(&row.purpose) else {
        return Ok(None);
    };
    Ok(Some(PendingLogin {
        browser_hash: row.browser_hash,
        nonce: row.nonce,
        pkce_verifier: row.pkce_verifier,
        policy: row.policy,
        purpose,
        return_path: row.return_path,
        fresh_auth_after: row.fresh_auth_after,
    }))
}

/// Only local paths may be return targets: no scheme, no host, no `//` or `/\` tricks.
pub fn safe_return_path(candidate: Option<&str>) -> Option<String> {
    let c = candidate?.trim();
    // Visible ASCII only: a control character would make the `Location` header invalid (a
    // 500 after the session was made), and browsers drop tabs and newlines, so `/\t/x`
    // would become `//x`.
    let ok = c.starts_with('/')
        && !c.starts_with("//")
        && c.bytes().all(|b| b.is_ascii_graphic())
        && !c.contains('\\')
        && !c.contains("://")
        && c.len() <= 512;
    ok.then(|| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_return_targets() {
        assert_eq!(
            safe_return_path(Some("/records/labs")).as_deref(),
            Some("/records/labs")
        );
        for evil in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/x\r\nLocation: y",
            "/redirect?to=https://evil",
            "/\u{1}abc",
            "/a b",
            "/\t/evil.example",
            "/\u{7f}",
            "/caf\u{e9}",
        ] {
            assert_eq!(safe_return_path(Some(evil)), None, "{evil}");
        }
    }

    #[test]
    fn purposes_round_trip() {
        for p in [
            Purpose::SignIn,
            Purpose::Reset,
            Purpose::Edit,
            Purpose::BreakGlass("abc".into()),
            Purpose::StepUp,
        ] {
            assert_eq!(Purpose::decode(&p.encode()), Some(p));
        }
    }
}
