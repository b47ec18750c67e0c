//! The check that cannot drift (#31): every page a person can reach by GET, rendered in the
//! pseudo language `en-XA` (PORTAL_PSEUDO_LANGUAGE=true), where every text from the message
//! files reads `⟦…⟧`. Any run of letters outside the marks that is not data (the demo record,
//! as its FHIR export gives it, the demo people's names, a few proper names) did not come from
//! the message files, and the test names the page and the text.
//!
//! The walk cannot fall behind the route table: every GET route of `src/startup.rs` is either
//! walked here or listed in [`EXCLUDED`] with the reason it serves no page. Text known to be
//! English still is listed in [`KNOWN_UNTRANSLATED`]; that list may only shrink, and an entry
//! that no longer occurs fails the test too, so it cannot go stale.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use patient_portal::b2c_emulator::DEMO_USERS;
use scraper::{Html, Selector};
use serde_json::Value;

use crate::support::{csrf, post, spawn_app_with, Browser, Options, Person, TestApp};

const PSEUDO: &str = "en-XA";

/// GET routes of the route table that serve no page a person reads, and why.
const EXCLUDED: &[(&str, &str)] = &[
    ("/healthz", "a probe for the load balancer: plain text"),
    ("/readyz", "a probe for the load balancer: plain text"),
    ("/assets/{file}", "style sheets and images"),
    ("/favicon.ico", "an image"),
    ("/signin", "a redirect to the identity provider"),
    (
        "/account/edit",
        "a redirect to the identity provider's profile edit",
    ),
    (
        "crate::auth::step_up::START_PATH",
        "a redirect to the identity provider's fresh MFA sign-in",
    ),
    ("/records/export", "the record as FHIR JSON"),
    ("/records/access-log/export", "the access log as a file"),
    (
        "/records/notes/{note}/content/{n}",
        "a note's own document, as the record holds it",
    ),
    (
        "/staff/patients/{id}/notes/{note}/content/{n}",
        "a note's own document, as the record holds it",
    ),
    (
        "/messages/{id}/attachments/{attachment}",
        "a file a person attached, as they sent it",
    ),
    (
        "/staff/messages/{id}/attachments/{attachment}",
        "a file a person attached, as they sent it",
    ),
    (
        "/appointments/{id}/calendar.ics",
        "a calendar file for the person's calendar program",
    ),
    ("/share/health-card/download", "a SMART Health Card file"),
    ("/shl/file/{token}", "an encrypted SMART Health Link file"),
    ("/.well-known/jwks.json", "keys for verifiers: JSON"),
    (
        "/.well-known/smart-configuration",
        "SMART metadata for apps: JSON",
    ),
    (
        "/.well-known/openid-configuration",
        "OpenID metadata for apps: JSON",
    ),
    ("/smart/jwks", "keys for apps: JSON"),
    ("/metadata", "the FHIR API's CapabilityStatement: JSON"),
    ("/{type}", "the FHIR API: JSON"),
    ("/{type}/{id}", "the FHIR API: JSON"),
    ("/Patient/$everything", "the FHIR API: JSON"),
    ("/Patient/{id}/$everything", "the FHIR API: JSON"),
];

/// Text still English, by page: converting it removes its line here. This list may only
/// shrink: a new untranslated text fails the test, and so does a line whose text is gone.
/// A word with digits in it is written `#` (dates, counts and ids change from run to run).
const KNOWN_UNTRANSLATED: &[(&str, &str)] = &[];

/// Names that are nobody's data and no message's: the identity provider's product name and
/// the like, written the same in every language.
const PROPER_NAMES: &[&str] = &[
    // The clinic's time zone as PORTAL_TIME_ZONE names it, after a time.
    "UTC", // The terminology a test's code comes from, and a file's kind.
    "LOINC", "PDF",
];

const CALENDAR_NAMES: [&str; 19] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The GET routes of the route table, as written there: a literal path, or the expression
/// that gives it (`settings.callback_path.as_str()`).
fn route_table() -> BTreeSet<String> {
    let source = include_str!("../../src/startup.rs");
    let mut routes = BTreeSet::new();
    for (at, _) in source.match_indices("web::get()") {
        let before = &source[..at];
        let Some(route) = before.rfind(".route(") else {
            continue;
        };
        let between = before[route + ".route(".len()..].trim();
        let path = if between.is_empty() {
            // `web::resource(PATH).route(web::get()...)`
            let Some(res) = before.rfind("web::resource(") else {
                continue;
            };
            let rest = &before[res + "web::resource(".len()..];
            // Up to the parenthesis that closes `resource(`.
            let mut depth = 0i32;
            let end = rest
                .char_indices()
                .find(|(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth < 0
                })
                .map_or(rest.len(), |(i, _)| i);
            rest[..end].trim().to_string()
        } else {
            between.trim_end_matches(',').trim().to_string()
        };
        routes.insert(path.trim_matches('"').to_string());
    }
    routes
}

