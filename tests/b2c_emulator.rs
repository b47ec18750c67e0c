//! The B2C emulator on its own: real TLS, a random port, a fresh tenant per test. The client keeps
//! cookies, follows no redirects by itself, and reads pages the way a person does: fields by their
//! label, buttons by their text, codes from the development outbox.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use patient_portal::b2c_emulator::{
    self, AppRegistration, Emulator, EmulatorSettings, Policies, DEMO_USERS,
};
use patient_portal::tls;
#[path = "common/page.rs"]
mod page;

use page::{sel as selector, Page};
use scraper::Html;
use serde_json::Value;
use sha2::{Digest, Sha256};

const REDIRECT_URI: &str = "https://localhost:1/signin-oidc";
const LOGOUT_URI: &str = "https://localhost:1/signout-callback-oidc";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

struct TestEmulator {
    base: String,
    domain: String,
    tenant_id: String,
    client_id: String,
    client_secret: String,
    data_dir: tempfile::TempDir,
    cert: PathBuf,
    client: reqwest::Client,
}

/// What a browser ends on: an emulator page, or a redirect back to the app.
enum Landing {
    Page(Page),
    App(url::Url),
}

fn browser(cert: &Path) -> reqwest::Client {
    reqwest::Client::builder()
        .use_preconfigured_tls(tls::client_config(&[cert.to_path_buf()]).unwrap())
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn spawn_emulator() -> TestEmulator {
    tls::install_crypto_provider();
    let data_dir = tempfile::tempdir().unwrap();
    let cert = tls::dev_certificate(data_dir.path()).unwrap();
    let server_config = tls::server_config(&cert).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let base = format!("https://localhost:{port}");
    let (client_id, client_secret) = b2c_emulator::app_credentials(data_dir.path()).unwrap();
    let settings = EmulatorSettings {
        public_url: url::Url::parse(&base).unwrap(),
        data_dir: data_dir.path().to_path_buf(),
        domain: b2c_emulator::DEFAULT_DOMAIN.to_string(),
        policies: Policies::default(),
        app: AppRegistration {
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            redirect_uris: vec![REDIRECT_URI.to_string()],
            post_logout_redirect_uris: vec![LOGOUT_URI.to_string()],
        },
        flavour: patient_portal::config::Flavour::B2c,
    };
    let emulator = Emulator::build(settings, listener, server_config)
        .await
        .unwrap();
    assert_eq!(emulator.port(), port);
    let tenant_id = emulator.tenant_id().to_string();
    tokio::spawn(emulator.server());
    TestEmulator {
        client: browser(&cert.cert),
        cert: cert.cert,
        base,
        domain: b2c_emulator::DEFAULT_DOMAIN.to_string(),
        tenant_id,
        client_id,
        client_secret,
        data_dir,
    }
}

fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl Landing {
    fn page(self) -> Page {
        match self {
            Landing::Page(page) => page,
            Landing::App(url) => panic!("expected a page, was sent to the app: {url}"),
        }
    }

    fn app(self) -> url::Url {
        match self {
            Landing::App(url) => url,
            Landing::Page(page) => panic!(
                "expected a redirect to the app, got {}: {}",
                page.status, page.html
            ),
        }
    }
}

fn query(url: &url::Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

impl TestEmulator {
    fn policy_url(&self, policy: &str, rest: &str) -> String {
        format!("{}/{}/{}/{rest}", self.base, self.domain, policy)
    }

    fn authorize_url(&self, policy: &str, extra: &[(&str, &str)]) -> String {
        let scope = format!("openid offline_access {}", self.client_id);
        let challenge = challenge(VERIFIER);
        let mut params: Vec<(&str, &str)> = vec![
            ("client_id", &self.client_id),
            ("redirect_uri", REDIRECT_URI),
            ("response_type", "code"),
            ("scope", &scope),
            ("state", "state-123"),
            ("nonce", "nonce-456"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ];
        for (k, v) in extra {
            params.retain(|(name, _)| name != k);
            params.push((k, v));
        }
        format!(
            "{}?{}",
            self.policy_url(policy, "oauth2/v2.0/authorize"),
            serde_urlencoded::to_string(&params).unwrap()
        )
    }

    /// Follows the emulator's own redirects; stops at a page or at a redirect to the app.
    async fn land(&self, mut response: reqwest::Response) -> Landing {
        loop {
            let status = response.status();
            if status.is_redirection() {
                let location = response.headers()["location"].to_str().unwrap().to_string();
                if location.starts_with(&self.base) {
                    response = self.client.get(&location).send().await.unwrap();
                    continue;
                }
                return Landing::App(url::Url::parse(&location).unwrap());
            }
            return Landing::Page(Page {
                url: response.url().clone(),
                status: status.as_u16(),
                html: response.text().await.unwrap(),
            });
        }
    }

    async fn open(&self, url: &str) -> Landing {
        let response = self.client.get(url).send().await.unwrap();
        self.land(response).await
    }

    async fn submit(&self, page: &Page, fill: &[(&str, &str)], button: &str) -> Landing {
        let (action, fields) = page.submission(fill, button);
        let response = self.client.post(action).form(&fields).send().await.unwrap();
        self.land(response).await
    }

    /// The code in the newest outbox message to `recipient`.
    async fn latest_code(&self, recipient: &str) -> String {
        let html = self
            .client
            .get(format!("{}/outbox", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let doc = Html::parse_document(&html);
        let row = doc
            .select(&selector("tr.message"))
            .find(|row| {
                row.select(&selector("td.recipient"))
                    .next()
                    .map(|td| td.text().collect::<String>() == recipient)
                    .unwrap_or(false)
            })
            .unwrap_or_else(|| panic!("no message to {recipient} in the outbox"));
        let body: String = row
            .select(&selector("td.body"))
            .next()
            .unwrap()
            .text()
            .collect();
        let digits: Vec<char> = body.chars().collect();
        digits
            .windows(6)
            .find(|w| w.iter().all(char::is_ascii_digit))
            .map(|w| w.iter().collect())
            .expect("no 6-digit code in the message")
    }

    async fn db(&self) -> sqlx::SqlitePool {
        sqlx::SqlitePool::connect(&format!(
            "sqlite://{}",
            self.data_dir.path().join("b2c-emulator.sqlite").display()
        ))
        .await
        .unwrap()
    }

    async fn redeem(&self, policy: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let response = self
            .client
            .post(self.policy_url(policy, "oauth2/v2.0/token"))
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    async fn redeem_code(&self, policy: &str, code: &str) -> (u16, Value) {
        self.redeem(
            policy,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", VERIFIER),
            ],
        )
        .await
    }

    async fn jwks(&self) -> Value {
        self.client
            .get(self.policy_url("B2C_1_susi_mfa", "discovery/v2.0/keys"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Checks an id_token against the published JWKS; returns (kid, claims).
    async fn verify(&self, token: &str) -> (String, Value) {
        let header = jsonwebtoken::decode_header(token).unwrap();
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        let kid = header.kid.unwrap();
        let jwks = self.jwks().await;
        let key = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid.as_str())
            .expect("the token's kid is not published");
        let decoding = DecodingKey::from_rsa_components(
            key["n"].as_str().unwrap(),
            key["e"].as_str().unwrap(),
        )
        .unwrap();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[&self.client_id]);
        validation.set_issuer(&[format!("{}/{}/v2.0/", self.base, self.tenant_id)]);
        let claims = jsonwebtoken::decode::<Value>(token, &decoding, &validation)
            .unwrap()
            .claims;
        (kid, claims)
    }

    /// Demo user sign-in at a policy without MFA; returns where the browser lands.
    async fn sign_in(&self, policy: &str, email: &str, password: &str) -> Landing {
        let page = self.open(&self.authorize_url(policy, &[])).await.page();
        self.submit(
            &page,
            &[("Email Address", email), ("Password", password)],
            "Sign in",
        )
        .await
    }

    /// Passes the MFA page for an enrolled user by text message.
    async fn pass_enrolled_mfa(&self, page: Page, phone: &str) -> Landing {
        assert_eq!(page.heading(), "Verify your identity");
        let page = self.submit(&page, &[], "Send Code").await.page();
        let code = self.latest_code(phone).await;
        self.submit(&page, &[("Verification code", &code)], "Verify Code")
            .await
    }
}

#[tokio::test]
async fn metadata_is_shaped_like_b2c() {
    let app = spawn_emulator().await;
    for tenant in [app.domain.clone(), app.tenant_id.clone()] {
        let doc: Value = app
            .client
            .get(format!(
                "{}/{tenant}/b2c_1_SUSI_MFA/v2.0/.well-known/openid-configuration",
                app.base
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            doc["issuer"],
            format!("{}/{}/v2.0/", app.base, app.tenant_id)
        );
        let policy_base = format!("{}/{}/b2c_1_susi_mfa", app.base, app.domain);
        assert_eq!(
            doc["authorization_endpoint"],
            format!("{policy_base}/oauth2/v2.0/authorize")
        );
        assert_eq!(
            doc["token_endpoint"],
            format!("{policy_base}/oauth2/v2.0/token")
        );
        assert_eq!(
            doc["end_session_endpoint"],
            format!("{policy_base}/oauth2/v2.0/logout")
        );
        assert_eq!(
            doc["jwks_uri"],
            format!("{policy_base}/discovery/v2.0/keys")
        );
        assert!(doc.get("userinfo_endpoint").is_none());
        assert!(doc.get("code_challenge_methods_supported").is_none());
        assert_eq!(
            doc["response_modes_supported"],
            serde_json::json!(["query", "fragment", "form_post"])
        );
        assert_eq!(doc["scopes_supported"], serde_json::json!(["openid"]));
        assert_eq!(
            doc["subject_types_supported"],
            serde_json::json!(["pairwise"])
        );
        assert_eq!(
            doc["id_token_signing_alg_values_supported"],
            serde_json::json!(["RS256"])
        );
        assert_eq!(
            doc["token_endpoint_auth_methods_supported"],
            serde_json::json!(["client_secret_post", "client_secret_basic"])
        );
        assert!(doc["response_types_supported"]
            .as_array()
            .unwrap()
            .contains(&"code".into()));
        assert!(doc["claims_supported"]
            .as_array()
            .unwrap()
            .contains(&"emails".into()));
    }
    let unknown = app
        .client
        .get(app.policy_url("B2C_1_nope", "v2.0/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    let health = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert!(health.status().is_success());
}

#[tokio::test]
async fn jwks_has_only_b2c_fields() {
    let app = spawn_emulator().await;
    let jwks = app.jwks().await;
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let mut fields: Vec<&String> = keys[0].as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(fields, ["e", "kid", "kty", "n", "nbf", "use"]);
    assert_eq!(keys[0]["kty"], "RSA");
    assert_eq!(keys[0]["use"], "sig");
    assert_eq!(keys[0]["e"], "AQAB");
    assert!(keys[0]["nbf"].is_i64());
}

#[tokio::test]
async fn redirect_uri_mismatch_shows_an_error_and_redirects_nowhere() {
    let app = spawn_emulator().await;
    for uri in [
        "https://localhost:1/signin-oidc/",
        "https://evil.example/signin-oidc",
    ] {
        let response = app
            .client
            .get(app.authorize_url("B2C_1_susi_mfa", &[("redirect_uri", uri)]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400);
        assert!(response.headers().get("location").is_none());
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("script-src 'self'"));
        assert!(response.text().await.unwrap().contains("AADB2C90006"));
    }
}

#[tokio::test]
async fn sign_up_with_email_code_then_mfa_enrolment_then_tokens() {
    let app = spawn_emulator().await;
    let email = "new.patient@example.com";

    // Sign-in page, then "Sign up now".
    let page = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[]))
        .await
        .page();
    assert_eq!(page.heading(), "Sign in");
    let page = app.open(page.link("Sign up now").as_str()).await.page();
    assert_eq!(page.heading(), "Sign up");

    // E-mail verification through the outbox.
    let page = app
        .submit(&page, &[("Email Address", email)], "Send verification code")
        .await
        .page();
    let code = app.latest_code(email).await;
    let page = app
        .submit(&page, &[("Verification code", &code)], "Verify code")
        .await
        .page();
    assert!(page.text().contains("E-mail address verified"));

    // A weak password is refused with a message tied to the field.
    let weak = app
        .submit(
            &page,
            &[
                ("New Password", "password"),
                ("Confirm New Password", "password"),
                ("Given Name", "Robin"),
                ("Surname", "Example"),
                ("Country/Region", "NL"),
            ],
            "Create",
        )
        .await
        .page();
    assert_eq!(weak.status, 400);
    assert!(weak
        .html
        .contains(r#"aria-describedby="password-rules new_password-error""#));
    assert!(weak.text().contains("at least 3 of"));

    let page = app
        .submit(
            &weak,
            &[
                ("New Password", "Sturdy-Pass-42"),
                ("Confirm New Password", "Sturdy-Pass-42"),
            ],
            "Create",
        )
        .await
        .page();

    // MFA enrolment: a phone number, a text message, the code.
    assert_eq!(page.heading(), "Verify your identity");
    let page = app
        .submit(&page, &[("Phone Number", "(202) 555-0199")], "Send Code")
        .await
        .page();
    let sms = app.latest_code("+12025550199").await;
    let back = app
        .submit(&page, &[("Verification code", &sms)], "Verify Code")
        .await
        .app();
    assert!(back.as_str().starts_with(REDIRECT_URI));
    let params = query(&back);
    assert_eq!(params["state"], "state-123");
    let code = params["code"].clone();

    // Token redemption with client_secret_basic.
    let (status, tokens) = app.redeem_code("B2C_1_susi_mfa", &code).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["id_token_expires_in"], 3600);
    assert!(tokens["not_before"].is_i64());
    assert!(tokens["profile_info"].is_string());
    assert!(tokens["refresh_token"].is_string());
    assert!(tokens["access_token"].is_string());
    assert_eq!(tokens["expires_in"], 3600);
    let (_, claims) = app.verify(tokens["id_token"].as_str().unwrap()).await;
    assert_eq!(claims["ver"], "1.0");
    assert_eq!(claims["tfp"], "B2C_1_susi_mfa");
    assert_eq!(claims["nonce"], "nonce-456");
    assert_eq!(claims["sub"], claims["oid"]);
    assert_eq!(claims["emails"], serde_json::json!([email]));
    assert_eq!(claims["given_name"], "Robin");
    assert_eq!(claims["family_name"], "Example");
    assert_eq!(claims["name"], "Robin Example");
    assert_eq!(claims["country"], "NL");
    assert_eq!(claims["newUser"], true);
    assert!(claims.get("extension_Role").is_none());
    for claim in ["exp", "nbf", "iat", "auth_time"] {
        assert!(claims[claim].is_i64(), "{claim}");
    }

    // The code is single use.
    let (status, replay) = app.redeem_code("B2C_1_susi_mfa", &code).await;
    assert_eq!(status, 400);
    assert_eq!(replay["error"], "invalid_grant");

    // Refresh: new id_token (no newUser), rotated refresh token; the old one is spent.
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, refreshed) = app
        .redeem(
            "B2C_1_susi_mfa",
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
    assert_eq!(status, 200, "{refreshed}");
    assert_ne!(refreshed["refresh_token"], tokens["refresh_token"]);
    let (_, claims) = app.verify(refreshed["id_token"].as_str().unwrap()).await;
    assert!(claims.get("newUser").is_none());
    let (status, _) = app
        .redeem(
            "B2C_1_susi_mfa",
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
    assert_eq!(status, 400);

    // SSO: a second sign-in skips password and MFA; prompt=login asks again.
    let again = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[]))
        .await
        .app();
    assert!(query(&again).contains_key("code"));
    let page = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[("prompt", "login")]))
        .await
        .page();
    assert_eq!(page.heading(), "Sign in");
}

#[tokio::test]
async fn duplicate_email_is_refused_at_sign_up() {
    let app = spawn_emulator().await;
    let page = app.open(&app.authorize_url("B2C_1_susi", &[])).await.page();
    let page = app.open(page.link("Sign up now").as_str()).await.page();
    let page = app
        .submit(
            &page,
            &[("Email Address", DEMO_USERS[0].email)],
            "Send verification code",
        )
        .await
        .page();
    assert_eq!(page.status, 400);
    assert!(page
        .text()
        .contains("A user with the specified ID already exists"));
    assert!(page.html.contains(r#"aria-describedby="email-error""#));
}

#[tokio::test]
async fn demo_patient_passes_enrolled_mfa_and_pkce_mismatch_fails() {
    let app = spawn_emulator().await;
    let patient = &DEMO_USERS[0];
    let page = app
        .sign_in("B2C_1_susi_mfa", patient.email, patient.password)
        .await
        .page();
    assert!(page.text().contains("XXX-XXX-0101"));
    let back = app.pass_enrolled_mfa(page, patient.phone).await.app();
    let code = query(&back)["code"].clone();
    let (status, error) = app
        .redeem(
            "B2C_1_susi_mfa",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                (
                    "code_verifier",
                    "a-completely-different-verifier-of-enough-length-0123",
                ),
            ],
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(error["error"], "invalid_grant");
    assert!(error["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADB2C90183"));
}

#[tokio::test]
async fn code_redeemed_at_another_policy_fails_with_aadb2c90088() {
    let app = spawn_emulator().await;
    let clinician = &DEMO_USERS[1];
    let back = app
        .sign_in("B2C_1_susi", clinician.email, clinician.password)
        .await
        .app();
    let code = query(&back)["code"].clone();
    let (status, error) = app.redeem_code("B2C_1_susi_mfa", &code).await;
    assert_eq!(status, 400);
    assert_eq!(error["error"], "invalid_grant");
    assert!(error["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADB2C90088: The provided grant has not been issued for this endpoint."));

    // Through SSO, a new code at the right endpoint carries the clinician's role, with
    // client_secret_post this time.
    let back = app.open(&app.authorize_url("B2C_1_susi", &[])).await.app();
    let code = query(&back)["code"].clone();
    let response = app
        .client
        .post(app.policy_url("B2C_1_susi", "oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let tokens: Value = response.json().await.unwrap();
    let (_, claims) = app.verify(tokens["id_token"].as_str().unwrap()).await;
    assert_eq!(claims["tfp"], "B2C_1_susi");
    assert_eq!(claims["extension_Role"], "Clinician");

    // A wrong secret is invalid_client.
    let response = app
        .client
        .post(app.policy_url("B2C_1_susi", "oauth2/v2.0/token"))
        .basic_auth(&app.client_id, Some("wrong"))
        .form(&[("grant_type", "authorization_code"), ("code", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"], "invalid_client");
}

#[tokio::test]
async fn wrong_or_expired_email_codes_are_refused() {
    let app = spawn_emulator().await;
    let email = "typo@example.com";
    let page = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[]))
        .await
        .page();
    let page = app.open(page.link("Sign up now").as_str()).await.page();
    let page = app
        .submit(&page, &[("Email Address", email)], "Send verification code")
        .await
        .page();
    let right = app.latest_code(email).await;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };

    let mut page = page;
    for attempt in 1..=3 {
        page = app
            .submit(&page, &[("Verification code", wrong)], "Verify code")
            .await
            .page();
        assert_eq!(page.status, 400);
        if attempt < 3 {
            assert!(page.text().contains("does not match our records"));
        }
    }
    assert!(page.text().contains("too many incorrect attempts"));
    // The right code no longer works: a new one must be requested.
    let page = app
        .submit(&page, &[("Verification code", &right)], "Verify code")
        .await
        .page();
    assert!(!page.text().contains("E-mail address verified"));

    // A new code, left to expire (backdated in the emulator's database).
    let page = app.submit(&page, &[], "Send new code").await.page();
    let fresh = app.latest_code(email).await;
    let db = app.db().await;
    sqlx::query("UPDATE verification_codes SET expires_at = expires_at - 600")
        .execute(&db)
        .await
        .unwrap();
    let page = app
        .submit(&page, &[("Verification code", &fresh)], "Verify code")
        .await
        .page();
    assert!(page.text().contains("That code is expired"));
}

#[tokio::test]
async fn ten_wrong_passwords_lock_the_account_for_a_minute() {
    let app = spawn_emulator().await;
    let patient = &DEMO_USERS[0];
    let mut page = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[]))
        .await
        .page();
    for attempt in 1..=10 {
        page = app
            .submit(
                &page,
                &[
                    ("Email Address", patient.email),
                    ("Password", "Wrong-Password-1"),
                ],
                "Sign in",
            )
            .await
            .page();
        if attempt < 10 {
            assert!(
                page.text().contains("Your password is incorrect"),
                "{attempt}"
            );
        }
    }
    assert!(page.text().contains("Your account is temporarily locked"));
    // Even the right password is refused while locked.
    let page = app
        .submit(
            &page,
            &[
                ("Email Address", patient.email),
                ("Password", patient.password),
            ],
            "Sign in",
        )
        .await
        .page();
    assert!(page.text().contains("Your account is temporarily locked"));
    // Once the minute has passed (backdated), the right password works.
    let db = app.db().await;
    sqlx::query("UPDATE users SET locked_until = locked_until - 61")
        .execute(&db)
        .await
        .unwrap();
    let page = app
        .submit(
            &page,
            &[
                ("Email Address", patient.email),
                ("Password", patient.password),
            ],
            "Sign in",
        )
        .await
        .page();
    assert_eq!(page.heading(), "Verify your identity");
}

#[tokio::test]
async fn each_lockout_after_the_first_is_longer() {
    let app = spawn_emulator().await;
    let patient = &DEMO_USERS[0];
    let db = app.db().await;
    let mut page = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[]))
        .await
        .page();
    let wrong = [
        ("Email Address", patient.email),
        ("Password", "Wrong-Password-1"),
    ];
    let lock_secs = |db: sqlx::SqlitePool| async move {
        let (until,): (i64,) = sqlx::query_as("SELECT locked_until FROM users WHERE email = ?")
            .bind(patient.email)
            .fetch_one(&db)
            .await
            .unwrap();
        until - chrono::Utc::now().timestamp()
    };
    for _ in 0..10 {
        page = app.submit(&page, &wrong, "Sign in").await.page();
    }
    assert!(page.text().contains("Your account is temporarily locked"));
    assert!((55..=60).contains(&lock_secs(db.clone()).await));
    // The lock passes; one more wrong password locks again, for two minutes.
    sqlx::query("UPDATE users SET locked_until = locked_until - 61")
        .execute(&db)
        .await
        .unwrap();
    page = app.submit(&page, &wrong, "Sign in").await.page();
    assert!(page.text().contains("Your account is temporarily locked"));
    assert!((115..=120).contains(&lock_secs(db.clone()).await));
    sqlx::query("UPDATE users SET locked_until = locked_until - 121")
        .execute(&db)
        .await
        .unwrap();
    page = app.submit(&page, &wrong, "Sign in").await.page();
    assert!((235..=240).contains(&lock_secs(db.clone()).await));
    // The right password, once the lock has passed, ends the escalation.
    sqlx::query("UPDATE users SET locked_until = locked_until - 241")
        .execute(&db)
        .await
        .unwrap();
    let right = [
        ("Email Address", patient.email),
        ("Password", patient.password),
    ];
    let page = app.submit(&page, &right, "Sign in").await.page();
    assert_eq!(page.heading(), "Verify your identity");
    let (failed,): (i64,) = sqlx::query_as("SELECT failed_logins FROM users WHERE email = ?")
        .bind(patient.email)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(failed, 0);
}

#[tokio::test]
async fn one_sign_in_may_ask_for_only_five_mfa_codes() {
    let app = spawn_emulator().await;
    let patient = &DEMO_USERS[0];
    let page = app
        .sign_in("B2C_1_susi_mfa", patient.email, patient.password)
        .await
        .page();
    assert_eq!(page.heading(), "Verify your identity");
    for n in 1..=5 {
        let sent = app.submit(&page, &[], "Send Code").await.page();
        assert_eq!(sent.status, 200, "code {n}");
    }
    let refused = app.submit(&page, &[], "Send Code").await.page();
    assert_eq!(refused.status, 429);
    assert!(refused.text().contains("too many requests"));
    let db = app.db().await;
    let (sent,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE recipient = ?")
        .bind(patient.phone)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(sent, 5);
}

#[tokio::test]
async fn cancel_and_forgot_password_return_b2c_errors() {
    let app = spawn_emulator().await;
    let page = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[]))
        .await
        .page();
    let back = app.submit(&page, &[], "Cancel").await.app();
    let params = query(&back);
    assert_eq!(params["error"], "access_denied");
    assert!(params["error_description"].starts_with("AADB2C90091: The user has cancelled"));
    assert_eq!(params["state"], "state-123");

    let page = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[]))
        .await
        .page();
    let back = app.submit(&page, &[], "Forgot your password?").await.app();
    let params = query(&back);
    assert_eq!(params["error"], "access_denied");
    assert!(params["error_description"]
        .starts_with("AADB2C90118: The user has forgotten their password."));
    assert_eq!(params["state"], "state-123");

    // With response_mode=form_post the answer is a form to the redirect URI.
    let page = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[("response_mode", "form_post")]))
        .await
        .page();
    let answer = app.submit(&page, &[], "Cancel").await.page();
    let (action, fields) = answer.submission(&[], "Continue");
    assert_eq!(action.as_str(), REDIRECT_URI);
    let fields: HashMap<String, String> = fields.into_iter().collect();
    assert_eq!(fields["error"], "access_denied");
    assert_eq!(fields["state"], "state-123");
    assert!(!answer.html.contains("<script>"));
}

