//! Resource assignments (`TBkndAssn`): each live FixedMeta item points at a FixedData
//! record (block 0) whose index also selects a 48-byte Fixed2Data record (block 1, MPP12/14);
//! values are found through the assignment field map (part 1 §2.5, part 2 §5.1 and §5.4).
//!
//! A few values are not stored and are derived the way MPXJ derives them: start and finish
//! fall back to the task's, actual start and finish follow the task's progress and the
//! timephased actual work, and variances come from the baseline when absent.

use super::bytes::{ansi_string, f64_at, i32_at, u16_at, u32_at};
use super::custom_fields::{self, CustomFields};
use super::encoding;
use super::field_map::{Entity, FieldMap, Location};
use super::fixed_data::{split_by_meta, split_fixed};
use super::layout::Layout;
use super::reader::{Context, EntityBlocks};
use super::record::{Row, charge_parts, unit_from_code};
use super::resources::hyperlink;
use super::rtf;
use crate::model::{Assignment, Baseline, Duration, Resource, Task, TimeUnit, TimephasedBlock};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

/// Assignment field indices (`0x0F40xxxx`), as Project numbers them.
mod field {
    pub const UNIQUE_ID: u16 = 0;
    pub const TASK_UNIQUE_ID: u16 = 1;
    pub const RESOURCE_UNIQUE_ID: u16 = 2;
    pub const UNITS: u16 = 7;
    pub const WORK: u16 = 8;
    pub const OVERTIME_WORK: u16 = 9;
    pub const ACTUAL_WORK: u16 = 10;
    pub const REGULAR_WORK: u16 = 11;
    pub const REMAINING_WORK: u16 = 12;
    pub const ACTUAL_OVERTIME_WORK: u16 = 13;
    pub const REMAINING_OVERTIME_WORK: u16 = 14;
    pub const BASELINE_WORK: u16 = 16;
    pub const START: u16 = 20;
    pub const FINISH: u16 = 21;
    pub const RESUME: u16 = 24;
    pub const DELAY: u16 = 25;
    pub const COST: u16 = 26;
    pub const OVERTIME_COST: u16 = 27;
    pub const ACTUAL_COST: u16 = 28;
    pub const REMAINING_COST: u16 = 29;
    pub const ACTUAL_OVERTIME_COST: u16 = 30;
    pub const REMAINING_OVERTIME_COST: u16 = 31;
    pub const BASELINE_COST: u16 = 32;
    pub const BCWS: u16 = 34;
    pub const BCWP: u16 = 35;
    pub const ACWP: u16 = 36;
    pub const COST_VARIANCE: u16 = 38;
    pub const PERCENT_WORK_COMPLETE: u16 = 43;
    /// Timephased remaining regular work (its header names the work contour).
    pub const TIMEPHASED_REMAINING_WORK: u16 = 49;
    /// Timephased actual regular work.
    pub const TIMEPHASED_ACTUAL_WORK: u16 = 50;
    /// Timephased actual overtime work (blocks as actual regular work's).
    pub const TIMEPHASED_ACTUAL_OVERTIME_WORK: u16 = 51;
    pub const LEVELING_DELAY_UNITS: u16 = 55;
    pub const NOTES: u16 = 71;
    pub const UPDATE_NEEDED: u16 = 74;
    pub const COST_RATE_TABLE: u16 = 80;
    pub const OVERALLOCATED: u16 = 135;
    pub const LEVELING_DELAY: u16 = 145;
    pub const BASELINE_START: u16 = 146;
    pub const BASELINE_FINISH: u16 = 147;
    pub const HYPERLINK_DATA: u16 = 150;
    pub const CV: u16 = 247;
    pub const WORK_VARIANCE: u16 = 248;
    pub const START_VARIANCE: u16 = 262;
    pub const FINISH_VARIANCE: u16 = 263;
    pub const STOP: u16 = 264;
    pub const VARIABLE_RATE_UNITS: u16 = 270;
    pub const VAC: u16 = 271;
    pub const ACTUAL_WORK_PROTECTED: u16 = 630;
    pub const ACTUAL_OVERTIME_WORK_PROTECTED: u16 = 631;
    pub const CREATED: u16 = 634;
    pub const GUID: u16 = 636;
    pub const BUDGET_WORK: u16 = 669;
    pub const BUDGET_COST: u16 = 670;
    /// (start, finish, work, cost) of Baseline1–10.
    pub const BASELINES: [(u16, u16, u16, u16); 10] = [
        (295, 296, 289, 290),
        (304, 305, 298, 299),
        (313, 314, 307, 308),
        (322, 323, 316, 317),
        (331, 332, 325, 326),
        (340, 341, 334, 335),
        (349, 350, 343, 344),
        (358, 359, 352, 353),
        (367, 368, 361, 362),
        (376, 377, 370, 371),
    ];
}

