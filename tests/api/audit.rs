//! The audit trail: tamper-evident, written before data leaves, whole under concurrency.

use sqlx::Row;

use crate::support::*;

async fn linked_patient(app: &TestApp) -> (Browser, String) {
    let record = &patient_portal::demo::demo_patients(1, 7, today())[0];
    let id = app.seed(record).await;
    app.link(&id, &PATIENT_A).await;
    let b = app.browser();
    app.sign_in_as(&b, &PATIENT_A).await;
    (b, id)
}

#[tokio::test]
async fn a_hundred_concurrent_views_leave_a_whole_chain() {
    let app = spawn_app().await;
    let (b, patient_id) = linked_patient(&app).await;
    let before = app.audit_rows().await.len();
    let requests = (0..100).map(|_| b.client.get(app.url("/records/access-log")).send());
    let responses = futures_util::future::join_all(requests).await;
    for r in responses {
        assert_eq!(r.unwrap().status(), 200);
    }
    let rows = app.audit_rows().await;
    assert_eq!(rows.len(), before + 100, "exactly one entry per view");
    assert!(rows[before..]
        .iter()
        .all(|r| r.0 == "view_access_log" && r.2.as_deref() == Some(patient_id.as_str())));
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("{} entries", rows.len())), "{out}");
}

async fn chain_of_five(app: &TestApp) -> Browser {
    let (b, _) = linked_patient(app).await;
    for _ in 0..4 {
        assert_eq!(app.get(&b, "/records/access-log").await.status(), 200);
    }
    assert_eq!(verify(app).0, 0);
    b
}

#[tokio::test]
async fn an_edited_entry_is_caught_at_that_entry() {
    let app = spawn_app().await;
    chain_of_five(&app).await;
    sqlx::query("UPDATE audit_log SET actor_subject = 'someone-else' WHERE seq = 3")
        .execute(&app.pool)
        .await
        .unwrap();
    let (code, out) = verify(&app);
    assert_eq!(code, 1);
    assert!(out.contains("entry 3"), "{out}");
}

#[tokio::test]
async fn a_deleted_entry_is_caught() {
    let app = spawn_app().await;
    chain_of_five(&app).await;
    sqlx::query("DELETE FROM audit_log WHERE seq = 2")
        .execute(&app.pool)
        .await
        .unwrap();
    let (code, out) = verify(&app);
    assert_eq!(code, 1);
    assert!(out.contains("entry 2"), "{out}");
}

