//! What the visit, billing and care team pages show of the people, places and costs of a
//! record (issue 27 item 2). Pure: domain values in, values for the templates out.
//!
//! Only what the source said is shown: a clinician's specialty when a role or qualification
//! gives one, an amount insurance paid when an ExplanationOfBenefit says so; nothing is worked
//! out (no "you owe" from billed minus paid, which the source did not state).

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{
    Address, CareTeam, Claim, Encounter, ExplanationOfBenefit, Location, Money, Organization,
    People, Practitioner,
};
use super::views::{plain_name, DateView};

/// A clinician, clinic or place with how to reach it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PartyCard {
    pub name: String,
    pub specialty: Option<String>,
    pub address: Vec<String>,
    pub phone: Option<String>,
    /// `tel:` link of the phone, digits only.
    pub phone_href: Option<String>,
    /// The element id on the care team page (`practitioner-...`), when the id is safe for one.
    pub anchor: Option<String>,
}

/// An element id from a FHIR id (see `views::element_id`).
fn anchor(prefix: &str, id: &str) -> Option<String> {
    super::views::element_id(prefix, id)
}

fn address_lines(a: Option<&Address>) -> Vec<String> {
    let Some(a) = a else {
        return Vec::new();
    };
    if a.lines.is_empty() && a.city.is_none() {
        return a.text.iter().cloned().collect();
    }
    let mut lines = a.lines.clone();
    let place: Vec<&str> = [
        a.city.as_deref(),
        a.state.as_deref(),
        a.postal_code.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !place.is_empty() {
        lines.push(place.join(" "));
    }
    lines
}

fn phone(p: Option<&str>) -> (Option<String>, Option<String>) {
    match p {
        Some(p) => {
            let digits: String = p
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect();
            (
                Some(p.to_owned()),
                (!digits.is_empty()).then(|| format!("tel:{digits}")),
            )
        }
        None => (None, None),
    }
}

impl PartyCard {
    pub fn practitioner(p: &Practitioner, people: &People) -> Self {
        let (phone, phone_href) = phone(people.phone_of(&p.fhir_id));
        // Where to find them: their own address, else the clinic of one of their roles.
        let address = p.address.as_ref().or_else(|| {
            people
                .roles
                .iter()
                .filter(|r| r.practitioner.as_deref() == Some(p.fhir_id.as_str()))
                .filter_map(|r| r.organization.as_deref())
                .find_map(|o| people.organization(o).and_then(|o| o.address.as_ref()))
        });
        PartyCard {
            name: p
                .name
                .clone()
                .unwrap_or_else(|| say("clinical-name-not-recorded")),
            specialty: people
                .specialty_of(&p.fhir_id)
                .map(|c| plain_name(&c.display)),
            address: address_lines(address),
            phone,
            phone_href,
            anchor: anchor("practitioner", &p.fhir_id),
        }
    }

    pub fn organization(o: &Organization) -> Self {
        let (phone, phone_href) = phone(o.phone.as_deref());
        PartyCard {
            name: o
                .name
                .clone()
                .unwrap_or_else(|| say("clinical-name-not-recorded")),
            specialty: None,
            address: address_lines(o.address.as_ref()),
            phone,
            phone_href,
            anchor: anchor("organization", &o.fhir_id),
        }
    }

    pub fn location(l: &Location) -> Self {
        let (phone, phone_href) = phone(l.phone.as_deref());
        PartyCard {
            name: l
                .name
                .clone()
                .unwrap_or_else(|| say("clinical-name-not-recorded")),
            specialty: None,
            address: address_lines(l.address.as_ref()),
            phone,
            phone_href,
            anchor: anchor("location", &l.fhir_id),
        }
    }
}

/// Amounts of possibly several currencies, written one per currency ("$125.00").
fn sum<'a>(amounts: impl Iterator<Item = &'a Money>) -> Option<String> {
    let mut by_currency: BTreeMap<&str, i64> = BTreeMap::new();
    let mut any = false;
    for m in amounts {
        any = true;
        let total = by_currency.entry(m.currency.as_str()).or_insert(0);
        *total = total.saturating_add(m.cents);
    }
    any.then(|| {
        by_currency
            .into_iter()
            .map(|(currency, cents)| {
                Money {
                    cents,
                    currency: currency.to_owned(),
                }
                .text()
            })
            .reduce(|first, next| {
                crate::i18n::tr_args(
                    crate::i18n::current(),
                    "clinical-amounts",
                    &[("first", first.into()), ("next", next.into())],
                )
            })
            .unwrap_or_default()
    })
}

