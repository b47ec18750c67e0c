//! The patient's chart as plain domain values.
//!
//! These types are what the rest of the portal stores, shows and exports. They hold only what the
//! portal uses from FHIR, already checked: once you hold a `PatientRecord`, every date parsed, every
//! encounter reference points at an encounter of the same record.
//!
//! Times are kept in UTC (`DateTime<Utc>`); FHIR date-times with an offset are converted on import.
//! Identifiers (`fhir_id`) are the resources' FHIR ids, which are also what encounter references
//! hold (`Condition::encounter` is the `fhir_id` of an `Encounter` in the same record).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Code systems the portal writes and prefers when a concept carries several codings.
pub mod systems {
    pub const LOINC: &str = "http://loinc.org";
    pub const SNOMED: &str = "http://snomed.info/sct";
    pub const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
    pub const CVX: &str = "http://hl7.org/fhir/sid/cvx";
    pub const UCUM: &str = "http://unitsofmeasure.org";
    pub const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    pub const IDENTIFIER_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
    pub const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
    pub const CONDITION_VERIFICATION: &str =
        "http://terminology.hl7.org/CodeSystem/condition-ver-status";
    pub const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
    pub const ALLERGY_CLINICAL: &str =
        "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
    pub const ALLERGY_VERIFICATION: &str =
        "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification";
    pub const OBSERVATION_CATEGORY: &str =
        "http://terminology.hl7.org/CodeSystem/observation-category";
    /// The system of MRNs the portal makes itself when a bundle carries none.
    pub const PORTAL_MRN: &str = "urn:patient-portal:mrn";
    /// `meta.security` confidentiality codes (R restricted, V very restricted, #29).
    pub const CONFIDENTIALITY: &str = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
}

/// SNOMED CT 716186003 "No known allergy (situation)": an AllergyIntolerance with this code says
/// the patient was asked and has no allergies, which is not the same as no allergy recorded.
pub const NO_KNOWN_ALLERGY_SNOMED: &str = "716186003";

/// One coding of a CodeableConcept plus the text to show. `display` is the concept's text, else
/// the coding's display, else the code. `system` is empty when the source gave none; `code` and
/// `system` are both empty only for a concept the source gave as text alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Concept {
    pub system: String,
    pub code: String,
    pub display: String,
    /// `display` in other languages, as the source gave it (FHIR's `translation` extension on
    /// `_text` or `_display`), keyed by lower-case language tag ("es", "es-us"). Pages read it;
    /// the export does not write it back. Kept inside the item's JSON, so stored records
    /// without it read as before and no table changes; absent from the JSON when empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, String>,
}

impl Concept {
    pub fn new(system: &str, code: &str, display: &str) -> Self {
        Concept {
            system: system.to_owned(),
            code: code.to_owned(),
            display: display.to_owned(),
            translations: BTreeMap::new(),
        }
    }

    /// The text to show in `lang` (a BCP 47 code, e.g. "es"): the source's translation into
    /// that language (exact tag first, else one of its regions, "es-US"), else `display`.
    /// Never a translation of our own: a name the source does not translate stays as it is.
    pub fn display_in(&self, lang: &str) -> &str {
        self.translation(lang).unwrap_or(&self.display)
    }

    /// The source's translation into `lang` only (exact tag first, else a regional one).
    pub fn translation(&self, lang: &str) -> Option<&str> {
        let lang = lang.to_ascii_lowercase();
        let regional = format!("{lang}-");
        self.translations
            .get(&lang)
            .or_else(|| {
                self.translations
                    .iter()
                    .find(|(tag, _)| tag.starts_with(&regional))
                    .map(|(_, text)| text)
            })
            .map(String::as_str)
    }

    pub fn is(&self, system: &str, code: &str) -> bool {
        self.system == system && self.code == code
    }
}

/// FHIR administrative gender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    Female,
    Male,
    Other,
    Unknown,
}

impl Sex {
    pub fn from_fhir(code: &str) -> Option<Sex> {
        match code {
            "female" => Some(Sex::Female),
            "male" => Some(Sex::Male),
            "other" => Some(Sex::Other),
            "unknown" => Some(Sex::Unknown),
            _ => None,
        }
    }

    pub fn fhir_code(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
            Sex::Unknown => "unknown",
        }
    }

    /// Words for a lay reader.
    pub fn label(self) -> &'static str {
        match self {
            Sex::Female => "Female",
            Sex::Male => "Male",
            Sex::Other => "Other",
            Sex::Unknown => "Unknown",
        }
    }
}

/// FHIR `Patient.deceased[x]`: a boolean `true`, a date, or a date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Deceased {
    /// `deceasedBoolean: true`: the patient has died, the date is not recorded.
    DateUnknown,
    /// `deceasedDateTime` given as a date only.
    OnDate(NaiveDate),
    /// `deceasedDateTime` with a time.
    At(DateTime<Utc>),
}

impl Deceased {
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Deceased::DateUnknown => None,
            Deceased::OnDate(d) => Some(*d),
            Deceased::At(t) => Some(t.date_naive()),
        }
    }
}

/// A medical record number and the system that issued it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mrn {
    /// `Identifier.system`; `None` when the source had none.
    pub system: Option<String>,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Patient {
    pub fhir_id: String,
    /// Given names joined with single spaces ("Mary Ann").
    pub given: String,
    pub family: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub deceased: Option<Deceased>,
    /// From the identifier whose type is v2-0203 `MR`; when the bundle has none, the importer derives
    /// a stable one from the FHIR id (see `fhir_import::derived_mrn`), so re-imports agree.
    pub mrn: Mrn,
    /// One line: "931 Doyle Corner Apt 89, Wilmington, Massachusetts 01887, US".
    pub address: Option<String>,
    pub phone: Option<String>,
}

impl Patient {
    /// "Given Family", for headings.
    pub fn display_name(&self) -> String {
        match (self.given.is_empty(), self.family.is_empty()) {
            (false, false) => format!("{} {}", self.given, self.family),
            (true, _) => self.family.clone(),
            (_, true) => self.given.clone(),
        }
    }

    pub fn is_deceased(&self) -> bool {
        self.deceased.is_some()
    }

