//! The Prometheus metrics (#28): served only on PORTAL_METRICS_LISTEN (and with
//! PORTAL_METRICS_TOKEN, only to a scraper that sends it), never on the portal's listener;
//! counters that move with what users do, labelled by route pattern and reason code, never
//! by anything that names a patient.
//!
//! The recorder is one per process, and the other tests of this binary run beside these: a
//! counter may move more than this test moved it, never less.

use std::net::TcpListener;

use crate::support::{
    records, signed_in, signed_in_patient, spawn_app_with, Options, TestApp, CLINICIAN, PATIENT_A,
};

const TOKEN: &str = "metrics-token-0123456789abcdef0123456789";

/// A port free a moment ago, for the metrics listener (the test harness binds only the portal).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A portal with its metrics on a port of their own; returns the app and that port.
async fn app_with_metrics(token: Option<&str>) -> (TestApp, u16) {
    let port = free_port();
    let mut extra_args = vec![format!("--metrics-listen=127.0.0.1:{port}")];
    extra_args.extend(token.map(|t| format!("--metrics-token={t}")));
    let app = spawn_app_with(Options {
        extra_args,
        ..Default::default()
    })
    .await;
    (app, port)
}

async fn scrape_with(port: u16, bearer: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(format!("http://127.0.0.1:{port}/metrics"));
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

async fn scrape(port: u16) -> String {
    let resp = scrape_with(port, None).await;
    assert_eq!(
        resp.status(),
        200,
        "the metrics are served on their listener"
    );
    resp.text().await.unwrap()
}

/// The sum of a metric's series whose labels include every `labels` pair.
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .filter(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn the_metrics_are_not_on_the_public_listener_signed_in_or_not_token_or_not() {
    let (app, _) = app_with_metrics(Some(TOKEN)).await;
    let anonymous = app.browser();
    let patient = signed_in(&app, &PATIENT_A).await;
    for (who, b) in [("anonymous", &anonymous), ("signed in", &patient)] {
        for path in ["/metrics", "/metrics/"] {
            let resp = b
                .client
                .get(app.url(path))
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let body = resp.text().await.unwrap();
            assert_ne!(status, 200, "{who}: {path} is not served by the portal");
            assert!(
                !body.contains("portal_http_requests_total") && !body.contains("# TYPE"),
                "{who}: no figures on the portal's listener"
            );
            if who == "signed in" {
                assert_eq!(status, 404, "signed in: {path} is the not-found page");
            }
        }
    }
}

#[tokio::test]
async fn the_metrics_are_served_on_their_own_address_and_nothing_else_is() {
    let (_app, port) = app_with_metrics(None).await;
    let resp = scrape_with(port, None).await;
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = resp.text().await.unwrap();
    let build = format!(
        "portal_build_info{{version=\"{}\"",
        env!("CARGO_PKG_VERSION")
    );
    assert!(text.contains(&build), "build info: {text}");
    assert_eq!(value(&text, "portal_ready", &[("check", "database")]), 1.0);
    assert!(text.contains("portal_db_pool_connections{state=\"max\"}"));
    assert!(text.contains("portal_mail_queue_depth"));
    // Present before the first failure, so that an alert on its increase sees the first one.
    assert!(text.contains("portal_audit_batches_total{outcome=\"failed\"}"));
    assert!(text.contains("# HELP portal_audit_batches_total"));
    // The metrics listener serves the metrics only: not the portal's pages or probes.
    for path in ["/", "/readyz", "/signin", "/records"] {
        let resp = reqwest::get(format!("http://127.0.0.1:{port}{path}"))
            .await
            .unwrap();
        assert_eq!(resp.status(), 404, "{path} on the metrics listener");
    }
}

#[tokio::test]
async fn with_a_token_a_scraper_without_it_gets_401() {
    let (_app, port) = app_with_metrics(Some(TOKEN)).await;
    let missing = scrape_with(port, None).await;
    assert_eq!(missing.status(), 401);
    assert!(missing.headers().contains_key("www-authenticate"));
    assert!(!missing.text().await.unwrap().contains("portal_"));
    let wrong = scrape_with(port, Some(&format!("{TOKEN}x"))).await;
    assert_eq!(wrong.status(), 401);
    let right = scrape_with(port, Some(TOKEN)).await;
    assert_eq!(right.status(), 200);
    assert!(right.text().await.unwrap().contains("portal_build_info"));
}

#[tokio::test]
async fn page_views_and_refused_sign_ins_move_their_counters_by_route_pattern_and_reason() {
    let (app, port) = app_with_metrics(None).await;
    let record = &records(1)[0];
    let (patient, _) = signed_in_patient(&app, record, &PATIENT_A).await;
    let section = [
        ("route", "/records/{section}"),
        ("method", "GET"),
        ("status", "2xx"),
    ];
    let refused = [("reason", "state_unknown_or_replayed")];
    let before = scrape(port).await;

    for _ in 0..3 {
        assert_eq!(app.get(&patient, "/records/labs").await.status(), 200);
    }
    // A reply to the callback with no sign-in under way in this browser: refused.
    let stranger = app.browser();
    let resp = app
        .get(&stranger, "/signin-oidc?code=abc&state=never-issued")
        .await;
    assert_eq!(resp.status(), 400, "a reply without a sign-in is refused");

    let after = scrape(port).await;
    let views = value(&after, "portal_http_requests_total", &section)
        - value(&before, "portal_http_requests_total", &section);
    assert!(
        views >= 3.0,
        "three views of /records/labs counted: {views}"
    );
    assert!(
        value(
            &after,
            "portal_http_request_duration_seconds_count",
            &section
        ) >= value(
            &before,
            "portal_http_request_duration_seconds_count",
            &section
        ) + 3.0,
        "and timed"
    );
    let refusals = value(&after, "portal_signin_refusals_total", &refused)
        - value(&before, "portal_signin_refusals_total", &refused);
    assert!(refusals >= 1.0, "the refused sign-in counted by its reason");
    assert!(
        value(
            &after,
            "portal_http_requests_total",
            &[("route", "/signin-oidc"), ("status", "4xx")]
        ) >= 1.0
    );
    // Each page view waited for its audit entry, committed in a batch.
    assert!(value(&after, "portal_audit_entry_wait_seconds_count", &[]) >= 3.0);
    assert!(
        value(
            &after,
            "portal_audit_batches_total",
            &[("outcome", "committed")]
        ) >= 1.0
    );
    assert!(
        value(
            &after,
            "portal_db_acquire_seconds_count",
            &[("user", "audit")]
        ) >= 1.0
    );
}

#[tokio::test]
async fn no_label_names_a_patient_after_their_pages_were_viewed() {
    let (app, port) = app_with_metrics(None).await;
    let record = &records(1)[0];
    let (patient, id) = signed_in_patient(&app, record, &PATIENT_A).await;
    app.add_to_care_team(&id, &CLINICIAN).await;
    let clinician = signed_in(&app, &CLINICIAN).await;
    let p = &record.patient;
    for path in ["/home", "/records", "/records/labs", "/records/conditions"] {
        assert_eq!(app.get(&patient, path).await.status(), 200, "{path}");
    }
    for path in [
        format!("/staff/patients/{id}"),
        format!("/staff/patients/{id}/labs"),
        format!("/staff/patients/{id}/access-log"),
    ] {
        assert_eq!(app.get(&clinician, &path).await.status(), 200, "{path}");
    }
    // Addresses no route matches, carrying what names the patient.
    let names = format!("/staff/patients/{id}/nothing/{}", p.mrn.value);
    assert_eq!(app.get(&clinician, &names).await.status(), 404);
    let search = format!("/staff?q={}", p.family);
    app.get(&clinician, &search).await;

    let text = scrape(port).await;
    assert!(
        text.contains("route=\"/staff/patients/{id}\""),
        "the chart is labelled by its pattern"
    );
    assert!(text.contains("route=\"/staff/patients/{id}/{section}\""));
    for (what, value) in [
        ("id", id.as_str()),
        ("MRN", p.mrn.value.as_str()),
        ("family name", p.family.as_str()),
        ("given name", p.given.as_str()),
        ("FHIR id", p.fhir_id.as_str()),
    ] {
        assert!(
            !text.contains(value),
            "the patient's {what} ({value}) is in the metrics"
        );
    }
}

/// Stores a mail queued `age_secs` ago and not due for a day (so the sender leaves it waiting).
async fn queue_old_mail(app: &TestApp, age_secs: i64) {
    let now = chrono::Utc::now().timestamp();
    sqlx::query(
        "INSERT INTO notification_queue (id, kind, recipient, link, created_at, next_attempt_at) \
         VALUES ($1, 'new_message', 'someone@example.com', '/messages', $2, $3)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(now - age_secs)
    .bind(now + 86_400)
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn mail_queue_figures_are_read(database_url: Option<String>, age_secs: i64) {
    let port = free_port();
    let app = spawn_app_with(Options {
        database_url,
        extra_args: vec![format!("--metrics-listen=127.0.0.1:{port}")],
        ..Default::default()
    })
    .await;
    queue_old_mail(&app, age_secs).await;
    let text = scrape(port).await;
    // The gauges are the process's; this age is this test's alone.
    assert!(value(&text, "portal_mail_queue_depth", &[]) >= 1.0);
    let oldest = value(&text, "portal_mail_queue_oldest_seconds", &[]);
    assert!(
        (age_secs as f64..age_secs as f64 + 60.0).contains(&oldest),
        "the oldest waiting mail is {age_secs} s old: {oldest}"
    );
    assert!(
        !text.contains("someone@example.com"),
        "no recipient in the metrics"
    );
}

#[tokio::test]
async fn the_mail_queue_is_measured_on_sqlite_and_postgresql() {
    mail_queue_figures_are_read(None, 7 * 86_400).await;
    let Some(pg) = crate::support::Postgres::connect("PostgreSQL metrics test").await else {
        return;
    };
    let (name, url) = pg.create_database("portal_metrics").await;
    mail_queue_figures_are_read(Some(url), 9 * 86_400).await;
    pg.drop_database(&name).await;
}

#[tokio::test]
async fn sign_ins_refused_by_the_rate_limit_are_counted_by_their_reason() {
    let port = free_port();
    let app = spawn_app_with(Options {
        extra_args: vec![
            format!("--metrics-listen=127.0.0.1:{port}"),
            "--signin-per-minute=1".into(),
        ],
        ..Default::default()
    })
    .await;
    let limited = [("reason", "signin_rate_limited")];
    let before = value(
        &scrape(port).await,
        "portal_signin_refusals_total",
        &limited,
    );
    // Three starts from one address: at most one minute boundary falls between them, so at
    // least one is refused whatever the clock says.
    let b = app.browser();
    let mut refused = 0.0;
    for _ in 0..3 {
        if app.get(&b, "/signin").await.status() == 429 {
            refused += 1.0;
        }
    }
    assert!(refused >= 1.0);
    let after = value(
        &scrape(port).await,
        "portal_signin_refusals_total",
        &limited,
    );
    assert!(after - before >= refused, "{refused} refusals counted");
}
