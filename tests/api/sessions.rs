//! Session rules: renewal at sign-in, sign-out revokes, timeouts, deny by default, roles.

use serde_json::json;
use sqlx::Row;

use crate::support::*;

#[tokio::test]
async fn signing_in_renews_the_session_id() {
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    let first = app
        .session_cookie(&b)
        .expect("a session cookie after sign-in");
    app.sign_in(&b).await;
    let second = app
        .session_cookie(&b)
        .expect("a session cookie after the second sign-in");
    assert_ne!(first, second, "a new session id at every sign-in");

    // The old id is dead: a browser holding only it is not signed in.
    let old = app.browser();
    let url = url::Url::parse(&app.url("/")).unwrap();
    old.jar.add_cookie_str(
        &format!("__Host-portal-session={first}; Path=/; Secure"),
        &url,
    );
    assert_signed_out(&app, &old).await;
}

#[tokio::test]
async fn a_planted_session_cookie_is_not_kept_at_sign_in() {
    let app = spawn_app().await;
    let b = app.browser();
    let url = url::Url::parse(&app.url("/")).unwrap();
    b.jar.add_cookie_str(
        "__Host-portal-session=planted-by-an-attacker-0123456789; Path=/; Secure",
        &url,
    );
    app.sign_in(&b).await;
    let cookie = app.session_cookie(&b).unwrap();
    assert!(!cookie.contains("planted-by-an-attacker"));
    assert_signed_in(&app, &b).await;
}

#[tokio::test]
async fn sign_out_needs_the_csrf_token() {
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    let resp = b
        .client
        .post(app.url("/signout"))
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = b
        .client
        .post(app.url("/signout"))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_signed_in(&app, &b).await;
}

#[tokio::test]
async fn sign_out_revokes_the_session_and_goes_to_b2c_with_the_hint() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let token = sign(&app.idp.claims(&started.nonce), 0);
    app.reply(&b, &started, token.clone()).await;
    let cookie = app.session_cookie(&b).unwrap();
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
    assert!(to.path().ends_with("/B2C_1_susi_mfa/oauth2/v2.0/logout"));
    let q: std::collections::HashMap<String, String> = to.query_pairs().into_owned().collect();
    assert_eq!(q["id_token_hint"], token);
    assert_eq!(
        q["post_logout_redirect_uri"],
        app.url("/signout-callback-oidc")
    );

    // A copy of the old cookie no longer works.
    let copy = app.browser();
    let url = url::Url::parse(&app.url("/")).unwrap();
    copy.jar.add_cookie_str(
        &format!("__Host-portal-session={cookie}; Path=/; Secure"),
        &url,
    );
    assert_signed_out(&app, &copy).await;
    assert_signed_out(&app, &b).await;

    let rows = app.audit_rows().await;
    let sign_outs: Vec<_> = rows.iter().filter(|r| r.0 == "sign_out").collect();
    assert_eq!(sign_outs.len(), 1, "one audit entry for the sign-out");
    assert_eq!(
        sign_outs[0].1.as_deref(),
        Some("9f0e1d2c-3b4a-5968-7a6b-5c4d3e2f1a0b")
    );

    // The signed-out page needs no session.
    let resp = b
        .client
        .get(app.url("/signout-callback-oidc"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

/// Moves a session's clock back, as if the user had been away.
async fn age_session(app: &TestApp, key: &str, seconds: i64) {
    let rows = sqlx::query("SELECT id_hash, state FROM sessions")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    for row in rows {
        let id: String = row.get(0);
        let state: String = row.get(1);
        let mut map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&state).unwrap();
        if let Some(v) = map
            .get(key)
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<i64>().ok())
        {
            map.insert(key.into(), json!((v - seconds).to_string()));
        }
        sqlx::query("UPDATE sessions SET state = $1 WHERE id_hash = $2")
            .bind(serde_json::to_string(&map).unwrap())
            .bind(id)
            .execute(&app.pool)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn an_idle_session_times_out_on_the_server() {
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    assert_signed_in(&app, &b).await;
    age_session(&app, "last_seen", 14 * 60).await;
    assert_signed_in(&app, &b).await;
    age_session(&app, "last_seen", 16 * 60).await;
    assert_signed_out(&app, &b).await;
    let actions: Vec<String> = app.audit_rows().await.into_iter().map(|r| r.0).collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "session_timeout").count(),
        1
    );
}

