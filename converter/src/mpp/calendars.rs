//! Calendars (`TBkndCal`): the calendar list in FixedData, names and calendar data (working
//! week, exceptions, work weeks) in Var2Data, GUIDs in Fixed2Data.

use super::bytes::{i32_at, u8_at, u16_at, utf16_string};
use super::encoding::{date_from_days, time_from_tenths};
use super::fixed_data::{FixedMeta, split_by_meta};
use super::reader::{Context, EntityBlocks};
use crate::budget::Budget;
use crate::model::{
    Calendar, CalendarException, DayHours, FileFormat, Recurrence, Resource, TimeRange, WorkWeek,
};
use chrono::Duration as Span;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

/// Var2Data key of a calendar's name.
const NAME_KEY: u16 = 1;
/// Project `Props`: the week "default" days of base calendars take their hours from.
const DEFAULT_WEEK: u32 = 0x0240_1388;
/// Project `Props`: name of the baseline calendar.
const BASELINE_CALENDAR_NAME: u32 = 0x0240_1393;
/// One day of a week: flag, range count, five starts, five lengths.
const DAY_SIZE: usize = 60;
/// Seven days, Sunday first.
const WEEK_SIZE: usize = 7 * DAY_SIZE;
/// Most working ranges a day can hold.
const MAX_RANGES: usize = 5;
/// FixedData list entries are 12-byte steps.
const STEP_SIZE: usize = 12;
/// Fixed2Data records (GUIDs) are 48 bytes. Their meta items are 9 bytes, or 10 in some files
/// saved by Project 2016 and later: the size is the one the header's count implies. (MPXJ
/// always reads 9 and so picks up stray GUIDs in those files; MS Project's own XML of them
/// carries the GUIDs read with the implied size.)
const FIXED2_META_SIZE: usize = 9;

/// The Fixed2Meta item size implied by `(length − 16) / count`, when it is plausible.
fn fixed2_meta_size(raw: &[u8]) -> usize {
    let count = super::bytes::u32_at(raw, 8).unwrap_or(0) as usize;
    match raw.len().checked_sub(16) {
        Some(body)
            if count > 0 && body.is_multiple_of(count) && (9..=12).contains(&(body / count)) =>
        {
            body / count
        }
        _ => FIXED2_META_SIZE,
    }
}
const FIXED2_SIZE: usize = 48;
/// Most exception days expanded while flattening one calendar.
const FLATTEN_BUDGET: usize = 1_000_000;
/// Name of Project's built-in calendar.
pub(super) const STANDARD: &str = "Standard";
/// Name given to a resource calendar whose resource has no name.
const UNNAMED_RESOURCE: &str = "Unnamed Resource";

/// Where the parts of a calendar data value sit; Project 2007 moved the week to the start
/// and gave exceptions names, recurrence and a variable size.
struct DataLayout {
    /// Offset of the seven day blocks (also in the default-week `Props` value).
    week: usize,
    /// Exception records: MPP9's fixed 64-byte ones, or the later named ones.
    named_exceptions: bool,
}

const MPP9_DATA: DataLayout = DataLayout {
    week: 4,
    named_exceptions: false,
};
const MPP12_DATA: DataLayout = DataLayout {
    week: 0,
    named_exceptions: true,
};

/// MPP9 exception record: dates, range count, starts, lengths.
const MPP9_EXCEPTION_SIZE: usize = 64;
/// Fixed part of an MPP12/14 exception record; the name follows.
const NAMED_EXCEPTION_SIZE: usize = 92;
/// A work week: seven days, two dates, 8 unknown bytes, a name length.
const WORK_WEEK_MIN: usize = WEEK_SIZE + 2 + 2 + 8 + 4;

fn data_layout(format: FileFormat) -> &'static DataLayout {
    match format {
        FileFormat::Mpp8 | FileFormat::Mpp9 => &MPP9_DATA,
        FileFormat::Mpp12 | FileFormat::Mpp14 => &MPP12_DATA,
    }
}

/// A working range from a start in tenths of a minute and a length in tenths of a minute.
/// The start keeps whole minutes; the end may fall past midnight and wraps, as in Project.
pub(super) fn range(start_tenths: u16, length_tenths: i64) -> TimeRange {
    let start = time_from_tenths(start_tenths);
    let (end, _) = start.overflowing_add_signed(Span::seconds(length_tenths.saturating_mul(6)));
    TimeRange { start, end }
}

