//! Clinical notes (issue #27 item 1): a `DocumentReference`, the note a clinician wrote about a
//! visit, with its content as plain text, HTML or a PDF.
//!
//! The note's domain types live with the rest of the chart's in `model` (re-exported here).
//! This module owns the one check every note's content passes at import (a size
//! bound, base64, a content type we keep, and content that is what its type says) and the one
//! way HTML from a source becomes markup a page may show (`ammonia`'s allow-list: no script, no
//! event handler, no style, no external resource; never a sanitiser of our own). Pure: no
//! storage, no HTTP.

pub use super::model::{ClinicalNote, ContentKind, NoteContent};

/// The most one note's content may hold, decoded. Synthea's notes are a few KiB; a discharge
/// summary as a PDF rarely passes a MiB. Anything larger is refused at import (it would be held
/// in memory whole on its way into and out of the database).
pub const MAX_CONTENT_BYTES: usize = 4 * 1024 * 1024;

/// The content types a note's content may have, as the import message lists them.
pub const KEPT_TYPES: &str = "text/plain, text/html or application/pdf";

/// Checks one attachment of a note (or of a report's `presentedForm`) and decodes it. The
/// error is the problem, worded to follow the field's name in the import message.
pub fn read_attachment(content_type: &str, data: &str) -> Result<(ContentKind, Vec<u8>), String> {
    let mut parts = content_type.split(';');
    let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let kind = match media.as_str() {
        "text/plain" => ContentKind::Text,
        "text/html" => ContentKind::Html,
        "application/pdf" => ContentKind::Pdf,
        _ => {
            return Err(format!(
                "is {content_type:?}; the portal keeps notes as {KEPT_TYPES}"
            ))
        }
    };
    for param in parts {
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_ascii_lowercase();
        if name.trim().eq_ignore_ascii_case("charset")
            && !matches!(value.as_str(), "utf-8" | "utf8" | "us-ascii")
        {
            return Err(format!(
                "has charset {value:?}; the portal reads text as UTF-8 only"
            ));
        }
    }
    // Checked before decoding, so a huge value is never decoded: four characters per three bytes.
    if data.len() / 4 * 3 > MAX_CONTENT_BYTES + 3 {
        return Err(format!(
            "is larger than the {} MiB a note may hold",
            MAX_CONTENT_BYTES / (1024 * 1024)
        ));
    }
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|_| "is not valid base64".to_string())?;
    if bytes.len() > MAX_CONTENT_BYTES {
        return Err(format!(
            "is larger than the {} MiB a note may hold",
            MAX_CONTENT_BYTES / (1024 * 1024)
        ));
    }
    if bytes.is_empty() {
        return Err("is empty".into());
    }
    let is_pdf = bytes.starts_with(b"%PDF-");
    match kind {
        ContentKind::Pdf if !is_pdf => {
            Err(format!("is declared {media} but is not a PDF document"))
        }
        ContentKind::Text | ContentKind::Html if is_pdf => {
            Err(format!("is declared {media} but is a PDF document"))
        }
        ContentKind::Text | ContentKind::Html if std::str::from_utf8(&bytes).is_err() => {
            Err(format!("is declared {media} but is not UTF-8 text"))
        }
        ContentKind::Text | ContentKind::Html if bytes.contains(&0) => {
            Err(format!("is declared {media} but holds binary data"))
        }
        _ => Ok((kind, bytes)),
    }
}

/// HTML from a source as markup a page may show: `ammonia`'s default allow-list (text-level
/// and structural elements, links with `rel="noopener noreferrer"`), without images, since a
/// note's image would be fetched from wherever the source pointed (our CSP blocks it anyway),
/// and without `style`/`class` so the portal's own styles decide how it looks.
pub fn sanitize_html(html: &str) -> String {
    ammonia::Builder::default()
        .rm_tags(&["img"])
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn text_html_and_pdf_are_kept_and_decoded() {
        assert_eq!(
            read_attachment("text/plain; charset=utf-8", &b64(b"All clear.")),
            Ok((ContentKind::Text, b"All clear.".to_vec()))
        );
        assert_eq!(
            read_attachment("TEXT/HTML", &b64(b"<p>Hi</p>")).map(|r| r.0),
            Ok(ContentKind::Html)
        );
        assert_eq!(
            read_attachment("application/pdf", &b64(b"%PDF-1.4\n...")).map(|r| r.0),
            Ok(ContentKind::Pdf)
        );
    }

    #[test]
    fn bad_content_is_refused_with_a_reason() {
        let err = |t: &str, d: &str| read_attachment(t, d).err().unwrap_or_default();
        assert!(err("image/png", &b64(b"x")).contains("text/plain, text/html or application/pdf"));
        assert_eq!(err("text/plain", "not base64!!"), "is not valid base64");
        assert!(err("application/pdf", &b64(b"hello")).contains("not a PDF"));
        assert!(err("text/plain", &b64(b"%PDF-1.4")).contains("is a PDF"));
        assert!(err("text/plain", &b64(&[0xff, 0xfe, 0x00])).contains("not UTF-8"));
        assert!(err("text/plain; charset=latin1", &b64(b"x")).contains("charset"));
        assert_eq!(err("text/plain", ""), "is empty");
        let huge = b64(&vec![b'a'; MAX_CONTENT_BYTES + 1]);
        assert!(err("text/plain", &huge).contains("4 MiB"));
        // Exactly the bound is kept.
        let most = b64(&vec![b'a'; MAX_CONTENT_BYTES]);
        assert!(read_attachment("text/plain", &most).is_ok());
    }

    #[test]
    fn sanitised_html_keeps_the_words_and_drops_what_runs() {
        let out = sanitize_html(
            "<h1 onclick=\"steal()\">Visit</h1><script>alert(1)</script>\
             <p style=\"x\">Take <b>two</b>.</p><a href=\"javascript:alert(1)\">x</a>\
             <img src=\"https://evil.example/p.png\"><iframe src=\"x\"></iframe>",
        );
        assert!(out.contains("<h1>Visit</h1>"), "{out}");
        assert!(out.contains("<b>two</b>"), "{out}");
        for bad in [
            "script",
            "onclick",
            "javascript:",
            "style",
            "<img",
            "iframe",
        ] {
            assert!(!out.contains(bad), "{bad} survived: {out}");
        }
    }
}
