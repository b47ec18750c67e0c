//! What a guardian of an adolescent does not see (#29 item 2): entries coded with a code of
//! `sensitive_codes.txt` (sexual and reproductive health, mental health, substance use), kept
//! in the repository so a reviewer can read and change the list, and entries whose source
//! labelled them restricted (`meta.security` R or V, kept at import: `records::fhir_import`).

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::access::ProxyGrant;
use crate::db::Pool;
use crate::records::model::Concept;
use crate::records::store;

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

/// What a guardian of an adolescent does not see of one record (#29 item 2): items coded with
/// a code of the sensitive code sets, and items whose source labelled them restricted or very
/// restricted (`meta.security` R or V), whatever their code. Hides nothing from anyone else.
#[derive(Debug, Default)]
pub struct Hidden {
    hides_sensitive: bool,
    /// (FHIR resource type, FHIR id) of the labelled items.
    labelled: HashSet<(String, String)>,
}

impl Hidden {
    /// What `grant`'s reader does not see; the labels are read only for a guardian of an
    /// adolescent.
    pub async fn for_grant(pool: &Pool, grant: &ProxyGrant) -> Result<Hidden, sqlx::Error> {
        if !grant.hides_sensitive() {
            return Ok(Hidden::default());
        }
        let labelled = store::security_labels(pool, grant.chart())
            .await?
            .into_iter()
            .map(|l| (l.resource_type, l.fhir_id))
            .collect();
        Ok(Hidden {
            hides_sensitive: true,
            labelled,
        })
    }

    /// Whether the item `fhir_id` of FHIR type `resource_type`, coded `code`, stays hidden.
    pub fn hides(&self, resource_type: &str, fhir_id: &str, code: &Concept) -> bool {
        self.hides_sensitive
            && (is_sensitive(&code.system, &code.code)
                || self
                    .labelled
                    .contains(&(resource_type.to_string(), fhir_id.to_string())))
    }
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
