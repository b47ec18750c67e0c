//! The patient's own record pages, as a browser sees them: every section with the right content,
//! one audit entry per view, no-store everywhere, the FHIR download, and no way at all for one
//! patient to reach another's record.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, Utc};
use patient_portal::demo::demo_patients;
use patient_portal::records::model::{
    systems, Concept, Mrn, Observation, ObservationCategory, ObservationValue, Patient,
    PatientRecord, Quantity, Sex,
};
use patient_portal::records::views;
use scraper::{Html, Selector};
use serde_json::Value;

use crate::support::{
    assert_redirect_to, signed_in_patient, spawn_app, today, Browser, TestApp, CLINICIAN,
    PATIENT_A, PATIENT_B,
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

/// The sections of issue 12: (URL segment, audit detail).
const MORE_SECTIONS: &[(&str, &str)] = &[
    ("procedures", "procedures"),
    ("care-plans", "care_plans"),
    ("reports", "reports"),
    ("social-history", "social_history"),
];

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
        // Shown without its SNOMED semantic tag: "Essential hypertension (disorder)" reads
        // "Essential hypertension".
        let plain = c
            .code
            .display
            .rsplit_once(" (")
            .map_or(c.code.display.as_str(), |(n, _)| n);
        assert!(text(&conditions).contains(plain), "{plain}");
    }
    for tag in ["(disorder)", "(finding)"] {
        assert!(
            !conditions.contains(tag),
            "no semantic tag {tag} on the page"
        );
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
    assert!(
        !visits.contains("(procedure)") && !visits.contains("(disorder)"),
        "visits and their reasons read without semantic tags"
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
        "procedures",
        "reports",
        "social-history",
    ] {
        let page = fetch(&app, &b, &format!("/records/{section}")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("None recorded"), "{section}");
        assert_eq!(select_count(&page.body, "main table"), 0, "{section}");
    }
}

