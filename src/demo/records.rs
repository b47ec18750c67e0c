//! Demo patients with several years of believable history, made by our own deterministic
//! generator (we never copy Synthea files into the repository).
//!
//! The same `(count, seed, today)` always gives the same records, ids included, and patient `i`
//! does not depend on `count` (each patient has its own random stream), so adding patients does
//! not change the ones before. Determinism holds for a given `rand` version: `StdRng` is ChaCha12
//! in rand 0.8 but its algorithm may change across major versions.
//!
//! The first four patients cover the cases the pages must show correctly; later ones repeat those
//! profiles with other names and values:
//! 0. hypertension and prediabetes, on lisinopril; "No known allergies" recorded;
//! 1. type 2 diabetes and hyperlipidemia, on metformin and simvastatin; penicillin allergy;
//!    HbA1c at every visit;
//! 2. a healthy young adult with a few sick visits; no allergy information recorded at all;
//! 3. an older patient with hypertension, hyperlipidemia and declining kidney function who died
//!    some months before `today` (only patient 3 is deceased).
//!
//! Each has yearly wellness visits over about five years (vitals, lipid panel, metabolic panel,
//! CBC, flu shot, smoking status, a medication review, the lipid panel as a report), chronic
//! follow-ups, and sick visits with a short illness; and one care plan with two goals. Values are drawn
//! around realistic means and reported at lab precision; chronic patients start out of range and
//! improve on treatment without always reaching normal, so some results are flagged.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::records::care_views::SMOKING_STATUS;
use crate::records::model::{
    systems, Allergy, AllergyCategory, CarePlan, CarePlanActivity, ClinicalStatus, Component,
    ComponentValue, Concept, Condition, ConditionCategory, Criticality, Deceased, DiagnosticReport,
    Encounter, Goal, Immunization, Medication, MedicationStatus, Mrn, Observation,
    ObservationCategory, ObservationValue, Patient, PatientRecord, Procedure, Quantity, Sex,
};
use crate::records::ranges;

const GIVEN_FEMALE: &[&str] = &[
    "Maria", "Linda", "Grace", "Aisha", "Mei", "Sofia", "Hannah", "Priya", "Olivia", "Rosa",
];
const GIVEN_MALE: &[&str] = &[
    "James", "Daniel", "Omar", "Wei", "Lucas", "Samuel", "Ravi", "Thomas", "Mateo", "Henry",
];
const FAMILY: &[&str] = &[
    "Okafor",
    "Lindqvist",
    "Garcia",
    "Nguyen",
    "Patel",
    "Kowalski",
    "Murphy",
    "Haddad",
    "Silva",
    "Bennett",
    "Yamamoto",
    "Fischer",
];
const STREETS: &[&str] = &[
    "Maple Avenue",
    "Harbor Road",
    "Elm Street",
    "Cedar Lane",
    "Mill Street",
    "Orchard Way",
];
const TOWNS: &[(&str, &str, &str)] = &[
    ("Springfield", "Massachusetts", "01103"),
    ("Worcester", "Massachusetts", "01608"),
    ("Lowell", "Massachusetts", "01852"),
    ("Quincy", "Massachusetts", "02169"),
];
const CLINICIANS: &[&str] = &[
    "Dr. Amara Osei",
    "Dr. Jonas Berg",
    "Dr. Lucia Romero",
    "Dr. Kenji Sato",
];
const CLINIC: &str = "Riverside Family Medicine";