/// One page of the walk.
struct Seen {
    route: String,
    label: String,
    status: u16,
    html: String,
}

struct Walk<'a> {
    app: &'a TestApp,
    /// Ids in addresses, written as their placeholder in a page's label.
    ids: Vec<(String, String)>,
    seen: Vec<Seen>,
    /// Pages that answered with another status than expected, or were not HTML.
    problems: Vec<String>,
}

/// The text of a page's `<main>` (or the whole body), for a message.
fn main_text(html: &str) -> String {
    let doc = Html::parse_document(html);
    let main = Selector::parse("main").unwrap();
    let text: String = match doc.select(&main).next() {
        Some(m) => m.text().collect::<Vec<_>>().join(" "),
        None => html.chars().take(300).collect(),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Walk<'_> {
    /// A page's name in findings: its path with ids as placeholders, a query by its names
    /// only (`/staff?q=`).
    fn label(&self, path: &str) -> String {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let names: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, _)| format!("{k}="))
            .collect();
        let mut label = if names.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{}", names.join("&"))
        };
        for (id, name) in &self.ids {
            label = label.replace(id.as_str(), name);
        }
        label
    }

    /// GETs `path` (of `route`) in the pseudo language; the page must be HTML with `status`.
    async fn page(&mut self, b: &Browser, route: &str, path: &str, status: u16) -> String {
        let resp = b
            .client
            .get(self.app.url(path))
            .header("Accept-Language", PSEUDO)
            .send()
            .await
            .unwrap();
        let got = resp.status().as_u16();
        let html_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        let html = resp.text().await.unwrap_or_default();
        // Noted, and the walk goes on: one broken page should not hide the others' text.
        if got != status || !html_type {
            self.problems.push(format!(
                "{path}: {got} (not {status}){}: {}",
                if html_type {
                    ""
                } else {
                    ", not a page (list its route in EXCLUDED)"
                },
                main_text(&html)
            ));
            return html;
        }
        self.seen.push(Seen {
            route: route.to_string(),
            label: self.label(path),
            status,
            html: html.clone(),
        });
        html
    }

    /// A page reached by POST (a form's error page): checked like the others, not a route.
    async fn posted(&mut self, b: &Browser, path: &str, form: &[(&str, &str)], status: u16) {
        let resp = b
            .client
            .post(self.app.url(path))
            .header("Accept-Language", PSEUDO)
            .form(form)
            .send()
            .await
            .unwrap();
        let got = resp.status().as_u16();
        let html = resp.text().await.unwrap();
        if got != status {
            self.problems.push(format!(
                "POST {path}: {got} (not {status}): {}",
                main_text(&html)
            ));
            return;
        }
        self.seen.push(Seen {
            route: String::new(),
            label: format!("POST {}", self.label(path)),
            status,
            html,
        });
    }
}

/// The links of a page that start with `prefix`, in page order.
fn links(html: &str, prefix: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let a = Selector::parse("a[href]").unwrap();
    let mut out = Vec::new();
    for e in doc.select(&a) {
        let href = e.value().attr("href").unwrap_or_default();
        if href.starts_with(prefix) && !out.iter().any(|h| h == href) {
            out.push(href.to_string());
        }
    }
    out
}

fn first_link(html: &str, prefix: &str) -> String {
    links(html, prefix)
        .into_iter()
        .find(|h| h.len() > prefix.len())
        .unwrap_or_else(|| panic!("a link to {prefix}… in {html}"))
}

