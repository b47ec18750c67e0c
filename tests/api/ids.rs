//! Patient ids and LOINC codes are parsed where they enter (`records::ids`): a malformed one in
//! a URL is the portal's 404 page, and nothing is opened or audited for it.

use crate::support::*;

async fn chart_opens(app: &TestApp) -> usize {
    app.audit_rows()
        .await
        .iter()
        .filter(|(action, ..)| action == "staff_chart_view" || action == "view_record")
        .count()
}

#[tokio::test]
async fn malformed_ids_and_codes_in_urls_are_the_404_page_and_open_nothing() {
    // Arrange: a clinician on the patient's care team, and the patient signed in elsewhere.
    let (app, _, ids) = app_with_patients(1).await;
    let id = &ids[0];
    app.link(id, &PATIENT_A).await;
    app.add_to_care_team(id, &CLINICIAN).await;
    let clinician = signed_in(&app, &CLINICIAN).await;
    let patient = signed_in(&app, &PATIENT_A).await;
    let before = chart_opens(&app).await;
    let long = "a".repeat(65);

    // Act and assert: each is the styled 404 page.
    let staff = [
        "/staff/patients/not%20an%20id".to_string(),
        format!("/staff/patients/{long}"),
        "/staff/patients/a.b/conditions".to_string(),
        format!("/staff/patients/{id}/labs/4548%204"),
        format!("/staff/patients/{id}/labs/{}", "1".repeat(33)),
        "/staff/patients/%3Cb%3E/access-log".to_string(),
        "/staff/patients/a%2Fb/break-glass".to_string(),
    ];
    for path in &staff {
        let resp = app.get(&clinician, path).await;
        assert_eq!(resp.status(), 404, "{path}");
        assert!(
            resp.text().await.unwrap().contains("Page not found"),
            "{path}"
        );
    }
    for path in ["/records/labs/4548%204", "/records/labs/%3Cscript%3E"] {
        let resp = app.get(&patient, path).await;
        assert_eq!(resp.status(), 404, "{path}");
        assert!(
            resp.text().await.unwrap().contains("Page not found"),
            "{path}"
        );
    }
    assert_eq!(
        chart_opens(&app).await,
        before,
        "a malformed URL opened a chart"
    );

    // A well-formed code still opens the care team's view of the chart.
    let resp = app
        .get(&clinician, &format!("/staff/patients/{id}/labs/4548-4"))
        .await;
    assert_ne!(resp.status(), 404);
    assert_eq!(chart_opens(&app).await, before + 1);
}
