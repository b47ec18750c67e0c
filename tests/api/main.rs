//! The portal as a browser sees it: real TLS, random ports, a provider shaped like B2C.

mod audit;
mod config;
mod headers;
mod linking;
mod operator;
mod records;
mod sessions;
mod signin;
mod staff;
mod support;
