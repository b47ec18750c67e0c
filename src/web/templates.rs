//! Tera templates, embedded in the binary so one file deploys. Names end in `.html`, so
//! Tera escapes every value: templates never mark user data `safe`. The one `safe` value is a
//! chart part these templates rendered themselves (`records_cached.html`), escaped then; the
//! other is a QR code's SVG drawn by `sharing::qr` (its one text, the label, escaped there).
//! A clinical note's HTML is inserted as `records::notes::sanitize_html` (ammonia) left it.

use std::sync::LazyLock;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use tera::{Context, Tera};

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        vec![$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

static TERA: LazyLock<Result<Tera, tera::Error>> = LazyLock::new(|| {
    let mut tera = Tera::default();
    crate::i18n::tera_fns::register(&mut tera);
    tera.add_raw_templates(embed![
        "macros/forms.html",
        "macros/worklist.html",
        "base.html",
        "landing.html",
        "error.html",
        "account.html",
        "account_sign_in_details.html",
        "account_proxies.html",
        "proxy_accept.html",
        "acting.html",
        "home.html",
        "records_frame.html",
        "records_section.html",
        "records_cached.html",
        "records_chart_summary.html",
        "records_chart_labs.html",
        "records_chart_lab.html",
        "records_care.html",
        "records_note_content.html",
        "records_visit_notes.html",
        "records_notes.html",
        "records_party_card.html",
        "records_visit_people.html",
        "records_people.html",
        "records_printable.html",
        "records_print_header.html",
        "staff_home.html",
        "staff_break_glass.html",
        "staff_activation_code.html",
        "staff_chart_panel.html",
        "signed_out.html",
        "reset_help.html",
        "activate.html",
        "access_log.html",
        "smart_consent.html",
        "messages_list.html",
        "messages_new.html",
        "messages_thread.html",
        "messages_inbox.html",
        "messages_outbox.html",
        "appointments.html",
        "staff_appointments.html",
        "staff_appointments_day.html",
        "staff_appointment.html",
        "staff_renewals.html",
        "staff_renewal.html",
        "share_list.html",
        "share_new.html",
        "share_created.html",
        "share_health_card.html",
    ])?;
    Ok(tera)
});

/// Renders a page, or the plain fallback if the templates themselves are broken (a bug that
/// the tests catch; a patient must still get a page, not a panic).
pub fn render(name: &str, context: &Context) -> Result<String, tera::Error> {
    match &*TERA {
        Ok(tera) => tera.render(name, context),
        Err(e) => Err(tera::Error::msg(format!("templates failed to load: {e}"))),
    }
}

/// What the layout's language switch needs besides the language (#31): the double-submit
/// token and the page to come back to, set for the request by `web::language::choose`.
#[derive(Debug, Clone)]
pub struct Switch {
    pub form_token: String,
    pub return_to: String,
}

tokio::task_local! {
    pub static SWITCH: Switch;
}

tokio::task_local! {
    /// The signed-in user's unread conversations, set for the request by
    /// `messages::header` so that every page's header can show it.
    pub static UNREAD_MESSAGES: i64;
}

tokio::task_local! {
    /// Whether the signed-in user holds a live proxy grant (#29), set with the unread count
    /// by `messages::header`: the header then offers the switch to `/acting`.
    pub static ACTS_FOR_OTHERS: bool;
}

pub fn page(status: StatusCode, name: &str, context: &Context) -> HttpResponse {
    match UNREAD_MESSAGES.try_with(|n| *n) {
        Ok(_) => page_owned(status, name, context.clone()),
        // Signed out: a small page; the language goes into a copy.
        Err(_) => respond(status, name, context.clone()),
    }
}

/// [`page`] for a caller that is done with its context: the header's count goes into it
/// without copying the whole page's values (a chart page holds hundreds of rows).
pub fn page_owned(status: StatusCode, name: &str, mut context: Context) -> HttpResponse {
    if let Ok(n) = UNREAD_MESSAGES.try_with(|n| *n) {
        context.insert("unread_messages", &n);
    }
    if let Ok(acts) = ACTS_FOR_OTHERS.try_with(|a| *a) {
        context.insert("acts_for_others", &acts);
    }
    respond(status, name, context)
}

/// The language of the page and the layout's language switch (#31), for every page.
/// Only a page that was found (2xx) is a place to come back to; an error page's address may
/// be anything someone typed, and is not written into it.
fn insert_language(context: &mut Context, status: StatusCode) {
    let lang = crate::i18n::current();
    if !context.contains_key("lang") {
        context.insert("lang", lang.code());
    }
    // Every language compiled in but the page's, each by its own name (#31).
    let others: Vec<&crate::i18n::Lang> = crate::i18n::Lang::all()
        .iter()
        .filter(|l| **l != lang)
        .collect();
    let codes: Vec<&str> = others.iter().map(|l| l.code()).collect();
    let names: std::collections::HashMap<&str, String> = others
        .iter()
        .map(|l| (l.code(), l.own_name(lang)))
        .collect();
    context.insert("other_languages", &codes);
    context.insert("language_names", &names);
    if let Ok(switch) = SWITCH.try_with(|s| s.clone()) {
        context.insert("language_form_token", &switch.form_token);
        if status.is_success() {
            context.insert("language_return_to", &switch.return_to);
        }
    }
}

fn respond(status: StatusCode, name: &str, mut context: Context) -> HttpResponse {
    insert_language(&mut context, status);
    match render(name, &context) {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => {
            tracing::error!(template = name, error = %e, "template rendering failed");
            // The message files do not need the templates: the sentence is still in the
            // request's language (#31; rust_words.ftl).
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body(crate::i18n::tr(
                    crate::i18n::current(),
                    "rust-template-failed",
                ))
        }
    }
}

#[cfg(test)]
mod tests {
    /// A template that fails still answers in the request's language (#31).
    #[actix_web::test]
    async fn a_template_that_fails_answers_in_the_request_s_language() {
        use crate::i18n::{Lang, LANG};
        for (lang, said) in [
            (
                Lang::Es,
                "Algo salió mal por nuestra parte. Inténtelo de nuevo más tarde.",
            ),
            (
                Lang::En,
                "Something went wrong on our side. Please try again later.",
            ),
        ] {
            let resp = LANG.sync_scope(lang, || {
                super::respond(
                    actix_web::http::StatusCode::OK,
                    "no_such_template.html",
                    tera::Context::new(),
                )
            });
            assert_eq!(resp.status(), 500);
            let body = actix_web::body::to_bytes(resp.into_body())
                .await
                .expect("a body");
            assert_eq!(std::str::from_utf8(&body).expect("UTF-8"), said);
        }
    }

    #[test]
    fn every_template_parses() {
        assert!(
            super::TERA.as_ref().is_ok(),
            "{:?}",
            super::TERA.as_ref().err()
        );
    }

    /// A chart part is rendered once and shown to everyone who may open the chart
    /// (`records::chart_cache`), so its template names nothing of the viewer or the request:
    /// no form (CSRF token), no signed-in name, no banner, no staff panel, no include that
    /// could bring one in.
    #[test]
    fn kept_chart_parts_name_nothing_of_who_is_looking() {
        for (name, source) in [
            (
                "records_chart_summary.html",
                include_str!("../../templates/records_chart_summary.html"),
            ),
            (
                "records_chart_labs.html",
                include_str!("../../templates/records_chart_labs.html"),
            ),
            (
                "records_chart_lab.html",
                include_str!("../../templates/records_chart_lab.html"),
            ),
            (
                "records_frame.html",
                include_str!("../../templates/records_frame.html"),
            ),
        ] {
            for per_request in [
                "csrf_token",
                "<form",
                "user_name",
                "is_clinician",
                "unread_messages",
                "banner",
                "staff_chart",
                "include",
                "extends",
            ] {
                assert!(
                    !source.contains(per_request),
                    "{name} names {per_request}, which differs from one view to the next"
                );
            }
        }
    }

    /// The field macro ties its hint and its error to the input, so a screen reader reads them
    /// with the field, and keeps the id and name that tests and bench/signin.py look for.
    #[test]
    fn a_field_s_hint_and_error_are_wired_to_its_input() {
        let mut tera = tera::Tera::default();
        tera.add_raw_templates(vec![
            (
                "macros/forms.html",
                include_str!("../../templates/macros/forms.html"),
            ),
            (
                "t.html",
                r#"{% import "macros/forms.html" as forms %}{{ forms::field(id="new_password", label="New Password", type="password", hint="8 to 64 characters", hint_id="password-rules", error=error, describedby="form-error") }}"#,
            ),
        ])
        .unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("error", "Too <short>");
        let html = tera.render("t.html", &ctx).unwrap();
        assert!(
            html.contains(r#"<label for="new_password">New Password</label>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<input id="new_password" name="new_password" type="password""#),
            "{html}"
        );
        assert!(
            html.contains(
                r#"aria-invalid="true" aria-describedby="password-rules new_password-error""#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"<p class="error" id="new_password-error">Too &lt;short&gt;</p>"#),
            "{html}"
        );
        ctx.insert("error", "");
        let html = tera.render("t.html", &ctx).unwrap();
        assert!(
            html.contains(r#"aria-describedby="password-rules form-error""#),
            "{html}"
        );
        assert!(!html.contains("aria-invalid"), "{html}");
    }
}
