//! The proxy pages: the patient's list, invitation and revocation (`/account/proxies`), and the
//! invitee's acceptance (`/proxy/accept`). Handlers: nothing below imports them.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{parse_email, Scopes};
use crate::access::LinkedPatient;
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::auth::{hash, random_token, Patient, SignedInUser, StepUp, StepUpRequired};
use crate::db;
use crate::notifications::{self, Kind};
use crate::state::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::errors::error_page;
use crate::web::page::{format_time, page_context};
use crate::web::{templates, AppError};

/// An invitation link works for this long.
pub const INVITATION_SECS: i64 = 7 * 24 * 3600;
const LIST_PATH: &str = "/account/proxies";

async fn record(
    state: &AppState,
    req: &HttpRequest,
    user: &SignedInUser,
    action: Action,
    outcome: Outcome,
    patient_id: Option<String>,
    detail: &str,
) -> Result<(), AppError> {
    let meta = RequestMeta::of(req, state.settings.behind_proxy);
    let mut entry = meta.entry(Actor::user(user), action, outcome);
    entry.patient_id = patient_id;
    entry.detail = Some(detail.to_string());
    audit::append(&state.pool, &entry).await?;
    Ok(())
}

/// A refused attempt: audited, then the 400 page with `message`; nothing was granted.
async fn refuse(
    state: &AppState,
    req: &HttpRequest,
    user: &SignedInUser,
    action: Action,
    patient_id: Option<String>,
    reason: &str,
    message: &str,
) -> Result<HttpResponse, AppError> {
    tracing::warn!(subject = %user.subject, reason, "proxy request refused");
    record(
        state,
        req,
        user,
        action,
        Outcome::Denied,
        patient_id,
        reason,
    )
    .await?;
    Err(AppError::bad_request(message))
}

/// A message of `refusals.ftl` in the request's language (#31).
fn words(key: &str) -> String {
    crate::i18n::tr(crate::i18n::current(), key)
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: String,
    proxy_name: String,
    proxy_email: String,
    scopes: String,
    ends_at: Option<i64>,
    created_at: i64,
    kind: String,
    granted_by: Option<String>,
    birth_date: Option<String>,
}

#[derive(Serialize)]
struct GrantView {
    id: String,
    name: String,
    email: String,
    scopes: Vec<String>,
    since: String,
    until: Option<String>,
    /// Given from another account the record was linked to before: it opens nothing now
    /// (`access::held_by_record_account`), and the page says so.
    gone: bool,
    /// A guardian's access that ended with the patient's adult birthday
    /// (`access::guardian_view_today`): it opens nothing now either.
    guardian_ended: bool,
}

#[derive(sqlx::FromRow)]
struct InvitationRow {
    id: String,
    email: String,
    scopes: String,
    expires_at: i64,
}

#[derive(Serialize)]
struct InvitationView {
    id: String,
    email: String,
    scopes: Vec<String>,
    expires: String,
}

/// `GET /account/proxies`: who may act for the patient, open invitations, and the invite form.
pub async fn list(
    state: web::Data<AppState>,
    session: Session,
    patient: LinkedPatient,
) -> Result<HttpResponse, AppError> {
    let now = db::now();
    let pid = patient.patient_id().to_string();
    let grants = sqlx::query_as::<_, GrantRow>(
        "SELECT id, proxy_name, proxy_email, scopes, ends_at, created_at, kind, granted_by, \
         (SELECT birth_date FROM patients WHERE id = $1) AS birth_date FROM proxy_grants \
         WHERE patient_id = $1 AND revoked_at IS NULL AND (ends_at IS NULL OR ends_at > $2) \
         ORDER BY created_at",
    )
    .bind(&pid)
    .bind(now)
    .fetch_all(&state.pool)
    .await?;
    let invitations = sqlx::query_as::<_, InvitationRow>(
        "SELECT id, email, scopes, expires_at FROM proxy_invitations \
         WHERE patient_id = $1 AND used_at IS NULL AND expires_at > $2 ORDER BY created_at",
    )
    .bind(&pid)
    .bind(now)
    .fetch_all(&state.pool)
    .await?;
    let mut ctx = page_context(Some((&patient.user, &session)), &state);
    let grants: Vec<GrantView> = grants
        .into_iter()
        .map(|g| GrantView {
            id: g.id,
            name: g.proxy_name,
            email: g.proxy_email,
            scopes: Scopes::from_stored(&g.scopes).words(),
            since: format_time(g.created_at),
            until: g.ends_at.map(format_time),
            gone: !crate::access::held_by_record_account(
                &g.kind,
                g.granted_by.as_deref(),
                Some(patient.user.subject.as_str()),
            ),
            guardian_ended: g.kind == "guardian"
                && crate::access::guardian_view_today(g.birth_date.as_deref(), &state.settings)
                    .is_none(),
        })
        .collect();
    let invitations: Vec<InvitationView> = invitations
        .into_iter()
        .map(|i| InvitationView {
            id: i.id,
            email: i.email,
            scopes: Scopes::from_stored(&i.scopes).words(),
            expires: format_time(i.expires_at),
        })
        .collect();
    let scopes: Vec<_> = super::Scope::ALL
        .iter()
        .map(|s| serde_json::json!({ "value": s.as_str(), "label": s.words() }))
        .collect();
    ctx.insert("grants", &grants);
    ctx.insert("invitations", &invitations);
    ctx.insert("scopes", &scopes);
    ctx.insert("page_title", &words("proxies-title"));
    Ok(templates::page(
        StatusCode::OK,
        "account_proxies.html",
        &ctx,
    ))
}

