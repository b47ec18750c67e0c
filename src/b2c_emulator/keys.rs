//! The tenant's RS256 signing keys: generation, rotation, the JWKS and signing/verifying JWTs.
//!
//! Owns: the `signing_keys` table, the JWKS document (`kid`, `nbf`, `use`, `kty`, `e`, `n` only,
//! exactly B2C's shape), the parsed-key cache. Keys are read from the database on every use (the
//! cache only saves re-parsing PEMs), so `rotate_keys` from another process takes effect at once.
//! Retired keys stay published for 24 hours. Never: publishes private material, or signs with a
//! retired key.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use super::store::{self, now};

/// How long a retired key is still published (tokens it signed may still be in use).
pub(crate) const RETIRED_KEY_PUBLISHED_SECS: i64 = 24 * 60 * 60;

pub(crate) struct LoadedKey {
    pub kid: String,
    pub nbf: i64,
    pub n: String,
    pub e: String,
    encoding: EncodingKey,
}

/// Parsed keys by kid. The set of keys in force always comes from the database.
#[derive(Default)]
pub(crate) struct KeyRing {
    cache: Mutex<HashMap<String, Arc<LoadedKey>>>,
    /// Set while the first start generates the tenant's first key in the background (RSA key
    /// generation took two thirds of a first start's time): readers wait for it.
    first_key: Option<PendingKey>,
}

/// The first key's generation: it starts once told to ([`KeyRing::make_first_key`]), so that
/// its CPU time does not compete with the rest of start-up, or when a reader needs the key.
struct PendingKey {
    state: tokio::sync::watch::Receiver<FirstKey>,
    go: Arc<tokio::sync::Notify>,
}

/// How the background generation of the first key stands.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FirstKey {
    Generating,
    Stored,
    Failed,
}

/// The longest a token or JWKS request waits for the first key (it takes well under a second
/// in a release build, a few seconds in a debug build on a busy machine).
const FIRST_KEY_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(sqlx::FromRow)]
struct KeyRow {
    kid: String,
    private_pem: String,
    created_at: i64,
}

/// One JWK as B2C publishes it: no `alg`, no `x5c`.
#[derive(Serialize, Debug, PartialEq)]
pub(crate) struct Jwk {
    pub kid: String,
    pub nbf: i64,
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub kty: &'static str,
    pub e: String,
    pub n: String,
}

#[derive(Serialize, Debug)]
pub(crate) struct Jwks {
    pub keys: Vec<Jwk>,
}

impl KeyRing {
    /// A ring for a tenant whose keys are in the database. If it has no signing key yet (the
    /// first start), one is generated and stored in the background, and the ring's readers wait
    /// for it, so the emulator can listen without waiting for the key.
    pub async fn open(db: &SqlitePool) -> anyhow::Result<KeyRing> {
        let active: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM signing_keys WHERE retired_at IS NULL")
                .fetch_one(db)
                .await?;
        if active > 0 {
            return Ok(KeyRing::default());
        }
        let (tx, rx) = tokio::sync::watch::channel(FirstKey::Generating);
        let go = Arc::new(tokio::sync::Notify::new());
        let db = db.clone();
        let told = go.clone();
        tokio::spawn(async move {
            told.notified().await;
            let outcome = match store_first_key(&db).await {
                Ok(()) => FirstKey::Stored,
                Err(e) => {
                    tracing::error!(error = %e, "B2C emulator could not make its signing key");
                    FirstKey::Failed
                }
            };
            let _ = tx.send(outcome);
        });
        Ok(KeyRing {
            cache: Mutex::default(),
            first_key: Some(PendingKey { state: rx, go }),
        })
    }

    /// Starts making the first key, if there is none yet (more calls change nothing).
    pub fn make_first_key(&self) {
        if let Some(pending) = &self.first_key {
            pending.go.notify_one();
        }
    }

