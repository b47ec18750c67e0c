//! The portal as a browser sees it: real TLS, random ports, a provider shaped like B2C.

mod audit;
mod config;
mod crash;
mod external_id;
mod faults;
mod group_commit;
mod headers;
mod linking;
mod messages;
mod operator;
mod records;
mod sessions;
mod signin;
mod smart;
mod staff;
mod support;
