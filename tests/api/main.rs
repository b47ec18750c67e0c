//! The portal as a browser sees it: real TLS, random ports, a provider shaped like B2C.

mod activation_codes;
mod appointments;
mod audit;
mod break_glass;
mod config;
mod cors;
mod crash;
mod error_pages;
mod external_id;
mod faults;
mod forms;
mod group_commit;
mod headers;
mod home;
mod ids;
mod linking;
mod messages;
mod operator;
mod records;
mod renewals;
mod sessions;
mod signin;
mod smart;
mod staff_chart;
mod staff_search;
mod support;
