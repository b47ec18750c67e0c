//! An appointment as an iCalendar file (RFC 5545): CRLF line endings, content lines folded at
//! 75 octets (never inside a UTF-8 character), text escaped, times in UTC (`...Z`) so no
//! VTIMEZONE is needed and every calendar app agrees on the instant.
//!
//! The file says who and where, never why: calendars are often synced to other services.

use chrono::{DateTime, Utc};

pub struct Event<'a> {
    /// Globally unique and stable: the same appointment downloaded twice updates one event.
    pub uid: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: &'a str,
    pub location: Option<&'a str>,
    pub url: Option<&'a str>,
    pub cancelled: bool,
}

const MAX_OCTETS: usize = 75;

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT value escaping (RFC 5545 3.3.11).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded: no physical line longer than 75 octets (the CRLF not counted),
/// continuation lines start with one space (RFC 5545 3.1).
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > MAX_OCTETS {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
    out
}

/// The whole calendar file with one event.
pub fn calendar(event: &Event<'_>, now: DateTime<Utc>) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//patient-portal//appointments//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", escape(&event.uid)),
        format!("DTSTAMP:{}", stamp(now)),
        format!("DTSTART:{}", stamp(event.start)),
        format!("DTEND:{}", stamp(event.end)),
        format!("SUMMARY:{}", escape(event.summary)),
    ];
    if let Some(location) = event.location.filter(|l| !l.is_empty()) {
        lines.push(format!("LOCATION:{}", escape(location)));
    }
    if let Some(url) = event.url {
        lines.push(format!("URL:{url}"));
    }
    lines.push(format!(
        "STATUS:{}",
        if event.cancelled {
            "CANCELLED"
        } else {
            "CONFIRMED"
        }
    ));
    lines.push("END:VEVENT".to_string());
    lines.push("END:VCALENDAR".to_string());
    lines.iter().map(|l| fold(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let line = format!("LOCATION:{}", "Zürich Straße ".repeat(20));
        let folded = fold(&line);
        assert!(folded.ends_with("\r\n"));
        for physical in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        let unfolded = folded.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line);
    }

    #[test]
    fn text_is_escaped_and_the_file_has_what_calendars_need() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let start = Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).single().unwrap();
        let text = calendar(
            &Event {
                uid: "abc@localhost".into(),
                start,
                end: start + chrono::Duration::minutes(20),
                summary: "Appointment with Dr Casey",
                location: Some("Room 4, Main Street"),
                url: None,
                cancelled: false,
            },
            start,
        );
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(text.contains("\r\nDTSTART:20260301T093000Z\r\n"));
        assert!(text.contains("\r\nDTEND:20260301T095000Z\r\n"));
        assert!(text.contains("\r\nLOCATION:Room 4\\, Main Street\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
    }
}
