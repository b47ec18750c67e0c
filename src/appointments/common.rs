//! What the appointment and renewal pages share: CSRF and id checks, clinic time, refusals,
//! the staff-side open of a request and its heading.

use crate::web::errors::error_page;
use crate::web::AppError;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use chrono::TimeZone;
use tera::Context;

use super::store;

/// Ids in our URLs are UUIDs; anything else is no page of ours.
pub(crate) fn plausible_id(id: &str) -> Result<(), AppError> {
    if !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// A time as the clinic reads it (PORTAL_TIME_ZONE).
pub fn clinic_time(tz: chrono_tz::Tz, unix: i64) -> String {
    // In the request's language (#31): "jueves, 14 de diciembre de 1972, 09:05 EST".
    tz.timestamp_opt(unix, 0)
        .single()
        .map(|t| {
            let zone = t.format("%Z").to_string();
            crate::i18n::format::weekday_datetime_in(crate::i18n::current(), &t, &zone)
        })
        .unwrap_or_default()
}

/// The weekdays a request may prefer: the stored code and the stored English day name.
pub const DAYS: [(&str, &str); 5] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
];

/// The days and time of day a request prefers, in the page's language (#31; refusals.ftl):
/// "Tuesday, Thursday; Mornings". `days` is as stored: the English names of
/// `DAYS` joined by ", ", or "Any weekday" (the FHIR export keeps that English); a
/// name that is not a weekday of the form is shown as stored. `time` is the stored code.
pub fn preferences_words(days: &str, time: &str) -> String {
    let lang = crate::i18n::current();
    let days = if days.trim() == "Any weekday" {
        crate::i18n::tr(lang, "appt-pref-any-weekday")
    } else {
        days.split(", ")
            .map(|name| {
                match DAYS.iter().position(|(_, d)| *d == name) {
                    // Monday is weekday-1 in format.ftl.
                    Some(i) => crate::i18n::tr(lang, &format!("weekday-{}", i + 1)),
                    None => name.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    crate::i18n::tr_args(
        lang,
        "appt-preferences",
        &[("days", days.into()), ("time", time.into())],
    )
}

/// How a proxy's appointment or renewal request is signed when stored
/// (`proxy::actions`): "Sam Rivera (proxy)".
pub const PROXY_SIGNATURE_SUFFIX: &str = " (proxy)";

/// A stored proxy's signature (`PROXY_SIGNATURE_SUFFIX`) in the page's language (#31;
/// refusals.ftl): "Sam Rivera (representante)"; one written otherwise is shown as stored.
pub fn requested_by_words(stored: &str) -> String {
    match stored.strip_suffix(PROXY_SIGNATURE_SUFFIX) {
        Some(name) => crate::i18n::tr_args(
            crate::i18n::current(),
            "proxy-signature",
            &[("name", name.into())],
        ),
        None => stored.to_string(),
    }
}

/// The page for a refusal that is nobody's mistake: it was decided elsewhere first, or the
/// clinician is busy then.
pub(crate) fn refused(refusal: &store::Refused) -> Result<HttpResponse, AppError> {
    // The words in the request's language (#31; refusals.ftl): keys here, looked up below.
    let (status, title, message) = match refusal {
        store::Refused::NotFound => return Err(AppError::NotFound),
        store::Refused::Db(e) => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "appointment store: {e}"
            )))
        }
        store::Refused::AlreadyDecided => (
            StatusCode::CONFLICT,
            "refusal-appt-decided-title",
            "refusal-appt-decided",
        ),
        store::Refused::DoubleBooked => (
            StatusCode::CONFLICT,
            "refusal-appt-taken-title",
            "refusal-appt-taken",
        ),
        store::Refused::InsideNotice => (
            StatusCode::CONFLICT,
            "refusal-appt-too-late-title",
            "refusal-appt-too-late",
        ),
    };
    let lang = crate::i18n::current();
    Ok(error_page(
        status,
        &crate::i18n::tr(lang, title),
        &crate::i18n::tr(lang, message),
        Context::new(),
    ))
}

