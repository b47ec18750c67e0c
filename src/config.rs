//! Settings from environment variables (and `.env`), validated once at start-up.
//!
//! Every variable is a string to clap so that `--help` lists them all with their defaults; we
//! parse and check them ourselves so a bad value ends start-up with one line that names the
//! variable (exit code 2), and nothing starts half-configured.

use std::collections::HashMap;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use url::Url;

use crate::db::Engine;

/// A value that must never reach a log or an error page: its `Debug` prints `[redacted]`, it
/// has no `Display`, and reading it takes a deliberate `expose()`. Client secrets, a database
/// URL (it may carry a password) and the SMTP URL are kept in one; so `Settings`, which
/// derives `Debug`, can be printed whole.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The value itself, for the one place that needs it (a connection, a token request).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> std::fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How clap makes one from an environment variable or an argument.
impl From<String> for Secret<String> {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

/// A raw setting's text, secret or not (for `non_empty` and friends).
trait Raw {
    fn raw(&self) -> &str;
}

impl Raw for String {
    fn raw(&self) -> &str {
        self
    }
}

impl Raw for Secret<String> {
    fn raw(&self) -> &str {
        self.expose()
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "patient-portal",
    version,
    about = "A patient portal: an OpenID Connect relying party of Azure AD B2C.",
    long_about = "Serves the patient portal over HTTPS. With AZURE_AD_B2C_INSTANCE unset (and not in \
production) a local Azure AD B2C emulator starts beside it. Every option is read from the \
environment variable named beside it (and from a .env file in the working directory)."
)]
pub struct Cli {
    #[command(flatten)]
    pub env: EnvSettings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Parses `args` with every setting looked up in `env` rather than in the process
    /// environment. `main` passes the real environment; tests pass their own, so whatever the
    /// developer's shell exports (PORTAL_*, AZURE_AD_B2C_*, DATABASE_URL) cannot steer them.
    /// Precedence stays clap's: command line, then `env`, then the default.
    pub fn try_parse_with_env<A, K, V>(
        args: impl IntoIterator<Item = A>,
        env: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Cli, clap::Error>
    where
        A: Into<OsString> + Clone,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let env: HashMap<OsString, OsString> =
            env.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        let original = Cli::command();
        let mut cmd = original.clone();
        // clap reads an argument's variable from the process when the argument is built, with
        // no hook to read it elsewhere: drop that lookup and give the map's value as the
        // default instead, which a command-line value still overrides.
        let lookups: Vec<(clap::Id, Option<OsString>)> = original
            .get_arguments()
            .filter_map(|a| {
                a.get_env()
                    .map(|name| (a.get_id().clone(), env.get(name).cloned()))
            })
            .collect();
        for (id, value) in lookups {
            cmd = cmd.mut_arg(id, |arg| {
                let arg = arg.env(None::<&'static str>);
                match value {
                    // clap keeps defaults as 'static; a parse happens once per process (once
                    // per portal a test starts), so these few bytes are never freed, by design.
                    Some(v) => arg.default_value(&*Box::leak(v.into_boxed_os_str())),
                    None => arg,
                }
            });
        }
        match cmd.try_get_matches_from(&args) {
            Ok(matches) => Cli::from_arg_matches(&matches),
            // --help and --version: let the untouched command print them, so every setting
            // is shown with the variable it is read from.
            Err(e)
                if matches!(
                    e.kind(),
                    clap::error::ErrorKind::DisplayHelp
                        | clap::error::ErrorKind::DisplayVersion
                        | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                ) =>
            {
                Err(original.try_get_matches_from(&args).err().unwrap_or(e))
            }
            Err(e) => Err(e),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the portal (the default).
    Serve,
    /// Run the local Azure AD B2C emulator alone, or act on its keys.
    B2cEmulator {
        #[command(subcommand)]
        action: Option<EmulatorAction>,
    },
    /// Import FHIR R4 Bundles (as Synthea writes them) into the database.
    Import {
        /// Bundle files (JSON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Copy the database, consistently, while the portal runs (SQLite; PostgreSQL: pg_dump,
    /// see docs/DEPLOYMENT.md). The audit key is not in the copy: keep it apart.
    Backup {
        /// The file to write; an existing file is refused, never overwritten.
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into a data directory that holds no database yet, then verify its
    /// audit chain with the configured key (and checkpoints).
    Restore {
        /// A file written by `patient-portal backup`.
        file: PathBuf,
        /// A checkpoint file (from `audit checkpoint`): the restored chain must match it too.
        #[arg(long)]
        checkpoints: Option<PathBuf>,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Add a clinician to a patient's care team, or remove them.
    CareTeam {
        #[command(subcommand)]
        action: CareTeamAction,
    },
    /// Register, list or remove the apps patients may connect (SMART on FHIR).
    Apps {
        #[command(subcommand)]
        action: AppsAction,
    },
    /// Activation codes, as an operator issues them (staff issue them from the chart).
    Activation {
        #[command(subcommand)]
        action: ActivationAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum AppsAction {
    /// Register an app; prints its client id (and, for a confidential app, its secret once).
    Add {
        /// The name patients see on the consent page and in their access log.
        #[arg(long)]
        name: String,
        /// Where the app receives codes; compared exactly. Repeat for several.
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// A server-side app that can keep a secret (client_secret_basic/post).
        #[arg(long)]
        confidential: bool,
    },
    /// Register a resource server (an API that accepts this portal's access tokens): prints
    /// its client id and secret once. It may introspect any token at /smart/introspect; it is
    /// sent no codes and holds no tokens itself.
    AddResourceServer {
        /// Its name, for the operator's list.
        #[arg(long)]
        name: String,
    },
    /// List registered apps and resource servers.
    List,
    /// Remove an app: its tokens stop working at once.
    Remove {
        /// The app's client id.
        client_id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ActivationAction {
    /// Issue an activation code for the patient with this MRN: the code alone goes to
    /// standard output, once; it is audited with the operator as actor.
    Issue(ActivationIssueArgs),
}

#[derive(Debug, Args)]
pub struct ActivationIssueArgs {
    /// The patient's MRN.
    #[arg(long)]
    pub mrn: String,
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Verify the keyed chain: exit 0 when whole, 1 naming the first broken entry.
    Verify {
        /// A checkpoint file (from `audit checkpoint`): also prove that nothing up to each
        /// checkpoint changed or vanished.
        #[arg(long)]
        checkpoints: Option<PathBuf>,
    },
    /// Verify the chain, then append a signed checkpoint (seq, hash, time, signature) as one
    /// line to FILE, or print it. Keep the file outside the database's reach.
    Checkpoint {
        /// Append to this file (created if missing) instead of printing.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Start a new segment of the chain keyed with a new key, added as the newest line of the
    /// key file (keep the older lines: they verify older entries). Restart every instance after.
    RotateKey {
        /// The key that wrote the chain is lost: mark the segments whose key the file no longer
        /// holds as lost (checked by links and checkpoints only) instead of refusing.
        #[arg(long)]
        lost_key: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CareTeamAction {
    /// Add a clinician to a patient's care team.
    Add(CareTeamArgs),
    /// Remove a clinician from a patient's care team.
    Remove(CareTeamArgs),
}

#[derive(Debug, Args)]
pub struct CareTeamArgs {
    /// The clinician's e-mail address or B2C subject (object id).
    #[arg(long)]
    pub clinician: String,
    /// The patient's MRN.
    #[arg(long)]
    pub patient: String,
}

#[derive(Debug, Subcommand)]
pub enum EmulatorAction {
    /// Start signing with a new key; the old one stays published for a while.
    RotateKeys,
}

/// The raw settings, exactly as the environment gives them.
#[derive(Debug, Args, Clone)]
pub struct EnvSettings {
    /// External base URL; the reply URL is this plus AZURE_AD_B2C_CALLBACK_PATH.
    #[arg(
        long,
        env = "PORTAL_PUBLIC_URL",
        default_value = "https://localhost:8443"
    )]
    pub public_url: String,
    /// Listen address.
    #[arg(long, env = "PORTAL_LISTEN", default_value = "127.0.0.1:8443")]
    pub listen: String,
    /// PEM certificate chain for the listener (default: a generated localhost certificate).
    #[arg(long, env = "PORTAL_TLS_CERT")]
    pub tls_cert: Option<String>,
    /// PEM private key for the listener.
    #[arg(long, env = "PORTAL_TLS_KEY")]
    pub tls_key: Option<String>,
    /// Set to true behind a TLS-terminating proxy: the listener speaks plain HTTP and the
    /// client address is taken from X-Forwarded-For. PORTAL_PUBLIC_URL stays https.
    #[arg(long, env = "PORTAL_BEHIND_PROXY", default_value = "false")]
    pub behind_proxy: String,
    /// Where the SQLite file, the generated certificate and keys live.
    #[arg(long, env = "PORTAL_DATA_DIR", default_value = "./data")]
    pub data_dir: String,
    /// sqlite:... or postgres://... (default: portal.sqlite in PORTAL_DATA_DIR).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<Secret<String>>,
    /// Extra PEM roots trusted for outbound HTTPS (the identity provider).
    #[arg(long, env = "PORTAL_EXTRA_CA_FILE")]
    pub extra_ca_file: Option<String>,
    /// development or production. Production refuses the local B2C emulator.
    #[arg(long, env = "PORTAL_ENV", default_value = "development")]
    pub environment: String,
    /// The B2C instance, e.g. https://contoso.b2clogin.com (unset: the local emulator).
    #[arg(long, env = "AZURE_AD_B2C_INSTANCE")]
    pub b2c_instance: Option<String>,
    /// The B2C domain, e.g. contoso.onmicrosoft.com.
    #[arg(long, env = "AZURE_AD_B2C_DOMAIN")]
    pub b2c_domain: Option<String>,
    /// The app registration's client id.
    #[arg(long, env = "AZURE_AD_B2C_CLIENT_ID")]
    pub b2c_client_id: Option<String>,
    /// The app registration's client secret.
    #[arg(long, env = "AZURE_AD_B2C_CLIENT_SECRET", hide_env_values = true)]
    pub b2c_client_secret: Option<Secret<String>>,
    /// The sign-up/sign-in user flow with MFA, e.g. B2C_1_susi_mfa.
    #[arg(long, env = "AZURE_AD_B2C_SIGN_UP_SIGN_IN_POLICY_ID")]
    pub b2c_susi_policy: Option<String>,
    /// The password-reset user flow (optional).
    #[arg(long, env = "AZURE_AD_B2C_RESET_PASSWORD_POLICY_ID")]
    pub b2c_reset_policy: Option<String>,
    /// The profile-edit user flow (optional).
    #[arg(long, env = "AZURE_AD_B2C_EDIT_PROFILE_POLICY_ID")]
    pub b2c_edit_policy: Option<String>,
    /// The reply path.
    #[arg(
        long,
        env = "AZURE_AD_B2C_CALLBACK_PATH",
        default_value = "/signin-oidc"
    )]
    pub callback_path: String,
    /// Where B2C returns after sign-out.
    #[arg(
        long,
        env = "AZURE_AD_B2C_SIGNED_OUT_CALLBACK_PATH",
        default_value = "/signout-callback-oidc"
    )]
    pub signed_out_callback_path: String,
    /// query or form_post.
    #[arg(long, env = "AZURE_AD_B2C_RESPONSE_MODE", default_value = "query")]
    pub response_mode: String,
    /// The id_token claim that names the user's role (default: extension_Role for b2c,
    /// roles (App Roles) for external-id).
    #[arg(long, env = "PORTAL_ROLE_CLAIM")]
    pub role_claim: Option<String>,
    /// The value of the role claim that makes a clinician.
    #[arg(long, env = "PORTAL_CLINICIAN_ROLE", default_value = "Clinician")]
    pub clinician_role: String,
    /// Sign out after this many idle minutes.
    #[arg(long, env = "PORTAL_SESSION_IDLE_MINUTES", default_value = "15")]
    pub session_idle_minutes: String,
    /// Sign out this many hours after sign-in, whatever the activity.
    #[arg(long, env = "PORTAL_SESSION_MAX_HOURS", default_value = "8")]
    pub session_max_hours: String,
    /// Sign-ins one client address may start per minute (a burst of this many, then refilled
    /// evenly); more get the 429 page. Generous: a clinic may share one address.
    #[arg(long, env = "PORTAL_SIGNIN_PER_MINUTE", default_value = "60")]
    pub signin_per_minute: String,
    /// Message upload bytes this instance holds at once, across all requests (each form's
    /// declared length, reserved before it is read); past it a new upload gets the 503 page
    /// with Retry-After. Default 64 MiB: two of the largest forms (3 files of 10 MB) at once.
    #[arg(
        long,
        env = "PORTAL_UPLOAD_BYTES_IN_FLIGHT",
        default_value = "67108864"
    )]
    pub upload_bytes_in_flight: String,
    /// Sign-ins under way (started, not yet come back) at most, across all clients.
    #[arg(long, env = "PORTAL_PENDING_SIGNINS_MAX", default_value = "10000")]
    pub pending_signins_max: String,
    /// How long a break-the-glass grant lasts, in minutes.
    #[arg(long, env = "PORTAL_BREAK_GLASS_MINUTES", default_value = "60")]
    pub break_glass_minutes: String,
    /// Step-up (#29): how recent the last MFA sign-in must be, in whole minutes (1 to 60),
    /// before a sensitive action (downloading the record, connecting an app, changing
    /// notifications, proxies, share links); older sends the user through a fresh sign-in.
    #[arg(long, env = "PORTAL_STEP_UP_MINUTES", default_value = "10")]
    pub step_up_minutes: String,
    /// Guardians (#29): below this age a guardian sees the whole record (whole years).
    #[arg(long, env = "PORTAL_PROXY_CHILD_AGE_LIMIT", default_value = "12")]
    pub proxy_child_age_limit: String,
    /// Guardians (#29): on this birthday a guardian's access ends by itself (whole years);
    /// between the two ages the guardian sees the record without its sensitive parts.
    #[arg(long, env = "PORTAL_PROXY_ADULT_AGE", default_value = "18")]
    pub proxy_adult_age: String,
    /// The clinic's time zone (an IANA name such as Europe/London): appointment times are
    /// shown, entered and put in calendar files in it.
    #[arg(long, env = "PORTAL_TIME_ZONE", default_value = "UTC")]
    pub time_zone: String,
    /// The language of a person who has not chosen one and whose browser asks for none the
    /// portal speaks (en or es; #31).
    #[arg(long, env = "PORTAL_DEFAULT_LANGUAGE", default_value = "en")]
    pub default_language: String,
    /// The pseudo language en-XA for translators and testers (#31): English with every text
    /// from the message files marked and accented, for a browser that asks for en-XA.
    #[arg(long, env = "PORTAL_PSEUDO_LANGUAGE", default_value = "false")]
    pub pseudo_language: String,
    /// A patient may cancel a booked appointment online up to this many hours before it
    /// starts; later, the page says to call the clinic.
    #[arg(
        long,
        env = "PORTAL_APPOINTMENT_CANCEL_NOTICE_HOURS",
        default_value = "24"
    )]
    pub appointment_cancel_notice_hours: String,
    /// b2c or external-id: which kind of Microsoft tenant signs users in.
    #[arg(long, env = "PORTAL_IDENTITY_PROVIDER", default_value = "b2c")]
    pub identity_provider: String,
    /// The External ID authority, e.g. https://contoso.ciamlogin.com/ (unset: the local
    /// emulator in its External ID flavour).
    #[arg(long, env = "ENTRA_EXTERNAL_ID_AUTHORITY")]
    pub external_id_authority: Option<String>,
    /// The external tenant's id (a GUID): the `tid` every token must carry.
    #[arg(long, env = "ENTRA_EXTERNAL_ID_TENANT_ID")]
    pub external_id_tenant_id: Option<String>,
    /// The External ID app registration's client id.
    #[arg(long, env = "ENTRA_EXTERNAL_ID_CLIENT_ID")]
    pub external_id_client_id: Option<String>,
    /// The External ID app registration's client secret.
    #[arg(long, env = "ENTRA_EXTERNAL_ID_CLIENT_SECRET", hide_env_values = true)]
    pub external_id_client_secret: Option<Secret<String>>,
    /// The Conditional Access authentication context whose policy requires MFA; every
    /// id_token must carry it in `acrs`.
    #[arg(long, env = "ENTRA_EXTERNAL_ID_MFA_AUTH_CONTEXT", default_value = "c1")]
    pub external_id_mfa_auth_context: String,
    /// The reply path for External ID (default: AZURE_AD_B2C_CALLBACK_PATH's, /signin-oidc).
    #[arg(long, env = "ENTRA_EXTERNAL_ID_CALLBACK_PATH")]
    pub external_id_callback_path: Option<String>,
    /// Where External ID returns after sign-out (default: /signout-callback-oidc).
    #[arg(long, env = "ENTRA_EXTERNAL_ID_SIGNED_OUT_CALLBACK_PATH")]
    pub external_id_signed_out_callback_path: Option<String>,
    /// Listen address of the local B2C emulator.
    #[arg(long, env = "PORTAL_DEV_B2C_LISTEN", default_value = "127.0.0.1:8444")]
    pub dev_b2c_listen: String,
    /// Log format: pretty or json.
    #[arg(long, env = "PORTAL_LOG_FORMAT", default_value = "pretty")]
    pub log_format: String,
    /// FHIR API requests allowed per access token per minute (then 429 with Retry-After).
    #[arg(long, env = "PORTAL_FHIR_RATE_LIMIT", default_value = "120")]
    pub fhir_rate_limit: String,
    /// File with the audit chain's secret key (64 hex digits, e.g. `openssl rand -hex 32`),
    /// kept outside the database. Required in production; in development it is generated
    /// into PORTAL_DATA_DIR/audit.key when unset.
    #[arg(long, env = "PORTAL_AUDIT_KEY_FILE")]
    pub audit_key_file: Option<String>,
    /// File with the key that wraps the keys of long-term (L) share links (64 hex digits, e.g.
    /// `openssl rand -hex 32`), kept outside the database. Unset: PORTAL_DATA_DIR/shl-wrap.key,
    /// made (mode 0600) when the first such link is made.
    #[arg(long, env = "PORTAL_SHL_WRAP_KEY_FILE")]
    pub shl_wrap_key_file: Option<String>,
    /// Mail server for notifications: smtps://user:pass@host:465 (TLS), smtp://host:587
    /// (STARTTLS required), plain smtp only to localhost. Unset in development: /dev/outbox.
    #[arg(long, env = "PORTAL_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<Secret<String>>,
    /// Sender of notification e-mails.
    #[arg(
        long,
        env = "PORTAL_MAIL_FROM",
        default_value = "Patient portal <no-reply@localhost>"
    )]
    pub mail_from: String,
    /// Listen address of the Prometheus metrics (GET /metrics, plain HTTP), e.g.
    /// 127.0.0.1:9464; never the public listener. Unset: no metrics.
    #[arg(long, env = "PORTAL_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,
    /// Bearer token a scraper must send for /metrics (32+ characters); required when
    /// PORTAL_METRICS_LISTEN is not a loopback address.
    #[arg(long, env = "PORTAL_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<Secret<String>>,
}

/// A bad setting: the variable and what is wrong with it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl ConfigError {
    /// For checks made after validation (binding a port, writing the data dir, reading the TLS
    /// files): `main` finds one anywhere in an error's chain and exits 2 with its one line.
    pub fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        ConfigError {
            variable,
            problem: problem.into(),
        }
    }
}

