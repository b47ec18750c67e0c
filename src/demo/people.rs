//! The demo patients' clinicians, clinic, care team and costs (#27 item 2): a Practitioner
//! (with a family-medicine PractitionerRole) for each clinician who saw the patient, the clinic
//! as an Organization with address and phone, one active CareTeam, and for each visit a Claim
//! and the insurer's ExplanationOfBenefit, so `cargo run` shows the visit's clinician and cost,
//! the billing page and the care team page.
//!
//! Deterministic without the random stream (ids are derived from the patient and the name), so
//! adding it changed nothing else of the demo records.

use sha2::{Digest, Sha256};

use crate::records::model::{
    Address, Amount, BenefitItem, CareTeam, CareTeamMember, Claim, ClaimItem, Concept,
    ExplanationOfBenefit, Identifier, Insurance, Money, Organization, PartyRef, PatientRecord,
    Practitioner, PractitionerRole,
};

const CLINIC_PHONE: &str = "508-555-0142";
const INSURER: &str = "Demo Health Plan";
const CLAIM_TYPE: &str = "http://terminology.hl7.org/CodeSystem/claim-type";
const ADJUDICATION: &str = "http://terminology.hl7.org/CodeSystem/adjudication";
const NUCC: &str = "http://nucc.org/provider-taxonomy";

/// A UUID derived from the patient and a name: the same on every run.
fn id(record: &PatientRecord, name: &str) -> String {
    let digest = Sha256::digest(format!("{}/{name}", record.patient.fhir_id).as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes)
        .into_uuid()
        .to_string()
}

fn usd(cents: i64) -> Money {
    Money {
        cents,
        currency: "USD".into(),
    }
}

fn party(kind: &str, id: &str, display: &str) -> PartyRef {
    PartyRef {
        kind: Some(kind.into()),
        id: Some(id.into()),
        display: Some(display.into()),
        identifier: None,
    }
}

