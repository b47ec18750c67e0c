//! `GET /home`: the patient's landing page after sign-in. What is new since the last visit
//! (results, abnormal ones first; messages; renewal answers), upcoming appointments, open
//! requests and their state, and what is left to do. Each item links to its own page.
//!
//! Everything on it comes from the record and is read through one audited `ChartAccess`
//! (`Section::Home`): the entry is committed before anything is read, as on every record page.
//! An account that is not linked to a record is sent to `/activate` (by `LinkedPatient`),
//! which says why; a clinician's home is the worklist at `/staff`.
//!
//! "The last visit" is the sign-in before this one (from the audit trail, whose sign-in entries
//! are the portal's own record of visits); on a first visit, the last `FIRST_VISIT_DAYS` days.
//! A result is new when it was taken after that: the record keeps no time of arrival.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::access::{ChartAccess, LinkedPatient, Section};
use crate::appointments::common::clinic_time;
use crate::appointments::status::State;
use crate::audit::Action;
use crate::auth::{Role, SignedIn, SignedInUser};
use crate::records::views::{self, ResultRow};
use crate::records::Flag;
use crate::renewals::RenewalState;
use crate::state::AppState;
use crate::web::page::{format_time, page_context, redirect};
use crate::web::{templates, AppError};

/// The window of "new" results on a first visit.
pub const FIRST_VISIT_DAYS: i64 = 90;
/// New results shown on the page; the rest are one link away.
const RESULTS_SHOWN: usize = 10;
/// New results read at most (the count of the rest says "at least" beyond it).
const RESULTS_READ: i64 = 200;

#[derive(Serialize)]
struct NewResult {
    url: String,
    #[serde(flatten)]
    row: ResultRow,
    abnormal: bool,
}

#[derive(Serialize)]
struct Item {
    url: String,
    title: String,
    detail: String,
}

/// `GET /home`.
pub async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    user: SignedIn,
) -> Result<HttpResponse, AppError> {
    if user.0.role == Role::Clinician {
        return Ok(redirect("/staff"));
    }
    // Not linked: `LinkedPatient` sends the browser to /activate.
    let patient = LinkedPatient::extract(&req).await?;
    // The audit entry first: nothing of the record (nor of the visits) is read without it.
    let chart = patient.open(&state, &req, Section::Home).await?;
    let last_visit = previous_sign_in(&state, &patient.user).await?;
    let mut ctx = page_context(Some((&patient.user, &session)), &state);
    let since = match last_visit {
        Some(at) => {
            ctx.insert("last_visit", &format_time(at.timestamp()));
            at
        }
        None => chrono::Utc::now() - chrono::Duration::days(FIRST_VISIT_DAYS),
    };
    ctx.insert("first_visit_days", &FIRST_VISIT_DAYS);
    new_results(&state, &chart, &since, &mut ctx).await?;
    let deceased = crate::renewals::store::patient_deceased(&state.pool, &chart).await?;
    new_messages(&state, &chart, &mut ctx).await?;
    requests(&state, &chart, since.timestamp(), &mut ctx).await?;
    let mut todos = Vec::new();
    let pharmacy = crate::renewals::pharmacy::get(&state.pool, &patient.user.subject).await?;
    if pharmacy.is_none() && !deceased {
        todos.push(Item {
            url: "/account#pharmacy-heading".into(),
            title: tr(lang(), "home-set-pharmacy"),
            detail: tr(lang(), "home-set-pharmacy-why"),
        });
    }
    ctx.insert("todos", &todos);
    Ok(templates::page(StatusCode::OK, "home.html", &ctx))
}

/// When this user signed in before the current sign-in, if ever.
async fn previous_sign_in(
    state: &AppState,
    user: &SignedInUser,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, sqlx::Error> {
    let at: Option<String> = sqlx::query_scalar(
        "SELECT at FROM audit_log WHERE actor_subject = $1 AND action = $2 \
         ORDER BY seq DESC LIMIT 1 OFFSET 1",
    )
    .bind(&user.subject)
    .bind(Action::SignIn.as_str())
    .fetch_optional(&state.pool)
    .await?;
    Ok(at
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(&at).ok())
        .map(|t| t.with_timezone(&chrono::Utc)))
}

