//! The server's wrapping key for `L` links (long-term links whose content follows the record).
//!
//! Why it exists: an `L` link's files are made again from the current record at each manifest
//! request, so the server needs the link's key later, not only when the link is made. That key
//! must never sit in clear next to what it opens: the database keeps it only wrapped
//! (AES-256-GCM, RustCrypto's `aes-gcm`) under this key, which lives in a file outside the
//! database (`PORTAL_SHL_WRAP_KEY_FILE`, else `shl-wrap.key` in the data directory, made with
//! mode 0600 the first time a long-term link needs it). A copy of the database alone opens no
//! link.
//!
//! The wrapped form names the key that wrapped it (a hash of it), and the link's id is the
//! additional authenticated data, so a wrapped key copied to another link's row does not open.

use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::shl::LinkKey;

/// The key's file in the data directory.
pub const DEFAULT_FILE: &str = "shl-wrap.key";
/// The wrapped form's version: `v1.<key id>.<iv>.<ciphertext and tag>`.
const VERSION: &str = "v1";

/// 32 random bytes. Debug never prints them.
pub struct WrapKey {
    bytes: [u8; 32],
}

impl std::fmt::Debug for WrapKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WrapKey({})", self.id())
    }
}

impl WrapKey {
    /// The portal's wrapping key: the file PORTAL_SHL_WRAP_KEY_FILE names (checked at start-up),
    /// else `shl-wrap.key` in the data directory, made (mode 0600) the first time a long-term
    /// link needs it. Read at each use: a few bytes, and no start-up step of its own.
    /// Takes the two settings, not `Settings`: configuration checks a named file with `load`,
    /// so this module must not import `config` (the module graph stays one-way).
    pub fn of(file: &Path, generated: bool) -> anyhow::Result<Self> {
        if generated {
            Self::load_or_create(file)
        } else {
            Self::load(file)
        }
    }

    /// Reads a key file: 64 hex digits (surrounding white space ignored), e.g. from
    /// `openssl rand -hex 32`.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        Self::parse(&text).ok_or_else(|| {
            anyhow::anyhow!(
                "{} must hold 64 hex digits (make one with `openssl rand -hex 32`)",
                path.display()
            )
        })
    }

    fn parse(text: &str) -> Option<Self> {
        let bytes = hex::decode(text.trim()).ok()?;
        Some(WrapKey {
            bytes: bytes.try_into().ok()?,
        })
    }

    /// Reads the key, or makes one (mode 0600) when the file is missing: the default file in
    /// the data directory is made at the first start.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        if path.exists() {
            return Self::load(path);
        }
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
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
                file.write_all(hex::encode(bytes).as_bytes())?;
                file.sync_all()?;
                Ok(WrapKey { bytes })
            }
            // Another process made it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load(path),
            Err(e) => Err(anyhow::anyhow!(
                "cannot create the share-link wrapping key {}: {e}",
                path.display()
            )),
        }
    }

    /// A short public name of the key (a hash of it), kept with each wrapped key so that a
    /// changed key file is reported as such, not as a broken link.
    pub fn id(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"portal-shl-wrap-key-id\n");
        h.update(self.bytes);
        hex::encode(&h.finalize()[..8])
    }

    fn cipher(&self) -> anyhow::Result<Aes256Gcm> {
        Aes256Gcm::new_from_slice(&self.bytes).map_err(|_| anyhow::anyhow!("a 32-byte key"))
    }

    /// `key` wrapped for the link `link_id`: what the database keeps instead of the key.
    pub fn wrap(&self, link_id: &str, key: &LinkKey) -> anyhow::Result<String> {
        let mut iv = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut iv);
        let sealed = self
            .cipher()?
            .encrypt(
                &Nonce::from(iv),
                Payload {
                    msg: key.bytes(),
                    aad: link_id.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("wrapping a link key failed"))?;
        Ok(format!(
            "{VERSION}.{}.{}.{}",
            self.id(),
            B64.encode(iv),
            B64.encode(sealed)
        ))
    }

    /// The link key of `link_id` from its wrapped form. An error names the cause for the log
    /// (never the key).
    pub fn unwrap(&self, link_id: &str, wrapped: &str) -> anyhow::Result<LinkKey> {
        let parts: Vec<&str> = wrapped.split('.').collect();
        let [VERSION, kid, iv, sealed] = parts[..] else {
            anyhow::bail!("a wrapped link key of an unknown form");
        };
        if kid != self.id() {
            anyhow::bail!(
                "a link key wrapped by another key ({kid}, this is {}): the data directory's {DEFAULT_FILE} changed",
                self.id()
            );
        }
        let iv: [u8; 12] = B64
            .decode(iv)
            .ok()
            .and_then(|iv| iv.try_into().ok())
            .ok_or_else(|| anyhow::anyhow!("a wrapped link key with a bad IV"))?;
        let sealed = B64
            .decode(sealed)
            .map_err(|_| anyhow::anyhow!("a wrapped link key that is not base64url"))?;
        let opened = self
            .cipher()?
            .decrypt(
                &Nonce::from(iv),
                Payload {
                    msg: &sealed,
                    aad: link_id.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("a wrapped link key that does not open (tampered?)"))?;
        LinkKey::from_bytes(&opened).ok_or_else(|| anyhow::anyhow!("a link key of a bad length"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> WrapKey {
        WrapKey::parse(&"ab".repeat(32)).unwrap()
    }

    #[test]
    fn a_wrapped_key_opens_for_its_link_only_and_holds_no_clear_key() {
        let link_key = LinkKey::generate();
        let wrapped = key().wrap("link-1", &link_key).unwrap();
        assert!(!wrapped.contains(&link_key.encoded()));
        assert!(!wrapped.contains(&hex::encode(link_key.bytes())));
        assert_eq!(
            key().unwrap("link-1", &wrapped).unwrap().encoded(),
            link_key.encoded()
        );
        assert!(key().unwrap("link-2", &wrapped).is_err(), "another link");
        let other = WrapKey::parse(&"cd".repeat(32)).unwrap();
        assert!(other.unwrap("link-1", &wrapped).is_err(), "another key");
        assert_ne!(
            wrapped,
            key().wrap("link-1", &link_key).unwrap(),
            "a fresh IV each time"
        );
    }

    #[test]
    fn a_key_file_is_made_once_with_mode_0600_and_bad_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DEFAULT_FILE);
        let made = WrapKey::load_or_create(&path).unwrap();
        assert_eq!(WrapKey::load_or_create(&path).unwrap().id(), made.id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!format!("{made:?}").contains(&std::fs::read_to_string(&path).unwrap()));
        std::fs::write(&path, "not hex").unwrap();
        assert!(WrapKey::load(&path).is_err());
        std::fs::write(&path, "ab".repeat(31)).unwrap();
        assert!(WrapKey::load(&path).is_err(), "too short");
    }
}
