//! One bundle entry (its type, id and the label errors name it by), the index references are
//! resolved through, list and Period fields, and the error that names a resource and a field.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::datatypes::{concept, first_code, parse_fhir_datetime};
use crate::records::model::Concept;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("not a FHIR R4 Bundle: {0}")]
    NotABundle(String),
    #[error("the bundle holds no Patient; exactly one is required")]
    NoPatient,
    #[error("the bundle holds {0} Patients; exactly one is required")]
    SeveralPatients(usize),
    /// `resource` is "Observation 3f2c..." or, without an id, "entry 12 (Observation)".
    #[error("{resource}: {field} {problem}")]
    Invalid {
        resource: String,
        field: String,
        problem: String,
    },
}

/// Resource types the portal imports.
pub(super) const IMPORTED: [&str; 20] = [
    "Patient",
    "Encounter",
    "Condition",
    "Observation",
    "MedicationRequest",
    "AllergyIntolerance",
    "Immunization",
    "Procedure",
    "CarePlan",
    "Goal",
    "DiagnosticReport",
    "ImagingStudy",
    "DocumentReference",
    // Who, where and what it cost (issue 27 item 2; `people`).
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Location",
    "CareTeam",
    "Claim",
    "ExplanationOfBenefit",
];

/// One bundle entry with what we need to name and find it.
pub(super) struct Entry<'a> {
    pub(super) rtype: &'a str,
    pub(super) id: Option<String>,
    pub(super) label: String,
    pub(super) resource: &'a Map<String, Value>,
}

impl Entry<'_> {
    pub(super) fn err(&self, field: &str, problem: impl Into<String>) -> ImportError {
        ImportError::Invalid {
            resource: self.label.clone(),
            field: field.to_owned(),
            problem: problem.into(),
        }
    }

    pub(super) fn id(&self) -> Result<String, ImportError> {
        self.id.clone().ok_or_else(|| self.err("id", "is missing"))
    }

    pub(super) fn get(&self, field: &str) -> Option<&Value> {
        self.resource.get(field)
    }

    pub(super) fn string(&self, field: &str) -> Result<Option<String>, ImportError> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.err(field, "is not a string")),
        }
    }

    pub(super) fn required_string(&self, field: &str) -> Result<String, ImportError> {
        self.string(field)?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| self.err(field, "is missing"))
    }

    pub(super) fn datetime(&self, field: &str) -> Result<Option<DateTime<Utc>>, ImportError> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => parse_fhir_datetime(s)
                .map(Some)
                .ok_or_else(|| self.err(field, format!("is not a date-time: {s:?}"))),
            Some(_) => Err(self.err(field, "is not a date-time")),
        }
    }

    pub(super) fn concept(
        &self,
        field: &str,
        preferred: &str,
    ) -> Result<Option<Concept>, ImportError> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => concept(v, preferred)
                .map(Some)
                .map_err(|problem| self.err(field, problem)),
        }
    }

    pub(super) fn required_concept(
        &self,
        field: &str,
        preferred: &str,
    ) -> Result<Concept, ImportError> {
        self.concept(field, preferred)?
            .ok_or_else(|| self.err(field, "is missing"))
    }

    /// The code of the first coding of a CodeableConcept field (clinicalStatus and the like).
    pub(super) fn status_code(&self, field: &str) -> Result<Option<String>, ImportError> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => first_code(v)
                .map(|c| Some(c.to_owned()))
                .ok_or_else(|| self.err(field, "has no coding with a code")),
        }
    }

    /// The first element of a list field (FHIR lists such as `type`, `reasonCode`).
    pub(super) fn first(&self, field: &str) -> Result<Option<&Value>, ImportError> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => Ok(a.first()),
            Some(_) => Err(self.err(field, "is not a list")),
        }
    }
}

/// All entries of the bundle, and how references find them.
pub(super) struct Index<'a> {
    pub(super) entries: Vec<Entry<'a>>,
    pub(super) by_full_url: HashMap<&'a str, usize>,
    pub(super) by_type_id: HashMap<(String, String), usize>,
}

