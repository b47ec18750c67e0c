//! The chart parts of the most read pages (the summary, the latest results, a test's history),
//! with their frame (whose chart, the section links), kept as rendered HTML for each version of
//! a record.
//!
//! The profile of `/records` showed that decoding the stored items and rendering them took
//! most of a page view, although a record changes only when it is imported again. So a part is
//! rendered once per version and kept. Every view still reads the record's version from the
//! database (`patients.record_version`, raised in the transaction that stores the record), so
//! a part is never served after its record changed, whichever instance changed it. Any code that
//! changes what a patient's record holds must raise that version in the same transaction
//! (today `store::save_record` is the only such path). What is kept
//! depends on the record, the day (ages, "current") and the page's links only, never on who is
//! looking: the access check and its audit entry come before the cache is asked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use super::Patient;

/// The HTML kept at most, in bytes, the least recently used part going first: a part of the
/// peers' record is 8–30 KB, a long Synthea history more, so this holds the pages of several
/// hundred patients and bounds the cache whatever their records hold.
pub const CAPACITY_BYTES: usize = 16 * 1024 * 1024;

/// Which part: the patient's opaque id, the page (`summary`, `labs`, `labs/{loinc}`) and the
/// links' base (the patient's own `/records` or a clinician's view of the chart).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    patient_id: String,
    page: String,
    base: String,
    /// The language it was rendered in (#31): dates and words differ by language.
    lang: crate::i18n::Lang,
}

impl Key {
    pub fn new(patient_id: &str, page: String, base: &str) -> Key {
        Key {
            patient_id: patient_id.to_string(),
            page,
            base: base.to_string(),
            lang: crate::i18n::current(),
        }
    }
}

/// A rendered part and what the page around it needs from the same read.
#[derive(Debug)]
pub struct Kept {
    /// The record's version it was rendered from.
    pub version: i64,
    /// The day (UTC) it was rendered on.
    pub day: NaiveDate,
    pub patient: Patient,
    /// The frame (whose chart, the section links, the heading) and the chart part.
    pub html: String,
    /// The page's title where the record gives it (a test's name).
    pub title: Option<String>,
}

#[derive(Default)]
pub struct ChartCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    parts: HashMap<Key, (u64, Arc<Kept>)>,
    clock: u64,
    /// The HTML of every kept part, in bytes.
    bytes: usize,
}

impl ChartCache {
    /// The part for `key` if it was rendered from `version` of the record on `day`.
    pub fn get(&self, key: &Key, version: i64, day: NaiveDate) -> Option<Arc<Kept>> {
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        let (used, kept) = inner.parts.get_mut(key)?;
        if kept.version != version || kept.day != day {
            return None;
        }
        *used = now;
        Some(kept.clone())
    }

    /// Keeps a part (unless a newer version of it is kept already) and returns it.
    pub fn put(&self, key: Key, kept: Kept) -> Arc<Kept> {
        let kept = Arc::new(kept);
        if kept.html.len() > CAPACITY_BYTES {
            return kept;
        }
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        if let Some((_, old)) = inner.parts.get(&key) {
            if (old.version, old.day) > (kept.version, kept.day) {
                return kept;
            }
        }
        if let Some((_, old)) = inner.parts.remove(&key) {
            inner.bytes -= old.html.len();
        }
        while inner.bytes + kept.html.len() > CAPACITY_BYTES {
            // O(n) over the kept parts, and only when a part is rendered into a full cache.
            let Some(oldest) = inner
                .parts
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((_, old)) = inner.parts.remove(&oldest) {
                inner.bytes -= old.html.len();
            }
        }
        inner.bytes += kept.html.len();
        inner.parts.insert(key, (now, kept.clone()));
        kept
    }

    /// The HTML kept, in bytes.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    pub fn len(&self) -> usize {
        self.lock().parts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Nothing in here can be left half-changed by a panic; a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::test_support;

    fn kept(version: i64, day: NaiveDate, html: &str) -> Kept {
        Kept {
            version,
            day,
            patient: test_support::patient(),
            html: html.to_string(),
            title: None,
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).expect("a day")
    }

    fn key(patient: &str, page: &str) -> Key {
        Key::new(patient, page.to_string(), "/records")
    }

    #[test]
    fn a_part_is_served_only_for_the_version_and_day_it_was_rendered_from() {
        let cache = ChartCache::default();
        cache.put(key("p1", "summary"), kept(3, day(3), "v3"));
        assert_eq!(
            cache
                .get(&key("p1", "summary"), 3, day(3))
                .map(|k| k.html.clone()),
            Some("v3".to_string())
        );
        assert!(cache.get(&key("p1", "summary"), 4, day(3)).is_none());
        assert!(cache.get(&key("p1", "summary"), 3, day(4)).is_none());
        assert!(cache.get(&key("p2", "summary"), 3, day(3)).is_none());
        assert!(cache.get(&key("p1", "labs"), 3, day(3)).is_none());
        let staff = Key::new("p1", "summary".to_string(), "/staff/patients/p1");
        assert!(cache.get(&staff, 3, day(3)).is_none());
    }

    #[test]
    fn an_older_render_never_replaces_a_newer_one() {
        let cache = ChartCache::default();
        cache.put(key("p1", "summary"), kept(5, day(3), "v5"));
        cache.put(key("p1", "summary"), kept(4, day(3), "v4"));
        assert!(cache.get(&key("p1", "summary"), 5, day(3)).is_some());
        cache.put(key("p1", "summary"), kept(6, day(3), "v6"));
        assert!(cache.get(&key("p1", "summary"), 5, day(3)).is_none());
        assert!(cache.get(&key("p1", "summary"), 6, day(3)).is_some());
    }

    #[test]
    fn it_holds_at_most_its_capacity_and_drops_the_least_recently_used() {
        let cache = ChartCache::default();
        let part = "x".repeat(CAPACITY_BYTES / 4);
        for i in 0..4 {
            cache.put(key(&format!("p{i}"), "summary"), kept(1, day(3), &part));
        }
        assert_eq!(cache.bytes(), CAPACITY_BYTES);
        // p0 is read, so p1 is now the least recently used.
        assert!(cache.get(&key("p0", "summary"), 1, day(3)).is_some());
        cache.put(key("new", "summary"), kept(1, day(3), &part));
        assert_eq!(cache.len(), 4);
        assert_eq!(cache.bytes(), CAPACITY_BYTES);
        assert!(cache.get(&key("p0", "summary"), 1, day(3)).is_some());
        assert!(cache.get(&key("p1", "summary"), 1, day(3)).is_none());
        assert!(cache.get(&key("new", "summary"), 1, day(3)).is_some());
        // A newer version replaces its part and counts only once.
        cache.put(key("new", "summary"), kept(2, day(3), "small"));
        assert_eq!(cache.bytes(), 3 * part.len() + "small".len());
        // A part larger than the whole cache is served but not kept.
        let huge = "x".repeat(CAPACITY_BYTES + 1);
        assert_eq!(
            cache
                .put(key("huge", "summary"), kept(1, day(3), &huge))
                .html
                .len(),
            huge.len()
        );
        assert!(cache.get(&key("huge", "summary"), 1, day(3)).is_none());
    }
}
