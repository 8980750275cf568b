//! `<Resources>`: one `Resource` per resource in Microsoft Project's element order (note 03
//! §3.3), zeros included, with values as MPXJ writes them.

use super::custom;
use super::xml::{Out, number};
use crate::error::ConvertError;
use crate::model::{Baseline, DateTime, Project, Resource, ResourceKind};
use foldhash::{HashMap, HashMapExt};

/// Writes the `Resources` container.
pub fn write(out: &mut Out, project: &Project) -> Result<(), ConvertError> {
    if project.resources.is_empty() {
        return out.empty("Resources");
    }
    let spans = assignment_spans(project);
    out.start("Resources")?;
    for resource in &project.resources {
        let span = spans.get(&resource.uid).copied().unwrap_or_default();
        write_resource(out, project, resource, span)?;
    }
    out.end("Resources")
}

/// A number rounded to four decimals, as MPXJ prints units, rates and costs.
pub fn dec4(value: f64) -> String {
    number((value * 1e4).round() / 1e4)
}

/// Work in MSPDI's hour form, to whole seconds as MPXJ writes it.
pub fn work(out: &mut Out, name: &str, minutes: f64) -> Result<(), ConvertError> {
    out.duration(name, (minutes * 60.0).round() / 60.0)
}

/// Work variance: thousandths of a minute, rounded to whole minutes as MS Project does.
pub fn work_variance(minutes: f64) -> String {
    number(minutes.round() * 1000.0)
}

/// MS Project refuses resource names with `,`, `[` or `]`; it turns `,` into `;` itself.
pub fn resource_name(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            ',' => ';',
            '[' | ']' => ' ',
            c => c,
        })
        .collect()
}

/// Material labels may not hold brackets, be a time-unit abbreviation or exceed 32
/// characters.
fn material_label(label: &str) -> String {
    const TIME_UNITS: [&str; 14] = [
        "m", "h", "d", "w", "mo", "%", "y", "em", "eh", "ed", "ew", "emo", "ey", "e%",
    ];
    let mut text: String = label.chars().filter(|c| *c != '[' && *c != ']').collect();
    if TIME_UNITS.contains(&text.trim()) {
        text = format!("{}.", text.trim());
    }
    text.chars().take(32).collect()
}

/// The start of an open-ended range (Project's first date).
fn start_na() -> DateTime {
    date(1984, 1, 1, 0, 0)
}

/// The end of an open-ended range (Project's last date).
fn end_na() -> DateTime {
    date(2049, 12, 31, 23, 59)
}

