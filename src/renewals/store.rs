//! Renewal requests in the database. Every function that reads or changes a patient's requests
//! takes the `ChartAccess` the access check made and only touches that patient's rows. A
//! decision is one conditional UPDATE (`WHERE state = 'requested'`) in a transaction with the
//! patient's mail: of two clinicians deciding at once, one changes the row, the other changes
//! nothing and is told it was already decided.

use super::state::{Decision, RenewalState};
use crate::access::ChartAccess;
use crate::auth::SignedInUser;
use crate::db::{self, Pool};
use crate::notifications::{self, Kind};

pub const PATIENT_LINK: &str = "/records/medications";

#[derive(Debug, Clone)]
pub struct Renewal {
    pub id: String,
    pub patient_id: String,
    pub medication_fhir_id: String,
    pub medication_name: String,
    pub note: String,
    pub pharmacy: String,
    pub state: RenewalState,
    pub requested_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by_name: Option<String>,
    pub decline_reason: Option<String>,
    pub quantity: Option<i64>,
    pub refills: Option<i64>,
    pub new_prescription_id: Option<String>,
    /// A proxy who asked for the patient (#29): their name, for the care team.
    pub requested_by: Option<String>,
}

const COLUMNS: &str =
    "id, patient_id, medication_fhir_id, medication_name, note, pharmacy, state, requested_at, \
     decided_at, decided_by_name, decline_reason, quantity, refills, new_prescription_id, requested_by";

/// A `renewal_requests` row (`COLUMNS`), the state as stored.
#[derive(sqlx::FromRow)]
struct RenewalRow {
    id: String,
    patient_id: String,
    medication_fhir_id: String,
    medication_name: String,
    note: String,
    pharmacy: String,
    state: String,
    requested_at: i64,
    decided_at: Option<i64>,
    decided_by_name: Option<String>,
    decline_reason: Option<String>,
    quantity: Option<i64>,
    refills: Option<i64>,
    new_prescription_id: Option<String>,
    requested_by: Option<String>,
}

impl TryFrom<RenewalRow> for Renewal {
    type Error = sqlx::Error;

    fn try_from(r: RenewalRow) -> Result<Renewal, sqlx::Error> {
        let state = RenewalState::parse(&r.state).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown renewal state {:?}", r.state).into())
        })?;
        Ok(Renewal {
            id: r.id,
            patient_id: r.patient_id,
            medication_fhir_id: r.medication_fhir_id,
            medication_name: r.medication_name,
            note: r.note,
            pharmacy: r.pharmacy,
            state,
            requested_at: r.requested_at,
            decided_at: r.decided_at,
            decided_by_name: r.decided_by_name,
            decline_reason: r.decline_reason,
            quantity: r.quantity,
            refills: r.refills,
            new_prescription_id: r.new_prescription_id,
            requested_by: r.requested_by,
        })
    }
}

/// The request's patient, by its id alone (read before the access check).
pub async fn patient_of(pool: &Pool, id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT patient_id FROM renewal_requests WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The patient's requests, newest first.
pub async fn all(pool: &Pool, chart: &ChartAccess) -> Result<Vec<Renewal>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM renewal_requests WHERE patient_id = $1 ORDER BY requested_at DESC, id"
    );
    let rows: Vec<RenewalRow> = sqlx::query_as(&sql)
        .bind(chart.patient_id())
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(Renewal::try_from).collect()
}

pub async fn one(
    pool: &Pool,
    chart: &ChartAccess,
    id: &str,
) -> Result<Option<Renewal>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM renewal_requests WHERE id = $1 AND patient_id = $2");
    let row: Option<RenewalRow> = sqlx::query_as(&sql)
        .bind(id)
        .bind(chart.patient_id())
        .fetch_optional(pool)
        .await?;
    row.map(Renewal::try_from).transpose()
}

/// Whether the record says the patient has died (`patients.deceased`, set by the import from
/// FHIR `Patient.deceased[x]`). Nothing is renewed for such a patient, whichever way a request
/// arrived (the patient's form, the demo seed, a request made before an import recorded the
/// death): `request` and an approval in `decide` check it in the statement that writes, and the
/// queue leaves such requests out.
pub async fn patient_deceased(pool: &Pool, chart: &ChartAccess) -> Result<bool, sqlx::Error> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM patients WHERE id = $1 AND deceased IS NOT NULL")
            .bind(chart.patient_id())
            .fetch_one(pool)
            .await?;
    Ok(n > 0)
}

#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("no such request")]
    NotFound,
    #[error("the record says the patient has died")]
    Deceased,
    #[error("already decided")]
    AlreadyDecided,
    #[error("already requested")]
    AlreadyRequested,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A new request for one of the patient's active medications (the caller has checked it is).