fn bad(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError::new(variable, problem)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    Query,
    FormPost,
}

impl ResponseMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseMode::Query => "query",
            ResponseMode::FormPost => "form_post",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Where the identity provider is. `Emulator` means the portal starts the local one and
/// configures itself for it; the relying party code does not know the difference.
#[derive(Debug, Clone)]
pub enum IdentityProvider {
    AzureB2c(B2cSettings),
    ExternalId(ExternalIdSettings),
    Emulator {
        listen: SocketAddr,
        flavour: Flavour,
    },
}

/// Which kind of tenant the portal talks to (and the emulator imitates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    B2c,
    ExternalId,
}

#[derive(Debug, Clone)]
pub struct ExternalIdSettings {
    pub authority: Url,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: Secret<String>,
    pub mfa_auth_context: String,
}

#[derive(Debug, Clone)]
pub struct B2cSettings {
    pub instance: Url,
    pub domain: String,
    pub client_id: String,
    pub client_secret: Secret<String>,
    pub susi_policy: String,
    pub reset_policy: Option<String>,
    pub edit_policy: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub public_url: Url,
    pub listen: SocketAddr,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub behind_proxy: bool,
    pub data_dir: PathBuf,
    /// `sqlite:...` or `postgres://...`; it may carry a password.
    pub database_url: Secret<String>,
    pub extra_ca_files: Vec<PathBuf>,
    pub production: bool,
    pub identity: IdentityProvider,
    pub callback_path: String,
    pub signed_out_callback_path: String,
    pub response_mode: ResponseMode,
    pub role_claim: String,
    pub clinician_role: String,
    pub session_idle: std::time::Duration,
    pub session_max: std::time::Duration,
    pub signin_per_minute: u32,
    pub pending_signins_max: i64,
    /// Message upload bytes in flight at most (PORTAL_UPLOAD_BYTES_IN_FLIGHT).
    pub upload_bytes_in_flight: usize,
    /// How long a break-the-glass grant lasts.
    pub break_glass: std::time::Duration,
    /// How recent an MFA sign-in must be for a sensitive action (PORTAL_STEP_UP_MINUTES, #29).
    pub step_up: std::time::Duration,
    /// Guardians see the whole record of a child below this age (PORTAL_PROXY_CHILD_AGE_LIMIT).
    pub proxy_child_age_limit: u32,
    /// Guardians' access ends at this age (PORTAL_PROXY_ADULT_AGE).
    pub proxy_adult_age: u32,
    /// The clinic's time zone (PORTAL_TIME_ZONE).
    pub time_zone: chrono_tz::Tz,
    /// The language when no choice or browser says otherwise (PORTAL_DEFAULT_LANGUAGE, #31).
    pub default_language: crate::i18n::Lang,
    /// Whether a browser asking for `en-XA` gets the pseudo language (PORTAL_PSEUDO_LANGUAGE).
    pub pseudo_language: bool,
    /// How long before an appointment online cancelling ends (PORTAL_APPOINTMENT_CANCEL_NOTICE_HOURS).
    pub cancel_notice: std::time::Duration,
    pub log_format: LogFormat,
    /// FHIR API requests per access token per minute.
    pub fhir_rate_limit: u32,
    /// The audit key file, and whether it may be generated (development, default path).
    pub audit_key_file: PathBuf,
    pub audit_key_generated: bool,
    /// The key that wraps `L` share links' keys (PORTAL_SHL_WRAP_KEY_FILE, else the data
    /// directory's `shl-wrap.key`), and whether it may be made (the default file only).
    pub shl_wrap_key_file: PathBuf,
    pub shl_wrap_key_generated: bool,
    /// Where notification e-mails go; None: the development outbox (or, in production, they
    /// wait in the queue until a mail server is configured).
    pub smtp: Option<SmtpUrl>,
    pub mail_from: lettre::message::Mailbox,
    /// Where the metrics are served (PORTAL_METRICS_LISTEN, PORTAL_METRICS_TOKEN); None: nowhere.
    pub metrics: Option<MetricsSettings>,
}

