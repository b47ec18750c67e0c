//! Proxies' rules (#29): an invitation belongs to the address it was sent to; the audit entry
//! of every change to who may act for whom is durable before the change holds; a grant whose
//! people changed opens nothing; what a guardian of an adolescent does not see.

use patient_portal::records::model::{systems, Allergy, Concept, PatientRecord};
use serde_json::{json, Value};

use super::{
    accept, denied, email_of, invite, live_grants, mailed_token, patient_a, proxy_with,
    record_guardian,
};
use crate::support::*;

/// Someone with no record and no grant: holds a forwarded invitation link.
const PATIENT_C: Person = Person {
    subject: "0a1b2c3d-0000-4000-8000-00000000000c",
    name: "Charlie Other",
    clinician: false,
};

/// A fresh browser where `who` signed in (B2C, a fresh MFA sign-in) with `emails` as the
/// token's `emails` claim (`None`: no such claim).
async fn signed_in_with_emails(app: &TestApp, who: &Person, emails: Option<Value>) -> Browser {
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let mut claims = app.idp.claims(&started.nonce);
    claims["sub"] = json!(who.subject);
    claims["oid"] = json!(who.subject);
    claims["name"] = json!(who.name);
    match emails {
        Some(e) => claims["emails"] = e,
        None => {
            claims.as_object_mut().unwrap().remove("emails");
        }
    }
    assert_eq!(
        app.reply(&b, &started, sign(&claims, 0)).await.status(),
        302
    );
    b
}

async fn open_invitations(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM proxy_invitations WHERE used_at IS NULL",
    )
    .await
}

#[tokio::test]
async fn an_invitation_is_accepted_only_by_an_account_that_proves_the_invited_address() {
    let (app, a, _) = patient_a().await;
    let sam = email_of(&PATIENT_B);
    assert_eq!(invite(&app, &a, &sam, &["record"], "").await.status(), 303);
    let token = mailed_token(&app, &sam).await;

    // Someone else's account, with the forwarded link: the portal's 403 page, nothing granted.
    let other = signed_in(&app, &PATIENT_C).await;
    let page = app
        .get(&other, &format!("/proxy/accept?token={token}"))
        .await;
    assert_eq!(page.status(), 403);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("This invitation is for someone else"),
        "{page}"
    );
    assert!(!page.contains(&sam), "the invited address is not shown");
    assert!(
        !page.contains("Read the health record"),
        "not the offer: {page}"
    );
    let resp = accept(&app, &other, &token).await;
    assert_eq!(resp.status(), 403);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("sent to a different e-mail address"));

    // A sign-in that gave no e-mail address: refused the same way.
    let no_email = signed_in_with_emails(&app, &PATIENT_C, None).await;
    let resp = accept(&app, &no_email, &token).await;
    assert_eq!(resp.status(), 403);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("did not give the portal a verified e-mail address"));

    assert_eq!(count(&app, "SELECT COUNT(*) FROM proxy_grants").await, 0);
    assert_eq!(open_invitations(&app).await, 1, "still open for Blair");
    assert_eq!(
        denied(&app, "proxy_accept").await,
        vec!["email_mismatch", "email_mismatch", "email_missing"]
    );

    // The invited person, whose token gives the address among others, in capitals, spaced.
    let blair = signed_in_with_emails(
        &app,
        &PATIENT_B,
        Some(json!([
            "blair@work.example.org",
            format!(" {} ", sam.to_uppercase())
        ])),
    )
    .await;
    assert_eq!(
        app.get(&blair, &format!("/proxy/accept?token={token}"))
            .await
            .status(),
        200
    );
    assert_eq!(accept(&app, &blair, &token).await.status(), 303);
    assert_eq!(live_grants(&app).await, 1);
}

