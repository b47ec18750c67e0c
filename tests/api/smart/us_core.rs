//! US Core 6.1 conformance of the FHIR API as an app sees it: profiles in `meta.profile` and
//! the must-support elements (blood pressure panel, Immunization.primarySource, CarePlan.text),
//! US Core's required searches, `_lastUpdated`, `_include`/`_revinclude`, Provenance,
//! `Patient/$everything` and a CapabilityStatement that lists exactly what works. The reqwest
//! client stands in for the app; what it reads is kept for CI's R4 validation.

use super::*;

const US_CORE: &str = "http://hl7.org/fhir/us/core/StructureDefinition/";

fn resources_of(bundle: &Value) -> Vec<Value> {
    bundle["entry"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e["resource"].clone())
        .collect()
}

fn ids(resources: &[Value]) -> Vec<String> {
    resources
        .iter()
        .map(|r| {
            format!(
                "{}/{}",
                r["resourceType"].as_str().unwrap_or_default(),
                r["id"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

fn category_codes(resource: &Value) -> Vec<String> {
    resource["category"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["coding"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["code"].as_str().map(str::to_string))
        .collect()
}

fn link(bundle: &Value, relation: &str) -> Option<String> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == relation)
        .and_then(|l| l["url"].as_str().map(str::to_string))
}

/// A FHIR GET under `Prefer: handling=strict`: status and body.
async fn fhir_strict(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let resp = app
        .browser()
        .client
        .get(format!("{}{path}", base(app)))
        .bearer_auth(token)
        .header("accept", "application/fhir+json")
        .header("prefer", "handling=strict")
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn profile(r: &Value) -> String {
    r["meta"]["profile"][0]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Every resource of a type, all pages (walked by their `next` links).
async fn all_of(app: &TestApp, token: &str, rtype: &str) -> Vec<Value> {
    let mut path = format!("/{rtype}?_count=100");
    let mut out = Vec::new();
    loop {
        let (status, bundle) = fhir(app, token, &path).await;
        assert_eq!(status, 200, "{rtype}: {bundle}");
        out.extend(resources_of(&bundle));
        match link(&bundle, "next") {
            Some(next) => path = next.strip_prefix(&base(app)).unwrap().to_string(),
            None => break,
        }
    }
    out
}

/// A search's matches, checked against filtering the full set with `keep`: the same resources,
/// and (when `narrows`) fewer than all of them but not none.
async fn check_search(
    app: &TestApp,
    token: &str,
    rtype: &str,
    query: &str,
    narrows: bool,
    keep: impl Fn(&Value) -> bool,
) {
    let everything = all_of(app, token, rtype).await;
    let (status, bundle) = fhir(app, token, &format!("/{rtype}?{query}&_count=100")).await;
    assert_eq!(status, 200, "{rtype}?{query}: {bundle}");
    let mut found = resources_of(&bundle);
    let mut page = bundle.clone();
    while let Some(next) = link(&page, "next") {
        let (_, more) = fhir(app, token, next.strip_prefix(&base(app)).unwrap()).await;
        found.extend(resources_of(&more));
        page = more;
    }
    let expected: Vec<Value> = everything.iter().filter(|r| keep(r)).cloned().collect();
    assert_eq!(ids(&found), ids(&expected), "{rtype}?{query}");
    if narrows {
        assert!(
            !found.is_empty() && found.len() < everything.len(),
            "{rtype}?{query} narrows: {} of {}",
            found.len(),
            everything.len()
        );
    }
    let self_link = bundle["link"][0]["url"].as_str().unwrap_or_default();
    let first = query.split('&').next().unwrap_or_default();
    let name = first.split('=').next().unwrap_or_default();
    assert!(self_link.contains(name), "{self_link} repeats {name}");
}

fn codes_of(concept: &Value) -> Vec<String> {
    concept["coding"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["code"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn every_resource_declares_its_us_core_profile_and_fills_must_support_elements() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "US Core App", false).await;
    let token = at(&connected(&app, &b, &client, ALL).await);

    for rtype in [
        "Patient",
        "AllergyIntolerance",
        "CarePlan",
        "Condition",
        "DiagnosticReport",
        "Encounter",
        "Goal",
        "Immunization",
        "MedicationRequest",
        "Procedure",
        "Provenance",
    ] {
        let found = all_of(&app, &token, rtype).await;
        for r in &found {
            let p = profile(r);
            // A Goal without a start date or target lacks what US Core requires: no claim.
            if rtype == "Goal" && r.get("startDate").is_none() && r.get("target").is_none() {
                assert_eq!(p, "", "{r}");
                continue;
            }
            assert!(p.starts_with(US_CORE), "{rtype} {} claims {p:?}", r["id"]);
        }
        keep_for_validation(
            &format!("us-core-{rtype}"),
            &json!({
                "resourceType": "Bundle", "type": "collection",
                "entry": found.iter().map(|r| json!({"resource": r})).collect::<Vec<_>>(),
            }),
        );
    }
    for r in all_of(&app, &token, "Patient").await {
        assert_eq!(profile(&r), format!("{US_CORE}us-core-patient"));
    }

    // Observations: the profile of their category and code.
    let observations = all_of(&app, &token, "Observation").await;
    assert!(!observations.is_empty());
    for o in &observations {
        let cats = category_codes(o);
        let p = profile(o);
        if cats.contains(&"laboratory".to_string()) {
            assert_eq!(p, format!("{US_CORE}us-core-observation-lab"), "{o}");
        } else if cats.contains(&"vital-signs".to_string()) {
            assert!(
                p.starts_with(US_CORE) && !p.ends_with("-lab"),
                "vital sign {p}"
            );
        }
    }
    // Blood pressure: US Core's panel 85354-9 with systolic and diastolic components.
    let (status, bp) = fhir(&app, &token, "/Observation?code=http://loinc.org|85354-9").await;
    assert_eq!(status, 200);
    let bp = resources_of(&bp);
    assert!(!bp.is_empty(), "the demo record has blood pressures");
    for o in &bp {
        assert_eq!(codes_of(&o["code"])[0], "85354-9");
        assert_eq!(profile(o), format!("{US_CORE}us-core-blood-pressure"));
        let parts: Vec<String> = o["component"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| codes_of(&c["code"]))
            .collect();
        assert!(parts.contains(&"8480-6".into()) && parts.contains(&"8462-4".into()));
        assert!(o["component"][0]["valueQuantity"]["value"].is_number());
    }
    // The older code still finds them (the source's coding is kept after the panel).
    let (_, old) = fhir(&app, &token, "/Observation?code=55284-4&_count=100").await;
    assert_eq!(ids(&resources_of(&old)), ids(&bp));
    keep_for_validation(
        "us-core-blood-pressure",
        &json!({
            "resourceType": "Bundle", "type": "collection",
            "entry": bp.iter().map(|r| json!({"resource": r})).collect::<Vec<_>>(),
        }),
    );

    for i in all_of(&app, &token, "Immunization").await {
        assert_eq!(i["primarySource"], true);
    }
    let plans = all_of(&app, &token, "CarePlan").await;
    assert!(!plans.is_empty(), "the demo record has care plans");
    for c in plans {
        assert_eq!(c["text"]["status"], "generated");
        let div = c["text"]["div"].as_str().unwrap_or_default();
        assert!(
            div.starts_with("<div xmlns=\"http://www.w3.org/1999/xhtml\">"),
            "{div}"
        );
        assert!(category_codes(&c).contains(&"assess-plan".to_string()));
    }
    for c in all_of(&app, &token, "Condition").await {
        assert!(!category_codes(&c).is_empty());
    }
}

#[tokio::test]
async fn us_core_searches_narrow_results_as_filtering_the_full_set_does() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Search App", false).await;
    let token = at(&connected(&app, &b, &client, ALL).await);
    let code_is =
        |r: &Value, element: &str, code: &str| codes_of(&r[element]).contains(&code.to_string());

    // Condition: clinical-status, category, code, onset-date.
    let conditions = all_of(&app, &token, "Condition").await;
    let resolved = conditions
        .iter()
        .filter(|c| code_is(c, "clinicalStatus", "resolved"))
        .count();
    check_search(
        &app,
        &token,
        "Condition",
        "clinical-status=active",
        resolved > 0,
        |c| code_is(c, "clinicalStatus", "active"),
    )
    .await;
    let some_code = codes_of(&conditions[0]["code"])[0].clone();
    check_search(
        &app,
        &token,
        "Condition",
        &format!("code={some_code}"),
        conditions.len() > 1,
        |c| code_is(c, "code", &some_code),
    )
    .await;
    let onset = conditions
        .iter()
        .filter_map(|c| c["onsetDateTime"].as_str())
        .min()
        .unwrap()
        .to_string();
    check_search(
        &app,
        &token,
        "Condition",
        &format!("onset-date=gt{onset}"),
        false,
        |c| {
            c["onsetDateTime"]
                .as_str()
                .is_some_and(|d| d > onset.as_str())
        },
    )
    .await;
    check_search(
        &app,
        &token,
        "Condition",
        "category=problem-list-item",
        false,
        |c| category_codes(c).contains(&"problem-list-item".to_string()),
    )
    .await;

    // MedicationRequest: intent, status; Encounter: class, type, status, date.
    check_search(
        &app,
        &token,
        "MedicationRequest",
        "intent=order",
        false,
        |m| m["intent"] == "order",
    )
    .await;
    check_search(
        &app,
        &token,
        "MedicationRequest",
        "intent=plan",
        false,
        |m| m["intent"] == "plan",
    )
    .await;
    check_search(
        &app,
        &token,
        "MedicationRequest",
        "status=active",
        false,
        |m| m["status"] == "active",
    )
    .await;
    check_search(&app, &token, "Encounter", "class=AMB", false, |e| {
        e["class"]["code"] == "AMB"
    })
    .await;
    check_search(
        &app,
        &token,
        "Encounter",
        "class=http://terminology.hl7.org/CodeSystem/v3-ActCode|EMER",
        false,
        |e| e["class"]["code"] == "EMER",
    )
    .await;
    let encounters = all_of(&app, &token, "Encounter").await;
    if let Some(kind) = encounters
        .iter()
        .find_map(|e| codes_of(&e["type"][0]).first().cloned())
    {
        check_search(
            &app,
            &token,
            "Encounter",
            &format!("type={kind}"),
            false,
            |e| codes_of(&e["type"][0]).contains(&kind),
        )
        .await;
    }
    let first_visit = encounters
        .iter()
        .filter_map(|e| e["period"]["start"].as_str())
        .min()
        .unwrap()
        .to_string();
    check_search(
        &app,
        &token,
        "Encounter",
        &format!("date=gt{first_visit}&status=finished"),
        encounters.len() > 1,
        |e| {
            e["period"]["start"]
                .as_str()
                .is_some_and(|d| d > first_visit.as_str())
                && e["status"] == "finished"
        },
    )
    .await;

    // Observation: category with code and date; Goal lifecycle-status; Patient name and gender.
    check_search(
        &app,
        &token,
        "Observation",
        "category=vital-signs&code=85354-9",
        true,
        |o| {
            category_codes(o).contains(&"vital-signs".to_string())
                && codes_of(&o["code"]).contains(&"85354-9".to_string())
        },
    )
    .await;
    check_search(
        &app,
        &token,
        "Goal",
        "lifecycle-status=active",
        false,
        |g| g["lifecycleStatus"] == "active",
    )
    .await;
    let patient = &all_of(&app, &token, "Patient").await[0];
    let family = patient["name"][0]["family"].as_str().unwrap().to_string();
    check_search(
        &app,
        &token,
        "Patient",
        &format!("name={}", &family[..2].to_lowercase()),
        false,
        |_| true,
    )
    .await;
    check_search(&app, &token, "Patient", "family=zzz-nobody", false, |_| {
        false
    })
    .await;
    let gender = patient["gender"].as_str().unwrap().to_string();
    check_search(
        &app,
        &token,
        "Patient",
        &format!("gender={gender}"),
        false,
        |_| true,
    )
    .await;
    check_search(&app, &token, "Patient", "gender=unknown-x", false, |_| {
        false
    })
    .await;

    // A bad date for a new parameter is a 400 OperationOutcome, never a 500.
    let (status, body) = fhir(&app, &token, "/Condition?onset-date=soon").await;
    assert_eq!(status, 400);
    assert_outcome(&body, status, "bad onset-date");
}

#[tokio::test]
async fn last_updated_is_when_the_record_was_stored_and_searchable_with_prefixes() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Updated App", false).await;
    let token = at(&connected(&app, &b, &client, ALL).await);
    let observations = all_of(&app, &token, "Observation").await;
    let stamp = observations[0]["meta"]["lastUpdated"]
        .as_str()
        .expect("meta.lastUpdated")
        .to_string();
    let t = chrono::DateTime::parse_from_rfc3339(&stamp).unwrap();
    assert!((chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_minutes() < 10);
    let before = (t - chrono::Duration::seconds(5))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let after = (t + chrono::Duration::seconds(5))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let total = |q: String| {
        let (app, token) = (&app, &token);
        async move {
            let (status, bundle) = fhir(app, token, &format!("/Observation?{q}&_count=0")).await;
            assert_eq!(status, 200, "{q}: {bundle}");
            bundle["total"].as_u64().unwrap()
        }
    };
    let all = observations.len() as u64;
    assert_eq!(total(format!("_lastUpdated=ge{before}")).await, all);
    assert_eq!(total(format!("_lastUpdated=gt{before}")).await, all);
    assert_eq!(total(format!("_lastUpdated=le{after}")).await, all);
    assert_eq!(total(format!("_lastUpdated=lt{before}")).await, 0);
    assert_eq!(total(format!("_lastUpdated=gt{after}")).await, 0);
    assert_eq!(total("_lastUpdated=ge2100-01-01".into()).await, 0);
    assert_eq!(
        total(format!("_lastUpdated=ge{before}&_lastUpdated=le{after}")).await,
        all
    );
    // Under strict handling it is a supported parameter now; a bad value is a 400.
    let (status, _) = fhir_strict(&app, &token, "/Observation?_lastUpdated=ge2000").await;
    assert_eq!(status, 200);
    let (status, body) = fhir(&app, &token, "/Observation?_lastUpdated=recently").await;
    assert_eq!(status, 400);
    assert_outcome(&body, status, "bad _lastUpdated");
}

#[tokio::test]
async fn include_and_revinclude_add_linked_resources_the_token_may_read() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Include App", false).await;
    let token = at(&connected(&app, &b, &client, ALL).await);
    let (status, bundle) = fhir(
        &app,
        &token,
        "/Observation?_count=5&_include=Observation:patient&_include=Observation:encounter&_revinclude=Provenance:target",
    )
    .await;
    assert_eq!(status, 200);
    keep_for_validation("us-core-include", &bundle);
    let entries = bundle["entry"].as_array().unwrap();
    let matches: Vec<&Value> = entries
        .iter()
        .filter(|e| e["search"]["mode"] == "match")
        .collect();
    let included: Vec<&Value> = entries
        .iter()
        .filter(|e| e["search"]["mode"] == "include")
        .collect();
    assert_eq!(matches.len(), 5);
    assert_eq!(bundle["total"], bundle["total"].as_u64().unwrap().max(5));
    let kinds: Vec<&str> = included
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "Patient").count(),
        1,
        "{kinds:?}"
    );
    assert!(kinds.contains(&"Encounter"), "{kinds:?}");
    assert!(kinds.contains(&"Provenance"), "{kinds:?}");
    // Every included Provenance targets a match on the page; every Encounter is one they name.
    let on_page: Vec<String> = matches
        .iter()
        .map(|e| format!("Observation/{}", e["resource"]["id"].as_str().unwrap()))
        .collect();
    for e in &included {
        let r = &e["resource"];
        match r["resourceType"].as_str().unwrap() {
            "Provenance" => assert!(r["target"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| on_page.contains(&t["reference"].as_str().unwrap().to_string()))),
            "Encounter" => {
                let me = format!("Encounter/{}", r["id"].as_str().unwrap());
                assert!(matches
                    .iter()
                    .any(|m| m["resource"]["encounter"]["reference"] == me.as_str()));
            }
            _ => {}
        }
        assert!(e["fullUrl"].as_str().unwrap().starts_with("https://"));
    }
    let self_link = bundle["link"][0]["url"].as_str().unwrap();
    assert!(
        self_link.contains("_include=Observation%3Apatient"),
        "{self_link}"
    );
    // MedicationRequest:medication is supported; the medications are inline codes here.
    let (status, meds) = fhir(
        &app,
        &token,
        "/MedicationRequest?_include=MedicationRequest:medication",
    )
    .await;
    assert_eq!(status, 200);
    assert!(meds["entry"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["search"]["mode"] == "match"));

    // A token for observations alone gets no Patient or Provenance by including them.
    let narrow = register(&app, "Narrow Include App", false).await;
    let narrow_token =
        at(&connected(&app, &b, &narrow, "launch/patient patient/Observation.rs").await);
    let (status, bundle) = fhir(
        &app,
        &narrow_token,
        "/Observation?_count=5&_include=Observation:patient&_revinclude=Provenance:target",
    )
    .await;
    assert_eq!(status, 200);
    assert!(bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["search"]["mode"] == "match" && e["resource"]["resourceType"] == "Observation"));
    // An include US Core does not list here is left out of the self link (and strict refuses).
    let (status, bundle) = fhir(&app, &token, "/Observation?_include=Observation:performer").await;
    assert_eq!(status, 200);
    assert!(!bundle["link"][0]["url"]
        .as_str()
        .unwrap()
        .contains("_include"));
    let (status, body) =
        fhir_strict(&app, &token, "/Observation?_include=Observation:performer").await;
    assert_eq!(status, 400);
    assert_outcome(&body, status, "strict include");
}

#[tokio::test]
async fn provenance_says_who_supplied_the_record_and_when() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Provenance App", false).await;
    let token = at(&connected(&app, &b, &client, ALL).await);
    let provenance = all_of(&app, &token, "Provenance").await;
    assert!(!provenance.is_empty());
    let mut targeted = Vec::new();
    for p in &provenance {
        assert_eq!(profile(p), format!("{US_CORE}us-core-provenance"));
        assert!(p["recorded"].is_string());
        let agents = p["agent"].as_array().unwrap();
        assert!(agents
            .iter()
            .any(|a| codes_of(&a["type"]) == ["transmitter"]));
        for t in p["target"].as_array().unwrap() {
            targeted.push(t["reference"].as_str().unwrap().to_string());
        }
        // Read by id, as any resource.
        let (status, one) = fhir(
            &app,
            &token,
            &format!("/Provenance/{}", p["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!((status, &one), (200, p));
    }
    // Every served resource has a Provenance, and a visit's resources name its clinic.
    for rtype in [
        "Patient",
        "Condition",
        "Observation",
        "Encounter",
        "Immunization",
    ] {
        for r in all_of(&app, &token, rtype).await {
            let me = format!("{rtype}/{}", r["id"].as_str().unwrap());
            assert!(targeted.contains(&me), "{me} has no Provenance");
        }
    }
    let encounter = &all_of(&app, &token, "Encounter").await[0];
    let clinic = encounter["serviceProvider"]["display"].as_str().unwrap();
    let me = format!("Encounter/{}", encounter["id"].as_str().unwrap());
    let by_clinic = provenance
        .iter()
        .find(|p| {
            p["target"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["reference"] == me.as_str())
        })
        .unwrap();
    assert_eq!(by_clinic["agent"][0]["who"]["display"], clinic);
    assert_eq!(codes_of(&by_clinic["agent"][0]["type"]), ["author"]);
    keep_for_validation(
        "us-core-provenance",
        &json!({
            "resourceType": "Bundle", "type": "collection",
            "entry": provenance.iter().map(|r| json!({"resource": r})).collect::<Vec<_>>(),
        }),
    );
}

#[tokio::test]
async fn a_provenance_names_only_what_the_token_may_read() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Narrow Provenance App", false).await;
    let token = at(&connected(
        &app,
        &b,
        &client,
        "launch/patient openid patient/Provenance.rs patient/Immunization.rs",
    )
    .await);
    let provenance = all_of(&app, &token, "Provenance").await;
    assert!(
        !provenance.is_empty(),
        "the immunizations have their Provenance"
    );
    for p in &provenance {
        for t in p["target"].as_array().unwrap() {
            let target = t["reference"].as_str().unwrap();
            assert!(
                target.starts_with("Immunization/"),
                "{target} is outside the token's scopes"
            );
        }
    }
}

#[tokio::test]
async fn patient_everything_is_paged_and_limited_to_the_tokens_own_patient_and_scopes() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Everything App", false).await;
    let tokens = connected(&app, &b, &client, ALL).await;
    let token = at(&tokens);
    let patient = tokens["patient"].as_str().unwrap().to_string();

    // Walk the pages by their next links.
    let (status, mut page) = fhir(
        &app,
        &token,
        &format!("/Patient/{patient}/$everything?_count=20"),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    keep_for_validation("us-core-everything", &page);
    let total = page["total"].as_u64().unwrap() as usize;
    let mut seen = resources_of(&page);
    assert_eq!(seen[0]["resourceType"], "Patient");
    while let Some(next) = link(&page, "next") {
        let path = next.strip_prefix(&base(&app)).unwrap().to_string();
        let (status, body) = fhir(&app, &token, &path).await;
        assert_eq!(status, 200);
        page = body;
        assert!(resources_of(&page).len() <= 20);
        seen.extend(resources_of(&page));
    }
    assert_eq!(seen.len(), total);
    let mut unique = ids(&seen);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), total, "no resource twice");
    // Everything is what the type searches give together.
    let mut by_search = 0;
    for t in [
        "Patient",
        "Condition",
        "Observation",
        "Encounter",
        "Immunization",
        "MedicationRequest",
        "CarePlan",
        "Provenance",
    ] {
        let n = all_of(&app, &token, t).await.len();
        assert_eq!(
            seen.iter().filter(|r| r["resourceType"] == t).count(),
            n,
            "{t}"
        );
        by_search += n;
    }
    assert!(by_search <= total);
    // The type-level form is the token's patient.
    let (status, same) = fhir(&app, &token, "/Patient/$everything?_count=0").await;
    assert_eq!((status, same["total"].as_u64()), (200, Some(total as u64)));

    // Another patient's id: not found, as an OperationOutcome, and audited as refused.
    let (status, body) = fhir(&app, &token, "/Patient/someone-else/$everything").await;
    assert_eq!(status, 404);
    assert_outcome(&body, status, "another patient");
    let rows = app.audit_rows().await;
    let mine: Vec<String> = rows
        .into_iter()
        .filter(|r| r.0 == "app_read" && r.1.as_deref() == Some(client.client_id.as_str()))
        .filter_map(|r| r.3)
        .collect();
    assert!(mine.contains(&"everything record".to_string()), "{mine:?}");
    assert_eq!(mine.last().map(String::as_str), Some("refused record"));

    // A token for lab results only: only those.
    let labs = register(&app, "Lab App", false).await;
    let lab_token = at(&connected(
        &app,
        &b,
        &labs,
        "launch/patient patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory",
    )
    .await);
    let (status, body) = fhir(
        &app,
        &lab_token,
        &format!("/Patient/{patient}/$everything?_count=100"),
    )
    .await;
    assert_eq!(status, 200);
    let got = resources_of(&body);
    assert!(!got.is_empty());
    for r in &got {
        assert_eq!(r["resourceType"], "Observation");
        assert!(category_codes(r).contains(&"laboratory".to_string()));
    }
    // Bad paging is a 400 OperationOutcome.
    let (status, body) = fhir(
        &app,
        &token,
        &format!("/Patient/{patient}/$everything?_count=many"),
    )
    .await;
    assert_eq!(status, 400);
    assert_outcome(&body, status, "bad _count");
}

#[tokio::test]
async fn the_capability_statement_lists_exactly_what_works() {
    // Every listed parameter of every type is tried: more requests than the default per-token
    // limit allows in a minute.
    let (app, b, _, _) = portal_with(Options {
        extra_args: vec!["--fhir-rate-limit=5000".into()],
        ..Default::default()
    })
    .await;
    let client = register(&app, "Capability App", false).await;
    let tokens = connected(&app, &b, &client, ALL).await;
    let token = at(&tokens);
    let patient = tokens["patient"].as_str().unwrap().to_string();
    let cap: Value = client
        .http
        .get(format!("{}/metadata", base(&app)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        cap["instantiates"][0],
        "http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server"
    );
    keep_for_validation(
        "us-core-capability",
        &json!({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": cap.clone()}]}),
    );
    let resources = cap["rest"][0]["resource"].as_array().unwrap();
    let listed = |t: &str| {
        resources
            .iter()
            .find(|r| r["type"] == t)
            .unwrap_or_else(|| panic!("{t} listed"))
    };
    let params = |t: &str| -> Vec<String> {
        listed(t)["searchParam"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    for (t, wanted) in [
        (
            "Condition",
            &[
                "clinical-status",
                "category",
                "code",
                "onset-date",
                "_lastUpdated",
            ][..],
        ),
        ("MedicationRequest", &["intent", "status", "authoredon"]),
        ("Encounter", &["class", "type", "status", "date"]),
        ("Observation", &["category", "code", "date", "status"]),
        ("Procedure", &["date", "code"]),
        ("Immunization", &["date"]),
        ("DiagnosticReport", &["category", "code", "date"]),
        ("AllergyIntolerance", &["clinical-status"]),
        ("CarePlan", &["category"]),
        ("Goal", &["lifecycle-status"]),
        (
            "Patient",
            &["_id", "identifier", "name", "birthdate", "gender"],
        ),
    ] {
        for p in wanted {
            assert!(params(t).contains(&p.to_string()), "{t} {p}");
        }
    }
    assert!(listed("Provenance")["supportedProfile"][0]
        .as_str()
        .unwrap()
        .ends_with("us-core-provenance"));
    assert_eq!(listed("Patient")["operation"][0]["name"], "everything");
    assert!(listed("MedicationRequest")["searchInclude"]
        .as_array()
        .unwrap()
        .contains(&json!("MedicationRequest:medication")));
    // What is listed works: every type is served with a US Core profile, and every listed
    // search parameter, `_include` and `_revinclude` is accepted under strict handling.
    for r in resources {
        let t = r["type"].as_str().unwrap();
        // US Core has no profile for claims and benefits (CARIN's are not claimed).
        if !matches!(t, "Claim" | "ExplanationOfBenefit") {
            assert!(
                r["supportedProfile"]
                    .as_array()
                    .is_some_and(|p| !p.is_empty()),
                "{t}"
            );
        }
        let mut queries: Vec<String> = r["searchParam"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let name = p["name"].as_str().unwrap();
                let value = match (p["type"].as_str().unwrap(), name) {
                    ("date", _) => "ge2000-01-01".to_string(),
                    ("reference", _) => format!("Patient/{patient}"),
                    (_, "_id") => patient.clone(),
                    ("string", _) => "a".to_string(),
                    _ => "x".to_string(),
                };
                format!("{name}={}", urlencode(&value))
            })
            .collect();
        for key in ["searchInclude", "searchRevInclude"] {
            for v in r[key].as_array().into_iter().flatten() {
                let name = if key == "searchInclude" {
                    "_include"
                } else {
                    "_revinclude"
                };
                queries.push(format!("{name}={}", urlencode(v.as_str().unwrap())));
            }
        }
        for q in queries {
            let (status, body) = fhir_strict(&app, &token, &format!("/{t}?{q}")).await;
            assert_eq!(status, 200, "{t}?{q}: {body}");
        }
    }
}
