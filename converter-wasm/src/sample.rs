//! Sample plans made by the project (not taken from anyone's file), so a visitor can try the
//! viewer and the XML download without a plan of their own, and the tests can open a plan of
//! 10,000 tasks.
//!
//! The dates are scheduled here with a small forward pass over working days (Monday to Friday,
//! 08:00–17:00, less the calendar's holidays), so the links, the baseline and the critical
//! path the viewer draws agree with each other.

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use converter::model::{
    Assignment, Baseline, Calendar, CalendarException, CustomFieldDefinition, CustomFieldValue,
    CustomValue, DateTime, DayHours, Duration, Project, Relation, RelationKind, Resource,
    ResourceKind, Task, TimeRange, TimeUnit,
};

/// The first day of the small sample (a Monday).
const SMALL_START: (i32, u32, u32) = (2025, 3, 3);
/// Holidays of the sample calendar (non-working exceptions).
const HOLIDAYS: [(i32, u32, u32); 3] = [(2025, 4, 18), (2025, 4, 21), (2025, 5, 1)];

/// One task of a sample, before scheduling.
struct Spec {
    name: &'static str,
    level: u16,
    /// Working days; 0 for a milestone. Ignored for summaries.
    days: i64,
    /// (index into the spec list, kind, lag in working days).
    preds: &'static [(usize, RelationKind, i64)],
    /// (resource uid, units).
    who: &'static [(i32, f64)],
    done: f64,
    /// Working days the task slipped against its baseline.
    slip: i64,
    critical: bool,
}

const FS: RelationKind = RelationKind::FinishStart;
const SS: RelationKind = RelationKind::StartStart;
const FF: RelationKind = RelationKind::FinishFinish;
const SF: RelationKind = RelationKind::StartFinish;

