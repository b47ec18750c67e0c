//! How entries are chained, and how the chain and checkpoints are verified.
//!
//! Entry `seq` carries `hash = MAC(prev_hash, canonical content)`. Entries written before the
//! chain was keyed (seq < `audit_head.keyed_from`, i.e. before migration 0004 met a key) keep
//! their plain SHA-256; only checkpoints protect them, and `audit verify` says so. The head row
//! carries a MAC over (keyed_from, seq, hash), so without the key the head can be neither moved
//! back (truncation) nor told that more of the chain is unkeyed.

use std::collections::BTreeMap;
use std::path::Path;

use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::entry::GENESIS;
use super::head::{head_mac_ok, Head, HEAD_SQL};
use super::key::{AuditKey, KeyRing, Purpose};
use super::segments::{Keying, Segments};
use crate::db::Pool;

#[derive(Serialize)]
pub(crate) struct Canonical<'a> {
    pub seq: i64,
    pub id: &'a str,
    pub at: &'a str,
    pub actor_subject: Option<&'a str>,
    pub actor_role: &'a str,
    pub action: &'a str,
    pub patient_id: Option<&'a str>,
    pub outcome: &'a str,
    pub detail: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub client_ip: Option<&'a str>,
}

fn canonical_json(content: &Canonical<'_>) -> String {
    // A struct of strings and an integer always serialises.
    serde_json::to_string(content).unwrap_or_default()
}

/// The plain SHA-256 link of entries written before the chain was keyed.
fn plain_hash(prev: &str, content: &Canonical<'_>) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(canonical_json(content).as_bytes());
    hex::encode(h.finalize())
}

pub(crate) fn keyed_hash(key: &AuditKey, prev: &str, content: &Canonical<'_>) -> String {
    key.sign(
        Purpose::Entry,
        &[prev.as_bytes(), canonical_json(content).as_bytes()],
    )
}

/// One line of a checkpoint file: the chain's head at a moment, signed with the audit key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    pub key_id: String,
    pub sig: String,
}

impl Checkpoint {
    pub(crate) fn sign(key: &AuditKey, seq: i64, hash: &str, at: &str) -> Self {
        let sig = key.sign(
            Purpose::Checkpoint,
            &[seq.to_string().as_bytes(), hash.as_bytes(), at.as_bytes()],
        );
        Self {
            seq,
            hash: hash.to_string(),
            at: at.to_string(),
            key_id: key.id(),
            sig,
        }
    }

    pub(crate) fn signed_by(&self, key: &AuditKey) -> bool {
        key.check(
            Purpose::Checkpoint,
            &[
                self.seq.to_string().as_bytes(),
                self.hash.as_bytes(),
                self.at.as_bytes(),
            ],
            &self.sig,
        )
    }
}

/// Reads a checkpoint file (one JSON object per line; blank lines ignored).
pub fn read_checkpoints(path: &Path) -> anyhow::Result<Vec<Checkpoint>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|_| {
                anyhow::anyhow!("{} line {} is not a checkpoint", path.display(), i + 1)
            })
        })
        .collect()
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Whole {
        entries: u64,
        /// Entries written before the chain was keyed (seq 1..=unkeyed): only checkpoints
        /// protect them.
        unkeyed: u64,
        checkpoints: u64,
        /// Entries in segments whose key was lost (`audit rotate-key --lost-key`): checked by
        /// their links and checkpoints only.
        lost_key: u64,
        /// The hash of the last entry checked (what a checkpoint signs).
        head_hash: String,
    },
    Broken {
        entries_checked: u64,
        seq: i64,
        id: String,
        problem: String,
    },
}

fn broken_at(checked: u64, seq: i64, problem: impl Into<String>) -> Verification {
    Verification::Broken {
        entries_checked: checked,
        seq,
        id: String::new(),
        problem: problem.into(),
    }
}

/// One stored entry as it is, strings unparsed: the walk checks what is stored, and an
/// action no one knows is a changed entry to report, not an error.
#[derive(sqlx::FromRow)]
struct StoredEntry {
    seq: i64,
    id: String,
    at: String,
    actor_subject: Option<String>,
    actor_role: String,
    action: String,
    patient_id: Option<String>,
    outcome: String,
    detail: Option<String>,
    request_id: Option<String>,
    client_ip: Option<String>,
    prev_hash: String,
    hash: String,
}

