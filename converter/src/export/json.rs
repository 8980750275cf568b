//! JSON: the model as programs want it, in a schema of its own that stays the same across
//! releases however the model changes inside (`converter/schema/mpp2xml-project.schema.json`,
//! which the tests validate every output against).
//!
//! Conventions, the same for every entity: dates are ISO 8601 local date-times without a
//! time zone (Project stores none); durations are objects `{ "minutes": …, "unit": … }`
//! with the length in working minutes and the unit Project shows them in (`d`, `h`, `ew`, …);
//! work is in minutes (`*_minutes`); costs in the project's currency; percentages 0–100;
//! units as fractions (1.0 = 100 %). Absent values are left out; `null` only stands for a
//! number the file holds that is not one (NaN), which JSON cannot write.
//! `schema_version` changes only when a field changes meaning or is removed; new fields are
//! added within a version.

use super::view::{View, in_unit, iso};
use crate::error::ConvertError;
use crate::model::{
    Assignment, Calendar, CustomFieldValue, CustomValue, DateTime, DayHours, Duration, Project,
    ProjectProperties, Resource, ResourceKind, Task,
};
use serde::Serialize;

/// The version of the JSON schema this engine writes.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON Schema the output follows, for callers that publish or check it.
pub const SCHEMA: &str = include_str!("../../schema/mpp2xml-project.schema.json");

#[derive(Serialize)]
struct Document<'p> {
    schema_version: u32,
    generator: String,
    properties: Properties<'p>,
    calendars: Vec<CalendarOut<'p>>,
    custom_fields: Vec<CustomField<'p>>,
    tasks: Vec<TaskOut<'p>>,
    resources: Vec<ResourceOut<'p>>,
    assignments: Vec<AssignmentOut>,
}

#[derive(Serialize)]
struct DurationOut {
    minutes: f64,
    unit: &'static str,
}

fn duration(props: &ProjectProperties, d: Option<Duration>) -> Option<DurationOut> {
    d.map(|d| DurationOut {
        minutes: d.minutes,
        unit: in_unit(props, d).1,
    })
}

fn date(d: Option<DateTime>) -> Option<String> {
    d.map(iso)
}

#[derive(Serialize)]
struct Properties<'p> {
    #[serde(skip_serializing_if = "Option::is_none")]
    file_format: Option<u8>,
    template: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    application: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    company: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    manager: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    guid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    creation_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_saved: Option<String>,
    schedule_from_start: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finish_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    calendar_name: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    currency_symbol: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    currency_code: Option<&'p str>,
    currency_digits: u16,
    minutes_per_day: u32,
    minutes_per_week: u32,
    days_per_month: u32,
    week_start_day: u16,
}

#[derive(Serialize)]
struct Range {
    start: String,
    end: String,
}

#[derive(Serialize)]
struct Day {
    /// `default` (inherited), `nonworking` or `working`.
    kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ranges: Vec<Range>,
}

#[derive(Serialize)]
struct Exception<'p> {
    from: String,
    to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'p str>,
    working: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ranges: Vec<Range>,
    recurring: bool,
}

#[derive(Serialize)]
struct CalendarOut<'p> {
    uid: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    base_calendar_uid: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_uid: Option<i32>,
    /// Sunday first.
    days: Vec<Day>,
    exceptions: Vec<Exception<'p>>,
}

fn ranges(list: &[crate::model::TimeRange]) -> Vec<Range> {
    list.iter()
        .map(|r| Range {
            start: r.start.format("%H:%M").to_string(),
            end: r.end.format("%H:%M").to_string(),
        })
        .collect()
}

