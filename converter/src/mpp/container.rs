//! The OLE2 compound file around every MPP file, and the `\1CompObj` stream that names the
//! format generation and the application that saved it.

use super::bytes::{Named, u32_at};
use super::sector_chains::CutStream;
use crate::error::ConvertError;
use crate::model::FileFormat;
use std::borrow::Cow;
use std::io::{Cursor, Read};

/// The signature every compound file starts with.
const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The compound file, opened over the input bytes.
pub struct Container<'a> {
    cfb: cfb::CompoundFile<Cursor<Cow<'a, [u8]>>>,
    max_stream: usize,
    /// Slack in the container that was taken up to open it.
    repairs: Vec<String>,
    /// Streams whose data runs past the end of the file; reading one fails as truncated.
    cut: Vec<CutStream>,
    /// Bytes of the repaired copy of the input (0 when the input is read as it is).
    copied: usize,
    /// Bytes of stream data still allowed: streams own disjoint sectors of the file, so
    /// together they cannot hold more than the file does.
    unread: usize,
}

/// What the streams read may add up to beyond the input's size: the header, directory
/// and allocation sectors are not stream data, so a real file never comes near it.
const STREAM_SLACK: usize = 64 * 1024;

/// What `\1CompObj` says about the file.
#[derive(Debug, Clone)]
pub struct CompObj {
    /// E.g. `Microsoft Project 9.0`, `Microsoft.Project 14.0`.
    pub application: String,
    /// E.g. `MSProject.MPP14`.
    pub format: String,
}

impl CompObj {
    /// The major version number of the saving application (9, 12, 14, 15, 16).
    pub fn application_version(&self) -> Option<u16> {
        let tail = self.application.rsplit([' ', '.']).nth(1)?;
        tail.parse().ok()
    }

    /// The generation and template flag named by the format string.
    pub fn file_format(&self) -> Result<(FileFormat, bool), ConvertError> {
        let format = self.format.trim();
        let (kind, number) = format
            .strip_prefix("MSProject.")
            .map(|rest| {
                let digits = rest.trim_start_matches(|c: char| c.is_ascii_alphabetic());
                (&rest[..rest.len() - digits.len()], digits)
            })
            .ok_or_else(|| ConvertError::NotMpp(format!("the file says it holds \"{format}\"")))?;
        let generation = match number {
            "8" => FileFormat::Mpp8,
            "9" => FileFormat::Mpp9,
            "12" => FileFormat::Mpp12,
            "14" => FileFormat::Mpp14,
            _ => {
                return Err(ConvertError::UnsupportedVersion(format!(
                    "{format} (saved by {})",
                    self.application
                )));
            }
        };
        match kind {
            "MPP" => Ok((generation, false)),
            "MPT" | "GLOBAL" => Ok((generation, true)),
            _ => Err(ConvertError::NotMpp(format!(
                "the file says it holds \"{format}\""
            ))),
        }
    }
}

impl<'a> Container<'a> {
    /// Opens the compound file. Streams larger than `max_stream` bytes are refused.
    pub fn open(input: &'a [u8], max_stream: usize) -> Result<Self, ConvertError> {
        if input.len() < 512 || input.get(..8) != Some(&CFB_MAGIC[..]) {
            return Err(ConvertError::NotMpp(
                "it is not an OLE2 compound file, which every .mpp file is".to_owned(),
            ));
        }
        let repaired = super::repair::repair(input);
        let cut = super::sector_chains::check(&repaired.bytes, input.len())?;
        let copied = match &repaired.bytes {
            Cow::Owned(bytes) => bytes.len(),
            Cow::Borrowed(_) => 0,
        };
        let cfb = cfb::CompoundFile::open(Cursor::new(repaired.bytes)).map_err(|e| {
            ConvertError::Corrupt(format!("the compound file structure is unreadable ({e})"))
        })?;
        Ok(Self {
            cfb,
            max_stream,
            repairs: repaired.warnings,
            cut,
            copied,
            unread: input.len().saturating_add(STREAM_SLACK),
        })
    }

