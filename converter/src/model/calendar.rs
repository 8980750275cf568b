//! Calendars: working week, exceptions and work weeks.

use super::{DateTime, Guid, Time};

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
}

impl Calendar {
    /// True for a base calendar (one that derives from none).
    pub fn is_base(&self) -> bool {
        self.base_calendar_uid.is_none()
    }
}
