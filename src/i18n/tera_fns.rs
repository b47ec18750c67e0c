//! The templates' way to the message files and to `format`:
//!
//! - `{{ t(key="records-title", lang=lang) }}`; every other argument is a Fluent argument, so
//!   `{{ t(key="nav-unread", count=unread_messages, lang=lang) }}` picks the plural form by the
//!   language's rules. A key no file has is an error, so a test rendering the page fails.
//! - `{{ day | date_long(lang=lang) }}` for an ISO date (`1972-12-14`),
//!   `{{ x | number(decimals=1, lang=lang) }}`, `{{ value | quantity(unit=u, lang=lang) }}`.
//!
//! `lang` may be left out (macros do not see the page's context): the request's language
//! ([`super::current`]) is used.

use std::collections::HashMap;

use chrono::NaiveDate;
use tera::{Tera, Value};

use super::{format, lookup, Arg, Lang};

fn lang_of(args: &HashMap<String, Value>) -> Lang {
    args.get("lang")
        .and_then(Value::as_str)
        .and_then(Lang::parse)
        .unwrap_or_else(super::current)
}

fn translate(args: &HashMap<String, Value>) -> tera::Result<Value> {
    let key = args
        .get("key")
        .and_then(Value::as_str)
        .ok_or_else(|| tera::Error::msg("t() needs a key"))?;
    let lang = lang_of(args);
    let fluent_args: Vec<(&str, Arg)> = args
        .iter()
        .filter(|(name, _)| name.as_str() != "key" && name.as_str() != "lang")
        .map(|(name, value)| {
            let arg = match value {
                Value::Number(n) => Arg::Num(n.as_f64().unwrap_or_default()),
                Value::String(s) => Arg::Text(s.clone()),
                Value::Null => Arg::Text(String::new()),
                other => Arg::Text(other.to_string()),
            };
            (name.as_str(), arg)
        })
        .collect();
    lookup(lang, key, &fluent_args)
        .map(Value::String)
        .ok_or_else(|| tera::Error::msg(format!("no message {key:?} in any language")))
}

/// `{{ t_or(key=k, fallback=text) }}`: the message `k`, or `text` as it is when no file has
/// one. For names that come from code shared with other areas (the chart's section names):
/// one added there without a message yet shows in English instead of breaking the page.
fn translate_or(args: &HashMap<String, Value>) -> tera::Result<Value> {
    match translate(args) {
        Ok(v) => Ok(v),
        Err(_) => Ok(args.get("fallback").cloned().unwrap_or(Value::Null)),
    }
}

fn date_long(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let text = value.as_str().unwrap_or_default();
    // Dates arrive as ISO text; a full timestamp keeps only its date.
    let day = text.get(..10).unwrap_or(text);
    Ok(Value::String(
        match NaiveDate::parse_from_str(day, "%Y-%m-%d") {
            Ok(d) => format::date(lang_of(args), d),
            Err(_) => text.to_string(),
        },
    ))
}

fn number(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let lang = lang_of(args);
    let text = match (value, args.get("decimals").and_then(Value::as_u64)) {
        (Value::Number(n), Some(decimals)) => {
            // Clamped: a template asks for at most a handful of places.
            let decimals = decimals.min(6) as usize;
            format::number(lang, n.as_f64().unwrap_or_default(), decimals)
        }
        (Value::Number(n), None) => format::localise_decimal(lang, &n.to_string()),
        (Value::String(s), _) => format::localise_decimal(lang, s),
        (other, _) => other.to_string(),
    };
    Ok(Value::String(text))
}

fn quantity(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let value = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    };
    let unit = args.get("unit").and_then(Value::as_str).unwrap_or_default();
    Ok(Value::String(format::quantity(lang_of(args), &value, unit)))
}

/// Adds `t` and the formatting filters to a template set.
pub fn register(tera: &mut Tera) {
    tera.register_function("t", translate);
    tera.register_function("t_or", translate_or);
    tera.register_filter("date_long", date_long);
    tera.register_filter("number", number);
    tera.register_filter("quantity", quantity);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(source: &str, lang: &str) -> String {
        let mut tera = Tera::default();
        register(&mut tera);
        // Not `.html`: the values as they are, before a page escapes them.
        tera.add_raw_template("t", source).unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("lang", lang);
        ctx.insert("n", &3);
        tera.render("t", &ctx).unwrap()
    }

    #[test]
    fn templates_translate_with_plural_arguments() {
        let source = r#"{{ t(key="nav-unread", count=n, lang=lang) }}"#;
        assert_eq!(render(source, "en"), "3 unread");
        assert_eq!(render(source, "es"), "3 sin leer");
    }

    #[test]
    fn a_key_no_file_has_fails_the_render() {
        let mut tera = Tera::default();
        register(&mut tera);
        tera.add_raw_template("t.html", r#"{{ t(key="no-such-key") }}"#)
            .unwrap();
        assert!(tera.render("t.html", &tera::Context::new()).is_err());
    }

    #[test]
    fn filters_format_for_the_language() {
        assert_eq!(
            render(r#"{{ "1972-12-14" | date_long(lang=lang) }}"#, "es"),
            "14 de diciembre de 1972"
        );
        assert_eq!(
            render(r#"{{ 7.25 | number(decimals=1, lang=lang) }}"#, "es"),
            "7,2"
        );
        assert_eq!(
            render(r#"{{ "5.4" | quantity(unit="mmol/L", lang=lang) }}"#, "es"),
            "5,4\u{a0}mmol/L"
        );
    }
}
