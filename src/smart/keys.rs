//! The portal's own id_token signing key (RS256): generated once, kept in the database so every
//! instance signs with the same key, and published as a JWKS. Signing is `jsonwebtoken`'s.

use anyhow::Context;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::db::{self, Pool};

const SECRET_NAME: &str = "smart_id_token_key";

pub struct SigningKey {
    pem: String,
    kid: String,
    n: String,
    e: String,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored key, made on first use.
pub async fn load(pool: &Pool) -> anyhow::Result<SigningKey> {
    let existing: Option<String> =
        sqlx::query_scalar("SELECT value FROM portal_secrets WHERE name = $1")
            .bind(SECRET_NAME)
            .fetch_optional(pool)
            .await?;
    let pem = match existing {
        Some(pem) => pem,
        None => {
            // Off the async workers: a 2048-bit key takes a moment.
            let fresh = tokio::task::spawn_blocking(|| -> anyhow::Result<String> {
                let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)?;
                Ok(key.to_pkcs1_pem(LineEnding::LF)?.to_string())
            })
            .await
            .context("key generation")??;
            // Another instance may have stored one first: `secret` returns whichever won.
            db::secret(pool, SECRET_NAME, || fresh).await?
        }
    };
    let private = rsa::RsaPrivateKey::from_pkcs1_pem(&pem).context("stored id_token key")?;
    let n = private.n().to_bytes_be();
    let e = private.e().to_bytes_be();
    let kid = hex::encode(&Sha256::digest(&n)[..8]);
    Ok(SigningKey {
        pem,
        kid,
        n: b64(&n),
        e: b64(&e),
    })
}

impl SigningKey {
    pub fn jwks(&self) -> Value {
        json!({ "keys": [{
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid, "n": self.n, "e": self.e
        }]})
    }

    pub fn sign(&self, claims: &Value) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        let key = EncodingKey::from_rsa_pem(self.pem.as_bytes())?;
        Ok(jsonwebtoken::encode(&header, claims, &key)?)
    }
}
