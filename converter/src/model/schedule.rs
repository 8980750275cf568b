//! Which calendar schedules what, and the values Microsoft Project derives from it at save
//! time (computed variances, timephased data): the derivations between reading a file and
//! writing it, so that writers only write.

use super::{
    Assignment, Calendar, DateTime, Duration, Project, ResourceKind, Task, TimeUnit, Timephased,
    TimephasedForm, WorkingTime, assignment_timephased, task_timephased, task_timephased_from_work,
};
use crate::budget::Budget;
use foldhash::HashMap;

/// The project's calendars as its tasks and assignments use them: which calendar schedules
/// what, and the working-time arithmetic over it.
pub struct Schedule<'p> {
    project: &'p Project,
    by_uid: HashMap<i32, &'p Calendar>,
    project_calendar: Option<&'p Calendar>,
    resource_calendars: HashMap<i32, i32>,
    time: WorkingTime<'p>,
}

impl<'p> Schedule<'p> {
    /// Indexes the calendars of `project`; walks spend `budget`.
    pub fn new(project: &'p Project, budget: &'p Budget) -> Self {
        let by_uid: HashMap<i32, &Calendar> =
            project.calendars.iter().map(|c| (c.uid, c)).collect();
        let named = project
            .properties
            .calendar_name
            .as_deref()
            .and_then(|name| {
                project
                    .calendars
                    .iter()
                    .find(|c| c.is_base() && c.name.as_deref() == Some(name))
            });
        let project_calendar = named.or_else(|| project.calendars.iter().find(|c| c.is_base()));
        let resource_calendars = project
            .resources
            .iter()
            .filter(|r| r.kind == ResourceKind::Work)
            .filter_map(|r| Some((r.uid, r.calendar_uid?)))
            .collect();
        Self {
            project,
            by_uid,
            project_calendar,
            resource_calendars,
            time: WorkingTime::new(&project.calendars, budget),
        }
    }

    /// The stored start and finish variances, or the computed ones when the assignment has
    /// a baseline (MPXJ computes them as the working time between the baseline date and
    /// the current one, in the assignment's calendar).
    pub fn variances(
        &self,
        a: &Assignment,
        task: Option<&Task>,
    ) -> (Option<Duration>, Option<Duration>) {
        let baseline = a.baselines.iter().find(|b| b.number == 0);
        let calendar = || self.effective(a, task);
        let compute = |from: Option<DateTime>, to: Option<DateTime>| {
            let minutes = self.time.minutes(calendar()?.uid, from?, to?)?;
            Some(Duration::new(
                minutes * default_unit_factor(self.project),
                TimeUnit::MINUTES,
            ))
        };
        let start = a
            .start_variance
            .or_else(|| compute(baseline?.start, a.start));
        let finish = a
            .finish_variance
            .or_else(|| compute(baseline?.finish, a.finish));
        (start, finish)
    }

    /// The working-time arithmetic.
    pub fn time(&self) -> &WorkingTime<'p> {
        &self.time
    }

    /// The `TimephasedData` of `a` (see [`assignment_timephased`]), over its calendar.
    pub fn assignment_timephased(
        &self,
        a: &Assignment,
        task: Option<&Task>,
        form: TimephasedForm,
        max_records: usize,
    ) -> Vec<Timephased> {
        let calendar = self.effective(a, task).map(|c| c.uid);
        assignment_timephased(a, task, &self.time, calendar, form, max_records)
    }

    /// A started task's percent complete over time: as `first`, its first assignment, has
    /// its actual work spread, else over the task's calendar.
    pub fn task_timephased(
        &self,
        task: &Task,
        first: Option<&Assignment>,
        form: TimephasedForm,
        max_records: usize,
    ) -> Vec<Timephased> {
        if task.actual_start.is_none() || task.summary {
            return Vec::new();
        }
        if let Some(a) = first {
            let work = self.assignment_timephased(a, Some(task), form, max_records);
            let calendar = self.effective(a, Some(task)).map(|c| c.uid);
            let from_work = task_timephased_from_work(a, &work, &self.time, calendar, max_records);
            if !from_work.is_empty() {
                return from_work;
            }
        }
        let calendar = self.of_task(task).map(|c| c.uid);
        task_timephased(task, &self.time, calendar, max_records)
    }

    /// The task's calendar, else the project calendar.
    pub fn of_task(&self, task: &Task) -> Option<&'p Calendar> {
        task.calendar_uid
            .filter(|uid| *uid >= 0)
            .and_then(|uid| self.by_uid.get(&uid).copied())
            .or(self.project_calendar)
    }

    /// The resource's calendar for a work resource (unless the task ignores it), else the
    /// task's calendar, else the project calendar.
    pub fn effective(&self, a: &Assignment, task: Option<&Task>) -> Option<&'p Calendar> {
        let ignore = task.is_some_and(|t| t.ignore_resource_calendar);
        let resource = (!ignore)
            .then(|| self.resource_calendars.get(&a.resource_uid))
            .flatten()
            .and_then(|uid| self.by_uid.get(uid).copied());
        let task_calendar = task
            .and_then(|t| t.calendar_uid)
            .filter(|uid| *uid >= 0)
            .and_then(|uid| self.by_uid.get(&uid).copied());
        resource.or(task_calendar).or(self.project_calendar)
    }
}

/// MPXJ expresses a computed variance in the project's default duration unit and prints it
/// assuming 8-hour days, 40-hour weeks and 20-day months: a file with other day lengths
/// gets its minutes scaled by that ratio.
fn default_unit_factor(project: &Project) -> f64 {
    let p = &project.properties;
    let ratio = |standard: f64, actual: f64| if actual > 0.0 { standard / actual } else { 1.0 };
    match TimeUnit(p.duration_format) {
        TimeUnit::DAYS => ratio(480.0, f64::from(p.minutes_per_day)),
        TimeUnit::WEEKS => ratio(2400.0, f64::from(p.minutes_per_week)),
        TimeUnit::MONTHS => ratio(
            9600.0,
            f64::from(p.minutes_per_day) * f64::from(p.days_per_month),
        ),
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Resource;

    fn calendar(uid: i32, name: &str, base: Option<i32>) -> Calendar {
        Calendar {
            uid,
            name: Some(name.to_owned()),
            base_calendar_uid: base,
            ..Calendar::default()
        }
    }

    #[test]
    fn resource_then_task_then_project_calendar() {
        let mut project = Project {
            calendars: vec![
                calendar(1, "Other", None),
                calendar(2, "Standard", None),
                calendar(3, "Night", Some(2)),
                calendar(4, "Task", Some(2)),
            ],
            resources: vec![Resource {
                uid: 7,
                calendar_uid: Some(3),
                ..Resource::default()
            }],
            ..Project::default()
        };
        project.properties.calendar_name = Some("Standard".to_owned());
        let budget = Budget::unlimited();
        let schedule = Schedule::new(&project, &budget);
        let a = Assignment {
            resource_uid: 7,
            ..Assignment::default()
        };
        let mut task = Task {
            calendar_uid: Some(4),
            ..Task::default()
        };
        let uid = |c: Option<&Calendar>| c.map(|c| c.uid);
        assert_eq!(uid(schedule.effective(&a, Some(&task))), Some(3));
        task.ignore_resource_calendar = true;
        assert_eq!(uid(schedule.effective(&a, Some(&task))), Some(4));
        task.calendar_uid = None;
        assert_eq!(
            uid(schedule.effective(&a, Some(&task))),
            Some(2),
            "named project calendar"
        );
        assert_eq!(uid(schedule.of_task(&task)), Some(2));
    }
}
