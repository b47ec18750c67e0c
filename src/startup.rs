//! Builds the application: database, identity provider, the local B2C emulator when no
//! tenant is configured, and every route in one visible place.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

use actix_session::config::{BrowserSession, TtlExtensionPolicy};
use actix_session::SessionMiddleware;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::activation::linking;
use crate::audit::pages as audit_pages;
use crate::auth::provider::{Profile, Provider, TenantConfig};
use crate::auth::reauth::ReauthPurpose;
use crate::auth::{gate, routes as auth_routes, session};
use crate::b2c_emulator::{self, AppRegistration, Emulator, EmulatorSettings};
use crate::config::{ConfigError, IdentityProvider, Settings};
use crate::db::{self, Pool};
use crate::records::pages as records_pages;
use crate::state::{AppState, Policies};
use crate::telemetry::PathOnlySpan;
use crate::web::rate_limit::Limits;
use crate::web::{assets, cors, errors, guards, headers, AppError};
use crate::{messages, notifications, pages, staff, tls};

pub struct Application {
    port: u16,
    server: Server,
    emulator: Option<Server>,
    /// The metrics listener (PORTAL_METRICS_LISTEN), when configured.
    metrics: Option<Server>,
    pool: Pool,
}

/// Where the emulator keeps its tenant (a separate database, keys, app registration).
pub fn emulator_dir(settings: &Settings) -> PathBuf {
    settings.data_dir.join("b2c-emulator")
}

/// Binds `addr` for the variable that set it. A port in use, or one this user may not bind, is
/// a bad setting like any other: exit 2 and one line naming the variable.
pub fn bind(variable: &'static str, addr: SocketAddr) -> Result<TcpListener, ConfigError> {
    TcpListener::bind(addr).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::AddrInUse => "another program is listening there".to_string(),
            std::io::ErrorKind::PermissionDenied => {
                "this user may not listen there (a port below 1024 needs privileges)".to_string()
            }
            _ => e.to_string(),
        };
        ConfigError::new(variable, format!("cannot listen on {addr}: {why}"))
    })
}

/// The data dir exists and this user can write to it (the database, the audit key and the
/// development certificate live there): checked once at start, naming PORTAL_DATA_DIR, rather
/// than failing later on whichever file happens to be written first.
pub fn writable_data_dir(dir: &Path) -> Result<(), ConfigError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        ConfigError::new(
            "PORTAL_DATA_DIR",
            format!("cannot create {}: {e}", dir.display()),
        )
    })?;
    // Named per process: several instances may start on one directory at once.
    let probe = dir.join(format!(".write-check-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| {
            ConfigError::new(
                "PORTAL_DATA_DIR",
                format!("cannot write in {}: {e}", dir.display()),
            )
        })
}

/// What the portal needs to know of the emulator it started.
pub struct EmulatorRegistration {
    pub public_url: url::Url,
    pub client_id: String,
    pub client_secret: String,
}

/// Builds the local B2C emulator on `listener` with the portal registered as its app (the
/// reply and signed-out URLs of `settings`). Used by `cargo run` and by `b2c-emulator`.
pub async fn start_emulator(
    settings: &Settings,
    listener: TcpListener,
    dev_cert: &tls::CertPaths,
) -> anyhow::Result<(Emulator, EmulatorRegistration)> {
    let port = listener.local_addr()?.port();
    let dir = emulator_dir(settings);
    let (client_id, client_secret) = b2c_emulator::app_credentials(&dir)?;
    let public_url = url::Url::parse(&format!("https://localhost:{port}"))?;
    let emulator = Emulator::build(
        EmulatorSettings {
            public_url: public_url.clone(),
            data_dir: dir,
            domain: b2c_emulator::DEFAULT_DOMAIN.to_string(),
            policies: b2c_emulator::Policies::default(),
            app: AppRegistration {
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                redirect_uris: vec![settings.redirect_url()],
                post_logout_redirect_uris: vec![settings.signed_out_url()],
            },
            flavour: settings.flavour(),
        },
        listener,
        tls::server_config(dev_cert)?,
    )
    .await?;
    Ok((
        emulator,
        EmulatorRegistration {
            public_url,
            client_id,
            client_secret,
        },
    ))
}

