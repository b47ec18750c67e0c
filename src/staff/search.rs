//! Patient search for clinicians: by name prefix, date of birth or MRN, paged.
//!
//! Names and MRNs are matched on their folded search keys (`records::search_keys::fold`:
//! accents and case folded away, so "guzman" finds "Guzmán" and a pasted MRN in another case
//! finds its patient); what the clinician typed is folded the same way.
//!
//! Every query is an index lookup, so it stays fast at 100 000 patients: exact `mrn_folded`,
//! exact `birth_date`, and name prefixes as a range on the folded name columns
//! (`family_folded >= 'smi' AND family_folded < 'smj'`). A bare `LIKE 'smi%'` would not do:
//! SQLite's LIKE is case-insensitive and so cannot use a BINARY index, and PostgreSQL uses a
//! btree for LIKE only under the C collation. The range finds the rows through the index and
//! an escaped `LIKE` then keeps exactly the prefix matches. User text is always bound, never
//! put into the SQL. Results carry only what identifies a patient: name, date of birth, MRN.

use serde::Serialize;

use crate::db::Pool;
use crate::records::search_keys::fold;
use crate::records::PatientId;

pub const PAGE_SIZE: i64 = 20;
/// Deep pages of a broad prefix are no use to anyone; a narrower search is.
pub const MAX_PAGE: i64 = 250;
const MAX_QUERY_CHARS: usize = 100;

/// What the clinician typed, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// `YYYY-MM-DD`.
    BirthDate(String),
    /// One word: an exact MRN, or else a family-name prefix; both folded.
    MrnOrFamily { mrn: String, family: String },
    /// "family, given" or "given family": both prefixes, folded.
    Name { family: String, given: String },
}

impl Query {
    /// Parses the search box. `Err` carries the key of the page's message (`page_words.ftl`).
    pub fn parse(q: &str) -> Result<Query, &'static str> {
        let q: String = q.chars().filter(|c| !c.is_control()).collect();
        let q = q.split_whitespace().collect::<Vec<_>>().join(" ");
        if q.is_empty() {
            return Err("page-words-search-empty");
        }
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err("page-words-search-too-long");
        }
        if let Ok(date) = chrono::NaiveDate::parse_from_str(&q, "%Y-%m-%d") {
            return Ok(Query::BirthDate(date.format("%Y-%m-%d").to_string()));
        }
        if let Some((family, given)) = q.split_once(',') {
            let family = fold(family.trim());
            let given = fold(given.trim());
            if family.is_empty() {
                return Err("page-words-search-family-first");
            }
            if given.is_empty() {
                return Self::one_word(&family);
            }
            return Ok(Query::Name { family, given });
        }
        match q.rsplit_once(' ') {
            Some((given, family)) => Ok(Query::Name {
                family: fold(family),
                given: fold(given),
            }),
            None => Self::one_word(&q),
        }
    }

    fn one_word(word: &str) -> Result<Query, &'static str> {
        if word.chars().count() < 2 {
            return Err("page-words-search-two-letters");
        }
        Ok(Query::MrnOrFamily {
            mrn: fold(word),
            family: fold(word),
        })
    }
}

/// One line of a result list.
#[derive(Debug, Clone, Serialize)]
pub struct PatientRow {
    pub id: PatientId,
    /// "Family, Given".
    pub name: String,
    pub birth_date: String,
    pub mrn: String,
}

const COLUMNS: &str = "id, given_name, family_name, birth_date, mrn";
const ORDER: &str = "ORDER BY family_folded, given_folded, birth_date, id";

/// A patient as `COLUMNS` reads one.
#[derive(sqlx::FromRow)]
struct Stored {
    id: PatientId,
    given_name: String,
    family_name: String,
    birth_date: String,
    mrn: String,
}

impl From<Stored> for PatientRow {
    fn from(p: Stored) -> PatientRow {
        let (family, given) = (p.family_name, p.given_name);
        PatientRow {
            id: p.id,
            name: match (family.is_empty(), given.is_empty()) {
                (false, false) => format!("{family}, {given}"),
                (true, _) => given,
                (_, true) => family,
            },
            birth_date: p.birth_date,
            mrn: p.mrn,
        }
    }
}

