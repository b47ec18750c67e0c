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
//!
//! Rotation (`patient-portal audit rotate-key`): the key file is a key ring, one key per line,
//! newest last. The newest key writes new entries and the head; the older ones stay in the
//! file only to verify the segments they wrote (`audit_segments`, migration 0013).

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
    /// Where a key's segment of the chain begins (or that an earlier segment's key was lost).
    Segment,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Entry => b"portal-audit-entry\n",
            Purpose::Head => b"portal-audit-head\n",
            Purpose::Checkpoint => b"portal-audit-checkpoint\n",
            Purpose::Segment => b"portal-audit-segment\n",
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

    /// Reads a key file's newest key (its last line): the key that writes.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        Ok(KeyRing::load(path)?.newest().clone())
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

/// Every key of a key file, oldest first: the newest writes, all verify what they wrote.
#[derive(Clone, Debug)]
pub struct KeyRing {
    keys: Vec<AuditKey>,
}

impl From<&AuditKey> for KeyRing {
    fn from(key: &AuditKey) -> Self {
        Self {
            keys: vec![key.clone()],
        }
    }
}

impl From<&KeyRing> for KeyRing {
    fn from(ring: &KeyRing) -> Self {
        ring.clone()
    }
}

impl KeyRing {
    /// Reads a key file: one key of 64 hex digits per line (blank lines ignored), newest last.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read the audit key {}: {e}", path.display()))?;
        Self::parse(&text).ok_or_else(|| {
            anyhow::anyhow!(
                "the audit key {} must hold 64 hex digits (32 random bytes) per line, e.g. from `openssl rand -hex 32`",
                path.display()
            )
        })
    }

    fn parse(text: &str) -> Option<Self> {
        let keys = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                hex::decode(l)
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .map(AuditKey::from_bytes)
            })
            .collect::<Option<Vec<_>>>()?;
        (!keys.is_empty()).then_some(Self { keys })
    }

    pub fn newest(&self) -> &AuditKey {
        // `parse` never makes an empty ring.
        &self.keys[self.keys.len() - 1]
    }

    /// The key with this id, if the file still holds it.
    pub fn get(&self, id: &str) -> Option<&AuditKey> {
        self.keys.iter().find(|k| k.id() == id)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The file's text with `key` added as the newest: what `write` stores.
    pub fn with(&self, key: AuditKey) -> Self {
        let mut keys = self.keys.clone();
        keys.push(key);
        Self { keys }
    }

    /// Replaces the key file with this ring (mode 0600), through a file beside it renamed over
    /// it, so a crash leaves the old file or the new one, never half of either.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let text: String = self
            .keys
            .iter()
            .map(|k| format!("{}\n", hex::encode(k.bytes)))
            .collect();
        let staging = path.with_extension(format!("new-{}", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let written = options.open(&staging).and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        });
        let renamed = written.and_then(|()| std::fs::rename(&staging, path));
        if let Err(e) = renamed {
            std::fs::remove_file(&staging).ok();
            anyhow::bail!("cannot write the audit key file {}: {e}", path.display());
        }
        Ok(())
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

    #[test]
    fn a_key_file_is_a_ring_whose_last_key_writes_and_whose_every_key_is_found_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.key");
        let (a, b) = (AuditKey::from_bytes([1; 32]), AuditKey::from_bytes([2; 32]));
        KeyRing::from(&a).with(b.clone()).write(&path).unwrap();
        let ring = KeyRing::load(&path).unwrap();
        assert_eq!((ring.len(), ring.is_empty()), (2, false));
        assert_eq!(ring.newest().id(), b.id());
        assert_eq!(AuditKey::load(&path).unwrap().id(), b.id());
        assert_eq!(ring.get(&a.id()).unwrap().id(), a.id());
        assert!(ring.get("0000").is_none());
        std::fs::write(&path, format!("{}\n\nnot hex\n", "ab".repeat(32))).unwrap();
        assert!(
            KeyRing::load(&path).is_err(),
            "one bad line spoils the file"
        );
        std::fs::write(&path, "\n").unwrap();
        assert!(KeyRing::load(&path).is_err(), "an empty file holds no key");
        // A file that cannot be written leaves the old one and no staging file behind.
        let gone = dir.path().join("no-such-dir").join("audit.key");
        assert!(ring.write(&gone).is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("audit.key")]);
    }
}
