//! Arbitrary models into the MSPDI writer: whatever strings, numbers and dates a model holds
//! (a reader may pass on anything a file stores), the XML must parse back. This is where
//! escaping, characters XML 1.0 forbids and non-finite numbers would show.

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use converter::model::{
    AvailabilityPeriod, Baseline, Calendar, CalendarException, CostRate, CustomFieldDefinition,
    CustomFieldValue, CustomValue, DayHours, DottedCode, Duration, FileFormat, Guid, LookupTable,
    LookupValue, Project, Recurrence, Relation, RelationKind, Resource, ResourceKind, Task,
    TimeRange, TimeUnit, WorkWeek,
};
use libfuzzer_sys::fuzz_target;
use quick_xml::events::Event;

type R<T> = arbitrary::Result<T>;

/// Few items per list: the writer's loops are the same for ten items as for a thousand, and
/// small inputs run faster.
const MAX_ITEMS: usize = 6;

fn list<T>(
    u: &mut Unstructured<'_>,
    mut item: impl FnMut(&mut Unstructured<'_>) -> R<T>,
) -> R<Vec<T>> {
    let n = u.int_in_range(0..=MAX_ITEMS)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(item(u)?);
    }
    Ok(out)
}

/// A string that is often hostile to XML: markup characters, control characters, lone
/// carriage returns, surrogates' neighbours, the non-characters U+FFFE/U+FFFF.
fn text(u: &mut Unstructured<'_>) -> R<String> {
    let parts = u.int_in_range(0..=8)?;
    let mut out = String::new();
    for _ in 0..parts {
        if u.ratio(1, 2)? {
            out.push_str(u.choose(testkit::XML_HOSTILE)?);
        } else {
            out.push_str(<&str>::arbitrary(u)?);
        }
    }
    Ok(out)
}

fn opt<T>(u: &mut Unstructured<'_>, f: impl FnOnce(&mut Unstructured<'_>) -> R<T>) -> R<Option<T>> {
    if u.arbitrary()? {
        Ok(Some(f(u)?))
    } else {
        Ok(None)
    }
}

fn opt_text(u: &mut Unstructured<'_>) -> R<Option<String>> {
    opt(u, text)
}

/// Any `f64`, non-finite and huge ones included.
fn number(u: &mut Unstructured<'_>) -> R<f64> {
    const SPECIAL: &[f64] = &[
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        -0.0,
        1e300,
        -1e-300,
        0.5,
    ];
    if u.ratio(1, 4)? {
        Ok(*u.choose(SPECIAL)?)
    } else {
        u.arbitrary()
    }
}

fn opt_number(u: &mut Unstructured<'_>) -> R<Option<f64>> {
    opt(u, number)
}

/// Any date chrono can hold, from year -262143 to 262142.
fn datetime(u: &mut Unstructured<'_>) -> R<NaiveDateTime> {
    let days: i32 = u.int_in_range(-100_000_000..=100_000_000)?;
    let seconds: u32 = u.int_in_range(0..=86_399)?;
    let date = NaiveDate::from_num_days_from_ce_opt(days).unwrap_or_default();
    let time = NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0).unwrap_or_default();
    Ok(NaiveDateTime::new(date, time))
}

fn opt_datetime(u: &mut Unstructured<'_>) -> R<Option<NaiveDateTime>> {
    opt(u, datetime)
}

fn time(u: &mut Unstructured<'_>) -> R<NaiveTime> {
    let seconds: u32 = u.int_in_range(0..=86_399)?;
    Ok(NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0).unwrap_or_default())
}

fn duration(u: &mut Unstructured<'_>) -> R<Duration> {
    Ok(Duration::new(number(u)?, TimeUnit(u.arbitrary()?)))
}

fn opt_duration(u: &mut Unstructured<'_>) -> R<Option<Duration>> {
    opt(u, duration)
}

fn guid(u: &mut Unstructured<'_>) -> R<Option<Guid>> {
    opt(u, |u| Ok(Guid(u.arbitrary()?)))
}

/// A small id, so that references between tasks, resources and calendars often resolve.
fn id(u: &mut Unstructured<'_>) -> R<i32> {
    if u.ratio(1, 8)? {
        u.arbitrary()
    } else {
        u.int_in_range(-1..=8)
    }
}

fn code(u: &mut Unstructured<'_>) -> R<Option<DottedCode>> {
    opt(u, |u| {
        let mut code = DottedCode::root(text(u)?);
        for _ in 0..u.int_in_range(0..=3)? {
            code = DottedCode::child(&code, text(u)?);
        }
        Ok(code)
    })
}

