//! The emulator's error policy: what a browser sees when a request cannot go on.
//!
//! Owns: `EmulatorError`, rendered as a B2C-style HTML error page. User mistakes are 4xx pages that
//! say what went wrong (with the AADB2C code when B2C has one); internal failures are logged with
//! their cause and shown as an opaque 500. Never: puts a secret in a message, or redirects (an
//! error that may go back to the app is `reply::error_reply`, not this).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use super::i18n::{self, Text};

#[derive(thiserror::Error, Debug)]
pub(crate) enum EmulatorError {
    /// Shown to the user, in the request's language (#31); `Display` is B2C's English.
    #[error("{message}")]
    Page { status: StatusCode, message: Text },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl EmulatorError {
    pub fn bad_request(message: Text) -> Self {
        EmulatorError::Page {
            status: StatusCode::BAD_REQUEST,
            message,
        }
    }

    pub fn not_found(message: Text) -> Self {
        EmulatorError::Page {
            status: StatusCode::NOT_FOUND,
            message,
        }
    }
}

impl From<sqlx::Error> for EmulatorError {
    fn from(e: sqlx::Error) -> Self {
        EmulatorError::Internal(anyhow::Error::new(e).context("emulator database"))
    }
}

impl ResponseError for EmulatorError {
    fn status_code(&self) -> StatusCode {
        match self {
            EmulatorError::Page { status, .. } => *status,
            EmulatorError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            EmulatorError::Page { message, .. } => message.clone(),
            EmulatorError::Internal(e) => {
                tracing::error!(error = ?e, "B2C emulator internal error");
                Text::coded("AADB2C90085", "emu-aadb2c90085-internal")
            }
        };
        error_page(self.status_code(), &message)
    }
}

/// B2C's "Sorry, but we're having trouble signing you in" page, in the request's language
/// (`i18n::current`). Never fails.
pub(crate) fn error_page(status: StatusCode, message: &Text) -> HttpResponse {
    let message = message.in_lang(i18n::current());
    let mut ctx = tera::Context::new();
    ctx.insert("message", &message);
    ctx.insert("correlation_id", &uuid::Uuid::new_v4().to_string());
    ctx.insert(
        "timestamp",
        &chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string(),
    );
    match super::templates::render("error.html", &ctx) {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(_) => HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(message),
    }
}

/// B2C appends a correlation id and a timestamp to every error description. An
/// `error_description` is read by the app, not by a person, and B2C writes it in English
/// whatever `ui_locales` asked for: so does the emulator (#31).
pub(crate) fn with_correlation(description: &str) -> String {
    format!(
        "{description}\r\nCorrelation ID: {}\r\nTimestamp: {}\r\n",
        uuid::Uuid::new_v4(),
        chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ")
    )
}
