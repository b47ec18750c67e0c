//! The relying party: B2C user flows, token checks, sessions, and who the caller is.
//!
//! Owns: sign-in/sign-out routes, the id_token checks (on top of `openidconnect`), the
//! server-side session store, the deny-by-default gate, the `SignedIn`/`Clinician`
//! extractors and the clinician directory (filled at sign-in). Never: reads patient records, or accepts an identity that did not come
//! through the configured MFA sign-up/sign-in user flow.

pub mod directory;
pub mod extract;
pub mod flow;
pub mod gate;
pub mod pending;
pub mod provider;
pub mod reason;
pub mod reauth;
pub mod routes;
pub mod secrets;
pub mod session;
pub mod step_up;
pub mod user;

pub use extract::{Clinician, Patient, SignedIn};
pub use reason::SignInRefusal;
pub use secrets::{hash, random_token};
pub use step_up::{StepUp, StepUpRequired};
pub use user::{Role, SignedInUser};
