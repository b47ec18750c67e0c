//! Secure messages: a patient writes with an attachment, the care team reads and answers, both
//! are told by e-mail (through a real SMTP listener) without any health information, and
//! nobody else reaches a conversation or its files.

use std::time::Duration;

use patient_portal::demo::demo_patients;
use patient_portal::records::model::PatientRecord;
use sqlx::Row;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use crate::support::*;

// ---------------------------------------------------------------------------------------------
// A tiny SMTP server: enough of RFC 5321 for lettre (EHLO, MAIL, RCPT, DATA, QUIT), no auth.

#[derive(Debug, Clone)]
pub(crate) struct Mail {
    to: Vec<String>,
    pub(crate) data: String,
}

pub(crate) struct SmtpServer {
    port: u16,
    mails: mpsc::UnboundedReceiver<Mail>,
}

impl SmtpServer {
    pub(crate) async fn start() -> SmtpServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, mails) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, tx.clone()));
            }
        });
        SmtpServer { port, mails }
    }

    pub(crate) fn url(&self) -> String {
        format!("--smtp-url=smtp://127.0.0.1:{}", self.port)
    }

    /// The next mail, waiting at most 30 seconds for it.
    pub(crate) async fn next(&mut self) -> Mail {
        tokio::time::timeout(Duration::from_secs(30), self.mails.recv())
            .await
            .expect("a mail arrives within 30 s")
            .expect("the SMTP server is running")
    }
}

async fn session(stream: tokio::net::TcpStream, tx: mpsc::UnboundedSender<Mail>) {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let _ = w.write_all(b"220 test-smtp ESMTP\r\n").await;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250-test-smtp\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("MAIL FROM") {
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO") {
            to.push(line[8..].trim().to_string());
            b"250 OK\r\n"
        } else if upper.starts_with("DATA") {
            let _ = w.write_all(b"354 go ahead\r\n").await;
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if r.read_line(&mut l).await.unwrap_or(0) == 0 {
                    return;
                }
                if l == ".\r\n" {
                    break;
                }
                data.push_str(&l);
            }
            let _ = tx.send(Mail {
                to: to.clone(),
                data,
            });
            b"250 queued\r\n"
        } else if upper.starts_with("QUIT") {
            let _ = w.write_all(b"221 bye\r\n").await;
            return;
        } else if upper.starts_with("RSET") || upper.starts_with("NOOP") {
            b"250 OK\r\n"
        } else {
            b"502 not implemented\r\n"
        };
        if w.write_all(reply).await.is_err() {
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Forms as a browser sends them: multipart/form-data, built by hand so tests can also send
// what no browser would.

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend_from_slice(&[0u8; 64]);
    v
}

struct File<'a> {
    name: &'a str,
    content_type: &'a str,
    bytes: Vec<u8>,
}

