//! One-time verification codes (e-mail and phone) and the development outbox that delivers them.
//!
//! Owns: codes of 6 random digits, valid 5 minutes, single use, invalidated after 3 wrong tries,
//! at most 5 per sign-in and purpose, stored as SHA-256 bound to their transaction; the `outbox` table, its log line (target
//! `b2c_emulator::outbox`) and the `/outbox` page. The outbox is the emulator's only "SMS, call and
//! e-mail" delivery: printing codes there is the point. Never: shows or logs a code anywhere else.

use actix_web::{web, HttpResponse};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use subtle::ConstantTimeEq;

use super::errors::EmulatorError;
use super::i18n::{self, Text};
use super::pages;
use super::store::{now, sha256_hex};
use super::tenant::Tenant;

pub(crate) const CODE_TTL_SECS: i64 = 5 * 60;
pub(crate) const CODE_TRIES: i64 = 3;
/// How many codes one sign-in (transaction) may have sent for one purpose: enough for a
/// typo and a slow text message, not for guessing by asking for code after code (each new
/// code brings three more tries) or for flooding a phone.
pub(crate) const CODES_PER_TRANSACTION: i64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Purpose {
    Email,
    Phone,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Email => "email",
            Purpose::Phone => "phone",
        }
    }
}

/// How a code reaches the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Delivery {
    Email,
    Sms,
    Call,
}

impl Delivery {
    fn as_str(self) -> &'static str {
        match self {
            Delivery::Email => "email",
            Delivery::Sms => "sms",
            Delivery::Call => "call",
        }
    }
}