/// Walks the chain from the start, each segment with its key from the ring (a lone key is a
/// ring of one), and reports the first entry that does not fit; then checks the head's MAC and
/// that every checkpoint is signed and still matches.
pub async fn verify(
    pool: &Pool,
    keys: impl Into<KeyRing>,
    checkpoints: &[Checkpoint],
) -> Result<Verification, sqlx::Error> {
    let ring: KeyRing = keys.into();
    let Some(Head {
        seq: head_seq,
        hash: head_hash,
        keyed_from,
        mac: head_mac,
    }) = sqlx::query_as(HEAD_SQL).fetch_optional(pool).await?
    else {
        return Ok(broken_at(
            0,
            1,
            "the chain's head row (audit_head) is missing: without it nothing tells where the chain ends, and the portal cannot append; restore it from a backup",
        ));
    };
    // The portal keys the chain when it first starts (`audit::start`); a missing mark means
    // someone cleared it to make keyed entries pass as plain ones, or the portal never ran.
    let (Some(keyed_from), Some(head_mac)) = (keyed_from, head_mac) else {
        return Ok(broken_at(
            0,
            1,
            "the chain's head carries no key mark (start the portal once with its audit key, or the head was tampered with)",
        ));
    };
    let segments = match Segments::load(pool, &ring, keyed_from).await? {
        Ok(segments) => segments,
        Err((seq, problem)) => return Ok(broken_at(0, seq, problem)),
    };
    let key = segments.head_key();
    let mut pinned: BTreeMap<i64, &Checkpoint> = BTreeMap::new();
    for (i, cp) in checkpoints.iter().enumerate() {
        // A checkpoint of a segment whose key was lost cannot be checked for its signature,
        // only for its hash: it is what protects that segment now.
        let signed = match ring.get(&cp.key_id) {
            Some(key) => cp.signed_by(key),
            None => matches!(segments.keying(cp.seq), Keying::Lost),
        };
        if !signed {
            return Ok(broken_at(
                0,
                cp.seq,
                format!("checkpoint {} is not signed with this audit key", i + 1),
            ));
        }
        if cp.seq > head_seq {
            return Ok(broken_at(
                0,
                cp.seq,
                format!(
                    "entries up to {} were checkpointed but the chain now ends at {head_seq}: entries vanished",
                    cp.seq
                ),
            ));
        }
        pinned.insert(cp.seq, cp);
    }

    let mut rows = sqlx::query_as::<_, StoredEntry>(
        "SELECT seq, id, at, actor_subject, actor_role, action, patient_id, outcome, detail, request_id, client_ip, prev_hash, hash \
         FROM audit_log WHERE seq <= $1 ORDER BY seq",
    )
    // Only up to the head read above: entries appended meanwhile are the next run's.
    .bind(head_seq)
    .fetch(pool);
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1i64;
    let mut checked = 0u64;
    while let Some(row) = rows.try_next().await? {
        let StoredEntry {
            seq,
            id,
            at,
            actor_subject,
            actor_role,
            action,
            patient_id,
            outcome,
            detail,
            request_id,
            client_ip,
            prev_hash,
            hash,
        } = row;
        let broken = |problem: &str| Verification::Broken {
            entries_checked: checked,
            seq,
            id: id.clone(),
            problem: problem.to_string(),
        };
        if seq != expected_seq {
            return Ok(broken_at(
                checked,
                expected_seq,
                format!("entry {expected_seq} is missing or out of order (found entry {seq} in its place)"),
            ));
        }
        if prev_hash != prev {
            return Ok(broken("it does not follow the entry before it"));
        }
        let content = Canonical {
            seq,
            id: &id,
            at: &at,
            actor_subject: actor_subject.as_deref(),
            actor_role: &actor_role,
            action: &action,
            patient_id: patient_id.as_deref(),
            outcome: &outcome,
            detail: detail.as_deref(),
            request_id: request_id.as_deref(),
            client_ip: client_ip.as_deref(),
        };
        let fits = if seq < keyed_from {
            plain_hash(&prev_hash, &content) == hash
        } else {
            match segments.keying(seq) {
                Keying::Key(key) => key.check(
                    Purpose::Entry,
                    &[prev_hash.as_bytes(), canonical_json(&content).as_bytes()],
                    &hash,
                ),
                Keying::Lost => true,
            }
        };
        if !fits {
            return Ok(broken(
                "its content was changed (or it was not written with this audit key)",
            ));
        }
        if let Some(cp) = pinned.get(&seq) {
            if cp.hash != hash {
                return Ok(broken("it differs from the checkpoint taken of it"));
            }
        }
        prev = hash;
        expected_seq += 1;
        checked += 1;
    }
    // Checked after the walk, so an edited entry is reported where it is, not at the head.
    if !head_mac_ok(key, keyed_from, head_seq, &head_hash, &head_mac) {
        return Ok(broken_at(
            checked,
            head_seq,
            "the chain's head was not written with this audit key (moved back, edited, or another key)",
        ));
    }
    if head_seq != expected_seq - 1 || head_hash != prev {
        return Ok(broken_at(
            checked,
            expected_seq,
            format!("the chain ends early: the head says {head_seq} entries"),
        ));
    }
    // A row past the head takes the next entry's number, so every append fails on it. Rows
    // appended while this walk ran move the head past them first (one transaction), so a row
    // the head, read again, still does not cover is a stray.
    let stray: Option<i64> = sqlx::query_scalar("SELECT MIN(seq) FROM audit_log WHERE seq > $1")
        .bind(head_seq)
        .fetch_one(pool)
        .await?;
    if let Some(stray) = stray {
        let head_now: Option<i64> = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_optional(pool)
            .await?;
        if head_now.is_none_or(|now| now < stray) {
            return Ok(broken_at(
                checked,
                stray,
                format!(
                    "entry {stray} lies past the chain's head ({head_seq}): it was not written by the portal's writer, and no entry can be appended until it is examined and removed"
                ),
            ));
        }
    }
    Ok(Verification::Whole {
        entries: checked,
        unkeyed: (keyed_from - 1).clamp(0, head_seq) as u64,
        checkpoints: checkpoints.len() as u64,
        lost_key: segments.lost_entries(head_seq),
        head_hash: prev,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::head::head_mac;
    use crate::audit::{append, start, Action, Actor, Outcome, RequestMeta};

    /// A keyed chain of `n` entries in a fresh database.
    async fn chain_of(n: usize) -> (tempfile::TempDir, Pool, AuditKey) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("p.sqlite").display()
        );
        let pool = crate::db::connect(&url).await.unwrap();
        let key = AuditKey::from_bytes([9; 32]);
        start(&pool, key.clone()).await.unwrap();
        let meta = RequestMeta {
            request_id: None,
            client_ip: None,
        };
        for _ in 0..n {
            let entry = meta.entry(Actor::anonymous(), Action::SignIn, Outcome::Success);
            append(&pool, &entry).await.unwrap();
        }
        (dir, pool, key)
    }

    /// Points the head at (`seq`, `hash`) with a valid MAC: what only a holder of the key can
    /// do, so the walk's own checks, not the head's MAC, must catch it.
    async fn move_head(pool: &Pool, key: &AuditKey, seq: i64, hash: &str) {
        let Head { keyed_from, .. } = sqlx::query_as(HEAD_SQL).fetch_one(pool).await.unwrap();
        let keyed_from = keyed_from.unwrap();
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2, mac = $3 WHERE id = 1")
            .bind(seq)
            .bind(hash)
            .bind(head_mac(key, keyed_from, seq, hash))
            .execute(pool)
            .await
            .unwrap();
    }

    async fn hash_of(pool: &Pool, seq: i64) -> String {
        sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(seq)
            .fetch_one(pool)
            .await
            .unwrap()
    }

    fn ends_early(v: &Verification) -> bool {
        matches!(v, Verification::Broken { problem, .. } if problem.contains("ends early"))
    }

    #[tokio::test]
    async fn a_whole_chain_verifies() {
        let (_dir, pool, key) = chain_of(3).await;
        let v = verify(&pool, &key, &[]).await.unwrap();
        assert!(matches!(v, Verification::Whole { entries: 3, .. }), "{v:?}");
    }

    #[tokio::test]
    async fn a_head_whose_count_matches_but_whose_hash_does_not_is_caught() {
        let (_dir, pool, key) = chain_of(3).await;
        move_head(&pool, &key, 3, &"0".repeat(64)).await;
        let v = verify(&pool, &key, &[]).await.unwrap();
        assert!(ends_early(&v), "{v:?}");
    }

    #[tokio::test]
    async fn a_head_whose_hash_matches_but_whose_count_does_not_is_caught() {
        // The two newest entries are gone; the head still counts five but carries the hash
        // of the entry now last.
        let (_dir, pool, key) = chain_of(5).await;
        sqlx::query("DELETE FROM audit_log WHERE seq > 3")
            .execute(&pool)
            .await
            .unwrap();
        let last = hash_of(&pool, 3).await;
        move_head(&pool, &key, 5, &last).await;
        let v = verify(&pool, &key, &[]).await.unwrap();
        assert!(ends_early(&v), "{v:?}");
    }
}
