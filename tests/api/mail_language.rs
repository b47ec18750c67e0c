//! E-mails in the language the person reads the portal in (#31): a choice kept on the account,
//! else the language of their last sign-in (the browser's `Accept-Language` when they never
//! used the switch), else `PORTAL_DEFAULT_LANGUAGE`; an invitation to an address the portal does
//! not know is in the inviter's page language. Mail is read through a real SMTP listener.

use std::sync::Arc;

use base64::Engine as _;
use reqwest::cookie::CookieStore;

use crate::messages::SmtpServer;
use crate::support::*;

// The SMTP listener of `messages.rs`; a mail's text decoded.
impl SmtpServer {
    /// The text of the next mail (its body decoded), waiting at most 30 seconds for it.
    async fn next_text(&mut self) -> String {
        body_text(&self.next().await.data)
    }
}

/// The body of a single-part mail, undoing its transfer encoding (a Spanish text is not ASCII,
/// so it comes as quoted-printable or base64).
fn body_text(data: &str) -> String {
    let (head, body) = data.split_once("\r\n\r\n").expect("headers, then a body");
    let encoding = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-transfer-encoding:")
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_default();
    match encoding.as_str() {
        "base64" => {
            let joined: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(joined)
                    .unwrap(),
            )
            .unwrap()
        }
        "quoted-printable" => {
            let unfolded = body.replace("=\r\n", "");
            let bytes = unfolded.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'=' && i + 2 < bytes.len() {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            String::from_utf8(out).unwrap()
        }
        _ => body.to_string(),
    }
}

/// A browser whose every request asks for `accept` (as a browser set to that language).
fn browser_in(app: &TestApp, accept: &str) -> Browser {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let config =
        patient_portal::tls::client_config(&[app.data_dir.join("localhost-cert.pem")]).unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_LANGUAGE,
        reqwest::header::HeaderValue::from_str(accept).unwrap(),
    );
    let client = reqwest::Client::builder()
        .use_preconfigured_tls(config)
        .cookie_provider(jar.clone())
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Browser { client, jar }
}

const SPANISH_RESULTS: &str = "Hay información nueva esperándole en su portal del paciente.";
const ENGLISH_RESULTS: &str = "New information is waiting for you in your patient portal.";

/// A portal that mails through `smtp`, with patient A's record linked to their account.
async fn portal(smtp: &SmtpServer, more: &[&str]) -> (TestApp, String) {
    let mut extra_args = vec![smtp.url()];
    extra_args.extend(more.iter().map(|s| s.to_string()));
    let app = spawn_app_with(Options {
        extra_args,
        ..Default::default()
    })
    .await;
    let id = app.seed(&records(1)[0]).await;
    app.link(&id, &PATIENT_A).await;
    (app, id)
}

/// Patient A signs in with browser `b` and opens their messages (which keeps their address for
/// notifications).
async fn sign_in(app: &TestApp, b: &Browser) {
    app.sign_in_as(b, &PATIENT_A).await;
    assert_eq!(app.get(b, "/messages").await.status(), 200);
}

/// An import tells patient A that new results arrived (the next notification they get).
async fn announce_results(app: &TestApp, patient_id: &str) {
    let mut tx = app.pool.begin().await.unwrap();
    assert!(
        patient_portal::notifications::new_results(&mut tx, patient_id)
            .await
            .unwrap(),
        "a notice is queued"
    );
    tx.commit().await.unwrap();
}

