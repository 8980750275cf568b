//! The project-level scalar elements.
//!
//! Written in the order Microsoft Project writes them, zeros included. Elements Project never
//! writes but the schema defines (`Category`, `Revision`, `EarnedValueMethod`, `StatusDate`,
//! `BaselineCalendar`) sit where the schema puts them, so the document stays valid.

use super::xml::{Out, time};
use crate::error::ConvertError;
use crate::model::{DateTime, Project, ProjectProperties, Task};

/// The title Project shows for a project that has none.
const DEFAULT_TITLE: &str = "Project1";
/// The project calendar Project falls back to when the stored name matches no calendar.
const STANDARD_CALENDAR: &str = "Standard";
/// What Project 2003 and later write for an unset extended creation date (the day after the
/// MPP epoch, i.e. "no date").
const NO_EXTENDED_CREATION_DATE: &str = "1984-01-01T00:00:00";

/// Writes the project's scalar elements, from `SaveVersion` to `AdminProject`.
pub fn write_properties(out: &mut Out, project: &Project) -> Result<(), ConvertError> {
    let p = &project.properties;
    let save_version = save_version(p);
    out.int("SaveVersion", save_version)?;
    // `Name` is the XML file's own name in Project's output; the writer does not know it.
    out.guid("GUID", p.guid)?;
    out.text("Title", &title(project))?;
    out.opt_text("Subject", p.subject.as_deref())?;
    out.opt_text("Category", p.category.as_deref())?;
    out.opt_text("Company", p.company.as_deref())?;
    out.opt_text("Manager", p.manager.as_deref())?;
    out.opt_text("Author", p.author.as_deref())?;
    out.date("CreationDate", p.creation_date)?;
    if let Some(revision) = p.revision {
        out.int("Revision", revision)?;
    }
    out.date("LastSaved", p.last_saved)?;
    out.bool("ScheduleFromStart", p.schedule_from_start)?;
    out.date(
        "StartDate",
        p.start_date.or_else(|| earliest_start(&project.tasks)),
    )?;
    out.date(
        "FinishDate",
        p.finish_date.or_else(|| latest_finish(&project.tasks)),
    )?;
    out.int("FYStartDate", p.fiscal_year_start_month)?;
    out.int("CriticalSlackLimit", p.critical_slack_limit)?;
    out.int("CurrencyDigits", p.currency_digits)?;
    out.opt_text("CurrencySymbol", p.currency_symbol.as_deref())?;
    out.opt_text("CurrencyCode", p.currency_code.as_deref())?;
    out.int("CurrencySymbolPosition", p.currency_symbol_position)?;
    out.int("CalendarUID", calendar_uid(project))?;
    out.text("DefaultStartTime", &time(p.default_start_time))?;
    out.text("DefaultFinishTime", &time(p.default_finish_time))?;
    out.int("MinutesPerDay", p.minutes_per_day)?;
    out.int("MinutesPerWeek", p.minutes_per_week)?;
    out.int("DaysPerMonth", p.days_per_month)?;
    out.int("DefaultTaskType", p.default_task_type)?;
    out.int("DefaultFixedCostAccrual", p.default_fixed_cost_accrual)?;
    out.num("DefaultStandardRate", p.default_standard_rate)?;
    out.num("DefaultOvertimeRate", p.default_overtime_rate)?;
    out.int("DurationFormat", p.duration_format)?;
    out.int("WorkFormat", p.work_format)?;
    out.bool("EditableActualCosts", p.editable_actual_costs)?;
    out.bool("HonorConstraints", p.honor_constraints)?;
    out.int("EarnedValueMethod", p.earned_value_method)?;
    out.bool(
        "InsertedProjectsLikeSummary",
        p.inserted_projects_like_summary,
    )?;
    out.bool("MultipleCriticalPaths", p.multiple_critical_paths)?;
    out.bool("NewTasksEffortDriven", p.new_tasks_effort_driven)?;
    out.bool("NewTasksEstimated", p.new_tasks_estimated)?;
    out.bool("SplitsInProgressTasks", p.splits_in_progress_tasks)?;
    out.bool("SpreadActualCost", p.spread_actual_cost)?;
    out.bool("SpreadPercentComplete", p.spread_percent_complete)?;
    out.bool("TaskUpdatesResource", p.task_updates_resource)?;
    out.bool("FiscalYearStart", p.fiscal_year_start)?;
    out.int("WeekStartDay", p.week_start_day)?;
    out.bool("MoveCompletedEndsBack", p.move_completed_ends_back)?;
    out.bool("MoveRemainingStartsBack", p.move_remaining_starts_back)?;
    out.bool(
        "MoveRemainingStartsForward",
        p.move_remaining_starts_forward,
    )?;
    out.bool("MoveCompletedEndsForward", p.move_completed_ends_forward)?;
    out.int("BaselineForEarnedValue", p.baseline_for_earned_value)?;
    out.bool(
        "AutoAddNewResourcesAndTasks",
        p.auto_add_new_resources_and_tasks,
    )?;
    out.date("StatusDate", p.status_date)?;
    out.date("CurrentDate", p.current_date)?;
    // A boolean despite its name; Project writes 1 in every file.
    out.bool("MicrosoftProjectServerURL", true)?;
    out.bool("Autolink", p.autolink)?;
    out.int("NewTaskStartDate", p.new_task_start_date)?;
    out.bool("NewTasksAreManual", p.new_tasks_are_manual)?;
    out.int("DefaultTaskEVMethod", p.default_task_ev_method)?;
    out.bool("ProjectExternallyEdited", p.project_externally_edited)?;
    out.text("ExtendedCreationDate", NO_EXTENDED_CREATION_DATE)?;
    out.bool("ActualsInSync", p.actuals_in_sync)?;
    out.bool("RemoveFileProperties", p.remove_file_properties)?;
    out.bool("AdminProject", p.admin_project)?;
    out.opt_text("BaselineCalendar", p.baseline_calendar_name.as_deref())?;
    if save_version >= 14 {
        // Project 2010 and later write these two options in every file, always 1 and 0.
        out.bool("UpdateManuallyScheduledTasksWhenEditingLinks", true)?;
        out.bool("KeepTaskOnNearestWorkingTimeWhenMadeAutoScheduled", false)?;
    }
    Ok(())
}

