//! The unread count in every page's header: one indexed count per request of a signed-in user,
//! handed to the template layer for the duration of the request (and, for a patient, the link
//! to their record, read in the same statement).

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage};

use crate::access::LinkRead;
use crate::auth::{session, Role, SignedInUser};
use crate::db::direct::{self, DirectReads};
use crate::db::Pool;
use crate::records::PatientId;
use crate::state::AppState;
use crate::web::templates::UNREAD_MESSAGES;

/// A patient's link to their record (id and version) and their unread count.
const PATIENT_SQL: &str = "SELECT p.id, p.record_version, (SELECT COUNT(*) FROM message_threads t \
     WHERE t.patient_id = p.id AND t.patient_unread = 1) \
     FROM patients p WHERE p.b2c_subject = $1";
/// A clinician's unread count: their care-team patients' conversations (one shared inbox).
const CLINICIAN_SQL: &str = "SELECT COUNT(*) FROM message_threads t \
     JOIN care_team c ON c.patient_id = t.patient_id \
     WHERE c.clinician_subject = $1 AND t.staff_unread = 1";

/// Conversations with something the user has not read: for a patient, their own; for a
/// clinician, their care-team patients' (the team shares one inbox). A patient's link to their
/// record comes from the same statement, for `access::LinkedPatient` to use. The statement
/// runs the quickest way the engine has (`db::direct`), else on the pool.
pub async fn unread(
    pool: &Pool,
    direct: Option<&DirectReads>,
    user: &SignedInUser,
) -> Result<(i64, Option<LinkRead>), sqlx::Error> {
    match user.role {
        Role::Patient => {
            let row = direct::optional(
                direct,
                pool,
                |sqlite| {
                    sqlite.optional(PATIENT_SQL, [&user.subject], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                    })
                },
                &|conn| {
                    Box::pin(
                        sqlx::query_as::<_, (PatientId, i64, i64)>(PATIENT_SQL)
                            .bind(user.subject.clone())
                            .fetch_optional(conn),
                    )
                },
            )
            .await?;
            Ok(match row {
                Some((id, version, n)) => {
                    (n, Some(LinkRead::new(&user.subject, Some((id, version)))))
                }
                None => (0, Some(LinkRead::new(&user.subject, None))),
            })
        }
        Role::Clinician => {
            let n = direct::optional(
                direct,
                pool,
                |sqlite| sqlite.optional(CLINICIAN_SQL, [&user.subject], |row| row.get(0)),
                &|conn| {
                    Box::pin(
                        sqlx::query_scalar::<_, i64>(CLINICIAN_SQL)
                            .bind(user.subject.clone())
                            .fetch_optional(conn),
                    )
                },
            )
            .await?;
            // COUNT(*) always has its row.
            Ok((n.unwrap_or(0), None))
        }
    }
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
        (Some(user), Some(state)) => {
            match unread(&state.pool, state.direct.as_deref(), &user).await {
                Ok((n, link)) => {
                    if let Some(link) = link {
                        req.extensions_mut().insert(link);
                    }
                    Some(n)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not count unread messages");
                    None
                }
            }
        }
        _ => None,
    };
    let response = match count {
        Some(n) => UNREAD_MESSAGES.scope(n, next.call(req)).await?,
        None => next.call(req).await?,
    };
    Ok(response.map_into_boxed_body())
}
