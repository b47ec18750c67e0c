//! Answers to the app's redirect URI, in the response_mode the request asked for.
//!
//! Owns: `ReplyTo` (a redirect URI that was checked against the registration, its response_mode
//! and state) and the three encodings: `query` (302 with a query), `fragment` (302 with a
//! fragment), `form_post` (an HTML form that posts to the app: a "Continue" button, and an external
//! script that submits it; no inline script). Errors carry B2C's `AADB2C` code, a correlation id
//! and a timestamp in `error_description`.
//! Never: answers to a redirect URI that was not matched against the registration.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};

use super::errors::{with_correlation, EmulatorError};
use super::pages;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

impl ResponseMode {
    pub fn parse(value: Option<&str>) -> Option<ResponseMode> {
        match value {
            None | Some("query") => Some(ResponseMode::Query),
            Some("fragment") => Some(ResponseMode::Fragment),
            Some("form_post") => Some(ResponseMode::FormPost),
            Some(_) => None,
        }
    }
}

/// Where and how to answer. Only built from a redirect URI that matched a registered one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ReplyTo {
    pub redirect_uri: String,
    pub response_mode: ResponseMode,
    pub state: Option<String>,
}

#[derive(Serialize)]
struct Field {
    name: String,
    value: String,
}

impl ReplyTo {
    /// `code` (and `state`) back to the app.
    pub fn code(&self, code: &str) -> Result<HttpResponse, EmulatorError> {
        let mut params = Vec::new();
        if let Some(state) = &self.state {
            params.push(("state", state.clone()));
        }
        params.push(("code", code.to_string()));
        self.respond(params)
    }

    /// `error`, `error_description` (and `state`) back to the app.
    pub fn error(&self, error: &str, description: &str) -> Result<HttpResponse, EmulatorError> {
        let mut params = vec![
            ("error", error.to_string()),
            ("error_description", with_correlation(description)),
        ];
        if let Some(state) = &self.state {
            params.push(("state", state.clone()));
        }
        self.respond(params)
    }

    fn respond(&self, params: Vec<(&str, String)>) -> Result<HttpResponse, EmulatorError> {
        match self.response_mode {
            ResponseMode::Query | ResponseMode::Fragment => {
                let location = self.location(&params)?;
                Ok(HttpResponse::Found()
                    .insert_header(("Location", location))
                    .finish())
            }
            ResponseMode::FormPost => {
                let fields: Vec<Field> = params
                    .into_iter()
                    .map(|(name, value)| Field {
                        name: name.to_string(),
                        value,
                    })
                    .collect();
                let mut ctx = tera::Context::new();
                ctx.insert("action", &self.redirect_uri);
                ctx.insert("fields", &fields);
                pages::render(StatusCode::OK, "form_post.html", &ctx)
            }
        }
    }

    pub fn location(&self, params: &[(&str, String)]) -> Result<String, EmulatorError> {
        let mut url = url::Url::parse(&self.redirect_uri).map_err(|_| {
            EmulatorError::bad_request(
                super::i18n::Text::coded("AADB2C90006", "emu-aadb2c90006-invalid")
                    .arg("uri", &self.redirect_uri),
            )
        })?;
        match self.response_mode {
            ResponseMode::Fragment => {
                let encoded = serde_urlencoded::to_string(params)
                    .map_err(|e| EmulatorError::Internal(e.into()))?;
                url.set_fragment(Some(&encoded));
            }
            _ => {
                url.query_pairs_mut()
                    .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
            }
        }
        Ok(url.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(mode: ResponseMode) -> ReplyTo {
        ReplyTo {
            redirect_uri: "https://localhost:8443/signin-oidc?x=1".into(),
            response_mode: mode,
            state: Some("s t".into()),
        }
    }

    #[test]
    fn query_keeps_existing_query_and_encodes() {
        let loc = reply(ResponseMode::Query)
            .location(&[("state", "s t".into()), ("code", "c&d".into())])
            .unwrap();
        assert_eq!(
            loc,
            "https://localhost:8443/signin-oidc?x=1&state=s+t&code=c%26d"
        );
    }

    #[test]
    fn fragment_puts_params_after_hash() {
        let loc = reply(ResponseMode::Fragment)
            .location(&[("code", "c".into())])
            .unwrap();
        assert_eq!(loc, "https://localhost:8443/signin-oidc?x=1#code=c");
    }

    #[test]
    fn response_modes_parse() {
        assert_eq!(ResponseMode::parse(None), Some(ResponseMode::Query));
        assert_eq!(
            ResponseMode::parse(Some("form_post")),
            Some(ResponseMode::FormPost)
        );
        assert_eq!(ResponseMode::parse(Some("web_message")), None);
    }
}