/// The MSPDI version Project writes: 12 from Project 2007, 14 from 2010 and every later
/// release. Project 2000–2003 wrote none; their files are given 12, the oldest version that
/// has the element, because the rest of the document follows the pre-2010 layout for them.
fn save_version(p: &ProjectProperties) -> u16 {
    match p
        .application_version
        .or(p.file_format.map(|f| u16::from(f.number())))
    {
        Some(v) if v >= 14 => 14,
        _ => 12,
    }
}

/// The project title; without one, the name of the single top-level task (normally the
/// project summary task, which Project names after the file), else Project's default.
fn title(project: &Project) -> String {
    if let Some(t) = project
        .properties
        .title
        .as_deref()
        .filter(|t| !t.is_empty())
    {
        return t.to_owned();
    }
    let mut roots = top_level_tasks(&project.tasks);
    match (roots.next(), roots.next()) {
        (Some(only), None) => only.name.clone().filter(|n| !n.is_empty()),
        _ => None,
    }
    .unwrap_or_else(|| DEFAULT_TITLE.to_owned())
}

/// Tasks (in ID order) that have no parent in the outline: blank rows, and every task with
/// no earlier task at a lower outline level.
fn top_level_tasks(tasks: &[Task]) -> impl Iterator<Item = &Task> {
    let mut lowest: Option<u16> = None;
    tasks.iter().filter(move |t| {
        if t.is_null {
            return true;
        }
        let root = lowest.is_none_or(|l| t.outline_level <= l);
        lowest = Some(lowest.map_or(t.outline_level, |l| l.min(t.outline_level)));
        root
    })
}

/// The project start when the file stores none: the earliest (actual, else planned) task
/// start, milestones counting by their finish; the project summary task (UID 0) is left out.
fn earliest_start(tasks: &[Task]) -> Option<DateTime> {
    tasks
        .iter()
        .filter(|t| t.uid != 0)
        .filter_map(|t| match t.milestone {
            true => t.actual_finish.or(t.finish),
            false => t.actual_start.or(t.start),
        })
        .min()
}

/// The project finish when the file stores none: the latest (actual, else planned) task
/// finish, the project summary task left out.
fn latest_finish(tasks: &[Task]) -> Option<DateTime> {
    tasks
        .iter()
        .filter(|t| t.uid != 0)
        .filter_map(|t| t.actual_finish.or(t.finish))
        .max()
}