    /// Age in whole years on `on` (or on the date of death, when that is earlier and known).
    pub fn age_on(&self, on: NaiveDate) -> Option<u32> {
        let end = match self.deceased.and_then(|d| d.date()) {
            Some(death) if death < on => death,
            _ => on,
        };
        end.years_since(self.birth_date)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Encounter {
    pub fhir_id: String,
    /// FHIR encounter status: planned, arrived, in-progress, finished, cancelled, ...
    pub status: String,
    /// v3 ActCode of `Encounter.class`: AMB, EMER, IMP, VR, HH, ...
    pub class_code: String,
    /// The first `Encounter.type`, e.g. SNOMED 185349003 "Encounter for check up".
    pub kind: Option<Concept>,
    /// The first `Encounter.reasonCode`.
    pub reason: Option<Concept>,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    /// The first participant's name ("Dr. June Kassulke"), when the bundle says.
    pub provider: Option<String>,
    /// The service provider's name, when the bundle says.
    pub organization: Option<String>,
    /// The clinician, clinic and place the visit names, as resources of this record (issue 27).
    #[serde(default)]
    pub parties: EncounterParties,
}

impl Encounter {
    /// What to call the visit: its type's text, else the class in words.
    pub fn title(&self) -> String {
        match &self.kind {
            Some(k) => k.display.clone(),
            None => class_label(&self.class_code).to_owned(),
        }
    }
}

/// v3 ActCode encounter classes in words.
pub fn class_label(code: &str) -> &'static str {
    match code {
        "AMB" => "Outpatient visit",
        "EMER" => "Emergency visit",
        "IMP" | "ACUTE" | "NONAC" => "Hospital stay",
        "OBSENC" => "Observation stay",
        "PRENC" => "Pre-admission",
        "SS" => "Short stay",
        "VR" => "Virtual visit",
        "HH" => "Home visit",
        "FLD" => "Field visit",
        _ => "Visit",
    }
}

/// Clinical status of a condition or allergy (FHIR condition-clinical and
/// allergyintolerance-clinical; allergies use only active, inactive and resolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClinicalStatus {
    Active,
    Recurrence,
    Relapse,
    Inactive,
    Remission,
    Resolved,
}

impl ClinicalStatus {
    pub fn from_fhir(code: &str) -> Option<ClinicalStatus> {
        match code {
            "active" => Some(ClinicalStatus::Active),
            "recurrence" => Some(ClinicalStatus::Recurrence),
            "relapse" => Some(ClinicalStatus::Relapse),
            "inactive" => Some(ClinicalStatus::Inactive),
            "remission" => Some(ClinicalStatus::Remission),
            "resolved" => Some(ClinicalStatus::Resolved),
            _ => None,
        }
    }

    pub fn fhir_code(self) -> &'static str {
        match self {
            ClinicalStatus::Active => "active",
            ClinicalStatus::Recurrence => "recurrence",
            ClinicalStatus::Relapse => "relapse",
            ClinicalStatus::Inactive => "inactive",
            ClinicalStatus::Remission => "remission",
            ClinicalStatus::Resolved => "resolved",
        }
    }

    /// Active, recurrence and relapse all mean "the patient has this now".
    pub fn is_active(self) -> bool {
        matches!(
            self,
            ClinicalStatus::Active | ClinicalStatus::Recurrence | ClinicalStatus::Relapse
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            ClinicalStatus::Active => "Active",
            ClinicalStatus::Recurrence => "Recurred",
            ClinicalStatus::Relapse => "Relapsed",
            ClinicalStatus::Inactive => "Inactive",
            ClinicalStatus::Remission => "In remission",
            ClinicalStatus::Resolved => "Resolved",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub fhir_id: String,
    /// Usually SNOMED CT.
    pub code: Concept,
    /// `None` only when the source gave none (FHIR allows that for entered-in-error).
    pub clinical_status: Option<ClinicalStatus>,
    /// condition-ver-status code: confirmed, provisional, refuted, entered-in-error, ...
    pub verification_status: Option<String>,
    pub onset: Option<DateTime<Utc>>,
    pub abatement: Option<DateTime<Utc>>,
    pub recorded: Option<DateTime<Utc>>,
    pub encounter: Option<String>,
    /// condition-category, as US Core uses it. `None` when the source gave none (and in rows
    /// stored before it was kept): see [`Condition::category_or_inferred`].
    #[serde(default)]
    pub category: Option<ConditionCategory>,
}

/// condition-category (http://terminology.hl7.org/CodeSystem/condition-category): a problem
/// on the problem list, or a diagnosis made at a visit. US Core's `Condition?category=` means
/// these codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConditionCategory {
    ProblemListItem,
    EncounterDiagnosis,
    HealthConcern,
}

impl ConditionCategory {
    pub fn from_fhir(code: &str) -> Option<Self> {
        match code {
            "problem-list-item" => Some(Self::ProblemListItem),
            "encounter-diagnosis" => Some(Self::EncounterDiagnosis),
            "health-concern" => Some(Self::HealthConcern),
            _ => None,
        }
    }

    pub fn fhir_code(self) -> &'static str {
        match self {
            Self::ProblemListItem => "problem-list-item",
            Self::EncounterDiagnosis => "encounter-diagnosis",
            Self::HealthConcern => "health-concern",
        }
    }

    pub fn display(self) -> &'static str {
        match self {
            Self::ProblemListItem => "Problem List Item",
            Self::EncounterDiagnosis => "Encounter Diagnosis",
            Self::HealthConcern => "Health Concern",
        }
    }
}

impl Condition {
    /// The category to publish: the recorded one, else what the record says of it: made at a
    /// visit (an encounter reference) is an encounter diagnosis, otherwise a problem-list item.
    pub fn category_or_inferred(&self) -> ConditionCategory {
        self.category.unwrap_or(if self.encounter.is_some() {
            ConditionCategory::EncounterDiagnosis
        } else {
            ConditionCategory::ProblemListItem
        })
    }

    /// Active now and not refuted or entered in error.
    pub fn is_active(&self) -> bool {
        self.clinical_status.is_some_and(ClinicalStatus::is_active)
            && !matches!(
                self.verification_status.as_deref(),
                Some("refuted" | "entered-in-error")
            )
    }
}

/// FHIR MedicationRequest status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MedicationStatus {
    Active,
    OnHold,
    Cancelled,
    Completed,
    EnteredInError,
    Stopped,
    Draft,
    Unknown,
}

impl MedicationStatus {
    pub fn from_fhir(code: &str) -> Option<MedicationStatus> {
        match code {
            "active" => Some(MedicationStatus::Active),
            "on-hold" => Some(MedicationStatus::OnHold),
            "cancelled" => Some(MedicationStatus::Cancelled),
            "completed" => Some(MedicationStatus::Completed),
            "entered-in-error" => Some(MedicationStatus::EnteredInError),
            "stopped" => Some(MedicationStatus::Stopped),
            "draft" => Some(MedicationStatus::Draft),
            "unknown" => Some(MedicationStatus::Unknown),
            _ => None,
        }
    }

