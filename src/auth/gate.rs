//! Deny by default: every route needs a live session unless it is on the short public list
//! below. The gate also enforces the idle and absolute timeouts on the server, so an old
//! cookie stops working even if the browser keeps it.

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

use super::session;
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::startup::AppState;

fn is_public(path: &str, state: &AppState) -> bool {
    matches!(
        path,
        "/" | "/signin" | "/healthz" | "/readyz" | "/password/reset"
    ) || path == state.settings.callback_path
        || path == state.settings.signed_out_callback_path
        || path.starts_with("/assets/")
}

pub fn signin_redirect(path_and_query: &str) -> HttpResponse {
    let target = format!(
        "/signin?{}",
        serde_urlencoded::to_string([("returnUrl", path_and_query)]).unwrap_or_default()
    );
    HttpResponse::Found()
        .insert_header(("Location", target))
        .finish()
}

pub async fn require_session(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Err(actix_web::error::ErrorInternalServerError(
            "application state missing",
        ));
    };
    if is_public(req.path(), &state) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let session = req.get_session();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let Some(user) = session::user(&session) else {
        return Ok(req.into_response(signin_redirect(&path)));
    };
    let now = crate::db::now();
    let expired = match session::times(&session) {
        Some((created, last)) => {
            now - last > state.settings.session_idle.as_secs() as i64
                || now - created > state.settings.session_max.as_secs() as i64
        }
        None => true,
    };
    if expired {
        let meta = RequestMeta::of(req.request(), state.settings.behind_proxy);
        let entry = meta.entry(Actor::user(&user), Action::SessionTimeout, Outcome::Success);
        // Unaudited, the timeout does not happen either: the 503 page, and the next request
        // tries again.
        audit::append(&state.pool, &entry)
            .await
            .map_err(crate::web::AppError::from)?;
        tracing::info!(subject = %user.subject, "session timed out");
        session.purge();
        return Ok(req.into_response(signin_redirect(&path)));
    }
    session::touch(&session);
    Ok(next.call(req).await?.map_into_boxed_body())
}
