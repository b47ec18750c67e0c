//! Activation codes from the chart: issued, shown once, revoked, guarded by CSRF and the right to
//! open the chart.

use sqlx::Row;

use crate::support::*;

/// Presses "Issue activation code" (the session's CSRF token is the same in every form).
async fn issue(app: &TestApp, b: &Browser, patient_id: &str) -> reqwest::Response {
    let token = csrf(app, b).await;
    post(
        app,
        b,
        &format!("/staff/patients/{patient_id}/activation-codes"),
        &[("csrf_token", &token)],
    )
    .await
}

fn code_in(page: &str) -> String {
    let doc = scraper::Html::parse_document(page);
    let sel = scraper::Selector::parse(".activation-code code").unwrap();
    doc.select(&sel)
        .next()
        .expect("the code on the page")
        .text()
        .collect::<String>()
        .trim()
        .to_string()
}

#[tokio::test]
async fn an_issued_code_links_a_new_patient_account() {
    let (app, recs, ids) = app_with_patients(1).await;
    let id = &ids[0];
    app.add_to_care_team(id, &CLINICIAN).await;
    let clinician = signed_in(&app, &CLINICIAN).await;

    let resp = issue(&app, &clinician, id).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let page = resp.text().await.unwrap();
    let code = code_in(&page);
    assert_eq!(code.len(), 14, "{code}");
    assert!(
        page.contains(&format!("localhost:{}", app.port)),
        "the portal's address is printed"
    );
    assert!(page.contains("Sign up now"));
    assert!(
        !page.contains(&recs[0].patient.birth_date.to_string()),
        "the date of birth is the patient's secret"
    );

    let rows = app.audit_rows().await;
    let issued: Vec<_> = rows
        .iter()
        .filter(|r| r.0 == "activation_code_issued")
        .collect();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].2.as_deref(), Some(id.as_str()));
    assert!(issued[0].3.as_deref().unwrap().starts_with("code_id="));
    assert!(
        !rows
            .iter()
            .any(|r| r.3.as_deref().unwrap_or("").contains(&code)),
        "the code is never audited"
    );

    // A new patient account links with the code and the date of birth.
    let patient = signed_in(&app, &PATIENT_B).await;
    let form = app.get(&patient, "/activate").await.text().await.unwrap();
    let token = csrf_in(&form);
    let birth_date = recs[0].patient.birth_date.to_string();
    let resp = post(
        &app,
        &patient,
        "/activate",
        &[
            ("code", &code),
            ("birth_date", &birth_date),
            ("csrf_token", &token),
        ],
    )
    .await;
    assert_redirect_to(&resp, "/home");
    let linked: Option<String> = sqlx::query("SELECT b2c_subject FROM patients WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(linked.as_deref(), Some(PATIENT_B.subject));

    // A linked record gets no more codes.
    assert_eq!(issue(&app, &clinician, id).await.status(), 409);
}

#[tokio::test]
async fn a_code_can_be_revoked_and_then_links_nothing() {
    let (app, recs, ids) = app_with_patients(1).await;
    let id = &ids[0];
    app.add_to_care_team(id, &CLINICIAN).await;
    let clinician = signed_in(&app, &CLINICIAN).await;
    let code = code_in(&issue(&app, &clinician, id).await.text().await.unwrap());
    let code_id: String = sqlx::query("SELECT id FROM activation_codes WHERE patient_id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);

    let token = csrf(&app, &clinician).await;
    let path = format!("/staff/patients/{id}/activation-codes/{code_id}/revoke");
    assert_eq!(
        post(&app, &clinician, &path, &[]).await.status(),
        400,
        "no CSRF token"
    );
    let resp = post(&app, &clinician, &path, &[("csrf_token", &token)]).await;
    assert_redirect_to(&resp, &format!("/staff/patients/{id}"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM activation_codes WHERE revoked_at IS NOT NULL"
        )
        .await,
        1
    );
    assert_eq!(
        post(&app, &clinician, &path, &[("csrf_token", &token)])
            .await
            .status(),
        404,
        "only once"
    );
    let revoked: Vec<_> = app
        .audit_rows()
        .await
        .into_iter()
        .filter(|r| r.0 == "activation_code_revoked")
        .collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(
        revoked[0].3.as_deref(),
        Some(format!("code_id={code_id}").as_str())
    );

    let patient = signed_in(&app, &PATIENT_B).await;
    let token = csrf_in(&app.get(&patient, "/activate").await.text().await.unwrap());
    let birth_date = recs[0].patient.birth_date.to_string();
    let resp = post(
        &app,
        &patient,
        "/activate",
        &[
            ("code", &code),
            ("birth_date", &birth_date),
            ("csrf_token", &token),
        ],
    )
    .await;
    assert_eq!(resp.status(), 400, "a revoked code links nothing");
}

#[tokio::test]
async fn codes_need_csrf_and_the_right_to_open_the_chart() {
    let (app, _recs, ids) = app_with_patients(2).await;
    app.add_to_care_team(&ids[0], &CLINICIAN).await;
    let b = signed_in(&app, &CLINICIAN).await;

    let resp = post(
        &app,
        &b,
        &format!("/staff/patients/{}/activation-codes", ids[0]),
        &[],
    )
    .await;
    assert_eq!(resp.status(), 400, "no CSRF token");
    let resp = post(
        &app,
        &b,
        &format!("/staff/patients/{}/activation-codes", ids[0]),
        &[("csrf_token", "forged")],
    )
    .await;
    assert_eq!(resp.status(), 400, "a wrong CSRF token");
    let resp = issue(&app, &b, &ids[1]).await;
    assert_eq!(resp.status(), 403, "outside the care team");
    assert!(resp.text().await.unwrap().contains("break-glass"));
    assert_eq!(issue(&app, &b, "no-such-patient").await.status(), 404);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM activation_codes").await,
        0
    );
}

#[tokio::test]
async fn the_chart_summary_offers_activation_codes_to_staff_only() {
    let (app, _recs, ids) = app_with_patients(1).await;
    let id = &ids[0];
    app.add_to_care_team(id, &CLINICIAN).await;
    let clinician = signed_in(&app, &CLINICIAN).await;
    let code_id = {
        issue(&app, &clinician, id).await;
        sqlx::query("SELECT id FROM activation_codes")
            .fetch_one(&app.pool)
            .await
            .unwrap()
            .get::<String, _>(0)
    };

    let chart = app
        .get(&clinician, &format!("/staff/patients/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        chart.contains(&format!("action=\"/staff/patients/{id}/activation-codes\"")),
        "the issue form is on the chart summary"
    );
    assert!(
        chart.contains(&format!("/activation-codes/{code_id}/revoke")),
        "the outstanding code can be revoked from the chart"
    );
    let conditions = app
        .get(&clinician, &format!("/staff/patients/{id}/conditions"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !conditions.contains("/activation-codes"),
        "only on the summary"
    );
}
