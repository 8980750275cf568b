//! Tasks (`TBkndTask`): picking the live row of each task among stale and deleted copies,
//! decoding it through the file's field map, renumbering IDs into outline order and deriving
//! what the file does not store (outline numbers, WBS codes, the summary flag).
//!
//! The selection and numbering rules follow MPXJ's readers (`MPP9Reader`, `MPP12Reader`,
//! `MPP14Reader`), because the MSPDI they produce is the reference this converter is held to.

use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeMap;

use super::bytes::{ansi_string, f64_at, i32_at, i64_at, u16_at, u32_at, utf16_string};
use super::custom_fields::{self, CustomFields};
use super::encoding;
use super::field_map::{Entity, FieldMap, Location};
use super::fixed_data::{FixedMeta, split_by_meta};
use super::layout::Layout;
use super::reader::{Context, EntityBlocks};
use super::record::{Row, charge_parts, unit_from_code};
use super::rtf;
use crate::budget::Budget;
use crate::model::{Baseline, DateTime, DottedCode, Duration, FileFormat, Task, TimeUnit};

/// Task field indices: the low 16 bits of the `0x0B40xxxx` field ids (MPXJ `MPPTaskField`).
mod field {
    pub const WORK: u16 = 0;
    pub const ACTUAL_WORK: u16 = 2;
    pub const WORK_VARIANCE: u16 = 3;
    pub const REMAINING_WORK: u16 = 4;
    pub const COST: u16 = 5;
    pub const ACTUAL_COST: u16 = 7;
    pub const FIXED_COST: u16 = 8;
    pub const REMAINING_COST: u16 = 10;
    pub const BCWP: u16 = 11;
    pub const BCWS: u16 = 12;
    pub const NAME: u16 = 14;
    pub const NOTES: u16 = 15;
    pub const WBS: u16 = 16;
    pub const CONSTRAINT_TYPE: u16 = 17;
    pub const CONSTRAINT_DATE: u16 = 18;
    pub const LEVELING_DELAY: u16 = 20;
    pub const FREE_SLACK: u16 = 21;
    pub const TOTAL_SLACK: u16 = 22;
    pub const ID: u16 = 23;
    pub const PRIORITY: u16 = 25;
    pub const SUBPROJECT_FILE: u16 = 26;
    pub const ACTUAL_DURATION: u16 = 28;
    pub const REMAINING_DURATION: u16 = 31;
    pub const PERCENT_COMPLETE: u16 = 32;
    pub const PERCENT_WORK_COMPLETE: u16 = 33;
    pub const EARLY_START: u16 = 37;
    pub const EARLY_FINISH: u16 = 38;
    pub const LATE_START: u16 = 39;
    pub const LATE_FINISH: u16 = 40;
    pub const ACTUAL_START: u16 = 41;
    pub const ACTUAL_FINISH: u16 = 42;
    pub const START_VARIANCE: u16 = 45;
    pub const FINISH_VARIANCE: u16 = 46;
    pub const CV: u16 = 83;
    pub const OUTLINE_LEVEL_OLD: u16 = 85;
    pub const UNIQUE_ID: u16 = 86;
    pub const CREATED: u16 = 93;
    pub const RESUME: u16 = 99;
    pub const STOP: u16 = 100;
    pub const CONTACT: u16 = 112;
    pub const ACWP: u16 = 120;
    pub const TYPE: u16 = 128;
    pub const PARENT_UNIQUE_ID: u16 = 160;
    pub const OVERTIME_WORK: u16 = 163;
    pub const ACTUAL_OVERTIME_WORK: u16 = 164;
    pub const REMAINING_OVERTIME_WORK: u16 = 165;
    pub const REGULAR_WORK: u16 = 166;
    pub const OVERTIME_COST: u16 = 168;
    pub const ACTUAL_OVERTIME_COST: u16 = 169;
    pub const REMAINING_OVERTIME_COST: u16 = 170;
    pub const LEVELING_DELAY_UNITS: u16 = 178;
    pub const DURATION_UNITS: u16 = 181;
    /// A fixed-data duration, for unit lookups of durations kept with the task's own.
    pub const DURATION: u16 = 29;
    pub const ENTERPRISE_DATA: u16 = 481;
    pub const FIXED_COST_ACCRUAL: u16 = 200;
    pub const RECURRING: u16 = 202;
    pub const RECURRING_DATA: u16 = 203;
    pub const HYPERLINK_DATA: u16 = 215;
    pub const EXTERNAL_TASK: u16 = 232;
    pub const SUBPROJECT_READ_ONLY: u16 = 246;
    pub const OUTLINE_LEVEL: u16 = 249;
    pub const SUBPROJECT_TASK_ID: u16 = 255;
    pub const PRELEVELED_START: u16 = 369;
    pub const PRELEVELED_FINISH: u16 = 370;
    pub const CALENDAR_UNIQUE_ID: u16 = 401;
    pub const DEADLINE: u16 = 437;
    pub const START_SLACK: u16 = 438;
    pub const FINISH_SLACK: u16 = 439;
    pub const PHYSICAL_PERCENT_COMPLETE: u16 = 1119;
    pub const EARNED_VALUE_METHOD: u16 = 1122;
    pub const GUID: u16 = 1143;
    pub const START_TEXT: u16 = 1285;
    pub const FINISH_TEXT: u16 = 1286;
    pub const DURATION_TEXT: u16 = 1287;
}

/// Where one baseline's values live.
#[derive(Clone, Copy)]
struct BaselineFields {
    start: u16,
    finish: u16,
    duration: u16,
    duration_units: u16,
    work: u16,
    cost: u16,
    /// MPP14's "estimated" copies, used when the plain value is absent.
    estimated: Option<[u16; 3]>,
}

/// Where the schedule lives in one file generation. MPP14 moved Start/Finish to new indices
/// and kept the auto-scheduled values under the old ones.
struct ScheduleFields {
    start: u16,
    finish: u16,
    duration: u16,
    /// (start, finish, duration) as auto-scheduled, MPP14 only.
    scheduled: Option<[u16; 3]>,
    /// Manual duration and its units, MPP14 only.
    manual_duration: Option<[u16; 2]>,
    baselines: [BaselineFields; 11],
}

