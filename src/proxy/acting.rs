//! Acting for someone (#29 item 3): a proxy picks whose record to open (`/acting`) and reads
//! it under `/acting/{grant}/...`. Every page takes an `access::ProxyGrant`, which the access
//! check makes from the database row of the grant in this request (so a revocation holds at
//! once, on every instance) and which writes the audit entry naming both people. Every page
//! says whose record it is and that the reader is acting for them. Handlers: nothing below
//! imports them.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::sensitive::Hidden;
use super::Scopes;
use crate::access::{live_grants, open_as_proxy, proxy_scope_of, GrantGone, ProxyGrant, Section};
use crate::auth::Patient;
use crate::records::store;
use crate::state::AppState;
use crate::web::page::page_context;
use crate::web::{templates, AppError};

/// A grant on the chooser that opens: whose record, what the proxy may do, and the first page
/// the grant opens.
#[derive(Serialize)]
struct ActingView {
    id: String,
    name: String,
    scopes: Vec<String>,
    /// The page the link leads to under `/acting/{id}`: the summary (empty) with the record
    /// scope, else the page of the grant's first scope (a grant without the record scope
    /// opens no summary).
    page: &'static str,
}

/// A grant on the chooser that opens nothing now (`access::LiveGrant::gone`): whose it was and
/// why, and no link.
#[derive(Serialize)]
struct GoneView {
    name: String,
    why: String,
}

/// The chooser's words for why a grant opens nothing (`proxy_gone.ftl`).
fn gone_words(gone: GrantGone) -> String {
    let key = match gone {
        GrantGone::GrantorUnlinked => "acting-gone-grantor-unlinked",
        GrantGone::ProxyEmailChanged => "acting-gone-email-changed",
        GrantGone::GuardianEnded => "acting-gone-guardian-ended",
    };
    crate::i18n::tr(crate::i18n::current(), key)
}

/// The first page a grant with `scopes` opens under `/acting/{grant}` (empty: the summary), by
/// the scope each page needs (`access::proxy_scope_of`).
fn first_page(scopes: &Scopes) -> &'static str {
    [
        (Section::Summary, ""),
        (Section::Messages, "messages"),
        (Section::Appointments, "appointments"),
        (Section::Renewals, "renewals"),
    ]
    .into_iter()
    .find(|(section, _)| scopes.allows(proxy_scope_of(*section)))
    .map_or("", |(_, page)| page)
}

/// `GET /acting`: the people this account may act for, and the grants that no longer open
/// anything, with why (judged by the rule `open_as_proxy` holds: `access::LiveGrant::gone`).
pub async fn choose(
    state: web::Data<AppState>,
    session: Session,
    proxy: Patient,
) -> Result<HttpResponse, AppError> {
    let mut people = Vec::new();
    let mut gone = Vec::new();
    for g in live_grants(&state, proxy.user()).await? {
        match g.gone(proxy.user(), &state.settings) {
            Some(why) => gone.push(GoneView {
                name: g.patient_name().to_string(),
                why: gone_words(why),
            }),
            None => {
                let scopes = g.scopes();
                people.push(ActingView {
                    id: g.id().to_string(),
                    name: g.patient_name().to_string(),
                    page: first_page(&scopes),
                    scopes: scopes.words(),
                })
            }
        }
    }
    let mut ctx = page_context(Some((proxy.user(), &session)), &state);
    ctx.insert("people", &people);
    ctx.insert("gone", &gone);
    ctx.insert("mode", "choose");
    Ok(templates::page(StatusCode::OK, "acting.html", &ctx))
}

/// One line of a section on the acting page (also `proxy::actions`' lines).
#[derive(Serialize)]
pub(super) struct Line {
    pub(super) name: String,
    pub(super) when: Option<String>,
}

