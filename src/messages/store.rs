//! Threads, messages and attachments in the database. Every function that reads or writes a
//! patient's messages takes the `ChartAccess` the access check made (so the audit entry is
//! already committed) and only ever touches that patient's rows.

use base64::Engine as _;
use serde::Serialize;

use super::draft::{Category, Draft, Upload};
use crate::access::ChartAccess;
use crate::auth::{Role, SignedInUser};
use crate::db::{self, Pool};
use crate::notifications::{self, Kind};
use crate::records::fhir_export::{CommunicationAttachment, CommunicationItem};
use crate::records::PatientId;

/// Where a notification links to: the inbox of the side that is told.
pub const PATIENT_LINK: &str = "/messages";
pub const STAFF_LINK: &str = "/staff/messages";

#[derive(Debug, Clone, Serialize)]
pub struct ThreadSummary {
    pub id: String,
    pub patient_id: String,
    pub subject: String,
    pub category: String,
    pub status: String,
    pub assigned_to: Option<String>,
    pub updated_at: i64,
    pub unread: bool,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AttachmentMeta {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MessageView {
    pub id: String,
    pub author_role: String,
    pub author_name: String,
    pub body: String,
    pub sent_at: i64,
    /// Read separately (`thread`).
    #[sqlx(skip)]
    pub attachments: Vec<AttachmentMeta>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThreadView {
    pub thread: ThreadSummary,
    pub messages: Vec<MessageView>,
}

const THREAD_COLUMNS: &str =
    "id, patient_id, subject, category, status, assigned_to, updated_at, patient_unread, staff_unread";

/// A `message_threads` row (`THREAD_COLUMNS`); the unread flags are integers (0/1).
#[derive(sqlx::FromRow)]
struct ThreadRow {
    id: String,
    patient_id: String,
    subject: String,
    category: String,
    status: String,
    assigned_to: Option<String>,
    updated_at: i64,
    patient_unread: i64,
    staff_unread: i64,
}

impl ThreadRow {
    fn summary(self, side: Role) -> ThreadSummary {
        ThreadSummary {
            unread: match side {
                Role::Patient => self.patient_unread == 1,
                Role::Clinician => self.staff_unread == 1,
            },
            id: self.id,
            patient_id: self.patient_id,
            subject: self.subject,
            category: self.category,
            status: self.status,
            assigned_to: self.assigned_to,
            updated_at: self.updated_at,
        }
    }
}

/// An attachment's description and the message it belongs to.
#[derive(sqlx::FromRow)]
struct AttachmentRow {
    message_id: String,
    #[sqlx(flatten)]
    meta: AttachmentMeta,
}

/// The thread's patient, by the thread's id alone: ids only, so it may be read before the
/// access check (which needs to know whose chart the thread belongs to).
pub async fn patient_of_thread(
    pool: &Pool,
    thread_id: &str,
) -> Result<Option<PatientId>, sqlx::Error> {
    sqlx::query_scalar("SELECT patient_id FROM message_threads WHERE id = $1")
        .bind(thread_id)
        .fetch_optional(pool)
        .await
}

/// All of a patient's threads, newest first.
pub async fn threads(
    pool: &Pool,
    chart: &ChartAccess,
    side: Role,
) -> Result<Vec<ThreadSummary>, sqlx::Error> {
    let sql = format!(
        "SELECT {THREAD_COLUMNS} FROM message_threads WHERE patient_id = $1 ORDER BY updated_at DESC, id"
    );
    let rows = sqlx::query_as::<_, ThreadRow>(&sql)
        .bind(chart.patient_id())
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(|r| r.summary(side)).collect())
}

/// One thread with its messages, if it is this patient's.
pub async fn thread(
    pool: &Pool,
    chart: &ChartAccess,
    thread_id: &str,
    side: Role,
) -> Result<Option<ThreadView>, sqlx::Error> {
    let sql =
        format!("SELECT {THREAD_COLUMNS} FROM message_threads WHERE id = $1 AND patient_id = $2");
    let Some(row) = sqlx::query_as::<_, ThreadRow>(&sql)
        .bind(thread_id)
        .bind(chart.patient_id())
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let thread = row.summary(side);
    let mut messages = sqlx::query_as::<_, MessageView>(
        "SELECT id, author_role, author_name, body, sent_at FROM messages WHERE thread_id = $1 ORDER BY seq, id",
    )
    .bind(thread_id)
    .fetch_all(pool)
    .await?;
    let attachments = sqlx::query_as::<_, AttachmentRow>(
        "SELECT id, message_id, file_name, content_type, size FROM message_attachments WHERE thread_id = $1 ORDER BY file_name, id",
    )
    .bind(thread_id)
    .fetch_all(pool)
    .await?;
    for m in &mut messages {
        m.attachments = attachments
            .iter()
            .filter(|a| a.message_id == m.id)
            .map(|a| a.meta.clone())
            .collect();
    }
    Ok(Some(ThreadView { thread, messages }))
}

/// Marks the thread read for one side.
pub async fn mark_read(
    pool: &Pool,
    chart: &ChartAccess,
    thread_id: &str,
    side: Role,
) -> Result<(), sqlx::Error> {
    let column = match side {
        Role::Patient => "patient_unread",
        Role::Clinician => "staff_unread",
    };
    sqlx::query(&format!(
        "UPDATE message_threads SET {column} = 0 WHERE id = $1 AND patient_id = $2 AND {column} <> 0"
    ))
    .bind(thread_id)
    .bind(chart.patient_id())
    .execute(pool)
    .await?;
    Ok(())
}

/// Starts a conversation (the patient writes); returns the thread id. The message, its
/// attachments and the care team's notifications commit together or not at all.
pub async fn create_thread(
    pool: &Pool,
    chart: &ChartAccess,
    author: &SignedInUser,
    subject: &str,
    category: Category,
    draft: &Draft,
) -> Result<(String, String), sqlx::Error> {
    let thread_id = uuid::Uuid::new_v4().to_string();
    let now = db::now();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO message_threads (id, patient_id, subject, category, status, assigned_to, created_at, updated_at, patient_unread, staff_unread) \
         VALUES ($1, $2, $3, $4, 'open', NULL, $5, $5, $6, 1)",
    )
    .bind(&thread_id)
    .bind(chart.patient_id())
    .bind(subject)
    .bind(category.as_str())
    .bind(now)
    // A conversation a proxy started for the patient (#29) is new to the patient.
    .bind(i64::from(chart.viewer() == crate::access::Viewer::Proxy))
    .execute(&mut *tx)
    .await?;
    let message_id = insert_message(
        &mut tx,
        &thread_id,
        author,
        author_role(chart, author),
        draft,
        now,
    )
    .await?;
    notify_other_side(&mut tx, chart.patient_id(), author.role).await?;
    tx.commit().await?;
    Ok((thread_id, message_id))
}

/// Adds a reply to one of this patient's threads. Returns the new message's id, or `None` when
/// there is no such thread.
pub async fn reply(
    pool: &Pool,
    chart: &ChartAccess,
    thread_id: &str,
    author: &SignedInUser,
    draft: &Draft,
) -> Result<Option<String>, sqlx::Error> {
    let now = db::now();
    let mut tx = pool.begin().await?;
    // The other side has something unread; a patient's reply reopens a closed thread.
    let sql = match author.role {
        Role::Patient => {
            "UPDATE message_threads SET updated_at = $1, staff_unread = 1, status = 'open' WHERE id = $2 AND patient_id = $3"
        }
        Role::Clinician => {
            "UPDATE message_threads SET updated_at = $1, patient_unread = 1, staff_unread = 0 WHERE id = $2 AND patient_id = $3"
        }
    };
    let updated = sqlx::query(sql)
        .bind(now)
        .bind(thread_id)
        .bind(chart.patient_id())
        .execute(&mut *tx)
        .await?;
    if updated.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(None);
    }
    let message_id = insert_message(
        &mut tx,
        thread_id,
        author,
        author_role(chart, author),
        draft,
        now,
    )
    .await?;
    notify_other_side(&mut tx, chart.patient_id(), author.role).await?;
    tx.commit().await?;
    Ok(Some(message_id))
}

