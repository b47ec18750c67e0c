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
    systems, Address, Allergy, CarePlan, ComponentValue, Concept, Condition, Deceased,
    Demographics, DiagnosticReport, Encounter, Goal, ImagingStudy, Immunization, Medication,
    Observation, ObservationCategory, ObservationValue, OmbStatement, Patient, PatientRecord,
    Procedure, Quantity,
};
use super::us_core;

const GOAL_ACHIEVEMENT: &str = "http://terminology.hl7.org/CodeSystem/goal-achievement";
const US_CORE_RACE: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race";
const US_CORE_ETHNICITY: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity";
const US_CORE_BIRTH_SEX: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex";

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
    // Resources other resources point at get their fullUrls first, so links can be written.
    let mut linkable = |rtype: &str, ids: Vec<&'_ str>| -> HashMap<String, String> {
        ids.into_iter()
            .map(|id| (id.to_owned(), urls.assign(rtype, id)))
            .collect()
    };
    let conditions = linkable(
        "Condition",
        record
            .conditions
            .iter()
            .map(|c| c.fhir_id.as_str())
            .collect(),
    );
    let observations = linkable(
        "Observation",
        record
            .observations
            .iter()
            .map(|o| o.fhir_id.as_str())
            .collect(),
    );
    let goals = linkable(
        "Goal",
        record.goals.iter().map(|g| g.fhir_id.as_str()).collect(),
    );
    let parties = PartyUrls::assign(&mut urls, &record.people);
    let ctx = Ctx {
        parties,
        patient: json!({ "reference": patient_url }),
        encounters: encounter_urls,
        conditions,
        observations,
        goals,
    };

    let mut entries = Vec::new();
    let mut push = |url: String, resource: Value| {
        entries.push(json!({ "fullUrl": url, "resource": resource }));
    };
    push(
        patient_url.clone(),
        patient(&record.patient, &record.demographics, &patient_url),
    );
    for e in &record.encounters {
        let url = ctx.encounters.get(e.fhir_id.as_str()).cloned();
        let url = url.unwrap_or_else(|| urls.assign("Encounter", &e.fhir_id));
        push(url.clone(), ctx.encounter(e, &url));
    }
    for c in &record.conditions {
        let url = ctx.url_of(&ctx.conditions, &c.fhir_id);
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
        let url = ctx.url_of(&ctx.observations, &o.fhir_id);
        push(url.clone(), ctx.observation(o, &url));
    }
    for p in &record.procedures {
        let url = urls.assign("Procedure", &p.fhir_id);
        push(url.clone(), ctx.procedure(p, &url));
    }
    for g in &record.goals {
        let url = ctx.url_of(&ctx.goals, &g.fhir_id);
        push(url.clone(), ctx.goal(g, &url));
    }
    for c in &record.care_plans {
        let url = urls.assign("CarePlan", &c.fhir_id);
        push(url.clone(), ctx.care_plan(c, &url));
    }
    for d in &record.reports {
        let url = urls.assign("DiagnosticReport", &d.fhir_id);
        push(url.clone(), ctx.report(d, &url));
    }
    for i in &record.imaging {
        let url = urls.assign("ImagingStudy", &i.fhir_id);
        push(url.clone(), ctx.imaging_study(i, &url));
    }
    // Clinical notes (#27), their content inline.
    for n in &record.notes {
        let url = urls.assign("DocumentReference", &n.fhir_id);
        let resource = super::note_export::document_reference(
            n,
            resource_id(&n.fhir_id, &url),
            ctx.patient.clone(),
            ctx.encounter_ref(n.encounter.as_ref()),
        );
        push(url, resource);
    }
    for (url, resource) in ctx.people_entries(&record.people, &mut urls) {
        push(url, resource);
    }

    let bundle_id = hashed_uuid(&format!(
        "Bundle/{}/{}",
        record.patient.fhir_id,
        instant(timestamp)
    ));
    let mut bundle = json!({
        "resourceType": "Bundle",
        "id": bundle_id.to_string(),
        "meta": { "lastUpdated": instant(timestamp) },
        "type": "collection",
        "timestamp": instant(timestamp),
        "entry": entries,
    });
    // US Core: each resource names the profile it meets (one table, `us_core`).
    us_core::declare_profiles(&mut bundle);
    bundle
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

/// A FHIR `Coding` (ImagingStudy's modality, body site and SOP class are Codings).
fn coding(c: &Concept) -> Value {
    let mut m = Map::new();
    if !c.system.is_empty() {
        m.insert("system".into(), json!(c.system));
    }
    m.insert("code".into(), json!(c.code));
    if !c.display.is_empty() && c.display != c.code {
        m.insert("display".into(), json!(c.display));
    }
    Value::Object(m)
}

/// A US Core race or ethnicity extension.
fn omb_extension(url: &str, omb: &OmbStatement) -> Value {
    let mut parts: Vec<Value> = Vec::new();
    for c in &omb.categories {
        parts.push(json!({ "url": "ombCategory", "valueCoding": coding(c) }));
    }
    for c in &omb.detailed {
        parts.push(json!({ "url": "detailed", "valueCoding": coding(c) }));
    }
    parts.push(json!({ "url": "text", "valueString": omb.text }));
    json!({ "url": url, "extension": parts })
}

