//! Proxies (#29 item 1): a patient invites someone by e-mail to help with their care; the
//! invitee accepts with their own account (their own MFA sign-in), and the patient sees and
//! revokes every proxy.
//!
//! Owns: invitations (a single-use token, stored only as its hash, that expires), grants (whose
//! record, which scopes, until when) and their pages. Must never: put health information or the
//! patient's name in the invitation e-mail, grant anything on a refused attempt, or keep a grant
//! anywhere but the database (a revocation holds at once on every instance). Every attempt, good
//! or refused, is one audit entry naming the patient.

pub mod acting;
pub mod actions;
pub mod apps;
pub mod fhir;
pub mod guardian;
pub mod pages;
pub mod sensitive;

use crate::vocab::stored_enum;

stored_enum! {
    /// What a proxy may do. Deny by default: a grant allows exactly the scopes it lists.
    pub enum Scope ("proxy scope") {
        Record => "record",
        Messages => "messages",
        Appointments => "appointments",
        Renewals => "renewals",
    }
}

impl Scope {
    /// How the scope reads to the patient and the invitee, in the language of the request
    /// (#31): [`Scope::label`] is the English.
    pub fn words(self) -> String {
        crate::i18n::tr_args(
            crate::i18n::current(),
            "proxy-scope",
            &[("scope", self.as_str().into())],
        )
    }

    /// How the scope reads to the patient and the invitee.
    pub fn label(self) -> &'static str {
        match self {
            Scope::Record => "Read the health record",
            Scope::Messages => "Message the care team",
            Scope::Appointments => "Manage appointments",
            Scope::Renewals => "Ask for medication renewals",
        }
    }
}

/// A set of scopes, parsed from a form or a stored row: only known ones, each once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    /// Every value must be a known scope: an unknown one refuses the whole set.
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Scopes> {
        let mut scopes = Vec::new();
        for v in values {
            let s: Scope = v.trim().parse().ok()?;
            if !scopes.contains(&s) {
                scopes.push(s);
            }
        }
        scopes.sort_by_key(|s| Scope::ALL.iter().position(|a| a == s));
        Some(Scopes(scopes))
    }

    pub fn stored(&self) -> String {
        self.0
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A stored row's scopes; an unknown word (a newer version's) grants nothing.
    pub fn from_stored(s: &str) -> Scopes {
        Scopes(
            s.split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect(),
        )
    }

    pub fn allows(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn labels(&self) -> Vec<&'static str> {
        self.0.iter().map(|s| s.label()).collect()
    }

    /// The scopes in the language of the request (#31; `words.ftl`), for the pages.
    pub fn words(&self) -> Vec<String> {
        self.0.iter().map(|s| s.words()).collect()
    }
}

/// A plausible e-mail address, tidied (lower case); the identity provider verifies it for real.
pub fn parse_email(s: &str) -> Option<String> {
    let e = s.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && e.len() <= 254
        && !domain.contains('@')
        && e.chars().all(|c| c.is_ascii_graphic());
    ok.then_some(e)
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_scope_reads_in_the_page_s_language() {
        use crate::i18n::{Lang, LANG};
        for scope in [
            Scope::Record,
            Scope::Messages,
            Scope::Appointments,
            Scope::Renewals,
        ] {
            assert_eq!(scope.words(), scope.label(), "English is the label");
            let es = LANG.sync_scope(Lang::Es, || scope.words());
            assert_ne!(es, scope.label(), "Spanish for {scope:?}");
        }
        assert_eq!(
            LANG.sync_scope(Lang::Es, || Scope::Messages.words()),
            "Escribir al equipo de atención"
        );
    }
    use super::*;

    #[test]
    fn scopes_are_known_words_only_and_deny_by_default() {
        let s = Scopes::parse(["messages", "record", "record"]).unwrap();
        assert_eq!(s.stored(), "record messages");
        assert!(s.allows(Scope::Record) && s.allows(Scope::Messages));
        assert!(!s.allows(Scope::Appointments) && !s.allows(Scope::Renewals));
        assert_eq!(Scopes::parse(["record", "admin"]), None);
        assert!(Scopes::parse([]).unwrap().is_empty());
        let stored = Scopes::from_stored("record future-scope");
        assert!(stored.allows(Scope::Record));
        assert!(!Scopes::from_stored("").allows(Scope::Record));
        crate::vocab::assert_round_trips(Scope::ALL);
    }

    #[test]
    fn an_email_address_needs_a_local_part_and_a_domain() {
        assert_eq!(
            parse_email(" Sam.Carer@Example.org ").as_deref(),
            Some("sam.carer@example.org")
        );
        for bad in [
            "",
            "sam",
            "@example.org",
            "sam@",
            "sam@example",
            "sam@.org",
            "s m@example.org",
            "a@b@example.org",
        ] {
            assert_eq!(parse_email(bad), None, "{bad:?}");
        }
        assert_eq!(
            parse_email(&format!("{}@example.org", "a".repeat(250))),
            None
        );
    }
}