/// How the message's author is stored: a proxy writing for the patient (#29) is "proxy", so
/// that the patient's own thread page does not say "You" of a message they did not write.
fn author_role(chart: &ChartAccess, author: &SignedInUser) -> &'static str {
    match chart.viewer() {
        crate::access::Viewer::Proxy => "proxy",
        _ => author.role.as_str(),
    }
}

async fn insert_message(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    thread_id: &str,
    author: &SignedInUser,
    role: &str,
    draft: &Draft,
    now: i64,
) -> Result<String, sqlx::Error> {
    let message_id = uuid::Uuid::new_v4().to_string();
    let seq: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE thread_id = $1")
        .bind(thread_id)
        .fetch_one(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO messages (id, thread_id, seq, author_subject, author_role, author_name, body, sent_at) \
         VALUES ($1, $2, $8, $3, $4, $5, $6, $7)",
    )
    .bind(&message_id)
    .bind(thread_id)
    .bind(&author.subject)
    .bind(role)
    .bind(&author.display_name)
    .bind(draft.body.as_str())
    .bind(now)
    .bind(seq + 1)
    .execute(&mut **tx)
    .await?;
    for file in &draft.files {
        insert_attachment(tx, thread_id, &message_id, file).await?;
    }
    Ok(message_id)
}