#[tokio::test]
async fn prompt_none_without_session_is_interaction_required() {
    let app = spawn_emulator().await;
    let back = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[("prompt", "none")]))
        .await
        .app();
    let params = query(&back);
    assert_eq!(params["error"], "interaction_required");
    assert!(params["error_description"].starts_with("AADB2C90077"));
}

#[tokio::test]
async fn password_reset_flow_sets_a_new_password() {
    let app = spawn_emulator().await;
    let clinician = &DEMO_USERS[1];
    let page = app
        .open(&app.authorize_url("B2C_1_reset", &[]))
        .await
        .page();
    assert_eq!(page.heading(), "Reset your password");
    let page = app
        .submit(
            &page,
            &[("Email Address", clinician.email)],
            "Send verification code",
        )
        .await
        .page();
    let code = app.latest_code(clinician.email).await;
    let page = app
        .submit(&page, &[("Verification code", &code)], "Verify code")
        .await
        .page();
    let page = app.submit(&page, &[], "Continue").await.page();
    assert_eq!(page.heading(), "Choose a new password");
    let back = app
        .submit(
            &page,
            &[
                ("New Password", "Brand-New-Pass-7"),
                ("Confirm New Password", "Brand-New-Pass-7"),
            ],
            "Continue",
        )
        .await
        .app();
    let code = query(&back)["code"].clone();
    let (status, tokens) = app.redeem_code("B2C_1_reset", &code).await;
    assert_eq!(status, 200, "{tokens}");
    let (_, claims) = app.verify(tokens["id_token"].as_str().unwrap()).await;
    assert_eq!(claims["tfp"], "B2C_1_reset");

    // The new password works in a fresh browser; the old one does not.
    let fresh = TestEmulator {
        client: browser(&app.cert),
        ..app
    };
    let page = fresh
        .sign_in("B2C_1_susi", clinician.email, clinician.password)
        .await
        .page();
    assert!(page.text().contains("Your password is incorrect"));
    let back = fresh
        .submit(
            &page,
            &[
                ("Email Address", clinician.email),
                ("Password", "Brand-New-Pass-7"),
            ],
            "Sign in",
        )
        .await
        .app();
    assert!(query(&back).contains_key("code"));
}

