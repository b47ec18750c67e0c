//! Storing and reading patient records in the portal database.
//!
//! Writing a record is one transaction, idempotent on FHIR ids. Reading any clinical data takes
//! a `ChartAccess`, which only `crate::access` can make, and making it writes the audit entry:
//! no function here reads a chart without one.

use serde::de::DeserializeOwned;
use sqlx::{Any, Transaction};

use super::model::{
    Allergy, CarePlan, Condition, Demographics, DiagnosticReport, Encounter, Goal, ImagingStudy,
    Immunization, Medication, Observation, ObservationValue, Patient, PatientRecord, Procedure,
    SecurityLabel,
};
use super::search_keys;
use super::upsert::{self, Upsert};
use crate::access::ChartAccess;
use crate::db::Pool;

/// How many items of each kind a bundle held.
pub type Counts = super::model::RecordCounts;

fn json<T: serde::Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

fn parse<T: DeserializeOwned>(s: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(s).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// A row's stored item: the JSON of one domain value (every read below selects `item`).
#[derive(sqlx::FromRow)]
struct StoredItem {
    item: String,
}

impl StoredItem {
    fn parse<T: DeserializeOwned>(&self) -> Result<T, sqlx::Error> {
        parse(&self.item)
    }
}

/// The opaque id of a stored patient.
#[derive(sqlx::FromRow)]
struct StoredId {
    id: String,
}

/// Decodes every row's item, in the rows' order.
fn parse_all<T: DeserializeOwned>(rows: &[StoredItem]) -> Result<Vec<T>, sqlx::Error> {
    rows.iter().map(StoredItem::parse).collect()
}

const ENCOUNTERS: Upsert = Upsert {
    table: "encounters",
    columns: &["started_at", "item"],
    casts: &[],
};
const CONDITIONS: Upsert = Upsert {
    table: "conditions",
    columns: &["code", "display", "clinical_status", "onset", "item"],
    casts: &[],
};
const MEDICATIONS: Upsert = Upsert {
    table: "medications",
    columns: &["code", "display", "status", "authored_on", "item"],
    casts: &[],
};
const ALLERGIES: Upsert = Upsert {
    table: "allergies",
    columns: &["code", "display", "clinical_status", "item"],
    casts: &[],
};
const IMMUNIZATIONS: Upsert = Upsert {
    table: "immunizations",
    columns: &["code", "display", "occurred_at", "item"],
    casts: &[],
};
const OBSERVATIONS: Upsert = Upsert {
    table: "observations",
    columns: &[
        "loinc",
        "display",
        "category",
        "effective_at",
        "value_num",
        "unit",
        "encounter_fhir_id",
        "item",
    ],
    casts: &[("value_num", "CAST($ AS DOUBLE PRECISION)")],
};

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn ts(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Stores a whole record in one transaction. Returns the patient's opaque id. Storing the same
/// record again changes nothing.
pub async fn save_record(
    pool: &Pool,
    record: &PatientRecord,
) -> Result<(String, Counts), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let id = save_record_in(&mut tx, record).await?;
    tx.commit().await?;
    Ok((id, record.counts()))
}

/// As [`save_record`], in the caller's transaction, also saying how many of the record's
/// results (observations and diagnostic reports) were not stored before: the importer tells a
/// linked patient about them in the same transaction, so the notice exists exactly when they do.
pub async fn save_record_counting_new_results(
    tx: &mut Transaction<'static, Any>,
    record: &PatientRecord,
) -> Result<(String, Counts, i64), sqlx::Error> {
    // A write first, as in `save_record_in`: the count below and the save then see one state
    // of the record (SQLite's write lock; PostgreSQL's lock on the patient's row).
    sqlx::query("UPDATE patients SET record_version = record_version WHERE fhir_id = $1")
        .bind(&record.patient.fhir_id)
        .execute(&mut **tx)
        .await?;
    let before = stored_results(tx, &record.patient.fhir_id).await?;
    let id = save_record_in(tx, record).await?;
    // Rows are only ever added or updated (on their FHIR id), so the growth is what is new.
    let after = stored_results(tx, &record.patient.fhir_id).await?;
    Ok((id, record.counts(), after - before))
}

async fn stored_results(
    tx: &mut Transaction<'static, Any>,
    patient_fhir_id: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM observations o JOIN patients p ON p.id = o.patient_id WHERE p.fhir_id = $1) \
         + (SELECT COUNT(*) FROM diagnostic_reports d JOIN patients p ON p.id = d.patient_id WHERE p.fhir_id = $1)",
    )
    .bind(patient_fhir_id)
    .fetch_one(&mut **tx)
    .await
}

