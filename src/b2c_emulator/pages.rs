//! HTML of the emulator: rendering pages (templates in `templates`), static files, the
//! Content-Security-Policy, `/healthz`.
//!
//! Owns: the Tera instance built from templates/b2c_emulator (names end in .html so every value is
//! escaped), the stylesheet and the one external script (auto-submit of form_post). Never: inline
//! script or style, so the CSP can forbid them.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

pub(crate) use super::errors::error_page;
use super::errors::EmulatorError;
use super::templates;
use super::tenant::{AppRegistration, Tenant};

const STYLESHEET: &str = include_str!("../../assets/b2c_emulator/b2c.css");
const FORM_POST_SCRIPT: &str = include_str!("../../assets/b2c_emulator/form_post.js");

pub(crate) fn render(
    status: StatusCode,
    name: &str,
    ctx: &tera::Context,
) -> Result<HttpResponse, EmulatorError> {
    let html =
        templates::render(name, ctx).map_err(|e| EmulatorError::Internal(anyhow::anyhow!(e)))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// Scripts and styles from our origin only; forms may post to ourselves and to the app's
/// registered URIs (form_post, and redirects that follow our own form posts).
pub(crate) fn content_security_policy(app: &AppRegistration) -> String {
    let mut origins: Vec<String> = app
        .redirect_uris
        .iter()
        .chain(&app.post_logout_redirect_uris)
        .filter_map(|u| url::Url::parse(u).ok())
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null")
        .collect();
    origins.sort();
    origins.dedup();
    let mut form_action = String::from("'self'");
    for origin in origins {
        form_action.push(' ');
        form_action.push_str(&origin);
    }
    format!(
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
         form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    )
}

pub(crate) async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(STYLESHEET)
}

pub(crate) async fn form_post_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(FORM_POST_SCRIPT)
}

pub(crate) async fn healthz(tenant: web::Data<Tenant>) -> Result<HttpResponse, EmulatorError> {
    sqlx::query("SELECT 1").execute(&tenant.db).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok"))
}

pub(crate) async fn not_found() -> HttpResponse {
    error_page(
        StatusCode::NOT_FOUND,
        &super::i18n::Text::new("emu-page-not-found"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_and_escape() {
        let tera = templates::build_templates().unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("message", "<script>x</script>");
        ctx.insert("correlation_id", "c");
        ctx.insert("timestamp", "t");
        // `templates::render` puts the language in every context (#31); so does this test.
        ctx.insert("lang", "en");
        let html = tera.render("error.html", &ctx).unwrap();
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("<main"));
    }

    #[test]
    fn csp_allows_forms_to_registered_origins_only() {
        let app = AppRegistration {
            client_id: "c".into(),
            client_secret: "s".into(),
            redirect_uris: vec!["https://localhost:8443/signin-oidc".into()],
            post_logout_redirect_uris: vec!["https://localhost:8443/signout-callback-oidc".into()],
        };
        let csp = content_security_policy(&app);
        assert!(csp.contains("form-action 'self' https://localhost:8443;"));
        assert!(csp.contains("script-src 'self'"));
        assert!(!csp.contains("unsafe-inline"));
    }
}
