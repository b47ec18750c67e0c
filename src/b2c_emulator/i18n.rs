//! The emulator's own languages (#31): B2C shows its user-flow pages in the language the relying
//! party asks for with `ui_locales`, so the emulator does too, from its own message files
//! (`src/b2c_emulator/locales/<language>/*.ftl`). Its own loader and function: it shares no
//! code path with the portal's pages (a bug in one must not hide in both).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./src/b2c_emulator/locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

// The pseudo language (#31): the English files with every text marked `⟦…⟧` and accented by
// this module's own `pseudo`, so that text on a user-flow page that is not from the files
// stands out. The portal asks for it (`ui_locales=en-XA`) only when its
// PORTAL_PSEUDO_LANGUAGE is on; B2C itself would answer in English.
fluent_templates::static_loader! {
    static PSEUDO_LOCALES = {
        locales: "./src/b2c_emulator/locales",
        fallback_language: "en",
        customise: |bundle| {
            bundle.set_use_isolating(false);
            bundle.set_transform(Some(pseudo));
        },
    };
}

/// The languages the emulator's pages exist in: the directories of its `locales/` compiled
/// in by its loader (#31), English first, then by code. Adding one is adding a directory.
pub(crate) fn languages() -> &'static [&'static str] {
    static CODES: OnceLock<Vec<String>> = OnceLock::new();
    static LANGUAGES: OnceLock<Vec<&'static str>> = OnceLock::new();
    LANGUAGES.get_or_init(|| {
        let codes = CODES.get_or_init(|| {
            let mut codes: Vec<String> = LOCALES
                .locales()
                .map(|id| id.to_string())
                .filter(|code| !is_pseudo(code))
                .collect();
            codes.sort_by_key(|code| (code != "en", code.clone()));
            codes
        });
        codes.iter().map(String::as_str).collect()
    })
}

/// The pseudo language's tag, which only a tag written exactly so selects.
pub(crate) const PSEUDO: &str = "en-XA";

fn is_pseudo(tag: &str) -> bool {
    tag.trim().replace('_', "-").eq_ignore_ascii_case(PSEUDO)
}

/// One text of a message in the pseudo language: marked and accented; a text without letters
/// (a space, punctuation) as it is.
fn pseudo(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_alphabetic) {
        return Cow::Borrowed(text);
    }
    let accented: String = text
        .chars()
        .map(|c| {
            let plain = "aceinoruyACEINORUY";
            let marked = "áçéîñöŕûýÁÇÉÎÑÖŔÛÝ";
            plain
                .find(c)
                .and_then(|i| marked.chars().nth(i))
                .unwrap_or(c)
        })
        .collect();
    Cow::Owned(format!("⟦{accented}⟧"))
}

/// The first language of a `ui_locales` value (space-separated tags, by preference) that the
/// emulator speaks, by its primary subtag; English otherwise, as B2C falls back to its default.
pub(crate) fn from_ui_locales(ui_locales: Option<&str>) -> &'static str {
    ui_locales
        .unwrap_or_default()
        .split_whitespace()
        .find_map(|tag| {
            if is_pseudo(tag) {
                return Some(PSEUDO);
            }
            let primary = tag.split(['-', '_']).next()?;
            languages()
                .iter()
                .find(|l| l.eq_ignore_ascii_case(primary))
                .copied()
        })
        .unwrap_or("en")
}

tokio::task_local! {
    /// The language of the request being served, for pages made outside a flow (errors, the
    /// outbox, signed out, the form_post page): set by [`choose`] around every request.
    static REQUEST_LANG: &'static str;
}

/// The language of the current request ([`choose`]); English outside one.
pub(crate) fn current() -> &'static str {
    REQUEST_LANG.try_with(|l| *l).unwrap_or("en")
}

