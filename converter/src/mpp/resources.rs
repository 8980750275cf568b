//! Resources (`TBkndRsc`).

use super::custom_fields::CustomFields;
use super::field_map::FieldMap;
use super::reader::{Context, EntityBlocks};
use crate::model::Resource;

/// Reads the resources in ID order.
pub fn read(ctx: &mut Context, blocks: &EntityBlocks, map: &FieldMap, custom: &CustomFields) -> Vec<Resource> {
    let _ = (ctx, blocks, map, custom);
    Vec::new()
}
