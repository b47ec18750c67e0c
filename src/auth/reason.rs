//! Sign-in outcomes carry a short reason code: logged, audited and shown, never a token.
//! A leaf: the provider's checks, the callback and break-the-glass name the same codes.

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
