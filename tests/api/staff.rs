//! Clinician pages: who reaches them, care-team charts, break-the-glass with a fresh MFA
//! sign-in, search that shows only identifying fields, activation codes.

use patient_portal::demo::demo_patients;
use patient_portal::records::model::PatientRecord;
use serde_json::json;
use sqlx::Row;

use crate::support::*;

fn records(n: usize) -> Vec<PatientRecord> {
    demo_patients(n, 7, chrono::Utc::now().date_naive())
}

/// A portal with `n` demo patients stored; returns the app, the records and their ids.
async fn app_with_patients(n: usize) -> (TestApp, Vec<PatientRecord>, Vec<String>) {
    let app = spawn_app().await;
    let recs = records(n);
    let mut ids = Vec::new();
    for r in &recs {
        ids.push(app.seed(r).await);
    }
    (app, recs, ids)
}

async fn signed_in(app: &TestApp, who: &Person) -> Browser {
    let b = app.browser();
    app.sign_in_as(&b, who).await;
    b
}

/// The session's CSRF token, from any page with the header's sign-out form.
async fn csrf(app: &TestApp, b: &Browser) -> String {
    let page = app.get(b, "/account").await.text().await.unwrap();
    csrf_in(&page)
}

async fn post(app: &TestApp, b: &Browser, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    b.client
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(&app.pool).await.unwrap().get(0)
}

fn phi_of(record: &PatientRecord) -> Vec<String> {
    let mut phi: Vec<String> = record
        .conditions
        .iter()
        .map(|c| c.code.display.clone())
        .collect();
    phi.extend(record.medications.iter().map(|m| m.code.display.clone()));
    phi.extend(record.patient.address.clone());
    phi.extend(record.patient.phone.clone());
    phi
}

/// Sends the break-the-glass form and returns the sign-in the portal started.
async fn request_break_glass(app: &TestApp, b: &Browser, patient_id: &str) -> Started {
    let path = format!("/staff/patients/{patient_id}/break-glass");
    let form = app.get(b, &path).await;
    assert_eq!(form.status(), 200);
    let token = csrf_in(&form.text().await.unwrap());
    let resp = post(
        app,
        b,
        &path,
        &[
            ("reason", "emergency_treatment"),
            ("details", "Unconscious in the emergency department"),
            ("csrf_token", &token),
        ],
    )
    .await;
    assert_eq!(
        resp.status(),
        302,
        "the reason is accepted: off to sign in again"
    );
    let authorize_url = url::Url::parse(location(&resp)).unwrap();
    let q: std::collections::HashMap<String, String> =
        authorize_url.query_pairs().into_owned().collect();
    Started {
        state: q["state"].clone(),
        nonce: q["nonce"].clone(),
        authorize_url,
    }
}

/// The claims of `who`'s fresh sign-in through the MFA flow.
fn claims_of(app: &TestApp, started: &Started, who: &Person) -> serde_json::Value {
    let mut claims = app.idp.claims(&started.nonce);
    claims["sub"] = json!(who.subject);
    claims["oid"] = json!(who.subject);
    claims["name"] = json!(who.name);
    if who.clinician {
        claims["extension_Role"] = json!("Clinician");
    }
    claims
}

async fn granted(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM break_glass WHERE granted_at IS NOT NULL",
    )
    .await
}

