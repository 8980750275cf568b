//! Custom field definitions: the alias and definition block of MPP12/14 entity `Props`, the
//! alias lists of MPP9 project `Props`, and the fields that carry graphical indicators.

use super::super::bytes::{i32_at, slice, u8_at, u16_at, u32_at};
use super::super::encoding;
use super::super::field_map::Entity;
use super::super::props::Props;
use super::fields;
use crate::model::{CustomFieldDefinition, FileFormat, Guid};
use std::collections::BTreeMap;

/// Entity `Props` key of the alias and definition block (MPP12/14).
pub const CUSTOM_FIELDS: u32 = 0x0440_0001;
/// Project `Props` keys of the MPP9 task and resource alias lists.
const TASK_ALIASES: u32 = 0x0010_0001;
const RESOURCE_ALIASES: u32 = 0x0010_0002;
/// Project `Props` key of the field attributes: graphical indicators (and, in MPP9, value
/// lists).
pub const FIELD_ATTRIBUTES: u32 = 0x0240_1390;

/// Size of an MPP14 definition record.
const MPP14_RECORD: usize = 88;

/// What one alias and definition block holds.
#[derive(Debug, Default, PartialEq)]
pub struct Block {
    /// (field id, alias), non-empty aliases only.
    pub aliases: Vec<(u32, String)>,
    /// The custom field records.
    pub definitions: Vec<Definition>,
}

/// One custom field record of the definition block.
#[derive(Debug, PartialEq)]
pub struct Definition {
    /// Field id.
    pub field_id: u32,
    /// MSPDI `CFType`.
    pub cf_type: u16,
    /// GUID of the field's value list or outline code table.
    pub lookup_table: Option<Guid>,
}

/// Parses the block under `CUSTOM_FIELDS`: an alias block, two blocks of unknown meaning, then
/// the definitions (88-byte records in MPP14; an index and length-prefixed records in MPP12).
/// The unknown blocks are walked by their sizes rather than assumed to be 8 bytes each.
pub fn parse_block(data: &[u8], format: FileFormat) -> Block {
    let mut block = Block {
        aliases: read_aliases(data),
        definitions: Vec::new(),
    };
    let Some(mut off) = u32_at(data, 0).and_then(|s| (s as usize).checked_add(4)) else {
        return block;
    };
    for _ in 0..2 {
        let Some(size) = u32_at(data, off) else {
            return block;
        };
        off = off.saturating_add(4).saturating_add(size as usize);
    }
    let records = if format == FileFormat::Mpp14 {
        mpp14_records(data, off)
    } else {
        mpp12_records(data, off)
    };
    block.definitions = records;
    block
}

/// The alias block: `u32` size, `u32` size again, `u32` count, count × (field id, offset);
/// each alias is a UTF-16 string at its offset + 4.
fn read_aliases(data: &[u8]) -> Vec<(u32, String)> {
    let size = u32_at(data, 0).unwrap_or(0) as usize;
    let count = u32_at(data, 8).unwrap_or(0) as usize;
    let mut aliases = Vec::new();
    let mut off = 12usize;
    for _ in 0..count {
        if off >= size {
            break;
        }
        let (Some(field_id), Some(at)) = (u32_at(data, off), u32_at(data, off + 4)) else {
            break;
        };
        off += 8;
        let text = (at as usize)
            .checked_add(4)
            .and_then(|start| data.get(start..))
            .map(super::super::bytes::utf16_string)
            .unwrap_or_default();
        if !text.is_empty() {
            aliases.push((field_id, text));
        }
    }
    aliases
}

/// MPP14: `u32` count, `u32` size, then count 88-byte records (field id at 0, `CFType` at 12,
/// lookup table GUID at 36).
fn mpp14_records(data: &[u8], off: usize) -> Vec<Definition> {
    let count = u32_at(data, off).unwrap_or(0) as usize;
    let first = off.saturating_add(8);
    (0..count)
        .map_while(|i| {
            let record = slice(
                data,
                first.checked_add(i.checked_mul(MPP14_RECORD)?)?,
                MPP14_RECORD,
            )?;
            Some(Definition {
                field_id: u32_at(record, 0)?,
                cf_type: u16_at(record, 12)?,
                lookup_table: encoding::guid(record, 36),
            })
        })
        .collect()
}

