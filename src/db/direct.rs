//! The reads every signed-in page makes (its session, and the header's link and unread
//! count), by the quickest way each engine has, with the pool as the way back whenever that
//! way fails: on SQLite on the calling thread ([`SqliteReads`]), on PostgreSQL on connections
//! held outside the pool ([`super::held`]). Both run the pool's own SQL text.
//!
//! On SQLite, sqlx runs each statement on its connection's own thread and sends the rows back,
//! and pings the connection on that thread again when it goes back to the pool: four thread
//! wake-ups per query. For these two reads, answered by SQLite from its page cache in
//! microseconds, the wake-ups cost far more than the reads: running them on the calling thread
//! instead took two fifths off the CPU time of a record page. They run on connections of
//! their own that can only read (`query_only`).
//!
//! Nothing is cached: each read is its own snapshot of the file, so a session ended by
//! another process (the CLI) is gone on the next request, as with the pool. In WAL mode a
//! reader never waits for a writer; the rare wait (WAL recovery) is cut short after
//! [`BUSY_TIMEOUT`], because it blocks the calling thread, and the caller then asks the pool,
//! which waits its own bounded time without blocking anyone. Any other error takes the same
//! way, so the pool's answer (or its error page) is what the request gets.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Params, Row};

use super::held::{HeldConnections, Read};
use super::{Engine, Pool};

/// How long a direct read may wait for SQLite before the caller falls back to the pool.
pub const BUSY_TIMEOUT: Duration = Duration::from_millis(50);
/// Connections kept between reads; as many are open as threads read at one moment.
const KEEP: usize = 4;

/// Where a page's hot reads are made besides the pool.
pub enum DirectReads {
    Sqlite(SqliteReads),
    Postgres(HeldConnections),
}

impl DirectReads {
    /// For the pool's database: a SQLite file (the pool made it first) or a PostgreSQL server;
    /// `None` for an in-memory SQLite database, whose reads all go through the pool.
    pub fn for_pool(database_url: &str, pool: &Pool) -> Option<Self> {
        match super::engine(database_url) {
            Engine::Sqlite => SqliteReads::for_url(database_url).map(Self::Sqlite),
            Engine::Postgres => Some(Self::Postgres(HeldConnections::new(
                (*pool.connect_options()).clone(),
            ))),
        }
    }
}

/// One row or none: on SQLite by `sqlite` on the calling thread, on PostgreSQL by `read` on a
/// held connection; by `read` on a pooled connection when there is no such way or it failed.
pub async fn optional<T>(
    direct: Option<&DirectReads>,
    pool: &Pool,
    sqlite: impl FnOnce(&SqliteReads) -> Option<Option<T>>,
    read: &Read<'_, T>,
) -> Result<Option<T>, sqlx::Error> {
    let quick = match direct {
        Some(DirectReads::Sqlite(reads)) => sqlite(reads),
        Some(DirectReads::Postgres(held)) => held.optional(read).await,
        None => None,
    };
    match quick {
        Some(row) => Ok(row),
        None => read(&mut *pool.acquire().await?).await,
    }
}

/// A SQLite file's read-only connections, used on the calling thread.
pub struct SqliteReads {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl SqliteReads {
    /// For the SQLite file of a `sqlite:` URL (the pool makes the file first); `None` for
    /// PostgreSQL and in-memory databases.
    pub fn for_url(database_url: &str) -> Option<Self> {
        Some(Self {
            path: super::sqlite_path(database_url)?,
            idle: Mutex::new(Vec::new()),
        })
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "query_only", true)?;
        Ok(conn)
    }

    /// One row or none, read at once; `None` when SQLite could not answer (logged), and the
    /// caller asks the pool instead. `sql` is the pool's own text (`$1` placeholders).
    pub fn optional<T>(
        &self,
        sql: &str,
        params: impl Params,
        map: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Option<Option<T>> {
        let taken = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match taken.map(Ok).unwrap_or_else(|| self.open()) {
            Ok(conn) => conn,
            Err(e) => {
                gave_up(&e);
                return None;
            }
        };
        let result = conn
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.query_row(params, map).optional());
        match result {
            Ok(row) => {
                if let Ok(mut idle) = self.idle.lock() {
                    if idle.len() < KEEP {
                        idle.push(conn);
                    }
                }
                Some(row)
            }
            Err(e) => {
                // Not kept: whatever went wrong stays with this connection.
                gave_up(&e);
                None
            }
        }
    }
}

fn gave_up(e: &rusqlite::Error) {
    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) {
        tracing::debug!("direct read found the database busy; asking the pool");
    } else {
        tracing::warn!(error = %e, "direct read failed; asking the pool");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ: &str = "SELECT state FROM sessions WHERE id_hash = $1 AND expires_at > $2";

    async fn database() -> (tempfile::TempDir, String, super::super::Pool) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("p.sqlite").display()
        );
        let pool = super::super::connect(&url).await.unwrap();
        (dir, url, pool)
    }

    #[tokio::test]
    async fn a_direct_read_sees_the_pools_last_commit_at_once() {
        let (_dir, url, pool) = database().await;
        let direct = SqliteReads::for_url(&url).unwrap();
        let read = |now: i64| direct.optional(READ, ("k", now), |row| row.get::<_, String>(0));
        assert_eq!(read(1), Some(None), "no row yet");

        sqlx::query("INSERT INTO sessions (id_hash, state, expires_at) VALUES ('k', 'live', 100)")
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(read(1), Some(Some("live".into())));
        assert_eq!(read(100), Some(None), "the SQL's own conditions hold");

        // Nothing is kept between reads: a row deleted elsewhere is gone on the next one.
        sqlx::query("DELETE FROM sessions WHERE id_hash = 'k'")
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(read(1), Some(None));
    }

    #[tokio::test]
    async fn a_direct_connection_cannot_write() {
        let (_dir, url, pool) = database().await;
        sqlx::query("INSERT INTO sessions (id_hash, state, expires_at) VALUES ('k', 'live', 100)")
            .execute(&pool)
            .await
            .unwrap();
        let direct = SqliteReads::for_url(&url).unwrap();

        let deleted = direct.optional(
            "DELETE FROM sessions WHERE id_hash = $1 RETURNING state",
            ["k"],
            |row| row.get::<_, String>(0),
        );

        assert_eq!(deleted, None, "refused, so the caller would ask the pool");
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) AS n FROM sessions")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(left, 1);
    }

    #[test]
    fn a_file_that_is_no_database_gives_way_to_the_pool_instead_of_failing_the_request() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not.sqlite");
        std::fs::write(&path, vec![0x5a; 8192]).unwrap();
        let direct = SqliteReads::for_url(&format!("sqlite://{}", path.display())).unwrap();

        assert_eq!(
            direct.optional(READ, ("k", 1), |row| row.get::<_, String>(0)),
            None
        );
    }

    #[test]
    fn only_sqlite_files_are_read_directly() {
        assert!(SqliteReads::for_url("postgres://db/portal").is_none());
        assert!(SqliteReads::for_url("sqlite::memory:").is_none());
        assert!(SqliteReads::for_url("sqlite://data/portal.sqlite?mode=rwc").is_some());
    }
}
