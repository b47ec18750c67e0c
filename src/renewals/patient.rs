//! The patient's side, on the medications page: what each active medication's latest renewal
//! request says, and "Ask for a renewal" (`POST /records/medications/renewals`). The medication
//! is named by its FHIR id in the form and must be one of this patient's active medications
//! (read through the audited chart access), or nothing is stored.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::state::RenewalState;
use super::store::{self, Refused};
use crate::access::{ChartAccess, LinkedPatient, Section};
use crate::appointments::common::{clinic_time, see_other};
use crate::records::model::Medication;
use crate::state::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::errors::error_page;
use crate::web::AppError;

pub const MAX_NOTE: usize = 500;

#[derive(Serialize)]
struct RenewalRow {
    fhir_id: String,
    waiting: bool,
    outcome: Option<String>,
    reason: Option<String>,
}

/// Why a patient whose record says they have died is offered no renewal (their page, a proxy's
/// and the refusal say the same), in the request's language (#31; refusals.ftl).
pub fn deceased_words() -> String {
    crate::i18n::tr(crate::i18n::current(), "refusal-renewal-deceased")
}

/// Adds `renewals` (one per active medication, in the page's order) to the medications page.
/// `patient_side`: the patient's own page shows the "Ask for a renewal" forms, the staff chart
/// not; neither does a record that says the patient has died (`deceased`), which says why.
pub async fn medications_context(
    state: &AppState,
    chart: &ChartAccess,
    medications: &[Medication],
    deceased: bool,
    patient_side: bool,
    ctx: &mut tera::Context,
) -> Result<(), sqlx::Error> {
    let requests = store::all(&state.pool, chart).await?;
    let tz = state.settings.time_zone;
    let rows: Vec<RenewalRow> = medications
        .iter()
        .filter(|m| m.is_active())
        .map(|m| {
            // Newest first: the latest request says where it stands.
            let latest = requests.iter().find(|r| r.medication_fhir_id == m.fhir_id);
            RenewalRow {
                fhir_id: m.fhir_id.clone(),
                waiting: latest.is_some_and(|r| r.state == RenewalState::Requested),
                outcome: latest.map(|r| {
                    let lang = crate::i18n::current();
                    let say = |key: &str, args: &[(&str, crate::i18n::Arg)]| {
                        crate::i18n::tr_args(lang, key, args)
                    };
                    let mut text = r.state.label();
                    if let (Some(at), Some(by)) = (r.decided_at, &r.decided_by_name) {
                        text = say(
                            "renewal-decided-by",
                            &[
                                ("state", text.into()),
                                ("by", by.as_str().into()),
                                ("when", clinic_time(tz, at).into()),
                            ],
                        );
                    }
                    // The details are a list after the state, each a phrase of its own.
                    if r.state == RenewalState::Approved {
                        if let Some(q) = r.quantity {
                            text.push_str("; ");
                            text.push_str(&say("renewal-quantity", &[("quantity", q.into())]));
                        }
                        if let Some(n) = r.refills {
                            text.push_str("; ");
                            text.push_str(&say("renewal-refills", &[("count", n.into())]));
                        }
                        if !r.pharmacy.is_empty() {
                            text.push_str("; ");
                            text.push_str(&say(
                                "renewal-sent-to",
                                &[("pharmacy", r.pharmacy.as_str().into())],
                            ));
                        }
                    }
                    text
                }),
                reason: latest.and_then(|r| r.decline_reason.clone()),
            }
        })
        .collect();
    ctx.insert("renewals", &rows);
    ctx.insert("renewal_forms", &(patient_side && !deceased));
    if patient_side && deceased {
        ctx.insert("renewals_closed", &deceased_words());
    }
    if patient_side && !deceased {
        let subject: Option<String> =
            sqlx::query_scalar("SELECT b2c_subject FROM patients WHERE id = $1")
                .bind(chart.patient_id())
                .fetch_one(&state.pool)
                .await?;
        let pharmacy = match subject {
            Some(subject) => super::pharmacy::get(&state.pool, &subject).await?,
            None => None,
        };
        ctx.insert("pharmacy", &pharmacy.unwrap_or_default());
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
pub struct RequestForm {
    medication: Option<String>,
    note: Option<String>,
}

/// The medication's id and the note, judged before anything is opened (the patient's form and
/// a proxy's alike); nothing is stored on an error.
pub fn parse_request(form: &RequestForm) -> Result<(String, String), AppError> {
    let medication = form.medication.as_deref().unwrap_or_default().trim();
    if medication.is_empty() || medication.len() > 200 {
        return Err(AppError::bad_request(crate::i18n::tr(
            crate::i18n::current(),
            "form-error-renewal-no-medication",
        )));
    }
    let note = form.note.as_deref().unwrap_or_default().trim().to_string();
    if note.chars().count() > MAX_NOTE
        || note
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err(AppError::bad_request(crate::i18n::tr_args(
            crate::i18n::current(),
            "form-error-renewal-note-too-long",
            &[("max", MAX_NOTE.into())],
        )));
    }
    Ok((medication.to_string(), note))
}

/// `POST /records/medications/renewals`.
pub async fn request(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    form: CsrfForm<RequestForm>,
) -> Result<HttpResponse, AppError> {
    let (medication, note) = parse_request(&form)?;
    let medication = medication.as_str();
    crate::appointments::common::remember(&state, &patient.user).await;
    let chart = patient.open(&state, &req, Section::RenewalChange).await?;
    let medications = crate::records::store::medications(&state.pool, &chart).await?;
    let Some(m) = medications
        .iter()
        .find(|m| m.fhir_id == medication && m.is_active())
    else {
        return Err(AppError::NotFound);
    };
    let pharmacy = super::pharmacy::get(&state.pool, &patient.user.subject)
        .await?
        .unwrap_or_default();
    match store::request(
        &state.pool,
        &chart,
        &m.fhir_id,
        &m.code.display,
        &note,
        &pharmacy,
        None,
    )
    .await
    {
        Ok(id) => {
            tracing::info!(renewal = %id, "renewal requested");
            Ok(see_other("/records/medications"))
        }
        Err(Refused::AlreadyRequested) => Ok(error_page(
            actix_web::http::StatusCode::CONFLICT,
            &crate::i18n::tr(crate::i18n::current(), "refusal-renewal-already-title"),
            &crate::i18n::tr(crate::i18n::current(), "refusal-renewal-already"),
            tera::Context::new(),
        )),
        Err(Refused::Deceased) => Ok(error_page(
            actix_web::http::StatusCode::CONFLICT,
            &crate::i18n::tr(crate::i18n::current(), "refusal-renewal-none-title"),
            &deceased_words(),
            tera::Context::new(),
        )),
        Err(Refused::Db(e)) => Err(e.into()),
        Err(_) => Err(AppError::NotFound),
    }
}
