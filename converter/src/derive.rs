//! The values Microsoft Project computes when it saves a project rather than reads from its
//! file, derived in one pass between reading and writing, so the MSPDI writer only writes.
//!
//! Each rule follows what Project itself writes in "Save As XML" for the version that saved
//! the file (the `\1CompObj` application, [`ProjectProperties::application_version`]); the
//! rules' evidence is in the format notes (`shared/format/03`, §1.3 and §3).

use crate::model::{
    Assignment, DateTime, Project, ProjectProperties, Resource, ResourceKind, Task, TimeUnit,
};
use foldhash::HashSet;
use std::collections::BTreeSet;

/// The first application version of the Project 2016/2019 builds (`16.0`), the only ones
/// that write `FreeformDurationFormat`.
const FIRST_FREEFORM_VERSION: u16 = 16;

/// Fills in what Project derives at save time.
pub fn derive(project: &mut Project) {
    derive_currency_code(&mut project.properties);
    derive_summary_resource(project);
    derive_unassigned_assignments(project);
    derive_task_namesakes(project);
    derive_peak_units(project);
    for resource in &mut project.resources {
        derive_percent_work_complete(resource);
    }
    let props = &project.properties;
    for task in &mut project.tasks {
        derive_duration_formats(props, task);
        if task.uid == PROJECT_SUMMARY_UID {
            // The project summary task sums the whole project even when it has no tasks
            // under it: Project writes Summary 1 on it in every file.
            task.summary = true;
        }
    }
}

/// `CurrencyCode`, which Project 2007 and later write in every file (the pj12 schema this
/// writer's `SaveVersion` names requires it) but Project 2000–2003 files do not store: Project
/// takes it from the currency the symbol stands for, and its own default (US dollars) for a
/// symbol it cannot tell.
fn derive_currency_code(props: &mut ProjectProperties) {
    if props
        .currency_code
        .as_deref()
        .is_some_and(|c| !c.is_empty())
    {
        return;
    }
    let code = match props.currency_symbol.as_deref().map(str::trim) {
        Some("£") => "GBP",
        Some("€") => "EUR",
        Some("¥") => "JPY",
        Some("₹") => "INR",
        Some("R$") => "BRL",
        Some("CHF" | "Fr.") => "CHF",
        _ => "USD",
    };
    props.currency_code = Some(code.to_owned());
}

/// The hidden UID 0 resource, which Project keeps in every project (it holds the totals of
/// unassigned work) and writes first in every file, even when the file has no row for it
/// (projects without resources): a work resource with Project's defaults, and the calendar
/// Project creates for it on opening, the next calendar UID (2 beside the Standard
/// calendar), which it never writes.
fn derive_summary_resource(project: &mut Project) {
    if project.resources.iter().any(|r| r.uid == 0) {
        return;
    }
    let calendar_uid = project
        .calendars
        .iter()
        .map(|c| c.uid)
        .max()
        .map_or(2, |uid| uid.saturating_add(1));
    let resource = Resource {
        uid: 0,
        id: 0,
        kind: ResourceKind::Work,
        max_units: Some(1.0),
        peak_units: Some(0.0),
        can_level: true,
        accrue_at: 3,
        standard_rate_format: 2,
        overtime_rate_format: 2,
        calendar_uid: Some(calendar_uid),
        ..Resource::default()
    };
    project.resources.insert(0, resource);
}

/// Resource uid of an assignment without a resource.
const NULL_RESOURCE: i32 = -65535;

/// The first application version (Project 2010) that gives an unassigned assignment the
/// task's work; Project 2000–2007 write no work on it at all.
const FIRST_UNASSIGNED_WORK_VERSION: u16 = 14;

/// The version of Project whose "Save As XML" the output stands for: the application that
/// saved the file, else the newest one writing its format generation.
fn writer_version(props: &ProjectProperties) -> u16 {
    props.application_version.unwrap_or_else(|| {
        props
            .file_format
            .map_or(FIRST_UNASSIGNED_WORK_VERSION, |f| u16::from(f.number()))
    })
}

