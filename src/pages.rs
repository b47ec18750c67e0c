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
        Some("cancelled") => Some(crate::i18n::tr(
            crate::i18n::current(),
            "landing-sign-in-cancelled",
        )),
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
                    // The stored role is a claim value ("Clinician"); the page names it in
                    // the page's language.
                    "role": crate::i18n::tr(
                        crate::i18n::current(),
                        match u.role {
                            Some("Clinician") => "access-role-clinician",
                            _ => "access-role-patient",
                        },
                    ),
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

/// Ready when the database answers and audited writes can commit: every record page needs
/// its audit entry first, so a portal that cannot write one serves nothing but 503s. The body
/// says why, without database text (it is public).
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let why = if !crate::db::ping(&state.pool).await {
        Some("database unreachable".to_string())
    } else {
        crate::audit::readiness(&state.pool).await.err()
    };
    match why {
        None => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready"),
        Some(why) => {
            tracing::warn!(reason = %why, "not ready");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body(format!("not ready: {why}"))
        }
    }
}