impl Application {
    /// Binds the configured addresses and builds everything.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let portal = bind("PORTAL_LISTEN", settings.listen)?;
        let emulator = match &settings.identity {
            IdentityProvider::Emulator { listen, .. } => {
                Some(bind("PORTAL_DEV_B2C_LISTEN", *listen)?)
            }
            IdentityProvider::AzureB2c(_) | IdentityProvider::ExternalId(_) => None,
        };
        Self::build_with_listeners(settings, portal, emulator).await
    }

    /// Builds on listeners the caller bound (the tests bind port 0).
    pub async fn build_with_listeners(
        settings: Settings,
        portal: TcpListener,
        emulator_listener: Option<TcpListener>,
    ) -> anyhow::Result<Self> {
        tls::install_crypto_provider();
        writable_data_dir(&settings.data_dir)?;
        // The operator's certificate is read before anything starts, so that a bad file ends
        // start-up at once with the variable named (exit 2), not after migrations.
        let configured_tls = match (&settings.tls, settings.behind_proxy) {
            (Some((cert, key)), false) => Some(tls::configured_server_config(cert, key)?),
            _ => None,
        };
        let dev_cert = tls::dev_certificate(&settings.data_dir)?;
        // Bound before anything starts, like the portal's own listener: a port in use is exit 2.
        let metrics_listener = match &settings.metrics {
            Some(m) => Some(bind("PORTAL_METRICS_LISTEN", m.listen)?),
            None => None,
        };
        // The portal's database and the emulator's tenant start side by side: on a first start
        // the emulator's key generation takes as long as the portal's migrations and demo seed.
        let uses_emulator = matches!(settings.identity, IdentityProvider::Emulator { .. });
        let audit_key = crate::audit::load_key(&settings)?;
        let portal_db = async {
            let pool = db::connect(settings.database_url.expose()).await?;
            crate::audit::start(&pool, audit_key).await?;
            let demo = if uses_emulator {
                crate::demo::seed::demo_data(&pool).await?
            } else {
                None
            };
            anyhow::Ok((pool, demo))
        };
        let emulator_start = async {
            if !uses_emulator {
                return anyhow::Ok(None);
            }
            let listener = emulator_listener
                .context("the local B2C emulator needs a listener (PORTAL_DEV_B2C_LISTEN)")?;
            Ok(Some(start_emulator(&settings, listener, &dev_cert).await?))
        };
        let ((pool, demo_summary), mut emulator_started) =
            tokio::try_join!(portal_db, emulator_start)?;

        let mut extra_roots = settings.extra_ca_files.clone();
        let (tenant, policies, emulator) = match &settings.identity {
            IdentityProvider::AzureB2c(b2c) => (
                TenantConfig {
                    profile: Profile::B2c {
                        instance: b2c.instance.clone(),
                        domain: b2c.domain.clone(),
                    },
                    client_id: b2c.client_id.clone(),
                    client_secret: b2c.client_secret.clone(),
                    redirect_url: settings.redirect_url(),
                    signed_out_url: settings.signed_out_url(),
                },
                Policies {
                    susi: b2c.susi_policy.clone(),
                    reset: b2c.reset_policy.clone(),
                    edit: b2c.edit_policy.clone(),
                },
                None,
            ),
            IdentityProvider::ExternalId(x) => {
                let policy = crate::auth::routes::external_id_policy(&x.mfa_auth_context);
                (
                    TenantConfig {
                        profile: Profile::ExternalId {
                            authority: x.authority.clone(),
                            tenant_id: x.tenant_id.clone(),
                            auth_context: x.mfa_auth_context.clone(),
                        },
                        client_id: x.client_id.clone(),
                        client_secret: x.client_secret.clone(),
                        redirect_url: settings.redirect_url(),
                        signed_out_url: settings.signed_out_url(),
                    },
                    // One user flow, bound to the app: password reset happens inside the
                    // sign-in page and there is no hosted profile edit.
                    Policies {
                        susi: policy,
                        reset: None,
                        edit: None,
                    },
                    None,
                )
            }
            IdentityProvider::Emulator { .. } => {
                let (emulator, registration) = emulator_started
                    .take()
                    .context("the local B2C emulator did not start")?;
                let public_url = registration.public_url;
                let (client_id, client_secret) =
                    (registration.client_id, registration.client_secret);
                let emulator_policies = b2c_emulator::Policies::default();
                extra_roots.push(dev_cert.cert.clone());
                if let Some(summary) = &demo_summary {
                    // Printed, not logged: these are demo credentials meant for the developer.
                    println!("{summary}");
                }
                for user in b2c_emulator::DEMO_USERS {
                    println!(
                        "Demo sign-in ({}): {} / {}",
                        user.role.unwrap_or("Patient"),
                        user.email,
                        user.password
                    );
                }
                tracing::info!(url = %public_url, "local Azure AD B2C emulator started");
                let (profile, policies) = match settings.flavour() {
                    crate::config::Flavour::B2c => (
                        Profile::B2c {
                            instance: public_url,
                            domain: b2c_emulator::DEFAULT_DOMAIN.to_string(),
                        },
                        Policies {
                            susi: emulator_policies.susi_mfa.clone(),
                            reset: Some(emulator_policies.reset.clone()),
                            edit: Some(emulator_policies.edit.clone()),
                        },
                    ),
                    crate::config::Flavour::ExternalId => (
                        Profile::ExternalId {
                            authority: public_url,
                            tenant_id: emulator.tenant_id().to_string(),
                            auth_context: b2c_emulator::EXTERNAL_ID_AUTH_CONTEXT.to_string(),
                        },
                        Policies {
                            susi: crate::auth::routes::external_id_policy(
                                b2c_emulator::EXTERNAL_ID_AUTH_CONTEXT,
                            ),
                            reset: None,
                            edit: None,
                        },
                    ),
                };
                (
                    TenantConfig {
                        profile,
                        client_id,
                        client_secret: crate::config::Secret::new(client_secret),
                        redirect_url: settings.redirect_url(),
                        signed_out_url: settings.signed_out_url(),
                    },
                    policies,
                    Some(emulator.server()),
                )
            }
        };
        let http = tls::http_client(&extra_roots)?;
        let idp_origin = tenant.origin();
        let allowed_origins = web::Data::new(guards::AllowedOrigins {
            portal: settings.public_url.origin().ascii_serialization(),
            identity_provider: idp_origin.clone(),
            callback_path: settings.callback_path.clone(),
        });
        let limits = web::Data::new(Limits::new(
            &pool,
            settings.signin_per_minute,
            settings.fhir_rate_limit,
        ));
        let share_limits = web::Data::new(crate::sharing::manifest::ShareLimits::new(&pool));
        // What finishes a fresh sign-in the callback validated (auth does not import staff).
        let reauth_purpose: web::Data<dyn ReauthPurpose> =
            web::Data::from(std::sync::Arc::new(staff::BreakGlassCompletion)
                as std::sync::Arc<dyn ReauthPurpose>);
        let provider = Provider::new(tenant, http);

        let key_hex = db::secret(&pool, "session_cookie_key", || {
            hex::encode(crate::auth::random_token(64).into_bytes())
        })
        .await?;
        let key_bytes = hex::decode(key_hex).context("stored session key is not hex")?;
        let key = Key::try_from(key_bytes.as_slice()).context("stored session key is too short")?;

        let port = portal.local_addr()?.port();
        let tls_config = if settings.behind_proxy {
            None
        } else if configured_tls.is_some() {
            configured_tls
        } else {
            tracing::info!(path = %dev_cert.cert.display(), "serving with the generated localhost certificate (trust it in your browser to avoid warnings)");
            Some(tls::server_config(&dev_cert)?)
        };
        let mail_wake = crate::notifications::Wake::default();
        crate::notifications::spawn_sender(
            pool.clone(),
            crate::notifications::Mailer::from_settings(&settings)?,
            settings.public_url.clone(),
            mail_wake.clone(),
        );
        let direct = db::direct::DirectReads::for_pool(settings.database_url.expose(), &pool)
            .map(std::sync::Arc::new);
        let state = web::Data::new(AppState {
            settings: settings.clone(),
            pool: pool.clone(),
            provider,
            policies,
            mail_wake,
            charts: Default::default(),
            direct: direct.clone(),
            uploads: crate::web::upload_budget::UploadBudget::new(settings.upload_bytes_in_flight),
        });
        let store = session::DbSessionStore::new(pool.clone(), direct);
        let row_ttl = session::row_ttl(settings.session_idle, settings.session_max);
        let factory = move || {
            let sessions = SessionMiddleware::builder(store.clone(), key.clone())
                .cookie_name(session::COOKIE_NAME.to_string())
                .cookie_secure(true)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .cookie_path("/".to_string())
                .cookie_domain(None)
                .session_lifecycle(
                    BrowserSession::default()
                        .state_ttl(row_ttl)
                        // Written only when the state changes: the gate refreshes the
                        // last-activity time at most once a minute (no write per request).
                        .state_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
                )
                .build();
            App::new()
                .app_data(state.clone())
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    // The parser's own words are English and say nothing to a reader: they go
                    // to the log; the page says it in the request's language (#31).
                    tracing::info!(error = %short(&e.to_string()), "unreadable query string");
                    AppError::bad_request(crate::i18n::tr(
                        crate::i18n::current(),
                        "page-words-query-unreadable",
                    ))
                    .into()
                }))
                .app_data(
                    web::FormConfig::default()
                        .limit(64 * 1024)
                        .error_handler(|_, _| {
                            AppError::bad_request(crate::i18n::tr(
                                crate::i18n::current(),
                                "error-form-unreadable",
                            ))
                            .into()
                        }),
                )
                .app_data(
                    web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()),
                )
                .app_data(web::Data::new(headers::SecurityHeaders::new(&idp_origin)))
                .app_data(allowed_origins.clone())
                .app_data(limits.clone())
                .app_data(share_limits.clone())
                .app_data(reauth_purpose.clone())
                .wrap(from_fn(guards::same_origin_writes))
                .wrap(from_fn(guards::limit_uri_length))
                // Outside the origin check and the gate: a preflight is answered here, and
                // an app's cross-origin answers (errors too) carry their CORS headers.
                .wrap(from_fn(cors::cors))
                // Inside the security headers: an error out of any middleware becomes a
                // page that carries them.
                .wrap(from_fn(errors::no_bare_errors))
                // Outside the error pages and the guards, so that theirs speak it too (#31).
                .wrap(from_fn(crate::web::language::choose))
                .wrap(headers::security_headers(&idp_origin))
                .wrap(TracingLogger::<PathOnlySpan>::new())
                // Outermost: sees every answer's final status, error pages included.
                .wrap(from_fn(crate::metrics::record_requests))
                // Probes and assets are outside the session scope: they never read the
                // session store, even when the browser sends a session cookie.
                .route("/healthz", web::get().to(pages::healthz))
                .route("/readyz", web::get().to(pages::readyz))
                .route("/assets/{file}", web::get().to(assets::serve))
                .route("/favicon.ico", web::get().to(assets::favicon))
                .service(
                    web::scope("")
                        .wrap(from_fn(crate::messages::header::unread_count))
                        .wrap(from_fn(errors::session_for_errors))
                        .wrap(from_fn(gate::require_session))
                        .wrap(sessions)
                        .configure(|cfg| routes(cfg, &state.settings))
                        .default_service(web::to(errors::not_found)),
                )
        };
        // Not HttpServer: each connection is read through web::request_line first, so that
        // a request line of any length gets the 414 page.
        let server = crate::web::request_line::serve(factory, portal, tls_config)?;
        let metrics = match (&settings.metrics, metrics_listener) {
            (Some(m), Some(listener)) => {
                Some(crate::metrics::endpoint::serve(m, listener, pool.clone())?)
            }
            _ => None,
        };
        Ok(Self {
            port,
            server,
            emulator,
            metrics,
            pool,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let optional = |server: Option<Server>| async move {
            match server {
                Some(server) => server.await,
                None => Ok(()),
            }
        };
        let (portal, emulator, metrics) =
            tokio::join!(self.server, optional(self.emulator), optional(self.metrics));
        portal.and(emulator).and(metrics)
    }
}

