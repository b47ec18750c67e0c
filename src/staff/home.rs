//! `GET /staff`: the clinician's landing page. The worklist (unread team messages, appointment
//! and renewal requests waiting, today's appointments, charts opened recently), the patient
//! search and the care team's patients. The worklist names patients and says what kind of thing
//! waits and since when, never what it says: that is read by opening it, which is audited.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::common::enter;
use super::search::{self, Query, PAGE_SIZE};
use crate::appointments::common::clinic_time;
use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::auth::Clinician;
use crate::i18n;
use crate::state::AppState;
use crate::web::page::{format_time, page_context};
use crate::web::{templates, AppError};

#[derive(Debug, Deserialize)]
pub struct HomeQuery {
    q: Option<String>,
    page: Option<String>,
}

/// `GET /staff`.
pub async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    clinician: Clinician,
    query: web::Query<HomeQuery>,
) -> Result<HttpResponse, AppError> {
    enter(&state, &clinician).await?;
    let user = clinician.user();
    let mut ctx = page_context(Some((user, &session)), &state);
    let mut status = StatusCode::OK;
    let q = query.q.as_deref().unwrap_or_default().trim();
    ctx.insert("q", q);
    if !q.is_empty() {
        match Query::parse(q) {
            Err(message) => {
                status = StatusCode::BAD_REQUEST;
                ctx.insert("search_error", &i18n::tr(i18n::current(), message));
            }
            Ok(parsed) => {
                let page = query
                    .page
                    .as_deref()
                    .and_then(|p| p.trim().parse::<i64>().ok())
                    .unwrap_or(1)
                    .clamp(1, search::MAX_PAGE);
                let found = search::search(&state.pool, &parsed, page).await?;
                // Audited before any result leaves: that a search happened and how many it
                // found, never what was typed.
                let meta = RequestMeta::of(&req, state.settings.behind_proxy);
                let mut entry =
                    meta.entry(Actor::user(user), Action::StaffSearch, Outcome::Success);
                entry.detail = Some(format!("results={}", found.total));
                audit::append(&state.pool, &entry).await?;
                let pages = ((found.total + PAGE_SIZE - 1) / PAGE_SIZE).clamp(1, search::MAX_PAGE);
                let link = |p: i64| {
                    format!(
                        "/staff?{}",
                        serde_urlencoded::to_string([("q", q), ("page", &p.to_string())])
                            .unwrap_or_default()
                    )
                };
                ctx.insert("searched", &true);
                ctx.insert("results", &found.rows);
                ctx.insert("total", &found.total);
                ctx.insert("page", &page);
                ctx.insert("pages", &pages);
                ctx.insert("first_shown", &((page - 1) * PAGE_SIZE + 1));
                ctx.insert(
                    "last_shown",
                    &((page - 1) * PAGE_SIZE + found.rows.len() as i64),
                );
                if page > 1 {
                    ctx.insert("prev_url", &link(page - 1));
                }
                if page < pages {
                    ctx.insert("next_url", &link(page + 1));
                }
            }
        }
    }
    let team = search::care_team_patients(&state.pool, &user.subject).await?;
    ctx.insert("care_team", &team);
    worklist(&state, &clinician, &mut ctx).await?;
    Ok(templates::page(status, "staff_home.html", &ctx))
}

/// Rows of each worklist list shown; each list links to its whole page.
const WORKLIST_ROWS: usize = 5;

/// One line of the worklist: a link and what it is about.
#[derive(Serialize)]
struct WorkItem {
    url: String,
    patient: String,
    detail: String,
}

/// One list of the worklist: the rows shown and how many there are.
#[derive(Serialize)]
struct WorkList {
    items: Vec<WorkItem>,
    total: usize,
}

impl WorkList {
    fn of(mut items: Vec<WorkItem>) -> WorkList {
        let total = items.len();
        items.truncate(WORKLIST_ROWS);
        WorkList { items, total }
    }
}

