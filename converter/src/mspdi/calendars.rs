//! `<Calendars>`: base calendars first, then resource calendars, each by UID. Exceptions are
//! written twice, as Project 2007 and later do: expanded into dated `WeekDay`s (the form
//! older readers know) and as `Exceptions` with their recurrence.

use super::xml::{Out, datetime, time};
use crate::error::ConvertError;
use crate::model::{
    Calendar, CalendarException, DayHours, Project, Recurrence, TimeRange, WorkWeek,
};
use chrono::{NaiveDate, NaiveTime};
use std::collections::BTreeMap;

/// Most exception days expanded for one document (far more than any real plan has), so a
/// file of long recurrences cannot make writing slow.
const EXPANSION_BUDGET: usize = 5_000_000;
/// Memory one expanded day takes while its calendar is written (a dated entry and its map
/// node, with room to spare).
const EXPANDED_DAY_BYTES: u64 = 128;

/// Longest calendar name Project accepts on import.
const MAX_NAME: usize = 51;
/// `BaseCalendarUID` of a base calendar as Project 2000–2010 write it; 2013 and later
/// write 0.
const NO_BASE: i32 = -1;
/// The first application version (Project 2013) that writes 0 for "no base calendar".
const FIRST_ZERO_BASE_VERSION: u16 = 15;

/// A calendar or work week name as Project accepts it: no control characters, at most 51
/// characters (UTF-16 units, as Project counts them).
fn calendar_name(name: &str) -> String {
    let mut units = 0;
    name.chars()
        .filter(|c| !c.is_control())
        .take_while(|c| {
            units += c.len_utf16();
            units <= MAX_NAME
        })
        .collect()
}

/// Writes the `Calendars` container.
pub fn write(out: &mut Out, project: &Project) -> Result<(), ConvertError> {
    if project.calendars.is_empty() {
        return out.empty("Calendars");
    }
    let mut ordered: Vec<&Calendar> = project.calendars.iter().collect();
    ordered.sort_by_key(|c| (!c.is_base(), c.uid));
    out.start("Calendars")?;
    // Each expanded day costs a unit of work and, while its calendar is written, a dated
    // entry in memory: the days a document may expand are what the budgets have left (and
    // never more than EXPANSION_BUDGET, past which recurrences stand for their stored span).
    let engine = out.budget();
    let affordable = engine
        .spare_work()
        .min(engine.spare_memory() / EXPANDED_DAY_BYTES);
    let allowed = usize::try_from(affordable).map_or(EXPANSION_BUDGET, |a| a.min(EXPANSION_BUDGET));
    let limited = allowed < EXPANSION_BUDGET;
    let mut days_left = allowed;
    let no_base = match project.properties.application_version {
        Some(v) if v >= FIRST_ZERO_BASE_VERSION => 0,
        _ => NO_BASE,
    };
    for calendar in ordered {
        write_calendar(out, calendar, no_base, &mut days_left)?;
        if limited && days_left == 0 {
            engine.exhaust_work();
            return engine.check();
        }
    }
    out.work(u64::try_from(allowed - days_left).unwrap_or(u64::MAX))?;
    out.end("Calendars")
}

fn write_calendar(
    out: &mut Out,
    calendar: &Calendar,
    no_base: i32,
    budget: &mut usize,
) -> Result<(), ConvertError> {
    out.start("Calendar")?;
    out.int("UID", calendar.uid)?;
    out.guid("GUID", calendar.guid)?;
    if let Some(name) = &calendar.name {
        out.text("Name", &calendar_name(name))?;
    }
    out.bool("IsBaseCalendar", calendar.is_base())?;
    out.bool("IsBaselineCalendar", calendar.is_baseline)?;
    out.int(
        "BaseCalendarUID",
        calendar.base_calendar_uid.unwrap_or(no_base),
    )?;

    let legacy = expanded_exceptions(calendar, budget);
    let has_days = calendar.days.iter().any(|d| *d != DayHours::Default);
    if has_days || !legacy.is_empty() {
        out.start("WeekDays")?;
        for (day_type, hours) in (1..).zip(&calendar.days) {
            write_week_day(out, day_type, hours)?;
        }
        for (from, to, times) in legacy {
            out.start("WeekDay")?;
            out.int("DayType", 0)?;
            out.bool("DayWorking", !times.is_empty())?;
            write_period(out, from, to)?;
            write_times(out, &times)?;
            out.end("WeekDay")?;
        }
        out.end("WeekDays")?;
    }

    if !calendar.exceptions.is_empty() {
        let mut exceptions: Vec<(NaiveDate, NaiveDate, &CalendarException)> = calendar
            .exceptions
            .iter()
            .map(|e| {
                // From the start of the recurrence's range (not its first occurrence) to
                // the end of its last occurrence, as Project writes a recurring exception.
                let days = e.occurrences(budget);
                let last = days.last().map_or(e.to.date(), |d| d.1);
                (e.from.date(), last, e)
            })
            .collect();
        // MS Project ignores exceptions that are not in date order.
        exceptions.sort_by_key(|(from, _, _)| *from);
        out.start("Exceptions")?;
        for (from, to, exception) in exceptions {
            write_exception(out, from, to, exception)?;
        }
        out.end("Exceptions")?;
    }

    if !calendar.work_weeks.is_empty() {
        out.start("WorkWeeks")?;
        for week in &calendar.work_weeks {
            write_work_week(out, week)?;
        }
        out.end("WorkWeeks")?;
    }
    out.end("Calendar")
}

