//! The viewer's plain-Rust side, tested on the host: rows with their dates as day numbers, the
//! outline (parents, collapse), which rows are shown, search, the working calendar, and the
//! timescale's ticks at each zoom.
//!
//! Day numbers count days since 1970-01-01 with the time of day as a fraction (what
//! [`format::day_number`] gives), so a Gantt x position is `(day - first) × px_per_day`.

use crate::format;
use crate::i18n::{Texts, ViewerTexts, fill};
use protocol::Plan;
use std::collections::{HashMap, HashSet};

/// Height of one row, in CSS pixels, in the table and in the Gantt chart alike.
pub const ROW_HEIGHT: f64 = 28.0;

/// One task as the viewer draws it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// Start as a day number.
    pub start: Option<f64>,
    /// Finish as a day number.
    pub finish: Option<f64>,
    /// Baseline start.
    pub baseline_start: Option<f64>,
    /// Baseline finish.
    pub baseline_finish: Option<f64>,
    /// The summary task this one is under (its index).
    pub parent: Option<usize>,
    /// Other tasks are under this one.
    pub has_children: bool,
    /// Name and ID in lower case, for search.
    pub search: String,
}

/// The plan's rows and links, computed once per plan.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// One per task, in plan order.
    pub rows: Vec<Row>,
    /// Task index by unique ID.
    pub by_uid: HashMap<i32, usize>,
    /// Successors of each task (indices).
    pub successors: Vec<Vec<usize>>,
    /// First and last day of the chart (whole days, a little beyond the tasks).
    pub first_day: f64,
    /// See `first_day`.
    pub last_day: f64,
    working_days: [bool; 7],
    /// Non-working and working exceptions as (first day, last day, working), sorted.
    exceptions: Vec<(i64, i64, bool)>,
}

