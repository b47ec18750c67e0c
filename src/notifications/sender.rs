//! Drains the notification queue: claims due rows (so several instances never send one twice),
//! sends each over SMTP with a bounded wait, and on failure schedules a retry with backoff.
//! Without a mail server in development, "sending" puts the mail in the development outbox.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use super::kind::Kind;
use crate::config::{Settings, SmtpUrl};
use crate::db::{self, Pool};
use crate::i18n::Lang;

/// How often the queue is looked at when nothing wakes the sender.
const POLL: Duration = Duration::from_secs(5);
/// Longest a single send may take (connect, TLS, dialogue) before it counts as failed.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);
/// A claim outlives the send timeout, so a crashed instance's rows are picked up again.
const CLAIM_SECS: i64 = 60;
/// After this many failures a mail is given up (and stays in the table for the operator).
const MAX_ATTEMPTS: i64 = 8;
const BATCH: i64 = 20;

/// Wakes the sender right after a commit that queued mail.
#[derive(Clone, Default)]
pub struct Wake(Arc<Notify>);

impl Wake {
    pub fn now(&self) {
        self.0.notify_one();
    }
}

/// How mail leaves, and the language of a recipient who chose none.
pub struct Mailer {
    via: Via,
    /// `PORTAL_DEFAULT_LANGUAGE` (#31): a mail to an address with no chosen language is in the
    /// language a page would be for a browser that asks for none.
    default_language: Lang,
}

enum Via {
    Smtp {
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Mailbox,
    },
    /// Development without a mail server: mails are shown on `/dev/outbox`.
    Outbox,
    /// Production without a mail server: mails wait in the queue (a restart with
    /// PORTAL_SMTP_URL set sends them).
    Hold,
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Mailer> {
        let via = match &settings.smtp {
            Some(url) => Via::Smtp {
                transport: Box::new(transport(url)?),
                from: settings.mail_from.clone(),
            },
            None if settings.production => {
                tracing::warn!(
                    "PORTAL_SMTP_URL is not set: notification e-mails wait in the queue"
                );
                Via::Hold
            }
            None => Via::Outbox,
        };
        Ok(Mailer {
            via,
            default_language: settings.default_language,
        })
    }
}

fn transport(url: &SmtpUrl) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let url = &url.0;
    let host = url.host_str().unwrap_or_default();
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "::1");
    let builder = match url.scheme() {
        "smtps" => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
        // Plain SMTP only to a relay on this machine; anything else must upgrade to TLS.
        "smtp" if loopback => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        _ => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
    };
    let builder = match url.port() {
        Some(port) => builder.port(port),
        None => builder,
    };
    let builder = if url.username().is_empty() {
        builder
    } else {
        let decode = |s: &str| percent_decode(s).unwrap_or_else(|| s.to_string());
        builder.credentials(Credentials::new(
            decode(url.username()),
            decode(url.password().unwrap_or_default()),
        ))
    };
    Ok(builder.timeout(Some(SEND_TIMEOUT)).build())
}

/// The user and password of a URL are percent-encoded; the form decoder undoes that (with `+`
/// kept as itself).
fn percent_decode(s: &str) -> Option<String> {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
}

/// Starts the sender on the current runtime; it runs as long as the process.
pub fn spawn_sender(pool: Pool, mailer: Mailer, public_url: url::Url, wake: Wake) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = drain(&pool, &mailer, &public_url).await {
                tracing::warn!(error = %e, "notification queue unavailable; will retry");
            }
            tokio::select! {
                _ = wake.0.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    });
}

#[derive(sqlx::FromRow)]
struct Due {
    id: String,
    kind: String,
    recipient: String,
    link: String,
    attempts: i64,
    /// The page's language, for an invitation (`enqueue_at`).
    language: Option<String>,
}