/// PORTAL_SMTP_URL, checked; its Debug hides the password it may carry.
#[derive(Clone)]
pub struct SmtpUrl(pub Url);

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SmtpUrl({}://{}:{:?})",
            self.0.scheme(),
            self.0.host_str().unwrap_or_default(),
            self.0.port()
        )
    }
}

fn parse_smtp(value: &Option<Secret<String>>) -> Result<Option<SmtpUrl>, ConfigError> {
    let Some(value) = non_empty(value) else {
        return Ok(None);
    };
    // The value may carry a password: the error never repeats it.
    let url = Url::parse(&value).map_err(|_| {
        bad(
            "PORTAL_SMTP_URL",
            "is not a URL like smtps://user:password@mail.example.com:465",
        )
    })?;
    if !matches!(url.scheme(), "smtp" | "smtps") {
        return Err(bad(
            "PORTAL_SMTP_URL",
            "must start with smtps:// or smtp://",
        ));
    }
    if url.host_str().unwrap_or_default().is_empty() {
        return Err(bad("PORTAL_SMTP_URL", "must name a mail server host"));
    }
    Ok(Some(SmtpUrl(url)))
}

impl Settings {
    /// The reply URL registered with B2C, built from the configured public URL, never from
    /// a request's Host header.
    pub fn redirect_url(&self) -> String {
        join_url(&self.public_url, &self.callback_path)
    }

    pub fn signed_out_url(&self) -> String {
        join_url(&self.public_url, &self.signed_out_callback_path)
    }

    pub fn uses_emulator(&self) -> bool {
        matches!(self.identity, IdentityProvider::Emulator { .. })
    }

    pub fn flavour(&self) -> Flavour {
        match &self.identity {
            IdentityProvider::AzureB2c(_) => Flavour::B2c,
            IdentityProvider::ExternalId(_) => Flavour::ExternalId,
            IdentityProvider::Emulator { flavour, .. } => *flavour,
        }
    }
}

pub fn join_url(base: &Url, path: &str) -> String {
    format!("{}{}", base.as_str().trim_end_matches('/'), path)
}

fn parse_path(variable: &'static str, value: &str) -> Result<String, ConfigError> {
    let ok = value.starts_with('/')
        && value.len() > 1
        && !value.contains(['?', '#', ' '])
        && !value.starts_with("//");
    if ok {
        Ok(value.to_string())
    } else {
        Err(bad(
            variable,
            format!("must be a path like /signin-oidc, not {value:?}"),
        ))
    }
}

fn parse_bool(variable: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" | "" => Ok(false),
        other => Err(bad(
            variable,
            format!("must be true or false, not {other:?}"),
        )),
    }
}

fn parse_addr(variable: &'static str, value: &str) -> Result<SocketAddr, ConfigError> {
    value.parse().map_err(|_| {
        bad(
            variable,
            format!("must be an address like 127.0.0.1:8443, not {value:?}"),
        )
    })
}

