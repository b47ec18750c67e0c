//! What a link shares, as FHIR R4: the International Patient Summary (a `document` Bundle whose
//! first entry is a Composition with the IPS sections the record has), the immunizations, the
//! lab results of a period, or the whole record. Everything is cut from the record's own export
//! (`records::fhir_export`), so a shared resource reads exactly as the download does.
//!
//! A resource taken out of the export may point at one left behind (an Encounter, a
//! Practitioner): such references are removed with the element that holds them, so every
//! bundle stands alone.

use std::collections::HashSet;

use serde_json::{json, Value};
use uuid::Uuid;

const LOINC: &str = "http://loinc.org";

/// One IPS section: its LOINC code and title, and which exported resources belong in it.
struct SectionSpec {
    code: &'static str,
    title: &'static str,
    /// The IPS requires this section even when the record has nothing for it.
    required: bool,
    wants: fn(&Value) -> bool,
}

const SECTIONS: &[SectionSpec] = &[
    SectionSpec {
        code: "11450-4",
        title: "Problem list",
        required: true,
        wants: |r| r["resourceType"] == "Condition" && is_active_condition(r),
    },
    SectionSpec {
        code: "11348-0",
        title: "History of past illness",
        required: false,
        wants: |r| r["resourceType"] == "Condition" && !is_active_condition(r),
    },
    SectionSpec {
        code: "10160-0",
        title: "Medication summary",
        required: true,
        wants: |r| r["resourceType"] == "MedicationRequest" && r["status"] == "active",
    },
    SectionSpec {
        code: "48765-2",
        title: "Allergies and intolerances",
        required: true,
        wants: |r| r["resourceType"] == "AllergyIntolerance",
    },
    SectionSpec {
        code: "11369-6",
        title: "History of immunizations",
        required: false,
        wants: |r| r["resourceType"] == "Immunization",
    },
    SectionSpec {
        code: "30954-2",
        title: "Relevant diagnostic tests and laboratory data",
        required: false,
        wants: |r| r["resourceType"] == "Observation" && is_lab(r),
    },
    SectionSpec {
        code: "47519-4",
        title: "History of procedures",
        required: false,
        wants: |r| r["resourceType"] == "Procedure",
    },
];

fn is_active_condition(r: &Value) -> bool {
    let status = r["clinicalStatus"]["coding"][0]["code"].as_str();
    matches!(status, Some("active" | "recurrence" | "relapse") | None)
}

fn is_lab(r: &Value) -> bool {
    r["category"].as_array().is_some_and(|cats| {
        cats.iter().any(|c| {
            c["coding"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|x| x["code"] == "laboratory"))
        })
    })
}

