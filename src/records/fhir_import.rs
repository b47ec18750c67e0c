//! Reading FHIR R4 Bundles (as Synthea writes them) into a [`PatientRecord`].
//!
//! Pure: JSON in, domain values out. Storing them (in one transaction) is the caller's job.
//!
//! What is accepted:
//! - a `Bundle` of type transaction, batch, collection, searchset or document;
//! - exactly one `Patient` (with its race, ethnicity, birth sex, marital status, language and
//!   full address); Encounter, Condition, Observation, MedicationRequest, AllergyIntolerance,
//!   Immunization, Procedure, CarePlan, Goal, DiagnosticReport and ImagingStudy are read; every
//!   other resource type (Claim, ExplanationOfBenefit, ...) is skipped and counted in
//!   [`ParsedBundle::skipped`] (Organization and Practitioner are still used to name an
//!   encounter's provider and organization);
//! - references as `urn:uuid:` fullUrls, as `Type/id`, or as absolute URLs ending in `Type/id`.
//!
//! What is refused, with an error naming the resource (type and id, or entry index) and the field:
//! - a field that FHIR R4 requires and that the portal keeps, missing or of the wrong shape
//!   (Encounter.status/class, MedicationRequest.status/intent/medication, Observation.status/code,
//!   Immunization.status/vaccineCode/occurrenceDateTime, a subject/patient);
//! - a date that is not a FHIR date or date-time; a code outside its FHIR value set;
//! - a subject/patient reference to anyone but the bundle's Patient (a bundle may not mix patients);
//! - an encounter reference that does not resolve to an Encounter of the bundle, and likewise a
//!   report's result that is not an Observation of the bundle, a care plan's goal that is not a
//!   Goal, a plan's or goal's `addresses` that is not a Condition. We refuse rather than drop it: a dangling reference means a broken or truncated bundle, and storage keeps
//!   encounter links as foreign keys. Synthea's bundles always resolve.
//! - two resources of one type with the same id (import is idempotent on FHIR ids).
//!
//! Choices where FHIR leaves room: date-times are converted to UTC; a date without a time
//! ("2019-06-25", or partial "2019-06"/"2019") is taken as midnight UTC of its first day; a
//! date-time with a time but no offset is refused (FHIR requires the offset).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::model::{
    systems, Address, Allergy, AllergyCategory, Attachment, CarePlan, CarePlanActivity,
    ClinicalStatus, Component, ComponentValue, Concept, Condition, Criticality, Deceased,
    Demographics, DiagnosticReport, Encounter, Goal, ImagingInstance, ImagingSeries, ImagingStudy,
    Immunization, Medication, MedicationStatus, Mrn, Observation, ObservationCategory,
    ObservationValue, OmbStatement, Patient, PatientRecord, Procedure, Quantity, Sex,
};

/// A bundle read into one patient's record.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedBundle {
    pub record: PatientRecord,
    /// Resource types that were not imported, with how many of each.
    pub skipped: BTreeMap<String, usize>,
}

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
const IMPORTED: [&str; 12] = [
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
];

const ACCEPTED_BUNDLE_TYPES: [&str; 5] = [
    "transaction",
    "batch",
    "collection",
    "searchset",
    "document",
];

/// An MRN made from the FHIR id when the bundle carries none: the same id always gives the same
/// MRN, so importing a bundle twice agrees with itself.
pub fn derived_mrn(fhir_id: &str) -> Mrn {
    let digest = Sha256::digest(fhir_id.as_bytes());
    let hex: String = digest.iter().take(5).map(|b| format!("{b:02X}")).collect();
    Mrn {
        system: Some(systems::PORTAL_MRN.to_owned()),
        value: format!("MRN-{hex}"),
    }
}

pub fn parse_bundle(json: &Value) -> Result<ParsedBundle, ImportError> {
    let bundle = json
        .as_object()
        .ok_or_else(|| ImportError::NotABundle("the document is not a JSON object".into()))?;
    match bundle.get("resourceType").and_then(Value::as_str) {
        Some("Bundle") => {}
        Some(other) => {
            return Err(ImportError::NotABundle(format!(
                "resourceType is {other}, not Bundle"
            )))
        }
        None => return Err(ImportError::NotABundle("resourceType is missing".into())),
    }
    match bundle.get("type").and_then(Value::as_str) {
        Some(t) if ACCEPTED_BUNDLE_TYPES.contains(&t) => {}
        Some(t) => {
            return Err(ImportError::NotABundle(format!(
                "Bundle type {t} is not one of {}",
                ACCEPTED_BUNDLE_TYPES.join(", ")
            )))
        }
        None => return Err(ImportError::NotABundle("Bundle.type is missing".into())),
    }
    let entries: &[Value] = match bundle.get("entry") {
        None => &[],
        Some(Value::Array(a)) => a,
        Some(_) => return Err(ImportError::NotABundle("Bundle.entry is not a list".into())),
    };

    let index = Index::build(entries)?;

    let patients: Vec<&Entry> = index.of_type("Patient").collect();
    let patient_entry = match patients.as_slice() {
        [] => return Err(ImportError::NoPatient),
        [one] => *one,
        many => return Err(ImportError::SeveralPatients(many.len())),
    };
    let patient = parse_patient(patient_entry)?;
    let demographics = demographics(patient_entry)?;
    let patient_id = patient.fhir_id.clone();
    let mut reader = Reader {
        index: &index,
        patient_id: &patient_id,
        encounter_ids: HashSet::new(),
    };

    let mut record = PatientRecord::new(patient);
    record.demographics = demographics;
    for e in index.of_type("Encounter") {
        record.encounters.push(reader.encounter(e)?);
    }
    reader.encounter_ids = record
        .encounters
        .iter()
        .map(|e| e.fhir_id.clone())
        .collect();
    for e in &index.entries {
        match e.rtype {
            "Condition" => record.conditions.push(reader.condition(e)?),
            "Observation" => record.observations.push(reader.observation(e)?),
            "MedicationRequest" => record.medications.push(reader.medication(e)?),
            "AllergyIntolerance" => record.allergies.push(reader.allergy(e)?),
            "Immunization" => record.immunizations.push(reader.immunization(e)?),
            "Procedure" => record.procedures.push(reader.procedure(e)?),
            "CarePlan" => record.care_plans.push(reader.care_plan(e)?),
            "Goal" => record.goals.push(reader.goal(e)?),
            "DiagnosticReport" => record.reports.push(reader.report(e)?),
            "ImagingStudy" => record.imaging.push(reader.imaging_study(e)?),
            _ => {}
        }
    }

    let mut skipped = BTreeMap::new();
    for e in &index.entries {
        if !IMPORTED.contains(&e.rtype) {
            *skipped.entry(e.rtype.to_owned()).or_insert(0) += 1;
        }
    }
    Ok(ParsedBundle { record, skipped })
}

/// One bundle entry with what we need to name and find it.
struct Entry<'a> {
    rtype: &'a str,
    id: Option<String>,
    label: String,
    resource: &'a Map<String, Value>,
}

impl Entry<'_> {
    fn err(&self, field: &str, problem: impl Into<String>) -> ImportError {
        ImportError::Invalid {
            resource: self.label.clone(),
            field: field.to_owned(),
            problem: problem.into(),
        }
    }

    fn id(&self) -> Result<String, ImportError> {
        self.id.clone().ok_or_else(|| self.err("id", "is missing"))
    }

    fn get(&self, field: &str) -> Option<&Value> {
        self.resource.get(field)
    }

    fn string(&self, field: &str) -> Result<Option<String>, ImportError> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.err(field, "is not a string")),
        }
    }

    fn required_string(&self, field: &str) -> Result<String, ImportError> {
        self.string(field)?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| self.err(field, "is missing"))
    }

    fn datetime(&self, field: &str) -> Result<Option<DateTime<Utc>>, ImportError> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => parse_fhir_datetime(s)
                .map(Some)
                .ok_or_else(|| self.err(field, format!("is not a date-time: {s:?}"))),
            Some(_) => Err(self.err(field, "is not a date-time")),
        }
    }

    fn concept(&self, field: &str, preferred: &str) -> Result<Option<Concept>, ImportError> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => concept(v, preferred)
                .map(Some)
                .map_err(|problem| self.err(field, problem)),
        }
    }

    fn required_concept(&self, field: &str, preferred: &str) -> Result<Concept, ImportError> {
        self.concept(field, preferred)?
            .ok_or_else(|| self.err(field, "is missing"))
    }

    /// The code of the first coding of a CodeableConcept field (clinicalStatus and the like).
    fn status_code(&self, field: &str) -> Result<Option<String>, ImportError> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => first_code(v)
                .map(|c| Some(c.to_owned()))
                .ok_or_else(|| self.err(field, "has no coding with a code")),
        }
    }

    /// The first element of a list field (FHIR lists such as `type`, `reasonCode`).
    fn first(&self, field: &str) -> Result<Option<&Value>, ImportError> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => Ok(a.first()),
            Some(_) => Err(self.err(field, "is not a list")),
        }
    }
}

