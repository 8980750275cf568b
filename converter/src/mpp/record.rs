//! Typed access to one row of an entity (task, resource, assignment) through the file's
//! field map: fixed data blocks 0 and 1, the meta items with their bit flags, and Var2Data.

use super::bytes::{f64_at, i32_at, slice, u16_at, u32_at, utf16_string};
use super::encoding;
use super::field_map::{Entity, FieldMap, Location};
use super::var_data::VarData;
use crate::budget::Budget;
use crate::model::{DateTime, Guid, TimeUnit};

/// One row: its records, meta items and the shared lookups.
pub struct Row<'a> {
    /// The owner's unique id (the Var2Data owner key).
    pub uid: i32,
    /// FixedData and Fixed2Data records (empty when absent).
    pub fixed: [&'a [u8]; 2],
    /// FixedMeta and Fixed2Meta items (empty when absent).
    pub meta: [&'a [u8]; 2],
    /// Var2Data of the entity storage.
    pub var: &'a VarData,
    /// The entity's field map.
    pub map: &'a FieldMap,
    /// Which entity the row belongs to.
    pub entity: Entity,
    /// The conversion's budgets: text read from the row is charged to them.
    pub budget: &'a Budget,
}

/// Charges what a row's entity holds beyond its inline size and the strings the row
/// charged as it read them: its notes (RTF turned to text), custom values and baselines.
pub fn charge_parts(
    budget: &Budget,
    notes: Option<&String>,
    custom_values: usize,
    baselines: usize,
) -> bool {
    budget.alloc(notes.map_or(0, String::len))
        && budget.alloc_items::<crate::model::CustomFieldValue>(custom_values)
        && budget.alloc_items::<crate::model::Baseline>(baselines)
}

impl<'a> Row<'a> {
    fn location(&self, index: u16) -> Option<Location> {
        self.map.get(self.entity.base() | u32::from(index))
    }

    /// The stored bytes of a field: its fixed-data slice or its Var2Data item.
    pub fn raw(&self, index: u16) -> Option<&'a [u8]> {
        match self.location(index)? {
            Location::Fixed {
                block,
                offset,
                size,
            } => {
                let record = *self.fixed.get(usize::from(block))?;
                slice(record, usize::from(offset), usize::from(size))
            }
            Location::Var { key } => self.var.get(self.uid, key),
            Location::Meta => None,
        }
    }

    /// True when the field has stored bytes.
    pub fn has(&self, index: u16) -> bool {
        self.raw(index).is_some()
    }

    /// An `i32` field.
    pub fn i32(&self, index: u16) -> Option<i32> {
        let raw = self.raw(index)?;
        match raw.len() {
            2 => u16_at(raw, 0).map(i32::from),
            _ => i32_at(raw, 0),
        }
    }

    /// A `u16` field (enums, percentages, unit codes, priorities).
    pub fn u16(&self, index: u16) -> Option<u16> {
        let raw = self.raw(index)?;
        match raw.len() {
            1 => raw.first().map(|b| u16::from(*b)),
            _ => u16_at(raw, 0),
        }
    }

    /// A `u8` field.
    pub fn u8(&self, index: u16) -> Option<u8> {
        self.raw(index)?.first().copied()
    }

    /// A double field; NaN reads as none.
    pub fn f64(&self, index: u16) -> Option<f64> {
        f64_at(self.raw(index)?, 0).filter(|v| !v.is_nan())
    }

    /// A timestamp field.
    pub fn timestamp(&self, index: u16) -> Option<DateTime> {
        encoding::timestamp(self.raw(index)?, 0)
    }

    /// A string field (UTF-16 in Var2Data); empty is none, and so is a string the memory
    /// budget cannot hold (the reading then stops with that budget's error).
    pub fn string(&self, index: u16) -> Option<String> {
        let s = utf16_string(self.raw(index)?);
        (!s.is_empty())
            .then_some(s)
            .and_then(|s| self.budget.keep_string(s))
    }

    /// A GUID field.
    pub fn guid(&self, index: u16) -> Option<Guid> {
        encoding::guid(self.raw(index)?, 0)
    }

    /// Work: thousandths of a minute, returned in minutes.
    pub fn work(&self, index: u16) -> Option<f64> {
        self.f64(index).map(encoding::clean_work)
    }

    /// Cost: hundredths, returned in currency units.
    pub fn cost(&self, index: u16) -> Option<f64> {
        self.f64(index).map(encoding::clean_cost)
    }

    /// Units: 10000 = 100 %, returned as a fraction.
    pub fn units(&self, index: u16) -> Option<f64> {
        self.f64(index).map(|v| encoding::clean_cost(v) / 100.0)
    }

    /// Tests `mask` on the `u32` at `byte` of meta item `block`.
    pub fn meta_flag(&self, block: usize, byte: usize, mask: u32) -> bool {
        self.meta
            .get(block)
            .and_then(|m| u32_at(m, byte))
            .is_some_and(|v| v & mask != 0)
    }
}

