//! `<Assignments>`: the model's assignments (the file's, then the unassigned ones the
//! derivation pass adds, [`crate::derive`]), each in Microsoft Project's element order
//! (note 03 §3.4), zeros included.

use super::custom;
use super::resources::{dec4, work, work_variance};
use super::xml::{Out, tenths};
use crate::error::ConvertError;
use crate::model::{
    Assignment, Duration, PERCENT_COMPLETE, Project, ResourceKind, Schedule, Task, Timephased,
    TimephasedForm,
};
use foldhash::{HashMap, HashSet};

/// Writes the `Assignments` container.
pub fn write(out: &mut Out, project: &Project) -> Result<(), ConvertError> {
    if project.assignments.is_empty() {
        return out.empty("Assignments");
    }
    let tasks: HashMap<i32, &Task> = project.tasks.iter().map(|t| (t.uid, t)).collect();
    let materials: HashSet<i32> = project
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::Material)
        .map(|r| r.uid)
        .collect();
    let schedule = Schedule::new(project, out.budget());
    let form = TimephasedForm::of(&project.properties);
    out.start("Assignments")?;
    for assignment in &project.assignments {
        out.work(1)?;
        let task = tasks.get(&assignment.task_uid).copied();
        let material = materials.contains(&assignment.resource_uid);
        let variances = schedule.variances(assignment, task);
        let timephased = schedule.assignment_timephased(assignment, task, form, max_records(out));
        out.budget().check()?;
        write_assignment(out, project, assignment, task, material, variances)?;
        write_timephased(out, assignment.uid, &timephased)?;
        out.end("Assignment")?;
    }
    out.end("Assignments")
}

/// Most timephased records one assignment writes: 137 years of days.
const MAX_RECORDS: usize = 50_000;
/// Twice what one timephased record costs in XML (about 250 bytes): an owner writes no more
/// records than a quarter of the output limit left can hold, so that however many owners
/// follow, the rest of the document still fits.
const RECORD_BYTES: u64 = 512;

/// How many timephased records one owner may write now.
pub fn max_records(out: &Out) -> usize {
    let room = out.spare() / 2 / RECORD_BYTES;
    usize::try_from(room).map_or(MAX_RECORDS, |r| r.min(MAX_RECORDS))
}

/// Writes an owner's `TimephasedData` records.
pub fn write_timephased(
    out: &mut Out,
    uid: i32,
    records: &[Timephased],
) -> Result<(), ConvertError> {
    for r in records {
        out.start("TimephasedData")?;
        out.int("Type", r.kind)?;
        out.int("UID", uid)?;
        out.date("Start", Some(r.start))?;
        out.date("Finish", Some(r.finish))?;
        out.int("Unit", r.unit)?;
        match r.value {
            Some(v) if r.kind == PERCENT_COMPLETE => {
                out.num("Value", (v * 100.0).round() / 100.0)?
            }
            Some(v) => out.duration("Value", v)?,
            None => {}
        }
        out.end("TimephasedData")?;
    }
    Ok(())
}

