//! SMART App Launch and FHIR search where the specifications say more than the basic launch:
//! authorization requests by POST, token introspection (RFC 7662), refreshes by public
//! clients and refused refreshes, granular `?category=` scopes, and FHIR search's handling of
//! parameters it does not support. The reqwest client stands in for the app (and, where a form
//! is posted from the app's page, for that page in a browser); it has no CORS or CSP of its
//! own, so this checks the server's answers, not a browser's behaviour.

use patient_portal::records::model::{ConditionCategory, ObservationCategory};

use super::*;

const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";

/// A FHIR search with a `Prefer` header: status and body.
async fn fhir_preferring(app: &TestApp, token: &str, path: &str, prefer: &str) -> (u16, Value) {
    let resp = app
        .browser()
        .client
        .get(format!("{}{path}", base(app)))
        .bearer_auth(token)
        .header("accept", "application/fhir+json")
        .header("prefer", prefer)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn link(bundle: &Value, relation: &str) -> Option<String> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == relation)
        .and_then(|l| l["url"].as_str().map(str::to_string))
}

fn entries(bundle: &Value) -> Vec<Value> {
    bundle["entry"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e["resource"].clone())
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

impl SmartApp {
    /// `POST /smart/introspect` with this client's credentials (Basic for a confidential
    /// client, a bare client_id for a public one).
    async fn introspect(&self, app: &TestApp, token: &str) -> (u16, Value) {
        let mut form = vec![("token", token)];
        let mut req = self.http.post(app.url("/smart/introspect"));
        match &self.secret {
            Some(secret) => req = req.basic_auth(&self.client_id, Some(secret)),
            None => form.push(("client_id", self.client_id.as_str())),
        }
        let resp = req.form(&form).send().await.unwrap();
        let status = resp.status().as_u16();
        assert_eq!(resp.headers()["cache-control"], "no-store");
        (status, resp.json().await.unwrap())
    }
}

/// SMART App Launch lets an app POST the authorization request as a form. The HTTP client
/// stands in for the app's page posting it from the app's own origin (a cross-site form post:
/// `Origin` and `Sec-Fetch-Site` say so, as a browser would); what follows is the normal
/// launch.
#[tokio::test]
async fn an_authorization_request_may_be_posted_as_a_form() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Form App", false).await;
    let launch = Launch::new();
    let url = authorize_url(&app, &client, &launch, ALL);
    let (_, form) = url.split_once('?').unwrap();
    let post = |body: String, content_type: &'static str| {
        b.client
            .post(app.url("/smart/authorize"))
            .header("content-type", content_type)
            .header("origin", "https://app.example")
            .header("sec-fetch-site", "cross-site")
            .body(body)
            .send()
    };

    let resp = post(form.to_string(), "application/x-www-form-urlencoded")
        .await
        .unwrap();
    assert_eq!(resp.status(), 302, "the POSTed request is parked");
    let to = location(&resp).to_string();
    assert!(to.starts_with("/smart/consent?request="), "{to}");
    let consent = consent_page(&app, &b, &to).await;
    let offered: Vec<&str> = consent.offered.iter().map(String::as_str).collect();
    let params = callback_params(
        &answer(&app, &b, &consent, &offered, "allow").await,
        &client,
    );
    assert_eq!(params["state"], launch.state);
    let (status, tokens) = client.exchange(&app, &params["code"], &launch).await;
    assert_eq!(status, 200, "{tokens}");

    // A bad POSTed request goes back to the app as the GET's does.
    let wrong_aud = form.replace(
        &urlencode(&base(&app)),
        &urlencode("https://evil.example/fhir"),
    );
    let resp = post(wrong_aud, "application/x-www-form-urlencoded")
        .await
        .unwrap();
    assert_eq!(callback_params(&resp, &client)["error"], "invalid_request");
    // Not a form: refused here, nothing parked.
    let resp = post(form.to_string(), "application/json").await.unwrap();
    assert_eq!(resp.status(), 400);
}

