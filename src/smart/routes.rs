//! The authorization server's endpoints: discovery, authorize, consent, token, revoke,
//! introspect, JWKS.
//!
//! `/smart/authorize` (GET, or POST with a form body) is public (it only checks the request
//! and parks it); `/smart/consent` needs the patient's MFA-verified session, so the gate sends
//! a browser without one through the normal sign-in and back. The token, revocation and
//! introspection endpoints authenticate the client themselves and answer in OAuth's JSON,
//! never with a page.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine as _;
use serde_json::{json, Value};
use tera::Context;

use super::endpoints::endpoints;
use super::scopes::{self, Scopes};
use super::tokens::{self, Refusal, Request, ACCESS_TTL};
use super::{apps, keys};
use crate::access;
use crate::audit::Action;
use crate::fhir_api::{self, base_url};
use crate::records::store;
use crate::state::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::guards::AllowedOrigins;
use crate::web::headers;
use crate::web::page::page_context;
use crate::web::{templates, AppError};

fn json_response(status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
        .body(body.to_string())
}

fn scopes_supported() -> Vec<String> {
    let mut out: Vec<String> = [
        scopes::OPENID,
        scopes::FHIR_USER,
        scopes::LAUNCH_PATIENT,
        scopes::OFFLINE,
        "patient/*.rs",
        "patient/*.read",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    out.extend(
        scopes::RESOURCE_TYPES
            .iter()
            .map(|t| format!("patient/{t}.rs")),
    );
    out
}

/// `GET /.well-known/smart-configuration` (also under the FHIR base, where SMART apps look).
pub async fn smart_configuration(state: web::Data<AppState>) -> HttpResponse {
    let e = endpoints(&state);
    json_response(
        StatusCode::OK,
        &json!({
            "issuer": base_url(&state),
            "jwks_uri": e.jwks,
            "authorization_endpoint": e.authorize,
            "token_endpoint": e.token,
            "revocation_endpoint": e.revoke,
            "introspection_endpoint": e.introspect,
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "response_types_supported": ["code"],
            "scopes_supported": scopes_supported(),
            "code_challenge_methods_supported": ["S256"],
            "capabilities": [
                "launch-standalone",
                "client-public",
                "client-confidential-symmetric",
                "context-standalone-patient",
                "permission-patient",
                "permission-offline",
                "permission-v1",
                "permission-v2",
                "sso-openid-connect"
            ]
        }),
    )
}

/// `GET /fhir/r4/.well-known/openid-configuration`: the id_token issuer's metadata.
pub async fn openid_configuration(state: web::Data<AppState>) -> HttpResponse {
    let e = endpoints(&state);
    json_response(
        StatusCode::OK,
        &json!({
            "issuer": base_url(&state),
            "authorization_endpoint": e.authorize,
            "token_endpoint": e.token,
            "revocation_endpoint": e.revoke,
            "introspection_endpoint": e.introspect,
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "jwks_uri": e.jwks,
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": scopes_supported(),
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nonce", "fhirUser"],
            "code_challenge_methods_supported": ["S256"]
        }),
    )
}

/// `GET /smart/jwks`.
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let key = keys::load(&state.pool).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(key.jwks().to_string()))
}

/// A parameter given twice on a page a person reads (the consent steps), in their language;
/// the token endpoints answer apps in OAuth's English instead.
fn given_twice(name: String) -> AppError {
    AppError::bad_request(crate::i18n::tr_args(
        crate::i18n::current(),
        "form-error-smart-parameter-twice",
        &[("name", name.into())],
    ))
}

/// The query or form as pairs; a parameter given twice is refused (RFC 6749 §3.1), and its
/// name is the error.
fn single_params(raw: &[u8]) -> Result<std::collections::HashMap<String, String>, String> {
    let mut out = std::collections::HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw).into_owned() {
        if out.insert(k.clone(), v).is_some() {
            return Err(k);
        }
    }
    Ok(out)
}

fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(uri) {
        Ok(mut u) => {
            {
                let mut q = u.query_pairs_mut();
                for (k, v) in pairs {
                    q.append_pair(k, v);
                }
            }
            u.to_string()
        }
        // Registered URIs were checked when added; this is only a fallback.
        Err(_) => uri.to_string(),
    }
}

fn found(to: &str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("Location", to))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

