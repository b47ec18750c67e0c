//! SMART App Launch (standalone patient launch) with the portal as authorization server.
//!
//! Owns: the app registry (`apps`), scopes (`scopes`), the authorization request, the
//! patient's consent, codes, access and rotating refresh tokens (`tokens`), the id_token key
//! and its JWKS (`keys`), the endpoints (`routes`) and the connected-apps part of `/account`
//! (`connected`). Never: stores a token, code or secret in the clear, lets a clinician launch
//! for a patient, or issues anything without the patient's MFA-verified session and consent.
//! The FHIR API that accepts these tokens is `fhir_api`.

pub mod apps;
pub mod connected;
pub mod endpoints;
pub mod keys;
pub mod routes;
pub mod scopes;
pub mod tokens;
