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
    // Claims, EOBs, practitioners and organizations are kept since issue 27.
    assert!(
        summary.contains("38 Claim") && summary.contains("5 Practitioner"),
        "{summary}"
    );
    assert!(
        summary.contains("skipped resources (not stored): none"),
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

    // The people and costs (issue 27), once each however often imported.
    for (table, n) in [
        ("practitioners", 1 + 3 + 1),
        ("organizations", 1 + 3 + 1),
        ("claims", 3 + 16 + 19),
        ("explanations_of_benefit", 3 + 12 + 14),
    ] {
        let stored: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(stored, n, "{table}");
    }
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
                "resourceType": "SupplyDelivery", "id": "44444444-4444-4444-8444-444444444444"}}]
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
        stdout.contains("skipped resources (not stored): 1 SupplyDelivery"),
        "{stdout}"
    );
    assert_eq!(counts(dir.path()).await[0], 1, "the good bundle was kept");
}

/// A bundle of one patient, one visit and the given clinical notes (#27), as Synthea writes them.
fn bundle_with_notes(notes: &[(&str, &str, Vec<u8>)]) -> serde_json::Value {
    use base64::Engine;
    let mut entries = vec![
        serde_json::json!({"fullUrl": "urn:uuid:55555555-5555-4555-8555-555555555555", "resource": {
            "resourceType": "Patient", "id": "55555555-5555-4555-8555-555555555555",
            "name": [{"family": "Noted", "given": ["Nell"]}], "gender": "female", "birthDate": "1971-03-04"}}),
        serde_json::json!({"fullUrl": "urn:uuid:66666666-6666-4666-8666-666666666666", "resource": {
            "resourceType": "Encounter", "id": "66666666-6666-4666-8666-666666666666", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "subject": {"reference": "urn:uuid:55555555-5555-4555-8555-555555555555"},
            "period": {"start": "2021-04-05T09:00:00-04:00", "end": "2021-04-05T09:30:00-04:00"}}}),
    ];
    for (id, content_type, bytes) in notes {
        entries.push(serde_json::json!({"fullUrl": format!("urn:uuid:{id}"), "resource": {
            "resourceType": "DocumentReference", "id": id, "status": "current",
            "type": {"coding": [{"system": "http://loinc.org", "code": "34117-2", "display": "History and physical note"}]},
            "subject": {"reference": "urn:uuid:55555555-5555-4555-8555-555555555555"},
            "date": "2021-04-05T09:30:00-04:00",
            "author": [{"display": "Dr. Ada Osler"}],
            "content": [{"attachment": {"contentType": content_type,
                "data": base64::engine::general_purpose::STANDARD.encode(bytes)}}],
            "context": {"encounter": [{"reference": "urn:uuid:66666666-6666-4666-8666-666666666666"}]}}}));
    }
    serde_json::json!({"resourceType": "Bundle", "type": "transaction", "entry": entries})
}

async fn note_rows(data_dir: &Path) -> (i64, i64, i64) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!(
        "sqlite://{}",
        data_dir.join("portal.sqlite").display()
    ))
    .await
    .unwrap();
    let n = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<i64, _>(0)
        }
    };
    (
        n("SELECT COUNT(*) FROM patients").await,
        n("SELECT COUNT(*) FROM clinical_notes").await,
        n("SELECT COUNT(*) FROM clinical_note_contents").await,
    )
}

#[tokio::test]
async fn clinical_notes_are_imported_with_their_content_and_bad_content_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("notes.json");
    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    let html = b"<p onclick=\"steal()\">Seen today.</p><script>alert(1)</script>".to_vec();
    std::fs::write(
        &good,
        bundle_with_notes(&[
            (
                "note-text",
                "text/plain; charset=utf-8",
                b"Seen today.".to_vec(),
            ),
            ("note-html", "text/html", html),
            ("note-pdf", "application/pdf", pdf.clone()),
        ])
        .to_string(),
    )
    .unwrap();
    let out = import(dir.path(), std::slice::from_ref(&good));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("3 DocumentReference"), "{stdout}");
    assert_eq!(note_rows(dir.path()).await, (1, 3, 3));
    // The PDF is kept as its bytes.
    let pool = sqlx::AnyPool::connect(&format!(
        "sqlite://{}",
        dir.path().join("portal.sqlite").display()
    ))
    .await
    .unwrap();
    let stored: Vec<u8> =
        sqlx::query("SELECT data FROM clinical_note_contents WHERE note_fhir_id = 'note-pdf'")
            .fetch_one(&pool)
            .await
            .unwrap()
            .get(0);
    assert_eq!(stored, pdf);
    // Imported again: the same rows, not twice as many.
    assert_eq!(
        import(dir.path(), std::slice::from_ref(&good))
            .status
            .code(),
        Some(0)
    );
    assert_eq!(note_rows(dir.path()).await, (1, 3, 3));

    // Oversize and malformed content refuse the whole bundle, naming the note.
    let fresh = tempfile::tempdir().unwrap();
    let huge = vec![b'a'; 4 * 1024 * 1024 + 1];
    for (name, note) in [
        ("huge", ("note-huge", "text/plain", huge)),
        (
            "pdf-lie",
            (
                "note-lie",
                "application/pdf",
                b"<html>not a pdf</html>".to_vec(),
            ),
        ),
        (
            "unknown-type",
            ("note-odd", "application/x-msdownload", b"MZ".to_vec()),
        ),
    ] {
        let file = fresh.path().join(format!("{name}.json"));
        let id = note.0;
        std::fs::write(
            &file,
            bundle_with_notes(&[("note-ok", "text/plain", b"Fine.".to_vec()), note]).to_string(),
        )
        .unwrap();
        let out = import(fresh.path(), std::slice::from_ref(&file));
        assert_eq!(out.status.code(), Some(1), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("DocumentReference {id}: content[0].attachment")),
            "{name}: {stderr}"
        );
        assert_eq!(
            note_rows(fresh.path()).await,
            (0, 0, 0),
            "{name}: nothing stored"
        );
    }
    // Bad base64 likewise (written by hand: the helper encodes).
    let mut bad = bundle_with_notes(&[("note-b64", "text/plain", b"x".to_vec())]);
    bad["entry"][2]["resource"]["content"][0]["attachment"]["data"] = "***".into();
    let file = fresh.path().join("b64.json");
    std::fs::write(&file, bad.to_string()).unwrap();
    let out = import(fresh.path(), std::slice::from_ref(&file));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("DocumentReference note-b64: content[0].attachment is not valid base64"),
        "{stderr}"
    );
    assert_eq!(note_rows(fresh.path()).await, (0, 0, 0));
}

