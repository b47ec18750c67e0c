//! The public pages: landing, health and readiness.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::session;
use crate::state::AppState;
use crate::web::page::page_context;
use crate::web::templates;

#[derive(Deserialize)]
pub struct LandingQuery {
    notice: Option<String>,
}

/// `GET /`: what the portal is, and a Sign in button.
pub async fn landing(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<LandingQuery>,
) -> HttpResponse {
    let user = session::user(&session);
    let mut ctx = page_context(user.as_ref().map(|u| (u, &session)), &state);
    // Only known notices are shown; the query never reaches the page as text.
    let notice = match query.notice.as_deref() {
        Some("cancelled") => Some("Sign-in cancelled."),
        _ => None,
    };
    ctx.insert("notice", &notice);
    if state.settings.uses_emulator() {
        let demo: Vec<_> = crate::b2c_emulator::DEMO_USERS
            .iter()
            .map(|u| {
                serde_json::json!({
                    "email": u.email,
                    "password": u.password,
                    "role": u.role.unwrap_or("Patient"),
                })
            })
            .collect();
        ctx.insert("demo_users", &demo);
    }
    templates::page(actix_web::http::StatusCode::OK, "landing.html", &ctx)
}

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// Ready when the database answers.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if crate::db::ping(&state.pool).await {
        HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("database unreachable")
    }
}