    pub fn fhir_code(self) -> &'static str {
        match self {
            MedicationStatus::Active => "active",
            MedicationStatus::OnHold => "on-hold",
            MedicationStatus::Cancelled => "cancelled",
            MedicationStatus::Completed => "completed",
            MedicationStatus::EnteredInError => "entered-in-error",
            MedicationStatus::Stopped => "stopped",
            MedicationStatus::Draft => "draft",
            MedicationStatus::Unknown => "unknown",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MedicationStatus::Active => "Active",
            MedicationStatus::OnHold => "On hold",
            MedicationStatus::Cancelled => "Cancelled",
            MedicationStatus::Completed => "Completed",
            MedicationStatus::EnteredInError => "Entered in error",
            MedicationStatus::Stopped => "Stopped",
            MedicationStatus::Draft => "Draft",
            MedicationStatus::Unknown => "Unknown",
        }
    }
}

/// A MedicationRequest (a prescription).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Medication {
    pub fhir_id: String,
    /// Usually RxNorm, from `medicationCodeableConcept`.
    pub code: Concept,
    pub status: MedicationStatus,
    /// FHIR request intent: order, plan, proposal, ...
    pub intent: String,
    pub authored_on: Option<DateTime<Utc>>,
    /// How to take it, in words, when the source says ("As needed", "1 tablet 2 times a day").
    pub dosage: Option<String>,
    pub encounter: Option<String>,
    /// Why it was prescribed: the first `reasonCode`, else the code of the Condition the first
    /// `reasonReference` points at (Synthea links the Condition). Absent in items stored before
    /// it was kept.
    #[serde(default)]
    pub reason: Option<Concept>,
    /// Who prescribed it: the `requester`'s display, else the name of the Practitioner it
    /// refers to.
    #[serde(default)]
    pub prescriber: Option<String>,
    /// The Practitioner of this record the `requester` resolved to (issue 27).
    #[serde(default)]
    pub prescriber_id: Option<String>,
}

impl Medication {
    pub fn is_active(&self) -> bool {
        self.status == MedicationStatus::Active
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Criticality {
    Low,
    High,
    UnableToAssess,
}

impl Criticality {
    pub fn from_fhir(code: &str) -> Option<Criticality> {
        match code {
            "low" => Some(Criticality::Low),
            "high" => Some(Criticality::High),
            "unable-to-assess" => Some(Criticality::UnableToAssess),
            _ => None,
        }
    }

    pub fn fhir_code(self) -> &'static str {
        match self {
            Criticality::Low => "low",
            Criticality::High => "high",
            Criticality::UnableToAssess => "unable-to-assess",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Criticality::Low => "Low risk",
            Criticality::High => "High risk",
            Criticality::UnableToAssess => "Risk not assessed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AllergyCategory {
    Food,
    Medication,
    Environment,
    Biologic,
}

impl AllergyCategory {
    pub fn from_fhir(code: &str) -> Option<AllergyCategory> {
        match code {
            "food" => Some(AllergyCategory::Food),
            "medication" => Some(AllergyCategory::Medication),
            "environment" => Some(AllergyCategory::Environment),
            "biologic" => Some(AllergyCategory::Biologic),
            _ => None,
        }
    }

    pub fn fhir_code(self) -> &'static str {
        match self {
            AllergyCategory::Food => "food",
            AllergyCategory::Medication => "medication",
            AllergyCategory::Environment => "environment",
            AllergyCategory::Biologic => "biologic",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AllergyCategory::Food => "Food",
            AllergyCategory::Medication => "Medicine",
            AllergyCategory::Environment => "Environment",
            AllergyCategory::Biologic => "Biologic",
        }
    }
}

/// An AllergyIntolerance. "No known allergies" is an `Allergy` too (SNOMED 716186003), as in
/// FHIR; see [`Allergy::is_no_known_allergy`] and [`PatientRecord::allergy_summary`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allergy {
    pub fhir_id: String,
    pub code: Concept,
    pub clinical_status: Option<ClinicalStatus>,
    /// allergyintolerance-verification code: unconfirmed, confirmed, refuted, entered-in-error.
    pub verification_status: Option<String>,
    /// "allergy" or "intolerance".
    pub kind: Option<String>,
    pub categories: Vec<AllergyCategory>,
    pub criticality: Option<Criticality>,
    pub recorded: Option<DateTime<Utc>>,
}

impl Allergy {
    /// The record's statement "No known allergy" (SNOMED 716186003).
    pub fn is_no_known_allergy(&self) -> bool {
        self.code.is(systems::SNOMED, NO_KNOWN_ALLERGY_SNOMED)
    }

    /// Refuted and entered-in-error statements count as not said at all.
    pub fn is_retracted(&self) -> bool {
        matches!(
            self.verification_status.as_deref(),
            Some("refuted" | "entered-in-error")
        )
    }

    /// A "No known allergies" statement, as the portal records it.
    pub fn no_known_allergies(fhir_id: String, recorded: Option<DateTime<Utc>>) -> Allergy {
        Allergy {
            fhir_id,
            code: Concept::new(
                systems::SNOMED,
                NO_KNOWN_ALLERGY_SNOMED,
                "No known allergy (situation)",
            ),
            clinical_status: Some(ClinicalStatus::Active),
            verification_status: Some("confirmed".to_owned()),
            kind: None,
            categories: Vec::new(),
            criticality: None,
            recorded,
        }
    }
}

/// What the allergies section should say.
#[derive(Debug, Clone, PartialEq)]
pub enum AllergySummary<'a> {
    /// Nothing recorded at all: show "None recorded", never "No known allergies".
    NoneRecorded,
    /// The record says "No known allergy" and lists no allergy.
    NoKnownAllergies,
    /// Allergies on record (any clinical status), in record order.
    Allergies(Vec<&'a Allergy>),
}

/// Immunization status (FHIR: completed, entered-in-error, not-done).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Immunization {
    pub fhir_id: String,
    /// Usually CVX.
    pub vaccine: Concept,
    pub date: DateTime<Utc>,
    pub status: String,
    pub encounter: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObservationCategory {
    Laboratory,
    VitalSigns,
    /// Any other observation-category code ("survey", "social-history", ...); empty when the
    /// source gave no category.
    Other(String),
}

impl ObservationCategory {
    pub fn from_fhir(code: &str) -> ObservationCategory {
        match code {
            "laboratory" => ObservationCategory::Laboratory,
            "vital-signs" => ObservationCategory::VitalSigns,
            other => ObservationCategory::Other(other.to_owned()),
        }
    }