#[tokio::test]
async fn deleting_the_newest_entry_is_caught() {
    let app = spawn_app().await;
    chain_of_five(&app).await;
    sqlx::query("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
        .execute(&app.pool)
        .await
        .unwrap();
    let (code, out) = verify(&app);
    assert_eq!(code, 1, "{out}");
}

#[tokio::test]
async fn swapped_entries_are_caught() {
    let app = spawn_app().await;
    chain_of_five(&app).await;
    // Swap the positions of entries 2 and 3, rows otherwise intact.
    for (from, to) in [(2, -2), (3, 2), (-2, 3)] {
        sqlx::query("UPDATE audit_log SET seq = $1 WHERE seq = $2")
            .bind(to)
            .bind(from)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    let (code, out) = verify(&app);
    assert_eq!(code, 1);
    assert!(out.contains("entry 2"), "{out}");
}

#[tokio::test]
async fn a_record_page_is_refused_when_the_audit_store_fails() {
    let app = spawn_app().await;
    let (b, _) = linked_patient(&app).await;
    assert_eq!(app.get(&b, "/records/access-log").await.status(), 200);
    sqlx::query("ALTER TABLE audit_log RENAME TO audit_log_away")
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = app.get(&b, "/records/access-log").await;
    assert_eq!(resp.status(), 503);
    let body = resp.text().await.unwrap();
    assert!(body.contains("unavailable"), "a styled 503 page");
    assert!(!body.contains("Who looked"), "no record data");
    sqlx::query("ALTER TABLE audit_log_away RENAME TO audit_log")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(app.get(&b, "/records/access-log").await.status(), 200);
}

#[tokio::test]
async fn entries_hold_no_names_emails_or_tokens() {
    let app = spawn_app().await;
    let (b, _) = linked_patient(&app).await;
    app.get(&b, "/records/access-log").await;
    let record = &patient_portal::demo::demo_patients(1, 7, today())[0];
    let rows = sqlx::query("SELECT actor_subject, actor_role, action, patient_id, outcome, detail, request_id, client_ip FROM audit_log")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let text: Vec<String> = (0..8)
            .map(|i| {
                row.try_get::<Option<String>, _>(i)
                    .ok()
                    .flatten()
                    .unwrap_or_default()
            })
            .collect();
        let text = text.join("|");
        for secret in [
            PATIENT_A.name,
            "alex.patient@example.com",
            record.patient.family.as_str(),
            record.patient.mrn.value.as_str(),
        ] {
            assert!(!text.contains(secret), "{text}");
        }
        let request_id: Option<String> = row.try_get(6).unwrap();
        assert!(request_id.is_some(), "every entry names its request");
    }
}

#[tokio::test]
async fn the_patient_sees_who_looked_and_can_download_it_as_audit_events() {
    let app = spawn_app().await;
    let (b, patient_id) = linked_patient(&app).await;
    app.add_to_care_team(&patient_id, &CLINICIAN).await;
    sqlx::query("INSERT INTO clinicians (subject, display_name, email, email_lower, first_seen) VALUES ($1, 'Dr Casey Clinician', NULL, NULL, 0)")
        .bind(CLINICIAN.subject)
        .execute(&app.pool)
        .await
        .unwrap();
    let c = app.browser();
    app.sign_in_as(&c, &CLINICIAN).await;
    assert_eq!(
        app.get(&c, &format!("/staff/patients/{patient_id}/access-log"))
            .await
            .status(),
        200
    );
    // The clinician's look at the access log is audited as that, not as a chart view.
    let clinician_rows: Vec<_> = app
        .audit_rows()
        .await
        .into_iter()
        .filter(|r| r.1.as_deref() == Some(CLINICIAN.subject) && r.2.is_some())
        .collect();
    assert_eq!(clinician_rows.len(), 1, "{clinician_rows:?}");
    assert_eq!(clinician_rows[0].0, "view_access_log");
    assert_eq!(clinician_rows[0].2.as_deref(), Some(patient_id.as_str()));

    let page = app
        .get(&b, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Casey Clinician"), "the clinician is named");
    assert!(page.contains("You"), "the patient's own views say You");

    let resp = app.get(&b, "/records/access-log/export").await;
    assert_eq!(resp.status(), 200);
    assert!(resp
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("attachment"));
    let body = resp.bytes().await.unwrap();
    // CI validates the AuditEvents with fhir.resources (see .ci/run).
    if let Some(dir) = std::env::var_os("FHIR_EXPORT_DIR") {
        std::fs::write(std::path::Path::new(&dir).join("access-log.json"), &body).unwrap();
    }
    let bundle: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    let events = bundle["entry"].as_array().unwrap();
    assert!(events.len() >= 2);
    assert!(events
        .iter()
        .all(|e| e["resource"]["resourceType"] == "AuditEvent"));

    // Another patient cannot read it.
    let other = app.browser();
    app.sign_in_as(&other, &PATIENT_B).await;
    let resp = app.get(&other, "/records/access-log").await;
    assert_eq!(
        resp.status(),
        302,
        "an unlinked patient is sent to /activate"
    );
}

#[tokio::test]
async fn the_client_address_comes_from_the_socket_unless_a_proxy_is_configured() {
    let app = spawn_app().await;
    let (b, _) = linked_patient(&app).await;
    let resp = b
        .client
        .get(app.url("/records/access-log"))
        .header("X-Forwarded-For", "203.0.113.7")
        .header("Forwarded", "for=203.0.113.7")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let ip: Option<String> =
        sqlx::query("SELECT client_ip FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap()
            .get(0);
    assert_eq!(
        ip.as_deref(),
        Some("127.0.0.1"),
        "a forged forwarding header is ignored"
    );
}

#[tokio::test]
async fn absurd_page_numbers_get_a_page_not_a_crash() {
    let app = spawn_app().await;
    let (b, _) = linked_patient(&app).await;
    for page in ["9223372036854775807", "-9223372036854775808", "0"] {
        let resp = b
            .client
            .get(app.url(&format!("/records/access-log?page={page}")))
            .send()
            .await
            .expect("an answer, not a dropped connection");
        assert_eq!(resp.status(), 200, "page={page}");
    }
    let resp = app.get(&b, "/records/access-log?page=lots").await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("Patient portal"));
}

// --- The keyed chain and checkpoints (issue 9 item 4) -----------------------------------

/// The plain SHA-256 chain an attacker without the key can recompute (the old algorithm), or
/// an HMAC with a key of their own: neither passes for the portal's key.
#[derive(serde::Serialize)]
struct Canonical {
    seq: i64,
    id: String,
    at: String,
    actor_subject: Option<String>,
    actor_role: String,
    action: String,
    patient_id: Option<String>,
    outcome: String,
    detail: Option<String>,
    request_id: Option<String>,
    client_ip: Option<String>,
}

fn forged_hash(prev: &str, c: &Canonical, attacker_key: Option<&[u8]>) -> String {
    use hmac::Mac;
    use sha2::Digest;
    let json = serde_json::to_string(c).unwrap();
    match attacker_key {
        None => {
            let mut h = sha2::Sha256::new();
            h.update(prev.as_bytes());
            h.update(b"\n");
            h.update(json.as_bytes());
            hex::encode(h.finalize())
        }
        Some(key) => {
            let mut m = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(key).unwrap();
            m.update(b"portal-audit-entry\n");
            m.update(prev.as_bytes());
            m.update(b"\n");
            m.update(json.as_bytes());
            m.update(b"\n");
            hex::encode(m.finalize().into_bytes())
        }
    }
}

/// What someone with write access to the database but not the key file can do: rewrite the
/// rows from `from` on with recomputed hashes, and move the head to match.
async fn recompute_from(app: &TestApp, from: i64, attacker_key: Option<&[u8]>) {
    let rows = sqlx::query(
        "SELECT seq, id, at, actor_subject, actor_role, action, patient_id, outcome, detail, request_id, client_ip, prev_hash FROM audit_log WHERE seq >= $1 ORDER BY seq",
    )
    .bind(from)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let mut prev: String = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(from - 1)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
        .map(|r| r.get(0))
        .unwrap_or_else(|| rows[0].get(11));
    for r in rows {
        let c = Canonical {
            seq: r.get(0),
            id: r.get(1),
            at: r.get(2),
            actor_subject: r.get(3),
            actor_role: r.get(4),
            action: r.get(5),
            patient_id: r.get(6),
            outcome: r.get(7),
            detail: r.get(8),
            request_id: r.get(9),
            client_ip: r.get(10),
        };
        let hash = forged_hash(&prev, &c, attacker_key);
        sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(c.seq)
            .execute(&app.pool)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&app.pool)
        .await
        .unwrap();
}

async fn head(app: &TestApp) -> (i64, String, Option<i64>, Option<String>) {
    let r = sqlx::query("SELECT seq, hash, keyed_from, mac FROM audit_head WHERE id = 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (r.get(0), r.get(1), r.get(2), r.get(3))
}

#[tokio::test]
async fn an_edit_with_every_later_hash_recomputed_without_the_key_is_caught() {
    for attacker_key in [None, Some([7u8; 32])] {
        let app = spawn_app().await;
        chain_of_five(&app).await;
        sqlx::query("UPDATE audit_log SET actor_subject = 'someone-else' WHERE seq = 3")
            .execute(&app.pool)
            .await
            .unwrap();
        recompute_from(&app, 3, attacker_key.as_ref().map(|k| k.as_slice())).await;
        let (code, out) = verify(&app);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("entry 3"), "{out}");
    }
}

#[tokio::test]
async fn truncation_with_the_head_moved_back_is_caught() {
    let app = spawn_app().await;
    let b = chain_of_five(&app).await;
    let (seq, ..) = head(&app).await;
    // Delete the two newest entries and point the head at the one now last.
    sqlx::query("DELETE FROM audit_log WHERE seq > $1")
        .bind(seq - 2)
        .execute(&app.pool)
        .await
        .unwrap();
    let last: String = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(seq - 2)
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .get(0);
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq - 2)
        .bind(&last)
        .execute(&app.pool)
        .await
        .unwrap();
    let (code, out) = verify(&app);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("head"), "{out}");
    // And the portal refuses to append on a head it cannot verify (it would launder it).
    assert_eq!(app.get(&b, "/records/access-log").await.status(), 503);
}