#[tokio::test]
async fn a_patient_reaches_no_staff_route() {
    let (app, recs, ids) = app_with_patients(1).await;
    let id = &ids[0];
    app.link(id, &PATIENT_A).await;
    app.add_to_care_team(id, &CLINICIAN).await;
    let b = signed_in(&app, &PATIENT_A).await;
    let token = csrf(&app, &b).await;
    let mrn = recs[0].patient.mrn.value.clone();

    let gets = [
        "/staff".to_string(),
        format!("/staff?q={}", urlencode(&mrn)),
        format!("/staff/patients/{id}"),
        format!("/staff/patients/{id}/conditions"),
        format!("/staff/patients/{id}/labs/4548-4"),
        format!("/staff/patients/{id}/break-glass"),
        format!("/staff/patients/{id}/access-log"),
    ];
    for path in &gets {
        let resp = app.get(&b, path).await;
        assert_eq!(resp.status(), 403, "GET {path}");
        let body = resp.text().await.unwrap();
        assert!(!body.contains(&mrn), "GET {path} shows no patient data");
    }
    let posts = [
        format!("/staff/patients/{id}/break-glass"),
        format!("/staff/patients/{id}/activation-codes"),
        format!("/staff/patients/{id}/activation-codes/some-code/revoke"),
    ];
    for path in &posts {
        let resp = post(
            &app,
            &b,
            path,
            &[
                ("csrf_token", &token),
                ("reason", "other"),
                ("details", "curious"),
            ],
        )
        .await;
        assert_eq!(resp.status(), 403, "POST {path}");
        assert!(!resp.text().await.unwrap().contains(&mrn));
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM break_glass").await, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM activation_codes").await,
        0
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM clinicians").await, 0);
    assert!(!app
        .audit_rows()
        .await
        .iter()
        .any(|r| r.0 == "staff_search" || r.0 == "staff_chart_view"));
}

#[tokio::test]
async fn a_clinician_reads_a_care_team_chart_and_is_recorded_in_the_directory() {
    let (app, recs, ids) = app_with_patients(1).await;
    let id = &ids[0];
    app.add_to_care_team(id, &CLINICIAN).await;
    let b = signed_in(&app, &CLINICIAN).await;

    let home = app.get(&b, "/staff").await;
    assert_eq!(home.status(), 200);
    assert_eq!(home.headers()["cache-control"], "no-store");
    let home = home.text().await.unwrap();
    assert!(
        home.contains(&recs[0].patient.mrn.value),
        "the care team's patient is listed"
    );
    assert!(home.contains(&format!("/staff/patients/{id}")));

    let row = sqlx::query("SELECT display_name, email_lower FROM clinicians WHERE subject = $1")
        .bind(CLINICIAN.subject)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>(0), CLINICIAN.name);
    assert_eq!(row.get::<String, _>(1), "casey.clinician@example.com");

    let chart = app.get(&b, &format!("/staff/patients/{id}")).await;
    assert_eq!(chart.status(), 200);
    assert_eq!(chart.headers()["cache-control"], "no-store");
    let chart = chart.text().await.unwrap();
    assert!(chart.contains(&recs[0].patient.family));
    assert!(
        !chart.contains("Emergency access"),
        "no break-the-glass banner for the care team"
    );
    let conditions = app
        .get(&b, &format!("/staff/patients/{id}/conditions"))
        .await;
    assert_eq!(conditions.status(), 200);
    assert_eq!(
        app.get(&b, &format!("/staff/patients/{id}/nonsense"))
            .await
            .status(),
        404
    );

    let views: Vec<_> = app
        .audit_rows()
        .await
        .into_iter()
        .filter(|r| r.0 == "staff_chart_view")
        .collect();
    assert_eq!(views.len(), 2);
    assert!(views
        .iter()
        .all(|r| r.1.as_deref() == Some(CLINICIAN.subject) && r.2.as_deref() == Some(id.as_str())));
}

#[tokio::test]
async fn a_chart_outside_the_care_team_is_refused_with_the_break_the_glass_offer() {
    let (app, recs, ids) = app_with_patients(2).await;
    app.add_to_care_team(&ids[0], &OTHER_CLINICIAN).await;
    let b = signed_in(&app, &CLINICIAN).await;

    for path in [
        format!("/staff/patients/{}", ids[0]),
        format!("/staff/patients/{}/medications", ids[0]),
        format!("/staff/patients/{}/labs/4548-4", ids[0]),
    ] {
        let resp = app.get(&b, &path).await;
        assert_eq!(resp.status(), 403, "{path}");
        let body = resp.text().await.unwrap();
        assert!(
            body.contains(&format!("/staff/patients/{}/break-glass", ids[0])),
            "the offer"
        );
        for phi in phi_of(&recs[0]) {
            assert!(!body.contains(&phi), "no record content on the refusal");
        }
    }
    assert_eq!(
        app.get(&b, "/staff/patients/no-such-patient")
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&b, "/staff/patients/no-such-patient/break-glass")
            .await
            .status(),
        404
    );
    assert!(!app
        .audit_rows()
        .await
        .iter()
        .any(|r| r.0 == "staff_chart_view"));
}

