//! Activation codes: how a new B2C account is linked to the patient's record.
//!
//! Staff issue a code for a patient (shown once); the patient types it with their date of
//! birth. Codes are random, stored only as hashes, single use, expire after 14 days, and lock
//! after 5 wrong tries. Wrong attempts per account are limited too, so guessing is slow, and the
//! answer never says which of code and date of birth was wrong.
//!
//! Staff issue and revoke under an `access::ActingGrant` (`issue_under`, `revoke_under`), so
//! the right to act for the patient is proved by the argument; `issue`/`revoke` by bare id
//! are for the operator's command line and the demo seed.
//!
//! `linking` is the patient's side: the `/activate` page that redeems a code.

pub mod linking;

use rand::Rng;

use crate::access::ActingGrant;
use crate::auth::hash;
use crate::db::{self, Pool};

pub const LIFETIME_SECS: i64 = 14 * 24 * 3600;
pub const MAX_TRIES: i64 = 5;
/// Wrong attempts one account may make in ATTEMPT_WINDOW_SECS.
pub const MAX_ACCOUNT_ATTEMPTS: i64 = 10;
pub const ATTEMPT_WINDOW_SECS: i64 = 3600;

const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A code as printed: XXXX-XXXX-XXXX, 60 bits of randomness, no look-alike characters.
pub fn new_code() -> String {
    let mut rng = rand::rngs::OsRng;
    let chars: Vec<char> = (0..12)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!(
        "{}-{}-{}",
        chars[0..4].iter().collect::<String>(),
        chars[4..8].iter().collect::<String>(),
        chars[8..12].iter().collect::<String>()
    )
}