/// A word of `clinical.ftl` in the page's language (#31).
fn say(key: &str) -> String {
    crate::i18n::tr(crate::i18n::current(), key)
}

/// What a visit cost and what insurance paid, as its claims and EOBs say.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VisitCost {
    /// What the provider billed: the claims' totals.
    pub billed: Option<String>,
    /// What insurance paid: the EOBs' payments.
    pub paid: Option<String>,
    /// Who paid (the insurers, by name).
    pub insurers: Vec<String>,
    /// What was billed, line by line.
    pub services: Vec<String>,
}

pub fn visit_cost(claims: &[Claim], benefits: &[ExplanationOfBenefit]) -> Option<VisitCost> {
    if claims.is_empty() && benefits.is_empty() {
        return None;
    }
    // A claim's total, else what its EOB says was submitted.
    let billed = if claims.iter().any(|c| c.total.is_some()) {
        sum(claims.iter().filter_map(|c| c.total.as_ref()))
    } else {
        sum(benefits.iter().filter_map(|b| b.total("submitted")))
    };
    let mut insurers: Vec<String> = benefits.iter().map(|b| b.insurer.clone()).collect();
    insurers.dedup();
    let mut services: Vec<String> = claims
        .iter()
        .flat_map(|c| c.items.iter().map(|i| plain_name(&i.service.display)))
        .collect();
    services.dedup();
    Some(VisitCost {
        billed,
        paid: sum(benefits.iter().filter_map(|b| b.payment.as_ref())),
        insurers,
        services,
    })
}

/// The people, place and cost of one visit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VisitPeople {
    pub clinician: Option<PartyCard>,
    pub clinic: Option<PartyCard>,
    pub location: Option<PartyCard>,
    pub cost: Option<VisitCost>,
}

pub fn visit_people(
    encounter: &Encounter,
    people: &People,
    claims: &[Claim],
    benefits: &[ExplanationOfBenefit],
) -> VisitPeople {
    let p = &encounter.parties;
    VisitPeople {
        clinician: p
            .practitioner
            .as_deref()
            .and_then(|id| people.practitioner(id))
            .map(|x| PartyCard::practitioner(x, people)),
        clinic: p
            .organization
            .as_deref()
            .and_then(|id| people.organization(id))
            .map(PartyCard::organization),
        location: p
            .location
            .as_deref()
            .and_then(|id| people.location(id))
            .map(PartyCard::location),
        cost: visit_cost(claims, benefits),
    }
}

/// One visit's line on the billing page.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BillingRow {
    pub date: DateView,
    /// The visit's page, when the claim names a visit of this record.
    pub visit: Option<String>,
    pub title: String,
    pub provider: Option<String>,
    pub cost: VisitCost,
}

/// The billing page: one row per visit (claims without a visit each on their own), newest
/// first, and the totals.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Billing {
    pub rows: Vec<BillingRow>,
    pub billed: Option<String>,
    pub paid: Option<String>,
}