#[tokio::test]
async fn a_session_ends_after_the_absolute_limit_even_when_active() {
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    age_session(&app, "created_at", 8 * 3600 + 60).await;
    assert_signed_out(&app, &b).await;
}

#[tokio::test]
async fn every_route_needs_a_session_unless_deliberately_public() {
    let app = spawn_app().await;
    let b = app.browser();
    for path in [
        "/account",
        "/records",
        "/staff",
        "/account/edit",
        "/records/labs",
        "/staff/patients/x",
        "/anything",
    ] {
        let resp = b.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 302, "{path}");
        assert!(location(&resp).starts_with("/signin?returnUrl="), "{path}");
    }
    let resp = b.client.post(app.url("/signout")).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    for path in [
        "/",
        "/healthz",
        "/readyz",
        "/assets/portal.css",
        "/signout-callback-oidc",
    ] {
        let resp = b.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
    }
}

/// Browsers fetch `/favicon.ico` by themselves on every page. Behind the gate each fetch
/// parked a pending sign-in and counted against the `/signin` limit (seen in Chromium: the
/// anonymous landing page started a sign-in per view); now it is a plain 404 that starts
/// nothing, and the pages link an icon of their own.
#[tokio::test]
async fn a_browsers_own_favicon_request_starts_no_sign_in() {
    let app = spawn_app().await;
    let b = app.browser();
    let before = count(&app, "SELECT COUNT(*) FROM pending_logins").await;
    let resp = b.client.get(app.url("/favicon.ico")).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.headers().contains_key("content-security-policy"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM pending_logins").await,
        before
    );
    let landing = b
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(landing.contains(r#"rel="icon" href="/assets/favicon.svg""#));
    let icon = b
        .client
        .get(app.url("/assets/favicon.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
}

#[tokio::test]
async fn a_patient_gets_a_403_page_from_staff_pages_and_a_clinician_gets_in() {
    let app = spawn_app().await;
    let patient = app.browser();
    app.sign_in(&patient).await;
    let resp = patient.client.get(app.url("/staff")).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("You do not have access"));

    let clinician = app.browser();
    let started = app.start_signin(&clinician, Some("/staff")).await;
    let mut claims = app.idp.claims(&started.nonce);
    claims["extension_Role"] = json!("Clinician");
    let resp = app.reply(&clinician, &started, sign(&claims, 0)).await;
    assert_redirect_to(&resp, "/staff");
    let resp = clinician
        .client
        .get(app.url("/staff"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn an_unknown_page_under_a_session_is_a_404_page() {
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    let resp = b.client.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn sign_in_and_sign_out_are_audited_without_personal_data() {
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    let started = app.start_signin(&b, None).await;
    let mut claims = app.idp.claims(&started.nonce);
    claims["tfp"] = json!("B2C_1_susi");
    app.reply(&b, &started, sign(&claims, 0)).await;
    let rows =
        sqlx::query("SELECT action, outcome, detail, actor_subject FROM audit_log ORDER BY seq")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let entries: Vec<(String, String, Option<String>)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(entries[0].0, "sign_in");
    assert_eq!(
        entries[1],
        (
            "sign_in_failed".into(),
            "failure".into(),
            Some("id_token_policy".into())
        )
    );
    let dump: Vec<String> = sqlx::query("SELECT * FROM audit_log")
        .fetch_all(&app.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (0..r.len())
                .map(|i| {
                    r.try_get::<Option<String>, _>(i)
                        .ok()
                        .flatten()
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    for row in dump {
        assert!(
            !row.contains("Pat Example") && !row.contains("pat.example@example.com"),
            "{row}"
        );
    }
}

/// Moves every session back in time by `seconds`, row expiry included, as if the browser had
/// been left alone that long.
async fn let_time_pass(app: &TestApp, seconds: i64) {
    age_session(app, "last_seen", seconds).await;
    age_session(app, "created_at", seconds).await;
    sqlx::query("UPDATE sessions SET expires_at = expires_at - $1")
        .bind(seconds)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// Counts the UPDATEs that change a session row (SQLite trigger).
async fn count_session_writes(app: &TestApp) {
    for sql in [
        "CREATE TABLE session_writes (n BIGINT)",
        "CREATE TRIGGER count_session_writes AFTER UPDATE ON sessions \
         BEGIN INSERT INTO session_writes (n) VALUES (1); END",
    ] {
        sqlx::query(sql).execute(&app.pool).await.unwrap();
    }
}

async fn session_writes(app: &TestApp) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM session_writes")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn page_views_within_a_minute_do_not_rewrite_the_session() {
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    count_session_writes(&app).await;
    for _ in 0..3 {
        assert_signed_in(&app, &b).await;
    }
    assert_eq!(session_writes(&app).await, 0, "no write for a page view");

    // Activity older than a minute is recorded once, then again not for a minute.
    age_session(&app, "last_seen", 2 * 60).await;
    let before = session_writes(&app).await;
    assert_signed_in(&app, &b).await;
    assert_signed_in(&app, &b).await;
    assert_eq!(session_writes(&app).await - before, 1);
}

#[tokio::test]
async fn activity_recorded_once_a_minute_keeps_the_idle_timeout_exact_to_the_minute() {
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    // Active every 10 minutes for an hour: never idle for 15.
    for _ in 0..6 {
        let_time_pass(&app, 10 * 60).await;
        assert_signed_in(&app, &b).await;
    }
    // Then away for 15 minutes and a bit: gone.
    let_time_pass(&app, 15 * 60 + 61).await;
    assert_signed_out(&app, &b).await;
}

#[tokio::test]
async fn an_idle_timeout_is_audited_and_ends_the_session_for_every_copy() {
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    let cookie = app.session_cookie(&b).unwrap();
    let_time_pass(&app, 16 * 60).await;
    assert_signed_out(&app, &b).await;
    let actions: Vec<String> = app.audit_rows().await.into_iter().map(|r| r.0).collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "session_timeout").count(),
        1,
        "{actions:?}"
    );
    let rows: i64 = sqlx::query("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 0, "the timed-out session is deleted");
    let copy = app.browser();
    let url = url::Url::parse(&app.url("/")).unwrap();
    copy.jar.add_cookie_str(
        &format!("__Host-portal-session={cookie}; Path=/; Secure"),
        &url,
    );
    assert_signed_out(&app, &copy).await;
}

#[tokio::test]
async fn an_absolute_timeout_is_audited() {
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    // Active all along, so only the absolute limit ends it.
    age_session(&app, "created_at", 8 * 3600 + 60).await;
    assert_signed_out(&app, &b).await;
    let actions: Vec<String> = app.audit_rows().await.into_iter().map(|r| r.0).collect();
    assert!(
        actions.iter().any(|a| a == "session_timeout"),
        "{actions:?}"
    );
}

fn prompt_of(started: &Started) -> Option<String> {
    started
        .authorize_url
        .query_pairs()
        .find(|(k, _)| k == "prompt")
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn after_a_timeout_the_next_sign_in_demands_a_fresh_authentication() {
    let app = spawn_app().await;
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    assert_eq!(prompt_of(&started), None, "a first sign-in may use SSO");
    let mut claims = app.idp.claims(&started.nonce);
    let signed_in_at = chrono::Utc::now().timestamp() - 20 * 60;
    claims["auth_time"] = json!(signed_in_at);
    app.reply(&b, &started, sign(&claims, 0)).await;
    let_time_pass(&app, 16 * 60).await;
    assert_signed_out(&app, &b).await;

    // Someone else at this browser: the provider's SSO session answers with the old
    // auth_time. Refused, and the browser stays signed out.
    let started = app.start_signin(&b, None).await;
    assert_eq!(prompt_of(&started).as_deref(), Some("login"));
    let mut claims = app.idp.claims(&started.nonce);
    claims["auth_time"] = json!(signed_in_at);
    let resp = app.reply(&b, &started, sign(&claims, 0)).await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("auth_time_stale"));
    assert_signed_out(&app, &b).await;

    // With the password entered again (a new auth_time) the sign-in completes, and the
    // demand ends with it.
    let started = app.start_signin(&b, None).await;
    assert_eq!(prompt_of(&started).as_deref(), Some("login"));
    let resp = app
        .reply(&b, &started, sign(&app.idp.claims(&started.nonce), 0))
        .await;
    assert_eq!(resp.status(), 302);
    assert_signed_in(&app, &b).await;
    let started = app.start_signin(&b, None).await;
    assert_eq!(prompt_of(&started), None);
}

#[tokio::test]
async fn a_session_cookie_whose_session_is_gone_also_demands_a_fresh_authentication() {
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    sqlx::query("DELETE FROM sessions")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_signed_out(&app, &b).await;
    let started = app.start_signin(&b, None).await;
    assert_eq!(prompt_of(&started).as_deref(), Some("login"));
}

#[tokio::test]
async fn probes_and_assets_never_read_the_session_store() {
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in(&b).await;
    // Without a sessions table any read of it fails: these must not need one.
    sqlx::query("ALTER TABLE sessions RENAME TO sessions_elsewhere")
        .execute(&app.pool)
        .await
        .unwrap();
    for path in ["/healthz", "/readyz", "/assets/portal.css"] {
        let resp = b.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn no_session_starts_when_the_sign_in_cannot_be_audited() {
    let app = spawn_app().await;
    let b = app.browser();
    sqlx::query(
        "CREATE TRIGGER refuse_sign_in_entries BEFORE INSERT ON audit_log \
         WHEN NEW.action = 'sign_in' BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let resp = app.sign_in(&b).await;
    assert_eq!(resp.status(), 503);
    assert!(resp.text().await.unwrap().contains("unavailable right now"));
    assert_signed_out(&app, &b).await;
    let rows: i64 = sqlx::query("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 0, "no session row without the sign-in entry");
}

/// A new PostgreSQL database for this test, or None (said aloud) when none is configured.
async fn postgres_database() -> Option<String> {
    let pg = Postgres::connect("PostgreSQL session test").await?;
    // Not portal_test_*: tests/postgres.rs sweeps those at its start.
    Some(pg.create_database("portal_sessions").await.1)
}

#[tokio::test]
async fn two_instances_on_postgres_share_sessions_and_end_them_at_once() {
    let Some(url) = postgres_database().await else {
        return;
    };
    // Instances on one database share the audit key, as DEPLOYMENT.md requires.
    let key_dir = tempfile::tempdir().unwrap();
    let key_file = key_dir.path().join("audit.key");
    std::fs::write(&key_file, "42".repeat(32)).unwrap();
    let options = || Options {
        database_url: Some(url.clone()),
        extra_args: vec![format!("--audit-key-file={}", key_file.display())],
        ..Default::default()
    };
    let a = spawn_app_with(options()).await;
    let b_instance = spawn_app_with(options()).await;
    // One browser that trusts both instances' certificates; its cookies (host localhost) go
    // to both.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let tls = patient_portal::tls::client_config(&[
        a.data_dir.join("localhost-cert.pem"),
        b_instance.data_dir.join("localhost-cert.pem"),
    ])
    .unwrap();
    let browser = Browser {
        client: reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        jar,
    };
    a.sign_in(&browser).await;
    assert_signed_in(&b_instance, &browser).await;

    // Timed out on one instance: gone on the other, and audited once.
    let_time_pass(&a, 16 * 60).await;
    assert_signed_out(&b_instance, &browser).await;
    assert_signed_out(&a, &browser).await;
    let timeouts = a
        .audit_rows()
        .await
        .into_iter()
        .filter(|r| r.0 == "session_timeout")
        .count();
    assert_eq!(timeouts, 1);

    // Signed out on one instance: gone on the other at once.
    let started = a.start_signin(&browser, None).await;
    a.reply(&browser, &started, sign(&a.idp.claims(&started.nonce), 0))
        .await;
    let page = assert_signed_in(&b_instance, &browser).await;
    let resp = browser
        .client
        .post(b_instance.url("/signout"))
        .form(&[("csrf_token", csrf_in(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_signed_out(&a, &browser).await;

    // An abandoned session is swept and audited on PostgreSQL too.
    a.sign_in_as(&browser, &PATIENT_A).await;
    sqlx::query("UPDATE sessions SET expires_at = $1")
        .bind(chrono::Utc::now().timestamp() - 1)
        .execute(&a.pool)
        .await
        .unwrap();
    b_instance
        .sign_in_as(&b_instance.browser(), &PATIENT_B)
        .await;
    let abandoned = a
        .audit_rows()
        .await
        .into_iter()
        .filter(|r| r.0 == "session_timeout" && r.3.as_deref() == Some("abandoned"))
        .count();
    assert_eq!(abandoned, 1);
    drop_postgres_database(&url).await;
}

/// Leaves the shared server as it was (a failed test leaves its database for inspection).
async fn drop_postgres_database(url: &str) {
    let mut admin = url::Url::parse(url).unwrap();
    let name = admin.path().trim_start_matches('/').to_string();
    let Ok(base) = std::env::var("PORTAL_TEST_POSTGRES_URL") else {
        return;
    };
    admin = url::Url::parse(&base).unwrap();
    let pool = sqlx::AnyPool::connect(admin.as_str()).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_session_nobody_came_back_to_is_audited_as_timed_out_when_swept() {
    let app = spawn_app().await;
    let away = app.browser();
    app.sign_in_as(&away, &PATIENT_A).await;
    // Abandoned: its row has outlived both timeouts.
    sqlx::query("UPDATE sessions SET expires_at = $1")
        .bind(chrono::Utc::now().timestamp() - 1)
        .execute(&app.pool)
        .await
        .unwrap();
    // The next sign-in sweeps it.
    app.sign_in_as(&app.browser(), &PATIENT_B).await;
    let timeouts: Vec<_> = app
        .audit_rows()
        .await
        .into_iter()
        .filter(|r| r.0 == "session_timeout")
        .collect();
    assert_eq!(timeouts.len(), 1, "{timeouts:?}");
    assert_eq!(timeouts[0].1.as_deref(), Some(PATIENT_A.subject));
    assert_eq!(timeouts[0].3.as_deref(), Some("abandoned"));
    let rows: i64 = sqlx::query("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 1, "only the new session is left");
}

/// The account page names the limit that signs the person out first. Just after sign-in that
/// is inactivity (15 minutes, against 8 hours for the whole session): the sentence must say
/// "without activity", not promise a fixed time with inactivity as an afterthought.
#[tokio::test]
async fn the_account_page_names_inactivity_when_it_comes_first() {
    let app = spawn_app().await;
    let b = signed_in(&app, &PATIENT_A).await;
    let page = app.get(&b, "/account").await.text().await.unwrap();
    assert!(
        page.contains("signed out after 15 minutes without activity"),
        "{page}"
    );
    assert!(!page.contains("or sooner if you are inactive"), "{page}");
}
