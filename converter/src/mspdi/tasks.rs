//! `<Tasks>`.

use super::xml::Out;
use crate::error::ConvertError;
use crate::model::Project;

/// Writes the `Tasks` container.
pub fn write(out: &mut Out, project: &Project) -> Result<(), ConvertError> {
    let _ = project;
    out.empty("Tasks")
}