fn parse_positive(variable: &'static str, value: &str) -> Result<f64, ConfigError> {
    match value.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n),
        _ => Err(bad(
            variable,
            format!("must be a positive number, not {value:?}"),
        )),
    }
}

/// A whole number from 1 to `max`.
fn parse_count(variable: &'static str, value: &str, max: u32) -> Result<u32, ConfigError> {
    match value.trim().parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(bad(
            variable,
            format!("must be a whole number from 1 to {max}, not {value:?}"),
        )),
    }
}

/// The authority forms Microsoft documents for External ID, every one accepted or refused
/// here, at start-up: a form the provider code did not expect would start "healthy" and then
/// answer every sign-in with 503.
const AUTHORITY_FORMS: &str = "must be https://<name>.ciamlogin.com, optionally followed by \
/<tenant-id> or /<name>.onmicrosoft.com (or a verified domain), or the same on a custom URL \
domain, e.g. https://login.contoso.com/<tenant-id>";

/// The authority's origin, where discovery is `/{tenant-id}/v2.0/.well-known/...`: every
/// documented form names the tenant (by id or domain) in at most one path segment, and the
/// tenant id form of discovery answers on every host that serves the others. A tenant id in
/// the path that is not `ENTRA_EXTERNAL_ID_TENANT_ID` is refused: tokens would never match.
fn external_id_authority(raw: &str, tenant_id: &str) -> Result<Url, ConfigError> {
    const VAR: &str = "ENTRA_EXTERNAL_ID_AUTHORITY";
    let url =
        Url::parse(raw).map_err(|e| bad(VAR, format!("is not a URL ({e}); {AUTHORITY_FORMS}")))?;
    if url.scheme() != "https"
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.host_str().is_none()
    {
        return Err(bad(VAR, AUTHORITY_FORMS));
    }
    let mut segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    // MSAL Python's `oidc_authority` form ends in the version: https://host/<tenant>/v2.0
    if segments.len() == 2 && segments[1].eq_ignore_ascii_case("v2.0") {
        segments.pop();
    }
    match segments.as_slice() {
        [] => {}
        [tenant] if uuid::Uuid::parse_str(tenant).is_ok() && tenant.len() == 36 => {
            if !tenant.eq_ignore_ascii_case(tenant_id) {
                return Err(bad(
                    VAR,
                    format!(
                        "names tenant {tenant} but ENTRA_EXTERNAL_ID_TENANT_ID is {tenant_id}: \
they must be the same tenant"
                    ),
                ));
            }
        }
        [domain]
            if domain.contains('.')
                && domain
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') => {}
        _ => return Err(bad(VAR, AUTHORITY_FORMS)),
    }
    let origin = url.origin().ascii_serialization();
    Url::parse(&format!("{origin}/")).map_err(|e| bad(VAR, format!("is not a URL ({e})")))
}

fn non_empty(value: &Option<impl Raw>) -> Option<String> {
    value
        .as_ref()
        .map(|v| v.raw().trim().to_string())
        .filter(|v| !v.is_empty())
}

fn required(variable: &'static str, value: &Option<impl Raw>) -> Result<String, ConfigError> {
    non_empty(value).ok_or_else(|| bad(variable, "is required when AZURE_AD_B2C_INSTANCE is set"))
}

fn parse_policy(variable: &'static str, value: String) -> Result<String, ConfigError> {
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        Ok(value)
    } else {
        Err(bad(variable, format!("is not a user flow id: {value:?}")))
    }
}