/// The UID of the project calendar: the calendar whose name matches the stored one (ignoring
/// case, as Project does), else the one named "Standard", else the first calendar, else 1
/// (the UID Project gives the calendar it creates for an empty project).
fn calendar_uid(project: &Project) -> i32 {
    let named = |name: &str| {
        project.calendars.iter().find(|c| {
            c.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    };
    project
        .properties
        .calendar_name
        .as_deref()
        .filter(|n| !n.is_empty())
        .and_then(named)
        .or_else(|| named(STANDARD_CALENDAR))
        .or_else(|| project.calendars.first())
        .map_or(1, |c| c.uid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Calendar, FileFormat};
    use crate::mspdi::xml::xml_of;

    fn calendar(uid: i32, name: &str) -> Calendar {
        Calendar {
            uid,
            name: Some(name.to_owned()),
            ..Calendar::default()
        }
    }

    fn task(id: i32, level: u16, name: &str) -> Task {
        Task {
            uid: id,
            id,
            outline_level: level,
            name: Some(name.to_owned()),
            ..Task::default()
        }
    }

    #[test]
    fn the_project_calendar_is_found_by_name() {
        let mut project = Project::default();
        assert_eq!(calendar_uid(&project), 1);
        project.calendars = vec![calendar(3, "Night Shift"), calendar(7, "24 Hours")];
        assert_eq!(calendar_uid(&project), 3, "no name: the first calendar");
        project.calendars.push(calendar(9, "Standard"));
        assert_eq!(calendar_uid(&project), 9, "no name: Standard");
        project.properties.calendar_name = Some("24 HOURS".to_owned());
        assert_eq!(calendar_uid(&project), 7);
        project.properties.calendar_name = Some("Missing".to_owned());
        assert_eq!(calendar_uid(&project), 9);
    }

    #[test]
    fn a_missing_title_comes_from_the_single_top_level_task() {
        let mut project = Project::default();
        assert_eq!(title(&project), "Project1");
        project.tasks = vec![
            task(0, 0, "plan"),
            task(1, 1, "a"),
            task(2, 2, "b"),
            task(3, 1, "c"),
        ];
        assert_eq!(title(&project), "plan");
        project.tasks.remove(0);
        assert_eq!(title(&project), "Project1", "two top-level tasks");
        project.properties.title = Some("Set".to_owned());
        assert_eq!(title(&project), "Set");
    }

    #[test]
    fn missing_project_dates_come_from_the_tasks() {
        let at = |d: u32| {
            chrono::NaiveDate::from_ymd_opt(2024, 1, d).and_then(|d| d.and_hms_opt(8, 0, 0))
        };
        let mut summary = task(0, 0, "summary");
        summary.start = at(1);
        let mut a = task(1, 1, "a");
        (a.start, a.finish, a.actual_start) = (at(5), at(9), at(4));
        let mut m = task(2, 1, "milestone");
        (m.milestone, m.start, m.finish) = (true, at(2), at(3));
        let tasks = vec![summary, a, m];
        assert_eq!(earliest_start(&tasks), at(3));
        assert_eq!(latest_finish(&tasks), at(9));
        assert_eq!(earliest_start(&[]), None);
    }

    #[test]
    fn save_version_follows_the_saving_application() {
        let mut p = ProjectProperties {
            file_format: Some(FileFormat::Mpp9),
            ..ProjectProperties::default()
        };
        assert_eq!(save_version(&p), 12);
        p.application_version = Some(16);
        assert_eq!(save_version(&p), 14);
        p.application_version = Some(12);
        assert_eq!(save_version(&p), 12);
    }

    #[test]
    fn writes_the_scalars_in_projects_order() -> Result<(), ConvertError> {
        let mut project = Project::default();
        project.properties.application_version = Some(14);
        project.properties.currency_code = Some("GBP".to_owned());
        let xml = xml_of(|out| write_properties(out, &project))?;
        let at = |tag: &str| xml.find(&format!("<{tag}>")).unwrap_or(usize::MAX);
        let order = [
            "SaveVersion",
            "Title",
            "ScheduleFromStart",
            "CurrencySymbol",
            "CurrencyCode",
            "CurrencySymbolPosition",
            "CalendarUID",
            "DefaultStandardRate",
            "NewTasksAreManual",
            "AdminProject",
            "KeepTaskOnNearestWorkingTimeWhenMadeAutoScheduled",
        ];
        let positions: Vec<usize> = order.iter().map(|t| at(t)).collect();
        assert!(positions.is_sorted(), "{xml}");
        assert!(positions.iter().all(|p| *p != usize::MAX), "{xml}");
        assert!(xml.contains("<DefaultStandardRate>0</DefaultStandardRate>"));
        assert!(xml.contains("<CalendarUID>1</CalendarUID>"));
        Ok(())
    }
}