fn multipart(fields: &[(&str, &str)], files: &[File<'_>]) -> (String, Vec<u8>) {
    let boundary = "----portal-test-boundary-7d93a1";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    for f in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                f.name, f.content_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(&f.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_multipart(
    app: &TestApp,
    b: &Browser,
    path: &str,
    fields: &[(&str, &str)],
    files: &[File<'_>],
) -> reqwest::Response {
    let (content_type, body) = multipart(fields, files);
    b.client
        .post(app.url(path))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

// ---------------------------------------------------------------------------------------------

struct World {
    app: TestApp,
    record: PatientRecord,
    patient_id: String,
    patient: Browser,
    clinician: Browser,
}

/// A portal with patient A (linked) on clinician C's care team, both signed in.
async fn world(extra_args: Vec<String>) -> World {
    world_with(Options {
        extra_args,
        ..Default::default()
    })
    .await
}

async fn world_with(options: Options) -> World {
    let app = spawn_app_with(options).await;
    let record = demo_patients(1, 11, chrono::Utc::now().date_naive()).remove(0);
    let patient_id = app.seed(&record).await;
    app.link(&patient_id, &PATIENT_A).await;
    app.add_to_care_team(&patient_id, &CLINICIAN).await;
    let patient = app.browser();
    app.sign_in_as(&patient, &PATIENT_A).await;
    let clinician = app.browser();
    app.sign_in_as(&clinician, &CLINICIAN).await;
    // The clinician's first staff page puts them (and their address) in the directory.
    assert_eq!(app.get(&clinician, "/staff").await.status(), 200);
    World {
        app,
        record,
        patient_id,
        patient,
        clinician,
    }
}

const SUBJECT: &str = "Cholesterol result question";
const BODY: &str = "My LDL result looks high.\nShould I worry about my statin dose?";

/// The patient writes (with a PDF); returns the thread's URL path.
async fn patient_writes(w: &World) -> String {
    let token = csrf(&w.app, &w.patient).await;
    let resp = post_multipart(
        &w.app,
        &w.patient,
        "/messages",
        &[
            ("csrf_token", &token),
            ("category", "result"),
            ("subject", SUBJECT),
            ("body", BODY),
        ],
        &[File {
            name: "lab-report.pdf",
            content_type: "application/pdf",
            bytes: PDF.to_vec(),
        }],
    )
    .await;
    assert_eq!(resp.status(), 303, "the message is sent");
    let to = location(&resp).to_string();
    assert!(to.starts_with("/messages/"), "{to}");
    // On the new message, which says it was sent (as after a reply).
    let (thread, landing) = to.split_once('?').expect("?sent= on the thread's address");
    let (sent, fragment) = landing
        .split_once('#')
        .expect("a fragment naming the message");
    let message = sent.strip_prefix("sent=").expect("sent=");
    assert_eq!(fragment, format!("message-{message}"));
    let page = w.app.get(&w.patient, &to).await.text().await.unwrap();
    assert!(page.contains("Message sent."), "the new thread confirms it");
    thread.to_string()
}

fn thread_id(path: &str) -> String {
    path.trim_start_matches("/messages/").to_string()
}

/// The href of the first attachment link in a page.
fn attachment_link(page: &str) -> String {
    let doc = scraper::Html::parse_document(page);
    let sel = scraper::Selector::parse("ul.attachments a").unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("href"))
        .expect("an attachment link")
        .to_string()
}

fn assert_no_health_information(mail: &Mail, w: &World) {
    let data = mail.data.to_lowercase();
    assert!(
        data.contains("you have a new message in your patient portal"),
        "{}",
        mail.data
    );
    let mut phi: Vec<String> = vec![
        SUBJECT.into(),
        "cholesterol".into(),
        "ldl".into(),
        "statin".into(),
        "lab-report".into(),
        PATIENT_A.name.into(),
        CLINICIAN.name.into(),
        w.record.patient.given.clone(),
        w.record.patient.family.clone(),
        w.patient_id.clone(),
    ];
    phi.extend(w.record.conditions.iter().map(|c| c.code.display.clone()));
    for word in phi {
        assert!(
            !data.contains(&word.to_lowercase()),
            "the notification mail carries {word:?}:\n{}",
            mail.data
        );
    }
}

#[tokio::test]
async fn a_patient_writes_with_an_attachment_and_the_care_team_answers() {
    let mut smtp = SmtpServer::start().await;
    let w = world(vec![smtp.url()]).await;

    let thread = patient_writes(&w).await;
    let id = thread_id(&thread);

    // The patient sees their message, line breaks kept, text escaped.
    let page = w.app.get(&w.patient, &thread).await.text().await.unwrap();
    assert!(
        page.contains("My LDL result looks high.<br>Should I worry"),
        "{page}"
    );
    let link = attachment_link(&page);

    // The care team is told by e-mail: that a message is waiting, nothing more.
    let mail = smtp.next().await;
    assert!(
        mail.to
            .iter()
            .any(|t| t.contains("casey.clinician@example.com")),
        "{:?}",
        mail.to
    );
    assert_no_health_information(&mail, &w);
    assert!(mail
        .data
        .contains(&format!("https://localhost:{}/staff/messages", w.app.port)));

    // The clinician sees one unread conversation in the header and the inbox.
    let home = w
        .app
        .get(&w.clinician, "/staff")
        .await
        .text()
        .await
        .unwrap();
    assert!(home.contains("(1 unread)"), "{home}");
    let inbox = w
        .app
        .get(&w.clinician, "/staff/messages")
        .await
        .text()
        .await
        .unwrap();
    // (Tera escapes the slashes of the link; the id is what matters.)
    assert!(inbox.contains(&id), "the conversation is in the team inbox");
    assert!(!inbox.contains(SUBJECT), "the inbox lists no message text");

    // Reading it marks it read for the team.
    let staff_thread = format!("/staff/messages/{id}");
    let page = w
        .app
        .get(&w.clinician, &staff_thread)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(SUBJECT));
    let staff_link = attachment_link(&page);
    assert_eq!(staff_link, format!("/staff{link}"));
    let home = w
        .app
        .get(&w.clinician, "/staff")
        .await
        .text()
        .await
        .unwrap();
    assert!(!home.contains("unread)"), "read now");

    // The attachment downloads as a file, never inline, never sniffed, never cached.
    let resp = w.app.get(&w.clinician, &staff_link).await;
    assert_eq!(resp.status(), 200);
    let header = |n: &str| resp.headers().get(n).unwrap().to_str().unwrap().to_string();
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(
        header("content-disposition"),
        r#"attachment; filename="lab-report.pdf""#
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("cache-control"), "no-store");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), PDF);

    // The clinician answers; the patient is told, and sees one unread conversation.
    let token = csrf(&w.app, &w.clinician).await;
    let resp = post_multipart(
        &w.app,
        &w.clinician,
        &format!("{staff_thread}/reply"),
        &[
            ("csrf_token", &token),
            ("body", "Your dose is fine. <b>See you soon</b>."),
        ],
        &[],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let mail = smtp.next().await;
    assert!(
        mail.to
            .iter()
            .any(|t| t.contains("alex.patient@example.com")),
        "{:?}",
        mail.to
    );
    assert_no_health_information(&mail, &w);
    let summary = w
        .app
        .get(&w.patient, "/records")
        .await
        .text()
        .await
        .unwrap();
    assert!(summary.contains("(1 unread)"), "{summary}");
    let page = w.app.get(&w.patient, &thread).await.text().await.unwrap();
    assert!(
        page.contains("&lt;b&gt;See you soon&lt;&#x2F;b&gt;")
            || page.contains("&lt;b&gt;See you soon&lt;/b&gt;"),
        "escaped: {page}"
    );
    assert!(page.contains("Casey Clinician (care team)"));

    // Assign and close, as the inbox's workflow.
    for action in ["assign", "done"] {
        let resp = post(
            &w.app,
            &w.clinician,
            &format!("{staff_thread}/update"),
            &[("csrf_token", &token), ("action", action)],
        )
        .await;
        assert_eq!(resp.status(), 303, "{action}");
    }
    let mine = w
        .app
        .get(&w.clinician, "/staff/messages?status=done&mine=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(mine.contains(&id), "assigned to me and done");
    let open = w
        .app
        .get(&w.clinician, "/staff/messages")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !open.contains(&staff_thread),
        "done threads leave the open list"
    );

    // Every read and write is in the audit trail, and the patient's access log names the
    // clinician who read the message.
    let rows = w.app.audit_rows().await;
    let by = |action: &str, who: &str| {
        rows.iter().any(|(a, s, p, _)| {
            a == action && s.as_deref() == Some(who) && p.as_deref() == Some(w.patient_id.as_str())
        })
    };
    assert!(by("send_message", PATIENT_A.subject));
    assert!(by("read_messages", CLINICIAN.subject));
    assert!(by("download_attachment", CLINICIAN.subject));
    assert!(by("send_message", CLINICIAN.subject));
    assert!(by("update_message", CLINICIAN.subject));
    let log = w
        .app
        .get(&w.patient, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    assert!(log.contains("Casey Clinician"), "{log}");
    assert!(log.contains("Read your messages"), "{log}");

    // Nothing of the messages reached the log.
    let logs = logs();
    for secret in [
        "LDL result",
        "statin",
        "See you soon",
        "alex.patient@example.com",
    ] {
        assert!(!logs.contains(secret), "the log carries {secret:?}");
    }
}

#[tokio::test]
async fn nobody_else_reaches_a_conversation_or_its_files() {
    let w = world(vec![]).await;
    let thread = patient_writes(&w).await;
    let id = thread_id(&thread);
    let page = w.app.get(&w.patient, &thread).await.text().await.unwrap();
    let link = attachment_link(&page);
    let attachment_id = link.rsplit('/').next().unwrap().to_string();

    // Another patient, with a record of their own.
    let other = demo_patients(2, 12, chrono::Utc::now().date_naive()).remove(1);
    let other_id = w.app.seed(&other).await;
    w.app.link(&other_id, &PATIENT_B).await;
    let b = w.app.browser();
    w.app.sign_in_as(&b, &PATIENT_B).await;
    let token_b = csrf(&w.app, &b).await;
    for path in [thread.clone(), link.clone()] {
        assert_eq!(w.app.get(&b, &path).await.status(), 404, "{path}");
    }
    let resp = post_multipart(
        &w.app,
        &b,
        &format!("{thread}/reply"),
        &[("csrf_token", &token_b), ("body", "I am not the patient")],
        &[],
    )
    .await;
    assert_eq!(resp.status(), 404);
    // The staff side is for clinicians only.
    for path in [
        format!("/staff/messages/{id}"),
        format!("/staff{link}"),
        "/staff/messages".into(),
    ] {
        assert_eq!(w.app.get(&b, &path).await.status(), 403, "{path}");
    }
    // Probing another patient's thread ids is not recorded as reading or sending messages.
    assert!(
        !w.app.audit_rows().await.iter().any(|(a, s, _, _)| {
            s.as_deref() == Some(PATIENT_B.subject)
                && ["send_message", "read_messages", "download_attachment"].contains(&a.as_str())
        }),
        "no message audit entries for the prober"
    );
    let list = w.app.get(&b, "/messages").await.text().await.unwrap();
    assert!(!list.contains(SUBJECT));

    // A clinician outside the care team: 403 (with the break-the-glass offer) everywhere.
    let outsider = w.app.browser();
    w.app.sign_in_as(&outsider, &OTHER_CLINICIAN).await;
    let token_o = csrf(&w.app, &outsider).await;
    for path in [format!("/staff/messages/{id}"), format!("/staff{link}")] {
        let resp = w.app.get(&outsider, &path).await;
        assert_eq!(resp.status(), 403, "{path}");
        assert!(!resp.text().await.unwrap().contains(SUBJECT));
    }
    let resp = post_multipart(
        &w.app,
        &outsider,
        &format!("/staff/messages/{id}/reply"),
        &[("csrf_token", &token_o), ("body", "Not my patient")],
        &[],
    )
    .await;
    assert_eq!(resp.status(), 403);
    let resp = post(
        &w.app,
        &outsider,
        &format!("/staff/messages/{id}/update"),
        &[("csrf_token", &token_o), ("action", "assign")],
    )
    .await;
    assert_eq!(resp.status(), 403);
    let inbox = w
        .app
        .get(&outsider, "/staff/messages")
        .await
        .text()
        .await
        .unwrap();
    assert!(!inbox.contains(&id), "not in the outsider's inbox");
    // Patient-side URLs are not a clinician's.
    assert_eq!(w.app.get(&outsider, &thread).await.status(), 403);
    // An attachment id under another thread id finds nothing.
    let wrong = format!("/messages/{}/attachments/{attachment_id}", uuid_like());
    assert_eq!(w.app.get(&w.patient, &wrong).await.status(), 404);

    // Only the patient's own messages were written.
    assert_eq!(count(&w.app, "SELECT COUNT(*) FROM messages").await, 1);
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) FROM message_threads WHERE assigned_to IS NOT NULL"
        )
        .await,
        0
    );
}

