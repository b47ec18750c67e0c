//! The unread count in every page's header: one indexed count per request of a signed-in user,
//! handed to the template layer for the duration of the request.

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error};

use crate::auth::{session, Role, SignedInUser};
use crate::db::Pool;
use crate::state::AppState;
use crate::web::templates::UNREAD_MESSAGES;

/// Conversations with something the user has not read: for a patient, their own; for a
/// clinician, their care-team patients' (the team shares one inbox).
pub async fn unread(pool: &Pool, user: &SignedInUser) -> Result<i64, sqlx::Error> {
    let sql = match user.role {
        Role::Patient => {
            "SELECT COUNT(*) FROM message_threads t JOIN patients p ON p.id = t.patient_id \
             WHERE p.b2c_subject = $1 AND t.patient_unread = 1"
        }
        Role::Clinician => {
            "SELECT COUNT(*) FROM message_threads t JOIN care_team c ON c.patient_id = t.patient_id \
             WHERE c.clinician_subject = $1 AND t.staff_unread = 1"
        }
    };
    sqlx::query_scalar(sql)
        .bind(&user.subject)
        .fetch_one(pool)
        .await
}

/// Middleware: pages (GET) of signed-in users get the count; a failure only hides it.
pub async fn unread_count(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let wanted =
        req.method() == actix_web::http::Method::GET && !req.path().starts_with("/assets/");
    let user = if wanted {
        session::user(&req.get_session())
    } else {
        None
    };
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let count = match (user, state) {
        (Some(user), Some(state)) => match unread(&state.pool, &user).await {
            Ok(n) => Some(n),
            Err(e) => {
                tracing::warn!(error = %e, "could not count unread messages");
                None
            }
        },
        _ => None,
    };
    let response = match count {
        Some(n) => UNREAD_MESSAGES.scope(n, next.call(req)).await?,
        None => next.call(req).await?,
    };
    Ok(response.map_into_boxed_body())
}
