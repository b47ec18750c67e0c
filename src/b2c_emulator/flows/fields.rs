//! What the flow pages check and show of what people type: countries, calling codes, phone
//! numbers (E.164, masked), e-mail addresses, names.

/// The countries and regions offered, by ISO 3166 code (the value the page sends and the
/// `country` claim); their names come from the message files (`emulator_countries.ftl`).
pub(crate) const COUNTRIES: &[&str] = &[
    "AU", "AT", "BE", "BR", "CA", "DK", "FI", "FR", "DE", "IN", "IE", "IT", "JP", "MX", "NL", "NZ",
    "NO", "PL", "PT", "SG", "ZA", "ES", "SE", "CH", "GB", "US",
];

/// Country calling codes offered on the MFA page, in the page's order (the first is chosen),
/// each with the message key of its country's name.
pub(crate) const CALLING_CODES: &[(&str, &str)] = &[
    ("1", "emu-calling-us-ca"),
    ("44", "emu-country-gb"),
    ("353", "emu-country-ie"),
    ("49", "emu-country-de"),
    ("33", "emu-country-fr"),
    ("31", "emu-country-nl"),
    ("32", "emu-country-be"),
    ("34", "emu-country-es"),
    ("39", "emu-country-it"),
    ("351", "emu-country-pt"),
    ("41", "emu-country-ch"),
    ("43", "emu-country-at"),
    ("45", "emu-country-dk"),
    ("46", "emu-country-se"),
    ("47", "emu-country-no"),
    ("358", "emu-country-fi"),
    ("48", "emu-country-pl"),
    ("61", "emu-country-au"),
    ("64", "emu-country-nz"),
    ("91", "emu-country-in"),
    ("81", "emu-country-jp"),
    ("65", "emu-country-sg"),
    ("27", "emu-country-za"),
    ("55", "emu-country-br"),
    ("52", "emu-country-mx"),
];

const INVALID_PHONE: &str = "The phone number you provided is not valid. Please enter a valid phone number, without the country code.";

/// A phone number in E.164 from a calling code and what the user typed (spaces, dashes, dots
/// and brackets allowed; a leading `+` means the user typed the full international number).
pub(crate) fn parse_phone(calling_code: &str, number: &str) -> Result<String, &'static str> {
    let number = number.trim();
    let international = number.starts_with('+');
    let digits: String = number
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '+'))
        .collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(INVALID_PHONE);
    }
    let full = if international {
        digits
    } else {
        if !CALLING_CODES.iter().any(|(code, _)| *code == calling_code) {
            return Err("Please choose your country code.");
        }
        let national = digits.trim_start_matches('0');
        format!("{calling_code}{national}")
    };
    if !(8..=15).contains(&full.len()) {
        return Err(INVALID_PHONE);
    }
    Ok(format!("+{full}"))
}

/// `XXX-XXX-0101`, as B2C shows an enrolled number.
pub(crate) fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let last: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("XXX-XXX-{last}")
}

/// `p***@example.com`: enough for a person to recognise their address.
pub(crate) fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

pub(crate) fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= 256
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A given name or surname: 1 to 64 characters, no control characters.
pub(super) fn valid_name(name: &str) -> bool {
    let n = name.chars().count();
    (1..=64).contains(&n) && !name.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_normalise_to_e164() {
        assert_eq!(parse_phone("1", "(202) 555-0101").unwrap(), "+12025550101");
        assert_eq!(parse_phone("44", "07700 900123").unwrap(), "+447700900123");
        assert_eq!(parse_phone("", "+1 202 555 0101").unwrap(), "+12025550101");
        assert!(parse_phone("1", "555").is_err());
        assert!(parse_phone("1", "call me maybe").is_err());
        assert!(parse_phone("999", "2025550101").is_err());
        assert!(parse_phone("1", "1234567890123456").is_err());
    }

    #[test]
    fn masked_phone_shows_last_four_digits() {
        assert_eq!(mask_phone("+12025550101"), "XXX-XXX-0101");
        assert_eq!(mask_phone("12"), "XXX-XXX-12");
    }

    #[test]
    fn email_addresses_are_checked_loosely_like_b2c() {
        assert!(valid_email("a.b@example.com"));
        assert!(!valid_email("a@b"));
        assert!(!valid_email("@example.com"));
        assert!(!valid_email("a b@example.com"));
        assert!(!valid_email("a@@example.com"));
    }
}