fn short(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(80).collect()
}

/// Every route, in one place. The gate makes all of them need a session except the public
/// ones it lists.
fn routes(cfg: &mut web::ServiceConfig, settings: &Settings) {
    // /healthz, /readyz and /assets/* are registered before the session scope (see build).
    cfg.route("/", web::get().to(pages::landing))
        .route("/signin", web::get().to(auth_routes::signin))
        .service(
            web::resource(settings.callback_path.as_str())
                .route(web::get().to(auth_routes::callback_get))
                .route(web::post().to(auth_routes::callback_post)),
        )
        .route(
            settings.signed_out_callback_path.as_str(),
            web::get().to(auth_routes::signed_out),
        )
        .route("/signout", web::post().to(auth_routes::signout))
        // The language switch on every page (#31); public, so it works signed out too.
        .route("/language", web::post().to(crate::web::language::change))
        .route("/home", web::get().to(crate::home::home))
        .route("/account", web::get().to(auth_routes::account))
        .route(
            "/account/sign-in-details",
            web::get().to(auth_routes::sign_in_details),
        )
        .route("/account/edit", web::get().to(auth_routes::account_edit))
        // Proxies (#29): the patient's list, invitations and revocations; the invitee's accept.
        .route("/account/proxies", web::get().to(crate::proxy::pages::list))
        .route(
            "/account/proxies",
            web::post().to(crate::proxy::pages::invite),
        )
        .route(
            "/account/proxies/{id}/revoke",
            web::post().to(crate::proxy::pages::revoke),
        )
        .route(
            "/account/proxies/invitations/{id}/withdraw",
            web::post().to(crate::proxy::pages::withdraw),
        )
        .route(
            "/proxy/accept",
            web::get().to(crate::proxy::pages::accept_page),
        )
        .route("/proxy/accept", web::post().to(crate::proxy::pages::accept))
        .route("/acting", web::get().to(crate::proxy::acting::choose))
        .route(
            "/staff/patients/{id}/guardian",
            web::post().to(crate::proxy::guardian::record_guardian),
        )
        .route(
            "/acting/{grant}",
            web::get().to(crate::proxy::acting::summary),
        )
        .route(
            "/acting/{grant}/labs",
            web::get().to(crate::proxy::acting::labs),
        )
        .route(
            "/acting/{grant}/messages",
            web::get().to(crate::proxy::acting::messages),
        )
        .route(
            "/acting/{grant}/messages",
            web::post().to(crate::proxy::acting::send_message),
        )
        .route(
            "/acting/{grant}/messages/new",
            web::get().to(crate::proxy::acting::new_message),
        )
        .route(
            "/acting/{grant}/appointments",
            web::get().to(crate::proxy::actions::appointments),
        )
        .route(
            "/acting/{grant}/renewals",
            web::get().to(crate::proxy::actions::renewals),
        )
        .route(
            "/acting/{grant}/appointments",
            web::post().to(crate::proxy::actions::request_appointment),
        )
        .route(
            "/acting/{grant}/appointments/{id}/cancel",
            web::post().to(crate::proxy::actions::cancel_appointment),
        )
        .route(
            "/acting/{grant}/renewals",
            web::post().to(crate::proxy::actions::request_renewal),
        )
        // Step-up (#29): a fresh MFA sign-in before a sensitive action.
        .route(
            crate::auth::step_up::START_PATH,
            web::get().to(crate::auth::step_up::start),
        )
        .route(
            "/password/reset",
            web::get().to(auth_routes::password_reset),
        )
        // The patient's own record: the patient comes from the session, never from the URL.
        .route("/activate", web::get().to(linking::activate_form))
        .route("/activate", web::post().to(linking::activate))
        .route("/records", web::get().to(records_pages::summary))
        .route("/records/export", web::get().to(records_pages::export))
        .route(
            "/records/printable",
            web::get().to(records_pages::printable),
        )
        .route(
            "/records/access-log",
            web::get().to(audit_pages::patient_access_log),
        )
        .route(
            "/records/access-log/export",
            web::get().to(audit_pages::patient_access_log_export),
        )
        .route("/records/labs/{loinc}", web::get().to(records_pages::lab))
        // Clinical notes (#27): one note, and a note's PDF.
        .route(
            "/records/notes/{note}",
            web::get().to(crate::records::note_pages::note),
        )
        .route(
            "/records/notes/{note}/content/{n}",
            web::get().to(crate::records::note_pages::content),
        )
        .route(
            "/records/visits/{visit}",
            web::get().to(records_pages::visit),
        )
        .route("/records/{section}", web::get().to(records_pages::section))
        .configure(request_routes)
        // Secure messages: the patient's side (patient from the session), then the care team's.
        .route("/messages", web::get().to(messages::list))
        .route("/messages", web::post().to(messages::create))
        .route("/messages/new", web::get().to(messages::new_form))
        .route("/messages/{id}", web::get().to(messages::thread))
        .route("/messages/{id}/reply", web::post().to(messages::reply))
        .route(
            "/messages/{id}/attachments/{attachment}",
            web::get().to(messages::attachment),
        )
        .route("/staff/messages", web::get().to(messages::staff_inbox))
        .route(
            "/staff/messages/{id}",
            web::get().to(messages::staff_thread),
        )
        .route(
            "/staff/messages/{id}/reply",
            web::post().to(messages::staff_reply),
        )
        .route(
            "/staff/messages/{id}/update",
            web::post().to(messages::staff_update),
        )
        .route(
            "/staff/messages/{id}/attachments/{attachment}",
            web::get().to(messages::staff_attachment),
        )
        .route(
            "/account/notifications",
            web::post().to(notifications::setting::setting),
        )
        .route("/dev/outbox", web::get().to(notifications::outbox::page))
        // Clinicians.
        .route("/staff", web::get().to(staff::home))
        .route("/staff/patients/{id}", web::get().to(staff::chart))
        .route(
            "/staff/patients/{id}/access-log",
            web::get().to(audit_pages::staff_access_log),
        )
        .route(
            "/staff/patients/{id}/break-glass",
            web::get().to(staff::break_glass_form),
        )
        .route(
            "/staff/patients/{id}/break-glass",
            web::post().to(staff::break_glass_start),
        )
        .route(
            "/staff/patients/{id}/activation-codes",
            web::post().to(staff::issue_code),
        )
        .route(
            "/staff/patients/{id}/activation-codes/{code_id}/revoke",
            web::post().to(staff::revoke_code),
        )
        .route(
            "/staff/patients/{id}/labs/{loinc}",
            web::get().to(staff::lab),
        )
        .route(
            "/staff/patients/{id}/notes/{note}",
            web::get().to(staff::chart_note),
        )
        .route(
            "/staff/patients/{id}/notes/{note}/content/{n}",
            web::get().to(staff::chart_note_content),
        )
        .route(
            "/staff/patients/{id}/visits/{visit}",
            web::get().to(staff::chart_visit),
        )
        .route(
            "/staff/patients/{id}/{section}",
            web::get().to(staff::section),
        )
        // SMART on FHIR: the authorization server, and the FHIR API for connected apps.
        .configure(smart_routes)
        .configure(share_routes);
}

