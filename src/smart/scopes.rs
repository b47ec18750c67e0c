//! SMART scopes: what an app asks for, what the patient grants, and what a token allows.
//!
//! Only what this portal can do is ever granted: patient-level reads and searches of the types
//! the FHIR API serves, `launch/patient`, `openid fhirUser` and `offline_access`, and SMART v2
//! granular scopes restricted by one `category` (`patient/Observation.rs?category=laboratory`),
//! which the FHIR API enforces on every read and search ([`Scopes::access`]). Anything else
//! (user/ or system/ scopes, writes, other `?` restrictions, unknown words) is dropped, never
//! widened into something we do serve: a restriction we cannot enforce is not granted at all.

use std::collections::BTreeSet;

/// The resource types the FHIR API serves (and the consent page can name).
pub const RESOURCE_TYPES: &[&str] = &[
    "Patient",
    "AllergyIntolerance",
    "CarePlan",
    "Condition",
    "DiagnosticReport",
    "Encounter",
    "Goal",
    "Immunization",
    "MedicationRequest",
    "Observation",
    "Procedure",
    "DocumentReference",
    "Provenance",
    // Who, where and what it cost (#27 item 2): only those the patient's own record holds.
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Location",
    "CareTeam",
    "Claim",
    "ExplanationOfBenefit",
];

pub const LAUNCH_PATIENT: &str = "launch/patient";
pub const OPENID: &str = "openid";
pub const FHIR_USER: &str = "fhirUser";
pub const OFFLINE: &str = "offline_access";

/// A set of granted scopes in canonical form, in the order first seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(Vec<String>);

/// The types whose resources carry a `category` CodeableConcept that a granular scope may
/// restrict to (and the FHIR API can check).
const CATEGORY_TYPES: &[&str] = &[
    "Observation",
    "Condition",
    "DiagnosticReport",
    "CarePlan",
    "DocumentReference",
];

/// What an API request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Read,
    Search,
}

/// A granular scope's restriction: only resources with this category (`system|code` or a bare
/// code, which matches that code in any system, as a FHIR token search does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub system: Option<String>,
    pub code: String,
}

impl Category {
    /// One `category` value of a scope: a code, or `system|code`, in visible ASCII without
    /// the characters that would make the scope ambiguous.
    fn parse(v: &str) -> Option<Self> {
        let ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 200
                && s.bytes()
                    .all(|b| b.is_ascii_graphic() && !b"|&?=,\\\"<>".contains(&b))
        };
        match v.split_once('|') {
            Some((system, code)) if ok(system) && ok(code) => Some(Category {
                system: Some(system.to_string()),
                code: code.to_string(),
            }),
            None if ok(v) => Some(Category {
                system: None,
                code: v.to_string(),
            }),
            _ => None,
        }
    }

    fn canonical(&self) -> String {
        match &self.system {
            Some(s) => format!("{s}|{}", self.code),
            None => self.code.clone(),
        }
    }
}

/// What a token may see of one resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Nothing: the request is refused (403).
    None,
    /// Every resource of the type.
    All,
    /// Only resources in one of these categories (granular scopes).
    Only(Vec<Category>),
}

/// One resource scope: `patient/<type>.<perms>`, with `read`/`search` from v1 or v2 syntax,
/// and for v2 optionally `?category=<token>`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ResourceScope {
    rtype: String,
    read: bool,
    search: bool,
    v1: bool,
    category: Option<Category>,
}

impl ResourceScope {
    fn parse(s: &str) -> Option<Self> {
        let rest = s.strip_prefix("patient/")?;
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (rtype, perms) = rest.split_once('.')?;
        if rtype != "*" && !RESOURCE_TYPES.contains(&rtype) {
            return None;
        }
        // Only `category=<one value>` on a type that has categories; any other restriction
        // is dropped whole (granting the type without it would widen the scope).
        let category = match query {
            None => None,
            Some(q) => {
                let pairs: Vec<(String, String)> = url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect();
                match pairs.as_slice() {
                    [(k, v)] if k == "category" && CATEGORY_TYPES.contains(&rtype) => {
                        Some(Category::parse(v)?)
                    }
                    _ => return None,
                }
            }
        };
        let (read, search, v1) = match perms {
            // v1 has no granular form: with a category, "read" and "*" are no v2 letters
            // either, so the scope is dropped below.
            "read" | "*" if category.is_none() => (true, true, true),
            _ => {
                // v2: a non-empty subsequence of "cruds", in that order.
                let mut last = None;
                for c in perms.chars() {
                    let pos = "cruds".find(c)?;
                    if last.is_some_and(|l| pos <= l) {
                        return None;
                    }
                    last = Some(pos);
                }
                last?;
                (perms.contains('r'), perms.contains('s'), false)
            }
        };
        (read || search).then(|| ResourceScope {
            rtype: rtype.to_string(),
            read,
            search,
            v1,
            category,
        })
    }

