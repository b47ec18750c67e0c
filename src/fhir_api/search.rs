//! Search parameters over exported resources: `_id`, `patient`/`subject`, `category`, `code`,
//! `status`, `clinical-status`, `intent`, `lifecycle-status` (token) and `date` (with the
//! prefixes eq ne gt lt ge le sa eb), each on the types that have it ([`supported`], which the
//! CapabilityStatement lists too). They work on the JSON the
//! exporter produces, so resource types the exporter learns appear here without a second
//! mapping.
//!
//! `_sort` by `date` (oldest first) or `-date` (newest first) orders the matches by the one rule
//! the chart pages use (`records::model::Observation::newest_first`: the date, then the id), so
//! an app asking for the newest first sees what the pages call the latest first; without it the
//! export's order holds (results oldest first, exactly the reverse).
//!
//! US Core's searches besides: `_lastUpdated` (the time the record was stored, which the API puts
//! in every resource's `meta.lastUpdated`), Condition `onset-date`, MedicationRequest
//! `authoredon`, Encounter `class`/`type`, Patient `identifier`/`name`/`birthdate`/`gender`, and
//! `_include`/`_revinclude` of the pairs [`includes_supported`] and [`revincludes_supported`]
//! list (the API resolves them).
//!
//! Anything else (other `_sort`
//! keys, other `_include`s, `_summary`, modifiers such as `code:text`, ...) is not applied, so it is kept
//! out of the Bundle's `self` link, which says what the search really was (FHIR's lenient
//! handling); under `Prefer: handling=strict` the search is refused instead.

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use serde_json::Value;

use crate::records::fhir_import::parse_fhir_datetime;
use crate::smart::scopes::Category;

/// One parsed search. Parameters that repeat are ANDed; commas inside a value are ORed.
#[derive(Debug, Default)]
pub struct Search {
    pub ids: Vec<Vec<String>>,
    pub categories: Vec<Vec<Token>>,
    pub codes: Vec<Vec<Token>>,
    /// Token parameters on one element ([`TOKEN_PARAMS`]: `status`, `clinical-status`,
    /// `class`, `type`, ...): the element's name and the tokens, any of which matches.
    pub states: Vec<(&'static str, Vec<Token>)>,
    pub dates: Vec<Vec<DateFilter>>,
    /// Date parameters on one element ([`DATE_PARAMS`]: `onset-date`, `authoredon`,
    /// `_lastUpdated`, ...): the element's path and the filters, any of which matches.
    pub element_dates: Vec<(&'static [&'static str], Vec<DateFilter>)>,
    /// Patient's `name`, `family`, `given` (FHIR string search: starts with, any case).
    pub strings: Vec<(&'static str, Vec<String>)>,
    /// `_include` values applied (`Observation:patient`), and `_revinclude` (`Provenance:target`).
    pub includes: Vec<String>,
    pub revincludes: Vec<String>,
    /// The `patient`/`subject` values given (each must be the token's own patient).
    pub patients: Vec<String>,
    /// `_count`: 0 asks for the total only.
    pub count: usize,
    /// `_sort=date` or `_sort=-date`; `None`: the export's order.
    pub sort: Option<Sort>,
    pub offset: usize,
    /// The filters applied, in the order given: the Bundle's links repeat these and no others.
    pub applied: Vec<(String, String)>,
    /// The names of parameters this server does not support for the type (not applied).
    pub unsupported: Vec<String>,
}

/// The search parameters of `rtype` (besides `_count`, `_offset` and `_format`), with their
/// FHIR types.
pub fn supported(rtype: &str) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![("_id", "token")];
    // Clinicians, clinics and places have no patient element (#27): read by id, as the
    // record points at them.
    let party = matches!(
        rtype,
        "Practitioner" | "PractitionerRole" | "Organization" | "Location"
    );
    if rtype != "Patient" && !party {
        out.push(("patient", "reference"));
    }
    if !party
        && !matches!(
            rtype,
            "Patient"
                | "AllergyIntolerance"
                | "Immunization"
                | "Provenance"
                | "Claim"
                | "ExplanationOfBenefit"
        )
    {
        out.push(("subject", "reference"));
    }
    if matches!(
        rtype,
        "Observation"
            | "Condition"
            | "CarePlan"
            | "DiagnosticReport"
            | "AllergyIntolerance"
            | "DocumentReference"
    ) {
        out.push(("category", "token"));
    }
    if matches!(
        rtype,
        "Observation"
            | "Condition"
            | "Procedure"
            | "DiagnosticReport"
            | "Immunization"
            | "MedicationRequest"
            | "AllergyIntolerance"
    ) {
        out.push(("code", "token"));
    }
    if !party
        && !matches!(
            rtype,
            "Patient" | "AllergyIntolerance" | "Provenance" | "Claim" | "ExplanationOfBenefit"
        )
    {
        out.push(("date", "date"));
    }
    for (name, _, _) in TOKEN_PARAMS
        .iter()
        .filter(|(_, _, types)| types.contains(&rtype))
    {
        out.push((name, "token"));
    }
    for (name, _, types) in DATE_PARAMS {
        if types.is_empty() || types.contains(&rtype) {
            out.push((name, "date"));
        }
    }
    if rtype == "Patient" {
        out.extend([
            ("name", "string"),
            ("family", "string"),
            ("given", "string"),
        ]);
    }
    out
}

