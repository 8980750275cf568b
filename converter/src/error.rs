//! The one error type of the engine. Every message is a sentence a user can act on.

use thiserror::Error;

/// Why a file could not be converted.
#[derive(Debug, Error)]
pub enum ConvertError {
    /// The bytes are not an OLE2 compound file or lack the streams every MPP file has.
    #[error("this is not a Microsoft Project (.mpp) file: {0}")]
    NotMpp(String),
    /// The file is an MPP file of a generation this engine does not read.
    #[error("this Microsoft Project file format is not supported: {0}")]
    UnsupportedVersion(String),
    /// The file needs a password to open.
    #[error(
        "the file is password protected; save it without a password in Microsoft Project and try again"
    )]
    PasswordProtected,
    /// A structure ends before the data it announces.
    #[error("the file is truncated or damaged: {stream} needs {needed} bytes at offset {offset}")]
    Truncated {
        /// Stream (path inside the container) being read.
        stream: String,
        /// Offset of the read.
        offset: usize,
        /// Bytes wanted there.
        needed: usize,
    },
    /// A structure is inconsistent.
    #[error("the file is damaged: {0}")]
    Corrupt(String),
    /// The input is larger than the configured limit.
    #[error("the file is too large: {size} bytes, the limit is {limit} bytes")]
    TooLarge {
        /// Size of the input.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// Writing the XML failed: the destination refused it (a full disk, a closed pipe).
    #[error("the XML could not be written: {0}")]
    Write(String),
    /// Writing one of the other output formats (XLSX, CSV, JSON) failed.
    #[error("the output could not be written: {0}")]
    Export(String),
    /// The file asks for more model memory than the budget for its size allows.
    #[error(
        "this file asks for more memory than a project of its size can hold (over {} MB); it is damaged or was made to exhaust the converter",
        limit.div_ceil(1 << 20)
    )]
    MemoryBudget {
        /// The budget, in bytes.
        limit: u64,
    },
    /// Reading the file needs far more work than a project of its size.
    #[error(
        "reading this file takes far more work than a project of its size needs; it is damaged or was made to exhaust the converter"
    )]
    WorkBudget,
    /// The XML would be larger than the budget for the input's size.
    #[error(
        "the XML would be larger than {} MB, far more than a project of this size writes; the file is damaged or was made to exhaust the converter",
        limit.div_ceil(1 << 20)
    )]
    OutputTooLarge {
        /// The budget, in bytes.
        limit: u64,
    },
    /// The caller stopped the conversion (e.g. its deadline passed).
    #[error("the conversion was stopped before it finished because it ran out of time")]
    Cancelled,
}

impl ConvertError {
    /// A short machine-readable name of the error kind, for metrics and exit codes.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NotMpp(_) => "not_mpp",
            Self::UnsupportedVersion(_) => "unsupported_version",
            Self::PasswordProtected => "password_protected",
            Self::Truncated { .. } => "truncated",
            Self::Corrupt(_) => "corrupt",
            Self::TooLarge { .. } => "too_large",
            Self::Write(_) | Self::Export(_) => "write",
            Self::MemoryBudget { .. } => "memory_budget",
            Self::WorkBudget => "work_budget",
            Self::OutputTooLarge { .. } => "output_budget",
            Self::Cancelled => "cancelled",
        }
    }
}
