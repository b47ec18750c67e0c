//! Provenance of the served resources (US Core Provenance): who supplied the data and when it
//! was stored here.
//!
//! The record came in as FHIR bundles from the organizations that treated the patient; the
//! portal keeps no separate trail per resource, so what it can say truthfully is: the
//! organization a resource's visit names (`Encounter.serviceProvider`) authored it, the import
//! into this portal transmitted it, and the record was stored at `recorded` (the time the
//! record was last stored, `patients.record_updated_at`). Resources linked to no visit that
//! names an organization get a Provenance with the transmitter alone: the source did not say
//! who authored them, so neither do we.
//!
//! One Provenance per source organization, targeting all of its resources. The ids are derived
//! from the patient and the organization, so they are stable between requests.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const PARTICIPANT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/provenance-participant-type";
const US_CORE_PARTICIPANT_TYPE: &str =
    "http://hl7.org/fhir/us/core/CodeSystem/us-core-provenance-participant-type";

/// Who transmitted the data to the apps: this portal's import of the source's FHIR bundles.
const TRANSMITTER: &str = "Patient portal (imported from the source's FHIR record)";

/// The Provenance resources of `resources` (the record as the API serves it), recorded at
/// `recorded`; none when that time is unknown (`recorded` is required).
pub fn provenances(resources: &[Value], recorded: Option<DateTime<Utc>>) -> Vec<Value> {
    let Some(recorded) = recorded else {
        return Vec::new();
    };
    let Some(patient) = resources
        .iter()
        .find(|r| r["resourceType"] == "Patient")
        .and_then(|r| r["id"].as_str())
    else {
        return Vec::new();
    };
    // Encounter id -> the organization it names; the organization -> how to refer to it (the
    // Organization resource when the record holds one, else its name).
    let mut who: BTreeMap<String, Value> = BTreeMap::new();
    let providers: BTreeMap<String, String> = resources
        .iter()
        .filter(|r| r["resourceType"] == "Encounter")
        .filter_map(|r| {
            let org = organization(&r["serviceProvider"])?;
            let mut reference = json!({ "display": org });
            if let Some(to) = r["serviceProvider"]["reference"].as_str() {
                reference["reference"] = json!(to);
            }
            who.entry(org.clone()).or_insert(reference);
            Some((format!("Encounter/{}", r["id"].as_str()?), org))
        })
        .collect();
    let mut groups: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    for r in resources {
        let (Some(rtype), Some(id)) = (r["resourceType"].as_str(), r["id"].as_str()) else {
            continue;
        };
        if rtype == "Provenance" {
            continue;
        }
        let own = format!("{rtype}/{id}");
        let org = match rtype {
            "Encounter" => providers.get(&own).cloned(),
            // A note names its visit under `context` (DocumentReference).
            _ => r["encounter"]["reference"]
                .as_str()
                .or_else(|| r["context"]["encounter"][0]["reference"].as_str())
                .and_then(|e| providers.get(e).cloned()),
        };
        groups.entry(org).or_default().push(own);
    }
    let when = recorded.to_rfc3339_opts(SecondsFormat::Secs, true);
    groups
        .into_iter()
        .map(|(org, targets)| {
            let mut agents = Vec::new();
            if let Some(org) = &org {
                agents.push(json!({
                    "type": { "coding": [{ "system": PARTICIPANT_TYPE, "code": "author", "display": "Author" }] },
                    "who": who.get(org).cloned().unwrap_or_else(|| json!({ "display": org })),
                }));
            }
            agents.push(json!({
                "type": { "coding": [{ "system": US_CORE_PARTICIPANT_TYPE, "code": "transmitter", "display": "Transmitter" }] },
                "who": { "display": TRANSMITTER },
            }));
            json!({
                "resourceType": "Provenance",
                "id": id_for(patient, org.as_deref()),
                "meta": { "lastUpdated": when },
                "target": targets.iter().map(|t| json!({ "reference": t })).collect::<Vec<_>>(),
                "recorded": when,
                "agent": agents,
            })
        })
        .collect()
}

/// The organization a `serviceProvider` names, by its display (the exporter writes the name
/// also when it refers to an Organization resource).
fn organization(v: &Value) -> Option<String> {
    v["display"]
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn id_for(patient: &str, org: Option<&str>) -> String {
    let digest = Sha256::digest(format!("{patient}|{}", org.unwrap_or("")).as_bytes());
    format!("prov-{}", hex::encode(&digest[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_of_a_visit_are_authored_by_its_organization() {
        let resources = vec![
            json!({"resourceType": "Patient", "id": "p"}),
            json!({"resourceType": "Encounter", "id": "e1", "serviceProvider": {"reference": "Organization/a", "display": "Clinic A"}}),
            json!({"resourceType": "Observation", "id": "o1", "encounter": {"reference": "Encounter/e1"}}),
            json!({"resourceType": "Condition", "id": "c1"}),
        ];
        let t = DateTime::from_timestamp(1_700_000_000, 0);
        let out = provenances(&resources, t);
        assert_eq!(out.len(), 2);
        let by_clinic = out
            .iter()
            .find(|p| p["agent"][0]["who"]["display"] == "Clinic A")
            .unwrap();
        assert_eq!(
            by_clinic["target"],
            json!([{"reference": "Encounter/e1"}, {"reference": "Observation/o1"}])
        );
        assert_eq!(by_clinic["recorded"], "2023-11-14T22:13:20Z");
        // The clinic's Organization resource when the record holds one.
        assert_eq!(by_clinic["agent"][0]["who"]["reference"], "Organization/a");
        let other = out.iter().find(|p| p["id"] != by_clinic["id"]).unwrap();
        assert_eq!(other["agent"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            other["agent"][0]["type"]["coding"][0]["code"],
            "transmitter"
        );
        // Stable ids; nothing without a time.
        assert_eq!(provenances(&resources, t), out);
        assert!(provenances(&resources, None).is_empty());
    }
}