#[rustfmt::skip]
const SMALL: &[Spec] = &[
    Spec { name: "Customer portal release 2.0", level: 1, days: 0, preds: &[], who: &[], done: 0.0, slip: 0, critical: true },
    Spec { name: "Discovery", level: 2, days: 0, preds: &[], who: &[], done: 0.0, slip: 0, critical: true },
    Spec { name: "Kick-off meeting", level: 3, days: 1, preds: &[], who: &[(1, 1.0), (2, 1.0), (3, 1.0)], done: 100.0, slip: 0, critical: true },
    Spec { name: "Interview key customers", level: 3, days: 5, preds: &[(2, FS, 0)], who: &[(1, 0.5), (5, 1.0)], done: 100.0, slip: 0, critical: true },
    Spec { name: "Write requirements", level: 3, days: 4, preds: &[(3, SS, 2)], who: &[(1, 1.0)], done: 100.0, slip: 1, critical: true },
    Spec { name: "Requirements signed off", level: 3, days: 0, preds: &[(4, FS, 0)], who: &[], done: 100.0, slip: 1, critical: true },
    Spec { name: "Design", level: 2, days: 0, preds: &[], who: &[], done: 0.0, slip: 0, critical: true },
    Spec { name: "User experience design", level: 3, days: 8, preds: &[(5, FS, 0)], who: &[(5, 1.0)], done: 100.0, slip: 1, critical: true },
    Spec { name: "Architecture and data model", level: 3, days: 6, preds: &[(5, FS, 0)], who: &[(2, 1.0)], done: 100.0, slip: 0, critical: false },
    Spec { name: "Security review of the design", level: 3, days: 2, preds: &[(8, FF, 1)], who: &[(2, 0.5), (4, 0.5)], done: 100.0, slip: 0, critical: false },
    Spec { name: "Design approved", level: 3, days: 0, preds: &[(7, FS, 0), (9, FS, 0)], who: &[], done: 100.0, slip: 1, critical: true },
    Spec { name: "Build", level: 2, days: 0, preds: &[], who: &[], done: 0.0, slip: 0, critical: true },
    Spec { name: "Set up environments", level: 3, days: 3, preds: &[(8, FS, 0)], who: &[(2, 0.5), (8, 1.0)], done: 100.0, slip: 0, critical: false },
    Spec { name: "Account and login pages", level: 3, days: 8, preds: &[(10, FS, 0)], who: &[(3, 1.0)], done: 80.0, slip: 2, critical: true },
    Spec { name: "Orders and invoices API", level: 3, days: 10, preds: &[(10, FS, 0), (12, FS, 0)], who: &[(2, 1.0)], done: 60.0, slip: 2, critical: true },
    Spec { name: "Orders and invoices screens", level: 3, days: 9, preds: &[(14, SS, 3)], who: &[(3, 1.0), (5, 0.5)], done: 30.0, slip: 2, critical: true },
    Spec { name: "Notifications by email", level: 3, days: 5, preds: &[(14, FF, 0)], who: &[(2, 0.5)], done: 0.0, slip: 0, critical: false },
    Spec { name: "Feature freeze", level: 3, days: 0, preds: &[(13, FS, 0), (15, FS, 0), (16, FS, 0)], who: &[], done: 0.0, slip: 2, critical: true },
    Spec { name: "Test", level: 2, days: 0, preds: &[], who: &[], done: 0.0, slip: 0, critical: true },
    Spec { name: "Write test plan", level: 3, days: 3, preds: &[(10, FS, 2)], who: &[(4, 1.0)], done: 100.0, slip: 0, critical: false },
    Spec { name: "System testing", level: 3, days: 8, preds: &[(17, FS, 0), (19, FS, 0)], who: &[(4, 1.0), (7, 1.0)], done: 0.0, slip: 2, critical: true },
    Spec { name: "Fix defects", level: 3, days: 8, preds: &[(20, SS, 2)], who: &[(2, 0.5), (3, 0.5)], done: 0.0, slip: 2, critical: true },
    Spec { name: "Accessibility audit", level: 3, days: 3, preds: &[(20, SS, 1)], who: &[(4, 0.5), (6, 1.0)], done: 0.0, slip: 0, critical: false },
    Spec { name: "User acceptance testing", level: 3, days: 5, preds: &[(21, FF, 0)], who: &[(1, 0.5), (4, 1.0)], done: 0.0, slip: 2, critical: true },
    Spec { name: "Release", level: 2, days: 0, preds: &[], who: &[], done: 0.0, slip: 0, critical: true },
    Spec { name: "Prepare release notes", level: 3, days: 2, preds: &[(26, SF, 0)], who: &[(1, 0.5)], done: 0.0, slip: 0, critical: false },
    Spec { name: "Go/no-go decision", level: 3, days: 0, preds: &[(23, FS, 0)], who: &[], done: 0.0, slip: 2, critical: true },
    Spec { name: "Deploy to production", level: 3, days: 1, preds: &[(26, FS, 0)], who: &[(2, 1.0), (8, 1.0)], done: 0.0, slip: 2, critical: true },
    Spec { name: "Hypercare support", level: 3, days: 10, preds: &[(27, FS, 0)], who: &[(2, 0.25), (3, 0.25)], done: 0.0, slip: 2, critical: false },
    Spec { name: "Contingency reserve", level: 3, days: 5, preds: &[(27, FS, 0)], who: &[], done: 0.0, slip: 0, critical: false },
    Spec { name: "Portal 2.0 live", level: 3, days: 0, preds: &[(27, FS, 0)], who: &[(9, 1.0)], done: 0.0, slip: 2, critical: true },
];

/// Resources of the small sample: (uid, name, kind, group, rate per hour, overtime rate); for
/// material and cost resources the rate is a cost per assignment.
#[rustfmt::skip]
const PEOPLE: &[(i32, &str, ResourceKind, &str, f64, f64)] = &[
    (1, "Ana Lima", ResourceKind::Work, "Management", 85.0, 110.0),
    (2, "Bruno Costa", ResourceKind::Work, "Development", 70.0, 95.0),
    (3, "Carla Souza", ResourceKind::Work, "Development", 68.0, 90.0),
    (4, "Diego Alves", ResourceKind::Work, "Quality", 55.0, 75.0),
    (5, "Eva Martins", ResourceKind::Work, "Design", 60.0, 80.0),
    (6, "Accessibility consultant", ResourceKind::Work, "External", 120.0, 120.0),
    (7, "Test devices", ResourceKind::Material, "Equipment", 250.0, 0.0),
    (8, "Cloud hosting", ResourceKind::Cost, "Infrastructure", 1200.0, 0.0),
    (9, "Launch event", ResourceKind::Cost, "Marketing", 5000.0, 0.0),
];

