//! Observation (labs, vitals, surveys, social history): category, effective time, and value[x]
//! or components.

use serde_json::{Map, Value};

use super::datatypes::{concept, parse_fhir_datetime};
use super::entry::{Entry, ImportError};
use super::reader::Reader;
use crate::records::model::{
    systems, Component, ComponentValue, Concept, Observation, ObservationCategory,
    ObservationValue, Quantity,
};
use crate::records::us_core;

impl Reader<'_, '_> {
    pub(super) fn observation(&self, e: &Entry) -> Result<Observation, ImportError> {
        let fhir_id = e.id()?;
        let status = e.required_string("status")?;
        let mut code = e.required_concept("code", systems::LOINC)?;
        // Our export writes blood pressure as US Core's panel 85354-9 followed by the source's
        // 55284-4: the source's code is the one kept, so a record round-trips unchanged.
        if code.code == us_core::BP_PANEL && has_loinc(e.get("code"), us_core::BP_OLD) {
            code.code = us_core::BP_OLD.to_owned();
        }
        self.check_patient(e, "subject", false)?;
        let category = observation_category(e)?;
        let effective = match e.datetime("effectiveDateTime")? {
            Some(t) => t,
            None => match e.datetime("effectiveInstant")? {
                Some(t) => t,
                None => match e.get("effectivePeriod") {
                    Some(Value::Object(p)) => match p.get("start").and_then(Value::as_str) {
                        Some(s) => parse_fhir_datetime(s).ok_or_else(|| {
                            e.err(
                                "effectivePeriod.start",
                                format!("is not a date-time: {s:?}"),
                            )
                        })?,
                        None => return Err(e.err("effectivePeriod.start", "is missing")),
                    },
                    _ => return Err(e.err("effectiveDateTime", "is missing")),
                },
            },
        };
        let value = observation_value(e)?;
        Ok(Observation {
            fhir_id,
            code,
            status,
            category,
            effective,
            value,
            encounter: self.encounter_ref(e)?,
        })
    }
}

