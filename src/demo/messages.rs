//! The demo conversation for `cargo run` (see `seed`): the demo patient asked about a result,
//! the demo clinician answered, and the answer is still unread. Writes directly, without a
//! `ChartAccess`, because no one is reading: it is only ever called by the demo seed.

use crate::b2c_emulator::DemoUser;
use crate::db::{self, Pool};

pub async fn conversation(
    pool: &Pool,
    patient_id: &str,
    patient: &DemoUser,
    clinician: &DemoUser,
) -> Result<(), sqlx::Error> {
    let now = db::now();
    let thread = uuid::Uuid::new_v4().to_string();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO message_threads (id, patient_id, subject, category, status, assigned_to, created_at, updated_at, patient_unread, staff_unread) \
         VALUES ($1, $2, $3, 'result', 'open', $4, $5, $6, 1, 0)",
    )
    .bind(&thread)
    .bind(patient_id)
    .bind("Question about my latest blood test")
    .bind(clinician.oid)
    .bind(now - 2 * 86_400)
    .bind(now - 3_600)
    .execute(&mut *tx)
    .await?;
    let lines = [
        (
            patient,
            "patient",
            "Hello,\nmy latest cholesterol result is flagged as high. Should I change anything before my next visit?",
            now - 2 * 86_400,
        ),
        (
            clinician,
            "clinician",
            "Thank you for asking. The value is only a little above the range. Let us look at it together at your next visit; until then, no change is needed.",
            now - 3_600,
        ),
    ];
    for (seq, (who, role, body, at)) in (1i64..).zip(lines) {
        sqlx::query(
            "INSERT INTO messages (id, thread_id, seq, author_subject, author_role, author_name, body, sent_at) \
             VALUES ($1, $2, $8, $3, $4, $5, $6, $7)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&thread)
        .bind(who.oid)
        .bind(role)
        .bind(format!("{} {}", who.given_name, who.surname))
        .bind(body)
        .bind(at)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}
