//! The OLE property-set streams (MS-OLEPS) every Project file carries beside its own data:
//! `\5SummaryInformation` (title, author, dates…) and `\5DocumentSummaryInformation`
//! (company, manager, category). Project keeps the document properties the user sees here;
//! its own `Props` copies are only a fallback.
//!
//! Only the scalar property types these streams use are decoded; anything else (vectors,
//! blobs, thumbnails) is skipped. Every read is bounds-checked, and a damaged stream gives
//! fewer properties, never an error: Project itself opens files whose property sets are
//! missing or corrupt.

use super::bytes::{ansi_string, slice, u16_at, u32_at, utf16_string};
use crate::model::DateTime;
use chrono::{NaiveDate, TimeDelta};
use foldhash::{HashMap, HashMapExt};

/// FMTID of the summary information section, in its on-disk byte order.
const SUMMARY_FMTID: [u8; 16] = [
    0xE0, 0x85, 0x9F, 0xF2, 0xF9, 0x4F, 0x68, 0x10, 0xAB, 0x91, 0x08, 0x00, 0x2B, 0x27, 0xB3, 0xD9,
];
/// FMTID of the document summary information section (the first section of its stream).
const DOC_SUMMARY_FMTID: [u8; 16] = [
    0x02, 0xD5, 0xCD, 0xD5, 0x9C, 0x2E, 0x1B, 0x10, 0x93, 0x97, 0x08, 0x00, 0x2B, 0x2C, 0xF9, 0xAE,
];

/// A stream header is 28 bytes, then 20 bytes (FMTID + offset) per section.
const HEADER_SIZE: usize = 28;
/// A real stream has one or two sections; more is damage, and is not walked.
const MAX_SECTIONS: u32 = 16;
/// A section lists its properties in a table of 8-byte entries; cap the walk so that a lying
/// count cannot cost more than the bytes present.
const MAX_PROPERTIES: u32 = 4096;

/// Property id of the code page every section may declare (`VT_I2`).
const PID_CODEPAGE: u32 = 1;
/// Code pages that change how 8-bit strings (`VT_LPSTR`) are stored.
const CP_UTF16: u16 = 1200;
const CP_UTF8: u16 = 65001;
/// Windows-1252, what western systems write; 0 (no code page) and US-ASCII read the same.
const CP_WESTERN: u16 = 1252;
const CP_UNSET: u16 = 0;
const CP_ASCII: u16 = 20127;

/// Property types (the `VT_*` codes of MS-OLEPS) that this reader understands.
const VT_I2: u16 = 0x0002;
const VT_I4: u16 = 0x0003;
const VT_BOOL: u16 = 0x000B;
const VT_UI2: u16 = 0x0012;
const VT_UI4: u16 = 0x0013;
const VT_LPSTR: u16 = 0x001E;
const VT_LPWSTR: u16 = 0x001F;
const VT_FILETIME: u16 = 0x0040;

/// FILETIME ticks (100 ns) per second.
const TICKS_PER_SECOND: u64 = 10_000_000;

/// One decoded property value.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Int(i64),
    Text(String),
    Time(DateTime),
}

/// One section's properties, decoded when asked for: a crafted section may point thousands of
/// entries at one long string, and decoding each would copy it thousands of times.
#[derive(Debug, Default)]
struct Section {
    /// The section's bytes (offsets are relative to its start).
    data: Vec<u8>,
    /// The section's code page, for 8-bit strings.
    codepage: u16,
    /// Where each property id's entries point, the first few of each id in table order.
    offsets: HashMap<u32, Vec<usize>>,
}

/// Entries of one id tried before giving up: a real section has one per id.
const TRIED_PER_ID: usize = 4;

impl Section {
    /// Finds the section `fmtid` in a property-set stream and indexes its properties.
    fn find(data: &[u8], fmtid: &[u8; 16]) -> Option<Self> {
        if u16_at(data, 0)? != 0xFFFE {
            return None;
        }
        let count = u32_at(data, 24)?.min(MAX_SECTIONS) as usize;
        (0..count).find_map(|i| {
            let entry = HEADER_SIZE + i * 20;
            if slice(data, entry, 16)? != fmtid.as_slice() {
                return None;
            }
            let offset = u32_at(data, entry + 16)? as usize;
            Some(Self::parse(data.get(offset..)?))
        })
    }