/// Resource uid of an assignment without a resource.
pub const NULL_RESOURCE: i32 = -65535;

/// MPP9 keeps an assignment's creation date in this Var2Data item (timestamp at 24) when
/// the field map has none.
const MPP9_CREATION_KEY: u16 = 138;

/// Project `Props` key of the default duration unit.
const DURATION_UNITS_KEY: u32 = 0x0240_0015;

/// Reads the assignments in file order. Assignments of unknown tasks are dropped; those of
/// unknown resources become unassigned ([`NULL_RESOURCE`]); a second assignment of the
/// same resource to the same task is ignored.
pub fn read(
    ctx: &mut Context,
    blocks: &EntityBlocks,
    map: &FieldMap,
    tasks: &[Task],
    resources: &[Resource],
    custom: &CustomFields,
) -> Vec<Assignment> {
    let layout = ctx.layout;
    let default_unit = TimeUnit(
        ctx.props
            .u16(DURATION_UNITS_KEY)
            .map_or(7, |c| unit_from_code(c, TimeUnit::DAYS).0),
    );
    let tasks_by_uid: HashMap<i32, &Task> = tasks.iter().map(|t| (t.uid, t)).collect();
    let resource_uids: HashSet<i32> = resources.iter().map(|r| r.uid).collect();
    let records = Records::cut(&layout, blocks);
    let min_size = map.record_size(0);
    let count = if layout.assignment.written_count {
        blocks.meta.written_count().min(blocks.meta.len())
    } else {
        blocks.meta.len()
    };

    let mut seen = HashSet::new();
    let mut assignments = Vec::new();
    // Each item copies a record padded to the map's size: a unit per 64 bytes.
    let item_work = 1 + u64::try_from(min_size / 64).unwrap_or(u64::MAX);
    let plan = custom_fields::FieldPlan::new(Entity::Assignment, map);
    for item_index in 0..count {
        if !ctx.budget.work(item_work) {
            break;
        }
        let Some(meta) = blocks.meta.item(item_index) else {
            continue;
        };
        if meta.first().copied() != Some(0) {
            continue;
        }
        let Some(offset) = u32_at(meta, 4).map(|o| o as usize) else {
            continue;
        };
        let Some((index, record)) = records.find(offset) else {
            continue;
        };
        let mut fixed = record.to_vec();
        if fixed.len() < min_size {
            fixed.resize(min_size, 0);
        }
        let fixed2 = records.second(index);
        let probe = Row {
            uid: 0,
            fixed: [&fixed, fixed2],
            meta: [meta, &[]],
            var: &blocks.var,
            map,
            entity: Entity::Assignment,
            budget: &ctx.budget,
        };
        let Some(uid) = probe.i32(field::UNIQUE_ID) else {
            continue;
        };
        if !blocks.var.has_owner(uid) {
            continue;
        }
        let row = Row { uid, ..probe };
        let Some(task) = row
            .i32(field::TASK_UNIQUE_ID)
            .and_then(|t| tasks_by_uid.get(&t))
        else {
            continue;
        };
        let resource_uid = row
            .i32(field::RESOURCE_UNIQUE_ID)
            .filter(|r| resource_uids.contains(r))
            .unwrap_or(NULL_RESOURCE);
        if !seen.insert((task.uid, resource_uid)) {
            continue;
        }
        if assignments.len() >= ctx.limits.max_records {
            ctx.warn(format!(
                "the file has more than {} assignments; the rest were not read",
                ctx.limits.max_records
            ));
            break;
        }
        let mut assignment = read_assignment(&row, &layout, task, resource_uid, default_unit);
        assignment.custom_values = custom_fields::read_planned(&plan, &row, custom);
        let budget = &ctx.budget;
        let charged = budget.alloc_items::<Assignment>(1)
            && charge_parts(
                budget,
                assignment.notes.as_ref(),
                assignment.custom_values.len(),
                assignment.baselines.len(),
            );
        if !charged {
            break;
        }
        assignments.push(assignment);
    }
    assignments
}