/// The small sample: a software release of 31 tasks.
pub fn small() -> Project {
    let start = ymd(SMALL_START);
    let mut project = base("Customer portal release 2.0 (sample plan)", start);
    let holidays: Vec<NaiveDate> = HOLIDAYS.iter().copied().map(ymd).collect();
    let days = WorkDays::new(start, &holidays);
    project.calendars = vec![standard_calendar(&holidays)];
    project.resources = resources();
    schedule(&mut project, SMALL, &days);
    if let Some(t) = project
        .tasks
        .iter_mut()
        .find(|t| t.name.as_deref() == Some("Contingency reserve"))
    {
        t.hide_bar = true;
        t.notes = Some("Time kept in reserve for risks; it has no bar on the Gantt chart.".into());
    }
    if let Some(t) = project
        .tasks
        .iter_mut()
        .find(|t| t.name.as_deref() == Some("Orders and invoices API"))
    {
        t.notes = Some(
            "Depends on the billing system's new endpoints.\nAgreed with the finance team on 12 March: invoices older than seven years are not migrated.".into(),
        );
    }
    project.custom_fields = vec![
        CustomFieldDefinition {
            field_id: TEXT1,
            name: "Text1".into(),
            alias: Some("Team".into()),
            cf_type: Some(7),
            ..CustomFieldDefinition::default()
        },
        CustomFieldDefinition {
            field_id: FLAG1,
            name: "Flag1".into(),
            alias: Some("Needs sign-off".into()),
            cf_type: Some(4),
            ..CustomFieldDefinition::default()
        },
    ];
    for t in &mut project.tasks {
        let team = match t.name.as_deref() {
            Some("Account and login pages" | "Orders and invoices screens") => "Front end",
            Some("Orders and invoices API" | "Notifications by email") => "Back end",
            Some("System testing" | "Accessibility audit") => "Quality",
            _ => continue,
        };
        t.custom_values.push(CustomFieldValue {
            field_id: TEXT1,
            value: CustomValue::Text(team.into()),
            value_guid: None,
        });
        t.custom_values.push(CustomFieldValue {
            field_id: FLAG1,
            value: CustomValue::Flag(team == "Quality"),
            value_guid: None,
        });
    }
    project.properties.status_date = days.at(22, 17);
    project.properties.current_date = days.at(22, 8);
    project
}

/// Task Text1 and Flag1 (MSPDI field ids).
const TEXT1: u32 = 188_743_731;
const FLAG1: u32 = 188_743_752;

/// Tasks in the large sample.
pub const LARGE_TASKS: usize = 10_000;

/// The large sample: 500 phases of 19 linked tasks each (10,000 tasks), over about ten years.
pub fn large() -> Project {
    let start = ymd((2024, 1, 1));
    let mut project = base("Large sample plan (10,000 tasks)", start);
    let days = WorkDays::new(start, &[]);
    project.calendars = vec![standard_calendar(&[])];
    project.resources = resources();
    let specs: Vec<Spec> = (0..LARGE_TASKS)
        .map(|i| {
            let (phase, step) = (i / 20, i % 20);
            Spec {
                name: "",
                level: if step == 0 { 1 } else { 2 },
                days: i64::try_from(1 + (phase + step) % 5).unwrap_or(1),
                preds: &[],
                who: &[],
                done: if phase < 100 { 100.0 } else { 0.0 },
                slip: i64::from(step % 7 == 3),
                critical: step % 4 == 0,
            }
        })
        .collect();
    // Links and names depend on the position, so they are set after the specs exist.
    let links: Vec<Vec<(usize, RelationKind, i64)>> = (0..specs.len())
        .map(|i| {
            let step = i % 20;
            match step {
                0 => Vec::new(),
                1 if i >= 20 => vec![(i - 20, SS, 5)],
                1 => Vec::new(),
                _ => vec![(i - 1, if step % 6 == 0 { SS } else { FS }, 0)],
            }
        })
        .collect();
    schedule_with(&mut project, &specs, &links, &days, |i| {
        let phase = i / 20 + 1;
        match i % 20 {
            0 => format!("Phase {phase}"),
            s => format!("Phase {phase} task {s}"),
        }
    });
    let people = [1, 2, 3, 4, 5];
    let tasks: Vec<(i32, i64)> = project
        .tasks
        .iter()
        .filter(|t| !t.summary && t.id > 0)
        .map(|t| (t.uid, t.duration.map_or(0, |d| (d.minutes / 480.0) as i64)))
        .collect();
    for (uid, (n, (task_uid, d))) in (1..).zip(tasks.into_iter().enumerate()) {
        let resource_uid = people.get(n % people.len()).copied().unwrap_or(1);
        project
            .assignments
            .push(assignment(uid, task_uid, resource_uid, 1.0, d));
    }
    project
}

