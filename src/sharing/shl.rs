//! SMART Health Links (HL7 SMART Health Cards and Links IG, STU1): the link's key, the
//! `shlink:/` payload, and the files as JWE compact serialisations (`alg` `dir`, `enc`
//! `A256GCM`, content DEFLATEd as `zip: DEF` announces).
//!
//! The key is made here, put in the payload, and dropped: nothing in this module stores it (an
//! `L` link's key is kept only wrapped under the server's key, `wrap`).
//! The AEAD is RustCrypto's `aes-gcm`; this module only lays the JWE's five parts out.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use rand::RngCore;
use serde::Serialize;
use serde_json::{json, Value};
use std::io::{Read, Write};

/// The `P` flag: the manifest asks for a passcode.
pub const FLAG_PASSCODE: &str = "P";
/// The `L` flag: a long-term link whose content follows the record (the manifest says
/// `can-change`, and a viewer may ask again later).
pub const FLAG_LONG_TERM: &str = "L";
/// The longest label the IG allows.
pub const MAX_LABEL_CHARS: usize = 80;
/// The IG's limit on the manifest URL's length.
pub const MAX_URL_CHARS: usize = 128;

/// A link's flags as the payload carries them, in alphabetical order (`LP`, `L`, `P`), or none.
pub fn flags(long_term: bool, passcode: bool) -> Option<String> {
    let mut flags = String::new();
    if long_term {
        flags.push_str(FLAG_LONG_TERM);
    }
    if passcode {
        flags.push_str(FLAG_PASSCODE);
    }
    (!flags.is_empty()).then_some(flags)
}

/// A link's decryption key: 32 random bytes, 43 characters in base64url.
pub struct LinkKey([u8; 32]);

impl LinkKey {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        LinkKey(bytes)
    }

    /// A key as a link carries it (43 base64url characters), or `None`.
    pub fn parse(encoded: &str) -> Option<Self> {
        let bytes = B64.decode(encoded).ok()?;
        Some(LinkKey(bytes.try_into().ok()?))
    }

    pub fn encoded(&self) -> String {
        B64.encode(self.0)
    }

    /// The raw key, for wrapping an `L` link's key (`wrap`) and nothing else.
    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        Some(LinkKey(bytes.try_into().ok()?))
    }
}

/// 256 random bits in base64url: a link's id (its manifest URL's last segment) and download
/// tokens.
pub fn random_id() -> String {
    LinkKey::generate().encoded()
}

/// The payload a `shlink:/` carries.
#[derive(Debug, Clone, Serialize)]
pub struct ShlPayload {
    pub url: String,
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub v: u8,
}

impl ShlPayload {
    /// `shlink:/` and the payload's JSON in base64url.
    pub fn to_shlink(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!("shlink:/{}", B64.encode(json))
    }
}

/// Why a JWE could not be opened. One kind on purpose: a receiver learns nothing more.
#[derive(Debug, thiserror::Error)]
#[error("the file could not be decrypted")]
pub struct DecryptError;

/// The plaintext as a JWE compact serialisation for `key`: protected header, an empty
/// encrypted key (`dir`), a fresh 96-bit IV, the ciphertext and the tag. The header is the
/// additional authenticated data, as RFC 7516 says.
pub fn encrypt(key: &LinkKey, content_type: &str, plaintext: &[u8]) -> anyhow::Result<String> {
    let header = json!({ "alg": "dir", "enc": "A256GCM", "cty": content_type, "zip": "DEF" });
    let header_b64 = B64.encode(serde_json::to_vec(&header)?);
    let mut deflater = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    deflater.write_all(plaintext)?;
    let compressed = deflater.finish()?;
    let mut iv = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut iv);
    let cipher = Aes256Gcm::new_from_slice(&key.0)?;
    let sealed = cipher
        .encrypt(
            &Nonce::from(iv),
            Payload {
                msg: &compressed,
                aad: header_b64.as_bytes(),
            },
        )
        .map_err(|_| anyhow::anyhow!("AES-GCM encryption failed"))?;
    // aes-gcm appends the 16-byte tag to the ciphertext; JWE keeps them apart.
    let (ciphertext, tag) = sealed.split_at(sealed.len() - 16);
    Ok(format!(
        "{header_b64}..{}.{}.{}",
        B64.encode(iv),
        B64.encode(ciphertext),
        B64.encode(tag)
    ))
}