/// The FixedData records of the assignment block and how a meta offset finds one.
struct Records<'a> {
    /// Records with the offset each starts at.
    records: Vec<(usize, Option<&'a [u8]>)>,
    /// Fixed2Data records, paired by index.
    second: Vec<&'a [u8]>,
    /// The first record starting at each offset: meta items are many and their offsets
    /// hostile, so they are looked up, not searched for.
    by_offset: HashMap<usize, usize>,
}

impl<'a> Records<'a> {
    /// Cuts FixedData in equal records where the version does so (and, for MPP9, only
    /// when that gives one record per meta item), otherwise by the meta offsets.
    fn cut(layout: &Layout, blocks: &'a EntityBlocks) -> Self {
        let al = layout.assignment;
        let fixed_size = al.record_size.filter(|size| {
            !al.record_size_checked || blocks.data.len() / size.max(&1) == blocks.meta.len()
        });
        let records: Vec<(usize, Option<&[u8]>)> = match fixed_size {
            Some(size) => split_fixed(&blocks.data, size)
                .into_iter()
                .enumerate()
                .map(|(i, r)| (i * size, Some(r)))
                .collect(),
            None => {
                let offsets = (0..blocks.meta.len()).map(|i| {
                    blocks
                        .meta
                        .item(i)
                        .and_then(|m| u32_at(m, 4))
                        .map_or(0, |o| o as usize)
                });
                offsets
                    .zip(split_by_meta(&blocks.meta, &blocks.data, 0, 0))
                    .collect()
            }
        };
        let second = al
            .record2_size
            .map(|size| split_fixed(&blocks.data2, size))
            .unwrap_or_default();
        let mut by_offset = HashMap::with_capacity(records.len());
        for (i, (start, record)) in records.iter().enumerate() {
            if record.is_some() {
                by_offset.entry(*start).or_insert(i);
            }
        }
        Self {
            records,
            second,
            by_offset,
        }
    }

    /// The first record that starts at `offset`, with its index.
    fn find(&self, offset: usize) -> Option<(usize, &'a [u8])> {
        let &i = self.by_offset.get(&offset)?;
        let (_, record) = self.records.get(i)?;
        record.map(|r| (i, r))
    }

    /// The Fixed2Data record paired with record `index` (empty when there is none).
    fn second(&self, index: usize) -> &'a [u8] {
        self.second.get(index).copied().unwrap_or_default()
    }
}

/// Zero for a number the map places in Var2Data (Project leaves zero values out there),
/// `None` for a field the file does not have at all.
fn mapped_zero(row: &Row<'_>, index: u16) -> Option<f64> {
    matches!(
        row.map.get(row.entity.base() | u32::from(index)),
        Some(Location::Var { .. })
    )
    .then_some(0.0)
}

