//! What the chart pages show, made from the record's domain values: dates and units in words,
//! values rounded for their test, results flagged High, Low or Normal in words.
//!
//! Everything here is a pure function of domain values, so the rules a lay reader depends on are
//! unit-tested next to them and the templates only lay things out. Nothing here reads the
//! database or knows who is looking.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::chart_svg::{self, PointIn, SeriesIn};
use super::model::{
    Allergy, AllergySummary, ComponentValue, Concept, Condition, Encounter, Immunization,
    Medication, Observation, ObservationCategory, ObservationValue, Patient, PatientRecord,
    Quantity,
};
use super::ranges::{self, Flag};
use crate::i18n::{self, Arg};

/// What to call a visit: its type as the record names it, else its class in the page's
/// language (#31; the record keeps the class code).
pub fn visit_title(e: &Encounter) -> String {
    match &e.kind {
        Some(k) => shown_name(k),
        None => word("record-visit-class", &e.class_code),
    }
}

/// A clinical name (condition, medicine, allergy, vaccine, test, procedure) in the page's
/// language when the source translates it (#31), else as the source gives it: never a
/// translation of ours. Without its SNOMED semantic tag, as [`plain_name`].
pub fn shown_name(c: &Concept) -> String {
    plain_name(c.display_in(i18n::current().code()))
}

/// The source's own translation of a name into the page's language, if it gives one: it wins
/// over our (English) short names of tests.
pub fn source_translation(c: &Concept) -> Option<String> {
    c.translation(i18n::current().code()).map(plain_name)
}

/// A word of `locales/*/words.ftl` chosen by a record's code, in the language of the request
/// (#31): the record keeps the code, the page shows the word.
fn word(key: &str, code: &str) -> String {
    i18n::tr_args(i18n::current(), key, &[("code", Arg::from(code))])
}

/// A date as a lay reader reads it ("3 March 2024") and as `<time datetime>` wants it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateView {
    pub text: String,
    pub iso: String,
}

impl DateView {
    pub fn day(d: NaiveDate) -> Self {
        DateView {
            // In the request's language (#31); a kept chart part is kept per language.
            text: crate::i18n::format::date(crate::i18n::current(), d),
            iso: d.format("%Y-%m-%d").to_string(),
        }
    }

    /// The calendar day of a UTC time.
    pub fn at(t: &DateTime<Utc>) -> Self {
        Self::day(t.date_naive())
    }
}

