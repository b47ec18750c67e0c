//! `kill -9` of a portal under load (issue #11, item 2): the real binary serves a signed-in
//! patient's record to concurrent requests, is killed with SIGKILL mid-load, and then the chain
//! verifies and every page view that was answered is in the audit trail (an answer means its
//! entry was committed with `synchronous=FULL` first).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sqlx::Row;

use crate::support::*;

/// How many record pages must have been answered before the portal is killed.
const ANSWERED_BEFORE_KILL: usize = 120;
const CLIENTS: usize = 8;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The portal binary on the test app's database, data dir (keys, certificate) and provider,
/// listening on its own port.
/// The portal binary, killed when the test ends however it ends: a test that panics before its
/// own SIGKILL (the binary never became ready, say) must not leave a portal running.
struct Binary(std::process::Child);

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_binary(app: &TestApp, port: u16) -> std::process::Child {
    portal_command(&app.data_dir)
        .args([
            format!("--public-url=https://localhost:{port}"),
            format!("--listen=127.0.0.1:{port}"),
            format!("--data-dir={}", app.data_dir.display()),
            format!(
                "--database-url=sqlite://{}?mode=rwc",
                app.data_dir.join("portal.sqlite").display()
            ),
            format!("--extra-ca-file={}", app.idp.cert.display()),
            format!("--b2c-instance={}", app.idp.instance()),
            format!("--b2c-domain={DOMAIN}"),
            format!("--b2c-client-id={CLIENT_ID}"),
            format!("--b2c-client-secret={CLIENT_SECRET}"),
            format!("--b2c-susi-policy={SUSI}"),
            format!("--b2c-edit-policy={EDIT}"),
            "serve".to_string(),
        ])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the portal binary starts")
}

async fn views_of(app: &TestApp, subject: &str) -> i64 {
    sqlx::query(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'view_record' AND actor_subject = $1",
    )
    .bind(subject)
    .fetch_one(&app.pool)
    .await
    .unwrap()
    .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kill_9_under_load_the_chain_verifies_and_every_answered_view_is_audited() {
    // Arrange: a patient signed in through the test app; the binary serves the same database,
    // so the same session and keys.
    let app = spawn_app().await;
    let record = &patient_portal::demo::demo_patients(1, 11, chrono::Utc::now().date_naive())[0];
    let id = app.seed(record).await;
    app.link(&id, &PATIENT_A).await;
    let b = app.browser();
    app.sign_in_as(&b, &PATIENT_A).await;
    let port = free_port();
    let mut child = Binary(spawn_binary(&app, port));
    let base = format!("https://localhost:{port}");
    let mut ready = false;
    for _ in 0..600 {
        if let Ok(r) = b.client.get(format!("{base}/readyz")).send().await {
            if r.status() == 200 {
                ready = true;
                break;
            }
        }
        if let Ok(Some(status)) = child.0.try_wait() {
            panic!("the portal binary exited: {status}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ready, "the portal binary never became ready");
    assert_eq!(
        b.client
            .get(format!("{base}/records"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let before = views_of(&app, PATIENT_A.subject).await;

    // Act: concurrent clients load /records; once enough pages are answered, SIGKILL.
    let answered = Arc::new(AtomicUsize::new(0));
    let enough = Arc::new(tokio::sync::Notify::new());
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (client, url) = (b.client.clone(), format!("{base}/records"));
            let (answered, enough) = (answered.clone(), enough.clone());
            tokio::spawn(async move {
                let mut unexpected = Vec::new();
                while let Ok(r) = client.get(&url).send().await {
                    if r.status() != 200 {
                        unexpected.push(r.status().as_u16());
                        break;
                    }
                    // Read the whole page: a response counts once it has arrived.
                    if r.bytes().await.is_err() {
                        break;
                    }
                    if answered.fetch_add(1, Ordering::SeqCst) + 1 == ANSWERED_BEFORE_KILL {
                        enough.notify_one();
                    }
                }
                unexpected
            })
        })
        .collect();
    enough.notified().await;
    child.0.kill().expect("SIGKILL"); // std's Child::kill sends SIGKILL on Unix
    child.0.wait().unwrap();
    let acknowledged = answered.load(Ordering::SeqCst);
    for c in futures_util::future::join_all(clients).await {
        assert_eq!(
            c.unwrap(),
            Vec::<u16>::new(),
            "only whole pages before the kill"
        );
    }

    // Assert: the chain verifies (`audit verify`, another process), and no answered view is
    // missing; at most the views in flight at the kill were committed without an answer.
    let out = portal_command(&app.data_dir)
        .args(["audit", "verify"])
        .env("PORTAL_DATA_DIR", &app.data_dir)
        .env(
            "DATABASE_URL",
            format!(
                "sqlite://{}?mode=rwc",
                app.data_dir.join("portal.sqlite").display()
            ),
        )
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let written = (views_of(&app, PATIENT_A.subject).await - before) as usize;
    let answered_total = answered.load(Ordering::SeqCst);
    assert!(acknowledged >= ANSWERED_BEFORE_KILL);
    assert!(
        written >= answered_total,
        "{answered_total} views answered, {written} audited"
    );
    assert!(
        written <= answered_total + CLIENTS,
        "{written} audited for {answered_total} answered by {CLIENTS} clients"
    );
}
