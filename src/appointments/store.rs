//! Appointments in the database. Whatever reads or changes one patient's appointments takes
//! the `ChartAccess` the access check made (so the audit entry is committed first) and only
//! touches that patient's rows. Changes run in one transaction: the conditional UPDATE on the
//! state the row was read in, the overlap check for the clinician, the patient's mail and the
//! reminder, committed together or not at all.

use super::status::{Event, State};
use crate::access::ChartAccess;
use crate::auth::SignedInUser;
use crate::db::{self, Pool};
use crate::notifications::{self, Kind};

/// Where the patient's mail links to.
pub const PATIENT_LINK: &str = "/appointments";

/// The reminder goes out this long before the start.
pub const REMINDER_BEFORE_SECS: i64 = 24 * 3600;

#[derive(Debug, Clone)]
pub struct Appointment {
    pub id: String,
    pub patient_id: String,
    pub state: State,
    pub source: String,
    pub fhir_id: Option<String>,
    pub reason: String,
    pub preferred_days: String,
    pub preferred_time: String,
    pub mode: String,
    pub clinician_subject: Option<String>,
    pub clinician_name: Option<String>,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub place: Option<String>,
    pub decline_reason: Option<String>,
    pub requested_at: i64,
    pub updated_at: i64,
    /// A proxy who asked for the patient (#29): their name, for the care team.
    pub requested_by: Option<String>,
}

const COLUMNS: &str = "id, patient_id, state, source, fhir_id, reason, preferred_days, preferred_time, mode, \
     clinician_subject, clinician_name, start_at, end_at, place, decline_reason, requested_at, updated_at, \
     requested_by";

/// An `appointments` row (`COLUMNS`), the state as stored.
#[derive(sqlx::FromRow)]
struct AppointmentRow {
    id: String,
    patient_id: String,
    state: String,
    source: String,
    fhir_id: Option<String>,
    reason: String,
    preferred_days: String,
    preferred_time: String,
    mode: String,
    clinician_subject: Option<String>,
    clinician_name: Option<String>,
    start_at: Option<i64>,
    end_at: Option<i64>,
    place: Option<String>,
    decline_reason: Option<String>,
    requested_at: i64,
    updated_at: i64,
    requested_by: Option<String>,
}

impl TryFrom<AppointmentRow> for Appointment {
    type Error = sqlx::Error;

    fn try_from(r: AppointmentRow) -> Result<Appointment, sqlx::Error> {
        let state = State::parse(&r.state).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown appointment state {:?}", r.state).into())
        })?;
        Ok(Appointment {
            id: r.id,
            patient_id: r.patient_id,
            state,
            source: r.source,
            fhir_id: r.fhir_id,
            reason: r.reason,
            preferred_days: r.preferred_days,
            preferred_time: r.preferred_time,
            mode: r.mode,
            clinician_subject: r.clinician_subject,
            clinician_name: r.clinician_name,
            start_at: r.start_at,
            end_at: r.end_at,
            place: r.place,
            decline_reason: r.decline_reason,
            requested_at: r.requested_at,
            updated_at: r.updated_at,
            requested_by: r.requested_by,
        })
    }
}

/// The appointment's patient, by its id alone (ids only: read before the access check, which
/// needs to know whose chart it is).
pub async fn patient_of(pool: &Pool, id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT patient_id FROM appointments WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// All of the patient's appointments and requests.
pub async fn all(pool: &Pool, chart: &ChartAccess) -> Result<Vec<Appointment>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM appointments WHERE patient_id = $1 ORDER BY start_at, requested_at, id"
    );
    let rows: Vec<AppointmentRow> = sqlx::query_as(&sql)
        .bind(chart.patient_id())
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(Appointment::try_from).collect()
}

/// One of the patient's appointments.
pub async fn one(
    pool: &Pool,
    chart: &ChartAccess,
    id: &str,
) -> Result<Option<Appointment>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM appointments WHERE id = $1 AND patient_id = $2");
    let row: Option<AppointmentRow> = sqlx::query_as(&sql)
        .bind(id)
        .bind(chart.patient_id())
        .fetch_optional(pool)
        .await?;
    row.map(Appointment::try_from).transpose()
}

/// What a patient asks for.
pub struct NewRequest {
    pub reason: String,
    pub preferred_days: String,
    pub preferred_time: String,
    pub mode: String,
    /// A proxy asking for the patient: their name as the care team reads it; `None`: the
    /// patient themselves.
    pub requested_by: Option<String>,
}

pub async fn request(
    pool: &Pool,
    chart: &ChartAccess,
    new: &NewRequest,
) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = db::now();
    sqlx::query(
        "INSERT INTO appointments (id, patient_id, state, source, reason, preferred_days, preferred_time, mode, requested_at, updated_at, requested_by) \
         VALUES ($1, $2, $3, 'portal', $4, $5, $6, $7, $8, $8, $9)",
    )
    .bind(&id)
    .bind(chart.patient_id())
    .bind(State::Requested.as_str())
    .bind(&new.reason)
    .bind(&new.preferred_days)
    .bind(&new.preferred_time)
    .bind(&new.mode)
    .bind(now)
    .bind(&new.requested_by)
    .execute(pool)
    .await?;
    Ok(id)
}