fn uuid_like() -> String {
    "00000000-0000-4000-8000-000000000000".into()
}

#[tokio::test]
async fn disguised_oversized_and_too_many_files_are_refused_and_nothing_is_stored() {
    let w = world(vec![]).await;
    let token = csrf(&w.app, &w.patient).await;
    let fields = [
        ("csrf_token", token.as_str()),
        ("subject", "Scan"),
        ("body", "See the attached file"),
    ];
    // An HTML page named and declared as a PDF.
    let disguised = File {
        name: "scan.pdf",
        content_type: "application/pdf",
        bytes: b"<html><script>alert(1)</script></html>".to_vec(),
    };
    let resp = post_multipart(&w.app, &w.patient, "/messages", &fields, &[disguised]).await;
    assert_eq!(resp.status(), 415);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("PDF documents or PNG or JPEG pictures"),
        "{page}"
    );
    // One byte over 10 MB, behind a valid PDF header.
    let mut big = PDF.to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let oversized = File {
        name: "big.pdf",
        content_type: "application/pdf",
        bytes: big,
    };
    let resp = post_multipart(&w.app, &w.patient, "/messages", &fields, &[oversized]).await;
    assert_eq!(resp.status(), 413);
    assert!(resp.text().await.unwrap().contains("at most 10 MB"));
    // A good file first and a bad one after it: the good one is not kept either.
    let files = [
        File {
            name: "ok.png",
            content_type: "image/png",
            bytes: png(),
        },
        File {
            name: "run.exe",
            content_type: "image/png",
            bytes: b"MZ\x90\x00\x03".to_vec(),
        },
    ];
    let resp = post_multipart(&w.app, &w.patient, "/messages", &fields, &files).await;
    assert_eq!(resp.status(), 415);
    // Four files.
    let four: Vec<File> = (0..4)
        .map(|_| File {
            name: "p.png",
            content_type: "image/png",
            bytes: png(),
        })
        .collect();
    let resp = post_multipart(&w.app, &w.patient, "/messages", &fields, &four).await;
    assert_eq!(resp.status(), 413);
    // A multipart form without the CSRF token.
    let resp = post_multipart(&w.app, &w.patient, "/messages", &fields[1..], &[]).await;
    assert_eq!(resp.status(), 400);
    // Too long a message.
    let long = "x".repeat(5001);
    let resp = post_multipart(
        &w.app,
        &w.patient,
        "/messages",
        &[("csrf_token", &token), ("subject", "Long"), ("body", &long)],
        &[],
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("too long"));

    for table in [
        "message_threads",
        "messages",
        "message_attachments",
        "notification_queue",
    ] {
        assert_eq!(
            count(&w.app, &format!("SELECT COUNT(*) FROM {table}")).await,
            0,
            "nothing stored in {table}"
        );
    }
    assert!(
        !w.app
            .audit_rows()
            .await
            .iter()
            .any(|(a, _, _, _)| a == "send_message"),
        "a refused message is not a sent one"
    );
}

