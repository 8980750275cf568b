//! Project 98 (MPP8) files. Their entities sit in `FixFix   0` arrays of fixed records with
//! variable parts in a `FixDeferFix   0` heap, instead of the Fixed/Var2/Props blocks of
//! later versions, and have no field maps: offsets are per entity, in the tables of each
//! module. What is read lands in the same model the later versions fill.

mod blocks;
mod calendars;
mod custom;
mod resources;
mod slack;
mod tasks;
mod values;

pub use blocks::props8;

use super::container::Container;
use super::reader::Context;
use super::record::unit_from_code;
use super::{calendars as shared_calendars, custom_fields};
use crate::convert::Stage;
use crate::error::ConvertError;
use crate::model::{Project, ProjectProperties, Relation, RelationKind, Task, TimeUnit};
use blocks::{FixDeferFix, FixFix};
use foldhash::{HashMap, HashMapExt};
use values::Rec;

/// Project `Props` key of the default duration unit.
const DURATION_UNITS: u32 = 0x0240_0015;
/// Project `Props` keys of the critical slack limit (days) and the minutes of a day.
const CRITICAL_SLACK_LIMIT: u32 = 0x0240_0014;
const MINUTES_PER_DAY: u32 = 0x0240_001D;

/// The two streams of one entity storage.
struct Storage {
    fixed: Vec<u8>,
    heap: Vec<u8>,
}

fn storage(
    ctx: &Context,
    container: &mut Container<'_>,
    dir: &str,
) -> Result<Storage, ConvertError> {
    let base = ctx.layout.path(dir);
    Ok(Storage {
        fixed: container
            .stream(&format!("{base}/FixFix   0"))?
            .unwrap_or_default(),
        heap: container
            .stream(&format!("{base}/FixDeferFix   0"))?
            .unwrap_or_default(),
    })
}

/// Reads calendars, resources, tasks, links and assignments of a Project 98 file.
pub fn read(
    ctx: &mut Context,
    container: &mut Container<'_>,
    properties: ProjectProperties,
    progress: &mut dyn FnMut(Stage, f32),
) -> Result<Project, ConvertError> {
    let default_unit = unit_from_code(ctx.props.u16(DURATION_UNITS).unwrap_or(7), TimeUnit::DAYS);

    let mut warnings = Vec::new();
    progress(Stage::Calendars, 0.1);
    let cal = storage(ctx, container, "TBkndCal")?;
    let mut calendars = {
        let heap = FixDeferFix::new(&cal.heap, &ctx.budget);
        calendars::read(ctx, &mut warnings, &cal.fixed, &heap)
    };
    ctx.budget.check()?;

    progress(Stage::Resources, 0.3);
    let rsc = storage(ctx, container, "TBkndRsc")?;
    let (mut resources, resource_calendars) = {
        let heap = FixDeferFix::new(&rsc.heap, &ctx.budget);
        resources::read(ctx, &mut warnings, &rsc.fixed, &heap, default_unit)
    };
    ctx.budget.check()?;

    progress(Stage::Tasks, 0.45);
    let tsk = storage(ctx, container, "TBkndTask")?;
    let mut tasks = {
        let heap = FixDeferFix::new(&tsk.heap, &ctx.budget);
        tasks::read(ctx, &mut warnings, &tsk.fixed, &heap, default_unit)
    };
    ctx.budget.check()?;

    progress(Stage::Relations, 0.7);
    let cons = storage(ctx, container, "TBkndCons")?;
    links(ctx, &cons.fixed, &mut tasks);
    ctx.budget.check()?;

    let calendar_uid = calendars
        .iter()
        .find(|c| c.is_base() && c.name.is_some() && c.name == properties.calendar_name)
        .or_else(|| calendars.iter().find(|c| c.is_base()))
        .map_or(1, |c| c.uid);
    let critical_limit = f64::from(ctx.props.i32(CRITICAL_SLACK_LIMIT).unwrap_or(0))
        * f64::from(ctx.props.i32(MINUTES_PER_DAY).unwrap_or(480));
    slack::derive(
        &mut tasks,
        &calendars,
        calendar_uid,
        critical_limit,
        &ctx.budget,
    );
    ctx.budget.check()?;

    progress(Stage::Assignments, 0.8);
    let assn = storage(ctx, container, "TBkndAssn")?;
    let assignments = resources::assignments(ctx, &mut warnings, &assn.fixed, &tasks, &resources);
    ctx.budget.check()?;

    // A resource names its calendar; the shared step wants the link on the calendar.
    let mut by_calendar: HashMap<i32, i32> = HashMap::new();
    for r in &resources {
        if let Some(&cal) = resource_calendars.get(&r.uid) {
            by_calendar.entry(cal).or_insert(r.uid);
        }
    }
    for c in &mut calendars {
        c.resource_uid = by_calendar.get(&c.uid).copied();
    }
    for w in warnings {
        ctx.warn(w);
    }
    shared_calendars::finish(ctx, &mut calendars, &mut resources);
    let custom = custom_fields::CustomFields::default();
    let custom_fields =
        custom_fields::complete_definitions(&custom, &tasks, &resources, &assignments);
    ctx.budget.check()?;
    Ok(Project {
        properties,
        calendars,
        tasks,
        resources,
        assignments,
        custom_fields,
        lookup_tables: Vec::new(),
    })
}

