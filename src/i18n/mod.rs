//! Languages (#31): every sentence a person reads comes from the Project Fluent message files
//! under `locales/<language>/*.ftl`, compiled into the binary; this module owns which
//! languages exist, which one a request speaks, and how a message is looked up.
//!
//! It knows nothing of requests, sessions or the database: `web::language` decides the
//! language (account, cookie, `Accept-Language`, the configured default) and runs the request
//! inside [`LANG`]; templates, error pages and `format` read it from there. Formatting of
//! dates, numbers and units lives in [`format`] and nowhere else. Clinical names (tests,
//! conditions, medicines) are never looked up here: they are shown as the source gives them.

pub mod converted;
pub mod format;
pub mod pseudo;
pub mod tera_fns;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Unicode isolation marks around arguments would land in every page and e-mail as
        // invisible characters; the portal's arguments are names, counts and dates.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

// The English files again, every text of a message transformed by `pseudo::transform`
// (placeables and arguments left as they are): the pseudo language's messages.
fluent_templates::static_loader! {
    static PSEUDO_LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| {
            bundle.set_use_isolating(false);
            bundle.set_transform(Some(pseudo::transform));
        },
    };
}

/// A language the portal speaks: one directory of `locales/` (#31), compiled in by the
/// loader above. Adding a language is adding a directory (`locales/<code>/`, every key of
/// English: the tests compare the directories); no Rust changes. The constants name the
/// languages the code itself refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lang(&'static str);

#[allow(non_upper_case_globals)]
impl Lang {
    pub const En: Lang = Lang("en");
    pub const Es: Lang = Lang("es");
    /// The pseudo language `en-XA` (#31), a translator's and tester's tool: English with every
    /// text from the message files marked `⟦…⟧` and accented, so that text from anywhere else
    /// stands out. Not in [`Lang::all`] (the switch never offers it, no account keeps it); a
    /// request gets it only when `PORTAL_PSEUDO_LANGUAGE` is on (`web::language::choose`).
    pub const Pseudo: Lang = Lang(pseudo::CODE);

    /// Every language the portal speaks: the directories under `locales/` compiled in,
    /// English first, then by code. A directory's name is its code (`fr`; `pt-BR` would be
    /// reached only by its whole tag, see [`Lang::parse`]).
    pub fn all() -> &'static [Lang] {
        static CODES: OnceLock<Vec<String>> = OnceLock::new();
        static ALL: OnceLock<Vec<Lang>> = OnceLock::new();
        ALL.get_or_init(|| {
            let codes = CODES.get_or_init(|| {
                let mut codes: Vec<String> = LOCALES
                    .locales()
                    .map(|id| id.to_string())
                    .filter(|code| !code.eq_ignore_ascii_case(pseudo::CODE))
                    .collect();
                codes.sort_by_key(|code| (code != Lang::En.0, code.clone()));
                codes
            });
            codes.iter().map(|code| Lang(code.as_str())).collect()
        })
    }

    /// The BCP 47 code, as in `<html lang>`, `ui_locales` and the cookie.
    pub fn code(self) -> &'static str {
        self.0
    }

    /// A language tag as a person or browser writes it (`es`, `es-MX`, `EN-us`): a language
    /// whose code is the whole tag, else the one whose code is its primary subtag (`es-MX` is
    /// `es`). Anything else is not a language the portal speaks.
    /// `en-XA` exactly is the pseudo language, which a request only gets when it is turned on.
    pub fn parse(tag: &str) -> Option<Lang> {
        let tag = tag.trim().replace('_', "-");
        if tag.eq_ignore_ascii_case(pseudo::CODE) {
            return Some(Lang::Pseudo);
        }
        let primary = tag.split('-').next()?;
        let all = Lang::all();
        all.iter()
            .find(|l| l.0.eq_ignore_ascii_case(&tag))
            .or_else(|| all.iter().find(|l| l.0.eq_ignore_ascii_case(primary)))
            .copied()
    }

    /// The language's own name ("Español"), for the switch: `language-own-name` in its own
    /// `language_name.ftl`, marked like every message on a page in the pseudo language.
    pub fn own_name(self, page: Lang) -> String {
        let id = self.id();
        let found = match page {
            Lang::Pseudo => PSEUDO_LOCALES.try_lookup(&id, "language-own-name"),
            _ => LOCALES.try_lookup(&id, "language-own-name"),
        };
        found.unwrap_or_else(|| self.0.to_string())
    }

    fn id(self) -> LanguageIdentifier {
        // The pseudo language is English underneath (its plural rules too).
        let code = match self {
            Lang::Pseudo => Lang::En.code(),
            other => other.code(),
        };
        // The codes above are valid tags; the fallback keeps this total all the same.
        code.parse().unwrap_or_default()
    }
}

