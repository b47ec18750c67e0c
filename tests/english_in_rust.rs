//! No English sentence written in Rust reaches a person (#31): this test reads every
//! `src/**/*.rs`, finds the string literals that look like English prose meant for a person, and
//! fails on any that is not an argument of a call (or in a place) where English is the right
//! answer: a log line, a panic, an internal error, SQL, an answer read by apps, the operator's
//! console, a FHIR document. Words a person reads come from `locales/<language>/*.ftl` through
//! `i18n::tr`; a literal left in Rust is a sentence the Spanish page would show in English.
//!
//! It is static on purpose: the pseudo-locale walk and the Spanish tests read the pages someone
//! thought of; this reads every page's source, error pages, refusals and flashes reached by a
//! POST or a fault included, so a new English sentence fails here the day it is written.
//!
//! How it reads (the same kind of hand-written tokenizer as `tests/module_graph.rs`, which
//! costs no dependency and sees inside macro invocations, where `syn` leaves raw tokens):
//! - comments (doc comments too) are dropped, string literals are kept with their line;
//! - items under `#[cfg(test)]` are skipped (an item, braces balanced: most files end with
//!   their `mod tests`, but `access.rs` has one in the middle and `records::model` two), and so
//!   are files declared under it (`#[cfg(test)] mod test_bundles;`);
//! - each literal knows the calls it is an argument of (`tracing::warn!(…)`, `.context(…)`,
//!   `#[error(…)]`), the functions it is written in, and the `const` or `static` it belongs to.
//!
//! What looks like prose: after dropping `{…}` placeholders, at least two words of letters, and
//! either three words or more, or a capital first letter (`"Care plan"`); not a path, a key, a
//! media type, markup or SQL. A false alarm is cheaper than a sentence missed: allow it below,
//! with its reason. What it cannot see: a single word (`"Patient"`, a claim's `"Clinician"`)
//! or two lowercase ones, too often codes to tell apart; English that comes from outside the
//! crate's literals (a source's data, a library's `Display`); and English an allowed function
//! returns to a page that should not show it (a label kept for the export, read by a page):
//! the pseudo-locale walk and the Spanish tests still catch those on the pages they read.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[path = "common/rust_tokens.rs"]
mod rust_tokens;
use rust_tokens::{tokenize, Token};

/// A string literal and where it stands.
#[derive(Debug, Clone)]
struct Literal {
    text: String,
    line: usize,
    /// The calls it is inside, outermost first: `info!`, `context`, `#error`, `Some`, …
    calls: Vec<String>,
    /// The functions it is written in, outermost first.
    functions: Vec<String>,
    /// The `const` or `static` whose value it is part of.
    constant: Option<String>,
}