/// A duration stored as `i32` tenths of a minute, in `unit`.
fn tenths(row: &Row<'_>, index: u16, unit: TimeUnit) -> Option<Duration> {
    row.i32(index)
        .map(|t| Duration::new(f64::from(t) / 10.0, unit))
}

fn read_assignment(
    row: &Row<'_>,
    layout: &Layout,
    task: &Task,
    resource_uid: i32,
    default_unit: TimeUnit,
) -> Assignment {
    let al = layout.assignment;
    let meta = row.meta[0];
    let work = |index: u16| row.work(index).or_else(|| mapped_zero(row, index));
    let cost = |index: u16| row.cost(index).or_else(|| mapped_zero(row, index));

    let mut a = Assignment {
        uid: row.uid,
        guid: row.guid(field::GUID),
        task_uid: task.uid,
        resource_uid,
        units: row.units(field::UNITS),
        work: work(field::WORK),
        overtime_work: work(field::OVERTIME_WORK),
        actual_work: work(field::ACTUAL_WORK),
        regular_work: work(field::REGULAR_WORK),
        remaining_work: work(field::REMAINING_WORK),
        actual_overtime_work: work(field::ACTUAL_OVERTIME_WORK),
        remaining_overtime_work: work(field::REMAINING_OVERTIME_WORK),
        actual_work_protected: row.work(field::ACTUAL_WORK_PROTECTED),
        actual_overtime_work_protected: row.work(field::ACTUAL_OVERTIME_WORK_PROTECTED),
        start: row.timestamp(field::START).or(task.start),
        finish: row.timestamp(field::FINISH).or(task.finish),
        stop: row.timestamp(field::STOP),
        resume: row.timestamp(field::RESUME),
        delay: row
            .u16(field::DELAY)
            .map(|t| Duration::new(f64::from(t) / 10.0, TimeUnit::HOURS)),
        cost: cost(field::COST),
        overtime_cost: cost(field::OVERTIME_COST),
        actual_cost: cost(field::ACTUAL_COST),
        remaining_cost: cost(field::REMAINING_COST),
        actual_overtime_cost: cost(field::ACTUAL_OVERTIME_COST),
        remaining_overtime_cost: cost(field::REMAINING_OVERTIME_COST),
        bcws: cost(field::BCWS),
        bcwp: cost(field::BCWP),
        acwp: cost(field::ACWP),
        cost_variance: cost(field::COST_VARIANCE),
        cv: cost(field::CV),
        vac: cost(field::VAC),
        cost_rate_table: row
            .u16(field::COST_RATE_TABLE)
            .filter(|t| *t < 5)
            .unwrap_or(0),
        variable_rate_units: row
            .u8(field::VARIABLE_RATE_UNITS)
            .filter(|v| *v != 0)
            .map(|v| super::resources::rate_unit_code(u16::from(v))),
        start_variance: tenths(row, field::START_VARIANCE, default_unit),
        finish_variance: tenths(row, field::FINISH_VARIANCE, default_unit),
        leveling_delay: row.i32(field::LEVELING_DELAY).map(|t| {
            let unit = row
                .u16(field::LEVELING_DELAY_UNITS)
                .map_or(default_unit, |c| unit_from_code(c, default_unit));
            Duration::new(f64::from(t) / 10.0, unit)
        }),
        notes: row
            .raw(field::NOTES)
            .map(|raw| rtf::to_plain_text(&ansi_string(raw)))
            .filter(|n| !n.is_empty()),
        overallocated: row.u16(field::OVERALLOCATED).is_some_and(|v| v != 0),
        update_needed: row.u16(field::UPDATE_NEEDED).is_some_and(|v| v != 0),
        confirmed: al.confirmed.is_set(meta),
        response_pending: al.response_pending.is_set(meta),
        linked_fields: al.linked_fields.is_set(meta),
        milestone: task.milestone,
        created: row.timestamp(field::CREATED).or_else(|| {
            let item = row.var.get(row.uid, MPP9_CREATION_KEY)?;
            (layout.format == crate::model::FileFormat::Mpp9 && item.len() >= 28)
                .then(|| encoding::timestamp(item, 24))
                .flatten()
        }),
        budget_work: row.work(field::BUDGET_WORK),
        budget_cost: row.cost(field::BUDGET_COST),
        ..Assignment::default()
    };
    if let Some((text, address, sub_address)) = row.raw(field::HYPERLINK_DATA).map(hyperlink) {
        a.hyperlink = text;
        a.hyperlink_address = address;
        a.hyperlink_sub_address = sub_address;
    }

    // Work contour: the contoured bit, else the code in the timephased work header.
    let timephased = row.raw(field::TIMEPHASED_REMAINING_WORK);
    a.work_contour = if al.contoured.is_set(meta) {
        8
    } else {
        timephased
            .and_then(|t| (t.len() >= 30).then(|| u16_at(t, 28)).flatten())
            .unwrap_or(0)
    };

    // Values MPXJ computes when the file has none.
    let baseline_work = work(field::BASELINE_WORK);
    let baseline_cost = cost(field::BASELINE_COST);
    if a.overtime_cost.is_none() {
        a.overtime_cost = a
            .actual_overtime_cost
            .zip(a.remaining_overtime_cost)
            .map(|(x, y)| x + y);
    }
    a.work_variance = match work(field::WORK_VARIANCE) {
        Some(v) => Some(v),
        None => a.work.zip(baseline_work).map(|(w, b)| w - b),
    };
    if a.cost_variance.is_none() {
        a.cost_variance = a.cost.zip(baseline_cost).map(|(c, b)| c - b);
    }
    a.percent_work_complete = match row.u16(field::PERCENT_WORK_COMPLETE) {
        Some(p) if p <= 100 => Some(f64::from(p)),
        Some(_) => None,
        None => match (a.actual_work, a.work) {
            (Some(actual), Some(w)) if w != 0.0 => Some(actual * 100.0 / w),
            _ => None,
        },
    };
    if a.remaining_work.is_none() {
        a.remaining_work = a
            .work
            .map(|w| w - w * a.percent_work_complete.unwrap_or(0.0) / 100.0);
    }

    // Actual start and finish are not stored: they follow the task's progress.
    let task_has_duration = task.duration.is_some_and(|d| d.minutes != 0.0);
    if task_has_duration {
        let actual_work_recorded = row
            .raw(field::TIMEPHASED_ACTUAL_WORK)
            .is_some_and(|t| t.len() > 26 && u16_at(t, 0).is_some_and(|n| n != 0));
        let done = a.remaining_work.unwrap_or(0.0) == 0.0;
        a.actual_finish = (task.actual_start.is_some() && done && resource_uid != NULL_RESOURCE)
            .then_some(a.finish)
            .flatten();
        a.actual_start = (a.actual_finish.is_some() || actual_work_recorded)
            .then_some(a.start)
            .flatten();
    } else {
        a.actual_start = task.actual_start.and(a.start);
        a.actual_finish = task.actual_finish.and(a.finish);
    }

    a.baselines = baselines(row, baseline_work, baseline_cost);
    a.timephased_remaining = timephased
        .map(|t| timephased_blocks(t, &REMAINING_BLOCKS))
        .unwrap_or_default();
    a.timephased_actual = row
        .raw(field::TIMEPHASED_ACTUAL_WORK)
        .map(|t| timephased_blocks(t, &ACTUAL_BLOCKS))
        .unwrap_or_default();
    a.timephased_actual_overtime = row
        .raw(field::TIMEPHASED_ACTUAL_OVERTIME_WORK)
        .map(|t| timephased_blocks(t, &ACTUAL_BLOCKS))
        .unwrap_or_default();

    a
}