/// Unassigned assignments (resource −65535), which MSPDI readers need: Project keeps one for
/// every task that has no resource, and writes it for every task with progress (MPXJ:
/// without one Project shows the task as not started) and every plain task (non-summary,
/// non-null).
///
/// Such an assignment has no baseline of its own, so Project writes its `WorkVariance` as 0
/// in every version, whatever the file stores (all 2,082 in Project's XML of the corpus). Its
/// work is the task's from Project 2010 on (1,396 of 1,396); Project 2000–2007 write `Work`,
/// `RegularWork` and `RemainingWork` as zero (686 of 686).
fn derive_unassigned_assignments(project: &mut Project) {
    let invented = invented(project);
    project.assignments.extend(invented);
    let task_work = writer_version(&project.properties) >= FIRST_UNASSIGNED_WORK_VERSION;
    for a in &mut project.assignments {
        if a.resource_uid != NULL_RESOURCE {
            continue;
        }
        a.work_variance = Some(0.0);
        if !task_work {
            a.work = Some(0.0);
            a.regular_work = Some(0.0);
            a.remaining_work = Some(0.0);
        }
    }
}

/// The unassigned assignments to add: tasks with progress first (in task order, as MPXJ
/// numbers them), then the other plain tasks. Unique ids continue after the file's.
fn invented(project: &Project) -> Vec<Assignment> {
    let assigned: HashSet<i32> = project.assignments.iter().map(|a| a.task_uid).collect();
    let unassigned = || project.tasks.iter().filter(|t| !assigned.contains(&t.uid));
    let started = |t: &Task| t.percent_complete.is_some_and(|p| p != 0.0);
    let with_progress = unassigned().filter(|t| started(t));
    let plain = unassigned().filter(|t| !started(t) && !t.summary && !t.is_null && t.uid != 0);
    let mut next_uid = project.assignments.iter().map(|a| a.uid).max().unwrap_or(0);
    with_progress
        .chain(plain)
        .map(|task| {
            next_uid = next_uid.saturating_add(1);
            unassigned_assignment(next_uid, task)
        })
        .collect()
}

/// A task's unassigned assignment: the task's dates, its duration as work, split into
/// actual and remaining work by its percent complete.
fn unassigned_assignment(uid: i32, task: &Task) -> Assignment {
    let duration = task.duration.map_or(0.0, |d| d.minutes);
    let percent = task.percent_complete.unwrap_or(0.0);
    let actual = duration * percent / 100.0;
    let zero_duration_done = percent == 100.0 && duration == 0.0;
    Assignment {
        uid,
        task_uid: task.uid,
        resource_uid: NULL_RESOURCE,
        percent_work_complete: (duration != 0.0).then_some(percent),
        work: Some(duration),
        actual_work: Some(actual),
        remaining_work: Some(duration - actual),
        regular_work: Some(duration),
        start: task.start,
        finish: task.finish,
        actual_finish: if zero_duration_done {
            task.actual_start
        } else {
            None
        },
        units: Some(1.0),
        milestone: task.milestone,
        ..Assignment::default()
    }
}

/// The first application version (Project 2010) that lists, beside each resource custom field
/// with values, the task field of the same name.
const FIRST_TASK_NAMESAKE_VERSION: u16 = 14;

/// Task namesakes of resource custom fields. Project 2010 and later write, for every resource
/// field that has values on resources, a definition of the task field of the same name too
/// (resource Text1–30 → task Text1–30), though no task has a value and the file stores no
/// such definition: the corpus's resource Text, Flag and Number projects show it in each of
/// the six XMLs Project 2010 and 2019 wrote, and in none of the eight of Project 2002–2007.
/// Assignment values listed under a resource field do not count.
fn derive_task_namesakes(project: &mut Project) {
    if writer_version(&project.properties) < FIRST_TASK_NAMESAKE_VERSION {
        return;
    }
    let defined: HashSet<u32> = project.custom_fields.iter().map(|d| d.field_id).collect();
    let used: BTreeSet<u32> = project
        .resources
        .iter()
        .flat_map(|r| &r.custom_values)
        .map(|v| v.field_id)
        .collect();
    let namesakes = used
        .into_iter()
        .filter_map(crate::mpp::task_namesake)
        .filter(|d| !defined.contains(&d.field_id))
        .collect::<Vec<_>>();
    project.custom_fields.extend(namesakes);
    project.custom_fields.sort_by_key(|d| d.field_id);
}