/// The end of the day `on` (YYYY-MM-DD), if it is a date after today; else the key of the
/// message that says why not (`refusals.ftl`).
fn end_of(on: &str, now: i64) -> Result<Option<i64>, &'static str> {
    let on = on.trim();
    if on.is_empty() {
        return Ok(None);
    }
    let day = chrono::NaiveDate::parse_from_str(on, "%Y-%m-%d")
        .map_err(|_| "refusal-proxy-end-date-format")?;
    let end = day
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
        .ok_or("refusal-proxy-end-date-format")?;
    if end <= now {
        return Err("refusal-proxy-end-date-passed");
    }
    Ok(Some(end))
}

/// `POST /account/proxies`: invites someone by e-mail. A grant of access is a sensitive action:
/// only after a recent MFA sign-in (step-up).
pub async fn invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    fresh: Result<StepUp, StepUpRequired>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    fresh.map_err(|e| e.returning_to(LIST_PATH))?;
    let user = &patient.user;
    let pid = patient.patient_id().to_string();
    let field = |name: &str| {
        form.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let now = db::now();
    // `key`: the message in refusals.ftl, in the request's language (#31).
    let refuse = |reason: &'static str, key: &'static str| {
        let message = words(key);
        let (state, req, pid) = (&state, &req, pid.clone());
        async move {
            refuse(
                state,
                req,
                user,
                Action::ProxyInvite,
                Some(pid),
                reason,
                &message,
            )
            .await
        }
    };
    let Some(email) = parse_email(field("email")) else {
        return refuse("email_invalid", "refusal-proxy-email").await;
    };
    let Some(scopes) = Scopes::parse(
        form.0
            .iter()
            .filter(|(k, _)| k == "scope")
            .map(|(_, v)| v.as_str()),
    )
    .filter(|s| !s.is_empty()) else {
        return refuse("scopes_invalid", "refusal-proxy-scopes").await;
    };
    let ends_at = match end_of(field("ends_on"), now) {
        Ok(e) => e,
        Err(key) => return refuse("end_date_invalid", key).await,
    };
    if user
        .emails
        .iter()
        .any(|e| e.trim().eq_ignore_ascii_case(&email))
    {
        return refuse("invite_self", "refusal-proxy-invite-self").await;
    }
    let existing: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proxy_grants WHERE patient_id = $1 AND proxy_email = $2 \
         AND revoked_at IS NULL AND (ends_at IS NULL OR ends_at > $3)",
    )
    .bind(&pid)
    .bind(&email)
    .bind(now)
    .fetch_one(&state.pool)
    .await?;
    if existing > 0 {
        return refuse("already_proxy", "refusal-proxy-already-proxy").await;
    }
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proxy_invitations WHERE patient_id = $1 AND email = $2 \
         AND used_at IS NULL AND expires_at > $3",
    )
    .bind(&pid)
    .bind(&email)
    .bind(now)
    .fetch_one(&state.pool)
    .await?;
    if pending > 0 {
        return refuse("already_invited", "refusal-proxy-already-invited").await;
    }
    let id = uuid::Uuid::new_v4().to_string();
    let token = random_token(32);
    // The entry is durable before the invitation exists: an audit store that cannot take it
    // (the 503 page) leaves no invitation and sends no mail.
    record(
        &state,
        &req,
        user,
        Action::ProxyInvite,
        Outcome::Success,
        Some(pid.clone()),
        &format!("invitation={id} scopes={}", scopes.stored()),
    )
    .await?;
    let mut tx = state.pool.begin().await?;
    sqlx::query(
        "INSERT INTO proxy_invitations (id, patient_id, inviter_subject, email, token_hash, scopes, ends_at, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(&pid)
    .bind(&user.subject)
    .bind(&email)
    .bind(hash(&token))
    .bind(scopes.stored())
    .bind(ends_at)
    .bind(now)
    .bind(now + INVITATION_SECS)
    .execute(&mut *tx)
    .await?;
    // The mail names no one and nothing about health: only that an invitation waits.
    notifications::enqueue(
        &mut tx,
        Kind::ProxyInvitation,
        &email,
        &format!("/proxy/accept?token={token}"),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/account/proxies?invited=1"))
        .finish())
}

