//! US Core 6.1 profiles: which profile each exported resource claims in `meta.profile`.
//!
//! One table, [`TYPE_PROFILES`], says which profile a resource type claims; the types whose
//! profile depends on the resource (Observation by category and LOINC code, Condition and
//! DiagnosticReport by category) are decided in [`profile_of`]. A new exported type gets its
//! profile by one row in the table (and its profiles appear in the CapabilityStatement's
//! `supportedProfile`, which reads [`supported_profiles`]). A resource no US Core profile fits
//! (an Observation without a category, an ImagingStudy, a Communication) claims none: a claim
//! the resource does not meet is worse than no claim.
//!
//! Never: a profile for a shape the exporter does not fill (each row here is a promise that the
//! export carries that profile's required and must-support elements the data has).

use serde_json::{json, Value};

/// The canonical base of US Core's StructureDefinitions.
pub const BASE: &str = "http://hl7.org/fhir/us/core/StructureDefinition/";

/// US Core's server CapabilityStatement, which ours `instantiates`.
pub const SERVER_CAPABILITY: &str =
    "http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server";

/// LOINC of the blood pressure panel that US Core's blood pressure profile requires.
pub const BP_PANEL: &str = "85354-9";
pub const BP_PANEL_DISPLAY: &str = "Blood pressure panel with all children optional";
/// The older blood pressure code (Synthea's), which the import accepts as well.
pub const BP_OLD: &str = "55284-4";

/// US Core's CarePlan category code system and its `assess-plan` code (every plan has it).
pub const CAREPLAN_CATEGORY: &str = "http://hl7.org/fhir/us/core/CodeSystem/careplan-category";
pub const ASSESS_PLAN: &str = "assess-plan";

/// Resource type -> the profile every resource of that type claims. Types whose profile depends
/// on the resource are in [`VARIANT_PROFILES`] instead.
pub const TYPE_PROFILES: &[(&str, &str)] = &[
    ("Patient", "us-core-patient"),
    ("AllergyIntolerance", "us-core-allergyintolerance"),
    ("CarePlan", "us-core-careplan"),
    ("Encounter", "us-core-encounter"),
    ("Goal", "us-core-goal"),
    ("Immunization", "us-core-immunization"),
    ("MedicationRequest", "us-core-medicationrequest"),
    ("Medication", "us-core-medication"),
    ("Procedure", "us-core-procedure"),
    ("Provenance", "us-core-provenance"),
    ("DocumentReference", "us-core-documentreference"),
    ("Practitioner", "us-core-practitioner"),
    ("PractitionerRole", "us-core-practitionerrole"),
    ("Organization", "us-core-organization"),
    ("Location", "us-core-location"),
    ("CareTeam", "us-core-careteam"),
    ("Coverage", "us-core-coverage"),
];

/// The profiles a type's resources may claim when it depends on the resource (for the
/// CapabilityStatement; [`profile_of`] picks one).
pub const VARIANT_PROFILES: &[(&str, &[&str])] = &[
    (
        "Condition",
        &[
            "us-core-condition-problems-health-concerns",
            "us-core-condition-encounter-diagnosis",
        ],
    ),
    (
        "DiagnosticReport",
        &[
            "us-core-diagnosticreport-lab",
            "us-core-diagnosticreport-note",
        ],
    ),
    (
        "Observation",
        &[
            "us-core-observation-lab",
            "us-core-vital-signs",
            "us-core-blood-pressure",
            "us-core-bmi",
            "us-core-body-height",
            "us-core-body-temperature",
            "us-core-body-weight",
            "us-core-head-circumference",
            "us-core-heart-rate",
            "us-core-pulse-oximetry",
            "us-core-respiratory-rate",
            "pediatric-bmi-for-age",
            "pediatric-weight-for-height",
            "head-occipital-frontal-circumference-percentile",
            "us-core-smokingstatus",
            "us-core-observation-screening-assessment",
            "us-core-observation-clinical-result",
            "us-core-simple-observation",
        ],
    ),
];

