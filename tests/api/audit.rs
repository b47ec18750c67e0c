//! The audit trail: tamper-evident, written before data leaves, whole under concurrency.

use sqlx::Row;

use crate::support::*;

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

async fn linked_patient(app: &TestApp) -> (Browser, String) {
    let record = &patient_portal::records::demo::demo_patients(1, 7, today())[0];
    let id = app.seed(record).await;
    app.link(&id, &PATIENT_A).await;
    let b = app.browser();
    app.sign_in_as(&b, &PATIENT_A).await;
    (b, id)
}

fn verify(app: &TestApp) -> (i32, String) {
    let out = portal_command(&app.data_dir)
        .args(["audit", "verify"])
        .env("PORTAL_DATA_DIR", &app.data_dir)
        .env(
            "DATABASE_URL",
            format!(
                "sqlite://{}?mode=rwc",
                app.data_dir.join("portal.sqlite").display()
            ),
        )
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
    )
}

#[tokio::test]
async fn a_hundred_concurrent_views_leave_a_whole_chain() {
    let app = spawn_app().await;
    let (b, patient_id) = linked_patient(&app).await;
    let before = app.audit_rows().await.len();
    let requests = (0..100).map(|_| b.client.get(app.url("/records/access-log")).send());
    let responses = futures_util::future::join_all(requests).await;
    for r in responses {
        assert_eq!(r.unwrap().status(), 200);
    }
    let rows = app.audit_rows().await;
    assert_eq!(rows.len(), before + 100, "exactly one entry per view");
    assert!(rows[before..]
        .iter()
        .all(|r| r.0 == "view_access_log" && r.2.as_deref() == Some(patient_id.as_str())));
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("{} entries", rows.len())), "{out}");
}

async fn chain_of_five(app: &TestApp) {
    let (b, _) = linked_patient(app).await;
    for _ in 0..4 {
        assert_eq!(app.get(&b, "/records/access-log").await.status(), 200);
    }
    assert_eq!(verify(app).0, 0);
}

#[tokio::test]
async fn an_edited_entry_is_caught_at_that_entry() {
    let app = spawn_app().await;
    chain_of_five(&app).await;
    sqlx::query("UPDATE audit_log SET actor_subject = 'someone-else' WHERE seq = 3")
        .execute(&app.pool)
        .await
        .unwrap();
    let (code, out) = verify(&app);
    assert_eq!(code, 1);
    assert!(out.contains("entry 3"), "{out}");
}

#[tokio::test]
async fn a_deleted_entry_is_caught() {
    let app = spawn_app().await;
    chain_of_five(&app).await;
    sqlx::query("DELETE FROM audit_log WHERE seq = 2")
        .execute(&app.pool)
        .await
        .unwrap();
    let (code, out) = verify(&app);
    assert_eq!(code, 1);
    assert!(out.contains("entry 2"), "{out}");
}

