//! Starting a user flow: the sign-in routes and any purpose that needs a fresh sign-in
//! (break-the-glass) send the browser to the identity provider through here.
//!
//! Below the handlers: it imports none of them.

use actix_web::{web, HttpRequest, HttpResponse};

use super::pending::{self, PendingLogin, Purpose};
use super::reason::SignInRefusal;
use super::secrets::hash;
use crate::audit::RequestMeta;
use crate::state::AppState;
use crate::web::rate_limit::{Limits, Refusal};
use crate::web::AppError;

/// Starts a user flow: remembers what the reply must match, binds it to this browser,
/// and redirects to the policy's authorize endpoint.
pub async fn start_flow(
    req: &HttpRequest,
    state: &AppState,
    policy: &str,
    purpose: Purpose,
    return_path: String,
    prompt_login: bool,
) -> Result<HttpResponse, AppError> {
    // Each start costs a database row: one address may start only so many, and all
    // together only so many may be under way.
    let meta = RequestMeta::of(req, state.settings.behind_proxy);
    let limits = req
        .app_data::<web::Data<Limits>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("rate limits missing")))?;
    match limits.signin.check(meta.client_ip.as_deref()).await {
        Ok(()) => {}
        Err(Refusal::Limited(retry_after)) => {
            tracing::warn!(
                reason = SignInRefusal::RateLimited.as_str(),
                "sign-in refused"
            );
            crate::metrics::sign_in_refused(SignInRefusal::RateLimited.as_str());
            return Err(AppError::RateLimited(retry_after));
        }
        Err(Refusal::Store(e)) => return Err(e.into()),
    }
    if pending::live_count(&state.pool).await? >= state.settings.pending_signins_max {
        tracing::warn!(
            reason = SignInRefusal::PendingFull.as_str(),
            "sign-in refused"
        );
        crate::metrics::sign_in_refused(SignInRefusal::PendingFull.as_str());
        return Err(AppError::RateLimited(60));
    }
    let mode = state.settings.response_mode;
    let authorize = state
        .provider
        .authorize(policy, mode.as_str(), prompt_login)
        .await
        .map_err(|e| {
            tracing::error!(reason = e.reason.as_str(), "cannot start sign-in");
            AppError::Unavailable("identity provider unreachable".into())
        })?;
    let (browser, _new) = pending::browser_value(req);
    let login = PendingLogin {
        browser_hash: hash(&browser),
        nonce: authorize.nonce,
        pkce_verifier: authorize.pkce_verifier,
        policy: policy.to_string(),
        // A step-up is only worth its fresh `auth_time` (single sign-on must not answer it).
        fresh_auth_after: (prompt_login && matches!(purpose, Purpose::SignIn | Purpose::StepUp))
            .then(crate::db::now),
        purpose,
        return_path,
    };
    pending::store(&state.pool, &authorize.state, &login).await?;
    Ok(HttpResponse::Found()
        .cookie(pending::correlation_cookie(browser, mode))
        .insert_header(("Location", authorize.url.to_string()))
        .finish())
}
