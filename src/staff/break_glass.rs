//! Break-the-glass: a clinician opens the chart of a patient outside their care team in an
//! emergency.
//!
//! Three steps, each of which must hold: a stated reason (a choice plus free text), a fresh
//! sign-in through the MFA user flow (`prompt=login`, then `auth_time` within five minutes
//! and the policy claim equal to the MFA flow), and a time-boxed grant that is written to the
//! audit trail with the reason, where the patient sees it. The pending request lives in
//! `break_glass` until the sign-in comes back; only that clinician's fresh sign-in, within 15
//! minutes, turns it into a grant, once.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;

use super::common::enter;
use super::reasons::REASONS;
use super::search;
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::auth::flow::start_flow;
use crate::auth::pending::Purpose;
use crate::auth::reauth::{ReauthPurpose, Reauthenticated};
use crate::auth::{random_token, session, Clinician, Role, SignedInUser};
use crate::db;
use crate::i18n;
use crate::records::PatientId;
use crate::state::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::errors::error_page;
use crate::web::page::{page_context, redirect};
use crate::web::{templates, AppError};

/// A request must come back from the identity provider within this long.
pub const REQUEST_LIFETIME_SECS: i64 = 15 * 60;
/// The re-authentication must be this recent when it comes back.
pub const MAX_AUTH_AGE_SECS: i64 = 5 * 60;
/// Clock skew tolerated for an `auth_time` slightly in the future.
const SKEW_SECS: i64 = 60;
const MAX_REASON_CHARS: usize = 500;

#[derive(Debug, Deserialize)]
pub struct BreakGlassForm {
    reason: Option<String>,
    details: Option<String>,
}

/// A stated reason: a known code and some free text, tidied.
#[derive(Debug, PartialEq, Eq)]
pub struct Reason {
    pub code: &'static str,
    pub text: String,
}

impl Reason {
    /// `Err` carries the message for the page, in the request's language.
    pub fn parse(code: Option<&str>, text: Option<&str>) -> Result<Reason, String> {
        let lang = i18n::current();
        let code = REASONS
            .iter()
            .map(|(c, _)| *c)
            .find(|c| Some(*c) == code.map(str::trim))
            .ok_or_else(|| i18n::tr(lang, "page-words-bg-choose-reason"))?;
        let text = text
            .unwrap_or_default()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if text.is_empty() {
            return Err(i18n::tr(lang, "page-words-bg-describe"));
        }
        if text.chars().count() > MAX_REASON_CHARS {
            return Err(i18n::tr_args(
                lang,
                "page-words-bg-too-long",
                &[("max", MAX_REASON_CHARS.into())],
            ));
        }
        Ok(Reason { code, text })
    }
}

/// The audit detail of a grant: the reason code and the clinician's words, which the patient
/// reads on their access log.
fn audit_detail(code: &str, text: &str) -> String {
    format!("reason={code}: {text}")
}

fn form_page(
    state: &AppState,
    session: &Session,
    clinician: &SignedInUser,
    patient: &search::PatientRow,
    form: Option<&BreakGlassForm>,
    error: Option<&str>,
    status: StatusCode,
) -> HttpResponse {
    let mut ctx = page_context(Some((clinician, session)), state);
    let lang = i18n::current();
    let reasons: Vec<_> = REASONS
        .iter()
        .map(|(code, key)| serde_json::json!({ "code": code, "label": i18n::tr(lang, key) }))
        .collect();
    ctx.insert("reasons", &reasons);
    ctx.insert("patient", patient);
    ctx.insert(
        "minutes",
        &(state.settings.break_glass.as_secs() / 60).max(1),
    );
    ctx.insert(
        "chosen",
        &form.and_then(|f| f.reason.as_deref()).unwrap_or_default(),
    );
    ctx.insert(
        "details",
        &form.and_then(|f| f.details.as_deref()).unwrap_or_default(),
    );
    ctx.insert("error", &error);
    templates::page(status, "staff_break_glass.html", &ctx)
}

