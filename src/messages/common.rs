//! What the patient's and the staff side of messages share: id and size checks, refusal pages,
//! how a thread's messages are shown, attachment downloads. Below the handlers.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::draft::{self, MAX_FILES, MAX_FILE_BYTES};
use super::store;
use crate::web::errors::error_page;
use crate::web::page::format_time;
use crate::web::upload_budget::{Reservation, UploadBudget, RETRY_AFTER_SECONDS};
use crate::web::AppError;

/// Ids in our URLs are UUIDs; anything else is no page of ours.
pub(super) fn plausible_id(id: &str) -> Result<(), AppError> {
    if !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// A request body larger than anything we accept is refused before it is read.
pub(super) fn refuse_oversized(req: &HttpRequest) -> Option<draft::Refusal> {
    let length = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())?;
    (length > draft::HARD_LIMIT_BYTES).then(|| {
        draft::Refusal::TooLarge(crate::i18n::tr_args(
            crate::i18n::current(),
            "refusal-message-all-too-large",
            &[
                ("files", MAX_FILES.into()),
                ("mb", (MAX_FILE_BYTES / (1024 * 1024)).into()),
            ],
        ))
    })
}

/// Reserves the form's declared length (or the most we would read, when it declares none) of
/// the instance's upload budget, before any of it is read; `None` past the cap (then answer
/// with [`uploads_busy`], and read nothing).
pub(super) fn reserve_upload(req: &HttpRequest, budget: &UploadBudget) -> Option<Reservation> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(draft::HARD_LIMIT_BYTES)
        .min(draft::HARD_LIMIT_BYTES);
    let reservation = budget.reserve(declared);
    if reservation.is_none() {
        tracing::warn!(
            declared,
            in_flight = budget.in_flight(),
            "upload refused: the upload bytes in flight are at PORTAL_UPLOAD_BYTES_IN_FLIGHT; answering 503"
        );
    }
    reservation
}

/// The 503 page for a form past the upload budget, with `Retry-After`: nothing was sent.
pub(super) fn uploads_busy() -> HttpResponse {
    let lang = crate::i18n::current();
    let mut resp = error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        &crate::i18n::tr(lang, "refusal-message-not-sent-title"),
        &crate::i18n::tr(lang, "refusal-message-uploads-busy"),
        Context::new(),
    );
    resp.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(RETRY_AFTER_SECONDS),
    );
    resp
}

/// The page for a refused message: what to change, and that nothing was kept.
pub(super) fn refused_page(refusal: &draft::Refusal) -> HttpResponse {
    error_page(
        refusal.status(),
        &crate::i18n::tr(crate::i18n::current(), "refusal-message-not-sent-title"),
        refusal.message(),
        Context::new(),
    )
}

/// A thread page's query: `sent` names the message this side has just sent (see `landing_on`).
#[derive(Debug, Deserialize)]
pub struct ThreadQuery {
    sent: Option<String>,
}

impl ThreadQuery {
    pub(super) fn sent(&self) -> Option<&str> {
        self.sent.as_deref()
    }
}

/// Where the browser goes after a reply: the thread, scrolled to the new message (the fragment;
/// the browser focuses it, so no script is needed), which says it was sent (`sent`).
pub(super) fn landing_on(thread_url: &str, message_id: &str) -> String {
    format!("{thread_url}?sent={message_id}#message-{message_id}")
}

#[derive(Serialize)]
pub(super) struct MessageItem {
    /// The message's id, for its anchor (`message-{id}`).
    id: String,
    /// This side's own message named by `?sent=`: the page confirms it was sent.
    just_sent: bool,
    mine: bool,
    author: String,
    when: String,
    lines: Vec<String>,
    attachments: Vec<AttachmentLink>,
}

#[derive(Serialize)]
pub(super) struct AttachmentLink {
    url: String,
    name: String,
    size: String,
}

/// An attachment's size; megabytes with the page's decimal sign (#31: "1,5 MB").
pub(super) fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        let mb = bytes as f64 / (1024.0 * 1024.0);
        let lang = crate::i18n::current();
        format!("{} MB", crate::i18n::format::number(lang, mb, 1))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// How a proxy's message is signed when stored (`proxy::acting::send_message`):
