//! Structured logs through `tracing`. The root span of each request records the method, the
//! path WITHOUT its query string (the reply URL carries `code` and `state`), the request id
//! and the status: never a header, cookie, token or query.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::Error;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    // Logs go to stderr: stdout is what a command prints for the operator (an activation
    // code, an app's client id), so a log line never ends up in a script's variable.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

pub struct PathOnlySpan;

/// A path as the log may hold it. A SMART Health Link's manifest address ends in the link's id,
/// and a download address in a one-time token (#30): each is half of a secret, so the log keeps
/// the route and not that segment.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.strip_prefix("/shl/") {
        Some(rest) if rest.starts_with("file/") => "/shl/file/[redacted]".into(),
        Some(_) => "/shl/[redacted]".into(),
        None => path.into(),
    }
}

impl RootSpanBuilder for PathOnlySpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        use actix_web::HttpMessage;
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %loggable_path(request.path()),
            request_id = %request_id,
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        match outcome {
            Ok(response) => {
                span.record("status", response.status().as_u16());
                tracing::info!(parent: &span, status = response.status().as_u16(), "request done");
            }
            Err(_) => DefaultRootSpanBuilder::on_request_end(span, outcome),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn a_share_links_id_and_download_token_stay_out_of_the_log() {
        assert_eq!(loggable_path("/shl/AbC-123_x"), "/shl/[redacted]");
        assert_eq!(loggable_path("/shl/file/AbC-123_x"), "/shl/file/[redacted]");
        assert_eq!(loggable_path("/share/new"), "/share/new");
        assert_eq!(loggable_path("/records/labs"), "/records/labs");
    }
}
