//! CSRF tokens: one random token per session, carried in every form as `csrf_token` and
//! compared in constant time.

use subtle::ConstantTimeEq;

pub const FIELD: &str = "csrf_token";

pub fn new_token() -> String {
    crate::auth::secrets::random_token(32)
}

pub fn matches(expected: &str, given: &str) -> bool {
    !expected.is_empty() && expected.as_bytes().ct_eq(given.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn empty_or_different_tokens_never_match() {
        assert!(!super::matches("", ""));
        assert!(!super::matches("abc", "abd"));
        assert!(super::matches("abc", "abc"));
    }
}
