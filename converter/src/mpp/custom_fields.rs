//! Custom fields: definitions (aliases, lookup tables) and per-entity values.
//!
//! `read_definitions` runs before the entity readers and gathers what the file says about the
//! fields themselves: aliases, value lists and outline code tables, and where the Flag bits
//! are. The entity readers then call `read_planned` once per row. After them,
//! `complete_definitions` adds a definition for every field that has a value somewhere, which
//! is the set MSPDI writes.

mod definitions;
pub(super) mod fields;
mod lookup;
mod name_uuid;
mod values;

use super::layout::CustomFlags;
use super::props::Props;
use super::reader::{Context, EntityBlocks};
use super::record::unit_from_code;
use super::var_data::VarData;
use crate::model::{
    Assignment, CustomFieldDefinition, CustomValue, DateTime, Duration, FileFormat, Guid,
    LookupTable, Resource, Task, TimeUnit,
};
use foldhash::{HashMap, HashMapExt};
use std::cell::RefCell;
use std::collections::BTreeMap;

pub use values::{FieldPlan, is_shown, read_planned};

/// Project `Props` key of the default duration unit (a unit code).
const DURATION_UNITS: u32 = 0x0240_0015;

/// Definitions and lookup tables of a file, and what `read_planned` needs to decode values.
#[derive(Debug, Default, Clone)]
pub struct CustomFields {
    /// Field definitions: fields with an alias, a lookup table or graphical indicators.
    pub definitions: Vec<CustomFieldDefinition>,
    /// Value lists and outline code tables.
    pub tables: Vec<LookupTable>,
    /// Lookup values by unique id, for values stored as references.
    items: HashMap<i32, Item>,
    /// Unique ids of lookup values by GUID, for references that carry only the GUID.
    guids: HashMap<Guid, i32>,
    /// Position in `tables` of each field's table, by field id.
    table_of_field: HashMap<u32, usize>,
    /// Position of each value in its table, by (table position, value id), while reading.
    value_positions: HashMap<(usize, i32), usize>,
    /// `TBkndOutlCode` Var2Data: outline code texts referenced by index.
    outline_var: VarData,
    /// Var2Data key of an outline code's text (1 in MPP9, 22 later).
    outline_key: u16,
    /// Meta-item bits of the flags.
    flags: Option<&'static CustomFlags>,
    /// Generation of the file.
    format: Option<FileFormat>,
    /// Unit of durations stored with the "default" code.
    default_unit: TimeUnit,
    /// Per table (by position), what rows look up in it; built on first use, as every row
    /// of a file asks the same questions of the same tables.
    indexes: RefCell<HashMap<usize, TableIndex>>,
    /// Outline code texts (a value's with its ancestors') already joined, by value id.
    outline_texts: RefCell<HashMap<i32, Option<String>>>,
}

/// What rows look up in one lookup table, answered without scanning it.
#[derive(Debug, Default, Clone)]
struct TableIndex {
    /// The id of the last entry with each text (outline codes).
    id_of_text: HashMap<String, i32>,
    /// The GUID of the first entry with each id.
    guid_of_id: HashMap<i32, Option<Guid>>,
    /// The GUID of the last entry equal to each value.
    guid_of_value: HashMap<ValueKey, Option<Guid>>,
}

/// A lookup value as custom field values are compared with it: numbers and costs by their
/// two-decimal text, durations by hundredths of a minute.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ValueKey {
    Text(String),
    Number(String),
    Date(DateTime),
    Duration(u64),
}

impl ValueKey {
    fn duration(minutes: f64) -> Option<Self> {
        let hundredths = (minutes * 100.0).round();
        // NaN equals nothing; −0 equals 0.
        (!hundredths.is_nan()).then(|| Self::Duration((hundredths + 0.0).to_bits()))
    }

    /// The key of a lookup entry's value; flags and empty dates match nothing.
    fn of_item(value: &ItemValue) -> Option<Self> {
        match value {
            ItemValue::Text(t) => Some(Self::Text(t.clone())),
            ItemValue::Number(n) | ItemValue::Cost(n) => Some(Self::Number(lookup::decimal2(*n))),
            ItemValue::Date(Some(d)) => Some(Self::Date(*d)),
            ItemValue::Duration(d) => Self::duration(d.minutes),
            ItemValue::Date(None) | ItemValue::Flag(_) => None,
        }
    }

