//! The portal as a browser sees it: real TLS, random ports, a provider shaped like B2C.

mod config;
mod headers;
mod sessions;
mod signin;
mod support;
