//! The authorization endpoint: checks the request as B2C does, then either answers at once (an SSO
//! session suffices, or `prompt=none`) or opens a flow transaction and sends the browser to its
//! first page.
//!
//! Owns: the order of checks that make an `AuthRequest` (a validated request). A bad client id or redirect
//! URI is an error page that redirects nowhere (AADB2C90018, AADB2C90006); anything else wrong goes
//! back to the (registered) redirect URI as `error` + `error_description`.
//! Never: puts flow state in a URL beyond the transaction's opaque id.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::auth_request::AuthRequest;
use super::errors::EmulatorError;
use super::flows::{self, Step, Transaction};
use super::i18n::Text;
use super::reply::{ReplyTo, ResponseMode};
use super::sso::{self, SsoDecision};
use super::store::{self, now, random_token};
use super::tenant::{AppRegistration, FlowKind, Tenant};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuthorizeParams {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub response_type: Option<String>,
    pub response_mode: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<String>,
    pub login_hint: Option<String>,
    /// The language(s) the relying party asks the pages in (#31).
    pub ui_locales: Option<String>,
}

#[derive(Debug)]
pub(crate) enum Rejection {
    /// Shown on the emulator, in the request's language; the redirect URI cannot be trusted.
    Page(Text),
    /// Sent back to the app. The description is read by the app, not by a person: B2C's
    /// English in every language, as B2C sends it (#31).
    Reply {
        reply: ReplyTo,
        error: &'static str,
        description: String,
    },
}

const PROMPTS: &[&str] = &["none", "login", "consent", "select_account"];
const IMPLICIT_TYPES: &[&str] = &[
    "code id_token",
    "code token",
    "code id_token token",
    "id_token",
    "id_token token",
    "token",
    "token id_token",
];

