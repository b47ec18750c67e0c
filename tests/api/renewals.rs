//! Medication renewals: the patient asks on the medications page (with their preferred
//! pharmacy), the care team approves or declines once, the patient sees the outcome, and the
//! export carries the new prescription linked to the old.

use patient_portal::notifications::Kind;
use sqlx::Row;

use crate::appointments::{text, world, World};
use crate::support::*;

const NOTE: &str = "Only four tablets left, travelling next week";
const PHARMACY: &str = "Riverside Pharmacy, 12 Bridge Street";

/// The first active medication of the patient's record: (FHIR id, name).
fn active_medication(w: &World) -> (String, String) {
    let m = w
        .record
        .active_medications()
        .next()
        .expect("the demo record has an active medication");
    (m.fhir_id.clone(), m.code.display.clone())
}

/// The patient asks for a renewal; returns the request's id.
async fn patient_asks(w: &World) -> String {
    let token = csrf(&w.app, &w.patient).await;
    let resp = post(
        &w.app,
        &w.patient,
        "/account/pharmacy",
        &[("csrf_token", &token), ("pharmacy", PHARMACY)],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let (fhir_id, _) = active_medication(w);
    let resp = post(
        &w.app,
        &w.patient,
        "/records/medications/renewals",
        &[
            ("csrf_token", &token),
            ("medication", &fhir_id),
            ("note", NOTE),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303, "the renewal request is sent");
    sqlx::query("SELECT id FROM renewal_requests WHERE medication_fhir_id = $1")
        .bind(&fhir_id)
        .fetch_one(&w.app.pool)
        .await
        .unwrap()
        .get(0)
}

async fn decide(w: &World, who: &Browser, id: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let token = csrf(&w.app, who).await;
    let mut form = form.to_vec();
    form.push(("csrf_token", &token));
    post(&w.app, who, &format!("/staff/renewals/{id}"), &form).await
}

#[tokio::test]
async fn a_patient_asks_for_a_renewal_and_the_care_team_approves_it() {
    let w = world().await;
    let (_, account) = text(&w.app, &w.patient, "/account").await;
    assert!(account.contains("Preferred pharmacy"), "{account}");
    let (_, page) = text(&w.app, &w.patient, "/records/medications").await;
    assert!(page.contains("Ask for a renewal"), "{page}");

    let id = patient_asks(&w).await;
    let (_, page) = text(&w.app, &w.patient, "/records/medications").await;
    assert!(page.contains("Renewal requested: waiting"), "{page}");
    // A second request while one waits is refused, and stores nothing.
    let token = csrf(&w.app, &w.patient).await;
    let (fhir_id, name) = active_medication(&w);
    let resp = post(
        &w.app,
        &w.patient,
        "/records/medications/renewals",
        &[("csrf_token", &token), ("medication", &fhir_id)],
    )
    .await;
    assert_eq!(resp.status(), 409);

    // The queue names the patient only; the request shows the medication, note and pharmacy.
    let (status, queue) = text(&w.app, &w.clinician, "/staff/renewals").await;
    assert_eq!(status, 200);
    assert!(queue.contains(&id) && !queue.contains(NOTE), "{queue}");
    let (status, detail) = text(&w.app, &w.clinician, &format!("/staff/renewals/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        detail.contains(NOTE) && detail.contains(PHARMACY),
        "{detail}"
    );

    let resp = decide(
        &w,
        &w.clinician,
        &id,
        &[("action", "approve"), ("quantity", "30"), ("refills", "2")],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let (_, page) = text(&w.app, &w.patient, "/records/medications").await;
    assert!(
        page.contains("Renewal approved by Casey Clinician") && page.contains("quantity 30"),
        "{page}"
    );

    // Told by mail, without health information.
    let kinds: Vec<String> = sqlx::query("SELECT kind FROM notification_queue")
        .fetch_all(&w.app.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(kinds.contains(&"renewal_update".to_string()), "{kinds:?}");
    let (subject, body) = Kind::RenewalUpdate.compose("https://localhost/records/medications");
    let mail = format!("{subject}\n{body}").to_lowercase();
    for word in [
        name.as_str(),
        NOTE,
        PHARMACY,
        PATIENT_A.name,
        CLINICIAN.name,
    ] {
        let first = word.split_whitespace().next().unwrap().to_lowercase();
        assert!(!mail.contains(&first), "the mail carries {word:?}");
    }

    // The export: a new MedicationRequest whose priorPrescription is the old one's entry.
    let bundle: serde_json::Value = w
        .app
        .get(&w.patient, "/records/export")
        .await
        .json()
        .await
        .unwrap();
    let entries = bundle["entry"].as_array().unwrap();
    let old = entries
        .iter()
        .find(|e| {
            e["resource"]["resourceType"] == "MedicationRequest"
                && e["resource"]["id"] == fhir_id.as_str()
        })
        .expect("the renewed prescription is exported");
    let new = entries
        .iter()
        .find(|e| e["resource"]["priorPrescription"].is_object())
        .expect("the renewal is exported");
    assert_eq!(new["resource"]["resourceType"], "MedicationRequest");
    assert_eq!(new["resource"]["status"], "active");
    assert_eq!(
        new["resource"]["priorPrescription"]["reference"],
        old["fullUrl"]
    );
    assert_eq!(
        new["resource"]["dispenseRequest"]["numberOfRepeatsAllowed"],
        2
    );
    assert_eq!(
        new["resource"]["medicationCodeableConcept"],
        old["resource"]["medicationCodeableConcept"]
    );
    if let Some(dir) = std::env::var_os("FHIR_EXPORT_DIR") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("portal-export-with-renewal.json"),
            serde_json::to_string_pretty(&bundle).unwrap(),
        )
        .unwrap();
    }

    // Audited: the request, the clinician's reading and decision.
    let audit = w.app.audit_rows().await;
    for (action, who) in [
        ("change_renewal", PATIENT_A.subject),
        ("read_renewals", CLINICIAN.subject),
        ("change_renewal", CLINICIAN.subject),
    ] {
        assert!(
            audit.iter().any(|(a, s, p, _)| a == action
                && s.as_deref() == Some(who)
                && p.as_deref() == Some(&w.patient_id)),
            "{action} by {who}"
        );
    }
}

#[tokio::test]
async fn two_clinicians_deciding_one_renewal_at_once_resolve_it_once() {
    let w = world().await;
    w.app
        .add_to_care_team(&w.patient_id, &OTHER_CLINICIAN)
        .await;
    let other = w.app.browser();
    w.app.sign_in_as(&other, &OTHER_CLINICIAN).await;
    let id = patient_asks(&w).await;
    let (a, b) = tokio::join!(
        decide(&w, &w.clinician, &id, &[("action", "approve")]),
        decide(
            &w,
            &other,
            &id,
            &[
                ("action", "decline"),
                ("reason", "Needs a blood test first")
            ]
        ),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 409]);
    let loser = if a.status() == 409 { a } else { b };
    assert!(loser.text().await.unwrap().contains("Already decided"));
    let decided: i64 = sqlx::query(
        "SELECT COUNT(*) FROM renewal_requests WHERE state IN ('approved', 'declined')",
    )
    .fetch_one(&w.app.pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(decided, 1);
    // Declined, the patient sees why; decided, nobody decides again.
    let resp = decide(&w, &w.clinician, &id, &[("action", "approve")]).await;
    assert_eq!(resp.status(), 409);
}

#[tokio::test]
async fn nobody_else_reaches_a_renewal_and_every_form_needs_its_token() {
    let w = world().await;
    let other_record =
        patient_portal::demo::demo_patients(2, 15, chrono::Utc::now().date_naive()).remove(1);
    let other_id = w.app.seed(&other_record).await;
    w.app.link(&other_id, &PATIENT_B).await;
    let id = patient_asks(&w).await;
    let (fhir_id, _) = active_medication(&w);

    // Patient B cannot renew A's medication (it is not theirs) nor open the staff pages.
    let b = w.app.browser();
    w.app.sign_in_as(&b, &PATIENT_B).await;
    let token = csrf(&w.app, &b).await;
    let resp = post(
        &w.app,
        &b,
        "/records/medications/renewals",
        &[("csrf_token", &token), ("medication", &fhir_id)],
    )
    .await;
    assert_eq!(resp.status(), 404);
    let (_, page) = text(&w.app, &b, "/records/medications").await;
    assert!(!page.contains(NOTE) && !page.contains("Renewal requested"));
    for path in [
        "/staff/renewals".to_string(),
        format!("/staff/renewals/{id}"),
    ] {
        assert_eq!(w.app.get(&b, &path).await.status(), 403, "{path}");
    }
    assert_eq!(
        decide(&w, &b, &id, &[("action", "approve")]).await.status(),
        403
    );

    // A clinician outside the care team: not in the queue, refused, nothing decided.
    let outsider = w.app.browser();
    w.app.sign_in_as(&outsider, &OTHER_CLINICIAN).await;
    let (_, queue) = text(&w.app, &outsider, "/staff/renewals").await;
    assert!(!queue.contains(&id));
    let (status, page) = text(&w.app, &outsider, &format!("/staff/renewals/{id}")).await;
    assert_eq!(status, 403);
    assert!(!page.contains(NOTE));
    assert_eq!(
        decide(&w, &outsider, &id, &[("action", "approve")])
            .await
            .status(),
        403
    );

    // No token, no change.
    for (who, path, form) in [
        (
            &w.patient,
            "/records/medications/renewals".to_string(),
            vec![("medication", fhir_id.as_str())],
        ),
        (
            &w.patient,
            "/account/pharmacy".to_string(),
            vec![("pharmacy", "Elsewhere")],
        ),
        (
            &w.clinician,
            format!("/staff/renewals/{id}"),
            vec![("action", "approve")],
        ),
    ] {
        assert_eq!(
            post(&w.app, who, &path, &form).await.status(),
            400,
            "{path}"
        );
    }
    let state: String = sqlx::query("SELECT state FROM renewal_requests WHERE id = $1")
        .bind(&id)
        .fetch_one(&w.app.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(state, "requested");
    let pharmacy: String = sqlx::query("SELECT pharmacy FROM patient_pharmacies")
        .fetch_one(&w.app.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(pharmacy, PHARMACY);
    // Bad input is a 4xx page.
    let resp = decide(
        &w,
        &w.clinician,
        &id,
        &[("action", "approve"), ("refills", "-1")],
    )
    .await;
    assert_eq!(resp.status(), 400);
    let resp = decide(
        &w,
        &w.clinician,
        &id,
        &[("action", "decline"), ("reason", " ")],
    )
    .await;
    assert_eq!(resp.status(), 400);
}

/// The world's record as a later import brings it: the record now says the patient has died.
async fn record_says_died(w: &World) {
    let mut record = w.record.clone();
    record.patient.deceased = Some(patient_portal::records::model::Deceased::DateUnknown);
    assert_eq!(w.app.seed(&record).await, w.patient_id, "the same record");
}

#[tokio::test]
async fn a_patient_whose_record_says_they_died_is_offered_no_renewal_and_cannot_ask() {
    let w = world().await;
    record_says_died(&w).await;

    let (status, page) = text(&w.app, &w.patient, "/records/medications").await;
    assert_eq!(status, 200);
    assert!(!page.contains("Ask for a renewal"), "{page}");
    assert!(
        page.contains("this record says the patient has died"),
        "{page}"
    );

    // The form's request, sent anyway, is refused and stores nothing.
    let token = csrf(&w.app, &w.patient).await;
    let (fhir_id, _) = active_medication(&w);
    let resp = post(
        &w.app,
        &w.patient,
        "/records/medications/renewals",
        &[("csrf_token", &token), ("medication", &fhir_id)],
    )
    .await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("has died"));
    assert_eq!(
        count(&w.app, "SELECT COUNT(*) FROM renewal_requests").await,
        0
    );
}

#[tokio::test]
async fn the_queue_refuses_a_renewal_of_a_patient_whose_record_says_they_died() {
    let w = world().await;
    // Asked while alive; an import then records the death.
    let id = patient_asks(&w).await;
    record_says_died(&w).await;

    let (_, queue) = text(&w.app, &w.clinician, "/staff/renewals").await;
    assert!(!queue.contains(&id), "{queue}");
    let (status, detail) = text(&w.app, &w.clinician, &format!("/staff/renewals/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        !detail.contains("Approve the renewal") && detail.contains("cannot be renewed"),
        "{detail}"
    );

    // Approving anyway is refused and changes nothing; declining closes the request.
    let resp = decide(&w, &w.clinician, &id, &[("action", "approve")]).await;
    assert_eq!(resp.status(), 409);
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) FROM renewal_requests WHERE state = 'requested' AND new_prescription_id IS NULL"
        )
        .await,
        1
    );
    let resp = decide(
        &w,
        &w.clinician,
        &id,
        &[
            ("action", "decline"),
            ("reason", "Closed: the patient has died"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
}