/// What people type: any case, with or without dashes and spaces.
pub fn normalize(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn code_hash(code: &str) -> String {
    hash(&normalize(code))
}

pub struct Issued {
    pub id: String,
    pub code: String,
    pub expires_at: i64,
}

pub async fn issue(pool: &Pool, patient_id: &str, issued_by: &str) -> Result<Issued, sqlx::Error> {
    let code = new_code();
    let id = uuid::Uuid::new_v4().to_string();
    let now = db::now();
    let expires_at = now + LIFETIME_SECS;
    sqlx::query(
        "INSERT INTO activation_codes (id, patient_id, code_hash, issued_by, issued_at, expires_at, failed_attempts) \
         VALUES ($1, $2, $3, $4, $5, $6, 0)",
    )
    .bind(&id)
    .bind(patient_id)
    .bind(code_hash(&code))
    .bind(issued_by)
    .bind(now)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(Issued {
        id,
        code,
        expires_at,
    })
}

/// Issues a code for the grant's patient, by the grant's clinician (`staff` pages).
pub async fn issue_under(pool: &Pool, grant: &ActingGrant) -> Result<Issued, sqlx::Error> {
    issue(pool, grant.patient_id(), &grant.clinician().subject).await
}

/// Revokes an outstanding code of the grant's patient (`staff` pages).
pub async fn revoke_under(
    pool: &Pool,
    grant: &ActingGrant,
    code_id: &str,
) -> Result<bool, sqlx::Error> {
    revoke(pool, grant.patient_id(), code_id).await
}

/// Revokes a patient's outstanding code. Returns whether one was revoked.
pub async fn revoke(pool: &Pool, patient_id: &str, code_id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE activation_codes SET revoked_at = $1 WHERE id = $2 AND patient_id = $3 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(db::now())
    .bind(code_id)
    .bind(patient_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An outstanding (usable) code: its id and when it was issued and expires (unix seconds).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Outstanding {
    pub id: String,
    pub issued_at: i64,
    pub expires_at: i64,
}

/// Outstanding (usable) codes of a patient, newest first.
pub async fn outstanding(pool: &Pool, patient_id: &str) -> Result<Vec<Outstanding>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, issued_at, expires_at FROM activation_codes WHERE patient_id = $1 AND used_at IS NULL \
         AND revoked_at IS NULL AND expires_at > $2 AND failed_attempts < $3 ORDER BY issued_at DESC",
    )
    .bind(patient_id)
    .bind(db::now())
    .bind(MAX_TRIES)
    .fetch_all(pool)
    .await
}

#[derive(Debug, PartialEq, Eq)]
pub enum Redeemed {
    /// Linked: the patient's id.
    Linked(String),
    /// Code or date of birth wrong, or the code unusable: one answer for all.
    Refused,
    /// Too many wrong attempts from this account recently.
    Throttled,
    /// The account already has a record, or the record already has an account.
    AlreadyLinked,
}

/// A usable code with what redeeming it checks: the patient's date of birth and whether the
/// record is already linked.
#[derive(sqlx::FromRow)]
struct Usable {
    id: String,
    patient_id: String,
    birth_date: String,
    b2c_subject: Option<String>,
}

/// Links `subject` to the record the code was issued for, if the date of birth matches.
pub async fn redeem(
    pool: &Pool,
    subject: &str,
    code: &str,
    birth_date: &str,
) -> Result<Redeemed, sqlx::Error> {
    let now = db::now();
    let recent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM activation_attempts WHERE subject = $1 AND at > $2",
    )
    .bind(subject)
    .bind(now - ATTEMPT_WINDOW_SECS)
    .fetch_one(pool)
    .await?;
    if recent >= MAX_ACCOUNT_ATTEMPTS {
        return Ok(Redeemed::Throttled);
    }
    if crate::access::linked_patient_id(pool, subject)
        .await?
        .is_some()
    {
        return Ok(Redeemed::AlreadyLinked);
    }
    let mut tx = pool.begin().await?;
    // A write first, as `records::store::save_record`: on SQLite it takes the write lock
    // (waiting its turn) before the read, since a transaction that reads first fails at once
    // with "database is locked" when another writer got in between; on PostgreSQL it locks the
    // code's row, so two redemptions of one code take turns.
    sqlx::query(
        "UPDATE activation_codes SET failed_attempts = failed_attempts WHERE code_hash = $1",
    )
    .bind(code_hash(code))
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query_as::<_, Usable>(
        "SELECT c.id, c.patient_id, p.birth_date, p.b2c_subject FROM activation_codes c JOIN patients p ON p.id = c.patient_id \
         WHERE c.code_hash = $1 AND c.used_at IS NULL AND c.revoked_at IS NULL AND c.expires_at > $2 AND c.failed_attempts < $3",
    )
    .bind(code_hash(code))
    .bind(now)
    .bind(MAX_TRIES)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        record_attempt(pool, subject).await?;
        return Ok(Redeemed::Refused);
    };
    let Usable {
        id: code_id,
        patient_id,
        birth_date: dob,
        b2c_subject: linked,
    } = row;
    if dob != birth_date.trim() {
        sqlx::query(
            "UPDATE activation_codes SET failed_attempts = failed_attempts + 1 WHERE id = $1",
        )
        .bind(&code_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        record_attempt(pool, subject).await?;
        return Ok(Redeemed::Refused);
    }
    if linked.is_some() {
        tx.rollback().await?;
        return Ok(Redeemed::AlreadyLinked);
    }
    let used = sqlx::query(
        "UPDATE activation_codes SET used_at = $1, used_by = $2 WHERE id = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(subject)
    .bind(&code_id)
    .execute(&mut *tx)
    .await?;
    let linked =
        sqlx::query("UPDATE patients SET b2c_subject = $1 WHERE id = $2 AND b2c_subject IS NULL")
            .bind(subject)
            .bind(&patient_id)
            .execute(&mut *tx)
            .await;
    match linked {
        Ok(done) if done.rows_affected() == 1 && used.rows_affected() == 1 => {
            tx.commit().await?;
            Ok(Redeemed::Linked(patient_id))
        }
        Ok(_) => {
            tx.rollback().await?;
            Ok(Redeemed::AlreadyLinked)
        }
        Err(e) if db::is_unique_violation(&e) => {
            tx.rollback().await?;
            Ok(Redeemed::AlreadyLinked)
        }
        Err(e) => Err(e),
    }
}

async fn record_attempt(pool: &Pool, subject: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO activation_attempts (subject, at) VALUES ($1, $2)")
        .bind(subject)
        .bind(db::now())
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_readable_and_normalized() {
        let a = new_code();
        let b = new_code();
        assert_ne!(a, b);
        assert_eq!(a.len(), 14);
        assert!(!a.contains(['0', 'O', '1', 'I']));
        assert_eq!(
            normalize(&a.to_lowercase().replace('-', " ")),
            normalize(&a)
        );
    }
}
