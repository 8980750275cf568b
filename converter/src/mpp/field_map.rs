//! Field maps: where each field of an entity is stored in this file. MPP9/12/14 files carry
//! their own map in the project `Props`; it wins over the defaults because Project moves
//! fields between saves of the same format (e.g. Unique ID at 0 in 2010, at 4 in 2013).

use super::bytes::{u8_at, u16_at, u32_at};
use super::props::Props;
use crate::model::FileFormat;
use foldhash::{HashMap, HashMapExt};

/// Entity class of a field id (the high 16 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    /// `0x0B40xxxx`.
    Task,
    /// `0x0C40xxxx`.
    Resource,
    /// `0x0F40xxxx`.
    Assignment,
}

impl Entity {
    /// The class bits that make a field index into a field id.
    pub fn base(self) -> u32 {
        match self {
            Self::Task => 0x0B40_0000,
            Self::Resource => 0x0C40_0000,
            Self::Assignment => 0x0F40_0000,
        }
    }

    /// Project `Props` keys of the stored map, newest form first.
    fn props_keys(self) -> [u32; 2] {
        match self {
            Self::Task => [0x0002_0014, 0x0300_0014],
            Self::Resource => [0x0002_0015, 0x0300_0015],
            Self::Assignment => [0x0002_0017, 0x0300_0017],
        }
    }
}

/// Where one field lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// In fixed data block `block` (0 = FixedData, 1 = Fixed2Data) at `offset`, `size` bytes.
    Fixed {
        /// 0 = FixedData, 1 = Fixed2Data.
        block: u8,
        /// Offset in the record.
        offset: u16,
        /// Size in bytes as the map states it.
        size: u16,
    },
    /// In Var2Data under the owner's unique id and this key.
    Var {
        /// The Var2Data key.
        key: u16,
    },
    /// A bit flag in a meta item; the position is known per version, not from the map.
    Meta,
}

/// One entity's field map.
#[derive(Debug, Clone, Default)]
pub struct FieldMap {
    fields: HashMap<u32, Location>,
    record_sizes: [usize; 2],
}

/// MPP14 keeps assignment Cost1–10 and Flag1–20 only under "secondary" Var2Data keys.
fn mpp14_assignment_var_key(field_id: u32) -> Option<u16> {
    if field_id & 0xFFFF_0000 != Entity::Assignment.base() {
        return None;
    }
    let index = field_id & 0xFFFF;
    MPP14_ASSIGNMENT_SECONDARY
        .iter()
        .find(|(i, _)| *i == index)
        .map(|(_, k)| *k)
}

/// (assignment field index, Var2Data key): Flag1–20 → 16394–16413, Cost1–10 → 16414–16423.
static MPP14_ASSIGNMENT_SECONDARY: &[(u32, u16)] = &[
    (123, 16394),
    (124, 16395),
    (125, 16396),
    (126, 16397),
    (127, 16398),
    (128, 16399),
    (129, 16400),
    (130, 16401),
    (131, 16402),
    (122, 16403),
    (188, 16404),
    (189, 16405),
    (190, 16406),
    (191, 16407),
    (192, 16408),
    (193, 16409),
    (194, 16410),
    (195, 16411),
    (196, 16412),
    (197, 16413),
    (119, 16414),
    (120, 16415),
    (121, 16416),
    (159, 16417),
    (160, 16418),
    (161, 16419),
    (162, 16420),
    (163, 16421),
    (164, 16422),
    (165, 16423),
];

impl FieldMap {
    /// Reads the stored map of `entity` from the project `Props`, or `None` when the file has
    /// none (the caller then uses a default layout).
    pub fn from_props(props: &Props, entity: Entity, format: FileFormat) -> Option<Self> {
        let data = entity.props_keys().iter().find_map(|k| props.bytes(*k))?;
        Some(Self::parse(data, format))
    }

    /// Parses an array of 28-byte map entries.
    pub fn parse(data: &[u8], format: FileFormat) -> Self {
        let mut fields = HashMap::new();
        let mut record_sizes = [0usize; 2];
        let mut block = 0u8;
        let mut last_offset = 0u16;
        for entry in data.chunks_exact(28) {
            let (Some(offset), Some(field_id), Some(category), Some(size)) = (
                u16_at(entry, 4),
                u32_at(entry, 12),
                u16_at(entry, 20),
                u16_at(entry, 22),
            ) else {
                continue;
            };
            let location = match category {
                0x0B | 0x64 => Location::Meta,
                _ if offset != 0xFFFF => {
                    if offset < last_offset {
                        block = block.saturating_add(1);
                    }
                    last_offset = offset;
                    let width = fixed_width(category, size);
                    if let Some(max) = record_sizes.get_mut(usize::from(block)) {
                        *max = (*max).max(usize::from(offset) + width);
                    }
                    Location::Fixed {
                        block,
                        offset,
                        size: width as u16,
                    }
                }
                _ => {
                    let key = match format {
                        FileFormat::Mpp9 | FileFormat::Mpp8 => {
                            u16::from(u8_at(entry, 6).unwrap_or(0))
                        }
                        FileFormat::Mpp12 => (field_id & 0xFFFF) as u16,
                        FileFormat::Mpp14 => {
                            mpp14_assignment_var_key(field_id).unwrap_or((field_id & 0xFFFF) as u16)
                        }
                    };
                    if key == 0 {
                        continue;
                    }
                    Location::Var { key }
                }
            };
            fields.insert(field_id, location);
        }
        Self {
            fields,
            record_sizes,
        }
    }

