//! Who is asking, as types: a handler that needs a signed-in user asks for `SignedIn`, one
//! that needs a clinician asks for `Clinician`, one that needs a patient (linked to a record
//! or not yet) asks for `Patient`; `access::LinkedPatient` adds the linked record. No role
//! checks with `if` in handlers.
//!
//! `Clinician` and `Patient` can only be made here, from the session: holding one proves the
//! role, so functions that take `&Clinician` (`access::open_for_clinician`) cannot be reached
//! from a patient's session at all.

use std::future::{ready, Ready};
use std::ops::Deref;

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use super::{session, Role, SignedInUser};
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

/// The session's user if their role is `role`; anyone else gets the 403 page.
fn with_role(req: &HttpRequest, role: Role) -> Result<SignedInUser, AppError> {
    match session::user(&req.get_session()) {
        Some(user) if user.role == role => Ok(user),
        _ => Err(AppError::Forbidden),
    }
}

/// A signed-in user whose role claim names them a clinician.
#[derive(Debug)]
pub struct Clinician(SignedInUser);

impl Clinician {
    pub fn user(&self) -> &SignedInUser {
        &self.0
    }
}

impl Deref for Clinician {
    type Target = SignedInUser;

    fn deref(&self) -> &SignedInUser {
        &self.0
    }
}

impl FromRequest for Clinician {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(with_role(req, Role::Clinician).map(Clinician))
    }
}

/// A signed-in patient, whether or not their account is linked to a record yet (`/activate`
/// needs exactly that). Pages of the record take `access::LinkedPatient` instead.
#[derive(Debug)]
pub struct Patient(SignedInUser);

impl Patient {
    pub fn user(&self) -> &SignedInUser {
        &self.0
    }

    pub fn into_user(self) -> SignedInUser {
        self.0
    }
}

impl Deref for Patient {
    type Target = SignedInUser;

    fn deref(&self) -> &SignedInUser {
        &self.0
    }
}

impl FromRequest for Patient {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(with_role(req, Role::Patient).map(Patient))
    }
}
