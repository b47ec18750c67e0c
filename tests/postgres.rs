//! The same storage, sessions and audit chain on PostgreSQL.
//!
//! Needs PORTAL_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test); each test
//! creates its own fresh database there. Without the variable the tests say so and do nothing,
//! so `cargo test` passes on a laptop without PostgreSQL; with CI=true a missing variable or an
//! unreachable server fails the run.

#[path = "api/support.rs"]
mod support;

use sqlx::Row;
use support::*;

static CLEANED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// A fresh, empty database for one test, or None (with a message) off CI without PostgreSQL.
async fn fresh_database() -> Option<String> {
    let pg = Postgres::connect("PostgreSQL tests").await?;
    // Databases left by earlier runs go once per run (this process's own are made after).
    CLEANED
        .get_or_init(|| pg.drop_databases_left_by_earlier_runs("portal_test"))
        .await;
    Some(pg.create_database("portal_test").await.1)
}

#[tokio::test]
async fn records_import_idempotently_on_postgres() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let pool = patient_portal::db::connect(&url)
        .await
        .expect("migrations apply on PostgreSQL");
    let records = patient_portal::demo::demo_patients(2, 11, today());
    let (first, counts) = patient_portal::records::store::save_record(&pool, &records[0])
        .await
        .unwrap();
    let (again, _) = patient_portal::records::store::save_record(&pool, &records[0])
        .await
        .unwrap();
    assert_eq!(first, again, "the same patient keeps its id");
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM observations WHERE patient_id = $1")
        .bind(&first)
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        n as usize, counts.observations,
        "importing twice changes nothing"
    );
    // The kinds of migration 0006, read back in the pages' order.
    for (table, expected) in [
        ("procedures", counts.procedures),
        ("care_plans", counts.care_plans),
        ("goals", counts.goals),
        ("diagnostic_reports", counts.reports),
        ("imaging_studies", counts.imaging_studies),
    ] {
        let rows = sqlx::query(&format!(
            "SELECT item FROM {table} WHERE patient_id = $1 \
             ORDER BY occurred_at IS NULL, occurred_at DESC, fhir_id"
        ))
        .bind(&first)
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(rows.len(), expected, "{table}");
    }
    assert!(counts.procedures > 0 && counts.care_plans > 0 && counts.reports > 0);
    let patients: i64 = sqlx::query("SELECT COUNT(*) FROM patients")
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(patients, 1);
}

#[tokio::test]
async fn concurrent_appends_from_two_instances_leave_one_chain() {
    let Some(url) = fresh_database().await else {
        return;
    };
    // Two "instances": two pools, each with its own writer, one key.
    let key = patient_portal::audit::AuditKey::generate();
    let a = patient_portal::db::connect(&url).await.unwrap();
    let b = patient_portal::db::connect(&url).await.unwrap();
    patient_portal::audit::start(&a, key.clone()).await.unwrap();
    patient_portal::audit::start(&b, key.clone()).await.unwrap();
    let entry = |i: usize| patient_portal::audit::Entry {
        actor: patient_portal::audit::Actor {
            subject: Some(format!("subject-{i}")),
            role: "patient".into(),
        },
        action: patient_portal::audit::Action::ViewRecord,
        patient_id: Some("p".into()),
        outcome: patient_portal::audit::Outcome::Success,
        detail: Some("summary".into()),
        request_id: None,
        client_ip: None,
    };
    let writes = (0..400).map(|i| {
        let pool = if i % 2 == 0 { a.clone() } else { b.clone() };
        let e = entry(i);
        tokio::spawn(async move { patient_portal::audit::append(&pool, &e).await })
    });
    for w in futures_util::future::join_all(writes).await {
        w.unwrap().expect("append");
    }
    assert!(matches!(
        patient_portal::audit::verify(&a, &key, &[]).await.unwrap(),
        patient_portal::audit::Verification::Whole { entries: 400, .. }
    ));
}

