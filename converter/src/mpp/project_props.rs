//! Project properties: project `Props` plus the OLE summary property sets.

use super::reader::Context;
use crate::model::ProjectProperties;

/// Reads the project properties.
pub fn read(ctx: &Context, summary: Option<&[u8]>, doc_summary: Option<&[u8]>) -> ProjectProperties {
    let _ = (ctx, summary, doc_summary);
    ProjectProperties::default()
}
