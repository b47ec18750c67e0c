//! Access logs from the audit trail: patients see who opened their record (the EU health data
//! space gives them that right), the care team sees the same list, and patients can download it
//! as FHIR R4 `AuditEvent` resources.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use crate::access::{self, ChartAccess, LinkedPatient, Section};
use crate::auth::Clinician;
use crate::state::AppState;
use crate::web::page::{format_time, page_context};
use crate::web::{templates, AppError};

const PAGE_SIZE: i64 = 25;
/// Page numbers beyond this are no one's; clamping keeps the offset arithmetic in range.
const MAX_PAGE: i64 = 100_000;

/// The actions that concern a patient's record, as the patient reads them.
const SHOWN: &str = "'view_record','export_record','staff_chart_view','break_glass','view_access_log','activation_code_issued','activation_code_revoked','activation_code_used','app_read','app_connected','app_disconnected','read_messages','send_message','update_message','download_attachment','read_appointments','change_appointment','read_renewals','change_renewal'";

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

#[derive(Serialize)]
struct Row_ {
    who: String,
    role: String,
    what: String,
    when: String,
    reason: Option<String>,
}

struct Entry {
    at: String,
    actor_subject: Option<String>,
    actor_role: String,
    actor_name: Option<String>,
    action: String,
    detail: Option<String>,
    outcome: String,
    id: String,
}

async fn entries(
    state: &AppState,
    chart: &ChartAccess,
    offset: i64,
    limit: i64,
) -> Result<Vec<Entry>, sqlx::Error> {
    let sql = format!(
        "SELECT a.at, a.actor_subject, a.actor_role, COALESCE(c.display_name, s.name), a.action, a.detail, a.outcome, a.id \
         FROM audit_log a LEFT JOIN clinicians c ON c.subject = a.actor_subject \
         LEFT JOIN smart_apps s ON a.actor_role = 'app' AND s.client_id = a.actor_subject \
         WHERE a.patient_id = $1 AND a.action IN ({SHOWN}) ORDER BY a.seq DESC LIMIT $2 OFFSET $3"
    );
    let rows = sqlx::query(&sql)
        .bind(chart.patient_id())
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Entry {
                at: r.try_get(0)?,
                actor_subject: r.try_get(1)?,
                actor_role: r.try_get(2)?,
                actor_name: r.try_get(3)?,
                action: r.try_get(4)?,
                detail: r.try_get(5)?,
                outcome: r.try_get(6)?,
                id: r.try_get(7)?,
            })
        })
        .collect()
}

fn describe(action: &str, detail: Option<&str>) -> String {
    let section = detail
        .map(|d| d.split(' ').next().unwrap_or(d))
        .unwrap_or("");
    let section = match section {
        "summary" => "the summary of your record",
        "conditions" => "your conditions",
        "medications" => "your medications",
        "allergies" => "your allergies",
        "immunizations" => "your immunizations",
        "labs" => "your test results",
        "lab_history" => "the history of a test result",
        "vitals" => "your vital signs",
        "visits" => "your visits",
        "visit" => "one of your visits",
        "procedures" => "your procedures",
        "care_plans" => "your care plans",
        "reports" => "your test reports and imaging",
        "social_history" => "your social history",
        "access_log" | "access_log_export" => "this access log",
        "printable_summary" => "a printable summary of your record",
        _ => "your record",
    };
    match action {
        "view_record" | "staff_chart_view" => format!("Viewed {section}"),
        "export_record" => "Downloaded your whole record".into(),
        "view_access_log" => "Viewed this access log".into(),
        "break_glass" => "Emergency access to your record (break the glass)".into(),
        "activation_code_issued" => "Issued an activation code for your record".into(),
        "activation_code_revoked" => "Revoked an activation code".into(),
        "activation_code_used" => "Linked your account to your record".into(),
        "read_messages" => "Read your messages".into(),
        "send_message" => "Sent a message".into(),
        "update_message" => "Assigned or closed a message conversation".into(),
        "download_attachment" => "Opened an attachment of a message".into(),
        "read_appointments" => "Viewed your appointments".into(),
        "change_appointment" => "Requested or changed an appointment".into(),
        "read_renewals" => "Viewed a medication renewal request".into(),
        "change_renewal" => "Asked for or decided a medication renewal".into(),
        _ => "Accessed your record".into(),
    }
}

