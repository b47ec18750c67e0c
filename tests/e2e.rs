//! The portal and the local B2C emulator together, over real HTTPS on two origins, driven the
//! way a person drives a browser: read the page, fill the labelled fields, press the named
//! button, read codes from the emulator's outbox.

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

#[path = "common/hermetic.rs"]
mod hermetic;
#[path = "common/page.rs"]
mod page;

use page::{sel, Page};
use patient_portal::config::Cli;
use patient_portal::startup::Application;
use patient_portal::tls;

struct World {
    portal: String,
    emulator: String,
    data_dir: PathBuf,
}

struct Person {
    client: reqwest::Client,
}

impl Person {
    async fn land(&self, mut resp: reqwest::Response) -> Page {
        loop {
            let url = resp.url().clone();
            if resp.status().is_redirection() {
                let location = resp.headers()["location"].to_str().unwrap().to_string();
                let next = url.join(&location).unwrap();
                resp = self.client.get(next).send().await.unwrap();
                continue;
            }
            let status = resp.status().as_u16();
            return Page {
                url,
                status,
                html: resp.text().await.unwrap(),
            };
        }
    }

    async fn open(&self, url: &str) -> Page {
        let resp = self.client.get(url).send().await.unwrap();
        self.land(resp).await
    }

    async fn submit(&self, page: &Page, fill: &[(&str, &str)], button: &str) -> Page {
        let (action, fields) = page.submission(fill, button);
        let resp = self.client.post(action).form(&fields).send().await.unwrap();
        self.land(resp).await
    }
}

impl World {
    async fn start() -> World {
        Self::start_with("query").await
    }

    async fn start_with(response_mode: &str) -> World {
        Self::start_as(response_mode, &[]).await
    }

    /// The portal with the emulator in its Entra External ID flavour.
    async fn start_external_id() -> World {
        Self::start_as("query", &["--identity-provider=external-id"]).await
    }