/// Reads `count` ranges: starts (`u16`) at `starts`, lengths at `lengths` in 4-byte slots
/// (`wide`: the whole `i32`, else its low `u16` as Project's older readers do).
pub(super) fn ranges(
    data: &[u8],
    count: usize,
    starts: usize,
    lengths: usize,
    wide: bool,
) -> Vec<TimeRange> {
    (0..count.min(MAX_RANGES))
        .map_while(|i| {
            let start = u16_at(data, starts + 2 * i)?;
            let length = if wide {
                i64::from(i32_at(data, lengths + 4 * i)?)
            } else {
                i64::from(u16_at(data, lengths + 4 * i)?)
            };
            Some(range(start, length))
        })
        .collect()
}

/// One 60-byte day block; `None` when it is not there.
fn day_block(data: &[u8], off: usize, wide: bool) -> Option<DayHours> {
    let flag = u16_at(data, off)?;
    if flag == 1 {
        return Some(DayHours::Default);
    }
    let count = usize::from(u16_at(data, off + 2)?);
    let hours = ranges(data, count, off + 8, off + 20, wide);
    Some(if hours.is_empty() {
        DayHours::NonWorking
    } else {
        DayHours::Working(hours)
    })
}

/// Seven day blocks from `off`, Sunday first; missing blocks read as "default".
fn week(data: &[u8], off: usize, wide: bool) -> [DayHours; 7] {
    std::array::from_fn(|i| day_block(data, off + i * DAY_SIZE, wide).unwrap_or_default())
}

/// Project's built-in week: Monday to Friday 08:00–12:00 and 13:00–17:00.
pub(super) fn standard_day(index: usize) -> DayHours {
    if index == 0 || index == 6 {
        return DayHours::NonWorking;
    }
    DayHours::Working(vec![range(4800, 2400), range(7800, 2400)])
}

/// The week that "default" days of a base calendar stand for: the project's default week,
/// its own "default" days (or all of it when absent) being Project's built-in week.
fn default_week(ctx: &Context) -> [DayHours; 7] {
    let layout = data_layout(ctx.layout.format);
    let stored = ctx
        .props
        .bytes(DEFAULT_WEEK)
        .map(|d| week(d, layout.week, false));
    std::array::from_fn(|i| match stored.as_ref().and_then(|w| w.get(i)) {
        Some(DayHours::Default) | None => standard_day(i),
        Some(day) => day.clone(),
    })
}

fn date(data: &[u8], off: usize) -> Option<chrono::NaiveDateTime> {
    date_from_days(u16_at(data, off)?)
}

/// MPP9 exceptions: a count at 0, 64-byte records after the week.
fn mpp9_exceptions(data: &[u8]) -> Vec<CalendarException> {
    let count = usize::from(u16_at(data, 0).unwrap_or(0));
    (0..count)
        .map_while(|i| {
            let off = 4 + WEEK_SIZE + i * MPP9_EXCEPTION_SIZE;
            let from = u16_at(data, off)?;
            let to = u16_at(data, off + 2)?;
            let count = usize::from(u16_at(data, off + 6)?);
            Some((from, to, ranges(data, count, off + 12, off + 24, false)))
        })
        .filter_map(|(from, to, working_times)| one_time_exception(from, to, working_times))
        .collect()
}

/// The recurrence of an MPP12/14 exception record, in MSPDI's terms; `None` for a plain
/// date range (including "every day", which is one).
fn recurrence(rec: &[u8]) -> Option<Recurrence> {
    let kind = u16_at(rec, 72)?;
    let b = |i: usize| u16::from(u8_at(rec, 76 + i).unwrap_or(0));
    let w = |i: usize| u16_at(rec, 76 + i).unwrap_or(0);
    let r = match kind {
        7 => Recurrence {
            kind,
            period: w(0),
            ..Default::default()
        },
        6 => Recurrence {
            kind,
            days_of_week: b(0),
            period: w(2),
            ..Default::default()
        },
        4 => Recurrence {
            kind,
            month_day: b(0),
            period: b(2),
            ..Default::default()
        },
        5 => Recurrence {
            kind,
            month_position: b(0),
            month_item: b(1),
            period: w(2),
            ..Default::default()
        },
        2 => Recurrence {
            kind,
            month: b(0),
            month_day: b(1),
            ..Default::default()
        },
        3 => Recurrence {
            kind,
            month: b(0),
            month_position: b(1),
            month_item: b(2),
            ..Default::default()
        },
        _ => return None,
    };
    (!(r.kind == 7 && r.period == 1)).then_some(r)
}