#[tokio::test]
async fn the_portal_signs_in_and_audits_on_postgres() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let app = spawn_app_with(Options {
        database_url: Some(url),
        ..Default::default()
    })
    .await;
    let record = &patient_portal::demo::demo_patients(1, 3, today())[0];
    let id = app.seed(record).await;
    app.link(&id, &PATIENT_A).await;
    let b = app.browser();
    app.sign_in_as(&b, &PATIENT_A).await;
    let views = (0..50).map(|_| b.client.get(app.url("/records/access-log")).send());
    for r in futures_util::future::join_all(views).await {
        assert_eq!(r.unwrap().status(), 200);
    }
    let key = patient_portal::audit::AuditKey::load(&app.data_dir.join("audit.key")).unwrap();
    assert!(matches!(
        patient_portal::audit::verify(&app.pool, &key, &[])
            .await
            .unwrap(),
        patient_portal::audit::Verification::Whole { .. }
    ));
    // Sign-out revokes the session in the PostgreSQL store too.
    let page = assert_signed_in(&app, &b).await;
    let resp = b
        .client
        .post(app.url("/signout"))
        .form(&[("csrf_token", csrf_in(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_signed_out(&app, &b).await;
}

#[tokio::test]
async fn staff_search_ignores_accents_and_case_on_postgres() {
    use patient_portal::staff::search::{search, Query};
    let Some(url) = fresh_database().await else {
        return;
    };
    let pool = patient_portal::db::connect(&url)
        .await
        .expect("migrations apply on PostgreSQL");
    let mut record = patient_portal::demo::demo_patients(1, 11, today()).remove(0);
    record.patient.given = "María".into();
    record.patient.family = "Guzmán".into();
    record.patient.mrn.value = "MRN-Ab12c".into();
    let (id, _) = patient_portal::records::store::save_record(&pool, &record)
        .await
        .unwrap();
    // A row as migration 0007 leaves it, before start-up fills its keys.
    sqlx::query(
        "INSERT INTO patients (id, fhir_id, mrn, given_name, family_name, given_lower, family_lower, birth_date, sex, item) \
         VALUES ('old-1', 'old-fhir-1', 'MRN-Old9', 'Zoë', 'Ñúñez', 'zoë', 'ñúñez', '1950-01-02', 'female', '{}')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let finds = |q: &'static str, who: String| {
        let pool = pool.clone();
        async move {
            let query = Query::parse(q).unwrap();
            search(&pool, &query, 1)
                .await
                .unwrap()
                .rows
                .iter()
                .any(|r| r.id == who)
        }
    };
    assert!(!finds("nunez", "old-1".into()).await);

    let filled = patient_portal::records::search_keys::fill_missing(&pool)
        .await
        .unwrap();

    assert_eq!(filled, 1);
    for q in ["guzman", "GUZMAN, maria", "María Guzmán", "mrn-ab12c"] {
        assert!(finds(q, id.clone()).await, "{q}");
    }
    assert!(finds("zoe nunez", "old-1".into()).await);
    assert!(finds("MRN-OLD9", "old-1".into()).await);
}

/// A TCP proxy in front of PostgreSQL that the test can cut (every connection dropped, new
/// ones refused) and restore: PostgreSQL going away and coming back, without touching the
/// shared server.
struct CuttableProxy {
    port: u16,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    links: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl CuttableProxy {
    async fn start(upstream: String) -> Self {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let links = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (c, l) = (cut.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if c.load(Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                l.lock().unwrap().push(task.abort_handle());
            }
        });
        Self { port, cut, links }
    }

    fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.cut.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_portal_recovers_by_itself_when_postgresql_goes_away_and_comes_back_under_load() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    let Some(url) = fresh_database().await else {
        return;
    };
    // Arrange: the portal reaches PostgreSQL only through the proxy; a patient is signed in.
    let mut direct = url::Url::parse(&url).unwrap();
    let upstream = format!(
        "{}:{}",
        direct.host_str().unwrap(),
        direct.port().unwrap_or(5432)
    );
    let proxy = CuttableProxy::start(upstream).await;
    direct.set_port(Some(proxy.port)).unwrap();
    let app = spawn_app_with(Options {
        database_url: Some(direct.to_string()),
        ..Default::default()
    })
    .await;
    let record = &patient_portal::demo::demo_patients(1, 5, today())[0];
    let id = app.seed(record).await;
    app.link(&id, &PATIENT_A).await;
    let b = Arc::new(app.browser());
    app.sign_in_as(&b, &PATIENT_A).await;
    let rows_before: i64 =
        sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'view_access_log'")
            .fetch_one(&app.pool)
            .await
            .unwrap()
            .get(0);

    // Load: four clients reading the access log until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, refused) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let load: Vec<_> = (0..4)
        .map(|_| {
            let (b, stop, ok, refused) = (b.clone(), stop.clone(), ok.clone(), refused.clone());
            let url = app.url("/records/access-log");
            tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    match b.client.get(&url).send().await.map(|r| r.status().as_u16()) {
                        Ok(200) => ok.fetch_add(1, Ordering::SeqCst),
                        _ => refused.fetch_add(1, Ordering::SeqCst),
                    };
                }
            })
        })
        .collect();
    let wait_until = |what: &'static str, cond: Box<dyn Fn() -> bool + Send>| async move {
        // Bounded: a portal that never recovers fails the test instead of hanging it.
        for _ in 0..600 {
            if cond() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("gave up waiting: {what}");
    };
    let o = ok.clone();
    wait_until(
        "pages served before the outage",
        Box::new(move || o.load(Ordering::SeqCst) > 20),
    )
    .await;

    // Act: PostgreSQL goes away, requests are refused; then it comes back.
    proxy.cut();
    let r = refused.clone();
    wait_until(
        "requests refused during the outage",
        Box::new(move || r.load(Ordering::SeqCst) > 10),
    )
    .await;
    proxy.restore();
    let served_at_restore = ok.load(Ordering::SeqCst);
    let o = ok.clone();
    wait_until(
        "pages served again without a restart",
        Box::new(move || o.load(Ordering::SeqCst) > served_at_restore + 20),
    )
    .await;
    stop.store(true, Ordering::SeqCst);
    for l in load {
        l.await.unwrap();
    }

    // Assert: every page served has its entry, and the chain is whole.
    let rows_after: i64 =
        sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'view_access_log'")
            .fetch_one(&app.pool)
            .await
            .unwrap()
            .get(0);
    assert!(
        (rows_after - rows_before) as usize >= ok.load(Ordering::SeqCst),
        "no page without its audit entry"
    );
    let key = patient_portal::audit::AuditKey::load(&app.data_dir.join("audit.key")).unwrap();
    assert!(matches!(
        patient_portal::audit::verify(&app.pool, &key, &[])
            .await
            .unwrap(),
        patient_portal::audit::Verification::Whole { .. }
    ));
}

