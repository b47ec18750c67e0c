//! The web layer shared by every area: templates, error pages, security headers, CSRF, assets.
//!
//! Owns how a response looks and which headers it carries. Never decides who may see what:
//! that is the extractors' job in `auth`.

pub mod assets;
pub mod cors;
pub mod csrf;
pub mod errors;
pub mod guards;
pub mod headers;
pub mod language;
pub mod page;
pub mod rate_limit;
pub mod request_line;
pub mod templates;
pub mod upload_budget;

pub use errors::AppError;
