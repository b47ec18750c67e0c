//! The portal's database: SQLite (WAL) by default, PostgreSQL in production, through sqlx's
//! `Any` driver so one set of queries and migrations serves both.
//!
//! Queries use `$1` placeholders (both engines accept them), TEXT/BIGINT columns and unix
//! seconds for times. Migrations are embedded in the binary and applied at start-up. Rows are
//! read into `#[derive(sqlx::FromRow)]` structs (or `query_scalar` for one value), by column
//! name, never by position. Every "which engine is this?" question goes through [`Engine`].
//!
//! Why `Any` rather than one pool type per engine:
//! - one binary and one set of queries serve a laptop (SQLite file) and production (PostgreSQL);
//! - `cargo test` needs no database server: the suites run on SQLite files, and
//!   `tests/postgres.rs` runs the same code on PostgreSQL when `PORTAL_TEST_POSTGRES_URL` is set;
//! - the same SQL on both engines keeps them from drifting (no per-engine query variants).
//!
//! What it costs, and how we live with it:
//! - no compile-time checked queries (`query!` needs one concrete database): the suites that
//!   run every query on both engines are the check instead;
//! - only the types both drivers share: TEXT, BIGINT (`i64`), DOUBLE PRECISION (`f64`). No
//!   native booleans: flags are stored as integers or as "is this column NULL" (a removed app
//!   has `removed_at`, a confidential app a `secret_hash`) and read back as `i64`/`Option`;
//!   times are unix seconds in BIGINT, never a `TIMESTAMP` type;
//! - sqlx 0.8's `Any` sends a NULL `f64` to PostgreSQL as a float4, which poisons the cached
//!   statement for the next real value: nullable numbers are bound as text and cast in SQL,
//!   `CAST($n AS DOUBLE PRECISION)` (see `records::store`);
//! - `SELECT` expressions (`COUNT(*)`, `MAX(..)`, `COALESCE(..)`) get a column alias, so a
//!   `FromRow` struct can name them on both engines;
//! - error kinds differ per engine: [`is_unique_violation`] asks both ways.

pub mod direct;
pub mod held;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, AnyQueryResult};
use sqlx::AnyPool;

pub type Pool = AnyPool;

/// How long a request may wait for a pooled connection.
pub const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);
/// How long a pooled PostgreSQL connection may sit idle before it is pinged on acquire.
const PING_AFTER_IDLE: std::time::Duration = std::time::Duration::from_secs(1);
/// At most this many placeholders in one statement (many-row INSERTs). The engines allow far
/// more (SQLite 32 766, PostgreSQL 65 535), but binding a statement's values grows faster than
/// their number in sqlx's SQLite driver: 181 observations took 26 ms in one statement, 20 took 1 ms.
pub const MAX_PARAMETERS: usize = 250;
/// How long a PostgreSQL statement waits for a lock (every connection the portal opens).
pub const POSTGRES_LOCK_TIMEOUT_SQL: &str = "SET lock_timeout = '5s'";
/// How long SQLite waits for another connection's (or process's) write lock.
pub const SQLITE_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// True when a SQLite connection coming back to the pool is outside any transaction. After a
/// failed COMMIT or ROLLBACK (a full disk: SQLite rolls back on its own, and sqlx's own
/// bookkeeping then disagrees with SQLite's) a connection can come back still inside a
/// transaction, holding the write lock: every other writer then sees "database is locked"
/// until the process restarts. `BEGIN` fails inside a transaction, so it is the probe; such a
/// connection is closed (which rolls back and frees the lock) instead of reused.
///
/// Every path to that state leaves sqlx counting an open transaction (a failed COMMIT or
/// ROLLBACK does not lower its count; a transaction dropped unfinished is counted until its
/// queued ROLLBACK runs), so a connection it counts none on (every plain read) is released
/// without the probe: one trip to the connection's worker thread fewer per query.
async fn sqlite_out_of_transaction(conn: &mut sqlx::AnyConnection) -> bool {
    use sqlx::{Connection, Executor};
    if !conn.is_in_transaction() {
        return true;
    }
    // One round trip for both statements. If BEGIN fails, ROLLBACK never runs.
    if conn.execute("BEGIN; ROLLBACK").await.is_err() {
        tracing::warn!("closing a database connection left inside a transaction");
        return false;
    }
    // The probe ran after any rollback queued by a dropped transaction, so sqlx's own count is
    // settled: if it still counts an open transaction, its next BEGIN would be a SAVEPOINT.
    !conn.is_in_transaction()
}

/// Which database a URL names. The one place that tells the engines apart: settings validate
/// a URL with [`Engine::of_url`], and `connect` tunes the pool by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine of a `sqlite:`, `postgres://` or `postgresql://` URL; `None` for anything else.
    pub fn of_url(database_url: &str) -> Option<Engine> {
        if database_url.starts_with("sqlite:") {
            Some(Engine::Sqlite)
        } else if database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://")
        {
            Some(Engine::Postgres)
        } else {
            None
        }
    }

    /// The pool's size: SQLite has one writer at a time, so more connections only queue. On
    /// PostgreSQL the pages' hot reads have connections of their own (`held`, up to 16): with
    /// 8 here instead of 16, /records served the same (3 rounds A/B, within noise), and an
    /// instance needs 24 of the server's connections at most, not 32.
    fn max_connections(self) -> u32 {
        match self {
            Engine::Sqlite => 8,
            Engine::Postgres => 8,
        }
    }
}