/// The last path segment of a link: the id it carries.
fn id_of(link: &str) -> String {
    link.split(['?', '#'])
        .next()
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Every text a person reads on a page: text nodes of the body, the page's title, and the
/// attributes read out or shown (`aria-label`, `title`, `alt`, `placeholder`, `data-label`,
/// an input button's `value`).
fn readable_texts(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let mut texts = Vec::new();
    let body = Selector::parse("body").unwrap();
    let skip = Selector::parse("script, style").unwrap();
    let skipped: HashSet<_> = doc
        .select(&skip)
        .flat_map(|e| e.descendants().map(|n| n.id()))
        .collect();
    for b in doc.select(&body) {
        for node in b.descendants() {
            if skipped.contains(&node.id()) {
                continue;
            }
            if let Some(text) = node.value().as_text() {
                texts.push(text.to_string());
            }
        }
    }
    // `data-label` too: narrow screens show it before a table cell's value (style.css).
    let all = Selector::parse("[aria-label], [title], [alt], [placeholder], [data-label]").unwrap();
    for e in doc.select(&all) {
        for attr in ["aria-label", "title", "alt", "placeholder", "data-label"] {
            if let Some(v) = e.value().attr(attr) {
                texts.push(v.to_string());
            }
        }
    }
    let buttons = Selector::parse(
        r#"button[value], input[type="submit"][value], input[type="button"][value], input[type="reset"][value]"#,
    )
    .unwrap();
    for e in doc.select(&buttons) {
        // A <button>'s value is sent, not shown; an <input> button shows it.
        if e.value().name() == "input" {
            texts.push(e.value().attr("value").unwrap_or_default().to_string());
        }
    }
    let title = Selector::parse("head > title").unwrap();
    texts.extend(doc.select(&title).map(|t| t.text().collect::<String>()));
    texts
}

/// What the record and the people in it may put on a page, word by word and whole.
struct Data {
    /// Every text value of the data, joined: a longer text (a note) is allowed as a part of it.
    blob: String,
    /// Words of the data's short values (names, displays, units).
    words: HashSet<String>,
}

impl Data {
    fn new() -> Self {
        let mut data = Data {
            blob: String::new(),
            words: HashSet::new(),
        };
        for name in PROPER_NAMES {
            data.add(name);
        }
        data
    }

    fn add(&mut self, text: &str) {
        self.blob.push_str(text);
        self.blob.push('\n');
        if text.chars().count() <= 80 {
            for word in words(text) {
                self.words.insert(word.to_string());
            }
        }
    }

    /// The names and text values of an id_token's claims.
    fn add_claims(&mut self, claims: &Value) {
        if let Value::Object(map) = claims {
            for (name, value) in map {
                self.add(name);
                if let Some(text) = value.as_str() {
                    self.add(text);
                }
            }
        }
    }

    /// The text values of a FHIR resource. Codes, systems and statuses are the machine's
    /// words: a status the portal shows ("Active") must come from the message files, so
    /// they are not data here.
    fn add_fhir(&mut self, value: &Value, key: &str) {
        match value {
            // A note's own text travels as an attachment.
            Value::String(s) if key == "data" => {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .unwrap_or_default();
                if let Ok(text) = String::from_utf8(bytes) {
                    self.add(&text);
                }
            }
            Value::String(s) => {
                let machine = matches!(
                    key,
                    "code"
                        | "system"
                        | "resourceType"
                        | "use"
                        | "url"
                        | "reference"
                        | "id"
                        | "fullUrl"
                        | "status"
                        | "intent"
                        | "gender"
                        | "contentType"
                        | "data"
                        | "div"
                );
                if !machine {
                    self.add(s);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.add_fhir(v, key)),
            Value::Object(map) => {
                for (k, v) in map {
                    if k.to_ascii_lowercase().contains("status") || k == "meta" {
                        continue;
                    }
                    self.add_fhir(v, k);
                }
            }
            _ => {}
        }
    }
}

/// Runs of two or more letters.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 2)
}

/// The parts of `text` outside the `⟦…⟧` marks.
fn unmarked(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '⟦' => {
                depth += 1;
                parts.push(String::new());
            }
            '⟧' => depth = depth.saturating_sub(1),
            c if depth == 0 => parts.last_mut().unwrap().push(c),
            _ => {}
        }
    }
    parts
}

