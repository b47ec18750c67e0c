//! Appointments in FHIR R4: the export's `Appointment` resources (one call from the record
//! export), and the `Appointment` resources of an imported bundle (one call from the importer).

use serde_json::{json, Value};

use super::status::State;
use super::store;
use crate::access::ChartAccess;
use crate::db::{self, Pool};

fn instant(unix: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// Appends the patient's appointments to an exported bundle (valid R4: status and
/// participant are required; start/end are both given or neither).
pub async fn add_to_export(
    pool: &Pool,
    chart: &ChartAccess,
    bundle: &mut Value,
) -> Result<(), sqlx::Error> {
    let items = store::all(pool, chart).await?;
    let patient_url = bundle["entry"][0]["fullUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let Some(entries) = bundle.get_mut("entry").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    for a in items {
        let mut participants = vec![json!({
            "actor": { "reference": patient_url },
            "status": "accepted",
        })];
        if let Some(name) = &a.clinician_name {
            participants.push(json!({ "actor": { "display": name }, "status": "accepted" }));
        }
        if let Some(place) = &a.place {
            participants.push(json!({
                "type": [{ "text": "location" }],
                "actor": { "display": place },
                "status": "accepted",
            }));
        }
        let mut r = json!({
            "resourceType": "Appointment",
            "id": a.id,
            "status": a.state.fhir_code(),
            "description": a.reason,
            "created": chrono::DateTime::from_timestamp(a.requested_at, 0)
                .map(|t| t.date_naive().to_string()),
            "participant": participants,
        });
        if let (Some(start), Some(end)) = (a.start_at.and_then(instant), a.end_at.and_then(instant))
        {
            r["start"] = json!(start);
            r["end"] = json!(end);
        }
        if a.state.is_open_request() {
            r["comment"] = json!(format!(
                "Preferred: {}; {}; {}",
                a.preferred_days,
                super::patient::time_label(&a.preferred_time),
                // The export is the same in every language (#31).
                super::patient::mode_label_in(crate::i18n::Lang::En, &a.mode)
            ));
        }
        if let Some(reason) = &a.decline_reason {
            r["cancelationReason"] = json!({ "text": reason });
        }
        entries.push(json!({ "fullUrl": format!("urn:uuid:{}", a.id), "resource": r }));
    }
    Ok(())
}

/// Imports the `Appointment` resources of a bundle for a patient already saved (idempotent:
/// the FHIR id is kept, and a second import updates the same row). Resources without a start
/// or with a status we do not show are skipped; returns how many were stored.
pub async fn import(pool: &Pool, patient_id: &str, bundle: &Value) -> Result<usize, sqlx::Error> {
    let entries = bundle
        .get("entry")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut stored = 0;
    let now = db::now();
    for e in entries {
        let r = &e["resource"];
        if r["resourceType"] != "Appointment" {
            continue;
        }
        let Some(fhir_id) = r["id"].as_str().filter(|s| !s.is_empty() && s.len() <= 64) else {
            continue;
        };
        let state = match r["status"].as_str() {
            Some("booked" | "arrived" | "checked-in") => State::Booked,
            Some("fulfilled") => State::Completed,
            Some("cancelled") => State::Cancelled,
            Some("noshow") => State::NoShow,
            _ => continue,
        };
        let parse = |field: &str| {
            r[field]
                .as_str()
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                .map(|t| t.timestamp())
        };
        let (Some(start), Some(end)) = (parse("start"), parse("end")) else {
            continue;
        };
        let text = |v: &Value| v.as_str().map(|s| s.chars().take(500).collect::<String>());
        let reason = text(&r["description"])
            .or_else(|| text(&r["reasonCode"][0]["text"]))
            .or_else(|| text(&r["serviceType"][0]["text"]))
            .unwrap_or_else(|| "Appointment".to_string());
        let mut clinician = None;
        let mut place = None;
        for p in r["participant"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let reference = p["actor"]["reference"].as_str().unwrap_or_default();
            let display = text(&p["actor"]["display"]);
            if reference.contains("Practitioner") && clinician.is_none() {
                clinician = display;
            } else if reference.contains("Location") && place.is_none() {
                place = display;
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO appointments (id, patient_id, state, source, fhir_id, reason, preferred_days, preferred_time, mode, \
             clinician_name, start_at, end_at, place, requested_at, updated_at) \
             VALUES ($1, $2, $3, 'import', $4, $5, '', 'any', 'in_person', $6, $7, $8, $9, $10, $10) \
             ON CONFLICT (patient_id, fhir_id) DO UPDATE SET state = $3, reason = $5, clinician_name = $6, \
             start_at = $7, end_at = $8, place = $9, updated_at = $10",
        )
        .bind(&id)
        .bind(patient_id)
        .bind(state.as_str())
        .bind(fhir_id)
        .bind(&reason)
        .bind(&clinician)
        .bind(start)
        .bind(end)
        .bind(&place)
        .bind(now)
        .execute(pool)
        .await?;
        stored += 1;
    }
    Ok(stored)
}
