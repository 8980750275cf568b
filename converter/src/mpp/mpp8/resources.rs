//! Project 98 resources (`TBkndRsc`, 196-byte records) and assignments (`TBkndAssn`, 204 or
//! 238 bytes).

use super::super::bytes::{ansi_string, f64_at, i32_at, u8_at};
use super::super::field_map::Entity;
use super::super::reader::Context;
use super::super::resources::{end_na, start_na};
use super::super::rtf;
use super::blocks::{Extended, FixDeferFix, FixFix};
use super::custom;
use super::values::Rec;
use crate::model::{
    Assignment, AvailabilityPeriod, Baseline, CostRate, Resource, ResourceKind, Task, TimeUnit,
};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

/// Resource uid of an assignment without a resource (Project 2000 and later keep one for
/// each task without resources, also when saving as Project 98).
const NULL_RESOURCE: i32 = -65535;

/// Resource record size.
pub const RESOURCE_SIZE: usize = 196;
/// Assignment record sizes.
pub const ASSIGNMENT_SIZES: [usize; 2] = [204, 238];

/// Offsets in a resource record.
mod at {
    pub const UID: usize = 0;
    pub const ID: usize = 4;
    pub const BLANK: usize = 8;
    pub const ACCRUE_AT: usize = 20;
    pub const CALENDAR: usize = 24;
    pub const AVAILABLE_FROM: usize = 28;
    pub const AVAILABLE_TO: usize = 32;
    /// `f64` per hour.
    pub const STANDARD_RATE: usize = 36;
    pub const OVERTIME_RATE: usize = 44;
    /// `i32`, 10000 = 100 %.
    pub const MAX_UNITS: usize = 52;
    pub const WORK: usize = 56;
    pub const ACTUAL_WORK: usize = 62;
    pub const BASELINE_WORK: usize = 68;
    pub const OVERTIME_WORK: usize = 74;
    pub const COST_PER_USE: usize = 80;
    pub const REMAINING_WORK: usize = 86;
    pub const REGULAR_WORK: usize = 92;
    pub const PEAK_UNITS: usize = 110;
    pub const ACTUAL_COST: usize = 114;
    pub const COST: usize = 120;
    pub const BASELINE_COST: usize = 126;
    pub const REMAINING_COST: usize = 132;
    pub const OVERTIME_COST: usize = 138;
    pub const ACTUAL_OVERTIME_COST: usize = 144;
    pub const REMAINING_OVERTIME_COST: usize = 150;
    pub const NAME: usize = 156;
    pub const INITIALS: usize = 160;
    pub const DELETED: usize = 164;
    pub const EXTENDED: usize = 192;
}

/// Extended-data types of resource fields.
mod ext {
    pub const GROUP: i32 = 61;
    pub const CODE: i32 = 62;
    pub const EMAIL: i32 = 63;
    pub const NOTES: i32 = 169;
}

/// Offsets in an assignment record.
mod assn {
    pub const UID: usize = 0;
    pub const TASK: usize = 16;
    pub const RESOURCE: usize = 20;
    pub const START: usize = 24;
    pub const FINISH: usize = 28;
    /// Where the remaining work resumes and the completed work stops (both the start in
    /// every unstarted assignment of the corpus, as Microsoft Project's XML has them).
    pub const RESUME: usize = 32;
    pub const STOP: usize = 72;
    /// `u16`, 10000 = 100 %.
    pub const UNITS: usize = 80;
    pub const WORK: usize = 84;
    pub const OVERTIME_WORK: usize = 90;
    pub const ACTUAL_WORK: usize = 96;
    pub const REMAINING_WORK: usize = 114;
    pub const COST: usize = 132;
    pub const ACTUAL_COST: usize = 138;
    /// 0x02: deleted.
    pub const DELETED: usize = 168;
}