    pub fn fhir_code(&self) -> &str {
        match self {
            ObservationCategory::Laboratory => "laboratory",
            ObservationCategory::VitalSigns => "vital-signs",
            ObservationCategory::Other(code) => code,
        }
    }
}

/// A measured amount. `unit` is the UCUM code as the source wrote it (`mg/dL`, `mm[Hg]`, `/min`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    pub value: f64,
    pub unit: String,
}

/// One part of a multi-part observation, e.g. systolic 8480-6 within blood pressure 55284-4.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    /// Usually LOINC.
    pub code: Concept,
    pub value: ComponentValue,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ComponentValue {
    Quantity(Quantity),
    Text(String),
    /// `valueCodeableConcept`, kept with its code so the export writes it back.
    Coded(Concept),
    Empty,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ObservationValue {
    Quantity(Quantity),
    /// `valueString`.
    Text(String),
    /// `valueCodeableConcept` ("Never smoker", SNOMED 266919005), kept with its code.
    Coded(Concept),
    /// A value type the portal shows only as words (valueBoolean, valueDateTime, valueTime,
    /// valueRange, valueRatio, valuePeriod, valueSampledData, valueAttachment): `text` for the
    /// page, `fhir` the value as the source wrote it under `field`, so the export is faithful.
    Other {
        field: String,
        text: String,
        fhir: serde_json::Value,
    },
    Components(Vec<Component>),
    /// No value (FHIR allows this with a dataAbsentReason, or for panels).
    Empty,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub fhir_id: String,
    /// LOINC when the source has a LOINC coding.
    pub code: Concept,
    /// FHIR observation status: final, amended, preliminary, ...
    pub status: String,
    pub category: ObservationCategory,
    pub effective: DateTime<Utc>,
    pub value: ObservationValue,
    pub encounter: Option<String>,
}

impl Observation {
    /// The one order of results, on every page and in the API: newest first, and results taken
    /// at the same moment by FHIR id, so the summary's "latest" is the first row of the
    /// history and the last point of the chart. Oldest first is exactly its reverse.
    pub fn newest_first(a: &Observation, b: &Observation) -> std::cmp::Ordering {
        b.effective
            .cmp(&a.effective)
            .then_with(|| a.fhir_id.cmp(&b.fhir_id))
    }

    pub fn loinc(&self) -> Option<&str> {
        (self.code.system == systems::LOINC).then_some(self.code.code.as_str())
    }

    /// The quantity of a component by LOINC code, e.g. systolic 8480-6 of a blood pressure.
    pub fn component(&self, loinc: &str) -> Option<&Quantity> {
        match &self.value {
            ObservationValue::Components(parts) => parts.iter().find_map(|c| match &c.value {
                ComponentValue::Quantity(q) if c.code.is(systems::LOINC, loinc) => Some(q),
                _ => None,
            }),
            _ => None,
        }
    }
}

/// An OMB race or ethnicity statement (US Core `us-core-race` / `us-core-ethnicity`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OmbStatement {
    /// `ombCategory` codings.
    pub categories: Vec<Concept>,
    /// `detailed` codings.
    pub detailed: Vec<Concept>,
    /// The `text` sub-extension, required by US Core.
    pub text: String,
}

/// A postal address as the source structured it (FHIR `Address`, without its period).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Address {
    /// home, work, temp, old, billing.
    pub use_: Option<String>,
    pub text: Option<String>,
    pub lines: Vec<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    /// From the standard geolocation extension.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// What the Patient resource says beyond name, birth and contact: kept so the export gives it
/// back. Held beside [`Patient`] (not in it) so that adding it changed no code that builds one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Demographics {
    pub race: Option<OmbStatement>,
    pub ethnicity: Option<OmbStatement>,
    /// US Core birth sex code: F, M or UNK.
    pub birth_sex: Option<String>,
    pub marital_status: Option<Concept>,
    /// The first `communication.language`.
    pub language: Option<Concept>,
    /// The address the one-line `Patient::address` was made from, in full.
    pub address: Option<Address>,
}

impl Demographics {
    pub fn is_empty(&self) -> bool {
        self == &Demographics::default()
    }
}

/// A Procedure: something done to or for the patient (a surgery, a screening, an assessment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Procedure {
    pub fhir_id: String,
    /// Usually SNOMED CT.
    pub code: Concept,
    /// FHIR event status: preparation, in-progress, not-done, on-hold, stopped, completed, ...
    pub status: String,
    /// `performedDateTime`, or the start of `performedPeriod`.
    pub performed: Option<DateTime<Utc>>,
    /// The end of `performedPeriod`.
    pub performed_end: Option<DateTime<Utc>>,
    /// The first `reasonCode`, else the code of the Condition of the first `reasonReference`.
    pub reason: Option<Concept>,
    pub body_site: Option<Concept>,
    pub encounter: Option<String>,
}

/// One activity of a care plan ("Diabetic diet", in progress).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarePlanActivity {
    pub code: Option<Concept>,
    /// FHIR care plan activity status: not-started, scheduled, in-progress, completed, ...
    pub status: String,
    /// Where it happens, when the source names a place.
    pub location: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarePlan {
    pub fhir_id: String,
    /// FHIR request status: draft, active, on-hold, revoked, completed, entered-in-error, unknown.
    pub status: String,
    /// FHIR care plan intent: proposal, plan, order, option.
    pub intent: String,
    pub categories: Vec<Concept>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// `fhir_id`s of the Conditions the plan addresses.
    pub addresses: Vec<String>,
    /// `fhir_id`s of the plan's Goals.
    pub goals: Vec<String>,
    pub activities: Vec<CarePlanActivity>,
    pub encounter: Option<String>,
}