    /// Builds a map from a default layout table.
    pub fn from_defaults(entity: Entity, table: &[(u16, Location)]) -> Self {
        let mut map = Self::default();
        for (index, location) in table {
            if let Location::Fixed {
                block,
                offset,
                size,
            } = *location
                && let Some(max) = map.record_sizes.get_mut(usize::from(block))
            {
                *max = (*max).max(usize::from(offset) + usize::from(size));
            }
            map.fields
                .insert(entity.base() | u32::from(*index), *location);
        }
        map
    }

    /// The default layout of `entity` in `format`, for files that store no map of their own.
    pub fn default_for(entity: Entity, format: FileFormat) -> Self {
        use super::default_maps as d;
        let table: &[(u16, Location)] = match (entity, format) {
            (Entity::Task, FileFormat::Mpp9) => d::TASK_MPP9,
            (Entity::Task, FileFormat::Mpp12) => d::TASK_MPP12,
            (Entity::Task, FileFormat::Mpp14) => d::TASK_MPP14,
            (Entity::Resource, FileFormat::Mpp9) => d::RESOURCE_MPP9,
            (Entity::Resource, FileFormat::Mpp12) => d::RESOURCE_MPP12,
            (Entity::Resource, FileFormat::Mpp14) => d::RESOURCE_MPP14,
            (Entity::Assignment, FileFormat::Mpp9) => d::ASSIGNMENT_MPP9,
            (Entity::Assignment, FileFormat::Mpp12) => d::ASSIGNMENT_MPP12,
            (Entity::Assignment, FileFormat::Mpp14) => d::ASSIGNMENT_MPP14,
            _ => &[],
        };
        Self::from_defaults(entity, table)
    }

    /// Adds enterprise custom fields (project Props `0x024013C5`) as Var2Data entries.
    pub fn add_enterprise_fields(&mut self, props: &Props, entity: Entity) {
        let Some(data) = props.bytes(0x0240_13C5) else {
            return;
        };
        let mut off = 4;
        while let Some(id) = u32_at(data, off) {
            if id & 0xFFFF_0000 == entity.base() && id & 0x8000 != 0 {
                self.fields.insert(
                    id,
                    Location::Var {
                        key: (id & 0xFFFF) as u16,
                    },
                );
            }
            off += 4;
        }
    }

    /// Where field `field_id` lives.
    pub fn get(&self, field_id: u32) -> Option<Location> {
        self.fields.get(&field_id).copied()
    }

    /// Size of a block's records implied by the map (largest offset + width).
    pub fn record_size(&self, block: u8) -> usize {
        self.record_sizes
            .get(usize::from(block))
            .copied()
            .unwrap_or(0)
    }
}

/// Bytes a fixed field of a category occupies; the map's own size is used when plausible.
fn fixed_width(category: u16, stated: u16) -> usize {
    match category {
        0x02 => 2,
        0x03 | 0x13 => 4,
        0x05 | 0x65 | 0x66 => 8,
        0x48 => 16,
        _ if (1..=64).contains(&stated) => usize::from(stated),
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(offset: u16, var_key: u8, field_id: u32, category: u16, size: u16) -> Vec<u8> {
        let mut e = vec![0u8; 28];
        e[4..6].copy_from_slice(&offset.to_le_bytes());
        e[6] = var_key;
        e[12..16].copy_from_slice(&field_id.to_le_bytes());
        e[20..22].copy_from_slice(&category.to_le_bytes());
        e[22..24].copy_from_slice(&size.to_le_bytes());
        e
    }

    #[test]
    fn blocks_start_where_offsets_fall_back() {
        let mut data = Vec::new();
        data.extend(entry(0, 0, 0x0B40_0056, 3, 4)); // unique id
        data.extend(entry(4, 0, 0x0B40_0017, 3, 4)); // id
        data.extend(entry(0xFFFF, 11, 0x0B40_000E, 8, 512)); // name
        data.extend(entry(0xFFFF, 0, 0x0B40_0048, 0x0B, 2)); // a flag
        data.extend(entry(0, 0, 0x0B40_0477, 0x48, 16)); // GUID opens block 1
        data.extend(entry(50, 0, 0x0B40_0503, 0x13, 4));
        let map = FieldMap::parse(&data, FileFormat::Mpp14);
        assert_eq!(
            map.get(0x0B40_0017),
            Some(Location::Fixed {
                block: 0,
                offset: 4,
                size: 4
            })
        );
        assert_eq!(map.get(0x0B40_000E), Some(Location::Var { key: 14 }));
        assert_eq!(map.get(0x0B40_0048), Some(Location::Meta));
        assert_eq!(
            map.get(0x0B40_0503),
            Some(Location::Fixed {
                block: 1,
                offset: 50,
                size: 4
            })
        );
        assert_eq!(map.record_size(0), 8);
        assert_eq!(map.record_size(1), 54);
        let mpp9 = FieldMap::parse(&data, FileFormat::Mpp9);
        assert_eq!(
            mpp9.get(0x0B40_000E),
            Some(Location::Var { key: 11 }),
            "MPP9 key is byte 6"
        );
    }
}
