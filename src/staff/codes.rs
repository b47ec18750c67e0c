//! Activation codes from the chart: issue one (shown once, on a printable page) or revoke an
//! outstanding one. Both need the right to open the chart (care team or a live grant), both
//! are audited with the code's id, never the code.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::search::{self, PatientRow};
use super::{check_csrf, day, enter, CsrfOnly};
use crate::access::viewer_of;
use crate::activation;
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::auth::Clinician;
use crate::records::PatientId;
use crate::state::AppState;
use crate::web::errors::error_page;
use crate::web::page::{page_context, redirect};
use crate::web::{templates, AppError};

/// The patient, if this clinician may act on their chart right now.
async fn may_act(
    state: &AppState,
    c: &Clinician,
    patient_id: &PatientId,
) -> Result<PatientRow, AppError> {
    let patient = search::identify(&state.pool, patient_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if viewer_of(state, &c.0.subject, &patient.id).await?.is_none() {
        return Err(AppError::BreakGlassOffer(patient.id.to_string()));
    }
    Ok(patient)
}

async fn audit_code(
    state: &AppState,
    req: &HttpRequest,
    c: &Clinician,
    action: Action,
    patient_id: &str,
    code_id: &str,
) -> Result<(), audit::AuditError> {
    let meta = RequestMeta::of(req, state.settings.behind_proxy);
    let mut entry = meta.entry(Actor::user(&c.0), action, Outcome::Success);
    entry.patient_id = Some(patient_id.to_string());
    entry.detail = Some(format!("code_id={code_id}"));
    audit::append(&state.pool, &entry).await
}

/// `POST /staff/patients/{id}/activation-codes`: issues a code and shows it, once.
pub async fn issue_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    c: Clinician,
    id: web::Path<PatientId>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    check_csrf(&session, form.csrf_token.as_deref())?;
    enter(&state, &c).await?;
    let patient = may_act(&state, &c, &id).await?;
    let already: Option<String> =
        sqlx::query_scalar("SELECT b2c_subject FROM patients WHERE id = $1")
            .bind(&patient.id)
            .fetch_one(&state.pool)
            .await?;
    if already.is_some() {
        let ctx = page_context(Some((&c.0, &session)), &state);
        return Ok(error_page(
            StatusCode::CONFLICT,
            "This patient already has a portal account",
            "The record is already linked to a portal account, so an activation code would not work.",
            ctx,
        ));
    }
    let issued = activation::issue(&state.pool, &patient.id, &c.0.subject).await?;
    if let Err(e) = audit_code(
        &state,
        &req,
        &c,
        Action::ActivationIssued,
        &patient.id,
        &issued.id,
    )
    .await
    {
        // An unaudited code must not be handed out.
        let _ = activation::revoke(&state.pool, &patient.id, &issued.id).await;
        return Err(e.into());
    }
    tracing::info!(subject = %c.0.subject, code_id = %issued.id, "activation code issued");
    let mut ctx = page_context(Some((&c.0, &session)), &state);
    ctx.insert("code", &issued.code);
    ctx.insert("expires", &day(issued.expires_at));
    ctx.insert(
        "portal_url",
        state.settings.public_url.as_str().trim_end_matches('/'),
    );
    ctx.insert("patient_name", &patient.name);
    ctx.insert("chart_url", &format!("/staff/patients/{}", patient.id));
    Ok(templates::page(
        StatusCode::OK,
        "staff_activation_code.html",
        &ctx,
    ))
}

/// `POST /staff/patients/{id}/activation-codes/{code_id}/revoke`.
pub async fn revoke_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    c: Clinician,
    p: web::Path<(PatientId, String)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    check_csrf(&session, form.csrf_token.as_deref())?;
    enter(&state, &c).await?;
    let (id, code_id) = p.into_inner();
    let patient = may_act(&state, &c, &id).await?;
    if !activation::revoke(&state.pool, &patient.id, &code_id).await? {
        return Err(AppError::NotFound);
    }
    audit_code(
        &state,
        &req,
        &c,
        Action::ActivationRevoked,
        &patient.id,
        &code_id,
    )
    .await
    .map_err(|e| AppError::Unavailable(e.to_string()))?;
    tracing::info!(subject = %c.0.subject, code_id = %code_id, "activation code revoked");
    Ok(redirect(&format!("/staff/patients/{}", patient.id)))
}
