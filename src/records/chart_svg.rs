//! The geometry of a result's trend chart, drawn as inline SVG by `records_chart_lab.html`.
//!
//! The page's Content-Security-Policy allows no script and no inline style, so the chart is
//! computed here on the server and the template writes plain SVG elements with presentation
//! attributes. It must read without colour: each series has its own point shape, a result
//! outside the normal range is a filled shape and one inside it a hollow one, and the normal
//! range is a shaded band with dashed edges and a text label. The `<title>` and `<desc>` say
//! what the chart shows in words, and the page's history table is the full text alternative.
//!
//! All text here reaches the page through Tera's escaping; nothing is marked safe.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use super::ranges::Flag;
use crate::i18n::Arg;

/// One result to plot.
#[derive(Debug, Clone)]
pub struct PointIn {
    pub at: DateTime<Utc>,
    pub value: f64,
    /// The value as the page shows it ("86 mg/dL").
    pub text: String,
    pub flag: Option<Flag>,
}

/// One line of the chart (a test, or one part of a multi-part result such as systolic).
#[derive(Debug, Clone)]
pub struct SeriesIn {
    pub name: String,
    /// The unit in words ("mmHg").
    pub unit: String,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// The normal range in words with its unit ("70 to 99 mg/dL").
    pub range_text: Option<String>,
    pub points: Vec<PointIn>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub title: String,
    pub desc: String,
    pub plot: Frame,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    pub y_label: String,
    pub y_label_x: f64,
    pub y_label_y: f64,
    pub x_label_x: f64,
    pub x_label_y: f64,
    pub bands: Vec<Band>,
    pub series: Vec<SeriesView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Frame {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub right: f64,
    pub bottom: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tick {
    pub pos: f64,
    pub label: String,
}

/// A normal range: a shaded rectangle with dashed edges where the range has a bound.
#[derive(Debug, Clone, Serialize)]
pub struct Band {
    pub y: f64,
    pub height: f64,
    pub top_edge: Option<f64>,
    pub bottom_edge: Option<f64>,
    pub label: String,
    pub label_y: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeriesView {
    pub name: String,
    /// "circle", "square", "triangle" or "diamond".
    pub shape: &'static str,
    /// The same shape as a character, for the legend ("○").
    pub symbol: &'static str,
    pub colour: &'static str,
    /// `points` of the connecting polyline; empty for a single result.
    pub line: String,
    pub marks: Vec<Mark>,
}

/// One plotted result. `points` is the polygon of triangles and diamonds; `x`/`y`/`size` the
/// square; `cx`/`cy` the circle's centre.
#[derive(Debug, Clone, Serialize)]
pub struct Mark {
    pub cx: f64,
    pub cy: f64,
    pub x: f64,
    pub y: f64,
    pub size: f64,
    pub points: String,
    /// Filled (the series colour) when outside the normal range, else white.
    pub fill: &'static str,
    /// "3 March 2024: 86 mg/dL, Normal".
    pub label: String,
}

/// The viewBox's width. The stylesheet never draws the chart narrower than this many CSS px
/// (`svg.trend-chart { min-width }`; a narrower screen scrolls it in its region), so the text,
/// 12 units in the template, is never smaller than 12 CSS px. Narrow enough to fit a phone
/// held sideways, or a 1280 px window at 200 % zoom, without scrolling.
const WIDTH: f64 = 520.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 60.0;
const MARK: f64 = 5.0;

const SHAPES: &[(&str, &str)] = &[
    ("circle", "○"),
    ("square", "□"),
    ("triangle", "△"),
    ("diamond", "◇"),
];
const COLOURS: &[&str] = &["#0b5394", "#8a1c1c", "#1e5e2f", "#5b3a8c"];

/// One decimal is plenty for SVG coordinates and keeps the page small.
fn r1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn long_date(t: &DateTime<Utc>) -> String {
    crate::i18n::format::date(crate::i18n::current(), t.date_naive())
}

/// A message of the chart (`locales/*/words.ftl`) in the language of the request (#31).
fn say(key: &str, args: &[(&str, Arg)]) -> String {
    crate::i18n::tr_args(crate::i18n::current(), key, args)
}

/// A result's flag as a word of the page's language (the same words as the result tables).
fn flag_word(f: Flag) -> String {
    let key = match f {
        Flag::High => "flag-high",
        Flag::Low => "flag-low",
        Flag::Normal => "flag-normal",
        Flag::NotComparable => "flag-could-not-be-compared",
    };
    say(key, &[])
}

/// A step of 1, 2 or 5 times a power of ten near `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let f = raw / power;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// A value axis label, with the page's decimal sign (#31).
fn tick_label(v: f64, step: f64) -> String {
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_owned()
    } else {
        s
    };
    crate::i18n::format::localise_decimal(crate::i18n::current(), &s)
}

/// A time axis label in the page's language (#31; `clinical.ftl`): "Mar 2024", "3 Mar 2024";
/// "mar 2024", "3 mar 2024".
fn axis_date(d: NaiveDate, with_day: bool) -> String {
    let month = (
        "month",
        Arg::from(say(&format!("clinical-month-short-{}", d.month()), &[])),
    );
    // Text, not a number: a year is not written with a group separator.
    let year = ("year", Arg::from(d.year().to_string()));
    if with_day {
        say(
            "clinical-axis-day",
            &[("day", Arg::from(d.day().to_string())), month, year],
        )
    } else {
        say("clinical-axis-month", &[month, year])
    }
}

/// The chart, or `None` when there is no finite value to draw.
pub fn build(title: &str, series: &[SeriesIn]) -> Option<Chart> {
    let values: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.value))
        .filter(|v| v.is_finite())
        .collect();
    if values.is_empty() {
        return None;
    }
    let plot = Frame {
        x: LEFT,
        y: TOP,
        width: WIDTH - LEFT - RIGHT,
        height: HEIGHT - TOP - BOTTOM,
        right: WIDTH - RIGHT,
        bottom: HEIGHT - BOTTOM,
    };

