//! Languages (#31): the refusals, conflict pages and form errors built in Rust read in the
//! page's language. A patient or clinician who chose Spanish gets each page below in Spanish,
//! word for word the message of `refusals.ftl`, and not its English.

use chrono::TimeZone;
use patient_portal::i18n::{self, Lang};
use serde_json::json;

use crate::appointments::{text, world, World};
use crate::support::*;

/// The message `key` in Spanish and in English (which must differ, or the check says nothing).
fn both(key: &str) -> (String, String) {
    let es = i18n::tr(Lang::Es, key);
    let en = i18n::tr(Lang::En, key);
    assert_ne!(es, en, "{key} has its own Spanish");
    (es, en)
}

/// The page says the message `key` in Spanish, not in English, in a Spanish `<html>`. The
/// page escapes what it shows, as tera does, so the message is compared escaped.
fn says_in_spanish(page: &str, key: &str) {
    let (es, en) = both(key);
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#x27;")
    };
    assert!(page.contains(r#"lang="es""#), "a Spanish page: {page}");
    assert!(
        page.contains(&escape(&es)) || page.contains(&es),
        "{key} in Spanish ({es}): {page}"
    );
    assert!(
        !page.contains(&escape(&en)) && !page.contains(&en),
        "{key} in English ({en}): {page}"
    );
}

/// Browser `b` (signed in) chooses Spanish with the header's switch: the account keeps it.
async fn speak_spanish(app: &TestApp, b: &Browser) {
    let token = csrf(app, b).await;
    let resp = post(
        app,
        b,
        "/language",
        &[
            ("language", "es"),
            ("csrf_token", &token),
            ("return_to", "/account"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303, "the switch answers");
    let page = app.get(b, "/account").await.text().await.unwrap();
    assert!(page.contains(r#"lang="es""#), "the account speaks Spanish");
}

/// A `multipart/form-data` body of text fields, as the message form sends it.
fn multipart(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----portal-languages-forms-5c1e";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn send_message(w: &World, subject: &str, body: &str, category: &str) -> reqwest::Response {
    let token = csrf(&w.app, &w.patient).await;
    let (content_type, form) = multipart(&[
        ("csrf_token", &token),
        ("subject", subject),
        ("category", category),
        ("body", body),
    ]);
    w.patient
        .client
        .post(w.app.url("/messages"))
        .header("content-type", content_type)
        .body(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_message_form_s_errors_read_in_spanish() {
    let w = world().await;
    speak_spanish(&w.app, &w.patient).await;

    let resp = send_message(&w, "Pregunta", "   ", "general").await;
    assert_eq!(resp.status(), 400);
    let page = resp.text().await.unwrap();
    says_in_spanish(&page, "refusal-message-not-sent-title");
    says_in_spanish(&page, "refusal-message-empty");

    let resp = send_message(&w, " ", "Hola", "general").await;
    assert_eq!(resp.status(), 400);
    says_in_spanish(&resp.text().await.unwrap(), "refusal-message-no-subject");

    let resp = send_message(&w, "Pregunta", "Hola", "surgery").await;
    assert_eq!(resp.status(), 400);
    says_in_spanish(&resp.text().await.unwrap(), "refusal-message-category");

    // A number in the sentence: the limit, by the message's argument.
    let resp = send_message(&w, "Pregunta", &"x".repeat(5001), "general").await;
    assert_eq!(resp.status(), 400);
    let page = resp.text().await.unwrap();
    let too_long = i18n::tr_args(
        Lang::Es,
        "refusal-message-too-long",
        &[("max", 5000usize.into())],
    );
    assert!(page.contains(&too_long), "{too_long}: {page}");

    assert_eq!(
        count(&w.app, "SELECT COUNT(*) FROM message_threads").await,
        0
    );
}

#[tokio::test]
async fn proxy_invitation_errors_read_in_spanish() {
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &records(1)[0], &PATIENT_A).await;
    speak_spanish(&app, &b).await;
    let invite = |email: &'static str, ends_on: &'static str| {
        let (app, b) = (&app, &b);
        async move {
            let token = csrf(app, b).await;
            let form = [
                ("csrf_token", token.as_str()),
                ("email", email),
                ("ends_on", ends_on),
                ("scope", "record"),
            ];
            let resp = post(app, b, "/account/proxies", &form).await;
            assert_eq!(resp.status(), 400, "{email} {ends_on}");
            resp.text().await.unwrap()
        }
    };
    says_in_spanish(&invite("", "").await, "refusal-proxy-email");
    says_in_spanish(
        &invite("sam@example.org", "2001-01-01").await,
        "refusal-proxy-end-date-passed",
    );
    says_in_spanish(
        &invite("sam@example.org", "1 May").await,
        "refusal-proxy-end-date-format",
    );
    says_in_spanish(
        &invite("alex.patient@example.com", "").await,
        "refusal-proxy-invite-self",
    );

    // A link that names no invitation.
    let resp = app.get(&b, "/proxy/accept?token=not-a-token").await;
    assert_eq!(resp.status(), 400);
    says_in_spanish(&resp.text().await.unwrap(), "refusal-invitation-unknown");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM proxy_invitations").await,
        0
    );
}

#[tokio::test]
async fn a_renewal_asked_twice_is_refused_in_spanish() {
    let w = world().await;
    speak_spanish(&w.app, &w.patient).await;
    let fhir_id = w
        .record
        .active_medications()
        .next()
        .expect("the demo record has an active medication")
        .fhir_id
        .clone();
    let token = csrf(&w.app, &w.patient).await;
    let form = [
        ("csrf_token", token.as_str()),
        ("medication", fhir_id.as_str()),
        ("note", ""),
    ];
    let ask = || post(&w.app, &w.patient, "/records/medications/renewals", &form);
    assert_eq!(ask().await.status(), 303, "the first is sent");
    let resp = ask().await;
    assert_eq!(resp.status(), 409);
    let page = resp.text().await.unwrap();
    says_in_spanish(&page, "refusal-renewal-already-title");
    says_in_spanish(&page, "refusal-renewal-already");
    assert_eq!(
        count(&w.app, "SELECT COUNT(*) FROM renewal_requests").await,
        1
    );
}

/// A time `hours` from now, on the minute, as the clinic (Europe/London) writes it.
fn london(hours: i64) -> (String, String) {
    let at = (chrono::Utc::now().timestamp() + hours * 3600) / 60 * 60;
    let local = chrono_tz::Europe::London.timestamp_opt(at, 0).unwrap();
    (
        local.format("%Y-%m-%d").to_string(),
        local.format("%H:%M").to_string(),
    )
}

#[tokio::test]
async fn appointment_conflicts_read_in_spanish() {
    let w = world().await;
    speak_spanish(&w.app, &w.clinician).await;
    let token = csrf(&w.app, &w.patient).await;
    for reason in ["Primera visita", "Segunda visita"] {
        let resp = post(
            &w.app,
            &w.patient,
            "/appointments",
            &[
                ("csrf_token", token.as_str()),
                ("reason", reason),
                ("time", "any"),
                ("mode", "video"),
            ],
        )
        .await;
        assert_eq!(resp.status(), 303, "{reason} is asked for");
    }
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM appointments ORDER BY reason")
        .fetch_all(&w.app.pool)
        .await
        .unwrap();
    let token = csrf(&w.app, &w.clinician).await;
    let (date, time) = london(100);
    let book = |id: &str| {
        let path = format!("/staff/appointments/{id}");
        let form = [
            ("csrf_token", token.clone()),
            ("action", "book".into()),
            ("date", date.clone()),
            ("time", time.clone()),
            ("minutes", "30".into()),
            ("place", "https://video.example.org/room/7".into()),
        ];
        let (app, b) = (&w.app, &w.clinician);
        async move {
            b.client
                .post(app.url(&path))
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(book(&ids[0]).await.status(), 303, "the first is booked");
    // The same clinician at the same time: refused.
    let resp = book(&ids[1]).await;
    assert_eq!(resp.status(), 409);
    let page = resp.text().await.unwrap();
    says_in_spanish(&page, "refusal-appt-taken-title");
    says_in_spanish(&page, "refusal-appt-taken");
    // Deciding the booked one again: already decided.
    let resp = book(&ids[0]).await;
    assert_eq!(resp.status(), 409);
    let page = resp.text().await.unwrap();
    says_in_spanish(&page, "refusal-appt-decided-title");
    says_in_spanish(&page, "refusal-appt-decided");

    // The patient's page is untouched by the clinician's choice: still English.
    let (status, page) = text(&w.app, &w.patient, "/appointments").await;
    assert_eq!(status, 200);
    assert!(page.contains(r#"lang="en""#));
}

#[tokio::test]
async fn a_step_up_that_proves_nothing_is_refused_in_spanish() {
    let app = spawn_app().await;
    let id = app.seed(&records(1)[0]).await;
    app.link(&id, &PATIENT_A).await;
    let b = app.browser();
    // Signed in through MFA half an hour ago: the export needs a fresh sign-in.
    let claims_for = |nonce: &str| {
        let mut claims = app.idp.claims(nonce);
        claims["oid"] = json!(PATIENT_A.subject);
        claims["name"] = json!(PATIENT_A.name);
        if app.idp.profile == Profile::B2c {
            claims["sub"] = json!(PATIENT_A.subject);
        }
        claims["auth_time"] = json!(chrono::Utc::now().timestamp() - 1800);
        claims
    };
    let started = app.start_signin(&b, None).await;
    let resp = app
        .reply(&b, &started, sign(&claims_for(&started.nonce), 0))
        .await;
    assert_redirect_to(&resp, "/home");
    speak_spanish(&app, &b).await;

    let to_step_up = app.get(&b, "/records/export").await;
    let step_up = location(&to_step_up).to_string();
    assert!(step_up.starts_with("/step-up?returnUrl="), "{step_up}");
    let resp = app.get(&b, &step_up).await;
    assert_eq!(resp.status(), 302, "off to the provider");
    let authorize_url = url::Url::parse(location(&resp)).unwrap();
    let q: std::collections::HashMap<String, String> =
        authorize_url.query_pairs().into_owned().collect();
    let signin = Started {
        state: q["state"].clone(),
        nonce: q["nonce"].clone(),
        authorize_url,
    };
    // Single sign-on answering with the old sign-in.
    let resp = app
        .reply(&b, &signin, sign(&claims_for(&signin.nonce), 0))
        .await;
    assert_eq!(resp.status(), 403);
    let page = resp.text().await.unwrap();
    says_in_spanish(&page, "refusal-step-up-title");
    says_in_spanish(&page, "refusal-step-up-stale");
}

#[tokio::test]
async fn a_request_s_preferred_days_and_time_read_in_spanish() {
    let w = world().await;
    speak_spanish(&w.app, &w.patient).await;
    speak_spanish(&w.app, &w.clinician).await;
    let token = csrf(&w.app, &w.patient).await;
    let resp = post(
        &w.app,
        &w.patient,
        "/appointments",
        &[
            ("csrf_token", token.as_str()),
            ("reason", "Dolor de rodilla"),
            ("day_tue", "1"),
            ("day_thu", "1"),
            ("time", "morning"),
            ("mode", "video"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let id: String = sqlx::query_scalar("SELECT id FROM appointments")
        .fetch_one(&w.app.pool)
        .await
        .unwrap();
    // As a proxy's request is signed (proxy::actions): the care team reads who asked.
    sqlx::query("UPDATE appointments SET requested_by = 'Sam Rivera (proxy)'")
        .execute(&w.app.pool)
        .await
        .unwrap();
    let (_, page) = text(&w.app, &w.clinician, &format!("/staff/appointments/{id}")).await;
    assert!(page.contains("Sam Rivera (representante)"), "{page}");
    assert!(!page.contains("(proxy)"), "{page}");
    let spanish = i18n::tr_args(
        Lang::Es,
        "appt-preferences",
        &[
            ("days", "martes, jueves".into()),
            ("time", "morning".into()),
        ],
    );
    for (b, path) in [
        (&w.patient, "/appointments".to_string()),
        (&w.clinician, format!("/staff/appointments/{id}")),
    ] {
        let (status, page) = text(&w.app, b, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(page.contains(&spanish), "{path}: {spanish}: {page}");
        assert!(!page.contains("Mornings"), "{path}: {page}");
        assert!(!page.contains("Tuesday"), "{path}: {page}");
    }
}
