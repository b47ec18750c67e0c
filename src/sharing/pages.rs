//! The patient's sharing pages: their links and who opened them (`/share`), making a link
//! (`/share/new`, `POST /share`), revoking one (`POST /share/revoke`), and the immunization
//! card (`/share/health-card`).
//!
//! Making a link reads the record through `LinkedPatient::open` (audited), encrypts what was
//! chosen with a fresh key, stores the ciphertext and shows the `shlink:/` once: the key is in
//! that page and nowhere else. The page is `no-store`, so no cache keeps it either.

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::content::{self, sign_card, Content};
use super::manifest::audit_ref;
use super::wrap::WrapKey;
use super::{passcode, qr, shc, shl, store};
use crate::access::{LinkedPatient, Section};
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::auth::{SignedInUser, StepUp, StepUpRequired};
use crate::records::store as records;
use crate::state::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::page::{format_time, page_context, redirect};
use crate::web::{templates, AppError};

/// The expiry choices, in days.
const EXPIRY_DAYS: &[(&str, i64)] = &[("1", 1), ("7", 7), ("30", 30), ("90", 90)];

#[derive(Serialize)]
struct LinkShown {
    id: String,
    label: String,
    content: String,
    period: Option<String>,
    created: String,
    expires: Option<String>,
    passcode: bool,
    /// An `L` link: its content follows the record.
    follows: bool,
    state: String,
    live: bool,
    opened: i64,
    /// All rows of attempts, of which `accesses` shows the newest `store::SHOWN_ACCESSES`.
    rows: i64,
    shown: usize,
    accesses: Vec<AccessShown>,
}

#[derive(Serialize)]
struct AccessShown {
    when: String,
    recipient: String,
    outcome: String,
    /// Requests of a dead link are counted in one row.
    tries: i64,
}

/// What became of an attempt to open a link, by its stored outcome, in the page's language
/// (#31; `page_words.ftl`).
fn outcome_words(outcome: &str) -> String {
    let key = match outcome {
        "opened" => "page-words-share-opened",
        "wrong_passcode" => "page-words-share-wrong-passcode",
        "disabled" => "page-words-share-disabled-now",
        "gone" => "page-words-share-gone",
        "bad_request" => "page-words-share-bad-request",
        _ => "page-words-share-other",
    };
    crate::i18n::tr(crate::i18n::current(), key)
}

/// A link's state in the page's language (#31).
fn state_words(revoked_reason: Option<&str>, live: bool) -> String {
    let key = match (revoked_reason, live) {
        (Some("passcode"), _) => "page-words-share-state-disabled",
        (Some(_), _) => "page-words-share-state-revoked",
        (None, false) => "page-words-share-state-expired",
        (None, true) => "page-words-share-state-active",
    };
    crate::i18n::tr(crate::i18n::current(), key)
}

/// The period of a lab results link, its days written in the page's language.
fn period_words(from: &str, to: &str) -> String {
    let lang = crate::i18n::current();
    let day = |d: &str| {
        NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(|d| crate::i18n::format::date(lang, d))
            .unwrap_or_else(|_| d.to_string())
    };
    crate::i18n::tr_args(
        lang,
        "page-words-share-period",
        &[("from", day(from).into()), ("to", day(to).into())],
    )
}

/// `GET /share`: the patient's links, with every attempt to open them.
pub async fn list(
    state: web::Data<AppState>,
    session: Session,
    patient: LinkedPatient,
) -> Result<HttpResponse, AppError> {
    let now = crate::db::now();
    let links = store::links_of(&state.pool, patient.patient_id()).await?;
    let accesses = store::accesses_of(&state.pool, patient.patient_id()).await?;
    let counts = store::access_counts(&state.pool, patient.patient_id()).await?;
    let shown: Vec<LinkShown> = links
        .into_iter()
        .map(|l| {
            let mine: Vec<&store::Access> = accesses.iter().filter(|a| a.link_id == l.id).collect();
            let live = l.is_live(now);
            let count = counts.iter().find(|c| c.link_id == l.id);
            LinkShown {
                state: state_words(l.revoked_reason.as_deref(), live),
                live,
                opened: count.map_or(0, |c| c.opened),
                rows: count.map_or(0, |c| c.row_count),
                shown: mine.len(),
                accesses: mine
                    .iter()
                    .map(|a| AccessShown {
                        when: format_time(a.at),
                        recipient: a.recipient.clone(),
                        outcome: outcome_words(&a.outcome),
                        tries: a.tries,
                    })
                    .collect(),
                content: Content::words(&l.content),
                period: l
                    .period_from
                    .as_ref()
                    .zip(l.period_to.as_ref())
                    .map(|(f, t)| period_words(f, t)),
                created: format_time(l.created_at),
                expires: l.expires_at.map(format_time),
                passcode: l.passcode_hash.is_some(),
                follows: l.wrapped_key.is_some(),
                label: l.label,
                id: l.id,
            }
        })
        .collect();
    let mut ctx = page_context(Some((&patient.user, &session)), &state);
    ctx.insert("links", &shown);
    Ok(templates::page(StatusCode::OK, "share_list.html", &ctx))
}