/// The summary, the latest results and a test's history are rendered once per version of a
/// record and kept (`records::chart_cache`): a record stored again shows on the very next view
/// of a page seen before, on the patient's pages and on a clinician's, still escaped.
#[tokio::test]
async fn a_record_stored_again_shows_at_once_on_pages_viewed_before() {
    let app = spawn_app().await;
    let mut record = record_a();
    let (b, id) = signed_in_patient(&app, &record, &PATIENT_A).await;
    let clinician = app.browser();
    app.sign_in_as(&clinician, &CLINICIAN).await;
    app.add_to_care_team(&id, &CLINICIAN).await;
    let staff = format!("/staff/patients/{id}");
    let pages = [
        ("/records".to_string(), "the summary"),
        ("/records/labs".to_string(), "the latest results"),
        ("/records/labs/2345-7".to_string(), "a test's history"),
        (staff.clone(), "a clinician's summary"),
        (format!("{staff}/labs"), "a clinician's latest results"),
    ];
    for (path, what) in &pages {
        let who = if path.starts_with("/staff") {
            &clinician
        } else {
            &b
        };
        for _ in 0..2 {
            let page = fetch(&app, who, path).await;
            assert_eq!(page.status, 200, "{what}");
            assert!(
                texts(&page.body, "main").join(" ").contains("86 mg/dL"),
                "{what}"
            );
        }
    }

    record.patient.given = "Zed <b>Renamed</b>".into();
    let glucose = record
        .observations
        .iter_mut()
        .find(|o| o.fhir_id == "fresh-glucose")
        .expect("record_a has its fresh glucose");
    glucose.value = ObservationValue::Quantity(Quantity {
        value: 123.4,
        unit: "mg/dL".into(),
    });
    app.seed(&record).await;

    for (path, what) in &pages {
        let who = if path.starts_with("/staff") {
            &clinician
        } else {
            &b
        };
        for view in ["first", "second"] {
            let page = fetch(&app, who, path).await;
            assert_eq!(page.status, 200, "{what}");
            let main = texts(&page.body, "main").join(" ");
            assert!(
                main.contains("123 mg/dL"),
                "{what}, {view} view: the new result"
            );
            assert!(
                !main.contains("86 mg/dL"),
                "{what}, {view} view: not the old one"
            );
            assert!(main.contains("Zed <b>Renamed</b>"), "{what}, {view} view");
            assert!(!page.body.contains("<b>Renamed"), "{what}: escaped");
        }
    }
    let summary = fetch(&app, &b, "/records").await.body;
    assert!(
        texts(&summary, r#"section[aria-labelledby="sum-about"]"#)
            .join(" ")
            .contains("Zed <b>Renamed</b>"),
        "the kept part of the summary, not only the heading around it"
    );
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
    for (segment, detail) in MORE_SECTIONS {
        cases.push((format!("/records/{segment}"), "view_record", detail));
    }
    cases.push((
        format!("/records/visits/{}", record.encounters[0].fhir_id),
        "view_record",
        "visit",
    ));
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
    assert_eq!(count("Procedure"), expected.procedures);
    assert_eq!(count("CarePlan"), expected.care_plans);
    assert_eq!(count("Goal"), expected.goals);
    assert_eq!(count("DiagnosticReport"), expected.reports);
    assert_eq!(count("ImagingStudy"), expected.imaging_studies);
    assert!(expected.procedures > 0 && expected.care_plans > 0 && expected.reports > 0);
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
    let died = died.format("%-d %B %Y").to_string();
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;

    for path in ["/records", "/records/visits", "/records/labs"] {
        let page = fetch(&app, &b, path).await;
        assert_eq!(page.status, 200);
        let heading = texts(&page.body, ".patient-heading").join(" ");
        assert!(heading.contains("Deceased"), "{path}: {heading}");
        assert_eq!(
            heading.matches(&died).count(),
            1,
            "{path}: the date of death once: {heading}"
        );
        assert!(
            texts(&page.body, ".patient-heading dt").contains(&"Date of death".to_string()),
            "{path}"
        );
        assert!(page.body.contains("Age at death"));
    }
    let summary = fetch(&app, &b, "/records").await.body;
    assert!(
        texts(&summary, r#"section[aria-labelledby="sum-about"]"#)
            .iter()
            .all(|t| !t.contains(&died)),
        "the summary does not repeat the date of death"
    );
}

#[tokio::test]
async fn a_deceased_patients_medications_and_conditions_are_those_at_time_of_death() {
    // Arrange: demo patient 3 has died; give them an active prescription to be sure.
    let app = spawn_app().await;
    let record = demo_patients(4, 11, today()).remove(3);
    assert!(record.patient.deceased.is_some());
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;

    // Act
    let summary = fetch(&app, &b, "/records").await.body;
    let medications = fetch(&app, &b, "/records/medications").await.body;
    let conditions = fetch(&app, &b, "/records/conditions").await.body;

    // Assert
    let headings = texts(&summary, "h2");
    assert!(
        headings
            .iter()
            .any(|h| h.starts_with("Medications at time of death (")),
        "{headings:?}"
    );
    assert!(
        headings
            .iter()
            .any(|h| h.starts_with("Conditions at time of death (")),
        "{headings:?}"
    );
    for page in [&summary, &medications, &conditions] {
        assert!(!text(page).contains("Current medications"));
        assert!(!text(page).contains("Current conditions"));
    }
    assert!(texts(&medications, "h2")
        .iter()
        .any(|h| h.starts_with("Medications at time of death (")));

    // A living patient still reads "Current medications".
    let living = demo_patients(1, 11, today()).remove(0);
    let (b2, _) = signed_in_patient(&app, &living, &PATIENT_B).await;
    let summary = fetch(&app, &b2, "/records").await.body;
    assert!(texts(&summary, "h2")
        .iter()
        .any(|h| h.starts_with("Current medications (")));
}

/// A record with results as real feeds send them: eGFR in `mL/min`, total protein whose unit
/// is wrong in the source, a test outside our range table, and one result of its test.
fn record_with_unusual_units() -> PatientRecord {
    let mut record = record_b();
    record.observations.push(quantity(
        "egfr",
        "33914-3",
        "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (MDRD)",
        2,
        41.7,
        "mL/min",
    ));
    record.observations.push(quantity(
        "protein",
        "2885-2",
        "Protein [Mass/volume] in Serum or Plasma",
        2,
        73.0,
        "g/dL",
    ));
    record.observations.push(quantity(
        "peanut",
        "6206-7",
        "Peanut IgE Ab [Units/volume] in Serum",
        2,
        0.21,
        "kU/L",
    ));
    record
}

/// The cells of the labs table row whose header starts with `name`.
fn lab_row(labs: &str, name: &str) -> Vec<String> {
    let doc = Html::parse_document(labs);
    let rows = Selector::parse("table.results tbody tr").unwrap();
    let cell = Selector::parse("th, td").unwrap();
    doc.select(&rows)
        .map(|r| {
            r.select(&cell)
                .map(|c| c.text().collect::<String>().trim().to_string())
                .collect::<Vec<_>>()
        })
        .find(|cells| cells.first().is_some_and(|h| h.starts_with(name)))
        .unwrap_or_else(|| panic!("no row for {name}"))
}

#[tokio::test]
async fn results_in_unusual_units_read_right() {
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &record_with_unusual_units(), &PATIENT_B).await;

    let labs = fetch(&app, &b, "/records/labs").await.body;

    // eGFR written `mL/min` is compared with the eGFR range: 41.7 is low.
    let egfr = lab_row(&labs, "Kidney filtration rate (eGFR)");
    assert_eq!(egfr[1], "42 mL/min", "{egfr:?}");
    assert_eq!(egfr[2], "Low", "{egfr:?}");
    // Total protein 73 g/dL cannot be real: shown as recorded, not called High.
    let protein = lab_row(&labs, "Total protein");
    assert_eq!(protein[1], "73 g/dL", "{protein:?}");
    assert!(
        protein[2].starts_with("Could not be compared")
            && protein[2].contains("most likely recorded in another unit"),
        "{protein:?}"
    );
    assert!(!labs.contains("73.0"));
    // A test outside the range table has a plain name, and the source's LOINC long name is
    // no subtitle under it.
    let peanut = lab_row(&labs, "Peanut allergy test (IgE)");
    assert_eq!(peanut[0], "Peanut allergy test (IgE)", "{peanut:?}");
    assert!(!text(&labs).contains("Peanut IgE Ab"));
    // Counts read naturally.
    assert!(
        text(&labs).contains("The latest result of each of 4 tests (4 results in all)"),
        "{}",
        text(&labs)
    );

    let protein = fetch(&app, &b, "/records/labs/2885-2").await.body;
    assert_eq!(
        texts(&protein, "table.results caption"),
        ["1 result of Total protein"]
    );
    assert!(!text(&protein).contains("All 1 results"));
    assert!(text(&protein).contains("Could not be compared"));
    assert!(!text(&protein).contains("High"));
    let mut glucose_only = record_b();
    glucose_only.patient.fhir_id = "b2-fhir".into();
    glucose_only.patient.mrn.value = "MRN-B-778".into();
    let (b2, _) = signed_in_patient(&app, &glucose_only, &PATIENT_A).await;
    let labs = fetch(&app, &b2, "/records/labs").await.body;
    assert!(
        text(&labs).contains("The latest result of 1 test (1 result in all)"),
        "{}",
        text(&labs)
    );
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
    paths.extend(MORE_SECTIONS.iter().map(|(s, _)| format!("/records/{s}")));
    // A's visits by their ids: B gets a 404, as for a visit that does not exist.
    paths.extend(
        a.encounters
            .iter()
            .map(|e| format!("/records/visits/{}", e.fhir_id)),
    );
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
        format!("/staff/patients/{a_id}/procedures"),
        format!("/staff/patients/{a_id}/visits/{}", a.encounters[0].fhir_id),
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

    assert_eq!(
        fetch(
            &app,
            &b,
            &format!("/records/visits/{}", a.encounters[0].fhir_id)
        )
        .await
        .status,
        404,
        "another patient's visit is not found"
    );
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

/// Every data cell of the main content's tables names its column, and every table has a caption
/// and header cells (the narrow-screen layout and screen readers rely on both).
fn assert_tables_labelled(html: &str, what: &str) {
    let tables = select_count(html, "main table");
    assert_eq!(
        select_count(html, "main table > caption"),
        tables,
        "{what}: every table has a caption"
    );
    assert_eq!(
        select_count(html, "main table td:not([data-label])"),
        0,
        "{what}: every cell has a data-label"
    );
    assert!(
        select_count(html, "main table th[scope]") >= tables,
        "{what}: header cells with scope"
    );
}

#[tokio::test]
async fn procedures_care_plans_reports_and_social_history_show_the_record() {
    // Arrange: demo patient 0 has procedures, a care plan with goals, lipid reports and smoking
    // status (the demo generator makes them).
    let app = spawn_app().await;
    let record = record_a();
    assert!(!record.procedures.is_empty() && !record.care_plans.is_empty());
    let mut record = record;
    let mut ef = quantity(
        "exam-ef",
        "10230-1",
        "Left ventricular Ejection fraction",
        5,
        58.0,
        "%",
    );
    ef.category = ObservationCategory::Other("exam".into());
    record.observations.push(ef);
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;

    // The summary and the section links lead to every new page.
    let summary = fetch(&app, &b, "/records").await.body;
    let links = attrs(&summary, "main a", "href");
    let nav = attrs(&summary, "nav.chart-nav a", "href");
    for (segment, _) in MORE_SECTIONS {
        let href = format!("/records/{segment}");
        assert!(links.contains(&href), "summary links {href}");
        assert!(nav.contains(&href), "navigation links {href}");
    }

    // Procedures: one row each, with its name.
    let page = fetch(&app, &b, "/records/procedures").await;
    assert_eq!(page.status, 200);
    assert_tables_labelled(&page.body, "procedures");
    assert_eq!(
        select_count(&page.body, "main table tbody tr"),
        record.procedures.len()
    );
    assert!(text(&page.body).contains("Medication reconciliation"));

    // Care plans: the plan, its activities and its goals with their status.
    let page = fetch(&app, &b, "/records/care-plans").await;
    assert_eq!(page.status, 200);
    assert_tables_labelled(&page.body, "care plans");
    let words = text(&page.body);
    let plan = &record.care_plans[0];
    // Names and goals in words: no semantic tags, units as people write them.
    assert!(texts(&page.body, "main h2").contains(&views::plain_name(&plan.title())));
    for a in &plan.activities {
        let name = views::plain_text(&a.code.as_ref().unwrap().display);
        assert!(words.contains(name.as_str()), "activity {name}");
    }
    for g in &record.goals {
        assert!(
            words.contains(&views::plain_text(&g.description.display)),
            "goal {}",
            g.description.display
        );
    }
    assert!(words.contains("In progress") && words.contains("Improving"));

    // Reports: each with its results; the results are the observations it links.
    let page = fetch(&app, &b, "/records/reports").await;
    assert_eq!(page.status, 200);
    assert_tables_labelled(&page.body, "reports");
    assert_eq!(
        select_count(&page.body, "section.report"),
        record.reports.len()
    );
    let linked: usize = record.reports.iter().map(|r| r.results.len()).sum();
    assert_eq!(
        select_count(&page.body, "section.report table.results tbody tr"),
        linked
    );
    assert!(text(&page.body).contains("Lipid panel"));
    assert!(text(&page.body).contains("Imaging (0)"));
    // Exam results, shown on no other page, are listed there too.
    assert!(texts(&page.body, "main h2").contains(&"Other measurements (1)".to_string()));
    assert!(text(&page.body).contains("Ejection fraction (heart pumping)"));

    // Social history: smoking status first, its latest answer and every answer.
    let page = fetch(&app, &b, "/records/social-history").await;
    assert_eq!(page.status, 200);
    assert_tables_labelled(&page.body, "social history");
    let smoking: Vec<&Observation> = record
        .observations
        .iter()
        .filter(|o| o.loinc() == Some("72166-2"))
        .collect();
    assert!(!smoking.is_empty());
    let first_row = texts(&page.body, "main table:first-of-type tbody tr");
    assert!(
        first_row[0].contains("Smoking status")
            && first_row[0].contains("Occasional tobacco smoker"),
        "{first_row:?}"
    );
    assert_eq!(
        select_count(&page.body, "table#history-1 tbody tr"),
        smoking.len()
    );
}

#[tokio::test]
async fn a_visit_links_to_what_happened_in_it() {
    let app = spawn_app().await;
    let record = record_a();
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;

    let visits = fetch(&app, &b, "/records/visits").await.body;
    let links: Vec<String> = attrs(&visits, "main table a", "href");
    assert_eq!(
        links.len(),
        record.encounters.len(),
        "every visit has a page"
    );

    // The first wellness visit: its procedure, its vaccine, its measurements.
    let wellness = record
        .encounters
        .iter()
        .find(|e| e.kind.as_ref().is_some_and(|k| k.code == "185349003"))
        .unwrap();
    let href = format!("/records/visits/{}", wellness.fhir_id);
    assert!(links.contains(&href));
    let page = fetch(&app, &b, &href).await;
    assert_eq!(page.status, 200);
    assert_tables_labelled(&page.body, "visit");
    let words = text(&page.body);
    let of_visit = |enc: &Option<String>| enc.as_deref() == Some(wellness.fhir_id.as_str());
    for p in record.procedures.iter().filter(|p| of_visit(&p.encounter)) {
        let name = views::plain_name(&p.code.display);
        assert!(words.contains(&name), "{name}");
    }
    assert!(!words.contains("(procedure)"), "{words}");
    for i in record
        .immunizations
        .iter()
        .filter(|i| of_visit(&i.encounter))
    {
        assert!(words.contains(&i.vaccine.display), "{}", i.vaccine.display);
    }
    let results = record
        .observations
        .iter()
        .filter(|o| of_visit(&o.encounter))
        .count();
    assert_eq!(select_count(&page.body, "table.results tbody tr"), results);
    // The visit page belongs to the visits section.
    assert_eq!(
        attrs(
            &page.body,
            r#"nav.chart-nav a[aria-current="true"]"#,
            "href"
        ),
        ["/records/visits"]
    );

    // No such visit, or not an id at all: 404 without opening (and auditing) anything.
    let before = app.audit_rows().await.len();
    assert_eq!(
        fetch(&app, &b, "/records/visits/not-a-visit-of-mine")
            .await
            .status,
        404
    );
    assert_eq!(
        app.audit_rows().await.len(),
        before + 1,
        "a real id is looked up, audited"
    );
    let before = app.audit_rows().await.len();
    assert_eq!(fetch(&app, &b, "/records/visits/a%20b").await.status, 404);
    assert_eq!(
        app.audit_rows().await.len(),
        before,
        "a malformed id opens nothing"
    );
}

#[tokio::test]
async fn a_clinician_sees_the_new_sections_on_the_chart_and_each_view_is_audited() {
    let app = spawn_app().await;
    let record = record_a();
    let id = app.seed(&record).await;
    app.add_to_care_team(&id, &CLINICIAN).await;
    let c = app.browser();
    app.sign_in_as(&c, &CLINICIAN).await;

    let base = format!("/staff/patients/{id}");
    let mut pages: Vec<(String, &str)> = MORE_SECTIONS
        .iter()
        .map(|(s, d)| (format!("{base}/{s}"), *d))
        .collect();
    pages.push((
        format!("{base}/visits/{}", record.encounters[0].fhir_id),
        "visit",
    ));
    for (path, detail) in &pages {
        let before = app.audit_rows().await.len();
        let page = fetch(&app, &c, path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(page.body.contains(&record.patient.display_name()), "{path}");
        let new = app.audit_rows().await[before..].to_vec();
        assert_eq!(new.len(), 1, "{path}: {new:?}");
        assert_eq!(new[0].0, "staff_chart_view", "{path}");
        assert_eq!(new[0].2.as_deref(), Some(id.as_str()));
        assert!(
            new[0].3.as_deref().is_some_and(|d| d.starts_with(detail)),
            "{path}: {:?}",
            new[0].3
        );
    }
    let procedures = fetch(&app, &c, &format!("{base}/procedures")).await.body;
    assert!(text(&procedures).contains("Medication reconciliation"));
    // Links on the chart stay on the chart.
    let visits = fetch(&app, &c, &format!("{base}/visits")).await.body;
    assert!(attrs(&visits, "main table a", "href")
        .iter()
        .all(|h| h.starts_with(&format!("{base}/visits/"))));
}

/// A Synthea bundle from `../shared/data/synthea/`, parsed by the importer; `None` (and a note)
/// outside CI when the shared data is missing.
fn synthea_record(name: &str) -> Option<PatientRecord> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/synthea");
    let file = std::fs::read_dir(&dir).ok().and_then(|entries| {
        entries.filter_map(|e| e.ok().map(|e| e.path())).find(|p| {
            p.file_name()
                .is_some_and(|f| f.to_string_lossy().starts_with(name))
        })
    });
    let Some(file) = file else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI must have ../shared/data/synthea beside the checkout");
        }
        eprintln!("the shared Synthea data is missing: {name} not tested");
        return None;
    };
    let json: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    Some(patient_portal::records::parse_bundle(&json).unwrap().record)
}

