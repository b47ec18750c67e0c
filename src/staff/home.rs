//! `GET /staff`: the clinician's care-team patients and the patient search.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::enter;
use super::search::{self, Query, PAGE_SIZE};
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::auth::Clinician;
use crate::state::AppState;
use crate::web::page::page_context;
use crate::web::{templates, AppError};

#[derive(Debug, Deserialize)]
pub struct HomeQuery {
    q: Option<String>,
    page: Option<String>,
}

/// `GET /staff`.
pub async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    clinician: Clinician,
    query: web::Query<HomeQuery>,
) -> Result<HttpResponse, AppError> {
    enter(&state, &clinician).await?;
    let user = clinician.user();
    let mut ctx = page_context(Some((user, &session)), &state);
    let mut status = StatusCode::OK;
    let q = query.q.as_deref().unwrap_or_default().trim();
    ctx.insert("q", q);
    if !q.is_empty() {
        match Query::parse(q) {
            Err(message) => {
                status = StatusCode::BAD_REQUEST;
                ctx.insert("search_error", message);
            }
            Ok(parsed) => {
                let page = query
                    .page
                    .as_deref()
                    .and_then(|p| p.trim().parse::<i64>().ok())
                    .unwrap_or(1)
                    .clamp(1, search::MAX_PAGE);
                let found = search::search(&state.pool, &parsed, page).await?;
                // Audited before any result leaves: that a search happened and how many it
                // found, never what was typed.
                let meta = RequestMeta::of(&req, state.settings.behind_proxy);
                let mut entry =
                    meta.entry(Actor::user(user), Action::StaffSearch, Outcome::Success);
                entry.detail = Some(format!("results={}", found.total));
                audit::append(&state.pool, &entry).await?;
                let pages = ((found.total + PAGE_SIZE - 1) / PAGE_SIZE).clamp(1, search::MAX_PAGE);
                let link = |p: i64| {
                    format!(
                        "/staff?{}",
                        serde_urlencoded::to_string([("q", q), ("page", &p.to_string())])
                            .unwrap_or_default()
                    )
                };
                ctx.insert("searched", &true);
                ctx.insert("results", &found.rows);
                ctx.insert("total", &found.total);
                ctx.insert("page", &page);
                ctx.insert("pages", &pages);
                ctx.insert("first_shown", &((page - 1) * PAGE_SIZE + 1));
                ctx.insert(
                    "last_shown",
                    &((page - 1) * PAGE_SIZE + found.rows.len() as i64),
                );
                if page > 1 {
                    ctx.insert("prev_url", &link(page - 1));
                }
                if page < pages {
                    ctx.insert("next_url", &link(page + 1));
                }
            }
        }
    }
    let team = search::care_team_patients(&state.pool, &user.subject).await?;
    ctx.insert("care_team", &team);
    Ok(templates::page(status, "staff_home.html", &ctx))
}
