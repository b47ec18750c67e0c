//! The public side of a SMART Health Link: the manifest endpoint (`POST /shl/{id}`), the
//! short-lived file downloads it hands out (`GET /shl/file/{token}`), and the health cards'
//! issuer keys (`GET /.well-known/jwks.json`). Public on purpose (the gate lists them) and
//! open to any origin without credentials (`web::cors`), like the FHIR API: a recipient's
//! viewer runs on its own site, and what it gets is encrypted for a key only the link holds.
//!
//! The IG's rules, in order: rate limits (per address, then per link; 429 with
//! `Retry-After`), an unknown, expired, revoked or disabled link is 404 with nothing more, a
//! missing or wrong passcode is 401 with `remainingAttempts` (at none the link is disabled),
//! and every request of a known link is an audit entry the patient sees in their access log,
//! committed before anything is disclosed.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::content::{self, Content};
use super::store::{self, Link};
use super::wrap::WrapKey;
use super::{shc, shl};
use crate::access;
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::records::PatientId;
use crate::state::AppState;
use crate::web::rate_limit::{RateLimiter, Refusal};
use crate::web::AppError;

/// Manifest requests per client address per minute.
pub const PER_ADDRESS_PER_MINUTE: u32 = 30;
/// Manifest requests per link per minute (whoever asks).
pub const PER_LINK_PER_MINUTE: u32 = 10;
/// The longest recipient name kept (the access log shows it).
const MAX_RECIPIENT_CHARS: usize = 80;
/// The largest manifest request body read.
const MAX_BODY_BYTES: usize = 4 * 1024;
/// The audit role of whoever holds a link.
pub const RECIPIENT_ROLE: &str = access::SHARE_RECIPIENT_ROLE;

/// The sharing limits, as app data.
pub struct ShareLimits {
    pub per_address: RateLimiter,
    pub per_link: RateLimiter,
}

impl ShareLimits {
    pub fn new(pool: &crate::db::Pool) -> Self {
        ShareLimits {
            per_address: RateLimiter::new("shl_address", PER_ADDRESS_PER_MINUTE, pool),
            per_link: RateLimiter::new("shl_link", PER_LINK_PER_MINUTE, pool),
        }
    }
}

#[derive(Deserialize)]
struct ManifestRequest {
    recipient: Option<String>,
    passcode: Option<String>,
    #[serde(rename = "embeddedLengthMax")]
    embedded_length_max: Option<u64>,
}

fn json_error(status: actix_web::http::StatusCode, body: serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

fn not_found() -> HttpResponse {
    json_error(
        actix_web::http::StatusCode::NOT_FOUND,
        json!({ "error": "This link does not exist or no longer works." }),
    )
}

fn limited(refusal: Refusal) -> Result<HttpResponse, AppError> {
    match refusal {
        Refusal::Limited(secs) => Ok(HttpResponse::TooManyRequests()
            .insert_header((header::RETRY_AFTER, secs.max(1).to_string()))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(json!({ "error": "Too many requests. Please wait and try again." }))),
        Refusal::Store(e) => Err(AppError::Internal(e.into())),
    }
}

/// The recipient's name as the patient will read it: one line, no control characters, short.
fn clean_recipient(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_RECIPIENT_CHARS)
        .collect::<String>()
        .trim()
        .to_string()
}

/// A link's reference in the audit log: never its id, which is the secret half of its address.
pub fn audit_ref(link_id: &str) -> String {
    store::token_hash(link_id)[..12].to_string()
}

async fn audit_opening(
    state: &AppState,
    req: &HttpRequest,
    link: &Link,
    outcome: Outcome,
    detail: String,
) -> Result<(), AppError> {
    let meta = RequestMeta::of(req, state.settings.behind_proxy);
    let actor = Actor {
        subject: None,
        role: RECIPIENT_ROLE.into(),
    };
    let mut entry = meta.entry(actor, Action::ShareLinkOpened, outcome);
    entry.patient_id = Some(link.patient_id.clone());
    entry.detail = Some(detail);
    audit::append(&state.pool, &entry).await?;
    Ok(())
}

