//! Every way a sign-in must fail, and the one way it succeeds.

use serde_json::{json, Value};

use crate::support::*;

async fn refused(app: &TestApp, b: &Browser, resp: reqwest::Response) {
    let status = resp.status().as_u16();
    let body = resp.text().await.unwrap();
    assert!(
        (400..500).contains(&status),
        "expected a 4xx page, got {status}"
    );
    assert!(
        body.contains("Patient portal"),
        "the refusal is a page in the portal's style"
    );
    assert_signed_out(app, b).await;
}

/// Signs in with claims changed by `edit`.
async fn try_claims(edit: impl FnOnce(&mut Value)) -> (TestApp, Browser, reqwest::Response) {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let mut claims = app.idp.claims(&started.nonce);
    edit(&mut claims);
    let token = sign(&claims, 0);
    let resp = app.reply(&b, &started, token).await;
    (app, b, resp)
}

#[tokio::test]
async fn a_valid_mfa_sign_in_reaches_the_account_page() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let q: std::collections::HashMap<_, _> =
        started.authorize_url.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["response_mode"], "query");
    assert_eq!(q["redirect_uri"], app.url("/signin-oidc"));
    let scopes: Vec<&str> = q["scope"].split(' ').collect();
    for s in ["openid", "offline_access", CLIENT_ID] {
        assert!(scopes.contains(&s), "scope {s}");
    }
    assert!(started
        .authorize_url
        .path()
        .ends_with("/B2C_1_susi_mfa/oauth2/v2.0/authorize"));

    let resp = app
        .reply(&b, &started, sign(&app.idp.claims(&started.nonce), 0))
        .await;
    assert_redirect_to(&resp, "/home");
    let page = assert_signed_in(&app, &b).await;
    assert!(page.contains("Pat Example"));
    assert!(page.contains("pat.example@example.com"));
    assert!(page.contains("B2C_1_susi_mfa"));

    // The code was redeemed with client_secret_basic and the PKCE verifier.
    let requests = app.idp.state.lock().unwrap().token_requests.clone();
    let request = requests.last().unwrap();
    assert!(request
        .authorization
        .as_deref()
        .unwrap_or("")
        .starts_with("Basic "));
    assert!(request.form.iter().any(|(k, _)| k == "code_verifier"));
    assert!(!request.form.iter().any(|(k, _)| k == "client_secret"));
}

#[tokio::test]
async fn a_tampered_signature_is_refused() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let token = sign(&app.idp.claims(&started.nonce), 0);
    // Change the first character of the signature: the last may not change any bit.
    let (head, sig) = token.rsplit_once('.').unwrap();
    let first = if sig.starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("{head}.{first}{}", &sig[1..]);
    let resp = app.reply(&b, &started, tampered).await;
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn alg_none_is_refused() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let resp = app
        .reply(&b, &started, unsigned(&app.idp.claims(&started.nonce)))
        .await;
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn hs256_signed_with_the_client_secret_is_refused() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let resp = app
        .reply(
            &b,
            &started,
            sign_hs256_with_client_secret(&app.idp.claims(&started.nonce)),
        )
        .await;
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn a_key_not_in_the_jwks_is_refused_after_one_refetch() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let fetches = app.idp.jwks_fetches();
    let resp = app
        .reply(&b, &started, sign(&app.idp.claims(&started.nonce), 2))
        .await;
    refused(&app, &b, resp).await;
    assert_eq!(
        app.idp.jwks_fetches(),
        fetches + 1,
        "one re-fetch for the unknown kid"
    );

    // The same unknown kid again: no second fetch.
    let started = app.start_signin(&b, None).await;
    let resp = app
        .reply(&b, &started, sign(&app.idp.claims(&started.nonce), 2))
        .await;
    refused(&app, &b, resp).await;
    assert_eq!(
        app.idp.jwks_fetches(),
        fetches + 1,
        "no re-fetch twice for one kid"
    );

    // Another unknown kid right after: the overall pause between re-fetches holds it back.
    let started = app.start_signin(&b, None).await;
    let resp = app
        .reply(&b, &started, sign(&app.idp.claims(&started.nonce), 1))
        .await;
    refused(&app, &b, resp).await;
    assert_eq!(
        app.idp.jwks_fetches(),
        fetches + 1,
        "no second re-fetch within seconds, whatever the kid"
    );
}

