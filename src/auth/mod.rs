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

use crate::vocab::stored_enum;

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

stored_enum! {
    /// Why a sign-in was refused: the short reason code that is logged, audited
    /// (`sign_in_failed` entries) and shown, never a token. The strings are history.
    pub enum SignInRefusal ("sign-in refusal") {
        StateMissing => "state_missing",
        StateUnknown => "state_unknown_or_replayed",
        StateOtherBrowser => "state_other_browser",
        CodeMissing => "code_missing",
        TokenRequest => "token_request_failed",
        NoIdToken => "id_token_missing",
        IdTokenInvalid => "id_token_invalid",
        Signature => "id_token_signature",
        UnknownKey => "id_token_unknown_key",
        Issuer => "id_token_issuer",
        Audience => "id_token_audience",
        Expired => "id_token_expired",
        NotYetValid => "id_token_not_yet_valid",
        Nonce => "id_token_nonce",
        Policy => "id_token_policy",
        Subject => "id_token_subject",
        Tenant => "id_token_tenant",
        ProviderError => "provider_error",
        ProviderUnavailable => "provider_unavailable",
        Cancelled => "cancelled",
        StaleAuth => "auth_time_stale",
        AuthTimeMissing => "auth_time_missing",
        /// Too many sign-ins from one address (logged only).
        RateLimited => "signin_rate_limited",
        /// Too many sign-ins under way at once (logged only).
        PendingFull => "pending_signins_full",
    }
}

#[cfg(test)]
mod refusal_tests {
    use super::SignInRefusal;

    #[test]
    fn every_sign_in_refusal_round_trips_and_keeps_its_logged_string() {
        crate::vocab::assert_round_trips(SignInRefusal::ALL);
        assert_eq!(
            SignInRefusal::StateUnknown.as_str(),
            "state_unknown_or_replayed"
        );
        assert_eq!(SignInRefusal::NoIdToken.as_str(), "id_token_missing");
        assert_eq!(SignInRefusal::TokenRequest.as_str(), "token_request_failed");
        assert_eq!(SignInRefusal::StaleAuth.as_str(), "auth_time_stale");
    }
}
