//! What a guardian of an adolescent does not see (#29 item 2): entries coded with a code of
//! `sensitive_codes.txt` (sexual and reproductive health, mental health, substance use), kept
//! in the repository so a reviewer can read and change the list.

use std::collections::HashSet;
use std::sync::LazyLock;

static CODES: LazyLock<HashSet<(String, String)>> = LazyLock::new(|| {
    include_str!("sensitive_codes.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split('|');
            Some((parts.next()?.to_string(), parts.next()?.to_string()))
        })
        .collect()
});

/// Whether `code` of `system` is in the sensitive code sets.
pub fn is_sensitive(system: &str, code: &str) -> bool {
    CODES.contains(&(system.to_string(), code.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_sets_cover_the_three_areas_and_nothing_else() {
        assert!(
            is_sensitive("http://snomed.info/sct", "72892002"),
            "pregnancy"
        );
        assert!(
            is_sensitive("http://snomed.info/sct", "35489007"),
            "depression"
        );
        assert!(
            is_sensitive("http://snomed.info/sct", "7200002"),
            "alcoholism"
        );
        assert!(is_sensitive("http://loinc.org", "44249-1"), "PHQ-9");
        assert!(
            !is_sensitive("http://loinc.org", "72892002"),
            "another system"
        );
        assert!(
            !is_sensitive("http://snomed.info/sct", "44054006"),
            "diabetes"
        );
        assert!(CODES.len() > 30);
    }
}
