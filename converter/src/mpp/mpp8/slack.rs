//! Slack and variances, which Project 98 files do not store: computed from the early, late
//! and baseline dates over the project calendar, as Project shows them (start and finish
//! slack, total slack the smaller of the two, free slack up to the first successor, start
//! and finish variance), and from the slack the critical flag.

use super::super::tasks::{critical, total_slack};
use crate::budget::Budget;
use crate::model::{Calendar, DateTime, Duration, RelationKind, Task, TimeUnit, WorkingTime};
use foldhash::{HashMap, HashMapExt};

/// Constraint type "as late as possible": the task sits on its late dates, so it has none.
const ALAP: u16 = 1;

/// Fills start, finish, total and free slack and the critical flag of every task.
pub fn derive(
    tasks: &mut [Task],
    calendars: &[Calendar],
    calendar_uid: i32,
    critical_limit_minutes: f64,
    budget: &Budget,
) {
    let time = WorkingTime::new(calendars, budget);
    let working = |from: Option<DateTime>, to: Option<DateTime>| -> Option<f64> {
        time.minutes(calendar_uid, from?, to?)
    };
    // A span in a unit: clock time for elapsed units, else working time.
    let span = |from: Option<DateTime>, to: Option<DateTime>, unit: TimeUnit| -> Option<f64> {
        if unit.is_elapsed() {
            Some((to? - from?).num_seconds() as f64 / 60.0)
        } else {
            working(from, to)
        }
    };
    let between = |from, to| working(from, to);
    for task in tasks.iter_mut() {
        // Variances against the baseline dates, when there are any.
        let base = task.baselines.iter().find(|b| b.number == 0);
        let (base_start, base_finish) = base.map_or((None, None), |b| (b.start, b.finish));
        if base_start.is_some() {
            task.start_variance =
                working(base_start, task.start).map(|m| Duration::new(m, TimeUnit::DAYS));
        }
        if base_finish.is_some() {
            task.finish_variance =
                working(base_finish, task.finish).map(|m| Duration::new(m, TimeUnit::DAYS));
        }
        let Some(duration) = task.duration else {
            continue;
        };
        let unit = duration.unit;
        let slack = |from, to| {
            if task.constraint_type == ALAP {
                Some(Duration::new(0.0, unit))
            } else {
                span(from, to, unit).map(|m| Duration::new(m, unit))
            }
        };
        task.start_slack = slack(task.early_start, task.late_start);
        task.finish_slack = slack(task.early_finish, task.late_finish);
        task.total_slack = total_slack(task);
        task.critical = critical(task, critical_limit_minutes);
    }
    // Free slack: the working time to the nearest unfinished successor, less the lag.
    let mut free: Vec<Option<Duration>> = Vec::with_capacity(tasks.len());
    let mut successors: HashMap<i32, Vec<(usize, usize)>> = HashMap::new();
    for (s, task) in tasks.iter().enumerate() {
        for (r, relation) in task.predecessors.iter().enumerate() {
            successors
                .entry(relation.predecessor_uid)
                .or_default()
                .push((s, r));
        }
    }
    for task in tasks.iter() {
        if !budget.work(1) {
            return;
        }
        let unit = task.duration.map_or(TimeUnit::HOURS, |d| d.unit);
        if task.actual_finish.is_some() {
            free.push(Some(Duration::new(0.0, unit)));
            continue;
        }
        let dates = |t: &Task| {
            if t.constraint_type == ALAP {
                (t.late_start, t.late_finish)
            } else {
                (t.early_start, t.early_finish)
            }
        };
        let nearest = if task.summary {
            None
        } else {
            successors
                .get(&task.uid)
                .into_iter()
                .flatten()
                .filter_map(|&(s, r)| {
                    let successor = tasks.get(s)?;
                    if successor.actual_finish.is_some() {
                        return None;
                    }
                    let relation = successor.predecessors.get(r)?;
                    let (own_start, own_finish) = dates(task);
                    let (next_start, next_finish) = dates(successor);
                    let (from, to) = match relation.kind {
                        RelationKind::FinishStart => (own_finish, next_start),
                        RelationKind::StartStart => (own_start, next_start),
                        RelationKind::FinishFinish => (own_finish, next_finish),
                        RelationKind::StartFinish => (own_start, next_finish),
                    };
                    let gap = match (from, to) {
                        (Some(_), Some(_)) => between(from, to)?,
                        _ => 0.0,
                    };
                    Some(gap - lag_minutes(relation.lag))
                })
                .min_by(f64::total_cmp)
                .map(|m| Duration::new(m, unit))
        };
        let value = nearest.or(task.total_slack);
        free.push(value.map(|d| Duration::new(d.minutes.max(0.0), d.unit)));
    }
    for (task, value) in tasks.iter_mut().zip(free) {
        task.free_slack = value;
    }
}

/// A lag in working minutes; a percentage lag has no fixed length and counts as none.
fn lag_minutes(lag: Duration) -> f64 {
    if matches!(lag.unit, TimeUnit::PERCENT | TimeUnit::ELAPSED_PERCENT) {
        0.0
    } else {
        lag.minutes
    }
}
