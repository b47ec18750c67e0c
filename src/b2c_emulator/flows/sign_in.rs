//! The sign-in page: e-mail and password, then the second factor, the profile page or the
//! answer to the app, by flow; "Forgot your password?" by flavour.

use actix_web::HttpResponse;

use super::finish::finish;
use super::page::{error, field, unexpected_action, Errors, Flow, FlowForm};
use super::transaction::{Step, Transaction};
use crate::b2c_emulator::errors::EmulatorError;
use crate::b2c_emulator::store::{self, now};
use crate::b2c_emulator::tenant::FlowKind;
use crate::b2c_emulator::users::{self, SignIn};

pub(super) async fn step(
    flow: &Flow<'_>,
    mut tx: Transaction,
    form: &FlowForm,
    action: &str,
) -> Result<HttpResponse, EmulatorError> {
    match action {
        // External ID resets the password inside the sign-in page, then goes on signing in.
        "forgot" if flow.tenant.external_id() => {
            tx.step = Step::ResetEmail;
            tx.email_code_sent = false;
            tx.email_verified = false;
            flow.again(&tx).await
        }
        "forgot" => {
            store::delete_transaction(&flow.tenant.db, &tx.id).await?;
            tx.request.reply.error(
                "access_denied",
                "AADB2C90118: The user has forgotten their password.",
            )
        }
        "signin" => {
            let email = field(&form.email).to_string();
            let password = form.password.clone().unwrap_or_default();
            tx.email = Some(email.clone()).filter(|e| !e.is_empty());
            let mut errors = Errors::new();
            if email.is_empty() {
                errors.insert("email", "Please enter your Email Address".into());
            }
            if password.is_empty() {
                errors.insert("password", "Please enter your password".into());
            }
            if !errors.is_empty() {
                return flow.invalid(&tx, errors).await;
            }
            let user = match users::sign_in(&flow.tenant.db, &email, &password).await? {
                SignIn::Success(user) => user,
                SignIn::UnknownUser => {
                    return flow
                        .invalid(&tx, error("form", "We can't seem to find your account."))
                        .await
                }
                SignIn::WrongPassword => {
                    return flow
                        .invalid(&tx, error("form", "Your password is incorrect."))
                        .await
                }
                SignIn::Locked => {
                    return flow
                        .invalid(&tx, error("form", users::LOCKED_MESSAGE))
                        .await
                }
            };
            let auth_time = now();
            tx.oid = Some(user.oid.clone());
            tx.auth_time = Some(auth_time);
            match tx.kind {
                FlowKind::SignUpSignInMfa => {
                    tx.step = Step::Mfa;
                    flow.again(&tx).await
                }
                FlowKind::ProfileEdit => {
                    tx.step = Step::Edit;
                    flow.again(&tx).await
                }
                FlowKind::SignUpSignIn | FlowKind::PasswordReset => {
                    finish(flow.tenant, flow.req, &tx, &user.oid, auth_time, false).await
                }
            }
        }
        _ => Err(unexpected_action()),
    }
}