impl CarePlan {
    /// What to call the plan: its most specific category (Synthea lists the general one first).
    pub fn title(&self) -> String {
        self.categories
            .last()
            .map(|c| c.display.clone())
            .unwrap_or_else(|| "Care plan".to_owned())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub fhir_id: String,
    /// FHIR goal lifecycle status: proposed, planned, accepted, active, on-hold, completed, ...
    pub lifecycle_status: String,
    /// goal-achievement code: in-progress, improving, achieved, not-achieved, ...
    pub achievement_status: Option<String>,
    pub description: Concept,
    /// `startDate` (a date; midnight UTC).
    pub start: Option<DateTime<Utc>>,
    /// `fhir_id`s of the Conditions the goal addresses.
    pub addresses: Vec<String>,
}

/// A document attached to a report (`presentedForm`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub content_type: Option<String>,
    pub title: Option<String>,
    /// Base64 as the source gave it.
    pub data: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiagnosticReport {
    pub fhir_id: String,
    /// FHIR report status: registered, partial, preliminary, final, amended, ...
    pub status: String,
    /// Usually a LOINC panel ("Lipid panel").
    pub code: Concept,
    /// Every coding of `code`, in the source's order, when it has several (a note's report has
    /// two LOINC codes); empty when `code` is the only one (and for reports stored before #27).
    #[serde(default)]
    pub codes: Vec<Concept>,
    pub categories: Vec<Concept>,
    /// `effectiveDateTime`, or the start of `effectivePeriod`.
    pub effective: Option<DateTime<Utc>>,
    pub issued: Option<DateTime<Utc>>,
    /// `fhir_id`s of the Observations the report holds, in the report's order.
    pub results: Vec<String>,
    pub conclusion: Option<String>,
    pub presented_forms: Vec<Attachment>,
    pub encounter: Option<String>,
}

/// One DICOM instance of a series (an image).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImagingInstance {
    pub uid: String,
    pub sop_class: Concept,
    pub number: Option<u64>,
    pub title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImagingSeries {
    pub uid: String,
    pub number: Option<u64>,
    /// DICOM modality ("DX", Digital Radiography).
    pub modality: Concept,
    pub body_site: Option<Concept>,
    pub started: Option<DateTime<Utc>>,
    pub instances: Vec<ImagingInstance>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImagingStudy {
    pub fhir_id: String,
    /// registered, available, cancelled, entered-in-error, unknown.
    pub status: String,
    pub started: Option<DateTime<Utc>>,
    pub description: Option<String>,
    pub series: Vec<ImagingSeries>,
    pub encounter: Option<String>,
}

// Clinical notes (issue #27 item 1): a DocumentReference and its content. The checks their
// content passes at import and how it is shown are in `records::notes`.

/// What a content is, as checked at import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    /// UTF-8 text, shown as text.
    Text,
    /// UTF-8 HTML, shown only after sanitising.
    Html,
    /// A PDF, offered as a download and never shown inline.
    Pdf,
}

impl ContentKind {
    /// The media type the portal serves this content with (no parameters the source chose).
    pub fn media_type(self) -> &'static str {
        match self {
            ContentKind::Text => "text/plain; charset=utf-8",
            ContentKind::Html => "text/html; charset=utf-8",
            ContentKind::Pdf => "application/pdf",
        }
    }
}

/// One `DocumentReference.content`: its attachment, checked and decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteContent {
    pub kind: ContentKind,
    /// `attachment.contentType` as the source wrote it ("text/plain; charset=utf-8").
    pub content_type: String,
    pub title: Option<String>,
    pub language: Option<String>,
    /// `content.format` (IHE format code), kept for the export.
    pub format: Option<Concept>,
    /// The decoded bytes. Not part of the note's stored JSON: storage keeps them as bytes in
    /// their own rows, read only when a note's content is shown, downloaded or exported.
    #[serde(default, with = "base64_bytes")]
    pub data: Vec<u8>,
}

/// A note's bytes in JSON as base64 (the FHIR way), so a record survives serde as it is; the
/// stored note row holds none (`note_store` empties them first, as their own rows keep them).
mod base64_bytes {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)
    }
}

/// A clinical note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClinicalNote {
    pub fhir_id: String,
    /// current, superseded or entered-in-error.
    pub status: String,
    /// preliminary, final, amended or entered-in-error.
    pub doc_status: Option<String>,
    /// Every coding of `type`, in the source's order (Synthea gives two LOINC codes).
    pub types: Vec<Concept>,
    pub type_text: Option<String>,
    /// Every coding of every `category`.
    pub categories: Vec<Concept>,
    /// `date`: when the note was written.
    pub date: Option<DateTime<Utc>>,
    /// The authors as the source names them (display text only).
    pub authors: Vec<String>,
    pub description: Option<String>,
    /// The FHIR id of the visit (`context.encounter`) the note belongs to.
    pub encounter: Option<String>,
    /// `context.period`.
    pub period_start: Option<DateTime<Utc>>,
    pub period_end: Option<DateTime<Utc>>,
    pub contents: Vec<NoteContent>,
}

impl ClinicalNote {
    /// The note's date for lists and sorting: when written, else when its visit began.
    pub fn when(&self) -> Option<DateTime<Utc>> {
        self.date.or(self.period_start)
    }

    /// What kind of note it is, in the source's words; "Clinical note" when the source gives
    /// none (English: the FHIR export's; the pages say `rust-note-untitled`, see
    /// [`Self::source_title`]).
    pub fn title(&self) -> String {
        self.source_title()
            .unwrap_or_else(|| "Clinical note".to_owned())
    }

    /// What kind of note it is, in the source's words, if the source says.
    pub fn source_title(&self) -> Option<String> {
        match (&self.type_text, self.types.first()) {
            (Some(t), _) if !t.trim().is_empty() => Some(t.trim().to_owned()),
            (_, Some(c)) => Some(c.display.clone()),
            _ => None,
        }
    }
}

/// A patient's whole chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientRecord {
    pub patient: Patient,
    #[serde(default)]
    pub demographics: Demographics,
    pub encounters: Vec<Encounter>,
    pub conditions: Vec<Condition>,
    pub medications: Vec<Medication>,
    pub allergies: Vec<Allergy>,
    pub immunizations: Vec<Immunization>,
    pub observations: Vec<Observation>,
    #[serde(default)]
    pub procedures: Vec<Procedure>,
    #[serde(default)]
    pub care_plans: Vec<CarePlan>,
    #[serde(default)]
    pub goals: Vec<Goal>,
    #[serde(default)]
    pub reports: Vec<DiagnosticReport>,
    #[serde(default)]
    pub imaging: Vec<ImagingStudy>,
    /// Clinical notes (DocumentReference, #27), newest first as stored.
    #[serde(default)]
    pub notes: Vec<ClinicalNote>,
    /// Clinicians, clinics, care teams and costs (issue 27 item 2).
    #[serde(default)]
    pub people: People,
    /// The items whose source resource was labelled restricted or very restricted (#29).
    #[serde(default)]
    pub security_labels: Vec<SecurityLabel>,
}

/// A confidentiality label that a source resource carried in `meta.security` (system
/// [`systems::CONFIDENTIALITY`], code R or V, #29): which item it marks, by the FHIR type and id
/// the item keeps. A guardian of an adolescent sees no item so marked, whatever its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityLabel {
    /// The FHIR resource type ("Condition", "MedicationRequest", "Observation", ...).
    pub resource_type: String,
    pub fhir_id: String,
    /// "R" (restricted) or "V" (very restricted).
    pub code: String,
}

