//! Proxies (#29): a patient invites someone by e-mail, the invitee accepts with their own
//! account, the patient sees and ends their access; every bad attempt is a 4xx page, grants
//! nothing, and is audited.

use sqlx::Row;

use crate::support::*;

/// Who may accept, audit before each change, grants whose people changed, what a guardian of
/// an adolescent does not see.
#[path = "proxy_rules.rs"]
mod rules;

/// The e-mail `sign_in_as` gives `who`.
fn email_of(who: &Person) -> String {
    format!("{}@example.com", who.name.to_lowercase().replace(' ', "."))
}

/// Patient A with a linked record, signed in (a fresh MFA sign-in).
async fn patient_a() -> (TestApp, Browser, String) {
    let app = spawn_app().await;
    let (b, id) = signed_in_patient(&app, &records(1)[0], &PATIENT_A).await;
    (app, b, id)
}

async fn invite(
    app: &TestApp,
    b: &Browser,
    email: &str,
    scopes: &[&str],
    ends_on: &str,
) -> reqwest::Response {
    let token = csrf(app, b).await;
    let mut form = vec![
        ("csrf_token", token.as_str()),
        ("email", email),
        ("ends_on", ends_on),
    ];
    for s in scopes {
        form.push(("scope", s));
    }
    post(app, b, "/account/proxies", &form).await
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

async fn live_grants(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM proxy_grants WHERE revoked_at IS NULL",
    )
    .await
}

async fn denied(app: &TestApp, action: &str) -> Vec<String> {
    sqlx::query(
        "SELECT detail FROM audit_log WHERE action = $1 AND outcome = 'denied' ORDER BY seq",
    )
    .bind(action)
    .fetch_all(&app.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<Option<String>, _>(0).unwrap_or_default())
    .collect()
}

