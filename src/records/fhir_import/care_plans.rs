//! CarePlan with its activities, and the Goals plans aim at.

use serde_json::Value;

use super::datatypes::concept;
use super::entry::{list, period, Entry, ImportError};
use super::reader::Reader;
use crate::records::model::{systems, CarePlan, CarePlanActivity, Goal};
use crate::records::us_core;

const REQUEST_STATUS: [&str; 7] = [
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
];
const ACTIVITY_STATUS: [&str; 9] = [
    "not-started",
    "scheduled",
    "in-progress",
    "on-hold",
    "completed",
    "cancelled",
    "stopped",
    "unknown",
    "entered-in-error",
];
const GOAL_LIFECYCLE: [&str; 9] = [
    "proposed",
    "planned",
    "accepted",
    "active",
    "on-hold",
    "completed",
    "cancelled",
    "entered-in-error",
    "rejected",
];

impl Reader<'_, '_> {
    pub(super) fn care_plan(&self, e: &Entry) -> Result<CarePlan, ImportError> {
        let fhir_id = e.id()?;
        let status = e.required_string("status")?;
        if !REQUEST_STATUS.contains(&status.as_str()) {
            return Err(e.err("status", format!("has an unknown code {status:?}")));
        }
        let intent = e.required_string("intent")?;
        self.check_patient(e, "subject", true)?;
        let mut categories = Vec::new();
        for (i, c) in list(e, "category")?.iter().enumerate() {
            let category =
                concept(c, systems::SNOMED).map_err(|p| e.err(&format!("category[{i}]"), p))?;
            // US Core's `assess-plan` marks every care plan (the export writes it on each): it
            // says nothing about this plan, so it is not kept as one of its categories.
            if category.system == us_core::CAREPLAN_CATEGORY
                && category.code == us_core::ASSESS_PLAN
            {
                continue;
            }
            categories.push(category);
        }
        let (start, end) = period(e, "period")?;
        let mut activities = Vec::new();
        for (i, a) in list(e, "activity")?.iter().enumerate() {
            let field = format!("activity[{i}].detail");
            // An activity may instead point at a request resource; only `detail` is kept.
            let Some(detail) = a.get("detail") else {
                continue;
            };
            let detail = detail
                .as_object()
                .ok_or_else(|| e.err(&field, "is not an object"))?;
            let code = match detail.get("code") {
                None | Some(Value::Null) => None,
                Some(c) => Some(
                    concept(c, systems::SNOMED).map_err(|p| e.err(&format!("{field}.code"), p))?,
                ),
            };
            let status = match detail.get("status") {
                Some(Value::String(s)) if ACTIVITY_STATUS.contains(&s.as_str()) => s.clone(),
                Some(Value::String(s)) => {
                    return Err(e.err(
                        &format!("{field}.status"),
                        format!("has an unknown code {s:?}"),
                    ))
                }
                _ => return Err(e.err(&format!("{field}.status"), "is missing")),
            };
            let location = detail
                .get("location")
                .and_then(|l| l.get("display"))
                .and_then(Value::as_str)
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty());
            activities.push(CarePlanActivity {
                code,
                status,
                location,
            });
        }
        Ok(CarePlan {
            status,
            intent,
            categories,
            start,
            end,
            addresses: self.linked_ids(e, "addresses", "Condition")?,
            goals: self.linked_ids(e, "goal", "Goal")?,
            activities,
            encounter: self.encounter_ref(e)?,
            fhir_id,
        })
    }

    pub(super) fn goal(&self, e: &Entry) -> Result<Goal, ImportError> {
        let fhir_id = e.id()?;
        let lifecycle_status = e.required_string("lifecycleStatus")?;
        if !GOAL_LIFECYCLE.contains(&lifecycle_status.as_str()) {
            return Err(e.err(
                "lifecycleStatus",
                format!("has an unknown code {lifecycle_status:?}"),
            ));
        }
        self.check_patient(e, "subject", true)?;
        Ok(Goal {
            lifecycle_status,
            achievement_status: e.status_code("achievementStatus")?,
            description: e.required_concept("description", systems::SNOMED)?,
            start: e.datetime("startDate")?,
            addresses: self.linked_ids(e, "addresses", "Condition")?,
            fhir_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::records::fhir_import::test_bundles::*;
    use crate::records::test_support::synthea_json;

    #[test]
    fn goals_are_linked_from_their_care_plans() {
        let Some(json) = synthea_json("Patria_Schimmel") else {
            return;
        };
        let r = parse_ok(&json).record;
        let linked: Vec<&String> = r.care_plans.iter().flat_map(|c| &c.goals).collect();
        assert!(!linked.is_empty(), "Synthea links goals from care plans");
        assert!(linked
            .iter()
            .all(|id| r.goals.iter().any(|g| &&g.fhir_id == id)));
        let a1c = r
            .goals
            .iter()
            .find(|g| g.fhir_id == "73bc769d-12b5-40b1-950b-a7c64b128c08")
            .unwrap_or_else(|| panic!("goal missing"));
        assert_eq!(
            a1c.description.display,
            "Hemoglobin A1c total in Blood < 7.0"
        );
        assert_eq!(a1c.lifecycle_status, "accepted");
        assert_eq!(a1c.achievement_status.as_deref(), Some("in-progress"));
    }
}