impl SecurityLabel {
    /// The confidentiality codes the portal keeps: the ones that restrict who may see an item.
    pub const KEPT: [&'static str; 2] = ["R", "V"];
}

/// How many of each kind a record holds (for import summaries and tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCounts {
    pub encounters: usize,
    pub conditions: usize,
    pub medications: usize,
    pub allergies: usize,
    pub immunizations: usize,
    pub observations: usize,
    pub procedures: usize,
    pub care_plans: usize,
    pub goals: usize,
    pub reports: usize,
    pub imaging_studies: usize,
    pub notes: usize,
}

impl std::fmt::Display for RecordCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} encounters, {} conditions, {} medications, {} allergies, {} immunizations, {} observations, \
             {} procedures, {} care plans, {} goals, {} diagnostic reports, {} imaging studies, {} notes",
            self.encounters,
            self.conditions,
            self.medications,
            self.allergies,
            self.immunizations,
            self.observations,
            self.procedures,
            self.care_plans,
            self.goals,
            self.reports,
            self.imaging_studies,
            self.notes
        )
    }
}

/// Totals over several bundles (the import summary adds them up).
impl std::ops::AddAssign for RecordCounts {
    fn add_assign(&mut self, other: RecordCounts) {
        self.encounters += other.encounters;
        self.conditions += other.conditions;
        self.medications += other.medications;
        self.allergies += other.allergies;
        self.immunizations += other.immunizations;
        self.observations += other.observations;
        self.procedures += other.procedures;
        self.care_plans += other.care_plans;
        self.goals += other.goals;
        self.reports += other.reports;
        self.imaging_studies += other.imaging_studies;
        self.notes += other.notes;
    }
}

impl PatientRecord {
    pub fn new(patient: Patient) -> Self {
        PatientRecord {
            patient,
            demographics: Demographics::default(),
            encounters: Vec::new(),
            conditions: Vec::new(),
            medications: Vec::new(),
            allergies: Vec::new(),
            immunizations: Vec::new(),
            observations: Vec::new(),
            procedures: Vec::new(),
            care_plans: Vec::new(),
            goals: Vec::new(),
            reports: Vec::new(),
            imaging: Vec::new(),
            notes: Vec::new(),
            people: People::default(),
            security_labels: Vec::new(),
        }
    }

    pub fn counts(&self) -> RecordCounts {
        RecordCounts {
            encounters: self.encounters.len(),
            conditions: self.conditions.len(),
            medications: self.medications.len(),
            allergies: self.allergies.len(),
            immunizations: self.immunizations.len(),
            observations: self.observations.len(),
            procedures: self.procedures.len(),
            care_plans: self.care_plans.len(),
            goals: self.goals.len(),
            reports: self.reports.len(),
            imaging_studies: self.imaging.len(),
            notes: self.notes.len(),
        }
    }

    /// "No known allergies" only when the record says so and lists no real allergy; "None
    /// recorded" when it says nothing. Refuted and entered-in-error entries are ignored.
    pub fn allergy_summary(&self) -> AllergySummary<'_> {
        let live = self.allergies.iter().filter(|a| !a.is_retracted());
        let (nka, real): (Vec<&Allergy>, Vec<&Allergy>) =
            live.partition(|a| a.is_no_known_allergy());
        if !real.is_empty() {
            AllergySummary::Allergies(real)
        } else if nka
            .iter()
            .any(|a| a.clinical_status.is_none_or(ClinicalStatus::is_active))
        {
            AllergySummary::NoKnownAllergies
        } else {
            AllergySummary::NoneRecorded
        }
    }

    pub fn active_conditions(&self) -> impl Iterator<Item = &Condition> {
        self.conditions.iter().filter(|c| c.is_active())
    }

    pub fn active_medications(&self) -> impl Iterator<Item = &Medication> {
        self.medications.iter().filter(|m| m.is_active())
    }

    /// The latest observation of each LOINC code, ordered by code.
    pub fn latest_observations(&self) -> Vec<&Observation> {
        let mut latest: std::collections::BTreeMap<&str, &Observation> = Default::default();
        for o in &self.observations {
            let Some(code) = o.loinc() else { continue };
            match latest.get(code) {
                Some(prev) if Observation::newest_first(prev, o).is_le() => {}
                _ => {
                    latest.insert(code, o);
                }
            }
        }
        latest.into_values().collect()
    }

    /// All observations of one LOINC code, oldest first (the reverse of
    /// [`Observation::newest_first`]).
    pub fn observation_history(&self, loinc: &str) -> Vec<&Observation> {
        let mut found: Vec<&Observation> = self
            .observations
            .iter()
            .filter(|o| o.loinc() == Some(loinc))
            .collect();
        found.sort_by(|a, b| Observation::newest_first(b, a));
        found
    }
}

// ---- The people, places and costs around a record (issue 27 item 2) ----
// Practitioner, PractitionerRole, Organization, Location, CareTeam, Claim and
// ExplanationOfBenefit, kept per patient: a clinician who saw two patients is stored once for
// each, so a patient's record (and the API that serves it) never reaches a row that another
// patient's bundle brought. Links between them are FHIR ids of this record; a reference that
// did not resolve at import keeps only its display text. (Here and not in a module of their
// own: `PatientRecord` holds them and they hold `Concept`s and `Address`es.)
/// Everything of this module a record holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct People {
    #[serde(default)]
    pub practitioners: Vec<Practitioner>,
    #[serde(default)]
    pub roles: Vec<PractitionerRole>,
    #[serde(default)]
    pub organizations: Vec<Organization>,
    #[serde(default)]
    pub locations: Vec<Location>,
    #[serde(default)]
    pub care_teams: Vec<CareTeam>,
    #[serde(default)]
    pub claims: Vec<Claim>,
    #[serde(default)]
    pub benefits: Vec<ExplanationOfBenefit>,
}

impl People {
    pub fn practitioner(&self, id: &str) -> Option<&Practitioner> {
        self.practitioners.iter().find(|p| p.fhir_id == id)
    }

    pub fn organization(&self, id: &str) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.fhir_id == id)
    }

    pub fn location(&self, id: &str) -> Option<&Location> {
        self.locations.iter().find(|l| l.fhir_id == id)
    }

    /// What a clinician does: the specialty (else the code) of one of their roles, else their
    /// qualification.
    pub fn specialty_of(&self, practitioner_id: &str) -> Option<&Concept> {
        self.roles
            .iter()
            .filter(|r| r.practitioner.as_deref() == Some(practitioner_id))
            .find_map(|r| r.specialty.as_ref().or(r.code.as_ref()))
            .or_else(|| {
                self.practitioner(practitioner_id)
                    .and_then(|p| p.qualification.as_ref())
            })
    }

    /// A clinician's phone: their own, else one of their roles'.
    pub fn phone_of(&self, practitioner_id: &str) -> Option<&str> {
        self.practitioner(practitioner_id)
            .and_then(|p| p.phone.as_deref())
            .or_else(|| {
                self.roles
                    .iter()
                    .filter(|r| r.practitioner.as_deref() == Some(practitioner_id))
                    .find_map(|r| r.phone.as_deref())
            })
    }
}

