//! The relying party: B2C user flows, token checks, sessions, and who the caller is.
//!
//! Owns: sign-in/sign-out routes, the id_token checks (on top of `openidconnect`), the
//! server-side session store, the deny-by-default gate and the `SignedIn`/`Clinician`
//! extractors. Never: reads patient records, or accepts an identity that did not come
//! through the configured MFA sign-up/sign-in user flow.

pub mod extract;
pub mod gate;
pub mod pending;
pub mod provider;
pub mod routes;
pub mod session;
pub mod user;

pub use extract::{Clinician, Patient, SignedIn};
pub use user::{Role, SignedInUser};

use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// `bytes` random bytes from the OS generator, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 in hex: how state values, browser bindings and session ids are stored.
pub fn hash(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// Sign-in outcomes carry a short reason code: logged, audited and shown, never a token.
pub mod reason {
    pub const STATE_MISSING: &str = "state_missing";
    pub const STATE_UNKNOWN: &str = "state_unknown_or_replayed";
    pub const STATE_OTHER_BROWSER: &str = "state_other_browser";
    pub const CODE_MISSING: &str = "code_missing";
    pub const TOKEN_REQUEST: &str = "token_request_failed";
    pub const NO_ID_TOKEN: &str = "id_token_missing";
    pub const ID_TOKEN_INVALID: &str = "id_token_invalid";
    pub const SIGNATURE: &str = "id_token_signature";
    pub const UNKNOWN_KEY: &str = "id_token_unknown_key";
    pub const ISSUER: &str = "id_token_issuer";
    pub const AUDIENCE: &str = "id_token_audience";
    pub const EXPIRED: &str = "id_token_expired";
    pub const NOT_YET_VALID: &str = "id_token_not_yet_valid";
    pub const NONCE: &str = "id_token_nonce";
    pub const POLICY: &str = "id_token_policy";
    pub const SUBJECT: &str = "id_token_subject";
    pub const TENANT: &str = "id_token_tenant";
    pub const PROVIDER_ERROR: &str = "provider_error";
    pub const PROVIDER_UNAVAILABLE: &str = "provider_unavailable";
    pub const CANCELLED: &str = "cancelled";
    pub const STALE_AUTH: &str = "auth_time_stale";
    pub const AUTH_TIME_MISSING: &str = "auth_time_missing";
}