const fn baseline(n: u16, mpp14: bool) -> BaselineFields {
    // Baselines 1–5 sit in 11-field strides from 482, 6–10 from 544 (Project put the earned
    // value fields in between).
    let base = if n <= 5 {
        482 + 11 * (n - 1)
    } else {
        544 + 11 * (n - 6)
    };
    if mpp14 {
        BaselineFields {
            start: 1299 + 3 * n,
            finish: 1300 + 3 * n,
            duration: 1301 + 3 * n,
            duration_units: base + 6,
            work: base + 3,
            cost: base + 2,
            estimated: Some([base, base + 1, base + 5]),
        }
    } else {
        BaselineFields {
            start: base,
            finish: base + 1,
            duration: base + 5,
            duration_units: base + 6,
            work: base + 3,
            cost: base + 2,
            estimated: None,
        }
    }
}

const fn baselines(mpp14: bool) -> [BaselineFields; 11] {
    let zero = if mpp14 {
        BaselineFields {
            start: 1299,
            finish: 1300,
            duration: 1301,
            duration_units: 179,
            work: 1,
            cost: 6,
            estimated: Some([43, 44, 27]),
        }
    } else {
        BaselineFields {
            start: 43,
            finish: 44,
            duration: 27,
            duration_units: 179,
            work: 1,
            cost: 6,
            estimated: None,
        }
    };
    [
        zero,
        baseline(1, mpp14),
        baseline(2, mpp14),
        baseline(3, mpp14),
        baseline(4, mpp14),
        baseline(5, mpp14),
        baseline(6, mpp14),
        baseline(7, mpp14),
        baseline(8, mpp14),
        baseline(9, mpp14),
        baseline(10, mpp14),
    ]
}

static SCHEDULE_MPP9_12: ScheduleFields = ScheduleFields {
    start: 35,
    finish: 36,
    duration: 29,
    scheduled: None,
    manual_duration: None,
    baselines: baselines(false),
};

static SCHEDULE_MPP14: ScheduleFields = ScheduleFields {
    start: 1283,
    finish: 1284,
    duration: 29,
    scheduled: Some([35, 36, 29]),
    manual_duration: Some([1288, 1289]),
    baselines: baselines(true),
};

/// A bit in a meta item: `mask` tested on the `u32` read at `byte`.
#[derive(Clone, Copy)]
struct Bit {
    byte: usize,
    mask: u32,
}

const fn bit(byte: usize, mask: u32) -> Bit {
    Bit { byte, mask }
}

/// Task booleans kept as bits in the FixedMeta (block 0) and Fixed2Meta (block 1) items.
/// Their positions moved when Project 2013 rewrote the layout (MPXJ `MPP14Reader` tables).
struct TaskBits {
    milestone: Bit,
    marked: Bit,
    ignore_resource_calendar: Bit,
    rollup: Bit,
    hide_bar: Bit,
    effort_driven: Bit,
    level_assignments: Bit,
    leveling_can_split: Bit,
    /// Fixed2Meta bits, absent before MPP14.
    active: Option<Bit>,
    manual: Option<Bit>,
}

static BITS_MPP9_12: TaskBits = TaskBits {
    milestone: bit(8, 0x20),
    marked: bit(9, 0x40),
    ignore_resource_calendar: bit(10, 0x02),
    rollup: bit(10, 0x08),
    hide_bar: bit(10, 0x80),
    effort_driven: bit(11, 0x10),
    level_assignments: bit(13, 0x04),
    leveling_can_split: bit(13, 0x02),
    active: None,
    manual: None,
};

static BITS_MPP14_2010: TaskBits = TaskBits {
    active: Some(bit(8, 0x04)),
    manual: Some(bit(8, 0x08)),
    ..BITS_MPP9_12
};

static BITS_MPP14_2013: TaskBits = TaskBits {
    milestone: bit(10, 0x02),
    marked: bit(12, 0x02),
    ignore_resource_calendar: bit(17, 0x20),
    rollup: bit(12, 0x04),
    hide_bar: bit(12, 0x80),
    effort_driven: bit(13, 0x08),
    level_assignments: bit(16, 0x04),
    leveling_can_split: bit(16, 0x02),
    active: Some(bit(8, 0x40)),
    manual: Some(bit(8, 0x80)),
};

/// Project `Props` key of the default duration unit.
const PROPS_DURATION_UNITS: u32 = 0x0240_0015;
/// Project `Props` key of the critical slack limit, in days.
const PROPS_CRITICAL_SLACK_LIMIT: u32 = 0x0240_0014;
/// Project `Props` key of the working minutes per day.
const PROPS_MINUTES_PER_DAY: u32 = 0x0240_001D;
/// Meta item flag: the row was deleted.
const META_DELETED: u32 = 0x02;
/// Meta item flag seen on housekeeping rows and stale copies.
const META_STALE: u32 = 0x04;
/// Rows 0–2 are housekeeping records, not tasks.
const FIRST_TASK_ROW: usize = 3;
/// MPP9/12 cap on one FixedData record (MPXJ's bound against runaway offsets).
const MAX_RECORD_MPP9_12: usize = 768;

/// The per-file facts the decoders need.
struct Env<'a> {
    format: FileFormat,
    schedule: &'static ScheduleFields,
    bits: &'static TaskBits,
    default_unit: TimeUnit,
    /// Tasks with this much total slack (minutes) or less are critical.
    critical_slack_minutes: f64,
    map: &'a FieldMap,
}

/// FixedData and Fixed2Data records of every row, paired by index.
struct Records<'a> {
    data: Vec<Option<&'a [u8]>>,
    data2: Vec<Option<&'a [u8]>>,
    meta2: FixedMeta,
}

/// Picks the Fixed2Meta item size among the sizes Project used: the one that divides the
/// stream into as many items as FixedMeta has wins, else the closest fit not exceeding the
/// written count (MPXJ `FixedMeta` heuristic).
fn meta2_item_size(raw: &[u8], sizes: &[usize], rows: usize) -> usize {
    let first = sizes.first().copied().unwrap_or(1);
    let Some(available) = raw.len().checked_sub(16) else {
        return first;
    };
    let written = u32_at(raw, 8).unwrap_or(0) as i64;
    let mut chosen = first;
    let mut distance = i64::MIN;
    for &size in sizes {
        if size == 0 || !available.is_multiple_of(size) {
            continue;
        }
        if available / size == rows {
            return size;
        }
        let test = written * size as i64 - available as i64;
        if test <= 0 && test > distance {
            chosen = size;
            distance = test;
        }
    }
    chosen
}