/// The engine of a URL that the settings accepted (anything but `sqlite:` is PostgreSQL, as
/// sqlx's `Any` driver would read it).
pub fn engine(database_url: &str) -> Engine {
    Engine::of_url(database_url).unwrap_or(Engine::Postgres)
}

/// The engine a pool is connected to.
pub fn engine_of(pool: &Pool) -> Engine {
    engine(pool.connect_options().database_url.as_str())
}

/// Connects, switches SQLite to WAL, and applies the migrations.
pub async fn connect(database_url: &str) -> anyhow::Result<Pool> {
    sqlx::any::install_default_drivers();
    let engine = engine(database_url);
    if engine == Engine::Sqlite {
        if let Some(parent) =
            sqlite_path(database_url).and_then(|p| p.parent().map(|p| p.to_path_buf()))
        {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(&parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
        }
    }
    let is_sqlite = engine == Engine::Sqlite;
    let pool = AnyPoolOptions::new()
        .max_connections(engine.max_connections())
        // Bounded waits: a request gets the 503 page within seconds, never minutes.
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // sqlx pings every connection when it comes back to the pool. A PostgreSQL connection
        // that then sat idle for a while is pinged again before it is handed out, so that after
        // the server restarts dead connections are dropped and new ones made; one used a moment
        // ago is handed out as it is (a ping is a round trip to the server per query). A SQLite
        // connection is a file handle that cannot go stale.
        .test_before_acquire(false)
        .before_acquire(move |conn, meta| {
            Box::pin(async move {
                if !is_sqlite && meta.idle_for >= PING_AFTER_IDLE {
                    use sqlx::Connection;
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .after_release(move |conn, _meta| {
            Box::pin(async move {
                if is_sqlite {
                    Ok(sqlite_out_of_transaction(conn).await)
                } else {
                    Ok(true)
                }
            })
        })
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if is_sqlite {
                    sqlx::query("PRAGMA journal_mode = WAL")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query(&format!(
                        "PRAGMA busy_timeout = {}",
                        SQLITE_BUSY_TIMEOUT.as_millis()
                    ))
                    .execute(&mut *conn)
                    .await?;
                    // A commit returns only once it is on disk (the audit promise).
                    sqlx::query("PRAGMA synchronous = FULL")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA foreign_keys = ON")
                        .execute(&mut *conn)
                        .await?;
                } else {
                    // No statement waits for a lock for minutes (e.g. the audit head's row lock
                    // held by a stuck instance): it fails, and the request gets the 503 page.
                    sqlx::query(POSTGRES_LOCK_TIMEOUT_SQL)
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            })
        })
        .connect(database_url)
        .await
        .context("cannot connect to the database (DATABASE_URL)")?;
    sqlx::migrate!("./migrations/portal")
        .run(&pool)
        .await
        .context("cannot apply the database migrations")?;
    // Completes migration 0007: search keys that only Rust can fold, for rows stored before it.
    crate::records::search_keys::fill_missing(&pool)
        .await
        .context("cannot fill the patients' search keys")?;
    Ok(pool)
}

/// The file a `sqlite:` URL names (`None` for an in-memory database).
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(std::path::PathBuf::from(path))
    }
}

pub async fn ping(pool: &Pool) -> bool {
    sqlx::query("SELECT 1").execute(pool).await.is_ok()
}

/// A named secret kept in the database (e.g. the session-cookie key), made once and shared
/// by every portal instance on the same database.
pub async fn secret(
    pool: &Pool,
    name: &str,
    make: impl FnOnce() -> String,
) -> anyhow::Result<String> {
    let stored =
        sqlx::query_scalar::<_, String>("SELECT value FROM portal_secrets WHERE name = $1");
    if let Some(value) = stored.bind(name).fetch_optional(pool).await? {
        return Ok(value);
    }
    let value = make();
    let _: Result<AnyQueryResult, _> =
        sqlx::query("INSERT INTO portal_secrets (name, value) VALUES ($1, $2)")
            .bind(name)
            .bind(&value)
            .execute(pool)
            .await;
    // Another instance may have won the race: read back whatever is stored.
    Ok(
        sqlx::query_scalar::<_, String>("SELECT value FROM portal_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(pool)
            .await?,
    )
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// True when the error is a unique-constraint violation (both engines).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            matches!(db.kind(), sqlx::error::ErrorKind::UniqueViolation)
                || db.code().as_deref() == Some("23505")
                || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_comes_from_the_url_scheme() {
        assert_eq!(
            Engine::of_url("sqlite://data/portal.sqlite?mode=rwc"),
            Some(Engine::Sqlite)
        );
        assert_eq!(Engine::of_url("sqlite::memory:"), Some(Engine::Sqlite));
        assert_eq!(
            Engine::of_url("postgres://u:p@db/portal"),
            Some(Engine::Postgres)
        );
        assert_eq!(
            Engine::of_url("postgresql://db/portal"),
            Some(Engine::Postgres)
        );
        assert_eq!(Engine::of_url("mysql://db/portal"), None);
        assert_eq!(Engine::of_url("SQLITE:x"), None);
        assert_eq!(engine("postgres://db/portal"), Engine::Postgres);
    }
}