async fn insert_attachment(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    thread_id: &str,
    message_id: &str,
    file: &Upload,
) -> Result<(), sqlx::Error> {
    let attachment_id = uuid::Uuid::new_v4().to_string();
    // `data` is the base64 of attachments stored before migration 0014; empty for chunked ones.
    sqlx::query(
        "INSERT INTO message_attachments (id, message_id, thread_id, file_name, content_type, size, data) \
         VALUES ($1, $2, $3, $4, $5, $6, '')",
    )
    .bind(&attachment_id)
    .bind(message_id)
    .bind(thread_id)
    .bind(&file.file_name)
    .bind(file.kind.content_type())
    .bind(file.spool.len() as i64)
    .execute(&mut **tx)
    .await?;
    // From the spool one chunk at a time: the file is never whole in memory.
    let mut offset = 0u64;
    let mut seq = 0i64;
    while offset < file.spool.len() {
        let chunk = file
            .spool
            .read_at(offset, CHUNK_BYTES)
            .await
            .map_err(sqlx::Error::Io)?;
        sqlx::query(
            "INSERT INTO message_attachment_chunks (attachment_id, seq, data) VALUES ($1, $2, $3)",
        )
        .bind(&attachment_id)
        .bind(seq)
        .bind(&chunk)
        .execute(&mut **tx)
        .await?;
        offset += chunk.len() as u64;
        seq += 1;
    }
    Ok(())
}

/// Queues "you have a new message" for the side that did not write: the care team's
/// clinicians (addresses from the directory), or the patient if they want mail.
async fn notify_other_side(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    patient_id: &str,
    writer: Role,
) -> Result<(), sqlx::Error> {
    match writer {
        Role::Patient => {
            let emails: Vec<String> = sqlx::query_scalar(
                "SELECT c.email FROM care_team t JOIN clinicians c ON c.subject = t.clinician_subject \
                 WHERE t.patient_id = $1 AND c.email IS NOT NULL ORDER BY c.subject",
            )
            .bind(patient_id)
            .fetch_all(&mut **tx)
            .await?;
            for email in &emails {
                notifications::enqueue(tx, Kind::NewMessage, email, STAFF_LINK).await?;
            }
        }
        Role::Clinician => {
            let subject: Option<String> =
                sqlx::query_scalar("SELECT b2c_subject FROM patients WHERE id = $1")
                    .bind(patient_id)
                    .fetch_one(&mut **tx)
                    .await?;
            if let Some(subject) = subject {
                if let Some(email) = notifications::patient_address(tx, &subject).await? {
                    notifications::enqueue(tx, Kind::NewMessage, &email, PATIENT_LINK).await?;
                }
            }
        }
    }
    Ok(())
}