/// Reads the resources and, for each, the calendar uid its record names.
pub fn read(
    ctx: &Context,
    warnings: &mut Vec<String>,
    fixed: &[u8],
    heap: &FixDeferFix<'_>,
    default_unit: TimeUnit,
) -> (Vec<Resource>, HashMap<i32, i32>) {
    let mut resources = Vec::new();
    let mut calendars = HashMap::new();
    let mut seen = HashSet::new();
    for data in FixFix::new(fixed, RESOURCE_SIZE).records() {
        if !ctx.budget.work(4) || !ctx.budget.alloc_items::<Resource>(1) {
            break;
        }
        let rec = Rec(data);
        let Some(uid) = rec.i32(at::UID).filter(|u| *u >= 1) else {
            continue;
        };
        if rec.bit(at::BLANK, 0x01) || rec.u16(at::DELETED) != Some(0) || !seen.insert(uid) {
            continue;
        }
        if resources.len() >= ctx.limits.max_records {
            warnings.push("too many resources; the rest were skipped".to_owned());
            break;
        }
        let ext = Extended::parse(heap.referenced(data, at::EXTENDED));
        let resource = decode(rec, uid, &ext, heap, default_unit);
        if let Some(calendar) = rec.i32(at::CALENDAR).filter(|c| *c > 0) {
            calendars.insert(uid, calendar);
        }
        resources.push(resource);
    }
    resources.sort_by_key(|r| r.id);
    (resources, calendars)
}

fn decode(
    rec: Rec<'_>,
    uid: i32,
    ext: &Extended,
    heap: &FixDeferFix<'_>,
    default_unit: TimeUnit,
) -> Resource {
    let data = rec.0;
    let text = |kind: i32| ext.raw(kind).and_then(|r| heap.string(r, 0));
    let mut r = Resource {
        uid,
        id: rec.i32(at::ID).unwrap_or(0),
        kind: ResourceKind::Work,
        can_level: true,
        ..Resource::default()
    };
    r.name = heap.string(data, at::NAME);
    r.initials = heap.string(data, at::INITIALS);
    r.group = text(ext::GROUP);
    r.code = text(ext::CODE);
    r.email_address = text(ext::EMAIL);
    r.notes = ext
        .raw(ext::NOTES)
        .and_then(|n| heap.referenced(n, 0))
        .map(|raw| rtf::to_plain_text(&ansi_string(&raw)))
        .filter(|n| !n.is_empty());
    r.accrue_at = rec
        .u16(at::ACCRUE_AT)
        .filter(|a| (1..=3).contains(a))
        .unwrap_or(3);
    r.max_units = rec.i32(at::MAX_UNITS).map(|u| f64::from(u) / 10_000.0);
    r.peak_units = rec.i32(at::PEAK_UNITS).map(|u| f64::from(u) / 10_000.0);
    r.work = rec.work(at::WORK);
    r.actual_work = rec.work(at::ACTUAL_WORK);
    r.overtime_work = rec.work(at::OVERTIME_WORK);
    r.remaining_work = rec.work(at::REMAINING_WORK);
    r.regular_work = rec.work(at::REGULAR_WORK);
    r.cost = rec.cost(at::COST);
    r.actual_cost = rec.cost(at::ACTUAL_COST);
    r.remaining_cost = rec.cost(at::REMAINING_COST);
    r.overtime_cost = rec.cost(at::OVERTIME_COST);
    r.actual_overtime_cost = rec.cost(at::ACTUAL_OVERTIME_COST);
    r.remaining_overtime_cost = rec.cost(at::REMAINING_OVERTIME_COST);
    let rate = |at: usize| f64_at(data, at).filter(|v| v.is_finite()).unwrap_or(0.0);
    let standard_rate = rate(at::STANDARD_RATE);
    let overtime_rate = rate(at::OVERTIME_RATE);
    let cost_per_use = rec.cost(at::COST_PER_USE).unwrap_or(0.0);
    r.standard_rate = Some(standard_rate);
    r.overtime_rate = Some(overtime_rate);
    r.cost_per_use = Some(cost_per_use);
    r.standard_rate_format = 2;
    r.overtime_rate_format = 2;
    r.cost_rates.push(CostRate {
        table: 0,
        from: Some(start_na()),
        to: Some(end_na()),
        standard_rate,
        standard_rate_format: 2,
        overtime_rate,
        overtime_rate_format: 2,
        cost_per_use,
    });
    r.available_from = rec.date(at::AVAILABLE_FROM);
    r.available_to = rec.date(at::AVAILABLE_TO);
    r.availability.push(AvailabilityPeriod {
        from: Some(r.available_from.unwrap_or_else(start_na)),
        to: Some(r.available_to.unwrap_or_else(end_na)),
        units: r.max_units.unwrap_or(1.0),
    });
    let baseline = Baseline {
        number: 0,
        work: rec.work(at::BASELINE_WORK),
        cost: rec.cost(at::BASELINE_COST),
        ..Baseline::default()
    };
    r.work_variance = r.work.map(|w| w - baseline.work.unwrap_or(0.0));
    r.cost_variance = r.cost.map(|c| c - baseline.cost.unwrap_or(0.0));
    if baseline.work.is_some_and(|w| w != 0.0) || baseline.cost.is_some_and(|c| c != 0.0) {
        r.baselines.push(baseline);
    }
    r.custom_values = custom::values(
        Entity::Resource,
        custom::RESOURCE,
        ext,
        heap,
        default_unit,
        |_| false,
    );
    r
}

