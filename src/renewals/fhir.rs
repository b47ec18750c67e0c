//! Approved renewals in the export: each a new `MedicationRequest` (status active, intent
//! order) whose `priorPrescription` refers to the renewed one's entry in the same bundle.

use serde_json::{json, Value};

use super::state::RenewalState;
use super::store;
use crate::access::ChartAccess;
use crate::db::Pool;

pub async fn add_to_export(
    pool: &Pool,
    chart: &ChartAccess,
    bundle: &mut Value,
) -> Result<(), sqlx::Error> {
    let renewals = store::all(pool, chart).await?;
    let patient_url = bundle["entry"][0]["fullUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let Some(entries) = bundle.get_mut("entry").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    for r in renewals.iter().rev() {
        let (RenewalState::Approved, Some(new_id)) = (r.state, &r.new_prescription_id) else {
            continue;
        };
        // The renewed prescription's entry: its FHIR id is the export's resource id.
        let prior = entries.iter().find(|e| {
            e["resource"]["resourceType"] == "MedicationRequest"
                && e["resource"]["id"] == r.medication_fhir_id.as_str()
        });
        let (prior_ref, medication) = match prior {
            Some(e) => (
                json!({ "reference": e["fullUrl"] }),
                e["resource"]["medicationCodeableConcept"].clone(),
            ),
            None => (
                json!({ "display": r.medication_name }),
                json!({ "text": r.medication_name }),
            ),
        };
        let mut resource = json!({
            "resourceType": "MedicationRequest",
            "id": new_id,
            "status": "active",
            "intent": "order",
            "medicationCodeableConcept": medication,
            "subject": { "reference": patient_url },
            "priorPrescription": prior_ref,
        });
        if let Some(at) = r
            .decided_at
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        {
            resource["authoredOn"] = json!(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
        if let Some(by) = &r.decided_by_name {
            resource["requester"] = json!({ "display": by });
        }
        let mut dispense = serde_json::Map::new();
        if let Some(n) = r.refills {
            dispense.insert("numberOfRepeatsAllowed".into(), json!(n));
        }
        if let Some(q) = r.quantity {
            dispense.insert("quantity".into(), json!({ "value": q }));
        }
        if !r.pharmacy.is_empty() {
            dispense.insert("performer".into(), json!({ "display": r.pharmacy }));
        }
        if !dispense.is_empty() {
            resource["dispenseRequest"] = Value::Object(dispense);
        }
        if !r.note.is_empty() {
            resource["note"] = json!([{ "text": r.note }]);
        }
        entries.push(json!({ "fullUrl": format!("urn:uuid:{new_id}"), "resource": resource }));
    }
    Ok(())
}
