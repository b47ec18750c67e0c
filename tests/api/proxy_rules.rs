//! Proxies' rules (#29): an invitation belongs to the address it was sent to; the audit entry
//! of every change to who may act for whom is durable before the change holds; a grant whose
//! people changed opens nothing; what a guardian of an adolescent does not see.

use serde_json::{json, Value};

use super::{
    accept, denied, email_of, invite, live_grants, mailed_token, patient_a, record_guardian,
};
use crate::support::*;

/// Someone with no record and no grant: holds a forwarded invitation link.
const PATIENT_C: Person = Person {
    subject: "0a1b2c3d-0000-4000-8000-00000000000c",
    name: "Charlie Other",
    clinician: false,
};

/// A fresh browser where `who` signed in (B2C, a fresh MFA sign-in) with `emails` as the
/// token's `emails` claim (`None`: no such claim).
async fn signed_in_with_emails(app: &TestApp, who: &Person, emails: Option<Value>) -> Browser {
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let mut claims = app.idp.claims(&started.nonce);
    claims["sub"] = json!(who.subject);
    claims["oid"] = json!(who.subject);
    claims["name"] = json!(who.name);
    match emails {
        Some(e) => claims["emails"] = e,
        None => {
            claims.as_object_mut().unwrap().remove("emails");
        }
    }
    assert_eq!(
        app.reply(&b, &started, sign(&claims, 0)).await.status(),
        302
    );
    b
}

async fn open_invitations(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM proxy_invitations WHERE used_at IS NULL",
    )
    .await
}

#[tokio::test]
async fn an_invitation_is_accepted_only_by_an_account_that_proves_the_invited_address() {
    let (app, a, _) = patient_a().await;
    let sam = email_of(&PATIENT_B);
    assert_eq!(invite(&app, &a, &sam, &["record"], "").await.status(), 303);
    let token = mailed_token(&app, &sam).await;

    // Someone else's account, with the forwarded link: the portal's 403 page, nothing granted.
    let other = signed_in(&app, &PATIENT_C).await;
    let page = app
        .get(&other, &format!("/proxy/accept?token={token}"))
        .await;
    assert_eq!(page.status(), 403);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("This invitation is for someone else"),
        "{page}"
    );
    assert!(!page.contains(&sam), "the invited address is not shown");
    assert!(
        !page.contains("Read the health record"),
        "not the offer: {page}"
    );
    let resp = accept(&app, &other, &token).await;
    assert_eq!(resp.status(), 403);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("sent to a different e-mail address"));

    // A sign-in that gave no e-mail address: refused the same way.
    let no_email = signed_in_with_emails(&app, &PATIENT_C, None).await;
    let resp = accept(&app, &no_email, &token).await;
    assert_eq!(resp.status(), 403);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("did not give the portal a verified e-mail address"));

    assert_eq!(count(&app, "SELECT COUNT(*) FROM proxy_grants").await, 0);
    assert_eq!(open_invitations(&app).await, 1, "still open for Blair");
    assert_eq!(
        denied(&app, "proxy_accept").await,
        vec!["email_mismatch", "email_mismatch", "email_missing"]
    );

    // The invited person, whose token gives the address among others, in capitals, spaced.
    let blair = signed_in_with_emails(
        &app,
        &PATIENT_B,
        Some(json!([
            "blair@work.example.org",
            format!(" {} ", sam.to_uppercase())
        ])),
    )
    .await;
    assert_eq!(
        app.get(&blair, &format!("/proxy/accept?token={token}"))
            .await
            .status(),
        200
    );
    assert_eq!(accept(&app, &blair, &token).await.status(), 303);
    assert_eq!(live_grants(&app).await, 1);
}

#[tokio::test]
async fn a_guardian_invitation_is_accepted_only_by_the_invited_address() {
    let app = spawn_app().await;
    let mut child = records(1)[0].clone();
    child.patient.birth_date = today() - chrono::Months::new(12 * 8);
    let pid = app.seed(&child).await;
    app.add_to_care_team(&pid, &CLINICIAN).await;
    let staff = signed_in(&app, &CLINICIAN).await;
    let guardian = email_of(&PATIENT_B);
    let resp = record_guardian(&app, &staff, &pid, &guardian, "checked").await;
    assert_eq!(resp.status(), 303);
    let token = mailed_token(&app, &guardian).await;

    let other = signed_in(&app, &PATIENT_C).await;
    assert_eq!(accept(&app, &other, &token).await.status(), 403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM proxy_grants").await, 0);
    assert_eq!(denied(&app, "proxy_accept").await, vec!["email_mismatch"]);

    let blair = signed_in(&app, &PATIENT_B).await;
    assert_eq!(accept(&app, &blair, &token).await.status(), 303);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM proxy_grants WHERE kind = 'guardian'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn with_external_id_the_email_claim_is_the_proof() {
    let app = spawn_app_with(Options {
        profile: Profile::ExternalId,
        ..Options::default()
    })
    .await;
    let (a, _) = signed_in_patient(&app, &records(1)[0], &PATIENT_A).await;
    let sam = email_of(&PATIENT_B);
    assert_eq!(invite(&app, &a, &sam, &["record"], "").await.status(), 303);
    let token = mailed_token(&app, &sam).await;
    let other = signed_in(&app, &PATIENT_C).await;
    assert_eq!(accept(&app, &other, &token).await.status(), 403);
    let blair = signed_in(&app, &PATIENT_B).await;
    assert_eq!(accept(&app, &blair, &token).await.status(), 303);
    assert_eq!(live_grants(&app).await, 1);
}