fn write_assignment(
    out: &mut Out,
    project: &Project,
    a: &Assignment,
    task: Option<&Task>,
    material: bool,
    (start_variance, finish_variance): (Option<Duration>, Option<Duration>),
) -> Result<(), ConvertError> {
    let minutes = |v: Option<f64>| v.unwrap_or(0.0);
    let money = |v: Option<f64>| dec4(v.unwrap_or(0.0) * 100.0);
    // A 100 % task's assignment without an actual finish shows as 99 % in MS Project.
    let actual_finish = a.actual_finish.or_else(|| {
        task.filter(|t| t.percent_complete == Some(100.0))
            .and_then(|t| t.actual_finish)
    });

    out.start("Assignment")?;
    out.int("UID", a.uid)?;
    out.guid("GUID", a.guid)?;
    out.int("TaskUID", a.task_uid)?;
    out.int("ResourceUID", a.resource_uid)?;
    out.int(
        "PercentWorkComplete",
        a.percent_work_complete.unwrap_or(0.0).round() as i64,
    )?;
    out.text("ActualCost", &money(a.actual_cost))?;
    out.date("ActualFinish", actual_finish)?;
    out.text("ActualOvertimeCost", &money(a.actual_overtime_cost))?;
    work(out, "ActualOvertimeWork", minutes(a.actual_overtime_work))?;
    out.date("ActualStart", a.actual_start)?;
    work(out, "ActualWork", minutes(a.actual_work))?;
    out.text("ACWP", &money(a.acwp))?;
    out.bool("Confirmed", a.confirmed)?;
    out.text("Cost", &money(a.cost))?;
    out.int("CostRateTable", a.cost_rate_table)?;
    out.int("RateScale", a.variable_rate_units.unwrap_or(0))?;
    out.text("CostVariance", &money(a.cost_variance))?;
    out.text("CV", &money(a.cv))?;
    out.int("Delay", a.delay.as_ref().map_or(0, tenths))?;
    out.date("Finish", a.finish)?;
    out.int("FinishVariance", finish_variance.as_ref().map_or(0, tenths))?;
    out.text(
        "WorkVariance",
        &work_variance(a.work_variance.unwrap_or(0.0)),
    )?;
    out.bool("HasFixedRateUnits", a.variable_rate_units.is_none())?;
    out.bool("FixedMaterial", material)?;
    out.opt_text("Hyperlink", a.hyperlink.as_deref())?;
    out.opt_text("HyperlinkAddress", a.hyperlink_address.as_deref())?;
    out.opt_text("HyperlinkSubAddress", a.hyperlink_sub_address.as_deref())?;
    out.int("LevelingDelay", a.leveling_delay.as_ref().map_or(0, tenths))?;
    let delay_format = a
        .leveling_delay
        .map_or(project.properties.duration_format, |d| d.unit.0);
    out.int("LevelingDelayFormat", delay_format)?;
    out.bool("LinkedFields", a.linked_fields)?;
    out.bool("Milestone", a.milestone)?;
    out.opt_text("Notes", a.notes.as_deref())?;
    out.bool("Overallocated", a.overallocated)?;
    out.text("OvertimeCost", &money(a.overtime_cost))?;
    work(out, "OvertimeWork", minutes(a.overtime_work))?;
    work(out, "RegularWork", minutes(a.regular_work))?;
    out.text("RemainingCost", &money(a.remaining_cost))?;
    out.text("RemainingOvertimeCost", &money(a.remaining_overtime_cost))?;
    work(
        out,
        "RemainingOvertimeWork",
        minutes(a.remaining_overtime_work),
    )?;
    work(out, "RemainingWork", minutes(a.remaining_work))?;
    out.bool("ResponsePending", a.response_pending)?;
    out.date("Start", a.start)?;
    out.date("Stop", a.stop)?;
    out.date("Resume", a.resume)?;
    out.int("StartVariance", start_variance.as_ref().map_or(0, tenths))?;
    out.text("Units", &dec4(a.units.unwrap_or(1.0)))?;
    out.bool("UpdateNeeded", a.update_needed)?;
    out.text("VAC", &money(a.vac))?;
    work(out, "Work", minutes(a.work))?;
    out.int("WorkContour", a.work_contour)?;
    out.text("BCWS", &money(a.bcws))?;
    out.text("BCWP", &money(a.bcwp))?;
    out.int("BookingType", 0)?;
    work(out, "ActualWorkProtected", minutes(a.actual_work_protected))?;
    work(
        out,
        "ActualOvertimeWorkProtected",
        minutes(a.actual_overtime_work_protected),
    )?;
    out.date("CreationDate", a.created)?;
    out.text("BudgetCost", &money(a.budget_cost))?;
    work(out, "BudgetWork", minutes(a.budget_work))?;
    custom::write_values(out, project, a.uid, &a.custom_values)?;
    for b in &a.baselines {
        out.start("Baseline")?;
        out.int("Number", b.number)?;
        out.date("Start", b.start)?;
        out.date("Finish", b.finish)?;
        if let Some(w) = b.work {
            work(out, "Work", w)?;
        }
        if let Some(c) = b.cost {
            out.text(
                "Cost",
                &super::xml::number((c * 100.0 * 100.0).round() / 100.0),
            )?;
        }
        out.end("Baseline")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::Budget;
    use crate::model::{Duration, TimeUnit};
    use crate::mspdi::xml::xml_of;

    fn task(uid: i32, summary: bool, percent: f64) -> Task {
        Task {
            uid,
            summary,
            percent_complete: Some(percent),
            duration: Some(Duration::new(960.0, TimeUnit::DAYS)),
            ..Task::default()
        }
    }

    fn project() -> Project {
        Project {
            tasks: vec![
                task(0, true, 50.0),
                task(1, false, 0.0),
                task(2, true, 0.0),
                task(3, false, 0.0),
            ],
            assignments: vec![
                Assignment {
                    uid: 5,
                    task_uid: 3,
                    resource_uid: 1,
                    ..Assignment::default()
                },
                Assignment {
                    uid: 6,
                    task_uid: 1,
                    resource_uid: -65535,
                    work: Some(960.0),
                    actual_work: Some(480.0),
                    ..Assignment::default()
                },
            ],
            ..Project::default()
        }
    }

    #[test]
    fn writes_assignments_in_ms_project_order() -> Result<(), ConvertError> {
        let xml = xml_of(|out| write(out, &project()))?;
        assert_eq!(xml.matches("<Assignment>").count(), 2);
        let first = xml.find("<UID>5</UID>").unwrap_or(usize::MAX);
        let second = xml.find("<UID>6</UID>").unwrap_or(0);
        assert!(first < second, "in the model's order");
        let order = [
            "<TaskUID>",
            "<PercentWorkComplete>",
            "<CostRateTable>",
            "<WorkVariance>",
            "<Units>",
            "<Work>",
        ];
        let positions: Vec<usize> = order.iter().map(|tag| xml.find(tag).unwrap_or(0)).collect();
        assert!(
            positions.windows(2).all(|w| w.first() < w.last()),
            "{positions:?}"
        );
        assert!(xml.contains("<ActualWork>PT8H0M0S</ActualWork>"), "{xml}");
        Ok(())
    }

    #[test]
    fn timephased_data_of_a_ten_thousand_year_task_is_bounded() -> Result<(), ConvertError> {
        let day = |y| chrono::NaiveDate::from_ymd_opt(y, 1, 3).and_then(|d| d.and_hms_opt(8, 0, 0));
        let mut project = project();
        project.calendars = vec![crate::model::Calendar {
            uid: 1,
            ..Default::default()
        }];
        project.assignments = (0..20)
            .map(|i| Assignment {
                uid: 100 + i,
                task_uid: 3,
                resource_uid: 1,
                start: day(1),
                finish: day(9999),
                work: Some(1e12),
                remaining_work: Some(1e12),
                ..Assignment::default()
            })
            .collect();
        let budget = Budget::unlimited();
        let limit = 20 << 20;
        let started = std::time::Instant::now();
        let xml = crate::mspdi::write_to_vec(&project, limit, &budget)?;
        assert!(xml.len() as u64 <= limit);
        let records = xml.windows(16).filter(|w| w == b"<TimephasedData>").count();
        // At most what the output limit holds (records are about 200 bytes).
        assert!(
            records > 1000 && records < (limit / 150) as usize,
            "{records}"
        );
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
        Ok(())
    }

    #[test]
    fn an_empty_project_writes_an_empty_container() -> Result<(), ConvertError> {
        let xml = xml_of(|out| write(out, &Project::default()))?;
        assert!(xml.ends_with("<Assignments/>"), "{xml}");
        Ok(())
    }
}
