//! The identity provider as the relying party sees it: one OIDC client per B2C user flow,
//! built from a metadata document that we fetch and parse ourselves (B2C's issuer is not the
//! metadata URL, so `discover_async` would refuse it), and the id_token checks.
//!
//! The JWKS is fetched again when a token names a `kid` we do not know, at most once per
//! kid and rate-limited, so a key rotation needs no restart and a flood of bogus kids
//! cannot turn us into a JWKS-fetching amplifier.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IdToken, IdTokenClaims, IdTokenFields, IdTokenVerifier, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, ProviderMetadataWithLogout, RedirectUrl, RequestTokenError, Scope,
    SignatureVerificationError, StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex as AsyncMutex;

use super::reason::SignInRefusal;

/// The claims a B2C user flow adds to the standard ones. Unknown claims are kept in
/// `other` (custom attributes arrive as `extension_*`) and otherwise ignored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct B2cClaims {
    #[serde(default)]
    pub tfp: Option<String>,
    #[serde(default)]
    pub emails: Option<OneOrMany>,
    #[serde(default)]
    pub oid: Option<String>,
    #[serde(default)]
    pub idp: Option<String>,
    #[serde(default, rename = "newUser")]
    pub new_user: Option<bool>,
    #[serde(default)]
    pub country: Option<String>,
    /// External ID: the tenant that issued the token.
    #[serde(default)]
    pub tid: Option<String>,
    /// External ID: the Conditional Access authentication contexts that were satisfied.
    #[serde(default)]
    pub acrs: Option<OneOrMany>,
    #[serde(flatten)]
    pub other: HashMap<String, serde_json::Value>,
}

impl AdditionalClaims for B2cClaims {}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

pub type B2cIdToken =
    IdToken<B2cClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;
pub type B2cIdTokenClaims = IdTokenClaims<B2cClaims, CoreGenderClaim>;
type B2cTokenResponse = StandardTokenResponse<
    IdTokenFields<
        B2cClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;
type B2cClient = openidconnect::Client<
    B2cClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    B2cTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// What kind of tenant it is: where its metadata lives, which issuer form and tenant to pin,
/// and how a token proves MFA.
#[derive(Debug, Clone)]
pub enum Profile {
    /// MFA is a property of the user flow, proven by the policy claim (`tfp`/`acr`).
    B2c { instance: url::Url, domain: String },
    /// One user flow per app; MFA is proven by the Conditional Access authentication
    /// context `auth_context` in `acrs`, and `tid` must be `tenant_id`.
    ExternalId {
        authority: url::Url,
        tenant_id: String,
        auth_context: String,
    },
}

/// Where the tenant is and who we are to it.
#[derive(Debug, Clone)]
pub struct TenantConfig {
    pub profile: Profile,
    pub client_id: String,
    pub client_secret: crate::config::Secret<String>,
    pub redirect_url: String,
    pub signed_out_url: String,
}

impl TenantConfig {
    pub fn metadata_url(&self, policy: &str) -> String {
        match &self.profile {
            Profile::B2c { instance, domain } => format!(
                "{}/{}/{}/v2.0/.well-known/openid-configuration",
                instance.as_str().trim_end_matches('/'),
                domain,
                policy
            ),
            // The app's one user flow is bound to the registration: no policy in the URL.
            Profile::ExternalId {
                authority,
                tenant_id,
                ..
            } => format!(
                "{}/{}/v2.0/.well-known/openid-configuration",
                authority.as_str().trim_end_matches('/'),
                tenant_id
            ),
        }
    }

    /// The origin the browser is sent to (allowed in the CSP's form-action).
    pub fn origin(&self) -> String {
        match &self.profile {
            Profile::B2c { instance, .. } => instance.origin().ascii_serialization(),
            Profile::ExternalId { authority, .. } => authority.origin().ascii_serialization(),
        }
    }
}

/// The `claims` request parameter asking External ID for the MFA authentication context
/// (essential) and `auth_time`.
pub fn acrs_claims_request(auth_context: &str) -> String {
    serde_json::json!({
        "id_token": {
            "acrs": {"essential": true, "value": auth_context},
            "auth_time": {"essential": true}
        }
    })
    .to_string()
}

