//! The FHIR R4 read API under `/fhir/r4`, for apps a patient connected (see `smart`).
//!
//! Owns: the bearer-token extractor, per-token rate limits, read and search over the patient's
//! exported record, searchset Bundles and OperationOutcomes. Every request with a valid token
//! is one audit entry naming the app, written before any data is read (through
//! `access::open_for_app`). Never: a second FHIR mapping (resources are exactly what
//! `records::fhir_export` produces, references made relative), a patient id from the request,
//! or an HTML error page.

pub mod bearer;
pub mod everything;
pub mod include;
pub mod outcome;
pub mod provenance;
pub mod search;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::access;
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::records::{fhir_export, model::PatientRecord, store};
use crate::smart::scopes::{Access, Need, RESOURCE_TYPES};
use crate::state::AppState;
use bearer::AppToken;
use outcome::{FhirError, FHIR_JSON};

pub const BASE_PATH: &str = "/fhir/r4";

/// The FHIR base URL: `aud` must equal it, and links are built on it.
pub fn base_url(state: &AppState) -> String {
    crate::config::join_url(&state.settings.public_url, BASE_PATH)
}

/// The record's resources as the API serves them: the exporter's output, with its
/// `urn:uuid:` references rewritten to `Type/id` so they resolve against this server.
pub fn resources(bundle: &Value) -> Vec<Value> {
    let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
    let refs: HashMap<String, String> = entries
        .iter()
        .filter_map(|e| {
            let url = e["fullUrl"].as_str()?;
            let r = &e["resource"];
            Some((
                url.to_string(),
                format!("{}/{}", r["resourceType"].as_str()?, r["id"].as_str()?),
            ))
        })
        .collect();
    fn rewrite(v: &mut Value, refs: &HashMap<String, String>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    if k == "reference" {
                        if let Some(to) = child.as_str().and_then(|s| refs.get(s)) {
                            *child = Value::String(to.clone());
                        }
                    } else {
                        rewrite(child, refs);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| rewrite(i, refs)),
            _ => {}
        }
    }
    entries
        .into_iter()
        .map(|e| {
            let mut r = e["resource"].clone();
            rewrite(&mut r, &refs);
            r
        })
        .collect()
}

/// The id the API gives this patient's Patient resource (the exporter decides it).
pub fn patient_resource_id(patient: crate::records::model::Patient) -> Option<String> {
    let bundle = fhir_export::export_bundle(&PatientRecord::new(patient));
    resources(&bundle)
        .into_iter()
        .find(|r| r["resourceType"] == "Patient")
        .and_then(|r| r["id"].as_str().map(str::to_string))
}

fn fhir_json(status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(FHIR_JSON)
        .insert_header(("Cache-Control", "no-store"))
        .body(body.to_string())
}

/// JSON only: an Accept header or `_format` that rules JSON out gets 406.
fn check_format(req: &HttpRequest, pairs: &[(String, String)]) -> Result<(), FhirError> {
    let json_ok = |v: &str| {
        let v = v.trim().to_ascii_lowercase();
        v.is_empty() || v.contains("json") || v.contains("*/*") || v.starts_with("application/*")
    };
    let accept = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let format_ok = pairs
        .iter()
        .filter(|(k, _)| k == "_format")
        .all(|(_, v)| json_ok(v));
    if !json_ok(accept) && !accept.split(',').any(json_ok) || !format_ok {
        return Err(FhirError::new(
            StatusCode::NOT_ACCEPTABLE,
            "not-supported",
            "This server speaks application/fhir+json only.",
        ));
    }
    Ok(())
}

fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect()
}

/// The audit entry's detail: the type, and a category when the search names one.
fn detail(rtype: &str, category: Option<&str>, kind: &str) -> String {
    // The type comes from the URL: only a short alphanumeric word goes into the audit trail.
    let rtype: String = rtype
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(40)
        .collect();
    match category {
        Some(c) if c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') && c.len() < 40 => {
            format!("{kind} {rtype} {c}")
        }
        _ => format!("{kind} {rtype}"),
    }
}