/// `GET /staff/patients/{id}/break-glass`: the reason form.
pub async fn break_glass_form(
    _req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    c: Clinician,
    id: web::Path<PatientId>,
) -> Result<HttpResponse, AppError> {
    enter(&state, &c).await?;
    let patient = search::identify(&state.pool, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(form_page(
        &state,
        &session,
        c.user(),
        &patient,
        None,
        None,
        StatusCode::OK,
    ))
}

/// `POST /staff/patients/{id}/break-glass`: records the request, then sends the clinician to
/// sign in again through the MFA flow with `prompt=login`.
pub async fn break_glass_start(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    c: Clinician,
    id: web::Path<PatientId>,
    form: CsrfForm<BreakGlassForm>,
) -> Result<HttpResponse, AppError> {
    enter(&state, &c).await?;
    let patient = search::identify(&state.pool, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reason = match Reason::parse(form.reason.as_deref(), form.details.as_deref()) {
        Ok(r) => r,
        Err(message) => {
            return Ok(form_page(
                &state,
                &session,
                c.user(),
                &patient,
                Some(&form),
                Some(&message),
                StatusCode::BAD_REQUEST,
            ))
        }
    };
    let request_id = random_token(24);
    sqlx::query(
        "INSERT INTO break_glass (id, clinician_subject, patient_id, reason_code, reason_text, requested_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&request_id)
    .bind(&c.subject)
    .bind(&patient.id)
    .bind(reason.code)
    .bind(&reason.text)
    .bind(db::now())
    .execute(&state.pool)
    .await?;
    tracing::info!(subject = %c.subject, "break-the-glass requested; re-authenticating");
    let policy = state.policies.susi.clone();
    start_flow(
        &req,
        &state,
        &policy,
        Purpose::BreakGlass(request_id),
        format!("/staff/patients/{}", patient.id),
        true,
    )
    .await
}

crate::vocab::stored_enum! {
    /// Why a break-the-glass return was refused: the string is the audit entry's detail and the
    /// log's reason code (the last three are the sign-in refusals' strings).
    pub enum Refusal ("break-the-glass refusal") {
        RequestUnknown => "request_unknown",
        SubjectMismatch => "subject_mismatch",
        RequestUsed => "request_used",
        RequestExpired => "request_expired",
        Policy => "id_token_policy",
        AuthTimeMissing => "auth_time_missing",
        StaleAuth => "auth_time_stale",
    }
}

impl Refusal {
    /// The messages of the page's title and words (#31; `page_words.ftl`).
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Refusal::StaleAuth => ("page-words-bg-stale-title", "page-words-bg-stale"),
            Refusal::AuthTimeMissing => (
                "page-words-bg-no-auth-time-title",
                "page-words-bg-no-auth-time",
            ),
            Refusal::RequestExpired => ("page-words-bg-expired-title", "page-words-bg-expired"),
            Refusal::RequestUsed => ("page-words-bg-used-title", "page-words-bg-used"),
            Refusal::RequestUnknown | Refusal::SubjectMismatch | Refusal::Policy => {
                ("page-words-bg-mismatch-title", "page-words-bg-mismatch")
            }
        }
    }
}

async fn deny(
    state: &AppState,
    session: &Session,
    meta: &RequestMeta,
    user: &SignedInUser,
    patient_id: Option<String>,
    refusal: Refusal,
) -> Result<HttpResponse, AppError> {
    let code = refusal.as_str();
    tracing::warn!(subject = %user.subject, reason = code, "break-the-glass refused");
    let mut entry = meta.entry(Actor::user(user), Action::BreakGlass, Outcome::Denied);
    entry.patient_id = patient_id.clone();
    entry.detail = Some(code.to_string());
    audit::append(&state.pool, &entry).await?;
    let (title, message) = refusal.words();
    let lang = i18n::current();
    let (title, message) = (i18n::tr(lang, title), i18n::tr(lang, message));
    let mut ctx = match session::user(session) {
        Some(current) => page_context(Some((&current, session)), state),
        None => page_context(None, state),
    };
    if let Some(id) = patient_id {
        ctx.insert("break_glass_patient", &id);
    }
    ctx.insert("reason", code);
    Ok(error_page(StatusCode::FORBIDDEN, &title, &message, ctx))
}

/// A break-the-glass request as stored.
#[derive(sqlx::FromRow)]
struct Requested {
    clinician_subject: String,
    patient_id: String,
    reason_code: String,
    reason_text: String,
    requested_at: i64,
    granted_at: Option<i64>,
}

/// Finishes break-the-glass re-authentications; startup registers it for the sign-in callback.
pub struct BreakGlassCompletion;

impl ReauthPurpose for BreakGlassCompletion {
    fn complete<'a>(
        &'a self,
        state: &'a AppState,
        done: Reauthenticated<'a>,
    ) -> LocalBoxFuture<'a, Result<HttpResponse, AppError>> {
        Box::pin(complete_break_glass(
            state,
            done.session,
            done.meta,
            done.user,
            done.request,
        ))
    }
}

