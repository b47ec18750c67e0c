//! FHIR data types shared by every resource, read from plain JSON: Coding, CodeableConcept,
//! HumanName, and FHIR date/dateTime.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::records::model::Concept;

/// A FHIR `Coding` (not a CodeableConcept) as a [`Concept`]; it must have a code.
pub(super) fn coding(v: &Value) -> Result<Concept, String> {
    let obj = v.as_object().ok_or("is not a Coding")?;
    let s = |k: &str| obj.get(k).and_then(Value::as_str).map(str::trim);
    let code = s("code").filter(|c| !c.is_empty()).ok_or("has no code")?;
    Ok(Concept {
        system: s("system").unwrap_or_default().to_owned(),
        code: code.to_owned(),
        display: s("display")
            .filter(|d| !d.is_empty())
            .unwrap_or(code)
            .to_owned(),
        translations: translations(obj.get("_display")),
    })
}

/// The URL of FHIR's translation extension, which a string element's `_<name>` carries.
const TRANSLATION: &str = "http://hl7.org/fhir/StructureDefinition/translation";

/// The translations a string element's `_<name>` companion gives (FHIR's `translation`
/// extension: sub-extensions `lang`, a code, and `content`, a string), keyed by lower-case tag.
/// Only the name shown is at stake, never the meaning of the record, so a malformed
/// translation (no `lang`, no `content`, not strings, empty) is skipped rather than refusing
/// the bundle; the first one for a language counts.
fn translations(element: Option<&Value>) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let extensions = element
        .and_then(|e| e.get("extension"))
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for ext in extensions {
        if ext.get("url").and_then(Value::as_str) != Some(TRANSLATION) {
            continue;
        }
        let parts = ext
            .get("extension")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let part = |name: &str, field: &str| {
            parts
                .iter()
                .find(|p| p.get("url").and_then(Value::as_str) == Some(name))
                .and_then(|p| p.get(field))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let (Some(lang), Some(content)) =
            (part("lang", "valueCode"), part("content", "valueString"))
        else {
            continue;
        };
        found
            .entry(lang.to_ascii_lowercase())
            .or_insert_with(|| content.to_owned());
    }
    found
}
/// "Dr. June Kassulke" from a HumanName.
pub(super) fn human_name_text(name: &Value) -> Option<String> {
    if let Some(t) = name.get("text").and_then(Value::as_str) {
        return Some(t.to_owned());
    }
    let mut words: Vec<&str> = Vec::new();
    for part in ["prefix", "given"] {
        if let Some(list) = name.get(part).and_then(Value::as_array) {
            words.extend(list.iter().filter_map(Value::as_str));
        }
    }
    words.extend(name.get("family").and_then(Value::as_str));
    (!words.is_empty()).then(|| words.join(" "))
}

/// A CodeableConcept as a [`Concept`]: the coding of the preferred system if there is one, else
/// the first coding with a code. A concept with only `text` gives an empty code and system.
pub(super) fn concept(v: &Value, preferred: &str) -> Result<Concept, String> {
    let obj = v.as_object().ok_or("is not a CodeableConcept")?;
    let text = match obj.get("text") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s.trim()),
        Some(_) => return Err("text is not a string".into()),
    };
    let codings: &[Value] = match obj.get("coding") {
        None | Some(Value::Null) => &[],
        Some(Value::Array(c)) => c,
        Some(_) => return Err("coding is not a list".into()),
    };
    let usable = |c: &&Value| {
        c.get("code")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.trim().is_empty())
    };
    let chosen = codings
        .iter()
        .filter(usable)
        .find(|c| c.get("system").and_then(Value::as_str) == Some(preferred))
        .or_else(|| codings.iter().find(usable));
    // The shown text's own translations; the chosen coding's display may add languages
    // the text lacks (both are the source's words for the same concept).
    let mut translated = if text.is_some() {
        translations(obj.get("_text"))
    } else {
        BTreeMap::new()
    };
    match chosen {
        Some(c) => {
            for (lang, content) in translations(c.get("_display")) {
                translated.entry(lang).or_insert(content);
            }
            let code = c.get("code").and_then(Value::as_str).unwrap_or_default();
            let display = text
                .or_else(|| {
                    c.get("display")
                        .and_then(Value::as_str)
                        .filter(|d| !d.trim().is_empty())
                })
                .unwrap_or(code);
            Ok(Concept {
                system: c
                    .get("system")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                code: code.trim().to_owned(),
                display: display.trim().to_owned(),
                translations: translated,
            })
        }
        None => match text {
            Some(t) => Ok(Concept {
                translations: translated,
                ..Concept::new("", "", t)
            }),
            None => Err("has neither a coding with a code nor text".into()),
        },
    }
}

pub(super) fn first_code(v: &Value) -> Option<&str> {
    v.get("coding")?
        .as_array()?
        .iter()
        .find_map(|c| c.get("code").and_then(Value::as_str))
        .filter(|c| !c.is_empty())
}

