//! The custom field values of one task, resource or assignment row.
//!
//! Values live where the file's field map says (Var2Data in practice); flags are bits of the
//! row's meta items at positions the layout gives; outline codes are references resolved
//! through the lookup values; MPP9 keeps enterprise values in one property block per row.
//! Only values Project would show are kept: no empty text, zero number, cost or duration, or
//! clear flag.

use super::super::bytes::{f64_at, i32_at, u16_at, u32_at, utf16_string};
use super::super::encoding;
use super::super::field_map::{Entity, FieldMap, Location};
use super::super::layout::FlagBits;
use super::super::record::{Row, unit_from_code};
use super::fields::{self, Family, Kind};
use super::lookup::{is_reference, item_text, reference_date, referenced_item};
use super::{CustomFields, ItemValue, ValueKey};
use crate::budget::Budget;
use crate::model::{CustomFieldValue, CustomValue, Duration, FileFormat, Guid, TimeUnit};
use std::collections::BTreeMap;

/// MPP9 field holding a row's enterprise values as a property block (task, resource).
const MPP9_TASK_ENTERPRISE_DATA: u16 = 481;
const MPP9_RESOURCE_ENTERPRISE_DATA: u16 = 341;
/// Resource Flag1: in an MPP9 enterprise block its key carries the enterprise flag bits.
const RESOURCE_FLAG1: u32 = 0x0C40_007F;
/// An item of exactly this size is a text left behind in a date or duration field.
const TEXT_ITEM: usize = 512;

/// Where an entity's custom fields are, worked out once per field map rather than per row.
///
/// A row has a few custom values among the hundreds of custom fields a file can map (most
/// files map every one of them), and asking for each in turn was the engine's hottest
/// path. Fields stored in Var2Data are therefore found from the row's own Var2Data keys;
/// only the rest (fixed data, flags, outline codes) are asked for one by one.
#[derive(Debug, Clone)]
pub struct FieldPlan {
    entity: Entity,
    /// Var2Data-stored fields: (key, family, position), sorted by key.
    by_key: Vec<(u16, usize, usize)>,
    /// Every other field that may hold a value: (family, position), in table order.
    others: Vec<(usize, usize)>,
}

impl FieldPlan {
    /// The plan of `entity`'s custom fields under `map`.
    pub fn new(entity: Entity, map: &FieldMap) -> Self {
        let mut by_key = Vec::new();
        let mut others = Vec::new();
        for (f, family) in fields::families(entity).iter().enumerate() {
            for (pos, index) in family.indices.iter().enumerate() {
                let location = map.get(entity.base() | u32::from(*index));
                match (family.kind, location) {
                    (Kind::Flag | Kind::OutlineCode, _) => others.push((f, pos)),
                    (_, Some(Location::Var { key })) => by_key.push((key, f, pos)),
                    (_, Some(Location::Fixed { .. })) => others.push((f, pos)),
                    // Neither in the map nor in data: such a field has no stored value.
                    (_, Some(Location::Meta) | None) => {}
                }
            }
        }
        by_key.sort_unstable();
        Self {
            entity,
            by_key,
            others,
        }
    }
}

/// Reads the custom field values of one row, sorted by field id (the tests' shorthand).
#[cfg(test)]
pub fn read_values(row: &Row<'_>, entity: Entity, custom: &CustomFields) -> Vec<CustomFieldValue> {
    read_planned(&FieldPlan::new(entity, row.map), row, custom)
}

