//! Key segments: which key wrote which part of the chain, so the key can be rotated
//! (`patient-portal audit rotate-key`) and every part still verifies with its own key.
//!
//! A segment begins at `from_seq` and runs to the next one; no rows means one segment from
//! `audit_head.keyed_from` keyed with the key file's newest key (as before rotation existed).
//! The head's MAC is always made with the newest segment's key, which is the key file's newest
//! key, so the writer needs nothing new. A segment whose key was lost is marked `lost`: its
//! entries are checked by their links and by checkpoints only, and the mark itself is signed
//! with the next kept key, so no one without a key can mark a segment lost to skip its check.
//! This module never writes an entry; it only reads and (on rotation) rewrites the segment rows.

use super::head::{head_mac, head_mac_ok, Head, HEAD_SQL};
use super::key::{AuditKey, KeyRing, Purpose};
use crate::db::Pool;

#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    from_seq: i64,
    key_id: String,
    lost: i64,
    mac: String,
}

/// What `key_id` a lost segment carries when no one knows its key any more.
const UNKNOWN_KEY: &str = "unknown";

fn parts(row: &Row) -> [Vec<u8>; 3] {
    [
        row.from_seq.to_string().into_bytes(),
        row.key_id.clone().into_bytes(),
        row.lost.to_string().into_bytes(),
    ]
}

fn sign(key: &AuditKey, row: &Row) -> String {
    let parts = parts(row);
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    key.sign(Purpose::Segment, &refs)
}

fn signed(key: &AuditKey, row: &Row) -> bool {
    let parts = parts(row);
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    key.check(Purpose::Segment, &refs, &row.mac)
}

/// How one entry is checked.
pub(crate) enum Keying<'a> {
    Key(&'a AuditKey),
    /// Its key was lost: links and checkpoints only.
    Lost,
}

/// The chain's segments with their keys, checked against the key ring.
pub(crate) struct Segments<'r> {
    ring: &'r KeyRing,
    /// Sorted by `from_seq`, each with its key (`None` for a lost one).
    rows: Vec<(Row, Option<&'r AuditKey>)>,
}

/// A segment problem: the entry number it concerns, and a sentence.
pub(crate) type Problem = (i64, String);

const SEGMENTS_SQL: &str =
    "SELECT from_seq, key_id, lost, mac FROM audit_segments ORDER BY from_seq";

impl<'r> Segments<'r> {
    /// Reads the segment rows and checks each: its key is in the ring (unless lost), its mark
    /// is signed, and the first begins where keyed entries begin.
    pub async fn load(
        pool: &Pool,
        ring: &'r KeyRing,
        keyed_from: i64,
    ) -> Result<Result<Self, Problem>, sqlx::Error> {
        let stored: Vec<Row> = sqlx::query_as(SEGMENTS_SQL).fetch_all(pool).await?;
        Ok(Self::check(ring, stored, keyed_from))
    }

    fn check(ring: &'r KeyRing, stored: Vec<Row>, keyed_from: i64) -> Result<Self, Problem> {
        if let Some(first) = stored.first() {
            if first.from_seq != keyed_from {
                return Err((
                    first.from_seq,
                    format!("the key segments begin at entry {} but keyed entries begin at {keyed_from} (the segment rows were changed)", first.from_seq),
                ));
            }
        }
        let mut rows = Vec::with_capacity(stored.len());
        for (i, row) in stored.iter().enumerate() {
            let signer = if row.lost != 0 {
                // The next segment whose key is kept vouches for the mark.
                stored[i + 1..]
                    .iter()
                    .find(|r| r.lost == 0)
                    .and_then(|r| ring.get(&r.key_id))
            } else {
                ring.get(&row.key_id)
            };
            let Some(signer) = signer else {
                return Err((
                    row.from_seq,
                    format!(
                        "entries from {} on were written with audit key {}, which the key file does not hold (put the older keys back in the file, oldest first)",
                        row.from_seq, row.key_id
                    ),
                ));
            };
            if !signed(signer, row) {
                return Err((
                    row.from_seq,
                    format!(
                        "the key segment beginning at entry {} was not recorded with the audit key (the segment rows were changed)",
                        row.from_seq
                    ),
                ));
            }
            let key = (row.lost == 0).then_some(signer);
            rows.push((row.clone(), key));
        }
        Ok(Self { ring, rows })
    }

