//! Access logs from the audit trail: patients see who opened their record (the EU health data
//! space gives them that right), the care team sees the same list, and patients can download it
//! as FHIR R4 `AuditEvent` resources.

use super::{Action, Outcome};
use crate::access::{self, ChartAccess, LinkedPatient};
use crate::auth::Clinician;
use crate::i18n::{self, Arg, Lang};
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
        ExportRecord => Reads::Said("access-did-export"),
        ViewAccessLog => Reads::Said("access-did-view-access-log"),
        BreakGlass => Reads::Said("access-did-break-glass"),
        ActivationIssued => Reads::Said("access-did-activation-issued"),
        ActivationRevoked => Reads::Said("access-did-activation-revoked"),
        ActivationUsed => Reads::Said("access-did-activation-used"),
        AppRead | AppConnected | AppDisconnected => Reads::App,
        ReadMessages => Reads::Said("access-did-read-messages"),
        SendMessage => Reads::Said("access-did-send-message"),
        UpdateMessage => Reads::Said("access-did-update-message"),
        DownloadAttachment => Reads::Said("access-did-download-attachment"),
        ReadAppointments => Reads::Said("access-did-read-appointments"),
        ChangeAppointment => Reads::Said("access-did-change-appointment"),
        ReadRenewals => Reads::Said("access-did-read-renewals"),
        ChangeRenewal => Reads::Said("access-did-change-renewal"),
        ShareLinkCreated => Reads::Said("access-did-share-created"),
        ShareLinkRevoked => Reads::Said("access-did-share-revoked"),
        ShareLinkOpened => Reads::Shared,
        HealthCardIssued => Reads::Said("access-did-health-card"),
        SignIn | SignInFailed | SignOut | SessionTimeout | PasswordReset | ProfileEdit
        | StaffSearch | ActivationFailed | StepUp => return None,
        ProxyInvite => Reads::Said("access-did-proxy-invite"),
        ProxyAccept => Reads::Said("access-did-proxy-accept"),
        ProxyRevoke => Reads::Said("access-did-proxy-revoke"),
    })
}

/// How a shown action is worded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reads {
    /// "Viewed" and the section named by the entry's detail.
    Viewed,
    /// Always the same message (`locales/*/access_sentences.ftl`).
    Said(&'static str),
    /// An app's read or connection: worded by `app_words`.
    App,
    /// A request of a link the patient shared: worded by `shared_words` (#30).
    Shared,
}

/// Who reads the log: the patient is spoken to ("your vital signs"), the care team reads of
/// the patient ("the patient's vital signs"). Every sentence selects on it in the message
/// files (`$viewer`), so each language words both readers itself (#31).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Viewer {
    Patient,
    Staff,
}

impl Viewer {
    fn arg(self) -> (&'static str, Arg) {
        let value = match self {
            Viewer::Patient => "patient",
            Viewer::Staff => "staff",
        };
        ("viewer", Arg::from(value))
    }
}