/// Opens a JWE made by `encrypt` (or any `dir`/`A256GCM` JWE, with or without `zip: DEF`).
/// Returns the protected header and the plaintext.
pub fn decrypt(key: &LinkKey, jwe: &str) -> Result<(Value, Vec<u8>), DecryptError> {
    let parts: Vec<&str> = jwe.split('.').collect();
    let [header_b64, encrypted_key, iv, ciphertext, tag] = parts[..] else {
        return Err(DecryptError);
    };
    let header: Value = B64
        .decode(header_b64)
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or(DecryptError)?;
    if header["alg"] != "dir" || header["enc"] != "A256GCM" || !encrypted_key.is_empty() {
        return Err(DecryptError);
    }
    let iv: [u8; 12] = B64
        .decode(iv)
        .ok()
        .and_then(|iv| iv.try_into().ok())
        .ok_or(DecryptError)?;
    let mut sealed = B64.decode(ciphertext).map_err(|_| DecryptError)?;
    sealed.extend(B64.decode(tag).map_err(|_| DecryptError)?);
    let cipher = Aes256Gcm::new_from_slice(&key.0).map_err(|_| DecryptError)?;
    let opened = cipher
        .decrypt(
            &Nonce::from(iv),
            Payload {
                msg: &sealed,
                aad: header_b64.as_bytes(),
            },
        )
        .map_err(|_| DecryptError)?;
    let plaintext = if header["zip"] == "DEF" {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(&opened[..])
            .read_to_end(&mut out)
            .map_err(|_| DecryptError)?;
        out
    } else {
        opened
    };
    Ok((header, plaintext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_32_random_bytes_in_43_characters() {
        let key = LinkKey::generate();
        assert_eq!(key.encoded().len(), 43);
        assert_ne!(key.encoded(), LinkKey::generate().encoded());
        assert!(LinkKey::parse(&key.encoded()).is_some());
        assert!(LinkKey::parse("too-short").is_none());
    }

    #[test]
    fn a_file_opens_with_its_key_only_and_not_after_tampering() {
        let key = LinkKey::generate();
        let jwe = encrypt(
            &key,
            "application/fhir+json",
            b"{\"resourceType\":\"Bundle\"}",
        )
        .unwrap();
        assert_eq!(jwe.split('.').count(), 5);
        let (header, plain) = decrypt(&key, &jwe).unwrap();
        assert_eq!(header["cty"], "application/fhir+json");
        assert_eq!(plain, b"{\"resourceType\":\"Bundle\"}");

        assert!(decrypt(&LinkKey::generate(), &jwe).is_err(), "another key");
        // The first character of the ciphertext (the last of a part may not change its bytes).
        let mut parts: Vec<String> = jwe.split('.').map(str::to_string).collect();
        let first = parts[3].remove(0);
        parts[3].insert(0, if first == 'A' { 'B' } else { 'A' });
        assert!(
            decrypt(&key, &parts.join(".")).is_err(),
            "tampered ciphertext"
        );
        // The header is authenticated too.
        let other_header = B64.encode(br#"{"alg":"dir","enc":"A256GCM"}"#);
        let swapped = format!("{other_header}{}", &jwe[jwe.find('.').unwrap()..]);
        assert!(decrypt(&key, &swapped).is_err(), "swapped header");
    }

    #[test]
    fn flags_are_in_alphabetical_order() {
        assert_eq!(flags(true, true).as_deref(), Some("LP"));
        assert_eq!(flags(true, false).as_deref(), Some("L"));
        assert_eq!(flags(false, true).as_deref(), Some("P"));
        assert_eq!(flags(false, false), None);
    }

    #[test]
    fn a_shlink_is_the_payload_in_base64url() {
        let payload = ShlPayload {
            url: "https://portal.example/shl/abc".into(),
            key: LinkKey::generate().encoded(),
            exp: Some(1_900_000_000),
            flag: Some("P".into()),
            label: Some("For Dr Ortega".into()),
            v: 1,
        };
        let link = payload.to_shlink();
        let body = link.strip_prefix("shlink:/").unwrap();
        let json: Value = serde_json::from_slice(&B64.decode(body).unwrap()).unwrap();
        assert_eq!(json["url"], "https://portal.example/shl/abc");
        assert_eq!(json["flag"], "P");
        assert_eq!(json["exp"], 1_900_000_000);
        assert_eq!(json["v"], 1);
    }
}
