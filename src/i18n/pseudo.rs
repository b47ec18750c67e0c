//! The pseudo language `en-XA` (#31): a translator's and tester's tool, on only when
//! `PORTAL_PSEUDO_LANGUAGE` is set. Its messages are the English ones with every piece of text
//! a message file holds wrapped in `⟦ ⟧` and its letters accented ("⟦Ŝîĝñ îñ⟧"); Fluent's
//! placeables (arguments, other messages) are left to themselves, so a name or a date an
//! argument carries stays outside the marks as the data it is. Text on a page that is neither
//! marked nor data did not come from the message files: `tests/api/pseudo_locale.rs` renders
//! every page this way and fails on it.
//!
//! Accents rather than a reversed or padded text: the page stays readable to the person
//! checking it, and a word still matches the English message it came from.

use std::borrow::Cow;

/// The language's tag: a private-use region of English, as other pseudo-locales use it.
pub const CODE: &str = "en-XA";
/// The marks around every text from a message file.
pub const OPEN: char = '⟦';
pub const CLOSE: char = '⟧';

fn accent(c: char) -> char {
    const FROM: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const TO: &str = "áƀçďéƒĝĥîĵķĺɱñöƥʠŕšţûṽŵẋýžÁßÇĎÉƑĜĤÎĴĶĹṀÑÖƤǪŔŠŢÛṼŴẊÝŽ";
    match FROM.find(c) {
        Some(i) => TO.chars().nth(i).unwrap_or(c),
        None => c,
    }
}

/// The transform of one text element of a pattern (Fluent's `FluentBundle::set_transform`).
/// A text without letters (a space, a comma, the decimal sign) is left as it is, so that
/// dates and numbers built from messages keep their shape.
pub fn transform(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_alphabetic()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() * 2 + 6);
    out.push(OPEN);
    out.extend(text.chars().map(accent));
    out.push(CLOSE);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::super::{lookup, tr, tr_args, Arg, Lang};
    use super::*;

    #[test]
    fn text_is_marked_and_accented_and_arguments_are_left_alone() {
        assert_eq!(transform("Sign in"), "⟦Šîĝñ îñ⟧");
        assert_eq!(transform(", "), ", ");
        assert_eq!(transform("."), ".");
        let unread = tr_args(Lang::Pseudo, "nav-unread", &[("count", Arg::Num(3.0))]);
        assert_eq!(unread, "3⟦ ûñŕéáď⟧");
        assert_eq!(tr(Lang::Pseudo, "format-decimal-sign"), ".");
    }

    #[test]
    fn every_english_message_exists_in_the_pseudo_language() {
        for (_, source) in crate::i18n::message_files(Lang::En) {
            for key in crate::i18n::keys_of(&source) {
                if key.contains('.') || key.starts_with('-') {
                    continue;
                }
                assert_eq!(
                    lookup(Lang::Pseudo, &key, &[]).is_some(),
                    lookup(Lang::En, &key, &[]).is_some(),
                    "{key}"
                );
            }
        }
    }

    #[test]
    fn en_xa_is_the_pseudo_language_and_other_english_tags_are_english() {
        assert_eq!(Lang::parse("en-XA"), Some(Lang::Pseudo));
        assert_eq!(Lang::parse("EN_xa"), Some(Lang::Pseudo));
        assert_eq!(Lang::parse("en-US"), Some(Lang::En));
        assert!(
            !Lang::all().contains(&Lang::Pseudo),
            "the switch never offers it"
        );
        assert_eq!(Lang::Pseudo.code(), "en-XA");
    }
}