#[tokio::test]
async fn a_patient_invites_a_proxy_who_accepts_with_their_own_account_and_is_revoked_at_once() {
    let (app, a, patient_id) = patient_a().await;
    let sam = email_of(&PATIENT_B);
    let resp = invite(&app, &a, &sam, &["record", "messages"], "").await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/account/proxies?invited=1");

    // The mail says nothing of who or of health; the token is stored only as its hash.
    let token = mailed_token(&app, &sam).await;
    let (hashed, rows): (String, i64) = {
        let row = sqlx::query(
            "SELECT token_hash, (SELECT COUNT(*) FROM proxy_invitations) FROM proxy_invitations",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(rows, 1);
    assert_ne!(hashed, token);
    let page = app.get(&a, "/account/proxies").await.text().await.unwrap();
    assert!(page.contains(&sam), "the open invitation is listed");

    // The invitee signs in with their own account and accepts.
    let sam_browser = signed_in(&app, &PATIENT_B).await;
    let offer = app
        .get(&sam_browser, &format!("/proxy/accept?token={token}"))
        .await;
    assert_eq!(offer.status(), 200);
    let offer = offer.text().await.unwrap();
    assert!(offer.contains("Read the health record") && offer.contains("Message the care team"));
    assert!(
        !offer.contains("Manage appointments"),
        "only what was granted"
    );
    let resp = accept(&app, &sam_browser, &token).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(live_grants(&app).await, 1);
    let row = sqlx::query("SELECT patient_id, proxy_subject, scopes FROM proxy_grants")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>(0), patient_id);
    assert_eq!(row.get::<String, _>(1), PATIENT_B.subject);
    assert_eq!(row.get::<String, _>(2), "record messages");

    // The patient sees the proxy, and the audit names the proxy as actor and the patient.
    let page = app.get(&a, "/account/proxies").await.text().await.unwrap();
    assert!(page.contains(PATIENT_B.name), "{page}");
    let accepted = app
        .audit_rows()
        .await
        .into_iter()
        .find(|r| r.0 == "proxy_accept")
        .unwrap();
    assert_eq!(accepted.1.as_deref(), Some(PATIENT_B.subject));
    assert_eq!(accepted.2.as_deref(), Some(patient_id.as_str()));

    // A second use of the same invitation grants nothing more.
    let again = accept(&app, &sam_browser, &token).await;
    assert_eq!(again.status(), 400);
    assert_eq!(live_grants(&app).await, 1);

    // Revoked: at once, in the database.
    let grant: String = sqlx::query("SELECT id FROM proxy_grants")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    let csrf_a = csrf(&app, &a).await;
    let resp = post(
        &app,
        &a,
        &format!("/account/proxies/{grant}/revoke"),
        &[("csrf_token", csrf_a.as_str())],
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(live_grants(&app).await, 0);
    let page = app.get(&a, "/account/proxies").await.text().await.unwrap();
    assert!(page.contains("No one can act for you"));
    // The patient's access log says what happened.
    let log = app
        .get(&a, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    assert!(log.contains("Invited someone to act for you"), "{log}");
    assert!(log.contains("Ended a proxy"), "{log}");
}

#[tokio::test]
async fn bad_invitations_are_refused_audited_and_grant_nothing() {
    let (app, a, _) = patient_a().await;
    let sam = email_of(&PATIENT_B);
    let cases: &[(&str, &[&str], &str, &str)] = &[
        (&email_of(&PATIENT_A), &["record"], "", "your own e-mail"),
        ("not-an-address", &["record"], "", "e-mail address"),
        (&sam, &[], "", "at least one"),
        (&sam, &["record", "everything"], "", "at least one"),
        (&sam, &["record"], "2001-01-01", "end date has passed"),
    ];
    for (email, scopes, ends, words) in cases {
        let resp = invite(&app, &a, email, scopes, ends).await;
        assert_eq!(resp.status(), 400, "{email} {scopes:?} {ends}");
        let page = resp.text().await.unwrap();
        assert!(page.contains(words), "{words}: {page}");
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM proxy_invitations").await,
        0
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM notification_queue").await,
        0,
        "no mail"
    );
    assert_eq!(
        denied(&app, "proxy_invite").await,
        vec![
            "invite_self",
            "email_invalid",
            "scopes_invalid",
            "scopes_invalid",
            "end_date_invalid"
        ]
    );

    // Invited twice while the first is open; then an existing proxy invited again.
    assert_eq!(invite(&app, &a, &sam, &["record"], "").await.status(), 303);
    assert_eq!(invite(&app, &a, &sam, &["record"], "").await.status(), 400);
    let token = mailed_token(&app, &sam).await;
    let sam_browser = signed_in(&app, &PATIENT_B).await;
    assert_eq!(accept(&app, &sam_browser, &token).await.status(), 303);
    let resp = invite(&app, &a, &sam.to_uppercase(), &["record"], "").await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("already act for you"));
    assert_eq!(live_grants(&app).await, 1);
    assert_eq!(
        denied(&app, "proxy_invite").await[5..],
        ["already_invited", "already_proxy"]
    );
}

#[tokio::test]
async fn inviting_a_proxy_needs_a_recent_mfa_sign_in() {
    let (app, a, _) = patient_a().await;
    // As if the MFA sign-in were an hour old.
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let mut claims = app.idp.claims(&started.nonce);
    claims["sub"] = serde_json::json!(PATIENT_A.subject);
    claims["oid"] = serde_json::json!(PATIENT_A.subject);
    claims["emails"] = serde_json::json!([email_of(&PATIENT_A)]);
    claims["auth_time"] = serde_json::json!(chrono::Utc::now().timestamp() - 3600);
    assert_eq!(
        app.reply(&b, &started, sign(&claims, 0)).await.status(),
        302
    );
    drop(a);
    let resp = invite(&app, &b, &email_of(&PATIENT_B), &["record"], "").await;
    assert_redirect_to(&resp, "/step-up?returnUrl=%2Faccount%2Fproxies");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM proxy_invitations").await,
        0
    );
}

#[tokio::test]
async fn bad_acceptances_are_refused_audited_and_grant_nothing() {
    let (app, a, _) = patient_a().await;
    let sam = email_of(&PATIENT_B);
    assert_eq!(invite(&app, &a, &sam, &["record"], "").await.status(), 303);
    let token = mailed_token(&app, &sam).await;

    // The patient cannot accept their own invitation.
    let resp = accept(&app, &a, &token).await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("your own record"));

    // An unknown token, a token with a character changed.
    let sam_browser = signed_in(&app, &PATIENT_B).await;
    let resp = app.get(&sam_browser, "/proxy/accept?token=nonsense").await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("not valid"));
    let mut changed = token.clone();
    let first = if changed.starts_with('A') { "B" } else { "A" };
    changed.replace_range(0..1, first);
    assert_eq!(accept(&app, &sam_browser, &changed).await.status(), 400);

    // Expired.
    sqlx::query("UPDATE proxy_invitations SET expires_at = $1")
        .bind(chrono::Utc::now().timestamp() - 1)
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = accept(&app, &sam_browser, &token).await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("expired"));

    // A clinician's account is not a proxy's.
    let clinician = signed_in(&app, &CLINICIAN).await;
    assert_eq!(
        app.get(&clinician, &format!("/proxy/accept?token={token}"))
            .await
            .status(),
        403
    );

    assert_eq!(count(&app, "SELECT COUNT(*) FROM proxy_grants").await, 0);
    assert_eq!(
        denied(&app, "proxy_accept").await,
        vec![
            "invite_self",
            "invitation_unknown",
            "invitation_unknown",
            "invitation_expired"
        ]
    );
}