/// Appointments and medication renewals: the patient's side (patient from the session), then
/// the care team's.
fn request_routes(cfg: &mut web::ServiceConfig) {
    use crate::{appointments as appts, renewals};
    cfg.route("/appointments", web::get().to(appts::list))
        .route("/appointments", web::post().to(appts::request))
        .route("/appointments/{id}/cancel", web::post().to(appts::cancel))
        .route("/appointments/{id}/accept", web::post().to(appts::accept))
        .route(
            "/appointments/{id}/calendar.ics",
            web::get().to(appts::calendar),
        )
        .route(
            "/records/medications/renewals",
            web::post().to(renewals::request),
        )
        .route("/account/pharmacy", web::post().to(renewals::pharmacy::set))
        .route("/staff/appointments", web::get().to(appts::staff_queue))
        .route("/staff/appointments/day", web::get().to(appts::staff_day))
        .route("/staff/appointments/{id}", web::get().to(appts::staff_show))
        .route(
            "/staff/appointments/{id}",
            web::post().to(appts::staff_decide),
        )
        .route("/staff/renewals", web::get().to(renewals::staff_queue))
        .route("/staff/renewals/{id}", web::get().to(renewals::staff_show))
        .route(
            "/staff/renewals/{id}",
            web::post().to(renewals::staff_decide),
        );
}