fn split_records<'a>(blocks: &'a EntityBlocks, map: &FieldMap, layout: &Layout) -> Records<'a> {
    let record_size = map.record_size(0);
    let data = match layout.format {
        FileFormat::Mpp14 => split_by_meta(&blocks.meta, &blocks.data, 0, record_size),
        _ => split_by_meta(&blocks.meta, &blocks.data, record_size, MAX_RECORD_MPP9_12),
    };
    let sizes = task_meta2_sizes(layout.format);
    let (meta2, data2) = if sizes.is_empty() {
        (FixedMeta::parse(Vec::new(), 1), Vec::new())
    } else {
        let size = meta2_item_size(&blocks.meta2_raw, sizes, blocks.meta.len());
        let meta2 = FixedMeta::parse(blocks.meta2_raw.clone(), size);
        let data2 = split_by_meta(&meta2, &blocks.data2, 0, 0);
        (meta2, data2)
    };
    Records { data, data2, meta2 }
}

/// Fixed2Meta item sizes of TBkndTask: none in MPP9, 86 in MPP12, 92–96 in MPP14 by saving
/// program.
fn task_meta2_sizes(format: FileFormat) -> &'static [usize] {
    match format {
        FileFormat::Mpp12 => &[86],
        FileFormat::Mpp14 => &[92, 93, 94, 95, 96],
        _ => &[],
    }
}

fn null_task_size(layout: &Layout) -> usize {
    layout.null_task_size
}

/// Which row holds each unique id (`None` = deleted). Rows are scanned from the last, since
/// of two copies of a task the later one is current.
fn select_rows(
    ctx: &Context,
    blocks: &EntityBlocks,
    records: &Records<'_>,
    map: &FieldMap,
) -> BTreeMap<i32, Option<usize>> {
    let layout = &ctx.layout;
    let format = layout.format;
    let mut chosen: BTreeMap<i32, Option<usize>> = BTreeMap::new();
    let uid_offset = fixed_offset(map, field::UNIQUE_ID).unwrap_or(0);
    let max_size = map.record_size(0);
    let count = records
        .data
        .len()
        .min(ctx.limits.max_records.saturating_add(FIRST_TASK_ROW));
    for index in (FIRST_TASK_ROW..count).rev() {
        if !ctx.budget.work(1) {
            break;
        }
        let Some(data) = records.data.get(index).copied().flatten() else {
            continue;
        };
        if format != FileFormat::Mpp9 && records.data2.get(index).copied().flatten().is_none() {
            continue;
        }
        let flags = blocks
            .meta
            .item(index)
            .and_then(|m| u32_at(m, 0))
            .unwrap_or(0);
        if flags & META_DELETED != 0 {
            // A deleted task's id is remembered so that a stale copy is not revived.
            let uid = i32::from(u16_at(data, 0).unwrap_or(0));
            if format == FileFormat::Mpp14 {
                chosen.entry(uid).or_insert(None);
            } else {
                chosen.insert(uid, None);
            }
        } else if data.len() == null_task_size(layout) {
            let uid = i32_at(data, 0).unwrap_or(0);
            chosen.entry(uid).or_insert(Some(index));
        } else if max_size == 0 || data.len() * 100 / max_size > 75 {
            let Some(uid) = i32_at(data, uid_offset) else {
                continue;
            };
            let known = chosen.contains_key(&uid);
            if !known || (blocks.var.has_owner(uid) && flags & META_STALE == 0) {
                chosen.insert(uid, Some(index));
            }
        }
    }
    chosen
}

fn fixed_offset(map: &FieldMap, index: u16) -> Option<usize> {
    match map.get(Entity::Task.base() | u32::from(index))? {
        super::field_map::Location::Fixed { offset, .. } => Some(usize::from(offset)),
        _ => None,
    }
}

/// Tasks as read, before IDs are renumbered; removed entries stay as `None` so the order
/// bookkeeping can still refer to them.
#[derive(Default)]
struct Collected {
    tasks: Vec<Option<Task>>,
    by_uid: HashMap<i32, usize>,
    /// Stored ID → index of the task last added with it.
    by_id: HashMap<i32, usize>,
    /// Ordering key (Fixed2Data bytes 16–23, or the stored ID in MPP9) → unique id.
    order: BTreeMap<i64, i32>,
    /// Stored ID → unique id of null tasks (and tasks without an ordering key).
    null_order: BTreeMap<i32, i32>,
}

impl Collected {
    fn add(&mut self, task: Task) {
        self.by_uid.insert(task.uid, self.tasks.len());
        self.by_id.insert(task.id, self.tasks.len());
        self.tasks.push(Some(task));
    }

    fn find_id(&self, id: i32) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    fn remove(&mut self, index: usize) {
        let removed = self.tasks.get_mut(index).and_then(Option::take);
        if let Some(task) = removed {
            if self.by_uid.get(&task.uid) == Some(&index) {
                self.by_uid.remove(&task.uid);
            }
            if self.by_id.get(&task.id) == Some(&index) {
                self.by_id.remove(&task.id);
            }
        }
    }

    fn add_null(&mut self, uid: i32, id: i32, replace: bool) {
        if !replace && self.null_order.contains_key(&id) {
            return;
        }
        self.add(Task {
            uid,
            id,
            is_null: true,
            active: true,
            priority: 500,
            fixed_cost_accrual: 3,
            ..Task::default()
        });
        self.null_order.insert(id, uid);
    }
}