#[tokio::test]
async fn a_rotated_key_is_accepted_after_one_jwks_refetch() {
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    assert_signed_in(&app, &b).await;
    let fetches = app.idp.jwks_fetches();

    app.idp.publish(&[0, 1]);
    let b2 = app.browser();
    let started = app.start_signin(&b2, None).await;
    let resp = app
        .reply(&b2, &started, sign(&app.idp.claims(&started.nonce), 1))
        .await;
    assert_redirect_to(&resp, "/home");
    assert_signed_in(&app, &b2).await;
    assert_eq!(app.idp.jwks_fetches(), fetches + 1);
}

#[tokio::test]
async fn a_wrong_issuer_is_refused() {
    let (app, b, resp) = try_claims(|c| {
        c["iss"] = json!("https://evil.b2clogin.com/775527ff-9a37-4307-8b3d-cc311f58d925/v2.0/")
    })
    .await;
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn a_wrong_audience_is_refused() {
    let (app, b, resp) = try_claims(|c| c["aud"] = json!("another-app")).await;
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn an_extra_untrusted_audience_is_refused() {
    let (app, b, resp) = try_claims(|c| c["aud"] = json!([CLIENT_ID, "another-app"])).await;
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let (app, b, resp) = try_claims(|c| {
        let past = chrono::Utc::now().timestamp() - 7200;
        c["exp"] = json!(past);
        c["iat"] = json!(past - 3600);
        c["nbf"] = json!(past - 3600);
    })
    .await;
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn a_token_not_valid_yet_is_refused() {
    let (app, b, resp) =
        try_claims(|c| c["nbf"] = json!(chrono::Utc::now().timestamp() + 3000)).await;
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn a_token_without_iat_is_refused() {
    let (app, b, resp) = try_claims(|c| {
        c.as_object_mut().unwrap().remove("iat");
    })
    .await;
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn a_token_issued_more_than_a_day_ago_is_refused_though_it_has_not_expired() {
    let app = spawn_app().await;
    let sign_in_issued = |hours_ago: i64| {
        let app = &app;
        async move {
            let b = app.browser();
            let started = app.start_signin(&b, None).await;
            let mut claims = app.idp.claims(&started.nonce);
            let issued = chrono::Utc::now().timestamp() - hours_ago * 3600;
            claims["iat"] = json!(issued);
            claims["nbf"] = json!(issued);
            let resp = app.reply(&b, &started, sign(&claims, 0)).await;
            (b, resp)
        }
    };

    // 23 hours old, valid for another hour: accepted.
    let (b, resp) = sign_in_issued(23).await;
    assert_eq!(resp.status(), 302, "signed in and sent on");
    assert_signed_in(&app, &b).await;

    // 25 hours old, equally unexpired: refused.
    let (b, resp) = sign_in_issued(25).await;
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn a_token_issued_in_the_future_is_refused() {
    let (app, b, resp) =
        try_claims(|c| c["iat"] = json!(chrono::Utc::now().timestamp() + 3000)).await;
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn a_token_without_sub_is_refused() {
    let (app, b, resp) = try_claims(|c| {
        c.as_object_mut().unwrap().remove("sub");
    })
    .await;
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn a_nonce_mismatch_is_refused() {
    let (app, b, resp) = try_claims(|c| c["nonce"] = json!("another-nonce")).await;
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn a_missing_nonce_is_refused() {
    let (app, b, resp) = try_claims(|c| {
        c.as_object_mut().unwrap().remove("nonce");
    })
    .await;
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn a_token_from_the_flow_without_mfa_is_refused() {
    let (app, b, resp) = try_claims(|c| c["tfp"] = json!("B2C_1_susi")).await;
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn a_token_without_a_policy_claim_is_refused() {
    let (app, b, resp) = try_claims(|c| {
        c.as_object_mut().unwrap().remove("tfp");
    })
    .await;
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn an_acr_policy_claim_of_older_tenants_is_accepted_case_insensitively() {
    let (app, b, resp) = try_claims(|c| {
        c.as_object_mut().unwrap().remove("tfp");
        c["acr"] = json!("b2c_1_SUSI_MFA");
    })
    .await;
    assert_redirect_to(&resp, "/home");
    assert_signed_in(&app, &b).await;
}

#[tokio::test]
async fn a_state_mismatch_is_refused() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    app.idp.hand_out(sign(&app.idp.claims(&started.nonce), 0));
    let resp = b
        .client
        .get(app.url("/signin-oidc?code=abc&state=not-the-state"))
        .send()
        .await
        .unwrap();
    refused(&app, &b, resp).await;
    let resp = b
        .client
        .get(app.url("/signin-oidc?code=abc"))
        .send()
        .await
        .unwrap();
    refused(&app, &b, resp).await;
}

#[tokio::test]
async fn a_state_from_another_browser_is_refused() {
    let app = spawn_app().await;
    let victim = app.browser();
    let attacker = app.browser();
    // The attacker starts a sign-in and makes the victim's browser finish it (login CSRF).
    let started = app.start_signin(&attacker, None).await;
    let resp = app
        .reply(&victim, &started, sign(&app.idp.claims(&started.nonce), 0))
        .await;
    refused(&app, &victim, resp).await;
    assert_signed_out(&app, &attacker).await;
}

#[tokio::test]
async fn a_replayed_reply_is_refused() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let resp = app
        .reply(&b, &started, sign(&app.idp.claims(&started.nonce), 0))
        .await;
    assert_redirect_to(&resp, "/home");

    let other = app.browser();
    let resp = app
        .reply(&other, &started, sign(&app.idp.claims(&started.nonce), 0))
        .await;
    refused(&app, &other, resp).await;
    let resp = app
        .reply(&b, &started, sign(&app.idp.claims(&started.nonce), 0))
        .await;
    assert_eq!(
        resp.status(),
        400,
        "the same browser cannot use the reply twice either"
    );
}

#[tokio::test]
async fn forgot_password_starts_the_reset_flow() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let resp = app
        .reply_error(
            &b,
            &started,
            "access_denied",
            "AADB2C90118: The user has forgotten their password.\r\nCorrelation ID: 1",
        )
        .await;
    assert_eq!(resp.status(), 302);
    assert!(
        location(&resp).contains("/B2C_1_reset/oauth2/v2.0/authorize"),
        "{}",
        location(&resp)
    );
    assert_signed_out(&app, &b).await;
}

#[tokio::test]
async fn forgot_password_without_a_reset_flow_explains_how_to_reset() {
    let app = spawn_app_with(Options {
        reset_policy: false,
        ..Default::default()
    })
    .await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let resp = app
        .reply_error(
            &b,
            &started,
            "access_denied",
            "AADB2C90118: The user has forgotten their password.",
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("Reset your password"));
    assert_signed_out(&app, &b).await;
}

#[tokio::test]
async fn a_cancelled_sign_in_returns_to_the_landing_page() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let resp = app
        .reply_error(
            &b,
            &started,
            "access_denied",
            "AADB2C90091: The user has cancelled entering self-asserted information.",
        )
        .await;
    assert_redirect_to(&resp, "/?notice=cancelled");
    let landing = b
        .client
        .get(app.url("/?notice=cancelled"))
        .send()
        .await
        .unwrap();
    assert!(landing.text().await.unwrap().contains("Sign-in cancelled"));
    assert_signed_out(&app, &b).await;
}

#[tokio::test]
async fn other_provider_errors_show_the_b2c_code_and_nothing_raw() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let resp = app
        .reply_error(
            &b,
            &started,
            "server_error",
            "AADB2C90006: <script>alert(1)</script>",
        )
        .await;
    assert_eq!(resp.status(), 400);
    let body = resp.text().await.unwrap();
    assert!(body.contains("AADB2C90006"));
    assert!(!body.contains("<script>alert"));
    assert_signed_out(&app, &b).await;
}

#[tokio::test]
async fn a_token_endpoint_error_is_a_clear_refusal() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    app.idp.state.lock().unwrap().token_error = Some(json!({
        "error": "invalid_grant",
        "error_description": "AADB2C90088: The provided grant has not been issued for this endpoint."
    }));
    let resp = b
        .client
        .get(format!(
            "{}?code=x&state={}",
            app.url("/signin-oidc"),
            urlencode(&started.state)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("AADB2C90088"));
    assert_signed_out(&app, &b).await;
}

#[tokio::test]
async fn return_url_cannot_leave_the_portal() {
    let app = spawn_app().await;
    for evil in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
    ] {
        let b = app.browser();
        let started = app.start_signin(&b, Some(evil)).await;
        let resp = app
            .reply(&b, &started, sign(&app.idp.claims(&started.nonce), 0))
            .await;
        assert_redirect_to(&resp, "/home");
    }
    let b = app.browser();
    let started = app.start_signin(&b, Some("/records")).await;
    let resp = app
        .reply(&b, &started, sign(&app.idp.claims(&started.nonce), 0))
        .await;
    assert_redirect_to(&resp, "/records");
}

#[tokio::test]
async fn form_post_replies_work_with_a_same_site_none_correlation_cookie() {
    let app = spawn_app_with(Options {
        response_mode: "form_post",
        ..Default::default()
    })
    .await;
    let b = app.browser();
    let resp = b.client.get(app.url("/signin")).send().await.unwrap();
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-portal-signin="))
        .expect("correlation cookie")
        .to_string();
    assert!(
        cookie.contains("SameSite=None") && cookie.contains("Secure"),
        "{cookie}"
    );
    let authorize = url::Url::parse(location(&resp)).unwrap();
    let q: std::collections::HashMap<String, String> =
        authorize.query_pairs().into_owned().collect();
    assert_eq!(q["response_mode"], "form_post");
    app.idp.hand_out(sign(&app.idp.claims(&q["nonce"]), 0));
    let (post, get) = app
        .form_post_reply(&b, &[("code", "abc"), ("state", q["state"].as_str())])
        .await;
    // The cross-site POST is carried on to a same-site GET in a short-lived Lax cookie of
    // its own; the code never enters an address.
    assert_eq!(
        (post.status().as_u16(), location(&post)),
        (303, "/signin-oidc")
    );
    let carried = post
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-portal-reply="))
        .expect("reply cookie")
        .to_string();
    for attribute in [
        "Secure",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=120",
    ] {
        assert!(carried.contains(attribute), "{attribute}: {carried}");
    }
    let get = get.expect("sent on by GET");
    assert_redirect_to(&get, "/home");
    let removed = get
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with("__Host-portal-reply=") && c.contains("Max-Age=0"));
    assert!(removed, "the reply cookie is used once");
    assert_signed_in(&app, &b).await;
}

#[tokio::test]
async fn no_token_code_state_or_secret_reaches_the_log() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let token = sign(&app.idp.claims(&started.nonce), 0);
    let resp = app.reply(&b, &started, token.clone()).await;
    assert_redirect_to(&resp, "/home");
    let cookie = app.session_cookie(&b).expect("session cookie");
    let logs = logs();
    assert!(logs.contains("signed in"), "sign-in is logged");
    for secret in [
        token.as_str(),
        started.state.as_str(),
        started.nonce.as_str(),
        "auth-code-abc",
        CLIENT_SECRET,
        cookie.as_str(),
        "pat.example@example.com",
        "Pat Example",
        "access-token-from-the-hostile-idp",
        "refresh-token-from-the-hostile-idp",
    ] {
        assert!(
            !logs.contains(secret),
            "the log holds a secret or PHI: {secret:.12}…"
        );
    }
}

#[tokio::test]
async fn a_return_url_with_a_control_character_falls_back_to_the_home_page() {
    let app = spawn_app().await;
    for evil in ["/\u{1}abc", "/\t/evil.example", "/a b", "/caf\u{e9}"] {
        let b = app.browser();
        let started = app.start_signin(&b, Some(evil)).await;
        let resp = app
            .reply(&b, &started, sign(&app.idp.claims(&started.nonce), 0))
            .await;
        assert_redirect_to(&resp, "/home");
        assert_signed_in(&app, &b).await;
    }
    // The address exactly as the probe sent it.
    let b = app.browser();
    let resp = b
        .client
        .get(app.url("/signin?returnUrl=/%01abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
}

#[tokio::test]
async fn a_stored_return_path_that_is_not_plain_is_not_followed() {
    // A sign-in started before the stricter check: its row holds a control character.
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, Some("/records")).await;
    sqlx::query("UPDATE pending_logins SET return_path = $1")
        .bind("/\u{1}abc")
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = app
        .reply(&b, &started, sign(&app.idp.claims(&started.nonce), 0))
        .await;
    assert_redirect_to(&resp, "/home");
    assert_signed_in(&app, &b).await;
}

#[tokio::test]
async fn an_address_over_the_limit_gets_a_414_page() {
    let app = spawn_app().await;
    let b = app.browser();
    let long = "a".repeat(20 * 1024);
    for path in [
        format!("/signin?returnUrl=/{long}"),
        format!("/records?x={long}"),
        format!("/signin-oidc?code={long}&state=x"),
    ] {
        let resp = b.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(resp.status(), 414, "{:.30}", path);
        assert!(resp.text().await.unwrap().contains("Patient portal"));
    }
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_logins")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0, "nothing was started");
    // An ordinary long-ish address still works.
    let resp = b
        .client
        .get(app.url(&format!("/signin?returnUrl=/{}", "a".repeat(400))))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
}

#[tokio::test]
async fn one_address_may_start_only_so_many_sign_ins_a_minute() {
    let app = spawn_app_with(Options {
        extra_args: vec!["--signin-per-minute=3".into()],
        ..Default::default()
    })
    .await;
    let b = app.browser();
    within_one_rate_window(15).await;
    for _ in 0..3 {
        app.start_signin(&b, None).await;
    }
    let resp = b.client.get(app.url("/signin")).send().await.unwrap();
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    // Until the one-minute window ends.
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(resp.text().await.unwrap().contains("Too many attempts"));
    // Another browser at the same address is limited too: the limit is the address's.
    let other = app.browser();
    let resp = other.client.get(app.url("/signin")).send().await.unwrap();
    assert_eq!(resp.status(), 429);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_logins")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 3, "no row for a refused start");
}

#[tokio::test]
async fn sign_ins_under_way_are_capped() {
    let app = spawn_app_with(Options {
        extra_args: vec!["--pending-signins-max=2".into()],
        ..Default::default()
    })
    .await;
    let b = app.browser();
    let first = app.start_signin(&b, None).await;
    app.start_signin(&b, None).await;
    let resp = b.client.get(app.url("/signin")).send().await.unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().get("retry-after").is_some());
    // A sign-in that comes back frees its place.
    let resp = app
        .reply(&b, &first, sign(&app.idp.claims(&first.nonce), 0))
        .await;
    assert_eq!(resp.status(), 302);
    app.start_signin(&b, None).await;
}

/// A `form_post` reply that says the person cancelled (no code, an error) is carried on to
/// the same-site GET like one with a code, and reads as the cancellation there; a POST with
/// no reply in it at all is refused at once, not carried on.
#[tokio::test]
async fn a_form_post_error_reply_is_carried_on_and_an_empty_one_is_refused_at_once() {
    let app = spawn_app_with(Options {
        response_mode: "form_post",
        ..Default::default()
    })
    .await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let (post, get) = app
        .form_post_reply(
            &b,
            &[
                ("error", "access_denied"),
                (
                    "error_description",
                    "AADB2C90091: The user has cancelled entering self-asserted information.",
                ),
                ("state", started.state.as_str()),
            ],
        )
        .await;
    assert_eq!(
        (post.status().as_u16(), location(&post)),
        (303, "/signin-oidc")
    );
    assert_redirect_to(&get.expect("sent on by GET"), "/?notice=cancelled");

    let (post, get) = app.form_post_reply(&b, &[]).await;
    assert_eq!(post.status(), 400, "nothing to carry on");
    assert!(get.is_none());
}

/// A reply too long for a cookie (browsers keep 4 096 bytes with the name and attributes) is
/// finished on the POST itself, as before the GET existed, rather than lost in a cookie the
/// browser would drop.
#[tokio::test]
async fn a_form_post_reply_too_long_for_a_cookie_is_finished_on_the_post() {
    let app = spawn_app_with(Options {
        response_mode: "form_post",
        ..Default::default()
    })
    .await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let long = format!(
        "AADB2C90091: The user has cancelled entering self-asserted information.{}",
        " ".repeat(3_600)
    );
    let (post, get) = app
        .form_post_reply(
            &b,
            &[
                ("error", "access_denied"),
                ("error_description", long.as_str()),
                ("state", started.state.as_str()),
            ],
        )
        .await;
    assert!(get.is_none(), "not carried on: {}", post.status());
    assert_redirect_to(&post, "/?notice=cancelled");
}

/// Limits hold across instances (#28): two portals on one PostgreSQL database allow one
/// address the sign-in limit once, not once each, and `/smart/authorize` is limited too.
#[tokio::test]
async fn two_instances_on_postgres_allow_an_address_the_limit_once() {
    let Some(pg) = Postgres::connect("PostgreSQL limit test").await else {
        return;
    };
    let (name, url) = pg.create_database("portal_limits").await;
    let key_dir = tempfile::tempdir().unwrap();
    let key_file = key_dir.path().join("audit.key");
    std::fs::write(&key_file, "42".repeat(32)).unwrap();
    let options = || Options {
        database_url: Some(url.clone()),
        extra_args: vec![
            "--signin-per-minute=4".into(),
            format!("--audit-key-file={}", key_file.display()),
        ],
        ..Default::default()
    };
    let a = spawn_app_with(options()).await;
    let b = spawn_app_with(options()).await;
    within_one_rate_window(15).await;

    // Act: six sign-in starts from one address, alternating between the instances.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let app = if i % 2 == 0 { &a } else { &b };
        let browser = app.browser();
        let resp = browser.client.get(app.url("/signin")).send().await.unwrap();
        statuses.push(resp.status().as_u16());
    }
    // And the authorization endpoint, its own count: four pass (to the 400 of no client),
    // the fifth is refused on either instance.
    let mut authorize = Vec::new();
    for i in 0..5 {
        let app = if i % 2 == 0 { &a } else { &b };
        let resp = app
            .browser()
            .client
            .get(app.url("/smart/authorize"))
            .send()
            .await
            .unwrap();
        authorize.push(resp.status().as_u16());
    }

    // Assert
    assert_eq!(
        statuses,
        [302, 302, 302, 302, 429, 429],
        "one limit for both"
    );
    assert_eq!(authorize, [400, 400, 400, 400, 429], "{authorize:?}");
    pg.drop_database(&name).await;
}
