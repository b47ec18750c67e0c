//! Landing pages (#26): a patient lands on their home page (new results with abnormal ones
//! first, upcoming appointments, open requests, to-dos), read through one audited access; an
//! unlinked account lands on linking; a clinician on the worklist. The sign-in claims moved
//! from `/account` to their own page.

use chrono::{Duration, Utc};
use patient_portal::records::model::{
    ObservationCategory, ObservationValue, PatientRecord, Quantity,
};

use crate::appointments::{text, world};
use crate::support::*;

/// The demo record with its recent lab results replaced by two of ours: a normal glucose
/// taken yesterday and a high HbA1c taken three days ago (older, but abnormal: shown first).
fn record_with_new_results() -> PatientRecord {
    let mut record = patient_portal::demo::demo_patients(1, 14, today()).remove(0);
    let recent = Utc::now() - Duration::days(200);
    let template = record
        .observations
        .iter()
        .find(|o| o.category == ObservationCategory::Laboratory)
        .expect("the demo record has lab results")
        .clone();
    record
        .observations
        .retain(|o| o.category != ObservationCategory::Laboratory || o.effective < recent);
    for (id, code, display, value, unit, days_ago) in [
        ("home-normal", "2345-7", "Glucose", 88.0, "mg/dL", 1),
        ("home-high", "4548-4", "Hemoglobin A1c", 9.1, "%", 3),
    ] {
        let mut o = template.clone();
        o.fhir_id = id.into();
        o.code.code = code.into();
        o.code.display = display.into();
        o.value = ObservationValue::Quantity(Quantity {
            value,
            unit: unit.into(),
        });
        o.effective = Utc::now() - Duration::days(days_ago);
        record.observations.push(o);
    }
    record
}

