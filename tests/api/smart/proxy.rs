//! An app connected by a proxy (#29): someone who acts for a patient chooses, on the consent
//! page, whose record the app gets; the page says who connects it for whom; the token's patient
//! is the chosen record; every read is audited with the proxy as actor; the patient sees the
//! app and can disconnect it; ending the proxy's access (revocation, end date, a guardian's age
//! rule) stops the app at once. A guardian of an adolescent gets no app (the API does not
//! apply the sensitive filter).

use sqlx::Row;

use super::*;
use crate::support::{count, csrf, post, signed_in};

fn email_of(who: &Person) -> String {
    format!("{}@example.com", who.name.to_lowercase().replace(' ', "."))
}

/// The id of the proxy grant after `who` accepted the last invitation mailed to them.
async fn accept_mailed(app: &TestApp, who: &Browser, email: &str) -> String {
    let link: String = sqlx::query(
        "SELECT link FROM notification_queue WHERE recipient = $1 AND kind = 'proxy_invitation' \
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(&app.pool)
    .await
    .unwrap()
    .get(0);
    let token = link.strip_prefix("/proxy/accept?token=").unwrap();
    let csrf_token = csrf(app, who).await;
    let resp = post(
        app,
        who,
        "/proxy/accept",
        &[("csrf_token", csrf_token.as_str()), ("token", token)],
    )
    .await;
    assert_eq!(resp.status(), 303, "accepted");
    sqlx::query("SELECT id FROM proxy_grants ORDER BY created_at DESC LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0)
}

/// Patients A and B with their own linked records; A makes B their proxy with `scopes`.
/// Returns the app, A's browser, B's browser, the grant and A's record.
pub(super) async fn proxy_of_a(
    scopes: &[&str],
) -> (TestApp, Browser, Browser, String, PatientRecord) {
    let (app, a, record_a, _) = portal_with_patients().await;
    let email = email_of(&PATIENT_B);
    let token = csrf(&app, &a).await;
    let mut form = vec![
        ("csrf_token", token.as_str()),
        ("email", email.as_str()),
        ("ends_on", ""),
    ];
    for s in scopes {
        form.push(("scope", s));
    }
    assert_eq!(
        post(&app, &a, "/account/proxies", &form).await.status(),
        303
    );
    let sam = signed_in(&app, &PATIENT_B).await;
    let grant = accept_mailed(&app, &sam, &email).await;
    (app, a, sam, grant, record_a)
}

/// Answers the consent page for the record `whose` ("own" or a grant id), allowing every box.
async fn allow_for(
    app: &TestApp,
    b: &Browser,
    consent: &Consent,
    whose: &str,
) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> = vec![
        ("csrf_token", consent.csrf.as_str()),
        ("request", consent.request.as_str()),
        ("decision", "allow"),
        ("for", whose),
    ];
    for s in &consent.offered {
        form.push(("scope", s.as_str()));
    }
    b.client
        .post(app.url("/smart/consent"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// The consent page of a new request of `client`, for the record `whose`: (status, page).
async fn consent_for(
    app: &TestApp,
    b: &Browser,
    client: &SmartApp,
    launch: &Launch,
    whose: &str,
) -> (u16, String, String) {
    let resp = b
        .client
        .get(authorize_url(app, client, launch, ALL))
        .send()
        .await
        .unwrap();
    let path = format!("{}&for={whose}", location(&resp));
    let resp = app.get(b, &path).await;
    (resp.status().as_u16(), path, resp.text().await.unwrap())
}

/// The proxy connects `client` to A's record; returns the token response.
pub(super) async fn proxy_connects(
    app: &TestApp,
    sam: &Browser,
    client: &SmartApp,
    grant: &str,
) -> Value {
    let launch = Launch::new();
    let (status, path, _) = consent_for(app, sam, client, &launch, grant).await;
    assert_eq!(status, 200);
    let consent = consent_page(app, sam, &path).await;
    let resp = allow_for(app, sam, &consent, grant).await;
    let params = callback_params(&resp, client);
    let (status, tokens) = client.exchange(app, &params["code"], &launch).await;
    assert_eq!(status, 200, "{tokens}");
    tokens
}

#[tokio::test]
async fn a_proxy_connects_an_app_to_the_record_they_act_for_until_their_access_ends() {
    let (app, a, sam, grant, record_a) = proxy_of_a(&["record"]).await;
    let a_name = format!("{} {}", record_a.patient.given, record_a.patient.family);
    let client = register(&app, "Tracker", false).await;

    // Sam's own record is the default; the page offers the record Sam acts for.
    let launch = Launch::new();
    let consent = start(&app, &sam, &client, &launch, ALL).await;
    assert!(
        consent.html.contains(&format!("for={grant}")) && consent.html.contains(&a_name),
        "{}",
        consent.html
    );
    assert!(!consent.html.contains("are connecting"));
    // Choosing A's record: the page says who connects the app for whom, and keeps its CSP.
    let launch = Launch::new();
    let (status, path, html) = consent_for(&app, &sam, &client, &launch, &grant).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!(
            "You, {}, are connecting Tracker to {a_name}&#x27;s record",
            PATIENT_B.name
        )) || html.contains(&format!(
            "You, {}, are connecting Tracker to {a_name}'s record",
            PATIENT_B.name
        )),
        "{html}"
    );
    let resp = app.get(&sam, &path).await;
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("form-action 'self'") && csp.contains("https://app.example"),
        "{csp}"
    );

    let consent = consent_page(&app, &sam, &path).await;
    let resp = allow_for(&app, &sam, &consent, &grant).await;
    let params = callback_params(&resp, &client);
    let (status, tokens) = client.exchange(&app, &params["code"], &launch).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(tokens.get("id_token").is_some());
    // The token's patient is A's record, not Sam's own.
    let patient = tokens["patient"].as_str().unwrap().to_string();
    let (status, body) = fhir(&app, &at(&tokens), &format!("/Patient/{patient}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["name"][0]["family"], record_a.patient.family, "{body}");
    // Every read is audited with the proxy as actor and A as subject.
    let a_id: String = sqlx::query("SELECT id FROM patients WHERE b2c_subject = $1")
        .bind(PATIENT_A.subject)
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    let proxy_reads = sqlx::query(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'app_read' AND actor_role = 'proxy' \
         AND actor_subject = $1 AND patient_id = $2",
    )
    .bind(PATIENT_B.subject)
    .bind(&a_id)
    .fetch_one(&app.pool)
    .await
    .unwrap()
    .get::<i64, _>(0);
    assert_eq!(proxy_reads, 1);

    // A sees the app among their connected apps.
    let account = app.get(&a, "/account").await.text().await.unwrap();
    assert!(account.contains("Tracker"), "{account}");

    // A ends Sam's access: the app's access and refresh tokens stop at once.
    let token = csrf(&app, &a).await;
    let resp = post(
        &app,
        &a,
        &format!("/account/proxies/{grant}/revoke"),
        &[("csrf_token", token.as_str())],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let (status, _) = fhir(&app, &at(&tokens), &format!("/Patient/{patient}")).await;
    assert_eq!(status, 401, "revoked at once");
    let (status, body) = client
        .refresh(&app, tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    // A revoked grant connects nothing new either.
    let launch = Launch::new();
    let (status, _, _) = consent_for(&app, &sam, &client, &launch, &grant).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn an_end_date_or_the_patients_disconnection_stops_a_proxys_app() {
    let (app, a, sam, grant, _) = proxy_of_a(&["record"]).await;
    let client = register(&app, "Tracker", false).await;
    let tokens = proxy_connects(&app, &sam, &client, &grant).await;
    let patient = tokens["patient"].as_str().unwrap().to_string();
    assert_eq!(
        fhir(&app, &at(&tokens), &format!("/Patient/{patient}"))
            .await
            .0,
        200
    );
    sqlx::query("UPDATE proxy_grants SET ends_at = $1")
        .bind(chrono::Utc::now().timestamp() - 1)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        fhir(&app, &at(&tokens), &format!("/Patient/{patient}"))
            .await
            .0,
        401
    );

    // A fresh connection, disconnected by the patient from their account page.
    let (app, a2, sam, grant, _) = proxy_of_a(&["record"]).await;
    let _ = a;
    let client = register(&app, "Tracker", false).await;
    let tokens = proxy_connects(&app, &sam, &client, &grant).await;
    let token = csrf(&app, &a2).await;
    let resp = post(
        &app,
        &a2,
        "/account/apps/disconnect",
        &[
            ("csrf_token", token.as_str()),
            ("client_id", client.client_id.as_str()),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let patient = tokens["patient"].as_str().unwrap().to_string();
    assert_eq!(
        fhir(&app, &at(&tokens), &format!("/Patient/{patient}"))
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn a_proxy_without_the_record_scope_or_with_someone_elses_grant_connects_nothing() {
    let (app, a, sam, grant, _) = proxy_of_a(&["messages"]).await;
    let client = register(&app, "Tracker", false).await;
    let launch = Launch::new();
    let (status, _, _) = consent_for(&app, &sam, &client, &launch, &grant).await;
    assert_eq!(status, 403, "the messages scope connects no app");
    // Posted anyway, with the page of Sam's own record: refused, nothing granted.
    let launch = Launch::new();
    let consent = start(&app, &sam, &client, &launch, ALL).await;
    assert_eq!(allow_for(&app, &sam, &consent, &grant).await.status(), 403);
    // The patient themselves cannot use the grant's id.
    let launch = Launch::new();
    let consent = start(&app, &a, &client, &launch, ALL).await;
    assert_eq!(allow_for(&app, &a, &consent, &grant).await.status(), 403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM smart_grants").await, 0);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'app_connected' AND outcome = 'denied'"
        )
        .await,
        3
    );
}

/// A patient `age` years old on CLINICIAN's care team, whose guardian PATIENT_B (with their
/// own record) is recorded and accepts. Returns the app, the guardian and the grant.
async fn guardian_of(age: u32) -> (TestApp, Browser, String) {
    let (app, _a, _, _) = portal_with_patients().await;
    let mut record = demo_patients(3, 15, today()).remove(2);
    record.patient.birth_date = today() - chrono::Months::new(12 * age) - chrono::Days::new(1);
    let pid = app.seed(&record).await;
    app.add_to_care_team(&pid, &CLINICIAN).await;
    let staff = signed_in(&app, &CLINICIAN).await;
    let token = csrf(&app, &staff).await;
    let email = email_of(&PATIENT_B);
    let resp = post(
        &app,
        &staff,
        &format!("/staff/patients/{pid}/guardian"),
        &[
            ("csrf_token", token.as_str()),
            ("email", email.as_str()),
            ("documents", "checked"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let guardian = signed_in(&app, &PATIENT_B).await;
    let grant = accept_mailed(&app, &guardian, &email).await;
    (app, guardian, grant)
}

#[tokio::test]
async fn a_guardian_of_an_adolescent_gets_no_app_and_a_childs_app_stops_at_the_age_limit() {
    let (app, guardian, grant) = guardian_of(14).await;
    let client = register(&app, "Tracker", false).await;
    let launch = Launch::new();
    let (status, _, html) = consent_for(&app, &guardian, &client, &launch, &grant).await;
    assert_eq!(status, 403);
    assert!(html.contains("An app cannot have this record"), "{html}");
    let consent = start(&app, &guardian, &client, &launch, ALL).await;
    assert!(
        !consent.html.contains(&format!("for={grant}")),
        "not offered"
    );
    assert_eq!(
        allow_for(&app, &guardian, &consent, &grant).await.status(),
        403
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM smart_grants").await, 0);

    // A guardian of a child connects an app; it stops when the child reaches the limit.
    let (app, guardian, grant) = guardian_of(8).await;
    let client = register(&app, "Tracker", false).await;
    let tokens = proxy_connects(&app, &guardian, &client, &grant).await;
    let patient = tokens["patient"].as_str().unwrap().to_string();
    assert_eq!(
        fhir(&app, &at(&tokens), &format!("/Patient/{patient}"))
            .await
            .0,
        200
    );
    let twelve = today() - chrono::Months::new(12 * 12) - chrono::Days::new(1);
    sqlx::query(
        "UPDATE patients SET birth_date = $1 WHERE id = (SELECT patient_id FROM proxy_grants)",
    )
    .bind(twelve.format("%Y-%m-%d").to_string())
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        fhir(&app, &at(&tokens), &format!("/Patient/{patient}"))
            .await
            .0,
        401
    );
    let (status, _) = client
        .refresh(&app, tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_carer_without_a_record_of_their_own_connects_an_app_to_the_record_they_act_for() {
    let app = spawn_app().await;
    let record = demo_patients(1, 15, today()).remove(0);
    let pid = app.seed(&record).await;
    app.link(&pid, &PATIENT_A).await;
    let a = signed_in(&app, &PATIENT_A).await;
    let email = email_of(&PATIENT_B);
    let token = csrf(&app, &a).await;
    let form = [
        ("csrf_token", token.as_str()),
        ("email", email.as_str()),
        ("ends_on", ""),
        ("scope", "record"),
    ];
    assert_eq!(
        post(&app, &a, "/account/proxies", &form).await.status(),
        303
    );
    // B's account is linked to no record: the consent page opens on the record B acts for.
    let sam = signed_in(&app, &PATIENT_B).await;
    let grant = accept_mailed(&app, &sam, &email).await;
    let client = register(&app, "Tracker", false).await;
    let launch = Launch::new();
    let consent = start(&app, &sam, &client, &launch, ALL).await;
    let name = format!("{} {}", record.patient.given, record.patient.family);
    assert!(
        consent.html.contains("are connecting Tracker to") && consent.html.contains(&name),
        "{}",
        consent.html
    );
    assert!(!consent.html.contains("for=own"), "no own record to offer");
    let resp = allow_for(&app, &sam, &consent, &grant).await;
    let params = callback_params(&resp, &client);
    let (status, tokens) = client.exchange(&app, &params["code"], &launch).await;
    assert_eq!(status, 200, "{tokens}");
    let (status, body) = fhir(
        &app,
        &at(&tokens),
        &format!("/Patient/{}", tokens["patient"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["name"][0]["family"], record.patient.family);
}
