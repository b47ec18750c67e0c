//! A local Azure AD B2C tenant with user flows: a second actix-web application on its own HTTPS
//! origin that reproduces what the portal and a browser see of B2C (see ../shared/B2C.md).
//!
//! Owns: its own SQLite database (another tenant, never the portal's tables), the tenant GUID, the
//! RS256 signing keys, the app registration, the demo users and the HTML of the user flows.
//! Never: shares a code path with `crate::auth` (a bug must not hide on both sides at once), logs a
//! password, token or code (except the development outbox, which *is* the SMS/e-mail delivery),
//! or lets user input produce a panic or a 500.
//!
//! This file is the public API and the route table; each domain thing has its own file:
//! `metadata` (discovery document), `keys` (signing keys, JWKS, rotation), `authorize` (the
//! authorization request and SSO), `flows` (sign-in, sign-up, MFA, reset, edit pages), `reply`
//! (answers to the redirect URI per response_mode), `token` (code and refresh grants, id_tokens),
//! `logout`, `users` (accounts, lockout, demo users), `passwords`, `codes` (verification codes and
//! the outbox), `store` (database, transactions), `pages` (templates, errors, static files).

pub mod auth_context;
mod auth_request;
mod authorize;
mod codes;
mod errors;
mod flows;
mod i18n;
mod keys;
mod logout;
mod metadata;
mod pages;
mod passwords;
mod reply;
mod sso;
mod store;
mod templates;
mod tenant;
mod token;
mod users;

use std::path::Path;
use std::sync::Arc;

use actix_web::{middleware::DefaultHeaders, web, App, HttpServer};
use anyhow::Context;
use serde::{Deserialize, Serialize};

pub use auth_context::EXTERNAL_ID_AUTH_CONTEXT;
pub use keys::rotate_keys;
pub use tenant::{AppRegistration, EmulatorSettings, Policies};
pub use users::{DemoUser, DEMO_USERS};

use tenant::Tenant;

/// The tenant name the emulator answers to unless configured otherwise.
pub const DEFAULT_DOMAIN: &str = "patientportaldev.onmicrosoft.com";

const APP_CREDENTIALS_FILE: &str = "b2c-emulator-app.json";

#[derive(Serialize, Deserialize)]
struct StoredAppCredentials {
    client_id: String,
    client_secret: String,
}

/// Loads the app registration's client id (a GUID) and secret from data_dir, creating them once.
pub fn app_credentials(data_dir: &Path) -> anyhow::Result<(String, String)> {
    let path = data_dir.join(APP_CREDENTIALS_FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let stored: StoredAppCredentials = serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid app credentials JSON", path.display()))?;
        return Ok((stored.client_id, stored.client_secret));
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    // B2C client secrets are 40 characters of a URL-safe alphabet with a `~`; ours are random too.
    let stored = StoredAppCredentials {
        client_id: uuid::Uuid::new_v4().to_string(),
        client_secret: format!("{}~{}", store::random_token(15), store::random_token(15)),
    };
    store::write_private_file(&path, serde_json::to_string_pretty(&stored)?.as_bytes())?;
    Ok((stored.client_id, stored.client_secret))
}

/// A running (not yet awaited) emulator.
pub struct Emulator {
    tenant_id: String,
    port: u16,
    server: actix_web::dev::Server,
    tenant: web::Data<Tenant>,
}

impl Emulator {
    /// Opens/creates the emulator DB (migrations in migrations/b2c_emulator), generates the tenant
    /// GUID and the RS256 key once (the key in the background: see `KeyRing::open`), seeds the
    /// demo users, and binds an HTTPS server on `listener`.
    pub async fn build(
        settings: EmulatorSettings,
        listener: std::net::TcpListener,
        tls: Arc<rustls::ServerConfig>,
    ) -> anyhow::Result<Emulator> {
        let db = store::open(&settings.data_dir).await?;
        let tenant_id = store::tenant_id(&db).await?;
        let keys = keys::KeyRing::open(&db).await?;
        users::seed_demo_users(&db).await?;
        store::cleanup(&db).await?;

        let base = settings
            .public_url
            .as_str()
            .trim_end_matches('/')
            .to_string();
        let port = listener
            .local_addr()
            .context("the emulator listener has no local address")?
            .port();
        tracing::info!(
            domain = %settings.domain,
            flavour = ?settings.flavour,
            "B2C emulator listening on {base}"
        );
        users::announce_demo_users();

        let csp = pages::content_security_policy(&settings.app);
        let flavour = settings.flavour;
        let policies = settings.policies.clone();
        let tenant = web::Data::new(Tenant {
            settings,
            tenant_id: tenant_id.clone(),
            db,
            keys,
            base,
        });
        let for_server = tenant.clone();
        let server = HttpServer::new(move || {
            let policies = policies.clone();
            App::new()
                .wrap_fn(move |mut req, srv| {
                    if flavour == crate::config::Flavour::ExternalId {
                        external_id_path(&mut req, &policies);
                    }
                    actix_web::dev::Service::call(srv, req)
                })
                // Pages without a flow speak the request's language (#31); it reads only the
                // query and a header, which the path rewrite above leaves as they are.
                .wrap(actix_web::middleware::from_fn(i18n::choose))
                .app_data(tenant.clone())
                .app_data(web::FormConfig::default().limit(64 * 1024))
                .wrap(
                    DefaultHeaders::new()
                        .add(("Content-Security-Policy", csp.clone()))
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("Referrer-Policy", "no-referrer"))
                        .add(("X-Frame-Options", "DENY"))
                        .add(("Cache-Control", "no-store")),
                )
                .configure(routes)
        })
        .workers(2)
        .listen_rustls_0_23(listener, (*tls).clone())
        .context("the emulator cannot listen")?
        .run();
        Ok(Emulator {
            tenant_id,
            port,
            server,
            tenant: for_server,
        })
    }

    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server, to be run. A first start's signing key starts being made now, after the
    /// rest of start-up (token and JWKS requests wait for it).
    pub fn server(self) -> actix_web::dev::Server {
        self.tenant.keys.make_first_key();
        self.server
    }
}