/// Lab results taken since `since`: high and low first, then the newest.
async fn new_results(
    state: &AppState,
    chart: &ChartAccess,
    since: &chrono::DateTime<chrono::Utc>,
    ctx: &mut tera::Context,
) -> Result<(), sqlx::Error> {
    let found = crate::records::store::observations_since(
        &state.pool,
        chart,
        "laboratory",
        since,
        RESULTS_READ,
    )
    .await?;
    let mut rows: Vec<NewResult> = found
        .iter()
        .map(|o| {
            let abnormal = matches!(views::reading(o).flag, Some(Flag::High | Flag::Low));
            let row = ResultRow::of(o, 1);
            let url = match &row.loinc {
                Some(code) => format!("/records/labs/{code}"),
                None => "/records/labs".to_string(),
            };
            NewResult { url, row, abnormal }
        })
        .collect();
    // Stable: within each group the newest first, as read.
    rows.sort_by_key(|r| !r.abnormal);
    let total = rows.len();
    rows.truncate(RESULTS_SHOWN);
    ctx.insert(
        "abnormal_count",
        &rows.iter().filter(|r| r.abnormal).count(),
    );
    ctx.insert("results", &rows);
    ctx.insert("more_results", &(total - rows.len()));
    Ok(())
}

/// Conversations with a message the patient has not read.
async fn new_messages(
    state: &AppState,
    chart: &ChartAccess,
    ctx: &mut tera::Context,
) -> Result<(), sqlx::Error> {
    let messages: Vec<Item> = crate::messages::store::threads(&state.pool, chart, Role::Patient)
        .await?
        .into_iter()
        .filter(|t| t.unread)
        .map(|t| Item {
            url: format!("/messages/{}", t.id),
            title: t.subject,
            detail: tr_args(
                lang(),
                "home-new-reply",
                &[("when", format_time(t.updated_at).into())],
            ),
        })
        .collect();
    ctx.insert("messages", &messages);
    Ok(())
}

/// Upcoming appointments, open appointment and renewal requests, and renewals answered since
/// the last visit.
async fn requests(
    state: &AppState,
    chart: &ChartAccess,
    since: i64,
    ctx: &mut tera::Context,
) -> Result<(), sqlx::Error> {
    let tz = state.settings.time_zone;
    let now = crate::db::now();
    let mut upcoming = Vec::new();
    let mut open = Vec::new();
    for a in crate::appointments::store::all(&state.pool, chart).await? {
        let upcoming_booking = a.state == State::Booked && a.start_at.is_some_and(|s| s > now);
        if upcoming_booking {
            let mode = crate::appointments::mode_label(&a.mode);
            // One sentence with the clinician as an argument: word order is the language's.
            let detail = match &a.clinician_name {
                Some(c) => crate::i18n::tr_args(
                    crate::i18n::current(),
                    "lead-home-appointment-with",
                    &[
                        ("mode", crate::i18n::Arg::from(mode.to_string())),
                        ("clinician", crate::i18n::Arg::from(c.clone())),
                    ],
                ),
                None => mode.to_string(),
            };
            upcoming.push(Item {
                url: "/appointments".into(),
                title: a.start_at.map(|s| clinic_time(tz, s)).unwrap_or_default(),
                detail,
            });
        } else if a.state.is_open_request() {
            open.push(Item {
                url: "/appointments".into(),
                title: tr(lang(), "home-appointment-request"),
                detail: asked(&a.state.label(), clinic_time(tz, a.requested_at)),
            });
        }
    }
    let mut answered = Vec::new();
    for r in crate::renewals::store::all(&state.pool, chart).await? {
        if r.state == RenewalState::Requested {
            open.push(Item {
                url: "/records/medications".into(),
                title: renewal_of(&r.medication_name),
                detail: asked(&r.state.label(), clinic_time(tz, r.requested_at)),
            });
        } else if r.decided_at.is_some_and(|d| d >= since) {
            answered.push(Item {
                url: "/records/medications".into(),
                title: renewal_of(&r.medication_name),
                detail: r.state.label(),
            });
        }
    }
    ctx.insert("upcoming", &upcoming);
    ctx.insert("open_requests", &open);
    ctx.insert("answered_renewals", &answered);
    Ok(())
}

// The page's sentences from the message files, in the request's language (#31). A medicine's
// name is the record's own.
use crate::i18n::{current as lang, tr, tr_args};

fn renewal_of(medication: &str) -> String {
    tr_args(
        lang(),
        "home-renewal-of",
        &[("medication", medication.into())],
    )
}

fn asked(state: &str, when: String) -> String {
    tr_args(
        lang(),
        "home-asked",
        &[("state", state.into()), ("when", when.into())],
    )
}