/// Rows of a table in the import's database.
async fn rows_of(data_dir: &Path, table: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!(
        "sqlite://{}",
        data_dir.join("portal.sqlite").display()
    ))
    .await
    .unwrap();
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_claim_with_a_negative_total_refuses_the_bundle_and_a_missing_practitioner_does_not() {
    // Arrange: a patient, a visit whose clinician is not in the bundle, a clinic and a claim.
    let dir = tempfile::tempdir().unwrap();
    let patient = "urn:uuid:11111111-1111-4111-8111-111111111111";
    let claim = |total: f64| {
        serde_json::json!({
            "resourceType": "Bundle", "type": "collection",
            "entry": [
                {"fullUrl": patient, "resource": {
                    "resourceType": "Patient", "id": "11111111-1111-4111-8111-111111111111",
                    "name": [{"family": "Cost", "given": ["Casey"]}], "gender": "female", "birthDate": "1970-01-01"}},
                {"fullUrl": "urn:uuid:22222222-2222-4222-8222-222222222222", "resource": {
                    "resourceType": "Encounter", "id": "22222222-2222-4222-8222-222222222222", "status": "finished",
                    "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                    "subject": {"reference": patient},
                    "participant": [{"individual": {"reference": "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999999999", "display": "Dr. Elsewhere"}}],
                    "serviceProvider": {"reference": "urn:uuid:33333333-3333-4333-8333-333333333333"},
                    "period": {"start": "2020-01-01T10:00:00Z"}}},
                {"fullUrl": "urn:uuid:33333333-3333-4333-8333-333333333333", "resource": {
                    "resourceType": "Organization", "id": "33333333-3333-4333-8333-333333333333", "name": "Hill Clinic"}},
                {"fullUrl": "urn:uuid:44444444-4444-4444-8444-444444444444", "resource": {
                    "resourceType": "Claim", "id": "44444444-4444-4444-8444-444444444444", "status": "active",
                    "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
                    "use": "claim", "patient": {"reference": patient}, "created": "2020-01-01T10:30:00Z",
                    "provider": {"reference": "urn:uuid:33333333-3333-4333-8333-333333333333"},
                    "priority": {"coding": [{"code": "normal"}]},
                    "insurance": [{"sequence": 1, "focal": true, "coverage": {"display": "Plan"}}],
                    "total": {"value": total, "currency": "USD"}}}
            ]
        })
    };
    let bad = dir.path().join("negative.json");
    std::fs::write(&bad, claim(-20.0).to_string()).unwrap();
    let good = dir.path().join("good.json");
    std::fs::write(&good, claim(20.0).to_string()).unwrap();

    // Act / Assert: the negative total is refused, naming the claim and field; nothing stored.
    let out = import(dir.path(), std::slice::from_ref(&bad));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Claim 44444444-4444-4444-8444-444444444444: total is negative"),
        "{stderr}"
    );
    for table in ["patients", "encounters", "organizations", "claims"] {
        assert_eq!(rows_of(dir.path(), table).await, 0, "{table}");
    }

    // The same bundle with a good total imports, though its clinician is not in it.
    let out = import(dir.path(), std::slice::from_ref(&good));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(rows_of(dir.path(), "claims").await, 1);
    assert_eq!(rows_of(dir.path(), "organizations").await, 1);
    assert_eq!(rows_of(dir.path(), "practitioners").await, 0);
}