async fn worklist(
    state: &AppState,
    clinician: &Clinician,
    ctx: &mut tera::Context,
) -> Result<(), AppError> {
    let pool = &state.pool;
    let me = &clinician.user().subject;
    let tz = state.settings.time_zone;
    // The worklist's lines in the page's language (#31; `page_words.ftl`).
    let lang = i18n::current();

    let (unread, unread_total) =
        crate::messages::store::team_unread(pool, me, WORKLIST_ROWS as i64).await?;
    let mut messages = WorkList::of(
        unread
            .into_iter()
            .map(|t| WorkItem {
                url: format!("/staff/messages/{}", t.thread_id),
                patient: t.patient_name,
                detail: unread_detail(&t.category, t.updated_at),
            })
            .collect(),
    );
    messages.total = usize::try_from(unread_total).unwrap_or(messages.total);
    ctx.insert("work_messages", &messages);

    let appointments = crate::appointments::store::queue(pool, me).await?;
    ctx.insert(
        "work_appointments",
        &WorkList::of(
            appointments
                .iter()
                .map(|a| WorkItem {
                    url: format!("/staff/appointments/{}", a.id),
                    patient: a.patient_name.clone(),
                    detail: i18n::tr_args(
                        lang,
                        "page-words-asked-state",
                        &[
                            ("state", a.state.label().into()),
                            ("when", clinic_time(tz, a.requested_at).into()),
                        ],
                    ),
                })
                .collect(),
        ),
    );

    let renewals = crate::renewals::store::queue(pool, me).await?;
    ctx.insert(
        "work_renewals",
        &WorkList::of(
            renewals
                .into_iter()
                .map(|r| WorkItem {
                    url: format!("/staff/renewals/{}", r.id),
                    patient: r.patient_name,
                    detail: i18n::tr_args(
                        lang,
                        "page-words-asked-medication",
                        &[
                            (
                                "medication",
                                crate::records::views::plain_name(&r.medication).into(),
                            ),
                            ("when", clinic_time(tz, r.requested_at).into()),
                        ],
                    ),
                })
                .collect(),
        ),
    );

    let (from, to) = crate::appointments::today_range(tz);
    let today = crate::appointments::store::day(pool, me, from, to).await?;
    // All of today's, not a few: the day is the list.
    let today: Vec<WorkItem> = today
        .iter()
        .map(|a| WorkItem {
            url: format!("/staff/appointments/{}", a.id),
            patient: a.patient_name.clone(),
            detail: a.start_at.map(|s| clinic_time(tz, s)).unwrap_or_default(),
        })
        .collect();
    ctx.insert("work_today", &today);
    ctx.insert("time_zone", tz.name());

    ctx.insert("work_recent", &recent_charts(state, me).await?);
    Ok(())
}

/// A chart the clinician opened lately, as read.
#[derive(sqlx::FromRow)]
struct Recent {
    id: String,
    given_name: String,
    family_name: String,
}

/// The last few different charts this clinician opened, from their own audit entries (the
/// newest 50 chart views: enough to find five patients, and a bounded read however long the
/// trail). Names only, like the search results.
async fn recent_charts(state: &AppState, me: &str) -> Result<Vec<WorkItem>, sqlx::Error> {
    let opened: Vec<String> = sqlx::query_scalar(
        "SELECT patient_id FROM audit_log WHERE actor_subject = $1 AND action = $2 \
         AND patient_id IS NOT NULL ORDER BY seq DESC LIMIT 50",
    )
    .bind(me)
    .bind(Action::StaffChartView.as_str())
    .fetch_all(&state.pool)
    .await?;
    let mut ids: Vec<String> = Vec::new();
    for id in opened {
        if !ids.contains(&id) {
            ids.push(id);
        }
        if ids.len() == WORKLIST_ROWS {
            break;
        }
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // One read for all of them (at most WORKLIST_ROWS placeholders), then back in the order
    // they were opened.
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id, given_name, family_name FROM patients WHERE id IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, Recent>(&sql);
    for id in &ids {
        query = query.bind(id);
    }
    let found = query.fetch_all(&state.pool).await?;
    Ok(ids
        .iter()
        .filter_map(|id| found.iter().find(|p| &p.id == id))
        .map(|p| WorkItem {
            url: format!("/staff/patients/{}", p.id),
            patient: format!("{} {}", p.given_name, p.family_name),
            detail: String::new(),
        })
        .collect())
}

/// An unread conversation's line on the worklist: what it is about, in the page's language
/// (#31: it showed the export's English, "General question"), and when.
fn unread_detail(category: &str, updated_at: i64) -> String {
    format!(
        "{}, {}",
        crate::messages::draft::category_words(category),
        format_time(updated_at)
    )
}

#[cfg(test)]
mod tests {
    use super::unread_detail;
    use crate::i18n::{Lang, LANG};

    #[test]
    fn an_unread_conversation_s_line_reads_in_the_page_s_language() {
        let es = LANG.sync_scope(Lang::Es, || unread_detail("result", 0));
        assert!(es.starts_with("Pregunta sobre un resultado, "), "{es}");
        assert!(!es.contains("January"), "{es}");
        let en = LANG.sync_scope(Lang::En, || unread_detail("medication", 0));
        assert!(en.starts_with("Medication question, "), "{en}");
    }
}
