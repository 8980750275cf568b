//! Predecessor links (`TBkndCons`): 20-byte records found through their meta offsets.

use super::bytes::{i32_at, u16_at, u32_at};
use super::reader::{Context, EntityBlocks};
use super::record::unit_from_code;
use crate::budget::Budget;
use crate::model::{DottedCode, Duration, Relation, RelationKind, Task, TimeUnit};
use foldhash::{HashMap, HashMapExt};

/// Size of a link record.
const RECORD_SIZE: usize = 20;

/// Reads links and attaches each to its successor task.
pub fn read(ctx: &mut Context, blocks: &EntityBlocks, tasks: &mut [Task]) {
    let (lag_offset, units_offset) = ctx.layout.relation_lag;
    let index: HashMap<i32, usize> = tasks.iter().enumerate().map(|(i, t)| (t.uid, i)).collect();
    // MPXJ walks the written item count, not the room the stream has.
    let count = blocks
        .meta
        .written_count()
        .min(blocks.meta.len())
        .min(ctx.limits.max_records);
    let mut dropped = 0usize;
    // (successor, predecessor) → position of their first link among the successor's.
    let mut links: HashMap<(i32, i32), usize> = HashMap::new();
    for i in 0..count {
        if !ctx.budget.work(1) || !ctx.budget.alloc_items::<((i32, i32), usize)>(1) {
            break;
        }
        let Some(meta) = blocks.meta.item(i) else {
            continue;
        };
        if u16_at(meta, 0) != Some(0) {
            continue; // deleted
        }
        let Some(offset) = u32_at(meta, 4).map(|o| o as usize) else {
            continue;
        };
        let end = offset.saturating_add(RECORD_SIZE).min(blocks.data.len());
        let Some(record) = blocks.data.get(offset..end) else {
            continue;
        };
        if record.len() < 14 {
            continue;
        }
        let (Some(uid), Some(predecessor), Some(successor), Some(kind)) = (
            i32_at(record, 0),
            i32_at(record, 4),
            i32_at(record, 8),
            u16_at(record, 12),
        ) else {
            continue;
        };
        // Links touching the project summary task and self-links are not real.
        if predecessor == 0 || successor == 0 || predecessor == successor {
            continue;
        }
        if !index.contains_key(&predecessor) {
            dropped += 1;
            continue;
        }
        let Some(task) = index.get(&successor).and_then(|i| tasks.get_mut(*i)) else {
            dropped += 1;
            continue;
        };
        let lag = lag(record, lag_offset, units_offset);
        let relation = Relation {
            uid,
            predecessor_uid: predecessor,
            kind: RelationKind::from_code(kind),
            lag,
        };
        // One link between two tasks; an identical copy of the first one is ignored.
        let first = links
            .entry((successor, predecessor))
            .or_insert(task.predecessors.len());
        let duplicate = task.predecessors.get(*first);
        match duplicate {
            Some(existing) if existing.kind == relation.kind && existing.lag == relation.lag => {}
            _ => {
                if !ctx.budget.alloc_items::<Relation>(1) {
                    break;
                }
                task.predecessors.push(relation);
            }
        }
    }
    if dropped > 0 {
        ctx.warn(format!(
            "{dropped} links to tasks that are not in the file were ignored"
        ));
    }
    drop_links_to_ancestors(tasks, &ctx.budget);
}

/// The lag: tenths of a minute, or the percentage itself for percent lags.
fn lag(record: &[u8], lag_offset: usize, units_offset: usize) -> Duration {
    let tenths = i32_at(record, lag_offset).unwrap_or(0);
    let unit = unit_from_code(u16_at(record, units_offset).unwrap_or(7), TimeUnit::DAYS);
    if matches!(unit, TimeUnit::PERCENT | TimeUnit::ELAPSED_PERCENT) {
        Duration::new(f64::from(tenths), unit)
    } else {
        Duration::new(f64::from(tenths) / 10.0, unit)
    }
}

/// A task linked to one of its own summary tasks is a stale link Project keeps in the file.
/// A summary is recognised by its outline number being a leading part of the task's (the
/// one ancestor code at the summary's depth is compared, so a link costs the task's depth).
fn drop_links_to_ancestors(tasks: &mut [Task], budget: &Budget) {
    let outline: HashMap<i32, DottedCode> = tasks
        .iter()
        .filter_map(|t| Some((t.uid, t.outline_number.clone()?)))
        .collect();
    for task in tasks.iter_mut() {
        let Some(own) = task.outline_number.as_ref() else {
            continue;
        };
        task.predecessors.retain(|r| {
            let Some(summary) = outline.get(&r.predecessor_uid) else {
                return true;
            };
            if summary.depth() >= own.depth() {
                return true;
            }
            budget.work(u64::from(own.depth() - summary.depth()));
            own.at_depth(summary.depth()) != Some(summary)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_is_tenths_of_minutes_with_its_unit() {
        let mut record = [0u8; 20];
        record[16..20].copy_from_slice(&4800i32.to_le_bytes());
        record[14..16].copy_from_slice(&9u16.to_le_bytes());
        assert_eq!(lag(&record, 16, 14), Duration::new(480.0, TimeUnit::WEEKS));
        record[14..16].copy_from_slice(&19u16.to_le_bytes());
        record[16..20].copy_from_slice(&50i32.to_le_bytes());
        assert_eq!(lag(&record, 16, 14), Duration::new(50.0, TimeUnit::PERCENT));
    }

    #[test]
    fn links_to_a_summary_task_are_dropped() {
        let mut parent = Task {
            uid: 1,
            outline_number: Some(DottedCode::root("1")),
            ..Task::default()
        };
        parent.predecessors.clear();
        let child = Task {
            uid: 2,
            outline_number: Some(DottedCode::child(&DottedCode::root("1"), "1")),
            predecessors: vec![
                Relation {
                    predecessor_uid: 1,
                    ..Relation::default()
                },
                Relation {
                    predecessor_uid: 3,
                    ..Relation::default()
                },
            ],
            ..Task::default()
        };
        let other = Task {
            uid: 3,
            outline_number: Some(DottedCode::root("10")),
            ..Task::default()
        };
        let mut tasks = vec![parent, child, other];
        drop_links_to_ancestors(&mut tasks, &Budget::unlimited());
        let kept: Vec<i32> = tasks
            .get(1)
            .map(|t| t.predecessors.iter().map(|r| r.predecessor_uid).collect())
            .unwrap_or_default();
        assert_eq!(kept, vec![3]);
    }
}
