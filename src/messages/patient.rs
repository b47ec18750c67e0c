//! The patient's side: `/messages`, `/messages/new`, `/messages/{id}` and its attachments.
//! Whose messages they are comes from `LinkedPatient` (the session), never from the URL; a
//! thread id of someone else's conversation simply finds nothing (404).

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::common::{
    attachment_response, landing_on, message_items, plausible_id, refuse_oversized, refused_page,
    reserve_upload, uploads_busy, ThreadQuery,
};
use super::draft::{self, parse_subject, Body, Category, Draft, CATEGORIES};
use super::store;
use crate::access::{LinkedPatient, Section};
use crate::auth::{Role, SignedInUser};
use crate::notifications;
use crate::state::AppState;
use crate::web::csrf;
use crate::web::page::{format_time, page_context};
use crate::web::{templates, AppError};

#[derive(Serialize)]
struct ThreadRow {
    url: String,
    subject: String,
    category: String,
    status: String,
    updated: String,
    unread: bool,
}

/// The patient's address for "you have a new message", kept current from their sign-in.
async fn remember(state: &AppState, user: &SignedInUser) {
    if let Err(e) = notifications::remember_contact(
        &state.pool,
        &user.subject,
        user.emails.first().map(String::as_str),
    )
    .await
    {
        tracing::warn!(error = %e, "could not keep the notification address");
    }
}

/// `GET /messages`: the patient's conversations, unread first.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    patient: LinkedPatient,
) -> Result<HttpResponse, AppError> {
    remember(&state, &patient.user).await;
    let chart = patient.open(&state, &req, Section::Messages).await?;
    let mut threads = store::threads(&state.pool, &chart, Role::Patient).await?;
    threads.sort_by_key(|t| !t.unread);
    let rows: Vec<ThreadRow> = threads
        .into_iter()
        .map(|t| ThreadRow {
            url: format!("/messages/{}", t.id),
            subject: t.subject,
            category: draft::category_words(&t.category),
            status: t.status,
            updated: format_time(t.updated_at),
            unread: t.unread,
        })
        .collect();
    let mut ctx = page_context(Some((&patient.user, &session)), &state);
    ctx.insert("threads", &rows);
    Ok(templates::page(StatusCode::OK, "messages_list.html", &ctx))
}

/// `GET /messages/new`: the form to write to the care team.
pub async fn new_form(
    state: web::Data<AppState>,
    session: Session,
    patient: LinkedPatient,
) -> Result<HttpResponse, AppError> {
    let mut ctx = page_context(Some((&patient.user, &session)), &state);
    let categories: Vec<_> = CATEGORIES
        .iter()
        .map(|(code, _)| serde_json::json!({ "code": code, "label": draft::category_words(code) }))
        .collect();
    ctx.insert("categories", &categories);
    ctx.insert("max_files", &draft::MAX_FILES);
    ctx.insert("max_mb", &(draft::MAX_FILE_BYTES / (1024 * 1024)));
    Ok(templates::page(StatusCode::OK, "messages_new.html", &ctx))
}

/// `POST /messages`: starts a conversation. The form is read and judged whole before the
/// access check; then the thread, message, attachments and notifications commit together.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    patient: LinkedPatient,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    if let Some(refusal) = refuse_oversized(&req) {
        return Ok(refused_page(&refusal));
    }
    // Held until the message is stored or refused.
    let Some(_upload) = reserve_upload(&req, &state.uploads) else {
        return Ok(uploads_busy());
    };
    let form = match draft::read(payload, &state.settings.data_dir.join("uploads")).await {
        Ok(form) => form,
        Err(refusal) => return Ok(refused_page(&refusal)),
    };
    // Multipart: `CsrfForm` reads only urlencoded bodies, so the token read with the rest of
    // the form is checked here.
    csrf::verify(&session, form.csrf_token.as_deref())?;
    let parsed = (|| {
        let subject = parse_subject(form.subject.as_deref().unwrap_or_default())?;
        let category = Category::parse(form.category.as_deref())?;
        let body = Body::parse(form.body.as_deref().unwrap_or_default())?;
        Ok::<_, draft::Refusal>((subject, category, body))
    })();
    let (subject, category, body) = match parsed {
        Ok(p) => p,
        Err(refusal) => return Ok(refused_page(&refusal)),
    };
    let draft = Draft {
        body,
        files: form.files,
    };
    remember(&state, &patient.user).await;
    let chart = patient.open(&state, &req, Section::MessageSend).await?;
    let (id, message) = store::create_thread(
        &state.pool,
        &chart,
        &patient.user,
        &subject,
        category,
        &draft,
    )
    .await?;
    state.mail_wake.now();
    tracing::info!(thread = %id, files = draft.files.len(), "patient started a conversation");
    // As after a reply: the thread, on the new message, saying it was sent.
    Ok(see_other(&landing_on(&format!("/messages/{id}"), &message)))
}

