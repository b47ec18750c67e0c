#![allow(dead_code)] // shared by every test module; not each uses all of it
//! Test support: the real portal on a random port with real TLS, a hostile identity provider
//! shaped like B2C or like Entra External ID (it serves that provider's metadata and JWKS and
//! hands out whatever id_token a test asks for), a cookie-keeping browser that does not follow redirects, and a log capture.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine as _;
use jsonwebtoken::{EncodingKey, Header};
use patient_portal::config::Cli;
use patient_portal::demo::demo_patients;
use patient_portal::records::model::PatientRecord;
use patient_portal::startup::Application;
use patient_portal::tls;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};

#[path = "../common/hermetic.rs"]
mod hermetic;
#[allow(unused_imports)] // tests/postgres.rs shares this file and starts no binary
pub use hermetic::portal_command;

pub const CLIENT_ID: &str = "5e2c9a3a-8f4b-4c1e-9d7a-0b6f2e1c3d4a";
pub const CLIENT_SECRET: &str = "test-client-secret-that-is-long-enough";
pub const DOMAIN: &str = "contoso.onmicrosoft.com";
pub const TENANT: &str = "775527ff-9a37-4307-8b3d-cc311f58d925";
pub const SUSI: &str = "B2C_1_susi_mfa";
pub const RESET: &str = "B2C_1_reset";
pub const EDIT: &str = "B2C_1_edit";
/// The MFA authentication context an External ID configuration requires in `acrs`.
pub const AUTH_CONTEXT: &str = "c1";
/// External ID's pairwise `sub` for the test user (not the user's key: `oid` is).
pub const PAIRWISE_SUB: &str = "pAiRwIsE-sub-for-this-app-only_0123456789";

/// Which kind of tenant the hostile provider imitates and the portal is configured for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    B2c,
    ExternalId,
}

/// Everything the portal logs in this test binary, to prove secrets never reach it.
pub static LOGS: LazyLock<Arc<Mutex<Vec<u8>>>> = LazyLock::new(|| {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let writer = buf.clone();
    let _ = tracing_subscriber::fmt()
        .with_env_filter("debug,html5ever=off,selectors=off,h2=warn,hyper=warn,rustls=warn,reqwest=warn,sqlx=warn,actix_server=warn,tokio=warn")
        .with_writer(move || LogWriter(writer.clone()))
        .with_ansi(false)
        .try_init();
    buf
});

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(data);
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).to_string()
}

pub struct SigningKey {
    pub kid: String,
    pub pem: String,
    pub n: String,
    pub e: String,
}

fn make_key(kid: &str) -> SigningKey {
    let mut rng = rand::rngs::OsRng;
    let key = rsa::RsaPrivateKey::new(&mut rng, 2048).expect("rsa key");
    let pem = key
        .to_pkcs1_pem(rsa::pkcs8::LineEnding::LF)
        .expect("pem")
        .to_string();
    let b64 = |b: Vec<u8>| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    SigningKey {
        kid: kid.to_string(),
        pem,
        n: b64(key.n().to_bytes_be()),
        e: b64(key.e().to_bytes_be()),
    }
}

/// Keys are slow to make; every test shares these three.
pub static KEYS: LazyLock<[SigningKey; 3]> = LazyLock::new(|| {
    [
        make_key("key-one"),
        make_key("key-two"),
        make_key("key-unpublished"),
    ]
});

/// The hostile provider's state: which keys it publishes, the token it hands out next,
/// and what it was asked.
#[derive(Default)]
pub struct IdpState {
    pub published: Vec<usize>,
    /// An `issuer` for the metadata other than the provider's own form.
    pub issuer_override: Option<String>,
    pub metadata_fetches: Vec<String>,
    pub next_token: Option<String>,
    pub token_error: Option<Value>,
    pub jwks_fetches: usize,
    pub token_requests: Vec<TokenRequest>,
}

#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub policy: String,
    pub authorization: Option<String>,
    pub form: Vec<(String, String)>,
}

pub struct Idp {
    pub port: u16,
    pub profile: Profile,
    pub state: Arc<Mutex<IdpState>>,
    pub cert: PathBuf,
}

