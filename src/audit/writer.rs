//! Group commit: one writer task per database pool takes every entry queued while the
//! previous batch was committing, chains them, and commits them in one transaction (one
//! fsync), then answers each waiting request. A request is answered Ok only after its own
//! entry is durable; if the batch fails, every request in it gets the error (the 503 page).
//!
//! Across processes (several instances on PostgreSQL, or the CLI beside the server on
//! SQLite) the head row is the meeting point: each batch locks it first, so batches from
//! different processes queue on the row lock (PostgreSQL) or the write lock (SQLite) and the
//! chain stays one line.
//!
//! Every wait is bounded: the connection (pool `acquire_timeout`), the write lock (SQLite
//! `busy_timeout`, and [`BATCH_WAIT`] around the whole batch), and the caller's own wait.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::chain::{keyed_hash, Canonical, Checkpoint};
use super::entry::{AuditError, Entry};
use super::head::{head_mac, head_mac_ok, Head, HEAD_SQL};
use super::key::AuditKey;
use crate::db::Pool;

/// The longest one batch may take, lock wait included, before its requests get the 503.
const BATCH_WAIT: Duration = Duration::from_secs(5);
/// The longest a request waits for its entry: a batch in progress, then its own.
const CALLER_WAIT: Duration = Duration::from_secs(11);
/// Entries per transaction at most; the rest wait for the next batch.
const MAX_BATCH: usize = 512;
const QUEUE: usize = 4096;
/// Columns of an `audit_log` row, and rows per INSERT (see `db::MAX_PARAMETERS`).
const COLUMNS: usize = 13;
const ROWS_PER_INSERT: usize = crate::db::MAX_PARAMETERS / COLUMNS;
/// Locks the head (see `write_batch`) and reads it, in one statement.
const LOCK_HEAD_SQL: &str =
    "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash, keyed_from, mac";

/// An entry as it goes into the chain.
struct Row<'a> {
    seq: i64,
    id: String,
    at: String,
    entry: &'a Entry,
    prev_hash: String,
    hash: String,
}

struct Job {
    entry: Entry,
    done: oneshot::Sender<Result<(), AuditError>>,
}

/// Writers by pool. `append` takes the pool (as every handler holds one) rather than a handle
/// in the app state, so a call site needs nothing new; the pool's identity is the address of
/// its shared connect options, which every clone of the pool shares.
static WRITERS: Mutex<Vec<(usize, mpsc::Sender<Job>)>> = Mutex::new(Vec::new());

fn pool_id(pool: &Pool) -> usize {
    Arc::as_ptr(&pool.connect_options()) as usize
}

fn writer_of(pool: &Pool) -> Option<mpsc::Sender<Job>> {
    let id = pool_id(pool);
    let writers = WRITERS.lock().ok()?;
    writers
        .iter()
        .find(|(p, tx)| *p == id && !tx.is_closed())
        .map(|(_, tx)| tx.clone())
}

/// Keys the chain if it is not yet (recording where keyed entries begin), checks that the
/// head was written with this key, and starts this pool's writer. Refuses to start on a head
/// that does not verify: appending to it would hide whatever moved it.
pub async fn start(pool: &Pool, key: AuditKey) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    let Head {
        seq,
        hash,
        keyed_from,
        mac,
    } = sqlx::query_as(HEAD_SQL).fetch_one(&mut *tx).await?;
    match (keyed_from, mac) {
        (None, None) => {
            let keyed_from = seq + 1;
            sqlx::query("UPDATE audit_head SET keyed_from = $1, mac = $2 WHERE id = 1")
                .bind(keyed_from)
                .bind(head_mac(&key, keyed_from, seq, &hash))
                .execute(&mut *tx)
                .await?;
            if seq > 0 {
                tracing::warn!(
                    unkeyed = seq,
                    "audit chain keyed from now on; earlier entries keep plain SHA-256: take a checkpoint (`patient-portal audit checkpoint`)"
                );
            }
        }
        (Some(keyed_from), Some(mac)) if head_mac_ok(&key, keyed_from, seq, &hash, &mac) => {}
        _ => anyhow::bail!(
            "PORTAL_AUDIT_KEY_FILE: the audit chain's head does not verify with this key (another key, or the head was tampered with); run `patient-portal audit verify`; a lost key: `patient-portal audit rotate-key --lost-key` (docs/DEPLOYMENT.md)"
        ),
    }
    tx.commit().await?;

    let (jobs_tx, jobs_rx) = mpsc::channel(QUEUE);
    if let Ok(mut writers) = WRITERS.lock() {
        let id = pool_id(pool);
        writers.retain(|(p, tx)| *p != id && !tx.is_closed());
        writers.push((id, jobs_tx));
    } else {
        anyhow::bail!("the audit writer registry is poisoned");
    }
    // A pool at the address of one dropped earlier (tests make many) starts with a clean slate.
    note_outcome(pool, None);
    tokio::spawn(run(pool.clone(), key, jobs_rx));
    Ok(())
}

