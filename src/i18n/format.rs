//! The one place where dates, times, numbers and units are written for a language. The words
//! (month and weekday names, the order of a date's parts, the decimal sign) come from the
//! message files (`locales/*/format.ftl`), so a new language needs no code here.
//!
//! Machine forms (ISO dates in `datetime` attributes, FHIR) never pass through here.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc};

use super::{tr, tr_args, Lang};

fn month(lang: Lang, month: u32) -> String {
    tr(lang, &format!("month-{month}"))
}

fn weekday(lang: Lang, d: chrono::Weekday) -> String {
    tr(lang, &format!("weekday-{}", d.number_from_monday()))
}

/// A date in words: "14 December 1972", "14 de diciembre de 1972".
pub fn date(lang: Lang, d: NaiveDate) -> String {
    tr_args(
        lang,
        "format-date",
        &[
            ("day", i64::from(d.day()).into()),
            ("month", month(lang, d.month()).into()),
            ("year", format!("{}", d.year()).into()),
        ],
    )
}

/// A month and year: "December 1972", "diciembre de 1972".
pub fn month_year(lang: Lang, d: NaiveDate) -> String {
    tr_args(
        lang,
        "format-month-year",
        &[
            ("month", month(lang, d.month()).into()),
            ("year", format!("{}", d.year()).into()),
        ],
    )
}

/// A date with its weekday: "Thursday 14 December 1972", "jueves, 14 de diciembre de 1972".
pub fn date_with_weekday(lang: Lang, d: NaiveDate) -> String {
    tr_args(
        lang,
        "format-date-weekday",
        &[
            ("weekday", weekday(lang, d.weekday()).into()),
            ("date", date(lang, d).into()),
        ],
    )
}

/// A time of day, 24-hour in both languages: "09:05".
pub fn time_of_day<T: Timelike>(t: &T) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// A moment in UTC: "14 December 1972, 09:05 UTC".
pub fn datetime_utc(lang: Lang, unix: i64) -> String {
    match DateTime::<Utc>::from_timestamp(unix, 0) {
        Some(t) => datetime_in(lang, &t, "UTC"),
        None => String::new(),
    }
}

/// A moment in a zone the caller names: "Thursday 14 December 1972, 09:05 EST".
pub fn datetime_in<Tz: TimeZone>(lang: Lang, t: &DateTime<Tz>, zone: &str) -> String {
    tr_args(
        lang,
        "format-datetime",
        &[
            ("date", date(lang, t.date_naive()).into()),
            ("time", time_of_day(&t.time()).into()),
            ("zone", zone.into()),
        ],
    )
}

/// A moment with its weekday, in a zone the caller names:
/// "Thursday 14 December 1972, 09:05 EST", "jueves, 14 de diciembre de 1972, 09:05 EST".
pub fn weekday_datetime_in<Tz: TimeZone>(lang: Lang, t: &DateTime<Tz>, zone: &str) -> String {
    tr_args(
        lang,
        "format-datetime",
        &[
            ("date", date_with_weekday(lang, t.date_naive()).into()),
            ("time", time_of_day(&t.time()).into()),
            ("zone", zone.into()),
        ],
    )
}

/// A number with at most `decimals` places (trailing zeros kept, as a lab reports them),
/// with the language's decimal sign: "7.25" / "7,25".
pub fn number(lang: Lang, value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    localise_decimal(lang, &text)
}

/// A number already written with a decimal point (as a lab or the source gave it), with the
/// language's decimal sign instead.
pub fn localise_decimal(lang: Lang, text: &str) -> String {
    let sign = tr(lang, "format-decimal-sign");
    if sign == "." {
        return text.to_string();
    }
    // Only a point between digits is a decimal sign ("v1.2" or "e.g." stay as they are).
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, c) in chars.iter().enumerate() {
        let between_digits = *c == '.'
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if between_digits {
            out.push_str(&sign);
        } else {
            out.push(*c);
        }
    }
    out
}

/// An amount of money from its cents, grouped and signed as the language writes it, with its
/// currency: "$1,234.50" / "1.234,50 US$"; another currency by its ISO code ("1,234.50 EUR").
pub fn money(lang: Lang, cents: i64, currency: &str) -> String {
    let group = tr(lang, "format-group-sign");
    let decimal = tr(lang, "format-decimal-sign");
    let abs = cents.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push_str(&group);
        }
        grouped.push(c);
    }
    let amount = format!("{grouped}{decimal}{:02}", abs % 100);
    let sign = if cents < 0 { "-" } else { "" };
    let key = if currency == "USD" {
        "format-money-usd"
    } else {
        "format-money-other"
    };
    tr_args(
        lang,
        key,
        &[
            ("sign", sign.into()),
            ("amount", amount.into()),
            ("currency", currency.into()),
        ],
    )
}

/// A quantity: the number in the language's form, a no-break space, the unit as the source
/// gives it (UCUM units are the same in every language): "7,25 mg/dL".
pub fn quantity(lang: Lang, value: &str, unit: &str) -> String {
    let value = localise_decimal(lang, value);
    if unit.is_empty() {
        value
    } else {
        format!("{value}\u{a0}{unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_and_signed_as_the_language_writes_it() {
        assert_eq!(money(Lang::En, 123_456_789, "USD"), "$1,234,567.89");
        assert_eq!(money(Lang::En, -5, "USD"), "-$0.05");
        assert_eq!(money(Lang::En, 123_450, "EUR"), "1,234.50 EUR");
        assert_eq!(money(Lang::Es, 123_456_789, "USD"), "1.234.567,89\u{a0}US$");
        assert_eq!(money(Lang::Es, -5, "USD"), "-0,05\u{a0}US$");
        assert_eq!(money(Lang::Es, 123_450, "EUR"), "1.234,50\u{a0}EUR");
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_read_as_each_language_writes_them() {
        assert_eq!(date(Lang::En, d(1972, 12, 14)), "14 December 1972");
        assert_eq!(date(Lang::Es, d(1972, 12, 14)), "14 de diciembre de 1972");
        assert_eq!(month_year(Lang::Es, d(2024, 1, 3)), "enero de 2024");
        assert_eq!(
            date_with_weekday(Lang::Es, d(1972, 12, 14)),
            "jueves, 14 de diciembre de 1972"
        );
        assert_eq!(
            date_with_weekday(Lang::En, d(1972, 12, 14)),
            "Thursday 14 December 1972"
        );
    }

    #[test]
    fn moments_carry_their_zone() {
        // 1972-12-14 09:05:00 UTC
        assert_eq!(
            datetime_utc(Lang::En, 93_171_900),
            "14 December 1972, 09:05 UTC"
        );
        assert_eq!(
            datetime_utc(Lang::Es, 93_171_900),
            "14 de diciembre de 1972, 09:05 UTC"
        );
    }

    #[test]
    fn spanish_numbers_have_a_decimal_comma() {
        assert_eq!(number(Lang::En, 7.25, 2), "7.25");
        assert_eq!(number(Lang::Es, 7.25, 2), "7,25");
        assert_eq!(number(Lang::Es, 120.0, 0), "120");
        assert_eq!(quantity(Lang::Es, "5.4", "mmol/L"), "5,4\u{a0}mmol/L");
        assert_eq!(quantity(Lang::En, "5.4", "mmol/L"), "5.4\u{a0}mmol/L");
        assert_eq!(localise_decimal(Lang::Es, "3.5-5.0 e.g."), "3,5-5,0 e.g.");
    }
}
