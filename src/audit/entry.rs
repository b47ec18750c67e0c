//! One audit entry: what happened (`Action`), how it ended (`Outcome`), who did it (`Actor`), the
//! request facts (`RequestMeta`), and `AuditError` (which `web::errors` turns into the 503 page).
//!
//! Below the chain and the writer: it imports neither, nor the web layer.

use serde::Serialize;

use crate::vocab::stored_enum;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

stored_enum! {
    /// What happened. The string is what the database stores.
    #[derive(Serialize)]
    pub enum Action ("audit action") {
        SignIn => "sign_in",
        SignInFailed => "sign_in_failed",
        SignOut => "sign_out",
        SessionTimeout => "session_timeout",
        PasswordReset => "password_reset",
        ProfileEdit => "profile_edit",
        ViewRecord => "view_record",
        ExportRecord => "export_record",
        ViewAccessLog => "view_access_log",
        StaffChartView => "staff_chart_view",
        StaffSearch => "staff_search",
        BreakGlass => "break_glass",
        ActivationIssued => "activation_code_issued",
        ActivationRevoked => "activation_code_revoked",
        ActivationUsed => "activation_code_used",
        ActivationFailed => "activation_code_failed",
        /// A connected app read the patient's data through the FHIR API (or was refused).
        AppRead => "app_read",
        /// The patient connected an app (its first token was issued).
        AppConnected => "app_connected",
        /// The patient disconnected an app.
        AppDisconnected => "app_disconnected",
        ReadMessages => "read_messages",
        SendMessage => "send_message",
        UpdateMessage => "update_message",
        DownloadAttachment => "download_attachment",
        ReadAppointments => "read_appointments",
        ChangeAppointment => "change_appointment",
        ReadRenewals => "read_renewals",
        ChangeRenewal => "change_renewal",
        /// The patient made a SMART Health Link (#30).
        ShareLinkCreated => "share_link_created",
        /// The patient revoked one of their links.
        ShareLinkRevoked => "share_link_revoked",
        /// Someone holding a link asked for its manifest or a file (or was refused).
        ShareLinkOpened => "share_link_opened",
        /// The patient made their immunization card (SMART Health Card).
        HealthCardIssued => "health_card_issued",
        /// A fresh MFA sign-in before a sensitive action (step-up, #29), or its refusal.
        StepUp => "step_up",
        /// The patient invited a proxy (#29), or the invitation was refused.
        ProxyInvite => "proxy_invite",
        /// An invitee accepted an invitation and became a proxy, or was refused.
        ProxyAccept => "proxy_accept",
        /// The patient ended a proxy's access.
        ProxyRevoke => "proxy_revoke",
    }
}

stored_enum! {
    /// How it ended. The string is what the database stores.
    pub enum Outcome ("audit outcome") {
        Success => "success",
        Failure => "failure",
        Denied => "denied",
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
    /// A row numbered past the head (written around the portal, or left by a restore that
    /// missed the head): the next entry's number is taken, so nothing can be appended until
    /// someone looks at it. Named, so readiness and the log say what to do.
    #[error("audit entry {stray} lies past the chain's head ({head}): nothing can be appended until it is examined; run `patient-portal audit verify`")]
    RowPastHead { head: i64, stray: i64 },
}

impl AuditError {
    /// Why audited writes fail, in words fit for `/readyz` (public): no database text.
    pub fn reason(&self) -> String {
        match self {
            AuditError::Store(e) => {
                // Named by kind only: the database's own text stays in the log.
                let text = e.to_string().to_lowercase();
                if text.contains("locked") || text.contains("busy") {
                    "the audit store's write lock is held by another connection".to_string()
                } else if text.contains("full") {
                    "the audit store is full (disk or quota)".to_string()
                } else {
                    "the audit store refuses writes".to_string()
                }
            }
            AuditError::Timeout(wait) => {
                format!("the audit store did not answer within {wait:?} (a write lock held?)")
            }
            AuditError::NotStarted => "the audit writer is not running".to_string(),
            AuditError::HeadMismatch => {
                "the audit chain's head does not verify with this audit key".to_string()
            }
            AuditError::Contended => "the audit head moved while it was locked".to_string(),
            AuditError::RowPastHead { .. } => self.to_string(),
        }
    }
}

impl From<sqlx::Error> for AuditError {
    fn from(e: sqlx::Error) -> Self {
        AuditError::Store(std::sync::Arc::new(e))
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

    pub fn user(user: &crate::auth::user::SignedInUser) -> Self {
        Self {
            subject: Some(user.subject.clone()),
            role: user.role.as_str().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_and_outcome_round_trips_through_its_stored_string() {
        crate::vocab::assert_round_trips(Action::ALL);
        crate::vocab::assert_round_trips(Outcome::ALL);
        assert_eq!(Action::ALL.len(), 35); // StepUp and 3 proxy actions (#29), share links and cards (#30)
        assert_eq!(Action::ActivationUsed.as_str(), "activation_code_used");
        assert_eq!("break_glass".parse(), Ok(Action::BreakGlass));
    }
}
