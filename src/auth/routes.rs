//! The sign-in routes: start a user flow, take the reply, sign out.

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::flow::start_flow;
use super::pending::{self, PendingLogin, Purpose};
use super::provider::{token_policy, B2cIdTokenClaims, SignInError};
use super::reauth::{ReauthPurpose, Reauthenticated};
use super::{hash, session, Role, SignInRefusal, SignedIn, SignedInUser};
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::config::{Flavour, IdentityProvider, Settings};
use crate::state::AppState;
use crate::web::page::{format_time, page_context, redirect};
use crate::web::{csrf, templates, AppError};

/// Where a sign-in without a return path lands: the home page of the user's role (`landing`).
const DEFAULT_RETURN: &str = "/home";

/// A patient's home (`/home`, which sends an unlinked account on to `/activate`), a
/// clinician's worklist (`/staff`).
fn landing(user: &SignedInUser) -> &'static str {
    match user.role {
        Role::Clinician => "/staff",
        Role::Patient => DEFAULT_RETURN,
    }
}

#[derive(Deserialize)]
pub struct SignInQuery {
    #[serde(rename = "returnUrl")]
    return_url: Option<String>,
}

/// `GET /signin`: off to the MFA sign-up/sign-in user flow.
pub async fn signin(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<SignInQuery>,
) -> Result<HttpResponse, AppError> {
    let return_path = pending::safe_return_path(query.return_url.as_deref())
        .unwrap_or_else(|| DEFAULT_RETURN.to_string());
    let policy = state.policies.susi.clone();
    // After a timeout the identity provider must ask for the password again (see the gate).
    let fresh = pending::reauth_required(&req);
    start_flow(&req, &state, &policy, Purpose::SignIn, return_path, fresh).await
}

