//! The tables the page shows of a converted file, built from the project model.
//!
//! Values are already in display form where the display does not depend on the interface
//! language (names, dates as ISO text); durations keep their number and unit so the page can
//! word them in its language, and carry an English text too.

use converter::model::{Duration, Project, ResourceKind, TimeUnit};
use std::collections::HashMap;

/// One task row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TaskRow {
    /// Task ID (the row number Project shows).
    pub id: i32,
    /// Unique ID.
    pub uid: i32,
    /// Name, empty when the task has none.
    pub name: String,
    /// Outline level, 1 for top-level tasks.
    pub outline_level: u16,
    /// The duration in English, e.g. "5 days", "2.5 hours", "0 days"; empty when none.
    pub duration: String,
    /// The duration's number in its unit.
    pub duration_value: f64,
    /// The duration's unit: `min`, `h`, `d`, `w`, `mo`, `%`, with an `e` before it when
    /// elapsed (`ed`); empty when there is no duration.
    pub duration_unit: &'static str,
    /// Start as `YYYY-MM-DDTHH:MM:SS`, empty when none.
    pub start: String,
    /// Finish as `YYYY-MM-DDTHH:MM:SS`, empty when none.
    pub finish: String,
    /// Percent complete, 0–100.
    pub percent_complete: f64,
    /// Names of the assigned resources, comma-separated, in assignment order.
    pub resources: String,
    /// A summary task.
    pub summary: bool,
    /// A milestone.
    pub milestone: bool,
}

/// One resource row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourceRow {
    /// Resource ID.
    pub id: i32,
    /// Name, empty when none.
    pub name: String,
    /// `work`, `material` or `cost`.
    pub kind: &'static str,
    /// Maximum units as a fraction (1.0 = 100 %), when the resource has them.
    pub max_units: Option<f64>,
}

/// What the page previews.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Preview {
    /// Tasks in ID order, without blank rows and without the project summary task (ID 0).
    pub tasks: Vec<TaskRow>,
    /// Resources in ID order, without blank rows and the hidden resource 0.
    pub resources: Vec<ResourceRow>,
}

impl Preview {
    /// Builds the preview of a project.
    pub fn of(project: &Project) -> Self {
        let props = &project.properties;
        let shape = Calendar {
            props: converter::model::ProjectProperties {
                minutes_per_day: props.minutes_per_day.max(1),
                minutes_per_week: props.minutes_per_week.max(1),
                days_per_month: props.days_per_month.max(1),
                ..Default::default()
            },
            default_unit: TimeUnit(props.duration_format),
        };
        let names: HashMap<i32, &str> = project
            .resources
            .iter()
            .filter_map(|r| Some((r.uid, r.name.as_deref()?)))
            .collect();
        let mut assigned: HashMap<i32, Vec<&str>> = HashMap::new();
        for a in &project.assignments {
            if let Some(name) = names.get(&a.resource_uid) {
                assigned.entry(a.task_uid).or_default().push(name);
            }
        }
        let tasks = project
            .tasks
            .iter()
            .filter(|t| !t.is_null && t.id != 0)
            .map(|t| {
                let duration = t.duration.map(|d| shape.display(d));
                TaskRow {
                    id: t.id,
                    uid: t.uid,
                    name: t.name.clone().unwrap_or_default(),
                    outline_level: t.outline_level.max(1),
                    duration: duration.as_ref().map(english).unwrap_or_default(),
                    duration_value: duration.as_ref().map_or(0.0, |d| d.0),
                    duration_unit: duration.as_ref().map_or("", |d| d.1),
                    start: iso(t.start),
                    finish: iso(t.finish),
                    percent_complete: t.percent_complete.unwrap_or(0.0).clamp(0.0, 100.0),
                    resources: assigned
                        .get(&t.uid)
                        .map(|v| v.join(", "))
                        .unwrap_or_default(),
                    summary: t.summary,
                    milestone: t.milestone,
                }
            })
            .collect();
        let resources = project
            .resources
            .iter()
            .filter(|r| !r.is_null && r.id != 0)
            .map(|r| ResourceRow {
                id: r.id,
                name: r.name.clone().unwrap_or_default(),
                kind: match r.kind {
                    ResourceKind::Work => "work",
                    ResourceKind::Material => "material",
                    ResourceKind::Cost => "cost",
                },
                max_units: match r.kind {
                    ResourceKind::Work => r.max_units,
                    _ => None,
                },
            })
            .collect();
        Self { tasks, resources }
    }
}

