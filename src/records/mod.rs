//! Patient records: what a patient's chart holds and how it enters and leaves the portal.
//!
//! This module owns the domain types of the chart (`model`), reading FHIR R4 bundles as Synthea
//! writes them (`fhir_import`), writing a patient's whole record as a FHIR R4 bundle
//! (`fhir_export`), and our reference-range table and result flags (`ranges`).
//! The deterministic demo patients are made apart, in `crate::demo`.
//!
//! It is pure domain logic: it knows nothing of OpenID Connect, sessions, HTTP or who is asking.
//! Deciding who may read a record, and auditing that they did, happens before anything here is
//! called; storing records is the storage layer's job.

pub mod fhir_export;
pub mod fhir_import;
pub mod ids;
pub mod model;
pub mod notes;
pub mod ranges;
#[cfg(test)]
pub(crate) mod test_support;

pub use fhir_export::{export_bundle, export_bundle_at};
pub use fhir_import::{parse_bundle, ImportError, ParsedBundle};
pub use ids::{LoincCode, PatientId};
pub use model::{
    Allergy, AllergyCategory, AllergySummary, ClinicalStatus, Component, ComponentValue, Concept,
    Condition, Criticality, Deceased, Encounter, Immunization, Medication, MedicationStatus, Mrn,
    Observation, ObservationCategory, ObservationValue, Patient, PatientRecord, Quantity,
    RecordCounts, Sex,
};
pub use ranges::{flag, format_value, Flag, ReferenceRange};
pub use section::Section;
pub mod care_views;
pub mod chart_cache;
pub mod chart_svg;
pub mod note_export;
pub mod note_pages;
pub mod note_store;
pub mod note_views;
pub mod pages;
pub mod people_store;
pub mod people_views;
pub mod search_keys;
pub mod section;
pub mod store;
mod upsert;
pub mod us_core;
pub mod views;