/// The links of the list under one heading of a page.
fn links(page: &str, heading: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(page);
    let sel =
        scraper::Selector::parse(&format!(r#"section[aria-labelledby="{heading}"] li a"#)).unwrap();
    doc.select(&sel)
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect()
}

async fn book(app: &TestApp, patient_id: &str, start_at: i64, clinician: &Person) {
    sqlx::query(
        "INSERT INTO appointments (id, patient_id, state, source, reason, preferred_days, preferred_time, mode, \
         clinician_subject, clinician_name, start_at, end_at, place, requested_at, updated_at) \
         VALUES ($1, $2, 'booked', 'portal', 'Check-up', 'mon', 'any', 'in_person', $3, $4, $5, $6, 'Room 4', $7, $7)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(patient_id)
    .bind(clinician.subject)
    .bind(clinician.name)
    .bind(start_at)
    .bind(start_at + 1800)
    .bind(Utc::now().timestamp() - 3600)
    .execute(&app.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_patient_lands_on_home_with_abnormal_results_first_and_the_next_appointment() {
    let app = spawn_app().await;
    let patient_id = app.seed(&record_with_new_results()).await;
    app.link(&patient_id, &PATIENT_A).await;
    let in_three_days = Utc::now().timestamp() + 3 * 24 * 3600;
    book(&app, &patient_id, in_three_days, &CLINICIAN).await;

    let b = app.browser();
    let landing = app.sign_in_as(&b, &PATIENT_A).await;
    assert_eq!(landing, "/home");
    let before = app.audit_rows().await.len();
    let (status, page) = text(&app, &b, "/home").await;
    assert_eq!(status, 200, "{page}");

    let results = links(&page, "results-heading");
    assert_eq!(
        results,
        ["/records/labs/4548-4", "/records/labs/2345-7"],
        "the abnormal result first, though older: {page}"
    );
    assert!(page.contains("High"), "{page}");
    assert!(page.contains("Upcoming appointments") && page.contains(CLINICIAN.name));
    assert!(
        page.contains(&format!("In person with {}", CLINICIAN.name)),
        "{page}"
    );
    assert!(page.contains("Set your preferred pharmacy"), "a to-do");
    assert!(
        page.contains(r#"<a href="/home">Home</a>"#),
        "Home in the header"
    );

    // One audit entry for the whole page, committed before it was shown.
    let audit = app.audit_rows().await;
    let home: Vec<_> = audit[before..]
        .iter()
        .filter(|(a, s, p, d)| {
            a == "view_record"
                && s.as_deref() == Some(PATIENT_A.subject)
                && p.as_deref() == Some(patient_id.as_str())
                && d.as_deref() == Some("home")
        })
        .collect();
    assert_eq!(home.len(), 1, "{:?}", &audit[before..]);
    let (_, log) = text(&app, &b, "/records/access-log").await;
    assert!(log.contains("Viewed your home page"), "{log}");
    // In Spanish the line is one message, its word order the language's (#31).
    let es = crate::languages::get_in(&app, &b, "/home", "es").await;
    let es = es.text().await.unwrap();
    crate::languages::assert_spanish(&es, "the home page");
    assert!(
        es.contains(&format!("En persona con {}", CLINICIAN.name)),
        "{es}"
    );
}

#[tokio::test]
async fn the_home_page_is_not_shown_when_its_audit_entry_cannot_be_written() {
    let app = spawn_app().await;
    let patient_id = app.seed(&record_with_new_results()).await;
    app.link(&patient_id, &PATIENT_A).await;
    let b = app.browser();
    app.sign_in_as(&b, &PATIENT_A).await;
    sqlx::query("ALTER TABLE audit_log RENAME TO audit_log_away")
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, page) = text(&app, &b, "/home").await;
    assert_eq!(status, 503);
    assert!(!page.contains("Hemoglobin A1c") && !page.contains("Glucose"));
}

#[tokio::test]
async fn an_unlinked_patient_lands_on_linking_and_is_told_why() {
    let app = spawn_app().await;
    let b = app.browser();
    assert_eq!(app.sign_in_as(&b, &PATIENT_B).await, "/home");
    assert_redirect_to(&app.get(&b, "/home").await, "/activate");
    let (status, page) = text(&app, &b, "/activate").await;
    assert_eq!(status, 200);
    assert!(page.contains("not linked to a health record yet"), "{page}");
}

#[tokio::test]
async fn a_clinician_lands_on_the_worklist() {
    let w = world().await;
    // Waiting: a renewal request, a conversation unread by the team, an appointment today.
    let token = csrf(&w.app, &w.patient).await;
    let medication = w
        .record
        .active_medications()
        .next()
        .unwrap()
        .fhir_id
        .clone();
    let resp = post(
        &w.app,
        &w.patient,
        "/records/medications/renewals",
        &[("csrf_token", &token), ("medication", &medication)],
    )
    .await;
    assert_eq!(resp.status(), 303);
    // The patient's home lists it among their requests, with its state.
    let (_, home) = text(&w.app, &w.patient, "/home").await;
    assert_eq!(links(&home, "requests-heading"), ["/records/medications"]);
    assert!(home.contains("waiting for the care team"), "{home}");
    sqlx::query(
        "INSERT INTO message_threads (id, patient_id, subject, category, status, created_at, updated_at, patient_unread, staff_unread) \
         VALUES ('thread-1', $1, 'Dizzy after the new tablets', 'question', 'open', $2, $2, 0, 1)",
    )
    .bind(&w.patient_id)
    .bind(Utc::now().timestamp())
    .execute(&w.app.pool)
    .await
    .unwrap();
    let (from, to) = patient_portal::appointments::today_range(chrono_tz::Europe::London);
    book(&w.app, &w.patient_id, (from + to) / 2, &CLINICIAN).await;
    assert_eq!(
        w.app
            .get(&w.clinician, &format!("/staff/patients/{}", w.patient_id))
            .await
            .status(),
        200
    );

    let b = w.app.browser();
    assert_eq!(w.app.sign_in_as(&b, &CLINICIAN).await, "/staff");
    // A clinician asking for the patient home is sent to the worklist too.
    assert_redirect_to(&w.app.get(&b, "/home").await, "/staff");
    let (status, page) = text(&w.app, &b, "/staff").await;
    assert_eq!(status, 200);
    assert!(page.contains("Your worklist"), "{page}");
    let name = w.record.patient.display_name();
    let doc = scraper::Html::parse_document(&page);
    for (heading, link) in [
        (
            "work-messages-heading",
            "/staff/messages/thread-1".to_string(),
        ),
        ("work-renewals-heading", "/staff/renewals/".to_string()),
        ("work-today-heading", "/staff/appointments/".to_string()),
        (
            "work-recent-heading",
            format!("/staff/patients/{}", w.patient_id),
        ),
    ] {
        let sel =
            scraper::Selector::parse(&format!(r#"section[aria-labelledby="{heading}"] li a"#))
                .unwrap();
        let first = doc
            .select(&sel)
            .next()
            .unwrap_or_else(|| panic!("{heading} lists something: {page}"));
        assert!(
            first.value().attr("href").unwrap().starts_with(&link),
            "{heading}"
        );
        assert_eq!(first.text().collect::<String>(), name, "{heading}");
    }
    // Who and what kind, never what the message says.
    assert!(!page.contains("Dizzy"), "{page}");
}

#[tokio::test]
async fn the_sign_in_claims_have_their_own_page_and_the_account_speaks_to_people() {
    let app = spawn_app().await;
    let b = signed_in(&app, &PATIENT_A).await;
    let (status, account) = text(&app, &b, "/account").await;
    assert_eq!(status, 200);
    assert!(!account.contains("<code>tfp</code>") && !account.contains("Claims from"));
    assert!(account.contains(r#"href="/account/sign-in-details""#));
    assert!(account.contains(PATIENT_A.name));
    let (status, details) = text(&app, &b, "/account/sign-in-details").await;
    assert_eq!(status, 200);
    assert!(
        details.contains("<code>tfp</code>") && details.contains(SUSI),
        "{details}"
    );
    assert!(details.contains(PATIENT_A.subject));
}
