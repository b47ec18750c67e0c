//! The audit trail: one append-only, chained row per access to patient data and per
//! security event.
//!
//! Each row stores the MAC (HMAC-SHA256 with the audit key, `key.rs`) of the previous row's
//! MAC and of its own canonical content, so an edit, a deletion, a swap or a renumbering
//! breaks the chain, and `patient-portal audit verify` finds the first broken row. Rows hold
//! opaque ids only: never a name, e-mail, token or record content.
//!
//! Failure policy, written once: an entry that is not committed is an error
//! ([`AuditError`]), and every such error becomes the 503 page (`From<AuditError> for
//! AppError` in `web/errors.rs`). Nothing that shows data or changes state may go on without its entry.

mod chain;
mod entry;
mod head;
pub mod key;
pub mod pages;
mod segments;
mod writer;

pub use chain::{read_checkpoints, verify, Checkpoint, Verification};
pub use entry::{Action, Actor, AuditError, Entry, Outcome, RequestMeta, GENESIS};
pub use key::{AuditKey, KeyRing};
pub use segments::{rotate, Rotated};
pub use writer::{append, checkpoint, readiness, start};

/// The audit key named by the settings (generated in development when unset).
pub fn load_key(settings: &crate::config::Settings) -> anyhow::Result<AuditKey> {
    if settings.audit_key_generated {
        AuditKey::load_or_create(&settings.audit_key_file)
    } else {
        AuditKey::load(&settings.audit_key_file)
    }
}
