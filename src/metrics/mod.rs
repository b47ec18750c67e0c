//! Figures an on-call engineer reads, in Prometheus' text format: requests and latency by
//! route, audit batches, database pool, mail queue, sign-in refusals, readiness, build.
//!
//! Never public. The text is served only on a listener of its own, `PORTAL_METRICS_LISTEN`
//! (plain HTTP, meant for loopback or a private network), never on the portal's listener;
//! with `PORTAL_METRICS_TOKEN` set a scraper must also send it as a bearer token, and a
//! listener on any address other than loopback refuses to start without one. Unset: no
//! listener, and no figures are kept at all.
//!
//! What a label may carry: a value from a short list fixed here or in the code that calls
//! (a route *pattern* such as `/staff/patients/{id}`, a method, a status class, a reason code).
//! Never a path as requested, an id, a name, an address, a token: nothing a request supplies.
//! Functions below take `&'static str` for labels so that a request's text cannot become one.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub mod endpoint;

pub const HTTP_REQUESTS: &str = "portal_http_requests_total";
pub const HTTP_DURATION: &str = "portal_http_request_duration_seconds";
pub const AUDIT_BATCH_ENTRIES: &str = "portal_audit_batch_entries";
pub const AUDIT_BATCH_SECONDS: &str = "portal_audit_batch_seconds";
pub const AUDIT_BATCHES: &str = "portal_audit_batches_total";
pub const AUDIT_ENTRY_WAIT: &str = "portal_audit_entry_wait_seconds";
pub const DB_ACQUIRE: &str = "portal_db_acquire_seconds";
pub const DB_CONNECTIONS: &str = "portal_db_pool_connections";
pub const MAIL_QUEUE: &str = "portal_mail_queue_depth";
pub const MAIL_OLDEST: &str = "portal_mail_queue_oldest_seconds";
pub const MAIL_SENT: &str = "portal_mail_sent_total";
pub const MAIL_FAILURES: &str = "portal_mail_send_failures_total";
pub const SIGNIN_REFUSALS: &str = "portal_signin_refusals_total";
pub const READY: &str = "portal_ready";
pub const BUILD_INFO: &str = "portal_build_info";

/// The commit the binary was built from, when the build set `PORTAL_GIT_COMMIT`
/// (`PORTAL_GIT_COMMIT=$(git rev-parse --short HEAD) cargo build --release`).
pub(crate) const GIT_COMMIT: &str = match option_env!("PORTAL_GIT_COMMIT") {
    Some(commit) => commit,
    None => "unknown",
};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's recorder once (later calls, e.g. a second portal in one test
/// process, share it). Before this, every figure below is a no-op.
pub(crate) fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            // Latency buckets from 5 ms to 10 s: a page is fast, the audit waits up to 5 s.
            let seconds = [
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ];
            let entries = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &seconds)
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full(AUDIT_BATCH_ENTRIES.into()), &entries)
                })
                .and_then(|b| b.install_recorder());
            match handle {
                Ok(handle) => {
                    describe();
                    // Histograms are drained into their buckets by upkeep: a thread, not a
                    // task, so it outlives whichever runtime started the first portal.
                    let upkeep = handle.clone();
                    std::thread::Builder::new()
                        .name("metrics-upkeep".into())
                        .spawn(move || loop {
                            std::thread::sleep(Duration::from_secs(5));
                            upkeep.run_upkeep();
                        })
                        .ok();
                    Some(handle)
                }
                Err(e) => {
                    tracing::error!(error = %e, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

/// The HELP lines, and the series an alert watches for a first increase: a counter that
/// appears only at its first failure would show `increase()` nothing.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        HTTP_REQUESTS,
        "Requests by route pattern, method and status class."
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to the response head, by route pattern."
    );
    describe_histogram!(AUDIT_BATCH_ENTRIES, "Audit entries committed per batch.");
    describe_histogram!(
        AUDIT_BATCH_SECONDS,
        Unit::Seconds,
        "Audit batch: connection wait and commit."
    );
    describe_counter!(
        AUDIT_BATCHES,
        "Audit batches by outcome; failed ones are 503s."
    );
    describe_histogram!(
        AUDIT_ENTRY_WAIT,
        Unit::Seconds,
        "A request's wait for its audit entry."
    );
    describe_histogram!(
        DB_ACQUIRE,
        Unit::Seconds,
        "Waits for a pooled database connection."
    );
    describe_gauge!(
        DB_CONNECTIONS,
        "Pooled database connections: idle, in use, max."
    );
    describe_gauge!(MAIL_QUEUE, "Notifications waiting to be sent.");
    describe_gauge!(
        MAIL_OLDEST,
        Unit::Seconds,
        "Age of the oldest waiting notification."
    );
    describe_counter!(MAIL_SENT, "Notifications delivered.");
    describe_counter!(
        MAIL_FAILURES,
        "Notifications not delivered, by failure class."
    );
    describe_counter!(SIGNIN_REFUSALS, "Refused sign-ins by reason code.");
    describe_gauge!(READY, "1 when ready (as /readyz), by check.");
    describe_gauge!(BUILD_INFO, "The running build.");
    for outcome in ["committed", "failed"] {
        metrics::counter!(AUDIT_BATCHES, "outcome" => outcome).increment(0);
    }
}

/// The status class of a response: `2xx` … `5xx`.
fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        // Extension methods are the client's text: one bucket for all of them.
        _ => "other",
    }
}

