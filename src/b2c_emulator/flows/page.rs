//! What every step of a flow shares: the submitted form, its error messages, `Flow` (saving
//! the transaction and showing the page again), and rendering the current step's page.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::fields::{mask_email, mask_phone, CALLING_CODES, COUNTRIES};
use super::transaction::{flow_url, Step, Transaction};
use crate::b2c_emulator::codes::Delivery;
use crate::b2c_emulator::errors::EmulatorError;
use crate::b2c_emulator::i18n::{self, Text};
use crate::b2c_emulator::tenant::{FlowKind, Policy, Tenant};
use crate::b2c_emulator::{pages, store, users};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct FlowForm {
    pub(super) action: Option<String>,
    pub(super) email: Option<String>,
    pub(super) password: Option<String>,
    pub(super) code: Option<String>,
    pub(super) new_password: Option<String>,
    pub(super) confirm_password: Option<String>,
    pub(super) given_name: Option<String>,
    pub(super) surname: Option<String>,
    pub(super) country: Option<String>,
    pub(super) phone_country: Option<String>,
    pub(super) phone_number: Option<String>,
}

pub(super) fn field(value: &Option<String>) -> &str {
    value.as_deref().map(str::trim).unwrap_or_default()
}

pub(super) type Errors = BTreeMap<&'static str, String>;

pub(super) fn error(field: &'static str, message: impl Into<String>) -> Errors {
    let mut errors = Errors::new();
    errors.insert(field, message.into());
    errors
}

pub(super) fn unexpected_action() -> EmulatorError {
    EmulatorError::bad_request(Text::new("emu-unexpected-action"))
}

pub(super) struct Flow<'a> {
    pub(super) tenant: &'a Tenant,
    pub(super) policy: &'a Policy,
    pub(super) req: &'a HttpRequest,
}

impl Flow<'_> {
    /// Saves the transaction and shows its (new) current page.
    pub(super) async fn again(&self, tx: &Transaction) -> Result<HttpResponse, EmulatorError> {
        store::save_transaction(&self.tenant.db, &tx.id, tx).await?;
        Ok(HttpResponse::SeeOther()
            .insert_header(("Location", flow_url(self.tenant, self.policy, &tx.id)))
            .finish())
    }

    /// Saves what was typed and shows the page again with the messages.
    pub(super) async fn invalid(
        &self,
        tx: &Transaction,
        errors: Errors,
    ) -> Result<HttpResponse, EmulatorError> {
        store::save_transaction(&self.tenant.db, &tx.id, tx).await?;
        render_step(
            self.tenant,
            self.policy,
            tx,
            &errors,
            StatusCode::BAD_REQUEST,
        )
        .await
    }

    pub(super) async fn current_user(
        &self,
        tx: &Transaction,
    ) -> Result<users::User, EmulatorError> {
        let oid = tx
            .oid
            .as_deref()
            .ok_or_else(|| EmulatorError::bad_request(Text::new("emu-sign-in-first")))?;
        users::by_oid(&self.tenant.db, oid)
            .await?
            .ok_or_else(|| EmulatorError::bad_request(Text::new("emu-account-gone")))
    }
}

#[derive(Serialize)]
struct Choice {
    value: &'static str,
    label: String,
}

