//! Encounter (the visits every other resource may point at).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::datatypes::{concept, parse_fhir_datetime};
use super::entry::{Entry, ImportError};
use super::reader::Reader;
use crate::records::model::{systems, Encounter};

impl Reader<'_, '_> {
    pub(super) fn encounter(&self, e: &Entry) -> Result<Encounter, ImportError> {
        let fhir_id = e.id()?;
        let status = e.required_string("status")?;
        let class_code = match e.get("class") {
            Some(Value::Object(c)) => match c.get("code") {
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                _ => return Err(e.err("class", "has no code")),
            },
            Some(_) => return Err(e.err("class", "is not a Coding")),
            None => return Err(e.err("class", "is missing")),
        };
        self.check_patient(e, "subject", false)?;
        let kind = match e.first("type")? {
            Some(v) => Some(concept(v, systems::SNOMED).map_err(|p| e.err("type", p))?),
            None => None,
        };
        let reason = match e.first("reasonCode")? {
            Some(v) => Some(concept(v, systems::SNOMED).map_err(|p| e.err("reasonCode", p))?),
            None => None,
        };
        let period = match e.get("period") {
            Some(Value::Object(p)) => p,
            Some(_) => return Err(e.err("period", "is not a Period")),
            None => return Err(e.err("period", "is missing")),
        };
        let period_time = |field: &str| -> Result<Option<DateTime<Utc>>, ImportError> {
            match period.get(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => parse_fhir_datetime(s).map(Some).ok_or_else(|| {
                    e.err(
                        &format!("period.{field}"),
                        format!("is not a date-time: {s:?}"),
                    )
                }),
                Some(_) => Err(e.err(&format!("period.{field}"), "is not a date-time")),
            }
        };
        let start = period_time("start")?.ok_or_else(|| e.err("period.start", "is missing"))?;
        let end = period_time("end")?;
        let provider = match e.first("participant")? {
            Some(p) => self.reference_name(p.get("individual")),
            None => None,
        };
        let organization = self.reference_name(e.get("serviceProvider"));
        let parties = self.encounter_parties(e)?;
        Ok(Encounter {
            fhir_id,
            status,
            class_code,
            kind,
            reason,
            start,
            end,
            provider,
            organization,
            parties,
        })
    }
}
