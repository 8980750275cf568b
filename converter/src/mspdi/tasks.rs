//! `<Tasks>`: one `<Task>` per task in ID order, elements in the order Microsoft Project
//! writes them, values as MPXJ derives them (the reference output), plus the zero-valued
//! elements Project itself always writes.

use super::custom;
use super::xml::Out;
use crate::error::ConvertError;
use crate::model::{
    Assignment, Baseline, Duration, Project, ProjectProperties, Relation, Schedule, Task, TimeUnit,
    TimephasedForm,
};
use foldhash::{HashMap, HashSet};

/// Writes the `Tasks` container.
pub fn write(out: &mut Out, project: &Project) -> Result<(), ConvertError> {
    if project.tasks.is_empty() {
        return out.empty("Tasks");
    }
    out.start("Tasks")?;
    let schedule = Schedule::new(project, out.budget());
    let form = TimephasedForm::of(&project.properties);
    let mut first_assignments: HashMap<i32, &Assignment> = HashMap::default();
    for a in &project.assignments {
        first_assignments.entry(a.task_uid).or_insert(a);
    }
    let context = Context {
        units: Units::of(&project.properties),
        external: project
            .tasks
            .iter()
            .filter(|t| t.external_task)
            .map(|t| t.uid)
            .collect(),
        calendars: project.calendars.iter().map(|c| c.uid).collect(),
    };
    // External (cross-project) tasks are not written; later IDs close the gap.
    let mut id_offset = 0;
    for task in &project.tasks {
        if task.external_task {
            id_offset += 1;
            continue;
        }
        write_task(out, project, &context, task, task.id - id_offset)?;
        let first = first_assignments.get(&task.uid).copied();
        let max = super::assignments::max_records(out);
        let timephased = schedule.task_timephased(task, first, form, max);
        out.budget().check()?;
        super::assignments::write_timephased(out, task.uid, &timephased)?;
        out.end("Task")?;
    }
    out.end("Tasks")
}

/// What every task's elements refer to, computed once.
struct Context {
    units: Units,
    /// Unique ids of external tasks (links to them cross projects).
    external: HashSet<i32>,
    /// Unique ids of the calendars written.
    calendars: HashSet<i32>,
}