/// RFC 6749 §6: a public client has no credentials, so its refresh token is enough (the
/// Python and JS `fhirclient`s send no client_id). A confidential client's token is not.
#[tokio::test]
async fn a_public_client_may_refresh_without_naming_itself() {
    let (app, b, _, _) = portal_with_patients().await;
    let public = register(&app, "Public App", false).await;
    let tokens = connected(&app, &b, &public, ALL).await;
    let refresh_only = |token: String| {
        public
            .http
            .post(app.url("/smart/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", token.as_str()),
            ])
            .send()
    };

    let resp = refresh_only(tokens["refresh_token"].as_str().unwrap().into())
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let fresh: Value = resp.json().await.unwrap();
    assert_eq!(fhir(&app, &at(&fresh), "/Patient").await.0, 200);

    // A confidential client's refresh token without its secret: invalid_client, and the
    // token is still good for the client that holds the secret.
    let confidential = register(&app, "Confidential App", true).await;
    let theirs = connected(&app, &b, &confidential, ALL).await;
    let resp = refresh_only(theirs["refresh_token"].as_str().unwrap().into())
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    let (status, _) = confidential
        .refresh(&app, theirs["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(status, 200);

    // A token nobody issued names no client: invalid_grant.
    let resp = refresh_only("made-up".into()).await.unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

/// A refresh the server turns down (wider scopes) has not used the refresh token up: the
/// app's next normal refresh works and the connection stays. Reuse of a rotated token still
/// ends the connection.
#[tokio::test]
async fn a_refused_refresh_leaves_the_refresh_token_usable() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Narrow App", false).await;
    let tokens = connected(
        &app,
        &b,
        &client,
        "launch/patient patient/Observation.rs offline_access",
    )
    .await;
    let first = tokens["refresh_token"].as_str().unwrap();
    for wider in ["patient/*.rs", "patient/Observation.rs user/*.read"] {
        let (status, body) = client
            .token(
                &app,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", first),
                    ("scope", wider),
                ],
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_scope")),
            "{wider}"
        );
    }

    let (status, second) = client.refresh(&app, first).await;
    assert_eq!(
        status, 200,
        "the refused refresh did not use the token: {second}"
    );
    assert_eq!(fhir(&app, &at(&tokens), "/Observation").await.0, 200);
    // Narrowing is allowed.
    let (status, narrow) = client
        .token(
            &app,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", second["refresh_token"].as_str().unwrap()),
                ("scope", "patient/Observation.r"),
            ],
        )
        .await;
    assert_eq!(
        (status, narrow["scope"].as_str()),
        (200, Some("patient/Observation.r"))
    );

    // An expired refresh token is refused (and ends nothing).
    sqlx::query(
        "UPDATE smart_tokens SET expires_at = 0 WHERE kind = 'refresh' AND used_at IS NULL",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let (status, body) = client
        .refresh(&app, narrow["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(fhir(&app, &at(&second), "/Observation").await.0, 200);

    // Real reuse, even one asking for more: the first token again. Everything of the
    // connection ends.
    let (status, body) = client
        .token(
            &app,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", first),
                ("scope", "patient/*.rs"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(fhir(&app, &at(&second), "/Observation").await.0, 401);
}

/// RFC 7662 introspection, advertised in discovery: a confidential client learns about its
/// own tokens; anything else is `{"active": false}`; a public client cannot introspect.
#[tokio::test]
async fn introspection_tells_a_confidential_client_about_its_own_tokens() {
    let (app, b, _, _) = portal_with_patients().await;
    let endpoint = app.url("/smart/introspect");
    for path in [
        "/.well-known/smart-configuration",
        "/fhir/r4/.well-known/smart-configuration",
        "/fhir/r4/.well-known/openid-configuration",
    ] {
        let doc: Value = app
            .browser()
            .client
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(doc["introspection_endpoint"], endpoint, "{path}");
    }
    let (_, metadata) = {
        let resp = app
            .browser()
            .client
            .get(app.url("/fhir/r4/metadata"))
            .send()
            .await
            .unwrap();
        (resp.status(), resp.json::<Value>().await.unwrap())
    };
    let uris = &metadata["rest"][0]["security"]["extension"][0]["extension"];
    assert!(
        uris.as_array()
            .unwrap()
            .iter()
            .any(|u| u["url"] == "introspect" && u["valueUri"] == endpoint),
        "{uris}"
    );

    let client = register(&app, "Server App", true).await;
    let tokens = connected(&app, &b, &client, ALL).await;
    let access = at(&tokens);
    let (status, info) = client.introspect(&app, &access).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["active"], true);
    assert_eq!(info["scope"], tokens["scope"]);
    assert_eq!(info["client_id"], client.client_id);
    assert_eq!(info["patient"], tokens["patient"]);
    assert_eq!(info["token_type"], "Bearer");
    assert_eq!(
        info["exp"].as_i64().unwrap() - info["iat"].as_i64().unwrap(),
        3600
    );
    assert!(info["sub"].as_str().is_some_and(|s| s != PATIENT_A.subject));
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, info) = client.introspect(&app, refresh).await;
    assert_eq!((status, &info["active"]), (200, &json!(true)));
    // client_secret_post works as at the token endpoint.
    let resp = client
        .http
        .post(&endpoint)
        .form(&[
            ("token", access.as_str()),
            ("client_id", client.client_id.as_str()),
            ("client_secret", client.secret.as_deref().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.json::<Value>().await.unwrap()["active"], true);

    // Unknown, or another client's: inactive, and nothing more.
    let (status, info) = client.introspect(&app, "made-up").await;
    assert_eq!((status, info), (200, json!({ "active": false })));
    let other = register(&app, "Other Server App", true).await;
    let (status, info) = other.introspect(&app, &access).await;
    assert_eq!((status, info), (200, json!({ "active": false })));

    // A public client, or a wrong secret: invalid_client. No token: invalid_request.
    let public = register(&app, "Public App", false).await;
    let (status, body) = public.introspect(&app, &access).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let wrong = SmartApp {
        secret: Some("not-the-secret".into()),
        client_id: client.client_id.clone(),
        redirect_uri: client.redirect_uri.clone(),
        http: client.http.clone(),
    };
    let (status, body) = wrong.introspect(&app, &access).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = client.introspect(&app, "").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );

    // A rotated refresh token is inactive, its successor active.
    let (status, rotated) = client.refresh(&app, refresh).await;
    assert_eq!(status, 200);
    assert_eq!(
        client.introspect(&app, refresh).await.1,
        json!({ "active": false })
    );
    let next = rotated["refresh_token"].as_str().unwrap();
    assert_eq!(client.introspect(&app, next).await.1["active"], true);

    // Expired, then revoked: inactive.
    sqlx::query("UPDATE smart_tokens SET expires_at = 0 WHERE kind = 'access'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        client.introspect(&app, &access).await.1,
        json!({ "active": false })
    );
    let resp = client
        .http
        .post(app.url("/smart/revoke"))
        .basic_auth(&client.client_id, client.secret.as_ref())
        .form(&[("token", next)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        client.introspect(&app, next).await.1,
        json!({ "active": false })
    );
}

/// FHIR search: a parameter the server does not apply is not echoed in the `self` link (it
/// would claim a filter that was not applied), and `Prefer: handling=strict` refuses it with
/// an OperationOutcome. `_count=0` asks for the total only.
#[tokio::test]
async fn unsupported_search_parameters_are_left_out_or_refused_under_strict_handling() {
    let (app, b, record, _) = portal_with_patients().await;
    let client = register(&app, "Search App", false).await;
    let token = at(&connected(&app, &b, &client, ALL).await);
    let (_, labs) = fhir(&app, &token, "/Observation?category=laboratory").await;
    let lab_total = labs["total"].as_u64().unwrap();
    assert!(lab_total > 0);

    // Lenient (the default): the same search as without them, and a self link without them.
    let unsupported =
        "/Observation?category=laboratory&_summary=count&_sort=_lastUpdated&_include=Observation:performer&code:text=x";
    let (status, bundle) = fhir(&app, &token, unsupported).await;
    assert_eq!(status, 200);
    assert_eq!(bundle["total"].as_u64(), Some(lab_total));
    let own = link(&bundle, "self").unwrap();
    assert!(own.contains("category=laboratory"), "{own}");
    for gone in ["_summary", "_sort", "_include", "code%3Atext"] {
        assert!(!own.contains(gone), "{gone} in {own}");
    }
    let (status, _) = fhir_preferring(&app, &token, unsupported, "handling=lenient").await;
    assert_eq!(status, 200);
    // Status-like parameters are supported, so applied (and kept in the link).
    let active = record
        .conditions
        .iter()
        .filter(|c| c.clinical_status.is_some_and(|s| s.fhir_code() == "active"))
        .count();
    assert!(active > 0 && active < record.conditions.len());
    let (_, bundle) = fhir(&app, &token, "/Condition?clinical-status=active").await;
    assert_eq!(bundle["total"], json!(active));
    assert!(link(&bundle, "self")
        .unwrap()
        .contains("clinical-status=active"));

    // Strict: refused, naming them.
    let (status, outcome) = fhir_preferring(&app, &token, unsupported, "handling=strict").await;
    assert_eq!(status, 400);
    assert_outcome(&outcome, status, "strict");
    assert_eq!(outcome["issue"][0]["code"], "not-supported");
    let said = outcome["issue"][0]["diagnostics"].as_str().unwrap();
    assert!(
        said.contains("_summary") && said.contains("_sort"),
        "{said}"
    );
    let (status, _) = fhir_preferring(
        &app,
        &token,
        "/Observation?category=laboratory&_count=5",
        "return=representation, handling=strict",
    )
    .await;
    assert_eq!(
        status, 200,
        "supported parameters pass under strict handling"
    );
    // A parameter of another type is not one of this type's.
    let (status, _) = fhir_preferring(
        &app,
        &token,
        "/Patient?category=laboratory",
        "handling=strict",
    )
    .await;
    assert_eq!(status, 400);

    // _count=0: the total, no entries, nothing to page through.
    let (status, bundle) = fhir(&app, &token, "/Observation?_count=0").await;
    assert_eq!(status, 200);
    assert_eq!(bundle["total"], json!(record.counts().observations));
    assert!(bundle.get("entry").is_none(), "{bundle}");
    assert!(link(&bundle, "next").is_none());
}

/// Granular SMART v2 scopes (`patient/Observation.rs?category=laboratory`) are granted as asked
/// and enforced: the token reads only resources in that category, by search and by id, and a
/// refresh cannot widen it to the whole type.
#[tokio::test]
async fn a_category_scope_reads_only_that_category() {
    let (app, b, record, _) = portal_with_patients().await;
    // A second app with the whole record finds ids outside the category.
    let full = register(&app, "Full App", false).await;
    let full_token = at(&connected(&app, &b, &full, ALL).await);

    let client = register(&app, "Lab App", false).await;
    let scope = "launch/patient patient/Observation.rs?category=laboratory \
                 patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item offline_access";
    let launch = Launch::new();
    let consent = start(&app, &b, &client, &launch, scope).await;
    assert!(
        consent
            .offered
            .iter()
            .any(|o| o == "patient/Observation.rs?category=laboratory"),
        "{:?}",
        consent.offered
    );
    assert!(consent.html.contains("Read your lab results"));
    assert!(consent.html.contains("Read your problem list"));
    let offered: Vec<&str> = consent.offered.iter().map(String::as_str).collect();
    let params = callback_params(
        &answer(&app, &b, &consent, &offered, "allow").await,
        &client,
    );
    let (status, tokens) = client.exchange(&app, &params["code"], &launch).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(
        tokens["scope"].as_str().unwrap(),
        scope.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    let token = at(&tokens);

    let labs = record
        .observations
        .iter()
        .filter(|o| o.category == ObservationCategory::Laboratory)
        .count();
    assert!(labs > 0 && labs < record.observations.len());
    let (status, bundle) = fhir(&app, &token, "/Observation?_count=100").await;
    assert_eq!(status, 200);
    assert_eq!(bundle["total"], json!(labs));
    for o in entries(&bundle) {
        assert!(
            category_codes(&o).contains(&"laboratory".to_string()),
            "{o}"
        );
    }
    let (_, vitals) = fhir(&app, &token, "/Observation?category=vital-signs").await;
    assert_eq!(vitals["total"], 0);
    // By id: a lab result yes, a vital sign is not there for this token.
    let (_, lab) = fhir(
        &app,
        &full_token,
        "/Observation?category=laboratory&_count=1",
    )
    .await;
    let lab_id = entries(&lab)[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        fhir(&app, &token, &format!("/Observation/{lab_id}"))
            .await
            .0,
        200
    );
    let (_, vital) = fhir(
        &app,
        &full_token,
        "/Observation?category=vital-signs&_count=1",
    )
    .await;
    let vital_id = entries(&vital)[0]["id"].as_str().unwrap().to_string();
    let (status, body) = fhir(&app, &token, &format!("/Observation/{vital_id}")).await;
    assert_eq!(status, 404);
    assert_outcome(&body, status, "outside the category");

    let problems = record
        .conditions
        .iter()
        .filter(|c| c.category_or_inferred() == ConditionCategory::ProblemListItem)
        .count();
    assert!(problems > 0);
    let (_, conditions) = fhir(&app, &token, "/Condition?_count=100").await;
    assert_eq!(conditions["total"], json!(problems));
    for c in entries(&conditions) {
        assert_eq!(category_codes(&c), ["problem-list-item"], "{c}");
    }
    // Types the token has no scope for at all: 403.
    let (status, body) = fhir(&app, &token, "/Patient").await;
    assert_eq!(status, 403);
    assert_outcome(&body, status, "no scope");

    // A refresh cannot turn the category scope into the whole type.
    let (status, body) = client
        .token(
            &app,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
                ("scope", "patient/Observation.rs"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
}

/// Conditions carry US Core's category (condition-category), so `Condition?category=` means
/// what US Core says: the problem list, or the diagnoses made at visits.
#[tokio::test]
async fn conditions_carry_their_us_core_category() {
    let (app, b, record, _) = portal_with_patients().await;
    let client = register(&app, "Problem List App", false).await;
    let token = at(&connected(&app, &b, &client, ALL).await);
    let count = |category: ConditionCategory| {
        record
            .conditions
            .iter()
            .filter(|c| c.category_or_inferred() == category)
            .count()
    };
    let (_, all) = fhir(&app, &token, "/Condition?_count=100").await;
    assert_eq!(all["total"], json!(record.conditions.len()));
    for c in entries(&all) {
        let coding = &c["category"][0]["coding"][0];
        assert_eq!(coding["system"], CONDITION_CATEGORY, "{c}");
        assert!(
            ["problem-list-item", "encounter-diagnosis"]
                .contains(&coding["code"].as_str().unwrap()),
            "{c}"
        );
    }
    let (_, problems) = fhir(&app, &token, "/Condition?category=problem-list-item").await;
    assert_eq!(
        problems["total"],
        json!(count(ConditionCategory::ProblemListItem))
    );
    assert!(count(ConditionCategory::ProblemListItem) > 0);
    let (_, diagnoses) = fhir(
        &app,
        &token,
        &format!(
            "/Condition?category={}",
            urlencode(&format!("{CONDITION_CATEGORY}|encounter-diagnosis"))
        ),
    )
    .await;
    assert_eq!(
        diagnoses["total"],
        json!(count(ConditionCategory::EncounterDiagnosis))
    );
    assert_eq!(
        count(ConditionCategory::ProblemListItem) + count(ConditionCategory::EncounterDiagnosis),
        record.conditions.len()
    );
}

/// A resource server (an API that accepts this portal's tokens) introspects any token
/// presented to it; it is sent no codes and holds no tokens itself. The HTTP client stands in
/// for that server.
#[tokio::test]
async fn a_resource_server_introspects_any_token_and_gets_none_itself() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Reader App", false).await;
    let tokens = connected(&app, &b, &client, ALL).await;
    let (registered, secret) =
        patient_portal::smart::apps::add_resource_server(&app.pool, "Lab API")
            .await
            .unwrap();
    let server = SmartApp {
        client_id: registered.client_id.clone(),
        secret: Some(secret),
        redirect_uri: client.redirect_uri.clone(),
        http: client.http.clone(),
    };

    let (status, info) = server.introspect(&app, &at(&tokens)).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["active"], true);
    assert_eq!(info["client_id"], client.client_id);
    assert_eq!(info["patient"], tokens["patient"]);
    assert_eq!(info["scope"], tokens["scope"]);
    assert_eq!(
        server.introspect(&app, "made-up").await.1,
        json!({ "active": false })
    );
    // Without its secret it is no one.
    let wrong = SmartApp {
        secret: Some("not-the-secret".into()),
        client_id: server.client_id.clone(),
        redirect_uri: server.redirect_uri.clone(),
        http: server.http.clone(),
    };
    assert_eq!(wrong.introspect(&app, &at(&tokens)).await.0, 401);

    // It has no redirect URI, so an authorization request naming it goes nowhere.
    let resp = b
        .client
        .get(authorize_url(&app, &server, &Launch::new(), ALL))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[test]
fn operators_register_resource_servers_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = apps_cli(dir.path(), &["add-resource-server", "--name", "Lab API"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let field = |name: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .trim()
            .to_string()
    };
    let client_id = field("client_id:");
    let secret = field("client_secret:");
    assert!(secret.len() >= 40);
    assert!(out.contains("/smart/introspect"), "{out}");
    let (code, list, _) = apps_cli(dir.path(), &["list"]);
    assert_eq!(code, Some(0));
    let line = list.lines().find(|l| l.contains(&client_id)).unwrap();
    assert!(
        line.contains("Lab API") && line.contains("resource server"),
        "{line}"
    );
    assert!(!list.contains(&secret));
}

/// `_sort=-date` gives the results in the chart pages' order (newest first; results of the same
/// moment by id, so the first of a test is what the pages call its latest), `_sort=date` in the
/// reverse; the self link keeps the order asked for (#26).
#[tokio::test]
async fn search_results_sorted_by_date_follow_the_pages_rule_for_the_same_moment() {
    let (app, b, _, _) = portal_with_patients().await;
    let client = register(&app, "Trend App", false).await;
    let token = at(&connected(&app, &b, &client, ALL).await);
    let key = |r: &Value| {
        (
            r["effectiveDateTime"].as_str().unwrap_or("").to_string(),
            r["id"].as_str().unwrap_or("").to_string(),
        )
    };

    let (status, newest) = fhir(
        &app,
        &token,
        "/Observation?category=laboratory&_sort=-date&_count=100",
    )
    .await;
    assert_eq!(status, 200);
    let newest: Vec<(String, String)> = entries(&newest).iter().map(key).collect();
    assert!(newest.len() > 1);
    let mut ties = 0;
    for pair in newest.windows(2) {
        let ((d1, id1), (d2, id2)) = (&pair[0], &pair[1]);
        assert!(d1 > d2 || (d1 == d2 && id1 < id2), "{pair:?}");
        ties += usize::from(d1 == d2);
    }
    assert!(
        ties > 0,
        "the demo's lab panels have results of the same moment"
    );

    let (_, oldest) = fhir(
        &app,
        &token,
        "/Observation?category=laboratory&_sort=date&_count=100",
    )
    .await;
    assert!(link(&oldest, "self").unwrap().contains("_sort=date"));
    let oldest: Vec<(String, String)> = entries(&oldest).iter().map(key).collect();
    for pair in oldest.windows(2) {
        let ((d1, id1), (d2, id2)) = (&pair[0], &pair[1]);
        assert!(d1 < d2 || (d1 == d2 && id1 > id2), "{pair:?}");
    }
}