/// Token parameters that search one element, and the types that have them. The element may
/// be a `code` string, a CodeableConcept, a Coding, an Identifier or a list of those.
const TOKEN_PARAMS: &[(&str, &str, &[&str])] = &[
    (
        "status",
        "status",
        &[
            "Observation",
            "Encounter",
            "Procedure",
            "DiagnosticReport",
            "Immunization",
            "MedicationRequest",
            "CarePlan",
            "DocumentReference",
            "CareTeam",
            "Claim",
            "ExplanationOfBenefit",
        ],
    ),
    (
        "clinical-status",
        "clinicalStatus",
        &["Condition", "AllergyIntolerance"],
    ),
    ("intent", "intent", &["MedicationRequest", "CarePlan"]),
    ("lifecycle-status", "lifecycleStatus", &["Goal"]),
    ("class", "class", &["Encounter"]),
    ("type", "type", &["Encounter", "DocumentReference"]),
    ("description", "description", &["Goal"]),
    (
        "identifier",
        "identifier",
        &["Patient", "Practitioner", "Organization", "Location"],
    ),
    ("gender", "gender", &["Patient"]),
];

/// Date parameters that search one element (no types: every type).
const DATE_PARAMS: &[(&str, &[&str], &[&str])] = &[
    ("_lastUpdated", &["meta", "lastUpdated"], &[]),
    ("onset-date", &["onsetDateTime"], &["Condition"]),
    ("recorded-date", &["recordedDate"], &["Condition"]),
    ("abatement-date", &["abatementDateTime"], &["Condition"]),
    ("authoredon", &["authoredOn"], &["MedicationRequest"]),
    ("birthdate", &["birthDate"], &["Patient"]),
    ("created", &["created"], &["Claim", "ExplanationOfBenefit"]),
];

/// The element a token parameter searches.
fn state_element(param: &str) -> Option<&'static str> {
    TOKEN_PARAMS
        .iter()
        .find(|(name, _, _)| *name == param)
        .map(|(_, element, _)| *element)
}

/// The element (path) a date parameter other than `date` searches.
fn date_element(param: &str) -> Option<&'static [&'static str]> {
    DATE_PARAMS
        .iter()
        .find(|(name, _, _)| *name == param)
        .map(|(_, path, _)| *path)
}

