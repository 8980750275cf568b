//! The viewer's [`Plan`] of a project read by the engine.
//!
//! Everything the viewer shows comes from the model the XML is written from, so what is seen
//! is what was converted. Durations are shown in the unit the user chose, as Project does.

use converter::model::{
    Calendar, CustomValue as ModelValue, DayHours, Duration, Project, ProjectProperties,
    RelationKind, ResourceKind as ModelKind, TimeUnit,
};
use protocol::plan::{
    MAX_ASSIGNED, MAX_CUSTOM_FIELDS, MAX_EXCEPTIONS, MAX_LINKS, MAX_NOTES_BYTES, MAX_TEXT_BYTES,
    clip,
};
use protocol::{
    Assigned, CustomField, CustomValue, DayException, Link, LinkKind, Plan, PlanResource, PlanTask,
    ResourceKind, Span, WorkCalendar,
};
use std::collections::HashMap;

/// Builds a [`Plan`] from the engine's model (`Plan::of(&project)`).
pub trait PlanOf {
    /// The plan of `project`.
    fn of(project: &Project) -> Plan;
}

impl PlanOf for Plan {
    fn of(project: &Project) -> Plan {
        build(project)
    }
}

fn build(project: &Project) -> Plan {
    let props = &project.properties;
    let shape = Shape::of(
        props.minutes_per_day,
        props.minutes_per_week,
        props.days_per_month,
        props.duration_format,
    );
    let mut clipped = false;
    let names: HashMap<i32, &str> = project
        .resources
        .iter()
        .filter_map(|r| Some((r.uid, r.name.as_deref()?)))
        .collect();
    let mut assigned: HashMap<i32, Vec<Assigned>> = HashMap::new();
    let mut counts: HashMap<i32, u32> = HashMap::new();
    for a in &project.assignments {
        let Some(name) = names.get(&a.resource_uid) else {
            continue;
        };
        *counts.entry(a.resource_uid).or_default() += 1;
        let list = assigned.entry(a.task_uid).or_default();
        if list.len() < MAX_ASSIGNED {
            list.push(Assigned {
                name: clip(name, MAX_TEXT_BYTES, &mut clipped),
                units: a.units,
            });
        } else {
            clipped = true;
        }
    }
    let field_names: HashMap<u32, &str> = project
        .custom_fields
        .iter()
        .map(|f| (f.field_id, f.alias.as_deref().unwrap_or(f.name.as_str())))
        .collect();
    let tasks = project
        .tasks
        .iter()
        .filter(|t| !t.is_null && t.id != 0)
        .map(|t| {
            let baseline = t.baselines.iter().find(|b| b.number == 0);
            let mut predecessors: Vec<Link> = t
                .predecessors
                .iter()
                .take(MAX_LINKS)
                .map(|r| Link {
                    uid: r.predecessor_uid,
                    kind: link_kind(r.kind),
                    lag: (r.lag.minutes != 0.0).then(|| shape.span(r.lag)),
                })
                .collect();
            predecessors.shrink_to_fit();
            clipped |= t.predecessors.len() > MAX_LINKS;
            let mut custom = Vec::new();
            for value in &t.custom_values {
                let Some(v) = custom_value(&value.value, &shape, &mut clipped) else {
                    continue;
                };
                if custom.len() == MAX_CUSTOM_FIELDS {
                    clipped = true;
                    break;
                }
                let name = field_names
                    .get(&value.field_id)
                    .map_or_else(|| format!("Field {}", value.field_id), |n| (*n).to_owned());
                custom.push(CustomField {
                    name: clip(&name, MAX_TEXT_BYTES, &mut clipped),
                    value: v,
                });
            }
            PlanTask {
                id: t.id,
                uid: t.uid,
                name: clip(
                    t.name.as_deref().unwrap_or(""),
                    MAX_TEXT_BYTES,
                    &mut clipped,
                ),
                outline_level: t.outline_level.max(1),
                summary: t.summary,
                milestone: t.milestone,
                critical: t.critical,
                hide_bar: t.hide_bar,
                start: t.start.map(iso),
                finish: t.finish.map(iso),
                baseline_start: baseline.and_then(|b| b.start).map(iso),
                baseline_finish: baseline.and_then(|b| b.finish).map(iso),
                duration: t.duration.map(|d| shape.span(d)),
                percent_complete: t.percent_complete.unwrap_or(0.0).clamp(0.0, 100.0),
                work_hours: t.work.map(|w| round2(w / 60.0)),
                cost: t.cost,
                notes: clip(
                    t.notes.as_deref().unwrap_or("").trim(),
                    MAX_NOTES_BYTES,
                    &mut clipped,
                ),
                predecessors,
                resources: assigned.remove(&t.uid).unwrap_or_default(),
                custom,
            }
        })
        .collect();
    let resources = project
        .resources
        .iter()
        .filter(|r| !r.is_null && r.id != 0)
        .map(|r| PlanResource {
            id: r.id,
            uid: r.uid,
            name: clip(
                r.name.as_deref().unwrap_or(""),
                MAX_TEXT_BYTES,
                &mut clipped,
            ),
            kind: match r.kind {
                ModelKind::Work => ResourceKind::Work,
                ModelKind::Material => ResourceKind::Material,
                ModelKind::Cost => ResourceKind::Cost,
            },
            group: clip(
                r.group.as_deref().unwrap_or(""),
                MAX_TEXT_BYTES,
                &mut clipped,
            ),
            max_units: match r.kind {
                ModelKind::Work => r.max_units,
                _ => None,
            },
            standard_rate: r.standard_rate,
            overtime_rate: r.overtime_rate,
            cost: r.cost,
            work_hours: r.work.map(|w| round2(w / 60.0)),
            assignments: counts.get(&r.uid).copied().unwrap_or(0),
        })
        .collect();
    Plan {
        title: clip(
            props.title.as_deref().unwrap_or(""),
            MAX_TEXT_BYTES,
            &mut clipped,
        ),
        start: props.start_date.map(iso),
        finish: props.finish_date.map(iso),
        status_date: props.status_date.map(iso),
        current_date: props.current_date.map(iso),
        currency_symbol: clip(
            props.currency_symbol.as_deref().unwrap_or(""),
            16,
            &mut clipped,
        ),
        currency_after: matches!(props.currency_symbol_position, 1 | 3),
        calendar: project_calendar(project, &mut clipped),
        tasks,
        resources,
        clipped,
    }
}

