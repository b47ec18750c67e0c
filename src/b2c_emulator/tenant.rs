//! The emulated tenant: its settings (user-flow ids, the one app registration) and `Tenant`,
//! everything a request handler needs, shared by the workers.
//!
//! Below every handler: it imports no handler and no page, only the error type.

use serde::{Deserialize, Serialize};

use super::errors;
use super::i18n::Text;
use super::keys;

/// The user-flow (policy) ids, as configured in the tenant. Matched case-insensitively in URLs;
/// emitted as configured in `tfp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policies {
    pub susi_mfa: String,
    pub susi: String,
    pub reset: String,
    pub edit: String,
}

impl Default for Policies {
    fn default() -> Self {
        Policies {
            susi_mfa: "B2C_1_susi_mfa".to_string(),
            susi: "B2C_1_susi".to_string(),
            reset: "B2C_1_reset".to_string(),
            edit: "B2C_1_edit".to_string(),
        }
    }
}

/// The one application registered in the emulated tenant (the portal).
#[derive(Debug, Clone)]
pub struct AppRegistration {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct EmulatorSettings {
    /// e.g. `https://localhost:8444`: the host of the issuer and of every endpoint.
    pub public_url: url::Url,
    /// Holds `b2c-emulator.sqlite` (tenant id, signing keys, users, ...) and the app credentials.
    pub data_dir: std::path::PathBuf,
    /// e.g. `patientportaldev.onmicrosoft.com`.
    pub domain: String,
    pub policies: Policies,
    pub app: AppRegistration,
    /// Shaped like Azure AD B2C (the default) or like an Entra External ID external tenant.
    pub flavour: crate::config::Flavour,
}

/// Which of the four user flows a policy id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum FlowKind {
    SignUpSignInMfa,
    SignUpSignIn,
    PasswordReset,
    ProfileEdit,
}

/// A policy resolved from a URL: its kind and its id as configured (for `tfp`).
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub kind: FlowKind,
    pub id: String,
}

/// Everything a request handler needs; shared by the workers.
pub(crate) struct Tenant {
    pub settings: EmulatorSettings,
    pub tenant_id: String,
    pub db: sqlx::SqlitePool,
    pub keys: keys::KeyRing,
    /// `public_url` without a trailing slash.
    pub base: String,
}

impl Tenant {
    /// `https://host/{tenant-guid}/v2.0/`, the same for every policy, as B2C does. External ID
    /// names the tenant GUID as the host too (`https://<tid>.ciamlogin.com/<tid>/v2.0`), so its
    /// issuer is not the discovery URL either: here `https://<tid>.ciamlogin.localhost:<port>/<tid>/v2.0`.
    pub fn issuer(&self) -> String {
        match self.settings.flavour {
            crate::config::Flavour::B2c => format!("{}/{}/v2.0/", self.base, self.tenant_id),
            crate::config::Flavour::ExternalId => {
                let port = self
                    .settings
                    .public_url
                    .port()
                    .map(|p| format!(":{p}"))
                    .unwrap_or_default();
                format!(
                    "https://{tid}.ciamlogin.localhost{port}/{tid}/v2.0",
                    tid = self.tenant_id
                )
            }
        }
    }

    pub fn external_id(&self) -> bool {
        self.settings.flavour == crate::config::Flavour::ExternalId
    }

    /// Resolves `/{tenant}/{policy}/`: the domain or the tenant GUID, then a configured policy,
    /// both case-insensitively.
    pub fn policy(&self, tenant: &str, policy: &str) -> Result<Policy, errors::EmulatorError> {
        if !tenant.eq_ignore_ascii_case(&self.settings.domain)
            && !tenant.eq_ignore_ascii_case(&self.tenant_id)
        {
            return Err(errors::EmulatorError::not_found(
                Text::new("emu-tenant-unknown").arg("tenant", tenant),
            ));
        }
        let p = &self.settings.policies;
        let kind = [
            (&p.susi_mfa, FlowKind::SignUpSignInMfa),
            (&p.susi, FlowKind::SignUpSignIn),
            (&p.reset, FlowKind::PasswordReset),
            (&p.edit, FlowKind::ProfileEdit),
        ]
        .into_iter()
        .find(|(id, _)| id.eq_ignore_ascii_case(policy));
        match kind {
            Some((id, kind)) => Ok(Policy {
                kind,
                id: id.clone(),
            }),
            None => Err(errors::EmulatorError::not_found(
                Text::coded("AADB2C90022", "emu-aadb2c90022")
                    .arg("policy", policy)
                    .arg("tenant", &self.settings.domain),
            )),
        }
    }

    /// Endpoint URLs as B2C prints them: domain and policy in lower case. External ID's have
    /// the tenant id and no policy (the app's one user flow is bound to its registration).
    pub fn policy_url(&self, policy: &Policy, rest: &str) -> String {
        if self.external_id() {
            return format!("{}/{}/{}", self.base, self.tenant_id, rest);
        }
        self.flow_path_url(policy, rest)
    }

    /// The emulator's own page URLs keep the policy in the path in both flavours.
    pub fn flow_path_url(&self, policy: &Policy, rest: &str) -> String {
        let tenant = if self.external_id() {
            self.tenant_id.clone()
        } else {
            self.settings.domain.to_lowercase()
        };
        format!(
            "{}/{}/{}/{}",
            self.base,
            tenant,
            policy.id.to_lowercase(),
            rest
        )
    }
}
