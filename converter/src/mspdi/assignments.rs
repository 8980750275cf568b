//! `<Assignments>`: the file's assignments, then the unassigned ones MSPDI readers need,
//! each in Microsoft Project's element order (note 03 §3.4), zeros included, with values
//! as MPXJ writes them.
//!
//! Unassigned assignments (resource −65535) are invented for tasks that have none: every
//! task with progress (MPXJ: without one MS Project shows the task as not started) and
//! every plain task (MS Project writes one for each non-summary, non-null task).

use super::custom;
use super::resources::{dec4, work, work_variance};
use super::xml::{Out, tenths};
use crate::budget::Budget;
use crate::error::ConvertError;
use crate::model::{
    Assignment, Calendar, DateTime, Duration, PERCENT_COMPLETE, Project, ResourceKind, Task,
    TimeUnit, Timephased, TimephasedForm, WorkingTime, assignment_timephased,
};
use foldhash::{HashMap, HashSet};

/// Resource uid of an assignment without a resource.
const NULL_RESOURCE: i32 = -65535;

/// Writes the `Assignments` container.
pub fn write(out: &mut Out, project: &Project) -> Result<(), ConvertError> {
    let invented = invented(project);
    if project.assignments.is_empty() && invented.is_empty() {
        return out.empty("Assignments");
    }
    let tasks: HashMap<i32, &Task> = project.tasks.iter().map(|t| (t.uid, t)).collect();
    let materials: HashSet<i32> = project
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::Material)
        .map(|r| r.uid)
        .collect();
    let calendars = Calendars::new(project, out.budget());
    let form = form(project);
    out.start("Assignments")?;
    for assignment in project.assignments.iter().chain(&invented) {
        out.work(1)?;
        let task = tasks.get(&assignment.task_uid).copied();
        let material = materials.contains(&assignment.resource_uid);
        let variances = calendars.variances(project, assignment, task);
        let max_records = max_records(out);
        let calendar = calendars.effective(assignment, task).map(|c| c.uid);
        let timephased = assignment_timephased(
            assignment,
            task,
            &calendars.time,
            calendar,
            form,
            max_records,
        );
        out.budget().check()?;
        write_assignment(out, project, assignment, task, material, variances)?;
        write_timephased(out, assignment.uid, &timephased)?;
        out.end("Assignment")?;
    }
    out.end("Assignments")
}

/// How the version that saved the file lays out timephased data.
pub fn form(project: &Project) -> TimephasedForm {
    if super::project::save_version(&project.properties) >= 14 {
        TimephasedForm::MergedZeros
    } else {
        TimephasedForm::ValuelessDays
    }
}

/// Most timephased records one assignment writes: 137 years of days.
const MAX_RECORDS: usize = 50_000;
/// About what one timephased record costs in XML: an assignment writes no more records than
/// half the output limit left can hold, so that the rest of the document still fits.
const RECORD_BYTES: u64 = 256;

/// How many timephased records one owner may write now.
pub fn max_records(out: &Out) -> usize {
    let room = out.spare() / 2 / RECORD_BYTES;
    usize::try_from(room).map_or(MAX_RECORDS, |r| r.min(MAX_RECORDS))
}

/// Writes an owner's `TimephasedData` records.
pub fn write_timephased(
    out: &mut Out,
    uid: i32,
    records: &[Timephased],
) -> Result<(), ConvertError> {
    for r in records {
        out.start("TimephasedData")?;
        out.int("Type", r.kind)?;
        out.int("UID", uid)?;
        out.date("Start", Some(r.start))?;
        out.date("Finish", Some(r.finish))?;
        out.int("Unit", r.unit)?;
        match r.value {
            Some(v) if r.kind == PERCENT_COMPLETE => {
                out.num("Value", (v * 100.0).round() / 100.0)?
            }
            Some(v) => out.duration("Value", v)?,
            None => {}
        }
        out.end("TimephasedData")?;
    }
    Ok(())
}

/// The unassigned assignments to add: tasks with progress first (in task order, as MPXJ
/// numbers them), then the other plain tasks. Unique ids continue after the file's.
pub fn invented(project: &Project) -> Vec<Assignment> {
    let assigned: HashSet<i32> = project.assignments.iter().map(|a| a.task_uid).collect();
    let unassigned = || project.tasks.iter().filter(|t| !assigned.contains(&t.uid));
    let started = |t: &Task| t.percent_complete.is_some_and(|p| p != 0.0);
    let with_progress = unassigned().filter(|t| started(t));
    let plain = unassigned().filter(|t| !started(t) && !t.summary && !t.is_null && t.uid != 0);
    let mut next_uid = project.assignments.iter().map(|a| a.uid).max().unwrap_or(0);
    with_progress
        .chain(plain)
        .map(|task| {
            next_uid = next_uid.saturating_add(1);
            unassigned_assignment(next_uid, task)
        })
        .collect()
}

