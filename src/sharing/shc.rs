//! SMART Health Cards for immunizations: a verifiable credential signed by the portal (JWS
//! compact, ES256, `zip: DEF`, `kid` the key's RFC 7638 thumbprint), its `shc:/` numeric form
//! for a QR code, and the `.smart-health-card` file.
//!
//! The issuer is the portal's public URL; verifiers fetch `<iss>/.well-known/jwks.json`
//! (`jwks`). The signing key is made once and kept in the database (`portal_secrets`), so every
//! instance signs with the same key. Signing is RustCrypto's `p256`; this module only lays the
//! JWS out and minimises the FHIR Bundle as the SMART Health Cards specification asks.

use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::Write;

use crate::db::{self, Pool};
use crate::records::model::{Immunization, Patient};

const SECRET_NAME: &str = "shc_es256_key";
pub const HEALTH_CARD: &str = "https://smarthealth.cards#health-card";
pub const IMMUNIZATION: &str = "https://smarthealth.cards#immunization";
/// The media type of a `.smart-health-card` file.
pub const FILE_CONTENT_TYPE: &str = "application/smart-health-card";

/// The issuer's ES256 key.
pub struct CardKey {
    key: SigningKey,
    kid: String,
    x: String,
    y: String,
}

/// The stored key, made on first use.
pub async fn load(pool: &Pool) -> anyhow::Result<CardKey> {
    let stored = db::secret(pool, SECRET_NAME, || {
        hex::encode(SigningKey::random(&mut rand::rngs::OsRng).to_bytes())
    })
    .await?;
    let bytes = hex::decode(stored).context("stored health card key is not hex")?;
    let key = SigningKey::from_slice(&bytes).context("stored health card key")?;
    Ok(CardKey::new(key))
}

impl CardKey {
    fn new(key: SigningKey) -> Self {
        let point = key.verifying_key().to_encoded_point(false);
        let x = B64.encode(point.x().map(|x| x.to_vec()).unwrap_or_default());
        let y = B64.encode(point.y().map(|y| y.to_vec()).unwrap_or_default());
        // RFC 7638: the required members in lexicographic order, no whitespace.
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        let kid = B64.encode(Sha256::digest(canonical.as_bytes()));
        CardKey { key, kid, x, y }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The issuer's JWK Set (public part only).
    pub fn jwks(&self) -> Value {
        json!({ "keys": [{
            "kty": "EC", "kid": self.kid, "use": "sig", "alg": "ES256", "crv": "P-256",
            "x": self.x, "y": self.y
        }]})
    }

    /// A JWS compact serialisation of `payload`, raw-DEFLATEd first (`zip: DEF`).
    pub fn sign(&self, payload: &Value) -> anyhow::Result<String> {
        let header = json!({ "alg": "ES256", "zip": "DEF", "kid": self.kid });
        let mut deflater =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        deflater.write_all(&serde_json::to_vec(payload)?)?;
        let body = deflater.finish()?;
        let input = format!(
            "{}.{}",
            B64.encode(serde_json::to_vec(&header)?),
            B64.encode(body)
        );
        // ES256 in JWS is the fixed 64-byte r || s, which `to_bytes` gives.
        let signature: Signature = self.key.sign(input.as_bytes());
        Ok(format!("{input}.{}", B64.encode(signature.to_bytes())))
    }
}

/// The immunization card's payload: issuer, not-before, and the credential with a minimal
/// FHIR Bundle (Patient and Immunizations; `resource:N` fullUrls; no ids, narratives or
/// displays, as the specification asks to keep QR codes small).
pub fn immunization_payload(
    p: &Patient,
    immunizations: &[Immunization],
    issuer: &str,
    now: i64,
) -> Value {
    let mut name = serde_json::Map::new();
    if !p.family.is_empty() {
        name.insert("family".into(), json!(p.family));
    }
    if !p.given.is_empty() {
        name.insert(
            "given".into(),
            json!(p.given.split(' ').collect::<Vec<_>>()),
        );
    }
    let mut entries = vec![json!({
        "fullUrl": "resource:0",
        "resource": {
            "resourceType": "Patient",
            "name": [name],
            "birthDate": p.birth_date.format("%Y-%m-%d").to_string()
        }
    })];
    let mut shots: Vec<_> = immunizations
        .iter()
        .filter(|i| i.status == "completed")
        .collect();
    shots.sort_by_key(|i| i.date);
    for (n, i) in shots.iter().enumerate() {
        entries.push(json!({
            "fullUrl": format!("resource:{}", n + 1),
            "resource": {
                "resourceType": "Immunization",
                "status": "completed",
                "vaccineCode": { "coding": [{ "system": i.vaccine.system, "code": i.vaccine.code }] },
                "patient": { "reference": "resource:0" },
                "occurrenceDateTime": i.date.format("%Y-%m-%d").to_string()
            }
        }));
    }
    json!({
        "iss": issuer,
        "nbf": now,
        "vc": {
            "type": [HEALTH_CARD, IMMUNIZATION],
            "credentialSubject": {
                "fhirVersion": "4.0.1",
                "fhirBundle": { "resourceType": "Bundle", "type": "collection", "entry": entries }
            }
        }
    })
}

/// The `.smart-health-card` file of one card.
pub fn file(jws: &str) -> Value {
    json!({ "verifiableCredential": [jws] })
}

/// `shc:/` and each character of the JWS as two digits (its code minus 45).
pub fn numeric(jws: &str) -> String {
    let mut out = String::with_capacity(5 + jws.len() * 2);
    out.push_str("shc:/");
    for b in jws.bytes() {
        out.push_str(&format!("{:02}", b.saturating_sub(45)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::VerifyingKey;
    use std::io::Read;

    #[test]
    fn a_card_verifies_with_the_published_key_and_inflates_to_its_payload() {
        let key = CardKey::new(SigningKey::random(&mut rand::rngs::OsRng));
        let payload = json!({ "iss": "https://portal.example", "nbf": 1, "vc": {} });
        let jws = key.sign(&payload).unwrap();
        let parts: Vec<&str> = jws.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value = serde_json::from_slice(&B64.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["zip"], "DEF");
        assert_eq!(header["kid"], key.kid());

        let jwk = &key.jwks()["keys"][0];
        let mut sec1 = vec![4u8];
        sec1.extend(B64.decode(jwk["x"].as_str().unwrap()).unwrap());
        sec1.extend(B64.decode(jwk["y"].as_str().unwrap()).unwrap());
        let public = VerifyingKey::from_sec1_bytes(&sec1).unwrap();
        let sig = Signature::from_slice(&B64.decode(parts[2]).unwrap()).unwrap();
        let input = format!("{}.{}", parts[0], parts[1]);
        assert!(public.verify(input.as_bytes(), &sig).is_ok());

        let mut inflated = Vec::new();
        flate2::read::DeflateDecoder::new(&B64.decode(parts[1]).unwrap()[..])
            .read_to_end(&mut inflated)
            .unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&inflated).unwrap(), payload);
    }

    #[test]
    fn the_numeric_form_is_two_digits_per_character() {
        // '-' is 45 → 00, '.' → 01, 'A' (65) → 20, 'z' (122) → 77.
        assert_eq!(numeric("-.Az"), "shc:/00012077");
    }

    #[test]
    fn the_thumbprint_is_43_characters() {
        let key = CardKey::new(SigningKey::random(&mut rand::rngs::OsRng));
        assert_eq!(key.kid().len(), 43);
    }
}
