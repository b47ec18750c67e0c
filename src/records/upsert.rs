//! A record's rows written many to a statement. Every statement crosses to the database (for
//! SQLite, to the connection's worker thread) and back; one per row made the demo seed a
//! thousand round trips and most of a first start's time.
//!
//! Each table's upsert keeps the meaning the single-row statements had: a row whose FHIR id is
//! already stored for the patient is updated, and a FHIR id given twice ends as the last one
//! given (PostgreSQL refuses to update one row twice in a statement, so duplicates are dropped
//! before the statement is built, keeping the last).

use std::collections::HashMap;

use sqlx::{Any, Transaction};

/// One table's upsert.
pub(super) struct Upsert {
    pub table: &'static str,
    /// The columns written, in the order of each row's values.
    pub columns: &'static [&'static str],
    /// How each value is written, `$` standing for its placeholder; `None`: the placeholder.
    pub casts: &'static [(&'static str, &'static str)],
    /// The unique key a conflict is on, and which column of a row holds the FHIR id.
    pub key: &'static str,
    pub fhir_id_column: usize,
    /// Columns a conflict overwrites with the new row's values.
    pub updates: &'static [&'static str],
}

/// A row's values, in the order of [`Upsert::columns`]; text or NULL, as every record column is.
pub(super) type Row = Vec<Option<String>>;

/// At most this many placeholders in one statement. The engines allow far more (SQLite 32 766,
/// PostgreSQL 65 535), but binding a statement's values grows faster than their number in
/// sqlx's SQLite driver: 181 observations took 26 ms in one statement, 20 took 1 ms.
const MAX_PARAMETERS: usize = 250;

impl Upsert {
    pub async fn run(
        &self,
        tx: &mut Transaction<'static, Any>,
        rows: Vec<Row>,
    ) -> Result<(), sqlx::Error> {
        let rows = last_of_each(rows, self.fhir_id_column);
        let per_statement = (MAX_PARAMETERS / self.columns.len()).max(1);
        for chunk in rows.chunks(per_statement) {
            let sql = self.sql(chunk.len());
            // Not kept as a prepared statement: the last chunk's size varies.
            let mut query = sqlx::query(&sql).persistent(false);
            for row in chunk {
                debug_assert_eq!(row.len(), self.columns.len());
                for value in row {
                    query = query.bind(value.clone());
                }
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }

    fn sql(&self, rows: usize) -> String {
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            self.table,
            self.columns.join(", ")
        );
        let mut n = 0;
        for r in 0..rows {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for (c, column) in self.columns.iter().enumerate() {
                if c > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                let placeholder = format!("${n}");
                match self.casts.iter().find(|(name, _)| name == column) {
                    Some((_, cast)) => sql.push_str(&cast.replace('$', &placeholder)),
                    None => sql.push_str(&placeholder),
                }
            }
            sql.push(')');
        }
        sql.push_str(&format!(" ON CONFLICT {} DO UPDATE SET ", self.key));
        let updates: Vec<String> = self
            .updates
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        sql.push_str(&updates.join(", "));
        sql
    }
}

/// The rows with each FHIR id once, as the last row that gave it, in the order of first sight.
fn last_of_each(rows: Vec<Row>, key: usize) -> Vec<Row> {
    let mut position: HashMap<Option<String>, usize> = HashMap::with_capacity(rows.len());
    let mut out: Vec<Row> = Vec::with_capacity(rows.len());
    for row in rows {
        let k = row.get(key).cloned().flatten();
        match position.get(&k) {
            Some(&i) => out[i] = row,
            None => {
                position.insert(k, out.len());
                out.push(row);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Upsert = Upsert {
        table: "t",
        columns: &["id", "fhir_id", "v"],
        casts: &[("v", "CAST($ AS DOUBLE PRECISION)")],
        key: "(fhir_id)",
        fhir_id_column: 1,
        updates: &["v"],
    };

    #[test]
    fn numbers_placeholders_across_rows_and_applies_casts() {
        assert_eq!(
            T.sql(2),
            "INSERT INTO t (id, fhir_id, v) VALUES ($1, $2, CAST($3 AS DOUBLE PRECISION)), \
             ($4, $5, CAST($6 AS DOUBLE PRECISION)) ON CONFLICT (fhir_id) DO UPDATE SET v = excluded.v"
        );
    }

    #[test]
    fn a_repeated_fhir_id_keeps_the_last_row_in_the_first_place() {
        let row =
            |id: &str, f: &str, v: &str| vec![Some(id.into()), Some(f.into()), Some(v.into())];
        let out = last_of_each(
            vec![row("1", "a", "x"), row("2", "b", "y"), row("3", "a", "z")],
            1,
        );
        assert_eq!(out, vec![row("3", "a", "z"), row("2", "b", "y")]);
    }
}
