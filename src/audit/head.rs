//! The chain's head row (`audit_head`): where the chain ends, where keyed entries begin, and
//! the MAC that keeps someone without the key from moving it. Apart from `chain` (walking and
//! verifying) and `segments` (which key signs which stretch), which both read it.

use super::key::{AuditKey, Purpose};

/// The chain's head row: the last entry's number and hash, where keyed entries begin, and the
/// head's own MAC (`None` for the last two until the portal first starts with its key).
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct Head {
    pub seq: i64,
    pub hash: String,
    pub keyed_from: Option<i64>,
    pub mac: Option<String>,
}

pub(crate) const HEAD_SQL: &str = "SELECT seq, hash, keyed_from, mac FROM audit_head WHERE id = 1";

fn head_parts(keyed_from: i64, seq: i64, hash: &str) -> [Vec<u8>; 3] {
    [
        keyed_from.to_string().into_bytes(),
        seq.to_string().into_bytes(),
        hash.as_bytes().to_vec(),
    ]
}

pub(crate) fn head_mac(key: &AuditKey, keyed_from: i64, seq: i64, hash: &str) -> String {
    let parts = head_parts(keyed_from, seq, hash);
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    key.sign(Purpose::Head, &refs)
}

pub(crate) fn head_mac_ok(
    key: &AuditKey,
    keyed_from: i64,
    seq: i64,
    hash: &str,
    mac: &str,
) -> bool {
    let parts = head_parts(keyed_from, seq, hash);
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    key.check(Purpose::Head, &refs, mac)
}