/// The reference elements `_include` may follow, by search parameter name: the element and
/// the types whose resources have it.
const INCLUDE_PARAMS: &[(&str, &str, &[&str])] = &[
    (
        "encounter",
        "encounter",
        &[
            "Condition",
            "MedicationRequest",
            "Immunization",
            "Observation",
            "Procedure",
            "CarePlan",
            "DiagnosticReport",
        ],
    ),
    ("medication", "medicationReference", &["MedicationRequest"]),
    ("result", "result", &["DiagnosticReport"]),
];

/// The `_include` values a search of `rtype` supports (`Observation:patient`, ...): the
/// patient of every type searched by patient, and the links US Core names.
pub fn includes_supported(rtype: &str) -> Vec<String> {
    let mut out = Vec::new();
    // Only types searched by patient link to one (clinicians and clinics do not).
    if supported(rtype).iter().any(|(name, _)| *name == "patient") {
        out.push(format!("{rtype}:patient"));
    }
    for (name, _, types) in INCLUDE_PARAMS {
        if types.contains(&rtype) {
            out.push(format!("{rtype}:{name}"));
        }
    }
    out
}

/// The `_revinclude` values a search of `rtype` supports: the Provenance of what is found.
pub fn revincludes_supported(rtype: &str) -> Vec<String> {
    if rtype == "Provenance" {
        Vec::new()
    } else {
        vec!["Provenance:target".to_string()]
    }
}

/// The elements an `_include` value (`Type:param`, or `Type:param:Target`) follows.
pub fn include_elements(value: &str) -> Vec<&'static str> {
    let mut parts = value.split(':');
    let (_, param) = (parts.next(), parts.next().unwrap_or(""));
    match param {
        "patient" => vec!["patient", "subject"],
        other => INCLUDE_PARAMS
            .iter()
            .filter(|(name, _, _)| *name == other)
            .map(|(_, element, _)| *element)
            .collect(),
    }
}

/// The orders `_sort` may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// `_sort=date`: oldest first.
    OldestFirst,
    /// `_sort=-date`: newest first.
    NewestFirst,
}

impl Sort {
    fn parse(v: &str) -> Option<Sort> {
        match v.trim() {
            "date" => Some(Sort::OldestFirst),
            "-date" => Some(Sort::NewestFirst),
            _ => None,
        }
    }

    /// Orders matched resources: newest first is by date, then (the same moment) by id, as the
    /// chart pages order results; oldest first is exactly its reverse. Undated resources last.
    pub fn apply(self, resources: &mut [Value]) {
        let newest_first = |a: &Value, b: &Value| {
            let (da, db) = (resource_date(a), resource_date(b));
            // `None` sorts below every date: undated last when newest first.
            db.cmp(&da)
                .then_with(|| a["id"].as_str().cmp(&b["id"].as_str()))
        };
        match self {
            Sort::NewestFirst => resources.sort_by(newest_first),
            Sort::OldestFirst => resources.sort_by(|a, b| {
                // Undated last here too, else the exact reverse.
                match (resource_date(a).is_none(), resource_date(b).is_none()) {
                    (false, true) => std::cmp::Ordering::Less,
                    (true, false) => std::cmp::Ordering::Greater,
                    _ => newest_first(b, a),
                }
            }),
        }
    }
}

