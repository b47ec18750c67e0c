//! The demo renewal request for `cargo run` (see `seed`): the demo patient asked for a renewal
//! of their first active medication, waiting in the demo clinician's queue. Writes directly,
//! without a `ChartAccess`: only the demo seed calls it.

use crate::db::{self, Pool};

/// The medication the demo request is for.
#[derive(sqlx::FromRow)]
struct DemoMedication {
    fhir_id: String,
    display: String,
}

pub async fn renewal_request(pool: &Pool, patient_id: &str) -> Result<(), sqlx::Error> {
    let Some(m): Option<DemoMedication> = sqlx::query_as(
        "SELECT fhir_id, display FROM medications WHERE patient_id = $1 AND status = 'active' ORDER BY authored_on DESC, fhir_id LIMIT 1",
    )
    .bind(patient_id)
    .fetch_optional(pool)
    .await?
    else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO renewal_requests (id, patient_id, medication_fhir_id, medication_name, note, pharmacy, state, requested_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'requested', $7)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(patient_id)
    .bind(&m.fhir_id)
    .bind(&m.display)
    .bind("I have one week of tablets left.")
    .bind("Riverside Pharmacy, 12 Bridge Street")
    .bind(db::now() - 2 * 3_600)
    .execute(pool)
    .await?;
    Ok(())
}
