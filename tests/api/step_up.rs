//! Step-up (#29): downloading the whole record, connecting an app and changing notifications
//! need an MFA sign-in at most PORTAL_STEP_UP_MINUTES old; an older one is sent through a fresh
//! `prompt=login` sign-in and comes back to the page that offers the action.

use base64::Engine as _;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::support::*;

const MINUTE: i64 = 60;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The claims of `who`'s sign-in through the MFA flow (B2C or External ID, as the provider is).
fn claims_for(app: &TestApp, nonce: &str, who: &Person) -> serde_json::Value {
    let mut claims = app.idp.claims(nonce);
    claims["oid"] = json!(who.subject);
    claims["name"] = json!(who.name);
    if app.idp.profile == Profile::B2c {
        claims["sub"] = json!(who.subject);
    }
    claims
}

/// A patient with a linked record, signed in through MFA `age_secs` ago (single sign-on can
/// hand out such a token long after the password and MFA were entered).
async fn patient_signed_in_ago(options: Options, age_secs: i64) -> (TestApp, Browser) {
    let app = spawn_app_with(options).await;
    let id = app.seed(&records(1)[0]).await;
    app.link(&id, &PATIENT_A).await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let mut claims = claims_for(&app, &started.nonce, &PATIENT_A);
    claims["auth_time"] = json!(now() - age_secs);
    let resp = app.reply(&b, &started, sign(&claims, 0)).await;
    assert_redirect_to(&resp, "/home");
    (app, b)
}

/// Follows the portal to `/step-up?returnUrl=...` and on to the provider: the sign-in started.
async fn step_up_started(app: &TestApp, b: &Browser, to_step_up: &reqwest::Response) -> Started {
    let step_up = location(to_step_up).to_string();
    assert!(step_up.starts_with("/step-up?returnUrl="), "{step_up}");
    step_up_at(app, b, &step_up).await
}

async fn step_up_at(app: &TestApp, b: &Browser, step_up: &str) -> Started {
    let resp = app.get(b, step_up).await;
    assert_eq!(resp.status(), 302, "off to the provider");
    let authorize_url = url::Url::parse(location(&resp)).unwrap();
    let q: std::collections::HashMap<String, String> =
        authorize_url.query_pairs().into_owned().collect();
    assert_eq!(
        q.get("prompt").map(String::as_str),
        Some("login"),
        "the password and MFA again, not single sign-on"
    );
    Started {
        state: q["state"].clone(),
        nonce: q["nonce"].clone(),
        authorize_url,
    }
}

fn assert_redirect_to_see_other(resp: &reqwest::Response, to: &str) {
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(location(resp), to);
}