async fn drain(pool: &Pool, mailer: &Mailer, public_url: &url::Url) -> Result<(), sqlx::Error> {
    let default_language = mailer.default_language;
    if matches!(mailer.via, Via::Hold) {
        return Ok(());
    }
    let now = db::now();
    let due: Vec<Due> = sqlx::query_as(
        "SELECT id, kind, recipient, link, attempts, language FROM notification_queue \
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 \
         AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY created_at LIMIT $2",
    )
    .bind(now)
    .bind(BATCH)
    .fetch_all(pool)
    .await?;
    for mail in due {
        let claimed = sqlx::query(
            "UPDATE notification_queue SET claimed_until = $1 WHERE id = $2 \
             AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < $3)",
        )
        .bind(now + CLAIM_SECS)
        .bind(&mail.id)
        .bind(now)
        .execute(pool)
        .await?;
        if claimed.rows_affected() != 1 {
            continue; // another instance has it
        }
        // The recipient's language (#31); one that cannot be read now is not worth a failed
        // send: the configured default.
        let hint = mail.language.as_deref().and_then(Lang::parse);
        let lang = Kind::language_of(pool, &mail.recipient, hint, default_language)
            .await
            .unwrap_or(default_language);
        let result = send(mailer, &mail, public_url, lang).await;
        match result {
            Ok(via) => {
                sqlx::query(
                    "UPDATE notification_queue SET sent_at = $1, delivered_via = $2, claimed_until = NULL, attempts = attempts + 1 WHERE id = $3",
                )
                .bind(db::now())
                .bind(via)
                .bind(&mail.id)
                .execute(pool)
                .await?;
                tracing::info!(notification = %mail.id, via, "notification delivered");
                crate::metrics::mail_sent(via);
            }
            Err(failure) => {
                let attempts = mail.attempts + 1;
                let give_up = failure.permanent || attempts >= MAX_ATTEMPTS;
                sqlx::query(
                    "UPDATE notification_queue SET attempts = $1, next_attempt_at = $2, claimed_until = NULL, \
                     last_error = $3, failed_at = $4 WHERE id = $5",
                )
                .bind(attempts)
                .bind(db::now() + backoff_secs(attempts))
                .bind(failure.class)
                .bind(give_up.then(db::now))
                .bind(&mail.id)
                .execute(pool)
                .await?;
                // The class only: a server's reply can quote the address.
                tracing::warn!(notification = %mail.id, attempts, reason = failure.class, give_up, "notification not delivered");
                crate::metrics::mail_failed(failure.class, give_up);
            }
        }
    }
    Ok(())
}

/// For the metrics: mails waiting to be sent (not yet sent, not given up), and when the
/// oldest of them was queued (unix seconds).
pub async fn queue_figures(pool: &Pool) -> Result<(i64, Option<i64>), sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Figures {
        waiting: i64,
        oldest: Option<i64>,
    }
    let f: Figures = sqlx::query_as(
        "SELECT COUNT(*) AS waiting, MIN(created_at) AS oldest FROM notification_queue \
         WHERE sent_at IS NULL AND failed_at IS NULL",
    )
    .fetch_one(pool)
    .await?;
    Ok((f.waiting, f.oldest))
}

/// 30 s, 1 min, 2 min, … up to an hour between attempts.
pub fn backoff_secs(attempts: i64) -> i64 {
    let exp = attempts.clamp(1, 8) - 1;
    (30i64 << exp).min(3600)
}

struct Failure {
    class: &'static str,
    permanent: bool,
}

async fn send(
    mailer: &Mailer,
    mail: &Due,
    public_url: &url::Url,
    lang: crate::i18n::Lang,
) -> Result<&'static str, Failure> {
    let permanent = |class| Failure {
        class,
        permanent: true,
    };
    let kind = Kind::parse(&mail.kind).ok_or(permanent("unknown_kind"))?;
    match &mailer.via {
        Via::Outbox => Ok("outbox"),
        Via::Hold => Err(Failure {
            class: "no_mail_server",
            permanent: false,
        }),
        Via::Smtp { transport, from } => {
            let to: Mailbox = mail
                .recipient
                .parse()
                .map_err(|_| permanent("bad_address"))?;
            let link = crate::config::join_url(public_url, &mail.link);
            let (subject, body) = kind.compose_in(lang, &link);
            let message = Message::builder()
                .from(from.clone())
                .to(to)
                .subject(subject)
                .header(ContentType::TEXT_PLAIN)
                .body(body)
                .map_err(|_| permanent("bad_message"))?;
            match tokio::time::timeout(SEND_TIMEOUT, transport.send(message)).await {
                Ok(Ok(_)) => Ok("smtp"),
                Ok(Err(e)) if e.is_permanent() => Err(permanent("rejected")),
                Ok(Err(_)) => Err(Failure {
                    class: "smtp_unavailable",
                    permanent: false,
                }),
                Err(_) => Err(Failure {
                    class: "timeout",
                    permanent: false,
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(super::backoff_secs(1), 30);
        assert_eq!(super::backoff_secs(2), 60);
        assert_eq!(super::backoff_secs(20), 3600);
    }
}
