//! Every FHIR API error is an `OperationOutcome` with the right status, never an HTML page.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::web::AppError;

pub const FHIR_JSON: &str = "application/fhir+json";

#[derive(Debug, thiserror::Error)]
#[error("{status} {code}: {diagnostics}")]
pub struct FhirError {
    pub status: StatusCode,
    /// The OperationOutcome issue type (`login`, `forbidden`, `not-found`, ...).
    pub code: &'static str,
    pub diagnostics: String,
    pub www_authenticate: Option<String>,
    pub retry_after: Option<i64>,
}

impl FhirError {
    pub fn new(status: StatusCode, code: &'static str, diagnostics: impl Into<String>) -> Self {
        Self {
            status,
            code,
            diagnostics: diagnostics.into(),
            www_authenticate: None,
            retry_after: None,
        }
    }

    /// 401. `error` is RFC 6750's code, absent when no token was sent at all.
    pub fn unauthorized(error: Option<&str>) -> Self {
        let challenge = match error {
            Some(e) => format!("Bearer realm=\"patient-portal\", error=\"{e}\""),
            None => "Bearer realm=\"patient-portal\"".to_string(),
        };
        Self {
            www_authenticate: Some(challenge),
            ..Self::new(
                StatusCode::UNAUTHORIZED,
                "login",
                "A valid access token is required (Authorization: Bearer ...).",
            )
        }
    }

    pub fn forbidden(rtype: &str) -> Self {
        Self {
            www_authenticate: Some(
                "Bearer realm=\"patient-portal\", error=\"insufficient_scope\"".into(),
            ),
            ..Self::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("The access token was not granted this access to {rtype}."),
            )
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", what)
    }

    pub fn bad_request(what: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid", what)
    }
}

impl From<AppError> for FhirError {
    fn from(e: AppError) -> Self {
        // By status, not variant: a database that did not answer is 503 however it arrived
        // (`AppError::Unavailable`, or a store error inside `AppError::Internal`), as on pages.
        match e {
            _ if e.status_code() == StatusCode::SERVICE_UNAVAILABLE => {
                tracing::error!(error = %format!("{e:#}"), "FHIR API unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "transient",
                    "The record cannot be read safely right now. Try again later.",
                )
            }
            other => {
                tracing::error!(error = %format!("{other:#}"), "FHIR API internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "exception",
                    "Something went wrong on our side.",
                )
            }
        }
    }
}

impl From<sqlx::Error> for FhirError {
    fn from(e: sqlx::Error) -> Self {
        AppError::from(e).into()
    }
}

impl ResponseError for FhirError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = json!({
            "resourceType": "OperationOutcome",
            "issue": [{
                "severity": "error",
                "code": self.code,
                "diagnostics": self.diagnostics,
            }]
        });
        let mut resp = HttpResponse::build(self.status);
        resp.content_type(FHIR_JSON)
            .insert_header(("Cache-Control", "no-store"));
        if let Some(c) = &self.www_authenticate {
            resp.insert_header(("WWW-Authenticate", c.as_str()));
        }
        if let Some(s) = self.retry_after {
            resp.insert_header(("Retry-After", s.to_string()));
        }
        resp.body(body.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_that_does_not_answer_is_a_503_outcome_and_a_bug_a_500() {
        assert_eq!(
            FhirError::from(sqlx::Error::PoolTimedOut).status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            FhirError::from(sqlx::Error::RowNotFound).status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
