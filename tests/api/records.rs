//! The patient's own record pages, as a browser sees them: every section with the right content,
//! one audit entry per view, no-store everywhere, the FHIR download, and no way at all for one
//! patient to reach another's record.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, Utc};
use patient_portal::records::demo::demo_patients;
use patient_portal::records::model::{
    systems, Concept, Mrn, Observation, ObservationCategory, ObservationValue, Patient,
    PatientRecord, Quantity, Sex,
};
use patient_portal::records::views;
use scraper::{Html, Selector};
use serde_json::Value;

use crate::support::{
    assert_redirect_to, spawn_app, Browser, TestApp, CLINICIAN, PATIENT_A, PATIENT_B,
};

const SECTIONS: &[&str] = &[
    "conditions",
    "medications",
    "allergies",
    "immunizations",
    "labs",
    "vitals",
    "visits",
];

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

struct Page {
    status: u16,
    cache_control: String,
    body: String,
}

async fn fetch(app: &TestApp, b: &Browser, path: &str) -> Page {
    let resp = app.get(b, path).await;
    let status = resp.status().as_u16();
    let cache_control = resp
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    Page {
        status,
        cache_control,
        body: resp.text().await.unwrap(),
    }
}

fn select_count(html: &str, css: &str) -> usize {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel).count()
}

/// The text of each element matching `css` (Tera escapes `/` as `&#x2F;`, so compare text, not
/// markup).
fn texts(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

/// An attribute of each element matching `css`.
fn attrs(html: &str, css: &str, attr: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr(attr).map(str::to_string))
        .collect()
}

/// All the text a reader sees.
fn text(html: &str) -> String {
    Html::parse_document(html)
        .root_element()
        .text()
        .collect::<Vec<_>>()
        .join(" ")
}

fn quantity(
    id: &str,
    loinc: &str,
    display: &str,
    days_ago: i64,
    value: f64,
    unit: &str,
) -> Observation {
    Observation {
        fhir_id: id.into(),
        code: Concept::new(systems::LOINC, loinc, display),
        status: "final".into(),
        category: ObservationCategory::Laboratory,
        effective: Utc::now() - Duration::days(days_ago),
        value: ObservationValue::Quantity(Quantity {
            value,
            unit: unit.into(),
        }),
        encounter: None,
    }
}

/// Demo patient 0 (hypertension, "No known allergies") with two fresh results as Synthea writes
/// them: unrounded, one normal and one high.
fn record_a() -> PatientRecord {
    let mut record = demo_patients(1, 11, today()).remove(0);
    record.observations.push(quantity(
        "fresh-glucose",
        "2345-7",
        "Glucose [Mass/volume] in Blood",
        1,
        85.60102792628544,
        "mg/dL",
    ));
    record.observations.push(quantity(
        "fresh-a1c",
        "4548-4",
        "Hemoglobin A1c/Hemoglobin.total in Blood",
        1,
        7.5612,
        "%",
    ));
    record
}

/// A small hand-built record with no allergy information and a single glucose result.
fn record_b() -> PatientRecord {
    let mut record = PatientRecord::new(Patient {
        fhir_id: "b-fhir".into(),
        given: "Blair".into(),
        family: "Otherperson".into(),
        birth_date: NaiveDate::from_ymd_opt(1990, 7, 4).unwrap(),
        sex: Sex::Other,
        deceased: None,
        mrn: Mrn {
            system: None,
            value: "MRN-B-777".into(),
        },
        address: None,
        phone: None,
    });
    record
        .observations
        .push(quantity("b-glucose", "2345-7", "Glucose", 3, 91.2, "mg/dL"));
    record
}

async fn signed_in_patient(
    app: &TestApp,
    record: &PatientRecord,
    who: &crate::support::Person,
) -> (Browser, String) {
    let id = app.seed(record).await;
    app.link(&id, who).await;
    let b = app.browser();
    app.sign_in_as(&b, who).await;
    (b, id)
}