    /// How the entry `seq` (a keyed one) is checked.
    pub fn keying(&self, seq: i64) -> Keying<'r> {
        let n = self.rows.partition_point(|(r, _)| r.from_seq <= seq);
        match n.checked_sub(1).map(|i| &self.rows[i]) {
            None => Keying::Key(self.ring.newest()),
            Some((_, Some(key))) => Keying::Key(key),
            Some((_, None)) => Keying::Lost,
        }
    }

    /// The key the head is signed with: the newest segment's.
    pub fn head_key(&self) -> &'r AuditKey {
        match self.rows.last() {
            Some((_, Some(key))) => key,
            _ => self.ring.newest(),
        }
    }

    /// Entries a lost segment holds, up to `head`.
    pub fn lost_entries(&self, head: i64) -> u64 {
        let mut lost = 0;
        for (i, (row, key)) in self.rows.iter().enumerate() {
            if key.is_none() {
                let end = self.rows.get(i + 1).map_or(head, |(r, _)| r.from_seq - 1);
                lost += (end.min(head) - row.from_seq + 1).max(0) as u64;
            }
        }
        lost
    }
}

/// What a rotation did.
pub struct Rotated {
    pub from_seq: i64,
    pub key_id: String,
    /// Entries now in a lost segment (rotation after a lost key), else 0.
    pub lost_entries: u64,
}

