//! Project 98 calendars: `TBkndCal/FixFix   0` records (uid, base calendar uid, name and
//! extended data in the heap); the extended data's type 8 refers to the working-time item:
//! an exception count, seven 40-byte day blocks, then 44-byte exceptions.

use super::super::bytes::u16_at;
use super::super::calendars::{STANDARD, ranges, standard_day};
use super::super::reader::Context;
use super::blocks::{Extended, FixDeferFix, FixFix};
use super::values::Rec;
use crate::model::{Calendar, CalendarException, DayHours};
use foldhash::{HashSet, HashSetExt};

/// Calendar record size.
pub const SIZE: usize = 36;

/// Offsets in a calendar record.
mod at {
    pub const UID: usize = 0;
    pub const BASE: usize = 4;
    pub const NAME: usize = 20;
    pub const EXTENDED: usize = 32;
}

/// Extended-data type of the working-time item's reference.
const HOURS: i32 = 8;

/// Shape of the working-time item.
struct Shape {
    /// Offset of Sunday's block.
    week: usize,
    day_size: usize,
    /// Within a day block: range count, first start, first length (4-byte slots).
    day_count: usize,
    day_starts: usize,
    day_lengths: usize,
    exception_size: usize,
    /// Within an exception: first day, last day, range count, first start, first length.
    exception_from: usize,
    exception_to: usize,
    exception_count: usize,
    exception_starts: usize,
    exception_lengths: usize,
}

const SHAPE: Shape = Shape {
    week: 4,
    day_size: 40,
    day_count: 2,
    day_starts: 8,
    day_lengths: 16,
    exception_size: 44,
    exception_from: 0,
    exception_to: 2,
    exception_count: 6,
    exception_starts: 12,
    exception_lengths: 20,
};

/// Reads the calendars and links each to its base.
pub fn read(
    ctx: &Context,
    warnings: &mut Vec<String>,
    fixed: &[u8],
    heap: &FixDeferFix<'_>,
) -> Vec<Calendar> {
    let mut calendars: Vec<Calendar> = Vec::new();
    let mut seen = HashSet::new();
    for data in FixFix::new(fixed, SIZE).records() {
        if !ctx.budget.work(2) || !ctx.budget.alloc_items::<Calendar>(1) {
            break;
        }
        let rec = Rec(data);
        let Some(uid) = rec.i32(at::UID).filter(|u| *u > 0) else {
            continue;
        };
        if !seen.insert(uid) {
            continue;
        }
        if calendars.len() >= ctx.limits.max_records {
            warnings.push("too many calendars; the rest were skipped".to_owned());
            break;
        }
        let base = rec.i32(at::BASE).filter(|b| *b > 0 && *b != uid);
        let ext = Extended::parse(heap.referenced(data, at::EXTENDED));
        let hours = ext.raw(HOURS).and_then(|r| heap.referenced(r, 0));
        let mut calendar = Calendar {
            uid,
            name: heap.string(data, at::NAME),
            base_calendar_uid: base,
            ..Calendar::default()
        };
        match hours {
            Some(item) => {
                calendar.days =
                    std::array::from_fn(|i| match day(&item, SHAPE.week + i * SHAPE.day_size) {
                        Some(DayHours::Default) | None if base.is_none() => standard_day(i),
                        Some(d) => d,
                        None => DayHours::Default,
                    });
                calendar.exceptions = exceptions(&item);
                if !ctx
                    .budget
                    .alloc_items::<CalendarException>(calendar.exceptions.len())
                {
                    break;
                }
            }
            None if base.is_none() => calendar.days = std::array::from_fn(standard_day),
            None => {}
        }
        calendars.push(calendar);
    }
    let known: HashSet<i32> = calendars.iter().map(|c| c.uid).collect();
    calendars.retain(|c| c.base_calendar_uid.is_none_or(|b| known.contains(&b)));
    if calendars.is_empty() {
        calendars.push(Calendar {
            uid: 1,
            name: Some(STANDARD.to_owned()),
            days: std::array::from_fn(standard_day),
            ..Calendar::default()
        });
    }
    calendars
}

/// One day block: flag 1 = as the default (or base) week, else its ranges.
fn day(item: &[u8], off: usize) -> Option<DayHours> {
    if u16_at(item, off)? == 1 {
        return Some(DayHours::Default);
    }
    let count = usize::from(u16_at(item, off + SHAPE.day_count)?);
    let hours = ranges(
        item,
        count,
        off + SHAPE.day_starts,
        off + SHAPE.day_lengths,
        false,
    );
    Some(if hours.is_empty() {
        DayHours::NonWorking
    } else {
        DayHours::Working(hours)
    })
}

/// The exceptions after the week; as many as the count says and the item holds.
fn exceptions(item: &[u8]) -> Vec<CalendarException> {
    let count = usize::from(u16_at(item, 0).unwrap_or(0));
    let first = SHAPE.week + 7 * SHAPE.day_size;
    (0..count)
        .map_while(|i| {
            let off = first + i * SHAPE.exception_size;
            let from = u16_at(item, off + SHAPE.exception_from)?;
            let to = u16_at(item, off + SHAPE.exception_to)?;
            let n = usize::from(u16_at(item, off + SHAPE.exception_count)?);
            let times = ranges(
                item,
                n,
                off + SHAPE.exception_starts,
                off + SHAPE.exception_lengths,
                false,
            );
            Some((from, to, times))
        })
        .filter_map(|(from, to, working_times)| {
            super::super::calendars::one_time_exception(from, to, working_times)
        })
        .collect()
}