/// A sign-in that failed, with the reason code that goes to the log and the audit trail.
#[derive(Debug, thiserror::Error)]
#[error("{reason}: {detail}")]
pub struct SignInError {
    pub reason: SignInRefusal,
    /// For the log only; never shown to the user.
    pub detail: String,
    /// The AADB2C code, when the provider sent one.
    pub b2c_code: Option<String>,
}

fn fail(reason: SignInRefusal, detail: impl Into<String>) -> SignInError {
    SignInError {
        reason,
        detail: detail.into(),
        b2c_code: None,
    }
}

/// What the authorize redirect needs to remember until the reply comes back.
pub struct AuthorizeRequest {
    pub url: url::Url,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

pub struct VerifiedSignIn {
    pub claims: B2cIdTokenClaims,
    pub raw_id_token: String,
}

struct PolicyProvider {
    client: B2cClient,
    issuer: openidconnect::IssuerUrl,
    jwks_uri: String,
    end_session: Option<String>,
    jwks: RwLock<CoreJsonWebKeySet>,
    refetch: Mutex<Refetch>,
    fetched_at: Instant,
}

#[derive(Default)]
struct Refetch {
    tried_kids: HashMap<String, Instant>,
    last: Option<Instant>,
}

const METADATA_TTL: Duration = Duration::from_secs(3600);
const KID_RETRY_AFTER: Duration = Duration::from_secs(600);
const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(5);
const CLOCK_SKEW: Duration = Duration::from_secs(300);

/// All user flows of one tenant.
pub struct Provider {
    config: TenantConfig,
    http: reqwest::Client,
    cache: AsyncMutex<HashMap<String, Arc<PolicyProvider>>>,
}

impl Provider {
    pub fn new(config: TenantConfig, http: reqwest::Client) -> Self {
        Self {
            config,
            http,
            cache: AsyncMutex::new(HashMap::new()),
        }
    }

    async fn policy(&self, policy: &str) -> Result<Arc<PolicyProvider>, SignInError> {
        let key = policy.to_ascii_lowercase();
        let mut cache = self.cache.lock().await;
        if let Some(p) = cache.get(&key) {
            if p.fetched_at.elapsed() < METADATA_TTL {
                return Ok(p.clone());
            }
        }
        match self.fetch_policy(policy).await {
            Ok(p) => {
                let p = Arc::new(p);
                cache.insert(key, p.clone());
                Ok(p)
            }
            // A stale document beats no sign-in at all while the provider is briefly away.
            Err(e) => cache.get(&key).cloned().ok_or(e),
        }
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, SignInError> {
        let response = self.http.get(url).send().await.map_err(|e| {
            fail(
                SignInRefusal::ProviderUnavailable,
                format!("GET {url}: {e}"),
            )
        })?;
        if !response.status().is_success() {
            return Err(fail(
                SignInRefusal::ProviderUnavailable,
                format!("GET {url}: status {}", response.status()),
            ));
        }
        response.json::<T>().await.map_err(|e| {
            fail(
                SignInRefusal::ProviderUnavailable,
                format!("GET {url}: {e}"),
            )
        })
    }

    async fn fetch_policy(&self, policy: &str) -> Result<PolicyProvider, SignInError> {
        let metadata: ProviderMetadataWithLogout =
            self.get_json(&self.config.metadata_url(policy)).await?;
        let jwks_uri = metadata.jwks_uri().url().to_string();
        let jwks: CoreJsonWebKeySet = self.get_json(&jwks_uri).await?;
        let issuer = metadata.issuer().clone();
        let end_session = metadata
            .additional_metadata()
            .end_session_endpoint
            .as_ref()
            .map(|u| u.url().to_string());
        let redirect = RedirectUrl::new(self.config.redirect_url.clone()).map_err(|e| {
            fail(
                SignInRefusal::ProviderUnavailable,
                format!("redirect url: {e}"),
            )
        })?;
        let client = B2cClient::from_provider_metadata(
            metadata.set_jwks(jwks.clone()),
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(
                self.config.client_secret.expose().clone(),
            )),
        )
        .set_redirect_uri(redirect);
        Ok(PolicyProvider {
            client,
            issuer,
            jwks_uri,
            end_session,
            jwks: RwLock::new(jwks),
            refetch: Mutex::new(Refetch::default()),
            fetched_at: Instant::now(),
        })
    }