    /// Indexes a section that starts at the beginning of `data`. Offsets inside a section
    /// are relative to its start, and nothing may lie beyond its declared size.
    fn parse(data: &[u8]) -> Self {
        let declared = u32_at(data, 0).map_or(0, |n| n as usize);
        let data = data.get(..declared.min(data.len())).unwrap_or_default();
        let count = u32_at(data, 4).unwrap_or(0).min(MAX_PROPERTIES) as usize;
        let mut offsets: HashMap<u32, Vec<usize>> = HashMap::new();
        for i in 0..count {
            let at = 8 + i * 8;
            let (Some(id), Some(off)) = (u32_at(data, at), u32_at(data, at + 4)) else {
                break;
            };
            let tried = offsets.entry(id).or_default();
            if tried.len() < TRIED_PER_ID {
                tried.push(off as usize);
            }
        }
        let mut section = Self {
            data: data.to_vec(),
            codepage: 0,
            offsets,
        };
        // The code page decides how the 8-bit strings read, wherever it sits in the table.
        // (Read raw: code page 65001, UTF-8, is stored as a VT_I2 and would read negative.)
        section.codepage = section
            .offsets
            .get(&PID_CODEPAGE)
            .and_then(|offs| offs.first())
            .and_then(|&off| match u16_at(&section.data, off)? {
                VT_I2 | VT_UI2 => u16_at(&section.data, off + 4),
                _ => None,
            })
            .unwrap_or(0);
        section
    }

    /// The first entry of `id` that decodes (a lying count makes later "entries" garbage).
    fn value(&self, id: u32) -> Option<Value> {
        self.offsets
            .get(&id)?
            .iter()
            .find_map(|off| decode(&self.data, *off, self.codepage))
    }

    /// A non-empty text property.
    fn text(&self, id: u32) -> Option<String> {
        match self.value(id)? {
            Value::Text(s) if !s.is_empty() => Some(s),
            _ => None,
        }
    }

    /// A date property.
    fn time(&self, id: u32) -> Option<DateTime> {
        match self.value(id)? {
            Value::Time(t) => Some(t),
            _ => None,
        }
    }
}

/// Decodes the typed value at `off` (a 2-byte type, 2 bytes of padding, then the value).
fn decode(data: &[u8], off: usize, codepage: u16) -> Option<Value> {
    let kind = u16_at(data, off)?;
    let at = off.checked_add(4)?;
    match kind {
        VT_I2 => Some(Value::Int(i64::from(u16_at(data, at)? as i16))),
        VT_UI2 | VT_BOOL => Some(Value::Int(i64::from(u16_at(data, at)?))),
        VT_I4 => Some(Value::Int(i64::from(u32_at(data, at)? as i32))),
        VT_UI4 => Some(Value::Int(i64::from(u32_at(data, at)?))),
        VT_LPSTR => {
            let size = u32_at(data, at)? as usize;
            let bytes = slice(data, at + 4, size)?;
            let text = ansi_text(bytes, codepage)?;
            Some(Value::Text(text))
        }
        VT_LPWSTR => {
            let chars = u32_at(data, at)? as usize;
            let bytes = slice(data, at + 4, chars.checked_mul(2)?)?;
            Some(Value::Text(utf16_string(bytes)))
        }
        VT_FILETIME => {
            let low = u64::from(u32_at(data, at)?);
            let high = u64::from(u32_at(data, at + 4)?);
            filetime((high << 32) | low).map(Value::Time)
        }
        _ => None,
    }
}

