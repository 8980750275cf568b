//! A thin element writer over quick-xml, and the value formats of MSPDI (dates, durations in
//! hours, numbers in their shortest form). Every text goes through one escape-and-strip path,
//! and every byte through one counter, so the XML of a hostile file stops at its budget.

use crate::budget::Budget;
use crate::error::ConvertError;
use crate::model::{DateTime, Duration, Guid, Time};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
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
    /// Where numbers, dates and durations are formatted before they are written: one
    /// buffer for the whole document instead of a string per field (a document has hundreds
    /// of thousands of them, and the allocator is slow in WebAssembly).
    scratch: String,
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
            scratch: String::with_capacity(64),
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
        let escaped = quick_xml::escape::escape(cleaned.as_ref());
        self.leaf(name, &escaped)
    }

    /// Writes `<name>escaped</name>` on its own line, as quick-xml writes an element with
    /// text content (start, text, end), in one pass instead of three events. Every element
    /// with text is written here and nothing else writes text, so the writer's indentation
    /// always expects a line break before it.
    fn leaf(&mut self, name: &str, escaped: &str) -> Result<(), ConvertError> {
        let result = self.w.write_indent().and_then(|()| {
            let sink = self.w.get_mut();
            sink.write_all(b"<")?;
            sink.write_all(name.as_bytes())?;
            sink.write_all(b">")?;
            sink.write_all(escaped.as_bytes())?;
            sink.write_all(b"</")?;
            sink.write_all(name.as_bytes())?;
            sink.write_all(b">")
        });
        self.check(result)
    }

    /// Formats a value into the scratch buffer with `format`, then writes it as `name`'s
    /// text. The formats used here write digits, signs, `.`, `-`, `:`, letters: nothing to
    /// escape or strip.
    fn formatted(
        &mut self,
        name: &str,
        format: impl FnOnce(&mut String),
    ) -> Result<(), ConvertError> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        format(&mut scratch);
        let result = self.leaf(name, &scratch);
        self.scratch = scratch;
        result
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
        let value = value.into();
        self.formatted(name, |s| push_int(s, value))
    }

    /// A number in its shortest form.
    pub fn num(&mut self, name: &str, value: f64) -> Result<(), ConvertError> {
        self.formatted(name, |s| push_number(s, value))
    }

    /// A date-time, when there is one.
    pub fn date(&mut self, name: &str, value: Option<DateTime>) -> Result<(), ConvertError> {
        match value {
            Some(v) => self.formatted(name, |s| push_datetime(s, v)),
            None => Ok(()),
        }
    }

    /// A duration in MSPDI's hour form.
    pub fn duration(&mut self, name: &str, minutes: f64) -> Result<(), ConvertError> {
        self.formatted(name, |s| push_duration(s, minutes))
    }

    /// A GUID, when there is one.
    pub fn guid(&mut self, name: &str, value: Option<Guid>) -> Result<(), ConvertError> {
        use std::fmt::Write as _;
        match value {
            Some(g) => self.formatted(name, |s| {
                let _ = write!(s, "{g}");
            }),
            None => Ok(()),
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS`. Written digit by digit: every date of the document passes here,
/// and chrono's `format` parses its pattern on each call (a tenth of the writer's time).
/// Years outside 0–9999, which only a damaged file holds, keep chrono's signed form.
pub fn datetime(value: DateTime) -> String {
    let mut out = String::with_capacity(19);
    push_datetime(&mut out, value);
    out
}

fn push_datetime(out: &mut String, value: DateTime) {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write as _;
    match u32::try_from(value.year()) {
        Ok(year) if year <= 9999 => {
            push_digits(out, year, 4);
            out.push('-');
            push_digits(out, value.month(), 2);
            out.push('-');
            push_digits(out, value.day(), 2);
            out.push('T');
            push_hms(out, value.hour(), value.minute(), value.second());
        }
        _ => {
            let _ = write!(out, "{}", value.format("%Y-%m-%dT%H:%M:%S"));
        }
    }
}

/// `HH:MM:SS`.
pub fn time(value: Time) -> String {
    use chrono::Timelike;
    let mut out = String::with_capacity(8);
    push_hms(&mut out, value.hour(), value.minute(), value.second());
    out
}

fn push_hms(out: &mut String, hour: u32, minute: u32, second: u32) {
    push_digits(out, hour, 2);
    out.push(':');
    push_digits(out, minute, 2);
    out.push(':');
    push_digits(out, second, 2);
}

/// The last `width` decimal digits of `value`, zero-padded.
fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u32.pow(place)) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

/// MSPDI duration: hours, minutes and seconds only (`PT80H0M0S`); seconds keep up to two
/// decimals; a negative value carries its sign inside (`PT-8H0M0S`), the form Project reads.
pub fn duration(minutes: f64) -> String {
    let mut out = String::with_capacity(16);
    push_duration(&mut out, minutes);
    out
}

fn push_duration(out: &mut String, minutes: f64) {
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
    out.push_str("PT");
    out.push_str(sign);
    push_uint(out, hours);
    out.push('H');
    push_uint(out, mins);
    out.push('M');
    if secs.is_multiple_of(100) {
        push_uint(out, secs / 100);
    } else {
        push_number(out, secs as f64 / 100.0);
    }
    out.push('S');
}

/// Shortest decimal form: `1`, `0.5`, `352625`, `29908.45`. Rounded to 6 decimals to hide
/// binary noise.
pub fn number(value: f64) -> String {
    let mut out = String::with_capacity(12);
    push_number(&mut out, value);
    out
}

fn push_number(out: &mut String, value: f64) {
    use std::fmt::Write as _;
    if !value.is_finite() {
        out.push('0');
        return;
    }
    let rounded = (value * 1e6).round() / 1e6;
    if rounded == rounded.trunc() && rounded.abs() < 1e15 {
        push_int(out, rounded as i64);
        return;
    }
    let start = out.len();
    let _ = write!(out, "{rounded:.6}");
    // Only the fraction written here is trimmed: `start` keeps what was there before.
    while out.len() > start && out.ends_with('0') {
        out.pop();
    }
    if out.len() > start && out.ends_with('.') {
        out.pop();
    }
}

/// A signed integer in decimal, without `core::fmt`'s machinery.
fn push_int(out: &mut String, value: i64) {
    if value < 0 {
        out.push('-');
    }
    push_uint(out, value.unsigned_abs());
}

fn push_uint(out: &mut String, value: u64) {
    let mut digits = [0u8; 20];
    let mut n = value;
    let mut at = digits.len();
    loop {
        at -= 1;
        if let Some(d) = digits.get_mut(at) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    for &d in digits.get(at..).unwrap_or_default() {
        out.push(char::from(d));
    }
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
    fn dates_and_times_are_written_as_chrono_writes_them() {
        use chrono::NaiveDate;
        for (y, mo, d, h, mi, sec) in [
            (2014, 10, 17, 8, 0, 0),
            (1984, 1, 1, 23, 59, 59),
            (0, 1, 1, 0, 0, 0),
            (9999, 12, 31, 23, 59, 59),
            (10000, 1, 1, 0, 0, 0),
            (-1, 6, 30, 12, 30, 5),
            (262_142, 12, 31, 1, 2, 3),
        ] {
            let Some(value) =
                NaiveDate::from_ymd_opt(y, mo, d).and_then(|day| day.and_hms_opt(h, mi, sec))
            else {
                panic!("bad test date {y}-{mo}-{d}");
            };
            assert_eq!(
                datetime(value),
                value.format("%Y-%m-%dT%H:%M:%S").to_string()
            );
            assert_eq!(time(value.time()), value.format("%H:%M:%S").to_string());
        }
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