/// The first spoken language of an `Accept-Language` header, by q-value (ties keep the
/// header's order); `None` when it names none. Written here rather than borrowed from the
/// portal's `i18n::negotiate`, so that a bug in one is not hidden in both.
fn from_accept_language(header: &str) -> Option<&'static str> {
    let mut best: Option<(f32, &'static str)> = None;
    for item in header.split(',').take(32) {
        let mut parts = item.split(';');
        let primary = parts
            .next()
            .unwrap_or_default()
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q.is_nan() || q <= 0.0 {
            continue;
        }
        let pseudo = item.split(';').next().is_some_and(is_pseudo);
        let Some(lang) = languages()
            .iter()
            .copied()
            .find(|l| l.eq_ignore_ascii_case(primary))
            .map(|l| if pseudo { PSEUDO } else { l })
        else {
            continue;
        };
        if best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// The language a request asks for, as B2C decides it for a page with no flow behind it: the
/// request's own `ui_locales`, else the browser's `Accept-Language`, else English.
fn of_request(req: &actix_web::HttpRequest) -> &'static str {
    let ui_locales = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(name, _)| name == "ui_locales")
        .map(|(_, value)| value.into_owned())
        .filter(|v| !v.trim().is_empty());
    match ui_locales {
        Some(tags) => from_ui_locales(Some(&tags)),
        None => req
            .headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(from_accept_language)
            .unwrap_or("en"),
    }
}

/// Runs `f` in `lang`: a flow's error pages speak the flow's language (its `ui_locales`),
/// which the request itself does not carry.
pub(crate) async fn within<F: std::future::Future>(lang: &'static str, f: F) -> F::Output {
    REQUEST_LANG.scope(lang, f).await
}

/// Middleware: runs the request in its language, error pages included (they are made inside).
pub(crate) async fn choose(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let lang = of_request(req.request());
    REQUEST_LANG.scope(lang, next.call(req)).await
}

/// `{{ t(key="signin-title", lang=lang) }}`; other arguments are Fluent arguments. A key no
/// file has is an error, so a test rendering the page fails.
fn translate(args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let key = args
        .get("key")
        .and_then(tera::Value::as_str)
        .ok_or_else(|| tera::Error::msg("t() needs a key"))?;
    let lang = from_ui_locales(args.get("lang").and_then(tera::Value::as_str));
    // The pseudo language is English underneath.
    let id: LanguageIdentifier = if lang == PSEUDO { "en" } else { lang }
        .parse()
        .unwrap_or_default();
    let fluent_args: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .filter(|(name, _)| name.as_str() != "key" && name.as_str() != "lang")
        .map(|(name, value)| {
            let value = match value {
                tera::Value::String(s) => FluentValue::from(s.clone()),
                tera::Value::Number(n) => FluentValue::from(n.as_f64().unwrap_or_default()),
                other => FluentValue::from(other.to_string()),
            };
            (Cow::Owned(name.clone()), value)
        })
        .collect();
    let fluent_args = (!fluent_args.is_empty()).then_some(&fluent_args);
    let loader = if lang == PSEUDO {
        &PSEUDO_LOCALES
    } else {
        &LOCALES
    };
    loader
        .try_lookup_complete(&id, key, fluent_args)
        .map(tera::Value::String)
        .ok_or_else(|| tera::Error::msg(format!("no emulator message {key:?}")))
}

/// The messages the flows make in Rust (B2C's English, word for word: a wrong password, a
/// refused code, a field left empty), by key. A flow keeps writing B2C's English, so the
/// emulator answers exactly as B2C does in English; a page shows the message of its language
/// in its place (#31).
const ERROR_KEYS: &[&str] = &[
    "emu-error-account-not-found",
    "emu-error-wrong-password",
    "emu-error-locked",
    "emu-error-code-wrong",
    "emu-error-code-exhausted",
    "emu-error-code-expired",
    "emu-error-code-none",
    "emu-error-code-empty",
    "emu-error-email-invalid",
    "emu-error-password-rules",
    "emu-error-password-characters",
    "emu-error-password-mismatch",
    "emu-error-email-missing",
    "emu-error-password-missing",
    "emu-error-user-exists",
    "emu-error-no-account-for-id",
    "emu-error-verify-email-first",
    "emu-error-verify-email-to-create",
    "emu-error-given-name",
    "emu-error-surname",
    "emu-error-country",
    "emu-error-phone-invalid",
    "emu-error-phone-country",
];