fn write_task(
    out: &mut Out,
    project: &Project,
    context: &Context,
    task: &Task,
    id: i32,
) -> Result<(), ConvertError> {
    let props = &project.properties;
    let units = &context.units;
    out.start("Task")?;
    out.int("UID", task.uid)?;
    out.guid("GUID", task.guid)?;
    out.int("ID", id)?;
    out.opt_text("Name", task.name.as_deref())?;
    out.bool("Active", task.active)?;
    out.bool("Manual", task.manual)?;
    out.int("Type", task.task_type)?;
    out.bool("IsNull", task.is_null)?;
    out.date("CreateDate", task.created)?;
    out.opt_text("Contact", task.contact.as_deref())?;
    out.opt_text("WBS", task.wbs.as_ref().map(ToString::to_string).as_deref())?;
    out.opt_text(
        "OutlineNumber",
        task.outline_number
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
    )?;
    if !task.is_null {
        out.int("OutlineLevel", task.outline_level)?;
    }
    out.int("Priority", task.priority)?;
    if task.manual {
        out.text("StartText", task.start_text.as_deref().unwrap_or_default())?;
        out.text(
            "FinishText",
            task.finish_text.as_deref().unwrap_or_default(),
        )?;
        out.text(
            "DurationText",
            task.duration_text.as_deref().unwrap_or_default(),
        )?;
    } else {
        out.opt_text(
            "StartText",
            task.start_text.as_deref().filter(|t| !t.is_empty()),
        )?;
        out.opt_text(
            "FinishText",
            task.finish_text.as_deref().filter(|t| !t.is_empty()),
        )?;
        out.opt_text(
            "DurationText",
            task.duration_text.as_deref().filter(|t| !t.is_empty()),
        )?;
    }
    out.date("Start", task.start)?;
    out.date("Finish", task.finish)?;
    let duration_minutes = task.duration.map_or(0.0, |d| d.minutes);
    out.text("Duration", &hours(duration_minutes))?;
    out.date("ManualStart", task.start)?;
    out.date("ManualFinish", task.finish)?;
    let manual_duration = if task.manual {
        task.manual_duration
    } else {
        task.duration
    };
    out.text(
        "ManualDuration",
        &hours(manual_duration.map_or(0.0, |d| d.minutes)),
    )?;
    let unit = task
        .duration
        .map_or(TimeUnit(props.duration_format), |d| d.unit);
    let duration_format = task
        .duration_format
        .unwrap_or_else(|| format_code(unit, task.estimated));
    out.int("DurationFormat", duration_format)?;
    if let Some(freeform) = task.freeform_duration_format {
        out.int("FreeformDurationFormat", freeform)?;
    }
    out.text("Work", &hours(task.work.unwrap_or(0.0)))?;
    out.date("Stop", task.stop)?;
    out.date("Resume", task.resume)?;
    out.bool("ResumeValid", false)?;
    out.bool("EffortDriven", task.effort_driven)?;
    out.bool("Recurring", task.recurring)?;
    out.bool("OverAllocated", task.over_allocated)?;
    out.bool("Estimated", task.estimated)?;
    out.bool("Milestone", task.milestone)?;
    out.bool("Summary", task.summary)?;
    out.bool("DisplayAsSummary", false)?;
    out.bool("Critical", task.critical)?;
    out.bool("IsSubproject", task.is_subproject)?;
    out.bool("IsSubprojectReadOnly", task.is_subproject_read_only)?;
    out.opt_text("SubprojectName", task.subproject_file.as_deref())?;
    out.bool("ExternalTask", task.external_task)?;
    out.date("EarlyStart", task.early_start)?;
    out.date("EarlyFinish", task.early_finish)?;
    out.date("LateStart", task.late_start)?;
    out.date("LateFinish", task.late_finish)?;
    out.int("StartVariance", tenths(task.start_variance))?;
    out.int("FinishVariance", tenths(task.finish_variance))?;
    out.num("WorkVariance", work_variance(task.work_variance))?;
    out.int("FreeSlack", tenths(task.free_slack))?;
    out.int("TotalSlack", tenths(task.total_slack))?;
    out.int("StartSlack", tenths(task.start_slack))?;
    out.int("FinishSlack", tenths(task.finish_slack))?;
    out.num("FixedCost", cents(task.fixed_cost))?;
    out.int("FixedCostAccrual", task.fixed_cost_accrual)?;
    if let Some(pct) = task.percent_complete {
        out.num("PercentComplete", pct)?;
    }
    if let Some(pct) = task.percent_work_complete {
        out.num("PercentWorkComplete", pct)?;
    }
    out.num("Cost", cents(task.cost))?;
    out.num("OvertimeCost", cents(task.overtime_cost))?;
    out.text("OvertimeWork", &hours(task.overtime_work.unwrap_or(0.0)))?;
    out.date("ActualStart", task.actual_start)?;
    out.date("ActualFinish", task.actual_finish)?;
    out.text(
        "ActualDuration",
        &hours(task.actual_duration.map_or(0.0, |d| d.minutes)),
    )?;
    out.num("ActualCost", cents(task.actual_cost))?;
    out.num("ActualOvertimeCost", cents(task.actual_overtime_cost))?;
    out.text("ActualWork", &hours(task.actual_work.unwrap_or(0.0)))?;
    out.text(
        "ActualOvertimeWork",
        &hours(task.actual_overtime_work.unwrap_or(0.0)),
    )?;
    let regular = task
        .regular_work
        .unwrap_or_else(|| task.work.unwrap_or(0.0) - task.overtime_work.unwrap_or(0.0));
    out.text("RegularWork", &hours(regular))?;
    out.text("RemainingDuration", &hours(remaining_duration(task)))?;
    out.num("RemainingCost", cents(task.remaining_cost))?;
    out.text("RemainingWork", &hours(task.remaining_work.unwrap_or(0.0)))?;
    out.num("RemainingOvertimeCost", cents(task.remaining_overtime_cost))?;
    out.text(
        "RemainingOvertimeWork",
        &hours(task.remaining_overtime_work.unwrap_or(0.0)),
    )?;
    out.num("ACWP", cents(task.acwp))?;
    out.num("CV", cents(task.cv))?;
    if !task.is_null {
        out.int("ConstraintType", task.constraint_type)?;
    }
    let calendar = task
        .calendar_uid
        .filter(|uid| context.calendars.contains(uid));
    out.int("CalendarUID", calendar.unwrap_or(-1))?;
    out.date("ConstraintDate", task.constraint_date)?;
    out.date("Deadline", task.deadline)?;
    out.bool("LevelAssignments", task.level_assignments)?;
    out.bool("LevelingCanSplit", task.leveling_can_split)?;
    match task.leveling_delay {
        Some(delay) => {
            out.int("LevelingDelay", units.lag_tenths(&delay))?;
            out.int("LevelingDelayFormat", format_code(delay.unit, false))?;
        }
        None => {
            out.int("LevelingDelay", 0)?;
            out.int("LevelingDelayFormat", 8)?;
        }
    }
    out.date("PreLeveledStart", task.preleveled_start)?;
    out.date("PreLeveledFinish", task.preleveled_finish)?;
    out.opt_text("Hyperlink", task.hyperlink.as_deref())?;
    out.opt_text("HyperlinkAddress", task.hyperlink_address.as_deref())?;
    out.opt_text("HyperlinkSubAddress", task.hyperlink_sub_address.as_deref())?;
    out.bool("IgnoreResourceCalendar", task.ignore_resource_calendar)?;
    out.opt_text("Notes", task.notes.as_deref().filter(|n| !n.is_empty()))?;
    out.bool("HideBar", task.hide_bar)?;
    out.bool("Rollup", task.rollup)?;
    out.num("BCWS", cents(task.bcws))?;
    out.num("BCWP", cents(task.bcwp))?;
    out.num(
        "PhysicalPercentComplete",
        task.physical_percent_complete.unwrap_or(0.0),
    )?;
    out.int("EarnedValueMethod", task.earned_value_method)?;
    for link in &task.predecessors {
        write_link(out, project, link, context)?;
    }
    out.text("ActualWorkProtected", &hours(0.0))?;
    out.text("ActualOvertimeWorkProtected", &hours(0.0))?;
    out.bool("IsPublished", is_published(props, task))?;
    out.int("CommitmentType", 0)?;
    custom::write_values(out, project, task.uid, &task.custom_values)?;
    for baseline in &task.baselines {
        write_baseline(out, baseline)?;
    }
    Ok(())
}

