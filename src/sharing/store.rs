//! The links' rows (migration 0020): links, their encrypted files, short-lived download
//! tokens (stored as SHA-256), and every attempt to open a link. No key in clear, no passcode
//! and no plaintext is ever written here: an `L` link's key only wrapped (`wrap`, migration
//! 0024).

use sha2::{Digest, Sha256};

use crate::db::Pool;
use crate::records::PatientId;

/// Wrong passcodes a link takes before it is disabled.
pub const PASSCODE_ATTEMPTS: i64 = 5;
/// How long a download address from a manifest answer works (the IG: short-lived).
pub const DOWNLOAD_SECS: i64 = 300;
/// The attempts the patient's list shows per link, newest first (with the count of all).
pub const SHOWN_ACCESSES: i64 = 20;

pub struct NewLink<'a> {
    pub id: &'a str,
    pub patient_id: &'a PatientId,
    pub created_by: &'a str,
    pub label: &'a str,
    pub content: &'a str,
    pub period: Option<(String, String)>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub passcode_hash: Option<String>,
    /// An `L` link's key, wrapped (`wrap::WrapKey::wrap`); None for a fixed snapshot.
    pub wrapped_key: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Link {
    pub id: String,
    pub patient_id: String,
    pub label: String,
    pub content: String,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub passcode_hash: Option<String>,
    pub attempts_left: i64,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
    pub wrapped_key: Option<String>,
}

