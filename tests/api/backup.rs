//! Backups that restore (issue 28 item 1): `patient-portal backup` copies the database while
//! patients read their records, and `restore` puts it into an empty data directory only when
//! its audit chain verifies with the key and the checkpoints taken before the backup.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::support::*;

/// `patient-portal ARGS` for a deployment restored into `data_dir`, keyed with the app's key.
fn restored(app: &TestApp, data_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = portal_command(data_dir.parent().unwrap())
        .env("PORTAL_DATA_DIR", data_dir)
        .env("PORTAL_AUDIT_KEY_FILE", app.data_dir.join("audit.key"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn arg(path: &Path) -> String {
    path.display().to_string()
}

async fn signed_in_patient(app: &TestApp) -> Browser {
    let record = &patient_portal::demo::demo_patients(1, 7, today())[0];
    let id = app.seed(record).await;
    app.link(&id, &PATIENT_A).await;
    let b = app.browser();
    app.sign_in_as(&b, &PATIENT_A).await;
    b
}

/// Runs `backup --out FILE` while four readers load record pages, from their first page until
/// the backup has ended: (exit code, stdout, statuses of the pages served meanwhile).
async fn backup_under_load(app: &TestApp, b: &Browser, file: &Path) -> (i32, String, Vec<u16>) {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicUsize::new(0));
    let (first_tx, mut first_rx) = tokio::sync::mpsc::channel::<()>(4);
    let readers: Vec<_> = [
        "/records",
        "/records/conditions",
        "/records/medications",
        "/records/access-log",
    ]
    .into_iter()
    .map(|path| {
        let (client, url) = (b.client.clone(), app.url(path));
        let (stop, started, first_tx) = (stop.clone(), started.clone(), first_tx.clone());
        tokio::spawn(async move {
            let mut statuses = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let status = client.get(&url).send().await.unwrap().status().as_u16();
                statuses.push(status);
                if statuses.len() == 1 {
                    started.fetch_add(1, Ordering::SeqCst);
                    first_tx.send(()).await.ok();
                }
            }
            statuses
        })
    })
    .collect();
    // Every reader has had a page before the backup starts, so it runs under load.
    for _ in 0..4 {
        first_rx.recv().await.unwrap();
    }
    let mut command = app.portal_command();
    command.args(["backup", "--out", &arg(file)]);
    let out = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    stop.store(true, Ordering::SeqCst);
    let mut statuses = Vec::new();
    for reader in readers {
        statuses.extend(reader.await.unwrap());
    }
    assert_eq!(started.load(Ordering::SeqCst), 4);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
        statuses,
    )
}