#[tokio::test]
async fn breaking_the_glass_needs_a_reason_and_a_fresh_mfa_sign_in_and_expires() {
    let (app, _recs, ids) = app_with_patients(1).await;
    let id = &ids[0];
    let b = signed_in(&app, &CLINICIAN).await;
    let path = format!("/staff/patients/{id}/break-glass");

    // The form: a reason is required, and so is the token.
    let form = app.get(&b, &path).await.text().await.unwrap();
    assert!(form.contains("Patient unable to consent"));
    let token = csrf_in(&form);
    let resp = post(
        &app,
        &b,
        &path,
        &[("details", "no reason chosen"), ("csrf_token", &token)],
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(
        resp.text().await.unwrap().contains("name=\"reason\""),
        "the form again"
    );
    let resp = post(
        &app,
        &b,
        &path,
        &[
            ("reason", "other"),
            ("details", "  "),
            ("csrf_token", &token),
        ],
    )
    .await;
    assert_eq!(resp.status(), 400);
    let resp = post(
        &app,
        &b,
        &path,
        &[("reason", "other"), ("details", "why not")],
    )
    .await;
    assert_eq!(resp.status(), 400, "no CSRF token");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM break_glass").await, 0);

    // A valid request: re-authentication with prompt=login through the MFA flow.
    let started = request_break_glass(&app, &b, id).await;
    let q: std::collections::HashMap<String, String> =
        started.authorize_url.query_pairs().into_owned().collect();
    assert_eq!(q.get("prompt").map(String::as_str), Some("login"));
    assert!(
        started.authorize_url.path().contains(SUSI),
        "{}",
        started.authorize_url
    );
    assert_eq!(
        app.get(&b, &format!("/staff/patients/{id}")).await.status(),
        403,
        "nothing granted yet"
    );

    let resp = app
        .reply(
            &b,
            &started,
            sign(&claims_of(&app, &started, &CLINICIAN), 0),
        )
        .await;
    assert_redirect_to(&resp, &format!("/staff/patients/{id}"));
    assert_eq!(granted(&app).await, 1);

    let chart = app.get(&b, &format!("/staff/patients/{id}")).await;
    assert_eq!(chart.status(), 200);
    assert!(chart
        .text()
        .await
        .unwrap()
        .contains("Emergency access (break the glass) until"));
    let labs = app.get(&b, &format!("/staff/patients/{id}/labs")).await;
    assert_eq!(labs.status(), 200);
    assert!(
        labs.text()
            .await
            .unwrap()
            .contains("Emergency access (break the glass) until"),
        "on every chart page"
    );

    let rows = app.audit_rows().await;
    let grant: Vec<_> = rows.iter().filter(|r| r.0 == "break_glass").collect();
    assert_eq!(grant.len(), 1);
    assert_eq!(grant[0].1.as_deref(), Some(CLINICIAN.subject));
    assert_eq!(grant[0].2.as_deref(), Some(id.as_str()));
    assert_eq!(
        grant[0].3.as_deref(),
        Some("reason=emergency_treatment: Unconscious in the emergency department")
    );

    // The same reply cannot be used twice.
    let again = app
        .reply(
            &b,
            &started,
            sign(&claims_of(&app, &started, &CLINICIAN), 0),
        )
        .await;
    assert_ne!(again.status(), 302);

    // The grant expires.
    sqlx::query("UPDATE break_glass SET expires_at = $1")
        .bind(chrono::Utc::now().timestamp() - 1)
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = app.get(&b, &format!("/staff/patients/{id}")).await;
    assert_eq!(resp.status(), 403, "an expired grant opens nothing");
    assert!(resp.text().await.unwrap().contains("break-glass"));
}

#[tokio::test]
async fn breaking_the_glass_with_a_stale_sign_in_is_refused() {
    let (app, _recs, ids) = app_with_patients(1).await;
    let id = &ids[0];
    let b = signed_in(&app, &CLINICIAN).await;
    let started = request_break_glass(&app, &b, id).await;
    let mut claims = claims_of(&app, &started, &CLINICIAN);
    claims["auth_time"] = json!(chrono::Utc::now().timestamp() - 3600);

    let resp = app.reply(&b, &started, sign(&claims, 0)).await;
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("not recent enough"));
    assert_eq!(granted(&app).await, 0);
    assert_eq!(
        app.get(&b, &format!("/staff/patients/{id}")).await.status(),
        403
    );
    let rows = app.audit_rows().await;
    assert!(rows
        .iter()
        .any(|r| r.0 == "break_glass" && r.3.as_deref() == Some("auth_time_stale")));
    let outcome: String = sqlx::query("SELECT outcome FROM audit_log WHERE action = 'break_glass'")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(outcome, "denied");
}

