//! Project 98 tasks: `TBkndTask/FixFix   0` records (316 bytes, 366 in some files) with the
//! name and the extended data in `FixDeferFix   0`.

use super::super::bytes::ansi_string;
use super::super::field_map::Entity;
use super::super::reader::Context;
use super::super::rtf;
use super::blocks::{Extended, FixDeferFix, FixFix};
use super::custom;
use super::values::Rec;
use crate::model::{Baseline, DottedCode, Task, TimeUnit};

/// Record sizes: Project 98's, and the longer one Project 2000–2003 write when saving in
/// the Project 98 format.
pub const SIZES: [usize; 2] = [316, 366];

/// Where the two record sizes differ: the extended data's reference, and the flags.
struct Shape {
    size: usize,
    /// Heap reference of the extended data.
    extended: usize,
    /// Flag n is bit `n − 1 + first_bit` of the `u32` at `flags`, where the mask `u32` at
    /// `mask` (when there is one) has it set too.
    flags: usize,
    mask: Option<usize>,
    first_bit: usize,
}

static SHAPES: [Shape; 2] = [
    Shape {
        size: SIZES[0],
        extended: 312,
        flags: 268,
        mask: Some(303),
        first_bit: 1,
    },
    Shape {
        size: SIZES[1],
        extended: 362,
        flags: 353,
        mask: None,
        first_bit: 0,
    },
];

/// Offsets in a task record.
mod at {
    pub const UID: usize = 0;
    pub const ID: usize = 4;
    /// Bit 0: a blank row.
    pub const BLANK: usize = 8;
    /// Bit 0: milestone.
    pub const MILESTONE: usize = 12;
    /// Bit 1: marked.
    pub const MARKED: usize = 13;
    /// Bit 2: rollup.
    pub const ROLLUP: usize = 15;
    /// Bit 0: hide bar.
    pub const HIDE_BAR: usize = 16;
    /// Bit 3: effort driven.
    pub const EFFORT_DRIVEN: usize = 17;
    /// Bit 4: level assignments; bit 3: leveling can split.
    pub const LEVELING: usize = 19;
    pub const FINISH: usize = 20;
    pub const LATE_START: usize = 24;
    pub const RESUME: usize = 32;
    pub const OUTLINE_LEVEL: usize = 48;
    pub const DURATION: usize = 68;
    pub const DURATION_UNITS: usize = 72;
    pub const ACTUAL_DURATION: usize = 74;
    pub const REMAINING_DURATION: usize = 78;
    pub const BASELINE_DURATION: usize = 82;
    pub const CONSTRAINT_TYPE: usize = 88;
    /// Leveling delay, in thirtieths of a minute.
    pub const LEVELING_DELAY: usize = 90;
    pub const LEVELING_DELAY_UNITS: usize = 94;
    pub const START: usize = 96;
    pub const ACTUAL_START: usize = 104;
    pub const ACTUAL_FINISH: usize = 108;
    pub const BASELINE_START: usize = 112;
    pub const BASELINE_FINISH: usize = 116;
    pub const CONSTRAINT_DATE: usize = 120;
    pub const STOP: usize = 124;
    /// Priority / 100 − 1.
    pub const PRIORITY: usize = 128;
    pub const PERCENT_COMPLETE: usize = 130;
    pub const PERCENT_WORK_COMPLETE: usize = 132;
    pub const TYPE: usize = 134;
    pub const FIXED_COST_ACCRUAL: usize = 136;
    pub const CREATED: usize = 138;
    pub const RECURRING: usize = 142;
    pub const PRELEVELED_START: usize = 144;
    pub const PRELEVELED_FINISH: usize = 148;
    pub const LATE_FINISH: usize = 160;
    pub const WORK: usize = 168;
    pub const BASELINE_WORK: usize = 174;
    pub const ACTUAL_WORK: usize = 180;
    pub const REMAINING_WORK: usize = 186;
    pub const ACTUAL_OVERTIME_WORK: usize = 192;
    pub const REMAINING_OVERTIME_WORK: usize = 198;
    pub const OVERTIME_COST: usize = 204;
    pub const ACTUAL_OVERTIME_COST: usize = 210;
    pub const REMAINING_OVERTIME_COST: usize = 216;
    pub const COST: usize = 222;
    pub const FIXED_COST: usize = 228;
    pub const ACTUAL_COST: usize = 234;
    pub const REMAINING_COST: usize = 240;
    pub const BASELINE_COST: usize = 246;
    /// Heap reference of the name.
    pub const NAME: usize = 264;
    /// Deletion bits.
    pub const DELETED: usize = 272;
}

/// Extended-data types of task fields.
mod ext {
    pub const WBS: i32 = 104;
    pub const CONTACT: i32 = 105;
    pub const NOTES: i32 = 247;
}

/// True when the deletion bits mark a removed task: bits 0–1 set without bits 6–7, except
/// two combinations live tasks were seen with.
fn deleted(bits: u16) -> bool {
    bits & 0xC0 == 0 && bits & 0x03 != 0 && bits != 0x0031 && bits != 0x203D
}

