//! Verifying an e-mail address with a code: one implementation for sign-up (the address must be
//! new) and password reset (the address must have an account).

use actix_web::HttpResponse;

use super::fields::valid_email;
use super::page::{error, field, Errors, Flow, FlowForm};
use super::transaction::{Step, Transaction};
use crate::b2c_emulator::codes::{self, CodeCheck, Delivery, Purpose};
use crate::b2c_emulator::errors::EmulatorError;
use crate::b2c_emulator::users;

/// Sends a code to the e-mail address typed (sign-up and reset share this).
pub(super) async fn send(
    flow: &Flow<'_>,
    tx: &mut Transaction,
    email: &str,
) -> Result<Option<Errors>, EmulatorError> {
    if !valid_email(email) {
        return Ok(Some(error("email", "Please enter a valid email address.")));
    }
    let email = users::normalise_email(email);
    let exists = users::by_email(&flow.tenant.db, &email).await?.is_some();
    match (tx.step, exists) {
        (Step::SignUp, true) => {
            return Ok(Some(error(
                "email",
                "A user with the specified ID already exists. Please choose a different one.",
            )))
        }
        (Step::ResetEmail, false) => {
            return Ok(Some(error(
                "email",
                "An account could not be found for the provided user ID.",
            )))
        }
        _ => {}
    }
    codes::send(
        &flow.tenant.db,
        &flow.tenant.settings.domain,
        tx.lang(),
        &tx.id,
        Purpose::Email,
        Delivery::Email,
        &email,
    )
    .await?;
    tx.email = Some(email);
    tx.email_code_sent = true;
    tx.email_verified = false;
    Ok(None)
}

pub(super) async fn verify(
    flow: &Flow<'_>,
    tx: &mut Transaction,
    code: &str,
) -> Result<Option<Errors>, EmulatorError> {
    let Some(email) = tx.email.clone().filter(|_| tx.email_code_sent) else {
        return Ok(Some(error("code", CodeCheck::NoCode.message())));
    };
    if code.is_empty() {
        return Ok(Some(error("code", "Please enter the verification code.")));
    }
    match codes::verify(&flow.tenant.db, &tx.id, Purpose::Email, &email, code).await? {
        CodeCheck::Valid => {
            tx.email_verified = true;
            Ok(None)
        }
        other => Ok(Some(error("code", other.message()))),
    }
}

/// The e-mail code actions that sign-up and password reset share: send a code to the address
/// typed, verify the code, change the address. `None` for any other action.
pub(super) async fn action(
    flow: &Flow<'_>,
    tx: &mut Transaction,
    form: &FlowForm,
    action: &str,
) -> Option<Result<HttpResponse, EmulatorError>> {
    let answer = match action {
        "send_code" => {
            let email = field(&form.email).to_string();
            match send(flow, tx, &email).await {
                Ok(None) => flow.again(tx).await,
                Ok(Some(errors)) => flow.invalid(tx, errors).await,
                Err(e) => Err(e),
            }
        }
        "verify_code" => match verify(flow, tx, field(&form.code)).await {
            Ok(None) => flow.again(tx).await,
            Ok(Some(errors)) => flow.invalid(tx, errors).await,
            Err(e) => Err(e),
        },
        "change_email" => {
            tx.email_code_sent = false;
            tx.email_verified = false;
            flow.again(tx).await
        }
        _ => return None,
    };
    Some(answer)
}
