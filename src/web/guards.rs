//! Checks every request passes before any route or session sees it: the length of the
//! address, and where a state-changing request comes from.
//!
//! The origin check is defence in depth beside the CSRF token: a POST (or any unsafe method)
//! whose `Origin` is another site, or whose `Sec-Fetch-Site` says cross-site, is refused
//! before it reaches a handler. Only the sign-in reply may come from the identity provider
//! (B2C's `form_post` is a cross-site POST). Requests with neither header (non-browser
//! clients, very old browsers) are left to the CSRF token.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::web;
use tera::Context;

use super::errors::error_page;

/// The longest request target (path and query) we serve. Our own addresses are short; a
/// B2C reply (`code`, `state`) stays well below this.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// What `web::request_line` makes of a target too long for actix-web to parse;
/// `limit_uri_length` answers it with the 414 page. Here, not there, so that the guard and the
/// connection reader do not import each other.
pub const TOO_LONG_PATH: &str = "/.uri-too-long";

/// Who may send state-changing requests: the portal's own origin, and for the sign-in reply
/// also the identity provider's.
#[derive(Debug, Clone)]
pub struct AllowedOrigins {
    pub portal: String,
    pub identity_provider: String,
    pub callback_path: String,
}

/// `414` for an address over `MAX_URI_BYTES`, as a page, before anything parses its query.
pub async fn limit_uri_length(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let len = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().len())
        .unwrap_or(0);
    // Targets too long for actix-web to parse arrive as TOO_LONG_PATH (web::request_line).
    if len > MAX_URI_BYTES || req.path() == TOO_LONG_PATH {
        let resp = error_page(
            StatusCode::URI_TOO_LONG,
            &crate::i18n::tr(crate::i18n::current(), "error-too-long-title"),
            &crate::i18n::tr(crate::i18n::current(), "error-too-long"),
            Context::new(),
        );
        return Ok(req.into_response(resp));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Refuses a state-changing request that a browser says came from another site.
pub async fn same_origin_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method().is_safe() {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let allowed = req.app_data::<web::Data<AllowedOrigins>>().cloned();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or("invalid").to_string())
    };
    let ok = match allowed {
        // Deny by default: without the configuration nothing unsafe passes.
        None => false,
        Some(allowed) => origin_allowed(
            &allowed,
            req.path(),
            header("origin").as_deref(),
            header("sec-fetch-site").as_deref(),
        ),
    };
    if !ok {
        tracing::warn!(path = req.path(), "cross-site request refused");
        let resp = error_page(
            StatusCode::FORBIDDEN,
            &crate::i18n::tr(crate::i18n::current(), "error-cross-site-title"),
            &crate::i18n::tr(crate::i18n::current(), "error-cross-site"),
            Context::new(),
        );
        return Ok(req.into_response(resp));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn origin_allowed(
    allowed: &AllowedOrigins,
    path: &str,
    origin: Option<&str>,
    fetch_site: Option<&str>,
) -> bool {
    // An app's token, revocation and introspection requests carry no cookie: the client's
    // credentials and PKCE verifier authenticate them, so another site sending them is the
    // normal case (a browser-based SMART app) and not a forgery. An authorization request
    // may be POSTed by the app's page (SMART App Launch): it only parks the request and
    // sends the browser to the consent page, exactly as its GET does.
    if matches!(
        path,
        "/smart/token" | "/smart/revoke" | "/smart/introspect" | "/smart/authorize"
    ) {
        return true;
    }
    // A SMART Health Link's manifest is POSTed by the recipient's viewer from its own site
    // (#30); it carries no cookie and the link is its only credential.
    if path.starts_with("/shl/") {
        return true;
    }
    let is_reply = path == allowed.callback_path;
    match (origin, fetch_site) {
        // The browser itself says the request comes from our own pages. Under our
        // `Referrer-Policy: no-referrer` a browser names the origin of a form POST `null`, even
        // a same-origin one, so `Sec-Fetch-Site` is what identifies our own forms.
        (_, Some("same-origin")) => true,
        (Some(o), _) if o == allowed.portal => true,
        // The provider's page sends the form_post reply (as `null` under its `no-referrer`
        // policy). The reply is still bound to this browser's state.
        (Some(o), _) if is_reply => o == allowed.identity_provider || o == "null",
        // A browser too old to send Sec-Fetch-Site: the CSRF token decides.
        (Some("null"), None) => true,
        (Some(_), _) => false,
        (None, None) => true,
        (None, Some(_)) => is_reply,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> AllowedOrigins {
        AllowedOrigins {
            portal: "https://portal.example".into(),
            identity_provider: "https://tenant.b2clogin.com".into(),
            callback_path: "/signin-oidc".into(),
        }
    }

    #[test]
    fn only_the_portal_may_post_and_the_provider_only_the_reply() {
        let a = allowed();
        let portal = Some("https://portal.example");
        let idp = Some("https://tenant.b2clogin.com");
        assert!(origin_allowed(&a, "/signout", portal, None));
        assert!(!origin_allowed(
            &a,
            "/signout",
            Some("https://evil.example"),
            None
        ));
        assert!(!origin_allowed(&a, "/signout", idp, None));
        assert!(!origin_allowed(
            &a,
            "/signout",
            Some("null"),
            Some("cross-site")
        ));
        // A same-origin form under `no-referrer`: Chromium sends `Origin: null`.
        assert!(origin_allowed(
            &a,
            "/signout",
            Some("null"),
            Some("same-origin")
        ));
        assert!(!origin_allowed(
            &a,
            "/signout",
            Some("https://evil.example"),
            Some("same-site")
        ));
        assert!(!origin_allowed(
            &a,
            "/signout",
            Some("https://portal.example.evil"),
            None
        ));
        assert!(!origin_allowed(&a, "/signout", None, Some("cross-site")));
        assert!(!origin_allowed(&a, "/signout", None, Some("same-site")));
        assert!(origin_allowed(&a, "/signout", None, Some("same-origin")));
        assert!(origin_allowed(&a, "/signout", None, None));
        assert!(origin_allowed(&a, "/signin-oidc", idp, Some("cross-site")));
        assert!(origin_allowed(&a, "/signin-oidc", Some("null"), None));
        assert!(!origin_allowed(
            &a,
            "/signin-oidc",
            Some("https://evil.example"),
            None
        ));
    }

    #[test]
    fn apps_may_call_the_token_endpoints_from_their_own_site() {
        let a = allowed();
        let app = Some("https://coach.example");
        assert!(origin_allowed(&a, "/smart/token", app, Some("cross-site")));
        assert!(origin_allowed(&a, "/smart/revoke", app, Some("cross-site")));
        assert!(origin_allowed(
            &a,
            "/smart/introspect",
            app,
            Some("cross-site")
        ));
        // SMART App Launch lets an app's page POST its authorization request.
        assert!(origin_allowed(
            &a,
            "/smart/authorize",
            app,
            Some("cross-site")
        ));
        assert!(!origin_allowed(
            &a,
            "/smart/consent",
            app,
            Some("cross-site")
        ));
    }
}
