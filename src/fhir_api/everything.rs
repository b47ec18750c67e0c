//! `GET /fhir/r4/Patient/{id}/$everything` (and `Patient/$everything`): the token's own
//! patient's whole record as a searchset Bundle, paged with `_count` and `_offset` (next links).
//!
//! Only the types the token's scopes allow are returned (granular scopes: only their
//! categories); a token that allows none is refused. Another patient's id is "not found", as
//! in a search. One audit entry, written before any data is read, as for every request.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::bearer::AppToken;
use super::outcome::FhirError;
use super::search::{DEFAULT_COUNT, MAX_COUNT};
use super::{
    audit_denied, base_url, check_format, fhir_json, load_all, query_pairs, strict_handling,
    visible,
};
use crate::smart::scopes::{Access, Need, RESOURCE_TYPES};
use crate::state::AppState;

/// The audit entry's detail ("… read your record" in the patient's access log).
const DETAIL: &str = "everything record";
const REFUSED: &str = "refused record";

/// The operation's parameters: `_count` and `_offset`; anything else is not applied.
struct Paging {
    count: usize,
    offset: usize,
    unsupported: Vec<String>,
}

fn paging(pairs: &[(String, String)]) -> Result<Paging, String> {
    let mut p = Paging {
        count: DEFAULT_COUNT,
        offset: 0,
        unsupported: Vec::new(),
    };
    let number = |name: &str, v: &str| {
        v.parse::<usize>()
            .map_err(|_| format!("{name} must be a whole number"))
    };
    for (k, v) in pairs {
        match k.as_str() {
            "_count" => p.count = number("_count", v)?.min(MAX_COUNT),
            "_offset" => p.offset = number("_offset", v)?.min(1_000_000),
            "_format" => {}
            other => {
                if !p.unsupported.iter().any(|u| u == other) {
                    p.unsupported.push(other.chars().take(40).collect());
                }
            }
        }
    }
    Ok(p)
}

/// `GET /fhir/r4/Patient/{id}/$everything`.
pub async fn everything(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    token: AppToken,
) -> Result<HttpResponse, FhirError> {
    run(req, state, Some(id.into_inner()), token).await
}

/// `GET /fhir/r4/Patient/$everything`: the token's patient.
pub async fn everything_of_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: AppToken,
) -> Result<HttpResponse, FhirError> {
    run(req, state, None, token).await
}

async fn run(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: Option<String>,
    token: AppToken,
) -> Result<HttpResponse, FhirError> {
    let pairs = query_pairs(&req);
    let checked = check_format(&req, &pairs)
        .and_then(|_| paging(&pairs).map_err(FhirError::bad_request))
        .and_then(|p| {
            if !p.unsupported.is_empty() && strict_handling(&req) {
                Err(FhirError::new(
                    StatusCode::BAD_REQUEST,
                    "not-supported",
                    "$everything supports _count and _offset only (Prefer: handling=strict).",
                ))
            } else {
                Ok(p)
            }
        });
    let paging = match checked {
        Ok(p) => p,
        Err(e) => {
            audit_denied(&state, &req, &token, REFUSED.into()).await?;
            return Err(e);
        }
    };
    let own = token.grant.fhir_patient_id.clone().unwrap_or_default();
    if id.as_ref().is_some_and(|i| *i != own) {
        audit_denied(&state, &req, &token, REFUSED.into()).await?;
        return Err(FhirError::not_found(
            "That patient is not the one this access token is for.",
        ));
    }
    let allowed: Vec<(&str, Access)> = RESOURCE_TYPES
        .iter()
        .map(|t| (*t, token.scope.access(t, Need::Search)))
        .filter(|(_, a)| *a != Access::None)
        .collect();
    if allowed.is_empty() {
        audit_denied(&state, &req, &token, REFUSED.into()).await?;
        return Err(FhirError::forbidden("Patient"));
    }
    let all = load_all(&state, &req, &token, DETAIL.into()).await?;
    // The Patient first, then the record in the export's order.
    let mut mine: Vec<Value> = all
        .into_iter()
        .filter(|r| {
            allowed
                .iter()
                .any(|(t, a)| r["resourceType"] == *t && visible(a, r))
        })
        .collect();
    mine.sort_by_key(|r| r["resourceType"] != "Patient");
    let total = mine.len();
    let base = base_url(&state);
    let link = |offset: usize| {
        format!(
            "{base}/Patient/{own}/$everything?_count={}&_offset={offset}",
            paging.count
        )
    };
    let page: Vec<Value> = mine
        .into_iter()
        .skip(paging.offset)
        .take(paging.count)
        .map(|r| {
            let full = format!(
                "{base}/{}/{}",
                r["resourceType"].as_str().unwrap_or_default(),
                r["id"].as_str().unwrap_or_default()
            );
            json!({ "fullUrl": full, "resource": r, "search": { "mode": "match" } })
        })
        .collect();
    let mut links = vec![json!({ "relation": "self", "url": link(paging.offset) })];
    if paging.count > 0 && paging.offset + paging.count < total {
        links.push(json!({ "relation": "next", "url": link(paging.offset + paging.count) }));
    }
    if paging.count > 0 && paging.offset > 0 {
        links.push(json!({
            "relation": "previous",
            "url": link(paging.offset.saturating_sub(paging.count))
        }));
    }
    let mut bundle = json!({
        "resourceType": "Bundle",
        "id": uuid::Uuid::new_v4().to_string(),
        "meta": { "lastUpdated": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true) },
        "type": "searchset",
        "total": total,
        "link": links,
    });
    if !page.is_empty() {
        bundle["entry"] = Value::Array(page);
    }
    Ok(fhir_json(StatusCode::OK, &bundle))
}
