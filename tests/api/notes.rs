//! Clinical notes (#27 item 1) as a patient and a clinician see them: the notes page (newest
//! first, date, type, author, visit), a note's own page, the notes on their visit, a PDF's
//! download, one audit entry per view, HTML without anything that runs, and a 404 for anyone
//! else's note. The API's side is in `smart/notes.rs`.

use base64::Engine;
use chrono::{Duration, Utc};
use patient_portal::demo::demo_patients;
use patient_portal::records::model::{Attachment, Concept, DiagnosticReport, PatientRecord};
use patient_portal::records::notes::{ClinicalNote, ContentKind, NoteContent};
use scraper::{Html, Selector};

use crate::support::{signed_in_patient, spawn_app, today, CLINICIAN, PATIENT_A, PATIENT_B};

pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

fn note(
    id: &str,
    kind: ContentKind,
    content_type: &str,
    data: &[u8],
    encounter: &str,
    days_ago: i64,
) -> ClinicalNote {
    ClinicalNote {
        fhir_id: id.into(),
        status: "current".into(),
        doc_status: None,
        types: vec![Concept::new(
            "http://loinc.org",
            "34117-2",
            "History and physical note",
        )],
        type_text: None,
        categories: vec![Concept::new(
            "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
            "clinical-note",
            "Clinical Note",
        )],
        date: Some(Utc::now() - Duration::days(days_ago)),
        authors: vec![format!("Dr. Author {id}")],
        description: None,
        encounter: Some(encounter.into()),
        period_start: None,
        period_end: None,
        contents: vec![NoteContent {
            kind,
            content_type: content_type.into(),
            title: None,
            language: None,
            format: None,
            data: data.to_vec(),
        }],
    }
}

/// A demo patient with three notes of their newest visit: text (newest), HTML, PDF (oldest).
pub fn record_with_notes() -> (PatientRecord, String) {
    let mut record = demo_patients(1, 11, today()).remove(0);
    record.notes.clear();
    let visit = record
        .encounters
        .iter()
        .max_by_key(|e| e.start)
        .expect("the demo patient has visits")
        .fhir_id
        .clone();
    record.notes.push(note(
        "note-text",
        ContentKind::Text,
        "text/plain",
        b"Blood pressure is better.\n<b>Keep walking.</b>",
        &visit,
        1,
    ));
    record.notes.push(note(
        "note-html",
        ContentKind::Html,
        "text/html",
        b"<h2 onclick=\"steal()\">Plan</h2><script>alert('stolen')</script><p>Walk <em>daily</em>.</p>",
        &visit,
        2,
    ));
    let mut pdf = note(
        "note-pdf",
        ContentKind::Pdf,
        "application/pdf",
        PDF,
        &visit,
        3,
    );
    pdf.types = vec![Concept::new(
        "http://loinc.org",
        "18842-5",
        "Discharge summary",
    )];
    record.notes.push(pdf);
    // Two reports of the visit with text: one says what the text note says (Synthea writes
    // each note twice so), one says something else.
    for (id, text) in [
        (
            "report-same",
            "Blood pressure is better.\n<b>Keep walking.</b>",
        ),
        ("report-other", "Lipids reviewed: no change."),
    ] {
        record.reports.push(DiagnosticReport {
            fhir_id: id.into(),
            status: "final".into(),
            code: Concept::new("http://loinc.org", "34117-2", "History and physical note"),
            codes: vec![],
            categories: vec![],
            effective: Some(Utc::now() - Duration::days(1)),
            issued: None,
            results: vec![],
            conclusion: None,
            presented_forms: vec![Attachment {
                content_type: Some("text/plain".into()),
                title: None,
                data: Some(base64::engine::general_purpose::STANDARD.encode(text)),
                url: None,
            }],
            encounter: Some(visit.clone()),
        });
    }
    (record, visit)
}

/// The `href` of every link in `main` (Tera writes `/` as `&#x2F;`, so read it as a browser does).
fn links(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse("main a[href]").unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr("href").map(str::to_string))
        .collect()
}

