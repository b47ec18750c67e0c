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

/// `patient-portal apps add|list|remove`.
pub async fn apps(
    settings: Settings,
    action: crate::config::AppsAction,
) -> anyhow::Result<ExitCode> {
    use crate::config::AppsAction;
    use crate::smart::apps;
    let pool = crate::db::connect(&settings.database_url).await?;
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
        AppsAction::List => {
            for app in apps::list(&pool).await? {
                println!(
                    "{}\t{}\t{}\t{}{}",
                    app.client_id,
                    app.name,
                    if app.confidential {
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
