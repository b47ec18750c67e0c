//! Phones and paper (#26): what the pages and the stylesheet promise about reading the portal on a
//! 320 px screen, on a desktop and on paper. The browser walk (.ci/a11y/check.mjs) measures the
//! same in Chromium; these tests keep the promises in the markup and the CSS.

use patient_portal::demo::demo_patients;
use scraper::{ElementRef, Html, Selector};

use crate::support::{signed_in_patient, spawn_app, today, Browser, TestApp, PATIENT_A};

async fn stylesheet(app: &TestApp, b: &Browser) -> String {
    let resp = app.get(b, "/assets/portal.css").await;
    assert_eq!(resp.status(), 200);
    strip_comments(&resp.text().await.unwrap())
}

fn strip_comments(css: &str) -> String {
    let mut out = String::new();
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    out
}

/// The innermost rules of `css`: (selector list, declarations). A block that holds rules
/// (`@media … { … }`) is looked into, not returned.
fn rules(css: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (i, _) in css.match_indices('{') {
        let after = &css[i + 1..];
        let Some(end) = after.find(['{', '}']) else {
            continue;
        };
        if !after[end..].starts_with('}') {
            continue;
        }
        let before = &css[..i];
        let start = before.rfind(['{', '}']).map_or(0, |p| p + 1);
        found.push((
            before[start..].trim().to_string(),
            after[..end].trim().to_string(),
        ));
    }
    found
}

/// (what is inside every `at` block, such as `@media print`, and everything else).
fn split_blocks(css: &str, at: &str) -> (String, String) {
    let (mut inside, mut outside) = (String::new(), String::new());
    let mut rest = css;
    while let Some(start) = rest.find(at) {
        outside.push_str(&rest[..start]);
        let block = &rest[start..];
        let open = block.find('{').expect("a block");
        let mut depth = 0;
        let mut end = block.len();
        for (i, c) in block[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        inside.push_str(&block[open + 1..end]);
        inside.push('\n');
        rest = block.get(end + 1..).unwrap_or_default();
    }
    outside.push_str(rest);
    (inside, outside)
}

fn selectors(list: &str) -> Vec<&str> {
    list.split(',').map(str::trim).collect()
}

/// The declarations of every rule in `css` whose selector list names `selector`.
fn declarations_for(css: &str, selector: &str) -> Vec<String> {
    rules(css)
        .into_iter()
        .filter(|(list, _)| selectors(list).contains(&selector))
        .map(|(_, body)| body)
        .collect()
}

fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap()
}

/// A region that scrolls sideways is reachable by keyboard and named (WCAG 2.1.1, 4.1.2).
fn assert_labelled_scroll_region(doc: &Html, region: ElementRef<'_>) {
    let v = region.value();
    assert_eq!(v.attr("role"), Some("region"), "{}", region.html());
    assert_eq!(v.attr("tabindex"), Some("0"), "{}", region.html());
    let label_id = v.attr("aria-labelledby").expect("aria-labelledby");
    let label = doc
        .select(&sel(&format!("[id=\"{label_id}\"]")))
        .next()
        .unwrap_or_else(|| panic!("no #{label_id}"));
    assert!(!label.text().collect::<String>().trim().is_empty());
}

async fn demo_patient(app: &TestApp) -> Browser {
    let record = demo_patients(1, 11, today()).remove(0);
    signed_in_patient(app, &record, &PATIENT_A).await.0
}

#[tokio::test]
async fn chart_text_is_never_smaller_than_12_css_px_and_the_chart_scrolls_in_a_named_region() {
    let app = spawn_app().await;
    let b = demo_patient(&app).await;
    let css = stylesheet(&app, &b).await;
    let labs = app.get(&b, "/records/labs").await.text().await.unwrap();
    let href = Html::parse_document(&labs)
        .select(&sel("table.results a"))
        .find_map(|a| a.value().attr("href").map(str::to_string))
        .expect("a test's history");

    let page = app.get(&b, &href).await.text().await.unwrap();

    let doc = Html::parse_document(&page);
    let svg = doc.select(&sel("svg.trend-chart")).next().expect("a chart");
    let view_width: f64 = svg
        .value()
        .attr("viewBox")
        .and_then(|v| v.split_whitespace().nth(2))
        .and_then(|w| w.parse().ok())
        .expect("a viewBox");
    let font_size: f64 = svg
        .value()
        .attr("font-size")
        .and_then(|f| f.parse().ok())
        .expect("the chart's font size");
    assert!(
        svg.select(&sel("text"))
            .all(|t| t.value().attr("font-size").is_none()),
        "no text sets a size of its own"
    );
    // The chart is drawn at least min-width CSS px wide, so a unit is at least min-width /
    // viewBox width CSS px.
    let min_width: f64 = declarations_for(&css, "svg.trend-chart")
        .iter()
        .flat_map(|d| d.split(';'))
        .filter_map(|d| d.trim().strip_prefix("min-width:"))
        .filter_map(|v| v.trim().strip_suffix("px"))
        .find_map(|v| v.parse().ok())
        .expect("svg.trend-chart has a min-width in px");
    let smallest = font_size * min_width / view_width;
    assert!(smallest >= 12.0, "chart text can be {smallest} px");

    // Narrower screens scroll the chart inside its region, which says so when it can scroll.
    let region = doc.select(&sel(".chart-scroll")).next().expect("a region");
    assert!(region.select(&sel("svg.trend-chart")).next().is_some());
    assert_labelled_scroll_region(&doc, region);
    let hint = doc
        .select(&sel(".chart-scroll-hint"))
        .next()
        .expect("a hint");
    assert!(hint.text().collect::<String>().contains("sideways"));
    assert!(
        css.contains(".table-scroll, .chart-scroll { overflow-x: auto; }"),
        "the region scrolls, not the page"
    );
}

