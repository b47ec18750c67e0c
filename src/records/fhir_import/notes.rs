//! DocumentReference: a clinical note with its content (issue #27 item 1).
//!
//! Every content must carry its data inline (base64), a content type the portal keeps, and
//! content that is what the type says, within `notes::MAX_CONTENT_BYTES`: anything else
//! refuses the bundle with a message naming the note and the content (`content[1].attachment`),
//! so a page never shows a note the source did not send whole.

use serde_json::Value;

use super::datatypes::coding;
use super::entry::{list, Entry, ImportError, Span};
use super::reader::Reader;
use crate::records::model::Concept;
use crate::records::notes::{read_attachment, ClinicalNote, NoteContent};

const DOCUMENT_STATUS: [&str; 3] = ["current", "superseded", "entered-in-error"];
const COMPOSITION_STATUS: [&str; 4] = ["preliminary", "final", "amended", "entered-in-error"];

/// Every coding (with a code) of a CodeableConcept, in its order.
pub(super) fn all_codings(v: &Value) -> Result<Vec<Concept>, String> {
    let obj = v.as_object().ok_or("is not a CodeableConcept")?;
    match obj.get("coding") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => list
            .iter()
            .filter(|c| {
                c.get("code")
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.trim().is_empty())
            })
            .map(coding)
            .collect(),
        Some(_) => Err("coding is not a list".into()),
    }
}

impl Reader<'_, '_> {
    pub(super) fn note(&self, e: &Entry) -> Result<ClinicalNote, ImportError> {
        let fhir_id = e.id()?;
        let status = e.required_string("status")?;
        if !DOCUMENT_STATUS.contains(&status.as_str()) {
            return Err(e.err("status", format!("has an unknown code {status:?}")));
        }
        let doc_status = e.string("docStatus")?;
        if let Some(s) = &doc_status {
            if !COMPOSITION_STATUS.contains(&s.as_str()) {
                return Err(e.err("docStatus", format!("has an unknown code {s:?}")));
            }
        }
        self.check_patient(e, "subject", true)?;
        let (types, type_text) = match e.get("type") {
            None | Some(Value::Null) => (Vec::new(), None),
            Some(t) => (
                all_codings(t).map_err(|p| e.err("type", p))?,
                t.get("text")
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            ),
        };
        let mut categories = Vec::new();
        for (i, c) in list(e, "category")?.iter().enumerate() {
            categories.extend(all_codings(c).map_err(|p| e.err(&format!("category[{i}]"), p))?);
        }
        let authors = list(e, "author")?
            .iter()
            .filter_map(|a| self.reference_name(Some(a)))
            .collect();
        let (encounter, (period_start, period_end)) = self.note_context(e)?;
        let raw_contents = list(e, "content")?;
        if raw_contents.is_empty() {
            return Err(e.err("content", "is missing"));
        }
        let mut contents = Vec::new();
        for (i, c) in raw_contents.iter().enumerate() {
            contents.push(note_content(e, i, c)?);
        }
        Ok(ClinicalNote {
            fhir_id,
            status,
            doc_status,
            types,
            type_text,
            categories,
            date: e.datetime("date")?,
            authors,
            description: e.string("description")?.filter(|d| !d.trim().is_empty()),
            encounter,
            period_start,
            period_end,
            contents,
        })
    }

    /// `context.encounter` (the first; it must be an Encounter of the bundle, as every other
    /// resource's encounter must) and `context.period`.
    fn note_context(&self, e: &Entry) -> Result<(Option<String>, Span), ImportError> {
        let context = match e.get("context") {
            None | Some(Value::Null) => return Ok((None, (None, None))),
            Some(Value::Object(c)) => c,
            Some(_) => return Err(e.err("context", "is not an object")),
        };
        let encounter = match context.get("encounter") {
            None | Some(Value::Null) => None,
            Some(Value::Array(refs)) => match refs.first().map(|r| r.get("reference")) {
                None | Some(None) => None,
                Some(Some(Value::String(r))) => match self.index.resolve(r) {
                    Some(t) if t.rtype == "Encounter" => match &t.id {
                        Some(id) if self.encounter_ids.contains(id) => Some(id.clone()),
                        _ => None,
                    },
                    _ => None,
                }
                .map(Some)
                .ok_or_else(|| {
                    e.err(
                        "context.encounter[0]",
                        format!("refers to {r}, which is not an Encounter of this bundle"),
                    )
                })?,
                Some(Some(_)) => {
                    return Err(e.err("context.encounter[0]", "reference is not a string"))
                }
            },
            Some(_) => return Err(e.err("context.encounter", "is not a list")),
        };
        let at = |k: &str| -> Result<Option<chrono::DateTime<chrono::Utc>>, ImportError> {
            match context.get("period").and_then(|p| p.get(k)) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => super::datatypes::parse_fhir_datetime(s)
                    .map(Some)
                    .ok_or_else(|| {
                        e.err(
                            &format!("context.period.{k}"),
                            format!("is not a date-time: {s:?}"),
                        )
                    }),
                Some(_) => Err(e.err(&format!("context.period.{k}"), "is not a date-time")),
            }
        };
        Ok((encounter, (at("start")?, at("end")?)))
    }
}