/// An 8-bit string in the section's code page. Western code pages are decoded; text in any
/// other code page is only taken when it is plain ASCII, so that the caller falls back to
/// Project's own UTF-16 copy of the property rather than show garbled characters.
fn ansi_text(bytes: &[u8], codepage: u16) -> Option<String> {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    let text = bytes.get(..end).unwrap_or_default();
    match codepage {
        CP_UTF16 => Some(utf16_string(bytes)),
        CP_UTF8 => Some(String::from_utf8_lossy(text).into_owned()),
        CP_UNSET | CP_WESTERN | CP_ASCII => Some(ansi_string(text)),
        _ if text.is_ascii() => Some(ansi_string(text)),
        _ => None,
    }
}

/// A FILETIME (100 ns ticks since 1601-01-01 UTC) to whole seconds; zero means "not set".
fn filetime(ticks: u64) -> Option<DateTime> {
    if ticks == 0 {
        return None;
    }
    let seconds = i64::try_from(ticks / TICKS_PER_SECOND).ok()?;
    let base = NaiveDate::from_ymd_opt(1601, 1, 1)?.and_hms_opt(0, 0, 0)?;
    base.checked_add_signed(TimeDelta::try_seconds(seconds)?)
}

/// What `\5SummaryInformation` says about the document.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    /// Title.
    pub title: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Author.
    pub author: Option<String>,
    /// Keywords.
    pub keywords: Option<String>,
    /// Comments.
    pub comments: Option<String>,
    /// Template the document was made from.
    pub template: Option<String>,
    /// Who saved last.
    pub last_author: Option<String>,
    /// Revision number, stored as text.
    pub revision: Option<String>,
    /// Creation time, UTC.
    pub created: Option<DateTime>,
    /// Last save time, UTC.
    pub last_saved: Option<DateTime>,
}

impl Summary {
    /// Reads the summary section; a missing or damaged stream gives an empty summary.
    pub fn parse(data: &[u8]) -> Self {
        let Some(s) = Section::find(data, &SUMMARY_FMTID) else {
            return Self::default();
        };
        Self {
            title: s.text(2),
            subject: s.text(3),
            author: s.text(4),
            keywords: s.text(5),
            comments: s.text(6),
            template: s.text(7),
            last_author: s.text(8),
            revision: s.text(9),
            created: s.time(12),
            last_saved: s.time(13),
        }
    }
}

/// What `\5DocumentSummaryInformation` says about the document.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DocSummary {
    /// Category.
    pub category: Option<String>,
    /// Manager.
    pub manager: Option<String>,
    /// Company.
    pub company: Option<String>,
}