/// Who the chart belongs to: shown at the top of every chart page.
#[derive(Debug, Clone, Serialize)]
pub struct PatientHeading {
    pub name: String,
    pub born: DateView,
    /// Age today, or at death for a deceased patient.
    pub age: Option<u32>,
    pub sex: String,
    pub mrn: String,
    pub deceased: bool,
    /// The date of death, when the record has one.
    pub died: Option<DateView>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

impl PatientHeading {
    pub fn of(p: &Patient, today: NaiveDate) -> Self {
        PatientHeading {
            name: p.display_name(),
            born: DateView::day(p.birth_date),
            age: p.age_on(today),
            sex: word("record-sex", p.sex.fhir_code()),
            mrn: p.mrn.value.clone(),
            deceased: p.is_deceased(),
            died: p.deceased.and_then(|d| d.date()).map(DateView::day),
            address: p.address.clone(),
            phone: p.phone.clone(),
        }
    }
}

/// One link of the chart's section navigation.
#[derive(Debug, Clone, Serialize)]
pub struct NavItem {
    pub href: String,
    pub label: &'static str,
    /// `aria-current` value: "page" for this page, "true" for the section a sub-page belongs to.
    pub current: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConditionRow {
    pub name: String,
    pub status: String,
    pub onset: Option<DateView>,
    pub resolved: Option<DateView>,
}

impl ConditionRow {
    pub fn of(c: &Condition) -> Self {
        let lang = i18n::current();
        let status = c.clinical_status.map_or_else(
            || i18n::tr(lang, "record-status-not-recorded"),
            |s| word("record-clinical-status", s.fhir_code()),
        );
        let sureness = match c.verification_status.as_deref() {
            Some("refuted") => Some("record-condition-refuted"),
            Some("entered-in-error") => Some("record-condition-entered-in-error"),
            Some("provisional" | "differential") => Some("record-condition-unconfirmed"),
            _ => None,
        };
        let status = match sureness {
            Some(key) => i18n::tr_args(lang, key, &[("status", Arg::from(status))]),
            None => status,
        };
        ConditionRow {
            name: shown_name(&c.code),
            status,
            onset: c.onset.as_ref().map(DateView::at),
            resolved: c.abatement.as_ref().map(DateView::at),
        }
    }
}

/// Current conditions first, then past ones; each keeps the order it was given in.
pub fn split_conditions(conditions: &[Condition]) -> (Vec<ConditionRow>, Vec<ConditionRow>) {
    let (current, past): (Vec<&Condition>, Vec<&Condition>) =
        conditions.iter().partition(|c| c.is_active());
    (
        current.into_iter().map(ConditionRow::of).collect(),
        past.into_iter().map(ConditionRow::of).collect(),
    )
}

#[derive(Debug, Clone, Serialize)]
pub struct MedicationRow {
    pub name: String,
    pub dosage: Option<String>,
    pub status: String,
    pub prescribed: Option<DateView>,
    /// Why it was prescribed, in words.
    pub reason: Option<String>,
    /// Who prescribed it.
    pub prescriber: Option<String>,
    /// The prescriber's entry on the care team page (`practitioner-...`), when the record
    /// holds them as a Practitioner (#27).
    pub prescriber_anchor: Option<String>,
}

/// An element id from a prefix and a FHIR id, for links within a page (the care team's
/// `#practitioner-...`): FHIR ids are `[A-Za-z0-9-.]{1,64}`; any other id gets none.
pub fn element_id(prefix: &str, id: &str) -> Option<String> {
    let safe = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    safe.then(|| format!("{prefix}-{id}"))
}

impl MedicationRow {
    pub fn of(m: &Medication) -> Self {
        MedicationRow {
            name: shown_name(&m.code),
            dosage: m.dosage.clone(),
            status: word("record-medication-status", m.status.fhir_code()),
            prescribed: m.authored_on.as_ref().map(DateView::at),
            reason: m.reason.as_ref().map(shown_name),
            prescriber: m.prescriber.clone(),
            prescriber_anchor: m
                .prescriber_id
                .as_deref()
                .and_then(|id| element_id("practitioner", id)),
        }
    }
}

/// Active prescriptions, then all others.
pub fn split_medications(medications: &[Medication]) -> (Vec<MedicationRow>, Vec<MedicationRow>) {
    let (current, past): (Vec<&Medication>, Vec<&Medication>) =
        medications.iter().partition(|m| m.is_active());
    (
        current.into_iter().map(MedicationRow::of).collect(),
        past.into_iter().map(MedicationRow::of).collect(),
    )
}

#[derive(Debug, Clone, Serialize)]
pub struct AllergyRow {
    pub substance: String,
    pub kind: Option<String>,
    pub categories: String,
    pub criticality: Option<String>,
    pub status: Option<String>,
    pub recorded: Option<DateView>,
}

impl AllergyRow {
    fn of(a: &Allergy) -> Self {
        AllergyRow {
            substance: shown_name(&a.code),
            kind: a
                .kind
                .as_deref()
                .filter(|k| matches!(*k, "allergy" | "intolerance"))
                .map(|k| word("record-allergy-kind", k)),
            // A list of words, not a sentence: the comma is the same in both languages.
            categories: a
                .categories
                .iter()
                .map(|c| word("record-allergy-category", c.fhir_code()))
                .collect::<Vec<_>>()
                .join(", "),
            criticality: a
                .criticality
                .map(|c| word("record-criticality", c.fhir_code())),
            status: a
                .clinical_status
                .map(|s| word("record-clinical-status", s.fhir_code())),
            recorded: a.recorded.as_ref().map(DateView::at),
        }
    }
}

/// What the allergies section says. `state` is "none_recorded", "no_known" or "listed".
#[derive(Debug, Clone, Serialize)]
pub struct AllergiesView {
    pub state: &'static str,
    pub rows: Vec<AllergyRow>,
    /// When the "no known allergies" statement was recorded.
    pub stated_on: Option<DateView>,
}

/// Uses the record's own rule ([`PatientRecord::allergy_summary`]): "No known allergies" only
/// when the record says so, "None recorded" when it says nothing.
pub fn allergies_view(patient: &Patient, allergies: Vec<Allergy>) -> AllergiesView {
    let mut record = PatientRecord::new(patient.clone());
    record.allergies = allergies;
    match record.allergy_summary() {
        AllergySummary::NoneRecorded => AllergiesView {
            state: "none_recorded",
            rows: Vec::new(),
            stated_on: None,
        },
        AllergySummary::NoKnownAllergies => AllergiesView {
            state: "no_known",
            rows: Vec::new(),
            stated_on: record
                .allergies
                .iter()
                .filter(|a| a.is_no_known_allergy() && !a.is_retracted())
                .filter_map(|a| a.recorded)
                .max()
                .as_ref()
                .map(DateView::at),
        },
        AllergySummary::Allergies(list) => AllergiesView {
            state: "listed",
            rows: list.into_iter().map(AllergyRow::of).collect(),
            stated_on: None,
        },
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ImmunizationRow {
    pub vaccine: String,
    pub date: DateView,
    pub status: String,
}

impl ImmunizationRow {
    pub fn of(i: &Immunization) -> Self {
        let status = match i.status.as_str() {
            code @ ("completed" | "not-done" | "entered-in-error") => {
                word("record-immunization-status", code)
            }
            // A code outside the standard's three, shown as the record gives it.
            other => capitalize(other),
        };
        ImmunizationRow {
            vaccine: shown_name(&i.vaccine),
            date: DateView::at(&i.date),
            status,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VisitRow {
    pub date: DateView,
    pub title: String,
    pub reason: Option<String>,
    pub provider: Option<String>,
    pub organization: Option<String>,
    /// Path segment of the visit's own page (what happened in it).
    pub visit: Option<String>,
}

/// The visit page's path segment for an encounter id, when the id is safe in a URL path (FHIR
/// ids are `[A-Za-z0-9-.]{1,64}`; anything else gets no link rather than a broken one).
pub fn visit_segment(fhir_id: &str) -> Option<String> {
    is_visit_id(fhir_id).then(|| fhir_id.to_owned())
}

/// Whether a URL segment can be a visit id at all (checked before anything is opened).
pub fn is_visit_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && s != "."
        && s != ".."
}

impl VisitRow {
    pub fn of(e: &Encounter) -> Self {
        VisitRow {
            date: DateView::at(&e.start),
            title: visit_title(e),
            reason: e.reason.as_ref().map(shown_name),
            provider: e.provider.clone(),
            organization: e.organization.clone(),
            visit: visit_segment(&e.fhir_id),
        }
    }
}

/// A result as a reader sees it: rounded value, unit in words, flag, normal range.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub value: String,
    pub unit: String,
    pub flag: Option<Flag>,
    /// The normal range with its unit ("70 to 99 mg/dL"), when our table has one for this unit.
    pub range: Option<String>,
    /// Why the value was not compared with a usual range, when it could have been: shown
    /// beside "Could not be compared" (or instead of a flag), so no reader is left guessing.
    pub note: Option<String>,
}

/// The reason a result of a test in our table was not compared, in words; `None` when it was
/// compared, or when the test is not in the table at all ("No range" says that already).
fn not_compared_note(loinc: &str, q: &Quantity, flag: Option<Flag>, unit: &str) -> Option<String> {
    let lang = i18n::current();
    // A unit the record gives, or none: each has its own sentence.
    let with_unit = |key: &str, args: Vec<(&str, Arg)>| {
        let mut args = args;
        if unit.is_empty() {
            i18n::tr_args(lang, &format!("{key}-no-unit"), &args)
        } else {
            args.push(("unit", Arg::from(unit)));
            i18n::tr_args(lang, key, &args)
        }
    };
    match flag {
        Some(Flag::NotComparable) => Some(with_unit("record-note-impossible-value", vec![])),
        Some(_) => None,
        None => {
            let row = ranges::lookup(loinc)?;
            Some(if !q.value.is_finite() {
                i18n::tr(lang, "record-note-not-a-number")
            } else if row.low.is_none() && row.high.is_none() {
                i18n::tr(lang, "record-note-no-usual-range")
            } else if ranges::lookup_in(loinc, &q.unit).is_none() {
                let ours = ranges::unit_label(row.unit);
                with_unit("record-note-other-unit", vec![("ours", Arg::from(ours))])
            } else {
                return None;
            })
        }
    }
}

fn quantity_reading(loinc: &str, q: &Quantity) -> Reading {
    let unit = ranges::unit_label(&q.unit);
    let range = ranges::lookup_in(loinc, &q.unit).and_then(|r| r.describe_with_unit(&unit));
    let flag = ranges::flag(loinc, q.value, &q.unit);
    Reading {
        note: not_compared_note(loinc, q, flag, &unit),
        // An impossible value is shown as recorded, not rounded as if it were real; with the
        // page's decimal sign (#31).
        value: i18n::format::localise_decimal(
            i18n::current(),
            &if flag == Some(Flag::NotComparable) {
                ranges::format_significant(q.value)
            } else {
                ranges::format_value(loinc, q.value)
            },
        ),
        unit,
        flag,
        range,
    }
}

/// A value with its unit, both written for the page's language already: "72 per minute",
/// "5,4 mmol/L". (A range places its unit by its message: `ranges::range_words`.)
fn with_unit(value: &str, unit: &str) -> String {
    if unit.is_empty() {
        return value.to_owned();
    }
    format!("{value} {unit}")
}

/// Could not be compared if any part could not (one impossible part puts the whole reading in
/// doubt), else High if any part is high, else Low if any is low, else Normal if any part has a
/// flag.
fn worst(flags: impl IntoIterator<Item = Option<Flag>>) -> Option<Flag> {
    let flags: Vec<Flag> = flags.into_iter().flatten().collect();
    if flags.contains(&Flag::NotComparable) {
        Some(Flag::NotComparable)
    } else if flags.contains(&Flag::High) {
        Some(Flag::High)
    } else if flags.contains(&Flag::Low) {
        Some(Flag::Low)
    } else {
        flags.first().copied()
    }
}

const SYSTOLIC: &str = "8480-6";
const DIASTOLIC: &str = "8462-4";

pub fn reading(o: &Observation) -> Reading {
    let loinc = o.loinc().unwrap_or("");
    match &o.value {
        ObservationValue::Quantity(q) => quantity_reading(loinc, q),
        // Coded answers arrive as their display ("Never smoked tobacco (finding)").
        // A value type shown only as words: written again in the page's language from the
        // value the source gave (#31); the text kept at import is English.
        ObservationValue::Other { field, text, fhir } => Reading {
            value: other_value_words(field, fhir).unwrap_or_else(|| plain_name(text)),
            unit: String::new(),
            flag: None,
            range: None,
            note: None,
        },
        ObservationValue::Text(t) | ObservationValue::Coded(Concept { display: t, .. }) => {
            Reading {
                value: plain_name(t),
                unit: String::new(),
                flag: None,
                range: None,
                note: None,
            }
        }
        ObservationValue::Empty => Reading {
            value: i18n::tr(i18n::current(), "record-no-value"),
            unit: String::new(),
            flag: None,
            range: None,
            note: None,
        },
        ObservationValue::Components(parts) => {
            if let (Some(s), Some(d)) = (o.component(SYSTOLIC), o.component(DIASTOLIC)) {
                // Blood pressure reads "128/84 mmHg", its range "90/60 to 119/79 mmHg".
                let (s, d) = (
                    quantity_reading(SYSTOLIC, s),
                    quantity_reading(DIASTOLIC, d),
                );
                let range = match (
                    ranges::lookup(SYSTOLIC).filter(|_| s.range.is_some()),
                    ranges::lookup(DIASTOLIC).filter(|_| d.range.is_some()),
                ) {
                    (Some(rs), Some(rd)) => match (rs.low, rs.high, rd.low, rd.high) {
                        (Some(sl), Some(sh), Some(dl), Some(dh)) => ranges::range_words(
                            Some(&format!("{}/{}", rs.shown(sl), rd.shown(dl))),
                            Some(&format!("{}/{}", rs.shown(sh), rd.shown(dh))),
                            &s.unit,
                        ),
                        _ => None,
                    },
                    _ => None,
                };
                return Reading {
                    value: format!("{}/{}", s.value, d.value),
                    unit: s.unit,
                    flag: worst([s.flag, d.flag]),
                    range,
                    note: s.note.or(d.note),
                };
            }
            let mut texts = Vec::new();
            let mut flags = Vec::new();
            let mut note = None;
            for c in parts {
                let code = if c.code.system == super::model::systems::LOINC {
                    c.code.code.as_str()
                } else {
                    ""
                };
                match &c.value {
                    ComponentValue::Quantity(q) => {
                        let r = quantity_reading(code, q);
                        texts.push(format!(
                            "{}: {}",
                            component_name(c),
                            with_unit(&r.value, &r.unit)
                        ));
                        flags.push(r.flag);
                        note = note.or(r.note.map(|n| format!("{}: {n}", component_name(c))));
                    }
                    ComponentValue::Text(t) | ComponentValue::Coded(Concept { display: t, .. }) => {
                        texts.push(format!("{}: {}", component_name(c), plain_name(t)))
                    }
                    ComponentValue::Empty => {}
                }
            }
            Reading {
                value: if texts.is_empty() {
                    i18n::tr(i18n::current(), "record-no-value")
                } else {
                    texts.join("; ")
                },
                unit: String::new(),
                flag: worst(flags),
                range: None,
                note,
            }
        }
    }
}

/// A value of a type the portal shows only as words (`ObservationValue::Other`: a range, a
/// ratio, a period, waveform data, an attachment) in the page's language, numbers with its
/// decimal sign; `None` for a field it does not know (the text kept at import is shown).
fn other_value_words(field: &str, v: &serde_json::Value) -> Option<String> {
    let lang = i18n::current();
    let num = |q: Option<&serde_json::Value>| -> Option<String> {
        let q = q?;
        let value = q.get("value")?.as_f64()?;
        let unit = q
            .get("unit")
            .or_else(|| q.get("code"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or("");
        let number = i18n::format::localise_decimal(lang, &ranges::format_significant(value));
        Some(with_unit(&number, &ranges::unit_label(unit)))
    };
    Some(match field {
        "valueRange" => {
            let (low, high) = (num(v.get("low")), num(v.get("high")));
            ranges::range_words(low.as_deref(), high.as_deref(), "")
                .unwrap_or_else(|| i18n::tr(lang, "clinical-other-range-empty"))
        }
        "valueRatio" => match (num(v.get("numerator")), num(v.get("denominator"))) {
            (Some(n), Some(d)) => format!("{n} : {d}"),
            _ => i18n::tr(lang, "clinical-other-ratio-empty"),
        },
        "valuePeriod" => {
            let day = |key: &str| {
                let text = v.get(key).and_then(serde_json::Value::as_str)?;
                // A date in words when it is one ("2024-03-03", or a moment on that day).
                Some(
                    text.get(..10)
                        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                        .map_or_else(|| text.to_owned(), |d| i18n::format::date(lang, d)),
                )
            };
            let (start, end) = (day("start"), day("end"));
            ranges::range_words(start.as_deref(), end.as_deref(), "")
                .unwrap_or_else(|| i18n::tr(lang, "clinical-other-period-empty"))
        }
        "valueSampledData" => i18n::tr(lang, "clinical-other-waveform"),
        "valueAttachment" => match v.get("title").and_then(serde_json::Value::as_str) {
            Some(title) => i18n::tr_args(
                lang,
                "clinical-other-attachment",
                &[("title", Arg::from(title))],
            ),
            None => i18n::tr(lang, "clinical-other-attachment-untitled"),
        },
        _ => return None,
    })
}

/// The name a lay reader knows a test by: the source's own translation into the page's
/// language, else our tables' short name in that language, else the source's name without a
/// SNOMED semantic tag.
pub fn test_name(o: &Observation) -> String {
    source_translation(&o.code)
        .or_else(|| o.loinc().and_then(ranges::lay_name))
        .unwrap_or_else(|| plain_name(&o.code.display))
}

/// The name of one part of a multi-part result, the same way.
fn component_name(c: &super::model::Component) -> String {
    let short = if c.code.system == super::model::systems::LOINC {
        ranges::lay_name(&c.code.code)
    } else {
        None
    };
    source_translation(&c.code)
        .or(short)
        .unwrap_or_else(|| plain_name(&c.code.display))
}

/// SNOMED CT semantic tags: the bracketed kind of concept at the end of a fully specified name.
/// They tell a terminologist which hierarchy a concept is in; a patient reads "Encounter for
/// check up (procedure)" as noise.
const SEMANTIC_TAGS: &[&str] = &[
    "administration method",
    "assessment scale",
    "attribute",
    "basic dose form",
    "body structure",
    "cell",
    "cell structure",
    "clinical drug",
    "context-dependent category",
    "core metadata concept",
    "disorder",
    "disposition",
    "dose form",
    "environment",
    "environment / location",
    "ethnic group",
    "event",
    "finding",
    "foundation metadata concept",
    "geographic location",
    "inactive concept",
    "intended site",
    "life style",
    "link assertion",
    "linkage concept",
    "medicinal product",
    "medicinal product form",
    "morphologic abnormality",
    "namespace concept",
    "navigational concept",
    "number",
    "observable entity",
    "occupation",
    "organism",
    "person",
    "physical force",
    "physical object",
    "procedure",
    "product",
    "product name",
    "qualifier value",
    "racial group",
    "record artifact",
    "regime/therapy",
    "release characteristic",
    "religion/philosophy",
    "role",
    "situation",
    "social concept",
    "special concept",
    "specimen",
    "staging scale",
    "state of matter",
    "substance",
    "supplier",
    "transformation",
    "tumor staging",
    "unit of presentation",
];

/// A display name without a trailing SNOMED semantic tag: "Hypertension (disorder)" ->
/// "Hypertension". Only the known tags go, so a name's own brackets ("Hemoglobin A1c (HbA1c)")
/// stay; a name that is nothing but a tag stays as it is.
pub fn plain_name(display: &str) -> String {
    let trimmed = display.trim_end();
    if let Some(open) = trimmed.rfind(" (") {
        if let Some(tag) = trimmed[open + 2..].strip_suffix(')') {
            let name = trimmed[..open].trim_end();
            if !name.is_empty()
                && SEMANTIC_TAGS
                    .iter()
                    .any(|known| known.eq_ignore_ascii_case(tag.trim()))
            {
                return name.to_owned();
            }
        }
    }
    display.to_owned()
}

/// UCUM units as people write them, for units met inside free text (a goal's "below 140/90
/// mm[Hg]"), by their message in `clinical.ftl`; a result's own unit goes through
/// `ranges::unit_label`.
const UNITS_IN_TEXT: &[(&str, &str)] = &[
    ("mm[Hg]", "clinical-unit-mmhg"),
    ("[degF]", "clinical-unit-fahrenheit"),
    ("[in_i]", "clinical-unit-inch"),
    ("[lb_av]", "clinical-unit-pound"),
    ("{1.73_m2}", "clinical-unit-body-surface"),
    ("kg/m2", "clinical-unit-kg-per-m2"),
];

/// Free text from a source in words: without a trailing semantic tag, with UCUM units written
/// as people write them ("Maintain blood pressure below 140/90 mm[Hg]" -> "... mmHg").
/// The sentence is the source's and stays as it gives it; the unit's written form is ours,
/// from the message files in the page's language (#31).
pub fn plain_text(text: &str) -> String {
    let mut out = plain_name(text);
    for (ucum, key) in UNITS_IN_TEXT {
        if out.contains(ucum) {
            out = out.replace(ucum, &i18n::tr(i18n::current(), key));
        }
    }
    out
}

/// One result row (latest of a test, or one entry of a test's history).
#[derive(Debug, Clone, Serialize)]
pub struct ResultRow {
    /// Set only for LOINC-coded tests, which have a trend page.
    pub loinc: Option<String>,
    pub name: String,
    /// The source's own name of the test, when it differs from `name`.
    pub source_name: Option<String>,
    pub date: DateView,
    pub value: String,
    pub unit: String,
    pub range: Option<String>,
    /// "High", "Low" or "Normal": always in words, never colour alone.
    pub flag: Option<String>,
    pub flag_class: &'static str,
    /// Why the result was not compared, when our table knows the test (see `Reading::note`).
    pub flag_note: Option<String>,
    /// How many results of this test the record has.
    pub count: usize,
}

impl ResultRow {
    pub fn of(o: &Observation, count: usize) -> Self {
        let r = reading(o);
        let name = test_name(o);
        let source = plain_name(&o.code.display);
        let source_name =
            (!source.is_empty() && !source.eq_ignore_ascii_case(&name)).then_some(source);
        ResultRow {
            loinc: o.loinc().filter(|c| is_code(c)).map(str::to_owned),
            name,
            source_name,
            date: DateView::at(&o.effective),
            value: r.value,
            unit: r.unit,
            range: r.range,
            flag: r.flag.map(|f| f.to_string()),
            flag_class: flag_class(r.flag),
            flag_note: r.note,
            count,
        }
    }
}

pub fn flag_class(flag: Option<Flag>) -> &'static str {
    match flag {
        Some(Flag::High) => "flag flag-high",
        Some(Flag::Low) => "flag flag-low",
        Some(Flag::Normal) => "flag flag-normal",
        Some(Flag::NotComparable) => "flag flag-not-compared",
        None => "flag",
    }
}

/// A code safe to put in a URL path segment and to look up: LOINC codes are digits, a dash and
/// a check digit; we accept letters too (LOINC part codes, local codes) but nothing else.
pub fn is_code(code: &str) -> bool {
    // One rule, `LoincCode`'s: a link made here is a path the lab routes accept.
    super::LoincCode::parse(code).is_ok()
}

/// What groups results into "one test": the LOINC code, else the source's code and name.
fn test_key(o: &Observation) -> String {
    match o.loinc() {
        Some(code) => format!("loinc|{code}"),
        None => format!("{}|{}|{}", o.code.system, o.code.code, o.code.display),
    }
}

/// The latest result of each test with the number of results it has, newest first (then by name).
pub fn latest_results(observations: &[Observation]) -> Vec<ResultRow> {
    let mut latest: HashMap<String, (&Observation, usize)> = HashMap::new();
    for o in observations {
        latest
            .entry(test_key(o))
            .and_modify(|(prev, n)| {
                *n += 1;
                if Observation::newest_first(o, prev).is_lt() {
                    *prev = o;
                }
            })
            .or_insert((o, 1));
    }
    let mut found: Vec<(&Observation, usize)> = latest.into_values().collect();
    found.sort_by(|(a, _), (b, _)| {
        b.effective
            .cmp(&a.effective)
            .then_with(|| test_name(a).cmp(&test_name(b)))
    });
    found
        .into_iter()
        .map(|(o, n)| ResultRow::of(o, n))
        .collect()
}

/// The vital signs a reader looks for, in the order they are shown, by the column's id in
/// `clinical.ftl`'s `clinical-vital` (#31) and its English name; several LOINC codes may name
/// one measurement (blood pressure panels, oral temperature, pulse oximetry).
pub const VITAL_COLUMNS: &[(&str, &str, &[&str])] = &[
    ("blood-pressure", "Blood pressure", &["55284-4", "85354-9"]),
    ("heart-rate", "Heart rate", &["8867-4"]),
    ("breathing-rate", "Breathing rate", &["9279-1"]),
    ("temperature", "Temperature", &["8310-5", "8331-1"]),
    (
        "oxygen-saturation",
        "Oxygen saturation",
        &["2708-6", "59408-5"],
    ),
    ("weight", "Weight", &["29463-7"]),
    ("height", "Height", &["8302-2"]),
    ("bmi", "Body mass index (BMI)", &["39156-5"]),
];

/// A column's name in the page's language.
fn vital_column_name(column: usize) -> String {
    let (id, english, _) = VITAL_COLUMNS[column];
    i18n::tr_args(
        i18n::current(),
        "clinical-vital",
        &[("column", Arg::from(id)), ("name", Arg::from(english))],
    )
}

fn vital_column(o: &Observation) -> Option<usize> {
    let code = o.loinc()?;
    VITAL_COLUMNS
        .iter()
        .position(|(_, _, codes)| codes.contains(&code))
}

/// Latest of each vital sign: the usual ones in their usual order, then any others by name.
pub fn latest_vitals(observations: &[Observation]) -> Vec<ResultRow> {
    let mut rows = latest_results(observations);
    let rank = |r: &ResultRow| {
        r.loinc
            .as_deref()
            .and_then(|code| {
                VITAL_COLUMNS
                    .iter()
                    .position(|(_, _, codes)| codes.contains(&code))
            })
            .unwrap_or(usize::MAX)
    };
    rows.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.name.cmp(&b.name)));
    rows
}

#[derive(Debug, Clone, Serialize)]
pub struct VitalsCell {
    /// Value with its unit ("72 per minute").
    pub value: String,
    /// Only "High" or "Low": a history table full of "Normal" hides what matters.
    pub flag: Option<String>,
    pub flag_class: &'static str,
    /// Why the value was not compared (see `Reading::note`).
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VitalsRow {
    pub date: DateView,
    pub cells: Vec<Option<VitalsCell>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VitalsHistory {
    /// The columns' names, in the page's language.
    pub columns: Vec<String>,
    pub rows: Vec<VitalsRow>,
}

/// One row per time of measurement (newest first), one column per usual vital sign that the
/// record has at all.
pub fn vitals_history(observations: &[Observation]) -> VitalsHistory {
    let mut by_time: BTreeMap<DateTime<Utc>, Vec<Option<VitalsCell>>> = BTreeMap::new();
    let mut used = vec![false; VITAL_COLUMNS.len()];
    // Oldest first, so that of two results of one column taken at the same moment the cell
    // keeps the one every other page calls the latest.
    let mut ordered: Vec<&Observation> = observations.iter().collect();
    ordered.sort_by(|a, b| Observation::newest_first(b, a));
    for o in ordered {
        let Some(col) = vital_column(o) else { continue };
        let r = reading(o);
        let flag = r.flag.filter(|f| *f != Flag::Normal);
        let cells = by_time
            .entry(o.effective)
            .or_insert_with(|| vec![None; VITAL_COLUMNS.len()]);
        cells[col] = Some(VitalsCell {
            value: with_unit(&r.value, &r.unit),
            flag: flag.map(|f| f.to_string()),
            flag_class: flag_class(flag),
            note: r.note,
        });
        used[col] = true;
    }
    let keep: Vec<usize> = (0..VITAL_COLUMNS.len()).filter(|i| used[*i]).collect();
    VitalsHistory {
        columns: keep.iter().map(|i| vital_column_name(*i)).collect(),
        rows: by_time
            .into_iter()
            .rev()
            .map(|(at, cells)| VitalsRow {
                date: DateView::at(&at),
                cells: keep.iter().map(|i| cells[*i].clone()).collect(),
            })
            .collect(),
    }
}

/// The history of one test: rows newest first, the latest reading, and the trend chart.
#[derive(Debug, Clone, Serialize)]
pub struct LabHistory {
    pub loinc: String,
    pub name: String,
    pub source_name: Option<String>,
    pub latest: ResultRow,
    /// Newest first.
    pub rows: Vec<ResultRow>,
    /// `None` when no result is a number that can be drawn.
    pub chart: Option<chart_svg::Chart>,
    /// How many results could not be compared (impossible in their unit): listed in the table,
    /// left out of the chart, whose scale and legend they would falsify.
    pub not_compared: usize,
    /// Vital signs belong under "Vitals" in the navigation; everything else under "Lab results".
    pub is_vital: bool,
}

/// `history` in any order (the rows follow [`Observation::newest_first`], the chart its
/// reverse); `None` when it is empty.
pub fn lab_history(loinc: &str, history: &[Observation]) -> Option<LabHistory> {
    let mut newest_first: Vec<&Observation> = history.iter().collect();
    newest_first.sort_by(|a, b| Observation::newest_first(a, b));
    let newest = *newest_first.first()?;
    let count = history.len();
    let rows: Vec<ResultRow> = newest_first
        .iter()
        .map(|o| ResultRow::of(o, count))
        .collect();
    let oldest_first: Vec<&Observation> = newest_first.iter().rev().copied().collect();
    let latest = ResultRow::of(newest, count);
    let name = test_name(newest);
    let not_compared = history
        .iter()
        .filter(|o| reading(o).flag == Some(Flag::NotComparable))
        .count();
    Some(LabHistory {
        not_compared,
        loinc: loinc.to_owned(),
        source_name: latest.source_name.clone(),
        chart: chart_svg::build(
            &i18n::tr_args(
                i18n::current(),
                "chart-svg-title",
                &[("name", Arg::from(name.as_str()))],
            ),
            &trend_series(&oldest_first),
        ),
        name,
        latest,
        rows,
        is_vital: history
            .iter()
            .all(|o| o.category == ObservationCategory::VitalSigns),
    })
}

/// The numbers to draw: one series for a plain result, one per part for a multi-part one
/// (systolic and diastolic for blood pressure), each with its normal band when our table has one
/// in the result's unit.
fn trend_series(history: &[&Observation]) -> Vec<SeriesIn> {
    let mut series: Vec<(String, SeriesIn)> = Vec::new();
    let mut push = |key: String, name: String, code: &str, o: &Observation, q: &Quantity| {
        if !q.value.is_finite() {
            return;
        }
        let r = quantity_reading(code, q);
        if r.flag == Some(Flag::NotComparable) {
            return;
        }
        let idx = match series.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                let range = ranges::lookup_in(code, &q.unit);
                series.push((
                    key,
                    SeriesIn {
                        name,
                        unit: r.unit.clone(),
                        low: range.and_then(|r| r.low),
                        high: range.and_then(|r| r.high),
                        range_text: r.range.clone(),
                        points: Vec::new(),
                    },
                ));
                series.len() - 1
            }
        };
        series[idx].1.points.push(PointIn {
            at: o.effective,
            value: q.value,
            text: with_unit(&r.value, &r.unit),
            flag: r.flag,
        });
    };
    for &o in history {
        let loinc = o.loinc().unwrap_or("");
        match &o.value {
            ObservationValue::Quantity(q) => {
                push(format!("{loinc}|{}", q.unit), test_name(o), loinc, o, q);
            }
            ObservationValue::Components(parts) => {
                for c in parts {
                    if let ComponentValue::Quantity(q) = &c.value {
                        let code = if c.code.system == super::model::systems::LOINC {
                            c.code.code.as_str()
                        } else {
                            ""
                        };
                        push(
                            format!("{}|{}", c.code.code, q.unit),
                            component_name(c),
                            code,
                            o,
                            q,
                        );
                    }
                }
            }
            ObservationValue::Text(_)
            | ObservationValue::Coded(_)
            | ObservationValue::Other { .. }
            | ObservationValue::Empty => {}
        }
    }
    // Systolic above diastolic in the legend, as people say it.
    series.sort_by_key(|(k, _)| !k.starts_with(SYSTOLIC));
    series.into_iter().map(|(_, s)| s).collect()
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::model::{systems, ClinicalStatus, Component, Concept, Deceased, Mrn, Sex};
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 9, 30, 0)
            .single()
            .unwrap_or_default()
    }

    fn lab(id: &str, loinc: &str, when: DateTime<Utc>, value: f64, unit: &str) -> Observation {
        Observation {
            fhir_id: id.into(),
            code: Concept::new(systems::LOINC, loinc, "Glucose [Mass/volume] in Blood"),
            status: "final".into(),
            category: ObservationCategory::Laboratory,
            effective: when,
            value: ObservationValue::Quantity(Quantity {
                value,
                unit: unit.into(),
            }),
            encounter: None,
        }
    }

    fn bp(id: &str, when: DateTime<Utc>, s: f64, d: f64) -> Observation {
        let part = |code: &str, v: f64| Component {
            code: Concept::new(systems::LOINC, code, code),
            value: ComponentValue::Quantity(Quantity {
                value: v,
                unit: "mm[Hg]".into(),
            }),
        };
        Observation {
            fhir_id: id.into(),
            code: Concept::new(systems::LOINC, "85354-9", "Blood pressure panel"),
            status: "final".into(),
            category: ObservationCategory::VitalSigns,
            effective: when,
            value: ObservationValue::Components(vec![part(DIASTOLIC, d), part(SYSTOLIC, s)]),
            encounter: None,
        }
    }

    fn patient() -> Patient {
        Patient {
            fhir_id: "p".into(),
            given: "Ada".into(),
            family: "Byron".into(),
            birth_date: NaiveDate::from_ymd_opt(1950, 3, 3).unwrap_or_default(),
            sex: Sex::Female,
            deceased: None,
            mrn: Mrn {
                system: None,
                value: "MRN-9".into(),
            },
            address: None,
            phone: None,
        }
    }

    #[test]
    fn dates_read_as_a_lay_reader_writes_them() {
        let d = DateView::at(&at(2024, 3, 3));
        assert_eq!(d.text, "3 March 2024");
        assert_eq!(d.iso, "2024-03-03");
    }

    #[test]
    fn heading_shows_death_and_age_at_death() {
        let mut p = patient();
        let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap_or_default();
        let h = PatientHeading::of(&p, today);
        assert!(!h.deceased);
        assert_eq!(h.age, Some(74));
        p.deceased = Some(Deceased::OnDate(
            NaiveDate::from_ymd_opt(2020, 1, 2).unwrap_or_default(),
        ));
        let h = PatientHeading::of(&p, today);
        assert!(h.deceased);
        assert_eq!(h.died.map(|d| d.text).as_deref(), Some("2 January 2020"));
        assert_eq!(h.age, Some(69));
        p.deceased = Some(Deceased::DateUnknown);
        let h = PatientHeading::of(&p, today);
        assert!(h.deceased && h.died.is_none());
    }

    #[test]
    fn a_lab_value_is_rounded_flagged_in_words_and_has_its_range() {
        let r = reading(&lab(
            "a",
            "2345-7",
            at(2024, 1, 1),
            85.60102792628544,
            "mg/dL",
        ));
        assert_eq!(r.value, "86");
        assert_eq!(r.unit, "mg/dL");
        assert_eq!(r.flag, Some(Flag::Normal));
        assert_eq!(r.range.as_deref(), Some("70 to 99 mg/dL"));
        let r = reading(&lab("a", "2345-7", at(2024, 1, 1), 5.1, "mmol/L"));
        assert_eq!(
            (r.flag, r.range),
            (None, None),
            "no flag in a unit we have no range for"
        );
    }

    #[test]
    fn blood_pressure_reads_systolic_over_diastolic() {
        let r = reading(&bp("b", at(2024, 1, 1), 128.4, 78.2));
        assert_eq!(r.value, "128/78");
        assert_eq!(r.unit, "mmHg");
        assert_eq!(r.flag, Some(Flag::High));
        assert_eq!(r.range.as_deref(), Some("90/60 to 119/79 mmHg"));
        assert_eq!(
            reading(&bp("b", at(2024, 1, 1), 110.0, 70.0)).flag,
            Some(Flag::Normal)
        );
    }

    #[test]
    fn latest_results_keep_one_row_per_test_with_its_count() {
        let obs = vec![
            lab("a", "2345-7", at(2022, 1, 1), 120.0, "mg/dL"),
            lab("b", "2345-7", at(2024, 1, 1), 85.6, "mg/dL"),
            lab("c", "2093-3", at(2023, 1, 1), 210.0, "mg/dL"),
        ];
        let rows = latest_results(&obs);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "Glucose");
        assert_eq!(rows[0].value, "86");
        assert_eq!(rows[0].count, 2);
        assert_eq!(rows[0].flag.as_deref(), Some("Normal"));
        assert_eq!(rows[0].loinc.as_deref(), Some("2345-7"));
        assert_eq!(rows[1].flag.as_deref(), Some("High"));
    }

