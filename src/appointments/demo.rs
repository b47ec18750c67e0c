//! The demo appointments for `cargo run` (see `seed`): a booked appointment next week and a
//! past one for the demo patient, and one request waiting in the demo clinician's queue.
//! Writes directly, without a `ChartAccess`, because no one is reading: only the demo seed
//! calls it.

use super::status::State;
use crate::b2c_emulator::DemoUser;
use crate::db::{self, Pool};

pub async fn appointments(
    pool: &Pool,
    patient_id: &str,
    clinician: &DemoUser,
) -> Result<(), sqlx::Error> {
    let now = db::now();
    // On the hour, so the times read like a clinic's.
    let hour = now - now.rem_euclid(3600);
    let name = format!("{} {}", clinician.given_name, clinician.surname);
    let rows = [
        (
            State::Booked,
            "Follow-up of my blood pressure",
            Some(hour + 7 * 86_400),
            "Main Street Clinic, room 4",
            now - 3 * 86_400,
        ),
        (
            State::Completed,
            "Annual check-up",
            Some(hour - 30 * 86_400),
            "Main Street Clinic, room 2",
            now - 40 * 86_400,
        ),
        (
            State::Requested,
            "A cough that has lasted three weeks",
            None,
            "",
            now - 3_600,
        ),
    ];
    let mut tx = pool.begin().await?;
    for (state, reason, start, place, requested) in rows {
        let booked = start.is_some();
        sqlx::query(
            "INSERT INTO appointments (id, patient_id, state, source, reason, preferred_days, preferred_time, mode, \
             clinician_subject, clinician_name, start_at, end_at, place, requested_at, updated_at) \
             VALUES ($1, $2, $3, 'portal', $4, 'Any weekday', 'morning', 'in_person', $5, $6, $7, $8, $9, $10, $10)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(patient_id)
        .bind(state.as_str())
        .bind(reason)
        .bind(booked.then_some(clinician.oid))
        .bind(booked.then_some(name.as_str()))
        .bind(start)
        .bind(start.map(|s| s + 20 * 60))
        .bind(booked.then_some(place))
        .bind(requested)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}
