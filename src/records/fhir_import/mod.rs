//! Reading FHIR R4 Bundles (as Synthea writes them) into a [`PatientRecord`].
//!
//! Pure: JSON in, domain values out. Storing them (in one transaction) is the caller's job.
//!
//! What is accepted:
//! - a `Bundle` of type transaction, batch, collection, searchset or document;
//! - exactly one `Patient` (with its race, ethnicity, birth sex, marital status, language and
//!   full address); Encounter, Condition, Observation, MedicationRequest, AllergyIntolerance,
//!   Immunization, Procedure, CarePlan, Goal, DiagnosticReport and ImagingStudy are read; every
//!   other resource type (Claim, ExplanationOfBenefit, ...) is skipped and counted in
//!   [`ParsedBundle::skipped`] (Organization and Practitioner are still used to name an
//!   encounter's provider and organization);
//! - references as `urn:uuid:` fullUrls, as `Type/id`, or as absolute URLs ending in `Type/id`.
//!
//! What is refused, with an error naming the resource (type and id, or entry index) and the field:
//! - a field that FHIR R4 requires and that the portal keeps, missing or of the wrong shape
//!   (Encounter.status/class, MedicationRequest.status/intent/medication, Observation.status/code,
//!   Immunization.status/vaccineCode/occurrenceDateTime, a subject/patient);
//! - a date that is not a FHIR date or date-time; a code outside its FHIR value set;
//! - a subject/patient reference to anyone but the bundle's Patient (a bundle may not mix patients);
//! - an encounter reference that does not resolve to an Encounter of the bundle, and likewise a
//!   report's result that is not an Observation of the bundle, a care plan's goal that is not a
//!   Goal, a plan's or goal's `addresses` that is not a Condition. We refuse rather than drop it: a dangling reference means a broken or truncated bundle, and storage keeps
//!   encounter links as foreign keys. Synthea's bundles always resolve.
//! - two resources of one type with the same id (import is idempotent on FHIR ids).
//!
//! Choices where FHIR leaves room: date-times are converted to UTC; a date without a time
//! ("2019-06-25", or partial "2019-06"/"2019") is taken as midnight UTC of its first day; a
//! date-time with a time but no offset is refused (FHIR requires the offset).
//!
//! Where each part is read: the walk over the bundle here; its entries, the index references
//! resolve through and the error type in `entry`; reference checks in `reader`; `patient` (and
//! demographics), `encounters`, `conditions`, `allergies`, `medications`, `immunizations`,
//! `observations`, `procedures`, `care_plans` (and goals), `reports` (and imaging studies), each
//! named after the chart section it fills; `datatypes` for the FHIR types they share. Imports
//! point one way: this file uses the parts, the parts use `reader`, `entry` and `datatypes`,
//! never this file.

mod allergies;
mod care_plans;
mod conditions;
mod datatypes;
mod encounters;
mod entry;
mod immunizations;
mod medications;
mod notes;
mod observations;
mod patient;
mod people;
mod procedures;
mod reader;
mod reports;
mod security;
#[cfg(test)]
mod test_bundles;

pub use datatypes::parse_fhir_datetime;
pub use entry::ImportError;
pub use patient::derived_mrn;

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::model::PatientRecord;
use entry::{Entry, Index, IMPORTED};
use patient::{demographics, parse_patient};
use reader::Reader;

/// A bundle read into one patient's record.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedBundle {
    pub record: PatientRecord,
    /// Resource types that were not imported, with how many of each.
    pub skipped: BTreeMap<String, usize>,
}

const ACCEPTED_BUNDLE_TYPES: [&str; 5] = [
    "transaction",
    "batch",
    "collection",
    "searchset",
    "document",
];