/// The best language of an `Accept-Language` header that the portal speaks, by the header's
/// q-values (ties keep the header's order); `None` when it names none of them.
pub fn negotiate(accept_language: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in accept_language.split(',').take(32) {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q.is_nan() || q <= 0.0 {
            continue;
        }
        if let Some(lang) = Lang::parse(tag) {
            if best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
    }
    best.map(|(_, lang)| lang)
}

tokio::task_local! {
    /// The language of the request being served, set by `web::language::choose` around the
    /// whole request (error pages included).
    pub static LANG: Lang;
}

/// The language of the current request; English outside one (start-up, the CLI).
pub fn current() -> Lang {
    LANG.try_with(|l| *l).unwrap_or(Lang::En)
}

/// An argument of a message: a number (which plural rules select on) or text.
#[derive(Debug, Clone)]
pub enum Arg {
    Num(f64),
    Text(String),
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        // Counts shown to people are far inside f64's exact range.
        Arg::Num(n as f64)
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Num(n as f64)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_string())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}

/// The message `key` in `lang` with `args`, or `None` if no message file has it (English is
/// the fallback for a key a translation lacks; the tests keep every language complete).
pub fn lookup(lang: Lang, key: &str, args: &[(&str, Arg)]) -> Option<String> {
    let args: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Arg::Num(n) => FluentValue::from(*n),
                Arg::Text(s) => FluentValue::from(s.clone()),
            };
            (Cow::Owned(name.to_string()), value)
        })
        .collect();
    let args = (!args.is_empty()).then_some(&args);
    match lang {
        Lang::Pseudo => PSEUDO_LOCALES.try_lookup_complete(&lang.id(), key, args),
        _ => LOCALES.try_lookup_complete(&lang.id(), key, args),
    }
}

/// [`lookup`] for code that names its keys itself: a key missing from every file is a bug
/// the tests catch, so the page shows the key rather than failing.
pub fn tr(lang: Lang, key: &str) -> String {
    lookup(lang, key, &[]).unwrap_or_else(|| key.to_string())
}

/// [`tr`] with arguments.
pub fn tr_args(lang: Lang, key: &str, args: &[(&str, Arg)]) -> String {
    lookup(lang, key, args).unwrap_or_else(|| key.to_string())
}

/// The message files of one language as (file name, source), for the tests that compare
/// the languages' keys.
pub fn message_files(lang: Lang) -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(lang.code());
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "ftl") {
                if let Ok(source) = std::fs::read_to_string(&path) {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    files.push((name, source));
                }
            }
        }
    }
    files.sort();
    files
}

