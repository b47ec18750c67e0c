//! Writing a [`PatientRecord`] as a FHIR R4 `Bundle` of type `collection`.
//!
//! Every entry has a `urn:uuid:` fullUrl and every reference between entries uses those fullUrls,
//! so the bundle stands alone. The UUID is the resource's FHIR id when that is a UUID (Synthea's
//! are), else one derived from type and id with SHA-256, so exporting twice gives the same
//! fullUrls. Each resource carries the fields FHIR R4 requires (Encounter.status/class,
//! MedicationRequest.status/intent/subject/medication, Immunization.status/vaccineCode/patient/
//! occurrence, Observation.status/code, ...). An encounter reference that does not resolve within
//! the record is left out rather than exported dangling.
//!
//! The output parses back with [`super::fhir_import::parse_bundle`] to an equal record, and is
//! checked outside this repository with the Python package fhir.resources (R4B models).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::model::{
    systems, Allergy, ComponentValue, Concept, Condition, Deceased, Encounter, Immunization,
    Medication, Observation, ObservationCategory, ObservationValue, Patient, PatientRecord,
    Quantity,
};

/// The whole record as a FHIR R4 collection Bundle, stamped with the current time.
pub fn export_bundle(record: &PatientRecord) -> Value {
    export_bundle_at(record, Utc::now())
}

/// As [`export_bundle`], with the Bundle timestamp given (for reproducible output).
pub fn export_bundle_at(record: &PatientRecord, timestamp: DateTime<Utc>) -> Value {
    let mut urls = FullUrls::default();
    let patient_url = urls.assign("Patient", &record.patient.fhir_id);
    let encounter_urls: HashMap<&str, String> = record
        .encounters
        .iter()
        .map(|e| (e.fhir_id.as_str(), urls.assign("Encounter", &e.fhir_id)))
        .collect();
    let ctx = Ctx {
        patient: json!({ "reference": patient_url }),
        encounters: encounter_urls,
    };

    let mut entries = Vec::new();
    let mut push = |url: String, resource: Value| {
        entries.push(json!({ "fullUrl": url, "resource": resource }));
    };
    push(patient_url.clone(), patient(&record.patient, &patient_url));
    for e in &record.encounters {
        let url = ctx.encounters.get(e.fhir_id.as_str()).cloned();
        let url = url.unwrap_or_else(|| urls.assign("Encounter", &e.fhir_id));
        push(url.clone(), ctx.encounter(e, &url));
    }
    for c in &record.conditions {
        let url = urls.assign("Condition", &c.fhir_id);
        push(url.clone(), ctx.condition(c, &url));
    }
    for m in &record.medications {
        let url = urls.assign("MedicationRequest", &m.fhir_id);
        push(url.clone(), ctx.medication(m, &url));
    }
    for a in &record.allergies {
        let url = urls.assign("AllergyIntolerance", &a.fhir_id);
        push(url.clone(), ctx.allergy(a, &url));
    }
    for i in &record.immunizations {
        let url = urls.assign("Immunization", &i.fhir_id);
        push(url.clone(), ctx.immunization(i, &url));
    }
    for o in &record.observations {
        let url = urls.assign("Observation", &o.fhir_id);
        push(url.clone(), ctx.observation(o, &url));
    }

    let bundle_id = hashed_uuid(&format!(
        "Bundle/{}/{}",
        record.patient.fhir_id,
        instant(timestamp)
    ));
    json!({
        "resourceType": "Bundle",
        "id": bundle_id.to_string(),
        "meta": { "lastUpdated": instant(timestamp) },
        "type": "collection",
        "timestamp": instant(timestamp),
        "entry": entries,
    })
}

/// Gives each resource a unique `urn:uuid:` fullUrl.
#[derive(Default)]
struct FullUrls {
    used: HashSet<Uuid>,
}

impl FullUrls {
    fn assign(&mut self, rtype: &str, fhir_id: &str) -> String {
        let mut uuid = Uuid::parse_str(fhir_id)
            .ok()
            .unwrap_or_else(|| hashed_uuid(&format!("{rtype}/{fhir_id}")));
        let mut salt = 0u32;
        while !self.used.insert(uuid) {
            salt += 1;
            uuid = hashed_uuid(&format!("{rtype}/{fhir_id}#{salt}"));
        }
        format!("urn:uuid:{uuid}")
    }
}

