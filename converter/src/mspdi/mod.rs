//! Writing MSPDI (Microsoft Project's XML) from the model, in the element order Microsoft
//! Project itself writes (checked by `shared/tools/mspdi_order.py`).

mod assignments;
mod calendars;
mod custom;
mod project;
mod resources;
mod tasks;
pub mod xml;

use crate::error::ConvertError;
use crate::model::Project;
use xml::Out;

/// MSPDI's namespace.
pub const NAMESPACE: &str = "http://schemas.microsoft.com/project";

/// Writes `project` as an MSPDI document.
pub fn write(project: &Project) -> Result<Vec<u8>, ConvertError> {
    let mut out = Out::new()?;
    out.start_ns("Project", Some(NAMESPACE))?;
    project::write_properties(&mut out, project)?;
    custom::write_definitions(&mut out, project)?;
    calendars::write(&mut out, project)?;
    tasks::write(&mut out, project)?;
    resources::write(&mut out, project)?;
    assignments::write(&mut out, project)?;
    out.end("Project")?;
    Ok(out.finish())
}
