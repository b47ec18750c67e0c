//! A clinical note as a FHIR R4 `DocumentReference` (issue #27 item 1), for the export and the
//! API (which serves exactly what the export produces): status, type (every coding the source
//! gave), category, subject, date, authors (as display text), the content inline
//! (`attachment.data`, base64 of the stored bytes) and `context.encounter`/`period`.
//!
//! What US Core's DocumentReference profile requires and the source left out is filled with the
//! least that is true: a note without a type is of type "Clinical note" (text only), one without
//! a category is in US Core's `clinical-note` category.

use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use super::model::Concept;
use super::notes::ClinicalNote;

const US_CORE_DOC_CATEGORY: &str =
    "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category";

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn coding(c: &Concept) -> Value {
    let mut m = Map::new();
    if !c.system.is_empty() {
        m.insert("system".into(), json!(c.system));
    }
    m.insert("code".into(), json!(c.code));
    if !c.display.is_empty() && c.display != c.code {
        m.insert("display".into(), json!(c.display));
    }
    Value::Object(m)
}

/// The note as a DocumentReference. `id` is the resource id the exporter chose, `patient` the
/// reference to the Patient, `encounter` the reference to its visit when that is in the record.
pub fn document_reference(
    n: &ClinicalNote,
    id: String,
    patient: Value,
    encounter: Option<Value>,
) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("DocumentReference"));
    r.insert("id".into(), json!(id));
    r.insert("status".into(), json!(n.status));
    if let Some(s) = &n.doc_status {
        r.insert("docStatus".into(), json!(s));
    }
    let mut kind = Map::new();
    if !n.types.is_empty() {
        kind.insert(
            "coding".into(),
            Value::Array(n.types.iter().map(coding).collect()),
        );
    }
    match (&n.type_text, n.types.is_empty()) {
        (Some(t), _) => {
            kind.insert("text".into(), json!(t));
        }
        (None, true) => {
            kind.insert("text".into(), json!("Clinical note"));
        }
        (None, false) => {}
    }
    r.insert("type".into(), Value::Object(kind));
    let category = if n.categories.is_empty() {
        json!([{ "coding": [{ "system": US_CORE_DOC_CATEGORY, "code": "clinical-note", "display": "Clinical Note" }] }])
    } else {
        Value::Array(
            n.categories
                .iter()
                .map(|c| json!({ "coding": [coding(c)] }))
                .collect(),
        )
    };
    r.insert("category".into(), category);
    r.insert("subject".into(), patient);
    if let Some(d) = n.date {
        r.insert("date".into(), json!(instant(d)));
    }
    if !n.authors.is_empty() {
        r.insert(
            "author".into(),
            Value::Array(n.authors.iter().map(|a| json!({ "display": a })).collect()),
        );
    }
    if let Some(d) = &n.description {
        r.insert("description".into(), json!(d));
    }
    let content: Vec<Value> = n
        .contents
        .iter()
        .map(|c| {
            let mut a = Map::new();
            a.insert("contentType".into(), json!(c.content_type));
            if let Some(l) = &c.language {
                a.insert("language".into(), json!(l));
            }
            a.insert(
                "data".into(),
                json!(base64::engine::general_purpose::STANDARD.encode(&c.data)),
            );
            if let Some(t) = &c.title {
                a.insert("title".into(), json!(t));
            }
            let mut m = Map::new();
            m.insert("attachment".into(), Value::Object(a));
            if let Some(f) = &c.format {
                m.insert("format".into(), coding(f));
            }
            Value::Object(m)
        })
        .collect();
    r.insert("content".into(), Value::Array(content));
    let mut context = Map::new();
    if let Some(e) = encounter {
        context.insert("encounter".into(), json!([e]));
    }
    if n.period_start.is_some() || n.period_end.is_some() {
        let mut p = Map::new();
        if let Some(s) = n.period_start {
            p.insert("start".into(), json!(instant(s)));
        }
        if let Some(e) = n.period_end {
            p.insert("end".into(), json!(instant(e)));
        }
        context.insert("period".into(), Value::Object(p));
    }
    if !context.is_empty() {
        r.insert("context".into(), Value::Object(context));
    }
    Value::Object(r)
}