#[tokio::test]
async fn profile_edit_changes_the_claims() {
    let app = spawn_emulator().await;
    let patient = &DEMO_USERS[0];
    let page = app
        .sign_in("B2C_1_edit", patient.email, patient.password)
        .await
        .page();
    assert_eq!(page.heading(), "Edit your profile");
    let back = app
        .submit(
            &page,
            &[("Given Name", "Alexandra"), ("Country/Region", "IE")],
            "Continue",
        )
        .await
        .app();
    let code = query(&back)["code"].clone();
    let (status, tokens) = app.redeem_code("B2C_1_edit", &code).await;
    assert_eq!(status, 200, "{tokens}");
    let (_, claims) = app.verify(tokens["id_token"].as_str().unwrap()).await;
    assert_eq!(claims["tfp"], "B2C_1_edit");
    assert_eq!(claims["given_name"], "Alexandra");
    assert_eq!(claims["family_name"], patient.surname);
    assert_eq!(claims["country"], "IE");

    // With the SSO session, the edit flow goes straight to the edit page.
    let page = app.open(&app.authorize_url("B2C_1_edit", &[])).await.page();
    assert_eq!(page.heading(), "Edit your profile");
}

#[tokio::test]
async fn rotated_key_signs_new_tokens_while_the_old_key_stays_published() {
    let app = spawn_emulator().await;
    let clinician = &DEMO_USERS[1];
    let back = app
        .sign_in("B2C_1_susi", clinician.email, clinician.password)
        .await
        .app();
    let (_, tokens) = app.redeem_code("B2C_1_susi", &query(&back)["code"]).await;
    let (old_kid, _) = app.verify(tokens["id_token"].as_str().unwrap()).await;

    let new_kid = b2c_emulator::rotate_keys(app.data_dir.path())
        .await
        .unwrap();
    assert_ne!(new_kid, old_kid);

    let jwks = app.jwks().await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(kids.contains(&old_kid.as_str()));
    assert!(kids.contains(&new_kid.as_str()));

    let back = app.open(&app.authorize_url("B2C_1_susi", &[])).await.app();
    let (_, tokens) = app.redeem_code("B2C_1_susi", &query(&back)["code"]).await;
    let (kid, _) = app.verify(tokens["id_token"].as_str().unwrap()).await;
    assert_eq!(kid, new_kid);
}