impl Idp {
    pub fn issuer(&self) -> String {
        if let Some(issuer) = self.state.lock().unwrap().issuer_override.clone() {
            return issuer;
        }
        own_issuer(self.profile, self.port)
    }

    pub fn instance(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    pub fn set_issuer(&self, issuer: &str) {
        self.state.lock().unwrap().issuer_override = Some(issuer.to_string());
    }

    pub fn publish(&self, keys: &[usize]) {
        self.state.lock().unwrap().published = keys.to_vec();
    }

    pub fn hand_out(&self, token: String) {
        self.state.lock().unwrap().next_token = Some(token);
    }

    pub fn jwks_fetches(&self) -> usize {
        self.state.lock().unwrap().jwks_fetches
    }

    /// The claims this provider would put in the id_token of an MFA sign-in.
    pub fn claims(&self, nonce: &str) -> Value {
        match self.profile {
            Profile::B2c => self.b2c_claims(nonce),
            Profile::ExternalId => self.external_id_claims(nonce),
        }
    }

    /// What External ID puts in a v2 id_token when the user satisfied the Conditional
    /// Access policy of the requested authentication context: no policy claim.
    pub fn external_id_claims(&self, nonce: &str) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({
            "iss": self.issuer(),
            "sub": PAIRWISE_SUB,
            "aud": CLIENT_ID,
            "exp": now + 3600,
            "nbf": now,
            "iat": now,
            "auth_time": now,
            "nonce": nonce,
            "ver": "2.0",
            "oid": "9f0e1d2c-3b4a-5968-7a6b-5c4d3e2f1a0b",
            "tid": TENANT,
            "acrs": [AUTH_CONTEXT],
            "email": "pat.example@example.com",
            "name": "Pat Example",
            "preferred_username": "pat.example@example.com"
        })
    }

    /// The claims B2C's MFA user flow would put in the id_token for this sign-in.
    pub fn b2c_claims(&self, nonce: &str) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({
            "iss": self.issuer(),
            "sub": "9f0e1d2c-3b4a-5968-7a6b-5c4d3e2f1a0b",
            "aud": CLIENT_ID,
            "exp": now + 3600,
            "nbf": now,
            "iat": now,
            "auth_time": now,
            "nonce": nonce,
            "ver": "1.0",
            "tfp": SUSI,
            "oid": "9f0e1d2c-3b4a-5968-7a6b-5c4d3e2f1a0b",
            "emails": ["pat.example@example.com"],
            "given_name": "Pat",
            "family_name": "Example",
            "name": "Pat Example",
            "country": "US"
        })
    }
}

pub fn sign(claims: &Value, key: usize) -> String {
    let k = &KEYS[key];
    let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(k.kid.clone());
    header.typ = Some("JWT".into());
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(k.pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

pub fn sign_hs256_with_client_secret(claims: &Value) -> String {
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(KEYS[0].kid.clone());
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_secret(CLIENT_SECRET.as_bytes()),
    )
    .unwrap()
}

pub fn unsigned(claims: &Value) -> String {
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(claims)
    )
}

/// The issuer each kind of tenant reports: B2C's on the instance host with a trailing slash,
/// External ID's on `<tenant-id>.ciamlogin.com` (not the host metadata was fetched from).
pub fn own_issuer(profile: Profile, port: u16) -> String {
    match profile {
        Profile::B2c => format!("https://localhost:{port}/{TENANT}/v2.0/"),
        Profile::ExternalId => format!("https://{TENANT}.ciamlogin.com/{TENANT}/v2.0"),
    }
}

type IdpData = web::Data<(u16, Arc<Mutex<IdpState>>)>;

async fn external_id_metadata(
    req: HttpRequest,
    tenant: web::Path<String>,
    data: IdpData,
) -> HttpResponse {
    let tenant = tenant.into_inner();
    let base = format!("https://localhost:{}/{tenant}", data.0);
    let issuer = {
        let mut state = data.1.lock().unwrap();
        state.metadata_fetches.push(req.path().to_string());
        state
            .issuer_override
            .clone()
            .unwrap_or_else(|| own_issuer(Profile::ExternalId, data.0))
    };
    HttpResponse::Ok().json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"]
    }))
}