fn address(a: &Address) -> Value {
    let mut m = Map::new();
    let mut geo = Vec::new();
    for (part, v) in [("latitude", a.latitude), ("longitude", a.longitude)] {
        if let Some(v) = v {
            geo.push(json!({ "url": part, "valueDecimal": v }));
        }
    }
    if !geo.is_empty() {
        m.insert(
            "extension".into(),
            json!([{ "url": "http://hl7.org/fhir/StructureDefinition/geolocation", "extension": geo }]),
        );
    }
    put(&mut m, "use", a.use_.as_ref().map(|v| json!(v)));
    put(&mut m, "text", a.text.as_ref().map(|v| json!(v)));
    if !a.lines.is_empty() {
        m.insert("line".into(), json!(a.lines));
    }
    put(&mut m, "city", a.city.as_ref().map(|v| json!(v)));
    put(&mut m, "district", a.district.as_ref().map(|v| json!(v)));
    put(&mut m, "state", a.state.as_ref().map(|v| json!(v)));
    put(
        &mut m,
        "postalCode",
        a.postal_code.as_ref().map(|v| json!(v)),
    );
    put(&mut m, "country", a.country.as_ref().map(|v| json!(v)));
    Value::Object(m)
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

fn patient(p: &Patient, d: &Demographics, url: &str) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("Patient"));
    r.insert("id".into(), json!(resource_id(&p.fhir_id, url)));
    let mut extensions = Vec::new();
    if let Some(race) = &d.race {
        extensions.push(omb_extension(US_CORE_RACE, race));
    }
    if let Some(ethnicity) = &d.ethnicity {
        extensions.push(omb_extension(US_CORE_ETHNICITY, ethnicity));
    }
    if let Some(code) = &d.birth_sex {
        extensions.push(json!({ "url": US_CORE_BIRTH_SEX, "valueCode": code }));
    }
    if !extensions.is_empty() {
        r.insert("extension".into(), Value::Array(extensions));
    }
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
    // The full address when the source gave one; else the one line we hold (demo records).
    let full = d.address.as_ref().map(|a| json!([address(a)]));
    put(
        &mut r,
        "address",
        full.or_else(|| {
            p.address
                .as_ref()
                .map(|a| json!([{ "use": "home", "text": a }]))
        }),
    );
    put(
        &mut r,
        "maritalStatus",
        d.marital_status.as_ref().map(codeable),
    );
    put(
        &mut r,
        "communication",
        d.language
            .as_ref()
            .map(|l| json!([{ "language": codeable(l) }])),
    );
    Value::Object(r)
}

/// An Observation's code. Blood pressure under the older 55284-4 is written as US Core's
/// panel 85354-9 first, with the source's own coding after it (the importer keeps the source's
/// code when it finds both, so the record round-trips).
fn observation_code(o: &Observation) -> Value {
    let mut cc = codeable(&o.code);
    if o.code.system == systems::LOINC && o.code.code == us_core::BP_OLD {
        if let Some(codings) = cc["coding"].as_array_mut() {
            codings.insert(
                0,
                json!({
                    "system": systems::LOINC,
                    "code": us_core::BP_PANEL,
                    "display": us_core::BP_PANEL_DISPLAY,
                }),
            );
        }
    }
    cc
}

/// Why a value is missing, as US Core's vital signs require: the source did not say.
fn data_absent() -> Value {
    json!({ "coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
        "code": "unknown",
        "display": "Unknown",
    }] })
}

/// CarePlan.text (US Core: status `generated` and a narrative): the plan's categories and
/// activities in plain XHTML, every word escaped.
fn care_plan_narrative(c: &CarePlan) -> Value {
    let esc = |s: &str| tera::escape_html(s);
    let mut div = String::from("<div xmlns=\"http://www.w3.org/1999/xhtml\">");
    div.push_str(&format!("<p>Care plan: {}</p>", esc(&c.title())));
    let activities: Vec<String> = c
        .activities
        .iter()
        .filter_map(|a| a.code.as_ref())
        .map(|k| format!("<li>{}</li>", esc(&k.display)))
        .collect();
    if !activities.is_empty() {
        div.push_str(&format!(
            "<p>Activities:</p><ul>{}</ul>",
            activities.concat()
        ));
    }
    div.push_str("</div>");
    json!({ "status": "generated", "div": div })
}

struct Ctx<'r> {
    /// The fullUrls of the record's clinicians, clinics, places and claims (issue 27).
    parties: PartyUrls,
    patient: Value,
    encounters: HashMap<&'r str, String>,
    conditions: HashMap<String, String>,
    observations: HashMap<String, String>,
    goals: HashMap<String, String>,
}