async fn save_record_in(
    tx: &mut Transaction<'static, Any>,
    record: &PatientRecord,
) -> Result<String, sqlx::Error> {
    let p = &record.patient;
    // A write first: on SQLite it takes the write lock (waiting its turn, up to the busy
    // timeout) before anything is read, since a transaction that reads first cannot wait for a
    // writer and fails at once with "database is locked" (the audit writer does the same). It
    // also raises the record's version, which the kept chart pages are checked against.
    sqlx::query("UPDATE patients SET record_version = record_version + 1 WHERE fhir_id = $1")
        .bind(&p.fhir_id)
        .execute(&mut **tx)
        .await?;
    let existing = sqlx::query_as::<_, StoredId>("SELECT id FROM patients WHERE fhir_id = $1")
        .bind(&p.fhir_id)
        .fetch_optional(&mut **tx)
        .await?;
    let deceased = p.deceased.as_ref().map(json).transpose()?;
    let id = match existing {
        Some(StoredId { id }) => {
            sqlx::query(
                "UPDATE patients SET mrn = $1, given_name = $2, family_name = $3, given_lower = $4, family_lower = $5, \
                 birth_date = $6, sex = $7, deceased = $8, address = $9, phone = $10, item = $11, \
                 given_folded = $13, family_folded = $14, mrn_folded = $15 WHERE id = $12",
            )
            .bind(&p.mrn.value)
            .bind(&p.given)
            .bind(&p.family)
            .bind(p.given.to_lowercase())
            .bind(p.family.to_lowercase())
            .bind(p.birth_date.to_string())
            .bind(p.sex.fhir_code())
            .bind(deceased)
            .bind(p.address.as_deref())
            .bind(p.phone.as_deref())
            .bind(json(p)?)
            .bind(&id)
            .bind(search_keys::fold(&p.given))
            .bind(search_keys::fold(&p.family))
            .bind(search_keys::fold(&p.mrn.value))
            .execute(&mut **tx)
            .await?;
            id
        }
        None => {
            let id = new_id();
            sqlx::query(
                "INSERT INTO patients (id, fhir_id, mrn, given_name, family_name, given_lower, family_lower, birth_date, sex, deceased, address, phone, item, \
                 given_folded, family_folded, mrn_folded) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            )
            .bind(&id)
            .bind(&p.fhir_id)
            .bind(&p.mrn.value)
            .bind(&p.given)
            .bind(&p.family)
            .bind(p.given.to_lowercase())
            .bind(p.family.to_lowercase())
            .bind(p.birth_date.to_string())
            .bind(p.sex.fhir_code())
            .bind(deceased)
            .bind(p.address.as_deref())
            .bind(p.phone.as_deref())
            .bind(json(p)?)
            .bind(search_keys::fold(&p.given))
            .bind(search_keys::fold(&p.family))
            .bind(search_keys::fold(&p.mrn.value))
            .execute(&mut **tx)
            .await?;
            id
        }
    };
    let s = |v: &str| Some(v.to_string());
    ENCOUNTERS
        .run(
            tx,
            &id,
            record
                .encounters
                .iter()
                .map(|e| Ok((e.fhir_id.clone(), vec![Some(ts(&e.start)), Some(json(e)?)])))
                .collect::<Result<_, sqlx::Error>>()?,
        )
        .await?;
    CONDITIONS
        .run(
            tx,
            &id,
            record
                .conditions
                .iter()
                .map(|c| {
                    Ok((
                        c.fhir_id.clone(),
                        vec![
                            s(&c.code.code),
                            s(&c.code.display),
                            c.clinical_status.map(|v| v.fhir_code().to_string()),
                            c.onset.as_ref().map(ts),
                            Some(json(c)?),
                        ],
                    ))
                })
                .collect::<Result<_, sqlx::Error>>()?,
        )
        .await?;
    MEDICATIONS
        .run(
            tx,
            &id,
            record
                .medications
                .iter()
                .map(|m| {
                    Ok((
                        m.fhir_id.clone(),
                        vec![
                            s(&m.code.code),
                            s(&m.code.display),
                            s(m.status.fhir_code()),
                            m.authored_on.as_ref().map(ts),
                            Some(json(m)?),
                        ],
                    ))
                })
                .collect::<Result<_, sqlx::Error>>()?,
        )
        .await?;
    ALLERGIES
        .run(
            tx,
            &id,
            record
                .allergies
                .iter()
                .map(|a| {
                    Ok((
                        a.fhir_id.clone(),
                        vec![
                            s(&a.code.code),
                            s(&a.code.display),
                            a.clinical_status.map(|v| v.fhir_code().to_string()),
                            Some(json(a)?),
                        ],
                    ))
                })
                .collect::<Result<_, sqlx::Error>>()?,
        )
        .await?;
    IMMUNIZATIONS
        .run(
            tx,
            &id,
            record
                .immunizations
                .iter()
                .map(|i| {
                    Ok((
                        i.fhir_id.clone(),
                        vec![
                            s(&i.vaccine.code),
                            s(&i.vaccine.display),
                            Some(ts(&i.date)),
                            Some(json(i)?),
                        ],
                    ))
                })
                .collect::<Result<_, sqlx::Error>>()?,
        )
        .await?;
    OBSERVATIONS
        .run(
            tx,
            &id,
            record
                .observations
                .iter()
                .map(|o| {
                    let (value, unit) = match &o.value {
                        ObservationValue::Quantity(q) => (Some(q.value), Some(q.unit.clone())),
                        _ => (None, None),
                    };
                    Ok((
                        o.fhir_id.clone(),
                        vec![
                            s(&o.code.code),
                            s(&o.code.display),
                            s(o.category.fhir_code()),
                            Some(ts(&o.effective)),
                            // As text and cast in SQL: sqlx 0.8's Any driver sends a NULL f64 to
                            // PostgreSQL as a float4, which then breaks the statement for the
                            // next real value.
                            value.map(|v| v.to_string()),
                            unit,
                            o.encounter.clone(),
                            Some(json(o)?),
                        ],
                    ))
                })
                .collect::<Result<_, sqlx::Error>>()?,
        )
        .await?;
    save_more_in(tx, &id, record).await?;
    // Labels are only added: a later bundle without one does not lift it (deny by default).
    for label in &record.security_labels {
        sqlx::query(
            "INSERT INTO security_labels (patient_id, resource_type, fhir_id, code) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(&label.resource_type)
        .bind(&label.fhir_id)
        .bind(&label.code)
        .execute(&mut **tx)
        .await?;
    }
    // When the record was stored: its resources' `meta.lastUpdated` and Provenance time.
    sqlx::query("UPDATE patients SET record_updated_at = $1 WHERE id = $2")
        .bind(chrono::Utc::now().timestamp())
        .bind(&id)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

/// The kinds added by migration 0006, which share one table shape.
async fn save_more_in(
    tx: &mut Transaction<'static, Any>,
    patient_id: &str,
    record: &PatientRecord,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO patient_demographics (patient_id, item) VALUES ($1, $2) \
         ON CONFLICT (patient_id) DO UPDATE SET item = excluded.item",
    )
    .bind(patient_id)
    .bind(json(&record.demographics)?)
    .execute(&mut **tx)
    .await?;
    let rows = |items: Vec<ItemRow<'_>>| -> Vec<upsert::Row> {
        items
            .into_iter()
            .map(|r| {
                (
                    r.fhir_id.to_string(),
                    vec![r.occurred_at, r.encounter.map(str::to_string), Some(r.item)],
                )
            })
            .collect()
    };
    let mut procedures = Vec::new();
    for p in &record.procedures {
        let at = p.performed.as_ref().map(ts);
        procedures.push(ItemRow::new(
            &p.fhir_id,
            at,
            p.encounter.as_deref(),
            json(p)?,
        ));
    }
    ItemTable::Procedures
        .upsert()
        .run(tx, patient_id, rows(procedures))
        .await?;
    let mut care_plans = Vec::new();
    for c in &record.care_plans {
        let at = c.start.as_ref().map(ts);
        care_plans.push(ItemRow::new(
            &c.fhir_id,
            at,
            c.encounter.as_deref(),
            json(c)?,
        ));
    }
    ItemTable::CarePlans
        .upsert()
        .run(tx, patient_id, rows(care_plans))
        .await?;
    let mut goals = Vec::new();
    for g in &record.goals {
        goals.push(ItemRow::new(
            &g.fhir_id,
            g.start.as_ref().map(ts),
            None,
            json(g)?,
        ));
    }
    ItemTable::Goals
        .upsert()
        .run(tx, patient_id, rows(goals))
        .await?;
    let mut reports = Vec::new();
    for d in &record.reports {
        let at = d.effective.as_ref().map(ts);
        reports.push(ItemRow::new(
            &d.fhir_id,
            at,
            d.encounter.as_deref(),
            json(d)?,
        ));
    }
    ItemTable::Reports
        .upsert()
        .run(tx, patient_id, rows(reports))
        .await?;
    let mut imaging = Vec::new();
    for i in &record.imaging {
        let at = i.started.as_ref().map(ts);
        imaging.push(ItemRow::new(
            &i.fhir_id,
            at,
            i.encounter.as_deref(),
            json(i)?,
        ));
    }
    ItemTable::Imaging
        .upsert()
        .run(tx, patient_id, rows(imaging))
        .await?;
    super::note_store::save_notes_in(tx, patient_id, &record.notes).await?;
    super::people_store::save_people_in(tx, patient_id, &record.people).await?;
    Ok(())
}

/// The tables of migration 0006 with the item shape. A closed set, so table names in SQL never
/// come from anything but this enum.
#[derive(Clone, Copy)]
enum ItemTable {
    Procedures,
    CarePlans,
    Goals,
    Reports,
    Imaging,
}

impl ItemTable {
    fn name(self) -> &'static str {
        match self {
            ItemTable::Procedures => "procedures",
            ItemTable::CarePlans => "care_plans",
            ItemTable::Goals => "goals",
            ItemTable::Reports => "diagnostic_reports",
            ItemTable::Imaging => "imaging_studies",
        }
    }

    fn upsert(self) -> Upsert {
        Upsert {
            table: self.name(),
            columns: &["occurred_at", "encounter_fhir_id", "item"],
            casts: &[],
        }
    }
}