/// One day of the week; "default" days of a derived calendar are left out (they follow the
/// base calendar).
fn write_week_day(out: &mut Out, day_type: i32, hours: &DayHours) -> Result<(), ConvertError> {
    let times = match hours {
        DayHours::Default => return Ok(()),
        DayHours::NonWorking => None,
        DayHours::Working(times) => Some(times),
    };
    out.start("WeekDay")?;
    out.int("DayType", day_type)?;
    out.bool("DayWorking", times.is_some())?;
    if let Some(times) = times {
        write_times(out, times)?;
    }
    out.end("WeekDay")
}

fn write_times(out: &mut Out, times: &[TimeRange]) -> Result<(), ConvertError> {
    if times.is_empty() {
        return Ok(());
    }
    out.start("WorkingTimes")?;
    for t in times {
        out.start("WorkingTime")?;
        out.text("FromTime", &time(t.start))?;
        out.text("ToTime", &time(t.end))?;
        out.end("WorkingTime")?;
    }
    out.end("WorkingTimes")
}

/// A span of whole days: from the first day's midnight to the last minute of the last day,
/// `T23:59:00`, as Project writes every such period (times with seconds made it read days
/// as exceptions, MPXJ's changelog 0.9.2).
fn write_period(out: &mut Out, from: NaiveDate, to: NaiveDate) -> Result<(), ConvertError> {
    out.start("TimePeriod")?;
    out.text("FromDate", &datetime(from.and_time(NaiveTime::MIN)))?;
    out.text("ToDate", &datetime(day_end(to)))?;
    out.end("TimePeriod")
}

fn day_end(day: NaiveDate) -> chrono::NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(23, 59, 0).unwrap_or(NaiveTime::MIN))
}

/// A dated span of the legacy exception list with its working times.
type Dated = (NaiveDate, NaiveDate, Vec<TimeRange>);

/// The exceptions as dated, non-recurring spans in date order, where one day has one
/// exception: plain exceptions win over recurring ones, and among recurring ones daily beat
/// yearly, yearly beat monthly, monthly beat weekly (Project's precedence). Work weeks are
/// folded in as weekly exceptions under the calendar's own, since this list is all an older
/// reader sees.
fn expanded_exceptions(calendar: &Calendar, budget: &mut usize) -> Vec<Dated> {
    if calendar.work_weeks.is_empty() {
        return expand(&calendar.exceptions, budget);
    }
    let mut merged = Calendar::default();
    merged.merge_exceptions(&calendar.exceptions, budget);
    let mut weeks: Vec<&WorkWeek> = calendar.work_weeks.iter().collect();
    weeks.sort_by_key(|w| w.from);
    for week in weeks {
        merged.merge_exceptions(&week_exceptions(week), budget);
    }
    expand(&merged.exceptions, budget)
}

/// A work week as one weekly exception per day it sets.
fn week_exceptions(week: &WorkWeek) -> Vec<CalendarException> {
    (0u16..7)
        .zip(&week.days)
        .filter_map(|(day, hours)| {
            let working_times = match hours {
                DayHours::Default => return None,
                DayHours::NonWorking => Vec::new(),
                DayHours::Working(times) => times.clone(),
            };
            Some(CalendarException {
                from: week.from,
                to: week.to,
                working_times,
                occurrences: 1,
                recurrence: Some(Recurrence {
                    kind: 6,
                    period: 1,
                    days_of_week: 1 << day,
                    ..Default::default()
                }),
                ..Default::default()
            })
        })
        .collect()
}

