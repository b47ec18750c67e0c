//! patient-portal: a server-rendered patient portal, an OpenID Connect relying party of
//! Azure AD B2C, with a local B2C emulator for development and tests.
//!
//! `main.rs` stays thin so that helper commands and the tests reuse everything here.

pub mod access;
pub mod activation;
pub mod appointments;
pub mod audit;
pub mod auth;
pub mod b2c_emulator;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod fhir_api;
pub mod home;
pub mod i18n;
pub mod messages;
pub mod metrics;
pub mod notifications;
pub mod pages;
pub mod proxy;
pub mod records;
pub mod renewals;
pub mod sharing;
pub mod smart;
pub mod staff;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tls;
pub mod vocab;
pub mod web;