struct ItemRow<'a> {
    fhir_id: &'a str,
    occurred_at: Option<String>,
    encounter: Option<&'a str>,
    item: String,
}

impl<'a> ItemRow<'a> {
    fn new(
        fhir_id: &'a str,
        occurred_at: Option<String>,
        encounter: Option<&'a str>,
        item: String,
    ) -> Self {
        ItemRow {
            fhir_id,
            occurred_at,
            encounter,
            item,
        }
    }
}

async fn table_items<T: DeserializeOwned>(
    pool: &Pool,
    chart: &ChartAccess,
    table: ItemTable,
) -> Result<Vec<T>, sqlx::Error> {
    // Newest first; undated items last.
    let sql = format!(
        "SELECT item FROM {} WHERE patient_id = $1 ORDER BY occurred_at IS NULL, occurred_at DESC, fhir_id",
        table.name()
    );
    items(pool, &sql, chart.patient_id()).await
}

pub async fn demographics(pool: &Pool, chart: &ChartAccess) -> Result<Demographics, sqlx::Error> {
    let row = sqlx::query_as::<_, StoredItem>(
        "SELECT item FROM patient_demographics WHERE patient_id = $1",
    )
    .bind(chart.patient_id())
    .fetch_optional(pool)
    .await?;
    match row {
        Some(r) => r.parse(),
        None => Ok(Demographics::default()),
    }
}

