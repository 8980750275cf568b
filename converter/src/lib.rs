//! mpp2xml's engine: reads Microsoft Project `.mpp`/`.mpt` files (Project 2000 to today) and
//! writes MSPDI, the XML Microsoft Project itself writes with "Save As XML".
//!
//! Bytes in, XML out: no file system, no network, so the same code runs on the command line,
//! in a browser's Web Worker (wasm32) and on a server.
//!
//! ```no_run
//! let bytes = std::fs::read("plan.mpp")?;
//! let conversion = converter::convert(&bytes, &mut converter::Options::default())?;
//! std::fs::write("plan.xml", &conversion.xml)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod budget;
pub mod convert;
mod derive;
pub mod error;
pub mod export;
pub mod model;
mod mpp;
pub mod mspdi;

pub use budget::{Allowance, CancelToken, Usage};
pub use convert::{
    Conversion, Limits, Options, ReadProject, Stage, Summary, convert, read_project, write_mspdi,
};
pub use error::ConvertError;
pub use export::{ExportOptions, Format};
