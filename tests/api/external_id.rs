//! The portal configured for Microsoft Entra External ID, against a hostile provider of that
//! shape (and of B2C's): MFA proven by `acrs`, tenant and issuer pinned, users keyed on `oid`,
//! and no token of one kind of tenant accepted by a configuration for the other.

use serde_json::{json, Value};

use crate::support::*;

type Edit = Box<dyn Fn(&mut Value)>;

async fn external_id_app() -> TestApp {
    spawn_app_with(Options {
        profile: Profile::ExternalId,
        ..Default::default()
    })
    .await
}

/// The reason code of the last refused sign-in in the audit trail.
async fn last_refusal(app: &TestApp) -> String {
    app.audit_rows()
        .await
        .into_iter()
        .rev()
        .find(|r| r.0 == "sign_in_failed")
        .and_then(|r| r.3)
        .unwrap_or_default()
}

async fn refused_because(app: &TestApp, b: &Browser, resp: reqwest::Response, reason: &str) {
    let status = resp.status().as_u16();
    let body = resp.text().await.unwrap();
    assert!(
        (400..500).contains(&status),
        "expected a 4xx page, got {status}"
    );
    assert!(
        body.contains("Patient portal"),
        "a page in the portal's style"
    );
    assert_signed_out(app, b).await;
    assert_eq!(last_refusal(app).await, reason);
}

/// Signs in to `app` with the provider's claims changed by `edit`.
async fn try_claims(app: &TestApp, edit: impl FnOnce(&mut Value)) -> (Browser, reqwest::Response) {
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let mut claims = app.idp.claims(&started.nonce);
    edit(&mut claims);
    let resp = app.reply(&b, &started, sign(&claims, 0)).await;
    (b, resp)
}

#[tokio::test]
async fn an_external_id_sign_in_asks_for_the_mfa_context_and_keys_the_user_on_oid() {
    let app = external_id_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    // Metadata under the tenant id, no policy anywhere.
    let fetched = app.idp.state.lock().unwrap().metadata_fetches.clone();
    assert_eq!(
        fetched,
        vec![format!("/{TENANT}/v2.0/.well-known/openid-configuration")]
    );
    assert_eq!(
        started.authorize_url.path(),
        format!("/{TENANT}/oauth2/v2.0/authorize")
    );
    let q: std::collections::HashMap<_, _> =
        started.authorize_url.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(!q.contains_key("p"), "no policy parameter");
    let scopes: Vec<&str> = q["scope"].split(' ').collect();
    for s in ["openid", "profile", "email", "offline_access"] {
        assert!(scopes.contains(&s), "scope {s}");
    }
    let claims_request: Value = serde_json::from_str(&q["claims"]).unwrap();
    assert_eq!(
        claims_request["id_token"]["acrs"],
        json!({"essential": true, "value": AUTH_CONTEXT})
    );
    assert!(claims_request["id_token"]["auth_time"].is_object());

    let resp = app
        .reply(&b, &started, sign(&app.idp.claims(&started.nonce), 0))
        .await;
    assert_redirect_to(&resp, "/home");
    let page = assert_signed_in(&app, &b).await;
    assert!(page.contains("Pat Example"));
    assert!(
        page.contains("pat.example@example.com"),
        "e-mail from `email`"
    );
    assert!(
        !page.contains(PAIRWISE_SUB),
        "the pairwise sub is not the key"
    );
    assert!(
        !page.contains("/account/edit"),
        "External ID has no profile-edit flow"
    );
    assert!(
        page.contains("please contact the clinic"),
        "says where instead"
    );
    let rows = app.audit_rows().await;
    let signed_in = rows.iter().find(|r| r.0 == "sign_in").unwrap();
    assert_eq!(
        signed_in.1.as_deref(),
        Some("9f0e1d2c-3b4a-5968-7a6b-5c4d3e2f1a0b"),
        "audited under oid"
    );
    // PKCE verifier at the token endpoint under the tenant id.
    let requests = app.idp.state.lock().unwrap().token_requests.clone();
    let request = requests.last().unwrap();
    assert_eq!(request.policy, TENANT);
    assert!(request.form.iter().any(|(k, _)| k == "code_verifier"));
}

#[tokio::test]
async fn a_token_without_the_mfa_context_in_acrs_never_makes_a_session() {
    let app = external_id_app().await;
    let (b, resp) = try_claims(&app, |c| {
        c.as_object_mut().unwrap().remove("acrs");
    })
    .await;
    refused_because(&app, &b, resp, "id_token_policy").await;
    // Another context (e.g. one with no MFA policy behind it) is not ours.
    let (b, resp) = try_claims(&app, |c| c["acrs"] = json!(["c2"])).await;
    refused_because(&app, &b, resp, "id_token_policy").await;
    let (b, resp) = try_claims(&app, |c| c["acrs"] = json!([])).await;
    refused_because(&app, &b, resp, "id_token_policy").await;
    // A single string is accepted as well as an array.
    let (b, resp) = try_claims(&app, |c| c["acrs"] = json!(AUTH_CONTEXT)).await;
    assert_redirect_to(&resp, "/home");
    assert_signed_in(&app, &b).await;
}

