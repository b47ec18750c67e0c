//! The discovery document of each user flow, shaped field by field like B2C's, and the JWKS
//! endpoint it names.
//!
//! Quirks kept on purpose: the issuer is `https://host/{tenant-guid}/v2.0/` (not the URL the
//! document is fetched from, the same for every policy), endpoints print the domain and policy in
//! lower case, no `userinfo_endpoint`, no `code_challenge_methods_supported` (PKCE works anyway).

use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::errors::EmulatorError;
use super::keys::jwks_document;
use super::tenant::{Policy, Tenant};

pub(crate) const CLAIMS_SUPPORTED: &[&str] = &[
    "name",
    "given_name",
    "family_name",
    "country",
    "emails",
    "oid",
    "newUser",
    "extension_Role",
    "sub",
    "tfp",
    "iss",
    "iat",
    "exp",
    "aud",
    "nonce",
    "auth_time",
];

#[derive(Serialize, Debug)]
pub(crate) struct OpenIdConfiguration {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub end_session_endpoint: String,
    pub jwks_uri: String,
    pub response_modes_supported: &'static [&'static str],
    pub response_types_supported: &'static [&'static str],
    pub scopes_supported: &'static [&'static str],
    pub subject_types_supported: &'static [&'static str],
    pub id_token_signing_alg_values_supported: &'static [&'static str],
    pub token_endpoint_auth_methods_supported: &'static [&'static str],
    pub claims_supported: &'static [&'static str],
}

/// What an External ID tenant's document lists instead of B2C's.
const EXTERNAL_ID_CLAIMS_SUPPORTED: &[&str] = &[
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "acr",
    "nonce",
    "preferred_username",
    "name",
    "tid",
    "ver",
    "email",
];

pub(crate) fn document(tenant: &Tenant, policy: &Policy) -> OpenIdConfiguration {
    let external_id = tenant.external_id();
    OpenIdConfiguration {
        issuer: tenant.issuer(),
        authorization_endpoint: tenant.policy_url(policy, "oauth2/v2.0/authorize"),
        token_endpoint: tenant.policy_url(policy, "oauth2/v2.0/token"),
        end_session_endpoint: tenant.policy_url(policy, "oauth2/v2.0/logout"),
        jwks_uri: tenant.policy_url(policy, "discovery/v2.0/keys"),
        response_modes_supported: &["query", "fragment", "form_post"],
        response_types_supported: &[
            "code",
            "code id_token",
            "code token",
            "code id_token token",
            "id_token",
            "id_token token",
            "token",
            "token id_token",
        ],
        scopes_supported: if external_id {
            &["openid", "profile", "email", "offline_access"]
        } else {
            &["openid"]
        },
        subject_types_supported: &["pairwise"],
        id_token_signing_alg_values_supported: &["RS256"],
        token_endpoint_auth_methods_supported: &["client_secret_post", "client_secret_basic"],
        claims_supported: if external_id {
            EXTERNAL_ID_CLAIMS_SUPPORTED
        } else {
            CLAIMS_SUPPORTED
        },
    }
}

/// `GET /{tenant}/{policy}/v2.0/.well-known/openid-configuration`
pub(crate) async fn openid_configuration(
    tenant: web::Data<Tenant>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, EmulatorError> {
    let (t, p) = path.into_inner();
    let policy = tenant.policy(&t, &p)?;
    Ok(HttpResponse::Ok().json(document(&tenant, &policy)))
}

/// `GET /{tenant}/{policy}/discovery/v2.0/keys`
pub(crate) async fn jwks(
    tenant: web::Data<Tenant>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, EmulatorError> {
    let (t, p) = path.into_inner();
    tenant.policy(&t, &p)?;
    let keys = tenant.keys.published(&tenant.db).await?;
    Ok(HttpResponse::Ok().json(jwks_document(&keys)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_has_b2c_fields_and_no_userinfo() {
        let doc = OpenIdConfiguration {
            issuer: "https://h/t/v2.0/".into(),
            authorization_endpoint: String::new(),
            token_endpoint: String::new(),
            end_session_endpoint: String::new(),
            jwks_uri: String::new(),
            response_modes_supported: &["query", "fragment", "form_post"],
            response_types_supported: &["code"],
            scopes_supported: &["openid"],
            subject_types_supported: &["pairwise"],
            id_token_signing_alg_values_supported: &["RS256"],
            token_endpoint_auth_methods_supported: &["client_secret_post", "client_secret_basic"],
            claims_supported: CLAIMS_SUPPORTED,
        };
        let value = serde_json::to_value(doc).unwrap();
        let obj = value.as_object().unwrap();
        assert!(!obj.contains_key("userinfo_endpoint"));
        assert!(!obj.contains_key("code_challenge_methods_supported"));
        assert!(obj["issuer"].as_str().unwrap().ends_with("/v2.0/"));
        assert!(CLAIMS_SUPPORTED.contains(&"emails"));
        assert!(CLAIMS_SUPPORTED.contains(&"tfp"));
    }
}
