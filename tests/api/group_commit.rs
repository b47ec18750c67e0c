//! Group commit of the audit trail (issue #11, item 2): appends queued while a batch commits
//! share the next transaction; nobody is answered before the commit that holds their entry;
//! a batch that fails fails every entry in it.
//!
//! To make "queued while a batch commits" deterministic, another connection holds SQLite's
//! write lock while the appends are started: the writer's batch waits on the lock (within its
//! bounded busy timeout), so every append started meanwhile is still queued when the lock is
//! released. The tests run on tokio's current-thread runtime, where yielding lets every spawned
//! append run up to its wait for the answer before the test goes on (no sleeping, no timing).

use sqlx::Row;

use crate::audit::entry;
use crate::support::*;

/// Counts committed batches: each one moves the head once.
async fn count_batches(app: &TestApp) {
    for sql in [
        "CREATE TABLE test_batches (n INTEGER PRIMARY KEY)",
        "CREATE TRIGGER test_count_batches AFTER UPDATE OF seq ON audit_head WHEN NEW.seq <> OLD.seq \
         BEGIN INSERT INTO test_batches (n) VALUES (NULL); END",
    ] {
        sqlx::query(sql).execute(&app.pool).await.unwrap();
    }
}

async fn batches(app: &TestApp) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM test_batches")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0)
}

/// Starts one append per entry while `holder` has the write lock, and lets each run until it
/// waits for its answer.
async fn start_appends(
    app: &TestApp,
    entries: Vec<patient_portal::audit::Entry>,
) -> Vec<tokio::task::JoinHandle<Result<(), patient_portal::audit::AuditError>>> {
    let appends: Vec<_> = entries
        .into_iter()
        .map(|e| {
            let pool = app.pool.clone();
            tokio::spawn(async move { patient_portal::audit::append(&pool, &e).await })
        })
        .collect();
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    appends
}

#[tokio::test]
async fn appends_queued_during_a_commit_share_the_next_one_and_each_is_answered_after_it() {
    // Arrange
    let app = spawn_app().await;
    count_batches(&app).await;
    let mut holder = app.other_process().await;
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .unwrap();
    let ids: Vec<String> = (0..50).map(|i| format!("shared-{i}")).collect();

    // Act: fifty appends while the write lock is taken, then the lock is released.
    let appends = start_appends(&app, ids.iter().map(|id| entry(id, "ok")).collect()).await;
    let answered_early = appends.iter().filter(|a| a.is_finished()).count();
    sqlx::query("COMMIT").execute(&mut holder).await.unwrap();
    let results: Vec<bool> = futures_util::future::join_all(appends)
        .await
        .into_iter()
        .map(|r| r.unwrap().is_ok())
        .collect();

    // Assert: nobody was answered while their entry could not be committed; all fifty are
    // then durable (another connection sees them) after at most two commits (the one that was
    // waiting for the lock, and one for everything queued behind it).
    assert_eq!(
        answered_early, 0,
        "an append was answered before its commit"
    );
    assert!(results.iter().all(|ok| *ok));
    let written: i64 =
        sqlx::query("SELECT COUNT(*) FROM audit_log WHERE request_id LIKE 'shared-%'")
            .fetch_one(&mut app.other_process().await)
            .await
            .unwrap()
            .get(0);
    assert_eq!(written, 50);
    let n = batches(&app).await;
    assert!(
        (1..=2).contains(&n),
        "fifty queued appends took {n} commits"
    );
}

#[tokio::test]
async fn a_failed_batch_fails_every_entry_in_it_and_none_of_them_is_written() {
    // Arrange: the store refuses one entry; the write lock is taken so that the refused one
    // and the others queue into one batch.
    let app = spawn_app().await;
    count_batches(&app).await;
    sqlx::query("CREATE TRIGGER poison BEFORE INSERT ON audit_log WHEN NEW.detail = 'poison' BEGIN SELECT RAISE(ABORT, 'refused'); END")
        .execute(&app.pool)
        .await
        .unwrap();
    let mut holder = app.other_process().await;
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .unwrap();
    let ids: Vec<String> = (0..40).map(|i| format!("batch-{i}")).collect();
    let entries = ids
        .iter()
        .enumerate()
        .map(|(i, id)| entry(id, if i == 20 { "poison" } else { "ok" }))
        .collect();

    // Act
    let appends = start_appends(&app, entries).await;
    sqlx::query("COMMIT").execute(&mut holder).await.unwrap();
    let results: Vec<bool> = futures_util::future::join_all(appends)
        .await
        .into_iter()
        .map(|r| r.unwrap().is_ok())
        .collect();

    // Assert: the refused entry's batch held every entry but perhaps the first (which the
    // writer may have taken alone before the lock was released): all of them fail, none is
    // written, and the chain is whole.
    let failed = results.iter().filter(|ok| !**ok).count();
    assert!(failed >= 39, "only {failed} of 40 failed with the batch");
    assert!(!results[20]);
    let written: std::collections::HashSet<String> =
        sqlx::query("SELECT request_id FROM audit_log WHERE request_id LIKE 'batch-%'")
            .fetch_all(&app.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
    for (id, ok) in ids.iter().zip(&results) {
        assert_eq!(written.contains(id), *ok, "{id}: acknowledged iff written");
    }
    assert!(batches(&app).await <= 1);
    let key = patient_portal::audit::AuditKey::load(&app.data_dir.join("audit.key")).unwrap();
    assert!(matches!(
        patient_portal::audit::verify(&app.pool, &key, &[])
            .await
            .unwrap(),
        patient_portal::audit::Verification::Whole { .. }
    ));
}

#[tokio::test]
async fn entry_ids_grow_with_the_chain_so_their_index_is_written_at_its_end() {
    // Random ids (UUIDv4) land on a random page of the id index with every commit: under load
    // that was most of what the audit writer wrote and copied back (two thirds of the
    // throughput, and the p99). Time-ordered ids (UUIDv7) go where the previous one went.
    // Arrange
    let app = spawn_app().await;

    // Act: single appends and a batch of many.
    for i in 0..5 {
        patient_portal::audit::append(&app.pool, &entry(&format!("order-{i}"), "ok"))
            .await
            .unwrap();
    }
    let batch = start_appends(
        &app,
        (5..40)
            .map(|i| entry(&format!("order-{i}"), "ok"))
            .collect(),
    )
    .await;
    for append in futures_util::future::join_all(batch).await {
        append.unwrap().unwrap();
    }

    // Assert
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM audit_log WHERE request_id LIKE 'order-%' ORDER BY seq")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(ids.len(), 40);
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids out of chain order: {ids:?}"
    );
}
