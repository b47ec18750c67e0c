//! `Transaction`: a flow's state, kept server-side behind an opaque id in the URL, and the step
//! it is at.

use serde::{Deserialize, Serialize};

use crate::b2c_emulator::auth_request::AuthRequest;
use crate::b2c_emulator::codes::Delivery;
use crate::b2c_emulator::tenant::{FlowKind, Policy, Tenant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Step {
    SignIn,
    SignUp,
    Mfa,
    ResetEmail,
    ResetPassword,
    Edit,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Transaction {
    pub id: String,
    pub policy_id: String,
    pub kind: FlowKind,
    pub request: AuthRequest,
    pub step: Step,
    /// The user, once authenticated (or created).
    pub oid: Option<String>,
    pub auth_time: Option<i64>,
    pub new_user: bool,
    pub email: Option<String>,
    pub email_code_sent: bool,
    pub email_verified: bool,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub country: Option<String>,
    /// A phone being enrolled (E.164), until its code is verified.
    pub phone_pending: Option<String>,
    pub phone_code_sent: Option<Delivery>,
}

impl Transaction {
    /// The language the relying party asked the flow's pages and messages in (#31).
    pub fn lang(&self) -> &'static str {
        crate::b2c_emulator::i18n::from_ui_locales(self.request.ui_locales.as_deref())
    }

    pub fn new(id: String, policy: &Policy, request: AuthRequest) -> Transaction {
        Transaction {
            id,
            policy_id: policy.id.clone(),
            kind: policy.kind,
            step: match policy.kind {
                FlowKind::PasswordReset => Step::ResetEmail,
                _ => Step::SignIn,
            },
            email: request.login_hint.clone(),
            request,
            oid: None,
            auth_time: None,
            new_user: false,
            email_code_sent: false,
            email_verified: false,
            given_name: None,
            surname: None,
            country: None,
            phone_pending: None,
            phone_code_sent: None,
        }
    }
}

pub(crate) fn flow_url(tenant: &Tenant, policy: &Policy, tx_id: &str) -> String {
    tenant.flow_path_url(policy, &format!("api/flow?tx={tx_id}"))
}