/// Starts a new segment keyed with `new` at the next entry, re-signs the head with it, and
/// writes the key file with `new` added as its newest key, in that order inside one
/// transaction: the file is written before the commit (so no committed chain ever needs a key
/// that is not on disk) and put back if the commit fails.
///
/// `old` is the key file as it is; with `lost_key`, segments whose key it does not hold are
/// marked lost instead of refused. Without `lost_key` the head must verify with `old`'s newest
/// key. Returns `Err(sentence)` when the chain cannot be rotated as asked.
pub async fn rotate(
    pool: &Pool,
    path: &std::path::Path,
    old: Option<&KeyRing>,
    new: AuditKey,
    lost_key: bool,
) -> anyhow::Result<Result<Rotated, String>> {
    let ring = match old {
        Some(old) => old.with(new.clone()),
        None => KeyRing::from(&new),
    };
    let mut tx = pool.begin().await?;
    // Locks the head (as the writer does): no batch commits while the segment changes.
    sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    let Some(Head {
        seq,
        hash,
        keyed_from,
        mac,
    }) = sqlx::query_as(HEAD_SQL).fetch_optional(&mut *tx).await?
    else {
        return Ok(Err(
            "the chain's head row (audit_head) is missing: restore it from a backup first".into(),
        ));
    };
    let (Some(keyed_from), Some(mac)) = (keyed_from, mac) else {
        return Ok(Err(
            "the chain is not keyed yet: start the portal once with its key; there is nothing to rotate".into(),
        ));
    };
    let head_verifies =
        old.is_some_and(|old| head_mac_ok(old.newest(), keyed_from, seq, &hash, &mac));
    if !lost_key && !head_verifies {
        return Ok(Err(
            "the chain's head does not verify with the key file's newest key: if that key is lost, rotate with --lost-key".into(),
        ));
    }
    if lost_key && head_verifies {
        return Ok(Err(
            "the chain's head verifies with the key file's newest key: that key is not lost; rotate without --lost-key".into(),
        ));
    }
    let mut rows: Vec<Row> = sqlx::query_as(SEGMENTS_SQL).fetch_all(&mut *tx).await?;
    if rows.is_empty() {
        // Until the first rotation the segment from keyed_from is implicit; now it is written.
        rows.push(Row {
            from_seq: keyed_from,
            key_id: match old {
                Some(old) if !lost_key => old.newest().id(),
                _ => UNKNOWN_KEY.into(),
            },
            // With --lost-key the loop below marks it lost: its key is not in the ring.
            lost: 0,
            mac: String::new(),
        });
    }
    if lost_key {
        for row in &mut rows {
            if ring.get(&row.key_id).is_none() {
                row.lost = 1;
            }
        }
    }
    // A segment that holds no entry yet (rotated twice in a row) gives way to the new one.
    rows.retain(|r| r.from_seq <= seq);
    rows.push(Row {
        from_seq: seq + 1,
        key_id: new.id(),
        lost: 0,
        mac: String::new(),
    });
    for i in 0..rows.len() {
        let signer = if rows[i].lost != 0 {
            rows[i + 1..]
                .iter()
                .find(|r| r.lost == 0)
                .and_then(|r| ring.get(&r.key_id))
        } else {
            ring.get(&rows[i].key_id)
        };
        let Some(signer) = signer else {
            return Ok(Err(format!(
                "entries from {} on were written with audit key {}, which the key file does not hold: put it back in the file, or rotate with --lost-key",
                rows[i].from_seq, rows[i].key_id
            )));
        };
        rows[i].mac = sign(signer, &rows[i]);
    }
    sqlx::query("DELETE FROM audit_segments")
        .execute(&mut *tx)
        .await?;
    for row in &rows {
        sqlx::query(
            "INSERT INTO audit_segments (from_seq, key_id, lost, mac) VALUES ($1, $2, $3, $4)",
        )
        .bind(row.from_seq)
        .bind(&row.key_id)
        .bind(row.lost)
        .bind(&row.mac)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("UPDATE audit_head SET mac = $1 WHERE id = 1")
        .bind(head_mac(&new, keyed_from, seq, &hash))
        .execute(&mut *tx)
        .await?;
    let lost_entries = Segments::check(&ring, rows, keyed_from)
        .map_err(|(_, problem)| anyhow::anyhow!("the new segments do not check: {problem}"))?
        .lost_entries(seq);
    ring.write(path)?;
    if let Err(e) = tx.commit().await {
        match old {
            Some(old) => old.write(path)?,
            None => std::fs::remove_file(path)?,
        }
        return Err(anyhow::Error::new(e)
            .context("the rotation was not committed; the key file is as it was"));
    }
    Ok(Ok(Rotated {
        from_seq: seq + 1,
        key_id: new.id(),
        lost_entries,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(from_seq: i64, key: &AuditKey, lost: bool, signer: &AuditKey) -> Row {
        let mut row = Row {
            from_seq,
            key_id: if lost { UNKNOWN_KEY.into() } else { key.id() },
            lost: i64::from(lost),
            mac: String::new(),
        };
        row.mac = sign(signer, &row);
        row
    }

    #[test]
    fn each_entry_is_checked_with_its_segments_key_and_the_head_with_the_newest() {
        let (a, b) = (AuditKey::from_bytes([1; 32]), AuditKey::from_bytes([2; 32]));
        let ring = KeyRing::from(&a).with(b.clone());
        let s = Segments::check(&ring, vec![row(1, &a, false, &a), row(5, &b, false, &b)], 1)
            .unwrap_or_else(|(_, p)| panic!("{p}"));
        assert!(matches!(s.keying(4), Keying::Key(k) if k.id() == a.id()));
        assert!(matches!(s.keying(5), Keying::Key(k) if k.id() == b.id()));
        assert!(matches!(s.keying(9), Keying::Key(k) if k.id() == b.id()));
        assert_eq!(s.head_key().id(), b.id());
        assert_eq!(s.lost_entries(9), 0);
    }

    #[test]
    fn a_lost_segment_is_counted_and_its_mark_needs_the_next_kept_key() {
        let (gone, b) = (AuditKey::from_bytes([7; 32]), AuditKey::from_bytes([2; 32]));
        let ring = KeyRing::from(&b);
        let s = Segments::check(
            &ring,
            vec![row(3, &gone, true, &b), row(10, &b, false, &b)],
            3,
        )
        .unwrap_or_else(|(_, p)| panic!("{p}"));
        assert!(matches!(s.keying(9), Keying::Lost));
        assert!(matches!(s.keying(10), Keying::Key(_)));
        assert_eq!(s.lost_entries(12), 7);
        assert_eq!(s.lost_entries(5), 3);
        assert_eq!(s.lost_entries(2), 0, "a head before the lost segment");
        // A mark made without a held key (here: signed with the lost key) is refused.
        let forged = Segments::check(
            &ring,
            vec![row(3, &gone, true, &gone), row(10, &b, false, &b)],
            3,
        );
        assert!(matches!(forged, Err((3, p)) if p.contains("not recorded with the audit key")));
    }

    #[test]
    fn segments_that_do_not_begin_with_the_keyed_entries_or_need_a_missing_key_are_refused() {
        let (a, b) = (AuditKey::from_bytes([1; 32]), AuditKey::from_bytes([2; 32]));
        let ring = KeyRing::from(&b);
        let moved = Segments::check(&ring, vec![row(2, &b, false, &b)], 1);
        assert!(matches!(moved, Err((2, p)) if p.contains("keyed entries begin at 1")));
        let missing = Segments::check(&ring, vec![row(1, &a, false, &a), row(4, &b, false, &b)], 1);
        assert!(
            matches!(missing, Err((1, p)) if p.contains(&a.id()) && p.contains("does not hold"))
        );
        let none = Segments::check(&ring, vec![], 1).unwrap_or_else(|(_, p)| panic!("{p}"));
        assert!(matches!(none.keying(1), Keying::Key(k) if k.id() == b.id()));
        assert_eq!(none.head_key().id(), b.id());
        // A key added to the file by hand, not by rotation, neither writes nor signs the head.
        let by_hand = KeyRing::from(&a).with(b.clone());
        let added = Segments::check(&by_hand, vec![row(1, &a, false, &a)], 1)
            .unwrap_or_else(|(_, p)| panic!("{p}"));
        assert_eq!(added.head_key().id(), a.id());
    }

    // --- Rotation on a real chain ---------------------------------------------------------

    use crate::audit::{
        append, start, verify, Action, Actor, Checkpoint, Outcome, RequestMeta, Verification,
    };

    async fn fresh(key: &AuditKey) -> (tempfile::TempDir, Pool) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("p.sqlite").display()
        );
        let pool = crate::db::connect(&url).await.unwrap();
        start(&pool, key.clone()).await.unwrap();
        (dir, pool)
    }

    async fn add(pool: &Pool, n: usize) {
        let meta = RequestMeta {
            request_id: None,
            client_ip: None,
        };
        for _ in 0..n {
            let entry = meta.entry(Actor::anonymous(), Action::SignIn, Outcome::Success);
            append(pool, &entry).await.unwrap();
        }
    }

    fn problem(v: &Verification) -> String {
        match v {
            Verification::Broken { problem, .. } => problem.clone(),
            whole => panic!("expected a break, got {whole:?}"),
        }
    }

    #[tokio::test]
    async fn after_a_rotation_old_entries_verify_with_the_old_key_and_new_ones_with_the_new() {
        let a = AuditKey::from_bytes([1; 32]);
        let (dir, pool) = fresh(&a).await;
        add(&pool, 3).await;
        let file = dir.path().join("audit.key");
        KeyRing::from(&a).write(&file).unwrap();
        let b = AuditKey::from_bytes([2; 32]);

        let rotated = rotate(&pool, &file, Some(&KeyRing::from(&a)), b.clone(), false)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((rotated.from_seq, rotated.lost_entries), (4, 0));
        let ring = KeyRing::load(&file).unwrap();
        assert_eq!((ring.len(), ring.newest().id()), (2, b.id()));
        // The writer starts with the new key only (the head is signed with it) and writes.
        assert!(
            start(&pool, a.clone()).await.is_err(),
            "the old key no longer writes"
        );
        start(&pool, b.clone()).await.unwrap();
        add(&pool, 2).await;

        let v = verify(&pool, &ring, &[]).await.unwrap();
        assert!(
            matches!(
                v,
                Verification::Whole {
                    entries: 5,
                    lost_key: 0,
                    ..
                }
            ),
            "{v:?}"
        );
        // Without the old key the old segment cannot be verified, and says which key it needs.
        let p = problem(&verify(&pool, &b, &[]).await.unwrap());
        assert!(p.contains(&a.id()) && p.contains("does not hold"), "{p}");
        // A checkpoint signed with a key the file does not hold is refused outside lost segments.
        let foreign = Checkpoint::sign(&AuditKey::from_bytes([5; 32]), 2, "x", "now");
        let p = problem(&verify(&pool, &ring, &[foreign]).await.unwrap());
        assert!(p.contains("checkpoint 1 is not signed"), "{p}");
        // Rotating again before any entry replaces the empty segment; the chain stays whole.
        let (c, d) = (AuditKey::from_bytes([3; 32]), AuditKey::from_bytes([4; 32]));
        rotate(&pool, &file, Some(&ring), c.clone(), false)
            .await
            .unwrap()
            .unwrap();
        let ring = KeyRing::load(&file).unwrap();
        rotate(&pool, &file, Some(&ring), d.clone(), false)
            .await
            .unwrap()
            .unwrap();
        let ring = KeyRing::load(&file).unwrap();
        assert_eq!(ring.len(), 4);
        let from: Vec<i64> =
            sqlx::query_scalar("SELECT from_seq FROM audit_segments ORDER BY from_seq")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(from, vec![1, 4, 6]);
        start(&pool, d.clone()).await.unwrap();
        add(&pool, 1).await;
        let v = verify(&pool, &ring, &[]).await.unwrap();
        assert!(matches!(v, Verification::Whole { entries: 6, .. }), "{v:?}");
        // An old entry re-signed with the new key (what a holder of only the new key could
        // forge) does not pass: each segment is checked with its own key.
        sqlx::query("UPDATE audit_segments SET from_seq = 3 WHERE from_seq = 4")
            .execute(&pool)
            .await
            .unwrap();
        let p = problem(&verify(&pool, &ring, &[]).await.unwrap());
        assert!(p.contains("not recorded with the audit key"), "{p}");
    }

    #[tokio::test]
    async fn segment_rows_deleted_or_marked_lost_without_a_key_break_the_chain() {
        let a = AuditKey::from_bytes([1; 32]);
        let (dir, pool) = fresh(&a).await;
        add(&pool, 2).await;
        let file = dir.path().join("audit.key");
        let b = AuditKey::from_bytes([2; 32]);
        rotate(&pool, &file, Some(&KeyRing::from(&a)), b.clone(), false)
            .await
            .unwrap()
            .unwrap();
        start(&pool, b.clone()).await.unwrap();
        add(&pool, 2).await;
        let ring = KeyRing::load(&file).unwrap();
        assert!(matches!(
            verify(&pool, &ring, &[]).await.unwrap(),
            Verification::Whole { .. }
        ));

        // Marking the old segment lost, to skip its check, needs a key.
        sqlx::query("UPDATE audit_segments SET lost = 1 WHERE from_seq = 1")
            .execute(&pool)
            .await
            .unwrap();
        let p = problem(&verify(&pool, &ring, &[]).await.unwrap());
        assert!(p.contains("not recorded with the audit key"), "{p}");
        sqlx::query("UPDATE audit_segments SET lost = 0 WHERE from_seq = 1")
            .execute(&pool)
            .await
            .unwrap();
        // Deleting the newest segment: its entries would be checked with the old key.
        sqlx::query("DELETE FROM audit_segments WHERE from_seq = 3")
            .execute(&pool)
            .await
            .unwrap();
        assert!(matches!(
            verify(&pool, &ring, &[]).await.unwrap(),
            Verification::Broken { seq: 3, .. }
        ));
    }

    #[tokio::test]
    async fn a_lost_key_is_rotated_away_and_its_entries_stay_protected_by_links_and_checkpoints() {
        let lost = AuditKey::from_bytes([7; 32]);
        let (dir, pool) = fresh(&lost).await;
        add(&pool, 3).await;
        let taken = crate::audit::checkpoint(&pool, &KeyRing::from(&lost), &[])
            .await
            .unwrap()
            .unwrap();
        // The key file is gone; a key made meanwhile (a development start) does not verify.
        let file = dir.path().join("audit.key");
        let stray = AuditKey::from_bytes([8; 32]);
        KeyRing::from(&stray).write(&file).unwrap();
        let old = KeyRing::load(&file).unwrap();
        let refused = rotate(&pool, &file, Some(&old), AuditKey::generate(), false)
            .await
            .unwrap();
        assert!(refused.is_err_and(|s| s.contains("--lost-key")));

        let new = AuditKey::from_bytes([3; 32]);
        let rotated = rotate(&pool, &file, Some(&old), new.clone(), true)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((rotated.from_seq, rotated.lost_entries), (4, 3));
        start(&pool, new.clone()).await.unwrap();
        add(&pool, 2).await;
        let ring = KeyRing::load(&file).unwrap();
        let v = verify(&pool, &ring, std::slice::from_ref(&taken))
            .await
            .unwrap();
        assert!(
            matches!(
                v,
                Verification::Whole {
                    entries: 5,
                    lost_key: 3,
                    checkpoints: 1,
                    ..
                }
            ),
            "{v:?}"
        );
        // The lost segment is still checked by its links and by the checkpoint's hash.
        sqlx::query("UPDATE audit_log SET prev_hash = hash WHERE seq = 2")
            .execute(&pool)
            .await
            .unwrap();
        assert!(matches!(
            verify(&pool, &ring, &[]).await.unwrap(),
            Verification::Broken { seq: 2, .. }
        ));
        sqlx::query("UPDATE audit_log SET prev_hash = (SELECT hash FROM audit_log WHERE seq = 1) WHERE seq = 2")
            .execute(&pool)
            .await
            .unwrap();
        let mut wrong = taken.clone();
        wrong.hash = "0".repeat(64);
        let p = problem(&verify(&pool, &ring, &[wrong]).await.unwrap());
        assert!(p.contains("differs from the checkpoint"), "{p}");
        // With the key not lost, --lost-key is refused: it would give up a check for nothing.
        let again = rotate(&pool, &file, Some(&ring), AuditKey::generate(), true)
            .await
            .unwrap();
        assert!(again.is_err_and(|s| s.contains("not lost")));
    }

    #[tokio::test]
    async fn a_lost_key_file_after_a_rotation_marks_every_segment_whose_key_is_gone_as_lost() {
        let (a, b) = (AuditKey::from_bytes([1; 32]), AuditKey::from_bytes([2; 32]));
        let (dir, pool) = fresh(&a).await;
        add(&pool, 2).await;
        let file = dir.path().join("audit.key");
        rotate(&pool, &file, Some(&KeyRing::from(&a)), b.clone(), false)
            .await
            .unwrap()
            .unwrap();
        start(&pool, b.clone()).await.unwrap();
        add(&pool, 2).await;
        // The whole file is lost: neither key is held any more.
        let c = AuditKey::from_bytes([3; 32]);
        let rotated = rotate(&pool, &file, None, c.clone(), true)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rotated.lost_entries, 4);
        start(&pool, c.clone()).await.unwrap();
        add(&pool, 1).await;
        let ring = KeyRing::load(&file).unwrap();
        assert_eq!(ring.len(), 1);
        let v = verify(&pool, &ring, &[]).await.unwrap();
        assert!(
            matches!(
                v,
                Verification::Whole {
                    entries: 5,
                    lost_key: 4,
                    ..
                }
            ),
            "{v:?}"
        );
    }
}