/// The texts of a page that are neither marked nor data, digits written `#`.
fn untranslated(html: &str, data: &Data) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for text in readable_texts(html) {
        for part in unmarked(&text) {
            // Separators between values: each piece must be data on its own.
            for piece in part.split([',', ';', '(', ')', '|', '·', '•', '\n', ':', '—', '–'])
            {
                let piece = piece.trim();
                // Tokens with digits or underscores are ids, codes, dates and numbers.
                let kept: Vec<&str> = piece
                    .split_whitespace()
                    .filter(|t| !t.chars().any(|c| c.is_ascii_digit() || c == '_'))
                    .collect();
                let bare = kept.join(" ");
                if words(&bare).next().is_none() {
                    continue;
                }
                if data.blob.contains(piece) || words(&bare).all(|w| data.words.contains(w)) {
                    continue;
                }
                let mut shown = piece
                    .split_whitespace()
                    .map(|t| {
                        if t.chars().any(|c| c.is_ascii_digit()) {
                            "#"
                        } else {
                            t
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                // English month and weekday names in a date written outside `format`: the
                // date moves with the demo data, the finding does not.
                for name in CALENDAR_NAMES {
                    shown = shown.replace(name, "{month/day}");
                }
                found.insert(shown);
            }
        }
    }
    found
}

fn html_lang(html: &str) -> String {
    let doc = Html::parse_document(html);
    let sel = Selector::parse("html").unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("lang"))
        .unwrap_or_default()
        .to_string()
}

/// A demo user as the identity provider names them.
fn person(role: Option<&str>) -> Person {
    let user = DEMO_USERS
        .iter()
        .find(|u| u.role == role)
        .expect("a demo user");
    Person {
        subject: user.oid,
        name: Box::leak(format!("{} {}", user.given_name, user.surname).into_boxed_str()),
        clinician: role.is_some(),
    }
}

/// Someone the demo patient asks to act for them: an account of their own, no record.
const PROXY: Person = Person {
    subject: "0a1b2c3d-0000-4000-8000-0000000000d4",
    name: "Jordan Lee",
    clinician: false,
};

#[tokio::test]
async fn every_page_in_the_pseudo_language_has_only_text_from_the_message_files() {
    let app = spawn_app_with(Options {
        extra_args: vec!["--pseudo-language=true".into()],
        ..Options::default()
    })
    .await;
    patient_portal::demo::seed::demo_data(&app.pool)
        .await
        .unwrap()
        .expect("an empty database is seeded");
    let patient = person(None);
    let clinician = person(Some("Clinician"));
    let mut data = Data::new();
    for user in DEMO_USERS {
        for text in [user.given_name, user.surname, user.email] {
            data.add(text);
        }
    }
    for who in [&patient, &clinician, &PROXY] {
        data.add(who.name);
        data.add(&format!(
            "{}@example.com",
            who.name.to_lowercase().replace(' ', ".")
        ));
    }
    let mut walk = Walk {
        app: &app,
        ids: Vec::new(),
        seen: Vec::new(),
        problems: Vec::new(),
    };

    // Signed out: the start page, the sign-out's landing, a bad reply from the provider.
    let out = app.browser();
    walk.page(&out, "/", "/", 200).await;
    walk.page(
        &out,
        "settings.signed_out_callback_path.as_str()",
        "/signout-callback-oidc",
        200,
    )
    .await;
    let reply = "/signin-oidc?code=x&state=not-a-state-we-sent";
    walk.page(&out, "settings.callback_path.as_str()", reply, 400)
        .await;

    // The demo patient.
    let p = app.browser();
    app.sign_in_as(&p, &patient).await;
    let export: Value = p
        .client
        .get(app.url("/records/export"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    data.add_fhir(&export, "");
    // What people wrote or chose in the demo data: conversations, requests, renewals.
    for sql in [
        "SELECT subject FROM message_threads",
        "SELECT body FROM messages",
        "SELECT author_name FROM messages",
        "SELECT reason FROM appointments",
        "SELECT COALESCE(clinician_name, '') FROM appointments",
        "SELECT medication_name FROM renewal_requests",
        "SELECT note FROM renewal_requests",
        "SELECT pharmacy FROM renewal_requests",
    ] {
        let texts: Vec<String> = sqlx::query_scalar(sql).fetch_all(&app.pool).await.unwrap();
        texts.iter().for_each(|t| data.add(t));
    }
    // The token's claims, which the sign-in details page shows as the provider gave them.
    data.add_claims(&app.idp.claims("nonce"));
    // The other demo patients, whom the clinician's worklist, search and charts show.
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM patients")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    for record in patient_portal::demo::demo_patients(
        usize::try_from(stored).unwrap(),
        patient_portal::demo::seed::DEMO_SEED,
        chrono::Utc::now().date_naive(),
    ) {
        data.add(&record.patient.display_name());
        data.add_fhir(
            &patient_portal::records::fhir_export::export_bundle(&record),
            "",
        );
    }

    for path in [
        "/home",
        "/account",
        "/account/sign-in-details",
        "/records/printable",
    ] {
        walk.page(&p, path, path, 200).await;
    }
    walk.page(&p, "/", "/", 200).await;
    walk.page(&p, "", "/no-such-page", 404).await;
    walk.page(&p, "", "/records/no-such-section", 404).await;
    let summary = walk.page(&p, "/records", "/records", 200).await;
    for section in links(&summary, "/records/") {
        if section.matches('/').count() == 2 && section != "/records/export" {
            walk.page(&p, "/records/{section}", &section, 200).await;
        }
    }
    walk.page(&p, "/records/access-log", "/records/access-log", 200)
        .await;
    let labs = walk
        .page(&p, "/records/{section}", "/records/labs", 200)
        .await;
    let lab = first_link(&labs, "/records/labs/");
    walk.ids.push((id_of(&lab), "{loinc}".into()));
    walk.page(&p, "/records/labs/{loinc}", &lab, 200).await;
    let notes = walk
        .page(&p, "/records/{section}", "/records/notes", 200)
        .await;
    let note = first_link(&notes, "/records/notes/");
    walk.ids.push((id_of(&note), "{note}".into()));
    walk.page(&p, "/records/notes/{note}", &note, 200).await;
    let visits = walk
        .page(&p, "/records/{section}", "/records/visits", 200)
        .await;
    let visit = first_link(&visits, "/records/visits/");
    walk.ids.push((id_of(&visit), "{visit}".into()));
    walk.page(&p, "/records/visits/{visit}", &visit, 200).await;

    let inbox = walk.page(&p, "/messages", "/messages", 200).await;
    walk.page(&p, "/messages/new", "/messages/new", 200).await;
    let thread = first_link(&inbox, "/messages/");
    let thread = if thread == "/messages/new" {
        links(&inbox, "/messages/")
            .into_iter()
            .find(|l| l != "/messages/new")
            .expect("the demo conversation")
    } else {
        thread
    };
    walk.ids.push((id_of(&thread), "{id}".into()));
    walk.page(&p, "/messages/{id}", &thread, 200).await;
    walk.page(&p, "/appointments", "/appointments", 200).await;
    walk.page(&p, "/share", "/share", 200).await;
    walk.page(&p, "/share/new", "/share/new", 200).await;
    walk.page(&p, "/share/health-card", "/share/health-card", 200)
        .await;
    walk.page(&p, "/dev/outbox", "/dev/outbox", 200).await;
    walk.page(&p, "/account/proxies", "/account/proxies", 200)
        .await;
    // A SMART request without its parameters, and a consent with nothing to consent to.
    walk.page(&p, "/smart/authorize", "/smart/authorize", 400)
        .await;
    walk.page(&p, "/smart/consent", "/smart/consent", 400).await;
    // A form's error: an activation code for an account already linked.
    let token = csrf(&app, &p).await;
    walk.posted(
        &p,
        "/activate",
        &[
            ("csrf_token", token.as_str()),
            ("code", "nonsense"),
            ("birth_date", "x"),
        ],
        400,
    )
    .await;
    // A form from another site.
    let resp = p
        .client
        .post(app.url("/language"))
        .header("Accept-Language", PSEUDO)
        .header("Origin", "https://evil.example")
        .form(&[("language", "es")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    walk.seen.push(Seen {
        route: String::new(),
        label: "POST /language from another site".into(),
        status: 403,
        html: resp.text().await.unwrap(),
    });

    // A proxy: the demo patient invites someone, who accepts with their own account (not
    // linked to a record: their activation page too).
    let proxy = app.browser();
    app.sign_in_as(&proxy, &PROXY).await;
    walk.page(&proxy, "/activate", "/activate", 200).await;
    let invitee = "jordan.lee@example.com";
    let mut form = vec![
        ("csrf_token", token.as_str()),
        ("email", invitee),
        ("ends_on", ""),
    ];
    for scope in ["record", "messages", "appointments", "renewals"] {
        form.push(("scope", scope));
    }
    assert_eq!(
        post(&app, &p, "/account/proxies", &form).await.status(),
        303
    );
    walk.page(&p, "/account/proxies", "/account/proxies", 200)
        .await;
    let link: String = sqlx::query_scalar(
        "SELECT link FROM notification_queue WHERE kind = 'proxy_invitation' ORDER BY created_at DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let invitation = link
        .strip_prefix("/proxy/accept?token=")
        .unwrap()
        .to_string();
    walk.ids.push((invitation.clone(), "{token}".into()));
    walk.page(&proxy, "/proxy/accept", &link, 200).await;
    let proxy_token = csrf(&app, &proxy).await;
    let accepted = post(
        &app,
        &proxy,
        "/proxy/accept",
        &[
            ("csrf_token", proxy_token.as_str()),
            ("token", invitation.as_str()),
        ],
    )
    .await;
    assert_eq!(accepted.status(), 303);
    let chooser = walk.page(&proxy, "/acting", "/acting", 200).await;
    let acting = first_link(&chooser, "/acting/");
    let grant = id_of(&acting);
    walk.ids.push((grant.clone(), "{grant}".into()));
    walk.page(&proxy, "/acting/{grant}", &format!("/acting/{grant}"), 200)
        .await;
    for part in [
        "labs",
        "messages",
        "messages/new",
        "appointments",
        "renewals",
    ] {
        walk.page(
            &proxy,
            &format!("/acting/{{grant}}/{part}"),
            &format!("/acting/{grant}/{part}"),
            200,
        )
        .await;
    }

    // The demo clinician.
    let c = app.browser();
    app.sign_in_as(&c, &clinician).await;
    walk.page(&c, "/staff", "/staff", 200).await;
    // The demo patient's chart, whose record the data above holds.
    let patient_id: String = sqlx::query_scalar("SELECT id FROM patients WHERE b2c_subject = $1")
        .bind(patient.subject)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    walk.ids.push((patient_id.clone(), "{id}".into()));
    let surname = DEMO_USERS
        .iter()
        .find(|u| u.role.is_none())
        .unwrap()
        .surname;
    walk.page(&c, "/staff", &format!("/staff?q={surname}"), 200)
        .await;
    let chart_page = walk
        .page(
            &c,
            "/staff/patients/{id}",
            &format!("/staff/patients/{patient_id}"),
            200,
        )
        .await;
    let base = format!("/staff/patients/{patient_id}/");
    for section in links(&chart_page, &base) {
        let rest = &section[base.len()..];
        if !rest.contains('/') && rest != "access-log" && rest != "break-glass" {
            walk.page(&c, "/staff/patients/{id}/{section}", &section, 200)
                .await;
        }
    }
    walk.page(
        &c,
        "/staff/patients/{id}/access-log",
        &format!("{base}access-log"),
        200,
    )
    .await;
    let staff_labs = walk
        .page(
            &c,
            "/staff/patients/{id}/{section}",
            &format!("{base}labs"),
            200,
        )
        .await;
    let lab = first_link(&staff_labs, &format!("{base}labs/"));
    walk.page(&c, "/staff/patients/{id}/labs/{loinc}", &lab, 200)
        .await;
    let staff_notes = walk
        .page(
            &c,
            "/staff/patients/{id}/{section}",
            &format!("{base}notes"),
            200,
        )
        .await;
    let note = first_link(&staff_notes, &format!("{base}notes/"));
    walk.page(&c, "/staff/patients/{id}/notes/{note}", &note, 200)
        .await;
    let staff_visits = walk
        .page(
            &c,
            "/staff/patients/{id}/{section}",
            &format!("{base}visits"),
            200,
        )
        .await;
    let visit = first_link(&staff_visits, &format!("{base}visits/"));
    walk.page(&c, "/staff/patients/{id}/visits/{visit}", &visit, 200)
        .await;
    // A patient outside the care team: the break-the-glass form.
    let outsider: String = sqlx::query_scalar(
        "SELECT id FROM patients WHERE id NOT IN (SELECT patient_id FROM care_team) LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    walk.ids.push((outsider.clone(), "{other}".into()));
    walk.page(
        &c,
        "/staff/patients/{id}/break-glass",
        &format!("/staff/patients/{outsider}/break-glass"),
        200,
    )
    .await;
    walk.page(
        &c,
        "/staff/patients/{id}",
        &format!("/staff/patients/{outsider}"),
        403,
    )
    .await;
    let staff_inbox = walk
        .page(&c, "/staff/messages", "/staff/messages", 200)
        .await;
    let staff_thread = first_link(&staff_inbox, "/staff/messages/");
    walk.page(&c, "/staff/messages/{id}", &staff_thread, 200)
        .await;
    let queue = walk
        .page(&c, "/staff/appointments", "/staff/appointments", 200)
        .await;
    walk.page(
        &c,
        "/staff/appointments/day",
        "/staff/appointments/day",
        200,
    )
    .await;
    let appointment = links(&queue, "/staff/appointments/")
        .into_iter()
        .find(|l| !l.starts_with("/staff/appointments/day"))
        .expect("the demo appointment");
    walk.ids.push((id_of(&appointment), "{appointment}".into()));
    walk.page(&c, "/staff/appointments/{id}", &appointment, 200)
        .await;
    let renewals = walk
        .page(&c, "/staff/renewals", "/staff/renewals", 200)
        .await;
    let renewal = first_link(&renewals, "/staff/renewals/");
    walk.ids.push((id_of(&renewal), "{renewal}".into()));
    walk.page(&c, "/staff/renewals/{id}", &renewal, 200).await;
    walk.page(&c, "/messages/new", "/messages/new", 403).await;

    // The help page of a provider without a reset flow (Entra External ID).
    let no_reset = spawn_app_with(Options {
        reset_policy: false,
        extra_args: vec!["--pseudo-language=true".into()],
        ..Options::default()
    })
    .await;
    let mut other_walk = Walk {
        app: &no_reset,
        ids: Vec::new(),
        seen: Vec::new(),
        problems: Vec::new(),
    };
    let b = no_reset.browser();
    other_walk
        .page(&b, "/password/reset", "/password/reset", 200)
        .await;
    walk.seen.append(&mut other_walk.seen);
    walk.problems.append(&mut other_walk.problems);

    // The local identity provider's user-flow pages, asked for in the same language. The
    // reply address the walk sends there unregistered is the request's own data, and the
    // emulator's error page names it.
    data.add("https://evil.example/");
    let (mut emulator_pages, mut emulator_problems) = identity_provider_pages().await;
    walk.seen.append(&mut emulator_pages);
    walk.problems.append(&mut emulator_problems);

    // Every GET route of the table is walked or excluded, and neither list names a route the
    // table does not have.
    let table = route_table();
    assert!(table.len() > 40, "the route table was read: {table:?}");
    let walked: BTreeSet<String> = walk
        .seen
        .iter()
        .filter(|s| !s.route.is_empty())
        .map(|s| s.route.clone())
        .collect();
    let excluded: BTreeSet<String> = EXCLUDED.iter().map(|(r, _)| r.to_string()).collect();
    let missing: Vec<_> = table
        .iter()
        .filter(|r| !walked.contains(*r) && !excluded.contains(*r))
        .collect();
    assert!(
        missing.is_empty(),
        "GET routes neither walked here nor listed in EXCLUDED with a reason: {missing:?}"
    );
    let unknown: Vec<_> = walked
        .union(&excluded)
        .filter(|r| !table.contains(*r))
        .collect();
    assert!(unknown.is_empty(), "not in the route table: {unknown:?}");

    // Every page says it is in the pseudo language, and shows nothing else.
    let mut found: BTreeMap<(String, String), ()> = BTreeMap::new();
    for seen in &walk.seen {
        let lang = html_lang(&seen.html);
        if lang != PSEUDO {
            walk.problems.push(format!(
                "{} ({}): <html lang={lang:?}>",
                seen.label, seen.status
            ));
        }
        for text in untranslated(&seen.html, &data) {
            found.insert((seen.label.clone(), text), ());
        }
    }
    let known: BTreeSet<(String, String)> = KNOWN_UNTRANSLATED
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let new: Vec<String> = found
        .keys()
        .filter(|k| !known.contains(*k))
        .map(|(p, t)| format!("    ({p:?}, {t:?}),"))
        .collect();
    let gone: Vec<String> = known
        .iter()
        .filter(|k| !found.contains_key(*k))
        .map(|(p, t)| format!("    ({p:?}, {t:?}),"))
        .collect();
    assert!(
        new.is_empty() && gone.is_empty() && walk.problems.is_empty(),
        "text not from the message files ({} new; put it in the message files):\n{}\n\
         KNOWN_UNTRANSLATED lines whose text is gone ({}; delete them):\n{}\n\
         pages not walked as expected:\n{}",
        new.len(),
        new.join("\n"),
        gone.len(),
        gone.join("\n"),
        walk.problems.join("\n")
    );
}

/// The B2C emulator's pages, reached as a person reaches them from the portal's sign-in with
/// the pseudo language (`ui_locales=en-XA`): sign-in, a wrong password, sign-up, the
/// password reset, MFA, its outbox and its error page. Labelled `emulator: …`; the emulator's
/// own routes are not the portal's route table.
async fn identity_provider_pages() -> (Vec<Seen>, Vec<String>) {
    use patient_portal::config::Cli;
    use patient_portal::startup::Application;
    use std::net::TcpListener;

    patient_portal::tls::install_crypto_provider();
    let data_dir = tempfile::tempdir().unwrap().keep();
    let portal = TcpListener::bind("127.0.0.1:0").unwrap();
    let emulator = TcpListener::bind("127.0.0.1:0").unwrap();
    let (pp, ep) = (
        portal.local_addr().unwrap().port(),
        emulator.local_addr().unwrap().port(),
    );
    let args = vec![
        "patient-portal".to_string(),
        format!("--public-url=https://localhost:{pp}"),
        format!("--listen=127.0.0.1:{pp}"),
        format!("--dev-b2c-listen=127.0.0.1:{ep}"),
        format!("--data-dir={}", data_dir.display()),
        format!(
            "--database-url=sqlite://{}?mode=rwc",
            data_dir.join("portal.sqlite").display()
        ),
        "--pseudo-language=true".to_string(),
    ];
    let settings = Cli::try_parse_with_env(args, std::iter::empty::<(String, String)>())
        .unwrap()
        .env
        .validate()
        .unwrap();
    let app = Application::build_with_listeners(settings, portal, Some(emulator))
        .await
        .unwrap();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .use_preconfigured_tls(
            patient_portal::tls::client_config(&[data_dir.join("localhost-cert.pem")]).unwrap(),
        )
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut seen = Vec::new();
    let mut problems = Vec::new();
    // Follows redirects to the page at the end; notes it under `label`.
    let mut land = |label: &str, status: u16, html: String, expected: u16| {
        if status == expected {
            seen.push(Seen {
                route: String::new(),
                label: format!("emulator: {label}"),
                status,
                html: html.clone(),
            });
        } else {
            problems.push(format!(
                "emulator: {label}: {status} (not {expected}): {}",
                main_text(&html)
            ));
        }
        html
    };
    let follow = |mut resp: reqwest::Response| {
        let client = client.clone();
        async move {
            loop {
                if !resp.status().is_redirection() {
                    let url = resp.url().clone();
                    let status = resp.status().as_u16();
                    return (url, status, resp.text().await.unwrap_or_default());
                }
                let next = resp
                    .url()
                    .join(resp.headers()["location"].to_str().unwrap())
                    .unwrap();
                resp = client
                    .get(next)
                    .header("Accept-Language", PSEUDO)
                    .send()
                    .await
                    .unwrap();
            }
        }
    };
    let get = |url: String| {
        let client = client.clone();
        async move {
            client
                .get(url)
                .header("Accept-Language", PSEUDO)
                .send()
                .await
                .unwrap()
        }
    };

    let start = get(format!("https://localhost:{pp}/signin")).await;
    let authorize = start.headers()["location"].to_str().unwrap().to_string();
    assert!(authorize.contains("ui_locales=en-XA"), "{authorize}");
    let (signin_url, status, html) = follow(start).await;
    let signin = land("sign-in", status, html, 200);
    let form = |html: &str| {
        let doc = Html::parse_document(html);
        let f = Selector::parse("form").unwrap();
        let input = Selector::parse("input[name]").unwrap();
        let form = doc.select(&f).next().expect("a form");
        let action = signin_url
            .join(form.value().attr("action").unwrap_or_default())
            .unwrap();
        let fields: Vec<(String, String)> = form
            .select(&input)
            .map(|i| {
                (
                    i.value().attr("name").unwrap_or_default().to_string(),
                    i.value().attr("value").unwrap_or_default().to_string(),
                )
            })
            .collect();
        (action, fields)
    };
    let demo = DEMO_USERS.iter().find(|u| u.role.is_none()).unwrap();
    // Each press of a button on the sign-in page of a new sign-in, as a browser sends it.
    let mut pressed = Vec::new();
    for (label, email, password, button, expected) in [
        (
            "sign-in with a wrong password",
            demo.email,
            "not-the-password",
            "signin",
            400,
        ),
        ("forgot password", "", "", "forgot", 200),
        ("MFA", demo.email, demo.password, "signin", 200),
    ] {
        let (_, _, page) = follow(get(format!("https://localhost:{pp}/signin")).await).await;
        let (action, mut fields) = form(&page);
        fields.retain(|(k, _)| k != "email" && k != "password");
        fields.extend([
            ("email".to_string(), email.to_string()),
            ("password".to_string(), password.to_string()),
            ("action".to_string(), button.to_string()),
        ]);
        let resp = client
            .post(action)
            .header("Accept-Language", PSEUDO)
            .form(&fields)
            .send()
            .await
            .unwrap();
        let (_, status, html) = follow(resp).await;
        pressed.push((label, status, html, expected));
    }
    for (label, status, html, expected) in pressed {
        land(label, status, html, expected);
    }
    let signup = links(&signin, "")
        .into_iter()
        .find(|h| h.contains("signup") || h.contains("SignUp"));
    match signup {
        Some(signup) => {
            let (_, status, html) =
                follow(get(signin_url.join(&signup).unwrap().to_string()).await).await;
            land("sign-up", status, html, 200);
        }
        None => {
            land("sign-up link on the sign-in page", 0, signin.clone(), 200);
        }
    }
    let (_, status, html) = follow(get(format!("https://localhost:{ep}/outbox")).await).await;
    land("outbox", status, html, 200);
    let elsewhere = authorize.replace(
        "redirect_uri=",
        "redirect_uri=https%3A%2F%2Fevil.example%2F&x=",
    );
    let (_, status, html) = follow(get(elsewhere).await).await;
    land("a reply address not registered", status, html, 400);
    (seen, problems)
}

/// The pseudo language exists only when PORTAL_PSEUDO_LANGUAGE turns it on: otherwise a
/// browser asking for en-XA reads English, as with any other English tag; the switch never
/// offers it.
#[tokio::test]
async fn without_the_setting_en_xa_is_plain_english_and_the_switch_never_offers_it() {
    let off = crate::support::spawn_app().await;
    let b = off.browser();
    let page = b
        .client
        .get(off.url("/"))
        .header("Accept-Language", PSEUDO)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(html_lang(&page), "en");
    assert!(!page.contains('⟦'), "{page}");

    let on = spawn_app_with(Options {
        extra_args: vec!["--pseudo-language=true".into()],
        ..Options::default()
    })
    .await;
    let b = on.browser();
    let page = b
        .client
        .get(on.url("/"))
        .header("Accept-Language", PSEUDO)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(html_lang(&page), PSEUDO);
    assert!(page.contains('⟦'), "{page}");
    assert!(
        !page.contains(r#"value="en-XA""#),
        "the switch offers it: {page}"
    );
    // Nor can it be chosen by hand: it is asked for, never kept.
    let token = crate::support::csrf_in(&page);
    let chosen = post(
        &on,
        &b,
        "/language",
        &[("language", PSEUDO), ("csrf_token", token.as_str())],
    )
    .await;
    assert_eq!(chosen.status(), 400);
}
