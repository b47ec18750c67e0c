//! The audit promise under faults: a store that cannot take the entry (full, failing at
//! insert or at commit, locked by another process) means the 503 page and no record data, on
//! every audited route; once the store works again the portal recovers without a restart.

use sqlx::Row;

use crate::support::*;

/// A patient (signed in, linked) and a clinician (signed in, on the care team) over one
/// record, and every audited GET route with what would prove record data leaked.
struct World {
    patient: Browser,
    clinician: Browser,
    routes: Vec<(bool, String)>,
    secrets: Vec<String>,
}

async fn world(app: &TestApp) -> World {
    let record = &patient_portal::demo::demo_patients(1, 11, today())[0];
    let id = app.seed(record).await;
    app.link(&id, &PATIENT_A).await;
    app.add_to_care_team(&id, &CLINICIAN).await;
    let patient = app.browser();
    app.sign_in_as(&patient, &PATIENT_A).await;
    let clinician = app.browser();
    app.sign_in_as(&clinician, &CLINICIAN).await;
    let loinc = record
        .observations
        .iter()
        .find_map(|o| o.loinc())
        .expect("the demo record has labs")
        .to_string();
    let sections = [
        "conditions",
        "medications",
        "allergies",
        "immunizations",
        "labs",
        "vitals",
        "visits",
    ];
    // (true: the patient's browser, false: the clinician's)
    let mut routes = vec![
        (true, "/records".to_string()),
        (true, format!("/records/labs/{loinc}")),
        (true, "/records/export".to_string()),
        (true, "/records/access-log".to_string()),
        (true, "/records/access-log/export".to_string()),
        (false, format!("/staff/patients/{id}")),
        (false, format!("/staff/patients/{id}/labs/{loinc}")),
        (false, format!("/staff/patients/{id}/access-log")),
        (
            false,
            format!("/staff?q={}", urlencode(&record.patient.mrn.value)),
        ),
    ];
    for s in sections {
        routes.push((true, format!("/records/{s}")));
        routes.push((false, format!("/staff/patients/{id}/{s}")));
    }
    World {
        patient,
        clinician,
        routes,
        secrets: vec![
            record.patient.display_name(),
            record.patient.mrn.value.clone(),
        ],
    }
}

impl World {
    fn browser(&self, patient: bool) -> &Browser {
        if patient {
            &self.patient
        } else {
            &self.clinician
        }
    }

    /// Every route answers `status`; on a 503, the portal's page and none of the record.
    async fn assert_every_route(&self, app: &TestApp, status: u16) {
        for (patient, path) in &self.routes {
            let resp = app.get(self.browser(*patient), path).await;
            assert_eq!(resp.status().as_u16(), status, "{path}");
            let body = resp.text().await.unwrap();
            if status == 503 {
                assert!(body.contains("unavailable"), "{path}: the styled 503 page");
                for secret in &self.secrets {
                    assert!(!body.contains(secret.as_str()), "{path} leaked record data");
                }
            }
        }
    }
}

async fn audit_count(app: &TestApp) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0)
}

async fn exec(app: &TestApp, sql: &str) {
    sqlx::query(sql).execute(&app.pool).await.unwrap();
}

#[tokio::test]
async fn a_store_that_refuses_the_entry_means_503_and_no_data_on_every_audited_route() {
    // Arrange: every route works, then the audit table refuses rows as a full disk would.
    let app = spawn_app().await;
    let w = world(&app).await;
    w.assert_every_route(&app, 200).await;
    let before = audit_count(&app).await;
    exec(
        &app,
        "CREATE TRIGGER audit_full BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
    )
    .await;

    // Act + Assert
    w.assert_every_route(&app, 503).await;
    assert_eq!(audit_count(&app).await, before, "nothing was written");
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 503, "not ready while audited writes fail");
    assert!(body.contains("the audit store is full"), "{body}");
    assert!(
        !body.contains("RAISE") && !body.contains("database or disk"),
        "no database text: {body}"
    );

    // Recovery without restart.
    exec(&app, "DROP TRIGGER audit_full").await;
    w.assert_every_route(&app, 200).await;
    assert_eq!(verify(&app).0, 0);
    assert_eq!(readyz(&app).await.0, 200);
}

