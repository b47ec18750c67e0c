//! Access logs from the audit trail: patients see who opened their record (the EU health data
//! space gives them that right), the care team sees the same list, and patients can download it
//! as FHIR R4 `AuditEvent` resources.

use super::{Action, Outcome};
use crate::access::{self, ChartAccess, LinkedPatient};
use crate::auth::Clinician;
use crate::records::{PatientId, Section};
use crate::state::AppState;
use crate::web::page::{format_time, page_context};
use crate::web::{templates, AppError};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;

const PAGE_SIZE: i64 = 25;
/// Page numbers beyond this are no one's; clamping keeps the offset arithmetic in range.
const MAX_PAGE: i64 = 100_000;

/// How an action reads on the patient's access log, or `None` when it is not shown there (it
/// concerns the user, not the record). The one list of what a patient is shown: the query asks
/// for exactly these actions, and the page words each row by it. A new action must be decided
/// here: the match has no catch-all.
fn on_access_log(action: Action) -> Option<Reads> {
    use Action::*;
    Some(match action {
        ViewRecord | StaffChartView => Reads::Viewed,
        ExportRecord => Reads::Text("Downloaded your whole record"),
        ViewAccessLog => Reads::Text("Viewed this access log"),
        BreakGlass => Reads::Text("Emergency access to your record (break the glass)"),
        ActivationIssued => Reads::Text("Issued an activation code for your record"),
        ActivationRevoked => Reads::Text("Revoked an activation code"),
        ActivationUsed => Reads::Text("Linked your account to your record"),
        AppRead | AppConnected | AppDisconnected => Reads::App,
        ReadMessages => Reads::Text("Read your messages"),
        SendMessage => Reads::Text("Sent a message"),
        UpdateMessage => Reads::Text("Assigned or closed a message conversation"),
        DownloadAttachment => Reads::Text("Opened an attachment of a message"),
        ReadAppointments => Reads::Text("Viewed your appointments"),
        ChangeAppointment => Reads::Text("Requested or changed an appointment"),
        ReadRenewals => Reads::Text("Viewed a medication renewal request"),
        ChangeRenewal => Reads::Text("Asked for or decided a medication renewal"),
        ShareLinkCreated => Reads::Text("Made a link to share your record"),
        ShareLinkRevoked => Reads::Text("Revoked a link you shared"),
        ShareLinkOpened => Reads::Shared,
        HealthCardIssued => Reads::Text("Made your immunization card"),
        SignIn | SignInFailed | SignOut | SessionTimeout | PasswordReset | ProfileEdit
        | StaffSearch | ActivationFailed | StepUp => return None,
        ProxyInvite => Reads::Text("Invited someone to act for you"),
        ProxyAccept => Reads::Text("Accepted your invitation to act for you"),
        ProxyRevoke => Reads::Text("Ended a proxy's access"),
    })
}

/// How a shown action is worded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reads {
    /// "Viewed" and the section named by the entry's detail.
    Viewed,
    /// Always the same words.
    Text(&'static str),
    /// An app's read or connection: worded by `fhir_api::describe_entry`.
    App,
    /// A request of a link the patient shared: worded by `shared_words` (#30).
    Shared,
}

/// The actions shown to the patient, in the order of `Action::ALL`.
fn shown_actions() -> Vec<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|a| on_access_log(*a).is_some())
        .collect()
}

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

#[derive(sqlx::FromRow)]
struct Entry {
    at: String,
    actor_subject: Option<String>,
    actor_role: String,
    actor_name: Option<String>,
    #[sqlx(try_from = "String")]
    action: Action,
    detail: Option<String>,
    #[sqlx(try_from = "String")]
    outcome: Outcome,
    id: String,
}

async fn entries(
    state: &AppState,
    chart: &ChartAccess,
    offset: i64,
    limit: i64,
) -> Result<Vec<Entry>, sqlx::Error> {
    let shown = shown_actions();
    // $1-$3 are the patient, the limit and the offset; the shown actions follow.
    let placeholders: Vec<String> = (0..shown.len()).map(|i| format!("${}", i + 4)).collect();
    let sql = format!(
        "SELECT a.at, a.actor_subject, a.actor_role, COALESCE(c.display_name, s.name, \
         (SELECT g.proxy_name || ' (your proxy)' FROM proxy_grants g WHERE a.actor_role = 'proxy' \
          AND g.patient_id = a.patient_id AND g.proxy_subject = a.actor_subject \
          ORDER BY g.created_at DESC LIMIT 1)) AS actor_name, \
         a.action, a.detail, a.outcome, a.id \
         FROM audit_log a LEFT JOIN clinicians c ON c.subject = a.actor_subject \
         LEFT JOIN smart_apps s ON a.actor_role = 'app' AND s.client_id = a.actor_subject \
         WHERE a.patient_id = $1 AND a.action IN ({}) ORDER BY a.seq DESC LIMIT $2 OFFSET $3",
        placeholders.join(",")
    );
    let mut query = sqlx::query_as::<_, Entry>(&sql)
        .bind(chart.patient_id())
        .bind(limit)
        .bind(offset);
    for action in shown {
        query = query.bind(action.as_str());
    }
    query.fetch_all(&state.pool).await
}

