//! What the notes pages show (issue #27 item 1): the list of notes, one note with its content,
//! and the notes of a visit. Text is shown as text (the template escapes it), HTML only as
//! `notes::sanitize_html` leaves it, a PDF only as a download link.

use std::collections::HashMap;

use serde::Serialize;

use super::model::{DiagnosticReport, Encounter};
use super::notes::{read_attachment, sanitize_html, ClinicalNote, ContentKind, NoteContent};
use super::views::{is_visit_id, plain_name, DateView};
use crate::i18n;

/// A note in a list: date, type, authors, the visit.
#[derive(Debug, Clone, Serialize)]
pub struct NoteRow {
    /// The note's URL segment; `None` for an id that cannot be one (then no link).
    pub id: Option<String>,
    pub title: String,
    pub date: Option<DateView>,
    /// "Dr. June Kassulke, Lahey Hospital": the authors as the source names them.
    pub authors: Option<String>,
    pub visit: Option<VisitLink>,
    /// "Text", "PDF": what the note holds, in the page's language.
    pub formats: Vec<String>,
    /// Only when not simply current ("Superseded" is Synthea's usual status and says nothing
    /// to a reader, so only "Entered in error" is shown).
    pub status_note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VisitLink {
    pub id: String,
    /// "General examination, 10 September 2012".
    pub label: String,
}

/// One content of a note, ready to show.
#[derive(Debug, Clone, Serialize)]
pub struct ContentView {
    /// The content's number in the download URL.
    pub index: usize,
    pub kind: &'static str,
    pub title: Option<String>,
    /// Plain text, escaped by the template.
    pub text: Option<String>,
    /// Sanitised markup (inserted unescaped; nothing else is).
    pub html: Option<String>,
    /// A PDF's size, for its download link ("12 KB").
    pub size: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoteView {
    pub row: NoteRow,
    pub description: Option<String>,
    pub contents: Vec<ContentView>,
}

/// What a content is, in the page's language (#31; `page_words.ftl`).
fn kind_word(k: ContentKind) -> String {
    let key = match k {
        ContentKind::Text => "page-words-note-text",
        ContentKind::Html => "page-words-note-formatted",
        ContentKind::Pdf => "page-words-note-pdf",
    };
    i18n::tr(i18n::current(), key)
}

/// A file's size in the page's language: "12 KB", "1,5 MB" in Spanish.
fn size_words(bytes: usize) -> String {
    let lang = i18n::current();
    if bytes < 1024 {
        i18n::tr_args(lang, "page-words-size-bytes", &[("count", bytes.into())])
    } else if bytes < 1024 * 1024 {
        let size = i18n::format::number(lang, bytes.div_ceil(1024) as f64, 0);
        i18n::tr_args(lang, "page-words-size-kb", &[("size", size.into())])
    } else {
        let size = i18n::format::number(lang, bytes as f64 / (1024.0 * 1024.0), 1);
        i18n::tr_args(lang, "page-words-size-mb", &[("size", size.into())])
    }
}

/// The visits notes point at, by FHIR id, as their links read.
pub fn visit_links(encounters: &[Encounter]) -> HashMap<String, VisitLink> {
    encounters
        .iter()
        .filter(|e| is_visit_id(&e.fhir_id))
        .map(|e| {
            (
                e.fhir_id.clone(),
                VisitLink {
                    id: e.fhir_id.clone(),
                    label: format!(
                        "{}, {}",
                        super::views::visit_title(e),
                        DateView::at(&e.start).text
                    ),
                },
            )
        })
        .collect()
}

impl NoteRow {
    pub fn of(n: &ClinicalNote, visits: &HashMap<String, VisitLink>) -> Self {
        let mut formats: Vec<String> = Vec::new();
        for c in &n.contents {
            let w = kind_word(c.kind);
            if !formats.contains(&w) {
                formats.push(w);
            }
        }
        NoteRow {
            id: is_visit_id(&n.fhir_id).then(|| n.fhir_id.clone()),
            // A note the source gives no type is named in the page's language (#31).
            title: n.source_title().map_or_else(
                || crate::i18n::tr(crate::i18n::current(), "rust-note-untitled"),
                |t| plain_name(&t),
            ),
            date: n.when().as_ref().map(DateView::at),
            authors: (!n.authors.is_empty()).then(|| n.authors.join(", ")),
            visit: n.encounter.as_ref().and_then(|e| visits.get(e)).cloned(),
            formats,
            status_note: (n.status == "entered-in-error"
                || n.doc_status.as_deref() == Some("entered-in-error"))
            .then(|| i18n::tr(i18n::current(), "page-words-entered-in-error")),
        }
    }
}

impl NoteView {
    /// A note with its content (the note must have been read with its bytes).
    pub fn of(n: &ClinicalNote, visits: &HashMap<String, VisitLink>) -> Self {
        let contents = n
            .contents
            .iter()
            .enumerate()
            .map(|(index, c)| {
                // Checked as UTF-8 at import; lossy only guards rows written some other way.
                let as_text = || String::from_utf8_lossy(&c.data).into_owned();
                ContentView {
                    index,
                    kind: match c.kind {
                        ContentKind::Text => "text",
                        ContentKind::Html => "html",
                        ContentKind::Pdf => "pdf",
                    },
                    title: c.title.clone().filter(|t| !t.trim().is_empty()),
                    text: (c.kind == ContentKind::Text).then(as_text),
                    html: (c.kind == ContentKind::Html).then(|| sanitize_html(&as_text())),
                    size: (c.kind == ContentKind::Pdf).then(|| size_words(c.data.len())),
                }
            })
            .collect();
        NoteView {
            row: NoteRow::of(n, visits),
            description: n.description.clone(),
            contents,
        }
    }
}

/// The text of a visit's reports (`presentedForm`), shown with the visit's notes. A form whose
/// bytes a note of the visit already holds is left out: Synthea writes each note both as a
/// DocumentReference and as its report's form, and a reader should not read it twice.
pub fn report_texts(
    reports: &[DiagnosticReport],
    visit: &str,
    notes: &[ClinicalNote],
) -> Vec<NoteView> {
    let mut out = Vec::new();
    for d in reports
        .iter()
        .filter(|d| d.encounter.as_deref() == Some(visit))
    {
        let mut contents = Vec::new();
        for a in &d.presented_forms {
            let (Some(t), Some(b64)) = (a.content_type.as_deref(), a.data.as_deref()) else {
                continue;
            };
            // Checked at import; a form that no longer passes is not shown.
            let Ok((kind, data)) = read_attachment(t, b64) else {
                continue;
            };
            let known = notes
                .iter()
                .flat_map(|n| n.contents.iter())
                .any(|c| c.data == data);
            if known {
                continue;
            }
            contents.push(NoteContent {
                kind,
                content_type: t.to_owned(),
                title: a.title.clone(),
                language: None,
                format: None,
                data,
            });
        }
        if contents.is_empty() {
            continue;
        }
        let note = ClinicalNote {
            fhir_id: String::new(),
            status: "current".into(),
            doc_status: None,
            types: vec![d.code.clone()],
            type_text: Some(super::care_views::report_name(d)),
            categories: Vec::new(),
            date: d.effective.or(d.issued),
            authors: Vec::new(),
            description: None,
            encounter: None,
            period_start: None,
            period_end: None,
            contents,
        };
        out.push(NoteView::of(&note, &HashMap::new()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::notes::NoteContent;

    fn note(kind: ContentKind, data: &[u8]) -> ClinicalNote {
        ClinicalNote {
            fhir_id: "n1".into(),
            status: "superseded".into(),
            doc_status: None,
            types: vec![crate::records::model::Concept::new(
                "http://loinc.org",
                "34117-2",
                "History and physical note",
            )],
            type_text: None,
            categories: vec![],
            date: None,
            authors: vec!["Dr. A".into(), "Clinic B".into()],
            description: None,
            encounter: Some("e-missing".into()),
            period_start: None,
            period_end: None,
            contents: vec![NoteContent {
                kind,
                content_type: "x".into(),
                title: None,
                language: None,
                format: None,
                data: data.to_vec(),
            }],
        }
    }

    #[test]
    fn a_reports_text_joins_its_visits_notes_unless_a_note_already_says_it() {
        use base64::Engine;
        let report = |text: &str| DiagnosticReport {
            fhir_id: "r".into(),
            status: "final".into(),
            code: crate::records::model::Concept::new(
                "http://loinc.org",
                "34117-2",
                "History and physical note",
            ),
            codes: vec![],
            categories: vec![],
            effective: None,
            issued: None,
            results: vec![],
            conclusion: None,
            presented_forms: vec![crate::records::model::Attachment {
                content_type: Some("text/plain".into()),
                title: None,
                data: Some(base64::engine::general_purpose::STANDARD.encode(text)),
                url: None,
            }],
            encounter: Some("e1".into()),
        };
        let same = note(ContentKind::Text, b"Seen today.");
        let shown = report_texts(&[report("Other words.")], "e1", std::slice::from_ref(&same));
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].contents[0].text.as_deref(), Some("Other words."));
        assert!(shown[0].row.id.is_none(), "no page of its own");
        assert!(report_texts(&[report("Seen today.")], "e1", &[same]).is_empty());
        assert!(report_texts(&[report("x")], "another-visit", &[]).is_empty());
    }

    #[test]
    fn html_is_sanitised_text_is_left_to_the_template_and_pdf_is_a_size() {
        let v = NoteView::of(
            &note(
                ContentKind::Html,
                b"<p onclick=\"x()\">Hi</p><script>x()</script>",
            ),
            &HashMap::new(),
        );
        assert_eq!(v.contents[0].html.as_deref(), Some("<p>Hi</p>"));
        assert_eq!(v.contents[0].text, None);
        assert_eq!(v.row.authors.as_deref(), Some("Dr. A, Clinic B"));
        assert!(v.row.visit.is_none(), "an unknown visit is not linked");
        let t = NoteView::of(&note(ContentKind::Text, b"<b>x</b>"), &HashMap::new());
        assert_eq!(t.contents[0].text.as_deref(), Some("<b>x</b>"));
        assert_eq!(t.contents[0].html, None);
        let p = NoteView::of(&note(ContentKind::Pdf, &[0; 2048]), &HashMap::new());
        assert_eq!(p.contents[0].size.as_deref(), Some("2 KB"));
        assert_eq!(p.row.formats, ["PDF"]);
    }

    #[test]
    fn what_a_note_holds_and_its_size_read_in_the_page_s_language() {
        use crate::i18n::{Lang, LANG};
        let mut n = note(ContentKind::Html, b"<p>Hi</p>");
        n.status = "entered-in-error".into();
        let v = LANG.sync_scope(Lang::Es, || NoteView::of(&n, &HashMap::new()));
        assert_eq!(v.row.formats, ["Texto con formato"]);
        assert_eq!(v.row.status_note.as_deref(), Some("Registrada por error"));
        let t = LANG.sync_scope(Lang::Es, || {
            NoteRow::of(&note(ContentKind::Text, b"x"), &HashMap::new())
        });
        assert_eq!(t.formats, ["Texto"]);
        let sizes = |lang| LANG.sync_scope(lang, || [1, 700, 3 * 1024 * 1024 / 2].map(size_words));
        assert_eq!(sizes(Lang::Es), ["1 byte", "700 bytes", "1,5 MB"]);
        assert_eq!(sizes(Lang::En), ["1 byte", "700 bytes", "1.5 MB"]);
        let e = NoteView::of(&n, &HashMap::new());
        assert_eq!(e.row.formats, ["Formatted text"]);
        assert_eq!(e.row.status_note.as_deref(), Some("Entered in error"));
    }

    /// A note its source gives no type is named in the page's language; one with a type keeps
    /// the source's name (#31: the pages showed the export's English "Clinical note").
    #[test]
    fn a_note_without_a_type_is_named_in_the_page_s_language() {
        use crate::i18n::{Lang, LANG};
        let mut n = note(ContentKind::Text, b"x");
        let typed = LANG.sync_scope(Lang::Es, || NoteRow::of(&n, &HashMap::new()));
        assert_eq!(typed.title, "History and physical note");
        n.types.clear();
        let es = LANG.sync_scope(Lang::Es, || NoteRow::of(&n, &HashMap::new()));
        assert_eq!(es.title, "Nota clínica");
        let en = LANG.sync_scope(Lang::En, || NoteRow::of(&n, &HashMap::new()));
        assert_eq!(en.title, "Clinical note");
        assert_eq!(n.title(), "Clinical note", "the export's English stays");
    }
}