/// The reply of a break-the-glass re-authentication (handed over by the sign-in callback once
/// the token is fully validated). Grants access only if every condition holds.
async fn complete_break_glass(
    state: &AppState,
    session: &Session,
    meta: &RequestMeta,
    user: &SignedInUser,
    request: &str,
) -> Result<HttpResponse, AppError> {
    let row = sqlx::query_as::<_, Requested>(
        "SELECT clinician_subject, patient_id, reason_code, reason_text, requested_at, granted_at \
         FROM break_glass WHERE id = $1",
    )
    .bind(request)
    .fetch_optional(&state.pool)
    .await?;
    let Some(row) = row else {
        return deny(state, session, meta, user, None, Refusal::RequestUnknown).await;
    };
    let Requested {
        clinician_subject: requester,
        patient_id,
        reason_code,
        reason_text,
        requested_at,
        granted_at,
    } = row;
    let now = db::now();
    let patient = Some(patient_id.clone());

    let current = session::user(session);
    let same_person = user.subject == requester
        && current
            .as_ref()
            .is_some_and(|c| c.subject == user.subject && c.role == Role::Clinician);
    if !same_person || user.role != Role::Clinician {
        return deny(
            state,
            session,
            meta,
            user,
            patient,
            Refusal::SubjectMismatch,
        )
        .await;
    }
    if granted_at.is_some() {
        return deny(state, session, meta, user, patient, Refusal::RequestUsed).await;
    }
    if now - requested_at > REQUEST_LIFETIME_SECS {
        return deny(state, session, meta, user, patient, Refusal::RequestExpired).await;
    }
    if !user.policy.eq_ignore_ascii_case(&state.policies.susi) {
        return deny(state, session, meta, user, patient, Refusal::Policy).await;
    }
    // Without auth_time (External ID sends it only as a configured optional claim) there is
    // no proof the re-authentication happened now: refuse, and say what is missing.
    if user.auth_time.is_none() {
        return deny(
            state,
            session,
            meta,
            user,
            patient,
            Refusal::AuthTimeMissing,
        )
        .await;
    }
    let fresh = user
        .auth_time
        .is_some_and(|t| t <= now + SKEW_SECS && now - t <= MAX_AUTH_AGE_SECS);
    if !fresh {
        return deny(state, session, meta, user, patient, Refusal::StaleAuth).await;
    }

    let expires_at = now + state.settings.break_glass.as_secs().max(60) as i64;
    // The `granted_at IS NULL` makes the grant single use even against a concurrent reply.
    let granted = sqlx::query(
        "UPDATE break_glass SET granted_at = $1, expires_at = $2 WHERE id = $3 AND granted_at IS NULL",
    )
    .bind(now)
    .bind(expires_at)
    .bind(request)
    .execute(&state.pool)
    .await?;
    if granted.rows_affected() != 1 {
        return deny(state, session, meta, user, patient, Refusal::RequestUsed).await;
    }
    let mut entry = meta.entry(Actor::user(user), Action::BreakGlass, Outcome::Success);
    entry.patient_id = Some(patient_id.clone());
    entry.detail = Some(audit_detail(&reason_code, &reason_text));
    if let Err(e) = audit::append(&state.pool, &entry).await {
        // No audit entry, no access: end the grant at once.
        let _ = sqlx::query("UPDATE break_glass SET expires_at = granted_at WHERE id = $1")
            .bind(request)
            .execute(&state.pool)
            .await;
        return Err(e.into());
    }
    tracing::info!(subject = %user.subject, "break-the-glass granted");
    Ok(redirect(&format!("/staff/patients/{patient_id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_round_trips_and_keeps_its_audited_string() {
        crate::vocab::assert_round_trips(Refusal::ALL);
        assert_eq!(
            Refusal::Policy.as_str(),
            crate::auth::SignInRefusal::Policy.as_str()
        );
        assert_eq!(
            Refusal::AuthTimeMissing.as_str(),
            crate::auth::SignInRefusal::AuthTimeMissing.as_str()
        );
        assert_eq!(
            Refusal::StaleAuth.as_str(),
            crate::auth::SignInRefusal::StaleAuth.as_str()
        );
    }

    #[test]
    fn a_reason_needs_a_known_choice_and_some_words() {
        assert!(Reason::parse(None, Some("x")).is_err());
        assert!(Reason::parse(Some("because"), Some("x")).is_err());
        assert!(Reason::parse(Some("other"), Some("  \n ")).is_err());
        assert!(Reason::parse(Some("other"), Some(&"x".repeat(501))).is_err());
        let r =
            Reason::parse(Some("emergency_treatment"), Some(" Unconscious\r\nin  ED ")).unwrap();
        assert_eq!(
            audit_detail(r.code, &r.text),
            "reason=emergency_treatment: Unconscious in ED"
        );
    }

    #[test]
    fn the_form_s_errors_read_in_the_page_s_language_and_the_code_stays() {
        use crate::i18n::{Lang, LANG};
        let err = LANG.sync_scope(Lang::Es, || Reason::parse(None, Some("x")).unwrap_err());
        assert_eq!(err, "Elija el motivo para abrir esta historia clínica.");
        let err = LANG.sync_scope(Lang::Es, || {
            Reason::parse(Some("other"), Some(&"x".repeat(501))).unwrap_err()
        });
        assert!(err.contains("500"), "{err}");
        // The code is what is stored, whatever the language.
        let r = LANG.sync_scope(Lang::Es, || {
            Reason::parse(Some("urgent_request"), Some("x")).unwrap()
        });
        assert_eq!(r.code, "urgent_request");
    }
}