/// `PeakUnits` of work and material resources: Project recomputes it on save as the most
/// units the resource's assignments with work left to do ask of it at once, so a stored
/// value can be stale (a resource whose assignments were removed keeps its old peak in the
/// file, and saves in an older format keep the peak of the older release). Assignments
/// without remaining work no longer load the resource. Corpus, Project's XML against the
/// converted files: the stored value matches 1,673 of 1,897 resources, this one 1,809 (the
/// rest are contoured or part-done assignments whose peak follows their timephased work).
fn derive_peak_units(project: &mut Project) {
    // Per resource: (time, 0 for an end and 1 for a start, units), ends first at one time.
    let mut events: foldhash::HashMap<i32, Vec<(DateTime, u8, f64)>> = foldhash::HashMap::default();
    for a in &project.assignments {
        let (Some(start), Some(finish)) = (a.start, a.finish) else {
            continue;
        };
        if a.remaining_work.is_none_or(|w| w <= 0.0) {
            continue;
        }
        let units = a.units.unwrap_or(1.0);
        let list = events.entry(a.resource_uid).or_default();
        list.push((start, 1, units));
        list.push((finish, 0, -units));
    }
    for resource in &mut project.resources {
        if resource.kind == ResourceKind::Cost {
            continue;
        }
        let mut peak = 0.0_f64;
        if let Some(list) = events.get_mut(&resource.uid) {
            list.sort_by_key(|e| (e.0, e.1));
            let mut load = 0.0;
            for (_, _, units) in list.iter() {
                load += units;
                peak = peak.max(load);
            }
        }
        resource.peak_units = Some((peak * 10_000.0).round() / 10_000.0);
    }
}

/// A resource's `PercentWorkComplete` when the file stores none: Project computes it on
/// save as its actual work over its work, in whole percent.
fn derive_percent_work_complete(resource: &mut Resource) {
    if resource.percent_work_complete.is_some() {
        return;
    }
    let work = resource.work.unwrap_or(0.0);
    if work > 0.0 {
        let actual = resource.actual_work.unwrap_or(0.0);
        resource.percent_work_complete = Some((actual / work * 100.0).round().clamp(0.0, 100.0));
    }
}

/// UID of the project summary task.
const PROJECT_SUMMARY_UID: i32 = 0;