#[derive(Deserialize, Serialize, Default)]
pub struct Reply {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

impl Reply {
    fn is_empty(&self) -> bool {
        self.code.is_none() && self.state.is_none() && self.error.is_none()
    }
}

/// `GET` of the reply: `query` mode's reply in the address, or a `form_post` reply that
/// `callback_post` sent on here in its cookie (taken once: the response removes it).
pub async fn callback_get(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    reply: web::Query<Reply>,
) -> Result<HttpResponse, AppError> {
    let reply = reply.into_inner();
    let carried = req.cookie(pending::REPLY_COOKIE);
    let reply = match (&carried, reply.is_empty()) {
        (Some(c), true) => serde_urlencoded::from_str::<Reply>(c.value()).unwrap_or_default(),
        _ => reply,
    };
    // A refused reply leaves the cookie to expire: the pending sign-in it names is used up.
    let mut resp = callback(req, state, session, reply).await?;
    if carried.is_some() {
        resp.add_removal_cookie(&pending::reply_cookie(String::new()))
            .map_err(|e| AppError::Internal(e.into()))?;
    }
    Ok(resp)
}

/// `form_post`: the provider's page POSTs the reply across sites, and a cross-site POST
/// carries no `SameSite=Lax` cookie, so the session of someone already signed in (coming
/// back from break-the-glass re-authentication or from profile edit) is not there and the
/// reply would be refused as another user's. So the reply goes into a short-lived cookie of
/// its own and the browser comes back by GET (a top-level navigation, which carries Lax
/// cookies), where it finishes as a `query` reply does; the code never enters an address.
pub async fn callback_post(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    reply: web::Form<Reply>,
) -> Result<HttpResponse, AppError> {
    let reply = reply.into_inner();
    let carried = serde_urlencoded::to_string(&reply).unwrap_or_default();
    if reply.is_empty() || carried.len() > pending::REPLY_COOKIE_MAX_VALUE {
        return callback(req, state, session, reply).await;
    }
    let mut resp = HttpResponse::SeeOther()
        .insert_header(("Location", state.settings.callback_path.as_str()))
        .finish();
    resp.add_cookie(&pending::reply_cookie(carried))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(resp)
}

async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    reply: Reply,
) -> Result<HttpResponse, AppError> {
    let meta = RequestMeta::of(&req, state.settings.behind_proxy);
    let login = match take_pending(&req, &state, reply.state.as_deref()).await {
        Ok(login) => login,
        Err(e) => return Err(refuse(&state, &meta, e).await),
    };
    if let Some(error) = reply.error.as_deref() {
        return provider_error(
            &req,
            &state,
            &meta,
            login,
            error,
            reply.error_description.as_deref(),
        )
        .await;
    }
    let Some(code) = reply.code.as_deref().filter(|c| !c.is_empty()) else {
        return Err(refuse(&state, &meta, plain(SignInRefusal::CodeMissing)).await);
    };
    let expected = login.policy.clone();
    let verified = match state
        .provider
        .redeem(
            &login.policy,
            code,
            &login.pkce_verifier,
            &login.nonce,
            &expected,
        )
        .await
    {
        Ok(v) => v,
        Err(e) => return Err(refuse(&state, &meta, e).await),
    };
    let user = user_from_claims(&verified.claims, &state.settings);
    match login.purpose {
        Purpose::SignIn => {
            if let Some(after) = login.fresh_auth_after {
                // prompt=login was sent; an auth_time from before this sign-in began means
                // single sign-on answered instead of the password and MFA.
                let fresh = user
                    .auth_time
                    .is_some_and(|t| t >= after - pending::AUTH_TIME_SKEW_SECS);
                if !fresh {
                    return Err(refuse(&state, &meta, plain(SignInRefusal::StaleAuth)).await);
                }
            }
            // The entry is durable before the session exists: if it cannot be written there
            // is no session (and the 503 page), never a sign-in without its record.
            audit_ok(&state, &meta, &user, Action::SignIn).await?;
            // A clinician's sign-in puts them in the directory (care teams, access logs).
            super::directory::record(&state.pool, &user).await?;
            session::start(&session, &user, &verified.raw_id_token)?;
            tracing::info!(subject = %user.subject, role = user.role.as_str(), "signed in");
            // A return path stored before it was checked this strictly falls back to the default.
            let target = pending::safe_return_path(Some(&login.return_path))
                .filter(|path| path != DEFAULT_RETURN)
                .unwrap_or_else(|| landing(&user).to_string());
            let mut resp = redirect(&target);
            resp.add_removal_cookie(&pending::reauth_cookie())
                .map_err(|e| AppError::Internal(e.into()))?;
            // The language kept on the account follows it to this browser (#31).
            // A choice that cannot be read now is cosmetic: the sign-in, already audited and in
            // its session, still completes (the browser keeps its cookie or Accept-Language).
            let kept = crate::web::language::account_language(&state.pool, &user.subject)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "the account's language could not be read at sign-in");
                    None
                });
            if let Some(lang) = kept {
                resp.add_cookie(&crate::web::language::language_cookie(lang))
                    .map_err(|e| AppError::Internal(e.into()))?;
            }
            // The language this sign-in was read in (the cookie, else Accept-Language, else the
            // default) is remembered as the account's last seen one, for its e-mails when no
            // choice is kept. Not a choice: no cookie. Cosmetic too: a failure only warns.
            crate::web::language::remember_seen(&state.pool, &user.subject, crate::i18n::current())
                .await;
            Ok(resp)
        }
        Purpose::Reset => {
            // A password-reset token comes from a flow without MFA: it never makes a session.
            audit_ok(&state, &meta, &user, Action::PasswordReset).await?;
            tracing::info!(subject = %user.subject, "password reset completed");
            Ok(redirect("/signin?returnUrl=%2Faccount"))
        }
        Purpose::Edit => {
            // Only the names of the user already signed in here may change.
            let Some(mut current) = session::user(&session).filter(|u| u.subject == user.subject)
            else {
                return Err(refuse(&state, &meta, plain(SignInRefusal::Subject)).await);
            };
            current.display_name = user.display_name;
            current.given_name = user.given_name;
            current.family_name = user.family_name;
            current.country = user.country;
            session::replace_user(&session, &current)?;
            audit_ok(&state, &meta, &current, Action::ProfileEdit).await?;
            Ok(redirect("/account"))
        }
        Purpose::StepUp => {
            // A fresh MFA sign-in before a sensitive action (#29): `step_up` checks it is the
            // session's own person, through MFA, after the step-up began.
            super::step_up::complete(
                &state,
                &session,
                &meta,
                &user,
                &verified.raw_id_token,
                &login,
            )
            .await
        }
        Purpose::BreakGlass(request) => {
            // The purpose that asked for this re-authentication finishes it (break-the-glass,
            // registered by startup): the callback knows only that it was fully validated.
            let Some(purpose) = req.app_data::<web::Data<dyn ReauthPurpose>>() else {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "no handler for a finished re-authentication"
                )));
            };
            let done = Reauthenticated {
                session: &session,
                meta: &meta,
                user: &user,
                request: &request,
            };
            purpose.complete(&state, done).await
        }
    }
}

