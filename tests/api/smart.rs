//! SMART on FHIR as an app sees it: a small SMART client (PKCE S256, state, aud) written here on
//! reqwest drives the standalone patient launch against the running portal, with the patient
//! signing in through the B2C-shaped provider and answering the consent page in a browser.
//! Then the FHIR API: reads, searches, paging, and every way an app must be refused.

use std::collections::HashMap;

use base64::Engine as _;
use jsonwebtoken::{DecodingKey, Validation};
use patient_portal::demo::demo_patients;
use patient_portal::records::model::PatientRecord;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::{
    location, sign, spawn_app, spawn_app_with, today, urlencode, Browser, Options, Person,
    Postgres, TestApp, CLINICIAN, PATIENT_A, PATIENT_B,
};

// Introspection, POST authorize, refresh rules, granular scopes, FHIR search handling.
mod spec;
// Clinical notes: DocumentReference searches and scopes (#27).
mod notes;
// US Core: profiles, searches, _lastUpdated, _include, Provenance, $everything, capabilities.
mod us_core;
// Clinicians, clinics, care teams and costs (#27 item 2).
mod people;
// Apps connected by a proxy for the record they act for (#29).
mod proxy;
// The security review of apps connected by a proxy (#29).
mod proxy_review;

const ALL: &str = "launch/patient openid fhirUser offline_access patient/*.rs";

/// A registered app and the HTTP client it uses (no cookies, no redirects followed).
struct SmartApp {
    client_id: String,
    secret: Option<String>,
    redirect_uri: String,
    http: reqwest::Client,
}

/// One launch in progress: what the app keeps between authorize and token.
struct Launch {
    verifier: String,
    state: String,
    nonce: String,
}

fn random() -> String {
    patient_portal::auth::random_token(32)
}

impl Launch {
    fn new() -> Self {
        Self {
            verifier: random(),
            state: random(),
            nonce: random(),
        }
    }

    fn challenge(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(&self.verifier))
    }
}

async fn register(app: &TestApp, name: &str, confidential: bool) -> SmartApp {
    let redirect_uri = "https://app.example/callback".to_string();
    let (registered, secret) = patient_portal::smart::apps::add(
        &app.pool,
        name,
        std::slice::from_ref(&redirect_uri),
        confidential,
    )
    .await
    .unwrap();
    SmartApp {
        client_id: registered.client_id,
        secret,
        redirect_uri,
        http: app.browser().client,
    }
}

fn base(app: &TestApp) -> String {
    app.url("/fhir/r4")
}

/// The authorize URL a SMART client builds.
fn authorize_url(app: &TestApp, client: &SmartApp, launch: &Launch, scope: &str) -> String {
    let q = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", client.client_id.as_str()),
        ("redirect_uri", client.redirect_uri.as_str()),
        ("scope", scope),
        ("state", launch.state.as_str()),
        ("aud", base(app).as_str()),
        ("code_challenge", launch.challenge().as_str()),
        ("code_challenge_method", "S256"),
        ("nonce", launch.nonce.as_str()),
    ])
    .unwrap();
    format!("{}?{q}", app.url("/smart/authorize"))
}

/// Signs `who` in through the MFA flow, coming back to `return_path`.
async fn sign_in_returning(app: &TestApp, b: &Browser, who: &Person, return_path: &str) -> String {
    let started = app.start_signin(b, Some(return_path)).await;
    let mut claims = app.idp.claims(&started.nonce);
    claims["sub"] = json!(who.subject);
    claims["oid"] = json!(who.subject);
    claims["name"] = json!(who.name);
    if who.clinician {
        claims["extension_Role"] = json!("Clinician");
    }
    let resp = app.reply(b, &started, sign(&claims, 0)).await;
    assert_eq!(resp.status(), 302, "sign-in of {}", who.name);
    location(&resp).to_string()
}

/// The consent page of a pending request: its CSRF token and the boxes it offers.
struct Consent {
    csrf: String,
    request: String,
    offered: Vec<String>,
    html: String,
}

async fn consent_page(app: &TestApp, b: &Browser, path: &str) -> Consent {
    let resp = app.get(b, path).await;
    assert_eq!(resp.status(), 200, "the consent page shows");
    let html = resp.text().await.unwrap();
    let doc = scraper::Html::parse_document(&html);
    let attr = |css: &str, a: &str| -> Vec<String> {
        let sel = scraper::Selector::parse(css).unwrap();
        doc.select(&sel)
            .filter_map(|e| e.value().attr(a).map(str::to_string))
            .collect()
    };
    Consent {
        csrf: attr("input[name=csrf_token]", "value")
            .last()
            .cloned()
            .unwrap(),
        request: attr("input[name=request]", "value")[0].clone(),
        offered: attr("input[name=scope]", "value"),
        html,
    }
}