pub fn billing(
    encounters: &[Encounter],
    claims: &[Claim],
    benefits: &[ExplanationOfBenefit],
) -> Billing {
    // Group by visit; a claim or EOB without one is a group of its own (keyed by its id).
    let mut groups: BTreeMap<String, (Vec<Claim>, Vec<ExplanationOfBenefit>)> = BTreeMap::new();
    for c in claims {
        let key = c
            .encounter()
            .map(|e| format!("e:{e}"))
            .unwrap_or_else(|| format!("c:{}", c.fhir_id));
        groups.entry(key).or_default().0.push(c.clone());
    }
    for b in benefits {
        let key = match (b.encounter(), &b.claim) {
            (Some(e), _) => format!("e:{e}"),
            // An EOB without a visit joins its claim's group.
            (None, Some(claim)) => claims
                .iter()
                .find(|c| &c.fhir_id == claim)
                .and_then(|c| c.encounter().map(|e| format!("e:{e}")))
                .unwrap_or_else(|| format!("c:{claim}")),
            (None, None) => format!("b:{}", b.fhir_id),
        };
        groups.entry(key).or_default().1.push(b.clone());
    }
    let mut rows: Vec<(chrono::DateTime<chrono::Utc>, BillingRow)> = Vec::new();
    for (key, (claims, benefits)) in groups {
        let Some(cost) = visit_cost(&claims, &benefits) else {
            continue;
        };
        let encounter = key
            .strip_prefix("e:")
            .and_then(|id| encounters.iter().find(|e| e.fhir_id == id));
        let created = claims
            .iter()
            .map(|c| c.created)
            .chain(benefits.iter().map(|b| b.created))
            .min();
        let Some(when) = encounter.map(|e| e.start).or(created) else {
            continue;
        };
        let provider = claims
            .iter()
            .find_map(|c| c.provider.display.clone())
            .or_else(|| encounter.and_then(|e| e.organization.clone()));
        rows.push((
            when,
            BillingRow {
                date: DateView::at(&when),
                visit: encounter.map(|e| e.fhir_id.clone()),
                title: encounter
                    .map(super::views::visit_title)
                    .or_else(|| cost.services.first().cloned())
                    .unwrap_or_else(|| say("clinical-billed-care")),
                provider,
                cost,
            },
        ));
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    let billed = if claims.iter().any(|c| c.total.is_some()) {
        sum(claims.iter().filter_map(|c| c.total.as_ref()))
    } else {
        sum(benefits.iter().filter_map(|b| b.total("submitted")))
    };
    Billing {
        rows: rows.into_iter().map(|(_, r)| r).collect(),
        billed,
        paid: sum(benefits.iter().filter_map(|b| b.payment.as_ref())),
    }
}

/// One care team with its members.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TeamView {
    pub name: String,
    pub status: Option<String>,
    pub since: Option<DateView>,
    pub reason: Option<String>,
    pub members: Vec<MemberView>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MemberView {
    pub name: String,
    pub role: Option<String>,
    /// `#practitioner-...` on this page, when the member is a clinician of the record.
    pub anchor: Option<String>,
}

/// The care team page: the record's care teams, then every clinician, clinic and place.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CareTeamPage {
    pub teams: Vec<TeamView>,
    pub clinicians: Vec<PartyCard>,
    pub clinics: Vec<PartyCard>,
    pub places: Vec<PartyCard>,
}

fn team_view(t: &CareTeam, people: &People) -> TeamView {
    TeamView {
        name: t.name.clone().unwrap_or_else(|| say("clinical-care-team")),
        // A FHIR status code, in words of the page's language (#31).
        status: t.status.as_deref().map(super::care_views::status_words),
        since: t.start.as_ref().map(DateView::at),
        reason: t.reason.as_ref().map(|r| plain_name(&r.display)),
        members: t
            .members
            .iter()
            .filter_map(|m| {
                let resolved = match (m.member.kind.as_deref(), m.member.id.as_deref()) {
                    (Some("Practitioner"), Some(id)) => people
                        .practitioner(id)
                        .map(|p| (p.name.clone(), anchor("practitioner", id))),
                    (Some("Organization"), Some(id)) => people
                        .organization(id)
                        .map(|o| (o.name.clone(), anchor("organization", id))),
                    _ => None,
                };
                let (name, anchor) = match resolved {
                    Some((name, anchor)) => (name.or_else(|| m.member.display.clone()), anchor),
                    None => (m.member.display.clone(), None),
                };
                Some(MemberView {
                    name: name?,
                    role: m.role.as_ref().map(|r| plain_name(&r.display)),
                    anchor,
                })
            })
            .collect(),
    }
}

