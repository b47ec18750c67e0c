//! A proxy acting for a patient (#29): asking for and cancelling appointments (the
//! appointments scope) and asking for medication renewals (the renewals scope), with the
//! patient's own forms, under `/acting/{grant}/...`. Every handler takes its
//! `access::ProxyGrant` from `open_as_proxy` (the grant read from the database in this request,
//! the audit entry naming the proxy as actor and the patient as subject committed first), is
//! CSRF-checked as the patient's own forms are, and stores what it stores in the patient's
//! record signed with the proxy's name, so the care team sees who asked. Must never: act for a
//! guardian of an adolescent (what the adolescent asks for can be the confidential part
//! itself), or store anything on a refused or malformed request. Handlers: nothing below
//! imports them.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::access::{open_as_proxy, ProxyGrant, Section};
use crate::auth::Patient;
use crate::db;
use crate::records::store;
use crate::state::AppState;
use crate::web::AppError;

use super::acting::{day, page_with, Line};

/// `?done=requested|cancelled` after a proxy's change: the page says it was done.
#[derive(serde::Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// One of the patient's appointments on the proxy's page, with the one change a proxy may
/// make (withdraw, say no, or cancel: the same rule as the patient's own page).
#[derive(Serialize)]
struct AppointmentLine {
    id: String,
    name: String,
    when: Option<String>,
    can_cancel: bool,
}

/// `GET /acting/{grant}/appointments`: appointments and requests, the form to ask for one and
/// a button to cancel each that may still be cancelled online (needs the appointments scope;
/// never for a guardian of an adolescent).
pub async fn appointments(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    proxy: Patient,
    grant: web::Path<String>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    use crate::appointments::status::State;
    let grant = open_as_proxy(&state, &req, &proxy, &grant, Section::Appointments).await?;
    if grant.hides_sensitive() {
        // A visit's reason or a medication's name can be exactly what the adolescent keeps
        // confidential, and neither carries the codes the summary filters by: the whole list
        // stays closed to a guardian of an adolescent, as conversations do.
        return Err(AppError::Forbidden);
    }
    let now = db::now();
    let notice = state.settings.cancel_notice.as_secs() as i64;
    let lines: Vec<AppointmentLine> = crate::appointments::store::all(&state.pool, grant.chart())
        .await?
        .into_iter()
        .map(|a| {
            let booked_later =
                a.state == State::Booked && a.start_at.is_some_and(|s| s - now >= notice);
            let open_request =
                a.state.is_open_request() && (a.source == "portal" || a.state == State::Proposed);
            AppointmentLine {
                can_cancel: booked_later || open_request,
                name: format!("{} ({})", a.reason, a.state.label()),
                when: a.start_at.and_then(day),
                id: a.id,
            }
        })
        .collect();
    let lang = crate::i18n::current();
    let days: Vec<_> = crate::appointments::DAYS
        .iter()
        .enumerate()
        .map(|(i, (code, _))| {
            let label = crate::i18n::tr(lang, &format!("weekday-{}", i + 1));
            serde_json::json!({ "code": code, "label": label })
        })
        .collect();
    let mut extra = tera::Context::new();
    extra.insert("appointments", &lines);
    extra.insert("days", &days);
    extra.insert(
        "done",
        &query
            .done
            .as_deref()
            .filter(|d| ["requested", "cancelled"].contains(d)),
    );
    extra.insert(
        "notice_hours",
        &(state.settings.cancel_notice.as_secs() / 3600),
    );
    Ok(page_with(
        &state,
        &session,
        &proxy,
        &grant,
        "appointments",
        &[],
        extra,
    ))
}

/// How a proxy's request or change is signed for the care team: "Sam Rivera (proxy)".
fn requested_by(proxy: &Patient) -> String {
    // Stored whole; the care team's pages read it in their language (requested_by_words).
    format!(
        "{}{}",
        proxy.user().display_name,
        crate::appointments::common::PROXY_SIGNATURE_SUFFIX
    )
}

