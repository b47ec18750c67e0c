//! Profile edit: the signed-in user's names and country, then the answer to the app.

use actix_web::HttpResponse;

use super::finish::finish;
use super::page::{unexpected_action, Flow, FlowForm};
use super::profile;
use super::transaction::Transaction;
use crate::b2c_emulator::errors::EmulatorError;
use crate::b2c_emulator::store::now;
use crate::b2c_emulator::users;

pub(super) async fn step(
    flow: &Flow<'_>,
    mut tx: Transaction,
    form: &FlowForm,
    action: &str,
) -> Result<HttpResponse, EmulatorError> {
    if action != "continue" {
        return Err(unexpected_action());
    }
    let user = flow.current_user(&tx).await?;
    profile::keep_fields(&mut tx, form);
    let errors = profile::errors(&tx);
    if !errors.is_empty() {
        return flow.invalid(&tx, errors).await;
    }
    users::update_profile(
        &flow.tenant.db,
        &user.oid,
        tx.given_name.as_deref().unwrap_or_default(),
        tx.surname.as_deref().unwrap_or_default(),
        tx.country.as_deref(),
    )
    .await?;
    let auth_time = tx.auth_time.unwrap_or_else(now);
    finish(flow.tenant, flow.req, &tx, &user.oid, auth_time, false).await
}
