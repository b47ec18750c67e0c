//! The reads every signed-in page makes, on PostgreSQL, on connections held outside the pool.
//!
//! sqlx pings a pooled connection every time it goes back to the pool (one more round trip to
//! the server, which cannot be turned off), so each of a page's two hot reads (its session,
//! and the header's link and unread count) cost two round trips, and each round trip wakes a
//! server process that shares the machine's cores with the portal. These reads run instead on
//! up to 16 connections kept here, put back without a ping, only after a read that ran to its
//! end (the server's ReadyForQuery came back, so nothing is left half-said on the wire).
//!
//! Nothing is cached: each read is its own query, so a session ended by another instance is
//! gone on the next request. A held connection that fails (the server restarted, the network
//! went away) or takes longer than [`HELD_WAIT`] is dropped, and the caller asks the pool,
//! which has its own bounded waits and its own way back after a restart; the dropped
//! connection is replaced in the background, never on a request's time.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, ConnectOptions};

/// Connections held at most (beside the pool's); more reads at one moment use the pool.
const HOLD: usize = 16;
/// How long a read on a held connection may take before it is dropped for the pool.
pub const HELD_WAIT: Duration = Duration::from_secs(1);
/// How long a new held connection may take to open.
const CONNECT_WAIT: Duration = Duration::from_secs(3);
/// A held connection is closed, and a new one opened, after this long (as the pool's are),
/// so that no server process grows for ever.
const LIFETIME: Duration = Duration::from_secs(30 * 60);

/// A read on a connection: the same query the pool would run, given the connection to run on.
pub type Read<'q, T> =
    dyn for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<Option<T>, sqlx::Error>> + 'q;

pub struct HeldConnections {
    inner: Arc<Inner>,
}

struct Inner {
    options: AnyConnectOptions,
    idle: Mutex<Vec<(AnyConnection, Instant)>>,
    /// Idle, in use, and being opened: never more than [`HOLD`].
    open: AtomicUsize,
    /// One connection is opened at a time: a server coming back is not met by a crowd.
    opening: AtomicBool,
}

impl HeldConnections {
    /// Held connections to the server the pool connects to (PostgreSQL only: the caller
    /// decides).
    pub fn new(options: AnyConnectOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                options,
                idle: Mutex::new(Vec::new()),
                open: AtomicUsize::new(0),
                opening: AtomicBool::new(false),
            }),
        }
    }

    /// The read's answer on a held connection; `None` when no connection was free or the read
    /// failed (logged), and the caller asks the pool instead.
    pub async fn optional<T>(&self, read: &Read<'_, T>) -> Option<Option<T>> {
        let mut lease = self.lease()?;
        let conn = lease.conn.as_mut()?;
        match tokio::time::timeout(HELD_WAIT, read(conn)).await {
            Ok(Ok(row)) => {
                lease.give_back();
                Some(row)
            }
            Ok(Err(e)) => {
                // Not kept: whatever went wrong stays with this connection.
                tracing::warn!(error = %e, "read on a held connection failed; asking the pool");
                None
            }
            Err(_) => {
                tracing::warn!(
                    waited_ms = HELD_WAIT.as_millis() as u64,
                    "read on a held connection took too long; asking the pool"
                );
                None
            }
        }
    }

    /// Connections open now (idle, in use, or being opened): never more than [`HOLD`].
    pub fn open(&self) -> usize {
        self.inner.open.load(Ordering::SeqCst)
    }

    fn lease(&self) -> Option<Lease> {
        let taken = self.inner.idle.lock().ok()?.pop();
        match taken {
            Some((conn, since)) => Some(Lease {
                conn: Some(conn),
                since,
                home: self.inner.clone(),
            }),
            None => {
                self.grow();
                None
            }
        }
    }

    /// Opens one more connection in the background, unless one is being opened already or
    /// [`HOLD`] are open.
    fn grow(&self) {
        if self.inner.opening.swap(true, Ordering::SeqCst) {
            return;
        }
        let reserved = self
            .inner
            .open
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < HOLD).then_some(n + 1)
            });
        if reserved.is_err() {
            self.inner.opening.store(false, Ordering::SeqCst);
            return;
        }
        let mut slot = Opening {
            home: self.inner.clone(),
            filled: false,
        };
        tokio::spawn(async move {
            let options = &slot.home.options;
            let opened = tokio::time::timeout(CONNECT_WAIT, async {
                let mut conn = options.connect().await?;
                sqlx::query(super::POSTGRES_LOCK_TIMEOUT_SQL)
                    .execute(&mut conn)
                    .await?;
                Ok::<_, sqlx::Error>(conn)
            });
            match opened.await {
                Ok(Ok(conn)) => {
                    slot.filled = true;
                    slot.home.keep(conn, Instant::now());
                }
                Ok(Err(e)) => tracing::debug!(error = %e, "could not open a held connection"),
                Err(_) => tracing::debug!("opening a held connection took too long"),
            }
        });
    }
}

/// The place reserved for a connection being opened. However the opening ends (also when its
/// task is dropped unfinished, with the runtime of an actix worker that stops), an unfilled
/// place is freed and the next opening allowed: otherwise the portal would never open another.
struct Opening {
    home: Arc<Inner>,
    filled: bool,
}

impl Drop for Opening {
    fn drop(&mut self) {
        if !self.filled {
            self.home.open.fetch_sub(1, Ordering::SeqCst);
        }
        self.home.opening.store(false, Ordering::SeqCst);
    }
}

impl Inner {
    fn keep(&self, conn: AnyConnection, since: Instant) {
        if since.elapsed() < LIFETIME {
            if let Ok(mut idle) = self.idle.lock() {
                idle.push((conn, since));
                return;
            }
        }
        drop(conn);
        self.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A connection taken from the idle list. Dropped without [`Lease::give_back`] (a failed read,
/// or a request that went away in the middle of one), the connection is closed and its place
/// freed for a new one.
struct Lease {
    conn: Option<AnyConnection>,
    since: Instant,
    home: Arc<Inner>,
}

impl Lease {
    fn give_back(mut self) {
        if let Some(conn) = self.conn.take() {
            self.home.keep(conn, self.since);
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.conn.take().is_some() {
            self.home.open.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn never_answered(conn: &mut AnyConnection) -> BoxFuture<'_, Result<Option<i64>, sqlx::Error>> {
        Box::pin(sqlx::query_scalar::<_, i64>("SELECT 1").fetch_optional(conn))
    }

    #[test]
    fn an_opening_cut_short_with_its_runtime_frees_its_place_for_the_next() {
        sqlx::any::install_default_drivers();
        // A "server" that takes the connection and never says a word: the opening hangs.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "postgres://portal@127.0.0.1:{}/portal",
            silent.local_addr().unwrap().port()
        );
        let held = HeldConnections::new(AnyConnectOptions::from_str(&url).unwrap());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();

        runtime.block_on(async {
            assert_eq!(held.optional(&never_answered).await, None, "none open yet");
            // Let the opening start and wait on the silent server.
            tokio::task::yield_now().await;
        });
        assert_eq!(held.open(), 1, "its place is reserved while it opens");
        drop(runtime);

        assert_eq!(held.open(), 0, "the place is freed");
        assert!(
            !held.inner.opening.load(Ordering::SeqCst),
            "and the next opening may start"
        );
    }
}
