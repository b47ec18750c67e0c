//! Server-side sessions: actix-session's `SessionStore` over our database, and the typed
//! keys we keep in it. The cookie carries an opaque key; the row is stored under the key's
//! hash, so a copy of the table gives no one a usable cookie. Deleting the row (sign-out,
//! timeout) ends the session for every copy of the cookie.
//!
//! A page view must not cost a database write: the row is written only when its state
//! changes, and the last-activity time only changes when it is more than a minute old
//! (`touch`), so the idle timeout stays exact to the minute. The row itself outlives the
//! idle timeout (see `row_ttl`) so that the gate, not the store, sees a session time out and
//! audits it. Nothing is cached in the process: every request reads the row, so a sign-out
//! or timeout on one instance ends the session on all of them at once.

use std::collections::HashMap;
use std::sync::Arc;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_session::Session;
use actix_web::cookie::time::Duration;

use super::secrets::{hash, random_token};
use super::user::SignedInUser;
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::db::direct::{self, DirectReads};
use crate::db::{self, Pool};

pub const COOKIE_NAME: &str = "__Host-portal-session";

const USER: &str = "user";
const ID_TOKEN: &str = "id_token";
const CSRF: &str = "csrf";
const CREATED_AT: &str = "created_at";
const LAST_SEEN: &str = "last_seen";

/// How stale the stored last-activity time may get before a request rewrites it: the idle
/// timeout is enforced to within this much.
pub const TOUCH_INTERVAL_SECS: i64 = 60;

/// How long a row lives after its last write. Longer than both timeouts, so a timed-out
/// session is still found by the gate, which audits the timeout and deletes the row; rows of
/// browsers that never come back are swept at the next sign-in.
pub fn row_ttl(idle: std::time::Duration, max: std::time::Duration) -> Duration {
    let secs = idle
        .as_secs()
        .saturating_add(max.as_secs())
        .saturating_add(TOUCH_INTERVAL_SECS as u64);
    Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 2))
}

#[derive(Clone)]
pub struct DbSessionStore {
    pool: Pool,
    /// Where the load (every request's read) is made besides the pool.
    direct: Option<Arc<DirectReads>>,
}

impl DbSessionStore {
    pub fn new(pool: Pool, direct: Option<Arc<DirectReads>>) -> Self {
        Self { pool, direct }
    }
}

/// A live session's state, by the hash of its key; the same text on both read paths.
const LOAD_SQL: &str = "SELECT state FROM sessions WHERE id_hash = $1 AND expires_at > $2";

fn expires(ttl: &Duration) -> i64 {
    db::now() + ttl.whole_seconds().max(1)
}