fn redirect_error(redirect_uri: &str, error: &str, description: &str, state: &str) -> HttpResponse {
    let mut pairs = vec![("error", error), ("error_description", description)];
    if !state.is_empty() {
        pairs.push(("state", state));
    }
    found(&with_query(redirect_uri, &pairs))
}

/// `GET /smart/authorize`: checks the request, parks it, and sends the browser to consent.
/// An unknown client or a redirect URI that is not registered exactly gets an error page:
/// the code must never go anywhere the app did not register.
pub async fn authorize(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    limit_authorize(&req, &state).await?;
    authorize_with(&state, req.query_string().as_bytes()).await
}

/// Each authorization request parks a row until the patient answers: one address may send
/// only so many a minute (PORTAL_SIGNIN_PER_MINUTE, as for starting a sign-in), counted across
/// instances on PostgreSQL.
async fn limit_authorize(req: &HttpRequest, state: &AppState) -> Result<(), AppError> {
    use crate::web::rate_limit::{Limits, Refusal};
    let limits = req
        .app_data::<web::Data<Limits>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("rate limits missing")))?;
    let meta = crate::audit::RequestMeta::of(req, state.settings.behind_proxy);
    match limits.authorize.check(meta.client_ip.as_deref()).await {
        Ok(()) => Ok(()),
        Err(Refusal::Limited(retry_after)) => {
            tracing::warn!(reason = "rate_limited", "SMART authorize refused");
            Err(AppError::RateLimited(retry_after))
        }
        Err(Refusal::Store(e)) => Err(e.into()),
    }
}

/// `POST /smart/authorize`: the same request with its parameters in a form body (SMART App
/// Launch allows it; RFC 6749 §3.1). Only the body counts, so a parameter cannot arrive
/// twice by two routes. Like the GET it only parks the request: nothing is granted until
/// the patient answers the consent page in their own session.
pub async fn authorize_post(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form {
        return Err(AppError::bad_request(crate::i18n::tr(
            crate::i18n::current(),
            "form-error-smart-post-not-form",
        )));
    }
    limit_authorize(&req, &state).await?;
    authorize_with(&state, &body).await
}

async fn authorize_with(state: &AppState, raw: &[u8]) -> Result<HttpResponse, AppError> {
    let q = single_params(raw).map_err(given_twice)?;
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let client_id = get("client_id");
    let app = match apps::find(&state.pool, client_id).await? {
        Some(app) if !client_id.is_empty() => app,
        _ => {
            tracing::info!(reason = "unknown_client", "SMART authorize refused");
            return Err(AppError::bad_request(crate::i18n::tr(
                crate::i18n::current(),
                "form-error-smart-app-unknown",
            )));
        }
    };
    let redirect_uri = get("redirect_uri");
    if !app.allows_redirect(redirect_uri) {
        tracing::info!(client_id = %app.client_id, reason = "redirect_uri_mismatch", "SMART authorize refused");
        return Err(AppError::bad_request(crate::i18n::tr(
            crate::i18n::current(),
            "form-error-smart-redirect-unknown",
        )));
    }
    let st = get("state");
    let refuse = |error: &str, description: &str| -> Result<HttpResponse, AppError> {
        tracing::info!(client_id = %app.client_id, reason = error, "SMART authorize refused");
        Ok(redirect_error(redirect_uri, error, description, st))
    };
    if get("response_type") != "code" {
        return refuse("unsupported_response_type", "response_type must be code");
    }
    if st.is_empty() || st.len() > 512 {
        return refuse("invalid_request", "state is required");
    }
    let challenge = get("code_challenge");
    let challenge_ok = challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if get("code_challenge_method") != "S256" || !challenge_ok {
        return refuse(
            "invalid_request",
            "PKCE with code_challenge_method S256 is required",
        );
    }
    let base = base_url(state);
    if get("aud").trim_end_matches('/') != base.trim_end_matches('/') {
        return refuse("invalid_request", "aud must be this server's FHIR base URL");
    }
    let asked = Scopes::parse(get("scope"));
    if asked.is_empty() {
        return refuse(
            "invalid_scope",
            "none of the requested scopes can be granted",
        );
    }
    let nonce = q.get("nonce").filter(|n| n.len() <= 256).cloned();
    let id = tokens::save_request(
        &state.pool,
        &Request {
            client_id: app.client_id.clone(),
            redirect_uri: redirect_uri.to_string(),
            scope: asked.as_string(),
            state: st.to_string(),
            code_challenge: challenge.to_string(),
            nonce,
        },
    )
    .await?;
    Ok(found(&format!(
        "/smart/consent?{}",
        serde_urlencoded::to_string([("request", id.as_str())]).unwrap_or_default()
    )))
}