    /// Builds the authorize URL: code flow, PKCE S256, nonce, state, our scopes.
    pub async fn authorize(
        &self,
        policy: &str,
        response_mode: &str,
        prompt_login: bool,
    ) -> Result<AuthorizeRequest, SignInError> {
        let p = self.policy(policy).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = p
            .client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("offline_access".to_string()))
            .set_pkce_challenge(challenge)
            .add_extra_param("response_mode", response_mode.to_string());
        request = match &self.config.profile {
            // Without a scope beyond openid B2C returns no access_token and the token
            // response would not parse; Microsoft's advice is the app's own client id.
            Profile::B2c { .. } => request.add_scope(Scope::new(self.config.client_id.clone())),
            // `profile` brings `oid`, `email` the address; the claims request makes the
            // MFA authentication context essential on every sign-in.
            Profile::ExternalId { auth_context, .. } => request
                .add_scope(Scope::new("profile".to_string()))
                .add_scope(Scope::new("email".to_string()))
                .add_extra_param("claims", acrs_claims_request(auth_context)),
        };
        if prompt_login {
            request = request.add_prompt(CoreAuthPrompt::Login);
        }
        // The provider's pages in the language the portal speaks to this person (#31); B2C
        // and External ID both take `ui_locales`.
        request = request.add_ui_locale(openidconnect::LanguageTag::new(
            crate::i18n::current().code().to_string(),
        ));
        let (url, state, nonce) = request.url();
        Ok(AuthorizeRequest {
            url,
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Redeems the code at the token endpoint of the policy that issued it and checks the
    /// id_token. `expected_policy` is compared with `tfp` (or `acr`), case-insensitively.
    pub async fn redeem(
        &self,
        policy: &str,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
        expected_policy: &str,
    ) -> Result<VerifiedSignIn, SignInError> {
        let p = self.policy(policy).await?;
        let exchange = p
            .client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| {
                fail(
                    SignInRefusal::ProviderUnavailable,
                    format!("no token endpoint: {e}"),
                )
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()));
        let response = exchange.request_async(&self.http).await.map_err(|e| {
            let (detail, b2c_code) = match &e {
                RequestTokenError::ServerResponse(r) => {
                    let description = r.error_description().cloned().unwrap_or_default();
                    (
                        format!("token endpoint said {}", r.error()),
                        aadb2c_code(&description),
                    )
                }
                other => (format!("token request: {other}"), None),
            };
            SignInError {
                reason: SignInRefusal::TokenRequest,
                detail,
                b2c_code,
            }
        })?;
        let id_token = response
            .id_token()
            .ok_or_else(|| fail(SignInRefusal::NoIdToken, "token response without id_token"))?;
        let claims = self.verify(&p, id_token, nonce).await?;
        check_not_before(&claims)?;
        check_profile(&self.config.profile, &claims, expected_policy)?;
        if claims.subject().as_str().trim().is_empty() {
            return Err(fail(SignInRefusal::Subject, "empty sub"));
        }
        Ok(VerifiedSignIn {
            claims,
            raw_id_token: id_token.to_string(),
        })
    }

    async fn verify(
        &self,
        p: &PolicyProvider,
        id_token: &B2cIdToken,
        nonce: &str,
    ) -> Result<B2cIdTokenClaims, SignInError> {
        let nonce = Nonce::new(nonce.to_string());
        let first = {
            let jwks = read_lock(&p.jwks);
            let verifier = self.verifier(p, jwks);
            id_token.claims(&verifier, &nonce).cloned()
        };
        match first {
            Ok(claims) => Ok(claims),
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                let kid = id_token_kid(id_token).unwrap_or_default();
                if !self.refetch_jwks(p, &kid).await {
                    return Err(fail(SignInRefusal::UnknownKey, "no key with that kid"));
                }
                let jwks = read_lock(&p.jwks);
                let verifier = self.verifier(p, jwks);
                id_token
                    .claims(&verifier, &nonce)
                    .cloned()
                    .map_err(classify)
            }
            Err(e) => Err(classify(e)),
        }
    }

