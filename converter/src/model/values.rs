//! Small value types shared by the whole model.

use std::fmt;

/// A local wall-clock date and time, as Project stores them (no time zone).
pub type DateTime = chrono::NaiveDateTime;
/// A time of day.
pub type Time = chrono::NaiveTime;

/// The unit a duration is shown in. The numbers are MSPDI's `DurationFormat` codes, which are
/// also the codes MPP files store (before the "estimated" bit is split off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeUnit(pub u16);

impl TimeUnit {
    /// Minutes.
    pub const MINUTES: Self = Self(3);
    /// Elapsed minutes.
    pub const ELAPSED_MINUTES: Self = Self(4);
    /// Hours.
    pub const HOURS: Self = Self(5);
    /// Elapsed hours.
    pub const ELAPSED_HOURS: Self = Self(6);
    /// Days.
    pub const DAYS: Self = Self(7);
    /// Elapsed days.
    pub const ELAPSED_DAYS: Self = Self(8);
    /// Weeks.
    pub const WEEKS: Self = Self(9);
    /// Elapsed weeks.
    pub const ELAPSED_WEEKS: Self = Self(10);
    /// Months.
    pub const MONTHS: Self = Self(11);
    /// Elapsed months.
    pub const ELAPSED_MONTHS: Self = Self(12);
    /// Percent.
    pub const PERCENT: Self = Self(19);
    /// Elapsed percent.
    pub const ELAPSED_PERCENT: Self = Self(20);
    /// "No unit given": the project default applies.
    pub const DEFAULT: Self = Self(21);

    /// The `DurationFormat` code of a duration shown in this unit: the unit's own code, +32
    /// when estimated. Codes outside the known set are hours, the unit MSPDI durations are
    /// written in.
    pub fn format_code(self, estimated: bool) -> u16 {
        let code = match self.0 {
            3..=12 | 19..=21 => self.0,
            _ => Self::HOURS.0,
        };
        if estimated { code + 32 } else { code }
    }

    /// True when `code` is a `DurationFormat` code as files store it: a known unit (21 =
    /// the project default included), with or without the estimated bit.
    pub fn is_format_code(code: u16) -> bool {
        matches!(code & !0x20, 3..=12 | 19..=21)
    }

    /// Whether the unit counts clock time rather than working time (`ed`, `eh`, …).
    pub fn is_elapsed(self) -> bool {
        matches!(self.0, 4 | 6 | 8 | 10 | 12 | 20)
    }
}

/// A span of working (or, with an elapsed unit, calendar) time.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Duration {
    /// Length in minutes. Project stores tenths of a minute, so this is exact to 6 seconds.
    pub minutes: f64,
    /// The unit the user entered or sees; it does not change `minutes`.
    pub unit: TimeUnit,
}

impl Duration {
    /// A duration of `minutes` shown in `unit`.
    pub fn new(minutes: f64, unit: TimeUnit) -> Self {
        Self { minutes, unit }
    }
}

/// A GUID in Microsoft's byte order (first three groups little-endian), as MPP stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    /// True for the all-zero GUID, which Project uses for "none".
    pub fn is_nil(&self) -> bool {
        self.0.iter().all(|b| *b == 0)
    }

    /// Builds a GUID from its canonical text (`XXXXXXXX-XXXX-…`, braces allowed).
    pub fn parse(text: &str) -> Option<Self> {
        let hex: String = text.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        let trimmed = text.trim().trim_start_matches('{').trim_end_matches('}');
        if hex.len() != 32 || trimmed.len() != 36 {
            return None;
        }
        let mut canonical = [0u8; 16];
        for (i, byte) in canonical.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
        }
        // Canonical text order is big-endian; storage order swaps the first three groups.
        let c = canonical;
        Some(Self([
            c[3], c[2], c[1], c[0], c[5], c[4], c[7], c[6], c[8], c[9], c[10], c[11], c[12], c[13],
            c[14], c[15],
        ]))
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{:02X}{:02X}{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
            b[3],
            b[2],
            b[1],
            b[0],
            b[5],
            b[4],
            b[7],
            b[6],
            b[8],
            b[9],
            b[10],
            b[11],
            b[12],
            b[13],
            b[14],
            b[15]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_round_trips_through_text() {
        let text = "B3183276-AA14-4FC8-AF17-DAC52193E898";
        let guid = Guid::parse(text).unwrap_or_default();
        assert_eq!(guid.to_string(), text);
        assert_eq!(guid.0[0], 0x76, "first group is stored little-endian");
        assert_eq!(Guid::parse(&format!("{{{text}}}")), Some(guid));
        assert_eq!(Guid::parse("not a guid"), None);
    }
}