#[tokio::test]
async fn a_grid_that_scrolls_sideways_says_so_and_is_reachable_by_keyboard() {
    let app = spawn_app().await;
    let b = demo_patient(&app).await;
    let css = stylesheet(&app, &b).await;

    let page = app.get(&b, "/records/vitals").await.text().await.unwrap();

    let doc = Html::parse_document(&page);
    let regions: Vec<_> = doc.select(&sel(".table-scroll")).collect();
    assert!(!regions.is_empty(), "the vitals history grid");
    for region in regions {
        assert_labelled_scroll_region(&doc, region);
        // A visible line of text says it scrolls, and the region points at it.
        let hint_id = region
            .value()
            .attr("aria-describedby")
            .expect("aria-describedby");
        let hint = doc
            .select(&sel(&format!("p.scroll-hint[id=\"{hint_id}\"]")))
            .next()
            .expect("the hint");
        assert!(hint
            .text()
            .collect::<String>()
            .contains("scroll it sideways"));
    }
    // The hint shows on screen (hidden only on paper), and each side with more to see shades.
    let (_, screen) = split_blocks(&css, "@media print");
    assert!(declarations_for(&screen, ".scroll-hint")
        .iter()
        .all(|d| !d.contains("display: none")));
    let shading = declarations_for(&screen, ".table-scroll").join(";");
    assert!(
        shading.contains("no-repeat local") && shading.contains("no-repeat scroll"),
        "{shading}"
    );
}

#[tokio::test]
async fn desktop_tables_split_only_words_longer_than_their_column_and_the_brand_keeps_its_distance()
{
    let app = spawn_app().await;
    let b = demo_patient(&app).await;
    let css = stylesheet(&app, &b).await;

    // `overflow-wrap: anywhere` on a table cell lets the table squeeze a column below its
    // longest word ("Histor/y"); `break-word` breaks only a word that cannot fit at all. On a
    // desktop (no media query) no cell may split words, nor a column heading anywhere.
    let (narrow, desktop) = split_blocks(&css, "@media");
    for (list, body) in rules(&desktop) {
        let cells = selectors(&list)
            .iter()
            .any(|s| *s == "th" || *s == "td" || s.ends_with(" th") || s.ends_with(" td"));
        assert!(
            !(cells && body.contains("overflow-wrap: anywhere")),
            "{list} {{ {body} }}"
        );
    }
    assert!(declarations_for(&desktop, "th")
        .iter()
        .any(|d| d.contains("overflow-wrap: break-word")));
    for (list, body) in rules(&narrow) {
        let headings = selectors(&list)
            .iter()
            .any(|s| *s == "th" || s.starts_with("thead") || s.contains("[scope=\"col\"]"));
        assert!(
            !(headings && body.contains("overflow-wrap: anywhere")),
            "{list} {{ {body} }}"
        );
    }
    // The header's brand and navigation never touch ("Patient portalHome").
    assert!(declarations_for(&css, "header.site .bar")
        .iter()
        .any(|d| d.contains("gap:")));
}

#[tokio::test]
async fn on_paper_headings_stay_with_their_tables_and_navigation_links_are_left_out() {
    let app = spawn_app().await;
    let b = demo_patient(&app).await;
    let css = stylesheet(&app, &b).await;
    let (print, _) = split_blocks(&css, "@media print");

    for heading in ["h1", "h2", "h3"] {
        let rules = declarations_for(&print, heading).join(";");
        assert!(rules.contains("break-after: avoid"), "{heading}: {rules}");
        assert!(rules.contains("break-inside: avoid"), "{heading}: {rules}");
    }
    assert!(declarations_for(&print, "thead")
        .iter()
        .any(|d| d.contains("display: table-header-group")));
    for hidden in ["nav", ".no-print"] {
        assert!(
            declarations_for(&print, hidden)
                .iter()
                .any(|d| d.contains("display: none")),
            "{hidden}"
        );
    }

    // "Back to …" and "All …" links are navigation: none of them prints.
    let summary = app.get(&b, "/records").await.text().await.unwrap();
    let labs = app.get(&b, "/records/labs").await.text().await.unwrap();
    let href = Html::parse_document(&labs)
        .select(&sel("table.results a"))
        .find_map(|a| a.value().attr("href").map(str::to_string))
        .expect("a test's history");
    let history = app.get(&b, &href).await.text().await.unwrap();
    let printable = app
        .get(&b, "/records/printable")
        .await
        .text()
        .await
        .unwrap();
    let access_log = app
        .get(&b, "/records/access-log")
        .await
        .text()
        .await
        .unwrap();
    let sign_in_details = app
        .get(&b, "/account/sign-in-details")
        .await
        .text()
        .await
        .unwrap();
    for (name, page) in [
        ("summary", summary),
        ("history", history),
        ("printable", printable),
        ("access log", access_log),
        ("sign-in details", sign_in_details),
    ] {
        let doc = Html::parse_document(&page);
        let mut links = 0;
        for a in doc.select(&sel("main a")) {
            let text = a.text().collect::<String>();
            if !(text.starts_with("Back to") || text.starts_with("All ")) {
                continue;
            }
            links += 1;
            let printed = a.ancestors().filter_map(ElementRef::wrap).all(|e| {
                !e.value()
                    .attr("class")
                    .is_some_and(|c| c.split_whitespace().any(|c| c == "no-print"))
            });
            assert!(!printed, "{name}: {text:?} would be printed");
        }
        assert!(links > 0, "{name} has navigation links");
    }
}