/// Reads the custom field values of one row, sorted by field id, with the plan its entity's
/// reader made once for all its rows.
pub fn read_planned(
    plan: &FieldPlan,
    row: &Row<'_>,
    custom: &CustomFields,
) -> Vec<CustomFieldValue> {
    let entity = plan.entity;
    let families = fields::families(entity);
    let mut values: BTreeMap<u32, CustomValue> = BTreeMap::new();
    let mut read = |f: usize, pos: usize| {
        let Some(family) = families.get(f) else {
            return;
        };
        let Some(index) = family.indices.get(pos).copied() else {
            return;
        };
        let field_id = entity.base() | u32::from(index);
        let companion = family.companions.get(pos).copied();
        let value = match family.kind {
            Kind::Flag => read_flag(row, entity, family, pos, custom),
            Kind::OutlineCode => {
                companion.and_then(|c| read_outline_code(row, field_id, c, custom))
            }
            kind => read_stored(row, index, kind, companion, custom),
        };
        if let Some(value) = value {
            values.insert(field_id, value);
        }
    };
    // Whichever list is shorter is walked: a row's own keys (a few, in a file Project wrote)
    // or the plan's fields (a few hundred). A crafted row with thousands of keys then costs
    // no more than asking for every field did, however many rows share its owner.
    if row.var.key_count(row.uid) <= plan.by_key.len() {
        for key in row.var.keys(row.uid) {
            let first = plan.by_key.partition_point(|e| e.0 < key);
            for &(k, f, pos) in plan.by_key.get(first..).unwrap_or_default() {
                if k != key {
                    break;
                }
                read(f, pos);
            }
        }
    } else {
        for &(key, f, pos) in &plan.by_key {
            if row.var.get(row.uid, key).is_some() {
                read(f, pos);
            }
        }
    }
    for &(f, pos) in &plan.others {
        read(f, pos);
    }
    if custom.format == Some(FileFormat::Mpp9) {
        read_mpp9_enterprise(row, entity, &mut values);
    }
    values
        .into_iter()
        .filter(|(_, v)| is_shown(v))
        .map(|(field_id, value)| {
            let value_guid = match entity {
                Entity::Task | Entity::Resource => value_guid(custom, field_id, &value),
                _ => None,
            };
            CustomFieldValue {
                field_id,
                value,
                value_guid,
            }
        })
        .collect()
}

/// False for the values Project leaves blank: empty text, zero, a clear flag.
pub fn is_shown(value: &CustomValue) -> bool {
    match value {
        CustomValue::Text(s) => !s.is_empty(),
        CustomValue::Number(n) | CustomValue::Cost(n) => *n != 0.0 && !n.is_nan(),
        CustomValue::Duration(d) => d.minutes != 0.0,
        CustomValue::Flag(b) => *b,
        CustomValue::OutlineCode { text, .. } => !text.is_empty(),
        CustomValue::Date(_) | CustomValue::LookupValue(_) => true,
    }
}

/// A field stored at its field-map location.
fn read_stored(
    row: &Row<'_>,
    index: u16,
    kind: Kind,
    unit_field: Option<u16>,
    custom: &CustomFields,
) -> Option<CustomValue> {
    let raw = row.raw(index)?;
    match kind {
        Kind::Text => {
            if is_reference(raw) {
                return item_text(referenced_item(custom, raw)?)
                    .map(|s| CustomValue::Text(s.to_owned()));
            }
            Some(CustomValue::Text(utf16_string(raw)))
        }
        Kind::Number => {
            if is_reference(raw) {
                return match referenced_item(custom, raw)?.value {
                    ItemValue::Number(n) | ItemValue::Cost(n) => Some(CustomValue::Number(n)),
                    _ => None,
                };
            }
            Some(CustomValue::Number(
                f64_at(raw, 0).filter(|v| !v.is_nan()).unwrap_or(0.0),
            ))
        }
        Kind::Cost => {
            let hundredths = f64_at(raw, 0).filter(|v| !v.is_nan()).unwrap_or(0.0);
            Some(CustomValue::Cost(encoding::clean_cost(hundredths)))
        }
        Kind::Date | Kind::Start | Kind::Finish => {
            if is_reference(raw) {
                if raw.len() == 4 {
                    return reference_date(raw).map(CustomValue::Date);
                }
                return match referenced_item(custom, raw)?.value {
                    ItemValue::Date(Some(d)) => Some(CustomValue::Date(d)),
                    _ => None,
                };
            }
            if raw.len() == TEXT_ITEM {
                return None;
            }
            encoding::timestamp(raw, 0).map(CustomValue::Date)
        }
        Kind::Duration => {
            if raw.len() == TEXT_ITEM {
                return None;
            }
            let tenths = i32_at(raw, 0)?;
            if tenths == -1 {
                return None;
            }
            let unit = duration_unit(row, unit_field, custom.default_unit);
            Some(CustomValue::Duration(Duration::new(
                f64::from(tenths) / 10.0,
                unit,
            )))
        }
        Kind::Flag => Some(CustomValue::Flag(u16_at(raw, 0).is_some_and(|v| v != 0))),
        Kind::OutlineCode => None,
    }
}