#[derive(serde::Serialize)]
struct Choice {
    value: String,
    label: String,
}

/// Whose record an app is connected to (#29): the signed-in person's own, or that of someone
/// they act for (a proxy grant with the record scope, `proxy::apps`).
enum Whose {
    Own(crate::records::PatientId),
    Proxy(crate::proxy::apps::Connectable),
}

/// A link on the consent page to connect the app to another record instead.
#[derive(serde::Serialize)]
struct Other {
    value: String,
    name: Option<String>,
}

/// The record the consent page's `for` names (empty: the person's own if linked, else the
/// first they act for), and the others they could choose. `Err`: the page to show instead
/// (`/activate` for someone with no record at all; a refused choice's page).
async fn whose(
    state: &AppState,
    req: &HttpRequest,
    person: &crate::auth::Patient,
    chosen: &str,
) -> Result<Result<(Whose, Vec<Other>), HttpResponse>, AppError> {
    let own = access::linked_patient_id(&state.pool, &person.subject).await?;
    let theirs = crate::proxy::apps::choices(state, &person.subject).await?;
    let mut others: Vec<Other> = Vec::new();
    if own.is_some() {
        others.push(Other {
            value: "own".into(),
            name: None,
        });
    }
    others.extend(theirs.iter().map(|c| Other {
        value: c.grant_id.clone(),
        name: Some(c.patient_name.clone()),
    }));
    let target = match (chosen, own) {
        ("" | "own", Some(id)) => Whose::Own(id),
        ("" | "own", None) => match theirs.into_iter().next() {
            Some(c) => Whose::Proxy(c),
            None => return Err(AppError::Redirect("/activate".into())),
        },
        (grant, _) => match crate::proxy::apps::chosen(state, req, person, grant).await? {
            Ok(c) => Whose::Proxy(c),
            Err(page) => return Ok(Err(page)),
        },
    };
    let current = match &target {
        Whose::Own(_) => "own",
        Whose::Proxy(c) => c.grant_id.as_str(),
    };
    others.retain(|o| o.value != current);
    Ok(Ok((target, others)))
}

/// `GET /smart/consent?request=...[&for=...]`: what the app asks for, in plain words, and
/// whose record it would read: someone who acts for others (#29) chooses it here, and the page
/// says who is connecting the app for whom.
pub async fn consent_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    person: crate::auth::Patient,
    origins: web::Data<AllowedOrigins>,
) -> Result<HttpResponse, AppError> {
    let q = single_params(req.query_string().as_bytes()).map_err(given_twice)?;
    let id = q.get("request").cloned().unwrap_or_default();
    let chosen = q.get("for").cloned().unwrap_or_default();
    let expired = || {
        AppError::bad_request(crate::i18n::tr(
            crate::i18n::current(),
            "form-error-smart-request-expired-restart",
        ))
    };
    let request = tokens::load_request(&state.pool, &id)
        .await?
        .ok_or_else(expired)?;
    let app = apps::find(&state.pool, &request.client_id)
        .await?
        .ok_or_else(expired)?;
    let choices: Vec<Choice> = Scopes::parse(&request.scope)
        .choices()
        .into_iter()
        .map(|value| Choice {
            label: scopes::describe(&value),
            value,
        })
        .collect();
    let (target, others) = match whose(&state, &req, &person, &chosen).await? {
        Ok(w) => w,
        Err(page) => return Ok(page),
    };
    let mut ctx: Context = page_context(Some((person.user(), &session)), &state);
    match &target {
        Whose::Own(_) => ctx.insert("for", "own"),
        Whose::Proxy(c) => {
            ctx.insert("for", &c.grant_id);
            ctx.insert("acting_for", &c.patient_name);
            ctx.insert("connector", &person.user().display_name);
        }
    }
    ctx.insert("other_records", &others);
    ctx.insert(
        "request_query",
        &serde_urlencoded::to_string([("request", id.as_str())]).unwrap_or_default(),
    );
    ctx.insert("app_name", &app.name);
    ctx.insert("choices", &choices);
    ctx.insert("request_id", &id);
    let redirect_host = url::Url::parse(&request.redirect_uri)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    ctx.insert("redirect_host", &redirect_host);
    let mut resp = templates::page(StatusCode::OK, "smart_consent.html", &ctx);
    // "Allow" and "Do not allow" post here, and we answer with a 302 to the app: the browser
    // checks that redirect against this page's form-action, so this page (and no other) names
    // the app's registered redirect origin. `security_headers` keeps a CSP a handler has set.
    let csp = headers::csp_with_form_target(
        &origins.identity_provider,
        headers::form_target_source(&request.redirect_uri).as_deref(),
    );
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&csp) {
        resp.headers_mut()
            .insert(actix_web::http::header::CONTENT_SECURITY_POLICY, value);
    }
    Ok(resp)
}

