//! Value lists and outline code tables.
//!
//! MPP12/14 keep every lookup value as a row of `TBkndOutlCode` (unique id, parent, GUIDs,
//! type, and the value in Var2Data); the table a value belongs to is named by a GUID that the
//! field's definition record also carries. MPP9 keeps value lists in the project `Props`
//! (packed values and descriptions per field) and outline code values in `TBkndOutlCode` with
//! neither ids nor GUIDs, so those are made up the way MPXJ makes them: ids numbered from 1,
//! name-based GUIDs.

use super::super::bytes::{f64_at, i32_at, slice, u16_at, u32_at, utf16_string};
use super::super::encoding;
use super::super::fixed_data::{FixedMeta, split_by_meta};
use super::super::props::Props;
use super::super::reader::{Context, EntityBlocks};
use super::super::record::unit_from_code;
use super::definitions::{FIELD_ATTRIBUTES, utf16_counted};
use super::fields::{self, Kind};
use super::name_uuid::name_uuid;
use super::{CustomFields, Item, ItemValue, definition};
use crate::model::{
    CustomFieldDefinition, DateTime, Duration, Guid, LookupTable, LookupValue, TimeUnit,
};
use foldhash::HashMap;
use std::collections::BTreeMap;

/// `TBkndOutlCode` Var2Data keys of a value, its description (MPP12/14).
const VALUE: u16 = 22;
const DESCRIPTION: u16 = 8;
/// MPP9 `TBkndOutlCode` Var2Data keys of an outline code value and its description.
const MPP9_VALUE: u16 = 1;
const MPP9_DESCRIPTION: u16 = 2;
/// Offset of the unique id in a `TBkndOutlCode` FixedData row (MPP12/14).
const UNIQUE_ID: usize = 4;

/// Value type codes (MSPDI `Value/Type`).
const TYPE_DATE: u16 = 4;
const TYPE_DURATION: u16 = 6;
const TYPE_COST: u16 = 9;
const TYPE_NUMBER: u16 = 15;
const TYPE_FLAG: u16 = 17;
const TYPE_TEXT: u16 = 21;
const TYPE_FINISH: u16 = 27;

/// Reads the MPP12/14 lookup values of `TBkndOutlCode`. `lookup_fields` names the field of
/// each table GUID (from the definition records).
pub fn read_mpp12(
    custom: &mut CustomFields,
    config: &mut BTreeMap<u32, CustomFieldDefinition>,
    lookup_fields: &HashMap<Guid, u32>,
    ctx: &Context,
    outline: &EntityBlocks,
) {
    let (parent_at, table_at, type_at) = ctx.layout.lookup_value;
    let rows = split_by_meta(&outline.meta, &outline.data, 0, 0);
    let meta2 = FixedMeta::parse(outline.meta2_raw.clone(), 10);
    let rows2 = split_by_meta(&meta2, &outline.data2, 0, 0);
    for (i, fixed) in rows.iter().enumerate() {
        let Some(fixed) = fixed else { continue };
        let Some(uid) = u16_at(fixed, UNIQUE_ID).map(i32::from) else {
            continue;
        };
        let Some(raw) = outline.var.get(uid, VALUE) else {
            continue;
        };
        let fixed2 = rows2.get(i).copied().flatten();
        let value_type = fixed2.and_then(|f| u16_at(f, type_at)).filter(|t| {
            [
                TYPE_DATE,
                TYPE_DURATION,
                TYPE_COST,
                TYPE_NUMBER,
                TYPE_FLAG,
                TYPE_TEXT,
                TYPE_FINISH,
            ]
            .contains(t)
        });
        let item = Item {
            value: typed_value(value_type, raw, custom.default_unit),
            guid: fixed2.and_then(|f| encoding::guid(f, 0)),
            parent: u16_at(fixed, parent_at).map_or(0, i32::from),
        };
        let description = outline
            .var
            .get(uid, DESCRIPTION)
            .map(utf16_string)
            .filter(|s| !s.is_empty());
        let table_guid = fixed2.and_then(|f| encoding::guid(f, table_at));
        if let Some(field_id) = table_guid.and_then(|g| lookup_fields.get(&g)) {
            let entry = LookupValue {
                id: uid,
                parent_id: item.parent,
                guid: item.guid,
                value_type: value_type.unwrap_or(TYPE_TEXT),
                value: mspdi_value(&item.value),
                description,
            };
            add_to_table(custom, config, *field_id, table_guid, entry);
        }
        if let Some(guid) = item.guid {
            custom.guids.insert(guid, uid);
        }
        custom.items.insert(uid, item);
    }
}

