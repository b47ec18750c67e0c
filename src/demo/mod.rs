//! Demo data for development and the tests, kept out of the domains it fills: the deterministic
//! patient generator (`records`), the seed `cargo run` applies to an empty database with the
//! local emulator (`seed`), and the demo conversation it starts (`messages`).
//!
//! Depends on the domains (records, messages, the emulator's demo users); nothing in a domain
//! depends on it. Never runs against a real tenant: demo records have no place next to real ones.

pub mod messages;
mod notes;
mod people;
pub mod records;
pub mod seed;

pub use records::demo_patients;
