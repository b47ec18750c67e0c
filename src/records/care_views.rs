//! What the pages added by issue 12 show: procedures, care plans and goals, diagnostic reports
//! and imaging, social history, and one visit with what happened in it.
//!
//! Like `views`, pure functions of domain values (kept in their own file so the two can change
//! apart); nothing here reads the database or knows who is looking.

use std::collections::{BTreeMap, HashMap};

use base64::Engine;
use serde::Serialize;

use super::model::{
    CarePlan, Condition, DiagnosticReport, Encounter, Goal, ImagingStudy, Immunization, Medication,
    Observation, ObservationCategory, Procedure,
};
// The visit-id rules live with the visit rows (`views`); re-exported for the pages.
// Every name from a source goes through `plain_name` (or `plain_text` for free text): SNOMED's
// "(procedure)" and UCUM's "mm[Hg]" are for machines.
use super::views::{self, plain_name, plain_text, shown_name, source_translation, DateView};
pub use super::views::{is_visit_id, visit_segment};

/// A FHIR status code in words, in the page's language (#31): "in-progress" reads "In
/// progress"; a code the message files do not list reads as itself, made readable.
pub fn status_words(code: &str) -> String {
    let lang = crate::i18n::current();
    let spaced = code.replace('-', " ");
    let mut chars = spaced.chars();
    let readable: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return crate::i18n::tr(lang, "record-status-none"),
    };
    crate::i18n::tr_args(
        lang,
        "record-fhir-status",
        &[("code", code.into()), ("words", readable.into())],
    )
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcedureRow {
    pub name: String,
    pub date: Option<DateView>,
    pub status: String,
    pub reason: Option<String>,
    pub body_site: Option<String>,
    /// Path segment of the visit it happened in.
    pub visit: Option<String>,
}