/// Procedures, newest first.
pub async fn procedures(pool: &Pool, chart: &ChartAccess) -> Result<Vec<Procedure>, sqlx::Error> {
    table_items(pool, chart, ItemTable::Procedures).await
}

/// Care plans, newest first.
pub async fn care_plans(pool: &Pool, chart: &ChartAccess) -> Result<Vec<CarePlan>, sqlx::Error> {
    table_items(pool, chart, ItemTable::CarePlans).await
}

pub async fn goals(pool: &Pool, chart: &ChartAccess) -> Result<Vec<Goal>, sqlx::Error> {
    table_items(pool, chart, ItemTable::Goals).await
}

/// Diagnostic reports, newest first.
pub async fn reports(
    pool: &Pool,
    chart: &ChartAccess,
) -> Result<Vec<DiagnosticReport>, sqlx::Error> {
    table_items(pool, chart, ItemTable::Reports).await
}

/// Imaging studies, newest first.
pub async fn imaging(pool: &Pool, chart: &ChartAccess) -> Result<Vec<ImagingStudy>, sqlx::Error> {
    table_items(pool, chart, ItemTable::Imaging).await
}

/// One encounter of this chart by its FHIR id; `None` when this patient has no such visit
/// (another patient's visit id included).
pub async fn encounter(
    pool: &Pool,
    chart: &ChartAccess,
    fhir_id: &str,
) -> Result<Option<Encounter>, sqlx::Error> {
    let row = sqlx::query_as::<_, StoredItem>(
        "SELECT item FROM encounters WHERE patient_id = $1 AND fhir_id = $2",
    )
    .bind(chart.patient_id())
    .bind(fhir_id)
    .fetch_optional(pool)
    .await?;
    row.map(|r| r.parse()).transpose()
}

