//! `/activate`: a signed-in patient whose account has no record yet links it with the
//! activation code that staff issued and their date of birth. Every outcome is audited; the
//! answer to a wrong attempt never says whether the code or the date was wrong.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::activation::{self, Redeemed};
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::auth::extract::Patient;
use crate::state::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::page::{page_context, redirect};
use crate::web::{templates, AppError};

fn form_page(
    state: &AppState,
    session: &Session,
    user: &crate::auth::SignedInUser,
    // The key of the form's error in locales/*/activate_errors.ftl.
    error: Option<&str>,
    status: StatusCode,
) -> HttpResponse {
    let mut ctx = page_context(Some((user, session)), state);
    let error = error.map(|key| crate::i18n::tr(crate::i18n::current(), key));
    ctx.insert("error", &error);
    templates::page(status, "activate.html", &ctx)
}

/// `GET /activate`.
pub async fn activate_form(
    state: web::Data<AppState>,
    session: Session,
    patient: Patient,
) -> Result<HttpResponse, AppError> {
    if crate::access::linked_patient_id(&state.pool, &patient.subject)
        .await?
        .is_some()
    {
        return Ok(redirect("/home"));
    }
    Ok(form_page(
        &state,
        &session,
        patient.user(),
        None,
        StatusCode::OK,
    ))
}

#[derive(Deserialize)]
pub struct ActivateForm {
    code: Option<String>,
    birth_date: Option<String>,
}

/// `POST /activate`.
pub async fn activate(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    patient: Patient,
    form: CsrfForm<ActivateForm>,
) -> Result<HttpResponse, AppError> {
    let user = patient.into_user();
    let code = form.code.as_deref().unwrap_or_default().trim();
    let birth_date = form.birth_date.as_deref().unwrap_or_default().trim();
    if code.is_empty() || chrono::NaiveDate::parse_from_str(birth_date, "%Y-%m-%d").is_err() {
        return Ok(form_page(
            &state,
            &session,
            &user,
            Some("activate-error-incomplete"),
            StatusCode::BAD_REQUEST,
        ));
    }
    let outcome = activation::redeem(&state.pool, &user.subject, code, birth_date).await?;
    let meta = RequestMeta::of(&req, state.settings.behind_proxy);
    let (action, result, patient, detail) = match &outcome {
        Redeemed::Linked(patient_id) => (
            Action::ActivationUsed,
            Outcome::Success,
            Some(patient_id.clone()),
            None,
        ),
        Redeemed::Refused => (
            Action::ActivationFailed,
            Outcome::Failure,
            None,
            Some("refused"),
        ),
        Redeemed::Throttled => (
            Action::ActivationFailed,
            Outcome::Denied,
            None,
            Some("throttled"),
        ),
        Redeemed::AlreadyLinked => (
            Action::ActivationFailed,
            Outcome::Denied,
            None,
            Some("already_linked"),
        ),
    };
    let mut entry = meta.entry(Actor::user(&user), action, result);
    entry.patient_id = patient;
    entry.detail = detail.map(str::to_string);
    audit::append(&state.pool, &entry).await?;
    match outcome {
        Redeemed::Linked(_) => {
            tracing::info!(subject = %user.subject, "account linked to a record");
            // The address for the notice of new results: a newly linked patient may sign in
            // next only when told that their first results arrived.
            if let Err(e) = crate::notifications::remember_contact(
                &state.pool,
                &user.subject,
                user.emails.first().map(String::as_str),
            )
            .await
            {
                tracing::warn!(error = %e, "could not keep the notification address");
            }
            // Home, not the record: it says what is new and what is left to do (a pharmacy).
            Ok(redirect("/home"))
        }
        Redeemed::Refused => Ok(form_page(
            &state,
            &session,
            &user,
            Some("activate-error-no-match"),
            StatusCode::BAD_REQUEST,
        )),
        Redeemed::Throttled => Ok(form_page(
            &state,
            &session,
            &user,
            Some("activate-error-too-many"),
            StatusCode::TOO_MANY_REQUESTS,
        )),
        Redeemed::AlreadyLinked => Ok(form_page(
            &state,
            &session,
            &user,
            Some("activate-error-already-linked"),
            StatusCode::CONFLICT,
        )),
    }
}