/// Demo patients `0..count`; see the module documentation for who they are.
pub fn demo_patients(count: usize, seed: u64, today: NaiveDate) -> Vec<PatientRecord> {
    (0..count)
        .map(|i| {
            let stream = seed
                ^ (i as u64)
                    .wrapping_add(1)
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15);
            Generator::new(i, StdRng::seed_from_u64(stream), today).run()
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    Hypertensive,
    Diabetic,
    Healthy,
    Elderly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VisitKind {
    Wellness,
    FollowUp,
    Sick,
}

/// One patient's generator: the random stream, the record being built, and the patient's
/// physiology (baselines the visits vary around).
struct Generator {
    rng: StdRng,
    profile: Profile,
    record: PatientRecord,
    /// Visits stop here: today, or the day of death.
    end: DateTime<Utc>,
    /// When treatment of the chronic conditions started (the first visit).
    treated_from: Option<DateTime<Utc>>,
    height_cm: f64,
    weight_kg: f64,
    systolic: f64,
    diastolic: f64,
    ldl: f64,
    hdl: f64,
    triglycerides: f64,
    glucose: f64,
    a1c: f64,
    creatinine: f64,
    egfr: f64,
}

impl Generator {
    fn new(index: usize, mut rng: StdRng, today: NaiveDate) -> Self {
        let profile = match index % 4 {
            0 => Profile::Hypertensive,
            1 => Profile::Diabetic,
            2 => Profile::Healthy,
            _ => Profile::Elderly,
        };
        let sex = if rng.gen_bool(0.5) {
            Sex::Female
        } else {
            Sex::Male
        };
        let given = match sex {
            Sex::Female => pick(&mut rng, GIVEN_FEMALE),
            _ => pick(&mut rng, GIVEN_MALE),
        };
        // Distinct family names across the demo list (a clinician searching the demo data
        // should not meet two "Hannah Yamamoto"s by accident); the rng still varies the rest.
        let _ = pick(&mut rng, FAMILY);
        let family = FAMILY[(index * 7) % FAMILY.len()];
        let (min_age, max_age) = match profile {
            Profile::Hypertensive => (45, 60),
            Profile::Diabetic => (50, 68),
            Profile::Healthy => (22, 35),
            Profile::Elderly => (72, 86),
        };
        let age_days = rng.gen_range(min_age * 365..max_age * 365);
        let birth_date = today - Duration::days(age_days);
        let deceased_on = (index == 3).then(|| today - Duration::days(rng.gen_range(120..300)));
        let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        let end = midnight(deceased_on.unwrap_or(today));

        let (town, state, zip) = TOWNS[rng.gen_range(0..TOWNS.len())];
        let address = format!(
            "{} {}, {town}, {state} {zip}, US",
            rng.gen_range(10..990),
            pick(&mut rng, STREETS)
        );
        let phone = format!(
            "555-{:03}-{:04}",
            rng.gen_range(200..999),
            rng.gen_range(0..10_000)
        );
        let patient = Patient {
            fhir_id: new_id(&mut rng),
            given: given.to_owned(),
            family: family.to_owned(),
            birth_date,
            sex,
            deceased: deceased_on.map(Deceased::OnDate),
            mrn: Mrn {
                system: Some(systems::PORTAL_MRN.to_owned()),
                value: format!("MRN-{}", 100_001 + index),
            },
            address: Some(address),
            phone: Some(phone),
        };

        let height_cm = match sex {
            Sex::Female => rng.gen_range(155.0..172.0),
            _ => rng.gen_range(168.0..188.0),
        };
        let bmi = match profile {
            Profile::Hypertensive => rng.gen_range(28.5..32.0),
            Profile::Diabetic => rng.gen_range(31.0..36.0),
            Profile::Healthy => rng.gen_range(20.5..24.0),
            Profile::Elderly => rng.gen_range(25.5..28.0),
        };
        let weight_kg = bmi * (height_cm / 100.0) * (height_cm / 100.0);
        let hypertensive = matches!(profile, Profile::Hypertensive | Profile::Elderly);
        let hyperlipidemic = matches!(profile, Profile::Diabetic | Profile::Elderly);
        let (glucose, a1c) = match profile {
            Profile::Hypertensive => (rng.gen_range(101.0..112.0), rng.gen_range(5.8..6.2)),
            Profile::Diabetic => (rng.gen_range(150.0..175.0), rng.gen_range(7.8..8.6)),
            _ => (rng.gen_range(78.0..94.0), rng.gen_range(4.9..5.4)),
        };
        let (creatinine, egfr) = match profile {
            Profile::Elderly => (rng.gen_range(1.2..1.4), rng.gen_range(62.0..68.0)),
            _ => (rng.gen_range(0.7..1.0), rng.gen_range(90.0..110.0)),
        };
        Generator {
            profile,
            record: PatientRecord::new(patient),
            end,
            treated_from: None,
            height_cm,
            weight_kg,
            systolic: if hypertensive {
                rng.gen_range(146.0..156.0)
            } else {
                rng.gen_range(106.0..116.0)
            },
            diastolic: if hypertensive {
                rng.gen_range(90.0..96.0)
            } else {
                rng.gen_range(66.0..75.0)
            },
            ldl: if hyperlipidemic {
                rng.gen_range(150.0..175.0)
            } else {
                rng.gen_range(80.0..112.0)
            },
            hdl: if hyperlipidemic {
                rng.gen_range(36.0..44.0)
            } else {
                rng.gen_range(48.0..66.0)
            },
            triglycerides: if hyperlipidemic {
                rng.gen_range(170.0..220.0)
            } else {
                rng.gen_range(80.0..140.0)
            },
            glucose,
            a1c,
            creatinine,
            egfr,
            rng,
        }
    }

    fn run(mut self) -> PatientRecord {
        let visits = self.schedule();
        for (n, (kind, at)) in visits.iter().enumerate() {
            self.visit(n, *kind, *at);
        }
        self.finish_medications();
        // Last, so the random stream of everything above is as it was before these existed.
        self.care_and_history();
        // After that, for the same reason (#27).
        super::notes::add_notes(&mut self.record, &mut self.rng);
        // Clinicians, clinic and costs (#27 item 2); uses no random numbers.
        super::people::add_people(&mut self.record);
        self.record
    }

    /// What a demo should also show: procedures, a care plan with goals, lab reports grouping
    /// their results, and smoking status, all tied to the wellness visits.
    fn care_and_history(&mut self) {
        let wellness: Vec<(String, DateTime<Utc>)> = self
            .record
            .encounters
            .iter()
            .filter(|e| e.kind.as_ref().is_some_and(|k| k.code == "185349003"))
            .map(|e| (e.fhir_id.clone(), e.start))
            .collect();
        let smoking = match self.profile {
            Profile::Elderly => ("8517006", "Former smoker"),
            Profile::Hypertensive => ("428041000124106", "Occasional tobacco smoker"),
            _ => ("266919005", "Never smoker"),
        };
        for (enc, at) in &wellness {
            self.record.procedures.push(Procedure {
                fhir_id: new_id(&mut self.rng),
                code: Concept::new(
                    systems::SNOMED,
                    "430193006",
                    "Medication reconciliation (procedure)",
                ),
                status: "completed".into(),
                performed: Some(*at + Duration::minutes(5)),
                performed_end: Some(*at + Duration::minutes(15)),
                reason: None,
                body_site: None,
                encounter: Some(enc.clone()),
            });
            self.record.observations.push(Observation {
                fhir_id: new_id(&mut self.rng),
                code: Concept::new(systems::LOINC, SMOKING_STATUS, "Tobacco smoking status"),
                status: "final".into(),
                category: ObservationCategory::Other("social-history".into()),
                effective: *at,
                value: ObservationValue::Coded(Concept::new(systems::SNOMED, smoking.0, smoking.1)),
                encounter: Some(enc.clone()),
            });
            let lipids: Vec<String> = self
                .record
                .observations
                .iter()
                .filter(|o| {
                    o.encounter.as_deref() == Some(enc.as_str())
                        && matches!(o.loinc(), Some("2093-3" | "2571-8" | "18262-6" | "2085-9"))
                })
                .map(|o| o.fhir_id.clone())
                .collect();
            if !lipids.is_empty() {
                self.record.reports.push(DiagnosticReport {
                    fhir_id: new_id(&mut self.rng),
                    status: "final".into(),
                    code: Concept::new(systems::LOINC, "57698-3", "Lipid panel"),
                    codes: Vec::new(),
                    categories: vec![Concept::new(
                        "http://terminology.hl7.org/CodeSystem/v2-0074",
                        "LAB",
                        "Laboratory",
                    )],
                    effective: Some(*at + Duration::minutes(20)),
                    issued: Some(*at + Duration::hours(26)),
                    results: lipids,
                    conclusion: None,
                    presented_forms: Vec::new(),
                    encounter: Some(enc.clone()),
                });
            }
        }
        if let Some((enc, at)) = wellness.first() {
            self.record.procedures.push(Procedure {
                fhir_id: new_id(&mut self.rng),
                code: Concept::new(
                    systems::SNOMED,
                    "171207006",
                    "Depression screening (procedure)",
                ),
                status: "completed".into(),
                performed: Some(*at + Duration::minutes(10)),
                performed_end: None,
                reason: None,
                body_site: None,
                encounter: Some(enc.clone()),
            });
            let (category, goal_text, activity) = match self.profile {
                Profile::Diabetic => (
                    ("698360004", "Diabetes self management plan"),
                    "Hemoglobin A1c total in Blood < 7.0",
                    ("160670007", "Diabetic diet"),
                ),
                Profile::Hypertensive | Profile::Elderly => (
                    ("443402002", "Lifestyle education regarding hypertension"),
                    "Systolic blood pressure below 140 mm[Hg]",
                    ("386463000", "Prescribed activity/exercise education"),
                ),
                Profile::Healthy => (
                    ("734163000", "Care plan"),
                    "Keep a healthy weight",
                    ("229065009", "Exercise therapy"),
                ),
            };
            let goals = vec![
                Goal {
                    fhir_id: new_id(&mut self.rng),
                    lifecycle_status: "active".into(),
                    achievement_status: Some("in-progress".into()),
                    description: Concept::new("", "", goal_text),
                    start: Some(
                        at.date_naive()
                            .and_hms_opt(0, 0, 0)
                            .unwrap_or_default()
                            .and_utc(),
                    ),
                    addresses: Vec::new(),
                },
                Goal {
                    fhir_id: new_id(&mut self.rng),
                    lifecycle_status: "active".into(),
                    achievement_status: Some("improving".into()),
                    description: Concept::new("", "", "Exercise at least 150 minutes a week"),
                    start: None,
                    addresses: Vec::new(),
                },
            ];
            let addresses: Vec<String> = self
                .record
                .conditions
                .iter()
                .filter(|c| c.is_active())
                .take(1)
                .map(|c| c.fhir_id.clone())
                .collect();
            self.record.care_plans.push(CarePlan {
                fhir_id: new_id(&mut self.rng),
                status: if self.record.patient.is_deceased() {
                    "completed".into()
                } else {
                    "active".into()
                },
                intent: "order".into(),
                categories: vec![Concept::new(systems::SNOMED, category.0, category.1)],
                start: Some(*at),
                end: None,
                addresses,
                goals: goals.iter().map(|g| g.fhir_id.clone()).collect(),
                activities: vec![
                    CarePlanActivity {
                        code: Some(Concept::new(systems::SNOMED, activity.0, activity.1)),
                        status: "in-progress".into(),
                        location: None,
                    },
                    CarePlanActivity {
                        code: Some(Concept::new(
                            systems::SNOMED,
                            "410177006",
                            "Special diet education",
                        )),
                        status: "completed".into(),
                        location: None,
                    },
                ],
                encounter: Some(enc.clone()),
            });
            self.record.goals.extend(goals);
        }
    }

    /// Yearly wellness visits over about five years, chronic follow-ups about six months later,
    /// and a sick visit in some years; all before `end`.
    fn schedule(&mut self) -> Vec<(VisitKind, DateTime<Utc>)> {
        let first = self.end - Duration::days(5 * 365);
        let mut visits = Vec::new();
        for year in 0..5i64 {
            let day = first + Duration::days(year * 365 + self.rng.gen_range(0..60));
            visits.push((VisitKind::Wellness, self.clinic_time(day)));
            if self.profile != Profile::Healthy {
                let later = day + Duration::days(self.rng.gen_range(170..200));
                visits.push((VisitKind::FollowUp, self.clinic_time(later)));
            }
            let sick_chance = if self.profile == Profile::Healthy {
                0.7
            } else {
                0.35
            };
            if self.rng.gen_bool(sick_chance) {
                let sick = day + Duration::days(self.rng.gen_range(60..330));
                visits.push((VisitKind::Sick, self.clinic_time(sick)));
            }
        }
        visits.retain(|(_, at)| *at < self.end);
        visits.sort_by_key(|(_, at)| *at);
        visits
    }

    /// A time in clinic hours (13:00-21:00 UTC, i.e. morning to afternoon in US Eastern).
    fn clinic_time(&mut self, day: DateTime<Utc>) -> DateTime<Utc> {
        let date = day.date_naive();
        let minutes = self.rng.gen_range(13 * 60..21 * 60) / 15 * 15;
        date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() + Duration::minutes(minutes)
    }

    fn visit(&mut self, n: usize, kind: VisitKind, at: DateTime<Utc>) {
        let (code, display) = match kind {
            VisitKind::Wellness => ("185349003", "Encounter for check up (procedure)"),
            VisitKind::FollowUp => ("185347001", "Encounter for problem (procedure)"),
            VisitKind::Sick => ("185345009", "Encounter for symptom (procedure)"),
        };
        let encounter_id = new_id(&mut self.rng);
        let sick = (kind == VisitKind::Sick).then(|| self.pick_illness());
        let clinician = pick(&mut self.rng, CLINICIANS).to_owned();
        self.record.encounters.push(Encounter {
            fhir_id: encounter_id.clone(),
            status: "finished".into(),
            class_code: "AMB".into(),
            kind: Some(Concept::new(systems::SNOMED, code, display)),
            reason: sick.map(|(c, d)| Concept::new(systems::SNOMED, c, d)),
            start: at,
            end: Some(at + Duration::minutes(self.rng.gen_range(15..45))),
            provider: Some(clinician),
            organization: Some(CLINIC.to_owned()),
            parties: Default::default(),
        });

        if n == 0 {
            self.first_visit(&encounter_id, at);
        }
        self.drift(kind);
        self.vitals(&encounter_id, at, kind == VisitKind::Sick);
        match kind {
            VisitKind::Wellness => {
                self.labs(&encounter_id, at + Duration::minutes(20));
                self.immunization(
                    &encounter_id,
                    at,
                    "140",
                    "Influenza, seasonal, injectable, preservative free",
                );
                self.other_vaccines(&encounter_id, at);
            }
            VisitKind::FollowUp => {
                if self.profile == Profile::Diabetic {
                    let a1c = self.noisy(self.a1c, 0.15);
                    self.lab(
                        &encounter_id,
                        at,
                        "4548-4",
                        "Hemoglobin A1c/Hemoglobin.total in Blood",
                        a1c,
                        "%",
                    );
                }
                if self.profile == Profile::Elderly {
                    self.kidney_labs(&encounter_id, at + Duration::minutes(20));
                }
            }
            VisitKind::Sick => {
                if let Some((code, display)) = sick {
                    self.illness(&encounter_id, at, code, display);
                }
            }
        }
    }

    /// Diagnoses, treatment and allergy statements recorded at the first visit.
    fn first_visit(&mut self, enc: &str, at: DateTime<Utc>) {
        let conditions: &[(&str, &str)] = match self.profile {
            Profile::Hypertensive => &[
                ("59621000", "Essential hypertension (disorder)"),
                ("714628002", "Prediabetes (finding)"),
            ],
            Profile::Diabetic => &[
                ("44054006", "Diabetes mellitus type 2 (disorder)"),
                ("55822004", "Hyperlipidemia (disorder)"),
                ("162864005", "Body mass index 30+ - obesity (finding)"),
            ],
            Profile::Healthy => &[],
            Profile::Elderly => &[
                ("59621000", "Essential hypertension (disorder)"),
                ("55822004", "Hyperlipidemia (disorder)"),
                ("431855005", "Chronic kidney disease stage 1 (disorder)"),
            ],
        };
        for (code, display) in conditions {
            self.record.conditions.push(Condition {
                fhir_id: new_id(&mut self.rng),
                code: Concept::new(systems::SNOMED, code, display),
                clinical_status: Some(ClinicalStatus::Active),
                verification_status: Some("confirmed".into()),
                onset: Some(at),
                abatement: None,
                recorded: Some(at),
                encounter: Some(enc.to_owned()),
                category: Some(ConditionCategory::ProblemListItem),
            });
        }
        let medications: &[(&str, &str, &str)] = match self.profile {
            Profile::Hypertensive => &[(
                "314076",
                "lisinopril 10 MG Oral Tablet",
                "1 tablet once a day",
            )],
            Profile::Diabetic => &[
                (
                    "860975",
                    "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet",
                    "1 tablet twice a day with meals",
                ),
                (
                    "314231",
                    "Simvastatin 10 MG Oral Tablet",
                    "1 tablet once a day in the evening",
                ),
            ],
            Profile::Healthy => &[],
            Profile::Elderly => &[
                (
                    "310798",
                    "Hydrochlorothiazide 25 MG Oral Tablet",
                    "1 tablet once a day",
                ),
                (
                    "314231",
                    "Simvastatin 10 MG Oral Tablet",
                    "1 tablet once a day in the evening",
                ),
            ],
        };
        for (code, display, dosage) in medications {
            self.record.medications.push(Medication {
                fhir_id: new_id(&mut self.rng),
                code: Concept::new(systems::RXNORM, code, display),
                status: MedicationStatus::Active,
                intent: "order".into(),
                authored_on: Some(at),
                dosage: Some((*dosage).to_owned()),
                encounter: Some(enc.to_owned()),
                reason: None,
                prescriber: None,
                prescriber_id: None,
            });
        }
        if !medications.is_empty() {
            self.treated_from = Some(at);
        }
        match self.profile {
            Profile::Hypertensive | Profile::Elderly => {
                let id = new_id(&mut self.rng);
                self.record
                    .allergies
                    .push(Allergy::no_known_allergies(id, Some(at)));
            }
            Profile::Diabetic => self.record.allergies.push(Allergy {
                fhir_id: new_id(&mut self.rng),
                code: Concept::new(systems::SNOMED, "91936005", "Allergy to penicillin"),
                clinical_status: Some(ClinicalStatus::Active),
                verification_status: Some("confirmed".into()),
                kind: Some("allergy".into()),
                categories: vec![AllergyCategory::Medication],
                criticality: Some(Criticality::High),
                recorded: Some(at),
            }),
            // Nobody asked: the record says nothing about allergies.
            Profile::Healthy => {}
        }
    }

    /// How the patient changes between visits: weight wanders, treatment works slowly.
    fn drift(&mut self, kind: VisitKind) {
        if kind != VisitKind::Sick {
            self.weight_kg += self.rng.gen_range(-1.5..1.8);
        }
        if self.treated_from.is_some() {
            let toward = |value: f64, target: f64, rate: f64| value + (target - value) * rate;
            let rate = self.rng.gen_range(0.15..0.35);
            match self.profile {
                Profile::Hypertensive => {
                    self.systolic = toward(self.systolic, 126.0, rate);
                    self.diastolic = toward(self.diastolic, 81.0, rate);
                }
                Profile::Diabetic => {
                    self.a1c = toward(self.a1c, 6.7, rate);
                    self.glucose = toward(self.glucose, 128.0, rate);
                    self.ldl = toward(self.ldl, 104.0, rate);
                    self.triglycerides = toward(self.triglycerides, 150.0, rate);
                }
                Profile::Elderly => {
                    self.systolic = toward(self.systolic, 132.0, rate);
                    self.diastolic = toward(self.diastolic, 78.0, rate);
                    self.ldl = toward(self.ldl, 108.0, rate);
                    // Kidney function declines with age and disease.
                    self.egfr -= self.rng.gen_range(1.0..3.0);
                    self.creatinine += self.rng.gen_range(0.01..0.05);
                }
                Profile::Healthy => {}
            }
        }
    }

    fn vitals(&mut self, enc: &str, at: DateTime<Utc>, sick: bool) {
        let systolic = self.noisy(self.systolic, 5.0);
        let diastolic = self.noisy(self.diastolic, 4.0);
        let id = new_id(&mut self.rng);
        self.record.observations.push(Observation {
            fhir_id: id,
            code: Concept::new(systems::LOINC, "55284-4", "Blood Pressure"),
            status: "final".into(),
            category: ObservationCategory::VitalSigns,
            effective: at,
            value: ObservationValue::Components(vec![
                component("8462-4", "Diastolic Blood Pressure", diastolic, "mm[Hg]"),
                component("8480-6", "Systolic Blood Pressure", systolic, "mm[Hg]"),
            ]),
            encounter: Some(enc.to_owned()),
        });
        let heart_rate = self.noisy(if sick { 88.0 } else { 72.0 }, 8.0);
        self.vital(enc, at, "8867-4", "Heart rate", heart_rate, "/min");
        let breathing = self.noisy(if sick { 19.0 } else { 15.0 }, 2.0);
        self.vital(enc, at, "9279-1", "Respiratory rate", breathing, "/min");
        let height = self.noisy(self.height_cm, 0.3);
        self.vital(enc, at, "8302-2", "Body Height", height, "cm");
        let weight = self.weight_kg;
        self.vital(enc, at, "29463-7", "Body Weight", weight, "kg");
        let bmi = weight / (height / 100.0).powi(2);
        self.vital(enc, at, "39156-5", "Body Mass Index", bmi, "kg/m2");
        let temperature = if sick {
            self.rng.gen_range(37.3..38.9)
        } else {
            self.noisy(36.7, 0.25)
        };
        self.vital(enc, at, "8310-5", "Body temperature", temperature, "Cel");
        if sick {
            let spo2 = self.rng.gen_range(93.0..99.0);
            self.vital(
                enc,
                at,
                "59408-5",
                "Oxygen saturation in Arterial blood by Pulse oximetry",
                spo2,
                "%",
            );
        }
    }

    fn labs(&mut self, enc: &str, at: DateTime<Utc>) {
        // Lipid panel; total cholesterol by Friedewald (LDL + HDL + TG/5).
        let ldl = self.noisy(self.ldl, 8.0);
        let hdl = self.noisy(self.hdl, 3.0);
        let tg = self.noisy(self.triglycerides, 15.0);
        self.lab(
            enc,
            at,
            "2093-3",
            "Total Cholesterol",
            ldl + hdl + tg / 5.0,
            "mg/dL",
        );
        self.lab(enc, at, "2571-8", "Triglycerides", tg, "mg/dL");
        self.lab(
            enc,
            at,
            "18262-6",
            "Low Density Lipoprotein Cholesterol",
            ldl,
            "mg/dL",
        );
        self.lab(
            enc,
            at,
            "2085-9",
            "High Density Lipoprotein Cholesterol",
            hdl,
            "mg/dL",
        );
        // Basic metabolic panel.
        let glucose = self.noisy(self.glucose, 6.0);
        self.lab(
            enc,
            at,
            "2345-7",
            "Glucose [Mass/volume] in Serum or Plasma",
            glucose,
            "mg/dL",
        );
        let bun = self.noisy(
            if self.profile == Profile::Elderly {
                21.0
            } else {
                14.0
            },
            3.0,
        );
        self.lab(enc, at, "6299-2", "Urea Nitrogen", bun, "mg/dL");
        self.kidney_labs(enc, at);
        let calcium = self.noisy(9.4, 0.3);
        self.lab(
            enc,
            at,
            "17861-6",
            "Calcium [Mass/volume] in Serum or Plasma",
            calcium,
            "mg/dL",
        );
        let sodium = self.noisy(140.0, 2.0);
        self.lab(
            enc,
            at,
            "2951-2",
            "Sodium [Moles/volume] in Serum or Plasma",
            sodium,
            "mmol/L",
        );
        let potassium = self.noisy(4.2, 0.3);
        self.lab(enc, at, "6298-4", "Potassium", potassium, "mmol/L");
        let chloride = self.noisy(102.0, 2.5);
        self.lab(
            enc,
            at,
            "2075-0",
            "Chloride [Moles/volume] in Serum or Plasma",
            chloride,
            "mmol/L",
        );
        let co2 = self.noisy(25.0, 2.0);
        self.lab(
            enc,
            at,
            "2028-9",
            "Carbon dioxide, total [Moles/volume] in Serum or Plasma",
            co2,
            "mmol/L",
        );
        if self.profile != Profile::Healthy {
            let a1c = self.noisy(self.a1c, 0.15);
            self.lab(
                enc,
                at,
                "4548-4",
                "Hemoglobin A1c/Hemoglobin.total in Blood",
                a1c,
                "%",
            );
        }
        // Complete blood count.
        let female = self.record.patient.sex == Sex::Female;
        let hemoglobin = self.noisy(if female { 13.4 } else { 15.0 }, 0.8);
        let hematocrit = hemoglobin * 3.0 + self.noisy(0.0, 1.0);
        let rbc = self.noisy(if female { 4.6 } else { 5.1 }, 0.3);
        self.lab(
            enc,
            at,
            "718-7",
            "Hemoglobin [Mass/volume] in Blood",
            hemoglobin,
            "g/dL",
        );
        self.lab(
            enc,
            at,
            "4544-3",
            "Hematocrit [Volume Fraction] of Blood by Automated count",
            hematocrit,
            "%",
        );
        self.lab(
            enc,
            at,
            "789-8",
            "Erythrocytes [#/volume] in Blood by Automated count",
            rbc,
            "10*6/uL",
        );
        self.lab(
            enc,
            at,
            "787-2",
            "MCV [Entitic volume] by Automated count",
            hematocrit / rbc * 10.0,
            "fL",
        );
        self.lab(
            enc,
            at,
            "785-6",
            "MCH [Entitic mass] by Automated count",
            hemoglobin / rbc * 10.0,
            "pg",
        );
        self.lab(
            enc,
            at,
            "786-4",
            "MCHC [Mass/volume] by Automated count",
            hemoglobin / hematocrit * 100.0,
            "g/dL",
        );
        let rdw = self.noisy(42.5, 2.0);
        self.lab(
            enc,
            at,
            "21000-5",
            "Erythrocyte distribution width [Entitic volume] by Automated count",
            rdw,
            "fL",
        );
        let wbc = self.noisy(7.0, 1.6);
        self.lab(
            enc,
            at,
            "6690-2",
            "Leukocytes [#/volume] in Blood by Automated count",
            wbc,
            "10*3/uL",
        );
        let platelets = self.noisy(260.0, 50.0);
        self.lab(
            enc,
            at,
            "777-3",
            "Platelets [#/volume] in Blood by Automated count",
            platelets,
            "10*3/uL",
        );
    }

    fn kidney_labs(&mut self, enc: &str, at: DateTime<Utc>) {
        let creatinine = self.noisy(self.creatinine, 0.05);
        self.lab(
            enc,
            at,
            "2160-0",
            "Creatinine [Mass/volume] in Serum or Plasma",
            creatinine,
            "mg/dL",
        );
        let egfr = self.noisy(self.egfr, 2.0);
        self.lab(
            enc,
            at,
            "33914-3",
            "Glomerular filtration rate/1.73 sq M.predicted",
            egfr,
            "mL/min/{1.73_m2}",
        );
    }

    fn other_vaccines(&mut self, enc: &str, at: DateTime<Utc>) {
        let given =
            |g: &Generator, cvx: &str| g.record.immunizations.iter().any(|i| i.vaccine.code == cvx);
        let age = self.record.patient.age_on(at.date_naive()).unwrap_or(0);
        if !given(self, "113") && self.rng.gen_bool(0.3) {
            self.immunization(enc, at, "113", "Td (adult) preservative free");
        }
        if age >= 50 && !given(self, "187") && self.rng.gen_bool(0.4) {
            self.immunization(enc, at, "187", "zoster vaccine recombinant");
        }
        if age >= 65 && !given(self, "133") {
            self.immunization(enc, at, "133", "Pneumococcal conjugate PCV 13");
        }
    }

    fn pick_illness(&mut self) -> (&'static str, &'static str) {
        const ILLNESSES: &[(&str, &str)] = &[
            ("10509002", "Acute bronchitis (disorder)"),
            ("444814009", "Viral sinusitis (disorder)"),
            ("195662009", "Acute viral pharyngitis (disorder)"),
        ];
        ILLNESSES[self.rng.gen_range(0..ILLNESSES.len())]
    }

    /// A short illness: a condition that resolves, and acetaminophen for a week or two.
    fn illness(&mut self, enc: &str, at: DateTime<Utc>, code: &str, display: &str) {
        let days = self.rng.gen_range(7..15);
        let resolved_at = at + Duration::days(days);
        let resolved = resolved_at < self.end;
        self.record.conditions.push(Condition {
            fhir_id: new_id(&mut self.rng),
            code: Concept::new(systems::SNOMED, code, display),
            clinical_status: Some(if resolved {
                ClinicalStatus::Resolved
            } else {
                ClinicalStatus::Active
            }),
            verification_status: Some("confirmed".into()),
            onset: Some(at),
            abatement: resolved.then_some(resolved_at),
            recorded: Some(at),
            encounter: Some(enc.to_owned()),
            category: Some(ConditionCategory::EncounterDiagnosis),
        });
        self.record.medications.push(Medication {
            fhir_id: new_id(&mut self.rng),
            code: Concept::new(
                systems::RXNORM,
                "313782",
                "Acetaminophen 325 MG Oral Tablet",
            ),
            status: if resolved {
                MedicationStatus::Stopped
            } else {
                MedicationStatus::Active
            },
            intent: "order".into(),
            authored_on: Some(at),
            dosage: Some("2 tablets every 6 hours as needed".into()),
            encounter: Some(enc.to_owned()),
            reason: None,
            prescriber: None,
            prescriber_id: None,
        });
    }

    /// A deceased patient's prescriptions are no longer active.
    fn finish_medications(&mut self) {
        if self.record.patient.is_deceased() {
            for m in &mut self.record.medications {
                if m.status == MedicationStatus::Active {
                    m.status = MedicationStatus::Stopped;
                }
            }
        }
    }

    fn immunization(&mut self, enc: &str, at: DateTime<Utc>, cvx: &str, display: &str) {
        self.record.immunizations.push(Immunization {
            fhir_id: new_id(&mut self.rng),
            vaccine: Concept::new(systems::CVX, cvx, display),
            date: at,
            status: "completed".into(),
            encounter: Some(enc.to_owned()),
        });
    }

    fn vital(
        &mut self,
        enc: &str,
        at: DateTime<Utc>,
        loinc: &str,
        display: &str,
        value: f64,
        unit: &str,
    ) {
        self.observation(
            enc,
            at,
            ObservationCategory::VitalSigns,
            loinc,
            display,
            value,
            unit,
        );
    }

    fn lab(
        &mut self,
        enc: &str,
        at: DateTime<Utc>,
        loinc: &str,
        display: &str,
        value: f64,
        unit: &str,
    ) {
        self.observation(
            enc,
            at,
            ObservationCategory::Laboratory,
            loinc,
            display,
            value,
            unit,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn observation(
        &mut self,
        enc: &str,
        at: DateTime<Utc>,
        category: ObservationCategory,
        loinc: &str,
        display: &str,
        value: f64,
        unit: &str,
    ) {
        let id = new_id(&mut self.rng);
        self.record.observations.push(Observation {
            fhir_id: id,
            code: Concept::new(systems::LOINC, loinc, display),
            status: "final".into(),
            category,
            effective: at,
            value: ObservationValue::Quantity(Quantity {
                value: reported(loinc, value),
                unit: unit.to_owned(),
            }),
            encounter: Some(enc.to_owned()),
        });
    }

    /// `mean` plus roughly normal noise of standard deviation `sd` (sum of uniforms).
    fn noisy(&mut self, mean: f64, sd: f64) -> f64 {
        let sum: f64 = (0..3).map(|_| self.rng.gen_range(-1.0..1.0)).sum();
        // The sum of three U(-1,1) has variance 1.
        mean + sum * sd
    }
}

fn component(loinc: &str, display: &str, value: f64, unit: &str) -> Component {
    Component {
        code: Concept::new(systems::LOINC, loinc, display),
        value: ComponentValue::Quantity(Quantity {
            value: reported(loinc, value),
            unit: unit.to_owned(),
        }),
    }
}

/// A value as a lab would report it: at the precision of our range table.
fn reported(loinc: &str, value: f64) -> f64 {
    let decimals = ranges::lookup(loinc).map_or(2, |r| r.decimals);
    let factor = 10f64.powi(i32::from(decimals));
    (value * factor).round() / factor
}

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list[rng.gen_range(0..list.len())]
}

fn new_id(rng: &mut StdRng) -> String {
    uuid::Builder::from_random_bytes(rng.gen())
        .into_uuid()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::fhir_export::export_bundle_at;
    use crate::records::fhir_import::parse_bundle;
    use crate::records::model::AllergySummary;
    use crate::records::ranges::{flag, Flag};
    use std::collections::HashSet;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, 15).unwrap_or_default()
    }

    #[test]
    fn same_seed_same_patients() {
        let a = demo_patients(6, 42, today());
        let b = demo_patients(6, 42, today());
        assert_eq!(a, b);
        let c = demo_patients(6, 43, today());
        assert_ne!(a, c);
        // Patient i does not depend on how many are made.
        let prefix = demo_patients(2, 42, today());
        assert_eq!(prefix.as_slice(), &a[..2]);
    }

    #[test]
    fn the_four_profiles_cover_what_the_pages_must_show() {
        let patients = demo_patients(4, 7, today());
        let mrns: Vec<&str> = patients
            .iter()
            .map(|p| p.patient.mrn.value.as_str())
            .collect();
        assert_eq!(
            mrns,
            ["MRN-100001", "MRN-100002", "MRN-100003", "MRN-100004"]
        );

        assert_eq!(
            patients[0].allergy_summary(),
            AllergySummary::NoKnownAllergies
        );
        match patients[1].allergy_summary() {
            AllergySummary::Allergies(list) => {
                assert_eq!(list.len(), 1);
                assert_eq!(list[0].code.code, "91936005");
            }
            other => panic!("expected the penicillin allergy, got {other:?}"),
        }
        assert_eq!(patients[2].allergy_summary(), AllergySummary::NoneRecorded);

        let deceased: Vec<usize> = (0..4)
            .filter(|i| patients[*i].patient.is_deceased())
            .collect();
        assert_eq!(deceased, [3]);
        assert_eq!(patients[3].active_medications().count(), 0);

        let active_meds = |i: usize| -> Vec<String> {
            patients[i]
                .active_medications()
                .map(|m| m.code.code.clone())
                .collect()
        };
        assert!(active_meds(0).contains(&"314076".to_owned()), "lisinopril");
        assert!(active_meds(1).contains(&"860975".to_owned()), "metformin");
        let conditions = |i: usize| -> Vec<String> {
            patients[i]
                .active_conditions()
                .map(|c| c.code.code.clone())
                .collect()
        };
        assert!(conditions(0).contains(&"59621000".to_owned()));
        assert!(conditions(0).contains(&"714628002".to_owned()));
        assert!(conditions(1).contains(&"44054006".to_owned()));
        assert!(
            patients[1].observation_history("4548-4").len() >= 8,
            "HbA1c each visit"
        );
    }

    #[test]
    fn history_spans_about_five_years_and_stops_at_death() {
        for record in demo_patients(8, 99, today()) {
            let end = match record.patient.deceased.and_then(|d| d.date()) {
                Some(death) => death,
                None => today(),
            };
            let starts: Vec<NaiveDate> = record
                .encounters
                .iter()
                .map(|e| e.start.date_naive())
                .collect();
            assert!(starts.len() >= 5, "{} visits", starts.len());
            assert!(starts.iter().all(|d| *d < end));
            let first = starts.iter().min().copied().unwrap_or(end);
            assert!((end - first).num_days() > 4 * 365);
            let wellness = record
                .encounters
                .iter()
                .filter(|e| e.kind.as_ref().is_some_and(|k| k.code == "185349003"))
                .count();
            assert!(wellness >= 4);
            let flu = record
                .immunizations
                .iter()
                .filter(|i| i.vaccine.code == "140")
                .count();
            assert_eq!(flu, wellness);
            for o in &record.observations {
                assert!(o.effective.date_naive() < end);
            }
            // Every encounter reference resolves; ids are unique.
            let encounters: HashSet<&str> = record
                .encounters
                .iter()
                .map(|e| e.fhir_id.as_str())
                .collect();
            assert!(record.observations.iter().all(|o| o
                .encounter
                .as_deref()
                .is_some_and(|e| encounters.contains(e))));
            let mut ids = HashSet::new();
            for id in record
                .observations
                .iter()
                .map(|o| &o.fhir_id)
                .chain(record.encounters.iter().map(|e| &e.fhir_id))
                .chain(record.conditions.iter().map(|c| &c.fhir_id))
            {
                assert!(ids.insert(id.clone()), "duplicate id {id}");
            }
        }
    }

    #[test]
    fn values_are_realistic_with_some_out_of_range() {
        let patients = demo_patients(4, 3, today());
        let mut flags = HashSet::new();
        for record in &patients {
            for o in &record.observations {
                let ObservationValue::Quantity(q) = &o.value else {
                    continue;
                };
                let loinc = o.loinc().unwrap_or_default();
                assert!(q.value.is_finite() && q.value > 0.0, "{loinc} {}", q.value);
                let range = ranges::lookup(loinc);
                assert!(range.is_some(), "{loinc} not in the range table");
                assert_eq!(range.map(|r| r.unit), Some(q.unit.as_str()), "{loinc}");
                if let Some(f) = flag(loinc, q.value, &q.unit) {
                    flags.insert((record.patient.mrn.value.clone(), loinc.to_owned(), f));
                }
            }
        }
        let any = |mrn: &str, loinc: &str, f: Flag| {
            flags.contains(&(mrn.to_owned(), loinc.to_owned(), f))
        };
        assert!(
            any("MRN-100002", "4548-4", Flag::High),
            "diabetic HbA1c high"
        );
        assert!(
            any("MRN-100002", "18262-6", Flag::High),
            "untreated LDL high"
        );
        assert!(any("MRN-100004", "33914-3", Flag::Low), "declining eGFR");
        assert!(any("MRN-100003", "2345-7", Flag::Normal), "healthy glucose");
        assert!(
            !any("MRN-100003", "4548-4", Flag::High),
            "healthy has no HbA1c"
        );
        // Blood pressure of the hypertensive patient starts high.
        let first_bp = patients[0]
            .observation_history("55284-4")
            .first()
            .and_then(|o| o.component("8480-6"))
            .map(|q| q.value)
            .unwrap_or_default();
        assert_eq!(flag("8480-6", first_bp, "mm[Hg]"), Some(Flag::High));
    }

    #[test]
    fn records_survive_a_serde_json_round_trip() {
        // Storage keeps each item as JSON; what goes in must come back equal.
        for record in demo_patients(4, 5, today()) {
            let text = serde_json::to_string(&record).unwrap_or_default();
            let back: PatientRecord =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
            assert_eq!(back, record);
        }
    }

    #[test]
    fn demo_records_export_and_import_unchanged() {
        let stamp = today().and_hms_opt(12, 0, 0).unwrap_or_default().and_utc();
        for (i, record) in demo_patients(4, 11, today()).iter().enumerate() {
            let bundle = export_bundle_at(record, stamp);
            crate::records::test_support::check_bundle_shape(&bundle);
            crate::records::test_support::write_for_validation(&format!("demo_{i}"), &bundle);
            let back = parse_bundle(&bundle).unwrap_or_else(|e| panic!("demo {i}: {e}"));
            assert_eq!(&back.record, record);
        }
    }
}