#[tokio::test]
async fn a_synthea_record_shows_every_kept_resource_on_its_pages_and_in_its_export() {
    let Some(record) = synthea_record("Louis_Erdman") else {
        return;
    };
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;

    let procedures = fetch(&app, &b, "/records/procedures").await.body;
    assert_eq!(
        select_count(&procedures, "main table tbody tr"),
        record.procedures.len()
    );
    let plans = fetch(&app, &b, "/records/care-plans").await.body;
    assert_eq!(
        select_count(&plans, "section.care-plan"),
        record.care_plans.len()
    );
    let reports = fetch(&app, &b, "/records/reports").await.body;
    assert_eq!(
        select_count(&reports, "section.report"),
        record.reports.len()
    );
    let linked: usize = record.reports.iter().map(|r| r.results.len()).sum();
    assert_eq!(
        select_count(&reports, "section.report table.results tbody tr"),
        linked
    );
    assert!(text(&reports).contains("Digital Radiography of Chest"));
    let social = fetch(&app, &b, "/records/social-history").await.body;
    assert!(text(&social).contains("Current every day smoker"));

    // The export holds what the import stored, coded values with their codes.
    let export: Value = app.get(&b, "/records/export").await.json().await.unwrap();
    if let Some(dir) = std::env::var_os("FHIR_EXPORT_DIR") {
        let path = std::path::Path::new(&dir).join("portal-export-synthea.json");
        std::fs::write(path, serde_json::to_vec_pretty(&export).unwrap()).unwrap();
    }
    let back = patient_portal::records::parse_bundle(&export)
        .unwrap()
        .record;
    assert_eq!(back.counts(), record.counts());
    let smoking = export["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["id"] == "557745d9-ac6d-4ef7-8608-6e35c4b99a3b")
        .unwrap();
    assert_eq!(
        smoking["valueCodeableConcept"]["coding"][0]["code"],
        "449868002"
    );
    assert_eq!(back.demographics, record.demographics);
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
    paths.extend(MORE_SECTIONS.iter().map(|(s, _)| format!("/records/{s}")));
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

/// The text of each `main h2`, for the visit page's "Kind (count)" headings.
fn headings(html: &str) -> Vec<String> {
    texts(html, "main h2")
}

#[tokio::test]
async fn a_result_that_could_not_be_compared_says_why_on_every_page_that_lists_it() {
    // Arrange: PDW as Synthea writes it (hundreds of fL, which no blood has) and creatinine in a
    // unit our range is not in.
    let app = spawn_app().await;
    let mut record = record_b();
    record.observations.push(quantity(
        "pdw",
        "32207-3",
        "Platelet distribution width [Entitic volume] in Blood by Automated count",
        1,
        303.0,
        "fL",
    ));
    record.observations.push(quantity(
        "creatinine-si",
        "2160-0",
        "Creatinine [Mass/volume] in Serum or Plasma",
        1,
        88.0,
        "umol/L",
    ));
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_B).await;

    // Act and assert: the summary and the list say why, beside the flag or instead of one.
    for path in ["/records", "/records/labs"] {
        let page = fetch(&app, &b, path).await.body;
        let pdw = lab_row(&page, "Platelet size variation (PDW)");
        assert!(
            pdw[2].starts_with("Could not be compared")
                && pdw[2].contains("Not a possible value for this test in fL")
                && pdw[2].contains("most likely recorded in another unit"),
            "{path}: {pdw:?}"
        );
        let creatinine = lab_row(&page, "Creatinine");
        assert_eq!(
            creatinine[2], "Not compared. Recorded in µmol/L; the usual range we have is in mg/dL.",
            "{path}"
        );
    }
    // The home page's new results too.
    let home = texts(&fetch(&app, &b, "/home").await.body, "ul.home-list li");
    let pdw = home
        .iter()
        .find(|l| l.contains("PDW"))
        .unwrap_or_else(|| panic!("PDW is a new result: {home:?}"));
    assert!(
        pdw.contains("most likely recorded in another unit"),
        "{pdw}"
    );
    // The test's own page: the latest result and every row of the history.
    let history = fetch(&app, &b, "/records/labs/32207-3").await.body;
    let latest = texts(&history, "p.latest").join(" ");
    assert!(
        latest.contains("most likely recorded in another unit"),
        "{latest}"
    );
    let rows = texts(&history, "table.results tbody tr");
    assert!(
        rows.iter()
            .all(|r| r.contains("most likely recorded in another unit")),
        "{rows:?}"
    );
}

#[tokio::test]
async fn results_taken_at_the_same_moment_are_in_one_order_on_every_page_and_in_the_export() {
    same_moment_in_one_order(&spawn_app().await).await;
}

/// The same on PostgreSQL, whose ties in `ORDER BY effective_at` fall otherwise than SQLite's.
#[tokio::test]
async fn results_taken_at_the_same_moment_are_in_one_order_on_postgres() {
    let Some(pg) = crate::support::Postgres::connect("PostgreSQL order test").await else {
        return;
    };
    pg.drop_databases_left_by_earlier_runs("records_order")
        .await;
    let (_, url) = pg.create_database("records_order").await;
    let app = crate::support::spawn_app_with(crate::support::Options {
        database_url: Some(url),
        ..Default::default()
    })
    .await;
    same_moment_in_one_order(&app).await;
}

async fn same_moment_in_one_order(app: &TestApp) {
    // Arrange: three glucose results of the same moment, stored in no id order.
    let mut record = record_b();
    let when = Utc::now() - Duration::days(1);
    for (id, value) in [("same-m", 120.0), ("same-z", 130.0), ("same-a", 80.0)] {
        let mut o = quantity(id, "2345-7", "Glucose", 1, value, "mg/dL");
        o.effective = when;
        record.observations.push(o);
    }
    let (b, _) = signed_in_patient(app, &record, &PATIENT_B).await;

    // The summary's and the list's latest is the first row of the history, by FHIR id.
    for path in ["/records", "/records/labs"] {
        let page = fetch(app, &b, path).await.body;
        assert_eq!(lab_row(&page, "Glucose")[1], "80 mg/dL", "{path}");
    }
    let history = fetch(app, &b, "/records/labs/2345-7").await.body;
    let values: Vec<String> = texts(&history, "table.results tbody tr td.value");
    assert_eq!(values[..3], ["80 mg/dL", "120 mg/dL", "130 mg/dL"]);
    assert!(texts(&history, "p.latest")[0].contains("80 mg/dL"));
    // The chart's text alternative says the same latest.
    let desc = texts(&history, "svg desc").join(" ");
    assert!(desc.contains("Latest 80 mg/dL"), "{desc}");

    // The export (and the FHIR API, which serves the same read) lists them oldest first:
    // exactly the reverse, so its last result of the test is the pages' latest.
    let export: Value = app.get(&b, "/records/export").await.json().await.unwrap();
    let ids: Vec<String> = export["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == "Observation")
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .filter(|id| id.starts_with("same-"))
        .collect();
    assert_eq!(ids, ["same-z", "same-m", "same-a"]);
}

#[tokio::test]
async fn a_synthea_prescription_says_why_and_by_whom_and_its_visit_shows_everything_linked() {
    let Some(record) = synthea_record("Louis_Erdman") else {
        return;
    };
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;

    // The medications page: the reason in words (a Condition of the bundle) and the prescriber
    // (a Practitioner of the bundle).
    let meds = text(&fetch(&app, &b, "/records/medications").await.body);
    assert!(meds.contains("Acute bronchitis"), "{meds}");
    assert!(meds.contains("Dr. Terrance Schultz"), "{meds}");
    assert!(!meds.contains("(disorder)"), "{meds}");

    // Every visit's page lists every kind of item that points at it, as many as the source has.
    let mut linked = 0;
    for e in &record.encounters {
        let page = fetch(&app, &b, &format!("/records/visits/{}", e.fhir_id))
            .await
            .body;
        let of = |enc: &Option<String>| enc.as_deref() == Some(e.fhir_id.as_str());
        let expected = [
            (
                "Conditions recorded at this visit",
                record
                    .conditions
                    .iter()
                    .filter(|x| of(&x.encounter))
                    .count(),
            ),
            (
                "Procedures",
                record
                    .procedures
                    .iter()
                    .filter(|x| of(&x.encounter))
                    .count(),
            ),
            (
                "Results and measurements",
                record
                    .observations
                    .iter()
                    .filter(|x| of(&x.encounter))
                    .count(),
            ),
            (
                "Immunizations",
                record
                    .immunizations
                    .iter()
                    .filter(|x| of(&x.encounter))
                    .count(),
            ),
            (
                "Medications prescribed",
                record
                    .medications
                    .iter()
                    .filter(|x| of(&x.encounter))
                    .count(),
            ),
            (
                "Care plans",
                record
                    .care_plans
                    .iter()
                    .filter(|x| of(&x.encounter))
                    .count(),
            ),
            (
                "Test reports",
                record.reports.iter().filter(|x| of(&x.encounter)).count(),
            ),
            (
                "Imaging",
                record.imaging.iter().filter(|x| of(&x.encounter)).count(),
            ),
        ];
        let h = headings(&page);
        for (kind, n) in expected {
            linked += n;
            assert!(
                h.contains(&format!("{kind} ({n})")),
                "{}: {kind} ({n}) in {h:?}",
                e.fhir_id
            );
        }
        // Codes in words: no SNOMED semantic tag in anything the page names.
        let words = text(&page);
        for tag in [
            "(procedure)",
            "(finding)",
            "(disorder)",
            "(regime/therapy)",
            "(situation)",
        ] {
            assert!(!words.contains(tag), "{}: {tag}", e.fhir_id);
        }
    }
    assert!(
        linked > record.observations.len(),
        "more than results are linked"
    );
    for path in [
        "/records/procedures",
        "/records/care-plans",
        "/records/reports",
        "/records/visits",
    ] {
        let words = text(&fetch(&app, &b, path).await.body);
        for tag in ["(procedure)", "(finding)", "(disorder)", "(regime/therapy)"] {
            assert!(!words.contains(tag), "{path}: {tag}");
        }
        // Report panels by the names people use, not LOINC long names.
        assert!(!words.contains("Blood by Automated count"), "{path}");
    }
}

#[tokio::test]
async fn goals_write_units_as_people_do() {
    use patient_portal::records::model::Goal;
    let app = spawn_app().await;
    let mut record = record_a();
    record.goals.push(Goal {
        fhir_id: "bp-goal".into(),
        lifecycle_status: "active".into(),
        achievement_status: None,
        description: Concept::new("", "", "Systolic blood pressure below 140 mm[Hg]"),
        start: None,
        addresses: vec![],
    });
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;
    let page = text(&fetch(&app, &b, "/records/care-plans").await.body);
    assert!(
        page.contains("Systolic blood pressure below 140 mmHg"),
        "{page}"
    );
    assert!(!page.contains("mm[Hg]"));
}

#[tokio::test]
async fn the_care_team_reads_the_access_log_of_the_patient_and_the_renewal_queue_by_medication() {
    // Arrange: the patient asks for a renewal; their clinician has opened their vital signs.
    let app = spawn_app().await;
    let record = record_a();
    let (patient, id) = signed_in_patient(&app, &record, &PATIENT_A).await;
    app.add_to_care_team(&id, &CLINICIAN).await;
    let medication = record.active_medications().next().unwrap();
    let token = crate::support::csrf(&app, &patient).await;
    let resp = crate::support::post(
        &app,
        &patient,
        "/records/medications/renewals",
        &[
            ("csrf_token", token.as_str()),
            ("medication", medication.fhir_id.as_str()),
            ("note", ""),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let c = app.browser();
    app.sign_in_as(&c, &CLINICIAN).await;
    assert_eq!(
        fetch(&app, &c, &format!("/staff/patients/{id}/vitals"))
            .await
            .status,
        200
    );

    // The queue and the worklist name the medication asked for.
    let name = views::plain_name(&medication.code.display);
    for path in ["/staff/renewals", "/staff"] {
        let page = text(&fetch(&app, &c, path).await.body);
        assert!(page.contains(&name), "{path}: {name} in {page}");
    }
    // The clinician's view of the log speaks of the patient; the patient's speaks to them.
    let log = texts(
        &fetch(&app, &c, &format!("/staff/patients/{id}/access-log"))
            .await
            .body,
        "main td",
    )
    .join(" | ");
    assert!(log.contains("Viewed the patient's vital signs"), "{log}");
    assert!(!log.contains("your"), "{log}");
    let own = text(&fetch(&app, &patient, "/records/access-log").await.body);
    assert!(own.contains("Viewed your vital signs"), "{own}");
}

#[tokio::test]
async fn the_break_the_glass_offer_says_what_happened_in_words() {
    let app = spawn_app().await;
    let id = app.seed(&record_b()).await;
    let c = app.browser();
    app.sign_in_as(&c, &CLINICIAN).await;

    let page = fetch(&app, &c, &format!("/staff/patients/{id}")).await;

    assert_eq!(page.status, 403);
    assert_eq!(
        texts(&page.body, "h1"),
        ["This patient is not on your care team"]
    );
    assert!(!text(&page.body).contains("Error 403"));
    assert!(page
        .body
        .contains(&format!("/staff/patients/{id}/break-glass")));
}

#[tokio::test]
async fn a_prescription_says_why_and_by_whom_wherever_it_is_listed() {
    let app = spawn_app().await;
    let mut record = record_a();
    let med = record
        .medications
        .iter_mut()
        .find(|m| m.is_active())
        .unwrap();
    med.reason = Some(Concept::new(
        systems::SNOMED,
        "59621000",
        "Essential hypertension (disorder)",
    ));
    med.prescriber = Some("Dr. June Kassulke".into());
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;

    let meds = fetch(&app, &b, "/records/medications").await.body;
    let row = texts(&meds, "main table tbody tr")
        .into_iter()
        .find(|r| r.contains("Essential hypertension"))
        .expect("the prescription's row names its reason");
    assert!(row.contains("Dr. June Kassulke"), "{row}");
    assert!(!row.contains("(disorder)"), "{row}");
    let summary = text(&fetch(&app, &b, "/records").await.body);
    assert!(summary.contains("for Essential hypertension"), "{summary}");
    let printable = text(&fetch(&app, &b, "/records/printable").await.body);
    assert!(
        printable.contains("Essential hypertension") && printable.contains("Dr. June Kassulke"),
        "{printable}"
    );
}

/// Every page of each shared Synthea record names things in words: no SNOMED semantic tag, no
/// UCUM bracket unit, no LOINC panel long name, and no "Could not be compared" without a reason.
#[tokio::test]
async fn every_page_of_the_synthea_records_names_codes_in_words() {
    for name in ["Louis_Erdman", "Patria_Schimmel", "Clemente_Kreiger"] {
        let Some(record) = synthea_record(name) else {
            return;
        };
        let app = spawn_app().await;
        let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;
        let mut paths: Vec<String> = vec!["/records".into(), "/records/printable".into()];
        paths.extend(SECTIONS.iter().map(|s| format!("/records/{s}")));
        paths.extend(MORE_SECTIONS.iter().map(|(s, _)| format!("/records/{s}")));
        let codes: HashSet<&str> = record
            .observations
            .iter()
            .filter_map(|o| o.loinc())
            .collect();
        paths.extend(codes.iter().map(|c| format!("/records/labs/{c}")));
        paths.extend(
            record
                .encounters
                .iter()
                .map(|e| format!("/records/visits/{}", e.fhir_id)),
        );
        for path in &paths {
            let page = fetch(&app, &b, path).await;
            assert_eq!(page.status, 200, "{name} {path}");
            // A test's page keeps the laboratory's own name folded away in a disclosure.
            let words = text(&page.body);
            let folded = texts(&page.body, "details.source-name p").join(" ");
            let words = if folded.is_empty() {
                words
            } else {
                words.replace(folded.as_str(), "")
            };
            for jargon in [
                "(procedure)",
                "(finding)",
                "(disorder)",
                "(situation)",
                "(regime/therapy)",
                "(observable entity)",
                "mm[Hg]",
                "Blood by Automated count",
            ] {
                assert!(!words.contains(jargon), "{name} {path}: {jargon}");
            }
            let flags = words.matches("Could not be compared").count();
            let reasons = words
                .matches("most likely recorded in another unit")
                .count();
            let unexplained = flags.saturating_sub(reasons);
            // The labs page's introduction names the flag once, to explain it.
            assert!(unexplained <= 1, "{name} {path}: a flag without its reason");
        }
    }
}

/// Words the chart's views build from the record's codes (statuses, an allergy's kind and
/// risk, sex) are the page's language's, not English (#31).
#[tokio::test]
async fn record_words_built_from_codes_read_in_spanish() {
    let (app, recs, ids) = crate::support::app_with_patients(1).await;
    app.link(&ids[0], &PATIENT_A).await;
    let b = crate::support::signed_in(&app, &PATIENT_A).await;
    let mut all = Vec::new();
    let mut record = String::new();
    for path in [
        "/records/conditions",
        "/records/medications",
        "/records/allergies",
        "/records/immunizations",
        "/records",
    ] {
        let page = crate::languages::get_in(&app, &b, path, "es")
            .await
            .text()
            .await
            .unwrap();
        all.extend(
            Html::parse_document(&page)
                .root_element()
                .text()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>(),
        );
        record = page;
    }
    for english in [
        "Active",
        "Inactive",
        "Resolved",
        "Stopped",
        "Completed",
        "Female",
        "Male",
        "Status not recorded",
        "High risk",
        "Low risk",
        "Given",
    ] {
        assert!(
            !all.iter().any(|t| t == english),
            "{english} on a Spanish page"
        );
    }
    // The words are there in Spanish, so the checks above looked at real statuses.
    let has = |words: &[&str]| all.iter().any(|t| words.contains(&t.as_str()));
    assert!(
        has(&["Activa", "Resuelta", "Inactiva"]),
        "a condition's status"
    );
    assert!(
        has(&["Activo", "Completado", "Suspendido", "Cancelado"]),
        "a medication's status"
    );
    let sex = match recs[0].patient.sex {
        Sex::Female => "Femenino",
        Sex::Male => "Masculino",
        Sex::Other => "Otro",
        Sex::Unknown => "Desconocido",
    };
    assert!(all.iter().any(|t| t.contains(sex)), "{sex}: {record}");
}

/// FHIR's translation extension on a string element's `_text` / `_display`.
fn translated(lang: &str, content: &str) -> Value {
    serde_json::json!({"url": "http://hl7.org/fhir/StructureDefinition/translation", "extension": [
        {"url": "lang", "valueCode": lang},
        {"url": "content", "valueString": content}
    ]})
}

/// A hand-written bundle: a condition the source translates into Spanish (and malformed
/// translations beside it), one it does not, and a glucose result it translates.
fn bundle_with_translations() -> Value {
    let subject = serde_json::json!({"reference": "urn:uuid:77777777-7777-4777-8777-777777777777"});
    let active = serde_json::json!({"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"
    }]});
    serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:77777777-7777-4777-8777-777777777777", "resource": {
            "resourceType": "Patient", "id": "77777777-7777-4777-8777-777777777777",
            "name": [{"family": "Traducida", "given": ["Rosa"]}],
            "gender": "female", "birthDate": "1961-05-02"
        }},
        {"fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000001", "resource": {
            "resourceType": "Condition", "id": "c0000000-0000-4000-8000-000000000001",
            "subject": subject, "clinicalStatus": active,
            "code": {
                "coding": [{"system": "http://snomed.info/sct", "code": "44054006",
                            "display": "Diabetes mellitus type 2 (disorder)"}],
                "text": "Diabetes mellitus type 2 (disorder)",
                "_text": {"extension": [
                    // Malformed: no lang, no content, content not a string. Skipped, not refused.
                    {"url": "http://hl7.org/fhir/StructureDefinition/translation",
                     "extension": [{"url": "content", "valueString": "Sin idioma"}]},
                    {"url": "http://hl7.org/fhir/StructureDefinition/translation",
                     "extension": [{"url": "lang", "valueCode": "es"}]},
                    {"url": "http://hl7.org/fhir/StructureDefinition/translation",
                     "extension": [{"url": "lang", "valueCode": "es"},
                                   {"url": "content", "valueInteger": 2}]},
                    translated("es-US", "Diabetes mellitus tipo 2")
                ]}
            },
            "onsetDateTime": "2015-03-01T00:00:00Z"
        }},
        {"fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000002", "resource": {
            "resourceType": "Condition", "id": "c0000000-0000-4000-8000-000000000002",
            "subject": subject, "clinicalStatus": active,
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "195662009",
                                 "display": "Acute viral pharyngitis (disorder)"}]},
            "onsetDateTime": "2020-01-10T00:00:00Z"
        }},
        {"fullUrl": "urn:uuid:0b000000-0000-4000-8000-000000000001", "resource": {
            "resourceType": "Observation", "id": "0b000000-0000-4000-8000-000000000001",
            "status": "final", "subject": subject,
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "laboratory"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7",
                                 "display": "Glucose [Mass/volume] in Blood",
                                 "_display": {"extension": [translated("es", "Glucosa en sangre")]}}]},
            "effectiveDateTime": "2024-02-03T10:05:00+00:00",
            "valueQuantity": {"value": 91.0, "unit": "mg/dL",
                              "system": "http://unitsofmeasure.org", "code": "mg/dL"}
        }}
    ]})
}

