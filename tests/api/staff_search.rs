//! Staff search: by name, birth date and MRN, folded for accents and case, paged, on indexes,
//! showing only identifying fields.

use sqlx::Row;

use crate::support::*;

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
