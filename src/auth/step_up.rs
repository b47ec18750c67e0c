//! Step-up (#29): a fresh MFA sign-in before a sensitive action (downloading the whole record,
//! connecting an app, changing notifications, proxies, share links).
//!
//! A handler asks for `StepUp` in its signature; it exists only when the session's last MFA
//! sign-in is at most `PORTAL_STEP_UP_MINUTES` old, proven from the token as sign-in proves it:
//! the policy claim of the MFA user flow (B2C) or `acrs` with the MFA context (External ID), and
//! `auth_time`. Otherwise the browser goes to `/step-up`, which starts the same MFA flow with
//! `prompt=login` (through `flow::start_flow`, the machinery break-the-glass uses; the callback
//! checks the reply as any other) and comes back to the page that offers the action again: a
//! GET is returned to, a POST is never replayed (its handler names its form page with
//! `StepUpRequired::returning_to`).
//!
//! Never: accepts a re-authentication of another person than the session's, or one whose
//! `auth_time` is older than the step-up's start (single sign-on answering `prompt=login`).
//! Break-the-glass keeps its own, stricter rule (`staff::break_glass`).

use std::future::{ready, Ready};

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;

use super::extract::SignedIn;
use super::flow::start_flow;
use super::pending::{self, PendingLogin, Purpose, AUTH_TIME_SKEW_SECS};
use super::session;
use super::user::SignedInUser;
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::state::AppState;
use crate::web::errors::error_page;
use crate::web::page::{page_context, redirect};
use crate::web::AppError;

/// Where a step-up starts.
pub const START_PATH: &str = "/step-up";

/// Whether `user`'s last sign-in proves MFA (the MFA flow's policy, or `acrs` with the MFA
/// context) at most `max_age_secs` before `now`. Without `auth_time` nothing is proven.
pub fn mfa_is_recent(user: &SignedInUser, mfa_policy: &str, now: i64, max_age_secs: i64) -> bool {
    user.policy.eq_ignore_ascii_case(mfa_policy)
        && user
            .auth_time
            .is_some_and(|t| t <= now + AUTH_TIME_SKEW_SECS && now - t <= max_age_secs)
}

/// Proof, for this request, that the signed-in user passed MFA within the step-up window.
/// Only `from_request` makes one.
#[derive(Debug)]
pub struct StepUp {
    /// When the proving MFA sign-in happened (`auth_time`).
    pub authenticated_at: i64,
}

/// The session's MFA sign-in is too old (or unproven): a fresh one first, then back to
/// `return_path`.
#[derive(Debug)]
pub struct StepUpRequired {
    return_path: String,
}

impl StepUpRequired {
    /// Where to come back to after the fresh sign-in: a POST handler names the page with its
    /// form, so that the action is offered again rather than replayed.
    pub fn returning_to(self, path: &str) -> Self {
        Self {
            return_path: pending::safe_return_path(Some(path)).unwrap_or_else(|| "/home".into()),
        }
    }

    /// `/step-up?returnUrl=...`
    pub fn location(&self) -> String {
        format!(
            "{START_PATH}?{}",
            serde_urlencoded::to_string([("returnUrl", self.return_path.as_str())])
                .unwrap_or_default()
        )
    }
}

impl std::fmt::Display for StepUpRequired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a fresh MFA sign-in is required")
    }
}

impl ResponseError for StepUpRequired {
    fn status_code(&self) -> StatusCode {
        StatusCode::FOUND
    }

    fn error_response(&self) -> HttpResponse {
        redirect(&self.location())
    }
}

impl From<StepUpRequired> for AppError {
    fn from(e: StepUpRequired) -> Self {
        AppError::Redirect(e.location())
    }
}

impl FromRequest for StepUp {
    type Error = StepUpRequired;
    type Future = Ready<Result<Self, StepUpRequired>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // A GET comes back to itself; anything else to the home page unless its handler says
        // where its form is (`returning_to`).
        let back = if req.method() == actix_web::http::Method::GET {
            req.uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/home".into())
        } else {
            "/home".into()
        };
        let required = StepUpRequired {
            return_path: "/home".into(),
        }
        .returning_to(&back);
        let proof = req.app_data::<web::Data<AppState>>().and_then(|state| {
            let user = session::user(&req.get_session())?;
            let max_age = state.settings.step_up.as_secs() as i64;
            mfa_is_recent(&user, &state.policies.susi, crate::db::now(), max_age)
                .then_some(user.auth_time)
                .flatten()
        });
        ready(
            proof
                .map(|authenticated_at| StepUp { authenticated_at })
                .ok_or(required),
        )
    }
}