fn iso(at: Option<converter::model::DateTime>) -> String {
    at.map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// The project's working-time shape, to show minutes in days, weeks and months.
struct Calendar {
    /// The project's day, week and month lengths (model arithmetic, not repeated here).
    props: converter::model::ProjectProperties,
    default_unit: TimeUnit,
}

impl Calendar {
    /// The number and unit code a duration shows, as Project shows it.
    fn display(&self, d: Duration) -> (f64, &'static str) {
        let unit = if d.unit == TimeUnit::DEFAULT {
            self.default_unit
        } else {
            d.unit
        };
        let code = match unit {
            TimeUnit::MINUTES => "min",
            TimeUnit::ELAPSED_MINUTES => "emin",
            TimeUnit::HOURS => "h",
            TimeUnit::ELAPSED_HOURS => "eh",
            TimeUnit::ELAPSED_DAYS => "ed",
            TimeUnit::WEEKS => "w",
            TimeUnit::ELAPSED_WEEKS => "ew",
            TimeUnit::MONTHS => "mo",
            TimeUnit::ELAPSED_MONTHS => "emo",
            TimeUnit::PERCENT => "%",
            TimeUnit::ELAPSED_PERCENT => "e%",
            _ => "d",
        };
        let shown = if code == "d" { TimeUnit::DAYS } else { unit };
        let value = match self.props.minutes_per(shown) {
            Some(per_unit) => d.minutes / per_unit.max(1.0),
            None => d.minutes,
        };
        ((value * 100.0).round() / 100.0, code)
    }
}

/// The number as Project writes it: no trailing zeros, at most two decimals.
pub fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// English wording of a duration: "1 day", "5 days", "2.5 hours", "3 edays".
fn english(d: &(f64, &'static str)) -> String {
    let (value, code) = *d;
    let one = (value - 1.0).abs() < f64::EPSILON;
    let word = match (code, one) {
        ("%", _) | ("e%", _) => return format!("{}{}", number(value), code),
        ("min", true) => "min",
        ("min", false) => "mins",
        ("emin", true) => "emin",
        ("emin", false) => "emins",
        ("h", true) => "hr",
        ("h", false) => "hrs",
        ("eh", true) => "ehr",
        ("eh", false) => "ehrs",
        ("ed", true) => "eday",
        ("ed", false) => "edays",
        ("w", true) => "wk",
        ("w", false) => "wks",
        ("ew", true) => "ewk",
        ("ew", false) => "ewks",
        ("mo", true) => "mon",
        ("mo", false) => "mons",
        ("emo", true) => "emon",
        ("emo", false) => "emons",
        (_, true) => "day",
        (_, false) => "days",
    };
    format!("{} {word}", number(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use converter::model::{Assignment, Resource, Task};

    fn project() -> Project {
        let mut p = Project::default();
        p.properties.minutes_per_day = 480;
        p.properties.minutes_per_week = 2400;
        p.properties.days_per_month = 20;
        p.properties.duration_format = TimeUnit::DAYS.0;
        let at = |d: u32| {
            chrono::NaiveDate::from_ymd_opt(2024, 1, d).and_then(|d| d.and_hms_opt(8, 0, 0))
        };
        p.tasks = vec![
            Task {
                uid: 0,
                id: 0,
                name: Some("Project".into()),
                summary: true,
                ..Task::default()
            },
            Task {
                uid: 1,
                id: 1,
                name: Some("Phase".into()),
                outline_level: 1,
                summary: true,
                duration: Some(Duration::new(2400.0, TimeUnit::DAYS)),
                start: at(1),
                finish: at(5),
                percent_complete: Some(50.0),
                ..Task::default()
            },
            Task {
                uid: 2,
                id: 2,
                name: Some("Build".into()),
                outline_level: 2,
                duration: Some(Duration::new(480.0, TimeUnit::DEFAULT)),
                start: at(1),
                finish: at(1),
                percent_complete: Some(100.0),
                ..Task::default()
            },
            Task {
                uid: 3,
                id: 3,
                is_null: true,
                ..Task::default()
            },
            Task {
                uid: 4,
                id: 4,
                name: Some("Done".into()),
                outline_level: 2,
                milestone: true,
                duration: Some(Duration::new(0.0, TimeUnit::DAYS)),
                start: at(5),
                finish: at(5),
                ..Task::default()
            },
            Task {
                uid: 5,
                id: 5,
                name: Some("Review".into()),
                outline_level: 2,
                duration: Some(Duration::new(150.0, TimeUnit::HOURS)),
                ..Task::default()
            },
        ];
        p.resources = vec![
            Resource {
                uid: 0,
                id: 0,
                name: Some("Unassigned".into()),
                ..Resource::default()
            },
            Resource {
                uid: 7,
                id: 1,
                name: Some("Ana".into()),
                max_units: Some(1.0),
                ..Resource::default()
            },
            Resource {
                uid: 8,
                id: 2,
                name: Some("Bruno".into()),
                max_units: Some(0.5),
                ..Resource::default()
            },
            Resource {
                uid: 9,
                id: 3,
                name: Some("Cement".into()),
                kind: ResourceKind::Material,
                max_units: Some(1.0),
                ..Resource::default()
            },
        ];
        p.assignments = vec![
            Assignment {
                uid: 1,
                task_uid: 2,
                resource_uid: 7,
                ..Assignment::default()
            },
            Assignment {
                uid: 2,
                task_uid: 2,
                resource_uid: 8,
                ..Assignment::default()
            },
            Assignment {
                uid: 3,
                task_uid: 5,
                resource_uid: -65535,
                ..Assignment::default()
            },
        ];
        p
    }

    #[test]
    fn tasks_skip_blank_rows_and_the_project_summary() {
        let preview = Preview::of(&project());
        let ids: Vec<i32> = preview.tasks.iter().map(|t| t.id).collect();
        assert_eq!(ids, [1, 2, 4, 5]);
        let levels: Vec<u16> = preview.tasks.iter().map(|t| t.outline_level).collect();
        assert_eq!(levels, [1, 2, 2, 2]);
    }

    #[test]
    fn durations_are_shown_in_their_unit() {
        let preview = Preview::of(&project());
        let texts: Vec<&str> = preview.tasks.iter().map(|t| t.duration.as_str()).collect();
        assert_eq!(texts, ["5 days", "1 day", "0 days", "2.5 hrs"]);
        assert_eq!(preview.tasks[0].duration_unit, "d");
        assert_eq!(preview.tasks[3].duration_unit, "h");
        assert!((preview.tasks[3].duration_value - 2.5).abs() < 1e-9);
    }

    #[test]
    fn rows_carry_dates_progress_flags_and_resource_names() {
        let preview = Preview::of(&project());
        let build = &preview.tasks[1];
        assert_eq!(build.start, "2024-01-01T08:00:00");
        assert_eq!(build.resources, "Ana, Bruno");
        assert!((build.percent_complete - 100.0).abs() < 1e-9);
        assert!(preview.tasks[0].summary);
        assert!(preview.tasks[2].milestone);
        assert_eq!(preview.tasks[3].start, "");
        assert_eq!(
            preview.tasks[3].resources, "",
            "the no-resource placeholder is not named"
        );
    }

    #[test]
    fn resources_skip_resource_zero_and_keep_units_of_work_resources() {
        let preview = Preview::of(&project());
        let rows: Vec<(i32, &str, &str, Option<f64>)> = preview
            .resources
            .iter()
            .map(|r| (r.id, r.name.as_str(), r.kind, r.max_units))
            .collect();
        assert_eq!(
            rows,
            [
                (1, "Ana", "work", Some(1.0)),
                (2, "Bruno", "work", Some(0.5)),
                (3, "Cement", "material", None)
            ]
        );
    }

    #[test]
    fn numbers_drop_trailing_zeros() {
        assert_eq!(number(5.0), "5");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(1.234), "1.23");
        assert_eq!(number(-0.001), "0");
    }
}