/// `POST /account/proxies/{id}/revoke`: ends a proxy's access at once (the grant is read from
/// the database on every request). Taking access away needs no step-up.
pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    id: web::Path<String>,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let pid = patient.patient_id().to_string();
    let live: Option<String> = sqlx::query_scalar(
        "SELECT id FROM proxy_grants WHERE id = $1 AND patient_id = $2 AND revoked_at IS NULL",
    )
    .bind(id.as_str())
    .bind(&pid)
    .fetch_optional(&state.pool)
    .await?;
    if live.is_none() {
        // Another patient's grant, or one already ended: nothing to do, and said so.
        record(
            &state,
            &req,
            &patient.user,
            Action::ProxyRevoke,
            Outcome::Denied,
            Some(pid),
            "grant_unknown",
        )
        .await?;
        return Err(AppError::NotFound);
    }
    // The entry is durable before the grant ends, as for every change to who may act for
    // whom: if the audit store cannot take it, the 503 page and the grant as it was.
    record(
        &state,
        &req,
        &patient.user,
        Action::ProxyRevoke,
        Outcome::Success,
        Some(pid.clone()),
        &format!("grant={}", id.as_str()),
    )
    .await?;
    sqlx::query(
        "UPDATE proxy_grants SET revoked_at = $1 WHERE id = $2 AND patient_id = $3 AND revoked_at IS NULL",
    )
    .bind(db::now())
    .bind(id.as_str())
    .bind(&pid)
    .execute(&state.pool)
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", LIST_PATH))
        .finish())
}

/// `POST /account/proxies/invitations/{id}/withdraw`: the patient takes back an invitation not
/// yet accepted; its link stops working at once.
pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    id: web::Path<String>,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let pid = patient.patient_id().to_string();
    let now = db::now();
    let open: Option<String> = sqlx::query_scalar(
        "SELECT id FROM proxy_invitations WHERE id = $1 AND patient_id = $2 \
         AND used_at IS NULL AND expires_at > $3",
    )
    .bind(id.as_str())
    .bind(&pid)
    .bind(now)
    .fetch_optional(&state.pool)
    .await?;
    let (outcome, detail) = match open {
        Some(_) => (
            Outcome::Success,
            format!("withdrawn invitation={}", id.as_str()),
        ),
        None => (Outcome::Denied, "invitation_unknown".to_string()),
    };
    // Durable before the link stops working (the 503 page and the invitation as it was).
    record(
        &state,
        &req,
        &patient.user,
        Action::ProxyRevoke,
        outcome,
        Some(pid.clone()),
        &detail,
    )
    .await?;
    if outcome != Outcome::Success {
        return Err(AppError::NotFound);
    }
    sqlx::query(
        "UPDATE proxy_invitations SET expires_at = $1 WHERE id = $2 AND patient_id = $3 \
         AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(id.as_str())
    .bind(&pid)
    .execute(&state.pool)
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", LIST_PATH))
        .finish())
}

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Invitation {
    id: String,
    patient_id: String,
    email: String,
    scopes: String,
    ends_at: Option<i64>,
    expires_at: i64,
    used_at: Option<i64>,
    /// 'proxy' (the patient's own invitation) or 'guardian' (recorded by a clinician).
    kind: String,
    /// The patient's account that invited, or the clinician who recorded the guardian: the
    /// grant's `granted_by`.
    inviter_subject: String,
}

