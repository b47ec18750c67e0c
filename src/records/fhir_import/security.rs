//! Confidentiality labels (#29): the `meta.security` codes R (restricted) and V (very
//! restricted) of `v3-Confidentiality` that an imported resource carries, kept by the resource's
//! type and id so that a guardian of an adolescent sees no item so marked, whatever its code.
//! Other systems and codes (N, L, M, U; sensitivity codes of v3-ActCode) are not read.

use serde_json::Value;

use super::entry::{Entry, IMPORTED};
use crate::records::model::{systems, SecurityLabel};

/// The labels of every imported resource among `entries` that has an id.
pub(super) fn labels(entries: &[Entry<'_>]) -> Vec<SecurityLabel> {
    let mut labels = Vec::new();
    for e in entries {
        if !IMPORTED.contains(&e.rtype) {
            continue;
        }
        let Some(id) = &e.id else { continue };
        let codings = e
            .get("meta")
            .and_then(|m| m.get("security"))
            .and_then(Value::as_array);
        for coding in codings.into_iter().flatten() {
            let system = coding.get("system").and_then(Value::as_str);
            let code = coding.get("code").and_then(Value::as_str).map(str::trim);
            if let (Some(systems::CONFIDENTIALITY), Some(code)) = (system, code) {
                if SecurityLabel::KEPT.contains(&code) {
                    let label = SecurityLabel {
                        resource_type: e.rtype.to_string(),
                        fhir_id: id.clone(),
                        code: code.to_string(),
                    };
                    if !labels.contains(&label) {
                        labels.push(label);
                    }
                }
            }
        }
    }
    labels
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_bundles::{
        bundle, encounter_entry, minimal_patient, observation_entry, parse_ok,
    };
    use super::*;

    #[test]
    fn only_restricted_and_very_restricted_confidentiality_codes_are_kept() {
        let mut restricted = observation_entry("33333333-3333-4333-8333-333333333333");
        restricted["resource"]["meta"] = json!({"security": [
            {"system": systems::CONFIDENTIALITY, "code": "R"},
            {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSY"}
        ]});
        let mut very = observation_entry("44444444-4444-4444-8444-444444444444");
        very["resource"]["meta"] =
            json!({"security": [{"system": systems::CONFIDENTIALITY, "code": "V"}]});
        let mut normal = observation_entry("55555555-5555-4555-8555-555555555555");
        normal["resource"]["meta"] =
            json!({"security": [{"system": systems::CONFIDENTIALITY, "code": "N"}]});
        let mut other_system = observation_entry("66666666-6666-4666-8666-666666666666");
        other_system["resource"]["meta"] =
            json!({"security": [{"system": "urn:elsewhere", "code": "R"}]});
        let parsed = parse_ok(&bundle(
            "collection",
            vec![
                minimal_patient(),
                encounter_entry(),
                restricted,
                very,
                normal,
                other_system,
            ],
        ));
        let label = |id: &str, code: &str| SecurityLabel {
            resource_type: "Observation".into(),
            fhir_id: id.into(),
            code: code.into(),
        };
        assert_eq!(
            parsed.record.security_labels,
            vec![
                label("33333333-3333-4333-8333-333333333333", "R"),
                label("44444444-4444-4444-8444-444444444444", "V"),
            ]
        );
        assert_eq!(
            parsed.record.observations.len(),
            4,
            "every item is still imported"
        );
    }
}