fn rows_for(entries: &[Entry], me: Option<&str>) -> Vec<Row_> {
    entries
        .iter()
        .map(|e| {
            let you = me.is_some() && e.actor_subject.as_deref() == me;
            let who = if you {
                "You".to_string()
            } else {
                e.actor_name
                    .clone()
                    .unwrap_or_else(|| match e.actor_role.as_str() {
                        "clinician" => "A clinician".into(),
                        "patient" => "The patient".into(),
                        "app" => "An app".into(),
                        _ => "The portal".into(),
                    })
            };
            let reason = (e.action == "break_glass")
                .then(|| {
                    e.detail
                        .as_deref()
                        .map(|d| d.strip_prefix("reason=").unwrap_or(d).to_string())
                })
                .flatten();
            let when = chrono::DateTime::parse_from_rfc3339(&e.at)
                .map(|t| format_time(t.timestamp()))
                .unwrap_or_else(|_| e.at.clone());
            let what = if e.actor_role == "app" || e.action.starts_with("app_") {
                crate::fhir_api::describe_entry(&who, &e.action, e.detail.as_deref())
            } else {
                describe(&e.action, e.detail.as_deref())
            };
            Row_ {
                who,
                role: match e.actor_role.as_str() {
                    "clinician" => "Clinician".into(),
                    "patient" => "Patient".into(),
                    "app" => "App".into(),
                    other => other.to_string(),
                },
                what,
                when,
                reason,
            }
        })
        .collect()
}

async fn render(
    state: &AppState,
    session: &Session,
    user: &crate::auth::SignedInUser,
    chart: &ChartAccess,
    page: i64,
    base: &str,
    me: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let page = page.clamp(1, MAX_PAGE);
    let found = entries(state, chart, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1).await?;
    let has_next = found.len() as i64 > PAGE_SIZE;
    let shown = &found[..found.len().min(PAGE_SIZE as usize)];
    let mut ctx = page_context(Some((user, session)), state);
    ctx.insert("rows", &rows_for(shown, me));
    ctx.insert("page", &page);
    ctx.insert("has_next", &has_next);
    ctx.insert("base", base);
    ctx.insert("for_patient", &me.is_some());
    Ok(templates::page(StatusCode::OK, "access_log.html", &ctx))
}

/// `GET /records/access-log`: who looked at my record.
pub async fn patient_access_log(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    patient: LinkedPatient,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let chart = patient.open(&state, &req, Section::AccessLog).await?;
    let me = patient.user.subject.clone();
    render(
        &state,
        &session,
        &patient.user,
        &chart,
        query.page.unwrap_or(1),
        "/records",
        Some(&me),
    )
    .await
}

/// `GET /staff/patients/{id}/access-log`: the same list, for the care team.
pub async fn staff_access_log(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    clinician: Clinician,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let chart =
        access::open_for_clinician(&state, &req, &clinician.0, &id, Section::AccessLog).await?;
    let base = format!("/staff/patients/{}", chart.patient_id());
    render(
        &state,
        &session,
        &clinician.0,
        &chart,
        query.page.unwrap_or(1),
        &base,
        None,
    )
    .await
}

/// `GET /records/access-log/export`: the access log as a FHIR R4 Bundle of AuditEvents.
pub async fn patient_access_log_export(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
) -> Result<HttpResponse, AppError> {
    let chart = patient.open(&state, &req, Section::AccessLogExport).await?;
    let all = entries(&state, &chart, 0, 100_000).await?;
    let bundle = audit_events(chart.patient_id(), &all);
    let body = serde_json::to_vec_pretty(&bundle).map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/fhir+json")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"access-log.json\"",
        ))
        .body(body))
}

fn audit_events(patient_id: &str, entries: &[Entry]) -> serde_json::Value {
    let resources: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            let (code, display, action) = match e.action.as_str() {
                "export_record" => ("export", "Export", "R"),
                "break_glass" => ("emergency", "Emergency access", "E"),
                "send_message" => ("create", "Create", "C"),
                "update_message" | "change_appointment" | "change_renewal" => {
                    ("update", "Update", "U")
                }
                a if a.starts_with("activation_code") => ("update", "Update", "U"),
                _ => ("read", "Read", "R"),
            };
            let mut event = json!({
                "resourceType": "AuditEvent",
                "id": e.id,
                "type": {
                    "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
                    "code": "rest",
                    "display": "RESTful Operation"
                },
                "subtype": [{
                    "system": "http://hl7.org/fhir/restful-interaction",
                    "code": code,
                    "display": display
                }],
                "action": action,
                "recorded": e.at,
                "outcome": if e.outcome == "success" { "0" } else { "4" },
                "agent": [{
                    "who": {
                        "identifier": { "system": "urn:patient-portal:subject", "value": e.actor_subject.clone().unwrap_or_else(|| "unknown".into()) },
                        "display": e.actor_name.clone().unwrap_or_else(|| e.actor_role.clone())
                    },
                    "requestor": true
                }],
                "source": { "observer": { "display": "patient-portal" } },
                "entity": [{ "what": { "reference": format!("Patient/{patient_id}") } }]
            });
            if e.action == "break_glass" {
                event["purposeOfEvent"] = json!([{
                    "coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                        "code": "ETREAT",
                        "display": "Emergency Treatment"
                    }],
                    "text": e.detail.clone().unwrap_or_default()
                }]);
            }
            json!({ "fullUrl": format!("urn:uuid:{}", e.id), "resource": event })
        })
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "entry": resources
    })
}
