//! The proxy's chooser (`/acting`, #29): it offers a grant only if opening it now would not be
//! refused as gone (`access::LiveGrant::gone`, the rule `open_as_proxy` holds), and lists the
//! others as no longer working, with why and without a link; the patient's list of proxies
//! says which grants an earlier account gave.

use serde_json::{json, Value};
use sqlx::Row;

use crate::languages::{assert_spanish, get_in};
use crate::support::*;

/// A third account: the one a record is relinked to, or a second patient who invites.
const PATIENT_C: Person = Person {
    subject: "0a1b2c3d-0000-4000-8000-00000000000c",
    name: "Charlie Other",
    clinician: false,
};

/// The e-mail `sign_in_as` gives `who`.
fn email_of(who: &Person) -> String {
    format!("{}@example.com", who.name.to_lowercase().replace(' ', "."))
}

/// An account that gave no one anything: the one a record is relinked to.
const PATIENT_D: Person = Person {
    subject: "0a1b2c3d-0000-4000-8000-00000000000d",
    name: "Dana Else",
    clinician: false,
};

/// `patient` (signed in as `b`, their record linked) invites `proxy`'s address with `scopes`;
/// `proxy` (signed in as `proxy_b`) accepts. Returns the grant's id.
async fn grant(
    app: &TestApp,
    (patient, b): (&Person, &Browser),
    (proxy, proxy_b): (&Person, &Browser),
    scopes: &[&str],
) -> String {
    let email = email_of(proxy);
    let token = csrf(app, b).await;
    let mut form = vec![
        ("csrf_token", token.as_str()),
        ("email", email.as_str()),
        ("ends_on", ""),
    ];
    for s in scopes {
        form.push(("scope", s));
    }
    let before = links_to(app, &email).await;
    assert_eq!(post(app, b, "/account/proxies", &form).await.status(), 303);
    accept_new_invitation(app, proxy_b, &email, &before).await;
    sqlx::query(
        "SELECT g.id FROM proxy_grants g JOIN patients p ON p.id = g.patient_id \
         WHERE p.b2c_subject = $1 AND g.proxy_subject = $2",
    )
    .bind(patient.subject)
    .bind(proxy.subject)
    .fetch_one(&app.pool)
    .await
    .unwrap()
    .get(0)
}

/// The invitation links mailed to `email`.
async fn links_to(app: &TestApp, email: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT link FROM notification_queue WHERE recipient = $1 AND kind = 'proxy_invitation'",
    )
    .bind(email)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// `b` accepts the invitation mailed to `email` whose link is not among `before`.
async fn accept_new_invitation(app: &TestApp, b: &Browser, email: &str, before: &[String]) {
    let link = links_to(app, email)
        .await
        .into_iter()
        .find(|l| !before.contains(l))
        .expect("a new invitation");
    let token = link
        .strip_prefix("/proxy/accept?token=")
        .unwrap()
        .to_string();
    let csrf = csrf(app, b).await;
    let resp = post(
        app,
        b,
        "/proxy/accept",
        &[("csrf_token", csrf.as_str()), ("token", token.as_str())],
    )
    .await;
    assert_eq!(resp.status(), 303, "accepted");
}

async fn page_in(app: &TestApp, b: &Browser, path: &str, lang: &str) -> String {
    let resp = get_in(app, b, path, lang).await;
    assert_eq!(resp.status(), 200, "{path} in {lang}");
    resp.text().await.unwrap()
}

/// The chooser in English and Spanish offers no link to `grant` and gives `why` (English,
/// Spanish) beside `name`; `live` (a grant and its name) is still offered with its link.
async fn assert_gone(
    app: &TestApp,
    b: &Browser,
    grant: &str,
    name: &str,
    why: [&str; 2],
    live: Option<(&str, &str)>,
) {
    for (lang, heading, why) in [
        ("en", "No longer works", why[0]),
        ("es", "Ya no funciona", why[1]),
    ] {
        let page = page_in(app, b, "/acting", lang).await;
        if lang == "es" {
            assert_spanish(&page, "/acting");
        }
        assert!(
            !page.contains(&format!("/acting/{grant}")),
            "{lang}: no link to the gone grant: {page}"
        );
        assert!(page.contains(heading), "{lang}: {page}");
        assert!(
            page.contains(&format!("{name}: {why}")),
            "{lang}: why, beside whose: {page}"
        );
        if let Some((live, live_name)) = live {
            assert!(
                page.contains(&format!("href=\"/acting/{live}\"")),
                "{lang}: the live grant: {page}"
            );
            assert!(page.contains(live_name), "{lang}");
        }
    }
}

const UNLINKED: [&str; 2] = [
    "their record is no longer linked to the account that gave you this access",
    "su historial ya no está vinculado a la cuenta que le dio este acceso",
];

