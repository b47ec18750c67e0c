//! The sign-up page: an e-mail address verified by a code, a password and the profile, then the
//! second factor (MFA flow) or the answer to the app.

use actix_web::HttpResponse;

use super::finish::finish;
use super::page::{error, field, unexpected_action, Flow, FlowForm};
use super::transaction::{Step, Transaction};
use super::{email_code, profile};
use crate::b2c_emulator::errors::EmulatorError;
use crate::b2c_emulator::passwords::{self, NewPassword};
use crate::b2c_emulator::store::now;
use crate::b2c_emulator::tenant::FlowKind;
use crate::b2c_emulator::users;

pub(super) async fn step(
    flow: &Flow<'_>,
    mut tx: Transaction,
    form: &FlowForm,
    action: &str,
) -> Result<HttpResponse, EmulatorError> {
    profile::keep_fields(&mut tx, form);
    if !tx.email_verified && form.email.is_some() {
        tx.email = Some(field(&form.email).to_string());
    }
    if let Some(answer) = email_code::action(flow, &mut tx, form, action).await {
        return answer;
    }
    match action {
        "create" => {
            let mut errors = profile::errors(&tx);
            if !tx.email_verified {
                errors.insert(
                    "email",
                    "Please verify your email address with a code before creating your account."
                        .into(),
                );
            }
            let password = NewPassword::parse(
                form.new_password.as_deref().unwrap_or_default(),
                form.confirm_password.as_deref().unwrap_or_default(),
            );
            if let Err(message) = &password {
                errors.insert("new_password", (*message).to_string());
            }
            let (Ok(password), true) = (password, errors.is_empty()) else {
                return flow.invalid(&tx, errors).await;
            };
            let email = tx.email.clone().unwrap_or_default();
            let hash = passwords::hash(password).await?;
            let oid = uuid::Uuid::new_v4().to_string();
            let created = users::create(
                &flow.tenant.db,
                users::NewUser {
                    oid: &oid,
                    email: &email,
                    password_hash: &hash,
                    given_name: tx.given_name.as_deref().unwrap_or_default(),
                    surname: tx.surname.as_deref().unwrap_or_default(),
                    country: tx.country.as_deref(),
                    role: None,
                    phone: None,
                },
            )
            .await?;
            if !created {
                return flow
                    .invalid(
                        &tx,
                        error(
                            "email",
                            "A user with the specified ID already exists. Please choose a different one.",
                        ),
                    )
                    .await;
            }
            let auth_time = now();
            tx.oid = Some(oid.clone());
            tx.auth_time = Some(auth_time);
            tx.new_user = true;
            if tx.kind == FlowKind::SignUpSignInMfa {
                tx.step = Step::Mfa;
                flow.again(&tx).await
            } else {
                finish(flow.tenant, flow.req, &tx, &oid, auth_time, false).await
            }
        }
        _ => Err(unexpected_action()),
    }
}
