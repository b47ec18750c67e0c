//! What every portal page shares: the layout's context, redirects, how times read.

use actix_session::Session;
use actix_web::HttpResponse;
use tera::Context;

use crate::auth::session;
use crate::auth::user::{Role, SignedInUser};
use crate::state::AppState;

pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("Location", to))
        .finish()
}

/// A moment as the request's language writes it ("14 de diciembre de 1972, 09:05 UTC"; #31).
pub fn format_time(unix: i64) -> String {
    crate::i18n::format::datetime_utc(crate::i18n::current(), unix)
}

/// What every page's layout needs: who is signed in (for the header) and the CSRF token
/// for the sign-out form.
pub fn page_context(user: Option<(&SignedInUser, &Session)>, state: &AppState) -> Context {
    let mut ctx = Context::new();
    if let Some((user, session)) = user {
        insert_header(&mut ctx, user, session);
    }
    ctx.insert("uses_emulator", &state.settings.uses_emulator());
    ctx
}

/// The header's signed-in part: the user's name and role, and the sign-out form's token.
/// Reads the session, never writes it.
pub fn insert_header(ctx: &mut Context, user: &SignedInUser, session: &Session) {
    ctx.insert("user_name", &user.display_name);
    ctx.insert("user_role", user.role.as_str());
    ctx.insert("is_clinician", &(user.role == Role::Clinician));
    ctx.insert(
        "csrf_token",
        &session::csrf_token(session).unwrap_or_default(),
    );
}
