//! The authentication context of an Entra External ID tenant whose (emulated) Conditional
//! Access policy requires MFA, and whether an authorize request asks for it.
//!
//! A leaf: the portal's configuration checks its setting against this id without depending on
//! the rest of the emulator.

/// The authentication context whose (emulated) Conditional Access policy requires MFA.
pub const EXTERNAL_ID_AUTH_CONTEXT: &str = "c1";

/// Whether an authorize request's `claims` asks for `acrs` with the MFA context.
pub(crate) fn asks_for_mfa(query: &str) -> bool {
    let claims = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "claims")
        .map(|(_, v)| v.into_owned());
    let Some(value) = claims.and_then(|c| serde_json::from_str::<serde_json::Value>(&c).ok())
    else {
        return false;
    };
    let acrs = &value["id_token"]["acrs"];
    acrs["value"].as_str() == Some(EXTERNAL_ID_AUTH_CONTEXT)
        || acrs["values"].as_array().is_some_and(|v| {
            v.iter()
                .any(|x| x.as_str() == Some(EXTERNAL_ID_AUTH_CONTEXT))
        })
}
