//! Sharing (#30), from outside: the tests play an independent SMART Health Links client
//! written from the IG (decode the `shlink:/`, POST the manifest, decrypt the JWE with
//! `aes-gcm` and only the key from the link) and an independent SMART Health Card verifier
//! (`jsonwebtoken`'s ES256 against the published JWKS), and attack the passcode, expiry,
//! revocation and rate rules.

use std::io::Read;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use scraper::{Html, Selector};
use serde_json::{json, Value};

use crate::support::{
    csrf_in, location, records, sign, signed_in_patient, spawn_app, within_one_rate_window,
    Browser, TestApp, PATIENT_A, PATIENT_B,
};

/// A client with no cookies, as a recipient's app is.
fn outsider(app: &TestApp) -> reqwest::Client {
    app.browser().client
}

/// Makes a link on `/share` and returns the `shlink:/` the page shows.
async fn make_link(app: &TestApp, b: &Browser, fields: &[(&str, &str)]) -> String {
    let page = app.get(b, "/share/new").await;
    assert_eq!(page.status(), 200, "the form (a fresh sign-in)");
    let token = csrf_in(&page.text().await.unwrap());
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token), ("expires", "7")];
    form.extend_from_slice(fields);
    let resp = b
        .client
        .post(app.url("/share"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let html = resp.text().await.unwrap();
    assert!(html.contains("<svg role=\"img\""), "a QR code in the page");
    let doc = Html::parse_document(&html);
    let sel = Selector::parse("textarea#shlink").unwrap();
    doc.select(&sel)
        .next()
        .expect("the shlink in the page")
        .text()
        .collect::<String>()
        .trim()
        .to_string()
}

/// The IG's payload: `shlink:/` and base64url JSON.
fn decode(shlink: &str) -> Value {
    let body = shlink.strip_prefix("shlink:/").expect("a shlink:/ URI");
    serde_json::from_slice(&B64.decode(body).unwrap()).unwrap()
}

async fn post_manifest(client: &reqwest::Client, url: &str, body: Value) -> reqwest::Response {
    client.post(url).json(&body).send().await.unwrap()
}

/// JWE compact, `dir` + `A256GCM`, with the header as AAD; inflated when `zip` is `DEF`.
fn decrypt(key_b64: &str, jwe: &str) -> Result<(Value, Vec<u8>), String> {
    let key = B64.decode(key_b64).map_err(|e| e.to_string())?;
    let parts: Vec<&str> = jwe.split('.').collect();
    assert_eq!(parts.len(), 5, "JWE compact has five parts");
    let header: Value = serde_json::from_slice(&B64.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "dir");
    assert_eq!(header["enc"], "A256GCM");
    assert_eq!(parts[1], "", "dir: no encrypted key");
    let iv: [u8; 12] = B64
        .decode(parts[2])
        .unwrap()
        .try_into()
        .expect("a 96-bit IV");
    let mut sealed = B64.decode(parts[3]).unwrap();
    sealed.extend(B64.decode(parts[4]).unwrap());
    let cipher = Aes256Gcm::new_from_slice(&key).map_err(|e| e.to_string())?;
    let opened = cipher
        .decrypt(
            &Nonce::from(iv),
            Payload {
                msg: &sealed,
                aad: parts[0].as_bytes(),
            },
        )
        .map_err(|_| "does not decrypt".to_string())?;
    let plain = if header["zip"] == "DEF" {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(&opened[..])
            .read_to_end(&mut out)
            .map_err(|e| e.to_string())?;
        out
    } else {
        opened
    };
    Ok((header, plain))
}

#[tokio::test]
async fn an_outside_client_decrypts_the_patient_summary_with_only_the_key_from_the_link() {
    let app = spawn_app().await;
    let record = records(1).remove(0);
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;

    let shlink = make_link(
        &app,
        &b,
        &[
            ("content", "summary"),
            ("label", "For Dr Ortega"),
            ("passcode", ""),
        ],
    )
    .await;
    // The list of links names what each shares in the page's language (#31).
    for (lang, words) in [
        ("es", "Resumen del paciente (IPS)"),
        ("en", "Patient summary (IPS)"),
    ] {
        let list = crate::languages::get_in(&app, &b, "/share", lang).await;
        let list = list.text().await.unwrap();
        assert!(list.contains(words), "{lang}: {list}");
    }
    let payload = decode(&shlink);
    let key = payload["key"].as_str().unwrap();
    assert_eq!(key.len(), 43, "32 random bytes in base64url");
    assert_eq!(payload["label"], "For Dr Ortega");
    assert_eq!(payload["v"], 1);
    assert!(payload.get("flag").is_none(), "no passcode, no P");
    assert!(payload["exp"].as_i64().unwrap() > chrono::Utc::now().timestamp());
    let url = payload["url"].as_str().unwrap();
    assert!(
        url.starts_with(&app.url("/shl/")) && url.len() <= 128,
        "{url}"
    );
    // The key is nowhere on the server.
    let stored: Vec<String> = sqlx::query_scalar("SELECT jwe FROM share_link_files")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(!stored.is_empty() && stored.iter().all(|j| !j.contains(key)));
    assert_eq!(
        crate::support::count(
            &app,
            &format!("SELECT COUNT(*) FROM portal_secrets WHERE value LIKE '%{key}%'")
        )
        .await,
        0
    );

    // A viewer in a browser on another site first asks (preflight) to POST JSON.
    let preflight = outsider(&app)
        .request(reqwest::Method::OPTIONS, url)
        .header("Origin", "https://viewer.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("content-type"));
    // From another site, without cookies: CORS like the FHIR API.
    let resp = outsider(&app)
        .post(url)
        .header("Origin", "https://viewer.example")
        .json(&json!({ "recipient": "Dr Ortega" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    assert!(resp
        .headers()
        .get("access-control-allow-credentials")
        .is_none());
    let manifest: Value = resp.json().await.unwrap();
    assert_eq!(manifest["status"], "finalized");
    let file = &manifest["files"][0];
    assert_eq!(file["contentType"], "application/fhir+json");
    assert!(file["lastUpdated"].as_str().unwrap().ends_with('Z'));
    let (header, plain) = decrypt(key, file["embedded"].as_str().unwrap()).unwrap();
    assert_eq!(header["cty"], "application/fhir+json");
    if let Some(dir) = std::env::var_os("FHIR_EXPORT_DIR") {
        std::fs::write(std::path::Path::new(&dir).join("share-ips.json"), &plain).unwrap();
    }
    let ips: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(ips["resourceType"], "Bundle");
    assert_eq!(ips["type"], "document");
    let composition = &ips["entry"][0]["resource"];
    assert_eq!(composition["resourceType"], "Composition");
    assert_eq!(composition["type"]["coding"][0]["code"], "60591-5");
    let sections: Vec<&str> = composition["section"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"]["coding"][0]["code"].as_str().unwrap())
        .collect();
    for required in ["11450-4", "10160-0", "48765-2"] {
        assert!(sections.contains(&required), "{required} in {sections:?}");
    }
    if !record.immunizations.is_empty() {
        assert!(sections.contains(&"11369-6"));
    }
    let patient = ips["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["resourceType"] == "Patient")
        .unwrap();
    assert_eq!(
        patient["resource"]["name"][0]["family"],
        record.patient.family
    );

    // Neither the link's id nor its key is in the log: the request line keeps the route only.
    let logs = crate::support::logs();
    let id = url.rsplit('/').next().unwrap();
    assert!(!logs.contains(id) && !logs.contains(key));
    assert!(logs.contains("/shl/[redacted]"));
    // The opening is in the patient's access log and on their list of links.
    let log = app
        .get(&b, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        log.contains("A link you shared was opened by &#x27;Dr Ortega&#x27;")
            || log.contains("A link you shared was opened by 'Dr Ortega'"),
        "access log"
    );
    assert!(log.contains("Recipient of a shared link") && log.contains("Link recipient"));
    assert!(log.contains("Made a link to share your record"));
    assert!(app
        .audit_rows()
        .await
        .iter()
        .any(|r| r.0 == "share_link_created"));
    let list = app.get(&b, "/share").await.text().await.unwrap();
    assert!(list.contains("For Dr Ortega") && list.contains("Dr Ortega"));
    assert!(list.contains("1 time"), "the count of openings");
}

#[tokio::test]
async fn a_small_embedded_length_gives_a_single_use_short_lived_location() {
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &records(1).remove(0), &PATIENT_A).await;
    let shlink = make_link(&app, &b, &[("content", "record"), ("label", "")]).await;
    let payload = decode(&shlink);
    let client = outsider(&app);
    let manifest: Value = post_manifest(
        &client,
        payload["url"].as_str().unwrap(),
        json!({ "recipient": "Clinic", "embeddedLengthMax": 10 }),
    )
    .await
    .json()
    .await
    .unwrap();
    let file = &manifest["files"][0];
    assert!(file.get("embedded").is_none());
    let at = file["location"].as_str().unwrap();
    let resp = client.get(at).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/jose");
    let jwe = resp.text().await.unwrap();
    let (_, plain) = decrypt(payload["key"].as_str().unwrap(), &jwe).unwrap();
    let bundle: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(
        client.get(at).send().await.unwrap().status(),
        404,
        "used once"
    );
    let log = app
        .get(&b, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    assert!(log.contains("A file of a link you shared was downloaded"));
}

#[tokio::test]
async fn wrong_passcodes_count_down_and_then_the_link_is_disabled() {
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &records(1).remove(0), &PATIENT_A).await;
    let shlink = make_link(
        &app,
        &b,
        &[("content", "immunizations"), ("passcode", "tulip-42")],
    )
    .await;
    let payload = decode(&shlink);
    assert_eq!(payload["flag"], "P");
    let url = payload["url"].as_str().unwrap();
    let client = outsider(&app);
    // No passcode at all counts as a wrong one.
    let resp = post_manifest(&client, url, json!({ "recipient": "Guess" })).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.json::<Value>().await.unwrap()["remainingAttempts"], 4);
    for left in [3, 2, 1, 0] {
        let resp = post_manifest(
            &client,
            url,
            json!({ "recipient": "Guess", "passcode": "tulip-41" }),
        )
        .await;
        assert_eq!(resp.status(), 401);
        assert_eq!(
            resp.json::<Value>().await.unwrap()["remainingAttempts"],
            left
        );
    }
    // Disabled: the right passcode no longer opens it, and nothing says why.
    let resp = post_manifest(
        &client,
        url,
        json!({ "recipient": "Dr Ortega", "passcode": "tulip-42" }),
    )
    .await;
    assert_eq!(resp.status(), 404);
    let list = app.get(&b, "/share").await.text().await.unwrap();
    assert!(list.contains("Disabled after wrong passcodes"));
    let log = app
        .get(&b, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    assert!(log.contains("A wrong passcode was given for a link you shared"));
    assert!(log.contains("A link you shared that no longer works was tried"));
    // No passcode in the database, only its argon2 hash.
    let hash: String = sqlx::query_scalar("SELECT passcode_hash FROM share_links")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2") && !hash.contains("tulip-42"));
}

#[tokio::test]
async fn the_right_passcode_opens_the_immunizations_and_their_card() {
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &records(1).remove(0), &PATIENT_A).await;
    let shlink = make_link(
        &app,
        &b,
        &[("content", "immunizations"), ("passcode", "tulip-42")],
    )
    .await;
    let payload = decode(&shlink);
    let resp = post_manifest(
        &outsider(&app),
        payload["url"].as_str().unwrap(),
        json!({ "recipient": "School nurse", "passcode": "tulip-42" }),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let manifest: Value = resp.json().await.unwrap();
    let types: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["contentType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["application/fhir+json", "application/smart-health-card"]
    );
    let key = payload["key"].as_str().unwrap();
    let (_, bundle) = decrypt(key, manifest["files"][0]["embedded"].as_str().unwrap()).unwrap();
    if let Some(dir) = std::env::var_os("FHIR_EXPORT_DIR") {
        std::fs::write(
            std::path::Path::new(&dir).join("share-immunizations.json"),
            &bundle,
        )
        .unwrap();
    }
    let (_, card) = decrypt(key, manifest["files"][1]["embedded"].as_str().unwrap()).unwrap();
    let card: Value = serde_json::from_slice(&card).unwrap();
    assert_eq!(card["verifiableCredential"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn expired_and_revoked_links_answer_404_and_a_tampered_file_does_not_decrypt() {
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &records(1).remove(0), &PATIENT_A).await;
    let client = outsider(&app);

    // Tampered: the first character of the ciphertext (the last may not change any byte).
    let first = decode(&make_link(&app, &b, &[("content", "summary")]).await);
    let manifest: Value = post_manifest(
        &client,
        first["url"].as_str().unwrap(),
        json!({ "recipient": "Dr Ortega" }),
    )
    .await
    .json()
    .await
    .unwrap();
    let jwe = manifest["files"][0]["embedded"].as_str().unwrap();
    let mut parts: Vec<String> = jwe.split('.').map(str::to_string).collect();
    let c = parts[3].remove(0);
    parts[3].insert(0, if c == 'A' { 'B' } else { 'A' });
    assert!(decrypt(first["key"].as_str().unwrap(), &parts.join(".")).is_err());
    // Another key does not open it either.
    let other_key = B64.encode([7u8; 32]);
    assert!(decrypt(&other_key, jwe).is_err());

    // Revoked by the patient: 404 at once.
    let token = csrf_in(&app.get(&b, "/share").await.text().await.unwrap());
    let id = first["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let resp = b
        .client
        .post(app.url("/share/revoke"))
        .form(&[("csrf_token", token.as_str()), ("link", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let resp = post_manifest(
        &client,
        first["url"].as_str().unwrap(),
        json!({ "recipient": "Dr Ortega" }),
    )
    .await;
    assert_eq!(resp.status(), 404);

    // Expired: 404.
    let second = decode(&make_link(&app, &b, &[("content", "summary")]).await);
    let id = second["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    sqlx::query("UPDATE share_links SET expires_at = $1 WHERE id = $2")
        .bind(chrono::Utc::now().timestamp() - 1)
        .bind(&id)
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = post_manifest(
        &client,
        second["url"].as_str().unwrap(),
        json!({ "recipient": "Dr Ortega" }),
    )
    .await;
    assert_eq!(resp.status(), 404);
    // A request without a recipient: refused, and audited too.
    let third = decode(&make_link(&app, &b, &[("content", "summary")]).await);
    let resp = client
        .post(third["url"].as_str().unwrap())
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let log = app
        .get(&b, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    assert!(log.contains("A request for a link you shared could not be read"));
    // An address that was never a link: the same 404.
    let resp = post_manifest(
        &client,
        &app.url("/shl/nothing-here"),
        json!({ "recipient": "x" }),
    )
    .await;
    assert_eq!(resp.status(), 404);
    // All of them audited: the opening, the revocation, the refused requests.
    let rows = app.audit_rows().await;
    let opened = rows.iter().filter(|r| r.0 == "share_link_opened").count();
    assert_eq!(opened, 4, "one success, three refusals");
    assert!(rows.iter().any(|r| r.0 == "share_link_revoked"));
    // The audit log never holds a link's id (half of its secret address).
    assert!(rows
        .iter()
        .all(|r| !r.3.as_deref().unwrap_or("").contains(&id)));
}

#[tokio::test]
async fn another_patient_can_neither_see_nor_revoke_the_links() {
    let app = spawn_app().await;
    let mut recs = records(2);
    let (alex, _) = signed_in_patient(&app, &recs.remove(0), &PATIENT_A).await;
    let (blair, _) = signed_in_patient(&app, &recs.remove(0), &PATIENT_B).await;
    let link = decode(
        &make_link(
            &app,
            &alex,
            &[("content", "summary"), ("label", "Alex's link")],
        )
        .await,
    );
    let id = link["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();

    let theirs = app.get(&blair, "/share").await.text().await.unwrap();
    assert!(!theirs.contains("Alex"), "Blair sees none of Alex's links");
    let token = csrf_in(&theirs);
    let resp = blair
        .client
        .post(app.url("/share/revoke"))
        .form(&[("csrf_token", token.as_str()), ("link", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = post_manifest(
        &outsider(&app),
        link["url"].as_str().unwrap(),
        json!({ "recipient": "Dr Ortega" }),
    )
    .await;
    assert_eq!(resp.status(), 200, "still live");
    // Without a session: the sign-in, not the pages.
    let anonymous = app.browser();
    let resp = app.get(&anonymous, "/share").await;
    assert_eq!(resp.status(), 302);
    assert!(location(&resp).starts_with("/signin"));
}

#[tokio::test]
async fn floods_of_manifest_requests_get_429_with_retry_after() {
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &records(1).remove(0), &PATIENT_A).await;
    let link = decode(
        &make_link(
            &app,
            &b,
            &[("content", "summary"), ("passcode", "tulip-42")],
        )
        .await,
    );
    let url = link["url"].as_str().unwrap();
    let client = outsider(&app);
    within_one_rate_window(20).await;
    // Per link: ten a minute, whatever they say (right passcodes, so none is disabled).
    for _ in 0..10 {
        let resp = post_manifest(
            &client,
            url,
            json!({ "recipient": "R", "passcode": "tulip-42" }),
        )
        .await;
        assert_eq!(resp.status(), 200);
    }
    let resp = post_manifest(
        &client,
        url,
        json!({ "recipient": "R", "passcode": "tulip-42" }),
    )
    .await;
    assert_eq!(resp.status(), 429);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
}

#[tokio::test]
async fn a_link_needs_a_recent_sign_in() {
    let app = spawn_app().await;
    let record = records(1).remove(0);
    let id = app.seed(&record).await;
    app.link(&id, &PATIENT_A).await;
    // Signed in an hour ago (the session is still live: it was refreshed since).
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let mut claims = app.idp.claims(&started.nonce);
    claims["sub"] = json!(PATIENT_A.subject);
    claims["oid"] = json!(PATIENT_A.subject);
    claims["auth_time"] = json!(chrono::Utc::now().timestamp() - 3600);
    let resp = app.reply(&b, &started, sign(&claims, 0)).await;
    assert_eq!(resp.status(), 302);

    let resp = app.get(&b, "/share/new").await;
    assert_eq!(resp.status(), 302);
    assert_eq!(location(&resp), "/step-up?returnUrl=%2Fshare%2Fnew");
    // The POST too, even with a valid form.
    let token = csrf_in(&app.get(&b, "/account").await.text().await.unwrap());
    let resp = b
        .client
        .post(app.url("/share"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("content", "summary"),
            ("expires", "7"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(location(&resp), "/step-up?returnUrl=%2Fshare%2Fnew");
    assert_eq!(
        crate::support::count(&app, "SELECT COUNT(*) FROM share_links").await,
        0
    );
}

#[tokio::test]
async fn the_immunization_card_verifies_against_the_published_jwks() {
    let app = spawn_app().await;
    let record = records(1).remove(0);
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;

    let page = app.get(&b, "/share/health-card").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<svg role=\"img\""));
    let resp = app.get(&b, "/share/health-card/download").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "application/smart-health-card"
    );
    let file: Value = resp.json().await.unwrap();
    let jws = file["verifiableCredential"][0]
        .as_str()
        .unwrap()
        .to_string();

    // The verifier's side: the issuer's keys, fetched without a session.
    let jwks: Value = outsider(&app)
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = &jwks["keys"][0];
    assert_eq!(jwk["kty"], "EC");
    assert_eq!(jwk["crv"], "P-256");
    assert_eq!(jwk["use"], "sig");
    assert_eq!(jwk["alg"], "ES256");
    assert!(jwk.get("d").is_none(), "no private part");
    let (x, y) = (jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap());
    // kid is the RFC 7638 thumbprint.
    use sha2::Digest;
    let thumb = B64.encode(sha2::Sha256::digest(
        format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#).as_bytes(),
    ));
    assert_eq!(jwk["kid"], thumb);

    let parts: Vec<&str> = jws.split('.').collect();
    let header: Value = serde_json::from_slice(&B64.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["zip"], "DEF");
    assert_eq!(header["kid"], thumb);
    let key = jsonwebtoken::DecodingKey::from_ec_components(x, y).unwrap();
    let input = format!("{}.{}", parts[0], parts[1]);
    assert!(jsonwebtoken::crypto::verify(
        parts[2],
        input.as_bytes(),
        &key,
        jsonwebtoken::Algorithm::ES256
    )
    .unwrap());
    // A changed payload does not verify.
    let forged = format!("{}.{}", parts[0], &parts[1][1..]);
    assert!(!jsonwebtoken::crypto::verify(
        parts[2],
        forged.as_bytes(),
        &key,
        jsonwebtoken::Algorithm::ES256
    )
    .unwrap_or(false));

    let mut inflated = Vec::new();
    flate2::read::DeflateDecoder::new(&B64.decode(parts[1]).unwrap()[..])
        .read_to_end(&mut inflated)
        .unwrap();
    let payload: Value = serde_json::from_slice(&inflated).unwrap();
    assert_eq!(payload["iss"], app.url(""));
    assert_eq!(
        payload["vc"]["type"],
        json!([
            "https://smarthealth.cards#health-card",
            "https://smarthealth.cards#immunization"
        ])
    );
    let bundle = &payload["vc"]["credentialSubject"]["fhirBundle"];
    assert_eq!(bundle["entry"][0]["fullUrl"], "resource:0");
    let shots = bundle["entry"].as_array().unwrap().len() - 1;
    let completed = record
        .immunizations
        .iter()
        .filter(|i| i.status == "completed")
        .count();
    assert_eq!(shots, completed);
    // Making the card read the record: audited.
    assert!(app
        .audit_rows()
        .await
        .iter()
        .any(|r| r.0 == "health_card_issued"));
}

/// The same rules on PostgreSQL (the production database): the countdown, the opening, the
/// revocation, and the shared rate-limit table.
#[tokio::test]
async fn links_work_on_postgres() {
    let Some(pg) = crate::support::Postgres::connect("PostgreSQL share test").await else {
        return;
    };
    let (name, url) = pg.create_database("portal_sharetest").await;
    let app = crate::support::spawn_app_with(crate::support::Options {
        database_url: Some(url),
        ..Default::default()
    })
    .await;
    let (b, _) = signed_in_patient(&app, &records(1).remove(0), &PATIENT_A).await;
    let link = decode(
        &make_link(
            &app,
            &b,
            &[("content", "summary"), ("passcode", "tulip-42")],
        )
        .await,
    );
    let at = link["url"].as_str().unwrap();
    let client = outsider(&app);
    let resp = post_manifest(
        &client,
        at,
        json!({ "recipient": "R", "passcode": "nope-nope" }),
    )
    .await;
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.json::<Value>().await.unwrap()["remainingAttempts"], 4);
    let resp = post_manifest(
        &client,
        at,
        json!({ "recipient": "R", "passcode": "tulip-42" }),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let manifest: Value = resp.json().await.unwrap();
    let (_, plain) = decrypt(
        link["key"].as_str().unwrap(),
        manifest["files"][0]["embedded"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&plain).unwrap()["type"],
        "document"
    );
    // The access log joins the recipient's name from the access row (SUBSTR/LENGTH here too).
    let log = app
        .get(&b, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        log.contains("opened by &#x27;R&#x27;") || log.contains("opened by 'R'"),
        "the name joined on PostgreSQL"
    );
    let list = app.get(&b, "/share").await.text().await.unwrap();
    let token = csrf_in(&list);
    let id = at.rsplit('/').next().unwrap();
    let resp = b
        .client
        .post(app.url("/share/revoke"))
        .form(&[("csrf_token", token.as_str()), ("link", id)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let resp = post_manifest(
        &client,
        at,
        json!({ "recipient": "R", "passcode": "tulip-42" }),
    )
    .await;
    assert_eq!(resp.status(), 404);
    // The dead link's requests counted in one row (the upsert), and the list (window
    // function, counts) reads on PostgreSQL too.
    let resp = post_manifest(&client, at, json!({ "recipient": "R2" })).await;
    assert_eq!(resp.status(), 404);
    let tries: i64 = sqlx::query_scalar(
        "SELECT tries FROM share_link_accesses WHERE link_id = $1 AND outcome = 'gone'",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(tries, 2);
    let list = app.get(&b, "/share").await;
    assert_eq!(list.status(), 200);
    assert!(list.text().await.unwrap().contains("R2"));
    app.pool.close().await;
    pg.drop_database(&name).await;
}

/// With Entra External ID the recent sign-in is proven the same way (MFA by `acrs`).
#[tokio::test]
async fn a_link_is_made_after_an_external_id_sign_in_too() {
    let app = crate::support::spawn_app_with(crate::support::Options {
        profile: crate::support::Profile::ExternalId,
        ..Default::default()
    })
    .await;
    let (b, _) = signed_in_patient(&app, &records(1).remove(0), &PATIENT_A).await;
    let link = decode(&make_link(&app, &b, &[("content", "summary")]).await);
    let resp = post_manifest(
        &outsider(&app),
        link["url"].as_str().unwrap(),
        json!({ "recipient": "Dr Ortega" }),
    )
    .await;
    assert_eq!(resp.status(), 200);
}

/// Lab results of a period: only laboratory Observations of those days, with the patient; a
/// period left out is a clear 400 in the form, and nothing is made.
#[tokio::test]
async fn a_labs_link_carries_the_results_of_the_period() {
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &records(1).remove(0), &PATIENT_A).await;
    let token = csrf_in(&app.get(&b, "/share/new").await.text().await.unwrap());
    let resp = b
        .client
        .post(app.url("/share"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("content", "labs"),
            ("expires", "7"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("first and last day"));
    assert_eq!(
        crate::support::count(&app, "SELECT COUNT(*) FROM share_links").await,
        0
    );

    let today = chrono::Utc::now().date_naive().to_string();
    let link = decode(
        &make_link(
            &app,
            &b,
            &[("content", "labs"), ("from", "1900-01-01"), ("to", &today)],
        )
        .await,
    );
    let manifest: Value = post_manifest(
        &outsider(&app),
        link["url"].as_str().unwrap(),
        json!({ "recipient": "Lab" }),
    )
    .await
    .json()
    .await
    .unwrap();
    let (_, plain) = decrypt(
        link["key"].as_str().unwrap(),
        manifest["files"][0]["embedded"].as_str().unwrap(),
    )
    .unwrap();
    if let Some(dir) = std::env::var_os("FHIR_EXPORT_DIR") {
        std::fs::write(std::path::Path::new(&dir).join("share-labs.json"), &plain).unwrap();
    }
    let bundle: Value = serde_json::from_slice(&plain).unwrap();
    let resources: Vec<&Value> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .collect();
    let observations: Vec<&&Value> = resources
        .iter()
        .filter(|r| r["resourceType"] == "Observation")
        .collect();
    assert!(!observations.is_empty());
    for o in observations {
        assert_eq!(o["category"][0]["coding"][0]["code"], "laboratory");
    }
    assert_eq!(
        resources
            .iter()
            .filter(|r| r["resourceType"] != "Observation")
            .count(),
        1,
        "the patient and nothing else"
    );
}

/// Every text the sharing tables and the secrets hold, for looking for a key in clear.
async fn stored_share_text(app: &TestApp) -> String {
    let mut text = String::new();
    for sql in [
        "SELECT id || '|' || label || '|' || COALESCE(passcode_hash, '') || '|' || COALESCE(wrapped_key, '') FROM share_links",
        "SELECT jwe FROM share_link_files",
        "SELECT recipient FROM share_link_accesses",
        "SELECT value FROM portal_secrets",
        "SELECT COALESCE(detail, '') FROM audit_log",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(&app.pool).await.unwrap();
        text.push_str(&rows.join("\n"));
        text.push('\n');
    }
    text
}

/// The IPS Patient's family name in a manifest answer's first file.
async fn family_name_in(resp: reqwest::Response, key: &str) -> (String, String) {
    assert_eq!(resp.status(), 200);
    let manifest: Value = resp.json().await.unwrap();
    let jwe = manifest["files"][0]["embedded"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, plain) = decrypt(key, &jwe).unwrap();
    let ips: Value = serde_json::from_slice(&plain).unwrap();
    let patient = ips["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["resourceType"] == "Patient")
        .unwrap();
    (
        patient["resource"]["name"][0]["family"]
            .as_str()
            .unwrap()
            .to_string(),
        jwe,
    )
}

/// An `L` link (its content follows the record): the database keeps its key only wrapped
/// under the server's key (a 0600 file in the data directory), each manifest answer is a new
/// JWE of the record as it is now, and a snapshot link made at the same time keeps its content.
#[tokio::test]
async fn a_long_term_link_follows_the_record_and_the_database_holds_no_clear_key() {
    let app = spawn_app().await;
    let mut record = records(1).remove(0);
    let (b, _) = signed_in_patient(&app, &record, &PATIENT_A).await;
    let long = decode(
        &make_link(
            &app,
            &b,
            &[
                ("content", "summary"),
                ("follows", "yes"),
                ("passcode", "tulip-42"),
            ],
        )
        .await,
    );
    let snapshot = decode(&make_link(&app, &b, &[("content", "summary")]).await);
    assert_eq!(long["flag"], "LP", "long-term, with a passcode");
    assert!(snapshot.get("flag").is_none());
    let key = long["key"].as_str().unwrap();

    // Nothing stored holds the key in clear: not as the link carries it, nor in hex.
    let stored = stored_share_text(&app).await;
    let hex_key: String = B64
        .decode(key)
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(!stored.contains(key) && !stored.contains(&hex_key));
    let wrapped: Vec<Option<String>> =
        sqlx::query_scalar("SELECT wrapped_key FROM share_links ORDER BY created_at, label")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        wrapped.iter().filter(|w| w.is_some()).count(),
        1,
        "only the L link keeps a (wrapped) key"
    );
    let key_file = app.data_dir.join("shl-wrap.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the wrapping key is the portal's alone"
        );
    }

    let client = outsider(&app);
    let ask = |url: String| {
        let client = client.clone();
        async move {
            post_manifest(
                &client,
                &url,
                json!({ "recipient": "Dr Ortega", "passcode": "tulip-42" }),
            )
            .await
        }
    };
    let long_url = long["url"].as_str().unwrap().to_string();
    let snapshot_url = snapshot["url"].as_str().unwrap().to_string();
    let resp = ask(long_url.clone()).await;
    let (before, first_jwe) = family_name_in(resp, key).await;
    assert_eq!(before, record.patient.family);

    // The record changes (a new import of the same patient, renamed).
    record.patient.family = "Ortiz-Renamed".into();
    app.seed(&record).await;

    let resp = ask(long_url.clone()).await;
    let manifest_status = {
        // The IG: content that may change says so.
        let resp = ask(long_url.clone()).await;
        resp.json::<Value>().await.unwrap()["status"].clone()
    };
    assert_eq!(manifest_status, "can-change");
    let (after, second_jwe) = family_name_in(resp, key).await;
    assert_eq!(after, "Ortiz-Renamed", "the L link follows the record");
    assert_ne!(first_jwe, second_jwe, "a new JWE each time");
    // Still no clear key after the re-encryption.
    let stored = stored_share_text(&app).await;
    assert!(!stored.contains(key) && !stored.contains(&hex_key));

    // The snapshot link keeps what the record held when it was made.
    let resp = ask(snapshot_url).await;
    let manifest_key = snapshot["key"].as_str().unwrap();
    let (kept, _) = family_name_in(resp, manifest_key).await;
    assert_eq!(kept, before, "a link without L keeps its snapshot");
}

/// The audit entry of a manifest request names the request's access row, never the name the
/// recipient typed; the patient's access log and list still show the name (joined from the row).
#[tokio::test]
async fn the_audit_log_holds_no_recipient_name_and_the_access_log_still_shows_it() {
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &records(1).remove(0), &PATIENT_A).await;
    let link = decode(
        &make_link(
            &app,
            &b,
            &[("content", "summary"), ("passcode", "tulip-42")],
        )
        .await,
    );
    let url = link["url"].as_str().unwrap();
    let client = outsider(&app);
    let resp = post_manifest(
        &client,
        url,
        json!({ "recipient": "Mallory Guesswork", "passcode": "nope-nope" }),
    )
    .await;
    assert_eq!(resp.status(), 401);
    let resp = post_manifest(
        &client,
        url,
        json!({ "recipient": "Dr Zelda Quill", "passcode": "tulip-42" }),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let id = url.rsplit('/').next().unwrap();
    sqlx::query("UPDATE share_links SET expires_at = $1 WHERE id = $2")
        .bind(chrono::Utc::now().timestamp() - 1)
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = post_manifest(
        &client,
        url,
        json!({ "recipient": "Late Larry", "passcode": "tulip-42" }),
    )
    .await;
    assert_eq!(resp.status(), 404);

    let rows = app.audit_rows().await;
    let opened: Vec<&String> = rows
        .iter()
        .filter(|r| r.0 == "share_link_opened")
        .filter_map(|r| r.3.as_ref())
        .collect();
    assert_eq!(opened.len(), 3, "each request is audited");
    for name in ["Mallory", "Zelda", "Quill", "Larry", "recipient="] {
        assert!(
            rows.iter()
                .all(|r| !r.3.as_deref().unwrap_or("").contains(name)),
            "{name} in the audit log"
        );
    }
    let log = app
        .get(&b, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    for name in ["Dr Zelda Quill", "Mallory Guesswork", "Late Larry"] {
        assert!(log.contains(name), "{name} on the access log");
    }
    let list = app.get(&b, "/share").await.text().await.unwrap();
    assert!(list.contains("Dr Zelda Quill") && list.contains("Late Larry"));
}

/// A flood against a link that no longer works adds no rows: its requests are counted in one
/// row (the list shows how many and the latest name), and audited at the 1st, 2nd, 4th and 8th.
#[tokio::test]
async fn a_flood_against_a_dead_link_leaves_a_bounded_number_of_rows() {
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &records(1).remove(0), &PATIENT_A).await;
    let link = decode(&make_link(&app, &b, &[("content", "summary")]).await);
    let url = link["url"].as_str().unwrap();
    let id = url.rsplit('/').next().unwrap();
    let token = csrf_in(&app.get(&b, "/share").await.text().await.unwrap());
    let resp = b
        .client
        .post(app.url("/share/revoke"))
        .form(&[("csrf_token", token.as_str()), ("link", id)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let audited_before = app.audit_rows().await.len();

    let client = outsider(&app);
    within_one_rate_window(20).await;
    // As many as the per-link limit lets through in a minute.
    for i in 0..10 {
        let resp = post_manifest(&client, url, json!({ "recipient": format!("Bot {i}") })).await;
        assert_eq!(resp.status(), 404);
    }

    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT outcome, tries FROM share_link_accesses WHERE link_id = $1")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        rows,
        vec![("gone".to_string(), 10)],
        "one row counts them all"
    );
    let audited: Vec<String> = app.audit_rows().await[audited_before..]
        .iter()
        .filter(|r| r.0 == "share_link_opened")
        .filter_map(|r| r.3.clone())
        .collect();
    assert_eq!(audited.len(), 4, "the 1st, 2nd, 4th and 8th: {audited:?}");
    assert!(audited[3].contains("gone tries=8"));
    let list = app.get(&b, "/share").await.text().await.unwrap();
    assert!(
        list.contains("Bot 9") && list.contains("(10 times"),
        "the latest and the count"
    );
}

/// The list of a link's attempts shows the newest 20 and says how many there are.
#[tokio::test]
async fn the_list_of_attempts_shows_the_newest_twenty_and_the_count() {
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &records(1).remove(0), &PATIENT_A).await;
    let link = decode(&make_link(&app, &b, &[("content", "summary")]).await);
    let id = link["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    // A long history (more openings than the rate limits let a test make in a minute).
    let start = chrono::Utc::now().timestamp() - 10_000;
    for i in 0..25i64 {
        sqlx::query(
            "INSERT INTO share_link_accesses (id, link_id, at, recipient, outcome) VALUES ($1, $2, $3, $4, 'opened')",
        )
        .bind(format!("history-{i:02}"))
        .bind(&id)
        .bind(start + i * 60)
        .bind(format!("Reader {i:02}"))
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let list = app.get(&b, "/share").await.text().await.unwrap();
    assert!(list.contains("Reader 24") && list.contains("Reader 05"));
    assert!(!list.contains("Reader 04"), "older than the newest 20");
    assert!(list.contains("Showing the newest 20 of 25 attempts."));
    assert!(
        list.contains("25 times"),
        "the count of openings covers them all"
    );
}

/// A revocation that lands while the passcode is being hashed wins: the handler's steps played
/// through the store (the link read while it answered, then revoked, then the opening recorded).
/// The opening re-checks the link in the statement that records it, so nothing is recorded (and
/// the handler answers 404, sending nothing).
#[tokio::test]
async fn a_revocation_that_lands_during_the_passcode_check_wins() {
    use patient_portal::sharing::store;
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &records(1).remove(0), &PATIENT_A).await;
    let link = decode(
        &make_link(
            &app,
            &b,
            &[("content", "summary"), ("passcode", "tulip-42")],
        )
        .await,
    );
    let url = link["url"].as_str().unwrap();
    let id = url.rsplit('/').next().unwrap();
    let now = chrono::Utc::now().timestamp();

    // The manifest request reads the link: it answers, so the passcode is checked...
    let read = store::find(&app.pool, id).await.unwrap().unwrap();
    assert!(read.is_live(now));
    // ...and meanwhile the patient revokes it.
    let patient = patient_portal::records::PatientId::parse(&read.patient_id).unwrap();
    assert!(store::revoke(&app.pool, &patient, id, now).await.unwrap());
    // The passcode was right; recording the opening finds the link revoked.
    let opened = store::record_opening(&app.pool, id, "Dr Late", now)
        .await
        .unwrap();
    assert!(opened.is_none(), "the revocation wins");
    assert_eq!(
        crate::support::count(
            &app,
            "SELECT COUNT(*) FROM share_link_accesses WHERE outcome = 'opened'"
        )
        .await,
        0
    );
    // An expiry that passed meanwhile wins the same way.
    let other = decode(&make_link(&app, &b, &[("content", "summary")]).await);
    let other_id = other["url"].as_str().unwrap().rsplit('/').next().unwrap();
    let expires: i64 = sqlx::query_scalar("SELECT expires_at FROM share_links WHERE id = $1")
        .bind(other_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(
        store::record_opening(&app.pool, other_id, "Dr Late", expires)
            .await
            .unwrap()
            .is_none()
    );
    // While the link answers, the opening is recorded.
    assert!(store::record_opening(&app.pool, other_id, "Dr Early", now)
        .await
        .unwrap()
        .is_some());
    let resp = post_manifest(
        &outsider(&app),
        url,
        json!({ "recipient": "Dr Late", "passcode": "tulip-42" }),
    )
    .await;
    assert_eq!(resp.status(), 404);
}

/// Nothing leaves when the opening's audit entry cannot be written: no manifest, no file from a
/// download address handed out before, and an `L` link's content is not even made again. The
/// audit store refuses rows as a full disk would (a trigger, as in tests/api/faults.rs).
#[tokio::test]
async fn nothing_is_sent_when_the_audit_entry_cannot_be_written() {
    let app = spawn_app().await;
    let (b, _) = signed_in_patient(&app, &records(1).remove(0), &PATIENT_A).await;
    let snapshot = decode(&make_link(&app, &b, &[("content", "summary")]).await);
    let long = decode(&make_link(&app, &b, &[("content", "summary"), ("follows", "yes")]).await);
    let client = outsider(&app);
    // A download address handed out while the audit still worked.
    let manifest: Value = post_manifest(
        &client,
        snapshot["url"].as_str().unwrap(),
        json!({ "recipient": "Clinic", "embeddedLengthMax": 10 }),
    )
    .await
    .json()
    .await
    .unwrap();
    let location = manifest["files"][0]["location"]
        .as_str()
        .unwrap()
        .to_string();
    let long_id = long["url"].as_str().unwrap().rsplit('/').next().unwrap();
    let stored_jwe = |id: String| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT jwe FROM share_link_files WHERE link_id = $1 ORDER BY position",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let long_before = stored_jwe(long_id.to_string()).await;

    sqlx::query(
        "CREATE TRIGGER audit_full BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    for link in [&snapshot, &long] {
        let resp = post_manifest(
            &client,
            link["url"].as_str().unwrap(),
            json!({ "recipient": "Dr Ortega" }),
        )
        .await;
        assert_eq!(resp.status(), 503);
        let body = resp.text().await.unwrap();
        assert!(
            !body.contains("embedded") && !body.contains("location") && !body.contains("eyJ"),
            "no manifest and no JWE: {body}"
        );
    }
    let resp = client.get(&location).send().await.unwrap();
    assert_eq!(resp.status(), 503);
    assert!(!resp.text().await.unwrap().contains("eyJ"), "no file");
    assert_eq!(
        stored_jwe(long_id.to_string()).await,
        long_before,
        "the L link's content was not made again"
    );

    // Once the audit store works again, so do the links.
    sqlx::query("DROP TRIGGER audit_full")
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = post_manifest(
        &client,
        long["url"].as_str().unwrap(),
        json!({ "recipient": "Dr Ortega" }),
    )
    .await;
    assert_eq!(resp.status(), 200);
}
