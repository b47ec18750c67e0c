//! `AuthRequest`: an authorization request that passed every check of `authorize`, carried by
//! the flow transaction (`flows`) and, once redeemed, by the authorization code (`token`).
//!
//! Its own module so that the endpoint that makes it, the flows that carry it and the token
//! endpoint that reads it depend on it, not on each other.

use serde::{Deserialize, Serialize};

use super::reply::ReplyTo;

/// A request that passed every check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AuthRequest {
    pub client_id: String,
    pub reply: ReplyTo,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    /// `ui_locales` as asked (#31); absent in transactions stored before it was kept.
    #[serde(default)]
    pub ui_locales: Option<String>,
}
