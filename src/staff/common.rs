//! What every staff page shares: entering the area (the clinician is recorded in the directory),
//! the CSRF check of its forms, and how times are written. Below the handlers: imports none.

use actix_session::Session;

use crate::auth::directory;
use crate::auth::{session, Clinician};
use crate::state::AppState;
use crate::web::{csrf, AppError};

/// Every staff page starts here: the clinician is recorded in the directory on first sight.
pub(super) async fn enter(state: &AppState, clinician: &Clinician) -> Result<(), AppError> {
    directory::record(&state.pool, &clinician.0).await?;
    Ok(())
}

/// Every form carries the session's CSRF token.
pub(super) fn check_csrf(session: &Session, given: Option<&str>) -> Result<(), AppError> {
    let expected = session::csrf_token(session).unwrap_or_default();
    if csrf::matches(&expected, given.unwrap_or_default()) {
        Ok(())
    } else {
        Err(AppError::bad_request(
            "This form has expired. Please go back, reload the page and try again.",
        ))
    }
}

/// A form with nothing but the CSRF token (issue and revoke buttons).
#[derive(Debug, serde::Deserialize)]
pub struct CsrfOnly {
    pub(super) csrf_token: Option<String>,
}

/// "14:32 UTC".
pub(super) fn clock(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%H:%M UTC").to_string())
        .unwrap_or_default()
}

/// "3 December 2025".
pub(super) fn day(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%-d %B %Y").to_string())
        .unwrap_or_default()
}