fn client(req: &HttpRequest, state: &AppState) -> Option<String> {
    RequestMeta::of(req, state.settings.behind_proxy).client_ip
}

/// `POST /shl/{id}`: the manifest.
pub async fn manifest(
    req: HttpRequest,
    state: web::Data<AppState>,
    limits: web::Data<ShareLimits>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    if let Err(refusal) = limits
        .per_address
        .check(client(&req, &state).as_deref())
        .await
    {
        return limited(refusal);
    }
    if let Err(refusal) = limits.per_link.check_key(&store::token_hash(&id)).await {
        return limited(refusal);
    }
    let now = crate::db::now();
    let Some(link) = store::find(&state.pool, &id).await? else {
        return Ok(not_found());
    };
    let request = (body.len() <= MAX_BODY_BYTES)
        .then(|| serde_json::from_slice::<ManifestRequest>(&body).ok())
        .flatten();
    let recipient = request
        .as_ref()
        .and_then(|r| r.recipient.as_deref())
        .map(clean_recipient)
        .unwrap_or_default();
    let reference = audit_ref(&link.id);
    // The audit entry names the request's access row (its id last, where `audit::pages` joins
    // it), never the name the recipient typed: that stays in the row the patient's list reads.
    let detail = |what: &str, access: &str| format!("link={reference} {what} access={access}");
    if !link.is_live(now) {
        return gone(&state, &req, &link, &recipient, now).await;
    }
    let Some(request) = request.filter(|_| !recipient.is_empty()) else {
        let access =
            store::record_access(&state.pool, &link.id, &recipient, "bad_request", now).await?;
        let what = detail("bad_request", &access);
        audit_opening(&state, &req, &link, Outcome::Failure, what).await?;
        return Ok(json_error(
            actix_web::http::StatusCode::BAD_REQUEST,
            json!({ "error": "The request must be JSON with a recipient." }),
        ));
    };
    if let Some(hash) = &link.passcode_hash {
        let given = request.passcode.clone().unwrap_or_default();
        if !passcode_matches(hash, &given).await? {
            let left = store::wrong_passcode(&state.pool, &link.id, now).await?;
            let outcome = if left == 0 {
                "disabled"
            } else {
                "wrong_passcode"
            };
            let access =
                store::record_access(&state.pool, &link.id, &recipient, outcome, now).await?;
            let what = detail(outcome, &access);
            audit_opening(&state, &req, &link, Outcome::Failure, what).await?;
            return Ok(json_error(
                actix_web::http::StatusCode::UNAUTHORIZED,
                json!({ "remainingAttempts": left }),
            ));
        }
    }
    // An `L` link's key, unwrapped for this request only; a wrapping key that changed is a
    // fault of the server's (500, logged), found before anything is recorded.
    let link_key = match &link.wrapped_key {
        Some(wrapped) => Some(
            WrapKey::of(
                &state.settings.shl_wrap_key_file,
                state.settings.shl_wrap_key_generated,
            )?
            .unwrap(&link.id, wrapped)?,
        ),
        None => None,
    };
    // Committed before anything is disclosed: no audit entry, no files (the 503 page).
    let patient_id = PatientId::parse(&link.patient_id)
        .map_err(|_| AppError::Internal(anyhow::anyhow!("a link's patient id does not parse")))?;
    // The link's state is checked again in the statement that records the opening: a
    // revocation that landed while the passcode was hashed wins (404, nothing sent).
    let Some(access) = store::record_opening(&state.pool, &link.id, &recipient, now).await? else {
        return gone(&state, &req, &link, &recipient, now).await;
    };
    let chart =
        access::open_for_share_link(&state, &req, &patient_id, detail("opened", &access)).await?;
    // An `L` link's content follows the record: made again now, in a new JWE, with the key
    // unwrapped for this request only. A snapshot link serves what was fixed at its making.
    let changed_at = match &link_key {
        Some(key) => {
            refresh(&state, key, &chart, &link, now).await?;
            now
        }
        None => link.created_at,
    };
    let last_updated = chrono::DateTime::from_timestamp(changed_at, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let mut files = Vec::new();
    for file in store::files(&state.pool, &link.id).await? {
        let fits = request
            .embedded_length_max
            .is_none_or(|max| file.jwe.len() as u64 <= max);
        if fits {
            files.push(json!({
                "contentType": file.content_type,
                "embedded": file.jwe,
                "lastUpdated": last_updated,
            }));
        } else {
            let token = shl::random_id();
            store::add_download(&state.pool, &token, &file.id, now).await?;
            let location = state
                .settings
                .public_url
                .join(&format!("/shl/file/{token}"))
                .map_err(|e| AppError::Internal(e.into()))?;
            files.push(json!({
                "contentType": file.content_type,
                "location": location.as_str(),
                "lastUpdated": last_updated,
            }));
        }
    }
    // A snapshot never changes (`finalized`); an `L` link's content may (`can-change`).
    let status = if link.wrapped_key.is_some() {
        "can-change"
    } else {
        "finalized"
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "status": status, "files": files })))
}

