//! A link's passcode, kept only as an argon2id hash (PHC string). The recipient types it; the
//! server checks it and counts wrong ones (`store::wrong_passcode`).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// The shortest passcode a patient may choose: it guards the link with a handful of guesses,
/// so it need not be long, only not trivial.
pub const MIN_CHARS: usize = 6;
pub const MAX_CHARS: usize = 64;

/// The PHC string of `passcode` (blocking: call off the async workers).
pub fn hash(passcode: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(passcode.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a passcode: {e}"))
}

/// Whether `given` is the passcode of `phc` (blocking). A stored hash that does not parse
/// matches nothing.
pub fn verify(phc: &str, given: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(given.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_passcode_matches_its_hash() {
        let phc = super::hash("tulip-42").unwrap();
        assert!(!phc.contains("tulip-42"));
        assert!(super::verify(&phc, "tulip-42"));
        assert!(!super::verify(&phc, "tulip-43"));
        assert!(!super::verify("not a hash", "tulip-42"));
    }
}
