//! The patient's note routes beyond the list (`/records/notes` is a chart section like the
//! others): one note, and the download of a note's PDF. Clinicians reach the same two through
//! `staff::chart`, which opens the chart its own way and calls [`content_response`].

use actix_session::Session;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{web, HttpRequest, HttpResponse};

use super::notes::ContentKind;
use super::pages::{render_chart_page, ChartPage, PATIENT_BASE};
use super::{note_store, views, Section};
use crate::access::{ChartAccess, LinkedPatient};
use crate::state::AppState;
use crate::web::page::page_context;
use crate::web::AppError;

/// `GET /records/notes/{note}`: one note with its content. An id that cannot be a note is a
/// 404 before anything is opened; another patient's note is a 404 like a missing one.
pub async fn note(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    id: web::Path<String>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    if !views::is_visit_id(&id) {
        return Err(AppError::NotFound);
    }
    let chart = patient.open(&state, &req, Section::Note).await?;
    let ctx = page_context(Some((&patient.user, &session)), &state);
    render_chart_page(&state, ctx, &chart, ChartPage::Note(id), PATIENT_BASE).await
}

/// `GET /records/notes/{note}/content/{n}`: a note's PDF, downloaded.
pub async fn content(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    path: web::Path<(String, usize)>,
) -> Result<HttpResponse, AppError> {
    let (id, n) = path.into_inner();
    if !views::is_visit_id(&id) {
        return Err(AppError::NotFound);
    }
    let chart = patient.open(&state, &req, Section::Note).await?;
    content_response(&state, &chart, &id, n).await
}

/// A note's content as a download: only PDFs (text and HTML are shown on the note's page, and
/// a source's HTML is never served as a document of our origin). Sent as an attachment with
/// its own type, `nosniff` and `no-store`; another patient's note is a 404.
pub async fn content_response(
    state: &AppState,
    chart: &ChartAccess,
    fhir_id: &str,
    n: usize,
) -> Result<HttpResponse, AppError> {
    let (kind, data) = note_store::content(&state.pool, chart, fhir_id, n)
        .await?
        .ok_or(AppError::NotFound)?;
    if kind != ContentKind::Pdf {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::Ok()
        .content_type(kind.media_type())
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(format!("note-{}.pdf", n + 1))],
        })
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(data))
}
