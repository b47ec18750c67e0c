//! Clinician pages. For now: the staff home, for clinicians only.

use actix_session::Session;
use actix_web::{web, HttpResponse};

use crate::audit::RequestMeta;
use crate::auth::routes::page_context;
use crate::auth::{Clinician, SignedInUser};
use crate::startup::AppState;
use crate::web::{templates, AppError};

/// `GET /staff`.
pub async fn home(
    state: web::Data<AppState>,
    session: Session,
    clinician: Clinician,
) -> HttpResponse {
    let ctx = page_context(Some((&clinician.0, &session)), &state);
    templates::page(actix_web::http::StatusCode::OK, "staff_home.html", &ctx)
}

/// The reply of a break-the-glass re-authentication. Not offered yet, so never reached
/// through a flow the portal started; refuse anything else.
pub async fn complete_break_glass(
    _state: &AppState,
    _session: &Session,
    _meta: &RequestMeta,
    _user: &SignedInUser,
    _request: &str,
) -> Result<HttpResponse, AppError> {
    Err(AppError::Forbidden)
}