async fn step_up_entries(app: &TestApp, outcome: &str) -> Vec<Option<String>> {
    use sqlx::Row;
    sqlx::query("SELECT detail FROM audit_log WHERE action = 'step_up' AND outcome = $1")
        .bind(outcome)
        .fetch_all(&app.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

async fn exports(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'export_record'",
    )
    .await
}

#[tokio::test]
async fn a_stale_mfa_sign_in_must_sign_in_again_before_downloading_the_record_and_comes_back() {
    let (app, b) = patient_signed_in_ago(Options::default(), 11 * MINUTE).await;

    // The record is still readable, but it does not leave.
    assert_eq!(app.get(&b, "/records").await.status(), 200);
    let resp = app.get(&b, "/records/export").await;
    assert_redirect_to(&resp, "/step-up?returnUrl=%2Frecords%2Fexport");
    assert_eq!(exports(&app).await, 0, "nothing read for an export");

    // A fresh sign-in through the MFA flow, then back to the download.
    let started = step_up_started(&app, &b, &resp).await;
    assert!(
        started.authorize_url.path().contains(SUSI),
        "the MFA user flow: {}",
        started.authorize_url
    );
    let resp = app
        .reply(
            &b,
            &started,
            sign(&claims_for(&app, &started.nonce, &PATIENT_A), 0),
        )
        .await;
    assert_redirect_to(&resp, "/records/export");
    let export = app.get(&b, "/records/export").await;
    assert_eq!(export.status(), 200);
    assert!(export.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    assert_eq!(exports(&app).await, 1);
    assert_eq!(step_up_entries(&app, "success").await.len(), 1);
    // The same session: still signed in, the same CSRF token.
    assert_signed_in(&app, &b).await;
}

#[tokio::test]
async fn a_recent_mfa_sign_in_downloads_at_once_until_the_window_ends() {
    // The window is a setting: one minute here.
    let options = Options {
        extra_args: vec!["--step-up-minutes=1".into()],
        ..Options::default()
    };
    let (app, b) = patient_signed_in_ago(options, 50).await;
    assert_eq!(app.get(&b, "/records/export").await.status(), 200);

    let options = Options {
        extra_args: vec!["--step-up-minutes=1".into()],
        ..Options::default()
    };
    let (app, b) = patient_signed_in_ago(options, 70).await;
    let resp = app.get(&b, "/records/export").await;
    assert_redirect_to(&resp, "/step-up?returnUrl=%2Frecords%2Fexport");

    // The default is ten minutes.
    let (app, b) = patient_signed_in_ago(Options::default(), 9 * MINUTE).await;
    assert_eq!(app.get(&b, "/records/export").await.status(), 200);
}

#[tokio::test]
async fn a_step_up_reply_that_does_not_prove_a_fresh_mfa_sign_in_counts_for_nothing() {
    let (app, b) = patient_signed_in_ago(Options::default(), 30 * MINUTE).await;
    let to_step_up = app.get(&b, "/records/export").await;

    // An id_token of a user flow without MFA: refused by the callback's checks.
    let started = step_up_started(&app, &b, &to_step_up).await;
    let mut claims = claims_for(&app, &started.nonce, &PATIENT_A);
    claims["tfp"] = json!("B2C_1_susi");
    let resp = app.reply(&b, &started, sign(&claims, 0)).await;
    assert_ne!(resp.status(), 302);
    assert_redirect_to(
        &app.get(&b, "/records/export").await,
        "/step-up?returnUrl=%2Frecords%2Fexport",
    );

    // Single sign-on answering prompt=login with the old sign-in.
    let started = step_up_started(&app, &b, &to_step_up).await;
    let mut claims = claims_for(&app, &started.nonce, &PATIENT_A);
    claims["auth_time"] = json!(now() - 30 * MINUTE);
    let resp = app.reply(&b, &started, sign(&claims, 0)).await;
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("not recent enough"));

    // Someone else's fresh sign-in in this browser.
    let started = step_up_started(&app, &b, &to_step_up).await;
    let resp = app
        .reply(
            &b,
            &started,
            sign(&claims_for(&app, &started.nonce, &PATIENT_B), 0),
        )
        .await;
    assert_eq!(resp.status(), 403);

    // Without auth_time nothing is proven.
    let started = step_up_started(&app, &b, &to_step_up).await;
    let mut claims = claims_for(&app, &started.nonce, &PATIENT_A);
    claims.as_object_mut().unwrap().remove("auth_time");
    let resp = app.reply(&b, &started, sign(&claims, 0)).await;
    assert_eq!(resp.status(), 403);

    assert_redirect_to(
        &app.get(&b, "/records/export").await,
        "/step-up?returnUrl=%2Frecords%2Fexport",
    );
    assert_eq!(exports(&app).await, 0);
    assert_eq!(
        step_up_entries(&app, "denied").await,
        vec![
            Some("auth_time_stale".to_string()),
            Some("subject_mismatch".to_string()),
            Some("auth_time_missing".to_string()),
        ]
    );
    assert!(step_up_entries(&app, "success").await.is_empty());
    // Still signed in as themselves.
    assert!(assert_signed_in(&app, &b).await.contains(PATIENT_A.name));
}

#[tokio::test]
async fn a_step_up_reply_is_used_once() {
    let (app, b) = patient_signed_in_ago(Options::default(), 30 * MINUTE).await;
    let to_step_up = app.get(&b, "/records/export").await;
    let started = step_up_started(&app, &b, &to_step_up).await;
    let token = sign(&claims_for(&app, &started.nonce, &PATIENT_A), 0);
    assert_redirect_to(
        &app.reply(&b, &started, token.clone()).await,
        "/records/export",
    );
    let again = app.reply(&b, &started, token).await;
    assert!(again.status().is_client_error(), "{}", again.status());
    assert_eq!(step_up_entries(&app, "success").await.len(), 1);
}

#[tokio::test]
async fn changing_notifications_needs_a_recent_mfa_sign_in_and_returns_to_the_form() {
    let (app, b) = patient_signed_in_ago(Options::default(), 11 * MINUTE).await;
    let token = csrf(&app, &b).await;
    let off = [("enabled", "off"), ("csrf_token", token.as_str())];
    let resp = post(&app, &b, "/account/notifications", &off).await;
    assert_redirect_to(&resp, "/step-up?returnUrl=%2Faccount");
    let off_count = "SELECT COUNT(*) FROM notification_contacts WHERE enabled = 0";
    assert_eq!(count(&app, off_count).await, 0, "not changed");

    let started = step_up_started(&app, &b, &resp).await;
    let back = app
        .reply(
            &b,
            &started,
            sign(&claims_for(&app, &started.nonce, &PATIENT_A), 0),
        )
        .await;
    assert_redirect_to(&back, "/account");
    let resp = post(&app, &b, "/account/notifications", &off).await;
    assert_redirect_to_see_other(&resp, "/account");
    assert_eq!(count(&app, off_count).await, 1);
    assert!(app
        .get(&b, "/account")
        .await
        .text()
        .await
        .unwrap()
        .contains("notifications are <strong>off</strong>"));
}

/// A SMART app's authorization request, parked by the portal: the consent page's address.
async fn consent_path(app: &TestApp, b: &Browser) -> String {
    let redirect_uri = "https://app.example/callback".to_string();
    let (registered, _) = patient_portal::smart::apps::add(
        &app.pool,
        "Step-up Test App",
        std::slice::from_ref(&redirect_uri),
        false,
    )
    .await
    .unwrap();
    let verifier = patient_portal::auth::random_token(32);
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(&verifier));
    let q = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", registered.client_id.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("scope", "launch/patient openid patient/*.rs"),
        ("state", "app-state-1"),
        ("aud", app.url("/fhir/r4").as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ])
    .unwrap();
    let resp = app.get(b, &format!("/smart/authorize?{q}")).await;
    assert_eq!(resp.status(), 302, "authorize parks the request");
    location(&resp).to_string()
}

async fn answer_consent(
    app: &TestApp,
    b: &Browser,
    path: &str,
    decision: &str,
) -> reqwest::Response {
    let page = app.get(b, path).await;
    assert_eq!(page.status(), 200, "the consent page shows");
    let html = page.text().await.unwrap();
    let doc = scraper::Html::parse_document(&html);
    let values = |css: &str| -> Vec<String> {
        let sel = scraper::Selector::parse(css).unwrap();
        doc.select(&sel)
            .filter_map(|e| e.value().attr("value").map(str::to_string))
            .collect()
    };
    let csrf = values("input[name=csrf_token]").last().cloned().unwrap();
    let request = values("input[name=request]")[0].clone();
    let mut form: Vec<(&str, String)> = vec![
        ("csrf_token", csrf),
        ("request", request),
        ("decision", decision.to_string()),
    ];
    for scope in values("input[name=scope]") {
        form.push(("scope", scope));
    }
    b.client
        .post(app.url("/smart/consent"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn connecting_an_app_needs_a_recent_mfa_sign_in_and_offers_the_consent_again() {
    let (app, b) = patient_signed_in_ago(Options::default(), 11 * MINUTE).await;
    let consent = consent_path(&app, &b).await;
    assert!(consent.starts_with("/smart/consent?request="), "{consent}");

    let resp = answer_consent(&app, &b, &consent, "allow").await;
    assert_redirect_to(
        &resp,
        &format!("/step-up?returnUrl={}", urlencode(&consent)),
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM smart_codes").await,
        0,
        "no code issued"
    );

    let started = step_up_started(&app, &b, &resp).await;
    let back = app
        .reply(
            &b,
            &started,
            sign(&claims_for(&app, &started.nonce, &PATIENT_A), 0),
        )
        .await;
    assert_redirect_to(&back, &consent);
    // The request was not used up: the page offers it again, and "Allow" now connects.
    let resp = answer_consent(&app, &b, &consent, "allow").await;
    assert_eq!(resp.status(), 302);
    assert!(
        location(&resp).starts_with("https://app.example/callback?code="),
        "{}",
        location(&resp)
    );
}

#[tokio::test]
async fn declining_an_app_needs_no_fresh_sign_in() {
    let (app, b) = patient_signed_in_ago(Options::default(), 11 * MINUTE).await;
    let consent = consent_path(&app, &b).await;
    let resp = answer_consent(&app, &b, &consent, "deny").await;
    assert_eq!(resp.status(), 302);
    assert!(
        location(&resp).contains("error=access_denied"),
        "{}",
        location(&resp)
    );
}

#[tokio::test]
async fn step_up_works_with_form_post_replies() {
    let options = Options {
        response_mode: "form_post",
        ..Options::default()
    };
    let (app, b) = patient_signed_in_ago(options, 11 * MINUTE).await;
    let to_step_up = app.get(&b, "/records/export").await;
    let started = step_up_started(&app, &b, &to_step_up).await;
    let token = sign(&claims_for(&app, &started.nonce, &PATIENT_A), 0);
    app.idp.hand_out(token);
    let (post, get) = app
        .form_post_reply(
            &b,
            &[("code", "auth-code-abc"), ("state", started.state.as_str())],
        )
        .await;
    assert_eq!(
        post.status(),
        303,
        "on to our own GET, where the session is"
    );
    let get = get.expect("the browser came back by GET");
    assert_redirect_to(&get, "/records/export");
    assert_eq!(app.get(&b, "/records/export").await.status(), 200);
}

#[tokio::test]
async fn step_up_with_external_id_needs_the_mfa_authentication_context() {
    let options = || Options {
        profile: Profile::ExternalId,
        ..Options::default()
    };
    let (app, b) = patient_signed_in_ago(options(), 11 * MINUTE).await;
    let to_step_up = app.get(&b, "/records/export").await;

    // acrs without the MFA context: refused.
    let started = step_up_started(&app, &b, &to_step_up).await;
    let mut claims = claims_for(&app, &started.nonce, &PATIENT_A);
    claims["acrs"] = json!([]);
    let resp = app.reply(&b, &started, sign(&claims, 0)).await;
    assert_ne!(resp.status(), 302);
    assert_redirect_to(
        &app.get(&b, "/records/export").await,
        "/step-up?returnUrl=%2Frecords%2Fexport",
    );

    let started = step_up_started(&app, &b, &to_step_up).await;
    let resp = app
        .reply(
            &b,
            &started,
            sign(&claims_for(&app, &started.nonce, &PATIENT_A), 0),
        )
        .await;
    assert_redirect_to(&resp, "/records/export");
    assert_eq!(app.get(&b, "/records/export").await.status(), 200);
}

#[tokio::test]
async fn the_step_up_start_goes_back_only_to_a_local_page() {
    let (app, b) = patient_signed_in_ago(Options::default(), 11 * MINUTE).await;
    let started = step_up_at(&app, &b, "/step-up?returnUrl=https%3A%2F%2Fevil.example%2F").await;
    let back = app
        .reply(
            &b,
            &started,
            sign(&claims_for(&app, &started.nonce, &PATIENT_A), 0),
        )
        .await;
    assert_redirect_to(&back, "/home");
    // Signed out, /step-up is a page like any other: off to sign in first.
    let stranger = app.browser();
    let resp = app
        .get(&stranger, "/step-up?returnUrl=%2Frecords%2Fexport")
        .await;
    assert!(location(&resp).starts_with("/signin?returnUrl="));
}