/// `DurationFormat` for a task whose file stores none, and `FreeformDurationFormat`.
///
/// A blank (null) row stores no unit; Project shows it as a new task would be, in the
/// default unit and estimated when new tasks are. Other tasks without a stored code take
/// their duration's unit. Project 2016 and later builds also write the format as typed
/// ("freeform"): the same code, except on the project summary task, whose default-unit code
/// (53) is written resolved to the project's unit (39 for days).
fn derive_duration_formats(props: &ProjectProperties, task: &mut Task) {
    let default_unit = TimeUnit(props.duration_format);
    let format = *task.duration_format.get_or_insert_with(|| {
        if task.is_null {
            default_unit.format_code(props.new_tasks_estimated)
        } else {
            task.duration
                .map_or(default_unit, |d| d.unit)
                .format_code(task.estimated)
        }
    });
    if props
        .application_version
        .is_some_and(|v| v >= FIRST_FREEFORM_VERSION)
    {
        task.freeform_duration_format = Some(if task.uid == 0 {
            task.duration
                .map_or(default_unit, |d| d.unit)
                .format_code(task.estimated)
        } else {
            format
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Duration;

    fn project(version: u16, tasks: Vec<Task>) -> Project {
        Project {
            properties: ProjectProperties {
                application_version: Some(version),
                ..ProjectProperties::default()
            },
            tasks,
            ..Project::default()
        }
    }

    fn task(uid: i32, stored: Option<u16>, unit: TimeUnit, estimated: bool) -> Task {
        Task {
            uid,
            duration: Some(Duration::new(480.0, unit)),
            duration_format: stored,
            estimated,
            ..Task::default()
        }
    }

    #[test]
    fn a_stored_duration_format_is_kept_and_a_missing_one_comes_from_the_unit() {
        let mut p = project(
            14,
            vec![
                task(1, Some(53), TimeUnit::DAYS, true),
                task(2, None, TimeUnit::WEEKS, true),
                Task {
                    uid: 3,
                    is_null: true,
                    ..Task::default()
                },
            ],
        );
        derive(&mut p);
        let formats: Vec<_> = p.tasks.iter().map(|t| t.duration_format).collect();
        assert_eq!(formats, [Some(53), Some(41), Some(39)]);
        assert!(p.tasks.iter().all(|t| t.freeform_duration_format.is_none()));
    }

    #[test]
    fn a_project_without_resources_gets_the_hidden_uid_0_resource() {
        let mut p = project(12, Vec::new());
        p.calendars = vec![crate::model::Calendar {
            uid: 1,
            ..crate::model::Calendar::default()
        }];
        derive(&mut p);
        let first = p.resources.first();
        assert_eq!(first.map(|r| (r.uid, r.can_level)), Some((0, true)));
        assert_eq!(first.and_then(|r| r.calendar_uid), Some(2));
        derive(&mut p);
        assert_eq!(p.resources.len(), 1, "added once");
    }

    fn unassigned_project(version: u16) -> Project {
        let plain = |uid, summary, percent| Task {
            uid,
            summary,
            percent_complete: Some(percent),
            duration: Some(Duration::new(960.0, TimeUnit::DAYS)),
            ..Task::default()
        };
        let mut p = project(
            version,
            vec![
                plain(0, true, 50.0),
                plain(1, false, 0.0),
                plain(2, true, 0.0),
                plain(3, false, 0.0),
                plain(4, false, 0.0),
            ],
        );
        p.assignments = vec![
            Assignment {
                uid: 5,
                task_uid: 3,
                resource_uid: 1,
                work: Some(480.0),
                work_variance: Some(480.0),
                ..Assignment::default()
            },
            Assignment {
                uid: 2,
                task_uid: 4,
                resource_uid: NULL_RESOURCE,
                work: Some(960.0),
                regular_work: Some(960.0),
                remaining_work: Some(960.0),
                work_variance: Some(960.0),
                ..Assignment::default()
            },
        ];
        p
    }

    #[test]
    fn tasks_without_assignments_get_unassigned_ones() {
        let mut p = unassigned_project(14);
        derive(&mut p);
        let got: Vec<(i32, i32, i32)> = p
            .assignments
            .iter()
            .map(|a| (a.uid, a.task_uid, a.resource_uid))
            .collect();
        assert_eq!(
            got,
            [
                (5, 3, 1),
                (2, 4, NULL_RESOURCE),
                (6, 0, NULL_RESOURCE),
                (7, 1, NULL_RESOURCE)
            ],
            "the file's first, then progress, then plain tasks; summaries skipped"
        );
        let Some(started) = p.assignments.get(2) else {
            panic!("no invented assignment")
        };
        assert_eq!(started.work, Some(960.0));
        assert_eq!(started.actual_work, Some(480.0));
        assert_eq!(started.remaining_work, Some(480.0));
        assert_eq!(started.percent_work_complete, Some(50.0));
        derive(&mut p);
        assert_eq!(p.assignments.len(), 4, "added once");
    }

    #[test]
    fn unassigned_work_has_no_variance_and_no_work_before_project_2010() {
        for (version, work) in [(16, 960.0), (14, 960.0), (12, 0.0), (9, 0.0)] {
            let mut p = unassigned_project(version);
            derive(&mut p);
            for a in &p.assignments {
                if a.resource_uid == NULL_RESOURCE {
                    assert_eq!(a.work_variance, Some(0.0), "{version}");
                    let works = [a.work, a.regular_work, a.remaining_work];
                    let expected = if a.task_uid == 0 {
                        [work, work, work / 2.0]
                    } else {
                        [work; 3]
                    };
                    assert_eq!(works, expected.map(Some), "{version} task {}", a.task_uid);
                } else {
                    assert_eq!(
                        a.work_variance,
                        Some(480.0),
                        "an assigned one keeps its own"
                    );
                    assert_eq!(a.work, Some(480.0));
                }
            }
        }
    }

    #[test]
    fn without_an_application_the_format_generation_decides() {
        let mut props = ProjectProperties::default();
        assert_eq!(writer_version(&props), 14);
        props.file_format = Some(crate::model::FileFormat::Mpp12);
        assert_eq!(writer_version(&props), 12);
        props.application_version = Some(15);
        assert_eq!(writer_version(&props), 15);
    }

    #[test]
    fn resource_fields_with_values_get_their_task_namesakes_from_project_2010() {
        use crate::model::{CustomFieldDefinition, CustomFieldValue, CustomValue};
        let value = |field_id| CustomFieldValue {
            field_id,
            value: CustomValue::Flag(true),
            value_guid: None,
        };
        let definition = |field_id| CustomFieldDefinition {
            field_id,
            ..CustomFieldDefinition::default()
        };
        for (version, expected) in [
            (14, vec![188_743_731, 188_743_752, 205_520_904, 205_521_023]),
            (12, vec![205_520_904, 205_521_023]),
        ] {
            let mut p = project(version, Vec::new());
            // Resource Text1 and Flag1 have values; task Text1 is defined already.
            p.resources = vec![Resource {
                uid: 1,
                custom_values: vec![value(205_520_904), value(205_521_023)],
                ..Resource::default()
            }];
            p.custom_fields = vec![definition(205_520_904), definition(205_521_023)];
            if version == 14 {
                p.custom_fields.insert(0, definition(188_743_731));
            }
            derive(&mut p);
            let ids: Vec<u32> = p.custom_fields.iter().map(|d| d.field_id).collect();
            assert_eq!(ids, expected, "{version}");
            if version == 14 {
                let flag1 = p.custom_fields.get(1);
                assert_eq!(flag1.map(|d| d.name.as_str()), Some("Flag1"));
                assert_eq!(flag1.and_then(|d| d.secondary_pid), None);
            }
        }
    }

    #[test]
    fn peak_units_are_the_most_units_assignments_with_work_left_ask_at_once() {
        let at = |day| {
            chrono::NaiveDate::from_ymd_opt(2024, 1, day).and_then(|d| d.and_hms_opt(8, 0, 0))
        };
        let assignment = |uid, resource_uid, (start, finish), units, left| Assignment {
            uid,
            task_uid: uid,
            resource_uid,
            start: at(start),
            finish: at(finish),
            units: Some(units),
            remaining_work: Some(left),
            ..Assignment::default()
        };
        let mut p = project(14, Vec::new());
        p.resources = (1..=4)
            .map(|uid| Resource {
                uid,
                peak_units: Some(3.0),
                kind: if uid == 4 {
                    ResourceKind::Cost
                } else {
                    ResourceKind::Work
                },
                ..Resource::default()
            })
            .collect();
        p.assignments = vec![
            // Resource 1: 0.5 over days 1-5, 1.0 over days 3-8, 0.25 from day 8 (the
            // 1.0 has ended when it starts): peak 1.5.
            assignment(1, 1, (1, 5), 0.5, 480.0),
            assignment(2, 1, (3, 8), 1.0, 480.0),
            assignment(3, 1, (8, 9), 0.25, 480.0),
            // Resource 2: its only assignment is done.
            assignment(4, 2, (1, 5), 2.0, 0.0),
            assignment(5, 4, (1, 5), 2.0, 480.0),
        ];
        derive(&mut p);
        let peaks: Vec<_> = p.resources.iter().map(|r| (r.uid, r.peak_units)).collect();
        assert_eq!(
            peaks,
            [
                (0, Some(0.0)),
                (1, Some(1.5)),
                (2, Some(0.0)),
                (3, Some(0.0)),
                (4, Some(3.0))
            ],
            "stale stored peaks are replaced; a cost resource keeps its own"
        );
    }

    #[test]
    fn percent_work_complete_of_a_resource_is_actual_over_work() {
        let mut r = Resource {
            work: Some(480.0),
            actual_work: Some(240.0),
            ..Resource::default()
        };
        derive_percent_work_complete(&mut r);
        assert_eq!(r.percent_work_complete, Some(50.0));
        r.percent_work_complete = Some(20.0);
        derive_percent_work_complete(&mut r);
        assert_eq!(r.percent_work_complete, Some(20.0), "a stored value stays");
    }

    #[test]
    fn a_missing_currency_code_comes_from_the_symbol() {
        let mut props = ProjectProperties {
            currency_symbol: Some("£".to_owned()),
            ..ProjectProperties::default()
        };
        derive_currency_code(&mut props);
        assert_eq!(props.currency_code.as_deref(), Some("GBP"));
        props.currency_code = Some("AUD".to_owned());
        props.currency_symbol = Some("$".to_owned());
        derive_currency_code(&mut props);
        assert_eq!(
            props.currency_code.as_deref(),
            Some("AUD"),
            "a stored code stays"
        );
        props.currency_code = None;
        derive_currency_code(&mut props);
        assert_eq!(props.currency_code.as_deref(), Some("USD"));
    }

    #[test]
    fn builds_16_write_the_freeform_format_resolved_on_the_summary_task() {
        let mut p = project(
            16,
            vec![
                task(0, Some(53), TimeUnit::DAYS, true),
                task(1, Some(53), TimeUnit::DAYS, true),
                task(2, Some(9), TimeUnit::WEEKS, false),
            ],
        );
        derive(&mut p);
        let freeform: Vec<_> = p.tasks.iter().map(|t| t.freeform_duration_format).collect();
        assert_eq!(freeform, [Some(39), Some(53), Some(9)]);
        let summary: Vec<_> = p.tasks.iter().map(|t| t.summary).collect();
        assert_eq!(summary, [true, false, false]);
    }
}
