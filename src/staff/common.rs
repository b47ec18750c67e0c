//! What every staff page shares: entering the area (the clinician is recorded in the directory)
//! and how times are written. Below the handlers: imports none.

use crate::auth::directory;
use crate::auth::Clinician;
use crate::state::AppState;
use crate::web::AppError;

/// Every staff page starts here: the clinician is recorded in the directory on first sight.
pub(super) async fn enter(state: &AppState, clinician: &Clinician) -> Result<(), AppError> {
    directory::record(&state.pool, clinician.user()).await?;
    Ok(())
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
        .map(|t| crate::i18n::format::date(crate::i18n::current(), t.date_naive()))
        .unwrap_or_default()
}
