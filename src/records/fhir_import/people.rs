//! Practitioner, PractitionerRole, Organization, Location and CareTeam (who and where), Claim and
//! ExplanationOfBenefit (what a visit cost), and how the references to them resolve.
//!
//! A reference to a person or place resolves by `urn:uuid:` fullUrl, `Type/id`, or as Synthea
//! writes them when practitioners and hospitals travel in a bundle of their own: a conditional
//! reference `Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999...`, matched against
//! the identifiers of the bundle's resources of that type. One that does not resolve is no
//! error: its display text is kept, as the pages showed before (a bundle without its
//! practitioners is common). Money that is not a non-negative amount with a currency is refused,
//! naming the resource and field: a cost page must not show a number the source did not say.

use serde_json::Value;

use super::datatypes::{concept, human_name_text};
use super::entry::{list, period, Entry, ImportError};
use super::reader::Reader;
use crate::records::model::{
    systems, Address, Amount, BenefitItem, CareTeam, CareTeamMember, Claim, ClaimItem, Concept,
    EncounterParties, ExplanationOfBenefit, Identifier, Insurance, Location, Money, Organization,
    PartyRef, Practitioner, PractitionerRole,
};

/// The resource types a person-or-place reference may resolve to.
const PARTY_TYPES: [&str; 5] = [
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Location",
    "Patient",
];

/// The largest amount kept (ten billion in major units): beyond it is a broken value, and it
/// keeps sums of cents far from `i64`'s end.
const MAX_MAJOR_UNITS: f64 = 1e10;