async fn external_id_token(
    req: HttpRequest,
    tenant: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
    data: IdpData,
) -> HttpResponse {
    token_reply(req, tenant.into_inner(), form.into_inner(), data)
}

async fn metadata(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    data: web::Data<(u16, Arc<Mutex<IdpState>>)>,
) -> HttpResponse {
    let (domain, policy) = path.into_inner();
    let base = format!("https://localhost:{}/{domain}/{policy}", data.0);
    let issuer = {
        let mut state = data.1.lock().unwrap();
        state.metadata_fetches.push(req.path().to_string());
        state
            .issuer_override
            .clone()
            .unwrap_or_else(|| own_issuer(Profile::B2c, data.0))
    };
    HttpResponse::Ok().json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "response_types_supported": ["code", "code id_token", "code token", "code id_token token", "id_token", "id_token token", "token", "token id_token"],
        "scopes_supported": ["openid"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["name", "given_name", "family_name", "emails", "country", "extension_Role", "newUser", "idp", "sub", "tfp", "iss", "iat", "exp", "aud", "acr", "nonce", "auth_time"]
    }))
}

async fn jwks(data: web::Data<(u16, Arc<Mutex<IdpState>>)>) -> HttpResponse {
    let mut state = data.1.lock().unwrap();
    state.jwks_fetches += 1;
    let keys: Vec<Value> = state
        .published
        .iter()
        .map(|i| {
            let k = &KEYS[*i];
            json!({"kid": k.kid, "nbf": 1_700_000_000, "use": "sig", "kty": "RSA", "e": k.e, "n": k.n})
        })
        .collect();
    HttpResponse::Ok().json(json!({ "keys": keys }))
}

async fn token(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
    data: web::Data<(u16, Arc<Mutex<IdpState>>)>,
) -> HttpResponse {
    token_reply(req, path.into_inner().1, form.into_inner(), data)
}

fn token_reply(
    req: HttpRequest,
    policy: String,
    form: Vec<(String, String)>,
    data: IdpData,
) -> HttpResponse {
    let mut state = data.1.lock().unwrap();
    state.token_requests.push(TokenRequest {
        policy,
        authorization: req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        form,
    });
    if let Some(err) = state.token_error.take() {
        return HttpResponse::BadRequest().json(err);
    }
    match state.next_token.take() {
        Some(id_token) => HttpResponse::Ok().json(json!({
            "id_token": id_token,
            "token_type": "Bearer",
            "not_before": chrono::Utc::now().timestamp(),
            "id_token_expires_in": 3600,
            "profile_info": "eyJ2ZXIiOiIxLjAifQ",
            "scope": format!("{CLIENT_ID} openid offline_access"),
            "access_token": "access-token-from-the-hostile-idp",
            "expires_in": 3600,
            "refresh_token": "refresh-token-from-the-hostile-idp",
            "refresh_token_expires_in": 1209600
        })),
        None => HttpResponse::BadRequest().json(json!({
            "error": "invalid_grant",
            "error_description": "AADB2C90080: The provided grant has expired."
        })),
    }
}

pub async fn spawn_idp() -> Idp {
    spawn_idp_as(Profile::B2c).await
}

/// A hostile provider: it serves both shapes' endpoints (so a portal configured for one
/// kind can be shown the other), and `profile` picks its own issuer and token claims.
pub async fn spawn_idp_as(profile: Profile) -> Idp {
    tls::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap().keep();
    let cert = tls::dev_certificate(&dir).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let state = Arc::new(Mutex::new(IdpState {
        published: vec![0],
        ..Default::default()
    }));
    let data = web::Data::new((port, state.clone()));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route(
                "/{domain}/{policy}/v2.0/.well-known/openid-configuration",
                web::get().to(metadata),
            )
            .route(
                "/{domain}/{policy}/discovery/v2.0/keys",
                web::get().to(jwks),
            )
            .route(
                "/{domain}/{policy}/oauth2/v2.0/token",
                web::post().to(token),
            )
            .route(
                "/{tenant}/v2.0/.well-known/openid-configuration",
                web::get().to(external_id_metadata),
            )
            .route("/{tenant}/discovery/v2.0/keys", web::get().to(jwks))
            .route(
                "/{tenant}/oauth2/v2.0/token",
                web::post().to(external_id_token),
            )
    })
    .workers(1)
    .listen_rustls_0_23(listener, (*tls::server_config(&cert).unwrap()).clone())
    .unwrap()
    .run();
    tokio::spawn(server);
    Idp {
        port,
        profile,
        state,
        cert: cert.cert,
    }
}

