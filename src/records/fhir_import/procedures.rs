//! Procedure.

use super::datatypes::concept;
use super::entry::{period, Entry, ImportError};
use super::reader::Reader;
use crate::records::model::{systems, Procedure};

/// FHIR R4 value sets of the statuses the new resource types carry.
const EVENT_STATUS: [&str; 8] = [
    "preparation",
    "in-progress",
    "not-done",
    "on-hold",
    "stopped",
    "completed",
    "entered-in-error",
    "unknown",
];

impl Reader<'_, '_> {
    pub(super) fn procedure(&self, e: &Entry) -> Result<Procedure, ImportError> {
        let fhir_id = e.id()?;
        let status = e.required_string("status")?;
        if !EVENT_STATUS.contains(&status.as_str()) {
            return Err(e.err("status", format!("has an unknown code {status:?}")));
        }
        self.check_patient(e, "subject", true)?;
        let (performed, performed_end) = match e.datetime("performedDateTime")? {
            Some(t) => (Some(t), None),
            None => period(e, "performedPeriod")?,
        };
        let reason = self.reason(e)?;
        let body_site = match e.first("bodySite")? {
            Some(v) => Some(concept(v, systems::SNOMED).map_err(|p| e.err("bodySite", p))?),
            None => None,
        };
        Ok(Procedure {
            code: e.required_concept("code", systems::SNOMED)?,
            status,
            performed,
            performed_end,
            reason,
            body_site,
            encounter: self.encounter_ref(e)?,
            fhir_id,
        })
    }
}