    async fn start_as(response_mode: &str, extra: &[&str]) -> World {
        tls::install_crypto_provider();
        let data_dir = tempfile::tempdir().unwrap().keep();
        let portal = TcpListener::bind("127.0.0.1:0").unwrap();
        let emulator = TcpListener::bind("127.0.0.1:0").unwrap();
        let (pp, ep) = (
            portal.local_addr().unwrap().port(),
            emulator.local_addr().unwrap().port(),
        );
        let mut args = vec![
            "patient-portal".to_string(),
            format!("--public-url=https://localhost:{pp}"),
            format!("--listen=127.0.0.1:{pp}"),
            format!("--dev-b2c-listen=127.0.0.1:{ep}"),
            format!("--response-mode={response_mode}"),
            format!("--data-dir={}", data_dir.display()),
            format!(
                "--database-url=sqlite://{}?mode=rwc",
                data_dir.join("portal.sqlite").display()
            ),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        let cli = Cli::try_parse_with_env(args, std::iter::empty::<(String, String)>()).unwrap();
        let settings = cli.env.validate().unwrap();
        let app = Application::build_with_listeners(settings, portal, Some(emulator))
            .await
            .unwrap();
        tokio::spawn(app.run_until_stopped());
        World {
            portal: format!("https://localhost:{pp}"),
            emulator: format!("https://localhost:{ep}"),
            data_dir,
        }
    }

    fn person(&self) -> Person {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(
                tls::client_config(&[self.data_dir.join("localhost-cert.pem")]).unwrap(),
            )
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Person { client }
    }

    /// The code in the newest outbox message to `recipient`, as a developer reads it.
    async fn code_for(&self, p: &Person, recipient: &str) -> String {
        let page = p.open(&format!("{}/outbox", self.emulator)).await;
        let doc = page.doc();
        let row = doc
            .select(&sel("tr.message"))
            .find(|r| {
                r.select(&sel("td.recipient"))
                    .next()
                    .map(|t| t.text().collect::<String>() == recipient)
                    .unwrap_or(false)
            })
            .unwrap_or_else(|| panic!("no message to {recipient}"));
        let body: String = row.select(&sel("td.body")).next().unwrap().text().collect();
        let chars: Vec<char> = body.chars().collect();
        chars
            .windows(6)
            .find(|w| w.iter().all(char::is_ascii_digit))
            .unwrap()
            .iter()
            .collect()
    }

    async fn sign_in_demo(
        &self,
        p: &Person,
        email: &str,
        password: &str,
        phone: &str,
        return_to: &str,
    ) -> Page {
        let page = p
            .open(&format!("{}/signin?returnUrl={return_to}", self.portal))
            .await;
        assert_eq!(page.heading(), "Sign in", "{}", page.html);
        let page = p
            .submit(
                &page,
                &[("Email Address", email), ("Password", password)],
                "Sign in",
            )
            .await;
        assert_eq!(
            page.heading(),
            "Verify your identity",
            "MFA is asked: {}",
            page.html
        );
        let page = p.submit(&page, &[], "Send Code").await;
        let code = self.code_for(p, phone).await;
        p.submit(&page, &[("Verification code", &code)], "Verify Code")
            .await
    }
}

#[tokio::test]
async fn a_newcomer_signs_up_passes_mfa_lands_on_linking_and_sees_their_claims() {
    let w = World::start().await;
    let p = w.person();
    let landing = p.open(&w.portal).await;
    assert!(
        landing.text().contains("patient@example.com"),
        "demo accounts listed while the emulator runs"
    );

    let page = p.open(&format!("{}/signin", w.portal)).await;
    assert!(
        page.url.as_str().starts_with(&w.emulator),
        "sent to the emulator"
    );
    let page = p.open(page.link("Sign up now").as_str()).await;
    assert_eq!(page.heading(), "Sign up");
    let email = "robin.newcomer@example.com";
    let page = p
        .submit(&page, &[("Email Address", email)], "Send verification code")
        .await;
    let code = w.code_for(&p, email).await;
    let page = p
        .submit(&page, &[("Verification code", &code)], "Verify code")
        .await;
    let page = p
        .submit(
            &page,
            &[
                ("New Password", "Sturdy-Pass-42"),
                ("Confirm New Password", "Sturdy-Pass-42"),
                ("Given Name", "Robin"),
                ("Surname", "Newcomer"),
                ("Country/Region", "NL"),
            ],
            "Create",
        )
        .await;
    assert_eq!(page.heading(), "Verify your identity", "{}", page.html);
    let page = p
        .submit(&page, &[("Phone Number", "(202) 555-0177")], "Send Code")
        .await;
    let sms = w.code_for(&p, "+12025550177").await;
    let landing = p
        .submit(&page, &[("Verification code", &sms)], "Verify Code")
        .await;
    // Not linked to a record yet: the landing page is linking, and it says why.
    assert_eq!(landing.url.path(), "/activate", "{}", landing.html);
    assert_eq!(landing.status, 200);
    assert!(landing.text().contains("not linked to a health record yet"));
    let details = p
        .open(&format!("{}/account/sign-in-details", w.portal))
        .await;
    let text = details.text();
    for expected in ["Robin Newcomer", email, "B2C_1_susi_mfa", "NL"] {
        assert!(text.contains(expected), "{expected} in the sign-in details");
    }

    // A new account has no record yet: /records sends it to link one.
    let records = p.open(&format!("{}/records", w.portal)).await;
    assert_eq!(records.url.path(), "/activate");
}

#[tokio::test]
async fn the_demo_clinician_reaches_staff_pages_and_the_demo_patient_their_record() {
    let w = World::start().await;
    let clinician = w.person();
    let page = w
        .sign_in_demo(
            &clinician,
            "clinician@example.com",
            "Clinician-Demo-2024",
            "+12025550102",
            "/staff",
        )
        .await;
    assert_eq!(page.url.path(), "/staff");
    assert_eq!(page.status, 200);

    let patient = w.person();
    let page = w
        .sign_in_demo(
            &patient,
            "patient@example.com",
            "Patient-Demo-2024",
            "+12025550101",
            "/records",
        )
        .await;
    assert_eq!(page.url.path(), "/records");
    assert_eq!(
        page.status, 200,
        "the demo patient is linked to a demo record"
    );
    let staff = patient.open(&format!("{}/staff", w.portal)).await;
    assert_eq!(staff.status, 403);
}

#[tokio::test]
async fn the_landing_page_names_the_demo_accounts_roles_in_the_page_s_language() {
    let w = World::start().await;
    let visitor = w.person();
    for (lang, clinician, patient) in [
        ("es", "Profesional clínico", "Paciente"),
        ("en", "Clinician", "Patient"),
    ] {
        let html = visitor
            .client
            .get(format!("{}/", w.portal))
            .header("Accept-Language", lang)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for role in [clinician, patient] {
            assert!(
                html.contains(&format!("<th scope=\"row\">{role}</th>")),
                "{lang}: {role} in {html}"
            );
        }
    }
}

#[tokio::test]
async fn cancel_and_forgot_password_come_back_as_b2c_errors() {
    let w = World::start().await;
    let p = w.person();
    let page = p.open(&format!("{}/signin", w.portal)).await;
    let landing = p.submit(&page, &[], "Cancel").await;
    assert_eq!(landing.url.path(), "/");
    assert!(landing.text().contains("Sign-in cancelled"));

    let page = p.open(&format!("{}/signin", w.portal)).await;
    let reset = p.submit(&page, &[], "Forgot your password?").await;
    assert!(
        reset.url.path().to_lowercase().contains("/b2c_1_reset/"),
        "the reset flow starts: {}",
        reset.url
    );
    let account = p
        .client
        .get(format!("{}/account", w.portal))
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 302, "no session: sent to sign in");
}

