//! Clinician pages: who reaches them, the care team and its charts, the staff directory.

use sqlx::Row;

use crate::support::*;

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
    assert!(
        views
            .iter()
            .all(|r| !r.3.as_deref().unwrap_or_default().contains("break_glass")),
        "a care-team read is not marked as break-the-glass: {views:?}"
    );
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