/// The unit of a custom duration: its unit field's code (a missing value reads as code 0,
/// days); hours when the file maps no unit field at all.
fn duration_unit(row: &Row<'_>, unit_field: Option<u16>, default: TimeUnit) -> TimeUnit {
    match unit_field {
        Some(f) if row.map.get(row.entity.base() | u32::from(f)).is_some() => {
            unit_from_code(row.u16(f).unwrap_or(0), default)
        }
        _ => TimeUnit::HOURS,
    }
}

/// Flag n of a family: Flag1–20 from the FixedMeta item, enterprise flags from the
/// Fixed2Meta item where the layout has them, otherwise from the field map.
fn read_flag(
    row: &Row<'_>,
    entity: Entity,
    family: &Family,
    pos: usize,
    custom: &CustomFields,
) -> Option<CustomValue> {
    let flags = custom.flags?;
    let (block, bits): (usize, Option<&FlagBits>) = match (entity, family.enterprise) {
        (Entity::Task, false) => (0, Some(&flags.task)),
        (Entity::Resource, false) => (0, Some(&flags.resource)),
        (Entity::Assignment, false) => (0, Some(&flags.assignment)),
        (Entity::Task, true) => (1, flags.task_enterprise.as_ref()),
        (Entity::Resource, true) => (1, flags.resource_enterprise.as_ref()),
        _ => (1, None),
    };
    let from_meta = bits
        .and_then(|b| b.get(pos))
        .filter(|_| row.meta.get(block).is_some_and(|m| !m.is_empty()))
        .map(|(byte, mask)| row.meta_flag(block, usize::from(*byte), *mask));
    match from_meta {
        Some(set) => Some(CustomValue::Flag(set)),
        None => family
            .indices
            .get(pos)
            .and_then(|i| read_stored(row, *i, Kind::Flag, None, custom)),
    }
}

/// Outline Code n: its companion field holds either a reference to a lookup value (marker
/// `0x07xx`, the text is the value's with its ancestors' joined by `.`) or (MPP9 and
/// otherwise) an index into the outline code texts of `TBkndOutlCode`.
fn read_outline_code(
    row: &Row<'_>,
    field_id: u32,
    index_field: u16,
    custom: &CustomFields,
) -> Option<CustomValue> {
    let text = if custom.format == Some(FileFormat::Mpp9) {
        let index = row.i32(index_field)?;
        custom
            .outline_var
            .get(index, custom.outline_key)
            .map(utf16_string)?
    } else {
        let raw = row.raw(index_field)?;
        let id = i32_at(raw, 2).unwrap_or(0);
        if u16_at(raw, 0).unwrap_or(0) & 0xFF00 == 0x0700 {
            outline_text(custom, id, row.budget)?
        } else {
            custom
                .outline_var
                .get(id, custom.outline_key)
                .map(utf16_string)?
        }
    };
    let text = row.budget.keep_string(text)?;
    let value_id = custom
        .with_index(field_id, |index| index.id_of_text.get(&text).copied())
        .flatten();
    Some(CustomValue::OutlineCode { text, value_id })
}

/// The text of lookup value `id` prefixed by its ancestors' texts, joined once per value
/// (and charged once) however many rows use it.
fn outline_text(custom: &CustomFields, id: i32, budget: &Budget) -> Option<String> {
    if let Some(text) = custom.outline_texts.borrow().get(&id) {
        return text.clone();
    }
    let text = joined_outline_text(custom, id).and_then(|t| budget.keep_string(t));
    custom.outline_texts.borrow_mut().insert(id, text.clone());
    text
}

/// The text of lookup value `id` prefixed by its ancestors' texts. A parent chain that loops
/// or runs deeper than any real outline stops where it is.
fn joined_outline_text(custom: &CustomFields, id: i32) -> Option<String> {
    let item = custom.items.get(&id)?;
    let mut text = item_text(item)?.to_owned();
    let mut parent = item.parent;
    let mut child = id;
    for _ in 0..64 {
        if parent == 0 || parent == child {
            break;
        }
        let Some(p) = custom.items.get(&parent) else {
            break;
        };
        let Some(p_text) = item_text(p) else { break };
        if !p_text.is_empty() {
            text.insert(0, '.');
            text.insert_str(0, p_text);
        }
        child = parent;
        parent = p.parent;
    }
    Some(text)
}

