//! The portal as a browser sees it: real TLS, random ports, a provider shaped like B2C.

mod appointments;
mod audit;
mod config;
mod external_id;
mod faults;
mod headers;
mod linking;
mod messages;
mod operator;
mod records;
mod renewals;
mod sessions;
mod signin;
mod smart;
mod staff;
mod support;