fn plain(reason: SignInRefusal) -> SignInError {
    SignInError {
        reason,
        detail: String::new(),
        b2c_code: None,
    }
}

async fn take_pending(
    req: &HttpRequest,
    state: &AppState,
    reply_state: Option<&str>,
) -> Result<PendingLogin, SignInError> {
    let reply_state = reply_state
        .filter(|s| !s.is_empty())
        .ok_or(plain(SignInRefusal::StateMissing))?;
    let login = pending::take(&state.pool, reply_state)
        .await
        .map_err(|e| SignInError {
            reason: SignInRefusal::StateUnknown,
            detail: e.to_string(),
            b2c_code: None,
        })?
        .ok_or(plain(SignInRefusal::StateUnknown))?;
    let browser = req.cookie(pending::CORRELATION_COOKIE);
    let same_browser = browser
        .map(|c| csrf::matches(&login.browser_hash, &hash(c.value())))
        .unwrap_or(false);
    if !same_browser {
        return Err(plain(SignInRefusal::StateOtherBrowser));
    }
    Ok(login)
}

/// Logs and audits a refused sign-in, and turns it into the page the user sees.
async fn refuse(state: &AppState, meta: &RequestMeta, e: SignInError) -> AppError {
    tracing::warn!(reason = e.reason.as_str(), detail = %e.detail, "sign-in refused");
    crate::metrics::sign_in_refused(e.reason.as_str());
    let mut entry = meta.entry(Actor::anonymous(), Action::SignInFailed, Outcome::Failure);
    entry.detail = Some(match &e.b2c_code {
        Some(code) => format!("{} {code}", e.reason),
        None => e.reason.as_str().to_string(),
    });
    if let Err(err) = audit::append(&state.pool, &entry).await {
        return err.into();
    }
    // The sentence in the request's language (locales/*/signin_errors.ftl).
    let key = match e.reason {
        SignInRefusal::StateMissing
        | SignInRefusal::StateUnknown
        | SignInRefusal::StateOtherBrowser => "signin-error-state",
        SignInRefusal::ProviderUnavailable => "signin-error-unavailable",
        SignInRefusal::Policy => "signin-error-policy",
        SignInRefusal::StaleAuth => "signin-error-stale",
        SignInRefusal::Tenant => "signin-error-tenant",
        SignInRefusal::ProviderError => e
            .b2c_code
            .as_deref()
            .and_then(provider_code_key)
            .unwrap_or("signin-error-provider"),
        _ => "signin-error-identity",
    };
    AppError::SignIn {
        code: e.reason.as_str(),
        b2c_code: e.b2c_code,
        message: crate::i18n::tr(crate::i18n::current(), key),
    }
}

async fn audit_ok(
    state: &AppState,
    meta: &RequestMeta,
    user: &SignedInUser,
    action: Action,
) -> Result<(), AppError> {
    let entry = meta.entry(Actor::user(user), action, Outcome::Success);
    Ok(audit::append(&state.pool, &entry).await?)
}