pub(super) fn add_people(record: &mut PatientRecord) {
    let Some(clinic_name) = record
        .encounters
        .iter()
        .find_map(|e| e.organization.clone())
    else {
        return;
    };
    let clinic = id(record, &clinic_name);
    record.people.organizations.push(Organization {
        fhir_id: clinic.clone(),
        identifiers: vec![Identifier {
            system: Some("urn:patient-portal:demo-organization".into()),
            value: "riverside".into(),
        }],
        name: Some(clinic_name.clone()),
        kind: Some(Concept::new(
            "http://terminology.hl7.org/CodeSystem/organization-type",
            "prov",
            "Healthcare Provider",
        )),
        address: Some(Address {
            lines: vec!["200 River Road".into()],
            city: Some("Worcester".into()),
            state: Some("MA".into()),
            postal_code: Some("01608".into()),
            country: Some("US".into()),
            ..Address::default()
        }),
        phone: Some(CLINIC_PHONE.into()),
    });

    // One Practitioner (and role) per clinician who saw the patient, in order of first visit.
    let mut names: Vec<String> = Vec::new();
    for e in &record.encounters {
        if let Some(p) = &e.provider {
            if !names.contains(p) {
                names.push(p.clone());
            }
        }
    }
    for (n, name) in names.iter().enumerate() {
        let pid = id(record, name);
        let words: Vec<&str> = name.split_whitespace().collect();
        record.people.practitioners.push(Practitioner {
            fhir_id: pid.clone(),
            identifiers: vec![Identifier {
                system: Some("http://hl7.org/fhir/sid/us-npi".into()),
                value: format!("99999{:05}", 100 + n),
            }],
            name: Some(name.clone()),
            family: words.last().map(|w| w.to_string()),
            given: words
                .iter()
                .skip(1)
                .take(words.len().saturating_sub(2))
                .map(|w| w.to_string())
                .collect(),
            prefix: words.first().map(|w| w.to_string()).into_iter().collect(),
            gender: None,
            address: None,
            phone: None,
            email: None,
            qualification: None,
        });
        record.people.roles.push(PractitionerRole {
            fhir_id: id(record, &format!("{name}/role")),
            practitioner: Some(pid),
            organization: Some(clinic.clone()),
            code: Some(Concept::new(NUCC, "207Q00000X", "Family Medicine")),
            specialty: Some(Concept::new(NUCC, "207Q00000X", "Family Medicine")),
            locations: Vec::new(),
            phone: Some(CLINIC_PHONE.into()),
        });
    }

    // Each visit names them, and each prescription its visit's clinician.
    let by_name = |record: &PatientRecord, name: &str| id(record, name);
    let visits: Vec<(String, Option<String>)> = record
        .encounters
        .iter()
        .map(|e| (e.fhir_id.clone(), e.provider.clone()))
        .collect();
    for (visit, provider) in &visits {
        let practitioner = provider.as_deref().map(|p| by_name(record, p));
        if let Some(e) = record.encounters.iter_mut().find(|e| &e.fhir_id == visit) {
            e.parties.practitioner = practitioner.clone();
            e.parties.organization = Some(clinic.clone());
        }
        for m in record
            .medications
            .iter_mut()
            .filter(|m| m.encounter.as_ref() == Some(visit))
        {
            m.prescriber = provider.clone();
            m.prescriber_id = practitioner.clone();
        }
    }

    if let Some(first) = record.encounters.iter().map(|e| e.start).min() {
        let members = names
            .iter()
            .map(|name| CareTeamMember {
                role: Some(Concept::new(
                    "http://snomed.info/sct",
                    "446050000",
                    "Primary care physician",
                )),
                member: party("Practitioner", &id(record, name), name),
            })
            .collect();
        record.people.care_teams.push(CareTeam {
            fhir_id: id(record, "care-team"),
            status: Some("active".into()),
            name: Some(format!("{clinic_name} care team")),
            encounter: None,
            start: Some(first),
            end: None,
            reason: None,
            members,
            managing: vec![party("Organization", &clinic, &clinic_name)],
        });
    }

    // A claim and its explanation of benefit per visit: a check-up is billed $180, a visit for
    // a problem $125; the plan pays 80 %.
    let encounters = record.encounters.clone();
    for e in &encounters {
        let service = e
            .kind
            .clone()
            .unwrap_or_else(|| Concept::new("", "", "Office visit"));
        let cents = if service.code == "185349003" {
            18_000
        } else {
            12_500
        };
        let end = e.end.unwrap_or(e.start);
        let claim_id = id(record, &format!("claim/{}", e.fhir_id));
        let provider = party("Organization", &clinic, &clinic_name);
        let insurance = vec![Insurance {
            sequence: 1,
            focal: true,
            coverage: INSURER.into(),
        }];
        record.people.claims.push(Claim {
            fhir_id: claim_id.clone(),
            status: "active".into(),
            kind: Concept::new(CLAIM_TYPE, "professional", "Professional"),
            use_: "claim".into(),
            created: end,
            billable_start: Some(e.start),
            billable_end: Some(end),
            provider: provider.clone(),
            priority: Concept::new(
                "http://terminology.hl7.org/CodeSystem/processpriority",
                "normal",
                "Normal",
            ),
            insurance: insurance.clone(),
            items: vec![ClaimItem {
                sequence: 1,
                service: service.clone(),
                encounter: Some(e.fhir_id.clone()),
                net: Some(usd(cents)),
            }],
            total: Some(usd(cents)),
        });
        let paid = cents * 4 / 5;
        record.people.benefits.push(ExplanationOfBenefit {
            fhir_id: id(record, &format!("eob/{}", e.fhir_id)),
            status: "active".into(),
            kind: Concept::new(CLAIM_TYPE, "professional", "Professional"),
            use_: "claim".into(),
            created: end,
            billable_start: Some(e.start),
            billable_end: Some(end),
            insurer: INSURER.into(),
            provider,
            claim: Some(claim_id),
            outcome: "complete".into(),
            insurance,
            items: vec![BenefitItem {
                sequence: 1,
                service,
                encounter: Some(e.fhir_id.clone()),
                adjudication: vec![Amount {
                    category: Concept::new(ADJUDICATION, "benefit", "Benefit Amount"),
                    amount: usd(paid),
                }],
            }],
            totals: vec![Amount {
                category: Concept::new(ADJUDICATION, "submitted", "Submitted Amount"),
                amount: usd(cents),
            }],
            payment: Some(usd(paid)),
        });
    }
}