    /// The key of a row's custom field value (numbers and costs match either kind).
    fn of_value(value: &CustomValue) -> Option<Self> {
        match value {
            CustomValue::Text(a) => Some(Self::Text(a.clone())),
            CustomValue::Number(a) | CustomValue::Cost(a) => {
                Some(Self::Number(lookup::decimal2(*a)))
            }
            CustomValue::Date(a) => Some(Self::Date(*a)),
            CustomValue::Duration(a) => Self::duration(a.minutes),
            _ => None,
        }
    }
}

/// One entry of a value list or outline code table, as a typed value.
#[derive(Debug, Clone, PartialEq)]
struct Item {
    value: ItemValue,
    guid: Option<Guid>,
    parent: i32,
}

/// A lookup value as stored, by the type its row declares.
#[derive(Debug, Clone, PartialEq)]
enum ItemValue {
    Text(String),
    Number(f64),
    /// In currency units.
    Cost(f64),
    Date(Option<DateTime>),
    Duration(Duration),
    Flag(bool),
}

/// Reads custom field definitions from the task, resource and assignment `Props` (MPP12/14)
/// or the project `Props` (MPP9), and the lookup tables from `TBkndOutlCode` (and, in MPP9,
/// the project `Props`).
pub fn read_definitions(
    ctx: &mut Context,
    entity_props: [&Props; 3],
    outline: &EntityBlocks,
) -> CustomFields {
    let format = ctx.layout.format;
    let default_unit = ctx
        .props
        .u16(DURATION_UNITS)
        .map_or(TimeUnit::DAYS, |code| unit_from_code(code, TimeUnit::DAYS));
    let mut custom = CustomFields {
        outline_var: outline.var.clone(),
        outline_key: if format == FileFormat::Mpp9 { 1 } else { 22 },
        flags: Some(ctx.layout.custom_flags),
        format: Some(format),
        default_unit,
        ..CustomFields::default()
    };

    let mut config: BTreeMap<u32, CustomFieldDefinition> = BTreeMap::new();
    match format {
        FileFormat::Mpp9 | FileFormat::Mpp8 => {
            definitions::mpp9_aliases(&ctx.props, &mut config);
            lookup::read_mpp9(&mut custom, &mut config, &ctx.props, outline, default_unit);
        }
        FileFormat::Mpp12 | FileFormat::Mpp14 => {
            // Project 2007 files keep no assignment custom fields of their own.
            let count = if format == FileFormat::Mpp12 { 2 } else { 3 };
            let mut lookup_fields = HashMap::new();
            for (n, props) in entity_props.iter().take(count).enumerate() {
                if let Some(data) = props.bytes(definitions::CUSTOM_FIELDS) {
                    let block = definitions::parse_block(data, format);
                    for (field_id, alias) in block.aliases {
                        if fields::lookup(field_id).is_some() {
                            definition(&mut config, field_id).alias = Some(alias);
                        }
                    }
                    // Tables are named by the task and resource records only: assignment
                    // records repeat the task tables' GUIDs under assignment field ids.
                    let named = block.definitions.iter().filter(|_| n < 2);
                    for def in named.filter(|d| fields::lookup(d.field_id).is_some()) {
                        if let Some(table) = def.lookup_table {
                            lookup_fields.insert(table, def.field_id);
                        }
                    }
                }
            }
            lookup::read_mpp12(&mut custom, &mut config, &lookup_fields, ctx, outline);
        }
    }
    for field_id in definitions::graphical_indicator_fields(&ctx.props) {
        definition(&mut config, field_id);
    }
    custom.definitions = config.into_values().collect();
    custom
}

/// The definition of `field_id` in `config`, created with its name when new.
fn definition(
    config: &mut BTreeMap<u32, CustomFieldDefinition>,
    field_id: u32,
) -> &mut CustomFieldDefinition {
    config
        .entry(field_id)
        .or_insert_with(|| new_definition(field_id))
}