fn calendar(c: &Calendar) -> CalendarOut<'_> {
    CalendarOut {
        uid: c.uid,
        name: c.name.as_deref(),
        base_calendar_uid: c.base_calendar_uid,
        resource_uid: c.resource_uid,
        days: c
            .days
            .iter()
            .map(|d| match d {
                DayHours::Default => Day {
                    kind: "default",
                    ranges: Vec::new(),
                },
                DayHours::NonWorking => Day {
                    kind: "nonworking",
                    ranges: Vec::new(),
                },
                DayHours::Working(list) => Day {
                    kind: "working",
                    ranges: ranges(list),
                },
            })
            .collect(),
        exceptions: c
            .exceptions
            .iter()
            .map(|e| Exception {
                from: iso(e.from),
                to: iso(e.to),
                name: e.name.as_deref(),
                working: !e.working_times.is_empty(),
                ranges: ranges(&e.working_times),
                recurring: e.recurrence.is_some(),
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct CustomField<'p> {
    field_id: u32,
    entity: &'static str,
    name: &'p str,
    #[serde(skip_serializing_if = "Option::is_none")]
    alias: Option<&'p str>,
}

fn entity_of(field_id: u32) -> &'static str {
    match field_id >> 16 {
        0x0B40 => "task",
        0x0C40 => "resource",
        0x0F40 => "assignment",
        _ => "other",
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum ValueOut {
    Text(String),
    Number(f64),
    Flag(bool),
    Duration(DurationOut),
}

#[derive(Serialize)]
struct CustomOut {
    field_id: u32,
    /// `text`, `number`, `cost`, `date`, `duration`, `flag`, `lookup` or `outline_code`.
    #[serde(rename = "type")]
    kind: &'static str,
    value: ValueOut,
}

fn customs(props: &ProjectProperties, values: &[CustomFieldValue]) -> Vec<CustomOut> {
    values
        .iter()
        .map(|v| {
            let (kind, value) = match &v.value {
                CustomValue::Text(t) => ("text", ValueOut::Text(t.clone())),
                CustomValue::Number(n) => ("number", ValueOut::Number(*n)),
                CustomValue::Cost(n) => ("cost", ValueOut::Number(*n)),
                CustomValue::Date(d) => ("date", ValueOut::Text(iso(*d))),
                CustomValue::Duration(d) => (
                    "duration",
                    ValueOut::Duration(DurationOut {
                        minutes: d.minutes,
                        unit: in_unit(props, *d).1,
                    }),
                ),
                CustomValue::Flag(f) => ("flag", ValueOut::Flag(*f)),
                CustomValue::LookupValue(id) => ("lookup", ValueOut::Number(f64::from(*id))),
                CustomValue::OutlineCode { text, .. } => {
                    ("outline_code", ValueOut::Text(text.clone()))
                }
            };
            CustomOut {
                field_id: v.field_id,
                kind,
                value,
            }
        })
        .collect()
}

#[derive(Serialize)]
struct Link {
    predecessor_uid: i32,
    /// `FS`, `SS`, `FF` or `SF`.
    #[serde(rename = "type")]
    kind: &'static str,
    lag: DurationOut,
}

#[derive(Serialize)]
struct TaskOut<'p> {
    uid: i32,
    id: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wbs: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outline_number: Option<String>,
    outline_level: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_uid: Option<i32>,
    summary: bool,
    milestone: bool,
    manual: bool,
    active: bool,
    is_null: bool,
    critical: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finish: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<DurationOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    work_minutes: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    percent_complete: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual_start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual_finish: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deadline: Option<String>,
    constraint_type: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    constraint_date: Option<String>,
    priority: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    calendar_uid: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<&'p str>,
    predecessors: Vec<Link>,
    custom_fields: Vec<CustomOut>,
}

fn link_kind(kind: crate::model::RelationKind) -> &'static str {
    use crate::model::RelationKind as K;
    match kind {
        K::FinishFinish => "FF",
        K::FinishStart => "FS",
        K::StartFinish => "SF",
        K::StartStart => "SS",
    }
}

fn task<'p>(props: &ProjectProperties, t: &'p Task, id: i32) -> TaskOut<'p> {
    TaskOut {
        uid: t.uid,
        id,
        name: t.name.as_deref(),
        wbs: t.wbs.as_ref().map(ToString::to_string),
        outline_number: t.outline_number.as_ref().map(ToString::to_string),
        outline_level: t.outline_level,
        parent_uid: t.parent_uid,
        summary: t.summary,
        milestone: t.milestone,
        manual: t.manual,
        active: t.active,
        is_null: t.is_null,
        critical: t.critical,
        start: date(t.start),
        finish: date(t.finish),
        duration: duration(props, t.duration),
        work_minutes: t.work,
        cost: t.cost,
        percent_complete: t.percent_complete,
        actual_start: date(t.actual_start),
        actual_finish: date(t.actual_finish),
        deadline: date(t.deadline),
        constraint_type: t.constraint_type,
        constraint_date: date(t.constraint_date),
        priority: t.priority,
        calendar_uid: t.calendar_uid,
        notes: t.notes.as_deref().filter(|n| !n.is_empty()),
        predecessors: t
            .predecessors
            .iter()
            .map(|l| Link {
                predecessor_uid: l.predecessor_uid,
                kind: link_kind(l.kind),
                lag: DurationOut {
                    minutes: l.lag.minutes,
                    unit: in_unit(props, l.lag).1,
                },
            })
            .collect(),
        custom_fields: customs(props, &t.custom_values),
    }
}

