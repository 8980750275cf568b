//! Numbers, sizes, dates and durations worded for one interface language.

use crate::i18n::Texts;

/// A number with at most `decimals` decimals, trailing zeros dropped, in the language's
/// decimal separator.
pub fn number(t: &Texts, value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    let text = if text == "-0" { "0".to_string() } else { text };
    text.replace('.', &t.decimal_separator.to_string())
}

/// A file size: "512 B", "12.5 KB", "3.4 MB" (powers of 1024).
pub fn size(t: &Texts, bytes: f64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = bytes.max(0.0);
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let decimals = if unit == 0 { 0 } else { 1 };
    format!(
        "{} {}",
        number(t, value, decimals),
        UNITS.get(unit).copied().unwrap_or("B")
    )
}

/// Time taken: "85 ms", "1.2 s".
pub fn millis(t: &Texts, ms: f64) -> String {
    if ms < 1000.0 {
        format!("{} ms", number(t, ms.round(), 0))
    } else {
        format!("{} s", number(t, ms / 1000.0, 1))
    }
}

/// A percentage of a value in 0–100: "50%", "33.3%".
pub fn percent(t: &Texts, value: f64) -> String {
    format!("{}%", number(t, value, 1))
}

/// A date from `YYYY-MM-DDTHH:MM:SS`: "Jan 5, 2024" in English, "05/jan/2024" style in
/// Portuguese ("5 jan 2024"). Empty in, empty out; unreadable text is shown as it is.
pub fn date(t: &Texts, iso: &str) -> String {
    let Some((y, m, d)) = ymd(iso) else {
        return iso.to_string();
    };
    let month = usize::try_from(m - 1)
        .ok()
        .and_then(|i| t.months.get(i))
        .copied()
        .unwrap_or("");
    if t.decimal_separator == ',' {
        format!("{d} {month} {y}")
    } else {
        format!("{month} {d}, {y}")
    }
}

fn ymd(iso: &str) -> Option<(i64, i64, i64)> {
    let date = iso.get(..10)?;
    let mut parts = date.split('-');
    let y = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// Days since 1970-01-01 of `YYYY-MM-DDTHH:MM:SS`, with the time of day as a fraction; for
/// placing Gantt bars.
pub fn day_number(iso: &str) -> Option<f64> {
    let (y, m, d) = ymd(iso)?;
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let hours: f64 = iso.get(11..13).and_then(|h| h.parse().ok()).unwrap_or(0.0);
    let minutes: f64 = iso.get(14..16).and_then(|h| h.parse().ok()).unwrap_or(0.0);
    Some(days as f64 + (hours * 60.0 + minutes) / (24.0 * 60.0))
}

/// A duration from the worker's number and unit code (`d`, `ed`, `h`, `w`, `mo`, `min`, `%`).
pub fn duration(t: &Texts, value: f64, unit: &str) -> String {
    if unit.is_empty() {
        return String::new();
    }
    if unit.ends_with('%') {
        return format!("{}%", number(t, value, 2));
    }
    let (base, elapsed) = match unit.strip_prefix('e') {
        Some(rest) => (rest, true),
        None => (unit, false),
    };
    let (one, many) = match base {
        "min" => t.unit_min,
        "h" => t.unit_hour,
        "w" => t.unit_week,
        "mo" => t.unit_month,
        _ => t.unit_day,
    };
    let word = if (value - 1.0).abs() < f64::EPSILON {
        one
    } else {
        many
    };
    let suffix = if elapsed { t.elapsed } else { "" };
    format!("{} {word}{suffix}", number(t, value, 2))
}

/// The XML file's name for an input: `plan.mpp` → `plan.xml`, `x` → `x.xml`.
pub fn xml_name(input: &str) -> String {
    let stem = match input.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => input,
    };
    format!("{stem}.xml")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, PT_BR};

    #[test]
    fn sizes_and_times() {
        assert_eq!(size(&EN, 512.0), "512 B");
        assert_eq!(size(&EN, 1536.0), "1.5 KB");
        assert_eq!(size(&PT_BR, 3.0 * 1024.0 * 1024.0), "3 MB");
        assert_eq!(size(&PT_BR, 1.3 * 1024.0 * 1024.0), "1,3 MB");
        assert_eq!(millis(&EN, 85.4), "85 ms");
        assert_eq!(millis(&PT_BR, 1234.0), "1,2 s");
        assert_eq!(percent(&EN, 50.0), "50%");
    }

    #[test]
    fn dates_in_each_language() {
        assert_eq!(date(&EN, "2024-01-05T08:00:00"), "Jan 5, 2024");
        assert_eq!(date(&PT_BR, "2024-12-31T17:00:00"), "31 dez 2024");
        assert_eq!(date(&EN, ""), "");
        assert_eq!(date(&EN, "NA"), "NA");
    }

    #[test]
    fn day_numbers_count_from_1970() {
        assert_eq!(day_number("1970-01-01T00:00:00"), Some(0.0));
        assert_eq!(day_number("2000-03-01T12:00:00"), Some(11_017.5));
        assert_eq!(day_number("2024-02-29T00:00:00"), Some(19_782.0));
        assert_eq!(day_number(""), None);
    }

    #[test]
    fn durations_in_each_language() {
        assert_eq!(duration(&EN, 5.0, "d"), "5 days");
        assert_eq!(duration(&EN, 1.0, "d"), "1 day");
        assert_eq!(duration(&PT_BR, 2.5, "h"), "2,5 horas");
        assert_eq!(duration(&PT_BR, 3.0, "ed"), "3 dias (decorrido)");
        assert_eq!(duration(&EN, 0.0, ""), "");
    }

    #[test]
    fn xml_names() {
        assert_eq!(xml_name("plan.mpp"), "plan.xml");
        assert_eq!(xml_name("my.plan.MPT"), "my.plan.xml");
        assert_eq!(xml_name("noext"), "noext.xml");
        assert_eq!(xml_name(".mpp"), ".mpp.xml");
    }
}
