//! Why a sign-in was refused: the short reason code that is logged, audited and shown, never a
//! token. A leaf: the provider's checks, the callback and break-the-glass name the same codes.

use crate::vocab::stored_enum;

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
mod tests {
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