/// A definition with only the facts the field id implies.
fn new_definition(field_id: u32) -> CustomFieldDefinition {
    let info = fields::lookup(field_id);
    CustomFieldDefinition {
        field_id,
        name: info.map(|i| i.field_name()).unwrap_or_default(),
        cf_type: info.map(|i| i.kind.cf_type()),
        secondary_pid: fields::assignment_twin(field_id),
        ..CustomFieldDefinition::default()
    }
}

/// The definition of the task field of the same name as the resource custom field `field_id`
/// (resource Text3 → task Text3), which Project 2010 and later list beside the resource
/// field ([`crate::derive`]). It is listed for the resource field's sake only: Project writes
/// it without the assignment twin (no `SecondaryPID`) and so with the nil GUID.
pub fn task_namesake(field_id: u32) -> Option<CustomFieldDefinition> {
    fields::task_twin(field_id).map(|id| CustomFieldDefinition {
        secondary_pid: None,
        ..new_definition(id)
    })
}

/// The definitions MSPDI writes: those read from the file plus one for every custom field
/// that has a value on some task, resource or assignment, sorted by field id.
pub fn complete_definitions(
    custom: &CustomFields,
    tasks: &[Task],
    resources: &[Resource],
    assignments: &[Assignment],
) -> Vec<CustomFieldDefinition> {
    let mut all: BTreeMap<u32, CustomFieldDefinition> = custom
        .definitions
        .iter()
        .map(|d| (d.field_id, d.clone()))
        .collect();
    let values = tasks
        .iter()
        .flat_map(|t| &t.custom_values)
        .chain(resources.iter().flat_map(|r| &r.custom_values))
        .chain(assignments.iter().flat_map(|a| &a.custom_values));
    for value in values {
        all.entry(value.field_id)
            .or_insert_with(|| new_definition(value.field_id));
        // Project lists an assignment field under its resource namesake as well.
        if let Some(twin) = fields::resource_twin(value.field_id) {
            all.entry(twin).or_insert_with(|| new_definition(twin));
        }
    }
    all.into_values().collect()
}

impl CustomFields {
    /// Answers `ask` from the index of `field_id`'s table, building it on first use.
    fn with_index<T>(&self, field_id: u32, ask: impl FnOnce(&TableIndex) -> T) -> Option<T> {
        let &position = self.table_of_field.get(&field_id)?;
        let table = self.tables.get(position)?;
        let mut indexes = self.indexes.borrow_mut();
        let index = indexes.entry(position).or_insert_with(|| self.index(table));
        Some(ask(index))
    }

    fn index(&self, table: &LookupTable) -> TableIndex {
        let mut index = TableIndex::default();
        for v in &table.values {
            index.guid_of_id.entry(v.id).or_insert(v.guid);
            let Some(item) = self.items.get(&v.id) else {
                continue;
            };
            if let Some(key) = ValueKey::of_item(&item.value) {
                index.guid_of_value.insert(key, v.guid);
            }
        }
        for v in &table.values {
            index.id_of_text.insert(v.value.clone(), v.id);
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CustomFieldValue, CustomValue};

    #[test]
    fn every_field_with_a_value_gets_a_definition() {
        let mut custom = CustomFields::default();
        let mut alias = new_definition(0x0C40_0008);
        alias.alias = Some("Dept".to_owned());
        custom.definitions.push(alias);
        let task = Task {
            custom_values: vec![CustomFieldValue {
                field_id: 188_743_731,
                value: CustomValue::Text("x".to_owned()),
                value_guid: None,
            }],
            ..Task::default()
        };
        let defs = complete_definitions(&custom, &[task], &[], &[]);
        let ids: Vec<u32> = defs.iter().map(|d| d.field_id).collect();
        assert_eq!(ids, vec![188_743_731, 0x0C40_0008]);
        assert_eq!(defs.first().map(|d| d.name.as_str()), Some("Text1"));
        assert_eq!(defs.get(1).and_then(|d| d.alias.as_deref()), Some("Dept"));
    }
}