impl<'a> Reader<'_, 'a> {
    /// The entry a reference string points at, conditional references included.
    pub(super) fn find(&self, reference: &str) -> Option<&super::entry::Entry<'a>> {
        if let Some(e) = self.index.resolve(reference) {
            return Some(e);
        }
        let (rtype, query) = reference.split_once('?')?;
        let rtype = rtype.rsplit('/').next()?;
        let wanted = query
            .split('&')
            .find_map(|p| p.strip_prefix("identifier="))?;
        let wanted = percent_decode(wanted);
        let (system, value) = match wanted.split_once('|') {
            Some((s, v)) => (Some(s), v),
            None => (None, wanted.as_str()),
        };
        self.index.entries.iter().find(|e| {
            e.rtype == rtype
                && identifiers(e).iter().any(|i| {
                    i.value == value && system.is_none_or(|s| i.system.as_deref() == Some(s))
                })
        })
    }

    /// A Reference to a person or place, resolved where the bundle allows.
    pub(super) fn party(&self, v: Option<&Value>) -> PartyRef {
        let display = self.reference_name(v);
        let target = v
            .and_then(|r| r.get("reference"))
            .and_then(Value::as_str)
            .and_then(|r| self.find(r))
            .filter(|t| PARTY_TYPES.contains(&t.rtype) && t.id.is_some());
        let identifier = match target {
            Some(_) => None,
            None => v
                .and_then(|r| r.get("reference"))
                .and_then(Value::as_str)
                .and_then(conditional_identifier)
                // A logical reference (`Reference.identifier`), as the export writes one.
                .or_else(|| {
                    let i = v?.get("identifier")?;
                    Some(Identifier {
                        system: i.get("system").and_then(Value::as_str).map(str::to_owned),
                        value: i.get("value")?.as_str()?.to_owned(),
                    })
                }),
        };
        PartyRef {
            kind: target.map(|t| t.rtype.to_owned()),
            id: target.and_then(|t| t.id.clone()),
            display,
            identifier,
        }
    }

    /// The Practitioner a reference names: directly, or through a PractitionerRole.
    fn practitioner_id(&self, v: Option<&Value>) -> Option<String> {
        let target = self.find(v?.get("reference")?.as_str()?)?;
        match target.rtype {
            "Practitioner" => target.id.clone(),
            "PractitionerRole" => {
                let p = self.find(target.get("practitioner")?.get("reference")?.as_str()?)?;
                (p.rtype == "Practitioner").then(|| p.id.clone()).flatten()
            }
            _ => None,
        }
    }

    /// The id of a resource of `rtype` a reference resolves to.
    fn id_of(&self, v: Option<&Value>, rtype: &str) -> Option<String> {
        let target = self.find(v?.get("reference")?.as_str()?)?;
        (target.rtype == rtype).then(|| target.id.clone()).flatten()
    }

    /// The clinician, clinic and place of an Encounter.
    pub(super) fn encounter_parties(&self, e: &Entry) -> Result<EncounterParties, ImportError> {
        let practitioner = list(e, "participant")?
            .iter()
            .find_map(|p| self.practitioner_id(p.get("individual")));
        let location = list(e, "location")?.first().map(|l| l.get("location"));
        Ok(EncounterParties {
            practitioner,
            organization: self.id_of(e.get("serviceProvider"), "Organization"),
            location: location.and_then(|l| self.id_of(l, "Location")),
            location_name: location.and_then(|l| self.reference_name(l)),
        })
    }

    /// The prescriber of a MedicationRequest as a Practitioner of the record.
    pub(super) fn requester_id(&self, e: &Entry) -> Option<String> {
        self.practitioner_id(e.get("requester"))
    }

    pub(super) fn practitioner(&self, e: &Entry) -> Result<Practitioner, ImportError> {
        let fhir_id = e.id()?;
        let name = list(e, "name")?.first();
        let strings = |field: &str| -> Vec<String> {
            name.and_then(|n| n.get(field))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let qualification = match list(e, "qualification")?.first() {
            Some(q) => match q.get("code") {
                Some(c) => Some(concept(c, "").map_err(|p| e.err("qualification[0].code", p))?),
                None => return Err(e.err("qualification[0].code", "is missing")),
            },
            None => None,
        };
        Ok(Practitioner {
            identifiers: identifiers(e),
            name: name.and_then(human_name_text),
            family: name
                .and_then(|n| n.get("family"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            given: strings("given"),
            prefix: strings("prefix"),
            gender: e.string("gender")?,
            address: first_address(e),
            phone: telecom(e, "phone"),
            email: telecom(e, "email"),
            qualification,
            fhir_id,
        })
    }

    pub(super) fn practitioner_role(&self, e: &Entry) -> Result<PractitionerRole, ImportError> {
        let fhir_id = e.id()?;
        let first_concept = |field: &str| -> Result<Option<Concept>, ImportError> {
            match e.first(field)? {
                Some(v) => Ok(Some(
                    concept(v, systems::SNOMED).map_err(|p| e.err(field, p))?,
                )),
                None => Ok(None),
            }
        };
        Ok(PractitionerRole {
            practitioner: self.id_of(e.get("practitioner"), "Practitioner"),
            organization: self.id_of(e.get("organization"), "Organization"),
            code: first_concept("code")?,
            specialty: first_concept("specialty")?,
            locations: list(e, "location")?
                .iter()
                .filter_map(|l| self.id_of(Some(l), "Location"))
                .collect(),
            phone: telecom(e, "phone"),
            fhir_id,
        })
    }

    pub(super) fn organization(&self, e: &Entry) -> Result<Organization, ImportError> {
        let fhir_id = e.id()?;
        let kind = match e.first("type")? {
            Some(v) => Some(concept(v, "").map_err(|p| e.err("type", p))?),
            None => None,
        };
        Ok(Organization {
            identifiers: identifiers(e),
            name: e.string("name")?,
            kind,
            address: first_address(e),
            phone: telecom(e, "phone"),
            fhir_id,
        })
    }

    pub(super) fn location(&self, e: &Entry) -> Result<Location, ImportError> {
        let fhir_id = e.id()?;
        let address = match e.get("address") {
            Some(a @ Value::Object(_)) => address(a),
            _ => None,
        };
        Ok(Location {
            identifiers: identifiers(e),
            name: e.string("name")?,
            status: e.string("status")?,
            address,
            phone: telecom(e, "phone"),
            organization: self.id_of(e.get("managingOrganization"), "Organization"),
            fhir_id,
        })
    }

    pub(super) fn care_team(&self, e: &Entry) -> Result<CareTeam, ImportError> {
        let fhir_id = e.id()?;
        self.check_patient(e, "subject", false)?;
        let (start, end) = period(e, "period")?;
        let mut members = Vec::new();
        for (i, p) in list(e, "participant")?.iter().enumerate() {
            let role = match p
                .get("role")
                .and_then(Value::as_array)
                .and_then(|r| r.first())
            {
                Some(r) => Some(
                    concept(r, systems::SNOMED)
                        .map_err(|problem| e.err(&format!("participant[{i}].role"), problem))?,
                ),
                None => None,
            };
            members.push(CareTeamMember {
                role,
                member: self.party(p.get("member")),
            });
        }
        let reason = match e.first("reasonCode")? {
            Some(v) => Some(concept(v, systems::SNOMED).map_err(|p| e.err("reasonCode", p))?),
            None => None,
        };
        Ok(CareTeam {
            status: e.string("status")?,
            name: e.string("name")?,
            encounter: self.encounter_ref(e)?,
            start,
            end,
            reason,
            members,
            managing: list(e, "managingOrganization")?
                .iter()
                .map(|o| self.party(Some(o)))
                .collect(),
            fhir_id,
        })
    }

    pub(super) fn claim(&self, e: &Entry) -> Result<Claim, ImportError> {
        let fhir_id = e.id()?;
        self.check_patient(e, "patient", true)?;
        let (billable_start, billable_end) = period(e, "billablePeriod")?;
        let mut items = Vec::new();
        for (i, item) in list(e, "item")?.iter().enumerate() {
            let at = |f: &str| format!("item[{i}].{f}");
            items.push(ClaimItem {
                sequence: sequence(e, item, &at("sequence"))?,
                service: required_concept(e, item, &at("productOrService"))?,
                encounter: self.item_encounter(item),
                net: match item.get("net") {
                    Some(v) => Some(money(e, &at("net"), v)?),
                    None => None,
                },
            });
        }
        Ok(Claim {
            status: e.required_string("status")?,
            kind: e.required_concept("type", "")?,
            use_: e.required_string("use")?,
            created: e
                .datetime("created")?
                .ok_or_else(|| e.err("created", "is missing"))?,
            billable_start,
            billable_end,
            provider: self.required_party(e, "provider")?,
            priority: e.required_concept("priority", "")?,
            insurance: insurance(e)?,
            items,
            total: match e.get("total") {
                Some(v) => Some(money(e, "total", v)?),
                None => None,
            },
            fhir_id,
        })
    }

    pub(super) fn benefit(&self, e: &Entry) -> Result<ExplanationOfBenefit, ImportError> {
        let fhir_id = e.id()?;
        self.check_patient(e, "patient", true)?;
        let (billable_start, billable_end) = period(e, "billablePeriod")?;
        let mut items = Vec::new();
        for (i, item) in list(e, "item")?.iter().enumerate() {
            let at = |f: &str| format!("item[{i}].{f}");
            let mut adjudication = Vec::new();
            if let Some(list) = item.get("adjudication").and_then(Value::as_array) {
                for (j, a) in list.iter().enumerate() {
                    // An adjudication may be a reason or an indicator without money (Synthea's
                    // "Line Processing Indicator Code"): only amounts are kept.
                    if a.get("amount").is_none() {
                        continue;
                    }
                    adjudication.push(amount(e, &at(&format!("adjudication[{j}]")), a)?);
                }
            }
            items.push(BenefitItem {
                sequence: sequence(e, item, &at("sequence"))?,
                service: required_concept(e, item, &at("productOrService"))?,
                encounter: self.item_encounter(item),
                adjudication,
            });
        }
        let mut totals = Vec::new();
        for (i, t) in list(e, "total")?.iter().enumerate() {
            totals.push(amount(e, &format!("total[{i}]"), t)?);
        }
        let insurer = self
            .reference_name(e.get("insurer"))
            .ok_or_else(|| e.err("insurer", "is missing"))?;
        Ok(ExplanationOfBenefit {
            status: e.required_string("status")?,
            kind: e.required_concept("type", "")?,
            use_: e.required_string("use")?,
            created: e
                .datetime("created")?
                .ok_or_else(|| e.err("created", "is missing"))?,
            billable_start,
            billable_end,
            insurer,
            provider: self.required_party(e, "provider")?,
            claim: self.id_of(e.get("claim"), "Claim"),
            outcome: e.required_string("outcome")?,
            insurance: insurance(e)?,
            items,
            totals,
            payment: match e.get("payment").and_then(|p| p.get("amount")) {
                Some(v) => Some(money(e, "payment.amount", v)?),
                None => None,
            },
            fhir_id,
        })
    }

    /// A reference R4 requires (a claim's provider): present, resolved or not (one that does
    /// not resolve keeps what it says: its display, its identifier).
    fn required_party(&self, e: &Entry, field: &str) -> Result<PartyRef, ImportError> {
        match e.get(field) {
            Some(Value::Object(_)) => Ok(self.party(e.get(field))),
            Some(_) => Err(e.err(field, "is not a Reference")),
            None => Err(e.err(field, "is missing")),
        }
    }

    /// The visit an item bills: an Encounter of this record, else none (a claim for a visit
    /// the bundle does not hold is still a cost).
    fn item_encounter(&self, item: &Value) -> Option<String> {
        let r = item.get("encounter")?.as_array()?.first()?;
        self.id_of(Some(r), "Encounter")
            .filter(|id| self.encounter_ids.contains(id))
    }
}

fn sequence(e: &Entry, v: &Value, field: &str) -> Result<u32, ImportError> {
    v.get("sequence")
        .and_then(Value::as_u64)
        .filter(|n| *n >= 1)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| e.err(field, "is missing or not a positive integer"))
}

fn required_concept(e: &Entry, v: &Value, field: &str) -> Result<Concept, ImportError> {
    let leaf = field.rsplit('.').next().unwrap_or(field);
    match v.get(leaf) {
        Some(c) => concept(c, systems::SNOMED).map_err(|p| e.err(field, p)),
        None => Err(e.err(field, "is missing")),
    }
}

/// A FHIR `Money`: a non-negative, finite amount with a three-letter currency.
fn money(e: &Entry, field: &str, v: &Value) -> Result<Money, ImportError> {
    let value = match v.get("value") {
        Some(Value::Number(n)) => n
            .as_f64()
            .ok_or_else(|| e.err(field, "value is not a number"))?,
        Some(_) => return Err(e.err(field, "value is not a number")),
        None => return Err(e.err(field, "has no value")),
    };
    if !value.is_finite() || value < 0.0 {
        return Err(e.err(field, format!("is negative or not a number: {value}")));
    }
    if value > MAX_MAJOR_UNITS {
        return Err(e.err(field, format!("is implausibly large: {value}")));
    }
    let currency = match v.get("currency") {
        Some(Value::String(c)) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) => {
            c.clone()
        }
        Some(_) => return Err(e.err(field, "currency is not an ISO 4217 code")),
        None => return Err(e.err(field, "has no currency")),
    };
    // Within MAX_MAJOR_UNITS, so the cast cannot overflow.
    let cents = (value * 100.0).round() as i64;
    Ok(Money { cents, currency })
}