impl<'a> Index<'a> {
    pub(super) fn build(entries: &'a [Value]) -> Result<Self, ImportError> {
        let mut index = Index {
            entries: Vec::with_capacity(entries.len()),
            by_full_url: HashMap::new(),
            by_type_id: HashMap::new(),
        };
        for (i, raw) in entries.iter().enumerate() {
            let invalid = |field: &str, problem: &str| ImportError::Invalid {
                resource: format!("entry {i}"),
                field: field.to_owned(),
                problem: problem.to_owned(),
            };
            let entry = raw
                .as_object()
                .ok_or_else(|| invalid("entry", "is not an object"))?;
            let full_url = match entry.get("fullUrl") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.as_str()),
                Some(_) => return Err(invalid("fullUrl", "is not a string")),
            };
            let resource = match entry.get("resource") {
                Some(Value::Object(r)) => r,
                Some(_) => return Err(invalid("resource", "is not an object")),
                None => return Err(invalid("resource", "is missing")),
            };
            let rtype = resource
                .get("resourceType")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("resource.resourceType", "is missing"))?;
            let id = match resource.get("id") {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(Value::String(_)) | None | Some(Value::Null) => full_url
                    .and_then(|u| u.strip_prefix("urn:uuid:"))
                    .map(str::to_owned),
                Some(_) => return Err(invalid(&format!("{rtype}.id"), "is not a string")),
            };
            let label = match &id {
                Some(id) => format!("{rtype} {id}"),
                None => format!("entry {i} ({rtype})"),
            };
            let n = index.entries.len();
            if let Some(url) = full_url {
                index.by_full_url.insert(url, n);
            }
            if let Some(id) = &id {
                if index
                    .by_type_id
                    .insert((rtype.to_owned(), id.clone()), n)
                    .is_some()
                    && IMPORTED.contains(&rtype)
                {
                    return Err(ImportError::Invalid {
                        resource: label,
                        field: "id".into(),
                        problem: "is used by two entries of the bundle".into(),
                    });
                }
            }
            index.entries.push(Entry {
                rtype,
                id,
                label,
                resource,
            });
        }
        Ok(index)
    }

    pub(super) fn of_type<'s>(
        &'s self,
        rtype: &'s str,
    ) -> impl Iterator<Item = &'s Entry<'a>> + 's {
        self.entries.iter().filter(move |e| e.rtype == rtype)
    }

    /// The entry a reference string points at: a fullUrl (urn:uuid:...), `Type/id`, or an
    /// absolute URL ending in `Type/id` (optionally `/_history/n`).
    pub(super) fn resolve(&self, reference: &str) -> Option<&Entry<'a>> {
        if let Some(&n) = self.by_full_url.get(reference) {
            return self.entries.get(n);
        }
        let path = match reference.find("/_history/") {
            Some(at) => &reference[..at],
            None => reference,
        };
        let mut parts = path.rsplit('/');
        let id = parts.next()?;
        let rtype = parts.next()?;
        let &n = self.by_type_id.get(&(rtype.to_owned(), id.to_owned()))?;
        self.entries.get(n)
    }
}

/// A list field; absent is empty.
pub(super) fn list<'e>(e: &'e Entry, field: &str) -> Result<&'e [Value], ImportError> {
    match e.get(field) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(e.err(field, "is not a list")),
    }
}

/// A Period field's start and end.
pub(super) type Span = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

pub(super) fn period(e: &Entry, field: &str) -> Result<Span, ImportError> {
    let p = match e.get(field) {
        None | Some(Value::Null) => return Ok((None, None)),
        Some(Value::Object(p)) => p,
        Some(_) => return Err(e.err(field, "is not a Period")),
    };
    let at = |k: &str| -> Result<Option<DateTime<Utc>>, ImportError> {
        match p.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => parse_fhir_datetime(s).map(Some).ok_or_else(|| {
                e.err(
                    &format!("{field}.{k}"),
                    format!("is not a date-time: {s:?}"),
                )
            }),
            Some(_) => Err(e.err(&format!("{field}.{k}"), "is not a date-time")),
        }
    };
    Ok((at("start")?, at("end")?))
}
