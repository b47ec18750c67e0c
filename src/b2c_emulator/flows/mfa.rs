//! The second factor: a code by text or call to the enrolled phone (enrolling one on first
//! use), or by e-mail in External ID; then the answer to the app.

use actix_web::HttpResponse;

use super::fields::parse_phone;
use super::finish::finish;
use super::page::{error, field, unexpected_action, Flow, FlowForm};
use super::transaction::Transaction;
use crate::b2c_emulator::codes::{self, CodeCheck, Delivery, Purpose};
use crate::b2c_emulator::errors::EmulatorError;
use crate::b2c_emulator::store::now;
use crate::b2c_emulator::users;

pub(super) async fn step(
    flow: &Flow<'_>,
    mut tx: Transaction,
    form: &FlowForm,
    action: &str,
) -> Result<HttpResponse, EmulatorError> {
    let user = flow.current_user(&tx).await?;
    match action {
        "send_sms" | "call" => {
            let delivery = if action == "call" {
                Delivery::Call
            } else {
                Delivery::Sms
            };
            let typed = field(&form.phone_number);
            let recipient = match (&user.phone, &tx.phone_pending) {
                (Some(phone), _) => phone.clone(),
                // "Send a new code" to the number being enrolled.
                (None, Some(pending)) if typed.is_empty() => pending.clone(),
                (None, _) => match parse_phone(field(&form.phone_country), typed) {
                    Ok(phone) => {
                        tx.phone_pending = Some(phone.clone());
                        phone
                    }
                    Err(message) => return flow.invalid(&tx, error("phone_number", message)).await,
                },
            };
            codes::send(
                &flow.tenant.db,
                &flow.tenant.settings.domain,
                tx.lang(),
                &tx.id,
                Purpose::Phone,
                delivery,
                &recipient,
            )
            .await?;
            tx.phone_code_sent = Some(delivery);
            flow.again(&tx).await
        }
        // External ID's customers may take the second factor by e-mail (the first was
        // the password).
        "send_email" if flow.tenant.external_id() => {
            codes::send(
                &flow.tenant.db,
                &flow.tenant.settings.domain,
                tx.lang(),
                &tx.id,
                Purpose::Phone,
                Delivery::Email,
                &user.email,
            )
            .await?;
            tx.phone_code_sent = Some(Delivery::Email);
            flow.again(&tx).await
        }
        "verify" if tx.phone_code_sent == Some(Delivery::Email) => {
            let code = field(&form.code);
            if code.is_empty() {
                return flow
                    .invalid(&tx, error("code", "Please enter the verification code."))
                    .await;
            }
            match codes::verify(&flow.tenant.db, &tx.id, Purpose::Phone, &user.email, code).await? {
                CodeCheck::Valid => {
                    let auth_time = tx.auth_time.unwrap_or_else(now);
                    finish(flow.tenant, flow.req, &tx, &user.oid, auth_time, true).await
                }
                other => flow.invalid(&tx, error("code", other.message())).await,
            }
        }
        "verify" => {
            let Some(recipient) = user.phone.clone().or_else(|| tx.phone_pending.clone()) else {
                return flow
                    .invalid(&tx, error("code", CodeCheck::NoCode.message()))
                    .await;
            };
            let code = field(&form.code);
            if code.is_empty() {
                return flow
                    .invalid(&tx, error("code", "Please enter the verification code."))
                    .await;
            }
            match codes::verify(&flow.tenant.db, &tx.id, Purpose::Phone, &recipient, code).await? {
                CodeCheck::Valid => {
                    if user.phone.is_none() {
                        users::enrol_phone(&flow.tenant.db, &user.oid, &recipient).await?;
                    }
                    let auth_time = tx.auth_time.unwrap_or_else(now);
                    finish(flow.tenant, flow.req, &tx, &user.oid, auth_time, true).await
                }
                other => flow.invalid(&tx, error("code", other.message())).await,
            }
        }
        "change_number" if user.phone.is_none() => {
            tx.phone_pending = None;
            tx.phone_code_sent = None;
            flow.again(&tx).await
        }
        _ => Err(unexpected_action()),
    }
}
