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
    /// Writing the XML failed (should not happen when writing to memory).
    #[error("the XML could not be written: {0}")]
    Write(String),
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
            Self::Write(_) => "write",
        }
    }
}
