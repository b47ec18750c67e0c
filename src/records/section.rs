//! The parts of a chart that can be opened: one vocabulary for the access check, the audit
//! entry's detail and the access log that reads it back.
//!
//! The string of each section is what the audit trail stores (`audit_log.detail`): it never
//! changes for a section that exists, or old entries stop reading as what they were. This
//! module depends on nothing but `vocab`: `access` and `audit` both use it.

use crate::vocab::stored_enum;

stored_enum! {
    /// What part of the chart is opened: it becomes the audit entry's detail.
    pub enum Section ("chart section") {
        Summary => "summary",
        Conditions => "conditions",
        Medications => "medications",
        Allergies => "allergies",
        Immunizations => "immunizations",
        Labs => "labs",
        LabHistory => "lab_history",
        Vitals => "vitals",
        Visits => "visits",
        /// One visit and what happened in it.
        Visit => "visit",
        Procedures => "procedures",
        CarePlans => "care_plans",
        Reports => "reports",
        SocialHistory => "social_history",
        /// The clinical notes (issue 27): the list.
        Notes => "notes",
        /// One clinical note, or a download of its content.
        Note => "note",
        /// What visits cost and what insurance paid (issue 27).
        Billing => "billing",
        /// The care team: clinicians, clinics and places of the record (issue 27).
        CareTeam => "care_team",
        Export => "export",
        AccessLog => "access_log",
        AccessLogExport => "access_log_export",
        PrintableSummary => "printable_summary",
        /// Reading message threads (the list or one conversation).
        Messages => "messages",
        /// Writing a message (a new conversation or a reply).
        MessageSend => "message_send",
        /// Assigning a conversation or marking it done.
        MessageUpdate => "message_update",
        /// Downloading a message's attachment.
        MessageAttachment => "message_attachment",
        /// Reading appointments (the list, one request, its calendar file).
        Appointments => "appointments",
        /// Requesting, booking, proposing, declining, cancelling or closing an appointment.
        AppointmentChange => "appointment_change",
        /// Reading medication renewal requests (the staff side; the patient's are on the
        /// medications page).
        Renewals => "renewals",
        /// Asking for a renewal, or approving or declining one.
        RenewalChange => "renewal_change",
        /// The patient's home page: new results and messages, appointments, open requests.
        Home => "home",
        /// Reading the record to make a share link of it (#30).
        ShareLink => "share_link",
        /// Reading the immunizations to make a health card of them (#30).
        HealthCard => "health_card",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_round_trips_through_its_stored_string() {
        crate::vocab::assert_round_trips(Section::ALL);
        assert_eq!(Section::ALL.len(), 33);
        assert_eq!("lab_history".parse(), Ok(Section::LabHistory));
        assert!("lab-history".parse::<Section>().is_err());
    }
}