/// The record shape of a task stream: the one its length is a multiple of; when it is a
/// multiple of both or neither, the long one only if every record under it starts with a
/// plausible unique id (Project's own rows from −65536 up, tasks from 0 up, all distinct)
/// and not so under the short one.
fn shape_of(fixed: &[u8]) -> &'static Shape {
    let [short, long] = &SHAPES;
    let plausible = |shape: &Shape| {
        let count = fixed.len() / shape.size;
        let limit = i32::try_from(count.saturating_mul(16)).unwrap_or(i32::MAX);
        let mut seen = foldhash::HashSet::default();
        FixFix::new(fixed, shape.size).records().all(|r| {
            Rec(r)
                .i32(at::UID)
                .is_some_and(|u| (-65536..=limit).contains(&u) && seen.insert(u))
        })
    };
    match (
        FixFix::fits(fixed, short.size),
        FixFix::fits(fixed, long.size),
    ) {
        (true, false) => short,
        (false, true) => long,
        _ if plausible(long) && !plausible(short) => long,
        _ => short,
    }
}

/// Reads the tasks, in ID order, with outline numbers and summary flags from their levels.
pub fn read(
    ctx: &Context,
    warnings: &mut Vec<String>,
    fixed: &[u8],
    heap: &FixDeferFix<'_>,
    default_unit: TimeUnit,
) -> Vec<Task> {
    let shape = shape_of(fixed);
    let size = shape.size;
    let records = FixFix::new(fixed, size);
    let mut tasks: Vec<Task> = Vec::new();
    let mut seen = foldhash::HashSet::default();
    for data in records.records() {
        if !ctx.budget.work(1 + (size / 64) as u64) || !ctx.budget.alloc_items::<Task>(1) {
            break;
        }
        let rec = Rec(data);
        // Uid 0 is the project summary task; negative uids are Project's own rows.
        let Some(uid) = rec.i32(at::UID).filter(|u| *u >= 0) else {
            continue;
        };
        if deleted(rec.u16(at::DELETED).unwrap_or(0)) || rec.bit(at::BLANK, 0x01) {
            continue;
        }
        if !seen.insert(uid) {
            continue;
        }
        if tasks.len() >= ctx.limits.max_records {
            warnings.push("too many tasks; the rest were skipped".to_owned());
            break;
        }
        let ext = Extended::parse(heap.referenced(data, shape.extended));
        let task = decode(rec, shape, uid, &ext, heap, default_unit);
        if !ctx.budget.alloc(
            task.name.as_ref().map_or(0, String::len) + task.notes.as_ref().map_or(0, String::len),
        ) {
            break;
        }
        tasks.push(task);
    }
    tasks.sort_by_key(|t| t.id);
    super::super::tasks::build_hierarchy(&mut tasks, &ctx.budget);
    tasks
}

