//! The patient's pages (`/records/*`) and the chart views that clinicians' pages reuse.
//!
//! Every handler reads like its request: the `LinkedPatient` extractor says whose record it is
//! (the signed-in patient's own, never an id from the URL or a form), `open` writes the audit
//! entry and hands back the `ChartAccess` the store needs, then the page is loaded and rendered.
//! `render_chart_page` is shared with the staff pages, which open the chart their own way and
//! pass a different `base` for the links.

use std::collections::HashMap;
use std::sync::Arc;

use actix_session::Session;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::chart_cache::{self, Kept};
use super::{care_views, fhir_export, people_store, people_views, store, views};
use super::{note_store, note_views};
use super::{LoincCode, Section};
use crate::access::{ChartAccess, LinkedPatient};
use crate::state::AppState;
use crate::web::page::page_context;
use crate::web::{templates, AppError};

/// Where the patient's own chart lives; also the one base that offers the download.
pub const PATIENT_BASE: &str = "/records";

/// How many results the summary lists under "Recent results".
const RECENT_RESULTS: usize = 8;

/// One page of a chart, as both patients and clinicians see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartPage {
    Summary,
    Conditions,
    Medications,
    Allergies,
    Immunizations,
    Labs,
    Lab(LoincCode),
    Vitals,
    Visits,
    /// One visit, by its encounter's FHIR id (checked by `care_views::is_visit_id`).
    Visit(String),
    Procedures,
    CarePlans,
    Reports,
    SocialHistory,
    /// The clinical notes, newest first (#27).
    Notes,
    /// One note, by its DocumentReference's FHIR id (checked by `views::is_visit_id`).
    Note(String),
    /// What visits cost and what insurance paid (issue 27).
    Billing,
    /// Clinicians, clinics, places and care teams (issue 27).
    CareTeam,
}

impl ChartPage {
    /// The `{section}` part of a URL.
    pub fn from_segment(segment: &str) -> Option<ChartPage> {
        Some(match segment {
            "conditions" => ChartPage::Conditions,
            "medications" => ChartPage::Medications,
            "allergies" => ChartPage::Allergies,
            "immunizations" => ChartPage::Immunizations,
            "labs" => ChartPage::Labs,
            "vitals" => ChartPage::Vitals,
            "visits" => ChartPage::Visits,
            "procedures" => ChartPage::Procedures,
            "care-plans" => ChartPage::CarePlans,
            "reports" => ChartPage::Reports,
            "social-history" => ChartPage::SocialHistory,
            "notes" => ChartPage::Notes,
            "billing" => ChartPage::Billing,
            "care-team" => ChartPage::CareTeam,
            _ => return None,
        })
    }

    /// The part of the chart this page opens, for the access check's audit entry: the one
    /// mapping from pages to sections, for the patient's and the clinician's routes alike.
    pub fn section(&self) -> Section {
        match self {
            ChartPage::Summary => Section::Summary,
            ChartPage::Conditions => Section::Conditions,
            ChartPage::Medications => Section::Medications,
            ChartPage::Allergies => Section::Allergies,
            ChartPage::Immunizations => Section::Immunizations,
            ChartPage::Labs => Section::Labs,
            ChartPage::Lab(_) => Section::LabHistory,
            ChartPage::Vitals => Section::Vitals,
            ChartPage::Visits => Section::Visits,
            ChartPage::Visit(_) => Section::Visit,
            ChartPage::Procedures => Section::Procedures,
            ChartPage::CarePlans => Section::CarePlans,
            ChartPage::Reports => Section::Reports,
            ChartPage::SocialHistory => Section::SocialHistory,
            ChartPage::Notes => Section::Notes,
            ChartPage::Note(_) => Section::Note,
            ChartPage::Billing => Section::Billing,
            ChartPage::CareTeam => Section::CareTeam,
        }
    }

