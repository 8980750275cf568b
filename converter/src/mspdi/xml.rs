//! A thin element writer over quick-xml, and the value formats of MSPDI (dates, durations in
//! hours, numbers in their shortest form). Every text goes through one escape-and-strip path.

use crate::error::ConvertError;
use crate::model::{DateTime, Duration, Guid, Time};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// Writes elements with tab indentation, as Microsoft Project does.
pub struct Out {
    w: Writer<Vec<u8>>,
}

fn write_err(e: impl std::fmt::Display) -> ConvertError {
    ConvertError::Write(e.to_string())
}

/// Removes characters XML 1.0 forbids (control characters from old files).
pub fn clean_text(text: &str) -> std::borrow::Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    };
    if text.chars().all(allowed) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.chars().filter(|c| allowed(*c)).collect())
    }
}

impl Out {
    /// Starts a document with MS Project's XML declaration.
    pub fn new() -> Result<Self, ConvertError> {
        let mut w = Writer::new_with_indent(Vec::with_capacity(64 * 1024), b'\t', 1);
        w.write_event(Event::Decl(BytesDecl::new(
            "1.0",
            Some("UTF-8"),
            Some("yes"),
        )))
        .map_err(write_err)?;
        Ok(Self { w })
    }

    /// The finished document.
    pub fn finish(self) -> Vec<u8> {
        self.w.into_inner()
    }

    /// Opens `<name>` (with an optional `xmlns`).
    pub fn start_ns(&mut self, name: &str, xmlns: Option<&str>) -> Result<(), ConvertError> {
        let mut start = BytesStart::new(name);
        if let Some(ns) = xmlns {
            start.push_attribute(("xmlns", ns));
        }
        self.w.write_event(Event::Start(start)).map_err(write_err)
    }

    /// Opens `<name>`.
    pub fn start(&mut self, name: &str) -> Result<(), ConvertError> {
        self.start_ns(name, None)
    }

    /// Closes `</name>`.
    pub fn end(&mut self, name: &str) -> Result<(), ConvertError> {
        self.w
            .write_event(Event::End(BytesEnd::new(name)))
            .map_err(write_err)
    }

    /// Writes `<name/>`, an empty container.
    pub fn empty(&mut self, name: &str) -> Result<(), ConvertError> {
        self.w
            .write_event(Event::Empty(BytesStart::new(name)))
            .map_err(write_err)
    }

    /// Writes `<name>text</name>`; empty text is written as `<name></name>`.
    pub fn text(&mut self, name: &str, text: &str) -> Result<(), ConvertError> {
        let cleaned = clean_text(text);
        self.w
            .create_element(name)
            .write_text_content(BytesText::new(&cleaned))
            .map(|_| ())
            .map_err(write_err)
    }

    /// Writes `<name>text</name>` when there is a value.
    pub fn opt_text(&mut self, name: &str, text: Option<&str>) -> Result<(), ConvertError> {
        match text {
            Some(t) => self.text(name, t),
            None => Ok(()),
        }
    }

    /// A boolean as `1`/`0`.
    pub fn bool(&mut self, name: &str, value: bool) -> Result<(), ConvertError> {
        self.text(name, if value { "1" } else { "0" })
    }

    /// An integer.
    pub fn int(&mut self, name: &str, value: impl Into<i64>) -> Result<(), ConvertError> {
        self.text(name, &value.into().to_string())
    }

    /// A number in its shortest form.
    pub fn num(&mut self, name: &str, value: f64) -> Result<(), ConvertError> {
        self.text(name, &number(value))
    }

    /// A date-time, when there is one.
    pub fn date(&mut self, name: &str, value: Option<DateTime>) -> Result<(), ConvertError> {
        match value {
            Some(v) => self.text(name, &datetime(v)),
            None => Ok(()),
        }
    }

    /// A duration in MSPDI's hour form.
    pub fn duration(&mut self, name: &str, minutes: f64) -> Result<(), ConvertError> {
        self.text(name, &duration(minutes))
    }

    /// A GUID, when there is one.
    pub fn guid(&mut self, name: &str, value: Option<Guid>) -> Result<(), ConvertError> {
        match value {
            Some(g) => self.text(name, &g.to_string()),
            None => Ok(()),
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS`.
pub fn datetime(value: DateTime) -> String {
    value.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// `HH:MM:SS`.
pub fn time(value: Time) -> String {
    value.format("%H:%M:%S").to_string()
}

/// MSPDI duration: hours, minutes and seconds only (`PT80H0M0S`); seconds keep up to two
/// decimals; a negative value carries its sign inside (`PT-8H0M0S`), the form Project reads.
pub fn duration(minutes: f64) -> String {
    let negative = minutes < 0.0;
    let total_hundredths = (minutes.abs() * 6000.0).round() as u64;
    let hours = total_hundredths / 360_000;
    let mins = (total_hundredths / 6000) % 60;
    let secs = total_hundredths % 6000;
    let sign = if negative && total_hundredths > 0 {
        "-"
    } else {
        ""
    };
    let secs_text = if secs.is_multiple_of(100) {
        (secs / 100).to_string()
    } else {
        number(secs as f64 / 100.0)
    };
    format!("PT{sign}{hours}H{mins}M{secs_text}S")
}

/// Shortest decimal form: `1`, `0.5`, `352625`, `29908.45`. Rounded to 6 decimals to hide
/// binary noise.
pub fn number(value: f64) -> String {
    if !value.is_finite() {
        return "0".to_owned();
    }
    let rounded = (value * 1e6).round() / 1e6;
    if rounded == rounded.trunc() && rounded.abs() < 1e15 {
        return format!("{}", rounded as i64);
    }
    let mut s = format!("{rounded:.6}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    s
}

/// A duration's minutes in tenths of a minute, for slack, variances, lags and delays.
pub fn tenths(d: &Duration) -> i64 {
    (d.minutes * 10.0).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_hours_minutes_seconds() {
        assert_eq!(duration(4800.0), "PT80H0M0S");
        assert_eq!(duration(0.0), "PT0H0M0S");
        assert_eq!(duration(66.0 + 5.07 / 60.0), "PT1H6M5.07S");
        assert_eq!(duration(-480.0), "PT-8H0M0S");
    }

    #[test]
    fn numbers_are_shortest() {
        assert_eq!(number(1.0), "1");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(29908.45), "29908.45");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(f64::NAN), "0");
        assert_eq!(number(-3.0), "-3");
    }

    #[test]
    fn text_is_escaped_and_stripped() -> Result<(), ConvertError> {
        let mut out = Out::new()?;
        out.text("Name", "a & b <c>\u{1}\u{0b}")?;
        let xml = String::from_utf8(out.finish()).unwrap_or_default();
        assert!(xml.ends_with("<Name>a &amp; b &lt;c&gt;</Name>"), "{xml}");
        Ok(())
    }
}