#[tokio::test]
async fn a_token_of_another_tenant_or_without_tid_is_refused() {
    let app = external_id_app().await;
    let (b, resp) = try_claims(&app, |c| {
        c["tid"] = json!("00000000-1111-2222-3333-444444444444")
    })
    .await;
    refused_because(&app, &b, resp, "id_token_tenant").await;
    let (b, resp) = try_claims(&app, |c| {
        c.as_object_mut().unwrap().remove("tid");
    })
    .await;
    refused_because(&app, &b, resp, "id_token_tenant").await;
}

#[tokio::test]
async fn a_token_without_oid_is_refused() {
    let app = external_id_app().await;
    let (b, resp) = try_claims(&app, |c| {
        c.as_object_mut().unwrap().remove("oid");
    })
    .await;
    refused_because(&app, &b, resp, "id_token_subject").await;
}

#[tokio::test]
async fn an_issuer_other_than_the_metadatas_is_refused() {
    let app = external_id_app().await;
    let (b, resp) = try_claims(&app, |c| {
        c["iss"] = json!(format!(
            "https://{TENANT}.ciamlogin.com/00000000-1111-2222-3333-444444444444/v2.0"
        ))
    })
    .await;
    refused_because(&app, &b, resp, "id_token_issuer").await;
}

#[tokio::test]
async fn metadata_with_a_b2c_form_issuer_is_refused_by_an_external_id_configuration() {
    let app = external_id_app().await;
    // Metadata and token agree: only the form gives it away.
    app.idp
        .set_issuer(&format!("https://contoso.b2clogin.com/{TENANT}/v2.0/"));
    let (b, resp) = try_claims(&app, |_| {}).await;
    refused_because(&app, &b, resp, "id_token_issuer").await;
}

#[tokio::test]
async fn metadata_with_a_tfp_path_issuer_is_refused_by_an_external_id_configuration() {
    let app = external_id_app().await;
    app.idp.set_issuer(&format!(
        "https://localhost:{}/tfp/{TENANT}/b2c_1_susi_mfa/v2.0/",
        app.idp.port
    ));
    let (b, resp) = try_claims(&app, |_| {}).await;
    refused_because(&app, &b, resp, "id_token_issuer").await;
}

#[tokio::test]
async fn metadata_with_an_external_id_form_issuer_is_refused_by_a_b2c_configuration() {
    let app = spawn_app().await;
    app.idp
        .set_issuer(&format!("https://{TENANT}.ciamlogin.com/{TENANT}/v2.0"));
    let (b, resp) = try_claims(&app, |_| {}).await;
    refused_because(&app, &b, resp, "id_token_issuer").await;
}

#[tokio::test]
async fn a_b2c_token_sent_to_an_external_id_configuration_is_refused() {
    let app = external_id_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    // Everything a B2C MFA flow would send, with this provider's issuer and our audience.
    let mut claims = app.idp.b2c_claims(&started.nonce);
    claims["iss"] = json!(app.idp.issuer());
    let resp = app.reply(&b, &started, sign(&claims, 0)).await;
    refused_because(&app, &b, resp, "id_token_tenant").await;
    // Even with our tid and the acrs value, a policy claim marks a B2C token.
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let mut claims = app.idp.b2c_claims(&started.nonce);
    claims["iss"] = json!(app.idp.issuer());
    claims["tid"] = json!(TENANT);
    claims["acrs"] = json!([AUTH_CONTEXT]);
    let resp = app.reply(&b, &started, sign(&claims, 0)).await;
    refused_because(&app, &b, resp, "id_token_policy").await;
}

#[tokio::test]
async fn an_external_id_token_sent_to_a_b2c_configuration_is_refused() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let mut claims = app.idp.external_id_claims(&started.nonce);
    claims["iss"] = json!(app.idp.issuer());
    let resp = app.reply(&b, &started, sign(&claims, 0)).await;
    refused_because(&app, &b, resp, "id_token_policy").await;
}

#[tokio::test]
async fn a_b2c_configuration_pointed_at_an_external_id_provider_is_refused() {
    // The portal thinks it talks to B2C; the provider answers as External ID would.
    let app = spawn_app_with(Options {
        idp_profile: Some(Profile::ExternalId),
        ..Default::default()
    })
    .await;
    let (b, resp) = try_claims(&app, |_| {}).await;
    refused_because(&app, &b, resp, "id_token_issuer").await;
}