#[tokio::test]
async fn a_commit_that_fails_means_503_and_no_data_then_recovery_without_restart() {
    // Arrange: the COMMIT itself fails (a deferred foreign key checked only at commit), the way
    // a full disk fails when the WAL is written. SQLite keeps that transaction open, so a
    // connection handed back to the pool would hold the write lock for good.
    let app = spawn_app().await;
    let w = world(&app).await;
    w.assert_every_route(&app, 200).await;
    let before = audit_count(&app).await;
    exec(
        &app,
        "CREATE TABLE audit_sink (seq BIGINT REFERENCES audit_nowhere (seq) DEFERRABLE INITIALLY DEFERRED)",
    )
    .await;
    exec(&app, "CREATE TABLE audit_nowhere (seq BIGINT PRIMARY KEY)").await;
    exec(
        &app,
        "CREATE TRIGGER audit_commit_fails AFTER INSERT ON audit_log BEGIN INSERT INTO audit_sink (seq) VALUES (NEW.seq); END",
    )
    .await;

    // Act + Assert
    w.assert_every_route(&app, 503).await;
    assert_eq!(audit_count(&app).await, before, "nothing was written");

    // Recovery: no connection was left holding the write lock.
    exec(&app, "DROP TRIGGER audit_commit_fails").await;
    w.assert_every_route(&app, 200).await;
    assert_eq!(
        audit_count(&app).await,
        before + w.routes.len() as i64,
        "one entry per page shown"
    );
    assert_eq!(verify(&app).0, 0);
}

#[tokio::test]
async fn appends_and_pages_give_up_while_another_process_holds_the_write_lock() {
    // Arrange
    let app = spawn_app().await;
    let w = world(&app).await;
    let mut other = app.other_process().await;
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut other)
        .await
        .unwrap();
    let meta = patient_portal::audit::RequestMeta::default();
    let entry = meta.entry(
        patient_portal::audit::Actor::anonymous(),
        patient_portal::audit::Action::ViewRecord,
        patient_portal::audit::Outcome::Success,
    );

    // Act: bounded waits, so both come back (they would hang for minutes otherwise).
    let appended = patient_portal::audit::append(&app.pool, &entry).await;
    let resp = app.get(&w.patient, "/records/labs").await;

    // Assert: refused with the 503 page (a page view writes nothing but its audit entry, so
    // nothing else fails first), and no record data.
    assert!(appended.is_err(), "the append gave up");
    assert_eq!(resp.status(), 503, "refused");
    let body = resp.text().await.unwrap();
    for secret in &w.secrets {
        assert!(!body.contains(secret.as_str()), "no record data");
    }

    // Readiness says so, in words, while pages cannot be served.
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("write lock is held"), "{body}");

    // Once the lock is gone, everything works again without a restart.
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    patient_portal::audit::append(&app.pool, &entry)
        .await
        .expect("append after the lock is released");
    assert_eq!(app.get(&w.patient, "/records/labs").await.status(), 200);
    assert_eq!(readyz(&app).await, (200, "ready".to_string()));
}

async fn readyz(app: &TestApp) -> (u16, String) {
    let resp = app.get(&app.browser(), "/readyz").await;
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test]
async fn a_row_past_the_head_is_named_by_verify_readiness_and_the_log_until_it_is_removed() {
    // Arrange: a whole chain, then a row numbered two past the head, as a write around the
    // portal (or a restore that missed the head) would leave.
    let app = spawn_app().await;
    let w = world(&app).await;
    assert_eq!(app.get(&w.patient, "/records/labs").await.status(), 200);
    assert_eq!(readyz(&app).await.0, 200);
    exec(
        &app,
        "INSERT INTO audit_log (seq, id, at, actor_subject, actor_role, action, patient_id, outcome, detail, request_id, client_ip, prev_hash, hash) \
         SELECT seq + 2, 'stray', at, actor_subject, actor_role, action, patient_id, outcome, detail, request_id, client_ip, prev_hash, hash \
         FROM audit_log WHERE seq = (SELECT seq FROM audit_head WHERE id = 1)",
    )
    .await;
    let stray: i64 = sqlx::query("SELECT seq FROM audit_log WHERE id = 'stray'")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);

    // Act and assert: verify, readiness, pages and the log all say what is wrong.
    let (code, out) = verify(&app);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("entry {stray} lies past the chain's head")),
        "{out}"
    );
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 503);
    assert!(
        body.contains(&format!("entry {stray} lies past the chain's head")),
        "{body}"
    );
    assert_eq!(app.get(&w.patient, "/records/labs").await.status(), 503);
    assert!(
        logs().contains(&format!("audit entry {stray} lies past the chain's head")),
        "the writer's log names the stray row"
    );

    // Once it is removed, the next page is served and the portal is ready again.
    exec(&app, "DELETE FROM audit_log WHERE id = 'stray'").await;
    assert_eq!(readyz(&app).await.0, 503, "the failed batch is remembered");
    assert_eq!(app.get(&w.patient, "/records/labs").await.status(), 200);
    assert_eq!(readyz(&app).await, (200, "ready".to_string()));
    assert_eq!(verify(&app).0, 0);
}