impl SessionStore for DbSessionStore {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        let id_hash = hash(session_key.as_ref());
        let now = db::now();
        let state = direct::optional(
            self.direct.as_deref(),
            &self.pool,
            |sqlite| sqlite.optional(LOAD_SQL, (&id_hash, now), |row| row.get(0)),
            &|conn| {
                Box::pin(
                    sqlx::query_scalar::<_, String>(LOAD_SQL)
                        .bind(id_hash.clone())
                        .bind(now)
                        .fetch_optional(conn),
                )
            },
        )
        .await
        .map_err(|e| LoadError::Other(e.into()))?;
        match state {
            None => Ok(None),
            Some(state) => serde_json::from_str(&state)
                .map(Some)
                .map_err(|e| LoadError::Deserialization(e.into())),
        }
    }

    async fn save(
        &self,
        session_state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, SaveError> {
        let state = serde_json::to_string(&session_state)
            .map_err(|e| SaveError::Serialization(e.into()))?;
        let key = random_token(48);
        sweep_abandoned(&self.pool).await;
        sqlx::query("INSERT INTO sessions (id_hash, state, expires_at) VALUES ($1, $2, $3)")
            .bind(hash(&key))
            .bind(state)
            .bind(expires(ttl))
            .execute(&self.pool)
            .await
            .map_err(|e| SaveError::Other(e.into()))?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        session_state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let state = serde_json::to_string(&session_state)
            .map_err(|e| UpdateError::Serialization(e.into()))?;
        // Only a live row is updated: a request that raced a sign-out must not bring the
        // session back.
        sqlx::query("UPDATE sessions SET state = $1, expires_at = $2 WHERE id_hash = $3 AND expires_at > $4")
            .bind(state)
            .bind(expires(ttl))
            .bind(hash(session_key.as_ref()))
            .bind(db::now())
            .execute(&self.pool)
            .await
            .map_err(|e| UpdateError::Other(e.into()))?;
        Ok(session_key)
    }

    async fn update_ttl(
        &self,
        session_key: &SessionKey,
        ttl: &Duration,
    ) -> Result<(), anyhow::Error> {
        sqlx::query("UPDATE sessions SET expires_at = $1 WHERE id_hash = $2 AND expires_at > $3")
            .bind(expires(ttl))
            .bind(hash(session_key.as_ref()))
            .bind(db::now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(hash(session_key.as_ref()))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// An abandoned session claimed by the sweep.
#[derive(sqlx::FromRow)]
struct Claimed {
    state: String,
    expires_at: i64,
}

/// How many abandoned sessions one sign-in sweeps at most (the rest wait for the next).
const SWEEP_BATCH: i64 = 50;

/// Sessions nobody came back to (their rows outlived both timeouts, so they timed out): each
/// is audited as a timeout before its row goes, so the trail holds every timeout, not only
/// those a browser returned for. A row is claimed by deleting it (one instance audits it); if
/// the entry cannot be written, the row is put back for the next sweep. Load refuses such rows
/// either way, so a failed sweep never keeps a session alive.
async fn sweep_abandoned(pool: &Pool) {
    let now = db::now();
    let ids: Vec<String> = match sqlx::query_scalar(
        "SELECT id_hash FROM sessions WHERE expires_at < $1 ORDER BY expires_at LIMIT $2",
    )
    .bind(now)
    .bind(SWEEP_BATCH)
    .fetch_all(pool)
    .await
    {
        Ok(ids) => ids,
        Err(e) => {
            tracing::warn!(error = %e, "could not look for abandoned sessions");
            return;
        }
    };
    for id in ids {
        let claimed = sqlx::query(
            "DELETE FROM sessions WHERE id_hash = $1 AND expires_at < $2 RETURNING state, expires_at",
        )
        .bind(&id)
        .bind(now)
        .fetch_optional(pool)
        .await;
        let Claimed { state, expires_at } = match claimed {
            Ok(Some(row)) => match sqlx::FromRow::from_row(&row) {
                Ok(claimed) => claimed,
                Err(_) => continue,
            },
            // Another instance claimed it.
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "could not sweep an abandoned session");
                return;
            }
        };
        let Some(user) = user_of_state(&state) else {
            continue; // never signed in: nothing to audit
        };
        let mut entry = RequestMeta::default().entry(
            Actor::user(&user),
            Action::SessionTimeout,
            Outcome::Success,
        );
        entry.detail = Some("abandoned".into());
        if let Err(e) = audit::append(pool, &entry).await {
            tracing::error!(error = %e, "could not audit an abandoned session; kept for the next sweep");
            let restored = sqlx::query(
                "INSERT INTO sessions (id_hash, state, expires_at) VALUES ($1, $2, $3)",
            )
            .bind(&id)
            .bind(&state)
            .bind(expires_at)
            .execute(pool)
            .await;
            if let Err(e) = restored {
                tracing::error!(error = %e, "could not keep an abandoned session for the next sweep");
            }
            return;
        }
    }
}

fn user_of_state(state: &str) -> Option<SignedInUser> {
    let map: HashMap<String, String> = serde_json::from_str(state).ok()?;
    serde_json::from_str(map.get(USER)?).ok()
}

/// The signed-in user of this session, if any.
pub fn user(session: &Session) -> Option<SignedInUser> {
    session.get::<SignedInUser>(USER).ok().flatten()
}

pub fn id_token(session: &Session) -> Option<String> {
    session.get::<String>(ID_TOKEN).ok().flatten()
}

pub fn csrf_token(session: &Session) -> Option<String> {
    session.get::<String>(CSRF).ok().flatten()
}

pub fn times(session: &Session) -> Option<(i64, i64)> {
    let created = session.get::<i64>(CREATED_AT).ok().flatten()?;
    let last = session.get::<i64>(LAST_SEEN).ok().flatten()?;
    Some((created, last))
}

/// Records activity at `now`, but only when the stored time is more than a minute old:
/// an unchanged session is not written back, so most requests cost no write.
pub fn touch(session: &Session, last_seen: i64, now: i64) {
    if now - last_seen >= TOUCH_INTERVAL_SECS {
        let _ = session.insert(LAST_SEEN, now);
    }
}

/// Starts a fresh session for a user who has just signed in: a new session id (so a
/// planted or copied pre-sign-in cookie is worthless), a new CSRF token.
pub fn start(session: &Session, user: &SignedInUser, id_token: &str) -> anyhow::Result<()> {
    // clear + renew, not purge: a purged session cannot be renewed and would be dropped.
    session.clear();
    session.renew();
    session.insert(USER, user)?;
    session.insert(ID_TOKEN, id_token)?;
    // The form token `web::csrf` checks: 32 random bytes, made here with the session.
    session.insert(CSRF, super::secrets::random_token(32))?;
    let now = db::now();
    session.insert(CREATED_AT, now)?;
    session.insert(LAST_SEEN, now)?;
    Ok(())
}

/// A step-up's fresh sign-in (#29) replaces the session's proof of MFA and its id_token (the
/// sign-out hint); the session id, CSRF token and times stay: the same person, the same session.
pub fn refresh_sign_in(
    session: &Session,
    user: &SignedInUser,
    id_token: &str,
) -> anyhow::Result<()> {
    session.insert(USER, user)?;
    session.insert(ID_TOKEN, id_token)?;
    Ok(())
}

pub fn replace_user(session: &Session, user: &SignedInUser) -> anyhow::Result<()> {
    session.insert(USER, user)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_session_expires_its_time_to_live_from_now() {
        let before = db::now();
        let at = expires(&Duration::minutes(30));
        let after = db::now();
        assert!(
            (before + 1800..=after + 1800).contains(&at),
            "{at} is not 30 minutes after {before}..{after}"
        );
        // Never already expired, whatever the time to live.
        let at = expires(&Duration::ZERO);
        assert!(at > before && at <= db::now() + 1, "{at}");
    }

    #[test]
    fn a_row_outlives_both_timeouts_even_when_they_are_absurdly_long() {
        let minutes = |m: u64| std::time::Duration::from_secs(m * 60);
        assert_eq!(
            row_ttl(minutes(15), minutes(480)),
            Duration::seconds(15 * 60 + 480 * 60 + TOUCH_INTERVAL_SECS)
        );
        // Past what a number of seconds can hold: still centuries, never a row that is gone
        // at once (and still far from overflowing `expires`).
        let ttl = row_ttl(std::time::Duration::MAX, std::time::Duration::MAX);
        assert!(ttl > Duration::days(365 * 1000), "{ttl}");
        assert!(expires(&ttl) > db::now());
    }
}
