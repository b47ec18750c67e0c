//! Deny by default: every route needs a live session unless it is on the short public list
//! below. The gate also enforces the idle and absolute timeouts on the server, so an old
//! cookie stops working even if the browser keeps it.
//!
//! A session that ended without a sign-out (timed out, or gone) leaves a flag in the browser
//! (`pending::REAUTH_COOKIE`): the next sign-in there asks for the password again
//! (`prompt=login`) instead of riding the identity provider's single sign-on session.

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

use super::{pending, session};
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::state::AppState;

fn is_public(path: &str, state: &AppState) -> bool {
    matches!(
        path,
        "/" | "/signin" | "/healthz" | "/readyz" | "/password/reset" | "/language"
    ) || path == state.settings.callback_path
        || path == state.settings.signed_out_callback_path
        || path.starts_with("/assets/")
        || is_bearer_or_public_smart(path)
}

/// SMART discovery, the JWKS, the authorization request check and the token/revocation
/// endpoints need no session; the FHIR API authenticates by bearer token in its own extractor
/// (`fhir_api::bearer`), which denies by default. Consent (`/smart/consent`) stays gated.
fn is_bearer_or_public_smart(path: &str) -> bool {
    path == "/smart/authorize" || is_app_endpoint(path)
}

/// What an app calls itself, never a browser page: discovery, the token, revocation and
/// introspection endpoints, the JWKS and the FHIR API. They authenticate by client, PKCE or
/// bearer token and never by cookie, which is also why they alone answer CORS (`web::cors`).
pub fn is_app_endpoint(path: &str) -> bool {
    matches!(
        path,
        "/.well-known/smart-configuration"
            | "/smart/token"
            | "/smart/revoke"
            | "/smart/introspect"
            | "/smart/jwks"
            | "/fhir/r4"
            // SMART Health Links and Cards (#30): the manifest and its downloads (the link
            // itself is the credential), and the cards' issuer keys.
            | "/.well-known/jwks.json"
    ) || path.starts_with("/fhir/r4/")
        || path.starts_with("/shl/")
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
        let mut resp = signin_redirect(&path);
        if req.cookie(session::COOKIE_NAME).is_some() {
            // A session cookie without a live session: timed out, swept or revoked.
            add_reauth(&mut resp);
        }
        return Ok(req.into_response(resp));
    };
    let now = crate::db::now();
    let idle = state.settings.session_idle.as_secs() as i64;
    let max = state.settings.session_max.as_secs() as i64;
    // The last activity of a live session; None when it timed out (or lacks its times).
    let live = session::times(&session)
        .filter(|(created, last)| now - last <= idle && now - created <= max)
        .map(|(_, last)| last);
    let last = match live {
        Some(last) => last,
        None => {
            let meta = RequestMeta::of(req.request(), state.settings.behind_proxy);
            let entry = meta.entry(Actor::user(&user), Action::SessionTimeout, Outcome::Success);
            // Unaudited, the timeout does not happen either: the 503 page, and the next request
            // tries again.
            audit::append(&state.pool, &entry)
                .await
                .map_err(crate::web::AppError::from)?;
            tracing::info!(subject = %user.subject, "session timed out");
            session.purge();
            let mut resp = signin_redirect(&path);
            add_reauth(&mut resp);
            return Ok(req.into_response(resp));
        }
    };
    session::touch(&session, last, now);
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn add_reauth(resp: &mut HttpResponse) {
    if let Err(e) = resp.add_cookie(&pending::reauth_cookie()) {
        tracing::error!(error = %e, "could not set the re-authentication flag");
    }
}
