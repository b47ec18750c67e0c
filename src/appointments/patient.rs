//! The patient's side: `/appointments` (list and request form), requesting, accepting an
//! offered time, cancelling, and the calendar file. Whose appointments they are comes from
//! `LinkedPatient` (the session); an id of someone else's appointment finds nothing (404),
//! checked on ids alone before the audited open so probing writes nothing.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

/// Kept in `common`, which writes their words too (`preferences_words`).
pub use super::common::DAYS;
use super::common::{clinic_time, plausible_id, refused, remember, see_other};
use super::ics;
use super::status::State;
use super::store::{self, Appointment, Change, NewRequest};
use crate::access::{LinkedPatient, Section};
use crate::state::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::page::page_context;
use crate::web::{templates, AppError};

pub fn time_label(code: &str) -> &'static str {
    match code {
        "morning" => "Mornings",
        "afternoon" => "Afternoons",
        _ => "Any time of day",
    }
}

/// How the appointment happens, in the page's language (#31).
pub fn mode_label(code: &str) -> String {
    mode_label_in(crate::i18n::current(), code)
}

/// [`mode_label`] in `lang` (the FHIR export writes English whatever the page's language).
pub fn mode_label_in(lang: crate::i18n::Lang, code: &str) -> String {
    let key = match code {
        "video" => "appt-video-call",
        _ => "appt-in-person",
    };
    crate::i18n::tr(lang, key)
}

#[derive(Serialize)]
struct Row {
    id: String,
    state: &'static str,
    status: String,
    when: Option<String>,
    clinician: Option<String>,
    place: Option<String>,
    is_link: bool,
    reason: String,
    mode: String,
    preferences: String,
    decline_reason: Option<String>,
    can_cancel: bool,
    call_to_cancel: bool,
    can_accept: bool,
    can_withdraw: bool,
    calendar: bool,
}

fn row(a: &Appointment, state: &AppState, now: i64) -> Row {
    let tz = state.settings.time_zone;
    let notice = state.settings.cancel_notice.as_secs() as i64;
    let upcoming = a.state == State::Booked && a.start_at.is_some_and(|s| s > now);
    let can_cancel = upcoming && a.start_at.is_some_and(|s| s - now >= notice);
    Row {
        id: a.id.clone(),
        state: a.state.as_str(),
        status: a.state.label(),
        when: a.start_at.map(|s| clinic_time(tz, s)),
        clinician: a.clinician_name.clone(),
        is_link: a
            .place
            .as_deref()
            .is_some_and(|p| p.starts_with("https://")),
        place: a.place.clone(),
        reason: a.reason.clone(),
        mode: mode_label(&a.mode),
        preferences: super::common::preferences_words(&a.preferred_days, &a.preferred_time),
        decline_reason: a.decline_reason.clone(),
        can_cancel,
        call_to_cancel: upcoming && !can_cancel,
        can_accept: a.state == State::Proposed && a.start_at.is_some_and(|s| s > now),
        can_withdraw: a.state.is_open_request() && a.source == "portal",
        calendar: a.state == State::Booked && a.start_at.is_some() && a.end_at.is_some(),
    }
}

/// `GET /appointments`: upcoming, waiting and past, and the request form.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    patient: LinkedPatient,
) -> Result<HttpResponse, AppError> {
    remember(&state, &patient.user).await;
    let chart = patient.open(&state, &req, Section::Appointments).await?;
    let all = store::all(&state.pool, &chart).await?;
    let now = crate::db::now();
    let (mut upcoming, mut waiting, mut past) = (Vec::new(), Vec::new(), Vec::new());
    for a in &all {
        let r = row(a, &state, now);
        if a.state == State::Booked && a.start_at.is_some_and(|s| s > now) {
            upcoming.push(r);
        } else if a.state.is_open_request() {
            waiting.push(r);
        } else {
            past.push(r);
        }
    }
    past.reverse();
    let mut ctx = page_context(Some((&patient.user, &session)), &state);
    ctx.insert("upcoming", &upcoming);
    ctx.insert("waiting", &waiting);
    ctx.insert("past", &past);
    // The weekdays' names in the page's language (#31): Monday is weekday 1 in format.ftl.
    let lang = crate::i18n::current();
    let days: Vec<_> = DAYS
        .iter()
        .enumerate()
        .map(|(i, (code, _))| {
            let label = crate::i18n::tr(lang, &format!("weekday-{}", i + 1));
            serde_json::json!({ "code": code, "label": label })
        })
        .collect();
    ctx.insert("days", &days);
    ctx.insert(
        "notice_hours",
        &(state.settings.cancel_notice.as_secs() / 3600),
    );
    ctx.insert("time_zone", state.settings.time_zone.name());
    Ok(templates::page(StatusCode::OK, "appointments.html", &ctx))
}

#[derive(Debug, Deserialize)]
pub struct RequestForm {
    reason: Option<String>,
    day_mon: Option<String>,
    day_tue: Option<String>,
    day_wed: Option<String>,
    day_thu: Option<String>,
    day_fri: Option<String>,
    time: Option<String>,
    mode: Option<String>,
}

pub const MAX_REASON: usize = 500;