    /// Bytes of the copy of the input made to repair it (0 when none was needed).
    pub fn copied_bytes(&self) -> usize {
        self.copied
    }

    /// Sentences on the slack in the container that was taken up to open it.
    pub fn repairs(&self) -> &[String] {
        &self.repairs
    }

    /// How many streams lose data to the end of the file. Reading one fails, so once a
    /// conversion has read all it needs, these are streams it did not need.
    pub fn cut_streams(&self) -> usize {
        self.cut.len()
    }

    /// True when `path` names a storage.
    pub fn has_storage(&self, path: &str) -> bool {
        self.cfb.is_storage(path)
    }

    /// The bytes of a stream, or `None` when there is no such stream.
    pub fn stream(&mut self, path: &str) -> Result<Option<Vec<u8>>, ConvertError> {
        if !self.cfb.is_stream(path) {
            return Ok(None);
        }
        if let Some(cut) = self.cut.iter().find(|c| c.path.eq_ignore_ascii_case(path)) {
            return Err(ConvertError::Truncated {
                stream: path.trim_start_matches('/').to_owned(),
                offset: cut.offset,
                needed: cut.size.saturating_sub(cut.offset),
            });
        }
        let mut stream = self.cfb.open_stream(path).map_err(|e| {
            ConvertError::Corrupt(format!(
                "stream {} cannot be opened ({e})",
                path.trim_start_matches('/')
            ))
        })?;
        let len = usize::try_from(stream.len()).unwrap_or(usize::MAX);
        if len > self.max_stream || len > self.unread {
            return Err(ConvertError::Corrupt(format!(
                "stream {} claims {len} bytes, more than the file can hold",
                path.trim_start_matches('/')
            )));
        }
        self.unread -= len;
        let mut out = Vec::with_capacity(len);
        stream
            .by_ref()
            .take(self.max_stream as u64)
            .read_to_end(&mut out)
            .map_err(|e| {
                ConvertError::Corrupt(format!(
                    "stream {} cannot be read ({e})",
                    path.trim_start_matches('/')
                ))
            })?;
        Ok(Some(out))
    }