impl Link {
    /// Whether the link still answers at `now`: not revoked, not disabled, not expired.
    pub fn is_live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|exp| now < exp)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct File {
    pub id: String,
    pub content_type: String,
    pub jwe: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Access {
    pub link_id: String,
    pub at: i64,
    pub recipient: String,
    pub outcome: String,
    /// How many requests the row counts: 1, or more for a link that no longer works (`gone`).
    pub tries: i64,
}

/// A link's attempts, all of them (the list shows only the newest).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccessCount {
    pub link_id: String,
    /// Rows (one per request; one for all requests of a dead link).
    pub row_count: i64,
    pub opened: i64,
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Stores a link and its files in one transaction.
pub async fn insert(
    pool: &Pool,
    link: &NewLink<'_>,
    files: &[(&str, String)],
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let (from, to) = match &link.period {
        Some((f, t)) => (Some(f.clone()), Some(t.clone())),
        None => (None, None),
    };
    sqlx::query(
        "INSERT INTO share_links (id, patient_id, created_by, label, content, period_from, period_to, \
         created_at, expires_at, passcode_hash, attempts_left, wrapped_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(link.id)
    .bind(link.patient_id)
    .bind(link.created_by)
    .bind(link.label)
    .bind(link.content)
    .bind(from)
    .bind(to)
    .bind(link.created_at)
    .bind(link.expires_at)
    .bind(&link.passcode_hash)
    .bind(PASSCODE_ATTEMPTS)
    .bind(&link.wrapped_key)
    .execute(&mut *tx)
    .await?;
    for (position, (content_type, jwe)) in files.iter().enumerate() {
        sqlx::query(
            "INSERT INTO share_link_files (id, link_id, position, content_type, jwe) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(link.id)
        .bind(position as i64)
        .bind(*content_type)
        .bind(jwe)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

const LINK_COLUMNS: &str = "id, patient_id, label, content, period_from, period_to, created_at, \
    expires_at, passcode_hash, attempts_left, revoked_at, revoked_reason, wrapped_key";

pub async fn find(pool: &Pool, id: &str) -> Result<Option<Link>, sqlx::Error> {
    sqlx::query_as::<_, Link>(&format!(
        "SELECT {LINK_COLUMNS} FROM share_links WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// A patient's links, newest first.
pub async fn links_of(pool: &Pool, patient_id: &PatientId) -> Result<Vec<Link>, sqlx::Error> {
    sqlx::query_as::<_, Link>(&format!(
        "SELECT {LINK_COLUMNS} FROM share_links WHERE patient_id = $1 ORDER BY created_at DESC, id"
    ))
    .bind(patient_id)
    .fetch_all(pool)
    .await
}

/// The newest `SHOWN_ACCESSES` attempts to open each of the patient's links, newest first.
pub async fn accesses_of(pool: &Pool, patient_id: &PatientId) -> Result<Vec<Access>, sqlx::Error> {
    sqlx::query_as::<_, Access>(
        "SELECT link_id, at, recipient, outcome, tries FROM ( \
           SELECT a.id, a.link_id, a.at, a.recipient, a.outcome, a.tries, \
             ROW_NUMBER() OVER (PARTITION BY a.link_id ORDER BY a.at DESC, a.id) AS n \
           FROM share_link_accesses a JOIN share_links l ON l.id = a.link_id \
           WHERE l.patient_id = $1) newest \
         WHERE n <= $2 ORDER BY at DESC, id",
    )
    .bind(patient_id)
    .bind(SHOWN_ACCESSES)
    .fetch_all(pool)
    .await
}

/// How many attempts each of the patient's links had, and how many opened it.
pub async fn access_counts(
    pool: &Pool,
    patient_id: &PatientId,
) -> Result<Vec<AccessCount>, sqlx::Error> {
    sqlx::query_as::<_, AccessCount>(
        "SELECT a.link_id, COUNT(*) AS row_count, \
         CAST(SUM(CASE WHEN a.outcome = 'opened' THEN a.tries ELSE 0 END) AS BIGINT) AS opened \
         FROM share_link_accesses a JOIN share_links l ON l.id = a.link_id \
         WHERE l.patient_id = $1 GROUP BY a.link_id",
    )
    .bind(patient_id)
    .fetch_all(pool)
    .await
}

/// Revokes the patient's link `id`; false when it is not theirs or already ended.
pub async fn revoke(
    pool: &Pool,
    patient_id: &PatientId,
    id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE share_links SET revoked_at = $1, revoked_reason = 'revoked' \
         WHERE id = $2 AND patient_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(patient_id)
    .execute(pool)
    .await?;
    // Download addresses already handed out stop working with the link.
    sqlx::query(
        "UPDATE share_link_downloads SET used_at = $1 WHERE used_at IS NULL AND file_id IN \
         (SELECT f.id FROM share_link_files f JOIN share_links l ON l.id = f.link_id WHERE l.id = $2 AND l.patient_id = $3)",
    )
    .bind(now)
    .bind(id)
    .bind(patient_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Counts one wrong passcode against a live link and returns the attempts left; at none the
/// link is disabled. One statement each, so concurrent guesses cannot share an attempt.
pub async fn wrong_passcode(pool: &Pool, id: &str, now: i64) -> Result<i64, sqlx::Error> {
    let left: Option<i64> = sqlx::query_scalar(
        "UPDATE share_links SET attempts_left = attempts_left - 1 \
         WHERE id = $1 AND attempts_left > 0 AND revoked_at IS NULL RETURNING attempts_left",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let left = left.unwrap_or(0);
    if left <= 0 {
        sqlx::query(
            "UPDATE share_links SET revoked_at = $1, revoked_reason = 'passcode' \
             WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(pool)
        .await?;
    }
    Ok(left.max(0))
}

pub async fn files(pool: &Pool, link_id: &str) -> Result<Vec<File>, sqlx::Error> {
    sqlx::query_as::<_, File>(
        "SELECT id, content_type, jwe FROM share_link_files WHERE link_id = $1 ORDER BY position",
    )
    .bind(link_id)
    .fetch_all(pool)
    .await
}

/// An `L` link's files made again from the current record, in the same positions (the
/// content's kind never changes, so neither do their number and types). A download address
/// handed out earlier then serves the newest content too.
pub async fn replace_files(
    pool: &Pool,
    link_id: &str,
    files: &[(&str, String)],
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for (position, (content_type, jwe)) in files.iter().enumerate() {
        sqlx::query(
            "UPDATE share_link_files SET jwe = $1 WHERE link_id = $2 AND position = $3 AND content_type = $4",
        )
        .bind(jwe)
        .bind(link_id)
        .bind(position as i64)
        .bind(*content_type)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// A download address for one file: the token goes to the recipient, its hash stays here.
/// Addresses that ended an hour ago or more are swept on the way (they can never be used).
pub async fn add_download(
    pool: &Pool,
    token: &str,
    file_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM share_link_downloads WHERE expires_at < $1")
        .bind(now - 3600)
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO share_link_downloads (token_hash, file_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(token_hash(token))
    .bind(file_id)
    .bind(now + DOWNLOAD_SECS)
    .execute(pool)
    .await?;
    Ok(())
}

/// Uses a download token once: the file, if the token is unused, unexpired and its link still
/// answers.
pub async fn take_download(
    pool: &Pool,
    token: &str,
    now: i64,
) -> Result<Option<(Link, File)>, sqlx::Error> {
    let file_id: Option<String> = sqlx::query_scalar(
        "UPDATE share_link_downloads SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING file_id",
    )
    .bind(now)
    .bind(token_hash(token))
    .fetch_optional(pool)
    .await?;
    let Some(file_id) = file_id else {
        return Ok(None);
    };
    let file = sqlx::query_as::<_, File>(
        "SELECT id, content_type, jwe FROM share_link_files WHERE id = $1",
    )
    .bind(&file_id)
    .fetch_optional(pool)
    .await?;
    let Some(file) = file else {
        return Ok(None);
    };
    let link = sqlx::query_as::<_, Link>(&format!(
        "SELECT {LINK_COLUMNS} FROM share_links WHERE id = (SELECT link_id FROM share_link_files WHERE id = $1)"
    ))
    .bind(&file_id)
    .fetch_optional(pool)
    .await?;
    Ok(link.filter(|l| l.is_live(now)).map(|l| (l, file)))
}

/// Counts one request of a link that no longer works (expired, revoked, disabled) in the
/// link's one `gone` row, made at the first (migration 0024's unique index): a flood against a
/// dead link changes a count, it adds no rows. Returns the row's id and the count so far.
pub async fn record_gone(
    pool: &Pool,
    link_id: &str,
    recipient: &str,
    now: i64,
) -> Result<(String, i64), sqlx::Error> {
    sqlx::query_as::<_, (String, i64)>(
        "INSERT INTO share_link_accesses (id, link_id, at, recipient, outcome, tries) \
         VALUES ($1, $2, $3, $4, 'gone', 1) \
         ON CONFLICT (link_id) WHERE outcome = 'gone' DO UPDATE SET \
         tries = share_link_accesses.tries + 1, at = excluded.at, recipient = excluded.recipient \
         RETURNING id, tries",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(link_id)
    .bind(now)
    .bind(recipient)
    .fetch_one(pool)
    .await
}

/// Records that a request passed every check and opens the link, in one statement that checks
/// again that the link still answers: a revocation, an expiry or the last wrong passcode that
/// landed since the link was read (the passcode's argon2 hash takes a while) wins, and nothing
/// is recorded. Returns the access row's id, or None when the link no longer answers.
pub async fn record_opening(
    pool: &Pool,
    link_id: &str,
    recipient: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let done = sqlx::query(
        "INSERT INTO share_link_accesses (id, link_id, at, recipient, outcome) \
         SELECT $1, l.id, $3, $4, 'opened' FROM share_links l \
         WHERE l.id = $2 AND l.revoked_at IS NULL AND (l.expires_at IS NULL OR l.expires_at > $3)",
    )
    .bind(&id)
    .bind(link_id)
    .bind(now)
    .bind(recipient)
    .execute(pool)
    .await?;
    Ok((done.rows_affected() == 1).then_some(id))
}

/// Records one request of a link and returns its row's id (36 characters), which the request's
/// audit entry names instead of the recipient's name (`audit::pages` joins it back).
pub async fn record_access(
    pool: &Pool,
    link_id: &str,
    recipient: &str,
    outcome: &str,
    now: i64,
) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO share_link_accesses (id, link_id, at, recipient, outcome) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(link_id)
    .bind(now)
    .bind(recipient)
    .bind(outcome)
    .execute(pool)
    .await?;
    Ok(id)
}
