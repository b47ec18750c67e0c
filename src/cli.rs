//! What each subcommand does, kept out of `main.rs` so it stays a table of contents.

use std::net::TcpListener;
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
        IdentityProvider::Emulator { listen } => *listen,
        IdentityProvider::AzureB2c(_) => {
            eprintln!("AZURE_AD_B2C_INSTANCE is set: the portal uses a real tenant, so the emulator has nothing to do");
            return Ok(ExitCode::from(2));
        }
    };
    let listener = TcpListener::bind(listen)
        .with_context(|| format!("cannot listen on {listen} (PORTAL_DEV_B2C_LISTEN)"))?;
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
pub async fn import(
    settings: Settings,
    files: Vec<std::path::PathBuf>,
) -> anyhow::Result<ExitCode> {
    use crate::records::{fhir_import, store};
    let pool = crate::db::connect(&settings.database_url).await?;
    let bar = (files.len() > 1).then(|| {
        let bar = indicatif::ProgressBar::new(files.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} bundles {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut total = store::Counts::default();
    let mut skipped: std::collections::BTreeMap<String, usize> = Default::default();
    let (mut imported, mut failed) = (0usize, 0usize);
    for path in &files {
        let outcome = async {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let json: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", path.display()))?;
            let parsed = fhir_import::parse_bundle(&json).map_err(|e| anyhow::anyhow!("{e}"))?;
            let (_, counts) = store::save_record(&pool, &parsed.record).await?;
            anyhow::Ok((counts, parsed.skipped))
        }
        .await;
        match outcome {
            Ok((counts, skip)) => {
                imported += 1;
                total.encounters += counts.encounters;
                total.conditions += counts.conditions;
                total.medications += counts.medications;
                total.allergies += counts.allergies;
                total.immunizations += counts.immunizations;
                total.observations += counts.observations;
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
                match &bar {
                    Some(bar) => bar.println(line),
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
    println!(
        "imported {imported} bundle(s), refused {failed}: {} encounters, {} conditions, {} medications, {} allergies, {} immunizations, {} observations",
        total.encounters, total.conditions, total.medications, total.allergies, total.immunizations, total.observations
    );
    if !skipped.is_empty() {
        let list: Vec<String> = skipped.iter().map(|(k, v)| format!("{v} {k}")).collect();
        println!("skipped resources: {}", list.join(", "));
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `patient-portal audit verify`.
pub async fn audit_verify(settings: Settings) -> anyhow::Result<ExitCode> {
    let pool = crate::db::connect(&settings.database_url).await?;
    match crate::audit::verify(&pool).await? {
        crate::audit::Verification::Whole { entries } => {
            println!("audit chain whole: {entries} entries checked");
            Ok(ExitCode::SUCCESS)
        }
        crate::audit::Verification::Broken {
            entries_checked,
            seq,
            id,
            problem,
        } => {
            println!(
                "audit chain BROKEN at entry {seq}{}: {problem} ({entries_checked} entries before it verified)",
                if id.is_empty() { String::new() } else { format!(" (id {id})") }
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// `patient-portal care-team add|remove --clinician EMAIL_OR_SUBJECT --patient MRN`.
pub async fn care_team(
    settings: Settings,
    add: bool,
    args: crate::config::CareTeamArgs,
) -> anyhow::Result<ExitCode> {
    let pool = crate::db::connect(&settings.database_url).await?;
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
    let pool = crate::db::connect(&settings.database_url).await?;
    let row = sqlx::query("SELECT id, b2c_subject FROM patients WHERE mrn = $1")
        .bind(mrn)
        .fetch_optional(&pool)
        .await
        .context("cannot look up the patient")?;
    let Some(row) = row else {
        eprintln!("no patient has the MRN {mrn}");
        return Ok(ExitCode::from(1));
    };
    let patient_id: String = sqlx::Row::try_get(&row, 0)?;
    let linked: Option<String> = sqlx::Row::try_get(&row, 1)?;
    if linked.is_some() {
        eprintln!("patient {mrn} already has a portal account: an activation code would not work");
        return Ok(ExitCode::from(1));
    }
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