/// `Identifier` (system and value), kept so conditional references
/// (`Practitioner?identifier=system|value`) resolve and the export gives them back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identifier {
    pub system: Option<String>,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Practitioner {
    pub fhir_id: String,
    pub identifiers: Vec<Identifier>,
    /// "Dr. Terrance Schultz".
    pub name: Option<String>,
    pub family: Option<String>,
    pub given: Vec<String>,
    pub prefix: Vec<String>,
    pub gender: Option<String>,
    pub address: Option<Address>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The first `qualification.code`.
    pub qualification: Option<Concept>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PractitionerRole {
    pub fhir_id: String,
    /// The Practitioner of this record it belongs to.
    pub practitioner: Option<String>,
    pub organization: Option<String>,
    pub code: Option<Concept>,
    pub specialty: Option<Concept>,
    pub locations: Vec<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub fhir_id: String,
    pub identifiers: Vec<Identifier>,
    pub name: Option<String>,
    pub kind: Option<Concept>,
    pub address: Option<Address>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub fhir_id: String,
    pub identifiers: Vec<Identifier>,
    pub name: Option<String>,
    /// active, suspended, inactive.
    pub status: Option<String>,
    pub address: Option<Address>,
    pub phone: Option<String>,
    /// The managing Organization of this record.
    pub organization: Option<String>,
}

/// A reference to a person or place: the resource of this record it resolved to (type and
/// FHIR id), and the display text the source gave or the name it resolved to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartyRef {
    /// Practitioner, PractitionerRole, Organization, Location or Patient; `None` when the
    /// reference did not resolve.
    pub kind: Option<String>,
    pub id: Option<String>,
    pub display: Option<String>,
    /// The identifier of a conditional reference that did not resolve
    /// (`Practitioner?identifier=system|value`), kept as the logical reference it is.
    #[serde(default)]
    pub identifier: Option<Identifier>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CareTeamMember {
    pub role: Option<Concept>,
    pub member: PartyRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CareTeam {
    pub fhir_id: String,
    /// proposed, active, suspended, inactive, entered-in-error.
    pub status: Option<String>,
    pub name: Option<String>,
    pub encounter: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub reason: Option<Concept>,
    pub members: Vec<CareTeamMember>,
    pub managing: Vec<PartyRef>,
}

/// An amount of money in minor units (cents), so sums are exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub cents: i64,
    /// ISO 4217 ("USD").
    pub currency: String,
}

impl Money {
    /// "$1,234.50" for US dollars, "1,234.50 EUR" for another currency: as the page's
    /// language writes money ("1.234,50 US$" in Spanish).
    pub fn text(&self) -> String {
        crate::i18n::format::money(crate::i18n::current(), self.cents, &self.currency)
    }

    /// The amount as a FHIR decimal (a JSON number with two decimals' worth of precision).
    pub fn decimal(&self) -> f64 {
        self.cents as f64 / 100.0
    }
}

/// One insurance of a claim: the coverage, by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Insurance {
    pub sequence: u32,
    pub focal: bool,
    pub coverage: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimItem {
    pub sequence: u32,
    pub service: Concept,
    pub encounter: Option<String>,
    pub net: Option<Money>,
}

/// A Claim: what the provider billed for a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    pub fhir_id: String,
    pub status: String,
    pub kind: Concept,
    /// claim, preauthorization, predetermination.
    pub use_: String,
    pub created: DateTime<Utc>,
    pub billable_start: Option<DateTime<Utc>>,
    pub billable_end: Option<DateTime<Utc>>,
    pub provider: PartyRef,
    pub priority: Concept,
    pub insurance: Vec<Insurance>,
    pub items: Vec<ClaimItem>,
    pub total: Option<Money>,
}

impl Claim {
    /// The visit this claim bills: the first item's encounter.
    pub fn encounter(&self) -> Option<&str> {
        self.items.iter().find_map(|i| i.encounter.as_deref())
    }
}

/// One amount of an ExplanationOfBenefit total or adjudication: its category and the money.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Amount {
    pub category: Concept,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenefitItem {
    pub sequence: u32,
    pub service: Concept,
    pub encounter: Option<String>,
    pub adjudication: Vec<Amount>,
}

/// An ExplanationOfBenefit: what the insurer made of a claim and what it paid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplanationOfBenefit {
    pub fhir_id: String,
    pub status: String,
    pub kind: Concept,
    pub use_: String,
    pub created: DateTime<Utc>,
    pub billable_start: Option<DateTime<Utc>>,
    pub billable_end: Option<DateTime<Utc>>,
    /// The insurer, by name.
    pub insurer: String,
    pub provider: PartyRef,
    /// The Claim of this record it answers.
    pub claim: Option<String>,
    /// queued, complete, error, partial.
    pub outcome: String,
    pub insurance: Vec<Insurance>,
    pub items: Vec<BenefitItem>,
    pub totals: Vec<Amount>,
    pub payment: Option<Money>,
}

impl ExplanationOfBenefit {
    pub fn encounter(&self) -> Option<&str> {
        self.items.iter().find_map(|i| i.encounter.as_deref())
    }

    /// The total of one adjudication category ("submitted", "benefit", "copay", ...).
    pub fn total(&self, category: &str) -> Option<&Money> {
        self.totals
            .iter()
            .find(|t| t.category.code == category)
            .map(|t| &t.amount)
    }
}

/// The parties a visit names: resolved to this record's resources where the bundle allowed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EncounterParties {
    /// The first participant's Practitioner.
    pub practitioner: Option<String>,
    /// The `serviceProvider` Organization.
    pub organization: Option<String>,
    /// The first `location`'s Location, and its name.
    pub location: Option<String>,
    pub location_name: Option<String>,
}

impl EncounterParties {
    pub fn is_empty(&self) -> bool {
        self == &EncounterParties::default()
    }
}

#[cfg(test)]
mod people_tests {
    use super::*;

