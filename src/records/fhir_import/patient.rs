//! The bundle's one Patient: name, birth date, sex, death, MRN, phone and address, and the
//! demographics beyond them (US Core race, ethnicity and birth sex, marital status, language).

use chrono::NaiveDate;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::datatypes::{coding, concept, parse_fhir_datetime};
use super::entry::{list, Entry, ImportError};
use crate::records::model::{
    systems, Address, Deceased, Demographics, Mrn, OmbStatement, Patient, Sex,
};

/// An MRN made from the FHIR id when the bundle carries none: the same id always gives the same
/// MRN, so importing a bundle twice agrees with itself.
pub fn derived_mrn(fhir_id: &str) -> Mrn {
    let digest = Sha256::digest(fhir_id.as_bytes());
    let hex: String = digest.iter().take(5).map(|b| format!("{b:02X}")).collect();
    Mrn {
        system: Some(systems::PORTAL_MRN.to_owned()),
        value: format!("MRN-{hex}"),
    }
}

pub(super) fn parse_patient(e: &Entry) -> Result<Patient, ImportError> {
    let fhir_id = e.id()?;
    let (given, family) = patient_name(e)?;
    let birth_date = match e.get("birthDate") {
        Some(Value::String(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| e.err("birthDate", format!("is not a full date: {s:?}")))?,
        Some(_) => return Err(e.err("birthDate", "is not a date")),
        None => return Err(e.err("birthDate", "is missing")),
    };
    let sex = match e.string("gender")? {
        None => Sex::Unknown,
        Some(g) => Sex::from_fhir(&g)
            .ok_or_else(|| e.err("gender", format!("has an unknown code {g:?}")))?,
    };
    let deceased =
        match (e.get("deceasedDateTime"), e.get("deceasedBoolean")) {
            (Some(Value::String(s)), _) => Some(if s.len() <= 10 {
                Deceased::OnDate(
                    NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map_err(|_| e.err("deceasedDateTime", format!("is not a date: {s:?}")))?,
                )
            } else {
                Deceased::At(parse_fhir_datetime(s).ok_or_else(|| {
                    e.err("deceasedDateTime", format!("is not a date-time: {s:?}"))
                })?)
            }),
            (Some(_), _) => return Err(e.err("deceasedDateTime", "is not a date-time")),
            (None, Some(Value::Bool(true))) => Some(Deceased::DateUnknown),
            (None, Some(Value::Bool(false)) | None) => None,
            (None, Some(_)) => return Err(e.err("deceasedBoolean", "is not a boolean")),
        };
    let mrn = medical_record_number(e)?.unwrap_or_else(|| derived_mrn(&fhir_id));
    Ok(Patient {
        address: one_line_address(e),
        phone: phone(e),
        fhir_id,
        given,
        family,
        birth_date,
        sex,
        deceased,
        mrn,
    })
}
const US_CORE_RACE: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race";
const US_CORE_ETHNICITY: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity";
const US_CORE_BIRTH_SEX: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex";

/// What the Patient says beyond the basics. Unreadable optional parts are refused like any
/// other malformed field, so what is kept is exactly what the export gives back.
pub(super) fn demographics(e: &Entry) -> Result<Demographics, ImportError> {
    let mut d = Demographics::default();
    for ext in list(e, "extension")? {
        let url = ext.get("url").and_then(Value::as_str).unwrap_or_default();
        match url {
            US_CORE_RACE | US_CORE_ETHNICITY => {
                let mut omb = OmbStatement::default();
                for sub in ext
                    .get("extension")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    let kind = sub.get("url").and_then(Value::as_str).unwrap_or_default();
                    match kind {
                        "ombCategory" | "detailed" => {
                            let c = coding(sub.get("valueCoding").unwrap_or(&Value::Null))
                                .map_err(|p| e.err(&format!("extension {url} {kind}"), p))?;
                            if kind == "ombCategory" {
                                omb.categories.push(c);
                            } else {
                                omb.detailed.push(c);
                            }
                        }
                        "text" => {
                            omb.text = sub
                                .get("valueString")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned();
                        }
                        _ => {}
                    }
                }
                if url == US_CORE_RACE {
                    d.race = Some(omb);
                } else {
                    d.ethnicity = Some(omb);
                }
            }
            US_CORE_BIRTH_SEX => {
                d.birth_sex = ext
                    .get("valueCode")
                    .and_then(Value::as_str)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned);
            }
            _ => {}
        }
    }
    d.marital_status = e.concept("maritalStatus", "")?;
    if let Some(first) = list(e, "communication")?.first() {
        if let Some(lang) = first.get("language") {
            d.language =
                Some(concept(lang, "urn:ietf:bcp:47").map_err(|p| e.err("communication", p))?);
        }
    }
    d.address = full_address(e);
    Ok(d)
}