/// MPP12/14 exceptions from 420 (count, 2 bytes, records of 92 bytes plus a name), then the
/// work weeks that follow them.
fn named_exceptions(data: &[u8]) -> (Vec<CalendarException>, Vec<WorkWeek>) {
    let mut exceptions = Vec::new();
    if data.len() <= WEEK_SIZE {
        return (exceptions, Vec::new());
    }
    let count = usize::from(u16_at(data, WEEK_SIZE).unwrap_or(0));
    let mut off = WEEK_SIZE + 4;
    for _ in 0..count {
        let Some(rec) = data.get(off..off.saturating_add(NAMED_EXCEPTION_SIZE)) else {
            break;
        };
        let name_len = i32_at(rec, 88).unwrap_or(0);
        let Ok(name_len) = usize::try_from(name_len) else {
            break;
        };
        let name_len = name_len.div_ceil(4) * 4;
        // The name ends at its stored length: read to the end of the data, a crafted record
        // would copy the rest of the calendar into every exception.
        let name_at = off + NAMED_EXCEPTION_SIZE;
        let name = (name_len != 0).then(|| {
            data.get(name_at..name_at.saturating_add(name_len).min(data.len()))
                .map(utf16_string)
                .unwrap_or_default()
        });
        if let Some(from) = date(rec, 0) {
            let to = date(rec, 2).unwrap_or(from);
            let count = usize::from(u16_at(rec, 14).unwrap_or(0));
            exceptions.push(CalendarException {
                from,
                to,
                name,
                working_times: ranges(rec, count, 20, 32, false),
                occurrences: u16_at(rec, 4).unwrap_or(1),
                recurrence: recurrence(rec),
            });
        }
        off = off
            .saturating_add(NAMED_EXCEPTION_SIZE)
            .saturating_add(name_len);
    }
    if count == 0 {
        off = WEEK_SIZE + 4;
    }
    (exceptions, work_weeks(data, off))
}

/// Work weeks: a 4-byte header, then records of a week, two dates and a name.
fn work_weeks(data: &[u8], start: usize) -> Vec<WorkWeek> {
    let mut weeks = Vec::new();
    let mut off = start + 4;
    while data.len() >= off.saturating_add(WORK_WEEK_MIN) {
        let days = week(data, off, true);
        off += WEEK_SIZE;
        let from = date(data, off);
        let to = date(data, off + 2);
        off += 12;
        let Some(name_len) = i32_at(data, off).and_then(|n| usize::try_from(n).ok()) else {
            break;
        };
        let name_len = name_len.div_ceil(4) * 4;
        off += 4;
        let name = (name_len != 0).then(|| {
            let end = off.saturating_add(name_len).min(data.len());
            data.get(off..end).map(utf16_string).unwrap_or_default()
        });
        off = off.saturating_add(name_len);
        if let (Some(from), Some(to)) = (from, to) {
            weeks.push(WorkWeek {
                name,
                from,
                to,
                days,
            });
        }
    }
    weeks
}

/// One step of the calendar list.
struct Step {
    uid: i32,
    base: i32,
    resource: i32,
}