pub fn parse_bundle(json: &Value) -> Result<ParsedBundle, ImportError> {
    let bundle = json
        .as_object()
        .ok_or_else(|| ImportError::NotABundle("the document is not a JSON object".into()))?;
    match bundle.get("resourceType").and_then(Value::as_str) {
        Some("Bundle") => {}
        Some(other) => {
            return Err(ImportError::NotABundle(format!(
                "resourceType is {other}, not Bundle"
            )))
        }
        None => return Err(ImportError::NotABundle("resourceType is missing".into())),
    }
    match bundle.get("type").and_then(Value::as_str) {
        Some(t) if ACCEPTED_BUNDLE_TYPES.contains(&t) => {}
        Some(t) => {
            return Err(ImportError::NotABundle(format!(
                "Bundle type {t} is not one of {}",
                ACCEPTED_BUNDLE_TYPES.join(", ")
            )))
        }
        None => return Err(ImportError::NotABundle("Bundle.type is missing".into())),
    }
    let entries: &[Value] = match bundle.get("entry") {
        None => &[],
        Some(Value::Array(a)) => a,
        Some(_) => return Err(ImportError::NotABundle("Bundle.entry is not a list".into())),
    };

    let index = Index::build(entries)?;

    let patients: Vec<&Entry> = index.of_type("Patient").collect();
    let patient_entry = match patients.as_slice() {
        [] => return Err(ImportError::NoPatient),
        [one] => *one,
        many => return Err(ImportError::SeveralPatients(many.len())),
    };
    let patient = parse_patient(patient_entry)?;
    let demographics = demographics(patient_entry)?;
    let patient_id = patient.fhir_id.clone();
    let mut reader = Reader {
        index: &index,
        patient_id: &patient_id,
        encounter_ids: HashSet::new(),
    };

    let mut record = PatientRecord::new(patient);
    record.demographics = demographics;
    for e in index.of_type("Encounter") {
        record.encounters.push(reader.encounter(e)?);
    }
    reader.encounter_ids = record
        .encounters
        .iter()
        .map(|e| e.fhir_id.clone())
        .collect();
    for e in &index.entries {
        match e.rtype {
            "Condition" => record.conditions.push(reader.condition(e)?),
            "Observation" => record.observations.push(reader.observation(e)?),
            "MedicationRequest" => record.medications.push(reader.medication(e)?),
            "AllergyIntolerance" => record.allergies.push(reader.allergy(e)?),
            "Immunization" => record.immunizations.push(reader.immunization(e)?),
            "Procedure" => record.procedures.push(reader.procedure(e)?),
            "CarePlan" => record.care_plans.push(reader.care_plan(e)?),
            "Goal" => record.goals.push(reader.goal(e)?),
            "DiagnosticReport" => record.reports.push(reader.report(e)?),
            "ImagingStudy" => record.imaging.push(reader.imaging_study(e)?),
            "Practitioner" => record.people.practitioners.push(reader.practitioner(e)?),
            "PractitionerRole" => record.people.roles.push(reader.practitioner_role(e)?),
            "Organization" => record.people.organizations.push(reader.organization(e)?),
            "Location" => record.people.locations.push(reader.location(e)?),
            "CareTeam" => record.people.care_teams.push(reader.care_team(e)?),
            "Claim" => record.people.claims.push(reader.claim(e)?),
            "ExplanationOfBenefit" => record.people.benefits.push(reader.benefit(e)?),
            "DocumentReference" => record.notes.push(reader.note(e)?),
            _ => {}
        }
    }

    record.security_labels = security::labels(&index.entries);

    let mut skipped = BTreeMap::new();
    for e in &index.entries {
        if !IMPORTED.contains(&e.rtype) {
            *skipped.entry(e.rtype.to_owned()).or_insert(0) += 1;
        }
    }
    Ok(ParsedBundle { record, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::model::*;
    use crate::records::test_support::synthea_json;
    use chrono::NaiveDate;
    use serde_json::json;
    use test_bundles::*;

    #[test]
    fn clemente_counts_and_values() {
        let Some(json) = synthea_json("Clemente_Kreiger") else {
            return;
        };
        let parsed = parse_ok(&json);
        let r = &parsed.record;
        assert_eq!(r.encounters.len(), 3);
        assert_eq!(r.observations.len(), 48);
        assert_eq!(r.conditions.len(), 1);
        assert_eq!(r.immunizations.len(), 4);
        assert_eq!(r.medications.len(), 0);
        assert_eq!(r.allergies.len(), 0);
        assert_eq!(r.allergy_summary(), AllergySummary::NoneRecorded);

        let p = &r.patient;
        assert_eq!(p.fhir_id, "d78af07c-9cb9-4f31-9b11-c45a28f2eec8");
        assert_eq!(
            (p.given.as_str(), p.family.as_str()),
            ("Clemente", "Kreiger")
        );
        assert_eq!(
            p.birth_date,
            NaiveDate::from_ymd_opt(1984, 7, 2).unwrap_or_default()
        );
        assert_eq!(p.sex, Sex::Male);
        assert_eq!(p.deceased, None);
        assert_eq!(p.mrn.value, "1484a42d-0eaf-4654-9cbf-6b050a5cd73b");
        assert_eq!(
            p.mrn.system.as_deref(),
            Some("http://hospital.smarthealthit.org")
        );
        assert_eq!(
            p.address.as_deref(),
            Some("931 Doyle Corner Apt 89, Wilmington, Massachusetts 01887, US")
        );
        assert_eq!(p.phone.as_deref(), Some("555-767-7476"));

        let skipped: Vec<(&str, usize)> = parsed
            .skipped
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        // Claims, EOBs, organizations and practitioners are kept since issue 27.
        assert_eq!(skipped, []);

        let enc = &r.encounters[0];
        assert_eq!(enc.class_code, "AMB");
        assert_eq!(enc.status, "finished");
        assert_eq!(enc.title(), "Encounter for check up (procedure)");
        assert_eq!(enc.provider.as_deref(), Some("Dr. June Kassulke"));
        assert_eq!(
            enc.organization.as_deref(),
            Some("LAHEY HOSPITAL & MEDICAL CENTER, BURLINGTON")
        );
        assert_eq!(enc.start.to_rfc3339(), "2012-09-10T15:29:24+00:00");

        // Every observation points at one of the three encounters.
        assert!(r.observations.iter().all(|o| o
            .encounter
            .as_ref()
            .is_some_and(|id| r.encounters.iter().any(|e| &e.fhir_id == id))));

        // Blood pressure arrives as components.
        let bp = r
            .observations
            .iter()
            .find(|o| o.fhir_id == "d1b60d57-c1a2-4b70-b18a-34169ada507e")
            .unwrap_or_else(|| panic!("blood pressure observation missing"));
        assert_eq!(bp.loinc(), Some("55284-4"));
        assert_eq!(bp.category, ObservationCategory::VitalSigns);
        assert_eq!(
            bp.component("8480-6"),
            Some(&Quantity {
                value: 106.6797730199243,
                unit: "mm[Hg]".into()
            })
        );
        assert_eq!(
            bp.component("8462-4").map(|q| q.value),
            Some(71.57727343548594)
        );

        // A coded value keeps its code, not only its text.
        let smoking = r
            .observations
            .iter()
            .find(|o| o.fhir_id == "92d5b64d-22da-4ff0-a4a9-2cf57e356e00")
            .unwrap_or_else(|| panic!("smoking observation missing"));
        assert_eq!(
            smoking.value,
            ObservationValue::Coded(Concept::new(systems::SNOMED, "266919005", "Never smoker"))
        );
        assert_eq!(
            smoking.category,
            ObservationCategory::Other("survey".into())
        );

        let labs = r
            .observations
            .iter()
            .filter(|o| o.category == ObservationCategory::Laboratory)
            .count();
        let vitals = r
            .observations
            .iter()
            .filter(|o| o.category == ObservationCategory::VitalSigns)
            .count();
        assert_eq!(labs + vitals + 3, 48, "3 survey observations");
    }

    #[test]
    fn louis_counts_and_values() {
        let Some(json) = synthea_json("Louis_Erdman") else {
            return;
        };
        let parsed = parse_ok(&json);
        let r = &parsed.record;
        assert_eq!(r.encounters.len(), 12);
        assert_eq!(r.allergies.len(), 1);
        assert_eq!(r.medications.len(), 4);
        assert_eq!(r.conditions.len(), 3);
        assert_eq!(r.observations.len(), 50);
        assert_eq!(r.immunizations.len(), 9);
        assert_eq!(r.imaging.len(), 1);
        assert_eq!(r.care_plans.len(), 4);
        assert_eq!(r.procedures.len(), 4);
        assert_eq!(r.reports.len(), 3);
        assert_eq!(parsed.skipped.get("Claim"), None);
        assert_eq!(r.people.claims.len(), 16);
        assert_eq!(parsed.skipped.get("ImagingStudy"), None);
        assert_eq!(r.patient.birth_date.to_string(), "1989-07-27");

        let fish = &r.allergies[0];
        assert_eq!(fish.code.code, "417532002");
        assert_eq!(fish.code.display, "Allergy to fish");
        assert_eq!(fish.clinical_status, Some(ClinicalStatus::Active));
        assert_eq!(fish.criticality, Some(Criticality::Low));
        assert_eq!(fish.categories, [AllergyCategory::Food]);
        assert!(!fish.is_no_known_allergy());

        let statuses: Vec<MedicationStatus> = r.medications.iter().map(|m| m.status).collect();
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == MedicationStatus::Active)
                .count(),
            2
        );
        let epinephrine = r
            .medications
            .iter()
            .find(|m| m.code.code == "1870230")
            .unwrap_or_else(|| panic!("epinephrine missing"));
        assert_eq!(epinephrine.code.system, systems::RXNORM);
        assert_eq!(epinephrine.dosage.as_deref(), Some("As needed"));
        assert!(epinephrine.encounter.is_some());

        let bronchitis = r
            .conditions
            .iter()
            .find(|c| c.fhir_id == "301e62ff-6b49-4d21-83cb-ba625b7971fe")
            .unwrap_or_else(|| panic!("bronchitis missing"));
        assert_eq!(bronchitis.clinical_status, Some(ClinicalStatus::Resolved));
        assert_eq!(
            bronchitis.abatement.map(|t| t.to_rfc3339()).as_deref(),
            Some("2016-10-23T16:24:37+00:00")
        );
        let with_reason = r
            .encounters
            .iter()
            .find(|e| e.fhir_id == "39da17ee-c281-4827-884e-04efd345706b")
            .unwrap_or_else(|| panic!("encounter missing"));
        assert_eq!(
            with_reason.reason.as_ref().map(|c| c.display.as_str()),
            Some("Acute bronchitis (disorder)")
        );
    }

    #[test]
    fn patria_counts_and_values() {
        let Some(json) = synthea_json("Patria_Schimmel") else {
            return;
        };
        let parsed = parse_ok(&json);
        let r = &parsed.record;
        assert_eq!(r.allergies.len(), 5);
        assert_eq!(r.conditions.len(), 8);
        assert_eq!(r.encounters.len(), 14);
        assert_eq!(r.medications.len(), 5);
        assert_eq!(r.observations.len(), 63);
        assert_eq!(r.immunizations.len(), 7);
        assert_eq!(r.goals.len(), 5);
        assert_eq!(r.care_plans.len(), 5);
        assert_eq!(r.procedures.len(), 8);
        assert_eq!(r.reports.len(), 5);
        assert_eq!(parsed.skipped.get("Goal"), None);
        // Married name is the official one, not the maiden name.
        assert_eq!(r.patient.family, "Schimmel");
        assert_eq!(r.patient.sex, Sex::Female);
        match r.allergy_summary() {
            AllergySummary::Allergies(list) => assert_eq!(list.len(), 5),
            other => panic!("expected 5 allergies, got {other:?}"),
        }
        let hba1c: Vec<f64> = r
            .observation_history("4548-4")
            .iter()
            .filter_map(|o| match &o.value {
                ObservationValue::Quantity(q) => Some(q.value),
                _ => None,
            })
            .collect();
        assert!(!hba1c.is_empty());
        let flu = r
            .immunizations
            .iter()
            .filter(|i| i.vaccine.code == "140")
            .count();
        assert!(flu >= 1);
        assert!(r
            .immunizations
            .iter()
            .all(|i| i.vaccine.system == systems::CVX));
    }

    #[test]
    fn new_resource_types_keep_what_the_pages_use() {
        let Some(json) = synthea_json("Louis_Erdman") else {
            return;
        };
        let r = parse_ok(&json).record;

        // Imaging: series, modality and body site as Codings.
        let study = &r.imaging[0];
        assert_eq!(study.fhir_id, "529fd47e-3e17-462c-a003-fd5043481053");
        assert_eq!(study.status, "available");
        assert_eq!(study.series.len(), 1);
        let series = &study.series[0];
        assert_eq!(
            series.modality,
            Concept::new(
                "http://dicom.nema.org/resources/ontology/DCM",
                "DX",
                "Digital Radiography"
            )
        );
        assert_eq!(
            series.body_site,
            Some(Concept::new(systems::SNOMED, "51185008", "Chest"))
        );
        assert_eq!(series.instances.len(), 1);
        assert_eq!(series.instances[0].title.as_deref(), Some("Image of chest"));
        assert!(study.encounter.is_some());

        // Procedures: code, status, period, encounter.
        let meds_doc = r
            .procedures
            .iter()
            .find(|p| p.fhir_id == "9e312325-3147-4dbe-9f08-c95134e97652")
            .unwrap_or_else(|| panic!("procedure missing"));
        assert_eq!(meds_doc.code.code, "428191000124101");
        assert_eq!(meds_doc.status, "completed");
        assert_eq!(
            meds_doc.performed.map(|t| t.to_rfc3339()).as_deref(),
            Some("2015-02-12T16:24:37+00:00")
        );
        assert!(meds_doc.performed_end.is_some());
        assert!(meds_doc.encounter.is_some());

        // Care plan with its activities.
        let self_care = r
            .care_plans
            .iter()
            .find(|c| c.fhir_id == "d69a7717-9cb8-435b-8cac-f16887d72ea4")
            .unwrap_or_else(|| panic!("care plan missing"));
        assert_eq!(self_care.status, "active");
        assert_eq!(self_care.title(), "Self care");
        assert_eq!(self_care.activities.len(), 3);
        assert_eq!(
            self_care.activities[0]
                .code
                .as_ref()
                .map(|c| c.display.as_str()),
            Some("Food allergy diet")
        );
        assert_eq!(self_care.activities[0].status, "in-progress");

        // A report keeps its result links, which are observations of the record.
        let cbc = r
            .reports
            .iter()
            .find(|d| d.fhir_id == "53e99202-95bc-4a64-8fd4-f7f31a52faed")
            .unwrap_or_else(|| panic!("report missing"));
        assert_eq!(cbc.code.code, "58410-2");
        assert_eq!(cbc.results.len(), 11);
        assert!(cbc
            .results
            .iter()
            .all(|id| r.observations.iter().any(|o| &o.fhir_id == id)));
        assert_eq!(cbc.categories[0].code, "LAB");

        // A coded value keeps its system and code, not just the words.
        let smoking = r
            .observations
            .iter()
            .find(|o| o.fhir_id == "557745d9-ac6d-4ef7-8608-6e35c4b99a3b")
            .unwrap_or_else(|| panic!("smoking status missing"));
        assert_eq!(
            smoking.value,
            ObservationValue::Coded(Concept::new(
                systems::SNOMED,
                "449868002",
                "Current every day smoker"
            ))
        );

        // The Patient's demographics.
        let d = &r.demographics;
        let race = d.race.as_ref().unwrap_or_else(|| panic!("race missing"));
        assert_eq!(race.text, "White");
        assert_eq!(race.categories[0].code, "2106-3");
        let ethnicity = d
            .ethnicity
            .as_ref()
            .unwrap_or_else(|| panic!("ethnicity missing"));
        assert_eq!(ethnicity.categories[0].code, "2186-5");
        assert_eq!(d.birth_sex.as_deref(), Some("M"));
        let address = d
            .address
            .as_ref()
            .unwrap_or_else(|| panic!("address missing"));
        assert_eq!(address.lines, ["675 Kunde Route"]);
        assert_eq!(address.city.as_deref(), Some("Chicopee"));
        assert_eq!(address.state.as_deref(), Some("Massachusetts"));
        assert_eq!(address.postal_code.as_deref(), Some("01013"));
        assert_eq!(address.country.as_deref(), Some("US"));
        assert_eq!(address.latitude, Some(42.175668));
        assert_eq!(address.longitude, Some(-72.572257));
        assert_eq!(
            d.marital_status
                .as_ref()
                .map(|c| (c.system.as_str(), c.code.as_str())),
            Some((
                "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus",
                "S"
            ))
        );
        assert_eq!(d.language.as_ref().map(|c| c.code.as_str()), Some("en-US"));
    }

    #[test]
    fn dangling_result_and_goal_links_and_bad_statuses_are_refused() {
        let report = json!({"fullUrl": "urn:uuid:r1", "resource": {
            "resourceType": "DiagnosticReport", "id": "r1", "status": "final",
            "code": {"text": "Panel"},
            "subject": {"reference": "Patient/11111111-1111-4111-8111-111111111111"},
            "result": [{"reference": "urn:uuid:nowhere"}]}});
        let text = err_text(&bundle("collection", vec![minimal_patient(), report]));
        assert!(
            text.contains("DiagnosticReport r1") && text.contains("result[0]"),
            "{text}"
        );

        let plan = json!({"resource": {
            "resourceType": "CarePlan", "id": "cp1", "status": "active", "intent": "plan",
            "subject": {"reference": "Patient/11111111-1111-4111-8111-111111111111"},
            "goal": [{"reference": "Goal/missing"}]}});
        let text = err_text(&bundle("collection", vec![minimal_patient(), plan]));
        assert!(
            text.contains("CarePlan cp1") && text.contains("goal[0]"),
            "{text}"
        );

        let procedure = json!({"resource": {
            "resourceType": "Procedure", "id": "pr1", "status": "done",
            "code": {"text": "Something"},
            "subject": {"reference": "Patient/11111111-1111-4111-8111-111111111111"}}});
        let text = err_text(&bundle("collection", vec![minimal_patient(), procedure]));
        assert!(
            text.contains("Procedure pr1") && text.contains("status"),
            "{text}"
        );

        let study = json!({"resource": {
            "resourceType": "ImagingStudy", "id": "im1", "status": "available",
            "subject": {"reference": "Patient/11111111-1111-4111-8111-111111111111"},
            "series": [{"uid": "1.2.3"}]}});
        let text = err_text(&bundle("collection", vec![minimal_patient(), study]));
        assert!(
            text.contains("ImagingStudy im1") && text.contains("series[0].modality"),
            "{text}"
        );
    }

    #[test]
    fn minimal_collection_bundle_with_relative_references() {
        let mut obs = observation_entry("33333333-3333-4333-8333-333333333333");
        obs["resource"]["subject"]["reference"] =
            json!("Patient/11111111-1111-4111-8111-111111111111");
        obs["resource"]["encounter"]["reference"] =
            json!("Encounter/22222222-2222-4222-8222-222222222222");
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs],
        );
        let parsed = parse_ok(&b);
        let r = &parsed.record;
        assert_eq!(r.patient.given, "Jane Q");
        assert_eq!(
            r.patient.mrn,
            derived_mrn("11111111-1111-4111-8111-111111111111")
        );
        assert!(r.patient.mrn.value.starts_with("MRN-"));
        assert_eq!(
            r.encounters[0].start.to_rfc3339(),
            "2020-02-03T15:00:00+00:00"
        );
        assert_eq!(
            r.observations[0].encounter.as_deref(),
            Some("22222222-2222-4222-8222-222222222222")
        );
        assert!(parsed.skipped.is_empty());
    }

    #[test]
    fn id_falls_back_to_the_urn_uuid_full_url() {
        let mut p = minimal_patient();
        if let Some(r) = p["resource"].as_object_mut() {
            r.remove("id");
        }
        let parsed = parse_ok(&bundle("transaction", vec![p]));
        assert_eq!(
            parsed.record.patient.fhir_id,
            "11111111-1111-4111-8111-111111111111"
        );
    }

    #[test]
    fn refuses_a_bundle_without_patient() {
        let b = bundle("collection", vec![encounter_entry()]);
        assert_eq!(parse_bundle(&b), Err(ImportError::NoPatient));
        let empty = json!({"resourceType": "Bundle", "type": "collection"});
        assert_eq!(parse_bundle(&empty), Err(ImportError::NoPatient));
    }

    #[test]
    fn refuses_two_patients() {
        let mut other = minimal_patient();
        other["fullUrl"] = json!("urn:uuid:99999999-9999-4999-8999-999999999999");
        other["resource"]["id"] = json!("99999999-9999-4999-8999-999999999999");
        let b = bundle("collection", vec![minimal_patient(), other]);
        assert_eq!(parse_bundle(&b), Err(ImportError::SeveralPatients(2)));
    }

    #[test]
    fn refuses_what_is_not_a_bundle() {
        assert!(matches!(
            parse_bundle(&json!({"resourceType": "Patient"})),
            Err(ImportError::NotABundle(_))
        ));
        assert!(matches!(
            parse_bundle(&json!([1, 2])),
            Err(ImportError::NotABundle(_))
        ));
        assert!(matches!(
            parse_bundle(&bundle("history", vec![minimal_patient()])),
            Err(ImportError::NotABundle(_))
        ));
    }

    #[test]
    fn unknown_encounter_reference_is_refused() {
        let mut obs = observation_entry("55555555-5555-4555-8555-555555555555");
        obs["resource"]["encounter"]["reference"] = json!("urn:uuid:not-in-this-bundle");
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs],
        );
        assert_eq!(
            err_text(&b),
            "Observation 55555555-5555-4555-8555-555555555555: encounter refers to urn:uuid:not-in-this-bundle, which is not an Encounter of this bundle"
        );
    }

    #[test]
    fn encounter_reference_to_another_type_is_refused() {
        let mut obs = observation_entry("55555555-5555-4555-8555-555555555555");
        obs["resource"]["encounter"]["reference"] =
            json!("urn:uuid:11111111-1111-4111-8111-111111111111");
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs],
        );
        assert!(err_text(&b).contains("encounter refers to"));
    }

    #[test]
    fn subject_of_another_patient_is_refused() {
        let mut obs = observation_entry("66666666-6666-4666-8666-666666666666");
        obs["resource"]["subject"]["reference"] = json!("Patient/someone-else");
        let b = bundle(
            "collection",
            vec![minimal_patient(), encounter_entry(), obs],
        );
        assert_eq!(
            err_text(&b),
            "Observation 66666666-6666-4666-8666-666666666666: subject refers to Patient/someone-else, which is not this bundle's Patient"
        );
    }

    #[test]
    fn missing_required_fields_are_named() {
        let mut enc = encounter_entry();
        if let Some(r) = enc["resource"].as_object_mut() {
            r.remove("class");
        }
        let b = bundle("collection", vec![minimal_patient(), enc]);
        assert_eq!(
            err_text(&b),
            "Encounter 22222222-2222-4222-8222-222222222222: class is missing"
        );

        let med = json!({"resource": {
            "resourceType": "MedicationRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"}
        }});
        let b = bundle("collection", vec![minimal_patient(), med]);
        assert_eq!(err_text(&b), "entry 1 (MedicationRequest): id is missing");

        let med = json!({"fullUrl": "urn:uuid:77777777-7777-4777-8777-777777777777", "resource": {
            "resourceType": "MedicationRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"}
        }});
        let b = bundle("collection", vec![minimal_patient(), med]);
        assert_eq!(
            err_text(&b),
            "MedicationRequest 77777777-7777-4777-8777-777777777777: medicationCodeableConcept is missing"
        );
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let b = bundle(
            "collection",
            vec![
                minimal_patient(),
                encounter_entry(),
                observation_entry("dup"),
                observation_entry("dup"),
            ],
        );
        assert_eq!(
            err_text(&b),
            "Observation dup: id is used by two entries of the bundle"
        );
    }
}