#[tokio::test]
async fn a_grant_whose_record_was_unlinked_or_relinked_is_listed_as_no_longer_working() {
    let app = spawn_app().await;
    let people = records(2);
    let (a, pid) = signed_in_patient(&app, &people[0], &PATIENT_A).await;
    let (c, _) = signed_in_patient(&app, &people[1], &PATIENT_C).await;
    let blair = signed_in(&app, &PATIENT_B).await;
    let of_a = grant(
        &app,
        (&PATIENT_A, &a),
        (&PATIENT_B, &blair),
        &["record", "messages"],
    )
    .await;
    let of_c = grant(&app, (&PATIENT_C, &c), (&PATIENT_B, &blair), &["record"]).await;
    let name_a = format!("{} {}", people[0].patient.given, people[0].patient.family);
    let name_c = format!("{} {}", people[1].patient.given, people[1].patient.family);

    // Both open: both are offered, nothing is listed as gone.
    let page = page_in(&app, &blair, "/acting", "en").await;
    assert!(page.contains(&format!("href=\"/acting/{of_a}\"")), "{page}");
    assert!(page.contains(&format!("href=\"/acting/{of_c}\"")), "{page}");
    assert!(!page.contains("No longer works"), "{page}");

    // A's record is unlinked: its grant opens nothing, and the chooser says so.
    sqlx::query("UPDATE patients SET b2c_subject = NULL WHERE id = $1")
        .bind(&pid)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_gone(
        &app,
        &blair,
        &of_a,
        &name_a,
        UNLINKED,
        Some((&of_c, &name_c)),
    )
    .await;
    assert_eq!(
        app.get(&blair, &format!("/acting/{of_a}")).await.status(),
        403
    );

    // Linked since to another account, which gave Blair nothing: the same.
    app.link(&pid, &PATIENT_D).await;
    assert_gone(
        &app,
        &blair,
        &of_a,
        &name_a,
        UNLINKED,
        Some((&of_c, &name_c)),
    )
    .await;

    // Back with the account that gave it: offered again (it was never revoked).
    app.link(&pid, &PATIENT_A).await;
    let page = page_in(&app, &blair, "/acting", "en").await;
    assert!(page.contains(&format!("href=\"/acting/{of_a}\"")), "{page}");
    assert!(!page.contains("No longer works"), "{page}");
}

#[tokio::test]
async fn a_grant_to_an_address_the_proxy_s_sign_in_no_longer_gives_is_listed_as_no_longer_working()
{
    let app = spawn_app().await;
    let record = records(1)[0].clone();
    let (a, _) = signed_in_patient(&app, &record, &PATIENT_A).await;
    let blair = signed_in(&app, &PATIENT_B).await;
    let of_a = grant(&app, (&PATIENT_A, &a), (&PATIENT_B, &blair), &["record"]).await;
    let name = format!("{} {}", record.patient.given, record.patient.family);

    // Blair's account (the same subject) signs in with another address.
    let b = app.browser();
    let started = app.start_signin(&b, None).await;
    let mut claims: Value = app.idp.claims(&started.nonce);
    claims["sub"] = json!(PATIENT_B.subject);
    claims["oid"] = json!(PATIENT_B.subject);
    claims["name"] = json!(PATIENT_B.name);
    claims["emails"] = json!(["blair.new@example.org"]);
    assert_eq!(
        app.reply(&b, &started, sign(&claims, 0)).await.status(),
        302
    );

    assert_gone(
        &app,
        &b,
        &of_a,
        &name,
        [
            "this access was given to an e-mail address that your sign-in no longer gives",
            "este acceso se dio a una dirección de correo electrónico que su inicio de sesión ya no da",
        ],
        None,
    )
    .await;
    // No grant opens: the chooser does not say "you act for no one" either.
    let page = page_in(&app, &b, "/acting", "en").await;
    assert!(
        page.contains("None of your accesses opens a record now."),
        "{page}"
    );
    assert!(!page.contains("You do not act for anyone."), "{page}");
    // With the invited address again: offered with its link.
    let page = page_in(&app, &blair, "/acting", "en").await;
    assert!(page.contains(&format!("href=\"/acting/{of_a}\"")), "{page}");
}