/// Reads base and resource calendars. Derived calendars whose base is missing or unnamed are
/// dropped, as Project cannot resolve them.
pub fn read(ctx: &mut Context, blocks: &EntityBlocks) -> Vec<Calendar> {
    let layout = ctx.layout;
    let data_layout = data_layout(layout.format);
    let records = split_by_meta(&blocks.meta, &blocks.data, 0, STEP_SIZE);
    let meta2 = FixedMeta::parse(
        blocks.meta2_raw.clone(),
        fixed2_meta_size(&blocks.meta2_raw),
    );
    let guids = split_by_meta(&meta2, &blocks.data2, 0, FIXED2_SIZE);
    // One copy, lent to every base calendar without data of its own.
    let default_data = ctx.props.bytes(DEFAULT_WEEK).map(<[u8]>::to_vec);
    let default_week = default_week(ctx);
    let [uid_at, base_at, resource_at] = layout.calendar_step;

    let mut calendars: Vec<Calendar> = Vec::new();
    let mut seen = HashSet::new();
    // Which calendar each resource uid is linked to: a derived calendar's link replaces an
    // earlier one, a base calendar's only fills a gap.
    let mut links: HashMap<i32, i32> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        let Some(record) = record else { continue };
        let step = |at: usize| i32_at(record, at);
        let (Some(uid), Some(base), Some(resource)) =
            (step(uid_at), step(base_at), step(resource_at))
        else {
            continue;
        };
        let step = Step {
            uid,
            base,
            resource,
        };
        if step.uid <= 0 || !seen.insert(step.uid) {
            continue;
        }
        if calendars.len() >= ctx.limits.max_records {
            ctx.warn("too many calendars; the rest were skipped");
            break;
        }
        let is_base = step.base <= 0 || step.base == step.uid;
        let data = blocks
            .var
            .get(step.uid, layout.calendar_data_key)
            .or_else(|| default_data.as_deref().filter(|_| is_base));
        let guid = guids
            .get(index)
            .copied()
            .flatten()
            .and_then(|g| super::encoding::guid(g, 0));
        let mut calendar = Calendar {
            uid: step.uid,
            guid,
            name: blocks.var.get(step.uid, NAME_KEY).map(utf16_string),
            base_calendar_uid: (!is_base).then_some(step.base),
            ..Default::default()
        };
        if is_base {
            if step.resource > 0 {
                links.entry(step.resource).or_insert(step.uid);
            }
        } else {
            links.insert(step.resource, step.uid);
        }
        match data {
            Some(data) => {
                let days = week(data, data_layout.week, false);
                calendar.days = std::array::from_fn(|i| match days.get(i) {
                    Some(DayHours::Default) | None if is_base => {
                        default_week.get(i).cloned().unwrap_or_default()
                    }
                    Some(day) => day.clone(),
                    None => DayHours::Default,
                });
                if data_layout.named_exceptions {
                    (calendar.exceptions, calendar.work_weeks) = named_exceptions(data);
                } else {
                    calendar.exceptions = mpp9_exceptions(data);
                }
            }
            // A base calendar without data and no project default week: Project's own
            // working days, but with no hours, as Project reads them.
            None if is_base => {
                calendar.days = std::array::from_fn(|i| match standard_day(i) {
                    DayHours::Working(_) => DayHours::Working(Vec::new()),
                    other => other,
                });
            }
            None => {}
        }
        if !charge(&ctx.budget, &calendar) {
            break;
        }
        calendars.push(calendar);
    }

    // A derived calendar needs a named base.
    let named: HashSet<i32> = calendars
        .iter()
        .filter(|c| c.name.is_some())
        .map(|c| c.uid)
        .collect();
    calendars.retain(|c| c.base_calendar_uid.is_none_or(|b| named.contains(&b)));
    if calendars.is_empty() {
        // Tasks and the project need a calendar: Project's standard one.
        calendars.push(Calendar {
            uid: 1,
            name: Some(STANDARD.to_owned()),
            days: std::array::from_fn(standard_day),
            ..Default::default()
        });
    }
    let at = positions(&calendars);
    for (resource, uid) in links {
        if let Some(c) = at.get(&uid).and_then(|&i| calendars.get_mut(i)) {
            c.resource_uid = Some(resource);
        }
    }
    calendars
}

/// Charges a calendar read from the file: its inline size, its exceptions and work weeks
/// (whose counts come from the file) and their names.
fn charge(budget: &Budget, calendar: &Calendar) -> bool {
    let names = calendar
        .exceptions
        .iter()
        .filter_map(|e| e.name.as_ref())
        .chain(calendar.work_weeks.iter().filter_map(|w| w.name.as_ref()))
        .chain(calendar.name.as_ref())
        .map(String::len)
        .sum::<usize>();
    let items = calendar.exceptions.len() + calendar.work_weeks.len();
    budget.alloc_items::<Calendar>(1)
        && budget.alloc_items::<CalendarException>(calendar.exceptions.len())
        && budget.alloc_items::<WorkWeek>(calendar.work_weeks.len())
        && budget.alloc(names)
        && budget.work(1 + items as u64)
}

/// Each calendar's position by uid (uids are unique: `read` skips repeats, `finish`
/// numbers the calendars it adds after the highest).
fn positions(calendars: &[Calendar]) -> HashMap<i32, usize> {
    calendars
        .iter()
        .enumerate()
        .map(|(i, c)| (c.uid, i))
        .collect()
}

