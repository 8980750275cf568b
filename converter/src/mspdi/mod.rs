//! Writing MSPDI (Microsoft Project's XML) from the model, in the element order Microsoft
//! Project itself writes (checked by `shared/tools/mspdi_order.py`).

mod assignments;
mod calendars;
mod custom;
mod project;
mod resources;
mod tasks;
mod working_time;
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
    out.start_ns("Project", Some(NAMESPACE))?;
    project::write_properties(&mut out, project)?;
    custom::write_definitions(&mut out, project)?;
    calendars::write(&mut out, project)?;
    tasks::write(&mut out, project)?;
    resources::write(&mut out, project)?;
    assignments::write(&mut out, project)?;
    out.end("Project")?;
    out.finish()
}