    // Value axis: the results and the normal bounds, on round ticks.
    let bounds = series
        .iter()
        .flat_map(|s| [s.low, s.high])
        .flatten()
        .filter(|v| v.is_finite());
    let mut lo = values
        .iter()
        .copied()
        .chain(bounds.clone())
        .fold(f64::INFINITY, f64::min);
    let mut hi = values
        .iter()
        .copied()
        .chain(bounds)
        .fold(f64::NEG_INFINITY, f64::max);
    if hi - lo < 1e-9 {
        let pad = (lo.abs() * 0.1).max(1.0);
        lo -= pad;
        hi += pad;
    }
    let step = nice_step((hi - lo) / 6.0);
    let y0 = (lo / step).floor() * step;
    let y1 = (hi / step).ceil() * step;
    let y_of = |v: f64| r1(plot.bottom - (v - y0) / (y1 - y0) * plot.height);
    let n = ((y1 - y0) / step).round() as usize;
    let y_ticks = (0..=n)
        .map(|i| {
            let v = y0 + step * i as f64;
            Tick {
                pos: y_of(v),
                label: tick_label(v, step),
            }
        })
        .collect();

    // Time axis: the results' span, padded so no point sits on an edge.
    let times: Vec<i64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.at.timestamp()))
        .collect();
    let first = times.iter().copied().min().unwrap_or_default();
    let last = times.iter().copied().max().unwrap_or_default();
    let day = 86_400;
    let (t0, t1) = if last - first < day {
        (first - 15 * day, last + 15 * day)
    } else {
        let pad = (last - first) / 25;
        (first - pad, last + pad)
    };
    let x_of = |t: i64| r1(plot.x + (t - t0) as f64 / (t1 - t0) as f64 * plot.width);
    let x_ticks = time_ticks(t0, t1)
        .into_iter()
        .map(|(t, label)| Tick {
            pos: x_of(t),
            label,
        })
        .collect();

    let bands = series
        .iter()
        .filter(|s| s.low.is_some() || s.high.is_some())
        .map(|s| {
            let top = s
                .high
                .map_or(plot.y, |h| y_of(h).clamp(plot.y, plot.bottom));
            let bottom = s
                .low
                .map_or(plot.bottom, |l| y_of(l).clamp(plot.y, plot.bottom));
            let label = if series.len() > 1 {
                say(
                    "chart-svg-series-normal-range",
                    &[("name", s.name.as_str().into())],
                )
            } else {
                say("chart-svg-normal-range", &[])
            };
            Band {
                y: top,
                height: r1((bottom - top).max(0.0)),
                top_edge: s.high.map(|_| top),
                bottom_edge: s.low.map(|_| bottom),
                label,
                label_y: r1(top + 13.0_f64.min((bottom - top).max(0.0) - 2.0).max(11.0)),
            }
        })
        .collect();

    let views = series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (shape, symbol) = SHAPES[i % SHAPES.len()];
            let colour = COLOURS[i % COLOURS.len()];
            let mut points: Vec<&PointIn> =
                s.points.iter().filter(|p| p.value.is_finite()).collect();
            points.sort_by_key(|p| p.at);
            let coords: Vec<(f64, f64)> = points
                .iter()
                .map(|p| (x_of(p.at.timestamp()), y_of(p.value)))
                .collect();
            let line = if coords.len() > 1 {
                coords
                    .iter()
                    .map(|(x, y)| format!("{x},{y}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                String::new()
            };
            let marks = points
                .iter()
                .zip(&coords)
                .map(|(p, &(cx, cy))| mark(shape, colour, cx, cy, p, s, series.len()))
                .collect();
            SeriesView {
                name: s.name.clone(),
                shape,
                symbol,
                colour,
                line,
                marks,
            }
        })
        .collect();

    Some(Chart {
        width: WIDTH,
        height: HEIGHT,
        title: title.to_owned(),
        desc: describe(series),
        y_label: series
            .iter()
            .map(|s| s.unit.as_str())
            .find(|u| !u.is_empty())
            .map_or_else(|| say("chart-svg-value", &[]), str::to_owned),
        y_label_x: r1(-(plot.y + plot.height / 2.0)),
        y_label_y: 18.0,
        x_label_x: r1(plot.x + plot.width / 2.0),
        x_label_y: HEIGHT - 12.0,
        plot,
        y_ticks,
        x_ticks,
        bands,
        series: views,
    })
}