#[tokio::test]
async fn a_backup_taken_under_load_restores_into_an_empty_data_dir_and_verifies_with_the_key_and_checkpoints(
) {
    // Arrange: a patient reading, and a checkpoint taken before the backup.
    let app = spawn_app().await;
    let b = signed_in_patient(&app).await;
    for _ in 0..3 {
        assert_eq!(app.get(&b, "/records").await.status(), 200);
    }
    let outside = tempfile::tempdir().unwrap();
    let checkpoints = outside.path().join("checkpoints.jsonl");
    let (code, out) = portal_audit(&app, &["audit", "checkpoint", "--out", &arg(&checkpoints)]);
    assert_eq!(code, 0, "{out}");
    let file = outside.path().join("portal-backup.sqlite");

    // Act: the backup, while pages are read.
    let (code, out, statuses) = backup_under_load(&app, &b, &file).await;

    // Assert: the backup succeeded without disturbing a reader, and says where the key is.
    assert_eq!(code, 0, "{out}");
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert!(out.contains("chain whole"), "{out}");
    assert!(
        out.contains("the audit key is NOT in the backup")
            && out.contains(&arg(&app.data_dir.join("audit.key"))),
        "{out}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "a backup holds PHI: {mode:o}");
    }

    // Act: restore into a new, empty data directory, with the same key and the checkpoints.
    let new_dir: PathBuf = outside.path().join("restored");
    let (code, out, err) = restored(
        &app,
        &new_dir,
        &["restore", &arg(&file), "--checkpoints", &arg(&checkpoints)],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 checkpoints matched"), "{out}");

    // Assert: the restored chain verifies there, checkpoints taken before the backup included,
    // and holds every entry the backup reported.
    let (code, out, err) = restored(
        &app,
        &new_dir,
        &["audit", "verify", "--checkpoints", &arg(&checkpoints)],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("audit chain whole") && out.contains("1 checkpoints matched"),
        "{out}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&new_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("restoring"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A second restore into the same directory is refused: nothing is overwritten.
    let (code, _, err) = restored(&app, &new_dir, &["restore", &arg(&file)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already holds a database"), "{err}");
}

#[tokio::test]
async fn backup_never_overwrites_a_file() {
    let app = spawn_app().await;
    let outside = tempfile::tempdir().unwrap();
    let file = outside.path().join("kept.sqlite");
    std::fs::write(&file, b"an earlier backup").unwrap();
    let out = app
        .portal_command()
        .args(["backup", "--out", &arg(&file)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("never overwritten"),
        "{out:?}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"an earlier backup");

    // On PostgreSQL both commands point to pg_dump and pg_restore, before connecting.
    for args in [
        vec!["backup", "--out", "new.sqlite"],
        vec!["restore", "kept.sqlite"],
    ] {
        let out = portal_command(outside.path())
            .env("PORTAL_DATA_DIR", outside.path().join("pg"))
            .env("DATABASE_URL", "postgres://nobody@127.0.0.1:9/none")
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("pg_dump") && err.contains("DEPLOYMENT.md"),
            "{err}"
        );
    }
    assert!(!outside.path().join("new.sqlite").exists());

    // A data directory without a database: nothing to back up, and none is made.
    let empty = outside.path().join("empty");
    let out = portal_command(outside.path())
        .env("PORTAL_DATA_DIR", &empty)
        .args(["backup", "--out", "new.sqlite"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no database at"),
        "{out:?}"
    );
    assert!(!empty.join("portal.sqlite").exists());
    assert!(!outside.path().join("new.sqlite").exists());
}

#[tokio::test]
async fn a_restore_that_does_not_verify_with_the_key_or_the_checkpoints_leaves_nothing_behind() {
    // Arrange: a backup, then a checkpoint of entries the backup does not hold.
    let app = spawn_app().await;
    let b = signed_in_patient(&app).await;
    let outside = tempfile::tempdir().unwrap();
    let file = outside.path().join("b.sqlite");
    let out = app
        .portal_command()
        .args(["backup", "--out", &arg(&file)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(app.get(&b, "/records").await.status(), 200);
    let later = outside.path().join("later.jsonl");
    let (code, out) = portal_audit(&app, &["audit", "checkpoint", "--out", &arg(&later)]);
    assert_eq!(code, 0, "{out}");

    // Act and assert: a checkpoint past the backup names the missing entries; nothing restored.
    let dir = outside.path().join("one");
    let (code, out, _) = restored(
        &app,
        &dir,
        &["restore", &arg(&file), "--checkpoints", &arg(&later)],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("entries vanished"), "{out}");
    assert!(!dir.join("portal.sqlite").exists());

    // Another key: refused, nothing restored.
    let dir = outside.path().join("two");
    let other_key = outside.path().join("other.key");
    std::fs::write(&other_key, "ab".repeat(32)).unwrap();
    let out = portal_command(outside.path())
        .env("PORTAL_DATA_DIR", &dir)
        .env("PORTAL_AUDIT_KEY_FILE", &other_key)
        .args(["restore", &arg(&file)])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("does not verify with the audit key"),
        "{text}"
    );
    assert!(!dir.join("portal.sqlite").exists());
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no staging file is left"
    );

    // Not a database at all: refused, nothing left.
    let dir = outside.path().join("four");
    let text = outside.path().join("notes.txt");
    std::fs::write(&text, "not a database").unwrap();
    let (code, out, err) = restored(&app, &dir, &["restore", &arg(&text)]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("is not a backup of this portal"), "{err}");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing is left"
    );

    // No key at all: refused with a sentence, not a new key.
    let dir = outside.path().join("three");
    let out = portal_command(outside.path())
        .env("PORTAL_DATA_DIR", &dir)
        .args(["restore", &arg(&file)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no audit key at"),
        "{out:?}"
    );
    assert!(!dir.join("audit.key").exists(), "no key is made up");
}

// --- Audit key rotation (issue 28 item 6) ------------------------------------------------

#[tokio::test]
async fn rotating_the_audit_key_keeps_old_entries_verifiable_and_a_lost_key_has_a_way_out() {
    let app = spawn_app().await;
    rotation_drill(&app, None).await;

    // A backup of the rotated chain restores and verifies with the key file, every line of it.
    let outside = tempfile::tempdir().unwrap();
    let file = outside.path().join("rotated.sqlite");
    let (code, out) = beside(&app, None, &["backup", "--out", &arg(&file)]);
    assert_eq!(code, 0, "{out}");
    let dir = outside.path().join("restored");
    let (code, out, err) = restored(&app, &dir, &["restore", &arg(&file)]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = restored(&app, &dir, &["audit", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("written with an audit key that was lost"),
        "{out}"
    );
}

#[tokio::test]
async fn rotating_the_audit_key_on_postgres() {
    let Some(pg) = Postgres::connect("PostgreSQL key rotation test").await else {
        return;
    };
    let (name, url) = pg.create_database("portal_rotation").await;
    let app = spawn_app_with(Options {
        database_url: Some(url.clone()),
        ..Default::default()
    })
    .await;
    rotation_drill(&app, Some(url)).await;
    drop(app);
    pg.drop_database(&name).await;
}

/// `patient-portal ARGS` beside the app, on its database: (exit code, stdout and stderr).
fn beside(app: &TestApp, database_url: Option<&str>, args: &[&str]) -> (i32, String) {
    let mut command = app.portal_command();
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    let out = command.args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
    )
}

async fn rotation_drill(app: &TestApp, database_url: Option<String>) {
    let db = database_url.as_deref();
    // Arrange: a chain with entries and a checkpoint.
    let b = signed_in_patient(app).await;
    assert_eq!(app.get(&b, "/records").await.status(), 200);
    let outside = tempfile::tempdir().unwrap();
    let checkpoints = arg(&outside.path().join("checkpoints.jsonl"));
    let (code, out) = beside(app, db, &["audit", "checkpoint", "--out", &checkpoints]);
    assert_eq!(code, 0, "{out}");
    let key_file = app.data_dir.join("audit.key");

    // Act: rotate.
    let (code, out) = beside(app, db, &["audit", "rotate-key"]);

    // Assert: a new newest key; the old one kept; the whole chain and the checkpoint verify.
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit key rotated: entries from"), "{out}");
    let lines = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(lines.lines().filter(|l| !l.trim().is_empty()).count(), 2);
    let (code, out) = beside(app, db, &["audit", "verify", "--checkpoints", &checkpoints]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 checkpoints matched"), "{out}");
    // The running portal still holds the old key: it fails closed until restarted.
    assert_eq!(app.get(&b, "/records").await.status(), 503);

    // The key file is lost and a new key appears (as a development start makes one).
    std::fs::write(&key_file, "cd".repeat(32)).unwrap();
    let (code, out) = beside(app, db, &["audit", "verify"]);
    assert_eq!(code, 1, "{out}");
    let (code, out) = beside(app, db, &["audit", "rotate-key"]);
    assert_eq!(
        code, 1,
        "a plain rotation does not bless a chain it cannot verify: {out}"
    );

    // Act: the way out.
    let (code, out) = beside(app, db, &["audit", "rotate-key", "--lost-key"]);

    // Assert: the chain verifies again, says how much of it only links and checkpoints protect,
    // and the checkpoint taken with the lost key still counts.
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("written with a lost key"), "{out}");
    let (code, out) = beside(app, db, &["audit", "verify", "--checkpoints", &checkpoints]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("1 checkpoints matched")
            && out.contains("written with an audit key that was lost"),
        "{out}"
    );
}