#[tokio::test]
async fn every_b2c_token_check_holds_for_external_id() {
    let app = external_id_app().await;
    let now = chrono::Utc::now().timestamp();
    let cases: Vec<(&str, Edit)> = vec![
        (
            "id_token_audience",
            Box::new(|c| c["aud"] = json!("another-app")),
        ),
        (
            "id_token_audience",
            Box::new(|c| c["aud"] = json!([CLIENT_ID, "another-app"])),
        ),
        (
            "id_token_expired",
            Box::new(move |c| {
                c["exp"] = json!(now - 7200);
                c["iat"] = json!(now - 10800);
                c["nbf"] = json!(now - 10800);
            }),
        ),
        (
            "id_token_not_yet_valid",
            Box::new(move |c| c["nbf"] = json!(now + 3000)),
        ),
        (
            "id_token_nonce",
            Box::new(|c| c["nonce"] = json!("another-nonce")),
        ),
        (
            "id_token_nonce",
            Box::new(|c| {
                c.as_object_mut().unwrap().remove("nonce");
            }),
        ),
    ];
    for (reason, edit) in cases {
        let (b, resp) = try_claims(&app, |c| edit(c)).await;
        refused_because(&app, &b, resp, reason).await;
    }
    // Unsigned, and signed by a key the provider does not publish.
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let resp = app
        .reply(&b, &started, unsigned(&app.idp.claims(&started.nonce)))
        .await;
    refused_because(&app, &b, resp, "id_token_signature").await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let resp = app
        .reply(&b, &started, sign(&app.idp.claims(&started.nonce), 2))
        .await;
    refused_because(&app, &b, resp, "id_token_unknown_key").await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let resp = app
        .reply(
            &b,
            &started,
            sign_hs256_with_client_secret(&app.idp.claims(&started.nonce)),
        )
        .await;
    assert!(resp.status().is_client_error());
    assert_signed_out(&app, &b).await;
}

#[tokio::test]
async fn an_external_id_reply_is_single_use() {
    let app = external_id_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let resp = app
        .reply(&b, &started, sign(&app.idp.claims(&started.nonce), 0))
        .await;
    assert_redirect_to(&resp, "/home");
    let other = app.browser();
    let resp = app
        .reply(&other, &started, sign(&app.idp.claims(&started.nonce), 0))
        .await;
    refused_because(&app, &other, resp, "state_unknown_or_replayed").await;
}

#[tokio::test]
async fn app_roles_in_roles_make_a_clinician() {
    let app = external_id_app().await;
    let b = app.browser();
    app.sign_in_as(&b, &CLINICIAN).await;
    let page = assert_signed_in(&app, &b).await;
    assert!(page.contains("clinician"), "role from the roles claim");
    let b = app.browser();
    app.sign_in_as(&b, &PATIENT_A).await;
    let resp = app.get(&b, "/staff").await;
    assert_ne!(
        resp.status(),
        200,
        "a patient is not let into the staff area"
    );
}

#[tokio::test]
async fn aadsts_errors_are_shown_in_words() {
    let app = external_id_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let resp = app
        .reply_error(
            &b,
            &started,
            "access_denied",
            "AADSTS131010: User not allowed by policy conditions. <script>alert(1)</script>",
        )
        .await;
    assert_eq!(resp.status(), 400);
    let body = resp.text().await.unwrap();
    assert!(body.contains("AADSTS131010"));
    assert!(
        body.contains("Your account was created"),
        "the code in words"
    );
    assert!(!body.contains("<script>alert"));
    assert_signed_out(&app, &b).await;
}