#[tokio::test]
async fn breaking_the_glass_through_another_user_flow_is_refused() {
    let (app, _recs, ids) = app_with_patients(1).await;
    let id = &ids[0];
    let b = signed_in(&app, &CLINICIAN).await;
    let started = request_break_glass(&app, &b, id).await;
    let mut claims = claims_of(&app, &started, &CLINICIAN);
    claims["tfp"] = json!("B2C_1_susi");

    let resp = app.reply(&b, &started, sign(&claims, 0)).await;
    assert_ne!(resp.status(), 302, "no redirect to the chart");
    assert_eq!(granted(&app).await, 0);
    assert_eq!(
        app.get(&b, &format!("/staff/patients/{id}")).await.status(),
        403
    );
}

#[tokio::test]
async fn breaking_the_glass_with_someone_elses_sign_in_is_refused() {
    let (app, _recs, ids) = app_with_patients(1).await;
    let id = &ids[0];
    let b = signed_in(&app, &CLINICIAN).await;
    let started = request_break_glass(&app, &b, id).await;

    let resp = app
        .reply(
            &b,
            &started,
            sign(&claims_of(&app, &started, &OTHER_CLINICIAN), 0),
        )
        .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(granted(&app).await, 0);
    assert!(app
        .audit_rows()
        .await
        .iter()
        .any(|r| r.0 == "break_glass" && r.3.as_deref() == Some("subject_mismatch")));
}

#[tokio::test]
async fn search_finds_by_name_birth_date_and_mrn_and_shows_only_identifying_fields() {
    let (app, recs, ids) = app_with_patients(4).await;
    let b = signed_in(&app, &CLINICIAN).await;
    let p = &recs[1].patient;
    let first_given = p.given.split(' ').next().unwrap();
    let searches = [
        p.family.clone(),
        p.family[..2].to_lowercase(),
        format!("{}, {}", p.family.to_uppercase(), &first_given[..1]),
        format!("{} {}", first_given, p.family),
        p.birth_date.to_string(),
        p.mrn.value.clone(),
        p.mrn.value.to_lowercase(),
    ];
    for q in &searches {
        let resp = app.get(&b, &format!("/staff?q={}", urlencode(q))).await;
        assert_eq!(resp.status(), 200, "{q}");
        let body = resp.text().await.unwrap();
        assert!(
            body.contains(&format!("/staff/patients/{}", ids[1])),
            "{q} finds the patient"
        );
        assert!(body.contains(&p.mrn.value), "{q}: MRN shown");
        assert!(
            body.contains(&p.birth_date.to_string()),
            "{q}: date of birth shown"
        );
        for r in &recs {
            for phi in phi_of(r) {
                assert!(
                    !body.contains(&phi),
                    "{q}: no record content in results ({phi})"
                );
            }
        }
    }
    // Wildcards are literal, and nobody is found by them.
    for q in ["%%", "__", "%, %", "_ %"] {
        let resp = app.get(&b, &format!("/staff?q={}", urlencode(q))).await;
        let body = resp.text().await.unwrap();
        assert!(!body.contains("/staff/patients/"), "{q} matches nothing");
    }
    // Too short to search: asked to type more, nothing audited for it.
    assert_eq!(app.get(&b, "/staff?q=S").await.status(), 400);

    let searches_audited: Vec<_> = app
        .audit_rows()
        .await
        .into_iter()
        .filter(|r| r.0 == "staff_search")
        .collect();
    assert_eq!(
        searches_audited.len(),
        searches.len() + 4,
        "one entry per search"
    );
    for r in &searches_audited {
        assert_eq!(r.1.as_deref(), Some(CLINICIAN.subject));
        assert_eq!(r.2, None, "a search names no patient");
        let detail = r.3.as_deref().unwrap();
        let n = detail.strip_prefix("results=").unwrap();
        assert!(n.parse::<u32>().is_ok(), "only a count: {detail}");
    }
    let exact = &searches_audited[searches.len() - 2];
    assert_eq!(
        exact.3.as_deref(),
        Some("results=1"),
        "an MRN finds one patient"
    );
}

