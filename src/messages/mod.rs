//! Secure messages between a patient and their care team (`/messages/*` for the patient,
//! `/staff/messages/*` for clinicians).
//!
//! Owns: conversations (threads), their messages and attachments, the staff inbox, the unread
//! counts in the header. Every read and write of a thread goes through `access`: the patient's
//! side from the session's linked patient (never an id from the URL), the staff side for the
//! care team or a live break-the-glass grant; the audit entry is committed before anything is
//! read or stored. Must never: store part of a refused message, serve an attachment inline or
//! with a type we did not sniff, or put message content in a log or a notification.

mod common;
pub mod draft;
pub mod header;
mod patient;
mod staff;
pub mod store;

pub use common::PROXY_AUTHOR_JOIN;
pub use draft::{Body, Category, FileKind, MAX_FILES, MAX_FILE_BYTES};
pub use patient::{attachment, create, list, new_form, reply, thread};
pub use staff::{
    attachment as staff_attachment, inbox as staff_inbox, reply as staff_reply,
    thread as staff_thread, update as staff_update,
};