/// Vital signs with a profile of their own, by LOINC code.
const VITAL_PROFILES: &[(&str, &str)] = &[
    (BP_PANEL, "us-core-blood-pressure"),
    ("39156-5", "us-core-bmi"),
    ("8302-2", "us-core-body-height"),
    ("8310-5", "us-core-body-temperature"),
    ("29463-7", "us-core-body-weight"),
    ("9843-4", "us-core-head-circumference"),
    ("8867-4", "us-core-heart-rate"),
    ("59408-5", "us-core-pulse-oximetry"),
    ("2708-6", "us-core-pulse-oximetry"),
    ("9279-1", "us-core-respiratory-rate"),
    ("59576-9", "pediatric-bmi-for-age"),
    ("77606-2", "pediatric-weight-for-height"),
    ("8289-1", "head-occipital-frontal-circumference-percentile"),
];

/// Smoking status (US Core's own profile, category social-history).
const SMOKING_STATUS: &str = "72166-2";

/// The full canonical URL of a US Core profile name.
pub fn url(name: &str) -> String {
    format!("{BASE}{name}")
}

/// Every profile the export may claim, by type (for the CapabilityStatement).
pub fn supported_profiles(rtype: &str) -> Vec<String> {
    let single = TYPE_PROFILES
        .iter()
        .filter(|(t, _)| *t == rtype)
        .map(|(_, p)| url(p));
    let variants = VARIANT_PROFILES
        .iter()
        .filter(|(t, _)| *t == rtype)
        .flat_map(|(_, ps)| ps.iter().map(|p| url(p)));
    single.chain(variants).collect()
}

fn codes<'a>(concept: &'a Value, system: Option<&'a str>) -> impl Iterator<Item = &'a str> + 'a {
    concept["coding"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(move |c| system.is_none_or(|s| c["system"] == s))
        .filter_map(|c| c["code"].as_str())
}

fn category_codes(r: &Value) -> Vec<&str> {
    r["category"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| codes(c, None))
        .collect()
}

/// Elements a US Core profile requires that the data may lack, by type: each inner list needs
/// one of its elements present, else the resource claims no profile (a Goal without a start
/// date or target, an Encounter without a type, a Practitioner without an identifier ...).
const REQUIRED: &[(&str, &[&[&str]])] = &[
    ("Patient", &[&["identifier"], &["name"], &["gender"]]),
    ("Encounter", &[&["type"]]),
    ("Goal", &[&["startDate", "target"]]),
    ("Practitioner", &[&["identifier"], &["name"]]),
    ("Organization", &[&["name"]]),
    ("Location", &[&["name"]]),
    ("CareTeam", &[&["participant"]]),
    ("DocumentReference", &[&["type"], &["category"]]),
];

fn has_required(r: &Value, rtype: &str) -> bool {
    REQUIRED
        .iter()
        .filter(|(t, _)| *t == rtype)
        .flat_map(|(_, all)| all.iter())
        .all(|any| any.iter().any(|e| !r[*e].is_null()))
}

/// The profile `r` claims, by its type and (for some types) its category and code.
pub fn profile_of(r: &Value) -> Option<String> {
    let rtype = r["resourceType"].as_str()?;
    if !has_required(r, rtype) {
        return None;
    }
    if let Some((_, p)) = TYPE_PROFILES.iter().find(|(t, _)| *t == rtype) {
        return Some(url(p));
    }
    let cats = category_codes(r);
    let name = match rtype {
        "Condition" if cats.contains(&"encounter-diagnosis") => {
            "us-core-condition-encounter-diagnosis"
        }
        "Condition" => "us-core-condition-problems-health-concerns",
        "DiagnosticReport" if cats.contains(&"LAB") => "us-core-diagnosticreport-lab",
        "DiagnosticReport" => "us-core-diagnosticreport-note",
        "Observation" => {
            let loinc: Vec<&str> =
                codes(&r["code"], Some(crate::records::model::systems::LOINC)).collect();
            if cats.contains(&"vital-signs") {
                VITAL_PROFILES
                    .iter()
                    .find(|(code, _)| loinc.contains(code))
                    .map_or("us-core-vital-signs", |(_, p)| *p)
            } else if cats.contains(&"laboratory") {
                "us-core-observation-lab"
            } else if cats.contains(&"social-history") && loinc.contains(&SMOKING_STATUS) {
                "us-core-smokingstatus"
            } else if cats.contains(&"survey") || cats.contains(&"sdoh") {
                "us-core-observation-screening-assessment"
            } else if cats
                .iter()
                .any(|c| ["imaging", "procedure", "exam"].contains(c))
            {
                "us-core-observation-clinical-result"
            } else if !cats.is_empty() {
                "us-core-simple-observation"
            } else {
                return None;
            }
        }
        _ => return None,
    };
    Some(url(name))
}