async fn find(state: &AppState, token: &str) -> Result<Option<Invitation>, AppError> {
    Ok(sqlx::query_as::<_, Invitation>(
        "SELECT id, patient_id, email, scopes, ends_at, expires_at, used_at, kind, inviter_subject FROM proxy_invitations \
         WHERE token_hash = $1",
    )
    .bind(hash(token))
    .fetch_optional(&state.pool)
    .await?)
}

/// Why an invitation cannot be accepted by `user`, if it cannot.
struct Refusal {
    /// What the audit entry says.
    reason: &'static str,
    /// What the person reads.
    message: String,
    /// 400 for a link that cannot work; 403 for a link that works, but not for this account.
    forbidden: bool,
}

impl Refusal {
    /// `key`: the message in refusals.ftl, in the request's language (#31).
    fn bad(reason: &'static str, key: &str) -> Refusal {
        Refusal {
            reason,
            message: words(key),
            forbidden: false,
        }
    }
}

/// Whether the identity provider's token proves that `user` holds the invited `address`: one of
/// the session's e-mail claims (B2C `emails`, External ID `email`), trimmed, in any case.
fn proves_address(user: &SignedInUser, address: &str) -> bool {
    user.emails
        .iter()
        .any(|e| e.trim().eq_ignore_ascii_case(address.trim()))
}

async fn check(
    state: &AppState,
    user: &SignedInUser,
    invitation: &Invitation,
    now: i64,
) -> Result<Option<Refusal>, AppError> {
    if invitation.used_at.is_some() {
        return Ok(Some(Refusal::bad(
            "invitation_used",
            "refusal-invitation-used",
        )));
    }
    if invitation.expires_at <= now {
        return Ok(Some(Refusal::bad(
            "invitation_expired",
            "refusal-invitation-expired",
        )));
    }
    let own: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM patients WHERE id = $1 AND b2c_subject = $2")
            .bind(&invitation.patient_id)
            .bind(&user.subject)
            .fetch_one(&state.pool)
            .await?;
    if own > 0 {
        return Ok(Some(Refusal::bad(
            "invite_self",
            "refusal-invitation-own-record",
        )));
    }
    // The link alone is not enough: a forwarded or intercepted e-mail must not make its reader
    // a proxy. The invitation belongs to the address it was sent to, as the identity provider
    // proves it; it stays open for that person.
    let lang = crate::i18n::current();
    if user.emails.iter().all(|e| e.trim().is_empty()) {
        return Ok(Some(Refusal {
            reason: "email_missing",
            message: crate::i18n::tr(lang, "proxy-rules-no-email"),
            forbidden: true,
        }));
    }
    if !proves_address(user, &invitation.email) {
        return Ok(Some(Refusal {
            reason: "email_mismatch",
            message: crate::i18n::tr(lang, "proxy-rules-wrong-account"),
            forbidden: true,
        }));
    }
    let existing: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proxy_grants WHERE patient_id = $1 AND proxy_subject = $2 \
         AND revoked_at IS NULL AND (ends_at IS NULL OR ends_at > $3)",
    )
    .bind(&invitation.patient_id)
    .bind(&user.subject)
    .bind(now)
    .fetch_one(&state.pool)
    .await?;
    if existing > 0 {
        return Ok(Some(Refusal::bad(
            "already_proxy",
            "refusal-invitation-already-acting",
        )));
    }
    Ok(None)
}

/// A refused acceptance: audited (naming the patient), then its page; nothing was granted and
/// the invitation is as it was.
async fn refuse_acceptance(
    state: &AppState,
    req: &HttpRequest,
    user: &SignedInUser,
    patient_id: String,
    refusal: Refusal,
) -> Result<HttpResponse, AppError> {
    if !refusal.forbidden {
        return refuse(
            state,
            req,
            user,
            Action::ProxyAccept,
            Some(patient_id),
            refusal.reason,
            &refusal.message,
        )
        .await;
    }
    tracing::warn!(subject = %user.subject, reason = refusal.reason, "proxy acceptance refused");
    record(
        state,
        req,
        user,
        Action::ProxyAccept,
        Outcome::Denied,
        Some(patient_id),
        refusal.reason,
    )
    .await?;
    let title = crate::i18n::tr(crate::i18n::current(), "proxy-rules-wrong-account-title");
    Ok(error_page(
        StatusCode::FORBIDDEN,
        &title,
        &refusal.message,
        tera::Context::new(),
    ))
}

/// The key of the message for a link that names no invitation (refusals.ftl).
const UNKNOWN: &str = "refusal-invitation-unknown";