pub fn care_team_page(people: &People) -> CareTeamPage {
    let mut clinicians: Vec<PartyCard> = people
        .practitioners
        .iter()
        .map(|p| PartyCard::practitioner(p, people))
        .collect();
    clinicians.sort_by(|a, b| a.name.cmp(&b.name));
    let mut clinics: Vec<PartyCard> = people
        .organizations
        .iter()
        .map(PartyCard::organization)
        .collect();
    clinics.sort_by(|a, b| a.name.cmp(&b.name));
    let mut places: Vec<PartyCard> = people.locations.iter().map(PartyCard::location).collect();
    places.sort_by(|a, b| a.name.cmp(&b.name));
    CareTeamPage {
        teams: people
            .care_teams
            .iter()
            .map(|t| team_view(t, people))
            .collect(),
        clinicians,
        clinics,
        places,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::model::{Concept, Insurance, PartyRef};
    use chrono::TimeZone;

    fn usd(cents: i64) -> Money {
        Money {
            cents,
            currency: "USD".into(),
        }
    }

    fn claim(id: &str, encounter: Option<&str>, cents: i64) -> Claim {
        Claim {
            fhir_id: id.into(),
            status: "active".into(),
            kind: Concept::new("", "institutional", "institutional"),
            use_: "claim".into(),
            created: chrono::Utc
                .with_ymd_and_hms(2020, 1, 2, 3, 4, 5)
                .single()
                .unwrap_or_default(),
            billable_start: None,
            billable_end: None,
            provider: PartyRef {
                kind: None,
                id: None,
                display: Some("Clinic".into()),
                identifier: None,
            },
            priority: Concept::new("", "normal", "normal"),
            insurance: vec![Insurance {
                sequence: 1,
                focal: true,
                coverage: "private".into(),
            }],
            items: vec![crate::records::model::ClaimItem {
                sequence: 1,
                service: Concept::new("", "1", "Check up"),
                encounter: encounter.map(str::to_owned),
                net: None,
            }],
            total: Some(usd(cents)),
        }
    }

    #[test]
    fn a_visit_costs_what_its_claims_total_and_insurance_paid_what_the_eob_says() {
        let c = claim("c1", Some("e1"), 12_500);
        let cost = visit_cost(std::slice::from_ref(&c), &[]).unwrap_or_else(|| panic!("cost"));
        assert_eq!(cost.billed.as_deref(), Some("$125.00"));
        assert_eq!(cost.paid, None, "no EOB: nothing said about payment");
        assert_eq!(visit_cost(&[], &[]), None);
    }

    #[test]
    fn the_pages_own_words_read_in_the_page_s_language() {
        use crate::i18n::{Lang, LANG};
        let team = CareTeam {
            fhir_id: "t".into(),
            status: Some("active".into()),
            name: None,
            encounter: None,
            start: None,
            end: None,
            reason: None,
            members: Vec::new(),
            managing: Vec::new(),
        };
        let people = People::default();
        let es = LANG.sync_scope(Lang::Es, || team_view(&team, &people));
        assert_eq!(
            (es.name.as_str(), es.status.as_deref()),
            ("Equipo de atención", Some("Activo"))
        );
        let en = team_view(&team, &people);
        assert_eq!(
            (en.name.as_str(), en.status.as_deref()),
            ("Care team", Some("Active"))
        );
        let two = [
            usd(100),
            Money {
                cents: 250,
                currency: "EUR".into(),
            },
        ];
        assert_eq!(sum(two.iter()).as_deref(), Some("2.50 EUR and $1.00"));
        let es = LANG.sync_scope(Lang::Es, || sum(two.iter()));
        assert!(es.is_some_and(|s| s.contains(" y ")));
    }

    #[test]
    fn billing_groups_by_visit_and_sums_totals() {
        let claims = [
            claim("c1", Some("e1"), 12_500),
            claim("c2", Some("e1"), 2_550),
            claim("c3", None, 1_000),
        ];
        let b = billing(&[], &claims, &[]);
        assert_eq!(b.rows.len(), 2);
        assert_eq!(b.billed.as_deref(), Some("$160.50"));
        assert!(b
            .rows
            .iter()
            .any(|r| r.cost.billed.as_deref() == Some("$150.50")));
    }
}
