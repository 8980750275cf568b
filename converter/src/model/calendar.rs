//! Calendars: working week, exceptions and work weeks.

use super::{DateTime, Guid, Time};
use chrono::{Datelike, Months, NaiveDate};

/// A working-time range within one day. `end` at midnight (00:00) means the end of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// Start of the range.
    pub start: Time,
    /// End of the range; 00:00 is midnight at the end of the day.
    pub end: Time,
}

/// The hours of one day of the week.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DayHours {
    /// Not stated: a base calendar uses the default week, a derived one its base calendar.
    #[default]
    Default,
    /// A non-working day.
    NonWorking,
    /// A working day with these ranges.
    Working(Vec<TimeRange>),
}

/// How an exception repeats. Codes are MSPDI's `Exception/Type` values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recurrence {
    /// 1 daily, 2 yearly by date, 3 yearly by weekday, 4 monthly by day, 5 monthly by
    /// weekday, 6 weekly, 7 every n days.
    pub kind: u16,
    /// Every n days, weeks or months.
    pub period: u16,
    /// Weekly: bitmap Sunday 1 … Saturday 64.
    pub days_of_week: u16,
    /// Monthly/yearly weekday: 3 Sunday … 9 Saturday.
    pub month_item: u16,
    /// Monthly/yearly weekday: 0 first … 4 last.
    pub month_position: u16,
    /// Yearly: month, 0 = January.
    pub month: u16,
    /// Monthly/yearly by date: day of the month.
    pub month_day: u16,
}

/// A change to the working time of a range of dates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CalendarException {
    /// First day (time 00:00).
    pub from: DateTime,
    /// Last day (time 00:00 of that day: the exception covers it whole).
    pub to: DateTime,
    /// Name shown in Project (2007 and later).
    pub name: Option<String>,
    /// Working ranges; empty for a non-working exception.
    pub working_times: Vec<TimeRange>,
    /// How many times the recurrence happens.
    pub occurrences: u16,
    /// Present for a recurring exception.
    pub recurrence: Option<Recurrence>,
}

/// A named week pattern valid over a range of dates (Project 2007 and later).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkWeek {
    /// Name of the work week.
    pub name: Option<String>,
    /// First day.
    pub from: DateTime,
    /// Last day.
    pub to: DateTime,
    /// Sunday first.
    pub days: [DayHours; 7],
}

/// A base calendar or a resource calendar.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Calendar {
    /// Unique id.
    pub uid: i32,
    /// GUID, when the file stores one.
    pub guid: Option<Guid>,
    /// Name; resource calendars are usually named after their resource.
    pub name: Option<String>,
    /// The base calendar of a derived (resource) calendar; `None` for a base calendar.
    pub base_calendar_uid: Option<i32>,
    /// The resource this calendar belongs to.
    pub resource_uid: Option<i32>,
    /// Sunday first.
    pub days: [DayHours; 7],
    /// Exceptions in date order.
    pub exceptions: Vec<CalendarException>,
    /// Work weeks in date order.
    pub work_weeks: Vec<WorkWeek>,
    /// True for the calendar the project names as its baseline calendar (a Project 98 relic).
    pub is_baseline: bool,
}

impl Calendar {
    /// True for a base calendar (one that derives from none).
    pub fn is_base(&self) -> bool {
        self.base_calendar_uid.is_none()
    }
}

/// A run of whole days, first and last included.
pub type DaySpan = (NaiveDate, NaiveDate);