/// All entries of the bundle, and how references find them.
struct Index<'a> {
    entries: Vec<Entry<'a>>,
    by_full_url: HashMap<&'a str, usize>,
    by_type_id: HashMap<(String, String), usize>,
}

impl<'a> Index<'a> {
    fn build(entries: &'a [Value]) -> Result<Self, ImportError> {
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

    fn of_type<'s>(&'s self, rtype: &'s str) -> impl Iterator<Item = &'s Entry<'a>> + 's {
        self.entries.iter().filter(move |e| e.rtype == rtype)
    }

    /// The entry a reference string points at: a fullUrl (urn:uuid:...), `Type/id`, or an
    /// absolute URL ending in `Type/id` (optionally `/_history/n`).
    fn resolve(&self, reference: &str) -> Option<&Entry<'a>> {
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

struct Reader<'i, 'a> {
    index: &'i Index<'a>,
    patient_id: &'i str,
    encounter_ids: HashSet<String>,
}

impl Reader<'_, '_> {
    /// The `reference` string of a Reference field; `None` when the field is absent or only has a
    /// display.
    fn reference<'e>(&self, e: &'e Entry, field: &str) -> Result<Option<&'e str>, ImportError> {
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
    fn check_patient(&self, e: &Entry, field: &str, required: bool) -> Result<(), ImportError> {
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

    fn encounter_ref(&self, e: &Entry) -> Result<Option<String>, ImportError> {
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
    fn reference_name(&self, reference: Option<&Value>) -> Option<String> {
        let r = reference?.as_object()?;
        if let Some(d) = r.get("display").and_then(Value::as_str) {
            if !d.trim().is_empty() {
                return Some(d.trim().to_owned());
            }
        }
        let target = self.index.resolve(r.get("reference")?.as_str()?)?;
        match target.resource.get("name")? {
            Value::String(s) => Some(s.clone()),
            Value::Array(names) => names.first().and_then(human_name_text),
            _ => None,
        }
    }

    fn encounter(&self, e: &Entry) -> Result<Encounter, ImportError> {
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
        })
    }

    fn condition(&self, e: &Entry) -> Result<Condition, ImportError> {
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

    fn medication(&self, e: &Entry) -> Result<Medication, ImportError> {
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
        Ok(Medication {
            code,
            status,
            intent,
            authored_on: e.datetime("authoredOn")?,
            dosage: dosage_text(e.first("dosageInstruction")?),
            encounter: self.encounter_ref(e)?,
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

    fn allergy(&self, e: &Entry) -> Result<Allergy, ImportError> {
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

    fn immunization(&self, e: &Entry) -> Result<Immunization, ImportError> {
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

    fn observation(&self, e: &Entry) -> Result<Observation, ImportError> {
        let fhir_id = e.id()?;
        let status = e.required_string("status")?;
        let code = e.required_concept("code", systems::LOINC)?;
        self.check_patient(e, "subject", false)?;
        let category = observation_category(e)?;
        let effective = match e.datetime("effectiveDateTime")? {
            Some(t) => t,
            None => match e.datetime("effectiveInstant")? {
                Some(t) => t,
                None => match e.get("effectivePeriod") {
                    Some(Value::Object(p)) => match p.get("start").and_then(Value::as_str) {
                        Some(s) => parse_fhir_datetime(s).ok_or_else(|| {
                            e.err(
                                "effectivePeriod.start",
                                format!("is not a date-time: {s:?}"),
                            )
                        })?,
                        None => return Err(e.err("effectivePeriod.start", "is missing")),
                    },
                    _ => return Err(e.err("effectiveDateTime", "is missing")),
                },
            },
        };
        let value = observation_value(e)?;
        Ok(Observation {
            fhir_id,
            code,
            status,
            category,
            effective,
            value,
            encounter: self.encounter_ref(e)?,
        })
    }

    /// The `fhir_id`s a list of References points at, each of which must be a `target` of the
    /// bundle (a dangling link means a broken bundle, as for encounters).
    fn linked_ids(&self, e: &Entry, field: &str, target: &str) -> Result<Vec<String>, ImportError> {
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

    fn procedure(&self, e: &Entry) -> Result<Procedure, ImportError> {
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
        let reason = match e.first("reasonCode")? {
            Some(v) => Some(concept(v, systems::SNOMED).map_err(|p| e.err("reasonCode", p))?),
            None => self
                .linked_ids(e, "reasonReference", "Condition")
                .ok()
                .and_then(|ids| ids.into_iter().next())
                .and_then(|id| self.index.resolve(&format!("Condition/{id}")))
                .and_then(|c| c.get("code"))
                .and_then(|c| concept(c, systems::SNOMED).ok()),
        };
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

    fn care_plan(&self, e: &Entry) -> Result<CarePlan, ImportError> {
        let fhir_id = e.id()?;
        let status = e.required_string("status")?;
        if !REQUEST_STATUS.contains(&status.as_str()) {
            return Err(e.err("status", format!("has an unknown code {status:?}")));
        }
        let intent = e.required_string("intent")?;
        self.check_patient(e, "subject", true)?;
        let mut categories = Vec::new();
        for (i, c) in list(e, "category")?.iter().enumerate() {
            categories.push(
                concept(c, systems::SNOMED).map_err(|p| e.err(&format!("category[{i}]"), p))?,
            );
        }
        let (start, end) = period(e, "period")?;
        let mut activities = Vec::new();
        for (i, a) in list(e, "activity")?.iter().enumerate() {
            let field = format!("activity[{i}].detail");
            // An activity may instead point at a request resource; only `detail` is kept.
            let Some(detail) = a.get("detail") else {
                continue;
            };
            let detail = detail
                .as_object()
                .ok_or_else(|| e.err(&field, "is not an object"))?;
            let code = match detail.get("code") {
                None | Some(Value::Null) => None,
                Some(c) => Some(
                    concept(c, systems::SNOMED).map_err(|p| e.err(&format!("{field}.code"), p))?,
                ),
            };
            let status = match detail.get("status") {
                Some(Value::String(s)) if ACTIVITY_STATUS.contains(&s.as_str()) => s.clone(),
                Some(Value::String(s)) => {
                    return Err(e.err(
                        &format!("{field}.status"),
                        format!("has an unknown code {s:?}"),
                    ))
                }
                _ => return Err(e.err(&format!("{field}.status"), "is missing")),
            };
            let location = detail
                .get("location")
                .and_then(|l| l.get("display"))
                .and_then(Value::as_str)
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty());
            activities.push(CarePlanActivity {
                code,
                status,
                location,
            });
        }
        Ok(CarePlan {
            status,
            intent,
            categories,
            start,
            end,
            addresses: self.linked_ids(e, "addresses", "Condition")?,
            goals: self.linked_ids(e, "goal", "Goal")?,
            activities,
            encounter: self.encounter_ref(e)?,
            fhir_id,
        })
    }

    fn goal(&self, e: &Entry) -> Result<Goal, ImportError> {
        let fhir_id = e.id()?;
        let lifecycle_status = e.required_string("lifecycleStatus")?;
        if !GOAL_LIFECYCLE.contains(&lifecycle_status.as_str()) {
            return Err(e.err(
                "lifecycleStatus",
                format!("has an unknown code {lifecycle_status:?}"),
            ));
        }
        self.check_patient(e, "subject", true)?;
        Ok(Goal {
            lifecycle_status,
            achievement_status: e.status_code("achievementStatus")?,
            description: e.required_concept("description", systems::SNOMED)?,
            start: e.datetime("startDate")?,
            addresses: self.linked_ids(e, "addresses", "Condition")?,
            fhir_id,
        })
    }

    fn report(&self, e: &Entry) -> Result<DiagnosticReport, ImportError> {
        let fhir_id = e.id()?;
        let status = e.required_string("status")?;
        if !REPORT_STATUS.contains(&status.as_str()) {
            return Err(e.err("status", format!("has an unknown code {status:?}")));
        }
        let code = e.required_concept("code", systems::LOINC)?;
        self.check_patient(e, "subject", false)?;
        let mut categories = Vec::new();
        for (i, c) in list(e, "category")?.iter().enumerate() {
            categories.push(concept(c, "").map_err(|p| e.err(&format!("category[{i}]"), p))?);
        }
        let effective = match e.datetime("effectiveDateTime")? {
            Some(t) => Some(t),
            None => period(e, "effectivePeriod")?.0,
        };
        let mut presented_forms = Vec::new();
        for (i, a) in list(e, "presentedForm")?.iter().enumerate() {
            let field = format!("presentedForm[{i}]");
            let a = a
                .as_object()
                .ok_or_else(|| e.err(&field, "is not an Attachment"))?;
            let text = |k: &str| -> Result<Option<String>, ImportError> {
                match a.get(k) {
                    None | Some(Value::Null) => Ok(None),
                    Some(Value::String(s)) => Ok(Some(s.clone())),
                    Some(_) => Err(e.err(&format!("{field}.{k}"), "is not a string")),
                }
            };
            presented_forms.push(Attachment {
                content_type: text("contentType")?,
                title: text("title")?,
                data: text("data")?,
                url: text("url")?,
            });
        }
        Ok(DiagnosticReport {
            status,
            code,
            categories,
            effective,
            issued: e.datetime("issued")?,
            results: self.linked_ids(e, "result", "Observation")?,
            conclusion: e.string("conclusion")?.filter(|c| !c.trim().is_empty()),
            presented_forms,
            encounter: self.encounter_ref(e)?,
            fhir_id,
        })
    }

    fn imaging_study(&self, e: &Entry) -> Result<ImagingStudy, ImportError> {
        let fhir_id = e.id()?;
        let status = e.required_string("status")?;
        if !IMAGING_STATUS.contains(&status.as_str()) {
            return Err(e.err("status", format!("has an unknown code {status:?}")));
        }
        self.check_patient(e, "subject", true)?;
        let mut series = Vec::new();
        for (i, s) in list(e, "series")?.iter().enumerate() {
            let field = format!("series[{i}]");
            let s = s
                .as_object()
                .ok_or_else(|| e.err(&field, "is not an object"))?;
            let uid = match s.get("uid") {
                Some(Value::String(u)) if !u.is_empty() => u.clone(),
                _ => return Err(e.err(&format!("{field}.uid"), "is missing")),
            };
            let modality = coding(
                s.get("modality")
                    .ok_or_else(|| e.err(&format!("{field}.modality"), "is missing"))?,
            )
            .map_err(|p| e.err(&format!("{field}.modality"), p))?;
            let body_site = match s.get("bodySite") {
                None | Some(Value::Null) => None,
                Some(b) => Some(coding(b).map_err(|p| e.err(&format!("{field}.bodySite"), p))?),
            };
            let started = match s.get("started") {
                None | Some(Value::Null) => None,
                Some(Value::String(t)) => Some(parse_fhir_datetime(t).ok_or_else(|| {
                    e.err(
                        &format!("{field}.started"),
                        format!("is not a date-time: {t:?}"),
                    )
                })?),
                Some(_) => return Err(e.err(&format!("{field}.started"), "is not a date-time")),
            };
            let mut instances = Vec::new();
            let raw_instances: &[Value] = match s.get("instance") {
                None | Some(Value::Null) => &[],
                Some(Value::Array(a)) => a,
                Some(_) => return Err(e.err(&format!("{field}.instance"), "is not a list")),
            };
            for (j, inst) in raw_instances.iter().enumerate() {
                let f = format!("{field}.instance[{j}]");
                let uid = inst
                    .get("uid")
                    .and_then(Value::as_str)
                    .filter(|u| !u.is_empty())
                    .ok_or_else(|| e.err(&format!("{f}.uid"), "is missing"))?
                    .to_owned();
                let sop_class = coding(
                    inst.get("sopClass")
                        .ok_or_else(|| e.err(&format!("{f}.sopClass"), "is missing"))?,
                )
                .map_err(|p| e.err(&format!("{f}.sopClass"), p))?;
                instances.push(ImagingInstance {
                    uid,
                    sop_class,
                    number: inst.get("number").and_then(Value::as_u64),
                    title: inst.get("title").and_then(Value::as_str).map(str::to_owned),
                });
            }
            series.push(ImagingSeries {
                uid,
                number: s.get("number").and_then(Value::as_u64),
                modality,
                body_site,
                started,
                instances,
            });
        }
        Ok(ImagingStudy {
            status,
            started: e.datetime("started")?,
            description: e.string("description")?,
            series,
            encounter: self.encounter_ref(e)?,
            fhir_id,
        })
    }
}

fn parse_patient(e: &Entry) -> Result<Patient, ImportError> {
    let fhir_id = e.id()?;
    let (given, family) = patient_name(e)?;
    let birth_date = match e.get("birthDate") {
        Some(Value::String(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| e.err("birthDate", format!("is not a full date: {s:?}")))?,
        Some(_) => return Err(e.err("birthDate", "is not a date")),
        None => return Err(e.err("birthDate", "is missing")),
    };
    let sex = match e.string("gender")? {
        None => Sex::Unknown,
        Some(g) => Sex::from_fhir(&g)
            .ok_or_else(|| e.err("gender", format!("has an unknown code {g:?}")))?,
    };
    let deceased =
        match (e.get("deceasedDateTime"), e.get("deceasedBoolean")) {
            (Some(Value::String(s)), _) => Some(if s.len() <= 10 {
                Deceased::OnDate(
                    NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map_err(|_| e.err("deceasedDateTime", format!("is not a date: {s:?}")))?,
                )
            } else {
                Deceased::At(parse_fhir_datetime(s).ok_or_else(|| {
                    e.err("deceasedDateTime", format!("is not a date-time: {s:?}"))
                })?)
            }),
            (Some(_), _) => return Err(e.err("deceasedDateTime", "is not a date-time")),
            (None, Some(Value::Bool(true))) => Some(Deceased::DateUnknown),
            (None, Some(Value::Bool(false)) | None) => None,
            (None, Some(_)) => return Err(e.err("deceasedBoolean", "is not a boolean")),
        };
    let mrn = medical_record_number(e)?.unwrap_or_else(|| derived_mrn(&fhir_id));
    Ok(Patient {
        address: one_line_address(e),
        phone: phone(e),
        fhir_id,
        given,
        family,
        birth_date,
        sex,
        deceased,
        mrn,
    })
}

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
const REQUEST_STATUS: [&str; 7] = [
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
];
const ACTIVITY_STATUS: [&str; 9] = [
    "not-started",
    "scheduled",
    "in-progress",
    "on-hold",
    "completed",
    "cancelled",
    "stopped",
    "unknown",
    "entered-in-error",
];
const GOAL_LIFECYCLE: [&str; 9] = [
    "proposed",
    "planned",
    "accepted",
    "active",
    "on-hold",
    "completed",
    "cancelled",
    "entered-in-error",
    "rejected",
];
const REPORT_STATUS: [&str; 10] = [
    "registered",
    "partial",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "appended",
    "cancelled",
    "entered-in-error",
    "unknown",
];
const IMAGING_STATUS: [&str; 5] = [
    "registered",
    "available",
    "cancelled",
    "entered-in-error",
    "unknown",
];

/// A list field; absent is empty.
fn list<'e>(e: &'e Entry, field: &str) -> Result<&'e [Value], ImportError> {
    match e.get(field) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(e.err(field, "is not a list")),
    }
}

/// A Period field's start and end.
type Span = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn period(e: &Entry, field: &str) -> Result<Span, ImportError> {
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

/// A FHIR `Coding` (not a CodeableConcept) as a [`Concept`]; it must have a code.
fn coding(v: &Value) -> Result<Concept, String> {
    let obj = v.as_object().ok_or("is not a Coding")?;
    let s = |k: &str| obj.get(k).and_then(Value::as_str).map(str::trim);
    let code = s("code").filter(|c| !c.is_empty()).ok_or("has no code")?;
    Ok(Concept {
        system: s("system").unwrap_or_default().to_owned(),
        code: code.to_owned(),
        display: s("display")
            .filter(|d| !d.is_empty())
            .unwrap_or(code)
            .to_owned(),
    })
}

const US_CORE_RACE: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race";
const US_CORE_ETHNICITY: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity";
const US_CORE_BIRTH_SEX: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex";

/// What the Patient says beyond the basics. Unreadable optional parts are refused like any
/// other malformed field, so what is kept is exactly what the export gives back.
fn demographics(e: &Entry) -> Result<Demographics, ImportError> {
    let mut d = Demographics::default();
    for ext in list(e, "extension")? {
        let url = ext.get("url").and_then(Value::as_str).unwrap_or_default();
        match url {
            US_CORE_RACE | US_CORE_ETHNICITY => {
                let mut omb = OmbStatement::default();
                for sub in ext
                    .get("extension")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    let kind = sub.get("url").and_then(Value::as_str).unwrap_or_default();
                    match kind {
                        "ombCategory" | "detailed" => {
                            let c = coding(sub.get("valueCoding").unwrap_or(&Value::Null))
                                .map_err(|p| e.err(&format!("extension {url} {kind}"), p))?;
                            if kind == "ombCategory" {
                                omb.categories.push(c);
                            } else {
                                omb.detailed.push(c);
                            }
                        }
                        "text" => {
                            omb.text = sub
                                .get("valueString")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned();
                        }
                        _ => {}
                    }
                }
                if url == US_CORE_RACE {
                    d.race = Some(omb);
                } else {
                    d.ethnicity = Some(omb);
                }
            }
            US_CORE_BIRTH_SEX => {
                d.birth_sex = ext
                    .get("valueCode")
                    .and_then(Value::as_str)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned);
            }
            _ => {}
        }
    }
    d.marital_status = e.concept("maritalStatus", "")?;
    if let Some(first) = list(e, "communication")?.first() {
        if let Some(lang) = first.get("language") {
            d.language =
                Some(concept(lang, "urn:ietf:bcp:47").map_err(|p| e.err("communication", p))?);
        }
    }
    d.address = full_address(e);
    Ok(d)
}

const GEOLOCATION: &str = "http://hl7.org/fhir/StructureDefinition/geolocation";

/// A part of the address's standard geolocation extension.
fn geolocation(address: &Value, part: &str) -> Option<f64> {
    address
        .get("extension")?
        .as_array()?
        .iter()
        .find(|x| x.get("url").and_then(Value::as_str) == Some(GEOLOCATION))?
        .get("extension")?
        .as_array()?
        .iter()
        .find(|x| x.get("url").and_then(Value::as_str) == Some(part))?
        .get("valueDecimal")?
        .as_f64()
}

/// The same address `one_line_address` chose (home, else the first), with all its parts.
fn full_address(e: &Entry) -> Option<Address> {
    let addresses = e.get("address")?.as_array()?;
    let a = addresses
        .iter()
        .find(|a| a.get("use").and_then(Value::as_str) == Some("home"))
        .or_else(|| addresses.first())?;
    let field = |name: &str| {
        a.get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let address = Address {
        use_: field("use"),
        text: field("text"),
        lines: a
            .get("line")
            .and_then(Value::as_array)
            .map(|lines| {
                lines
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        city: field("city"),
        district: field("district"),
        state: field("state"),
        postal_code: field("postalCode"),
        country: field("country"),
        latitude: geolocation(a, "latitude"),
        longitude: geolocation(a, "longitude"),
    };
    // A home address given only as text is all `Patient::address` already holds (and how the
    // export writes records that never had more): keeping it twice would break the round trip.
    let only_text = Address {
        use_: None,
        text: address.text.clone(),
        ..Address::default()
    };
    let as_plain_text = address.use_.as_deref().is_none_or(|u| u == "home")
        && Address {
            use_: None,
            ..address.clone()
        } == only_text;
    (!as_plain_text).then_some(address)
}

/// The official name, else the usual one, else the first.
fn patient_name(e: &Entry) -> Result<(String, String), ImportError> {
    let names = match e.get("name") {
        Some(Value::Array(n)) if !n.is_empty() => n,
        Some(Value::Array(_)) | None => return Err(e.err("name", "is missing")),
        Some(_) => return Err(e.err("name", "is not a list")),
    };
    let with_use = |u: &str| {
        names
            .iter()
            .find(|n| n.get("use").and_then(Value::as_str) == Some(u))
    };
    let name = with_use("official")
        .or_else(|| with_use("usual"))
        .or_else(|| names.first())
        .ok_or_else(|| e.err("name", "is missing"))?;
    let given = match name.get("given") {
        None | Some(Value::Null) => String::new(),
        Some(Value::Array(parts)) => {
            let mut words = Vec::new();
            for p in parts {
                words.push(
                    p.as_str()
                        .ok_or_else(|| e.err("name.given", "is not a list of strings"))?
                        .trim(),
                );
            }
            words.retain(|w| !w.is_empty());
            words.join(" ")
        }
        Some(_) => return Err(e.err("name.given", "is not a list")),
    };
    let family = match name.get("family") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(_) => return Err(e.err("name.family", "is not a string")),
    };
    if given.is_empty() && family.is_empty() {
        return Err(e.err("name", "has neither given nor family name"));
    }
    Ok((given, family))
}

fn medical_record_number(e: &Entry) -> Result<Option<Mrn>, ImportError> {
    let ids = match e.get("identifier") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(ids)) => ids,
        Some(_) => return Err(e.err("identifier", "is not a list")),
    };
    for id in ids {
        let is_mr = id
            .pointer("/type/coding")
            .and_then(Value::as_array)
            .is_some_and(|codings| {
                codings.iter().any(|c| {
                    c.get("code").and_then(Value::as_str) == Some("MR")
                        && c.get("system")
                            .and_then(Value::as_str)
                            .is_none_or(|s| s == systems::IDENTIFIER_TYPE)
                })
            });
        if !is_mr {
            continue;
        }
        let value = id
            .get("value")
            .and_then(Value::as_str)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| e.err("identifier", "MR identifier has no value"))?;
        return Ok(Some(Mrn {
            system: id.get("system").and_then(Value::as_str).map(str::to_owned),
            value: value.trim().to_owned(),
        }));
    }
    Ok(None)
}

/// The home address (else the first one) on one line.
fn one_line_address(e: &Entry) -> Option<String> {
    let addresses = e.get("address")?.as_array()?;
    let address = addresses
        .iter()
        .find(|a| a.get("use").and_then(Value::as_str) == Some("home"))
        .or_else(|| addresses.first())?;
    if let Some(text) = address.get("text").and_then(Value::as_str) {
        if !text.trim().is_empty() {
            return Some(text.trim().to_owned());
        }
    }
    let field = |name: &str| {
        address
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let mut parts: Vec<String> = address
        .get("line")
        .and_then(Value::as_array)
        .map(|lines| {
            lines
                .iter()
                .filter_map(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    parts.extend(field("city").map(str::to_owned));
    let state_zip: Vec<&str> = [field("state"), field("postalCode")]
        .into_iter()
        .flatten()
        .collect();
    if !state_zip.is_empty() {
        parts.push(state_zip.join(" "));
    }
    parts.extend(field("country").map(str::to_owned));
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A phone number: home, else mobile, else the first phone.
fn phone(e: &Entry) -> Option<String> {
    let telecom = e.get("telecom")?.as_array()?;
    let phones: Vec<&Value> = telecom
        .iter()
        .filter(|t| t.get("system").and_then(Value::as_str) == Some("phone"))
        .collect();
    let with_use = |u: &str| {
        phones
            .iter()
            .find(|t| t.get("use").and_then(Value::as_str) == Some(u))
    };
    let chosen = with_use("home")
        .or_else(|| with_use("mobile"))
        .or_else(|| phones.first())?;
    chosen
        .get("value")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// "Dr. June Kassulke" from a HumanName.
fn human_name_text(name: &Value) -> Option<String> {
    if let Some(t) = name.get("text").and_then(Value::as_str) {
        return Some(t.to_owned());
    }
    let mut words: Vec<&str> = Vec::new();
    for part in ["prefix", "given"] {
        if let Some(list) = name.get(part).and_then(Value::as_array) {
            words.extend(list.iter().filter_map(Value::as_str));
        }
    }
    words.extend(name.get("family").and_then(Value::as_str));
    (!words.is_empty()).then(|| words.join(" "))
}

/// A CodeableConcept as a [`Concept`]: the coding of the preferred system if there is one, else
/// the first coding with a code. A concept with only `text` gives an empty code and system.
fn concept(v: &Value, preferred: &str) -> Result<Concept, String> {
    let obj = v.as_object().ok_or("is not a CodeableConcept")?;
    let text = match obj.get("text") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s.trim()),
        Some(_) => return Err("text is not a string".into()),
    };
    let codings: &[Value] = match obj.get("coding") {
        None | Some(Value::Null) => &[],
        Some(Value::Array(c)) => c,
        Some(_) => return Err("coding is not a list".into()),
    };
    let usable = |c: &&Value| {
        c.get("code")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.trim().is_empty())
    };
    let chosen = codings
        .iter()
        .filter(usable)
        .find(|c| c.get("system").and_then(Value::as_str) == Some(preferred))
        .or_else(|| codings.iter().find(usable));
    match chosen {
        Some(c) => {
            let code = c.get("code").and_then(Value::as_str).unwrap_or_default();
            let display = text
                .or_else(|| {
                    c.get("display")
                        .and_then(Value::as_str)
                        .filter(|d| !d.trim().is_empty())
                })
                .unwrap_or(code);
            Ok(Concept {
                system: c
                    .get("system")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                code: code.trim().to_owned(),
                display: display.trim().to_owned(),
            })
        }
        None => match text {
            Some(t) => Ok(Concept::new("", "", t)),
            None => Err("has neither a coding with a code nor text".into()),
        },
    }
}

fn first_code(v: &Value) -> Option<&str> {
    v.get("coding")?
        .as_array()?
        .iter()
        .find_map(|c| c.get("code").and_then(Value::as_str))
        .filter(|c| !c.is_empty())
}

fn observation_category(e: &Entry) -> Result<ObservationCategory, ImportError> {
    let cats = match e.get("category") {
        None | Some(Value::Null) => return Ok(ObservationCategory::Other(String::new())),
        Some(Value::Array(c)) => c,
        Some(_) => return Err(e.err("category", "is not a list")),
    };
    let codings = cats
        .iter()
        .filter_map(|c| c.get("coding").and_then(Value::as_array))
        .flatten();
    let mut first = None;
    for c in codings {
        let Some(code) = c.get("code").and_then(Value::as_str) else {
            continue;
        };
        if c.get("system").and_then(Value::as_str) == Some(systems::OBSERVATION_CATEGORY) {
            return Ok(ObservationCategory::from_fhir(code));
        }
        first.get_or_insert(code);
    }
    Ok(ObservationCategory::from_fhir(first.unwrap_or_default()))
}

/// value[x] types the portal has no page for. They are valid FHIR, so a bundle holding them is
/// imported, and the value is kept as a short text a reader can make sense of.
fn describe_other_value(field: &str, v: &Value) -> Option<String> {
    let num = |q: Option<&Value>| -> Option<String> {
        let q = q?;
        let value = q.get("value")?.as_f64()?;
        let unit = q
            .get("unit")
            .or_else(|| q.get("code"))
            .and_then(Value::as_str)
            .unwrap_or("");
        Some(
            format!("{} {unit}", super::ranges::format_significant(value))
                .trim()
                .to_string(),
        )
    };
    Some(match field {
        "valueRange" => match (num(v.get("low")), num(v.get("high"))) {
            (Some(l), Some(h)) => format!("{l} to {h}"),
            (Some(l), None) => format!("{l} or more"),
            (None, Some(h)) => format!("{h} or less"),
            (None, None) => "A range (no values given)".into(),
        },
        "valueRatio" => match (num(v.get("numerator")), num(v.get("denominator"))) {
            (Some(n), Some(d)) => format!("{n} : {d}"),
            _ => "A ratio (no values given)".into(),
        },
        "valuePeriod" => {
            let start = v.get("start").and_then(Value::as_str).unwrap_or("?");
            let end = v.get("end").and_then(Value::as_str).unwrap_or("?");
            format!("{start} to {end}")
        }
        "valueSampledData" => "Recorded waveform data (not shown here)".into(),
        "valueAttachment" => v
            .get("title")
            .and_then(Value::as_str)
            .map(|t| format!("Attachment: {t} (not shown here)"))
            .unwrap_or_else(|| "An attachment (not shown here)".into()),
        _ => return None,
    })
}

const OTHER_VALUES: [&str; 5] = [
    "valueRange",
    "valueRatio",
    "valueSampledData",
    "valuePeriod",
    "valueAttachment",
];

/// value[x] of an Observation or component.
enum Scalar {
    Quantity(Quantity),
    Text(String),
    Coded(Concept),
    /// A type kept as words plus its FHIR form (see `ObservationValue::Other`).
    Other {
        field: String,
        text: String,
        fhir: Value,
    },
}

fn scalar_value(
    obj: &Map<String, Value>,
    field_prefix: &str,
) -> Result<Option<Scalar>, (String, String)> {
    let err = |f: &str, p: &str| (format!("{field_prefix}{f}"), p.to_owned());
    if let Some(q) = obj.get("valueQuantity") {
        let q = q
            .as_object()
            .ok_or_else(|| err("valueQuantity", "is not a Quantity"))?;
        let value = match q.get("value") {
            Some(Value::Number(n)) => n
                .as_f64()
                .ok_or_else(|| err("valueQuantity.value", "is not a number"))?,
            Some(_) => return Err(err("valueQuantity.value", "is not a number")),
            None => return Err(err("valueQuantity.value", "is missing")),
        };
        // The UCUM code is what ranges are keyed on; `unit` is the human form, the same in Synthea.
        let unit = ["code", "unit"]
            .iter()
            .find_map(|k| q.get(*k).and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned();
        return Ok(Some(Scalar::Quantity(Quantity { value, unit })));
    }
    if let Some(c) = obj.get("valueCodeableConcept") {
        let c = concept(c, systems::SNOMED).map_err(|p| err("valueCodeableConcept", &p))?;
        return Ok(Some(Scalar::Coded(c)));
    }
    if let Some(s) = obj.get("valueString") {
        let s = s
            .as_str()
            .ok_or_else(|| err("valueString", "is not a string"))?;
        return Ok(Some(Scalar::Text(s.to_owned())));
    }
    let other = |field: &str, text: String, fhir: &Value| Scalar::Other {
        field: field.to_owned(),
        text,
        fhir: fhir.clone(),
    };
    // Kept as written, so the export gives back a valueInteger rather than a unitless quantity.
    if let Some(v) = obj.get("valueInteger") {
        let n = v
            .as_i64()
            .ok_or_else(|| err("valueInteger", "is not a whole number"))?;
        return Ok(Some(other("valueInteger", n.to_string(), v)));
    }
    if let Some(v) = obj.get("valueBoolean") {
        let b = v
            .as_bool()
            .ok_or_else(|| err("valueBoolean", "is not a boolean"))?;
        let text = if b { "Yes" } else { "No" };
        return Ok(Some(other("valueBoolean", text.to_owned(), v)));
    }
    for f in ["valueDateTime", "valueTime"] {
        if let Some(v) = obj.get(f) {
            let s = v.as_str().ok_or_else(|| err(f, "is not a string"))?;
            return Ok(Some(other(f, s.to_owned(), v)));
        }
    }
    for f in OTHER_VALUES {
        if let Some(v) = obj.get(f) {
            let text = describe_other_value(f, v).ok_or_else(|| err(f, "cannot be read"))?;
            return Ok(Some(other(f, text, v)));
        }
    }
    Ok(None)
}

fn observation_value(e: &Entry) -> Result<ObservationValue, ImportError> {
    let single = scalar_value(e.resource, "").map_err(|(f, p)| e.err(&f, p))?;
    let components = match e.get("component") {
        None | Some(Value::Null) => None,
        Some(Value::Array(c)) if c.is_empty() => None,
        Some(Value::Array(c)) => Some(c),
        Some(_) => return Err(e.err("component", "is not a list")),
    };
    match (single, components) {
        // FHIR allows both; the parts carry the detail (as in a blood pressure), so keep them.
        (Some(_), Some(parts)) => components_value(e, parts),
        (Some(Scalar::Quantity(q)), None) => Ok(ObservationValue::Quantity(q)),
        (Some(Scalar::Text(t)), None) => Ok(ObservationValue::Text(t)),
        (Some(Scalar::Coded(c)), None) => Ok(ObservationValue::Coded(c)),
        (Some(Scalar::Other { field, text, fhir }), None) => {
            Ok(ObservationValue::Other { field, text, fhir })
        }
        (None, None) => Ok(ObservationValue::Empty),
        (None, Some(parts)) => components_value(e, parts),
    }
}

fn components_value(e: &Entry, parts: &[Value]) -> Result<ObservationValue, ImportError> {
    let mut out = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        let field = format!("component[{i}]");
        let obj = part
            .as_object()
            .ok_or_else(|| e.err(&field, "is not an object"))?;
        let code = concept(
            obj.get("code")
                .ok_or_else(|| e.err(&format!("{field}.code"), "is missing"))?,
            systems::LOINC,
        )
        .map_err(|p| e.err(&format!("{field}.code"), p))?;
        let value = match scalar_value(obj, &format!("{field}.")).map_err(|(f, p)| e.err(&f, p))? {
            Some(Scalar::Quantity(q)) => ComponentValue::Quantity(q),
            Some(Scalar::Text(t)) => ComponentValue::Text(t),
            Some(Scalar::Coded(c)) => ComponentValue::Coded(c),
            // Components keep such values as words only.
            Some(Scalar::Other { text, .. }) => ComponentValue::Text(text),
            None => ComponentValue::Empty,
        };
        out.push(Component { code, value });
    }
    Ok(ObservationValue::Components(out))
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

/// A FHIR date or dateTime in UTC. Full date-times need an offset (as FHIR requires); a date, or
/// a partial date ("2019-06", "2019"), is taken as midnight UTC of its first day.
pub fn parse_fhir_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.contains('T') {
        return DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc));
    }
    let date = match s.len() {
        10 => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?,
        7 => NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok()?,
        4 if s.bytes().all(|b| b.is_ascii_digit()) => {
            NaiveDate::parse_from_str(&format!("{s}-01-01"), "%Y-%m-%d").ok()?
        }
        _ => return None,
    };
    Some(date.and_hms_opt(0, 0, 0)?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::model::AllergySummary;
    use crate::records::test_support::synthea_json;
    use serde_json::json;

    fn parse_ok(v: &Value) -> ParsedBundle {
        match parse_bundle(v) {
            Ok(p) => p,
            Err(e) => panic!("bundle refused: {e}"),
        }
    }

    fn err_text(v: &Value) -> String {
        match parse_bundle(v) {
            Ok(_) => panic!("bundle accepted, expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn clemente_counts_and_values() {
        let Some(json) = synthea_json("Clemente_Kreiger") else {
            return;
        };
        let parsed = parse_ok(&json);
        let r = &parsed.record;
        assert_eq!(r.encounters.len(), 3);
        assert_eq!(r.observations.len(), 48);
        assert_eq!(r.conditions.len(), 1);
        assert_eq!(r.immunizations.len(), 4);
        assert_eq!(r.medications.len(), 0);
        assert_eq!(r.allergies.len(), 0);
        assert_eq!(r.allergy_summary(), AllergySummary::NoneRecorded);

        let p = &r.patient;
        assert_eq!(p.fhir_id, "d78af07c-9cb9-4f31-9b11-c45a28f2eec8");
        assert_eq!(
            (p.given.as_str(), p.family.as_str()),
            ("Clemente", "Kreiger")
        );
        assert_eq!(
            p.birth_date,
            NaiveDate::from_ymd_opt(1984, 7, 2).unwrap_or_default()
        );
        assert_eq!(p.sex, Sex::Male);
        assert_eq!(p.deceased, None);
        assert_eq!(p.mrn.value, "1484a42d-0eaf-4654-9cbf-6b050a5cd73b");
        assert_eq!(
            p.mrn.system.as_deref(),
            Some("http://hospital.smarthealthit.org")
        );
        assert_eq!(
            p.address.as_deref(),
            Some("931 Doyle Corner Apt 89, Wilmington, Massachusetts 01887, US")
        );
        assert_eq!(p.phone.as_deref(), Some("555-767-7476"));

        let skipped: Vec<(&str, usize)> = parsed
            .skipped
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        assert_eq!(
            skipped,
            [
                ("Claim", 3),
                ("ExplanationOfBenefit", 3),
                ("Organization", 1),
                ("Practitioner", 1),
            ]
        );

        let enc = &r.encounters[0];
        assert_eq!(enc.class_code, "AMB");
        assert_eq!(enc.status, "finished");
        assert_eq!(enc.title(), "Encounter for check up (procedure)");
        assert_eq!(enc.provider.as_deref(), Some("Dr. June Kassulke"));
        assert_eq!(
            enc.organization.as_deref(),
            Some("LAHEY HOSPITAL & MEDICAL CENTER, BURLINGTON")
        );
        assert_eq!(enc.start.to_rfc3339(), "2012-09-10T15:29:24+00:00");

        // Every observation points at one of the three encounters.
        assert!(r.observations.iter().all(|o| o
            .encounter
            .as_ref()
            .is_some_and(|id| r.encounters.iter().any(|e| &e.fhir_id == id))));

        // Blood pressure arrives as components.
        let bp = r
            .observations
            .iter()
            .find(|o| o.fhir_id == "d1b60d57-c1a2-4b70-b18a-34169ada507e")
            .unwrap_or_else(|| panic!("blood pressure observation missing"));
        assert_eq!(bp.loinc(), Some("55284-4"));
        assert_eq!(bp.category, ObservationCategory::VitalSigns);
        assert_eq!(
            bp.component("8480-6"),
            Some(&Quantity {
                value: 106.6797730199243,
                unit: "mm[Hg]".into()
            })
        );
        assert_eq!(
            bp.component("8462-4").map(|q| q.value),
            Some(71.57727343548594)
        );

        // A coded value keeps its code, not only its text.
        let smoking = r
            .observations
            .iter()
            .find(|o| o.fhir_id == "92d5b64d-22da-4ff0-a4a9-2cf57e356e00")
            .unwrap_or_else(|| panic!("smoking observation missing"));
        assert_eq!(
            smoking.value,
            ObservationValue::Coded(Concept::new(systems::SNOMED, "266919005", "Never smoker"))
        );
        assert_eq!(
            smoking.category,
            ObservationCategory::Other("survey".into())
        );

        let labs = r
            .observations
            .iter()
            .filter(|o| o.category == ObservationCategory::Laboratory)
            .count();
        let vitals = r
            .observations
            .iter()
            .filter(|o| o.category == ObservationCategory::VitalSigns)
            .count();
        assert_eq!(labs + vitals + 3, 48, "3 survey observations");
    }

    #[test]
    fn louis_counts_and_values() {
        let Some(json) = synthea_json("Louis_Erdman") else {
            return;
        };
        let parsed = parse_ok(&json);
        let r = &parsed.record;
        assert_eq!(r.encounters.len(), 12);
        assert_eq!(r.allergies.len(), 1);
        assert_eq!(r.medications.len(), 4);
        assert_eq!(r.conditions.len(), 3);
        assert_eq!(r.observations.len(), 50);
        assert_eq!(r.immunizations.len(), 9);
        assert_eq!(r.imaging.len(), 1);
        assert_eq!(r.care_plans.len(), 4);
        assert_eq!(r.procedures.len(), 4);
        assert_eq!(r.reports.len(), 3);
        assert_eq!(parsed.skipped.get("Claim"), Some(&16));
        assert_eq!(parsed.skipped.get("ImagingStudy"), None);
        assert_eq!(r.patient.birth_date.to_string(), "1989-07-27");

        let fish = &r.allergies[0];
        assert_eq!(fish.code.code, "417532002");
        assert_eq!(fish.code.display, "Allergy to fish");
        assert_eq!(fish.clinical_status, Some(ClinicalStatus::Active));
        assert_eq!(fish.criticality, Some(Criticality::Low));
        assert_eq!(fish.categories, [AllergyCategory::Food]);
        assert!(!fish.is_no_known_allergy());

        let statuses: Vec<MedicationStatus> = r.medications.iter().map(|m| m.status).collect();
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == MedicationStatus::Active)
                .count(),
            2
        );
        let epinephrine = r
            .medications
            .iter()
            .find(|m| m.code.code == "1870230")
            .unwrap_or_else(|| panic!("epinephrine missing"));
        assert_eq!(epinephrine.code.system, systems::RXNORM);
        assert_eq!(epinephrine.dosage.as_deref(), Some("As needed"));
        assert!(epinephrine.encounter.is_some());

        let bronchitis = r
            .conditions
            .iter()
            .find(|c| c.fhir_id == "301e62ff-6b49-4d21-83cb-ba625b7971fe")
            .unwrap_or_else(|| panic!("bronchitis missing"));
        assert_eq!(bronchitis.clinical_status, Some(ClinicalStatus::Resolved));
        assert_eq!(
            bronchitis.abatement.map(|t| t.to_rfc3339()).as_deref(),
            Some("2016-10-23T16:24:37+00:00")
        );
        let with_reason = r
            .encounters
            .iter()
            .find(|e| e.fhir_id == "39da17ee-c281-4827-884e-04efd345706b")
            .unwrap_or_else(|| panic!("encounter missing"));
        assert_eq!(
            with_reason.reason.as_ref().map(|c| c.display.as_str()),
            Some("Acute bronchitis (disorder)")
        );
    }

    #[test]
    fn patria_counts_and_values() {
        let Some(json) = synthea_json("Patria_Schimmel") else {
            return;
        };
        let parsed = parse_ok(&json);
        let r = &parsed.record;
        assert_eq!(r.allergies.len(), 5);
        assert_eq!(r.conditions.len(), 8);
        assert_eq!(r.encounters.len(), 14);
        assert_eq!(r.medications.len(), 5);
        assert_eq!(r.observations.len(), 63);
        assert_eq!(r.immunizations.len(), 7);
        assert_eq!(r.goals.len(), 5);
        assert_eq!(r.care_plans.len(), 5);
        assert_eq!(r.procedures.len(), 8);
        assert_eq!(r.reports.len(), 5);
        assert_eq!(parsed.skipped.get("Goal"), None);
        // Married name is the official one, not the maiden name.
        assert_eq!(r.patient.family, "Schimmel");
        assert_eq!(r.patient.sex, Sex::Female);
        match r.allergy_summary() {
            AllergySummary::Allergies(list) => assert_eq!(list.len(), 5),
            other => panic!("expected 5 allergies, got {other:?}"),
        }
        let hba1c: Vec<f64> = r
            .observation_history("4548-4")
            .iter()
            .filter_map(|o| match &o.value {
                ObservationValue::Quantity(q) => Some(q.value),
                _ => None,
            })
            .collect();
        assert!(!hba1c.is_empty());
        let flu = r
            .immunizations
            .iter()
            .filter(|i| i.vaccine.code == "140")
            .count();
        assert!(flu >= 1);
        assert!(r
            .immunizations
            .iter()
            .all(|i| i.vaccine.system == systems::CVX));
    }

    #[test]
    fn new_resource_types_keep_what_the_pages_use() {
        let Some(json) = synthea_json("Louis_Erdman") else {
            return;
        };
        let r = parse_ok(&json).record;

        // Imaging: series, modality and body site as Codings.
        let study = &r.imaging[0];
        assert_eq!(study.fhir_id, "529fd47e-3e17-462c-a003-fd5043481053");
        assert_eq!(study.status, "available");
        assert_eq!(study.series.len(), 1);
        let series = &study.series[0];
        assert_eq!(
            series.modality,
            Concept::new(
                "http://dicom.nema.org/resources/ontology/DCM",
                "DX",
                "Digital Radiography"
            )
        );
        assert_eq!(
            series.body_site,
            Some(Concept::new(systems::SNOMED, "51185008", "Chest"))
        );
        assert_eq!(series.instances.len(), 1);
        assert_eq!(series.instances[0].title.as_deref(), Some("Image of chest"));
        assert!(study.encounter.is_some());

        // Procedures: code, status, period, encounter.
        let meds_doc = r
            .procedures
            .iter()
            .find(|p| p.fhir_id == "9e312325-3147-4dbe-9f08-c95134e97652")
            .unwrap_or_else(|| panic!("procedure missing"));
        assert_eq!(meds_doc.code.code, "428191000124101");
        assert_eq!(meds_doc.status, "completed");
        assert_eq!(
            meds_doc.performed.map(|t| t.to_rfc3339()).as_deref(),
            Some("2015-02-12T16:24:37+00:00")
        );
        assert!(meds_doc.performed_end.is_some());
        assert!(meds_doc.encounter.is_some());

        // Care plan with its activities.
        let self_care = r
            .care_plans
            .iter()
            .find(|c| c.fhir_id == "d69a7717-9cb8-435b-8cac-f16887d72ea4")
            .unwrap_or_else(|| panic!("care plan missing"));
        assert_eq!(self_care.status, "active");
        assert_eq!(self_care.title(), "Self care");
        assert_eq!(self_care.activities.len(), 3);
        assert_eq!(
            self_care.activities[0]
                .code
                .as_ref()
                .map(|c| c.display.as_str()),
            Some("Food allergy diet")
        );
        assert_eq!(self_care.activities[0].status, "in-progress");

        // A report keeps its result links, which are observations of the record.
        let cbc = r
            .reports
            .iter()
            .find(|d| d.fhir_id == "53e99202-95bc-4a64-8fd4-f7f31a52faed")
            .unwrap_or_else(|| panic!("report missing"));
        assert_eq!(cbc.code.code, "58410-2");
        assert_eq!(cbc.results.len(), 11);
        assert!(cbc
            .results
            .iter()
            .all(|id| r.observations.iter().any(|o| &o.fhir_id == id)));
        assert_eq!(cbc.categories[0].code, "LAB");

        // A coded value keeps its system and code, not just the words.
        let smoking = r
            .observations
            .iter()
            .find(|o| o.fhir_id == "557745d9-ac6d-4ef7-8608-6e35c4b99a3b")
            .unwrap_or_else(|| panic!("smoking status missing"));
        assert_eq!(
            smoking.value,
            ObservationValue::Coded(Concept::new(
                systems::SNOMED,
                "449868002",
                "Current every day smoker"
            ))
        );

        // The Patient's demographics.
        let d = &r.demographics;
        let race = d.race.as_ref().unwrap_or_else(|| panic!("race missing"));
        assert_eq!(race.text, "White");
        assert_eq!(race.categories[0].code, "2106-3");
        let ethnicity = d
            .ethnicity
            .as_ref()
            .unwrap_or_else(|| panic!("ethnicity missing"));
        assert_eq!(ethnicity.categories[0].code, "2186-5");
        assert_eq!(d.birth_sex.as_deref(), Some("M"));
        let address = d
            .address
            .as_ref()
            .unwrap_or_else(|| panic!("address missing"));
        assert_eq!(address.lines, ["675 Kunde Route"]);
        assert_eq!(address.city.as_deref(), Some("Chicopee"));
        assert_eq!(address.state.as_deref(), Some("Massachusetts"));
        assert_eq!(address.postal_code.as_deref(), Some("01013"));
        assert_eq!(address.country.as_deref(), Some("US"));
        assert_eq!(address.latitude, Some(42.175668));
        assert_eq!(address.longitude, Some(-72.572257));
        assert_eq!(
            d.marital_status
                .as_ref()
                .map(|c| (c.system.as_str(), c.code.as_str())),
            Some((
                "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus",
                "S"
            ))
        );
        assert_eq!(d.language.as_ref().map(|c| c.code.as_str()), Some("en-US"));
    }

    #[test]
    fn goals_are_linked_from_their_care_plans() {
        let Some(json) = synthea_json("Patria_Schimmel") else {
            return;
        };
        let r = parse_ok(&json).record;
        let linked: Vec<&String> = r.care_plans.iter().flat_map(|c| &c.goals).collect();
        assert!(!linked.is_empty(), "Synthea links goals from care plans");
        assert!(linked
            .iter()
            .all(|id| r.goals.iter().any(|g| &&g.fhir_id == id)));
        let a1c = r
            .goals
            .iter()
            .find(|g| g.fhir_id == "73bc769d-12b5-40b1-950b-a7c64b128c08")
            .unwrap_or_else(|| panic!("goal missing"));
        assert_eq!(
            a1c.description.display,
            "Hemoglobin A1c total in Blood < 7.0"
        );
        assert_eq!(a1c.lifecycle_status, "accepted");
        assert_eq!(a1c.achievement_status.as_deref(), Some("in-progress"));
    }

    #[test]
    fn dangling_result_and_goal_links_and_bad_statuses_are_refused() {
        let report = json!({"fullUrl": "urn:uuid:r1", "resource": {
            "resourceType": "DiagnosticReport", "id": "r1", "status": "final",
            "code": {"text": "Panel"},
            "subject": {"reference": "Patient/11111111-1111-4111-8111-111111111111"},
            "result": [{"reference": "urn:uuid:nowhere"}]}});
        let text = err_text(&bundle("collection", vec![minimal_patient(), report]));
        assert!(
            text.contains("DiagnosticReport r1") && text.contains("result[0]"),
            "{text}"
        );

        let plan = json!({"resource": {
            "resourceType": "CarePlan", "id": "cp1", "status": "active", "intent": "plan",
            "subject": {"reference": "Patient/11111111-1111-4111-8111-111111111111"},
            "goal": [{"reference": "Goal/missing"}]}});
        let text = err_text(&bundle("collection", vec![minimal_patient(), plan]));
        assert!(
            text.contains("CarePlan cp1") && text.contains("goal[0]"),
            "{text}"
        );

        let procedure = json!({"resource": {
            "resourceType": "Procedure", "id": "pr1", "status": "done",
            "code": {"text": "Something"},
            "subject": {"reference": "Patient/11111111-1111-4111-8111-111111111111"}}});
        let text = err_text(&bundle("collection", vec![minimal_patient(), procedure]));
        assert!(
            text.contains("Procedure pr1") && text.contains("status"),
            "{text}"
        );

        let study = json!({"resource": {
            "resourceType": "ImagingStudy", "id": "im1", "status": "available",
            "subject": {"reference": "Patient/11111111-1111-4111-8111-111111111111"},
            "series": [{"uid": "1.2.3"}]}});
        let text = err_text(&bundle("collection", vec![minimal_patient(), study]));
        assert!(
            text.contains("ImagingStudy im1") && text.contains("series[0].modality"),
            "{text}"
        );
    }

    // ---- small hand-written bundles ----

    fn minimal_patient() -> Value {
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

    fn encounter_entry() -> Value {
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

    fn observation_entry(id: &str) -> Value {
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

    fn bundle(kind: &str, entries: Vec<Value>) -> Value {
        json!({"resourceType": "Bundle", "type": kind, "entry": entries})
    }

    #[test]
    fn minimal_collection_bundle_with_relative_references() {
        let mut obs = observation_entry("33333333-3333-4333-8333-333333333333");
        obs["resource"]["subject"]["reference"] =
            json!("Patient/11111111-1111-4111-8111-111111111111");
        obs["resource"]["encounter"]["reference"] =
            json!("Encounter/22222222-2222-4222-8222-222222222222");
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs],
        );
        let parsed = parse_ok(&b);
        let r = &parsed.record;
        assert_eq!(r.patient.given, "Jane Q");
        assert_eq!(
            r.patient.mrn,
            derived_mrn("11111111-1111-4111-8111-111111111111")
        );
        assert!(r.patient.mrn.value.starts_with("MRN-"));
        assert_eq!(
            r.encounters[0].start.to_rfc3339(),
            "2020-02-03T15:00:00+00:00"
        );
        assert_eq!(
            r.observations[0].encounter.as_deref(),
            Some("22222222-2222-4222-8222-222222222222")
        );
        assert!(parsed.skipped.is_empty());
    }

    #[test]
    fn valid_value_types_without_a_page_are_kept_as_text_not_refused() {
        let mut range = observation_entry("33333333-3333-4333-8333-333333333331");
        let mut wave = observation_entry("33333333-3333-4333-8333-333333333332");
        let mut both = observation_entry("33333333-3333-4333-8333-333333333333");
        for (entry, field, value) in [
            (
                &mut range,
                "valueRange",
                json!({"low": {"value": 70, "unit": "mg/dL"}, "high": {"value": 99, "unit": "mg/dL"}}),
            ),
            (
                &mut wave,
                "valueSampledData",
                json!({"origin": {"value": 0}, "period": 10, "dimensions": 1, "data": "1 2 3"}),
            ),
        ] {
            let r = entry["resource"].as_object_mut().unwrap();
            r.remove("valueQuantity");
            r.insert(field.into(), value);
        }
        both["resource"]["component"] = json!([{
            "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6", "display": "Systolic"}]},
            "valueQuantity": {"value": 120, "unit": "mm[Hg]", "code": "mm[Hg]"}
        }]);
        let parsed = parse_ok(&bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), range, wave, both],
        ));
        let values: Vec<&ObservationValue> = parsed
            .record
            .observations
            .iter()
            .map(|o| &o.value)
            .collect();
        // Kept as words for the page and in their FHIR form for the export.
        assert!(matches!(
            values[0],
            ObservationValue::Other { field, text, fhir }
                if field == "valueRange" && text == "70 mg/dL to 99 mg/dL" && fhir["low"]["value"] == 70
        ));
        assert!(matches!(
            values[1],
            ObservationValue::Other { field, text, .. }
                if field == "valueSampledData" && text.contains("waveform")
        ));
        assert!(matches!(values[2], ObservationValue::Components(parts) if parts.len() == 1));
    }

    #[test]
    fn an_integer_value_is_exported_as_an_integer() {
        let mut count = observation_entry("33333333-3333-4333-8333-333333333334");
        let r = count["resource"].as_object_mut().unwrap();
        r.remove("valueQuantity");
        r.insert("valueInteger".into(), json!(3));
        let parsed = parse_ok(&bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), count],
        ));
        let exported = crate::records::fhir_export::export_bundle(&parsed.record);
        let observation = exported["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["resource"])
            .find(|r| r["resourceType"] == "Observation")
            .unwrap();
        assert_eq!(observation["valueInteger"], json!(3));
        assert!(observation.get("valueQuantity").is_none());
    }

    #[test]
    fn id_falls_back_to_the_urn_uuid_full_url() {
        let mut p = minimal_patient();
        if let Some(r) = p["resource"].as_object_mut() {
            r.remove("id");
        }
        let parsed = parse_ok(&bundle("transaction", vec![p]));
        assert_eq!(
            parsed.record.patient.fhir_id,
            "11111111-1111-4111-8111-111111111111"
        );
    }

    #[test]
    fn refuses_a_bundle_without_patient() {
        let b = bundle("collection", vec![encounter_entry()]);
        assert_eq!(parse_bundle(&b), Err(ImportError::NoPatient));
        let empty = json!({"resourceType": "Bundle", "type": "collection"});
        assert_eq!(parse_bundle(&empty), Err(ImportError::NoPatient));
    }

    #[test]
    fn refuses_two_patients() {
        let mut other = minimal_patient();
        other["fullUrl"] = json!("urn:uuid:99999999-9999-4999-8999-999999999999");
        other["resource"]["id"] = json!("99999999-9999-4999-8999-999999999999");
        let b = bundle("collection", vec![minimal_patient(), other]);
        assert_eq!(parse_bundle(&b), Err(ImportError::SeveralPatients(2)));
    }

    #[test]
    fn refuses_what_is_not_a_bundle() {
        assert!(matches!(
            parse_bundle(&json!({"resourceType": "Patient"})),
            Err(ImportError::NotABundle(_))
        ));
        assert!(matches!(
            parse_bundle(&json!([1, 2])),
            Err(ImportError::NotABundle(_))
        ));
        assert!(matches!(
            parse_bundle(&bundle("history", vec![minimal_patient()])),
            Err(ImportError::NotABundle(_))
        ));
    }

    #[test]
    fn bad_date_names_resource_and_field() {
        let mut obs = observation_entry("3f2a0000-0000-4000-8000-000000000000");
        obs["resource"]["effectiveDateTime"] = json!("yesterday");
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs],
        );
        assert_eq!(
            err_text(&b),
            "Observation 3f2a0000-0000-4000-8000-000000000000: effectiveDateTime is not a date-time: \"yesterday\""
        );
    }

    #[test]
    fn date_time_without_offset_is_refused_but_a_date_is_accepted() {
        let mut obs = observation_entry("44444444-4444-4444-8444-444444444444");
        obs["resource"]["effectiveDateTime"] = json!("2020-02-03T10:05:00");
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs.clone()],
        );
        assert!(err_text(&b).contains("effectiveDateTime is not a date-time"));

        obs["resource"]["effectiveDateTime"] = json!("2020-02-03");
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs],
        );
        assert_eq!(
            parse_ok(&b).record.observations[0].effective.to_rfc3339(),
            "2020-02-03T00:00:00+00:00"
        );
    }

    #[test]
    fn bad_birth_date_is_refused() {
        let mut p = minimal_patient();
        p["resource"]["birthDate"] = json!("1970-02-30");
        assert_eq!(
            err_text(&bundle("collection", vec![p])),
            "Patient 11111111-1111-4111-8111-111111111111: birthDate is not a full date: \"1970-02-30\""
        );
    }

    #[test]
    fn unknown_encounter_reference_is_refused() {
        let mut obs = observation_entry("55555555-5555-4555-8555-555555555555");
        obs["resource"]["encounter"]["reference"] = json!("urn:uuid:not-in-this-bundle");
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs],
        );
        assert_eq!(
            err_text(&b),
            "Observation 55555555-5555-4555-8555-555555555555: encounter refers to urn:uuid:not-in-this-bundle, which is not an Encounter of this bundle"
        );
    }

    #[test]
    fn encounter_reference_to_another_type_is_refused() {
        let mut obs = observation_entry("55555555-5555-4555-8555-555555555555");
        obs["resource"]["encounter"]["reference"] =
            json!("urn:uuid:11111111-1111-4111-8111-111111111111");
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs],
        );
        assert!(err_text(&b).contains("encounter refers to"));
    }

    #[test]
    fn subject_of_another_patient_is_refused() {
        let mut obs = observation_entry("66666666-6666-4666-8666-666666666666");
        obs["resource"]["subject"]["reference"] = json!("Patient/someone-else");
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs],
        );
        assert_eq!(
            err_text(&b),
            "Observation 66666666-6666-4666-8666-666666666666: subject refers to Patient/someone-else, which is not this bundle's Patient"
        );
    }

    #[test]
    fn missing_required_fields_are_named() {
        let mut enc = encounter_entry();
        if let Some(r) = enc["resource"].as_object_mut() {
            r.remove("class");
        }
        let b = bundle("collection", vec![minimal_patient(), enc]);
        assert_eq!(
            err_text(&b),
            "Encounter 22222222-2222-4222-8222-222222222222: class is missing"
        );

        let med = json!({"resource": {
            "resourceType": "MedicationRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"}
        }});
        let b = bundle("collection", vec![minimal_patient(), med]);
        assert_eq!(err_text(&b), "entry 1 (MedicationRequest): id is missing");

        let med = json!({"fullUrl": "urn:uuid:77777777-7777-4777-8777-777777777777", "resource": {
            "resourceType": "MedicationRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"}
        }});
        let b = bundle("collection", vec![minimal_patient(), med]);
        assert_eq!(
            err_text(&b),
            "MedicationRequest 77777777-7777-4777-8777-777777777777: medicationCodeableConcept is missing"
        );
    }

    #[test]
    fn bad_value_shapes_are_named() {
        let mut obs = observation_entry("88888888-8888-4888-8888-888888888888");
        obs["resource"]["valueQuantity"]["value"] = json!("85.6");
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs],
        );
        assert_eq!(
            err_text(&b),
            "Observation 88888888-8888-4888-8888-888888888888: valueQuantity.value is not a number"
        );

        let mut obs = observation_entry("88888888-8888-4888-8888-888888888888");
        if let Some(r) = obs["resource"].as_object_mut() {
            r.remove("valueQuantity");
            r.insert(
                "component".into(),
                json!([{"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                        "valueQuantity": {"unit": "mm[Hg]"}}]),
            );
        }
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs],
        );
        assert_eq!(
            err_text(&b),
            "Observation 88888888-8888-4888-8888-888888888888: component[0].valueQuantity.value is missing"
        );
    }

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

    #[test]
    fn duplicate_ids_are_refused() {
        let b = bundle(
            "collection",
            vec![
                minimal_patient(),
                encounter_entry(),
                observation_entry("dup"),
                observation_entry("dup"),
            ],
        );
        assert_eq!(
            err_text(&b),
            "Observation dup: id is used by two entries of the bundle"
        );
    }

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
    fn deceased_forms() {
        for (field, value, expected) in [
            (
                "deceasedDateTime",
                json!("2021-03-04"),
                Some(Deceased::OnDate(
                    NaiveDate::from_ymd_opt(2021, 3, 4).unwrap_or_default(),
                )),
            ),
            (
                "deceasedDateTime",
                json!("2021-03-04T05:06:07+01:00"),
                parse_fhir_datetime("2021-03-04T04:06:07Z").map(Deceased::At),
            ),
            ("deceasedBoolean", json!(true), Some(Deceased::DateUnknown)),
            ("deceasedBoolean", json!(false), None),
        ] {
            let mut p = minimal_patient();
            p["resource"][field] = value;
            let parsed = parse_ok(&bundle("collection", vec![p]));
            assert_eq!(parsed.record.patient.deceased, expected, "{field}");
        }
    }

    #[test]
    fn fhir_datetime_forms() {
        let t = |s: &str| parse_fhir_datetime(s).map(|t| t.to_rfc3339());
        assert_eq!(
            t("2019-06-25T04:22:04+00:00").as_deref(),
            Some("2019-06-25T04:22:04+00:00")
        );
        assert_eq!(
            t("2019-06-25T04:22:04.181Z").as_deref(),
            Some("2019-06-25T04:22:04.181+00:00")
        );
        assert_eq!(
            t("2019-06-25").as_deref(),
            Some("2019-06-25T00:00:00+00:00")
        );
        assert_eq!(t("2019-06").as_deref(), Some("2019-06-01T00:00:00+00:00"));
        assert_eq!(t("2019").as_deref(), Some("2019-01-01T00:00:00+00:00"));
        assert_eq!(t("2019-06-25T04:22:04"), None);
        assert_eq!(t("2019-13-01"), None);
        assert_eq!(t(""), None);
    }
}
