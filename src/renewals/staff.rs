//! The care team's side: the queue of waiting renewal requests of the clinician's care-team
//! patients (`/staff/renewals`), one request (`/staff/renewals/{id}`, opened through
//! `access::open_for_clinician`, so audited) and the decision.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::state::{Decision, RenewalState};
use super::store::{self, Outcome, Refused};
use crate::access::Section;
use crate::appointments::common::{
    clinic_time, open_for_staff, plausible_id, see_other, staff_heading, RequestTable,
};
use crate::auth::directory;
use crate::auth::Clinician;
use crate::state::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::errors::error_page;
use crate::web::page::page_context;
use crate::web::{templates, AppError};

#[derive(Serialize)]
struct Row_ {
    url: String,
    patient: String,
    medication: String,
    requested: String,
}

/// `GET /staff/renewals`.
pub async fn queue(
    state: web::Data<AppState>,
    session: Session,
    clinician: Clinician,
) -> Result<HttpResponse, AppError> {
    directory::record(&state.pool, clinician.user()).await?;
    let tz = state.settings.time_zone;
    let rows: Vec<Row_> = store::queue(&state.pool, &clinician.user().subject)
        .await?
        .into_iter()
        .map(|r| Row_ {
            url: format!("/staff/renewals/{}", r.id),
            patient: r.patient_name,
            medication: crate::records::views::plain_name(&r.medication),
            requested: clinic_time(tz, r.requested_at),
        })
        .collect();
    let mut ctx = page_context(Some((clinician.user(), &session)), &state);
    ctx.insert("requests", &rows);
    Ok(templates::page(StatusCode::OK, "staff_renewals.html", &ctx))
}

/// `GET /staff/renewals/{id}`.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    clinician: Clinician,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let chart = open_for_staff(
        &req,
        &state,
        &clinician,
        RequestTable::Renewals,
        &id,
        Section::Renewals,
    )
    .await?;
    let r = store::one(&state.pool, &chart, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let tz = state.settings.time_zone;
    let mut ctx = page_context(Some((clinician.user(), &session)), &state);
    staff_heading(&state, &chart, &mut ctx).await?;
    ctx.insert(
        "chart_url",
        &format!("/staff/patients/{}/medications", chart.patient_id()),
    );
    ctx.insert("decide_url", &format!("/staff/renewals/{}", r.id));
    ctx.insert(
        "medication",
        &crate::records::views::plain_name(&r.medication_name),
    );
    ctx.insert("note", &r.note);
    ctx.insert("pharmacy", &r.pharmacy);
    // A proxy who asked for the patient (#29): the care team sees that a proxy asked, and who.
    ctx.insert(
        "requested_by",
        &r.requested_by
            .as_deref()
            .map(crate::appointments::common::requested_by_words),
    );
    ctx.insert("requested", &clinic_time(tz, r.requested_at));
    ctx.insert("status", &r.state.label());
    ctx.insert("decided_by", &r.decided_by_name);
    ctx.insert("decline_reason", &r.decline_reason);
    ctx.insert("quantity", &r.quantity);
    ctx.insert("refills", &r.refills);
    ctx.insert("waiting", &(r.state == RenewalState::Requested));
    // Only declining is offered for a patient whose record says they have died.
    ctx.insert(
        "deceased",
        &store::patient_deceased(&state.pool, &chart).await?,
    );
    Ok(templates::page(StatusCode::OK, "staff_renewal.html", &ctx))
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    action: Option<String>,
    quantity: Option<String>,
    refills: Option<String>,
    reason: Option<String>,
}

fn optional_count(value: Option<&str>, what: &str, max: i64) -> Result<Option<i64>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=max).contains(n))
            .map(Some)
            .ok_or_else(|| {
                AppError::bad_request(crate::i18n::tr_args(
                    crate::i18n::current(),
                    "form-error-whole-number",
                    &[("what", what.into()), ("max", max.into())],
                ))
            }),
    }
}

/// `POST /staff/renewals/{id}`: approve (optionally with quantity and refills) or decline.
pub async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    clinician: Clinician,
    id: web::Path<String>,
    form: CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    plausible_id(&id)?;
    let outcome = match form.action.as_deref() {
        Some("approve") => Outcome {
            decision: Decision::Approve,
            by: clinician.user(),
            quantity: optional_count(form.quantity.as_deref(), "quantity", 10_000)?,
            refills: optional_count(form.refills.as_deref(), "refills", 12)?,
            reason: None,
        },
        Some("decline") => {
            let reason = form
                .reason
                .as_deref()
                .unwrap_or_default()
                .trim()
                .to_string();
            if reason.is_empty() || reason.chars().count() > 500 {
                return Err(AppError::bad_request(crate::i18n::tr(
                    crate::i18n::current(),
                    "form-error-decline-reason",
                )));
            }
            Outcome {
                decision: Decision::Decline,
                by: clinician.user(),
                quantity: None,
                refills: None,
                reason: Some(reason),
            }
        }
        _ => {
            return Err(AppError::bad_request(crate::i18n::tr(
                crate::i18n::current(),
                "form-error-not-this-form",
            )))
        }
    };
    let chart = open_for_staff(
        &req,
        &state,
        &clinician,
        RequestTable::Renewals,
        &id,
        Section::RenewalChange,
    )
    .await?;
    match store::decide(&state.pool, &chart, &id, outcome).await {
        Ok(to) => {
            state.mail_wake.now();
            tracing::info!(renewal = %id, state = to.as_str(), "renewal decided");
            Ok(see_other(&format!("/staff/renewals/{id}")))
        }
        Err(Refused::AlreadyDecided | Refused::AlreadyRequested) => Ok(error_page(
            StatusCode::CONFLICT,
            &crate::i18n::tr(crate::i18n::current(), "refusal-renewal-decided-title"),
            &crate::i18n::tr(crate::i18n::current(), "refusal-renewal-decided"),
            Context::new(),
        )),
        Err(Refused::Deceased) => Ok(error_page(
            StatusCode::CONFLICT,
            &crate::i18n::tr(crate::i18n::current(), "refusal-renewal-cannot-title"),
            &crate::i18n::tr(crate::i18n::current(), "refusal-renewal-cannot"),
            Context::new(),
        )),
        Err(Refused::NotFound) => Err(AppError::NotFound),
        Err(Refused::Db(e)) => Err(e.into()),
    }
}