/// Index after the item starting at `i` (its attributes included): braces balanced, or to `;`.
fn skip_item(tokens: &[Token], mut i: usize) -> usize {
    while tokens.get(i) == Some(&Token::Punct('#')) {
        i += 1;
        let mut depth = 0usize;
        while let Some(t) = tokens.get(i) {
            i += 1;
            match t {
                Token::Punct('[') => depth += 1,
                Token::Punct(']') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    let mut depth = 0usize;
    while let Some(t) = tokens.get(i) {
        i += 1;
        match t {
            Token::Punct(';') if depth == 0 => break,
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
    }
    i
}

fn is_cfg_test(tokens: &[Token], i: usize) -> bool {
    let want = [
        Token::Punct('#'),
        Token::Punct('['),
        Token::Ident("cfg".into()),
        Token::Punct('('),
        Token::Ident("test".into()),
        Token::Punct(')'),
        Token::Punct(']'),
    ];
    tokens.len() >= i + want.len() && tokens[i..i + want.len()] == want
}

/// The literals of a source, outside `#[cfg(test)]` items; and the modules declared test-only
/// (`#[cfg(test)] mod name;`).
fn literals(src: &str) -> (Vec<Literal>, Vec<String>) {
    let tokens = tokenize(src);
    let mut found = Vec::new();
    let mut test_only = Vec::new();
    // Open brackets: (the call or attribute they belong to, the function whose body they open).
    let mut stack: Vec<(String, Option<String>)> = Vec::new();
    let mut pending_fn: Option<String> = None;
    // A `const`/`static` being written, and the depth of its `;`.
    let mut constant: Option<(String, usize)> = None;
    let mut i = 0;
    while i < tokens.len() {
        if is_cfg_test(&tokens, i) {
            let end = skip_item(&tokens, i);
            if let [.., Token::Ident(m), Token::Ident(name), Token::Punct(';')] = &tokens[i..end] {
                if m == "mod" {
                    test_only.push(name.clone());
                }
            }
            i = end;
            continue;
        }
        let prev = |k: usize| i.checked_sub(k).and_then(|j| tokens.get(j));
        match &tokens[i] {
            Token::Ident(f) if f == "fn" => {
                if let Some(Token::Ident(name)) = tokens.get(i + 1) {
                    pending_fn = Some(name.clone());
                }
            }
            Token::Ident(c) if c == "const" || c == "static" => {
                if let Some(Token::Ident(name)) = tokens.get(i + 1) {
                    if name != "fn" && name != "mut" {
                        constant = Some((name.clone(), stack.len()));
                    } else if let Some(Token::Ident(name)) = tokens.get(i + 2) {
                        if name != "fn" {
                            constant = Some((name.clone(), stack.len()));
                        }
                    }
                }
            }
            Token::Punct(';') => {
                pending_fn = None;
                if constant.as_ref().is_some_and(|(_, d)| *d == stack.len()) {
                    constant = None;
                }
            }
            Token::Punct(open @ ('(' | '[' | '{')) => {
                let call = match (prev(1), prev(2)) {
                    (Some(Token::Punct('#')), _)
                    | (Some(Token::Punct('!')), Some(Token::Punct('#'))) => {
                        // An attribute: named by its first word (`#error`, `#serde`).
                        match tokens.get(i + 1) {
                            Some(Token::Ident(a)) => format!("#{a}"),
                            _ => "#".to_owned(),
                        }
                    }
                    (Some(Token::Punct('!')), Some(Token::Ident(m))) => format!("{m}!"),
                    (Some(Token::Ident(f)), _) => f.clone(),
                    (Some(Token::Punct('>')), _) => {
                        // A turbofish (`query_as::<_, Row>(`): the name before `::<`.
                        let mut j = i - 1;
                        let mut depth = 0i32;
                        loop {
                            match tokens.get(j) {
                                Some(Token::Punct('>')) => depth += 1,
                                Some(Token::Punct('<')) => depth -= 1,
                                _ => {}
                            }
                            if depth == 0 || j == 0 {
                                break;
                            }
                            j -= 1;
                        }
                        match (
                            j.checked_sub(2).and_then(|k| tokens.get(k)),
                            tokens.get(j.wrapping_sub(1)),
                        ) {
                            (Some(Token::Ident(f)), Some(Token::PathSep)) => f.clone(),
                            _ => String::new(),
                        }
                    }
                    _ => String::new(),
                };
                let function = if *open == '{' {
                    pending_fn.take()
                } else {
                    None
                };
                stack.push((call, function));
            }
            Token::Punct(')' | ']' | '}') => {
                stack.pop();
            }
            Token::Str(text, line) => found.push(Literal {
                text: text.clone(),
                line: *line,
                calls: stack
                    .iter()
                    .map(|(c, _)| c.clone())
                    .filter(|c| !c.is_empty())
                    .collect(),
                functions: stack.iter().filter_map(|(_, f)| f.clone()).collect(),
                constant: constant.as_ref().map(|(c, _)| c.clone()),
            }),
            _ => {}
        }
        i += 1;
    }
    (found, test_only)
}

/// Whether a literal reads like English words meant for a person.
fn looks_like_prose(text: &str) -> bool {
    // `{name}`, `{}`, `{:.1}` are filled in; `{{` is a brace.
    let mut plain = String::new();
    let mut depth = 0;
    for c in text.replace("{{", "").replace("}}", "").chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    // Escapes (`\n`, `\"`) are not words.
    let mut unescaped = String::new();
    let mut chars = plain.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            chars.next();
            unescaped.push(' ');
        } else {
            unescaped.push(c);
        }
    }
    let plain = unescaped.trim();
    if plain.is_empty() {
        return false;
    }
    // Markup, code, media types, header values (`'self'`, `a=()`).
    let code_like = [
        "</",
        "/>",
        "::",
        "=>",
        "();",
        "${",
        "application/",
        "text/",
        "'self'",
        "'none'",
        "=",
    ];
    if code_like.iter().any(|c| plain.contains(c)) || plain.starts_with('<') {
        return false;
    }
    // SQL, and lists of columns (`id, patient_id, state`).
    let sql = [
        "SELECT ",
        "INSERT ",
        "UPDATE ",
        "DELETE ",
        "WITH ",
        "CREATE ",
        "ALTER ",
        "DROP ",
        "LOCK ",
        "SET ",
        "BEGIN",
        "COMMIT",
        "TRUNCATE ",
        "ORDER BY ",
        "CAST(",
        "UNION ",
        "ON CONFLICT ",
    ];
    let sql_words = [
        " FROM ",
        " WHERE ",
        " VALUES ",
        " JOIN ",
        " ORDER BY ",
        " UNION ",
        " ON CONFLICT ",
        " AND ",
        " LIKE ",
    ];
    if sql
        .iter()
        .any(|k| plain.trim_start_matches('(').starts_with(k))
        || sql_words.iter().any(|k| plain.contains(k))
        || plain
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || " _,".contains(c))
            && plain.contains('_')
    {
        return false;
    }
    let words: Vec<&str> = plain
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphabetic()))
        .filter(|w| {
            w.chars().count() >= 1
                && w.chars()
                    .all(|c| c.is_alphabetic() || c == '\'' || c == '-' || c == '’')
        })
        .collect();
    if words.len() < 2 {
        return false;
    }
    let capital = plain.chars().next().is_some_and(char::is_uppercase)
        && words[0].chars().next().is_some_and(char::is_uppercase);
    words.len() >= 3 || capital
}