    #[test]
    fn money_is_written_with_its_currency_and_grouped_digits() {
        let m = |cents, currency: &str| Money {
            cents,
            currency: currency.into(),
        };
        assert_eq!(m(12_500, "USD").text(), "$125.00");
        assert_eq!(m(123_456_789, "USD").text(), "$1,234,567.89");
        assert_eq!(m(5, "USD").text(), "$0.05");
        assert_eq!(m(100_050, "EUR").text(), "1,000.50 EUR");
        assert_eq!(m(-2_000, "USD").text(), "-$20.00");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn patient() -> Patient {
        Patient {
            fhir_id: "p1".into(),
            given: "Ada".into(),
            family: "Byron".into(),
            birth_date: NaiveDate::from_ymd_opt(1980, 6, 15).unwrap_or_default(),
            sex: Sex::Female,
            deceased: None,
            mrn: Mrn {
                system: None,
                value: "MRN-1".into(),
            },
            address: None,
            phone: None,
        }
    }

    fn allergy(id: &str, code: &str, verification: Option<&str>) -> Allergy {
        Allergy {
            fhir_id: id.into(),
            code: Concept::new(systems::SNOMED, code, "x"),
            clinical_status: Some(ClinicalStatus::Active),
            verification_status: verification.map(str::to_owned),
            kind: None,
            categories: vec![],
            criticality: None,
            recorded: None,
        }
    }

    #[test]
    fn allergy_summary_distinguishes_nothing_recorded_from_no_known_allergies() {
        let mut record = PatientRecord::new(patient());
        assert_eq!(record.allergy_summary(), AllergySummary::NoneRecorded);

        record
            .allergies
            .push(Allergy::no_known_allergies("nka".into(), None));
        assert_eq!(record.allergy_summary(), AllergySummary::NoKnownAllergies);

        record
            .allergies
            .push(allergy("pen", "91936005", Some("confirmed")));
        match record.allergy_summary() {
            AllergySummary::Allergies(list) => {
                assert_eq!(list.len(), 1);
                assert_eq!(list[0].fhir_id, "pen");
            }
            other => panic!("expected allergies, got {other:?}"),
        }
    }

    #[test]
    fn retracted_statements_do_not_count() {
        let mut record = PatientRecord::new(patient());
        let mut nka = Allergy::no_known_allergies("nka".into(), None);
        nka.verification_status = Some("entered-in-error".into());
        record.allergies.push(nka);
        record
            .allergies
            .push(allergy("pen", "91936005", Some("refuted")));
        assert_eq!(record.allergy_summary(), AllergySummary::NoneRecorded);
    }

    #[test]
    fn inactive_no_known_allergy_is_not_a_statement_of_none() {
        let mut record = PatientRecord::new(patient());
        let mut nka = Allergy::no_known_allergies("nka".into(), None);
        nka.clinical_status = Some(ClinicalStatus::Inactive);
        record.allergies.push(nka);
        assert_eq!(record.allergy_summary(), AllergySummary::NoneRecorded);
    }

    #[test]
    fn age_stops_at_death() {
        let mut p = patient();
        let today = NaiveDate::from_ymd_opt(2024, 6, 14).unwrap_or_default();
        assert_eq!(p.age_on(today), Some(43));
        p.deceased = Some(Deceased::OnDate(
            NaiveDate::from_ymd_opt(2020, 6, 15).unwrap_or_default(),
        ));
        assert_eq!(p.age_on(today), Some(40));
        assert_eq!(p.display_name(), "Ada Byron");
    }

    #[test]
    fn latest_and_history_by_loinc() {
        let mut record = PatientRecord::new(patient());
        for (id, day, v) in [("a", 3, 1.0), ("b", 1, 2.0), ("c", 2, 3.0)] {
            record.observations.push(Observation {
                fhir_id: id.into(),
                code: Concept::new(systems::LOINC, "2345-7", "Glucose"),
                status: "final".into(),
                category: ObservationCategory::Laboratory,
                effective: Utc
                    .with_ymd_and_hms(2020, 1, day, 0, 0, 0)
                    .single()
                    .unwrap_or_default(),
                value: ObservationValue::Quantity(Quantity {
                    value: v,
                    unit: "mg/dL".into(),
                }),
                encounter: None,
            });
        }
        let latest = record.latest_observations();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].fhir_id, "a");
        let ids: Vec<&str> = record
            .observation_history("2345-7")
            .iter()
            .map(|o| o.fhir_id.as_str())
            .collect();
        assert_eq!(ids, ["b", "c", "a"]);
    }

    #[test]
    fn results_taken_at_the_same_moment_have_one_order() {
        let mut record = PatientRecord::new(patient());
        let when = Utc
            .with_ymd_and_hms(2020, 1, 1, 9, 0, 0)
            .single()
            .unwrap_or_default();
        // Stored in an order that is neither the ids' nor their reverse.
        for id in ["m", "z", "a"] {
            record.observations.push(Observation {
                fhir_id: id.into(),
                code: Concept::new(systems::LOINC, "2345-7", "Glucose"),
                status: "final".into(),
                category: ObservationCategory::Laboratory,
                effective: when,
                value: ObservationValue::Empty,
                encounter: None,
            });
        }
        assert_eq!(record.latest_observations()[0].fhir_id, "a");
        let oldest_first: Vec<&str> = record
            .observation_history("2345-7")
            .iter()
            .map(|o| o.fhir_id.as_str())
            .collect();
        assert_eq!(oldest_first, ["z", "m", "a"], "the latest comes last");
        let mut newest: Vec<Observation> = record.observations.clone();
        newest.sort_by(Observation::newest_first);
        assert_eq!(newest[0].fhir_id, "a");
    }

    #[test]
    fn counts_add_up_and_name_every_kept_kind() {
        let mut total = RecordCounts::default();
        let one = RecordCounts {
            procedures: 2,
            care_plans: 1,
            imaging_studies: 1,
            ..RecordCounts::default()
        };
        total += one;
        total += one;
        assert_eq!(total.procedures, 4);
        let text = total.to_string();
        for kind in [
            "4 procedures",
            "2 care plans",
            "0 goals",
            "0 diagnostic reports",
            "2 imaging studies",
        ] {
            assert!(text.contains(kind), "{text}");
        }
    }

    #[test]
    fn condition_activity_respects_verification() {
        let mut c = Condition {
            fhir_id: "c".into(),
            code: Concept::new(systems::SNOMED, "59621000", "Hypertension"),
            clinical_status: Some(ClinicalStatus::Relapse),
            verification_status: Some("confirmed".into()),
            onset: None,
            abatement: None,
            recorded: None,
            encounter: None,
            category: None,
        };
        assert!(c.is_active());
        c.verification_status = Some("entered-in-error".into());
        assert!(!c.is_active());
        c.verification_status = None;
        c.clinical_status = Some(ClinicalStatus::Resolved);
        assert!(!c.is_active());
    }
}
