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
//! patient's own active one, or put a medication's name into a mail or a log. Records pages
//! call into this module; it imports nothing from them but the record store and model.

pub mod demo;
pub mod fhir;
mod patient;
pub mod pharmacy;
mod staff;
pub mod store;

pub use patient::{medications_context, request};
pub use staff::{decide as staff_decide, queue as staff_queue, show as staff_show};

/// Where a renewal request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenewalState {
    Requested,
    Approved,
    Declined,
}

/// What the clinician decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Decline,
}

impl RenewalState {
    pub fn as_str(self) -> &'static str {
        match self {
            RenewalState::Requested => "requested",
            RenewalState::Approved => "approved",
            RenewalState::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<RenewalState> {
        Some(match s {
            "requested" => RenewalState::Requested,
            "approved" => RenewalState::Approved,
            "declined" => RenewalState::Declined,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            RenewalState::Requested => "Renewal requested: waiting for the care team",
            RenewalState::Approved => "Renewal approved",
            RenewalState::Declined => "Renewal declined",
        }
    }

    /// The state a decision leads to: only a request that is still waiting can be decided.
    pub fn decide(self, decision: Decision) -> Option<RenewalState> {
        match (self, decision) {
            (RenewalState::Requested, Decision::Approve) => Some(RenewalState::Approved),
            (RenewalState::Requested, Decision::Decline) => Some(RenewalState::Declined),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Decision, RenewalState};

    #[test]
    fn a_renewal_is_decided_once() {
        assert_eq!(
            RenewalState::Requested.decide(Decision::Approve),
            Some(RenewalState::Approved)
        );
        assert_eq!(
            RenewalState::Requested.decide(Decision::Decline),
            Some(RenewalState::Declined)
        );
        for done in [RenewalState::Approved, RenewalState::Declined] {
            assert_eq!(done.decide(Decision::Approve), None);
            assert_eq!(done.decide(Decision::Decline), None);
            assert_eq!(RenewalState::parse(done.as_str()), Some(done));
        }
    }
}