type Args = HashMap<Cow<'static, str>, FluentValue<'static>>;

fn lookup_with(lang: &str, key: &str, args: Option<&Args>) -> Option<String> {
    let (loader, tag) = if lang == PSEUDO {
        (&PSEUDO_LOCALES, "en")
    } else {
        (&LOCALES, lang)
    };
    let id: LanguageIdentifier = tag.parse().unwrap_or_default();
    loader.try_lookup_complete(&id, key, args)
}

fn lookup(lang: &str, key: &str) -> Option<String> {
    lookup_with(lang, key, None)
}

/// A message in `lang` with its arguments (each a text: a code, an address, a name); the
/// English one when `lang` lacks it, the key itself when no file has it (a test fails then:
/// `every_key_the_code_names_is_in_the_files`).
pub(crate) fn tr_args(lang: &str, key: &str, args: &[(&str, &str)]) -> String {
    let args: Args = args
        .iter()
        .map(|(name, value)| {
            (
                Cow::Owned(name.to_string()),
                FluentValue::from(value.to_string()),
            )
        })
        .collect();
    let args = (!args.is_empty()).then_some(&args);
    lookup_with(lang, key, args)
        .or_else(|| lookup_with("en", key, args))
        .unwrap_or_else(|| key.to_string())
}

/// A message without arguments in `lang` (see [`tr_args`]).
pub(crate) fn tr(lang: &str, key: &str) -> String {
    tr_args(lang, key, &[])
}

/// A sentence the emulator shows a person outside a form's fields (an error page, a note on
/// the signed-out page): a message key and its arguments, with B2C's `AADB2C` code before it,
/// which stays the same in every language. Made where the failure is known, put in words where
/// the page's language is known; `Display` is B2C's English, word for word (logs, tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text {
    code: Option<&'static str>,
    key: &'static str,
    args: Vec<(&'static str, String)>,
}

impl Text {
    pub(crate) fn new(key: &'static str) -> Text {
        Text {
            code: None,
            key,
            args: Vec::new(),
        }
    }

    /// A sentence that B2C numbers: `AADB2C90006: …`.
    pub(crate) fn coded(code: &'static str, key: &'static str) -> Text {
        Text {
            code: Some(code),
            ..Text::new(key)
        }
    }

    pub(crate) fn arg(mut self, name: &'static str, value: impl Into<String>) -> Text {
        self.args.push((name, value.into()));
        self
    }

    pub(crate) fn in_lang(&self, lang: &str) -> String {
        let args: Vec<(&str, &str)> = self.args.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let sentence = tr_args(lang, self.key, &args);
        match self.code {
            Some(code) => format!("{code}: {sentence}"),
            None => sentence,
        }
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.in_lang("en"))
    }
}

/// A letter without its accent, for putting names in alphabetical order ("Bélgica" between
/// "Austria" and "Brasil", not after "Suiza").
fn sort_key(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            'ý' | 'ÿ' => 'y',
            'ŕ' => 'r',
            c => c,
        })
        .collect()
}

/// Sorts `(value, label)` pairs by their label as a reader of the language expects.
pub(crate) fn sort_by_label<T>(items: &mut [(T, String)]) {
    items.sort_by_cached_key(|(_, label)| sort_key(label));
}

/// A flow's message (B2C's English) in `lang`; a message that is not one of [`ERROR_KEYS`]
/// as it was written.
pub(crate) fn localize_error(lang: &str, message: &str) -> String {
    ERROR_KEYS
        .iter()
        .find(|key| lookup("en", key).as_deref() == Some(message))
        .and_then(|key| lookup(lang, key))
        .unwrap_or_else(|| message.to_string())
}

