//! Every urlencoded form is read through `CsrfForm`: without the session's own token (none,
//! another session's, or two of them) the answer is the 400 page and nothing changes. One
//! test per family of forms; the message forms are in `messages.rs`, the SMART consent in
//! `smart.rs`.

use patient_portal::demo::demo_patients;

use crate::support::*;

/// Posts `fields` to `path` in `b` the ways a forger could: with no token, with the token of
/// `other` (a session the forger holds), and with `b`'s own token next to a forged one.
async fn assert_refused_without_own_token(
    app: &TestApp,
    b: &Browser,
    other: &Browser,
    path: &str,
    fields: &[(&str, &str)],
) {
    let own = csrf(app, b).await;
    let foreign = csrf(app, other).await;
    assert_ne!(own, foreign);
    let with = |extra: Vec<(&'static str, String)>| {
        let mut form: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        form.extend(extra.into_iter().map(|(k, v)| (k.to_string(), v)));
        form
    };
    let attempts = [
        ("no token", with(vec![])),
        (
            "another session's token",
            with(vec![("csrf_token", foreign)]),
        ),
        (
            "a second, forged token",
            with(vec![
                ("csrf_token", own.clone()),
                ("csrf_token", "forged".into()),
            ]),
        ),
    ];
    for (what, form) in attempts {
        let resp = b
            .client
            .post(app.url(path))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "POST {path} with {what}");
        let page = resp.text().await.unwrap();
        assert!(page.contains("This form has expired"), "{what}: {page}");
    }
}

#[tokio::test]
async fn account_forms_need_the_sessions_own_token() {
    let app = spawn_app().await;
    let record = &demo_patients(1, 31, chrono::Utc::now().date_naive())[0];
    let id = app.seed(record).await;
    app.link(&id, &PATIENT_A).await;
    let b = signed_in(&app, &PATIENT_A).await;
    let other = signed_in(&app, &PATIENT_B).await;

    assert_refused_without_own_token(&app, &b, &other, "/signout", &[]).await;
    assert_signed_in(&app, &b).await;

    assert_refused_without_own_token(
        &app,
        &b,
        &other,
        "/account/notifications",
        &[("enabled", "off")],
    )
    .await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM notification_contacts WHERE enabled = 0"
        )
        .await,
        0,
        "the setting is unchanged"
    );

    assert_refused_without_own_token(
        &app,
        &b,
        &other,
        "/account/apps/disconnect",
        &[("client_id", "some-app")],
    )
    .await;

    // With its own token, the same sign-out works.
    let token = csrf(&app, &b).await;
    let resp = b
        .client
        .post(app.url("/signout"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_signed_out(&app, &b).await;
}

#[tokio::test]
async fn the_activation_form_needs_the_sessions_own_token() {
    let app = spawn_app().await;
    let record = &demo_patients(1, 32, chrono::Utc::now().date_naive())[0];
    let id = app.seed(record).await;
    let issued = patient_portal::activation::issue(&app.pool, &id, CLINICIAN.subject)
        .await
        .unwrap();
    let b = signed_in(&app, &PATIENT_A).await;
    let other = signed_in(&app, &PATIENT_B).await;
    let dob = record.patient.birth_date.to_string();
    assert_refused_without_own_token(
        &app,
        &b,
        &other,
        "/activate",
        &[("code", issued.code.as_str()), ("birth_date", dob.as_str())],
    )
    .await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM patients WHERE b2c_subject IS NOT NULL"
        )
        .await,
        0,
        "nothing linked"
    );
}

#[tokio::test]
async fn staff_forms_need_the_sessions_own_token() {
    let app = spawn_app().await;
    let records = demo_patients(2, 33, chrono::Utc::now().date_naive());
    let mine = app.seed(&records[0]).await;
    let theirs = app.seed(&records[1]).await;
    app.add_to_care_team(&mine, &CLINICIAN).await;
    let b = signed_in(&app, &CLINICIAN).await;
    let other = signed_in(&app, &OTHER_CLINICIAN).await;

    let issue = format!("/staff/patients/{mine}/activation-codes");
    assert_refused_without_own_token(&app, &b, &other, &issue, &[]).await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM activation_codes").await,
        0,
        "no code issued"
    );

    let issued = patient_portal::activation::issue(&app.pool, &mine, CLINICIAN.subject)
        .await
        .unwrap();
    let revoke = format!(
        "/staff/patients/{mine}/activation-codes/{}/revoke",
        issued.id
    );
    assert_refused_without_own_token(&app, &b, &other, &revoke, &[]).await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM activation_codes WHERE revoked_at IS NULL"
        )
        .await,
        1,
        "the code still works"
    );

    let break_glass = format!("/staff/patients/{theirs}/break-glass");
    assert_refused_without_own_token(
        &app,
        &b,
        &other,
        &break_glass,
        &[
            ("reason", "emergency_treatment"),
            ("details", "Unconscious in the emergency department"),
        ],
    )
    .await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM break_glass").await,
        0,
        "no break-the-glass request"
    );

    // With its own token, the same issue form works.
    let token = csrf(&app, &b).await;
    let resp = b
        .client
        .post(app.url(&issue))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}