    #[test]
    fn vitals_history_has_a_row_per_time_and_only_used_columns() {
        let mut hr = lab("h", "8867-4", at(2024, 1, 1), 72.0, "/min");
        hr.category = ObservationCategory::VitalSigns;
        let obs = vec![
            bp("b1", at(2023, 1, 1), 130.0, 85.0),
            bp("b2", at(2024, 1, 1), 110.0, 70.0),
            hr,
        ];
        let h = vitals_history(&obs);
        assert_eq!(h.columns, ["Blood pressure", "Heart rate"]);
        assert_eq!(h.rows.len(), 2);
        assert_eq!(h.rows[0].date.text, "1 January 2024");
        let first = h.rows[0].cells[1].as_ref().map(|c| c.value.clone());
        assert_eq!(first.as_deref(), Some("72 per minute"));
        let old_bp = h.rows[1].cells[0].as_ref().and_then(|c| c.flag.clone());
        assert_eq!(old_bp.as_deref(), Some("High"));
        assert!(h.rows[1].cells[1].is_none());
    }

    #[test]
    fn allergies_say_none_recorded_unless_the_record_says_no_known_allergies() {
        let p = patient();
        assert_eq!(allergies_view(&p, vec![]).state, "none_recorded");
        let nka = Allergy::no_known_allergies("n".into(), Some(at(2021, 5, 6)));
        let v = allergies_view(&p, vec![nka]);
        assert_eq!(v.state, "no_known");
        assert_eq!(v.stated_on.map(|d| d.text).as_deref(), Some("6 May 2021"));
    }