#[tokio::test]
async fn logout_ends_the_session_and_redirects_only_when_registered_and_hinted_right() {
    let app = spawn_emulator().await;
    let clinician = &DEMO_USERS[1];
    let back = app
        .sign_in("B2C_1_susi", clinician.email, clinician.password)
        .await
        .app();
    let (_, tokens) = app.redeem_code("B2C_1_susi", &query(&back)["code"]).await;
    let id_token = tokens["id_token"].as_str().unwrap();

    // A tampered hint: no redirect.
    let mut tampered = id_token.to_string();
    let sig_start = tampered.rfind('.').unwrap() + 1;
    let first = if &tampered[sig_start..sig_start + 1] == "A" {
        "B"
    } else {
        "A"
    };
    tampered.replace_range(sig_start..sig_start + 1, first);
    let url = format!(
        "{}?{}",
        app.policy_url("B2C_1_susi", "oauth2/v2.0/logout"),
        serde_urlencoded::to_string([
            ("post_logout_redirect_uri", LOGOUT_URI),
            ("id_token_hint", &tampered),
            ("state", "bye"),
        ])
        .unwrap()
    );
    let page = app.open(&url).await.page();
    assert_eq!(page.heading(), "You have signed out");

    // An unregistered URI: no redirect.
    let url = format!(
        "{}?{}",
        app.policy_url("B2C_1_susi", "oauth2/v2.0/logout"),
        serde_urlencoded::to_string([("post_logout_redirect_uri", "https://evil.example/")])
            .unwrap()
    );
    assert_eq!(app.open(&url).await.page().heading(), "You have signed out");

    // A good hint and a registered URI: redirect with state.
    let url = format!(
        "{}?{}",
        app.policy_url("B2C_1_susi", "oauth2/v2.0/logout"),
        serde_urlencoded::to_string([
            ("post_logout_redirect_uri", LOGOUT_URI),
            ("id_token_hint", id_token),
            ("state", "bye"),
        ])
        .unwrap()
    );
    let back = app.open(&url).await.app();
    assert!(back.as_str().starts_with(LOGOUT_URI));
    assert_eq!(query(&back)["state"], "bye");

    // The SSO session is gone: credentials are asked again.
    let page = app.open(&app.authorize_url("B2C_1_susi", &[])).await.page();
    assert_eq!(page.heading(), "Sign in");
}

