//! `POST /account/notifications`: the patient's on/off choice for e-mail notifications.
//! A handler: it uses the queue's functions (`mod.rs`) and the state; nothing below imports it.

use super::set_enabled;

#[derive(Debug, serde::Deserialize)]
pub struct SettingForm {
    enabled: Option<String>,
}

/// `POST /account/notifications`: a patient turns e-mail notifications on or off.
pub async fn setting(
    state: actix_web::web::Data<crate::state::AppState>,
    user: crate::auth::SignedIn,
    fresh: Result<crate::auth::StepUp, crate::auth::StepUpRequired>,
    form: crate::web::csrf::CsrfForm<SettingForm>,
) -> Result<actix_web::HttpResponse, crate::web::AppError> {
    use crate::web::AppError;
    // Where the portal's e-mails go is a sensitive setting (step-up, #29): after a fresh
    // sign-in the account page offers the choice again; the post is not replayed.
    fresh.map_err(|e| e.returning_to("/account"))?;
    let enabled = match form.enabled.as_deref() {
        Some("on") => true,
        Some("off") => false,
        _ => {
            return Err(AppError::bad_request(crate::i18n::tr(
                crate::i18n::current(),
                "form-error-notifications-on-off",
            )))
        }
    };
    set_enabled(&state.pool, &user.0.subject, enabled).await?;
    tracing::info!(subject = %user.0.subject, enabled, "notification setting changed");
    Ok(actix_web::HttpResponse::SeeOther()
        .insert_header(("Location", "/account"))
        .finish())
}
