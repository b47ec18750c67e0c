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
use crate::web::templates::{ACTS_FOR_OTHERS, UNREAD_MESSAGES};

/// A patient's link to their record (id and version), their unread count, and whether they
/// hold a live proxy grant (#29: the header's switch to `/acting`), in one statement: the row
/// exists even for an account without a record of its own (a proxy need not be a patient).
const PATIENT_SQL: &str = "SELECT p.id, p.record_version, (SELECT COUNT(*) FROM message_threads t \
     WHERE t.patient_id = p.id AND t.patient_unread = 1), \
     (SELECT COUNT(*) FROM proxy_grants g WHERE g.proxy_subject = $1 AND g.revoked_at IS NULL \
     AND (g.ends_at IS NULL OR g.ends_at > $2)) \
     FROM (SELECT 1 AS one) o LEFT JOIN patients p ON p.b2c_subject = $1";
/// A clinician's unread count: their care-team patients' conversations (one shared inbox).
const CLINICIAN_SQL: &str = "SELECT COUNT(*) FROM message_threads t \
     JOIN care_team c ON c.patient_id = t.patient_id \
     WHERE c.clinician_subject = $1 AND t.staff_unread = 1";

/// What the header shows of the user's own state.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeaderCounts {
    /// Conversations with something the user has not read.
    pub unread: i64,
    /// Whether the user holds a live proxy grant (#29): the header offers `/acting`.
    pub acts_for_others: bool,
}

/// Conversations with something the user has not read: for a patient, their own; for a
/// clinician, their care-team patients' (the team shares one inbox). A patient's link to their
/// record and whether they act for anyone come from the same statement, for
/// `access::LinkedPatient` and the header to use. The statement runs the quickest way the
/// engine has (`db::direct`), else on the pool.
pub async fn unread(
    pool: &Pool,
    direct: Option<&DirectReads>,
    user: &SignedInUser,
) -> Result<(HeaderCounts, Option<LinkRead>), sqlx::Error> {
    match user.role {
        Role::Patient => {
            let now = crate::db::now();
            type Row = (Option<PatientId>, Option<i64>, i64, i64);
            let row: Option<Row> = direct::optional(
                direct,
                pool,
                |sqlite| {
                    sqlite.optional(PATIENT_SQL, (&user.subject, now), |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                    })
                },
                &|conn| {
                    Box::pin(
                        sqlx::query_as::<_, Row>(PATIENT_SQL)
                            .bind(user.subject.clone())
                            .bind(now)
                            .fetch_optional(conn),
                    )
                },
            )
            .await?;
            let (id, version, n, grants) = row.unwrap_or((None, None, 0, 0));
            let linked = id.zip(version);
            let counts = HeaderCounts {
                unread: if linked.is_some() { n } else { 0 },
                acts_for_others: grants > 0,
            };
            Ok((counts, Some(LinkRead::new(&user.subject, linked))))
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
            let counts = HeaderCounts {
                unread: n.unwrap_or(0),
                acts_for_others: false,
            };
            Ok((counts, None))
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
                Ok((counts, link)) => {
                    if let Some(link) = link {
                        req.extensions_mut().insert(link);
                    }
                    Some(counts)
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
        Some(c) => {
            let page = UNREAD_MESSAGES.scope(c.unread, next.call(req));
            ACTS_FOR_OTHERS.scope(c.acts_for_others, page).await?
        }
        None => next.call(req).await?,
    };
    Ok(response.map_into_boxed_body())
}