/// `GET /proxy/accept?token=...`: the invitee, signed in with their own account, sees what
/// they are asked to do and accepts (or not).
pub async fn accept_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    invitee: Patient,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let user = invitee.user();
    let token = query.token.clone().unwrap_or_default();
    let Some(invitation) = find(&state, &token).await? else {
        return refuse(
            &state,
            &req,
            user,
            Action::ProxyAccept,
            None,
            "invitation_unknown",
            &words(UNKNOWN),
        )
        .await;
    };
    if let Some(refusal) = check(&state, user, &invitation, db::now()).await? {
        return refuse_acceptance(&state, &req, user, invitation.patient_id, refusal).await;
    }
    let mut ctx = page_context(Some((user, &session)), &state);
    ctx.insert("token", &token);
    ctx.insert("scopes", &Scopes::from_stored(&invitation.scopes).words());
    ctx.insert("until", &invitation.ends_at.map(format_time));
    ctx.insert("page_title", &words("proxy-accept-title"));
    Ok(templates::page(StatusCode::OK, "proxy_accept.html", &ctx))
}

#[derive(Deserialize)]
pub struct AcceptForm {
    token: Option<String>,
}

/// `POST /proxy/accept`: turns the invitation into a grant, once.
pub async fn accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    invitee: Patient,
    form: CsrfForm<AcceptForm>,
) -> Result<HttpResponse, AppError> {
    let user = invitee.user();
    let token = form.token.clone().unwrap_or_default();
    let now = db::now();
    let Some(invitation) = find(&state, &token).await? else {
        return refuse(
            &state,
            &req,
            user,
            Action::ProxyAccept,
            None,
            "invitation_unknown",
            &words(UNKNOWN),
        )
        .await;
    };
    if let Some(refusal) = check(&state, user, &invitation, now).await? {
        return refuse_acceptance(&state, &req, user, invitation.patient_id, refusal).await;
    }
    let grant = uuid::Uuid::new_v4().to_string();
    // Three steps, so that the audit entry is durable before the grant holds and a refused
    // entry leaves the invitation usable: take the invitation (`used_at IS NULL` makes it
    // single use, also against a concurrent accept), write the entry, then make the grant.
    let taken = sqlx::query(
        "UPDATE proxy_invitations SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(&invitation.id)
    .execute(&state.pool)
    .await?;
    if taken.rows_affected() != 1 {
        return refuse(
            &state,
            &req,
            user,
            Action::ProxyAccept,
            Some(invitation.patient_id),
            "invitation_used",
            &words("refusal-invitation-used"),
        )
        .await;
    }
    let audited = record(
        &state,
        &req,
        user,
        Action::ProxyAccept,
        Outcome::Success,
        Some(invitation.patient_id.clone()),
        &format!("grant={grant} scopes={}", invitation.scopes),
    )
    .await;
    if let Err(e) = audited {
        // Nothing granted: the invitation goes back to waiting for its person.
        if let Err(undo) = sqlx::query(
            "UPDATE proxy_invitations SET used_at = NULL WHERE id = $1 AND used_at = $2",
        )
        .bind(&invitation.id)
        .bind(now)
        .execute(&state.pool)
        .await
        {
            tracing::error!(error = %undo, "could not reopen an invitation after a refused audit entry");
        }
        return Err(e);
    }
    sqlx::query(
        "INSERT INTO proxy_grants (id, patient_id, proxy_subject, proxy_name, proxy_email, scopes, ends_at, created_at, kind, granted_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&grant)
    .bind(&invitation.patient_id)
    .bind(&user.subject)
    .bind(&user.display_name)
    .bind(&invitation.email)
    .bind(&invitation.scopes)
    .bind(invitation.ends_at)
    .bind(now)
    .bind(if invitation.kind == "guardian" {
        "guardian"
    } else {
        "proxy"
    })
    .bind(&invitation.inviter_subject)
    .execute(&state.pool)
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/home"))
        .finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_end_date_is_a_later_day_or_nothing() {
        let now = chrono::NaiveDate::from_ymd_opt(2030, 5, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp();
        assert_eq!(end_of("  ", now), Ok(None));
        assert_eq!(
            end_of("2030-05-01", now),
            Ok(Some(now + 12 * 3600)),
            "end of today"
        );
        assert!(end_of("2030-04-30", now).is_err());
        assert!(end_of("1 May", now).is_err());
    }
}
