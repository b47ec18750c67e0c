//! CORS as SMART App Launch expects it: a browser-only app on its own origin may call
//! discovery, the token endpoints, the JWKS and the FHIR API, never a cookie-authenticated
//! page. Our HTTP client does not enforce CORS; it reads the headers a browser would act on,
//! and `.ci/run`'s browser journey runs the official JS client against them in Chromium.

use crate::support::*;

const APP: &str = "http://127.0.0.1:5173";

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    resp.headers().get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn an_apps_page_may_preflight_and_read_the_smart_and_fhir_endpoints() {
    let app = spawn_app().await;
    let client = app.browser().client;
    for path in [
        "/fhir/r4/Patient",
        "/fhir/r4/metadata",
        "/smart/token",
        "/smart/revoke",
        "/smart/introspect",
    ] {
        let resp = client
            .request(reqwest::Method::OPTIONS, app.url(path))
            .header("Origin", APP)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 204, "{path}");
        assert_eq!(
            header(&resp, "access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
        let allowed = header(&resp, "access-control-allow-headers")
            .unwrap()
            .to_ascii_lowercase();
        assert!(allowed.contains("authorization"), "{path}: {allowed}");
        assert!(allowed.contains("content-type"), "{path}: {allowed}");
        assert_eq!(
            header(&resp, "access-control-allow-credentials"),
            None,
            "{path}"
        );
    }
    for path in [
        "/.well-known/smart-configuration",
        "/fhir/r4/.well-known/smart-configuration",
        "/fhir/r4/metadata",
        "/smart/jwks",
    ] {
        let resp = client
            .get(app.url(path))
            .header("Origin", APP)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(
            header(&resp, "access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
        assert_eq!(
            header(&resp, "access-control-allow-credentials"),
            None,
            "{path}"
        );
    }
    // Refusals are readable too: the app must see the OAuth error and the 401's reason.
    let resp = client
        .post(app.url("/smart/token"))
        .header("Origin", APP)
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("grant_type", "authorization_code"), ("code", "nope")])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
    assert_eq!(header(&resp, "access-control-allow-origin"), Some("*"));
    let resp = client
        .get(app.url("/fhir/r4/Patient"))
        .header("Origin", APP)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(header(&resp, "access-control-allow-origin"), Some("*"));
    let exposed = header(&resp, "access-control-expose-headers").unwrap();
    assert!(exposed.contains("WWW-Authenticate"), "{exposed}");
}

#[tokio::test]
async fn no_cookie_authenticated_page_or_request_is_ever_cross_origin() {
    let app = spawn_app().await;
    let b = signed_in(&app, &PATIENT_A).await;
    for path in [
        "/account",
        "/smart/authorize",
        "/smart/consent",
        "/records",
        "/",
    ] {
        let resp = b
            .client
            .get(app.url(path))
            .header("Origin", APP)
            .send()
            .await
            .unwrap();
        assert_eq!(header(&resp, "access-control-allow-origin"), None, "{path}");
        let resp = b
            .client
            .request(reqwest::Method::OPTIONS, app.url(path))
            .header("Origin", APP)
            .header("Access-Control-Request-Method", "POST")
            .send()
            .await
            .unwrap();
        assert_eq!(header(&resp, "access-control-allow-origin"), None, "{path}");
    }
    // A request that carries the portal's session cookie gets no CORS headers, even on the
    // API's paths: a page elsewhere must never read anything the cookie could unlock.
    let resp = b
        .client
        .get(app.url("/fhir/r4/metadata"))
        .header("Origin", APP)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "access-control-allow-origin"), None);
}