/// The observations of one encounter, oldest first.
pub async fn encounter_observations(
    pool: &Pool,
    chart: &ChartAccess,
    fhir_id: &str,
) -> Result<Vec<Observation>, sqlx::Error> {
    let rows = sqlx::query_as::<_, StoredItem>(
        "SELECT item FROM observations WHERE patient_id = $1 AND encounter_fhir_id = $2 \
         ORDER BY effective_at, fhir_id DESC",
    )
    .bind(chart.patient_id())
    .bind(fhir_id)
    .fetch_all(pool)
    .await?;
    parse_all(&rows)
}

/// Every observation of the chart, oldest first (reports list theirs by id).
pub async fn all_observations(
    pool: &Pool,
    chart: &ChartAccess,
) -> Result<Vec<Observation>, sqlx::Error> {
    observations_all(pool, chart).await
}

async fn items<T: DeserializeOwned>(
    pool: &Pool,
    sql: &str,
    patient_id: &str,
) -> Result<Vec<T>, sqlx::Error> {
    let rows = sqlx::query_as::<_, StoredItem>(sql)
        .bind(patient_id)
        .fetch_all(pool)
        .await?;
    parse_all(&rows)
}

pub async fn patient(pool: &Pool, chart: &ChartAccess) -> Result<Patient, sqlx::Error> {
    sqlx::query_as::<_, StoredItem>("SELECT item FROM patients WHERE id = $1")
        .bind(chart.patient_id())
        .fetch_one(pool)
        .await?
        .parse()
}

pub async fn encounters(pool: &Pool, chart: &ChartAccess) -> Result<Vec<Encounter>, sqlx::Error> {
    items(
        pool,
        "SELECT item FROM encounters WHERE patient_id = $1 ORDER BY started_at DESC",
        chart.patient_id(),
    )
    .await
}

pub async fn conditions(pool: &Pool, chart: &ChartAccess) -> Result<Vec<Condition>, sqlx::Error> {
    items(
        pool,
        "SELECT item FROM conditions WHERE patient_id = $1 ORDER BY onset DESC",
        chart.patient_id(),
    )
    .await
}

