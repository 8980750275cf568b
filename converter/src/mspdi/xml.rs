//! A thin element writer over quick-xml, and the value formats of MSPDI (dates, durations in
//! hours, numbers in their shortest form). Every text goes through one escape-and-strip path,
//! and every byte through one counter, so the XML of a hostile file stops at its budget.

use crate::budget::Budget;
use crate::error::ConvertError;
use crate::model::{DateTime, Duration, Guid, Time};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::io::Write;

/// Bytes gathered before they are handed to a streamed destination: quick-xml writes in
/// many small pieces, and the destination may be a file.
const CHUNK: usize = 64 * 1024;

/// Where the XML goes, behind a counter that refuses to pass the output budget. Every
/// piece lands in `buf` (the whole document when there is no `dest`), so the hot path is one
/// comparison and a copy; draining and the budget's refusal sit on the cold path.
struct Sink<'w> {
    /// A streamed destination; `None` keeps the document in `buf`.
    dest: Option<&'w mut dyn Write>,
    buf: Vec<u8>,
    /// Bytes already handed to `dest`.
    drained: u64,
    /// Most bytes `buf` may hold before a spill: a chunk, or what the budget has left.
    room: usize,
    limit: u64,
    over: bool,
}

impl Sink<'_> {
    fn written(&self) -> u64 {
        self.drained
            .saturating_add(u64::try_from(self.buf.len()).unwrap_or(u64::MAX))
    }

    fn set_room(&mut self) {
        let left = usize::try_from(self.limit.saturating_sub(self.drained)).unwrap_or(usize::MAX);
        self.room = if self.dest.is_some() {
            left.min(CHUNK)
        } else {
            left
        };
    }

    fn drain(&mut self) -> std::io::Result<()> {
        if let Some(dest) = self.dest.as_mut()
            && !self.buf.is_empty()
        {
            dest.write_all(&self.buf)?;
            let len = u64::try_from(self.buf.len()).unwrap_or(u64::MAX);
            self.drained = self.drained.saturating_add(len);
            self.buf.clear();
        }
        self.set_room();
        Ok(())
    }

    #[cold]
    fn spill(&mut self, data: &[u8]) -> std::io::Result<()> {
        let len = u64::try_from(data.len()).unwrap_or(u64::MAX);
        if self.written().saturating_add(len) > self.limit {
            self.over = true;
            return Err(std::io::Error::other("the output budget is spent"));
        }
        self.drain()?;
        match self.dest.as_mut() {
            Some(dest) if data.len() >= CHUNK => {
                dest.write_all(data)?;
                self.drained = self.drained.saturating_add(len);
                self.set_room();
            }
            _ => self.buf.extend_from_slice(data),
        }
        Ok(())
    }
}

impl Write for Sink<'_> {
    #[inline]
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.write_all(data)?;
        Ok(data.len())
    }

    #[inline]
    fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
        if self.buf.len().saturating_add(data.len()) > self.room {
            return self.spill(data);
        }
        self.buf.extend_from_slice(data);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.drain()?;
        match self.dest.as_mut() {
            Some(dest) => dest.flush(),
            None => Ok(()),
        }
    }
}

/// Writes elements with tab indentation, as Microsoft Project does.
pub struct Out<'w> {
    w: Writer<Sink<'w>>,
    budget: &'w Budget,
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

impl<'w> Out<'w> {
    /// Starts a document with MS Project's XML declaration, written to `dest`; at most
    /// `limit` bytes may be written, and loops of the writer spend `budget`'s work.
    pub fn new(
        dest: &'w mut dyn Write,
        limit: u64,
        budget: &'w Budget,
    ) -> Result<Self, ConvertError> {
        Self::with_sink(Some(dest), limit, budget)
    }

    /// Starts a document kept in memory (see [`Out::into_bytes`]).
    pub fn in_memory(limit: u64, budget: &'w Budget) -> Result<Self, ConvertError> {
        Self::with_sink(None, limit, budget)
    }