const GEOLOCATION: &str = "http://hl7.org/fhir/StructureDefinition/geolocation";

/// A part of the address's standard geolocation extension.
fn geolocation(address: &Value, part: &str) -> Option<f64> {
    address
        .get("extension")?
        .as_array()?
        .iter()
        .find(|x| x.get("url").and_then(Value::as_str) == Some(GEOLOCATION))?
        .get("extension")?
        .as_array()?
        .iter()
        .find(|x| x.get("url").and_then(Value::as_str) == Some(part))?
        .get("valueDecimal")?
        .as_f64()
}

/// The same address `one_line_address` chose (home, else the first), with all its parts.
fn full_address(e: &Entry) -> Option<Address> {
    let addresses = e.get("address")?.as_array()?;
    let a = addresses
        .iter()
        .find(|a| a.get("use").and_then(Value::as_str) == Some("home"))
        .or_else(|| addresses.first())?;
    let field = |name: &str| {
        a.get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let address = Address {
        use_: field("use"),
        text: field("text"),
        lines: a
            .get("line")
            .and_then(Value::as_array)
            .map(|lines| {
                lines
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        city: field("city"),
        district: field("district"),
        state: field("state"),
        postal_code: field("postalCode"),
        country: field("country"),
        latitude: geolocation(a, "latitude"),
        longitude: geolocation(a, "longitude"),
    };
    // A home address given only as text is all `Patient::address` already holds (and how the
    // export writes records that never had more): keeping it twice would break the round trip.
    let only_text = Address {
        use_: None,
        text: address.text.clone(),
        ..Address::default()
    };
    let as_plain_text = address.use_.as_deref().is_none_or(|u| u == "home")
        && Address {
            use_: None,
            ..address.clone()
        } == only_text;
    (!as_plain_text).then_some(address)
}

/// The official name, else the usual one, else the first.
fn patient_name(e: &Entry) -> Result<(String, String), ImportError> {
    let names = match e.get("name") {
        Some(Value::Array(n)) if !n.is_empty() => n,
        Some(Value::Array(_)) | None => return Err(e.err("name", "is missing")),
        Some(_) => return Err(e.err("name", "is not a list")),
    };
    let with_use = |u: &str| {
        names
            .iter()
            .find(|n| n.get("use").and_then(Value::as_str) == Some(u))
    };
    let name = with_use("official")
        .or_else(|| with_use("usual"))
        .or_else(|| names.first())
        .ok_or_else(|| e.err("name", "is missing"))?;
    let given = match name.get("given") {
        None | Some(Value::Null) => String::new(),
        Some(Value::Array(parts)) => {
            let mut words = Vec::new();
            for p in parts {
                words.push(
                    p.as_str()
                        .ok_or_else(|| e.err("name.given", "is not a list of strings"))?
                        .trim(),
                );
            }
            words.retain(|w| !w.is_empty());
            words.join(" ")
        }
        Some(_) => return Err(e.err("name.given", "is not a list")),
    };
    let family = match name.get("family") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(_) => return Err(e.err("name.family", "is not a string")),
    };
    if given.is_empty() && family.is_empty() {
        return Err(e.err("name", "has neither given nor family name"));
    }
    Ok((given, family))
}

fn medical_record_number(e: &Entry) -> Result<Option<Mrn>, ImportError> {
    let ids = match e.get("identifier") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(ids)) => ids,
        Some(_) => return Err(e.err("identifier", "is not a list")),
    };
    for id in ids {
        let is_mr = id
            .pointer("/type/coding")
            .and_then(Value::as_array)
            .is_some_and(|codings| {
                codings.iter().any(|c| {
                    c.get("code").and_then(Value::as_str) == Some("MR")
                        && c.get("system")
                            .and_then(Value::as_str)
                            .is_none_or(|s| s == systems::IDENTIFIER_TYPE)
                })
            });
        if !is_mr {
            continue;
        }
        let value = id
            .get("value")
            .and_then(Value::as_str)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| e.err("identifier", "MR identifier has no value"))?;
        return Ok(Some(Mrn {
            system: id.get("system").and_then(Value::as_str).map(str::to_owned),
            value: value.trim().to_owned(),
        }));
    }
    Ok(None)
}