#[tokio::test]
async fn a_guardian_s_grant_is_listed_as_ended_once_the_patient_is_an_adult() {
    let app = spawn_app().await;
    let mut record = records(1)[0].clone();
    record.patient.birth_date = today() - chrono::Months::new(12 * 14) - chrono::Days::new(1);
    let pid = app.seed(&record).await;
    app.add_to_care_team(&pid, &CLINICIAN).await;
    let staff = signed_in(&app, &CLINICIAN).await;
    let email = email_of(&PATIENT_B);
    let before = links_to(&app, &email).await;
    let token = csrf(&app, &staff).await;
    let resp = post(
        &app,
        &staff,
        &format!("/staff/patients/{pid}/guardian"),
        &[
            ("csrf_token", token.as_str()),
            ("email", email.as_str()),
            ("documents", "checked"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303, "the guardian is invited");
    let guardian = signed_in(&app, &PATIENT_B).await;
    accept_new_invitation(&app, &guardian, &email, &before).await;
    let grant: String = sqlx::query_scalar("SELECT id FROM proxy_grants")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let name = format!("{} {}", record.patient.given, record.patient.family);
    // A guardian of an adolescent: offered (their summary opens, without the sensitive parts).
    let page = page_in(&app, &guardian, "/acting", "en").await;
    assert!(
        page.contains(&format!("href=\"/acting/{grant}\"")),
        "{page}"
    );

    // The patient turns 18: the access ended by itself.
    let eighteen = today() - chrono::Months::new(12 * 18);
    sqlx::query("UPDATE patients SET birth_date = $1 WHERE id = $2")
        .bind(eighteen.format("%Y-%m-%d").to_string())
        .bind(&pid)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_gone(
        &app,
        &guardian,
        &grant,
        &name,
        [
            "access as their parent or guardian has ended: it lasts only while they are a minor",
            "su acceso como padre, madre o tutor terminó: solo dura mientras la persona es menor de edad",
        ],
        None,
    )
    .await;
    // Its page says the same, and the refusal is audited as a gone grant.
    let resp = get_in(&app, &guardian, &format!("/acting/{grant}"), "en").await;
    assert_eq!(resp.status(), 403);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("lasts only while the patient is a minor"),
        "{page}"
    );
    let denied: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'view_record' AND outcome = 'denied' ORDER BY seq",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(denied, vec!["summary grant_gone guardian_ended"]);

    // The patient, now an adult with an account, reads on their list of proxies that the
    // guardian's access opens nothing (it stays listed, so they can end it).
    app.link(&pid, &PATIENT_A).await;
    let patient = signed_in(&app, &PATIENT_A).await;
    let list = page_in(&app, &patient, "/account/proxies", "en").await;
    assert!(
        list.contains("access as a parent or guardian lasts only while the patient is a minor"),
        "{list}"
    );
    let lista = page_in(&app, &patient, "/account/proxies", "es").await;
    assert!(
        lista.contains("el acceso como padre, madre o tutor dura solo mientras"),
        "{lista}"
    );
}

#[tokio::test]
async fn a_grant_without_the_record_scope_is_offered_with_a_page_it_opens() {
    let app = spawn_app().await;
    let (a, _) = signed_in_patient(&app, &records(1)[0], &PATIENT_A).await;
    let blair = signed_in(&app, &PATIENT_B).await;
    let of_a = grant(
        &app,
        (&PATIENT_A, &a),
        (&PATIENT_B, &blair),
        &["messages", "renewals"],
    )
    .await;
    let page = page_in(&app, &blair, "/acting", "en").await;
    let link = format!("/acting/{of_a}/messages");
    assert!(page.contains(&format!("href=\"{link}\"")), "{page}");
    assert!(
        !page.contains(&format!("href=\"/acting/{of_a}\"")),
        "the summary would refuse it: {page}"
    );
    assert_eq!(app.get(&blair, &link).await.status(), 200);
}

#[tokio::test]
async fn the_patient_s_list_says_which_grants_an_earlier_account_gave() {
    let app = spawn_app().await;
    let (a, pid) = signed_in_patient(&app, &records(1)[0], &PATIENT_A).await;
    let blair = signed_in(&app, &PATIENT_B).await;
    grant(&app, (&PATIENT_A, &a), (&PATIENT_B, &blair), &["record"]).await;
    let own = page_in(&app, &a, "/account/proxies", "en").await;
    assert!(own.contains(PATIENT_B.name), "{own}");
    assert!(
        !own.contains("Opens nothing now"),
        "the account that gave it: {own}"
    );

    // The record is linked to another account since: the grant is still listed (that account
    // can end it), with what it is.
    app.link(&pid, &PATIENT_D).await;
    let c = signed_in(&app, &PATIENT_D).await;
    let page = page_in(&app, &c, "/account/proxies", "en").await;
    assert!(page.contains(PATIENT_B.name), "{page}");
    assert!(
        page.contains("Opens nothing now: this access was given from another account"),
        "{page}"
    );
    let page = page_in(&app, &c, "/account/proxies", "es").await;
    assert_spanish(&page, "/account/proxies");
    assert!(
        page.contains("Ahora no abre nada: este acceso se dio desde otra cuenta"),
        "{page}"
    );
}