/// Where English is the right answer. A literal is allowed when one rule matches it: its file
/// starts with `file`, and (when given) one of the calls it is inside is `call`, one of the
/// functions it is written in is `function`, the constant it belongs to is `constant`.
struct Rule {
    file: &'static str,
    call: Option<&'static str>,
    function: Option<&'static str>,
    constant: Option<&'static str>,
    why: &'static str,
}

/// A rule by the call a literal is an argument of, in any file.
const fn call(name: &'static str, why: &'static str) -> Rule {
    Rule {
        file: "",
        call: Some(name),
        function: None,
        constant: None,
        why,
    }
}

/// A rule by the call a literal is an argument of, in one file or folder.
const fn call_in(file: &'static str, name: &'static str, why: &'static str) -> Rule {
    Rule {
        file,
        call: Some(name),
        function: None,
        constant: None,
        why,
    }
}

/// A rule by the function a literal is written in.
const fn function(file: &'static str, name: &'static str, why: &'static str) -> Rule {
    Rule {
        file,
        call: None,
        function: Some(name),
        constant: None,
        why,
    }
}

/// A rule by the constant a literal is (part of) the value of.
const fn constant(file: &'static str, name: &'static str, why: &'static str) -> Rule {
    Rule {
        file,
        call: None,
        function: None,
        constant: Some(name),
        why,
    }
}

/// A file or folder wholly out of scope.
const fn file(file: &'static str, why: &'static str) -> Rule {
    Rule {
        file,
        call: None,
        function: None,
        constant: None,
        why,
    }
}

const LOG: &str = "the log is the operator's, in English";
const BUG: &str =
    "a bug's message: a panic goes to the log and the person sees the 500 page's words";
const INTERNAL: &str = "an internal error: AppError::Internal logs its cause chain and shows \
                        error-internal from errors.ftl, never its text (web/errors.rs)";