/// Denied requests are audited too: the app asked, and was refused. Unaudited, the request
/// gets the 503 outcome instead of its refusal (one failure policy for every audit write).
async fn audit_denied(
    state: &AppState,
    req: &HttpRequest,
    token: &AppToken,
    detail: String,
) -> Result<(), FhirError> {
    let meta = RequestMeta::of(req, state.settings.behind_proxy);
    let mut entry = meta.entry(
        Actor::app(&token.grant.client_id),
        Action::AppRead,
        Outcome::Denied,
    );
    entry.patient_id = Some(token.grant.patient_id.to_string());
    entry.detail = Some(detail);
    audit::append(&state.pool, &entry)
        .await
        .map_err(|e| FhirError::from(crate::web::AppError::from(e)))
}

fn known_type(rtype: &str) -> Result<(), FhirError> {
    if RESOURCE_TYPES.contains(&rtype) {
        Ok(())
    } else {
        Err(FhirError::not_found(format!(
            "This server does not serve {} resources.",
            rtype
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .take(40)
                .collect::<String>()
        )))
    }
}

/// Opens the chart (audited) and returns the record's resources of `rtype`.
async fn load(
    state: &AppState,
    req: &HttpRequest,
    token: &AppToken,
    rtype: &str,
    detail: String,
) -> Result<Vec<Value>, FhirError> {
    Ok(load_all(state, req, token, detail)
        .await?
        .into_iter()
        .filter(|r| r["resourceType"] == rtype)
        .collect())
}

/// Opens the chart (audited) and returns every resource the API serves of it: the export's,
/// each with `meta.lastUpdated` (when the record was stored) and its US Core profile, and the
/// Provenance of them.
async fn load_all(
    state: &AppState,
    req: &HttpRequest,
    token: &AppToken,
    detail: String,
) -> Result<Vec<Value>, FhirError> {
    let chart = access::open_for_app(
        state,
        req,
        &token.grant.client_id,
        &token.grant.patient_id,
        Action::AppRead,
        detail,
    )
    .await?;
    if let Err(e) = crate::smart::tokens::touch(&state.pool, &token.grant.id).await {
        tracing::warn!(error = %e, "could not note when an app last read");
    }
    let record = store::whole_record(&state.pool, &chart).await?;
    let updated = store::record_updated_at(&state.pool, &chart).await?;
    let bundle = fhir_export::export_bundle(&record);
    let mut all = resources(&bundle);
    if let Some(t) = updated {
        let when = t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        for r in &mut all {
            if !r["meta"].is_object() {
                r["meta"] = json!({});
            }
            r["meta"]["lastUpdated"] = json!(when);
        }
    }
    // A Provenance names only what this token may read: its targets are ids of the record's
    // resources, and an app without the scope of notes or claims must not learn they exist.
    let readable: std::collections::HashSet<String> = all
        .iter()
        .filter(|r| {
            let t = r["resourceType"].as_str().unwrap_or_default();
            visible(&token.scope.access(t, Need::Read), r)
        })
        .filter_map(|r| {
            Some(format!(
                "{}/{}",
                r["resourceType"].as_str()?,
                r["id"].as_str()?
            ))
        })
        .collect();
    let mut provenance: Vec<Value> = provenance::provenances(&all, updated)
        .into_iter()
        .filter_map(|mut p| {
            let kept: Vec<Value> = p["target"]
                .as_array()
                .map(|targets| {
                    targets
                        .iter()
                        .filter(|t| {
                            t["reference"]
                                .as_str()
                                .is_some_and(|r| readable.contains(r))
                        })
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            (!kept.is_empty()).then(|| {
                p["target"] = json!(kept);
                p
            })
        })
        .collect();
    provenance
        .iter_mut()
        .for_each(crate::records::us_core::declare_profile);
    all.extend(provenance);
    Ok(all)
}

/// `GET /fhir/r4/{type}/{id}`.
pub async fn read(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    token: AppToken,
) -> Result<HttpResponse, FhirError> {
    let (rtype, id) = path.into_inner();
    if let Err(e) = check_format(&req, &query_pairs(&req)).and_then(|_| known_type(&rtype)) {
        audit_denied(&state, &req, &token, detail(&rtype, None, "refused")).await?;
        return Err(e);
    }
    let access = token.scope.access(&rtype, Need::Read);
    if access == Access::None {
        audit_denied(&state, &req, &token, detail(&rtype, None, "refused")).await?;
        return Err(FhirError::forbidden(&rtype));
    }
    let hint = scope_category(&access);
    // Outside a granular scope's category is "not found", as another patient's data is: which
    // category a resource has is only known once the (audited) record is open.
    let found = load(&state, &req, &token, &rtype, detail(&rtype, hint, "read"))
        .await?
        .into_iter()
        .find(|r| r["id"].as_str() == Some(id.as_str()))
        .filter(|r| visible(&access, r));
    match found {
        Some(r) => Ok(fhir_json(StatusCode::OK, &r)),
        None => Err(FhirError::not_found(format!(
            "{rtype} not found in this patient's record."
        ))),
    }
}

/// Does a token with `access` to the type see this resource (granular scopes: its category)?
fn visible(access: &Access, r: &Value) -> bool {
    match access {
        Access::None => false,
        Access::All => true,
        Access::Only(categories) => search::in_categories(r, categories),
    }
}

/// The one category a granular scope limits the token to, for the audit entry's wording.
fn scope_category(access: &Access) -> Option<&str> {
    match access {
        Access::Only(c) if c.len() == 1 => Some(c[0].code.as_str()),
        _ => None,
    }
}

/// `Prefer: handling=strict` (FHIR search): an unsupported parameter is an error, not
/// ignored. Lenient is the default.
fn strict_handling(req: &HttpRequest) -> bool {
    req.headers()
        .get_all("prefer")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .any(|p| {
            p.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("handling")
                    && v.trim().trim_matches('"').eq_ignore_ascii_case("strict")
            })
        })
}