    #[test]
    fn lab_history_is_newest_first_and_charts_blood_pressure_as_two_series() {
        let obs = vec![
            bp("b1", at(2023, 1, 1), 130.0, 85.0),
            bp("b2", at(2024, 1, 1), 110.0, 70.0),
        ];
        let h = lab_history("85354-9", &obs).expect("history");
        assert!(h.is_vital);
        assert_eq!(h.rows[0].date.text, "1 January 2024");
        assert_eq!(h.latest.value, "110/70");
        let chart = h.chart.expect("a chart");
        assert_eq!(chart.series.len(), 2);
        assert_eq!(chart.series[0].name, "Systolic blood pressure");
        assert!(lab_history("85354-9", &[]).is_none());
    }

    #[test]
    fn words_from_codes_read_in_the_page_s_language() {
        use crate::i18n::{Lang, LANG};
        use crate::records::care_views::status_words;
        let es = |f: &dyn Fn() -> String| LANG.sync_scope(Lang::Es, f);
        assert_eq!(es(&|| status_words("in-progress")), "En curso");
        assert_eq!(status_words("in-progress"), "In progress");
        // A code the files do not list reads as itself, in either language.
        assert_eq!(es(&|| status_words("on-the-moon")), "On the moon");
        assert_eq!(
            es(&|| word("record-visit-class", "EMER")),
            "Visita de urgencias"
        );
        assert_eq!(word("record-visit-class", "XYZ"), "Visit");
        assert_eq!(es(&|| word("record-sex", "female")), "Femenino");
        let glucose = || {
            ranges::lookup("2345-7")
                .and_then(|r| r.describe())
                .unwrap_or_default()
        };
        assert_eq!(es(&glucose), "de 70 a 99");
        assert_eq!(glucose(), "70 to 99");
        assert_eq!(es(&|| word("record-criticality", "high")), "Riesgo alto");
    }

