//! Who may open which chart, and the audit entry that opening writes.
//!
//! A `ChartAccess` is the only key to the record store (`records::store`), and this module is
//! the only place that makes one. Making one commits an audit entry first; if the audit store
//! cannot take it, there is no access and the page is not shown (503).

use std::future::Future;
use std::pin::Pin;

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use sqlx::Row;

use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::auth::{session, Role, SignedInUser};
use crate::state::AppState;
use crate::web::AppError;

/// Proof that the caller may read this patient's chart, and that the read is audited.
#[derive(Debug)]
pub struct ChartAccess {
    patient_id: String,
    viewer: Viewer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// The patient, reading their own record.
    Patient,
    /// A clinician on the patient's care team.
    CareTeam,
    /// A clinician with a break-the-glass grant, until `expires_at` (unix seconds).
    BreakGlass { expires_at: i64 },
    /// An app the patient connected, through the FHIR API.
    App,
}

impl ChartAccess {
    pub fn patient_id(&self) -> &str {
        &self.patient_id
    }

    pub fn viewer(&self) -> Viewer {
        self.viewer
    }
}

/// What part of the chart is opened: it becomes the audit entry's detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Summary,
    Conditions,
    Medications,
    Allergies,
    Immunizations,
    Labs,
    LabHistory,
    Vitals,
    Visits,
    /// One visit and what happened in it.
    Visit,
    Procedures,
    CarePlans,
    Reports,
    SocialHistory,
    Export,
    AccessLog,
    AccessLogExport,
    PrintableSummary,
    /// Reading message threads (the list or one conversation).
    Messages,
    /// Writing a message (a new conversation or a reply).
    MessageSend,
    /// Assigning a conversation or marking it done.
    MessageUpdate,
    /// Downloading a message's attachment.
    MessageAttachment,
    /// Reading appointments (the list, one request, its calendar file).
    Appointments,
    /// Requesting, booking, proposing, declining, cancelling or closing an appointment.
    AppointmentChange,
    /// Reading medication renewal requests (the staff side; the patient's are on the
    /// medications page).
    Renewals,
    /// Asking for a renewal, or approving or declining one.
    RenewalChange,
}

impl Section {
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Summary => "summary",
            Section::Conditions => "conditions",
            Section::Medications => "medications",
            Section::Allergies => "allergies",
            Section::Immunizations => "immunizations",
            Section::Labs => "labs",
            Section::LabHistory => "lab_history",
            Section::Vitals => "vitals",
            Section::Visits => "visits",
            Section::Visit => "visit",
            Section::Procedures => "procedures",
            Section::CarePlans => "care_plans",
            Section::Reports => "reports",
            Section::SocialHistory => "social_history",
            Section::Export => "export",
            Section::AccessLog => "access_log",
            Section::AccessLogExport => "access_log_export",
            Section::PrintableSummary => "printable_summary",
            Section::Messages => "messages",
            Section::MessageSend => "message_send",
            Section::MessageUpdate => "message_update",
            Section::MessageAttachment => "message_attachment",
            Section::Appointments => "appointments",
            Section::AppointmentChange => "appointment_change",
            Section::Renewals => "renewals",
            Section::RenewalChange => "renewal_change",
        }
    }

    fn action(self) -> Action {
        match self {
            Section::Export => Action::ExportRecord,
            Section::AccessLog | Section::AccessLogExport => Action::ViewAccessLog,
            Section::Messages => Action::ReadMessages,
            Section::MessageSend => Action::SendMessage,
            Section::MessageUpdate => Action::UpdateMessage,
            Section::MessageAttachment => Action::DownloadAttachment,
            Section::Appointments => Action::ReadAppointments,
            Section::AppointmentChange => Action::ChangeAppointment,
            Section::Renewals => Action::ReadRenewals,
            Section::RenewalChange => Action::ChangeRenewal,
            _ => Action::ViewRecord,
        }
    }
}

async fn write(
    state: &AppState,
    req: &HttpRequest,
    user: &SignedInUser,
    action: Action,
    patient_id: &str,
    detail: String,
) -> Result<(), AppError> {
    let meta = RequestMeta::of(req, state.settings.behind_proxy);
    let mut entry = meta.entry(Actor::user(user), action, Outcome::Success);
    entry.patient_id = Some(patient_id.to_string());
    entry.detail = Some(detail);
    // No committed entry, no ChartAccess: the error becomes the 503 page.
    audit::append(&state.pool, &entry).await?;
    Ok(())
}

/// A signed-in patient whose account is linked to a record. Handlers of `/records/*` take
/// this: the patient id never comes from the URL or a form.
pub struct LinkedPatient {
    pub user: SignedInUser,
    patient_id: String,
}

impl LinkedPatient {
    /// The linked record's id: for records that are not chart reads (an app's consent) and for
    /// checks that must come before the audited `open` (that a thread named in the URL is this
    /// patient's). Reading anything still needs `open`.
    pub fn patient_id(&self) -> &str {
        &self.patient_id
    }