/// Adds `entry` to the table of `field_id` (replacing an entry with the same id) and links
/// the table to the field's definition.
fn add_to_table(
    custom: &mut CustomFields,
    config: &mut BTreeMap<u32, CustomFieldDefinition>,
    field_id: u32,
    guid: Option<Guid>,
    entry: LookupValue,
) {
    let index = *custom.table_of_field.entry(field_id).or_insert_with(|| {
        custom.tables.push(LookupTable {
            field_id: Some(field_id),
            guid: None,
            values: Vec::new(),
        });
        custom.tables.len() - 1
    });
    let Some(table) = custom.tables.get_mut(index) else {
        return;
    };
    // Positions are indexed: a table may receive every row of the block.
    match custom
        .value_positions
        .get(&(index, entry.id))
        .and_then(|&at| table.values.get_mut(at))
    {
        Some(existing) => *existing = entry,
        None => {
            custom
                .value_positions
                .insert((index, entry.id), table.values.len());
            table.values.push(entry);
            table.guid = guid;
        }
    }
    definition(config, field_id).lookup_table_guid = table.guid;
}

/// Decodes a lookup value by its declared type; rows without a known type hold text.
fn typed_value(value_type: Option<u16>, raw: &[u8], default_unit: TimeUnit) -> ItemValue {
    match value_type {
        Some(TYPE_DATE | TYPE_FINISH) => ItemValue::Date(encoding::timestamp(raw, 0)),
        Some(TYPE_DURATION) => {
            let unit = unit_from_code(u16_at(raw, 4).unwrap_or(0), default_unit);
            let tenths = i32_at(raw, 0).unwrap_or(0);
            ItemValue::Duration(Duration::new(f64::from(tenths) / 10.0, unit))
        }
        Some(TYPE_COST) => ItemValue::Cost(f64_at(raw, 0).unwrap_or(0.0) / 100.0),
        Some(TYPE_NUMBER) => ItemValue::Number(f64_at(raw, 0).unwrap_or(0.0)),
        _ => ItemValue::Text(utf16_string(raw)),
    }
}

/// A lookup value as MSPDI's `OutlineCodes/…/Value` holds it: dates as the raw timestamp
/// number (days × 65536 + tenths of a minute), durations in tenths of a minute, costs in
/// hundredths, numbers to two decimals; empty when there is none.
pub fn mspdi_value(value: &ItemValue) -> String {
    match value {
        ItemValue::Text(s) => s.clone(),
        ItemValue::Number(n) => decimal2(*n),
        ItemValue::Cost(c) => decimal2(c * 100.0),
        ItemValue::Date(Some(d)) => raw_timestamp(*d).to_string(),
        ItemValue::Date(None) => String::new(),
        ItemValue::Duration(d) if d.minutes != 0.0 => {
            ((d.minutes * 10.0).round() as i64).to_string()
        }
        ItemValue::Duration(_) => String::new(),
        ItemValue::Flag(b) => if *b { "true" } else { "false" }.to_owned(),
    }
}

/// Days since the epoch × 65536 + tenths of a minute since midnight.
fn raw_timestamp(value: DateTime) -> i64 {
    let since = value - encoding::epoch();
    let days = since.num_days();
    let seconds = since.num_seconds() - days * 86_400;
    days * 65_536 + seconds / 6
}

