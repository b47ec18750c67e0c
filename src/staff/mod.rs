//! Clinician pages (`/staff/*`): find patients, read the charts of the patients they care for,
//! issue activation codes, and break the glass in an emergency.
//!
//! Every handler asks for a `Clinician` (a patient gets the 403 page before any handler code
//! runs), and reads a chart only through `access::open_for_clinician`, which checks the care
//! team or a live break-the-glass grant and writes the audit entry first. This module must
//! never read patient data any other way, except the identifying fields (name, date of birth,
//! MRN) that search results, the break-the-glass form and the printed activation code show.
//! Activation codes are issued and revoked under an `access::ActingGrant`; forms are read
//! through `web::csrf::CsrfForm`.
//! Care teams are changed only from the command line (`care_team`), never from the web.

mod break_glass;
pub mod care_team;
mod chart;
mod codes;
mod common;
mod home;
pub mod reasons;
pub mod search;

pub use break_glass::{break_glass_form, break_glass_start, BreakGlassCompletion};
pub use chart::visit as chart_visit;
pub use chart::{chart, lab, section};
pub use chart::{note as chart_note, note_content as chart_note_content};
pub use codes::{issue_code, revoke_code};
pub use home::home;