#[tokio::test]
async fn without_a_mail_server_mails_go_to_the_development_outbox_and_patients_can_opt_out() {
    let w = world(vec![]).await;
    patient_writes(&w).await;
    // The sender runs after the commit; wait (bounded) until it has delivered to the outbox.
    let mut delivered = 0;
    for _ in 0..100 {
        delivered = count(
            &w.app,
            "SELECT COUNT(*) FROM notification_queue WHERE delivered_via = 'outbox'",
        )
        .await;
        if delivered > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(delivered, 1, "one mail, to the one care-team clinician");
    let outbox = w.app.get(&w.clinician, "/dev/outbox").await;
    assert_eq!(outbox.status(), 200);
    let page = outbox.text().await.unwrap();
    assert!(page.contains("You have a new message in your patient portal"));
    assert!(page.contains("casey.clinician@example.com"));
    assert!(!page.contains(SUBJECT) && !page.contains("LDL"));

    // The patient turns notifications off on /account: a reply queues nothing for them.
    let account = w
        .app
        .get(&w.patient, "/account")
        .await
        .text()
        .await
        .unwrap();
    assert!(account.contains("E-mail notifications are <strong>on</strong>"));
    let token = csrf_in(&account);
    let resp = post(
        &w.app,
        &w.patient,
        "/account/notifications",
        &[("csrf_token", &token), ("enabled", "off")],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let account = w
        .app
        .get(&w.patient, "/account")
        .await
        .text()
        .await
        .unwrap();
    assert!(account.contains("E-mail notifications are <strong>off</strong>"));
    let resp = post(
        &w.app,
        &w.patient,
        "/account/notifications",
        &[("enabled", "on")],
    )
    .await;
    assert_eq!(resp.status(), 400, "the setting needs the CSRF token");

    let id = sqlx::query("SELECT id FROM message_threads")
        .fetch_one(&w.app.pool)
        .await
        .unwrap()
        .get::<String, _>(0);
    let token = csrf(&w.app, &w.clinician).await;
    let resp = post_multipart(
        &w.app,
        &w.clinician,
        &format!("/staff/messages/{id}/reply"),
        &[("csrf_token", &token), ("body", "Answer")],
        &[],
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) FROM notification_queue WHERE recipient LIKE 'alex%'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn the_outbox_does_not_exist_with_a_mail_server() {
    let smtp = SmtpServer::start().await;
    let w = world(vec![smtp.url()]).await;
    assert_eq!(w.app.get(&w.patient, "/dev/outbox").await.status(), 404);
}

#[tokio::test]
async fn a_failed_send_never_fails_the_page_and_is_retried_after_a_backoff() {
    // A mail server that is not there: the port was free a moment ago.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let w = world(vec![format!("--smtp-url=smtp://127.0.0.1:{dead_port}")]).await;
    patient_writes(&w).await;
    let mut attempts = 0;
    for _ in 0..200 {
        attempts = count(
            &w.app,
            "SELECT COALESCE(MAX(attempts), 0) FROM notification_queue WHERE sent_at IS NULL",
        )
        .await;
        if attempts > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(attempts, 1, "one failed attempt, kept for a retry");
    let wait = count(
        &w.app,
        "SELECT next_attempt_at - created_at FROM notification_queue",
    )
    .await;
    assert!(
        wait >= 30,
        "retried after a backoff, not at once ({wait} s)"
    );
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) FROM notification_queue WHERE failed_at IS NULL"
        )
        .await,
        1,
        "not given up"
    );
}

#[tokio::test]
async fn mails_queued_before_a_restart_are_sent_after_it() {
    // A production portal without a mail server keeps its mails in the queue...
    let key_dir = tempfile::tempdir().unwrap();
    let key = key_dir.path().join("audit.key");
    std::fs::write(&key, "17".repeat(32)).unwrap();
    let key_arg = format!("--audit-key-file={}", key.display());
    let w = world(vec!["--environment=production".into(), key_arg.clone()]).await;
    patient_writes(&w).await;
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) FROM notification_queue WHERE sent_at IS NULL"
        )
        .await,
        1
    );
    // ...and an instance started on the same database with one sends them.
    let mut smtp = SmtpServer::start().await;
    let db = format!(
        "sqlite://{}?mode=rwc",
        w.app.data_dir.join("portal.sqlite").display()
    );
    let _restarted = spawn_app_with(Options {
        database_url: Some(db),
        extra_args: vec![smtp.url(), key_arg],
        ..Default::default()
    })
    .await;
    let mail = smtp.next().await;
    assert!(mail
        .data
        .contains("You have a new message in your patient portal"));
    assert!(mail
        .to
        .iter()
        .any(|t| t.contains("casey.clinician@example.com")));
}

#[tokio::test]
async fn the_export_carries_messages_as_fhir_communications() {
    let w = world(vec![]).await;
    let thread = patient_writes(&w).await;
    let id = thread_id(&thread);
    let token = csrf(&w.app, &w.clinician).await;
    let resp = post_multipart(
        &w.app,
        &w.clinician,
        &format!("/staff/messages/{id}/reply"),
        &[("csrf_token", &token), ("body", "Fine as it is.")],
        &[],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let resp = w.app.get(&w.patient, "/records/export").await;
    assert_eq!(resp.status(), 200);
    let body = resp.bytes().await.unwrap();
    // CI validates this export with fhir.resources (see .ci/run).
    if let Some(dir) = std::env::var_os("FHIR_EXPORT_DIR") {
        std::fs::write(
            std::path::Path::new(&dir).join("portal-export-messages.json"),
            &body,
        )
        .unwrap();
    }
    let bundle: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let comms: Vec<&serde_json::Value> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == "Communication")
        .collect();
    assert_eq!(comms.len(), 2);
    let patient_url = bundle["entry"][0]["fullUrl"].as_str().unwrap();
    assert_eq!(comms[0]["subject"]["reference"], patient_url);
    assert_eq!(comms[0]["sender"]["reference"], patient_url);
    assert_eq!(comms[0]["topic"]["text"], SUBJECT);
    assert_eq!(comms[0]["payload"][0]["contentString"], BODY);
    let attachment = &comms[0]["payload"][1]["contentAttachment"];
    assert_eq!(attachment["contentType"], "application/pdf");
    assert!(attachment["url"]
        .as_str()
        .unwrap()
        .contains("/attachments/"));
    assert_eq!(comms[1]["recipient"][0]["reference"], patient_url);
    assert_eq!(
        comms[1]["inResponseTo"][0]["reference"],
        format!("urn:uuid:{}", comms[0]["id"].as_str().unwrap())
    );
}

#[tokio::test]
async fn an_unlinked_patient_is_sent_to_activate_and_clinicians_cannot_use_the_patient_form() {
    let app = spawn_app().await;
    let b = app.browser();
    app.sign_in_as(&b, &PATIENT_B).await;
    let resp = app.get(&b, "/messages").await;
    assert_redirect_to(&resp, "/activate");
    let c = app.browser();
    app.sign_in_as(&c, &CLINICIAN).await;
    assert_eq!(app.get(&c, "/messages/new").await.status(), 403);
    assert_eq!(app.get(&c, "/messages/not-a-uuid!").await.status(), 403);
}

