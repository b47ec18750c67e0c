//! The bearer-token extractor of the FHIR API: deny by default. A handler that takes
//! `AppToken` runs only for a live access token of a connected, not revoked app, within that
//! token's rate limit. The session cookie plays no part here.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{LazyLock, Mutex};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};

use super::outcome::FhirError;
use crate::auth::hash;
use crate::smart::scopes::Scopes;
use crate::smart::tokens::{self, Grant};
use crate::state::AppState;

pub struct AppToken {
    pub grant: Grant,
    pub scope: Scopes,
}

/// Requests per token in the current one-minute window. Kept in this instance's memory: the
/// limit is per instance, which bounds what one token can draw from each without a database
/// write per request.
static WINDOWS: LazyLock<Mutex<HashMap<String, (i64, u32)>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

const WINDOW: i64 = 60;

/// Counts a request; Err(seconds until the window ends) when over `limit`.
fn count(token_hash: &str, limit: u32, now: i64) -> Result<(), i64> {
    let window = now - now.rem_euclid(WINDOW);
    let Ok(mut map) = WINDOWS.lock() else {
        // A poisoned lock means a panic elsewhere; refuse rather than serve unlimited.
        return Err(WINDOW);
    };
    if map.len() > 10_000 {
        map.retain(|_, (w, _)| *w == window);
    }
    let entry = map.entry(token_hash.to_string()).or_insert((window, 0));
    if entry.0 != window {
        *entry = (window, 0);
    }
    entry.1 += 1;
    if entry.1 > limit {
        Err((window + WINDOW - now).max(1))
    } else {
        Ok(())
    }
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
        let state = req.app_data::<web::Data<AppState>>().cloned();
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
            if let Err(wait) = count(
                &hash(&token),
                state.settings.fhir_rate_limit,
                crate::db::now(),
            ) {
                tracing::info!(client_id = %grant.client_id, "FHIR API rate limit reached");
                return Err(FhirError {
                    retry_after: Some(wait),
                    ..FhirError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "throttled",
                        "Too many requests with this access token. Wait and try again.",
                    )
                });
            }
            Ok(AppToken { grant, scope })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn the_limit_resets_with_the_next_window() {
        let t = 1_800_000_020;
        assert!(count("k-limit", 2, t).is_ok());
        assert!(count("k-limit", 2, t + 1).is_ok());
        assert_eq!(count("k-limit", 2, t + 2), Err(38));
        assert!(count("k-other", 2, t + 2).is_ok());
        assert!(count("k-limit", 2, t + 40).is_ok());
    }
}