fn decode(
    rec: Rec<'_>,
    shape: &Shape,
    uid: i32,
    ext: &Extended,
    heap: &FixDeferFix<'_>,
    default_unit: TimeUnit,
) -> Task {
    let data = rec.0;
    let units_code = rec.u16(at::DURATION_UNITS);
    let unit = rec.unit(at::DURATION_UNITS, default_unit);
    let mut task = Task {
        uid,
        id: rec.i32(at::ID).unwrap_or(0),
        active: true,
        ..Task::default()
    };
    task.name = heap.string(data, at::NAME);
    task.wbs = ext
        .raw(ext::WBS)
        .and_then(|r| heap.string(r, 0))
        .map(DottedCode::root);
    task.contact = ext.raw(ext::CONTACT).and_then(|r| heap.string(r, 0));
    task.notes = ext
        .raw(ext::NOTES)
        .and_then(|r| heap.referenced(r, 0))
        .map(|raw| rtf::to_plain_text(&ansi_string(&raw)))
        .filter(|n| !n.is_empty());
    task.created = rec.date(at::CREATED);
    task.priority = rec
        .u16(at::PRIORITY)
        .map_or(500, |p| p.saturating_add(1).saturating_mul(100).min(1000));
    task.task_type = rec.u16(at::TYPE).filter(|t| *t <= 2).unwrap_or(0);
    task.constraint_type = rec
        .u16(at::CONSTRAINT_TYPE)
        .filter(|t| *t <= 7)
        .unwrap_or(0);
    task.constraint_date = rec.date(at::CONSTRAINT_DATE);
    task.outline_level = rec.u16(at::OUTLINE_LEVEL).unwrap_or(0);
    task.percent_complete = rec.percent(at::PERCENT_COMPLETE);
    task.percent_work_complete = rec.percent(at::PERCENT_WORK_COMPLETE);
    task.fixed_cost_accrual = rec
        .u16(at::FIXED_COST_ACCRUAL)
        .filter(|a| (1..=3).contains(a))
        .unwrap_or(3);

    task.start = rec.date(at::START);
    task.finish = rec.date(at::FINISH);
    task.early_start = task.start;
    task.early_finish = task.finish;
    task.late_start = rec.date(at::LATE_START);
    task.late_finish = rec.date(at::LATE_FINISH);
    task.actual_start = rec.date(at::ACTUAL_START);
    task.actual_finish = rec.date(at::ACTUAL_FINISH);
    task.stop = rec.date(at::STOP);
    task.resume = rec.date(at::RESUME);
    task.preleveled_start = rec.date(at::PRELEVELED_START);
    task.preleveled_finish = rec.date(at::PRELEVELED_FINISH);
    task.duration = rec.duration(at::DURATION, unit);
    task.estimated = units_code.is_some_and(|c| c & 0x20 != 0);
    task.duration_format = units_code.filter(|c| TimeUnit::is_format_code(*c));
    task.actual_duration = rec.duration(at::ACTUAL_DURATION, unit);
    task.remaining_duration = rec.duration(at::REMAINING_DURATION, unit);
    let delay_unit = rec.unit(at::LEVELING_DELAY_UNITS, default_unit);
    task.leveling_delay = rec
        .i32(at::LEVELING_DELAY)
        .map(|v| crate::model::Duration::new(f64::from(v) / 30.0, delay_unit));

    task.work = rec.work(at::WORK);
    task.actual_work = rec.work(at::ACTUAL_WORK);
    task.remaining_work = rec.work(at::REMAINING_WORK);
    task.actual_overtime_work = rec.work(at::ACTUAL_OVERTIME_WORK);
    task.remaining_overtime_work = rec.work(at::REMAINING_OVERTIME_WORK);
    task.cost = rec.cost(at::COST);
    task.fixed_cost = rec.cost(at::FIXED_COST);
    task.actual_cost = rec.cost(at::ACTUAL_COST);
    task.remaining_cost = rec.cost(at::REMAINING_COST);
    task.overtime_cost = rec.cost(at::OVERTIME_COST);
    task.actual_overtime_cost = rec.cost(at::ACTUAL_OVERTIME_COST);
    task.remaining_overtime_cost = rec.cost(at::REMAINING_OVERTIME_COST);

    task.milestone = rec.bit(at::MILESTONE, 0x01);
    task.marked = rec.bit(at::MARKED, 0x02);
    task.rollup = rec.bit(at::ROLLUP, 0x04);
    task.hide_bar = rec.bit(at::HIDE_BAR, 0x01);
    task.effort_driven = rec.bit(at::EFFORT_DRIVEN, 0x08);
    task.level_assignments = rec.bit(at::LEVELING, 0x10);
    task.leveling_can_split = rec.bit(at::LEVELING, 0x08);
    task.recurring = rec.u16(at::RECURRING).is_some_and(|v| v != 0);
    task.expanded = true;

    let baseline = Baseline {
        number: 0,
        start: rec.date(at::BASELINE_START),
        finish: rec.date(at::BASELINE_FINISH),
        duration: rec.duration(at::BASELINE_DURATION, unit),
        work: rec.work(at::BASELINE_WORK),
        cost: rec.cost(at::BASELINE_COST),
    };
    task.work_variance = task.work.map(|w| w - baseline.work.unwrap_or(0.0));
    let nonzero = |v: Option<f64>| v.is_some_and(|v| v != 0.0);
    if baseline.start.is_some()
        || baseline.finish.is_some()
        || nonzero(baseline.duration.map(|d| d.minutes))
        || nonzero(baseline.work)
        || nonzero(baseline.cost)
    {
        task.baselines.push(baseline);
    }

    let flag = |n: usize| {
        let bit = n - 1 + shape.first_bit;
        let set = |at: usize| rec.u32(at).is_some_and(|v| (v >> bit) & 1 != 0);
        set(shape.flags) && shape.mask.is_none_or(set)
    };
    task.custom_values = custom::values(Entity::Task, custom::TASK, ext, heap, default_unit, flag);
    task
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// `count` zeroed records of `size` bytes with unique ids 1, 2, …
    fn stream(size: usize, count: usize) -> Vec<u8> {
        let mut out = vec![0u8; size * count];
        for i in 0..count {
            out[i * size..i * size + 4].copy_from_slice(&(i as i32 + 1).to_le_bytes());
        }
        out
    }

    #[test]
    fn the_record_size_follows_the_stream() {
        assert_eq!(shape_of(&stream(316, 3)).size, 316);
        assert_eq!(shape_of(&stream(366, 3)).size, 366);
        // 183 × 316 = 158 × 366: the ids decide.
        assert_eq!(shape_of(&stream(316, 183)).size, 316);
        assert_eq!(shape_of(&stream(366, 158)).size, 366);
        // Cut short: the ids still decide.
        assert_eq!(shape_of(&stream(366, 5)[..1000]).size, 366);
        assert_eq!(shape_of(&stream(316, 5)[..1000]).size, 316);
    }
}