fn note_content(e: &Entry, i: usize, c: &Value) -> Result<NoteContent, ImportError> {
    let field = format!("content[{i}].attachment");
    let a = c
        .get("attachment")
        .and_then(Value::as_object)
        .ok_or_else(|| e.err(&field, "is missing"))?;
    let text = |k: &str| -> Result<Option<String>, ImportError> {
        match a.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(e.err(&format!("{field}.{k}"), "is not a string")),
        }
    };
    let content_type = text("contentType")?
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| e.err(&format!("{field}.contentType"), "is missing"))?;
    let data = text("data")?.ok_or_else(|| {
        e.err(
            &format!("{field}.data"),
            "is missing (the portal keeps a note's content only when the bundle carries it)",
        )
    })?;
    let (kind, bytes) = read_attachment(&content_type, &data).map_err(|p| e.err(&field, p))?;
    let format = match c.get("format") {
        None | Some(Value::Null) => None,
        Some(f) => Some(coding(f).map_err(|p| e.err(&format!("content[{i}].format"), p))?),
    };
    Ok(NoteContent {
        kind,
        content_type,
        title: text("title")?,
        language: text("language")?,
        format,
        data: bytes,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::test_bundles::*;
    use crate::records::notes::ContentKind;
    use base64::Engine;
    use serde_json::{json, Value};

    pub(crate) fn b64(s: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    /// A note as Synthea writes one: two LOINC type codes, the US Core category, authors by
    /// conditional reference with a display, the visit in `context.encounter`.
    pub(crate) fn note_entry(id: &str, content_type: &str, data: &str) -> Value {
        json!({
            "fullUrl": format!("urn:uuid:{id}"),
            "resource": {
                "resourceType": "DocumentReference",
                "id": id,
                "status": "superseded",
                "type": {"coding": [
                    {"system": "http://loinc.org", "code": "34117-2", "display": "History and physical note"},
                    {"system": "http://loinc.org", "code": "51847-2", "display": "Evaluation + Plan note"}
                ]},
                "category": [{"coding": [{"system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category", "code": "clinical-note", "display": "Clinical Note"}]}],
                "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"},
                "date": "2020-02-03T10:00:00.000-05:00",
                "author": [
                    {"reference": "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999", "display": "Dr. June Kassulke"},
                    {"reference": "Organization?identifier=https://github.com/synthetichealth/synthea|x", "display": "Lahey Clinic"}
                ],
                "content": [{
                    "attachment": {"contentType": content_type, "data": data},
                    "format": {"system": "http://ihe.net/fhir/ValueSet/IHE.FormatCode.codesystem", "code": "urn:ihe:iti:xds:2017:mimeTypeSufficient", "display": "mimeType Sufficient"}
                }],
                "context": {
                    "encounter": [{"reference": "urn:uuid:22222222-2222-4222-8222-222222222222"}],
                    "period": {"start": "2020-02-03T10:00:00-05:00", "end": "2020-02-03T10:30:00-05:00"}
                }
            }
        })
    }

    fn with(note: Value) -> Value {
        bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), note],
        )
    }

    #[test]
    fn a_synthea_note_keeps_every_code_its_authors_visit_and_text() {
        let r = parse_ok(&with(note_entry(
            "n1",
            "text/plain; charset=utf-8",
            &b64(b"Patient is well."),
        )))
        .record;
        let n = &r.notes[0];
        assert_eq!(
            n.types.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(),
            ["34117-2", "51847-2"]
        );
        assert_eq!(n.title(), "History and physical note");
        assert_eq!(n.categories[0].code, "clinical-note");
        assert_eq!(n.authors, ["Dr. June Kassulke", "Lahey Clinic"]);
        assert_eq!(
            n.encounter.as_deref(),
            Some("22222222-2222-4222-8222-222222222222")
        );
        assert_eq!(
            n.date.map(|d| d.to_rfc3339()).as_deref(),
            Some("2020-02-03T15:00:00+00:00")
        );
        assert_eq!(n.contents[0].kind, ContentKind::Text);
        assert_eq!(n.contents[0].data, b"Patient is well.");
        assert_eq!(
            n.contents[0].format.as_ref().map(|f| f.code.as_str()),
            Some("urn:ihe:iti:xds:2017:mimeTypeSufficient")
        );
        assert_eq!(r.counts().notes, 1);
    }

    #[test]
    fn notes_round_trip_through_the_export_with_their_content_inline() {
        let html = b"<p>Take <b>two</b>.</p>";
        let pdf = b"%PDF-1.4\n%fake but shaped like one\n";
        let mut b = with(note_entry("n-text", "text/plain", &b64(b"Well.")));
        b["entry"]
            .as_array_mut()
            .unwrap_or_else(|| panic!("entries"))
            .extend([
                note_entry("n-html", "text/html", &b64(html)),
                note_entry("n-pdf", "application/pdf", &b64(pdf)),
            ]);
        let record = parse_ok(&b).record;
        let exported = crate::records::export_bundle(&record);
        let docs: Vec<&Value> = exported["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| &e["resource"])
            .filter(|r| r["resourceType"] == "DocumentReference")
            .collect();
        assert_eq!(docs.len(), 3);
        let pdf_doc = docs
            .iter()
            .find(|d| d["id"] == "n-pdf")
            .unwrap_or_else(|| panic!("pdf note exported"));
        assert_eq!(pdf_doc["content"][0]["attachment"]["data"], b64(pdf));
        assert_eq!(
            pdf_doc["content"][0]["attachment"]["contentType"],
            "application/pdf"
        );
        assert_eq!(pdf_doc["type"]["coding"].as_array().map(Vec::len), Some(2));
        assert!(pdf_doc["context"]["encounter"][0]["reference"]
            .as_str()
            .is_some_and(|r| r.starts_with("urn:uuid:")));
        assert_eq!(
            pdf_doc["subject"]["reference"],
            exported["entry"][0]["fullUrl"]
        );
        let again = parse_ok(&exported).record;
        assert_eq!(again.notes, record.notes);
    }

    #[test]
    fn bad_content_refuses_the_bundle_naming_the_note() {
        let cases: [(&str, String, &str); 6] = [
            ("text/plain", "%%%".into(), "is not valid base64"),
            (
                "image/png",
                b64(b"x"),
                "text/plain, text/html or application/pdf",
            ),
            ("application/pdf", b64(b"<html>"), "is not a PDF"),
            ("text/html", b64(b"%PDF-1.7"), "is a PDF"),
            (
                "text/plain",
                b64(&vec![b'a'; crate::records::notes::MAX_CONTENT_BYTES + 1]),
                "larger than the 4 MiB",
            ),
            ("", b64(b"x"), "contentType is missing"),
        ];
        for (t, data, problem) in cases {
            let text = err_text(&with(note_entry("bad-1", t, &data)));
            assert!(
                text.starts_with("DocumentReference bad-1: content[0].attachment")
                    && text.contains(problem),
                "{t}: {text}"
            );
        }
        let mut no_data = note_entry("bad-2", "text/plain", "");
        no_data["resource"]["content"][0]["attachment"]
            .as_object_mut()
            .map(|a| a.remove("data"));
        assert!(err_text(&with(no_data)).contains("content[0].attachment.data is missing"));
        let mut dangling = note_entry("bad-3", "text/plain", &b64(b"x"));
        dangling["resource"]["context"]["encounter"][0]["reference"] = json!("urn:uuid:gone");
        assert!(err_text(&with(dangling)).contains("context.encounter[0] refers to urn:uuid:gone"));
    }

    #[test]
    fn a_reports_presented_form_is_checked_and_every_code_kept() {
        let report = |data: &str| {
            json!({"resource": {
                "resourceType": "DiagnosticReport", "id": "r1", "status": "final",
                "code": {"coding": [
                    {"system": "http://loinc.org", "code": "34117-2", "display": "History and physical note"},
                    {"system": "http://loinc.org", "code": "51847-2", "display": "Evaluation + Plan note"}
                ]},
                "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"},
                "presentedForm": [{"contentType": "text/plain", "data": data}]}})
        };
        let r = parse_ok(&bundle(
            "collection",
            vec![minimal_patient(), report(&b64(b"Fine."))],
        ))
        .record;
        assert_eq!(r.reports[0].codes.len(), 2);
        let text = err_text(&bundle("collection", vec![minimal_patient(), report("!!")]));
        assert!(
            text.contains("DiagnosticReport r1: presentedForm[0] is not valid base64"),
            "{text}"
        );
    }
}