const UNAVAILABLE: &str =
    "AppError::Unavailable's cause is logged; the page shows error-unavailable (web/errors.rs)";
const SQL: &str = "SQL";
const OPERATOR: &str = "the operator's console (standard output and error), not a page";
const OAUTH: &str = "an OAuth/SMART error_description: read by apps, the API stays B2C's and RFC \
                     6749's English";
const B2C: &str = "B2C's own English error_description (AADB2C…), read by the relying app: the \
                   emulator answers as B2C does; its error page shows the code and a sentence \
                   of emulator_messages.ftl";
const FHIR: &str = "a FHIR document or API answer (OperationOutcome diagnostics, resources): the \
                    same in every language, read by apps";
const IMPORT: &str = "the FHIR import's reasons: read by the operator of `patient-portal import` \
                      (cli.rs is the only caller of parse_bundle)";
const STARTUP: &str = "a configuration or start-up error: printed for the operator, the portal \
                       does not start";
const KEY_BY_NAME: &str = "an English name that is the key of its message: the template shows \
                           t_or(key=\"section-\"/\"acting-section-\" ~ slug), in the page's \
                           language";
const EXPORT: &str = "English kept for the FHIR export and logs; the pages name it from the \
                      message files by its code";
const STORED: &str = "English kept in storage on purpose and compared when read \
                      (appointments::common::preferences_words shows it in the page's language)";

