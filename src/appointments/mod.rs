//! Appointments: the patient asks (`/appointments`), the care team books, proposes another
//! time or declines (`/staff/appointments`), and both see the result; a calendar file for each
//! booking, a mail for each answer and a reminder the day before.
//!
//! Owns: appointment requests and bookings, their states (`status`, the one place that says
//! which moves are allowed), the clinician's day, the `.ics` file, the FHIR `Appointment`s of
//! the export. Every read and change goes through `access` first (the patient from the
//! session, never the URL; a clinician on the care team, or with a live break-the-glass grant),
//! so the audit entry is committed before anything is read. Must never: book one clinician
//! twice at the same time, let two decisions on one request both win, or put an appointment's
//! reason, time or place into a mail or a log.

pub mod common;
pub mod demo;
pub mod fhir;
pub mod ics;
mod patient;
mod staff;
pub mod status;
pub mod store;

pub use patient::{
    accept, calendar, cancel, list, mode_label, parse_request, request, RequestForm, DAYS,
};
pub use staff::{
    day as staff_day, decide as staff_decide, queue as staff_queue, show as staff_show, today_range,
};