/// Project writes `IsPublished` 1, except on the project summary task from Project 2010 on.
fn is_published(props: &ProjectProperties, task: &Task) -> bool {
    task.uid != 0 || props.application_version.is_some_and(|v| v < 14)
}

fn write_link(
    out: &mut Out,
    project: &Project,
    link: &Relation,
    context: &Context,
) -> Result<(), ConvertError> {
    out.start("PredecessorLink")?;
    out.int("PredecessorUID", link.predecessor_uid)?;
    out.int("Type", link.kind.code())?;
    out.bool(
        "CrossProject",
        context.external.contains(&link.predecessor_uid),
    )?;
    if link.lag.minutes == 0.0 {
        // A zero lag is shown in the project's default duration unit.
        out.int("LinkLag", 0)?;
        out.int(
            "LagFormat",
            format_code(TimeUnit(project.properties.duration_format), false),
        )?;
    } else {
        // Percent lags keep their percentage.
        let percent = matches!(link.lag.unit, TimeUnit::PERCENT | TimeUnit::ELAPSED_PERCENT);
        let lag = if percent {
            link.lag.minutes.trunc() as i64
        } else {
            context.units.lag_tenths(&link.lag)
        };
        out.int("LinkLag", lag)?;
        out.int("LagFormat", format_code(link.lag.unit, false))?;
    }
    out.end("PredecessorLink")
}

/// Only the values a baseline has, as Project writes them (MPXJ leaves out zero costs,
/// durations and work).
fn write_baseline(out: &mut Out, baseline: &Baseline) -> Result<(), ConvertError> {
    let cost = baseline.cost.filter(|c| c.trunc() != 0.0);
    let duration = baseline.duration.filter(|d| d.minutes != 0.0);
    let work = baseline.work.filter(|w| *w != 0.0);
    if cost.is_none()
        && duration.is_none()
        && work.is_none()
        && baseline.start.is_none()
        && baseline.finish.is_none()
    {
        return Ok(());
    }
    out.start("Baseline")?;
    out.int("Number", baseline.number)?;
    out.date("Start", baseline.start)?;
    out.date("Finish", baseline.finish)?;
    if let Some(d) = duration {
        out.text("Duration", &hours(d.minutes))?;
        out.int("DurationFormat", format_code(d.unit, false))?;
    }
    if let Some(w) = work {
        out.text("Work", &hours(w))?;
    }
    if let Some(c) = cost {
        out.num("Cost", c * 100.0)?;
    }
    out.end("Baseline")
}

