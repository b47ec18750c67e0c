//! How many upload bytes the portal holds at once, across every request of this instance (in
//! web/, as app state holds it and the message handlers use it).
//!
//! A message's files wait in spool files (see `messages::draft`) until the audit entry is committed and
//! the message is stored in one short transaction (never a write transaction held open while
//! a slow client sends), so memory per form is about one chunk; what the forms in flight cost
//! is spool space and the work of storing them. Before a form is read its declared length is
//! reserved here; past the cap (PORTAL_UPLOAD_BYTES_IN_FLIGHT) the request gets the 503 page
//! with `Retry-After` and nothing of it is read or stored. The reservation ends with the request.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The default cap: two of the largest forms at once (see `draft::HARD_LIMIT_BYTES`).
pub const DEFAULT_BYTES_IN_FLIGHT: usize = 64 * 1024 * 1024;
/// What the 503 asks a browser to wait before trying again, in seconds.
pub const RETRY_AFTER_SECONDS: u64 = 10;

#[derive(Debug)]
pub struct UploadBudget {
    cap: usize,
    in_flight: Arc<AtomicUsize>,
}

impl Default for UploadBudget {
    fn default() -> Self {
        UploadBudget::new(DEFAULT_BYTES_IN_FLIGHT)
    }
}

impl UploadBudget {
    pub fn new(cap: usize) -> UploadBudget {
        UploadBudget {
            cap,
            in_flight: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Holds `bytes` of the budget until the reservation is dropped, or `None` when they would
    /// take the bytes in flight past the cap.
    pub fn reserve(&self, bytes: usize) -> Option<Reservation> {
        let mut current = self.in_flight.load(Ordering::Acquire);
        loop {
            let next = current.checked_add(bytes).filter(|n| *n <= self.cap)?;
            match self.in_flight.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    return Some(Reservation {
                        bytes,
                        in_flight: self.in_flight.clone(),
                    })
                }
                Err(seen) => current = seen,
            }
        }
    }

    /// Bytes reserved right now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }
}

/// Bytes of the budget held by one request; given back when dropped (whatever the outcome).
#[derive(Debug)]
pub struct Reservation {
    bytes: usize,
    in_flight: Arc<AtomicUsize>,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_stop_at_the_cap_and_are_given_back_when_dropped() {
        let budget = UploadBudget::new(100);
        let a = budget.reserve(60).expect("fits");
        assert!(budget.reserve(41).is_none(), "past the cap");
        let b = budget.reserve(40).expect("exactly the cap");
        assert_eq!(budget.in_flight(), 100);
        assert!(budget.reserve(1).is_none());
        drop(a);
        assert_eq!(budget.in_flight(), 40);
        assert!(
            budget.reserve(60).is_some(),
            "dropped at once: 60 free again"
        );
        drop(b);
        assert_eq!(budget.in_flight(), 0);
        assert!(budget.reserve(usize::MAX).is_none(), "no overflow");
        assert!(
            budget.reserve(101).is_none(),
            "larger than the cap never fits"
        );
    }
}