    /// Waits (bounded) until the first key is stored, if it is still being made.
    async fn first_key_stored(&self) -> anyhow::Result<()> {
        let Some(pending) = &self.first_key else {
            return Ok(());
        };
        self.make_first_key();
        let mut rx = pending.state.clone();
        let state =
            tokio::time::timeout(FIRST_KEY_WAIT, rx.wait_for(|s| *s != FirstKey::Generating))
                .await
                .context("the emulator's signing key is still being made")?
                .context("the emulator's key generation stopped")?
                .clone();
        match state {
            FirstKey::Stored => Ok(()),
            _ => anyhow::bail!("the emulator could not make its signing key"),
        }
    }

    /// Published keys, the signing key first.
    pub async fn published(&self, db: &SqlitePool) -> anyhow::Result<Vec<Arc<LoadedKey>>> {
        self.first_key_stored().await?;
        let rows: Vec<KeyRow> = sqlx::query_as(
            "SELECT kid, private_pem, created_at FROM signing_keys
             WHERE retired_at IS NULL OR retired_at >= ?
             ORDER BY (retired_at IS NOT NULL), created_at DESC",
        )
        .bind(now() - RETIRED_KEY_PUBLISHED_SECS)
        .fetch_all(db)
        .await?;
        rows.into_iter().map(|row| self.parsed(row)).collect()
    }

    /// The key that signs now.
    pub async fn signing(&self, db: &SqlitePool) -> anyhow::Result<Arc<LoadedKey>> {
        self.first_key_stored().await?;
        let row: Option<KeyRow> = sqlx::query_as(
            "SELECT kid, private_pem, created_at FROM signing_keys
             WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1",
        )
        .fetch_optional(db)
        .await?;
        self.parsed(row.context("the emulator has no signing key")?)
    }

    fn parsed(&self, row: KeyRow) -> anyhow::Result<Arc<LoadedKey>> {
        let mut cache = self
            .cache
            .lock()
            .map_err(|_| anyhow::anyhow!("key cache poisoned"))?;
        if let Some(key) = cache.get(&row.kid) {
            return Ok(key.clone());
        }
        let private = rsa::RsaPrivateKey::from_pkcs1_pem(&row.private_pem)
            .with_context(|| format!("signing key {} does not parse", row.kid))?;
        let key = Arc::new(LoadedKey {
            n: b64(&private.n().to_bytes_be()),
            e: b64(&private.e().to_bytes_be()),
            encoding: EncodingKey::from_rsa_pem(row.private_pem.as_bytes())
                .with_context(|| format!("signing key {} is unusable", row.kid))?,
            kid: row.kid.clone(),
            nbf: row.created_at,
        });
        cache.insert(row.kid, key.clone());
        Ok(key)
    }

    /// Signs claims with the current key: header `alg: RS256`, `kid`, `typ: JWT`.
    pub async fn sign<T: Serialize>(&self, db: &SqlitePool, claims: &T) -> anyhow::Result<String> {
        let key = self.signing(db).await?;
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(key.kid.clone());
        header.typ = Some("JWT".to_string());
        jsonwebtoken::encode(&header, claims, &key.encoding).context("signing a token")
    }

