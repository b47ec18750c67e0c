//! The care team's side: the request queue of the clinician's care-team patients
//! (`/staff/appointments`), the clinician's day (`/staff/appointments/day`), one request with
//! its decisions (`/staff/appointments/{id}`). Lists say who and when, never why; the reason is
//! read by opening the request through `access::open_for_clinician` (care team, or a live
//! break-the-glass grant; anyone else gets the 403 page that offers it).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveTime, TimeZone};
use serde::{Deserialize, Serialize};

use super::common::{
    clinic_time, open_for_staff, plausible_id, refused, see_other, staff_heading, RequestTable,
};
use super::patient::mode_label;
use super::status::State;
use super::store::{self, Change, Slot, StaffRow};
use crate::access::Section;
use crate::auth::directory;
use crate::auth::Clinician;
use crate::state::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::page::page_context;
use crate::web::{templates, AppError};

#[derive(Serialize)]
struct ListRow {
    url: String,
    patient: String,
    status: String,
    mode: String,
    when: Option<String>,
    place: Option<String>,
    requested: String,
}

fn list_row(r: &StaffRow, tz: chrono_tz::Tz) -> ListRow {
    ListRow {
        url: format!("/staff/appointments/{}", r.id),
        patient: r.patient_name.clone(),
        status: r.state.label(),
        mode: mode_label(&r.mode),
        when: r.start_at.map(|s| clinic_time(tz, s)),
        place: r.place.clone(),
        requested: clinic_time(tz, r.requested_at),
    }
}

/// `GET /staff/appointments`: open requests of the care team's patients, oldest first.
pub async fn queue(
    state: web::Data<AppState>,
    session: Session,
    clinician: Clinician,
) -> Result<HttpResponse, AppError> {
    directory::record(&state.pool, clinician.user()).await?;
    let tz = state.settings.time_zone;
    let rows: Vec<ListRow> = store::queue(&state.pool, &clinician.user().subject)
        .await?
        .iter()
        .map(|r| list_row(r, tz))
        .collect();
    let mut ctx = page_context(Some((clinician.user(), &session)), &state);
    ctx.insert("requests", &rows);
    ctx.insert("today", &today(tz).format("%Y-%m-%d").to_string());
    Ok(templates::page(
        StatusCode::OK,
        "staff_appointments.html",
        &ctx,
    ))
}

fn today(tz: chrono_tz::Tz) -> NaiveDate {
    chrono::Utc::now().with_timezone(&tz).date_naive()
}

/// Today in the clinic's time zone, as [start, end) in unix seconds (the clinician's worklist).
pub fn today_range(tz: chrono_tz::Tz) -> (i64, i64) {
    let day = today(tz);
    let start = day_start(tz, day);
    let end = day
        .succ_opt()
        .map(|next| day_start(tz, next))
        .unwrap_or(start + 24 * 3600);
    (start, end)
}

#[derive(Debug, Deserialize)]
pub struct DayQuery {
    date: Option<String>,
}

/// The first instant of a calendar day in the clinic's zone (midnight may not exist on a
/// day the clocks change: then the earliest time that does).
fn day_start(tz: chrono_tz::Tz, day: NaiveDate) -> i64 {
    (0..24)
        .find_map(|h| {
            tz.from_local_datetime(&day.and_hms_opt(h, 0, 0)?)
                .earliest()
                .map(|t| t.timestamp())
        })
        .unwrap_or_default()
}

/// `GET /staff/appointments/day?date=YYYY-MM-DD`: the clinician's appointments that day.
pub async fn day(
    state: web::Data<AppState>,
    session: Session,
    clinician: Clinician,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, AppError> {
    directory::record(&state.pool, clinician.user()).await?;
    let tz = state.settings.time_zone;
    let date = match query
        .date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => today(tz),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            AppError::bad_request(crate::i18n::tr(
                crate::i18n::current(),
                "form-error-date-format",
            ))
        })?,
    };
    let next = date.succ_opt().ok_or_else(|| {
        AppError::bad_request(crate::i18n::tr(
            crate::i18n::current(),
            "form-error-date-out-of-range",
        ))
    })?;
    let previous = date.pred_opt().ok_or_else(|| {
        AppError::bad_request(crate::i18n::tr(
            crate::i18n::current(),
            "form-error-date-out-of-range",
        ))
    })?;
    let rows: Vec<ListRow> = store::day(
        &state.pool,
        &clinician.user().subject,
        day_start(tz, date),
        day_start(tz, next),
    )
    .await?
    .iter()
    .map(|r| list_row(r, tz))
    .collect();
    let mut ctx = page_context(Some((clinician.user(), &session)), &state);
    ctx.insert("appointments", &rows);
    ctx.insert("date", &date.format("%Y-%m-%d").to_string());
    ctx.insert(
        "date_text",
        &crate::i18n::format::date_with_weekday(crate::i18n::current(), date),
    );
    ctx.insert("previous", &previous.format("%Y-%m-%d").to_string());
    ctx.insert("next", &next.format("%Y-%m-%d").to_string());
    ctx.insert("time_zone", tz.name());
    Ok(templates::page(
        StatusCode::OK,
        "staff_appointments_day.html",
        &ctx,
    ))
}