#[tokio::test]
async fn a_linked_patient_sees_every_section_with_the_right_content() {
    // Arrange
    let app = spawn_app().await;
    let record = record_a();
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;
    let name = record.patient.display_name();

    // Act + Assert: the summary.
    let summary = fetch(&app, &b, "/records").await;
    assert_eq!(summary.status, 200);
    assert!(summary.body.contains(&name));
    assert!(summary.body.contains(&record.patient.mrn.value));
    assert!(summary.body.contains("No known allergies"));
    assert!(
        !summary.body.contains("None recorded."),
        "the summary has something in every part"
    );
    let active = record.active_conditions().count();
    assert!(summary
        .body
        .contains(&format!("Current conditions ({active})")));
    let meds = record.active_medications().count();
    assert!(summary
        .body
        .contains(&format!("Current medications ({meds})")));
    assert!(summary.body.contains("Blood pressure") && summary.body.contains("mmHg"));
    assert_eq!(
        select_count(&summary.body, r#"nav.chart-nav a[aria-current="page"]"#),
        1
    );
    let born = record.patient.birth_date.format("%-d %B %Y").to_string();
    assert!(
        summary.body.contains(&born),
        "date of birth in words: {born}"
    );
    let nav = attrs(&summary.body, "nav.chart-nav a", "href");
    assert!(nav.contains(&"/records/export".to_string()), "{nav:?}");
    assert!(nav.contains(&"/records/access-log".to_string()), "{nav:?}");

    // Each section.
    for section in SECTIONS {
        let page = fetch(&app, &b, &format!("/records/{section}")).await;
        assert_eq!(page.status, 200, "/records/{section}");
        assert!(
            page.body.contains(&name),
            "{section} shows whose chart it is"
        );
        assert_eq!(
            attrs(
                &page.body,
                r#"nav.chart-nav a[aria-current="page"]"#,
                "href"
            ),
            [format!("/records/{section}")],
            "{section} is marked current"
        );
    }

    let conditions = fetch(&app, &b, "/records/conditions").await.body;
    let past = record.conditions.len() - active;
    assert!(conditions.contains(&format!("Current conditions ({active})")));
    assert!(conditions.contains(&format!("Past conditions ({past})")));
    for c in &record.conditions {
        assert!(conditions.contains(&c.code.display), "{}", c.code.display);
    }

    let medications = fetch(&app, &b, "/records/medications").await.body;
    assert!(medications.contains(&format!("Current medications ({meds})")));

    let allergies = fetch(&app, &b, "/records/allergies").await.body;
    assert!(allergies.contains("No known allergies"));
    assert!(!allergies.contains("None recorded"));

    let immunizations = fetch(&app, &b, "/records/immunizations").await.body;
    assert_eq!(
        select_count(&immunizations, "main table tbody tr"),
        record.immunizations.len()
    );

    let visits = fetch(&app, &b, "/records/visits").await.body;
    assert_eq!(
        select_count(&visits, "main table tbody tr"),
        record.encounters.len()
    );

    let labs = fetch(&app, &b, "/records/labs").await.body;
    let lab_codes: HashSet<&str> = record
        .observations
        .iter()
        .filter(|o| o.category == ObservationCategory::Laboratory)
        .filter_map(|o| o.loinc())
        .collect();
    assert_eq!(
        select_count(&labs, "table.results tbody tr"),
        lab_codes.len()
    );
    assert!(
        texts(&labs, "td.value").contains(&"86 mg/dL".to_string()),
        "glucose rounded"
    );
    assert!(!labs.contains("85.6010"), "never the raw value");
    assert!(
        texts(&labs, "td.value").contains(&"7.6 %".to_string()),
        "HbA1c rounded"
    );
    assert!(texts(&labs, "span.flag-high").iter().all(|t| t == "High"));
    assert!(!texts(&labs, "span.flag-high").is_empty());
    assert!(texts(&labs, "span.flag-normal").contains(&"Normal".to_string()));
    assert!(text(&labs).contains("70 to 99 mg/dL"), "the usual range");
    assert!(attrs(&labs, "table.results a", "href").contains(&"/records/labs/2345-7".to_string()));

    let vitals = fetch(&app, &b, "/records/vitals").await.body;
    assert!(vitals.contains("mmHg") && vitals.contains("per minute"));
    assert!(select_count(&vitals, "table.vitals-history tbody tr") > 1);
}

#[tokio::test]
async fn a_test_history_has_an_accessible_svg_chart_and_a_table() {
    let app = spawn_app().await;
    let record = record_a();
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;
    let glucose = record.observation_history("2345-7").len();

    let page = fetch(&app, &b, "/records/labs/2345-7").await;

    assert_eq!(page.status, 200);
    let body = &page.body;
    assert!(body.contains("<svg"));
    assert!(body.contains(r#"role="img""#));
    assert_eq!(texts(body, "svg > title"), ["Glucose over time"]);
    assert!(body.contains("<desc id=\"trend-desc\">"));
    assert!(!body.contains("style="), "the CSP forbids inline style");
    assert!(!body.contains("<script"), "the CSP forbids inline script");
    assert!(body.contains("Normal range"), "the band is labelled");
    assert_eq!(select_count(body, "table.results tbody tr"), glucose);
    assert_eq!(select_count(body, "svg circle"), glucose);
    assert_eq!(
        attrs(body, r#"nav.chart-nav a[aria-current="true"]"#, "href"),
        ["/records/labs"]
    );

    // Blood pressure: two series (systolic and diastolic), two shapes.
    let bp = fetch(&app, &b, "/records/labs/55284-4").await;
    assert_eq!(bp.status, 200);
    let readings = record.observation_history("55284-4").len();
    assert_eq!(select_count(&bp.body, "svg circle"), readings, "systolic");
    assert_eq!(
        select_count(&bp.body, r#"svg rect[width="10"]"#),
        readings,
        "diastolic"
    );
    assert_eq!(
        attrs(&bp.body, r#"nav.chart-nav a[aria-current="true"]"#, "href"),
        ["/records/vitals"]
    );

    for missing in ["99999-9", "not%20a%20code", "2345-7%2F..%2Fx"] {
        let page = fetch(&app, &b, &format!("/records/labs/{missing}")).await;
        assert_eq!(page.status, 404, "{missing}");
    }
}

#[tokio::test]
async fn empty_sections_and_missing_allergy_information_say_so() {
    let app = spawn_app().await;
    let record = record_b();
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_B).await;

    let summary = fetch(&app, &b, "/records").await.body;
    assert!(summary.contains("None recorded"));
    assert!(!summary.contains("No known allergies"));
    let allergies = fetch(&app, &b, "/records/allergies").await.body;
    assert!(allergies.contains("None recorded"));
    assert!(!allergies.contains("No known allergies"));
    for section in [
        "conditions",
        "medications",
        "immunizations",
        "vitals",
        "visits",
    ] {
        let page = fetch(&app, &b, &format!("/records/{section}")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("None recorded"), "{section}");
        assert_eq!(select_count(&page.body, "main table"), 0, "{section}");
    }
}

#[tokio::test]
async fn an_unlinked_patient_is_sent_to_activate_and_a_clinician_is_refused() {
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in_as(&b, &PATIENT_A).await;
    for path in [
        "/records",
        "/records/labs",
        "/records/labs/2345-7",
        "/records/export",
    ] {
        assert_redirect_to(&app.get(&b, path).await, "/activate");
    }

    let c = app.browser();
    app.sign_in_as(&c, &CLINICIAN).await;
    for path in ["/records", "/records/labs", "/records/export"] {
        let page = fetch(&app, &c, path).await;
        assert_eq!(page.status, 403, "{path}");
    }
}

#[tokio::test]
async fn every_page_is_no_store_and_each_view_writes_exactly_one_audit_entry() {
    let app = spawn_app().await;
    let record = record_a();
    let (b, id) = signed_in_patient(&app, &record, &PATIENT_A).await;

    let mut cases: Vec<(String, &str, &str)> = vec![("/records".into(), "view_record", "summary")];
    for s in SECTIONS {
        cases.push((format!("/records/{s}"), "view_record", s));
    }
    cases.push(("/records/labs/2345-7".into(), "view_record", "lab_history"));
    cases.push(("/records/export".into(), "export_record", "export"));

    for (path, action, detail) in cases {
        let before = app.audit_rows().await.len();
        let page = fetch(&app, &b, &path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(page.cache_control, "no-store", "{path}");
        let rows = app.audit_rows().await;
        let new: Vec<_> = rows[before..].to_vec();
        assert_eq!(new.len(), 1, "{path} writes one entry: {new:?}");
        let (a, actor, patient, d) = &new[0];
        assert_eq!(a, action, "{path}");
        assert_eq!(actor.as_deref(), Some(PATIENT_A.subject));
        assert_eq!(patient.as_deref(), Some(id.as_str()));
        assert_eq!(d.as_deref(), Some(detail), "{path}");
    }

    // A 404 opens nothing, so it audits nothing.
    let before = app.audit_rows().await.len();
    assert_eq!(fetch(&app, &b, "/records/nonsense").await.status, 404);
    assert_eq!(app.audit_rows().await.len(), before);
}

#[tokio::test]
async fn the_export_is_a_fhir_bundle_with_every_resource() {
    let app = spawn_app().await;
    let record = record_a();
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;

    let resp = app.get(&b, "/records/export").await;

    assert_eq!(resp.status(), 200);
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    assert!(header("content-type").starts_with("application/fhir+json"));
    assert_eq!(
        header("content-disposition"),
        r#"attachment; filename="health-record.json""#
    );
    assert_eq!(header("cache-control"), "no-store");
    let body = resp.bytes().await.unwrap();
    // CI validates what the portal really served with fhir.resources (see .ci/run).
    if let Some(dir) = std::env::var_os("FHIR_EXPORT_DIR") {
        std::fs::write(std::path::Path::new(&dir).join("portal-export.json"), &body).unwrap();
    }
    let bundle: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    let mut counts: HashMap<String, usize> = HashMap::new();
    for entry in bundle["entry"].as_array().unwrap() {
        let kind = entry["resource"]["resourceType"]
            .as_str()
            .unwrap()
            .to_string();
        *counts.entry(kind).or_default() += 1;
    }
    let count = |k: &str| counts.get(k).copied().unwrap_or(0);
    let expected = record.counts();
    assert_eq!(count("Patient"), 1);
    assert_eq!(count("Encounter"), expected.encounters);
    assert_eq!(count("Condition"), expected.conditions);
    assert_eq!(count("MedicationRequest"), expected.medications);
    assert_eq!(count("AllergyIntolerance"), expected.allergies);
    assert_eq!(count("Immunization"), expected.immunizations);
    assert_eq!(count("Observation"), expected.observations);
}

#[tokio::test]
async fn a_deceased_patient_is_shown_as_deceased_with_the_date() {
    let app = spawn_app().await;
    let record = demo_patients(4, 11, today()).remove(3);
    let died = record
        .patient
        .deceased
        .and_then(|d| d.date())
        .expect("demo patient 3 has died");
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;

    for path in ["/records", "/records/visits", "/records/labs"] {
        let page = fetch(&app, &b, path).await;
        assert_eq!(page.status, 200);
        let doc = Html::parse_document(&page.body);
        let sel = Selector::parse(".patient-heading .patient-name").unwrap();
        let heading: String = doc.select(&sel).flat_map(|e| e.text()).collect();
        assert!(heading.contains("Deceased"), "{path}: {heading}");
        assert!(
            heading.contains(&died.format("%-d %B %Y").to_string()),
            "{path}: {heading}"
        );
        assert!(page.body.contains("Age at death"));
    }
}

#[tokio::test]
async fn patient_b_can_never_see_patient_a_by_any_route_or_parameter() {
    // Arrange: A has a full record; B has one glucose result and nothing else.
    let app = spawn_app().await;
    let a = record_a();
    let a_id = app.seed(&a).await;
    app.link(&a_id, &PATIENT_A).await;
    let b_record = record_b();
    let (b, b_id) = signed_in_patient(&app, &b_record, &PATIENT_B).await;
    let a_name = a.patient.display_name();
    let a_mrn = a.patient.mrn.value.clone();
    let a_condition = a.conditions[0].code.display.clone();
    let a_codes: HashSet<String> = a
        .observations
        .iter()
        .filter_map(|o| o.loinc().map(str::to_owned))
        .collect();

    let mut paths: Vec<String> = vec!["/records".into(), "/records/export".into()];
    paths.extend(SECTIONS.iter().map(|s| format!("/records/{s}")));
    paths.extend(a_codes.iter().map(|c| format!("/records/labs/{c}")));
    let base = paths.clone();
    for p in &base {
        for q in [
            format!("patient_id={a_id}"),
            format!("id={a_id}"),
            format!("patient={a_id}"),
            format!("mrn={a_mrn}"),
            format!("subject={}", PATIENT_A.subject),
        ] {
            paths.push(format!("{p}?{q}"));
        }
    }
    paths.extend([
        format!("/records/{a_id}"),
        format!("/records/labs/{a_id}"),
        format!("/records/conditions/{a_id}"),
        format!("/records/{a_id}/labs"),
        format!("/records/export/{a_id}"),
        format!("/staff/patients/{a_id}"),
        format!("/staff/patients/{a_id}/labs/2345-7"),
        format!("/staff/patients/{a_id}/conditions"),
    ]);

    for path in &paths {
        let page = fetch(&app, &b, path).await;
        for secret in [&a_name, &a_mrn, &a_id, &a_condition] {
            assert!(
                !page.body.contains(secret.as_str()),
                "{path} leaks {secret}"
            );
        }
        match page.status {
            200 => assert!(
                page.body.contains("Otherperson") || page.body.contains("MRN-B-777"),
                "{path}: a 200 shows B's own record"
            ),
            403 | 404 => {}
            other => panic!("{path}: unexpected status {other}"),
        }
    }

    // A's HbA1c exists only in A's record: B gets a 404, not an empty page.
    assert_eq!(fetch(&app, &b, "/records/labs/4548-4").await.status, 404);
    // The shared test shows B's own value only.
    let glucose = fetch(&app, &b, "/records/labs/2345-7").await.body;
    assert_eq!(select_count(&glucose, "table.results tbody tr"), 1);
    assert!(text(&glucose).contains("91 mg/dL"));
    // The export is B's alone.
    let export: Value = app.get(&b, "/records/export").await.json().await.unwrap();
    let entries = export["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "B's patient and B's one observation");
    // Every audit entry B caused names B's record, never A's.
    for (_, actor, patient, _) in app.audit_rows().await {
        if actor.as_deref() == Some(PATIENT_B.subject) {
            assert_ne!(patient.as_deref(), Some(a_id.as_str()));
            if let Some(p) = patient {
                assert_eq!(p, b_id);
            }
        }
    }
}

#[tokio::test]
async fn the_printable_summary_lists_the_record_for_an_appointment_and_is_audited() {
    // Arrange
    let app = spawn_app().await;
    let record = record_a();
    let (b, id) = signed_in_patient(&app, &record, &PATIENT_A).await;
    let summary = fetch(&app, &b, "/records").await.body;
    assert!(
        attrs(&summary, "nav.chart-nav a", "href").contains(&"/records/printable".to_string()),
        "the chart links to the printable summary"
    );
    let before = app.audit_rows().await.len();

    // Act
    let page = fetch(&app, &b, "/records/printable").await;

    // Assert: one audit entry, committed with the page.
    assert_eq!(page.status, 200);
    assert_eq!(page.cache_control, "no-store");
    let rows = app.audit_rows().await;
    let new: Vec<_> = rows[before..].to_vec();
    assert_eq!(new.len(), 1, "one entry: {new:?}");
    let (action, actor, patient, detail) = &new[0];
    assert_eq!(action, "view_record");
    assert_eq!(actor.as_deref(), Some(PATIENT_A.subject));
    assert_eq!(patient.as_deref(), Some(id.as_str()));
    assert_eq!(detail.as_deref(), Some("printable_summary"));

    // What a clinician reads on the paper: who, and each part of the record.
    let words = text(&page.body);
    assert!(words.contains(&record.patient.display_name()));
    assert!(words.contains(&record.patient.birth_date.format("%-d %B %Y").to_string()));
    assert!(words.contains(&record.patient.mrn.value));
    let printed = format!("Printed on {}", today().format("%-d %B %Y"));
    assert!(words.contains(&printed), "the print date");
    // Names as the other record pages show them.
    for c in record.active_conditions() {
        let shown = views::ConditionRow::of(c).name;
        assert!(words.contains(&shown), "{shown}");
    }
    assert!(record.active_medications().count() > 0);
    for m in record.active_medications() {
        let shown = views::MedicationRow::of(m).name;
        assert!(words.contains(&shown), "{shown}");
    }
    assert!(words.contains("No known allergies"));
    assert!(!record.immunizations.is_empty());
    for i in &record.immunizations {
        let shown = views::ImmunizationRow::of(i).vaccine;
        assert!(words.contains(&shown), "{shown}");
    }
    assert!(texts(&page.body, "td.value").contains(&"86 mg/dL".to_string()));
    assert!(texts(&page.body, "td.value").contains(&"7.6 %".to_string()));
    assert!(words.contains("Blood pressure") && words.contains("mmHg"));
    // Paper needs no navigation: the chart's section links are not part of it.
    assert_eq!(select_count(&page.body, "nav.chart-nav"), 0);

    // The patient's access log says what was opened.
    let log = text(&fetch(&app, &b, "/records/access-log").await.body);
    assert!(log.contains("a printable summary of your record"), "{log}");
}

#[tokio::test]
async fn the_printable_summary_is_only_ever_the_signed_in_patients_own() {
    // Arrange: A has a full record; B a small one.
    let app = spawn_app().await;
    let a = record_a();
    let a_id = app.seed(&a).await;
    app.link(&a_id, &PATIENT_A).await;
    let (b, b_id) = signed_in_patient(&app, &record_b(), &PATIENT_B).await;
    let a_secrets = [
        a.patient.display_name(),
        a.patient.mrn.value.clone(),
        a_id.clone(),
        a.conditions[0].code.display.clone(),
    ];

    // Act + Assert: whatever B adds to the URL, B gets B's own summary.
    for path in [
        "/records/printable".to_string(),
        format!("/records/printable?patient_id={a_id}"),
        format!("/records/printable?id={a_id}"),
        format!("/records/printable?mrn={}", a.patient.mrn.value),
        format!("/records/printable/{a_id}"),
    ] {
        let page = fetch(&app, &b, &path).await;
        for secret in &a_secrets {
            assert!(
                !page.body.contains(secret.as_str()),
                "{path} leaks {secret}"
            );
        }
        match page.status {
            200 => assert!(text(&page.body).contains("MRN-B-777"), "{path}"),
            404 => {}
            other => panic!("{path}: unexpected status {other}"),
        }
    }
    for (_, actor, patient, _) in app.audit_rows().await {
        if actor.as_deref() == Some(PATIENT_B.subject) {
            if let Some(p) = patient {
                assert_eq!(p, b_id);
            }
        }
    }

    // A clinician has no "own" record here; an anonymous visitor is sent to sign in first.
    let c = app.browser();
    app.sign_in_as(&c, &CLINICIAN).await;
    assert_eq!(fetch(&app, &c, "/records/printable").await.status, 403);
    let anonymous = app.browser();
    let resp = app.get(&anonymous, "/records/printable").await;
    assert_redirect_to(&resp, "/signin?returnUrl=%2Frecords%2Fprintable");
}

#[tokio::test]
async fn every_chart_page_prints_whose_record_it_is_and_its_tables_reflow_on_a_phone() {
    let app = spawn_app().await;
    let record = record_a();
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;
    let name = record.patient.display_name();
    let born = record.patient.birth_date.format("%-d %B %Y").to_string();
    let printed = format!(
        "Printed from the patient portal on {}",
        today().format("%-d %B %Y")
    );

    let mut paths = vec![
        "/records".to_string(),
        "/records/labs/2345-7".to_string(),
        "/records/printable".to_string(),
    ];
    paths.extend(SECTIONS.iter().map(|s| format!("/records/{s}")));
    for path in &paths {
        let page = fetch(&app, &b, path).await;
        assert_eq!(page.status, 200, "{path}");
        // Phones may zoom (WCAG 1.4.4): no maximum-scale, no user-scalable=no.
        let viewport = attrs(&page.body, r#"meta[name="viewport"]"#, "content").join(",");
        assert!(
            viewport.contains("width=device-width"),
            "{path}: {viewport}"
        );
        assert!(
            !viewport.contains("maximum-scale") && !viewport.contains("user-scalable"),
            "{path}: {viewport}"
        );
        // The header that repeats on every printed sheet (portal.css, @media print).
        let header = texts(&page.body, ".print-header").join(" ");
        assert!(header.contains(&name), "{path}: {header}");
        assert!(header.contains(&born), "{path}: {header}");
        assert!(header.contains(&printed), "{path}: {header}");
        // Below 40em each row of a result table is a block of "label: value" pairs, the label
        // coming from data-label; a cell without one would show a bare value. Grids (.grid)
        // scroll inside their own labelled region instead.
        let doc = Html::parse_document(&page.body);
        let cells = Selector::parse("main table:not(.grid) td").unwrap();
        for td in doc.select(&cells) {
            let has_label = td.value().attr("data-label").is_some_and(|l| !l.is_empty());
            let inner = td.inner_html();
            assert!(
                has_label || inner.trim().is_empty(),
                "{path}: a cell without data-label: {inner}"
            );
        }
        let grids = Selector::parse("main table.grid").unwrap();
        for grid in doc.select(&grids) {
            let region = grid
                .parent()
                .and_then(scraper::ElementRef::wrap)
                .expect("a grid sits in a region");
            assert_eq!(region.value().attr("role"), Some("region"), "{path}");
            assert_eq!(region.value().attr("tabindex"), Some("0"), "{path}");
            assert!(region.value().attr("aria-labelledby").is_some(), "{path}");
        }
    }
}