    #[test]
    fn results_read_in_the_page_s_language_with_its_decimal_sign() {
        use crate::i18n::{Lang, LANG};
        let es = |f: &dyn Fn() -> Reading| LANG.sync_scope(Lang::Es, f);
        let a1c = || reading(&lab("a", "4548-4", at(2024, 1, 1), 5.43, "%"));
        let r = es(&a1c);
        assert_eq!(r.value, "5,4");
        assert_eq!(r.range.as_deref(), Some("de 4,0 a 5,6 %"));
        assert_eq!(a1c().value, "5.4");
        let r = es(&|| reading(&bp("b", at(2024, 1, 1), 128.4, 78.2)));
        assert_eq!(r.range.as_deref(), Some("de 90/60 a 119/79 mmHg"));
        let r = es(&|| reading(&lab("c", "2093-3", at(2024, 1, 1), 210.0, "mg/dL")));
        assert_eq!(r.range.as_deref(), Some("199 mg/dL o menos"));
        let mut hr = lab("h", "8867-4", at(2024, 1, 1), 72.0, "/min");
        hr.category = ObservationCategory::VitalSigns;
        let h = LANG.sync_scope(Lang::Es, || vitals_history(std::slice::from_ref(&hr)));
        assert_eq!(h.columns, ["Frecuencia cardíaca"]);
        let cell = h.rows[0].cells[0].as_ref().map(|c| c.value.clone());
        assert_eq!(cell.as_deref(), Some("72 por minuto"));
        let mut hdl = lab("l", "2085-9", at(2024, 1, 1), 50.0, "mg/dL");
        hdl.code.display = "Cholesterol in HDL [Mass/volume] in Serum or Plasma".into();
        let row = LANG.sync_scope(Lang::Es, || ResultRow::of(&hdl, 1));
        assert_eq!(row.name, "Colesterol HDL");
        assert_eq!(
            row.source_name.as_deref(),
            Some("Cholesterol in HDL [Mass/volume] in Serum or Plasma"),
            "the source's name stays as it gives it"
        );
        assert_eq!(
            LANG.sync_scope(Lang::Es, || plain_text(
                "Systolic blood pressure below 140 mm[Hg]"
            )),
            "Systolic blood pressure below 140 mmHg"
        );
    }