#[tokio::test]
async fn search_results_are_paged() {
    let app = spawn_app().await;
    // 45 patients with the same family name.
    for (i, mut r) in records(45).into_iter().enumerate() {
        r.patient.family = "Pagesson".into();
        r.patient.fhir_id = format!("paged-{i}");
        r.patient.mrn.value = format!("PAGED-{i:03}");
        app.seed(&r).await;
    }
    let b = signed_in(&app, &CLINICIAN).await;
    let page = |n: u32| format!("/staff?q=pages&page={n}");
    let count_links = |body: &str| body.matches("href=\"/staff/patients/").count();

    let first = app.get(&b, &page(1)).await.text().await.unwrap();
    assert!(first.contains("45 patients match"));
    assert_eq!(count_links(&first), 20);
    assert!(first.contains("Next page"));
    let third = app.get(&b, &page(3)).await.text().await.unwrap();
    assert_eq!(count_links(&third), 5);
    assert!(!third.contains("Next page") && third.contains("Previous page"));
    let junk = app.get(&b, "/staff?q=pages&page=abc").await;
    assert_eq!(junk.status(), 200, "a bad page number is page 1");
}

#[tokio::test]
async fn search_ignores_accents_and_case_in_names_and_mrns() {
    // Arrange: an accented name and a mixed-case MRN, beside a patient who must not match.
    let app = spawn_app().await;
    let mut recs = records(2);
    recs[0].patient.given = "María José".into();
    recs[0].patient.family = "Guzmán".into();
    recs[0].patient.mrn.value = "MRN-Ab12c".into();
    recs[1].patient.family = "Gusman".into();
    let id = app.seed(&recs[0]).await;
    let other = app.seed(&recs[1]).await;
    let b = signed_in(&app, &CLINICIAN).await;

    for q in [
        "guzman",
        "GUZMAN",
        "Guzmán",
        "guzm",
        "guzman, maria",
        "Maria Guzman",
        "MARÍA GUZMÁN",
        "mrn-ab12c",
        "MRN-AB12C",
    ] {
        // Act
        let body = app
            .get(&b, &format!("/staff?q={}", urlencode(q)))
            .await
            .text()
            .await
            .unwrap();
        // Assert: found, shown with its accents, and only the right patient.
        assert!(
            body.contains(&format!("/staff/patients/{id}")),
            "{q} finds Guzmán"
        );
        assert!(body.contains("Guzmán, María José"), "{q}: name as recorded");
        assert!(
            !body.contains(&format!("/staff/patients/{other}")),
            "{q} does not find Gusman"
        );
    }
}

