//! Security headers on every response, error pages included; the session cookie's flags.

use crate::support::*;

fn assert_security_headers(resp: &reqwest::Response, what: &str) {
    let h = resp.headers();
    let csp = h
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{what}: {csp}"
    );
    assert!(h.get("strict-transport-security").is_some(), "{what}: HSTS");
    assert_eq!(
        h.get("x-content-type-options").unwrap(),
        "nosniff",
        "{what}"
    );
    assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer", "{what}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let b = app.browser();
    for path in [
        "/",
        "/healthz",
        "/signin",
        "/account",
        "/signin-oidc?state=bogus&code=x",
        "/assets/portal.css",
    ] {
        let resp = b.client.get(app.url(path)).send().await.unwrap();
        assert_security_headers(&resp, path);
    }
    app.sign_in(&b).await;
    for path in ["/account", "/records", "/nope", "/staff"] {
        let resp = b.client.get(app.url(path)).send().await.unwrap();
        assert_security_headers(&resp, path);
        assert_eq!(
            resp.headers().get("cache-control").unwrap(),
            "no-store",
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_session_cookie_is_host_only_secure_http_only_and_lax() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let resp = app
        .reply(&b, &started, sign(&app.idp.claims(&started.nonce), 0))
        .await;
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-portal-session="))
        .expect("session cookie set at sign-in")
        .to_string();
    for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
}

#[tokio::test]
async fn forms_may_go_only_to_the_portal_and_the_identity_provider() {
    let app = spawn_app().await;
    let b = app.browser();
    let resp = b.client.get(app.url("/")).send().await.unwrap();
    let csp = resp.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains(&format!("form-action 'self' {};", app.idp.instance())),
        "{csp}"
    );
    assert!(
        !csp.contains("https:;"),
        "no scheme-wide form target: {csp}"
    );
}

async fn sign_out_with(app: &TestApp, b: &Browser, headers: &[(&str, &str)]) -> reqwest::Response {
    let page = assert_signed_in(app, b).await;
    let mut req = b
        .client
        .post(app.url("/signout"))
        .form(&[("csrf_token", csrf_in(&page))]);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_post_from_another_site_is_refused_even_with_the_csrf_token() {
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    let idp = app.idp.instance();
    for headers in [
        vec![("Origin", "https://evil.example")],
        vec![("Origin", "null"), ("Sec-Fetch-Site", "cross-site")],
        vec![("Origin", idp.as_str())],
        vec![("Sec-Fetch-Site", "cross-site")],
        vec![("Sec-Fetch-Site", "same-site")],
    ] {
        let resp = sign_out_with(&app, &b, &headers).await;
        assert_eq!(resp.status(), 403, "{headers:?}");
        assert!(resp.text().await.unwrap().contains("another site"));
        assert_signed_in(&app, &b).await;
    }
    let origin = app.url("");
    let resp = sign_out_with(
        &app,
        &b,
        &[
            ("Origin", origin.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 302);
    assert_signed_out(&app, &b).await;
}

#[tokio::test]
async fn a_form_of_our_own_is_accepted_although_the_browser_names_its_origin_null() {
    // Under `Referrer-Policy: no-referrer` Chromium sends `Origin: null` with every form POST,
    // same-origin ones too; `Sec-Fetch-Site: same-origin` says where it came from.
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    let resp = sign_out_with(
        &app,
        &b,
        &[("Origin", "null"), ("Sec-Fetch-Site", "same-origin")],
    )
    .await;
    assert_eq!(resp.status(), 302);
    assert_signed_out(&app, &b).await;
}

#[tokio::test]
async fn the_form_post_reply_may_come_from_the_identity_provider_only() {
    let app = spawn_app_with(Options {
        response_mode: "form_post",
        ..Default::default()
    })
    .await;
    let post_reply = |b: &Browser, state: String, origin: String| {
        let url = app.url("/signin-oidc");
        let client = b.client.clone();
        async move {
            client
                .post(url)
                .header("Origin", origin)
                .header("Sec-Fetch-Site", "cross-site")
                .form(&[("code", "abc"), ("state", state.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let resp = post_reply(&b, started.state.clone(), "https://evil.example".into()).await;
    assert_eq!(resp.status(), 403);
    assert_signed_out(&app, &b).await;

    for origin in [app.idp.instance(), "null".to_string()] {
        let b = app.browser();
        let started = app.start_signin(&b, None).await;
        app.idp.hand_out(sign(&app.idp.claims(&started.nonce), 0));
        let resp = post_reply(&b, started.state.clone(), origin).await;
        // Sent on to a same-site GET that finishes the sign-in (see signin.rs).
        assert_eq!(
            (resp.status().as_u16(), location(&resp)),
            (303, "/signin-oidc")
        );
        let resp = b.client.get(app.url("/signin-oidc")).send().await.unwrap();
        assert_redirect_to(&resp, "/home");
        assert_signed_in(&app, &b).await;
    }
}