#[derive(Serialize)]
struct ResourceOut<'p> {
    uid: i32,
    id: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'p str>,
    /// `work`, `material` or `cost`.
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    initials: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_address: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    material_label: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_units: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    standard_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    overtime_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost_per_use: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    work_minutes: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    calendar_uid: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<&'p str>,
    custom_fields: Vec<CustomOut>,
}

fn resource<'p>(props: &ProjectProperties, r: &'p Resource) -> ResourceOut<'p> {
    ResourceOut {
        uid: r.uid,
        id: r.id,
        name: r.name.as_deref(),
        kind: match r.kind {
            ResourceKind::Work => "work",
            ResourceKind::Material => "material",
            ResourceKind::Cost => "cost",
        },
        initials: r.initials.as_deref(),
        group: r.group.as_deref(),
        email_address: r.email_address.as_deref(),
        material_label: r.material_label.as_deref(),
        max_units: r.max_units,
        standard_rate: r.standard_rate,
        overtime_rate: r.overtime_rate,
        cost_per_use: r.cost_per_use,
        work_minutes: r.work,
        cost: r.cost,
        calendar_uid: r.calendar_uid,
        notes: r.notes.as_deref().filter(|n| !n.is_empty()),
        custom_fields: customs(props, &r.custom_values),
    }
}

#[derive(Serialize)]
struct AssignmentOut {
    uid: i32,
    task_uid: i32,
    /// -65535 when the assignment has no resource.
    resource_uid: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    units: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    work_minutes: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual_work_minutes: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remaining_work_minutes: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finish: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delay: Option<DurationOut>,
    work_contour: u16,
    custom_fields: Vec<CustomOut>,
}

fn assignment(props: &ProjectProperties, a: &Assignment) -> AssignmentOut {
    AssignmentOut {
        uid: a.uid,
        task_uid: a.task_uid,
        resource_uid: a.resource_uid,
        units: a.units,
        work_minutes: a.work,
        actual_work_minutes: a.actual_work,
        remaining_work_minutes: a.remaining_work,
        cost: a.cost,
        start: date(a.start),
        finish: date(a.finish),
        delay: duration(props, a.delay),
        work_contour: a.work_contour,
        custom_fields: customs(props, &a.custom_values),
    }
}

/// Writes `project` as JSON, at most `limit` bytes.
pub fn write(project: &Project, limit: u64) -> Result<Vec<u8>, ConvertError> {
    let view = View::new(project);
    let props = &project.properties;
    let p = props;
    let doc = Document {
        schema_version: SCHEMA_VERSION,
        generator: format!("mpp2xml {}", env!("CARGO_PKG_VERSION")),
        properties: Properties {
            file_format: p.file_format.map(|f| f.number()),
            template: p.template,
            application: p.application.as_deref(),
            title: p.title.as_deref(),
            subject: p.subject.as_deref(),
            author: p.author.as_deref(),
            company: p.company.as_deref(),
            manager: p.manager.as_deref(),
            guid: p.guid.map(|g| g.to_string()),
            creation_date: date(p.creation_date),
            last_saved: date(p.last_saved),
            schedule_from_start: p.schedule_from_start,
            start_date: date(p.start_date),
            finish_date: date(p.finish_date),
            status_date: date(p.status_date),
            calendar_name: p.calendar_name.as_deref(),
            currency_symbol: p.currency_symbol.as_deref(),
            currency_code: p.currency_code.as_deref(),
            currency_digits: p.currency_digits,
            minutes_per_day: p.minutes_per_day,
            minutes_per_week: p.minutes_per_week,
            days_per_month: p.days_per_month,
            week_start_day: p.week_start_day,
        },
        calendars: project.calendars.iter().map(calendar).collect(),
        custom_fields: project
            .custom_fields
            .iter()
            .map(|d| CustomField {
                field_id: d.field_id,
                entity: entity_of(d.field_id),
                name: &d.name,
                alias: d.alias.as_deref().filter(|a| !a.is_empty()),
            })
            .collect(),
        tasks: view
            .tasks
            .iter()
            .map(|(t, id)| task(props, t, *id))
            .collect(),
        resources: project
            .resources
            .iter()
            .map(|r| resource(props, r))
            .collect(),
        assignments: project
            .assignments
            .iter()
            .map(|a| assignment(props, a))
            .collect(),
    };
    let mut out = super::Capped::new(limit);
    match serde_json::to_writer_pretty(&mut out, &doc) {
        Ok(()) => out.finish(),
        Err(_) if out.over => out.finish(),
        Err(e) => Err(ConvertError::Export(e.to_string())),
    }
}