/// Makes an `L` link's files again from the record as it is now and stores them in place.
async fn refresh(
    state: &AppState,
    key: &shl::LinkKey,
    chart: &crate::access::ChartAccess,
    link: &Link,
    now: i64,
) -> Result<(), AppError> {
    let content = Content::parse(&link.content)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a link of an unknown content")))?;
    let period = link.period_from.as_deref().zip(link.period_to.as_deref());
    let (_, files) = content::files(state, chart, content, period, key, now).await?;
    store::replace_files(&state.pool, &link.id, &files).await?;
    Ok(())
}

/// A request of a link that no longer works: counted in the link's one `gone` row, and audited
/// at the 1st, 2nd, 4th, 8th… such request (the entry says how many so far), so a flood against
/// a dead link adds no rows and only a logarithmic number of audit entries (a million requests,
/// 21 entries) while the patient still sees that, how often and when it was last tried.
async fn gone(
    state: &AppState,
    req: &HttpRequest,
    link: &Link,
    recipient: &str,
    now: i64,
) -> Result<HttpResponse, AppError> {
    let (access, tries) = store::record_gone(&state.pool, &link.id, recipient, now).await?;
    if tries.count_ones() == 1 {
        let detail = format!(
            "link={} gone tries={tries} access={access}",
            audit_ref(&link.id)
        );
        audit_opening(state, req, link, Outcome::Denied, detail).await?;
    }
    Ok(not_found())
}

async fn passcode_matches(hash: &str, given: &str) -> Result<bool, AppError> {
    let (hash, given) = (hash.to_string(), given.to_string());
    // argon2 takes a moment: off the async workers.
    tokio::task::spawn_blocking(move || super::passcode::verify(&hash, &given))
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// `GET /shl/file/{token}`: one file of a manifest answer, once, within minutes.
pub async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    limits: web::Data<ShareLimits>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    if let Err(refusal) = limits
        .per_address
        .check(client(&req, &state).as_deref())
        .await
    {
        return limited(refusal);
    }
    let now = crate::db::now();
    let Some((link, file)) = store::take_download(&state.pool, &token, now).await? else {
        return Ok(not_found());
    };
    let detail = format!("link={} download", audit_ref(&link.id));
    audit_opening(&state, &req, &link, Outcome::Success, detail).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/jose")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(file.jwe))
}

/// `GET /.well-known/jwks.json`: the key that signs the portal's SMART Health Cards.
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let key = shc::load(&state.pool).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .json(key.jwks()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recipient_name_is_one_short_line() {
        assert_eq!(clean_recipient("  Dr\nOrtega \u{7}"), "Dr Ortega");
        assert_eq!(clean_recipient(&"x".repeat(500)).len(), MAX_RECIPIENT_CHARS);
    }
}