    #[test]
    fn values_shown_only_as_words_read_in_the_page_s_language() {
        use crate::i18n::{Lang, LANG};
        let other = |field: &str, fhir: serde_json::Value| {
            let mut o = lab("o", "0000-0", at(2024, 1, 1), 0.0, "");
            o.value = ObservationValue::Other {
                field: field.into(),
                text: "as imported".into(),
                fhir,
            };
            o
        };
        let range = other(
            "valueRange",
            serde_json::json!({"low": {"value": 70, "unit": "mg/dL"},
                               "high": {"value": 99.5, "unit": "mg/dL"}}),
        );
        let es = |o: &Observation| LANG.sync_scope(Lang::Es, || reading(o).value);
        assert_eq!(es(&range), "de 70 mg/dL a 99,5 mg/dL");
        assert_eq!(reading(&range).value, "70 mg/dL to 99.5 mg/dL");
        let period = other(
            "valuePeriod",
            serde_json::json!({"start": "2024-03-03T10:00:00Z", "end": "2024-03-04"}),
        );
        assert_eq!(es(&period), "de 3 de marzo de 2024 a 4 de marzo de 2024");
        let file = other("valueAttachment", serde_json::json!({"title": "ECG"}));
        assert_eq!(es(&file), "Archivo adjunto: ECG (no se muestra aquí)");
        assert_eq!(reading(&file).value, "Attachment: ECG (not shown here)");
        // A field the views do not know: the text kept at import.
        assert_eq!(
            reading(&other("valueOther", serde_json::json!({}))).value,
            "as imported"
        );
    }

