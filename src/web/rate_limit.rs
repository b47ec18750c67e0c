//! Request limits: so many requests per key (a client address, an access token's hash) per
//! minute, counted in fixed one-minute windows. On PostgreSQL the counts live in the database
//! (`rate_limits`), so N instances allow a key the limit once, not N times; on SQLite (one
//! instance per database) they live in memory. The algorithm is the same, so the answers are.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use crate::db::{Engine, Pool};

/// The window: one minute, starting on the minute (Unix time).
const WINDOW: i64 = 60;
/// Keys remembered in memory at most; beyond it, keys of older windows go first, and if all
/// are current, new keys are refused until the window turns (memory stays bounded under a
/// flood from many addresses).
const MAX_KEYS: usize = 100_000;

/// Why a request may not go on.
#[derive(Debug)]
pub enum Refusal {
    /// Over the limit: retry after this many seconds (the window's end).
    Limited(u64),
    /// The shared count could not be read: refused, never let through uncounted.
    Store(sqlx::Error),
}

pub struct RateLimiter {
    /// Keeps each limit's keys apart in the shared table.
    namespace: &'static str,
    per_minute: u32,
    store: Store,
}

enum Store {
    Memory(Mutex<HashMap<String, (i64, u32)>>),
    Database(Pool),
}

/// Every limit of one portal instance, as app data.
pub struct Limits {
    /// `/signin` and every other start of a user flow, per client address.
    pub signin: RateLimiter,
    /// `/smart/authorize` (each parks a request), per client address.
    pub authorize: RateLimiter,
    /// The FHIR API, per access token.
    pub fhir: RateLimiter,
}

impl Limits {
    pub fn new(pool: &Pool, signin_per_minute: u32, fhir_per_minute: u32) -> Self {
        Limits {
            signin: RateLimiter::new("signin", signin_per_minute, pool),
            authorize: RateLimiter::new("authorize", signin_per_minute, pool),
            fhir: RateLimiter::new("fhir", fhir_per_minute, pool),
        }
    }
}

impl RateLimiter {
    /// Shared through the database on PostgreSQL, in memory on SQLite.
    pub fn new(namespace: &'static str, per_minute: u32, pool: &Pool) -> Self {
        let store = match crate::db::engine_of(pool) {
            Engine::Postgres => Store::Database(pool.clone()),
            Engine::Sqlite => Store::Memory(Mutex::new(HashMap::new())),
        };
        RateLimiter {
            namespace,
            per_minute: per_minute.max(1),
            store,
        }
    }

    /// Counts one request of `client` (an address: IPv6 by /64), or says why not.
    pub async fn check(&self, client: Option<&str>) -> Result<(), Refusal> {
        self.check_key(&key_of(client)).await
    }

    /// Counts one request of `key`, or says why not.
    pub async fn check_key(&self, key: &str) -> Result<(), Refusal> {
        self.check_at(key, crate::db::now()).await
    }

    async fn check_at(&self, key: &str, now: i64) -> Result<(), Refusal> {
        let window = now - now.rem_euclid(WINDOW);
        let count = match &self.store {
            Store::Memory(map) => count_in_memory(map, key, window)?,
            Store::Database(pool) => {
                count_in_database(pool, &format!("{}:{key}", self.namespace), window)
                    .await
                    .map_err(Refusal::Store)?
            }
        };
        if count > i64::from(self.per_minute) {
            Err(Refusal::Limited((window + WINDOW - now).max(1) as u64))
        } else {
            Ok(())
        }
    }
}