/// A name-based UUID (RFC 4122 layout, version 5 bits) from SHA-256 of `name`.
fn hashed_uuid(name: &str) -> Uuid {
    let digest = Sha256::digest(name.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes).into_uuid()
}

/// The resource id: the FHIR id when it is a valid FHIR id, else the fullUrl's UUID.
fn resource_id(fhir_id: &str, url: &str) -> String {
    let valid = !fhir_id.is_empty()
        && fhir_id.len() <= 64
        && fhir_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if valid {
        fhir_id.to_owned()
    } else {
        url.trim_start_matches("urn:uuid:").to_owned()
    }
}

/// A FHIR instant/dateTime in UTC ("2012-09-10T15:29:24Z"; fractions only when present).
fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn codeable(c: &Concept) -> Value {
    if c.code.is_empty() {
        return json!({ "text": c.display });
    }
    let mut coding = Map::new();
    if !c.system.is_empty() {
        coding.insert("system".into(), json!(c.system));
    }
    coding.insert("code".into(), json!(c.code));
    if !c.display.is_empty() {
        coding.insert("display".into(), json!(c.display));
    }
    let mut cc = Map::new();
    cc.insert("coding".into(), Value::Array(vec![Value::Object(coding)]));
    if !c.display.is_empty() {
        cc.insert("text".into(), json!(c.display));
    }
    Value::Object(cc)
}

fn status_concept(system: &str, code: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": code }] })
}

fn quantity(q: &Quantity) -> Value {
    if q.unit.is_empty() {
        json!({ "value": q.value })
    } else {
        json!({ "value": q.value, "unit": q.unit, "system": systems::UCUM, "code": q.unit })
    }
}

/// Adds `key: value` when the value is there.
fn put(obj: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        obj.insert(key.to_owned(), v);
    }
}

fn patient(p: &Patient, url: &str) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("Patient"));
    r.insert("id".into(), json!(resource_id(&p.fhir_id, url)));
    let mut mrn = Map::new();
    mrn.insert(
        "type".into(),
        json!({
            "coding": [{ "system": systems::IDENTIFIER_TYPE, "code": "MR", "display": "Medical Record Number" }],
            "text": "Medical Record Number"
        }),
    );
    put(&mut mrn, "system", p.mrn.system.as_ref().map(|s| json!(s)));
    mrn.insert("value".into(), json!(p.mrn.value));
    r.insert("identifier".into(), json!([mrn]));
    let mut name = Map::new();
    name.insert("use".into(), json!("official"));
    if !p.family.is_empty() {
        name.insert("family".into(), json!(p.family));
    }
    if !p.given.is_empty() {
        name.insert("given".into(), json!([p.given]));
    }
    r.insert("name".into(), json!([name]));
    put(
        &mut r,
        "telecom",
        p.phone
            .as_ref()
            .map(|ph| json!([{ "system": "phone", "value": ph, "use": "home" }])),
    );
    r.insert("gender".into(), json!(p.sex.fhir_code()));
    r.insert(
        "birthDate".into(),
        json!(p.birth_date.format("%Y-%m-%d").to_string()),
    );
    match p.deceased {
        None => {}
        Some(Deceased::DateUnknown) => {
            r.insert("deceasedBoolean".into(), json!(true));
        }
        Some(Deceased::OnDate(d)) => {
            r.insert(
                "deceasedDateTime".into(),
                json!(d.format("%Y-%m-%d").to_string()),
            );
        }
        Some(Deceased::At(t)) => {
            r.insert("deceasedDateTime".into(), json!(instant(t)));
        }
    }
    put(
        &mut r,
        "address",
        p.address
            .as_ref()
            .map(|a| json!([{ "use": "home", "text": a }])),
    );
    Value::Object(r)
}

struct Ctx<'r> {
    patient: Value,
    encounters: HashMap<&'r str, String>,
}