/// Assigns the thread to a clinician, or sets its status (open/done).
pub async fn update(
    pool: &Pool,
    chart: &ChartAccess,
    thread_id: &str,
    assign_to: Option<&str>,
    status: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let mut done = true;
    if let Some(subject) = assign_to {
        let r = sqlx::query(
            "UPDATE message_threads SET assigned_to = $1 WHERE id = $2 AND patient_id = $3",
        )
        .bind(subject)
        .bind(thread_id)
        .bind(chart.patient_id())
        .execute(pool)
        .await?;
        done &= r.rows_affected() == 1;
    }
    if let Some(status) = status {
        let r =
            sqlx::query("UPDATE message_threads SET status = $1 WHERE id = $2 AND patient_id = $3")
                .bind(status)
                .bind(thread_id)
                .bind(chart.patient_id())
                .execute(pool)
                .await?;
        done &= r.rows_affected() == 1;
    }
    Ok(done)
}

/// Attachments are stored as bytes in rows of at most `CHUNK_BYTES` (migration 0014): a
/// download holds one chunk in memory at a time, and no single value is as large as a file.
pub use super::draft::CHUNK_BYTES;

pub struct AttachmentFile {
    pub file_name: String,
    pub content_type: String,
    pub content: StoredContent,
}

/// Where an attachment's bytes are: base64 in the attachment's row (stored before migration
/// 0014, decoded once), or in `message_attachment_chunks`, read one chunk at a time.
pub enum StoredContent {
    Base64Decoded(Vec<u8>),
    Chunks(ChunkReader),
}

/// Reads one attachment's chunks in order, each only when the previous one has been sent.
pub struct ChunkReader {
    pool: Pool,
    attachment_id: String,
    size: u64,
}

impl ChunkReader {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The chunks as a body stream. A chunk that cannot be read (or is missing) ends the
    /// stream with an error, so the client sees a broken download, never a short file.
    pub fn into_stream(
        self,
    ) -> impl futures_util::Stream<Item = Result<actix_web::web::Bytes, sqlx::Error>> + 'static
    {
        futures_util::stream::unfold((self, 0i64, 0u64), |(reader, seq, sent)| async move {
            if sent >= reader.size {
                return None;
            }
            let chunk: Result<Option<Vec<u8>>, sqlx::Error> = sqlx::query_scalar(
                "SELECT data FROM message_attachment_chunks WHERE attachment_id = $1 AND seq = $2",
            )
            .bind(&reader.attachment_id)
            .bind(seq)
            .fetch_optional(&reader.pool)
            .await;
            let size = reader.size;
            match chunk {
                Ok(Some(data)) if !data.is_empty() => {
                    let sent = sent + data.len() as u64;
                    Some((Ok(data.into()), (reader, seq + 1, sent)))
                }
                Ok(_) => {
                    tracing::error!(seq, "attachment chunk missing; download broken off");
                    Some((Err(sqlx::Error::RowNotFound), (reader, seq, size)))
                }
                Err(e) => {
                    tracing::error!(error = %e, "attachment chunk unreadable; download broken off");
                    Some((Err(e), (reader, seq, size)))
                }
            }
        })
    }
}

/// An attachment's row: `data` holds base64 only for files stored before migration 0014.
#[derive(sqlx::FromRow)]
struct StoredFile {
    id: String,
    file_name: String,
    content_type: String,
    size: i64,
    data: String,
}

/// One attachment of one of this patient's threads.
pub async fn attachment(
    pool: &Pool,
    chart: &ChartAccess,
    thread_id: &str,
    attachment_id: &str,
) -> Result<Option<AttachmentFile>, anyhow::Error> {
    let row = sqlx::query_as::<_, StoredFile>(
        "SELECT a.id, a.file_name, a.content_type, a.size, a.data FROM message_attachments a \
         JOIN message_threads t ON t.id = a.thread_id \
         WHERE a.id = $1 AND a.thread_id = $2 AND t.patient_id = $3",
    )
    .bind(attachment_id)
    .bind(thread_id)
    .bind(chart.patient_id())
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let content = if row.data.is_empty() {
        StoredContent::Chunks(ChunkReader {
            pool: pool.clone(),
            attachment_id: row.id,
            size: u64::try_from(row.size).unwrap_or_default(),
        })
    } else {
        StoredContent::Base64Decoded(base64::engine::general_purpose::STANDARD.decode(row.data)?)
    };
    Ok(Some(AttachmentFile {
        file_name: row.file_name,
        content_type: row.content_type,
        content,
    }))
}