const RULES: &[Rule] = &[
    // Logs.
    call("trace!", LOG),
    call("debug!", LOG),
    call("info!", LOG),
    call("warn!", LOG),
    call("error!", LOG),
    call("event!", LOG),
    call("info_span!", LOG),
    call("#instrument", LOG),
    // Bugs.
    call("expect", BUG),
    call("expect_err", BUG),
    call("panic!", BUG),
    call("unreachable!", BUG),
    call("todo!", BUG),
    call("unimplemented!", BUG),
    call("assert!", BUG),
    call("assert_eq!", BUG),
    call("assert_ne!", BUG),
    call("debug_assert!", BUG),
    // Internal errors.
    call("anyhow!", INTERNAL),
    call("bail!", INTERNAL),
    call("ensure!", INTERNAL),
    call("context", INTERNAL),
    call("with_context", INTERNAL),
    call("Internal", INTERNAL),
    call(
        "Decode",
        "a row that does not decode: an sqlx error, so AppError::Internal (web/errors.rs)",
    ),
    call(
        "Protocol",
        "an sqlx error, so AppError::Internal (web/errors.rs)",
    ),
    call(
        "ErrorInternalServerError",
        "a middleware's error: no_bare_errors answers with the 503 page's own words",
    ),
    call(
        "msg",
        "a template engine's error: logged, the person sees the 500 page's words",
    ),
    call(
        "#error",
        "an error type's Display (thiserror): logged; AppError's pages take their words from the \
         message files, never from Display (web/errors.rs)",
    ),
    call("Unavailable", UNAVAILABLE),
    // SQL.
    call("query", SQL),
    call("query_as", SQL),
    call("query_scalar", SQL),
    call("query!", SQL),
    call("query_as!", SQL),
    call("query_scalar!", SQL),
    call(
        "contains",
        "compared with another program's text (a database's error), not shown",
    ),
    // The operator's console.
    call("println!", OPERATOR),
    call("eprintln!", OPERATOR),
    file("cli.rs", OPERATOR),
    file("main.rs", OPERATOR),
    file("config.rs", STARTUP),
    file("tls.rs", STARTUP),
    function("startup.rs", "bind", STARTUP),
    function("startup.rs", "writable_data_dir", STARTUP),
    file(
        "audit/chain.rs",
        "the audit chain's verification: `patient-portal audit verify` prints it, /readyz and \
         the log carry it, for the operator",
    ),
    file(
        "audit/segments.rs",
        "audit key rotation: `patient-portal audit rotate-key` prints it for the operator",
    ),
    function(
        "audit/writer.rs",
        "readiness",
        "/readyz's reason, read by the operator's monitoring",
    ),
    function(
        "audit/entry.rs",
        "reason",
        "AuditError's reason: logged once by From<AuditError> for AppError, which shows \
         error-unavailable",
    ),
    function(
        "staff/care_team.rs",
        "resolve_clinician",
        "called by care_team_cli only: `patient-portal care-team` output",
    ),
    function(
        "staff/care_team.rs",
        "care_team_cli",
        "`patient-portal care-team` output",
    ),
    function(
        "smart/apps.rs",
        "check_redirect_uri",
        "`patient-portal apps add --redirect-uri`: the operator's command line",
    ),
    file(
        "metrics/",
        "metrics help and the scrape endpoint's plain-text answers: read by Prometheus and the \
         operator",
    ),
    call("describe_counter!", "metrics help"),
    call("describe_gauge!", "metrics help"),
    call("describe_histogram!", "metrics help"),
    // Demo data.
    file(
        "demo/",
        "demo data: a made-up record, as a source would send it",
    ),
    file(
        "appointments/demo.rs",
        "demo data: a made-up request, as a patient would write it",
    ),
    file(
        "renewals/demo.rs",
        "demo data: a made-up request, as a patient would write it",
    ),
    // Answers read by apps.
    file("fhir_api/", FHIR),
    file("records/fhir_export.rs", FHIR),
    file("records/note_export.rs", FHIR),
    file("sharing/ips.rs", FHIR),
    call_in("sharing/content.rs", "ips_document", FHIR),
    function("proxy/fhir.rs", "add_to_export", FHIR),
    function("audit/pages.rs", "audit_events", FHIR),
    file(
        "records/us_core.rs",
        "US Core's names of codes and profiles: FHIR data",
    ),
    file(
        "sharing/manifest.rs",
        "the SMART Health Links manifest's JSON answers: read by the recipient's app",
    ),
    call_in("smart/routes.rs", "refuse", OAUTH),
    call_in("smart/routes.rs", "redirect_error", OAUTH),
    call_in("smart/routes.rs", "oauth_error", OAUTH),
    function("smart/routes.rs", "client_credentials", OAUTH),
    function("smart/routes.rs", "token_inner", OAUTH),
    function("smart/routes.rs", "revoke", OAUTH),
    function("smart/routes.rs", "introspect_inner", OAUTH),
    file("b2c_emulator/token.rs", B2C),
    function("b2c_emulator/errors.rs", "with_correlation", B2C),
    // Internal reasons of one module.
    file(
        "auth/provider.rs",
        "why a token or the provider's metadata was refused: ProviderError is logged and the \
         sign-in page says signin_errors.ftl's words by its code",
    ),
    function(
        "auth/step_up.rs",
        "fmt",
        "StepUpRequired's Display, for the log; the refusal page's words come from refusals.ftl",
    ),
    call_in(
        "records/ids.rs",
        "Malformed",
        "the kind of a malformed identifier, for the log and the import's report",
    ),
    file("records/fhir_import/", IMPORT),
    function("records/notes.rs", "read_attachment", IMPORT),
    call_in("records/notes.rs", "link_rel", "an HTML attribute's value"),
    function(
        "records/model.rs",
        "fmt",
        "RecordCounts' Display: the import's summary on the operator's console",
    ),
    // English kept as a key, for the export or in storage.
    function("records/pages.rs", "title", KEY_BY_NAME),
    function("records/pages.rs", "nav", KEY_BY_NAME),
    function("records/pages.rs", "printable", KEY_BY_NAME),
    call_in("proxy/acting.rs", "page", KEY_BY_NAME),
    call_in("proxy/actions.rs", "page_with", KEY_BY_NAME),
    function("records/model.rs", "label", EXPORT),
    function("records/model.rs", "display", EXPORT),
    function("records/model.rs", "class_label", EXPORT),
    function("records/model.rs", "title", EXPORT),
    function(
        "records/model.rs",
        "no_known_allergies",
        "SNOMED CT's display of a code: clinical data, shown as a source's name",
    ),
    function("proxy/mod.rs", "label", EXPORT),
    constant("messages/draft.rs", "CATEGORIES", EXPORT),
    function("messages/draft.rs", "category_label", EXPORT),
    function("appointments/patient.rs", "time_label", EXPORT),
    function("appointments/patient.rs", "parse_request", STORED),
    function("appointments/common.rs", "preferences_words", STORED),
    function(
        "records/fhir_import/observations.rs",
        "describe_other_value",
        "kept at import as the fallback for a value the views do not know (3574c68): they write \
         it from the source's value in the page's language",
    ),
    constant(
        "records/views.rs",
        "SEMANTIC_TAGS",
        "SNOMED CT's semantic tags, matched to strip them from a name",
    ),
    constant(
        "records/views.rs",
        "VITAL_COLUMNS",
        "the vital signs' English names, matched with a source's; the columns' words come from \
         clinical.ftl (vital_column_name)",
    ),
    function(
        "records/ranges.rs",
        "fmt",
        "a flag's code as the templates read it (t_or(key=\"flag-\" ~ …)), never shown itself",
    ),
    constant(
        "records/ranges.rs",
        "SHORT_NAMES",
        "our short English name of a test, matched with a source's; the pages show clinical.ftl's \
         name by LOINC code (86683f2)",
    ),
    call_in(
        "records/ranges.rs",
        "row",
        "our short English name of a test, matched with a source's; the pages show clinical.ftl's \
         name by LOINC code (86683f2)",
    ),
    constant(
        "i18n/converted.rs",
        "PROPER_NAMES",
        "names that are the same in every language",
    ),
    file(
        "web/cors.rs",
        "the CORS headers' values: names of headers and methods",
    ),
];

