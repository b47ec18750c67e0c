//! Closed vocabularies stored or logged as strings (audit actions, chart sections, refusal
//! reasons): `stored_enum!` writes the enum, its one list of variants and strings, `as_str`,
//! `FromStr`/`TryFrom<String>` (for rows: `#[sqlx(try_from = "String")]`) and `Display` from a
//! single table, so a variant cannot be added without its string, nor parsed by a second table
//! that drifts from the first.
//!
//! A string, once stored or logged, is history: never change one; add a variant instead.

/// A stored string that names no variant of the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a known {0}")]
pub struct Unknown(pub &'static str);

/// `stored_enum! { /// docs  pub enum Name ("what it is") { Variant => "stored", ... } }`
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident => $s:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order (some vocabularies only test with it).
            #[allow(dead_code)]
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored (and logged) string.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $s,)+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::vocab::Unknown;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($s => Ok($name::$variant),)+
                    _ => Err($crate::vocab::Unknown($what)),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::vocab::Unknown;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use stored_enum;

/// Asserts that every variant of a `stored_enum!` parses back from its string, and that no two
/// share one (used by each vocabulary's own test).
#[cfg(test)]
pub fn assert_round_trips<T>(all: &[T])
where
    T: Copy + PartialEq + std::fmt::Debug + std::str::FromStr + std::fmt::Display,
    <T as std::str::FromStr>::Err: std::fmt::Debug,
{
    let mut seen = std::collections::HashSet::new();
    for &v in all {
        let s = v.to_string();
        assert!(seen.insert(s.clone()), "{v:?}: {s:?} is used twice");
        assert_eq!(s.parse::<T>().ok(), Some(v), "{s:?} does not parse back");
    }
    for s in ["", " ", "\u{0}", "UNKNOWN"] {
        assert!(s.parse::<T>().is_err(), "{s:?} parses");
    }
}
