//! Working time of the project's calendars: the working minutes between two instants (for the
//! assignment variances a file does not store: MPXJ computes them as the working time between
//! the baseline date and the current one), and the instant a given amount of working time
//! after another (for timephased data, whose blocks store working time elapsed, not dates).
//!
//! A file decides how many exceptions a calendar has and how far apart the dates are, so
//! nothing here scans every exception per day: exceptions and work weeks are looked up by
//! date in sorted spans, and the walk from one date to the other strides whole weeks between
//! the days where an exception or work week starts or ends. Every lookup step is charged to
//! the conversion's work budget.

use crate::budget::Budget;
use crate::model::{Calendar, DateTime, DayHours, TimeRange};
use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use foldhash::{HashMap, HashMapExt};

/// Spans longer than this are not measured: the answer would cost a walk of decades for a
/// value nobody reads.
pub const MAX_VARIANCE_DAYS: i64 = 366 * 20;
/// How many base calendars a derived calendar's "default" days are followed through.
const MAX_DEPTH: u8 = 8;
/// Minutes in a day.
const DAY: f64 = 24.0 * 60.0;
/// Project's standard working day: 08:00–12:00 and 13:00–17:00, in minutes.
const STANDARD_DAY: [(f64, f64); 2] = [(480.0, 720.0), (780.0, 1020.0)];

/// Day spans (first and last day covered) sorted by their first day, each with the latest
/// last day of it and every span before it, so that "which spans cover this day" is a binary
/// search and a short walk back.
#[derive(Default)]
struct Spans {
    /// (first day, last day, latest last day so far, position in the calendar's list).
    spans: Vec<(NaiveDate, NaiveDate, NaiveDate, usize)>,
}

impl Spans {
    /// Spans from `(from, to, position)`: a span covers the days whose midnight falls in
    /// `from..=to`.
    fn new(items: impl Iterator<Item = (DateTime, DateTime, usize)>) -> Self {
        let mut spans: Vec<_> = items
            .filter_map(|(from, to, position)| {
                let first = if from.time() == NaiveTime::MIN {
                    from.date()
                } else {
                    from.date().succ_opt()?
                };
                let last = to.date();
                (first <= last).then_some((first, last, last, position))
            })
            .collect();
        spans.sort_unstable_by_key(|s| (s.0, s.3));
        let mut reach = NaiveDate::MIN;
        for span in &mut spans {
            reach = reach.max(span.1);
            span.2 = reach;
        }
        Self { spans }
    }

    /// The earliest-listed span covering `day` (the one a scan of the list would find).
    fn find(&self, day: NaiveDate, budget: &Budget) -> Option<usize> {
        let mut i = self.spans.partition_point(|s| s.0 <= day);
        let mut found: Option<usize> = None;
        while let Some(i_before) = i.checked_sub(1) {
            i = i_before;
            let Some(&(_, last, reach, position)) = self.spans.get(i) else {
                break;
            };
            if reach < day || !budget.work(1) {
                break;
            }
            if last >= day && found.is_none_or(|f| position < f) {
                found = Some(position);
            }
        }
        found
    }

    /// Every day on which the spans covering a day may change.
    fn boundaries(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.spans
            .iter()
            .flat_map(|s| [Some(s.0), s.1.succ_opt()])
            .flatten()
    }
}

/// One calendar with its exceptions and work weeks indexed by date.
struct Indexed<'p> {
    calendar: &'p Calendar,
    exceptions: Spans,
    work_weeks: Spans,
    /// Sorted days on which an exception or work week starts or ends.
    boundaries: Vec<NaiveDate>,
}

impl<'p> Indexed<'p> {
    fn new(calendar: &'p Calendar) -> Self {
        let exceptions = Spans::new(
            calendar
                .exceptions
                .iter()
                .enumerate()
                .filter(|(_, e)| e.recurrence.is_none())
                .map(|(i, e)| (e.from, e.to, i)),
        );
        let work_weeks = Spans::new(
            calendar
                .work_weeks
                .iter()
                .enumerate()
                .map(|(i, w)| (w.from, w.to, i)),
        );
        let mut boundaries: Vec<NaiveDate> = exceptions
            .boundaries()
            .chain(work_weeks.boundaries())
            .collect();
        boundaries.sort_unstable();
        boundaries.dedup();
        Self {
            calendar,
            exceptions,
            work_weeks,
            boundaries,
        }
    }