async fn seen_language(app: &TestApp) -> Option<String> {
    sqlx::query_scalar("SELECT language FROM account_seen_languages WHERE b2c_subject = $1")
        .bind(PATIENT_A.subject)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_patient_who_reads_in_spanish_gets_mail_in_spanish_without_choosing() {
    let mut smtp = SmtpServer::start().await;
    let (app, id) = portal(&smtp, &[]).await;
    let b = browser_in(&app, "es-MX,es;q=0.9,en;q=0.5");
    sign_in(&app, &b).await;
    assert_eq!(seen_language(&app).await.as_deref(), Some("es"));
    // Not a choice: nothing kept on the account, no cookie set by the sign-in.
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM account_languages")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(kept, 0);
    assert!(!b
        .jar
        .as_ref()
        .cookies(&app.url("/").parse().unwrap())
        .is_some_and(|c| c.to_str().unwrap().contains("__Host-portal-lang")));

    announce_results(&app, &id).await;
    let text = smtp.next_text().await;
    assert!(text.contains(SPANISH_RESULTS), "{text}");
    assert!(
        text.contains("Inicie sesión para verlo: https://"),
        "{text}"
    );
}

#[tokio::test]
async fn a_choice_of_english_kept_on_the_account_wins_over_a_spanish_browser() {
    let mut smtp = SmtpServer::start().await;
    let (app, id) = portal(&smtp, &[]).await;
    // In one browser the patient chooses English with the switch.
    let first = browser_in(&app, "es");
    sign_in(&app, &first).await;
    let token = csrf(&app, &first).await;
    let resp = post(
        &app,
        &first,
        "/language",
        &[("language", "en"), ("csrf_token", token.as_str())],
    )
    .await;
    assert_eq!(resp.status(), 303);
    // The next sign-in is in another browser, Spanish, that never saw the choice: it is the
    // last seen language, and the kept choice still wins.
    let other = browser_in(&app, "es");
    sign_in(&app, &other).await;
    assert_eq!(seen_language(&app).await.as_deref(), Some("es"));

    announce_results(&app, &id).await;
    let text = smtp.next_text().await;
    assert!(text.contains(ENGLISH_RESULTS), "{text}");
}

#[tokio::test]
async fn a_sign_in_in_the_pseudo_language_records_nothing() {
    let mut smtp = SmtpServer::start().await;
    let (app, id) = portal(&smtp, &["--pseudo-language=true"]).await;
    let b = browser_in(&app, "en-XA");
    sign_in(&app, &b).await;
    let page = app.get(&b, "/messages").await.text().await.unwrap();
    assert!(page.contains("lang=\"en-XA\""), "the pseudo language is on");
    assert_eq!(seen_language(&app).await, None);

    announce_results(&app, &id).await;
    let text = smtp.next_text().await;
    assert!(
        text.contains(ENGLISH_RESULTS),
        "the default language: {text}"
    );
}

#[tokio::test]
async fn an_invitation_to_an_unknown_address_is_in_the_inviter_s_language() {
    let mut smtp = SmtpServer::start().await;
    let (app, _) = portal(&smtp, &[]).await;
    let b = browser_in(&app, "es");
    sign_in(&app, &b).await;
    let token = csrf(&app, &b).await;
    let resp = post(
        &app,
        &b,
        "/account/proxies",
        &[
            ("csrf_token", token.as_str()),
            ("email", "someone.new@example.com"),
            ("ends_on", ""),
            ("scope", "record"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let text = smtp.next_text().await;
    assert!(
        text.contains("Alguien le ha invitado a ayudar con su atención"),
        "{text}"
    );
}

#[tokio::test]
async fn a_sign_in_whose_language_cannot_be_remembered_still_completes() {
    let smtp = SmtpServer::start().await;
    let (app, _) = portal(&smtp, &[]).await;
    sqlx::query("DROP TABLE account_seen_languages")
        .execute(&app.pool)
        .await
        .unwrap();
    let b = browser_in(&app, "es");
    assert_eq!(app.sign_in_as(&b, &PATIENT_A).await, "/home");
    let page = app.get(&b, "/home").await;
    assert_eq!(page.status(), 200, "signed in");
}

#[tokio::test]
async fn a_clinician_who_reads_in_spanish_gets_mail_in_spanish() {
    let mut smtp = SmtpServer::start().await;
    let (app, _) = portal(&smtp, &[]).await;
    // The sign-in puts the clinician and their address in the directory.
    let b = browser_in(&app, "es");
    app.sign_in_as(&b, &CLINICIAN).await;
    let mut tx = app.pool.begin().await.unwrap();
    patient_portal::notifications::enqueue(
        &mut tx,
        patient_portal::notifications::Kind::NewMessage,
        "casey.clinician@example.com",
        "/staff/messages",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let text = smtp.next_text().await;
    assert!(
        text.contains("Tiene un mensaje nuevo en su portal del paciente."),
        "{text}"
    );
}
