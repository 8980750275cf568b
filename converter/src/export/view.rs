//! What the tabular formats share: which tasks are listed and under which ID, the
//! predecessor and resource columns, the custom fields in use, and how values read as text.

use crate::error::ConvertError;
use crate::model::{
    CustomValue, DateTime, Duration, FieldClass, Project, ProjectProperties, RelationKind, Task,
    TimeUnit,
};
use foldhash::HashMap;
use std::fmt::Write as _;

/// ISO 8601 local date and time, the form every format writes dates in as text.
pub fn iso(date: DateTime) -> String {
    date.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Project's abbreviation of a duration unit, and whether it counts elapsed time.
pub fn unit_suffix(unit: TimeUnit) -> &'static str {
    match TimeUnit(unit.0 & !0x20) {
        TimeUnit::MINUTES => "m",
        TimeUnit::ELAPSED_MINUTES => "em",
        TimeUnit::HOURS => "h",
        TimeUnit::ELAPSED_HOURS => "eh",
        TimeUnit::DAYS => "d",
        TimeUnit::ELAPSED_DAYS => "ed",
        TimeUnit::WEEKS => "w",
        TimeUnit::ELAPSED_WEEKS => "ew",
        TimeUnit::MONTHS => "mo",
        TimeUnit::ELAPSED_MONTHS => "emo",
        TimeUnit::PERCENT => "%",
        TimeUnit::ELAPSED_PERCENT => "e%",
        _ => "d",
    }
}

/// A duration in the unit it is shown in, as Project shows it: the amount and the unit's
/// abbreviation. A unit that is not a time (the project default) shows in the project's
/// default unit; a percent lag keeps its percentage.
pub fn in_unit(props: &ProjectProperties, d: Duration) -> (f64, &'static str) {
    let mut unit = TimeUnit(d.unit.0 & !0x20);
    if matches!(unit, TimeUnit::PERCENT | TimeUnit::ELAPSED_PERCENT) {
        return (d.minutes, unit_suffix(unit));
    }
    if props.minutes_per(unit).is_none() {
        unit = TimeUnit(props.duration_format & !0x20);
    }
    match props.minutes_per(unit) {
        Some(per) if per > 0.0 => (d.minutes / per, unit_suffix(unit)),
        _ => (d.minutes / 60.0, "h"),
    }
}

/// A number without trailing zeros, to two decimals (durations as Project shows them).
pub fn short_number(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    let mut text = format!("{rounded:.2}");
    while text.ends_with('0') {
        text.pop();
    }
    if text.ends_with('.') {
        text.pop();
    }
    if text == "-0" { "0".to_owned() } else { text }
}

/// Hours of a span of minutes, the unit the tabular formats give work and durations in.
pub fn hours(minutes: f64) -> f64 {
    minutes / 60.0
}

/// The link type as Project abbreviates it in the Predecessors column.
fn link_code(kind: RelationKind) -> &'static str {
    match kind {
        RelationKind::FinishFinish => "FF",
        RelationKind::FinishStart => "FS",
        RelationKind::StartFinish => "SF",
        RelationKind::StartStart => "SS",
    }
}

/// A custom field column: the field and the header it is shown under (its alias when it
/// has one, Project's own name otherwise).
pub struct CustomColumn {
    pub field_id: u32,
    pub header: String,
}

/// Counts the characters of text a tabular writer puts in its cells and stops it once they
/// pass the output limit: a long name repeated in every row of a column (resource names on
/// tasks) must not grow the output past what the XML of the same file may be.
pub struct Spend {
    used: u64,
    limit: u64,
}

impl Spend {
    pub fn new(limit: u64) -> Self {
        Self { used: 0, limit }
    }

    /// Charges `bytes` of cell text.
    pub fn charge(&mut self, bytes: usize) -> Result<(), ConvertError> {
        self.used = self
            .used
            .saturating_add(u64::try_from(bytes).unwrap_or(u64::MAX));
        if self.used > self.limit {
            Err(ConvertError::OutputTooLarge { limit: self.limit })
        } else {
            Ok(())
        }
    }
}

/// The rows the tabular formats list and what their derived columns say.
pub struct View<'p> {
    pub project: &'p Project,
    /// Tasks as the XML lists them: external (cross-project) tasks left out, with the ID
    /// each is shown under once the gaps they leave are closed.
    pub tasks: Vec<(&'p Task, i32)>,
    shown_id: HashMap<i32, i32>,
    names: HashMap<i32, &'p str>,
    task_names: HashMap<i32, &'p str>,
}

impl<'p> View<'p> {
    pub fn new(project: &'p Project) -> Self {
        let mut offset = 0;
        let mut tasks = Vec::with_capacity(project.tasks.len());
        for task in &project.tasks {
            if task.external_task {
                offset += 1;
                continue;
            }
            tasks.push((task, task.id.saturating_sub(offset)));
        }
        let shown_id = tasks.iter().map(|(t, id)| (t.uid, *id)).collect();
        let names = project
            .resources
            .iter()
            .map(|r| (r.uid, r.name.as_deref().unwrap_or_default()))
            .collect();
        let task_names = project
            .tasks
            .iter()
            .map(|t| (t.uid, t.name.as_deref().unwrap_or_default()))
            .collect();
        Self {
            project,
            tasks,
            shown_id,
            names,
            task_names,
        }
    }

    /// The ID a task is listed under, when it is listed.
    pub fn task_id(&self, uid: i32) -> Option<i32> {
        self.shown_id.get(&uid).copied()
    }

