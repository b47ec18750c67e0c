//! The audit trail: one append-only, hash-chained row per access to patient data and per
//! security event.
//!
//! Each row stores the hash of the previous row and of its own canonical content, so an
//! edit, a deletion or a swap breaks the chain, and `patient-portal audit verify` finds the
//! first broken row. Rows hold opaque ids only: never a name, e-mail, token or record content.

pub mod pages;

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use tokio::sync::Mutex;

use crate::db::{self, Pool};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Serialises appends to SQLite inside one process (SQLite answers concurrent writers with
/// "busy" rather than waiting in line). On PostgreSQL the head row's lock does the ordering,
/// across processes too.
static APPEND_LOCK: Mutex<()> = Mutex::const_new(());

/// What happened. The string is what the database stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Action {
    SignIn,
    SignInFailed,
    SignOut,
    SessionTimeout,
    PasswordReset,
    ProfileEdit,
    ViewRecord,
    ExportRecord,
    ViewAccessLog,
    StaffChartView,
    StaffSearch,
    BreakGlass,
    ActivationIssued,
    ActivationRevoked,
    ActivationUsed,
    ActivationFailed,
    ReadMessages,
    SendMessage,
    UpdateMessage,
    DownloadAttachment,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::SignIn => "sign_in",
            Action::SignInFailed => "sign_in_failed",
            Action::SignOut => "sign_out",
            Action::SessionTimeout => "session_timeout",
            Action::PasswordReset => "password_reset",
            Action::ProfileEdit => "profile_edit",
            Action::ViewRecord => "view_record",
            Action::ExportRecord => "export_record",
            Action::ViewAccessLog => "view_access_log",
            Action::StaffChartView => "staff_chart_view",
            Action::StaffSearch => "staff_search",
            Action::BreakGlass => "break_glass",
            Action::ActivationIssued => "activation_code_issued",
            Action::ActivationRevoked => "activation_code_revoked",
            Action::ActivationUsed => "activation_code_used",
            Action::ActivationFailed => "activation_code_failed",
            Action::ReadMessages => "read_messages",
            Action::SendMessage => "send_message",
            Action::UpdateMessage => "update_message",
            Action::DownloadAttachment => "download_attachment",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// Who asked, from where: filled from the request by `RequestMeta`.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub subject: Option<String>,
    pub role: String,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub actor: Actor,
    pub action: Action,
    pub patient_id: Option<String>,
    pub outcome: Outcome,
    /// A reason code, a count, a break-the-glass reason: never PHI beyond the patient id.
    pub detail: Option<String>,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit store unavailable: {0}")]
    Store(#[from] sqlx::Error),
    #[error("audit chain contended; gave up after retries")]
    Contended,
}

#[derive(Serialize)]
struct Canonical<'a> {
    seq: i64,
    id: &'a str,
    at: &'a str,
    actor_subject: Option<&'a str>,
    actor_role: &'a str,
    action: &'a str,
    patient_id: Option<&'a str>,
    outcome: &'a str,
    detail: Option<&'a str>,
    request_id: Option<&'a str>,
    client_ip: Option<&'a str>,
}

fn chain_hash(prev: &str, content: &Canonical<'_>) -> String {
    let json = serde_json::to_string(content).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(json.as_bytes());
    hex::encode(h.finalize())
}

/// Appends one entry; returns only once it is committed.
pub async fn append(pool: &Pool, entry: &Entry) -> Result<(), AuditError> {
    let sqlite = pool
        .connect_options()
        .database_url
        .scheme()
        .starts_with("sqlite");
    let _guard = if sqlite {
        Some(APPEND_LOCK.lock().await)
    } else {
        None
    };
    for attempt in 0..20u64 {
        let backoff = std::time::Duration::from_millis(2 + attempt * 5);
        match try_append(pool, entry).await {
            Ok(true) => return Ok(()),
            Ok(false) => tokio::time::sleep(backoff).await,
            Err(e) if db::is_unique_violation(&e) || is_busy(&e) => {
                tokio::time::sleep(backoff).await
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AuditError::Contended)
}

fn is_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            let m = d.message();
            m.contains("database is locked")
                || m.contains("busy")
                || d.code().as_deref() == Some("40001")
        }
        _ => false,
    }
}