/// A PostgreSQL portal with patient A on the care team of both clinicians, all signed in.
async fn request_world() -> Option<(TestApp, String, Browser, Browser, Browser)> {
    let url = fresh_database().await?;
    let app = spawn_app_with(Options {
        database_url: Some(url),
        ..Default::default()
    })
    .await;
    let record = &patient_portal::demo::demo_patients(1, 14, today())[0];
    let id = app.seed(record).await;
    app.link(&id, &PATIENT_A).await;
    app.add_to_care_team(&id, &CLINICIAN).await;
    app.add_to_care_team(&id, &OTHER_CLINICIAN).await;
    let (patient, c1, c2) = (app.browser(), app.browser(), app.browser());
    app.sign_in_as(&patient, &PATIENT_A).await;
    app.sign_in_as(&c1, &CLINICIAN).await;
    app.sign_in_as(&c2, &OTHER_CLINICIAN).await;
    Some((app, id, patient, c1, c2))
}

async fn form_token(app: &TestApp, b: &Browser) -> String {
    csrf_in(&app.get(b, "/account").await.text().await.unwrap())
}

async fn post(app: &TestApp, b: &Browser, path: &str, form: &[(&str, &str)]) -> u16 {
    let token = form_token(app, b).await;
    let mut form = form.to_vec();
    form.push(("csrf_token", &token));
    b.client
        .post(app.url(path))
        .form(&form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn appointment_decisions_resolve_once_and_never_double_book_on_postgres() {
    let Some((app, _, patient, c1, c2)) = request_world().await else {
        return;
    };
    for reason in ["one", "two", "three"] {
        let status = post(
            &app,
            &patient,
            "/appointments",
            &[("reason", reason), ("mode", "in_person")],
        )
        .await;
        assert_eq!(status, 303);
    }
    let ids: Vec<String> = sqlx::query("SELECT id FROM appointments ORDER BY reason")
        .fetch_all(&app.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let tomorrow = (today() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let slot = |time: &'static str| {
        vec![
            ("action", "book"),
            ("date", tomorrow.as_str()),
            ("time", time),
            ("minutes", "30"),
            ("place", "Room 1"),
        ]
    };
    // Two clinicians decide the same request at the same moment: exactly one wins.
    let path = format!("/staff/appointments/{}", ids[0]);
    let morning = slot("09:00");
    let (a, b) = tokio::join!(
        post(&app, &c1, &path, &morning),
        post(&app, &c2, &path, &[("action", "decline"), ("reason", "no")]),
    );
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [303, 409]);
    // One clinician books two other requests at overlapping times at the same moment: one
    // booking, one refusal (the booking lock makes the second see the first).
    let (p1, p2) = (
        format!("/staff/appointments/{}", ids[1]),
        format!("/staff/appointments/{}", ids[2]),
    );
    let (first, second) = (slot("14:00"), slot("14:15"));
    let (a, b) = tokio::join!(post(&app, &c2, &p1, &first), post(&app, &c2, &p2, &second),);
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [303, 409]);
    let booked: i64 = sqlx::query(
        "SELECT COUNT(*) FROM appointments WHERE clinician_subject = $1 AND state = 'booked'",
    )
    .bind(OTHER_CLINICIAN.subject)
    .fetch_one(&app.pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(booked, 1, "never two overlapping bookings of one clinician");
}

#[tokio::test]
async fn a_renewal_is_decided_once_on_postgres() {
    let Some((app, patient_id, patient, c1, c2)) = request_world().await else {
        return;
    };
    let fhir_id: String = sqlx::query(
        "SELECT fhir_id FROM medications WHERE patient_id = $1 AND status = 'active' LIMIT 1",
    )
    .bind(&patient_id)
    .fetch_one(&app.pool)
    .await
    .unwrap()
    .get(0);
    let status = post(
        &app,
        &patient,
        "/records/medications/renewals",
        &[("medication", &fhir_id)],
    )
    .await;
    assert_eq!(status, 303);
    // A second request while one waits is refused (the partial unique index holds here too).
    let status = post(
        &app,
        &patient,
        "/records/medications/renewals",
        &[("medication", &fhir_id)],
    )
    .await;
    assert_eq!(status, 409);
    let id: String = sqlx::query("SELECT id FROM renewal_requests")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    let path = format!("/staff/renewals/{id}");
    let (a, b) = tokio::join!(
        post(&app, &c1, &path, &[("action", "approve"), ("refills", "1")]),
        post(&app, &c2, &path, &[("action", "decline"), ("reason", "no")]),
    );
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [303, 409]);
    let bundle: serde_json::Value = app
        .get(&patient, "/records/export")
        .await
        .json()
        .await
        .unwrap();
    assert!(bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["resource"]["resourceType"] != "Appointment"));
}