/// A number with at most two decimals, trailing zeros dropped (Java's `#.##`).
pub fn decimal2(value: f64) -> String {
    if !value.is_finite() {
        return String::new();
    }
    let mut s = format!("{value:.2}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" { "0".to_owned() } else { s }
}

/// Reads MPP9 value lists (project `Props`) and outline code values (`TBkndOutlCode`).
pub fn read_mpp9(
    custom: &mut CustomFields,
    config: &mut BTreeMap<u32, CustomFieldDefinition>,
    props: &Props,
    outline: &EntityBlocks,
    default_unit: TimeUnit,
) {
    let mut next_id = 0i32;
    if let Some(data) = props.bytes(FIELD_ATTRIBUTES) {
        read_mpp9_value_lists(custom, config, data, default_unit, &mut next_id);
    }
    read_mpp9_outline_codes(custom, config, outline, &mut next_id);
}

/// `u32` length, `u32` list count, count × (field id, offset); at a list's offset L, `u32`s
/// at L+8, L+12, L+16 give (relative to L) the start of the values, their end and the end of
/// the descriptions.
fn read_mpp9_value_lists(
    custom: &mut CustomFields,
    config: &mut BTreeMap<u32, CustomFieldDefinition>,
    data: &[u8],
    default_unit: TimeUnit,
    next_id: &mut i32,
) {
    let length = u32_at(data, 0).unwrap_or(0) as usize;
    let count = u32_at(data, 4).unwrap_or(0) as usize;
    let mut off = 8usize;
    for _ in 0..count {
        if off >= length {
            break;
        }
        let (Some(field_id), Some(list)) = (u32_at(data, off), u32_at(data, off + 4)) else {
            break;
        };
        off += 8;
        let list = list as usize;
        let Some(info) = fields::lookup(field_id) else {
            continue;
        };
        let at = |k: usize| {
            u32_at(data, list.checked_add(k)?).and_then(|v| (v as usize).checked_add(list))
        };
        let (Some(start), Some(end), Some(desc_end)) = (at(8), at(12), at(16)) else {
            continue;
        };
        let values = data.get(start..end).unwrap_or_default();
        let descriptions = data.get(end..desc_end).unwrap_or_default();
        let values = packed_values(info.kind, values, default_unit);
        let descriptions = packed_strings(descriptions);
        let name = info.field_name();
        let table_guid = name_uuid(name.as_bytes());
        definition(config, field_id).lookup_table_guid = Some(table_guid);
        for (i, description) in descriptions.into_iter().enumerate() {
            *next_id += 1;
            let value = values.get(i).cloned();
            let item = Item {
                value: value.clone().unwrap_or(ItemValue::Text(String::new())),
                guid: Some(name_uuid(format!("{name}{next_id}").as_bytes())),
                parent: 0,
            };
            let entry = LookupValue {
                id: *next_id,
                parent_id: 0,
                guid: item.guid,
                value_type: info.kind.value_type(),
                value: value.as_ref().map(mspdi_value).unwrap_or_default(),
                description: Some(description),
            };
            add_to_table(custom, config, field_id, Some(table_guid), entry);
            custom.items.insert(*next_id, item);
        }
    }
}

/// Values packed one after another in the field's own encoding.
fn packed_values(kind: Kind, data: &[u8], default_unit: TimeUnit) -> Vec<ItemValue> {
    let mut out = Vec::new();
    let mut off = 0usize;
    while off < data.len() {
        let rest = data.get(off..).unwrap_or_default();
        let (value, size) = match kind {
            Kind::Text | Kind::OutlineCode => {
                let (s, units) = utf16_counted(rest);
                (ItemValue::Text(s), (units + 1) * 2)
            }
            Kind::Cost => (ItemValue::Cost(f64_at(rest, 0).unwrap_or(0.0) / 100.0), 8),
            Kind::Number => (ItemValue::Number(f64_at(rest, 0).unwrap_or(0.0)), 8),
            Kind::Date | Kind::Start | Kind::Finish => {
                (ItemValue::Date(encoding::timestamp(rest, 0)), 4)
            }
            Kind::Duration => {
                let unit = unit_from_code(u16_at(rest, 4).unwrap_or(0), default_unit);
                let tenths = i32_at(rest, 0).unwrap_or(0);
                (
                    ItemValue::Duration(Duration::new(f64::from(tenths) / 10.0, unit)),
                    6,
                )
            }
            Kind::Flag => (ItemValue::Flag(u16_at(rest, 0) == Some(1)), 2),
        };
        out.push(value);
        off += size;
    }
    out
}

/// UTF-16 strings, each ended by a NUL.
fn packed_strings(data: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut off = 0usize;
    while off < data.len() {
        let (s, units) = utf16_counted(data.get(off..).unwrap_or_default());
        out.push(s);
        off += (units + 1) * 2;
    }
    out
}

/// MPP9 outline code values: FixedData rows (≥ 18 bytes) give an index (`u16` at 0) and the
/// field id (at 12); Var2Data under the index holds the value (key 1) and description (2).
fn read_mpp9_outline_codes(
    custom: &mut CustomFields,
    config: &mut BTreeMap<u32, CustomFieldDefinition>,
    outline: &EntityBlocks,
    next_id: &mut i32,
) {
    let mut by_field: BTreeMap<u32, Vec<i32>> = BTreeMap::new();
    for fixed in split_by_meta(&outline.meta, &outline.data, 0, 0)
        .into_iter()
        .flatten()
    {
        if fixed.len() < 18 {
            continue;
        }
        let (Some(index), Some(field_id)) = (u16_at(fixed, 0), u32_at(fixed, 12)) else {
            continue;
        };
        if fields::lookup(field_id).is_none() || !outline.var.has_owner(i32::from(index)) {
            continue;
        }
        by_field.entry(field_id).or_default().push(i32::from(index));
    }
    for (field_id, mut indices) in by_field {
        indices.sort_unstable();
        indices.dedup();
        let name = fields::lookup(field_id)
            .map(|i| i.field_name())
            .unwrap_or_default();
        let table_guid = name_uuid(name.as_bytes());
        definition(config, field_id).lookup_table_guid = Some(table_guid);
        for index in indices {
            *next_id += 1;
            let text = outline
                .var
                .get(index, MPP9_VALUE)
                .map(utf16_string)
                .unwrap_or_default();
            let description = outline
                .var
                .get(index, MPP9_DESCRIPTION)
                .map(utf16_string)
                .filter(|s| !s.is_empty());
            let entry = LookupValue {
                id: *next_id,
                parent_id: 0,
                guid: Some(name_uuid(format!("{name}{next_id}").as_bytes())),
                value_type: TYPE_TEXT,
                value: text,
                description,
            };
            add_to_table(custom, config, field_id, Some(table_guid), entry);
        }
    }
}

/// The text of a value list entry, as the field's values compare with it.
pub fn item_text(item: &Item) -> Option<&str> {
    match &item.value {
        ItemValue::Text(s) => Some(s),
        _ => None,
    }
}

/// The 26-byte reference a custom value holds when picked from a list: `u16` marker
/// `0x0701`/`0x0401`, `i32` unique id (−1 = use the GUID), GUID.
pub fn referenced_item<'c>(custom: &'c CustomFields, raw: &[u8]) -> Option<&'c Item> {
    let by_guid = || {
        encoding::guid(raw, 6)
            .and_then(|g| custom.guids.get(&g))
            .and_then(|id| custom.items.get(id))
    };
    match i32_at(raw, 2)? {
        -1 => by_guid(),
        id => custom.items.get(&id).or_else(by_guid),
    }
}