impl Model {
    /// The model of a plan.
    pub fn new(plan: &Plan) -> Self {
        let day = |d: &Option<String>| d.as_deref().and_then(format::day_number);
        let mut rows = Vec::with_capacity(plan.tasks.len());
        // The last task seen at each outline level: the parent of a deeper task.
        let mut open: Vec<(u16, usize)> = Vec::new();
        for (i, t) in plan.tasks.iter().enumerate() {
            while open
                .last()
                .is_some_and(|(level, _)| *level >= t.outline_level)
            {
                open.pop();
            }
            let parent = open.last().map(|(_, p)| *p);
            if let Some(p) = parent.and_then(|p| rows.get_mut(p)) {
                let p: &mut Row = p;
                p.has_children = true;
            }
            open.push((t.outline_level, i));
            let start = day(&t.start);
            rows.push(Row {
                start,
                finish: day(&t.finish).or(start),
                baseline_start: day(&t.baseline_start),
                baseline_finish: day(&t.baseline_finish),
                parent,
                has_children: false,
                search: format!("{} {}", t.id, t.name.to_lowercase()),
            });
        }
        let by_uid: HashMap<i32, usize> = plan
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.uid, i))
            .collect();
        let mut successors = vec![Vec::new(); plan.tasks.len()];
        for (i, t) in plan.tasks.iter().enumerate() {
            for link in &t.predecessors {
                if let Some(list) = by_uid.get(&link.uid).and_then(|p| successors.get_mut(*p)) {
                    list.push(i);
                }
            }
        }
        let mut first = f64::INFINITY;
        let mut last = f64::NEG_INFINITY;
        for r in &rows {
            for d in [r.start, r.finish, r.baseline_start, r.baseline_finish]
                .into_iter()
                .flatten()
            {
                first = first.min(d);
                last = last.max(d);
            }
        }
        if !first.is_finite() {
            let start = day(&plan.start).unwrap_or(0.0);
            first = start;
            last = day(&plan.finish).unwrap_or(start);
        }
        // A week before (from a Monday) and two after, so the first and last bars breathe.
        let first = (first - 7.0).floor();
        let first = first - (weekday(first as i64) + 6).rem_euclid(7) as f64;
        let last = (last + 14.0).ceil().max(first + 28.0);
        let exceptions = plan
            .calendar
            .exceptions
            .iter()
            .filter_map(|e| {
                let from = format::day_number(&e.from)? as i64;
                let to = format::day_number(&e.to)? as i64;
                Some((from, to.max(from), e.working))
            })
            .collect();
        Self {
            rows,
            by_uid,
            successors,
            first_day: first,
            last_day: last,
            working_days: plan.calendar.working_days,
            exceptions,
        }
    }

    /// Whether a day (a whole day number) is a working day of the project calendar.
    pub fn is_working(&self, day: i64) -> bool {
        let at = self.exceptions.partition_point(|e| e.0 <= day);
        if let Some(&(_, to, working)) = at.checked_sub(1).and_then(|i| self.exceptions.get(i))
            && day <= to
        {
            return working;
        }
        let w = usize::try_from(weekday(day)).unwrap_or(0);
        self.working_days.get(w).copied().unwrap_or(true)
    }

    /// The rows shown, in order: every row whose summary tasks are all expanded, and with
    /// `only` the rows in it and their summary tasks.
    pub fn visible(&self, collapsed: &HashSet<usize>, only: Option<&HashSet<usize>>) -> Vec<usize> {
        let keep: Option<HashSet<usize>> = only.map(|only| {
            let mut keep = only.clone();
            for &i in only {
                let mut p = self.rows.get(i).and_then(|r| r.parent);
                while let Some(at) = p {
                    if !keep.insert(at) {
                        break;
                    }
                    p = self.rows.get(at).and_then(|r| r.parent);
                }
            }
            keep
        });
        let mut shown = Vec::with_capacity(self.rows.len());
        // A collapsed row hides every row below it until the outline comes back up.
        let mut hidden_under: Option<usize> = None;
        for (i, row) in self.rows.iter().enumerate() {
            if let Some(h) = hidden_under {
                if self.is_under(i, h) {
                    continue;
                }
                hidden_under = None;
            }
            if keep.as_ref().is_some_and(|k| !k.contains(&i)) {
                continue;
            }
            shown.push(i);
            if row.has_children && collapsed.contains(&i) {
                hidden_under = Some(i);
            }
        }
        shown
    }

    /// Whether `i` is somewhere under `ancestor` in the outline.
    pub fn is_under(&self, i: usize, ancestor: usize) -> bool {
        let mut p = self.rows.get(i).and_then(|r| r.parent);
        while let Some(at) = p {
            if at == ancestor {
                return true;
            }
            p = self.rows.get(at).and_then(|r| r.parent);
        }
        false
    }

    /// The summary tasks above a row, nearest first.
    pub fn ancestors(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut p = self.rows.get(i).and_then(|r| r.parent);
        while let Some(at) = p {
            out.push(at);
            p = self.rows.get(at).and_then(|r| r.parent);
        }
        out
    }

    /// The rows whose name (or ID) contains `query`, case-insensitive; none for a blank query.
    pub fn search(&self, query: &str) -> Vec<usize> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.search.contains(&q))
            .map(|(i, _)| i)
            .collect()
    }
}

/// 0 = Sunday … 6 = Saturday, of a day number.
pub fn weekday(day: i64) -> i64 {
    // 1970-01-01 was a Thursday.
    (day + 4).rem_euclid(7)
}

/// (year, month 1–12, day) of a day number (Howard Hinnant's civil_from_days).
pub fn civil(day: i64) -> (i64, i64, i64) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The day number of a date.
pub fn day_of(y: i64, m: i64, d: i64) -> f64 {
    format::day_number(&format!("{y:04}-{m:02}-{d:02}")).unwrap_or(0.0)
}

/// How much time a pixel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zoom {
    /// Days under weeks.
    Days,
    /// Weeks under months.
    Weeks,
    /// Months under years.
    Months,
    /// Quarters under years.
    Quarters,
    /// Years under decades.
    Years,
}

impl Zoom {
    /// From the closest in to the farthest out.
    pub const ALL: [Zoom; 5] = [
        Zoom::Days,
        Zoom::Weeks,
        Zoom::Months,
        Zoom::Quarters,
        Zoom::Years,
    ];

    /// Pixels per day.
    pub fn px_per_day(self) -> f64 {
        match self {
            Self::Days => 26.0,
            Self::Weeks => 6.0,
            Self::Months => 1.6,
            Self::Quarters => 0.6,
            Self::Years => 0.2,
        }
    }