/// A message of the access log for `viewer`, with `args`.
fn say(lang: Lang, viewer: Viewer, key: &str, args: Vec<(&str, Arg)>) -> String {
    let mut args = args;
    args.push(viewer.arg());
    i18n::tr_args(lang, key, &args)
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
    /// A proxy's name as the patient gave it, when the actor is their proxy (#29).
    proxy_name: Option<String>,
    /// The name a shared link's recipient typed, from the link's access row (#30): the audit
    /// entry names only that row, never the name.
    share_recipient: Option<String>,
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
        "SELECT a.at, a.actor_subject, a.actor_role, COALESCE(c.display_name, s.name) AS actor_name, \
         (SELECT g.proxy_name FROM proxy_grants g WHERE a.actor_role = 'proxy' \
          AND g.patient_id = a.patient_id AND g.proxy_subject = a.actor_subject \
          ORDER BY g.created_at DESC LIMIT 1) AS proxy_name, \
         (SELECT r.recipient FROM share_link_accesses r WHERE a.action = 'share_link_opened' \
          AND r.id = SUBSTR(a.detail, LENGTH(a.detail) - 35)) AS share_recipient, \
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

/// The section of a `Viewed` entry, as a message key (`access-data-*`). The detail starts with
/// the section's string (a clinician's break-the-glass read adds " break_glass").
fn section_words(detail: Option<&str>) -> &'static str {
    let section = detail
        .and_then(|d| d.split(' ').next())
        .and_then(|s| s.parse::<Section>().ok());
    let Some(section) = section else {
        return "access-data-record";
    };
    match section {
        Section::Summary => "access-data-summary",
        Section::Conditions => "access-data-conditions",
        Section::Medications => "access-data-medications",
        Section::Allergies => "access-data-allergies",
        Section::Immunizations => "access-data-immunizations",
        Section::Labs => "access-data-test-results",
        Section::LabHistory => "access-data-lab-history",
        Section::Vitals => "access-data-vitals",
        Section::Visits => "access-data-visits",
        Section::Visit => "access-data-visit",
        Section::Procedures => "access-data-procedures",
        Section::CarePlans => "access-data-care-plans",
        Section::Reports => "access-data-reports-imaging",
        Section::SocialHistory => "access-data-social-history",
        Section::Notes => "access-data-notes",
        Section::Note => "access-data-note",
        Section::Billing => "access-data-billing",
        Section::CareTeam => "access-data-care-team",
        Section::AccessLog | Section::AccessLogExport => "access-data-access-log",
        Section::PrintableSummary => "access-data-printable",
        Section::Home => "access-data-home",
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
        | Section::HealthCard => "access-data-record",
    }
}

/// How a request of a shared link reads (#30). The detail is `link=<ref> <what> ...
/// access=<id>` (`sharing::manifest`), the access row's id last (36 characters, which the query
/// joins on); `recipient` is the name the recipient typed, kept only in that row and shown as
/// given. Entries written before the audit stopped holding names end in `recipient=<name>`.
fn shared_words(
    lang: Lang,
    viewer: Viewer,
    outcome: Outcome,
    detail: Option<&str>,
    recipient: Option<&str>,
) -> String {
    let detail = detail.unwrap_or("");
    let recipient = recipient
        .or_else(|| detail.split_once(" recipient=").map(|(_, name)| name))
        .unwrap_or("");
    // What happened is the second word; the name, typed by the recipient, comes last and is
    // never read for it.
    let key = match (detail.split(' ').nth(1), outcome) {
        (Some("download"), _) => "access-shared-download",
        (Some("bad_request"), _) => "access-shared-unreadable",
        (_, Outcome::Success) => "access-shared-opened",
        (_, Outcome::Failure) => "access-shared-wrong-passcode",
        (_, Outcome::Denied) => "access-shared-gone",
    };
    say(lang, viewer, key, vec![("recipient", recipient.into())])
}

/// How an app's entry reads (`fhir_api` writes the detail as `<kind> <resource type>
/// [<category>]`; a disconnection's detail is the app's name).
fn app_words(
    lang: Lang,
    viewer: Viewer,
    app: &str,
    action: Action,
    detail: Option<&str>,
) -> String {
    let mut words = detail.unwrap_or("").split(' ');
    let kind = words.next();
    let rtype = words.next().unwrap_or("");
    let category = words.next();
    let what = match (rtype, category) {
        ("Observation", Some("laboratory")) => "access-data-lab-results",
        ("Observation", Some("vital-signs")) => "access-data-vitals",
        ("Observation", _) => "access-data-labs-and-vitals",
        ("Patient", _) => "access-data-demographics",
        ("AllergyIntolerance", _) => "access-data-allergies",
        ("Condition", _) => "access-data-conditions",
        ("MedicationRequest", _) => "access-data-medications",
        ("Immunization", _) => "access-data-immunizations",
        ("Encounter", _) => "access-data-visits",
        ("Procedure", _) => "access-data-procedures",
        ("DiagnosticReport", _) => "access-data-test-reports",
        ("DocumentReference", _) => "access-data-notes",
        ("CarePlan", _) => "access-data-care-plans",
        ("Goal", _) => "access-data-goals",
        ("Provenance", _) => "access-data-provenance",
        _ => "access-data-record",
    };
    let what = say(lang, viewer, what, vec![]);
    let app_arg = || vec![("app", Arg::from(app)), ("what", Arg::from(what.as_str()))];
    match action {
        Action::AppRead if kind == Some("refused") => {
            say(lang, viewer, "access-app-refused", app_arg())
        }
        Action::AppRead => say(lang, viewer, "access-app-read", app_arg()),
        Action::AppConnected => say(lang, viewer, "access-app-connected", app_arg()),
        Action::AppDisconnected => match detail.filter(|d| !d.is_empty()) {
            Some(name) => say(
                lang,
                viewer,
                "access-app-disconnected",
                vec![("app", name.into())],
            ),
            None => say(lang, viewer, "access-app-disconnected-unnamed", vec![]),
        },
        _ => say(lang, viewer, "access-app-accessed", app_arg()),
    }
}

