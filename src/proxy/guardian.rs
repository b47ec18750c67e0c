//! Guardians of minors (#29 item 2): a clinician who may act for the patient (care team, or a
//! live break-the-glass grant) records a parent or guardian after checking their documents, by
//! sending them an invitation; the guardian accepts with their own account at `/proxy/accept`.
//! What the guardian then sees follows the patient's age at each request (`access::open_as_proxy`).
//! A request for a patient who is already an adult is refused. Every attempt is audited with the
//! clinician as actor. A handler: nothing below imports it.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{pages::INVITATION_SECS, parse_email, Scope, Scopes};
use crate::access;
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::auth::{hash, random_token, Clinician};
use crate::db;
use crate::notifications::{self, Kind};
use crate::records::PatientId;
use crate::state::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::AppError;

#[derive(Deserialize)]
pub struct GuardianForm {
    email: Option<String>,
    documents: Option<String>,
}

async fn refuse(
    state: &AppState,
    req: &HttpRequest,
    c: &Clinician,
    patient_id: &PatientId,
    reason: &str,
    message_key: &str,
) -> Result<HttpResponse, AppError> {
    tracing::warn!(subject = %c.subject, reason, "guardian request refused");
    let meta = RequestMeta::of(req, state.settings.behind_proxy);
    let mut entry = meta.entry(Actor::user(c.user()), Action::ProxyInvite, Outcome::Denied);
    entry.patient_id = Some(patient_id.to_string());
    entry.detail = Some(format!("guardian {reason}"));
    audit::append(&state.pool, &entry).await?;
    // In the request's language (#31; form_errors.ftl).
    Err(AppError::bad_request(crate::i18n::tr(
        crate::i18n::current(),
        message_key,
    )))
}

/// `POST /staff/patients/{id}/guardian`: invites a parent or guardian of a minor.
pub async fn record_guardian(
    req: HttpRequest,
    state: web::Data<AppState>,
    c: Clinician,
    id: web::Path<PatientId>,
    form: CsrfForm<GuardianForm>,
) -> Result<HttpResponse, AppError> {
    let grant = access::grant_for_clinician(&state, &c, &id).await?;
    let born: Option<String> = sqlx::query_scalar("SELECT birth_date FROM patients WHERE id = $1")
        .bind(grant.patient_id().as_str())
        .fetch_optional(&state.pool)
        .await?;
    let age = born
        .as_deref()
        .and_then(|b| chrono::NaiveDate::parse_from_str(b, "%Y-%m-%d").ok())
        .and_then(|b| chrono::Utc::now().date_naive().years_since(b));
    let minor = age.is_some_and(|a| a < state.settings.proxy_adult_age);
    if !minor {
        return refuse(
            &state,
            &req,
            &c,
            &id,
            "guardian_adult",
            "form-error-guardian-adult",
        )
        .await;
    }
    if form.documents.as_deref() != Some("checked") {
        return refuse(
            &state,
            &req,
            &c,
            &id,
            "documents_unchecked",
            "form-error-guardian-documents",
        )
        .await;
    }
    let Some(email) = form.email.as_deref().and_then(parse_email) else {
        return refuse(
            &state,
            &req,
            &c,
            &id,
            "email_invalid",
            "form-error-guardian-email",
        )
        .await;
    };
    let now = db::now();
    let scopes = Scopes::parse(Scope::ALL.iter().map(|s| s.as_str())).unwrap_or_default();
    let invitation = uuid::Uuid::new_v4().to_string();
    let token = random_token(32);
    // The entry naming the clinician is durable before the invitation exists: an audit store
    // that cannot take it (the 503 page) leaves no invitation and sends no mail.
    grant
        .audit(
            &state,
            &req,
            Action::ProxyInvite,
            format!("guardian invitation={invitation} documents=checked"),
        )
        .await?;
    let mut tx = state.pool.begin().await?;
    sqlx::query(
        "INSERT INTO proxy_invitations (id, patient_id, inviter_subject, email, token_hash, scopes, ends_at, created_at, expires_at, kind, clinician_subject) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, 'guardian', $3)",
    )
    .bind(&invitation)
    .bind(grant.patient_id().as_str())
    .bind(&c.subject)
    .bind(&email)
    .bind(hash(&token))
    .bind(scopes.stored())
    .bind(now)
    .bind(now + INVITATION_SECS)
    .execute(&mut *tx)
    .await?;
    notifications::enqueue(
        &mut tx,
        Kind::ProxyInvitation,
        &email,
        &format!("/proxy/accept?token={token}"),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            "Location",
            format!("/staff/patients/{}?guardian=invited", id.as_str()),
        ))
        .finish())
}