#[tokio::test]
async fn the_flow_without_mfa_never_makes_a_portal_session() {
    let w = World::start().await;
    let p = w.person();
    // Someone edits the authorize address to the tenant's flow without MFA.
    let resp = p
        .client
        .get(format!("{}/signin", w.portal))
        .send()
        .await
        .unwrap();
    let mut authorize = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let path = authorize
        .path()
        .to_lowercase()
        .replace("/b2c_1_susi_mfa/", "/b2c_1_susi/");
    assert!(path.contains("/b2c_1_susi/"));
    authorize.set_path(&path);
    let authorize = authorize.to_string();
    let page = p.open(&authorize).await;
    let back = p
        .submit(
            &page,
            &[
                ("Email Address", "patient@example.com"),
                ("Password", "Patient-Demo-2024"),
            ],
            "Sign in",
        )
        .await;
    assert!(back.url.as_str().starts_with(&w.portal), "{}", back.url);
    assert_eq!(back.status, 400, "refused: {}", back.html);
    let account = p
        .client
        .get(format!("{}/account", w.portal))
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 302, "no session");
}

#[tokio::test]
async fn after_a_key_rotation_the_portal_accepts_the_new_key() {
    let w = World::start().await;
    let first = w.person();
    let page = w
        .sign_in_demo(
            &first,
            "patient@example.com",
            "Patient-Demo-2024",
            "+12025550101",
            "/account",
        )
        .await;
    assert_eq!(page.url.path(), "/account");

    let out = hermetic::portal_command(&w.data_dir)
        .args(["b2c-emulator", "rotate-keys"])
        .env("PORTAL_DATA_DIR", &w.data_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let second = w.person();
    let page = w
        .sign_in_demo(
            &second,
            "patient@example.com",
            "Patient-Demo-2024",
            "+12025550101",
            "/account",
        )
        .await;
    assert_eq!(
        page.url.path(),
        "/account",
        "signed with the new key and accepted: {}",
        page.html
    );
    assert_eq!(page.status, 200);
}

#[tokio::test]
async fn signing_out_ends_both_sessions() {
    let w = World::start().await;
    let p = w.person();
    let account = w
        .sign_in_demo(
            &p,
            "patient@example.com",
            "Patient-Demo-2024",
            "+12025550101",
            "/account",
        )
        .await;
    let csrf = account
        .doc()
        .select(&sel("input[name=csrf_token]"))
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_string();
    let resp = p
        .client
        .post(format!("{}/signout", w.portal))
        .form(&[("csrf_token", csrf)])
        .send()
        .await
        .unwrap();
    let page = p.land(resp).await;
    assert_eq!(
        page.url.path(),
        "/signout-callback-oidc",
        "back from the emulator's logout: {}",
        page.url
    );
    assert_eq!(page.heading(), "You have signed out");
    // The emulator's own session ended too: signing in asks for the password again.
    let page = p.open(&format!("{}/signin", w.portal)).await;
    assert_eq!(page.heading(), "Sign in");
}

/// Moves the portal's sessions back in time by `seconds`, as if the browser had been left alone.
async fn leave_alone(w: &World, seconds: i64) {
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        w.data_dir.join("portal.sqlite").display()
    ))
    .await
    .unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id_hash, state FROM sessions")
        .fetch_all(&db)
        .await
        .unwrap();
    for (id, state) in rows {
        let mut map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&state).unwrap();
        for key in ["last_seen", "created_at"] {
            let aged = map[key].as_str().unwrap().parse::<i64>().unwrap() - seconds;
            map.insert(key.into(), serde_json::json!(aged.to_string()));
        }
        sqlx::query("UPDATE sessions SET state = ?, expires_at = expires_at - ? WHERE id_hash = ?")
            .bind(serde_json::to_string(&map).unwrap())
            .bind(seconds)
            .bind(id)
            .execute(&db)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn after_an_idle_timeout_the_identity_provider_asks_for_the_password_again() {
    let w = World::start().await;
    let p = w.person();
    w.sign_in_demo(
        &p,
        "patient@example.com",
        "Patient-Demo-2024",
        "+12025550101",
        "/account",
    )
    .await;
    // Signed in, the emulator's SSO session would answer a new sign-in silently.
    leave_alone(&w, 16 * 60).await;
    let page = p.open(&format!("{}/account", w.portal)).await;
    assert_eq!(
        page.heading(),
        "Sign in",
        "the next person at this browser must know the password: {}",
        page.url
    );
}