pub struct TestApp {
    pub port: u16,
    pub idp: Idp,
    pub data_dir: PathBuf,
    pub pool: patient_portal::db::Pool,
}

/// Options a test may change before the portal starts.
pub struct Options {
    pub response_mode: &'static str,
    pub reset_policy: bool,
    /// None: a fresh SQLite file in the test's data dir.
    pub database_url: Option<String>,
    /// More command-line settings, e.g. `--signin-per-minute=3`.
    pub extra_args: Vec<String>,
    /// The kind of tenant the portal is configured for.
    pub profile: Profile,
    /// The kind of tenant the hostile provider imitates (None: the same as `profile`).
    pub idp_profile: Option<Profile>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            response_mode: "query",
            reset_policy: true,
            database_url: None,
            extra_args: Vec::new(),
            profile: Profile::B2c,
            idp_profile: None,
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    LazyLock::force(&LOGS);
    LazyLock::force(&KEYS);
    let idp = spawn_idp_as(options.idp_profile.unwrap_or(options.profile)).await;
    let data_dir = tempfile::tempdir().unwrap().keep();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut args: Vec<String> = vec![
        "patient-portal".into(),
        format!("--public-url=https://localhost:{port}"),
        format!("--listen=127.0.0.1:{port}"),
        format!("--data-dir={}", data_dir.display()),
        format!(
            "--database-url={}",
            options.database_url.clone().unwrap_or_else(|| format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("portal.sqlite").display()
            ))
        ),
        format!("--extra-ca-file={}", idp.cert.display()),
        format!("--response-mode={}", options.response_mode),
    ];
    match options.profile {
        Profile::B2c => {
            args.extend([
                format!("--b2c-instance={}", idp.instance()),
                format!("--b2c-domain={DOMAIN}"),
                format!("--b2c-client-id={CLIENT_ID}"),
                format!("--b2c-client-secret={CLIENT_SECRET}"),
                format!("--b2c-susi-policy={SUSI}"),
                format!("--b2c-edit-policy={EDIT}"),
            ]);
            if options.reset_policy {
                args.push(format!("--b2c-reset-policy={RESET}"));
            }
        }
        Profile::ExternalId => args.extend([
            "--identity-provider=external-id".to_string(),
            format!("--external-id-authority={}/", idp.instance()),
            format!("--external-id-tenant-id={TENANT}"),
            format!("--external-id-client-id={CLIENT_ID}"),
            format!("--external-id-client-secret={CLIENT_SECRET}"),
        ]),
    }
    args.extend(options.extra_args.iter().cloned());
    let settings = Cli::try_parse_from_args(args)
        .env
        .validate()
        .expect("test settings are valid");
    let app = Application::build_with_listeners(settings, listener, None)
        .await
        .expect("portal builds");
    let pool = app.pool().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        port,
        idp,
        data_dir,
        pool,
    }
}

trait ParseArgs {
    fn try_parse_from_args(args: Vec<String>) -> Cli;
}

impl ParseArgs for Cli {
    fn try_parse_from_args(args: Vec<String>) -> Cli {
        // Only the arguments count: nothing the shell exports reaches the test's portal.
        Cli::try_parse_with_env(args, std::iter::empty::<(String, String)>())
            .expect("test arguments parse")
    }
}

/// A browser: keeps cookies, does not follow redirects, trusts the portal's certificate.
pub struct Browser {
    pub client: reqwest::Client,
    pub jar: Arc<reqwest::cookie::Jar>,
}