/// The emulator's flows write B2C's English word for word, and its pages show the message of
/// their language in that text's place (`b2c_emulator::i18n`'s `ERROR_KEYS`, checked there by
/// `every_flow_message_is_written_by_a_flow_word_for_word`): the English values of the
/// emulator's message files.
fn emulator_flow_messages() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/b2c_emulator/locales/en");
    let mut values = BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("the emulator's English messages") {
        let path = entry.expect("a directory entry").path();
        let text = std::fs::read_to_string(path).expect("a readable message file");
        values.extend(
            text.lines()
                .filter(|l| !l.starts_with('#') && !l.starts_with(' '))
                .filter_map(|l| l.split_once(" = "))
                .map(|(_, v)| v.trim().to_owned()),
        );
    }
    values
}

/// Whether an emulator literal is B2C's own English: a flow's message, word for word (see
/// above), or an error that starts with its AADB2C code: the `error_description` B2C sends the
/// relying app, which the emulator sends as B2C does (its error page shows the code and a
/// sentence of `emulator_messages.ftl`).
fn b2c_s_own_english(file: &str, text: &str, flows: &BTreeSet<String>) -> bool {
    file.starts_with("b2c_emulator/") && (flows.contains(text) || text.starts_with("AADB2C"))
}

/// The rule that allows a literal of `file`, if any.
fn allowed<'r>(file: &str, literal: &Literal, rules: &'r [Rule]) -> Option<&'r Rule> {
    rules.iter().find(|r| {
        file.starts_with(r.file)
            && r.call.is_none_or(|c| literal.calls.iter().any(|l| l == c))
            && r.function
                .is_none_or(|f| literal.functions.iter().any(|l| l == f))
            && r.constant
                .is_none_or(|c| literal.constant.as_deref() == Some(c))
    })
}

/// The prose literals no rule allows, as `file:line  "text"`.
fn unexplained(found: &[Found], rules: &[Rule]) -> Vec<String> {
    let flows = emulator_flow_messages();
    found
        .iter()
        .filter(|f| allowed(&f.file, &f.literal, rules).is_none())
        .filter(|f| !b2c_s_own_english(&f.file, &f.literal.text, &flows))
        .map(|f| format!("src/{}:{}  {:?}", f.file, f.literal.line, f.literal.text))
        .collect()
}

