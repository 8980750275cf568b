//! Tasks, their links and their resource assignments.

use super::{CustomFieldValue, DateTime, DottedCode, Duration, Guid};

/// How two tasks are linked. Codes are MSPDI's `PredecessorLink/Type` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RelationKind {
    /// Finish-to-finish.
    FinishFinish,
    /// Finish-to-start.
    #[default]
    FinishStart,
    /// Start-to-finish.
    StartFinish,
    /// Start-to-start.
    StartStart,
}

impl RelationKind {
    /// From the code stored in MPP files (the same as MSPDI's).
    pub fn from_code(code: u16) -> Self {
        match code {
            0 => Self::FinishFinish,
            2 => Self::StartFinish,
            3 => Self::StartStart,
            _ => Self::FinishStart,
        }
    }

    /// MSPDI's code.
    pub fn code(self) -> u16 {
        match self {
            Self::FinishFinish => 0,
            Self::FinishStart => 1,
            Self::StartFinish => 2,
            Self::StartStart => 3,
        }
    }
}

/// A predecessor link, stored on the successor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Relation {
    /// Unique id of the link itself.
    pub uid: i32,
    /// The predecessor task's unique id.
    pub predecessor_uid: i32,
    /// Link type.
    pub kind: RelationKind,
    /// Lag (negative = lead). A percent lag keeps its percentage in `minutes`.
    pub lag: Duration,
}

/// Saved baseline values of a task or an assignment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Baseline {
    /// 0 = Baseline, 1–10 = Baseline1–10.
    pub number: u8,
    /// Baseline start.
    pub start: Option<DateTime>,
    /// Baseline finish.
    pub finish: Option<DateTime>,
    /// Baseline duration.
    pub duration: Option<Duration>,
    /// Baseline work in minutes.
    pub work: Option<f64>,
    /// Baseline cost.
    pub cost: Option<f64>,
}

/// One task.
#[derive(Debug, Clone, PartialEq, Default)]
#[allow(missing_docs)] // Field names are Project's own field names.
pub struct Task {
    pub uid: i32,
    pub id: i32,
    pub guid: Option<Guid>,
    pub name: Option<String>,
    pub is_null: bool,
    pub active: bool,
    pub manual: bool,
    /// 0 fixed units, 1 fixed duration, 2 fixed work.
    pub task_type: u16,
    pub created: Option<DateTime>,
    pub contact: Option<String>,
    pub wbs: Option<DottedCode>,
    pub outline_number: Option<DottedCode>,
    pub outline_level: u16,
    pub parent_uid: Option<i32>,
    pub priority: u16,
    pub start: Option<DateTime>,
    pub finish: Option<DateTime>,
    pub duration: Option<Duration>,
    pub manual_start: Option<DateTime>,
    pub manual_finish: Option<DateTime>,
    pub manual_duration: Option<Duration>,
    /// Text a manually scheduled task shows instead of a start date (may be empty).
    pub start_text: Option<String>,
    /// Text a manually scheduled task shows instead of a finish date (may be empty).
    pub finish_text: Option<String>,
    /// Text a manually scheduled task shows instead of a duration (may be empty).
    pub duration_text: Option<String>,
    pub estimated: bool,
    /// How the duration is shown, as MSPDI's `DurationFormat` code: the unit, +32 when
    /// estimated, 21 (53 estimated) for "the project's default unit". Read as the file
    /// stores it (Project 2010 and later store 53 where 2000–2007 stored 39 for the same
    /// "1 day?"); the derivation step fills it for tasks that store none.
    pub duration_format: Option<u16>,
    /// `FreeformDurationFormat`, which only Project 2016 and later builds write; set by the
    /// derivation step for files they saved.
    pub freeform_duration_format: Option<u16>,
    pub work: Option<f64>,
    pub stop: Option<DateTime>,
    pub resume: Option<DateTime>,
    pub effort_driven: bool,
    pub recurring: bool,
    pub over_allocated: bool,
    pub milestone: bool,
    pub summary: bool,
    pub critical: bool,
    pub is_subproject: bool,
    pub is_subproject_read_only: bool,
    pub subproject_file: Option<String>,
    pub external_task: bool,
    pub early_start: Option<DateTime>,
    pub early_finish: Option<DateTime>,
    pub late_start: Option<DateTime>,
    pub late_finish: Option<DateTime>,
    pub start_variance: Option<Duration>,
    pub finish_variance: Option<Duration>,
    pub work_variance: Option<f64>,
    pub free_slack: Option<Duration>,
    pub total_slack: Option<Duration>,
    pub start_slack: Option<Duration>,
    pub finish_slack: Option<Duration>,
    pub fixed_cost: Option<f64>,
    /// 1 start, 2 end, 3 prorated.
    pub fixed_cost_accrual: u16,
    pub percent_complete: Option<f64>,
    pub percent_work_complete: Option<f64>,
    pub physical_percent_complete: Option<f64>,
    pub cost: Option<f64>,
    pub overtime_cost: Option<f64>,
    pub overtime_work: Option<f64>,
    pub actual_start: Option<DateTime>,
    pub actual_finish: Option<DateTime>,
    pub actual_duration: Option<Duration>,
    pub actual_cost: Option<f64>,
    pub actual_overtime_cost: Option<f64>,
    pub actual_work: Option<f64>,
    pub actual_overtime_work: Option<f64>,
    pub regular_work: Option<f64>,
    pub remaining_duration: Option<Duration>,
    pub remaining_cost: Option<f64>,
    pub remaining_work: Option<f64>,
    pub remaining_overtime_cost: Option<f64>,
    pub remaining_overtime_work: Option<f64>,
    pub acwp: Option<f64>,
    pub cv: Option<f64>,
    pub bcws: Option<f64>,
    pub bcwp: Option<f64>,
    /// 0 ASAP, 1 ALAP, 2 MSO, 3 MFO, 4 SNET, 5 SNLT, 6 FNET, 7 FNLT.
    pub constraint_type: u16,
    pub constraint_date: Option<DateTime>,
    /// Task calendar; `None` when the task has none.
    pub calendar_uid: Option<i32>,
    pub deadline: Option<DateTime>,
    pub level_assignments: bool,
    pub leveling_can_split: bool,
    pub leveling_delay: Option<Duration>,
    pub preleveled_start: Option<DateTime>,
    pub preleveled_finish: Option<DateTime>,
    pub hyperlink: Option<String>,
    pub hyperlink_address: Option<String>,
    pub hyperlink_sub_address: Option<String>,
    pub hyperlink_screen_tip: Option<String>,
    pub ignore_resource_calendar: bool,
    /// Plain text (RTF already stripped).
    pub notes: Option<String>,
    pub hide_bar: bool,
    pub rollup: bool,
    pub expanded: bool,
    pub marked: bool,
    /// 0 percent complete, 1 physical percent complete.
    pub earned_value_method: u16,
    pub is_published: bool,
    pub predecessors: Vec<Relation>,
    pub custom_values: Vec<CustomFieldValue>,
    pub baselines: Vec<Baseline>,
}

