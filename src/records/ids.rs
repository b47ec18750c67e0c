//! Identifiers that travel through URLs, forms and rows, parsed once where they enter:
//! once you hold a `PatientId` or a `LoincCode`, it is well formed (parse, don't validate).
//!
//! Both deserialize through their parser (`web::Path<PatientId>` answers a malformed segment
//! with the 404 page, a form field with the 400 page), bind as their text, and decode from a
//! row through the parser too (a malformed stored id is a decode error, never a value).
//! Neither says the thing exists: that is the store's question, asked with a `ChartAccess`.
//! They deref to `&str`, so code that only passes an id along reads as before.

use serde::{Deserialize, Serialize};
use sqlx::any::{AnyTypeInfo, AnyValueRef};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Any, Database, Decode, Encode, Type};

/// A patient record's opaque id (a UUID for records the portal stores; older rows and tests
/// may hold other short ids). Never a name, an MRN or anything a person could read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PatientId(String);

/// A LOINC code (digits, a dash and a check digit), or a part or local code of the same kind
/// of characters: safe in a URL path segment and as a lookup key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LoincCode(String);

/// A value that is not a well-formed id or code (the value itself is not repeated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a well-formed {0}")]
pub struct Malformed(&'static str);

impl PatientId {
    pub fn parse(s: &str) -> Result<PatientId, Malformed> {
        let ok = (1..=64).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if ok {
            Ok(PatientId(s.to_string()))
        } else {
            Err(Malformed("patient id"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl LoincCode {
    pub fn parse(s: &str) -> Result<LoincCode, Malformed> {
        let ok = (1..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if ok {
            Ok(LoincCode(s.to_string()))
        } else {
            Err(Malformed("LOINC code"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! text_id {
    ($name:ident) => {
        impl TryFrom<String> for $name {
            type Error = Malformed;

            fn try_from(s: String) -> Result<Self, Malformed> {
                $name::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = Malformed;

            fn from_str(s: &str) -> Result<Self, Malformed> {
                $name::parse(s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl Type<Any> for $name {
            fn type_info() -> AnyTypeInfo {
                <String as Type<Any>>::type_info()
            }

            fn compatible(ty: &AnyTypeInfo) -> bool {
                <String as Type<Any>>::compatible(ty)
            }
        }

        impl<'q> Encode<'q, Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <Any as Database>::ArgumentBuffer<'q>,
            ) -> Result<IsNull, BoxDynError> {
                <String as Encode<'q, Any>>::encode_by_ref(&self.0, buf)
            }
        }

        impl<'r> Decode<'r, Any> for $name {
            fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <String as Decode<'r, Any>>::decode(value)?;
                Ok($name::parse(&text)?)
            }
        }

        /// Read as on the pool, for the direct SQLite reads (`db::direct`).
        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                $name::parse(value.as_str()?)
                    .map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }
    };
}

text_id!(PatientId);
text_id!(LoincCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patient_id_is_short_opaque_text() {
        let uuid = "0b6f2e1c-3d4a-4c1e-9d7a-5e2c9a3a8f4b";
        assert_eq!(PatientId::parse(uuid).unwrap().as_str(), uuid);
        assert!(PatientId::parse("old-1").is_ok());
        for bad in ["", "../etc", "a b", "a/b", "é", "x%20", &"a".repeat(65)] {
            assert!(PatientId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_stored_id_is_parsed_on_the_direct_read_path_too() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let read =
            |text: &str| conn.query_row("SELECT $1", [text], |row| row.get::<_, PatientId>(0));
        assert_eq!(read("old-1").unwrap().as_str(), "old-1");
        assert!(read("../etc").is_err());
    }

    #[test]
    fn a_loinc_code_is_what_a_path_segment_may_carry() {
        for good in ["2345-7", "LP14443-0", "8480-6", "x.1"] {
            assert_eq!(LoincCode::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "2345 7", "2345/7", "<b>", &"1".repeat(33)] {
            assert!(LoincCode::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn both_deserialize_only_through_their_parser() {
        let id: Result<PatientId, _> = serde_json::from_str("\"a/b\"");
        assert!(id.is_err());
        let code: LoincCode = serde_json::from_str("\"2345-7\"").unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"2345-7\"");
    }
}
