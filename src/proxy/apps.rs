//! Apps connected by a proxy (#29 item 4): a person holding a proxy grant with the record scope
//! may connect a SMART app to the record they act for, choosing it on the consent page; the
//! token's patient is that record, and the connection rests on the proxy grant.
//!
//! Owns: which records a signed-in person may connect an app to, and whether a proxy's
//! connection still holds. Must never: let an app outlive the proxy grant it rests on (read
//! from the database on every token use, never cached, so a revocation, an end date or a
//! guardian's age rule holds at once on every instance), or give a guardian of an adolescent an
//! app: the FHIR API serves the whole record and does not apply the sensitive filter, so that
//! choice is refused with a page that says why.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use super::{Scope, Scopes};
use crate::access::guardian_view;
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::auth::Patient;
use crate::db;
use crate::records::PatientId;
use crate::state::AppState;
use crate::web::AppError;

/// A record a proxy may connect an app to.
#[derive(Debug, Clone)]
pub struct Connectable {
    pub grant_id: String,
    pub patient_id: PatientId,
    pub patient_name: String,
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: String,
    patient_id: String,
    scopes: String,
    kind: String,
    birth_date: Option<String>,
    patient_name: Option<String>,
    /// The account that gave a patient's own grant (migration 0022).
    granted_by: Option<String>,
    /// The account the patient's record is linked to now.
    linked_to: Option<String>,
}

const LIVE: &str = "SELECT g.id, g.patient_id, g.scopes, g.kind, p.birth_date, \
     p.given_name || ' ' || p.family_name AS patient_name, g.granted_by, p.b2c_subject AS linked_to \
     FROM proxy_grants g LEFT JOIN patients p ON p.id = g.patient_id \
     WHERE g.revoked_at IS NULL AND (g.ends_at IS NULL OR g.ends_at > $1)";

/// What a live grant lets an app have.
#[derive(Debug, PartialEq, Eq)]
enum Holds {
    /// The whole record: the record scope, and not a guardian's limited view.
    WholeRecord,
    /// A guardian of an adolescent: the portal's pages hide the sensitive parts; an app would not.
    Limited,
    /// No record scope, or a guardian's access that ended with the patient's adult birthday
    /// (an unreadable birth date counts as ended: deny by default).
    Nothing,
}

fn holds(state: &AppState, g: &GrantRow) -> Holds {
    if !Scopes::from_stored(&g.scopes).allows(Scope::Record) {
        return Holds::Nothing;
    }
    if g.kind != "guardian" {
        // A patient's own grant holds only while the record is linked to the account that gave
        // it: the rule the pages and the chooser use (`access::held_by_record_account`); an
        // app's token is checked only here.
        if !crate::access::held_by_record_account(
            &g.kind,
            g.granted_by.as_deref(),
            g.linked_to.as_deref(),
        ) {
            return Holds::Nothing;
        }
        return Holds::WholeRecord;
    }
    let age = g
        .birth_date
        .as_deref()
        .and_then(|b| chrono::NaiveDate::parse_from_str(b, "%Y-%m-%d").ok())
        .and_then(|born| chrono::Utc::now().date_naive().years_since(born));
    let view = age.and_then(|age| {
        guardian_view(
            age,
            state.settings.proxy_child_age_limit,
            state.settings.proxy_adult_age,
        )
    });
    match view {
        Some(false) => Holds::WholeRecord,
        Some(true) => Holds::Limited,
        None => Holds::Nothing,
    }
}

fn connectable(g: GrantRow) -> Option<Connectable> {
    Some(Connectable {
        patient_id: PatientId::parse(&g.patient_id).ok()?,
        grant_id: g.id,
        patient_name: g.patient_name.unwrap_or_default(),
    })
}

/// The records `proxy_subject` may connect an app to for someone else: each live grant with
/// the record scope whose view is the whole record.
pub async fn choices(
    state: &AppState,
    proxy_subject: &str,
) -> Result<Vec<Connectable>, sqlx::Error> {
    let sql = format!("{LIVE} AND g.proxy_subject = $2 ORDER BY g.created_at");
    let rows: Vec<GrantRow> = sqlx::query_as(&sql)
        .bind(db::now())
        .bind(proxy_subject)
        .fetch_all(&state.pool)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|g| holds(state, g) == Holds::WholeRecord)
        .filter_map(connectable)
        .collect())
}

/// The record of grant `grant_id` that `proxy` chose on the consent page, or the page that
/// refuses it: a grant that is not theirs, not live or without the record scope (403), or a
/// guardian's limited view (403 that says why). Each refusal is audited (`app_connected`,
/// denied, the proxy as actor).
pub async fn chosen(
    state: &AppState,
    req: &HttpRequest,
    proxy: &Patient,
    grant_id: &str,
) -> Result<Result<Connectable, HttpResponse>, AppError> {
    let sql = format!("{LIVE} AND g.proxy_subject = $2 AND g.id = $3");
    let row: Option<GrantRow> = sqlx::query_as(&sql)
        .bind(db::now())
        .bind(&proxy.subject)
        .bind(grant_id)
        .fetch_optional(&state.pool)
        .await?;
    let verdict = row.as_ref().map(|g| holds(state, g));
    let patient_id = row.as_ref().map(|g| g.patient_id.clone());
    if verdict == Some(Holds::WholeRecord) {
        if let Some(c) = row.and_then(connectable) {
            return Ok(Ok(c));
        }
    }
    let meta = RequestMeta::of(req, state.settings.behind_proxy);
    let actor = Actor {
        subject: Some(proxy.subject.clone()),
        role: "proxy".into(),
    };
    let mut entry = meta.entry(actor, Action::AppConnected, Outcome::Denied);
    entry.patient_id = patient_id;
    let limited = verdict == Some(Holds::Limited);
    entry.detail = Some(
        if limited {
            "proxy_limited_record"
        } else {
            "proxy_denied"
        }
        .into(),
    );
    audit::append(&state.pool, &entry).await?;
    if !limited {
        return Err(AppError::Forbidden);
    }
    let lang = crate::i18n::current();
    Ok(Err(crate::web::errors::error_page(
        StatusCode::FORBIDDEN,
        &crate::i18n::tr(lang, "consent-proxy-limited-title"),
        &crate::i18n::tr(lang, "consent-proxy-limited"),
        tera::Context::new(),
    )))
}

/// Whether an app's connection that rests on proxy grant `proxy_grant_id` still holds: the grant
/// live (not revoked, not past its end), for the same patient, with the record scope, and not
/// (or no longer) a guardian's limited view. Read from the database on every use.
pub async fn still_holds(
    state: &AppState,
    proxy_grant_id: &str,
    patient_id: &PatientId,
) -> Result<bool, sqlx::Error> {
    let sql = format!("{LIVE} AND g.id = $2");
    let row: Option<GrantRow> = sqlx::query_as(&sql)
        .bind(db::now())
        .bind(proxy_grant_id)
        .fetch_optional(&state.pool)
        .await?;
    Ok(row.is_some_and(|g| {
        g.patient_id == patient_id.as_str() && holds(state, &g) == Holds::WholeRecord
    }))
}

/// Whether the connection of `grant` (a SMART app's) may be used now: the patient's own always
/// (its own revocation is checked with the token), a proxy's while `still_holds`.
pub async fn connection_holds(
    state: &AppState,
    grant: &crate::smart::tokens::Grant,
) -> Result<bool, sqlx::Error> {
    match &grant.proxy_grant_id {
        None => Ok(true),
        Some(id) => still_holds(state, id, &grant.patient_id).await,
    }
}
