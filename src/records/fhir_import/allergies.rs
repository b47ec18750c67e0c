//! AllergyIntolerance (allergies, intolerances, and "no known allergy").

use serde_json::Value;

use super::entry::{Entry, ImportError};
use super::reader::Reader;
use crate::records::model::{systems, Allergy, AllergyCategory, ClinicalStatus, Criticality};

impl Reader<'_, '_> {
    pub(super) fn allergy(&self, e: &Entry) -> Result<Allergy, ImportError> {
        let fhir_id = e.id()?;
        self.check_patient(e, "patient", true)?;
        let clinical_status = match e.status_code("clinicalStatus")? {
            None => None,
            Some(code) => match ClinicalStatus::from_fhir(&code) {
                Some(
                    s @ (ClinicalStatus::Active
                    | ClinicalStatus::Inactive
                    | ClinicalStatus::Resolved),
                ) => Some(s),
                _ => return Err(e.err("clinicalStatus", format!("has an unknown code {code:?}"))),
            },
        };
        let categories = match e.get("category") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .and_then(AllergyCategory::from_fhir)
                        .ok_or_else(|| e.err("category", format!("has an unknown code {v}")))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(e.err("category", "is not a list")),
        };
        let criticality = match e.string("criticality")? {
            None => None,
            Some(c) => Some(
                Criticality::from_fhir(&c)
                    .ok_or_else(|| e.err("criticality", format!("has an unknown code {c:?}")))?,
            ),
        };
        let kind = match e.string("type")? {
            None => None,
            Some(t) if t == "allergy" || t == "intolerance" => Some(t),
            Some(t) => return Err(e.err("type", format!("has an unknown code {t:?}"))),
        };
        Ok(Allergy {
            code: e.required_concept("code", systems::SNOMED)?,
            clinical_status,
            verification_status: e.status_code("verificationStatus")?,
            kind,
            categories,
            criticality,
            recorded: e.datetime("recordedDate")?,
            fhir_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::fhir_import::test_bundles::*;
    use serde_json::json;

    #[test]
    fn unknown_status_codes_are_refused() {
        let allergy = json!({"fullUrl": "urn:uuid:a", "resource": {
            "resourceType": "AllergyIntolerance", "id": "a",
            "clinicalStatus": {"coding": [{"code": "relapse"}]},
            "code": {"coding": [{"system": systems::SNOMED, "code": "91936005"}]},
            "patient": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"}
        }});
        let b = bundle("collection", vec![minimal_patient(), allergy]);
        assert_eq!(
            err_text(&b),
            "AllergyIntolerance a: clinicalStatus has an unknown code \"relapse\""
        );
    }
}