#[tokio::test]
async fn the_demo_patient_has_a_conversation_with_an_unread_answer() {
    let app = spawn_app().await;
    patient_portal::demo::seed::demo_data(&app.pool)
        .await
        .unwrap()
        .expect("an empty database is seeded");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM message_threads WHERE patient_unread = 1"
        )
        .await,
        1
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages").await, 2);
    let demo = patient_portal::b2c_emulator::DEMO_USERS
        .iter()
        .find(|u| u.role.is_none())
        .unwrap();
    let who = Person {
        subject: demo.oid,
        name: "Demo Patient",
        clinician: false,
    };
    let b = app.browser();
    app.sign_in_as(&b, &who).await;
    let summary = app.get(&b, "/records").await.text().await.unwrap();
    assert!(
        summary.contains("(1 unread)"),
        "the header shows the unread answer"
    );
    let list = app.get(&b, "/messages").await.text().await.unwrap();
    assert!(list.contains("Question about my latest blood test"));
    // The demo account and its record name the same person.
    let account_name = format!("{} {}", demo.given_name, demo.surname);
    assert!(
        summary.contains(&account_name),
        "the demo record is {account_name}'s"
    );
    let generated =
        &patient_portal::demo::demo_patients(1, patient_portal::demo::seed::DEMO_SEED, today())[0]
            .patient;
    assert!(
        !summary.contains(&generated.display_name()),
        "not the generated {}",
        generated.display_name()
    );
}

/// A fresh PostgreSQL database for one test (named apart from tests/postgres.rs's, whose
/// clean-up must not drop it mid-run), or None off CI without PostgreSQL.
async fn postgres_database() -> Option<(sqlx::AnyPool, String, String)> {
    let pg = Postgres::connect("PostgreSQL message test").await?;
    let (name, url) = pg.create_database("portal_msgtest").await;
    Some((pg.admin, name, url))
}

#[tokio::test]
async fn messages_and_notifications_work_on_postgres() {
    let Some((admin, name, url)) = postgres_database().await else {
        return;
    };
    let mut smtp = SmtpServer::start().await;
    let w = world_with(Options {
        database_url: Some(url),
        extra_args: vec![smtp.url()],
        ..Default::default()
    })
    .await;
    let thread = patient_writes(&w).await;
    let id = thread_id(&thread);
    let mail = smtp.next().await;
    assert_no_health_information(&mail, &w);
    let inbox = w
        .app
        .get(&w.clinician, "/staff/messages")
        .await
        .text()
        .await
        .unwrap();
    assert!(inbox.contains(&id) && inbox.contains("(1 unread)"));
    let page = w
        .app
        .get(&w.clinician, &format!("/staff/messages/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let link = attachment_link(&page);
    let file = w.app.get(&w.clinician, &link).await;
    assert_eq!(file.status(), 200);
    assert_eq!(file.bytes().await.unwrap().as_ref(), PDF);
    let token = csrf(&w.app, &w.clinician).await;
    let resp = post_multipart(
        &w.app,
        &w.clinician,
        &format!("/staff/messages/{id}/reply"),
        &[("csrf_token", &token), ("body", "Answer")],
        &[],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let mail = smtp.next().await;
    assert!(mail
        .to
        .iter()
        .any(|t| t.contains("alex.patient@example.com")));
    let export = w
        .app
        .get(&w.patient, "/records/export")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(export.matches("\"Communication\"").count(), 2);
    w.app.pool.close().await;
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&admin)
        .await;
}

#[tokio::test]
async fn message_forms_need_the_sessions_own_token() {
    let w = world(vec![]).await;
    let thread = patient_writes(&w).await;
    let id = thread_id(&thread);
    let staff_thread = format!("/staff/messages/{id}");
    // A session the forger holds: its token is valid, but not for this browser.
    let forger = w.app.browser();
    w.app.sign_in_as(&forger, &OTHER_CLINICIAN).await;
    let foreign = csrf(&w.app, &forger).await;
    let messages = || count(&w.app, "SELECT COUNT(*) FROM messages");
    let before = messages().await;

    // The urlencoded update form (`CsrfForm`).
    for form in [
        vec![("action", "done")],
        vec![("csrf_token", foreign.as_str()), ("action", "done")],
    ] {
        let resp = post(
            &w.app,
            &w.clinician,
            &format!("{staff_thread}/update"),
            &form,
        )
        .await;
        assert_eq!(resp.status(), 400, "{form:?}");
    }
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) FROM message_threads WHERE status = 'done'"
        )
        .await,
        0,
        "the conversation is still open"
    );

    // The multipart replies (their own check), on both sides.
    for (b, path) in [
        (&w.clinician, format!("{staff_thread}/reply")),
        (&w.patient, format!("{thread}/reply")),
    ] {
        for fields in [
            vec![("body", "Forged")],
            vec![("csrf_token", foreign.as_str()), ("body", "Forged")],
        ] {
            let resp = post_multipart(&w.app, b, &path, &fields, &[]).await;
            assert_eq!(resp.status(), 400, "{path} {fields:?}");
        }
    }
    assert_eq!(messages().await, before, "nothing was sent");
}

#[tokio::test]
async fn a_page_view_with_an_unchanged_address_writes_nothing_and_a_new_address_is_kept() {
    // The notification address is remembered on page views: only a change may cost a write.
    let app = spawn_app().await;
    let remember = |email: &'static str| {
        patient_portal::notifications::remember_contact(&app.pool, "subject-1", Some(email))
    };
    remember("a@example.com").await.unwrap();
    sqlx::query("UPDATE notification_contacts SET updated_at = 0")
        .execute(&app.pool)
        .await
        .unwrap();
    remember("a@example.com").await.unwrap();
    let unchanged = count(
        &app,
        "SELECT COUNT(*) FROM notification_contacts WHERE updated_at = 0 AND email = 'a@example.com'",
    )
    .await;
    assert_eq!(unchanged, 1, "the same address rewrote the row");
    remember("b@example.com").await.unwrap();
    let kept = count(
        &app,
        "SELECT COUNT(*) FROM notification_contacts WHERE updated_at > 0 AND email = 'b@example.com'",
    )
    .await;
    assert_eq!(kept, 1, "a new address was not kept");
}