fn pkce_value_ok(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// Checks an authorization request in B2C's order.
pub(crate) fn validate(
    params: AuthorizeParams,
    app: &AppRegistration,
    domain: &str,
) -> Result<AuthRequest, Rejection> {
    let client_id = params.client_id.unwrap_or_default();
    if client_id.is_empty() {
        return Err(Rejection::Page(Text::coded(
            "AADB2C90008",
            "emu-aadb2c90008",
        )));
    }
    if client_id != app.client_id {
        return Err(Rejection::Page(
            Text::coded("AADB2C90018", "emu-aadb2c90018")
                .arg("client_id", client_id)
                .arg("tenant", domain),
        ));
    }
    let redirect_uri = params.redirect_uri.unwrap_or_default();
    if !app.redirect_uris.contains(&redirect_uri) {
        return Err(Rejection::Page(
            Text::coded("AADB2C90006", "emu-aadb2c90006")
                .arg("uri", redirect_uri)
                .arg("client_id", client_id),
        ));
    }
    let mut reply = ReplyTo {
        redirect_uri,
        response_mode: ResponseMode::Query,
        state: params.state.filter(|s| !s.is_empty()),
    };
    let reject = |reply: ReplyTo, error: &'static str, description: String| {
        Err(Rejection::Reply {
            reply,
            error,
            description,
        })
    };
    match ResponseMode::parse(params.response_mode.as_deref()) {
        Some(mode) => reply.response_mode = mode,
        None => {
            return reject(
                reply,
                "invalid_request",
                format!(
                    "AADB2C90014: The requested response mode '{}' provided in the request is not supported.",
                    params.response_mode.unwrap_or_default()
                ),
            )
        }
    }
    let response_type = params
        .response_type
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if response_type != "code" {
        let description = if IMPLICIT_TYPES.contains(&response_type.as_str()) {
            "AADB2C90057: The provided application is not configured to allow the 'OAuth' Implicit flow.".to_string()
        } else {
            format!("AADB2C90013: The requested response type '{response_type}' provided in the request is not supported.")
        };
        return reject(reply, "unsupported_response_type", description);
    }
    let scope = params.scope.unwrap_or_default();
    let scopes: Vec<String> = scope.split_whitespace().map(str::to_string).collect();
    if scopes.is_empty() {
        return reject(
            reply,
            "invalid_request",
            "AADB2C90010: The request does not contain a scope parameter.".into(),
        );
    }
    let known = |s: &str| {
        ["openid", "offline_access", "profile", "email"].contains(&s) || s == app.client_id
    };
    if let Some(unknown) = scopes.iter().find(|s| !known(s)) {
        return reject(
            reply,
            "invalid_scope",
            format!("AADB2C90012: The scope '{unknown}' provided in request is not supported."),
        );
    }
    if !scopes.iter().any(|s| s == "openid") {
        return reject(
            reply,
            "invalid_scope",
            format!("AADB2C90012: The scope '{scope}' provided in request is not supported: it must include 'openid'."),
        );
    }
    let prompt = params.prompt.filter(|p| !p.is_empty());
    if let Some(p) = &prompt {
        if !PROMPTS.contains(&p.as_str()) {
            return reject(
                reply,
                "invalid_request",
                format!("AADB2C90043: The prompt included in the request contains invalid values. Expected 'none', 'login', 'consent' or 'select_account'. Found '{p}'."),
            );
        }
    }
    let max_age = match params.max_age.filter(|m| !m.is_empty()) {
        None => None,
        Some(m) => match m.parse::<i64>() {
            Ok(v) if (0..=i64::from(i32::MAX)).contains(&v) => Some(v),
            _ => {
                return reject(
                    reply,
                    "invalid_request",
                    format!("AADB2C90120: The maximum allowed value of the max_age parameter is 2147483647. The provided value '{m}' is not valid."),
                )
            }
        },
    };
    let code_challenge = params.code_challenge.filter(|c| !c.is_empty());
    let code_challenge_method = params.code_challenge_method.filter(|m| !m.is_empty());
    match (&code_challenge, &code_challenge_method) {
        (None, Some(_)) => {
            return reject(
                reply,
                "invalid_request",
                "AADB2C90181: The code_challenge parameter is required when code_challenge_method is sent.".into(),
            )
        }
        (Some(challenge), method) => {
            let method = method.as_deref().unwrap_or("plain");
            if method != "S256" && method != "plain" {
                return reject(
                    reply,
                    "invalid_request",
                    format!("AADB2C90182: The code_challenge_method '{method}' is not supported. Supported values are 'S256' and 'plain'."),
                );
            }
            if !pkce_value_ok(challenge) {
                return reject(
                    reply,
                    "invalid_request",
                    "AADB2C90182: The code_challenge is not valid.".into(),
                );
            }
        }
        (None, None) => {}
    }
    Ok(AuthRequest {
        client_id,
        reply,
        scopes,
        nonce: params.nonce.filter(|n| !n.is_empty()),
        code_challenge_method: code_challenge
            .as_ref()
            .map(|_| code_challenge_method.unwrap_or_else(|| "plain".into())),
        code_challenge,
        prompt,
        max_age,
        login_hint: params.login_hint.filter(|h| !h.trim().is_empty()),
        ui_locales: params.ui_locales.filter(|l| !l.trim().is_empty()),
    })
}