/// The message ids (and `id.attribute`s) of a Fluent source, terms with their `-`: a line
/// that starts in column 0 with an identifier and `=` opens an entry, an indented `.name =`
/// is an attribute of the entry above (Fluent's own grammar for both).
pub fn keys_of(source: &str) -> Vec<String> {
    let ident = |s: &str| -> Option<String> {
        let s = s.trim_end();
        let (name, rest) = s.split_once('=')?;
        let name = name.trim_end();
        let body = name.strip_prefix('-').unwrap_or(name);
        let valid = body.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && body
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        let _ = rest;
        valid.then(|| name.to_string())
    };
    let mut keys = Vec::new();
    let mut entry: Option<String> = None;
    for line in source.lines() {
        if line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '-') {
            entry = ident(line);
            keys.extend(entry.clone());
        } else if line.starts_with(' ') {
            if let (Some(id), Some(attr)) = (&entry, line.trim_start().strip_prefix('.')) {
                if let Some(attr) = ident(attr) {
                    keys.push(format!("{id}.{attr}"));
                }
            }
        } else if !line.trim().is_empty() {
            // A comment or a blank line ends nothing; anything else in column 0 ends the entry.
            if !line.starts_with('#') {
                entry = None;
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_spoken_language() {
        // `zz` and `qaa` stand for languages the portal does not speak: no directory of
        // locales/ will be named so (zz is no language's code, qaa is for private use).
        assert_eq!(negotiate("es-MX,es;q=0.9,en;q=0.8"), Some(Lang::Es));
        assert_eq!(negotiate("zz-ZZ, en;q=0.5, es;q=0.7"), Some(Lang::Es));
        assert_eq!(negotiate("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(negotiate("zz, qaa"), None);
        assert_eq!(negotiate("es;q=0, en;q=0.1"), Some(Lang::En));
        assert_eq!(negotiate(""), None);
        assert_eq!(negotiate("*"), None);
    }

    /// The directories of `locales/` as they are on disk now.
    fn directories(root: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(root);
        let mut codes: Vec<String> = std::fs::read_dir(dir)
            .expect("the message directories")
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        codes.sort_by_key(|code| (code != "en", code.clone()));
        codes
    }

    #[test]
    fn the_languages_are_the_directories_of_locales() {
        let codes: Vec<&str> = Lang::all().iter().map(|l| l.code()).collect();
        assert_eq!(
            codes,
            directories("locales"),
            "the languages compiled in are not the directories on disk (build.rs rebuilds on a change)"
        );
        assert_eq!(codes[0], "en", "English first");
        assert!(!Lang::all().contains(&Lang::Pseudo));
        assert!(Lang::all().contains(&Lang::Es));
    }

    #[test]
    fn a_tag_is_its_language_by_the_primary_subtag() {
        assert_eq!(Lang::parse("es-MX"), Some(Lang::Es));
        assert_eq!(Lang::parse(" EN_gb "), Some(Lang::En));
        assert_eq!(Lang::parse("es"), Some(Lang::Es));
        assert_eq!(Lang::parse("zz-ZZ"), None);
        assert_eq!(Lang::parse(""), None);
        assert_eq!(Lang::Es.own_name(Lang::En), "Español");
        assert_eq!(Lang::En.own_name(Lang::Es), "English");
        assert!(Lang::Es.own_name(Lang::Pseudo).starts_with('⟦'));
    }

    #[test]
    fn every_key_of_every_language_is_in_every_other() {
        use std::collections::BTreeSet;
        let keys = |lang| -> BTreeSet<(String, String)> {
            message_files(lang)
                .into_iter()
                .flat_map(|(file, source)| {
                    keys_of(&source).into_iter().map(move |k| (file.clone(), k))
                })
                .collect()
        };
        let en = keys(Lang::En);
        assert!(en.len() > 50, "the English files hold {} keys", en.len());
        for &lang in Lang::all() {
            let other = keys(lang);
            let missing: Vec<_> = en.difference(&other).collect();
            let extra: Vec<_> = other.difference(&en).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, not in English {extra:?}",
                lang.code()
            );
        }
    }

    #[test]
    fn every_message_file_parses_without_errors() {
        use fluent_templates::fluent_bundle::FluentResource;
        for &lang in Lang::all() {
            for (file, source) in message_files(lang) {
                if let Err((_, errors)) = FluentResource::try_new(source) {
                    panic!("locales/{}/{file}: {errors:?}", lang.code());
                }
            }
        }
    }

    #[test]
    fn plurals_follow_each_language_s_rules() {
        let unread = |lang, n: i64| tr_args(lang, "nav-unread", &[("count", n.into())]);
        assert_eq!(unread(Lang::En, 1), "1 unread");
        assert_eq!(unread(Lang::Es, 1), "1 sin leer");
        assert_eq!(unread(Lang::Es, 3), "3 sin leer");
        assert_eq!(
            tr_args(Lang::Es, "access-log-count", &[("count", 1i64.into())]),
            "1 acceso"
        );
        assert_eq!(
            tr_args(Lang::Es, "access-log-count", &[("count", 2i64.into())]),
            "2 accesos"
        );
    }
}
