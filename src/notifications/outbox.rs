//! `GET /dev/outbox`: in development without a mail server, the mails the portal would have
//! sent, as the emulator's `/outbox` shows its own. Refused (404) in production and whenever a
//! real mail server is configured.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::Kind;
use crate::auth::SignedIn;
use crate::state::AppState;
use crate::web::page::{format_time, page_context};
use crate::web::{templates, AppError};

#[derive(Serialize)]
struct Mail {
    to: String,
    subject: String,
    body: String,
    at: String,
}

pub fn enabled(state: &AppState) -> bool {
    !state.settings.production && state.settings.smtp.is_none()
}

/// A mail the outbox delivered, as queued.
#[derive(sqlx::FromRow)]
struct Delivered {
    kind: String,
    recipient: String,
    link: String,
    sent_at: Option<i64>,
    language: Option<String>,
}

pub async fn page(
    state: web::Data<AppState>,
    session: Session,
    user: SignedIn,
) -> Result<HttpResponse, AppError> {
    if !enabled(&state) {
        return Err(AppError::NotFound);
    }
    let rows = sqlx::query_as::<_, Delivered>(
        "SELECT kind, recipient, link, sent_at, language FROM notification_queue \
         WHERE delivered_via = 'outbox' ORDER BY sent_at DESC, id LIMIT 50",
    )
    .fetch_all(&state.pool)
    .await?;
    let mut mails = Vec::new();
    for r in rows {
        let Some(kind) = Kind::parse(&r.kind) else {
            continue;
        };
        let link = crate::config::join_url(&state.settings.public_url, &r.link);
        let hint = r.language.as_deref().and_then(crate::i18n::Lang::parse);
        let lang = Kind::language_of(
            &state.pool,
            &r.recipient,
            hint,
            state.settings.default_language,
        )
        .await?;
        let (subject, body) = kind.compose_in(lang, &link);
        mails.push(Mail {
            to: r.recipient,
            subject,
            body,
            at: format_time(r.sent_at.unwrap_or_default()),
        });
    }
    let mut ctx = page_context(Some((&user.0, &session)), &state);
    ctx.insert("mails", &mails);
    Ok(templates::page(
        StatusCode::OK,
        "messages_outbox.html",
        &ctx,
    ))
}