fn custom_value(u: &mut Unstructured<'_>) -> R<CustomFieldValue> {
    let value = match u.int_in_range(0..=7)? {
        0 => CustomValue::Text(text(u)?),
        1 => CustomValue::Number(number(u)?),
        2 => CustomValue::Cost(number(u)?),
        3 => CustomValue::Date(datetime(u)?),
        4 => CustomValue::Duration(duration(u)?),
        5 => CustomValue::Flag(u.arbitrary()?),
        6 => CustomValue::LookupValue(id(u)?),
        _ => CustomValue::OutlineCode {
            text: text(u)?,
            value_id: opt(u, id)?,
        },
    };
    Ok(CustomFieldValue {
        field_id: custom_field_id(u)?,
        value,
        value_guid: guid(u)?,
    })
}

/// Field ids the writer knows (Text1 = 0x0B40_000E … in the task, resource and assignment
/// classes) as often as any other.
fn custom_field_id(u: &mut Unstructured<'_>) -> R<u32> {
    if u.arbitrary()? {
        let class: u32 = *u.choose(&[0x0B40_0000, 0x0C40_0000, 0x0F40_0000])?;
        Ok(class | u32::from(u.int_in_range(0u16..=1024)?))
    } else {
        u.arbitrary()
    }
}

fn baselines(u: &mut Unstructured<'_>) -> R<Vec<Baseline>> {
    list(u, |u| {
        Ok(Baseline {
            number: u.arbitrary()?,
            start: opt_datetime(u)?,
            finish: opt_datetime(u)?,
            duration: opt_duration(u)?,
            work: opt_number(u)?,
            cost: opt_number(u)?,
        })
    })
}

fn task(u: &mut Unstructured<'_>) -> R<Task> {
    Ok(Task {
        uid: id(u)?,
        id: id(u)?,
        guid: guid(u)?,
        name: opt_text(u)?,
        is_null: u.ratio(1, 8)?,
        active: u.arbitrary()?,
        manual: u.arbitrary()?,
        task_type: u.arbitrary()?,
        created: opt_datetime(u)?,
        contact: opt_text(u)?,
        wbs: code(u)?,
        outline_number: code(u)?,
        outline_level: u.int_in_range(0..=5)?,
        parent_uid: opt(u, id)?,
        priority: u.arbitrary()?,
        start: opt_datetime(u)?,
        finish: opt_datetime(u)?,
        duration: opt_duration(u)?,
        manual_start: opt_datetime(u)?,
        manual_finish: opt_datetime(u)?,
        manual_duration: opt_duration(u)?,
        start_text: opt_text(u)?,
        finish_text: opt_text(u)?,
        duration_text: opt_text(u)?,
        estimated: u.arbitrary()?,
        work: opt_number(u)?,
        stop: opt_datetime(u)?,
        resume: opt_datetime(u)?,
        milestone: u.arbitrary()?,
        summary: u.arbitrary()?,
        critical: u.arbitrary()?,
        is_subproject: u.arbitrary()?,
        subproject_file: opt_text(u)?,
        external_task: u.arbitrary()?,
        free_slack: opt_duration(u)?,
        total_slack: opt_duration(u)?,
        fixed_cost: opt_number(u)?,
        percent_complete: opt_number(u)?,
        cost: opt_number(u)?,
        actual_start: opt_datetime(u)?,
        actual_finish: opt_datetime(u)?,
        actual_duration: opt_duration(u)?,
        remaining_duration: opt_duration(u)?,
        constraint_type: u.arbitrary()?,
        constraint_date: opt_datetime(u)?,
        calendar_uid: opt(u, id)?,
        deadline: opt_datetime(u)?,
        leveling_delay: opt_duration(u)?,
        hyperlink: opt_text(u)?,
        hyperlink_address: opt_text(u)?,
        hyperlink_sub_address: opt_text(u)?,
        hyperlink_screen_tip: opt_text(u)?,
        notes: opt_text(u)?,
        earned_value_method: u.arbitrary()?,
        predecessors: list(u, |u| {
            Ok(Relation {
                uid: id(u)?,
                predecessor_uid: id(u)?,
                kind: RelationKind::from_code(u.arbitrary()?),
                lag: duration(u)?,
            })
        })?,
        custom_values: list(u, custom_value)?,
        baselines: baselines(u)?,
        ..Task::default()
    })
}