fn texts(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

#[tokio::test]
async fn a_patient_reads_their_notes_on_the_notes_page_a_note_page_and_the_visit() {
    let app = spawn_app().await;
    let (record, visit) = record_with_notes();
    let (b, id) = signed_in_patient(&app, &record, &PATIENT_A).await;

    // The list: in the chart's navigation, newest first, with date, type, author and visit.
    let before = app.audit_rows().await.len();
    let resp = app.get(&b, "/records/notes").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let list = resp.text().await.unwrap();
    let rows = texts(&list, "main table tbody tr th");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows[0].starts_with("History and physical note"), "{rows:?}");
    assert!(
        rows[2].starts_with("Discharge summary"),
        "oldest last: {rows:?}"
    );
    assert!(list.contains("Dr. Author note-text"));
    assert_eq!(
        links(&list)
            .iter()
            .filter(|l| **l == format!("/records/visits/{visit}"))
            .count(),
        3,
        "each note links its visit"
    );
    assert_eq!(
        texts(&list, r#"nav.chart-nav a[aria-current="page"]"#),
        ["Notes"]
    );
    let new = app.audit_rows().await;
    assert_eq!(new.len(), before + 1, "one entry for the list");
    let (action, actor, patient, detail) = &new[before];
    assert_eq!(action, "view_record");
    assert_eq!(actor.as_deref(), Some(PATIENT_A.subject));
    assert_eq!(patient.as_deref(), Some(id.as_str()));
    assert_eq!(detail.as_deref(), Some("notes"));

    // A text note: shown as text (its markup escaped, never interpreted).
    let page = app
        .get(&b, "/records/notes/note-text")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Blood pressure is better."));
    assert!(
        page.contains("&lt;b&gt;Keep walking.&lt;&#x2F;b&gt;")
            || page.contains("&lt;b&gt;Keep walking."),
        "{page}"
    );
    assert!(!page.contains("<b>Keep walking."));
    assert_eq!(
        app.audit_rows().await.last().unwrap().3.as_deref(),
        Some("note")
    );

    // An HTML note: its words and structure, nothing that runs.
    let page = app
        .get(&b, "/records/notes/note-html")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<em>daily</em>"), "{page}");
    for bad in ["<script", "onclick", "steal()", "alert('stolen')"] {
        assert!(!page.contains(bad), "{bad} reached the page");
    }

    // A PDF: a download link, and the download as a file of its own type.
    let page = app
        .get(&b, "/records/notes/note-pdf")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        links(&page).contains(&"/records/notes/note-pdf/content/0".to_string()),
        "{page}"
    );
    let before = app.audit_rows().await.len();
    let resp = app.get(&b, "/records/notes/note-pdf/content/0").await;
    assert_eq!(resp.status(), 200);
    let h = |n: &str| resp.headers()[n].to_str().unwrap().to_string();
    assert_eq!(h("content-type"), "application/pdf");
    assert_eq!(
        h("content-disposition"),
        r#"attachment; filename="note-1.pdf""#
    );
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert_eq!(h("cache-control"), "no-store");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), PDF);
    assert_eq!(
        app.audit_rows().await.len(),
        before + 1,
        "a download is audited"
    );
    // Text and HTML are never served as documents; a content that does not exist is a 404.
    assert_eq!(
        app.get(&b, "/records/notes/note-html/content/0")
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&b, "/records/notes/note-pdf/content/1")
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&b, "/records/notes/no-such-note").await.status(),
        404
    );
    let before = app.audit_rows().await.len();
    assert_eq!(app.get(&b, "/records/notes/bad%2Fid").await.status(), 404);
    assert_eq!(
        app.audit_rows().await.len(),
        before,
        "an impossible id opens nothing"
    );

    // The visit shows its notes with their content.
    let page = app
        .get(&b, &format!("/records/visits/{visit}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Notes (4)"),
        "three notes and one report's own text: {page}"
    );
    assert!(page.contains("Lipids reviewed: no change."));
    assert_eq!(
        page.matches("Blood pressure is better.").count(),
        1,
        "a report's text that a note already holds is not shown twice"
    );
    assert!(page.contains("Blood pressure is better."));
    assert!(page.contains("<em>daily</em>"));
    assert!(!page.contains("<script"));
    assert!(links(&page).contains(&"/records/notes/note-pdf/content/0".to_string()));

    // The access log reads the views in words.
    let log = app
        .get(&b, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    assert!(log.contains("your clinical notes"), "{log}");
    assert!(log.contains("one of your clinical notes"), "{log}");
}

