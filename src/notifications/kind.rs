//! What a notification is about: its kind, stored as a string, and the few words its mail says.
//! A leaf, so the queue (`mod.rs`) and the sender both use it without using each other.

/// What happened. Each kind says the same few words and links to the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    NewMessage,
    /// An appointment request was answered, or an appointment changed.
    AppointmentUpdate,
    /// The day before a booked appointment (queued with a `next_attempt_at` in the future).
    AppointmentReminder,
    /// A medication renewal request was decided.
    RenewalUpdate,
    /// An import added results to the patient's record.
    NewResults,
    /// An invitation to act for a patient (#29): says neither who nor anything of health.
    ProxyInvitation,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NewMessage => "new_message",
            Kind::AppointmentUpdate => "appointment_update",
            Kind::AppointmentReminder => "appointment_reminder",
            Kind::RenewalUpdate => "renewal_update",
            Kind::NewResults => "new_results",
            Kind::ProxyInvitation => "proxy_invitation",
        }
    }

    pub(super) fn parse(s: &str) -> Option<Kind> {
        match s {
            "new_message" => Some(Kind::NewMessage),
            "appointment_update" => Some(Kind::AppointmentUpdate),
            "appointment_reminder" => Some(Kind::AppointmentReminder),
            "renewal_update" => Some(Kind::RenewalUpdate),
            "new_results" => Some(Kind::NewResults),
            "proxy_invitation" => Some(Kind::ProxyInvitation),
            _ => None,
        }
    }

    /// Subject and text of the mail: the same for every recipient, with only the link added.
    pub fn compose(self, link: &str) -> (String, String) {
        match self {
            Kind::NewMessage => (
                "New message in your patient portal".to_string(),
                format!(
                    "You have a new message in your patient portal.\r\n\r\n\
                     Sign in to read it: {link}\r\n\r\n\
                     For your privacy, this e-mail does not say who wrote or what it is about.\r\n"
                ),
            ),
            Kind::AppointmentUpdate => (
                "News about an appointment in your patient portal".to_string(),
                format!(
                    "There is news about an appointment in your patient portal.\r\n\r\n\
                     Sign in to see it: {link}\r\n\r\n\
                     For your privacy, this e-mail does not say more.\r\n"
                ),
            ),
            Kind::AppointmentReminder => (
                "Reminder from your patient portal".to_string(),
                format!(
                    "A reminder: you have an appointment tomorrow.\r\n\r\n\
                     Sign in to see when and where: {link}\r\n\r\n\
                     For your privacy, this e-mail does not say more.\r\n"
                ),
            ),
            Kind::RenewalUpdate => (
                "News in your patient portal".to_string(),
                format!(
                    "Your care team has answered a request in your patient portal.\r\n\r\n\
                     Sign in to see it: {link}\r\n\r\n\
                     For your privacy, this e-mail does not say more.\r\n"
                ),
            ),
            // Not "results": which kind of information arrived is itself about the patient's
            // health (that tests were done).
            Kind::ProxyInvitation => (
                "An invitation to a patient portal".to_string(),
                format!(
                    "Someone has invited you to help with their care in the patient portal.\r\n\r\n\
                     Sign in (or create an account) to see the invitation: {link}\r\n\r\n\
                     For your privacy, this e-mail does not say who or more.\r\n"
                ),
            ),
            Kind::NewResults => (
                "New information in your patient portal".to_string(),
                format!(
                    "New information is waiting for you in your patient portal.\r\n\r\n\
                     Sign in to see it: {link}\r\n\r\n\
                     For your privacy, this e-mail does not say more.\r\n"
                ),
            ),
        }
    }
}
