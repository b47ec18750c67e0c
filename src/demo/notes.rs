//! The demo patients' clinical notes (#27): a plain-text note of each of the last two wellness
//! visits, written as Synthea writes them, an HTML plan of the newest, and a one-page PDF
//! after-visit summary, so `cargo run` shows every kind the notes pages handle.

use chrono::Duration;
use rand::rngs::StdRng;
use rand::Rng;

use crate::records::model::{Concept, PatientRecord};
use crate::records::notes::{ClinicalNote, ContentKind, NoteContent};

const LOINC: &str = "http://loinc.org";
const CATEGORY: &str = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category";

fn id(rng: &mut StdRng) -> String {
    uuid::Builder::from_random_bytes(rng.gen())
        .into_uuid()
        .to_string()
}

fn content(kind: ContentKind, content_type: &str, data: Vec<u8>) -> NoteContent {
    NoteContent {
        kind,
        content_type: content_type.into(),
        title: None,
        language: Some("en-US".into()),
        format: None,
        data,
    }
}

/// A one-page PDF that says `line`, with a correct cross-reference table.
fn pdf(line: &str) -> Vec<u8> {
    let text: String = line
        .chars()
        .filter(|c| c.is_ascii() && !matches!(c, '(' | ')' | '\\'))
        .collect();
    let stream = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Adds the notes to a generated record (after everything else, so the random stream of the
/// rest is unchanged).
pub(super) fn add_notes(record: &mut PatientRecord, rng: &mut StdRng) {
    let mut wellness: Vec<_> = record
        .encounters
        .iter()
        .filter(|e| e.kind.as_ref().is_some_and(|k| k.code == "185349003"))
        .cloned()
        .collect();
    wellness.sort_by_key(|e| std::cmp::Reverse(e.start));
    let first_name = record.patient.given.clone();
    let conditions: Vec<String> = record
        .conditions
        .iter()
        .filter(|c| c.is_active())
        .map(|c| c.code.display.clone())
        .collect();
    for (n, enc) in wellness.iter().take(2).enumerate() {
        let at = enc.end.unwrap_or(enc.start + Duration::minutes(30));
        let authors: Vec<String> = enc
            .provider
            .iter()
            .chain(enc.organization.iter())
            .cloned()
            .collect();
        let note =
            |types: Vec<Concept>, contents: Vec<NoteContent>, rng: &mut StdRng| ClinicalNote {
                fhir_id: id(rng),
                status: "current".into(),
                doc_status: Some("final".into()),
                types,
                type_text: None,
                categories: vec![Concept::new(CATEGORY, "clinical-note", "Clinical Note")],
                date: Some(at),
                authors: authors.clone(),
                description: None,
                encounter: Some(enc.fhir_id.clone()),
                period_start: Some(enc.start),
                period_end: enc.end,
                contents,
            };
        let history = if conditions.is_empty() {
            "No chronic conditions.".to_string()
        } else {
            format!("Known conditions: {}.", conditions.join(", "))
        };
        let text = format!(
            "{first_name} came in for a yearly wellness visit.\n\n\
             History: {history}\n\
             Examination: no acute findings. Vital signs as recorded.\n\n\
             Plan: continue current medications, keep active, and return in one year."
        );
        record.notes.push(note(
            vec![
                Concept::new(LOINC, "34117-2", "History and physical note"),
                Concept::new(LOINC, "51847-2", "Evaluation + Plan note"),
            ],
            vec![content(
                ContentKind::Text,
                "text/plain; charset=utf-8",
                text.into_bytes(),
            )],
            rng,
        ));
        if n == 0 {
            let html = format!(
                "<p><strong>Your plan</strong></p><p>Thank you for coming in, {first_name}.</p>\
                 <ul><li>Walk for 30 minutes on most days.</li>\
                 <li>Take your medications as prescribed.</li>\
                 <li>Book your next wellness visit in a year.</li></ul>"
            );
            record.notes.push(note(
                vec![Concept::new(LOINC, "51847-2", "Evaluation + Plan note")],
                vec![content(ContentKind::Html, "text/html", html.into_bytes())],
                rng,
            ));
            record.notes.push(note(
                vec![Concept::new(LOINC, "18842-5", "Discharge summary")],
                vec![NoteContent {
                    title: Some("After-visit summary".into()),
                    ..content(
                        ContentKind::Pdf,
                        "application/pdf",
                        pdf(&format!("After-visit summary for {first_name}")),
                    )
                }],
                rng,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_pdf_passes_the_importers_check() {
        use base64::Engine;
        let bytes = pdf("After-visit summary (for Ann)");
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        assert_eq!(
            crate::records::notes::read_attachment("application/pdf", &b64).map(|r| r.0),
            Ok(ContentKind::Pdf)
        );
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("(After-visit summary for Ann) Tj"), "{text}");
    }
}
