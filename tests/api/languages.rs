//! Languages (#31): a Spanish browser, the switch (signed out and signed in), the account's
//! choice following the person to a new browser, the identity provider asked in the same
//! language, and converted pages with no text outside the message files.

use patient_portal::i18n::{self, Lang};
use scraper::{Html, Selector};

use crate::support::{
    csrf_in, location, post, signed_in, spawn_app, spawn_app_with, Browser, Options, TestApp,
    PATIENT_A, PATIENT_B,
};

pub(crate) async fn get_in(
    app: &TestApp,
    b: &Browser,
    path: &str,
    accept: &str,
) -> reqwest::Response {
    b.client
        .get(app.url(path))
        .header("Accept-Language", accept)
        .send()
        .await
        .unwrap()
}

fn html_lang(page: &str) -> String {
    let doc = Html::parse_document(page);
    let sel = Selector::parse("html").unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("lang"))
        .unwrap_or_default()
        .to_string()
}

/// The switch's form: (token, return_to).
fn switch_form(page: &str) -> (String, String) {
    let doc = Html::parse_document(page);
    let input = |name: &str| {
        let sel =
            Selector::parse(&format!(r#"form[action="/language"] input[name="{name}"]"#)).unwrap();
        doc.select(&sel)
            .next()
            .and_then(|e| e.value().attr("value"))
            .unwrap_or_default()
            .to_string()
    };
    (input("csrf_token"), input("return_to"))
}

/// Every text node of the page's body (scripts have none), trimmed, without empty ones.
fn text_nodes(page: &str) -> Vec<String> {
    let doc = Html::parse_document(page);
    let body = Selector::parse("body").unwrap();
    doc.select(&body)
        .flat_map(|b| {
            b.text()
                .map(str::trim)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// The English messages whose Spanish differs: if one shows on a Spanish page, that text
/// did not come from the Spanish files.
fn english_only_messages() -> Vec<String> {
    let mut english = Vec::new();
    for (_, source) in i18n::message_files(Lang::En) {
        for key in i18n::keys_of(&source) {
            if key.contains('.') || key.starts_with('-') {
                continue;
            }
            let (Some(en), Some(es)) = (
                i18n::lookup(Lang::En, &key, &[]),
                i18n::lookup(Lang::Es, &key, &[]),
            ) else {
                continue;
            };
            // Messages with arguments are checked by their fixed parts' absence below; short
            // ones ("Error") could be a Spanish word too.
            if en != es && en.len() >= 8 && !en.contains('{') {
                english.push(en);
            }
        }
    }
    english
}

/// A Spanish page: `lang="es"`, and no text node that is an English message.
pub(crate) fn assert_spanish(page: &str, what: &str) {
    assert_eq!(html_lang(page), "es", "{what}: <html lang>");
    let english = english_only_messages();
    assert!(english.len() > 20, "the English messages were read");
    for text in text_nodes(page) {
        for en in &english {
            // A one-word message ("Medication") is English only as the whole text: inside a
            // longer text it may be part of a word or a name the record gives.
            let found = if en.contains(' ') {
                text.contains(en.as_str())
            } else {
                text.trim() == en.as_str()
            };
            assert!(!found, "{what}: English text on a Spanish page: {text:?}");
        }
    }
}

#[tokio::test]
async fn a_spanish_browser_gets_the_start_page_in_spanish_with_lang_es() {
    let app = spawn_app().await;
    let b = app.browser();
    let resp = get_in(&app, &b, "/", "es-MX,es;q=0.9,en;q=0.5").await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()
            .get_all("vary")
            .iter()
            .any(|v| v.to_str().unwrap_or_default().contains("Accept-Language")),
        "a page that depends on Accept-Language says so"
    );
    let page = resp.text().await.unwrap();
    assert_spanish(&page, "/");
    assert!(
        page.contains("Su historial de salud, seguro en sus manos"),
        "{page}"
    );
    // The switch offers English, named in English.
    assert!(page.contains(r#"lang="en">English</button>"#), "{page}");

    let english = get_in(&app, &b, "/", "en-GB,en;q=0.9")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(html_lang(&english), "en");
    assert!(english.contains("Your health record, safely in your hands"));
    let neither = get_in(&app, &b, "/", "zz-ZZ,de;q=0.8")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(html_lang(&neither), "en", "the default language");
}

#[tokio::test]
async fn the_configured_default_language_answers_a_browser_that_asks_for_none_spoken() {
    let app = spawn_app_with(Options {
        extra_args: vec!["--default-language=es".into()],
        ..Options::default()
    })
    .await;
    let b = app.browser();
    let page = get_in(&app, &b, "/", "zz").await.text().await.unwrap();
    assert_spanish(&page, "/ with PORTAL_DEFAULT_LANGUAGE=es");
    let page = get_in(&app, &b, "/", "en").await.text().await.unwrap();
    assert_eq!(html_lang(&page), "en", "the browser's language comes first");
}

#[tokio::test]
async fn the_switch_works_signed_out_and_only_with_its_token() {
    let app = spawn_app().await;
    let b = app.browser();
    let page = get_in(&app, &b, "/?notice=cancelled", "en")
        .await
        .text()
        .await
        .unwrap();
    let (token, return_to) = switch_form(&page);
    assert!(token.len() >= 32, "the signed-out switch carries a token");
    assert_eq!(return_to, "/", "the path, never the query");

    // Without the token, with another token, or with a language the portal does not speak:
    // refused with the portal's 400 page, and nothing changes.
    for form in [
        vec![("language", "es"), ("return_to", "/")],
        vec![
            ("language", "es"),
            ("csrf_token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        ],
        vec![("language", "zz"), ("csrf_token", token.as_str())],
        vec![("language", "es-MX"), ("csrf_token", token.as_str())],
    ] {
        let resp = post(&app, &b, "/language", &form).await;
        assert_eq!(resp.status(), 400, "{form:?}");
    }
    assert_eq!(
        html_lang(&app.get(&b, "/").await.text().await.unwrap()),
        "en"
    );

    // Another browser's token is not this browser's.
    let other = app.browser();
    let other_page = app.get(&other, "/").await.text().await.unwrap();
    let (other_token, _) = switch_form(&other_page);
    let resp = post(
        &app,
        &b,
        "/language",
        &[("language", "es"), ("csrf_token", other_token.as_str())],
    )
    .await;
    assert_eq!(resp.status(), 400, "a token of another browser");

    let resp = post(
        &app,
        &b,
        "/language",
        &[
            ("language", "es"),
            ("csrf_token", token.as_str()),
            ("return_to", return_to.as_str()),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/");
    // The choice beats the browser's header from now on.
    let page = get_in(&app, &b, "/?notice=cancelled", "en")
        .await
        .text()
        .await
        .unwrap();
    assert_spanish(&page, "/ after choosing Spanish");
    assert!(page.contains("Inicio de sesión cancelado."), "{page}");

    // A return address elsewhere is not followed.
    let resp = post(
        &app,
        &b,
        "/language",
        &[
            ("language", "en"),
            ("csrf_token", token.as_str()),
            ("return_to", "//evil.example/"),
        ],
    )
    .await;
    assert_eq!(location(&resp), "/");
}

#[tokio::test]
async fn a_signed_in_choice_is_kept_on_the_account_and_follows_to_the_next_sign_in() {
    let app = spawn_app().await;
    let b = signed_in(&app, &PATIENT_A).await;
    let page = app.get(&b, "/account").await.text().await.unwrap();
    let token = csrf_in(&page);
    let resp = post(
        &app,
        &b,
        "/language",
        &[
            ("language", "es"),
            ("csrf_token", token.as_str()),
            ("return_to", "/account"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/account");
    let stored: String =
        sqlx::query_scalar("SELECT language FROM account_languages WHERE b2c_subject = $1")
            .bind(PATIENT_A.subject)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, "es");

    // Another browser, English by its header: the sign-in brings the account's Spanish.
    let other = signed_in(&app, &PATIENT_A).await;
    let page = get_in(&app, &other, "/", "en").await.text().await.unwrap();
    assert_eq!(html_lang(&page), "es", "the account's choice");
    assert!(page.contains("Sesión iniciada como"), "{page}");
}

#[tokio::test]
async fn the_identity_provider_is_asked_for_the_same_language() {
    let app = spawn_app().await;
    let b = app.browser();
    let resp = get_in(&app, &b, "/signin", "es").await;
    assert_eq!(resp.status(), 302);
    let url = url::Url::parse(location(&resp)).unwrap();
    let ui_locales: Vec<String> = url
        .query_pairs()
        .filter(|(k, _)| k == "ui_locales")
        .map(|(_, v)| v.into_owned())
        .collect();
    assert_eq!(ui_locales, ["es"]);
    let resp = get_in(&app, &app.browser(), "/signin", "en-US").await;
    let url = url::Url::parse(location(&resp)).unwrap();
    assert!(url
        .query_pairs()
        .any(|(k, v)| k == "ui_locales" && v == "en"));
}

#[tokio::test]
async fn error_pages_speak_the_language_of_the_request() {
    let app = spawn_app().await;
    let b = signed_in(&app, &PATIENT_A).await;
    let resp = get_in(&app, &b, "/no-such-page", "es").await;
    assert_eq!(resp.status(), 404);
    let page = resp.text().await.unwrap();
    assert_spanish(&page, "404");
    assert!(page.contains("Página no encontrada"), "{page}");

    // Made by a middleware before any handler: a form from another site.
    let resp = b
        .client
        .post(app.url("/language"))
        .header("Accept-Language", "es")
        .header("Origin", "https://evil.example")
        .form(&[("language", "es")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let page = resp.text().await.unwrap();
    assert_spanish(&page, "cross-site 403");
    assert!(
        page.contains("Este formulario vino de otro sitio"),
        "{page}"
    );
}

/// Pages converted to the message files, each read by a Spanish browser (signed out, or as
/// a patient): no English message on them and `lang="es"`. The templates they come from are
/// also checked for literal text in `i18n::tests` (CONVERTED_TEMPLATES).
#[tokio::test]
async fn converted_pages_have_no_english_in_spanish() {
    let app = spawn_app().await;
    let out = app.browser();
    for path in ["/", "/?notice=cancelled"] {
        let page = get_in(&app, &out, path, "es").await.text().await.unwrap();
        assert_spanish(&page, path);
    }
    let (app, _, ids) = crate::support::app_with_patients(1).await;
    app.link(&ids[0], &PATIENT_A).await;
    let b = signed_in(&app, &PATIENT_A).await;
    for path in [
        "/",
        "/nothing-here",
        "/home",
        "/messages",
        "/messages/new",
        "/account",
        "/records/access-log",
        "/appointments",
        "/records/conditions",
        "/records/medications",
        "/records/allergies",
        "/records/immunizations",
        "/records/vitals",
        "/records/visits",
        "/records/labs",
        "/records",
        "/records/procedures",
        "/records/care-plans",
        "/records/reports",
        "/records/social-history",
        "/account/sign-in-details",
        "/records/billing",
        "/records/care-team",
        "/share/health-card",
        "/records/printable",
    ] {
        let page = get_in(&app, &b, path, "es").await.text().await.unwrap();
        assert_spanish(&page, path);
    }
    // An account not linked to a record yet is asked for its activation code.
    let unlinked = signed_in(&app, &PATIENT_B).await;
    let page = get_in(&app, &unlinked, "/activate", "es")
        .await
        .text()
        .await
        .unwrap();
    assert_spanish(&page, "/activate");
    assert!(page.contains("Código de activación"), "{page}");
    // One test's history, by the first link of the latest results.
    let labs = get_in(&app, &b, "/records/labs", "es")
        .await
        .text()
        .await
        .unwrap();
    let lab = labs
        .replace("&#x2F;", "/")
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|href| href.starts_with("/records/labs/"))
        .unwrap_or_else(|| panic!("a test's history linked from the latest results: {labs}"))
        .to_string();
    let page = get_in(&app, &b, &lab, "es").await.text().await.unwrap();
    assert_spanish(&page, &lab);
    assert!(page.contains("Último resultado:"), "{page}");
    // One visit, with its notes, people and cost, by the first link of the visits.
    let visits = get_in(&app, &b, "/records/visits", "es")
        .await
        .text()
        .await
        .unwrap()
        .replace("&#x2F;", "/");
    let visit = visits
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|href| href.starts_with("/records/visits/"))
        .expect("a visit linked from the visits");
    let page = get_in(&app, &b, visit, "es").await.text().await.unwrap();
    assert_spanish(&page, visit);
    assert!(page.contains("Lo que costó esta visita"), "{page}");
    let home = get_in(&app, &b, "/home", "es").await.text().await.unwrap();
    assert!(home.contains("Resultados de pruebas nuevos"), "{home}");
    assert!(home.contains("Elija su farmacia preferida"), "{home}");
    // The chart's heading; a part kept for an English reader is not served to a Spanish one.
    let english = get_in(&app, &b, "/records", "en")
        .await
        .text()
        .await
        .unwrap();
    assert!(english.contains("Date of birth"), "{english}");
    let record = get_in(&app, &b, "/records", "es")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(html_lang(&record), "es");
    let heading = |page: &str| {
        let doc = Html::parse_document(page);
        let sel = Selector::parse("section.patient-heading").unwrap();
        doc.select(&sel)
            .next()
            .map(|e| e.text().collect::<String>())
            .unwrap_or_default()
    };
    assert!(heading(&english).contains("Date of birth"));
    assert!(heading(&record).contains("Fecha de nacimiento"), "{record}");
    assert!(!heading(&record).contains("Date of birth"), "{record}");
    // The sections' names; a test's name on its own page stays as the record gives it.
    assert!(
        record.contains(">Resultados de laboratorio</a>"),
        "{record}"
    );
    assert!(record.contains("<h1>Resumen</h1>"), "{record}");
}

/// The clinicians' pages in Spanish: the worklist, a search, a chart with its staff part (a
/// record not linked yet, with an outstanding code), a new activation code, the renewal queue
/// and a request, the day's appointments and break-the-glass.
#[tokio::test]
async fn staff_pages_read_in_spanish() {
    let w = crate::appointments::world().await;
    let app = &w.app;
    // The patient asks for an appointment and a renewal, so the worklist has rows.
    let token = crate::support::csrf(app, &w.patient).await;
    let form = [
        ("csrf_token", token.as_str()),
        ("reason", "Dolores de cabeza frecuentes"),
        ("day_tue", "1"),
        ("time", "morning"),
        ("mode", "video"),
    ];
    assert_eq!(
        post(app, &w.patient, "/appointments", &form).await.status(),
        303
    );
    let medication = w
        .record
        .active_medications()
        .next()
        .expect("the demo record has an active medication")
        .fhir_id
        .clone();
    let form = [
        ("csrf_token", token.as_str()),
        ("medication", medication.as_str()),
        ("note", "Me quedan cuatro pastillas"),
    ];
    let resp = post(app, &w.patient, "/records/medications/renewals", &form).await;
    assert_eq!(resp.status(), 303);
    let renewal: String = sqlx::query_scalar("SELECT id FROM renewal_requests")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let appointment: String = sqlx::query_scalar(
        "SELECT id FROM appointments WHERE reason = 'Dolores de cabeza frecuentes'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    // Two more patients: one on the care team and not linked yet, one outside it.
    let today = chrono::Utc::now().date_naive();
    let mut others = patient_portal::demo::demo_patients(3, 14, today);
    let unlinked = app.seed(&others.remove(1)).await;
    app.add_to_care_team(&unlinked, &crate::support::CLINICIAN)
        .await;
    let outside = app.seed(&others.remove(1)).await;

    let b = &w.clinician;
    let token = crate::support::csrf(app, b).await;
    let resp = b
        .client
        .post(app.url(&format!("/staff/patients/{unlinked}/activation-codes")))
        .header("Accept-Language", "es")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let page = resp.text().await.unwrap();
    assert_spanish(&page, "a new activation code");
    assert!(
        page.contains("Su código de activación del portal del paciente"),
        "{page}"
    );

    let mrn = crate::support::urlencode(&w.record.patient.mrn.value);
    for path in [
        "/staff".to_string(),
        format!("/staff?q={mrn}"),
        format!("/staff/patients/{}", w.patient_id),
        format!("/staff/patients/{unlinked}"),
        format!("/staff/patients/{outside}/break-glass"),
        "/staff/appointments/day".to_string(),
        // The queue and a request's page: the request's mode ("Videollamada") comes from
        // the message files.
        "/staff/appointments".to_string(),
        format!("/staff/appointments/{appointment}"),
        "/staff/renewals".to_string(),
        format!("/staff/renewals/{renewal}"),
    ] {
        let resp = get_in(app, b, &path, "es").await;
        assert_eq!(resp.status(), 200, "{path}");
        let page = resp.text().await.unwrap();
        assert_spanish(&page, &path);
    }
    let home = get_in(app, b, "/staff", "es").await.text().await.unwrap();
    assert!(home.contains("Su lista de trabajo"), "{home}");
    let chart = get_in(app, b, &format!("/staff/patients/{unlinked}"), "es")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        chart.contains("Códigos de activación pendientes"),
        "{chart}"
    );
}

/// Sharing in Spanish: the form for a new link, and the list with a link made.
#[tokio::test]
async fn the_share_pages_read_in_spanish() {
    let app = spawn_app().await;
    let record = crate::support::records(1).remove(0);
    let (b, _) = crate::support::signed_in_patient(&app, &record, &PATIENT_A).await;
    let page = get_in(&app, &b, "/share/new", "es")
        .await
        .text()
        .await
        .unwrap();
    assert_spanish(&page, "/share/new");
    assert!(
        page.contains("Compartir su historial con un enlace"),
        "{page}"
    );
    let token = csrf_in(&page);
    let resp = b
        .client
        .post(app.url("/share"))
        .header("Accept-Language", "es")
        .form(&[
            ("csrf_token", token.as_str()),
            ("expires", "7"),
            ("content", "summary"),
            ("label", "Para la Dra. Ortega"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let page = get_in(&app, &b, "/share", "es").await.text().await.unwrap();
    assert_spanish(&page, "/share");
    assert!(page.contains("Para la Dra. Ortega"), "{page}");
    assert!(
        page.contains("0 veces"),
        "the openings, by Fluent plurals: {page}"
    );
}

/// Dates in the language of the page, from the one formatting place: the home page's "last
/// visit" reads "… de … de …" in Spanish.
#[tokio::test]
async fn dates_are_written_in_the_language_of_the_page() {
    let (app, _, ids) = crate::support::app_with_patients(1).await;
    app.link(&ids[0], &PATIENT_A).await;
    let b = signed_in(&app, &PATIENT_A).await;
    // A second sign-in makes the first one the "last visit".
    let b2 = signed_in(&app, &PATIENT_A).await;
    drop(b);
    let home = get_in(&app, &b2, "/home", "es").await.text().await.unwrap();
    let months = [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ];
    assert!(
        months
            .iter()
            .any(|m| home.contains(&format!(" de {m} de "))),
        "a Spanish date on the Spanish home page: {home}"
    );
}
