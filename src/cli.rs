//! What each subcommand does, kept out of `main.rs` so it stays a table of contents.

use std::net::TcpListener;
use std::process::ExitCode;

use anyhow::Context;

use crate::b2c_emulator::{self, AppRegistration, Emulator, EmulatorSettings};
use crate::config::{IdentityProvider, Settings};
use crate::startup::{emulator_dir, Application};
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
    let port = listener.local_addr()?.port();
    let cert = tls::dev_certificate(&settings.data_dir)?;
    let dir = emulator_dir(&settings);
    let (client_id, client_secret) = b2c_emulator::app_credentials(&dir)?;
    let public_url = url::Url::parse(&format!("https://localhost:{port}"))?;
    let emulator = Emulator::build(
        EmulatorSettings {
            public_url: public_url.clone(),
            data_dir: dir,
            domain: b2c_emulator::DEFAULT_DOMAIN.to_string(),
            policies: b2c_emulator::Policies::default(),
            app: AppRegistration {
                client_id,
                client_secret,
                redirect_uris: vec![settings.redirect_url()],
                post_logout_redirect_uris: vec![settings.signed_out_url()],
            },
        },
        listener,
        tls::server_config(&cert)?,
    )
    .await?;
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