    /// A resource's name (empty for an unnamed or unknown one).
    pub fn resource_name(&self, uid: i32) -> &'p str {
        self.names.get(&uid).copied().unwrap_or_default()
    }

    /// A task's name (empty for an unnamed or unknown one).
    pub fn task_name(&self, uid: i32) -> &'p str {
        self.task_names.get(&uid).copied().unwrap_or_default()
    }

    /// The Predecessors column as Project shows it: `3FS+2d;5SS`, the type left out when it
    /// is finish-to-start without lag, as Project does. Links to tasks that are not listed
    /// (external ones) are left out.
    pub fn predecessors(&self, task: &Task) -> String {
        let mut text = String::new();
        for link in &task.predecessors {
            let Some(id) = self.task_id(link.predecessor_uid) else {
                continue;
            };
            if !text.is_empty() {
                text.push(';');
            }
            let _ = write!(text, "{id}");
            let (lag, unit) = in_unit(&self.project.properties, link.lag);
            if link.kind != RelationKind::FinishStart || lag != 0.0 {
                text.push_str(link_code(link.kind));
            }
            if lag != 0.0 {
                let sign = if lag > 0.0 { "+" } else { "" };
                let _ = write!(text, "{sign}{}{unit}", short_number(lag));
            }
        }
        text
    }

    /// The names of the resources assigned to each task, in assignment order, joined with
    /// `, ` (the Resource Names column without the units).
    pub fn resource_names(&self) -> HashMap<i32, String> {
        let mut names: HashMap<i32, String> = HashMap::default();
        for a in &self.project.assignments {
            let name = self.resource_name(a.resource_uid);
            if name.is_empty() {
                continue;
            }
            let entry = names.entry(a.task_uid).or_default();
            if !entry.is_empty() {
                entry.push_str(", ");
            }
            entry.push_str(name);
        }
        names
    }

    /// The custom fields of `class` that hold a value somewhere, in field order.
    pub fn custom_columns(&self, class: FieldClass) -> Vec<CustomColumn> {
        let p = self.project;
        let values: Box<dyn Iterator<Item = u32>> = match class {
            FieldClass::Task => Box::new(
                self.tasks
                    .iter()
                    .flat_map(|(t, _)| t.custom_values.iter().map(|v| v.field_id)),
            ),
            FieldClass::Resource => Box::new(
                p.resources
                    .iter()
                    .flat_map(|r| r.custom_values.iter().map(|v| v.field_id)),
            ),
            FieldClass::Assignment => Box::new(
                p.assignments
                    .iter()
                    .flat_map(|a| a.custom_values.iter().map(|v| v.field_id)),
            ),
        };
        let mut ids: Vec<u32> = values.collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .map(|field_id| {
                let def = p.custom_fields.iter().find(|d| d.field_id == field_id);
                let header = def
                    .and_then(|d| d.alias.clone().filter(|a| !a.is_empty()))
                    .or_else(|| def.map(|d| d.name.clone()).filter(|n| !n.is_empty()))
                    .unwrap_or_else(|| format!("Field {field_id}"));
                CustomColumn { field_id, header }
            })
            .collect()
    }
}

/// A custom value as text: dates in ISO 8601, durations as Project shows them, flags as
/// Yes/No.
pub fn custom_text(props: &ProjectProperties, value: &CustomValue) -> String {
    match value {
        CustomValue::Text(t) => t.clone(),
        CustomValue::Number(n) | CustomValue::Cost(n) => n.to_string(),
        CustomValue::Date(d) => iso(*d),
        CustomValue::Duration(d) => {
            let (amount, unit) = in_unit(props, *d);
            format!("{}{unit}", short_number(amount))
        }
        CustomValue::Flag(f) => if *f { "Yes" } else { "No" }.to_owned(),
        CustomValue::LookupValue(v) => v.to_string(),
        CustomValue::OutlineCode { text, .. } => text.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Relation;

    fn task(uid: i32, id: i32) -> Task {
        Task {
            uid,
            id,
            ..Task::default()
        }
    }

    #[test]
    fn predecessors_read_as_project_shows_them() {
        let mut project = Project::default();
        let mut external = task(2, 2);
        external.external_task = true;
        let mut succ = task(4, 4);
        succ.predecessors = vec![
            Relation {
                predecessor_uid: 1,
                ..Relation::default()
            },
            Relation {
                predecessor_uid: 3,
                kind: RelationKind::StartStart,
                lag: Duration::new(960.0, TimeUnit::DAYS),
                ..Relation::default()
            },
            Relation {
                predecessor_uid: 2,
                ..Relation::default()
            },
            Relation {
                predecessor_uid: 1,
                kind: RelationKind::FinishFinish,
                lag: Duration::new(-90.0, TimeUnit::HOURS),
                ..Relation::default()
            },
        ];
        project.tasks = vec![task(1, 1), external, task(3, 3), succ.clone()];
        let view = View::new(&project);
        assert_eq!(view.tasks.len(), 3);
        assert_eq!(
            view.task_id(3),
            Some(2),
            "the external task's gap is closed"
        );
        assert_eq!(view.predecessors(&succ), "1;2SS+2d;1FF-1.5h");
    }

    #[test]
    fn short_numbers_drop_trailing_zeros() {
        assert_eq!(short_number(2.0), "2");
        assert_eq!(short_number(1.5), "1.5");
        assert_eq!(short_number(0.333), "0.33");
        assert_eq!(short_number(-0.0001), "0");
    }
}
