//! The app registry: apps a patient may connect, registered by an operator with
//! `patient-portal apps add`. Redirect URIs are compared exactly; a confidential app's secret
//! is shown once and stored as its SHA-256 (it is 256 random bits, so a slow hash adds nothing).
//!
//! Resource servers (`patient-portal apps add-resource-server`: APIs that accept this portal's
//! access tokens) are registered in the same table: a secret and no redirect URI, so no code can
//! ever be sent to one and it holds no token of its own; it may introspect any token.

use anyhow::Context;
use subtle::ConstantTimeEq;

use crate::auth::{hash, random_token};
use crate::db::{self, Pool};

#[derive(Debug, Clone)]
pub struct App {
    pub client_id: String,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub confidential: bool,
    pub removed: bool,
}

impl App {
    /// Exact match, as RFC 6749 and OAuth 2.1 require: no prefix, no normalisation.
    pub fn allows_redirect(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
    }

    /// A resource server: a secret and no redirect URI (`add_resource_server`). It may
    /// introspect every token (RFC 7662 §2.1: the protected resource asks), an app only its own.
    pub fn is_resource_server(&self) -> bool {
        self.confidential && self.redirect_uris.is_empty()
    }
}

/// A `smart_apps` row: the redirect URIs as a JSON list; being confidential
/// and being removed are "this column is set" (no booleans through `Any`, see `db`).
#[derive(sqlx::FromRow)]
struct AppRow {
    client_id: String,
    name: String,
    redirect_uris: String,
    secret_hash: Option<String>,
    removed_at: Option<i64>,
}

impl TryFrom<AppRow> for App {
    type Error = sqlx::Error;

    fn try_from(row: AppRow) -> Result<App, sqlx::Error> {
        Ok(App {
            redirect_uris: serde_json::from_str(&row.redirect_uris)
                .map_err(|e| sqlx::Error::Decode(e.into()))?,
            client_id: row.client_id,
            name: row.name,
            confidential: row.secret_hash.is_some(),
            removed: row.removed_at.is_some(),
        })
    }
}

/// A redirect URI an app may register: absolute, no fragment, https unless it is a loopback
/// address or a private-use scheme of a native app (RFC 8252).
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    let parsed = url::Url::parse(uri).map_err(|_| format!("{uri:?} is not an absolute URL"))?;
    if parsed.fragment().is_some() {
        return Err(format!("{uri:?} has a fragment"));
    }
    let loopback = matches!(
        parsed.host_str(),
        Some("localhost") | Some("127.0.0.1") | Some("[::1]")
    );
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(format!("{uri:?} must use https (http only for localhost)")),
        s if s.contains('.') => Ok(()),
        _ => Err(format!(
            "{uri:?}: use https, http on localhost, or a reverse-domain scheme (com.example.app:/cb)"
        )),
    }
}

/// Registers an app; returns it and, for a confidential app, its secret (shown once).
pub async fn add(
    pool: &Pool,
    name: &str,
    redirect_uris: &[String],
    confidential: bool,
) -> anyhow::Result<(App, Option<String>)> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        anyhow::bail!("--name must be 1 to 100 characters");
    }
    if redirect_uris.is_empty() {
        anyhow::bail!("give at least one --redirect-uri");
    }
    for uri in redirect_uris {
        check_redirect_uri(uri).map_err(|e| anyhow::anyhow!("--redirect-uri {e}"))?;
    }
    insert(pool, name, redirect_uris, confidential).await
}

/// Registers a resource server; returns it and its secret (shown once).
pub async fn add_resource_server(pool: &Pool, name: &str) -> anyhow::Result<(App, String)> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        anyhow::bail!("--name must be 1 to 100 characters");
    }
    match insert(pool, name, &[], true).await? {
        (app, Some(secret)) => Ok((app, secret)),
        (_, None) => anyhow::bail!("a resource server is registered with a secret"),
    }
}

async fn insert(
    pool: &Pool,
    name: &str,
    redirect_uris: &[String],
    confidential: bool,
) -> anyhow::Result<(App, Option<String>)> {
    let client_id = uuid::Uuid::new_v4().to_string();
    let secret = confidential.then(|| random_token(32));
    sqlx::query(
        "INSERT INTO smart_apps (client_id, name, redirect_uris, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&client_id)
    .bind(name)
    .bind(serde_json::to_string(redirect_uris)?)
    .bind(secret.as_deref().map(hash))
    .bind(db::now())
    .execute(pool)
    .await
    .context("cannot store the app")?;
    Ok((
        App {
            client_id,
            name: name.to_string(),
            redirect_uris: redirect_uris.to_vec(),
            confidential,
            removed: false,
        },
        secret,
    ))
}

pub async fn list(pool: &Pool) -> Result<Vec<App>, sqlx::Error> {
    let rows = sqlx::query_as::<_, AppRow>(
        "SELECT client_id, name, redirect_uris, secret_hash, removed_at FROM smart_apps ORDER BY created_at, client_id",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(App::try_from).collect()
}

/// A registered, not removed app.
pub async fn find(pool: &Pool, client_id: &str) -> Result<Option<App>, sqlx::Error> {
    let row = sqlx::query_as::<_, AppRow>(
        "SELECT client_id, name, redirect_uris, secret_hash, removed_at FROM smart_apps WHERE client_id = $1 AND removed_at IS NULL",
    )
    .bind(client_id)
    .fetch_optional(pool)
    .await?;
    row.map(App::try_from).transpose()
}

/// Removes an app: nothing more is issued to it and every grant it holds is revoked. The row
/// stays so the access log can still name it. False when there was no such app.
pub async fn remove(pool: &Pool, client_id: &str) -> Result<bool, sqlx::Error> {
    let now = db::now();
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "UPDATE smart_apps SET removed_at = $1 WHERE client_id = $2 AND removed_at IS NULL",
    )
    .bind(now)
    .bind(client_id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    sqlx::query(
        "UPDATE smart_grants SET revoked_at = $1 WHERE client_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(client_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done)
}

/// Checks a client's credentials at the token and revocation endpoints. A confidential app
/// must present its secret; a public app must not claim one.
pub async fn authenticate(
    pool: &Pool,
    client_id: &str,
    secret: Option<&str>,
) -> Result<Option<App>, sqlx::Error> {
    let row = sqlx::query_as::<_, AppRow>(
        "SELECT client_id, name, redirect_uris, secret_hash, removed_at FROM smart_apps WHERE client_id = $1 AND removed_at IS NULL",
    )
    .bind(client_id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let ok = match (row.secret_hash.as_deref(), secret) {
        (Some(stored), Some(given)) => bool::from(stored.as_bytes().ct_eq(hash(given).as_bytes())),
        (None, None) => true,
        _ => false,
    };
    if ok {
        Ok(Some(App::try_from(row)?))
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::check_redirect_uri;

    #[test]
    fn redirect_uris_must_be_safe_to_send_codes_to() {
        assert!(check_redirect_uri("https://app.example/cb").is_ok());
        assert!(check_redirect_uri("http://localhost:8080/cb").is_ok());
        assert!(check_redirect_uri("com.example.app:/cb").is_ok());
        assert!(check_redirect_uri("http://app.example/cb").is_err());
        assert!(check_redirect_uri("https://app.example/cb#x").is_err());
        assert!(check_redirect_uri("/cb").is_err());
        assert!(check_redirect_uri("javascript:alert(1)").is_err());
    }
}
