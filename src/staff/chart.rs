//! The chart as a clinician sees it: the same pages as the patient's, under
//! `/staff/patients/{id}`, opened only through `access::open_for_clinician`.

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::common::{clock, day, enter};
use crate::access::{open_for_clinician, ChartAccess, Viewer};
use crate::activation;
use crate::auth::Clinician;
use crate::records::pages::{render_chart_page, ChartPage};
use crate::records::{LoincCode, PatientId};
use crate::state::AppState;
use crate::web::page::page_context;
use crate::web::AppError;

/// The staff-only part of the chart summary: outstanding activation codes and the forms to
/// issue and revoke them (rendered by `staff_chart_panel.html`).
#[derive(Serialize)]
struct StaffPanel {
    patient_id: String,
    linked: bool,
    codes: Vec<OutstandingCode>,
    access_log_url: String,
}

#[derive(Serialize)]
struct OutstandingCode {
    id: String,
    issued: String,
    expires: String,
}

async fn open(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    c: &Clinician,
    patient_id: &PatientId,
    page: ChartPage,
) -> Result<HttpResponse, AppError> {
    enter(state, c).await?;
    let access = open_for_clinician(state, req, c, patient_id, page.section()).await?;
    let mut ctx = page_context(Some((c.user(), session)), state);
    if let Viewer::BreakGlass { expires_at } = access.viewer() {
        ctx.insert(
            "banner",
            &crate::i18n::tr_args(
                crate::i18n::current(),
                "page-words-bg-banner",
                &[("time", clock(expires_at).into())],
            ),
        );
    }
    if page == ChartPage::Summary {
        ctx.insert("staff_chart", &panel(state, &access).await?);
    }
    let base = format!("/staff/patients/{}", access.patient_id());
    render_chart_page(state, ctx, &access, page, &base).await
}

async fn panel(state: &AppState, access: &ChartAccess) -> Result<StaffPanel, AppError> {
    let patient_id = access.patient_id().to_string();
    let linked: Option<String> =
        sqlx::query_scalar("SELECT b2c_subject FROM patients WHERE id = $1")
            .bind(&patient_id)
            .fetch_one(&state.pool)
            .await?;
    let codes = activation::outstanding(&state.pool, &patient_id)
        .await?
        .into_iter()
        .map(|code| OutstandingCode {
            id: code.id,
            issued: day(code.issued_at),
            expires: day(code.expires_at),
        })
        .collect();
    Ok(StaffPanel {
        access_log_url: format!("/staff/patients/{patient_id}/access-log"),
        patient_id,
        linked: linked.is_some(),
        codes,
    })
}

/// `GET /staff/patients/{id}`: the chart summary.
pub async fn chart(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    c: Clinician,
    id: web::Path<PatientId>,
) -> Result<HttpResponse, AppError> {
    open(&req, &state, &session, &c, &id, ChartPage::Summary).await
}

/// `GET /staff/patients/{id}/{section}`.
pub async fn section(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    c: Clinician,
    p: web::Path<(PatientId, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, segment) = p.into_inner();
    let page = ChartPage::from_segment(&segment).ok_or(AppError::NotFound)?;
    open(&req, &state, &session, &c, &id, page).await
}

/// `GET /staff/patients/{id}/labs/{loinc}`: one test's history.
pub async fn lab(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    c: Clinician,
    p: web::Path<(PatientId, LoincCode)>,
) -> Result<HttpResponse, AppError> {
    // Both segments are parsed by the path: a malformed one is the 404 page, unaudited.
    let (id, loinc) = p.into_inner();
    open(&req, &state, &session, &c, &id, ChartPage::Lab(loinc)).await
}

/// `GET /staff/patients/{id}/visits/{visit}`: one visit and what happened in it.
pub async fn visit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    c: Clinician,
    p: web::Path<(PatientId, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, visit) = p.into_inner();
    if !crate::records::care_views::is_visit_id(&visit) {
        return Err(AppError::NotFound);
    }
    open(&req, &state, &session, &c, &id, ChartPage::Visit(visit)).await
}

/// `GET /staff/patients/{id}/notes/{note}`: one clinical note (#27).
pub async fn note(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    c: Clinician,
    p: web::Path<(PatientId, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, note) = p.into_inner();
    if !crate::records::views::is_visit_id(&note) {
        return Err(AppError::NotFound);
    }
    open(&req, &state, &session, &c, &id, ChartPage::Note(note)).await
}

/// `GET /staff/patients/{id}/notes/{note}/content/{n}`: a note's PDF, downloaded; opened (and
/// audited) as the note itself.
pub async fn note_content(
    req: HttpRequest,
    state: web::Data<AppState>,
    c: Clinician,
    p: web::Path<(PatientId, String, usize)>,
) -> Result<HttpResponse, AppError> {
    let (id, note, n) = p.into_inner();
    if !crate::records::views::is_visit_id(&note) {
        return Err(AppError::NotFound);
    }
    enter(&state, &c).await?;
    let access = open_for_clinician(&state, &req, &c, &id, crate::records::Section::Note).await?;
    crate::records::note_pages::content_response(&state, &access, &note, n).await
}