    #[test]
    fn condition_status_in_words() {
        let c = Condition {
            fhir_id: "c".into(),
            code: Concept::new(systems::SNOMED, "1", "Hypertension"),
            clinical_status: Some(ClinicalStatus::Resolved),
            verification_status: Some("refuted".into()),
            onset: Some(at(2020, 2, 1)),
            abatement: None,
            recorded: None,
            encounter: None,
            category: None,
        };
        let (current, past) = split_conditions(std::slice::from_ref(&c));
        assert!(current.is_empty());
        assert_eq!(past[0].status, "Resolved (ruled out)");
    }

    #[test]
    fn snomed_semantic_tags_are_dropped_from_names() {
        assert_eq!(
            plain_name("Encounter for check up (procedure)"),
            "Encounter for check up"
        );
        assert_eq!(plain_name("Hypertension (disorder)"), "Hypertension");
        assert_eq!(
            plain_name("Body mass index 30+ - obesity (finding)"),
            "Body mass index 30+ - obesity"
        );
        assert_eq!(
            plain_name("Medication review due (situation)"),
            "Medication review due"
        );
        assert_eq!(plain_name("Ibuprofen (substance) "), "Ibuprofen");
        // A name's own brackets stay, and so does a bare tag.
        assert_eq!(
            plain_name("Hemoglobin A1c (HbA1c)"),
            "Hemoglobin A1c (HbA1c)"
        );
        assert_eq!(plain_name("(disorder)"), "(disorder)");
        assert_eq!(
            plain_name("Fracture (disorder) of arm"),
            "Fracture (disorder) of arm"
        );
        let row = ConditionRow::of(&Condition {
            fhir_id: "c".into(),
            code: Concept::new(systems::SNOMED, "1", "Prediabetes (finding)"),
            clinical_status: Some(ClinicalStatus::Active),
            verification_status: None,
            onset: None,
            abatement: None,
            recorded: None,
            encounter: None,
            category: None,
        });
        assert_eq!(row.name, "Prediabetes");
    }