/// The request form judged whole (the patient's and a proxy's alike); nothing is stored on an
/// error.
pub fn parse_request(form: &RequestForm) -> Result<NewRequest, AppError> {
    let reason = form
        .reason
        .as_deref()
        .unwrap_or_default()
        .trim()
        .to_string();
    if reason.is_empty() {
        return Err(AppError::bad_request(crate::i18n::tr(
            crate::i18n::current(),
            "form-error-appointment-no-reason",
        )));
    }
    if reason.chars().count() > MAX_REASON
        || reason
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err(AppError::bad_request(crate::i18n::tr_args(
            crate::i18n::current(),
            "form-error-appointment-reason-too-long",
            &[("max", MAX_REASON.into())],
        )));
    }
    let ticked = [
        &form.day_mon,
        &form.day_tue,
        &form.day_wed,
        &form.day_thu,
        &form.day_fri,
    ];
    let days: Vec<&str> = DAYS
        .iter()
        .zip(ticked)
        .filter(|(_, t)| t.is_some())
        .map(|((_, label), _)| *label)
        .collect();
    let preferred_days = if days.is_empty() || days.len() == DAYS.len() {
        "Any weekday".to_string()
    } else {
        days.join(", ")
    };
    let preferred_time = match form.time.as_deref() {
        Some(t @ ("morning" | "afternoon" | "any")) => t.to_string(),
        None => "any".to_string(),
        Some(_) => {
            return Err(AppError::bad_request(crate::i18n::tr(
                crate::i18n::current(),
                "form-error-appointment-time",
            )))
        }
    };
    let mode = match form.mode.as_deref() {
        Some(m @ ("in_person" | "video")) => m.to_string(),
        _ => {
            return Err(AppError::bad_request(crate::i18n::tr(
                crate::i18n::current(),
                "form-error-appointment-mode",
            )))
        }
    };
    Ok(NewRequest {
        reason,
        preferred_days,
        preferred_time,
        mode,
        requested_by: None,
    })
}

/// `POST /appointments`: the request is judged whole before the access check.
pub async fn request(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    form: CsrfForm<RequestForm>,
) -> Result<HttpResponse, AppError> {
    let new = parse_request(&form)?;
    remember(&state, &patient.user).await;
    let chart = patient
        .open(&state, &req, Section::AppointmentChange)
        .await?;
    let id = store::request(&state.pool, &chart, &new).await?;
    tracing::info!(appointment = %id, "appointment requested");
    Ok(see_other("/appointments"))
}

async fn own(state: &AppState, patient: &LinkedPatient, id: &str) -> Result<(), AppError> {
    plausible_id(id)?;
    match store::patient_of(&state.pool, id).await? {
        Some(owner) if patient.patient_id() == &owner => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

/// `POST /appointments/{id}/cancel`: withdraw a request, say no to an offered time, or cancel
/// a booking up to PORTAL_APPOINTMENT_CANCEL_NOTICE_HOURS before it.
pub async fn cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    id: web::Path<String>,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let notice = state.settings.cancel_notice.as_secs() as i64;
    let change = Change::Cancel {
        notice: Some(notice),
    };
    patient_change(&req, &state, &patient, &id, change).await
}

/// `POST /appointments/{id}/accept`: take the time the care team offered.
pub async fn accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    id: web::Path<String>,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    patient_change(&req, &state, &patient, &id, Change::Accept).await
}

/// A change the patient makes to one of their own appointments (audited, then made once).
async fn patient_change(
    req: &HttpRequest,
    state: &AppState,
    patient: &LinkedPatient,
    id: &str,
    change: Change<'_>,
) -> Result<HttpResponse, AppError> {
    own(state, patient, id).await?;
    let chart = patient.open(state, req, Section::AppointmentChange).await?;
    match store::change(&state.pool, &chart, id, change).await {
        Ok(_) => {
            state.mail_wake.now();
            Ok(see_other("/appointments"))
        }
        Err(e) => refused(&e),
    }
}

/// `GET /appointments/{id}/calendar.ics`: a booked appointment as a calendar file.
pub async fn calendar(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    own(&state, &patient, &id).await?;
    let chart = patient.open(&state, &req, Section::Appointments).await?;
    let a = store::one(&state.pool, &chart, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (Some(start), Some(end)) = (a.start_at, a.end_at) else {
        return Err(AppError::NotFound);
    };
    if !matches!(a.state, State::Booked | State::Cancelled) {
        return Err(AppError::NotFound);
    }
    let at = |t: i64| chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
    // The calendar entry's words in the language of the page it was downloaded from (#31).
    let lang = crate::i18n::current();
    let summary = match &a.clinician_name {
        Some(name) => crate::i18n::tr_args(
            lang,
            "ics-appointment-with",
            &[("name", name.as_str().into())],
        ),
        None => crate::i18n::tr(lang, "ics-clinic-appointment"),
    };
    let host = state.settings.public_url.host_str().unwrap_or("localhost");
    let url = crate::config::join_url(&state.settings.public_url, "/appointments");
    let body = ics::calendar(
        &ics::Event {
            uid: format!("{}@{host}", a.id),
            start: at(start),
            end: at(end),
            summary: &summary,
            location: a.place.as_deref(),
            url: Some(&url),
            cancelled: a.state == State::Cancelled,
        },
        chrono::Utc::now(),
    );
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"appointment.ics\"",
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}
