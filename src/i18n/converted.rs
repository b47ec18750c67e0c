//! The check that cannot drift (#31): a converted template has no text of its own. Every
//! sentence, label and accessible name comes from `t(...)`; what is left once the Tera tags
//! are taken out may only be markup, punctuation and numbers. A template that is not on the
//! list is not converted yet (see docs/LANGUAGES.md for the ones still to do).

/// Templates whose every text comes from the message files. A new page is added here once it
/// is converted; the test below then keeps it so.
pub const CONVERTED_TEMPLATES: &[&str] = &[
    "base.html",
    "landing.html",
    "error.html",
    "signed_out.html",
    "reset_help.html",
    "home.html",
    "account.html",
    // The chart's heading (its section names come from records::section, not converted yet).
    "records_frame.html",
    // The patient's messages (categories and a thread's own words are not converted yet).
    "messages_list.html",
    "messages_new.html",
    // A conversation (its category comes from messages::, not yet).
    "messages_thread.html",
    // The care teams' inbox.
    "messages_inbox.html",
    // The development outbox (the mails themselves are in their recipient's language).
    "messages_outbox.html",
    // Accepting a proxy invitation (the scopes' words come from proxy::, not yet).
    "proxy_accept.html",
    // A new share link (what it shares and its end come from share::, not yet).
    "share_created.html",
    "share_health_card.html",
    // Linking the account to a record (its form errors come from the handler, not yet).
    "activate.html",
    // What the identity provider said in this sign-in's token.
    "account_sign_in_details.html",
    // Clinical notes (their titles, authors and text as the record gives them).
    "records_notes.html",
    "records_note_content.html",
    "records_visit_notes.html",
    // Billing and the care team (names, roles and amounts as the record gives them).
    "records_people.html",
    "records_party_card.html",
    "records_visit_people.html",
    // The access log's frame (its sentences come from audit::pages, not converted yet) and the
    // SMART consent (the scopes' words come from smart::scopes, not converted yet).
    "access_log.html",
    "smart_consent.html",
    // Appointments (states, days, modes and the .ics text come from appointments::, not yet).
    "appointments.html",
    // The chart's section pages (statuses, flags and kinds come from records::, not yet).
    "records_section.html",
    "records_print_header.html",
    // The latest results and a test's history (the chart's own words come from records::, not yet).
    "records_chart_labs.html",
    "records_chart_lab.html",
    "records_chart_summary.html",
    "records_care.html",
    // The clinicians' pages (statuses, kinds, break-the-glass reasons and times come from the
    // Rust code as values) and the macros they share.
    "staff_home.html",
    "staff_break_glass.html",
    "staff_chart_panel.html",
    "staff_activation_code.html",
    "staff_appointments.html",
    "staff_appointments_day.html",
    "staff_appointment.html",
    "staff_renewals.html",
    "staff_renewal.html",
    "macros/worklist.html",
    "macros/forms.html",
    // The printable summary (statuses and flags' notes come from records::, not yet) and a chart
    // page kept in the cache (its parts are the converted templates above).
    "records_printable.html",
    "records_cached.html",
    // Making a share link and the list of one's links (what a link shares, its state and dates
    // come from sharing:: as values).
    "share_new.html",
    "share_list.html",
    // A patient's proxies and a proxy's pages (scopes, sections and names come from proxy::
    // as values).
    "account_proxies.html",
    "acting.html",
    // The emulator's user-flow pages, from its own message files (src/b2c_emulator/locales).
    "b2c_emulator/base.html",
    "b2c_emulator/signin.html",
    "b2c_emulator/signup.html",
    "b2c_emulator/mfa.html",
    "b2c_emulator/reset.html",
    "b2c_emulator/reset_password.html",
    "b2c_emulator/edit.html",
    // The emulator's pages outside a flow, in the request's language (its AADB2C messages and
    // the outbox's kinds come from the Rust code as values).
    "b2c_emulator/error.html",
    "b2c_emulator/outbox.html",
    "b2c_emulator/form_post.html",
    "b2c_emulator/signed_out.html",
];

/// Names that are the same in every language (a product's name).
const PROPER_NAMES: &[&str] = &["Azure AD B2C", "LOINC"];

/// Attributes that a person reads (or hears) and so must come from the message files.
const READ_ATTRIBUTES: &[&str] = &["aria-label", "title", "alt", "placeholder", "data-label"];

/// Removes `{{ … }}`, `{% … %}` and `{# … #}` (Tera's three kinds of tag).
fn without_tera(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    loop {
        let next = ["{{", "{%", "{#"]
            .iter()
            .filter_map(|open| rest.find(open).map(|i| (i, *open)))
            .min();
        let Some((start, open)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..start]);
        let close = match open {
            "{{" => "}}",
            "{%" => "%}",
            _ => "#}",
        };
        rest = match rest[start + 2..].find(close) {
            Some(end) => &rest[start + 2 + end + 2..],
            None => "",
        };
    }
}

/// Text a person would read that the template itself holds: text between tags and the values
/// of the read attributes.
pub fn literal_text(source: &str) -> Vec<String> {
    let plain = without_tera(source);
    let mut found = Vec::new();
    let is_words = |s: &str| {
        let s = PROPER_NAMES
            .iter()
            .fold(s.to_string(), |s, name| s.replace(name, ""));
        let s = s
            .replace("&nbsp;", " ")
            .replace("&middot;", "")
            .replace("&times;", "");
        s.chars().any(|c| c.is_alphabetic())
    };
    let mut rest = plain.as_str();
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        if is_words(text) {
            found.push(text.trim().to_string());
        }
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open..open + close + 1];
        for attr in READ_ATTRIBUTES {
            let needle = format!("{attr}=\"");
            if let Some(i) = tag.find(&needle) {
                let value = &tag[i + needle.len()..];
                let value = &value[..value.find('"').unwrap_or(value.len())];
                if is_words(value) {
                    found.push(format!("{attr}=\"{value}\""));
                }
            }
        }
        rest = &rest[open + close + 1..];
    }
    if is_words(rest) {
        found.push(rest.trim().to_string());
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converted_templates_hold_no_text_of_their_own() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        for name in CONVERTED_TEMPLATES {
            let source = std::fs::read_to_string(dir.join(name))
                .unwrap_or_else(|e| panic!("templates/{name}: {e}"));
            let literal = literal_text(&source);
            assert!(
                literal.is_empty(),
                "templates/{name} shows text that is not in the message files: {literal:?}"
            );
        }
    }

    #[test]
    fn the_check_finds_text_between_tags_and_in_read_attributes() {
        assert_eq!(
            literal_text(r#"<p>Hello {{ name }}</p><a aria-label="Main">{{ t(key="x") }}</a>"#),
            vec!["Hello".to_string(), r#"aria-label="Main""#.to_string()]
        );
        assert!(literal_text(
            r#"{% block title %}{{ t(key="a") }}{% endblock title %} · <p>({{ n }})</p>{# Note #}"#
        )
        .is_empty());
    }
}
