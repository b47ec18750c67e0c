//! The audit trail: one append-only, chained row per access to patient data and per
//! security event.
//!
//! Each row stores the MAC (HMAC-SHA256 with the audit key, `key.rs`) of the previous row's
//! MAC and of its own canonical content, so an edit, a deletion, a swap or a renumbering
//! breaks the chain, and `patient-portal audit verify` finds the first broken row. Rows hold
//! opaque ids only: never a name, e-mail, token or record content.
//!
//! Failure policy, written once: an entry that is not committed is an error
//! ([`AuditError`]), and every such error becomes the 503 page (`From<AuditError> for
//! AppError` below). Nothing that shows data or changes state may go on without its entry.

mod chain;
mod key;
pub mod pages;
mod writer;

use serde::Serialize;

pub use chain::{read_checkpoints, verify, Checkpoint, Verification};
pub use key::AuditKey;
pub use writer::{append, checkpoint, start};

/// The audit key named by the settings (generated in development when unset).
pub fn load_key(settings: &crate::config::Settings) -> anyhow::Result<AuditKey> {
    if settings.audit_key_generated {
        AuditKey::load_or_create(&settings.audit_key_file)
    } else {
        AuditKey::load(&settings.audit_key_file)
    }
}

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened. The string is what the database stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Action {
    SignIn,
    SignInFailed,
    SignOut,
    SessionTimeout,
    PasswordReset,
    ProfileEdit,
    ViewRecord,
    ExportRecord,
    ViewAccessLog,
    StaffChartView,
    StaffSearch,
    BreakGlass,
    ActivationIssued,
    ActivationRevoked,
    ActivationUsed,
    ActivationFailed,
    /// A connected app read the patient's data through the FHIR API (or was refused).
    AppRead,
    /// The patient connected an app (its first token was issued).
    AppConnected,
    /// The patient disconnected an app.
    AppDisconnected,
    ReadMessages,
    SendMessage,
    UpdateMessage,
    DownloadAttachment,
    ReadAppointments,
    ChangeAppointment,
    ReadRenewals,
    ChangeRenewal,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::SignIn => "sign_in",
            Action::SignInFailed => "sign_in_failed",
            Action::SignOut => "sign_out",
            Action::SessionTimeout => "session_timeout",
            Action::PasswordReset => "password_reset",
            Action::ProfileEdit => "profile_edit",
            Action::ViewRecord => "view_record",
            Action::ExportRecord => "export_record",
            Action::ViewAccessLog => "view_access_log",
            Action::StaffChartView => "staff_chart_view",
            Action::StaffSearch => "staff_search",
            Action::BreakGlass => "break_glass",
            Action::ActivationIssued => "activation_code_issued",
            Action::ActivationRevoked => "activation_code_revoked",
            Action::ActivationUsed => "activation_code_used",
            Action::ActivationFailed => "activation_code_failed",
            Action::AppRead => "app_read",
            Action::AppConnected => "app_connected",
            Action::AppDisconnected => "app_disconnected",
            Action::ReadMessages => "read_messages",
            Action::SendMessage => "send_message",
            Action::UpdateMessage => "update_message",
            Action::DownloadAttachment => "download_attachment",
            Action::ReadAppointments => "read_appointments",
            Action::ChangeAppointment => "change_appointment",
            Action::ReadRenewals => "read_renewals",
            Action::ChangeRenewal => "change_renewal",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// Who asked, from where: filled from the request by `RequestMeta`.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub subject: Option<String>,
    pub role: String,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub actor: Actor,
    pub action: Action,
    pub patient_id: Option<String>,
    pub outcome: Outcome,
    /// A reason code, a count, a break-the-glass reason: never PHI beyond the patient id.
    pub detail: Option<String>,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

/// Why an entry could not be committed. Cloneable: one failed batch answers every request in it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuditError {
    #[error("audit store unavailable: {0}")]
    Store(std::sync::Arc<sqlx::Error>),
    #[error("audit store did not answer within {0:?}")]
    Timeout(std::time::Duration),
    #[error("the audit writer is not running for this database")]
    NotStarted,
    #[error("the audit chain's head does not verify with this audit key: run `patient-portal audit verify`")]
    HeadMismatch,
    #[error("the audit head moved while it was locked")]
    Contended,
}

impl From<sqlx::Error> for AuditError {
    fn from(e: sqlx::Error) -> Self {
        AuditError::Store(std::sync::Arc::new(e))
    }
}

/// The one failure policy: no audit entry, no page. Logged by Display (no values), once here.
impl From<AuditError> for crate::web::AppError {
    fn from(e: AuditError) -> Self {
        tracing::error!(error = %e, "audit entry not committed; answering 503");
        crate::web::AppError::Unavailable("audit store unavailable".into())
    }
}

/// The request facts every entry carries: the request id and the client address (from the
/// socket, or from X-Forwarded-For only behind a configured proxy).
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

impl RequestMeta {
    pub fn of(req: &actix_web::HttpRequest, behind_proxy: bool) -> Self {
        use actix_web::HttpMessage;
        let request_id = req
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(|id| id.to_string());
        let client_ip = if behind_proxy {
            req.connection_info()
                .realip_remote_addr()
                .map(str::to_string)
        } else {
            req.peer_addr().map(|a| a.ip().to_string())
        };
        Self {
            request_id,
            client_ip,
        }
    }

    pub fn entry(&self, actor: Actor, action: Action, outcome: Outcome) -> Entry {
        Entry {
            actor,
            action,
            patient_id: None,
            outcome,
            detail: None,
            request_id: self.request_id.clone(),
            client_ip: self.client_ip.clone(),
        }
    }
}

impl Actor {
    pub fn anonymous() -> Self {
        Self {
            subject: None,
            role: "anonymous".into(),
        }
    }

    /// A connected app, named by its client id (the access log looks its name up).
    pub fn app(client_id: &str) -> Self {
        Self {
            subject: Some(client_id.to_string()),
            role: "app".into(),
        }
    }

    pub fn user(user: &crate::auth::SignedInUser) -> Self {
        Self {
            subject: Some(user.subject.clone()),
            role: user.role.as_str().into(),
        }
    }
}