/// Appends one entry; returns Ok only once it is committed (durably, with its batch).
/// The only way to write the audit trail.
pub async fn append(pool: &Pool, entry: &Entry) -> Result<(), AuditError> {
    let writer = writer_of(pool).ok_or(AuditError::NotStarted)?;
    let (done, answer) = oneshot::channel();
    let job = Job {
        entry: entry.clone(),
        done,
    };
    let asked = std::time::Instant::now();
    let waited = tokio::time::timeout(CALLER_WAIT, async move {
        writer.send(job).await.map_err(|_| AuditError::NotStarted)?;
        answer.await.map_err(|_| AuditError::NotStarted)?
    })
    .await;
    crate::metrics::audit_entry_wait(asked.elapsed());
    waited.unwrap_or(Err(AuditError::Timeout(CALLER_WAIT)))
}

async fn run(pool: Pool, key: AuditKey, mut jobs: mpsc::Receiver<Job>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let entries: Vec<&Entry> = batch.iter().map(|j| &j.entry).collect();
        let started = std::time::Instant::now();
        let result = commit_batch(&pool, &key, &entries).await;
        crate::metrics::audit_batch(batch.len(), started.elapsed(), result.is_ok());
        if let Err(e) = &result {
            tracing::error!(error = %e, entries = batch.len(), "audit batch not committed");
        }
        note_outcome(&pool, result.as_ref().err());
        for job in batch {
            // A caller that stopped waiting (client gone, or its own timeout) needs no answer;
            // its entry, if committed, stays in the chain.
            job.done.send(result.clone()).ok();
        }
    }
}

/// The first entry number past `head`, if any row lies there.
async fn row_past(conn: &mut sqlx::AnyConnection, head: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar::<_, Option<i64>>("SELECT MIN(seq) FROM audit_log WHERE seq > $1")
        .bind(head)
        .fetch_one(conn)
        .await
}

/// How long a failed batch keeps the portal not-ready when no later batch has succeeded: long
/// enough for a probe every few seconds to see it, short enough that an idle portal whose
/// store has recovered (the lock probe below passes) does not stay out of rotation.
const FAILURE_REMEMBERED: Duration = Duration::from_secs(60);

/// The last batch's failure by pool (see [`WRITERS`] for the pool's identity).
static LAST_FAILURE: Mutex<Vec<(usize, std::time::Instant, String)>> = Mutex::new(Vec::new());

fn note_outcome(pool: &Pool, failure: Option<&AuditError>) {
    let id = pool_id(pool);
    if let Ok(mut failures) = LAST_FAILURE.lock() {
        failures.retain(|(p, _, _)| *p != id);
        if let Some(e) = failure {
            failures.push((id, std::time::Instant::now(), e.reason()));
        }
    }
}

/// The longest the readiness probe waits for its read.
const PROBE_WAIT: Duration = Duration::from_secs(2);

/// Whether an audited write could commit now, and if not why, in words for `/readyz`: the
/// last batch's failure (a held write lock, a full disk, a refusing store) if it is recent and
/// nothing has succeeded since; else a read of the head that finds it missing or a row past
/// it. The probe writes and locks nothing, so a lock held while no one writes shows only
/// with the next batch.
pub async fn readiness(pool: &Pool) -> Result<(), String> {
    let id = pool_id(pool);
    if let Ok(failures) = LAST_FAILURE.lock() {
        if let Some((_, at, reason)) = failures.iter().find(|(p, _, _)| *p == id) {
            if at.elapsed() < FAILURE_REMEMBERED {
                return Err(reason.clone());
            }
        }
    }
    if writer_of(pool).is_none() {
        return Err(AuditError::NotStarted.reason());
    }
    let probe = async {
        let mut conn = pool.acquire().await?;
        let head: Option<i64> = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?;
        let Some(head) = head else {
            return Ok::<_, sqlx::Error>(Err(
                "the audit chain's head row is missing: run `patient-portal audit verify`"
                    .to_string(),
            ));
        };
        Ok(match row_past(&mut conn, head).await? {
            Some(stray) => Err(AuditError::RowPastHead { head, stray }.reason()),
            None => Ok(()),
        })
    };
    match tokio::time::timeout(PROBE_WAIT, probe).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => Err(AuditError::from(e).reason()),
        Err(_) => Err(AuditError::Timeout(PROBE_WAIT).reason()),
    }
}

async fn commit_batch(pool: &Pool, key: &AuditKey, entries: &[&Entry]) -> Result<(), AuditError> {
    let acquiring = std::time::Instant::now();
    let mut conn = tokio::time::timeout(BATCH_WAIT, pool.acquire())
        .await
        .map_err(|_| AuditError::Timeout(BATCH_WAIT))??;
    crate::metrics::db_acquire("audit", acquiring.elapsed());
    let result = tokio::time::timeout(BATCH_WAIT, write_batch(&mut conn, key, entries))
        .await
        .unwrap_or(Err(AuditError::Timeout(BATCH_WAIT)));
    if result.is_err() {
        // A failed write may leave the connection inside a transaction that SQLite already
        // rolled back on its own (disk full), or still holding the write lock: never hand it
        // to the next request. Closing it rolls back and releases every lock.
        conn.close_on_drop();
    }
    result
}

