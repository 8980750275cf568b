//! Decoders for the value encodings of MPP files (dates, times, durations, money, GUIDs).

use super::bytes::{array, u16_at};
use crate::model::{DateTime, Guid, Time};
use chrono::{Duration as Span, NaiveDate};

/// Day 0 of every MPP date: 1983-12-31 00:00.
pub fn epoch() -> DateTime {
    NaiveDate::from_ymd_opt(1983, 12, 31)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

/// A `u16` count of days since the epoch; 65535 means none.
pub fn date_from_days(days: u16) -> Option<DateTime> {
    if days == 65535 {
        return None;
    }
    epoch().checked_add_signed(Span::days(i64::from(days)))
}

/// Tenths of a minute after midnight, to whole minutes (Project never shows seconds here).
pub fn time_from_tenths(tenths: u16) -> Time {
    let minutes = (u32::from(tenths) / 10) % (24 * 60);
    Time::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap_or_default()
}

/// A 4-byte timestamp: `u16` time in tenths of a minute, then `u16` days since the epoch.
/// Days ≤ 1, 65535 or under 100 with seconds are Project's "NA".
pub fn timestamp(data: &[u8], off: usize) -> Option<DateTime> {
    let tenths = u16_at(data, off)?;
    let days = u16_at(data, off + 2)?;
    if days <= 1 || days == 65535 {
        return None;
    }
    let time = if tenths == 65535 {
        0
    } else {
        i64::from(tenths)
    };
    let date = epoch().checked_add_signed(Span::days(i64::from(days)))?;
    let value = date.checked_add_signed(Span::seconds(time * 6))?;
    Some(value)
}

/// A 16-byte GUID; all zero means none.
pub fn guid(data: &[u8], off: usize) -> Option<Guid> {
    let g = Guid(array(data, off)?);
    (!g.is_nil()).then_some(g)
}

/// Work and costs below these magnitudes are rounding noise Project shows as zero.
pub fn clean_work(thousandths_of_minute: f64) -> f64 {
    if thousandths_of_minute.is_nan() || thousandths_of_minute.abs() < 1000.0 {
        0.0
    } else {
        thousandths_of_minute / 1000.0
    }
}

/// Costs are stored in hundredths of the currency unit.
pub fn clean_cost(hundredths: f64) -> f64 {
    if hundredths.is_nan() || hundredths.abs() < 0.1 {
        0.0
    } else {
        hundredths / 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_decodes_project_start() {
        // Project start of a real MPP14 file: time 0x12C0 (08:00), day 0x204F.
        let data = [0xC0, 0x12, 0x4F, 0x20];
        let ts = timestamp(&data, 0).map(|t| t.to_string());
        assert_eq!(ts.as_deref(), Some("2006-08-23 08:00:00"));
        assert_eq!(timestamp(&[0xFF, 0xFF, 0xFF, 0xFF], 0), None);
        assert_eq!(timestamp(&[0, 0], 0), None);
    }

    #[test]
    fn times_are_tenths_of_minutes() {
        assert_eq!(time_from_tenths(4800).to_string(), "08:00:00");
        assert_eq!(time_from_tenths(10200).to_string(), "17:00:00");
        assert_eq!(time_from_tenths(14400).to_string(), "00:00:00");
    }

    #[test]
    fn noise_is_zero() {
        assert_eq!(clean_work(999.0), 0.0);
        assert_eq!(clean_work(2_400_000.0), 2400.0);
        assert_eq!(clean_cost(500_000.0), 5000.0);
        assert_eq!(clean_cost(f64::NAN), 0.0);
    }
}