fn expand(exceptions: &[CalendarException], budget: &mut usize) -> Vec<Dated> {
    /// Rank of a recurrence kind: later ranks overwrite earlier ones.
    fn rank(kind: u16) -> u8 {
        match kind {
            6 => 0,
            4 | 5 => 1,
            2 | 3 => 2,
            _ => 3,
        }
    }
    let mut by_day: BTreeMap<NaiveDate, (NaiveDate, &[TimeRange])> = BTreeMap::new();
    let mut recurring: Vec<(u8, Vec<crate::model::DaySpan>, &CalendarException)> = Vec::new();
    let mut plain = Vec::new();
    for exception in exceptions {
        let days = exception.occurrences(budget);
        match (&exception.recurrence, days.len()) {
            (Some(r), n) if n != 1 => recurring.push((rank(r.kind), days, exception)),
            _ => plain.extend(days.into_iter().map(|d| (d, exception))),
        }
    }
    recurring.sort_by_key(|(rank, _, _)| *rank);
    for (_, days, exception) in recurring {
        for (from, to) in days {
            by_day.insert(from, (to, exception.working_times.as_slice()));
        }
    }
    for ((from, to), exception) in plain {
        by_day.insert(from, (to, exception.working_times.as_slice()));
    }
    by_day
        .into_iter()
        .map(|(from, (to, times))| (from, to, times.to_vec()))
        .collect()
}

fn write_exception(
    out: &mut Out,
    from: NaiveDate,
    to: NaiveDate,
    exception: &CalendarException,
) -> Result<(), ConvertError> {
    out.start("Exception")?;
    out.bool("EnteredByOccurrences", exception.recurrence.is_some())?;
    write_period(out, from, to)?;
    let occurrences = if exception.recurrence.is_some() {
        exception.occurrences
    } else {
        1
    };
    out.int("Occurrences", occurrences)?;
    if let Some(name) = &exception.name {
        out.text(
            "Name",
            &name.chars().filter(|c| !c.is_control()).collect::<String>(),
        )?;
    }
    match &exception.recurrence {
        None => out.int("Type", 1)?,
        Some(r) => {
            out.int("Type", r.kind)?;
            match r.kind {
                7 => out.int("Period", r.period.max(1))?,
                6 => {
                    out.int("Period", r.period.max(1))?;
                    out.int("DaysOfWeek", r.days_of_week & 0x7F)?;
                }
                5 => {
                    out.int("Period", r.period.max(1))?;
                    out.int("MonthItem", r.month_item)?;
                    out.int("MonthPosition", r.month_position.min(4))?;
                }
                4 => {
                    out.int("Period", r.period.max(1))?;
                    out.int("MonthDay", r.month_day)?;
                }
                3 => {
                    out.int("Month", r.month)?;
                    out.int("MonthItem", r.month_item)?;
                    out.int("MonthPosition", r.month_position.min(4))?;
                }
                2 => {
                    out.int("Month", r.month)?;
                    out.int("MonthDay", r.month_day)?;
                }
                _ => {}
            }
        }
    }
    out.bool("DayWorking", !exception.working_times.is_empty())?;
    write_times(out, &exception.working_times)?;
    out.end("Exception")
}

