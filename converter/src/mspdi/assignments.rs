//! `<Assignments>`.

use super::xml::Out;
use crate::error::ConvertError;
use crate::model::Project;

/// Writes the `Assignments` container.
pub fn write(out: &mut Out, project: &Project) -> Result<(), ConvertError> {
    let _ = project;
    out.empty("Assignments")
}
