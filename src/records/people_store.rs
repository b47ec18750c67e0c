//! Storing and reading the people, places and costs of a record (migration 0016): the same
//! item-table shape as procedures or care plans, one table per kind. Reading takes a
//! `ChartAccess`, as every read of `store` does: these rows are part of the patient's record
//! (which clinicians they saw, what their visits cost), so they are read only through the
//! audited key, and only the rows of that patient's own record.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::{Any, Transaction};

use super::model::{
    CareTeam, Claim, ExplanationOfBenefit, Location, Organization, People, Practitioner,
    PractitionerRole,
};
use super::upsert::{self, Upsert};
use crate::access::ChartAccess;
use crate::db::Pool;

/// The tables of migration 0016. A closed set, so table names in SQL never come from anything
/// but this enum.
#[derive(Clone, Copy)]
enum Table {
    Practitioners,
    Roles,
    Organizations,
    Locations,
    CareTeams,
    Claims,
    Benefits,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Practitioners => "practitioners",
            Table::Roles => "practitioner_roles",
            Table::Organizations => "organizations",
            Table::Locations => "locations",
            Table::CareTeams => "care_teams",
            Table::Claims => "claims",
            Table::Benefits => "explanations_of_benefit",
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

fn json<T: Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

fn ts(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One row: FHIR id, when, which visit, the item.
fn row<T: Serialize>(
    fhir_id: &str,
    at: Option<&chrono::DateTime<chrono::Utc>>,
    encounter: Option<&str>,
    item: &T,
) -> Result<upsert::Row, sqlx::Error> {
    Ok((
        fhir_id.to_owned(),
        vec![at.map(ts), encounter.map(str::to_owned), Some(json(item)?)],
    ))
}

/// Stores a record's people, places and costs, in the caller's transaction (the record's).
pub(super) async fn save_people_in(
    tx: &mut Transaction<'static, Any>,
    patient_id: &str,
    people: &People,
) -> Result<(), sqlx::Error> {
    let rows = |items: Vec<Result<upsert::Row, sqlx::Error>>| {
        items
            .into_iter()
            .collect::<Result<Vec<upsert::Row>, sqlx::Error>>()
    };
    let practitioners = rows(
        people
            .practitioners
            .iter()
            .map(|p| row(&p.fhir_id, None, None, p))
            .collect(),
    )?;
    Table::Practitioners
        .upsert()
        .run(tx, patient_id, practitioners)
        .await?;
    let roles = rows(
        people
            .roles
            .iter()
            .map(|r| row(&r.fhir_id, None, None, r))
            .collect(),
    )?;
    Table::Roles.upsert().run(tx, patient_id, roles).await?;
    let organizations = rows(
        people
            .organizations
            .iter()
            .map(|o| row(&o.fhir_id, None, None, o))
            .collect(),
    )?;
    Table::Organizations
        .upsert()
        .run(tx, patient_id, organizations)
        .await?;
    let locations = rows(
        people
            .locations
            .iter()
            .map(|l| row(&l.fhir_id, None, None, l))
            .collect(),
    )?;
    Table::Locations
        .upsert()
        .run(tx, patient_id, locations)
        .await?;
    let teams = rows(
        people
            .care_teams
            .iter()
            .map(|c| row(&c.fhir_id, c.start.as_ref(), c.encounter.as_deref(), c))
            .collect(),
    )?;
    Table::CareTeams.upsert().run(tx, patient_id, teams).await?;
    let claims = rows(
        people
            .claims
            .iter()
            .map(|c| row(&c.fhir_id, Some(&c.created), c.encounter(), c))
            .collect(),
    )?;
    Table::Claims.upsert().run(tx, patient_id, claims).await?;
    let benefits = rows(
        people
            .benefits
            .iter()
            .map(|b| row(&b.fhir_id, Some(&b.created), b.encounter(), b))
            .collect(),
    )?;
    Table::Benefits
        .upsert()
        .run(tx, patient_id, benefits)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct StoredItem {
    item: String,
}

/// A table's items of this chart, newest first (undated last), then by FHIR id.
async fn items<T: DeserializeOwned>(
    pool: &Pool,
    chart: &ChartAccess,
    table: Table,
) -> Result<Vec<T>, sqlx::Error> {
    let sql = format!(
        "SELECT item FROM {} WHERE patient_id = $1 \
         ORDER BY occurred_at IS NULL, occurred_at DESC, fhir_id",
        table.name()
    );
    let rows = sqlx::query_as::<_, StoredItem>(&sql)
        .bind(chart.patient_id())
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| serde_json::from_str(&r.item).map_err(|e| sqlx::Error::Decode(Box::new(e))))
        .collect()
}

/// A table's items of one visit of this chart.
async fn visit_items<T: DeserializeOwned>(
    pool: &Pool,
    chart: &ChartAccess,
    table: Table,
    encounter: &str,
) -> Result<Vec<T>, sqlx::Error> {
    let sql = format!(
        "SELECT item FROM {} WHERE patient_id = $1 AND encounter_fhir_id = $2 \
         ORDER BY occurred_at, fhir_id",
        table.name()
    );
    let rows = sqlx::query_as::<_, StoredItem>(&sql)
        .bind(chart.patient_id())
        .bind(encounter)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| serde_json::from_str(&r.item).map_err(|e| sqlx::Error::Decode(Box::new(e))))
        .collect()
}

/// Every person, place, care team and cost of the chart (claims and EOBs newest first).
pub async fn people(pool: &Pool, chart: &ChartAccess) -> Result<People, sqlx::Error> {
    Ok(People {
        practitioners: items::<Practitioner>(pool, chart, Table::Practitioners).await?,
        roles: items::<PractitionerRole>(pool, chart, Table::Roles).await?,
        organizations: items::<Organization>(pool, chart, Table::Organizations).await?,
        locations: items::<Location>(pool, chart, Table::Locations).await?,
        care_teams: items::<CareTeam>(pool, chart, Table::CareTeams).await?,
        claims: items::<Claim>(pool, chart, Table::Claims).await?,
        benefits: items::<ExplanationOfBenefit>(pool, chart, Table::Benefits).await?,
    })
}

/// The people and places of the chart, without its costs (the visit and care team pages).
pub async fn directory(pool: &Pool, chart: &ChartAccess) -> Result<People, sqlx::Error> {
    Ok(People {
        practitioners: items(pool, chart, Table::Practitioners).await?,
        roles: items(pool, chart, Table::Roles).await?,
        organizations: items(pool, chart, Table::Organizations).await?,
        locations: items(pool, chart, Table::Locations).await?,
        care_teams: items(pool, chart, Table::CareTeams).await?,
        ..People::default()
    })
}

/// The claims and explanations of benefit of one visit of this chart.
pub async fn visit_costs(
    pool: &Pool,
    chart: &ChartAccess,
    encounter: &str,
) -> Result<(Vec<Claim>, Vec<ExplanationOfBenefit>), sqlx::Error> {
    Ok((
        visit_items(pool, chart, Table::Claims, encounter).await?,
        visit_items(pool, chart, Table::Benefits, encounter).await?,
    ))
}