/// A time for one clinician: start and end (unix seconds) and where.
#[derive(Debug, Clone)]
pub struct Slot {
    pub start: i64,
    pub end: i64,
    pub place: String,
}

pub enum Change<'a> {
    Book {
        slot: Slot,
        by: &'a SignedInUser,
    },
    Propose {
        slot: Slot,
        by: &'a SignedInUser,
    },
    Accept,
    Decline {
        reason: String,
        by: &'a SignedInUser,
    },
    /// `notice`: for the patient, the least time before the start a booking may be cancelled.
    Cancel {
        notice: Option<i64>,
    },
    Complete,
    NoShow,
}

impl Change<'_> {
    fn event(&self) -> Event {
        match self {
            Change::Book { .. } => Event::Book,
            Change::Propose { .. } => Event::Propose,
            Change::Accept => Event::Accept,
            Change::Decline { .. } => Event::Decline,
            Change::Cancel { .. } => Event::Cancel,
            Change::Complete => Event::Complete,
            Change::NoShow => Event::NoShow,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("no such appointment")]
    NotFound,
    /// Someone else changed it first (or this move is not possible from where it is).
    #[error("already decided")]
    AlreadyDecided,
    /// The clinician has another appointment at that time.
    #[error("double booking")]
    DoubleBooked,
    /// Too close to the start for the patient to cancel online.
    #[error("inside the notice")]
    InsideNotice,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Makes one change, once. Returns the new state.
pub async fn change(
    pool: &Pool,
    chart: &ChartAccess,
    id: &str,
    change: Change<'_>,
) -> Result<State, Refused> {
    let current = one(pool, chart, id).await?.ok_or(Refused::NotFound)?;
    let from = current.state;
    let to = from.next(change.event()).ok_or(Refused::AlreadyDecided)?;
    let now = db::now();
    if let Change::Cancel {
        notice: Some(notice),
    } = &change
    {
        if from == State::Booked && current.start_at.is_some_and(|s| s - now < *notice) {
            return Err(Refused::InsideNotice);
        }
    }
    // The clinician and time the row will hold once booked.
    let booking: Option<(String, Slot)> = match &change {
        Change::Book { slot, by } => Some((by.subject.clone(), slot.clone())),
        Change::Accept => match (&current.clinician_subject, current.start_at, current.end_at) {
            (Some(who), Some(start), Some(end)) => Some((
                who.clone(),
                Slot {
                    start,
                    end,
                    place: current.place.clone().unwrap_or_default(),
                },
            )),
            _ => return Err(Refused::AlreadyDecided),
        },
        _ => None,
    };
    let mut tx = pool.begin().await?;
    if let Some((clinician, slot)) = &booking {
        // Written first: bookings of one clinician take turns (see booking_locks).
        sqlx::query(
            "INSERT INTO booking_locks (clinician_subject, bookings) VALUES ($1, 1) \
             ON CONFLICT (clinician_subject) DO UPDATE SET bookings = booking_locks.bookings + 1",
        )
        .bind(clinician)
        .execute(&mut *tx)
        .await?;
        let clash: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM appointments WHERE clinician_subject = $1 AND state = $2 \
             AND start_at < $3 AND end_at > $4 AND id <> $5",
        )
        .bind(clinician)
        .bind(State::Booked.as_str())
        .bind(slot.end)
        .bind(slot.start)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if clash > 0 {
            tx.rollback().await?;
            return Err(Refused::DoubleBooked);
        }
    }
    let updated = match &change {
        Change::Book { slot, by } | Change::Propose { slot, by } => {
            sqlx::query(
                "UPDATE appointments SET state = $1, clinician_subject = $2, clinician_name = $3, \
                 start_at = $4, end_at = $5, place = $6, updated_at = $7 \
                 WHERE id = $8 AND patient_id = $9 AND state = $10",
            )
            .bind(to.as_str())
            .bind(&by.subject)
            .bind(&by.display_name)
            .bind(slot.start)
            .bind(slot.end)
            .bind(&slot.place)
            .bind(now)
            .bind(id)
            .bind(chart.patient_id())
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?
        }
        Change::Decline { reason, by } => {
            sqlx::query(
                "UPDATE appointments SET state = $1, decline_reason = $2, clinician_subject = $3, \
                 clinician_name = $4, updated_at = $5 WHERE id = $6 AND patient_id = $7 AND state = $8",
            )
            .bind(to.as_str())
            .bind(reason)
            .bind(&by.subject)
            .bind(&by.display_name)
            .bind(now)
            .bind(id)
            .bind(chart.patient_id())
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?
        }
        Change::Accept | Change::Cancel { .. } | Change::Complete | Change::NoShow => {
            sqlx::query(
                "UPDATE appointments SET state = $1, updated_at = $2 \
                 WHERE id = $3 AND patient_id = $4 AND state = $5",
            )
            .bind(to.as_str())
            .bind(now)
            .bind(id)
            .bind(chart.patient_id())
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?
        }
    };
    if updated.rows_affected() != 1 {
        // Decided by someone else between our read and this write.
        tx.rollback().await?;
        return Err(Refused::AlreadyDecided);
    }
    let address = patient_address(&mut tx, chart.patient_id()).await?;
    let patient_acts = matches!(change, Change::Accept | Change::Cancel { notice: Some(_) });
    if let Some(email) = &address {
        if !patient_acts
            && matches!(
                to,
                State::Booked | State::Proposed | State::Declined | State::Cancelled
            )
        {
            notifications::enqueue(&mut tx, Kind::AppointmentUpdate, email, PATIENT_LINK).await?;
        }
    }
    match to {
        State::Booked => {
            if let (Some(email), Some((_, slot))) = (&address, &booking) {
                let at = slot.start - REMINDER_BEFORE_SECS;
                if at > now {
                    let reminder = notifications::enqueue_at(
                        &mut tx,
                        Kind::AppointmentReminder,
                        email,
                        PATIENT_LINK,
                        at,
                    )
                    .await?;
                    sqlx::query("UPDATE appointments SET reminder_id = $1 WHERE id = $2")
                        .bind(reminder)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        State::Cancelled => {
            let reminder: Option<String> =
                sqlx::query_scalar("SELECT reminder_id FROM appointments WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            if let Some(reminder) = reminder {
                notifications::withdraw(&mut tx, &reminder).await?;
            }
        }
        _ => {}
    }
    tx.commit().await?;
    Ok(to)
}

async fn patient_address(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    patient_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let subject: Option<String> =
        sqlx::query_scalar("SELECT b2c_subject FROM patients WHERE id = $1")
            .bind(patient_id)
            .fetch_one(&mut **tx)
            .await?;
    match subject {
        Some(subject) => notifications::patient_address(tx, &subject).await,
        None => Ok(None),
    }
}

/// A row of a staff list: who and when, never why (the reason is read by opening the
/// request, which is audited).
#[derive(Debug, Clone)]
pub struct StaffRow {
    pub id: String,
    pub patient_name: String,
    pub state: State,
    pub mode: String,
    pub clinician_name: Option<String>,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub place: Option<String>,
    pub requested_at: i64,
}

/// A staff list row (`STAFF_COLUMNS`): the appointment and the patient's name.
#[derive(sqlx::FromRow)]
struct StaffListRow {
    id: String,
    mode: String,
    state: String,
    clinician_name: Option<String>,
    start_at: Option<i64>,
    end_at: Option<i64>,
    place: Option<String>,
    requested_at: i64,
    given_name: String,
    family_name: String,
}

impl From<StaffListRow> for StaffRow {
    fn from(r: StaffListRow) -> StaffRow {
        StaffRow {
            patient_name: format!("{} {}", r.given_name, r.family_name),
            state: State::parse(&r.state).unwrap_or(State::Requested),
            id: r.id,
            mode: r.mode,
            clinician_name: r.clinician_name,
            start_at: r.start_at,
            end_at: r.end_at,
            place: r.place,
            requested_at: r.requested_at,
        }
    }
}

const STAFF_COLUMNS: &str = "a.id, a.mode, a.state, a.clinician_name, a.start_at, a.end_at, a.place, a.requested_at, p.given_name, p.family_name";

/// Open requests (requested, proposed) of the clinician's care-team patients, oldest first.
pub async fn queue(pool: &Pool, clinician_subject: &str) -> Result<Vec<StaffRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {STAFF_COLUMNS} FROM appointments a JOIN patients p ON p.id = a.patient_id \
         WHERE a.state IN ('requested', 'proposed') \
         AND a.patient_id IN (SELECT patient_id FROM care_team WHERE clinician_subject = $1) \
         ORDER BY a.requested_at, a.id LIMIT 500"
    );
    let rows: Vec<StaffListRow> = sqlx::query_as(&sql)
        .bind(clinician_subject)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(StaffRow::from).collect())
}

/// The clinician's booked appointments starting in [from, to).
pub async fn day(
    pool: &Pool,
    clinician_subject: &str,
    from: i64,
    to: i64,
) -> Result<Vec<StaffRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {STAFF_COLUMNS} FROM appointments a JOIN patients p ON p.id = a.patient_id \
         WHERE a.clinician_subject = $1 AND a.state IN ('booked', 'completed', 'no_show') \
         AND a.start_at >= $2 AND a.start_at < $3 ORDER BY a.start_at, a.id"
    );
    let rows: Vec<StaffListRow> = sqlx::query_as(&sql)
        .bind(clinician_subject)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(StaffRow::from).collect())
}
