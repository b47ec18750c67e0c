//! TLS for both listeners (portal and emulator) and for outbound HTTPS to the identity provider.
//!
//! Owns: the generated development certificate, rustls server configs, the outbound root store.
//! Never: disables certificate verification, or trusts anything beyond the system roots, an
//! operator-supplied CA file and (with the emulator) our own generated localhost certificate.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::ConfigError;

/// Installs ring as the process-wide rustls provider. Two providers in one build make rustls
/// refuse to choose at run time, so every entry point calls this first.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Where a PEM certificate chain and its key live.
#[derive(Debug, Clone)]
pub struct CertPaths {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The development certificate for `localhost` and `127.0.0.1`, generated once into `data_dir`
/// and reused afterwards, so a developer trusts it once.
pub fn dev_certificate(data_dir: &Path) -> anyhow::Result<CertPaths> {
    let paths = CertPaths {
        cert: data_dir.join("localhost-cert.pem"),
        key: data_dir.join("localhost-key.pem"),
    };
    if paths.cert.exists() && paths.key.exists() {
        return Ok(paths);
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .context("certificate parameters")?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "patient-portal development");
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2034, 1, 1);
    let key = rcgen::KeyPair::generate().context("generating the certificate key")?;
    let cert = params.self_signed(&key).context("self-signing")?;
    write_private(&paths.key, key.serialize_pem().as_bytes())?;
    std::fs::write(&paths.cert, cert.pem())
        .with_context(|| format!("cannot write {}", paths.cert.display()))?;
    Ok(paths)
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(bytes)?;
    Ok(())
}

/// A rustls server config from a PEM chain and key, HTTP/1.1 only.
pub fn server_config(paths: &CertPaths) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    server_config_from(load_certs(&paths.cert)?, load_key(&paths.key)?)
}

/// The operator's certificate and key (PORTAL_TLS_CERT, PORTAL_TLS_KEY): each failure names the
/// variable whose file is at fault, so start-up ends with exit 2 and one line that says which.
pub fn configured_server_config(
    cert: &Path,
    key: &Path,
) -> Result<Arc<rustls::ServerConfig>, ConfigError> {
    let chain =
        load_certs(cert).map_err(|e| ConfigError::new("PORTAL_TLS_CERT", format!("{e:#}")))?;
    let key = load_key(key).map_err(|e| ConfigError::new("PORTAL_TLS_KEY", format!("{e:#}")))?;
    server_config_from(chain, key).map_err(|e| {
        ConfigError::new(
            "PORTAL_TLS_KEY",
            format!("is not the key of the certificate in PORTAL_TLS_CERT ({e:#})"),
        )
    })
}

fn load_key(path: &Path) -> anyhow::Result<PrivateKeyDer<'static>> {
    use rustls_pki_types::pem;
    PrivateKeyDer::from_pem_file(path).map_err(|e| match e {
        pem::Error::Io(io) => anyhow::anyhow!("cannot read {} ({io})", path.display()),
        pem::Error::NoItemsFound => {
            anyhow::anyhow!("{} holds no PEM private key", path.display())
        }
        other => anyhow::anyhow!("{} is not a PEM private key ({other})", path.display()),
    })
}

fn server_config_from(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the certificate and key do not form a usable pair")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

pub fn load_certs(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("{} is not a PEM certificate file", path.display()))?;
    if certs.is_empty() {
        anyhow::bail!("{} holds no certificate", path.display());
    }
    Ok(certs)
}

/// Outbound trust: the system roots plus the given extra PEM files.
pub fn client_config(extra_roots: &[PathBuf]) -> anyhow::Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        // A broken system certificate is not ours to fix; skip it.
        let _ = roots.add(cert);
    }
    for path in extra_roots {
        for cert in load_certs(path)? {
            roots
                .add(cert)
                .with_context(|| format!("{} holds an unusable certificate", path.display()))?;
        }
    }
    Ok(rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// An HTTP client for the identity provider: our trust store, no redirects (OIDC endpoints
/// must answer directly), short timeouts.
pub fn http_client(extra_roots: &[PathBuf]) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .use_preconfigured_tls(client_config(extra_roots)?)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .context("building the HTTP client")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_certificate_is_generated_once_and_reused() {
        install_crypto_provider();
        let dir = tempfile::tempdir().unwrap();
        let first = dev_certificate(dir.path()).unwrap();
        let pem = std::fs::read_to_string(&first.cert).unwrap();
        let second = dev_certificate(dir.path()).unwrap();
        assert_eq!(pem, std::fs::read_to_string(&second.cert).unwrap());
        assert!(server_config(&second).is_ok());
    }
}