fn page(
    state: &AppState,
    session: &Session,
    proxy: &Patient,
    grant: &ProxyGrant,
    mode: &str,
    sections: &[(&str, Vec<Line>)],
) -> HttpResponse {
    page_with(
        state,
        session,
        proxy,
        grant,
        mode,
        sections,
        tera::Context::new(),
    )
}

/// `page` with more of the page's context (`extra`: the forms' choices); `proxy::actions`
/// renders its forms through it too.
pub(super) fn page_with(
    state: &AppState,
    session: &Session,
    proxy: &Patient,
    grant: &ProxyGrant,
    mode: &str,
    sections: &[(&str, Vec<Line>)],
    extra: tera::Context,
) -> HttpResponse {
    let mut ctx = page_context(Some((proxy.user(), session)), state);
    ctx.extend(extra);
    ctx.insert("acting_for", grant.patient_name());
    ctx.insert("grant", grant.grant_id());
    ctx.insert("mode", mode);
    ctx.insert("hides_sensitive", &grant.hides_sensitive());
    let sections: Vec<_> = sections
        .iter()
        .map(|(title, lines)| serde_json::json!({ "title": title, "lines": lines }))
        .collect();
    ctx.insert("sections", &sections);
    templates::page(StatusCode::OK, "acting.html", &ctx)
}

/// `GET /acting/{grant}`: the summary of the record (needs the record scope).
pub async fn summary(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    proxy: Patient,
    grant: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let grant = open_as_proxy(&state, &req, &proxy, &grant, Section::Summary).await?;
    let pool = &state.pool;
    // A guardian of an adolescent sees nothing the sensitive code sets list, nor anything its
    // source labelled restricted.
    let hidden = Hidden::for_grant(pool, &grant).await?;
    let shown =
        |kind: &str, id: &str, c: &crate::records::model::Concept| !hidden.hides(kind, id, c);
    let conditions = store::conditions(pool, grant.chart())
        .await?
        .into_iter()
        .filter(|c| shown("Condition", &c.fhir_id, &c.code))
        .map(|c| Line {
            name: c.code.display,
            when: c.onset.map(|t| t.format("%Y-%m-%d").to_string()),
        })
        .collect();
    let medications = store::medications(pool, grant.chart())
        .await?
        .into_iter()
        .filter(|m| shown("MedicationRequest", &m.fhir_id, &m.code))
        .map(|m| Line {
            name: m.code.display,
            when: m.authored_on.map(|t| t.format("%Y-%m-%d").to_string()),
        })
        .collect();
    let allergies = store::allergies(pool, grant.chart())
        .await?
        .into_iter()
        .filter(|a| shown("AllergyIntolerance", &a.fhir_id, &a.code))
        .map(|a| Line {
            name: a.code.display,
            when: None,
        })
        .collect();
    Ok(page(
        &state,
        &session,
        &proxy,
        &grant,
        "summary",
        &[
            ("Conditions", conditions),
            ("Medications", medications),
            ("Allergies", allergies),
        ],
    ))
}

/// `GET /acting/{grant}/labs`: test results (needs the record scope).
pub async fn labs(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    proxy: Patient,
    grant: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let grant = open_as_proxy(&state, &req, &proxy, &grant, Section::Labs).await?;
    let hidden = Hidden::for_grant(&state.pool, &grant).await?;
    let labs = store::observations(&state.pool, grant.chart(), "laboratory")
        .await?
        .into_iter()
        .filter(|o| !hidden.hides("Observation", &o.fhir_id, &o.code))
        .map(|o| Line {
            name: o.code.display,
            when: Some(o.effective.format("%Y-%m-%d").to_string()),
        })
        .collect();
    Ok(page(
        &state,
        &session,
        &proxy,
        &grant,
        "labs",
        &[("Test results", labs)],
    ))
}

/// A day as ISO text: the page writes it in its language (`date_long`, #31).
pub(super) fn day(t: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(t, 0).map(|t| t.format("%Y-%m-%d").to_string())
}

/// `?sent=1` after a proxy's message was stored: the page says it was sent.
#[derive(serde::Deserialize)]
pub struct SentQuery {
    sent: Option<String>,
}