impl Ctx<'_> {
    fn encounter_ref(&self, id: Option<&String>) -> Option<Value> {
        let url = self.encounters.get(id?.as_str())?;
        Some(json!({ "reference": url }))
    }

    fn encounter(&self, e: &Encounter, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("Encounter"));
        r.insert("id".into(), json!(resource_id(&e.fhir_id, url)));
        r.insert("status".into(), json!(e.status));
        r.insert(
            "class".into(),
            json!({ "system": systems::ACT_CODE, "code": e.class_code }),
        );
        put(
            &mut r,
            "type",
            e.kind.as_ref().map(|k| json!([codeable(k)])),
        );
        r.insert("subject".into(), self.patient.clone());
        put(
            &mut r,
            "participant",
            e.provider
                .as_ref()
                .map(|p| json!([{ "individual": { "display": p } }])),
        );
        let mut period = Map::new();
        period.insert("start".into(), json!(instant(e.start)));
        put(&mut period, "end", e.end.map(|t| json!(instant(t))));
        r.insert("period".into(), Value::Object(period));
        put(
            &mut r,
            "reasonCode",
            e.reason.as_ref().map(|c| json!([codeable(c)])),
        );
        put(
            &mut r,
            "serviceProvider",
            e.organization.as_ref().map(|o| json!({ "display": o })),
        );
        Value::Object(r)
    }

    fn condition(&self, c: &Condition, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("Condition"));
        r.insert("id".into(), json!(resource_id(&c.fhir_id, url)));
        put(
            &mut r,
            "clinicalStatus",
            c.clinical_status
                .map(|s| status_concept(systems::CONDITION_CLINICAL, s.fhir_code())),
        );
        put(
            &mut r,
            "verificationStatus",
            c.verification_status
                .as_ref()
                .map(|s| status_concept(systems::CONDITION_VERIFICATION, s)),
        );
        r.insert("code".into(), codeable(&c.code));
        r.insert("subject".into(), self.patient.clone());
        put(
            &mut r,
            "encounter",
            self.encounter_ref(c.encounter.as_ref()),
        );
        put(&mut r, "onsetDateTime", c.onset.map(|t| json!(instant(t))));
        put(
            &mut r,
            "abatementDateTime",
            c.abatement.map(|t| json!(instant(t))),
        );
        put(
            &mut r,
            "recordedDate",
            c.recorded.map(|t| json!(instant(t))),
        );
        Value::Object(r)
    }

    fn medication(&self, m: &Medication, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("MedicationRequest"));
        r.insert("id".into(), json!(resource_id(&m.fhir_id, url)));
        r.insert("status".into(), json!(m.status.fhir_code()));
        r.insert("intent".into(), json!(m.intent));
        r.insert("medicationCodeableConcept".into(), codeable(&m.code));
        r.insert("subject".into(), self.patient.clone());
        put(
            &mut r,
            "encounter",
            self.encounter_ref(m.encounter.as_ref()),
        );
        put(
            &mut r,
            "authoredOn",
            m.authored_on.map(|t| json!(instant(t))),
        );
        put(
            &mut r,
            "dosageInstruction",
            m.dosage.as_ref().map(|d| json!([{ "text": d }])),
        );
        Value::Object(r)
    }

    fn allergy(&self, a: &Allergy, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("AllergyIntolerance"));
        r.insert("id".into(), json!(resource_id(&a.fhir_id, url)));
        put(
            &mut r,
            "clinicalStatus",
            a.clinical_status
                .map(|s| status_concept(systems::ALLERGY_CLINICAL, s.fhir_code())),
        );
        put(
            &mut r,
            "verificationStatus",
            a.verification_status
                .as_ref()
                .map(|s| status_concept(systems::ALLERGY_VERIFICATION, s)),
        );
        put(&mut r, "type", a.kind.as_ref().map(|k| json!(k)));
        if !a.categories.is_empty() {
            let cats: Vec<&str> = a.categories.iter().map(|c| c.fhir_code()).collect();
            r.insert("category".into(), json!(cats));
        }
        put(
            &mut r,
            "criticality",
            a.criticality.map(|c| json!(c.fhir_code())),
        );
        r.insert("code".into(), codeable(&a.code));
        r.insert("patient".into(), self.patient.clone());
        put(
            &mut r,
            "recordedDate",
            a.recorded.map(|t| json!(instant(t))),
        );
        Value::Object(r)
    }

    fn immunization(&self, i: &Immunization, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("Immunization"));
        r.insert("id".into(), json!(resource_id(&i.fhir_id, url)));
        r.insert("status".into(), json!(i.status));
        r.insert("vaccineCode".into(), codeable(&i.vaccine));
        r.insert("patient".into(), self.patient.clone());
        put(
            &mut r,
            "encounter",
            self.encounter_ref(i.encounter.as_ref()),
        );
        r.insert("occurrenceDateTime".into(), json!(instant(i.date)));
        Value::Object(r)
    }

    fn observation(&self, o: &Observation, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("Observation"));
        r.insert("id".into(), json!(resource_id(&o.fhir_id, url)));
        r.insert("status".into(), json!(o.status));
        let category = o.category.fhir_code();
        if !category.is_empty() {
            let display = match &o.category {
                ObservationCategory::Laboratory => Some("Laboratory"),
                ObservationCategory::VitalSigns => Some("Vital Signs"),
                ObservationCategory::Other(_) => None,
            };
            let mut coding = Map::new();
            coding.insert("system".into(), json!(systems::OBSERVATION_CATEGORY));
            coding.insert("code".into(), json!(category));
            put(&mut coding, "display", display.map(|d| json!(d)));
            r.insert("category".into(), json!([{ "coding": [coding] }]));
        }
        r.insert("code".into(), codeable(&o.code));
        r.insert("subject".into(), self.patient.clone());
        put(
            &mut r,
            "encounter",
            self.encounter_ref(o.encounter.as_ref()),
        );
        r.insert("effectiveDateTime".into(), json!(instant(o.effective)));
        match &o.value {
            ObservationValue::Quantity(q) => {
                r.insert("valueQuantity".into(), quantity(q));
            }
            ObservationValue::Text(t) => {
                r.insert("valueString".into(), json!(t));
            }
            ObservationValue::Components(parts) => {
                let comps: Vec<Value> = parts
                    .iter()
                    .map(|c| {
                        let mut m = Map::new();
                        m.insert("code".into(), codeable(&c.code));
                        match &c.value {
                            ComponentValue::Quantity(q) => {
                                m.insert("valueQuantity".into(), quantity(q));
                            }
                            ComponentValue::Text(t) => {
                                m.insert("valueString".into(), json!(t));
                            }
                            ComponentValue::Empty => {}
                        }
                        Value::Object(m)
                    })
                    .collect();
                r.insert("component".into(), Value::Array(comps));
            }
            ObservationValue::Empty => {}
        }
        Value::Object(r)
    }
}