/// Links calendars and resources once both are read: sets each resource's `calendar_uid`,
/// drops derived calendars no resource uses and names unnamed resource calendars after their
/// resource. Then shapes the set as MSPDI needs it: every resource gets a calendar of its
/// own derived from a base calendar, so a resource linked straight to a base calendar, or
/// sharing a derived one, gets a new derived calendar (numbered after the highest uid), and
/// a shared derived calendar becomes a base calendar with its base's days and exceptions.
pub fn finish(ctx: &mut Context, calendars: &mut Vec<Calendar>, resources: &mut [Resource]) {
    let mut next_uid = calendars
        .iter()
        .map(|c| c.uid)
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    // The first calendar linked to each resource, and how many resources use each calendar:
    // looked up, not searched, as a file may hold many of both.
    let mut linked: HashMap<i32, i32> = HashMap::new();
    for c in calendars.iter() {
        if let Some(resource) = c.resource_uid {
            linked.entry(resource).or_insert(c.uid);
        }
    }
    let mut users: HashMap<i32, usize> = HashMap::new();
    for resource in resources.iter_mut() {
        resource.calendar_uid = linked.get(&resource.uid).copied();
        if let Some(uid) = resource.calendar_uid {
            *users.entry(uid).or_default() += 1;
        }
    }
    let users_of = |uid: i32| users.get(&uid).copied().unwrap_or(0);
    calendars.retain(|c| c.is_base() || users_of(c.uid) > 0);
    let at = positions(calendars);
    for resource in resources.iter() {
        let Some(uid) = resource.calendar_uid else {
            continue;
        };
        let Some(c) = at.get(&uid).and_then(|&i| calendars.get_mut(i)) else {
            continue;
        };
        let resource_name = resource.name.as_deref().filter(|n| !n.is_empty());
        // A resource calendar's stored name can be stale (it is not updated when the resource
        // is renamed); Project shows the resource's name.
        if let (Some(name), false) = (resource_name, c.is_base()) {
            c.name = Some(name.to_owned());
        } else if c.name.as_deref().is_none_or(str::is_empty) {
            c.name = Some(resource_name.unwrap_or(UNNAMED_RESOURCE).to_owned());
        }
    }

    // A derived calendar stays one only if it is nobody's base and has exactly one user.
    let parents: HashSet<i32> = calendars
        .iter()
        .filter_map(|c| c.base_calendar_uid)
        .collect();
    let shared: Vec<i32> = calendars
        .iter()
        .filter(|c| !c.is_base() && (parents.contains(&c.uid) || users_of(c.uid) != 1))
        .map(|c| c.uid)
        .collect();
    let mut flattened = Vec::with_capacity(shared.len());
    for uid in shared {
        if !ctx.budget.ok() {
            return;
        }
        flattened.push(flatten(calendars, &at, uid, &ctx.budget));
    }
    for flat in flattened {
        if let Some(c) = at.get(&flat.uid).and_then(|&i| calendars.get_mut(i)) {
            *c = flat;
        }
    }
    let mut added = Vec::new();
    let mut on_base: HashMap<i32, Vec<usize>> = HashMap::new();
    for (i, r) in resources.iter().enumerate() {
        if let Some(uid) = r.calendar_uid {
            on_base.entry(uid).or_default().push(i);
        }
    }
    for base in calendars.iter().filter(|c| c.is_base()) {
        let users = on_base.get(&base.uid).map_or(&[][..], Vec::as_slice);
        if !ctx.budget.alloc_items::<Calendar>(users.len()) {
            return;
        }
        for &i in users {
            let Some(resource) = resources.get_mut(i) else {
                continue;
            };
            added.push(Calendar {
                uid: next_uid,
                name: resource.name.clone(),
                base_calendar_uid: Some(base.uid),
                resource_uid: Some(resource.uid),
                ..Default::default()
            });
            resource.calendar_uid = Some(next_uid);
            next_uid = next_uid.saturating_add(1);
        }
    }
    calendars.extend(added);

    let baseline = ctx.props.string(BASELINE_CALENDAR_NAME).unwrap_or_default();
    for c in calendars.iter_mut() {
        c.is_baseline = c.name.as_deref() == Some(baseline.as_str());
    }
}