/// How a message of the outbox went, in words (`kind` as stored: `email`, `sms`, `call`).
fn kind_in(lang: &str, kind: &str) -> String {
    match kind {
        "email" => i18n::tr(lang, "outbox-kind-email"),
        "sms" => i18n::tr(lang, "outbox-kind-sms"),
        "call" => i18n::tr(lang, "outbox-kind-call"),
        other => other.to_string(),
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct CodeRecord {
    pub id: i64,
    pub recipient: String,
    pub code_hash: String,
    pub expires_at: i64,
    pub tries_left: i64,
    pub used: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeCheck {
    Valid,
    Wrong {
        tries_left: i64,
    },
    /// Three wrong tries: the code is dead, a new one must be requested.
    Exhausted,
    Expired,
    /// No live code for this transaction and recipient.
    NoCode,
}

impl CodeCheck {
    /// B2C's messages for each outcome.
    pub fn message(self) -> &'static str {
        match self {
            CodeCheck::Valid => "",
            CodeCheck::Wrong { .. } => "The verification code you have entered does not match our records. Please try again, or request a new code.",
            CodeCheck::Exhausted => "You've made too many incorrect attempts. Please request a new code and try again.",
            CodeCheck::Expired => "That code is expired. Please request a new code.",
            CodeCheck::NoCode => "Please request a verification code, then enter it here.",
        }
    }
}

pub(crate) fn generate_code() -> String {
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
}

fn code_hash(tx_id: &str, code: &str) -> String {
    sha256_hex(&format!("{tx_id}:{code}"))
}

/// The decision for one attempt, without touching storage.
pub(crate) fn check(
    record: Option<&CodeRecord>,
    tx_id: &str,
    recipient: &str,
    input: &str,
    now: i64,
) -> CodeCheck {
    let Some(record) = record else {
        return CodeCheck::NoCode;
    };
    if record.used || record.recipient != recipient {
        return CodeCheck::NoCode;
    }
    if record.tries_left <= 0 {
        return CodeCheck::Exhausted;
    }
    if now > record.expires_at {
        return CodeCheck::Expired;
    }
    let presented = code_hash(tx_id, input.trim());
    if bool::from(presented.as_bytes().ct_eq(record.code_hash.as_bytes())) {
        return CodeCheck::Valid;
    }
    match record.tries_left - 1 {
        0 => CodeCheck::Exhausted,
        tries_left => CodeCheck::Wrong { tries_left },
    }
}

/// Issues a new code (killing earlier ones of the same purpose in this transaction) and delivers
/// it, worded in `lang` (the flow's language: B2C writes its texts and e-mails in it).
pub(crate) async fn send(
    db: &SqlitePool,
    domain: &str,
    lang: &str,
    tx_id: &str,
    purpose: Purpose,
    delivery: Delivery,
    recipient: &str,
) -> Result<(), EmulatorError> {
    let (sent,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM verification_codes WHERE tx_id = ? AND purpose = ?")
            .bind(tx_id)
            .bind(purpose.as_str())
            .fetch_one(db)
            .await?;
    if sent >= CODES_PER_TRANSACTION {
        return Err(EmulatorError::Page {
            status: actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            message: Text::new("emu-too-many-codes"),
        });
    }
    let code = generate_code();
    let now = now();
    sqlx::query("UPDATE verification_codes SET used = 1 WHERE tx_id = ? AND purpose = ?")
        .bind(tx_id)
        .bind(purpose.as_str())
        .execute(db)
        .await?;
    sqlx::query(
        "INSERT INTO verification_codes (tx_id, purpose, recipient, code_hash, expires_at, tries_left, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(tx_id)
    .bind(purpose.as_str())
    .bind(recipient)
    .bind(code_hash(tx_id, &code))
    .bind(now + CODE_TTL_SECS)
    .bind(CODE_TRIES)
    .bind(now)
    .execute(db)
    .await?;
    let args = [
        ("recipient", recipient),
        ("domain", domain),
        ("code", code.as_str()),
    ];
    let body = match delivery {
        Delivery::Email => i18n::tr_args(lang, "outbox-body-email", &args),
        Delivery::Sms => i18n::tr_args(lang, "outbox-body-sms", &args),
        Delivery::Call => i18n::tr_args(lang, "outbox-body-call", &args),
    };
    sqlx::query("INSERT INTO outbox (recipient, kind, body, created_at) VALUES (?, ?, ?, ?)")
        .bind(recipient)
        .bind(delivery.as_str())
        .bind(&body)
        .bind(now)
        .execute(db)
        .await?;
    // Development delivery by design: this line and /outbox are the only places a code appears.
    tracing::info!(target: "b2c_emulator::outbox", to = %recipient, kind = delivery.as_str(), "{body}");
    Ok(())
}

/// Checks an entered code against the live one and records the outcome.
pub(crate) async fn verify(
    db: &SqlitePool,
    tx_id: &str,
    purpose: Purpose,
    recipient: &str,
    input: &str,
) -> Result<CodeCheck, EmulatorError> {
    let record: Option<CodeRecord> = sqlx::query_as(
        "SELECT id, recipient, code_hash, expires_at, tries_left, used != 0 AS used
         FROM verification_codes WHERE tx_id = ? AND purpose = ? AND used = 0
         ORDER BY id DESC LIMIT 1",
    )
    .bind(tx_id)
    .bind(purpose.as_str())
    .fetch_optional(db)
    .await?;
    let outcome = check(record.as_ref(), tx_id, recipient, input, now());
    if let Some(record) = record {
        let update = match outcome {
            CodeCheck::Valid => Some("UPDATE verification_codes SET used = 1 WHERE id = ?"),
            CodeCheck::Wrong { .. } => {
                Some("UPDATE verification_codes SET tries_left = tries_left - 1 WHERE id = ?")
            }
            CodeCheck::Exhausted => {
                Some("UPDATE verification_codes SET tries_left = 0 WHERE id = ?")
            }
            CodeCheck::Expired | CodeCheck::NoCode => None,
        };
        if let Some(sql) = update {
            sqlx::query(sql).bind(record.id).execute(db).await?;
        }
    }
    Ok(outcome)
}

#[derive(Serialize, sqlx::FromRow)]
struct OutboxRow {
    recipient: String,
    kind: String,
    body: String,
    created_at: i64,
    #[sqlx(skip)]
    time: String,
}

/// `GET /outbox`: delivered messages, newest first, each as it was written (in its flow's
/// language); the page and the kinds in the request's (#31).
pub(crate) async fn outbox_page(tenant: web::Data<Tenant>) -> Result<HttpResponse, EmulatorError> {
    let mut rows: Vec<OutboxRow> = sqlx::query_as(
        "SELECT recipient, kind, body, created_at FROM outbox ORDER BY id DESC LIMIT 200",
    )
    .fetch_all(&tenant.db)
    .await?;
    let lang = i18n::current();
    for row in &mut rows {
        row.kind = kind_in(lang, &row.kind);
        row.time = chrono::DateTime::from_timestamp(row.created_at, 0)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default();
    }
    let mut ctx = tera::Context::new();
    ctx.insert("messages", &rows);
    pages::render(actix_web::http::StatusCode::OK, "outbox.html", &ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(code: &str, expires_at: i64, tries_left: i64) -> CodeRecord {
        CodeRecord {
            id: 1,
            recipient: "a@example.com".into(),
            code_hash: code_hash("tx", code),
            expires_at,
            tries_left,
            used: false,
        }
    }

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let code = generate_code();
            assert_eq!(code.len(), 6);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn right_code_in_time_is_valid() {
        let r = record("123456", 1000, 3);
        assert_eq!(
            check(Some(&r), "tx", "a@example.com", " 123456 ", 1000),
            CodeCheck::Valid
        );
    }

    #[test]
    fn expired_code_is_refused_even_if_right() {
        let r = record("123456", 1000, 3);
        assert_eq!(
            check(Some(&r), "tx", "a@example.com", "123456", 1001),
            CodeCheck::Expired
        );
    }

    #[test]
    fn third_wrong_try_exhausts_the_code() {
        let r = record("123456", 1000, 3);
        assert_eq!(
            check(Some(&r), "tx", "a@example.com", "000000", 10),
            CodeCheck::Wrong { tries_left: 2 }
        );
        let r = record("123456", 1000, 1);
        assert_eq!(
            check(Some(&r), "tx", "a@example.com", "000000", 10),
            CodeCheck::Exhausted
        );
        let r = record("123456", 1000, 0);
        assert_eq!(
            check(Some(&r), "tx", "a@example.com", "123456", 10),
            CodeCheck::Exhausted
        );
    }

    #[test]
    fn used_code_or_other_recipient_or_transaction_does_not_verify() {
        let mut r = record("123456", 1000, 3);
        assert_eq!(
            check(Some(&r), "tx", "b@example.com", "123456", 10),
            CodeCheck::NoCode
        );
        assert_eq!(
            check(Some(&r), "other-tx", "a@example.com", "123456", 10),
            CodeCheck::Wrong { tries_left: 2 }
        );
        r.used = true;
        assert_eq!(
            check(Some(&r), "tx", "a@example.com", "123456", 10),
            CodeCheck::NoCode
        );
        assert_eq!(
            check(None, "tx", "a@example.com", "123456", 10),
            CodeCheck::NoCode
        );
    }
}
