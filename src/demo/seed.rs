//! Demo data for `cargo run`: on an empty database with the local emulator, a handful of
//! generated patients with years of history, one linked to the emulator's demo patient, the
//! rest waiting for an activation code, and a care team for the demo clinician.
//!
//! Never runs against a real tenant: demo records have no place next to real ones.

use super::records as demo;
use crate::b2c_emulator::DEMO_USERS;
use crate::db::{self, Pool};
use crate::records::store;

const DEMO_PATIENTS: usize = 6;
pub const DEMO_SEED: u64 = 20_261_128;

/// Seeds the demo data if there are no patients yet. Returns what to print, or None.
pub async fn demo_data(pool: &Pool) -> anyhow::Result<Option<String>> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM patients")
        .fetch_one(pool)
        .await?;
    if existing > 0 {
        return Ok(None);
    }
    let today = chrono::Utc::now().date_naive();
    let mut records = demo::demo_patients(DEMO_PATIENTS, DEMO_SEED, today);
    let patient_user = DEMO_USERS.iter().find(|u| u.role.is_none());
    // The record linked to the demo account carries the account's name: one person, whether a
    // page names them from the sign-in (the header, the account) or from the record.
    if let (Some(user), Some(first)) = (patient_user, records.first_mut()) {
        first.patient.given = user.given_name.to_owned();
        first.patient.family = user.surname.to_owned();
    }
    let clinician_user = DEMO_USERS.iter().find(|u| u.role == Some("Clinician"));
    let mut demo_patient_id: Option<String> = None;
    let mut lines = vec!["Demo patients (generated; nobody in them is real):".to_string()];
    for (i, record) in records.iter().enumerate() {
        let (patient_id, _) = store::save_record(pool, record).await?;
        if i == 0 {
            demo_patient_id = Some(patient_id.clone());
        }
        let p = &record.patient;
        let who = format!(
            "{} (born {}, {})",
            p.display_name(),
            p.birth_date,
            p.mrn.value
        );
        if i == 0 {
            if let Some(user) = patient_user {
                sqlx::query("UPDATE patients SET b2c_subject = $1 WHERE id = $2")
                    .bind(user.oid)
                    .bind(&patient_id)
                    .execute(pool)
                    .await?;
                lines.push(format!(
                    "  {who}: linked to the demo patient account {}",
                    user.email
                ));
            }
        } else if let Some(clinician) = clinician_user {
            let issued = crate::activation::issue(pool, &patient_id, clinician.oid).await?;
            lines.push(format!(
                "  {who}: activation code {} (with that date of birth)",
                issued.code
            ));
        }
        // The demo clinician cares for the first four; the rest need break-the-glass.
        if i < 4 {
            if let Some(clinician) = clinician_user {
                sqlx::query("INSERT INTO care_team (clinician_subject, patient_id, added_at) VALUES ($1, $2, $3)")
                    .bind(clinician.oid)
                    .bind(&patient_id)
                    .bind(db::now())
                    .execute(pool)
                    .await?;
            }
        }
    }
    if let Some(clinician) = clinician_user {
        sqlx::query(
            "INSERT INTO clinicians (subject, display_name, email, email_lower, first_seen) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (subject) DO NOTHING",
        )
        .bind(clinician.oid)
        .bind(format!("{} {}", clinician.given_name, clinician.surname))
        .bind(clinician.email)
        .bind(clinician.email.to_lowercase())
        .bind(db::now())
        .execute(pool)
        .await?;
        lines.push(format!(
            "  The demo clinician {} cares for the first four.",
            clinician.email
        ));
        if let (Some(patient), Some(first)) = (patient_user, demo_patient_id.as_deref()) {
            super::messages::conversation(pool, first, patient, clinician).await?;
            crate::appointments::demo::appointments(pool, first, clinician).await?;
            crate::renewals::demo::renewal_request(pool, first).await?;
        }
    }
    Ok(Some(lines.join("\n")))
}