#[tokio::test]
async fn a_reply_lands_on_the_new_message_which_says_it_was_sent() {
    let w = world(vec![]).await;
    let thread = patient_writes(&w).await;
    let id = thread_id(&thread);
    let staff_thread = format!("/staff/messages/{id}");
    let selector = |s: &str| scraper::Selector::parse(s).unwrap();
    let mut sent = Vec::new();

    for (b, url, body) in [
        (&w.clinician, &staff_thread, "Your dose is fine."),
        (&w.patient, &thread, "Thank you for the answer."),
    ] {
        let token = csrf(&w.app, b).await;
        let resp = post_multipart(
            &w.app,
            b,
            &format!("{url}/reply"),
            &[("csrf_token", &token), ("body", body)],
            &[],
        )
        .await;
        assert_eq!(resp.status(), 303, "{url}");

        // The redirect names the new message: the thread, scrolled to it.
        let to = location(&resp).to_string();
        let (path, fragment) = to.split_once('#').expect("a fragment");
        let message = fragment.strip_prefix("message-").expect("a message anchor");
        assert_eq!(path, format!("{url}?sent={message}"));

        // That message is the fragment's target, focusable (the browser moves focus to it, no
        // script), and it alone says it was sent, as a status.
        let page = w.app.get(b, path).await.text().await.unwrap();
        let doc = scraper::Html::parse_document(&page);
        let target = doc
            .select(&selector(&format!("article[id=\"{fragment}\"]")))
            .next()
            .unwrap_or_else(|| panic!("no #{fragment} in {page}"));
        assert_eq!(target.value().attr("tabindex"), Some("-1"));
        assert!(target.text().any(|t| t.contains(body)), "{page}");
        let statuses: Vec<String> = doc
            .select(&selector("[role=status]"))
            .map(|s| s.text().collect::<String>())
            .collect();
        assert_eq!(statuses, ["Message sent."], "{page}");
        let inside: Vec<_> = target.select(&selector("[role=status]")).collect();
        assert_eq!(inside.len(), 1, "the status is on the new message");
        assert_eq!(
            target.value().attr("aria-describedby"),
            inside[0].value().attr("id")
        );
        sent.push((b, url, message.to_string()));
    }

    // A plain view confirms nothing, nor does `sent` naming the other side's message, or none.
    let (clinician_reply, patient_reply) = (&sent[0].2, &sent[1].2);
    for (b, path) in [
        (&w.patient, thread.clone()),
        (&w.patient, format!("{thread}?sent={clinician_reply}")),
        (&w.clinician, format!("{staff_thread}?sent={patient_reply}")),
        (&w.clinician, format!("{staff_thread}?sent=nothing")),
    ] {
        let resp = w.app.get(b, &path).await;
        assert_eq!(resp.status(), 200, "{path}");
        let page = resp.text().await.unwrap();
        assert!(!page.contains("Message sent."), "{path}: {page}");
        assert!(!page.contains("tabindex=\"-1\" aria-describedby"), "{path}");
    }
}

// ---------------------------------------------------------------------------------------------
// New results from `patient-portal import`: one mail that says only that something is waiting.

/// The world's record as a later import brings it: one more lab result, and a report holding it.
fn with_new_results(record: &PatientRecord) -> PatientRecord {
    let mut next = record.clone();
    let mut result = next
        .observations
        .iter()
        .find(|o| o.category == patient_portal::records::model::ObservationCategory::Laboratory)
        .expect("the demo record has a lab result")
        .clone();
    result.fhir_id = uuid::Uuid::new_v4().to_string();
    result.effective = chrono::Utc::now() - chrono::Duration::hours(1);
    if let Some(report) = next.reports.first() {
        let mut report = report.clone();
        report.fhir_id = uuid::Uuid::new_v4().to_string();
        report.results = vec![result.fhir_id.clone()];
        next.reports.push(report);
    }
    next.observations.push(result);
    next
}

/// Runs `patient-portal import` on the record as a FHIR bundle, beside the running portal, as
/// an operator does.
fn import(app: &TestApp, record: &PatientRecord) {
    import_into(app, None, record)
}

/// As `import`, into the database at `database_url` when the portal's is not the SQLite file.
fn import_into(app: &TestApp, database_url: Option<&str>, record: &PatientRecord) {
    let mut command = app.portal_command();
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    let path = app
        .data_dir
        .join(format!("bundle-{}.json", uuid::Uuid::new_v4()));
    let bundle = patient_portal::records::export_bundle(record);
    std::fs::write(&path, bundle.to_string()).unwrap();
    let out = command.arg("import").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn new_results_notices(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM notification_queue WHERE kind = 'new_results'",
    )
    .await
}

#[tokio::test]
async fn an_import_that_adds_results_mails_the_patient_once_without_health_information() {
    let mut smtp = SmtpServer::start().await;
    let w = world(vec![smtp.url()]).await;
    // A page of theirs keeps the patient's address from their sign-in.
    assert_eq!(w.app.get(&w.patient, "/messages").await.status(), 200);

    // The record as it is stored already: nothing new, no mail.
    import(&w.app, &w.record);
    assert_eq!(new_results_notices(&w.app).await, 0, "nothing new, no mail");

    // New results arrive: one mail, to the patient.
    let next = with_new_results(&w.record);
    assert!(!next.reports.is_empty(), "the demo record has a report");
    import(&w.app, &next);
    assert_eq!(new_results_notices(&w.app).await, 1);
    let mail = smtp.next().await;
    assert_eq!(mail.to, vec!["<alex.patient@example.com>".to_string()]);
    let data = mail.data.to_lowercase();
    assert!(
        data.contains("new information is waiting for you in your patient portal"),
        "{}",
        mail.data
    );
    assert!(data.contains("/home"), "it links to the home page");
    let new_result = next.observations.last().unwrap();
    let new_report = next.reports.last().unwrap();
    let mut phi: Vec<String> = vec![
        // Even that results arrived says that tests were done.
        "result".into(),
        PATIENT_A.name.into(),
        w.record.patient.given.clone(),
        w.record.patient.family.clone(),
        w.record.patient.mrn.value.clone(),
        w.patient_id.clone(),
        new_result.code.display.clone(),
        new_result.code.code.clone(),
        new_report.code.display.clone(),
    ];
    if let patient_portal::records::model::ObservationValue::Quantity(q) = &new_result.value {
        phi.push(format!(" {} ", q.value));
        phi.push(q.unit.clone());
    }
    // What a person reads: the subject and the text (the other headers hold dates and ids).
    let (headers, body) = data.split_once("\r\n\r\n").expect("headers, then the text");
    let subject = headers
        .lines()
        .find(|l| l.starts_with("subject:"))
        .expect("a subject");
    for word in phi {
        let word = word.to_lowercase();
        assert!(
            !body.contains(&word) && !subject.contains(&word),
            "the notice carries {word:?}:\n{}",
            mail.data
        );
    }

    // The same bundle again adds nothing: still the one notice.
    import(&w.app, &next);
    assert_eq!(
        new_results_notices(&w.app).await,
        1,
        "a repeat mails nothing"
    );
}

