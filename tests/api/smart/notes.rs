//! DocumentReference in the FHIR API (#27 item 1): the notes the export carries, searchable by
//! `patient`, `category`, `type` and `date`, behind `patient/DocumentReference.rs` scopes.

use super::*;
use crate::notes::{record_with_notes, PDF};

async fn portal_with_notes() -> (TestApp, Browser) {
    let app = spawn_app().await;
    let (record, _) = record_with_notes();
    let a = app.seed(&record).await;
    app.link(&a, &PATIENT_A).await;
    let other = demo_patients(2, 15, today()).remove(1);
    let b_id = app.seed(&other).await;
    app.link(&b_id, &PATIENT_B).await;
    let b = app.browser();
    app.sign_in_as(&b, &PATIENT_A).await;
    (app, b)
}

fn note_ids(bundle: &Value) -> Vec<String> {
    let mut ids: Vec<String> = bundle["entry"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| e["resource"]["id"].as_str().unwrap_or_default().to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn an_app_searches_notes_by_category_type_and_date_and_reads_their_content() {
    let (app, b) = portal_with_notes().await;
    let client = register(&app, "Notes Reader", false).await;
    let scope = "launch/patient openid fhirUser patient/DocumentReference.rs";
    let tokens = connected(&app, &b, &client, scope).await;
    let token = at(&tokens);
    let patient = tokens["patient"].as_str().unwrap().to_string();

    let (status, all) = fhir(
        &app,
        &token,
        &format!("/DocumentReference?patient={patient}"),
    )
    .await;
    assert_eq!(status, 200, "{all}");
    keep_for_validation("document-references", &all);
    assert_eq!(note_ids(&all), ["note-html", "note-pdf", "note-text"]);
    let pdf = all["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["id"] == "note-pdf")
        .unwrap()
        .clone();
    assert_eq!(
        pdf["content"][0]["attachment"]["data"],
        base64::engine::general_purpose::STANDARD.encode(PDF)
    );
    assert_eq!(pdf["subject"]["reference"], format!("Patient/{patient}"));
    assert!(pdf["context"]["encounter"][0]["reference"]
        .as_str()
        .unwrap()
        .starts_with("Encounter/"));

    let search = |q: &str| {
        let token = token.clone();
        let app = &app;
        let q = q.to_string();
        async move {
            let (status, body) = fhir(app, &token, &format!("/DocumentReference?{q}")).await;
            assert_eq!(status, 200, "{q}: {body}");
            note_ids(&body)
        }
    };
    let p = format!("patient={patient}");
    assert_eq!(
        search(&format!("{p}&category=clinical-note")).await.len(),
        3
    );
    assert_eq!(
        search(&format!(
            "{p}&category=http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category|clinical-note"
        ))
        .await
        .len(),
        3
    );
    assert!(search(&format!("{p}&category=imaging")).await.is_empty());
    assert_eq!(
        search(&format!("{p}&type=http://loinc.org|18842-5")).await,
        ["note-pdf"]
    );
    assert_eq!(
        search(&format!("{p}&type=34117-2")).await,
        ["note-html", "note-text"]
    );
    // The text note is a day old, the HTML two, the PDF three.
    let since = (chrono::Utc::now() - chrono::Duration::hours(60)).format("%Y-%m-%dT%H:%M:%SZ");
    assert_eq!(
        search(&format!("{p}&date=ge{since}")).await,
        ["note-html", "note-text"]
    );
    assert_eq!(search(&format!("{p}&date=lt{since}")).await, ["note-pdf"]);
    assert_eq!(
        search(&format!(
            "{p}&category=clinical-note&date=ge{since}&type=34117-2"
        ))
        .await,
        ["note-html", "note-text"]
    );

    // Read by id; another patient's id is simply not here.
    let (status, one) = fhir(&app, &token, "/DocumentReference/note-text").await;
    assert_eq!(status, 200);
    assert_eq!(one["resourceType"], "DocumentReference");
    let (status, _) = fhir(&app, &token, "/DocumentReference?patient=someone-else").await;
    assert_eq!(status, 404);

    // The audit names the app and what it read.
    let log = app
        .get(&b, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        log.contains("Notes Reader read your clinical notes"),
        "{log}"
    );
}

#[tokio::test]
async fn notes_need_a_document_reference_scope() {
    let (app, b) = portal_with_notes().await;
    let client = register(&app, "Labs Only", false).await;
    let tokens = connected(
        &app,
        &b,
        &client,
        "launch/patient openid fhirUser patient/Observation.rs",
    )
    .await;
    let token = at(&tokens);
    let (status, body) = fhir(&app, &token, "/DocumentReference").await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = fhir(&app, &token, "/DocumentReference/note-text").await;
    assert_eq!(status, 403);

    // A granular scope on another category sees none of the clinical notes.
    let client = register(&app, "Other Docs", false).await;
    let tokens = connected(
        &app,
        &b,
        &client,
        "launch/patient openid patient/DocumentReference.rs?category=http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category|other",
    )
    .await;
    let (status, body) = fhir(&app, &at(&tokens), "/DocumentReference").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 0);
    let (status, _) = fhir(&app, &at(&tokens), "/DocumentReference/note-text").await;
    assert_eq!(status, 404);

    // The CapabilityStatement lists the type and its searches.
    let resp = app
        .browser()
        .client
        .get(format!("{}/metadata", base(&app)))
        .send()
        .await
        .unwrap();
    let cap: Value = resp.json().await.unwrap();
    let doc = cap["rest"][0]["resource"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "DocumentReference")
        .expect("DocumentReference in the CapabilityStatement")
        .clone();
    let params: Vec<&str> = doc["searchParam"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for p in ["patient", "category", "type", "date", "_id", "status"] {
        assert!(params.contains(&p), "{p}: {params:?}");
    }
}
