//! The preferred pharmacy: a profile setting of the signed-in patient (`/account`), like the
//! notification address, copied into each renewal request when it is made.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::appointments::common::see_other;
use crate::auth::{Role, SignedIn, SignedInUser};
use crate::db::{self, Pool};
use crate::state::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::AppError;

pub const MAX_LEN: usize = 200;

pub async fn get(pool: &Pool, subject: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT pharmacy FROM patient_pharmacies WHERE subject = $1")
        .bind(subject)
        .fetch_optional(pool)
        .await
}

/// Puts the patient's pharmacy on the account page (patients only).
pub async fn add_to(state: &AppState, user: &SignedInUser, ctx: &mut tera::Context) {
    if user.role != Role::Patient {
        return;
    }
    match get(&state.pool, &user.subject).await {
        Ok(p) => ctx.insert("pharmacy", &p.unwrap_or_default()),
        Err(e) => tracing::warn!(error = %e, "could not read the preferred pharmacy"),
    }
}

#[derive(Debug, Deserialize)]
pub struct PharmacyForm {
    pharmacy: Option<String>,
}

/// `POST /account/pharmacy`: sets (or, empty, clears) the preferred pharmacy.
pub async fn set(
    state: web::Data<AppState>,
    user: SignedIn,
    form: CsrfForm<PharmacyForm>,
) -> Result<HttpResponse, AppError> {
    if user.0.role != Role::Patient {
        return Err(AppError::Forbidden);
    }
    let pharmacy = form.pharmacy.as_deref().unwrap_or_default().trim();
    if pharmacy.chars().count() > MAX_LEN || pharmacy.chars().any(char::is_control) {
        return Err(AppError::bad_request(crate::i18n::tr_args(
            crate::i18n::current(),
            "form-error-pharmacy-too-long",
            &[("max", MAX_LEN.into())],
        )));
    }
    if pharmacy.is_empty() {
        sqlx::query("DELETE FROM patient_pharmacies WHERE subject = $1")
            .bind(&user.0.subject)
            .execute(&state.pool)
            .await?;
    } else {
        sqlx::query(
            "INSERT INTO patient_pharmacies (subject, pharmacy, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (subject) DO UPDATE SET pharmacy = $2, updated_at = $3",
        )
        .bind(&user.0.subject)
        .bind(pharmacy)
        .bind(db::now())
        .execute(&state.pool)
        .await?;
    }
    Ok(see_other("/account"))
}