/// `GET /fhir/r4/{type}?...`: a searchset Bundle, paged.
pub async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    rtype: web::Path<String>,
    token: AppToken,
) -> Result<HttpResponse, FhirError> {
    let rtype = rtype.into_inner();
    let pairs = query_pairs(&req);
    // Every request with a valid token is audited, the refused ones too.
    let params = match check_format(&req, &pairs)
        .and_then(|_| known_type(&rtype))
        .and_then(|_| search::parse(&rtype, &pairs).map_err(FhirError::bad_request))
        .and_then(|p| match p.unsupported.first() {
            Some(_) if strict_handling(&req) => Err(FhirError::new(
                StatusCode::BAD_REQUEST,
                "not-supported",
                format!(
                    "Unsupported search parameters for {rtype} (Prefer: handling=strict): {}.",
                    p.unsupported
                        .iter()
                        .map(|n| n
                            .chars()
                            .filter(|c| c.is_ascii_graphic())
                            .take(40)
                            .collect::<String>())
                        .take(10)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
            _ => Ok(p),
        }) {
        Ok(p) => p,
        Err(e) => {
            audit_denied(&state, &req, &token, detail(&rtype, None, "refused")).await?;
            return Err(e);
        }
    };
    let access = token.scope.access(&rtype, Need::Search);
    let hint = params.category_hint().or(scope_category(&access));
    let what = detail(&rtype, hint, "search");
    let refused = detail(&rtype, hint, "refused");
    if access == Access::None {
        audit_denied(&state, &req, &token, refused).await?;
        return Err(FhirError::forbidden(&rtype));
    }
    // Another patient (by `patient`, `subject`, or `_id` on Patient) is simply not here.
    let own = token.grant.fhir_patient_id.clone().unwrap_or_default();
    if params
        .patients
        .iter()
        .any(|p| search::patient_ref(p) != own)
    {
        audit_denied(&state, &req, &token, refused).await?;
        return Err(FhirError::not_found(
            "That patient is not the one this access token is for.",
        ));
    }
    let all = load_all(&state, &req, &token, what).await?;
    let mut matched: Vec<Value> = all
        .iter()
        .filter(|r| r["resourceType"] == rtype.as_str() && visible(&access, r) && params.matches(r))
        .cloned()
        .collect();
    if let Some(sort) = params.sort {
        sort.apply(&mut matched);
    }
    let base = base_url(&state);
    let total = matched.len();
    let found: Vec<Value> = matched
        .into_iter()
        .skip(params.offset)
        .take(params.count)
        .collect();
    // `_include`/`_revinclude`: what the page's resources link to (or what links to them), of
    // the types and categories the token may read.
    let extra = include::resolve(&all, &found, &params, |r| {
        let t = r["resourceType"].as_str().unwrap_or_default();
        visible(&token.scope.access(t, Need::Read), r)
    });
    let entry = |r: Value, mode: &str| {
        let full = format!(
            "{base}/{}/{}",
            r["resourceType"].as_str().unwrap_or_default(),
            r["id"].as_str().unwrap_or_default()
        );
        json!({ "fullUrl": full, "resource": r, "search": { "mode": mode } })
    };
    let page: Vec<Value> = found
        .into_iter()
        .map(|r| entry(r, "match"))
        .chain(extra.into_iter().map(|r| entry(r, "include")))
        .collect();
    // Links repeat the filters that were applied (never an unsupported parameter, which was
    // not), then page with _count/_offset.
    let link = |offset: usize| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &params.applied {
            q.append_pair(k, v);
        }
        q.append_pair("_count", &params.count.to_string());
        q.append_pair("_offset", &offset.to_string());
        format!("{base}/{rtype}?{}", q.finish())
    };
    let mut links = vec![json!({ "relation": "self", "url": link(params.offset) })];
    // `_count=0` asks for the total only: no pages to walk.
    if params.count > 0 && params.offset + params.count < total {
        links.push(json!({ "relation": "next", "url": link(params.offset + params.count) }));
    }
    if params.count > 0 && params.offset > 0 {
        links.push(json!({
            "relation": "previous",
            "url": link(params.offset.saturating_sub(params.count))
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
    // FHIR JSON has no empty arrays: a page without matches (or `_count=0`) has no `entry`.
    if !page.is_empty() {
        bundle["entry"] = Value::Array(page);
    }
    Ok(fhir_json(StatusCode::OK, &bundle))
}

/// Anything else under `/fhir/r4` (other methods, deeper paths): an OperationOutcome.
pub async fn unsupported(req: HttpRequest) -> Result<HttpResponse, FhirError> {
    Err(if req.method() == actix_web::http::Method::GET {
        FhirError::not_found("No such FHIR endpoint.")
    } else {
        FhirError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "not-supported",
            "This API is read-only.",
        )
    })
}

/// The search parameters each type supports (the ones `search::parse` applies).
fn search_params(rtype: &str) -> Vec<Value> {
    search::supported(rtype)
        .into_iter()
        .map(|(name, t)| json!({ "name": name, "type": t }))
        .collect()
}

/// `GET /fhir/r4/metadata`: public, as FHIR requires.
pub async fn metadata(state: web::Data<AppState>) -> HttpResponse {
    let smart = crate::smart::endpoints::endpoints(&state);
    let resources: Vec<Value> = RESOURCE_TYPES
        .iter()
        .map(|t| {
            let mut r = json!({
                "type": t,
                "interaction": [{ "code": "read" }, { "code": "search-type" }],
                "searchParam": search_params(t),
            });
            let profiles = crate::records::us_core::supported_profiles(t);
            if !profiles.is_empty() {
                r["supportedProfile"] = json!(profiles);
            }
            let includes = search::includes_supported(t);
            if !includes.is_empty() {
                r["searchInclude"] = json!(includes);
            }
            let revincludes = search::revincludes_supported(t);
            if !revincludes.is_empty() {
                r["searchRevInclude"] = json!(revincludes);
            }
            if *t == "Patient" {
                r["operation"] = json!([{
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"
                }]);
            }
            r
        })
        .collect();
    let body = json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-06",
        "instantiates": [crate::records::us_core::SERVER_CAPABILITY],
        "kind": "instance",
        "software": { "name": "patient-portal", "version": env!("CARGO_PKG_VERSION") },
        "implementation": { "description": "Patient portal FHIR R4 read API", "url": base_url(&state) },
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "security": {
                "extension": [{
                    "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                    "extension": [
                        { "url": "authorize", "valueUri": smart.authorize },
                        { "url": "token", "valueUri": smart.token },
                        { "url": "revoke", "valueUri": smart.revoke },
                        { "url": "introspect", "valueUri": smart.introspect }
                    ]
                }],
                "service": [{
                    "coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                        "code": "SMART-on-FHIR"
                    }],
                    "text": "OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)"
                }]
            },
            "resource": resources,
        }]
    });
    fhir_json(StatusCode::OK, &body)
}