/// Every message of the patient, oldest conversation first, as FHIR `Communication` items
/// for the record export; attachments link to the patient's audited download.
pub async fn communications(
    pool: &Pool,
    chart: &ChartAccess,
    public_url: &url::Url,
) -> Result<Vec<CommunicationItem>, sqlx::Error> {
    let threads = threads(pool, chart, Role::Patient).await?;
    let mut out = Vec::new();
    for t in threads.iter().rev() {
        let Some(view) = thread(pool, chart, &t.id, Role::Patient).await? else {
            continue;
        };
        let mut previous: Option<String> = None;
        for m in view.messages {
            let attachments = m
                .attachments
                .iter()
                .map(|a| CommunicationAttachment {
                    content_type: a.content_type.clone(),
                    title: a.file_name.clone(),
                    size: u64::try_from(a.size).unwrap_or_default(),
                    url: crate::config::join_url(
                        public_url,
                        &format!("{PATIENT_LINK}/{}/attachments/{}", t.id, a.id),
                    ),
                })
                .collect();
            out.push(CommunicationItem {
                id: m.id.clone(),
                topic: t.subject.clone(),
                category: super::draft::category_label(&t.category).to_string(),
                // A proxy's message (#29) is the patient's side too.
                from_patient: m.author_role != Role::Clinician.as_str(),
                author_name: m.author_name,
                body: m.body,
                sent: chrono::DateTime::from_timestamp(m.sent_at, 0).unwrap_or_default(),
                in_response_to: previous.replace(m.id),
                attachments,
            });
        }
    }
    Ok(out)
}

/// An unread conversation on a clinician's worklist: whose, what kind and when, never the
/// subject or a message (read by opening the conversation, which is audited).
#[derive(Debug, Clone)]
pub struct TeamUnread {
    pub thread_id: String,
    pub patient_name: String,
    /// The stored code (`draft::CATEGORIES`); a page names it with `draft::category_words`.
    pub category: String,
    pub updated_at: i64,
}

/// A `TeamUnread` as read.
#[derive(sqlx::FromRow)]
struct TeamUnreadRow {
    id: String,
    given_name: String,
    family_name: String,
    category: String,
    updated_at: i64,
}

/// The care team's conversations with something unread for the team (the header's count, as
/// rows), newest first: at most `limit`, and how many there are.
pub async fn team_unread(
    pool: &Pool,
    clinician_subject: &str,
    limit: i64,
) -> Result<(Vec<TeamUnread>, i64), sqlx::Error> {
    let rows: Vec<TeamUnreadRow> = sqlx::query_as(
        "SELECT t.id, p.given_name, p.family_name, t.category, t.updated_at \
         FROM message_threads t JOIN care_team c ON c.patient_id = t.patient_id \
         JOIN patients p ON p.id = t.patient_id \
         WHERE c.clinician_subject = $1 AND t.staff_unread = 1 \
         ORDER BY t.updated_at DESC, t.id LIMIT $2",
    )
    .bind(clinician_subject)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM message_threads t JOIN care_team c ON c.patient_id = t.patient_id \
         WHERE c.clinician_subject = $1 AND t.staff_unread = 1",
    )
    .bind(clinician_subject)
    .fetch_one(pool)
    .await?;
    let rows = rows
        .into_iter()
        .map(|r| TeamUnread {
            thread_id: r.id,
            patient_name: format!("{} {}", r.given_name, r.family_name),
            category: r.category,
            updated_at: r.updated_at,
        })
        .collect();
    Ok((rows, total))
}