/// A sign-in that the portal started: what it sent to the provider.
pub struct Started {
    pub state: String,
    pub nonce: String,
    pub authorize_url: url::Url,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{}", self.port, path)
    }

    pub fn browser(&self) -> Browser {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let config = tls::client_config(&[self.data_dir.join("localhost-cert.pem")]).unwrap();
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(config)
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser { client, jar }
    }

    pub async fn start_signin(&self, b: &Browser, return_url: Option<&str>) -> Started {
        let url = match return_url {
            Some(r) => format!("{}?returnUrl={}", self.url("/signin"), urlencode(r)),
            None => self.url("/signin"),
        };
        let resp = b.client.get(url).send().await.unwrap();
        assert_eq!(resp.status(), 302, "signin redirects to the provider");
        let location = url::Url::parse(location(&resp)).unwrap();
        let q: std::collections::HashMap<String, String> =
            location.query_pairs().into_owned().collect();
        Started {
            state: q["state"].clone(),
            nonce: q["nonce"].clone(),
            authorize_url: location,
        }
    }

    /// Hands the provider a token and sends the browser back to the reply URL.
    pub async fn reply(
        &self,
        b: &Browser,
        started: &Started,
        id_token: String,
    ) -> reqwest::Response {
        self.idp.hand_out(id_token);
        b.client
            .get(format!(
                "{}?code=auth-code-abc&state={}",
                self.url("/signin-oidc"),
                urlencode(&started.state)
            ))
            .send()
            .await
            .unwrap()
    }

    /// Sends the browser back to the reply URL with an error instead of a code, as B2C does.
    pub async fn reply_error(
        &self,
        b: &Browser,
        started: &Started,
        error: &str,
        description: &str,
    ) -> reqwest::Response {
        b.client
            .get(format!(
                "{}?error={}&error_description={}&state={}",
                self.url("/signin-oidc"),
                urlencode(error),
                urlencode(description),
                urlencode(&started.state)
            ))
            .send()
            .await
            .unwrap()
    }

    /// A complete, valid sign-in.
    pub async fn sign_in(&self, b: &Browser) -> reqwest::Response {
        let started = self.start_signin(b, None).await;
        let token = sign(&self.idp.claims(&started.nonce), 0);
        self.reply(b, &started, token).await
    }

    pub fn session_cookie(&self, b: &Browser) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = url::Url::parse(&self.url("/")).unwrap();
        let header = b.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|c| c.strip_prefix("__Host-portal-session=").map(str::to_string))
    }
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub fn location(resp: &reqwest::Response) -> &str {
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

pub fn assert_redirect_to(resp: &reqwest::Response, to: &str) {
    assert_eq!(resp.status().as_u16(), 302, "expected a redirect to {to}");
    assert_eq!(location(resp), to);
}

/// The browser has no session: a gated page sends it to sign in.
pub async fn assert_signed_out(app: &TestApp, b: &Browser) {
    let resp = b.client.get(app.url("/account")).send().await.unwrap();
    assert_redirect_to(&resp, "/signin?returnUrl=%2Faccount");
}

/// The browser has a session: returns the account page followed by its sign-in details (the
/// claims), as one text.
pub async fn assert_signed_in(app: &TestApp, b: &Browser) -> String {
    let mut text = String::new();
    for path in ["/account", "/account/sign-in-details"] {
        let resp = b.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "signed in: {path} shows");
        text.push_str(&resp.text().await.unwrap());
    }
    text
}

/// Who signs in: the subject and, for clinicians, the role claim.
pub struct Person {
    pub subject: &'static str,
    pub name: &'static str,
    pub clinician: bool,
}

pub const PATIENT_A: Person = Person {
    subject: "0a1b2c3d-0000-4000-8000-00000000000a",
    name: "Alex Patient",
    clinician: false,
};
pub const PATIENT_B: Person = Person {
    subject: "0a1b2c3d-0000-4000-8000-00000000000b",
    name: "Blair Patient",
    clinician: false,
};
pub const CLINICIAN: Person = Person {
    subject: "0a1b2c3d-0000-4000-8000-0000000000c1",
    name: "Casey Clinician",
    clinician: true,
};
pub const OTHER_CLINICIAN: Person = Person {
    subject: "0a1b2c3d-0000-4000-8000-0000000000c2",
    name: "Drew Clinician",
    clinician: true,
};