pub const DEFAULT_COUNT: usize = 50;
pub const MAX_COUNT: usize = 100;
const MAX_OFFSET: usize = 1_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub system: Option<String>,
    pub code: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Sa,
    Eb,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFilter {
    prefix: Prefix,
    /// The value's range at its own precision: [start, end).
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

fn token(v: &str) -> Token {
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    match v.split_once('|') {
        // "|code": explicitly no system; treat as any system with that code.
        Some((system, code)) => Token {
            system: some(system),
            code: some(code),
        },
        None => Token {
            system: None,
            code: some(v),
        },
    }
}

fn date_filter(v: &str) -> Option<DateFilter> {
    let (prefix, rest) = match v.get(..2) {
        Some("eq") => (Prefix::Eq, &v[2..]),
        Some("ne") => (Prefix::Ne, &v[2..]),
        Some("gt") => (Prefix::Gt, &v[2..]),
        Some("lt") => (Prefix::Lt, &v[2..]),
        Some("ge") => (Prefix::Ge, &v[2..]),
        Some("le") => (Prefix::Le, &v[2..]),
        Some("sa") => (Prefix::Sa, &v[2..]),
        Some("eb") => (Prefix::Eb, &v[2..]),
        _ => (Prefix::Eq, v),
    };
    let start = parse_fhir_datetime(rest)?;
    let end = if rest.contains('T') {
        start + Duration::seconds(1)
    } else {
        let d: NaiveDate = start.date_naive();
        let next = match rest.len() {
            4 => d.checked_add_months(Months::new(12))?,
            7 => d.checked_add_months(Months::new(1))?,
            _ => d.succ_opt()?,
        };
        next.and_hms_opt(0, 0, 0)?.and_utc()
    };
    Some(DateFilter { prefix, start, end })
}

impl DateFilter {
    fn matches(&self, t: DateTime<Utc>) -> bool {
        let inside = t >= self.start && t < self.end;
        match self.prefix {
            Prefix::Eq => inside,
            Prefix::Ne => !inside,
            Prefix::Gt | Prefix::Sa => t >= self.end,
            Prefix::Lt | Prefix::Eb => t < self.start,
            Prefix::Ge => t >= self.start,
            Prefix::Le => t < self.end,
        }
    }
}

fn number(name: &str, v: &str, max: usize) -> Result<usize, String> {
    v.parse::<usize>()
        .map(|n| n.min(max))
        .map_err(|_| format!("{name} must be a whole number"))
}

/// Parses the query string's pairs for a search of `rtype`. Unsupported parameters are not
/// applied and are listed in `unsupported` (the caller refuses them under strict handling); a
/// supported parameter with a bad value is a 400.
pub fn parse(rtype: &str, pairs: &[(String, String)]) -> Result<Search, String> {
    let mut s = Search {
        count: DEFAULT_COUNT,
        ..Default::default()
    };
    let supported = supported(rtype);
    for (k, v) in pairs {
        let values = || v.split(',').map(str::trim).filter(|x| !x.is_empty());
        match k.as_str() {
            "_count" => s.count = number("_count", v, MAX_COUNT)?,
            "_offset" => s.offset = number("_offset", v, MAX_OFFSET)?,
            // Only by date; another key is listed as not applied, like any other parameter.
            "_sort" => match Sort::parse(v) {
                Some(sort) => {
                    s.sort = Some(sort);
                    s.applied.push((k.clone(), v.clone()));
                }
                None => {
                    if !s.unsupported.iter().any(|u| u == "_sort") {
                        s.unsupported.push("_sort".to_string());
                    }
                }
            },
            // Checked before the search (`check_format`); not a filter.
            "_format" => {}
            "_include" | "_revinclude" => {
                let known = if k == "_include" {
                    includes_supported(rtype)
                } else {
                    revincludes_supported(rtype)
                };
                // `Type:param` or `Type:param:Target` (the target must be what the link is).
                let base: String = v.splitn(3, ':').take(2).collect::<Vec<_>>().join(":");
                if known.contains(&base) {
                    let list = if k == "_include" {
                        &mut s.includes
                    } else {
                        &mut s.revincludes
                    };
                    list.push(base);
                    s.applied.push((k.clone(), v.clone()));
                } else if !s.unsupported.iter().any(|u| u == k) {
                    s.unsupported.push(k.clone());
                }
            }
            name if !supported.iter().any(|(n, _)| *n == name) => {
                if !s.unsupported.iter().any(|u| u == name) {
                    s.unsupported.push(name.to_string());
                }
            }
            name => {
                match name {
                    "_id" => s.ids.push(values().map(str::to_string).collect()),
                    "patient" | "subject" => s.patients.push(v.clone()),
                    "category" => s.categories.push(values().map(token).collect()),
                    "code" => s.codes.push(values().map(token).collect()),
                    "date" => s.dates.push(
                        values()
                            .map(|d| {
                                date_filter(d)
                                    .ok_or_else(|| format!("date {d:?} is not a FHIR date"))
                            })
                            .collect::<Result<_, _>>()?,
                    ),
                    "name" | "family" | "given" => {
                        let field = match name {
                            "family" => "family",
                            "given" => "given",
                            _ => "name",
                        };
                        s.strings
                            .push((field, values().map(|x| x.to_lowercase()).collect()));
                    }
                    other => {
                        if let Some(element) = state_element(other) {
                            s.states.push((element, values().map(token).collect()));
                        } else if let Some(path) = date_element(other) {
                            let filters = values()
                                .map(|d| {
                                    date_filter(d)
                                        .ok_or_else(|| format!("{other} {d:?} is not a FHIR date"))
                                })
                                .collect::<Result<_, _>>()?;
                            s.element_dates.push((path, filters));
                        }
                    }
                }
                s.applied.push((k.clone(), v.clone()));
            }
        }
    }
    Ok(s)
}

/// The id a `patient` parameter names: "123", "Patient/123" or ".../Patient/123".
pub fn patient_ref(v: &str) -> &str {
    match v.rfind("Patient/") {
        Some(i) => &v[i + "Patient/".len()..],
        None => v,
    }
}

fn codings(concept: &Value) -> impl Iterator<Item = &Value> {
    concept["coding"].as_array().into_iter().flatten()
}

fn concept_matches(concept: &Value, t: &Token) -> bool {
    codings(concept).any(|c| {
        t.code.as_deref().is_none_or(|code| c["code"] == code)
            && t.system.as_deref().is_none_or(|sys| c["system"] == sys)
    })
}

/// The element `code` searches: code, vaccineCode or the medication.
fn code_concepts(r: &Value) -> Vec<&Value> {
    ["code", "vaccineCode", "medicationCodeableConcept"]
        .iter()
        .map(|k| &r[*k])
        .filter(|v| v.is_object())
        .collect()
}

/// Is `r` in one of the categories a granular scope allows (`smart::scopes::Access::Only`)?
pub fn in_categories(r: &Value, allowed: &[Category]) -> bool {
    allowed.iter().any(|c| {
        let t = Token {
            system: c.system.clone(),
            code: Some(c.code.clone()),
        };
        category_concepts(r)
            .iter()
            .any(|concept| concept_matches(concept, &t))
    })
}

fn category_concepts(r: &Value) -> Vec<&Value> {
    match &r["category"] {
        Value::Array(a) => a.iter().collect(),
        v @ Value::Object(_) => vec![v],
        _ => Vec::new(),
    }
}

/// The resource's clinically relevant date, whichever element its type uses.
pub fn resource_date(r: &Value) -> Option<DateTime<Utc>> {
    const PATHS: &[&[&str]] = &[
        &["effectiveDateTime"],
        &["effectiveInstant"],
        &["effectivePeriod", "start"],
        &["occurrenceDateTime"],
        &["performedDateTime"],
        &["performedPeriod", "start"],
        &["period", "start"],
        &["onsetDateTime"],
        &["authoredOn"],
        &["startDate"],
        &["recordedDate"],
        &["issued"],
        // DocumentReference (#27): when the note was written.
        &["date"],
    ];
    PATHS.iter().find_map(|path| {
        let v = path.iter().fold(r, |v, k| &v[*k]);
        v.as_str().and_then(parse_fhir_datetime)
    })
}

/// Does a token match an element: a `code` string (its system is implied by the element, so
/// the code decides), a CodeableConcept, a Coding, an Identifier (system|value), or a list?
fn element_matches(v: &Value, t: &Token) -> bool {
    match v {
        Value::String(code) => t.code.as_deref() == Some(code.as_str()),
        Value::Array(items) => items.iter().any(|i| element_matches(i, t)),
        Value::Object(m) if m.contains_key("coding") => concept_matches(v, t),
        Value::Object(m) => {
            let code = m.get("code").or_else(|| m.get("value"));
            code.is_some()
                && t.code
                    .as_deref()
                    .is_none_or(|c| code == Some(&Value::from(c)))
                && t.system.as_deref().is_none_or(|sys| v["system"] == sys)
        }
        _ => false,
    }
}

/// FHIR string search on a Patient's names: a part (family, a given name, the text) that
/// starts with the value, in any case.
fn name_matches(r: &Value, field: &str, lowered: &str) -> bool {
    r["name"].as_array().into_iter().flatten().any(|n| {
        let mut parts: Vec<&str> = Vec::new();
        if field != "given" {
            parts.extend(n["family"].as_str());
        }
        if field != "family" {
            parts.extend(
                n["given"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str),
            );
        }
        if field == "name" {
            parts.extend(n["text"].as_str());
        }
        parts.iter().any(|p| p.to_lowercase().starts_with(lowered))
    })
}

impl Search {
    pub fn matches(&self, r: &Value) -> bool {
        let id = r["id"].as_str().unwrap_or("");
        self.ids.iter().all(|any| any.iter().any(|x| x == id))
            && self.codes.iter().all(|any| {
                any.iter()
                    .any(|t| code_concepts(r).iter().any(|c| concept_matches(c, t)))
            })
            && self.categories.iter().all(|any| {
                any.iter()
                    .any(|t| category_concepts(r).iter().any(|c| concept_matches(c, t)))
            })
            && self
                .states
                .iter()
                .all(|(element, any)| any.iter().any(|t| element_matches(&r[*element], t)))
            && self.element_dates.iter().all(|(path, any)| {
                let v = path.iter().fold(r, |v, k| &v[*k]);
                v.as_str()
                    .and_then(parse_fhir_datetime)
                    .is_some_and(|d| any.iter().any(|f| f.matches(d)))
            })
            && self
                .strings
                .iter()
                .all(|(field, any)| any.iter().any(|x| name_matches(r, field, x)))
            && self
                .dates
                .iter()
                .all(|any| resource_date(r).is_some_and(|d| any.iter().any(|f| f.matches(d))))
    }

    /// The first category code asked for, for the audit entry ("laboratory").
    pub fn category_hint(&self) -> Option<&str> {
        self.categories.first()?.first()?.code.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(q: &str) -> Vec<(String, String)> {
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect()
    }

    fn obs() -> Value {
        json!({
            "resourceType": "Observation", "id": "o1",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
            "effectiveDateTime": "2021-03-15T10:00:00Z"
        })
    }

    fn hit(q: &str) -> bool {
        parse("Observation", &pairs(q)).unwrap().matches(&obs())
    }

    #[test]
    fn tokens_match_code_and_system() {
        assert!(hit("code=4548-4"));
        assert!(hit("code=http://loinc.org|4548-4"));
        assert!(!hit("code=http://snomed.info/sct|4548-4"));
        assert!(hit("code=1234-5,4548-4"));
        assert!(!hit("code=1234-5"));
        assert!(hit("category=laboratory"));
        assert!(!hit("category=vital-signs"));
        assert!(!hit("category=laboratory&code=1234-5"));
    }

    #[test]
    fn dates_compare_at_the_precision_given() {
        assert!(hit("date=2021"));
        assert!(hit("date=2021-03"));
        assert!(hit("date=eq2021-03-15"));
        assert!(!hit("date=2021-03-16"));
        assert!(hit("date=ge2021-03-15"));
        assert!(!hit("date=gt2021-03-15"));
        assert!(hit("date=gt2021-03-14"));
        assert!(hit("date=lt2022"));
        assert!(!hit("date=lt2021-03-15"));
        assert!(hit("date=le2021-03-15"));
        assert!(hit("date=ne2020"));
        assert!(hit("date=ge2021-01-01&date=lt2021-04-01"));
        assert!(!hit("date=ge2021-01-01&date=lt2021-03-01"));
        assert!(hit("date=sa2020-12-31"));
        assert!(hit("date=eb2021-12-31T00:00:00Z"));
    }

    #[test]
    fn bad_values_are_refused_and_counts_capped() {
        let parse = |q: &str| parse("Observation", &pairs(q));
        assert!(parse("date=yesterday").is_err());
        assert!(parse("_count=lots").is_err());
        assert_eq!(parse("_count=100000").unwrap().count, MAX_COUNT);
        assert_eq!(parse("_count=0").unwrap().count, 0);
        assert_eq!(patient_ref("https://x/fhir/r4/Patient/abc"), "abc");
        assert_eq!(patient_ref("Patient/abc"), "abc");
    }

    #[test]
    fn unsupported_parameters_are_listed_not_applied() {
        let s = parse(
            "Observation",
            &pairs("_summary=count&code=4548-4&_include=Observation:performer&code:text=x&_sort=status&_summary=true&_format=json&_count=5"),
        )
        .unwrap();
        assert_eq!(
            s.unsupported,
            ["_summary", "_include", "code:text", "_sort"]
        );
        assert_eq!(s.applied, [("code".to_string(), "4548-4".to_string())]);
        assert!(s.matches(&obs()));
        // A parameter is supported on the types that have it only.
        let s = parse("Patient", &pairs("category=laboratory&_id=p1")).unwrap();
        assert_eq!(s.unsupported, ["category"]);
        assert!(s.categories.is_empty());
    }

    #[test]
    fn sorting_by_date_follows_the_pages_rule_for_the_same_moment() {
        let at = |id: &str, when: Option<&str>| match when {
            Some(w) => json!({"resourceType": "Observation", "id": id, "effectiveDateTime": w}),
            None => json!({"resourceType": "Observation", "id": id}),
        };
        let mut found = vec![
            at("m", Some("2021-03-15T10:00:00Z")),
            at("none", None),
            at("z", Some("2021-03-15T10:00:00Z")),
            at("old", Some("2020-01-01T00:00:00Z")),
            at("a", Some("2021-03-15T10:00:00Z")),
        ];
        let ids = |v: &[Value]| -> Vec<String> {
            v.iter()
                .map(|r| r["id"].as_str().unwrap_or("").to_string())
                .collect()
        };
        let s = parse("Observation", &pairs("_sort=-date")).unwrap();
        assert_eq!(s.sort, Some(Sort::NewestFirst));
        assert_eq!(s.applied, [("_sort".to_string(), "-date".to_string())]);
        Sort::NewestFirst.apply(&mut found);
        assert_eq!(ids(&found), ["a", "m", "z", "old", "none"]);
        Sort::OldestFirst.apply(&mut found);
        assert_eq!(ids(&found), ["old", "z", "m", "a", "none"]);
        assert_eq!(
            parse("Observation", &pairs("_sort=date")).unwrap().sort,
            Some(Sort::OldestFirst)
        );
        let other = parse("Observation", &pairs("_sort=code")).unwrap();
        assert_eq!(
            (other.sort, other.unsupported),
            (None, vec!["_sort".to_string()])
        );
    }

    #[test]
    fn status_like_parameters_match_codes_and_concepts() {
        let search = |rtype: &str, q: &str| parse(rtype, &pairs(q)).unwrap();
        let obs = json!({"resourceType": "Observation", "status": "final"});
        assert!(search("Observation", "status=final,amended").matches(&obs));
        assert!(!search("Observation", "status=preliminary").matches(&obs));
        let condition = json!({"resourceType": "Condition", "clinicalStatus": {"coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]}});
        assert!(search("Condition", "clinical-status=active").matches(&condition));
        assert!(!search("Condition", "clinical-status=resolved").matches(&condition));
        let med =
            json!({"resourceType": "MedicationRequest", "status": "active", "intent": "order"});
        assert!(search("MedicationRequest", "intent=order&status=active").matches(&med));
        assert!(!search("MedicationRequest", "intent=plan").matches(&med));
        // Not a parameter of that type: listed, not applied.
        assert_eq!(search("Patient", "status=active").unsupported, ["status"]);
    }

    #[test]
    fn us_core_parameters_search_their_elements() {
        let search = |rtype: &str, q: &str| parse(rtype, &pairs(q)).unwrap();
        let enc = json!({"resourceType": "Encounter", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "type": [{"coding": [{"system": "http://snomed.info/sct", "code": "185349003"}]}],
            "meta": {"lastUpdated": "2024-05-06T07:08:09Z"}});
        assert!(search("Encounter", "class=AMB").matches(&enc));
        assert!(search(
            "Encounter",
            "class=http://terminology.hl7.org/CodeSystem/v3-ActCode|AMB"
        )
        .matches(&enc));
        assert!(!search("Encounter", "class=EMER").matches(&enc));
        assert!(search("Encounter", "type=185349003").matches(&enc));
        assert!(!search("Encounter", "type=1").matches(&enc));
        assert!(search("Encounter", "_lastUpdated=ge2024-05-06").matches(&enc));
        assert!(search("Encounter", "_lastUpdated=le2024-05-06T07:08:09Z").matches(&enc));
        assert!(!search("Encounter", "_lastUpdated=gt2024-05-06").matches(&enc));
        assert!(!search("Encounter", "_lastUpdated=lt2024-05-06T07:08:09Z").matches(&enc));
        // No lastUpdated: never matches a _lastUpdated filter.
        assert!(!search("Encounter", "_lastUpdated=ge2000")
            .matches(&json!({"resourceType": "Encounter"})));
        let cond = json!({"resourceType": "Condition", "onsetDateTime": "2020-01-02T00:00:00Z"});
        assert!(search("Condition", "onset-date=2020-01").matches(&cond));
        assert!(!search("Condition", "onset-date=gt2020-01-02").matches(&cond));
        assert!(parse("Condition", &pairs("onset-date=soon")).is_err());
        let patient = json!({"resourceType": "Patient", "gender": "female", "birthDate": "1950-02-03",
            "identifier": [{"system": "urn:x", "value": "MRN-1"}],
            "name": [{"family": "O'Neil", "given": ["Mary Ann"]}]});
        for q in [
            "name=o'n",
            "family=O'NEIL",
            "given=mary",
            "gender=female",
            "birthdate=1950",
            "identifier=MRN-1",
            "identifier=urn:x|MRN-1",
        ] {
            assert!(search("Patient", q).matches(&patient), "{q}");
        }
        for q in [
            "name=ann",
            "family=mary",
            "gender=male",
            "birthdate=1951",
            "identifier=urn:y|MRN-1",
        ] {
            assert!(!search("Patient", q).matches(&patient), "{q}");
        }
        let s = search("Observation", "_include=Observation:patient&_revinclude=Provenance:target&_include=Observation:encounter:Encounter");
        assert_eq!(s.includes, ["Observation:patient", "Observation:encounter"]);
        assert_eq!(s.revincludes, ["Provenance:target"]);
        assert!(s.unsupported.is_empty());
        assert_eq!(
            search("Patient", "_include=Patient:patient").unsupported,
            ["_include"]
        );
    }

    #[test]
    fn a_granular_scope_category_matches_like_a_token() {
        let lab = |system: Option<&str>| Category {
            system: system.map(str::to_string),
            code: "laboratory".into(),
        };
        assert!(in_categories(&obs(), &[lab(None)]));
        assert!(in_categories(
            &obs(),
            &[lab(Some(
                "http://terminology.hl7.org/CodeSystem/observation-category"
            ))]
        ));
        assert!(!in_categories(&obs(), &[lab(Some("http://example.org"))]));
        assert!(!in_categories(
            &json!({"resourceType": "Observation"}),
            &[lab(None)]
        ));
    }
}