/// B2C answered with an error instead of a code.
async fn provider_error(
    req: &HttpRequest,
    state: &AppState,
    meta: &RequestMeta,
    login: PendingLogin,
    error: &str,
    description: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let code = description.and_then(super::provider::aadb2c_code);
    match code.as_deref() {
        Some("AADB2C90118") => {
            let mut entry = meta.entry(Actor::anonymous(), Action::SignInFailed, Outcome::Failure);
            entry.detail = Some("forgot_password AADB2C90118".into());
            audit::append(&state.pool, &entry).await?;
            match &state.policies.reset {
                Some(reset) => {
                    start_flow(req, state, reset, Purpose::Reset, "/account".into(), false).await
                }
                None => Ok(templates::page(
                    actix_web::http::StatusCode::OK,
                    "reset_help.html",
                    &page_context(None, state),
                )),
            }
        }
        Some("AADB2C90091") => {
            let mut entry = meta.entry(Actor::anonymous(), Action::SignInFailed, Outcome::Failure);
            entry.detail = Some(format!("{} AADB2C90091", SignInRefusal::Cancelled));
            audit::append(&state.pool, &entry).await?;
            tracing::info!(
                reason = SignInRefusal::Cancelled.as_str(),
                "sign-in cancelled"
            );
            crate::metrics::sign_in_refused(SignInRefusal::Cancelled.as_str());
            let target = if login.purpose == Purpose::Edit {
                "/account"
            } else {
                "/?notice=cancelled"
            };
            Ok(redirect(target))
        }
        _ => {
            // The provider's description is not shown: only its code, escaped by the template.
            tracing::warn!(error = %sanitize(error), b2c_code = code.as_deref().unwrap_or("none"), "identity provider returned an error");
            Err(refuse(
                state,
                meta,
                SignInError {
                    reason: SignInRefusal::ProviderError,
                    detail: String::new(),
                    b2c_code: code,
                },
            )
            .await)
        }
    }
}

/// The provider's error codes that a user can act on (B2C's AADB2C and Entra External ID's
/// AADSTS codes): the key of their words in `locales/*/signin_errors.ftl`, which the error
/// page shows in its language.
pub fn provider_code_key(code: &str) -> Option<&'static str> {
    Some(match code {
        "AADSTS50058" => "signin-error-no-session",
        "AADSTS131010" => "signin-error-new-account",
        "AADSTS500208" => "signin-error-not-for-patients",
        "AADSTS65004" => "signin-error-consent-declined",
        "AADSTS53003" | "AADSTS50105" => "signin-error-access-rules",
        "AADSTS50076" | "AADSTS50079" | "AADSTS50074" => "signin-error-mfa-incomplete",
        "AADSTS50053" | "AADB2C90157" => "signin-error-too-many",
        "AADB2C90080" | "AADSTS70008" => "signin-error-too-long",
        "AADB2C90006" | "AADSTS50011" => "signin-error-reply-address",
        _ => return None,
    })
}

fn sanitize(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(40)
        .collect()
}

/// What stands for the user flow with External ID: the MFA authentication context that
/// `acrs` was checked to contain (compared like a B2C policy by break-the-glass).
pub fn external_id_policy(auth_context: &str) -> String {
    format!("acrs:{auth_context}")
}