#[tokio::test]
async fn chart_pages_read_in_one_statement_on_postgres() {
    // The summary, labs and lab-history pages read their parts with one `string_agg` statement:
    // the same pages on PostgreSQL as on SQLite.
    let Some(url) = fresh_database().await else {
        return;
    };
    let app = spawn_app_with(Options {
        database_url: Some(url),
        ..Default::default()
    })
    .await;
    let record = &patient_portal::demo::demo_patients(1, 5, today())[0];
    let id = app.seed(record).await;
    app.link(&id, &PATIENT_A).await;
    let b = app.browser();
    app.sign_in_as(&b, &PATIENT_A).await;
    let loinc = record
        .observations
        .iter()
        .find_map(|o| o.loinc().filter(|_| o.category.fhir_code() == "laboratory"))
        .expect("the demo record has a lab result")
        .to_string();
    for page in [
        "/records",
        "/records/labs",
        &format!("/records/labs/{loinc}"),
    ] {
        let resp = b.client.get(app.url(page)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{page}");
        let body = resp.text().await.unwrap();
        assert!(
            body.contains(&record.patient.family),
            "{page} names the patient"
        );
    }
    let summary = b
        .client
        .get(app.url("/records"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let current = record.conditions.iter().filter(|c| c.is_active()).count();
    assert!(
        summary.contains(&format!("({current})")),
        "the summary counts {current} current conditions"
    );
}

/// The page's hot reads, as `db::held` runs them: the session read's own text.
const SESSION_READ: &str = "SELECT state FROM sessions WHERE id_hash = $1 AND expires_at > $2";

fn session_read(
    conn: &mut sqlx::AnyConnection,
) -> futures_util::future::BoxFuture<'_, Result<Option<String>, sqlx::Error>> {
    Box::pin(
        sqlx::query_scalar::<_, String>(SESSION_READ)
            .bind("k")
            .bind(1_i64)
            .fetch_optional(conn),
    )
}

/// Asks the held connections until one answers: the first ask only opens one, in the
/// background. Bounded, so a connection that never opens fails the test.
async fn held_answer<T>(
    held: &patient_portal::db::held::HeldConnections,
    read: &patient_portal::db::held::Read<'_, T>,
) -> Option<T> {
    for _ in 0..300 {
        if let Some(row) = held.optional(read).await {
            return row;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no held connection answered within 3 s");
}

/// A fresh database's pool, and the held connections the portal would read from beside it.
async fn held_reads() -> Option<(
    patient_portal::db::Pool,
    patient_portal::db::direct::DirectReads,
)> {
    let url = fresh_database().await?;
    let pool = patient_portal::db::connect(&url).await.unwrap();
    let reads = patient_portal::db::direct::DirectReads::for_pool(&url, &pool).unwrap();
    assert!(
        matches!(reads, patient_portal::db::direct::DirectReads::Postgres(_)),
        "on PostgreSQL the hot reads go to held connections"
    );
    Some((pool, reads))
}

/// Session 'k' stored through `pool`, then read on a held connection.
async fn live_session_read_by(
    held: &patient_portal::db::held::HeldConnections,
    pool: &patient_portal::db::Pool,
) {
    sqlx::query("INSERT INTO sessions (id_hash, state, expires_at) VALUES ('k', 'live', 100)")
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(
        held_answer(held, &session_read).await,
        Some("live".to_string())
    );
}

fn held(
    reads: &patient_portal::db::direct::DirectReads,
) -> &patient_portal::db::held::HeldConnections {
    match reads {
        patient_portal::db::direct::DirectReads::Postgres(held) => held,
        patient_portal::db::direct::DirectReads::Sqlite(_) => unreachable!("checked in held_reads"),
    }
}

#[tokio::test]
async fn a_held_connection_reads_what_another_instance_committed_a_moment_before() {
    let Some((pool, reads)) = held_reads().await else {
        return;
    };
    let held = held(&reads);
    // Another instance: a pool of its own on the same database.
    let other = patient_portal::db::connect(pool.connect_options().database_url.as_ref())
        .await
        .unwrap();
    live_session_read_by(held, &other).await;

    // Signed out there: the next read here no longer finds the session (nothing is cached).
    sqlx::query("DELETE FROM sessions WHERE id_hash = 'k'")
        .execute(&other)
        .await
        .unwrap();
    assert_eq!(held.optional(&session_read).await, Some(None));
}

#[tokio::test]
async fn a_held_connection_the_server_dropped_gives_way_to_the_pool_and_is_replaced() {
    let Some((pool, direct_reads)) = held_reads().await else {
        return;
    };
    let held = held(&direct_reads);
    live_session_read_by(held, &pool).await;
    assert_eq!(held.open(), 1);

    // The server ends the held connection's process (as a restart would), waiting for it to go.
    let ended: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) AS n FROM \
         (SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = $1 \
          AND pid <> pg_backend_pid() OFFSET 0) AS held \
         WHERE pg_terminate_backend(pid, 5000)",
    )
    .bind(SESSION_READ)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(ended, 1, "the held connection's server process");

    // The request still gets its answer, from the pool; the dead connection is not kept.
    let row =
        patient_portal::db::direct::optional(Some(&direct_reads), &pool, |_| None, &session_read)
            .await
            .unwrap();
    assert_eq!(row, Some("live".to_string()));
    assert_eq!(held.open(), 0, "the dead connection is not kept");
    // A new one is opened in its place, and answers.
    assert_eq!(
        held_answer(held, &session_read).await,
        Some("live".to_string())
    );
    assert_eq!(held.open(), 1);
}

#[tokio::test]
async fn a_held_read_that_takes_too_long_gives_way_to_the_pool() {
    let Some((_pool, reads)) = held_reads().await else {
        return;
    };
    let held = held(&reads);
    assert_eq!(held_answer(held, &session_read).await, None);
    assert_eq!(held.open(), 1);
    fn slow(
        conn: &mut sqlx::AnyConnection,
    ) -> futures_util::future::BoxFuture<'_, Result<Option<String>, sqlx::Error>> {
        Box::pin(
            sqlx::query_scalar::<_, String>("SELECT CAST('late' AS TEXT) FROM pg_sleep(10)")
                .fetch_optional(conn),
        )
    }

    let started = std::time::Instant::now();
    let answer = held.optional(&slow).await;

    assert_eq!(answer, None, "the caller asks the pool instead");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "given up after HELD_WAIT, long before the statement would end"
    );
    assert_eq!(held.open(), 0, "the connection it was on is not kept");
}

