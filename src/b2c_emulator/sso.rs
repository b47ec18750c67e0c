//! The emulator's own single sign-on session (B2C's `x-ms-cpim-sso` cookie).
//!
//! Owns: the `sso_sessions` table and its cookie (Secure, HttpOnly, SameSite=None, a session
//! cookie, the random id stored hashed), and the decision whether a session lets an authorization
//! request skip the password and MFA (`decide`). A new session id is minted at every sign-in.
//! Never: lets a session skip the credentials when `prompt=login` or `max_age` say otherwise, or
//! skip MFA in the MFA flow unless MFA was done in this session.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;
use sqlx::SqlitePool;

use super::store::{now, random_token, sha256_hex};
use super::tenant::FlowKind;

pub(crate) const SSO_COOKIE: &str = "x-ms-cpim-sso-emulator";
pub(crate) const SSO_TTL_SECS: i64 = 24 * 60 * 60;

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct SsoSession {
    pub id_hash: String,
    pub oid: String,
    pub auth_time: i64,
    pub mfa_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SsoDecision {
    /// The session suffices: no page to show (or, for profile edit, straight to the edit page).
    Complete,
    /// The user is known, but this MFA flow needs a second factor in this session.
    NeedMfa,
    NeedCredentials,
}

pub(crate) fn decide(
    session: Option<&SsoSession>,
    kind: FlowKind,
    prompt_login: bool,
    max_age: Option<i64>,
    now: i64,
) -> SsoDecision {
    let Some(session) = session else {
        return SsoDecision::NeedCredentials;
    };
    if kind == FlowKind::PasswordReset || prompt_login {
        return SsoDecision::NeedCredentials;
    }
    if let Some(max_age) = max_age {
        if max_age == 0 || now - session.auth_time > max_age {
            return SsoDecision::NeedCredentials;
        }
    }
    if kind == FlowKind::SignUpSignInMfa && session.mfa_at.is_none() {
        return SsoDecision::NeedMfa;
    }
    SsoDecision::Complete
}

pub(crate) async fn current(
    req: &HttpRequest,
    db: &SqlitePool,
) -> sqlx::Result<Option<SsoSession>> {
    let Some(cookie) = req.cookie(SSO_COOKIE) else {
        return Ok(None);
    };
    sqlx::query_as(
        "SELECT id_hash, oid, auth_time, mfa_at FROM sso_sessions WHERE id_hash = ? AND expires_at >= ?",
    )
    .bind(sha256_hex(cookie.value()))
    .bind(now())
    .fetch_optional(db)
    .await
}

fn cookie(value: String) -> Cookie<'static> {
    Cookie::build(SSO_COOKIE, value)
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::None)
        .finish()
}

/// Replaces `previous` with a fresh session for `oid`. MFA done earlier in the session carries over
/// when the same user signs in again.
pub(crate) async fn establish(
    db: &SqlitePool,
    previous: Option<&SsoSession>,
    oid: &str,
    auth_time: i64,
    mfa_done: bool,
) -> sqlx::Result<Cookie<'static>> {
    let now = now();
    let mfa_at = if mfa_done {
        Some(now)
    } else {
        previous.filter(|p| p.oid == oid).and_then(|p| p.mfa_at)
    };
    if let Some(previous) = previous {
        sqlx::query("DELETE FROM sso_sessions WHERE id_hash = ?")
            .bind(&previous.id_hash)
            .execute(db)
            .await?;
    }
    let id = random_token(32);
    sqlx::query(
        "INSERT INTO sso_sessions (id_hash, oid, auth_time, mfa_at, expires_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(sha256_hex(&id))
    .bind(oid)
    .bind(auth_time)
    .bind(mfa_at)
    .bind(now + SSO_TTL_SECS)
    .execute(db)
    .await?;
    Ok(cookie(id))
}

/// Ends the session (server row and cookie).
pub(crate) async fn end(req: &HttpRequest, db: &SqlitePool) -> sqlx::Result<Cookie<'static>> {
    if let Some(c) = req.cookie(SSO_COOKIE) {
        sqlx::query("DELETE FROM sso_sessions WHERE id_hash = ?")
            .bind(sha256_hex(c.value()))
            .execute(db)
            .await?;
    }
    let mut removal = cookie(String::new());
    removal.make_removal();
    Ok(removal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(auth_time: i64, mfa: bool) -> SsoSession {
        SsoSession {
            id_hash: "h".into(),
            oid: "o".into(),
            auth_time,
            mfa_at: mfa.then_some(auth_time),
        }
    }

    #[test]
    fn no_session_needs_credentials() {
        assert_eq!(
            decide(None, FlowKind::SignUpSignIn, false, None, 0),
            SsoDecision::NeedCredentials
        );
    }

    #[test]
    fn session_skips_password_unless_prompt_login_or_max_age() {
        let s = session(1000, true);
        assert_eq!(
            decide(Some(&s), FlowKind::SignUpSignInMfa, false, None, 1100),
            SsoDecision::Complete
        );
        assert_eq!(
            decide(Some(&s), FlowKind::SignUpSignInMfa, true, None, 1100),
            SsoDecision::NeedCredentials
        );
        assert_eq!(
            decide(Some(&s), FlowKind::SignUpSignIn, false, Some(50), 1100),
            SsoDecision::NeedCredentials
        );
        assert_eq!(
            decide(Some(&s), FlowKind::SignUpSignIn, false, Some(200), 1100),
            SsoDecision::Complete
        );
        assert_eq!(
            decide(Some(&s), FlowKind::SignUpSignIn, false, Some(0), 1000),
            SsoDecision::NeedCredentials
        );
    }

    #[test]
    fn mfa_flow_needs_mfa_done_in_the_session() {
        let s = session(1000, false);
        assert_eq!(
            decide(Some(&s), FlowKind::SignUpSignInMfa, false, None, 1001),
            SsoDecision::NeedMfa
        );
        assert_eq!(
            decide(Some(&s), FlowKind::SignUpSignIn, false, None, 1001),
            SsoDecision::Complete
        );
        assert_eq!(
            decide(Some(&s), FlowKind::PasswordReset, false, None, 1001),
            SsoDecision::NeedCredentials
        );
    }
}