/// Maps id_token claims to the portal's user. Names fall back sensibly; the role comes
/// from the configured claim.
pub fn user_from_claims(claims: &B2cIdTokenClaims, settings: &Settings) -> SignedInUser {
    let extra = claims.additional_claims();
    let given = claims
        .given_name()
        .and_then(|n| n.get(None))
        .map(|n| n.to_string());
    let family = claims
        .family_name()
        .and_then(|n| n.get(None))
        .map(|n| n.to_string());
    let external_id = settings.flavour() == Flavour::ExternalId;
    // B2C sends `emails` (an array), External ID the standard `email`.
    let emails = match (&extra.emails, claims.email()) {
        (Some(e), _) if !external_id => e.clone().into_vec(),
        (_, Some(e)) if external_id => vec![e.as_str().to_string()],
        _ => Vec::new(),
    };
    let display_name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.to_string())
        .filter(|n| !n.trim().is_empty())
        .or_else(|| match (&given, &family) {
            (Some(g), Some(f)) => Some(format!("{g} {f}")),
            (Some(g), None) => Some(g.clone()),
            _ => None,
        })
        .or_else(|| emails.first().cloned())
        // Kept in the session as the name: in the language the sign-in was read in (#31). It is
        // stored as written where the person's name is stored (a message's author), so a
        // reader in another language sees it in the sign-in's language: rare (a token without
        // name and e-mail), and accepted.
        .unwrap_or_else(|| crate::i18n::tr(crate::i18n::current(), "rust-signed-in-user"));
    let role = match extra.other.get(&settings.role_claim) {
        Some(serde_json::Value::String(v)) if v == &settings.clinician_role => Role::Clinician,
        Some(serde_json::Value::Array(values))
            if values
                .iter()
                .any(|v| v.as_str() == Some(settings.clinician_role.as_str())) =>
        {
            Role::Clinician
        }
        _ => Role::Patient,
    };
    // External ID's `sub` is pairwise per app; `oid` is the user in the tenant (and `tid`,
    // checked to be ours, makes it unique). The checks refused a token without `oid`.
    let subject = match (&extra.oid, external_id) {
        (Some(oid), true) => oid.clone(),
        _ => claims.subject().as_str().to_string(),
    };
    let policy = match &settings.identity {
        IdentityProvider::ExternalId(x) => external_id_policy(&x.mfa_auth_context),
        IdentityProvider::Emulator {
            flavour: Flavour::ExternalId,
            ..
        } => external_id_policy(crate::b2c_emulator::auth_context::EXTERNAL_ID_AUTH_CONTEXT),
        _ => token_policy(claims).unwrap_or_default(),
    };
    SignedInUser {
        subject,
        display_name,
        given_name: given,
        family_name: family,
        emails,
        country: extra.country.clone(),
        role,
        policy,
        auth_time: claims.auth_time().map(|t| t.timestamp()),
        issued_at: claims.issue_time().timestamp(),
        expires_at: claims.expiration().timestamp(),
        issuer: claims.issuer().as_str().to_string(),
    }
}

/// `POST /signout`: ends our session first, then sends the browser to B2C's end-session
/// endpoint with `id_token_hint`, so B2C only returns to our registered address.
pub async fn signout(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    user: SignedIn,
    _form: crate::web::csrf::CsrfForm,
) -> Result<HttpResponse, AppError> {
    let meta = RequestMeta::of(&req, state.settings.behind_proxy);
    let hint = session::id_token(&session);
    let policy = state.policies.susi.clone();
    session.purge();
    audit_ok(&state, &meta, &user.0, Action::SignOut).await?;
    tracing::info!(subject = %user.0.subject, "signed out");
    let target = state
        .provider
        .end_session_url(&policy, hint.as_deref())
        .await
        .map(|u| u.to_string())
        .unwrap_or_else(|| state.settings.signed_out_callback_path.clone());
    Ok(redirect(&target))
}

/// `GET {SIGNED_OUT_CALLBACK_PATH}`: public, needs no session.
pub async fn signed_out(state: web::Data<AppState>) -> HttpResponse {
    templates::page(
        actix_web::http::StatusCode::OK,
        "signed_out.html",
        &page_context(None, &state),
    )
}

/// `GET /account`: who is signed in, when the session ends, the person's settings
/// (notifications, pharmacy, connected apps) and a link to the sign-in details.
pub async fn account(state: web::Data<AppState>, session: Session, user: SignedIn) -> HttpResponse {
    let user = user.0;
    let mut ctx = page_context(Some((&user, &session)), &state);
    ctx.insert("user_emails", &user.emails.join(", "));
    ctx.insert(
        "notifications_off",
        &crate::notifications::is_off(&state.pool, &user.subject).await,
    );
    if let Some((created, last)) = session::times(&session) {
        let idle_end = last + state.settings.session_idle.as_secs() as i64;
        let max_end = created + state.settings.session_max.as_secs() as i64;
        // Which limit comes first decides what the sentence says: inactivity moves on with
        // every page, the session's maximum does not.
        ctx.insert("session_expires", &format_time(idle_end.min(max_end)));
        ctx.insert("session_idle_first", &(idle_end <= max_end));
        ctx.insert(
            "session_idle_minutes",
            &(state.settings.session_idle.as_secs() / 60),
        );
    }
    ctx.insert("can_edit", &state.policies.edit.is_some());
    crate::smart::connected::add_to(&state, &user, &mut ctx).await;
    crate::renewals::pharmacy::add_to(&state, &user, &mut ctx).await;
    ctx.insert(
        "external_id",
        &(state.settings.flavour() == Flavour::ExternalId),
    );
    templates::page(actix_web::http::StatusCode::OK, "account.html", &ctx)
}

