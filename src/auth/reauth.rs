//! A finished re-authentication, handed to the purpose that asked for it.
//!
//! The sign-in callback validates the reply of a fresh sign-in (`prompt=login`) like any other:
//! state, PKCE, signature, issuer, audience, nonce, policy. What the fresh sign-in is *for*
//! (break-the-glass today) is not the callback's business, and `auth` must not import the
//! areas that use it: the purpose implements `ReauthPurpose`, startup registers it as app data,
//! and the callback calls it with the validated user. The purpose itself checks everything
//! that is its own (the same person, `auth_time`, the MFA policy, single use, its audit entry).

use actix_session::Session;
use actix_web::HttpResponse;
use futures_util::future::LocalBoxFuture;

use super::user::SignedInUser;
use crate::audit::RequestMeta;
use crate::state::AppState;
use crate::web::AppError;

/// A re-authentication whose token passed every check of the callback.
pub struct Reauthenticated<'a> {
    /// The browser's session (still the one that asked: the callback does not replace it).
    pub session: &'a Session,
    pub meta: &'a RequestMeta,
    /// Who the fresh token says signed in, with its policy and `auth_time`.
    pub user: &'a SignedInUser,
    /// The id of the request the purpose stored before the sign-in started.
    pub request: &'a str,
}

/// What finishes a re-authentication: grants what was asked for, or answers with a refusal.
pub trait ReauthPurpose: Send + Sync + 'static {
    fn complete<'a>(
        &'a self,
        state: &'a AppState,
        done: Reauthenticated<'a>,
    ) -> LocalBoxFuture<'a, Result<HttpResponse, AppError>>;
}