#[tokio::test]
async fn new_results_mail_nobody_for_an_unlinked_record_or_a_patient_who_opted_out() {
    let w = world(vec![]).await;
    assert_eq!(w.app.get(&w.patient, "/messages").await.status(), 200);

    // A record no account is linked to gains results: there is nobody to tell.
    let unlinked = demo_patients(2, 12, chrono::Utc::now().date_naive()).remove(1);
    w.app.seed(&unlinked).await;
    import(&w.app, &with_new_results(&unlinked));
    assert_eq!(
        new_results_notices(&w.app).await,
        0,
        "no mail for an unlinked record"
    );

    // The linked patient turns notifications off on /account; their new results mail nothing.
    let token = csrf(&w.app, &w.patient).await;
    let resp = post(
        &w.app,
        &w.patient,
        "/account/notifications",
        &[("csrf_token", &token), ("enabled", "off")],
    )
    .await;
    assert_eq!(resp.status(), 303);
    import(&w.app, &with_new_results(&w.record));
    assert_eq!(
        new_results_notices(&w.app).await,
        0,
        "no mail after opting out"
    );
    let stored = count(
        &w.app,
        "SELECT COUNT(*) FROM observations o JOIN patients p ON p.id = o.patient_id \
         WHERE p.b2c_subject IS NOT NULL",
    )
    .await;
    assert_eq!(
        stored as usize,
        w.record.observations.len() + 1,
        "the results were stored all the same"
    );
}

#[tokio::test]
async fn new_results_are_told_on_postgres() {
    let Some((admin, name, url)) = postgres_database().await else {
        return;
    };
    let mut smtp = SmtpServer::start().await;
    let w = world_with(Options {
        database_url: Some(url.clone()),
        extra_args: vec![smtp.url()],
        ..Default::default()
    })
    .await;
    assert_eq!(w.app.get(&w.patient, "/messages").await.status(), 200);

    import_into(&w.app, Some(&url), &w.record);
    assert_eq!(new_results_notices(&w.app).await, 0, "nothing new, no mail");
    import_into(&w.app, Some(&url), &with_new_results(&w.record));
    assert_eq!(new_results_notices(&w.app).await, 1);
    let mail = smtp.next().await;
    assert!(
        mail.data.contains("New information is waiting"),
        "{}",
        mail.data
    );

    w.app.pool.close().await;
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&admin)
        .await;
}

// ---------------------------------------------------------------------------------------------
// Attachments as bytes, and the cap on upload bytes in flight (#28).

/// A PDF of `len` bytes whose content changes byte by byte (so a chunk in the wrong order or
/// a base64 round trip would show).
fn big_pdf(len: usize) -> Vec<u8> {
    let mut bytes = PDF.to_vec();
    bytes.extend((0..len - PDF.len()).map(|i| (i * 31 % 251) as u8));
    bytes
}

/// The patient writes with `file` attached; returns the response.
async fn patient_writes_with(w: &World, file: Vec<u8>) -> reqwest::Response {
    let token = csrf(&w.app, &w.patient).await;
    post_multipart(
        &w.app,
        &w.patient,
        "/messages",
        &[
            ("csrf_token", &token),
            ("subject", "Scan of my letter"),
            ("body", "Here it is."),
        ],
        &[File {
            name: "letter.pdf",
            content_type: "application/pdf",
            bytes: file,
        }],
    )
    .await
}

/// What is stored for attachments: bytes in chunks, and base64 text (none for new files).
async fn stored_attachment_bytes(app: &TestApp) -> (i64, i64) {
    let chunks = count(
        app,
        "SELECT CAST(COALESCE(SUM(LENGTH(data)), 0) AS BIGINT) FROM message_attachment_chunks",
    )
    .await;
    let base64 = count(
        app,
        "SELECT CAST(COALESCE(SUM(LENGTH(data)), 0) AS BIGINT) FROM message_attachments",
    )
    .await;
    (chunks, base64)
}