/// Reads the tasks in ID order.
pub fn read(
    ctx: &mut Context,
    blocks: &EntityBlocks,
    map: &FieldMap,
    custom: &CustomFields,
) -> Vec<Task> {
    let layout = ctx.layout;
    let format = layout.format;
    let env = Env {
        format,
        schedule: if format == FileFormat::Mpp14 {
            &SCHEDULE_MPP14
        } else {
            &SCHEDULE_MPP9_12
        },
        bits: match format {
            FileFormat::Mpp14 if layout.from_2013 => &BITS_MPP14_2013,
            FileFormat::Mpp14 => &BITS_MPP14_2010,
            _ => &BITS_MPP9_12,
        },
        default_unit: unit_from_code(
            ctx.props.u16(PROPS_DURATION_UNITS).unwrap_or(7),
            TimeUnit::DAYS,
        ),
        critical_slack_minutes: f64::from(ctx.props.i32(PROPS_CRITICAL_SLACK_LIMIT).unwrap_or(0))
            * f64::from(ctx.props.i32(PROPS_MINUTES_PER_DAY).unwrap_or(480)),
        map,
    };
    let records = split_records(blocks, map, &layout);
    let chosen = select_rows(ctx, blocks, &records, map);
    let null_size = null_task_size(&layout);
    let record_size = map.record_size(0);
    let id_offset = fixed_offset(map, field::ID).unwrap_or(4);

    let mut out = Collected::default();
    // A short record is copied into one of the map's size: a unit per 64 bytes.
    let row_work = 1 + u64::try_from(record_size / 64).unwrap_or(u64::MAX);
    let plan = custom_fields::FieldPlan::new(Entity::Task, map);
    for (&uid, &index) in &chosen {
        if !ctx.budget.work(row_work) || !ctx.budget.alloc_items::<Task>(1) {
            break;
        }
        let Some(index) = index else { continue };
        let Some(data) = records.data.get(index).copied().flatten() else {
            continue;
        };
        let id = i32_at(data, id_offset).unwrap_or(0);
        if data.len() == null_size {
            match format {
                FileFormat::Mpp9 => {
                    let uid = i32::from(u16_at(data, 0).unwrap_or(0));
                    let id = i32::from(u16_at(data, 4).unwrap_or(0));
                    out.add_null(uid, id, true);
                }
                FileFormat::Mpp12 => {
                    let uid = i32::from(u16_at(data, 0).unwrap_or(0));
                    let id = i32::from(u16_at(data, 4).unwrap_or(0));
                    out.add_null(uid, id, false);
                }
                _ => {
                    let uid = i32_at(data, 0).unwrap_or(0);
                    let id = i32_at(data, 4).unwrap_or(0);
                    out.add_null(uid, id, false);
                }
            }
            continue;
        }
        // Short records: MPP14 pads them, MPP12 only the summary task's, MPP9 skips them.
        let padded;
        let data = if data.len() < record_size {
            match format {
                FileFormat::Mpp14 => {}
                FileFormat::Mpp12 if uid == 0 => {}
                _ => continue,
            }
            let mut buffer = vec![0u8; record_size + 8];
            if let Some(head) = buffer.get_mut(..data.len()) {
                head.copy_from_slice(data);
            }
            padded = buffer;
            padded.as_slice()
        } else {
            data
        };
        if format == FileFormat::Mpp9 && uid != 0 && !blocks.var.has_owner(uid) {
            continue;
        }
        if let Some(existing) = out.find_id(id) {
            // Two rows with one ID: a row without Var2Data is a phantom.
            if !blocks.var.has_owner(uid) {
                continue;
            }
            if out
                .tasks
                .get(existing)
                .and_then(Option::as_ref)
                .is_some_and(|t| t.name.is_none())
            {
                out.remove(existing);
            }
        }
        let meta = blocks.meta.item(index).unwrap_or_default();
        let data2 = records
            .data2
            .get(index)
            .copied()
            .flatten()
            .unwrap_or_default();
        let meta2 = records.meta2.item(index).unwrap_or_default();
        let row = Row {
            uid,
            fixed: [data, data2],
            meta: [meta, meta2],
            var: &blocks.var,
            map,
            entity: Entity::Task,
            budget: &ctx.budget,
        };
        let mut task = decode(&env, &row);
        task.id = id;
        task.custom_values = custom_fields::read_planned(&plan, &row, custom);
        let parts = (task.custom_values.len(), task.baselines.len());
        if !charge_parts(&ctx.budget, task.notes.as_ref(), parts.0, parts.1) {
            break;
        }

        // A row without a name whose dates are missing is a blank line after all.
        let created_missing = format != FileFormat::Mpp12 && task.created.is_none();
        if task.name.is_none() && (task.start.is_none() || task.finish.is_none() || created_missing)
        {
            let uid = i32_at(data, 0).unwrap_or(0);
            let id = i32_at(data, 4).unwrap_or(0);
            out.add_null(uid, id, format == FileFormat::Mpp9);
            continue;
        }
        match format {
            FileFormat::Mpp9 => {
                out.order.insert(i64::from(task.id), task.uid);
            }
            _ => match i64_at(data2, 16) {
                Some(key) if data2.len() >= 24 => {
                    out.order.insert(key, task.uid);
                }
                _ => {
                    out.null_order.insert(task.id, task.uid);
                }
            },
        }
        out.add(task);
    }

    if let Err(message) = renumber(&mut out, &ctx.budget) {
        ctx.warn(message);
    }
    let mut tasks: Vec<Task> = out.tasks.into_iter().flatten().collect();
    tasks.sort_by_key(|t| t.id);
    build_hierarchy(&mut tasks, &ctx.budget);
    tasks
}