/// Sharing (#30): the patient's links and card (patient from the session), then the public
/// manifest, downloads and issuer keys (`gate::is_app_endpoint`).
fn share_routes(cfg: &mut web::ServiceConfig) {
    use crate::sharing::{manifest, pages as share};
    cfg.route("/share", web::get().to(share::list))
        .route("/share", web::post().to(share::create))
        .route("/share/new", web::get().to(share::new_form))
        .route("/share/revoke", web::post().to(share::revoke))
        .route("/share/health-card", web::get().to(share::health_card))
        .route(
            "/share/health-card/download",
            web::get().to(share::health_card_file),
        )
        .route("/shl/file/{token}", web::get().to(manifest::download))
        .route("/shl/{id}", web::post().to(manifest::manifest))
        .route("/.well-known/jwks.json", web::get().to(manifest::jwks));
}

fn smart_routes(cfg: &mut web::ServiceConfig) {
    use crate::fhir_api;
    use crate::smart::{connected, routes as smart};
    cfg.route(
        "/.well-known/smart-configuration",
        web::get().to(smart::smart_configuration),
    )
    .route("/smart/authorize", web::get().to(smart::authorize))
    .route("/smart/authorize", web::post().to(smart::authorize_post))
    .route("/smart/consent", web::get().to(smart::consent_page))
    .route("/smart/consent", web::post().to(smart::consent))
    .route("/smart/token", web::post().to(smart::token))
    .route("/smart/revoke", web::post().to(smart::revoke))
    .route("/smart/introspect", web::post().to(smart::introspect))
    .route("/smart/jwks", web::get().to(smart::jwks))
    .route(
        "/account/apps/disconnect",
        web::post().to(connected::disconnect),
    )
    .service(
        web::scope(fhir_api::BASE_PATH)
            .route("/metadata", web::get().to(fhir_api::metadata))
            .route(
                "/.well-known/smart-configuration",
                web::get().to(smart::smart_configuration),
            )
            .route(
                "/.well-known/openid-configuration",
                web::get().to(smart::openid_configuration),
            )
            .service(
                web::resource("/{type}")
                    .route(web::get().to(fhir_api::search))
                    .default_service(web::to(fhir_api::unsupported)),
            )
            // US Core's Patient/$everything (before `/{type}/{id}`, which would take it as an id).
            .route(
                "/Patient/$everything",
                web::get().to(fhir_api::everything::everything_of_token),
            )
            .route(
                "/Patient/{id}/$everything",
                web::get().to(fhir_api::everything::everything),
            )
            .service(
                web::resource("/{type}/{id}")
                    .route(web::get().to(fhir_api::read))
                    .default_service(web::to(fhir_api::unsupported)),
            )
            .default_service(web::to(fhir_api::unsupported)),
    );
}