impl EnvSettings {
    fn external_id(&self, production: bool) -> Result<IdentityProvider, ConfigError> {
        let context = self.external_id_mfa_auth_context.trim().to_string();
        // Authentication context ids are c1..c99.
        let context_ok = context
            .strip_prefix('c')
            .and_then(|n| n.parse::<u8>().ok())
            .is_some_and(|n| (1..=99).contains(&n));
        if !context_ok {
            return Err(bad(
                "ENTRA_EXTERNAL_ID_MFA_AUTH_CONTEXT",
                format!("must be an authentication context id c1 to c99, not {context:?}"),
            ));
        }
        let Some(authority) = non_empty(&self.external_id_authority) else {
            if production {
                return Err(bad(
                    "ENTRA_EXTERNAL_ID_AUTHORITY",
                    "is required when PORTAL_ENV=production (the local emulator is for development only)",
                ));
            }
            if context != crate::b2c_emulator::auth_context::EXTERNAL_ID_AUTH_CONTEXT {
                return Err(bad(
                    "ENTRA_EXTERNAL_ID_MFA_AUTH_CONTEXT",
                    "must be c1 with the local emulator (set ENTRA_EXTERNAL_ID_AUTHORITY for a real tenant)",
                ));
            }
            return Ok(IdentityProvider::Emulator {
                listen: parse_addr("PORTAL_DEV_B2C_LISTEN", &self.dev_b2c_listen)?,
                flavour: Flavour::ExternalId,
            });
        };
        let need = |variable: &'static str, value: &Option<String>| {
            non_empty(value).ok_or_else(|| {
                bad(
                    variable,
                    "is required when ENTRA_EXTERNAL_ID_AUTHORITY is set",
                )
            })
        };
        let tenant_id = need("ENTRA_EXTERNAL_ID_TENANT_ID", &self.external_id_tenant_id)?;
        // The tenant id is pinned against `tid` and goes into URLs: a GUID and nothing else.
        if uuid::Uuid::parse_str(&tenant_id).is_err() || tenant_id.len() != 36 {
            return Err(bad(
                "ENTRA_EXTERNAL_ID_TENANT_ID",
                "must be the tenant's id, a GUID like 00000000-0000-0000-0000-000000000000",
            ));
        }
        let tenant_id = tenant_id.to_ascii_lowercase();
        let authority = external_id_authority(&authority, &tenant_id)?;
        Ok(IdentityProvider::ExternalId(ExternalIdSettings {
            authority,
            tenant_id,
            client_id: need("ENTRA_EXTERNAL_ID_CLIENT_ID", &self.external_id_client_id)?,
            client_secret: Secret::new(non_empty(&self.external_id_client_secret).ok_or_else(
                || {
                    bad(
                        "ENTRA_EXTERNAL_ID_CLIENT_SECRET",
                        "is required when ENTRA_EXTERNAL_ID_AUTHORITY is set",
                    )
                },
            )?),
            mfa_auth_context: context,
        }))
    }

    pub fn validate(&self) -> Result<Settings, ConfigError> {
        let production = match self.environment.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" | "" => false,
            "production" | "prod" => true,
            other => {
                return Err(bad(
                    "PORTAL_ENV",
                    format!("must be development or production, not {other:?}"),
                ))
            }
        };
        let public_url = Url::parse(self.public_url.trim())
            .map_err(|e| bad("PORTAL_PUBLIC_URL", format!("is not a URL ({e})")))?;
        if public_url.scheme() != "https" {
            return Err(bad("PORTAL_PUBLIC_URL", "must start with https://"));
        }
        if public_url.query().is_some() || public_url.fragment().is_some() {
            return Err(bad(
                "PORTAL_PUBLIC_URL",
                "must not have a query or fragment",
            ));
        }
        let listen = parse_addr("PORTAL_LISTEN", &self.listen)?;
        let behind_proxy = parse_bool("PORTAL_BEHIND_PROXY", &self.behind_proxy)?;
        let tls = match (non_empty(&self.tls_cert), non_empty(&self.tls_key)) {
            (Some(cert), Some(key)) => {
                for (var, path) in [("PORTAL_TLS_CERT", &cert), ("PORTAL_TLS_KEY", &key)] {
                    if !std::path::Path::new(path).is_file() {
                        return Err(bad(var, format!("no such file: {path}")));
                    }
                }
                Some((PathBuf::from(cert), PathBuf::from(key)))
            }
            (None, None) => None,
            (Some(_), None) => {
                return Err(bad("PORTAL_TLS_KEY", "is required with PORTAL_TLS_CERT"))
            }
            (None, Some(_)) => {
                return Err(bad("PORTAL_TLS_CERT", "is required with PORTAL_TLS_KEY"))
            }
        };
        let is_local = matches!(public_url.host_str(), Some("localhost" | "127.0.0.1"));
        if tls.is_none() && !behind_proxy && !is_local {
            return Err(bad(
                "PORTAL_TLS_CERT",
                "is required for a public URL other than localhost (or set PORTAL_BEHIND_PROXY=true)",
            ));
        }
        let data_dir = PathBuf::from(self.data_dir.trim());
        if self.data_dir.trim().is_empty() {
            return Err(bad("PORTAL_DATA_DIR", "must not be empty"));
        }
        let database_url = match non_empty(&self.database_url) {
            Some(url) if Engine::of_url(&url).is_some() => url,
            Some(_) => {
                return Err(bad(
                    "DATABASE_URL",
                    "must start with sqlite: or postgres://",
                ))
            }
            None => format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("portal.sqlite").display()
            ),
        };
        let database_url = Secret::new(database_url);
        let extra_ca_files = match non_empty(&self.extra_ca_file) {
            Some(path) if std::path::Path::new(&path).is_file() => vec![PathBuf::from(path)],
            Some(path) => return Err(bad("PORTAL_EXTRA_CA_FILE", format!("no such file: {path}"))),
            None => vec![],
        };
        let flavour = match self.identity_provider.trim().to_ascii_lowercase().as_str() {
            "b2c" | "" => Flavour::B2c,
            "external-id" => Flavour::ExternalId,
            other => {
                return Err(bad(
                    "PORTAL_IDENTITY_PROVIDER",
                    format!("must be b2c or external-id, not {other:?}"),
                ))
            }
        };
        // Settings of the other provider are a mistake, not something to ignore silently.
        let stray = match flavour {
            Flavour::B2c => vec![
                (
                    "ENTRA_EXTERNAL_ID_AUTHORITY",
                    non_empty(&self.external_id_authority).is_some(),
                ),
                (
                    "ENTRA_EXTERNAL_ID_TENANT_ID",
                    non_empty(&self.external_id_tenant_id).is_some(),
                ),
                (
                    "ENTRA_EXTERNAL_ID_CLIENT_ID",
                    non_empty(&self.external_id_client_id).is_some(),
                ),
                (
                    "ENTRA_EXTERNAL_ID_CLIENT_SECRET",
                    non_empty(&self.external_id_client_secret).is_some(),
                ),
                (
                    "ENTRA_EXTERNAL_ID_CALLBACK_PATH",
                    non_empty(&self.external_id_callback_path).is_some(),
                ),
                (
                    "ENTRA_EXTERNAL_ID_SIGNED_OUT_CALLBACK_PATH",
                    non_empty(&self.external_id_signed_out_callback_path).is_some(),
                ),
            ],
            Flavour::ExternalId => vec![
                (
                    "AZURE_AD_B2C_INSTANCE",
                    non_empty(&self.b2c_instance).is_some(),
                ),
                ("AZURE_AD_B2C_DOMAIN", non_empty(&self.b2c_domain).is_some()),
                (
                    "AZURE_AD_B2C_CLIENT_ID",
                    non_empty(&self.b2c_client_id).is_some(),
                ),
                (
                    "AZURE_AD_B2C_CLIENT_SECRET",
                    non_empty(&self.b2c_client_secret).is_some(),
                ),
                (
                    "AZURE_AD_B2C_SIGN_UP_SIGN_IN_POLICY_ID",
                    non_empty(&self.b2c_susi_policy).is_some(),
                ),
                (
                    "AZURE_AD_B2C_RESET_PASSWORD_POLICY_ID",
                    non_empty(&self.b2c_reset_policy).is_some(),
                ),
                (
                    "AZURE_AD_B2C_EDIT_PROFILE_POLICY_ID",
                    non_empty(&self.b2c_edit_policy).is_some(),
                ),
            ],
        };
        if let Some((variable, _)) = stray.iter().find(|(_, set)| *set) {
            let selected = match flavour {
                Flavour::B2c => "b2c",
                Flavour::ExternalId => "external-id",
            };
            return Err(bad(
                variable,
                format!("does not apply with PORTAL_IDENTITY_PROVIDER={selected}"),
            ));
        }
        let identity = match (flavour, non_empty(&self.b2c_instance)) {
            (Flavour::ExternalId, _) => self.external_id(production)?,
            (Flavour::B2c, Some(instance)) => {
                let instance = Url::parse(&instance)
                    .map_err(|e| bad("AZURE_AD_B2C_INSTANCE", format!("is not a URL ({e})")))?;
                if instance.scheme() != "https" {
                    return Err(bad("AZURE_AD_B2C_INSTANCE", "must start with https://"));
                }
                let domain = required("AZURE_AD_B2C_DOMAIN", &self.b2c_domain)?;
                if domain.contains(['/', '?', '#', ' ']) {
                    return Err(bad("AZURE_AD_B2C_DOMAIN", "must be a domain like contoso.onmicrosoft.com"));
                }
                IdentityProvider::AzureB2c(B2cSettings {
                    instance,
                    domain,
                    client_id: required("AZURE_AD_B2C_CLIENT_ID", &self.b2c_client_id)?,
                    client_secret: Secret::new(required("AZURE_AD_B2C_CLIENT_SECRET", &self.b2c_client_secret)?),
                    susi_policy: parse_policy(
                        "AZURE_AD_B2C_SIGN_UP_SIGN_IN_POLICY_ID",
                        required("AZURE_AD_B2C_SIGN_UP_SIGN_IN_POLICY_ID", &self.b2c_susi_policy)?,
                    )?,
                    reset_policy: non_empty(&self.b2c_reset_policy)
                        .map(|p| parse_policy("AZURE_AD_B2C_RESET_PASSWORD_POLICY_ID", p))
                        .transpose()?,
                    edit_policy: non_empty(&self.b2c_edit_policy)
                        .map(|p| parse_policy("AZURE_AD_B2C_EDIT_PROFILE_POLICY_ID", p))
                        .transpose()?,
                })
            }
            (Flavour::B2c, None) if production => {
                return Err(bad(
                    "AZURE_AD_B2C_INSTANCE",
                    "is required when PORTAL_ENV=production (the local B2C emulator is for development only)",
                ))
            }
            (Flavour::B2c, None) => IdentityProvider::Emulator {
                listen: parse_addr("PORTAL_DEV_B2C_LISTEN", &self.dev_b2c_listen)?,
                flavour,
            },
        };
        let response_mode = match self.response_mode.trim() {
            "query" => ResponseMode::Query,
            "form_post" => ResponseMode::FormPost,
            other => {
                return Err(bad(
                    "AZURE_AD_B2C_RESPONSE_MODE",
                    format!("must be query or form_post, not {other:?}"),
                ))
            }
        };
        let (callback_var, callback_value, signed_out_var, signed_out_value) = match flavour {
            Flavour::B2c => (
                "AZURE_AD_B2C_CALLBACK_PATH",
                self.callback_path.clone(),
                "AZURE_AD_B2C_SIGNED_OUT_CALLBACK_PATH",
                self.signed_out_callback_path.clone(),
            ),
            Flavour::ExternalId => (
                "ENTRA_EXTERNAL_ID_CALLBACK_PATH",
                non_empty(&self.external_id_callback_path)
                    .unwrap_or_else(|| self.callback_path.clone()),
                "ENTRA_EXTERNAL_ID_SIGNED_OUT_CALLBACK_PATH",
                non_empty(&self.external_id_signed_out_callback_path)
                    .unwrap_or_else(|| self.signed_out_callback_path.clone()),
            ),
        };
        let callback_path = parse_path(callback_var, callback_value.trim())?;
        let signed_out_callback_path = parse_path(signed_out_var, signed_out_value.trim())?;
        if callback_path == signed_out_callback_path {
            return Err(bad(
                signed_out_var,
                format!("must differ from {callback_var}"),
            ));
        }
        // External ID carries roles best as App Roles, in `roles`.
        let role_claim = match (&self.role_claim, flavour) {
            (Some(claim), _) => claim.trim().to_string(),
            (None, Flavour::B2c) => "extension_Role".to_string(),
            (None, Flavour::ExternalId) => "roles".to_string(),
        };
        if role_claim.is_empty() {
            return Err(bad("PORTAL_ROLE_CLAIM", "must not be empty"));
        }
        let clinician_role = self.clinician_role.trim().to_string();
        if clinician_role.is_empty() {
            return Err(bad("PORTAL_CLINICIAN_ROLE", "must not be empty"));
        }
        let idle = parse_positive("PORTAL_SESSION_IDLE_MINUTES", &self.session_idle_minutes)?;
        let max = parse_positive("PORTAL_SESSION_MAX_HOURS", &self.session_max_hours)?;
        // A session of a patient portal is a visit, not a lifetime; these bounds also keep the
        // values inside what a Duration can hold.
        if max > 7.0 * 24.0 {
            return Err(bad(
                "PORTAL_SESSION_MAX_HOURS",
                "must be at most 168 (one week)",
            ));
        }
        if idle > max * 60.0 {
            return Err(bad(
                "PORTAL_SESSION_IDLE_MINUTES",
                "must not be longer than PORTAL_SESSION_MAX_HOURS",
            ));
        }
        let signin_per_minute =
            parse_count("PORTAL_SIGNIN_PER_MINUTE", &self.signin_per_minute, 100_000)?;
        let upload_bytes_in_flight = parse_count(
            "PORTAL_UPLOAD_BYTES_IN_FLIGHT",
            &self.upload_bytes_in_flight,
            u32::MAX,
        )? as usize;
        let pending_signins_max = parse_count(
            "PORTAL_PENDING_SIGNINS_MAX",
            &self.pending_signins_max,
            10_000_000,
        )?;
        let break_glass = parse_positive("PORTAL_BREAK_GLASS_MINUTES", &self.break_glass_minutes)?;
        if break_glass > 24.0 * 60.0 {
            return Err(bad(
                "PORTAL_BREAK_GLASS_MINUTES",
                "must be at most 1440 (24 hours): a grant is for one emergency",
            ));
        }
        // A step-up proves a sign-in of the last few minutes: past an hour it proves little.
        let step_up_minutes = parse_count("PORTAL_STEP_UP_MINUTES", &self.step_up_minutes, 60)?;
        let proxy_adult_age = parse_count("PORTAL_PROXY_ADULT_AGE", &self.proxy_adult_age, 25)?;
        let proxy_child_age_limit = parse_count(
            "PORTAL_PROXY_CHILD_AGE_LIMIT",
            &self.proxy_child_age_limit,
            25,
        )?;
        if proxy_child_age_limit > proxy_adult_age {
            return Err(bad(
                "PORTAL_PROXY_CHILD_AGE_LIMIT",
                "must be at most PORTAL_PROXY_ADULT_AGE",
            ));
        }
        let time_zone: chrono_tz::Tz = self.time_zone.trim().parse().map_err(|_| {
            bad(
                "PORTAL_TIME_ZONE",
                format!(
                    "must be an IANA time zone name such as Europe/London, not {:?}",
                    self.time_zone
                ),
            )
        })?;
        // Only a language the switch offers: not the pseudo language, which is asked for.
        let default_language = crate::i18n::Lang::parse(&self.default_language)
            .filter(|l| crate::i18n::Lang::all().contains(l))
            .filter(|l| l.code().eq_ignore_ascii_case(self.default_language.trim()))
            .ok_or_else(|| {
                let codes: Vec<&str> = crate::i18n::Lang::all().iter().map(|l| l.code()).collect();
                bad(
                    "PORTAL_DEFAULT_LANGUAGE",
                    format!(
                        "must be one of {}, not {:?}",
                        codes.join(", "),
                        self.default_language
                    ),
                )
            })?;
        let pseudo_language = parse_bool("PORTAL_PSEUDO_LANGUAGE", &self.pseudo_language)?;
        let cancel_notice_hours = parse_count(
            "PORTAL_APPOINTMENT_CANCEL_NOTICE_HOURS",
            &self.appointment_cancel_notice_hours,
            24 * 31,
        )?;
        let log_format = match self.log_format.trim() {
            "pretty" | "" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => {
                return Err(bad(
                    "PORTAL_LOG_FORMAT",
                    format!("must be pretty or json, not {other:?}"),
                ))
            }
        };
        let fhir_rate_limit = match self.fhir_rate_limit.trim().parse::<u32>() {
            Ok(n) if (1..=100_000).contains(&n) => n,
            _ => {
                return Err(bad(
                    "PORTAL_FHIR_RATE_LIMIT",
                    "must be a whole number from 1 to 100000",
                ))
            }
        };
        let (audit_key_file, audit_key_generated) = match non_empty(&self.audit_key_file) {
            Some(path) if std::path::Path::new(&path).is_file() => {
                crate::audit::key::AuditKey::load(std::path::Path::new(&path))
                    .map_err(|e| bad("PORTAL_AUDIT_KEY_FILE", e.to_string()))?;
                (PathBuf::from(path), false)
            }
            Some(path) => return Err(bad("PORTAL_AUDIT_KEY_FILE", format!("no such file: {path}"))),
            None if production => {
                return Err(bad(
                    "PORTAL_AUDIT_KEY_FILE",
                    "is required when PORTAL_ENV=production (a key kept outside the database; make one with `openssl rand -hex 32`)",
                ))
            }
            None => (data_dir.join("audit.key"), true),
        };
        let (shl_wrap_key_file, shl_wrap_key_generated) = match non_empty(&self.shl_wrap_key_file) {
            Some(path) if std::path::Path::new(&path).is_file() => {
                crate::sharing::wrap::WrapKey::load(std::path::Path::new(&path))
                    .map_err(|e| bad("PORTAL_SHL_WRAP_KEY_FILE", e.to_string()))?;
                (PathBuf::from(path), false)
            }
            Some(path) => {
                return Err(bad(
                    "PORTAL_SHL_WRAP_KEY_FILE",
                    format!("no such file: {path}"),
                ))
            }
            None => (data_dir.join(crate::sharing::wrap::DEFAULT_FILE), true),
        };
        let smtp = parse_smtp(&self.smtp_url)?;
        let mail_from = self
            .mail_from
            .trim()
            .parse::<lettre::message::Mailbox>()
            .map_err(|_| {
                bad(
                    "PORTAL_MAIL_FROM",
                    format!(
                        "must be an address like Patient portal <no-reply@example.org>, not {:?}",
                        self.mail_from
                    ),
                )
            })?;
        let metrics = metrics_settings(
            self.metrics_listen.as_deref(),
            self.metrics_token.as_ref(),
            listen,
        )?;
        Ok(Settings {
            public_url,
            listen,
            tls,
            behind_proxy,
            data_dir,
            database_url,
            extra_ca_files,
            production,
            identity,
            callback_path,
            signed_out_callback_path,
            response_mode,
            role_claim,
            clinician_role,
            session_idle: std::time::Duration::from_secs_f64(idle * 60.0),
            session_max: std::time::Duration::from_secs_f64(max * 3600.0),
            signin_per_minute,
            pending_signins_max: i64::from(pending_signins_max),
            upload_bytes_in_flight,
            break_glass: std::time::Duration::from_secs_f64(break_glass * 60.0),
            step_up: std::time::Duration::from_secs(u64::from(step_up_minutes) * 60),
            proxy_child_age_limit,
            proxy_adult_age,
            time_zone,
            default_language,
            pseudo_language,
            cancel_notice: std::time::Duration::from_secs(u64::from(cancel_notice_hours) * 3600),
            log_format,
            fhir_rate_limit,
            audit_key_file,
            audit_key_generated,
            shl_wrap_key_file,
            shl_wrap_key_generated,
            smtp,
            mail_from,
            metrics,
        })
    }
}