pub async fn medications(pool: &Pool, chart: &ChartAccess) -> Result<Vec<Medication>, sqlx::Error> {
    items(
        pool,
        "SELECT item FROM medications WHERE patient_id = $1 ORDER BY authored_on DESC",
        chart.patient_id(),
    )
    .await
}

pub async fn allergies(pool: &Pool, chart: &ChartAccess) -> Result<Vec<Allergy>, sqlx::Error> {
    items(
        pool,
        "SELECT item FROM allergies WHERE patient_id = $1 ORDER BY display",
        chart.patient_id(),
    )
    .await
}

pub async fn immunizations(
    pool: &Pool,
    chart: &ChartAccess,
) -> Result<Vec<Immunization>, sqlx::Error> {
    items(
        pool,
        "SELECT item FROM immunizations WHERE patient_id = $1 ORDER BY occurred_at DESC",
        chart.patient_id(),
    )
    .await
}

/// Observations of one category ("laboratory", "vital-signs"), newest first.
pub async fn observations(
    pool: &Pool,
    chart: &ChartAccess,
    category: &str,
) -> Result<Vec<Observation>, sqlx::Error> {
    let rows = sqlx::query_as::<_, StoredItem>(
        "SELECT item FROM observations WHERE patient_id = $1 AND category = $2 ORDER BY effective_at DESC, fhir_id",
    )
    .bind(chart.patient_id())
    .bind(category)
    .fetch_all(pool)
    .await?;
    parse_all(&rows)
}

/// Observations of one category taken at or after `since`, newest first, at most `limit` (the
/// home page's new results).
pub async fn observations_since(
    pool: &Pool,
    chart: &ChartAccess,
    category: &str,
    since: &chrono::DateTime<chrono::Utc>,
    limit: i64,
) -> Result<Vec<Observation>, sqlx::Error> {
    let rows = sqlx::query_as::<_, StoredItem>(
        "SELECT item FROM observations WHERE patient_id = $1 AND category = $2 AND effective_at >= $3 \
         ORDER BY effective_at DESC, fhir_id LIMIT $4",
    )
    .bind(chart.patient_id())
    .bind(category)
    .bind(ts(since))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    parse_all(&rows)
}

/// Every result of one LOINC code, oldest first (for a trend).
pub async fn observation_history(
    pool: &Pool,
    chart: &ChartAccess,
    loinc: &str,
) -> Result<Vec<Observation>, sqlx::Error> {
    let rows = sqlx::query_as::<_, StoredItem>(
        "SELECT item FROM observations WHERE patient_id = $1 AND loinc = $2 ORDER BY effective_at, fhir_id DESC",
    )
    .bind(chart.patient_id())
    .bind(loinc)
    .fetch_all(pool)
    .await?;
    parse_all(&rows)
}

/// The record's version: raised each time the record is stored (see `chart_cache`).
pub async fn record_version(pool: &Pool, chart: &ChartAccess) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT record_version FROM patients WHERE id = $1")
        .bind(chart.patient_id())
        .fetch_one(pool)
        .await
}

