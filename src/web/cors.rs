//! CORS for the endpoints a browser-only SMART app calls from its own origin: discovery, the
//! token, revocation and introspection endpoints, the JWKS, and the FHIR API. SMART App Launch
//! expects any origin to reach them; they authenticate by bearer token, client credentials or
//! PKCE, never by cookie, so `Access-Control-Allow-Origin: *` with no credentials gives a
//! page nothing a script on any site could not already get with `curl`.
//!
//! It must never apply to the portal's pages and forms (cookie-authenticated): those paths
//! are not on the list, and a request that carries the portal's session cookie gets no CORS
//! headers even on a listed path.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::HttpResponse;

use crate::auth::session::COOKIE_NAME;

/// What a preflight may ask for: `Authorization` (the bearer token, or a confidential
/// client's Basic credentials), the form and FHIR content types, FHIR's `Prefer`.
const ALLOW_HEADERS: &str = "Authorization, Content-Type, Accept, Prefer, If-None-Match";
const ALLOW_METHODS: &str = "GET, POST, OPTIONS";
/// What a client may read back: paging and versioning, the reason for a 401, a 429's wait.
const EXPOSE_HEADERS: &str =
    "Location, Content-Location, ETag, Last-Modified, WWW-Authenticate, Retry-After";

/// The paths an app's page may call across origins: the gate's app endpoints, the very ones
/// that authenticate without cookies (`/smart/authorize` is not one: the browser goes there).
pub fn applies_to(path: &str) -> bool {
    crate::auth::gate::is_app_endpoint(path)
}

fn carries_portal_cookie(req: &ServiceRequest) -> bool {
    req.cookie(COOKIE_NAME).is_some()
}

/// Answers a preflight itself (before the gate, the origin check or any route) and marks
/// every other response on a listed path as readable by any origin.
pub async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !applies_to(req.path()) || carries_portal_cookie(&req) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let is_preflight = req.method() == Method::OPTIONS
        && req.headers().contains_key(header::ORIGIN)
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if is_preflight {
        let resp = HttpResponse::NoContent()
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
            .finish();
        return Ok(req.into_response(resp));
    }
    let mut resp = next.call(req).await?.map_into_boxed_body();
    let headers = resp.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::applies_to;

    #[test]
    fn only_the_app_facing_endpoints_are_cross_origin() {
        for path in [
            "/.well-known/smart-configuration",
            "/fhir/r4",
            "/fhir/r4/metadata",
            "/fhir/r4/.well-known/smart-configuration",
            "/fhir/r4/Observation",
            "/smart/token",
            "/smart/revoke",
            "/smart/introspect",
            "/smart/jwks",
            "/shl/AbC-123_x",
            "/shl/file/AbC-123_x",
            "/.well-known/jwks.json",
        ] {
            assert!(applies_to(path), "{path}");
        }
        for path in [
            "/",
            "/account",
            "/records",
            "/smart/authorize",
            "/smart/consent",
            "/fhir/r4x",
            "/signin-oidc",
            "/staff/patients",
            "/share",
            "/share/new",
            "/share/revoke",
            "/shl",
        ] {
            assert!(!applies_to(path), "{path}");
        }
    }
}