/// `uid` turned into a base calendar: "default" days take its bases' days, and its bases'
/// exceptions are added where they do not overlap its own. Each step up the chain and each
/// exception copied is charged, so a long chain of derived calendars (each one flattened)
/// ends in a budget error rather than in quadratic time.
fn flatten(
    calendars: &[Calendar],
    at: &HashMap<i32, usize>,
    uid: i32,
    budget: &Budget,
) -> Calendar {
    let by_uid = |u: i32| at.get(&u).and_then(|&i| calendars.get(i));
    let Some(mut flat) = by_uid(uid).cloned() else {
        return Calendar::default();
    };
    let mut chain = Vec::new();
    let mut seen: HashSet<i32> = std::iter::once(uid).collect();
    let mut next = flat.base_calendar_uid;
    while let Some(base) = next.and_then(by_uid) {
        if !seen.insert(base.uid) || !budget.work(1) {
            break;
        }
        chain.push(base);
        next = base.base_calendar_uid;
    }
    for (i, day) in flat.days.iter_mut().enumerate() {
        for base in &chain {
            if *day != DayHours::Default {
                break;
            }
            day.clone_from(base.days.get(i).unwrap_or(&DayHours::Default));
        }
        if *day == DayHours::Default {
            *day = DayHours::NonWorking;
        }
    }
    let mut days_left = FLATTEN_BUDGET;
    for base in chain {
        let before = flat.exceptions.len();
        flat.merge_exceptions(&base.exceptions, &mut days_left);
        let added = flat.exceptions.len().saturating_sub(before);
        if !budget.alloc_items::<CalendarException>(added)
            || !budget.work((base.exceptions.len() + added) as u64)
        {
            break;
        }
    }
    flat.base_calendar_uid = None;
    flat
}

/// A one-time exception from its stored first and last day numbers (a last day that cannot
/// be read is the first): the form MPP8 and MPP9 both keep.
pub(super) fn one_time_exception(
    from: u16,
    to: u16,
    working_times: Vec<TimeRange>,
) -> Option<CalendarException> {
    let from = date_from_days(from)?;
    let to = date_from_days(to).unwrap_or(from);
    Some(CalendarException {
        from,
        to,
        working_times,
        occurrences: 1,
        ..Default::default()
    })
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)] // Tests build their inputs by index.
mod tests {
    use super::*;
    use crate::convert::Limits;
    use crate::mpp::layout::Layout;
    use crate::mpp::props::Props;

    fn ctx() -> Context {
        Context {
            layout: Layout::new(FileFormat::Mpp14, 14),
            props: Props::default(),
            warnings: Vec::new(),
            limits: Limits::default(),
            budget: crate::budget::Budget::unlimited(),
        }
    }

    fn resource(uid: i32, name: Option<&str>) -> Resource {
        Resource {
            uid,
            name: name.map(str::to_owned),
            ..Default::default()
        }
    }

    fn calendar(
        uid: i32,
        name: Option<&str>,
        base: Option<i32>,
        resource: Option<i32>,
    ) -> Calendar {
        Calendar {
            uid,
            name: name.map(str::to_owned),
            base_calendar_uid: base,
            resource_uid: resource,
            ..Default::default()
        }
    }

    #[test]
    fn fixed2_meta_size_follows_the_header_count() {
        let mut raw = vec![0u8; 16 + 3 * 10];
        raw[8] = 3;
        assert_eq!(fixed2_meta_size(&raw), 10);
        raw.truncate(16 + 3 * 9);
        assert_eq!(fixed2_meta_size(&raw), 9);
        raw[8] = 0;
        assert_eq!(
            fixed2_meta_size(&raw),
            FIXED2_META_SIZE,
            "no count: the usual size"
        );
        assert_eq!(fixed2_meta_size(&[]), FIXED2_META_SIZE);
    }