#[tokio::test]
async fn a_patient_cannot_revoke_or_see_another_patients_proxies() {
    let (app, a, _) = patient_a().await;
    let sam = email_of(&PATIENT_B);
    assert_eq!(invite(&app, &a, &sam, &["record"], "").await.status(), 303);
    let token = mailed_token(&app, &sam).await;
    let sam_browser = signed_in(&app, &PATIENT_B).await;
    assert_eq!(accept(&app, &sam_browser, &token).await.status(), 303);
    let grant: String = sqlx::query("SELECT id FROM proxy_grants")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);

    // Patient B (with a record of their own) tries to end A's proxy.
    let other = app.seed(&records(2)[1]).await;
    app.link(&other, &PATIENT_B).await;
    let csrf_b = csrf(&app, &sam_browser).await;
    let resp = post(
        &app,
        &sam_browser,
        &format!("/account/proxies/{grant}/revoke"),
        &[("csrf_token", csrf_b.as_str())],
    )
    .await;
    assert_eq!(resp.status(), 404);
    assert_eq!(live_grants(&app).await, 1);
    assert_eq!(denied(&app, "proxy_revoke").await, vec!["grant_unknown"]);
    let page = app
        .get(&sam_browser, "/account/proxies")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("No one can act for you"), "B sees only B's");
}

/// A invites B with `scopes`; B accepts. Returns A's browser, B's browser, the grant id and
/// A's record.
async fn proxy_with(
    scopes: &[&str],
) -> (
    TestApp,
    Browser,
    Browser,
    String,
    patient_portal::records::model::PatientRecord,
) {
    let app = spawn_app().await;
    let record = records(1)[0].clone();
    let (a, _) = signed_in_patient(&app, &record, &PATIENT_A).await;
    let sam = email_of(&PATIENT_B);
    assert_eq!(invite(&app, &a, &sam, scopes, "").await.status(), 303);
    let token = mailed_token(&app, &sam).await;
    let sam_browser = signed_in(&app, &PATIENT_B).await;
    assert_eq!(accept(&app, &sam_browser, &token).await.status(), 303);
    let grant: String = sqlx::query("SELECT id FROM proxy_grants")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    (app, a, sam_browser, grant, record)
}

#[tokio::test]
async fn a_proxy_reads_the_record_acting_for_the_patient_who_sees_it_in_the_access_log() {
    let (app, a, sam, grant, record) = proxy_with(&["record"]).await;
    let chooser = app.get(&sam, "/acting").await.text().await.unwrap();
    let name = format!("{} {}", record.patient.given, record.patient.family);
    assert!(chooser.contains(&format!("/acting/{grant}")), "{chooser}");

    let page = app.get(&sam, &format!("/acting/{grant}")).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("You are acting for"), "the banner");
    assert!(page.contains(&name), "whose record: {name}");
    if let Some(c) = record.conditions.first() {
        assert!(page.contains(&c.code.display), "the record itself");
    }
    let labs = app.get(&sam, &format!("/acting/{grant}/labs")).await;
    assert_eq!(labs.status(), 200);
    assert!(labs.text().await.unwrap().contains("You are acting for"));

    // The audit names the proxy as actor and the patient as subject; the patient reads it.
    let rows = app.audit_rows().await;
    let read = rows
        .iter()
        .find(|r| r.0 == "view_record" && r.1.as_deref() == Some(PATIENT_B.subject))
        .expect("the proxy's read is audited");
    assert!(read.2.is_some());
    let log = app
        .get(&a, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        log.contains(&format!("{} (your proxy)", PATIENT_B.name)),
        "{log}"
    );
    assert!(log.contains("your test results"), "{log}");
}