#[test]
fn no_english_sentence_written_in_rust_reaches_a_person() {
    let found = all_prose();
    assert!(found.len() > 100, "the scanner found the crate's prose");
    let left = unexplained(&found, RULES);
    assert!(
        left.is_empty(),
        "English written in Rust that may reach a person (#31). Put the words in a message file \
         (locales/en and locales/es, read with i18n::tr in the request's language), or, if no \
         person reads them (a log, an app, the operator), add a rule to RULES in \
         tests/english_in_rust.rs with the reason:\n{}",
        left.join("\n")
    );
}

/// Every rule of a file still allows something: a rule left behind by a conversion (or a
/// renamed function) would hide the next sentence written there. (The rules of every file, by
/// call, stand for the calls a new line may make.)
#[test]
fn every_rule_of_a_file_is_still_needed() {
    let found = all_prose();
    let unused: Vec<String> = RULES
        .iter()
        .filter(|r| !r.file.is_empty())
        .filter(|r| {
            !found
                .iter()
                .any(|f| allowed(&f.file, &f.literal, std::slice::from_ref(r)).is_some())
        })
        .map(|r| {
            format!(
                "{} {:?} {:?} {:?}: {}",
                r.file, r.call, r.function, r.constant, r.why
            )
        })
        .collect();
    assert!(
        unused.is_empty(),
        "rules that allow nothing: delete them from RULES (a TODO(#31) entry goes with the \
         conversion it waits for):\n{}",
        unused.join("\n")
    );
}

#[derive(Debug)]
struct Found {
    file: String,
    literal: Literal,
}

/// The library's source files (relative to `src/`), test-only files left out.
fn source_files() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut pending = vec![src.clone()];
    let mut files = Vec::new();
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path: PathBuf = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path
                    .strip_prefix(&src)
                    .expect("under src")
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&path).expect("a readable source file");
                files.push((relative, text));
            }
        }
    }
    files.sort();
    files
}

fn all_prose() -> Vec<Found> {
    prose_of(&source_files())
}

/// The prose literals of `(path under src/, source)` files.
fn prose_of(files: &[(String, String)]) -> Vec<Found> {
    let mut test_only: BTreeSet<String> = BTreeSet::new();
    let mut read = Vec::new();
    for (file, text) in files {
        let (lits, tests) = literals(text);
        let dir = match file.rsplit_once('/') {
            Some((d, _)) => format!("{d}/"),
            None => String::new(),
        };
        // `mod x;` in `a/mod.rs` or `a.rs`… the layout here is `a/mod.rs` (or `lib.rs`).
        let base = if file.ends_with("mod.rs") || file == "lib.rs" {
            dir
        } else {
            format!("{}/", file.trim_end_matches(".rs"))
        };
        for t in tests {
            test_only.insert(format!("{base}{t}.rs"));
            test_only.insert(format!("{base}{t}/"));
        }
        read.push((file.clone(), lits));
    }
    let mut found = Vec::new();
    for (file, lits) in read {
        if test_only
            .iter()
            .any(|t| file == *t || (t.ends_with('/') && file.starts_with(t.as_str())))
        {
            continue;
        }
        for literal in lits {
            if looks_like_prose(&literal.text) {
                found.push(Found {
                    file: file.clone(),
                    literal,
                });
            }
        }
    }
    found
}

/// Prints every prose literal and its context
/// (`cargo test --test english_in_rust -- --ignored --nocapture print`).
#[test]
#[ignore = "a reading aid, not a check"]
fn print_every_prose_literal() {
    for f in all_prose() {
        println!(
            "{}:{}\t{:?}\t{}\t{}",
            f.file,
            f.literal.line,
            f.literal.text,
            f.literal.calls.join(">"),
            f.literal.functions.join(">")
        );
    }
}

// The scanner itself, on small sources: each of these fails if it let a sentence through or saw
// one where there is none.

fn one_file(file: &str, src: &str) -> Vec<String> {
    unexplained(&prose_of(&[(file.to_owned(), src.to_owned())]), RULES)
}

