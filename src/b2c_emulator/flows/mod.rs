//! The pages of the user flows: sign-in, sign-up (e-mail verified by a code), MFA by phone (text or
//! call, enrolment on first use), password reset, profile edit; and `finish`, which ends a flow with
//! an authorization code, a fresh SSO session and the answer to the app.
//!
//! Owns: `Transaction` (the flow's state, server-side behind an opaque id in the URL) and its
//! steps. Every page works without JavaScript: one form per page, several submit buttons named
//! `action`, state kept in the transaction between posts (POST, then 303 to the page; a failed
//! check re-renders with 400 and the message tied to its field).
//! Never: moves a transaction to a later step without the check that guards it (password, code).
//!
//! One file per step (`sign_in`, `sign_up`, `mfa`, `reset`, `edit`); what they share is in
//! `page` (form, errors, rendering), `email_code` (sign-up's and reset's e-mail verification),
//! `profile`, `fields` and `finish`. This file is the two handlers that dispatch to the steps.

mod edit;
mod email_code;
mod fields;
mod finish;
mod mfa;
mod page;
mod profile;
mod reset;
mod sign_in;
mod sign_up;
mod transaction;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[cfg(test)]
pub(crate) use fields::COUNTRIES;
pub(crate) use finish::finish;
use page::{render_step, Errors, Flow, FlowForm};
pub(crate) use transaction::{flow_url, Step, Transaction};

use super::errors::EmulatorError;
use super::i18n::{self, Text};
use super::store;
use super::tenant::{FlowKind, Policy, Tenant};

#[derive(Debug, Deserialize)]
struct FlowQuery {
    tx: String,
    view: Option<String>,
}

async fn load(
    tenant: &Tenant,
    path: web::Path<(String, String)>,
    req: &HttpRequest,
) -> Result<(Policy, Transaction, Option<String>), EmulatorError> {
    let (t, p) = path.into_inner();
    let policy = tenant.policy(&t, &p)?;
    let query: FlowQuery = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| EmulatorError::bad_request(Text::coded("AADB2C90046", "emu-aadb2c90046")))?;
    let tx: Transaction = store::load_transaction(&tenant.db, &query.tx).await?;
    if !tx.policy_id.eq_ignore_ascii_case(&policy.id) {
        return Err(EmulatorError::bad_request(Text::coded(
            "AADB2C90046",
            "emu-aadb2c90046",
        )));
    }
    Ok((policy, tx, query.view))
}

/// `GET .../api/flow?tx=...`: the current page of the flow.
pub(crate) async fn get(
    tenant: web::Data<Tenant>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, EmulatorError> {
    let (policy, mut tx, view) = load(&tenant, path, &req).await?;
    in_the_flow_s_language(tx.lang(), async {
        let signs_up = matches!(tx.kind, FlowKind::SignUpSignIn | FlowKind::SignUpSignInMfa);
        match (view.as_deref(), tx.step) {
            (Some("signup"), Step::SignIn) if signs_up => {
                tx.step = Step::SignUp;
                store::save_transaction(&tenant.db, &tx.id, &tx).await?;
            }
            (Some("signin"), Step::SignUp) => {
                tx.step = Step::SignIn;
                store::save_transaction(&tenant.db, &tx.id, &tx).await?;
            }
            _ => {}
        }
        render_step(&tenant, &policy, &tx, &Errors::new(), StatusCode::OK).await
    })
    .await
}

/// Runs a step in the flow's language, its error page included: the page is made here, inside,
/// rather than by actix after the handler (outside, in the browser's language).
async fn in_the_flow_s_language(
    lang: &'static str,
    step: impl std::future::Future<Output = Result<HttpResponse, EmulatorError>>,
) -> Result<HttpResponse, EmulatorError> {
    i18n::within(lang, async {
        step.await
            .or_else(|e| Ok(actix_web::ResponseError::error_response(&e)))
    })
    .await
}

/// `POST .../api/flow?tx=...`: one submit button of the current page.
pub(crate) async fn post(
    tenant: web::Data<Tenant>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, EmulatorError> {
    let (policy, tx, _) = load(&tenant, path, &req).await?;
    let lang = tx.lang();
    in_the_flow_s_language(lang, step(&tenant, &policy, &req, tx, &body)).await
}

/// One submit button of the current page of `tx`.
async fn step(
    tenant: &Tenant,
    policy: &Policy,
    req: &HttpRequest,
    tx: Transaction,
    body: &[u8],
) -> Result<HttpResponse, EmulatorError> {
    let form: FlowForm = serde_urlencoded::from_bytes(body)
        .map_err(|_| EmulatorError::bad_request(Text::new("emu-form-unreadable")))?;
    let action = form.action.clone().unwrap_or_default();
    if action == "cancel" {
        store::delete_transaction(&tenant.db, &tx.id).await?;
        return tx.request.reply.error(
            "access_denied",
            "AADB2C90091: The user has cancelled entering self-asserted information.",
        );
    }
    let flow = Flow {
        tenant,
        policy,
        req,
    };
    match tx.step {
        Step::SignIn => sign_in::step(&flow, tx, &form, &action).await,
        Step::SignUp => sign_up::step(&flow, tx, &form, &action).await,
        Step::Mfa => mfa::step(&flow, tx, &form, &action).await,
        Step::ResetEmail => reset::email_step(&flow, tx, &form, &action).await,
        Step::ResetPassword => reset::password_step(&flow, tx, &form, &action).await,
        Step::Edit => edit::step(&flow, tx, &form, &action).await,
    }
}