fn resource(u: &mut Unstructured<'_>) -> R<Resource> {
    Ok(Resource {
        uid: id(u)?,
        id: id(u)?,
        guid: guid(u)?,
        name: opt_text(u)?,
        kind: *u.choose(&[
            ResourceKind::Work,
            ResourceKind::Material,
            ResourceKind::Cost,
        ])?,
        is_null: u.ratio(1, 8)?,
        initials: opt_text(u)?,
        code: opt_text(u)?,
        material_label: opt_text(u)?,
        group: opt_text(u)?,
        email_address: opt_text(u)?,
        max_units: opt_number(u)?,
        available_from: opt_datetime(u)?,
        available_to: opt_datetime(u)?,
        work: opt_number(u)?,
        standard_rate: opt_number(u)?,
        standard_rate_format: u.arbitrary()?,
        overtime_rate: opt_number(u)?,
        cost_per_use: opt_number(u)?,
        calendar_uid: opt(u, id)?,
        notes: opt_text(u)?,
        hyperlink: opt_text(u)?,
        hyperlink_address: opt_text(u)?,
        hyperlink_sub_address: opt_text(u)?,
        created: opt_datetime(u)?,
        cost_rates: list(u, |u| {
            Ok(CostRate {
                table: u.arbitrary()?,
                from: opt_datetime(u)?,
                to: opt_datetime(u)?,
                standard_rate: number(u)?,
                standard_rate_format: u.arbitrary()?,
                overtime_rate: number(u)?,
                overtime_rate_format: u.arbitrary()?,
                cost_per_use: number(u)?,
            })
        })?,
        availability: list(u, |u| {
            Ok(AvailabilityPeriod {
                from: opt_datetime(u)?,
                to: opt_datetime(u)?,
                units: number(u)?,
            })
        })?,
        custom_values: list(u, custom_value)?,
        baselines: baselines(u)?,
        ..Resource::default()
    })
}

fn assignment(u: &mut Unstructured<'_>) -> R<converter::model::Assignment> {
    Ok(converter::model::Assignment {
        uid: id(u)?,
        guid: guid(u)?,
        task_uid: id(u)?,
        resource_uid: id(u)?,
        start: opt_datetime(u)?,
        finish: opt_datetime(u)?,
        work: opt_number(u)?,
        units: opt_number(u)?,
        cost: opt_number(u)?,
        delay: opt_duration(u)?,
        notes: opt_text(u)?,
        hyperlink: opt_text(u)?,
        work_contour: u.arbitrary()?,
        variable_rate_units: u.arbitrary()?,
        custom_values: list(u, custom_value)?,
        baselines: baselines(u)?,
        ..converter::model::Assignment::default()
    })
}

fn day_hours(u: &mut Unstructured<'_>) -> R<DayHours> {
    Ok(match u.int_in_range(0..=2)? {
        0 => DayHours::Default,
        1 => DayHours::NonWorking,
        _ => DayHours::Working(ranges(u)?),
    })
}

fn ranges(u: &mut Unstructured<'_>) -> R<Vec<TimeRange>> {
    list(u, |u| {
        Ok(TimeRange {
            start: time(u)?,
            end: time(u)?,
        })
    })
}

fn week(u: &mut Unstructured<'_>) -> R<[DayHours; 7]> {
    let mut days: [DayHours; 7] = Default::default();
    for day in &mut days {
        *day = day_hours(u)?;
    }
    Ok(days)
}

/// A date within about 27 years: exceptions and work weeks are expanded day by day into the
/// legacy `WeekDays` list, and spans of thousands of years make each input take seconds
/// (the finding `fuzz_mspdi_writer_work_week_over_240_000_years_is_written_quickly` in
/// `converter/tests/fuzz_regressions.rs`), which would stop every run at that one timeout.
fn near_date(u: &mut Unstructured<'_>) -> R<NaiveDateTime> {
    let days: i32 = u.int_in_range(730_000..=740_000)?;
    let date = NaiveDate::from_num_days_from_ce_opt(days).unwrap_or_default();
    Ok(NaiveDateTime::new(date, time(u)?))
}

fn calendar(u: &mut Unstructured<'_>) -> R<Calendar> {
    Ok(Calendar {
        uid: id(u)?,
        guid: guid(u)?,
        name: opt_text(u)?,
        base_calendar_uid: opt(u, id)?,
        resource_uid: opt(u, id)?,
        days: week(u)?,
        exceptions: list(u, |u| {
            Ok(CalendarException {
                from: near_date(u)?,
                to: near_date(u)?,
                name: opt_text(u)?,
                working_times: ranges(u)?,
                occurrences: u.arbitrary()?,
                recurrence: opt(u, |u| {
                    Ok(Recurrence {
                        kind: u.int_in_range(0..=8)?,
                        period: u.arbitrary()?,
                        days_of_week: u.arbitrary()?,
                        month_item: u.int_in_range(0..=10)?,
                        month_position: u.int_in_range(0..=5)?,
                        month: u.int_in_range(0..=12)?,
                        month_day: u.int_in_range(0..=32)?,
                    })
                })?,
            })
        })?,
        work_weeks: list(u, |u| {
            Ok(WorkWeek {
                name: opt_text(u)?,
                from: near_date(u)?,
                to: near_date(u)?,
                days: week(u)?,
            })
        })?,
        is_baseline: u.arbitrary()?,
    })
}