#[tokio::test]
async fn a_proxy_reaches_only_what_the_grant_covers_and_nothing_after_revocation() {
    let (app, a, sam, grant, _) = proxy_with(&["messages"]).await;
    // Messages only: the record is refused, and the refusal audited.
    assert_eq!(
        app.get(&sam, &format!("/acting/{grant}")).await.status(),
        403
    );
    assert_eq!(
        app.get(&sam, &format!("/acting/{grant}/labs"))
            .await
            .status(),
        403
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE actor_role = 'proxy' AND outcome = 'denied'"
        )
        .await,
        2
    );
    // The messages scope opens the conversations and nothing of appointments or renewals.
    let page = app.get(&sam, &format!("/acting/{grant}/messages")).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("You are acting for"));
    for part in ["appointments", "renewals"] {
        assert_eq!(
            app.get(&sam, &format!("/acting/{grant}/{part}"))
                .await
                .status(),
            403,
            "{part}"
        );
    }
    // The patient themselves, or anyone else, cannot use the grant.
    assert_eq!(app.get(&a, &format!("/acting/{grant}")).await.status(), 403);

    let (app, a, sam, grant, _) = proxy_with(&["record"]).await;
    assert_eq!(
        app.get(&sam, &format!("/acting/{grant}")).await.status(),
        200
    );
    let csrf_a = csrf(&app, &a).await;
    let resp = post(
        &app,
        &a,
        &format!("/account/proxies/{grant}/revoke"),
        &[("csrf_token", csrf_a.as_str())],
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        app.get(&sam, &format!("/acting/{grant}")).await.status(),
        403,
        "revoked at once, in the same session"
    );
    // A grant past its end date opens nothing either.
    let (app, _a, sam, grant, _) = proxy_with(&["record"]).await;
    sqlx::query("UPDATE proxy_grants SET ends_at = $1")
        .bind(chrono::Utc::now().timestamp() - 1)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app.get(&sam, &format!("/acting/{grant}")).await.status(),
        403
    );
}

#[tokio::test]
async fn the_export_carries_each_live_proxy_as_a_related_person() {
    let (app, a, _sam, grant, _) = proxy_with(&["record", "appointments"]).await;
    let export = app.get(&a, "/records/export").await;
    assert_eq!(export.status(), 200);
    let bundle: serde_json::Value = export.json().await.unwrap();
    let entries = bundle["entry"].as_array().unwrap();
    let related: Vec<_> = entries
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "RelatedPerson")
        .collect();
    assert_eq!(related.len(), 1);
    let person = &related[0]["resource"];
    assert_eq!(person["id"], grant.as_str());
    assert_eq!(person["name"][0]["text"], PATIENT_B.name);
    assert_eq!(person["patient"]["reference"], entries[0]["fullUrl"]);
    assert!(person["period"]["start"].is_string());
    if let Some(dir) = std::env::var_os("FHIR_EXPORT_DIR") {
        std::fs::write(
            std::path::Path::new(&dir).join("proxy-export.json"),
            serde_json::to_vec_pretty(&bundle).unwrap(),
        )
        .unwrap();
    }

    // Revoked: no longer in the export.
    let csrf_a = csrf(&app, &a).await;
    post(
        &app,
        &a,
        &format!("/account/proxies/{grant}/revoke"),
        &[("csrf_token", csrf_a.as_str())],
    )
    .await;
    let bundle: serde_json::Value = app.get(&a, "/records/export").await.json().await.unwrap();
    assert!(!bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["resource"]["resourceType"] == "RelatedPerson"));
}

