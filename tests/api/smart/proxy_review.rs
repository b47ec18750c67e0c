//! Review of apps connected by a proxy (#29): the app stops with the proxy's grant in every
//! way the grant stops opening the record, not only by revocation, end date or age.

use super::proxy::{proxy_connects, proxy_of_a};
use super::*;

/// A patient's own grant holds only while their record is linked to the account that gave it
/// (`proxy_grants.granted_by`): once the record is unlinked (or linked to another account), an
/// app the proxy connected reads nothing more, cannot refresh, and introspection says inactive.
#[tokio::test]
async fn a_proxys_app_stops_when_the_grantors_record_is_no_longer_linked_to_them() {
    let (app, _a, sam, grant, _) = proxy_of_a(&["record"]).await;
    let client = register(&app, "Tracker", false).await;
    let tokens = proxy_connects(&app, &sam, &client, &grant).await;
    let patient = tokens["patient"].as_str().unwrap().to_string();
    let read = format!("/Patient/{patient}");
    assert_eq!(fhir(&app, &at(&tokens), &read).await.0, 200);

    // The record's link is removed (say, the clinic unlinked a wrongly linked account): the
    // proxies that account chose do not carry over to whoever the record is linked to next.
    sqlx::query("UPDATE patients SET b2c_subject = NULL WHERE b2c_subject = $1")
        .bind(PATIENT_A.subject)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(fhir(&app, &at(&tokens), &read).await.0, 401, "unlinked");
    let (status, body) = client
        .refresh(&app, tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
}

/// The patient's access log tells the truth about an app a proxy connected: it was the proxy,
/// named, not "You connected Tracker to your record" (the patient did no such thing).
#[tokio::test]
async fn the_patients_access_log_says_the_proxy_connected_the_app_not_the_patient() {
    let (app, a, sam, grant, _) = proxy_of_a(&["record"]).await;
    let client = register(&app, "Tracker", false).await;
    let tokens = proxy_connects(&app, &sam, &client, &grant).await;
    assert!(tokens.get("access_token").is_some());
    // The proxy's consent is audited with the proxy as actor, before the grant holds.
    assert_eq!(
        crate::support::count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'app_connected' \
             AND actor_role = 'proxy' AND outcome = 'success'"
        )
        .await,
        1
    );
    let log = app
        .get(&a, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    assert!(!log.contains("You connected Tracker"), "{log}");
    assert!(
        log.contains(&format!(
            "{} (your proxy) connected Tracker to your record",
            PATIENT_B.name
        )),
        "{log}"
    );
}
