//! CSRF tokens: one random token per session, carried in every form as `csrf_token` and
//! compared in constant time.
//!
//! A handler that takes a urlencoded form asks for `CsrfForm<T>`: holding one proves the
//! token matched, so no handler compares tokens itself. Multipart forms (message
//! attachments) are read by their own reader and call `verify` with the token they found.

use std::future::Future;
use std::pin::Pin;

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::auth::session;
use crate::web::AppError;

pub const FIELD: &str = "csrf_token";

pub fn matches(expected: &str, given: &str) -> bool {
    !expected.is_empty() && expected.as_bytes().ct_eq(given.as_bytes()).into()
}

/// The refusal of a form whose token is missing or not this session's.
fn expired() -> AppError {
    AppError::bad_request(crate::i18n::tr(
        crate::i18n::current(),
        "error-form-expired",
    ))
}

/// Compares a form's token with the session's, for forms `CsrfForm` cannot read (multipart).
pub fn verify(session: &actix_session::Session, given: Option<&str>) -> Result<(), AppError> {
    let expected = session::csrf_token(session).unwrap_or_default();
    if matches(&expected, given.unwrap_or_default()) {
        Ok(())
    } else {
        Err(expired())
    }
}

/// A form with no fields but the token (sign-out, issue and revoke buttons).
#[derive(Debug, serde::Deserialize)]
pub struct NoFields {}

/// A urlencoded form whose `csrf_token` matched the session's (in constant time). `T` gets
/// the other fields; `Vec<(String, String)>` keeps repeated keys (the consent's scopes).
/// The body is read through `web::Form`, so the app's `FormConfig` (size limit, the "could
/// not be read" page) applies as before.
#[derive(Debug)]
pub struct CsrfForm<T = NoFields>(pub T);

impl<T> std::ops::Deref for CsrfForm<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    // `actix_web::Error`: a body `web::Form` refused keeps the page its `FormConfig` chose.
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let form = web::Form::<Vec<(String, String)>>::from_request(req, payload);
        Box::pin(async move {
            let pairs = form.await?.into_inner();
            let (tokens, fields): (Vec<_>, Vec<_>) =
                pairs.into_iter().partition(|(k, _)| k == FIELD);
            // Exactly one token: a second one could only come from a crafted request.
            let [(_, given)] = tokens.as_slice() else {
                return Err(expired().into());
            };
            verify(&session, Some(given))?;
            let rest = serde_urlencoded::to_string(&fields)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("re-encoding a form: {e}")))?;
            serde_urlencoded::from_str::<T>(&rest)
                .map(CsrfForm)
                .map_err(|_| {
                    AppError::bad_request(crate::i18n::tr(
                        crate::i18n::current(),
                        "error-form-unreadable",
                    ))
                    .into()
                })
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn empty_or_different_tokens_never_match() {
        assert!(!super::matches("", ""));
        assert!(!super::matches("abc", "abd"));
        assert!(super::matches("abc", "abc"));
    }
}
