//! Security headers on every response, error pages included. Pages that show identity or
//! records are `no-store`; only `/assets/*` may be cached, and it says so itself.

use actix_web::middleware::DefaultHeaders;

/// The policy for every page. Forms may go only to the portal and to the identity provider
/// (sign-out and break-the-glass redirect there after a POST), named by its origin.
pub fn csp(identity_provider_origin: &str) -> String {
    csp_with_form_target(identity_provider_origin, None)
}

/// The policy of a page whose form ends, after our own 302, at one more place: the SMART
/// consent page sends the patient back to the app's registered redirect URI. Browsers apply
/// `form-action` to every redirect of a form's navigation, so without that target "Allow"
/// and "Do not allow" stop on the consent page. Only that one page names it.
pub fn csp_with_form_target(identity_provider_origin: &str, extra: Option<&str>) -> String {
    let extra = extra.map(|e| format!(" {e}")).unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
form-action 'self' {identity_provider_origin}{extra}; frame-ancestors 'none'; base-uri 'none'"
    )
}

/// The CSP source expression that lets a form's redirect reach `uri`: its origin for http(s),
/// its scheme for a native app's private-use scheme (RFC 8252, `com.example.app:/cb`). `None`
/// for anything that is neither, or that could smuggle another directive into the header.
pub fn form_target_source(uri: &str) -> Option<String> {
    let parsed = url::Url::parse(uri).ok()?;
    let source = match parsed.scheme() {
        "https" | "http" => {
            let origin = parsed.origin();
            origin.is_tuple().then(|| origin.ascii_serialization())?
        }
        scheme => format!("{scheme}:"),
    };
    source
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-.:/[]_".contains(&b))
        .then_some(source)
}

pub fn security_headers(identity_provider_origin: &str) -> DefaultHeaders {
    SecurityHeaders::new(identity_provider_origin)
        .pairs
        .into_iter()
        .fold(DefaultHeaders::new(), |headers, pair| headers.add(pair))
}

/// The same headers as data, for a response that leaves as an error (see
/// `errors::no_bare_errors`): `DefaultHeaders` adds nothing to an `Err` out of the service.
#[derive(Clone)]
pub struct SecurityHeaders {
    pairs: Vec<(&'static str, String)>,
}

impl SecurityHeaders {
    pub fn new(identity_provider_origin: &str) -> Self {
        let pairs = vec![
            ("Content-Security-Policy", csp(identity_provider_origin)),
            (
                "Strict-Transport-Security",
                "max-age=31536000; includeSubDomains".to_string(),
            ),
            ("X-Content-Type-Options", "nosniff".to_string()),
            ("X-Frame-Options", "DENY".to_string()),
            ("Referrer-Policy", "no-referrer".to_string()),
            ("Cross-Origin-Opener-Policy", "same-origin".to_string()),
            (
                "Permissions-Policy",
                "camera=(), microphone=(), geolocation=()".to_string(),
            ),
            ("Cache-Control", "no-store".to_string()),
        ];
        SecurityHeaders { pairs }
    }

    /// Sets each header on `response`, replacing what it had.
    pub fn apply(&self, response: &mut actix_web::HttpResponse) {
        use actix_web::http::header::{HeaderName, HeaderValue};
        for (name, value) in &self.pairs {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_target_is_the_origin_or_the_private_scheme_and_nothing_else() {
        assert_eq!(
            form_target_source("https://app.example.org:8443/cb?x=1").as_deref(),
            Some("https://app.example.org:8443")
        );
        assert_eq!(
            form_target_source("http://127.0.0.1:5173/callback").as_deref(),
            Some("http://127.0.0.1:5173")
        );
        assert_eq!(
            form_target_source("com.example.app:/cb").as_deref(),
            Some("com.example.app:")
        );
        assert_eq!(form_target_source("not a url"), None);
    }

    #[test]
    fn only_the_page_that_names_a_form_target_allows_it() {
        let plain = csp("https://idp.example");
        assert!(plain.contains("form-action 'self' https://idp.example;"));
        let consent = csp_with_form_target("https://idp.example", Some("https://app.example"));
        assert!(consent.contains("form-action 'self' https://idp.example https://app.example;"));
        assert!(consent.contains("script-src 'self';"));
        assert!(consent.contains("frame-ancestors 'none'"));
    }
}
