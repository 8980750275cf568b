//! Resource assignments (`TBkndAssn`).

use super::custom_fields::CustomFields;
use super::field_map::FieldMap;
use super::reader::{Context, EntityBlocks};
use crate::model::{Assignment, Resource, Task};

/// Reads the assignments in UID order.
pub fn read(
    ctx: &mut Context,
    blocks: &EntityBlocks,
    map: &FieldMap,
    tasks: &[Task],
    resources: &[Resource],
    custom: &CustomFields,
) -> Vec<Assignment> {
    let _ = (ctx, blocks, map, tasks, resources, custom);
    Vec::new()
}