    /// Opens a section of the patient's own chart (audited).
    pub async fn open(
        &self,
        state: &AppState,
        req: &HttpRequest,
        section: Section,
    ) -> Result<ChartAccess, AppError> {
        write(
            state,
            req,
            &self.user,
            section.action(),
            &self.patient_id,
            section.as_str().to_string(),
        )
        .await?;
        Ok(ChartAccess {
            patient_id: self.patient_id.clone(),
            viewer: Viewer::Patient,
        })
    }
}

impl FromRequest for LinkedPatient {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = session::user(&req.get_session());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let user = user.ok_or(AppError::Forbidden)?;
            if user.role != Role::Patient {
                return Err(AppError::Forbidden);
            }
            let state = state.ok_or_else(|| AppError::Internal(anyhow::anyhow!("no app state")))?;
            match linked_patient_id(&state.pool, &user.subject).await? {
                Some(patient_id) => Ok(LinkedPatient { user, patient_id }),
                None => Err(AppError::Redirect("/activate".into())),
            }
        })
    }
}

pub async fn linked_patient_id(
    pool: &crate::db::Pool,
    subject: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT id FROM patients WHERE b2c_subject = $1")
        .bind(subject)
        .fetch_optional(pool)
        .await?;
    row.map(|r| r.try_get::<String, _>(0)).transpose()
}

/// Opens a patient's chart for a clinician: on the care team, or with a live break-the-glass
/// grant. Anyone else gets the 403 page that offers break-the-glass.
pub async fn open_for_clinician(
    state: &AppState,
    req: &HttpRequest,
    clinician: &SignedInUser,
    patient_id: &str,
    section: Section,
) -> Result<ChartAccess, AppError> {
    if clinician.role != Role::Clinician {
        return Err(AppError::Forbidden);
    }
    let exists = sqlx::query("SELECT 1 FROM patients WHERE id = $1")
        .bind(patient_id)
        .fetch_optional(&state.pool)
        .await?
        .is_some();
    if !exists {
        return Err(AppError::NotFound);
    }
    let viewer = viewer_of(state, &clinician.subject, patient_id).await?;
    let Some(viewer) = viewer else {
        return Err(AppError::BreakGlassOffer(patient_id.to_string()));
    };
    let action = match section {
        Section::AccessLog | Section::AccessLogExport => Action::ViewAccessLog,
        Section::Messages
        | Section::MessageSend
        | Section::MessageUpdate
        | Section::MessageAttachment
        | Section::Appointments
        | Section::AppointmentChange
        | Section::Renewals
        | Section::RenewalChange => section.action(),
        _ => Action::StaffChartView,
    };
    let detail = match viewer {
        Viewer::BreakGlass { .. } => format!("{} break_glass", section.as_str()),
        _ => section.as_str().to_string(),
    };
    write(state, req, clinician, action, patient_id, detail).await?;
    Ok(ChartAccess {
        patient_id: patient_id.to_string(),
        viewer,
    })
}

/// How (if at all) a clinician may see a patient right now.
pub async fn viewer_of(
    state: &AppState,
    clinician_subject: &str,
    patient_id: &str,
) -> Result<Option<Viewer>, sqlx::Error> {
    let on_team =
        sqlx::query("SELECT 1 FROM care_team WHERE clinician_subject = $1 AND patient_id = $2")
            .bind(clinician_subject)
            .bind(patient_id)
            .fetch_optional(&state.pool)
            .await?
            .is_some();
    if on_team {
        return Ok(Some(Viewer::CareTeam));
    }
    let grant = sqlx::query(
        "SELECT MAX(expires_at) FROM break_glass WHERE clinician_subject = $1 AND patient_id = $2 AND granted_at IS NOT NULL AND expires_at > $3",
    )
    .bind(clinician_subject)
    .bind(patient_id)
    .bind(crate::db::now())
    .fetch_one(&state.pool)
    .await?;
    let expires: Option<i64> = grant.try_get(0)?;
    Ok(expires.map(|expires_at| Viewer::BreakGlass { expires_at }))
}

/// Opens the chart of an access token's patient for the app holding it (`smart`/`fhir_api`).
/// The patient id comes from the token's grant, never from the request.
pub async fn open_for_app(
    state: &AppState,
    req: &HttpRequest,
    client_id: &str,
    patient_id: &str,
    action: Action,
    detail: String,
) -> Result<ChartAccess, AppError> {
    let meta = RequestMeta::of(req, state.settings.behind_proxy);
    let mut entry = meta.entry(Actor::app(client_id), action, Outcome::Success);
    entry.patient_id = Some(patient_id.to_string());
    entry.detail = Some(detail);
    audit::append(&state.pool, &entry).await.map_err(|e| {
        tracing::error!(error = %e, "audit write failed; refusing to give an app patient data");
        AppError::Unavailable("audit store unavailable".into())
    })?;
    Ok(ChartAccess {
        patient_id: patient_id.to_string(),
        viewer: Viewer::App,
    })
}