    fn verifier(
        &self,
        p: &PolicyProvider,
        jwks: CoreJsonWebKeySet,
    ) -> IdTokenVerifier<'static, CoreJsonWebKey> {
        // A public-client verifier has no client secret, so an HS256 token "signed" with our
        // secret cannot verify even if the algorithm list were wrong; and only RS256 is allowed.
        IdTokenVerifier::new_public_client(
            ClientId::new(self.config.client_id.clone()),
            p.issuer.clone(),
            jwks,
        )
        .set_allowed_algs(vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256])
        .set_issue_time_verifier_fn(|iat| {
            let now = chrono::Utc::now();
            let skew = chrono::Duration::from_std(CLOCK_SKEW).unwrap_or_default();
            if iat > now + skew {
                Err("issued in the future".to_string())
            } else if iat < now - chrono::Duration::hours(24) {
                Err("issued too long ago".to_string())
            } else {
                Ok(())
            }
        })
    }

    /// Fetches the JWKS again for an unknown kid: once per kid, and not more often than
    /// MIN_REFETCH_INTERVAL overall. Returns whether a fetch happened and succeeded.
    async fn refetch_jwks(&self, p: &PolicyProvider, kid: &str) -> bool {
        {
            let mut state = match p.refetch.lock() {
                Ok(s) => s,
                Err(poisoned) => poisoned.into_inner(),
            };
            let now = Instant::now();
            if let Some(at) = state.tried_kids.get(kid) {
                if now.duration_since(*at) < KID_RETRY_AFTER {
                    return false;
                }
            }
            if let Some(last) = state.last {
                if now.duration_since(last) < MIN_REFETCH_INTERVAL {
                    return false;
                }
            }
            state
                .tried_kids
                .retain(|_, at| now.duration_since(*at) < KID_RETRY_AFTER);
            state.tried_kids.insert(kid.to_string(), now);
            state.last = Some(now);
        }
        match self.get_json::<CoreJsonWebKeySet>(&p.jwks_uri).await {
            Ok(jwks) => {
                tracing::info!(
                    keys = jwks.keys().len(),
                    "fetched the JWKS again for an unknown key id"
                );
                match p.jwks.write() {
                    Ok(mut guard) => *guard = jwks,
                    Err(poisoned) => *poisoned.into_inner() = jwks,
                }
                true
            }
            Err(e) => {
                tracing::warn!(reason = e.reason.as_str(), "JWKS re-fetch failed");
                false
            }
        }
    }

    /// The policy's end-session URL with `id_token_hint` and `post_logout_redirect_uri`.
    pub async fn end_session_url(
        &self,
        policy: &str,
        id_token_hint: Option<&str>,
    ) -> Option<url::Url> {
        let p = self.policy(policy).await.ok()?;
        let mut url = url::Url::parse(p.end_session.as_deref()?).ok()?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("post_logout_redirect_uri", &self.config.signed_out_url);
            // Entra's v2 logout documents no id_token_hint; the token stays with us there.
            if let (Some(hint), Profile::B2c { .. }) = (id_token_hint, &self.config.profile) {
                q.append_pair("id_token_hint", hint);
            }
        }
        Some(url)
    }
}