/// A patient `age` years old today with a sensitive condition (depression) added to the
/// record, on the care team of CLINICIAN, who records PATIENT_B as guardian; B accepts.
/// Returns the app, the guardian's browser, the grant and the patient's id.
async fn guardian_of(age: u32) -> (TestApp, Browser, String, String) {
    let app = spawn_app().await;
    let mut record = records(1)[0].clone();
    record.patient.birth_date = today() - chrono::Months::new(12 * age) - chrono::Days::new(1);
    let mut sensitive = record.conditions[0].clone();
    sensitive.fhir_id = "sensitive-condition-1".into();
    sensitive.code.system = "http://snomed.info/sct".into();
    sensitive.code.code = "35489007".into();
    sensitive.code.display = "Depressive disorder".into();
    record.conditions.push(sensitive);
    let pid = app.seed(&record).await;
    app.add_to_care_team(&pid, &CLINICIAN).await;
    let staff = signed_in(&app, &CLINICIAN).await;
    let resp = record_guardian(&app, &staff, &pid, &email_of(&PATIENT_B), "checked").await;
    assert_eq!(resp.status(), 303, "the guardian is invited");
    let token = mailed_token(&app, &email_of(&PATIENT_B)).await;
    let guardian = signed_in(&app, &PATIENT_B).await;
    assert_eq!(accept(&app, &guardian, &token).await.status(), 303);
    let grant: String = sqlx::query("SELECT id FROM proxy_grants WHERE kind = 'guardian'")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    (app, guardian, grant, pid)
}

async fn record_guardian(
    app: &TestApp,
    staff: &Browser,
    pid: &str,
    email: &str,
    documents: &str,
) -> reqwest::Response {
    let token = csrf(app, staff).await;
    post(
        app,
        staff,
        &format!("/staff/patients/{pid}/guardian"),
        &[
            ("csrf_token", token.as_str()),
            ("email", email),
            ("documents", documents),
        ],
    )
    .await
}

#[tokio::test]
async fn a_guardian_sees_a_childs_whole_record() {
    let (app, guardian, grant, pid) = guardian_of(8).await;
    let page = app.get(&guardian, &format!("/acting/{grant}")).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Depressive disorder"));
    // The clinician who recorded the guardian is named in the audit trail.
    let invited = app
        .audit_rows()
        .await
        .into_iter()
        .find(|r| r.0 == "proxy_invite")
        .unwrap();
    assert_eq!(invited.1.as_deref(), Some(CLINICIAN.subject));
    assert_eq!(invited.2.as_deref(), Some(pid.as_str()));
    assert!(invited.3.unwrap().starts_with("guardian invitation="));
}

#[tokio::test]
async fn a_guardian_of_an_adolescent_sees_no_sensitive_part_and_nothing_once_they_are_adult() {
    let (app, guardian, grant, pid) = guardian_of(14).await;
    let page = app.get(&guardian, &format!("/acting/{grant}")).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        !page.contains("Depressive disorder"),
        "hidden from the guardian"
    );
    assert!(page.contains("You are acting for"));
    // A visit's reason or a renewal's medication may be the confidential part itself: those
    // lists stay closed to a guardian of an adolescent.
    for part in ["appointments", "renewals"] {
        assert_eq!(
            app.get(&guardian, &format!("/acting/{grant}/{part}"))
                .await
                .status(),
            403,
            "{part}"
        );
    }

    // The patient turns 18 (the clock set through the data): the access ends by itself.
    let eighteen = today() - chrono::Months::new(12 * 18);
    sqlx::query("UPDATE patients SET birth_date = $1 WHERE id = $2")
        .bind(eighteen.format("%Y-%m-%d").to_string())
        .bind(&pid)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app.get(&guardian, &format!("/acting/{grant}"))
            .await
            .status(),
        403
    );
    // The day before the 12th birthday a guardian sees everything; on it, no longer.
    let (app, guardian, grant, pid) = guardian_of(8).await;
    let day_before_12 = today() - chrono::Months::new(12 * 12) + chrono::Days::new(1);
    sqlx::query("UPDATE patients SET birth_date = $1 WHERE id = $2")
        .bind(day_before_12.format("%Y-%m-%d").to_string())
        .bind(&pid)
        .execute(&app.pool)
        .await
        .unwrap();
    let page = app.get(&guardian, &format!("/acting/{grant}")).await;
    assert!(page.text().await.unwrap().contains("Depressive disorder"));
    let twelve = today() - chrono::Months::new(12 * 12);
    sqlx::query("UPDATE patients SET birth_date = $1 WHERE id = $2")
        .bind(twelve.format("%Y-%m-%d").to_string())
        .bind(&pid)
        .execute(&app.pool)
        .await
        .unwrap();
    let page = app.get(&guardian, &format!("/acting/{grant}")).await;
    assert!(!page.text().await.unwrap().contains("Depressive disorder"));
}

