//! Secure messages between a patient and their care team (`/messages/*` for the patient,
//! `/staff/messages/*` for clinicians).
//!
//! Owns: conversations (threads), their messages and attachments, the staff inbox, the unread
//! counts in the header. Every read and write of a thread goes through `access`: the patient's
//! side from the session's linked patient (never an id from the URL), the staff side for the
//! care team or a live break-the-glass grant; the audit entry is committed before anything is
//! read or stored. Must never: store part of a refused message, serve an attachment inline or
//! with a type we did not sniff, or put message content in a log or a notification.

mod draft;
pub mod header;
mod patient;
mod staff;
pub mod store;

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use tera::Context;

use crate::web::errors::error_page;
use crate::web::page::format_time;
use crate::web::AppError;

pub use draft::{Body, Category, FileKind, MAX_FILES, MAX_FILE_BYTES};
pub use patient::{attachment, create, list, new_form, reply, thread};
pub use staff::{
    attachment as staff_attachment, inbox as staff_inbox, reply as staff_reply,
    thread as staff_thread, update as staff_update,
};

/// Ids in our URLs are UUIDs; anything else is no page of ours.
fn plausible_id(id: &str) -> Result<(), AppError> {
    if !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// A request body larger than anything we accept is refused before it is read.
fn refuse_oversized(req: &HttpRequest) -> Option<draft::Refusal> {
    let length = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())?;
    (length > draft::HARD_LIMIT_BYTES).then(|| {
        draft::Refusal::TooLarge(format!(
            "Your message and its attachments are too large: at most {MAX_FILES} files of {} MB each. Nothing was sent.",
            MAX_FILE_BYTES / (1024 * 1024)
        ))
    })
}

/// The page for a refused message: what to change, and that nothing was kept.
fn refused_page(refusal: &draft::Refusal) -> HttpResponse {
    error_page(
        refusal.status(),
        "Your message was not sent",
        refusal.message(),
        Context::new(),
    )
}

#[derive(Serialize)]
struct MessageItem {
    mine: bool,
    author: String,
    when: String,
    lines: Vec<String>,
    attachments: Vec<AttachmentLink>,
}

#[derive(Serialize)]
struct AttachmentLink {
    url: String,
    name: String,
    size: String,
}

fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// Messages as the thread page shows them; `base` is the thread's URL.
fn message_items(view: &store::ThreadView, me: &str, base: &str) -> Vec<MessageItem> {
    view.messages
        .iter()
        .map(|m| MessageItem {
            mine: m.author_role == me,
            author: match m.author_role.as_str() {
                "clinician" => format!("{} (care team)", m.author_name),
                _ => format!("{} (patient)", m.author_name),
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

/// An attachment download: never shown inline, never sniffed, never cached.
fn attachment_response(file: store::AttachmentFile) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(file.content_type)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(file.file_name)],
        })
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .body(file.bytes)
}
