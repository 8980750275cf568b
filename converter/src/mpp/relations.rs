//! Predecessor links (`TBkndCons`): 20-byte records found through their meta offsets.

use super::bytes::{i32_at, u16_at, u32_at};
use super::reader::{Context, EntityBlocks};
use super::record::unit_from_code;
use crate::model::{Duration, Relation, RelationKind, Task, TimeUnit};
use std::collections::HashMap;

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
    for i in 0..count {
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
        let duplicate = task
            .predecessors
            .iter()
            .find(|r| r.predecessor_uid == predecessor);
        match duplicate {
            // One link between two tasks; an identical copy is ignored.
            Some(existing) if existing.kind == relation.kind && existing.lag == relation.lag => {}
            _ => task.predecessors.push(relation),
        }
    }
    if dropped > 0 {
        ctx.warn(format!(
            "{dropped} links to tasks that are not in the file were ignored"
        ));
    }
    drop_links_to_ancestors(tasks);
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
fn drop_links_to_ancestors(tasks: &mut [Task]) {
    let outline: HashMap<i32, String> = tasks
        .iter()
        .filter_map(|t| Some((t.uid, t.outline_number.clone()?)))
        .collect();
    for task in tasks.iter_mut() {
        let Some(own) = task.outline_number.as_deref() else {
            continue;
        };
        task.predecessors.retain(|r| {
            outline
                .get(&r.predecessor_uid)
                .is_none_or(|p| !own.starts_with(&format!("{p}.")))
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
            outline_number: Some("1".into()),
            ..Task::default()
        };
        parent.predecessors.clear();
        let child = Task {
            uid: 2,
            outline_number: Some("1.1".into()),
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
            outline_number: Some("10".into()),
            ..Task::default()
        };
        let mut tasks = vec![parent, child, other];
        drop_links_to_ancestors(&mut tasks);
        let kept: Vec<i32> = tasks
            .get(1)
            .map(|t| t.predecessors.iter().map(|r| r.predecessor_uid).collect())
            .unwrap_or_default();
        assert_eq!(kept, vec![3]);
    }
}