/// A FHIR date or dateTime in UTC. Full date-times need an offset (as FHIR requires); a date, or
/// a partial date ("2019-06", "2019"), is taken as midnight UTC of its first day.
pub fn parse_fhir_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.contains('T') {
        return DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc));
    }
    let date = match s.len() {
        10 => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?,
        7 => NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok()?,
        4 if s.bytes().all(|b| b.is_ascii_digit()) => {
            NaiveDate::parse_from_str(&format!("{s}-01-01"), "%Y-%m-%d").ok()?
        }
        _ => return None,
    };
    Some(date.and_hms_opt(0, 0, 0)?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::fhir_import::test_bundles::*;
    use serde_json::json;

    #[test]
    fn date_time_without_offset_is_refused_but_a_date_is_accepted() {
        let mut obs = observation_entry("44444444-4444-4444-8444-444444444444");
        obs["resource"]["effectiveDateTime"] = json!("2020-02-03T10:05:00");
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs.clone()],
        );
        assert!(err_text(&b).contains("effectiveDateTime is not a date-time"));

        obs["resource"]["effectiveDateTime"] = json!("2020-02-03");
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs],
        );
        assert_eq!(
            parse_ok(&b).record.observations[0].effective.to_rfc3339(),
            "2020-02-03T00:00:00+00:00"
        );
    }

    fn translation(lang: Value, content: Value) -> Value {
        json!({"url": TRANSLATION, "extension": [
            {"url": "lang", "valueCode": lang},
            {"url": "content", "valueString": content}
        ]})
    }

    #[test]
    fn translations_of_text_and_display_are_kept_and_bad_ones_skipped() {
        let cc = json!({
            "coding": [{
                "system": "http://snomed.info/sct", "code": "44054006",
                "display": "Diabetes mellitus type 2",
                "_display": {"extension": [
                    translation(json!("es"), json!("Diabetes de tipo 2 (de la codificación)")),
                    translation(json!("fr"), json!("Diabète de type 2"))
                ]}
            }],
            "text": "Diabetes",
            "_text": {"extension": [
                {"url": TRANSLATION, "extension": [{"url": "content", "valueString": "sin idioma"}]},
                {"url": TRANSLATION, "extension": [{"url": "lang", "valueCode": "de"}]},
                translation(json!("it"), json!(7)),
                translation(json!(["pt"]), json!("lista")),
                {"url": "http://example.org/other", "valueString": "x"},
                "not an extension",
                translation(json!("ES"), json!("Diabetes tipo 2")),
                translation(json!("es"), json!("una segunda, que no cuenta"))
            ]}
        });
        let c = concept(&cc, "http://snomed.info/sct").unwrap();
        assert_eq!(c.display, "Diabetes");
        let langs: Vec<(&str, &str)> = c
            .translations
            .iter()
            .map(|(l, t)| (l.as_str(), t.as_str()))
            .collect();
        // The text's own (first) translation, the coding's for a language the text lacks;
        // the malformed ones are gone.
        assert_eq!(
            langs,
            [("es", "Diabetes tipo 2"), ("fr", "Diabète de type 2")]
        );
        assert_eq!(c.display_in("es"), "Diabetes tipo 2");
        assert_eq!(c.display_in("en"), "Diabetes");
        // A malformed companion is no translation, and no error either.
        let odd = json!({"text": "Asthma", "_text": {"extension": "nope"}});
        let c = concept(&odd, "").unwrap();
        assert!(c.translations.is_empty());
        assert_eq!(c.display_in("es"), "Asthma");
        let odd = json!({"text": "Asthma", "_text": 3});
        assert!(concept(&odd, "").unwrap().translations.is_empty());
    }

    #[test]
    fn a_regional_translation_serves_its_language_and_a_coding_keeps_its_own() {
        let c = coding(&json!({
            "system": "http://loinc.org", "code": "2345-7", "display": "Glucose",
            "_display": {"extension": [translation(json!("es-MX"), json!("Glucosa"))]}
        }))
        .unwrap();
        assert_eq!(c.display_in("es"), "Glucosa");
        assert_eq!(c.display_in("en"), "Glucose");
        assert_eq!(c.display_in("en-XA"), "Glucose");
    }

    #[test]
    fn fhir_datetime_forms() {
        let t = |s: &str| parse_fhir_datetime(s).map(|t| t.to_rfc3339());
        assert_eq!(
            t("2019-06-25T04:22:04+00:00").as_deref(),
            Some("2019-06-25T04:22:04+00:00")
        );
        assert_eq!(
            t("2019-06-25T04:22:04.181Z").as_deref(),
            Some("2019-06-25T04:22:04.181+00:00")
        );
        assert_eq!(
            t("2019-06-25").as_deref(),
            Some("2019-06-25T00:00:00+00:00")
        );
        assert_eq!(t("2019-06").as_deref(), Some("2019-06-01T00:00:00+00:00"));
        assert_eq!(t("2019").as_deref(), Some("2019-01-01T00:00:00+00:00"));
        assert_eq!(t("2019-06-25T04:22:04"), None);
        assert_eq!(t("2019-13-01"), None);
        assert_eq!(t(""), None);
    }
}