/// `GET .../oauth2/v2.0/authorize`
pub(crate) async fn get(
    tenant: web::Data<Tenant>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, EmulatorError> {
    let params: AuthorizeParams = serde_urlencoded::from_str(req.query_string()).map_err(|_| {
        EmulatorError::bad_request(Text::coded("AADB2C90085", "emu-aadb2c90085-unreadable"))
    })?;
    start(tenant, path, req, params).await
}

/// `POST .../oauth2/v2.0/authorize` (form-encoded, as B2C also accepts).
pub(crate) async fn post(
    tenant: web::Data<Tenant>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, EmulatorError> {
    let params: AuthorizeParams = serde_urlencoded::from_bytes(&body).map_err(|_| {
        EmulatorError::bad_request(Text::coded("AADB2C90085", "emu-aadb2c90085-unreadable"))
    })?;
    start(tenant, path, req, params).await
}

async fn start(
    tenant: web::Data<Tenant>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    params: AuthorizeParams,
) -> Result<HttpResponse, EmulatorError> {
    let (t, p) = path.into_inner();
    let policy = tenant.policy(&t, &p)?;
    store::cleanup(&tenant.db).await?;
    let request = match validate(params, &tenant.settings.app, &tenant.settings.domain) {
        Ok(request) => request,
        Err(Rejection::Page(message)) => return Err(EmulatorError::bad_request(message)),
        Err(Rejection::Reply {
            reply,
            error,
            description,
        }) => return reply.error(error, &description),
    };

    let session = sso::current(&req, &tenant.db).await?;
    let decision = sso::decide(
        session.as_ref(),
        policy.kind,
        request.prompt.as_deref() == Some("login"),
        request.max_age,
        now(),
    );
    if request.prompt.as_deref() == Some("none") && decision != SsoDecision::Complete {
        return request.reply.error(
            "interaction_required",
            "AADB2C90077: User does not have an existing session and request prompt parameter has a value of 'None'.",
        );
    }

    let mut tx = Transaction::new(random_token(32), &policy, request);
    match (decision, session) {
        (SsoDecision::Complete, Some(session))
            if policy.kind != FlowKind::ProfileEdit
                || tx.request.prompt.as_deref() == Some("none") =>
        {
            return flows::finish(&tenant, &req, &tx, &session.oid, session.auth_time, false).await;
        }
        (SsoDecision::Complete, Some(session)) => {
            tx.oid = Some(session.oid);
            tx.auth_time = Some(session.auth_time);
            tx.step = Step::Edit;
        }
        (SsoDecision::NeedMfa, Some(session)) => {
            tx.oid = Some(session.oid);
            tx.auth_time = Some(session.auth_time);
            tx.step = Step::Mfa;
        }
        _ => {}
    }
    store::save_transaction(&tenant.db, &tx.id, &tx).await?;
    Ok(HttpResponse::Found()
        .insert_header(("Location", flows::flow_url(&tenant, &policy, &tx.id)))
        .finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> AppRegistration {
        AppRegistration {
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            client_secret: "s".into(),
            redirect_uris: vec!["https://localhost:8443/signin-oidc".into()],
            post_logout_redirect_uris: vec![],
        }
    }

    fn params() -> AuthorizeParams {
        AuthorizeParams {
            client_id: Some(app().client_id),
            redirect_uri: Some("https://localhost:8443/signin-oidc".into()),
            response_type: Some("code".into()),
            scope: Some("openid offline_access".into()),
            state: Some("st".into()),
            code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
            code_challenge_method: Some("S256".into()),
            ..Default::default()
        }
    }

    fn page(result: Result<AuthRequest, Rejection>) -> String {
        match result {
            Err(Rejection::Page(m)) => m.to_string(),
            other => panic!("expected an error page, got {other:?}"),
        }
    }

    fn reply_error(result: Result<AuthRequest, Rejection>) -> (&'static str, String) {
        match result {
            Err(Rejection::Reply {
                error, description, ..
            }) => (error, description),
            other => panic!("expected an error reply, got {other:?}"),
        }
    }

    #[test]
    fn valid_request_passes() {
        let r = validate(params(), &app(), "d").unwrap();
        assert_eq!(r.reply.response_mode, ResponseMode::Query);
        assert_eq!(r.code_challenge_method.as_deref(), Some("S256"));
    }

    #[test]
    fn redirect_uri_must_match_exactly() {
        for uri in [
            "https://localhost:8443/signin-oidc/",
            "https://127.0.0.1:8443/signin-oidc",
            "https://localhost:8443/SIGNIN-OIDC",
        ] {
            let mut p = params();
            p.redirect_uri = Some(uri.into());
            assert!(page(validate(p, &app(), "d")).starts_with("AADB2C90006"));
        }
    }

    #[test]
    fn unknown_client_is_a_page() {
        let mut p = params();
        p.client_id = Some("other".into());
        assert!(page(validate(p, &app(), "d")).starts_with("AADB2C90018"));
    }

    #[test]
    fn other_errors_go_back_to_the_app() {
        let mut p = params();
        p.response_type = Some("id_token".into());
        assert_eq!(
            reply_error(validate(p, &app(), "d")).0,
            "unsupported_response_type"
        );
        let mut p = params();
        p.scope = Some("offline_access".into());
        assert_eq!(reply_error(validate(p, &app(), "d")).0, "invalid_scope");
        let mut p = params();
        p.prompt = Some("sometimes".into());
        assert!(reply_error(validate(p, &app(), "d"))
            .1
            .starts_with("AADB2C90043"));
        let mut p = params();
        p.code_challenge_method = Some("S512".into());
        assert_eq!(reply_error(validate(p, &app(), "d")).0, "invalid_request");
        let mut p = params();
        p.max_age = Some("-1".into());
        assert!(reply_error(validate(p, &app(), "d"))
            .1
            .starts_with("AADB2C90120"));
    }

    #[test]
    fn plain_is_the_default_challenge_method() {
        let mut p = params();
        p.code_challenge_method = None;
        let r = validate(p, &app(), "d").unwrap();
        assert_eq!(r.code_challenge_method.as_deref(), Some("plain"));
    }
}