#[derive(Deserialize, Default, Serialize, Clone)]
pub struct CreateForm {
    #[serde(default)]
    content: String,
    #[serde(default)]
    expires: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    passcode: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// "yes": an `L` link, whose content follows the record (checkbox).
    #[serde(default)]
    follows: String,
}

/// `check`'s message `key` in `lang` (#31; `page_words.ftl`), its numbers filled in.
fn error_words(lang: crate::i18n::Lang, key: &str) -> String {
    crate::i18n::tr_args(
        lang,
        key,
        &[
            ("max", shl::MAX_LABEL_CHARS.into()),
            ("min", passcode::MIN_CHARS.into()),
            ("most", passcode::MAX_CHARS.into()),
        ],
    )
}

fn form_page(
    state: &AppState,
    session: &Session,
    user: &SignedInUser,
    form: &CreateForm,
    error: Option<&str>,
) -> HttpResponse {
    let mut ctx = page_context(Some((user, session)), state);
    // The passcode is never sent back into the page.
    let mut shown = form.clone();
    shown.passcode = String::new();
    ctx.insert("form", &shown);
    ctx.insert("min_passcode", &passcode::MIN_CHARS);
    ctx.insert("max_label", &shl::MAX_LABEL_CHARS);
    if let Some(error) = error {
        let error = error_words(crate::i18n::current(), error);
        ctx.insert("error", &error);
    }
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    templates::page(status, "share_new.html", &ctx)
}

/// `GET /share/new`: what to share, for how long, with or without a passcode. A link hands
/// the record to someone else: a fresh MFA sign-in first (step-up, `auth::step_up`).
pub async fn new_form(
    state: web::Data<AppState>,
    session: Session,
    patient: LinkedPatient,
    _fresh: StepUp,
) -> Result<HttpResponse, AppError> {
    let form = CreateForm {
        content: "summary".into(),
        expires: "7".into(),
        ..Default::default()
    };
    Ok(form_page(&state, &session, &patient.user, &form, None))
}

/// A form that passed every check.
struct Choice {
    content: Content,
    days: i64,
    label: String,
    passcode: Option<String>,
    period: Option<(NaiveDate, NaiveDate)>,
    /// An `L` link: the content is made again from the record at each manifest request.
    follows_record: bool,
}

/// The form's choices, or the key of the message that says what is wrong (`page_words.ftl`).
fn check(form: &CreateForm) -> Result<Choice, &'static str> {
    let content = Content::parse(&form.content).ok_or("page-words-share-choose-content")?;
    let days = EXPIRY_DAYS
        .iter()
        .find(|(k, _)| *k == form.expires)
        .map(|(_, d)| *d)
        .ok_or("page-words-share-choose-expiry")?;
    let label = form.label.trim().to_string();
    if label.chars().count() > shl::MAX_LABEL_CHARS || label.chars().any(char::is_control) {
        return Err("page-words-share-label");
    }
    let passcode = match form.passcode.as_str() {
        "" => None,
        p if p.chars().count() < passcode::MIN_CHARS || p.chars().count() > passcode::MAX_CHARS => {
            return Err("page-words-share-passcode")
        }
        p => Some(p.to_string()),
    };
    let period = match content {
        Content::Labs => {
            let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
            let (Some(from), Some(to)) = (parse(&form.from), parse(&form.to)) else {
                return Err("page-words-share-period-days");
            };
            if from > to {
                return Err("page-words-share-period-order");
            }
            Some((from, to))
        }
        _ => None,
    };
    Ok(Choice {
        content,
        days,
        label,
        passcode,
        period,
        follows_record: form.follows == "yes",
    })
}