    /// The URL segment after `base` ("" for the summary).
    fn segment(&self) -> &'static str {
        match self {
            ChartPage::Summary => "",
            ChartPage::Conditions => "conditions",
            ChartPage::Medications => "medications",
            ChartPage::Allergies => "allergies",
            ChartPage::Immunizations => "immunizations",
            ChartPage::Labs | ChartPage::Lab(_) => "labs",
            ChartPage::Vitals => "vitals",
            ChartPage::Visits | ChartPage::Visit(_) => "visits",
            ChartPage::Procedures => "procedures",
            ChartPage::CarePlans => "care-plans",
            ChartPage::Reports => "reports",
            ChartPage::SocialHistory => "social-history",
            ChartPage::Notes | ChartPage::Note(_) => "notes",
            ChartPage::Billing => "billing",
            ChartPage::CareTeam => "care-team",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ChartPage::Summary => "Summary",
            ChartPage::Conditions => "Health conditions",
            ChartPage::Medications => "Medications",
            ChartPage::Allergies => "Allergies",
            ChartPage::Immunizations => "Immunizations",
            ChartPage::Labs | ChartPage::Lab(_) => "Lab results",
            ChartPage::Vitals => "Vital signs",
            ChartPage::Visits | ChartPage::Visit(_) => "Visits",
            ChartPage::Procedures => "Procedures",
            ChartPage::CarePlans => "Care plans",
            ChartPage::Reports => "Reports and imaging",
            ChartPage::SocialHistory => "Social history",
            ChartPage::Notes | ChartPage::Note(_) => "Notes",
            ChartPage::Billing => "Billing",
            ChartPage::CareTeam => "Care team",
        }
    }
}

/// The section links of every chart page. `parent` is the section a sub-page (a test's history)
/// belongs to.
fn nav(base: &str, page: &ChartPage, parent: Option<&ChartPage>) -> Vec<views::NavItem> {
    let sections = [
        ChartPage::Summary,
        ChartPage::Conditions,
        ChartPage::Medications,
        ChartPage::Allergies,
        ChartPage::Immunizations,
        ChartPage::Labs,
        ChartPage::Vitals,
        ChartPage::Visits,
        ChartPage::Notes,
        ChartPage::Procedures,
        ChartPage::CarePlans,
        ChartPage::Reports,
        ChartPage::SocialHistory,
        ChartPage::CareTeam,
        ChartPage::Billing,
    ];
    let mut items: Vec<views::NavItem> = sections
        .iter()
        .map(|s| views::NavItem {
            href: match s.segment() {
                "" => base.to_owned(),
                seg => format!("{base}/{seg}"),
            },
            label: s.title(),
            current: if s == page {
                Some("page")
            } else if Some(s) == parent {
                Some("true")
            } else {
                None
            },
        })
        .collect();
    if base == PATIENT_BASE {
        items.push(views::NavItem {
            href: format!("{base}/export"),
            label: "Download my record",
            current: None,
        });
        items.push(views::NavItem {
            href: format!("{base}/printable"),
            label: "Printable summary",
            current: None,
        });
    }
    items.push(views::NavItem {
        href: format!("{base}/access-log"),
        label: "Who viewed this record",
        current: None,
    });
    items
}