impl TestApp {
    /// Signs `who` in through the MFA flow (a valid token) in browser `b`; returns where the
    /// portal sends them (the landing page of their role).
    pub async fn sign_in_as(&self, b: &Browser, who: &Person) -> String {
        let started = self.start_signin(b, None).await;
        let mut claims = self.idp.claims(&started.nonce);
        let email = format!("{}@example.com", who.name.to_lowercase().replace(' ', "."));
        claims["oid"] = json!(who.subject);
        claims["name"] = json!(who.name);
        match self.idp.profile {
            Profile::B2c => {
                claims["sub"] = json!(who.subject);
                claims["emails"] = json!([email]);
                if who.clinician {
                    claims["extension_Role"] = json!("Clinician");
                }
            }
            Profile::ExternalId => {
                // Pairwise: not the key the portal uses.
                claims["sub"] = json!(format!("pairwise-{}", who.subject));
                claims["email"] = json!(email);
                if who.clinician {
                    claims["roles"] = json!(["Clinician"]);
                }
            }
        }
        let resp = self.reply(b, &started, sign(&claims, 0)).await;
        assert_eq!(resp.status(), 302, "sign-in of {}", who.name);
        location(&resp).to_string()
    }

    /// A second connection to the app's SQLite database, as another process would open it.
    pub async fn other_process(&self) -> sqlx::AnyConnection {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}", self.data_dir.join("portal.sqlite").display());
        <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap()
    }

    /// Another process inside a write transaction that has written (so a transaction that read
    /// before it ends sees a stale snapshot): `COMMIT` on the connection releases the lock.
    pub async fn holding_the_write_lock(&self) -> sqlx::AnyConnection {
        let mut holder = self.other_process().await;
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut holder)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut holder)
            .await
            .unwrap();
        holder
    }

    /// Stores a record (e.g. from `demo`) and returns the patient's opaque id.
    pub async fn seed(&self, record: &patient_portal::records::model::PatientRecord) -> String {
        patient_portal::records::store::save_record(&self.pool, record)
            .await
            .expect("record saved")
            .0
    }

    /// Links a patient record to a B2C subject, as a redeemed activation code would.
    pub async fn link(&self, patient_id: &str, who: &Person) {
        sqlx::query("UPDATE patients SET b2c_subject = $1 WHERE id = $2")
            .bind(who.subject)
            .bind(patient_id)
            .execute(&self.pool)
            .await
            .unwrap();
    }

    pub async fn add_to_care_team(&self, patient_id: &str, who: &Person) {
        sqlx::query(
            "INSERT INTO care_team (clinician_subject, patient_id, added_at) VALUES ($1, $2, 0)",
        )
        .bind(who.subject)
        .bind(patient_id)
        .execute(&self.pool)
        .await
        .unwrap();
    }

    pub async fn get(&self, b: &Browser, path: &str) -> reqwest::Response {
        b.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn audit_rows(
        &self,
    ) -> Vec<(String, Option<String>, Option<String>, Option<String>)> {
        use sqlx::Row;
        sqlx::query("SELECT action, actor_subject, patient_id, detail FROM audit_log ORDER BY seq")
            .fetch_all(&self.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect()
    }
}

/// The CSRF token of the first form in a page.
pub fn csrf_in(page: &str) -> String {
    let doc = scraper::Html::parse_document(page);
    let sel = scraper::Selector::parse("input[name=csrf_token]").unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .expect("a csrf token in the page")
        .to_string()
}

// ---- shared by the staff, records and messages tests ----

/// `n` demo patients (seed 7), made today.
pub fn records(n: usize) -> Vec<PatientRecord> {
    demo_patients(n, 7, chrono::Utc::now().date_naive())
}

/// A portal with `n` demo patients stored; returns the app, the records and their ids.
pub async fn app_with_patients(n: usize) -> (TestApp, Vec<PatientRecord>, Vec<String>) {
    let app = spawn_app().await;
    let recs = records(n);
    let mut ids = Vec::new();
    for r in &recs {
        ids.push(app.seed(r).await);
    }
    (app, recs, ids)
}

/// A fresh browser signed in as `who`.
pub async fn signed_in(app: &TestApp, who: &Person) -> Browser {
    let b = app.browser();
    app.sign_in_as(&b, who).await;
    b
}

/// The session's CSRF token, from any page with the header's sign-out form.
pub async fn csrf(app: &TestApp, b: &Browser) -> String {
    let page = app.get(b, "/account").await.text().await.unwrap();
    csrf_in(&page)
}

/// Posts a form from browser `b`.
pub async fn post(
    app: &TestApp,
    b: &Browser,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    b.client
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// The one integer a query returns (`SELECT COUNT(*) ...`).
pub async fn count(app: &TestApp, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sql).fetch_one(&app.pool).await.unwrap().get(0)
}

/// Clinical details of a record that must not show where only identifying fields belong.
pub fn phi_of(record: &PatientRecord) -> Vec<String> {
    let mut phi: Vec<String> = record
        .conditions
        .iter()
        .map(|c| c.code.display.clone())
        .collect();
    phi.extend(record.medications.iter().map(|m| m.code.display.clone()));
    phi.extend(record.patient.address.clone());
    phi.extend(record.patient.phone.clone());
    phi
}

/// Today's date, as the demo records are made for it.
/// Rate limits count in one-minute windows that start on the minute: a test that needs its
/// requests in one window starts only when at least `secs` of the current one are left
/// (waiting at most `secs` for the next).
pub async fn within_one_rate_window(secs: u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let left = std::time::Duration::from_secs(60)
        - std::time::Duration::from_millis((now.as_millis() % 60_000) as u64);
    if left < std::time::Duration::from_secs(secs) {
        tokio::time::sleep(left + std::time::Duration::from_millis(50)).await;
    }
}

pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Stores `record`, links it to `who` and signs `who` in; returns the browser and the patient id.
pub async fn signed_in_patient(
    app: &TestApp,
    record: &PatientRecord,
    who: &Person,
) -> (Browser, String) {
    let id = app.seed(record).await;
    app.link(&id, who).await;
    let b = app.browser();
    app.sign_in_as(&b, who).await;
    (b, id)
}

/// Sends the `/activate` form (code and date of birth) with the session's CSRF token.
pub async fn try_link(
    app: &TestApp,
    b: &Browser,
    code: &str,
    birth_date: &str,
) -> reqwest::Response {
    // The session's CSRF token (every page's sign-out form carries it).
    let page = app.get(b, "/account").await.text().await.unwrap();
    b.client
        .post(app.url("/activate"))
        .form(&[
            ("code", code),
            ("birth_date", birth_date),
            ("csrf_token", &csrf_in(&page)),
        ])
        .send()
        .await
        .unwrap()
}

impl TestApp {
    /// `patient-portal` as an operator runs it beside this app: its data directory (and so its
    /// audit key) and its SQLite database.
    pub fn portal_command(&self) -> std::process::Command {
        let mut command = portal_command(&self.data_dir);
        command.env("PORTAL_DATA_DIR", &self.data_dir).env(
            "DATABASE_URL",
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("portal.sqlite").display()
            ),
        );
        command
    }
}

