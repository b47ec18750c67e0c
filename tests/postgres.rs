//! The same storage, sessions and audit chain on PostgreSQL.
//!
//! Needs PORTAL_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test); each test
//! creates its own fresh database there. Without the variable the tests say so and do nothing,
//! so `cargo test` passes on a laptop without PostgreSQL; with CI=true a missing variable or an
//! unreachable server fails the run.

#[path = "api/support.rs"]
mod support;

use sqlx::Row;
use support::*;

static CLEANED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// A fresh, empty database for one test, or None (with a message) off CI without PostgreSQL.
async fn fresh_database() -> Option<String> {
    let admin = match std::env::var("PORTAL_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("CI must run the PostgreSQL tests: set PORTAL_TEST_POSTGRES_URL");
            }
            eprintln!("PostgreSQL tests not run here: PORTAL_TEST_POSTGRES_URL is not set");
            return None;
        }
    };
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at PORTAL_TEST_POSTGRES_URL: {e}"));
    // Databases left by earlier runs go once per run (this process's own are made after).
    CLEANED
        .get_or_init(|| async {
            let old = sqlx::query(
                "SELECT CAST(datname AS TEXT) FROM pg_database WHERE datname LIKE 'portal\\_test\\_%'",
            )
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
            for row in old {
                let name: String = row.get(0);
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&pool)
                    .await;
            }
        })
        .await;
    let name = format!("portal_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .expect("create database");
    let mut url = url::Url::parse(&admin).expect("PORTAL_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

#[tokio::test]
async fn records_import_idempotently_on_postgres() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let pool = patient_portal::db::connect(&url)
        .await
        .expect("migrations apply on PostgreSQL");
    let records = patient_portal::records::demo::demo_patients(2, 11, today());
    let (first, counts) = patient_portal::records::store::save_record(&pool, &records[0])
        .await
        .unwrap();
    let (again, _) = patient_portal::records::store::save_record(&pool, &records[0])
        .await
        .unwrap();
    assert_eq!(first, again, "the same patient keeps its id");
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM observations WHERE patient_id = $1")
        .bind(&first)
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        n as usize, counts.observations,
        "importing twice changes nothing"
    );
    // The kinds of migration 0006, read back in the pages' order.
    for (table, expected) in [
        ("procedures", counts.procedures),
        ("care_plans", counts.care_plans),
        ("goals", counts.goals),
        ("diagnostic_reports", counts.reports),
        ("imaging_studies", counts.imaging_studies),
    ] {
        let rows = sqlx::query(&format!(
            "SELECT item FROM {table} WHERE patient_id = $1 \
             ORDER BY occurred_at IS NULL, occurred_at DESC, fhir_id"
        ))
        .bind(&first)
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(rows.len(), expected, "{table}");
    }
    assert!(counts.procedures > 0 && counts.care_plans > 0 && counts.reports > 0);
    let patients: i64 = sqlx::query("SELECT COUNT(*) FROM patients")
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(patients, 1);
}

#[tokio::test]
async fn concurrent_appends_from_two_instances_leave_one_chain() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let a = patient_portal::db::connect(&url).await.unwrap();
    let b = patient_portal::db::connect(&url).await.unwrap();
    let entry = |i: usize| patient_portal::audit::Entry {
        actor: patient_portal::audit::Actor {
            subject: Some(format!("subject-{i}")),
            role: "patient".into(),
        },
        action: patient_portal::audit::Action::ViewRecord,
        patient_id: Some("p".into()),
        outcome: patient_portal::audit::Outcome::Success,
        detail: Some("summary".into()),
        request_id: None,
        client_ip: None,
    };
    let writes = (0..100).map(|i| {
        let pool = if i % 2 == 0 { a.clone() } else { b.clone() };
        let e = entry(i);
        tokio::spawn(async move { patient_portal::audit::append(&pool, &e).await })
    });
    for w in futures_util::future::join_all(writes).await {
        w.unwrap().expect("append");
    }
    assert_eq!(
        patient_portal::audit::verify(&a).await.unwrap(),
        patient_portal::audit::Verification::Whole { entries: 100 }
    );
}

#[tokio::test]
async fn the_portal_signs_in_and_audits_on_postgres() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let app = spawn_app_with(Options {
        database_url: Some(url),
        ..Default::default()
    })
    .await;
    let record = &patient_portal::records::demo::demo_patients(1, 3, today())[0];
    let id = app.seed(record).await;
    app.link(&id, &PATIENT_A).await;
    let b = app.browser();
    app.sign_in_as(&b, &PATIENT_A).await;
    let views = (0..50).map(|_| b.client.get(app.url("/records/access-log")).send());
    for r in futures_util::future::join_all(views).await {
        assert_eq!(r.unwrap().status(), 200);
    }
    assert!(matches!(
        patient_portal::audit::verify(&app.pool).await.unwrap(),
        patient_portal::audit::Verification::Whole { .. }
    ));
    // Sign-out revokes the session in the PostgreSQL store too.
    let page = assert_signed_in(&app, &b).await;
    let resp = b
        .client
        .post(app.url("/signout"))
        .form(&[("csrf_token", csrf_in(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_signed_out(&app, &b).await;
}