    /// Reads and decodes `\1CompObj`.
    pub fn comp_obj(&mut self) -> Result<CompObj, ConvertError> {
        let path = "/\u{1}CompObj";
        let data = self.stream(path)?.ok_or_else(|| {
            ConvertError::NotMpp(
                "it is an OLE2 file but has no CompObj stream naming a Project format".to_owned(),
            )
        })?;
        let named = Named::new(&data, path);
        let mut off = 28;
        let mut strings = Vec::with_capacity(3);
        for _ in 0..2 {
            let len = named.u32(off)? as usize;
            let text = named.slice(off + 4, len.min(data.len()))?;
            strings.push(
                text.iter()
                    .take_while(|b| **b != 0)
                    .map(|b| char::from(*b))
                    .collect::<String>(),
            );
            off += 4 + len;
        }
        let _ = u32_at(&data, off); // the ProgID follows; not needed
        let mut it = strings.into_iter();
        let application = it.next().unwrap_or_default();
        let format = it.next().unwrap_or_default();
        if !application.contains("Project") {
            return Err(ConvertError::NotMpp(format!(
                "it was written by \"{application}\", not Microsoft Project"
            )));
        }
        Ok(CompObj {
            application,
            format,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A version 3 compound file (512-byte sectors) holding `streams`, in that order.
    fn compound(streams: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let created =
            cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()));
        let mut cfb = match created {
            Ok(c) => c,
            Err(e) => unreachable!("an in-memory compound file: {e}"),
        };
        for (name, data) in streams {
            let written = cfb.create_stream(name).and_then(|mut s| s.write_all(data));
            assert!(written.is_ok());
        }
        assert!(cfb.flush().is_ok());
        cfb.into_inner().into_inner()
    }

    /// Distinct bytes, so that a stream read from the wrong place or padding shows.
    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        let mut state = u32::from(seed).wrapping_mul(0x9E37_79B9) | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state & 0xFF) as u8
            })
            .collect()
    }

    /// Two regular streams and a small one, the last regular stream ending 120 bytes short
    /// of its last sector, which is the file's last.
    fn sample() -> (Vec<u8>, Vec<(&'static str, Vec<u8>)>) {
        let streams = vec![
            ("/first", pattern(9000, 1)),
            ("/small", pattern(300, 2)),
            ("/last", pattern(4488, 3)),
        ];
        let file = compound(&streams);
        let last = pattern(4488, 3);
        let tail = last.get(4096..).unwrap_or_default();
        let at = file.windows(tail.len()).position(|w| w == tail);
        assert!(
            file.get(file.len() - 512..file.len() - 120) == Some(tail),
            "the test expects /last to end the file: its last sector is at {at:?} of {}",
            file.len()
        );
        (file, streams)
    }

    fn set_u32(file: &mut [u8], at: usize, value: u32) {
        if let Some(slot) = file.get_mut(at..at + 4) {
            slot.copy_from_slice(&value.to_le_bytes());
        }
    }

    /// Opens `file` and checks that every stream reads as written; gives the warnings.
    fn reads_whole(file: &[u8], streams: &[(&str, Vec<u8>)]) -> Vec<String> {
        let mut container = match Container::open(file, 1 << 20) {
            Ok(c) => c,
            Err(e) => panic!("refused: {e}"),
        };
        for (name, data) in streams {
            let read = container.stream(name);
            assert!(
                matches!(&read, Ok(Some(d)) if d == data),
                "{name} does not read as written"
            );
        }
        assert_eq!(container.cut_streams(), 0);
        container.repairs().to_vec()
    }

    /// The FAT sectors the header lists, and the sectors the file holds.
    fn fat_sectors(file: &[u8]) -> (Vec<u32>, u32) {
        let listed = (0..109)
            .filter_map(|i| u32_at(file, 0x4C + 4 * i))
            .filter(|s| *s < 0xFFFF_FFFA)
            .collect();
        (listed, (file.len().div_ceil(512) - 1) as u32)
    }

    #[test]
    fn a_whole_file_is_opened_as_it_is() {
        let (file, streams) = sample();
        assert!(reads_whole(&file, &streams).is_empty());
    }

    #[test]
    fn fat_entries_past_the_end_of_the_file_are_taken_as_free() {
        let (mut file, streams) = sample();
        let (listed, in_file) = fat_sectors(&file);
        let Some(&last_fat) = listed.last() else {
            panic!("no FAT sector")
        };
        let first = (listed.len() as u32 - 1) * 128;
        for sector in in_file..first + 128 {
            let at = (last_fat as usize + 1) * 512 + 4 * (sector - first) as usize;
            // What a writer that reserved room would leave: a chain over the missing sectors.
            set_u32(
                &mut file,
                at,
                if sector + 1 < first + 128 {
                    sector + 1
                } else {
                    0xFFFF_FFFE
                },
            );
        }
        assert!(cfb::CompoundFile::open(Cursor::new(&file[..])).is_err());
        let warnings = reads_whole(&file, &streams);
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("past the end of the file")),
            "{warnings:?}"
        );
    }

    #[test]
    fn fat_and_difat_sectors_listed_past_the_end_are_left_out() {
        let (mut file, streams) = sample();
        let (listed, in_file) = fat_sectors(&file);
        // The header claims two more FAT sectors, listed past the end, and a DIFAT sector
        // past the end.
        set_u32(&mut file, 0x2C, listed.len() as u32 + 2);
        set_u32(&mut file, 0x4C + 4 * listed.len(), in_file + 3);
        set_u32(&mut file, 0x4C + 4 * (listed.len() + 1), in_file + 4);
        set_u32(&mut file, 0x44, in_file + 9);
        set_u32(&mut file, 0x48, 1);
        assert!(cfb::CompoundFile::open(Cursor::new(&file[..])).is_err());
        let warnings = reads_whole(&file, &streams);
        assert!(
            warnings.iter().any(|w| w.contains("header declares")),
            "{warnings:?}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("list of allocation sectors")),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_short_last_sector_is_read_when_no_stream_needs_the_missing_part() {
        let (mut file, streams) = sample();
        file.truncate(file.len() - 100);
        let warnings = reads_whole(&file, &streams);
        assert!(
            warnings.iter().any(|w| w.contains("ends 412 bytes into")),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_stream_cut_off_by_the_end_of_the_file_is_truncated() {
        let (file, _) = sample();
        for cut in [121, 512, 700] {
            let short = file.get(..file.len() - cut).unwrap_or_default();
            let mut container = match Container::open(short, 1 << 20) {
                Ok(c) => c,
                Err(e) => panic!("cut by {cut}: refused: {e}"),
            };
            assert!(
                matches!(container.stream("/first"), Ok(Some(d)) if d == pattern(9000, 1)),
                "cut by {cut}: a whole stream does not read"
            );
            let result = container.stream("/last");
            assert!(
                matches!(&result, Err(ConvertError::Truncated { stream, .. }) if stream == "last"),
                "cut by {cut}: {result:?}"
            );
            if let Err(e) = result {
                assert!(e.to_string().contains("truncated"), "{e}");
            }
        }
    }

    #[test]
    fn a_mini_stream_cut_off_by_the_end_of_the_file_is_truncated() {
        // The mini-stream (the root entry's sectors) is written last here.
        let streams = vec![("/big", pattern(5000, 4)), ("/tiny", pattern(1000, 5))];
        let file = compound(&streams);
        let Some(start) = file.windows(64).position(|w| w == &pattern(1000, 5)[..64]) else {
            panic!("/tiny is not in the file")
        };
        let short = file.get(..start + 700).unwrap_or_default();
        let mut container = match Container::open(short, 1 << 20) {
            Ok(c) => c,
            Err(e) => panic!("refused: {e}"),
        };
        assert!(matches!(container.stream("/big"), Ok(Some(d)) if d == streams[0].1));
        let result = container.stream("/tiny");
        assert!(
            matches!(&result, Err(ConvertError::Truncated { offset: 640, .. })),
            "{result:?}"
        );
    }

    fn comp_obj(application: &str, format: &str) -> CompObj {
        CompObj {
            application: application.to_owned(),
            format: format.to_owned(),
        }
    }

    #[test]
    fn format_string_picks_the_generation() {
        let c = comp_obj("Microsoft.Project 14.0", "MSProject.MPP14");
        assert_eq!(c.file_format().ok(), Some((FileFormat::Mpp14, false)));
        assert_eq!(c.application_version(), Some(14));
        let t = comp_obj("Microsoft Project 9.0", "MSProject.MPT9");
        assert_eq!(t.file_format().ok(), Some((FileFormat::Mpp9, true)));
        assert_eq!(t.application_version(), Some(9));
        let old = comp_obj("Microsoft Project 4.0", "MSProject.MPP4");
        assert!(matches!(
            old.file_format(),
            Err(ConvertError::UnsupportedVersion(_))
        ));
        let word = comp_obj("Microsoft Project 9.0", "Word.Document.8");
        assert!(matches!(word.file_format(), Err(ConvertError::NotMpp(_))));
    }

    #[test]
    fn non_cfb_input_is_not_mpp() {
        assert!(matches!(
            Container::open(b"hello", 1 << 20),
            Err(ConvertError::NotMpp(_))
        ));
        let zeros = vec![0u8; 4096];
        assert!(matches!(
            Container::open(&zeros, 1 << 20),
            Err(ConvertError::NotMpp(_))
        ));
        let mut bad = CFB_MAGIC.to_vec();
        bad.resize(4096, 0xFF);
        assert!(matches!(
            Container::open(&bad, 1 << 20),
            Err(ConvertError::Corrupt(_))
        ));
    }
}