    fn canonical(&self) -> String {
        let perms = if self.v1 {
            "read".to_string()
        } else {
            format!(
                "{}{}",
                if self.read { "r" } else { "" },
                if self.search { "s" } else { "" }
            )
        };
        let restriction = match &self.category {
            Some(c) => format!("?category={}", c.canonical()),
            None => String::new(),
        };
        format!("patient/{}.{perms}{restriction}", self.rtype)
    }

    fn covers(&self, other: &ResourceScope) -> bool {
        (self.rtype == "*" || self.rtype == other.rtype)
            && (self.read || !other.read)
            && (self.search || !other.search)
            && (self.category.is_none() || self.category == other.category)
    }
}

fn canonical(word: &str) -> Option<String> {
    match word {
        LAUNCH_PATIENT | OPENID | FHIR_USER | OFFLINE => Some(word.to_string()),
        _ => ResourceScope::parse(word).map(|r| r.canonical()),
    }
}

impl Scopes {
    /// What we would grant of a requested `scope` string: unsupported words are dropped.
    pub fn parse(requested: &str) -> Self {
        let mut out: Vec<String> = Vec::new();
        for word in requested.split_ascii_whitespace() {
            if let Some(c) = canonical(word) {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        Scopes(out)
    }

    pub fn as_string(&self) -> String {
        self.0.join(" ")
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn has(&self, word: &str) -> bool {
        self.0.iter().any(|s| s == word)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when every scope of `self` is covered by `granted` (no escalation).
    pub fn within(&self, granted: &Scopes) -> bool {
        self.0.iter().all(|s| granted.covers(s))
    }

    /// The scopes a refresh asks for, when every word is one we grant and all are within
    /// `granted`; `None` means `invalid_scope` (a refresh can narrow, never add or drop to
    /// nothing).
    pub fn narrowed(asked: &str, granted: &Scopes) -> Option<Scopes> {
        let every_word_known = asked
            .split_ascii_whitespace()
            .all(|w| canonical(w).is_some());
        let narrowed = Scopes::parse(asked);
        (every_word_known && !narrowed.is_empty() && narrowed.within(granted)).then_some(narrowed)
    }

    fn covers(&self, scope: &str) -> bool {
        match ResourceScope::parse(scope) {
            Some(want) => self
                .0
                .iter()
                .filter_map(|s| ResourceScope::parse(s))
                .any(|have| have.covers(&want)),
            None => self.has(scope),
        }
    }

    /// May a token with these scopes do `need` on `rtype`, on all of its resources or some?
    pub fn allows(&self, rtype: &str, need: Need) -> bool {
        self.access(rtype, need) != Access::None
    }

    /// Which resources of `rtype` a token with these scopes may `need`: the union of its
    /// scopes, so one unrestricted scope for the type means all of them.
    pub fn access(&self, rtype: &str, need: Need) -> Access {
        let mut only: Vec<Category> = Vec::new();
        for r in self.0.iter().filter_map(|s| ResourceScope::parse(s)) {
            let applies = (r.rtype == "*" || r.rtype == rtype)
                && match need {
                    Need::Read => r.read,
                    Need::Search => r.search,
                };
            match r.category {
                _ if !applies => {}
                None => return Access::All,
                Some(c) => {
                    if !only.contains(&c) {
                        only.push(c)
                    }
                }
            }
        }
        if only.is_empty() {
            Access::None
        } else {
            Access::Only(only)
        }
    }

    /// The choices the consent page offers: a wildcard becomes one box per type, so the
    /// patient can allow fewer kinds of data than the app asked for.
    pub fn choices(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.0 {
            match ResourceScope::parse(s) {
                Some(r) if r.rtype == "*" => {
                    for t in RESOURCE_TYPES {
                        let one = ResourceScope {
                            rtype: (*t).to_string(),
                            ..r.clone()
                        }
                        .canonical();
                        if !out.contains(&one) {
                            out.push(one);
                        }
                    }
                }
                _ => {
                    if !out.contains(s) {
                        out.push(s.clone());
                    }
                }
            }
        }
        out
    }

    /// What the patient ticked on the consent page, checked against what was asked (a box the
    /// page never offered is refused, not ignored). Every type of a wildcard ticked: the
    /// wildcard itself is granted.
    pub fn consented(&self, ticked: &[String]) -> Option<Scopes> {
        let offered = self.choices();
        let ticked: BTreeSet<&str> = ticked.iter().map(String::as_str).collect();
        if ticked.iter().any(|t| !offered.iter().any(|o| o == t)) {
            return None;
        }
        let mut out = Vec::new();
        for s in &self.0 {
            match ResourceScope::parse(s) {
                Some(r) if r.rtype == "*" => {
                    let each: Vec<String> = RESOURCE_TYPES
                        .iter()
                        .map(|t| {
                            ResourceScope {
                                rtype: (*t).to_string(),
                                ..r.clone()
                            }
                            .canonical()
                        })
                        .collect();
                    if each.iter().all(|e| ticked.contains(e.as_str())) {
                        out.push(s.clone());
                    } else {
                        out.extend(each.into_iter().filter(|e| ticked.contains(e.as_str())));
                    }
                }
                _ if ticked.contains(s.as_str()) => out.push(s.clone()),
                _ => {}
            }
        }
        let mut dedup: Vec<String> = Vec::new();
        for s in out {
            if !dedup.contains(&s) {
                dedup.push(s);
            }
        }
        Some(Scopes(dedup))
    }
}

/// A scope in plain words, for the consent and connected-apps pages, in the language of the
/// request (#31; `locales/*/scopes.ftl`).
pub fn describe(scope: &str) -> String {
    describe_in(crate::i18n::current(), scope)
}

/// [`describe`] in `lang`.
pub fn describe_in(lang: crate::i18n::Lang, scope: &str) -> String {
    use crate::i18n::{tr, tr_args, Arg};
    if let Some(r) = ResourceScope::parse(scope) {
        let what = match r.rtype.as_str() {
            "*" => "scope-data-all",
            "Patient" => "scope-data-patient",
            "AllergyIntolerance" => "scope-data-allergies",
            "CarePlan" => "scope-data-care-plans",
            "Condition" => "scope-data-conditions",
            "DiagnosticReport" => "scope-data-reports",
            "Encounter" => "scope-data-visits",
            "Goal" => "scope-data-goals",
            "Immunization" => "scope-data-immunizations",
            "MedicationRequest" => "scope-data-medications",
            "Observation" => "scope-data-observations",
            "Procedure" => "scope-data-procedures",
            "DocumentReference" => "scope-data-notes",
            "Practitioner" | "PractitionerRole" => "scope-data-clinicians",
            "Organization" | "Location" => "scope-data-places",
            "CareTeam" => "scope-data-care-team",
            "Claim" | "ExplanationOfBenefit" => "scope-data-costs",
            "Provenance" => "scope-data-provenance",
            _ => "scope-data-part",
        };
        let how = match (r.read, r.search) {
            (true, true) => "read",
            (true, false) => "single",
            _ => "search",
        };
        let sentence = |what: &str, category: Option<&str>| {
            let mut args = vec![("how", Arg::from(how)), ("what", Arg::from(tr(lang, what)))];
            match category {
                Some(code) => {
                    args.push(("category", Arg::from(code)));
                    tr_args(lang, "scope-resource-category", &args)
                }
                None => tr_args(lang, "scope-resource", &args),
            }
        };
        return match &r.category {
            None => sentence(what, None),
            Some(c) => match (r.rtype.as_str(), c.code.as_str()) {
                ("Observation", "laboratory") => sentence("scope-data-lab-results", None),
                ("Observation", "vital-signs") => sentence("scope-data-vital-signs", None),
                ("Observation", "social-history") => sentence("scope-data-social-history", None),
                ("Condition", "problem-list-item") => sentence("scope-data-problem-list", None),
                ("Condition", "encounter-diagnosis") => {
                    sentence("scope-data-visit-diagnoses", None)
                }
                ("Condition", "health-concern") => sentence("scope-data-health-concerns", None),
                (_, code) => sentence(what, Some(code)),
            },
        };
    }
    match scope {
        LAUNCH_PATIENT => tr(lang, "scope-launch-patient"),
        OPENID => tr(lang, "scope-openid"),
        FHIR_USER => tr(lang, "scope-fhir-user"),
        OFFLINE => tr(lang, "scope-offline"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_scopes_are_dropped_never_widened() {
        let s = Scopes::parse(
            "patient/Observation.rs user/*.read system/*.rs patient/Observation.cruds patient/Foo.rs \
             patient/Condition.write launch openid patient/*.read patient/Goal.sr \
             patient/Observation.rs?code=1234-5 patient/Observation.rs?category=laboratory&code=x \
             patient/*.rs?category=laboratory patient/Patient.rs?category=x patient/Observation.read?category=laboratory \
             patient/Observation.rs?category=a,b patient/Observation.rs?category=",
        );
        assert_eq!(
            s.as_string(),
            "patient/Observation.rs openid patient/*.read"
        );
    }

    #[test]
    fn a_category_scope_grants_only_that_category() {
        let s = Scopes::parse(
            "patient/Observation.rs?category=laboratory \
             patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category%7Cproblem-list-item",
        );
        assert_eq!(
            s.as_string(),
            "patient/Observation.rs?category=laboratory \
             patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item"
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        );
        let lab = Category {
            system: None,
            code: "laboratory".into(),
        };
        assert_eq!(
            s.access("Observation", Need::Search),
            Access::Only(vec![lab.clone()])
        );
        assert!(
            matches!(s.access("Condition", Need::Read), Access::Only(c) if c[0].code == "problem-list-item")
        );
        assert_eq!(s.access("Patient", Need::Read), Access::None);
        // An unrestricted scope for the type wins over a restricted one.
        let both =
            Scopes::parse("patient/Observation.rs?category=laboratory patient/Observation.r");
        assert_eq!(both.access("Observation", Need::Read), Access::All);
        assert_eq!(
            both.access("Observation", Need::Search),
            Access::Only(vec![lab])
        );
        // A restricted grant never covers the whole type, nor another category.
        let granted = Scopes::parse("patient/Observation.rs?category=laboratory offline_access");
        assert!(Scopes::narrowed("patient/Observation.rs", &granted).is_none());
        assert!(
            Scopes::narrowed("patient/Observation.rs?category=vital-signs", &granted).is_none()
        );
        assert!(Scopes::narrowed("patient/Observation.r?category=laboratory", &granted).is_some());
        assert!(Scopes::parse("patient/Observation.rs?category=laboratory")
            .within(&Scopes::parse("patient/Observation.rs")));
        assert_eq!(
            describe("patient/Observation.rs?category=laboratory"),
            "Read your lab results"
        );
    }

    #[test]
    fn a_category_value_is_a_code_or_a_whole_system_and_code() {
        let kept = |v: &str| {
            let s = format!("patient/Observation.rs?category={v}");
            Scopes::parse(&s).as_string() == s
        };
        assert!(kept("laboratory"));
        assert!(kept("http://x|laboratory"));
        assert!(!kept("http://x|"));
        assert!(!kept("|laboratory"));
        assert!(!kept("a|b|c"));
        assert!(kept(&"x".repeat(200)));
        assert!(!kept(&"x".repeat(201)));
    }

    #[test]
    fn category_scopes_are_described_in_plain_words() {
        for (scope, words) in [
            ("patient/Observation.rs?category=laboratory", "Read your lab results"),
            ("patient/Observation.rs?category=vital-signs", "Read your vital signs"),
            ("patient/Observation.s?category=social-history", "Search your social history"),
            ("patient/Condition.rs?category=problem-list-item", "Read your problem list"),
            (
                "patient/Condition.rs?category=encounter-diagnosis",
                "Read the diagnoses made at your visits",
            ),
            ("patient/Condition.r?category=health-concern", "Read single entries of your health concerns"),
            (
                "patient/DiagnosticReport.rs?category=LAB",
                "Read your test and imaging reports (only those of the category \u{201c}LAB\u{201d})",
            ),
        ] {
            assert_eq!(describe(scope), words, "{scope}");
        }
    }

    #[test]
    fn scopes_are_described_in_the_page_s_language() {
        use crate::i18n::Lang;
        assert_eq!(
            describe_in(Lang::Es, "patient/Observation.rs?category=laboratory"),
            "Leer sus resultados de laboratorio"
        );
        assert_eq!(
            describe_in(Lang::Es, "patient/MedicationRequest.r"),
            "Leer entradas sueltas de sus medicamentos"
        );
        assert_eq!(
            describe_in(Lang::Es, "patient/DiagnosticReport.rs?category=LAB"),
            "Leer sus informes de pruebas e imágenes (solo de la categoría «LAB»)"
        );
        assert_eq!(
            describe_in(Lang::Es, "offline_access"),
            "Mantener el acceso cuando usted no la use, hasta que la desconecte"
        );
    }

    /// Each type the API serves is named on the consent page in its own words, never in the
    /// words for an unknown part of the record (a patient must see what leaves).
    #[test]
    fn every_served_type_has_its_own_words() {
        use crate::i18n::Lang;
        let generic = crate::i18n::tr(Lang::En, "scope-data-part");
        for t in RESOURCE_TYPES {
            let words = describe_in(Lang::En, &format!("patient/{t}.rs"));
            assert!(!words.contains(&generic), "{t}: {words}");
        }
        assert!(!describe_in(Lang::En, "patient/*.rs").contains(&generic));
    }

    #[test]
    fn a_refresh_narrows_only_with_words_it_knows() {
        let granted = Scopes::parse("patient/Observation.rs offline_access");
        assert!(Scopes::narrowed("patient/Observation.r", &granted).is_some());
        assert!(Scopes::narrowed("patient/Observation.r user/*.read", &granted).is_none());
        assert!(Scopes::narrowed("patient/*.rs", &granted).is_none());
        assert!(Scopes::narrowed("", &granted).is_none());
    }

    #[test]
    fn permissions_follow_the_letters() {
        let s = Scopes::parse("patient/Observation.r patient/Condition.s");
        assert!(s.allows("Observation", Need::Read));
        assert!(!s.allows("Observation", Need::Search));
        assert!(s.allows("Condition", Need::Search));
        assert!(!s.allows("Condition", Need::Read));
        assert!(!s.allows("Patient", Need::Read));
        let all = Scopes::parse("patient/*.read");
        assert!(all.allows("Encounter", Need::Search));
    }

    #[test]
    fn narrowing_only_within_what_was_granted() {
        let granted = Scopes::parse("patient/Observation.rs offline_access");
        assert!(Scopes::parse("patient/Observation.r").within(&granted));
        assert!(!Scopes::parse("patient/Condition.rs").within(&granted));
        assert!(!Scopes::parse("patient/*.rs").within(&granted));
        assert!(!Scopes::parse("openid").within(&granted));
    }

    #[test]
    fn consent_can_narrow_a_wildcard_but_not_add() {
        let asked = Scopes::parse("launch/patient patient/*.rs offline_access");
        assert!(asked
            .choices()
            .contains(&"patient/Observation.rs".to_string()));
        let got = asked
            .consented(&[
                "launch/patient".into(),
                "patient/Observation.rs".into(),
                "patient/Patient.rs".into(),
            ])
            .unwrap();
        assert_eq!(
            got.as_string(),
            "launch/patient patient/Patient.rs patient/Observation.rs"
        );
        let all: Vec<String> = asked.choices();
        assert_eq!(
            asked.consented(&all).unwrap().as_string(),
            "launch/patient patient/*.rs offline_access"
        );
        assert!(asked.consented(&["openid".into()]).is_none());
    }
}