/// The patient's address for "there is news in your portal", kept current from their
/// sign-in (as the messages pages do).
pub(crate) async fn remember(state: &crate::state::AppState, user: &crate::auth::SignedInUser) {
    let email = user.emails.first().map(String::as_str);
    if let Err(e) = crate::notifications::remember_contact(&state.pool, &user.subject, email).await
    {
        tracing::warn!(error = %e, "could not keep the notification address");
    }
}

/// Which request table a staff URL's id names (a closed set: never a table name from input).
#[derive(Debug, Clone, Copy)]
pub(crate) enum RequestTable {
    Appointments,
    Renewals,
}

/// Opens, for a clinician, the chart of the patient whose request (appointment or renewal) the
/// URL names: an id that is no request of ours is a 404 before anything is opened; then the
/// access check (care team, or a live break-the-glass grant; else the 403 that offers it).
pub(crate) async fn open_for_staff(
    req: &actix_web::HttpRequest,
    state: &crate::state::AppState,
    clinician: &crate::auth::Clinician,
    table: RequestTable,
    id: &str,
    section: crate::access::Section,
) -> Result<crate::access::ChartAccess, AppError> {
    plausible_id(id)?;
    crate::auth::directory::record(&state.pool, clinician.user()).await?;
    let owner = match table {
        RequestTable::Appointments => store::patient_of(&state.pool, id).await?,
        RequestTable::Renewals => crate::renewals::store::patient_of(&state.pool, id).await?,
    };
    let patient_id = owner.ok_or(AppError::NotFound)?;
    let patient_id =
        crate::records::PatientId::parse(&patient_id).map_err(|_| AppError::NotFound)?;
    crate::access::open_for_clinician(state, req, clinician, &patient_id, section).await
}

/// A patient's name, as `staff_heading` reads it.
#[derive(sqlx::FromRow)]
struct PatientName {
    given_name: String,
    family_name: String,
}

/// What a staff request page shows above the request: whose it is, and the break-the-glass
/// banner when that is how the chart was opened.
pub(crate) async fn staff_heading(
    state: &crate::state::AppState,
    chart: &crate::access::ChartAccess,
    ctx: &mut Context,
) -> Result<(), AppError> {
    if let crate::access::Viewer::BreakGlass { .. } = chart.viewer() {
        ctx.insert(
            "banner",
            // In the page's language (#31; refusals.ftl).
            &crate::i18n::tr(crate::i18n::current(), "break-glass-recorded-banner"),
        );
    }
    let name: PatientName =
        sqlx::query_as("SELECT given_name, family_name FROM patients WHERE id = $1")
            .bind(chart.patient_id())
            .fetch_one(&state.pool)
            .await?;
    ctx.insert(
        "patient_name",
        &format!("{} {}", name.given_name, name.family_name),
    );
    Ok(())
}

/// After a POST, the browser GETs the result (so a reload does not send twice).
pub(crate) fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::{preferences_words, requested_by_words};
    use crate::i18n::{Lang, LANG};

    #[tokio::test]
    async fn preferences_read_in_the_page_s_language() {
        let en = LANG
            .scope(Lang::En, async {
                preferences_words("Tuesday, Thursday", "morning")
            })
            .await;
        assert_eq!(en, "Tuesday, Thursday; Mornings");
        let es = LANG
            .scope(Lang::Es, async {
                (
                    preferences_words("Tuesday, Thursday", "afternoon"),
                    preferences_words("Any weekday", "any"),
                    preferences_words("Someday", "morning"),
                )
            })
            .await;
        assert_eq!(es.0, "martes, jueves; por la tarde");
        assert_eq!(es.1, "cualquier día entre semana; a cualquier hora");
        assert_eq!(
            es.2, "Someday; por la mañana",
            "a name not of the form as stored"
        );
    }

    #[tokio::test]
    async fn a_proxy_s_signature_reads_in_the_page_s_language() {
        let stored = "Sam Rivera (proxy)";
        let en = LANG
            .scope(Lang::En, async { requested_by_words(stored) })
            .await;
        assert_eq!(en, stored, "English reads as stored");
        let es = LANG
            .scope(Lang::Es, async {
                (requested_by_words(stored), requested_by_words("Sam"))
            })
            .await;
        assert_eq!(es.0, "Sam Rivera (representante)");
        assert_eq!(es.1, "Sam", "one written otherwise as stored");
    }
}