fn rows_for(entries: &[Entry], me: Option<&str>) -> Vec<Row_> {
    let lang = i18n::current();
    let viewer = if me.is_some() {
        Viewer::Patient
    } else {
        Viewer::Staff
    };
    entries
        .iter()
        .map(|e| {
            let you = me.is_some() && e.actor_subject.as_deref() == me;
            let who = if you {
                i18n::tr(lang, "access-who-you")
            } else if let Some(name) = &e.actor_name {
                name.clone()
            } else if let Some(name) = &e.proxy_name {
                say(
                    lang,
                    viewer,
                    "access-who-proxy",
                    vec![("name", name.as_str().into())],
                )
            } else {
                i18n::tr(
                    lang,
                    match e.actor_role.as_str() {
                        "clinician" => "access-who-clinician",
                        "patient" => "access-who-patient",
                        "app" => "access-who-app",
                        "share_recipient" => "access-who-share-recipient",
                        _ => "access-who-portal",
                    },
                )
            };
            let reason = (e.action == Action::BreakGlass)
                .then(|| {
                    e.detail
                        .as_deref()
                        .map(|d| crate::staff::reasons::reason_shown(lang, d))
                })
                .flatten();
            let when = chrono::DateTime::parse_from_rfc3339(&e.at)
                .map(|t| format_time(t.timestamp()))
                .unwrap_or_else(|_| e.at.clone());
            let reads = on_access_log(e.action);
            let what = match reads {
                // A proxy connecting an app for the patient (#29): the proxy did it, named as
                // `who`; the detail is `proxy_connected <app name>` (a refusal has none).
                _ if e.actor_role == "proxy" && e.action == Action::AppConnected => {
                    let app = e
                        .detail
                        .as_deref()
                        .and_then(|d| d.strip_prefix("proxy_connected "));
                    match (e.outcome, app) {
                        (Outcome::Success, Some(app)) => say(
                            lang,
                            viewer,
                            "access-app-connected-by-proxy",
                            vec![("who", who.as_str().into()), ("app", app.into())],
                        ),
                        _ => say(
                            lang,
                            viewer,
                            "access-app-connect-refused-proxy",
                            vec![("who", who.as_str().into())],
                        ),
                    }
                }
                _ if e.actor_role == "app" || reads == Some(Reads::App) => {
                    app_words(lang, viewer, &who, e.action, e.detail.as_deref())
                }
                Some(Reads::Viewed) => {
                    let section = say(lang, viewer, section_words(e.detail.as_deref()), vec![]);
                    say(
                        lang,
                        viewer,
                        "access-viewed",
                        vec![("what", section.into())],
                    )
                }
                Some(Reads::Said(key)) => say(lang, viewer, key, vec![]),
                Some(Reads::Shared) => shared_words(
                    lang,
                    viewer,
                    e.outcome,
                    e.detail.as_deref(),
                    e.share_recipient.as_deref(),
                ),
                // Not asked for by the query; worded as the portal always did.
                Some(Reads::App) | None => say(lang, viewer, "access-did-other", vec![]),
            };
            Row_ {
                who,
                role: role_key(&e.actor_role)
                    .map_or_else(|| e.actor_role.clone(), |key| i18n::tr(lang, key)),
                what,
                when,
                reason,
            }
        })
        .collect()
}