/// `POST /smart/consent`: the patient (or a proxy, for the record they chose) allows (some of)
/// it, or says no.
pub async fn consent(
    req: HttpRequest,
    state: web::Data<AppState>,
    person: crate::auth::Patient,
    fresh: Result<crate::auth::StepUp, crate::auth::StepUpRequired>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let mut request_id = String::new();
    let mut decision = String::new();
    let mut chosen = String::new();
    let mut ticked: Vec<String> = Vec::new();
    // Pairs, not a struct: `scope` repeats, once per ticked box.
    for (k, v) in form.0 {
        match k.as_str() {
            "request" => request_id = v,
            "decision" => decision = v,
            "for" => chosen = v,
            "scope" => ticked.push(v),
            _ => {}
        }
    }
    if decision == "allow" {
        // Connecting an app lets the record leave: only after a recent MFA sign-in (step-up,
        // #29). Checked before the request is taken, so the consent page offers it again.
        // The choice of record goes along only when one was made (a form without it is the
        // person's own record, as the page offers first).
        fresh.map_err(|e| {
            let mut back = vec![("request", request_id.as_str())];
            if !chosen.is_empty() {
                back.push(("for", chosen.as_str()));
            }
            e.returning_to(&format!(
                "/smart/consent?{}",
                serde_urlencoded::to_string(back).unwrap_or_default()
            ))
        })?;
    }
    // Whose record: checked against the database now (a grant revoked since the page was
    // shown connects nothing), before the request is taken.
    let target = if decision == "allow" {
        match whose(&state, &req, &person, &chosen).await? {
            Ok((target, _)) => Some(target),
            Err(page) => return Ok(page),
        }
    } else {
        None
    };
    let request = tokens::take_request(&state.pool, &request_id)
        .await?
        .ok_or_else(|| {
            AppError::bad_request(crate::i18n::tr(
                crate::i18n::current(),
                "form-error-smart-request-expired",
            ))
        })?;
    let Some(found_app) = apps::find(&state.pool, &request.client_id).await? else {
        return Err(AppError::bad_request(crate::i18n::tr(
            crate::i18n::current(),
            "form-error-smart-app-gone",
        )));
    };
    if decision != "allow" {
        return Ok(redirect_error(
            &request.redirect_uri,
            "access_denied",
            "the patient did not allow access",
            &request.state,
        ));
    }
    let Some(granted) = Scopes::parse(&request.scope).consented(&ticked) else {
        return Err(AppError::bad_request(crate::i18n::tr(
            crate::i18n::current(),
            "form-error-smart-not-requested",
        )));
    };
    if !scopes::RESOURCE_TYPES
        .iter()
        .any(|t| granted.allows(t, scopes::Need::Read) || granted.allows(t, scopes::Need::Search))
        && !granted.has(scopes::OPENID)
    {
        return Ok(redirect_error(
            &request.redirect_uri,
            "access_denied",
            "the patient allowed nothing",
            &request.state,
        ));
    }
    let (patient_id, proxy_grant) = match target {
        Some(Whose::Own(id)) => (id, None),
        Some(Whose::Proxy(c)) => (c.patient_id, Some(c.grant_id)),
        None => return Err(AppError::Forbidden),
    };
    if proxy_grant.is_some() {
        // A proxy's consent is the proxy's action: the patient's access log names them ("Sam
        // (your proxy) connected Tracker"), durable before the grant exists. The detail holds
        // the app's name (an operator's word, never the patient's data), as a disconnection's.
        let meta = crate::audit::RequestMeta::of(&req, state.settings.behind_proxy);
        let actor = crate::audit::Actor {
            subject: Some(person.subject.clone()),
            role: "proxy".into(),
        };
        let mut entry = meta.entry(actor, Action::AppConnected, crate::audit::Outcome::Success);
        entry.patient_id = Some(patient_id.to_string());
        entry.detail = Some(format!("proxy_connected {}", found_app.name));
        crate::audit::append(&state.pool, &entry).await?;
    }
    // A proxy's connection is the proxy's consent (`subject`), resting on their grant.
    let code = tokens::grant_code(
        &state.pool,
        &request,
        &patient_id,
        &person.subject,
        &granted,
        proxy_grant.as_deref(),
    )
    .await?;
    tracing::info!(client_id = %request.client_id, "patient allowed an app");
    Ok(found(&with_query(
        &request.redirect_uri,
        &[("code", &code), ("state", &request.state)],
    )))
}

