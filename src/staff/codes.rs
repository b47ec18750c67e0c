//! Activation codes from the chart: issue one (shown once, on a printable page) or revoke an
//! outstanding one. Both need the right to open the chart (care team or a live grant), both
//! are audited with the code's id, never the code.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::common::{day, enter};
use super::search::{self, PatientRow};
use crate::access::{self, ActingGrant};
use crate::activation;
use crate::audit::Action;
use crate::auth::Clinician;
use crate::records::PatientId;
use crate::state::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::errors::error_page;
use crate::web::page::{page_context, redirect};
use crate::web::{templates, AppError};

/// The patient, and the grant to act for them (care team or a live break-the-glass grant).
async fn may_act(
    state: &AppState,
    c: &Clinician,
    patient_id: &PatientId,
) -> Result<(PatientRow, ActingGrant), AppError> {
    let patient = search::identify(&state.pool, patient_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let grant = access::grant_for_clinician(state, c, &patient.id).await?;
    Ok((patient, grant))
}

/// `POST /staff/patients/{id}/activation-codes`: issues a code and shows it, once.
pub async fn issue_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    c: Clinician,
    id: web::Path<PatientId>,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    enter(&state, &c).await?;
    let (patient, grant) = may_act(&state, &c, &id).await?;
    let already: Option<String> =
        sqlx::query_scalar("SELECT b2c_subject FROM patients WHERE id = $1")
            .bind(&patient.id)
            .fetch_one(&state.pool)
            .await?;
    if already.is_some() {
        let ctx = page_context(Some((c.user(), &session)), &state);
        let lang = crate::i18n::current();
        return Ok(error_page(
            StatusCode::CONFLICT,
            &crate::i18n::tr(lang, "page-words-code-linked-title"),
            &crate::i18n::tr(lang, "page-words-code-linked"),
            ctx,
        ));
    }
    let issued = activation::issue_under(&state.pool, &grant).await?;
    if let Err(e) = grant
        .audit(
            &state,
            &req,
            Action::ActivationIssued,
            format!("code_id={}", issued.id),
        )
        .await
    {
        // An unaudited code must not be handed out.
        let _ = activation::revoke_under(&state.pool, &grant, &issued.id).await;
        return Err(e.into());
    }
    tracing::info!(subject = %c.subject, code_id = %issued.id, "activation code issued");
    let mut ctx = page_context(Some((c.user(), &session)), &state);
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
    c: Clinician,
    p: web::Path<(PatientId, String)>,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    enter(&state, &c).await?;
    let (id, code_id) = p.into_inner();
    let (patient, grant) = may_act(&state, &c, &id).await?;
    if !activation::revoke_under(&state.pool, &grant, &code_id).await? {
        return Err(AppError::NotFound);
    }
    grant
        .audit(
            &state,
            &req,
            Action::ActivationRevoked,
            format!("code_id={code_id}"),
        )
        .await
        .map_err(|e| AppError::Unavailable(e.to_string()))?;
    tracing::info!(subject = %c.subject, code_id = %code_id, "activation code revoked");
    Ok(redirect(&format!("/staff/patients/{}", patient.id)))
}