#[tokio::test]
async fn sign_out_goes_to_the_entra_logout_endpoint_without_the_id_token() {
    let app = external_id_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    let page = assert_signed_in(&app, &b).await;
    let resp = b
        .client
        .post(app.url("/signout"))
        .form(&[("csrf_token", csrf_in(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let to = url::Url::parse(location(&resp)).unwrap();
    assert_eq!(to.path(), format!("/{TENANT}/oauth2/v2.0/logout"));
    let q: std::collections::HashMap<_, _> = to.query_pairs().into_owned().collect();
    assert_eq!(
        q["post_logout_redirect_uri"],
        app.url("/signout-callback-oidc")
    );
    assert!(!q.contains_key("id_token_hint"));
    assert_signed_out(&app, &b).await;
}

#[tokio::test]
async fn there_is_no_profile_edit_or_reset_flow_with_external_id() {
    let app = external_id_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    let resp = app.get(&b, "/account/edit").await;
    assert_eq!(resp.status(), 404);
    let resp = app.get(&b, "/password/reset").await;
    assert_eq!(resp.status(), 200);
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("Forgot your password?"),
        "reset is on the sign-in page"
    );
}

/// A clinician signed in through External ID asks to break the glass for a patient outside
/// their care team; returns the browser, the patient id and the re-authentication started.
async fn break_glass_started(app: &TestApp) -> (Browser, String, Started) {
    let record =
        patient_portal::demo::demo_patients(1, 7, chrono::Utc::now().date_naive()).remove(0);
    let id = app.seed(&record).await;
    let b = app.browser();
    app.sign_in_as(&b, &CLINICIAN).await;
    let path = format!("/staff/patients/{id}/break-glass");
    let form = app.get(&b, &path).await;
    assert_eq!(form.status(), 200);
    let token = csrf_in(&form.text().await.unwrap());
    let resp = b
        .client
        .post(app.url(&path))
        .form(&[
            ("reason", "emergency_treatment"),
            ("details", "Unconscious in the emergency department"),
            ("csrf_token", token.as_str()),
        ])
        .send()
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
    (b, id, started)
}

fn clinician_claims(app: &TestApp, started: &Started) -> Value {
    let mut claims = app.idp.claims(&started.nonce);
    claims["oid"] = json!(CLINICIAN.subject);
    claims["roles"] = json!(["Clinician"]);
    claims
}

#[tokio::test]
async fn breaking_the_glass_re_authenticates_with_prompt_login_and_the_mfa_context() {
    let app = external_id_app().await;
    let (b, id, started) = break_glass_started(&app).await;
    let q: std::collections::HashMap<_, _> =
        started.authorize_url.query_pairs().into_owned().collect();
    assert_eq!(q["prompt"], "login");
    let claims_request: Value = serde_json::from_str(&q["claims"]).unwrap();
    assert_eq!(claims_request["id_token"]["acrs"]["value"], AUTH_CONTEXT);
    assert_eq!(claims_request["id_token"]["acrs"]["essential"], true);

    let resp = app
        .reply(&b, &started, sign(&clinician_claims(&app, &started), 0))
        .await;
    assert_redirect_to(&resp, &format!("/staff/patients/{id}"));
    assert_eq!(
        app.get(&b, &format!("/staff/patients/{id}")).await.status(),
        200
    );
}

#[tokio::test]
async fn breaking_the_glass_without_auth_time_is_refused_with_a_clear_message() {
    let app = external_id_app().await;
    let (b, id, started) = break_glass_started(&app).await;
    let mut claims = clinician_claims(&app, &started);
    claims.as_object_mut().unwrap().remove("auth_time");
    let resp = app.reply(&b, &started, sign(&claims, 0)).await;
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("auth_time claim"));
    assert_ne!(
        app.get(&b, &format!("/staff/patients/{id}")).await.status(),
        200
    );
    let rows = app.audit_rows().await;
    assert!(rows
        .iter()
        .any(|r| r.0 == "break_glass" && r.3.as_deref() == Some("auth_time_missing")));
}

#[tokio::test]
async fn breaking_the_glass_without_the_mfa_context_is_refused() {
    let app = external_id_app().await;
    let (b, id, started) = break_glass_started(&app).await;
    let mut claims = clinician_claims(&app, &started);
    claims.as_object_mut().unwrap().remove("acrs");
    let resp = app.reply(&b, &started, sign(&claims, 0)).await;
    assert!(resp.status().is_client_error());
    assert_ne!(
        app.get(&b, &format!("/staff/patients/{id}")).await.status(),
        200
    );
}

#[tokio::test]
async fn no_token_secret_or_phi_of_an_external_id_sign_in_reaches_the_log() {
    let app = external_id_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let token = sign(&app.idp.claims(&started.nonce), 0);
    let resp = app.reply(&b, &started, token.clone()).await;
    assert_redirect_to(&resp, "/home");
    // A refused one too: its reason is logged, nothing else.
    let (_, refused) = try_claims(&app, |c| c["tid"] = json!("another-tenant")).await;
    assert!(refused.status().is_client_error());
    let cookie = app.session_cookie(&b).expect("session cookie");
    let logs = logs();
    assert!(
        logs.contains("id_token_tenant"),
        "the refusal's reason is logged"
    );
    for secret in [
        token.as_str(),
        started.state.as_str(),
        started.nonce.as_str(),
        "auth-code-abc",
        CLIENT_SECRET,
        cookie.as_str(),
        PAIRWISE_SUB,
        "pat.example@example.com",
        "Pat Example",
        "access-token-from-the-hostile-idp",
    ] {
        assert!(
            !logs.contains(secret),
            "the log holds a secret or PHI: {secret:.12}…"
        );
    }
}
