//! Sharing the record with someone outside the portal (#30): SMART Health Links (HL7 SMART
//! Health Cards and Links IG, STU1) carrying an International Patient Summary, immunizations,
//! lab results of a period or the whole record, and SMART Health Cards for immunizations.
//!
//! What it owns: the links' rows (`store`), the link format and its encryption (`shl`), what a
//! link carries (`ips`), the cards (`shc`), QR codes (`qr`), the patient's pages (`pages`) and
//! the public manifest, download and issuer-key endpoints (`manifest`).
//!
//! What it must never do: store or log a link's key (it is only in the `shlink:/` the patient
//! hands out), keep a passcode other than as an argon2 hash, or answer a manifest request of a
//! link that is expired, revoked or disabled with anything but 404. Reading the record goes
//! through `access::LinkedPatient::open` like every other page; each manifest request is an
//! audit entry the patient sees.

pub mod ips;
pub mod manifest;
pub mod pages;
pub mod passcode;
pub mod qr;
pub mod shc;
pub mod shl;
pub mod store;