/// The home address (else the first one) on one line.
fn one_line_address(e: &Entry) -> Option<String> {
    let addresses = e.get("address")?.as_array()?;
    let address = addresses
        .iter()
        .find(|a| a.get("use").and_then(Value::as_str) == Some("home"))
        .or_else(|| addresses.first())?;
    if let Some(text) = address.get("text").and_then(Value::as_str) {
        if !text.trim().is_empty() {
            return Some(text.trim().to_owned());
        }
    }
    let field = |name: &str| {
        address
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let mut parts: Vec<String> = address
        .get("line")
        .and_then(Value::as_array)
        .map(|lines| {
            lines
                .iter()
                .filter_map(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    parts.extend(field("city").map(str::to_owned));
    let state_zip: Vec<&str> = [field("state"), field("postalCode")]
        .into_iter()
        .flatten()
        .collect();
    if !state_zip.is_empty() {
        parts.push(state_zip.join(" "));
    }
    parts.extend(field("country").map(str::to_owned));
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A phone number: home, else mobile, else the first phone.
fn phone(e: &Entry) -> Option<String> {
    let telecom = e.get("telecom")?.as_array()?;
    let phones: Vec<&Value> = telecom
        .iter()
        .filter(|t| t.get("system").and_then(Value::as_str) == Some("phone"))
        .collect();
    let with_use = |u: &str| {
        phones
            .iter()
            .find(|t| t.get("use").and_then(Value::as_str) == Some(u))
    };
    let chosen = with_use("home")
        .or_else(|| with_use("mobile"))
        .or_else(|| phones.first())?;
    chosen
        .get("value")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::fhir_import::test_bundles::*;
    use chrono::NaiveDate;
    use serde_json::json;

    #[test]
    fn bad_birth_date_is_refused() {
        let mut p = minimal_patient();
        p["resource"]["birthDate"] = json!("1970-02-30");
        assert_eq!(
            err_text(&bundle("collection", vec![p])),
            "Patient 11111111-1111-4111-8111-111111111111: birthDate is not a full date: \"1970-02-30\""
        );
    }

    #[test]
    fn deceased_forms() {
        for (field, value, expected) in [
            (
                "deceasedDateTime",
                json!("2021-03-04"),
                Some(Deceased::OnDate(
                    NaiveDate::from_ymd_opt(2021, 3, 4).unwrap_or_default(),
                )),
            ),
            (
                "deceasedDateTime",
                json!("2021-03-04T05:06:07+01:00"),
                parse_fhir_datetime("2021-03-04T04:06:07Z").map(Deceased::At),
            ),
            ("deceasedBoolean", json!(true), Some(Deceased::DateUnknown)),
            ("deceasedBoolean", json!(false), None),
        ] {
            let mut p = minimal_patient();
            p["resource"][field] = value;
            let parsed = parse_ok(&bundle("collection", vec![p]));
            assert_eq!(parsed.record.patient.deceased, expected, "{field}");
        }
    }
}