async fn try_append(pool: &Pool, entry: &Entry) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Take the write lock before reading the head: on SQLite a transaction that reads first
    // cannot wait its turn to write (it fails with "busy"); on PostgreSQL this locks the head
    // row, so concurrent writers queue instead of retrying.
    sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;
    let prev_seq: i64 = head.try_get(0)?;
    let prev_hash: String = head.try_get(1)?;
    let seq = prev_seq + 1;
    let id = uuid::Uuid::new_v4().to_string();
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let content = Canonical {
        seq,
        id: &id,
        at: &at,
        actor_subject: entry.actor.subject.as_deref(),
        actor_role: &entry.actor.role,
        action: entry.action.as_str(),
        patient_id: entry.patient_id.as_deref(),
        outcome: entry.outcome.as_str(),
        detail: entry.detail.as_deref(),
        request_id: entry.request_id.as_deref(),
        client_ip: entry.client_ip.as_deref(),
    };
    let hash = chain_hash(&prev_hash, &content);
    // Claim the head first: whoever moves it from prev_seq owns position seq.
    let moved = sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1 AND seq = $3")
        .bind(seq)
        .bind(&hash)
        .bind(prev_seq)
        .execute(&mut *tx)
        .await?;
    if moved.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO audit_log (seq, id, at, actor_subject, actor_role, action, patient_id, outcome, detail, request_id, client_ip, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(seq)
    .bind(&id)
    .bind(&at)
    .bind(entry.actor.subject.as_deref())
    .bind(&entry.actor.role)
    .bind(entry.action.as_str())
    .bind(entry.patient_id.as_deref())
    .bind(entry.outcome.as_str())
    .bind(entry.detail.as_deref())
    .bind(entry.request_id.as_deref())
    .bind(entry.client_ip.as_deref())
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Whole {
        entries: u64,
    },
    Broken {
        entries_checked: u64,
        seq: i64,
        id: String,
        problem: String,
    },
}

/// Walks the chain from the start and reports the first entry that does not fit.
pub async fn verify(pool: &Pool) -> Result<Verification, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT seq, id, at, actor_subject, actor_role, action, patient_id, outcome, detail, request_id, client_ip, prev_hash, hash \
         FROM audit_log ORDER BY seq",
    )
    .fetch_all(pool)
    .await?;
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1i64;
    let mut checked = 0u64;
    for row in &rows {
        let seq: i64 = row.try_get(0)?;
        let id: String = row.try_get(1)?;
        let at: String = row.try_get(2)?;
        let actor_subject: Option<String> = row.try_get(3)?;
        let actor_role: String = row.try_get(4)?;
        let action: String = row.try_get(5)?;
        let patient_id: Option<String> = row.try_get(6)?;
        let outcome: String = row.try_get(7)?;
        let detail: Option<String> = row.try_get(8)?;
        let request_id: Option<String> = row.try_get(9)?;
        let client_ip: Option<String> = row.try_get(10)?;
        let prev_hash: String = row.try_get(11)?;
        let hash: String = row.try_get(12)?;
        let broken = |problem: &str| Verification::Broken {
            entries_checked: checked,
            seq,
            id: id.clone(),
            problem: problem.to_string(),
        };
        if seq != expected_seq {
            return Ok(Verification::Broken {
                entries_checked: checked,
                seq: expected_seq,
                id: String::new(),
                problem: format!("entry {expected_seq} is missing or out of order (found entry {seq} in its place)"),
            });
        }
        if prev_hash != prev {
            return Ok(broken("it does not follow the entry before it"));
        }
        let content = Canonical {
            seq,
            id: &id,
            at: &at,
            actor_subject: actor_subject.as_deref(),
            actor_role: &actor_role,
            action: &action,
            patient_id: patient_id.as_deref(),
            outcome: &outcome,
            detail: detail.as_deref(),
            request_id: request_id.as_deref(),
            client_ip: client_ip.as_deref(),
        };
        if chain_hash(&prev_hash, &content) != hash {
            return Ok(broken("its content was changed"));
        }
        prev = hash;
        expected_seq += 1;
        checked += 1;
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(pool)
        .await?;
    let head_seq: i64 = head.try_get(0)?;
    let head_hash: String = head.try_get(1)?;
    if head_seq != expected_seq - 1 || head_hash != prev {
        return Ok(Verification::Broken {
            entries_checked: checked,
            seq: expected_seq,
            id: String::new(),
            problem: format!("the chain ends early: the head says {head_seq} entries"),
        });
    }
    Ok(Verification::Whole { entries: checked })
}

/// The request facts every entry carries: the request id and the client address (from the
/// socket, or from X-Forwarded-For only behind a configured proxy).
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

impl RequestMeta {
    pub fn of(req: &actix_web::HttpRequest, behind_proxy: bool) -> Self {
        use actix_web::HttpMessage;
        let request_id = req
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(|id| id.to_string());
        let client_ip = if behind_proxy {
            req.connection_info()
                .realip_remote_addr()
                .map(str::to_string)
        } else {
            req.peer_addr().map(|a| a.ip().to_string())
        };
        Self {
            request_id,
            client_ip,
        }
    }

    pub fn entry(&self, actor: Actor, action: Action, outcome: Outcome) -> Entry {
        Entry {
            actor,
            action,
            patient_id: None,
            outcome,
            detail: None,
            request_id: self.request_id.clone(),
            client_ip: self.client_ip.clone(),
        }
    }
}

impl Actor {
    pub fn anonymous() -> Self {
        Self {
            subject: None,
            role: "anonymous".into(),
        }
    }

    pub fn user(user: &crate::auth::SignedInUser) -> Self {
        Self {
            subject: Some(user.subject.clone()),
            role: user.role.as_str().into(),
        }
    }
}
