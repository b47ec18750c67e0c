//! Reading one resource of the bundle: the bundle's patient and encounters it may point at, and
//! how its references are checked. The `impl Reader` blocks that read each resource type live in
//! the file named after it.

use std::collections::HashSet;

use serde_json::Value;

use super::datatypes::{concept, human_name_text};
use super::entry::{list, Entry, ImportError, Index};
use crate::records::model::{systems, Concept};

pub(super) struct Reader<'i, 'a> {
    pub(super) index: &'i Index<'a>,
    pub(super) patient_id: &'i str,
    pub(super) encounter_ids: HashSet<String>,
}

impl Reader<'_, '_> {
    /// The `reference` string of a Reference field; `None` when the field is absent or only has a
    /// display.
    pub(super) fn reference<'e>(
        &self,
        e: &'e Entry,
        field: &str,
    ) -> Result<Option<&'e str>, ImportError> {
        match e.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(r)) => match r.get("reference") {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.as_str())),
                Some(_) => Err(e.err(field, "reference is not a string")),
            },
            Some(_) => Err(e.err(field, "is not a Reference")),
        }
    }

    /// A subject/patient reference must point at the bundle's Patient.
    pub(super) fn check_patient(
        &self,
        e: &Entry,
        field: &str,
        required: bool,
    ) -> Result<(), ImportError> {
        match self.reference(e, field)? {
            None if required => Err(e.err(field, "is missing")),
            None => Ok(()),
            Some(r) => match self.index.resolve(r) {
                Some(target)
                    if target.rtype == "Patient"
                        && target.id.as_deref() == Some(self.patient_id) =>
                {
                    Ok(())
                }
                _ => Err(e.err(
                    field,
                    format!("refers to {r}, which is not this bundle's Patient"),
                )),
            },
        }
    }

    pub(super) fn encounter_ref(&self, e: &Entry) -> Result<Option<String>, ImportError> {
        let Some(r) = self.reference(e, "encounter")? else {
            return Ok(None);
        };
        match self.index.resolve(r) {
            Some(target) if target.rtype == "Encounter" => match &target.id {
                Some(id) if self.encounter_ids.contains(id) => Ok(Some(id.clone())),
                _ => Err(e.err(
                    "encounter",
                    format!("refers to {r}, which is not an Encounter of this bundle"),
                )),
            },
            _ => Err(e.err(
                "encounter",
                format!("refers to {r}, which is not an Encounter of this bundle"),
            )),
        }
    }

    /// A name for a Reference: its `display`, else the name of the resource it points at.
    pub(super) fn reference_name(&self, reference: Option<&Value>) -> Option<String> {
        let r = reference?.as_object()?;
        if let Some(d) = r.get("display").and_then(Value::as_str) {
            if !d.trim().is_empty() {
                return Some(d.trim().to_owned());
            }
        }
        // Conditional references (`Practitioner?identifier=...`) too (see `people`).
        let target = self.find(r.get("reference")?.as_str()?)?;
        match target.resource.get("name")? {
            Value::String(s) => Some(s.clone()),
            Value::Array(names) => names.first().and_then(human_name_text),
            _ => None,
        }
    }
    /// Why something was done (a procedure, a prescription): its `reasonCode` in words, else
    /// the code of the first Condition its `reasonReference` points at.
    pub(super) fn reason(&self, e: &Entry) -> Result<Option<Concept>, ImportError> {
        Ok(match e.first("reasonCode")? {
            Some(v) => Some(concept(v, systems::SNOMED).map_err(|p| e.err("reasonCode", p))?),
            None => self
                .linked_ids(e, "reasonReference", "Condition")
                .ok()
                .and_then(|ids| ids.into_iter().next())
                .and_then(|id| self.index.resolve(&format!("Condition/{id}")))
                .and_then(|c| c.get("code"))
                .and_then(|c| concept(c, systems::SNOMED).ok()),
        })
    }
    /// The `fhir_id`s a list of References points at, each of which must be a `target` of the
    /// bundle (a dangling link means a broken bundle, as for encounters).
    pub(super) fn linked_ids(
        &self,
        e: &Entry,
        field: &str,
        target: &str,
    ) -> Result<Vec<String>, ImportError> {
        let mut ids = Vec::new();
        for (i, r) in list(e, field)?.iter().enumerate() {
            let name = format!("{field}[{i}]");
            let reference = match r.get("reference") {
                Some(Value::String(s)) => s.as_str(),
                None | Some(Value::Null) => continue,
                Some(_) => return Err(e.err(&name, "reference is not a string")),
            };
            match self.index.resolve(reference) {
                Some(t) if t.rtype == target && t.id.is_some() => {
                    ids.extend(t.id.clone());
                }
                _ => {
                    return Err(e.err(
                        &name,
                        format!("refers to {reference}, which is not a {target} of this bundle"),
                    ))
                }
            }
        }
        Ok(ids)
    }
}