/// External ID's endpoints have no policy segment (`/{tenant}/oauth2/v2.0/authorize`, ...):
/// route them to the B2C-shaped handlers by inserting one. An authorize request that asks for
/// the MFA authentication context in `claims` runs the MFA flow (as the Conditional Access
/// policy on that context would demand); any other runs the flow without MFA and its token
/// carries no `acrs`. The other endpoints take the MFA flow's name; the token endpoint
/// redeems a code of either (External ID has one token endpoint).
fn external_id_path(req: &mut actix_web::dev::ServiceRequest, policies: &Policies) {
    let path = req.path().to_string();
    let mut parts = path.splitn(3, '/').skip(1);
    let (Some(tenant), Some(rest)) = (parts.next(), parts.next()) else {
        return;
    };
    let endpoint = ["v2.0/", "oauth2/", "discovery/"]
        .iter()
        .any(|p| rest.starts_with(p));
    if !endpoint {
        return;
    }
    let policy = if rest.starts_with("oauth2/v2.0/authorize")
        && !auth_context::asks_for_mfa(req.query_string())
    {
        &policies.susi
    } else {
        &policies.susi_mfa
    };
    let new_path = format!("/{tenant}/{policy}/{rest}");
    let uri = match req.query_string() {
        "" => new_path,
        q => format!("{new_path}?{q}"),
    };
    if let Ok(uri) = uri.parse::<actix_web::http::Uri>() {
        req.match_info_mut().get_mut().update(&uri);
        req.head_mut().uri = uri;
    }
}

/// Every route of the emulator, in one place.
fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(pages::healthz))
        .route("/outbox", web::get().to(codes::outbox_page))
        .route("/static/b2c.css", web::get().to(pages::stylesheet))
        .route(
            "/static/form_post.js",
            web::get().to(pages::form_post_script),
        )
        .service(
            web::scope("/{tenant}/{policy}")
                .route(
                    "/v2.0/.well-known/openid-configuration",
                    web::get().to(metadata::openid_configuration),
                )
                .route("/discovery/v2.0/keys", web::get().to(metadata::jwks))
                .route("/oauth2/v2.0/authorize", web::get().to(authorize::get))
                .route("/oauth2/v2.0/authorize", web::post().to(authorize::post))
                .route("/oauth2/v2.0/token", web::post().to(token::post))
                .route("/oauth2/v2.0/logout", web::get().to(logout::get))
                .route("/api/flow", web::get().to(flows::get))
                .route("/api/flow", web::post().to(flows::post)),
        )
        .default_service(web::to(pages::not_found));
}