/// The English messages of the emulator's own files whose Spanish differs (Fluent's simple
/// `key = value` lines; values with arguments and short words are left out, as a Spanish page
/// may hold them too).
fn english_only_emulator_messages() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/b2c_emulator/locales");
    let messages = |lang: &str| -> HashMap<String, String> {
        let mut found = HashMap::new();
        for entry in std::fs::read_dir(dir.join(lang)).unwrap().flatten() {
            for line in std::fs::read_to_string(entry.path()).unwrap().lines() {
                if let Some((key, value)) = line.split_once(" = ") {
                    if !line.starts_with([' ', '#']) {
                        found.insert(key.to_string(), value.to_string());
                    }
                }
            }
        }
        found
    };
    let (en, es) = (messages("en"), messages("es"));
    en.into_iter()
        .filter(|(key, value)| {
            value.len() >= 8 && !value.contains('{') && es.get(key) != Some(value)
        })
        .map(|(_, value)| value)
        .collect()
}

/// A Spanish page of the emulator: `lang="es"` and none of its English messages.
fn assert_spanish_emulator_page(page: &Page, what: &str) {
    assert!(
        page.html.contains(r#"<html lang="es">"#),
        "{what}: {}",
        page.html
    );
    let english = english_only_emulator_messages();
    assert!(english.len() > 40, "the English messages were read");
    let text = page.text();
    for en in &english {
        assert!(
            !text.contains(en.as_str()),
            "{what}: English {en:?} in {text}"
        );
    }
}

/// Pages outside a user flow speak the request's language too (#31): an error at the
/// authorize endpoint in the `ui_locales` asked for, the outbox and an unknown page in the
/// browser's language; English for a browser that asks for none the emulator speaks.
#[tokio::test]
async fn pages_outside_a_flow_speak_the_request_s_language() {
    let app = spawn_emulator().await;
    let unknown_app = [
        ("ui_locales", "es"),
        ("client_id", "00000000-0000-0000-0000-000000000000"),
    ];
    let page = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &unknown_app))
        .await
        .page();
    assert_eq!(page.status, 400);
    assert_spanish_emulator_page(&page, "an error at /authorize");
    assert_eq!(
        page.heading(),
        "Lo sentimos, pero tenemos problemas para iniciar su sesión."
    );
    assert!(
        page.text().contains("Id. de correlación:"),
        "{}",
        page.text()
    );

    for path in ["/outbox", "/no-such-page"] {
        let resp = app
            .client
            .get(format!("{}{path}", app.base))
            .header("Accept-Language", "es-MX,es;q=0.9,en;q=0.5")
            .send()
            .await
            .unwrap();
        let page = match app.land(resp).await {
            Landing::Page(page) => page,
            Landing::App(url) => panic!("{path}: sent to {url}"),
        };
        assert_spanish_emulator_page(&page, path);
    }
    let resp = app
        .client
        .get(format!("{}/outbox", app.base))
        .header("Accept-Language", "zz")
        .send()
        .await
        .unwrap();
    let page = app.land(resp).await.page();
    assert!(page.html.contains(r#"<html lang="en">"#));
    assert_eq!(page.heading(), "Development outbox");
}

/// B2C shows its pages in the language the relying party asks for with `ui_locales` (#31):
/// the emulator's sign-in, sign-up and MFA pages in Spanish, `lang="es"` on each, and a flow
/// driven by the Spanish labels works as the English one does.
#[tokio::test]
async fn ui_locales_es_gives_the_user_flow_pages_in_spanish() {
    let app = spawn_emulator().await;
    // Without ui_locales, or with one the emulator does not speak: English, as before.
    let page = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[("ui_locales", "zz")]))
        .await
        .page();
    assert!(page.html.contains(r#"<html lang="en">"#));
    assert!(page.text().contains("Sign in with your email address"));

    let page = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[("ui_locales", "es-MX es")]))
        .await
        .page();
    assert!(page.html.contains(r#"<html lang="es">"#), "{}", page.html);
    let text = page.text();
    assert!(
        text.contains("Inicie sesión con su dirección de correo electrónico"),
        "{text}"
    );
    assert!(!text.contains("Sign in with your email address"), "{text}");
    let signup = app
        .open(page.link("Registrarse ahora").as_str())
        .await
        .page();
    assert!(signup.html.contains(r#"<html lang="es">"#));
    assert!(
        signup.text().contains("Cree su cuenta."),
        "{}",
        signup.text()
    );
    let patient = &DEMO_USERS[0];
    // Opening the sign-up page moved that transaction on: a new one for the sign-in.
    let page = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[("ui_locales", "es")]))
        .await
        .page();
    let mfa = app
        .submit(
            &page,
            &[
                ("Dirección de correo electrónico", patient.email),
                ("Contraseña", patient.password),
            ],
            "Iniciar sesión",
        )
        .await
        .page();
    assert!(mfa.html.contains(r#"<html lang="es">"#), "{}", mfa.html);
    assert!(
        mfa.text().contains("Verifique su identidad"),
        "{}",
        mfa.text()
    );
}

/// A message the emulator makes in Rust (a wrong password) reads in the language the relying
/// party asked for (#31); in English it is B2C's own wording, as before.
#[tokio::test]
async fn a_wrong_password_is_told_in_the_flow_s_language() {
    let app = spawn_emulator().await;
    let patient = &DEMO_USERS[0];
    let page = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[("ui_locales", "es")]))
        .await
        .page();
    let page = app
        .submit(
            &page,
            &[
                ("Dirección de correo electrónico", patient.email),
                ("Contraseña", "Not-The-Password-1"),
            ],
            "Iniciar sesión",
        )
        .await
        .page();
    let text = page.text();
    assert!(text.contains("La contraseña no es correcta."), "{text}");
    assert!(!text.contains("Your password is incorrect"), "{text}");
}

/// The English names of the sign-up page's countries that Spanish writes otherwise.
const ENGLISH_COUNTRY_NAMES: [&str; 22] = [
    "Belgium",
    "Brazil",
    "Canada",
    "Denmark",
    "Finland",
    "France",
    "Germany",
    "Ireland",
    "Italy",
    "Japan",
    "Mexico",
    "Netherlands",
    "New Zealand",
    "Norway",
    "Poland",
    "Singapore",
    "South Africa",
    "Spain",
    "Sweden",
    "Switzerland",
    "United Kingdom",
    "United States",
];

/// The options of a select: value and label.
fn options(page: &Page, select: &str) -> Vec<(String, String)> {
    page.doc()
        .select(&selector(&format!("select#{select} option")))
        .map(|o| {
            (
                o.value().attr("value").unwrap_or_default().to_string(),
                o.text().collect::<String>().trim().to_string(),
            )
        })
        .collect()
}

/// The sign-up page names its countries in the flow's language (#31): the values stay ISO codes
/// (the `country` claim), the labels are Spanish, in Spanish alphabetical order, and no English
/// name is left; the select keeps its label. In English, the names are English as before.
#[tokio::test]
async fn sign_up_names_the_countries_in_the_flow_s_language() {
    let app = spawn_emulator().await;
    let signin = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[("ui_locales", "es")]))
        .await
        .page();
    let signup = app
        .open(signin.link("Registrarse ahora").as_str())
        .await
        .page();
    assert_spanish_emulator_page(&signup, "sign-up");
    assert!(
        signup
            .html
            .contains(r#"<label for="country">País o región</label>"#),
        "{}",
        signup.html
    );
    let countries = options(&signup, "country");
    assert_eq!(countries.len(), 27, "{countries:?}");
    for (value, label) in [
        ("US", "Estados Unidos"),
        ("DE", "Alemania"),
        ("GB", "Reino Unido"),
        ("NL", "Países Bajos"),
    ] {
        assert!(
            countries.contains(&(value.to_string(), label.to_string())),
            "{value} {label}: {countries:?}"
        );
    }
    for (_, label) in &countries {
        assert!(
            !ENGLISH_COUNTRY_NAMES.contains(&label.as_str()),
            "English {label:?} on the Spanish sign-up page"
        );
    }
    let text = signup.text();
    assert!(text.contains("Estados Unidos"), "{text}");
    for english in ENGLISH_COUNTRY_NAMES {
        // As a name of its own: "Finland" is the start of "Finlandia".
        let alone = text
            .match_indices(english)
            .any(|(at, _)| !text[at + english.len()..].starts_with(char::is_alphabetic));
        assert!(!alone, "English {english:?} in {text}");
    }
    let labels: Vec<&str> = countries[1..].iter().map(|(_, l)| l.as_str()).collect();
    let at = |name: &str| labels.iter().position(|l| *l == name).unwrap();
    assert_eq!(labels[0], "Alemania");
    assert!(at("Bélgica") < at("Brasil"), "{labels:?}");
    assert!(at("España") < at("Estados Unidos"), "{labels:?}");

    let signin = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[]))
        .await
        .page();
    let signup = app.open(signin.link("Sign up now").as_str()).await.page();
    let countries = options(&signup, "country");
    assert!(countries.contains(&("US".to_string(), "United States".to_string())));
    assert!(countries.contains(&("DE".to_string(), "Germany".to_string())));
    assert_eq!(countries[1], ("AU".to_string(), "Australia".to_string()));
}