/// MPP12: `u32` size twice, `u32` count, count × 8-byte index entries, then count records
/// each starting with its length (field id at 4, `CFType` at 12, lookup table GUID at 160).
fn mpp12_records(data: &[u8], off: usize) -> Vec<Definition> {
    let count = u32_at(data, off.saturating_add(8)).unwrap_or(0) as usize;
    let mut at = off
        .saturating_add(12)
        .saturating_add(count.saturating_mul(8));
    let mut records = Vec::new();
    for _ in 0..count {
        let Some(len) = u16_at(data, at).map(usize::from) else {
            break;
        };
        let Some(record) = slice(data, at, len) else {
            break;
        };
        if len == 0 {
            break;
        }
        if let (Some(field_id), Some(cf_type)) = (u32_at(record, 4), u16_at(record, 12)) {
            records.push(Definition {
                field_id,
                cf_type,
                lookup_table: encoding::guid(record, 160),
            });
        }
        at += len;
    }
    records
}

/// MPP9 alias lists: consecutive UTF-16 strings; the position of a string names the field.
/// Rows are (first position, family, first member, count, step between positions).
type AliasRun = (usize, &'static str, usize, usize, usize);

static TASK_ALIAS_RUNS: &[AliasRun] = &[
    (118, "Text", 1, 10, 1),
    (128, "Start", 1, 10, 2),
    (129, "Finish", 1, 10, 2),
    (149, "Number", 1, 10, 1),
    (159, "Duration", 1, 10, 2),
    (184, "Date", 1, 10, 1),
    (194, "Text", 11, 20, 1),
    (214, "Number", 11, 10, 1),
    (227, "Outline Code", 1, 10, 1),
    (237, "Flag", 1, 20, 1),
    (278, "Cost", 1, 10, 1),
];

static RESOURCE_ALIAS_RUNS: &[AliasRun] = &[
    (52, "Text", 1, 30, 1),
    (82, "Start", 1, 10, 1),
    (92, "Finish", 1, 10, 1),
    (102, "Number", 1, 20, 1),
    (122, "Duration", 1, 10, 1),
    (145, "Date", 1, 10, 1),
    (155, "Outline Code", 1, 10, 1),
    (165, "Flag", 10, 1, 1),
    (166, "Flag", 1, 9, 1),
    (175, "Flag", 11, 10, 1),
    (207, "Cost", 1, 10, 1),
];

/// The field at alias position `position`.
fn alias_field(entity: Entity, runs: &[AliasRun], position: usize) -> Option<u32> {
    runs.iter().find_map(|&(first, name, member, count, step)| {
        let delta = position.checked_sub(first)?;
        if delta % step != 0 || delta / step >= count {
            return None;
        }
        let number = member + delta / step;
        let family = fields::families(entity).iter().find(|f| f.name == name)?;
        let index = family.indices.get(number - 1)?;
        Some(entity.base() | u32::from(*index))
    })
}

/// Adds the aliases of MPP9 project `Props` to `config`.
pub fn mpp9_aliases(props: &Props, config: &mut BTreeMap<u32, CustomFieldDefinition>) {
    for (key, entity, runs) in [
        (TASK_ALIASES, Entity::Task, TASK_ALIAS_RUNS),
        (RESOURCE_ALIASES, Entity::Resource, RESOURCE_ALIAS_RUNS),
    ] {
        let Some(data) = props.bytes(key) else {
            continue;
        };
        let mut off = 0usize;
        let mut position = 0usize;
        while off < data.len() {
            let (text, units) = utf16_counted(data.get(off..).unwrap_or_default());
            if let Some(field_id) = alias_field(entity, runs, position).filter(|_| !text.is_empty())
            {
                super::definition(config, field_id).alias = Some(text);
            }
            off += (units + 1) * 2;
            position += 1;
        }
    }
}

/// A UTF-16 string up to its NUL, and how many code units it had.
pub fn utf16_counted(data: &[u8]) -> (String, usize) {
    let units: Vec<u16> = data
        .chunks_exact(2)
        .filter_map(|c| u16_at(c, 0))
        .take_while(|u| *u != 0)
        .collect();
    (String::from_utf16_lossy(&units), units.len())
}

/// Custom fields with graphical indicators shown: the field attributes list (`u32` count at
/// 4, then (field id, offset) pairs) whose entry's flag byte has bit `0x02`.
pub fn graphical_indicator_fields(props: &Props) -> Vec<u32> {
    let Some(data) = props.bytes(FIELD_ATTRIBUTES) else {
        return Vec::new();
    };
    let count = i32_at(data, 4).unwrap_or(0).max(0) as usize;
    (0..count)
        .map_while(|i| {
            let at = 8usize.checked_add(i.checked_mul(8)?)?;
            Some((u32_at(data, at)?, u32_at(data, at + 4)?))
        })
        .filter(|(field_id, offset)| {
            fields::lookup(*field_id).is_some()
                && u8_at(data, *offset as usize).is_some_and(|flags| flags & 0x02 != 0)
        })
        .map(|(field_id, _)| field_id)
        .collect()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)] // Test inputs are built by hand.