/// Where the values of a stored timephased work item are (part 2 §5.5): a 16-byte header
/// whose `u16` at 0 counts the blocks after the first, a summary of the whole assignment;
/// each block holds the cumulative work (`f64`, thousandths of a minute) and the cumulative
/// working time elapsed (`i32`, eightieths of a minute) at its end.
struct BlockLayout {
    header: usize,
    block: usize,
    work_at: usize,
    elapsed_at: usize,
}

/// Timephased remaining work (field 49): 28-byte blocks.
const REMAINING_BLOCKS: BlockLayout = BlockLayout {
    header: 16,
    block: 28,
    work_at: 0,
    elapsed_at: 24,
};

/// Timephased actual work (field 50): 20-byte blocks.
const ACTUAL_BLOCKS: BlockLayout = BlockLayout {
    header: 16,
    block: 20,
    work_at: 0,
    elapsed_at: 16,
};

/// The blocks of a timephased work item after its summary; with no block, the summary's
/// total as one block over the whole assignment. A block past the data, or whose values are
/// not finite or go backwards, ends the list (the file decides the count).
fn timephased_blocks(item: &[u8], layout: &BlockLayout) -> Vec<TimephasedBlock> {
    let Some(count) = u16_at(item, 0) else {
        return Vec::new();
    };
    let value = |block: usize| {
        let at = layout
            .header
            .checked_add(block.checked_mul(layout.block)?)?;
        let work = f64_at(item, at.checked_add(layout.work_at)?)? / 1000.0;
        let elapsed = f64::from(i32_at(item, at.checked_add(layout.elapsed_at)?)?) / 80.0;
        Some((work, elapsed))
    };
    if count == 0 {
        return value(0)
            .filter(|(work, _)| work.is_finite() && *work != 0.0)
            .map(|(work, _)| {
                vec![TimephasedBlock {
                    work,
                    elapsed: None,
                }]
            })
            .unwrap_or_default();
    }
    let mut blocks = Vec::new();
    let mut last_elapsed = 0.0;
    for i in 1..=usize::from(count) {
        let Some((work, elapsed)) = value(i) else {
            break;
        };
        if !work.is_finite() || elapsed < last_elapsed {
            break;
        }
        last_elapsed = elapsed;
        blocks.push(TimephasedBlock {
            work,
            elapsed: Some(elapsed),
        });
    }
    blocks
}