    /// The first boundary after `day`.
    fn next_boundary(&self, day: NaiveDate) -> Option<NaiveDate> {
        let i = self.boundaries.partition_point(|b| *b <= day);
        self.boundaries.get(i).copied()
    }
}

/// The project's calendars, indexed for working-time arithmetic.
pub struct WorkingTime<'p> {
    calendars: HashMap<i32, Indexed<'p>>,
    budget: &'p Budget,
}

impl<'p> WorkingTime<'p> {
    /// Indexes `calendars` (by uid; the first of a repeated uid wins, as a lookup would).
    pub fn new(calendars: &'p [Calendar], budget: &'p Budget) -> Self {
        let mut indexed = HashMap::with_capacity(calendars.len());
        for c in calendars {
            indexed.entry(c.uid).or_insert_with(|| Indexed::new(c));
        }
        Self {
            calendars: indexed,
            budget,
        }
    }

    /// The budget every step is charged to.
    pub fn budget(&self) -> &'p Budget {
        self.budget
    }

    /// Working minutes from `from` to `to` in the calendar `uid` (negative when `to` is
    /// earlier); `None` for an unknown calendar, a span past `MAX_VARIANCE_DAYS`, or once
    /// the work budget is spent.
    pub fn minutes(&self, uid: i32, from: DateTime, to: DateTime) -> Option<f64> {
        if to < from {
            return self.minutes(uid, to, from).map(|m| -m);
        }
        if (to - from).num_days() > MAX_VARIANCE_DAYS {
            return None;
        }
        let calendar = self.calendars.get(&uid)?;
        let (first, last) = (from.date(), to.date());
        let start = minute_of(from.time(), false);
        let end = minute_of(to.time(), false);
        if first == last {
            return Some(self.on_day(calendar, first, start, end));
        }
        let mut total = self.on_day(calendar, first, start, DAY);
        let mut day = first.succ_opt()?;
        while day < last {
            if !self.budget.work(1) {
                return None;
            }
            // Days before the next boundary of the calendar or its bases all follow the
            // week: whole weeks of them cost one week's sum.
            let next = self
                .next_boundary(calendar, day)
                .map_or(last, |b| b.min(last));
            let days = (next - day).num_days();
            if days >= 14 {
                let week: f64 = (0..7)
                    .filter_map(|i| day.checked_add_days(chrono::Days::new(i)))
                    .map(|d| self.on_day(calendar, d, 0.0, DAY))
                    .sum();
                let weeks = days / 7;
                total += week * weeks as f64;
                day = day.checked_add_days(chrono::Days::new(u64::try_from(weeks * 7).ok()?))?;
            }
            while day < next {
                total += self.on_day(calendar, day, 0.0, DAY);
                day = day.succ_opt()?;
            }
        }
        total += self.on_day(calendar, last, 0.0, end);
        self.budget.ok().then_some(total)
    }

    /// The base calendar whose days a derived calendar's "default" days follow.
    fn base(&self, calendar: &Indexed<'p>) -> Option<&Indexed<'p>> {
        self.calendars.get(&calendar.calendar.base_calendar_uid?)
    }

    /// The first boundary after `day` of `calendar` and the bases it may defer to.
    fn next_boundary(&self, calendar: &Indexed<'p>, day: NaiveDate) -> Option<NaiveDate> {
        let mut next = calendar.next_boundary(day);
        let mut current = calendar;
        for _ in 0..MAX_DEPTH {
            let Some(base) = self.base(current) else {
                break;
            };
            next = match (next, base.next_boundary(day)) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            current = base;
        }
        next
    }

    /// Working minutes of `day` between minute `lo` and minute `hi`.
    fn on_day(&self, calendar: &Indexed<'p>, day: NaiveDate, lo: f64, hi: f64) -> f64 {
        match self.hours(calendar, day) {
            Hours::Ranges(ranges) => in_window(ranges, lo, hi),
            Hours::Standard => STANDARD_DAY
                .iter()
                .map(|&(start, end)| overlap(start, end, lo, hi))
                .sum(),
            Hours::None => 0.0,
        }
    }

    /// The working hours of `day`: an exception covering it, else a work week, else the
    /// week day; "default" days come from the base calendar, or Project's standard day for a
    /// base calendar.
    fn hours(&self, calendar: &Indexed<'p>, day: NaiveDate) -> Hours<'p> {
        let mut current = calendar;
        let weekday = day.weekday().num_days_from_sunday() as usize;
        for _ in 0..=MAX_DEPTH {
            let c = current.calendar;
            if let Some(e) = current
                .exceptions
                .find(day, self.budget)
                .and_then(|i| c.exceptions.get(i))
            {
                return Hours::Ranges(&e.working_times);
            }
            let week = current
                .work_weeks
                .find(day, self.budget)
                .and_then(|i| c.work_weeks.get(i))
                .and_then(|w| w.days.get(weekday))
                .filter(|d| **d != DayHours::Default);
            match week.or_else(|| c.days.get(weekday)) {
                Some(DayHours::Working(ranges)) => return Hours::Ranges(ranges),
                Some(DayHours::NonWorking) => return Hours::None,
                _ => match self.base(current) {
                    Some(base) => current = base,
                    None => break,
                },
            }
        }
        if weekday == 0 || weekday == 6 {
            Hours::None
        } else {
            Hours::Standard
        }
    }

    /// The working periods of `day` as (first, end) minutes of the day, in order.
    fn periods(&self, calendar: &Indexed<'p>, day: NaiveDate) -> Vec<(f64, f64)> {
        let mut periods: Vec<(f64, f64)> = match self.hours(calendar, day) {
            Hours::Ranges(ranges) => ranges
                .iter()
                .map(|r| (minute_of(r.start, false), minute_of(r.end, true)))
                .filter(|(a, b)| a < b)
                .collect(),
            Hours::Standard => STANDARD_DAY.to_vec(),
            Hours::None => Vec::new(),
        };
        periods.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        periods
    }

    /// The instant `minutes` of working time after `from` in the calendar `uid` (`from`
    /// itself for no time); `None` for an unknown calendar, when the calendar has no
    /// working time within `MAX_VARIANCE_DAYS`, or once the work budget is spent.
    pub fn add(&self, uid: i32, from: DateTime, minutes: f64) -> Option<DateTime> {
        let calendar = self.calendars.get(&uid)?;
        if minutes <= 0.0 {
            return Some(from);
        }
        let mut left = minutes;
        let mut day = from.date();
        let mut lo = minute_of(from.time(), false);
        for _ in 0..MAX_VARIANCE_DAYS {
            if !self.budget.work(1) {
                return None;
            }
            for (start, end) in self.periods(calendar, day) {
                let (a, b) = (start.max(lo), end);
                if b <= a {
                    continue;
                }
                let here = b - a;
                if here >= left {
                    return Some(at_minute(day, a + left));
                }
                left -= here;
            }
            day = day.succ_opt()?;
            lo = 0.0;
        }
        None
    }

    /// The first working instant at or after `from` in the calendar `uid`; `None` as for
    /// [`WorkingTime::add`].
    pub fn next_work_start(&self, uid: i32, from: DateTime) -> Option<DateTime> {
        let calendar = self.calendars.get(&uid)?;
        let mut day = from.date();
        let mut lo = minute_of(from.time(), false);
        for _ in 0..MAX_VARIANCE_DAYS {
            if !self.budget.work(1) {
                return None;
            }
            if let Some((start, _)) = self
                .periods(calendar, day)
                .into_iter()
                .find(|&(_, end)| end > lo)
            {
                return Some(at_minute(day, start.max(lo)));
            }
            day = day.succ_opt()?;
            lo = 0.0;
        }
        None
    }
}

/// The working hours a day resolves to.
enum Hours<'p> {
    /// The listed ranges (none: a non-working day).
    Ranges(&'p [TimeRange]),
    /// Project's standard day.
    Standard,
    /// Not a working day.
    None,
}

/// `minute` minutes (and fractions, to the second) after midnight of `day`.
fn at_minute(day: NaiveDate, minute: f64) -> DateTime {
    let seconds = (minute * 60.0).round() as i64;
    day.and_time(NaiveTime::MIN) + chrono::Duration::seconds(seconds)
}

/// Minutes of `ranges` between minute `lo` and minute `hi`.
fn in_window(ranges: &[TimeRange], lo: f64, hi: f64) -> f64 {
    ranges
        .iter()
        .map(|r| overlap(minute_of(r.start, false), minute_of(r.end, true), lo, hi))
        .sum()
}

fn overlap(start: f64, end: f64, lo: f64, hi: f64) -> f64 {
    let (a, b) = (start.max(lo), end.min(hi));
    if b > a { b - a } else { 0.0 }
}

/// Minute of the day; midnight as an end of range is the end of the day.
fn minute_of(time: NaiveTime, end: bool) -> f64 {
    let m = f64::from(time.num_seconds_from_midnight()) / 60.0;
    if end && m == 0.0 { DAY } else { m }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CalendarException;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .unwrap_or_default()
    }

    fn calendars() -> Vec<Calendar> {
        let standard = Calendar {
            uid: 1,
            ..Calendar::default()
        };
        let derived = Calendar {
            uid: 2,
            base_calendar_uid: Some(1),
            ..Calendar::default()
        };
        vec![standard, derived]
    }

    #[test]
    fn variances_count_working_time_only() {
        let calendars = calendars();
        let budget = Budget::unlimited();
        let time = WorkingTime::new(&calendars, &budget);
        // Tuesday 17:00 to Thursday 17:00: Wednesday and Thursday, 8 hours each.
        assert_eq!(
            time.minutes(2, at(2006, 9, 5, 17), at(2006, 9, 7, 17)),
            Some(960.0)
        );
        assert_eq!(
            time.minutes(2, at(2006, 9, 7, 17), at(2006, 9, 5, 17)),
            Some(-960.0)
        );
        // Friday 08:00 to Monday 12:00 skips the weekend.
        assert_eq!(
            time.minutes(2, at(2006, 9, 8, 8), at(2006, 9, 11, 12)),
            Some(720.0)
        );
        let far = at(2006, 9, 1, 8) + chrono::Duration::days(MAX_VARIANCE_DAYS + 1);
        assert_eq!(time.minutes(2, at(2006, 9, 1, 8), far), None, "too long");
    }

    #[test]
    fn adding_working_time_skips_nights_weekends_and_holidays() {
        let mut calendars = calendars();
        if let Some(base) = calendars.first_mut() {
            base.exceptions = vec![CalendarException {
                from: at(2006, 9, 11, 0),
                to: at(2006, 9, 11, 0),
                occurrences: 1,
                ..Default::default()
            }];
        }
        let budget = Budget::unlimited();
        let time = WorkingTime::new(&calendars, &budget);
        // Friday 15:00 + 3 h: 2 h on Friday, the weekend and the Monday holiday skipped,
        // then 1 h on Tuesday.
        assert_eq!(
            time.add(2, at(2006, 9, 8, 15), 180.0),
            Some(at(2006, 9, 12, 9))
        );
        // Seconds are kept: 08:00 + 5 h 20 min 48 s crosses the lunch break.
        let end = at(2006, 9, 5, 8) + chrono::Duration::seconds(5 * 3600 + 20 * 60 + 48);
        assert_eq!(
            time.add(2, at(2006, 9, 5, 8), 320.8),
            Some(end + chrono::Duration::hours(1))
        );
        assert_eq!(time.add(2, at(2006, 9, 5, 8), 0.0), Some(at(2006, 9, 5, 8)));
        assert_eq!(
            time.add(99, at(2006, 9, 5, 8), 10.0),
            None,
            "unknown calendar"
        );
        // The next working instant: inside working time it is the instant itself.
        assert_eq!(
            time.next_work_start(2, at(2006, 9, 8, 17)),
            Some(at(2006, 9, 12, 8))
        );
        assert_eq!(
            time.next_work_start(2, at(2006, 9, 5, 9)),
            Some(at(2006, 9, 5, 9))
        );
        // A calendar without working time ends the walk instead of looping.
        let idle = [Calendar {
            uid: 1,
            days: std::array::from_fn(|_| DayHours::NonWorking),
            ..Calendar::default()
        }];
        let time = WorkingTime::new(&idle, &budget);
        assert_eq!(time.add(1, at(2006, 9, 5, 8), 60.0), None);
        assert_eq!(time.next_work_start(1, at(2006, 9, 5, 8)), None);
    }

    #[test]
    fn week_strides_match_a_day_by_day_count() {
        let mut calendars = calendars();
        let holiday = |d: u32| CalendarException {
            from: at(2007, 3, d, 0),
            to: at(2007, 3, d, 0),
            occurrences: 1,
            ..Default::default()
        };
        if let Some(base) = calendars.first_mut() {
            base.exceptions = vec![holiday(14), holiday(15)];
        }
        let budget = Budget::unlimited();
        let time = WorkingTime::new(&calendars, &budget);
        // 2006-09-01 (Friday) to 2008-09-01 (Monday), 08:00 to 08:00: 523 weekdays fall
        // strictly between them (Sept 4, 2006 to Aug 29, 2008), less two holidays, plus
        // the first Friday's 8 hours.
        let weekdays = (1..)
            .map_while(|i| {
                NaiveDate::from_ymd_opt(2006, 9, 1)?.checked_add_days(chrono::Days::new(i))
            })
            .take_while(|d| *d < NaiveDate::from_ymd_opt(2008, 9, 1).unwrap_or_default())
            .filter(|d| !matches!(d.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun))
            .count() as f64;
        assert_eq!(
            time.minutes(2, at(2006, 9, 1, 8), at(2008, 9, 1, 8)),
            Some((weekdays - 2.0 + 1.0) * 480.0)
        );
    }

    #[test]
    fn many_exceptions_cost_a_lookup_per_day_not_a_scan() {
        // 20 years of one-day exceptions, and a walk across all of them.
        let mut base = Calendar {
            uid: 1,
            ..Calendar::default()
        };
        let first = at(2000, 1, 1, 0);
        base.exceptions = (0..7000)
            .map(|i| CalendarException {
                from: first + chrono::Duration::days(i),
                to: first + chrono::Duration::days(i),
                occurrences: 1,
                ..Default::default()
            })
            .collect();
        let calendars = [base];
        let budget = Budget::unlimited();
        let time = WorkingTime::new(&calendars, &budget);
        assert_eq!(
            time.minutes(1, first, first + chrono::Duration::days(7000)),
            Some(0.0)
        );
        let spent = budget.usage().work;
        assert!(spent < 7000 * 8, "{spent} work units for 7000 days");
    }

    #[test]
    fn a_spent_budget_stops_the_walk() {
        let calendars = calendars();
        let budget = Budget::new(u64::MAX, 10, None);
        let time = WorkingTime::new(&calendars, &budget);
        assert_eq!(
            time.minutes(2, at(2000, 1, 3, 8), at(2019, 1, 3, 8))
                .map(|_| ()),
            Some(()),
            "week strides: a few units for 19 years"
        );
        let mut calendars = calendars;
        if let Some(base) = calendars.first_mut() {
            base.exceptions = (0..100)
                .map(|i| CalendarException {
                    from: at(2001, 1, 1, 0) + chrono::Duration::days(2 * i),
                    to: at(2001, 1, 1, 0) + chrono::Duration::days(2 * i),
                    occurrences: 1,
                    ..Default::default()
                })
                .collect();
        }
        let budget = Budget::new(u64::MAX, 10, None);
        let time = WorkingTime::new(&calendars, &budget);
        assert_eq!(time.minutes(2, at(2000, 1, 3, 8), at(2019, 1, 3, 8)), None);
        assert!(!budget.ok());
    }
}