/// `POST /acting/{grant}/appointments`: asks for an appointment for the patient with the
/// patient's own form, judged whole before the access check; stored in the patient's record
/// with the proxy's name for the care team, the audit entry (`appointment_change`) naming the
/// proxy as actor and the patient as subject. CSRF-checked; needs the appointments scope.
pub async fn request_appointment(
    req: HttpRequest,
    state: web::Data<AppState>,
    proxy: Patient,
    grant: web::Path<String>,
    form: crate::web::csrf::CsrfForm<crate::appointments::RequestForm>,
) -> Result<HttpResponse, AppError> {
    let mut new = crate::appointments::parse_request(&form)?;
    let grant = open_as_proxy(&state, &req, &proxy, &grant, Section::AppointmentChange).await?;
    refuse_guardian_of_adolescent(&grant)?;
    new.requested_by = Some(requested_by(&proxy));
    let id = crate::appointments::store::request(&state.pool, grant.chart(), &new).await?;
    tracing::info!(appointment = %id, "a proxy asked for an appointment for a patient");
    Ok(see_other(&format!(
        "/acting/{}/appointments?done=requested",
        grant.grant_id()
    )))
}

/// `POST /acting/{grant}/appointments/{id}/cancel`: withdraws a request, says no to an offered
/// time, or cancels a booking up to PORTAL_APPOINTMENT_CANCEL_NOTICE_HOURS before it, as the
/// patient may. An id that is not this patient's appointment finds nothing (404). Audited
/// (`appointment_change`, the proxy as actor) before the change.
pub async fn cancel_appointment(
    req: HttpRequest,
    state: web::Data<AppState>,
    proxy: Patient,
    path: web::Path<(String, String)>,
    _form: crate::web::csrf::CsrfForm,
) -> Result<HttpResponse, AppError> {
    use crate::appointments::common::{plausible_id, refused};
    use crate::appointments::store::{self as appointments, Change};
    let (grant, id) = path.into_inner();
    plausible_id(&id)?;
    let grant = open_as_proxy(&state, &req, &proxy, &grant, Section::AppointmentChange).await?;
    refuse_guardian_of_adolescent(&grant)?;
    let notice = state.settings.cancel_notice.as_secs() as i64;
    let change = Change::Cancel {
        notice: Some(notice),
    };
    match appointments::change(&state.pool, grant.chart(), &id, change).await {
        Ok(_) => {
            state.mail_wake.now();
            Ok(see_other(&format!(
                "/acting/{}/appointments?done=cancelled",
                grant.grant_id()
            )))
        }
        Err(e) => refused(&e),
    }
}

/// A guardian of an adolescent changes no appointment or renewal, as they see none (the lists
/// above): what the adolescent asked for can be the confidential part itself. Checked before
/// anything is read or stored.
fn refuse_guardian_of_adolescent(grant: &ProxyGrant) -> Result<(), AppError> {
    if grant.hides_sensitive() {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to))
        .finish()
}

/// An active medication on the proxy's renewals page, with whether a request already waits.
#[derive(Serialize)]
struct MedicationLine {
    fhir_id: String,
    name: String,
    waiting: bool,
}

