//! Where the authorization server's endpoints are: named by its discovery document and by the
//! FHIR API's CapabilityStatement. A leaf below both, so neither imports the other's routes.

use crate::config::join_url;
use crate::state::AppState;

/// The URLs of `/smart/authorize`, `/smart/token`, `/smart/revoke`, `/smart/introspect` and
/// `/smart/jwks`.
pub struct Endpoints {
    pub authorize: String,
    pub token: String,
    pub revoke: String,
    pub introspect: String,
    pub jwks: String,
}

pub fn endpoints(state: &AppState) -> Endpoints {
    let at = |p: &str| join_url(&state.settings.public_url, p);
    Endpoints {
        authorize: at("/smart/authorize"),
        token: at("/smart/token"),
        revoke: at("/smart/revoke"),
        introspect: at("/smart/introspect"),
        jwks: at("/smart/jwks"),
    }
}
