//! One error type for the whole web layer. Each variant becomes a page in the portal's own
//! style with the right status; internal causes go to the log, never to the browser.
//!
//! Error pages show who is signed in (a clinician sees their own header, not "Sign in"):
//! `ResponseError` sees no request, so `session_for_errors` lends the request's session to
//! the pages rendered while it runs. They only read it: an error path never writes the
//! session (no renewal, no new token).

use actix_session::{Session, SessionExt};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use tera::Context;

use super::templates;
use crate::auth::session;

tokio::task_local! {
    /// The session of the request being answered, for its error pages' header.
    static SESSION: Session;
}

/// Middleware inside the gate (so a session the gate ended is not shown): pages rendered
/// while the request runs, error pages included, can read who is signed in.
pub async fn session_for_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let session = req.get_session();
    let response = SESSION.scope(session, next.call(req)).await?;
    Ok(response.map_into_boxed_body())
}

/// Outermost but for the security headers and the request log: an `Err` out of a middleware
/// (the session store failing to load a session, say) reaches actix's dispatcher, which sends
/// the error's own response, past `DefaultHeaders`: a bare 500 with no security headers and
/// no log line. Here it becomes a page carrying those headers: an `AppError` its own page,
/// anything else (such an error is a store that did not answer) the 503 page, logged once.
/// It stays an `Err` (with that response) because an `HttpRequest` cannot be kept aside while
/// the router still needs the only copy.
pub async fn no_bare_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let headers = req
        .app_data::<actix_web::web::Data<super::headers::SecurityHeaders>>()
        .cloned();
    match next.call(req).await {
        Ok(response) => Ok(response.map_into_boxed_body()),
        Err(e) => {
            let mut page = match e.as_error::<AppError>() {
                Some(app) => app.error_response(),
                None => {
                    tracing::error!(
                        status = e.as_response_error().status_code().as_u16(),
                        "a middleware failed (session store unavailable?); answering 503"
                    );
                    AppError::Unavailable("session store unavailable".into()).error_response()
                }
            };
            if let Some(headers) = headers {
                headers.apply(&mut page);
            }
            Err(actix_web::error::InternalError::from_response(e.to_string(), page).into())
        }
    }
}

/// A database that did not answer, dropped the connection, was stopped by an operator, ran
/// out of room or was locked: the 503 page ("try again"), not the 500 one. A query that does
/// not fit the schema or its data is our bug: the 500 page.
fn database_unavailable(e: &sqlx::Error) -> bool {
    !matches!(
        e,
        sqlx::Error::RowNotFound
            | sqlx::Error::ColumnNotFound(_)
            | sqlx::Error::ColumnIndexOutOfBounds { .. }
            | sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::Decode(_)
            | sqlx::Error::TypeNotFound { .. }
            | sqlx::Error::Configuration(_)
    )
}

/// Whether an internal error is, somewhere in its causes, a database that did not answer.
fn caused_by_unavailable_database(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<sqlx::Error>()
            .is_some_and(database_unavailable)
    })
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden")]
    Forbidden,
    /// A 403 page that says why, in words looked up (in the request's language) where it was
    /// made: e.g. a proxy's grant whose people changed (#29).
    #[error("forbidden: {title}")]
    ForbiddenBecause { title: String, message: String },
    #[error("not found")]
    NotFound,
    /// A sign-in that did not succeed. `code` is our short reason (logged and shown),
    /// `b2c_code` the AADB2C code when the identity provider sent one.
    #[error("sign-in failed: {code}")]
    SignIn {
        code: &'static str,
        b2c_code: Option<String>,
        message: String,
    },
    /// Not an error for the user: the request belongs elsewhere (e.g. `/activate`).
    #[error("redirect to {0}")]
    Redirect(String),
    /// A clinician outside the care team: a 403 page that offers break-the-glass.
    #[error("outside the care team")]
    BreakGlassOffer(String),
    #[error("too many requests")]
    TooManyRequests,
    /// Too many requests, and when to try again (the `Retry-After` header, in seconds).
    #[error("too many requests; retry after {0} s")]
    RateLimited(u64),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The audit trail's one failure policy (see `audit`): no audit entry, no page. Logged by Display (no values), once here.