fn read_lock(jwks: &RwLock<CoreJsonWebKeySet>) -> CoreJsonWebKeySet {
    match jwks.read() {
        Ok(g) => g.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

fn id_token_kid(token: &B2cIdToken) -> Option<String> {
    use base64::Engine as _;
    let raw = token.to_string();
    let header = raw.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("kid")?.as_str().map(str::to_string)
}

fn classify(e: ClaimsVerificationError) -> SignInError {
    let reason = match &e {
        ClaimsVerificationError::Expired(_) => SignInRefusal::Expired,
        ClaimsVerificationError::InvalidAudience(_) => SignInRefusal::Audience,
        ClaimsVerificationError::InvalidIssuer(_) => SignInRefusal::Issuer,
        ClaimsVerificationError::InvalidNonce(_) => SignInRefusal::Nonce,
        ClaimsVerificationError::InvalidSubject(_) => SignInRefusal::Subject,
        ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        ) => SignInRefusal::UnknownKey,
        ClaimsVerificationError::SignatureVerification(_) => SignInRefusal::Signature,
        _ => SignInRefusal::IdTokenInvalid,
    };
    fail(reason, e.to_string())
}

/// `openidconnect` does not look at `nbf`; B2C always sends it, so a token that is not valid
/// yet (beyond the clock skew) is refused here.
pub fn check_not_before(claims: &B2cIdTokenClaims) -> Result<(), SignInError> {
    let nbf = claims.additional_claims().other.get("nbf");
    let skew = CLOCK_SKEW.as_secs() as i64;
    match nbf {
        None => Ok(()),
        Some(value) => match value.as_i64().or_else(|| value.as_f64().map(|f| f as i64)) {
            Some(nbf) if nbf <= chrono::Utc::now().timestamp() + skew => Ok(()),
            Some(_) => Err(fail(SignInRefusal::NotYetValid, "nbf in the future")),
            None => Err(fail(SignInRefusal::IdTokenInvalid, "nbf is not a number")),
        },
    }
}

/// The checks that differ by provider, after signature, iss (= metadata's issuer), aud, exp,
/// nbf and nonce have passed. None is skipped for either profile.
pub fn check_profile(
    profile: &Profile,
    claims: &B2cIdTokenClaims,
    expected_policy: &str,
) -> Result<(), SignInError> {
    let issuer = claims.issuer().as_str();
    match profile {
        Profile::B2c { .. } => {
            // B2C's issuer is `https://<t>.b2clogin.com/<tid>/v2.0/`: an External ID-shaped
            // issuer means metadata from the other kind of tenant.
            if !issuer.ends_with("/v2.0/") || host_of(issuer).ends_with(".ciamlogin.com") {
                return Err(fail(SignInRefusal::Issuer, "issuer is not of the B2C form"));
            }
            check_policy(claims, expected_policy)
        }
        Profile::ExternalId {
            tenant_id,
            auth_context,
            ..
        } => {
            // `https://<tid>.ciamlogin.com/<tid>/v2.0`: the path names our tenant; a
            // b2clogin host or a B2C `/tfp/` path is the other kind of tenant.
            let path_ok = url::Url::parse(issuer).is_ok_and(|u| {
                u.path()
                    .trim_end_matches('/')
                    .eq_ignore_ascii_case(&format!("/{tenant_id}/v2.0"))
                    && !u.host_str().unwrap_or_default().ends_with(".b2clogin.com")
            });
            if !path_ok {
                return Err(fail(
                    SignInRefusal::Issuer,
                    "issuer is not of the External ID form for our tenant",
                ));
            }
            let extra = claims.additional_claims();
            match extra.tid.as_deref() {
                Some(tid) if tid.eq_ignore_ascii_case(tenant_id) => {}
                Some(_) => return Err(fail(SignInRefusal::Tenant, "tid names another tenant")),
                None => return Err(fail(SignInRefusal::Tenant, "no tid claim")),
            }
            // A B2C token carries a policy claim; External ID's never does.
            if extra.tfp.is_some() {
                return Err(fail(
                    SignInRefusal::Policy,
                    "a B2C policy claim in an External ID token",
                ));
            }
            let satisfied = extra
                .acrs
                .clone()
                .map(OneOrMany::into_vec)
                .unwrap_or_default();
            if !satisfied.iter().any(|c| c == auth_context) {
                return Err(fail(
                    SignInRefusal::Policy,
                    "acrs lacks the MFA authentication context",
                ));
            }
            if extra.oid.as_deref().is_none_or(|o| o.trim().is_empty()) {
                return Err(fail(SignInRefusal::Subject, "no oid claim"));
            }
            Ok(())
        }
    }
}

fn host_of(issuer: &str) -> String {
    url::Url::parse(issuer)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default()
}

/// MFA is a property of the user flow, and the policy claim is the only proof of it.
pub fn check_policy(claims: &B2cIdTokenClaims, expected: &str) -> Result<(), SignInError> {
    let policy = token_policy(claims);
    match policy {
        Some(p) if p.eq_ignore_ascii_case(expected) => Ok(()),
        Some(_) => Err(fail(
            SignInRefusal::Policy,
            "policy claim names another user flow",
        )),
        None => Err(fail(SignInRefusal::Policy, "no tfp or acr claim")),
    }
}

pub fn token_policy(claims: &B2cIdTokenClaims) -> Option<String> {
    claims.additional_claims().tfp.clone().or_else(|| {
        claims
            .auth_context_ref()
            .map(|acr| acr.as_str().to_string())
    })
}

/// The AADB2C (B2C) or AADSTS (Entra, External ID) code in an error description, if any.
pub fn aadb2c_code(description: &str) -> Option<String> {
    ["AADB2C", "AADSTS"].iter().find_map(|prefix| {
        let start = description.find(prefix)?;
        let code: String = description[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        (code.len() > 6 && code.len() <= 14).then_some(code)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aadb2c_codes_are_found_at_the_start_of_descriptions() {
        assert_eq!(
            aadb2c_code("AADB2C90118: The user has forgotten their password.\r\nCorrelation ID: x")
                .as_deref(),
            Some("AADB2C90118")
        );
        assert_eq!(aadb2c_code("nothing here"), None);
        assert_eq!(
            aadb2c_code("AADSTS50058: A silent sign-in request was sent").as_deref(),
            Some("AADSTS50058")
        );
        assert_eq!(aadb2c_code("AADB2C"), None);
    }

    /// Claims as B2C's MFA flow would send them, from `issuer`.
    fn b2c_claims(issuer: &str) -> B2cIdTokenClaims {
        let now = chrono::Utc::now().timestamp();
        serde_json::from_value(serde_json::json!({
            "iss": issuer,
            "sub": "9f0e1d2c-3b4a-5968-7a6b-5c4d3e2f1a0b",
            "aud": "client-app",
            "exp": now + 3600,
            "iat": now,
            "tfp": "B2C_1_susi_mfa",
        }))
        .unwrap()
    }

    fn b2c_profile() -> Profile {
        Profile::B2c {
            instance: url::Url::parse("https://contoso.b2clogin.com").unwrap(),
            domain: "contoso.onmicrosoft.com".into(),
        }
    }

    #[test]
    fn a_b2c_tenant_takes_only_a_b2c_shaped_issuer() {
        let profile = b2c_profile();
        let check = |issuer: &str| check_profile(&profile, &b2c_claims(issuer), "B2C_1_susi_mfa");
        assert!(check("https://contoso.b2clogin.com/775527ff/v2.0/").is_ok());

        // Each half of the rule alone refuses: the path without B2C's trailing slash on a
        // b2clogin host, and an External ID host with B2C's path.
        for issuer in [
            "https://contoso.b2clogin.com/775527ff/v2.0",
            "https://775527ff.ciamlogin.com/775527ff/v2.0/",
        ] {
            let refused = check(issuer).expect_err(issuer);
            assert_eq!(refused.reason, SignInRefusal::Issuer, "{issuer}");
        }
    }

    #[test]
    fn the_kid_is_read_from_the_token_header() {
        use base64::Engine as _;
        let b64 = |v: serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let claims =
            serde_json::to_value(b2c_claims("https://contoso.b2clogin.com/t/v2.0/")).unwrap();
        let token = |header: serde_json::Value| -> B2cIdToken {
            let jwt = format!("{}.{}.c2ln", b64(header), b64(claims.clone()));
            serde_json::from_value(serde_json::Value::String(jwt)).unwrap()
        };
        let with_kid = token(serde_json::json!({"alg": "RS256", "kid": "key-two"}));
        assert_eq!(id_token_kid(&with_kid).as_deref(), Some("key-two"));
        let without = token(serde_json::json!({"alg": "RS256"}));
        assert_eq!(id_token_kid(&without), None);
    }

    /// A JWKS endpoint on a local port that counts the fetches it answers.
    fn counting_jwks_server() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
        use std::io::{Read, Write};
        use std::sync::atomic::{AtomicUsize, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/jwks", listener.local_addr().unwrap());
        let fetches = Arc::new(AtomicUsize::new(0));
        let counted = fetches.clone();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                counted.fetch_add(1, Ordering::SeqCst);
                let body = r#"{"keys":[]}"#;
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        (url, fetches)
    }

    fn provider_and_policy(jwks_uri: &str) -> (Provider, PolicyProvider) {
        let issuer = "https://contoso.b2clogin.com/775527ff/v2.0/";
        let metadata: ProviderMetadataWithLogout = serde_json::from_value(serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": "https://contoso.b2clogin.com/authorize",
            "token_endpoint": "https://contoso.b2clogin.com/token",
            "jwks_uri": jwks_uri,
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }))
        .unwrap();
        let client = B2cClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new("client-app".into()),
            None,
        );
        let policy = PolicyProvider {
            client,
            issuer: metadata.issuer().clone(),
            jwks_uri: jwks_uri.to_string(),
            end_session: None,
            jwks: RwLock::new(CoreJsonWebKeySet::new(Vec::new())),
            refetch: Mutex::new(Refetch::default()),
            fetched_at: Instant::now(),
        };
        let config = TenantConfig {
            profile: b2c_profile(),
            client_id: "client-app".into(),
            client_secret: crate::config::Secret::new(String::new()),
            redirect_url: "https://portal.example/signin-oidc".into(),
            signed_out_url: "https://portal.example/signout-callback-oidc".into(),
        };
        (Provider::new(config, reqwest::Client::new()), policy)
    }

    /// As if `by` had passed since every earlier re-fetch: the limits read `Instant::now()`,
    /// so the test moves the remembered times back instead of waiting.
    fn time_passes(p: &PolicyProvider, by: Duration) {
        let mut refetch = p.refetch.lock().unwrap();
        let earlier = |t: Instant| t.checked_sub(by).expect("the monotonic clock reaches back");
        refetch.last = refetch.last.map(earlier);
        for at in refetch.tried_kids.values_mut() {
            *at = earlier(*at);
        }
    }

    #[tokio::test]
    async fn one_unknown_kid_fetches_the_jwks_at_most_once_in_ten_minutes() {
        use std::sync::atomic::Ordering;
        let (jwks_uri, fetches) = counting_jwks_server();
        let (provider, p) = provider_and_policy(&jwks_uri);

        assert!(
            provider.refetch_jwks(&p, "kid-a").await,
            "first sight: fetched"
        );
        assert_eq!(fetches.load(Ordering::SeqCst), 1);

        // Past the overall 5 s pause, the same kid still waits for its own 10 minutes.
        time_passes(&p, Duration::from_secs(6));
        assert!(!provider.refetch_jwks(&p, "kid-a").await);
        time_passes(&p, Duration::from_secs(9 * 60));
        assert!(!provider.refetch_jwks(&p, "kid-a").await);
        assert_eq!(fetches.load(Ordering::SeqCst), 1);

        time_passes(&p, Duration::from_secs(60));
        assert!(provider.refetch_jwks(&p, "kid-a").await, "after 10 minutes");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn different_unknown_kids_fetch_the_jwks_at_most_once_in_five_seconds() {
        use std::sync::atomic::Ordering;
        let (jwks_uri, fetches) = counting_jwks_server();
        let (provider, p) = provider_and_policy(&jwks_uri);

        assert!(provider.refetch_jwks(&p, "kid-a").await);
        assert!(
            !provider.refetch_jwks(&p, "kid-b").await,
            "a second kid at once"
        );
        assert_eq!(fetches.load(Ordering::SeqCst), 1);

        time_passes(&p, Duration::from_secs(6));
        assert!(provider.refetch_jwks(&p, "kid-b").await, "after 5 seconds");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn trying_another_kid_does_not_forget_one_tried_within_ten_minutes() {
        use std::sync::atomic::Ordering;
        let (jwks_uri, fetches) = counting_jwks_server();
        let (provider, p) = provider_and_policy(&jwks_uri);

        assert!(provider.refetch_jwks(&p, "kid-a").await);
        time_passes(&p, Duration::from_secs(6));
        // Another kid's fetch sweeps the remembered kids: only those past 10 minutes go.
        assert!(provider.refetch_jwks(&p, "kid-b").await);
        time_passes(&p, Duration::from_secs(6));
        assert!(
            !provider.refetch_jwks(&p, "kid-a").await,
            "kid-a was tried 12 s ago: still remembered"
        );
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }
}