/// Does the CodeableConcept `v` carry the LOINC `code`?
fn has_loinc(v: Option<&Value>, code: &str) -> bool {
    v.and_then(|v| v.get("coding"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| {
            c.get("system").and_then(Value::as_str) == Some(systems::LOINC)
                && c.get("code").and_then(Value::as_str) == Some(code)
        })
}

fn observation_category(e: &Entry) -> Result<ObservationCategory, ImportError> {
    let cats = match e.get("category") {
        None | Some(Value::Null) => return Ok(ObservationCategory::Other(String::new())),
        Some(Value::Array(c)) => c,
        Some(_) => return Err(e.err("category", "is not a list")),
    };
    let codings = cats
        .iter()
        .filter_map(|c| c.get("coding").and_then(Value::as_array))
        .flatten();
    let mut first = None;
    for c in codings {
        let Some(code) = c.get("code").and_then(Value::as_str) else {
            continue;
        };
        if c.get("system").and_then(Value::as_str) == Some(systems::OBSERVATION_CATEGORY) {
            return Ok(ObservationCategory::from_fhir(code));
        }
        first.get_or_insert(code);
    }
    Ok(ObservationCategory::from_fhir(first.unwrap_or_default()))
}

/// value[x] types the portal has no page for. They are valid FHIR, so a bundle holding them is
/// imported, and the value is kept as a short text a reader can make sense of.
fn describe_other_value(field: &str, v: &Value) -> Option<String> {
    let num = |q: Option<&Value>| -> Option<String> {
        let q = q?;
        let value = q.get("value")?.as_f64()?;
        let unit = q
            .get("unit")
            .or_else(|| q.get("code"))
            .and_then(Value::as_str)
            .unwrap_or("");
        Some(
            format!(
                "{} {unit}",
                crate::records::ranges::format_significant(value)
            )
            .trim()
            .to_string(),
        )
    };
    Some(match field {
        "valueRange" => match (num(v.get("low")), num(v.get("high"))) {
            (Some(l), Some(h)) => format!("{l} to {h}"),
            (Some(l), None) => format!("{l} or more"),
            (None, Some(h)) => format!("{h} or less"),
            (None, None) => "A range (no values given)".into(),
        },
        "valueRatio" => match (num(v.get("numerator")), num(v.get("denominator"))) {
            (Some(n), Some(d)) => format!("{n} : {d}"),
            _ => "A ratio (no values given)".into(),
        },
        "valuePeriod" => {
            let start = v.get("start").and_then(Value::as_str).unwrap_or("?");
            let end = v.get("end").and_then(Value::as_str).unwrap_or("?");
            format!("{start} to {end}")
        }
        "valueSampledData" => "Recorded waveform data (not shown here)".into(),
        "valueAttachment" => v
            .get("title")
            .and_then(Value::as_str)
            .map(|t| format!("Attachment: {t} (not shown here)"))
            .unwrap_or_else(|| "An attachment (not shown here)".into()),
        _ => return None,
    })
}

const OTHER_VALUES: [&str; 5] = [
    "valueRange",
    "valueRatio",
    "valueSampledData",
    "valuePeriod",
    "valueAttachment",
];

/// value[x] of an Observation or component.
enum Scalar {
    Quantity(Quantity),
    Text(String),
    Coded(Concept),
    /// A type kept as words plus its FHIR form (see `ObservationValue::Other`).
    Other {
        field: String,
        text: String,
        fhir: Value,
    },
}

fn scalar_value(
    obj: &Map<String, Value>,
    field_prefix: &str,
) -> Result<Option<Scalar>, (String, String)> {
    let err = |f: &str, p: &str| (format!("{field_prefix}{f}"), p.to_owned());
    if let Some(q) = obj.get("valueQuantity") {
        let q = q
            .as_object()
            .ok_or_else(|| err("valueQuantity", "is not a Quantity"))?;
        let value = match q.get("value") {
            Some(Value::Number(n)) => n
                .as_f64()
                .ok_or_else(|| err("valueQuantity.value", "is not a number"))?,
            Some(_) => return Err(err("valueQuantity.value", "is not a number")),
            None => return Err(err("valueQuantity.value", "is missing")),
        };
        // The UCUM code is what ranges are keyed on; `unit` is the human form, the same in Synthea.
        let unit = ["code", "unit"]
            .iter()
            .find_map(|k| q.get(*k).and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned();
        return Ok(Some(Scalar::Quantity(Quantity { value, unit })));
    }
    if let Some(c) = obj.get("valueCodeableConcept") {
        let c = concept(c, systems::SNOMED).map_err(|p| err("valueCodeableConcept", &p))?;
        return Ok(Some(Scalar::Coded(c)));
    }
    if let Some(s) = obj.get("valueString") {
        let s = s
            .as_str()
            .ok_or_else(|| err("valueString", "is not a string"))?;
        return Ok(Some(Scalar::Text(s.to_owned())));
    }
    let other = |field: &str, text: String, fhir: &Value| Scalar::Other {
        field: field.to_owned(),
        text,
        fhir: fhir.clone(),
    };
    // Kept as written, so the export gives back a valueInteger rather than a unitless quantity.
    if let Some(v) = obj.get("valueInteger") {
        let n = v
            .as_i64()
            .ok_or_else(|| err("valueInteger", "is not a whole number"))?;
        return Ok(Some(other("valueInteger", n.to_string(), v)));
    }
    if let Some(v) = obj.get("valueBoolean") {
        let b = v
            .as_bool()
            .ok_or_else(|| err("valueBoolean", "is not a boolean"))?;
        let text = if b { "Yes" } else { "No" };
        return Ok(Some(other("valueBoolean", text.to_owned(), v)));
    }
    for f in ["valueDateTime", "valueTime"] {
        if let Some(v) = obj.get(f) {
            let s = v.as_str().ok_or_else(|| err(f, "is not a string"))?;
            return Ok(Some(other(f, s.to_owned(), v)));
        }
    }
    for f in OTHER_VALUES {
        if let Some(v) = obj.get(f) {
            let text = describe_other_value(f, v).ok_or_else(|| err(f, "cannot be read"))?;
            return Ok(Some(other(f, text, v)));
        }
    }
    Ok(None)
}

fn observation_value(e: &Entry) -> Result<ObservationValue, ImportError> {
    let single = scalar_value(e.resource, "").map_err(|(f, p)| e.err(&f, p))?;
    let components = match e.get("component") {
        None | Some(Value::Null) => None,
        Some(Value::Array(c)) if c.is_empty() => None,
        Some(Value::Array(c)) => Some(c),
        Some(_) => return Err(e.err("component", "is not a list")),
    };
    match (single, components) {
        // FHIR allows both; the parts carry the detail (as in a blood pressure), so keep them.
        (Some(_), Some(parts)) => components_value(e, parts),
        (Some(Scalar::Quantity(q)), None) => Ok(ObservationValue::Quantity(q)),
        (Some(Scalar::Text(t)), None) => Ok(ObservationValue::Text(t)),
        (Some(Scalar::Coded(c)), None) => Ok(ObservationValue::Coded(c)),
        (Some(Scalar::Other { field, text, fhir }), None) => {
            Ok(ObservationValue::Other { field, text, fhir })
        }
        (None, None) => Ok(ObservationValue::Empty),
        (None, Some(parts)) => components_value(e, parts),
    }
}

fn components_value(e: &Entry, parts: &[Value]) -> Result<ObservationValue, ImportError> {
    let mut out = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        let field = format!("component[{i}]");
        let obj = part
            .as_object()
            .ok_or_else(|| e.err(&field, "is not an object"))?;
        let code = concept(
            obj.get("code")
                .ok_or_else(|| e.err(&format!("{field}.code"), "is missing"))?,
            systems::LOINC,
        )
        .map_err(|p| e.err(&format!("{field}.code"), p))?;
        let value = match scalar_value(obj, &format!("{field}.")).map_err(|(f, p)| e.err(&f, p))? {
            Some(Scalar::Quantity(q)) => ComponentValue::Quantity(q),
            Some(Scalar::Text(t)) => ComponentValue::Text(t),
            Some(Scalar::Coded(c)) => ComponentValue::Coded(c),
            // Components keep such values as words only.
            Some(Scalar::Other { text, .. }) => ComponentValue::Text(text),
            None => ComponentValue::Empty,
        };
        out.push(Component { code, value });
    }
    Ok(ObservationValue::Components(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::fhir_import::test_bundles::*;
    use serde_json::json;

    #[test]
    fn valid_value_types_without_a_page_are_kept_as_text_not_refused() {
        let mut range = observation_entry("33333333-3333-4333-8333-333333333331");
        let mut wave = observation_entry("33333333-3333-4333-8333-333333333332");
        let mut both = observation_entry("33333333-3333-4333-8333-333333333333");
        for (entry, field, value) in [
            (
                &mut range,
                "valueRange",
                json!({"low": {"value": 70, "unit": "mg/dL"}, "high": {"value": 99, "unit": "mg/dL"}}),
            ),
            (
                &mut wave,
                "valueSampledData",
                json!({"origin": {"value": 0}, "period": 10, "dimensions": 1, "data": "1 2 3"}),
            ),
        ] {
            let r = entry["resource"].as_object_mut().unwrap();
            r.remove("valueQuantity");
            r.insert(field.into(), value);
        }
        both["resource"]["component"] = json!([{
            "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6", "display": "Systolic"}]},
            "valueQuantity": {"value": 120, "unit": "mm[Hg]", "code": "mm[Hg]"}
        }]);
        let parsed = parse_ok(&bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), range, wave, both],
        ));
        let values: Vec<&ObservationValue> = parsed
            .record
            .observations
            .iter()
            .map(|o| &o.value)
            .collect();
        // Kept as words for the page and in their FHIR form for the export.
        assert!(matches!(
            values[0],
            ObservationValue::Other { field, text, fhir }
                if field == "valueRange" && text == "70 mg/dL to 99 mg/dL" && fhir["low"]["value"] == 70
        ));
        assert!(matches!(
            values[1],
            ObservationValue::Other { field, text, .. }
                if field == "valueSampledData" && text.contains("waveform")
        ));
        assert!(matches!(values[2], ObservationValue::Components(parts) if parts.len() == 1));
    }

    #[test]
    fn an_integer_value_is_exported_as_an_integer() {
        let mut count = observation_entry("33333333-3333-4333-8333-333333333334");
        let r = count["resource"].as_object_mut().unwrap();
        r.remove("valueQuantity");
        r.insert("valueInteger".into(), json!(3));
        let parsed = parse_ok(&bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), count],
        ));
        let exported = crate::records::fhir_export::export_bundle(&parsed.record);
        let observation = exported["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["resource"])
            .find(|r| r["resourceType"] == "Observation")
            .unwrap();
        assert_eq!(observation["valueInteger"], json!(3));
        assert!(observation.get("valueQuantity").is_none());
    }

    #[test]
    fn bad_date_names_resource_and_field() {
        let mut obs = observation_entry("3f2a0000-0000-4000-8000-000000000000");
        obs["resource"]["effectiveDateTime"] = json!("yesterday");
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs],
        );
        assert_eq!(
            err_text(&b),
            "Observation 3f2a0000-0000-4000-8000-000000000000: effectiveDateTime is not a date-time: \"yesterday\""
        );
    }

    #[test]
    fn bad_value_shapes_are_named() {
        let mut obs = observation_entry("88888888-8888-4888-8888-888888888888");
        obs["resource"]["valueQuantity"]["value"] = json!("85.6");
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs],
        );
        assert_eq!(
            err_text(&b),
            "Observation 88888888-8888-4888-8888-888888888888: valueQuantity.value is not a number"
        );

        let mut obs = observation_entry("88888888-8888-4888-8888-888888888888");
        if let Some(r) = obs["resource"].as_object_mut() {
            r.remove("valueQuantity");
            r.insert(
                "component".into(),
                json!([{"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                        "valueQuantity": {"unit": "mm[Hg]"}}]),
            );
        }
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs],
        );
        assert_eq!(
            err_text(&b),
            "Observation 88888888-8888-4888-8888-888888888888: component[0].valueQuantity.value is missing"
        );
    }
}
