//! Error pages know who is signed in: a clinician or a patient sees their own header (name,
//! the sign-out form) on a 403 or 404, never the "Sign in" link a stranger sees.

use patient_portal::demo::demo_patients;

use crate::support::*;

/// The page is the portal's error page with `who`'s header and no "Sign in" link.
fn assert_own_header(page: &str, who: &Person) {
    let doc = scraper::Html::parse_document(page);
    let select = |css: &str| {
        let sel = scraper::Selector::parse(css).unwrap();
        doc.select(&sel).count()
    };
    assert!(
        page.contains(who.name),
        "{}'s name in the header: {page}",
        who.name
    );
    assert_eq!(
        select("header form[action='/signout'] button"),
        1,
        "a sign-out button: {page}"
    );
    assert_eq!(
        select("header form[action='/signout'] input[name=csrf_token]"),
        1,
        "the sign-out form carries the token"
    );
    assert_eq!(select("a[href='/signin']"), 0, "no Sign in link: {page}");
}

#[tokio::test]
async fn a_clinicians_error_pages_show_their_own_header() {
    let app = spawn_app().await;
    let id = app
        .seed(&demo_patients(1, 41, chrono::Utc::now().date_naive())[0])
        .await;
    let b = signed_in(&app, &CLINICIAN).await;

    let resp = app.get(&b, "/no-such-page").await;
    assert_eq!(resp.status(), 404);
    let page = resp.text().await.unwrap();
    assert_own_header(&page, &CLINICIAN);
    assert!(page.contains("href=\"/staff\""), "the clinician's own menu");

    // A patient's page (403, from the extractor) and a chart outside the care team (403,
    // from `access`).
    for path in ["/records".to_string(), format!("/staff/patients/{id}")] {
        let resp = app.get(&b, &path).await;
        assert_eq!(resp.status(), 403, "{path}");
        assert_own_header(&resp.text().await.unwrap(), &CLINICIAN);
    }
}

#[tokio::test]
async fn a_patients_error_pages_show_their_own_header() {
    let app = spawn_app().await;
    let id = app
        .seed(&demo_patients(1, 42, chrono::Utc::now().date_naive())[0])
        .await;
    app.link(&id, &PATIENT_A).await;
    let b = signed_in(&app, &PATIENT_A).await;

    let resp = app.get(&b, "/staff").await;
    assert_eq!(resp.status(), 403);
    assert_own_header(&resp.text().await.unwrap(), &PATIENT_A);

    let resp = app.get(&b, "/records/no-such-section").await;
    assert_eq!(resp.status(), 404);
    let page = resp.text().await.unwrap();
    assert_own_header(&page, &PATIENT_A);
    assert!(page.contains("href=\"/records\""), "the patient's own menu");
}

#[tokio::test]
async fn the_503_page_of_a_refused_audit_entry_shows_the_patients_own_header() {
    let app = spawn_app().await;
    let id = app
        .seed(&demo_patients(1, 43, chrono::Utc::now().date_naive())[0])
        .await;
    app.link(&id, &PATIENT_A).await;
    let b = signed_in(&app, &PATIENT_A).await;
    sqlx::query(
        "CREATE TRIGGER audit_full BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    let resp = app.get(&b, "/records").await;
    assert_eq!(resp.status(), 503);
    assert_own_header(&resp.text().await.unwrap(), &PATIENT_A);
}
