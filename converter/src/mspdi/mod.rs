//! Writing MSPDI (Microsoft Project's XML) from the model, in the element order Microsoft
//! Project itself writes (checked by `shared/tools/mspdi_order.py`).

mod assignments;
mod calendars;
mod custom;
mod project;
mod resources;
mod tasks;
pub mod xml;

use crate::budget::Budget;
use crate::error::ConvertError;
use crate::model::Project;
use std::io::Write;
use xml::Out;

/// MSPDI's namespace.
pub const NAMESPACE: &str = "http://schemas.microsoft.com/project";

/// Writes `project` as an MSPDI document to `dest`, at most `limit` bytes, spending
/// `budget` in loops; the number of bytes written.
pub fn write(
    project: &Project,
    dest: &mut dyn Write,
    limit: u64,
    budget: &Budget,
) -> Result<u64, ConvertError> {
    let mut out = Out::new(dest, limit, budget)?;
    write_document(&mut out, project)?;
    out.finish()
}

/// Writes `project` as an MSPDI document into memory, at most `limit` bytes, spending
/// `budget` in loops.
pub fn write_to_vec(
    project: &Project,
    limit: u64,
    budget: &Budget,
) -> Result<Vec<u8>, ConvertError> {
    let mut out = Out::in_memory(limit, budget)?;
    write_document(&mut out, project)?;
    out.into_bytes()
}

fn write_document(out: &mut Out<'_>, project: &Project) -> Result<(), ConvertError> {
    out.start_ns("Project", Some(NAMESPACE))?;
    project::write_properties(out, project)?;
    custom::write_definitions(out, project)?;
    calendars::write(out, project)?;
    tasks::write(out, project)?;
    resources::write(out, project)?;
    assignments::write(out, project)?;
    out.end("Project")
}
