//! What each subcommand does, kept out of `main.rs` so it stays a table of contents.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Context;

use crate::b2c_emulator;
use crate::config::{IdentityProvider, Settings};
use crate::startup::{emulator_dir, start_emulator, Application};
use crate::tls;

pub async fn serve(settings: Settings) -> anyhow::Result<ExitCode> {
    let public = settings.public_url.clone();
    let app = Application::build(settings).await?;
    tracing::info!(url = %public, port = app.port(), "patient portal listening");
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn emulator_alone(settings: Settings) -> anyhow::Result<ExitCode> {
    if settings.production {
        eprintln!("the local B2C emulator does not run when PORTAL_ENV=production");
        return Ok(ExitCode::from(2));
    }
    let listen = match &settings.identity {
        IdentityProvider::Emulator { listen, .. } => *listen,
        IdentityProvider::ExternalId(_) => {
            eprintln!("ENTRA_EXTERNAL_ID_AUTHORITY is set: the portal uses a real tenant, so the emulator has nothing to do");
            return Ok(ExitCode::from(2));
        }
        IdentityProvider::AzureB2c(_) => {
            eprintln!("AZURE_AD_B2C_INSTANCE is set: the portal uses a real tenant, so the emulator has nothing to do");
            return Ok(ExitCode::from(2));
        }
    };
    let listener = crate::startup::bind("PORTAL_DEV_B2C_LISTEN", listen)?;
    crate::startup::writable_data_dir(&settings.data_dir)?;
    let cert = tls::dev_certificate(&settings.data_dir)?;
    let (emulator, registration) = start_emulator(&settings, listener, &cert).await?;
    let public_url = registration.public_url;
    tracing::info!(url = %public_url, tenant = emulator.tenant_id(), "local Azure AD B2C emulator listening");
    emulator.server().await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn rotate_keys(settings: Settings) -> anyhow::Result<ExitCode> {
    if settings.production {
        eprintln!("the local B2C emulator does not run when PORTAL_ENV=production");
        return Ok(ExitCode::from(2));
    }
    let kid = b2c_emulator::rotate_keys(&emulator_dir(&settings)).await?;
    println!("the emulator now signs with key {kid}; the previous key stays published");
    Ok(ExitCode::SUCCESS)
}

/// `patient-portal import FILE...`: one transaction per bundle; a bad bundle is refused whole.
///
/// Every refused file is named on stderr with its reason, terminal or not (a progress bar's own
/// printing is silent when stderr is redirected); the summary on stdout lists what was kept and
/// what was skipped, by resource type; the exit code is 1 when any file was refused. A linked
/// patient whose record gained results is sent one e-mail (through the queue, which the running
/// portal's sender drains) that says only that new information is waiting.
pub async fn import(
    settings: Settings,
    files: Vec<std::path::PathBuf>,
) -> anyhow::Result<ExitCode> {
    use crate::records::{fhir_import, store};
    let pool = crate::db::connect(settings.database_url.expose()).await?;
    let bar = (files.len() > 1).then(|| {
        let bar = indicatif::ProgressBar::new(files.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} bundles {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut kept: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    let (mut imported, mut failed) = (0usize, 0usize);
    let mut patients: Vec<String> = Vec::new();
    for path in &files {
        let outcome = async {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let json: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", path.display()))?;
            let parsed = fhir_import::parse_bundle(&json).map_err(|e| anyhow::anyhow!("{e}"))?;
            // The record and the notice of its new results commit together: a linked patient
            // hears of results exactly when they are stored, and once (a repeat adds nothing).
            let mut tx = pool.begin().await?;
            let (patient_id, counts, new_results) =
                store::save_record_counting_new_results(&mut tx, &parsed.record).await?;
            if new_results > 0 {
                crate::notifications::new_results(&mut tx, &patient_id).await?;
            }
            tx.commit().await?;
            crate::appointments::fhir::import(&pool, &patient_id, &json).await?;
            let p = &parsed.record.patient;
            let who = format!("MRN {}: {}", p.mrn.value, p.display_name());
            let people = people_by_type(&parsed.record.people);
            anyhow::Ok((counts, parsed.skipped, who, people))
        }
        .await;
        match outcome {
            Ok((counts, skip, who, people)) => {
                imported += 1;
                patients.push(who);
                for (rtype, n) in kept_by_type(&counts).into_iter().chain(people) {
                    *kept.entry(rtype).or_default() += n;
                }
                for (k, v) in skip {
                    *skipped.entry(k).or_default() += v;
                }
            }
            Err(e) => {
                failed += 1;
                let line = format!(
                    "refused {}: {e:#} (nothing of it was stored)",
                    path.display()
                );
                // `suspend` prints whether or not the bar is drawn; `bar.println` is a no-op
                // when stderr is not a terminal, which hid every refusal from a redirected run.
                match &bar {
                    Some(bar) => bar.suspend(|| eprintln!("{line}")),
                    None => eprintln!("{line}"),
                }
            }
        }
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    print!(
        "{}",
        import_summary(imported, failed, &patients, &kept, &skipped)
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The people, places and costs a record holds (issue 27), by FHIR resource type.
fn people_by_type(p: &crate::records::model::People) -> [(&'static str, usize); 7] {
    [
        ("Practitioner", p.practitioners.len()),
        ("PractitionerRole", p.roles.len()),
        ("Organization", p.organizations.len()),
        ("Location", p.locations.len()),
        ("CareTeam", p.care_teams.len()),
        ("Claim", p.claims.len()),
        ("ExplanationOfBenefit", p.benefits.len()),
    ]
}

/// What a stored record holds, by FHIR resource type (one Patient per record).
fn kept_by_type(counts: &crate::records::store::Counts) -> [(&'static str, usize); 13] {
    [
        ("Patient", 1),
        ("Encounter", counts.encounters),
        ("Condition", counts.conditions),
        ("MedicationRequest", counts.medications),
        ("AllergyIntolerance", counts.allergies),
        ("Immunization", counts.immunizations),
        ("Observation", counts.observations),
        ("Procedure", counts.procedures),
        ("CarePlan", counts.care_plans),
        ("Goal", counts.goals),
        ("DiagnosticReport", counts.reports),
        ("ImagingStudy", counts.imaging_studies),
        ("DocumentReference", counts.notes),
    ]
}

/// The end-of-run summary: bundles imported and refused, each imported patient's MRN and name
/// (what `care-team add` and `activation issue` take next), then the kept and the skipped
/// resource types with their counts, one list per line.
fn import_summary(
    imported: usize,
    refused: usize,
    patients: &[String],
    kept: &BTreeMap<&'static str, usize>,
    skipped: &BTreeMap<String, usize>,
) -> String {
    fn list<K: std::fmt::Display>(map: &BTreeMap<K, usize>) -> String {
        let items: Vec<String> = map
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    }
    // Organization and Practitioner are not stored as resources, but their names are kept on
    // the visits and records that point at them: not "skipped" to someone reading the summary.
    let (naming, skipped): (BTreeMap<&str, usize>, BTreeMap<&str, usize>) = skipped
        .iter()
        .map(|(k, n)| (k.as_str(), *n))
        .partition(|(k, _)| NAMING_ONLY.contains(k));
    let mut out = format!("imported {imported} bundle(s), refused {refused}\n");
    for who in patients {
        out.push_str(&format!("  {who}\n"));
    }
    out.push_str(&format!("kept resources: {}\n", list(kept)));
    if naming.values().any(|n| *n > 0) {
        out.push_str(&format!(
            "read for names of who and where: {}\n",
            list(&naming)
        ));
    }
    out.push_str(&format!(
        "skipped resources (not stored): {}\n",
        list(&skipped)
    ));
    out
}

/// Resource types read only to name the clinician and the place of a visit or a record.
const NAMING_ONLY: [&str; 2] = ["Organization", "Practitioner"];

/// `patient-portal audit verify [--checkpoints FILE]`: exit 0 when whole, 1 when broken.
pub async fn audit_verify(
    settings: Settings,
    checkpoints: Option<std::path::PathBuf>,
) -> anyhow::Result<ExitCode> {
    use crate::audit::{self, Verification};
    let key = audit::KeyRing::load(&settings.audit_key_file)?;
    let checkpoints = match &checkpoints {
        Some(path) => audit::read_checkpoints(path)?,
        None => Vec::new(),
    };
    let pool = crate::db::connect(settings.database_url.expose()).await?;
    match audit::verify(&pool, &key, &checkpoints).await? {
        Verification::Whole {
            entries,
            unkeyed,
            checkpoints,
            lost_key,
            ..
        } => {
            println!(
                "audit chain whole: {entries} entries checked, {checkpoints} checkpoints matched"
            );
            if unkeyed > 0 {
                println!("note: entries 1 to {unkeyed} were written before the chain was keyed; only checkpoints protect them");
            }
            if lost_key > 0 {
                println!("note: {lost_key} entries were written with an audit key that was lost; only their links and checkpoints protect them");
            }
            Ok(ExitCode::SUCCESS)
        }
        broken => {
            print_broken(&broken);
            Ok(ExitCode::from(1))
        }
    }
}

fn print_broken(v: &crate::audit::Verification) {
    if let crate::audit::Verification::Broken {
        entries_checked,
        seq,
        id,
        problem,
    } = v
    {
        println!(
            "audit chain BROKEN at entry {seq}{}: {problem} ({entries_checked} entries before it verified)",
            if id.is_empty() { String::new() } else { format!(" (id {id})") }
        );
    }
}

/// `patient-portal audit rotate-key [--lost-key]`: starts a new segment of the chain keyed with
/// a new key, added as the newest line of the key file (the older keys stay: they verify what
/// they wrote). Without `--lost-key` the chain must verify first (a rotation must not bless a
/// break); with it, segments whose key the file no longer holds are marked lost, protected by
/// their links and checkpoints only.
pub async fn audit_rotate_key(settings: Settings, lost_key: bool) -> anyhow::Result<ExitCode> {
    use crate::audit::{self, KeyRing};
    let path = &settings.audit_key_file;
    let old = match KeyRing::load(path) {
        Ok(ring) => Some(ring),
        Err(_) if lost_key && !path.exists() => None,
        Err(e) => return Err(e),
    };
    let pool = crate::db::connect(settings.database_url.expose()).await?;
    if let (false, Some(old)) = (lost_key, &old) {
        let v = audit::verify(&pool, old, &[]).await?;
        if !matches!(v, audit::Verification::Whole { .. }) {
            print_broken(&v);
            eprintln!("the key was not rotated: the chain does not verify with the key file (if its key is lost, rotate with --lost-key)");
            return Ok(ExitCode::from(1));
        }
    }
    let new = audit::AuditKey::generate();
    match audit::rotate(&pool, path, old.as_ref(), new, lost_key).await? {
        Ok(rotated) => {
            println!(
                "audit key rotated: entries from {} on are keyed with {}, the newest line of {}",
                rotated.from_seq,
                rotated.key_id,
                path.display()
            );
            if rotated.lost_entries > 0 {
                println!("note: {} earlier entries were written with a lost key; only their links and checkpoints protect them", rotated.lost_entries);
            }
            println!("keep every line of the key file (the older keys verify older entries); copy it to every instance and restart them (an instance with the old file answers 503 until then); take a checkpoint now");
            Ok(ExitCode::SUCCESS)
        }
        Err(sentence) => {
            eprintln!("the key was not rotated: {sentence}");
            Ok(ExitCode::from(1))
        }
    }
}

/// `patient-portal audit checkpoint [--out FILE]`: verifies the chain (and the checkpoints
/// already in FILE), then appends one signed line for the current head.
pub async fn audit_checkpoint(
    settings: Settings,
    out: Option<std::path::PathBuf>,
) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    let key = crate::audit::KeyRing::load(&settings.audit_key_file)?;
    let earlier = match &out {
        Some(path) if path.exists() => crate::audit::read_checkpoints(path)?,
        _ => Vec::new(),
    };
    let pool = crate::db::connect(settings.database_url.expose()).await?;
    let checkpoint = match crate::audit::checkpoint(&pool, &key, &earlier).await? {
        Ok(checkpoint) => checkpoint,
        Err(broken) => {
            print_broken(&broken);
            return Ok(ExitCode::from(1));
        }
    };
    let line = serde_json::to_string(&checkpoint)?;
    match out {
        Some(path) => {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            writeln!(file, "{line}")?;
            file.sync_all()?;
            eprintln!(
                "checkpoint at entry {} appended to {}",
                checkpoint.seq,
                path.display()
            );
        }
        None => println!("{line}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Where the PostgreSQL way of backing up and restoring is written down.
const POSTGRES_BACKUP_DOCS: &str =
    "on PostgreSQL back up with pg_dump and restore with pg_restore as docs/DEPLOYMENT.md (\"Backups and restores\") describes";

/// `patient-portal backup --out FILE`: a consistent copy of the SQLite database while the
/// portal runs. `VACUUM INTO` reads one snapshot (a read transaction: in WAL mode writers go
/// on meanwhile) and writes it whole to FILE, so the copy never holds half a batch. The
/// audit key is not in the database, so not in the copy: the command says where it is.
pub async fn backup(settings: Settings, out: std::path::PathBuf) -> anyhow::Result<ExitCode> {
    if crate::db::engine(settings.database_url.expose()) == crate::db::Engine::Postgres {
        eprintln!("DATABASE_URL is PostgreSQL: {POSTGRES_BACKUP_DOCS}");
        return Ok(ExitCode::from(2));
    }
    // Connecting would make an empty database where there is none: nothing to back up.
    if let Some(db) = crate::db::sqlite_path(settings.database_url.expose()) {
        if !db.is_file() {
            eprintln!(
                "there is no database at {} to back up (PORTAL_DATA_DIR, DATABASE_URL)",
                db.display()
            );
            return Ok(ExitCode::from(2));
        }
    }
    let key = crate::audit::KeyRing::load(&settings.audit_key_file)?;
    // Made here, empty and readable by this user only (the copy holds PHI); `create_new`
    // refuses an existing file, so nothing is ever overwritten. VACUUM INTO fills an empty file.
    if let Err(e) = create_private(&out) {
        eprintln!(
            "cannot create {}: {e} (an existing file is never overwritten: choose a new name)",
            out.display()
        );
        return Ok(ExitCode::from(2));
    }
    let copied = async {
        let pool = crate::db::connect(settings.database_url.expose()).await?;
        let target = out
            .to_str()
            .ok_or_else(|| anyhow::anyhow!("{} is not a UTF-8 path", out.display()))?;
        sqlx::query(&format!("VACUUM INTO {}", sql_string(target)))
            .execute(&pool)
            .await
            .context("the database could not be copied")?;
        pool.close().await;
        anyhow::Ok(())
    }
    .await;
    if let Err(e) = copied {
        std::fs::remove_file(&out).ok();
        return Err(e);
    }
    // The copy is checked as it will be restored: its own chain, with the key.
    let verification = {
        let copy = open_copy(&out).await?;
        let v = crate::audit::verify(&copy, &key, &[]).await;
        copy.close().await;
        v?
    };
    let crate::audit::Verification::Whole { entries, .. } = verification else {
        print_broken(&verification);
        eprintln!(
            "the copy {} was written, but its audit chain does not verify: run `patient-portal audit verify` on the database",
            out.display()
        );
        return Ok(ExitCode::from(1));
    };
    println!(
        "backup written to {}: {entries} audit entries, chain whole with audit key {}",
        out.display(),
        key.newest().id()
    );
    println!(
        "the audit key is NOT in the backup: it is {}; keep a copy of it apart from the backups (without it the restored chain cannot be verified and the portal does not start on it)",
        settings.audit_key_file.display()
    );
    println!("the backup holds patient data: encrypt it and restrict who can read it");
    Ok(ExitCode::SUCCESS)
}

/// `patient-portal restore FILE [--checkpoints CP]`: only into a data directory that holds no
/// database yet (nothing is ever overwritten), and only a copy whose audit chain verifies with
/// the configured key and the checkpoints; otherwise nothing is left behind.
pub async fn restore(
    settings: Settings,
    file: std::path::PathBuf,
    checkpoints: Option<std::path::PathBuf>,
) -> anyhow::Result<ExitCode> {
    let url = settings.database_url.expose();
    let Some(target) = (crate::db::engine(url) == crate::db::Engine::Sqlite)
        .then(|| crate::db::sqlite_path(url))
        .flatten()
    else {
        eprintln!("DATABASE_URL is not a SQLite file: {POSTGRES_BACKUP_DOCS}");
        return Ok(ExitCode::from(2));
    };
    if target.exists() {
        eprintln!(
            "{} already holds a database: restore only into an empty data directory (PORTAL_DATA_DIR), so that nothing is overwritten",
            target.display()
        );
        return Ok(ExitCode::from(2));
    }
    if !file.is_file() {
        eprintln!("{} is not a backup file", file.display());
        return Ok(ExitCode::from(2));
    }
    // Never a new key: a chain can only verify with the key it was written with.
    if !settings.audit_key_file.is_file() {
        eprintln!(
            "no audit key at {}: put the backed-up deployment's key there (or name it in PORTAL_AUDIT_KEY_FILE); the backup does not hold it",
            settings.audit_key_file.display()
        );
        return Ok(ExitCode::from(2));
    }
    let key = crate::audit::KeyRing::load(&settings.audit_key_file)?;
    let checkpoints = match &checkpoints {
        Some(path) => crate::audit::read_checkpoints(path)?,
        None => Vec::new(),
    };
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::startup::writable_data_dir(dir)?;
    }
    // Copied and checked beside the target under another name; it becomes the database only
    // when whole, by a hard link, which (unlike a rename) fails if a portal made one meanwhile.
    let staging = target.with_extension(format!("restoring-{}", std::process::id()));
    let outcome = restore_staged(&file, &staging, &target, &key, &checkpoints).await;
    for path in sqlite_files(&staging) {
        std::fs::remove_file(path).ok();
    }
    match outcome? {
        Ok((entries, checkpoints)) => {
            println!(
                "restored {} into {}: audit chain whole with audit key {}, {entries} entries, {checkpoints} checkpoints matched",
                file.display(),
                target.display(),
                key.newest().id()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(broken) => {
            print_broken(&broken);
            eprintln!(
                "nothing was restored: the backup's audit chain does not verify with the audit key {} ({})",
                settings.audit_key_file.display(),
                key.newest().id()
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// Copies the backup to `staging`, brings its schema up to this version, verifies its chain,
/// and links it in as `target` when whole: the entries and checkpoints verified, or what broke.
async fn restore_staged(
    file: &std::path::Path,
    staging: &std::path::Path,
    target: &std::path::Path,
    key: &crate::audit::KeyRing,
    checkpoints: &[crate::audit::Checkpoint],
) -> anyhow::Result<Result<(u64, u64), crate::audit::Verification>> {
    {
        let mut to = create_private(staging)
            .with_context(|| format!("cannot create {}", staging.display()))?;
        let mut from =
            std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
        std::io::copy(&mut from, &mut to)
            .with_context(|| format!("cannot copy {}", file.display()))?;
        to.sync_all()?;
    }
    let url = format!("sqlite://{}?mode=rw", staging.display());
    let pool = crate::db::connect(&url)
        .await
        .with_context(|| format!("{} is not a backup of this portal", file.display()))?;
    let v = crate::audit::verify(&pool, key, checkpoints).await;
    // Closing the last connection folds the WAL back into the file, so the file alone is whole.
    pool.close().await;
    let (entries, checkpoints) = match v? {
        crate::audit::Verification::Whole {
            entries,
            checkpoints,
            ..
        } => (entries, checkpoints),
        broken => return Ok(Err(broken)),
    };
    std::fs::hard_link(staging, target).with_context(|| {
        format!(
            "cannot put the restored database at {} (did a portal start there meanwhile?)",
            target.display()
        )
    })?;
    Ok(Ok((entries, checkpoints)))
}

/// A SQLite database file and the journal files beside it.
fn sqlite_files(db: &std::path::Path) -> [std::path::PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name)
    };
    [db.to_path_buf(), with("-wal"), with("-shm")]
}

/// A new file readable by this user only; an existing one is refused.
fn create_private(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// A SQL string literal, quotes doubled: VACUUM INTO's file is written into the statement.
fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A backup file opened as it is, read-only: no migration and no journal mode is applied.
async fn open_copy(path: &std::path::Path) -> anyhow::Result<crate::db::Pool> {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .with_context(|| format!("cannot open the copy {}", path.display()))
}

/// `patient-portal care-team add|remove --clinician EMAIL_OR_SUBJECT --patient MRN`.
pub async fn care_team(
    settings: Settings,
    add: bool,
    args: crate::config::CareTeamArgs,
) -> anyhow::Result<ExitCode> {
    let pool = crate::db::connect(settings.database_url.expose()).await?;
    match crate::staff::care_team::care_team_cli(&pool, add, &args.clinician, &args.patient).await {
        Ok(message) => {
            println!("{message}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e:#}");
            Ok(ExitCode::from(1))
        }
    }
}

/// `patient-portal apps add|list|remove`.
pub async fn apps(
    settings: Settings,
    action: crate::config::AppsAction,
) -> anyhow::Result<ExitCode> {
    use crate::config::AppsAction;
    use crate::smart::apps;
    let pool = crate::db::connect(settings.database_url.expose()).await?;
    match action {
        AppsAction::Add {
            name,
            redirect_uris,
            confidential,
        } => match apps::add(&pool, &name, &redirect_uris, confidential).await {
            Ok((app, secret)) => {
                println!("registered {:?}", app.name);
                println!("client_id: {}", app.client_id);
                if let Some(secret) = secret {
                    // Printed once for the operator; only its hash is stored.
                    println!("client_secret: {secret}");
                    println!("(the secret is shown only now; store it in the app's configuration)");
                }
                println!(
                    "FHIR base URL (aud): {}",
                    crate::config::join_url(&settings.public_url, crate::fhir_api::BASE_PATH)
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("{e:#}");
                Ok(ExitCode::from(2))
            }
        },
        AppsAction::AddResourceServer { name } => {
            match apps::add_resource_server(&pool, &name).await {
                Ok((app, secret)) => {
                    println!("registered resource server {:?}", app.name);
                    println!("client_id: {}", app.client_id);
                    // Printed once for the operator; only its hash is stored.
                    println!("client_secret: {secret}");
                    println!(
                        "(the secret is shown only now; store it in the server's configuration)"
                    );
                    println!(
                        "introspection endpoint: {}",
                        crate::config::join_url(&settings.public_url, "/smart/introspect")
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{e:#}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        AppsAction::List => {
            for app in apps::list(&pool).await? {
                println!(
                    "{}\t{}\t{}\t{}{}",
                    app.client_id,
                    app.name,
                    if app.is_resource_server() {
                        "resource server"
                    } else if app.confidential {
                        "confidential"
                    } else {
                        "public"
                    },
                    app.redirect_uris.join(" "),
                    if app.removed { "\t(removed)" } else { "" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AppsAction::Remove { client_id } => {
            if apps::remove(&pool, &client_id).await? {
                println!("removed {client_id}; its tokens no longer work");
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("no registered app has client id {client_id}");
                Ok(ExitCode::from(1))
            }
        }
    }
}

/// `patient-portal activation issue --mrn MRN`: what the chart's button does, for an operator
/// (a new deployment, a help desk, the benchmark). The code is printed only after its audit
/// entry is committed; if the entry cannot be written the code is revoked and never shown.
pub async fn issue_activation_code(
    settings: Settings,
    args: crate::config::ActivationIssueArgs,
) -> anyhow::Result<ExitCode> {
    use crate::audit::{self, Action, Actor, Entry, Outcome};
    let mrn = args.mrn.trim();
    if mrn.is_empty() {
        eprintln!("--mrn is empty: give the patient's MRN");
        return Ok(ExitCode::from(2));
    }
    let pool = crate::db::connect(settings.database_url.expose()).await?;
    #[derive(sqlx::FromRow)]
    struct Found {
        id: String,
        b2c_subject: Option<String>,
    }
    let found = sqlx::query_as::<_, Found>("SELECT id, b2c_subject FROM patients WHERE mrn = $1")
        .bind(mrn)
        .fetch_optional(&pool)
        .await
        .context("cannot look up the patient")?;
    let Some(Found {
        id: patient_id,
        b2c_subject: linked,
    }) = found
    else {
        eprintln!("no patient has the MRN {mrn}");
        return Ok(ExitCode::from(1));
    };
    if linked.is_some() {
        eprintln!("patient {mrn} already has a portal account: an activation code would not work");
        return Ok(ExitCode::from(1));
    }
    // Appends go through this process's audit writer, which checks the chain's head first.
    audit::start(&pool, audit::load_key(&settings)?).await?;
    let issued = crate::activation::issue(&pool, &patient_id, OPERATOR).await?;
    let entry = Entry {
        actor: Actor {
            subject: None,
            role: OPERATOR.into(),
        },
        action: Action::ActivationIssued,
        patient_id: Some(patient_id.clone()),
        outcome: Outcome::Success,
        detail: Some(format!("code_id={}", issued.id)),
        request_id: None,
        client_ip: None,
    };
    if let Err(e) = audit::append(&pool, &entry).await {
        // An unaudited code must not be handed out: revoke it, and say so if even that fails.
        let revoked = crate::activation::revoke(&pool, &patient_id, &issued.id).await;
        return Err(anyhow::Error::new(e).context(match revoked {
            Ok(_) => "the audit entry could not be written, so no code was issued".to_string(),
            Err(_) => format!(
                "the audit entry could not be written and the code (id {}) could not be revoked either: revoke it before anything else",
                issued.id
            ),
        }));
    }
    println!("{}", issued.code);
    let expires = chrono::DateTime::from_timestamp(issued.expires_at, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    eprintln!(
        "activation code for patient {mrn} (code id {}): valid until {expires}, once, with the patient's date of birth",
        issued.id
    );
    Ok(ExitCode::SUCCESS)
}

/// Who issued a code from the command line, in `activation_codes.issued_by` and the audit role.
const OPERATOR: &str = "operator";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_path_is_one_sql_string_whatever_it_holds() {
        assert_eq!(sql_string("/b/x.sqlite"), "'/b/x.sqlite'");
        assert_eq!(sql_string("/b/it's'; DROP"), "'/b/it''s''; DROP'");
    }

    #[test]
    fn the_import_summary_lists_kept_and_skipped_types_with_counts() {
        let kept: BTreeMap<&'static str, usize> =
            [("Patient", 2), ("Observation", 40), ("Immunization", 0)].into();
        let skipped: BTreeMap<String, usize> = [("Claim".to_owned(), 16)].into();
        assert_eq!(
            import_summary(
                2,
                1,
                &["MRN 1: Ann Lee".into(), "MRN 2: Bo Ek".into()],
                &kept,
                &skipped
            ),
            "imported 2 bundle(s), refused 1\n  MRN 1: Ann Lee\n  MRN 2: Bo Ek\n\
             kept resources: 40 Observation, 2 Patient\n\
             skipped resources (not stored): 16 Claim\n"
        );
        assert!(
            import_summary(0, 0, &[], &BTreeMap::new(), &BTreeMap::new())
                .ends_with("kept resources: none\nskipped resources (not stored): none\n")
        );
        let skipped: BTreeMap<String, usize> =
            [("Claim".to_owned(), 2), ("Organization".to_owned(), 1)].into();
        assert!(import_summary(1, 0, &[], &BTreeMap::new(), &skipped).ends_with(
            "read for names of who and where: 1 Organization\nskipped resources (not stored): 2 Claim\n"
        ));
    }
}