/// `GET /acting/{grant}/messages`: the conversations with the care team (needs the messages
/// scope). A guardian of an adolescent sees none: they may be confidential.
pub async fn messages(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    proxy: Patient,
    grant: web::Path<String>,
    query: web::Query<SentQuery>,
) -> Result<HttpResponse, AppError> {
    let grant = open_as_proxy(&state, &req, &proxy, &grant, Section::Messages).await?;
    let threads = if grant.hides_sensitive() {
        Vec::new()
    } else {
        crate::messages::store::threads(&state.pool, grant.chart(), crate::auth::Role::Patient)
            .await?
            .into_iter()
            .map(|t| Line {
                // "Subject (open)" in the page's language (#31; refusals.ftl).
                name: crate::i18n::tr_args(
                    crate::i18n::current(),
                    "acting-thread-line",
                    &[
                        ("subject", t.subject.as_str().into()),
                        ("status", t.status.as_str().into()),
                    ],
                ),
                when: day(t.updated_at),
            })
            .collect()
    };
    Ok(page(
        &state,
        &session,
        &proxy,
        &grant,
        if query.sent.is_some() {
            "messages-sent"
        } else {
            "messages"
        },
        &[("Conversations with the care team", threads)],
    ))
}

/// `GET /acting/{grant}/messages/new`: the form to write to the care team for the patient
/// (needs the messages scope; reading the form is audited as reading the messages).
pub async fn new_message(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    proxy: Patient,
    grant: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let grant = open_as_proxy(&state, &req, &proxy, &grant, Section::Messages).await?;
    if grant.hides_sensitive() {
        // The same rule `open_as_proxy` holds when the message is sent.
        return Err(AppError::Forbidden);
    }
    Ok(page(&state, &session, &proxy, &grant, "write", &[]))
}

#[derive(serde::Deserialize)]
pub struct MessageForm {
    subject: String,
    body: String,
}

/// `POST /acting/{grant}/messages`: a new conversation with the patient's care team, stored in
/// the patient's record as written by the proxy for them ("Sam (proxy), for Alex Doe"), the
/// audit entry naming the proxy as actor and the patient as subject. CSRF-checked; needs the
/// messages scope (never for a guardian of an adolescent: `open_as_proxy`). Text only: no
/// attachments from a proxy.
pub async fn send_message(
    req: HttpRequest,
    state: web::Data<AppState>,
    proxy: Patient,
    grant: web::Path<String>,
    form: crate::web::csrf::CsrfForm<MessageForm>,
) -> Result<HttpResponse, AppError> {
    use crate::messages::draft::{parse_subject, Body, Category, Draft};
    // Judged whole before the access check, as the patient's own form is.
    let parsed = parse_subject(&form.subject).and_then(|s| Ok((s, Body::parse(&form.body)?)));
    let (subject, body) = parsed.map_err(|r| AppError::BadRequest(r.message().to_string()))?;
    let grant = open_as_proxy(&state, &req, &proxy, &grant, Section::MessageSend).await?;
    let mut author = proxy.user().clone();
    // Stored whole; a thread reads it in the page's language (messages::common::proxy_author).
    author.display_name = format!(
        "{}{}{}",
        author.display_name,
        crate::messages::PROXY_AUTHOR_JOIN,
        grant.patient_name()
    );
    let draft = Draft {
        body,
        files: Vec::new(),
    };
    let (thread, _) = crate::messages::store::create_thread(
        &state.pool,
        grant.chart(),
        &author,
        &subject,
        Category::General,
        &draft,
    )
    .await?;
    state.mail_wake.now();
    tracing::info!(thread = %thread, "a proxy started a conversation for a patient");
    Ok(HttpResponse::SeeOther()
        .insert_header((
            "Location",
            format!("/acting/{}/messages?sent=1", grant.grant_id()),
        ))
        .finish())
}
