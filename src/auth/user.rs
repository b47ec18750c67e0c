//! The signed-in user, as kept in the server-side session: only what the portal needs.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Patient,
    Clinician,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Patient => "patient",
            Role::Clinician => "clinician",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedInUser {
    /// The B2C object id (`sub`): the only identifier that goes to logs and the audit trail.
    pub subject: String,
    pub display_name: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub emails: Vec<String>,
    pub country: Option<String>,
    pub role: Role,
    /// The user flow that issued the token (`tfp`, or `acr`).
    pub policy: String,
    pub auth_time: Option<i64>,
    pub issued_at: i64,
    pub expires_at: i64,
    pub issuer: String,
}