/// `%`, `_` and the escape character itself are literal in a prefix.
pub fn like_prefix(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The smallest string above every string that starts with `prefix` (byte/code point
/// order), or None when there is none (a prefix of U+10FFFF only).
pub fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = (last as u32 + 1..=char::MAX as u32).find_map(char::from_u32) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// A prefix condition on an indexed column, with its binds: range for the index, LIKE for
/// exactness.
fn prefix_condition(
    column: &str,
    prefix: &str,
    first_bind: usize,
    binds: &mut Vec<String>,
) -> String {
    let n = first_bind;
    binds.push(prefix.to_string());
    binds.push(like_prefix(prefix));
    match prefix_upper_bound(prefix) {
        Some(upper) => {
            binds.push(upper);
            format!(
                "{column} >= ${n} AND {column} < ${} AND {column} LIKE ${} ESCAPE '\\'",
                n + 2,
                n + 1
            )
        }
        None => format!("{column} >= ${n} AND {column} LIKE ${} ESCAPE '\\'", n + 1),
    }
}

/// A page of results and how many there are in all.
#[derive(Debug, Clone)]
pub struct Found {
    pub total: i64,
    pub rows: Vec<PatientRow>,
}

async fn run(
    pool: &Pool,
    condition: &str,
    binds: &[String],
    page: i64,
) -> Result<Found, sqlx::Error> {
    let count_sql = format!("SELECT COUNT(*) FROM patients WHERE {condition}");
    let mut count = sqlx::query_scalar(&count_sql);
    for b in binds {
        count = count.bind(b);
    }
    let total: i64 = count.fetch_one(pool).await?;
    let offset = (page - 1) * PAGE_SIZE;
    if total <= offset {
        return Ok(Found {
            total,
            rows: vec![],
        });
    }
    let n = binds.len();
    let page_sql = format!(
        "SELECT {COLUMNS} FROM patients WHERE {condition} {ORDER} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut query = sqlx::query_as::<_, Stored>(&page_sql);
    for b in binds {
        query = query.bind(b);
    }
    let rows = query
        .bind(PAGE_SIZE)
        .bind(offset)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(PatientRow::from)
        .collect();
    Ok(Found { total, rows })
}

/// The SQL condition and binds a query becomes (the MRN part of a one-word query is looked
/// up first, separately).
fn name_condition(query: &Query) -> (String, Vec<String>) {
    let mut binds = Vec::new();
    let condition = match query {
        Query::BirthDate(date) => {
            binds.push(date.clone());
            "birth_date = $1".to_string()
        }
        Query::MrnOrFamily { family, .. } => {
            prefix_condition("family_folded", family, 1, &mut binds)
        }
        Query::Name { family, given } => {
            let f = prefix_condition("family_folded", family, 1, &mut binds);
            let next = binds.len() + 1;
            let g = prefix_condition("given_folded", given, next, &mut binds);
            format!("{f} AND {g}")
        }
    };
    (condition, binds)
}

/// Runs a search. `page` starts at 1.
pub async fn search(pool: &Pool, query: &Query, page: i64) -> Result<Found, sqlx::Error> {
    let page = page.clamp(1, MAX_PAGE);
    if let Query::MrnOrFamily { mrn, .. } = query {
        // MRNs are unique as stored, but two could differ only in case: list every match.
        let exact = sqlx::query_as::<_, Stored>(&format!(
            "SELECT {COLUMNS} FROM patients WHERE mrn_folded = $1 {ORDER} LIMIT $2"
        ))
        .bind(mrn)
        .bind(PAGE_SIZE)
        .fetch_all(pool)
        .await?;
        if !exact.is_empty() {
            let total = exact.len() as i64;
            let rows = if page == 1 {
                exact.into_iter().map(PatientRow::from).collect()
            } else {
                vec![]
            };
            return Ok(Found { total, rows });
        }
    }
    let (condition, binds) = name_condition(query);
    run(pool, &condition, &binds, page).await
}

/// The patients on a clinician's care team (a care team is small; the first 200 are shown).
pub async fn care_team_patients(
    pool: &Pool,
    clinician_subject: &str,
) -> Result<Vec<PatientRow>, sqlx::Error> {
    let rows = sqlx::query_as::<_, Stored>(
        "SELECT p.id, p.given_name, p.family_name, p.birth_date, p.mrn FROM care_team c \
         JOIN patients p ON p.id = c.patient_id WHERE c.clinician_subject = $1 \
         ORDER BY p.family_folded, p.given_folded, p.birth_date, p.id LIMIT 200",
    )
    .bind(clinician_subject)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(PatientRow::from).collect())
}

/// Name, date of birth and MRN of one patient (for the break-the-glass form and the printed
/// activation code), or None if there is no such patient.
pub async fn identify(
    pool: &Pool,
    patient_id: &PatientId,
) -> Result<Option<PatientRow>, sqlx::Error> {
    let row = sqlx::query_as::<_, Stored>(&format!("SELECT {COLUMNS} FROM patients WHERE id = $1"))
        .bind(patient_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(PatientRow::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_box_is_understood() {
        assert_eq!(
            Query::parse(" 1984-02-29 "),
            Ok(Query::BirthDate("1984-02-29".into()))
        );
        assert_eq!(
            Query::parse("Smith,  Mary Ann"),
            Ok(Query::Name {
                family: "smith".into(),
                given: "mary ann".into()
            })
        );
        assert_eq!(
            Query::parse("Mary  Smith"),
            Ok(Query::Name {
                family: "smith".into(),
                given: "mary".into()
            })
        );
        assert_eq!(
            Query::parse("MRN-100001"),
            Ok(Query::MrnOrFamily {
                mrn: "mrn-100001".into(),
                family: "mrn-100001".into()
            })
        );
        // Typed with or without accents, in any case, the query is the same.
        for typed in [
            "Guzmán, María",
            "guzman, maria",
            "MARIA GUZMAN",
            "María Guzmán",
        ] {
            assert_eq!(
                Query::parse(typed),
                Ok(Query::Name {
                    family: "guzman".into(),
                    given: "maria".into()
                }),
                "{typed}"
            );
        }
        assert_eq!(
            Query::parse("Smith,"),
            Ok(Query::MrnOrFamily {
                mrn: "smith".into(),
                family: "smith".into()
            })
        );
        assert!(Query::parse("   ").is_err());
        assert!(Query::parse("S").is_err());
        assert!(Query::parse(", Mary").is_err());
        assert!(Query::parse(&"x".repeat(101)).is_err());
        // Each refusal is a message of every language (#31).
        for typed in ["   ", "S", ", Mary", &"x".repeat(101)] {
            let key = Query::parse(typed).unwrap_err();
            for &lang in crate::i18n::Lang::all() {
                assert!(crate::i18n::lookup(lang, key, &[]).is_some(), "{key}");
            }
        }
        // Not a real date: a name search, which finds nobody.
        assert!(matches!(
            Query::parse("1984-02-30"),
            Ok(Query::MrnOrFamily { .. })
        ));
    }

    #[test]
    fn prefixes_are_literal_and_bounded() {
        assert_eq!(like_prefix("o'b_%\\"), "o'b\\_\\%\\\\%");
        assert_eq!(prefix_upper_bound("smi").as_deref(), Some("smj"));
        assert_eq!(prefix_upper_bound("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
        assert_eq!(prefix_upper_bound("\u{D7FF}").as_deref(), Some("\u{E000}"));
    }

    #[test]
    fn conditions_bind_everything() {
        let (sql, binds) = name_condition(&Query::Name {
            family: "smi".into(),
            given: "m%".into(),
        });
        assert!(!sql.contains("smi") && !sql.contains('%'));
        assert_eq!(binds, ["smi", "smi%", "smj", "m%", "m\\%%", "m&"]);
        assert!(sql.contains("$6"));
    }
}