#[tokio::test]
async fn deleting_the_newest_entry_is_caught() {
    let app = spawn_app().await;
    chain_of_five(&app).await;
    sqlx::query("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
        .execute(&app.pool)
        .await
        .unwrap();
    let (code, out) = verify(&app);
    assert_eq!(code, 1, "{out}");
}

#[tokio::test]
async fn swapped_entries_are_caught() {
    let app = spawn_app().await;
    chain_of_five(&app).await;
    // Swap the positions of entries 2 and 3, rows otherwise intact.
    for (from, to) in [(2, -2), (3, 2), (-2, 3)] {
        sqlx::query("UPDATE audit_log SET seq = $1 WHERE seq = $2")
            .bind(to)
            .bind(from)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    let (code, out) = verify(&app);
    assert_eq!(code, 1);
    assert!(out.contains("entry 2"), "{out}");
}

#[tokio::test]
async fn a_record_page_is_refused_when_the_audit_store_fails() {
    let app = spawn_app().await;
    let (b, _) = linked_patient(&app).await;
    assert_eq!(app.get(&b, "/records/access-log").await.status(), 200);
    sqlx::query("ALTER TABLE audit_log RENAME TO audit_log_away")
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = app.get(&b, "/records/access-log").await;
    assert_eq!(resp.status(), 503);
    let body = resp.text().await.unwrap();
    assert!(body.contains("unavailable"), "a styled 503 page");
    assert!(!body.contains("Who looked"), "no record data");
    sqlx::query("ALTER TABLE audit_log_away RENAME TO audit_log")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(app.get(&b, "/records/access-log").await.status(), 200);
}

#[tokio::test]
async fn entries_hold_no_names_emails_or_tokens() {
    let app = spawn_app().await;
    let (b, _) = linked_patient(&app).await;
    app.get(&b, "/records/access-log").await;
    let record = &patient_portal::records::demo::demo_patients(1, 7, today())[0];
    let rows = sqlx::query("SELECT actor_subject, actor_role, action, patient_id, outcome, detail, request_id, client_ip FROM audit_log")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let text: Vec<String> = (0..8)
            .map(|i| {
                row.try_get::<Option<String>, _>(i)
                    .ok()
                    .flatten()
                    .unwrap_or_default()
            })
            .collect();
        let text = text.join("|");
        for secret in [
            PATIENT_A.name,
            "alex.patient@example.com",
            record.patient.family.as_str(),
            record.patient.mrn.value.as_str(),
        ] {
            assert!(!text.contains(secret), "{text}");
        }
        let request_id: Option<String> = row.try_get(6).unwrap();
        assert!(request_id.is_some(), "every entry names its request");
    }
}

#[tokio::test]
async fn the_patient_sees_who_looked_and_can_download_it_as_audit_events() {
    let app = spawn_app().await;
    let (b, patient_id) = linked_patient(&app).await;
    app.add_to_care_team(&patient_id, &CLINICIAN).await;
    sqlx::query("INSERT INTO clinicians (subject, display_name, email, email_lower, first_seen) VALUES ($1, 'Dr Casey Clinician', NULL, NULL, 0)")
        .bind(CLINICIAN.subject)
        .execute(&app.pool)
        .await
        .unwrap();
    let c = app.browser();
    app.sign_in_as(&c, &CLINICIAN).await;
    assert_eq!(
        app.get(&c, &format!("/staff/patients/{patient_id}/access-log"))
            .await
            .status(),
        200
    );

    let page = app
        .get(&b, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Casey Clinician"), "the clinician is named");
    assert!(page.contains("You"), "the patient's own views say You");

    let resp = app.get(&b, "/records/access-log/export").await;
    assert_eq!(resp.status(), 200);
    assert!(resp
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("attachment"));
    let body = resp.bytes().await.unwrap();
    // CI validates the AuditEvents with fhir.resources (see .ci/run).
    if let Some(dir) = std::env::var_os("FHIR_EXPORT_DIR") {
        std::fs::write(std::path::Path::new(&dir).join("access-log.json"), &body).unwrap();
    }
    let bundle: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    let events = bundle["entry"].as_array().unwrap();
    assert!(events.len() >= 2);
    assert!(events
        .iter()
        .all(|e| e["resource"]["resourceType"] == "AuditEvent"));

    // Another patient cannot read it.
    let other = app.browser();
    app.sign_in_as(&other, &PATIENT_B).await;
    let resp = app.get(&other, "/records/access-log").await;
    assert_eq!(
        resp.status(),
        302,
        "an unlinked patient is sent to /activate"
    );
}

#[tokio::test]
async fn the_client_address_comes_from_the_socket_unless_a_proxy_is_configured() {
    let app = spawn_app().await;
    let (b, _) = linked_patient(&app).await;
    let resp = b
        .client
        .get(app.url("/records/access-log"))
        .header("X-Forwarded-For", "203.0.113.7")
        .header("Forwarded", "for=203.0.113.7")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let ip: Option<String> =
        sqlx::query("SELECT client_ip FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap()
            .get(0);
    assert_eq!(
        ip.as_deref(),
        Some("127.0.0.1"),
        "a forged forwarding header is ignored"
    );
}

#[tokio::test]
async fn absurd_page_numbers_get_a_page_not_a_crash() {
    let app = spawn_app().await;
    let (b, _) = linked_patient(&app).await;
    for page in ["9223372036854775807", "-9223372036854775808", "0"] {
        let resp = b
            .client
            .get(app.url(&format!("/records/access-log?page={page}")))
            .send()
            .await
            .expect("an answer, not a dropped connection");
        assert_eq!(resp.status(), 200, "page={page}");
    }
    let resp = app.get(&b, "/records/access-log?page=lots").await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("Patient portal"));
}