#[tokio::test]
async fn patients_stored_before_the_search_keys_existed_are_found_after_start_up() {
    // A row as migration 0007 leaves it: no folded keys.
    let app = spawn_app().await;
    sqlx::query(
        "INSERT INTO patients (id, fhir_id, mrn, given_name, family_name, given_lower, family_lower, birth_date, sex, item) \
         VALUES ('old-1', 'old-fhir-1', 'MRN-Old9', 'Zoë', 'Ñúñez', 'zoë', 'ñúñez', '1950-01-02', 'female', '{}')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let b = signed_in(&app, &CLINICIAN).await;
    let finds = |q: &'static str| {
        let (app, b) = (&app, &b);
        async move {
            app.get(b, &format!("/staff?q={}", urlencode(q)))
                .await
                .text()
                .await
                .unwrap()
                .contains("/staff/patients/old-1")
        }
    };
    assert!(!finds("nunez").await, "not yet: the row has no keys");

    // What start-up does after the migrations.
    let filled = patient_portal::records::search_keys::fill_missing(&app.pool)
        .await
        .unwrap();

    assert_eq!(filled, 1, "only the row without keys");
    assert!(finds("nunez").await);
    assert!(finds("zoe nunez").await);
    assert!(finds("mrn-old9").await);
    assert_eq!(
        patient_portal::records::search_keys::fill_missing(&app.pool)
            .await
            .unwrap(),
        0,
        "nothing left to fill"
    );
}

/// Presses "Issue activation code" (the session's CSRF token is the same in every form).
async fn issue(app: &TestApp, b: &Browser, patient_id: &str) -> reqwest::Response {
    let token = csrf(app, b).await;
    post(
        app,
        b,
        &format!("/staff/patients/{patient_id}/activation-codes"),
        &[("csrf_token", &token)],
    )
    .await
}

fn code_in(page: &str) -> String {
    let doc = scraper::Html::parse_document(page);
    let sel = scraper::Selector::parse(".activation-code code").unwrap();
    doc.select(&sel)
        .next()
        .expect("the code on the page")
        .text()
        .collect::<String>()
        .trim()
        .to_string()
}

#[tokio::test]
async fn an_issued_code_links_a_new_patient_account() {
    let (app, recs, ids) = app_with_patients(1).await;
    let id = &ids[0];
    app.add_to_care_team(id, &CLINICIAN).await;
    let clinician = signed_in(&app, &CLINICIAN).await;

    let resp = issue(&app, &clinician, id).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let page = resp.text().await.unwrap();
    let code = code_in(&page);
    assert_eq!(code.len(), 14, "{code}");
    assert!(
        page.contains(&format!("localhost:{}", app.port)),
        "the portal's address is printed"
    );
    assert!(page.contains("Sign up now"));
    assert!(
        !page.contains(&recs[0].patient.birth_date.to_string()),
        "the date of birth is the patient's secret"
    );

    let rows = app.audit_rows().await;
    let issued: Vec<_> = rows
        .iter()
        .filter(|r| r.0 == "activation_code_issued")
        .collect();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].2.as_deref(), Some(id.as_str()));
    assert!(issued[0].3.as_deref().unwrap().starts_with("code_id="));
    assert!(
        !rows
            .iter()
            .any(|r| r.3.as_deref().unwrap_or("").contains(&code)),
        "the code is never audited"
    );

    // A new patient account links with the code and the date of birth.
    let patient = signed_in(&app, &PATIENT_B).await;
    let form = app.get(&patient, "/activate").await.text().await.unwrap();
    let token = csrf_in(&form);
    let birth_date = recs[0].patient.birth_date.to_string();
    let resp = post(
        &app,
        &patient,
        "/activate",
        &[
            ("code", &code),
            ("birth_date", &birth_date),
            ("csrf_token", &token),
        ],
    )
    .await;
    assert_redirect_to(&resp, "/records");
    let linked: Option<String> = sqlx::query("SELECT b2c_subject FROM patients WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(linked.as_deref(), Some(PATIENT_B.subject));

    // A linked record gets no more codes.
    assert_eq!(issue(&app, &clinician, id).await.status(), 409);
}