/// `POST /share`: makes the link and shows it, once.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    patient: LinkedPatient,
    form: CsrfForm<CreateForm>,
    fresh: Result<StepUp, StepUpRequired>,
) -> Result<HttpResponse, AppError> {
    let now = crate::db::now();
    // Never replayed after the step-up: back to the form, which offers it again.
    if let Err(required) = fresh {
        return Err(required.returning_to("/share/new").into());
    }
    let choice = match check(&form) {
        Ok(c) => c,
        Err(message) => {
            return Ok(form_page(
                &state,
                &session,
                &patient.user,
                &form,
                Some(message),
            ))
        }
    };
    let chart = patient.open(&state, &req, Section::ShareLink).await?;
    let period = choice.period.map(|(f, t)| {
        (
            f.format("%Y-%m-%d").to_string(),
            t.format("%Y-%m-%d").to_string(),
        )
    });
    let key = shl::LinkKey::generate();
    let (record, files) = content::files(
        &state,
        &chart,
        choice.content,
        period.as_ref().map(|(f, t)| (f.as_str(), t.as_str())),
        &key,
        now,
    )
    .await?;
    let passcode_hash = match choice.passcode.clone() {
        Some(p) => Some(
            tokio::task::spawn_blocking(move || passcode::hash(&p))
                .await
                .map_err(|e| AppError::Internal(e.into()))??,
        ),
        None => None,
    };
    let id = shl::random_id();
    let expires_at = now + choice.days * 86_400;
    // Only an `L` link keeps its key, and only wrapped under the server's key (`wrap`).
    let wrapped_key = if choice.follows_record {
        Some(
            WrapKey::of(
                &state.settings.shl_wrap_key_file,
                state.settings.shl_wrap_key_generated,
            )?
            .wrap(&id, &key)?,
        )
    } else {
        None
    };
    store::insert(
        &state.pool,
        &store::NewLink {
            id: &id,
            patient_id: patient.patient_id(),
            created_by: &patient.user.subject,
            label: &choice.label,
            content: choice.content.as_str(),
            period,
            created_at: now,
            expires_at: Some(expires_at),
            passcode_hash,
            wrapped_key,
        },
        &files
            .iter()
            .map(|(t, j)| (*t, j.clone()))
            .collect::<Vec<_>>(),
    )
    .await?;

    let url = state
        .settings
        .public_url
        .join(&format!("/shl/{id}"))
        .map_err(|e| AppError::Internal(e.into()))?;
    let payload = shl::ShlPayload {
        url: url.to_string(),
        key: key.encoded(),
        exp: Some(expires_at),
        flag: shl::flags(choice.follows_record, choice.passcode.is_some()),
        label: (!choice.label.is_empty()).then(|| choice.label.clone()),
        v: 1,
    };
    let shlink = payload.to_shlink();
    let title = crate::i18n::tr(crate::i18n::current(), "page-words-qr-share-link");
    let svg = qr::svg_of_text(&shlink, &title)?;
    let mut ctx = page_context(Some((&patient.user, &session)), &state);
    ctx.insert("shlink", &shlink);
    ctx.insert("qr_svg", &svg);
    ctx.insert("label", &choice.label);
    ctx.insert("content", &Content::words(choice.content.as_str()));
    ctx.insert("expires", &format_time(expires_at));
    ctx.insert("passcode", &choice.passcode.is_some());
    ctx.insert("follows", &choice.follows_record);
    ctx.insert("patient_name", &record.patient.display_name());
    let mut resp = templates::page(StatusCode::CREATED, "share_created.html", &ctx);
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}

#[derive(Deserialize)]
pub struct RevokeForm {
    link: Option<String>,
}

/// `POST /share/revoke`: the link stops answering at once (404 to everyone).
pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
    form: CsrfForm<RevokeForm>,
) -> Result<HttpResponse, AppError> {
    let id = form.link.clone().unwrap_or_default();
    // The link's id travels in the form, not the address, so request logs never hold it.
    if !store::revoke(&state.pool, patient.patient_id(), &id, crate::db::now()).await? {
        return Err(AppError::NotFound);
    }
    let meta = RequestMeta::of(&req, state.settings.behind_proxy);
    let mut entry = meta.entry(
        Actor::user(&patient.user),
        Action::ShareLinkRevoked,
        Outcome::Success,
    );
    entry.patient_id = Some(patient.patient_id().to_string());
    entry.detail = Some(format!("link={}", audit_ref(&id)));
    audit::append(&state.pool, &entry).await?;
    Ok(redirect("/share?revoked=1"))
}

#[derive(Serialize)]
struct ShotShown {
    vaccine: String,
    date: String,
}