/// When the record was last stored (`None`: before that was kept, see migration 0017).
pub async fn record_updated_at(
    pool: &Pool,
    chart: &ChartAccess,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, sqlx::Error> {
    let secs: i64 = sqlx::query_scalar("SELECT record_updated_at FROM patients WHERE id = $1")
        .bind(chart.patient_id())
        .fetch_one(pool)
        .await?;
    Ok((secs > 0)
        .then(|| chrono::DateTime::from_timestamp(secs, 0))
        .flatten())
}

/// The whole record, for export: one query per kind, never one per row.
pub async fn whole_record(pool: &Pool, chart: &ChartAccess) -> Result<PatientRecord, sqlx::Error> {
    // Oldest first, exactly the reverse of the pages' order (`Observation::newest_first`), so
    // an API client's last result of a test is the one the pages call the latest.
    let mut observations = observations_all(pool, chart).await?;
    observations.sort_by(|a, b| Observation::newest_first(b, a));
    Ok(PatientRecord {
        patient: patient(pool, chart).await?,
        demographics: demographics(pool, chart).await?,
        encounters: encounters(pool, chart).await?,
        conditions: conditions(pool, chart).await?,
        medications: medications(pool, chart).await?,
        allergies: allergies(pool, chart).await?,
        immunizations: immunizations(pool, chart).await?,
        observations,
        procedures: procedures(pool, chart).await?,
        care_plans: care_plans(pool, chart).await?,
        goals: goals(pool, chart).await?,
        reports: reports(pool, chart).await?,
        imaging: imaging(pool, chart).await?,
        notes: super::note_store::notes_with_content(pool, chart).await?,
        people: super::people_store::people(pool, chart).await?,
        security_labels: security_labels(pool, chart).await?,
    })
}

/// The record's confidentiality labels (#29), as imported.
pub async fn security_labels(
    pool: &Pool,
    chart: &ChartAccess,
) -> Result<Vec<SecurityLabel>, sqlx::Error> {
    let rows = sqlx::query_as::<_, (String, String, String)>(
        "SELECT resource_type, fhir_id, code FROM security_labels WHERE patient_id = $1 \
         ORDER BY resource_type, fhir_id, code",
    )
    .bind(chart.patient_id().as_str())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(resource_type, fhir_id, code)| SecurityLabel {
            resource_type,
            fhir_id,
            code,
        })
        .collect())
}

async fn observations_all(
    pool: &Pool,
    chart: &ChartAccess,
) -> Result<Vec<Observation>, sqlx::Error> {
    items(
        pool,
        "SELECT item FROM observations WHERE patient_id = $1 ORDER BY effective_at, fhir_id DESC",
        chart.patient_id(),
    )
    .await
}

/// One part of a page's read: a kind of item in the order its page lists it. A closed set, so
/// the SQL of [`read_parts`] is built from constants only; values are bound.
#[derive(Clone, Copy)]
enum Part<'a> {
    Patient,
    Conditions,
    Medications,
    Allergies,
    /// One category, newest first.
    Observations(&'a str),
    /// One LOINC code, oldest first.
    History(&'a str),
}

impl<'a> Part<'a> {
    /// `(table, order)`; no order for the one patient row.
    fn shape(self) -> (&'static str, &'static str) {
        match self {
            Part::Patient => ("patients", ""),
            Part::Conditions => ("conditions", "onset DESC"),
            Part::Medications => ("medications", "authored_on DESC"),
            Part::Allergies => ("allergies", "display"),
            // Ties by FHIR id, as `Observation::newest_first` orders them.
            Part::Observations(_) => ("observations", "effective_at DESC, fhir_id"),
            Part::History(_) => ("observations", "effective_at, fhir_id DESC"),
        }
    }

    /// The column and value a part filters on beyond the patient.
    fn filter(self) -> Option<(&'static str, &'a str)> {
        match self {
            Part::Observations(category) => Some(("category", category)),
            Part::History(loinc) => Some(("loinc", loinc)),
            _ => None,
        }
    }
}

/// A row of [`read_parts`]: which part, and its items as one comma-separated list of JSON
/// objects (`None` when the part has no rows).
#[derive(sqlx::FromRow)]
struct PartItems {
    part: i64,
    items: Option<String>,
}

/// The items of one part, as read by [`read_parts`].
struct Items(Option<String>);

impl Items {
    fn parse<T: DeserializeOwned>(&self) -> Result<Vec<T>, sqlx::Error> {
        match &self.0 {
            None => Ok(Vec::new()),
            Some(list) => {
                let mut array = String::with_capacity(list.len() + 2);
                array.push('[');
                array.push_str(list);
                array.push(']');
                parse(&array)
            }
        }
    }

    /// The one patient row the patient part must have (as [`patient`]'s `fetch_one`).
    fn the_patient(&self) -> Result<Patient, sqlx::Error> {
        self.parse::<Patient>()?
            .into_iter()
            .next()
            .ok_or(sqlx::Error::RowNotFound)
    }
}

/// Reads several parts of one chart in one statement, one row per part: one round trip and
/// one consistent snapshot instead of a query per part, and a handful of rows instead of one
/// per item (sqlx's SQLite driver hands every row across threads, which the profile showed
/// to dominate a chart page). Each part's items are joined in the part's own order
/// (`string_agg(item, ',' ORDER BY ...)`, PostgreSQL and SQLite 3.44+ alike), so each engine
/// orders as it does for the single-part queries above. Returns the items of each part, in the
/// order of `parts`.
async fn read_parts(
    pool: &Pool,
    chart: &ChartAccess,
    parts: &[Part<'_>],
) -> Result<Vec<Items>, sqlx::Error> {
    let mut sql = String::new();
    let mut binds: Vec<&str> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            sql.push_str(" UNION ALL ");
        }
        let (table, order) = part.shape();
        binds.push(chart.patient_id());
        let id_column = if table == "patients" {
            "id"
        } else {
            "patient_id"
        };
        let order = if order.is_empty() { "id" } else { order };
        sql.push_str(&format!(
            "SELECT CAST({i} AS BIGINT) AS part, string_agg(item, ',' ORDER BY {order}) AS items \
             FROM {table} WHERE {id_column} = ${}",
            binds.len()
        ));
        if let Some((column, value)) = part.filter() {
            binds.push(value);
            sql.push_str(&format!(" AND {column} = ${}", binds.len()));
        }
    }
    let mut query = sqlx::query_as::<_, PartItems>(&sql);
    for b in binds {
        query = query.bind(b);
    }
    let mut out: Vec<Items> = parts.iter().map(|_| Items(None)).collect();
    for row in query.fetch_all(pool).await? {
        let slot = usize::try_from(row.part)
            .ok()
            .and_then(|p| out.get_mut(p))
            .ok_or_else(|| sqlx::Error::Protocol(format!("unexpected part {}", row.part)))?;
        *slot = Items(row.items);
    }
    Ok(out)
}

