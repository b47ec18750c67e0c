//! Proxies acting for a patient (#29): with the appointments scope a proxy asks for and cancels
//! appointments, with the renewals scope asks for renewals, through the patient's own forms
//! under `/acting/{grant}/...`. Every action is audited with the proxy as actor and the patient
//! as subject, the patient's access log names the proxy, the care team sees who asked; without
//! the scope, after revocation, or as a guardian of an adolescent: the 403 page, nothing stored.

use sqlx::Row;

use crate::support::*;

fn email_of(who: &Person) -> String {
    format!("{}@example.com", who.name.to_lowercase().replace(' ', "."))
}

/// The token of the last invitation mailed to `email`, from the notification queue.
async fn mailed_token(app: &TestApp, email: &str) -> String {
    let link: String = sqlx::query(
        "SELECT link FROM notification_queue WHERE recipient = $1 AND kind = 'proxy_invitation' \
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(&app.pool)
    .await
    .unwrap()
    .get(0);
    link.strip_prefix("/proxy/accept?token=")
        .expect("the link is the accept page")
        .to_string()
}

async fn accept(app: &TestApp, b: &Browser, token: &str) -> reqwest::Response {
    let csrf = csrf(app, b).await;
    post(
        app,
        b,
        "/proxy/accept",
        &[("csrf_token", csrf.as_str()), ("token", token)],
    )
    .await
}

/// What a test of one proxy needs.
struct Proxied {
    app: TestApp,
    patient: Browser,
    proxy: Browser,
    grant: String,
    patient_id: String,
    record: patient_portal::records::model::PatientRecord,
}

/// Patient A (on CLINICIAN's care team) invites B with `scopes`; B accepts.
async fn proxy_with(scopes: &[&str]) -> Proxied {
    let app = spawn_app().await;
    let record = records(1)[0].clone();
    let (patient, patient_id) = signed_in_patient(&app, &record, &PATIENT_A).await;
    app.add_to_care_team(&patient_id, &CLINICIAN).await;
    let email = email_of(&PATIENT_B);
    let token = csrf(&app, &patient).await;
    let mut form = vec![
        ("csrf_token", token.as_str()),
        ("email", email.as_str()),
        ("ends_on", ""),
    ];
    for s in scopes {
        form.push(("scope", s));
    }
    assert_eq!(
        post(&app, &patient, "/account/proxies", &form)
            .await
            .status(),
        303
    );
    let token = mailed_token(&app, &email).await;
    let proxy = signed_in(&app, &PATIENT_B).await;
    assert_eq!(accept(&app, &proxy, &token).await.status(), 303);
    let grant: String = sqlx::query("SELECT id FROM proxy_grants")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    Proxied {
        app,
        patient,
        proxy,
        grant,
        patient_id,
        record,
    }
}

/// A patient `age` years old today, on CLINICIAN's care team, who records PATIENT_B as
/// guardian; B accepts. Returns the app, the guardian's browser and the grant.
async fn guardian_of(age: u32) -> (TestApp, Browser, String) {
    let app = spawn_app().await;
    let mut record = records(1)[0].clone();
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
    assert_eq!(resp.status(), 303, "the guardian is invited");
    let token = mailed_token(&app, &email).await;
    let guardian = signed_in(&app, &PATIENT_B).await;
    assert_eq!(accept(&app, &guardian, &token).await.status(), 303);
    let grant: String = sqlx::query("SELECT id FROM proxy_grants WHERE kind = 'guardian'")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    (app, guardian, grant)
}

const REASON: &str = "Ear ache on the left side since the weekend";

async fn ask_appointment(
    app: &TestApp,
    b: &Browser,
    grant: &str,
    reason: &str,
) -> reqwest::Response {
    let token = csrf(app, b).await;
    post(
        app,
        b,
        &format!("/acting/{grant}/appointments"),
        &[
            ("csrf_token", token.as_str()),
            ("reason", reason),
            ("day_mon", "1"),
            ("time", "morning"),
            ("mode", "in_person"),
        ],
    )
    .await
}

async fn ask_renewal(
    app: &TestApp,
    b: &Browser,
    grant: &str,
    medication: &str,
) -> reqwest::Response {
    let token = csrf(app, b).await;
    post(
        app,
        b,
        &format!("/acting/{grant}/renewals"),
        &[
            ("csrf_token", token.as_str()),
            ("medication", medication),
            ("note", "Two weeks of tablets left"),
        ],
    )
    .await
}

async fn appointments(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM appointments").await
}

async fn renewals(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM renewal_requests").await
}

/// The audit entries of `action`: (actor role, actor subject, patient, outcome).
async fn audited(
    app: &TestApp,
    action: &str,
) -> Vec<(String, Option<String>, Option<String>, String)> {
    sqlx::query(
        "SELECT actor_role, actor_subject, patient_id, outcome FROM audit_log WHERE action = $1 ORDER BY seq",
    )
    .bind(action)
    .fetch_all(&app.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect()
}

#[tokio::test]
async fn a_proxy_with_the_appointments_scope_asks_for_and_cancels_an_appointment_for_the_patient() {
    let p = proxy_with(&["appointments"]).await;
    let (app, grant) = (&p.app, p.grant.as_str());
    let name = format!("{} {}", p.record.patient.given, p.record.patient.family);
    let page = app
        .get(&p.proxy, &format!("/acting/{grant}/appointments"))
        .await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("You are acting for") && page.contains(&name));
    assert!(
        page.contains(&format!("action=\"/acting/{grant}/appointments\"")),
        "the request form: {page}"
    );

    // Without the form's token, or with no reason: refused, nothing stored.
    let resp = post(
        app,
        &p.proxy,
        &format!("/acting/{grant}/appointments"),
        &[("reason", REASON), ("mode", "in_person")],
    )
    .await;
    assert!(resp.status().is_client_error(), "{}", resp.status());
    assert_eq!(
        ask_appointment(app, &p.proxy, grant, "  ").await.status(),
        400
    );
    assert_eq!(appointments(app).await, 0);

    let resp = ask_appointment(app, &p.proxy, grant, REASON).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        location(&resp),
        format!("/acting/{grant}/appointments?done=requested")
    );
    let row = sqlx::query("SELECT id, patient_id, state, requested_by FROM appointments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let id: String = row.get(0);
    assert_eq!(
        row.get::<String, _>(1),
        p.patient_id,
        "in the patient's record"
    );
    assert_eq!(row.get::<String, _>(2), "requested");
    assert_eq!(
        row.get::<Option<String>, _>(3),
        Some(format!("{} (proxy)", PATIENT_B.name)),
        "signed with the proxy's name"
    );
    let done = app
        .get(
            &p.proxy,
            &format!("/acting/{grant}/appointments?done=requested"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(done.contains("was sent to the care team"), "{done}");
    assert!(done.contains(REASON), "the request is listed");

    // Audited with the proxy as actor and the patient as subject.
    let changes = audited(app, "change_appointment").await;
    assert_eq!(
        changes,
        vec![(
            "proxy".to_string(),
            Some(PATIENT_B.subject.to_string()),
            Some(p.patient_id.clone()),
            "success".to_string()
        )]
    );
    // The patient sees the request among their own, and the proxy in their access log.
    let own = app
        .get(&p.patient, "/appointments")
        .await
        .text()
        .await
        .unwrap();
    assert!(own.contains(REASON), "{own}");
    let log = app
        .get(&p.patient, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        log.contains(&format!("{} (your proxy)", PATIENT_B.name))
            && log.contains("Requested or changed an appointment"),
        "{log}"
    );
    // The care team sees that a proxy asked, and who.
    let staff = signed_in(app, &CLINICIAN).await;
    let request = app
        .get(&staff, &format!("/staff/appointments/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        request.contains(&format!("{} (proxy), for the patient", PATIENT_B.name)),
        "{request}"
    );

    // Cancelling: the form's token is needed, another id finds nothing, then it is withdrawn.
    let cancel = format!("/acting/{grant}/appointments/{id}/cancel");
    let resp = post(app, &p.proxy, &cancel, &[]).await;
    assert!(resp.status().is_client_error(), "{}", resp.status());
    let token = csrf(app, &p.proxy).await;
    let other = format!(
        "/acting/{grant}/appointments/{}/cancel",
        uuid::Uuid::new_v4()
    );
    assert_eq!(
        post(app, &p.proxy, &other, &[("csrf_token", token.as_str())])
            .await
            .status(),
        404
    );
    let resp = post(app, &p.proxy, &cancel, &[("csrf_token", token.as_str())]).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        location(&resp),
        format!("/acting/{grant}/appointments?done=cancelled")
    );
    let state: String = sqlx::query("SELECT state FROM appointments")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(state, "cancelled");
    assert!(audited(app, "change_appointment")
        .await
        .iter()
        .all(|e| e.0 == "proxy" && e.1.as_deref() == Some(PATIENT_B.subject)));
}

#[tokio::test]
async fn a_proxy_with_the_renewals_scope_asks_for_a_renewal_for_the_patient() {
    let p = proxy_with(&["renewals"]).await;
    let (app, grant) = (&p.app, p.grant.as_str());
    let medication = p
        .record
        .active_medications()
        .next()
        .expect("the demo record has an active medication")
        .clone();
    // The patient's own preferred pharmacy goes with the request, not the proxy's.
    let token = csrf(app, &p.patient).await;
    post(
        app,
        &p.patient,
        "/account/pharmacy",
        &[
            ("csrf_token", token.as_str()),
            ("pharmacy", "Riverside Pharmacy"),
        ],
    )
    .await;
    let page = app
        .get(&p.proxy, &format!("/acting/{grant}/renewals"))
        .await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains(&medication.code.display) && page.contains(&medication.fhir_id),
        "the active medication with its form: {page}"
    );

    // A medication that is not the patient's: nothing stored.
    assert_eq!(
        ask_renewal(app, &p.proxy, grant, "not-a-medication")
            .await
            .status(),
        404
    );
    assert_eq!(renewals(app).await, 0);

    let resp = ask_renewal(app, &p.proxy, grant, &medication.fhir_id).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        location(&resp),
        format!("/acting/{grant}/renewals?done=requested")
    );
    let row = sqlx::query(
        "SELECT id, patient_id, medication_fhir_id, pharmacy, requested_by FROM renewal_requests",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>(1), p.patient_id);
    assert_eq!(row.get::<String, _>(2), medication.fhir_id);
    assert_eq!(row.get::<String, _>(3), "Riverside Pharmacy");
    assert_eq!(
        row.get::<Option<String>, _>(4),
        Some(format!("{} (proxy)", PATIENT_B.name))
    );
    let id: String = row.get(0);
    let staff = signed_in(app, &CLINICIAN).await;
    let request = app
        .get(&staff, &format!("/staff/renewals/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        request.contains(&format!("{} (proxy), for the patient", PATIENT_B.name)),
        "{request}"
    );
    // Asking twice: a clear 409 page, still one request.
    assert_eq!(
        ask_renewal(app, &p.proxy, grant, &medication.fhir_id)
            .await
            .status(),
        409
    );
    assert_eq!(renewals(app).await, 1);

    let changes = audited(app, "change_renewal").await;
    assert!(!changes.is_empty());
    assert!(changes.iter().all(|e| e.0 == "proxy"
        && e.1.as_deref() == Some(PATIENT_B.subject)
        && e.2.as_deref() == Some(p.patient_id.as_str())
        && e.3 == "success"));
    let log = app
        .get(&p.patient, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        log.contains(&format!("{} (your proxy)", PATIENT_B.name))
            && log.contains("Asked for or decided a medication renewal"),
        "{log}"
    );
}

#[tokio::test]
async fn without_the_scope_after_revocation_or_as_guardian_of_an_adolescent_nothing_is_stored() {
    // The record and messages scopes only.
    let p = proxy_with(&["record", "messages"]).await;
    let (app, grant) = (&p.app, p.grant.as_str());
    let medication = p
        .record
        .active_medications()
        .next()
        .unwrap()
        .fhir_id
        .clone();
    assert_eq!(
        ask_appointment(app, &p.proxy, grant, REASON).await.status(),
        403
    );
    assert_eq!(
        ask_renewal(app, &p.proxy, grant, &medication)
            .await
            .status(),
        403
    );
    assert_eq!((appointments(app).await, renewals(app).await), (0, 0));
    let denied = |e: &Vec<(String, Option<String>, Option<String>, String)>| {
        e.len() == 1 && e[0].0 == "proxy" && e[0].3 == "denied"
    };
    assert!(denied(&audited(app, "change_appointment").await));
    assert!(denied(&audited(app, "change_renewal").await));
    // The patient's own appointment cannot be cancelled through the grant either.
    let token = csrf(app, &p.patient).await;
    post(
        app,
        &p.patient,
        "/appointments",
        &[
            ("csrf_token", token.as_str()),
            ("reason", REASON),
            ("mode", "video"),
        ],
    )
    .await;
    let id: String = sqlx::query("SELECT id FROM appointments")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    let token = csrf(app, &p.proxy).await;
    let resp = post(
        app,
        &p.proxy,
        &format!("/acting/{grant}/appointments/{id}/cancel"),
        &[("csrf_token", token.as_str())],
    )
    .await;
    assert_eq!(resp.status(), 403);
    let state: String = sqlx::query("SELECT state FROM appointments")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(state, "requested", "not cancelled");

    // Revoked by the patient: refused at once.
    let p = proxy_with(&["appointments", "renewals"]).await;
    let (app, grant) = (&p.app, p.grant.as_str());
    assert_eq!(
        ask_appointment(app, &p.proxy, grant, REASON).await.status(),
        303
    );
    let token = csrf(app, &p.patient).await;
    post(
        app,
        &p.patient,
        &format!("/account/proxies/{grant}/revoke"),
        &[("csrf_token", token.as_str())],
    )
    .await;
    assert_eq!(
        ask_appointment(app, &p.proxy, grant, REASON).await.status(),
        403
    );
    assert_eq!(appointments(app).await, 1);
    // Someone else using the grant's id (the patient themselves): refused.
    let p = proxy_with(&["appointments"]).await;
    assert_eq!(
        ask_appointment(&p.app, &p.patient, &p.grant, REASON)
            .await
            .status(),
        403
    );
    assert_eq!(appointments(&p.app).await, 0);

    // A guardian of an adolescent: the visit's reason or the medicine may be confidential.
    let (app, guardian, grant) = guardian_of(14).await;
    assert_eq!(
        ask_appointment(&app, &guardian, &grant, REASON)
            .await
            .status(),
        403
    );
    assert_eq!(
        ask_renewal(&app, &guardian, &grant, "any").await.status(),
        403
    );
    for part in ["appointments", "renewals"] {
        assert_eq!(
            app.get(&guardian, &format!("/acting/{grant}/{part}"))
                .await
                .status(),
            403,
            "{part}"
        );
    }
    assert_eq!((appointments(&app).await, renewals(&app).await), (0, 0));
    // The adolescent's access log must not say the guardian read or changed them: each
    // refused attempt is audited as denied, none as a success.
    for action in [
        "read_appointments",
        "change_appointment",
        "read_renewals",
        "change_renewal",
    ] {
        let outcomes: Vec<String> = audited(&app, action)
            .await
            .into_iter()
            .filter(|(role, ..)| role == "proxy")
            .map(|(.., outcome)| outcome)
            .collect();
        assert!(
            !outcomes.is_empty() && outcomes.iter().all(|o| o == "denied"),
            "{action}: {outcomes:?}"
        );
    }
    // A guardian of a child asks as any proxy with the scope does.
    let (app, guardian, grant) = guardian_of(8).await;
    assert_eq!(
        ask_appointment(&app, &guardian, &grant, REASON)
            .await
            .status(),
        303
    );
    assert_eq!(appointments(&app).await, 1);
}
