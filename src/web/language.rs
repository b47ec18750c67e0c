//! Which language a request speaks, and the switch that changes it (#31).
//!
//! The order: the person's choice (the switch on every page: a cookie in this browser, and on
//! the account when signed in, which the next sign-in in any browser puts back into the
//! cookie), else the browser's `Accept-Language`, else `PORTAL_DEFAULT_LANGUAGE`. The
//! middleware [`choose`] wraps the whole app, so error pages made by other middleware speak
//! the language too.
//!
//! The switch is a form that works signed out as well, where there is no session and so no
//! session CSRF token: it carries a double-submit token instead, a random value in a
//! `__Host-` cookie of its own that another site can neither read nor set. Signed in, the
//! session's token is accepted as on every other form. Both on top of the same-origin check
//! that every POST passes (`guards::same_origin_writes`).

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::secrets::random_token;
use crate::auth::{pending, session};
use crate::db::{self, Pool};
use crate::i18n::{self, Lang};
use crate::state::AppState;
use crate::web::csrf;
use crate::web::templates::{Switch, SWITCH};
use crate::web::AppError;

pub const COOKIE: &str = "__Host-portal-lang";
pub const FORM_COOKIE: &str = "__Host-portal-form";
/// A choice is kept for a year in the browser (and on the account for good).
const COOKIE_SECS: i64 = 365 * 24 * 3600;

fn cookie(name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(COOKIE_SECS))
        .finish()
}

/// The language cookie for `lang`.
pub fn language_cookie(lang: Lang) -> Cookie<'static> {
    cookie(COOKIE, lang.code().to_string())
}

/// The language a request asks for, before the configured default.
pub fn requested(req: &HttpRequest) -> Option<Lang> {
    req.cookie(COOKIE)
        .and_then(|c| Lang::parse(c.value()))
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(i18n::negotiate)
        })
}

/// Middleware: runs the request in its language.
pub async fn choose(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let (default, pseudo) = req
        .app_data::<web::Data<AppState>>()
        .map(|s| (s.settings.default_language, s.settings.pseudo_language))
        .unwrap_or((Lang::En, false));
    let lang = match requested(req.request()).unwrap_or(default) {
        // The pseudo language exists only when turned on (PORTAL_PSEUDO_LANGUAGE); otherwise
        // en-XA is English, as any other English tag.
        Lang::Pseudo if !pseudo => Lang::En,
        lang => lang,
    };
    let existing = req
        .cookie(FORM_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() >= 32);
    let new_token = existing.is_none();
    let form_token = existing.unwrap_or_else(|| random_token(32));
    // The path only: a query (a search, an id someone typed) is not written back into the
    // page, and error pages get none (`templates::insert_language`).
    let return_to = pending::safe_return_path(Some(req.path())).unwrap_or_else(|| "/".to_string());
    let switch = Switch {
        form_token: form_token.clone(),
        return_to,
    };
    let mut resp = i18n::LANG
        .scope(lang, SWITCH.scope(switch, next.call(req)))
        .await?
        .map_into_boxed_body();
    let is_page = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if is_page {
        if new_token {
            if let Ok(v) = HeaderValue::from_str(&cookie(FORM_COOKIE, form_token).to_string()) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        // The same address answers in another language for another browser.
        resp.headers_mut()
            .append(header::VARY, HeaderValue::from_static("Accept-Language"));
    }
    Ok(resp)
}

/// The language kept on an account, if its owner chose one.
pub async fn account_language(pool: &Pool, subject: &str) -> Result<Option<Lang>, sqlx::Error> {
    let code: Option<String> =
        sqlx::query_scalar("SELECT language FROM account_languages WHERE b2c_subject = $1")
            .bind(subject)
            .fetch_optional(pool)
            .await?;
    Ok(code.as_deref().and_then(Lang::parse))
}

/// Remembers `lang`, the language a sign-in of `subject` was read in, as the account's last
/// seen language (`account_seen_languages`): the e-mails' language when the person kept no
/// choice (`notifications::Kind::language_of`). Not a choice: it sets no cookie and never
/// wins over one. The pseudo language is a tester's tool and is not remembered. A failure is
/// logged (without the subject) and otherwise ignored: it must not fail the sign-in.
pub async fn remember_seen(pool: &Pool, subject: &str, lang: Lang) {
    if lang == Lang::Pseudo {
        return;
    }
    let written = sqlx::query(
        "INSERT INTO account_seen_languages (b2c_subject, language, updated_at) \
         VALUES ($1, $2, $3) ON CONFLICT (b2c_subject) DO UPDATE SET \
         language = excluded.language, updated_at = excluded.updated_at",
    )
    .bind(subject)
    .bind(lang.code())
    .bind(db::now())
    .execute(pool)
    .await;
    if let Err(e) = written {
        tracing::warn!(error = %e, "the language of a sign-in could not be remembered");
    }
}

async fn keep_on_account(pool: &Pool, subject: &str, lang: Lang) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO account_languages (b2c_subject, language, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (b2c_subject) DO UPDATE SET language = excluded.language, \
         updated_at = excluded.updated_at",
    )
    .bind(subject)
    .bind(lang.code())
    .bind(db::now())
    .execute(pool)
    .await?;
    Ok(())
}

/// `POST /language`: the switch. Public (it works signed out); a signed-in person's choice
/// is kept on their account too.
pub async fn change(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let field = |name: &str| {
        let mut values = form.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
        match (values.next(), values.next()) {
            (Some(v), None) => Some(v.as_str()),
            _ => None,
        }
    };
    let given = field(csrf::FIELD).unwrap_or_default();
    let session = req.get_session();
    let by_session = csrf::matches(&session::csrf_token(&session).unwrap_or_default(), given);
    let by_cookie = req
        .cookie(FORM_COOKIE)
        .is_some_and(|c| c.value().len() >= 32 && csrf::matches(c.value(), given));
    if !(by_session || by_cookie) {
        return Err(AppError::bad_request(i18n::tr(
            i18n::current(),
            "error-form-expired",
        )));
    }
    // Exactly a code the portal speaks: the switch only ever sends those.
    let lang = field("language")
        .and_then(|code| Lang::all().iter().copied().find(|l| l.code() == code))
        .ok_or_else(|| {
            AppError::bad_request(i18n::tr(i18n::current(), "error-language-unknown"))
        })?;
    if let Some(user) = session::user(&session) {
        keep_on_account(&state.pool, &user.subject, lang).await?;
    }
    let target = pending::safe_return_path(field("return_to")).unwrap_or_else(|| "/".to_string());
    Ok(HttpResponse::SeeOther()
        .cookie(language_cookie(lang))
        .insert_header((header::LOCATION, target))
        .finish())
}