/// An OAuth error from the token or revocation endpoint.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> HttpResponse {
    let mut resp = json_response(
        status,
        &json!({ "error": error, "error_description": description }),
    );
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(
            actix_web::http::header::WWW_AUTHENTICATE,
            actix_web::http::header::HeaderValue::from_static("Basic realm=\"patient-portal\""),
        );
    }
    resp
}

/// The client's credentials: `client_secret_basic`, `client_secret_post`, or a public client's
/// bare `client_id`. Using two methods at once is refused.
fn client_credentials(
    req: &HttpRequest,
    form: &std::collections::HashMap<String, String>,
) -> Result<(String, Option<String>), &'static str> {
    let basic = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then(|| rest.trim())
        });
    match basic {
        Some(b64) => {
            if form.contains_key("client_secret") {
                return Err("use one client authentication method");
            }
            let raw = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|_| "bad Basic credentials")?;
            let text = String::from_utf8(raw).map_err(|_| "bad Basic credentials")?;
            let (id, secret) = text.split_once(':').ok_or("bad Basic credentials")?;
            // RFC 6749 §2.3.1: both parts are form-urlencoded before encoding.
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            let id = decode(id);
            if form.get("client_id").is_some_and(|f| *f != id) {
                return Err("client_id differs from the Basic credentials");
            }
            Ok((id, Some(decode(secret))))
        }
        None => {
            let id = form.get("client_id").cloned().unwrap_or_default();
            Ok((id, form.get("client_secret").cloned()))
        }
    }
}

/// A pairwise subject for the id_token: stable per app and patient, and not the B2C object id.
fn pairwise_subject(client_id: &str, subject: &str) -> String {
    crate::auth::hash(&format!("{client_id}\n{subject}"))
}

/// `POST /smart/token`.
pub async fn token(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    match token_inner(&req, &state, &body).await {
        Ok(resp) => resp,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "SMART token endpoint failed");
            oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "try again later",
            )
        }
    }
}