/// The section of a `Viewed` entry, as the patient reads it. The detail starts with the
/// section's string (a clinician's break-the-glass read adds " break_glass").
fn section_words(detail: Option<&str>) -> &'static str {
    let section = detail
        .and_then(|d| d.split(' ').next())
        .and_then(|s| s.parse::<Section>().ok());
    let Some(section) = section else {
        return "your record";
    };
    match section {
        Section::Summary => "the summary of your record",
        Section::Conditions => "your conditions",
        Section::Medications => "your medications",
        Section::Allergies => "your allergies",
        Section::Immunizations => "your immunizations",
        Section::Labs => "your test results",
        Section::LabHistory => "the history of a test result",
        Section::Vitals => "your vital signs",
        Section::Visits => "your visits",
        Section::Visit => "one of your visits",
        Section::Procedures => "your procedures",
        Section::CarePlans => "your care plans",
        Section::Reports => "your test reports and imaging",
        Section::SocialHistory => "your social history",
        Section::Notes => "your clinical notes",
        Section::Note => "one of your clinical notes",
        Section::Billing => "what your visits cost",
        Section::CareTeam => "your care team",
        Section::AccessLog | Section::AccessLogExport => "this access log",
        Section::PrintableSummary => "a printable summary of your record",
        Section::Home => "your home page (new results, messages, appointments and requests)",
        Section::Export
        | Section::Messages
        | Section::MessageSend
        | Section::MessageUpdate
        | Section::MessageAttachment
        | Section::Appointments
        | Section::AppointmentChange
        | Section::Renewals
        | Section::RenewalChange
        | Section::ShareLink
        | Section::HealthCard => "your record",
    }
}

/// How a request of a shared link reads (#30). The detail is `link=<ref> <what> recipient=<name>`
/// (`sharing::manifest`); the name is what the recipient typed, shown as given.
fn shared_words(outcome: Outcome, detail: Option<&str>) -> String {
    let detail = detail.unwrap_or("");
    let recipient = detail
        .split_once("recipient=")
        .map(|(_, name)| name)
        .unwrap_or("");
    // What happened is the second word; the name, typed by the recipient, comes last and is
    // never read for it.
    match (detail.split(' ').nth(1), outcome) {
        (Some("download"), _) => "A file of a link you shared was downloaded".to_string(),
        (Some("bad_request"), _) => {
            format!("A request for a link you shared could not be read (from '{recipient}')")
        }
        (_, Outcome::Success) => format!("A link you shared was opened by '{recipient}'"),
        (_, Outcome::Failure) => {
            format!("A wrong passcode was given for a link you shared (by '{recipient}')")
        }
        (_, Outcome::Denied) => {
            format!("A link you shared that no longer works was tried (by '{recipient}')")
        }
    }
}