/// True when a stored custom value is a value-list reference rather than the value.
pub fn is_reference(raw: &[u8]) -> bool {
    matches!(u16_at(raw, 0), Some(0x0701 | 0x0401))
}

/// A 4-byte reference carries a date: `u16` days at 2.
pub fn reference_date(raw: &[u8]) -> Option<DateTime> {
    slice(raw, 0, 4)
        .filter(|r| r.len() == raw.len())
        .and_then(|r| encoding::date_from_days(u16_at(r, 2)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mspdi_values_of_lookup_entries() {
        // 2015-01-01 08:00 is day 11324 (0x2C3C), time 4800 tenths (0x12C0).
        let date = encoding::timestamp(&[0xC0, 0x12, 0x3C, 0x2C], 0);
        assert_eq!(
            date.map(|d| d.to_string()).as_deref(),
            Some("2015-01-01 08:00:00")
        );
        assert_eq!(mspdi_value(&ItemValue::Date(date)), "742134464");
        assert_eq!(mspdi_value(&ItemValue::Cost(1.0)), "100");
        assert_eq!(mspdi_value(&ItemValue::Number(2.5)), "2.5");
        assert_eq!(
            mspdi_value(&ItemValue::Duration(Duration::new(480.0, TimeUnit::DAYS))),
            "4800"
        );
        assert_eq!(decimal2(1.0 / 3.0), "0.33");
        assert_eq!(decimal2(-0.001), "0");
    }

    #[test]
    fn packed_lists_decode() {
        let mut data = Vec::new();
        for s in ["Value 1", "Value 2"] {
            data.extend(s.encode_utf16().chain([0]).flat_map(u16::to_le_bytes));
        }
        assert_eq!(
            packed_strings(&data),
            vec!["Value 1".to_owned(), "Value 2".to_owned()]
        );
        let mut durations = Vec::new();
        durations.extend_from_slice(&4800i32.to_le_bytes());
        durations.extend_from_slice(&7u16.to_le_bytes());
        durations.extend_from_slice(&[1, 2, 3]); // a torn tail
        let values = packed_values(Kind::Duration, &durations, TimeUnit::DAYS);
        assert_eq!(
            values.first(),
            Some(&ItemValue::Duration(Duration::new(480.0, TimeUnit::DAYS)))
        );
        assert_eq!(values.len(), 2);
    }
}