impl Ctx<'_> {
    /// The fullUrl assigned up front; every id of the record has one.
    fn url_of(&self, urls: &HashMap<String, String>, id: &str) -> String {
        urls.get(id)
            .cloned()
            .unwrap_or_else(|| format!("urn:uuid:{}", hashed_uuid(id)))
    }

    /// References to those of `ids` that are in the record (others are left out, not dangling).
    fn refs(&self, urls: &HashMap<String, String>, ids: &[String]) -> Option<Value> {
        let refs: Vec<Value> = ids
            .iter()
            .filter_map(|id| urls.get(id))
            .map(|u| json!({ "reference": u }))
            .collect();
        (!refs.is_empty()).then_some(Value::Array(refs))
    }

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
            self.parties
                .reference(
                    "Practitioner",
                    e.parties.practitioner.as_deref(),
                    e.provider.as_deref(),
                )
                .map(|p| json!([{ "individual": p }])),
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
            "location",
            self.parties
                .reference(
                    "Location",
                    e.parties.location.as_deref(),
                    e.parties.location_name.as_deref(),
                )
                .map(|l| json!([{ "location": l }])),
        );
        put(
            &mut r,
            "serviceProvider",
            self.parties.reference(
                "Organization",
                e.parties.organization.as_deref(),
                e.organization.as_deref(),
            ),
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
        let category = c.category_or_inferred();
        r.insert(
            "category".into(),
            json!([{ "coding": [{
                "system": systems::CONDITION_CATEGORY,
                "code": category.fhir_code(),
                "display": category.display(),
            }] }]),
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
        // The reason as its code (as for a procedure); the prescriber as the record's
        // Practitioner when it has one (issue 27), else by name.
        put(
            &mut r,
            "reasonCode",
            m.reason.as_ref().map(|c| json!([codeable(c)])),
        );
        put(
            &mut r,
            "requester",
            self.parties.reference(
                "Practitioner",
                m.prescriber_id.as_deref(),
                m.prescriber.as_deref(),
            ),
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
        // US Core: primarySource is required. The record is the administering clinic's own
        // (imported from its system, as Synthea's bundles say with `true`), not a patient's
        // recollection, which is the case `false` is for.
        r.insert("primarySource".into(), json!(true));
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
        r.insert("code".into(), observation_code(o));
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
            ObservationValue::Coded(c) => {
                r.insert("valueCodeableConcept".into(), codeable(c));
            }
            ObservationValue::Other { field, fhir, .. } => {
                r.insert(field.clone(), fhir.clone());
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
                            ComponentValue::Coded(c) => {
                                m.insert("valueCodeableConcept".into(), codeable(c));
                            }
                            // US Core (vital signs): a part without a value says why.
                            ComponentValue::Empty => {
                                m.insert("dataAbsentReason".into(), data_absent());
                            }
                        }
                        Value::Object(m)
                    })
                    .collect();
                r.insert("component".into(), Value::Array(comps));
            }
            ObservationValue::Empty => {
                r.insert("dataAbsentReason".into(), data_absent());
            }
        }
        Value::Object(r)
    }

    fn procedure(&self, p: &Procedure, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("Procedure"));
        r.insert("id".into(), json!(resource_id(&p.fhir_id, url)));
        r.insert("status".into(), json!(p.status));
        r.insert("code".into(), codeable(&p.code));
        r.insert("subject".into(), self.patient.clone());
        put(
            &mut r,
            "encounter",
            self.encounter_ref(p.encounter.as_ref()),
        );
        match (p.performed, p.performed_end) {
            (Some(start), None) => {
                r.insert("performedDateTime".into(), json!(instant(start)));
            }
            (start, Some(end)) => {
                let mut period = Map::new();
                put(&mut period, "start", start.map(|t| json!(instant(t))));
                period.insert("end".into(), json!(instant(end)));
                r.insert("performedPeriod".into(), Value::Object(period));
            }
            (None, None) => {}
        }
        put(
            &mut r,
            "reasonCode",
            p.reason.as_ref().map(|c| json!([codeable(c)])),
        );
        put(
            &mut r,
            "bodySite",
            p.body_site.as_ref().map(|c| json!([codeable(c)])),
        );
        Value::Object(r)
    }

    fn goal(&self, g: &Goal, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("Goal"));
        r.insert("id".into(), json!(resource_id(&g.fhir_id, url)));
        r.insert("lifecycleStatus".into(), json!(g.lifecycle_status));
        put(
            &mut r,
            "achievementStatus",
            g.achievement_status
                .as_ref()
                .map(|s| status_concept(GOAL_ACHIEVEMENT, s)),
        );
        r.insert("description".into(), codeable(&g.description));
        r.insert("subject".into(), self.patient.clone());
        // startDate is a FHIR date: the importer keeps it as midnight UTC of that day.
        put(
            &mut r,
            "startDate",
            g.start
                .map(|t| json!(t.date_naive().format("%Y-%m-%d").to_string())),
        );
        put(
            &mut r,
            "addresses",
            self.refs(&self.conditions, &g.addresses),
        );
        Value::Object(r)
    }

    fn care_plan(&self, c: &CarePlan, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("CarePlan"));
        r.insert("id".into(), json!(resource_id(&c.fhir_id, url)));
        r.insert("status".into(), json!(c.status));
        r.insert("text".into(), care_plan_narrative(c));
        r.insert("intent".into(), json!(c.intent));
        // US Core: every plan is of category assess-plan (the importer does not keep it as
        // one of the plan's own categories, so it is written here for each).
        let mut cats: Vec<Value> = c.categories.iter().map(codeable).collect();
        cats.insert(
            0,
            json!({ "coding": [{
                "system": us_core::CAREPLAN_CATEGORY,
                "code": us_core::ASSESS_PLAN,
                "display": "Assessment and Plan of Treatment",
            }] }),
        );
        r.insert("category".into(), Value::Array(cats));
        r.insert("subject".into(), self.patient.clone());
        put(
            &mut r,
            "encounter",
            self.encounter_ref(c.encounter.as_ref()),
        );
        if c.start.is_some() || c.end.is_some() {
            let mut period = Map::new();
            put(&mut period, "start", c.start.map(|t| json!(instant(t))));
            put(&mut period, "end", c.end.map(|t| json!(instant(t))));
            r.insert("period".into(), Value::Object(period));
        }
        put(
            &mut r,
            "addresses",
            self.refs(&self.conditions, &c.addresses),
        );
        put(&mut r, "goal", self.refs(&self.goals, &c.goals));
        if !c.activities.is_empty() {
            let activities: Vec<Value> = c
                .activities
                .iter()
                .map(|a| {
                    let mut detail = Map::new();
                    put(&mut detail, "code", a.code.as_ref().map(codeable));
                    detail.insert("status".into(), json!(a.status));
                    put(
                        &mut detail,
                        "location",
                        a.location.as_ref().map(|l| json!({ "display": l })),
                    );
                    json!({ "detail": detail })
                })
                .collect();
            r.insert("activity".into(), Value::Array(activities));
        }
        Value::Object(r)
    }

    fn report(&self, d: &DiagnosticReport, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("DiagnosticReport"));
        r.insert("id".into(), json!(resource_id(&d.fhir_id, url)));
        r.insert("status".into(), json!(d.status));
        if !d.categories.is_empty() {
            let cats: Vec<Value> = d.categories.iter().map(codeable).collect();
            r.insert("category".into(), Value::Array(cats));
        }
        // Every coding the source gave (#27), else the one kept before.
        let code = match d.codes.as_slice() {
            [] | [_] => codeable(&d.code),
            all => json!({
                "coding": all.iter().map(coding).collect::<Vec<_>>(),
                "text": d.code.display,
            }),
        };
        r.insert("code".into(), code);
        r.insert("subject".into(), self.patient.clone());
        put(
            &mut r,
            "encounter",
            self.encounter_ref(d.encounter.as_ref()),
        );
        put(
            &mut r,
            "effectiveDateTime",
            d.effective.map(|t| json!(instant(t))),
        );
        put(&mut r, "issued", d.issued.map(|t| json!(instant(t))));
        put(&mut r, "result", self.refs(&self.observations, &d.results));
        put(
            &mut r,
            "conclusion",
            d.conclusion.as_ref().map(|c| json!(c)),
        );
        if !d.presented_forms.is_empty() {
            let forms: Vec<Value> = d
                .presented_forms
                .iter()
                .map(|a| {
                    let mut m = Map::new();
                    put(
                        &mut m,
                        "contentType",
                        a.content_type.as_ref().map(|v| json!(v)),
                    );
                    put(&mut m, "data", a.data.as_ref().map(|v| json!(v)));
                    put(&mut m, "url", a.url.as_ref().map(|v| json!(v)));
                    put(&mut m, "title", a.title.as_ref().map(|v| json!(v)));
                    Value::Object(m)
                })
                .collect();
            r.insert("presentedForm".into(), Value::Array(forms));
        }
        Value::Object(r)
    }

    fn imaging_study(&self, i: &ImagingStudy, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("ImagingStudy"));
        r.insert("id".into(), json!(resource_id(&i.fhir_id, url)));
        r.insert("status".into(), json!(i.status));
        r.insert("subject".into(), self.patient.clone());
        put(
            &mut r,
            "encounter",
            self.encounter_ref(i.encounter.as_ref()),
        );
        put(&mut r, "started", i.started.map(|t| json!(instant(t))));
        if !i.series.is_empty() {
            r.insert("numberOfSeries".into(), json!(i.series.len()));
            let instances: usize = i.series.iter().map(|s| s.instances.len()).sum();
            r.insert("numberOfInstances".into(), json!(instances));
        }
        put(
            &mut r,
            "description",
            i.description.as_ref().map(|d| json!(d)),
        );
        if !i.series.is_empty() {
            let series: Vec<Value> = i
                .series
                .iter()
                .map(|s| {
                    let mut m = Map::new();
                    m.insert("uid".into(), json!(s.uid));
                    put(&mut m, "number", s.number.map(|n| json!(n)));
                    m.insert("modality".into(), coding(&s.modality));
                    m.insert("numberOfInstances".into(), json!(s.instances.len()));
                    put(&mut m, "bodySite", s.body_site.as_ref().map(coding));
                    put(&mut m, "started", s.started.map(|t| json!(instant(t))));
                    if !s.instances.is_empty() {
                        let inst: Vec<Value> = s
                            .instances
                            .iter()
                            .map(|x| {
                                let mut im = Map::new();
                                im.insert("uid".into(), json!(x.uid));
                                im.insert("sopClass".into(), coding(&x.sop_class));
                                put(&mut im, "number", x.number.map(|n| json!(n)));
                                put(&mut im, "title", x.title.as_ref().map(|t| json!(t)));
                                Value::Object(im)
                            })
                            .collect();
                        m.insert("instance".into(), Value::Array(inst));
                    }
                    Value::Object(m)
                })
                .collect();
            r.insert("series".into(), Value::Array(series));
        }
        Value::Object(r)
    }
}

