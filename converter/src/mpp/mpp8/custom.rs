//! Custom field values of Project 98 rows. They live in each row's extended-data list, one
//! entry per field, under type codes that run in blocks; these tables say which block holds
//! which members of which family. Flags are bits of the fixed record instead.

use super::super::bytes::{f64_at, i32_at, u16_at};
use super::super::custom_fields::{fields, is_shown};
use super::super::encoding;
use super::super::field_map::Entity;
use super::super::record::unit_from_code;
use super::blocks::{Extended, FixDeferFix};
use super::values::long6;
use crate::model::{CustomFieldValue, CustomValue, Duration, TimeUnit};

/// Members `first ..= first + count − 1` of `family` have extended-data types `kind`,
/// `kind + step`, …; a duration's unit code is under its type + `units`.
pub struct Run {
    /// Family name as in [`fields`] ("Text", "Cost", …).
    pub family: &'static str,
    /// Number of the first member in this run.
    pub first: usize,
    /// How many members the run has.
    pub count: usize,
    /// Extended-data type of the first member.
    pub kind: i32,
    /// Distance between the types of consecutive members.
    pub step: i32,
    /// Distance from a duration's type to its unit code's type.
    pub units: i32,
}

const fn run(family: &'static str, first: usize, count: usize, kind: i32, step: i32) -> Run {
    Run {
        family,
        first,
        count,
        kind,
        step,
        units: 0,
    }
}

/// Task custom fields (`MPP8Reader`'s `TASK_*` types).
pub static TASK: &[Run] = &[
    run("Text", 1, 10, 106, 1),
    run("Text", 11, 20, 184, 1),
    run("Start", 1, 10, 116, 2),
    run("Finish", 1, 10, 117, 2),
    run("Number", 1, 10, 137, 1),
    run("Number", 11, 10, 204, 1),
    Run {
        units: 1,
        ..run("Duration", 1, 10, 147, 2)
    },
    run("Date", 1, 10, 174, 1),
    run("Cost", 1, 10, 237, 1),
];

/// Resource custom fields.
pub static RESOURCE: &[Run] = &[
    run("Text", 1, 30, 64, 1),
    run("Start", 1, 10, 94, 1),
    run("Finish", 1, 10, 104, 1),
    run("Number", 1, 20, 114, 1),
    Run {
        units: 10,
        ..run("Duration", 1, 10, 134, 1)
    },
    run("Date", 1, 10, 157, 1),
    run("Cost", 1, 10, 170, 1),
];

/// Reads the values a row's extended data holds for the fields of `runs`, plus the flags
/// whose bits `flag` reports (Flag n for n in 1..=20), sorted by field id.
pub fn values(
    entity: Entity,
    runs: &[Run],
    ext: &Extended,
    heap: &FixDeferFix<'_>,
    default_unit: TimeUnit,
    flag: impl Fn(usize) -> bool,
) -> Vec<CustomFieldValue> {
    let mut out = Vec::new();
    for r in runs {
        for i in 0..r.count {
            let Some(field_id) = fields::member(entity, r.family, r.first + i) else {
                continue;
            };
            let Some(kind) = fields::lookup(field_id).map(|f| f.kind) else {
                continue;
            };
            let Some(at) = i32::try_from(i)
                .ok()
                .and_then(|i| r.kind.checked_add(i * r.step))
            else {
                continue;
            };
            let Some(raw) = ext.raw(at) else { continue };
            let value = match kind {
                fields::Kind::Text => heap.string(raw, 0).map(CustomValue::Text),
                fields::Kind::Start | fields::Kind::Finish | fields::Kind::Date => {
                    encoding::timestamp(raw, 0).map(CustomValue::Date)
                }
                fields::Kind::Number => f64_at(raw, 0).map(CustomValue::Number),
                fields::Kind::Cost => long6(raw, 0).map(|v| CustomValue::Cost(v as f64 / 100.0)),
                fields::Kind::Duration => i32_at(raw, 0).map(|tenths| {
                    let code = ext
                        .raw(at + r.units)
                        .and_then(|u| u16_at(u, 0))
                        .unwrap_or(7);
                    CustomValue::Duration(Duration::new(
                        f64::from(tenths) / 10.0,
                        unit_from_code(code, default_unit),
                    ))
                }),
                fields::Kind::Flag | fields::Kind::OutlineCode => None,
            };
            if let Some(value) = value.filter(is_shown) {
                out.push(CustomFieldValue {
                    field_id,
                    value,
                    value_guid: None,
                });
            }
        }
    }
    for n in 1..=20 {
        if let Some(field_id) = fields::member(entity, "Flag", n).filter(|_| flag(n)) {
            out.push(CustomFieldValue {
                field_id,
                value: CustomValue::Flag(true),
                value_guid: None,
            });
        }
    }
    out.sort_by_key(|v| v.field_id);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_name_existing_fields() {
        for (entity, runs) in [(Entity::Task, TASK), (Entity::Resource, RESOURCE)] {
            for r in runs {
                for i in 0..r.count {
                    assert!(
                        fields::member(entity, r.family, r.first + i).is_some(),
                        "{} {}",
                        r.family,
                        r.first + i
                    );
                }
            }
        }
    }
}