/// The page for a reply address the app did not register says so in the language asked (#31):
/// B2C's code AADB2C90006 stays, the sentence is Spanish with the address and the client id in
/// it; asked for no language the emulator speaks, it is B2C's English, word for word.
#[tokio::test]
async fn an_unregistered_reply_address_is_told_in_the_language_asked() {
    let app = spawn_emulator().await;
    let elsewhere = "https://evil.example/signin-oidc";
    let page = app
        .open(&app.authorize_url(
            "B2C_1_susi_mfa",
            &[("redirect_uri", elsewhere), ("ui_locales", "es")],
        ))
        .await
        .page();
    assert_eq!(page.status, 400);
    assert_spanish_emulator_page(&page, "an unregistered reply address");
    let text = page.text();
    assert!(
        text.contains(&format!(
            "AADB2C90006: El URI de redirección '{elsewhere}' indicado en la solicitud no está \
             registrado para el identificador de cliente '{}'.",
            app.client_id
        )),
        "{text}"
    );
    assert!(!text.contains("is not registered"), "{text}");

    let page = app
        .open(&app.authorize_url(
            "B2C_1_susi_mfa",
            &[("redirect_uri", elsewhere), ("ui_locales", "zz")],
        ))
        .await
        .page();
    assert!(page.html.contains(r#"<html lang="en">"#));
    assert!(
        page.text().contains(&format!(
            "AADB2C90006: The redirect URI '{elsewhere}' provided in the request is not \
             registered for the client id '{}'.",
            app.client_id
        )),
        "{}",
        page.text()
    );
}

/// A whole sign-up in Spanish (#31), as the outside check does it: the field errors, the
/// e-mail's code in the outbox, the MFA page's calling codes and the text message are Spanish.
#[tokio::test]
async fn a_sign_up_in_spanish_is_spanish_to_the_end() {
    let app = spawn_emulator().await;
    let email = "nueva.paciente@example.com";
    let signin = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[("ui_locales", "es")]))
        .await
        .page();
    let page = app
        .open(signin.link("Registrarse ahora").as_str())
        .await
        .page();
    let page = app
        .submit(
            &page,
            &[("Dirección de correo electrónico", email)],
            "Enviar código de verificación",
        )
        .await
        .page();
    let code = app.latest_code(email).await;
    let outbox = app
        .client
        .get(format!("{}/outbox", app.base))
        .header("Accept-Language", "es")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        outbox.contains("Verifique su dirección de correo electrónico.")
            && outbox.contains("Correo electrónico"),
        "{outbox}"
    );
    let page = app
        .submit(
            &page,
            &[("Código de verificación", &code)],
            "Verificar código",
        )
        .await
        .page();
    // Nothing but the password: every other field is refused in Spanish.
    let refused = app
        .submit(
            &page,
            &[
                ("Contraseña nueva", "Sturdy-Pass-42"),
                ("Confirmar contraseña nueva", "Sturdy-Pass-42"),
            ],
            "Crear",
        )
        .await
        .page();
    assert_eq!(refused.status, 400);
    assert_spanish_emulator_page(&refused, "a refused sign-up");
    let text = refused.text();
    for spanish in [
        "Escriba su nombre (hasta 64 caracteres).",
        "Escriba sus apellidos (hasta 64 caracteres).",
        "Elija su país o región.",
    ] {
        assert!(text.contains(spanish), "{spanish:?} not in {text}");
    }
    let page = app
        .submit(
            &refused,
            &[
                ("Contraseña nueva", "Sturdy-Pass-42"),
                ("Confirmar contraseña nueva", "Sturdy-Pass-42"),
                ("Nombre", "Ana"),
                ("Apellidos", "Ejemplo"),
                ("País o región", "MX"),
            ],
            "Crear",
        )
        .await
        .page();
    assert_eq!(page.heading(), "Verifique su identidad");
    let codes = options(&page, "phone_country");
    assert_eq!(
        codes[0],
        ("1".to_string(), "Estados Unidos / Canadá (+1)".to_string())
    );
    assert!(codes.contains(&("52".to_string(), "México (+52)".to_string())));
    let refused = app
        .submit(&page, &[("Número de teléfono", "call me")], "Enviar código")
        .await
        .page();
    assert!(
        refused
            .text()
            .contains("El número de teléfono que indicó no es válido."),
        "{}",
        refused.text()
    );
    let page = app
        .submit(
            &refused,
            &[("Número de teléfono", "(202) 555-0199")],
            "Enviar código",
        )
        .await
        .page();
    let sms = app.latest_code("+12025550199").await;
    let outbox = app
        .client
        .get(format!("{}/outbox", app.base))
        .header("Accept-Language", "es")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        outbox.contains(&format!("Use el código de verificación {sms}")),
        "{outbox}"
    );
    assert!(outbox.contains("Mensaje de texto"), "{outbox}");
    let back = app
        .submit(
            &page,
            &[("Código de verificación", &sms)],
            "Verificar código",
        )
        .await
        .app();
    assert!(back.as_str().starts_with(REDIRECT_URI));
}