#[test]
fn a_new_sentence_on_an_error_page_or_a_flash_fails() {
    let src = r#"
        pub async fn post(form: Form) -> Result<HttpResponse, AppError> {
            if form.day.is_empty() {
                return Err(AppError::bad_request("Please choose a day."));
            }
            let flash = format!("Your request for {} was sent", form.day);
            Ok(page("Care plan", &flash))
        }
    "#;
    assert_eq!(
        one_file("appointments/patient.rs", src),
        [
            "src/appointments/patient.rs:4  \"Please choose a day.\"",
            "src/appointments/patient.rs:6  \"Your request for {} was sent\"",
            "src/appointments/patient.rs:7  \"Care plan\"",
        ]
    );
}

#[test]
fn english_for_the_log_a_bug_an_internal_error_or_sql_passes() {
    let src = r##"
        /// Loads the chart. "A doc comment is not a page."
        fn load(pool: &Pool) -> anyhow::Result<()> {
            // "Nor is a comment."
            tracing::warn!(patient = %id, "The chart could not be read: {e}");
            let row = sqlx::query("SELECT name FROM patients WHERE id = $1");
            let x = y.context("Reading the patient's chart failed")?;
            let z = w.expect("the chart was written a moment ago");
            return Err(anyhow::anyhow!("The chart has no patient"));
            Err(AppError::Unavailable("session store unavailable".into()))
        }
    "##;
    assert_eq!(one_file("records/store.rs", src), Vec::<String>::new());
}

#[test]
fn unit_tests_are_skipped_but_the_code_after_them_is_read() {
    let src = "#[cfg(test)]\nmod tests { fn t() { page(\"A sentence in a test\"); } }\n\
               fn after() { page(\"A sentence after the tests\"); }";
    assert_eq!(
        one_file("home.rs", src),
        ["src/home.rs:3  \"A sentence after the tests\""]
    );
}

#[test]
fn a_rule_allows_by_its_file_function_or_constant_only() {
    let src = r#"
        fn title(&self) -> &'static str { "Lab results" }
        fn heading() -> &'static str { "Lab results" }
    "#;
    // `records/pages.rs`'s `title` is a key by name; `heading` is not.
    assert_eq!(
        one_file("records/pages.rs", src),
        ["src/records/pages.rs:3  \"Lab results\""]
    );
    assert_eq!(one_file("home.rs", src).len(), 2);
    let constants = r#"
        pub const CATEGORIES: &[(&str, &str)] = &[("general", "General question")];
        pub const OTHERS: &[(&str, &str)] = &[("general", "General question")];
    "#;
    assert_eq!(
        one_file("messages/draft.rs", constants),
        ["src/messages/draft.rs:3  \"General question\""]
    );
}

#[test]
fn what_looks_like_prose() {
    for prose in [
        "Please choose a day.",
        "Care plan",
        "could not read the form",
        "Hello {name}, your results are ready:",
        "Question about a result",
    ] {
        assert!(looks_like_prose(prose), "{prose}");
    }
    for not in [
        "error-not-found",
        "/staff/patients/{id}",
        "text/plain; charset=utf-8",
        "id, patient_id, state",
        "SELECT id FROM patients WHERE mrn = $1",
        " ORDER BY name",
        "default-src 'none'; frame-ancestors 'none'",
        "<p>{}</p>",
        "{} {}",
        "Patient",
        "morning",
    ] {
        assert!(!looks_like_prose(not), "{not}");
    }
}

#[test]
fn the_emulator_s_own_b2c_english_passes_and_other_english_there_does_not() {
    let src = r#"
        fn step() {
            error("Your password is incorrect.");
            reply.error("access_denied", "AADB2C90091: The user has cancelled entering self-asserted information.");
            page("Welcome back to the emulator");
        }
    "#;
    assert_eq!(
        one_file("b2c_emulator/flows/sign_in.rs", src),
        ["src/b2c_emulator/flows/sign_in.rs:5  \"Welcome back to the emulator\""]
    );
}
