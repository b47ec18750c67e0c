//! The patient's connected apps on `/account`: each app, what it may read, when it last read,
//! and a button that disconnects it (every token of it for this patient stops at once).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use tera::Context;

use super::{scopes, tokens};
use crate::access::{self, LinkedPatient};
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::auth::{Role, SignedInUser};
use crate::state::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::page::format_time;
use crate::web::AppError;

#[derive(Serialize)]
struct Shown {
    client_id: String,
    name: String,
    scopes: Vec<String>,
    connected: String,
    last_read: Option<String>,
}

/// Adds `connected_apps` to the account page's context (patients with a linked record only).
/// A failure here is logged and the rest of the page still shows.
pub async fn add_to(state: &AppState, user: &SignedInUser, ctx: &mut Context) {
    if user.role != Role::Patient {
        return;
    }
    let list = async {
        let Some(patient_id) = access::linked_patient_id(&state.pool, &user.subject).await? else {
            return Ok(None);
        };
        tokens::connections(&state.pool, &patient_id)
            .await
            .map(Some)
    }
    .await;
    match list {
        Ok(Some(list)) => {
            let shown: Vec<Shown> = list
                .into_iter()
                .map(|c| Shown {
                    scopes: scopes::Scopes::parse(&c.scope)
                        .iter()
                        .map(scopes::describe)
                        .collect(),
                    client_id: c.client_id,
                    name: c.app_name,
                    connected: format_time(c.created_at),
                    last_read: c.last_read_at.map(format_time),
                })
                .collect();
            ctx.insert("connected_apps", &shown);
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, "could not list connected apps");
            ctx.insert("connected_apps_error", &true);
        }
    }
}

#[derive(serde::Deserialize)]
pub struct DisconnectForm {
    client_id: Option<String>,
}

/// `POST /account/apps/disconnect`.
pub async fn disconnect(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    form: CsrfForm<DisconnectForm>,
) -> Result<HttpResponse, AppError> {
    let client_id = form.client_id.clone().unwrap_or_default();
    let app_name = super::apps::find(&state.pool, &client_id)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let ended = tokens::disconnect(&state.pool, patient.patient_id(), &client_id).await?;
    if ended > 0 {
        let meta = RequestMeta::of(&req, state.settings.behind_proxy);
        let mut entry = meta.entry(
            Actor::user(&patient.user),
            Action::AppDisconnected,
            Outcome::Success,
        );
        entry.patient_id = Some(patient.patient_id().to_string());
        // The app's name, not the patient's data: the access log says what was disconnected.
        entry.detail = Some(app_name);
        // The tokens are already revoked (the safe direction); unaudited, the patient gets
        // the 503 page rather than a silent success.
        audit::append(&state.pool, &entry)
            .await
            .map_err(AppError::from)?;
        tracing::info!(client_id = %client_id, "patient disconnected an app");
    }
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/account"))
        .finish())
}
