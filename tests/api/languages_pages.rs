//! Languages (#31): words of pages that Rust puts together (`page_words.ftl`): the 400 page of a
//! query the portal cannot read, and break-the-glass, whose reasons are stored as codes and read
//! in the page's language on the form, on the chart's banner and on the access log.

use crate::break_glass::claims_of;
use crate::languages::{assert_spanish, get_in};
use crate::support::*;

#[tokio::test]
async fn a_query_the_portal_cannot_read_is_a_400_page_in_the_request_s_language() {
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &records(1)[0], &PATIENT_A).await;
    // `page` is a number: a word is a query the portal cannot read.
    let resp = get_in(&app, &b, "/records/access-log?page=abc", "es").await;
    assert_eq!(resp.status(), 400);
    let page = resp.text().await.unwrap();
    assert_spanish(&page, "the 400 page of a query");
    assert!(
        page.contains("La dirección tiene un parámetro que no podemos leer."),
        "{page}"
    );
    assert!(
        !page.contains("invalid digit"),
        "the parser's English stays in the log: {page}"
    );
    let resp = get_in(&app, &b, "/records/access-log?page=abc", "en").await;
    assert_eq!(resp.status(), 400);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("The address has a parameter we cannot read."),
        "{page}"
    );
}

const SPANISH_REASONS: [&str; 4] = [
    "Tratamiento de emergencia",
    "El paciente no puede dar su consentimiento",
    "Solicitud clínica urgente de otro profesional",
    "Otro motivo",
];

const ENGLISH_REASONS: [&str; 4] = [
    "Emergency treatment",
    "Patient unable to consent",
    "Urgent clinical request from another clinician",
    ">Other<",
];

#[tokio::test]
async fn break_the_glass_reasons_read_in_spanish_on_the_form_the_chart_and_the_access_log() {
    let app = spawn_app().await;
    let id = app.seed(&records(1)[0]).await;
    let b = signed_in(&app, &CLINICIAN).await;
    let path = format!("/staff/patients/{id}/break-glass");

    // The form: every reason in Spanish, none in English.
    let resp = get_in(&app, &b, &path, "es").await;
    assert_eq!(resp.status(), 200);
    let form = resp.text().await.unwrap();
    assert_spanish(&form, &path);
    for reason in SPANISH_REASONS {
        assert!(form.contains(reason), "{reason}: {form}");
    }
    for reason in ENGLISH_REASONS {
        assert!(!form.contains(reason), "{reason} in English: {form}");
    }
    let token = csrf_in(&form);

    // A form without a reason says so in Spanish.
    let send = |fields: Vec<(&'static str, String)>| {
        b.client
            .post(app.url(&path))
            .header("Accept-Language", "es")
            .form(&fields)
            .send()
    };
    let resp = send(vec![
        ("details", "Inconsciente".into()),
        ("csrf_token", token.clone()),
    ])
    .await
    .unwrap();
    assert_eq!(resp.status(), 400);
    let page = resp.text().await.unwrap();
    assert_spanish(&page, "the form without a reason");
    assert!(
        page.contains("Elija el motivo para abrir esta historia clínica."),
        "{page}"
    );

    // A reason given: its code is stored, whatever the page's language.
    let resp = send(vec![
        ("reason", "emergency_treatment".into()),
        ("details", "Inconsciente en urgencias".into()),
        ("csrf_token", token.clone()),
    ])
    .await
    .unwrap();
    assert_eq!(resp.status(), 302);
    let authorize_url = url::Url::parse(location(&resp)).unwrap();
    let q: std::collections::HashMap<String, String> =
        authorize_url.query_pairs().into_owned().collect();
    let started = Started {
        state: q["state"].clone(),
        nonce: q["nonce"].clone(),
        authorize_url,
    };
    let resp = app
        .reply(
            &b,
            &started,
            sign(&claims_of(&app, &started, &CLINICIAN), 0),
        )
        .await;
    assert_redirect_to(&resp, &format!("/staff/patients/{id}"));
    let code: String = sqlx::query_scalar("SELECT reason_code FROM break_glass")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(code, "emergency_treatment");

    // The chart's banner.
    let resp = get_in(&app, &b, &format!("/staff/patients/{id}"), "es").await;
    assert_eq!(resp.status(), 200);
    let chart = resp.text().await.unwrap();
    assert!(
        chart.contains("Acceso de emergencia (romper el cristal) hasta las "),
        "{chart}"
    );
    assert!(!chart.contains("Emergency access (break the glass)"));

    // The access log, as the care team reads it under the grant and as the patient reads it.
    let log = get_in(&app, &b, &format!("/staff/patients/{id}/access-log"), "es")
        .await
        .text()
        .await
        .unwrap();
    let said = "Tratamiento de emergencia: Inconsciente en urgencias";
    assert!(log.contains(said), "{log}");
    assert!(
        !log.contains("emergency_treatment"),
        "no stored code: {log}"
    );
    app.link(&id, &PATIENT_A).await;
    let p = signed_in(&app, &PATIENT_A).await;
    let resp = get_in(&app, &p, "/records/access-log", "es").await;
    assert_eq!(resp.status(), 200);
    let log = resp.text().await.unwrap();
    assert_spanish(&log, "the patient's access log");
    assert!(log.contains(said), "{log}");
    assert!(
        !log.contains("emergency_treatment"),
        "no stored code: {log}"
    );
    let log = get_in(&app, &p, "/records/access-log", "en")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        log.contains("Emergency treatment: Inconsciente en urgencias"),
        "{log}"
    );
}

/// A sign-in whose token gives no name and no e-mail: the header names the person in the
/// language the sign-in was read in, not in English (`rust_words.ftl`).
#[tokio::test]
async fn a_sign_in_without_a_name_is_named_in_the_page_s_language() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, Some("/account")).await;
    let mut claims = app.idp.claims(&started.nonce);
    let fields = claims.as_object_mut().unwrap();
    for claim in ["name", "given_name", "family_name", "emails", "email"] {
        fields.remove(claim);
    }
    app.idp.hand_out(sign(&claims, 0));
    let resp = b
        .client
        .get(format!(
            "{}?code=auth-code-abc&state={}",
            app.url("/signin-oidc"),
            urlencode(&started.state)
        ))
        .header("Accept-Language", "es")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302, "signed in");
    let resp = get_in(&app, &b, "/account", "es").await;
    assert_eq!(resp.status(), 200);
    let page = resp.text().await.unwrap();
    assert!(page.contains("Usuario con sesión iniciada"), "{page}");
    assert!(!page.contains("Signed-in user"), "{page}");
}