impl DocSummary {
    /// Reads the document summary section; a missing or damaged stream gives nothing.
    pub fn parse(data: &[u8]) -> Self {
        let Some(s) = Section::find(data, &DOC_SUMMARY_FMTID) else {
            return Self::default();
        };
        Self {
            category: s.text(2),
            manager: s.text(14),
            company: s.text(15),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One property as (id, type, value bytes after the type word and padding).
    type Prop = (u32, u16, Vec<u8>);

    fn lpstr(text: &[u8]) -> Vec<u8> {
        let mut v = ((text.len() + 1) as u32).to_le_bytes().to_vec();
        v.extend_from_slice(text);
        v.push(0);
        while !v.len().is_multiple_of(4) {
            v.push(0);
        }
        v
    }

    fn lpwstr(text: &str) -> Vec<u8> {
        let units: Vec<u16> = text.encode_utf16().chain([0]).collect();
        let mut v = (units.len() as u32).to_le_bytes().to_vec();
        v.extend(units.iter().flat_map(|u| u.to_le_bytes()));
        while !v.len().is_multiple_of(4) {
            v.push(0);
        }
        v
    }

    /// Builds a one-section stream the way MS-OLEPS lays it out.
    fn stream(fmtid: &[u8; 16], props: &[Prop]) -> Vec<u8> {
        let table = 8 + props.len() * 8;
        let mut body = Vec::new();
        let mut entries = Vec::new();
        for (id, kind, value) in props {
            entries.push((*id, (table + body.len()) as u32));
            body.extend_from_slice(&kind.to_le_bytes());
            body.extend_from_slice(&[0, 0]);
            body.extend_from_slice(value);
        }
        let mut section = ((table + body.len()) as u32).to_le_bytes().to_vec();
        section.extend_from_slice(&(props.len() as u32).to_le_bytes());
        for (id, off) in entries {
            section.extend_from_slice(&id.to_le_bytes());
            section.extend_from_slice(&off.to_le_bytes());
        }
        section.extend_from_slice(&body);

        let mut out = vec![0xFE, 0xFF, 0, 0, 2, 1, 0, 0];
        out.extend_from_slice(&[0; 16]);
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(fmtid);
        out.extend_from_slice(&48u32.to_le_bytes());
        out.extend_from_slice(&section);
        out
    }

    fn filetime_bytes(ticks: u64) -> Vec<u8> {
        ticks.to_le_bytes().to_vec()
    }

    #[test]
    fn reads_the_summary_section() {
        // 2006-03-20 14:54:00 UTC as a FILETIME.
        let created = (1_142_866_440u64 + 11_644_473_600) * TICKS_PER_SECOND;
        let data = stream(
            &SUMMARY_FMTID,
            &[
                (
                    1,
                    VT_I2,
                    1252u16.to_le_bytes().into_iter().chain([0, 0]).collect(),
                ),
                (2, VT_LPSTR, lpstr(b"Caf\xe9 plan")),
                (4, VT_LPSTR, lpstr(b"Jon")),
                (5, VT_LPSTR, lpstr(b"")),
                (9, VT_LPSTR, lpstr(b"3")),
                (12, VT_FILETIME, filetime_bytes(created)),
                (13, VT_FILETIME, filetime_bytes(0)),
                (17, 0x0047, vec![1, 2, 3, 4]),
            ],
        );
        let s = Summary::parse(&data);
        assert_eq!(s.title.as_deref(), Some("Café plan"));
        assert_eq!(s.author.as_deref(), Some("Jon"));
        assert_eq!(s.keywords, None);
        assert_eq!(s.revision.as_deref(), Some("3"));
        assert_eq!(
            s.created.map(|d| d.to_string()).as_deref(),
            Some("2006-03-20 14:54:00")
        );
        assert_eq!(s.last_saved, None);
        // The wrong section id gives nothing from the other stream.
        assert_eq!(DocSummary::parse(&data), DocSummary::default());
    }

    #[test]
    fn reads_the_document_summary_in_utf16_code_page() {
        let company = lpwstr("Tapster Rock");
        let manager: Vec<u8> = {
            let bytes: Vec<u8> = "Mgr\0"
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes())
                .collect();
            let mut v = (bytes.len() as u32).to_le_bytes().to_vec();
            v.extend(bytes);
            v
        };
        let data = stream(
            &DOC_SUMMARY_FMTID,
            &[
                (2, VT_LPWSTR, lpwstr("Cat")),
                (14, VT_LPSTR, manager),
                (15, VT_LPWSTR, company),
                (1, VT_I2, vec![0xB0, 0x04, 0, 0]),
            ],
        );
        let d = DocSummary::parse(&data);
        assert_eq!(d.category.as_deref(), Some("Cat"));
        assert_eq!(d.manager.as_deref(), Some("Mgr"));
        assert_eq!(d.company.as_deref(), Some("Tapster Rock"));
    }

    #[test]
    fn other_code_pages_keep_only_ascii_text() {
        let cyrillic = 1251u16
            .to_le_bytes()
            .into_iter()
            .chain([0, 0])
            .collect::<Vec<u8>>();
        let data = stream(
            &SUMMARY_FMTID,
            &[
                (1, VT_I2, cyrillic),
                (2, VT_LPSTR, lpstr(b"\xcf\xeb\xe0\xed")),
                (4, VT_LPSTR, lpstr(b"Anton")),
            ],
        );
        let s = Summary::parse(&data);
        assert_eq!(s.title, None);
        assert_eq!(s.author.as_deref(), Some("Anton"));
        assert_eq!(ansi_text(b"a\xe9\0zz", 1252).as_deref(), Some("a\u{e9}"));
        assert_eq!(ansi_text("é".as_bytes(), CP_UTF8).as_deref(), Some("é"));
    }

    #[test]
    fn damaged_streams_give_what_fits() {
        let data = stream(
            &SUMMARY_FMTID,
            &[
                (2, VT_LPSTR, lpstr(b"Title")),
                (3, VT_LPSTR, lpstr(b"Subject")),
            ],
        );
        // Every truncation must be survivable, and keep what lies before the cut.
        for cut in 0..data.len() {
            let s = Summary::parse(data.get(..cut).unwrap_or_default());
            assert!(s.subject.is_none() || cut == data.len());
        }
        // A lying string length or property count is bounded by the bytes present.
        let mut lying = data.clone();
        if let Some(b) = lying.get_mut(48 + 8 + 16 + 4 + 3) {
            *b = 0x7F;
        }
        let s = Summary::parse(&lying);
        assert_eq!(s.title, None);
        assert_eq!(s.subject.as_deref(), Some("Subject"));
        let mut many = data;
        if let Some(b) = many.get_mut(48 + 7) {
            *b = 0xFF;
        }
        assert_eq!(Summary::parse(&many).title.as_deref(), Some("Title"));
        assert_eq!(Summary::parse(&[]), Summary::default());
        assert_eq!(
            Summary::parse(&[0xFE, 0xFF, 0, 0, 0xFF, 0xFF]),
            Summary::default()
        );
    }

    #[test]
    fn entries_sharing_one_long_string_are_not_decoded_each() {
        // 4,096 ids (the real ones first), every entry on one 64 KB string.
        let long = vec![b'a'; 64 * 1024];
        let count = 4_096u32;
        let table = 8 + 8 * count as usize;
        let mut section = Vec::new();
        section.extend_from_slice(&0u32.to_le_bytes());
        section.extend_from_slice(&count.to_le_bytes());
        for id in 0..count {
            section.extend_from_slice(&(id + 2).to_le_bytes());
            section.extend_from_slice(&(table as u32).to_le_bytes());
        }
        section.extend_from_slice(&u32::from(VT_LPSTR).to_le_bytes());
        section.extend_from_slice(&(long.len() as u32).to_le_bytes());
        section.extend_from_slice(&long);
        let size = section.len() as u32;
        section.splice(0..4, size.to_le_bytes());
        let parsed = Section::parse(&section);
        assert_eq!(parsed.data.len(), section.len(), "one copy of the section");
        assert_eq!(parsed.text(2).map(|t| t.len()), Some(long.len()));
    }

    fn base_2000() -> DateTime {
        NaiveDate::from_ymd_opt(2000, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default()
    }

    #[test]
    fn random_damage_never_panics() {
        let created = 130_000_000_000_000_000u64;
        let base = stream(
            &SUMMARY_FMTID,
            &[
                (1, VT_I2, vec![0xB0, 0x04, 0, 0]),
                (2, VT_LPSTR, lpstr(b"Title")),
                (8, VT_LPWSTR, lpwstr("Last")),
                (12, VT_FILETIME, filetime_bytes(created)),
            ],
        );
        // A fixed linear congruential sequence: reproducible, no test dependency.
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize
        };
        for _ in 0..5000 {
            let mut data = base.clone();
            for _ in 0..1 + next() % 4 {
                let at = next() % data.len();
                if let Some(b) = data.get_mut(at) {
                    *b = next() as u8;
                }
            }
            let _ = Summary::parse(&data);
            let _ = DocSummary::parse(&data);
        }
    }

    #[test]
    fn filetimes_convert_to_utc() {
        assert_eq!(filetime(0), None);
        assert_eq!(
            filetime(1).map(|d| d.to_string()).as_deref(),
            Some("1601-01-01 00:00:00")
        );
        // The largest FILETIME is year ~60056: it must not overflow on the way.
        assert!(filetime(u64::MAX).is_some_and(|d| d > base_2000()));
    }
}