/// Decodes one live row.
fn decode(env: &Env<'_>, row: &Row<'_>) -> Task {
    let s = env.schedule;
    let location = |index: u16| env.map.get(Entity::Task.base() | u32::from(index));
    // The unit of a duration: its units field's code; a units item missing from Var2Data
    // reads as code 0 (days); with no units field at all, fixed durations take the project
    // default and Var2Data durations hours (MPXJ `FieldMap`).
    let unit_for = |index: u16, units_index: u16| -> TimeUnit {
        let code = match location(units_index) {
            Some(Location::Var { .. }) => Some(row.u16(units_index).unwrap_or(0)),
            Some(_) => row.u16(units_index),
            None => None,
        };
        match (code, location(index)) {
            (Some(code), _) => unit_from_code(code, env.default_unit),
            (None, Some(Location::Var { .. })) => TimeUnit::HOURS,
            (None, _) => env.default_unit,
        }
    };
    let unit_of = |units_index: u16| unit_for(field::DURATION, units_index);
    let task_unit = unit_of(field::DURATION_UNITS);
    let duration = |index: u16, unit: TimeUnit| -> Option<Duration> {
        let tenths = row.i32(index)?;
        (tenths != -1).then(|| Duration::new(f64::from(tenths) / 10.0, unit))
    };
    let flag = |b: Bit, block: usize| row.meta_flag(block, b.byte, b.mask);
    // Numbers kept in Var2Data read as zero when the row has no item for them.
    let in_var = |index: u16| {
        matches!(
            env.map.get(Entity::Task.base() | u32::from(index)),
            Some(Location::Var { .. })
        )
    };
    let zero_if_var =
        |value: Option<f64>, index: u16| value.or_else(|| in_var(index).then_some(0.0));
    let work = |index: u16| zero_if_var(row.work(index), index);
    let cost = |index: u16| zero_if_var(row.cost(index), index);
    let bits = env.bits;

    let mut task = Task {
        uid: row.uid,
        ..Task::default()
    };
    task.name = row.string(field::NAME);
    task.guid = row.guid(field::GUID);
    task.wbs = row.string(field::WBS).map(DottedCode::root);
    task.contact = row.string(field::CONTACT);
    task.notes = row
        .raw(field::NOTES)
        .map(|raw| rtf::to_plain_text(&ansi_string(raw)))
        .filter(|n| !n.is_empty());
    task.created = row.timestamp(field::CREATED);
    task.priority = row.u16(field::PRIORITY).unwrap_or(500);
    task.task_type = row.u16(field::TYPE).unwrap_or(0);
    task.constraint_type = row.u16(field::CONSTRAINT_TYPE).unwrap_or(0);
    task.constraint_date = row.timestamp(field::CONSTRAINT_DATE);
    task.outline_level = row
        .u16(field::OUTLINE_LEVEL)
        .or_else(|| row.u16(field::OUTLINE_LEVEL_OLD))
        .unwrap_or(0);
    task.parent_uid = row.i32(field::PARENT_UNIQUE_ID).filter(|p| *p != -1);
    task.percent_complete = percentage(row, field::PERCENT_COMPLETE);
    task.percent_work_complete = percentage(row, field::PERCENT_WORK_COMPLETE);
    task.physical_percent_complete = percentage(row, field::PHYSICAL_PERCENT_COMPLETE)
        .or_else(|| in_var(field::PHYSICAL_PERCENT_COMPLETE).then_some(0.0));
    task.earned_value_method = row.u16(field::EARNED_VALUE_METHOD).unwrap_or(0);
    task.fixed_cost_accrual = row
        .u16(field::FIXED_COST_ACCRUAL)
        .filter(|a| (1..=3).contains(a))
        .unwrap_or(3);
    task.calendar_uid = row.i32(field::CALENDAR_UNIQUE_ID).filter(|c| *c != -1);
    task.deadline = row.timestamp(field::DEADLINE);

    task.start = row.timestamp(s.start);
    task.finish = row.timestamp(s.finish);
    task.duration = duration(s.duration, task_unit);
    task.estimated = row
        .u16(field::DURATION_UNITS)
        .is_some_and(|c| c & 0x20 != 0);
    task.duration_format = row
        .u16(field::DURATION_UNITS)
        .filter(|c| TimeUnit::is_format_code(*c));
    task.early_start = row.timestamp(field::EARLY_START);
    task.early_finish = row.timestamp(field::EARLY_FINISH);
    task.late_start = row.timestamp(field::LATE_START);
    task.late_finish = row.timestamp(field::LATE_FINISH);
    task.actual_start = row.timestamp(field::ACTUAL_START);
    task.actual_finish = row.timestamp(field::ACTUAL_FINISH);
    task.stop = row.timestamp(field::STOP);
    task.resume = row.timestamp(field::RESUME);
    task.preleveled_start = row.timestamp(field::PRELEVELED_START);
    task.preleveled_finish = row.timestamp(field::PRELEVELED_FINISH);
    task.actual_duration = duration(field::ACTUAL_DURATION, task_unit);
    task.remaining_duration = duration(field::REMAINING_DURATION, task_unit);
    task.free_slack = duration(field::FREE_SLACK, task_unit);
    task.start_slack = duration(field::START_SLACK, task_unit);
    task.finish_slack = duration(field::FINISH_SLACK, task_unit);
    task.total_slack = duration(field::TOTAL_SLACK, env.default_unit);
    task.start_variance = duration(field::START_VARIANCE, env.default_unit);
    task.finish_variance = duration(field::FINISH_VARIANCE, env.default_unit);
    task.leveling_delay = duration(field::LEVELING_DELAY, unit_of(field::LEVELING_DELAY_UNITS));

    task.work = work(field::WORK);
    task.actual_work = work(field::ACTUAL_WORK);
    task.remaining_work = work(field::REMAINING_WORK);
    task.actual_overtime_work = work(field::ACTUAL_OVERTIME_WORK);
    task.remaining_overtime_work = work(field::REMAINING_OVERTIME_WORK);
    // Stored as durations (tenths of a minute), not as work.
    task.work_variance = duration(field::WORK_VARIANCE, env.default_unit).map(|d| d.minutes);
    task.overtime_work = duration(field::OVERTIME_WORK, env.default_unit).map(|d| d.minutes);
    task.regular_work = duration(field::REGULAR_WORK, env.default_unit).map(|d| d.minutes);
    task.cost = cost(field::COST);
    task.actual_cost = cost(field::ACTUAL_COST);
    task.fixed_cost = cost(field::FIXED_COST);
    task.remaining_cost = cost(field::REMAINING_COST);
    task.bcwp = cost(field::BCWP);
    task.bcws = cost(field::BCWS);
    task.acwp = cost(field::ACWP);
    // Not stored by the files seen; derived as MPXJ derives them.
    task.cv = cost(field::CV).or_else(|| Some(task.bcwp.unwrap_or(0.0) - task.acwp.unwrap_or(0.0)));
    task.overtime_cost = cost(field::OVERTIME_COST);
    task.actual_overtime_cost = cost(field::ACTUAL_OVERTIME_COST);
    task.remaining_overtime_cost = cost(field::REMAINING_OVERTIME_COST);

    task.milestone = flag(bits.milestone, 0);
    task.marked = flag(bits.marked, 0);
    task.ignore_resource_calendar = flag(bits.ignore_resource_calendar, 0);
    task.rollup = flag(bits.rollup, 0);
    task.hide_bar = flag(bits.hide_bar, 0);
    task.effort_driven = flag(bits.effort_driven, 0);
    task.level_assignments = flag(bits.level_assignments, 0);
    task.leveling_can_split = flag(bits.leveling_can_split, 0);
    task.expanded = !row.meta_flag(0, 12, 0x02);
    let has_meta2 = row.meta.get(1).is_some_and(|m| !m.is_empty());
    task.active = match bits.active {
        Some(b) if has_meta2 => flag(b, 1),
        _ => true,
    };
    task.manual = match bits.manual {
        Some(b) if has_meta2 => flag(b, 1),
        _ => false,
    };

    task.subproject_file = row.string(field::SUBPROJECT_FILE);
    task.is_subproject_read_only = row.u16(field::SUBPROJECT_READ_ONLY).is_some_and(|v| v != 0);
    task.external_task = row.i32(field::SUBPROJECT_TASK_ID).is_some_and(|v| v != 0)
        || row.u16(field::EXTERNAL_TASK).is_some_and(|v| v != 0);
    task.is_subproject = task.subproject_file.is_some() && !task.external_task;
    task.recurring =
        row.u16(field::RECURRING).is_some_and(|v| v != 0) || row.has(field::RECURRING_DATA);
    if let Some(raw) = row.raw(field::HYPERLINK_DATA) {
        let [text, address, sub_address, screen_tip] = hyperlink(raw);
        task.hyperlink = Some(text);
        task.hyperlink_address = Some(address);
        task.hyperlink_sub_address = Some(sub_address);
        task.hyperlink_screen_tip = Some(screen_tip);
    }

    if let Some([start, finish, scheduled_duration]) = s.scheduled {
        // Auto-scheduled tasks show the scheduled values; manual ones their own, falling back
        // to the scheduled values when they have none.
        let scheduled_start = row.timestamp(start);
        let scheduled_finish = row.timestamp(finish);
        if task.start.is_none() || (scheduled_start.is_some() && !task.manual) {
            task.start = scheduled_start;
        }
        if task.finish.is_none() || (scheduled_finish.is_some() && !task.manual) {
            task.finish = scheduled_finish;
        }
        let scheduled = duration(scheduled_duration, task_unit);
        if task.duration.is_none() || (scheduled.is_some() && !task.manual) {
            task.duration = scheduled;
        }
    }
    if let Some([manual_duration, units]) = s.manual_duration {
        // Present (often empty) on tasks that were ever manually scheduled.
        let text = |index: u16| row.raw(index).map(utf16_string);
        task.start_text = text(field::START_TEXT);
        task.finish_text = text(field::FINISH_TEXT);
        task.duration_text = text(field::DURATION_TEXT);
        if task.manual {
            task.manual_duration = duration(manual_duration, unit_of(units));
            task.duration = task.manual_duration;
        }
    }
    adjust_for_constraint(&mut task);
    if task.total_slack.is_none() {
        task.total_slack = total_slack(&task);
    }
    task.critical = critical(&task, env.critical_slack_minutes);

    let extra = if env.format == FileFormat::Mpp9 {
        enterprise_values(row)
    } else {
        HashMap::new()
    };
    let extra_date = |index: u16| extra.get(&index).and_then(|v| encoding::timestamp(v, 0));
    for (number, fields) in (0u8..).zip(s.baselines.iter()) {
        let estimated = fields.estimated.unwrap_or([0; 3]);
        let has_estimated = fields.estimated.is_some();
        let date = |plain: u16, fallback: u16| {
            row.timestamp(plain)
                .or_else(|| extra_date(plain))
                .or_else(|| {
                    if has_estimated {
                        row.timestamp(fallback)
                    } else {
                        None
                    }
                })
        };
        let [estimated_start, estimated_finish, estimated_duration] = estimated;
        let baseline_duration = |index: u16| {
            duration(index, unit_for(index, fields.duration_units))
                .or_else(|| extra.get(&index).and_then(|v| extra_duration(v)))
        };
        let b = Baseline {
            number,
            start: date(fields.start, estimated_start),
            finish: date(fields.finish, estimated_finish),
            duration: baseline_duration(fields.duration).or_else(|| {
                if has_estimated {
                    baseline_duration(estimated_duration)
                } else {
                    None
                }
            }),
            work: work(fields.work).or_else(|| {
                extra
                    .get(&fields.work)
                    .and_then(|v| f64_at(v, 0))
                    .map(|w| w / 1000.0)
            }),
            cost: cost(fields.cost).or_else(|| {
                extra
                    .get(&fields.cost)
                    .and_then(|v| f64_at(v, 0))
                    .map(|c| c / 100.0)
            }),
        };
        if b.start.is_some()
            || b.finish.is_some()
            || b.duration.is_some()
            || b.work.is_some()
            || b.cost.is_some()
        {
            task.baselines.push(b);
        }
    }
    if task.work_variance.is_none() {
        let baseline_work = task
            .baselines
            .iter()
            .find(|b| b.number == 0)
            .and_then(|b| b.work);
        task.work_variance = task
            .work
            .zip(baseline_work)
            .map(|(work, baseline)| work - baseline);
    }
    task
}