#[tokio::test]
async fn a_guardian_invitation_is_accepted_only_by_the_invited_address() {
    let app = spawn_app().await;
    let mut child = records(1)[0].clone();
    child.patient.birth_date = today() - chrono::Months::new(12 * 8);
    let pid = app.seed(&child).await;
    app.add_to_care_team(&pid, &CLINICIAN).await;
    let staff = signed_in(&app, &CLINICIAN).await;
    let guardian = email_of(&PATIENT_B);
    let resp = record_guardian(&app, &staff, &pid, &guardian, "checked").await;
    assert_eq!(resp.status(), 303);
    let token = mailed_token(&app, &guardian).await;

    let other = signed_in(&app, &PATIENT_C).await;
    assert_eq!(accept(&app, &other, &token).await.status(), 403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM proxy_grants").await, 0);
    assert_eq!(denied(&app, "proxy_accept").await, vec!["email_mismatch"]);

    let blair = signed_in(&app, &PATIENT_B).await;
    assert_eq!(accept(&app, &blair, &token).await.status(), 303);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM proxy_grants WHERE kind = 'guardian'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn with_external_id_the_email_claim_is_the_proof() {
    let app = spawn_app_with(Options {
        profile: Profile::ExternalId,
        ..Options::default()
    })
    .await;
    let (a, _) = signed_in_patient(&app, &records(1)[0], &PATIENT_A).await;
    let sam = email_of(&PATIENT_B);
    assert_eq!(invite(&app, &a, &sam, &["record"], "").await.status(), 303);
    let token = mailed_token(&app, &sam).await;
    let other = signed_in(&app, &PATIENT_C).await;
    assert_eq!(accept(&app, &other, &token).await.status(), 403);
    let blair = signed_in(&app, &PATIENT_B).await;
    assert_eq!(accept(&app, &blair, &token).await.status(), 303);
    assert_eq!(live_grants(&app).await, 1);
}

/// The audit store refuses every proxy entry (invitations, acceptances, revocations and
/// withdrawals, guardians' too) as a full disk would; other entries (sign-ins) still go in.
async fn refuse_proxy_entries(app: &TestApp, refuse: bool) {
    let sql = if refuse {
        "CREATE TRIGGER refuse_proxy_entries BEFORE INSERT ON audit_log \
         WHEN NEW.action LIKE 'proxy_%' BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    } else {
        "DROP TRIGGER refuse_proxy_entries"
    };
    sqlx::query(sql).execute(&app.pool).await.unwrap();
}

/// The portal's 503 page.
async fn assert_unavailable(resp: reqwest::Response, what: &str) {
    assert_eq!(resp.status(), 503, "{what}");
    assert!(
        resp.text().await.unwrap().contains("unavailable"),
        "{what}: the styled 503 page"
    );
}

#[tokio::test]
async fn no_change_to_who_may_act_for_whom_holds_before_its_audit_entry_is_durable() {
    // Arrange: Blair is A's proxy, Charlie has an open invitation, a clinician has a child on
    // the care team; then the audit store refuses proxy entries.
    let (app, a, _) = patient_a().await;
    let blair = email_of(&PATIENT_B);
    assert_eq!(
        invite(&app, &a, &blair, &["record"], "").await.status(),
        303
    );
    let token = mailed_token(&app, &blair).await;
    let blair_browser = signed_in(&app, &PATIENT_B).await;
    assert_eq!(accept(&app, &blair_browser, &token).await.status(), 303);
    let grant: String = sqlx::query_scalar("SELECT id FROM proxy_grants")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let charlie = email_of(&PATIENT_C);
    assert_eq!(
        invite(&app, &a, &charlie, &["record"], "").await.status(),
        303
    );
    let charlie_token = mailed_token(&app, &charlie).await;
    let invitation: String =
        sqlx::query_scalar("SELECT id FROM proxy_invitations WHERE email = $1")
            .bind(&charlie)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let mut child = records(2)[1].clone();
    child.patient.birth_date = today() - chrono::Months::new(12 * 8);
    let child_id = app.seed(&child).await;
    app.add_to_care_team(&child_id, &CLINICIAN).await;
    let staff = signed_in(&app, &CLINICIAN).await;
    let charlie_browser = signed_in(&app, &PATIENT_C).await;
    let invitations = count(&app, "SELECT COUNT(*) FROM proxy_invitations").await;
    let mails = count(&app, "SELECT COUNT(*) FROM notification_queue").await;
    refuse_proxy_entries(&app, true).await;

    // Act + Assert: each change is the 503 page and did not happen.
    assert_unavailable(
        invite(&app, &a, "dana@example.org", &["record"], "").await,
        "an invitation",
    )
    .await;
    assert_unavailable(
        record_guardian(&app, &staff, &child_id, "dana@example.org", "checked").await,
        "a guardian",
    )
    .await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM proxy_invitations").await,
        invitations,
        "no invitation"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM notification_queue").await,
        mails,
        "no mail"
    );
    assert_unavailable(
        accept(&app, &charlie_browser, &charlie_token).await,
        "an acceptance",
    )
    .await;
    assert_eq!(live_grants(&app).await, 1, "nothing granted to Charlie");
    let csrf_a = csrf(&app, &a).await;
    let withdraw = post(
        &app,
        &a,
        &format!("/account/proxies/invitations/{invitation}/withdraw"),
        &[("csrf_token", csrf_a.as_str())],
    )
    .await;
    assert_unavailable(withdraw, "a withdrawal").await;
    let revoke = post(
        &app,
        &a,
        &format!("/account/proxies/{grant}/revoke"),
        &[("csrf_token", csrf_a.as_str())],
    )
    .await;
    assert_unavailable(revoke, "a revocation").await;
    assert_eq!(live_grants(&app).await, 1, "Blair's grant holds");
    assert_eq!(
        app.get(&blair_browser, &format!("/acting/{grant}"))
            .await
            .status(),
        200
    );

    // Once the store takes entries again, Charlie's invitation still works (it was neither
    // used up by the refused acceptance nor withdrawn).
    refuse_proxy_entries(&app, false).await;
    assert_eq!(
        accept(&app, &charlie_browser, &charlie_token)
            .await
            .status(),
        303
    );
    assert_eq!(live_grants(&app).await, 2);
    assert_eq!(verify(&app).0, 0, "the chain verifies");
}

#[tokio::test]
async fn a_patients_grant_opens_nothing_once_the_record_is_no_longer_linked_to_the_account_that_gave_it(
) {
    let (app, _a, blair, grant, record) = proxy_with(&["record", "messages"]).await;
    let condition = record.conditions[0].code.display.clone();
    let pid: String = sqlx::query_scalar("SELECT patient_id FROM proxy_grants")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let summary = format!("/acting/{grant}");
    assert_eq!(app.get(&blair, &summary).await.status(), 200);

    // The record's link is removed (say, the clinic unlinked a wrongly linked account).
    sqlx::query("UPDATE patients SET b2c_subject = NULL WHERE id = $1")
        .bind(&pid)
        .execute(&app.pool)
        .await
        .unwrap();
    for path in [summary.clone(), format!("/acting/{grant}/messages")] {
        let page = app.get(&blair, &path).await;
        assert_eq!(page.status(), 403, "{path}");
        let page = page.text().await.unwrap();
        assert!(
            page.contains("no longer holds their record in the portal"),
            "{path}: {page}"
        );
        assert!(!page.contains(&condition), "{path}: nothing of the record");
    }
    // Linked since to another account: that account gave Blair nothing.
    app.link(&pid, &PATIENT_C).await;
    assert_eq!(app.get(&blair, &summary).await.status(), 403);
    // Back with the account that gave it: it opens again (it was never revoked).
    app.link(&pid, &PATIENT_A).await;
    assert_eq!(app.get(&blair, &summary).await.status(), 200);

    assert_eq!(
        denied(&app, "view_record").await,
        vec![
            "summary grant_gone grantor_unlinked",
            "summary grant_gone grantor_unlinked"
        ]
    );
    assert_eq!(
        denied(&app, "read_messages").await,
        vec!["messages grant_gone grantor_unlinked"]
    );
}

#[tokio::test]
async fn a_grant_opens_nothing_to_an_account_that_no_longer_proves_the_invited_address() {
    let (app, _a, _blair, grant, _) = proxy_with(&["record"]).await;
    let summary = format!("/acting/{grant}");
    // Blair's account (the same subject) signs in with another address, then with none.
    for emails in [Some(json!(["blair.new@example.org"])), None] {
        let blair = signed_in_with_emails(&app, &PATIENT_B, emails).await;
        let page = app.get(&blair, &summary).await;
        assert_eq!(page.status(), 403);
        let page = page.text().await.unwrap();
        assert!(
            page.contains("given to an e-mail address that your sign-in no longer gives"),
            "{page}"
        );
    }
    assert_eq!(
        denied(&app, "view_record").await,
        vec![
            "summary grant_gone proxy_email_changed",
            "summary grant_gone proxy_email_changed"
        ]
    );
    // With the invited address again: it opens.
    let blair = signed_in(&app, &PATIENT_B).await;
    assert_eq!(app.get(&blair, &summary).await.status(), 200);
}

/// `record` stored for a patient `age` years old, linked to PATIENT_A's account and on
/// CLINICIAN's care team; CLINICIAN records PATIENT_B as guardian, who accepts. Returns the
/// app, the patient's browser, the guardian's browser and the grant.
async fn guardian_over(mut record: PatientRecord, age: u32) -> (TestApp, Browser, Browser, String) {
    let app = spawn_app().await;
    record.patient.birth_date = today() - chrono::Months::new(12 * age) - chrono::Days::new(1);
    let (patient, pid) = signed_in_patient(&app, &record, &PATIENT_A).await;
    app.add_to_care_team(&pid, &CLINICIAN).await;
    let staff = signed_in(&app, &CLINICIAN).await;
    let guardian_email = email_of(&PATIENT_B);
    let resp = record_guardian(&app, &staff, &pid, &guardian_email, "checked").await;
    assert_eq!(resp.status(), 303, "the guardian is invited");
    let token = mailed_token(&app, &guardian_email).await;
    let guardian = signed_in(&app, &PATIENT_B).await;
    assert_eq!(accept(&app, &guardian, &token).await.status(), 303);
    let grant: String = sqlx::query_scalar("SELECT id FROM proxy_grants")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (app, patient, guardian, grant)
}

async fn text(app: &TestApp, b: &Browser, path: &str) -> String {
    let resp = app.get(b, path).await;
    assert_eq!(resp.status(), 200, "{path}");
    resp.text().await.unwrap()
}

#[tokio::test]
async fn a_guardian_of_an_adolescent_sees_no_sensitive_medication_allergy_or_test_result() {
    // Arrange: an antidepressant, an allergy to a contraceptive and a pregnancy test, each
    // coded with a code of the sensitive code sets, beside the record's ordinary items.
    let mut record = records(1)[0].clone();
    let ordinary_medication = record
        .medications
        .first()
        .expect("the demo record has medications")
        .code
        .display
        .clone();
    let mut medication = record.medications[0].clone();
    medication.fhir_id = "sensitive-medication-1".into();
    medication.code = Concept::new(systems::RXNORM, "312938", "Sertraline 100 MG Oral Tablet");
    record.medications.push(medication);
    let mut allergy = Allergy::no_known_allergies("sensitive-allergy-1".into(), None);
    allergy.code = Concept::new(systems::RXNORM, "748962", "Camila (norethindrone) allergy");
    record.allergies.push(allergy);
    let lab = record
        .observations
        .iter()
        .find(|o| o.category.fhir_code() == "laboratory")
        .expect("the demo record has test results")
        .clone();
    let ordinary_lab = lab.code.display.clone();
    let mut pregnancy_test = lab;
    pregnancy_test.fhir_id = "sensitive-lab-1".into();
    pregnancy_test.code = Concept::new(
        systems::LOINC,
        "2106-3",
        "Choriogonadotropin (pregnancy test)",
    );
    record.observations.push(pregnancy_test);
    let (app, patient, guardian, grant) = guardian_over(record, 14).await;

    // The adolescent sees each on their own pages.
    for (path, name) in [
        ("/records/medications", "Sertraline 100 MG Oral Tablet"),
        ("/records/allergies", "Camila (norethindrone) allergy"),
        ("/records/labs", "Choriogonadotropin (pregnancy test)"),
    ] {
        assert!(text(&app, &patient, path).await.contains(name), "{path}");
    }
    // The guardian sees the lists, without them.
    let summary = text(&app, &guardian, &format!("/acting/{grant}")).await;
    assert!(summary.contains(&ordinary_medication), "{summary}");
    assert!(!summary.contains("Sertraline"), "the medication is hidden");
    assert!(!summary.contains("Camila"), "the allergy is hidden");
    let labs = text(&app, &guardian, &format!("/acting/{grant}/labs")).await;
    assert!(labs.contains(&ordinary_lab), "{labs}");
    assert!(!labs.contains("Choriogonadotropin"), "the result is hidden");
}

const CONFIDENTIALITY: &str = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";

/// A hand-written bundle, as a source system labels it: of each kind a guardian could see, one
/// item labelled restricted (R) or very restricted (V) in `meta.security`, with an ordinary
/// code (none is in the sensitive code sets), and one item without a label.
fn labelled_bundle(birth_date: &str) -> Value {
    let patient = "urn:uuid:7a1b0000-0000-4000-8000-000000000001";
    let subject = json!({ "reference": patient });
    let labelled =
        |code: &str| json!({ "security": [{ "system": CONFIDENTIALITY, "code": code }] });
    let active = |system: &str| json!({ "coding": [{ "system": system, "code": "active" }] });
    let entry = |n: u32, resource: Value| json!({ "fullUrl": format!("urn:uuid:7a1b0000-0000-4000-8000-0000000000{n:02}"), "resource": resource });
    let id = |n: u32| format!("7a1b0000-0000-4000-8000-0000000000{n:02}");
    let concept = |system: &str, code: &str, display: &str| json!({ "coding": [{ "system": system, "code": code, "display": display }], "text": display });
    let condition = |n: u32, code: &str, display: &str, meta: Option<Value>| {
        let mut r = json!({
            "resourceType": "Condition", "id": id(n), "subject": subject,
            "clinicalStatus": active(systems::CONDITION_CLINICAL),
            "code": concept(systems::SNOMED, code, display),
            "onsetDateTime": "2024-03-01T10:00:00Z"
        });
        if let Some(m) = meta {
            r["meta"] = m;
        }
        entry(n, r)
    };
    let medication = |n: u32, code: &str, display: &str, meta: Option<Value>| {
        let mut r = json!({
            "resourceType": "MedicationRequest", "id": id(n), "subject": subject,
            "status": "active", "intent": "order",
            "medicationCodeableConcept": concept(systems::RXNORM, code, display),
            "authoredOn": "2024-03-01T10:00:00Z"
        });
        if let Some(m) = meta {
            r["meta"] = m;
        }
        entry(n, r)
    };
    let allergy = |n: u32, code: &str, display: &str, meta: Option<Value>| {
        let mut r = json!({
            "resourceType": "AllergyIntolerance", "id": id(n), "patient": subject,
            "clinicalStatus": active(systems::ALLERGY_CLINICAL),
            "code": concept(systems::SNOMED, code, display)
        });
        if let Some(m) = meta {
            r["meta"] = m;
        }
        entry(n, r)
    };
    let lab = |n: u32, code: &str, display: &str, meta: Option<Value>| {
        let mut r = json!({
            "resourceType": "Observation", "id": id(n), "subject": subject, "status": "final",
            "category": [{ "coding": [{ "system": systems::OBSERVATION_CATEGORY, "code": "laboratory" }] }],
            "code": concept(systems::LOINC, code, display),
            "effectiveDateTime": "2024-03-01T10:00:00Z",
            "valueQuantity": { "value": 5.5, "unit": "mmol/L", "system": systems::UCUM, "code": "mmol/L" }
        });
        if let Some(m) = meta {
            r["meta"] = m;
        }
        entry(n, r)
    };
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            { "fullUrl": patient, "resource": {
                "resourceType": "Patient", "id": id(1),
                "name": [{ "family": "Label", "given": ["Robin"] }],
                "gender": "female", "birthDate": birth_date
            } },
            condition(2, "44054006", "Labelled condition", Some(labelled("R"))),
            condition(3, "195662009", "Plain condition", None),
            medication(4, "860975", "Labelled medication", Some(labelled("V"))),
            medication(5, "313782", "Plain medication", None),
            allergy(6, "300916003", "Labelled allergy", Some(labelled("R"))),
            allergy(7, "419474003", "Plain allergy", None),
            lab(8, "94500-6", "Labelled result", Some(labelled("R"))),
            lab(9, "5196-1", "Plain result", None),
        ]
    })
}