/// The message that names a stored actor role in the access log's "Role" column; a role the
/// portal does not know is shown as stored.
fn role_key(role: &str) -> Option<&'static str> {
    match role {
        "clinician" => Some("access-role-clinician"),
        "patient" => Some("access-role-patient"),
        "app" => Some("access-role-app"),
        "share_recipient" => Some("access-role-share-recipient"),
        "proxy" => Some("access-role-proxy"),
        "anonymous" => Some("access-role-anonymous"),
        _ => None,
    }
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
                        // The file is the same in every language (#31): a proxy is named as
                        // it always was.
                        "display": e.actor_name.clone()
                            .or_else(|| e.proxy_name.as_ref().map(|n| format!("{n} (your proxy)")))
                            .unwrap_or_else(|| e.actor_role.clone())
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
        let viewed = |lang, viewer| {
            let what = say(lang, viewer, "access-data-vitals", vec![]);
            say(lang, viewer, "access-viewed", vec![("what", what.into())])
        };
        assert_eq!(viewed(Lang::En, Viewer::Patient), "Viewed your vital signs");
        assert_eq!(
            viewed(Lang::En, Viewer::Staff),
            "Viewed the patient's vital signs"
        );
        assert_eq!(
            viewed(Lang::Es, Viewer::Patient),
            "Consultó sus signos vitales"
        );
        assert_eq!(
            viewed(Lang::Es, Viewer::Staff),
            "Consultó los signos vitales del paciente"
        );
        let connected = |lang, viewer| {
            app_words(
                lang,
                viewer,
                "Diabetes Coach",
                Action::AppConnected,
                Some("connected"),
            )
        };
        assert_eq!(
            connected(Lang::En, Viewer::Patient),
            "You connected Diabetes Coach to your record"
        );
        assert_eq!(
            connected(Lang::En, Viewer::Staff),
            "The patient connected Diabetes Coach to their record"
        );
        assert_eq!(
            connected(Lang::Es, Viewer::Patient),
            "Usted conectó Diabetes Coach a su historial"
        );
        let opened = |lang, viewer| {
            shared_words(
                lang,
                viewer,
                Outcome::Success,
                Some("link=ab12 opened access=0b7f1c6e-2d4a-4f8e-9c3b-5a6d7e8f9a0b"),
                Some("Dr Ortega"),
            )
        };
        assert_eq!(
            opened(Lang::En, Viewer::Staff),
            "A link the patient shared was opened by 'Dr Ortega'"
        );
        assert_eq!(
            opened(Lang::Es, Viewer::Patient),
            "«Dr Ortega» abrió un enlace que usted compartió"
        );
        assert_eq!(
            say(Lang::En, Viewer::Staff, "access-did-proxy-invite", vec![]),
            "Invited someone to act for the patient"
        );
    }

    #[test]
    fn an_app_s_entry_names_what_it_read_connected_or_was_refused() {
        let words = |action, detail: Option<&str>| {
            app_words(Lang::En, Viewer::Patient, "Tracker", action, detail)
        };
        for (detail, what) in [
            ("read Observation laboratory", "your lab results"),
            ("read Observation vital-signs", "your vital signs"),
            ("read Observation", "your lab results and vital signs"),
            (
                "read Patient",
                "your name, date of birth and contact details",
            ),
            ("read AllergyIntolerance", "your allergies"),
            ("read Condition", "your conditions"),
            ("read MedicationRequest", "your medications"),
            ("read Immunization", "your immunizations"),
            ("read Encounter", "your visits"),
            ("read Procedure", "your procedures"),
            ("read DiagnosticReport", "your test reports"),
            ("read DocumentReference", "your clinical notes"),
            ("read CarePlan", "your care plans"),
            ("read Goal", "your health goals"),
            ("read Provenance", "where your records came from"),
            ("read Binary", "your record"),
        ] {
            assert_eq!(
                words(Action::AppRead, Some(detail)),
                format!("Tracker read {what}"),
                "{detail}"
            );
        }
        assert_ne!(
            words(Action::AppRead, Some("refused Condition")),
            words(Action::AppRead, Some("read Condition")),
            "a refused read reads as refused"
        );
        assert_eq!(
            words(Action::AppConnected, Some("connected")),
            "You connected Tracker to your record"
        );
        assert_ne!(
            words(Action::AppDisconnected, Some("Tracker")),
            words(Action::AppDisconnected, None),
            "a disconnection names the app when the entry does"
        );
        assert!(words(Action::AppDisconnected, Some("Tracker")).contains("Tracker"));
    }

    #[test]
    fn every_stored_role_is_named_in_words() {
        let named = |lang, role| role_key(role).map(|key| i18n::tr(lang, key));
        for (role, en, es) in [
            ("clinician", "Clinician", "Profesional clínico"),
            ("patient", "Patient", "Paciente"),
            ("app", "App", "Aplicación"),
            (
                "share_recipient",
                "Link recipient",
                "Destinatario del enlace",
            ),
            ("proxy", "Proxy", "Representante"),
            ("anonymous", "Not signed in", "Sin sesión iniciada"),
        ] {
            assert_eq!(named(Lang::En, role).as_deref(), Some(en), "{role}");
            assert_eq!(named(Lang::Es, role).as_deref(), Some(es), "{role}");
        }
        assert_eq!(
            role_key("robot"),
            None,
            "an unknown role is shown as stored"
        );
    }

    #[test]
    fn a_proxy_is_named_as_the_reader_s_proxy_in_each_language() {
        let proxy = |lang, viewer| {
            say(
                lang,
                viewer,
                "access-who-proxy",
                vec![("name", "Sam".into())],
            )
        };
        assert_eq!(proxy(Lang::En, Viewer::Patient), "Sam (your proxy)");
        assert_eq!(proxy(Lang::En, Viewer::Staff), "Sam (the patient's proxy)");
        assert_eq!(proxy(Lang::Es, Viewer::Patient), "Sam (su representante)");
        let read = |lang| {
            let who = proxy(lang, Viewer::Patient);
            app_words(
                lang,
                Viewer::Patient,
                &who,
                Action::AppRead,
                Some("read Observation laboratory"),
            )
        };
        assert_eq!(read(Lang::En), "Sam (your proxy) read your lab results");
        assert_eq!(
            read(Lang::Es),
            "Sam (su representante) leyó sus resultados de laboratorio"
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
        // Entries written before the audit stopped holding names (the name came last).
        let words = |o, d: &str| shared_words(Lang::En, Viewer::Patient, o, Some(d), None);
        // Now: the detail names the access row; the name comes from that row.
        assert_eq!(
            shared_words(
                Lang::En,
                Viewer::Patient,
                Outcome::Success,
                Some("link=ab12 opened access=0b7f1c6e-2d4a-4f8e-9c3b-5a6d7e8f9a0b"),
                Some("Dr Ortega gone"),
            ),
            "A link you shared was opened by 'Dr Ortega gone'"
        );
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
        assert_eq!(section_words(Some("labs")), "access-data-test-results");
        assert_eq!(
            section_words(Some("summary break_glass")),
            "access-data-summary"
        );
        assert_eq!(section_words(Some("no_such_section")), "access-data-record");
        assert_eq!(section_words(None), "access-data-record");
    }

    #[test]
    fn every_sentence_of_the_log_is_in_the_message_files() {
        // A key missing from the files would show as the key itself.
        let mut keys: Vec<&str> = Action::ALL
            .iter()
            .filter_map(|a| match on_access_log(*a) {
                Some(Reads::Said(key)) => Some(key),
                _ => None,
            })
            .collect();
        keys.extend(
            [
                "labs",
                "lab_history",
                "vitals",
                "summary",
                "home",
                "billing",
                "note",
                "visit",
                "access_log",
                "printable_summary",
                "care_team",
                "social_history",
                "reports",
            ]
            .iter()
            .map(|s| section_words(Some(s))),
        );
        for &lang in Lang::all() {
            for key in &keys {
                for viewer in [Viewer::Patient, Viewer::Staff] {
                    assert!(
                        i18n::lookup(lang, key, &[viewer.arg()]).is_some(),
                        "{}: {key}",
                        lang.code()
                    );
                }
            }
        }
    }
}
