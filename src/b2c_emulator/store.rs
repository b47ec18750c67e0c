//! The emulated tenant's storage: its own SQLite file `b2c-emulator.sqlite` in the data dir.
//!
//! Owns: opening the database (WAL, migrations from migrations/b2c_emulator), the tenant GUID,
//! the flow transactions (server-side state behind an opaque id), random tokens and hashing of
//! presented secrets, and the opportunistic clean-up of expired rows.
//! Never: shares a pool or a table with the portal.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use super::errors::EmulatorError;

pub(crate) const DB_FILE: &str = "b2c-emulator.sqlite";

/// How long a user has to get through a flow's pages.
pub(crate) const TRANSACTION_TTL_SECS: i64 = 60 * 60;

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// `bytes` random bytes, base64url without padding.
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256, hex: how presented secrets (codes, tokens, session ids) are looked up.
pub(crate) fn sha256_hex(input: &str) -> String {
    let digest = Sha256::digest(input.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn write_private_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Opens (creating if needed) the emulator database and brings its schema up to date.
pub(crate) async fn open(data_dir: &Path) -> anyhow::Result<SqlitePool> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let path = data_dir.join(DB_FILE);
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open the emulator database {}", path.display()))?;
    // The file holds the signing keys: keep it to its owner.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    sqlx::migrate!("./migrations/b2c_emulator")
        .run(&pool)
        .await
        .context("migrating the emulator database")?;
    Ok(pool)
}

/// The tenant GUID, generated on first use and kept.
pub(crate) async fn tenant_id(db: &SqlitePool) -> anyhow::Result<String> {
    sqlx::query("INSERT OR IGNORE INTO tenant (id, tenant_id, created_at) VALUES (1, ?, ?)")
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(now())
        .execute(db)
        .await?;
    let id: String = sqlx::query_scalar("SELECT tenant_id FROM tenant WHERE id = 1")
        .fetch_one(db)
        .await?;
    Ok(id)
}

/// Deletes what has expired. Cheap; called when a flow starts.
pub(crate) async fn cleanup(db: &SqlitePool) -> anyhow::Result<()> {
    let now = now();
    for sql in [
        "DELETE FROM transactions WHERE expires_at < ?1",
        "DELETE FROM verification_codes WHERE expires_at < ?1 - 3600",
        "DELETE FROM auth_codes WHERE expires_at < ?1 - 3600",
        "DELETE FROM sso_sessions WHERE expires_at < ?1",
        "DELETE FROM refresh_tokens WHERE expires_at < ?1",
        "DELETE FROM outbox WHERE created_at < ?1 - 86400",
        "DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < ?1 - 7 * 86400",
    ] {
        sqlx::query(sql).bind(now).execute(db).await?;
    }
    Ok(())
}

/// Loads a flow's state by its opaque id; expired or unknown ids are a 400 page, like B2C's
/// "We are having trouble loading your current state".
pub(crate) async fn load_transaction<T: serde::de::DeserializeOwned>(
    db: &SqlitePool,
    id: &str,
) -> Result<T, EmulatorError> {
    let data: Option<String> =
        sqlx::query_scalar("SELECT data FROM transactions WHERE id = ? AND expires_at >= ?")
            .bind(id)
            .bind(now())
            .fetch_optional(db)
            .await?;
    let data = data.ok_or_else(|| {
        EmulatorError::bad_request(super::i18n::Text::coded("AADB2C90046", "emu-aadb2c90046"))
    })?;
    serde_json::from_str(&data)
        .context("a stored transaction does not parse")
        .map_err(EmulatorError::Internal)
}

pub(crate) async fn save_transaction<T: serde::Serialize>(
    db: &SqlitePool,
    id: &str,
    tx: &T,
) -> Result<(), EmulatorError> {
    let data = serde_json::to_string(tx).context("serialising a transaction")?;
    sqlx::query(
        "INSERT INTO transactions (id, data, expires_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data",
    )
    .bind(id)
    .bind(data)
    .bind(now() + TRANSACTION_TTL_SECS)
    .execute(db)
    .await?;
    Ok(())
}

pub(crate) async fn delete_transaction(db: &SqlitePool, id: &str) -> Result<(), EmulatorError> {
    sqlx::query("DELETE FROM transactions WHERE id = ?")
        .bind(id)
        .execute(db)
        .await?;
    sqlx::query("DELETE FROM verification_codes WHERE tx_id = ?")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_are_url_safe_and_distinct() {
        let a = random_token(32);
        let b = random_token(32);
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }

    #[test]
    fn sha256_hex_is_lowercase_hex() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