/// Link record size.
const LINK_SIZE: usize = 36;

/// Offsets in a link record.
mod link {
    pub const UID: usize = 0;
    pub const PREDECESSOR: usize = 12;
    pub const SUCCESSOR: usize = 16;
    pub const TYPE: usize = 20;
    pub const LAG_UNITS: usize = 22;
    pub const LAG: usize = 24;
    /// Zero for a live link.
    pub const STATE: usize = 28;
}

/// Reads the links (`TBkndCons`) onto their successors.
fn links(ctx: &mut Context, fixed: &[u8], tasks: &mut [Task]) {
    let index: HashMap<i32, usize> = tasks.iter().enumerate().map(|(i, t)| (t.uid, i)).collect();
    for data in FixFix::new(fixed, LINK_SIZE).records() {
        if !ctx.budget.work(1) || !ctx.budget.alloc_items::<Relation>(1) {
            break;
        }
        let rec = Rec(data);
        if rec.i32(link::STATE) != Some(0) {
            continue;
        }
        let (Some(pred), Some(succ)) = (rec.i32(link::PREDECESSOR), rec.i32(link::SUCCESSOR))
        else {
            continue;
        };
        if pred == succ || !index.contains_key(&pred) {
            continue;
        }
        let Some(task) = index.get(&succ).and_then(|i| tasks.get_mut(*i)) else {
            continue;
        };
        let unit = rec.unit(link::LAG_UNITS, TimeUnit::DAYS);
        let tenths = rec.i32(link::LAG).unwrap_or(0);
        let lag = if matches!(unit, TimeUnit::PERCENT | TimeUnit::ELAPSED_PERCENT) {
            crate::model::Duration::new(f64::from(tenths), unit)
        } else {
            crate::model::Duration::new(f64::from(tenths) / 10.0, unit)
        };
        task.predecessors.push(Relation {
            uid: rec.i32(link::UID).unwrap_or(0),
            predecessor_uid: pred,
            kind: RelationKind::from_code(rec.u16(link::TYPE).unwrap_or(1)),
            lag,
        });
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::super::resources::test_blocks::context;
    use super::blocks::tests::{extended, heap};
    use super::*;
    use crate::model::{CustomValue, FileFormat};
    use testkit::Rng;

    fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect()
    }

    fn put(record: &mut [u8], at: usize, bytes: &[u8]) {
        record[at..at + bytes.len()].copy_from_slice(bytes);
    }

    fn reference(offset: usize) -> [u8; 4] {
        (!(offset as i32)).to_le_bytes()
    }

    /// One task named "Design" with Text1 "x", Number3 2.5 and Flag2, in a heap; and a
    /// second task linked to it finish-to-start with a 1-day lag.
    fn task_streams() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let name = utf16("Design");
        let text = utf16("x");
        // Heap items: name, Text1's text, then the extended data referring to the text.
        let (first, offsets) = heap(&[&name, &text]);
        let ext = extended(&[(106, &reference(offsets[1])), (139, &2.5f64.to_le_bytes())]);
        let (heap_bytes, ext_offsets) = heap(&[&name, &text, &ext]);
        assert_eq!(&heap_bytes[..first.len()], &first[..]);
        let mut fixed = Vec::new();
        for (uid, id) in [(1i32, 1i32), (2, 2)] {
            let mut r = vec![0u8; tasks::SIZES[0]];
            put(&mut r, 0, &uid.to_le_bytes());
            put(&mut r, 4, &id.to_le_bytes());
            put(&mut r, 48, &1u16.to_le_bytes());
            put(&mut r, 68, &4800i32.to_le_bytes());
            put(&mut r, 72, &7u16.to_le_bytes());
            put(&mut r, 96, &[0xC0, 0x12, 0x20, 0x1F]); // 2005-10-24 08:00
            put(&mut r, 20, &[0xD8, 0x27, 0x20, 0x1F]); // 17:00
            put(&mut r, 168, &[0x80, 0x8D, 0x5B, 0x00, 0x00, 0x00]); // 6,000,000 = 100 h
            if uid == 1 {
                put(&mut r, 264, &reference(offsets[0]));
                put(&mut r, 312, &reference(ext_offsets[2]));
                r[268] = 0x04;
                r[303] = 0xFF;
            }
            fixed.extend_from_slice(&r);
        }
        let mut link = vec![0u8; LINK_SIZE];
        put(&mut link, 0, &7i32.to_le_bytes());
        put(&mut link, 12, &1i32.to_le_bytes());
        put(&mut link, 16, &2i32.to_le_bytes());
        put(&mut link, 20, &1u16.to_le_bytes());
        put(&mut link, 22, &7u16.to_le_bytes());
        put(&mut link, 24, &4800i32.to_le_bytes());
        (fixed, heap_bytes, link)
    }

    fn read_tasks(ctx: &Context, fixed: &[u8], heap: &[u8], links_data: &[u8]) -> Vec<Task> {
        let mut warnings = Vec::new();
        let heap = FixDeferFix::new(heap, &ctx.budget);
        let mut tasks = tasks::read(ctx, &mut warnings, fixed, &heap, TimeUnit::DAYS);
        let mut ctx2 = context(FileFormat::Mpp8, 8);
        links(&mut ctx2, links_data, &mut tasks);
        tasks
    }

    #[test]
    fn tasks_links_and_custom_values_are_read() {
        let ctx = context(FileFormat::Mpp8, 8);
        let (fixed, heap_bytes, link) = task_streams();
        let tasks = read_tasks(&ctx, &fixed, &heap_bytes, &link);
        assert_eq!(tasks.len(), 2);
        let first = &tasks[0];
        assert_eq!(first.name.as_deref(), Some("Design"));
        assert_eq!(first.duration.map(|d| d.minutes), Some(480.0));
        assert_eq!(first.work, Some(6000.0));
        assert_eq!(
            first.start.map(|d| d.to_string()).as_deref(),
            Some("2005-10-24 08:00:00")
        );
        let values: Vec<(u32, CustomValue)> = first
            .custom_values
            .iter()
            .map(|v| (v.field_id, v.value.clone()))
            .collect();
        let id = |family: &str, n: usize| {
            custom_fields::fields::member(super::super::field_map::Entity::Task, family, n)
                .unwrap_or(0)
        };
        assert!(values.contains(&(id("Text", 1), CustomValue::Text("x".to_owned()))));
        assert!(values.contains(&(id("Number", 3), CustomValue::Number(2.5))));
        assert!(values.contains(&(id("Flag", 2), CustomValue::Flag(true))));
        assert_eq!(values.len(), 3);
        let second = &tasks[1];
        assert_eq!(second.predecessors.len(), 1);
        assert_eq!(second.predecessors[0].predecessor_uid, 1);
        assert_eq!(second.predecessors[0].lag.minutes, 480.0);
    }

    #[test]
    fn damaged_streams_never_panic() {
        let (fixed, heap_bytes, link) = task_streams();
        let mut rng = Rng::new(8);
        // Cut short at every length.
        for cut in 0..=fixed.len() {
            let ctx = context(FileFormat::Mpp8, 8);
            let _ = read_tasks(&ctx, &fixed[..cut], &heap_bytes, &link);
        }
        for cut in 0..=heap_bytes.len() {
            let ctx = context(FileFormat::Mpp8, 8);
            let _ = read_tasks(
                &ctx,
                &fixed,
                &heap_bytes[..cut],
                &link[..cut.min(link.len())],
            );
        }
        // Bytes changed at random, also in the calendar, resource and assignment readers.
        for _ in 0..2000 {
            let mut f = fixed.clone();
            let mut h = heap_bytes.clone();
            for _ in 0..8 {
                let i = (rng.next_u64() as usize) % f.len();
                f[i] = rng.next_u64() as u8;
                let j = (rng.next_u64() as usize) % h.len();
                h[j] = rng.next_u64() as u8;
            }
            let ctx = context(FileFormat::Mpp8, 8);
            let tasks = read_tasks(&ctx, &f, &h, &link);
            let mut warnings = Vec::new();
            let fdf = FixDeferFix::new(&h, &ctx.budget);
            let _ = calendars::read(&ctx, &mut warnings, &f, &fdf);
            let (resources, _) = resources::read(&ctx, &mut warnings, &f, &fdf, TimeUnit::DAYS);
            let _ = resources::assignments(&ctx, &mut warnings, &f, &tasks, &resources);
        }
    }

    #[test]
    fn a_huge_heap_reference_costs_the_budget() {
        // Every record refers to the same large item: each read is charged, so the budget
        // ends the reading rather than memory.
        let big = vec![b'a'; 4000];
        let (heap_bytes, offsets) = heap(&[&big]);
        let mut fixed = Vec::new();
        for uid in 1..=200i32 {
            let mut r = vec![0u8; tasks::SIZES[0]];
            put(&mut r, 0, &uid.to_le_bytes());
            put(&mut r, 4, &uid.to_le_bytes());
            put(&mut r, 312, &reference(offsets[0]));
            put(&mut r, 264, &reference(offsets[0]));
            fixed.extend_from_slice(&r);
        }
        let mut ctx = context(FileFormat::Mpp8, 8);
        ctx.budget = crate::budget::Budget::new(100_000, u64::MAX, None);
        let _ = read_tasks(&ctx, &fixed, &heap_bytes, &[]);
        assert!(ctx.budget.check().is_err());
    }
}
