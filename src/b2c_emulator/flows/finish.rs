//! Ends a flow: what every step does once its last check passed.

use actix_web::{HttpRequest, HttpResponse};

use super::transaction::Transaction;
use crate::b2c_emulator::errors::EmulatorError;
use crate::b2c_emulator::tenant::Tenant;
use crate::b2c_emulator::{sso, store, token};

/// Ends a flow: an authorization code for the app, a fresh SSO session, the answer to the
/// redirect URI; the transaction is gone.
pub(crate) async fn finish(
    tenant: &Tenant,
    req: &HttpRequest,
    tx: &Transaction,
    oid: &str,
    auth_time: i64,
    mfa_done: bool,
) -> Result<HttpResponse, EmulatorError> {
    let previous = sso::current(req, &tenant.db).await?;
    let code = token::issue_code(
        &tenant.db,
        &tx.request,
        &tx.policy_id,
        oid,
        auth_time,
        tx.new_user,
    )
    .await?;
    let cookie = sso::establish(&tenant.db, previous.as_ref(), oid, auth_time, mfa_done).await?;
    store::delete_transaction(&tenant.db, &tx.id).await?;
    let mut response = tx.request.reply.code(&code)?;
    response
        .add_cookie(&cookie)
        .map_err(|e| EmulatorError::Internal(anyhow::anyhow!("setting the SSO cookie: {e}")))?;
    Ok(response)
}
