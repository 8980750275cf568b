//! The viewer's plan: every task and resource of a project, with what the table, the Gantt
//! chart, the details panel and the resource sheet show.
//!
//! Dates are local wall-clock text `YYYY-MM-DDTHH:MM:SS` (Project's dates have no time zone);
//! durations keep their number and unit so the page words them in its language. The plan is
//! bounded whatever the file says: notes, custom fields and per-task lists are cut at the
//! limits below (and [`Plan::clipped`] says so), so a hostile file cannot make the message to
//! the page much larger than the project itself.

use serde::{Deserialize, Serialize};

/// Notes longer than this many bytes are cut (at a character boundary).
pub const MAX_NOTES_BYTES: usize = 4096;
/// Custom fields kept per task.
pub const MAX_CUSTOM_FIELDS: usize = 32;
/// Bytes kept of a name, a custom field's text or any other short text.
pub const MAX_TEXT_BYTES: usize = 512;
/// Predecessor links kept per task.
pub const MAX_LINKS: usize = 256;
/// Resources kept per task.
pub const MAX_ASSIGNED: usize = 64;
/// Calendar exceptions kept (each one a run of days).
pub const MAX_EXCEPTIONS: usize = 4096;

/// What the viewer shows of one project.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// The project's title (or name); may be empty.
    pub title: String,
    /// Project start.
    pub start: Option<String>,
    /// Project finish.
    pub finish: Option<String>,
    /// Status date.
    pub status_date: Option<String>,
    /// Current date as saved in the file.
    pub current_date: Option<String>,
    /// Currency symbol for costs and rates.
    pub currency_symbol: String,
    /// The symbol goes after the number.
    pub currency_after: bool,
    /// The project calendar's working days, for shading non-working time.
    pub calendar: WorkCalendar,
    /// Every task in ID order (blank rows and the project summary task left out).
    pub tasks: Vec<PlanTask>,
    /// Every resource in ID order (blank rows and resource 0 left out).
    pub resources: Vec<PlanResource>,
    /// Something was cut to the limits of this module (long notes, many custom fields…).
    pub clipped: bool,
}

/// The project calendar, as far as the Gantt chart shades it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkCalendar {
    /// The calendar's name.
    pub name: String,
    /// Working weekdays, Sunday first.
    pub working_days: [bool; 7],
    /// Days that differ from the week, in date order.
    pub exceptions: Vec<DayException>,
}

impl Default for WorkCalendar {
    /// Project's standard calendar: Monday to Friday.
    fn default() -> Self {
        Self {
            name: String::new(),
            working_days: [false, true, true, true, true, true, false],
            exceptions: Vec::new(),
        }
    }
}

/// A run of days that are working or not, whatever the week says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DayException {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, `YYYY-MM-DD`, included.
    pub to: String,
    /// The days are working days (with their own hours).
    pub working: bool,
}

/// A number in a unit: a duration or a lag.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// The number in its unit, rounded to two decimals.
    pub value: f64,
    /// `min`, `h`, `d`, `w`, `mo` or `%`, with an `e` in front when elapsed (`ed`).
    pub unit: String,
}

impl Span {
    /// A span of `value` `unit`s.
    pub fn new(value: f64, unit: &str) -> Self {
        Self {
            value,
            unit: unit.to_owned(),
        }
    }
}

/// How a task is linked to its predecessor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LinkKind {
    /// Finish-to-start.
    #[default]
    #[serde(rename = "FS")]
    FinishStart,
    /// Start-to-start.
    #[serde(rename = "SS")]
    StartStart,
    /// Finish-to-finish.
    #[serde(rename = "FF")]
    FinishFinish,
    /// Start-to-finish.
    #[serde(rename = "SF")]
    StartFinish,
}

impl LinkKind {
    /// From MSPDI's (and MPP's) `Type` code: 0 FF, 1 FS, 2 SF, 3 SS.
    pub fn from_code(code: u16) -> Self {
        match code {
            0 => Self::FinishFinish,
            2 => Self::StartFinish,
            3 => Self::StartStart,
            _ => Self::FinishStart,
        }
    }

    /// The two letters Project shows.
    pub fn letters(self) -> &'static str {
        match self {
            Self::FinishStart => "FS",
            Self::StartStart => "SS",
            Self::FinishFinish => "FF",
            Self::StartFinish => "SF",
        }
    }
}

