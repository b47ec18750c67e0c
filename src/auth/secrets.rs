//! Random tokens and the hashes they are stored as (state values, browser bindings, session
//! ids, CSRF tokens, activation codes, SMART tokens).
//!
//! A leaf: anything may use it, it uses nothing of the crate.

use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// `bytes` random bytes from the OS generator, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 in hex: how state values, browser bindings and session ids are stored.
pub fn hash(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}
