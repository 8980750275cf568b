//! The project as a whole: its properties and its entities.

use super::{
    Assignment, Calendar, CustomFieldDefinition, DateTime, Guid, LookupTable, Resource, Task, Time,
    TimeUnit,
};

/// Which MPP generation a file is, and whether it was a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Project 98.
    Mpp8,
    /// Project 2000, 2002 and 2003.
    Mpp9,
    /// Project 2007 (and files saved "as 2007" by later versions).
    Mpp12,
    /// Project 2010 and later.
    Mpp14,
}

impl FileFormat {
    /// The generation number: 8, 9, 12 or 14.
    pub fn number(self) -> u8 {
        match self {
            Self::Mpp8 => 8,
            Self::Mpp9 => 9,
            Self::Mpp12 => 12,
            Self::Mpp14 => 14,
        }
    }
}

/// Everything read from one file.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// Project-wide settings and document properties.
    pub properties: ProjectProperties,
    /// Base calendars first, then resource calendars, in file order.
    pub calendars: Vec<Calendar>,
    /// Tasks in ID order; the project summary task (UID 0) first when present.
    pub tasks: Vec<Task>,
    /// Resources in ID order; the hidden UID 0 resource first when present.
    pub resources: Vec<Resource>,
    /// Resource assignments in UID order.
    pub assignments: Vec<Assignment>,
    /// Custom fields that have an alias, a lookup table or a value somewhere.
    pub custom_fields: Vec<CustomFieldDefinition>,
    /// Value lists and outline code tables.
    pub lookup_tables: Vec<LookupTable>,
}

/// Project-wide settings and the document's properties.
#[derive(Debug, Clone)]
pub struct ProjectProperties {
    /// Generation of the file that was read, if known.
    pub file_format: Option<FileFormat>,
    /// True when the file was a template (`.mpt`).
    pub template: bool,
    /// Application that saved the file, e.g. "Microsoft Project 9.0".
    pub application: Option<String>,
    /// The major version of the saving application (9, 12, 14, 15, 16).
    pub application_version: Option<u16>,
    /// Document title.
    pub title: Option<String>,
    /// Document subject.
    pub subject: Option<String>,
    /// Document author.
    pub author: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Manager.
    pub manager: Option<String>,
    /// Keywords.
    pub keywords: Option<String>,
    /// Comments.
    pub comments: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Who saved last.
    pub last_author: Option<String>,
    /// Revision number.
    pub revision: Option<i32>,
    /// When the file was created.
    pub creation_date: Option<DateTime>,
    /// When the file was last saved.
    pub last_saved: Option<DateTime>,
    /// Project GUID.
    pub guid: Option<Guid>,
    /// True when scheduled from the start date, false when from the finish date.
    pub schedule_from_start: bool,
    /// Project start.
    pub start_date: Option<DateTime>,
    /// Project finish.
    pub finish_date: Option<DateTime>,
    /// Status date.
    pub status_date: Option<DateTime>,
    /// Current date as stored in the file.
    pub current_date: Option<DateTime>,
    /// First month of the fiscal year (1 = January).
    pub fiscal_year_start_month: u16,
    /// True when fiscal years are numbered by their starting calendar year.
    pub fiscal_year_start: bool,
    /// Tasks with this much slack or less are critical, in days.
    pub critical_slack_limit: i32,
    /// Digits after the decimal point for costs.
    pub currency_digits: u16,
    /// Currency symbol.
    pub currency_symbol: Option<String>,
    /// ISO currency code.
    pub currency_code: Option<String>,
    /// 0 before, 1 after, 2 before with a space, 3 after with a space.
    pub currency_symbol_position: u16,
    /// Name of the project calendar, as stored; resolved to a UID by the writer.
    pub calendar_name: Option<String>,
    /// Default start of the working day.
    pub default_start_time: Time,
    /// Default end of the working day.
    pub default_finish_time: Time,
    /// Working minutes per day.
    pub minutes_per_day: u32,
    /// Working minutes per week.
    pub minutes_per_week: u32,
    /// Working days per month.
    pub days_per_month: u32,
    /// 0 fixed units, 1 fixed duration, 2 fixed work.
    pub default_task_type: u16,
    /// 1 start, 2 end, 3 prorated.
    pub default_fixed_cost_accrual: u16,
    /// Default standard rate per hour.
    pub default_standard_rate: f64,
    /// Default overtime rate per hour.
    pub default_overtime_rate: f64,
    /// Default duration unit (MSPDI code).
    pub duration_format: u16,
    /// Default work unit (1 m, 2 h, 3 d, 4 w, 5 mo).
    pub work_format: u16,
    /// Actual costs can be edited.
    pub editable_actual_costs: bool,
    /// Tasks honour their constraint dates.
    pub honor_constraints: bool,
    /// Inserted projects are calculated like summary tasks.
    pub inserted_projects_like_summary: bool,
    /// Several critical paths are calculated.
    pub multiple_critical_paths: bool,
    /// New tasks are effort driven.
    pub new_tasks_effort_driven: bool,
    /// New tasks have estimated durations.
    pub new_tasks_estimated: bool,
    /// In-progress tasks may be split.
    pub splits_in_progress_tasks: bool,
    /// Actual costs are spread to the status date.
    pub spread_actual_cost: bool,
    /// Percent complete is spread to the status date.
    pub spread_percent_complete: bool,
    /// Updating a task's status updates its resources.
    pub task_updates_resource: bool,
    /// First day of the week, 0 = Sunday.
    pub week_start_day: u16,
    /// Move completed parts after the status date back.
    pub move_completed_ends_back: bool,
    /// Move remaining parts before the status date back.
    pub move_remaining_starts_back: bool,
    /// Move remaining parts before the status date forward.
    pub move_remaining_starts_forward: bool,
    /// Move completed parts after the status date forward.
    pub move_completed_ends_forward: bool,
    /// Baseline used for earned value.
    pub baseline_for_earned_value: u16,
    /// Automatically add new resources and tasks.
    pub auto_add_new_resources_and_tasks: bool,
    /// Link inserted or moved tasks automatically.
    pub autolink: bool,
    /// 0 = new tasks start on the project start date, 1 = on the current date.
    pub new_task_start_date: u16,
    /// New tasks are manually scheduled.
    pub new_tasks_are_manual: bool,
    /// Default earned value method: 0 percent complete, 1 physical percent complete.
    pub default_task_ev_method: u16,
    /// The file was edited outside Project.
    pub project_externally_edited: bool,
    /// Actuals are in sync with the project server.
    pub actuals_in_sync: bool,
    /// Personal information is removed on save.
    pub remove_file_properties: bool,
    /// The project is an administrative project.
    pub admin_project: bool,
    /// Project is protected by a password (a warning, when it could still be read).
    pub password_protected: bool,
    /// Name of the calendar Project 98 used for baselines, as stored.
    pub baseline_calendar_name: Option<String>,
    /// Project-level earned value method: 0 percent complete, 1 physical percent complete.
    pub earned_value_method: u16,
}