#[tokio::test]
async fn a_guardian_request_for_an_adult_or_without_documents_is_refused_and_audited() {
    let app = spawn_app().await;
    let mut adult = records(1)[0].clone();
    adult.patient.birth_date = today() - chrono::Months::new(12 * 30);
    let pid = app.seed(&adult).await;
    app.add_to_care_team(&pid, &CLINICIAN).await;
    let staff = signed_in(&app, &CLINICIAN).await;
    let resp = record_guardian(&app, &staff, &pid, &email_of(&PATIENT_B), "checked").await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("is an adult"));

    let mut child = records(2)[1].clone();
    child.patient.birth_date = today() - chrono::Months::new(12 * 5);
    let child_id = app.seed(&child).await;
    app.add_to_care_team(&child_id, &CLINICIAN).await;
    let resp = record_guardian(&app, &staff, &child_id, &email_of(&PATIENT_B), "").await;
    assert_eq!(resp.status(), 400);
    // A clinician outside the care team is offered break-the-glass, nothing else.
    let other = signed_in(&app, &OTHER_CLINICIAN).await;
    let resp = record_guardian(&app, &other, &child_id, &email_of(&PATIENT_B), "checked").await;
    assert_eq!(resp.status(), 403);

    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM proxy_invitations").await,
        0
    );
    assert_eq!(
        denied(&app, "proxy_invite").await,
        vec!["guardian guardian_adult", "guardian documents_unchecked"]
    );
}

#[tokio::test]
async fn each_scope_opens_its_own_part_of_the_record() {
    let (app, _a, sam, grant, _) = proxy_with(&["appointments", "renewals"]).await;
    for part in ["appointments", "renewals"] {
        let page = app.get(&sam, &format!("/acting/{grant}/{part}")).await;
        assert_eq!(page.status(), 200, "{part}");
    }
    for part in ["", "/labs", "/messages"] {
        assert_eq!(
            app.get(&sam, &format!("/acting/{grant}{part}"))
                .await
                .status(),
            403,
            "{part}"
        );
    }
}

#[tokio::test]
async fn a_withdrawn_invitation_grants_nothing() {
    let (app, a, _) = patient_a().await;
    let sam = email_of(&PATIENT_B);
    assert_eq!(invite(&app, &a, &sam, &["record"], "").await.status(), 303);
    let token = mailed_token(&app, &sam).await;
    let id: String = sqlx::query("SELECT id FROM proxy_invitations")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    let csrf_a = csrf(&app, &a).await;
    let withdraw = |id: String| {
        let csrf_a = csrf_a.clone();
        let app = &app;
        let a = &a;
        async move {
            post(
                app,
                a,
                &format!("/account/proxies/invitations/{id}/withdraw"),
                &[("csrf_token", csrf_a.as_str())],
            )
            .await
        }
    };
    assert_eq!(withdraw("no-such-invitation".into()).await.status(), 404);
    assert_eq!(withdraw(id.clone()).await.status(), 303);
    assert_eq!(withdraw(id).await.status(), 404, "once");
    let page = app.get(&a, "/account/proxies").await.text().await.unwrap();
    assert!(!page.contains(&sam), "no longer listed");

    let sam_browser = signed_in(&app, &PATIENT_B).await;
    let resp = accept(&app, &sam_browser, &token).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(live_grants(&app).await, 0);
    assert_eq!(
        denied(&app, "proxy_revoke").await,
        vec!["invitation_unknown", "invitation_unknown"]
    );
}