#[tokio::test]
async fn clinical_notes_keep_their_bytes_on_postgres() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let pool = patient_portal::db::connect(&url)
        .await
        .expect("migrations apply on PostgreSQL");
    // The demo patients have text, HTML and PDF notes (#27); stored twice, they are there once.
    let record = patient_portal::demo::demo_patients(1, 11, today()).remove(0);
    let (id, counts) = patient_portal::records::store::save_record(&pool, &record)
        .await
        .unwrap();
    patient_portal::records::store::save_record(&pool, &record)
        .await
        .unwrap();
    let n = |sql: &'static str| {
        let pool = pool.clone();
        let id = id.clone();
        async move {
            sqlx::query(sql)
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<i64, _>(0)
        }
    };
    assert!(counts.notes >= 3);
    assert_eq!(
        n("SELECT COUNT(*) FROM clinical_notes WHERE patient_id = $1").await as usize,
        counts.notes
    );
    let contents: usize = record.notes.iter().map(|n| n.contents.len()).sum();
    assert_eq!(
        n("SELECT COUNT(*) FROM clinical_note_contents WHERE patient_id = $1").await as usize,
        contents
    );
    // A PDF's bytes come back as they went in (BYTEA, bound as bytes).
    let pdf = record
        .notes
        .iter()
        .flat_map(|n| n.contents.iter().map(move |c| (n, c)))
        .find(|(_, c)| c.data.starts_with(b"%PDF-"))
        .expect("a demo PDF note");
    let stored: Vec<u8> = sqlx::query(
        "SELECT data FROM clinical_note_contents WHERE patient_id = $1 AND note_fhir_id = $2",
    )
    .bind(&id)
    .bind(&pdf.0.fhir_id)
    .fetch_one(&pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(stored, pdf.1.data);
}