/// MPP9 keeps the fields its field map does not list (baselines 1–10, enterprise fields) in
/// one Var2Data item laid out as a small property block: `u32` data size, `u32` count, then
/// (`u32` field id, `u32` offset) pairs; each value runs to the next offset. Returns task
/// field index → value bytes.
fn enterprise_values<'a>(row: &Row<'a>) -> HashMap<u16, &'a [u8]> {
    let mut values = HashMap::new();
    let Some(data) = row.raw(field::ENTERPRISE_DATA) else {
        return values;
    };
    let size = u32_at(data, 0).map_or(0, |s| s as usize).min(data.len());
    let count = u32_at(data, 4)
        .map_or(0, |c| c as usize)
        .min(data.len() / 8);
    let mut entries: Vec<(usize, u32)> = (0..count)
        .filter_map(|i| {
            let key = u32_at(data, 8 + i * 8)?;
            let offset = u32_at(data, 12 + i * 8)? as usize;
            Some((offset, key))
        })
        .collect();
    entries.sort_unstable();
    for (i, (offset, key)) in entries.iter().enumerate() {
        let end = entries.get(i + 1).map_or(size, |(next, _)| *next);
        if key & 0xFFFF_0000 != Entity::Task.base() {
            continue;
        }
        if let Some(value) = data.get(*offset..end) {
            values.insert((key & 0xFFFF) as u16, value);
        }
    }
    values
}

/// A duration in an MPP9 property block: `i32` tenths, then the `u16` unit code (days when
/// the value is too short to have one).
fn extra_duration(value: &[u8]) -> Option<Duration> {
    let tenths = i32_at(value, 0)?;
    let unit = match u16_at(value, 4) {
        Some(code) if value.len() >= 6 => unit_from_code(code, TimeUnit::DAYS),
        _ => TimeUnit::DAYS,
    };
    Some(Duration::new(f64::from(tenths) / 10.0, unit))
}

/// Total slack when the file stores none: the finish slack of a started task, else the
/// smaller of start and finish slack.
pub(super) fn total_slack(task: &Task) -> Option<Duration> {
    if task.actual_start.is_some() {
        return task.finish_slack;
    }
    task.duration?;
    let (start, finish) = (task.start_slack?, task.finish_slack?);
    Some(if start.minutes < finish.minutes {
        start
    } else {
        finish
    })
}

/// Critical: not finished, not complete, and no more total slack than the project's limit.
pub(super) fn critical(task: &Task, limit_minutes: f64) -> bool {
    if task.actual_finish.is_some() || task.percent_complete == Some(100.0) {
        return false;
    }
    let has_text =
        task.start_text.is_some() || task.finish_text.is_some() || task.duration_text.is_some();
    if task.manual && has_text {
        return false;
    }
    task.total_slack
        .is_some_and(|slack| slack.minutes <= limit_minutes)
}