/// `GET /share/health-card`: the immunization card as a QR code, and its file.
pub async fn health_card(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    patient: LinkedPatient,
) -> Result<HttpResponse, AppError> {
    let chart = patient.open(&state, &req, Section::HealthCard).await?;
    let who = records::patient(&state.pool, &chart).await?;
    let shots = records::immunizations(&state.pool, &chart).await?;
    let jws = sign_card(&state, &who, &shots, crate::db::now()).await?;
    // The picture's title is read out by screen readers: in the page's language (#31).
    let title = crate::i18n::tr(crate::i18n::current(), "page-words-qr-health-card");
    let svg = qr::svg_of_health_card(&shc::numeric(&jws), &title)?;
    let mut ctx = page_context(Some((&patient.user, &session)), &state);
    let mut shown: Vec<ShotShown> = shots
        .iter()
        .filter(|s| s.status == "completed")
        .map(|s| ShotShown {
            vaccine: s.vaccine.display.clone(),
            date: s.date.format("%Y-%m-%d").to_string(),
        })
        .collect();
    shown.reverse();
    ctx.insert("shots", &shown);
    ctx.insert("qr_svg", &svg);
    ctx.insert("patient_name", &who.display_name());
    let mut resp = templates::page(StatusCode::OK, "share_health_card.html", &ctx);
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}

/// `GET /share/health-card/download`: the `.smart-health-card` file.
pub async fn health_card_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    patient: LinkedPatient,
) -> Result<HttpResponse, AppError> {
    let chart = patient.open(&state, &req, Section::HealthCard).await?;
    let who = records::patient(&state.pool, &chart).await?;
    let shots = records::immunizations(&state.pool, &chart).await?;
    let jws = sign_card(&state, &who, &shots, crate::db::now()).await?;
    let body = serde_json::to_vec(&shc::file(&jws)).map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type(shc::FILE_CONTENT_TYPE)
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"immunizations.smart-health-card\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(content: &str, passcode: &str) -> CreateForm {
        CreateForm {
            content: content.into(),
            expires: "7".into(),
            label: "For Dr Ortega".into(),
            passcode: passcode.into(),
            from: "2024-01-01".into(),
            to: "2024-12-31".into(),
            follows: String::new(),
        }
    }

    #[test]
    fn a_form_is_checked_before_anything_is_read() {
        assert!(check(&form("summary", "")).is_ok());
        assert!(check(&form("nothing", "")).is_err());
        assert!(check(&form("summary", "12345")).is_err(), "short passcode");
        assert!(check(&form("summary", "123456")).is_ok());
        let mut backwards = form("labs", "");
        backwards.from = "2025-01-01".into();
        assert!(check(&backwards).is_err());
        let mut long = form("summary", "");
        long.label = "x".repeat(81);
        assert!(check(&long).is_err());
        let mut never = form("summary", "");
        never.expires = "forever".into();
        assert!(check(&never).is_err());
    }

    #[test]
    fn a_link_s_words_read_in_the_page_s_language() {
        use crate::i18n::{Lang, LANG};
        // Every refusal of the form is a message of every language, its numbers filled in.
        let mut refusals = vec![
            check(&form("nothing", "")),
            check(&form("summary", "12345")),
            check(&form("labs", "")),
        ];
        let mut long = form("summary", "");
        long.label = "x".repeat(81);
        refusals.push(check(&long));
        for key in refusals.into_iter().filter_map(Result::err) {
            let (en, es) = (error_words(Lang::En, key), error_words(Lang::Es, key));
            assert!(en != key && es != en && !es.contains('{'), "{key}: {es}");
        }
        assert_eq!(
            error_words(Lang::Es, "page-words-share-passcode"),
            "Un código de acceso tiene de 6 a 64 caracteres (o déjelo vacío si no quiere usar ninguno)."
        );
        let es = |f: fn() -> String| LANG.sync_scope(Lang::Es, f);
        assert_eq!(
            es(|| state_words(Some("passcode"), false)),
            "Desactivado tras códigos de acceso incorrectos"
        );
        assert_eq!(es(|| state_words(None, true)), "Activo");
        assert_eq!(state_words(Some("patient"), true), "Revoked");
        assert_eq!(
            es(|| outcome_words("gone")),
            "Rechazado: el enlace ya no funciona"
        );
        assert_eq!(outcome_words("wrong_passcode"), "Wrong passcode");
        assert_eq!(
            es(|| period_words("2024-01-01", "2024-12-31")),
            "del 1 de enero de 2024 al 31 de diciembre de 2024"
        );
    }
}