/// A predecessor of a task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    /// The predecessor's unique ID.
    pub uid: i32,
    /// Link type.
    pub kind: LinkKind,
    /// Lag (negative: lead); `None` when there is none.
    pub lag: Option<Span>,
}

/// A resource assigned to a task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assigned {
    /// The resource's name.
    pub name: String,
    /// Units, 1.0 = 100 %.
    pub units: Option<f64>,
}

/// A custom field's value, typed so the page words it in its language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "camelCase")]
pub enum CustomValue {
    /// Text, or an outline code's text.
    Text(String),
    /// A number.
    Number(f64),
    /// A cost in currency units.
    Cost(f64),
    /// A date, `YYYY-MM-DDTHH:MM:SS`.
    Date(String),
    /// A duration.
    Duration(Span),
    /// Yes or no.
    Flag(bool),
}

/// A custom field in use on a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomField {
    /// The field's alias, else Project's name of it (`Text1`).
    pub name: String,
    /// Its value.
    pub value: CustomValue,
}

/// One task row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanTask {
    /// Task ID (the row number).
    pub id: i32,
    /// Unique ID (what links refer to).
    pub uid: i32,
    /// Name; may be empty.
    pub name: String,
    /// Outline level, 1 for top-level tasks.
    pub outline_level: u16,
    /// A summary task.
    pub summary: bool,
    /// A milestone.
    pub milestone: bool,
    /// On the critical path.
    pub critical: bool,
    /// The user asked for no Gantt bar.
    pub hide_bar: bool,
    /// Start.
    pub start: Option<String>,
    /// Finish.
    pub finish: Option<String>,
    /// Baseline start.
    pub baseline_start: Option<String>,
    /// Baseline finish.
    pub baseline_finish: Option<String>,
    /// Duration in its unit.
    pub duration: Option<Span>,
    /// Percent complete, 0–100.
    pub percent_complete: f64,
    /// Work in hours.
    pub work_hours: Option<f64>,
    /// Cost in currency units.
    pub cost: Option<f64>,
    /// Notes as plain text, at most [`MAX_NOTES_BYTES`].
    pub notes: String,
    /// Predecessors, at most [`MAX_LINKS`].
    pub predecessors: Vec<Link>,
    /// Assigned resources in assignment order, at most [`MAX_ASSIGNED`].
    pub resources: Vec<Assigned>,
    /// Custom fields with a value, at most [`MAX_CUSTOM_FIELDS`].
    pub custom: Vec<CustomField>,
}

/// What kind of resource.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResourceKind {
    /// People and equipment.
    #[default]
    Work,
    /// Consumables.
    Material,
    /// A cost item.
    Cost,
}

/// One resource row of the resource sheet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanResource {
    /// Resource ID.
    pub id: i32,
    /// Unique ID.
    pub uid: i32,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: ResourceKind,
    /// Group.
    pub group: String,
    /// Maximum units (work resources), 1.0 = 100 %.
    pub max_units: Option<f64>,
    /// Standard rate, currency per hour.
    pub standard_rate: Option<f64>,
    /// Overtime rate, currency per hour.
    pub overtime_rate: Option<f64>,
    /// Cost, currency.
    pub cost: Option<f64>,
    /// Work in hours.
    pub work_hours: Option<f64>,
    /// Assignments to tasks.
    pub assignments: u32,
}

/// `text` cut to at most `max` bytes at a character boundary, with an ellipsis when cut;
/// `clipped` is set when it was.
pub fn clip(text: &str, max: usize, clipped: &mut bool) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    *clipped = true;
    let mut end = max.saturating_sub('…'.len_utf8());
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = text.get(..end).unwrap_or_default().to_owned();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_at_a_character_boundary_and_says_so() {
        let mut clipped = false;
        assert_eq!(clip("short", 10, &mut clipped), "short");
        assert!(!clipped);
        let long = "ação".repeat(100);
        let cut = clip(&long, 11, &mut clipped);
        assert!(clipped);
        assert!(cut.len() <= 11, "{cut}");
        assert!(cut.ends_with('…'));
        assert!(long.starts_with(cut.trim_end_matches('…')));
    }

    #[test]
    fn link_codes_are_mspdis() {
        let kinds: Vec<&str> = (0..4).map(|c| LinkKind::from_code(c).letters()).collect();
        assert_eq!(kinds, ["FF", "FS", "SF", "SS"]);
        assert_eq!(LinkKind::from_code(99), LinkKind::FinishStart);
    }
}