#[tokio::test]
async fn editing_the_profile_refreshes_the_name_on_the_account_page() {
    let w = World::start().await;
    let p = w.person();
    let account = w
        .sign_in_demo(
            &p,
            "patient@example.com",
            "Patient-Demo-2024",
            "+12025550101",
            "/account",
        )
        .await;
    assert!(account.text().contains("Alex Rivera"));
    let edit = p.open(account.link("Edit your profile").as_str()).await;
    assert!(
        edit.url.as_str().starts_with(&w.emulator),
        "the edit flow runs at the emulator"
    );
    let edit = if edit.heading() == "Sign in" {
        p.submit(
            &edit,
            &[
                ("Email Address", "patient@example.com"),
                ("Password", "Patient-Demo-2024"),
            ],
            "Sign in",
        )
        .await
    } else {
        edit
    };
    let fields: Vec<String> = edit
        .doc()
        .select(&sel("label"))
        .map(|l| l.text().collect::<String>().trim().to_string())
        .collect();
    assert!(fields.contains(&"Given Name".to_string()), "{}", edit.html);
    let buttons: Vec<String> = edit
        .doc()
        .select(&sel("button"))
        .map(|b| b.text().collect::<String>().trim().to_string())
        .collect();
    let save = buttons
        .iter()
        .find(|b| b.as_str() != "Cancel")
        .expect("a save button")
        .clone();
    let back = p.submit(&edit, &[("Given Name", "Alexandra")], &save).await;
    assert_eq!(back.url.path(), "/account", "{}", back.html);
    assert!(back.text().contains("Alexandra"), "the new name shows");
}

#[tokio::test]
async fn with_form_post_the_reply_is_a_form_the_person_sends_on() {
    let w = World::start_with("form_post").await;
    let p = w.person();
    let page = p.open(&format!("{}/signin", w.portal)).await;
    let page = p
        .submit(
            &page,
            &[
                ("Email Address", "patient@example.com"),
                ("Password", "Patient-Demo-2024"),
            ],
            "Sign in",
        )
        .await;
    let page = p.submit(&page, &[], "Send Code").await;
    let code = w.code_for(&p, "+12025550101").await;
    let reply = p
        .submit(&page, &[("Verification code", &code)], "Verify Code")
        .await;
    // No JavaScript needed: the emulator shows a form that posts the code to the portal.
    assert!(reply.url.as_str().starts_with(&w.emulator), "{}", reply.url);
    let home = p.submit(&reply, &[], "Continue").await;
    assert_eq!(home.url.path(), "/home", "{}", home.html);
    assert_eq!(home.status, 200);
}