#[derive(Deserialize)]
pub struct StartQuery {
    #[serde(rename = "returnUrl")]
    return_url: Option<String>,
}

/// `GET /step-up?returnUrl=...`: off to the MFA flow with `prompt=login`; the reply comes back
/// to the callback, which hands it to `complete`.
pub async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    _user: SignedIn,
    query: web::Query<StartQuery>,
) -> Result<HttpResponse, AppError> {
    let return_path =
        pending::safe_return_path(query.return_url.as_deref()).unwrap_or_else(|| "/home".into());
    let policy = state.policies.susi.clone();
    start_flow(&req, &state, &policy, Purpose::StepUp, return_path, true).await
}

crate::vocab::stored_enum! {
    /// Why a step-up reply was refused: the audit entry's detail and the log's reason code (the
    /// sign-in refusals' strings where they mean the same).
    pub enum Refusal ("step-up refusal") {
        NoSession => "no_session",
        SubjectMismatch => "subject_mismatch",
        Policy => "id_token_policy",
        AuthTimeMissing => "auth_time_missing",
        StaleAuth => "auth_time_stale",
    }
}

/// Why the reply of a step-up does not prove a fresh MFA sign-in of the session's user, if it
/// does not.
pub fn refusal(
    current: Option<&SignedInUser>,
    fresh: &SignedInUser,
    mfa_policy: &str,
    started_at: Option<i64>,
    now: i64,
    max_age_secs: i64,
) -> Option<Refusal> {
    let Some(current) = current else {
        return Some(Refusal::NoSession);
    };
    if current.subject != fresh.subject || current.role != fresh.role {
        return Some(Refusal::SubjectMismatch);
    }
    if !fresh.policy.eq_ignore_ascii_case(mfa_policy) {
        return Some(Refusal::Policy);
    }
    let Some(auth_time) = fresh.auth_time else {
        return Some(Refusal::AuthTimeMissing);
    };
    // prompt=login was sent when the step-up started: an older auth_time means single sign-on
    // answered instead of the password and MFA.
    let after_start = started_at.is_some_and(|s| auth_time >= s - AUTH_TIME_SKEW_SECS);
    if !after_start || !mfa_is_recent(fresh, mfa_policy, now, max_age_secs) {
        return Some(Refusal::StaleAuth);
    }
    None
}