/// A stored duration-unit code (low five bits; bit 5 is "estimated") as a unit.
pub fn unit_from_code(code: u16, default: TimeUnit) -> TimeUnit {
    match code & 0x1F {
        3 => TimeUnit::MINUTES,
        4 => TimeUnit::ELAPSED_MINUTES,
        5 => TimeUnit::HOURS,
        6 => TimeUnit::ELAPSED_HOURS,
        7 => TimeUnit::DAYS,
        8 => TimeUnit::ELAPSED_DAYS,
        9 => TimeUnit::WEEKS,
        10 => TimeUnit::ELAPSED_WEEKS,
        11 => TimeUnit::MONTHS,
        12 => TimeUnit::ELAPSED_MONTHS,
        19 => TimeUnit::PERCENT,
        20 => TimeUnit::ELAPSED_PERCENT,
        21 => default,
        _ => TimeUnit::DAYS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpp::field_map::Location;

    #[test]
    fn reads_fixed_var_and_meta_fields() {
        let map = FieldMap::from_defaults(
            Entity::Task,
            &[
                (
                    86,
                    Location::Fixed {
                        block: 0,
                        offset: 0,
                        size: 4,
                    },
                ),
                (
                    29,
                    Location::Fixed {
                        block: 0,
                        offset: 4,
                        size: 4,
                    },
                ),
                (
                    181,
                    Location::Fixed {
                        block: 0,
                        offset: 8,
                        size: 2,
                    },
                ),
                (
                    0,
                    Location::Fixed {
                        block: 1,
                        offset: 0,
                        size: 8,
                    },
                ),
                (14, Location::Var { key: 14 }),
            ],
        );
        let mut fixed = vec![0u8; 10];
        fixed[0..4].copy_from_slice(&7i32.to_le_bytes());
        fixed[4..8].copy_from_slice(&4800i32.to_le_bytes());
        fixed[8..10].copy_from_slice(&(7u16 | 0x20).to_le_bytes());
        let fixed2 = 2_400_000f64.to_le_bytes();
        let var = VarData::default();
        let meta = [0u8, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0];
        let row = Row {
            uid: 7,
            fixed: [&fixed, &fixed2],
            meta: [&meta, &[]],
            var: &var,
            map: &map,
            entity: Entity::Task,
            budget: &crate::budget::Budget::unlimited(),
        };
        assert_eq!(row.i32(86), Some(7));
        assert_eq!(row.i32(29), Some(4800));
        let code = row.u16(181).unwrap_or_default();
        assert_eq!(unit_from_code(code, TimeUnit::HOURS), TimeUnit::DAYS);
        assert_ne!(code & 0x20, 0, "estimated bit");
        assert_eq!(row.work(0), Some(2400.0));
        assert_eq!(row.string(14), None);
        assert!(row.meta_flag(0, 8, 0x20));
        assert!(!row.meta_flag(1, 8, 0x20), "missing meta reads as clear");
    }
}