#[tokio::test]
async fn clinical_names_read_in_spanish_where_the_source_translates_them() {
    // Arrange: the bad translations do not refuse the bundle.
    let record = patient_portal::records::parse_bundle(&bundle_with_translations())
        .expect("malformed translations are skipped, not refused")
        .record;
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;
    let get = |path: &'static str, lang: &'static str| {
        let (app, b) = (&app, &b);
        async move {
            let resp = crate::languages::get_in(app, b, path, lang).await;
            assert_eq!(resp.status(), 200, "{path} in {lang}");
            text(&resp.text().await.unwrap())
        }
    };

    for path in ["/records/conditions", "/records"] {
        // Act + Assert: in Spanish, the source's Spanish name ("es-US" serves "es"); a name the
        // source does not translate stays as the source gives it (without its semantic tag).
        let es = get(path, "es").await;
        assert!(es.contains("Diabetes mellitus tipo 2"), "{path}: {es}");
        assert!(!es.contains("Diabetes mellitus type 2"), "{path}: {es}");
        assert!(es.contains("Acute viral pharyngitis"), "{path}: {es}");
        assert!(!es.contains("Sin idioma"), "{path}: {es}");

        // In English the page is as before.
        let en = get(path, "en").await;
        assert!(en.contains("Diabetes mellitus type 2"), "{path}: {en}");
        assert!(!en.contains("tipo 2"), "{path}: {en}");
        assert!(en.contains("Acute viral pharyngitis"), "{path}: {en}");
    }

    // A test's name: the source's Spanish over our own (English) short name.
    assert!(get("/records/labs", "es")
        .await
        .contains("Glucosa en sangre"));
    let en = get("/records/labs", "en").await;
    assert!(en.contains("Glucose") && !en.contains("Glucosa"), "{en}");
}
