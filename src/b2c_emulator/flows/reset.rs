//! Password reset: the account's e-mail address verified by a code, then a new password; then
//! the answer to the app, or the second factor when the reset is part of an MFA sign-in.

use actix_web::HttpResponse;

use super::email_code;
use super::finish::finish;
use super::page::{error, field, unexpected_action, Flow, FlowForm};
use super::transaction::{Step, Transaction};
use crate::b2c_emulator::errors::EmulatorError;
use crate::b2c_emulator::passwords::{self, NewPassword};
use crate::b2c_emulator::store::now;
use crate::b2c_emulator::tenant::FlowKind;
use crate::b2c_emulator::users;

pub(super) async fn email_step(
    flow: &Flow<'_>,
    mut tx: Transaction,
    form: &FlowForm,
    action: &str,
) -> Result<HttpResponse, EmulatorError> {
    if !tx.email_verified && form.email.is_some() {
        tx.email = Some(field(&form.email).to_string());
    }
    if let Some(answer) = email_code::action(flow, &mut tx, form, action).await {
        return answer;
    }
    match action {
        "continue" => {
            if !tx.email_verified {
                return flow
                    .invalid(
                        &tx,
                        error(
                            "email",
                            "Please verify your email address with a code first.",
                        ),
                    )
                    .await;
            }
            let email = tx.email.clone().unwrap_or_default();
            let Some(user) = users::by_email(&flow.tenant.db, &email).await? else {
                return flow
                    .invalid(
                        &tx,
                        error(
                            "email",
                            "An account could not be found for the provided user ID.",
                        ),
                    )
                    .await;
            };
            tx.oid = Some(user.oid);
            tx.step = Step::ResetPassword;
            flow.again(&tx).await
        }
        _ => Err(unexpected_action()),
    }
}

pub(super) async fn password_step(
    flow: &Flow<'_>,
    mut tx: Transaction,
    form: &FlowForm,
    action: &str,
) -> Result<HttpResponse, EmulatorError> {
    if action != "continue" {
        return Err(unexpected_action());
    }
    let user = flow.current_user(&tx).await?;
    let password = match NewPassword::parse(
        form.new_password.as_deref().unwrap_or_default(),
        form.confirm_password.as_deref().unwrap_or_default(),
    ) {
        Ok(password) => password,
        Err(message) => return flow.invalid(&tx, error("new_password", message)).await,
    };
    let hash = passwords::hash(password).await?;
    users::set_password(&flow.tenant.db, &user.oid, &hash).await?;
    let auth_time = now();
    tx.auth_time = Some(auth_time);
    // A reset inside an MFA sign-in (External ID) still needs the second factor.
    if tx.kind == FlowKind::SignUpSignInMfa {
        tx.step = Step::Mfa;
        return flow.again(&tx).await;
    }
    finish(flow.tenant, flow.req, &tx, &user.oid, auth_time, false).await
}
