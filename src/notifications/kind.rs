//! What a notification is about: its kind, stored as a string, and the few words its mail says.
//! A leaf, so the queue (`mod.rs`) and the sender both use it without using each other.

/// What happened. Each kind says the same few words and links to the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    NewMessage,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NewMessage => "new_message",
        }
    }

    pub(super) fn parse(s: &str) -> Option<Kind> {
        match s {
            "new_message" => Some(Kind::NewMessage),
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
        }
    }
}