/// The signed-out page's note (an unregistered return address) is in the browser's language
/// (#31), as the page around it.
#[tokio::test]
async fn the_signed_out_note_reads_in_the_browser_s_language() {
    let app = spawn_emulator().await;
    let url = format!(
        "{}?{}",
        app.policy_url("B2C_1_susi", "oauth2/v2.0/logout"),
        serde_urlencoded::to_string([("post_logout_redirect_uri", "https://evil.example/")])
            .unwrap()
    );
    let resp = app
        .client
        .get(&url)
        .header("Accept-Language", "es")
        .send()
        .await
        .unwrap();
    let page = app.land(resp).await.page();
    assert_spanish_emulator_page(&page, "signed out");
    assert!(
        page.text()
            .contains("La aplicación pidió volver a una dirección que no está registrada"),
        "{}",
        page.text()
    );
}

/// An error page inside a flow (a button the page does not have) speaks the flow's language
/// (#31), not the browser's: this browser asks for none.
#[tokio::test]
async fn an_error_inside_a_flow_speaks_the_flow_s_language() {
    let app = spawn_emulator().await;
    let page = app
        .open(&app.authorize_url("B2C_1_susi_mfa", &[("ui_locales", "es")]))
        .await
        .page();
    let (action, mut fields) = page.submission(&[], "Iniciar sesión");
    for (name, value) in &mut fields {
        if name == "action" {
            *value = "dance".to_string();
        }
    }
    let resp = app.client.post(action).form(&fields).send().await.unwrap();
    let page = app.land(resp).await.page();
    assert_eq!(page.status, 400);
    assert_spanish_emulator_page(&page, "an unknown action");
    assert!(
        page.text().contains("Esta página no ofrece esa acción."),
        "{}",
        page.text()
    );
}