    /// Checks a token we issued (signature by a published key, our issuer, the given audience).
    /// Expiry is not checked: an `id_token_hint` may be old.
    pub async fn verify_ours(
        &self,
        db: &SqlitePool,
        token: &str,
        issuer: &str,
        audience: &str,
    ) -> anyhow::Result<serde_json::Value> {
        let header = jsonwebtoken::decode_header(token).context("not a JWT")?;
        let kid = header.kid.context("the token names no key")?;
        let keys = self.published(db).await?;
        let key = keys
            .iter()
            .find(|k| k.kid == kid)
            .context("the token's key is not published")?;
        let decoding = DecodingKey::from_rsa_components(&key.n, &key.e)?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["iss", "aud"]);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        let data = jsonwebtoken::decode::<serde_json::Value>(token, &decoding, &validation)?;
        Ok(data.claims)
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The RFC 7638 thumbprint of the public key: a stable kid of B2C's length (43 characters).
pub(crate) fn thumbprint(n: &str, e: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    b64(&Sha256::digest(canonical.as_bytes()))
}

pub(crate) fn jwks_document(keys: &[Arc<LoadedKey>]) -> Jwks {
    Jwks {
        keys: keys
            .iter()
            .map(|k| Jwk {
                kid: k.kid.clone(),
                nbf: k.nbf,
                use_: "sig",
                kty: "RSA",
                e: k.e.clone(),
                n: k.n.clone(),
            })
            .collect(),
    }
}

/// Generates a 2048-bit key (seconds in an unoptimised build: off the async threads).
async fn generate() -> anyhow::Result<(String, String)> {
    tokio::task::spawn_blocking(|| -> anyhow::Result<(String, String)> {
        let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
            .context("generating an RSA key")?;
        let kid = thumbprint(
            &b64(&private.n().to_bytes_be()),
            &b64(&private.e().to_bytes_be()),
        );
        let pem = private
            .to_pkcs1_pem(LineEnding::LF)
            .context("encoding the RSA key")?;
        Ok((kid, pem.to_string()))
    })
    .await
    .context("the key generation task failed")?
}

/// Generates and stores the tenant's first signing key (see [`KeyRing::open`]).
async fn store_first_key(db: &SqlitePool) -> anyhow::Result<()> {
    let (kid, pem) = generate().await?;
    sqlx::query("INSERT INTO signing_keys (kid, private_pem, created_at) VALUES (?, ?, ?)")
        .bind(&kid)
        .bind(pem)
        .bind(now())
        .execute(db)
        .await?;
    tracing::info!(%kid, "B2C emulator generated its signing key");
    Ok(())
}

/// Start signing with a fresh key; keep publishing the old key(s) in the JWKS for 24h, return
/// the new kid. Works against a running emulator: it reads keys from the database on each use.
pub async fn rotate_keys(data_dir: &Path) -> anyhow::Result<String> {
    let db = store::open(data_dir).await?;
    let (kid, pem) = generate().await?;
    let now = now();
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO signing_keys (kid, private_pem, created_at) VALUES (?, ?, ?)")
        .bind(&kid)
        .bind(pem)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    db.close().await;
    tracing::info!(%kid, "B2C emulator signing key rotated");
    Ok(kid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwk_has_exactly_b2c_fields() {
        let jwk = Jwk {
            kid: "k".into(),
            nbf: 1_500_000_000,
            use_: "sig",
            kty: "RSA",
            e: "AQAB".into(),
            n: "xyz".into(),
        };
        let value = serde_json::to_value(Jwks { keys: vec![jwk] }).unwrap();
        let key = value["keys"][0].as_object().unwrap();
        let mut fields: Vec<&str> = key.keys().map(String::as_str).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["e", "kid", "kty", "n", "nbf", "use"]);
        assert_eq!(key["use"], "sig");
        assert!(key["nbf"].is_i64());
    }

    #[test]
    fn thumbprint_matches_rfc_7638_example() {
        // RFC 7638 section 3.1.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            thumbprint(n, "AQAB"),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    /// A first start does not wait for the key, but nothing is signed or published before it
    /// exists; the next start finds it and makes no other.
    #[tokio::test]
    async fn the_first_key_is_made_in_the_background_and_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let db = store::open(dir.path()).await.unwrap();
        let ring = KeyRing::open(&db).await.unwrap();
        assert!(ring.first_key.is_some(), "an empty tenant makes its key");
        let token = ring
            .sign(&db, &serde_json::json!({"sub": "x"}))
            .await
            .unwrap();
        let kid = jsonwebtoken::decode_header(&token).unwrap().kid.unwrap();
        let published = ring.published(&db).await.unwrap();
        assert_eq!(published.len(), 1);
        assert_eq!(published[0].kid, kid);

        let again = KeyRing::open(&db).await.unwrap();
        assert!(again.first_key.is_none(), "the stored key is used");
        assert_eq!(again.signing(&db).await.unwrap().kid, kid);
    }
}
