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

    /// The language of a recipient (#31), as a page would be for them: the one chosen with the
    /// switch and kept on the account whose address it is (a patient's notification address or
    /// a clinician's in the directory), else the one their last sign-in was read in
    /// (`account_seen_languages`: the browser's `Accept-Language`, for a person who never used
    /// the switch), else `hint` (the language of the page that queued the mail, kept only for
    /// an invitation, whose address may have no account yet), else `default`
    /// (`PORTAL_DEFAULT_LANGUAGE`). Never the pseudo language.
    pub async fn language_of(
        pool: &crate::db::Pool,
        recipient: &str,
        hint: Option<crate::i18n::Lang>,
        default: crate::i18n::Lang,
    ) -> Result<crate::i18n::Lang, sqlx::Error> {
        use crate::i18n::Lang;
        // The accounts of the address: a patient's notification contact or a clinician's
        // directory entry (care teams are mailed there). Two may share it: the latest word of
        // either.
        const KEPT_THEN_SEEN: [&str; 2] = [
            "SELECT language FROM account_languages WHERE b2c_subject IN \
             (SELECT subject FROM notification_contacts WHERE email = $1 \
              UNION SELECT subject FROM clinicians WHERE email = $1) \
             ORDER BY updated_at DESC LIMIT 1",
            "SELECT language FROM account_seen_languages WHERE b2c_subject IN \
             (SELECT subject FROM notification_contacts WHERE email = $1 \
              UNION SELECT subject FROM clinicians WHERE email = $1) \
             ORDER BY updated_at DESC LIMIT 1",
        ];
        for query in KEPT_THEN_SEEN {
            let code: Option<String> = sqlx::query_scalar(query)
                .bind(recipient)
                .fetch_optional(pool)
                .await?;
            if let Some(lang) = code.as_deref().and_then(Lang::parse) {
                if lang != Lang::Pseudo {
                    return Ok(lang);
                }
            }
        }
        Ok(hint.filter(|l| *l != Lang::Pseudo).unwrap_or(default))
    }

    /// Subject and text of the mail in English: the same for every recipient, with only the
    /// link added.
    pub fn compose(self, link: &str) -> (String, String) {
        self.compose_in(crate::i18n::Lang::En, link)
    }

    /// Subject and text of the mail in the recipient's language, from the message files (#31).
    pub fn compose_in(self, lang: crate::i18n::Lang, link: &str) -> (String, String) {
        use crate::i18n::{tr, tr_args};
        let (subject, text, sign_in, privacy) = match self {
            Kind::NewMessage => (
                "mail-new-message-subject",
                "mail-new-message-text",
                "mail-new-message-sign-in",
                "mail-new-message-privacy",
            ),
            Kind::AppointmentUpdate => (
                "mail-appointment-subject",
                "mail-appointment-text",
                "mail-sign-in-see",
                "mail-privacy",
            ),
            Kind::AppointmentReminder => (
                "mail-reminder-subject",
                "mail-reminder-text",
                "mail-reminder-sign-in",
                "mail-privacy",
            ),
            Kind::RenewalUpdate => (
                "mail-renewal-subject",
                "mail-renewal-text",
                "mail-sign-in-see",
                "mail-privacy",
            ),
            Kind::ProxyInvitation => (
                "mail-invitation-subject",
                "mail-invitation-text",
                "mail-invitation-sign-in",
                "mail-invitation-privacy",
            ),
            // Not "results": which kind of information arrived is itself about the patient's
            // health (that tests were done).
            Kind::NewResults => (
                "mail-results-subject",
                "mail-results-text",
                "mail-sign-in-see",
                "mail-privacy",
            ),
        };
        let body = format!(
            "{}\r\n\r\n{}\r\n\r\n{}\r\n",
            tr(lang, text),
            tr_args(lang, sign_in, &[("link", link.into())]),
            tr(lang, privacy)
        );
        (tr(lang, subject), body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn mails_are_written_in_the_recipient_s_language() {
        let (subject, body) = Kind::NewMessage.compose("https://portal.example/messages");
        assert_eq!(subject, "New message in your patient portal");
        assert_eq!(
            body,
            "You have a new message in your patient portal.\r\n\r\n\
             Sign in to read it: https://portal.example/messages\r\n\r\n\
             For your privacy, this e-mail does not say who wrote or what it is about.\r\n"
        );
        let (subject, body) = Kind::NewMessage.compose_in(Lang::Es, "https://portal.example/m");
        assert_eq!(subject, "Mensaje nuevo en su portal del paciente");
        assert!(body.contains("Inicie sesión para leerlo: https://portal.example/m\r\n"));
    }
}