impl Recurrence {
    /// The days a recurrence selects between `start` and `finish`, at most `limit` of them,
    /// following Project's rules (a day of the month past the month's end falls on its last
    /// day; position 4 is the last such weekday of the month).
    pub fn dates(&self, start: NaiveDate, finish: NaiveDate, limit: usize) -> Vec<NaiveDate> {
        const MAX_OCCURRENCES: usize = 70_000; // a u16 day count spans under 180 years
        let limit = limit.min(MAX_OCCURRENCES);
        let mut dates = Vec::new();
        let period = u32::from(self.period.max(1));
        match self.kind {
            1 | 7 => {
                let mut date = start;
                while date <= finish && dates.len() < limit {
                    dates.push(date);
                    let Some(next) = date.checked_add_days(chrono::Days::new(u64::from(period)))
                    else {
                        break;
                    };
                    date = next;
                }
            }
            6 => {
                let back = u64::from(start.weekday().num_days_from_sunday());
                let Some(mut week) = start.checked_sub_days(chrono::Days::new(back)) else {
                    return dates;
                };
                'weeks: while week <= finish && dates.len() < limit {
                    for day in 0..7u32 {
                        if self.days_of_week & (1 << day) == 0 {
                            continue;
                        }
                        let Some(date) = week.checked_add_days(chrono::Days::new(u64::from(day)))
                        else {
                            break 'weeks;
                        };
                        if date > finish {
                            break 'weeks;
                        }
                        if date >= start {
                            dates.push(date);
                        }
                    }
                    let Some(next) =
                        week.checked_add_days(chrono::Days::new(7 * u64::from(period)))
                    else {
                        break;
                    };
                    week = next;
                }
            }
            4 | 5 => {
                let Some(mut month) = start.with_day(1) else {
                    return dates;
                };
                if self.kind == 4 && u32::from(self.month_day) < start.day() {
                    month = match month.checked_add_months(Months::new(1)) {
                        Some(m) => m,
                        None => return dates,
                    };
                }
                while month <= finish && dates.len() < limit {
                    let date = if self.kind == 4 {
                        day_of_month(month, self.month_day)
                    } else {
                        self.weekday_in_month(month)
                    };
                    let Some(date) = date else { break };
                    // Project stops after the first date past the finish, having kept it.
                    if self.kind == 4 || date >= start {
                        dates.push(date);
                        if date > finish {
                            break;
                        }
                    }
                    let Some(next) = month.checked_add_months(Months::new(period)) else {
                        break;
                    };
                    month = next;
                }
            }
            2 | 3 => {
                let Some(mut month) =
                    NaiveDate::from_ymd_opt(start.year(), u32::from(self.month) + 1, 1)
                else {
                    return dates;
                };
                while month <= finish && dates.len() < limit {
                    if self.kind == 2 {
                        let Some(mut date) = day_of_month(month, self.month_day) else {
                            break;
                        };
                        if date < start {
                            match date.checked_add_months(Months::new(12)) {
                                Some(d) => date = d,
                                None => break,
                            }
                        }
                        dates.push(date);
                        let Some(next) = date
                            .with_day(1)
                            .and_then(|d| d.checked_add_months(Months::new(12)))
                        else {
                            break;
                        };
                        month = next;
                    } else {
                        let Some(date) = self.weekday_in_month(month) else {
                            break;
                        };
                        if date >= start {
                            dates.push(date);
                            if date > finish {
                                break;
                            }
                        }
                        let Some(next) = month.checked_add_months(Months::new(12)) else {
                            break;
                        };
                        month = next;
                    }
                }
            }
            _ => {}
        }
        dates
    }

    /// The `month_position`-th `month_item` weekday of the month starting at `first`.
    fn weekday_in_month(&self, first: NaiveDate) -> Option<NaiveDate> {
        let wanted = u32::from(self.month_item.checked_sub(3)?) % 7; // 0 = Sunday
        if self.month_position >= 4 {
            let last = first.checked_add_months(Months::new(1))?.pred_opt()?;
            let back = (last.weekday().num_days_from_sunday() + 7 - wanted) % 7;
            last.checked_sub_days(chrono::Days::new(u64::from(back)))
        } else {
            let ahead = (wanted + 7 - first.weekday().num_days_from_sunday()) % 7;
            let days = u64::from(ahead) + 7 * u64::from(self.month_position);
            first.checked_add_days(chrono::Days::new(days))
        }
    }
}

/// Day `day` of the month starting at `first`, clamped to the month's length.
fn day_of_month(first: NaiveDate, day: u16) -> Option<NaiveDate> {
    let last = first.checked_add_months(Months::new(1))?.pred_opt()?.day();
    first.with_day(u32::from(day).clamp(1, last))
}

/// The first and last days Microsoft Project's calendars hold.
const FIRST_CALENDAR_DAY: NaiveDate = match NaiveDate::from_ymd_opt(1984, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};
const LAST_CALENDAR_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2149, 12, 31) {
    Some(day) => day,
    None => NaiveDate::MAX,
};

impl CalendarException {
    /// The days this exception changes: one span per occurrence for a recurring exception,
    /// its whole span otherwise. Expanding takes from `budget` (one per day), so that a file
    /// full of long recurrences costs bounded time; once it is spent, a recurring exception
    /// stands for its whole stored span.
    pub fn occurrences(&self, budget: &mut usize) -> Vec<DaySpan> {
        let whole = (self.from.date(), self.to.date());
        match &self.recurrence {
            Some(r) if *budget > 0 => {
                // Project's calendars end with 2149: occurrences past its range are none it
                // could show, and expanding them would only multiply a crafted span.
                let first = whole.0.max(FIRST_CALENDAR_DAY);
                let last = whole.1.min(LAST_CALENDAR_DAY);
                let dates = r.dates(first, last, *budget);
                *budget = budget.saturating_sub(dates.len() + 1);
                dates.into_iter().map(|d| (d, d)).collect()
            }
            _ => vec![whole],
        }
    }
}

/// Day spans sorted by their first day, answering "does anything cover part of this span?"
/// in logarithmic time.
struct Covered {
    /// (first day, latest last day of this and every earlier span).
    spans: Vec<DaySpan>,
}

impl Covered {
    fn new(mut spans: Vec<DaySpan>) -> Self {
        spans.sort_unstable();
        let mut latest = NaiveDate::MIN;
        for span in &mut spans {
            latest = latest.max(span.1);
            span.1 = latest;
        }
        Self { spans }
    }

    fn overlaps(&self, (first, last): DaySpan) -> bool {
        let before = self.spans.partition_point(|s| s.0 <= last);
        before > 0 && self.spans.get(before - 1).is_some_and(|s| s.1 >= first)
    }
}

