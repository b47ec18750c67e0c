//! Practitioner, Organization, CareTeam, Claim and ExplanationOfBenefit in the FHIR API (#27
//! item 2): what the export holds, with references that resolve on this server; a clinician or
//! clinic only when the token's patient's own record holds it; behind their own scopes.

use super::*;
use crate::people::{synthea_record, VISIT};

const SCHULTZ: &str = "e78eb359-e003-4912-bb67-0db9ae8e3ef5";
const SHRINERS: &str = "5103c940-0c08-392f-95cd-446e0cea042a";

/// Louis Erdman's record linked to patient A (signed in in the browser), Patria Schimmel's to B.
async fn portal_with_synthea() -> Option<(TestApp, Browser, PatientRecord, PatientRecord)> {
    let louis = synthea_record("Louis_Erdman")?;
    let patria = synthea_record("Patria_Schimmel")?;
    let app = spawn_app().await;
    let a = app.seed(&louis).await;
    app.link(&a, &PATIENT_A).await;
    let b_id = app.seed(&patria).await;
    app.link(&b_id, &PATIENT_B).await;
    let b = app.browser();
    app.sign_in_as(&b, &PATIENT_A).await;
    Some((app, b, louis, patria))
}

fn total(bundle: &Value) -> Option<u64> {
    bundle["total"].as_u64()
}

#[tokio::test]
async fn an_app_reads_the_clinicians_clinics_and_costs_its_patients_record_names() {
    let Some((app, b, louis, patria)) = portal_with_synthea().await else {
        return;
    };
    let client = register(&app, "Cost Viewer", false).await;
    let scope = "launch/patient openid fhirUser patient/Encounter.rs patient/Practitioner.rs \
                 patient/Organization.rs patient/CareTeam.rs patient/Claim.rs \
                 patient/ExplanationOfBenefit.rs";
    let tokens = connected(&app, &b, &client, scope).await;
    let token = at(&tokens);
    let patient = tokens["patient"].as_str().unwrap().to_string();

    // The visit points at its clinician and clinic, and both resolve here.
    let (status, visit) = fhir(&app, &token, &format!("/Encounter/{VISIT}")).await;
    assert_eq!(status, 200, "{visit}");
    assert_eq!(
        visit["participant"][0]["individual"]["reference"],
        format!("Practitioner/{SCHULTZ}")
    );
    assert_eq!(
        visit["serviceProvider"]["reference"],
        format!("Organization/{SHRINERS}")
    );
    let (status, dr) = fhir(&app, &token, &format!("/Practitioner/{SCHULTZ}")).await;
    assert_eq!(status, 200, "{dr}");
    assert_eq!(dr["name"][0]["family"], "Schultz");
    assert_eq!(
        dr["identifier"][0]["system"],
        "http://hl7.org/fhir/sid/us-npi"
    );
    let (status, clinic) = fhir(&app, &token, &format!("/Organization/{SHRINERS}")).await;
    assert_eq!(status, 200, "{clinic}");
    assert_eq!(clinic["address"][0]["line"][0], "516 CAREW STREET");

    // Searches: `_id`, `patient`, `status`; each a valid searchset (validated in CI).
    let (status, all) = fhir(&app, &token, &format!("/Practitioner?_id={SCHULTZ}")).await;
    assert_eq!((status, total(&all)), (200, Some(1)), "{all}");
    keep_for_validation("practitioners", &all);
    let (status, eobs) = fhir(
        &app,
        &token,
        &format!("/ExplanationOfBenefit?patient={patient}"),
    )
    .await;
    assert_eq!(status, 200, "{eobs}");
    assert_eq!(total(&eobs), Some(louis.people.benefits.len() as u64));
    keep_for_validation("explanations-of-benefit", &eobs);
    let (status, claims) = fhir(
        &app,
        &token,
        &format!("/Claim?patient={patient}&status=active"),
    )
    .await;
    assert_eq!(status, 200, "{claims}");
    assert_eq!(total(&claims), Some(louis.people.claims.len() as u64));
    keep_for_validation("claims", &claims);
    let first_claim = &claims["entry"][0]["resource"];
    assert_eq!(
        first_claim["patient"]["reference"],
        format!("Patient/{patient}")
    );
    assert!(first_claim["total"]["value"].is_number());
    let (status, teams) = fhir(
        &app,
        &token,
        &format!("/CareTeam?patient={patient}&status=active"),
    )
    .await;
    assert_eq!(status, 200, "{teams}");
    assert_eq!(total(&teams), Some(0), "Louis's bundle has no CareTeam");

    // Another patient's clinician and clinic are not this token's to read, by id or search.
    let theirs = &patria.people.practitioners[0].fhir_id;
    assert!(louis.people.practitioner(theirs).is_none());
    let (status, body) = fhir(&app, &token, &format!("/Practitioner/{theirs}")).await;
    assert_eq!(status, 404, "{body}");
    assert_outcome(&body, status, "another patient's practitioner");
    let their_org = &patria.people.organizations[0].fhir_id;
    let (status, _) = fhir(&app, &token, &format!("/Organization/{their_org}")).await;
    assert_eq!(status, 404);
    let (status, none) = fhir(&app, &token, &format!("/Practitioner?_id={theirs}")).await;
    assert_eq!((status, total(&none)), (200, Some(0)));
}

#[tokio::test]
async fn a_token_without_the_types_scope_reads_no_clinician_or_cost() {
    let Some((app, b, _, _)) = portal_with_synthea().await else {
        return;
    };
    let client = register(&app, "Lab Viewer", false).await;
    let scope = "launch/patient openid fhirUser patient/Observation.rs patient/Encounter.rs";
    let token = at(&connected(&app, &b, &client, scope).await);
    for path in [
        format!("/Practitioner/{SCHULTZ}"),
        format!("/Organization/{SHRINERS}"),
        "/ExplanationOfBenefit".to_string(),
        "/Claim".to_string(),
        "/CareTeam".to_string(),
    ] {
        let (status, body) = fhir(&app, &token, &path).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert_outcome(&body, status, &path);
    }
    // The visit it may read still names them (a reference is not the resource).
    let (status, visit) = fhir(&app, &token, &format!("/Encounter/{VISIT}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        visit["participant"][0]["individual"]["reference"],
        format!("Practitioner/{SCHULTZ}")
    );
}