#[tokio::test]
async fn a_code_can_be_revoked_and_then_links_nothing() {
    let (app, recs, ids) = app_with_patients(1).await;
    let id = &ids[0];
    app.add_to_care_team(id, &CLINICIAN).await;
    let clinician = signed_in(&app, &CLINICIAN).await;
    let code = code_in(&issue(&app, &clinician, id).await.text().await.unwrap());
    let code_id: String = sqlx::query("SELECT id FROM activation_codes WHERE patient_id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);

    let token = csrf(&app, &clinician).await;
    let path = format!("/staff/patients/{id}/activation-codes/{code_id}/revoke");
    assert_eq!(
        post(&app, &clinician, &path, &[]).await.status(),
        400,
        "no CSRF token"
    );
    let resp = post(&app, &clinician, &path, &[("csrf_token", &token)]).await;
    assert_redirect_to(&resp, &format!("/staff/patients/{id}"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM activation_codes WHERE revoked_at IS NOT NULL"
        )
        .await,
        1
    );
    assert_eq!(
        post(&app, &clinician, &path, &[("csrf_token", &token)])
            .await
            .status(),
        404,
        "only once"
    );
    let revoked: Vec<_> = app
        .audit_rows()
        .await
        .into_iter()
        .filter(|r| r.0 == "activation_code_revoked")
        .collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(
        revoked[0].3.as_deref(),
        Some(format!("code_id={code_id}").as_str())
    );

    let patient = signed_in(&app, &PATIENT_B).await;
    let token = csrf_in(&app.get(&patient, "/activate").await.text().await.unwrap());
    let birth_date = recs[0].patient.birth_date.to_string();
    let resp = post(
        &app,
        &patient,
        "/activate",
        &[
            ("code", &code),
            ("birth_date", &birth_date),
            ("csrf_token", &token),
        ],
    )
    .await;
    assert_eq!(resp.status(), 400, "a revoked code links nothing");
}

#[tokio::test]
async fn codes_need_csrf_and_the_right_to_open_the_chart() {
    let (app, _recs, ids) = app_with_patients(2).await;
    app.add_to_care_team(&ids[0], &CLINICIAN).await;
    let b = signed_in(&app, &CLINICIAN).await;

    let resp = post(
        &app,
        &b,
        &format!("/staff/patients/{}/activation-codes", ids[0]),
        &[],
    )
    .await;
    assert_eq!(resp.status(), 400, "no CSRF token");
    let resp = post(
        &app,
        &b,
        &format!("/staff/patients/{}/activation-codes", ids[0]),
        &[("csrf_token", "forged")],
    )
    .await;
    assert_eq!(resp.status(), 400, "a wrong CSRF token");
    let resp = issue(&app, &b, &ids[1]).await;
    assert_eq!(resp.status(), 403, "outside the care team");
    assert!(resp.text().await.unwrap().contains("break-glass"));
    assert_eq!(issue(&app, &b, "no-such-patient").await.status(), 404);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM activation_codes").await,
        0
    );
}

#[tokio::test]
async fn administrators_change_care_teams_from_the_command_line() {
    use patient_portal::staff::care_team::care_team_cli;
    let (app, recs, ids) = app_with_patients(1).await;
    let mrn = recs[0].patient.mrn.value.clone();
    let b = signed_in(&app, &CLINICIAN).await;
    assert_eq!(
        app.get(&b, &format!("/staff/patients/{}", ids[0]))
            .await
            .status(),
        403
    );

    let err = care_team_cli(&app.pool, true, "nobody@example.com", &mrn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nobody@example.com"), "{err}");
    let err = care_team_cli(&app.pool, true, CLINICIAN.subject, "MRN-NOPE")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("MRN-NOPE"), "{err}");

    // The clinician signed in (and reached /staff), so their e-mail is known, in any case.
    app.get(&b, "/staff").await;
    let msg = care_team_cli(&app.pool, true, "Casey.Clinician@example.com", &mrn)
        .await
        .unwrap();
    assert!(msg.contains("added"), "{msg}");
    assert!(
        app.get(&b, &format!("/staff/patients/{}", ids[0]))
            .await
            .status()
            != 403
    );
    let msg = care_team_cli(&app.pool, true, CLINICIAN.subject, &mrn)
        .await
        .unwrap();
    assert!(msg.contains("already"), "{msg}");

    care_team_cli(&app.pool, false, CLINICIAN.subject, &mrn)
        .await
        .unwrap();
    assert_eq!(
        app.get(&b, &format!("/staff/patients/{}", ids[0]))
            .await
            .status(),
        403
    );
    assert!(care_team_cli(&app.pool, false, CLINICIAN.subject, &mrn)
        .await
        .is_err());
}