/// MPXJ moves an as-late-as-possible task onto its late dates, and repairs the finish of a
/// "no later than" task that ends before it starts.
fn adjust_for_constraint(task: &mut Task) {
    let earlier = |a: Option<DateTime>, b: Option<DateTime>| match (a, b) {
        (None, Some(_)) => true,
        (Some(a), Some(b)) => a < b,
        _ => false,
    };
    match task.constraint_type {
        1 => {
            if earlier(task.start, task.late_start) {
                task.start = task.late_start;
            }
            if earlier(task.finish, task.late_finish) {
                task.finish = task.late_finish;
            }
        }
        5 | 7 if earlier(task.finish, task.start) => task.finish = task.late_finish,
        _ => {}
    }
}

/// A `u16` percentage; values outside 0–100 are unset.
fn percentage(row: &Row<'_>, index: u16) -> Option<f64> {
    row.u16(index).filter(|v| *v <= 100).map(f64::from)
}

/// Hyperlink item: after 24 bytes, four NUL-terminated UTF-16 strings (text, address,
/// sub-address, screen tip), each followed by 12 bytes.
fn hyperlink(raw: &[u8]) -> [String; 4] {
    let mut offset = 24usize;
    let mut out: [String; 4] = Default::default();
    for slot in &mut out {
        let text = raw.get(offset..).map(utf16_string).unwrap_or_default();
        offset = offset.saturating_add((text.encode_utf16().count() + 1) * 2 + 12);
        *slot = text;
    }
    out
}

/// Renumbers IDs the way MPXJ does: tasks in their stored order (Fixed2Data key, or stored
/// ID in MPP9) get 0, 1, 2, …; null tasks are slotted in at their stored ID.
fn renumber(out: &mut Collected, budget: &Budget) -> Result<(), String> {
    let has_summary = out.by_uid.contains_key(&0);
    let increment = ((out.null_order.len() / 1000) as i64 + 1) * 2000;
    let mut slots: BTreeMap<i64, i32> = BTreeMap::new();
    let mut next = if has_summary { 0 } else { increment };
    for uid in out.order.values() {
        slots.insert(next, *uid);
        next += increment;
    }
    let mut offsets: HashMap<i64, i64> = HashMap::new();
    for (inserted, (&id, &uid)) in (0i64..).zip(&out.null_order) {
        let base = (i64::from(id) - inserted) * increment;
        let mut target = base;
        let mut offset = offsets.get(&base).map_or(0, |o| o + 1);
        while slots.contains_key(&target) {
            offset += 1;
            if offset >= increment || !budget.work(1) {
                return Err(
                    "the task order could not be rebuilt; tasks keep their stored IDs".to_owned(),
                );
            }
            target = base - (increment - offset);
        }
        offsets.insert(base, offset);
        slots.insert(target, uid);
    }
    let first_id = if has_summary { 0 } else { 1 };
    for (next_id, uid) in (first_id..).zip(slots.values()) {
        if let Some(task) = out
            .by_uid
            .get(uid)
            .and_then(|i| out.tasks.get_mut(*i))
            .and_then(Option::as_mut)
        {
            task.id = next_id;
        }
    }
    Ok(())
}

/// Rebuilds the outline from the outline levels of the tasks in ID order, then derives
/// outline numbers, WBS codes (where the file stores none) and the summary flag. Each code
/// is its parent's code plus one part, shared, so a deep outline costs memory per task, not
/// per level of every task.
pub(super) fn build_hierarchy(tasks: &mut [Task], budget: &Budget) {
    if let [only] = tasks {
        // The lone project summary task: Project numbers it 0.
        if only.uid == 0 && !only.is_null {
            only.outline_number
                .get_or_insert_with(|| DottedCode::root("0"));
            only.wbs.get_or_insert_with(|| DottedCode::root("0"));
        }
        return;
    }
    let levels: Vec<u16> = tasks.iter().map(|t| t.outline_level).collect();
    let level_of = |i: usize| levels.get(i).copied().unwrap_or(0);
    let count = tasks.len();
    let mut parent_of: Vec<Option<usize>> = vec![None; count];
    let mut child_count = vec![0usize; count];
    let mut root_count = 0usize;
    let mut codes: Vec<(Option<DottedCode>, Option<DottedCode>)> = vec![(None, None); count];
    let mut last: Option<(usize, u16)> = None;
    for (i, task) in tasks.iter().enumerate() {
        if !budget.work(1) || !budget.alloc_items::<(DottedCode, DottedCode, usize)>(2) {
            return;
        }
        if task.is_null {
            // Null tasks hang from the root and take a position there.
            root_count += 1;
            continue;
        }
        let level = task.outline_level;
        let parent = match last {
            None => None,
            Some((previous, previous_level)) if level == previous_level => {
                parent_of.get(previous).copied().flatten()
            }
            Some((previous, previous_level)) if level > previous_level => Some(previous),
            Some((mut cursor, mut cursor_level)) => {
                // Climb until an ancestor with a lower level is found.
                let mut parent = None;
                while level <= cursor_level {
                    if !budget.work(1) {
                        return;
                    }
                    parent = parent_of.get(cursor).copied().flatten();
                    let Some(p) = parent else { break };
                    cursor = p;
                    cursor_level = level_of(p);
                }
                parent
            }
        };
        if let Some(slot) = parent_of.get_mut(i) {
            *slot = parent;
        }
        last = Some((i, level));
        let position = match parent.and_then(|p| child_count.get_mut(p)) {
            Some(n) => {
                *n += 1;
                *n
            }
            None => {
                root_count += 1;
                root_count
            }
        };
        let (parent_outline, parent_wbs) = parent
            .and_then(|p| codes.get(p))
            .map_or((None, None), |(o, w)| (o.as_ref(), w.as_ref()));
        let outline = child_code(task.uid, parent.is_some(), parent_outline, position);
        let wbs = match &task.wbs {
            Some(stored) => stored.clone(),
            None => child_code(task.uid, parent.is_some(), parent_wbs, position),
        };
        if let Some(slot) = codes.get_mut(i) {
            *slot = (Some(outline), Some(wbs));
        }
    }
    let uids: Vec<i32> = tasks.iter().map(|t| t.uid).collect();
    for (i, task) in tasks.iter_mut().enumerate() {
        let parent = parent_of.get(i).copied().flatten();
        task.parent_uid = parent.and_then(|p| uids.get(p).copied());
        task.summary = child_count.get(i).is_some_and(|n| *n > 0);
        if let Some((outline, wbs)) = codes.get_mut(i) {
            task.outline_number = outline.take();
            if wbs.is_some() {
                task.wbs = wbs.take();
            }
        }
    }
}

