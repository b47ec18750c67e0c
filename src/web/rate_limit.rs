//! A small in-process rate limiter: one token bucket per client address. Per instance on
//! purpose: it only has to keep one address from flooding one process (with several
//! instances an address gets the limit at each); limits that must hold across instances
//! live in the database (e.g. the cap on pending sign-ins).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Addresses remembered at most; beyond it, new addresses are refused until buckets refill
/// (memory stays bounded under a flood from many addresses).
const MAX_KEYS: usize = 100_000;

pub struct RateLimiter {
    per_minute: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// A burst of `per_minute` requests, refilled evenly over a minute.
    pub fn per_minute(per_minute: u32) -> Self {
        Self {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request's token for `client`, or says in how many seconds to retry.
    pub fn check(&self, client: Option<&str>) -> Result<(), u64> {
        self.check_at(client, Instant::now())
    }

    fn check_at(&self, client: Option<&str>, now: Instant) -> Result<(), u64> {
        let rate = self.per_minute / 60.0;
        let cap = self.per_minute;
        let refill = |b: &Bucket| {
            (b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate).min(cap)
        };
        let key = key_of(client);
        // A poisoned lock only means another request panicked mid-update; the map is
        // still a map of numbers.
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(&key) {
            buckets.retain(|_, b| refill(b) < cap);
            if buckets.len() >= MAX_KEYS {
                return Err(60);
            }
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: cap,
            at: now,
        });
        bucket.tokens = refill(bucket);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err((((1.0 - bucket.tokens) / rate).ceil() as u64).max(1))
        }
    }
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
    use std::time::Duration;

    #[test]
    fn a_burst_then_one_per_interval_per_address() {
        let limiter = RateLimiter::per_minute(3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check_at(Some("192.0.2.1"), t0), Ok(()));
        }
        assert_eq!(limiter.check_at(Some("192.0.2.1"), t0), Err(20));
        // Another address has its own bucket.
        assert_eq!(limiter.check_at(Some("192.0.2.2"), t0), Ok(()));
        // One token back after 20 s (3 a minute).
        let later = t0 + Duration::from_secs(20);
        assert_eq!(limiter.check_at(Some("192.0.2.1"), later), Ok(()));
        assert!(limiter.check_at(Some("192.0.2.1"), later).is_err());
    }

    #[test]
    fn ipv6_addresses_of_one_slash_64_share_a_bucket() {
        let limiter = RateLimiter::per_minute(1);
        let t0 = Instant::now();
        assert_eq!(limiter.check_at(Some("2001:db8:1:2::1"), t0), Ok(()));
        assert!(limiter.check_at(Some("2001:db8:1:2::ffff"), t0).is_err());
        assert_eq!(limiter.check_at(Some("2001:db8:1:3::1"), t0), Ok(()));
    }
}
