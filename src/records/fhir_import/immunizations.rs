//! Immunization.

use super::entry::{Entry, ImportError};
use super::reader::Reader;
use crate::records::model::{systems, Immunization};

impl Reader<'_, '_> {
    pub(super) fn immunization(&self, e: &Entry) -> Result<Immunization, ImportError> {
        let fhir_id = e.id()?;
        let status = e.required_string("status")?;
        if !["completed", "entered-in-error", "not-done"].contains(&status.as_str()) {
            return Err(e.err("status", format!("has an unknown code {status:?}")));
        }
        self.check_patient(e, "patient", true)?;
        let date = match e.datetime("occurrenceDateTime")? {
            Some(d) => d,
            None if e.get("occurrenceString").is_some() => {
                return Err(e.err(
                    "occurrenceString",
                    "is not supported; occurrenceDateTime is required",
                ))
            }
            None => return Err(e.err("occurrenceDateTime", "is missing")),
        };
        Ok(Immunization {
            vaccine: e.required_concept("vaccineCode", systems::CVX)?,
            date,
            status,
            encounter: self.encounter_ref(e)?,
            fhir_id,
        })
    }
}