/// The outline number or WBS code of a child: "0" for the project summary task, the
/// parent's code plus the child's position otherwise (a parent coded "0" counts as the
/// root, as in MPXJ).
fn child_code(
    uid: i32,
    has_parent: bool,
    parent: Option<&DottedCode>,
    position: usize,
) -> DottedCode {
    if !has_parent && uid == 0 {
        return DottedCode::root("0");
    }
    match parent {
        Some(parent) if has_parent && !parent.is_root_text("0") => {
            DottedCode::child(parent, position.to_string())
        }
        _ => DottedCode::root(position.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(uid: i32, id: i32, level: u16) -> Task {
        Task {
            uid,
            id,
            outline_level: level,
            ..Task::default()
        }
    }

    /// Work and memory of `build_hierarchy` on a chain of `n` tasks, each a level deeper.
    fn chain_cost(n: usize) -> (u64, u64) {
        let mut tasks: Vec<Task> = (0..n)
            .map(|i| {
                let i32_i = i32::try_from(i).unwrap_or(i32::MAX);
                task(i32_i, i32_i, u16::try_from(i).unwrap_or(u16::MAX))
            })
            .collect();
        let budget = Budget::unlimited();
        build_hierarchy(&mut tasks, &budget);
        let deepest = tasks.last().and_then(|t| t.outline_number.as_ref());
        assert_eq!(
            deepest.map(|c| c.depth()),
            u32::try_from(n - 1).ok(),
            "one part per level"
        );
        let usage = budget.usage();
        (usage.work, usage.memory)
    }

    #[test]
    fn a_deep_outline_costs_per_task_not_per_level() {
        let (small_work, small_memory) = chain_cost(100);
        let (large_work, large_memory) = chain_cost(10_000);
        // 100 × the tasks may cost at most ~100 × (plus a constant): never 100² ×.
        assert!(
            large_work <= 110 * small_work.max(1),
            "{small_work} → {large_work}"
        );
        assert!(
            large_memory <= 110 * small_memory.max(1),
            "{small_memory} → {large_memory}"
        );
    }

    #[test]
    fn outline_numbers_follow_outline_levels() {
        let mut tasks = vec![
            task(0, 0, 0),
            task(1, 1, 1),
            task(2, 2, 2),
            task(3, 3, 2),
            task(4, 4, 1),
        ];
        build_hierarchy(&mut tasks, &Budget::unlimited());
        let numbers: Vec<_> = tasks
            .iter()
            .map(|t| t.outline_number.as_ref().map(ToString::to_string))
            .map(Option::unwrap_or_default)
            .collect();
        assert_eq!(numbers, ["0", "1", "1.1", "1.2", "2"]);
        let summaries: Vec<bool> = tasks.iter().map(|t| t.summary).collect();
        assert_eq!(summaries, [true, true, false, false, false]);
        assert_eq!(tasks.get(3).and_then(|t| t.parent_uid), Some(1));
        assert_eq!(
            tasks
                .get(4)
                .and_then(|t| t.wbs.as_ref())
                .map(ToString::to_string),
            Some("2".to_owned())
        );
    }

    #[test]
    fn stored_wbs_codes_are_kept_and_extended() {
        let mut first = task(1, 1, 1);
        first.wbs = Some(DottedCode::root("A"));
        let mut tasks = vec![first, task(2, 2, 2)];
        build_hierarchy(&mut tasks, &Budget::unlimited());
        assert_eq!(
            tasks
                .get(1)
                .and_then(|t| t.wbs.as_ref())
                .map(ToString::to_string),
            Some("A.1".to_owned())
        );
        assert_eq!(
            tasks
                .get(1)
                .and_then(|t| t.outline_number.as_ref())
                .map(ToString::to_string),
            Some("1.1".to_owned())
        );
    }

    #[test]
    fn null_tasks_take_a_root_position() {
        let mut null = task(5, 2, 0);
        null.is_null = true;
        let mut tasks = vec![task(1, 1, 1), null, task(3, 3, 1)];
        build_hierarchy(&mut tasks, &Budget::unlimited());
        assert_eq!(tasks.get(1).and_then(|t| t.outline_number.clone()), None);
        assert_eq!(
            tasks
                .get(2)
                .and_then(|t| t.outline_number.as_ref())
                .map(ToString::to_string),
            Some("3".to_owned())
        );
    }

    #[test]
    fn ids_follow_the_stored_order_with_null_tasks_slotted_in() {
        let mut out = Collected::default();
        for (uid, key) in [(0, 0i64), (7, 20), (3, 10)] {
            out.add(task(uid, 99, 1));
            out.order.insert(key, uid);
        }
        out.add_null(9, 2, false);
        assert_eq!(renumber(&mut out, &Budget::unlimited()), Ok(()));
        let id_of = |uid: i32| {
            out.by_uid
                .get(&uid)
                .and_then(|i| out.tasks.get(*i))
                .and_then(Option::as_ref)
                .map(|t| t.id)
        };
        assert_eq!(
            (id_of(0), id_of(3), id_of(9), id_of(7)),
            (Some(0), Some(1), Some(2), Some(3))
        );
    }

    #[test]
    fn fixed2_meta_size_matches_the_row_count() {
        let mut raw = vec![0u8; 16 + 93 * 4];
        if let Some(count) = raw.get_mut(8) {
            *count = 4;
        }
        assert_eq!(meta2_item_size(&raw, &[92, 93, 94, 95, 96], 4), 93);
        assert_eq!(
            meta2_item_size(&raw, &[86], 4),
            86,
            "a single candidate is taken as is"
        );
        assert_eq!(meta2_item_size(&[], &[92, 93], 4), 92);
    }

    #[test]
    fn hyperlink_strings_follow_their_padding() {
        let mut raw = vec![0u8; 24];
        for text in ["Site", "http://x", "", "tip"] {
            raw.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            raw.extend([0, 0]);
            raw.extend([0u8; 12]);
        }
        assert_eq!(
            hyperlink(&raw),
            ["Site", "http://x", "", "tip"].map(str::to_owned)
        );
        assert_eq!(hyperlink(&[1, 2, 3]), <[String; 4]>::default());
    }

    #[test]
    fn total_slack_and_critical() {
        let mut t = task(1, 1, 1);
        t.duration = Some(Duration::new(480.0, TimeUnit::DAYS));
        t.start_slack = Some(Duration::new(0.0, TimeUnit::DAYS));
        t.finish_slack = Some(Duration::new(480.0, TimeUnit::DAYS));
        t.total_slack = total_slack(&t);
        assert_eq!(t.total_slack.map(|d| d.minutes), Some(0.0));
        assert!(critical(&t, 0.0));
        t.percent_complete = Some(100.0);
        assert!(!critical(&t, 0.0), "complete tasks are not critical");
    }
}
