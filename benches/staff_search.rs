//! How long a clinician's patient search takes with 100 000 patients, on SQLite (and on
//! PostgreSQL when PORTAL_TEST_POSTGRES_URL is set). Run with `cargo bench --bench staff_search`.
//!
//! It seeds the patients table directly (identifying columns only; search reads nothing else),
//! then times each kind of search many times and prints the median, 95th and 99th percentiles.
//! Every tenth family name carries an accent ("Guzmán"), so accent-free searches are timed too.

use std::time::{Duration, Instant};

use patient_portal::db::{self, Pool};
use patient_portal::records::search_keys::fold;
use patient_portal::staff::search::{search, Query};

const PATIENTS: usize = 100_000;
const RUNS: usize = 200;

const GIVEN: &[&str] = &[
    "Ada", "Ben", "Chen", "Dana", "Eli", "Farah", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lena",
];
const FAMILY: &[&str] = &[
    "Smith", "Nguyen", "Okafor", "Silva", "Kowalski", "Haddad", "Larsen", "Moreau", "Tanaka",
    "Guzmán",
];

async fn seed(pool: &Pool) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    for i in 0..PATIENTS {
        let given = GIVEN[i % GIVEN.len()];
        let family = format!("{}{}", FAMILY[(i / GIVEN.len()) % FAMILY.len()], i / 120);
        let birth = format!("{}-{:02}-{:02}", 1930 + i % 90, 1 + i % 12, 1 + i % 28);
        sqlx::query(
            "INSERT INTO patients (id, fhir_id, mrn, given_name, family_name, given_lower, family_lower, birth_date, sex, item, \
             given_folded, family_folded, mrn_folded) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'unknown', '{}', $9, $10, $11)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(format!("bench-{i}"))
        .bind(format!("MRN-{:07}", i))
        .bind(given)
        .bind(&family)
        .bind(given.to_lowercase())
        .bind(family.to_lowercase())
        .bind(birth)
        .bind(fold(given))
        .bind(fold(&family))
        .bind(fold(&format!("MRN-{:07}", i)))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn time(pool: &Pool, label: &str, q: &str) -> anyhow::Result<()> {
    let query = Query::parse(q).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut samples: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut found = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let result = search(pool, &query, 1).await?;
        samples.push(start.elapsed());
        found = result.rows.len();
    }
    samples.sort();
    println!(
        "{label:<28} median {:>8.3} ms   p95 {:>8.3} ms   p99 {:>8.3} ms   ({found} on the first page)",
        samples[RUNS / 2].as_secs_f64() * 1e3,
        samples[RUNS * 95 / 100].as_secs_f64() * 1e3,
        samples[RUNS * 99 / 100].as_secs_f64() * 1e3
    );
    Ok(())
}

async fn run(url: &str, engine: &str) -> anyhow::Result<()> {
    let pool = db::connect(url).await?;
    let started = Instant::now();
    seed(&pool).await?;
    println!(
        "{engine}: seeded {PATIENTS} patients in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    time(&pool, "family name prefix", "okafor4").await?;
    time(&pool, "family, given", "Silva12, Ada").await?;
    time(&pool, "date of birth", "1975-04-18").await?;
    time(&pool, "MRN", "MRN-0054321").await?;
    time(&pool, "MRN in another case", "mrn-0054321").await?;
    time(&pool, "accent-free family prefix", "guzman4").await?;
    time(&pool, "accented family, given", "Guzmán12, Ada").await?;
    time(&pool, "no match", "zzzz").await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    run(
        &format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.sqlite").display()
        ),
        "SQLite",
    )
    .await?;
    if let Ok(admin) = std::env::var("PORTAL_TEST_POSTGRES_URL") {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&admin).await?;
        let name = format!("portal_bench_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await?;
        let mut url = url::Url::parse(&admin)?;
        url.set_path(&format!("/{name}"));
        run(url.as_str(), "PostgreSQL").await?;
        pool.close().await;
        let _ = sqlx::query(&format!("DROP DATABASE {name}"))
            .execute(&sqlx::AnyPool::connect(&admin).await?)
            .await;
    }
    Ok(())
}
