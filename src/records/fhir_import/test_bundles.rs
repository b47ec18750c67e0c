//! Small hand-written bundles and helpers the unit tests of every part share.

use serde_json::{json, Value};

use super::{parse_bundle, ParsedBundle};
use crate::records::model::systems;

pub(crate) fn parse_ok(v: &Value) -> ParsedBundle {
    match parse_bundle(v) {
        Ok(p) => p,
        Err(e) => panic!("bundle refused: {e}"),
    }
}

pub(crate) fn err_text(v: &Value) -> String {
    match parse_bundle(v) {
        Ok(_) => panic!("bundle accepted, expected an error"),
        Err(e) => e.to_string(),
    }
}

pub(crate) fn minimal_patient() -> Value {
    json!({
        "fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111",
        "resource": {
            "resourceType": "Patient",
            "id": "11111111-1111-4111-8111-111111111111",
            "name": [{"family": "Doe", "given": ["Jane", "Q"]}],
            "gender": "female",
            "birthDate": "1970-01-31"
        }
    })
}

pub(crate) fn encounter_entry() -> Value {
    json!({
        "fullUrl": "urn:uuid:22222222-2222-4222-8222-222222222222",
        "resource": {
            "resourceType": "Encounter",
            "id": "22222222-2222-4222-8222-222222222222",
            "status": "finished",
            "class": {"system": systems::ACT_CODE, "code": "AMB"},
            "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"},
            "period": {"start": "2020-02-03T10:00:00-05:00", "end": "2020-02-03T10:30:00-05:00"}
        }
    })
}

pub(crate) fn observation_entry(id: &str) -> Value {
    json!({
        "fullUrl": format!("urn:uuid:{id}"),
        "resource": {
            "resourceType": "Observation",
            "id": id,
            "status": "final",
            "category": [{"coding": [{"system": systems::OBSERVATION_CATEGORY, "code": "laboratory"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7", "display": "Glucose"}]},
            "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"},
            "encounter": {"reference": "urn:uuid:22222222-2222-4222-8222-222222222222"},
            "effectiveDateTime": "2020-02-03T10:05:00-05:00",
            "valueQuantity": {"value": 85.60102792628544, "unit": "mg/dL", "system": systems::UCUM, "code": "mg/dL"}
        }
    })
}

pub(crate) fn bundle(kind: &str, entries: Vec<Value>) -> Value {
    json!({"resourceType": "Bundle", "type": kind, "entry": entries})
}