/// The PostgreSQL server of PORTAL_TEST_POSTGRES_URL, where tests make databases of their own.
pub struct Postgres {
    pub admin: sqlx::AnyPool,
    admin_url: String,
}

impl Postgres {
    /// The server, or `None` (saying that `what` did not run) when PORTAL_TEST_POSTGRES_URL is
    /// unset, so `cargo test` passes on a laptop without PostgreSQL; with CI=true a missing
    /// variable or an unreachable server fails the run. `off` leaves PostgreSQL out on purpose,
    /// also in CI: the mutation runs (.ci/mutants.sh) test each mutant on SQLite only, after
    /// `cargo test` has run these tests on PostgreSQL.
    pub async fn connect(what: &str) -> Option<Self> {
        let admin_url = match std::env::var("PORTAL_TEST_POSTGRES_URL") {
            Ok(off) if off == "off" => {
                eprintln!("{what} not run here: PORTAL_TEST_POSTGRES_URL=off");
                return None;
            }
            Ok(url) if !url.is_empty() => url,
            _ => {
                if std::env::var("CI").as_deref() == Ok("true") {
                    panic!("CI must run the PostgreSQL tests: set PORTAL_TEST_POSTGRES_URL");
                }
                eprintln!("{what} not run here: PORTAL_TEST_POSTGRES_URL is not set");
                return None;
            }
        };
        sqlx::any::install_default_drivers();
        let admin = sqlx::AnyPool::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at PORTAL_TEST_POSTGRES_URL: {e}"));
        Some(Postgres { admin, admin_url })
    }