/// The GUID of the lookup entry a value was picked from, when the field has a lookup table:
/// the last entry equal to the value (outline codes: the entry their `ValueID` names).
fn value_guid(custom: &CustomFields, field_id: u32, value: &CustomValue) -> Option<Guid> {
    if let CustomValue::OutlineCode { value_id, .. } = value {
        let id = (*value_id)?;
        return custom
            .with_index(field_id, |index| index.guid_of_id.get(&id).copied())
            .flatten()
            .flatten();
    }
    let key = ValueKey::of_value(value)?;
    custom
        .with_index(field_id, |index| index.guid_of_value.get(&key).copied())
        .flatten()
        .flatten()
}

/// MPP9 enterprise values: a property block (`u32` size, `u32` count, (key, offset) pairs;
/// an item runs to the next offset) keyed by field id.
fn read_mpp9_enterprise(row: &Row<'_>, entity: Entity, values: &mut BTreeMap<u32, CustomValue>) {
    let index = match entity {
        Entity::Task => MPP9_TASK_ENTERPRISE_DATA,
        Entity::Resource => MPP9_RESOURCE_ENTERPRISE_DATA,
        _ => return,
    };
    let Some(data) = row.raw(index) else { return };
    for (key, item) in property_block(data) {
        let Some(info) = fields::lookup(key).filter(|_| fields::entity_of(key) == Some(entity))
        else {
            continue;
        };
        let value = match info.kind {
            Kind::Cost => f64_at(item, 0).map(|v| CustomValue::Cost(v / 100.0)),
            Kind::Date | Kind::Start | Kind::Finish => {
                encoding::timestamp(item, 0).map(CustomValue::Date)
            }
            Kind::Number => f64_at(item, 0).map(CustomValue::Number),
            Kind::Text | Kind::OutlineCode => Some(CustomValue::Text(utf16_string(item))),
            Kind::Duration => i32_at(item, 0).map(|tenths| {
                let unit = if item.len() < 6 {
                    TimeUnit::DAYS
                } else {
                    unit_from_code(u16_at(item, 4).unwrap_or(0), TimeUnit::DAYS)
                };
                CustomValue::Duration(Duration::new(f64::from(tenths) / 10.0, unit))
            }),
            Kind::Flag => {
                // A flag key carries all twenty enterprise flags as bits 1–20 (resources:
                // only under the Flag1 key).
                if entity == Entity::Task || key == RESOURCE_FLAG1 {
                    let bits = u32_at(item, 0).unwrap_or(0);
                    set_enterprise_flags(entity, bits, values);
                }
                continue;
            }
        };
        if let Some(value) = value {
            values.insert(key, value);
        }
    }
}

/// Enterprise Flag n = bit n of `bits`.
fn set_enterprise_flags(entity: Entity, bits: u32, values: &mut BTreeMap<u32, CustomValue>) {
    let Some(family) = fields::families(entity)
        .iter()
        .find(|f| f.enterprise && f.kind == Kind::Flag)
    else {
        return;
    };
    for (n, index) in family.indices.iter().enumerate() {
        values.insert(
            entity.base() | u32::from(*index),
            CustomValue::Flag(bits & (2 << n) != 0),
        );
    }
}

/// The items of a property block, by key.
fn property_block(data: &[u8]) -> Vec<(u32, &[u8])> {
    let size = (u32_at(data, 0).unwrap_or(0) as usize).min(data.len());
    let count = u32_at(data, 4).unwrap_or(0) as usize;
    let mut entries: Vec<(usize, u32)> = (0..count)
        .map_while(|i| {
            let at = 8usize.checked_add(i.checked_mul(8)?)?;
            Some((u32_at(data, at + 4)? as usize, u32_at(data, at)?))
        })
        .collect();
    entries.sort_unstable();
    let ends: Vec<usize> = entries
        .iter()
        .skip(1)
        .map(|(o, _)| *o)
        .chain([size])
        .collect();
    entries
        .iter()
        .zip(ends)
        .filter_map(|((start, key), end)| Some((*key, data.get(*start..end)?)))
        .collect()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)] // Test inputs are built by hand.