#[tokio::test]
async fn renumbered_entries_are_caught() {
    let app = spawn_app().await;
    chain_of_five(&app).await;
    // Remove entry 2 and close the gap: 3 becomes 2, and so on; the head follows.
    sqlx::query("DELETE FROM audit_log WHERE seq = 2")
        .execute(&app.pool)
        .await
        .unwrap();
    let (seq, ..) = head(&app).await;
    for s in 3..=seq {
        sqlx::query("UPDATE audit_log SET seq = $1 WHERE seq = $2")
            .bind(s - 1)
            .bind(s)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE audit_head SET seq = $1 WHERE id = 1")
        .bind(seq - 1)
        .execute(&app.pool)
        .await
        .unwrap();
    recompute_from(&app, 2, None).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 1, "{out}");
}

#[tokio::test]
async fn a_checkpoint_catches_a_rollback_to_an_older_copy_that_the_key_alone_cannot() {
    // Arrange: an attacker copied the rows and the head (with its MAC) when the chain was
    // short; later they put that copy back, deleting everything written since.
    let app = spawn_app().await;
    let b = chain_of_five(&app).await;
    let (old_seq, old_hash, _, old_mac) = head(&app).await;
    for _ in 0..3 {
        assert_eq!(app.get(&b, "/records/access-log").await.status(), 200);
    }
    let file = app.data_dir.join("checkpoints.jsonl");
    let file_arg = file.display().to_string();
    let (code, out) = portal_audit(&app, &["audit", "checkpoint", "--out", &file_arg]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = portal_audit(&app, &["audit", "verify", "--checkpoints", &file_arg]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 checkpoints matched"), "{out}");

    // Act: the rollback.
    sqlx::query("DELETE FROM audit_log WHERE seq > $1")
        .bind(old_seq)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2, mac = $3 WHERE id = 1")
        .bind(old_seq)
        .bind(&old_hash)
        .bind(&old_mac)
        .execute(&app.pool)
        .await
        .unwrap();

    // Assert: the key alone is fooled (a state that really existed), the checkpoint is not.
    assert_eq!(verify(&app).0, 0, "documented limit: needs a checkpoint");
    let (code, out) = portal_audit(&app, &["audit", "verify", "--checkpoints", &file_arg]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("vanished"), "{out}");

    // A forged checkpoint line (no key) is refused too.
    let mut text = std::fs::read_to_string(&file).unwrap();
    text = text.replace("\"sig\":\"", "\"sig\":\"00");
    std::fs::write(&file, text).unwrap();
    let (code, out) = portal_audit(&app, &["audit", "verify", "--checkpoints", &file_arg]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not signed"), "{out}");
}

#[tokio::test]
async fn verify_needs_the_key_the_chain_was_written_with() {
    let app = spawn_app().await;
    chain_of_five(&app).await;
    std::fs::write(app.data_dir.join("audit.key"), "ab".repeat(32)).unwrap();
    let (code, out) = verify(&app);
    assert_eq!(code, 1, "{out}");
}

// --- Group commit (issue 11 item 2) -------------------------------------------------------

/// An anonymous record view with this request id and detail (shared with `group_commit`).
pub(crate) fn entry(request_id: &str, detail: &str) -> patient_portal::audit::Entry {
    let meta = patient_portal::audit::RequestMeta {
        request_id: Some(request_id.to_string()),
        client_ip: None,
    };
    let mut e = meta.entry(
        patient_portal::audit::Actor::anonymous(),
        patient_portal::audit::Action::ViewRecord,
        patient_portal::audit::Outcome::Success,
    );
    e.detail = Some(detail.to_string());
    e
}

async fn request_ids(app: &TestApp) -> std::collections::HashSet<String> {
    sqlx::query("SELECT request_id FROM audit_log WHERE request_id IS NOT NULL")
        .fetch_all(&app.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_leave_one_row_per_acknowledged_request_even_when_a_batch_fails() {
    // Arrange: one entry in the crowd makes its batch fail (the store refuses it).
    let app = spawn_app().await;
    sqlx::query("CREATE TRIGGER poison BEFORE INSERT ON audit_log WHEN NEW.detail = 'poison' BEGIN SELECT RAISE(ABORT, 'refused'); END")
        .execute(&app.pool)
        .await
        .unwrap();
    let ids: Vec<String> = (0..300).map(|i| format!("req-{i}")).collect();

    // Act
    let appends = ids.iter().enumerate().map(|(i, id)| {
        let pool = app.pool.clone();
        let e = entry(id, if i == 150 { "poison" } else { "ok" });
        tokio::spawn(async move { patient_portal::audit::append(&pool, &e).await })
    });
    let results: Vec<bool> = futures_util::future::join_all(appends)
        .await
        .into_iter()
        .map(|r| r.unwrap().is_ok())
        .collect();

    // Assert: acknowledged exactly when written; the poisoned one (and its batch) failed.
    let written = request_ids(&app).await;
    for (id, ok) in ids.iter().zip(&results) {
        assert_eq!(written.contains(id), *ok, "{id}: acknowledged iff written");
    }
    assert!(!results[150], "the refused entry fails");
    assert!(results.iter().filter(|ok| **ok).count() > 0);
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "{out}");
}

#[tokio::test]
async fn a_chain_written_before_the_key_is_kept_and_keyed_from_the_next_entry_on() {
    // Arrange: a database upgraded from a portal that chained with plain SHA-256 (no key
    // mark on the head yet), holding three such entries.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/p.sqlite?mode=rwc", dir.path().display());
    let pool = patient_portal::db::connect(&url).await.unwrap();
    let mut prev = patient_portal::audit::GENESIS.to_string();
    for seq in 1..=3i64 {
        let c = Canonical {
            seq,
            id: format!("legacy-{seq}"),
            at: "2025-01-01T00:00:00.000000Z".into(),
            actor_subject: None,
            actor_role: "anonymous".into(),
            action: "view_record".into(),
            patient_id: None,
            outcome: "success".into(),
            detail: None,
            request_id: None,
            client_ip: None,
        };
        let hash = forged_hash(&prev, &c, None);
        sqlx::query("INSERT INTO audit_log (seq, id, at, actor_subject, actor_role, action, patient_id, outcome, detail, request_id, client_ip, prev_hash, hash) VALUES ($1, $2, $3, NULL, $4, $5, NULL, $6, NULL, NULL, NULL, $7, $8)")
            .bind(seq).bind(&c.id).bind(&c.at).bind(&c.actor_role).bind(&c.action).bind(&c.outcome).bind(&prev).bind(&hash)
            .execute(&pool).await.unwrap();
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&hash)
            .execute(&pool)
            .await
            .unwrap();
        prev = hash;
    }
    let key = patient_portal::audit::AuditKey::generate();

    // Act: the new portal starts with a key and appends.
    patient_portal::audit::start(&pool, key.clone())
        .await
        .unwrap();
    let e = entry("after-upgrade", "ok");
    patient_portal::audit::append(&pool, &e).await.unwrap();

    // Assert: the whole chain verifies; the old part is reported as unkeyed.
    let v = patient_portal::audit::verify(&pool, &key, &[])
        .await
        .unwrap();
    assert!(
        matches!(
            v,
            patient_portal::audit::Verification::Whole {
                entries: 4,
                unkeyed: 3,
                ..
            }
        ),
        "{v:?}"
    );
    // Marking more of the chain as unkeyed (to forge keyed entries as plain) needs the key.
    sqlx::query("UPDATE audit_head SET keyed_from = 5 WHERE id = 1")
        .execute(&pool)
        .await
        .unwrap();
    assert!(matches!(
        patient_portal::audit::verify(&pool, &key, &[])
            .await
            .unwrap(),
        patient_portal::audit::Verification::Broken { .. }
    ));
}

/// The access log's sentences are the language's own (#31): a Spanish reader sees what was
/// opened in Spanish ("Consultó sus resultados de pruebas"), the care team reads of the patient
/// in Spanish, and no English sentence is left; an English reader still reads English.
#[tokio::test]
async fn the_access_log_speaks_spanish_to_patient_and_care_team() {
    let (app, _, ids) = app_with_patients(1).await;
    app.link(&ids[0], &PATIENT_A).await;
    app.add_to_care_team(&ids[0], &CLINICIAN).await;
    let b = signed_in(&app, &PATIENT_A).await;
    for path in ["/records/labs", "/records/allergies", "/records/export"] {
        let resp = crate::languages::get_in(&app, &b, path, "es").await;
        assert_eq!(resp.status(), 200, "{path}");
    }
    let c = signed_in(&app, &CLINICIAN).await;
    let chart = format!("/staff/patients/{}", ids[0]);
    assert_eq!(
        crate::languages::get_in(&app, &c, &chart, "es")
            .await
            .status(),
        200
    );

    let log = crate::languages::get_in(&app, &b, "/records/access-log", "es")
        .await
        .text()
        .await
        .unwrap();
    crate::languages::assert_spanish(&log, "/records/access-log");
    for words in [
        "Consultó sus resultados de pruebas",
        "Consultó sus alergias",
        "Descargó su historial completo",
        "Usted",
        "Paciente",
    ] {
        assert!(log.contains(words), "{words}: {log}");
    }
    for english in ["Viewed", "Downloaded", "your ", ">You<", ">Patient<"] {
        assert!(
            !log.contains(english),
            "{english} on the Spanish log: {log}"
        );
    }

    let staff = crate::languages::get_in(&app, &c, &format!("{chart}/access-log"), "es")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        staff.contains("Consultó los resultados de pruebas del paciente"),
        "{staff}"
    );
    assert!(staff.contains("Profesional clínico"), "{staff}");
    for english in ["Viewed", "the patient", "your ", ">Clinician<"] {
        assert!(
            !staff.contains(english),
            "{english} on the Spanish staff log: {staff}"
        );
    }

    let english = crate::languages::get_in(&app, &b, "/records/access-log", "en")
        .await
        .text()
        .await
        .unwrap();
    assert!(english.contains("Viewed your test results"), "{english}");
    assert!(!english.contains("Consultó"), "{english}");
}