/// Where the figures are served: PORTAL_METRICS_LISTEN and PORTAL_METRICS_TOKEN, checked.
#[derive(Debug, Clone)]
pub struct MetricsSettings {
    pub listen: SocketAddr,
    pub token: Option<Secret<String>>,
}

const METRICS_TOKEN_MIN: usize = 32;

/// Checks the two variables together. A token without a listener, or a listener off loopback
/// without a token, is a mistake (exit 2), not something to ignore: the figures would be
/// either unreachable or open to the network.
pub fn metrics_settings(
    listen: Option<&str>,
    token: Option<&Secret<String>>,
    portal_listen: SocketAddr,
) -> Result<Option<MetricsSettings>, ConfigError> {
    let listen = listen.map(str::trim).filter(|s| !s.is_empty());
    let token = token
        .map(|t| t.expose().trim().to_string())
        .filter(|t| !t.is_empty());
    let Some(listen) = listen else {
        if token.is_some() {
            return Err(ConfigError::new(
                "PORTAL_METRICS_TOKEN",
                "does nothing without PORTAL_METRICS_LISTEN (the metrics are only served there)",
            ));
        }
        return Ok(None);
    };
    let listen: SocketAddr = listen.parse().map_err(|_| {
        ConfigError::new(
            "PORTAL_METRICS_LISTEN",
            format!("must be an address like 127.0.0.1:9464, not {listen:?}"),
        )
    })?;
    if listen == portal_listen {
        return Err(ConfigError::new(
            "PORTAL_METRICS_LISTEN",
            "must differ from PORTAL_LISTEN: the metrics are never served on the portal's listener",
        ));
    }
    if let Some(token) = &token {
        // The value is never repeated in the message.
        if token.len() < METRICS_TOKEN_MIN || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::new(
                "PORTAL_METRICS_TOKEN",
                format!(
                    "must be at least {METRICS_TOKEN_MIN} visible ASCII characters without spaces (e.g. `openssl rand -hex 32`)"
                ),
            ));
        }
    } else if !listen.ip().is_loopback() {
        return Err(ConfigError::new(
            "PORTAL_METRICS_TOKEN",
            format!("is required when PORTAL_METRICS_LISTEN is not a loopback address ({listen})"),
        ));
    }
    Ok(Some(MetricsSettings {
        listen,
        token: token.map(Secret::new),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The settings with nothing set: the shell running the tests must not matter.
    fn defaults() -> EnvSettings {
        parse(&[], &[]).env
    }

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Cli {
        let args = std::iter::once("patient-portal").chain(args.iter().copied());
        Cli::try_parse_with_env(args, env.iter().copied()).unwrap()
    }

    #[test]
    fn settings_come_from_the_given_environment_and_the_command_line_wins() {
        let env = [
            ("PORTAL_PUBLIC_URL", "https://portal.example.org"),
            ("PORTAL_SESSION_IDLE_MINUTES", "5"),
        ];
        let cli = parse(&[], &env);
        assert_eq!(cli.env.public_url, "https://portal.example.org");
        assert_eq!(cli.env.session_idle_minutes, "5");
        assert_eq!(cli.env.listen, "127.0.0.1:8443", "unset: the default");
        let cli = parse(&["--public-url=https://other.example.org"], &env);
        assert_eq!(cli.env.public_url, "https://other.example.org");
        let cli = parse(&["audit", "verify"], &env);
        assert!(matches!(
            cli.command,
            Some(Command::Audit {
                action: AuditAction::Verify { .. }
            })
        ));
    }

    #[test]
    fn help_still_names_each_variable() {
        let err = Cli::try_parse_with_env(["patient-portal", "--help"], [("PORTAL_ENV", "x")])
            .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp);
        let help = err.to_string();
        assert!(help.contains("PORTAL_PUBLIC_URL"), "{help}");
        assert!(help.contains("AZURE_AD_B2C_CLIENT_SECRET"), "{help}");
    }

    #[test]
    fn defaults_select_the_emulator() {
        let s = defaults().validate().unwrap();
        assert!(s.uses_emulator());
        assert_eq!(s.redirect_url(), "https://localhost:8443/signin-oidc");
        assert_eq!(s.session_idle.as_secs(), 15 * 60);
        assert_eq!(s.break_glass.as_secs(), 60 * 60);
        assert_eq!(s.step_up.as_secs(), 10 * 60);
        assert_eq!((s.proxy_child_age_limit, s.proxy_adult_age), (12, 18));
        assert_eq!(s.time_zone, chrono_tz::Tz::UTC);
        assert_eq!(s.cancel_notice.as_secs(), 24 * 3600);
    }

    #[test]
    fn the_default_language_is_one_the_portal_speaks() {
        let s = defaults().validate().unwrap();
        assert_eq!(s.default_language, crate::i18n::Lang::En);
        let mut env = defaults();
        env.default_language = "es".into();
        assert_eq!(
            env.validate().unwrap().default_language,
            crate::i18n::Lang::Es
        );
        // zz: no language's code, so no directory of locales/ will be named so.
        for bad in ["zz", "", "es-MX", "spanish", "en-XA"] {
            let mut env = defaults();
            env.default_language = bad.into();
            let error = env.validate().unwrap_err();
            assert_eq!(error.variable, "PORTAL_DEFAULT_LANGUAGE", "{bad:?}");
            // The error names every language compiled in (the directories of locales/).
            for lang in crate::i18n::Lang::all() {
                assert!(error.problem.contains(lang.code()), "{}", error.problem);
            }
        }
        // Any language compiled in, whatever its code's case.
        for &lang in crate::i18n::Lang::all() {
            let mut env = defaults();
            env.default_language = lang.code().to_ascii_uppercase();
            assert_eq!(env.validate().unwrap().default_language, lang);
        }
    }

    #[test]
    fn the_pseudo_language_is_off_unless_turned_on() {
        assert!(!defaults().validate().unwrap().pseudo_language);
        let mut env = defaults();
        env.pseudo_language = "true".into();
        assert!(env.validate().unwrap().pseudo_language);
        env.pseudo_language = "sometimes".into();
        assert_eq!(
            env.validate().unwrap_err().variable,
            "PORTAL_PSEUDO_LANGUAGE"
        );
    }

    #[test]
    fn the_clinic_time_zone_is_an_iana_name_and_the_notice_whole_hours() {
        let mut env = defaults();
        env.time_zone = "Europe/London".into();
        env.appointment_cancel_notice_hours = "48".into();
        let s = env.validate().unwrap();
        assert_eq!(s.time_zone, chrono_tz::Europe::London);
        assert_eq!(s.cancel_notice.as_secs(), 48 * 3600);
        for zone in ["Mars/Olympus_Mons", "", "GMT+25"] {
            let mut env = defaults();
            env.time_zone = zone.into();
            assert_eq!(
                env.validate().unwrap_err().variable,
                "PORTAL_TIME_ZONE",
                "{zone:?}"
            );
        }
        for hours in ["0", "-1", "1.5", "many"] {
            let mut env = defaults();
            env.appointment_cancel_notice_hours = hours.into();
            assert_eq!(
                env.validate().unwrap_err().variable,
                "PORTAL_APPOINTMENT_CANCEL_NOTICE_HOURS",
                "{hours:?}"
            );
        }
    }

    #[test]
    fn guardian_ages_are_whole_years_the_child_limit_at_most_the_adult_age() {
        let ages = |child: &str, adult: &str| {
            let mut env = defaults();
            env.proxy_child_age_limit = child.into();
            env.proxy_adult_age = adult.into();
            env.validate()
                .map(|s| (s.proxy_child_age_limit, s.proxy_adult_age))
                .map_err(|e| e.variable)
        };
        assert_eq!(ages("13", "16"), Ok((13, 16)));
        assert_eq!(ages("16", "16"), Ok((16, 16)));
        assert_eq!(ages("17", "16"), Err("PORTAL_PROXY_CHILD_AGE_LIMIT"));
        assert_eq!(ages("0", "18"), Err("PORTAL_PROXY_CHILD_AGE_LIMIT"));
        assert_eq!(ages("12", "26"), Err("PORTAL_PROXY_ADULT_AGE"));
        assert_eq!(ages("12", "eighteen"), Err("PORTAL_PROXY_ADULT_AGE"));
    }

    #[test]
    fn step_up_minutes_are_whole_minutes_from_1_to_60() {
        for (minutes, secs) in [("1", 60), ("60", 3600), (" 15 ", 900)] {
            let mut env = defaults();
            env.step_up_minutes = minutes.into();
            assert_eq!(
                env.validate().unwrap().step_up.as_secs(),
                secs,
                "{minutes:?}"
            );
        }
        for minutes in ["0", "61", "-1", "1.5", "soon", ""] {
            let mut env = defaults();
            env.step_up_minutes = minutes.into();
            assert_eq!(
                env.validate().unwrap_err().variable,
                "PORTAL_STEP_UP_MINUTES",
                "{minutes:?}"
            );
        }
    }

    #[test]
    fn a_real_tenant_needs_its_client_id() {
        let mut env = defaults();
        env.b2c_instance = Some("https://contoso.b2clogin.com".into());
        env.b2c_domain = Some("contoso.onmicrosoft.com".into());
        let err = env.validate().unwrap_err();
        assert_eq!(err.variable, "AZURE_AD_B2C_CLIENT_ID");
    }

    fn external_id() -> EnvSettings {
        let mut env = defaults();
        env.identity_provider = "external-id".into();
        env.external_id_authority = Some("https://contoso.ciamlogin.com/".into());
        env.external_id_tenant_id = Some("775527FF-9a37-4307-8b3d-cc311f58d925".into());
        env.external_id_client_id = Some("client".into());
        env.external_id_client_secret = Some("secret".into());
        env
    }

    /// Every authority form Microsoft documents starts, discovering at the tenant-id path of
    /// its own host; anything else stops the start with exit 2 naming the variable.
    #[test]
    fn every_documented_external_id_authority_form_starts_and_others_are_refused() {
        let tid = "775527ff-9a37-4307-8b3d-cc311f58d925";
        for (raw, origin) in [
            (
                "https://contoso.ciamlogin.com",
                "https://contoso.ciamlogin.com/",
            ),
            (
                "https://contoso.ciamlogin.com/",
                "https://contoso.ciamlogin.com/",
            ),
            (
                "https://contoso.ciamlogin.com/775527FF-9a37-4307-8b3d-cc311f58d925",
                "https://contoso.ciamlogin.com/",
            ),
            (
                "https://contoso.ciamlogin.com/contoso.onmicrosoft.com/",
                "https://contoso.ciamlogin.com/",
            ),
            (
                "https://login.contoso.com/775527ff-9a37-4307-8b3d-cc311f58d925/v2.0",
                "https://login.contoso.com/",
            ),
            (
                "https://login.contoso.com/contoso.com",
                "https://login.contoso.com/",
            ),
        ] {
            let mut env = external_id();
            env.external_id_authority = Some(raw.into());
            let s = env.validate().unwrap_or_else(|e| panic!("{raw}: {e}"));
            let IdentityProvider::ExternalId(x) = &s.identity else {
                panic!("{raw}: not External ID");
            };
            assert_eq!(x.authority.as_str(), origin, "{raw}");
            assert_eq!(x.tenant_id, tid);
        }
        for raw in [
            "http://contoso.ciamlogin.com/",
            "https://contoso.ciamlogin.com/00000000-0000-0000-0000-000000000001",
            "https://contoso.ciamlogin.com/contoso.onmicrosoft.com/extra/path",
            "https://contoso.ciamlogin.com/tfp/contoso.onmicrosoft.com/B2C_1_susi",
            "https://contoso.ciamlogin.com/contoso",
            "https://contoso.ciamlogin.com/?p=x",
            "contoso.ciamlogin.com",
        ] {
            let mut env = external_id();
            env.external_id_authority = Some(raw.into());
            let err = env.validate().unwrap_err();
            assert_eq!(err.variable, "ENTRA_EXTERNAL_ID_AUTHORITY", "{raw}");
        }
    }

    #[test]
    fn external_id_defaults_follow_b2c_and_roles_come_from_app_roles() {
        let s = external_id().validate().unwrap();
        assert_eq!(s.flavour(), Flavour::ExternalId);
        assert_eq!(s.redirect_url(), "https://localhost:8443/signin-oidc");
        assert_eq!(
            s.signed_out_url(),
            "https://localhost:8443/signout-callback-oidc"
        );
        assert_eq!(s.role_claim, "roles");
        let IdentityProvider::ExternalId(x) = &s.identity else {
            panic!("external id settings")
        };
        assert_eq!(x.mfa_auth_context, "c1");
        assert_eq!(x.tenant_id, "775527ff-9a37-4307-8b3d-cc311f58d925");
        // An explicit role claim wins; B2C keeps its default.
        let mut env = external_id();
        env.role_claim = Some("extension_Role".into());
        assert_eq!(env.validate().unwrap().role_claim, "extension_Role");
        assert_eq!(defaults().validate().unwrap().role_claim, "extension_Role");
        // The other provider's settings are refused, not ignored.
        let mut env = defaults();
        env.external_id_callback_path = Some("/eid-reply".into());
        assert_eq!(
            env.validate().unwrap_err().variable,
            "ENTRA_EXTERNAL_ID_CALLBACK_PATH"
        );
        let mut env = external_id();
        env.b2c_susi_policy = Some("B2C_1_susi_mfa".into());
        assert_eq!(
            env.validate().unwrap_err().variable,
            "AZURE_AD_B2C_SIGN_UP_SIGN_IN_POLICY_ID"
        );
        let mut env = external_id();
        env.external_id_callback_path = Some("/eid-reply".into());
        assert_eq!(
            env.validate().unwrap().redirect_url(),
            "https://localhost:8443/eid-reply"
        );
    }

    #[test]
    fn external_id_auth_contexts_are_c1_to_c99() {
        for bad_value in ["", "c0", "c100", "C1", "c1 ", "x1", "c1,c2"] {
            let mut env = external_id();
            env.external_id_mfa_auth_context = bad_value.into();
            if bad_value == "c1 " {
                // Trimmed like every other value.
                assert!(env.validate().is_ok());
                continue;
            }
            assert_eq!(
                env.validate().unwrap_err().variable,
                "ENTRA_EXTERNAL_ID_MFA_AUTH_CONTEXT",
                "{bad_value:?}"
            );
        }
        let mut env = external_id();
        env.external_id_mfa_auth_context = "c25".into();
        assert!(env.validate().is_ok());
    }

    #[test]
    fn production_refuses_the_emulator() {
        let mut env = defaults();
        env.environment = "production".into();
        assert_eq!(
            env.validate().unwrap_err().variable,
            "AZURE_AD_B2C_INSTANCE"
        );
    }

    #[test]
    fn production_requires_an_audit_key_file() {
        let mut env = defaults();
        env.environment = "production".into();
        env.b2c_instance = Some("https://contoso.b2clogin.com".into());
        env.b2c_domain = Some("contoso.onmicrosoft.com".into());
        env.b2c_client_id = Some("5e2c9a3a-8f4b-4c1e-9d7a-0b6f2e1c3d4a".into());
        env.b2c_client_secret = Some("a-client-secret-that-is-long-enough".into());
        env.b2c_susi_policy = Some("B2C_1_susi_mfa".into());
        env.audit_key_file = None;
        assert_eq!(
            env.validate().unwrap_err().variable,
            "PORTAL_AUDIT_KEY_FILE"
        );
        env.audit_key_file = Some("/no/such/audit.key".into());
        assert_eq!(
            env.validate().unwrap_err().variable,
            "PORTAL_AUDIT_KEY_FILE"
        );
        let key = tempfile::NamedTempFile::new().unwrap();
        env.audit_key_file = Some(key.path().display().to_string());
        assert_eq!(
            env.validate().unwrap_err().variable,
            "PORTAL_AUDIT_KEY_FILE",
            "an empty key file is refused"
        );
        std::fs::write(key.path(), "ab".repeat(32)).unwrap();
        let s = env.validate().unwrap();
        assert!(!s.audit_key_generated);
    }

    #[test]
    fn a_share_link_wrapping_key_file_must_exist_and_hold_a_key() {
        let s = defaults().validate().unwrap();
        assert!(s.shl_wrap_key_generated);
        assert!(s.shl_wrap_key_file.ends_with("shl-wrap.key"));
        let mut env = defaults();
        env.shl_wrap_key_file = Some("/no/such/shl-wrap.key".into());
        assert_eq!(
            env.validate().unwrap_err().variable,
            "PORTAL_SHL_WRAP_KEY_FILE"
        );
        let key = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(key.path(), "not a key").unwrap();
        env.shl_wrap_key_file = Some(key.path().display().to_string());
        let err = env.validate().unwrap_err();
        assert_eq!(err.variable, "PORTAL_SHL_WRAP_KEY_FILE");
        assert!(err.problem.contains("64 hex digits"), "{}", err.problem);
        std::fs::write(key.path(), "cd".repeat(32)).unwrap();
        assert!(!env.validate().unwrap().shl_wrap_key_generated);
    }

    #[test]
    fn bad_values_name_their_variable() {
        let mut env = defaults();
        env.response_mode = "fragment".into();
        assert_eq!(
            env.validate().unwrap_err().variable,
            "AZURE_AD_B2C_RESPONSE_MODE"
        );
        let mut env = defaults();
        env.public_url = "http://localhost:8443".into();
        assert_eq!(env.validate().unwrap_err().variable, "PORTAL_PUBLIC_URL");
        let mut env = defaults();
        env.session_idle_minutes = "0".into();
        assert_eq!(
            env.validate().unwrap_err().variable,
            "PORTAL_SESSION_IDLE_MINUTES"
        );
        let mut env = defaults();
        env.smtp_url = Some("http://user:secret@mail.example.org".into());
        let err = env.validate().unwrap_err();
        assert_eq!(err.variable, "PORTAL_SMTP_URL");
        assert!(!err.problem.contains("secret"));
        let mut env = defaults();
        env.mail_from = "not an address".into();
        assert_eq!(env.validate().unwrap_err().variable, "PORTAL_MAIL_FROM");
        let mut env = defaults();
        env.callback_path = "signin".into();
        assert_eq!(
            env.validate().unwrap_err().variable,
            "AZURE_AD_B2C_CALLBACK_PATH"
        );
    }

    #[test]
    fn settings_print_no_secret() {
        let key = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(key.path(), "ab".repeat(32)).unwrap();
        let env = [
            ("AZURE_AD_B2C_INSTANCE", "https://contoso.b2clogin.com"),
            ("AZURE_AD_B2C_DOMAIN", "contoso.onmicrosoft.com"),
            (
                "AZURE_AD_B2C_CLIENT_ID",
                "5e2c9a3a-8f4b-4c1e-9d7a-0b6f2e1c3d4a",
            ),
            ("AZURE_AD_B2C_CLIENT_SECRET", "b2c-client-secret-value"),
            ("AZURE_AD_B2C_SIGN_UP_SIGN_IN_POLICY_ID", "B2C_1_susi_mfa"),
            (
                "DATABASE_URL",
                "postgres://portal:db-password-value@db.example.org/portal",
            ),
            (
                "PORTAL_SMTP_URL",
                "smtps://mailer:smtp-password-value@mail.example.org:465",
            ),
            ("PORTAL_AUDIT_KEY_FILE", key.path().to_str().unwrap()),
        ];
        let cli = parse(&[], &env);
        let settings = cli.env.validate().unwrap();
        let IdentityProvider::AzureB2c(b2c) = &settings.identity else {
            panic!("a B2C tenant: {settings:?}");
        };
        assert_eq!(b2c.client_secret.expose(), "b2c-client-secret-value");
        assert_eq!(
            settings.database_url.expose(),
            "postgres://portal:db-password-value@db.example.org/portal"
        );
        let printed = [
            format!("{settings:?}"),
            format!("{settings:#?}"),
            format!("{cli:?}"),
        ];
        let audit_key = "ab".repeat(32);
        for text in &printed {
            for secret in [
                "b2c-client-secret-value",
                "db-password-value",
                "smtp-password-value",
                audit_key.as_str(),
            ] {
                assert!(!text.contains(secret), "{secret} printed in {text}");
            }
            assert!(text.contains("[redacted]"), "{text}");
        }
        // The External ID secret too.
        let mut external = external_id();
        external.external_id_client_secret = Some("external-id-secret-value".into());
        let settings = external.validate().unwrap();
        assert!(!format!("{settings:?}").contains("external-id-secret-value"));
    }
}