mod tests {
    use super::*;
    use crate::model::FileFormat;
    use crate::mpp::custom_fields::Item;
    use crate::mpp::field_map::{FieldMap, Location};
    use crate::mpp::layout::Layout;
    use crate::mpp::var_data::VarData;

    /// A Var2Data heap with VarMeta12 entries for (uid, key, bytes).
    fn var(items: &[(i32, u16, Vec<u8>)]) -> VarData {
        let mut heap = Vec::new();
        let mut meta = Vec::new();
        meta.extend_from_slice(&0xFADF_ADBAu32.to_le_bytes());
        meta.extend_from_slice(&0u32.to_le_bytes());
        meta.extend_from_slice(&(items.len() as u32).to_le_bytes());
        meta.extend_from_slice(&[0; 12]);
        for (uid, key, bytes) in items {
            meta.extend_from_slice(&(*uid as u32).to_le_bytes());
            meta.extend_from_slice(&(heap.len() as u32).to_le_bytes());
            meta.extend_from_slice(&key.to_le_bytes());
            meta.extend_from_slice(&0x0B40u16.to_le_bytes());
            heap.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            heap.extend_from_slice(bytes);
        }
        VarData::parse(&meta, heap, FileFormat::Mpp14)
    }

    fn utf16z(s: &str) -> Vec<u8> {
        s.encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect()
    }

    fn custom_for(format: FileFormat, app_version: u16) -> CustomFields {
        let layout = Layout::new(format, app_version);
        CustomFields {
            flags: Some(layout.custom_flags),
            format: Some(format),
            outline_key: 22,
            default_unit: TimeUnit::DAYS,
            ..CustomFields::default()
        }
    }

    fn value_of(values: &[CustomFieldValue], field_id: u32) -> Option<&CustomValue> {
        values
            .iter()
            .find(|v| v.field_id == field_id)
            .map(|v| &v.value)
    }

    /// A crafted row with thousands of keys of its own is read through the plan's fields, not
    /// its keys, and gives the same values as a row with only the fields' keys.
    #[test]
    fn a_row_with_more_keys_than_the_plan_reads_the_same_values() {
        let keys = [51u16, 87];
        let map =
            FieldMap::from_defaults(Entity::Task, &keys.map(|k| (k, Location::Var { key: k })));
        let plan = FieldPlan::new(Entity::Task, &map);
        let mut items = vec![
            (1, 51, utf16z("Text one")),
            (1, 87, 55.5f64.to_le_bytes().to_vec()),
        ];
        items.extend((1000..5000u16).map(|k| (1, k, vec![1u8, 0])));
        let (few, many) = (var(&items[..2]), var(&items));
        assert!(many.key_count(1) > plan.by_key.len());
        let budget = crate::budget::Budget::unlimited();
        let custom = custom_for(FileFormat::Mpp14, 14);
        let read = |var: &VarData| {
            let row = Row {
                uid: 1,
                fixed: [&[], &[]],
                meta: [&[], &[]],
                var,
                map: &map,
                entity: Entity::Task,
                budget: &budget,
            };
            read_planned(&plan, &row, &custom)
        };
        let values = read(&many);
        assert_eq!(values, read(&few));
        assert_eq!(
            value_of(&values, 188_743_731),
            Some(&CustomValue::Text("Text one".to_owned()))
        );
        assert_eq!(
            value_of(&values, 0x0B40_0057),
            Some(&CustomValue::Number(55.5))
        );
    }

