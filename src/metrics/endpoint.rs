//! The metrics listener: `GET /metrics` in Prometheus' text format on `PORTAL_METRICS_LISTEN`,
//! behind `PORTAL_METRICS_TOKEN` when set, and the figures read at each scrape (readiness, the
//! pool, the mail queue). Apart from the recording in `metrics` itself, which the audit writer
//! and the mail sender call and which therefore imports none of them.

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{install, BUILD_INFO, DB_CONNECTIONS, GIT_COMMIT, MAIL_OLDEST, MAIL_QUEUE, READY};
use crate::config::MetricsSettings;
use crate::db::Pool;

/// Figures read when scraped rather than counted as they happen: readiness, the pool, the
/// mail queue, build info. A figure whose query fails is left out of this scrape, not
/// reported as zero; readiness then says the database is unreachable.
async fn sample(pool: &Pool) {
    let database = crate::db::ping(pool).await;
    let audit = database && crate::audit::readiness(pool).await.is_ok();
    metrics::gauge!(READY).set(f64::from(u8::from(database && audit)));
    metrics::gauge!(READY, "check" => "database").set(f64::from(u8::from(database)));
    metrics::gauge!(READY, "check" => "audit_writes").set(f64::from(u8::from(audit)));
    let size = pool.size();
    let idle = u32::try_from(pool.num_idle()).unwrap_or(size);
    metrics::gauge!(DB_CONNECTIONS, "state" => "idle").set(f64::from(idle));
    metrics::gauge!(DB_CONNECTIONS, "state" => "in_use").set(f64::from(size.saturating_sub(idle)));
    metrics::gauge!(DB_CONNECTIONS, "state" => "max")
        .set(f64::from(pool.options().get_max_connections()));
    if database {
        match crate::notifications::queue_figures(pool).await {
            Ok((depth, oldest)) => {
                metrics::gauge!(MAIL_QUEUE).set(depth as f64);
                let age = oldest.map_or(0, |created| crate::db::now().saturating_sub(created));
                metrics::gauge!(MAIL_OLDEST).set(age.max(0) as f64);
            }
            Err(e) => tracing::warn!(error = %e, "mail queue figures unavailable"),
        }
    }
    metrics::gauge!(
        BUILD_INFO,
        "version" => env!("CARGO_PKG_VERSION"),
        "commit" => GIT_COMMIT
    )
    .set(1.0);
}

struct Endpoint {
    pool: Pool,
    /// SHA-256 of the token: compared in constant time, whatever its length.
    token: Option<[u8; 32]>,
}

fn digest(value: &[u8]) -> [u8; 32] {
    Sha256::digest(value).into()
}

async fn scrape(req: HttpRequest, endpoint: web::Data<Endpoint>) -> HttpResponse {
    if let Some(expected) = &endpoint.token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| digest(t.trim().as_bytes()));
        let allowed = given.is_some_and(|g| bool::from(g.ct_eq(expected)));
        if !allowed {
            return HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .content_type("text/plain; charset=utf-8")
                .body("PORTAL_METRICS_TOKEN is required as a bearer token\n");
        }
    }
    let Some(handle) = install() else {
        return HttpResponse::ServiceUnavailable()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body("metrics recorder not installed\n");
    };
    sample(&endpoint.pool).await;
    handle.run_upkeep();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}

/// Starts recording and serves `GET /metrics` on `listener`; every other path is 404.
pub fn serve(
    settings: &MetricsSettings,
    listener: std::net::TcpListener,
    pool: Pool,
) -> anyhow::Result<Server> {
    install();
    let endpoint = web::Data::new(Endpoint {
        pool,
        token: settings
            .token
            .as_ref()
            .map(|t| digest(t.expose().as_bytes())),
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(endpoint.clone())
            .route("/metrics", web::get().to(scrape))
    })
    .workers(1)
    .listen(listener)?
    .run();
    Ok(server)
}
