//! Helpers shared by the records unit tests: the Synthea bundles in `../shared/data/synthea`.

use std::collections::HashSet;
use std::path::PathBuf;

use serde_json::Value;
use uuid::Uuid;

/// The shared Synthea folder beside the checkout, or `None` (with a message) when it is absent:
/// a laptop without it skips those tests; CI has it.
pub fn synthea_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/synthea"
    ));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: the shared Synthea data is missing ({}); CI has it beside the checkout",
            dir.display()
        );
        None
    }
}

/// The Synthea bundle whose file name starts with `prefix`, parsed as JSON; `None` when the
/// shared folder is absent. Panics when the folder is there but the file is not.
pub fn synthea_json(prefix: &str) -> Option<Value> {
    let dir = synthea_dir()?;
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let path = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".json"))
        })
        .unwrap_or_else(|| panic!("no {prefix}*.json in {}", dir.display()));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Some(
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display())),
    )
}

/// Writes the bundle to `$FHIR_EXPORT_DIR/<name>.json` when that variable is set, for the
/// outside validator (fhir.resources); does nothing otherwise.
pub fn write_for_validation(name: &str, bundle: &Value) {
    let Some(dir) = std::env::var_os("FHIR_EXPORT_DIR") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {e}", dir.display());
    }
    let path = dir.join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(bundle).unwrap_or_default();
    if let Err(e) = std::fs::write(&path, text) {
        panic!("cannot write {}: {e}", path.display());
    }
}

/// Structural checks of an exported bundle: the R4 required fields, unique urn:uuid
/// fullUrls, and every reference resolving inside the bundle.
pub fn check_bundle_shape(bundle: &Value) {
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    assert!(bundle["timestamp"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
    let mut urls = HashSet::new();
    for e in &entries {
        let url = e["fullUrl"].as_str().unwrap_or_default().to_owned();
        assert!(url.starts_with("urn:uuid:"), "{url}");
        assert!(Uuid::parse_str(&url["urn:uuid:".len()..]).is_ok(), "{url}");
        assert!(urls.insert(url.clone()), "duplicate fullUrl {url}");
    }
    let required: &[(&str, &[&str])] = &[
        ("Patient", &["id"]),
        ("Encounter", &["status", "class", "subject"]),
        ("Condition", &["code", "subject"]),
        (
            "MedicationRequest",
            &["status", "intent", "subject", "medicationCodeableConcept"],
        ),
        ("AllergyIntolerance", &["patient", "code"]),
        (
            "Immunization",
            &["status", "vaccineCode", "patient", "occurrenceDateTime"],
        ),
        (
            "Observation",
            &["status", "code", "subject", "effectiveDateTime"],
        ),
        ("Procedure", &["status", "code", "subject"]),
        ("CarePlan", &["status", "intent", "subject"]),
        ("Goal", &["lifecycleStatus", "description", "subject"]),
        ("DiagnosticReport", &["status", "code", "subject"]),
        ("ImagingStudy", &["status", "subject"]),
        // Clinical notes (#27).
        (
            "DocumentReference",
            &["status", "type", "subject", "content"],
        ),
        // Who, where and what it cost (issue 27 item 2).
        ("Practitioner", &["id"]),
        ("PractitionerRole", &["id"]),
        ("Organization", &["id"]),
        ("Location", &["id"]),
        ("CareTeam", &["id", "subject"]),
        (
            "Claim",
            &[
                "status",
                "type",
                "use",
                "patient",
                "created",
                "provider",
                "priority",
                "insurance",
            ],
        ),
        (
            "ExplanationOfBenefit",
            &[
                "status",
                "type",
                "use",
                "patient",
                "created",
                "insurer",
                "provider",
                "outcome",
                "insurance",
            ],
        ),
    ];
    for e in &entries {
        let r = &e["resource"];
        let rtype = r["resourceType"].as_str().unwrap_or_default();
        let fields = required
            .iter()
            .find(|(t, _)| *t == rtype)
            .map(|(_, f)| *f)
            .unwrap_or_else(|| panic!("unexpected resource type {rtype}"));
        for f in fields {
            assert!(r.get(*f).is_some(), "{rtype} without {f}");
        }
        let id = r["id"].as_str().unwrap_or_default();
        assert!(!id.is_empty() && id.len() <= 64);
        for field in ["subject", "patient", "encounter"] {
            if let Some(reference) = r.get(field).and_then(|v| v["reference"].as_str()) {
                assert!(
                    urls.contains(reference),
                    "{rtype}.{field} dangles: {reference}"
                );
            }
        }
        // Lists of links: a report's results, a plan's goals, what plans and goals address.
        for field in ["result", "goal", "addresses"] {
            for link in r.get(field).and_then(Value::as_array).into_iter().flatten() {
                let reference = link["reference"].as_str().unwrap_or_default();
                assert!(
                    urls.contains(reference),
                    "{rtype}.{field} dangles: {reference}"
                );
            }
        }
    }
}

/// A plain living patient, for tests that need one but not its details.
pub fn patient() -> super::Patient {
    super::Patient {
        fhir_id: "p1".into(),
        given: "Ada".into(),
        family: "Byron".into(),
        birth_date: chrono::NaiveDate::from_ymd_opt(1980, 6, 15).unwrap_or_default(),
        sex: super::Sex::Female,
        deceased: None,
        mrn: super::Mrn {
            system: None,
            value: "MRN-1".into(),
        },
        address: None,
        phone: None,
    }
}
