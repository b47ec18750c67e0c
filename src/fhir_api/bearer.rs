//! The bearer-token extractor of the FHIR API: deny by default. A handler that takes
//! `AppToken` runs only for a live access token of a connected, not revoked app, within that
//! token's rate limit. The session cookie plays no part here.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};

use super::outcome::FhirError;
use crate::auth::hash;
use crate::smart::scopes::Scopes;
use crate::smart::tokens::{self, Grant};
use crate::state::AppState;
use crate::web::rate_limit::{Limits, Refusal};

pub struct AppToken {
    pub grant: Grant,
    pub scope: Scopes,
}

fn bearer_value(req: &HttpRequest) -> Result<String, FhirError> {
    let Some(header) = req.headers().get("authorization") else {
        return Err(FhirError::unauthorized(None));
    };
    let value = header
        .to_str()
        .map_err(|_| FhirError::unauthorized(Some("invalid_request")))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| FhirError::unauthorized(Some("invalid_request")))?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.len() > 512 {
        return Err(FhirError::unauthorized(Some("invalid_request")));
    }
    Ok(token.to_string())
}

impl FromRequest for AppToken {
    type Error = FhirError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, FhirError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_value(req);
        let req = req.clone();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let limits = req.app_data::<web::Data<Limits>>().cloned();
        Box::pin(async move {
            let token = token?;
            let state = state.ok_or_else(|| {
                FhirError::new(StatusCode::INTERNAL_SERVER_ERROR, "exception", "no state")
            })?;
            let Some((grant, scope)) = tokens::bearer(&state.pool, &token).await? else {
                tracing::info!(
                    reason = "token_unknown_expired_or_revoked",
                    "FHIR API token refused"
                );
                return Err(FhirError::unauthorized(Some("invalid_token")));
            };
            // An app a proxy connected (#29) stops with the proxy's grant: read now, on every
            // request, never cached.
            if !crate::proxy::apps::connection_holds(&state, &grant).await? {
                tracing::info!(reason = "proxy_grant_ended", "FHIR API token refused");
                return Err(FhirError::unauthorized(Some("invalid_token")));
            }
            let limits = limits.ok_or_else(|| {
                FhirError::new(StatusCode::INTERNAL_SERVER_ERROR, "exception", "no limits")
            })?;
            // Per token, across every instance on PostgreSQL (see web::rate_limit).
            match limits.fhir.check_key(&hash(&token)).await {
                Ok(()) => {}
                Err(Refusal::Limited(wait)) => {
                    tracing::info!(client_id = %grant.client_id, "FHIR API rate limit reached");
                    return Err(FhirError {
                        retry_after: Some(wait as i64),
                        ..FhirError::new(
                            StatusCode::TOO_MANY_REQUESTS,
                            "throttled",
                            "Too many requests with this access token. Wait and try again.",
                        )
                    });
                }
                Err(Refusal::Store(e)) => return Err(e.into()),
            }
            if grant.proxy_grant_id.is_some() {
                // Every read through a proxy's connection names the proxy as actor, committed
                // before anything is read (the chart's own entry names the app).
                proxy_read_entry(&req, &state, &grant).await?;
            }
            Ok(AppToken { grant, scope })
        })
    }
}

/// The audit entry of one FHIR API request of an app a proxy connected: the proxy (the
/// connection's subject) as actor, the patient as subject, the app in the detail.
async fn proxy_read_entry(
    req: &HttpRequest,
    state: &AppState,
    grant: &Grant,
) -> Result<(), FhirError> {
    use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
    let meta = RequestMeta::of(req, state.settings.behind_proxy);
    let actor = Actor {
        subject: Some(grant.subject.clone()),
        role: "proxy".into(),
    };
    let mut entry = meta.entry(actor, Action::AppRead, Outcome::Success);
    entry.patient_id = Some(grant.patient_id.to_string());
    entry.detail = Some(format!("proxy_app {}", grant.client_id));
    audit::append(&state.pool, &entry).await.map_err(|e| {
        tracing::error!(error = %e, "audit write failed; refusing a proxy's app patient data");
        FhirError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "transient",
            "The audit store is unavailable. Try again later.",
        )
    })
}