    #[test]
    fn finish_links_names_and_prunes() {
        let mut calendars = vec![
            calendar(1, Some("Standard"), None, None),
            calendar(2, None, Some(1), Some(0)),
            calendar(3, None, Some(1), Some(1)),
            calendar(4, None, Some(1), Some(9)),
            calendar(5, Some("Old name"), Some(1), Some(2)),
        ];
        let mut resources = vec![
            resource(0, None),
            resource(1, Some("Ann")),
            resource(2, Some("Cy")),
        ];
        finish(&mut ctx(), &mut calendars, &mut resources);
        let names: Vec<_> = calendars.iter().map(|c| (c.uid, c.name.clone())).collect();
        assert_eq!(
            names,
            vec![
                (1, Some("Standard".into())),
                (2, Some("Unnamed Resource".into())),
                (3, Some("Ann".into())),
                (5, Some("Cy".into()))
            ]
        );
        assert_eq!(resources.first().and_then(|r| r.calendar_uid), Some(2));
        assert_eq!(resources.get(1).and_then(|r| r.calendar_uid), Some(3));
    }

    #[test]
    fn resource_on_a_base_calendar_gets_its_own() {
        let mut calendars = vec![
            calendar(1, Some("Standard"), None, None),
            calendar(5, Some("Night"), None, Some(2)),
        ];
        let mut resources = vec![resource(2, Some("Bob"))];
        finish(&mut ctx(), &mut calendars, &mut resources);
        assert_eq!(calendars.len(), 3);
        let added = calendars.get(2);
        assert_eq!(
            added.map(|c| (c.uid, c.base_calendar_uid)),
            Some((6, Some(5)))
        );
        assert_eq!(added.and_then(|c| c.name.clone()).as_deref(), Some("Bob"));
        assert_eq!(resources.first().and_then(|r| r.calendar_uid), Some(6));
    }

    fn day(flag: u16, ranges: &[(u16, u16)]) -> Vec<u8> {
        let mut d = vec![0u8; DAY_SIZE];
        d[0..2].copy_from_slice(&flag.to_le_bytes());
        d[2..4].copy_from_slice(&(ranges.len() as u16).to_le_bytes());
        for (i, (start, len)) in ranges.iter().enumerate() {
            d[8 + 2 * i..10 + 2 * i].copy_from_slice(&start.to_le_bytes());
            d[20 + 4 * i..22 + 4 * i].copy_from_slice(&len.to_le_bytes());
        }
        d
    }

    #[test]
    fn reads_week_and_named_recurring_exception() {
        let mut data = Vec::new();
        for i in 0..7 {
            data.extend(match i {
                2 => day(0, &[]),
                6 => day(0, &[(4800, 2400), (7800, 2400)]),
                _ => day(1, &[]),
            });
        }
        data.extend_from_slice(&1u16.to_le_bytes());
        data.extend_from_slice(&[0, 0]);
        let mut rec = vec![0u8; NAMED_EXCEPTION_SIZE];
        rec[0..2].copy_from_slice(&14_377u16.to_le_bytes()); // 2023-05-12
        rec[2..4].copy_from_slice(&14_419u16.to_le_bytes());
        rec[4..6].copy_from_slice(&4u16.to_le_bytes());
        rec[72..74].copy_from_slice(&6u16.to_le_bytes());
        rec[76] = 0x20;
        rec[78..80].copy_from_slice(&2u16.to_le_bytes());
        let name: Vec<u8> = "Off".encode_utf16().flat_map(u16::to_le_bytes).collect();
        rec[88..92].copy_from_slice(&(name.len() as i32).to_le_bytes());
        data.extend(rec);
        data.extend(&name);
        data.extend([0, 0]);
        data.extend([0u8; 4]);
        let days = week(&data, 0, false);
        assert_eq!(days.get(2), Some(&DayHours::NonWorking));
        assert!(matches!(days.get(6), Some(DayHours::Working(r)) if r.len() == 2));
        assert_eq!(days.first(), Some(&DayHours::Default));
        let (exceptions, weeks) = named_exceptions(&data);
        assert!(weeks.is_empty());
        let e = exceptions.first();
        assert_eq!(e.and_then(|e| e.name.clone()).as_deref(), Some("Off"));
        assert_eq!(
            e.map(|e| e.from.to_string()).as_deref(),
            Some("2023-05-12 00:00:00")
        );
        let r = e.and_then(|e| e.recurrence.clone());
        assert_eq!(
            r.map(|r| (r.kind, r.period, r.days_of_week)),
            Some((6, 2, 32))
        );
    }