/// `GET /acting/{grant}/renewals`: medication renewal requests and, for each active
/// medication, "Ask for a renewal" (needs the renewals scope; never for a guardian of an
/// adolescent). The medications' names are read under the renewals scope
/// because asking needs them, as the patient's own form sits on their medications page.
pub async fn renewals(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    proxy: Patient,
    grant: web::Path<String>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    use crate::renewals::RenewalState;
    let grant = open_as_proxy(&state, &req, &proxy, &grant, Section::Renewals).await?;
    if grant.hides_sensitive() {
        // A visit's reason or a medication's name can be exactly what the adolescent keeps
        // confidential, and neither carries the codes the summary filters by: the whole list
        // stays closed to a guardian of an adolescent, as conversations do.
        return Err(AppError::Forbidden);
    }
    let requests = crate::renewals::store::all(&state.pool, grant.chart()).await?;
    let medications: Vec<MedicationLine> = store::medications(&state.pool, grant.chart())
        .await?
        .into_iter()
        .filter(|m| m.is_active())
        .map(|m| MedicationLine {
            waiting: requests
                .iter()
                .any(|r| r.medication_fhir_id == m.fhir_id && r.state == RenewalState::Requested),
            fhir_id: m.fhir_id,
            name: m.code.display,
        })
        .collect();
    let rows = requests
        .into_iter()
        .map(|r| Line {
            name: format!("{} ({})", r.medication_name, r.state.label()),
            when: day(r.requested_at),
        })
        .collect();
    let mut extra = tera::Context::new();
    extra.insert("medications", &medications);
    extra.insert("done", &query.done.as_deref().filter(|d| *d == "requested"));
    Ok(page_with(
        &state,
        &session,
        &proxy,
        &grant,
        "renewals",
        &[("Medication renewal requests", rows)],
        extra,
    ))
}

/// `POST /acting/{grant}/renewals`: asks for a renewal of one of the patient's active
/// medications with the patient's own form (judged before the access check), sent to the
/// patient's preferred pharmacy and signed with the proxy's name for the care team; audited
/// (`renewal_change`, the proxy as actor, the patient as subject). CSRF-checked; needs the
/// renewals scope.
pub async fn request_renewal(
    req: HttpRequest,
    state: web::Data<AppState>,
    proxy: Patient,
    grant: web::Path<String>,
    form: crate::web::csrf::CsrfForm<crate::renewals::RequestForm>,
) -> Result<HttpResponse, AppError> {
    use crate::renewals::store::{self as renewals, Refused};
    let (medication, note) = crate::renewals::parse_request(&form)?;
    let grant = open_as_proxy(&state, &req, &proxy, &grant, Section::RenewalChange).await?;
    refuse_guardian_of_adolescent(&grant)?;
    let medications = store::medications(&state.pool, grant.chart()).await?;
    let Some(m) = medications
        .iter()
        .find(|m| m.fhir_id == medication && m.is_active())
    else {
        return Err(AppError::NotFound);
    };
    // The patient's own preferred pharmacy, not the proxy's.
    let subject: Option<String> =
        sqlx::query_scalar("SELECT b2c_subject FROM patients WHERE id = $1")
            .bind(grant.chart().patient_id())
            .fetch_one(&state.pool)
            .await?;
    let pharmacy = match subject {
        Some(subject) => crate::renewals::pharmacy::get(&state.pool, &subject).await?,
        None => None,
    };
    let signed = requested_by(&proxy);
    let lang = crate::i18n::current();
    match renewals::request(
        &state.pool,
        grant.chart(),
        &m.fhir_id,
        &m.code.display,
        &note,
        &pharmacy.unwrap_or_default(),
        Some(&signed),
    )
    .await
    {
        Ok(id) => {
            tracing::info!(renewal = %id, "a proxy asked for a renewal for a patient");
            Ok(see_other(&format!(
                "/acting/{}/renewals?done=requested",
                grant.grant_id()
            )))
        }
        Err(Refused::AlreadyRequested) => Ok(crate::web::errors::error_page(
            StatusCode::CONFLICT,
            &crate::i18n::tr(lang, "acting-renewal-waiting-title"),
            &crate::i18n::tr(lang, "acting-renewal-waiting"),
            tera::Context::new(),
        )),
        Err(Refused::Deceased) => Ok(crate::web::errors::error_page(
            StatusCode::CONFLICT,
            &crate::i18n::tr(lang, "acting-renewal-closed-title"),
            &crate::renewals::deceased_words(),
            tera::Context::new(),
        )),
        Err(Refused::Db(e)) => Err(e.into()),
        Err(_) => Err(AppError::NotFound),
    }
}
