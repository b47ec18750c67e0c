//! E-mail notifications: a database queue, the sender that drains it, and the development
//! outbox.
//!
//! Owns: what a notification says (an event kind and a link, nothing else), queueing it in the
//! caller's transaction (so it exists exactly when the event committed), sending it after the
//! commit with retries and backoff, and the patient's on/off choice. Must never: put health
//! information (a condition, a message's text, a name) into a mail, log an address, or let a
//! failed send fail the page that caused it. Other areas (appointments, renewals) add a `Kind`.

pub mod outbox;
mod sender;

use sqlx::{Any, Row, Transaction};

use crate::db::{self, Pool};

pub use sender::{spawn_sender, Mailer, Wake};

/// What happened. Each kind says the same few words and links to the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    NewMessage,
    /// An appointment request was answered, or an appointment changed.
    AppointmentUpdate,
    /// The day before a booked appointment (queued with a `next_attempt_at` in the future).
    AppointmentReminder,
    /// A medication renewal request was decided.
    RenewalUpdate,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NewMessage => "new_message",
            Kind::AppointmentUpdate => "appointment_update",
            Kind::AppointmentReminder => "appointment_reminder",
            Kind::RenewalUpdate => "renewal_update",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        match s {
            "new_message" => Some(Kind::NewMessage),
            "appointment_update" => Some(Kind::AppointmentUpdate),
            "appointment_reminder" => Some(Kind::AppointmentReminder),
            "renewal_update" => Some(Kind::RenewalUpdate),
            _ => None,
        }
    }

    /// Subject and text of the mail: the same for every recipient, with only the link added.
    pub fn compose(self, link: &str) -> (String, String) {
        match self {
            Kind::NewMessage => (
                "New message in your patient portal".to_string(),
                format!(
                    "You have a new message in your patient portal.\r\n\r\n\
                     Sign in to read it: {link}\r\n\r\n\
                     For your privacy, this e-mail does not say who wrote or what it is about.\r\n"
                ),
            ),
            Kind::AppointmentUpdate => (
                "News about an appointment in your patient portal".to_string(),
                format!(
                    "There is news about an appointment in your patient portal.\r\n\r\n\
                     Sign in to see it: {link}\r\n\r\n\
                     For your privacy, this e-mail does not say more.\r\n"
                ),
            ),
            Kind::AppointmentReminder => (
                "Reminder from your patient portal".to_string(),
                format!(
                    "A reminder: you have an appointment tomorrow.\r\n\r\n\
                     Sign in to see when and where: {link}\r\n\r\n\
                     For your privacy, this e-mail does not say more.\r\n"
                ),
            ),
            Kind::RenewalUpdate => (
                "News in your patient portal".to_string(),
                format!(
                    "Your care team has answered a request in your patient portal.\r\n\r\n\
                     Sign in to see it: {link}\r\n\r\n\
                     For your privacy, this e-mail does not say more.\r\n"
                ),
            ),
        }
    }
}

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
    sqlx::query(
        "INSERT INTO notification_queue (id, kind, recipient, link, created_at, attempts, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6)",
    )
    .bind(&id)
    .bind(kind.as_str())
    .bind(recipient)
    .bind(link)
    .bind(db::now())
    .bind(not_before)
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
         ON CONFLICT (subject) DO UPDATE SET email = $2, updated_at = $3",
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
    let row = sqlx::query("SELECT enabled FROM notification_contacts WHERE subject = $1")
        .bind(subject)
        .fetch_optional(pool)
        .await;
    match row {
        Ok(Some(row)) => row.try_get::<i64, _>(0).map(|e| e == 0).unwrap_or(false),
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
    let row = sqlx::query(
        "SELECT email FROM notification_contacts WHERE subject = $1 AND enabled = 1 AND email IS NOT NULL",
    )
    .bind(subject)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| r.try_get::<String, _>(0)).transpose()
}

#[derive(Debug, serde::Deserialize)]
pub struct SettingForm {
    csrf_token: Option<String>,
    enabled: Option<String>,
}

/// `POST /account/notifications`: a patient turns e-mail notifications on or off.
pub async fn setting(
    state: actix_web::web::Data<crate::state::AppState>,
    session: actix_session::Session,
    user: crate::auth::SignedIn,
    form: actix_web::web::Form<SettingForm>,
) -> Result<actix_web::HttpResponse, crate::web::AppError> {
    use crate::web::{csrf, AppError};
    let expected = crate::auth::session::csrf_token(&session).unwrap_or_default();
    if !csrf::matches(&expected, form.csrf_token.as_deref().unwrap_or_default()) {
        return Err(AppError::bad_request(
            "This form has expired. Please go back, reload the page and try again.",
        ));
    }
    let enabled = match form.enabled.as_deref() {
        Some("on") => true,
        Some("off") => false,
        _ => return Err(AppError::bad_request("Choose on or off.")),
    };
    set_enabled(&state.pool, &user.0.subject, enabled).await?;
    tracing::info!(subject = %user.0.subject, enabled, "notification setting changed");
    Ok(actix_web::HttpResponse::SeeOther()
        .insert_header(("Location", "/account"))
        .finish())
}