fn write_work_week(out: &mut Out, week: &WorkWeek) -> Result<(), ConvertError> {
    out.start("WorkWeek")?;
    write_period(out, week.from.date(), week.to.date())?;
    if let Some(name) = &week.name {
        out.text("Name", &calendar_name(name))?;
    }
    if week.days.iter().any(|d| *d != DayHours::Default) {
        out.start("WeekDays")?;
        for (day_type, hours) in (1..).zip(&week.days) {
            write_week_day(out, day_type, hours)?;
        }
        out.end("WeekDays")?;
    }
    out.end("WorkWeek")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mspdi::xml::xml_of;

    fn at(y: i32, m: u32, d: u32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap_or_default()
            .and_time(NaiveTime::MIN)
    }

    #[test]
    fn names_are_cleaned_and_cut() {
        assert_eq!(calendar_name("a\u{1}b"), "ab");
        assert_eq!(calendar_name(&"x".repeat(60)).chars().count(), 51);
    }

    /// `count` calendars, each with one exception recurring every day for 10 years.
    fn recurring_project(count: i32) -> Project {
        let daily = CalendarException {
            from: at(2000, 1, 1),
            to: at(2009, 12, 31),
            occurrences: u16::MAX,
            recurrence: Some(Recurrence {
                kind: 6,
                period: 1,
                days_of_week: 127,
                ..Default::default()
            }),
            ..Default::default()
        };
        Project {
            calendars: (1..=count)
                .map(|uid| Calendar {
                    uid,
                    name: Some(format!("C{uid}")),
                    exceptions: vec![daily.clone()],
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    /// Writes `project`'s calendars with a work budget; the work spent and the outcome.
    fn write_with_work(project: &Project, work: u64) -> (u64, Result<(), ConvertError>) {
        let budget = crate::budget::Budget::new(u64::MAX, work, None);
        let mut sink = std::io::sink();
        let result = Out::new(&mut sink, u64::MAX, &budget)
            .and_then(|mut out| write(&mut out, project).and_then(|()| out.finish().map(|_| ())));
        (budget.usage().work, result)
    }

    #[test]
    fn expanded_days_are_drawn_from_the_work_budget() {
        let (one, result) = write_with_work(&recurring_project(1), 50_000);
        assert!(result.is_ok(), "{result:?}");
        assert!(one >= 3_650, "each of 3,653 days is a unit: {one}");
        // A hundred such calendars are a hundred times the work: past the budget, the
        // writing stops with the budget's error, having spent no more than it.
        let (spent, result) = write_with_work(&recurring_project(100), 50_000);
        assert!(
            matches!(result, Err(ConvertError::WorkBudget)),
            "{result:?}"
        );
        assert!(spent <= 50_000, "{spent}");
    }

    #[test]
    fn plain_exceptions_override_recurring_days() {
        let weekly = CalendarException {
            from: at(2023, 5, 12),
            to: at(2023, 5, 26),
            occurrences: 3,
            recurrence: Some(Recurrence {
                kind: 6,
                period: 1,
                days_of_week: 32,
                ..Default::default()
            }),
            ..Default::default()
        };
        let working = vec![TimeRange {
            start: NaiveTime::MIN,
            end: NaiveTime::MIN,
        }];
        let single = CalendarException {
            from: at(2023, 5, 19),
            to: at(2023, 5, 19),
            working_times: working,
            ..Default::default()
        };
        let calendar = Calendar {
            exceptions: vec![single, weekly],
            ..Default::default()
        };
        let days = expanded_exceptions(&calendar, &mut usize::MAX.clone());
        assert_eq!(days.len(), 3);
        assert_eq!(
            days.get(1).map(|d| d.2.len()),
            Some(1),
            "the plain exception wins"
        );
    }

    #[test]
    fn work_weeks_become_weekly_exceptions_under_the_calendar_own() {
        let mut days: [DayHours; 7] = Default::default();
        if let Some(monday) = days.get_mut(1) {
            *monday = DayHours::NonWorking;
        }
        let week = WorkWeek {
            name: None,
            from: at(2023, 5, 1),
            to: at(2023, 5, 14),
            days,
        };
        let holiday = CalendarException {
            from: at(2023, 5, 8),
            to: at(2023, 5, 8),
            working_times: vec![TimeRange {
                start: NaiveTime::MIN,
                end: NaiveTime::MIN,
            }],
            ..Default::default()
        };
        let calendar = Calendar {
            exceptions: vec![holiday],
            work_weeks: vec![week],
            ..Default::default()
        };
        let days = expanded_exceptions(&calendar, &mut usize::MAX.clone());
        let firsts: Vec<_> = days.iter().map(|d| (d.0.to_string(), d.2.len())).collect();
        assert_eq!(
            firsts,
            vec![("2023-05-01".to_owned(), 0), ("2023-05-08".to_owned(), 1)]
        );
    }

    #[test]
    fn writes_a_derived_calendar_without_week_days() -> Result<(), ConvertError> {
        let calendar = Calendar {
            uid: 3,
            name: Some("Ann".into()),
            base_calendar_uid: Some(1),
            ..Default::default()
        };
        let xml = xml_of(|out| write_calendar(out, &calendar, NO_BASE, &mut 100))?;
        assert!(
            xml.contains("<BaseCalendarUID>1</BaseCalendarUID>"),
            "{xml}"
        );
        assert!(!xml.contains("WeekDays"), "{xml}");
        Ok(())
    }
}
