//! Who is asking, as types: a handler that needs a signed-in user asks for `SignedIn`, one
//! that needs a clinician asks for `Clinician`. No role checks with `if` in handlers.

use std::future::{ready, Ready};

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use super::session;
use super::user::{Role, SignedInUser};
use crate::web::AppError;

/// A user with a live session. The gate has already sent everyone else to sign in; if a
/// session is missing here anyway, the answer is a refusal, never data.
pub struct SignedIn(pub SignedInUser);

impl FromRequest for SignedIn {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            session::user(&req.get_session())
                .map(SignedIn)
                .ok_or(AppError::Forbidden),
        )
    }
}

/// A signed-in user whose role claim names them a clinician.
pub struct Clinician(pub SignedInUser);

impl FromRequest for Clinician {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match session::user(&req.get_session()) {
            Some(user) if user.role == Role::Clinician => Ok(Clinician(user)),
            _ => Err(AppError::Forbidden),
        })
    }
}

/// The session's CSRF token, for forms.
pub struct CsrfToken(pub String);

impl FromRequest for CsrfToken {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            session::csrf_token(&req.get_session())
                .map(CsrfToken)
                .ok_or(AppError::Forbidden),
        )
    }
}
