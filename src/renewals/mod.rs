//! Medication renewals: "Ask for a renewal" on an active medication (`/records/medications`),
//! the care team's queue (`/staff/renewals`), approve (optionally with a new quantity and
//! refills) or decline with a reason, and the outcome on the patient's medications page. An
//! approval is a new prescription: the export writes it as a `MedicationRequest` whose
//! `priorPrescription` is the old one.
//!
//! Owns: renewal requests, their states (`RenewalState::decide`, the one place that says which
//! moves are allowed), the preferred pharmacy on `/account`. Every read and change goes through
//! `access` first. Must never: decide one request twice (a conditional UPDATE on
//! `state = 'requested'`, checked by rows affected), renew a medication that is not the
//! patient's own active one, renew anything for a patient whose record says they have died
//! (`store::patient_deceased`), or put a medication's name into a mail or a log. Records pages
//! call into this module; it imports nothing from them but the record store and model.

pub mod demo;
pub mod fhir;
mod patient;
pub mod pharmacy;
mod staff;
pub mod state;
pub mod store;

pub use patient::{deceased_words, medications_context, parse_request, request, RequestForm};
pub use staff::{decide as staff_decide, queue as staff_queue, show as staff_show};
pub use state::{Decision, RenewalState};