fn mark(
    shape: &'static str,
    colour: &'static str,
    cx: f64,
    cy: f64,
    p: &PointIn,
    s: &SeriesIn,
    series_count: usize,
) -> Mark {
    let points = match shape {
        "triangle" => format!(
            "{},{} {},{} {},{}",
            r1(cx),
            r1(cy - MARK - 1.0),
            r1(cx + MARK + 1.0),
            r1(cy + MARK),
            r1(cx - MARK - 1.0),
            r1(cy + MARK)
        ),
        "diamond" => format!(
            "{},{} {},{} {},{} {},{}",
            r1(cx),
            r1(cy - MARK - 1.0),
            r1(cx + MARK + 1.0),
            r1(cy),
            r1(cx),
            r1(cy + MARK + 1.0),
            r1(cx - MARK - 1.0),
            r1(cy)
        ),
        _ => String::new(),
    };
    let outside = matches!(p.flag, Some(Flag::High | Flag::Low));
    let mut label = format!("{}: ", long_date(&p.at));
    if series_count > 1 {
        label.push_str(&s.name);
        label.push(' ');
    }
    label.push_str(&p.text);
    if let Some(f) = p.flag {
        label.push_str(&format!(", {}", flag_word(f)));
    }
    Mark {
        cx,
        cy,
        x: r1(cx - MARK),
        y: r1(cy - MARK),
        size: MARK * 2.0,
        points,
        fill: if outside { colour } else { "#ffffff" },
        label,
    }
}

/// Whole years when the span is long, else a few evenly spaced dates.
fn time_ticks(t0: i64, t1: i64) -> Vec<(i64, String)> {
    let (Some(start), Some(end)) = (
        Utc.timestamp_opt(t0, 0).single(),
        Utc.timestamp_opt(t1, 0).single(),
    ) else {
        return Vec::new();
    };
    if t1 - t0 >= 2 * 365 * 86_400 {
        let years: Vec<i32> = (start.year() + 1..=end.year()).collect();
        let every = years.len().div_ceil(8).max(1);
        return years
            .into_iter()
            .step_by(every)
            .filter_map(|y| {
                let jan1 = NaiveDate::from_ymd_opt(y, 1, 1)?.and_hms_opt(0, 0, 0)?;
                Some((jan1.and_utc().timestamp(), y.to_string()))
            })
            .collect();
    }
    let with_day = t1 - t0 <= 120 * 86_400;
    (1..=3)
        .map(|i| {
            let t = t0 + (t1 - t0) * i / 4;
            let label = Utc
                .timestamp_opt(t, 0)
                .single()
                .map(|d| axis_date(d.date_naive(), with_day))
                .unwrap_or_default();
            (t, label)
        })
        .collect()
}