fn ymd((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn base(title: &str, start: NaiveDate) -> Project {
    let mut project = Project::default();
    let p = &mut project.properties;
    p.title = Some(title.into());
    p.author = Some("mpp2xml".into());
    p.application = Some("mpp2xml sample".into());
    p.start_date = start.and_hms_opt(8, 0, 0);
    p.calendar_name = Some("Standard".into());
    p.duration_format = TimeUnit::DAYS.0;
    project
}

fn standard_calendar(holidays: &[NaiveDate]) -> Calendar {
    let hm = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default();
    let day = DayHours::Working(vec![
        TimeRange {
            start: hm(8),
            end: hm(12),
        },
        TimeRange {
            start: hm(13),
            end: hm(17),
        },
    ]);
    Calendar {
        uid: 1,
        name: Some("Standard".into()),
        days: [
            DayHours::NonWorking,
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            DayHours::NonWorking,
        ],
        exceptions: holidays
            .iter()
            .map(|d| CalendarException {
                from: d.and_time(NaiveTime::MIN),
                to: d.and_time(NaiveTime::MIN),
                name: Some("Holiday".into()),
                occurrences: 1,
                ..CalendarException::default()
            })
            .collect(),
        ..Calendar::default()
    }
}

fn resources() -> Vec<Resource> {
    PEOPLE
        .iter()
        .map(|&(uid, name, kind, group, rate, overtime)| Resource {
            uid,
            id: uid,
            name: Some(name.into()),
            kind,
            group: Some(group.into()),
            max_units: (kind == ResourceKind::Work).then_some(1.0),
            standard_rate: (kind == ResourceKind::Work).then_some(rate),
            overtime_rate: (kind == ResourceKind::Work).then_some(overtime),
            cost_per_use: (kind != ResourceKind::Work).then_some(rate),
            material_label: (kind == ResourceKind::Material).then(|| "units".into()),
            calendar_uid: None,
            ..Resource::default()
        })
        .collect()
}

/// Working days counted from the project start: day 0 is the start.
struct WorkDays {
    dates: Vec<NaiveDate>,
}

impl WorkDays {
    fn new(start: NaiveDate, holidays: &[NaiveDate]) -> Self {
        // Enough working days for the large sample's ten years.
        let dates = start
            .iter_days()
            .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
            .filter(|d| !holidays.contains(d))
            .take(6_000)
            .collect();
        Self { dates }
    }

    fn at(&self, day: i64, hour: u32) -> Option<DateTime> {
        let index = usize::try_from(day.max(0)).ok()?;
        self.dates.get(index)?.and_hms_opt(hour, 0, 0)
    }
}

fn schedule(project: &mut Project, specs: &[Spec], days: &WorkDays) {
    let links: Vec<Vec<(usize, RelationKind, i64)>> =
        specs.iter().map(|s| s.preds.to_vec()).collect();
    schedule_with(project, specs, &links, days, |i| {
        specs.get(i).map(|s| s.name.to_owned()).unwrap_or_default()
    });
}

/// Turns specs into tasks: a forward pass over the links (predecessors come first), summaries
/// rolled up from their children, baselines from the slip, assignments from the specs.
fn schedule_with(
    project: &mut Project,
    specs: &[Spec],
    links: &[Vec<(usize, RelationKind, i64)>],
    days: &WorkDays,
    name: impl Fn(usize) -> String,
) {
    // (first day, last day) of each task; a milestone sits at the end of its day.
    let mut span: Vec<(i64, i64)> = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let d = spec.days;
        let mut first = 0i64;
        for &(p, kind, lag) in links.get(i).map_or(&[][..], |l| l.as_slice()) {
            let Some(&(ps, pf)) = span.get(p) else {
                continue;
            };
            let pred_milestone = specs.get(p).is_some_and(|s| s.days == 0);
            let candidate = match kind {
                FS if d == 0 => pf + lag,
                FS if pred_milestone => pf + 1 + lag,
                FS => pf + 1 + lag,
                SS => ps + lag,
                FF => pf + lag - (d - 1).max(0),
                _ => ps + lag - d,
            };
            first = first.max(candidate);
        }
        span.push((first, first + (d - 1).max(0)));
    }
    // Summaries span their children.
    for i in (0..specs.len()).rev() {
        let Some(level) = specs.get(i).map(|s| s.level) else {
            continue;
        };
        let children: Vec<(i64, i64)> = specs
            .iter()
            .enumerate()
            .skip(i + 1)
            .take_while(|(_, s)| s.level > level)
            .filter(|(_, s)| s.level == level + 1)
            .filter_map(|(j, _)| span.get(j).copied())
            .collect();
        if let (Some(first), Some(last)) = (
            children.iter().map(|c| c.0).min(),
            children.iter().map(|c| c.1).max(),
        ) && let Some(s) = span.get_mut(i)
        {
            *s = (first, last);
        }
    }
    let is_summary = |i: usize| {
        let level = specs.get(i).map_or(0, |s| s.level);
        specs.get(i + 1).is_some_and(|n| n.level > level)
    };
    let mut tasks = vec![Task {
        uid: 0,
        id: 0,
        name: project.properties.title.clone(),
        summary: true,
        outline_level: 0,
        ..Task::default()
    }];
    let mut assignment_uid = 1;
    let mut resource_work: std::collections::HashMap<i32, (f64, f64)> = Default::default();
    // (rate per hour, cost per use) of each resource.
    let rates: std::collections::HashMap<i32, (f64, f64)> = project
        .resources
        .iter()
        .map(|r| {
            (
                r.uid,
                (
                    r.standard_rate.unwrap_or(0.0),
                    r.cost_per_use.unwrap_or(0.0),
                ),
            )
        })
        .collect();
    for (i, spec) in specs.iter().enumerate() {
        let uid = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let (first, last) = span.get(i).copied().unwrap_or((0, 0));
        let summary = is_summary(i);
        let milestone = !summary && spec.days == 0;
        let working_days = if milestone { 0 } else { last - first + 1 };
        let start = if milestone {
            days.at(first, 17)
        } else {
            days.at(first, 8)
        };
        let finish = days.at(last, 17);
        let slip = spec.slip;
        let baseline_start = if milestone {
            days.at(first - slip, 17)
        } else {
            days.at(first - slip, 8)
        };
        let mut work = 0.0;
        let mut cost = 0.0;
        if !summary {
            for &(resource_uid, units) in spec.who {
                let (rate, per_use) = rates.get(&resource_uid).copied().unwrap_or_default();
                // Only people (work resources) put hours in; the others cost per use.
                let hours = if per_use > 0.0 {
                    0.0
                } else {
                    working_days as f64 * 8.0 * units
                };
                let spent = hours * rate + per_use;
                let entry = resource_work.entry(resource_uid).or_default();
                entry.0 += hours;
                entry.1 += spent;
                work += hours * 60.0;
                cost += spent;
                let days_worked = if hours > 0.0 { working_days } else { 0 };
                project.assignments.push(assignment(
                    assignment_uid,
                    uid,
                    resource_uid,
                    units,
                    days_worked,
                ));
                assignment_uid += 1;
            }
        }
        tasks.push(Task {
            uid,
            id: uid,
            name: Some(name(i)),
            outline_level: spec.level,
            summary,
            milestone,
            critical: spec.critical,
            active: true,
            start,
            finish,
            duration: Some(Duration::new(working_days as f64 * 480.0, TimeUnit::DAYS)),
            percent_complete: Some(spec.done),
            work: Some(work),
            cost: Some(cost),
            predecessors: links
                .get(i)
                .map(|l| l.as_slice())
                .unwrap_or_default()
                .iter()
                .enumerate()
                .map(|(n, &(p, kind, lag))| Relation {
                    uid: uid * 10 + i32::try_from(n).unwrap_or(0),
                    predecessor_uid: i32::try_from(p + 1).unwrap_or(0),
                    kind,
                    lag: Duration::new(lag as f64 * 480.0, TimeUnit::DAYS),
                })
                .collect(),
            baselines: vec![Baseline {
                number: 0,
                start: baseline_start,
                finish: days.at(last - slip, 17),
                duration: Some(Duration::new(working_days as f64 * 480.0, TimeUnit::DAYS)),
                ..Baseline::default()
            }],
            ..Task::default()
        });
    }
    // Summaries roll up work and cost.
    for i in (1..tasks.len()).rev() {
        let level = tasks.get(i).map_or(0, |t| t.outline_level);
        if !tasks.get(i).is_some_and(|t| t.summary) {
            continue;
        }
        let (work, cost) = tasks
            .iter()
            .skip(i + 1)
            .take_while(|t| t.outline_level > level)
            .filter(|t| t.outline_level == level + 1)
            .fold((0.0, 0.0), |(w, c), t| {
                (w + t.work.unwrap_or(0.0), c + t.cost.unwrap_or(0.0))
            });
        if let Some(t) = tasks.get_mut(i) {
            t.work = Some(work);
            t.cost = Some(cost);
        }
    }
    if let Some(last) = span.iter().map(|s| s.1).max() {
        project.properties.finish_date = days.at(last, 17);
    }
    for r in &mut project.resources {
        if let Some((hours, cost)) = resource_work.get(&r.uid) {
            r.work = Some(hours * 60.0);
            r.cost = Some(*cost);
        }
    }
    project.tasks = tasks;
}

fn assignment(uid: i32, task_uid: i32, resource_uid: i32, units: f64, days: i64) -> Assignment {
    Assignment {
        uid,
        task_uid,
        resource_uid,
        units: Some(units),
        work: Some(days as f64 * 480.0 * units),
        ..Assignment::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlanOf;
    use protocol::{LinkKind, Plan};

    #[test]
    fn the_small_sample_is_a_realistic_plan() {
        let project = small();
        let plan = Plan::of(&project);
        assert!(
            (25..=40).contains(&plan.tasks.len()),
            "{}",
            plan.tasks.len()
        );
        assert!(plan.tasks.iter().any(|t| t.summary));
        assert!(plan.tasks.iter().filter(|t| t.milestone).count() >= 3);
        let kinds: std::collections::HashSet<LinkKind> = plan
            .tasks
            .iter()
            .flat_map(|t| t.predecessors.iter().map(|l| l.kind))
            .collect();
        assert_eq!(kinds.len(), 4, "links of every type: {kinds:?}");
        assert!(plan.tasks.iter().any(|t| t.hide_bar));
        assert!(plan.tasks.iter().any(|t| !t.notes.is_empty()));
        assert!(plan.tasks.iter().any(|t| !t.custom.is_empty()));
        assert!(
            plan.resources
                .iter()
                .any(|r| r.standard_rate.unwrap_or(0.0) > 0.0)
        );
        assert!(
            plan.tasks
                .iter()
                .all(|t| t.start.is_some() && t.finish.is_some())
        );
        assert!(
            plan.tasks.iter().any(|t| t.baseline_finish != t.finish),
            "the baseline shows a slip"
        );
        // Every task starts no earlier than its finish-to-start predecessors allow.
        let by_uid: std::collections::HashMap<i32, &protocol::PlanTask> =
            plan.tasks.iter().map(|t| (t.uid, t)).collect();
        for t in &plan.tasks {
            for l in t
                .predecessors
                .iter()
                .filter(|l| l.kind == LinkKind::FinishStart)
            {
                let p = by_uid[&l.uid];
                assert!(
                    t.start >= p.finish || t.milestone,
                    "{} before {}",
                    t.name,
                    p.name
                );
            }
        }
    }

    #[test]
    fn the_samples_write_well_formed_mspdi() {
        let xml = converter::write_mspdi(&small()).unwrap_or_default();
        let text = String::from_utf8_lossy(&xml);
        assert!(text.contains("<Name>Deploy to production</Name>"));
        let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
        let mut buf = Vec::new();
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{e}"),
            }
            buf.clear();
        }
    }

    #[test]
    fn the_large_sample_has_ten_thousand_tasks() {
        let plan = Plan::of(&large());
        assert_eq!(plan.tasks.len(), LARGE_TASKS);
        assert_eq!(
            plan.tasks.iter().filter(|t| t.summary).count(),
            LARGE_TASKS / 20
        );
        assert!(plan.tasks.iter().all(|t| t.start.is_some()));
    }
}