/// An adjudication or total: `category` and `amount`.
fn amount(e: &Entry, field: &str, v: &Value) -> Result<Amount, ImportError> {
    let category = match v.get("category") {
        Some(c) => concept(c, "").map_err(|p| e.err(&format!("{field}.category"), p))?,
        None => return Err(e.err(&format!("{field}.category"), "is missing")),
    };
    let amount = match v.get("amount") {
        Some(m) => money(e, &format!("{field}.amount"), m)?,
        None => return Err(e.err(&format!("{field}.amount"), "is missing")),
    };
    Ok(Amount { category, amount })
}

fn insurance(e: &Entry) -> Result<Vec<Insurance>, ImportError> {
    let mut out = Vec::new();
    for (i, ins) in list(e, "insurance")?.iter().enumerate() {
        let coverage = ins
            .get("coverage")
            .and_then(|c| c.get("display"))
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| e.err(&format!("insurance[{i}].coverage"), "has no display"))?;
        out.push(Insurance {
            sequence: ins
                .get("sequence")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(u32::try_from(i + 1).unwrap_or(1)),
            focal: ins.get("focal").and_then(Value::as_bool).unwrap_or(false),
            coverage: coverage.trim().to_owned(),
        });
    }
    if out.is_empty() {
        return Err(e.err("insurance", "is missing"));
    }
    Ok(out)
}