    /// The `<select>` value.
    pub fn code(self) -> &'static str {
        match self {
            Self::Days => "days",
            Self::Weeks => "weeks",
            Self::Months => "months",
            Self::Quarters => "quarters",
            Self::Years => "years",
        }
    }

    /// The zoom of a `<select>` value.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|z| z.code() == code)
    }

    /// Its name in the menu.
    pub fn name(self, v: &ViewerTexts) -> &'static str {
        match self {
            Self::Days => v.zoom_days,
            Self::Weeks => v.zoom_weeks,
            Self::Months => v.zoom_months,
            Self::Quarters => v.zoom_quarters,
            Self::Years => v.zoom_years,
        }
    }

    /// One step closer in, if there is one.
    pub fn zoom_in(self) -> Option<Self> {
        let at = Self::ALL.iter().position(|z| *z == self)?;
        Self::ALL.get(at.checked_sub(1)?).copied()
    }

    /// One step farther out, if there is one.
    pub fn zoom_out(self) -> Option<Self> {
        let at = Self::ALL.iter().position(|z| *z == self)?;
        Self::ALL.get(at + 1).copied()
    }

    /// Whether non-working days are shaded (they are too thin to see farther out).
    pub fn shades_days(self) -> bool {
        matches!(self, Self::Days | Self::Weeks)
    }

    /// The closest zoom at which `days` fit in `width` pixels (the farthest out otherwise).
    pub fn fitting(days: f64, width: f64) -> Self {
        Self::ALL
            .into_iter()
            .find(|z| days * z.px_per_day() <= width)
            .unwrap_or(Self::Years)
    }
}

/// One cell of the timescale: from `day` to `end`, with its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// First day.
    pub day: f64,
    /// The day after the last.
    pub end: f64,
    /// What the cell says.
    pub label: String,
}

/// The upper (`upper = true`) or lower timescale's cells that overlap `from..to`.
pub fn ticks(zoom: Zoom, upper: bool, from: f64, to: f64, t: &Texts, v: &ViewerTexts) -> Vec<Tick> {
    #[derive(Clone, Copy)]
    enum Unit {
        Day,
        Week,
        Month,
        Quarter,
        Year,
        Decade,
    }
    let unit = match (zoom, upper) {
        (Zoom::Days, false) => Unit::Day,
        (Zoom::Days, true) | (Zoom::Weeks, false) => Unit::Week,
        (Zoom::Weeks, true) => Unit::Month,
        (Zoom::Months, false) => Unit::Month,
        (Zoom::Quarters, false) => Unit::Quarter,
        (Zoom::Months | Zoom::Quarters, true) | (Zoom::Years, false) => Unit::Year,
        (Zoom::Years, true) => Unit::Decade,
    };
    let month_name = |m: i64| {
        usize::try_from(m - 1)
            .ok()
            .and_then(|i| t.months.get(i))
            .copied()
            .unwrap_or("")
    };
    let (y, m, _) = civil(from.floor() as i64);
    // The cell that holds `from`, then one after another.
    let mut day = match unit {
        Unit::Day => from.floor(),
        Unit::Week => {
            let d = from.floor();
            d - ((weekday(d as i64) + 6).rem_euclid(7)) as f64
        }
        Unit::Month => day_of(y, m, 1),
        Unit::Quarter => day_of(y, (m - 1) / 3 * 3 + 1, 1),
        Unit::Year => day_of(y, 1, 1),
        Unit::Decade => day_of(y - y.rem_euclid(10), 1, 1),
    };
    let mut out = Vec::new();
    // Bounded whatever the range: a timescale never needs more cells than this.
    while day < to && out.len() < 5_000 {
        let (y, m, d) = civil(day as i64);
        let (end, label) = match unit {
            Unit::Day => (day + 1.0, d.to_string()),
            Unit::Week => (
                day + 7.0,
                if upper {
                    format::date(t, &format!("{y:04}-{m:02}-{d:02}"))
                } else {
                    d.to_string()
                },
            ),
            Unit::Month => {
                let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                let label = if upper {
                    format!("{} {y}", month_name(m))
                } else {
                    month_name(m).to_string()
                };
                (day_of(ny, nm, 1), label)
            }
            Unit::Quarter => {
                let (ny, nm) = if m >= 10 { (y + 1, 1) } else { (y, m + 3) };
                let q = (m - 1) / 3 + 1;
                (day_of(ny, nm, 1), fill(v.quarter, &[("n", &q.to_string())]))
            }
            Unit::Year => (day_of(y + 1, 1, 1), y.to_string()),
            Unit::Decade => (
                day_of(y + 10, 1, 1),
                fill(
                    v.decade,
                    &[("from", &y.to_string()), ("to", &(y + 9).to_string())],
                ),
            ),
        };
        if end <= day {
            break;
        }
        out.push(Tick { day, end, label });
        day = end;
    }
    out
}