/// "Sam (proxy), for Alex Doe".
pub const PROXY_AUTHOR_JOIN: &str = " (proxy), for ";

/// A proxy's stored signature (`PROXY_AUTHOR_JOIN`) in the page's language (#31; refusals.ftl);
/// one written otherwise is shown as stored.
pub(super) fn proxy_author(stored: &str) -> String {
    match stored.split_once(PROXY_AUTHOR_JOIN) {
        Some((name, patient)) => crate::i18n::tr_args(
            crate::i18n::current(),
            "message-author",
            &[
                ("name", name.into()),
                ("patient", patient.into()),
                ("role", "proxy".into()),
            ],
        ),
        None => stored.to_string(),
    }
}

/// Messages as the thread page shows them; `base` is the thread's URL. `sent` is the query's
/// claim that a message was just sent: only a message of this side in this thread is confirmed.
pub(super) fn message_items(
    view: &store::ThreadView,
    me: &str,
    base: &str,
    sent: Option<&str>,
) -> Vec<MessageItem> {
    view.messages
        .iter()
        .map(|m| MessageItem {
            id: m.id.clone(),
            just_sent: m.author_role == me && sent == Some(m.id.as_str()),
            mine: m.author_role == me,
            author: match m.author_role.as_str() {
                // Stored whole, "Sam (proxy), for Alex Doe" (#29): read in the page's language.
                "proxy" => proxy_author(&m.author_name),
                // "Dr Casey (care team)" in the page's language (#31; refusals.ftl).
                role => crate::i18n::tr_args(
                    crate::i18n::current(),
                    "message-author",
                    &[
                        ("name", m.author_name.as_str().into()),
                        ("role", role.into()),
                    ],
                ),
            },
            when: format_time(m.sent_at),
            lines: m.body.lines().map(str::to_string).collect(),
            attachments: m
                .attachments
                .iter()
                .map(|a| AttachmentLink {
                    url: format!("{base}/attachments/{}", a.id),
                    name: a.file_name.clone(),
                    size: size_text(a.size),
                })
                .collect(),
        })
        .collect()
}

/// An attachment download: never shown inline, never sniffed, never cached. Stored chunks are
/// sent as they are read (one chunk in memory at a time), not gathered first.
pub(super) fn attachment_response(file: store::AttachmentFile) -> HttpResponse {
    let mut resp = HttpResponse::Ok();
    resp.content_type(file.content_type)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(file.file_name)],
        })
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"));
    match file.content {
        store::StoredContent::Base64Decoded(bytes) => resp.body(bytes),
        store::StoredContent::Chunks(chunks) => {
            let size = chunks.size();
            resp.no_chunking(size).streaming(chunks.into_stream())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::size_text;
    use crate::i18n::{Lang, LANG};

    #[tokio::test]
    async fn sizes_have_the_page_s_decimal_sign() {
        let size = 3 * 1024 * 1024 / 2;
        assert_eq!(
            LANG.scope(Lang::En, async { size_text(size) }).await,
            "1.5 MB"
        );
        assert_eq!(
            LANG.scope(Lang::Es, async { size_text(size) }).await,
            "1,5 MB"
        );
        assert_eq!(
            LANG.scope(Lang::Es, async { size_text(2000) }).await,
            "2 KB"
        );
    }

    #[tokio::test]
    async fn a_proxy_s_signature_reads_in_the_page_s_language() {
        use super::proxy_author;
        let stored = "Sam Rivera (proxy), for Alex Doe";
        assert_eq!(
            LANG.scope(Lang::En, async { proxy_author(stored) }).await,
            stored,
            "English reads as stored"
        );
        assert_eq!(
            LANG.scope(Lang::Es, async { proxy_author(stored) }).await,
            "Sam Rivera (representante), en nombre de Alex Doe"
        );
        assert_eq!(
            LANG.scope(Lang::Es, async { proxy_author("Someone else") })
                .await,
            "Someone else"
        );
    }
}
