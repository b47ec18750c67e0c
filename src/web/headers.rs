//! Security headers on every response, error pages included. Pages that show identity or
//! records are `no-store`; only `/assets/*` may be cached, and it says so itself.

use actix_web::middleware::DefaultHeaders;

/// The policy for every page. Forms may go only to the portal and to the identity provider
/// (sign-out and break-the-glass redirect there after a POST), named by its origin.
pub fn csp(identity_provider_origin: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
form-action 'self' {identity_provider_origin}; frame-ancestors 'none'; base-uri 'none'"
    )
}

pub fn security_headers(identity_provider_origin: &str) -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("Content-Security-Policy", csp(identity_provider_origin)))
        .add((
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ))
        .add(("Cache-Control", "no-store"))
}
