//! Languages (#31): the record pages' own clinical words (our short names of tests, the vital
//! signs' names, units in words, usual ranges) and the numbers written in Rust read in the
//! page's language: "Colesterol HDL", "por minuto", "5,4" in Spanish; English unchanged.

use patient_portal::b2c_emulator::DEMO_USERS;
use scraper::{Html, Selector};

use crate::languages::{assert_spanish, get_in};
use crate::support::{spawn_app, Browser, Person, TestApp};

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
}