/// The chart in words, for `<desc>`: how many results over what period, the latest, the
/// highest and lowest, and the normal range.
fn describe(series: &[SeriesIn]) -> String {
    let mut parts = Vec::new();
    for s in series {
        let mut pts: Vec<&PointIn> = s.points.iter().filter(|p| p.value.is_finite()).collect();
        pts.sort_by_key(|p| p.at);
        let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
            continue;
        };
        let name = || ("name", Arg::from(s.name.as_str()));
        let latest = ("latest", Arg::from(last.text.as_str()));
        // Sentences of the language, joined by its full stops (the same in both).
        let mut text = if pts.len() == 1 {
            say(
                "chart-svg-desc-one",
                &[name(), ("date", long_date(&first.at).into()), latest],
            )
        } else {
            say(
                "chart-svg-desc-many",
                &[
                    name(),
                    ("count", pts.len().into()),
                    ("first", long_date(&first.at).into()),
                    ("last", long_date(&last.at).into()),
                    latest,
                ],
            )
        };
        if let Some(f) = last.flag {
            text.push(' ');
            text.push_str(&say(
                "chart-svg-desc-flag",
                &[("flag", flag_word(f).into())],
            ));
        }
        if pts.len() > 2 {
            let hi = pts.iter().max_by(|a, b| a.value.total_cmp(&b.value));
            let lo = pts.iter().min_by(|a, b| a.value.total_cmp(&b.value));
            if let (Some(hi), Some(lo)) = (hi, lo) {
                text.push_str(". ");
                text.push_str(&say(
                    "chart-svg-desc-extremes",
                    &[
                        ("highest", hi.text.as_str().into()),
                        ("lowest", lo.text.as_str().into()),
                    ],
                ));
            }
        }
        let outside = pts
            .iter()
            .filter(|p| matches!(p.flag, Some(Flag::High | Flag::Low)))
            .count();
        if let Some(range) = &s.range_text {
            text.push_str(". ");
            text.push_str(&say(
                "chart-svg-desc-range",
                &[
                    ("range", range.as_str().into()),
                    ("outside", outside.into()),
                    ("count", pts.len().into()),
                ],
            ));
        }
        text.push('.');
        parts.push(text);
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(y: i32, value: f64, flag: Option<Flag>) -> PointIn {
        PointIn {
            at: Utc
                .with_ymd_and_hms(y, 3, 3, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            value,
            text: format!("{value} mg/dL"),
            flag,
        }
    }

    fn glucose(points: Vec<PointIn>) -> SeriesIn {
        SeriesIn {
            name: "Glucose".into(),
            unit: "mg/dL".into(),
            low: Some(70.0),
            high: Some(99.0),
            range_text: Some("70 to 99 mg/dL".into()),
            points,
        }
    }

    #[test]
    fn nothing_to_draw_gives_no_chart() {
        assert!(build("x", &[glucose(vec![])]).is_none());
        assert!(build("x", &[]).is_none());
    }

    #[test]
    fn points_band_and_axes_stay_inside_the_plot() {
        let s = glucose(vec![
            point(2019, 120.0, Some(Flag::High)),
            point(2021, 95.0, Some(Flag::Normal)),
            point(2024, 86.0, Some(Flag::Normal)),
        ]);
        let c = build("Glucose over time", &[s]).expect("chart");
        let p = &c.plot;
        for m in &c.series[0].marks {
            assert!(m.cx >= p.x && m.cx <= p.right, "{}", m.cx);
            assert!(m.cy >= p.y && m.cy <= p.bottom, "{}", m.cy);
        }
        // Oldest first, left to right; the high one is filled, the normal ones hollow.
        let marks = &c.series[0].marks;
        assert!(marks[0].cx < marks[1].cx && marks[1].cx < marks[2].cx);
        assert_eq!(marks[0].fill, "#0b5394");
        assert_eq!(marks[2].fill, "#ffffff");
        assert!(marks[0].label.starts_with("3 March 2019: 120 mg/dL, High"));
        // The band lies between its bounds: 99 above 70 on screen.
        let band = &c.bands[0];
        assert!(band.height > 0.0 && band.y >= p.y && band.y + band.height <= p.bottom + 0.1);
        assert!(band.top_edge.is_some() && band.bottom_edge.is_some());
        assert_eq!(
            c.x_ticks
                .iter()
                .map(|t| t.label.as_str())
                .collect::<Vec<_>>(),
            ["2019", "2020", "2021", "2022", "2023", "2024"]
        );
        assert!(c.y_ticks.len() >= 3);
        assert!(
            c.desc
                .contains("3 results from 3 March 2019 to 3 March 2024"),
            "{}",
            c.desc
        );
        assert!(
            c.desc
                .contains("Normal range 70 to 99 mg/dL; 1 of 3 outside it"),
            "{}",
            c.desc
        );
        assert_eq!(c.series[0].line.split(' ').count(), 3);
    }

    #[test]
    fn a_single_result_is_drawn_without_a_line() {
        let c = build("x", &[glucose(vec![point(2024, 86.0, Some(Flag::Normal))])]).expect("chart");
        assert!(c.series[0].line.is_empty());
        assert_eq!(c.series[0].marks.len(), 1);
        assert!(c.desc.contains("1 result, on 3 March 2024"));
    }

    #[test]
    fn the_chart_reads_in_the_language_of_the_page() {
        use crate::i18n::{Lang, LANG};
        let s = glucose(vec![
            point(2019, 120.0, Some(Flag::High)),
            point(2021, 95.0, Some(Flag::Normal)),
            point(2024, 86.0, Some(Flag::Normal)),
        ]);
        let c = LANG
            .sync_scope(Lang::Es, || build("x", &[s]))
            .expect("chart");
        assert!(
            c.desc.contains("3 resultados del 3 de marzo de 2019"),
            "{}",
            c.desc
        );
        assert!(
            c.desc
                .contains("Rango normal: 70 to 99 mg/dL; 1 de 3 fuera de él"),
            "{}",
            c.desc
        );
        assert!(!c.desc.contains("results"), "{}", c.desc);
        assert_eq!(c.bands[0].label, "Rango normal");
        assert!(
            c.series[0].marks[0].label.ends_with(", Alto"),
            "{}",
            c.series[0].marks[0].label
        );
    }

    #[test]
    fn the_axes_are_written_for_the_language_of_the_page() {
        use crate::i18n::{Lang, LANG};
        let at = |m: u32, d: u32, value: f64| PointIn {
            at: Utc
                .with_ymd_and_hms(2024, m, d, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            value,
            text: String::new(),
            flag: None,
        };
        let series = |points: Vec<PointIn>| SeriesIn {
            name: "Potassium".into(),
            unit: "mmol/L".into(),
            low: None,
            high: None,
            range_text: None,
            points,
        };
        let labels = |ticks: &[Tick]| {
            ticks
                .iter()
                .map(|t| t.label.clone())
                .collect::<Vec<_>>()
                .join(" | ")
        };
        // Months apart: months and years; weeks apart: days too.
        let months = || build("x", &[series(vec![at(1, 10, 4.4), at(8, 1, 4.6)])]);
        let weeks = || build("x", &[series(vec![at(1, 10, 4.4), at(3, 1, 4.6)])]);
        let (en, es) = (
            months().expect("chart"),
            LANG.sync_scope(Lang::Es, months).expect("chart"),
        );
        assert!(
            labels(&en.x_ticks).contains("Apr 2024"),
            "{}",
            labels(&en.x_ticks)
        );
        assert!(
            labels(&es.x_ticks).contains("abr 2024"),
            "{}",
            labels(&es.x_ticks)
        );
        assert!(
            !labels(&es.x_ticks).contains("Apr"),
            "{}",
            labels(&es.x_ticks)
        );
        let (en, es) = (
            weeks().expect("chart"),
            LANG.sync_scope(Lang::Es, weeks).expect("chart"),
        );
        assert!(
            labels(&en.x_ticks).contains(" Feb 2024"),
            "{}",
            labels(&en.x_ticks)
        );
        assert!(
            labels(&es.x_ticks).contains(" feb 2024"),
            "{}",
            labels(&es.x_ticks)
        );
        // Values with the language's decimal sign.
        assert!(
            labels(&en.y_ticks).contains("4.5"),
            "{}",
            labels(&en.y_ticks)
        );
        assert!(
            labels(&es.y_ticks).contains("4,5"),
            "{}",
            labels(&es.y_ticks)
        );
        assert!(
            !labels(&es.y_ticks).contains('.'),
            "{}",
            labels(&es.y_ticks)
        );
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_step(23.0), 50.0);
        assert_eq!(nice_step(0.13), 0.2);
        assert_eq!(tick_label(0.4, 0.2), "0.4");
        assert_eq!(tick_label(150.0, 50.0), "150");
    }
}
