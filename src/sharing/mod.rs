//! Sharing the record with someone outside the portal (#30): SMART Health Links (HL7 SMART
//! Health Cards and Links IG, STU1) carrying an International Patient Summary, immunizations,
//! lab results of a period or the whole record, and SMART Health Cards for immunizations.
//!
//! What it owns: the links' rows (`store`), the link format and its encryption (`shl`), what a
//! link carries (`ips`), the cards (`shc`), QR codes (`qr`), the patient's pages (`pages`) and
//! the public manifest, download and issuer-key endpoints (`manifest`).
//!
//! What it must never do: store a link's key in clear or log it (it is in the `shlink:/` the
//! patient hands out; an `L` link's key is kept only wrapped under a key held outside the
//! database, `wrap`), keep a passcode other than as an argon2 hash, or answer a manifest request of a
//! link that is expired, revoked or disabled with anything but 404. Reading the record goes
//! through `access::LinkedPatient::open` like every other page; each manifest request is an
//! audit entry the patient sees.

pub mod content;
pub mod ips;
pub mod manifest;
pub mod pages;
pub mod passcode;
pub mod qr;
pub mod shc;
pub mod shl;
pub mod store;
pub mod wrap;