/// A 3 MB file (several chunks) is stored as its own size and downloaded byte for byte, by the
/// patient and by the care team.
async fn an_attachment_round_trips(w: &World) {
    let file = big_pdf(3 * 1000 * 1000 + 7);
    let resp = patient_writes_with(w, file.clone()).await;
    assert_eq!(resp.status(), 303, "the message is sent");
    let thread = location(&resp).to_string();

    assert_eq!(
        stored_attachment_bytes(&w.app).await,
        (file.len() as i64, 0),
        "stored as the file's bytes, not base64 (4/3 of them)"
    );

    let page = w.app.get(&w.patient, &thread).await.text().await.unwrap();
    let link = attachment_link(&page);
    let download = w.app.get(&w.patient, &link).await;
    assert_eq!(download.status(), 200);
    assert_eq!(
        download.headers()["content-length"].to_str().unwrap(),
        file.len().to_string()
    );
    assert_eq!(download.headers()["cache-control"], "no-store");
    assert!(download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert!(
        download.bytes().await.unwrap() == file,
        "the patient's copy"
    );

    let id = thread_id(&thread);
    let page = w
        .app
        .get(&w.clinician, &format!("/staff/messages/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let download = w.app.get(&w.clinician, &attachment_link(&page)).await;
    assert_eq!(download.status(), 200);
    assert!(
        download.bytes().await.unwrap() == file,
        "the care team's copy"
    );
    assert_no_spool_left(&w.app);
}

/// The files of a form are spooled under the data dir's `uploads/` only while it is handled.
fn assert_no_spool_left(app: &TestApp) {
    let left = std::fs::read_dir(app.data_dir.join("uploads"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 0, "no spool file outlives its request");
}

#[tokio::test]
async fn attachments_are_stored_as_bytes_and_come_back_byte_for_byte() {
    let w = world(vec![]).await;
    an_attachment_round_trips(&w).await;
}

#[tokio::test]
async fn attachments_are_stored_as_bytes_and_come_back_byte_for_byte_on_postgres() {
    let Some((admin, name, url)) = postgres_database().await else {
        return;
    };
    let w = world_with(Options {
        database_url: Some(url),
        ..Default::default()
    })
    .await;
    an_attachment_round_trips(&w).await;
    w.app.pool.close().await;
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&admin)
        .await;
}

#[tokio::test]
async fn an_attachment_stored_as_base64_before_the_change_is_still_downloaded() {
    use base64::Engine as _;
    let w = world(vec![]).await;
    let thread = patient_writes(&w).await;
    let id = thread_id(&thread);
    // A file as migration 0008 stored it: base64 in the attachment's row, no chunks.
    let old = big_pdf(300 * 1000);
    let message_id: String = sqlx::query_scalar("SELECT id FROM messages WHERE thread_id = $1")
        .bind(&id)
        .fetch_one(&w.app.pool)
        .await
        .unwrap();
    let old_id = uuid_like();
    sqlx::query(
        "INSERT INTO message_attachments (id, message_id, thread_id, file_name, content_type, size, data) \
         VALUES ($1, $2, $3, 'old.pdf', 'application/pdf', $4, $5)",
    )
    .bind(&old_id)
    .bind(&message_id)
    .bind(&id)
    .bind(old.len() as i64)
    .bind(base64::engine::general_purpose::STANDARD.encode(&old))
    .execute(&w.app.pool)
    .await
    .unwrap();

    let download = w
        .app
        .get(&w.patient, &format!("{thread}/attachments/{old_id}"))
        .await;
    assert_eq!(download.status(), 200);
    assert!(download.bytes().await.unwrap() == old);
    // The new file of the same message comes from its chunks.
    let page = w.app.get(&w.patient, &thread).await.text().await.unwrap();
    assert!(page.contains("old.pdf"), "both files are listed");
}

#[tokio::test]
async fn past_the_upload_bytes_in_flight_a_new_upload_gets_503_with_retry_after_and_nothing_is_stored(
) {
    let w = world(vec!["--upload-bytes-in-flight=1048576".into()]).await;

    // A form of 2 MB cannot be held within a budget of 1 MiB.
    let resp = patient_writes_with(&w, big_pdf(2 * 1000 * 1000)).await;
    assert_eq!(resp.status(), 503);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let page = resp.text().await.unwrap();
    assert!(page.contains("Your message was not sent"), "{page}");
    assert!(page.contains("try again"), "{page}");
    for table in [
        "message_threads",
        "messages",
        "message_attachments",
        "message_attachment_chunks",
        "notification_queue",
    ] {
        assert_eq!(
            count(&w.app, &format!("SELECT COUNT(*) FROM {table}")).await,
            0,
            "nothing stored in {table}"
        );
    }
    assert!(
        !w.app
            .audit_rows()
            .await
            .iter()
            .any(|(a, _, _, _)| a == "send_message"),
        "a refused message is not a sent one"
    );

    // Forms that fit are taken, one after the other: each gives its bytes back when done
    // (two of 900 kB would not fit in 1 MiB together).
    for _ in 0..2 {
        let resp = patient_writes_with(&w, big_pdf(900 * 1000)).await;
        assert_eq!(resp.status(), 303, "a form within the budget is sent");
    }
    assert_eq!(
        stored_attachment_bytes(&w.app).await.0,
        2 * 900 * 1000,
        "both stored"
    );
    assert_no_spool_left(&w.app);
}

#[test]
fn a_bad_upload_bytes_in_flight_stops_the_start_with_one_sentence() {
    for bad in ["64MB", "0", "-1"] {
        let dir = tempfile::tempdir().unwrap();
        let out = portal_command(dir.path())
            .env("PORTAL_DATA_DIR", dir.path())
            .env("PORTAL_UPLOAD_BYTES_IN_FLIGHT", bad)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains("PORTAL_UPLOAD_BYTES_IN_FLIGHT"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}

/// A conversation's page in Spanish (#31): its labels, buttons and the reply form from the
/// message files; the patient's own words and the clinician's are shown as written. The care
/// teams' inbox too.
#[tokio::test]
async fn a_conversation_reads_in_spanish() {
    let w = world(vec![]).await;
    let thread = patient_writes(&w).await;
    let page = crate::languages::get_in(&w.app, &w.patient, &thread, "es")
        .await
        .text()
        .await
        .unwrap();
    crate::languages::assert_spanish(&page, &thread);
    assert!(page.contains("Enviar respuesta"), "{page}");
    assert!(
        page.contains(SUBJECT),
        "the subject as the patient wrote it"
    );
    let inbox = crate::languages::get_in(&w.app, &w.clinician, "/staff/messages", "es")
        .await
        .text()
        .await
        .unwrap();
    crate::languages::assert_spanish(&inbox, "/staff/messages");
    assert!(inbox.contains("Mensajes de sus pacientes"), "{inbox}");
}

/// A recipient who chose no language gets mail in PORTAL_DEFAULT_LANGUAGE, not always in
/// English (#31): the clinician's account has no choice kept, the portal's default is Spanish.
#[tokio::test]
async fn mail_to_someone_without_a_chosen_language_is_in_the_default_language() {
    let mut smtp = SmtpServer::start().await;
    let w = world(vec![smtp.url(), "--default-language=es".into()]).await;

    let token = csrf(&w.app, &w.patient).await;
    let form = [
        ("csrf_token", token.as_str()),
        ("category", "result"),
        ("subject", SUBJECT),
        ("body", BODY),
    ];
    let resp = post_multipart(&w.app, &w.patient, "/messages", &form, &[]).await;
    assert_eq!(resp.status(), 303, "the message is sent");

    let mail = smtp.next().await;
    assert!(
        mail.to
            .iter()
            .any(|t| t.contains("casey.clinician@example.com")),
        "{:?}",
        mail.to
    );
    assert!(
        mail.data
            .contains("Tiene un mensaje nuevo en su portal del paciente."),
        "{}",
        mail.data
    );
    assert!(
        !mail.data.contains("You have a new message"),
        "{}",
        mail.data
    );
}

/// What a conversation is about reads in the page's language (#31): the new-message form's
/// choices and a conversation's category on the list, in Spanish.
#[tokio::test]
async fn a_conversation_s_category_reads_in_spanish() {
    let w = world(vec![]).await;
    patient_writes(&w).await;
    let list = crate::languages::get_in(&w.app, &w.patient, "/messages", "es")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("Pregunta sobre un resultado"), "{list}");
    assert!(!list.contains("Question about a result"), "{list}");
    let form = crate::languages::get_in(&w.app, &w.patient, "/messages/new", "es")
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains(">Pregunta general</option>"), "{form}");
    assert!(!form.contains("General question"), "{form}");
}
