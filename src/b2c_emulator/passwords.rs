//! Passwords: B2C's strength rules and argon2id storage.
//!
//! Owns: `NewPassword` (a password that passed B2C's rules: 8 to 64 characters, at least three of
//! lower case, upper case, digits and symbols), hashing and verifying with argon2id (the crate's
//! defaults). Hashing runs on the blocking pool. Never: logs or stores a password in clear.

use anyhow::Context;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// B2C's wording for the strong-password rule.
pub(crate) const RULES_MESSAGE: &str = "The password must be between 8 and 64 characters. The password must have at least 3 of the following: a lowercase letter, an uppercase letter, a digit, a symbol.";

/// B2C's symbol set: `@ # $ % ^ & * - _ + = [ ] { } | \ : ' , ? / ` ~ " ( ) ; .` and space.
const SYMBOLS: &str = "@#$%^&*-_+=[]{}|\\:',?/`~\"();.! ";

#[derive(Debug)]
pub(crate) struct NewPassword(String);

impl NewPassword {
    pub fn parse(password: &str, confirmation: &str) -> Result<NewPassword, &'static str> {
        let length = password.chars().count();
        if !(8..=64).contains(&length) {
            return Err(RULES_MESSAGE);
        }
        let classes = [
            password.chars().any(|c| c.is_lowercase()),
            password.chars().any(|c| c.is_uppercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| SYMBOLS.contains(c)),
        ];
        if classes.iter().filter(|present| **present).count() < 3 {
            return Err(RULES_MESSAGE);
        }
        if password
            .chars()
            .any(|c| c.is_control() || !(c.is_ascii() || c.is_alphabetic()))
        {
            return Err("The password contains characters that are not allowed.");
        }
        if password != confirmation {
            return Err("The password entry fields do not match. Please enter the same password in both fields and try again.");
        }
        Ok(NewPassword(password.to_string()))
    }
}

/// An argon2id PHC string.
pub(crate) async fn hash(password: NewPassword) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password.0))
        .await
        .context("the hashing task failed")?
}

pub(crate) fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

pub(crate) async fn verify(password: String, phc: String) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&phc)
            .map_err(|e| anyhow::anyhow!("a stored hash is invalid: {e}"))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .context("the verification task failed")?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_three_of_four_classes() {
        assert!(NewPassword::parse("abcDEF12", "abcDEF12").is_ok());
        assert!(NewPassword::parse("abcdef1!", "abcdef1!").is_ok());
        assert!(NewPassword::parse("ABCDEF1!", "ABCDEF1!").is_ok());
        assert!(NewPassword::parse("Correct horse 1", "Correct horse 1").is_ok());
    }

    #[test]
    fn rejects_weak_or_badly_sized_passwords() {
        assert_eq!(
            NewPassword::parse("abcdefgh", "abcdefgh").unwrap_err(),
            RULES_MESSAGE
        );
        assert_eq!(
            NewPassword::parse("abcd1234", "abcd1234").unwrap_err(),
            RULES_MESSAGE
        );
        assert_eq!(
            NewPassword::parse("aB1!", "aB1!").unwrap_err(),
            RULES_MESSAGE
        );
        let long = format!("aB1!{}", "x".repeat(61));
        assert_eq!(NewPassword::parse(&long, &long).unwrap_err(), RULES_MESSAGE);
        let max = format!("aB1!{}", "x".repeat(60));
        assert!(NewPassword::parse(&max, &max).is_ok());
    }

    #[test]
    fn rejects_mismatched_confirmation() {
        assert!(NewPassword::parse("abcDEF12", "abcDEF13")
            .unwrap_err()
            .contains("do not match"));
    }

    #[test]
    fn hash_then_verify() {
        let phc = hash_blocking("abcDEF12").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(rt.block_on(verify("abcDEF12".into(), phc.clone())).unwrap());
        assert!(!rt.block_on(verify("abcDEF13".into(), phc)).unwrap());
    }
}