/// Middleware: counts each request and times it (to its response head) by route pattern,
/// method and status class. A path no route matches is `unmatched`, never the path itself.
pub async fn record_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if HANDLE.get().is_none() {
        // No metrics listener: nothing is recorded, nothing to compute.
        return next.call(req).await;
    }
    let started = Instant::now();
    let method = method_label(req.method());
    // The pattern the app's routes give this path (`/records/{section}`), never the path.
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let result = next.call(req).await;
    let status = match &result {
        Ok(res) => res.status().as_u16(),
        Err(e) => e.as_response_error().status_code().as_u16(),
    };
    let labels = [
        ("route", route),
        ("method", method.to_string()),
        ("status", status_class(status).to_string()),
    ];
    metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
    metrics::histogram!(HTTP_DURATION, &labels).record(started.elapsed());
    result
}

/// One audit batch: its size, how long it took (connection wait and commit), its outcome.
pub fn audit_batch(entries: usize, took: Duration, committed: bool) {
    let outcome = if committed { "committed" } else { "failed" };
    metrics::counter!(AUDIT_BATCHES, "outcome" => outcome).increment(1);
    metrics::histogram!(AUDIT_BATCH_ENTRIES).record(entries as f64);
    metrics::histogram!(AUDIT_BATCH_SECONDS, "outcome" => outcome).record(took);
}

/// How long one request waited for its audit entry to commit (queue, batch, commit).
pub fn audit_entry_wait(waited: Duration) {
    metrics::histogram!(AUDIT_ENTRY_WAIT).record(waited);
}

/// How long `user` (a fixed name: "audit") waited for a pooled connection.
pub fn db_acquire(user: &'static str, waited: Duration) {
    metrics::histogram!(DB_ACQUIRE, "user" => user).record(waited);
}

/// A notification handed to the mail server (`via`: smtp, outbox).
pub fn mail_sent(via: &'static str) {
    metrics::counter!(MAIL_SENT, "via" => via).increment(1);
}

/// A notification not delivered: the failure's class and whether it was given up.
pub fn mail_failed(class: &'static str, given_up: bool) {
    let given_up = if given_up { "true" } else { "false" };
    metrics::counter!(MAIL_FAILURES, "reason" => class, "given_up" => given_up).increment(1);
}

/// A refused sign-in, by the reason code of `auth::SignInRefusal`.
pub fn sign_in_refused(reason: &'static str) {
    metrics::counter!(SIGNIN_REFUSALS, "reason" => reason).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{metrics_settings as settings, Secret};
    use std::net::SocketAddr;

    fn portal() -> SocketAddr {
        "127.0.0.1:8443".parse().unwrap()
    }

    fn token(s: &str) -> Secret<String> {
        Secret::new(s.to_string())
    }

    const GOOD: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn unset_means_no_listener() {
        assert!(settings(None, None, portal()).unwrap().is_none());
        assert!(settings(Some(" "), None, portal()).unwrap().is_none());
    }

    #[test]
    fn loopback_needs_no_token_and_any_other_address_does() {
        let s = settings(Some("127.0.0.1:9464"), None, portal())
            .unwrap()
            .unwrap();
        assert_eq!(s.listen.port(), 9464);
        assert!(settings(Some("[::1]:9464"), None, portal())
            .unwrap()
            .is_some());
        let e = settings(Some("0.0.0.0:9464"), None, portal()).unwrap_err();
        assert_eq!(e.variable, "PORTAL_METRICS_TOKEN");
        assert!(settings(Some("0.0.0.0:9464"), Some(&token(GOOD)), portal())
            .unwrap()
            .is_some());
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (listen, tok, variable) in [
            (Some("localhost"), None, "PORTAL_METRICS_LISTEN"),
            (Some("127.0.0.1:8443"), None, "PORTAL_METRICS_LISTEN"),
            (None, Some(GOOD), "PORTAL_METRICS_TOKEN"),
            (
                Some("127.0.0.1:9464"),
                Some("short"),
                "PORTAL_METRICS_TOKEN",
            ),
            (
                Some("127.0.0.1:9464"),
                Some("0123456789abcdef 0123456789abcdef"),
                "PORTAL_METRICS_TOKEN",
            ),
        ] {
            let tok = tok.map(token);
            let e = settings(listen, tok.as_ref(), portal()).unwrap_err();
            assert_eq!(e.variable, variable, "{listen:?}");
            assert!(!e.problem.contains("short"), "the token is never repeated");
        }
    }

    #[test]
    fn labels_are_classes_not_values() {
        assert_eq!(status_class(204), "2xx");
        assert_eq!(status_class(503), "5xx");
        assert_eq!(
            method_label(&Method::from_bytes(b"PROPFIND").unwrap()),
            "other"
        );
    }
}