async fn token_inner(
    req: &HttpRequest,
    state: &AppState,
    body: &[u8],
) -> anyhow::Result<HttpResponse> {
    let bad = |e: &str, d: &str| -> anyhow::Result<HttpResponse> {
        Ok(oauth_error(StatusCode::BAD_REQUEST, e, d))
    };
    let form = match single_params(body) {
        Ok(f) => f,
        Err(k) => return bad("invalid_request", &format!("{k} is given more than once")),
    };
    let (mut client_id, secret) = match client_credentials(req, &form) {
        Ok(c) => c,
        Err(e) => return bad("invalid_request", e),
    };
    let get = |k: &str| form.get(k).map(String::as_str);
    if client_id.is_empty() && secret.is_none() && get("grant_type") == Some("refresh_token") {
        // A public client's refresh may leave out client_id (RFC 6749 §6): the token names its
        // client, which must then be public (authenticating without a secret).
        match tokens::refresh_client(&state.pool, get("refresh_token").unwrap_or("")).await? {
            Some(id) => client_id = id,
            None => {
                tracing::info!(
                    reason = Refusal::Unknown.as_str(),
                    "SMART refresh token refused"
                );
                return bad(
                    "invalid_grant",
                    "the refresh token is invalid, expired or used",
                );
            }
        }
    }
    let Some(app) = apps::authenticate(&state.pool, &client_id, secret.as_deref()).await? else {
        tracing::info!(reason = "invalid_client", "SMART token request refused");
        return Ok(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        ));
    };
    let (grant, scope, first) = match get("grant_type") {
        Some("authorization_code") => {
            let outcome = tokens::redeem_code(
                &state.pool,
                get("code").unwrap_or(""),
                &app.client_id,
                get("redirect_uri"),
                get("code_verifier"),
            )
            .await?;
            match outcome {
                Ok(grant) => {
                    let scope = grant.scope.clone();
                    (grant, scope, true)
                }
                Err(refusal) => {
                    tracing::info!(client_id = %app.client_id, reason = refusal.as_str(), "SMART code refused");
                    return bad("invalid_grant", "the code is invalid, expired or used");
                }
            }
        }
        Some("refresh_token") => {
            // A refused refresh (wider scopes, another client) leaves the token usable; only
            // reuse of a rotated token ends the grant (`tokens::use_refresh`).
            let outcome = tokens::use_refresh(
                &state.pool,
                get("refresh_token").unwrap_or(""),
                &app.client_id,
                get("scope"),
            )
            .await?;
            match outcome {
                Ok((grant, scope)) => (grant, scope, false),
                Err(refusal) => {
                    tracing::info!(client_id = %app.client_id, reason = refusal.as_str(), "SMART refresh token refused");
                    return match refusal {
                        Refusal::Scope => bad(
                            "invalid_scope",
                            "a refresh can only ask for scopes it was granted",
                        ),
                        _ => bad(
                            "invalid_grant",
                            "the refresh token is invalid, expired or used",
                        ),
                    };
                }
            }
        }
        _ => {
            return bad(
                "unsupported_grant_type",
                "use authorization_code or refresh_token",
            )
        }
    };
    // An app a proxy connected stops with the proxy's grant (revoked, ended, a guardian's age
    // rule): read now, on every code and refresh.
    if !crate::proxy::apps::connection_holds(state, &grant).await? {
        tracing::info!(client_id = %app.client_id, reason = "proxy_grant_ended", "SMART token request refused");
        return bad(
            "invalid_grant",
            "the person who connected this app no longer acts for the patient",
        );
    }
    let mut grant = grant;
    if grant.fhir_patient_id.is_none() {
        // The app's first token: the patient's access log shows that the app was connected.
        // A proxy's connection was their consent's entry; here the app reads the Patient (its
        // id), and saying "You connected" would tell the patient they did it.
        let (action, detail) = match grant.proxy_grant_id {
            None => (Action::AppConnected, "connected"),
            Some(_) => (Action::AppRead, "read Patient"),
        };
        let chart = access::open_for_app(
            state,
            req,
            &app.client_id,
            &grant.patient_id,
            action,
            detail.into(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let patient = store::patient(&state.pool, &chart).await?;
        let id = fhir_api::patient_resource_id(patient)
            .ok_or_else(|| anyhow::anyhow!("the exporter gave no Patient id"))?;
        tokens::set_fhir_patient_id(&state.pool, &grant.id, &id).await?;
        grant.fhir_patient_id = Some(id);
    }
    let patient = grant.fhir_patient_id.clone().unwrap_or_default();
    let (access, refresh) = tokens::issue(
        &state.pool,
        &grant,
        &scope,
        grant.scope.has(scopes::OFFLINE),
    )
    .await?;
    let mut out = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ACCESS_TTL,
        "scope": scope.as_string(),
        "patient": patient,
    });
    if let Some(r) = refresh {
        out["refresh_token"] = json!(r);
    }
    if scope.has(scopes::OPENID) {
        let now = crate::db::now();
        let mut claims = json!({
            "iss": base_url(state),
            "sub": pairwise_subject(&app.client_id, &grant.subject),
            "aud": app.client_id,
            "iat": now,
            "exp": now + ACCESS_TTL,
        });
        // A proxy is not the patient: their id_token names no Patient as its user.
        if scope.has(scopes::FHIR_USER) && grant.proxy_grant_id.is_none() {
            claims["fhirUser"] = json!(format!("{}/Patient/{patient}", base_url(state)));
        }
        if first {
            if let Some(n) = tokens::nonce(&state.pool, &grant.id).await? {
                claims["nonce"] = json!(n);
            }
        }
        let key = keys::load(&state.pool).await?;
        out["id_token"] = json!(key.sign(&claims)?);
    }
    tracing::info!(client_id = %app.client_id, first, "SMART tokens issued");
    Ok(json_response(StatusCode::OK, &out))
}

