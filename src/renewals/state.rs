//! Where a renewal request is, and the one place that says which decisions are allowed.

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

    /// In words, for the pages, in the language of the request (#31; `words.ftl`).
    pub fn label(self) -> String {
        crate::i18n::tr_args(
            crate::i18n::current(),
            "renewal-state",
            &[("state", self.as_str().into())],
        )
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
