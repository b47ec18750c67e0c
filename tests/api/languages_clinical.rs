//! Languages (#31): the record pages' own clinical words (our short names of tests, the vital
//! signs' names, units in words, usual ranges) and the numbers written in Rust read in the
//! page's language: "Colesterol HDL", "por minuto", "5,4" in Spanish; English unchanged.

use chrono::{Duration, Utc};
use patient_portal::b2c_emulator::DEMO_USERS;
use patient_portal::records::model::{ObservationCategory, ObservationValue, Quantity};
use scraper::{Html, Selector};

use crate::languages::{assert_spanish, get_in};
use crate::support::{signed_in, spawn_app, today, Browser, Person, TestApp, PATIENT_A};

/// The demo patient, as the identity provider names them.
fn demo_patient() -> Person {
    let user = DEMO_USERS
        .iter()
        .find(|u| u.role.is_none())
        .expect("a demo patient");
    Person {
        subject: user.oid,
        name: Box::leak(format!("{} {}", user.given_name, user.surname).into_boxed_str()),
        clinician: false,
    }
}

async fn page(app: &TestApp, b: &Browser, path: &str, lang: &str) -> String {
    let resp = get_in(app, b, path, lang).await;
    assert_eq!(resp.status(), 200, "{path} in {lang}");
    // Tera writes '/' as an entity; the checks read the text as a person does.
    resp.text().await.unwrap().replace("&#x2F;", "/")
}

/// The texts of the result cells (`td.value`): the values with their units.
fn values(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let cells = Selector::parse("td.value").unwrap();
    doc.select(&cells)
        .map(|c| c.text().collect::<String>().trim().to_string())
        .collect()
}

/// A digit, the sign, a digit: "5.4" with '.', "5,4" with ','.
fn has_decimal(text: &str, sign: char) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == sign && w[2].is_ascii_digit())
}

#[tokio::test]
async fn lab_and_vital_words_and_numbers_read_in_the_page_s_language() {
    let app = spawn_app().await;
    patient_portal::demo::seed::demo_data(&app.pool)
        .await
        .unwrap()
        .expect("an empty database is seeded");
    let b = app.browser();
    app.sign_in_as(&b, &demo_patient()).await;

    // The latest results: our names of the tests and decimal commas in Spanish.
    let es = page(&app, &b, "/records/labs", "es").await;
    assert_spanish(&es, "/records/labs");
    assert!(es.contains("Colesterol HDL"), "{es}");
    assert!(es.contains("Glóbulos blancos"), "{es}");
    assert!(!es.contains("HDL cholesterol"), "{es}");
    let cells = values(&es);
    assert!(cells.iter().any(|v| has_decimal(v, ',')), "{cells:?}");
    assert!(!cells.iter().any(|v| has_decimal(v, '.')), "{cells:?}");
    assert!(es.contains("millones por µL"), "{es}");
    let en = page(&app, &b, "/records/labs", "en").await;
    assert!(en.contains("HDL cholesterol"), "{en}");
    assert!(!en.contains("Colesterol HDL"), "{en}");
    let cells = values(&en);
    assert!(cells.iter().any(|v| has_decimal(v, '.')), "{cells:?}");
    assert!(!cells.iter().any(|v| has_decimal(v, ',')), "{cells:?}");
    assert!(en.contains("million per µL"), "{en}");

    // The vital signs' history: the columns, units in words, a blood pressure's range.
    let es = page(&app, &b, "/records/vitals", "es").await;
    assert_spanish(&es, "/records/vitals");
    for words in ["Frecuencia respiratoria", "Temperatura", "por minuto"] {
        assert!(es.contains(words), "{words}: {es}");
    }
    assert!(es.contains("de 90/60 a 119/79 mmHg"), "{es}");
    for words in ["Breathing rate", "per minute", " to "] {
        assert!(!es.contains(words), "{words}: {es}");
    }
    let en = page(&app, &b, "/records/vitals", "en").await;
    for words in [
        "Breathing rate",
        "Temperature",
        "per minute",
        "90/60 to 119/79 mmHg",
    ] {
        assert!(en.contains(words), "{words}: {en}");
    }

    // Money on the billing page: "1.234,50 US$" in Spanish, "$1,234.50" in English.
    let es = page(&app, &b, "/records/billing", "es").await;
    assert_spanish(&es, "/records/billing");
    assert!(es.contains("\u{a0}US$"), "{es}");
    assert!(!es.contains("$1") && !es.contains("$2"), "{es}");
    let en = page(&app, &b, "/records/billing", "en").await;
    assert!(!en.contains("US$"), "{en}");
    assert!(
        en.char_indices()
            .any(|(i, c)| c == '$' && en[i + 1..].starts_with(|d: char| d.is_ascii_digit())),
        "{en}"
    );
}

/// The home page's new results: a flag in words of the page's language (the template once
/// wrote `Flag`'s English name).
#[tokio::test]
async fn a_new_result_s_flag_on_the_home_page_reads_in_the_page_s_language() {
    // A high HbA1c taken yesterday: a new result, flagged.
    let mut record = patient_portal::demo::demo_patients(1, 14, today()).remove(0);
    let mut high = record
        .observations
        .iter()
        .find(|o| o.category == ObservationCategory::Laboratory)
        .expect("the demo record has lab results")
        .clone();
    high.fhir_id = "home-high".into();
    high.code.code = "4548-4".into();
    high.code.display = "Hemoglobin A1c".into();
    high.value = ObservationValue::Quantity(Quantity {
        value: 9.1,
        unit: "%".into(),
    });
    high.effective = Utc::now() - Duration::days(1);
    record.observations.push(high);
    let app = spawn_app().await;
    let patient_id = app.seed(&record).await;
    app.link(&patient_id, &PATIENT_A).await;
    let b = signed_in(&app, &PATIENT_A).await;
    let flags = |html: &str| {
        let doc = Html::parse_document(html);
        let sel = Selector::parse(".home-list span.flag").unwrap();
        doc.select(&sel)
            .map(|e| e.text().collect::<String>())
            .collect::<Vec<_>>()
    };
    let es = page(&app, &b, "/home", "es").await;
    let found = flags(&es);
    assert!(!found.is_empty(), "{es}");
    let spanish = ["Alto", "Bajo", "Normal", "No se pudo comparar"];
    assert!(
        found.iter().all(|f| spanish.contains(&f.as_str())),
        "{found:?}"
    );
    assert!(found.iter().any(|f| f == "Alto"), "{found:?}");
    assert!(es.contains("9,1 %"), "{es}");
    let english = ["High", "Low", "Normal", "Could not be compared"];
    let en = page(&app, &b, "/home", "en").await;
    let found = flags(&en);
    assert!(
        found.iter().any(|f| f == "High") && found.iter().all(|f| english.contains(&f.as_str())),
        "{found:?}"
    );
    assert!(en.contains("9.1 %"), "{en}");
}