/// `POST /smart/revoke` (RFC 7009): always 200 for an authenticated client.
pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> HttpResponse {
    let form = match single_params(&body) {
        Ok(f) => f,
        Err(k) => {
            let e = format!("{k} is given more than once");
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &e);
        }
    };
    let (client_id, secret) = match client_credentials(&req, &form) {
        Ok(c) => c,
        Err(e) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", e),
    };
    let app = match apps::authenticate(&state.pool, &client_id, secret.as_deref()).await {
        Ok(Some(app)) => app,
        Ok(None) => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed",
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "SMART revoke failed");
            return oauth_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "try again later",
            );
        }
    };
    let token = form.get("token").cloned().unwrap_or_default();
    if let Err(e) = tokens::revoke_token(&state.pool, &token, &app.client_id).await {
        tracing::error!(error = %e, "SMART revoke failed");
        return oauth_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "try again later",
        );
    }
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

/// `POST /smart/introspect` (RFC 7662), for confidential clients and resource servers: they
/// authenticate as at the token endpoint; an app learns about tokens issued to itself, a
/// resource server (`apps::App::is_resource_server`) about any token presented to it. A public
/// client has nothing to authenticate with, so it is refused (`invalid_client`); anything
/// unknown, expired, rotated, revoked or (for an app) another client's is `{"active": false}`,
/// alike, so the answer reveals nothing about tokens the caller may not know of.
pub async fn introspect(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> HttpResponse {
    match introspect_inner(&req, &state, &body).await {
        Ok(resp) => resp,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "SMART introspection failed");
            oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "try again later",
            )
        }
    }
}

async fn introspect_inner(
    req: &HttpRequest,
    state: &AppState,
    body: &[u8],
) -> anyhow::Result<HttpResponse> {
    let form = match single_params(body) {
        Ok(f) => f,
        Err(k) => {
            let e = format!("{k} is given more than once");
            return Ok(oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &e));
        }
    };
    let (client_id, secret) = match client_credentials(req, &form) {
        Ok(c) => c,
        Err(e) => return Ok(oauth_error(StatusCode::BAD_REQUEST, "invalid_request", e)),
    };
    let app = match apps::authenticate(&state.pool, &client_id, secret.as_deref()).await? {
        Some(app) if app.confidential => app,
        _ => {
            tracing::info!(reason = "invalid_client", "SMART introspection refused");
            return Ok(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "introspection needs a confidential client's credentials",
            ));
        }
    };
    let token = form.get("token").map(String::as_str).unwrap_or("");
    if token.is_empty() {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        ));
    }
    let mut info = tokens::introspect(&state.pool, token)
        .await?
        .filter(|i| app.is_resource_server() || i.grant.client_id == app.client_id);
    if let Some(i) = &info {
        if !crate::proxy::apps::connection_holds(state, &i.grant).await? {
            info = None;
        }
    }
    let Some(info) = info else {
        return Ok(json_response(StatusCode::OK, &json!({ "active": false })));
    };
    let mut out = json!({
        "active": true,
        "scope": info.scope.as_string(),
        "client_id": info.grant.client_id,
        "sub": pairwise_subject(&info.grant.client_id, &info.grant.subject),
        "iss": base_url(state),
        "aud": base_url(state),
        "exp": info.expires_at,
        "iat": info.issued_at,
    });
    // RFC 7662's token_type is an access token's type (RFC 6749 §5.1); a refresh token has none.
    if info.access {
        out["token_type"] = json!("Bearer");
    }
    if let Some(patient) = &info.grant.fhir_patient_id {
        out["patient"] = json!(patient);
        if info.scope.has(scopes::FHIR_USER) && info.grant.proxy_grant_id.is_none() {
            out["fhirUser"] = json!(format!("{}/Patient/{patient}", base_url(state)));
        }
    }
    Ok(json_response(StatusCode::OK, &out))
}