fn project(u: &mut Unstructured<'_>) -> R<Project> {
    let mut project = Project::default();
    let p = &mut project.properties;
    p.file_format = opt(u, |u| {
        Ok(*u.choose(&[
            FileFormat::Mpp8,
            FileFormat::Mpp9,
            FileFormat::Mpp12,
            FileFormat::Mpp14,
        ])?)
    })?;
    p.template = u.arbitrary()?;
    p.application = opt_text(u)?;
    p.title = opt_text(u)?;
    p.subject = opt_text(u)?;
    p.author = opt_text(u)?;
    p.company = opt_text(u)?;
    p.manager = opt_text(u)?;
    p.keywords = opt_text(u)?;
    p.comments = opt_text(u)?;
    p.category = opt_text(u)?;
    p.last_author = opt_text(u)?;
    p.revision = u.arbitrary()?;
    p.creation_date = opt_datetime(u)?;
    p.last_saved = opt_datetime(u)?;
    p.guid = guid(u)?;
    p.start_date = opt_datetime(u)?;
    p.finish_date = opt_datetime(u)?;
    p.status_date = opt_datetime(u)?;
    p.current_date = opt_datetime(u)?;
    p.currency_symbol = opt_text(u)?;
    p.currency_code = opt_text(u)?;
    p.currency_digits = u.arbitrary()?;
    p.calendar_name = opt_text(u)?;
    p.baseline_calendar_name = opt_text(u)?;
    p.default_start_time = time(u)?;
    p.default_finish_time = time(u)?;
    p.minutes_per_day = u.arbitrary()?;
    p.minutes_per_week = u.arbitrary()?;
    p.days_per_month = u.arbitrary()?;
    p.default_standard_rate = number(u)?;
    p.default_overtime_rate = number(u)?;
    p.duration_format = u.arbitrary()?;
    p.work_format = u.arbitrary()?;
    p.week_start_day = u.arbitrary()?;
    p.fiscal_year_start_month = u.arbitrary()?;
    project.calendars = list(u, calendar)?;
    project.tasks = list(u, task)?;
    project.resources = list(u, resource)?;
    project.assignments = list(u, assignment)?;
    project.custom_fields = list(u, |u| {
        Ok(CustomFieldDefinition {
            field_id: custom_field_id(u)?,
            name: text(u)?,
            alias: opt_text(u)?,
            lookup_table_guid: guid(u)?,
            secondary_pid: u.arbitrary()?,
            cf_type: u.arbitrary()?,
        })
    })?;
    project.lookup_tables = list(u, |u| {
        Ok(LookupTable {
            field_id: opt(u, custom_field_id)?,
            guid: guid(u)?,
            values: list(u, |u| {
                Ok(LookupValue {
                    id: id(u)?,
                    parent_id: id(u)?,
                    guid: guid(u)?,
                    value_type: u.arbitrary()?,
                    value: text(u)?,
                    description: opt_text(u)?,
                })
            })?,
        })
    })?;
    Ok(project)
}

/// Reads `xml` to the end as quick-xml does, attributes and entities included.
fn parse_back(xml: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(xml).map_err(|e| format!("not UTF-8: {e}"))?;
    if let Some((at, c)) = text.char_indices().find(|(_, c)| !xml_char(*c)) {
        return Err(format!(
            "U+{:04X} at byte {at} is not an XML 1.0 character",
            u32::from(c)
        ));
    }
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    loop {
        let at = reader.buffer_position();
        match reader
            .read_event()
            .map_err(|e| format!("at byte {at}: {e}"))?
        {
            Event::Start(e) => {
                depth += 1;
                check_attributes(&e, at)?;
            }
            Event::Empty(e) => check_attributes(&e, at)?,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::GeneralRef(r) => {
                let known = matches!(&*r, "lt" | "gt" | "amp" | "apos" | "quot");
                let char_ok =
                    r.is_char_ref() && matches!(r.resolve_char_ref(), Ok(Some(c)) if xml_char(c));
                if !known && !char_ok {
                    return Err(format!("bad reference &{}; at byte {at}", &*r));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth == 0 {
        Ok(())
    } else {
        Err(format!("{depth} element(s) left open"))
    }
}

fn check_attributes(e: &quick_xml::events::BytesStart<'_>, at: u64) -> Result<(), String> {
    for attr in e.attributes().with_checks(true) {
        attr.map_err(|e| format!("at byte {at}: bad attribute: {e}"))?;
    }
    Ok(())
}

/// The characters XML 1.0 allows (its production `Char`).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(project) = project(&mut u) else { return };
    match converter::write_mspdi(&project) {
        Ok(xml) => {
            if let Err(problem) = parse_back(&xml) {
                panic!(
                    "the XML does not parse back: {problem}\n{}",
                    String::from_utf8_lossy(&xml)
                );
            }
        }
        Err(e) => panic!("writing an in-memory model failed: {e}"),
    }
});