/// An SVG path from one task's bar to another's, for a link: it leaves the predecessor at its
/// start or finish and enters the successor at its start (from the left) or finish (from the
/// right), with a short elbow either side.
pub fn link_path(from: (f64, f64), leave_right: bool, to: (f64, f64), enter_left: bool) -> String {
    const STUB: f64 = 8.0;
    let (xa, ya) = from;
    let (xb, yb) = to;
    let out_x = if leave_right { xa + STUB } else { xa - STUB };
    let in_x = if enter_left { xb - STUB } else { xb + STUB };
    let direct = if enter_left {
        out_x <= in_x
    } else {
        out_x >= in_x
    };
    if direct {
        format!("M{xa:.1},{ya:.1}H{out_x:.1}V{yb:.1}H{xb:.1}")
    } else {
        let mid = yb - (ROW_HEIGHT / 2.0) * (yb - ya).signum();
        format!("M{xa:.1},{ya:.1}H{out_x:.1}V{mid:.1}H{in_x:.1}V{yb:.1}H{xb:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, PT_BR, VIEWER_EN, VIEWER_PT_BR};
    use protocol::{DayException, Link, PlanTask, WorkCalendar};

    fn task(id: i32, level: u16, name: &str, start: &str) -> PlanTask {
        PlanTask {
            id,
            uid: id * 10,
            name: name.into(),
            outline_level: level,
            start: Some(format!("{start}T08:00:00")),
            finish: Some(format!("{start}T17:00:00")),
            ..PlanTask::default()
        }
    }

    fn plan() -> Plan {
        let mut tasks = vec![
            task(1, 1, "Design", "2025-03-03"),
            task(2, 2, "Sketch", "2025-03-03"),
            task(3, 2, "Review", "2025-03-04"),
            task(4, 3, "Sign off", "2025-03-05"),
            task(5, 1, "Build", "2025-03-10"),
        ];
        tasks[4].predecessors = vec![Link {
            uid: 30,
            ..Link::default()
        }];
        Plan {
            tasks,
            calendar: WorkCalendar {
                exceptions: vec![DayException {
                    from: "2025-03-04".into(),
                    to: "2025-03-05".into(),
                    working: false,
                }],
                ..WorkCalendar::default()
            },
            ..Plan::default()
        }
    }

    #[test]
    fn the_outline_gives_parents_and_collapsing_hides_what_is_under() {
        let m = Model::new(&plan());
        let parents: Vec<Option<usize>> = m.rows.iter().map(|r| r.parent).collect();
        assert_eq!(parents, [None, Some(0), Some(0), Some(2), None]);
        assert!(m.rows[0].has_children && m.rows[2].has_children && !m.rows[4].has_children);
        assert_eq!(m.visible(&HashSet::new(), None), [0, 1, 2, 3, 4]);
        assert_eq!(m.visible(&HashSet::from([0]), None), [0, 4]);
        assert_eq!(m.visible(&HashSet::from([2]), None), [0, 1, 2, 4]);
        // A collapsed row that has no children hides nothing.
        assert_eq!(m.visible(&HashSet::from([4]), None), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn search_finds_names_and_ids_and_keeps_their_summary_tasks() {
        let m = Model::new(&plan());
        assert_eq!(m.search("SIGN OFF"), [3]);
        assert_eq!(m.search("sign"), [0, 3], "Design contains it too");
        assert_eq!(m.search("5 "), [4]);
        assert!(m.search("  ").is_empty());
        let only: HashSet<usize> = m.search("sign off").into_iter().collect();
        assert_eq!(m.visible(&HashSet::new(), Some(&only)), [0, 2, 3]);
        assert_eq!(m.ancestors(3), [2, 0]);
    }

    #[test]
    fn successors_come_from_the_links() {
        let m = Model::new(&plan());
        assert_eq!(m.successors[2], [4]);
        assert!(m.successors[4].is_empty());
    }

    #[test]
    fn the_calendar_shades_weekends_and_holidays() {
        let m = Model::new(&plan());
        let day = |s: &str| day_of(2025, 3, s.parse().unwrap_or(1)) as i64;
        assert!(m.is_working(day("3")), "a Monday");
        assert!(!m.is_working(day("4")), "a holiday");
        assert!(!m.is_working(day("5")), "the holiday's second day");
        assert!(m.is_working(day("6")));
        assert!(!m.is_working(day("8")), "a Saturday");
        assert!(!m.is_working(day("9")), "a Sunday");
    }

    #[test]
    fn the_chart_starts_on_a_monday_before_the_first_task() {
        let m = Model::new(&plan());
        assert_eq!(weekday(m.first_day as i64), 1);
        assert!(m.first_day < day_of(2025, 3, 3));
        assert!(m.last_day > day_of(2025, 3, 10));
    }

    #[test]
    fn civil_dates_round_trip() {
        for (y, mo, d) in [(1970, 1, 1), (2024, 2, 29), (2025, 12, 31), (1999, 3, 1)] {
            assert_eq!(civil(day_of(y, mo, d) as i64), (y, mo, d));
        }
    }

    #[test]
    fn the_timescale_changes_with_the_zoom() {
        let from = day_of(2025, 3, 3);
        let to = day_of(2025, 4, 1);
        let days = ticks(Zoom::Days, false, from, to, &EN, &VIEWER_EN);
        assert_eq!(days.len(), 29);
        assert_eq!(days[0].label, "3");
        let weeks = ticks(Zoom::Days, true, from, to, &EN, &VIEWER_EN);
        assert_eq!(weeks[0].label, "Mar 3, 2025");
        let months = ticks(Zoom::Weeks, true, from, to, &PT_BR, &VIEWER_PT_BR);
        assert_eq!(months[0].label, "mar 2025");
        assert_eq!(months[0].day, day_of(2025, 3, 1));
        let quarters = ticks(
            Zoom::Quarters,
            false,
            from,
            day_of(2026, 1, 1),
            &EN,
            &VIEWER_EN,
        );
        let labels: Vec<&str> = quarters.iter().map(|q| q.label.as_str()).collect();
        assert_eq!(labels, ["Q1", "Q2", "Q3", "Q4"]);
        let decade = ticks(Zoom::Years, true, from, to, &EN, &VIEWER_EN);
        assert_eq!(decade[0].label, "2020–2029");
        let years = ticks(
            Zoom::Months,
            true,
            from,
            day_of(2027, 1, 1),
            &EN,
            &VIEWER_EN,
        );
        let labels: Vec<&str> = years.iter().map(|q| q.label.as_str()).collect();
        assert_eq!(labels, ["2025", "2026"]);
    }

    #[test]
    fn zoom_steps_and_fitting() {
        assert_eq!(Zoom::Days.zoom_in(), None);
        assert_eq!(Zoom::Days.zoom_out(), Some(Zoom::Weeks));
        assert_eq!(Zoom::Years.zoom_out(), None);
        assert_eq!(Zoom::fitting(30.0, 1000.0), Zoom::Days);
        assert_eq!(Zoom::fitting(3650.0, 1000.0), Zoom::Years);
        for z in Zoom::ALL {
            assert_eq!(Zoom::from_code(z.code()), Some(z));
        }
    }

    #[test]
    fn link_paths_go_around_when_the_successor_is_behind() {
        assert_eq!(
            link_path((100.0, 14.0), true, (200.0, 42.0), true),
            "M100.0,14.0H108.0V42.0H200.0"
        );
        let back = link_path((100.0, 14.0), true, (50.0, 42.0), true);
        assert_eq!(back, "M100.0,14.0H108.0V28.0H42.0V42.0H50.0");
    }
}