/// A message between the patient and their care team, as the export carries it (a FHIR
/// `Communication`). The messages area fills these in; this module only writes them.
#[derive(Debug, Clone)]
pub struct CommunicationItem {
    /// The message id (a UUID).
    pub id: String,
    pub topic: String,
    pub category: String,
    pub from_patient: bool,
    pub author_name: String,
    pub body: String,
    pub sent: DateTime<Utc>,
    /// The message this one answers (the previous one in its conversation).
    pub in_response_to: Option<String>,
    pub attachments: Vec<CommunicationAttachment>,
}

#[derive(Debug, Clone)]
pub struct CommunicationAttachment {
    pub content_type: String,
    pub title: String,
    pub size: u64,
    /// The audited download, as an absolute URL.
    pub url: String,
}

/// Appends the patient's messages to an exported bundle as `Communication` resources that
/// refer to the bundle's Patient entry.
pub fn add_communications(bundle: &mut Value, items: &[CommunicationItem]) {
    let patient_url = bundle["entry"][0]["fullUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let patient = json!({ "reference": patient_url });
    let Some(entries) = bundle.get_mut("entry").and_then(Value::as_array_mut) else {
        return;
    };
    for m in items {
        let url = format!("urn:uuid:{}", m.id);
        let mut payload = vec![json!({ "contentString": m.body })];
        for a in &m.attachments {
            payload.push(json!({ "contentAttachment": {
                "contentType": a.content_type,
                "title": a.title,
                "size": a.size,
                "url": a.url,
            }}));
        }
        let (sender, recipient) = if m.from_patient {
            (patient.clone(), json!({ "display": "Care team" }))
        } else {
            (json!({ "display": m.author_name }), patient.clone())
        };
        let mut resource = json!({
            "resourceType": "Communication",
            "id": m.id,
            "status": "completed",
            "category": [{ "text": m.category }],
            "subject": patient,
            "topic": { "text": m.topic },
            "sent": instant(m.sent),
            "sender": sender,
            "recipient": [recipient],
            "payload": payload,
        });
        if let Some(previous) = &m.in_response_to {
            resource["inResponseTo"] = json!([{ "reference": format!("urn:uuid:{previous}") }]);
        }
        entries.push(json!({ "fullUrl": url, "resource": resource }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::fhir_import::parse_bundle;
    use crate::records::model::{Component, Concept, Mrn, Sex};
    use crate::records::test_support::{check_bundle_shape, synthea_json, write_for_validation};
    use chrono::{NaiveDate, TimeZone};

    fn fixed_time() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn synthea_bundles_round_trip_to_equal_records() {
        for name in ["Clemente_Kreiger", "Louis_Erdman", "Patria_Schimmel"] {
            let Some(json) = synthea_json(name) else {
                return;
            };
            let original = parse_bundle(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
            let exported = export_bundle(&original.record);
            check_bundle_shape(&exported);
            write_for_validation(name, &exported);
            let again = parse_bundle(&exported)
                .unwrap_or_else(|e| panic!("{name}: export does not parse back: {e}"));
            assert!(again.skipped.is_empty(), "{name}: {:?}", again.skipped);
            assert_eq!(again.record.counts(), original.record.counts(), "{name}");
            assert_eq!(again.record, original.record, "{name}");
            // Synthea ids are UUIDs: they are kept as ids and fullUrls.
            assert_eq!(
                exported["entry"][0]["fullUrl"],
                format!("urn:uuid:{}", original.record.patient.fhir_id)
            );
        }
    }

    fn small_record() -> PatientRecord {
        let t = fixed_time();
        let mut record = PatientRecord::new(Patient {
            fhir_id: "demo patient 1".into(), // not a valid FHIR id: exported with a derived one
            given: "Mary Ann".into(),
            family: "O'Neil".into(),
            birth_date: NaiveDate::from_ymd_opt(1950, 2, 3).unwrap_or_default(),
            sex: Sex::Female,
            deceased: Some(Deceased::OnDate(
                NaiveDate::from_ymd_opt(2023, 4, 5).unwrap_or_default(),
            )),
            mrn: Mrn {
                system: None,
                value: "MRN-100001".into(),
            },
            address: Some("1 Main St, Springfield".into()),
            phone: None,
        });
        record.encounters.push(Encounter {
            fhir_id: "enc-1".into(),
            status: "finished".into(),
            class_code: "AMB".into(),
            kind: None,
            reason: Some(Concept::new("", "", "Feeling dizzy")),
            start: t,
            end: None,
            provider: None,
            organization: Some("Portal Clinic".into()),
        });
        record.observations.push(Observation {
            fhir_id: "obs-1".into(),
            code: Concept::new(systems::LOINC, "55284-4", "Blood pressure"),
            status: "final".into(),
            category: ObservationCategory::Other(String::new()),
            effective: t,
            value: ObservationValue::Components(vec![
                Component {
                    code: Concept::new(systems::LOINC, "8480-6", "Systolic"),
                    value: ComponentValue::Quantity(Quantity {
                        value: 141.0,
                        unit: "mm[Hg]".into(),
                    }),
                },
                Component {
                    code: Concept::new(systems::LOINC, "8462-4", "Diastolic"),
                    value: ComponentValue::Empty,
                },
            ]),
            encounter: Some("enc-1".into()),
        });
        record.observations.push(Observation {
            fhir_id: "obs-2".into(),
            code: Concept::new(systems::LOINC, "72514-3", "Pain"),
            status: "final".into(),
            category: ObservationCategory::Other("survey".into()),
            effective: t,
            value: ObservationValue::Empty,
            encounter: Some("no-such-encounter".into()),
        });
        record
    }

    #[test]
    fn ids_that_are_not_fhir_ids_get_derived_uuids_and_round_trip() {
        let record = small_record();
        let a = export_bundle_at(&record, fixed_time());
        let b = export_bundle_at(&record, fixed_time());
        assert_eq!(a, b, "export is deterministic for a given timestamp");
        check_bundle_shape(&a);
        write_for_validation("small_record", &a);
        assert_eq!(a["timestamp"], "2024-05-06T07:08:09Z");
        let patient = &a["entry"][0]["resource"];
        let pid = patient["id"].as_str().unwrap_or_default();
        assert!(Uuid::parse_str(pid).is_ok(), "{pid}");
        assert_eq!(patient["deceasedDateTime"], "2023-04-05");
        assert_eq!(patient["name"][0]["given"], json!(["Mary Ann"]));
        // The dangling encounter reference is dropped, not exported.
        let pain = &a["entry"][3]["resource"];
        assert_eq!(pain["id"], "obs-2");
        assert!(pain.get("encounter").is_none());

        let back = parse_bundle(&a).unwrap_or_else(|e| panic!("{e}"));
        let mut expected = record.clone();
        expected.patient.fhir_id = pid.to_owned();
        expected.observations[1].encounter = None;
        assert_eq!(back.record, expected);
    }
}
