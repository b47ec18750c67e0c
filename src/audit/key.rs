//! The audit key: a secret kept outside the database that keys the chain (HMAC-SHA256) and
//! signs checkpoints.
//!
//! Why a key: a chain of plain SHA-256 in the same database proves nothing to someone who can
//! write that database; they recompute every hash after their edit. With the key outside the
//! database, an attacker who can write the database but cannot read the key file can neither
//! make a new entry, nor change one, nor move the head (its MAC covers seq and hash).
//! What the key alone cannot catch: rolling the whole chain back to an older state the attacker
//! copied earlier (old rows and the old head with its MAC). Checkpoints kept outside the
//! database catch that (`audit verify --checkpoints`).

use std::io::Write;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// 32 random bytes. Debug never prints them.
#[derive(Clone)]
pub struct AuditKey {
    bytes: [u8; 32],
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.id())
    }
}

/// What a MAC is made for, so a MAC of one kind never passes as another.
#[derive(Clone, Copy)]
pub(crate) enum Purpose {
    Entry,
    Head,
    Checkpoint,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Entry => b"portal-audit-entry\n",
            Purpose::Head => b"portal-audit-head\n",
            Purpose::Checkpoint => b"portal-audit-checkpoint\n",
        }
    }
}

impl AuditKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self { bytes }
    }

    pub fn generate() -> Self {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self { bytes }
    }

    /// Reads a key file: 64 hex digits (surrounding whitespace ignored).
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read the audit key {}: {e}", path.display()))?;
        let bytes = hex::decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok());
        match bytes {
            Some(bytes) => Ok(Self { bytes }),
            None => anyhow::bail!(
                "the audit key {} must hold 64 hex digits (32 random bytes), e.g. from `openssl rand -hex 32`",
                path.display()
            ),
        }
    }

    /// Development only: reads the key, or makes one (mode 0600) when the file is missing.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        if path.exists() {
            return Self::load(path);
        }
        let key = Self::generate();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(path) {
            Ok(mut file) => {
                file.write_all(hex::encode(key.bytes).as_bytes())?;
                file.sync_all()?;
                Ok(key)
            }
            // Another process made it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load(path),
            Err(e) => Err(anyhow::anyhow!(
                "cannot create the audit key {}: {e}",
                path.display()
            )),
        }
    }

    /// A short public name of the key (a hash of it), so a checkpoint says which key signed it.
    pub fn id(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"portal-audit-key-id\n");
        h.update(self.bytes);
        hex::encode(&h.finalize()[..8])
    }

    fn mac(&self, purpose: Purpose) -> HmacSha256 {
        // HMAC takes keys of any length; 32 bytes never fails.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.bytes)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(purpose.label());
        mac
    }

    pub(crate) fn sign(&self, purpose: Purpose, parts: &[&[u8]]) -> String {
        let mut mac = self.mac(purpose);
        for part in parts {
            mac.update(part);
            mac.update(b"\n");
        }
        hex::encode(mac.finalize().into_bytes())
    }

    /// Constant-time check of a hex MAC.
    pub(crate) fn check(&self, purpose: Purpose, parts: &[&[u8]], hex_mac: &str) -> bool {
        let Ok(given) = hex::decode(hex_mac) else {
            return false;
        };
        let mut mac = self.mac(purpose);
        for part in parts {
            mac.update(part);
            mac.update(b"\n");
        }
        mac.verify_slice(&given).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mac_depends_on_the_key_and_the_purpose() {
        let a = AuditKey::from_bytes([1; 32]);
        let b = AuditKey::from_bytes([2; 32]);
        let m = a.sign(Purpose::Entry, &[b"x"]);
        assert!(a.check(Purpose::Entry, &[b"x"], &m));
        assert!(!b.check(Purpose::Entry, &[b"x"], &m));
        assert!(!a.check(Purpose::Head, &[b"x"], &m));
        assert!(!a.check(Purpose::Entry, &[b"y"], &m));
    }

    #[test]
    fn a_key_file_round_trips_and_bad_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.key");
        let made = AuditKey::load_or_create(&path).unwrap();
        let read = AuditKey::load(&path).unwrap();
        assert_eq!(made.id(), read.id());
        std::fs::write(&path, "not hex").unwrap();
        assert!(AuditKey::load(&path).is_err());
        std::fs::write(&path, "abcd").unwrap();
        assert!(AuditKey::load(&path).is_err());
    }
}