fn identifiers(e: &Entry) -> Vec<Identifier> {
    e.get("identifier")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(|i| {
                    Some(Identifier {
                        system: i.get("system").and_then(Value::as_str).map(str::to_owned),
                        value: i.get("value")?.as_str()?.to_owned(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The first `telecom` of a system ("phone", "email").
fn telecom(e: &Entry, system: &str) -> Option<String> {
    e.get("telecom")?
        .as_array()?
        .iter()
        .filter(|t| t.get("system").and_then(Value::as_str) == Some(system))
        .find_map(|t| t.get("value").and_then(Value::as_str))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn first_address(e: &Entry) -> Option<Address> {
    address(e.get("address")?.as_array()?.first()?)
}

fn address(a: &Value) -> Option<Address> {
    let field = |name: &str| {
        a.get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let address = Address {
        use_: field("use"),
        text: field("text"),
        lines: a
            .get("line")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        city: field("city"),
        district: field("district"),
        state: field("state"),
        postal_code: field("postalCode"),
        country: field("country"),
        latitude: None,
        longitude: None,
    };
    (address != Address::default()).then_some(address)
}

/// The identifier a conditional reference asks for (`Type?identifier=system|value`).
fn conditional_identifier(reference: &str) -> Option<Identifier> {
    let (_, query) = reference.split_once('?')?;
    let wanted = percent_decode(
        query
            .split('&')
            .find_map(|p| p.strip_prefix("identifier="))?,
    );
    let (system, value) = match wanted.split_once('|') {
        Some((s, v)) => (Some(s.to_owned()).filter(|s| !s.is_empty()), v.to_owned()),
        None => (None, wanted.clone()),
    };
    (!value.is_empty()).then_some(Identifier { system, value })
}

/// `%7C` and the like in a conditional reference's query.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::test_bundles::*;
    use crate::records::model::Money;
    use serde_json::{json, Value};

    const PATIENT: &str = "urn:uuid:11111111-1111-4111-8111-111111111111";
    const ENCOUNTER: &str = "urn:uuid:22222222-2222-4222-8222-222222222222";

    /// A bundle as Synthea writes one with its practitioners and hospitals apart: the visit
    /// names them by conditional references, a role gives the specialty, a care team, a claim
    /// and its explanation of benefit.
    pub(crate) fn people_bundle() -> Value {
        let mut enc = encounter_entry();
        enc["resource"]["participant"] = json!([{"individual": {
            "reference": "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999999939",
            "display": "Dr. Ana Lopez"}}]);
        enc["resource"]["serviceProvider"] = json!({
            "reference": "Organization?identifier=https://github.com/synthetichealth/synthea|org-1",
            "display": "Hill Clinic"});
        enc["resource"]["location"] = json!([{"location": {
            "reference": "Location?identifier=https://github.com/synthetichealth/synthea|loc-1",
            "display": "Hill Clinic, main building"}}]);
        bundle(
            "transaction",
            vec![
                minimal_patient(),
                enc,
                json!({"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001", "resource": {
                    "resourceType": "Practitioner", "id": "aaaaaaaa-0000-4000-8000-000000000001",
                    "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "9999999939"}],
                    "name": [{"family": "Lopez", "given": ["Ana"], "prefix": ["Dr."]}],
                    "telecom": [{"system": "email", "value": "ana.lopez@example.com"}],
                    "gender": "female"}}),
                json!({"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000002", "resource": {
                    "resourceType": "PractitionerRole", "id": "aaaaaaaa-0000-4000-8000-000000000002",
                    "practitioner": {"reference": "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999999939"},
                    "organization": {"reference": "Organization?identifier=https://github.com/synthetichealth/synthea|org-1"},
                    "code": [{"coding": [{"system": "http://nucc.org/provider-taxonomy", "code": "208D00000X", "display": "General Practice"}]}],
                    "specialty": [{"coding": [{"system": "http://nucc.org/provider-taxonomy", "code": "208D00000X", "display": "General Practice"}]}],
                    "telecom": [{"system": "phone", "value": "413-555-0101"}]}}),
                json!({"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000003", "resource": {
                    "resourceType": "Organization", "id": "aaaaaaaa-0000-4000-8000-000000000003",
                    "identifier": [{"system": "https://github.com/synthetichealth/synthea", "value": "org-1"}],
                    "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type", "code": "prov", "display": "Healthcare Provider"}]}],
                    "name": "Hill Clinic",
                    "telecom": [{"system": "phone", "value": "413-555-0100"}],
                    "address": [{"line": ["12 Main Street"], "city": "Springfield", "state": "MA", "postalCode": "01104", "country": "US"}]}}),
                json!({"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000004", "resource": {
                    "resourceType": "Location", "id": "aaaaaaaa-0000-4000-8000-000000000004",
                    "identifier": [{"system": "https://github.com/synthetichealth/synthea", "value": "loc-1"}],
                    "status": "active", "name": "Hill Clinic, main building",
                    "address": {"line": ["12 Main Street"], "city": "Springfield", "state": "MA", "postalCode": "01104"},
                    "managingOrganization": {"reference": "Organization?identifier=https://github.com/synthetichealth/synthea|org-1"}}}),
                json!({"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000005", "resource": {
                    "resourceType": "CareTeam", "id": "aaaaaaaa-0000-4000-8000-000000000005",
                    "status": "active", "subject": {"reference": PATIENT},
                    "encounter": {"reference": ENCOUNTER},
                    "period": {"start": "2020-02-03T10:00:00-05:00"},
                    "participant": [
                        {"role": [{"coding": [{"system": "http://snomed.info/sct", "code": "223366009", "display": "Healthcare professional (occupation)"}]}],
                         "member": {"reference": "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999999939", "display": "Dr. Ana Lopez"}},
                        {"role": [{"coding": [{"system": "http://snomed.info/sct", "code": "116154003", "display": "Patient"}]}],
                         "member": {"reference": PATIENT, "display": "Jane Doe"}},
                        {"member": {"reference": "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|0000000000", "display": "Dr. Not Here"}}
                    ],
                    "managingOrganization": [{"reference": "Organization?identifier=https://github.com/synthetichealth/synthea|org-1", "display": "Hill Clinic"}]}}),
                json!({"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000006", "resource": {
                    "resourceType": "Claim", "id": "aaaaaaaa-0000-4000-8000-000000000006",
                    "status": "active",
                    "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
                    "use": "claim", "patient": {"reference": PATIENT},
                    "billablePeriod": {"start": "2020-02-03T10:00:00-05:00", "end": "2020-02-03T10:30:00-05:00"},
                    "created": "2020-02-03T10:30:00-05:00",
                    "provider": {"reference": "Organization?identifier=https://github.com/synthetichealth/synthea|org-1", "display": "Hill Clinic"},
                    "priority": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/processpriority", "code": "normal"}]},
                    "insurance": [{"sequence": 1, "focal": true, "coverage": {"display": "Blue Cross"}}],
                    "item": [{"sequence": 1, "productOrService": {"coding": [{"system": "http://snomed.info/sct", "code": "185349003", "display": "Encounter for check up"}]},
                              "encounter": [{"reference": ENCOUNTER}], "net": {"value": 136.8, "currency": "USD"}}],
                    "total": {"value": 136.8, "currency": "USD"}}}),
                json!({"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000007", "resource": {
                    "resourceType": "ExplanationOfBenefit", "id": "aaaaaaaa-0000-4000-8000-000000000007",
                    "status": "active",
                    "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
                    "use": "claim", "patient": {"reference": PATIENT},
                    "created": "2020-02-03T10:30:00-05:00",
                    "insurer": {"display": "Blue Cross"},
                    "provider": {"reference": "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999999939"},
                    "claim": {"reference": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000006"},
                    "outcome": "complete",
                    "insurance": [{"focal": true, "coverage": {"display": "Blue Cross"}}],
                    "item": [{"sequence": 1, "productOrService": {"coding": [{"system": "http://snomed.info/sct", "code": "185349003", "display": "Encounter for check up"}]},
                              "encounter": [{"reference": ENCOUNTER}],
                              "adjudication": [{"category": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/adjudication", "code": "benefit"}]}, "amount": {"value": 109.44, "currency": "USD"}}]}],
                    "total": [{"category": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/adjudication", "code": "submitted"}]}, "amount": {"value": 136.8, "currency": "USD"}}],
                    "payment": {"amount": {"value": 109.44, "currency": "USD"}}}}),
            ],
        )
    }

    #[test]
    fn conditional_references_resolve_to_the_bundles_practitioner_and_clinic() {
        let r = parse_ok(&people_bundle()).record;
        let p = &r.people;
        assert_eq!(p.practitioners.len(), 1);
        assert_eq!(p.roles.len(), 1);
        assert_eq!(p.organizations.len(), 1);
        assert_eq!(p.locations.len(), 1);
        let enc = &r.encounters[0];
        let dr = "aaaaaaaa-0000-4000-8000-000000000001";
        assert_eq!(enc.parties.practitioner.as_deref(), Some(dr));
        assert_eq!(
            enc.parties.organization.as_deref(),
            Some("aaaaaaaa-0000-4000-8000-000000000003")
        );
        assert_eq!(
            enc.parties.location.as_deref(),
            Some("aaaaaaaa-0000-4000-8000-000000000004")
        );
        assert_eq!(enc.provider.as_deref(), Some("Dr. Ana Lopez"));
        assert_eq!(
            p.specialty_of(dr).map(|c| c.display.as_str()),
            Some("General Practice")
        );
        assert_eq!(p.phone_of(dr), Some("413-555-0101"));
        assert_eq!(p.roles[0].practitioner.as_deref(), Some(dr));

        // The care team: the clinician resolved, the patient as the patient, the one who is
        // not in the bundle kept by name.
        let team = &p.care_teams[0];
        assert_eq!(team.members.len(), 3);
        assert_eq!(team.members[0].member.id.as_deref(), Some(dr));
        assert_eq!(team.members[1].member.kind.as_deref(), Some("Patient"));
        assert_eq!(team.members[2].member.id, None);
        assert_eq!(
            team.members[2].member.display.as_deref(),
            Some("Dr. Not Here")
        );

        let claim = &p.claims[0];
        assert_eq!(
            claim.total,
            Some(Money {
                cents: 13_680,
                currency: "USD".into()
            })
        );
        assert_eq!(
            claim.encounter(),
            Some("22222222-2222-4222-8222-222222222222")
        );
        let eob = &p.benefits[0];
        assert_eq!(eob.claim.as_deref(), Some(claim.fhir_id.as_str()));
        assert_eq!(eob.payment.as_ref().map(|m| m.cents), Some(10_944));
        assert_eq!(eob.provider.id.as_deref(), Some(dr));
        assert!(parse_ok(&people_bundle()).skipped.is_empty());
    }

    #[test]
    fn a_reference_to_a_missing_practitioner_keeps_its_display_text() {
        let mut b = people_bundle();
        // Drop the Practitioner and its role: the bundle of practitioners was not sent.
        if let Some(entries) = b["entry"].as_array_mut() {
            entries.retain(|e| {
                !matches!(
                    e["resource"]["resourceType"].as_str(),
                    Some("Practitioner" | "PractitionerRole")
                )
            });
        }
        let r = parse_ok(&b).record;
        let enc = &r.encounters[0];
        assert_eq!(enc.parties.practitioner, None);
        assert_eq!(enc.provider.as_deref(), Some("Dr. Ana Lopez"));
        // The EOB's provider is kept as the identifier it asked for.
        let provider = &r.people.benefits[0].provider;
        assert_eq!(provider.id, None);
        assert_eq!(
            provider.identifier.as_ref().map(|i| i.value.as_str()),
            Some("9999999939")
        );
    }

    #[test]
    fn bad_money_and_a_claim_without_id_are_refused_naming_the_resource() {
        let set = |path: &[&str], v: Value| {
            let mut b = people_bundle();
            let claim = b["entry"]
                .as_array_mut()
                .and_then(|a| {
                    a.iter_mut()
                        .find(|e| e["resource"]["resourceType"] == "Claim")
                })
                .map(|e| &mut e["resource"]);
            if let Some(mut target) = claim {
                for p in &path[..path.len() - 1] {
                    target = &mut target[*p];
                }
                target[path[path.len() - 1]] = v;
            }
            b
        };
        let text = err_text(&set(&["total"], json!({"value": -5, "currency": "USD"})));
        assert_eq!(
            text,
            "Claim aaaaaaaa-0000-4000-8000-000000000006: total is negative or not a number: -5"
        );
        let text = err_text(&set(
            &["total"],
            json!({"value": "12.00", "currency": "USD"}),
        ));
        assert!(
            text.contains("Claim aaaaaaaa") && text.contains("total value is not a number"),
            "{text}"
        );
        let text = err_text(&set(&["total"], json!({"value": 12})));
        assert!(text.contains("total has no currency"), "{text}");
        let text = err_text(&set(
            &["total"],
            json!({"value": 12, "currency": "dollars"}),
        ));
        assert!(text.contains("currency is not an ISO 4217 code"), "{text}");

        // No id and no urn:uuid fullUrl: named by its entry.
        let mut b = people_bundle();
        if let Some(e) = b["entry"].as_array_mut().and_then(|a| {
            a.iter_mut()
                .find(|e| e["resource"]["resourceType"] == "Claim")
        }) {
            e["fullUrl"] = json!("http://example.org/claims/1");
            if let Some(r) = e["resource"].as_object_mut() {
                r.remove("id");
            }
        }
        assert_eq!(err_text(&b), "entry 7 (Claim): id is missing");

        // A Practitioner without an id is refused the same way.
        let mut b = people_bundle();
        if let Some(e) = b["entry"].as_array_mut().and_then(|a| {
            a.iter_mut()
                .find(|e| e["resource"]["resourceType"] == "Practitioner")
        }) {
            e["fullUrl"] = Value::Null;
            if let Some(r) = e["resource"].as_object_mut() {
                r.remove("id");
            }
        }
        assert_eq!(err_text(&b), "entry 2 (Practitioner): id is missing");
    }

    #[test]
    fn the_people_of_a_bundle_round_trip_through_the_export() {
        use crate::records::export_bundle;
        use crate::records::test_support::{check_bundle_shape, write_for_validation};
        let original = parse_ok(&people_bundle()).record;
        let exported = export_bundle(&original);
        check_bundle_shape(&exported);
        write_for_validation("people_and_costs", &exported);
        let again = parse_ok(&exported);
        assert!(again.skipped.is_empty(), "{:?}", again.skipped);
        assert_eq!(again.record.people, original.people);
        assert_eq!(again.record.encounters, original.encounters);
        // Every reference of the new types resolves inside the bundle.
        let urls: std::collections::HashSet<&str> = exported["entry"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e["fullUrl"].as_str())
            .collect();
        let text = exported.to_string();
        for (i, _) in text.match_indices("\"reference\":\"") {
            let rest = &text[i + 13..];
            let r = &rest[..rest.find('"').unwrap_or(0)];
            assert!(urls.contains(r), "dangling reference {r}");
        }
    }

    #[test]
    fn synthea_visits_name_their_clinician_and_clinic_and_cost() {
        let Some(json) = crate::records::test_support::synthea_json("Louis_Erdman") else {
            return;
        };
        let r = parse_ok(&json).record;
        assert_eq!(r.people.practitioners.len(), 3);
        assert_eq!(r.people.organizations.len(), 3);
        assert_eq!(r.people.claims.len(), 16);
        assert_eq!(r.people.benefits.len(), 12);
        let enc = r
            .encounters
            .iter()
            .find(|e| e.fhir_id == "8169b0a6-56cf-4c75-9fde-bba4a0e8585c")
            .unwrap_or_else(|| panic!("encounter missing"));
        assert_eq!(
            enc.parties.practitioner.as_deref(),
            Some("e78eb359-e003-4912-bb67-0db9ae8e3ef5")
        );
        assert_eq!(
            enc.parties.organization.as_deref(),
            Some("5103c940-0c08-392f-95cd-446e0cea042a")
        );
        let org = r
            .people
            .organization("5103c940-0c08-392f-95cd-446e0cea042a")
            .unwrap_or_else(|| panic!("organization missing"));
        assert_eq!(org.phone.as_deref(), Some("4137872000"));
        assert!(r.medications.iter().all(|m| m.prescriber_id.is_some()));
        let claims: Vec<_> = r
            .people
            .claims
            .iter()
            .filter(|c| c.encounter() == Some(enc.fhir_id.as_str()))
            .collect();
        assert_eq!(claims[0].total.as_ref().map(|m| m.cents), Some(12_500));
    }
}