/// Reads the assignments of known tasks and resources; one per task and resource.
pub fn assignments(
    ctx: &Context,
    warnings: &mut Vec<String>,
    fixed: &[u8],
    tasks: &[Task],
    resources: &[Resource],
) -> Vec<Assignment> {
    let task_uids: HashSet<i32> = tasks.iter().map(|t| t.uid).collect();
    let resource_uids: HashSet<i32> = resources.iter().map(|r| r.uid).collect();
    let size = choose_size(fixed, &task_uids, &resource_uids);
    let mut out = Vec::new();
    let mut pairs = HashSet::new();
    for data in FixFix::new(fixed, size).records() {
        if !ctx.budget.work(4) || !ctx.budget.alloc_items::<Assignment>(1) {
            break;
        }
        let rec = Rec(data);
        if u8_at(data, assn::DELETED) == Some(0x02) {
            continue;
        }
        let (Some(task), Some(resource)) = (rec.i32(assn::TASK), rec.i32(assn::RESOURCE)) else {
            continue;
        };
        let resource_known = resource == NULL_RESOURCE || resource_uids.contains(&resource);
        if !task_uids.contains(&task) || !resource_known {
            continue;
        }
        if !pairs.insert((task, resource)) {
            continue;
        }
        if out.len() >= ctx.limits.max_records {
            warnings.push("too many assignments; the rest were skipped".to_owned());
            break;
        }
        // Nobody works on an unassigned task: Project shows no work for it, whatever the
        // record keeps for its time-phased spread.
        let work = |at: usize| {
            if resource == NULL_RESOURCE {
                Some(0.0)
            } else {
                rec.work(at)
            }
        };
        out.push(Assignment {
            uid: rec.i32(assn::UID).unwrap_or(0),
            task_uid: task,
            resource_uid: resource,
            start: rec.date(assn::START),
            finish: rec.date(assn::FINISH),
            resume: rec.date(assn::RESUME),
            stop: rec.date(assn::STOP),
            units: rec.u16(assn::UNITS).map(|u| f64::from(u) / 10_000.0),
            work: work(assn::WORK),
            overtime_work: work(assn::OVERTIME_WORK),
            actual_work: work(assn::ACTUAL_WORK),
            remaining_work: work(assn::REMAINING_WORK),
            cost: rec.cost(assn::COST),
            actual_cost: rec.cost(assn::ACTUAL_COST),
            ..Assignment::default()
        });
    }
    out
}

/// 204-byte records unless the stream is not a whole number of them, or is also a whole
/// number of 238-byte records and reading it as 204 gives a record naming neither a known
/// task nor a known resource.
fn choose_size(fixed: &[u8], tasks: &HashSet<i32>, resources: &HashSet<i32>) -> usize {
    let [short, long] = ASSIGNMENT_SIZES;
    if !FixFix::fits(fixed, short) {
        return long;
    }
    if FixFix::fits(fixed, long) {
        let orphan = FixFix::new(fixed, short).records().any(|d| {
            let known =
                |at: usize, set: &HashSet<i32>| i32_at(d, at).is_some_and(|v| set.contains(&v));
            !known(assn::TASK, tasks) && !known(assn::RESOURCE, resources)
        });
        if orphan {
            return long;
        }
    }
    short
}