fn count_in_memory(
    map: &Mutex<HashMap<String, (i64, u32)>>,
    key: &str,
    window: i64,
) -> Result<i64, Refusal> {
    // A poisoned lock only means another request panicked mid-update; the map is still a
    // map of numbers.
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= MAX_KEYS && !map.contains_key(key) {
        map.retain(|_, (w, _)| *w == window);
        if map.len() >= MAX_KEYS {
            return Err(Refusal::Limited(WINDOW as u64));
        }
    }
    let entry = map.entry(key.to_string()).or_insert((window, 0));
    if entry.0 != window {
        *entry = (window, 0);
    }
    entry.1 = entry.1.saturating_add(1);
    Ok(i64::from(entry.1))
}

/// One statement, so two instances counting the same key at once both count: the row is
/// locked by the first and the second adds to what it wrote.
async fn count_in_database(pool: &Pool, key: &str, window: i64) -> Result<i64, sqlx::Error> {
    let count: i64 = sqlx::query_scalar(
        "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END, \
           window_start = excluded.window_start \
         RETURNING count",
    )
    .bind(key)
    .bind(window)
    .fetch_one(pool)
    .await?;
    if count == 1 {
        // A key's first request of a window: rows of keys quiet for two windows go, so the
        // table holds about the keys of the last two minutes.
        sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
            .bind(window - WINDOW)
            .execute(pool)
            .await?;
    }
    Ok(count)
}

/// One key per IPv4 address and per IPv6 /64 (one IPv6 host holds a whole /64).
fn key_of(client: Option<&str>) -> String {
    match client.map(|c| c.parse::<IpAddr>()) {
        Some(Ok(IpAddr::V6(v6))) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(Ok(ip)) => ip.to_string(),
        Some(Err(_)) => client.unwrap_or_default().chars().take(64).collect(),
        None => "unknown".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_memory(per_minute: u32) -> RateLimiter {
        RateLimiter {
            namespace: "test",
            per_minute,
            store: Store::Memory(Mutex::new(HashMap::new())),
        }
    }

    /// The same sequence of answers from either store.
    async fn answers(limiter: &RateLimiter) -> Vec<Result<(), u64>> {
        let t = 1_800_000_020; // 20 s into a window
        let mut out = Vec::new();
        for (key, at) in [
            ("192.0.2.1", t),
            ("192.0.2.1", t + 1),
            ("192.0.2.1", t + 2),
            ("192.0.2.2", t + 2),
            ("192.0.2.1", t + 40),
        ] {
            out.push(match limiter.check_at(key, at).await {
                Ok(()) => Ok(()),
                Err(Refusal::Limited(wait)) => Err(wait),
                Err(Refusal::Store(e)) => panic!("{e}"),
            });
        }
        out
    }

    const EXPECTED: [Result<(), u64>; 5] = [Ok(()), Ok(()), Err(38), Ok(()), Ok(())];

    #[tokio::test]
    async fn two_a_minute_per_key_then_the_next_window() {
        assert_eq!(answers(&in_memory(2)).await, EXPECTED);
    }

    #[tokio::test]
    async fn the_database_store_gives_the_same_answers() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/rl.db?mode=rwc", dir.path().display());
        let pool = crate::db::connect(&url).await.unwrap();
        let limiter = RateLimiter {
            namespace: "test",
            per_minute: 2,
            store: Store::Database(pool.clone()),
        };
        assert_eq!(answers(&limiter).await, EXPECTED);
        // Rows of windows two minutes gone are swept by a key's first request of a window.
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(rows, 2);
        limiter
            .check_at("192.0.2.3", 1_800_000_020 + 200)
            .await
            .unwrap();
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(rows, 1, "only the new window's key is left");
    }

    #[tokio::test]
    async fn ipv6_addresses_of_one_slash_64_share_a_count() {
        let limiter = in_memory(1);
        let t = 1_800_000_020;
        for (client, allowed) in [
            ("2001:db8:1:2::1", true),
            ("2001:db8:1:2::ffff", false),
            ("2001:db8:1:3::1", true),
        ] {
            let answer = limiter.check_at(&key_of(Some(client)), t).await;
            assert_eq!(answer.is_ok(), allowed, "{client}");
        }
    }
}
