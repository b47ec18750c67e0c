//! E-mail notifications: a database queue, the sender that drains it, and the development
//! outbox.
//!
//! Owns: what a notification says (an event kind and a link, nothing else), queueing it in the
//! caller's transaction (so it exists exactly when the event committed), sending it after the
//! commit with retries and backoff, and the patient's on/off choice. Must never: put health
//! information (a condition, a message's text, a name) into a mail, log an address, or let a
//! failed send fail the page that caused it. Other areas (appointments, renewals) add a `Kind`;
//! the import command tells a linked patient of new results (`new_results`).

mod kind;
pub mod outbox;
mod sender;
pub mod setting;

use sqlx::{Any, Transaction};

use crate::db::{self, Pool};

pub use kind::Kind;
pub use sender::{queue_figures, spawn_sender, Mailer, Wake};

/// Queues a notification in the caller's transaction: it is sent only if that commits.
pub async fn enqueue(
    tx: &mut Transaction<'static, Any>,
    kind: Kind,
    recipient: &str,
    link: &str,
) -> Result<(), sqlx::Error> {
    enqueue_at(tx, kind, recipient, link, db::now()).await?;
    Ok(())
}

/// Queues a notification that is not sent before `not_before` (unix seconds): the sender
/// only takes rows whose `next_attempt_at` has come. Returns the row's id, so the caller can
/// withdraw it (`withdraw`) if the event it announces is called off.
pub async fn enqueue_at(
    tx: &mut Transaction<'static, Any>,
    kind: Kind,
    recipient: &str,
    link: &str,
    not_before: i64,
) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    // An invitation goes to an address that may have no account yet, whose language the portal
    // cannot know: the language of the page it was sent from (the inviter's) is the better
    // guess than the default (#31). Every other mail is about the recipient's own account, and
    // the page that caused it is someone else's (a clinician's answer), so it keeps none.
    let page_language = (kind == Kind::ProxyInvitation)
        .then(|| crate::i18n::LANG.try_with(|l| *l).ok())
        .flatten()
        .filter(|l| *l != crate::i18n::Lang::Pseudo)
        .map(|l| l.code());
    sqlx::query(
        "INSERT INTO notification_queue (id, kind, recipient, link, created_at, attempts, next_attempt_at, language) \
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7)",
    )
    .bind(&id)
    .bind(kind.as_str())
    .bind(recipient)
    .bind(link)
    .bind(db::now())
    .bind(not_before)
    .bind(page_language)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Takes back a queued notification that has not been sent yet (a reminder for an
/// appointment that was cancelled).
pub async fn withdraw(tx: &mut Transaction<'static, Any>, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM notification_queue WHERE id = $1 AND sent_at IS NULL")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Keeps the patient's current e-mail address (from their sign-in) for notifications.
///
/// Called on page views: an address that did not change writes nothing (the upsert's `WHERE`).
pub async fn remember_contact(
    pool: &Pool,
    subject: &str,
    email: Option<&str>,
) -> Result<(), sqlx::Error> {
    let Some(email) = email.map(str::trim).filter(|e| e.contains('@')) else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO notification_contacts (subject, email, enabled, updated_at) VALUES ($1, $2, 1, $3) \
         ON CONFLICT (subject) DO UPDATE SET email = $2, updated_at = $3 \
         WHERE notification_contacts.email IS NULL OR notification_contacts.email <> $2",
    )
    .bind(subject)
    .bind(email)
    .bind(db::now())
    .execute(pool)
    .await?;
    Ok(())
}

/// Turns a patient's notifications on or off.
pub async fn set_enabled(pool: &Pool, subject: &str, enabled: bool) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notification_contacts (subject, email, enabled, updated_at) VALUES ($1, NULL, $2, $3) \
         ON CONFLICT (subject) DO UPDATE SET enabled = $2, updated_at = $3",
    )
    .bind(subject)
    .bind(i64::from(enabled))
    .bind(db::now())
    .execute(pool)
    .await?;
    Ok(())
}

/// True when the user turned notifications off (unknown users get them: the default is on).
pub async fn is_off(pool: &Pool, subject: &str) -> bool {
    // `enabled` is 0 or 1: no booleans through `Any` (see `db`).
    let enabled = sqlx::query_scalar::<_, i64>(
        "SELECT enabled FROM notification_contacts WHERE subject = $1",
    )
    .bind(subject)
    .fetch_optional(pool)
    .await;
    match enabled {
        Ok(Some(enabled)) => enabled == 0,
        Ok(None) => false,
        Err(e) => {
            tracing::warn!(error = %e, "could not read a notification setting");
            false
        }
    }
}

/// The address to notify a patient at, if they have one and want mail.
pub async fn patient_address(
    tx: &mut Transaction<'static, Any>,
    subject: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT email FROM notification_contacts WHERE subject = $1 AND enabled = 1 AND email IS NOT NULL",
    )
    .bind(subject)
    .fetch_optional(&mut **tx)
    .await
}

/// Where a patient's new results are announced: their home page, which lists what is new.
pub const NEW_RESULTS_LINK: &str = "/home";

/// Tells the patient of a record that new results arrived, in the caller's transaction (the
/// import's): nothing for a record no account is linked to, nor for a patient without an
/// address or with notifications off. One notice waiting to be sent says it all, so a second
/// import before it went out queues none. Returns whether a notice was queued.
pub async fn new_results(
    tx: &mut Transaction<'static, Any>,
    patient_id: &str,
) -> Result<bool, sqlx::Error> {
    let subject: Option<Option<String>> =
        sqlx::query_scalar("SELECT b2c_subject FROM patients WHERE id = $1")
            .bind(patient_id)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(subject) = subject.flatten() else {
        return Ok(false);
    };
    let Some(email) = patient_address(tx, &subject).await? else {
        return Ok(false);
    };
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notification_queue WHERE kind = $1 AND recipient = $2 \
         AND sent_at IS NULL AND failed_at IS NULL",
    )
    .bind(Kind::NewResults.as_str())
    .bind(&email)
    .fetch_one(&mut **tx)
    .await?;
    if waiting > 0 {
        return Ok(false);
    }
    enqueue(tx, Kind::NewResults, &email, NEW_RESULTS_LINK).await?;
    Ok(true)
}