fn link_kind(kind: RelationKind) -> LinkKind {
    match kind {
        RelationKind::FinishStart => LinkKind::FinishStart,
        RelationKind::StartStart => LinkKind::StartStart,
        RelationKind::FinishFinish => LinkKind::FinishFinish,
        RelationKind::StartFinish => LinkKind::StartFinish,
    }
}

fn custom_value(value: &ModelValue, shape: &Shape, clipped: &mut bool) -> Option<CustomValue> {
    Some(match value {
        ModelValue::Text(t) => CustomValue::Text(clip(t, MAX_TEXT_BYTES, clipped)),
        ModelValue::OutlineCode { text, .. } => {
            CustomValue::Text(clip(text, MAX_TEXT_BYTES, clipped))
        }
        ModelValue::Number(n) => CustomValue::Number(*n),
        ModelValue::Cost(c) => CustomValue::Cost(*c),
        ModelValue::Date(d) => CustomValue::Date(iso(*d)),
        ModelValue::Duration(d) => CustomValue::Duration(shape.span(*d)),
        ModelValue::Flag(true) => CustomValue::Flag(true),
        // "No" is every flag's default, not a field in use (MSPDI leaves it out too); a bare
        // lookup id means nothing to a reader without its table.
        ModelValue::Flag(false) | ModelValue::LookupValue(_) => return None,
    })
}

/// The project calendar (the one the properties name, else the first base calendar): its
/// working weekdays and its exceptions as runs of days.
fn project_calendar(project: &Project, clipped: &mut bool) -> WorkCalendar {
    let named = project.properties.calendar_name.as_deref();
    let calendar: Option<&Calendar> = project
        .calendars
        .iter()
        .find(|c| c.is_base() && named.is_some() && c.name.as_deref() == named)
        .or_else(|| project.calendars.iter().find(|c| c.is_base()));
    let Some(calendar) = calendar else {
        return WorkCalendar::default();
    };
    let standard = WorkCalendar::default().working_days;
    let mut working_days = standard;
    for (day, hours) in working_days.iter_mut().zip(&calendar.days) {
        *day = match hours {
            DayHours::Default => *day,
            DayHours::NonWorking => false,
            DayHours::Working(ranges) => !ranges.is_empty(),
        };
    }
    let mut exceptions = Vec::new();
    'all: for e in &calendar.exceptions {
        let working = !e.working_times.is_empty();
        let (from, to) = (e.from.date(), e.to.date());
        match &e.recurrence {
            None => {
                if exceptions.len() == MAX_EXCEPTIONS {
                    *clipped = true;
                    break;
                }
                exceptions.push(DayException {
                    from: from.format("%Y-%m-%d").to_string(),
                    to: to.format("%Y-%m-%d").to_string(),
                    working,
                });
            }
            Some(r) => {
                let left = MAX_EXCEPTIONS.saturating_sub(exceptions.len());
                for day in r.dates(from, to, left.saturating_add(1)) {
                    if exceptions.len() == MAX_EXCEPTIONS {
                        *clipped = true;
                        break 'all;
                    }
                    let text = day.format("%Y-%m-%d").to_string();
                    exceptions.push(DayException {
                        from: text.clone(),
                        to: text,
                        working,
                    });
                }
            }
        }
    }
    exceptions.sort_by(|a, b| a.from.cmp(&b.from));
    WorkCalendar {
        name: clip(
            calendar.name.as_deref().unwrap_or(""),
            MAX_TEXT_BYTES,
            clipped,
        ),
        working_days,
        exceptions,
    }
}