async fn answer(
    app: &TestApp,
    b: &Browser,
    consent: &Consent,
    ticked: &[&str],
    decision: &str,
) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> = vec![
        ("csrf_token", consent.csrf.as_str()),
        ("request", consent.request.as_str()),
        ("decision", decision),
    ];
    for t in ticked {
        form.push(("scope", t));
    }
    b.client
        .post(app.url("/smart/consent"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// The app's redirect URI with the parameters it received.
fn callback_params(resp: &reqwest::Response, client: &SmartApp) -> HashMap<String, String> {
    assert_eq!(resp.status(), 302);
    let to = url::Url::parse(location(resp)).unwrap();
    assert!(
        to.as_str().starts_with(&client.redirect_uri),
        "back to the registered redirect URI, got {to}"
    );
    to.query_pairs().into_owned().collect()
}

/// Authorize as an already signed-in browser; returns the consent page.
async fn start(
    app: &TestApp,
    b: &Browser,
    client: &SmartApp,
    launch: &Launch,
    scope: &str,
) -> Consent {
    let resp = b
        .client
        .get(authorize_url(app, client, launch, scope))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302, "authorize parks the request");
    let to = location(&resp).to_string();
    assert!(to.starts_with("/smart/consent?request="), "{to}");
    consent_page(app, b, &to).await
}

/// A signed-in patient's whole launch up to the code, allowing everything offered.
async fn code_for(
    app: &TestApp,
    b: &Browser,
    client: &SmartApp,
    launch: &Launch,
    scope: &str,
) -> String {
    let consent = start(app, b, client, launch, scope).await;
    let offered: Vec<&str> = consent.offered.iter().map(String::as_str).collect();
    let resp = answer(app, b, &consent, &offered, "allow").await;
    let params = callback_params(&resp, client);
    assert_eq!(params["state"], launch.state);
    params["code"].clone()
}

impl SmartApp {
    async fn token(&self, app: &TestApp, form: &[(&str, &str)]) -> (u16, Value) {
        let mut form: Vec<(&str, &str)> = form.to_vec();
        let mut req = self.http.post(app.url("/smart/token"));
        match &self.secret {
            Some(secret) => req = req.basic_auth(&self.client_id, Some(secret)),
            None => form.push(("client_id", self.client_id.as_str())),
        }
        let resp = req.form(&form).send().await.unwrap();
        let status = resp.status().as_u16();
        assert_eq!(resp.headers()["cache-control"], "no-store");
        (status, resp.json().await.unwrap())
    }

    async fn exchange(&self, app: &TestApp, code: &str, launch: &Launch) -> (u16, Value) {
        self.token(
            app,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", self.redirect_uri.as_str()),
                ("code_verifier", launch.verifier.as_str()),
            ],
        )
        .await
    }

    async fn refresh(&self, app: &TestApp, refresh_token: &str) -> (u16, Value) {
        self.token(
            app,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        )
        .await
    }
}

/// A FHIR GET with a bearer token: status, headers' content type, JSON body.
async fn fhir(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let resp = app
        .browser()
        .client
        .get(format!("{}{path}", base(app)))
        .bearer_auth(token)
        .header("accept", "application/fhir+json")
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/fhir+json"), "{path}: {ct}");
    (status, resp.json().await.unwrap())
}

fn assert_outcome(body: &Value, status: u16, what: &str) {
    assert_eq!(
        body["resourceType"], "OperationOutcome",
        "{what}: {status} is an OperationOutcome"
    );
}

/// CI validates what the portal really served with fhir.resources (see .ci/run).
fn keep_for_validation(name: &str, bundle: &Value) {
    if let Some(dir) = std::env::var_os("FHIR_EXPORT_DIR") {
        std::fs::write(
            std::path::Path::new(&dir).join(format!("smart-{name}.json")),
            serde_json::to_vec_pretty(bundle).unwrap(),
        )
        .unwrap();
    }
}

/// A portal with patient A (and B) seeded and linked, A signed in in `b`.
async fn portal_with_patients() -> (TestApp, Browser, PatientRecord, PatientRecord) {
    portal_with(Options::default()).await
}

async fn portal_with(options: Options) -> (TestApp, Browser, PatientRecord, PatientRecord) {
    let app = spawn_app_with(options).await;
    let records = demo_patients(2, 15, today());
    let a = app.seed(&records[0]).await;
    app.link(&a, &PATIENT_A).await;
    let b_id = app.seed(&records[1]).await;
    app.link(&b_id, &PATIENT_B).await;
    let b = app.browser();
    app.sign_in_as(&b, &PATIENT_A).await;
    (app, b, records[0].clone(), records[1].clone())
}

async fn connected(app: &TestApp, b: &Browser, client: &SmartApp, scope: &str) -> Value {
    let launch = Launch::new();
    let code = code_for(app, b, client, &launch, scope).await;
    let (status, tokens) = client.exchange(app, &code, &launch).await;
    assert_eq!(status, 200, "{tokens}");
    tokens
}