/// Remaining duration; when the file has none, the part of the duration not yet complete.
fn remaining_duration(task: &Task) -> f64 {
    match task.remaining_duration {
        Some(d) => d.minutes,
        None => {
            let duration = task.duration.map_or(0.0, |d| d.minutes);
            duration - duration * task.percent_complete.unwrap_or(0.0) / 100.0
        }
    }
}

/// An MSPDI duration, rounded to whole seconds as MPXJ writes it.
fn hours(minutes: f64) -> String {
    super::xml::duration((minutes * 60.0).round() / 60.0)
}

/// Currency units to MSPDI's hundredths.
fn cents(value: Option<f64>) -> f64 {
    value.unwrap_or(0.0) * 100.0
}

/// Work variance in thousandths of a minute, rounded to whole minutes as Project does.
fn work_variance(minutes: Option<f64>) -> f64 {
    minutes.map_or(0.0, |m| m.round() * 1000.0)
}

/// MSPDI `DurationFormat` code of a unit, +32 when estimated (see [`TimeUnit::format_code`]).
pub fn format_code(unit: TimeUnit, estimated: bool) -> u16 {
    unit.format_code(estimated)
}

/// Slack and variances: the stored tenths of a minute as they are, which is what Project
/// writes whatever the project's day length (MPXJ converts them through a fixed 8-hour day,
/// so a 450-minute day gave 33280 where Project writes 31200).
fn tenths(d: Option<Duration>) -> i64 {
    d.map_or(0, |d| (d.minutes * 10.0).round() as i64)
}

/// The project's working-time units, for the integer tenth-of-a-minute fields.
pub struct Units {
    props: ProjectProperties,
}

impl Units {
    /// The units of `props`.
    pub fn of(props: &ProjectProperties) -> Self {
        Self {
            props: ProjectProperties {
                minutes_per_day: props.minutes_per_day,
                minutes_per_week: props.minutes_per_week,
                days_per_month: props.days_per_month,
                ..ProjectProperties::default()
            },
        }
    }

    /// Minutes in one of `unit` in this project; `None` for units that are not time.
    fn unit_minutes(&self, unit: TimeUnit) -> Option<f64> {
        self.props.minutes_per(unit)
    }

    /// The value in its own unit, as the file's tenths are read into it (a unit of zero
    /// length gives zero; non-time units keep the raw number).
    fn amount(&self, d: &Duration) -> f64 {
        let tenths = (d.minutes * 10.0).round();
        match self.unit_minutes(d.unit) {
            Some(per_unit) if per_unit != 0.0 => tenths / (per_unit * 10.0),
            Some(_) => 0.0,
            None => tenths,
        }
    }

    /// Lags and leveling delays: tenths of a minute through the project's own day length.
    fn lag_tenths(&self, d: &Duration) -> i64 {
        let amount = self.amount(d);
        let minutes = self
            .unit_minutes(d.unit)
            .map_or(amount, |per_unit| amount * per_unit);
        (10.0 * minutes) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(minutes_per_day: u32) -> ProjectProperties {
        ProjectProperties {
            minutes_per_day,
            minutes_per_week: minutes_per_day * 5,
            ..ProjectProperties::default()
        }
    }

    #[test]
    fn slack_is_written_in_stored_tenths_whatever_the_day_length() {
        // 3120 minutes = 6.93 days of 450 minutes: still 31200 tenths.
        assert_eq!(tenths(Some(Duration::new(3120.0, TimeUnit::DAYS))), 31_200);
        assert_eq!(tenths(Some(Duration::new(480.0, TimeUnit::HOURS))), 4800);
        assert_eq!(tenths(None), 0);
    }

    #[test]
    fn lags_use_the_project_day() {
        let units = Units::of(&props(450));
        assert_eq!(
            units.lag_tenths(&Duration::new(450.0, TimeUnit::DAYS)),
            4500
        );
        assert_eq!(
            units.lag_tenths(&Duration::new(-480.0, TimeUnit::ELAPSED_DAYS)),
            -4800
        );
    }

    #[test]
    fn duration_format_codes() {
        assert_eq!(format_code(TimeUnit::DAYS, true), 39);
        assert_eq!(format_code(TimeUnit::WEEKS, false), 9);
        assert_eq!(format_code(TimeUnit(0), false), 5);
    }

    #[test]
    fn durations_round_to_seconds() {
        assert_eq!(hours(2400.0), "PT40H0M0S");
        assert_eq!(hours(0.5004), "PT0H0M30S");
        assert_eq!(work_variance(Some(2400.2)), 2_400_000.0);
        assert_eq!(super::super::xml::number(cents(Some(5000.0))), "500000");
    }
}