    fn with_sink(
        dest: Option<&'w mut dyn Write>,
        limit: u64,
        budget: &'w Budget,
    ) -> Result<Self, ConvertError> {
        let capacity = if dest.is_some() { CHUNK } else { 1 << 16 };
        let mut sink = Sink {
            dest,
            buf: Vec::with_capacity(capacity),
            drained: 0,
            room: 0,
            limit,
            over: false,
        };
        sink.set_room();
        let mut out = Self {
            w: Writer::new_with_indent(sink, b'\t', 1),
            budget,
        };
        let decl = Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), Some("yes")));
        let result = out.w.write_event(decl);
        out.check(result)?;
        Ok(out)
    }

    /// Flushes what is buffered; the number of bytes written.
    pub fn finish(mut self) -> Result<u64, ConvertError> {
        let result = self.w.get_mut().flush();
        self.check(result)?;
        Ok(self.w.get_ref().written())
    }

    /// The document written in memory (everything written so far, for a streamed one, is
    /// already at its destination).
    pub fn into_bytes(mut self) -> Result<Vec<u8>, ConvertError> {
        let result = self.w.get_mut().flush();
        self.check(result)?;
        Ok(self.w.into_inner().buf)
    }

    /// The conversion's budgets, for writer loops whose length the file chose.
    pub fn budget(&self) -> &'w Budget {
        self.budget
    }

    /// Bytes the output limit still allows, for writers that size optional output (such
    /// as timephased data) by what is left.
    pub fn spare(&self) -> u64 {
        let sink = self.w.get_ref();
        sink.limit.saturating_sub(sink.written())
    }

    /// Spends `units` of work; the error once the work budget is exhausted.
    pub fn work(&self, units: u64) -> Result<(), ConvertError> {
        if self.budget.work(units) {
            Ok(())
        } else {
            self.budget.check()
        }
    }

    /// Turns a write failure into the error that says why: the budget or the destination.
    #[inline]
    fn check<T, E: std::fmt::Display>(&self, result: Result<T, E>) -> Result<(), ConvertError> {
        match result {
            Ok(_) => Ok(()),
            Err(_) if self.w.get_ref().over => Err(ConvertError::OutputTooLarge {
                limit: self.w.get_ref().limit,
            }),
            Err(e) => Err(ConvertError::Write(e.to_string())),
        }
    }

    /// Opens `<name>` (with an optional `xmlns`).
    pub fn start_ns(&mut self, name: &str, xmlns: Option<&str>) -> Result<(), ConvertError> {
        let mut start = BytesStart::new(name);
        if let Some(ns) = xmlns {
            start.push_attribute(("xmlns", ns));
        }
        let result = self.w.write_event(Event::Start(start));
        self.check(result)
    }

    /// Opens `<name>`.
    pub fn start(&mut self, name: &str) -> Result<(), ConvertError> {
        self.start_ns(name, None)
    }

    /// Closes `</name>`.
    pub fn end(&mut self, name: &str) -> Result<(), ConvertError> {
        let result = self.w.write_event(Event::End(BytesEnd::new(name)));
        self.check(result)
    }

    /// Writes `<name/>`, an empty container.
    pub fn empty(&mut self, name: &str) -> Result<(), ConvertError> {
        let result = self.w.write_event(Event::Empty(BytesStart::new(name)));
        self.check(result)
    }

    /// Writes `<name>text</name>`; empty text is written as `<name></name>`.
    pub fn text(&mut self, name: &str, text: &str) -> Result<(), ConvertError> {
        let cleaned = clean_text(text);
        let result = self
            .w
            .create_element(name)
            .write_text_content(BytesText::new(&cleaned))
            .map(|_| ());
        self.check(result)
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

/// The XML `write` makes, for the writer's tests.
#[cfg(test)]
pub fn xml_of(
    write: impl FnOnce(&mut Out<'_>) -> Result<(), ConvertError>,
) -> Result<String, ConvertError> {
    let budget = Budget::unlimited();
    let mut out = Out::in_memory(u64::MAX, &budget)?;
    write(&mut out)?;
    Ok(String::from_utf8(out.into_bytes()?).unwrap_or_default())
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
        let xml = xml_of(|out| out.text("Name", "a & b <c>\u{1}\u{0b}"))?;
        assert!(xml.ends_with("<Name>a &amp; b &lt;c&gt;</Name>"), "{xml}");
        Ok(())
    }

    #[test]
    fn writing_stops_at_the_output_budget() {
        let budget = Budget::unlimited();
        let mut dest = Vec::new();
        let result = Out::new(&mut dest, 200, &budget).and_then(|mut out| {
            for _ in 0..100 {
                out.text("Name", "0123456789")?;
            }
            out.finish()
        });
        assert!(
            matches!(result, Err(ConvertError::OutputTooLarge { limit: 200 })),
            "{result:?}"
        );
        assert!(
            dest.len() <= 200,
            "nothing past the budget reaches the destination"
        );
    }
}
