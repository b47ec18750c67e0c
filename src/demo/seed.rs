//! Demo data for `cargo run`: with the local emulator, whenever the demo patients are missing
//! (also after an `import` into a new database), a handful of generated patients with years of
//! history, one linked to the emulator's demo patient, the rest waiting for an activation code
//! (a fresh one printed at every start), and a care team for the demo clinician.
//!
//! Never runs against a real tenant: demo records have no place next to real ones.

use super::records as demo;
use crate::b2c_emulator::DEMO_USERS;
use crate::db::{self, Pool};
use crate::records::store;

const DEMO_PATIENTS: usize = 6;
pub const DEMO_SEED: u64 = 20_261_128;

/// Seeds the demo data when the demo patients are missing (a first start, or a database that
/// so far holds only imported records), then returns what to print on every start: the demo
/// patients, and a fresh activation code for each one not yet linked, so that the README's
/// "Trying it" works on any start. Codes are stored hashed and cannot be printed again; each
/// start revokes the seed's earlier outstanding code of a patient and issues a new one.
pub async fn demo_data(pool: &Pool) -> anyhow::Result<Option<String>> {
    let seeded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM patients WHERE mrn = $1")
        .bind(demo_mrn(0))
        .fetch_one(pool)
        .await?;
    if seeded == 0 {
        seed(pool).await?;
    }
    demo_summary(pool).await.map(Some)
}

/// The MRN `demo::records` gives its `n`th generated patient.
fn demo_mrn(n: usize) -> String {
    format!("MRN-{}", 100_001 + n)
}

/// The demo patients (found by their MRNs) and how to sign in as each.
async fn demo_summary(pool: &Pool) -> anyhow::Result<String> {
    #[derive(sqlx::FromRow)]
    struct Demo {
        id: String,
        mrn: String,
        given_name: String,
        family_name: String,
        birth_date: String,
        b2c_subject: Option<String>,
    }
    let patient_user = DEMO_USERS.iter().find(|u| u.role.is_none());
    let clinician_user = DEMO_USERS.iter().find(|u| u.role == Some("Clinician"));
    let mut lines = vec!["Demo patients (generated; nobody in them is real):".to_string()];
    for n in 0..DEMO_PATIENTS {
        let mrn = demo_mrn(n);
        let found: Option<Demo> = sqlx::query_as(
            "SELECT id, mrn, given_name, family_name, birth_date, b2c_subject FROM patients WHERE mrn = $1",
        )
        .bind(&mrn)
        .fetch_optional(pool)
        .await?;
        let Some(p) = found else { continue };
        let who = format!(
            "{} {} (born {}, {})",
            p.given_name, p.family_name, p.birth_date, p.mrn
        );
        match (&p.b2c_subject, patient_user, clinician_user) {
            (Some(subject), Some(user), _) if subject == user.oid => lines.push(format!(
                "  {who}: linked to the demo patient account {}",
                user.email
            )),
            (Some(_), _, _) => lines.push(format!("  {who}: linked to an account already")),
            (None, _, Some(clinician)) => {
                sqlx::query(
                    "UPDATE activation_codes SET revoked_at = $1 \
                     WHERE patient_id = $2 AND issued_by = $3 AND used_at IS NULL AND revoked_at IS NULL",
                )
                .bind(db::now())
                .bind(&p.id)
                .bind(clinician.oid)
                .execute(pool)
                .await?;
                let issued = crate::activation::issue(pool, &p.id, clinician.oid).await?;
                lines.push(format!(
                    "  {who}: activation code {} (with that date of birth)",
                    issued.code
                ));
            }
            (None, _, None) => lines.push(format!("  {who}")),
        }
    }
    if let Some(clinician) = clinician_user {
        lines.push(format!(
            "  The demo clinician {} cares for the first four.",
            clinician.email
        ));
    }
    Ok(lines.join("\n"))
}

/// Writes the demo patients, the demo account's link, the care team and the demo conversation.
async fn seed(pool: &Pool) -> anyhow::Result<()> {
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
    for (i, record) in records.iter().enumerate() {
        let (patient_id, _) = store::save_record(pool, record).await?;
        if i == 0 {
            demo_patient_id = Some(patient_id.clone());
            if let Some(user) = patient_user {
                sqlx::query("UPDATE patients SET b2c_subject = $1 WHERE id = $2")
                    .bind(user.oid)
                    .bind(&patient_id)
                    .execute(pool)
                    .await?;
            }
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
        if let (Some(patient), Some(first)) = (patient_user, demo_patient_id.as_deref()) {
            super::messages::conversation(pool, first, patient, clinician).await?;
            crate::appointments::demo::appointments(pool, first, clinician).await?;
            crate::renewals::demo::renewal_request(pool, first).await?;
        }
    }
    Ok(())
}