fn at(tokens: &Value) -> String {
    tokens["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_patient_launches_an_app_that_reads_the_record_and_refreshes() {
    let app = spawn_app().await;
    run_the_whole_launch(&app).await;
}

async fn run_the_whole_launch(app: &TestApp) {
    let record = &demo_patients(1, 11, today())[0];
    let id = app.seed(record).await;
    app.link(&id, &PATIENT_A).await;
    let client = register(app, "Diabetes Coach", false).await;
    let b = app.browser();

    // Discovery, where SMART clients look for it.
    let conf: Value = client
        .http
        .get(format!("{}/.well-known/smart-configuration", base(app)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(conf["code_challenge_methods_supported"], json!(["S256"]));
    for cap in [
        "launch-standalone",
        "client-public",
        "client-confidential-symmetric",
        "context-standalone-patient",
        "permission-patient",
        "permission-offline",
        "permission-v1",
        "permission-v2",
    ] {
        assert!(
            conf["capabilities"]
                .as_array()
                .unwrap()
                .contains(&json!(cap)),
            "{cap}"
        );
    }
    assert_eq!(conf["authorization_endpoint"], app.url("/smart/authorize"));

    // Authorize without a session: the portal parks the request, the browser signs in (MFA
    // flow) and comes back to the consent page.
    let launch = Launch::new();
    let resp = b
        .client
        .get(authorize_url(app, &client, &launch, ALL))
        .send()
        .await
        .unwrap();
    let consent_path = location(&resp).to_string();
    let resp = app.get(&b, &consent_path).await;
    assert_eq!(
        location(&resp),
        format!("/signin?returnUrl={}", urlencode(&consent_path))
    );
    let back = sign_in_returning(app, &b, &PATIENT_A, &consent_path).await;
    assert_eq!(back, consent_path);
    let consent = consent_page(app, &b, &consent_path).await;
    assert!(consent.html.contains("Diabetes Coach"));
    assert!(consent.html.contains("your lab results and vital signs"));
    let offered: Vec<&str> = consent.offered.iter().map(String::as_str).collect();
    let params = callback_params(&answer(app, &b, &consent, &offered, "allow").await, &client);
    assert_eq!(params["state"], launch.state);

    let (status, tokens) = client.exchange(app, &params["code"], &launch).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], ALL);
    let patient = tokens["patient"].as_str().unwrap().to_string();
    assert_eq!(patient, record.patient.fhir_id);
    assert!(tokens["refresh_token"].is_string());

    // The id_token is signed with the key published at the JWKS URL.
    let jwks: Value = client
        .http
        .get(conf["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    let id_token = tokens["id_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    let mut validation = Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[&client.client_id]);
    validation.set_issuer(&[base(app)]);
    let claims = jsonwebtoken::decode::<Value>(
        id_token,
        &DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap())
            .unwrap(),
        &validation,
    )
    .unwrap()
    .claims;
    assert_eq!(
        claims["fhirUser"],
        format!("{}/Patient/{patient}", base(app))
    );
    assert_eq!(claims["nonce"], launch.nonce);
    assert_ne!(
        claims["sub"], PATIENT_A.subject,
        "the B2C object id stays private"
    );

    // Reads and searches of every type the record has.
    let token = at(&tokens);
    let (status, p) = fhir(app, &token, &format!("/Patient/{patient}")).await;
    assert_eq!(status, 200);
    assert_eq!(p["resourceType"], "Patient");
    keep_for_validation("patient-search", &fhir(app, &token, "/Patient").await.1);
    let counts = record.counts();
    for (rtype, expected) in [
        ("Condition", counts.conditions),
        ("MedicationRequest", counts.medications),
        ("AllergyIntolerance", counts.allergies),
        ("Immunization", counts.immunizations),
        ("Encounter", counts.encounters),
        ("Observation", counts.observations),
    ] {
        let (status, bundle) = fhir(
            app,
            &token,
            &format!("/{rtype}?patient={patient}&_count=100"),
        )
        .await;
        assert_eq!(status, 200, "{rtype}: {bundle}");
        assert_eq!(bundle["type"], "searchset");
        assert_eq!(bundle["total"], json!(expected), "{rtype}");
        // No matches: no `entry` at all (FHIR JSON has no empty arrays).
        for e in bundle["entry"].as_array().into_iter().flatten() {
            assert_eq!(e["resource"]["resourceType"], rtype);
            let subject = e["resource"]
                .get("subject")
                .or(e["resource"].get("patient"))
                .unwrap();
            assert_eq!(subject["reference"], format!("Patient/{patient}"));
        }
        keep_for_validation(rtype, &bundle);
    }
    // One resource by id, as a reference in a bundle names it.
    let (_, conditions) = fhir(app, &token, "/Condition").await;
    if let Some(first) = conditions["entry"].get(0) {
        let id = first["resource"]["id"].as_str().unwrap();
        let (status, one) = fhir(app, &token, &format!("/Condition/{id}")).await;
        assert_eq!(status, 200);
        assert_eq!(one["id"], id);
    }

    // Lab results only, by category; then by code and date, with paging.
    let (_, labs) = fhir(app, &token, "/Observation?category=laboratory&_count=2").await;
    let lab_total = record
        .observations
        .iter()
        .filter(|o| o.category.fhir_code() == "laboratory")
        .count();
    assert!(lab_total > 2, "the demo record has lab results");
    assert_eq!(labs["total"], json!(lab_total));
    assert_eq!(labs["entry"].as_array().unwrap().len(), 2);
    let next = labs["link"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["relation"] == "next")
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, page2) = fhir(app, &token, next.strip_prefix(&base(app)).unwrap()).await;
    assert_eq!(status, 200);
    assert_ne!(
        page2["entry"][0]["resource"]["id"],
        labs["entry"][0]["resource"]["id"]
    );
    let sample = &record.observations[0];
    let code = sample.code.code.clone();
    let day = sample.effective.format("%Y-%m-%d").to_string();
    let same_code = record.observations.iter().filter(|o| o.code.code == code);
    let (_, by_code) = fhir(app, &token, &format!("/Observation?code={code}&_count=100")).await;
    assert_eq!(by_code["total"], json!(same_code.clone().count()));
    let (_, by_date) = fhir(
        app,
        &token,
        &format!("/Observation?code={code}&date=ge{day}&_count=100"),
    )
    .await;
    let expected = same_code
        .filter(|o| o.effective.date_naive() >= sample.effective.date_naive())
        .count();
    assert_eq!(by_date["total"], json!(expected));

    // The patient's access log names the app.
    let log = app
        .get(&b, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        log.contains("Diabetes Coach read your lab results"),
        "{log}"
    );
    assert!(log.contains("You connected Diabetes Coach to your record"));
    // Its role in words, in the page's language (the stored role is the code "app").
    assert!(log.contains("\">App</td>"), "{log}");
    let es = crate::languages::get_in(app, &b, "/records/access-log", "es")
        .await
        .text()
        .await
        .unwrap();
    assert!(es.contains("\">Aplicación</td>"), "{es}");

    // The account page lists the app with what it may do and when it last read.
    let account = app.get(&b, "/account").await.text().await.unwrap();
    assert!(account.contains("Disconnect Diabetes Coach"));
    assert!(!account.contains("Not yet"), "it has read");

    // Refresh rotates: the new refresh token works once, the old one never again.
    let old_refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, second) = client.refresh(app, old_refresh).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(second["refresh_token"], tokens["refresh_token"]);
    assert_eq!(second["patient"], patient);
    let (status, _) = fhir(app, &at(&second), "/Observation?_count=1").await;
    assert_eq!(status, 200);

    // None of the secrets reached the log.
    let logs = crate::support::logs();
    for (what, secret) in [
        ("code", params["code"].as_str()),
        ("access token", token.as_str()),
        ("refresh token", old_refresh),
        ("id_token", id_token),
        ("verifier", launch.verifier.as_str()),
        ("state", launch.state.as_str()),
    ] {
        assert!(!logs.contains(secret), "the {what} is in the log");
    }
}

