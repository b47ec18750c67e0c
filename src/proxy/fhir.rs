//! Proxies in the patient's export (#29 item 4): each live grant is a FHIR R4 `RelatedPerson`
//! of the patient, with the period of the grant. Revoked or ended grants are not exported.

use serde_json::{json, Value};

use crate::access::ChartAccess;
use crate::db::{self, Pool};

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    proxy_name: String,
    proxy_email: String,
    ends_at: Option<i64>,
    created_at: i64,
}

fn instant(t: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// Adds the patient's proxies to an export `bundle` whose first entry is the Patient.
pub async fn add_to_export(
    pool: &Pool,
    chart: &ChartAccess,
    bundle: &mut Value,
) -> Result<(), sqlx::Error> {
    let rows = sqlx::query_as::<_, Row>(
        "SELECT id, proxy_name, proxy_email, ends_at, created_at FROM proxy_grants \
         WHERE patient_id = $1 AND revoked_at IS NULL AND (ends_at IS NULL OR ends_at > $2) \
         ORDER BY created_at",
    )
    .bind(chart.patient_id().as_str())
    .bind(db::now())
    .fetch_all(pool)
    .await?;
    let patient_url = bundle["entry"][0]["fullUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let Some(entries) = bundle.get_mut("entry").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    for r in rows {
        let mut period = json!({ "start": instant(r.created_at) });
        if let Some(end) = r.ends_at.and_then(instant) {
            period["end"] = json!(end);
        }
        let resource = json!({
            "resourceType": "RelatedPerson",
            "id": r.id,
            "active": true,
            "patient": { "reference": patient_url },
            "relationship": [{ "text": "Proxy: acts for the patient in the patient portal" }],
            "name": [{ "text": r.proxy_name }],
            "telecom": [{ "system": "email", "value": r.proxy_email }],
            "period": period,
        });
        entries.push(json!({ "fullUrl": format!("urn:uuid:{}", r.id), "resource": resource }));
    }
    Ok(())
}
