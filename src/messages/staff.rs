//! The care team's side: the shared inbox (`/staff/messages`) and each conversation under
//! `/staff/messages/{id}`. A conversation is opened only through `access::open_for_clinician`
//! (care team, or a live break-the-glass grant; anyone else gets the 403 that offers it).
//!
//! The inbox lists conversations of the clinician's care-team patients (and of patients they
//! hold a live grant for) by patient, category, status and time, but not their subjects: the
//! text of a message is read only by opening it, which is audited.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::common::{
    attachment_response, landing_on, message_items, plausible_id, refuse_oversized, refused_page,
    reserve_upload, uploads_busy, ThreadQuery,
};
use super::draft::{self, Body, Draft};
use super::patient::see_other;
use super::store;
use crate::access::{open_for_clinician, ChartAccess, Section, Viewer};
use crate::auth::directory;
use crate::auth::{Clinician, Role};
use crate::state::AppState;
use crate::web::csrf::{self, CsrfForm};
use crate::web::page::{format_time, page_context};
use crate::web::{templates, AppError};

#[derive(Debug, Deserialize)]
pub struct InboxQuery {
    patient: Option<String>,
    status: Option<String>,
    mine: Option<String>,
}

/// A thread of the clinician's inbox as the query reads it; the unread flag is 0/1.
#[derive(sqlx::FromRow)]
struct InboxThread {
    thread_id: String,
    patient_id: String,
    given_name: String,
    family_name: String,
    category: String,
    status: String,
    assigned_name: Option<String>,
    updated_at: i64,
    staff_unread: i64,
    assigned_to: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PatientName {
    given_name: String,
    family_name: String,
}

#[derive(Serialize)]
struct InboxRow {
    url: String,
    patient: String,
    category: String,
    status: String,
    assigned: Option<String>,
    updated: String,
    unread: bool,
}

#[derive(Serialize)]
struct PatientOption {
    id: String,
    name: String,
    selected: bool,
}

/// `GET /staff/messages`: unread first, then newest; filter by patient, status, assignee.
pub async fn inbox(
    state: web::Data<AppState>,
    session: Session,
    clinician: Clinician,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, AppError> {
    directory::record(&state.pool, clinician.user()).await?;
    let me = &clinician.subject;
    let status = match query.status.as_deref().unwrap_or("open") {
        "done" => "done",
        "all" => "all",
        _ => "open",
    };
    let patient = query
        .patient
        .as_deref()
        .unwrap_or_default()
        .trim()
        .to_string();
    let mine = query.mine.as_deref() == Some("1");
    // The clinician's patients: the care team, plus live break-the-glass grants.
    let rows = sqlx::query_as::<_, InboxThread>(
        "SELECT t.id AS thread_id, p.id AS patient_id, p.given_name, p.family_name, t.category, t.status, \
         c.display_name AS assigned_name, t.updated_at, t.staff_unread, t.assigned_to \
         FROM message_threads t JOIN patients p ON p.id = t.patient_id \
         LEFT JOIN clinicians c ON c.subject = t.assigned_to \
         WHERE (t.patient_id IN (SELECT patient_id FROM care_team WHERE clinician_subject = $1) \
            OR t.patient_id IN (SELECT patient_id FROM break_glass WHERE clinician_subject = $1 AND granted_at IS NOT NULL AND expires_at > $2)) \
         ORDER BY t.staff_unread DESC, t.updated_at DESC, t.id LIMIT 500",
    )
    .bind(me)
    .bind(crate::db::now())
    .fetch_all(&state.pool)
    .await?;
    let mut shown = Vec::new();
    let mut patients: Vec<PatientOption> = Vec::new();
    for r in rows {
        let patient_id = r.patient_id;
        let name = format!("{} {}", r.given_name, r.family_name);
        if !patients.iter().any(|p| p.id == patient_id) {
            patients.push(PatientOption {
                selected: patient_id == patient,
                id: patient_id.clone(),
                name: name.clone(),
            });
        }
        let thread_status = r.status;
        let assigned_to = r.assigned_to;
        if (!patient.is_empty() && patient_id != patient)
            || (status != "all" && thread_status != status)
            || (mine && assigned_to.as_deref() != Some(me.as_str()))
        {
            continue;
        }
        shown.push(InboxRow {
            url: format!("/staff/messages/{}", r.thread_id),
            patient: name,
            category: draft::category_words(&r.category),
            status: thread_status,
            assigned: r.assigned_name,
            updated: format_time(r.updated_at),
            unread: r.staff_unread == 1,
        });
    }
    patients.sort_by(|a, b| a.name.cmp(&b.name));
    let mut ctx = page_context(Some((clinician.user(), &session)), &state);
    ctx.insert("threads", &shown);
    ctx.insert("patients", &patients);
    ctx.insert("status", status);
    ctx.insert("mine", &mine);
    Ok(templates::page(StatusCode::OK, "messages_inbox.html", &ctx))
}

/// Finds the thread's patient and opens their chart for this clinician (audited), or 404/403.
async fn open(
    req: &HttpRequest,
    state: &AppState,
    clinician: &Clinician,
    thread_id: &str,
    section: Section,
) -> Result<ChartAccess, AppError> {
    plausible_id(thread_id)?;
    directory::record(&state.pool, clinician.user()).await?;
    let patient_id = store::patient_of_thread(&state.pool, thread_id)
        .await?
        .ok_or(AppError::NotFound)?;
    open_for_clinician(state, req, clinician, &patient_id, section).await
}

/// `GET /staff/messages/{id}`: the conversation, marked read for the team.
pub async fn thread(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    clinician: Clinician,
    id: web::Path<String>,
    query: web::Query<ThreadQuery>,
) -> Result<HttpResponse, AppError> {
    let chart = open(&req, &state, &clinician, &id, Section::Messages).await?;
    let view = store::thread(&state.pool, &chart, &id, Role::Clinician)
        .await?
        .ok_or(AppError::NotFound)?;
    store::mark_read(&state.pool, &chart, &id, Role::Clinician).await?;
    let name = sqlx::query_as::<_, PatientName>(
        "SELECT given_name, family_name FROM patients WHERE id = $1",
    )
    .bind(chart.patient_id())
    .fetch_one(&state.pool)
    .await?;
    let assigned: Option<String> = match &view.thread.assigned_to {
        Some(subject) => {
            sqlx::query_scalar("SELECT display_name FROM clinicians WHERE subject = $1")
                .bind(subject)
                .fetch_optional(&state.pool)
                .await?
        }
        None => None,
    };
    let base = format!("/staff/messages/{}", view.thread.id);
    let mut ctx = page_context(Some((clinician.user(), &session)), &state);
    if let Viewer::BreakGlass { .. } = chart.viewer() {
        ctx.insert(
            "banner",
            // In the page's language (#31; refusals.ftl).
            &crate::i18n::tr(crate::i18n::current(), "break-glass-recorded-banner"),
        );
    }
    ctx.insert(
        "patient_name",
        &format!("{} {}", name.given_name, name.family_name),
    );
    ctx.insert(
        "chart_url",
        &format!("/staff/patients/{}", chart.patient_id()),
    );
    ctx.insert("subject", &view.thread.subject);
    ctx.insert("category", &draft::category_words(&view.thread.category));
    ctx.insert("status", &view.thread.status);
    ctx.insert("assigned", &assigned);
    ctx.insert(
        "assigned_to_me",
        &(view.thread.assigned_to.as_deref() == Some(clinician.subject.as_str())),
    );
    ctx.insert(
        "messages",
        &message_items(&view, "clinician", &base, query.sent()),
    );
    ctx.insert("reply_url", &format!("{base}/reply"));
    ctx.insert("update_url", &format!("{base}/update"));
    ctx.insert("back_url", "/staff/messages");
    ctx.insert("max_files", &draft::MAX_FILES);
    ctx.insert("max_mb", &(draft::MAX_FILE_BYTES / (1024 * 1024)));
    Ok(templates::page(
        StatusCode::OK,
        "messages_thread.html",
        &ctx,
    ))
}

/// `POST /staff/messages/{id}/reply`.
pub async fn reply(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    clinician: Clinician,
    id: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    plausible_id(&id)?;
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
    let chart = open(&req, &state, &clinician, &id, Section::MessageSend).await?;
    let Some(message_id) = store::reply(&state.pool, &chart, &id, clinician.user(), &draft).await?
    else {
        return Err(AppError::NotFound);
    };
    state.mail_wake.now();
    Ok(see_other(&landing_on(
        &format!("/staff/messages/{id}"),
        &message_id,
    )))
}

#[derive(Debug, Deserialize)]
pub struct UpdateForm {
    action: Option<String>,
}

/// `POST /staff/messages/{id}/update`: assign to me, mark done, reopen.
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    clinician: Clinician,
    id: web::Path<String>,
    form: CsrfForm<UpdateForm>,
) -> Result<HttpResponse, AppError> {
    let me = clinician.subject.clone();
    let (assign, status) = match form.action.as_deref() {
        Some("assign") => (Some(me.as_str()), None),
        Some("done") => (None, Some("done")),
        Some("reopen") => (None, Some("open")),
        _ => {
            return Err(AppError::bad_request(crate::i18n::tr(
                crate::i18n::current(),
                "form-error-not-this-form",
            )))
        }
    };
    let chart = open(&req, &state, &clinician, &id, Section::MessageUpdate).await?;
    if !store::update(&state.pool, &chart, &id, assign, status).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&format!("/staff/messages/{id}")))
}

/// `GET /staff/messages/{id}/attachments/{attachment}`.
pub async fn attachment(
    req: HttpRequest,
    state: web::Data<AppState>,
    clinician: Clinician,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (thread_id, attachment_id) = path.into_inner();
    plausible_id(&attachment_id)?;
    let chart = open(
        &req,
        &state,
        &clinician,
        &thread_id,
        Section::MessageAttachment,
    )
    .await?;
    let file = store::attachment(&state.pool, &chart, &thread_id, &attachment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(attachment_response(file))
}