#[tokio::test]
async fn the_launch_works_on_postgres() {
    let Some(url) = fresh_postgres().await else {
        return;
    };
    let app = spawn_app_with(Options {
        database_url: Some(url),
        ..Default::default()
    })
    .await;
    run_the_whole_launch(&app).await;
}

/// A fresh PostgreSQL database, when PORTAL_TEST_POSTGRES_URL is set (CI fails without it).
async fn fresh_postgres() -> Option<String> {
    let pg = Postgres::connect("PostgreSQL SMART test").await?;
    // Databases left by earlier runs of this test go first (only this test makes them).
    pg.drop_databases_left_by_earlier_runs("smart_test").await;
    Some(pg.create_database("smart_test").await.1)
}

#[tokio::test]
async fn the_patient_can_allow_fewer_scopes_than_asked() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Lab Viewer", false).await;
    let launch = Launch::new();
    let consent = start(&app, &b, &client, &launch, "launch/patient patient/*.rs").await;
    assert!(consent
        .offered
        .contains(&"patient/Condition.rs".to_string()));
    let resp = answer(
        &app,
        &b,
        &consent,
        &["launch/patient", "patient/Observation.rs"],
        "allow",
    )
    .await;
    let params = callback_params(&resp, &client);
    let (_, tokens) = client.exchange(&app, &params["code"], &launch).await;
    assert_eq!(tokens["scope"], "launch/patient patient/Observation.rs");
    assert!(
        tokens.get("refresh_token").is_none(),
        "no offline_access asked"
    );
    let token = at(&tokens);
    assert_eq!(fhir(&app, &token, "/Observation").await.0, 200);
    let (status, body) = fhir(&app, &token, "/Condition").await;
    assert_eq!(status, 403);
    assert_outcome(&body, status, "a type the patient did not allow");
    let (status, _) = fhir(&app, &token, "/Patient").await;
    assert_eq!(status, 403);

    // Saying no sends the app access_denied, and no code.
    let launch = Launch::new();
    let consent = start(&app, &b, &client, &launch, "patient/*.rs").await;
    let params = callback_params(&answer(&app, &b, &consent, &[], "deny").await, &client);
    assert_eq!(params["error"], "access_denied");
    assert!(!params.contains_key("code"));
}

