//! The OLE2 compound file around every MPP file, and the `\1CompObj` stream that names the
//! format generation and the application that saved it.

use super::bytes::{Named, u32_at};
use crate::error::ConvertError;
use crate::model::FileFormat;
use std::io::{Cursor, Read};

/// The signature every compound file starts with.
const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The compound file, opened over the input bytes.
pub struct Container<'a> {
    cfb: cfb::CompoundFile<Cursor<&'a [u8]>>,
    max_stream: usize,
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
        super::sector_chains::check(input)?;
        let cfb = cfb::CompoundFile::open(Cursor::new(input)).map_err(|e| {
            ConvertError::Corrupt(format!("the compound file structure is unreadable ({e})"))
        })?;
        Ok(Self {
            cfb,
            max_stream,
            unread: input.len().saturating_add(STREAM_SLACK),
        })
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