// ---- The emulator's Entra External ID flavour ----

#[tokio::test]
async fn external_id_a_newcomer_signs_up_with_an_email_code_passes_mfa_and_is_keyed_on_oid() {
    let w = World::start_external_id().await;
    let p = w.person();
    let page = p.open(&format!("{}/signin", w.portal)).await;
    assert!(page.url.as_str().starts_with(&w.emulator));
    // External ID's endpoints: the tenant id, no policy; the MFA context requested.
    let first = page
        .url
        .path_segments()
        .unwrap()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(first.len(), 36, "tenant id first: {}", page.url);
    let page = p.open(page.link("Sign up now").as_str()).await;
    assert_eq!(page.heading(), "Sign up");
    let email = "sam.external@example.com";
    let page = p
        .submit(&page, &[("Email Address", email)], "Send verification code")
        .await;
    let code = w.code_for(&p, email).await;
    let page = p
        .submit(&page, &[("Verification code", &code)], "Verify code")
        .await;
    let page = p
        .submit(
            &page,
            &[
                ("New Password", "Sturdy-Pass-42"),
                ("Confirm New Password", "Sturdy-Pass-42"),
                ("Given Name", "Sam"),
                ("Surname", "External"),
                ("Country/Region", "NL"),
            ],
            "Create",
        )
        .await;
    assert_eq!(page.heading(), "Verify your identity", "{}", page.html);
    let page = p
        .submit(&page, &[("Phone Number", "(202) 555-0188")], "Send Code")
        .await;
    let sms = w.code_for(&p, "+12025550188").await;
    let landing = p
        .submit(&page, &[("Verification code", &sms)], "Verify Code")
        .await;
    assert_eq!(landing.url.path(), "/activate", "{}", landing.html);
    let details = p
        .open(&format!("{}/account/sign-in-details", w.portal))
        .await;
    let text = details.text();
    for expected in ["Sam External", email, "acrs", "c1", "oid"] {
        assert!(text.contains(expected), "{expected} in the sign-in details");
    }
    assert!(!text.contains("B2C_1_susi_mfa"), "no policy claim");
    let account = p.open(&format!("{}/account", w.portal)).await;
    assert!(
        !account.html.contains("/account/edit"),
        "no profile-edit flow with External ID"
    );

    // The issuer is not the discovery URL (the strict discovery check would refuse it).
    let metadata: serde_json::Value = p
        .client
        .get(format!(
            "{}/{first}/v2.0/.well-known/openid-configuration",
            w.emulator
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let issuer = metadata["issuer"].as_str().unwrap();
    assert!(issuer.ends_with(&format!("/{first}/v2.0")), "{issuer}");
    assert!(!issuer.starts_with(&w.emulator), "{issuer}");
    assert_eq!(
        metadata["end_session_endpoint"],
        format!("{}/{first}/oauth2/v2.0/logout", w.emulator)
    );
}

#[tokio::test]
async fn external_id_demo_clinician_gets_in_through_app_roles_and_signs_out() {
    let w = World::start_external_id().await;
    let p = w.person();
    let page = w
        .sign_in_demo(
            &p,
            "clinician@example.com",
            "Clinician-Demo-2024",
            "+12025550102",
            "/staff",
        )
        .await;
    assert_eq!(page.url.path(), "/staff", "{}", page.html);
    assert_eq!(page.status, 200);
    let account = p.open(&format!("{}/account", w.portal)).await;
    let csrf = account
        .doc()
        .select(&sel("input[name=csrf_token]"))
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_string();
    let resp = p
        .client
        .post(format!("{}/signout", w.portal))
        .form(&[("csrf_token", csrf)])
        .send()
        .await
        .unwrap();
    let page = p.land(resp).await;
    assert_eq!(page.url.path(), "/signout-callback-oidc", "{}", page.url);
    let page = p.open(&format!("{}/signin", w.portal)).await;
    assert_eq!(
        page.heading(),
        "Sign in",
        "the emulator's session ended too"
    );
}

#[tokio::test]
async fn external_id_password_reset_happens_inside_the_sign_in_page_and_still_needs_mfa() {
    let w = World::start_external_id().await;
    let p = w.person();
    let page = p.open(&format!("{}/signin", w.portal)).await;
    assert_eq!(page.heading(), "Sign in");
    let page = p.submit(&page, &[], "Forgot your password?").await;
    assert_eq!(page.heading(), "Reset your password", "{}", page.html);
    assert!(
        page.url.as_str().starts_with(&w.emulator),
        "no bounce to the portal"
    );
    let email = "patient@example.com";
    let page = p
        .submit(&page, &[("Email Address", email)], "Send verification code")
        .await;
    let code = w.code_for(&p, email).await;
    let page = p
        .submit(&page, &[("Verification code", &code)], "Verify code")
        .await;
    let page = p.submit(&page, &[], "Continue").await;
    assert_eq!(page.heading(), "Choose a new password", "{}", page.html);
    let page = p
        .submit(
            &page,
            &[
                ("New Password", "Brand-New-Pass-77"),
                ("Confirm New Password", "Brand-New-Pass-77"),
            ],
            "Continue",
        )
        .await;
    assert_eq!(page.heading(), "Verify your identity", "{}", page.html);
    let page = p.submit(&page, &[], "Send Code").await;
    let sms = w.code_for(&p, "+12025550101").await;
    let home = p
        .submit(&page, &[("Verification code", &sms)], "Verify Code")
        .await;
    assert_eq!(home.url.path(), "/home", "{}", home.html);
}

#[tokio::test]
async fn external_id_without_the_mfa_context_request_there_is_no_mfa_no_acrs_and_no_session() {
    let w = World::start_external_id().await;
    let p = w.person();
    let resp = p
        .client
        .get(format!("{}/signin", w.portal))
        .send()
        .await
        .unwrap();
    let authorize = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    // The same request without the claims parameter: the Conditional Access policy on the
    // context does not apply, so the emulator asks for no second factor.
    let mut stripped = authorize.clone();
    stripped
        .query_pairs_mut()
        .clear()
        .extend_pairs(authorize.query_pairs().filter(|(k, _)| k != "claims"));
    let page = p.open(stripped.as_str()).await;
    assert_eq!(page.heading(), "Sign in");
    let page = p
        .submit(
            &page,
            &[
                ("Email Address", "patient@example.com"),
                ("Password", "Patient-Demo-2024"),
            ],
            "Sign in",
        )
        .await;
    assert!(page.url.as_str().starts_with(&w.portal), "{}", page.url);
    assert_eq!(page.status, 400, "{}", page.html);
    assert!(page.text().contains("multi-factor authentication"));
    let account = p
        .client
        .get(format!("{}/account", w.portal))
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 302, "no session");
}

#[tokio::test]
async fn external_id_mfa_may_be_an_email_code() {
    let w = World::start_external_id().await;
    let p = w.person();
    let page = p
        .open(&format!(
            "{}/signin?returnUrl=/account/sign-in-details",
            w.portal
        ))
        .await;
    let page = p
        .submit(
            &page,
            &[
                ("Email Address", "patient@example.com"),
                ("Password", "Patient-Demo-2024"),
            ],
            "Sign in",
        )
        .await;
    assert_eq!(page.heading(), "Verify your identity", "{}", page.html);
    let page = p.submit(&page, &[], "Email me a code").await;
    assert!(page.text().contains("p***@example.com"), "{}", page.html);
    // A wrong code is refused; the right one completes the sign-in.
    let page = p
        .submit(&page, &[("Verification code", "000000")], "Verify Code")
        .await;
    assert_eq!(page.heading(), "Verify your identity");
    let code = w.code_for(&p, "patient@example.com").await;
    let account = p
        .submit(&page, &[("Verification code", &code)], "Verify Code")
        .await;
    assert_eq!(
        account.url.path(),
        "/account/sign-in-details",
        "{}",
        account.html
    );
    assert!(
        account.text().contains("c1"),
        "acrs after the e-mail factor"
    );
}