impl Calendar {
    /// Adds `sources` to this calendar's exceptions without overriding any of them: a
    /// source none of whose days is already covered is added whole, one that collides adds
    /// only its occurrences on free days, as plain exceptions.
    pub fn merge_exceptions(&mut self, sources: &[CalendarException], budget: &mut usize) {
        let mut taken = Vec::new();
        for e in &self.exceptions {
            taken.extend(e.occurrences(budget));
        }
        let covered = Covered::new(taken);
        for source in sources {
            let days = source.occurrences(budget);
            if days.iter().all(|d| !covered.overlaps(*d)) {
                self.exceptions.push(source.clone());
                continue;
            }
            for (from, to) in days.into_iter().filter(|d| !covered.overlaps(*d)) {
                self.exceptions.push(CalendarException {
                    from: from.and_time(chrono::NaiveTime::MIN),
                    to: to.and_time(chrono::NaiveTime::MIN),
                    working_times: source.working_times.clone(),
                    occurrences: 1,
                    ..Default::default()
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn weekly_every_other_friday() {
        let r = Recurrence {
            kind: 6,
            period: 2,
            days_of_week: 32,
            ..Default::default()
        };
        let dates = r.dates(day(2023, 5, 12), day(2023, 6, 23), usize::MAX);
        assert_eq!(
            dates,
            vec![
                day(2023, 5, 12),
                day(2023, 5, 26),
                day(2023, 6, 9),
                day(2023, 6, 23)
            ]
        );
    }

    #[test]
    fn monthly_and_yearly_patterns() {
        let by_day = Recurrence {
            kind: 4,
            period: 1,
            month_day: 31,
            ..Default::default()
        };
        assert_eq!(
            by_day.dates(day(2023, 1, 31), day(2023, 3, 31), usize::MAX),
            vec![day(2023, 1, 31), day(2023, 2, 28), day(2023, 3, 31)]
        );
        let second_friday_of_may = Recurrence {
            kind: 3,
            month: 4,
            month_position: 1,
            month_item: 8,
            ..Default::default()
        };
        assert_eq!(
            second_friday_of_may.dates(day(2023, 5, 12), day(2024, 5, 10), usize::MAX),
            vec![day(2023, 5, 12), day(2024, 5, 10)]
        );
        let last_monday = Recurrence {
            kind: 5,
            period: 1,
            month_position: 4,
            month_item: 4,
            ..Default::default()
        };
        assert_eq!(
            last_monday.dates(day(2023, 1, 1), day(2023, 2, 27), usize::MAX),
            vec![day(2023, 1, 30), day(2023, 2, 27)]
        );
        let every_3_days = Recurrence {
            kind: 7,
            period: 3,
            ..Default::default()
        };
        assert_eq!(
            every_3_days.dates(day(2023, 1, 1), day(2023, 1, 7), usize::MAX),
            vec![day(2023, 1, 1), day(2023, 1, 4), day(2023, 1, 7)]
        );
    }

    #[test]
    fn merging_keeps_existing_days() {
        let at = |d| day(2023, 5, d).and_time(chrono::NaiveTime::MIN);
        let mut calendar = Calendar {
            exceptions: vec![CalendarException {
                from: at(10),
                to: at(12),
                ..Default::default()
            }],
            ..Default::default()
        };
        let weekly = CalendarException {
            from: at(1),
            to: at(31),
            recurrence: Some(Recurrence {
                kind: 6,
                period: 1,
                days_of_week: 1 << 4,
                ..Default::default()
            }),
            ..Default::default()
        };
        let apart = CalendarException {
            from: at(20),
            to: at(20),
            ..Default::default()
        };
        calendar.merge_exceptions(&[weekly, apart], &mut usize::MAX.clone());
        let froms: Vec<u32> = calendar.exceptions.iter().map(|e| e.from.day()).collect();
        // Thursdays 4, 18, 25 (11 is taken), then the free single day whole.
        assert_eq!(froms, vec![10, 4, 18, 25, 20]);
    }

    #[test]
    fn budget_bounds_expansion() {
        let at = |y| day(y, 1, 1).and_time(chrono::NaiveTime::MIN);
        let daily = CalendarException {
            from: at(1984),
            to: at(2100),
            recurrence: Some(Recurrence {
                kind: 7,
                period: 2,
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut budget = 100;
        assert_eq!(daily.occurrences(&mut budget).len(), 100);
        assert_eq!(
            daily.occurrences(&mut budget).len(),
            1,
            "spent: the stored span"
        );
    }

    #[test]
    fn hostile_patterns_end() {
        let r = Recurrence {
            kind: 6,
            period: 1,
            days_of_week: 0,
            ..Default::default()
        };
        assert!(
            r.dates(day(1984, 1, 1), day(2149, 1, 1), usize::MAX)
                .is_empty()
        );
        let r = Recurrence {
            kind: 5,
            period: 1,
            month_item: 0,
            ..Default::default()
        };
        assert!(
            r.dates(day(1984, 1, 1), day(2149, 1, 1), usize::MAX)
                .is_empty()
        );
    }
}
