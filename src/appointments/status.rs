//! The states an appointment moves through, and the one place that says which moves are
//! allowed. Every change in the store asks `next` first and then updates the row only where
//! it is still in the state it was read in (`WHERE state = $from`), so two decisions on one
//! request resolve once: the loser changes nothing and is told it was already decided.

/// Where an appointment is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// The patient asked; nobody has answered yet.
    Requested,
    /// The care team offered a time; the patient accepts or says no.
    Proposed,
    Booked,
    Declined,
    Cancelled,
    Completed,
    NoShow,
}

/// Something someone does to an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The care team books a time (from a request).
    Book,
    /// The care team offers another time.
    Propose,
    /// The patient takes the offered time.
    Accept,
    /// The care team says no, with a reason.
    Decline,
    /// The patient withdraws a request or offer, or cancels a booking (within the notice);
    /// the care team cancels a booking.
    Cancel,
    Complete,
    NoShow,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Requested => "requested",
            State::Proposed => "proposed",
            State::Booked => "booked",
            State::Declined => "declined",
            State::Cancelled => "cancelled",
            State::Completed => "completed",
            State::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        Some(match s {
            "requested" => State::Requested,
            "proposed" => State::Proposed,
            "booked" => State::Booked,
            "declined" => State::Declined,
            "cancelled" => State::Cancelled,
            "completed" => State::Completed,
            "no_show" => State::NoShow,
            _ => return None,
        })
    }

    /// In words, for the pages, in the language of the request (#31; `words.ftl`).
    pub fn label(self) -> String {
        crate::i18n::tr_args(
            crate::i18n::current(),
            "appointment-state",
            &[("state", self.as_str().into())],
        )
    }

    /// FHIR R4 Appointment.status.
    pub fn fhir_code(self) -> &'static str {
        match self {
            State::Requested => "proposed",
            State::Proposed => "pending",
            State::Booked => "booked",
            State::Declined | State::Cancelled => "cancelled",
            State::Completed => "fulfilled",
            State::NoShow => "noshow",
        }
    }

    /// Still waiting for someone to decide.
    pub fn is_open_request(self) -> bool {
        matches!(self, State::Requested | State::Proposed)
    }

    /// The state `event` leads to from here, or None when that move is not allowed.
    pub fn next(self, event: Event) -> Option<State> {
        use Event as E;
        use State as S;
        Some(match (self, event) {
            (S::Requested, E::Book) => S::Booked,
            (S::Requested, E::Propose) => S::Proposed,
            (S::Requested | S::Proposed, E::Decline) => S::Declined,
            (S::Requested | S::Proposed | S::Booked, E::Cancel) => S::Cancelled,
            (S::Proposed, E::Accept) => S::Booked,
            (S::Booked, E::Complete) => S::Completed,
            (S::Booked, E::NoShow) => S::NoShow,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{Event, State};

    const ALL: [State; 7] = [
        State::Requested,
        State::Proposed,
        State::Booked,
        State::Declined,
        State::Cancelled,
        State::Completed,
        State::NoShow,
    ];

    #[test]
    fn states_round_trip_through_their_names() {
        for s in ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert_eq!(State::parse("BOOKED"), None);
    }

    #[test]
    fn a_request_is_decided_once_and_finished_states_stay_finished() {
        assert_eq!(State::Requested.next(Event::Book), Some(State::Booked));
        assert_eq!(State::Booked.next(Event::Book), None);
        assert_eq!(State::Declined.next(Event::Book), None);
        assert_eq!(State::Proposed.next(Event::Accept), Some(State::Booked));
        assert_eq!(State::Requested.next(Event::Accept), None);
        assert_eq!(State::Booked.next(Event::Decline), None);
        for done in [
            State::Declined,
            State::Cancelled,
            State::Completed,
            State::NoShow,
        ] {
            for e in [
                Event::Book,
                Event::Propose,
                Event::Accept,
                Event::Decline,
                Event::Cancel,
                Event::Complete,
                Event::NoShow,
            ] {
                assert_eq!(done.next(e), None, "{done:?} {e:?}");
            }
        }
    }
}