/// The reply of a step-up, fully validated by the callback: if it proves a fresh MFA sign-in
/// of the session's user, the session's sign-in becomes that one, and the browser goes back.
pub async fn complete(
    state: &AppState,
    session: &Session,
    meta: &RequestMeta,
    user: &SignedInUser,
    raw_id_token: &str,
    login: &PendingLogin,
) -> Result<HttpResponse, AppError> {
    let now = crate::db::now();
    let current = session::user(session);
    let why = refusal(
        current.as_ref(),
        user,
        &state.policies.susi,
        login.fresh_auth_after,
        now,
        state.settings.step_up.as_secs() as i64,
    );
    let (Some(mut current), None) = (current, why) else {
        let why = why.unwrap_or(Refusal::NoSession);
        tracing::warn!(subject = %user.subject, reason = why.as_str(), "step-up refused");
        let mut entry = meta.entry(Actor::user(user), Action::StepUp, Outcome::Denied);
        entry.detail = Some(why.as_str().to_string());
        audit::append(&state.pool, &entry).await?;
        // In the request's language (#31; refusals.ftl).
        let lang = crate::i18n::current();
        let message = crate::i18n::tr(
            lang,
            match why {
                Refusal::AuthTimeMissing => "refusal-step-up-no-auth-time",
                Refusal::StaleAuth => "refusal-step-up-stale",
                _ => "refusal-step-up-other-account",
            },
        );
        let ctx = match session::user(session) {
            Some(u) => page_context(Some((&u, session)), state),
            None => page_context(None, state),
        };
        return Ok(error_page(
            StatusCode::FORBIDDEN,
            &crate::i18n::tr(lang, "refusal-step-up-title"),
            &message,
            ctx,
        ));
    };
    current.policy = user.policy.clone();
    current.auth_time = user.auth_time;
    current.issued_at = user.issued_at;
    current.expires_at = user.expires_at;
    let entry = meta.entry(Actor::user(&current), Action::StepUp, Outcome::Success);
    audit::append(&state.pool, &entry).await?;
    session::refresh_sign_in(session, &current, raw_id_token)?;
    tracing::info!(subject = %current.subject, "step-up completed");
    let target =
        pending::safe_return_path(Some(&login.return_path)).unwrap_or_else(|| "/home".into());
    Ok(redirect(&target))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    const MFA: &str = "B2C_1A_signup_signin_mfa";
    const NOW: i64 = 1_800_000_000;
    const WINDOW: i64 = 600;

    fn user(policy: &str, auth_time: Option<i64>) -> SignedInUser {
        SignedInUser {
            subject: "sub-1".into(),
            display_name: "Pat".into(),
            given_name: None,
            family_name: None,
            emails: vec![],
            country: None,
            role: Role::Patient,
            policy: policy.into(),
            auth_time,
            issued_at: NOW,
            expires_at: NOW + 3600,
            issuer: "https://issuer".into(),
        }
    }

    #[test]
    fn only_a_recent_sign_in_through_the_mfa_policy_counts() {
        let recent = |p: &str, t: Option<i64>| mfa_is_recent(&user(p, t), MFA, NOW, WINDOW);
        assert!(recent(MFA, Some(NOW)));
        assert!(
            recent(&MFA.to_uppercase(), Some(NOW)),
            "policy ids are case-insensitive"
        );
        assert!(recent(MFA, Some(NOW - WINDOW)), "the window's last second");
        assert!(!recent(MFA, Some(NOW - WINDOW - 1)), "one second older");
        assert!(recent(MFA, Some(NOW + AUTH_TIME_SKEW_SECS)), "clock skew");
        assert!(
            !recent(MFA, Some(NOW + AUTH_TIME_SKEW_SECS + 1)),
            "from the future"
        );
        assert!(!recent(MFA, None), "no auth_time, no proof");
        assert!(!recent("B2C_1_susi", Some(NOW)), "a flow without MFA");
        assert!(
            !recent("acrs:c2", Some(NOW)),
            "another authentication context"
        );
    }

    #[test]
    fn a_step_up_reply_must_be_the_same_person_after_the_start_through_mfa() {
        let started = Some(NOW - 30);
        let me = user(MFA, Some(NOW - 100));
        let check = |fresh: &SignedInUser, started: Option<i64>| {
            refusal(Some(&me), fresh, MFA, started, NOW, WINDOW)
        };
        assert_eq!(check(&user(MFA, Some(NOW - 5)), started), None);
        assert_eq!(
            check(&user(MFA, Some(NOW - 30 - AUTH_TIME_SKEW_SECS)), started),
            None,
            "skew before the start"
        );
        assert_eq!(
            check(&user(MFA, Some(NOW - 31 - AUTH_TIME_SKEW_SECS)), started),
            Some(Refusal::StaleAuth),
            "single sign-on answered"
        );
        assert_eq!(
            check(&user(MFA, Some(NOW - 5)), None),
            Some(Refusal::StaleAuth),
            "a reply of no step-up start"
        );
        assert_eq!(
            check(&user(MFA, None), started),
            Some(Refusal::AuthTimeMissing)
        );
        assert_eq!(
            check(&user("B2C_1_susi", Some(NOW)), started),
            Some(Refusal::Policy)
        );
        let mut other = user(MFA, Some(NOW));
        other.subject = "sub-2".into();
        assert_eq!(check(&other, started), Some(Refusal::SubjectMismatch));
        let mut clinician = user(MFA, Some(NOW));
        clinician.role = Role::Clinician;
        assert_eq!(check(&clinician, started), Some(Refusal::SubjectMismatch));
        assert_eq!(
            refusal(None, &user(MFA, Some(NOW)), MFA, started, NOW, WINDOW),
            Some(Refusal::NoSession)
        );
        crate::vocab::assert_round_trips(Refusal::ALL);
    }

    #[test]
    fn the_way_back_is_a_local_path() {
        let r = StepUpRequired {
            return_path: "/home".into(),
        };
        assert_eq!(
            r.returning_to("/smart/consent?request=abc").location(),
            "/step-up?returnUrl=%2Fsmart%2Fconsent%3Frequest%3Dabc"
        );
        let r = StepUpRequired {
            return_path: "/home".into(),
        };
        assert_eq!(
            r.returning_to("https://evil.example/").location(),
            "/step-up?returnUrl=%2Fhome"
        );
    }
}
