//! The `patient-portal` command: reads the configuration, then serves or runs a subcommand.

use std::process::ExitCode;

use patient_portal::config::{
    ActivationAction, AuditAction, CareTeamAction, Cli, Command, ConfigError, EmulatorAction,
};
use patient_portal::{cli, telemetry, tls};

#[tokio::main]
async fn main() -> ExitCode {
    tls::install_crypto_provider();
    // A .env file is a convenience for developers; real environment variables win.
    let _ = dotenvy::dotenv();
    let cli = match Cli::try_parse_with_env(std::env::args_os(), std::env::vars_os()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if matches!(cli.command, Some(Command::B2cEmulator { .. }))
        && cli
            .env
            .environment
            .trim()
            .eq_ignore_ascii_case("production")
    {
        eprintln!("PORTAL_ENV: production: the local B2C emulator is for development and does not start in production");
        return ExitCode::from(2);
    }
    let settings = match cli.env.validate() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    let result = match cli.command {
        None | Some(Command::Serve) => cli::serve(settings).await,
        Some(Command::B2cEmulator { action: None }) => cli::emulator_alone(settings).await,
        Some(Command::B2cEmulator {
            action: Some(EmulatorAction::RotateKeys),
        }) => cli::rotate_keys(settings).await,
        Some(Command::Import { files }) => cli::import(settings, files).await,
        Some(Command::Backup { out }) => cli::backup(settings, out).await,
        Some(Command::Restore { file, checkpoints }) => {
            cli::restore(settings, file, checkpoints).await
        }
        Some(Command::Audit {
            action: AuditAction::Verify { checkpoints },
        }) => cli::audit_verify(settings, checkpoints).await,
        Some(Command::Audit {
            action: AuditAction::Checkpoint { out },
        }) => cli::audit_checkpoint(settings, out).await,
        Some(Command::Audit {
            action: AuditAction::RotateKey { lost_key },
        }) => cli::audit_rotate_key(settings, lost_key).await,
        Some(Command::CareTeam {
            action: CareTeamAction::Add(args),
        }) => cli::care_team(settings, true, args).await,
        Some(Command::CareTeam {
            action: CareTeamAction::Remove(args),
        }) => cli::care_team(settings, false, args).await,
        Some(Command::Apps { action }) => cli::apps(settings, action).await,
        Some(Command::Activation {
            action: ActivationAction::Issue(args),
        }) => cli::issue_activation_code(settings, args).await,
    };
    match result {
        Ok(code) => code,
        Err(e) => match e.chain().find_map(|c| c.downcast_ref::<ConfigError>()) {
            // A setting found bad only when used (a port in use, an unwritable data dir, an
            // unreadable key) ends like one found bad on reading: exit 2, one line.
            Some(bad) => {
                eprintln!("configuration error: {bad}");
                ExitCode::from(2)
            }
            None => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}
