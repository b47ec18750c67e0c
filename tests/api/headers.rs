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
