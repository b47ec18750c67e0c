//! HTML of the emulator: templates (embedded, autoescaped), the error page, static files, the
//! Content-Security-Policy, `/healthz`.
//!
//! Owns: the Tera instance built from templates/b2c_emulator (names end in .html so every value is
//! escaped), the stylesheet and the one external script (auto-submit of form_post). Never: inline
//! script or style, so the CSP can forbid them.

use std::sync::OnceLock;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::errors::EmulatorError;
use super::{AppRegistration, Tenant};

const TEMPLATES: &[(&str, &str)] = &[
    // The labelled-field macros the portal's forms use too.
    (
        "macros/forms.html",
        include_str!("../../templates/macros/forms.html"),
    ),
    (
        "base.html",
        include_str!("../../templates/b2c_emulator/base.html"),
    ),
    (
        "error.html",
        include_str!("../../templates/b2c_emulator/error.html"),
    ),
    (
        "signin.html",
        include_str!("../../templates/b2c_emulator/signin.html"),
    ),
    (
        "signup.html",
        include_str!("../../templates/b2c_emulator/signup.html"),
    ),
    (
        "mfa.html",
        include_str!("../../templates/b2c_emulator/mfa.html"),
    ),
    (
        "reset.html",
        include_str!("../../templates/b2c_emulator/reset.html"),
    ),
    (
        "reset_password.html",
        include_str!("../../templates/b2c_emulator/reset_password.html"),
    ),
    (
        "edit.html",
        include_str!("../../templates/b2c_emulator/edit.html"),
    ),
    (
        "form_post.html",
        include_str!("../../templates/b2c_emulator/form_post.html"),
    ),
    (
        "signed_out.html",
        include_str!("../../templates/b2c_emulator/signed_out.html"),
    ),
    (
        "outbox.html",
        include_str!("../../templates/b2c_emulator/outbox.html"),
    ),
];

const STYLESHEET: &str = include_str!("../../assets/b2c_emulator/b2c.css");
const FORM_POST_SCRIPT: &str = include_str!("../../assets/b2c_emulator/form_post.js");

fn build_templates() -> Result<tera::Tera, String> {
    let mut tera = tera::Tera::default();
    tera.add_raw_templates(TEMPLATES.iter().copied())
        .map_err(|e| format!("{e:?}"))?;
    Ok(tera)
}

fn templates() -> Result<&'static tera::Tera, EmulatorError> {
    static TERA: OnceLock<Result<tera::Tera, String>> = OnceLock::new();
    TERA.get_or_init(build_templates)
        .as_ref()
        .map_err(|e| EmulatorError::Internal(anyhow::anyhow!("emulator templates: {e}")))
}

pub(crate) fn render(
    status: StatusCode,
    name: &str,
    ctx: &tera::Context,
) -> Result<HttpResponse, EmulatorError> {
    let html = templates()?
        .render(name, ctx)
        .map_err(|e| EmulatorError::Internal(anyhow::anyhow!("rendering {name}: {e:?}")))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// B2C's "Sorry, but we're having trouble signing you in" page. Never fails.
pub(crate) fn error_page(status: StatusCode, message: &str) -> HttpResponse {
    let mut ctx = tera::Context::new();
    ctx.insert("message", message);
    ctx.insert("correlation_id", &uuid::Uuid::new_v4().to_string());
    ctx.insert(
        "timestamp",
        &chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string(),
    );
    match render(status, "error.html", &ctx) {
        Ok(response) => response,
        Err(_) => HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(message.to_string()),
    }
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
        "The page you are looking for does not exist on this B2C emulator.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_and_escape() {
        let tera = build_templates().unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("message", "<script>x</script>");
        ctx.insert("correlation_id", "c");
        ctx.insert("timestamp", "t");
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