impl ProjectProperties {
    /// Minutes in one `unit` of this project: its own day, week and month lengths for
    /// working units, clock lengths for elapsed ones; `None` for units that are not time
    /// (percentages, "default").
    pub fn minutes_per(&self, unit: TimeUnit) -> Option<f64> {
        let day = f64::from(self.minutes_per_day);
        Some(match unit {
            TimeUnit::MINUTES | TimeUnit::ELAPSED_MINUTES => 1.0,
            TimeUnit::HOURS | TimeUnit::ELAPSED_HOURS => 60.0,
            TimeUnit::DAYS => day,
            TimeUnit::ELAPSED_DAYS => 1440.0,
            TimeUnit::WEEKS => f64::from(self.minutes_per_week),
            TimeUnit::ELAPSED_WEEKS => 10_080.0,
            TimeUnit::MONTHS => day * f64::from(self.days_per_month),
            TimeUnit::ELAPSED_MONTHS => 43_200.0,
            _ => return None,
        })
    }
}

impl Default for ProjectProperties {
    fn default() -> Self {
        let hm = |h, m| Time::from_hms_opt(h, m, 0).unwrap_or_default();
        Self {
            file_format: None,
            template: false,
            application: None,
            application_version: None,
            title: None,
            subject: None,
            author: None,
            company: None,
            manager: None,
            keywords: None,
            comments: None,
            category: None,
            last_author: None,
            revision: None,
            creation_date: None,
            last_saved: None,
            guid: None,
            schedule_from_start: true,
            start_date: None,
            finish_date: None,
            status_date: None,
            current_date: None,
            fiscal_year_start_month: 1,
            fiscal_year_start: false,
            critical_slack_limit: 0,
            currency_digits: 2,
            currency_symbol: Some("$".to_owned()),
            currency_code: None,
            currency_symbol_position: 0,
            calendar_name: None,
            default_start_time: hm(8, 0),
            default_finish_time: hm(17, 0),
            minutes_per_day: 480,
            minutes_per_week: 2400,
            days_per_month: 20,
            default_task_type: 0,
            default_fixed_cost_accrual: 3,
            default_standard_rate: 0.0,
            default_overtime_rate: 0.0,
            duration_format: 7,
            work_format: 2,
            editable_actual_costs: false,
            honor_constraints: true,
            inserted_projects_like_summary: true,
            multiple_critical_paths: false,
            new_tasks_effort_driven: false,
            new_tasks_estimated: true,
            splits_in_progress_tasks: true,
            spread_actual_cost: false,
            spread_percent_complete: false,
            task_updates_resource: true,
            week_start_day: 0,
            move_completed_ends_back: false,
            move_remaining_starts_back: false,
            move_remaining_starts_forward: false,
            move_completed_ends_forward: false,
            baseline_for_earned_value: 0,
            auto_add_new_resources_and_tasks: true,
            autolink: true,
            new_task_start_date: 0,
            new_tasks_are_manual: false,
            default_task_ev_method: 0,
            project_externally_edited: false,
            actuals_in_sync: false,
            remove_file_properties: false,
            admin_project: false,
            password_protected: false,
            baseline_calendar_name: None,
            earned_value_method: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_lengths_follow_the_project_for_working_units_only() {
        let p = ProjectProperties {
            minutes_per_day: 450,
            minutes_per_week: 2250,
            days_per_month: 20,
            ..ProjectProperties::default()
        };
        assert_eq!(p.minutes_per(TimeUnit::DAYS), Some(450.0));
        assert_eq!(p.minutes_per(TimeUnit::WEEKS), Some(2250.0));
        assert_eq!(p.minutes_per(TimeUnit::MONTHS), Some(9000.0));
        assert_eq!(p.minutes_per(TimeUnit::ELAPSED_DAYS), Some(1440.0));
        assert_eq!(p.minutes_per(TimeUnit::ELAPSED_MONTHS), Some(43_200.0));
        assert_eq!(p.minutes_per(TimeUnit::PERCENT), None);
        assert!(TimeUnit::ELAPSED_WEEKS.is_elapsed() && !TimeUnit::WEEKS.is_elapsed());
    }
}
