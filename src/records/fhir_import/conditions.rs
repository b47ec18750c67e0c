//! Condition (the problem list).

use serde_json::Value;

use super::entry::{list, Entry, ImportError};
use super::reader::Reader;
use crate::records::model::{systems, ClinicalStatus, Condition, ConditionCategory};

impl Reader<'_, '_> {
    pub(super) fn condition(&self, e: &Entry) -> Result<Condition, ImportError> {
        let fhir_id = e.id()?;
        self.check_patient(e, "subject", true)?;
        let clinical_status =
            match e.status_code("clinicalStatus")? {
                None => None,
                Some(code) => Some(ClinicalStatus::from_fhir(&code).ok_or_else(|| {
                    e.err("clinicalStatus", format!("has an unknown code {code:?}"))
                })?),
            };
        let mut condition = Condition {
            code: e.required_concept("code", systems::SNOMED)?,
            clinical_status,
            verification_status: e.status_code("verificationStatus")?,
            onset: e.datetime("onsetDateTime")?,
            abatement: e.datetime("abatementDateTime")?,
            recorded: e.datetime("recordedDate")?,
            encounter: self.encounter_ref(e)?,
            category: condition_category(e)?,
            fhir_id,
        };
        // A source without a category (older Synthea) gets the one the export would infer,
        // kept so that what the API serves and what is stored agree.
        condition.category = Some(condition.category_or_inferred());
        Ok(condition)
    }
}

/// The first condition-category coding (US Core's); other systems' categories are not kept.
fn condition_category(e: &Entry) -> Result<Option<ConditionCategory>, ImportError> {
    Ok(list(e, "category")?
        .iter()
        .filter_map(|c| c.get("coding").and_then(Value::as_array))
        .flatten()
        .filter(|c| c.get("system").and_then(Value::as_str) == Some(systems::CONDITION_CATEGORY))
        .find_map(|c| {
            c.get("code")
                .and_then(Value::as_str)
                .and_then(ConditionCategory::from_fhir)
        }))
}