impl From<crate::audit::AuditError> for AppError {
    fn from(e: crate::audit::AuditError) -> Self {
        tracing::error!(error = %e, "audit entry not committed; answering 503");
        AppError::Unavailable("audit store unavailable".into())
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl AppError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        AppError::BadRequest(message.into())
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden | AppError::ForbiddenBecause { .. } => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::SignIn { .. } => StatusCode::BAD_REQUEST,
            AppError::TooManyRequests | AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Redirect(_) => StatusCode::FOUND,
            AppError::BreakGlassOffer(_) => StatusCode::FORBIDDEN,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(e) if caused_by_unavailable_database(e) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut ctx = Context::new();
        if let AppError::Redirect(to) = self {
            return HttpResponse::Found()
                .insert_header(("Location", to.as_str()))
                .finish();
        }
        // Titles and sentences from the message files, in the request's language (#31).
        // The text a `BadRequest` or `SignIn` carries was looked up where it was made.
        let lang = crate::i18n::current();
        let tr = |key: &str| crate::i18n::tr(lang, key);
        let (title, message) = match self {
            AppError::BadRequest(m) => (tr("error-bad-request-title"), m.clone()),
            AppError::Forbidden => (tr("error-forbidden-title"), tr("error-forbidden")),
            AppError::ForbiddenBecause { title, message } => (title.clone(), message.clone()),
            AppError::NotFound => (tr("error-not-found-title"), tr("error-not-found")),
            AppError::SignIn {
                message,
                code,
                b2c_code,
            } => {
                ctx.insert("reason", code);
                if let Some(b2c) = b2c_code {
                    ctx.insert("b2c_code", b2c);
                }
                (tr("error-sign-in-title"), message.clone())
            }
            AppError::Redirect(_) => (String::new(), String::new()),
            AppError::BreakGlassOffer(patient_id) => {
                ctx.insert("break_glass_patient", patient_id);
                (
                    tr("error-not-on-care-team-title"),
                    tr("error-not-on-care-team"),
                )
            }
            AppError::TooManyRequests | AppError::RateLimited(_) => {
                (tr("error-too-many-title"), tr("error-too-many"))
            }
            AppError::Unavailable(cause) => {
                tracing::error!(cause = %cause, "service unavailable");
                (tr("error-unavailable-title"), tr("error-unavailable"))
            }
            AppError::Internal(e) if caused_by_unavailable_database(e) => {
                tracing::error!(error = %format!("{e:#}"), "database unavailable; answering 503");
                (tr("error-unavailable-title"), tr("error-unavailable"))
            }
            AppError::Internal(e) => {
                // The cause chain's Display, not Debug: a database error's Debug carries the
                // offending values (e.g. "Key (mrn)=(…) already exists"), which are PHI.
                tracing::error!(error = %format!("{e:#}"), "internal error");
                (tr("error-internal-title"), tr("error-internal"))
            }
        };
        let mut resp = error_page(status, &title, &message, ctx);
        if status == StatusCode::TOO_MANY_REQUESTS {
            let secs = match self {
                AppError::RateLimited(secs) => (*secs).max(1),
                _ => 60,
            };
            resp.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(secs),
            );
        }
        resp
    }
}

pub fn error_page(
    status: StatusCode,
    title: &str,
    message: &str,
    mut ctx: Context,
) -> HttpResponse {
    if !ctx.contains_key("user_name") {
        // Read when the page is rendered, so a session ended by this request shows no one.
        let _ = SESSION.try_with(|s| {
            if let Some(user) = session::user(s) {
                super::page::insert_header(&mut ctx, &user, s);
            }
        });
    }
    ctx.insert("status", &status.as_u16());
    ctx.insert("title", title);
    ctx.insert("message", message);
    templates::page(status, "error.html", &ctx)
}

/// The app's default service: an unknown route under a valid session.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_that_does_not_answer_is_a_503_and_a_query_bug_a_500() {
        for unavailable in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
            sqlx::Error::Protocol("connection closed".into()),
        ] {
            let text = unavailable.to_string();
            assert_eq!(
                AppError::from(unavailable).status_code(),
                StatusCode::SERVICE_UNAVAILABLE,
                "{text}"
            );
        }
        // Wrapped in context, as `?` into anyhow leaves it.
        let wrapped = anyhow::Error::from(sqlx::Error::PoolTimedOut).context("loading the chart");
        assert_eq!(
            AppError::Internal(wrapped).status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            AppError::from(sqlx::Error::RowNotFound).status_code(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            AppError::Internal(anyhow::anyhow!("a bug")).status_code(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