mod tests {
    use super::*;

    fn utf16z(s: &str) -> Vec<u8> {
        s.encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect()
    }

    /// An MPP14 block with one alias and one definition; block 2 is longer than 8 bytes.
    fn mpp14_block() -> Vec<u8> {
        let alias = utf16z("Risk");
        // alias block body: size again, count, (id, offset), string
        let mut body = Vec::new();
        let size = (12 + 8 + alias.len()) as u32;
        body.extend_from_slice(&size.to_le_bytes());
        body.extend_from_slice(&1u32.to_le_bytes());
        body.extend_from_slice(&188_743_731u32.to_le_bytes());
        body.extend_from_slice(&(20u32 - 4).to_le_bytes()); // string at 20 = offset + 4
        body.extend_from_slice(&alias);
        let mut data = Vec::new();
        data.extend_from_slice(&(body.len() as u32).to_le_bytes());
        data.extend_from_slice(&body);
        data.extend_from_slice(&8u32.to_le_bytes());
        data.extend_from_slice(&[0; 8]);
        data.extend_from_slice(&12u32.to_le_bytes());
        data.extend_from_slice(&[0; 12]);
        data.extend_from_slice(&1u32.to_le_bytes());
        data.extend_from_slice(&88u32.to_le_bytes());
        let mut record = vec![0u8; 88];
        record[0..4].copy_from_slice(&188_743_767u32.to_le_bytes());
        record[12..14].copy_from_slice(&5u16.to_le_bytes());
        record[36] = 0xAB;
        data.extend_from_slice(&record);
        data
    }

    #[test]
    fn reads_aliases_and_definitions() {
        let block = parse_block(&mpp14_block(), FileFormat::Mpp14);
        assert_eq!(block.aliases, vec![(188_743_731, "Risk".to_owned())]);
        assert_eq!(block.definitions.len(), 1);
        let def = block.definitions.first();
        assert_eq!(def.map(|d| (d.field_id, d.cf_type)), Some((188_743_767, 5)));
        assert_eq!(def.and_then(|d| d.lookup_table).map(|g| g.0[0]), Some(0xAB));
    }

    #[test]
    fn truncated_blocks_give_what_they_have() {
        let data = mpp14_block();
        for cut in 0..data.len() {
            let _ = parse_block(data.get(..cut).unwrap_or_default(), FileFormat::Mpp14);
            let _ = parse_block(data.get(..cut).unwrap_or_default(), FileFormat::Mpp12);
        }
    }

    #[test]
    fn mpp9_alias_positions() {
        assert_eq!(
            alias_field(Entity::Task, TASK_ALIAS_RUNS, 118),
            Some(188_743_731)
        );
        assert_eq!(
            alias_field(Entity::Task, TASK_ALIAS_RUNS, 129),
            Some(188_743_733),
            "Finish1"
        );
        assert_eq!(
            alias_field(Entity::Task, TASK_ALIAS_RUNS, 131),
            Some(0x0B40_0038),
            "Finish2"
        );
        assert_eq!(alias_field(Entity::Task, TASK_ALIAS_RUNS, 148), None);
        assert_eq!(
            alias_field(Entity::Resource, RESOURCE_ALIAS_RUNS, 165),
            Some(0x0C40_007E),
            "Flag10"
        );
        let mut items = Vec::new();
        for i in 0..119 {
            items.extend(utf16z(if i == 118 { "Text1t" } else { "" }));
        }
        let props = Props::parse(&crate::mpp::props::tests::build(&[(TASK_ALIASES, &items)]));
        let mut config = BTreeMap::new();
        mpp9_aliases(&props, &mut config);
        let def = config.get(&188_743_731);
        assert_eq!(def.and_then(|d| d.alias.as_deref()), Some("Text1t"));
        assert_eq!(def.map(|d| d.name.as_str()), Some("Text1"));
    }
}