pub(crate) fn register(tera: &mut tera::Tera) {
    tera.register_function("t", translate);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flows_messages_read_in_the_page_s_language() {
        use crate::b2c_emulator::codes::CodeCheck;
        // Each English message is the flows' own text, so each is found.
        for message in [
            crate::b2c_emulator::users::LOCKED_MESSAGE,
            crate::b2c_emulator::passwords::RULES_MESSAGE,
            CodeCheck::Expired.message(),
            CodeCheck::NoCode.message(),
            CodeCheck::Exhausted.message(),
            "Your password is incorrect.",
            "We can't seem to find your account.",
        ] {
            let es = localize_error("es", message);
            assert_ne!(es, message, "no Spanish for {message:?}");
            assert_eq!(localize_error("en", message), message);
        }
        assert_eq!(
            localize_error("es", "Your password is incorrect."),
            "La contraseña no es correcta."
        );
        assert_eq!(localize_error("es", "Something else."), "Something else.");
        assert!(localize_error(PSEUDO, "Your password is incorrect.").starts_with('⟦'));
    }

    /// Every `.rs` file of the emulator, as text.
    fn sources() -> Vec<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        let mut out = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/b2c_emulator"),
            &mut out,
        );
        out
    }

    #[test]
    fn every_flow_message_is_written_by_a_flow_word_for_word() {
        // A flow's English that drifted from its message would stay English on every page.
        let sources = sources().join("\n");
        for key in ERROR_KEYS {
            let english = lookup("en", key).unwrap_or_else(|| panic!("no message {key}"));
            assert!(
                sources.contains(&format!("\"{english}\"")),
                "no flow writes {key:?}: {english:?}"
            );
            assert!(lookup("es", key).is_some_and(|es| es != english), "{key}");
        }
    }

    #[test]
    fn every_key_the_code_names_is_in_the_files() {
        let mut named = std::collections::BTreeSet::new();
        for source in sources() {
            for prefix in ["\"emu-", "\"outbox-"] {
                for (at, _) in source.match_indices(prefix) {
                    let literal: String = source[at + 1..]
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
                        .collect();
                    let whole = source[at + 1 + literal.len()..].starts_with('"');
                    if whole && !literal.ends_with('-') {
                        named.insert(literal);
                    }
                }
            }
        }
        for code in crate::b2c_emulator::flows::COUNTRIES {
            named.insert(format!("emu-country-{}", code.to_ascii_lowercase()));
        }
        assert!(named.len() > 60, "{named:?}");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/b2c_emulator/locales");
        for &lang in languages() {
            let mut keys = std::collections::BTreeSet::new();
            for entry in std::fs::read_dir(dir.join(lang)).unwrap().flatten() {
                let source = std::fs::read_to_string(entry.path()).unwrap();
                keys.extend(crate::i18n::keys_of(&source));
            }
            for key in &named {
                assert!(keys.contains(key), "no {lang} message {key:?}");
            }
        }
    }

    #[test]
    fn a_text_keeps_b2c_s_code_and_reads_in_the_language_asked() {
        let text = Text::coded("AADB2C90006", "emu-aadb2c90006")
            .arg("uri", "https://evil.example/")
            .arg("client_id", "c-1");
        assert_eq!(
            text.to_string(),
            "AADB2C90006: The redirect URI 'https://evil.example/' provided in the request is \
             not registered for the client id 'c-1'."
        );
        let es = text.in_lang("es");
        assert!(es.starts_with("AADB2C90006: El URI de redirección 'https://evil.example/'"));
        assert!(es.ends_with("'c-1'."), "{es}");
        let pseudo = text.in_lang(PSEUDO);
        assert!(pseudo.starts_with("AADB2C90006: ⟦"), "{pseudo}");
        assert!(pseudo.contains("⟧https://evil.example/⟦"), "{pseudo}");
        // A key no file has shows itself rather than nothing.
        assert_eq!(Text::new("no-such-key").in_lang("es"), "no-such-key");
    }

    #[test]
    fn labels_sort_as_a_reader_of_the_language_expects() {
        let mut names: Vec<(u8, String)> = ["Suiza", "Bélgica", "Brasil", "Austria", "Éire"]
            .iter()
            .enumerate()
            .map(|(i, n)| (i as u8, n.to_string()))
            .collect();
        sort_by_label(&mut names);
        let sorted: Vec<&str> = names.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(sorted, ["Austria", "Bélgica", "Brasil", "Éire", "Suiza"]);
    }

    #[test]
    fn ui_locales_picks_the_first_spoken_language() {
        assert_eq!(from_ui_locales(Some("es")), "es");
        assert_eq!(from_ui_locales(Some("es-MX en")), "es");
        assert_eq!(from_ui_locales(Some("zz es")), "es");
        assert_eq!(from_ui_locales(Some("zz")), "en");
        assert_eq!(from_ui_locales(None), "en");
    }

    #[test]
    fn en_xa_is_the_pseudo_language_whose_texts_are_marked() {
        assert_eq!(from_ui_locales(Some("en-XA")), PSEUDO);
        assert_eq!(from_ui_locales(Some("en-US")), "en");
        assert_eq!(from_accept_language("en-XA, en;q=0.5"), Some(PSEUDO));
        let mut args = HashMap::new();
        args.insert("key".to_string(), tera::Value::from("signin-title"));
        args.insert("lang".to_string(), tera::Value::from(PSEUDO));
        let text = translate(&args).unwrap();
        let text = text.as_str().unwrap();
        assert!(text.starts_with('⟦') && text.ends_with('⟧'), "{text}");
        assert_eq!(pseudo(" · "), " · ");
    }

    #[test]
    fn a_page_outside_a_flow_takes_ui_locales_else_the_browser_s_language() {
        let req = |query: &str, accept: Option<&str>| {
            let mut r = actix_web::test::TestRequest::get().uri(&format!("/x?{query}"));
            if let Some(a) = accept {
                r = r.insert_header(("Accept-Language", a));
            }
            of_request(&r.to_http_request())
        };
        assert_eq!(req("ui_locales=es", Some("en")), "es");
        assert_eq!(
            req("ui_locales=zz", Some("es")),
            "en",
            "as the flow pages do"
        );
        assert_eq!(req("", Some("zz-ZZ, es;q=0.8, en;q=0.5")), "es");
        assert_eq!(req("ui_locales=", Some("es-MX")), "es");
        assert_eq!(req("", Some("es;q=0, en")), "en");
        assert_eq!(req("", None), "en");
    }

    #[test]
    fn the_languages_are_the_directories_of_the_emulator_s_locales() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/b2c_emulator/locales");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort_by_key(|code| (code != "en", code.clone()));
        assert_eq!(
            languages(),
            on_disk,
            "the languages compiled in are not the directories on disk (build.rs rebuilds on a change)"
        );
        assert_eq!(languages()[0], "en");
        assert_eq!(from_ui_locales(Some("es-MX")), "es");
    }

    #[test]
    fn every_emulator_key_is_in_every_language() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/b2c_emulator/locales");
        // Every file of the language (emulator.ftl, emulator_pages.ftl, ...), by file and key.
        let keys = |lang: &str| {
            let mut keys = std::collections::BTreeSet::new();
            for entry in std::fs::read_dir(dir.join(lang)).unwrap().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(".ftl") {
                    let source = std::fs::read_to_string(entry.path()).unwrap();
                    keys.extend(
                        crate::i18n::keys_of(&source)
                            .into_iter()
                            .map(|k| (name.clone(), k)),
                    );
                }
            }
            keys
        };
        let en = keys("en");
        assert!(en.len() > 40);
        for &lang in languages() {
            assert_eq!(keys(lang), en, "{lang}");
        }
    }
}