    #[test]
    fn units_in_free_text_read_as_people_write_them() {
        assert_eq!(
            plain_text("Maintain blood pressure below 140/90 mm[Hg]"),
            "Maintain blood pressure below 140/90 mmHg"
        );
        assert_eq!(
            plain_text("BMI below 30 kg/m2 (finding)"),
            "BMI below 30 kg/m²"
        );
        assert_eq!(plain_text("Walk daily"), "Walk daily");
    }

    #[test]
    fn every_result_that_is_not_compared_says_why() {
        // PDW as Synthea writes it: hundreds of fL, which no blood has.
        let r = reading(&lab("p", "32207-3", at(2024, 1, 1), 303.0, "fL"));
        assert_eq!(r.flag, Some(Flag::NotComparable));
        assert_eq!(
            r.note.as_deref(),
            Some("Not a possible value for this test in fL: most likely recorded in another unit.")
        );
        let row = ResultRow::of(&lab("p", "32207-3", at(2024, 1, 1), 303.0, "fL"), 1);
        assert!(
            row.flag_note.is_some(),
            "the list rows carry the reason too"
        );
        // A unit our range is not in: no flag, and the reason.
        let r = reading(&lab("g", "2345-7", at(2024, 1, 1), 5.1, "mmol/L"));
        assert_eq!(r.flag, None);
        assert_eq!(
            r.note.as_deref(),
            Some("Recorded in mmol/L; the usual range we have is in mg/dL.")
        );
        // A test whose table row has no bounds, and a value that is not a number.
        let r = reading(&lab("s", "72514-3", at(2024, 1, 1), 3.0, "{score}"));
        assert_eq!(r.note.as_deref(), Some("This test has no usual range."));
        let r = reading(&lab("n", "2345-7", at(2024, 1, 1), f64::NAN, "mg/dL"));
        assert_eq!(
            r.note.as_deref(),
            Some("The value recorded is not a number.")
        );
        // Compared, or unknown to our table: nothing to explain.
        assert_eq!(
            reading(&lab("g", "2345-7", at(2024, 1, 1), 90.0, "mg/dL")).note,
            None
        );
        assert_eq!(
            reading(&lab("x", "0000-0", at(2024, 1, 1), 1.0, "mg/dL")).note,
            None
        );
        // One impossible part of a blood pressure says which part.
        assert!(reading(&bp("b", at(2024, 1, 1), 1280.0, 85.0))
            .note
            .is_some());
    }

    #[test]
    fn results_taken_at_the_same_moment_are_in_one_order_on_every_view() {
        let when = at(2024, 1, 1);
        // The store may hand them over in any order.
        let obs = vec![
            lab("m", "2345-7", when, 120.0, "mg/dL"),
            lab("z", "2345-7", when, 130.0, "mg/dL"),
            lab("a", "2345-7", when, 80.0, "mg/dL"),
        ];
        let latest = latest_results(&obs);
        assert_eq!(latest[0].value, "80", "the latest is the first by id");
        let h = lab_history("2345-7", &obs).expect("history");
        assert_eq!(h.latest.value, "80");
        let values: Vec<&str> = h.rows.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(values, ["80", "120", "130"]);
        let mut reversed = obs.clone();
        reversed.reverse();
        let again = lab_history("2345-7", &reversed).expect("history");
        let values_again: Vec<&str> = again.rows.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(values_again, values, "whatever order the store gave");
        let mut vitals = obs.clone();
        for v in &mut vitals {
            v.code.code = "8867-4".into();
            v.category = ObservationCategory::VitalSigns;
            if let ObservationValue::Quantity(q) = &mut v.value {
                q.unit = "/min".into();
            }
        }
        let grid = vitals_history(&vitals);
        let cell = grid.rows[0].cells[0].as_ref().map(|c| c.value.clone());
        assert_eq!(cell.as_deref(), Some("80 per minute"));
        assert_eq!(latest_vitals(&vitals)[0].value, "80");
    }

    #[test]
    fn tests_outside_the_range_table_get_a_short_name_and_keep_the_source_name() {
        let mut o = lab("s", "72166-2", at(2024, 1, 1), 0.0, "");
        o.code.display = "Tobacco smoking status NHIS".into();
        o.value = ObservationValue::Text("Never smoked tobacco (finding)".into());
        let row = ResultRow::of(&o, 1);
        assert_eq!(row.name, "Smoking status");
        assert_eq!(
            row.source_name.as_deref(),
            Some("Tobacco smoking status NHIS")
        );
        assert_eq!(row.value, "Never smoked tobacco");
        // Unknown everywhere: the source's name, without a semantic tag.
        o.code = Concept::new(systems::LOINC, "0000-0", "Some score (observable entity)");
        assert_eq!(test_name(&o), "Some score");
    }

    #[test]
    fn an_impossible_value_is_shown_as_recorded_and_not_compared() {
        let r = reading(&lab("p", "2885-2", at(2024, 1, 1), 73.0, "g/dL"));
        assert_eq!(r.value, "73", "as recorded, not 73.0");
        assert_eq!(r.flag, Some(Flag::NotComparable));
        assert_eq!(r.range.as_deref(), Some("6.0 to 8.3 g/dL"));
        let row = ResultRow::of(&lab("p", "2885-2", at(2024, 1, 1), 73.0, "g/dL"), 1);
        assert_eq!(row.flag.as_deref(), Some("Could not be compared"));
        // One impossible part puts the whole blood pressure in doubt.
        assert_eq!(
            reading(&bp("b", at(2024, 1, 1), 1280.0, 85.0)).flag,
            Some(Flag::NotComparable)
        );
    }

    #[test]
    fn impossible_values_are_counted_and_left_out_of_the_chart() {
        let obs = vec![
            lab("a", "2885-2", at(2022, 1, 1), 7.1, "g/dL"),
            lab("b", "2885-2", at(2023, 1, 1), 73.0, "g/dL"),
            lab("c", "2885-2", at(2024, 1, 1), 6.9, "g/dL"),
        ];
        let h = lab_history("2885-2", &obs).expect("history");
        assert_eq!(h.not_compared, 1);
        assert_eq!(h.rows.len(), 3, "the table lists every result");
        let chart = h.chart.expect("a chart of the comparable ones");
        let points: usize = chart.series.iter().map(|s| s.marks.len()).sum();
        assert_eq!(points, 2);
        let h = lab_history("2885-2", &obs[..2]).expect("history");
        assert_eq!(h.not_compared, 1);
    }

    #[test]
    fn egfr_in_ml_per_min_is_flagged() {
        let r = reading(&lab("e", "33914-3", at(2024, 1, 1), 41.7, "mL/min"));
        assert_eq!((r.value.as_str(), r.flag), ("42", Some(Flag::Low)));
        assert_eq!(r.range.as_deref(), Some("60 mL/min or more"));
    }

    #[test]
    fn only_plain_codes_are_accepted_in_urls() {
        assert!(is_code("2345-7"));
        assert!(!is_code(""));
        assert!(!is_code("2345-7/../x"));
        assert!(!is_code("a b"));
    }
}
