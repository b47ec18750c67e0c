//! Condition (the problem list).

use super::entry::{Entry, ImportError};
use super::reader::Reader;
use crate::records::model::{systems, ClinicalStatus, Condition};

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
        Ok(Condition {
            code: e.required_concept("code", systems::SNOMED)?,
            clinical_status,
            verification_status: e.status_code("verificationStatus")?,
            onset: e.datetime("onsetDateTime")?,
            abatement: e.datetime("abatementDateTime")?,
            recorded: e.datetime("recordedDate")?,
            encounter: self.encounter_ref(e)?,
            fhir_id,
        })
    }
}