fn entries(export: &Value) -> Vec<(String, Value)> {
    export["entry"]
        .as_array()
        .map(|es| {
            es.iter()
                .filter_map(|e| Some((e["fullUrl"].as_str()?.to_string(), e["resource"].clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// The lab results to summarise: the newest of each test (by LOINC code), as a clinician
/// reading a summary wants the latest value, not every draw.
fn latest_labs(all: &[(String, Value)]) -> HashSet<String> {
    let mut newest: std::collections::HashMap<String, (String, String)> = Default::default();
    for (url, r) in all
        .iter()
        .filter(|(_, r)| r["resourceType"] == "Observation" && is_lab(r))
    {
        let code = r["code"]["coding"][0]["code"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let when = r["effectiveDateTime"].as_str().unwrap_or("").to_string();
        match newest.get(&code) {
            Some((seen, _)) if *seen >= when => {}
            _ => {
                newest.insert(code, (when, url.clone()));
            }
        }
    }
    newest.into_values().map(|(_, url)| url).collect()
}

/// The International Patient Summary of the exported record, made at `timestamp` (RFC 3339)
/// by `author` (the portal, as an Organization).
pub fn ips_document(export: &Value, timestamp: &str, author: &str) -> Value {
    let all = entries(export);
    let Some((patient_url, patient)) = all
        .iter()
        .find(|(_, r)| r["resourceType"] == "Patient")
        .cloned()
    else {
        return json!({});
    };
    let labs = latest_labs(&all);
    let composition_id = Uuid::new_v4().to_string();
    let org_id = Uuid::new_v4().to_string();
    let org_url = format!("urn:uuid:{org_id}");

    let mut included: Vec<(String, Value)> = Vec::new();
    let mut sections = Vec::new();
    for spec in SECTIONS {
        let members: Vec<&(String, Value)> = all
            .iter()
            .filter(|(url, r)| {
                (spec.wants)(r) && (r["resourceType"] != "Observation" || labs.contains(url))
            })
            .collect();
        if members.is_empty() && !spec.required {
            continue;
        }
        let mut section = json!({
            "title": spec.title,
            "code": { "coding": [{ "system": LOINC, "code": spec.code }] },
        });
        if members.is_empty() {
            section["text"] = narrative(&format!(
                "<p>No {} recorded.</p>",
                spec.title.to_lowercase()
            ));
            section["emptyReason"] = json!({ "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/list-empty-reason",
                "code": "unavailable"
            }]});
        } else {
            let items: String = members
                .iter()
                .map(|(_, r)| format!("<li>{}</li>", tera::escape_html(&describe(r))))
                .collect();
            section["text"] = narrative(&format!("<ul>{items}</ul>"));
            section["entry"] = json!(members
                .iter()
                .map(|(url, _)| json!({ "reference": url }))
                .collect::<Vec<_>>());
            included.extend(members.into_iter().cloned());
        }
        sections.push(section);
    }

    let name = patient["name"][0]["text"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| {
            let given: Vec<&str> = patient["name"][0]["given"]
                .as_array()
                .map(|g| g.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            format!(
                "{} {}",
                given.join(" "),
                patient["name"][0]["family"].as_str().unwrap_or("")
            )
            .trim()
            .to_string()
        });
    let composition = json!({
        "resourceType": "Composition",
        "id": composition_id,
        "text": narrative(&format!(
            "<p>International Patient Summary of {}, made {}.</p>",
            tera::escape_html(&name),
            tera::escape_html(timestamp)
        )),
        "status": "final",
        "type": { "coding": [{ "system": LOINC, "code": "60591-5", "display": "Patient summary Document" }] },
        "subject": { "reference": patient_url },
        "date": timestamp,
        "author": [{ "reference": org_url }],
        "title": "International Patient Summary",
        "section": sections,
    });
    let organization = json!({
        "resourceType": "Organization",
        "id": org_id,
        "name": author,
    });

    let mut kept: Vec<(String, Value)> = vec![
        (format!("urn:uuid:{composition_id}"), composition),
        (patient_url, patient),
        (org_url, organization),
    ];
    kept.extend(included);
    json!({
        "resourceType": "Bundle",
        "identifier": { "system": "urn:ietf:rfc:3986", "value": format!("urn:uuid:{}", Uuid::new_v4()) },
        "type": "document",
        "timestamp": timestamp,
        "entry": standalone(kept),
    })
}

/// The patient and their immunizations, as a collection Bundle.
pub fn immunizations(export: &Value, timestamp: &str) -> Value {
    collection(export, timestamp, |r| r["resourceType"] == "Immunization")
}

/// The patient and their lab results dated within `from..=to` (ISO dates), as a collection.
pub fn labs(export: &Value, timestamp: &str, from: &str, to: &str) -> Value {
    collection(export, timestamp, |r| {
        let day = r["effectiveDateTime"]
            .as_str()
            .map(|d| &d[..d.len().min(10)]);
        r["resourceType"] == "Observation" && is_lab(r) && day.is_some_and(|d| d >= from && d <= to)
    })
}

fn collection(export: &Value, timestamp: &str, wants: impl Fn(&Value) -> bool) -> Value {
    let kept: Vec<(String, Value)> = entries(export)
        .into_iter()
        .filter(|(_, r)| r["resourceType"] == "Patient" || wants(r))
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timestamp,
        "entry": standalone(kept),
    })
}

/// The entries with every reference to a resource outside them removed, together with the
/// element that held it (a `performer` without its `actor` would not be valid).
fn standalone(kept: Vec<(String, Value)>) -> Vec<Value> {
    let urls: HashSet<String> = kept.iter().map(|(u, _)| u.clone()).collect();
    kept.into_iter()
        .map(|(url, mut resource)| {
            if let Value::Object(fields) = &mut resource {
                let gone: Vec<String> = fields
                    .iter_mut()
                    .filter_map(|(k, v)| dangles(v, &urls).then(|| k.clone()))
                    .collect();
                for k in gone {
                    fields.remove(&k);
                }
            }
            json!({ "fullUrl": url, "resource": resource })
        })
        .collect()
}

/// Whether `v` must go: it is (or holds, outside any list) a reference to a resource outside
/// `urls`. A list keeps its other elements and goes only when none is left.
fn dangles(v: &mut Value, urls: &HashSet<String>) -> bool {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("reference") {
                if r.starts_with("urn:uuid:") && !urls.contains(r) {
                    return true;
                }
            }
            let mut any = false;
            for child in m.values_mut() {
                any |= dangles(child, urls);
            }
            any
        }
        Value::Array(items) => {
            let before = items.len();
            items.retain_mut(|item| !dangles(item, urls));
            before > 0 && items.is_empty()
        }
        _ => false,
    }
}

fn narrative(inner: &str) -> Value {
    json!({
        "status": "generated",
        "div": format!(r#"<div xmlns="http://www.w3.org/1999/xhtml">{inner}</div>"#),
    })
}

fn concept(c: &Value) -> String {
    c["text"]
        .as_str()
        .or_else(|| c["coding"][0]["display"].as_str())
        .or_else(|| c["coding"][0]["code"].as_str())
        .unwrap_or("Unnamed")
        .to_string()
}

fn day(v: &Value) -> Option<&str> {
    v.as_str().map(|d| &d[..d.len().min(10)])
}

/// One line of a section's narrative.
fn describe(r: &Value) -> String {
    match r["resourceType"].as_str() {
        Some("Condition") => match day(&r["onsetDateTime"]) {
            Some(d) => format!("{} (since {d})", concept(&r["code"])),
            None => concept(&r["code"]),
        },
        Some("MedicationRequest") => concept(&r["medicationCodeableConcept"]),
        Some("AllergyIntolerance") => concept(&r["code"]),
        Some("Immunization") => match day(&r["occurrenceDateTime"]) {
            Some(d) => format!("{} ({d})", concept(&r["vaccineCode"])),
            None => concept(&r["vaccineCode"]),
        },
        Some("Observation") => {
            let value = match (
                &r["valueQuantity"]["value"],
                r["valueQuantity"]["unit"].as_str(),
            ) {
                (Value::Number(n), Some(u)) => format!(": {n} {u}"),
                (Value::Number(n), None) => format!(": {n}"),
                _ if r["valueCodeableConcept"].is_object() => {
                    format!(": {}", concept(&r["valueCodeableConcept"]))
                }
                _ => String::new(),
            };
            match day(&r["effectiveDateTime"]) {
                Some(d) => format!("{}{value} ({d})", concept(&r["code"])),
                None => format!("{}{value}", concept(&r["code"])),
            }
        }
        Some("Procedure") => {
            let when = day(&r["performedDateTime"]).or_else(|| day(&r["performedPeriod"]["start"]));
            match when {
                Some(d) => format!("{} ({d})", concept(&r["code"])),
                None => concept(&r["code"]),
            }
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::records::demo_patients;

    fn export() -> Value {
        let record = demo_patients(1, 7, chrono::Utc::now().date_naive()).remove(0);
        crate::records::fhir_export::export_bundle(&record)
    }

    #[test]
    fn the_summary_is_a_document_whose_composition_comes_first_and_resolves() {
        let doc = ips_document(&export(), "2026-01-01T00:00:00Z", "Patient portal");
        assert_eq!(doc["type"], "document");
        let entries = doc["entry"].as_array().unwrap();
        assert_eq!(entries[0]["resource"]["resourceType"], "Composition");
        let urls: HashSet<&str> = entries
            .iter()
            .map(|e| e["fullUrl"].as_str().unwrap())
            .collect();
        let codes: Vec<&str> = entries[0]["resource"]["section"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["code"]["coding"][0]["code"].as_str().unwrap())
            .collect();
        for required in ["11450-4", "10160-0", "48765-2"] {
            assert!(codes.contains(&required), "{required} in {codes:?}");
        }
        // Every reference anywhere in the document resolves inside it.
        fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("reference") {
                        out.push(r);
                    }
                    m.values().for_each(|c| refs(c, out));
                }
                Value::Array(a) => a.iter().for_each(|c| refs(c, out)),
                _ => {}
            }
        }
        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(!all.is_empty());
        for r in all {
            assert!(urls.contains(r), "{r} dangles");
        }
        for s in entries[0]["resource"]["section"].as_array().unwrap() {
            assert!(s["text"]["div"]
                .as_str()
                .unwrap()
                .starts_with("<div xmlns="));
        }
    }

    #[test]
    fn lab_results_are_those_of_the_period_with_their_patient() {
        let export = export();
        let all_labs = entries(&export)
            .iter()
            .filter(|(_, r)| r["resourceType"] == "Observation" && is_lab(r))
            .count();
        assert!(all_labs > 0);
        let wide = labs(&export, "2026-01-01T00:00:00Z", "1900-01-01", "2999-12-31");
        let kinds: Vec<&str> = wide["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resource"]["resourceType"].as_str().unwrap())
            .collect();
        assert_eq!(kinds.iter().filter(|k| **k == "Patient").count(), 1);
        assert_eq!(
            kinds.iter().filter(|k| **k == "Observation").count(),
            all_labs
        );
        let none = labs(&export, "2026-01-01T00:00:00Z", "1900-01-01", "1900-01-02");
        assert_eq!(
            none["entry"].as_array().unwrap().len(),
            1,
            "the patient only"
        );
    }

    #[test]
    fn a_dangling_reference_goes_with_what_holds_it() {
        let urls: HashSet<String> = ["urn:uuid:a".to_string()].into();
        let mut v = json!({ "performer": [{ "actor": { "reference": "urn:uuid:gone" } }, { "actor": { "reference": "urn:uuid:a" } }] });
        assert!(!dangles(&mut v, &urls));
        assert_eq!(v["performer"].as_array().unwrap().len(), 1);
        let mut only = json!({ "reference": "urn:uuid:gone" });
        assert!(dangles(&mut only, &urls));
    }
}