#[tokio::test]
async fn pkce_s256_is_required_and_checked() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "PKCE App", false).await;
    let launch = Launch::new();
    let url = authorize_url(&app, &client, &launch, ALL);
    for (what, url) in [
        (
            "no challenge",
            url.replace(&format!("code_challenge={}", launch.challenge()), ""),
        ),
        (
            "plain method",
            url.replace("code_challenge_method=S256", "code_challenge_method=plain"),
        ),
    ] {
        let resp = b.client.get(url).send().await.unwrap();
        let params = callback_params(&resp, &client);
        assert_eq!(params["error"], "invalid_request", "{what}");
        assert_eq!(params["state"], launch.state);
    }
    // A wrong verifier at the token endpoint: no tokens.
    let code = code_for(&app, &b, &client, &launch, ALL).await;
    let wrong = Launch::new();
    let (status, body) = client.exchange(&app, &code, &wrong).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert!(body.get("access_token").is_none());
}

#[tokio::test]
async fn the_redirect_uri_must_match_exactly() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Redirect App", false).await;
    let launch = Launch::new();
    let url = authorize_url(&app, &client, &launch, ALL);
    for evil in [
        "https://app.example/callback/../evil",
        "https://app.example/callbackx",
        "https://evil.example/callback",
    ] {
        let resp = b
            .client
            .get(url.replace(&urlencode(&client.redirect_uri), &urlencode(evil)))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{evil}: an error page, not a redirect");
        assert!(resp.headers().get("location").is_none());
    }
    // The code is bound to the redirect URI it was issued for.
    let code = code_for(&app, &b, &client, &launch, ALL).await;
    let (status, body) = client
        .token(
            &app,
            &[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", "https://app.example/other"),
                ("code_verifier", launch.verifier.as_str()),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn scopes_cannot_be_escalated() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Greedy App", false).await;
    // A box the page never offered is refused, not granted.
    let launch = Launch::new();
    let consent = start(
        &app,
        &b,
        &client,
        &launch,
        "patient/Observation.rs offline_access",
    )
    .await;
    let resp = answer(
        &app,
        &b,
        &consent,
        &["patient/Observation.rs", "patient/Condition.rs"],
        "allow",
    )
    .await;
    assert_eq!(resp.status(), 400);
    // Scopes the portal does not serve are not granted.
    let tokens = connected(
        &app,
        &b,
        &client,
        "patient/Observation.rs offline_access user/*.read system/*.rs patient/Observation.cruds",
    )
    .await;
    assert_eq!(tokens["scope"], "patient/Observation.rs offline_access");
    // A refresh cannot add scopes.
    let (status, body) = client
        .token(
            &app,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
                ("scope", "patient/*.rs"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
}

#[tokio::test]
async fn expired_and_revoked_tokens_get_401() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Token App", true).await;
    let tokens = connected(&app, &b, &client, ALL).await;
    let token = at(&tokens);
    assert_eq!(fhir(&app, &token, "/Patient").await.0, 200);

    // Expired: the clock moves past the hour.
    sqlx::query("UPDATE smart_tokens SET expires_at = 0 WHERE kind = 'access'")
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = client
        .http
        .get(format!("{}/Patient", base(&app)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));

    // Revoked by the app (RFC 7009): the refreshed tokens stop working too.
    let (_, fresh) = client
        .refresh(&app, tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(fhir(&app, &at(&fresh), "/Patient").await.0, 200);
    let resp = client
        .http
        .post(app.url("/smart/revoke"))
        .basic_auth(&client.client_id, client.secret.as_ref())
        .form(&[("token", fresh["refresh_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (status, body) = fhir(&app, &at(&fresh), "/Patient").await;
    assert_eq!(status, 401);
    assert_outcome(&body, status, "revoked");
    let (status, _) = client
        .refresh(&app, fresh["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(status, 400);

    // Revoked by the patient on the account page (with the CSRF token).
    let tokens = connected(&app, &b, &client, ALL).await;
    assert_eq!(fhir(&app, &at(&tokens), "/Patient").await.0, 200);
    let account = app.get(&b, "/account").await.text().await.unwrap();
    assert!(account.contains("Token App"));
    let resp = b
        .client
        .post(app.url("/account/apps/disconnect"))
        .form(&[
            ("csrf_token", "forged"),
            ("client_id", client.client_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400, "no CSRF token, no disconnect");
    assert_eq!(fhir(&app, &at(&tokens), "/Patient").await.0, 200);
    let csrf = crate::support::csrf_in(&account);
    let resp = b
        .client
        .post(app.url("/account/apps/disconnect"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("client_id", client.client_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(fhir(&app, &at(&tokens), "/Patient").await.0, 401);
    let account = app.get(&b, "/account").await.text().await.unwrap();
    assert!(!account.contains("Disconnect Token App"));

    // Removed by the operator.
    let tokens = connected(&app, &b, &client, ALL).await;
    assert!(
        patient_portal::smart::apps::remove(&app.pool, &client.client_id)
            .await
            .unwrap()
    );
    assert_eq!(fhir(&app, &at(&tokens), "/Patient").await.0, 401);
}

#[tokio::test]
async fn another_patients_data_is_never_returned() {
    let (app, b, _, other) = portal_with_patients().await;
    let client = register(&app, "Curious App", false).await;
    let token = at(&connected(&app, &b, &client, ALL).await);
    let theirs = &other.patient.fhir_id;
    let their_obs = &other.observations[0].fhir_id;
    let their_condition = &other.conditions[0].fhir_id;
    for path in [
        format!("/Patient/{theirs}"),
        format!("/Observation/{their_obs}"),
        format!("/Condition/{their_condition}"),
        format!("/Observation?patient={theirs}"),
        format!("/Observation?patient=Patient/{theirs}"),
        format!("/Condition?subject={theirs}"),
    ] {
        let (status, body) = fhir(&app, &token, &path).await;
        assert_eq!(status, 404, "{path}");
        assert_outcome(&body, status, &path);
    }
    let (status, body) = fhir(&app, &token, &format!("/Patient?_id={theirs}")).await;
    assert_eq!((status, body["total"].as_u64()), (200, Some(0)));
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_the_family() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Refresh App", false).await;
    let first = connected(&app, &b, &client, ALL).await;
    let (status, second) = client
        .refresh(&app, first["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(status, 200);
    // Someone replays the first refresh token: refused, and everything of the grant ends.
    let (status, body) = client
        .refresh(&app, first["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(fhir(&app, &at(&second), "/Patient").await.0, 401);
    let (status, _) = client
        .refresh(&app, second["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_replayed_code_revokes_what_it_issued() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Replay App", false).await;
    let launch = Launch::new();
    let code = code_for(&app, &b, &client, &launch, ALL).await;
    let (status, tokens) = client.exchange(&app, &code, &launch).await;
    assert_eq!(status, 200);
    assert_eq!(fhir(&app, &at(&tokens), "/Patient").await.0, 200);
    let (status, body) = client.exchange(&app, &code, &launch).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(fhir(&app, &at(&tokens), "/Patient").await.0, 401);
    let (status, _) = client
        .refresh(&app, tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_clinician_gets_no_patient_launch() {
    let app = spawn_app().await;
    let client = register(&app, "Clinic App", false).await;
    let b = app.browser();
    app.sign_in_as(&b, &CLINICIAN).await;
    let launch = Launch::new();
    let resp = b
        .client
        .get(authorize_url(&app, &client, &launch, ALL))
        .send()
        .await
        .unwrap();
    let consent = location(&resp).to_string();
    let resp = app.get(&b, &consent).await;
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn bad_clients_and_bad_tokens_are_refused() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Secret App", true).await;
    let launch = Launch::new();
    let code = code_for(&app, &b, &client, &launch, ALL).await;
    // Wrong secret, by Basic and by POST: invalid_client, and the code is still good.
    let wrong = SmartApp {
        secret: Some("not-the-secret".into()),
        client_id: client.client_id.clone(),
        redirect_uri: client.redirect_uri.clone(),
        http: client.http.clone(),
    };
    let (status, body) = wrong.exchange(&app, &code, &launch).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, _) = client
        .token(
            &app,
            &[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
            ],
        )
        .await;
    assert_eq!(
        status, 400,
        "the right client but no verifier or redirect URI"
    );
    // client_secret_post works for a new code.
    let launch = Launch::new();
    let code = code_for(&app, &b, &client, &launch, ALL).await;
    let resp = client
        .http
        .post(app.url("/smart/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", client.redirect_uri.as_str()),
            ("code_verifier", launch.verifier.as_str()),
            ("client_id", client.client_id.as_str()),
            ("client_secret", client.secret.as_deref().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(!crate::support::logs().contains(client.secret.as_deref().unwrap()));

    // No token, a made-up token, a session cookie instead of a token.
    let resp = client
        .http
        .get(format!("{}/Observation", base(&app)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    let (status, body) = fhir(&app, "made-up", "/Observation").await;
    assert_eq!(status, 401);
    assert_outcome(&body, status, "made-up token");
    let resp = b
        .client
        .get(format!("{}/Observation", base(&app)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "the portal session is no bearer token");

    // Wrong aud: the app is told, and no request is parked.
    let launch = Launch::new();
    let url = authorize_url(&app, &client, &launch, ALL).replace(
        &urlencode(&base(&app)),
        &urlencode("https://evil.example/fhir"),
    );
    let params = callback_params(&b.client.get(url).send().await.unwrap(), &client);
    assert_eq!(params["error"], "invalid_request");
}

#[tokio::test]
async fn the_api_speaks_fhir_json_only_and_publishes_its_capabilities() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Format App", false).await;
    let token = at(&connected(&app, &b, &client, ALL).await);
    let resp = client
        .http
        .get(format!("{}/Patient", base(&app)))
        .bearer_auth(&token)
        .header("accept", "application/fhir+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 406);
    let (status, body) = fhir(&app, &token, "/Observation?date=yesterday").await;
    assert_eq!(status, 400);
    assert_outcome(&body, status, "bad date");
    // Practitioner is served since #27; Coverage is not.
    let (status, body) = fhir(&app, &token, "/Coverage").await;
    assert_eq!(status, 404);
    assert_outcome(&body, status, "unknown type");
    // One audit entry per request with a valid token, refused ones included.
    type Rows = Vec<(String, Option<String>, Option<String>, Option<String>)>;
    let app_entries = |rows: Rows| {
        rows.into_iter()
            .filter(|r| r.0 == "app_read" && r.1.as_deref() == Some(client.client_id.as_str()))
            .map(|r| r.3.unwrap_or_default())
            .collect::<Vec<String>>()
    };
    let entries = app_entries(app.audit_rows().await);
    assert_eq!(
        entries,
        ["refused Patient", "refused Observation", "refused Coverage"]
    );
    assert_eq!(fhir(&app, &token, "/Patient").await.0, 200);
    assert_eq!(app_entries(app.audit_rows().await).len(), 4);
    let resp = client
        .http
        .delete(format!("{}/Patient/x", base(&app)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);

    let cap: Value = client
        .http
        .get(format!("{}/metadata", base(&app)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cap["resourceType"], "CapabilityStatement");
    let types: Vec<&str> = cap["rest"][0]["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    for t in [
        "Patient",
        "AllergyIntolerance",
        "Condition",
        "MedicationRequest",
        "Immunization",
        "Observation",
        "Encounter",
        "Procedure",
        "DiagnosticReport",
        "CarePlan",
        "Goal",
    ] {
        assert!(types.contains(&t), "{t}");
    }
    let oauth = &cap["rest"][0]["security"]["extension"][0];
    assert_eq!(
        oauth["url"],
        "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
    );
}

#[tokio::test]
async fn a_token_is_rate_limited_with_retry_after() {
    let (app, b, _, _) = portal_with(Options {
        extra_args: vec!["--fhir-rate-limit=3".into()],
        ..Default::default()
    })
    .await;
    let client = register(&app, "Busy App", false).await;
    let token = at(&connected(&app, &b, &client, ALL).await);
    // Seven requests span at most two one-minute windows, so one window sees four or more.
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let resp = client
            .http
            .get(format!("{}/Patient", base(&app)))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            let wait: i64 = resp.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&wait));
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["resourceType"], "OperationOutcome");
        }
    }
    assert_eq!(&statuses[..3], &[200, 200, 200], "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
}

/// `patient-portal apps ...` on a fresh data directory.
fn apps_cli(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_patient-portal"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORTAL_DATA_DIR", dir)
        .current_dir(dir)
        .arg("apps")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn operators_register_list_and_remove_apps_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = apps_cli(
        dir.path(),
        &[
            "add",
            "--name",
            "Research App",
            "--redirect-uri",
            "https://research.example/cb",
            "--redirect-uri",
            "http://localhost:9000/cb",
            "--confidential",
        ],
    );
    assert_eq!(code, Some(0), "{out}");
    let field = |name: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .trim()
            .to_string()
    };
    let client_id = field("client_id:");
    let secret = field("client_secret:");
    assert!(secret.len() >= 40);

    let (code, list, _) = apps_cli(dir.path(), &["list"]);
    assert_eq!(code, Some(0));
    assert!(list.contains(&client_id) && list.contains("Research App"));
    assert!(list.contains("confidential"));
    assert!(
        !list.contains(&secret),
        "the secret is shown once, never listed"
    );

    let (code, _, err) = apps_cli(
        dir.path(),
        &[
            "add",
            "--name",
            "Sloppy",
            "--redirect-uri",
            "http://sloppy.example/cb",
        ],
    );
    assert_eq!(code, Some(2), "plain http off localhost is refused: {err}");

    let (code, _, _) = apps_cli(dir.path(), &["remove", &client_id]);
    assert_eq!(code, Some(0));
    let (_, list, _) = apps_cli(dir.path(), &["list"]);
    assert!(list.contains("(removed)"));
    let (code, _, _) = apps_cli(dir.path(), &["remove", "no-such-app"]);
    assert_eq!(code, Some(1));
}

#[test]
fn a_bad_rate_limit_setting_stops_start_up_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["0", "lots", "-5"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_patient-portal"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PORTAL_DATA_DIR", dir.path())
            .env("PORTAL_FHIR_RATE_LIMIT", bad)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("PORTAL_FHIR_RATE_LIMIT"), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
}

#[tokio::test]
async fn without_its_audit_entry_an_app_gets_a_503_not_data_nor_a_silent_refusal() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Audit App", false).await;
    let token = at(&connected(&app, &b, &client, "launch/patient patient/Patient.rs").await);
    sqlx::query(
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(FAIL, 'disk full'); END",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    // A read it may make, and one its scope refuses: neither goes unaudited.
    let (status, body) = fhir(&app, &token, "/Patient").await;
    assert_outcome(&body, 503, "a permitted read");
    assert_eq!(status, 503);
    let (status, body) = fhir(&app, &token, "/Observation").await;
    assert_outcome(&body, 503, "a refused read");
    assert_eq!(status, 503);
}

#[tokio::test]
async fn the_consent_form_needs_the_sessions_own_token() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Forged Consent", false).await;
    let launch = Launch::new();
    let consent = start(&app, &b, &client, &launch, "launch/patient patient/*.rs").await;
    // A session the forger holds: its token is valid, but not for this browser.
    let forger = app.browser();
    app.sign_in_as(&forger, &PATIENT_B).await;
    let foreign =
        crate::support::csrf_in(&app.get(&forger, "/account").await.text().await.unwrap());
    for token in [None, Some(foreign.as_str())] {
        let mut form = vec![
            ("request", consent.request.as_str()),
            ("decision", "allow"),
            ("scope", "launch/patient"),
        ];
        form.extend(token.map(|t| ("csrf_token", t)));
        let resp = b
            .client
            .post(app.url("/smart/consent"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "token {token:?}: no code for the app");
    }
    // The request was not used up: the patient's own answer still goes through.
    let resp = answer(
        &app,
        &b,
        &consent,
        &["launch/patient", "patient/Observation.rs"],
        "allow",
    )
    .await;
    let params = callback_params(&resp, &client);
    assert!(params.contains_key("code"), "{params:?}");
}

/// Browsers check every redirect of a form's navigation against the page's `form-action`, so
/// the consent page must name the app's registered redirect origin, or "Allow" and "Do not
/// allow" stop there (our HTTP client has no CSP: it stands in for the browser only for the
/// header's text; `.ci/browser` completes the launch in Chromium with CSP enforced). No other
/// page may name it, and the consent page names no other app's origin.
#[tokio::test]
async fn the_consent_page_lets_its_answer_reach_the_registered_app_and_no_other_page_does() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Tracker", false).await;
    let csp_of = |resp: &reqwest::Response| {
        resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string()
    };
    let form_action = |csp: &str| {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.starts_with("form-action "))
            .unwrap()
            .to_string()
    };

    let launch = Launch::new();
    let resp = b
        .client
        .get(authorize_url(&app, &client, &launch, ALL))
        .send()
        .await
        .unwrap();
    let consent_path = location(&resp).to_string();
    let resp = app.get(&b, &consent_path).await;
    assert_eq!(resp.status(), 200);
    let consent_csp = csp_of(&resp);
    assert_eq!(
        form_action(&consent_csp),
        format!(
            "form-action 'self' {} https://app.example",
            app.idp.instance().trim_end_matches('/')
        ),
        "{consent_csp}"
    );
    assert!(consent_csp.contains("script-src 'self';"), "{consent_csp}");
    assert!(
        consent_csp.contains("frame-ancestors 'none'"),
        "{consent_csp}"
    );

    let resp = app.get(&b, "/account").await;
    let other_csp = csp_of(&resp);
    assert!(!other_csp.contains("app.example"), "{other_csp}");
}

/// Each permission's box sits in the same row as its own label (`.choice`), not under the
/// label before it; the browser walk checks the geometry at 320 and 1280 px.
#[tokio::test]
async fn every_consent_box_shares_a_row_with_its_own_label() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Tracker", false).await;
    let consent = start(&app, &b, &client, &Launch::new(), ALL).await;
    let doc = scraper::Html::parse_document(&consent.html);
    let rows = scraper::Selector::parse("fieldset .choice").unwrap();
    let input = scraper::Selector::parse("input[type=checkbox]").unwrap();
    let label = scraper::Selector::parse("label").unwrap();
    let mut seen = 0;
    for row in doc.select(&rows) {
        let boxes: Vec<_> = row.select(&input).collect();
        let labels: Vec<_> = row.select(&label).collect();
        assert_eq!((boxes.len(), labels.len()), (1, 1), "{}", row.html());
        assert_eq!(boxes[0].value().attr("id"), labels[0].value().attr("for"));
        seen += 1;
    }
    assert_eq!(
        seen,
        consent.offered.len(),
        "every box is in a row of its own"
    );
}
