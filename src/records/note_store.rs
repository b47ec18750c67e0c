//! Storing and reading clinical notes (migration 0015). As in `store`, every read takes a
//! `ChartAccess`, so a note is read only after its audit entry is committed; the note rows hold
//! the note as JSON, its content rows the decoded bytes (read only where they are shown).

use std::collections::HashMap;

use sqlx::{Any, Transaction};

use super::notes::{ClinicalNote, ContentKind};
use super::upsert::Upsert;
use crate::access::ChartAccess;
use crate::db::Pool;

const NOTES: Upsert = Upsert {
    table: "clinical_notes",
    columns: &["occurred_at", "encounter_fhir_id", "item"],
    casts: &[],
};

fn ts(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn codec<E: std::error::Error + Send + Sync + 'static>(e: E) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

/// Stores a record's notes and their content in the caller's transaction (the import's one).
/// A note stored again replaces its content: its rows are removed and written anew.
pub(super) async fn save_notes_in(
    tx: &mut Transaction<'static, Any>,
    patient_id: &str,
    notes: &[ClinicalNote],
) -> Result<(), sqlx::Error> {
    let mut rows = Vec::with_capacity(notes.len());
    for n in notes {
        // The row holds the note without its bytes (they go to their own rows below).
        let mut meta = n.clone();
        meta.contents.iter_mut().for_each(|c| c.data.clear());
        let item = serde_json::to_string(&meta).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        rows.push((
            n.fhir_id.clone(),
            vec![n.when().as_ref().map(ts), n.encounter.clone(), Some(item)],
        ));
    }
    NOTES.run(tx, patient_id, rows).await?;
    for n in notes {
        sqlx::query(
            "DELETE FROM clinical_note_contents WHERE patient_id = $1 AND note_fhir_id = $2",
        )
        .bind(patient_id)
        .bind(&n.fhir_id)
        .execute(&mut **tx)
        .await?;
        for (seq, c) in n.contents.iter().enumerate() {
            sqlx::query(
                "INSERT INTO clinical_note_contents (patient_id, note_fhir_id, seq, content_type, data) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(patient_id)
            .bind(&n.fhir_id)
            .bind(seq as i64)
            .bind(c.kind.media_type())
            .bind(&c.data)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct NoteRow {
    item: String,
}

#[derive(sqlx::FromRow)]
struct ContentRow {
    note_fhir_id: String,
    seq: i64,
    data: Vec<u8>,
}

fn parse_notes(rows: Vec<NoteRow>) -> Result<Vec<ClinicalNote>, sqlx::Error> {
    rows.iter()
        .map(|r| serde_json::from_str(&r.item).map_err(codec))
        .collect()
}

/// Puts each content row's bytes into its note.
fn fill(notes: &mut [ClinicalNote], rows: Vec<ContentRow>) {
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for (i, n) in notes.iter().enumerate() {
        by_id.insert(n.fhir_id.clone(), i);
    }
    for row in rows {
        let Some(&i) = by_id.get(&row.note_fhir_id) else {
            continue;
        };
        if let Some(c) = usize::try_from(row.seq)
            .ok()
            .and_then(|s| notes[i].contents.get_mut(s))
        {
            c.data = row.data;
        }
    }
}

const ORDER: &str = "ORDER BY occurred_at IS NULL, occurred_at DESC, fhir_id";

/// The chart's notes, newest first, without their content's bytes (the list page).
pub async fn notes(pool: &Pool, chart: &ChartAccess) -> Result<Vec<ClinicalNote>, sqlx::Error> {
    let rows = sqlx::query_as::<_, NoteRow>(&format!(
        "SELECT item FROM clinical_notes WHERE patient_id = $1 {ORDER}"
    ))
    .bind(chart.patient_id())
    .fetch_all(pool)
    .await?;
    parse_notes(rows)
}

/// Every note with its content (the export and the API).
pub async fn notes_with_content(
    pool: &Pool,
    chart: &ChartAccess,
) -> Result<Vec<ClinicalNote>, sqlx::Error> {
    let mut notes = notes(pool, chart).await?;
    if notes.is_empty() {
        return Ok(notes);
    }
    let rows = sqlx::query_as::<_, ContentRow>(
        "SELECT note_fhir_id, seq, data FROM clinical_note_contents WHERE patient_id = $1",
    )
    .bind(chart.patient_id())
    .fetch_all(pool)
    .await?;
    fill(&mut notes, rows);
    Ok(notes)
}

/// One note of this chart with its content; `None` when this patient has no such note
/// (another patient's note id included).
pub async fn note(
    pool: &Pool,
    chart: &ChartAccess,
    fhir_id: &str,
) -> Result<Option<ClinicalNote>, sqlx::Error> {
    let row = sqlx::query_as::<_, NoteRow>(
        "SELECT item FROM clinical_notes WHERE patient_id = $1 AND fhir_id = $2",
    )
    .bind(chart.patient_id())
    .bind(fhir_id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut notes = parse_notes(vec![row])?;
    let rows = sqlx::query_as::<_, ContentRow>(
        "SELECT note_fhir_id, seq, data FROM clinical_note_contents WHERE patient_id = $1 AND note_fhir_id = $2",
    )
    .bind(chart.patient_id())
    .bind(fhir_id)
    .fetch_all(pool)
    .await?;
    fill(&mut notes, rows);
    Ok(notes.pop())
}

/// The notes of one visit with their content, newest first.
pub async fn encounter_notes(
    pool: &Pool,
    chart: &ChartAccess,
    encounter_fhir_id: &str,
) -> Result<Vec<ClinicalNote>, sqlx::Error> {
    let rows = sqlx::query_as::<_, NoteRow>(&format!(
        "SELECT item FROM clinical_notes WHERE patient_id = $1 AND encounter_fhir_id = $2 {ORDER}"
    ))
    .bind(chart.patient_id())
    .bind(encounter_fhir_id)
    .fetch_all(pool)
    .await?;
    let mut notes = parse_notes(rows)?;
    if notes.is_empty() {
        return Ok(notes);
    }
    let contents = sqlx::query_as::<_, ContentRow>(
        "SELECT c.note_fhir_id, c.seq, c.data FROM clinical_note_contents c \
         JOIN clinical_notes n ON n.patient_id = c.patient_id AND n.fhir_id = c.note_fhir_id \
         WHERE c.patient_id = $1 AND n.encounter_fhir_id = $2",
    )
    .bind(chart.patient_id())
    .bind(encounter_fhir_id)
    .fetch_all(pool)
    .await?;
    fill(&mut notes, contents);
    Ok(notes)
}

/// One content of one note, as its kind and bytes (a download).
pub async fn content(
    pool: &Pool,
    chart: &ChartAccess,
    fhir_id: &str,
    seq: usize,
) -> Result<Option<(ContentKind, Vec<u8>)>, sqlx::Error> {
    let Some(note) = note(pool, chart, fhir_id).await? else {
        return Ok(None);
    };
    Ok(note.contents.into_iter().nth(seq).map(|c| (c.kind, c.data)))
}