    #[test]
    fn reads_each_kind_from_var_data() {
        let keys = [51u16, 87, 106, 265, 103, 183, 104, 417];
        let map =
            FieldMap::from_defaults(Entity::Task, &keys.map(|k| (k, Location::Var { key: k })));
        let mut date = vec![0u8; 4];
        date[0..2].copy_from_slice(&5400u16.to_le_bytes()); // 09:00
        date[2..4].copy_from_slice(&11_324u16.to_le_bytes()); // 2015-01-01
        let var = var(&[
            (1, 51, utf16z("Text one")),
            (1, 87, 55.5f64.to_le_bytes().to_vec()),
            (1, 106, 10_000f64.to_le_bytes().to_vec()),
            (1, 265, date),
            (1, 103, 9600i32.to_le_bytes().to_vec()),
            (1, 183, 7u16.to_le_bytes().to_vec()),
            (1, 104, 0i32.to_le_bytes().to_vec()),
        ]);
        let mut meta = vec![0u8; 47];
        meta[35..39].copy_from_slice(&0x40u32.to_le_bytes()); // Flag1, Project 2010 layout
        let row = Row {
            uid: 1,
            fixed: [&[], &[]],
            meta: [&meta, &[]],
            var: &var,
            map: &map,
            entity: Entity::Task,
            budget: &crate::budget::Budget::unlimited(),
        };
        let custom = custom_for(FileFormat::Mpp14, 14);
        let values = read_values(&row, Entity::Task, &custom);
        assert_eq!(
            value_of(&values, 188_743_731),
            Some(&CustomValue::Text("Text one".to_owned()))
        );
        assert_eq!(
            value_of(&values, 0x0B40_0057),
            Some(&CustomValue::Number(55.5))
        );
        assert_eq!(
            value_of(&values, 0x0B40_006A),
            Some(&CustomValue::Cost(100.0))
        );
        let d = chrono::NaiveDate::from_ymd_opt(2015, 1, 1).and_then(|d| d.and_hms_opt(9, 0, 0));
        assert_eq!(
            value_of(&values, 0x0B40_0109),
            d.map(CustomValue::Date).as_ref()
        );
        assert_eq!(
            value_of(&values, 0x0B40_0067),
            Some(&CustomValue::Duration(Duration::new(960.0, TimeUnit::DAYS)))
        );
        assert_eq!(
            value_of(&values, 0x0B40_0068),
            None,
            "zero durations are blank"
        );
        assert_eq!(
            value_of(&values, 0x0B40_0048),
            Some(&CustomValue::Flag(true)),
            "Flag1"
        );
        assert_eq!(
            value_of(&values, 0x0B40_0049),
            None,
            "clear flags are blank"
        );
        let ids: Vec<u32> = values.iter().map(|v| v.field_id).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "sorted by field id");
    }

    #[test]
    fn outline_texts_are_joined_once_however_many_rows_use_them() {
        // A 64-level chain of long values, and rows all pointing at its deepest value.
        let mut custom = custom_for(FileFormat::Mpp14, 15);
        let long = "x".repeat(1_000);
        for id in 1..=64 {
            custom.items.insert(
                id,
                Item {
                    value: ItemValue::Text(long.clone()),
                    guid: None,
                    parent: id - 1,
                },
            );
        }
        let spent = |rows: usize| {
            custom.outline_texts.borrow_mut().clear();
            let budget = crate::budget::Budget::unlimited();
            for _ in 0..rows {
                let text = outline_text(&custom, 64, &budget);
                assert_eq!(text.map(|t| t.len()), Some(64 * 1_000 + 63));
            }
            budget.usage().memory
        };
        // Joined and charged once; each row's copy is charged where the row keeps it.
        assert_eq!(spent(1), spent(1_000));
    }

    #[test]
    fn references_resolve_through_lookup_values() {
        let map = FieldMap::from_defaults(
            Entity::Task,
            &[
                (51, Location::Var { key: 51 }),
                (417, Location::Var { key: 417 }),
            ],
        );
        let reference = |marker: u16, id: i32| {
            let mut r = marker.to_le_bytes().to_vec();
            r.extend_from_slice(&id.to_le_bytes());
            r.extend_from_slice(&[0; 20]);
            r
        };
        let var = var(&[
            (3, 51, reference(0x0701, 7)),
            (3, 417, reference(0x0701, 9)),
        ]);
        let mut custom = custom_for(FileFormat::Mpp14, 15);
        let item = |value: &str, parent| Item {
            value: ItemValue::Text(value.to_owned()),
            guid: None,
            parent,
        };
        custom.items.insert(7, item("High", 0));
        custom.items.insert(8, item("A", 0));
        custom.items.insert(9, item("B", 8));
        let row = Row {
            uid: 3,
            fixed: [&[], &[]],
            meta: [&[], &[]],
            var: &var,
            map: &map,
            entity: Entity::Task,
            budget: &crate::budget::Budget::unlimited(),
        };
        let values = read_values(&row, Entity::Task, &custom);
        assert_eq!(
            value_of(&values, 188_743_731),
            Some(&CustomValue::Text("High".to_owned()))
        );
        assert_eq!(
            value_of(&values, 188_744_096),
            Some(&CustomValue::OutlineCode {
                text: "A.B".to_owned(),
                value_id: None
            })
        );
    }

    #[test]
    fn enterprise_flags_come_from_fixed2_meta() {
        let map = FieldMap::default();
        let var = VarData::default();
        let mut meta2 = vec![0u8; 86];
        meta2[59..63].copy_from_slice(&0b101u32.to_le_bytes());
        let meta = vec![0u8; 47];
        let row = Row {
            uid: 1,
            fixed: [&[], &[]],
            meta: [&meta, &meta2],
            var: &var,
            map: &map,
            entity: Entity::Task,
            budget: &crate::budget::Budget::unlimited(),
        };
        let values = read_values(&row, Entity::Task, &custom_for(FileFormat::Mpp12, 12));
        let flags: Vec<u32> = values.iter().map(|v| v.field_id & 0xFFFF).collect();
        assert_eq!(flags, vec![659, 661], "Enterprise Flag1 and Flag3");
    }

    #[test]
    fn mpp9_enterprise_block() {
        let map = FieldMap::from_defaults(Entity::Task, &[(481, Location::Var { key: 200 })]);
        let text_id = Entity::Task.base() | 799; // Enterprise Text1
        let flag_id = Entity::Task.base() | 72; // a flag key carries the enterprise flags
        let text = utf16z("Ent");
        let mut block = Vec::new();
        let start = 8 + 16;
        block.extend_from_slice(&((start + text.len() + 4) as u32).to_le_bytes());
        block.extend_from_slice(&2u32.to_le_bytes());
        block.extend_from_slice(&text_id.to_le_bytes());
        block.extend_from_slice(&(start as u32).to_le_bytes());
        block.extend_from_slice(&flag_id.to_le_bytes());
        block.extend_from_slice(&((start + text.len()) as u32).to_le_bytes());
        block.extend_from_slice(&text);
        block.extend_from_slice(&0b10u32.to_le_bytes());
        let var = var(&[(4, 200, block)]);
        let row = Row {
            uid: 4,
            fixed: [&[], &[]],
            meta: [&[], &[]],
            var: &var,
            map: &map,
            entity: Entity::Task,
            budget: &crate::budget::Budget::unlimited(),
        };
        let values = read_values(&row, Entity::Task, &custom_for(FileFormat::Mpp9, 9));
        assert_eq!(
            value_of(&values, text_id),
            Some(&CustomValue::Text("Ent".to_owned()))
        );
        assert_eq!(
            value_of(&values, Entity::Task.base() | 659),
            Some(&CustomValue::Flag(true))
        );
    }

    #[test]
    fn hostile_rows_do_not_panic() {
        let keys: Vec<(u16, Location)> = fields::families(Entity::Task)
            .iter()
            .flat_map(|f| f.indices.iter().chain(f.companions))
            .map(|k| (*k, Location::Var { key: *k }))
            .collect();
        let map = FieldMap::from_defaults(Entity::Task, &keys);
        let junk: Vec<(i32, u16, Vec<u8>)> = keys
            .iter()
            .enumerate()
            .map(|(i, (k, _))| {
                (
                    1,
                    *k,
                    vec![0x01, 0x07, 0xFF, 0xFF, 0xFF, 0xFF][..i % 7].to_vec(),
                )
            })
            .collect();
        let var = var(&junk);
        let meta = [0xFFu8; 5];
        let row = Row {
            uid: 1,
            fixed: [&[], &[]],
            meta: [&meta, &meta],
            var: &var,
            map: &map,
            entity: Entity::Task,
            budget: &crate::budget::Budget::unlimited(),
        };
        for format in [FileFormat::Mpp9, FileFormat::Mpp12, FileFormat::Mpp14] {
            let _ = read_values(&row, Entity::Task, &custom_for(format, 14));
        }
    }
}
