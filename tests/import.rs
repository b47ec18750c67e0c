//! `patient-portal import`: Synthea bundles in, idempotently; a bad bundle changes nothing.

use std::path::{Path, PathBuf};

#[path = "common/hermetic.rs"]
mod hermetic;

use sqlx::Row;

fn synthea_files() -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/synthea");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    if files.is_empty() {
        None
    } else {
        Some(files)
    }
}

fn import(data_dir: &Path, files: &[PathBuf]) -> std::process::Output {
    hermetic::portal_command(data_dir)
        .arg("import")
        .args(files)
        .env("PORTAL_DATA_DIR", data_dir)
        .env(
            "DATABASE_URL",
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("portal.sqlite").display()
            ),
        )
        .output()
        .unwrap()
}

async fn counts(data_dir: &Path) -> Vec<i64> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!(
        "sqlite://{}",
        data_dir.join("portal.sqlite").display()
    ))
    .await
    .unwrap();
    let mut out = vec![];
    for table in [
        "patients",
        "encounters",
        "conditions",
        "medications",
        "allergies",
        "immunizations",
        "observations",
        "procedures",
        "care_plans",
        "goals",
        "diagnostic_reports",
        "imaging_studies",
    ] {
        let n: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .unwrap()
            .get(0);
        out.push(n);
    }
    out
}

#[tokio::test]
async fn synthea_bundles_import_once_however_often_they_are_imported() {
    let Some(files) = synthea_files() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI must have ../shared/data/synthea beside the checkout");
        }
        eprintln!(
            "the shared Synthea data (../shared/data/synthea) is missing: import test not run"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = import(dir.path(), &files);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("imported 3 bundle(s), refused 0"),
        "{summary}"
    );
    assert!(
        summary.contains("kept resources: ") && summary.contains(" 3 Patient"),
        "{summary}"
    );
    assert!(
        summary.contains("skipped resources (not stored): ") && summary.contains(" Claim"),
        "{summary}"
    );
    let first = counts(dir.path()).await;
    assert_eq!(first[0], 3, "three patients");
    assert_eq!(first[1], 3 + 12 + 14, "encounters of the three bundles");
    assert_eq!(first[7], 1 + 4 + 8, "procedures of the three bundles");
    assert_eq!(first[8], 4 + 5, "care plans");
    assert_eq!(first[9], 5, "goals");
    assert_eq!(first[10], 4 + 3 + 5, "diagnostic reports");
    assert_eq!(first[11], 1, "imaging studies");

    let again = import(dir.path(), &files);
    assert!(again.status.success());
    assert_eq!(
        counts(dir.path()).await,
        first,
        "importing again changes nothing"
    );
    // No account is linked to these records: nobody to tell of their results.
    let pool = sqlx::AnyPool::connect(&format!(
        "sqlite://{}",
        dir.path().join("portal.sqlite").display()
    ))
    .await
    .unwrap();
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notification_queue")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(queued, 0, "no notice for unlinked records");
}

#[tokio::test]
async fn a_malformed_bundle_is_refused_whole_with_the_resource_and_field_named() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        serde_json::json!({
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111", "resource": {
                    "resourceType": "Patient", "id": "11111111-1111-4111-8111-111111111111",
                    "name": [{"family": "Test", "given": ["Bad"]}], "gender": "female", "birthDate": "1970-01-01"}},
                {"fullUrl": "urn:uuid:22222222-2222-4222-8222-222222222222", "resource": {
                    "resourceType": "Observation", "id": "22222222-2222-4222-8222-222222222222", "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7", "display": "Glucose"}]},
                    "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"},
                    "effectiveDateTime": "yesterday",
                    "valueQuantity": {"value": 90, "unit": "mg/dL"}}}
            ]
        })
        .to_string(),
    )
    .unwrap();
    let out = import(dir.path(), std::slice::from_ref(&bad));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Observation") && stderr.contains("effectiveDateTime"),
        "{stderr}"
    );
    assert_eq!(
        counts(dir.path()).await,
        vec![0; 12],
        "nothing of it was stored"
    );
}

#[tokio::test]
async fn a_redirected_multi_file_run_names_each_refused_file_and_exits_1() {
    // Arrange: one good bundle between two bad files. `output()` pipes stderr, so no terminal
    // is attached, as in a script or CI log.
    let dir = tempfile::tempdir().unwrap();
    let not_json = dir.path().join("not-json.json");
    std::fs::write(&not_json, "{ this is not json").unwrap();
    let no_patient = dir.path().join("no-patient.json");
    std::fs::write(
        &no_patient,
        r#"{"resourceType": "Bundle", "type": "collection", "entry": []}"#,
    )
    .unwrap();
    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        serde_json::json!({
            "resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": "urn:uuid:33333333-3333-4333-8333-333333333333", "resource": {
                "resourceType": "Patient", "id": "33333333-3333-4333-8333-333333333333",
                "name": [{"family": "Good", "given": ["Only"]}], "gender": "male", "birthDate": "1960-05-06"}},
                {"fullUrl": "urn:uuid:44444444-4444-4444-8444-444444444444", "resource": {
                "resourceType": "Claim", "id": "44444444-4444-4444-8444-444444444444"}}]
        })
        .to_string(),
    )
    .unwrap();

    // Act
    let out = import(
        dir.path(),
        &[not_json.clone(), good.clone(), no_patient.clone()],
    );

    // Assert
    assert_eq!(
        out.status.code(),
        Some(1),
        "a refused file makes the run fail"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let refusal = |p: &Path| {
        stderr
            .lines()
            .find(|l| l.starts_with(&format!("refused {}: ", p.display())))
            .map(str::to_owned)
    };
    let line = refusal(&not_json).unwrap_or_else(|| panic!("not-json.json not named: {stderr}"));
    assert!(line.contains("is not JSON"), "{line}");
    let line =
        refusal(&no_patient).unwrap_or_else(|| panic!("no-patient.json not named: {stderr}"));
    assert!(line.contains("Patient"), "the reason is given: {line}");
    assert!(refusal(&good).is_none(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("imported 1 bundle(s), refused 2"),
        "{stdout}"
    );
    assert!(stdout.contains("kept resources: 1 Patient"), "{stdout}");
    assert!(
        stdout.contains("skipped resources (not stored): 1 Claim"),
        "{stdout}"
    );
    assert_eq!(counts(dir.path()).await[0], 1, "the good bundle was kept");
}
