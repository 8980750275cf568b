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
                        (Some(_), Some(_)) => span(from, to, unit)?,
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

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::super::super::calendars::standard_day;
    use super::*;
    use crate::model::Relation;

    fn at(day: u32, hour: u32) -> DateTime {
        chrono::NaiveDate::from_ymd_opt(2024, 1, day)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .unwrap_or_default()
    }

    fn task(uid: i32, start: DateTime, finish: DateTime, late: (DateTime, DateTime)) -> Task {
        Task {
            uid,
            duration: Some(Duration::new(480.0, TimeUnit::DAYS)),
            early_start: Some(start),
            early_finish: Some(finish),
            late_start: Some(late.0),
            late_finish: Some(late.1),
            ..Task::default()
        }
    }

    #[test]
    fn slack_is_working_time_between_early_and_late_dates() {
        let calendar = Calendar {
            uid: 1,
            days: std::array::from_fn(standard_day),
            ..Calendar::default()
        };
        // Monday 2024-01-01: a one-day task that could finish two working days later, and
        // its successor, on the critical path, starting on the Wednesday.
        let mut first = task(1, at(1, 8), at(1, 17), (at(3, 8), at(3, 17)));
        first.constraint_type = 0;
        let mut second = task(2, at(3, 8), at(3, 17), (at(3, 8), at(3, 17)));
        second.predecessors.push(Relation {
            predecessor_uid: 1,
            ..Relation::default()
        });
        let mut tasks = vec![first, second];
        derive(&mut tasks, &[calendar], 1, 0.0, &Budget::unlimited());
        let minutes = |d: Option<Duration>| d.map(|d| d.minutes);
        assert_eq!(minutes(tasks[0].total_slack), Some(960.0));
        assert!(!tasks[0].critical);
        // Free slack runs to the successor's start: the Tuesday.
        assert_eq!(minutes(tasks[0].free_slack), Some(480.0));
        assert_eq!(minutes(tasks[1].total_slack), Some(0.0));
        assert!(tasks[1].critical);
    }
}