/// `YYYY-MM-DDTHH:MM:SS`.
pub fn iso(at: converter::model::DateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The project's working-time shape, to show minutes in days, weeks and months: the unit
/// lengths are the model's ([`ProjectProperties::minutes_per`]), the one place they are
/// defined.
pub struct Shape {
    props: ProjectProperties,
    default_unit: TimeUnit,
}

impl Shape {
    /// From the project's minutes per day and week, days per month and default unit code.
    pub fn of(per_day: u32, per_week: u32, days_per_month: u32, default_unit: u16) -> Self {
        Self {
            props: ProjectProperties {
                minutes_per_day: per_day.max(1),
                minutes_per_week: per_week.max(1),
                days_per_month: days_per_month.max(1),
                ..ProjectProperties::default()
            },
            default_unit: TimeUnit(default_unit),
        }
    }

    /// The number and unit code a duration shows, as Project shows it.
    pub fn span(&self, d: Duration) -> Span {
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
        Span::new(round2(value), code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use converter::model::{
        Assignment, Baseline, CalendarException, CustomFieldDefinition, CustomFieldValue, Relation,
        Resource, Task, TimeRange,
    };

    fn at(d: u32) -> Option<converter::model::DateTime> {
        chrono::NaiveDate::from_ymd_opt(2024, 1, d).and_then(|d| d.and_hms_opt(8, 0, 0))
    }

    fn project() -> Project {
        let mut p = Project::default();
        p.properties.duration_format = TimeUnit::DAYS.0;
        p.properties.title = Some("Office move".into());
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
                critical: true,
                work: Some(960.0),
                cost: Some(1200.5),
                notes: Some("x".repeat(10_000)),
                baselines: vec![Baseline {
                    number: 0,
                    start: at(2),
                    finish: at(3),
                    ..Baseline::default()
                }],
                custom_values: (0..40)
                    .map(|i| CustomFieldValue {
                        field_id: 188_743_731 + i,
                        value: ModelValue::Text(format!("v{i}")),
                        value_guid: None,
                    })
                    .collect(),
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
                hide_bar: true,
                duration: Some(Duration::new(0.0, TimeUnit::DAYS)),
                start: at(5),
                finish: at(5),
                predecessors: vec![
                    Relation {
                        uid: 1,
                        predecessor_uid: 2,
                        kind: RelationKind::StartStart,
                        lag: Duration::new(960.0, TimeUnit::DAYS),
                    },
                    Relation {
                        uid: 2,
                        predecessor_uid: 1,
                        kind: RelationKind::FinishFinish,
                        lag: Duration::default(),
                    },
                ],
                custom_values: vec![CustomFieldValue {
                    field_id: 188_743_752,
                    value: ModelValue::Flag(true),
                    value_guid: None,
                }],
                ..Task::default()
            },
        ];
        p.custom_fields = vec![CustomFieldDefinition {
            field_id: 188_743_752,
            name: "Flag1".into(),
            alias: Some("Approved".into()),
            ..CustomFieldDefinition::default()
        }];
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
                group: Some("Crew".into()),
                max_units: Some(1.0),
                standard_rate: Some(50.0),
                overtime_rate: Some(75.0),
                work: Some(960.0),
                ..Resource::default()
            },
            Resource {
                uid: 9,
                id: 2,
                name: Some("Cement".into()),
                kind: ModelKind::Material,
                max_units: Some(1.0),
                ..Resource::default()
            },
        ];
        p.assignments = vec![
            Assignment {
                uid: 1,
                task_uid: 2,
                resource_uid: 7,
                units: Some(0.5),
                ..Assignment::default()
            },
            Assignment {
                uid: 2,
                task_uid: 2,
                resource_uid: -65535,
                ..Assignment::default()
            },
        ];
        p.calendars = vec![Calendar {
            uid: 1,
            name: Some("Standard".into()),
            days: [
                DayHours::NonWorking,
                DayHours::Default,
                DayHours::Default,
                DayHours::Default,
                DayHours::Default,
                DayHours::Default,
                DayHours::Working(vec![TimeRange {
                    start: chrono::NaiveTime::MIN,
                    end: chrono::NaiveTime::MIN,
                }]),
            ],
            exceptions: vec![CalendarException {
                from: at(1).unwrap_or_default(),
                to: at(2).unwrap_or_default(),
                ..CalendarException::default()
            }],
            ..Calendar::default()
        }];
        p
    }

    #[test]
    fn every_task_but_blank_rows_and_the_project_summary() {
        let plan = Plan::of(&project());
        let ids: Vec<i32> = plan.tasks.iter().map(|t| t.id).collect();
        assert_eq!(ids, [1, 2, 4]);
        let levels: Vec<u16> = plan.tasks.iter().map(|t| t.outline_level).collect();
        assert_eq!(levels, [1, 2, 2]);
        assert_eq!(plan.title, "Office move");
    }

    #[test]
    fn no_cap_on_the_number_of_tasks() {
        let p = Project {
            tasks: (1..=12_000)
                .map(|i| Task {
                    uid: i,
                    id: i,
                    outline_level: 1,
                    ..Task::default()
                })
                .collect(),
            ..Project::default()
        };
        assert_eq!(Plan::of(&p).tasks.len(), 12_000);
    }

    #[test]
    fn tasks_carry_flags_dates_baseline_work_cost_and_resources() {
        let plan = Plan::of(&project());
        let build = &plan.tasks[1];
        assert!(build.critical && !build.summary && !build.milestone);
        assert_eq!(build.start.as_deref(), Some("2024-01-01T08:00:00"));
        assert_eq!(build.baseline_start.as_deref(), Some("2024-01-02T08:00:00"));
        assert_eq!(
            build.baseline_finish.as_deref(),
            Some("2024-01-03T08:00:00")
        );
        assert_eq!(build.duration, Some(Span::new(1.0, "d")));
        assert_eq!(build.work_hours, Some(16.0));
        assert_eq!(build.cost, Some(1200.5));
        assert_eq!(
            build.resources,
            [Assigned {
                name: "Ana".into(),
                units: Some(0.5)
            }],
            "the no-resource placeholder is not named"
        );
        let done = &plan.tasks[2];
        assert!(done.milestone && done.hide_bar);
    }

    #[test]
    fn links_keep_their_type_and_lag() {
        let plan = Plan::of(&project());
        let done = &plan.tasks[2];
        assert_eq!(
            done.predecessors,
            [
                Link {
                    uid: 2,
                    kind: LinkKind::StartStart,
                    lag: Some(Span::new(2.0, "d"))
                },
                Link {
                    uid: 1,
                    kind: LinkKind::FinishFinish,
                    lag: None
                }
            ]
        );
    }

    #[test]
    fn notes_and_custom_fields_are_bounded_and_the_plan_says_so() {
        let plan = Plan::of(&project());
        let build = &plan.tasks[1];
        assert!(build.notes.len() <= MAX_NOTES_BYTES);
        assert!(build.notes.ends_with('…'));
        assert_eq!(build.custom.len(), MAX_CUSTOM_FIELDS);
        assert!(plan.clipped);
        let done = &plan.tasks[2];
        assert_eq!(
            done.custom,
            [CustomField {
                name: "Approved".into(),
                value: CustomValue::Flag(true)
            }],
            "the alias names the field"
        );
    }

    #[test]
    fn resources_skip_resource_zero_and_count_assignments() {
        let plan = Plan::of(&project());
        let ana = &plan.resources[0];
        assert_eq!((ana.id, ana.name.as_str()), (1, "Ana"));
        assert_eq!(ana.group, "Crew");
        assert_eq!(
            (ana.standard_rate, ana.overtime_rate),
            (Some(50.0), Some(75.0))
        );
        assert_eq!(ana.work_hours, Some(16.0));
        assert_eq!(ana.assignments, 1);
        let cement = &plan.resources[1];
        assert_eq!(cement.kind, ResourceKind::Material);
        assert_eq!(cement.max_units, None, "material has no max units");
        assert_eq!(plan.resources.len(), 2);
    }

    #[test]
    fn the_calendar_gives_working_weekdays_and_exceptions() {
        let plan = Plan::of(&project());
        assert_eq!(
            plan.calendar.working_days,
            [false, true, true, true, true, true, true]
        );
        assert_eq!(
            plan.calendar.exceptions,
            [DayException {
                from: "2024-01-01".into(),
                to: "2024-01-02".into(),
                working: false
            }]
        );
    }

    #[test]
    fn durations_are_shown_in_their_unit() {
        let shape = Shape::of(480, 2400, 20, TimeUnit::DAYS.0);
        assert_eq!(
            shape.span(Duration::new(150.0, TimeUnit::HOURS)),
            Span::new(2.5, "h")
        );
        assert_eq!(
            shape.span(Duration::new(4800.0, TimeUnit::WEEKS)),
            Span::new(2.0, "w")
        );
        assert_eq!(
            shape.span(Duration::new(2880.0, TimeUnit::ELAPSED_DAYS)),
            Span::new(2.0, "ed")
        );
    }
}
