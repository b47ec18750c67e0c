//! The end-session endpoint.
//!
//! Owns: ending the emulator's SSO session (server row and cookie) and the decision where to go
//! next: to `post_logout_redirect_uri` only when it is registered exactly and the `id_token_hint`,
//! when given, is a token we signed for this app (expired is fine); otherwise a "You have signed
//! out" page. `state` is passed through.
//! Never: redirects to an unregistered URI.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::errors::EmulatorError;
use super::i18n::{self, Text};
use super::tenant::Tenant;
use super::{pages, sso};

#[derive(Debug, Default, Deserialize)]
struct LogoutParams {
    post_logout_redirect_uri: Option<String>,
    id_token_hint: Option<String>,
    state: Option<String>,
}

/// `GET /{tenant}/{policy}/oauth2/v2.0/logout`
pub(crate) async fn get(
    tenant: web::Data<Tenant>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, EmulatorError> {
    let (t, p) = path.into_inner();
    tenant.policy(&t, &p)?;
    let params: LogoutParams = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| EmulatorError::bad_request(Text::new("emu-signout-unreadable")))?;
    let removal = sso::end(&req, &tenant.db).await?;

    let app = &tenant.settings.app;
    let mut note = None;
    let target = match params.post_logout_redirect_uri.filter(|u| !u.is_empty()) {
        None => None,
        Some(uri) if !app.post_logout_redirect_uris.contains(&uri) => {
            note = Some("emu-signout-not-registered");
            None
        }
        Some(uri) => match params.id_token_hint.filter(|h| !h.is_empty()) {
            None => Some(uri),
            Some(hint) => {
                match tenant
                    .keys
                    .verify_ours(&tenant.db, &hint, &tenant.issuer(), &app.client_id)
                    .await
                {
                    Ok(_) => Some(uri),
                    Err(e) => {
                        tracing::info!(reason = %e, "B2C emulator logout: id_token_hint rejected");
                        note = Some("emu-signout-not-verified");
                        None
                    }
                }
            }
        },
    };

    let mut response = match target {
        Some(uri) => {
            let mut url = url::Url::parse(&uri).map_err(|_| {
                EmulatorError::bad_request(Text::coded("AADB2C90067", "emu-aadb2c90067"))
            })?;
            if let Some(state) = params.state.filter(|s| !s.is_empty()) {
                url.query_pairs_mut().append_pair("state", &state);
            }
            HttpResponse::Found()
                .insert_header(("Location", url.to_string()))
                .finish()
        }
        None => {
            let mut ctx = tera::Context::new();
            // In the request's language, as the page around it (#31).
            ctx.insert("note", &note.map(|key| i18n::tr(i18n::current(), key)));
            pages::render(StatusCode::OK, "signed_out.html", &ctx)?
        }
    };
    response
        .add_cookie(&removal)
        .map_err(|e| EmulatorError::Internal(anyhow::anyhow!("clearing the SSO cookie: {e}")))?;
    Ok(response)
}