/// Sets `meta.profile` of every resource in `bundle`'s entries that a US Core profile fits.
pub fn declare_profiles(bundle: &mut Value) {
    let Some(entries) = bundle["entry"].as_array_mut() else {
        return;
    };
    for e in entries {
        declare_profile(&mut e["resource"]);
    }
}

/// Sets `meta.profile` of one resource (keeping any other `meta` it has).
pub fn declare_profile(r: &mut Value) {
    let Some(profile) = profile_of(r) else {
        return;
    };
    if !r["meta"].is_object() {
        r["meta"] = json!({});
    }
    r["meta"]["profile"] = json!([profile]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(category: &str, loinc: &str) -> Value {
        json!({
            "resourceType": "Observation",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": category}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]}
        })
    }

    #[test]
    fn observations_claim_the_profile_of_their_category_and_code() {
        let p = |c, l| profile_of(&obs(c, l)).unwrap_or_default();
        assert_eq!(p("vital-signs", BP_PANEL), url("us-core-blood-pressure"));
        assert_eq!(p("vital-signs", "8867-4"), url("us-core-heart-rate"));
        assert_eq!(p("vital-signs", "29463-7"), url("us-core-body-weight"));
        assert_eq!(p("vital-signs", "39156-5"), url("us-core-bmi"));
        assert_eq!(p("vital-signs", "1234-5"), url("us-core-vital-signs"));
        assert_eq!(p("laboratory", "4548-4"), url("us-core-observation-lab"));
        assert_eq!(p("social-history", "72166-2"), url("us-core-smokingstatus"));
        assert_eq!(
            p("survey", "72514-3"),
            url("us-core-observation-screening-assessment")
        );
        assert_eq!(profile_of(&json!({"resourceType": "Observation"})), None);
        // Every profile picked is one the CapabilityStatement lists.
        for (c, l) in [
            ("vital-signs", "2708-6"),
            ("imaging", "x"),
            ("therapy", "x"),
        ] {
            assert!(supported_profiles("Observation").contains(&p(c, l)), "{c}");
        }
    }

    #[test]
    fn types_claim_their_one_profile_and_meta_is_kept() {
        let mut r = json!({"resourceType": "Patient", "meta": {"lastUpdated": "2024-01-01T00:00:00Z"},
                "identifier": [{"value": "1"}], "name": [{"family": "A"}], "gender": "other"});
        declare_profile(&mut r);
        assert_eq!(r["meta"]["profile"], json!([url("us-core-patient")]));
        assert_eq!(r["meta"]["lastUpdated"], "2024-01-01T00:00:00Z");
        // A profile's required element missing: no claim.
        let goal = json!({"resourceType": "Goal", "lifecycleStatus": "active"});
        assert_eq!(profile_of(&goal), None);
        let goal = json!({"resourceType": "Goal", "startDate": "2024-01-01"});
        assert_eq!(profile_of(&goal), Some(url("us-core-goal")));
        let mut study = json!({"resourceType": "ImagingStudy"});
        declare_profile(&mut study);
        assert!(study.get("meta").is_none());
        let dx = json!({"resourceType": "Condition", "category": [{"coding": [{"code": "encounter-diagnosis"}]}]});
        assert_eq!(
            profile_of(&dx),
            Some(url("us-core-condition-encounter-diagnosis"))
        );
        assert_eq!(supported_profiles("Encounter"), [url("us-core-encounter")]);
    }
}
