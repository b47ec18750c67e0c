//! MedicationRequest (with its medication inline or as a Medication of the bundle) and the
//! dosage in words.

use serde_json::Value;

use super::datatypes::concept;
use super::entry::{Entry, ImportError};
use super::reader::Reader;
use crate::records::model::{systems, Concept, Medication, MedicationStatus};

impl Reader<'_, '_> {
    pub(super) fn medication(&self, e: &Entry) -> Result<Medication, ImportError> {
        let fhir_id = e.id()?;
        let status_code = e.required_string("status")?;
        let status = MedicationStatus::from_fhir(&status_code)
            .ok_or_else(|| e.err("status", format!("has an unknown code {status_code:?}")))?;
        let intent = e.required_string("intent")?;
        self.check_patient(e, "subject", true)?;
        let code = match e.concept("medicationCodeableConcept", systems::RXNORM)? {
            Some(c) => c,
            None => self.medication_by_reference(e)?,
        };
        // As for a procedure: the reason given in words, else the Condition it points at.
        let reason = self.reason(e)?;
        Ok(Medication {
            code,
            status,
            intent,
            authored_on: e.datetime("authoredOn")?,
            dosage: dosage_text(e.first("dosageInstruction")?),
            encounter: self.encounter_ref(e)?,
            reason,
            prescriber: self.reference_name(e.get("requester")),
            prescriber_id: self.requester_id(e),
            fhir_id,
        })
    }

    /// `medicationReference` to a Medication resource of the bundle: use its `code`.
    fn medication_by_reference(&self, e: &Entry) -> Result<Concept, ImportError> {
        const FIELD: &str = "medicationReference";
        let Some(r) = self.reference(e, FIELD)? else {
            return Err(e.err("medicationCodeableConcept", "is missing"));
        };
        let target = self
            .index
            .resolve(r)
            .filter(|t| t.rtype == "Medication")
            .ok_or_else(|| {
                e.err(
                    FIELD,
                    format!("refers to {r}, which is not a Medication of this bundle"),
                )
            })?;
        let code = target
            .get("code")
            .ok_or_else(|| e.err(FIELD, format!("refers to {r}, which has no code")))?;
        concept(code, systems::RXNORM).map_err(|p| e.err(FIELD, format!("code {p}")))
    }
}

/// How to take a medicine, in words: the dosage's text, else what its structure says.
fn dosage_text(dosage: Option<&Value>) -> Option<String> {
    let d = dosage?.as_object()?;
    if let Some(t) = d.get("text").and_then(Value::as_str) {
        if !t.trim().is_empty() {
            return Some(t.trim().to_owned());
        }
    }
    let mut parts: Vec<String> = Vec::new();
    if let Some(q) = d
        .get("doseAndRate")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|r| r.get("doseQuantity"))
    {
        if let Some(v) = q.get("value").and_then(Value::as_f64) {
            let unit = q.get("unit").and_then(Value::as_str).unwrap_or("dose");
            parts.push(format!("{} {unit}", trim_number(v)));
        }
    }
    if let Some(r) = d.get("timing").and_then(|t| t.get("repeat")) {
        let freq = r.get("frequency").and_then(Value::as_f64);
        let period = r.get("period").and_then(Value::as_f64);
        let unit = r
            .get("periodUnit")
            .and_then(Value::as_str)
            .map(|u| match u {
                "s" => "second",
                "min" => "minute",
                "h" => "hour",
                "d" => "day",
                "wk" => "week",
                "mo" => "month",
                "a" => "year",
                _ => "period",
            });
        if let (Some(f), Some(p), Some(u)) = (freq, period, unit) {
            let times = if f == 1.0 {
                "once".to_owned()
            } else {
                format!("{} times", trim_number(f))
            };
            let every = if p == 1.0 {
                format!("a {u}")
            } else {
                format!("every {} {u}s", trim_number(p))
            };
            parts.push(format!("{times} {every}"));
        }
    }
    let mut text = parts.join(" ");
    if d.get("asNeededBoolean").and_then(Value::as_bool) == Some(true) {
        text = if text.is_empty() {
            "as needed".to_owned()
        } else {
            format!("{text}, as needed")
        };
    }
    let mut chars = text.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

fn trim_number(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::fhir_import::test_bundles::*;
    use crate::records::model::AllergySummary;
    use serde_json::json;

    #[test]
    fn no_known_allergy_and_medication_reference() {
        let nka = json!({"fullUrl": "urn:uuid:n", "resource": {
            "resourceType": "AllergyIntolerance", "id": "n",
            "clinicalStatus": {"coding": [{"system": systems::ALLERGY_CLINICAL, "code": "active"}]},
            "code": {"coding": [{"system": systems::SNOMED, "code": "716186003", "display": "No known allergy (situation)"}]},
            "patient": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"}
        }});
        let medication = json!({"fullUrl": "urn:uuid:m", "resource": {
            "resourceType": "Medication", "id": "m",
            "code": {"coding": [{"system": systems::RXNORM, "code": "314076", "display": "lisinopril 10 MG Oral Tablet"}]}
        }});
        let request = json!({"fullUrl": "urn:uuid:r", "resource": {
            "resourceType": "MedicationRequest", "id": "r", "status": "active", "intent": "order",
            "medicationReference": {"reference": "urn:uuid:m"},
            "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"},
            "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                                   "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}]}]
        }});
        let b = bundle(
            "collection",
            vec![minimal_patient(), nka, medication, request],
        );
        let parsed = parse_ok(&b);
        assert_eq!(
            parsed.record.allergy_summary(),
            AllergySummary::NoKnownAllergies
        );
        let med = &parsed.record.medications[0];
        assert_eq!(med.code.code, "314076");
        assert_eq!(med.dosage.as_deref(), Some("1 tablet once a day"));
        assert_eq!(parsed.skipped.get("Medication"), Some(&1));
    }

    #[test]
    fn a_prescriptions_reason_and_prescriber_are_kept_and_exported() {
        // As Synthea writes them: the reason a Condition of the bundle, the requester a
        // Practitioner of the bundle without a display.
        let condition = json!({"fullUrl": "urn:uuid:c", "resource": {
            "resourceType": "Condition", "id": "c",
            "code": {"coding": [{"system": systems::SNOMED, "code": "10509002", "display": "Acute bronchitis (disorder)"}]},
            "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"}
        }});
        let practitioner = json!({"fullUrl": "urn:uuid:dr", "resource": {
            "resourceType": "Practitioner", "id": "dr",
            "name": [{"family": "Schultz", "given": ["Terrance"], "prefix": ["Dr."]}]
        }});
        let request = json!({"fullUrl": "urn:uuid:r", "resource": {
            "resourceType": "MedicationRequest", "id": "r", "status": "active", "intent": "order",
            "medicationCodeableConcept": {"coding": [{"system": systems::RXNORM, "code": "313782", "display": "Acetaminophen 325 MG Oral Tablet"}]},
            "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"},
            "requester": {"reference": "urn:uuid:dr"},
            "reasonReference": [{"reference": "urn:uuid:c"}]
        }});
        let b = bundle(
            "collection",
            vec![minimal_patient(), condition, practitioner, request],
        );
        let record = parse_ok(&b).record;
        let med = &record.medications[0];
        assert_eq!(
            med.reason.as_ref().map(|r| r.code.as_str()),
            Some("10509002")
        );
        assert_eq!(med.prescriber.as_deref(), Some("Dr. Terrance Schultz"));
        // The export says both, and reads back to the same prescription.
        let back = parse_ok(&crate::records::export_bundle(&record)).record;
        assert_eq!(back.medications, record.medications);
    }
}