/// What the chart summary shows, read at once.
pub struct Summary {
    pub patient: Patient,
    pub conditions: Vec<Condition>,
    pub medications: Vec<Medication>,
    pub allergies: Vec<Allergy>,
    /// Newest first.
    pub vitals: Vec<Observation>,
    /// Newest first.
    pub labs: Vec<Observation>,
}

/// The summary's six kinds in one statement: the same rows, in the same orders, as
/// [`patient`], [`conditions`], [`medications`], [`allergies`] and [`observations`] of
/// "vital-signs" and "laboratory".
pub async fn summary(pool: &Pool, chart: &ChartAccess) -> Result<Summary, sqlx::Error> {
    let parts = read_parts(
        pool,
        chart,
        &[
            Part::Patient,
            Part::Conditions,
            Part::Medications,
            Part::Allergies,
            Part::Observations("vital-signs"),
            Part::Observations("laboratory"),
        ],
    )
    .await?;
    Ok(Summary {
        patient: parts[0].the_patient()?,
        conditions: parts[1].parse()?,
        medications: parts[2].parse()?,
        allergies: parts[3].parse()?,
        vitals: parts[4].parse()?,
        labs: parts[5].parse()?,
    })
}

/// [`patient`] and [`observations`] of one category, in one statement.
pub async fn patient_and_observations(
    pool: &Pool,
    chart: &ChartAccess,
    category: &str,
) -> Result<(Patient, Vec<Observation>), sqlx::Error> {
    let parts = read_parts(pool, chart, &[Part::Patient, Part::Observations(category)]).await?;
    Ok((parts[0].the_patient()?, parts[1].parse()?))
}

/// [`patient`] and [`observation_history`] of one LOINC code, in one statement.
pub async fn patient_and_history(
    pool: &Pool,
    chart: &ChartAccess,
    loinc: &str,
) -> Result<(Patient, Vec<Observation>), sqlx::Error> {
    let parts = read_parts(pool, chart, &[Part::Patient, Part::History(loinc)]).await?;
    Ok((parts[0].the_patient()?, parts[1].parse()?))
}