/// `GET /account/sign-in-details`: the claims of the sign-in, by their names in the token (as
/// the B2C samples show them), for whoever needs to check what the identity provider sent.
pub async fn sign_in_details(
    state: web::Data<AppState>,
    session: Session,
    user: SignedIn,
) -> HttpResponse {
    let user = user.0;
    let mut ctx = page_context(Some((&user, &session)), &state);
    let mut claims: Vec<(&str, String)> = vec![
        (
            if state.settings.flavour() == Flavour::ExternalId {
                "oid"
            } else {
                "sub"
            },
            user.subject.clone(),
        ),
        ("name", user.display_name.clone()),
    ];
    if let Some(g) = &user.given_name {
        claims.push(("given_name", g.clone()));
    }
    if let Some(f) = &user.family_name {
        claims.push(("family_name", f.clone()));
    }
    if !user.emails.is_empty() && state.settings.flavour() == Flavour::ExternalId {
        claims.push(("email", user.emails.join(", ")));
    } else if !user.emails.is_empty() {
        claims.push(("emails", user.emails.join(", ")));
    }
    if let Some(c) = &user.country {
        claims.push(("country", c.clone()));
    }
    match user.policy.strip_prefix("acrs:") {
        Some(context) => claims.push(("acrs", context.to_string())),
        None => claims.push(("tfp", user.policy.clone())),
    }
    if let Some(t) = user.auth_time {
        claims.push(("auth_time", format_time(t)));
    }
    claims.push(("iat", format_time(user.issued_at)));
    claims.push(("exp", format_time(user.expires_at)));
    claims.push(("iss", user.issuer.clone()));
    ctx.insert("claims", &claims);
    templates::page(
        actix_web::http::StatusCode::OK,
        "account_sign_in_details.html",
        &ctx,
    )
}

/// `GET /account/edit`: the profile-edit user flow, if the tenant has one.
pub async fn account_edit(
    req: HttpRequest,
    state: web::Data<AppState>,
    _user: SignedIn,
) -> Result<HttpResponse, AppError> {
    match state.policies.edit.clone() {
        Some(edit) => {
            start_flow(&req, &state, &edit, Purpose::Edit, "/account".into(), false).await
        }
        None => Err(AppError::NotFound),
    }
}

/// `GET /password/reset`: the password-reset user flow, or how to reset without one.
pub async fn password_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    match state.policies.reset.clone() {
        Some(reset) => {
            start_flow(
                &req,
                &state,
                &reset,
                Purpose::Reset,
                "/account".into(),
                false,
            )
            .await
        }
        None => Ok(templates::page(
            actix_web::http::StatusCode::OK,
            "reset_help.html",
            &page_context(None, &state),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::provider_code_key;
    use crate::i18n::{lookup, Lang};

    #[test]
    fn every_provider_code_has_words_in_every_language() {
        for code in [
            "AADSTS50058",
            "AADSTS131010",
            "AADSTS500208",
            "AADSTS65004",
            "AADSTS53003",
            "AADSTS50076",
            "AADB2C90157",
            "AADB2C90080",
            "AADB2C90006",
        ] {
            let key = provider_code_key(code).expect(code);
            for &lang in Lang::all() {
                assert!(lookup(lang, key, &[]).is_some(), "{code}: {key}");
            }
        }
        assert_eq!(provider_code_key("AADB2C99999"), None);
        assert!(lookup(Lang::Es, "signin-error-state", &[])
            .is_some_and(|t| t.contains("Inicie sesión de nuevo")));
    }
}
