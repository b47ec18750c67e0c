//! `_include` and `_revinclude`: the resources a search page links to (`Observation:patient`,
//! `MedicationRequest:medication`, `DiagnosticReport:result`, ...) and the Provenance that
//! targets them (`Provenance:target`), taken from the same opened record as the matches.
//!
//! Never: a resource the token may not read (the caller's `allowed` decides, by type and
//! granular category), a resource twice, or one that is already a match on the page.

use std::collections::HashSet;

use serde_json::Value;

use super::search::{include_elements, Search};

fn key(r: &Value) -> String {
    format!(
        "{}/{}",
        r["resourceType"].as_str().unwrap_or_default(),
        r["id"].as_str().unwrap_or_default()
    )
}

/// The references (`Type/id`) in `element` of `r`: one Reference or a list of them.
fn references<'a>(r: &'a Value, element: &str) -> Vec<&'a str> {
    match &r[element] {
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i["reference"].as_str())
            .collect(),
        v => v["reference"].as_str().into_iter().collect(),
    }
}

/// The included resources for the page `found`, in the record's order.
pub fn resolve(
    all: &[Value],
    found: &[Value],
    params: &Search,
    allowed: impl Fn(&Value) -> bool,
) -> Vec<Value> {
    if params.includes.is_empty() && params.revincludes.is_empty() {
        return Vec::new();
    }
    let on_page: HashSet<String> = found.iter().map(key).collect();
    let mut wanted: HashSet<String> = HashSet::new();
    for include in &params.includes {
        for r in found {
            for element in include_elements(include) {
                wanted.extend(references(r, element).into_iter().map(str::to_string));
            }
        }
    }
    let revinclude_provenance = params.revincludes.iter().any(|v| v == "Provenance:target");
    all.iter()
        .filter(|r| {
            let k = key(r);
            if on_page.contains(&k) {
                return false;
            }
            wanted.contains(&k)
                || (revinclude_provenance
                    && r["resourceType"] == "Provenance"
                    && references(r, "target").iter().any(|t| on_page.contains(*t)))
        })
        .filter(|r| allowed(r))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(q: &str) -> Vec<(String, String)> {
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect()
    }

    #[test]
    fn includes_follow_links_and_provenance_targets_and_respect_the_scope() {
        let all = vec![
            json!({"resourceType": "Patient", "id": "p"}),
            json!({"resourceType": "Encounter", "id": "e", "subject": {"reference": "Patient/p"}}),
            json!({"resourceType": "Observation", "id": "o", "subject": {"reference": "Patient/p"}, "encounter": {"reference": "Encounter/e"}}),
            json!({"resourceType": "Provenance", "id": "v", "target": [{"reference": "Observation/o"}]}),
            json!({"resourceType": "Provenance", "id": "w", "target": [{"reference": "Encounter/e"}]}),
        ];
        let found = vec![all[2].clone()];
        let ids = |q: &str, allowed: &dyn Fn(&Value) -> bool| -> Vec<String> {
            let params = super::super::search::parse("Observation", &pairs(q)).unwrap();
            resolve(&all, &found, &params, allowed)
                .iter()
                .map(key)
                .collect()
        };
        let any = |_: &Value| true;
        assert_eq!(ids("", &any), Vec::<String>::new());
        assert_eq!(ids("_include=Observation:patient", &any), ["Patient/p"]);
        assert_eq!(
            ids(
                "_include=Observation:patient&_include=Observation:encounter",
                &any
            ),
            ["Patient/p", "Encounter/e"]
        );
        assert_eq!(ids("_revinclude=Provenance:target", &any), ["Provenance/v"]);
        let no_patient = |r: &Value| r["resourceType"] != "Patient";
        assert!(ids("_include=Observation:patient", &no_patient).is_empty());
    }
}