#[tokio::test]
async fn a_missing_head_row_is_named_in_a_sentence_not_a_database_error() {
    let app = spawn_app().await;
    let w = world(&app).await;
    assert_eq!(app.get(&w.patient, "/records/labs").await.status(), 200);
    exec(&app, "DELETE FROM audit_head").await;

    let (code, out) = verify(&app);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("head row (audit_head) is missing"), "{out}");
    assert!(!out.to_lowercase().contains("no rows"), "{out}");
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 503);
    assert!(body.contains("head row is missing"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_a_full_database_no_entry_is_acknowledged_without_its_row() {
    // Arrange: every pooled connection may not grow the file any more (`max_page_count`, the
    // way a full disk refuses), and the free pages are used up. SQLITE_FULL then comes from
    // inside the transaction, after SQLite may have rolled it back by itself.
    let app = spawn_app().await;
    exec(&app, "CREATE TABLE filler (junk TEXT)").await;
    let mut conns = Vec::new();
    for _ in 0..8 {
        conns.push(app.pool.acquire().await.unwrap());
    }
    for conn in conns.iter_mut() {
        let pages: i64 = sqlx::query("PRAGMA page_count")
            .fetch_one(&mut **conn)
            .await
            .unwrap()
            .get(0);
        sqlx::query(&format!("PRAGMA max_page_count = {pages}"))
            .execute(&mut **conn)
            .await
            .unwrap();
    }
    let mut full = false;
    for _ in 0..10_000 {
        let filled = sqlx::query("INSERT INTO filler (junk) VALUES ($1)")
            .bind("x".repeat(512))
            .execute(&mut *conns[0])
            .await;
        if let Err(e) = filled {
            assert!(e.to_string().contains("full"), "{e}");
            full = true;
            break;
        }
    }
    assert!(full, "the database filled up");
    drop(conns);
    let ids: Vec<String> = (0..100).map(|i| format!("full-{i}")).collect();

    // Act
    let appends = ids.iter().map(|id| {
        let pool = app.pool.clone();
        let meta = patient_portal::audit::RequestMeta {
            request_id: Some(id.clone()),
            client_ip: None,
        };
        let entry = meta.entry(
            patient_portal::audit::Actor::anonymous(),
            patient_portal::audit::Action::ViewRecord,
            patient_portal::audit::Outcome::Success,
        );
        tokio::spawn(async move { patient_portal::audit::append(&pool, &entry).await })
    });
    let acked: Vec<bool> = futures_util::future::join_all(appends)
        .await
        .into_iter()
        .map(|r| r.unwrap().is_ok())
        .collect();

    // Assert: some were refused (the fault was real); each acknowledged one is in the table
    // and each refused one is not; the chain is whole.
    assert!(
        acked.iter().any(|a| !a),
        "the full database refused entries"
    );
    let written: std::collections::HashSet<String> =
        sqlx::query("SELECT request_id FROM audit_log WHERE request_id LIKE 'full-%'")
            .fetch_all(&app.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
    for (id, ok) in ids.iter().zip(&acked) {
        assert_eq!(written.contains(id), *ok, "{id}: acknowledged iff written");
    }
    assert_eq!(verify(&app).0, 0);
}

#[tokio::test]
async fn a_connection_left_inside_a_transaction_goes_back_closed_so_the_database_does_not_stay_locked(
) {
    // Arrange: the sequence a full disk produced. SQLite rolls a transaction back by itself
    // (RAISE(ROLLBACK) does what SQLITE_FULL may do), sqlx's own ROLLBACK then fails and it
    // still counts one open transaction; its next "BEGIN" is therefore a SAVEPOINT, and a
    // failure inside that leaves a real transaction open, holding the write lock.
    let app = spawn_app().await;
    exec(&app, "CREATE TABLE t (x TEXT)").await;
    exec(&app, "CREATE TRIGGER t_full BEFORE INSERT ON t WHEN NEW.x = 'full' BEGIN SELECT RAISE(ROLLBACK, 'database or disk is full'); END").await;
    exec(&app, "CREATE TRIGGER t_refused BEFORE INSERT ON t WHEN NEW.x = 'refused' BEGIN SELECT RAISE(ABORT, 'refused'); END").await;
    let mut conn = app.pool.acquire().await.unwrap();
    for x in ["full", "refused"] {
        let mut tx = sqlx::Connection::begin(&mut *conn).await.unwrap();
        let failed = sqlx::query("INSERT INTO t (x) VALUES ($1)")
            .bind(x)
            .execute(&mut *tx)
            .await;
        assert!(failed.is_err());
        drop(tx);
    }

    // Act: the connection goes back to the pool.
    drop(conn);

    // Assert: another process can write (busy_timeout 5 s in sqlx's default), and so can the
    // portal's own pool.
    let mut other = app.other_process().await;
    sqlx::query("INSERT INTO t (x) VALUES ('other process')")
        .execute(&mut other)
        .await
        .expect("the write lock was released");
    for _ in 0..16 {
        let mut tx = app.pool.begin().await.unwrap();
        sqlx::query("INSERT INTO t (x) VALUES ('pool')")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM t WHERE x = 'pool'")
        .fetch_one(&mut other)
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        n, 16,
        "every commit the pool reported is visible to another process"
    );
}

#[tokio::test]
async fn after_the_store_rolled_a_batch_back_by_itself_every_acknowledged_entry_is_durable() {
    // Arrange: batches are rolled back by SQLite itself (as on a full disk), the next fails
    // inside; then the store works again.
    let app = spawn_app().await;
    exec(&app, "CREATE TRIGGER a_full BEFORE INSERT ON audit_log WHEN NEW.detail = 'full' BEGIN SELECT RAISE(ROLLBACK, 'database or disk is full'); END").await;
    exec(&app, "CREATE TRIGGER a_refused BEFORE INSERT ON audit_log WHEN NEW.detail = 'refused' BEGIN SELECT RAISE(ABORT, 'refused'); END").await;
    let entry = |detail: &str, id: String| {
        let meta = patient_portal::audit::RequestMeta {
            request_id: Some(id),
            client_ip: None,
        };
        let mut e = meta.entry(
            patient_portal::audit::Actor::anonymous(),
            patient_portal::audit::Action::ViewRecord,
            patient_portal::audit::Outcome::Success,
        );
        e.detail = Some(detail.to_string());
        e
    };

    // Act: enough rolled-back batches to reach every pooled connection, then the failure
    // inside one.
    let mut details = vec!["full"; 9];
    details.push("refused");
    for detail in details {
        let failed = patient_portal::audit::append(&app.pool, &entry(detail, detail.into())).await;
        assert!(failed.is_err(), "{detail}");
    }
    let mut acked = Vec::new();
    for i in 0..20 {
        let id = format!("after-{i}");
        if patient_portal::audit::append(&app.pool, &entry("ok", id.clone()))
            .await
            .is_ok()
        {
            acked.push(id);
        }
    }

    // Assert: all acknowledged (the store works again), and another process sees each one.
    assert_eq!(acked.len(), 20);
    let mut other = app.other_process().await;
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log WHERE request_id LIKE 'after-%'")
        .fetch_one(&mut other)
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 20, "acknowledged means committed");
    assert_eq!(verify(&app).0, 0);
}

/// Storing a record while another connection (the audit writer, another process) holds the
/// write lock waits its turn and succeeds: a transaction that read before it wrote could not
/// wait, and failed at once with "database is locked" (seen as a flaky test).
#[tokio::test]
async fn storing_a_record_waits_for_another_writer_instead_of_failing() {
    use sqlx::Connection;
    let app = spawn_app().await;
    let record = patient_portal::demo::demo_patients(1, 11, today()).remove(0);
    app.seed(&record).await;
    let mut holder = app.holding_the_write_lock().await;

    let pool = app.pool.clone();
    let again = record.clone();
    let store =
        tokio::spawn(
            async move { patient_portal::records::store::save_record(&pool, &again).await },
        );
    // The store is under way (waiting for the lock) while the other writer commits.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!store.is_finished(), "the store waits for the write lock");
    sqlx::query("COMMIT").execute(&mut holder).await.unwrap();
    holder.close().await.unwrap();

    let stored = store.await.unwrap();
    assert!(stored.is_ok(), "{:?}", stored.err());
}

#[tokio::test]
async fn a_session_store_that_fails_gives_the_503_page_with_every_security_header() {
    // Arrange: a signed-in patient, then the session table goes away under the portal (as a
    // dropped or unreachable database would look to the session middleware).
    let app = spawn_app().await;
    let w = world(&app).await;
    assert_eq!(app.get(&w.patient, "/records/labs").await.status(), 200);
    exec(&app, "ALTER TABLE sessions RENAME TO sessions_away").await;

    // Act
    let resp = app.get(&w.patient, "/records/labs").await;

    // Assert: the portal's 503 page, with its headers, and a log line; not a bare 500.
    assert_eq!(resp.status(), 503);
    for header in [
        "content-security-policy",
        "strict-transport-security",
        "x-content-type-options",
        "x-frame-options",
    ] {
        assert!(resp.headers().contains_key(header), "{header} is missing");
    }
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let body = resp.text().await.unwrap();
    assert!(body.contains("unavailable"), "the styled 503 page: {body}");
    for secret in &w.secrets {
        assert!(!body.contains(secret.as_str()), "no record data");
    }
    assert!(logs().contains("a middleware failed (session store unavailable?); answering 503"));

    // Recovery without restart.
    exec(&app, "ALTER TABLE sessions_away RENAME TO sessions").await;
    assert_eq!(app.get(&w.patient, "/records/labs").await.status(), 200);
}

/// PostgreSQL: the backends the portal is connected to are terminated (as a database restart
/// or an operator's `pg_terminate_backend` would) while eight readers load record pages at
/// once. Every answer is the page or the 503 page with its security headers; never an empty
/// 500; no page without its audit entry; and the next page after the storm is served.
#[tokio::test]
async fn terminated_database_connections_under_concurrent_load_give_only_200_or_503() {
    let Some(pg) = Postgres::connect("PostgreSQL fault test").await else {
        return;
    };
    let (name, url) = pg.create_database("portal_faults").await;
    let app = spawn_app_with(Options {
        database_url: Some(url),
        ..Default::default()
    })
    .await;
    let record = &patient_portal::demo::demo_patients(1, 11, today())[0];
    let id = app.seed(record).await;
    app.link(&id, &PATIENT_A).await;
    let patient = app.browser();
    app.sign_in_as(&patient, &PATIENT_A).await;
    let audited_before = audit_count(&app).await;

    const READERS: usize = 8;
    const EACH: usize = 25;
    let (progress, watch) = tokio::sync::watch::channel(0usize);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let reader = || async {
        let mut answers = Vec::new();
        for _ in 0..EACH {
            let resp = app.get(&patient, "/records/labs").await;
            let status = resp.status().as_u16();
            let csp = resp.headers().contains_key("content-security-policy");
            let body = resp.text().await.unwrap_or_default();
            answers.push((status, csp, body.contains("unavailable")));
            let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            progress.send_replace(n);
        }
        answers
    };
    // Five rounds of terminations, each after another tenth of the requests has been answered.
    let terminator = async {
        let mut watch = watch.clone();
        let mut terminated = 0i64;
        for round in 1..=5usize {
            let _ = watch.wait_for(|n| *n >= round * READERS * EACH / 10).await;
            let killed: Vec<bool> = sqlx::query_scalar(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            )
            .bind(&name)
            .fetch_all(&pg.admin)
            .await
            .unwrap();
            terminated += killed.into_iter().filter(|k| *k).count() as i64;
        }
        terminated
    };
    let readers = futures_util::future::join_all((0..READERS).map(|_| reader()));
    let (answers, terminated) = tokio::join!(readers, terminator);
    let answers: Vec<_> = answers.into_iter().flatten().collect();

    assert!(
        terminated > 0,
        "the storm terminated no backend: it tested nothing"
    );
    let served = answers.iter().filter(|(s, _, _)| *s == 200).count() as i64;
    for (status, csp, styled) in &answers {
        assert!(
            *status == 200 || *status == 503,
            "only the page or the 503 page: got {status}"
        );
        assert!(*csp, "a {status} without its security headers");
        if *status == 503 {
            assert!(*styled, "the 503 is the portal's page");
        }
    }
    assert!(
        audit_count(&app).await - audited_before >= served,
        "a page went out without its audit entry"
    );
    assert_eq!(app.get(&patient, "/records/labs").await.status(), 200);
    eprintln!(
        "{} answers: {served} pages, {} 503s; {terminated} backends terminated",
        answers.len(),
        answers.len() as i64 - served
    );
    pg.drop_database(&name).await;
}
