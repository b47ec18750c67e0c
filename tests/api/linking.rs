//! Linking an account to a record with an activation code and the date of birth.

use sqlx::Row;

use crate::support::*;

/// A record with a code issued for it, and a signed-in patient without a record.
async fn setup(app: &TestApp, who: &Person) -> (Browser, String, String, String) {
    let record = &patient_portal::demo::demo_patients(1, 21, today())[0];
    let patient_id = app.seed(record).await;
    let issued = patient_portal::activation::issue(&app.pool, &patient_id, CLINICIAN.subject)
        .await
        .unwrap();
    let b = app.browser();
    app.sign_in_as(&b, who).await;
    (
        b,
        patient_id,
        issued.code,
        record.patient.birth_date.to_string(),
    )
}

async fn linked_subject(app: &TestApp, patient_id: &str) -> Option<String> {
    sqlx::query("SELECT b2c_subject FROM patients WHERE id = $1")
        .bind(patient_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn the_right_code_and_birth_date_link_the_account_once() {
    let app = spawn_app().await;
    let (b, patient_id, code, dob) = setup(&app, &PATIENT_A).await;
    let resp = app.get(&b, "/records").await;
    assert_redirect_to(&resp, "/activate");

    // Typed in lower case with spaces, as people do.
    let typed = code.to_lowercase().replace('-', " ");
    let resp = try_link(&app, &b, &typed, &dob).await;
    assert_redirect_to(&resp, "/home");
    assert_eq!(
        linked_subject(&app, &patient_id).await.as_deref(),
        Some(PATIENT_A.subject)
    );
    // The browser lands on the patient's home, which now has a record to show.
    assert_eq!(app.get(&b, "/home").await.status(), 200);
    assert_eq!(app.get(&b, "/records").await.status(), 200);
    // Coming back to the form once linked goes home too.
    assert_redirect_to(&app.get(&b, "/activate").await, "/home");
    // The address from the sign-in is kept from now on, for the notice of new results.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM notification_contacts \
             WHERE email = 'alex.patient@example.com' AND enabled = 1",
        )
        .await,
        1
    );

    // Single use: another account cannot take the same record with the same code.
    let other = app.browser();
    app.sign_in_as(&other, &PATIENT_B).await;
    let resp = try_link(&app, &other, &code, &dob).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        linked_subject(&app, &patient_id).await.as_deref(),
        Some(PATIENT_A.subject)
    );
    let used: Vec<String> = app.audit_rows().await.into_iter().map(|r| r.0).collect();
    assert_eq!(
        used.iter().filter(|a| *a == "activation_code_used").count(),
        1
    );
    assert_eq!(
        used.iter()
            .filter(|a| *a == "activation_code_failed")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_wrong_code_and_a_wrong_birth_date_get_the_same_answer() {
    let app = spawn_app().await;
    let (b, patient_id, code, _) = setup(&app, &PATIENT_A).await;
    let wrong_dob = try_link(&app, &b, &code, "1900-01-01").await;
    let wrong_code = try_link(&app, &b, "AAAA-BBBB-CCCC", "1900-01-01").await;
    assert_eq!(wrong_dob.status(), 400);
    assert_eq!(wrong_code.status(), 400);
    let message = |html: String| {
        let doc = scraper::Html::parse_document(&html);
        let sel = scraper::Selector::parse("[role=alert]").unwrap();
        doc.select(&sel)
            .next()
            .map(|e| e.text().collect::<String>())
            .unwrap_or_default()
    };
    let a = message(wrong_dob.text().await.unwrap());
    let b_msg = message(wrong_code.text().await.unwrap());
    assert!(!a.is_empty());
    assert_eq!(a, b_msg, "the answer does not say which was wrong");
    assert_eq!(linked_subject(&app, &patient_id).await, None);
}

#[tokio::test]
async fn five_wrong_birth_dates_lock_the_code() {
    let app = spawn_app().await;
    let (b, patient_id, code, dob) = setup(&app, &PATIENT_A).await;
    for _ in 0..5 {
        assert_eq!(try_link(&app, &b, &code, "1900-01-01").await.status(), 400);
    }
    let resp = try_link(&app, &b, &code, &dob).await;
    assert_eq!(resp.status(), 400, "locked even with the right date now");
    assert_eq!(linked_subject(&app, &patient_id).await, None);
}

#[tokio::test]
async fn an_expired_code_links_nothing() {
    let app = spawn_app().await;
    let (b, patient_id, code, dob) = setup(&app, &PATIENT_A).await;
    sqlx::query("UPDATE activation_codes SET expires_at = $1")
        .bind(chrono::Utc::now().timestamp() - 1)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(try_link(&app, &b, &code, &dob).await.status(), 400);
    assert_eq!(linked_subject(&app, &patient_id).await, None);
}

#[tokio::test]
async fn guessing_is_throttled_per_account() {
    let app = spawn_app().await;
    let (b, patient_id, code, dob) = setup(&app, &PATIENT_A).await;
    for i in 0..10 {
        let guess = format!("AAAA-BBBB-{i:04}");
        assert_eq!(try_link(&app, &b, &guess, &dob).await.status(), 400);
    }
    let resp = try_link(&app, &b, &code, &dob).await;
    assert_eq!(
        resp.status(),
        429,
        "too many wrong attempts from this account"
    );
    assert_eq!(linked_subject(&app, &patient_id).await, None);
}

#[tokio::test]
async fn activation_needs_the_csrf_token_and_a_patient_account() {
    let app = spawn_app().await;
    let (b, patient_id, code, dob) = setup(&app, &PATIENT_A).await;
    let resp = b
        .client
        .post(app.url("/activate"))
        .form(&[("code", code.as_str()), ("birth_date", dob.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(linked_subject(&app, &patient_id).await, None);

    let clinician = app.browser();
    app.sign_in_as(&clinician, &CLINICIAN).await;
    assert_eq!(app.get(&clinician, "/activate").await.status(), 403);
}

#[tokio::test]
async fn an_account_with_a_record_cannot_link_a_second_one() {
    let app = spawn_app().await;
    let (b, first, code, dob) = setup(&app, &PATIENT_A).await;
    assert_redirect_to(&try_link(&app, &b, &code, &dob).await, "/home");
    let second_record = &patient_portal::demo::demo_patients(2, 22, today())[1];
    let second = app.seed(second_record).await;
    let issued = patient_portal::activation::issue(&app.pool, &second, CLINICIAN.subject)
        .await
        .unwrap();
    let resp = try_link(
        &app,
        &b,
        &issued.code,
        &second_record.patient.birth_date.to_string(),
    )
    .await;
    assert_eq!(resp.status(), 409);
    assert_eq!(linked_subject(&app, &second).await, None);
    assert_eq!(
        linked_subject(&app, &first).await.as_deref(),
        Some(PATIENT_A.subject)
    );
}

/// Redeeming a code while another connection (the audit writer, another process) holds the
/// write lock waits its turn and links the account: a transaction that read before it wrote
/// could not wait, and failed at once with "database is locked".
#[tokio::test]
async fn redeeming_waits_for_another_writer_instead_of_failing() {
    use sqlx::Connection;
    let app = spawn_app().await;
    let (_b, patient_id, code, dob) = setup(&app, &PATIENT_A).await;
    let mut holder = app.holding_the_write_lock().await;

    let pool = app.pool.clone();
    let redeem = tokio::spawn(async move {
        patient_portal::activation::redeem(&pool, PATIENT_A.subject, &code, &dob).await
    });
    // The redemption is under way (waiting for the lock) while the other writer commits.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !redeem.is_finished(),
        "the redemption waits for the write lock"
    );
    sqlx::query("COMMIT").execute(&mut holder).await.unwrap();
    holder.close().await.unwrap();

    let redeemed = redeem.await.unwrap();
    assert!(
        matches!(
            redeemed,
            Ok(patient_portal::activation::Redeemed::Linked(_))
        ),
        "{redeemed:?}"
    );
    assert_eq!(
        linked_subject(&app, &patient_id).await.as_deref(),
        Some(PATIENT_A.subject)
    );
}

#[tokio::test]
async fn a_patient_sent_on_to_activation_is_not_logged_as_an_error() {
    let app = spawn_app().await;
    let (b, ..) = setup(&app, &PATIENT_A).await;

    assert_redirect_to(&app.get(&b, "/records").await, "/activate");
    assert_eq!(app.get(&b, "/no-such-page").await.status(), 404);

    // The request's own line gives its status; nothing logs the response's error again by its
    // Debug form (which put a redirect at ERROR level, paging whoever is on call).
    let logs = logs();
    assert!(logs.contains("request done"), "requests are logged");
    assert!(
        !logs.contains("Error encountered while processing the incoming HTTP request"),
        "an error response was logged again by tracing-actix-web"
    );
}