#[tokio::test]
async fn the_header_offers_the_switch_only_to_someone_who_holds_a_live_grant() {
    let (app, a, sam, grant, _) = proxy_with(&["record"]).await;
    let switch = "href=\"/acting\"";
    // On any page, not only the /acting ones.
    let home = app.get(&sam, "/account").await.text().await.unwrap();
    assert!(home.contains(switch), "the proxy is offered the switch");
    assert!(home.contains("Records you can open for others"));
    // The patient (who acts for no one) is not; their account page leads to their proxies.
    let own = app.get(&a, "/account").await.text().await.unwrap();
    assert!(!own.contains(switch), "no switch for someone with no grant");
    assert!(own.contains("href=\"/account/proxies\""), "{own}");
    assert!(own.contains("People who can act for you"));
    // Revoked: the switch goes at once.
    let csrf_a = csrf(&app, &a).await;
    let resp = post(
        &app,
        &a,
        &format!("/account/proxies/{grant}/revoke"),
        &[("csrf_token", csrf_a.as_str())],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let home = app.get(&sam, "/account").await.text().await.unwrap();
    assert!(!home.contains(switch), "gone with the grant");
    // Past its end date: no switch either.
    let (app, _a, sam, _grant, _) = proxy_with(&["messages"]).await;
    sqlx::query("UPDATE proxy_grants SET ends_at = $1")
        .bind(chrono::Utc::now().timestamp() - 1)
        .execute(&app.pool)
        .await
        .unwrap();
    let home = app.get(&sam, "/account").await.text().await.unwrap();
    assert!(!home.contains(switch));
}

async fn send_for(app: &TestApp, b: &Browser, grant: &str, subject: &str) -> reqwest::Response {
    let token = csrf(app, b).await;
    post(
        app,
        b,
        &format!("/acting/{grant}/messages"),
        &[
            ("csrf_token", token.as_str()),
            ("subject", subject),
            ("body", "She has had a fever since Monday."),
        ],
    )
    .await
}

async fn threads(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM message_threads").await
}

#[tokio::test]
async fn a_proxy_with_the_messages_scope_writes_to_the_care_team_for_the_patient() {
    let (app, a, sam, grant, record) = proxy_with(&["messages"]).await;
    let name = format!("{} {}", record.patient.given, record.patient.family);
    let list = app
        .get(&sam, &format!("/acting/{grant}/messages"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        list.contains(&format!("/acting/{grant}/messages/new")),
        "{list}"
    );
    let form = app
        .get(&sam, &format!("/acting/{grant}/messages/new"))
        .await;
    assert_eq!(form.status(), 200);
    let form = form.text().await.unwrap();
    assert!(form.contains("You are acting for") && form.contains(&name));

    // Without the form's token: refused, nothing stored.
    let resp = post(
        &app,
        &sam,
        &format!("/acting/{grant}/messages"),
        &[("subject", "Fever"), ("body", "Hello")],
    )
    .await;
    assert!(resp.status().is_client_error(), "{}", resp.status());
    // An empty subject: a 400 page, nothing stored.
    assert_eq!(send_for(&app, &sam, &grant, " ").await.status(), 400);
    assert_eq!(threads(&app).await, 0);

    let resp = send_for(&app, &sam, &grant, "Fever").await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), format!("/acting/{grant}/messages?sent=1"));
    let row = sqlx::query(
        "SELECT t.patient_id, m.author_subject, m.author_name, t.staff_unread \
         FROM message_threads t JOIN messages m ON m.thread_id = t.id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let patient_id: String = row.get(0);
    assert_eq!(
        row.get::<String, _>(1),
        PATIENT_B.subject,
        "written by the proxy"
    );
    assert_eq!(
        row.get::<String, _>(2),
        format!("{} (proxy), for {name}", PATIENT_B.name)
    );
    assert_eq!(row.get::<i64, _>(3), 1, "the care team has it unread");
    let sent_page = app
        .get(&sam, &format!("/acting/{grant}/messages?sent=1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        sent_page.contains("was sent to the care team"),
        "{sent_page}"
    );
    assert!(sent_page.contains("Fever"), "the conversation is listed");

    // Audited with the proxy as actor and the patient as subject.
    let sent = app
        .audit_rows()
        .await
        .into_iter()
        .find(|r| r.0 == "send_message")
        .expect("the sending is audited");
    assert_eq!(sent.1.as_deref(), Some(PATIENT_B.subject));
    assert_eq!(sent.2.as_deref(), Some(patient_id.as_str()));

    // The patient sees the conversation in their own messages, signed by the proxy for them.
    // New to the patient: the header counts it unread.
    let own = app.get(&a, "/messages").await.text().await.unwrap();
    assert!(own.contains("Fever"), "{own}");
    assert!(own.contains("1 unread"), "{own}");
    let thread: String = sqlx::query("SELECT id FROM message_threads")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    let page = app
        .get(&a, &format!("/messages/{thread}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("{} (proxy), for {name}", PATIENT_B.name)),
        "{page}"
    );
    // In the patient's export the message is the patient's side, to the care team.
    let bundle: serde_json::Value = app.get(&a, "/records/export").await.json().await.unwrap();
    let sent = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "Communication")
        .expect("the message is exported");
    assert_eq!(sent["recipient"][0]["display"], "Care team", "{sent}");
}

#[tokio::test]
async fn a_proxy_writes_nothing_without_the_messages_scope_after_revocation_or_as_guardian_of_an_adolescent(
) {
    // The record scope only.
    let (app, _a, sam, grant, _) = proxy_with(&["record"]).await;
    assert_eq!(
        app.get(&sam, &format!("/acting/{grant}/messages/new"))
            .await
            .status(),
        403
    );
    assert_eq!(send_for(&app, &sam, &grant, "Fever").await.status(), 403);
    assert_eq!(threads(&app).await, 0);
    assert_eq!(
        denied(&app, "send_message").await,
        vec!["message_send proxy_denied"]
    );

    // Revoked.
    let (app, a, sam, grant, _) = proxy_with(&["messages"]).await;
    let csrf_a = csrf(&app, &a).await;
    post(
        &app,
        &a,
        &format!("/account/proxies/{grant}/revoke"),
        &[("csrf_token", csrf_a.as_str())],
    )
    .await;
    assert_eq!(send_for(&app, &sam, &grant, "Fever").await.status(), 403);
    assert_eq!(threads(&app).await, 0);

    // Someone else's grant id, from another account (the patient themselves).
    let (app, a, _sam, grant, _) = proxy_with(&["messages"]).await;
    assert_eq!(send_for(&app, &a, &grant, "Fever").await.status(), 403);
    assert_eq!(threads(&app).await, 0);

    // A guardian of an adolescent: their conversations may be confidential.
    let (app, guardian, grant, _) = guardian_of(14).await;
    assert_eq!(
        app.get(&guardian, &format!("/acting/{grant}/messages/new"))
            .await
            .status(),
        403
    );
    assert_eq!(
        send_for(&app, &guardian, &grant, "Fever").await.status(),
        403
    );
    assert_eq!(threads(&app).await, 0);
    // A guardian of a child may write.
    let (app, guardian, grant, _) = guardian_of(8).await;
    assert_eq!(
        send_for(&app, &guardian, &grant, "Fever").await.status(),
        303
    );
    assert_eq!(threads(&app).await, 1);
}

/// The proxies' pages in Spanish (#31): the patient's list with a live grant and an open
/// invitation, and the proxy's chooser and each page they act on. `lang="es"` and no English
/// message on any.
#[tokio::test]
async fn the_proxy_pages_read_in_spanish() {
    use crate::languages::{assert_spanish, get_in};
    let (app, a, sam, grant, _) =
        proxy_with(&["record", "messages", "appointments", "renewals"]).await;
    let resp = invite(&app, &a, "alex.doe@example.com", &["record"], "").await;
    assert_eq!(resp.status(), 303);
    let page = get_in(&app, &a, "/account/proxies", "es")
        .await
        .text()
        .await
        .unwrap();
    assert_spanish(&page, "/account/proxies");
    assert!(page.contains("Invitaciones aún no aceptadas"), "{page}");
    for path in [
        "/acting".to_string(),
        format!("/acting/{grant}"),
        format!("/acting/{grant}/labs"),
        format!("/acting/{grant}/messages"),
        format!("/acting/{grant}/messages/new"),
        format!("/acting/{grant}/appointments"),
        format!("/acting/{grant}/renewals"),
    ] {
        let resp = get_in(&app, &sam, &path, "es").await;
        assert_eq!(resp.status(), 200, "{path}");
        let page = resp.text().await.unwrap();
        assert_spanish(&page, &path);
        if path != "/acting" {
            assert!(page.contains("Está actuando por"), "{path}: {page}");
        }
    }
}