/// `GET /staff/appointments/{id}`: the request, and what can be done with it.
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
        RequestTable::Appointments,
        &id,
        Section::Appointments,
    )
    .await?;
    let a = store::one(&state.pool, &chart, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let tz = state.settings.time_zone;
    let mut ctx = page_context(Some((clinician.user(), &session)), &state);
    staff_heading(&state, &chart, &mut ctx).await?;
    ctx.insert(
        "chart_url",
        &format!("/staff/patients/{}", chart.patient_id()),
    );
    ctx.insert("decide_url", &format!("/staff/appointments/{}", a.id));
    ctx.insert("status", &a.state.label());
    ctx.insert("reason", &a.reason);
    // A proxy who asked for the patient (#29): the care team sees that a proxy asked, and who.
    ctx.insert(
        "requested_by",
        &a.requested_by
            .as_deref()
            .map(super::common::requested_by_words),
    );
    ctx.insert("mode", &mode_label(&a.mode));
    ctx.insert(
        "preferences",
        &super::common::preferences_words(&a.preferred_days, &a.preferred_time),
    );
    ctx.insert("when", &a.start_at.map(|s| clinic_time(tz, s)));
    ctx.insert("clinician", &a.clinician_name);
    ctx.insert("place", &a.place);
    ctx.insert("decline_reason", &a.decline_reason);
    ctx.insert("can_book", &(a.state == State::Requested));
    ctx.insert("can_decline", &a.state.is_open_request());
    ctx.insert("is_booked", &(a.state == State::Booked));
    ctx.insert("time_zone", tz.name());
    ctx.insert("today", &today(tz).format("%Y-%m-%d").to_string());
    Ok(templates::page(
        StatusCode::OK,
        "staff_appointment.html",
        &ctx,
    ))
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    action: Option<String>,
    date: Option<String>,
    time: Option<String>,
    minutes: Option<String>,
    place: Option<String>,
    reason: Option<String>,
}

pub const MAX_TEXT: usize = 500;

/// Date and time in the clinic's zone, a length in minutes, and a place or video link.
fn parse_slot(form: &DecisionForm, tz: chrono_tz::Tz) -> Result<Slot, AppError> {
    let date =
        NaiveDate::parse_from_str(form.date.as_deref().unwrap_or_default().trim(), "%Y-%m-%d")
            .map_err(|_| {
                AppError::bad_request(crate::i18n::tr(
                    crate::i18n::current(),
                    "form-error-date-format",
                ))
            })?;
    let time = NaiveTime::parse_from_str(form.time.as_deref().unwrap_or_default().trim(), "%H:%M")
        .map_err(|_| {
            AppError::bad_request(crate::i18n::tr(
                crate::i18n::current(),
                "form-error-time-format",
            ))
        })?;
    let minutes: i64 = form
        .minutes
        .as_deref()
        .unwrap_or_default()
        .trim()
        .parse()
        .ok()
        .filter(|m| (5..=480).contains(m))
        .ok_or_else(|| {
            AppError::bad_request(crate::i18n::tr(
                crate::i18n::current(),
                "form-error-length-minutes",
            ))
        })?;
    let start = tz
        .from_local_datetime(&date.and_time(time))
        .single()
        .ok_or_else(|| {
            AppError::bad_request(crate::i18n::tr(
                crate::i18n::current(),
                "form-error-time-ambiguous",
            ))
        })?
        .timestamp();
    if start <= crate::db::now() {
        return Err(AppError::bad_request(crate::i18n::tr(
            crate::i18n::current(),
            "form-error-time-passed",
        )));
    }
    let place = form.place.as_deref().unwrap_or_default().trim().to_string();
    if place.is_empty() || place.chars().count() > 200 || place.chars().any(char::is_control) {
        return Err(AppError::bad_request(crate::i18n::tr(
            crate::i18n::current(),
            "form-error-place",
        )));
    }
    if place.starts_with("http:")
        || (place.starts_with("https:") && url::Url::parse(&place).is_err())
    {
        return Err(AppError::bad_request(crate::i18n::tr(
            crate::i18n::current(),
            "form-error-video-link",
        )));
    }
    Ok(Slot {
        start,
        end: start + minutes * 60,
        place,
    })
}

/// `POST /staff/appointments/{id}`: book, propose, decline, cancel, completed, missed.
pub async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    clinician: Clinician,
    id: web::Path<String>,
    form: CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    plausible_id(&id)?;
    let tz = state.settings.time_zone;
    let me = clinician.user();
    let change = match form.action.as_deref() {
        Some("book") => Change::Book {
            slot: parse_slot(&form, tz)?,
            by: me,
        },
        Some("propose") => Change::Propose {
            slot: parse_slot(&form, tz)?,
            by: me,
        },
        Some("decline") => {
            let reason = form
                .reason
                .as_deref()
                .unwrap_or_default()
                .trim()
                .to_string();
            if reason.is_empty() || reason.chars().count() > MAX_TEXT {
                return Err(AppError::bad_request(crate::i18n::tr(
                    crate::i18n::current(),
                    "form-error-decline-reason",
                )));
            }
            Change::Decline { reason, by: me }
        }
        Some("cancel") => Change::Cancel { notice: None },
        Some("complete") => Change::Complete,
        Some("no_show") => Change::NoShow,
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
        RequestTable::Appointments,
        &id,
        Section::AppointmentChange,
    )
    .await?;
    match store::change(&state.pool, &chart, &id, change).await {
        Ok(to) => {
            state.mail_wake.now();
            tracing::info!(appointment = %id, state = to.as_str(), "appointment changed");
            Ok(see_other(&format!("/staff/appointments/{id}")))
        }
        Err(e) => refused(&e),
    }
}