/// Renders a chart page. `base` is where the chart's links start ("/records" or
/// "/staff/patients/{id}"); `ctx` already holds the layout's values (user, CSRF, banners).
///
/// Each page reads the patient plus what the page shows, one query per kind of data (the
/// summary makes six), never one per row.
pub async fn render_chart_page(
    state: &AppState,
    mut ctx: tera::Context,
    chart: &ChartAccess,
    page: ChartPage,
    base: &str,
) -> Result<HttpResponse, AppError> {
    let pool = &state.pool;
    let today = Utc::now().date_naive();
    if let Some(kept) = kept_part(state, chart, &page, base, today).await? {
        // The kept HTML holds the frame and the chart; the title and the print header around it
        // are rendered with each view.
        frame(&mut ctx, &kept.patient, &page, base, today);
        if let Some(title) = &kept.title {
            ctx.insert("page_title", title);
        }
        ctx.insert("chart_html", &kept.html);
        return Ok(templates::page_owned(
            StatusCode::OK,
            "records_cached.html",
            ctx,
        ));
    }
    let patient = store::patient(pool, chart).await?;
    frame(&mut ctx, &patient, &page, base, today);
    let mut parent = None;
    let template = match &page {
        ChartPage::Conditions => {
            let (current, past) = views::split_conditions(&store::conditions(pool, chart).await?);
            ctx.insert("current", &current);
            ctx.insert("past", &past);
            "records_section.html"
        }
        ChartPage::Medications => {
            let medications = store::medications(pool, chart).await?;
            let (current, past) = views::split_medications(&medications);
            ctx.insert("current", &current);
            ctx.insert("past", &past);
            // Renewal requests and their outcomes; the forms only on the patient's own page.
            crate::renewals::medications_context(
                state,
                chart,
                &medications,
                patient.is_deceased(),
                base == PATIENT_BASE,
                &mut ctx,
            )
            .await?;
            "records_section.html"
        }
        ChartPage::Allergies => {
            let allergies = store::allergies(pool, chart).await?;
            ctx.insert("allergies", &views::allergies_view(&patient, allergies));
            "records_section.html"
        }
        ChartPage::Immunizations => {
            let rows: Vec<views::ImmunizationRow> = store::immunizations(pool, chart)
                .await?
                .iter()
                .map(views::ImmunizationRow::of)
                .collect();
            ctx.insert("rows", &rows);
            "records_section.html"
        }
        ChartPage::Vitals => {
            let vitals = store::observations(pool, chart, "vital-signs").await?;
            ctx.insert("results", &views::latest_vitals(&vitals));
            ctx.insert("history", &views::vitals_history(&vitals));
            "records_section.html"
        }
        ChartPage::Visits => {
            let rows: Vec<views::VisitRow> = store::encounters(pool, chart)
                .await?
                .iter()
                .map(views::VisitRow::of)
                .collect();
            ctx.insert("rows", &rows);
            "records_section.html"
        }
        ChartPage::Procedures => {
            let rows: Vec<care_views::ProcedureRow> = store::procedures(pool, chart)
                .await?
                .iter()
                .map(care_views::ProcedureRow::of)
                .collect();
            ctx.insert("rows", &rows);
            "records_care.html"
        }
        ChartPage::CarePlans => {
            let plans = store::care_plans(pool, chart).await?;
            let goals = store::goals(pool, chart).await?;
            let conditions = store::conditions(pool, chart).await?;
            ctx.insert(
                "care",
                &care_views::care_plans_view(&plans, &goals, &conditions),
            );
            "records_care.html"
        }
        ChartPage::Reports => {
            let reports = store::reports(pool, chart).await?;
            let observations = store::all_observations(pool, chart).await?;
            let imaging: Vec<care_views::ImagingRow> = store::imaging(pool, chart)
                .await?
                .iter()
                .map(care_views::ImagingRow::of)
                .collect();
            ctx.insert(
                "reports",
                &care_views::reports_view(&reports, &observations),
            );
            ctx.insert("imaging", &imaging);
            ctx.insert("other", &care_views::other_measurements(&observations));
            "records_care.html"
        }
        ChartPage::SocialHistory => {
            let mut observations = store::observations(pool, chart, "social-history").await?;
            observations.extend(store::observations(pool, chart, "survey").await?);
            ctx.insert("items", &care_views::social_history(&observations));
            "records_care.html"
        }
        ChartPage::Billing => {
            let people = people_store::people(pool, chart).await?;
            let encounters = store::encounters(pool, chart).await?;
            ctx.insert(
                "billing",
                &people_views::billing(&encounters, &people.claims, &people.benefits),
            );
            "records_people.html"
        }
        ChartPage::CareTeam => {
            let people = people_store::directory(pool, chart).await?;
            ctx.insert("team", &people_views::care_team_page(&people));
            "records_people.html"
        }
        ChartPage::Visit(fhir_id) => {
            if !care_views::is_visit_id(fhir_id) {
                return Err(AppError::NotFound);
            }
            let encounter = store::encounter(pool, chart, fhir_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let conditions = store::conditions(pool, chart).await?;
            let procedures = store::procedures(pool, chart).await?;
            let observations = store::encounter_observations(pool, chart, fhir_id).await?;
            let immunizations = store::immunizations(pool, chart).await?;
            let medications = store::medications(pool, chart).await?;
            let care_plans = store::care_plans(pool, chart).await?;
            let reports = store::reports(pool, chart).await?;
            let imaging = store::imaging(pool, chart).await?;
            let visit = care_views::visit_view(care_views::VisitParts {
                encounter: &encounter,
                conditions: &conditions,
                procedures: &procedures,
                observations: &observations,
                immunizations: &immunizations,
                medications: &medications,
                care_plans: &care_plans,
                reports: &reports,
                imaging: &imaging,
            });
            let people = people_store::directory(pool, chart).await?;
            let (claims, benefits) = people_store::visit_costs(pool, chart, fhir_id).await?;
            ctx.insert(
                "visit_people",
                &people_views::visit_people(&encounter, &people, &claims, &benefits),
            );
            parent = Some(ChartPage::Visits);
            ctx.insert("page_title", &title_on(&visit.title, &visit.date.text));
            ctx.insert("visit", &visit);
            // The visit's clinical notes with their content (#27).
            // A report's text is shown with them unless a note already holds it.
            let stored = note_store::encounter_notes(pool, chart, fhir_id).await?;
            let mut notes: Vec<note_views::NoteView> = stored
                .iter()
                .map(|n| note_views::NoteView::of(n, &HashMap::new()))
                .collect();
            notes.extend(note_views::report_texts(&reports, fhir_id, &stored));
            ctx.insert("visit_notes", &notes);
            "records_care.html"
        }
        ChartPage::Notes => {
            let visits = note_views::visit_links(&store::encounters(pool, chart).await?);
            let rows: Vec<note_views::NoteRow> = note_store::notes(pool, chart)
                .await?
                .iter()
                .map(|n| note_views::NoteRow::of(n, &visits))
                .collect();
            ctx.insert("rows", &rows);
            "records_notes.html"
        }
        ChartPage::Note(fhir_id) => {
            if !views::is_visit_id(fhir_id) {
                return Err(AppError::NotFound);
            }
            let n = note_store::note(pool, chart, fhir_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let visits = note_views::visit_links(&store::encounters(pool, chart).await?);
            let note = note_views::NoteView::of(&n, &visits);
            parent = Some(ChartPage::Notes);
            ctx.insert(
                "page_title",
                &match &note.row.date {
                    Some(d) => title_on(&note.row.title, &d.text),
                    None => note.row.title.clone(),
                },
            );
            ctx.insert("note", &note);
            "records_notes.html"
        }
        // Served from their kept parts above.
        ChartPage::Summary | ChartPage::Labs | ChartPage::Lab(_) => return Err(AppError::NotFound),
    };
    ctx.insert("nav", &nav(base, &page, parent.as_ref()));
    Ok(templates::page_owned(StatusCode::OK, template, ctx))
}

/// A note's or a visit's page title: the title the record gives and its day (already written
/// in the page's language), joined by the page's language (#31; `page_words.ftl`).
fn title_on(title: &str, date: &str) -> String {
    crate::i18n::tr_args(
        crate::i18n::current(),
        "page-words-title-on",
        &[("title", title.into()), ("date", date.into())],
    )
}

/// The values of a chart page's frame (whose chart, the print header, the title).
fn frame(
    ctx: &mut tera::Context,
    patient: &super::Patient,
    page: &ChartPage,
    base: &str,
    today: chrono::NaiveDate,
) {
    ctx.insert(
        "patient_heading",
        &views::PatientHeading::of(patient, today),
    );
    ctx.insert("base", base);
    // The print header says when the paper was made (the day the page was rendered, UTC).
    ctx.insert("printed_on", &views::DateView::day(today));
    ctx.insert("page_title", page.title());
    ctx.insert("section", page.segment());
}

/// The chart part of the summary, the latest results or a test's history, rendered from the
/// current version of the record: kept from an earlier view when the version and the day are
/// the same (see `chart_cache`), else read in one statement, rendered and kept. `None` for the
/// other pages. A test without results is a 404, as before anything was kept.
async fn kept_part(
    state: &AppState,
    chart: &ChartAccess,
    page: &ChartPage,
    base: &str,
    today: chrono::NaiveDate,
) -> Result<Option<Arc<Kept>>, AppError> {
    let name = match page {
        ChartPage::Summary => "summary".to_string(),
        ChartPage::Labs => "labs".to_string(),
        ChartPage::Lab(loinc) => format!("labs/{}", loinc.as_str()),
        _ => return Ok(None),
    };
    let pool = &state.pool;
    // Read before the record (by the access check, or here): a part rendered from a newer
    // record than its version says is only rendered again, never served stale.
    let version = match chart.record_version() {
        Some(version) => version,
        None => store::record_version(pool, chart).await?,
    };
    let key = chart_cache::Key::new(chart.patient_id().as_str(), name, base);
    if let Some(kept) = state.charts.get(&key, version, today) {
        return Ok(Some(kept));
    }
    let mut ctx = tera::Context::new();
    let mut title = None;
    let mut parent = None;
    let (patient, template) = match page {
        ChartPage::Summary => {
            let store::Summary {
                patient,
                conditions,
                medications,
                allergies,
                vitals,
                labs,
            } = store::summary(pool, chart).await?;
            ctx.insert("conditions", &views::split_conditions(&conditions).0);
            ctx.insert("medications", &views::split_medications(&medications).0);
            ctx.insert("allergies", &views::allergies_view(&patient, allergies));
            ctx.insert("vitals", &views::latest_vitals(&vitals));
            let mut recent = views::latest_results(&labs);
            let more_results = recent.len() > RECENT_RESULTS;
            recent.truncate(RECENT_RESULTS);
            ctx.insert("results", &recent);
            ctx.insert("more_results", &more_results);
            (patient, "records_chart_summary.html")
        }
        ChartPage::Labs => {
            let (patient, labs) =
                store::patient_and_observations(pool, chart, "laboratory").await?;
            ctx.insert("results", &views::latest_results(&labs));
            ctx.insert("result_count", &labs.len());
            (patient, "records_chart_labs.html")
        }
        ChartPage::Lab(loinc) => {
            let (patient, history) = store::patient_and_history(pool, chart, loinc).await?;
            let lab = views::lab_history(loinc, &history).ok_or(AppError::NotFound)?;
            title = Some(lab.name.clone());
            parent = Some(if lab.is_vital {
                ChartPage::Vitals
            } else {
                ChartPage::Labs
            });
            ctx.insert("lab", &lab);
            (patient, "records_chart_lab.html")
        }
        _ => return Ok(None),
    };
    frame(&mut ctx, &patient, page, base, today);
    if let Some(title) = &title {
        ctx.insert("page_title", title);
    }
    ctx.insert("nav", &nav(base, page, parent.as_ref()));
    let render = |template: &str| {
        templates::render(template, &ctx).map_err(|e| {
            tracing::error!(template, error = %e, "template rendering failed");
            AppError::Internal(anyhow::anyhow!("a chart part could not be rendered"))
        })
    };
    let mut html = render("records_frame.html")?;
    html.push_str(&render(template)?);
    Ok(Some(state.charts.put(
        key,
        Kept {
            version,
            day: today,
            patient,
            html,
            title,
        },
    )))
}

/// `GET /records`: the summary of the signed-in patient's own chart.
pub async fn summary(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let chart = patient.open(&state, &req, Section::Summary).await?;
    let ctx = page_context(Some((&patient.user, &session)), &state);
    render_chart_page(&state, ctx, &chart, ChartPage::Summary, PATIENT_BASE).await
}

/// `GET /records/{section}`. An unknown section is a 404 before anything is opened (or audited).
pub async fn section(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    section: web::Path<String>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let page = ChartPage::from_segment(&section).ok_or(AppError::NotFound)?;
    let chart = patient.open(&state, &req, page.section()).await?;
    let ctx = page_context(Some((&patient.user, &session)), &state);
    render_chart_page(&state, ctx, &chart, page, PATIENT_BASE).await
}

/// `GET /records/labs/{loinc}`: one test's history and trend. A code the patient has no result
/// for is a 404, whoever else may have one.
pub async fn lab(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    loinc: web::Path<LoincCode>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    // Parsed by the path: a malformed code is the 404 page before anything is opened.
    let loinc = loinc.into_inner();
    let chart = patient.open(&state, &req, Section::LabHistory).await?;
    let ctx = page_context(Some((&patient.user, &session)), &state);
    render_chart_page(&state, ctx, &chart, ChartPage::Lab(loinc), PATIENT_BASE).await
}

/// `GET /records/visits/{id}`: one visit and what happened in it. An id that cannot be a visit
/// is a 404 before anything is opened; another patient's visit is a 404 like a missing one.
pub async fn visit(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    id: web::Path<String>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    if !care_views::is_visit_id(&id) {
        return Err(AppError::NotFound);
    }
    let chart = patient.open(&state, &req, Section::Visit).await?;
    let ctx = page_context(Some((&patient.user, &session)), &state);
    render_chart_page(&state, ctx, &chart, ChartPage::Visit(id), PATIENT_BASE).await
}

/// How many lab tests the printable summary lists (the latest result of each, newest first).
const PRINTABLE_RESULTS: usize = 12;

/// `GET /records/printable`: one page a patient can print and bring to an appointment: who,
/// current conditions and medications, allergies, immunizations, the latest vital signs and lab
/// results. Opened (and audited) like every other chart page; always the patient's own record.
pub async fn printable(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let chart = patient
        .open(&state, &req, Section::PrintableSummary)
        .await?;
    let mut ctx = page_context(Some((&patient.user, &session)), &state);
    let pool = &state.pool;
    let record = store::patient(pool, &chart).await?;
    let today = Utc::now().date_naive();
    let conditions = store::conditions(pool, &chart).await?;
    let medications = store::medications(pool, &chart).await?;
    let allergies = store::allergies(pool, &chart).await?;
    let immunizations: Vec<views::ImmunizationRow> = store::immunizations(pool, &chart)
        .await?
        .iter()
        .map(views::ImmunizationRow::of)
        .collect();
    let vitals = store::observations(pool, &chart, "vital-signs").await?;
    let labs = store::observations(pool, &chart, "laboratory").await?;
    let mut results = views::latest_results(&labs);
    let test_count = results.len();
    results.truncate(PRINTABLE_RESULTS);
    ctx.insert(
        "patient_heading",
        &views::PatientHeading::of(&record, today),
    );
    ctx.insert("printed_on", &views::DateView::day(today));
    ctx.insert("page_title", "Health summary");
    ctx.insert("conditions", &views::split_conditions(&conditions).0);
    ctx.insert("medications", &views::split_medications(&medications).0);
    ctx.insert("allergies", &views::allergies_view(&record, allergies));
    ctx.insert("immunizations", &immunizations);
    ctx.insert("vitals", &views::latest_vitals(&vitals));
    ctx.insert("results", &results);
    ctx.insert("test_count", &test_count);
    Ok(templates::page(
        StatusCode::OK,
        "records_printable.html",
        &ctx,
    ))
}

/// `GET /records/export`: the whole record as a FHIR R4 Bundle, downloaded as a file.
pub async fn export(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    // The whole record leaves in one click: only after a recent MFA sign-in (step-up, #29).
    _fresh: crate::auth::StepUp,
) -> Result<HttpResponse, AppError> {
    let chart = patient.open(&state, &req, Section::Export).await?;
    let record = store::whole_record(&state.pool, &chart).await?;
    let mut bundle = fhir_export::export_bundle(&record);
    // Messages are part of the record: they travel as FHIR Communication resources.
    let messages =
        crate::messages::store::communications(&state.pool, &chart, &state.settings.public_url)
            .await?;
    fhir_export::add_communications(&mut bundle, &messages);
    // Appointments and approved renewals (new MedicationRequests linked to the old).
    crate::appointments::fhir::add_to_export(&state.pool, &chart, &mut bundle).await?;
    crate::renewals::fhir::add_to_export(&state.pool, &chart, &mut bundle).await?;
    // The patient's proxies, as RelatedPerson (#29).
    crate::proxy::fhir::add_to_export(&state.pool, &chart, &mut bundle).await?;
    let body = serde_json::to_vec_pretty(&bundle).map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/fhir+json")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename("health-record.json".into())],
        })
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, LANG};

    #[test]
    fn a_note_s_or_visit_s_title_says_its_day_in_the_page_s_language() {
        let es = LANG.sync_scope(Lang::Es, || {
            title_on("Encounter for problem", "3 de marzo de 2020")
        });
        assert_eq!(es, "Encounter for problem del 3 de marzo de 2020");
        assert_eq!(
            title_on("Encounter for problem", "3 March 2020"),
            "Encounter for problem on 3 March 2020"
        );
    }
}