async fn write_batch(
    conn: &mut sqlx::AnyConnection,
    key: &AuditKey,
    entries: &[&Entry],
) -> Result<(), AuditError> {
    use sqlx::Connection;
    // sqlx counts an open transaction here only when its bookkeeping went wrong (see
    // `db::sqlite_out_of_transaction`); its "BEGIN" would then be a SAVEPOINT whose "COMMIT"
    // commits nothing. Refuse such a connection rather than report an entry as committed.
    if conn.is_in_transaction() {
        return Err(AuditError::Store(std::sync::Arc::new(
            sqlx::Error::Protocol("connection left inside a transaction".into()),
        )));
    }
    let mut tx = conn.begin().await?;
    // Take the write lock before reading the head: on SQLite a transaction that reads first
    // cannot wait its turn to write; on PostgreSQL this locks the head row, so writers from
    // other instances queue here. The head comes back from the same statement, read once the
    // lock is held (SQLite 3.35+ and PostgreSQL both have RETURNING).
    let Head {
        seq: head_seq,
        hash: head_hash,
        keyed_from,
        mac,
    } = sqlx::query_as(LOCK_HEAD_SQL).fetch_one(&mut *tx).await?;
    // A head that does not verify was moved by someone without the key (or another instance
    // runs with another key): appending would launder it, so nothing is written.
    let (Some(keyed_from), Some(mac)) = (keyed_from, mac) else {
        return Err(AuditError::HeadMismatch);
    };
    if !head_mac_ok(key, keyed_from, head_seq, &head_hash, &mac) {
        return Err(AuditError::HeadMismatch);
    }
    // Under the head's lock, so no other writer's rows are in between: a row past the head is
    // a stray, and the insert below would fail on its number with an anonymous database error.
    if let Some(stray) = row_past(&mut tx, head_seq).await? {
        return Err(AuditError::RowPastHead {
            head: head_seq,
            stray,
        });
    }
    let mut seq = head_seq;
    let mut prev = head_hash;
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        seq += 1;
        // Time-ordered (v7), so each id goes at the end of the unique index on `id`, as `seq`
        // does in its own: a random id wrote a random page of that index with every commit.
        let id = uuid::Uuid::now_v7().to_string();
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
        let hash = keyed_hash(key, &prev, &content);
        rows.push(Row {
            seq,
            id,
            at,
            entry,
            prev_hash: std::mem::replace(&mut prev, hash.clone()),
            hash,
        });
    }
    // Many rows to a statement: each statement is a trip to the connection's worker thread
    // (SQLite), and a batch under load holds dozens of entries.
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut sql = String::from(
            "INSERT INTO audit_log (seq, id, at, actor_subject, actor_role, action, patient_id, outcome, detail, request_id, client_ip, prev_hash, hash) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            let p = i * COLUMNS;
            sql.push('(');
            for c in 1..=COLUMNS {
                if c > 1 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", p + c));
            }
            sql.push(')');
        }
        let mut insert = sqlx::query(&sql);
        for row in chunk {
            insert = insert
                .bind(row.seq)
                .bind(&row.id)
                .bind(&row.at)
                .bind(row.entry.actor.subject.as_deref())
                .bind(&row.entry.actor.role)
                .bind(row.entry.action.as_str())
                .bind(row.entry.patient_id.as_deref())
                .bind(row.entry.outcome.as_str())
                .bind(row.entry.detail.as_deref())
                .bind(row.entry.request_id.as_deref())
                .bind(row.entry.client_ip.as_deref())
                .bind(&row.prev_hash)
                .bind(&row.hash);
        }
        insert.execute(&mut *tx).await?;
    }
    let moved = sqlx::query(
        "UPDATE audit_head SET seq = $1, hash = $2, mac = $3 WHERE id = 1 AND seq = $4",
    )
    .bind(seq)
    .bind(&prev)
    .bind(head_mac(key, keyed_from, seq, &prev))
    .bind(head_seq)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(AuditError::Contended);
    }
    tx.commit().await?;
    Ok(())
}

/// Signs the current head as a checkpoint, after verifying the chain up to it (a checkpoint
/// of a broken chain would bless the break).
pub async fn checkpoint(
    pool: &Pool,
    keys: &super::key::KeyRing,
    earlier: &[Checkpoint],
) -> anyhow::Result<Result<Checkpoint, super::chain::Verification>> {
    match super::chain::verify(pool, keys, earlier).await? {
        super::chain::Verification::Whole {
            entries, head_hash, ..
        } => {
            let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            // The chain verified, so its head is signed with the newest key: so is this.
            Ok(Ok(Checkpoint::sign(
                keys.newest(),
                entries as i64,
                &head_hash,
                &at,
            )))
        }
        broken => Ok(Err(broken)),
    }
}