/// A resource working on a task.
#[derive(Debug, Clone, PartialEq, Default)]
#[allow(missing_docs)] // Field names are Project's own field names.
pub struct Assignment {
    pub uid: i32,
    pub guid: Option<Guid>,
    pub task_uid: i32,
    /// -65535 for "no resource".
    pub resource_uid: i32,
    pub percent_work_complete: Option<f64>,
    pub actual_cost: Option<f64>,
    pub actual_finish: Option<DateTime>,
    pub actual_overtime_cost: Option<f64>,
    pub actual_overtime_work: Option<f64>,
    pub actual_start: Option<DateTime>,
    pub actual_work: Option<f64>,
    pub acwp: Option<f64>,
    pub confirmed: bool,
    pub cost: Option<f64>,
    /// 0–4 = tables A–E.
    pub cost_rate_table: u16,
    pub cost_variance: Option<f64>,
    pub cv: Option<f64>,
    pub delay: Option<Duration>,
    pub finish: Option<DateTime>,
    pub finish_variance: Option<Duration>,
    pub work_variance: Option<f64>,
    pub hyperlink: Option<String>,
    pub hyperlink_address: Option<String>,
    pub hyperlink_sub_address: Option<String>,
    pub leveling_delay: Option<Duration>,
    pub linked_fields: bool,
    pub milestone: bool,
    pub notes: Option<String>,
    pub overallocated: bool,
    pub overtime_cost: Option<f64>,
    pub overtime_work: Option<f64>,
    pub regular_work: Option<f64>,
    pub remaining_cost: Option<f64>,
    pub remaining_overtime_cost: Option<f64>,
    pub remaining_overtime_work: Option<f64>,
    pub remaining_work: Option<f64>,
    pub response_pending: bool,
    pub start: Option<DateTime>,
    pub stop: Option<DateTime>,
    pub resume: Option<DateTime>,
    pub start_variance: Option<Duration>,
    /// 1.0 = 100 %.
    pub units: Option<f64>,
    pub update_needed: bool,
    pub vac: Option<f64>,
    pub work: Option<f64>,
    /// 0 flat … 8 contoured.
    pub work_contour: u16,
    pub bcws: Option<f64>,
    pub bcwp: Option<f64>,
    pub created: Option<DateTime>,
    pub budget_cost: Option<f64>,
    pub budget_work: Option<f64>,
    /// Rate scale code of a variable-rate material assignment; `None` = fixed units.
    pub variable_rate_units: Option<u16>,
    /// Actual work entered through Project Server (protected from edits).
    pub actual_work_protected: Option<f64>,
    pub actual_overtime_work_protected: Option<f64>,
    pub custom_values: Vec<CustomFieldValue>,
    pub baselines: Vec<Baseline>,
    /// Remaining work as the file stores it over time (blocks of constant rate); empty
    /// when the file stores none.
    pub timephased_remaining: Vec<super::TimephasedBlock>,
    /// Actual work as the file stores it over time.
    pub timephased_actual: Vec<super::TimephasedBlock>,
    /// Stored timephased actual overtime work, when the file keeps it apart.
    pub timephased_actual_overtime: Vec<super::TimephasedBlock>,
}
