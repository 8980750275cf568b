//! Tasks (`TBkndTask`).

use super::custom_fields::CustomFields;
use super::field_map::FieldMap;
use super::reader::{Context, EntityBlocks};
use crate::model::Task;

/// Reads the tasks in ID order.
pub fn read(ctx: &mut Context, blocks: &EntityBlocks, map: &FieldMap, custom: &CustomFields) -> Vec<Task> {
    let _ = (ctx, blocks, map, custom);
    Vec::new()
}
