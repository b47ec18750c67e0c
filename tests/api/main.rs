//! The portal as a browser sees it: real TLS, random ports, a provider shaped like B2C.

mod audit;
mod config;
mod external_id;
mod headers;
mod linking;
mod records;
mod sessions;
mod signin;
mod staff;
mod support;
