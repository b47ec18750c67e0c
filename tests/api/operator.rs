//! Commands an operator runs beside the portal: `patient-portal activation issue --mrn MRN`.

use crate::support::*;

fn issue(app: &TestApp, mrn: &str) -> std::process::Output {
    app.portal_command()
        .args(["activation", "issue", "--mrn", mrn])
        .output()
        .unwrap()
}

#[tokio::test]
async fn an_operator_issues_a_code_that_links_the_patient_and_is_audited() {
    let app = spawn_app().await;
    let record = &patient_portal::demo::demo_patients(1, 31, today())[0];
    let patient_id = app.seed(record).await;

    let out = issue(&app, &record.patient.mrn.value);

    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let code = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(code.len(), 14, "the code alone on stdout: {code:?}");
    let rows = app.audit_rows().await;
    let issued: Vec<_> = rows
        .iter()
        .filter(|r| r.0 == "activation_code_issued")
        .collect();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].2.as_deref(), Some(patient_id.as_str()));
    assert!(issued[0].3.as_deref().unwrap_or("").starts_with("code_id="));
    assert!(
        !rows
            .iter()
            .any(|r| r.3.as_deref().unwrap_or("").contains(&code)),
        "the code itself is never audited"
    );
    let role: String = sqlx::query_scalar(
        "SELECT actor_role FROM audit_log WHERE action = 'activation_code_issued'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(role, "operator");

    let b = app.browser();
    app.sign_in_as(&b, &PATIENT_A).await;
    let resp = try_link(&app, &b, &code, &record.patient.birth_date.to_string()).await;
    assert_redirect_to(&resp, "/home");
    assert_eq!(app.get(&b, "/records").await.status(), 200);
}

#[tokio::test]
async fn no_code_for_an_unknown_mrn_or_a_linked_record() {
    let app = spawn_app().await;
    let record = &patient_portal::demo::demo_patients(1, 32, today())[0];
    let patient_id = app.seed(record).await;
    app.link(&patient_id, &PATIENT_A).await;

    let unknown = issue(&app, "MRN-NOBODY");
    let linked = issue(&app, &record.patient.mrn.value);

    for out in [unknown, linked] {
        assert_eq!(out.status.code(), Some(1));
        assert!(out.stdout.is_empty(), "no code printed");
    }
    let codes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM activation_codes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(codes, 0);
}

#[tokio::test]
async fn without_its_audit_entry_the_code_is_neither_shown_nor_usable() {
    let app = spawn_app().await;
    let record = &patient_portal::demo::demo_patients(1, 33, today())[0];
    app.seed(record).await;
    // The audit store refuses every new entry.
    sqlx::query(
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(FAIL, 'disk full'); END",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    let out = issue(&app, &record.patient.mrn.value);

    assert_ne!(out.status.code(), Some(0));
    assert!(
        out.stdout.is_empty(),
        "no code printed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let usable: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM activation_codes WHERE revoked_at IS NULL AND used_at IS NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(usable, 0, "the unaudited code was revoked");
}