    /// Drops the databases named `{prefix}_...` that earlier runs left. Only for a prefix that no
    /// test running at the same time uses.
    pub async fn drop_databases_left_by_earlier_runs(&self, prefix: &str) {
        let pattern = format!("{}\\_%", prefix.replace('_', "\\_"));
        let old =
            sqlx::query("SELECT CAST(datname AS TEXT) FROM pg_database WHERE datname LIKE $1")
                .bind(pattern)
                .fetch_all(&self.admin)
                .await
                .unwrap_or_default();
        for row in old {
            let name: String = sqlx::Row::get(&row, 0);
            self.drop_database(&name).await;
        }
    }

    /// A fresh, empty database `{prefix}_<uuid>`: its name and its URL.
    pub async fn create_database(&self, prefix: &str) -> (String, String) {
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&self.admin)
            .await
            .expect("create database");
        let mut url = url::Url::parse(&self.admin_url).expect("PORTAL_TEST_POSTGRES_URL is a URL");
        url.set_path(&format!("/{name}"));
        (name, url.to_string())
    }

    pub async fn drop_database(&self, name: &str) {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&self.admin)
            .await;
    }
}

/// Runs `patient-portal ARGS` against the app's database and key (PORTAL_DATA_DIR/audit.key):
/// the exit code and what it printed.
pub fn portal_audit(app: &TestApp, args: &[&str]) -> (i32, String) {
    let out = app.portal_command().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
    )
}

/// `patient-portal audit verify` against the app.
pub fn verify(app: &TestApp) -> (i32, String) {
    portal_audit(app, &["audit", "verify"])
}

impl TestApp {
    /// The provider's `form_post` reply as a browser sends it: a cross-site POST carries the
    /// `SameSite=None` correlation cookie and none of the `Lax` ones (the session). reqwest
    /// knows no SameSite, so this picks the cookies by hand; `.ci/run`'s browser journeys
    /// do it in Chromium. Returns the POST's answer and, if it sent the browser on by GET
    /// (with a reply cookie), the answer to that GET from the whole browser `b`.
    pub async fn form_post_reply(
        &self,
        b: &Browser,
        form: &[(&str, &str)],
    ) -> (reqwest::Response, Option<reqwest::Response>) {
        use reqwest::cookie::CookieStore;
        let url = url::Url::parse(&self.url("/")).unwrap();
        let all = b
            .jar
            .cookies(&url)
            .map(|h| h.to_str().unwrap().to_string())
            .unwrap_or_default();
        let correlation: Vec<&str> = all
            .split("; ")
            .filter(|c| c.starts_with("__Host-portal-signin="))
            .collect();
        let cross_site = self.browser();
        let post = cross_site
            .client
            .post(self.url("/signin-oidc"))
            .header("Origin", "null")
            .header("Sec-Fetch-Site", "cross-site")
            .header("Cookie", correlation.join("; "))
            .form(form)
            .send()
            .await
            .unwrap();
        if post.status() != 303 {
            return (post, None);
        }
        for c in post.headers().get_all("set-cookie") {
            b.jar.add_cookie_str(c.to_str().unwrap(), &url);
        }
        let to = self.url(location(&post));
        let get = b.client.get(to).send().await.unwrap();
        (post, Some(get))
    }
}