#[tokio::test]
async fn name_search_uses_the_indexes() {
    // The plan SQLite picks for the queries search runs: an index, never a scan of patients.
    let app = spawn_app().await;
    let plans = [
        "SELECT COUNT(*) FROM patients WHERE family_folded >= 'smi' AND family_folded < 'smj' AND family_folded LIKE 'smi%' ESCAPE '\\'",
        "SELECT id FROM patients WHERE family_folded >= 'smi' AND family_folded < 'smj' AND family_folded LIKE 'smi%' ESCAPE '\\' AND given_folded >= 'm' AND given_folded < 'n' AND given_folded LIKE 'm%' ESCAPE '\\' ORDER BY family_folded, given_folded, birth_date, id LIMIT 20",
        "SELECT id FROM patients WHERE birth_date = '1980-01-01' ORDER BY family_folded, given_folded, birth_date, id LIMIT 20",
        "SELECT id FROM patients WHERE mrn_folded = 'a' ORDER BY family_folded, given_folded, birth_date, id LIMIT 20",
    ];
    for sql in plans {
        let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
            .fetch_all(&app.pool)
            .await
            .unwrap();
        let plan: Vec<String> = rows.iter().map(|r| r.get::<String, _>(3)).collect();
        assert!(
            plan.iter().any(|step| step.starts_with("SEARCH patients")),
            "{sql}: {plan:?}"
        );
        assert!(
            plan.iter()
                .filter(|step| step.contains("patients"))
                .all(|step| step.starts_with("SEARCH")),
            "{sql}: {plan:?}"
        );
    }
}

#[tokio::test]
async fn the_chart_summary_offers_activation_codes_to_staff_only() {
    let (app, _recs, ids) = app_with_patients(1).await;
    let id = &ids[0];
    app.add_to_care_team(id, &CLINICIAN).await;
    let clinician = signed_in(&app, &CLINICIAN).await;
    let code_id = {
        issue(&app, &clinician, id).await;
        sqlx::query("SELECT id FROM activation_codes")
            .fetch_one(&app.pool)
            .await
            .unwrap()
            .get::<String, _>(0)
    };

    let chart = app
        .get(&clinician, &format!("/staff/patients/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        chart.contains(&format!("action=\"/staff/patients/{id}/activation-codes\"")),
        "the issue form is on the chart summary"
    );
    assert!(
        chart.contains(&format!("/activation-codes/{code_id}/revoke")),
        "the outstanding code can be revoked from the chart"
    );
    let conditions = app
        .get(&clinician, &format!("/staff/patients/{id}/conditions"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !conditions.contains("/activation-codes"),
        "only on the summary"
    );
}

#[tokio::test]
async fn a_clinicians_first_sign_in_records_them_in_the_directory_and_a_patients_does_not() {
    let app = spawn_app().await;
    let c = app.browser();
    app.sign_in_as(&c, &CLINICIAN).await;
    let p = app.browser();
    app.sign_in_as(&p, &PATIENT_A).await;
    let rows = sqlx::query("SELECT subject, display_name FROM clinicians")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "only the clinician");
    assert_eq!(rows[0].get::<String, _>(0), CLINICIAN.subject);
    assert_eq!(rows[0].get::<String, _>(1), CLINICIAN.name);
}