/// The countries of the sign-up and profile pages: the ISO code as the value, the name in the
/// page's language as the label (#31), in the alphabetical order of that language.
fn countries(lang: &str) -> Vec<Choice> {
    let mut named: Vec<(&'static str, String)> = COUNTRIES
        .iter()
        .map(|code| (*code, i18n::tr(lang, &country_key(code))))
        .collect();
    i18n::sort_by_label(&mut named);
    named
        .into_iter()
        .map(|(value, label)| Choice { value, label })
        .collect()
}

/// The message key of a country's name: `emu-country-` and its code in lower case.
pub(super) fn country_key(code: &str) -> String {
    format!("emu-country-{}", code.to_ascii_lowercase())
}

/// The calling codes of the MFA page, in their order (the first is chosen), each the
/// country's name in the page's language and the code.
fn calling_codes(lang: &str) -> Vec<Choice> {
    CALLING_CODES
        .iter()
        .map(|(code, key)| Choice {
            value: code,
            label: i18n::tr_args(
                lang,
                "emu-calling-code",
                &[("country", &i18n::tr(lang, key)), ("code", code)],
            ),
        })
        .collect()
}

pub(super) async fn render_step(
    tenant: &Tenant,
    policy: &Policy,
    tx: &Transaction,
    errors: &Errors,
    status: StatusCode,
) -> Result<HttpResponse, EmulatorError> {
    let mut ctx = tera::Context::new();
    // The pages in the language the relying party asked for (#31).
    let lang = tx.lang();
    ctx.insert("lang", lang);
    let url = flow_url(tenant, policy, &tx.id);
    ctx.insert("action", &url);
    // The flows write B2C's English; the page shows each message in its language.
    let errors: Errors = errors
        .iter()
        .map(|(field, message)| (*field, i18n::localize_error(lang, message)))
        .collect();
    ctx.insert("errors", &errors);
    ctx.insert("email", tx.email.as_deref().unwrap_or_default());
    ctx.insert("email_code_sent", &tx.email_code_sent);
    ctx.insert("email_verified", &tx.email_verified);
    ctx.insert("countries", &countries(lang));
    ctx.insert(
        "can_sign_up",
        &matches!(tx.kind, FlowKind::SignUpSignIn | FlowKind::SignUpSignInMfa),
    );
    ctx.insert("signup_url", &format!("{url}&view=signup"));
    ctx.insert("signin_url", &format!("{url}&view=signin"));
    let template = match tx.step {
        Step::SignIn => "signin.html",
        Step::SignUp => {
            ctx.insert("given_name", tx.given_name.as_deref().unwrap_or_default());
            ctx.insert("surname", tx.surname.as_deref().unwrap_or_default());
            ctx.insert("country", tx.country.as_deref().unwrap_or_default());
            "signup.html"
        }
        Step::Mfa => {
            let oid = tx.oid.as_deref().unwrap_or_default();
            let user = users::by_oid(&tenant.db, oid)
                .await?
                .ok_or_else(|| EmulatorError::bad_request(Text::new("emu-account-gone")))?;
            ctx.insert("enrolled", &user.phone.is_some());
            let phone = user.phone.as_deref().or(tx.phone_pending.as_deref());
            ctx.insert("masked_phone", &phone.map(mask_phone).unwrap_or_default());
            ctx.insert(
                "phone_number",
                tx.phone_pending.as_deref().unwrap_or_default(),
            );
            ctx.insert("calling_codes", &calling_codes(lang));
            ctx.insert(
                "code_sent",
                &match tx.phone_code_sent {
                    Some(Delivery::Call) => "call",
                    Some(Delivery::Email) => "email",
                    Some(_) => "sms",
                    None => "",
                },
            );
            ctx.insert("external_id", &tenant.external_id());
            ctx.insert("masked_email", &mask_email(&user.email));
            "mfa.html"
        }
        Step::ResetEmail => "reset.html",
        Step::ResetPassword => "reset_password.html",
        Step::Edit => {
            let oid = tx.oid.as_deref().unwrap_or_default();
            let user = users::by_oid(&tenant.db, oid)
                .await?
                .ok_or_else(|| EmulatorError::bad_request(Text::new("emu-account-gone")))?;
            ctx.insert("email", &user.email);
            ctx.insert(
                "given_name",
                tx.given_name.as_deref().unwrap_or(&user.given_name),
            );
            ctx.insert("surname", tx.surname.as_deref().unwrap_or(&user.surname));
            ctx.insert(
                "country",
                tx.country
                    .as_deref()
                    .or(user.country.as_deref())
                    .unwrap_or_default(),
            );
            "edit.html"
        }
    };
    pages::render(status, template, &ctx)
}