/// A row's words as the care team reads them: the patient's log says "your vital signs" and
/// "You connected ..."; a clinician reads "the patient's vital signs", "The patient connected".
fn for_care_team(words: &str) -> String {
    let words = match words.strip_prefix("You ") {
        Some(rest) => format!(
            "The patient {}",
            rest.replace("your record", "their record")
        ),
        None => words.to_owned(),
    };
    words
        .replace("your ", "the patient's ")
        .replace("you shared", "the patient shared")
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
                        "share_recipient" => "Recipient of a shared link".into(),
                        _ => "The portal".into(),
                    })
            };
            let reason = (e.action == Action::BreakGlass)
                .then(|| {
                    e.detail
                        .as_deref()
                        .map(|d| d.strip_prefix("reason=").unwrap_or(d).to_string())
                })
                .flatten();
            let when = chrono::DateTime::parse_from_rfc3339(&e.at)
                .map(|t| format_time(t.timestamp()))
                .unwrap_or_else(|_| e.at.clone());
            let reads = on_access_log(e.action);
            let what = match reads {
                _ if e.actor_role == "app" || reads == Some(Reads::App) => {
                    crate::fhir_api::describe_entry(&who, e.action.as_str(), e.detail.as_deref())
                }
                Some(Reads::Viewed) => format!("Viewed {}", section_words(e.detail.as_deref())),
                Some(Reads::Text(words)) => words.to_string(),
                Some(Reads::Shared) => shared_words(e.outcome, e.detail.as_deref()),
                // Not asked for by the query; worded as the portal always did.
                Some(Reads::App) | None => "Accessed your record".to_string(),
            };
            // The same log read by the care team speaks of the patient, not to them.
            let what = if me.is_some() {
                what
            } else {
                for_care_team(&what)
            };
            Row_ {
                who,
                role: match e.actor_role.as_str() {
                    "clinician" => "Clinician".into(),
                    "patient" => "Patient".into(),
                    "app" => "App".into(),
                    "share_recipient" => "Link recipient".into(),
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
    id: web::Path<PatientId>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let chart =
        access::open_for_clinician(&state, &req, &clinician, &id, Section::AccessLog).await?;
    let base = format!("/staff/patients/{}", chart.patient_id());
    render(
        &state,
        &session,
        clinician.user(),
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
            let (code, display, action) = match e.action {
                Action::ExportRecord => ("export", "Export", "R"),
                Action::BreakGlass => ("emergency", "Emergency access", "E"),
                Action::SendMessage => ("create", "Create", "C"),
                Action::UpdateMessage | Action::ChangeAppointment | Action::ChangeRenewal => {
                    ("update", "Update", "U")
                }
                Action::ActivationIssued
                | Action::ActivationRevoked
                | Action::ActivationUsed
                | Action::ActivationFailed => ("update", "Update", "U"),
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
                "outcome": if e.outcome == Outcome::Success { "0" } else { "4" },
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
            if e.action == Action::BreakGlass {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_care_team_reads_of_the_patient_not_to_them() {
        assert_eq!(
            for_care_team("Viewed your vital signs"),
            "Viewed the patient's vital signs"
        );
        assert_eq!(
            for_care_team("You connected Diabetes Coach to your record"),
            "The patient connected Diabetes Coach to their record"
        );
        assert_eq!(for_care_team("Sent a message"), "Sent a message");
        assert_eq!(
            for_care_team("A link you shared was opened by 'Dr Ortega'"),
            "A link the patient shared was opened by 'Dr Ortega'"
        );
    }

    #[test]
    fn the_patient_is_shown_what_concerns_their_record_and_nothing_else() {
        let shown: Vec<&str> = shown_actions().iter().map(|a| a.as_str()).collect();
        assert_eq!(
            shown,
            [
                "view_record",
                "export_record",
                "view_access_log",
                "staff_chart_view",
                "break_glass",
                "activation_code_issued",
                "activation_code_revoked",
                "activation_code_used",
                "app_read",
                "app_connected",
                "app_disconnected",
                "read_messages",
                "send_message",
                "update_message",
                "download_attachment",
                "read_appointments",
                "change_appointment",
                "read_renewals",
                "change_renewal",
                "share_link_created",
                "share_link_revoked",
                "share_link_opened",
                "health_card_issued",
                "proxy_invite",
                "proxy_accept",
                "proxy_revoke",
            ]
        );
    }

    #[test]
    fn a_shared_link_reads_by_what_happened_not_by_the_name_given() {
        let words = |o, d: &str| shared_words(o, Some(d));
        assert_eq!(
            words(
                Outcome::Success,
                "link=ab12 opened recipient=Dr Ortega download"
            ),
            "A link you shared was opened by 'Dr Ortega download'"
        );
        assert_eq!(
            words(Outcome::Success, "link=ab12 download"),
            "A file of a link you shared was downloaded"
        );
        assert_eq!(
            words(Outcome::Failure, "link=ab12 wrong_passcode recipient=R"),
            "A wrong passcode was given for a link you shared (by 'R')"
        );
        assert_eq!(
            words(Outcome::Denied, "link=ab12 gone recipient=R"),
            "A link you shared that no longer works was tried (by 'R')"
        );
        assert_eq!(
            words(Outcome::Failure, "link=ab12 bad_request recipient="),
            "A request for a link you shared could not be read (from '')"
        );
    }

    #[test]
    fn a_view_reads_as_the_section_it_opened() {
        assert_eq!(section_words(Some("labs")), "your test results");
        assert_eq!(
            section_words(Some("summary break_glass")),
            "the summary of your record"
        );
        assert_eq!(section_words(Some("no_such_section")), "your record");
        assert_eq!(section_words(None), "your record");
    }
}
