//! The emulator's own languages (#31): B2C shows its user-flow pages in the language the relying
//! party asks for with `ui_locales`, so the emulator does too, from its own message files
//! (`src/b2c_emulator/locales/<language>/*.ftl`). Its own loader and function: it shares no
//! code path with the portal's pages (a bug in one must not hide in both).

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./src/b2c_emulator/locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The languages the emulator's pages exist in.
pub(crate) const LANGUAGES: [&str; 2] = ["en", "es"];

/// The first language of a `ui_locales` value (space-separated tags, by preference) that the
/// emulator speaks, by its primary subtag; English otherwise, as B2C falls back to its default.
pub(crate) fn from_ui_locales(ui_locales: Option<&str>) -> &'static str {
    ui_locales
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|tag| tag.split(['-', '_']).next())
        .find_map(|primary| {
            LANGUAGES
                .iter()
                .find(|l| l.eq_ignore_ascii_case(primary))
                .copied()
        })
        .unwrap_or("en")
}

/// `{{ t(key="signin-title", lang=lang) }}`; other arguments are Fluent arguments. A key no
/// file has is an error, so a test rendering the page fails.
fn translate(args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let key = args
        .get("key")
        .and_then(tera::Value::as_str)
        .ok_or_else(|| tera::Error::msg("t() needs a key"))?;
    let lang = from_ui_locales(args.get("lang").and_then(tera::Value::as_str));
    let id: LanguageIdentifier = lang.parse().unwrap_or_default();
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
    LOCALES
        .try_lookup_complete(&id, key, fluent_args)
        .map(tera::Value::String)
        .ok_or_else(|| tera::Error::msg(format!("no emulator message {key:?}")))
}

pub(crate) fn register(tera: &mut tera::Tera) {
    tera.register_function("t", translate);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_locales_picks_the_first_spoken_language() {
        assert_eq!(from_ui_locales(Some("es")), "es");
        assert_eq!(from_ui_locales(Some("es-MX en")), "es");
        assert_eq!(from_ui_locales(Some("fr es")), "es");
        assert_eq!(from_ui_locales(Some("fr")), "en");
        assert_eq!(from_ui_locales(None), "en");
    }

    #[test]
    fn every_emulator_key_is_in_every_language() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/b2c_emulator/locales");
        let keys = |lang: &str| {
            let source = std::fs::read_to_string(dir.join(lang).join("emulator.ftl")).unwrap();
            crate::i18n::keys_of(&source)
                .into_iter()
                .collect::<std::collections::BTreeSet<_>>()
        };
        let en = keys("en");
        assert!(en.len() > 40);
        for lang in LANGUAGES {
            assert_eq!(keys(lang), en, "{lang}");
        }
    }
}