    /// Calendar data of `count` named exceptions whose names claim `name_len` bytes, then
    /// `tail` bytes of text.
    fn exceptions_data(count: u16, name_len: i32, tail: usize) -> Vec<u8> {
        let mut data = vec![0u8; WEEK_SIZE];
        data.extend_from_slice(&count.to_le_bytes());
        data.extend_from_slice(&[0, 0]);
        for _ in 0..count {
            let mut rec = vec![0u8; NAMED_EXCEPTION_SIZE];
            rec[0..2].copy_from_slice(&14_377u16.to_le_bytes());
            rec[2..4].copy_from_slice(&14_377u16.to_le_bytes());
            rec[88..92].copy_from_slice(&name_len.to_le_bytes());
            data.extend(rec);
            data.extend("ab".encode_utf16().flat_map(u16::to_le_bytes));
        }
        data.extend(std::iter::repeat_n(b'x', tail));
        data
    }

    #[test]
    fn exception_names_stop_at_their_stored_length() {
        for (count, tail) in [(10u16, 1_000usize), (1_000, 100_000)] {
            let data = exceptions_data(count, 4, tail);
            let (exceptions, _) = named_exceptions(&data);
            assert_eq!(exceptions.len(), usize::from(count));
            let names: usize = exceptions
                .iter()
                .filter_map(|e| e.name.as_ref())
                .map(String::len)
                .sum();
            assert_eq!(names, 2 * usize::from(count), "each name is \"ab\"");
        }
        // A length past the data reads what is there, once.
        let data = exceptions_data(1, i32::MAX - 3, 50_000);
        let (exceptions, _) = named_exceptions(&data);
        let name = exceptions.first().and_then(|e| e.name.as_ref());
        assert!(name.is_some_and(|n| n.chars().count() < data.len()));
    }

    /// Work spent flattening a chain of `n` derived calendars, each one the base of the
    /// next (so each is flattened), with the given work limit.
    fn flatten_chain(n: i32, work_limit: u64) -> (u64, bool) {
        let mut calendars = vec![calendar(1, Some("Standard"), None, None)];
        for uid in 2..=n {
            let mut c = calendar(uid, Some("Derived"), Some(uid - 1), Some(uid));
            c.exceptions = vec![CalendarException {
                from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1)
                    .unwrap_or_default()
                    .and_time(chrono::NaiveTime::MIN)
                    + chrono::Duration::days(i64::from(uid)),
                to: chrono::NaiveDate::from_ymd_opt(2020, 1, 1)
                    .unwrap_or_default()
                    .and_time(chrono::NaiveTime::MIN)
                    + chrono::Duration::days(i64::from(uid)),
                occurrences: 1,
                ..Default::default()
            }];
            calendars.push(c);
        }
        let mut resources: Vec<Resource> = (2..=n).map(|uid| resource(uid, Some("R"))).collect();
        let mut context = ctx();
        context.budget = Budget::new(u64::MAX, work_limit, None);
        finish(&mut context, &mut calendars, &mut resources);
        (context.budget.usage().work, context.budget.ok())
    }

    #[test]
    fn a_chain_of_derived_calendars_is_bounded_by_the_work_budget() {
        let (small, ok) = flatten_chain(30, u64::MAX);
        assert!(ok && small > 0);
        // Flattening every calendar of a chain is quadratic: a long chain spends its
        // budget and stops (the conversion then reports it) instead of running on.
        let limit = 100_000;
        let (spent, ok) = flatten_chain(20_000, limit);
        assert!(!ok, "the budget is exhausted");
        assert!(spent <= limit + 20_000, "{spent}");
    }

    #[test]
    fn many_resources_on_many_calendars_link_in_linear_work() {
        let n = 20_000;
        let mut calendars = vec![calendar(1, Some("Standard"), None, None)];
        calendars.extend((0..n).map(|i| calendar(i + 2, None, Some(1), Some(i))));
        let mut resources: Vec<Resource> = (0..n).map(|i| resource(i, Some("R"))).collect();
        finish(&mut ctx(), &mut calendars, &mut resources);
        assert_eq!(calendars.len(), 1 + n as usize);
        assert!(
            resources
                .iter()
                .zip(2..)
                .all(|(r, uid)| r.calendar_uid == Some(uid))
        );
    }

    #[test]
    fn truncated_data_reads_what_is_there() {
        let data = [1u8, 0, 0, 0, 5];
        assert!(mpp9_exceptions(&data).is_empty());
        assert_eq!(named_exceptions(&data[..3]).0.len(), 0);
        assert_eq!(
            week(&[], 0, false),
            std::array::from_fn(|_| DayHours::Default)
        );
    }
}