/// `GET /messages/{id}`: one conversation; opening it marks it read.
pub async fn thread(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    patient: LinkedPatient,
    id: web::Path<String>,
    query: web::Query<ThreadQuery>,
) -> Result<HttpResponse, AppError> {
    own_thread(&state, &patient, &id).await?;
    let chart = patient.open(&state, &req, Section::Messages).await?;
    let view = store::thread(&state.pool, &chart, &id, Role::Patient)
        .await?
        .ok_or(AppError::NotFound)?;
    store::mark_read(&state.pool, &chart, &id, Role::Patient).await?;
    let base = format!("/messages/{}", view.thread.id);
    let mut ctx = page_context(Some((&patient.user, &session)), &state);
    ctx.insert("subject", &view.thread.subject);
    ctx.insert("category", &draft::category_words(&view.thread.category));
    ctx.insert("status", &view.thread.status);
    ctx.insert(
        "messages",
        &message_items(&view, "patient", &base, query.sent()),
    );
    ctx.insert("reply_url", &format!("{base}/reply"));
    ctx.insert("back_url", "/messages");
    ctx.insert("max_files", &draft::MAX_FILES);
    ctx.insert("max_mb", &(draft::MAX_FILE_BYTES / (1024 * 1024)));
    Ok(templates::page(
        StatusCode::OK,
        "messages_thread.html",
        &ctx,
    ))
}

/// `POST /messages/{id}/reply`.
pub async fn reply(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    patient: LinkedPatient,
    id: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    own_thread(&state, &patient, &id).await?;
    if let Some(refusal) = refuse_oversized(&req) {
        return Ok(refused_page(&refusal));
    }
    // Held until the message is stored or refused.
    let Some(_upload) = reserve_upload(&req, &state.uploads) else {
        return Ok(uploads_busy());
    };
    let form = match draft::read(payload, &state.settings.data_dir.join("uploads")).await {
        Ok(form) => form,
        Err(refusal) => return Ok(refused_page(&refusal)),
    };
    // Multipart: `CsrfForm` reads only urlencoded bodies, so the token read with the rest of
    // the form is checked here.
    csrf::verify(&session, form.csrf_token.as_deref())?;
    let body = match Body::parse(form.body.as_deref().unwrap_or_default()) {
        Ok(body) => body,
        Err(refusal) => return Ok(refused_page(&refusal)),
    };
    let draft = Draft {
        body,
        files: form.files,
    };
    remember(&state, &patient.user).await;
    let chart = patient.open(&state, &req, Section::MessageSend).await?;
    let Some(message_id) = store::reply(&state.pool, &chart, &id, &patient.user, &draft).await?
    else {
        return Err(AppError::NotFound);
    };
    state.mail_wake.now();
    Ok(see_other(&landing_on(
        &format!("/messages/{id}"),
        &message_id,
    )))
}

/// `GET /messages/{id}/attachments/{attachment}`.
pub async fn attachment(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (thread_id, attachment_id) = path.into_inner();
    own_thread(&state, &patient, &thread_id).await?;
    plausible_id(&attachment_id)?;
    let chart = patient
        .open(&state, &req, Section::MessageAttachment)
        .await?;
    let file = store::attachment(&state.pool, &chart, &thread_id, &attachment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(attachment_response(file))
}

/// A thread id from the URL must name one of this patient's threads, or there is no page:
/// checked on ids alone, before the audited open, so probing writes nothing.
async fn own_thread(
    state: &AppState,
    patient: &LinkedPatient,
    thread_id: &str,
) -> Result<(), AppError> {
    plausible_id(thread_id)?;
    match store::patient_of_thread(&state.pool, thread_id).await? {
        Some(owner) if &owner == patient.patient_id() => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

/// After a POST, the browser GETs the result (so a reload does not send twice).
pub(super) fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to))
        .finish()
}