/// Baselines 0–10 that hold anything: dates, non-zero work or a cost of at least one unit.
fn baselines(row: &Row<'_>, work0: Option<f64>, cost0: Option<f64>) -> Vec<Baseline> {
    let mut out = Vec::new();
    let mut push = |number: u8, start, finish, work: Option<f64>, cost: Option<f64>| {
        let baseline = Baseline {
            number,
            start,
            finish,
            duration: None,
            work: work.filter(|w| *w != 0.0),
            cost: cost.filter(|c| c.trunc() != 0.0),
        };
        if baseline.start.is_some()
            || baseline.finish.is_some()
            || baseline.work.is_some()
            || baseline.cost.is_some()
        {
            out.push(baseline);
        }
    };
    push(
        0,
        row.timestamp(field::BASELINE_START),
        row.timestamp(field::BASELINE_FINISH),
        work0,
        cost0,
    );
    for (n, (start, finish, work, cost)) in field::BASELINES.iter().enumerate() {
        push(
            n as u8 + 1,
            row.timestamp(*start),
            row.timestamp(*finish),
            row.work(*work),
            row.cost(*cost),
        );
    }
    out
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::super::resources::test_blocks::*;
    use super::*;
    use crate::model::{DateTime, FileFormat};

    fn at(d: u32, h: u32) -> DateTime {
        chrono::NaiveDate::from_ymd_opt(2024, 3, d)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .unwrap_or_default()
    }

    fn map() -> FieldMap {
        let fixed = |offset, size| Location::Fixed {
            block: 0,
            offset,
            size,
        };
        FieldMap::from_defaults(
            Entity::Assignment,
            &[
                (field::UNIQUE_ID, fixed(0, 4)),
                (field::TASK_UNIQUE_ID, fixed(4, 4)),
                (field::RESOURCE_UNIQUE_ID, fixed(8, 4)),
                (field::START, fixed(12, 4)),
                (field::UNITS, fixed(16, 8)),
                (field::WORK, fixed(24, 8)),
                (field::REMAINING_WORK, fixed(32, 8)),
                (field::BASELINE_WORK, Location::Var { key: 16 }),
            ],
        )
    }

    fn record(uid: i32, task: i32, resource: i32, remaining_minutes: f64) -> Vec<u8> {
        let mut r = Vec::new();
        for v in [uid, task, resource, -1] {
            r.extend_from_slice(&v.to_le_bytes());
        }
        r.extend_from_slice(&10000.0f64.to_le_bytes());
        r.extend_from_slice(&(480.0f64 * 1000.0).to_le_bytes());
        r.extend_from_slice(&(remaining_minutes * 1000.0).to_le_bytes());
        r
    }

    /// A timephased item: header with `count`, the summary and the blocks, each as
    /// (cumulative work in minutes, cumulative elapsed minutes).
    fn timephased_item(layout: &BlockLayout, count: u16, blocks: &[(f64, i32)]) -> Vec<u8> {
        let mut item = vec![0u8; layout.header];
        item[0..2].copy_from_slice(&count.to_le_bytes());
        for &(work, elapsed) in blocks {
            let mut block = vec![0u8; layout.block];
            block[layout.work_at..layout.work_at + 8]
                .copy_from_slice(&(work * 1000.0).to_le_bytes());
            block[layout.elapsed_at..layout.elapsed_at + 4]
                .copy_from_slice(&(elapsed * 80).to_le_bytes());
            item.extend_from_slice(&block);
        }
        item
    }

    #[test]
    fn timephased_blocks_follow_the_summary() {
        for layout in [&REMAINING_BLOCKS, &ACTUAL_BLOCKS] {
            let item = timephased_item(layout, 2, &[(960.0, 960), (480.0, 480), (960.0, 1440)]);
            assert_eq!(
                timephased_blocks(&item, layout),
                [
                    TimephasedBlock {
                        work: 480.0,
                        elapsed: Some(480.0)
                    },
                    TimephasedBlock {
                        work: 960.0,
                        elapsed: Some(1440.0)
                    },
                ]
            );
        }
        // No block: the summary's total over the whole assignment.
        let item = timephased_item(&REMAINING_BLOCKS, 0, &[(600.0, 0)]);
        assert_eq!(
            timephased_blocks(&item, &REMAINING_BLOCKS),
            [TimephasedBlock {
                work: 600.0,
                elapsed: None
            }]
        );
    }

    #[test]
    fn hostile_timephased_items_end_early() {
        // A count far past the data, elapsed time going backwards, a NaN, a short header.
        let item = timephased_item(
            &REMAINING_BLOCKS,
            u16::MAX,
            &[(1.0, 1), (1.0, 10), (2.0, 5)],
        );
        assert_eq!(timephased_blocks(&item, &REMAINING_BLOCKS).len(), 1);
        let item = timephased_item(&ACTUAL_BLOCKS, 3, &[(1.0, 1), (f64::NAN, 10)]);
        assert!(timephased_blocks(&item, &ACTUAL_BLOCKS).is_empty());
        assert!(timephased_blocks(&[1], &ACTUAL_BLOCKS).is_empty());
        let item = timephased_item(&REMAINING_BLOCKS, 0, &[(0.0, 0)]);
        assert!(timephased_blocks(&item, &REMAINING_BLOCKS).is_empty());
    }

    #[test]
    fn selects_rows_and_derives_what_is_not_stored() {
        let task = Task {
            uid: 1,
            start: Some(at(4, 8)),
            finish: Some(at(4, 17)),
            actual_start: Some(at(4, 8)),
            duration: Some(Duration::new(480.0, TimeUnit::DAYS)),
            ..Task::default()
        };
        let resources = [1, 2].map(|uid| Resource {
            uid,
            ..Resource::default()
        });
        let rows = [
            (0u32, record(10, 1, 1, 0.0)), // done: actual start and finish
            (0, record(11, 1, 99, 480.0)), // unknown resource: unassigned
            (0, record(12, 1, 1, 0.0)),    // same task and resource again: ignored
            (0, record(13, 5, 1, 0.0)),    // unknown task: dropped
            (0x01, record(14, 1, 2, 0.0)), // meta says the row is not live
        ];
        let mut data = Vec::new();
        let mut items = Vec::new();
        for (flags, r) in &rows {
            items.push((*flags, data.len() as u32));
            data.extend_from_slice(r);
        }
        let items: Vec<(u32, u32, &[u8])> = items.iter().map(|(f, o)| (*f, *o, &[][..])).collect();
        let meta = meta_stream(&items, 34, data.len());
        let owners = [10, 11, 12, 13, 14].map(|uid| (uid, 1u16, vec![0u8; 4]));
        let blocks = blocks(var_data(&owners), meta, 34, data);
        let mut ctx = context(FileFormat::Mpp12, 12);
        let assignments = read(
            &mut ctx,
            &blocks,
            &map(),
            &[task],
            &resources,
            &CustomFields::default(),
        );

        let uids: Vec<i32> = assignments.iter().map(|a| a.uid).collect();
        assert_eq!(uids, [10, 11]);
        let done = &assignments[0];
        assert_eq!(done.start, Some(at(4, 8)), "start falls back to the task's");
        assert_eq!(done.actual_start, Some(at(4, 8)));
        assert_eq!(done.actual_finish, Some(at(4, 17)));
        assert_eq!(done.units, Some(1.0));
        assert_eq!(done.work, Some(480.0));
        assert_eq!(
            done.work_variance,
            Some(480.0),
            "baseline mapped in Var2Data reads as 0"
        );
        let open = &assignments[1];
        assert_eq!(open.resource_uid, NULL_RESOURCE);
        assert_eq!(open.actual_start, None, "no recorded actual work");
        assert_eq!(open.percent_work_complete, None);
    }

    #[test]
    fn meta_items_past_the_data_cost_one_lookup_each() {
        // Every item points past the data: none finds a record, each costs one unit.
        let work = |items: usize| {
            let entries: Vec<(u32, u32, &[u8])> = (0..items)
                .map(|i| (0, 1_000_000 + i as u32, &[][..]))
                .collect();
            let meta = meta_stream(&entries, 34, 340);
            let blocks = blocks(var_data(&[(0, 1, vec![1])]), meta, 34, vec![0u8; 340]);
            let mut ctx = context(FileFormat::Mpp12, 12);
            let got = read(
                &mut ctx,
                &blocks,
                &map(),
                &[Task::default()],
                &[],
                &CustomFields::default(),
            );
            assert!(got.is_empty());
            ctx.budget.usage().work
        };
        let (small, large) = (work(100), work(100_000));
        assert!(large <= 1_000 * small + 10, "{small} → {large}");
    }

    #[test]
    fn hostile_offsets_and_short_records_do_not_panic() {
        let meta = meta_stream(&[(0, u32::MAX, &[]), (0, 3, &[]), (0, 0, &[])], 34, 5);
        let blocks = blocks(var_data(&[(0, 1, vec![1])]), meta, 34, vec![0u8; 5]);
        let tasks = [Task::default()];
        for (format, app) in [
            (FileFormat::Mpp14, 15),
            (FileFormat::Mpp12, 12),
            (FileFormat::Mpp9, 9),
        ] {
            let mut ctx = context(format, app);
            let got = read(
                &mut ctx,
                &blocks,
                &map(),
                &tasks,
                &[],
                &CustomFields::default(),
            );
            assert!(got.len() <= 1, "{format:?}");
        }
    }
}
