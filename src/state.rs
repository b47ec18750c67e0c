//! What every handler shares: settings, the database pool, the identity provider.
//!
//! Kept apart from `startup` (as crates.io keeps `app.rs` apart from its router) so that
//! handlers depend on the state and `startup` depends on the handlers, never the reverse.

use crate::auth::provider::Provider;
use crate::config::Settings;
use crate::db::Pool;

/// The user flows the portal uses.
#[derive(Debug, Clone)]
pub struct Policies {
    pub susi: String,
    pub reset: Option<String>,
    pub edit: Option<String>,
}

pub struct AppState {
    pub settings: Settings,
    pub pool: Pool,
    pub provider: Provider,
    pub policies: Policies,
    /// Wakes the notification sender after a commit that queued mail.
    pub mail_wake: crate::notifications::Wake,
    /// The most read chart parts, rendered once per version of a record.
    pub charts: crate::records::chart_cache::ChartCache,
    /// On SQLite, the hot reads that skip the pool's worker threads.
    pub direct: Option<std::sync::Arc<crate::db::direct::DirectReads>>,
    /// Message upload bytes in flight, capped (PORTAL_UPLOAD_BYTES_IN_FLIGHT).
    pub uploads: crate::web::upload_budget::UploadBudget,
}