impl ProcedureRow {
    pub fn of(p: &Procedure) -> Self {
        ProcedureRow {
            name: shown_name(&p.code),
            date: p.performed.as_ref().map(DateView::at),
            status: status_words(&p.status),
            reason: p.reason.as_ref().map(shown_name),
            body_site: p.body_site.as_ref().map(shown_name),
            visit: p.encounter.as_deref().and_then(visit_segment),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ActivityRow {
    pub name: String,
    pub status: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GoalRow {
    pub description: String,
    pub status: String,
    pub achievement: Option<String>,
    pub since: Option<DateView>,
}

impl GoalRow {
    pub fn of(g: &Goal) -> Self {
        GoalRow {
            description: plain_text(&g.description.display),
            status: status_words(&g.lifecycle_status),
            achievement: g.achievement_status.as_deref().map(status_words),
            since: g.start.as_ref().map(DateView::at),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CarePlanView {
    pub title: String,
    pub status: String,
    pub active: bool,
    pub start: Option<DateView>,
    pub end: Option<DateView>,
    /// Names of the conditions the plan is for.
    pub reasons: Vec<String>,
    pub activities: Vec<ActivityRow>,
    pub goals: Vec<GoalRow>,
}

/// What the care plans page shows: active plans first, then the others, then goals that
/// belong to no plan.
#[derive(Debug, Clone, Serialize)]
pub struct CarePlansView {
    pub plans: Vec<CarePlanView>,
    pub other_goals: Vec<GoalRow>,
}

pub fn care_plans_view(
    plans: &[CarePlan],
    goals: &[Goal],
    conditions: &[Condition],
) -> CarePlansView {
    let goal_by_id: HashMap<&str, &Goal> = goals.iter().map(|g| (g.fhir_id.as_str(), g)).collect();
    let condition_by_id: HashMap<&str, &Condition> =
        conditions.iter().map(|c| (c.fhir_id.as_str(), c)).collect();
    let mut used = std::collections::HashSet::new();
    let mut views: Vec<CarePlanView> = plans
        .iter()
        .map(|p| {
            let goals = p
                .goals
                .iter()
                .filter_map(|id| goal_by_id.get(id.as_str()))
                .map(|g| {
                    used.insert(g.fhir_id.as_str());
                    GoalRow::of(g)
                })
                .collect();
            CarePlanView {
                title: plan_title(p),
                status: status_words(&p.status),
                active: p.status == "active",
                start: p.start.as_ref().map(DateView::at),
                end: p.end.as_ref().map(DateView::at),
                reasons: p
                    .addresses
                    .iter()
                    .filter_map(|id| condition_by_id.get(id.as_str()))
                    .map(|c| shown_name(&c.code))
                    .collect(),
                activities: p
                    .activities
                    .iter()
                    .map(|a| ActivityRow {
                        name: a
                            .code
                            .as_ref()
                            .map(|c| plain_text(&c.display))
                            .unwrap_or_else(|| {
                                crate::i18n::tr(crate::i18n::current(), "record-activity-unnamed")
                            }),
                        status: status_words(&a.status),
                    })
                    .collect(),
                goals,
            }
        })
        .collect();
    // Stable: active plans first, each group keeping the store's newest-first order.
    views.sort_by_key(|v| !v.active);
    CarePlansView {
        plans: views,
        other_goals: goals
            .iter()
            .filter(|g| !used.contains(g.fhir_id.as_str()))
            .map(GoalRow::of)
            .collect(),
    }
}

/// One result line of a report, a visit or social history.
#[derive(Debug, Clone, Serialize)]
pub struct ValueRow {
    pub name: String,
    pub value: String,
    pub unit: String,
    pub flag: Option<String>,
    pub flag_class: &'static str,
    /// Why the value was not compared (see `views::Reading::note`).
    pub flag_note: Option<String>,
    pub date: DateView,
    /// Set for LOINC-coded results, which have a history page.
    pub loinc: Option<String>,
}

impl ValueRow {
    pub fn of(o: &Observation) -> Self {
        let r = views::reading(o);
        ValueRow {
            name: views::test_name(o),
            value: r.value,
            unit: r.unit,
            flag: r.flag.map(|f| f.to_string()),
            flag_class: views::flag_class(r.flag),
            flag_note: r.note,
            date: DateView::at(&o.effective),
            loinc: o.loinc().filter(|c| views::is_code(c)).map(str::to_owned),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentView {
    pub title: String,
    /// The document's words, when it is plain text we can show.
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub name: String,
    pub date: Option<DateView>,
    pub status: String,
    pub category: Option<String>,
    pub results: Vec<ValueRow>,
    pub conclusion: Option<String>,
    pub documents: Vec<DocumentView>,
    pub visit: Option<String>,
}

/// Plain-text attachments are shown; anything else is named only (we never render HTML or
/// other active content from a source).
fn document(a: &super::model::Attachment) -> DocumentView {
    let is_text = a
        .content_type
        .as_deref()
        .is_some_and(|t| t.split(';').next().map(str::trim) == Some("text/plain"));
    let text = a
        .data
        .as_deref()
        .filter(|_| is_text)
        .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok());
    DocumentView {
        title: a.title.clone().unwrap_or_else(|| match &text {
            Some(_) => crate::i18n::tr(crate::i18n::current(), "record-report-text"),
            None => crate::i18n::tr(crate::i18n::current(), "record-attached-document"),
        }),
        text,
    }
}

/// SNOMED CT 734163000 "Care plan": the general category Synthea lists on every plan. It says
/// no more than our own word, so it is named like a plan without a category.
const GENERAL_CARE_PLAN: &str = "734163000";

/// What to call a care plan: its most specific category as the source names it (in the page's
/// language where the source translates it), else "Care plan" in the page's language (#31).
fn plan_title(p: &super::model::CarePlan) -> String {
    p.categories
        .iter()
        .rev()
        .find(|c| !(c.system == super::model::systems::SNOMED && c.code == GENERAL_CARE_PLAN))
        .map_or_else(
            || crate::i18n::tr(crate::i18n::current(), "clinical-care-plan"),
            shown_name,
        )
}

/// What a lay reader calls a report: our short name of its LOINC panel ("Complete blood count
/// (CBC)" for "Complete blood count (hemogram) panel - Blood by Automated count"), else its name
/// without a semantic tag.
pub fn report_name(d: &DiagnosticReport) -> String {
    source_translation(&d.code)
        .or_else(|| {
            (d.code.system == super::model::systems::LOINC)
                .then(|| super::ranges::lay_name(&d.code.code))
                .flatten()
        })
        .unwrap_or_else(|| plain_name(&d.code.display))
}

/// Reports with their results, in the order the store gives them (newest first).
pub fn reports_view(reports: &[DiagnosticReport], observations: &[Observation]) -> Vec<ReportView> {
    let by_id: HashMap<&str, &Observation> = observations
        .iter()
        .map(|o| (o.fhir_id.as_str(), o))
        .collect();
    reports
        .iter()
        .map(|d| ReportView {
            name: report_name(d),
            date: d.effective.or(d.issued).as_ref().map(DateView::at),
            status: status_words(&d.status),
            category: d.categories.first().map(|c| plain_name(&c.display)),
            results: d
                .results
                .iter()
                .filter_map(|id| by_id.get(id.as_str()))
                .map(|o| ValueRow::of(o))
                .collect(),
            conclusion: d.conclusion.clone(),
            documents: d.presented_forms.iter().map(document).collect(),
            visit: d.encounter.as_deref().and_then(visit_segment),
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct ImagingRow {
    pub date: Option<DateView>,
    pub description: Option<String>,
    /// "Digital Radiography of Chest", one per series.
    pub series: Vec<String>,
    pub images: usize,
    pub status: String,
    pub visit: Option<String>,
}

impl ImagingRow {
    pub fn of(i: &ImagingStudy) -> Self {
        ImagingRow {
            date: i.started.as_ref().map(DateView::at),
            description: i.description.as_deref().map(plain_name),
            series: i
                .series
                .iter()
                .map(|s| match &s.body_site {
                    // The names are the source's; "of" is ours, in the page's language (#31).
                    Some(site) => crate::i18n::tr_args(
                        crate::i18n::current(),
                        "clinical-imaging-series",
                        &[
                            ("modality", plain_name(&s.modality.display).into()),
                            ("site", plain_name(&site.display).into()),
                        ],
                    ),
                    None => plain_name(&s.modality.display),
                })
                .collect(),
            images: i.series.iter().map(|s| s.instances.len()).sum(),
            status: status_words(&i.status),
            visit: i.encounter.as_deref().and_then(visit_segment),
        }
    }
}

/// One social-history or survey question: its latest answer and every answer before it.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryItem {
    pub name: String,
    pub latest: ValueRow,
    /// Every answer, newest first (the latest included).
    pub history: Vec<ValueRow>,
}

/// Whether an observation belongs on the social history page.
pub fn is_social_history(o: &Observation) -> bool {
    matches!(&o.category, ObservationCategory::Other(c) if c == "social-history" || c == "survey")
}

/// Whether an observation is shown on neither the labs, vitals nor social history pages (exam,
/// procedure, imaging, uncategorised: ejection fraction, FEV1/FVC, ...).
pub fn is_other_measurement(o: &Observation) -> bool {
    matches!(&o.category, ObservationCategory::Other(_)) && !is_social_history(o)
}

/// Social-history and survey observations grouped by code, smoking status first, then by name.
pub fn social_history(observations: &[Observation]) -> Vec<HistoryItem> {
    grouped(observations, is_social_history)
}

/// Observations no other page shows, grouped by code like social history.
pub fn other_measurements(observations: &[Observation]) -> Vec<HistoryItem> {
    grouped(observations, is_other_measurement)
}

fn grouped(observations: &[Observation], keep: fn(&Observation) -> bool) -> Vec<HistoryItem> {
    let mut groups: BTreeMap<(String, String), Vec<&Observation>> = BTreeMap::new();
    for o in observations.iter().filter(|o| keep(o)) {
        let key = (o.code.system.clone(), o.code.code.clone());
        let key = if o.code.code.is_empty() {
            (String::new(), o.code.display.clone())
        } else {
            key
        };
        groups.entry(key).or_default().push(o);
    }
    let mut items: Vec<HistoryItem> = groups
        .into_values()
        .filter_map(|mut list| {
            list.sort_by(|a, b| Observation::newest_first(a, b));
            let history: Vec<ValueRow> = list.iter().map(|o| ValueRow::of(o)).collect();
            let latest = history.first()?.clone();
            Some(HistoryItem {
                name: latest.name.clone(),
                latest,
                history,
            })
        })
        .collect();
    items.sort_by_key(|i| {
        (
            i.latest.loinc.as_deref() != Some(SMOKING_STATUS),
            i.name.to_lowercase(),
        )
    });
    items
}

/// LOINC 72166-2 "Tobacco smoking status".
pub const SMOKING_STATUS: &str = "72166-2";

/// A care plan made at a visit, in one line.
#[derive(Debug, Clone, Serialize)]
pub struct VisitPlan {
    pub title: String,
    pub status: String,
}

/// A report made at a visit: its name and how many results it holds (listed with the visit's
/// results too).
#[derive(Debug, Clone, Serialize)]
pub struct VisitReport {
    pub name: String,
    pub status: String,
    pub results: usize,
    pub conclusion: Option<String>,
}

/// One visit and everything the record links to it.
#[derive(Debug, Clone, Serialize)]
pub struct VisitView {
    pub title: String,
    pub date: DateView,
    pub reason: Option<String>,
    pub provider: Option<String>,
    pub organization: Option<String>,
    pub conditions: Vec<views::ConditionRow>,
    pub procedures: Vec<ProcedureRow>,
    pub results: Vec<ValueRow>,
    pub immunizations: Vec<views::ImmunizationRow>,
    pub medications: Vec<views::MedicationRow>,
    pub care_plans: Vec<VisitPlan>,
    pub reports: Vec<VisitReport>,
    pub imaging: Vec<ImagingRow>,
}

/// Everything of the chart a visit's page may show; `visit_view` keeps what points at it.
pub struct VisitParts<'a> {
    pub encounter: &'a Encounter,
    pub conditions: &'a [Condition],
    pub procedures: &'a [Procedure],
    pub observations: &'a [Observation],
    pub immunizations: &'a [Immunization],
    pub medications: &'a [Medication],
    pub care_plans: &'a [CarePlan],
    pub reports: &'a [DiagnosticReport],
    pub imaging: &'a [ImagingStudy],
}

pub fn visit_view(parts: VisitParts<'_>) -> VisitView {
    let id = Some(parts.encounter.fhir_id.as_str());
    let e = parts.encounter;
    let mut results: Vec<&Observation> = parts
        .observations
        .iter()
        .filter(|o| o.encounter.as_deref() == id)
        .collect();
    results.sort_by(|a, b| Observation::newest_first(b, a));
    VisitView {
        title: super::views::visit_title(e),
        date: DateView::at(&e.start),
        reason: e.reason.as_ref().map(shown_name),
        provider: e.provider.clone(),
        organization: e.organization.clone(),
        conditions: parts
            .conditions
            .iter()
            .filter(|c| c.encounter.as_deref() == id)
            .map(views::ConditionRow::of)
            .collect(),
        procedures: parts
            .procedures
            .iter()
            .filter(|p| p.encounter.as_deref() == id)
            .map(ProcedureRow::of)
            .collect(),
        results: results.into_iter().map(ValueRow::of).collect(),
        immunizations: parts
            .immunizations
            .iter()
            .filter(|i| i.encounter.as_deref() == id)
            .map(views::ImmunizationRow::of)
            .collect(),
        medications: parts
            .medications
            .iter()
            .filter(|m| m.encounter.as_deref() == id)
            .map(views::MedicationRow::of)
            .collect(),
        care_plans: parts
            .care_plans
            .iter()
            .filter(|p| p.encounter.as_deref() == id)
            .map(|p| VisitPlan {
                title: plan_title(p),
                status: status_words(&p.status),
            })
            .collect(),
        reports: parts
            .reports
            .iter()
            .filter(|d| d.encounter.as_deref() == id)
            .map(|d| VisitReport {
                name: report_name(d),
                status: status_words(&d.status),
                results: d.results.len(),
                conclusion: d.conclusion.clone(),
            })
            .collect(),
        imaging: parts
            .imaging
            .iter()
            .filter(|i| i.encounter.as_deref() == id)
            .map(ImagingRow::of)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::model::{systems, CarePlanActivity, Concept, ObservationValue, Quantity};
    use chrono::{TimeZone, Utc};

    fn at(day: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2020, 1, day, 9, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn obs(id: &str, code: &str, display: &str, day: u32, value: ObservationValue) -> Observation {
        Observation {
            fhir_id: id.into(),
            code: Concept::new(systems::LOINC, code, display),
            status: "final".into(),
            category: ObservationCategory::Other("survey".into()),
            effective: at(day),
            value,
            encounter: Some("enc".into()),
        }
    }

    #[test]
    fn social_history_puts_smoking_first_with_latest_answer_and_history() {
        let never = Concept::new(systems::SNOMED, "266919005", "Never smoker");
        let former = Concept::new(systems::SNOMED, "8517006", "Former smoker");
        let list = vec![
            obs(
                "a",
                "72166-2",
                "Tobacco smoking status NHIS",
                1,
                ObservationValue::Coded(never),
            ),
            obs(
                "b",
                "72166-2",
                "Tobacco smoking status NHIS",
                5,
                ObservationValue::Coded(former),
            ),
            obs(
                "c",
                "44249-1",
                "PHQ-9 quick depression assessment panel",
                3,
                ObservationValue::Quantity(Quantity {
                    value: 4.0,
                    unit: "{score}".into(),
                }),
            ),
        ];
        let items = social_history(&list);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].latest.value, "Former smoker");
        assert_eq!(items[0].history.len(), 2);
        assert_eq!(items[0].history[1].value, "Never smoker");
        assert!(items[1].name.contains("PHQ-9"));
    }

    #[test]
    fn exam_results_are_other_measurements_not_social_history() {
        let mut ef = obs(
            "ef",
            "10230-1",
            "Left ventricular Ejection fraction",
            2,
            ObservationValue::Quantity(Quantity {
                value: 55.0,
                unit: "%".into(),
            }),
        );
        ef.category = ObservationCategory::Other("exam".into());
        let mut lab = ef.clone();
        lab.category = ObservationCategory::Laboratory;
        let smoking = obs(
            "s",
            "72166-2",
            "Tobacco smoking status",
            1,
            ObservationValue::Empty,
        );
        let list = vec![ef, lab, smoking];
        let other = other_measurements(&list);
        assert_eq!(other.len(), 1);
        assert_eq!(
            other[0].history.len(),
            1,
            "the lab result stays on the labs page"
        );
        assert_eq!(social_history(&list).len(), 1);
    }

    #[test]
    fn care_plans_show_their_goals_and_activities_and_list_orphan_goals() {
        let plan = CarePlan {
            fhir_id: "cp".into(),
            status: "active".into(),
            intent: "order".into(),
            categories: vec![Concept::new(
                systems::SNOMED,
                "698360004",
                "Diabetes self management plan",
            )],
            start: Some(at(1)),
            end: None,
            addresses: vec!["c1".into()],
            goals: vec!["g1".into()],
            activities: vec![CarePlanActivity {
                code: Some(Concept::new(systems::SNOMED, "160670007", "Diabetic diet")),
                status: "in-progress".into(),
                location: None,
            }],
            encounter: None,
        };
        let goal = |id: &str, text: &str| Goal {
            fhir_id: id.into(),
            lifecycle_status: "accepted".into(),
            achievement_status: Some("in-progress".into()),
            description: Concept::new("", "", text),
            start: None,
            addresses: vec![],
        };
        let condition = Condition {
            fhir_id: "c1".into(),
            code: Concept::new(systems::SNOMED, "44054006", "Diabetes"),
            clinical_status: None,
            verification_status: None,
            onset: None,
            abatement: None,
            recorded: None,
            encounter: None,
            category: None,
        };
        // Without a category, "Care plan" in the page's language (#31).
        let mut unnamed = plan.clone();
        unnamed.categories.clear();
        let title = || {
            care_plans_view(std::slice::from_ref(&unnamed), &[], &[]).plans[0]
                .title
                .clone()
        };
        assert_eq!(title(), "Care plan");
        assert_eq!(
            crate::i18n::LANG.sync_scope(crate::i18n::Lang::Es, title),
            "Plan de atención"
        );
        // Only the general category (SNOMED 734163000 "Care plan"): named the same way, so a
        // Spanish page does not show the source's English word for what we translate.
        let mut general = plan.clone();
        general.categories = vec![Concept::new(
            systems::SNOMED,
            GENERAL_CARE_PLAN,
            "Care plan",
        )];
        let general_title = || {
            care_plans_view(std::slice::from_ref(&general), &[], &[]).plans[0]
                .title
                .clone()
        };
        assert_eq!(general_title(), "Care plan");
        assert_eq!(
            crate::i18n::LANG.sync_scope(crate::i18n::Lang::Es, general_title),
            "Plan de atención"
        );
        let view = care_plans_view(
            &[plan],
            &[goal("g1", "HbA1c < 7.0"), goal("g2", "Walk daily")],
            &[condition],
        );
        let p = &view.plans[0];
        assert_eq!(p.title, "Diabetes self management plan");
        assert_eq!(p.reasons, ["Diabetes"]);
        assert_eq!(p.activities[0].status, "In progress");
        assert_eq!(p.goals[0].description, "HbA1c < 7.0");
        assert_eq!(view.other_goals.len(), 1);
        assert_eq!(view.other_goals[0].description, "Walk daily");
    }

    #[test]
    fn report_panels_have_names_a_reader_knows() {
        let mut d = DiagnosticReport {
            fhir_id: "d".into(),
            status: "final".into(),
            code: Concept::new(
                systems::LOINC,
                "58410-2",
                "Complete blood count (hemogram) panel - Blood by Automated count",
            ),
            codes: vec![],
            categories: vec![],
            effective: None,
            issued: None,
            results: vec![],
            conclusion: None,
            presented_forms: vec![],
            encounter: None,
        };
        assert_eq!(report_name(&d), "Complete blood count (CBC)");
        d.code = Concept::new(systems::SNOMED, "1", "Chest X-ray (procedure)");
        assert_eq!(report_name(&d), "Chest X-ray");
    }

    #[test]
    fn only_plain_text_documents_are_shown_and_odd_ids_get_no_visit_link() {
        let text = super::super::model::Attachment {
            content_type: Some("text/plain; charset=utf-8".into()),
            title: None,
            data: Some(base64::engine::general_purpose::STANDARD.encode("All clear.")),
            url: None,
        };
        assert_eq!(document(&text).text.as_deref(), Some("All clear."));
        let html = super::super::model::Attachment {
            content_type: Some("text/html".into()),
            ..text
        };
        assert_eq!(document(&html).text, None);
        assert_eq!(visit_segment("abc-123.x").as_deref(), Some("abc-123.x"));
        assert_eq!(visit_segment("../x"), None);
        assert_eq!(visit_segment(".."), None);
        assert_eq!(visit_segment(""), None);
    }
}
