//! The folded forms of a patient's names and MRN that staff search looks up by, so "guzman"
//! finds "Guzmán" and a pasted "mrn-0042" finds "MRN-0042".
//!
//! The keys are made here, in Rust, and stored in indexed columns (`given_folded`,
//! `family_folded`, `mrn_folded`, migration 0007): SQLite has no accent folding, and the two
//! engines would fold differently anyway. Whoever writes a patient row writes its keys with
//! [`fold`]; rows written before the columns existed are filled by [`fill_missing`] at start-up.
//! A search folds what the clinician typed the same way, so the same function must serve both.

use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// Case- and accent-folded text: compatibility-decomposed (NFKD), combining marks dropped,
/// lower-cased, and the Latin letters that do not decompose spelled as people type them
/// without the key ("ß" -> "ss", "ø" -> "o", "ł" -> "l"). Non-Latin scripts are kept, only
/// lower-cased.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'ß' | 'ẞ' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
            'þ' | 'Þ' => out.push_str("th"),
            'ı' => out.push('i'),
            // Typographic apostrophes ("O’Brien") as typed on a keyboard.
            '\u{2018}' | '\u{2019}' | '\u{02BC}' => out.push('\''),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// A patient row whose search keys are not filled yet.
#[derive(sqlx::FromRow)]
struct Unfolded {
    id: String,
    given_name: String,
    family_name: String,
    mrn: String,
}

/// Fills the search keys of every patient row that lacks them (rows stored before migration
/// 0007). Batched, one transaction per batch; a no-op (one indexed lookup) once all are filled.
/// Returns how many rows it filled. Takes the sqlx pool itself (`db::Pool` is that type): `db`
/// runs this right after the migrations, so this module must not depend on `db`.
pub async fn fill_missing(pool: &sqlx::AnyPool) -> Result<u64, sqlx::Error> {
    const BATCH: i64 = 500;
    let mut filled = 0u64;
    loop {
        let rows = sqlx::query_as::<_, Unfolded>(
            "SELECT id, given_name, family_name, mrn FROM patients \
             WHERE family_folded IS NULL OR given_folded IS NULL OR mrn_folded IS NULL LIMIT $1",
        )
        .bind(BATCH)
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            return Ok(filled);
        }
        let mut tx = pool.begin().await?;
        for r in &rows {
            sqlx::query(
                "UPDATE patients SET given_folded = $1, family_folded = $2, mrn_folded = $3 WHERE id = $4",
            )
            .bind(fold(&r.given_name))
            .bind(fold(&r.family_name))
            .bind(fold(&r.mrn))
            .bind(&r.id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        filled += rows.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_case_fold_away() {
        assert_eq!(fold("Guzmán"), "guzman");
        assert_eq!(fold("GUZMÁN"), "guzman");
        // A combining accent typed as its own character folds the same as the precomposed one.
        assert_eq!(fold("Guzma\u{301}n"), "guzman");
        assert_eq!(fold("Ñúñez-Öztürk"), "nunez-ozturk");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Łukasz Søren Æsir"), "lukasz soren aesir");
        assert_eq!(fold("O’Brien"), "o'brien");
        assert_eq!(fold("İbrahim"), "ibrahim");
        assert_eq!(fold("ＳＭＩＴＨ"), "smith", "full-width letters");
        assert_eq!(fold("MRN-0042ab"), "mrn-0042ab");
        assert_eq!(
            fold("Μαρία"),
            "μαρια",
            "other scripts: case and accents only"
        );
    }

    #[test]
    fn a_folded_prefix_is_a_prefix_of_the_folded_name() {
        for (typed, stored) in [("guzm", "Guzmán"), ("GUZMÁ", "Guzmán"), ("stra", "Straße")] {
            assert!(fold(stored).starts_with(&fold(typed)), "{typed} / {stored}");
        }
    }
}