#[tokio::test]
async fn another_patient_gets_404_for_a_note_and_its_download() {
    let app = spawn_app().await;
    let (record, visit) = record_with_notes();
    let _ = app.seed(&record).await;
    let other = demo_patients(2, 11, today()).remove(1);
    let (b, _) = signed_in_patient(&app, &other, &PATIENT_B).await;

    for path in [
        "/records/notes/note-text".to_string(),
        "/records/notes/note-pdf/content/0".to_string(),
        format!("/records/visits/{visit}"),
    ] {
        assert_eq!(app.get(&b, &path).await.status(), 404, "{path}");
    }
    let list = app.get(&b, "/records/notes").await.text().await.unwrap();
    assert!(
        !list.contains("note-text") && !list.contains("Dr. Author"),
        "{list}"
    );
}

#[tokio::test]
async fn a_clinician_on_the_care_team_reads_the_notes_in_the_chart() {
    let app = spawn_app().await;
    let (record, visit) = record_with_notes();
    let id = app.seed(&record).await;
    app.add_to_care_team(&id, &CLINICIAN).await;
    let b = app.browser();
    app.sign_in_as(&b, &CLINICIAN).await;

    let base = format!("/staff/patients/{id}");
    let list = app
        .get(&b, &format!("{base}/notes"))
        .await
        .text()
        .await
        .unwrap();
    let l = links(&list);
    assert!(l.contains(&format!("{base}/notes/note-text")), "{l:?}");
    assert!(l.contains(&format!("{base}/visits/{visit}")), "{l:?}");
    let page = app
        .get(&b, &format!("{base}/notes/note-html"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<em>daily</em>") && !page.contains("<script"));
    let resp = app
        .get(&b, &format!("{base}/notes/note-pdf/content/0"))
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), PDF);
    let rows = app.audit_rows().await;
    let staff: Vec<&str> = rows
        .iter()
        .filter(|r| r.0 == "staff_chart_view" && r.1.as_deref() == Some(CLINICIAN.subject))
        .filter_map(|r| r.3.as_deref())
        .collect();
    assert_eq!(staff, ["notes", "note", "note"]);
}

#[tokio::test]
async fn the_export_carries_each_note_with_its_content_inline() {
    let app = spawn_app().await;
    let (record, _) = record_with_notes();
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;

    let resp = app.get(&b, "/records/export").await;
    assert_eq!(resp.status(), 200);
    let body = resp.bytes().await.unwrap();
    // CI validates what the portal really served as R4 (see .ci/run).
    if let Some(dir) = std::env::var_os("FHIR_EXPORT_DIR") {
        std::fs::write(
            std::path::Path::new(&dir).join("portal-export-notes.json"),
            &body,
        )
        .unwrap();
    }
    let bundle: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let docs: Vec<&serde_json::Value> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == "DocumentReference")
        .collect();
    assert_eq!(docs.len(), 3);
    let pdf = docs.iter().find(|d| d["id"] == "note-pdf").unwrap();
    assert_eq!(pdf["status"], "current");
    assert_eq!(pdf["type"]["coding"][0]["code"], "18842-5");
    assert_eq!(pdf["category"][0]["coding"][0]["code"], "clinical-note");
    assert_eq!(
        pdf["content"][0]["attachment"]["data"],
        base64::engine::general_purpose::STANDARD.encode(PDF)
    );
    assert!(pdf["date"].is_string());
    assert!(pdf["context"]["encounter"][0]["reference"]
        .as_str()
        .unwrap()
        .starts_with("urn:uuid:"));
    let html = docs.iter().find(|d| d["id"] == "note-html").unwrap();
    let sent = base64::engine::general_purpose::STANDARD
        .decode(html["content"][0]["attachment"]["data"].as_str().unwrap())
        .unwrap();
    assert!(
        String::from_utf8(sent).unwrap().contains("<script>"),
        "the export carries the source's HTML as it came; only pages sanitise"
    );
}

/// The notes in Spanish (#31): the list and a note's page from the message files; a note's
/// title, authors and text stay as the record gives them.
#[tokio::test]
async fn the_notes_pages_read_in_spanish() {
    let app = spawn_app().await;
    let (record, _visit) = record_with_notes();
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;
    for path in [
        "/records/notes",
        "/records/notes/note-text",
        "/records/notes/note-pdf",
    ] {
        let page = crate::languages::get_in(&app, &b, path, "es")
            .await
            .text()
            .await
            .unwrap();
        crate::languages::assert_spanish(&page, path);
    }
    let list = crate::languages::get_in(&app, &b, "/records/notes", "es")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("Notas de su equipo de atención (3)"),
        "{list}"
    );
    assert!(list.contains("History and physical note"), "{list}");
}
