//! Break-the-glass: a stated reason, a fresh MFA sign-in of the same clinician, a time-boxed grant.

use serde_json::json;
use sqlx::Row;

use crate::support::*;

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
pub(crate) fn claims_of(app: &TestApp, started: &Started, who: &Person) -> serde_json::Value {
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
    // Every chart read under the grant is marked as break-the-glass in the audit trail.
    let reads: Vec<_> = rows.iter().filter(|r| r.0 == "staff_chart_view").collect();
    assert_eq!(reads.len(), 2, "the chart and the labs: {reads:?}");
    for read in reads {
        assert_eq!(read.1.as_deref(), Some(CLINICIAN.subject));
        assert_eq!(read.2.as_deref(), Some(id.as_str()));
        let detail = read.3.as_deref().unwrap_or_default();
        assert!(detail.ends_with(" break_glass"), "{detail:?}");
    }

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

/// The callback hands a validated re-authentication to break-the-glass (`ReauthPurpose`); these
/// are the ways someone might try to finish one that is not theirs, or finish one twice.
#[tokio::test]
async fn a_replayed_break_glass_completion_grants_nothing_more() {
    let (app, _recs, ids) = app_with_patients(1).await;
    let id = &ids[0];
    let b = signed_in(&app, &CLINICIAN).await;
    let started = request_break_glass(&app, &b, id).await;
    let token = sign(&claims_of(&app, &started, &CLINICIAN), 0);
    let resp = app.reply(&b, &started, token.clone()).await;
    assert_redirect_to(&resp, &format!("/staff/patients/{id}"));

    // The same reply again, in the same browser and in another signed in as the same clinician
    // (the grant is the clinician's, so the other browser may open the chart; it adds nothing).
    let again = app.reply(&b, &started, token.clone()).await;
    assert!(again.status().is_client_error(), "{}", again.status());
    let other = signed_in(&app, &CLINICIAN).await;
    let elsewhere = app.reply(&other, &started, token).await;
    assert!(
        elsewhere.status().is_client_error(),
        "{}",
        elsewhere.status()
    );

    assert_eq!(granted(&app).await, 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'break_glass' AND outcome = 'success'"
        )
        .await,
        1,
        "one grant, one entry"
    );
}

#[tokio::test]
async fn a_break_glass_request_completed_elsewhere_is_not_granted_again() {
    let (app, _recs, ids) = app_with_patients(1).await;
    let id = &ids[0];
    let b = signed_in(&app, &CLINICIAN).await;
    let started = request_break_glass(&app, &b, id).await;
    // As if another reply had already turned this request into a (now ended) grant.
    let now = chrono::Utc::now().timestamp();
    sqlx::query("UPDATE break_glass SET granted_at = $1, expires_at = $1")
        .bind(now)
        .execute(&app.pool)
        .await
        .unwrap();

    let resp = app
        .reply(
            &b,
            &started,
            sign(&claims_of(&app, &started, &CLINICIAN), 0),
        )
        .await;
    assert_eq!(resp.status(), 403);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("already been completed"));
    assert_eq!(
        app.get(&b, &format!("/staff/patients/{id}")).await.status(),
        403
    );
    assert!(app
        .audit_rows()
        .await
        .iter()
        .any(|r| r.0 == "break_glass" && r.3.as_deref() == Some("request_used")));
}

/// With `AZURE_AD_B2C_RESPONSE_MODE=form_post` the fresh sign-in comes back as a cross-site
/// POST that carries no Lax cookie, so the clinician's session is not on it; the portal sends
/// the reply on to a same-site GET, where the session is, and the grant completes. Before,
/// the completion found no signed-in clinician and refused a valid sign-in as another user's.
#[tokio::test]
async fn breaking_the_glass_completes_when_the_reply_is_a_cross_site_form_post() {
    let app = spawn_app_with(Options {
        response_mode: "form_post",
        ..Default::default()
    })
    .await;
    let id = app.seed(&records(1)[0]).await;
    let b = signed_in(&app, &CLINICIAN).await;
    let started = request_break_glass(&app, &b, &id).await;
    app.idp
        .hand_out(sign(&claims_of(&app, &started, &CLINICIAN), 0));
    let (post, get) = app
        .form_post_reply(&b, &[("code", "abc"), ("state", started.state.as_str())])
        .await;
    assert_eq!(
        (post.status().as_u16(), location(&post)),
        (303, "/signin-oidc")
    );
    assert_redirect_to(
        &get.expect("sent on by GET"),
        &format!("/staff/patients/{id}"),
    );
    assert_eq!(granted(&app).await, 1);
    assert_eq!(
        app.get(&b, &format!("/staff/patients/{id}")).await.status(),
        200,
        "the chart opens under the grant"
    );
}