fn date(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime {
    chrono::NaiveDate::from_ymd_opt(y, mo, d)
        .and_then(|d| d.and_hms_opt(h, mi, 0))
        .unwrap_or_default()
}

/// Earliest start and latest finish of each resource's assignments, by resource uid: MPXJ
/// derives a resource's Start and Finish from them.
fn assignment_spans(project: &Project) -> HashMap<i32, Span> {
    let mut spans: HashMap<i32, Span> = HashMap::new();
    for a in &project.assignments {
        let span = spans.entry(a.resource_uid).or_default();
        span.0 = span.0.into_iter().chain(a.start).min();
        span.1 = span.1.into_iter().chain(a.finish).max();
    }
    spans
}

/// A resource's (start, finish).
type Span = (Option<DateTime>, Option<DateTime>);

fn write_resource(
    out: &mut Out,
    project: &Project,
    r: &Resource,
    (start, finish): Span,
) -> Result<(), ConvertError> {
    let time_based = r.kind == ResourceKind::Work || r.uid == 0;
    let minutes = |v: Option<f64>| v.unwrap_or(0.0);
    let money = |v: Option<f64>| dec4(v.unwrap_or(0.0) * 100.0);

    out.start("Resource")?;
    out.int("UID", r.uid)?;
    out.guid("GUID", r.guid)?;
    out.int("ID", r.id)?;
    if let Some(name) = r.name.as_deref() {
        out.text("Name", &resource_name(name))?;
    }
    out.int("Type", if r.kind == ResourceKind::Work { 1 } else { 0 })?;
    out.bool("IsNull", r.is_null)?;
    out.opt_text("Initials", r.initials.as_deref())?;
    if let Some(label) = r
        .material_label
        .as_deref()
        .filter(|_| r.kind == ResourceKind::Material)
    {
        out.text("MaterialLabel", &material_label(label))?;
    }
    out.opt_text("Code", r.code.as_deref())?;
    out.opt_text("Group", r.group.as_deref())?;
    out.int("WorkGroup", r.work_group)?;
    out.opt_text("EmailAddress", r.email_address.as_deref())?;
    out.opt_text("Hyperlink", r.hyperlink.as_deref())?;
    out.opt_text("HyperlinkAddress", r.hyperlink_address.as_deref())?;
    out.opt_text("HyperlinkSubAddress", r.hyperlink_sub_address.as_deref())?;
    out.text("MaxUnits", &dec4(r.max_units.unwrap_or(1.0)))?;
    out.text("PeakUnits", &dec4(r.peak_units.unwrap_or(0.0)))?;
    out.bool("OverAllocated", r.over_allocated)?;
    out.date("AvailableFrom", r.available_from)?;
    out.date("AvailableTo", r.available_to)?;
    out.date("Start", start)?;
    out.date("Finish", finish)?;
    out.bool("CanLevel", r.can_level)?;
    out.int("AccrueAt", r.accrue_at)?;
    work(out, "Work", minutes(r.work))?;
    work(out, "RegularWork", minutes(r.regular_work))?;
    work(out, "OvertimeWork", minutes(r.overtime_work))?;
    work(out, "ActualWork", minutes(r.actual_work))?;
    work(out, "RemainingWork", minutes(r.remaining_work))?;
    work(out, "ActualOvertimeWork", minutes(r.actual_overtime_work))?;
    work(
        out,
        "RemainingOvertimeWork",
        minutes(r.remaining_overtime_work),
    )?;
    out.int(
        "PercentWorkComplete",
        r.percent_work_complete.unwrap_or(0.0).round() as i64,
    )?;
    out.text("StandardRate", &dec4(r.standard_rate.unwrap_or(0.0)))?;
    // Material resources show their rate per unit of material (8); cost resources keep
    // the stored hourly format, as Project writes them (MPXJ writes 8 for both).
    out.int(
        "StandardRateFormat",
        if r.kind == ResourceKind::Material && r.uid != 0 {
            8
        } else {
            r.standard_rate_format
        },
    )?;
    out.text("Cost", &money(r.cost))?;
    out.text("OvertimeRate", &dec4(r.overtime_rate.unwrap_or(0.0)))?;
    out.int(
        "OvertimeRateFormat",
        if time_based {
            r.overtime_rate_format
        } else {
            2
        },
    )?;
    out.text("OvertimeCost", &money(r.overtime_cost))?;
    out.text("CostPerUse", &money(r.cost_per_use))?;
    out.text("ActualCost", &money(r.actual_cost))?;
    out.text("ActualOvertimeCost", &money(r.actual_overtime_cost))?;
    out.text("RemainingCost", &money(r.remaining_cost))?;
    out.text("RemainingOvertimeCost", &money(r.remaining_overtime_cost))?;
    out.text(
        "WorkVariance",
        &work_variance(r.work_variance.unwrap_or(0.0)),
    )?;
    out.text("CostVariance", &money(r.cost_variance))?;
    out.text("SV", &money(r.sv))?;
    out.text("CV", &money(r.cv))?;
    out.text("ACWP", &money(r.acwp))?;
    if let Some(calendar) = r.calendar_uid {
        out.int("CalendarUID", calendar)?;
    }
    out.opt_text("Notes", r.notes.as_deref())?;
    out.text("BCWS", &money(r.bcws))?;
    out.text("BCWP", &money(r.bcwp))?;
    out.bool("IsGeneric", r.is_generic)?;
    out.bool("IsInactive", r.is_inactive)?;
    out.bool("IsEnterprise", r.is_enterprise)?;
    out.int("BookingType", r.booking_type)?;
    work(out, "ActualWorkProtected", minutes(r.actual_work_protected))?;
    work(
        out,
        "ActualOvertimeWorkProtected",
        minutes(r.actual_overtime_work_protected),
    )?;
    out.date("CreationDate", r.created)?;
    out.bool("IsCostResource", r.kind == ResourceKind::Cost)?;
    out.bool("IsBudget", r.is_budget)?;
    custom::write_values(out, project, r.uid, &r.custom_values)?;
    write_baselines(out, &r.baselines)?;
    write_rates(out, r)?;
    write_availability(out, r)?;
    out.end("Resource")
}

fn write_baselines(out: &mut Out, baselines: &[Baseline]) -> Result<(), ConvertError> {
    for b in baselines {
        out.start("Baseline")?;
        out.int("Number", b.number)?;
        if let Some(w) = b.work {
            work(out, "Work", w)?;
        }
        if let Some(cost) = b.cost {
            out.text("Cost", &dec4(cost * 100.0))?;
        }
        out.end("Baseline")?;
    }
    Ok(())
}

/// `Rates`: every non-trivial entry of tables B–E, and of table A when it says more than
/// the resource's own rates (MPXJ's rule).
fn write_rates(out: &mut Out, r: &Resource) -> Result<(), ConvertError> {
    let table_a: Vec<_> = r.cost_rates.iter().filter(|c| c.table == 0).collect();
    let a_is_own = match table_a.as_slice() {
        [only] => {
            Some(only.standard_rate) == r.standard_rate
                && Some(only.overtime_rate) == r.overtime_rate
                && Some(only.cost_per_use) == r.cost_per_use
                && only.standard_rate_format == r.standard_rate_format
                && only.overtime_rate_format == r.overtime_rate_format
        }
        _ => false,
    };
    let mut started = false;
    for rate in &r.cost_rates {
        if rate.table == 0 && a_is_own {
            continue;
        }
        let dated = rate.from.is_some_and(|f| f > start_na());
        let valued =
            rate.standard_rate != 0.0 || rate.overtime_rate != 0.0 || rate.cost_per_use != 0.0;
        if !dated && !valued {
            continue;
        }
        if !started {
            out.start("Rates")?;
            started = true;
        }
        out.start("Rate")?;
        out.date("RatesFrom", rate.from)?;
        out.date("RatesTo", rate.to)?;
        out.int("RateTable", rate.table)?;
        out.text("StandardRate", &dec4(rate.standard_rate))?;
        out.int("StandardRateFormat", rate.standard_rate_format)?;
        out.text("OvertimeRate", &dec4(rate.overtime_rate))?;
        out.int("OvertimeRateFormat", rate.overtime_rate_format)?;
        out.text("CostPerUse", &dec4(rate.cost_per_use * 100.0))?;
        out.end("Rate")?;
    }
    if started {
        out.end("Rates")?;
    }
    Ok(())
}

/// `AvailabilityPeriods`, unless the resource is available at one level for all time.
fn write_availability(out: &mut Out, r: &Resource) -> Result<(), ConvertError> {
    let default = match r.availability.as_slice() {
        [] => true,
        [only] => {
            only.from.is_none_or(|f| f == start_na()) && only.to.is_none_or(|t| t >= end_na())
        }
        _ => false,
    };
    if default {
        return Ok(());
    }
    out.start("AvailabilityPeriods")?;
    for period in &r.availability {
        out.start("AvailabilityPeriod")?;
        out.date("AvailableFrom", period.from)?;
        out.date("AvailableTo", period.to)?;
        out.text("AvailableUnits", &dec4(period.units))?;
        out.end("AvailabilityPeriod")?;
    }
    out.end("AvailabilityPeriods")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Assignment, AvailabilityPeriod, CostRate};
    use crate::mspdi::xml::xml_of;

    fn rate(from: DateTime, to: DateTime, standard: f64) -> CostRate {
        CostRate {
            table: 0,
            from: Some(from),
            to: Some(to),
            standard_rate: standard,
            standard_rate_format: 2,
            overtime_rate_format: 2,
            ..CostRate::default()
        }
    }

    #[test]
    fn names_and_labels_are_made_importable() {
        assert_eq!(resource_name("Smith, J [lead]"), "Smith; J  lead ");
        assert_eq!(material_label("[kg]"), "kg");
        assert_eq!(material_label("d"), "d.");
        assert_eq!(material_label(&"x".repeat(40)).len(), 32);
        assert_eq!(work_variance(480.4), "480000");
        assert_eq!(dec4(0.333_333), "0.3333");
    }

    #[test]
    fn writes_rates_dates_and_derived_span() -> Result<(), ConvertError> {
        let change = date(2009, 6, 15, 8, 0);
        let resource = Resource {
            uid: 1,
            name: Some("A,B".to_owned()),
            standard_rate: Some(1200.0),
            standard_rate_format: 2,
            cost_rates: vec![
                rate(start_na(), change, 5.0),
                rate(change, end_na(), 1200.0),
            ],
            availability: vec![AvailabilityPeriod {
                from: Some(start_na()),
                to: Some(end_na()),
                units: 1.0,
            }],
            ..Resource::default()
        };
        let assignment = |uid, d| Assignment {
            uid,
            resource_uid: 1,
            start: Some(date(2024, 1, d, 8, 0)),
            finish: Some(date(2024, 1, d, 17, 0)),
            ..Assignment::default()
        };
        let project = Project {
            resources: vec![resource],
            assignments: vec![assignment(1, 3), assignment(2, 2)],
            ..Project::default()
        };
        let xml = xml_of(|out| write(out, &project))?;
        assert!(xml.contains("<Name>A;B</Name>"));
        assert!(xml.contains("<Start>2024-01-02T08:00:00</Start>"));
        assert!(xml.contains("<Finish>2024-01-03T17:00:00</Finish>"));
        assert_eq!(
            xml.matches("<Rate>").count(),
            2,
            "a dated table A is written whole"
        );
        assert!(xml.contains("<RatesTo>2009-06-15T08:00:00</RatesTo>"));
        assert!(
            !xml.contains("AvailabilityPeriods"),
            "one open period is the default"
        );
        Ok(())
    }
}