#[tokio::test]
async fn a_guardian_of_an_adolescent_sees_no_item_its_source_labelled_restricted() {
    // Arrange: the bundle imported as the CLI imports it (parsed, then stored).
    let born = today() - chrono::Months::new(12 * 14) - chrono::Days::new(1);
    let bundle = labelled_bundle(&born.format("%Y-%m-%d").to_string());
    let record = patient_portal::records::parse_bundle(&bundle)
        .unwrap_or_else(|e| panic!("{e}"))
        .record;
    assert_eq!(record.security_labels.len(), 4, "R and V labels kept");
    let (app, patient, guardian, grant) = guardian_over(record, 14).await;

    // The adolescent sees every item.
    for (path, name) in [
        ("/records/conditions", "Labelled condition"),
        ("/records/medications", "Labelled medication"),
        ("/records/allergies", "Labelled allergy"),
        ("/records/labs", "Labelled result"),
    ] {
        assert!(text(&app, &patient, path).await.contains(name), "{path}");
    }
    // The guardian sees the plain ones only.
    let summary = text(&app, &guardian, &format!("/acting/{grant}")).await;
    let labs = text(&app, &guardian, &format!("/acting/{grant}/labs")).await;
    for kind in ["condition", "medication", "allergy"] {
        assert!(summary.contains(&format!("Plain {kind}")), "{summary}");
        assert!(!summary.contains(&format!("Labelled {kind}")), "{kind}");
    }
    assert!(labs.contains("Plain result"), "{labs}");
    assert!(!labs.contains("Labelled result"));
    // A guardian of a child (under the child age limit) sees them all.
    let born = today() - chrono::Months::new(12 * 8) - chrono::Days::new(1);
    let record = patient_portal::records::parse_bundle(&labelled_bundle(
        &born.format("%Y-%m-%d").to_string(),
    ))
    .unwrap()
    .record;
    let (app, _patient, guardian, grant) = guardian_over(record, 8).await;
    let summary = text(&app, &guardian, &format!("/acting/{grant}")).await;
    assert!(summary.contains("Labelled condition") && summary.contains("Labelled allergy"));
}