/// A second request while one is waiting is refused, and so is any request for a patient whose
/// record says they have died.
pub async fn request(
    pool: &Pool,
    chart: &ChartAccess,
    medication_fhir_id: &str,
    medication_name: &str,
    note: &str,
    pharmacy: &str,
    requested_by: Option<&str>,
) -> Result<String, Refused> {
    let id = uuid::Uuid::new_v4().to_string();
    // Insert unless one is already waiting; the partial unique index settles a race.
    let inserted = sqlx::query(
        "INSERT INTO renewal_requests (id, patient_id, medication_fhir_id, medication_name, note, pharmacy, state, requested_at, requested_by) \
         SELECT $1, $2, $3, $4, $5, $6, 'requested', $7, $8 WHERE NOT EXISTS \
         (SELECT 1 FROM renewal_requests WHERE patient_id = $2 AND medication_fhir_id = $3 AND state = 'requested') \
         AND NOT EXISTS (SELECT 1 FROM patients WHERE id = $2 AND deceased IS NOT NULL) \
         ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(chart.patient_id())
    .bind(medication_fhir_id)
    .bind(medication_name)
    .bind(note)
    .bind(pharmacy)
    .bind(db::now())
    .bind(requested_by)
    .execute(pool)
    .await?;
    if inserted.rows_affected() != 1 {
        if patient_deceased(pool, chart).await? {
            return Err(Refused::Deceased);
        }
        return Err(Refused::AlreadyRequested);
    }
    Ok(id)
}

pub struct Outcome<'a> {
    pub decision: Decision,
    pub by: &'a SignedInUser,
    pub quantity: Option<i64>,
    pub refills: Option<i64>,
    pub reason: Option<String>,
}

/// Decides a request once. An approval is refused when the record says the patient has died
/// (checked in the UPDATE itself); declining such a request still closes it.
pub async fn decide(
    pool: &Pool,
    chart: &ChartAccess,
    id: &str,
    outcome: Outcome<'_>,
) -> Result<RenewalState, Refused> {
    let current = one(pool, chart, id).await?.ok_or(Refused::NotFound)?;
    let to = current
        .state
        .decide(outcome.decision)
        .ok_or(Refused::AlreadyDecided)?;
    let approving = to == RenewalState::Approved;
    let new_prescription = approving.then(|| uuid::Uuid::new_v4().to_string());
    let living = if approving {
        " AND NOT EXISTS (SELECT 1 FROM patients WHERE id = $10 AND deceased IS NOT NULL)"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE renewal_requests SET state = $1, decided_at = $2, decided_by = $3, decided_by_name = $4, \
         decline_reason = $5, quantity = $6, refills = $7, new_prescription_id = $8 \
         WHERE id = $9 AND patient_id = $10 AND state = $11{living}"
    );
    let mut tx = pool.begin().await?;
    let updated = sqlx::query(&sql)
        .bind(to.as_str())
        .bind(db::now())
        .bind(&outcome.by.subject)
        .bind(&outcome.by.display_name)
        .bind(&outcome.reason)
        .bind(outcome.quantity)
        .bind(outcome.refills)
        .bind(&new_prescription)
        .bind(id)
        .bind(chart.patient_id())
        .bind(RenewalState::Requested.as_str())
        .execute(&mut *tx)
        .await?;
    if updated.rows_affected() != 1 {
        tx.rollback().await?;
        if approving && patient_deceased(pool, chart).await? {
            return Err(Refused::Deceased);
        }
        return Err(Refused::AlreadyDecided);
    }
    let subject: Option<String> =
        sqlx::query_scalar("SELECT b2c_subject FROM patients WHERE id = $1")
            .bind(chart.patient_id())
            .fetch_one(&mut *tx)
            .await?;
    if let Some(subject) = subject {
        if let Some(email) = notifications::patient_address(&mut tx, &subject).await? {
            notifications::enqueue(&mut tx, Kind::RenewalUpdate, &email, PATIENT_LINK).await?;
        }
    }
    tx.commit().await?;
    Ok(to)
}

/// A row of the staff queue: who and when, not which medication (read by opening it).
pub struct QueueRow {
    pub id: String,
    pub patient_name: String,
    /// The medication asked for, as the patient's record named it when they asked.
    pub medication: String,
    pub requested_at: i64,
}

/// A queue row as read: the request and the patient's name.
#[derive(sqlx::FromRow)]
struct QueueListRow {
    id: String,
    given_name: String,
    family_name: String,
    medication_name: String,
    requested_at: i64,
}

/// Waiting requests of the clinician's care-team patients, oldest first; none of a patient whose
/// record says they have died (see `patient_deceased`).
pub async fn queue(pool: &Pool, clinician_subject: &str) -> Result<Vec<QueueRow>, sqlx::Error> {
    let rows: Vec<QueueListRow> = sqlx::query_as(
        "SELECT r.id, p.given_name, p.family_name, r.medication_name, r.requested_at FROM renewal_requests r \
         JOIN patients p ON p.id = r.patient_id WHERE r.state = 'requested' AND p.deceased IS NULL \
         AND r.patient_id IN (SELECT patient_id FROM care_team WHERE clinician_subject = $1) \
         ORDER BY r.requested_at, r.id LIMIT 500",
    )
    .bind(clinician_subject)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| QueueRow {
            id: r.id,
            patient_name: format!("{} {}", r.given_name, r.family_name),
            medication: r.medication_name,
            requested_at: r.requested_at,
        })
        .collect())
}
