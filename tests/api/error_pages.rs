//! Error pages know who is signed in: a clinician or a patient sees their own header (name,
//! the sign-out form) on a 403 or 404, never the "Sign in" link a stranger sees.

use patient_portal::demo::demo_patients;

use crate::support::*;

/// The page is the portal's error page with `who`'s header and no "Sign in" link.
fn assert_own_header(page: &str, who: &Person) {
    let doc = scraper::Html::parse_document(page);
    let select = |css: &str| {
        let sel = scraper::Selector::parse(css).unwrap();
        doc.select(&sel).count()
    };
    assert!(
        page.contains(who.name),
        "{}'s name in the header: {page}",
        who.name
    );
    assert_eq!(
        select("header form[action='/signout'] button"),
        1,
        "a sign-out button: {page}"
    );
    assert_eq!(
        select("header form[action='/signout'] input[name=csrf_token]"),
        1,
        "the sign-out form carries the token"
    );
    assert_eq!(select("a[href='/signin']"), 0, "no Sign in link: {page}");
}

#[tokio::test]
async fn a_clinicians_error_pages_show_their_own_header() {
    let app = spawn_app().await;
    let id = app
        .seed(&demo_patients(1, 41, chrono::Utc::now().date_naive())[0])
        .await;
    let b = signed_in(&app, &CLINICIAN).await;

    let resp = app.get(&b, "/no-such-page").await;
    assert_eq!(resp.status(), 404);
    let page = resp.text().await.unwrap();
    assert_own_header(&page, &CLINICIAN);
    assert!(page.contains("href=\"/staff\""), "the clinician's own menu");

    // A patient's page (403, from the extractor) and a chart outside the care team (403,
    // from `access`).
    for path in ["/records".to_string(), format!("/staff/patients/{id}")] {
        let resp = app.get(&b, &path).await;
        assert_eq!(resp.status(), 403, "{path}");
        assert_own_header(&resp.text().await.unwrap(), &CLINICIAN);
    }
}

#[tokio::test]
async fn a_patients_error_pages_show_their_own_header() {
    let app = spawn_app().await;
    let id = app
        .seed(&demo_patients(1, 42, chrono::Utc::now().date_naive())[0])
        .await;
    app.link(&id, &PATIENT_A).await;
    let b = signed_in(&app, &PATIENT_A).await;

    let resp = app.get(&b, "/staff").await;
    assert_eq!(resp.status(), 403);
    assert_own_header(&resp.text().await.unwrap(), &PATIENT_A);

    let resp = app.get(&b, "/records/no-such-section").await;
    assert_eq!(resp.status(), 404);
    let page = resp.text().await.unwrap();
    assert_own_header(&page, &PATIENT_A);
    assert!(page.contains("href=\"/records\""), "the patient's own menu");
}

#[tokio::test]
async fn the_503_page_of_a_refused_audit_entry_shows_the_patients_own_header() {
    let app = spawn_app().await;
    let id = app
        .seed(&demo_patients(1, 43, chrono::Utc::now().date_naive())[0])
        .await;
    app.link(&id, &PATIENT_A).await;
    let b = signed_in(&app, &PATIENT_A).await;
    sqlx::query(
        "CREATE TRIGGER audit_full BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    let resp = app.get(&b, "/records").await;
    assert_eq!(resp.status(), 503);
    assert_own_header(&resp.text().await.unwrap(), &PATIENT_A);
}

/// Sends raw `requests` over one TLS connection (no HTTP client would send a 200 KB address)
/// and returns each response's head and body, read by Content-Length.
fn exchange(port: u16, ca: std::path::PathBuf, requests: &[Vec<u8>]) -> Vec<(String, String)> {
    use std::io::{Read, Write};
    let config = patient_portal::tls::client_config(&[ca]).unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(std::sync::Arc::new(config), name).unwrap();
    let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let mut answers = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    for request in requests {
        tls.write_all(request).unwrap();
        tls.flush().unwrap();
        let head_end = loop {
            if let Some(i) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 8192];
            let n = tls
                .read(&mut chunk)
                .expect("a response, not a dropped connection");
            assert!(n > 0, "the connection closed without a response");
            pending.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&pending[..head_end]).to_string();
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap())
            })
            .expect("a Content-Length");
        while pending.len() < head_end + length {
            let mut chunk = [0u8; 8192];
            let n = tls.read(&mut chunk).unwrap();
            assert!(n > 0, "the body was cut short");
            pending.extend_from_slice(&chunk[..n]);
        }
        let body = String::from_utf8_lossy(&pending[head_end..head_end + length]).to_string();
        pending.drain(..head_end + length);
        answers.push((head, body));
    }
    answers
}

/// Every over-long address gets the 414 page with the portal's headers: just over the limit,
/// 64 KiB (too long for actix-web to parse: a bare 400 before) and 200 KB (beyond what it reads
/// of a request head: a dropped connection before), also on a connection that has already
/// served a request, which goes on serving after.
#[tokio::test]
async fn an_address_of_any_length_gets_the_414_page() {
    let app = spawn_app().await;
    let request =
        |target: &str| format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n").into_bytes();
    let over = |len: usize| format!("/signin?returnUrl=/{}", "a".repeat(len));
    let requests = vec![
        request("/healthz"),
        request(&over(8 * 1024)),
        request(&over(64 * 1024)),
        request(&over(200 * 1000)),
        request(&format!("/records?x={}", "b".repeat(100 * 1024))),
        request("/healthz"),
    ];
    let (port, ca) = (app.port, app.data_dir.join("localhost-cert.pem"));
    let answers = tokio::task::spawn_blocking(move || exchange(port, ca, &requests))
        .await
        .unwrap();
    assert!(answers[0].0.starts_with("HTTP/1.1 200"), "{}", answers[0].0);
    for (head, body) in &answers[1..5] {
        assert!(head.starts_with("HTTP/1.1 414"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-security-policy"),
            "the portal's headers: {head}"
        );
        assert!(body.contains("This address is too long"), "{body}");
    }
    assert!(answers[5].0.starts_with("HTTP/1.1 200"), "{}", answers[5].0);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_logins")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0, "no sign-in was started");
}

/// The limit's edge: an address of exactly 8 KiB is served, one byte more is the 414 page
/// (whichever of the connection reader and the guard sees it first).
#[tokio::test]
async fn an_address_of_exactly_the_limit_is_served_and_one_byte_more_is_refused() {
    let app = spawn_app().await;
    let b = app.browser();
    let target = |len: usize| {
        let base = "/healthz?x=";
        format!("{base}{}", "a".repeat(len - base.len()))
    };
    let at = b
        .client
        .get(app.url(&target(8 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(at.status(), 200, "8 KiB is within the limit");
    let over = b
        .client
        .get(app.url(&target(8 * 1024 + 1)))
        .send()
        .await
        .unwrap();
    assert_eq!(over.status(), 414, "one byte more is not");
}