// ---- People, places and costs (issue 27 item 2) ----
// Practitioner, PractitionerRole, Organization, Location, CareTeam, Claim and
// ExplanationOfBenefit. Every reference to one of them from the record (a visit's clinician,
// a prescription's requester, a claim's provider) points at its fullUrl in this bundle; one
// the record only knows by name is written as a display, never dangling.

use super::model::{
    Amount, CareTeam, Claim, ExplanationOfBenefit, Identifier, Location, Money, Organization,
    PartyRef, People, Practitioner, PractitionerRole,
};

/// The fullUrls of the record's people and places, by (type, FHIR id); assigned before any
/// resource is written so every link can be.
#[derive(Default)]
struct PartyUrls(HashMap<(&'static str, String), String>);

impl PartyUrls {
    fn assign(urls: &mut FullUrls, people: &People) -> Self {
        let mut m = HashMap::new();
        let mut add = |rtype: &'static str, id: &str| {
            m.insert((rtype, id.to_owned()), urls.assign(rtype, id));
        };
        for p in &people.practitioners {
            add("Practitioner", &p.fhir_id);
        }
        for r in &people.roles {
            add("PractitionerRole", &r.fhir_id);
        }
        for o in &people.organizations {
            add("Organization", &o.fhir_id);
        }
        for l in &people.locations {
            add("Location", &l.fhir_id);
        }
        for c in &people.claims {
            add("Claim", &c.fhir_id);
        }
        PartyUrls(m)
    }

    fn url(&self, rtype: &'static str, id: &str) -> Option<&String> {
        self.0.get(&(rtype, id.to_owned()))
    }

    /// A Reference to a resource of `rtype` with an optional display; the display alone when
    /// the resource is not in the record; `None` when there is neither.
    fn reference(
        &self,
        rtype: &'static str,
        id: Option<&str>,
        display: Option<&str>,
    ) -> Option<Value> {
        let mut r = Map::new();
        if let Some(url) = id.and_then(|id| self.url(rtype, id)) {
            r.insert("reference".into(), json!(url));
        }
        put(&mut r, "display", display.map(|d| json!(d)));
        (!r.is_empty()).then_some(Value::Object(r))
    }
}

fn identifiers(ids: &[Identifier]) -> Option<Value> {
    let list: Vec<Value> = ids
        .iter()
        .map(|i| {
            let mut m = Map::new();
            put(&mut m, "system", i.system.as_ref().map(|s| json!(s)));
            m.insert("value".into(), json!(i.value));
            Value::Object(m)
        })
        .collect();
    (!list.is_empty()).then_some(Value::Array(list))
}

fn telecoms(phone: Option<&String>, email: Option<&String>) -> Option<Value> {
    let mut list = Vec::new();
    if let Some(p) = phone {
        list.push(json!({ "system": "phone", "value": p }));
    }
    if let Some(e) = email {
        list.push(json!({ "system": "email", "value": e }));
    }
    (!list.is_empty()).then_some(Value::Array(list))
}

fn money(m: &Money) -> Value {
    json!({ "value": m.decimal(), "currency": m.currency })
}

fn amounts(list: &[Amount]) -> Vec<Value> {
    list.iter()
        .map(|a| json!({ "category": codeable(&a.category), "amount": money(&a.amount) }))
        .collect()
}

fn period_of(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> Option<Value> {
    let mut p = Map::new();
    put(&mut p, "start", start.map(|t| json!(instant(t))));
    put(&mut p, "end", end.map(|t| json!(instant(t))));
    (!p.is_empty()).then_some(Value::Object(p))
}

impl Ctx<'_> {
    /// A reference to a person or place as the record resolved it.
    fn party(&self, p: &PartyRef) -> Value {
        let display = p.display.as_deref();
        let resolved = match (p.kind.as_deref(), p.id.as_deref()) {
            (Some("Patient"), Some(_)) => {
                let mut r = self.patient.clone();
                if let (Some(d), Some(obj)) = (display, r.as_object_mut()) {
                    obj.insert("display".into(), json!(d));
                }
                Some(r)
            }
            (Some(kind), Some(id)) => [
                "Practitioner",
                "PractitionerRole",
                "Organization",
                "Location",
            ]
            .into_iter()
            .find(|k| *k == kind)
            .and_then(|k| self.parties.url(k, id))
            .map(|url| {
                let mut r = Map::new();
                r.insert("reference".into(), json!(url));
                put(&mut r, "display", display.map(|d| json!(d)));
                Value::Object(r)
            }),
            _ => None,
        };
        resolved.unwrap_or_else(|| {
            // Unresolved: what the source said, as a logical reference (never dangling).
            let mut r = Map::new();
            if let Some(i) = &p.identifier {
                let mut id = Map::new();
                put(&mut id, "system", i.system.as_ref().map(|s| json!(s)));
                id.insert("value".into(), json!(i.value));
                r.insert("identifier".into(), Value::Object(id));
            }
            r.insert("display".into(), json!(display.unwrap_or("Not recorded")));
            Value::Object(r)
        })
    }

    fn practitioner(&self, p: &Practitioner, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("Practitioner"));
        r.insert("id".into(), json!(resource_id(&p.fhir_id, url)));
        put(&mut r, "identifier", identifiers(&p.identifiers));
        let mut name = Map::new();
        put(&mut name, "text", p.name.as_ref().map(|n| json!(n)));
        put(&mut name, "family", p.family.as_ref().map(|n| json!(n)));
        if !p.given.is_empty() {
            name.insert("given".into(), json!(p.given));
        }
        if !p.prefix.is_empty() {
            name.insert("prefix".into(), json!(p.prefix));
        }
        if !name.is_empty() {
            r.insert("name".into(), json!([Value::Object(name)]));
        }
        put(
            &mut r,
            "telecom",
            telecoms(p.phone.as_ref(), p.email.as_ref()),
        );
        put(
            &mut r,
            "address",
            p.address.as_ref().map(|a| json!([address(a)])),
        );
        put(&mut r, "gender", p.gender.as_ref().map(|g| json!(g)));
        put(
            &mut r,
            "qualification",
            p.qualification
                .as_ref()
                .map(|q| json!([{ "code": codeable(q) }])),
        );
        Value::Object(r)
    }

    fn practitioner_role(&self, p: &PractitionerRole, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("PractitionerRole"));
        r.insert("id".into(), json!(resource_id(&p.fhir_id, url)));
        put(
            &mut r,
            "practitioner",
            self.parties
                .reference("Practitioner", p.practitioner.as_deref(), None),
        );
        put(
            &mut r,
            "organization",
            self.parties
                .reference("Organization", p.organization.as_deref(), None),
        );
        put(
            &mut r,
            "code",
            p.code.as_ref().map(|c| json!([codeable(c)])),
        );
        put(
            &mut r,
            "specialty",
            p.specialty.as_ref().map(|c| json!([codeable(c)])),
        );
        let locations: Vec<Value> = p
            .locations
            .iter()
            .filter_map(|l| self.parties.reference("Location", Some(l), None))
            .collect();
        if !locations.is_empty() {
            r.insert("location".into(), Value::Array(locations));
        }
        put(&mut r, "telecom", telecoms(p.phone.as_ref(), None));
        Value::Object(r)
    }

    fn organization(&self, o: &Organization, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("Organization"));
        r.insert("id".into(), json!(resource_id(&o.fhir_id, url)));
        put(&mut r, "identifier", identifiers(&o.identifiers));
        put(
            &mut r,
            "type",
            o.kind.as_ref().map(|k| json!([codeable(k)])),
        );
        put(&mut r, "name", o.name.as_ref().map(|n| json!(n)));
        put(&mut r, "telecom", telecoms(o.phone.as_ref(), None));
        put(
            &mut r,
            "address",
            o.address.as_ref().map(|a| json!([address(a)])),
        );
        Value::Object(r)
    }

    fn location(&self, l: &Location, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("Location"));
        r.insert("id".into(), json!(resource_id(&l.fhir_id, url)));
        put(&mut r, "identifier", identifiers(&l.identifiers));
        put(&mut r, "status", l.status.as_ref().map(|s| json!(s)));
        put(&mut r, "name", l.name.as_ref().map(|n| json!(n)));
        put(&mut r, "telecom", telecoms(l.phone.as_ref(), None));
        put(&mut r, "address", l.address.as_ref().map(address));
        put(
            &mut r,
            "managingOrganization",
            self.parties
                .reference("Organization", l.organization.as_deref(), None),
        );
        Value::Object(r)
    }

    fn care_team(&self, t: &CareTeam, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("CareTeam"));
        r.insert("id".into(), json!(resource_id(&t.fhir_id, url)));
        put(&mut r, "status", t.status.as_ref().map(|s| json!(s)));
        put(&mut r, "name", t.name.as_ref().map(|n| json!(n)));
        r.insert("subject".into(), self.patient.clone());
        put(
            &mut r,
            "encounter",
            self.encounter_ref(t.encounter.as_ref()),
        );
        put(&mut r, "period", period_of(t.start, t.end));
        let members: Vec<Value> = t
            .members
            .iter()
            .map(|m| {
                let mut p = Map::new();
                put(
                    &mut p,
                    "role",
                    m.role.as_ref().map(|c| json!([codeable(c)])),
                );
                p.insert("member".into(), self.party(&m.member));
                Value::Object(p)
            })
            .collect();
        if !members.is_empty() {
            r.insert("participant".into(), Value::Array(members));
        }
        put(
            &mut r,
            "reasonCode",
            t.reason.as_ref().map(|c| json!([codeable(c)])),
        );
        if !t.managing.is_empty() {
            let orgs: Vec<Value> = t.managing.iter().map(|o| self.party(o)).collect();
            r.insert("managingOrganization".into(), Value::Array(orgs));
        }
        Value::Object(r)
    }

    fn claim(&self, c: &Claim, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("Claim"));
        r.insert("id".into(), json!(resource_id(&c.fhir_id, url)));
        r.insert("status".into(), json!(c.status));
        r.insert("type".into(), codeable(&c.kind));
        r.insert("use".into(), json!(c.use_));
        r.insert("patient".into(), self.patient.clone());
        put(
            &mut r,
            "billablePeriod",
            period_of(c.billable_start, c.billable_end),
        );
        r.insert("created".into(), json!(instant(c.created)));
        r.insert("provider".into(), self.party(&c.provider));
        r.insert("priority".into(), codeable(&c.priority));
        let insurance: Vec<Value> = c
            .insurance
            .iter()
            .map(|i| json!({ "sequence": i.sequence, "focal": i.focal, "coverage": { "display": i.coverage } }))
            .collect();
        r.insert("insurance".into(), Value::Array(insurance));
        let items: Vec<Value> = c
            .items
            .iter()
            .map(|i| {
                let mut m = Map::new();
                m.insert("sequence".into(), json!(i.sequence));
                m.insert("productOrService".into(), codeable(&i.service));
                put(
                    &mut m,
                    "encounter",
                    self.encounter_ref(i.encounter.as_ref()).map(|e| json!([e])),
                );
                put(&mut m, "net", i.net.as_ref().map(money));
                Value::Object(m)
            })
            .collect();
        if !items.is_empty() {
            r.insert("item".into(), Value::Array(items));
        }
        put(&mut r, "total", c.total.as_ref().map(money));
        Value::Object(r)
    }

    fn benefit(&self, b: &ExplanationOfBenefit, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("ExplanationOfBenefit"));
        r.insert("id".into(), json!(resource_id(&b.fhir_id, url)));
        r.insert("status".into(), json!(b.status));
        r.insert("type".into(), codeable(&b.kind));
        r.insert("use".into(), json!(b.use_));
        r.insert("patient".into(), self.patient.clone());
        put(
            &mut r,
            "billablePeriod",
            period_of(b.billable_start, b.billable_end),
        );
        r.insert("created".into(), json!(instant(b.created)));
        r.insert("insurer".into(), json!({ "display": b.insurer }));
        r.insert("provider".into(), self.party(&b.provider));
        put(
            &mut r,
            "claim",
            b.claim
                .as_deref()
                .and_then(|c| self.parties.reference("Claim", Some(c), None)),
        );
        r.insert("outcome".into(), json!(b.outcome));
        let insurance: Vec<Value> = b
            .insurance
            .iter()
            .map(|i| json!({ "focal": i.focal, "coverage": { "display": i.coverage } }))
            .collect();
        r.insert("insurance".into(), Value::Array(insurance));
        let items: Vec<Value> = b
            .items
            .iter()
            .map(|i| {
                let mut m = Map::new();
                m.insert("sequence".into(), json!(i.sequence));
                m.insert("productOrService".into(), codeable(&i.service));
                put(
                    &mut m,
                    "encounter",
                    self.encounter_ref(i.encounter.as_ref()).map(|e| json!([e])),
                );
                if !i.adjudication.is_empty() {
                    m.insert(
                        "adjudication".into(),
                        Value::Array(amounts(&i.adjudication)),
                    );
                }
                Value::Object(m)
            })
            .collect();
        if !items.is_empty() {
            r.insert("item".into(), Value::Array(items));
        }
        if !b.totals.is_empty() {
            r.insert("total".into(), Value::Array(amounts(&b.totals)));
        }
        put(
            &mut r,
            "payment",
            b.payment.as_ref().map(|p| json!({ "amount": money(p) })),
        );
        Value::Object(r)
    }

    /// Every resource of `people`, in the order the record holds them.
    fn people_entries(&self, people: &People, urls: &mut FullUrls) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        let url = |rtype: &'static str, id: &str, urls: &mut FullUrls| {
            self.parties
                .url(rtype, id)
                .cloned()
                .unwrap_or_else(|| urls.assign(rtype, id))
        };
        for p in &people.practitioners {
            let u = url("Practitioner", &p.fhir_id, urls);
            out.push((u.clone(), self.practitioner(p, &u)));
        }
        for p in &people.roles {
            let u = url("PractitionerRole", &p.fhir_id, urls);
            out.push((u.clone(), self.practitioner_role(p, &u)));
        }
        for o in &people.organizations {
            let u = url("Organization", &o.fhir_id, urls);
            out.push((u.clone(), self.organization(o, &u)));
        }
        for l in &people.locations {
            let u = url("Location", &l.fhir_id, urls);
            out.push((u.clone(), self.location(l, &u)));
        }
        for t in &people.care_teams {
            let u = urls.assign("CareTeam", &t.fhir_id);
            out.push((u.clone(), self.care_team(t, &u)));
        }
        for c in &people.claims {
            let u = url("Claim", &c.fhir_id, urls);
            out.push((u.clone(), self.claim(c, &u)));
        }
        for b in &people.benefits {
            let u = urls.assign("ExplanationOfBenefit", &b.fhir_id);
            out.push((u.clone(), self.benefit(b, &u)));
        }
        out
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

    /// Resources of `rtype` in a bundle, by id.
    fn by_id<'a>(bundle: &'a Value, rtype: &str) -> std::collections::BTreeMap<String, &'a Value> {
        bundle["entry"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|e| &e["resource"])
            .filter(|r| r["resourceType"] == rtype)
            .map(|r| (r["id"].as_str().unwrap_or_default().to_owned(), r))
            .collect()
    }

    /// The codings of a CodeableConcept as (system, code) pairs.
    fn codes(cc: &Value) -> Vec<(String, String)> {
        cc["coding"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|c| {
                (
                    c["system"].as_str().unwrap_or_default().to_owned(),
                    c["code"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// Resource by resource against the source bundle: every kept resource is in the export under
    /// its id, with the fields the pages use and the codes (coded values code by code).
    #[test]
    fn the_export_holds_every_kept_resource_of_the_source_with_its_codes() {
        const KEPT: [&str; 12] = [
            "Patient",
            "Encounter",
            "Condition",
            "Observation",
            "MedicationRequest",
            "AllergyIntolerance",
            "Immunization",
            "Procedure",
            "CarePlan",
            "Goal",
            "DiagnosticReport",
            "ImagingStudy",
        ];
        for name in ["Clemente_Kreiger", "Louis_Erdman", "Patria_Schimmel"] {
            let Some(source) = synthea_json(name) else {
                return;
            };
            let parsed = parse_bundle(&source).unwrap_or_else(|e| panic!("{name}: {e}"));
            let exported = export_bundle(&parsed.record);
            for rtype in KEPT {
                let src = by_id(&source, rtype);
                let out = by_id(&exported, rtype);
                assert_eq!(
                    src.keys().collect::<Vec<_>>(),
                    out.keys().collect::<Vec<_>>(),
                    "{name}: {rtype} ids"
                );
                for (id, s) in &src {
                    let o = out[id];
                    let what = format!("{name}: {rtype} {id}");
                    for field in [
                        "status",
                        "intent",
                        "lifecycleStatus",
                        "effectiveDateTime",
                        "occurrenceDateTime",
                        "birthDate",
                        "gender",
                    ] {
                        if let Some(v) = s.get(field) {
                            let same = match (v.as_str(), o[field].as_str()) {
                                (Some(a), Some(b)) => {
                                    match (
                                        crate::records::fhir_import::parse_fhir_datetime(a),
                                        crate::records::fhir_import::parse_fhir_datetime(b),
                                    ) {
                                        (Some(x), Some(y)) => x == y,
                                        _ => a == b,
                                    }
                                }
                                _ => v == &o[field],
                            };
                            assert!(same, "{what}: {field} {v} became {}", o[field]);
                        }
                    }
                    for field in [
                        "code",
                        "vaccineCode",
                        "medicationCodeableConcept",
                        "maritalStatus",
                    ] {
                        if let Some(cc) = s.get(field) {
                            // US Core's blood pressure panel is added before the source's code.
                            let panel = (systems::LOINC.to_owned(), us_core::BP_PANEL.to_owned());
                            let kept: Vec<_> = codes(&o[field])
                                .into_iter()
                                .filter(|c| *c != panel || codes(cc).contains(c))
                                .collect();
                            assert!(
                                kept.iter().all(|c| codes(cc).contains(c)) && !kept.is_empty(),
                                "{what}: {field} {cc} became {}",
                                o[field]
                            );
                        }
                    }
                    if let Some(cc) = s.get("valueCodeableConcept") {
                        let kept = codes(&o["valueCodeableConcept"]);
                        assert!(
                            !kept.is_empty() && kept.iter().all(|c| codes(cc).contains(c)),
                            "{what}: coded value {cc} became {}",
                            o["valueCodeableConcept"]
                        );
                        assert_eq!(
                            o["valueCodeableConcept"]["coding"][0]["display"],
                            cc["coding"][0]["display"],
                            "{what}"
                        );
                    }
                    if let Some(v) = s.get("valueQuantity") {
                        assert_eq!(o["valueQuantity"]["value"], v["value"], "{what}");
                    }
                    for list in [
                        "result",
                        "activity",
                        "series",
                        "goal",
                        "addresses",
                        "component",
                        "extension",
                    ] {
                        if let Some(items) = s.get(list).and_then(Value::as_array) {
                            let kept_len = o[list].as_array().map_or(0, Vec::len);
                            // The Patient keeps the US Core extensions (race, ethnicity, birth sex).
                            let expected = if list == "extension" {
                                items
                                    .iter()
                                    .filter(|x| {
                                        x["url"].as_str().is_some_and(|u| u.contains("/us-core-"))
                                    })
                                    .count()
                            } else {
                                items.len()
                            };
                            assert_eq!(kept_len, expected, "{what}: {list}");
                        }
                    }
                    if rtype == "ImagingStudy" {
                        for (i, series) in s["series"].as_array().into_iter().flatten().enumerate()
                        {
                            let o_series = &o["series"][i];
                            assert_eq!(o_series["modality"]["code"], series["modality"]["code"]);
                            assert_eq!(o_series["bodySite"]["code"], series["bodySite"]["code"]);
                            assert_eq!(o_series["uid"], series["uid"]);
                        }
                    }
                    if rtype == "Patient" {
                        let (a, b) = (&s["address"][0], &o["address"][0]);
                        for part in [
                            "line",
                            "city",
                            "state",
                            "postalCode",
                            "country",
                            "extension",
                        ] {
                            assert_eq!(a[part], b[part], "{what}: address {part}");
                        }
                        assert_eq!(
                            s["communication"][0]["language"]["coding"][0]["code"],
                            o["communication"][0]["language"]["coding"][0]["code"]
                        );
                    }
                }
            }
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
            parties: Default::default(),
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

    /// US Core's shapes (#27): profiles, the blood pressure panel, Immunization.primarySource,
    /// CarePlan.text and its assess-plan category; written for CI's R4 validation.
    #[test]
    fn the_export_declares_us_core_profiles_and_must_support_elements() {
        let mut record = small_record();
        record.observations[0].category = ObservationCategory::VitalSigns;
        record.immunizations.push(Immunization {
            fhir_id: "imm-1".into(),
            vaccine: Concept::new(systems::CVX, "140", "Influenza <seasonal>"),
            date: fixed_time(),
            status: "completed".into(),
            encounter: Some("enc-1".into()),
        });
        record.care_plans.push(CarePlan {
            fhir_id: "plan-1".into(),
            status: "active".into(),
            intent: "plan".into(),
            categories: vec![Concept::new(
                systems::SNOMED,
                "698360004",
                "Diabetes <self> & care",
            )],
            start: Some(fixed_time()),
            end: None,
            addresses: Vec::new(),
            goals: Vec::new(),
            activities: vec![super::super::model::CarePlanActivity {
                code: Some(Concept::new(systems::SNOMED, "160670007", "Diabetic diet")),
                status: "in-progress".into(),
                location: None,
            }],
            encounter: Some("enc-1".into()),
        });
        let bundle = export_bundle_at(&record, fixed_time());
        check_bundle_shape(&bundle);
        write_for_validation("us_core_shapes", &bundle);
        let resources = by_id(&bundle, "Observation");
        let bp = resources["obs-1"];
        assert_eq!(
            codes(&bp["code"])[0],
            (systems::LOINC.into(), "85354-9".into())
        );
        assert_eq!(
            bp["meta"]["profile"][0],
            "http://hl7.org/fhir/us/core/StructureDefinition/us-core-blood-pressure"
        );
        let patient = &bundle["entry"][0]["resource"];
        assert_eq!(
            patient["meta"]["profile"][0],
            "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"
        );
        // The diastolic part has no value: US Core wants the reason.
        assert_eq!(
            bp["component"][1]["dataAbsentReason"]["coding"][0]["code"],
            "unknown"
        );
        let imm = by_id(&bundle, "Immunization")["imm-1"];
        assert_eq!(imm["primarySource"], true);
        let plan = by_id(&bundle, "CarePlan")["plan-1"];
        assert_eq!(plan["text"]["status"], "generated");
        let div = plan["text"]["div"].as_str().unwrap_or_default();
        assert!(div.contains("Diabetes &lt;self&gt; &amp; care"), "{div}");
        assert!(div.contains("<li>Diabetic diet</li>"), "{div}");
        assert_eq!(codes(&plan["category"][0])[0].1, "assess-plan");
        // Everything still reads back as the same record, the panel as the source's code.
        let back = parse_bundle(&bundle).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.record.observations[0].code.code, "55284-4");
        assert_eq!(back.record.immunizations, record.immunizations);
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
