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

/// One table's upsert. Every record table starts with `id`, `patient_id` and `fhir_id`, is
/// unique on `(patient_id, fhir_id)`, and a conflict overwrites all of its other columns.
pub(super) struct Upsert {
    pub table: &'static str,
    /// The columns after the common three, in the order of each row's values.
    pub columns: &'static [&'static str],
    /// How a column's value is written, `$` standing for its placeholder; others: the placeholder.
    pub casts: &'static [(&'static str, &'static str)],
}

/// A row: its FHIR id, then its values in the order of [`Upsert::columns`]; text or NULL, as
/// every record column is.
pub(super) type Row = (String, Vec<Option<String>>);

/// `id`, `patient_id`, `fhir_id`.
const COMMON: usize = 3;

impl Upsert {
    pub async fn run(
        &self,
        tx: &mut Transaction<'static, Any>,
        patient_id: &str,
        rows: Vec<Row>,
    ) -> Result<(), sqlx::Error> {
        let rows = last_of_each(rows);
        let per_statement = (crate::db::MAX_PARAMETERS / (COMMON + self.columns.len())).max(1);
        for chunk in rows.chunks(per_statement) {
            let sql = self.sql(chunk.len());
            // Not kept as a prepared statement: the last chunk's size varies.
            let mut query = sqlx::query(&sql).persistent(false);
            for (fhir_id, values) in chunk {
                debug_assert_eq!(values.len(), self.columns.len());
                query = query
                    .bind(uuid::Uuid::new_v4().to_string())
                    .bind(patient_id.to_string())
                    .bind(fhir_id.clone());
                for value in values {
                    query = query.bind(value.clone());
                }
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }

    fn sql(&self, rows: usize) -> String {
        let mut sql = format!(
            "INSERT INTO {} (id, patient_id, fhir_id, {}) VALUES ",
            self.table,
            self.columns.join(", ")
        );
        let mut n = 0;
        for r in 0..rows {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            let columns = ["id", "patient_id", "fhir_id"].iter().chain(self.columns);
            for (c, column) in columns.enumerate() {
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
        sql.push_str(" ON CONFLICT (patient_id, fhir_id) DO UPDATE SET ");
        let updates: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        sql.push_str(&updates.join(", "));
        sql
    }
}

/// The rows with each FHIR id once, as the last row that gave it, in the order of first sight.
fn last_of_each(rows: Vec<Row>) -> Vec<Row> {
    let mut position: HashMap<String, usize> = HashMap::with_capacity(rows.len());
    let mut out: Vec<Row> = Vec::with_capacity(rows.len());
    for row in rows {
        match position.get(&row.0) {
            Some(&i) => out[i] = row,
            None => {
                position.insert(row.0.clone(), out.len());
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
        columns: &["v", "item"],
        casts: &[("v", "CAST($ AS DOUBLE PRECISION)")],
    };

    #[test]
    fn numbers_placeholders_across_rows_and_applies_casts() {
        assert_eq!(
            T.sql(2),
            "INSERT INTO t (id, patient_id, fhir_id, v, item) VALUES \
             ($1, $2, $3, CAST($4 AS DOUBLE PRECISION), $5), \
             ($6, $7, $8, CAST($9 AS DOUBLE PRECISION), $10) \
             ON CONFLICT (patient_id, fhir_id) DO UPDATE SET v = excluded.v, item = excluded.item"
        );
    }

    #[test]
    fn a_repeated_fhir_id_keeps_the_last_row_in_the_first_place() {
        let row = |f: &str, v: &str| (f.to_string(), vec![Some(v.to_string())]);
        let out = last_of_each(vec![row("a", "x"), row("b", "y"), row("a", "z")]);
        assert_eq!(out, vec![row("a", "z"), row("b", "y")]);
    }
}