/// Working-time arithmetic over the project's calendars, for the start and finish
/// variances a file does not store (MPXJ computes them as the working time between the
/// baseline date and the current one, in the assignment's calendar).
pub struct Calendars<'p> {
    by_uid: HashMap<i32, &'p Calendar>,
    project_calendar: Option<&'p Calendar>,
    resource_calendars: HashMap<i32, i32>,
    pub time: WorkingTime<'p>,
}

impl<'p> Calendars<'p> {
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
            by_uid,
            project_calendar,
            resource_calendars,
            time: WorkingTime::new(&project.calendars, budget),
        }
    }

    /// The stored variances, or the computed ones when the assignment has a baseline.
    fn variances(
        &self,
        project: &Project,
        a: &Assignment,
        task: Option<&Task>,
    ) -> (Option<Duration>, Option<Duration>) {
        let baseline = a.baselines.iter().find(|b| b.number == 0);
        let calendar = || self.effective(a, task);
        let compute = |from: Option<DateTime>, to: Option<DateTime>| {
            let minutes = self.time.minutes(calendar()?.uid, from?, to?)?;
            Some(Duration::new(
                minutes * default_unit_factor(project),
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

/// What MPXJ writes for a task without assignments: the task's dates, its duration as
/// work, split into actual and remaining work by its percent complete.
fn unassigned_assignment(uid: i32, task: &Task) -> Assignment {
    let duration = task.duration.map_or(0.0, |d| d.minutes);
    let percent = task.percent_complete.unwrap_or(0.0);
    let actual = duration * percent / 100.0;
    let zero_duration_done = percent == 100.0 && duration == 0.0;
    Assignment {
        uid,
        task_uid: task.uid,
        resource_uid: NULL_RESOURCE,
        percent_work_complete: (duration != 0.0).then_some(percent),
        work: Some(duration),
        actual_work: Some(actual),
        remaining_work: Some(duration - actual),
        regular_work: Some(duration),
        start: task.start,
        finish: task.finish,
        actual_finish: if zero_duration_done {
            task.actual_start
        } else {
            None
        },
        units: Some(1.0),
        milestone: task.milestone,
        ..Assignment::default()
    }
}

fn write_assignment(
    out: &mut Out,
    project: &Project,
    a: &Assignment,
    task: Option<&Task>,
    material: bool,
    (start_variance, finish_variance): (Option<Duration>, Option<Duration>),
) -> Result<(), ConvertError> {
    let minutes = |v: Option<f64>| v.unwrap_or(0.0);
    let money = |v: Option<f64>| dec4(v.unwrap_or(0.0) * 100.0);
    // A 100 % task's assignment without an actual finish shows as 99 % in MS Project.
    let actual_finish = a.actual_finish.or_else(|| {
        task.filter(|t| t.percent_complete == Some(100.0))
            .and_then(|t| t.actual_finish)
    });

    out.start("Assignment")?;
    out.int("UID", a.uid)?;
    out.guid("GUID", a.guid)?;
    out.int("TaskUID", a.task_uid)?;
    out.int("ResourceUID", a.resource_uid)?;
    out.int(
        "PercentWorkComplete",
        a.percent_work_complete.unwrap_or(0.0).round() as i64,
    )?;
    out.text("ActualCost", &money(a.actual_cost))?;
    out.date("ActualFinish", actual_finish)?;
    out.text("ActualOvertimeCost", &money(a.actual_overtime_cost))?;
    work(out, "ActualOvertimeWork", minutes(a.actual_overtime_work))?;
    out.date("ActualStart", a.actual_start)?;
    work(out, "ActualWork", minutes(a.actual_work))?;
    out.text("ACWP", &money(a.acwp))?;
    out.bool("Confirmed", a.confirmed)?;
    out.text("Cost", &money(a.cost))?;
    out.int("CostRateTable", a.cost_rate_table)?;
    out.int("RateScale", a.variable_rate_units.unwrap_or(0))?;
    out.text("CostVariance", &money(a.cost_variance))?;
    out.text("CV", &money(a.cv))?;
    out.int("Delay", a.delay.as_ref().map_or(0, tenths))?;
    out.date("Finish", a.finish)?;
    out.int("FinishVariance", finish_variance.as_ref().map_or(0, tenths))?;
    out.text(
        "WorkVariance",
        &work_variance(a.work_variance.unwrap_or(0.0)),
    )?;
    out.bool("HasFixedRateUnits", a.variable_rate_units.is_none())?;
    out.bool("FixedMaterial", material)?;
    out.opt_text("Hyperlink", a.hyperlink.as_deref())?;
    out.opt_text("HyperlinkAddress", a.hyperlink_address.as_deref())?;
    out.opt_text("HyperlinkSubAddress", a.hyperlink_sub_address.as_deref())?;
    out.int("LevelingDelay", a.leveling_delay.as_ref().map_or(0, tenths))?;
    let delay_format = a
        .leveling_delay
        .map_or(project.properties.duration_format, |d| d.unit.0);
    out.int("LevelingDelayFormat", delay_format)?;
    out.bool("LinkedFields", a.linked_fields)?;
    out.bool("Milestone", a.milestone)?;
    out.opt_text("Notes", a.notes.as_deref())?;
    out.bool("Overallocated", a.overallocated)?;
    out.text("OvertimeCost", &money(a.overtime_cost))?;
    work(out, "OvertimeWork", minutes(a.overtime_work))?;
    work(out, "RegularWork", minutes(a.regular_work))?;
    out.text("RemainingCost", &money(a.remaining_cost))?;
    out.text("RemainingOvertimeCost", &money(a.remaining_overtime_cost))?;
    work(
        out,
        "RemainingOvertimeWork",
        minutes(a.remaining_overtime_work),
    )?;
    work(out, "RemainingWork", minutes(a.remaining_work))?;
    out.bool("ResponsePending", a.response_pending)?;
    out.date("Start", a.start)?;
    out.date("Stop", a.stop)?;
    out.date("Resume", a.resume)?;
    out.int("StartVariance", start_variance.as_ref().map_or(0, tenths))?;
    out.text("Units", &dec4(a.units.unwrap_or(1.0)))?;
    out.bool("UpdateNeeded", a.update_needed)?;
    out.text("VAC", &money(a.vac))?;
    work(out, "Work", minutes(a.work))?;
    out.int("WorkContour", a.work_contour)?;
    out.text("BCWS", &money(a.bcws))?;
    out.text("BCWP", &money(a.bcwp))?;
    out.int("BookingType", 0)?;
    work(out, "ActualWorkProtected", minutes(a.actual_work_protected))?;
    work(
        out,
        "ActualOvertimeWorkProtected",
        minutes(a.actual_overtime_work_protected),
    )?;
    out.date("CreationDate", a.created)?;
    out.text("BudgetCost", &money(a.budget_cost))?;
    work(out, "BudgetWork", minutes(a.budget_work))?;
    custom::write_values(out, project, &a.custom_values)?;
    for b in &a.baselines {
        out.start("Baseline")?;
        out.int("Number", b.number)?;
        out.date("Start", b.start)?;
        out.date("Finish", b.finish)?;
        if let Some(w) = b.work {
            work(out, "Work", w)?;
        }
        if let Some(c) = b.cost {
            out.text(
                "Cost",
                &super::xml::number((c * 100.0 * 100.0).round() / 100.0),
            )?;
        }
        out.end("Baseline")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Duration, TimeUnit};
    use crate::mspdi::xml::xml_of;

    fn task(uid: i32, summary: bool, percent: f64) -> Task {
        Task {
            uid,
            summary,
            percent_complete: Some(percent),
            duration: Some(Duration::new(960.0, TimeUnit::DAYS)),
            ..Task::default()
        }
    }

    fn project() -> Project {
        Project {
            tasks: vec![
                task(0, true, 50.0),
                task(1, false, 0.0),
                task(2, true, 0.0),
                task(3, false, 0.0),
            ],
            assignments: vec![Assignment {
                uid: 5,
                task_uid: 3,
                resource_uid: 1,
                ..Assignment::default()
            }],
            ..Project::default()
        }
    }

    #[test]
    fn tasks_without_assignments_get_unassigned_ones() {
        let extra = invented(&project());
        let got: Vec<(i32, i32)> = extra.iter().map(|a| (a.uid, a.task_uid)).collect();
        assert_eq!(
            got,
            [(6, 0), (7, 1)],
            "progress first, then plain tasks; summaries skipped"
        );
        let Some(started) = extra.first() else { return };
        assert_eq!(started.resource_uid, NULL_RESOURCE);
        assert_eq!(started.work, Some(960.0));
        assert_eq!(started.actual_work, Some(480.0));
        assert_eq!(started.remaining_work, Some(480.0));
        assert_eq!(started.percent_work_complete, Some(50.0));
    }

    #[test]
    fn writes_assignments_in_ms_project_order() -> Result<(), ConvertError> {
        let xml = xml_of(|out| write(out, &project()))?;
        assert_eq!(xml.matches("<Assignment>").count(), 3);
        let first = xml.find("<UID>5</UID>").unwrap_or(usize::MAX);
        let invented = xml.find("<UID>6</UID>").unwrap_or(0);
        assert!(first < invented, "the file's assignments come first");
        let order = [
            "<TaskUID>",
            "<PercentWorkComplete>",
            "<CostRateTable>",
            "<WorkVariance>",
            "<Units>",
            "<Work>",
        ];
        let positions: Vec<usize> = order.iter().map(|tag| xml.find(tag).unwrap_or(0)).collect();
        assert!(
            positions.windows(2).all(|w| w.first() < w.last()),
            "{positions:?}"
        );
        assert!(xml.contains("<ActualWork>PT8H0M0S</ActualWork>"), "{xml}");
        Ok(())
    }

    #[test]
    fn an_empty_project_writes_an_empty_container() -> Result<(), ConvertError> {
        let xml = xml_of(|out| write(out, &Project::default()))?;
        assert!(xml.ends_with("<Assignments/>"), "{xml}");
        Ok(())
    }
}
