//! The formats besides MSPDI: XLSX for people, CSV for spreadsheets and scripts, JSON for
//! programs. Each is one function from a read project to bytes, so the command line, the
//! server and the browser worker hand out the same bytes for the same file.
//!
//! The writers only run when asked for: converting to XML never touches this module.
//! Every writer is bounded like the XML writer: rows come from the model (already bounded
//! by the reading budgets), and the bytes produced are checked against the same output
//! allowance the XML has, so a hostile file cannot make any format larger than its XML
//! could be.

pub mod csv;
pub mod json;
mod view;
pub mod xlsx;

use crate::error::ConvertError;
use std::io::Write;

/// An output format of the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// MSPDI, the XML Microsoft Project writes with "Save As XML".
    Xml,
    /// An Excel workbook: tasks, resources, assignments and the project.
    Xlsx,
    /// One CSV file per entity, in a ZIP.
    Csv,
    /// The model as JSON, in the schema `converter/schema/mpp2xml-project.schema.json`.
    Json,
}

impl Format {
    /// Every format, in the order menus list them.
    pub const ALL: [Self; 4] = [Self::Xml, Self::Xlsx, Self::Csv, Self::Json];

    /// The format's name as the command line and the API spell it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Xml => "xml",
            Self::Xlsx => "xlsx",
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }

    /// The format named `name` (case-insensitive), as [`Format::name`] spells it.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The extension of a file holding this format's output. CSV output is several tables,
    /// so it comes as a ZIP.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Xml => "xml",
            Self::Xlsx => "xlsx",
            Self::Csv => "zip",
            Self::Json => "json",
        }
    }

    /// The media type to serve the output with.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Xml => "application/xml",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Csv => "application/zip",
            Self::Json => "application/json",
        }
    }
}

/// Choices that shape an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    /// The CSV field delimiter: `,` by default, `;` for locales whose decimal separator is
    /// a comma (spreadsheets there split CSV on `;`).
    pub csv_delimiter: u8,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            csv_delimiter: b',',
        }
    }
}

/// Writes a project a program built in `format`. Such a model is trusted: no limit but the
/// memory the output takes. (A model read from a file is written with
/// [`crate::ReadProject::export`], under its file's output allowance.)
pub fn write(
    project: &crate::model::Project,
    format: Format,
    options: &ExportOptions,
) -> Result<Vec<u8>, ConvertError> {
    match format {
        Format::Xml => crate::write_mspdi(project),
        Format::Xlsx => xlsx::write(project, u64::MAX),
        Format::Csv => csv::zip(project, options.csv_delimiter, u64::MAX),
        Format::Json => json::write(project, u64::MAX),
    }
}

/// A `Write` into memory that refuses to grow past the output limit, so a format's bytes
/// are bounded while they are produced, not only checked afterwards.
pub(crate) struct Capped {
    pub bytes: Vec<u8>,
    limit: u64,
    pub over: bool,
}

impl Capped {
    pub fn new(limit: u64) -> Self {
        Self {
            bytes: Vec::new(),
            limit,
            over: false,
        }
    }

    /// The bytes, or the output budget error when the limit was reached.
    pub fn finish(self) -> Result<Vec<u8>, ConvertError> {
        if self.over {
            Err(ConvertError::OutputTooLarge { limit: self.limit })
        } else {
            Ok(self.bytes)
        }
    }
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let len = u64::try_from(self.bytes.len().saturating_add(buf.len())).unwrap_or(u64::MAX);
        if len > self.limit {
            self.over = true;
            return Err(std::io::Error::other("output limit reached"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Refuses finished bytes that are larger than the output limit (for writers that build
/// their output whole, like the XLSX library).
pub(crate) fn within(bytes: Vec<u8>, limit: u64) -> Result<Vec<u8>, ConvertError> {
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        Err(ConvertError::OutputTooLarge { limit })
    } else {
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_by_name_and_have_their_extension() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.name()), Some(f));
        }
        assert_eq!(Format::parse("XLSX"), Some(Format::Xlsx));
        assert_eq!(Format::parse("pdf"), None);
        assert_eq!(Format::Csv.extension(), "zip");
    }

    #[test]
    fn capped_output_stops_at_the_limit() {
        let mut c = Capped::new(4);
        assert!(c.write_all(b"abc").is_ok());
        assert!(c.write_all(b"de").is_err());
        assert!(matches!(
            c.finish(),
            Err(ConvertError::OutputTooLarge { limit: 4 })
        ));
        assert!(within(vec![0; 5], 4).is_err());
        assert_eq!(within(vec![0; 4], 4).map(|b| b.len()).ok(), Some(4));
    }
}

#[cfg(test)]
mod roundtrip;
