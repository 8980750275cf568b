//! Timephased work: how an assignment's work spreads over time, as Microsoft Project writes it
//! in MSPDI `TimephasedData` (note 03 §5).
//!
//! A file stores an assignment's work as blocks of constant rate, each ending after a given
//! amount of *working* time of the assignment's calendar ([`TimephasedBlock`]). Microsoft
//! Project writes each block as periods of 24 hours from the block's start (the last one
//! ends with the block), each with the work done in it: the rate times the working time of
//! the period. A period without working time is written value-less (Project 2000–2007) or
//! merged with its non-working neighbours into one zero record (Project 2010 and later).
//! That spreading is what Project computes at save time, so it is computed here, from the
//! stored blocks, never read.
//!
//! A file chooses the dates and the working time, so the number of periods is bounded: each
//! costs a unit of the work budget and an assignment writes at most `max_records`.

use super::{Assignment, DateTime, Task, WorkingTime};

/// One stored block of timephased work: the totals at its end.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TimephasedBlock {
    /// Work done by the end of the block, in minutes (cumulative).
    pub work: f64,
    /// Working time of the assignment's calendar elapsed by the end of the block, in
    /// minutes (cumulative); `None`: the block runs to the assignment's finish.
    pub elapsed: Option<f64>,
}

/// How non-working periods are written: the version of Project that saved the file decides
/// (note 03 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimephasedForm {
    /// Project 2000–2007: one value-less record per non-working day; periods in days
    /// (`Unit` 2).
    ValuelessDays,
    /// Project 2010 and later: a run of non-working days is one record of zero work; `Unit`
    /// 1 on every period.
    MergedZeros,
}

impl TimephasedForm {
    /// The form of the version of Project that saved the file: 2010 (application 14) and
    /// later merge, earlier ones write value-less days.
    pub fn of(properties: &super::ProjectProperties) -> Self {
        let version = properties
            .application_version
            .or(properties.file_format.map(|f| u16::from(f.number())));
        match version {
            Some(v) if v >= 14 => Self::MergedZeros,
            _ => Self::ValuelessDays,
        }
    }
}

/// One `TimephasedData` record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timephased {
    /// MSPDI `Type`: 1 remaining work, 2 actual work, 3 actual overtime work, 11 percent
    /// complete.
    pub kind: u8,
    /// Start of the period.
    pub start: DateTime,
    /// End of the period (exclusive).
    pub finish: DateTime,
    /// MSPDI `Unit`: 0 minutes, 1 hours, 2 days, 3 weeks, 5 months, 8 years.
    pub unit: u8,
    /// Work in minutes; `None` for a period without working time written value-less.
    pub value: Option<f64>,
}

/// MSPDI `Type` of remaining work.
pub const REMAINING_WORK: u8 = 1;
/// MSPDI `Type` of actual work.
pub const ACTUAL_WORK: u8 = 2;
/// MSPDI `Type` of actual overtime work.
pub const ACTUAL_OVERTIME_WORK: u8 = 3;

/// Resource uid of an assignment without a resource.
const NULL_RESOURCE: i32 = -65535;
/// Minutes in a period.
const DAY_MINUTES: i64 = 24 * 60;

/// The `TimephasedData` records of `assignment` (actual work first, then remaining work),
/// spread over the calendar `calendar_uid` of `time`; at most `max_records`.
pub fn assignment_timephased(
    assignment: &Assignment,
    task: Option<&Task>,
    time: &WorkingTime<'_>,
    calendar_uid: Option<i32>,
    form: TimephasedForm,
    max_records: usize,
) -> Vec<Timephased> {
    let mut out = Vec::new();
    if assignment.resource_uid == NULL_RESOURCE {
        // The task's duration as work, in every version: one record for the whole task
        // from 2010 on, spread over days before.
        let (Some(start), Some(finish)) = (assignment.start, assignment.finish) else {
            return out;
        };
        let duration = task.and_then(|t| t.duration);
        let minutes = duration.map_or(assignment.work.unwrap_or(0.0), |d| d.minutes);
        match (form, calendar_uid) {
            (TimephasedForm::ValuelessDays, Some(uid)) => {
                let mut spread = Spread {
                    time,
                    calendar: uid,
                    form,
                    max_records,
                    elapsed: duration.is_some_and(|d| d.unit.is_elapsed()),
                    out: &mut out,
                };
                // The stored blocks place the work (around splits) when they hold it.
                let stored = &assignment.timephased_remaining;
                let holds_work = stored.last().is_some_and(|b| b.work > 0.0);
                let blocks = if holds_work {
                    stored.clone()
                } else {
                    blocks_or_flat(&[], minutes)
                };
                spread.blocks(REMAINING_WORK, start, finish, &blocks);
            }
            _ if max_records > 0 => out.push(Timephased {
                kind: REMAINING_WORK,
                start,
                finish,
                unit: 2,
                value: Some(minutes),
            }),
            _ => {}
        }
        return out;
    }
    let (Some(uid), Some(start), Some(finish)) =
        (calendar_uid, assignment.start, assignment.finish)
    else {
        return out;
    };
    let mut spread = Spread {
        time,
        calendar: uid,
        form,
        max_records,
        elapsed: false,
        out: &mut out,
    };
    let actual = assignment.actual_work.unwrap_or(0.0);
    let remaining = assignment.remaining_work.unwrap_or(0.0);
    let mut resume = start;
    if actual > 0.0 {
        let stop = assignment
            .stop
            .or(assignment.resume)
            .filter(|s| *s > start)
            .unwrap_or(finish);
        let blocks = blocks_or_flat(&assignment.timephased_actual, actual);
        spread.blocks(ACTUAL_WORK, start, stop, &blocks);
        let overtime = assignment.actual_overtime_work.unwrap_or(0.0);
        if assignment.timephased_actual_overtime.is_empty() {
            with_overtime(spread.out, actual, overtime, spread.max_records);
        } else {
            with_overtime_blocks(&mut spread, &assignment.timephased_actual_overtime);
        }
        resume = assignment.resume.filter(|r| *r >= start).unwrap_or(stop);
    }
    if remaining > 0.0 || actual <= 0.0 {
        let blocks = blocks_or_flat(&assignment.timephased_remaining, remaining);
        let first = spread.out.len();
        spread.blocks(REMAINING_WORK, resume.min(finish), finish, &blocks);
        if assignment.remaining_overtime_work.is_some_and(|o| o > 0.0) {
            scale_to(spread.out.get_mut(first..).unwrap_or_default(), remaining);
        }
    }
    out
}

/// The file's remaining-work blocks hold regular work only, while Project writes remaining
/// work with its overtime (Type 1): scales `records` to sum to `total`, each period keeping
/// its share.
fn scale_to(records: &mut [Timephased], total: f64) {
    let sum: f64 = records.iter().filter_map(|r| r.value).sum();
    if sum <= 0.0 {
        return;
    }
    let scale = total / sum;
    for v in records.iter_mut().filter_map(|r| r.value.as_mut()) {
        *v *= scale;
    }
}

/// The file's actual-work blocks hold regular work only, while Project writes actual work
/// with its overtime (Type 2) and the overtime on its own (Type 3) over the same periods:
/// scales the actual-work records in `out` to `actual` and adds the overtime records, each
/// period's share of `overtime` in proportion to its work.
fn with_overtime(out: &mut Vec<Timephased>, actual: f64, overtime: f64, max_records: usize) {
    let regular: f64 = out
        .iter()
        .filter(|r| r.kind == ACTUAL_WORK)
        .filter_map(|r| r.value)
        .sum();
    if regular <= 0.0 || (regular - actual).abs() < 0.01 && overtime <= 0.0 {
        return;
    }
    let scale = actual / regular;
    let mut overtime_records = Vec::new();
    for r in out.iter_mut().filter(|r| r.kind == ACTUAL_WORK) {
        let Some(v) = r.value.as_mut() else { continue };
        *v *= scale;
        if overtime > 0.0 {
            overtime_records.push(Timephased {
                kind: ACTUAL_OVERTIME_WORK,
                value: Some(*v * overtime / actual),
                ..*r
            });
        }
    }
    let room = max_records.saturating_sub(out.len());
    overtime_records.truncate(room);
    out.extend(overtime_records);
}

/// Where the file keeps the actual overtime in blocks of its own: Project writes over each
/// actual-work period the overtime done in it (Type 3) and adds it to the period's regular
/// work (Type 2). The overtime blocks run over the same working time as the regular ones
/// (from the assignment's start, the last to its stop), so the overtime of a period is the
/// difference of their cumulative work, read off at the working time elapsed at its ends.
fn with_overtime_blocks(spread: &mut Spread<'_, '_>, blocks: &[TimephasedBlock]) {
    let actual: Vec<usize> = (0..spread.out.len())
        .filter(|&i| spread.out.get(i).is_some_and(|r| r.kind == ACTUAL_WORK))
        .collect();
    let (Some(first), Some(last)) = (
        actual.first().and_then(|&i| spread.out.get(i)),
        actual.last().and_then(|&i| spread.out.get(i)),
    ) else {
        return;
    };
    let (from, to) = (first.start, last.finish);
    let total = spread.working(from, to);
    let mut elapsed = 0.0;
    let mut at = from;
    let mut overtime_records = Vec::new();
    for i in actual {
        let Some(r) = spread.out.get(i).copied() else {
            continue;
        };
        let before = elapsed + spread.working(at, r.start);
        let after = before + spread.working(r.start, r.finish);
        (elapsed, at) = (after, r.finish);
        let overtime = cumulative(blocks, after, total) - cumulative(blocks, before, total);
        let Some(record) = spread.out.get_mut(i) else {
            continue;
        };
        let Some(v) = record.value.as_mut() else {
            continue;
        };
        *v += overtime;
        overtime_records.push(Timephased {
            kind: ACTUAL_OVERTIME_WORK,
            value: Some(overtime),
            ..*record
        });
    }
    let room = spread.max_records.saturating_sub(spread.out.len());
    overtime_records.truncate(room);
    spread.out.extend(overtime_records);
}

/// The work of `blocks` done by `elapsed` minutes of working time from their start, each
/// block at its constant rate; the last block ends at `total`.
fn cumulative(blocks: &[TimephasedBlock], elapsed: f64, total: f64) -> f64 {
    let (mut work_before, mut elapsed_before) = (0.0, 0.0);
    for (i, block) in blocks.iter().enumerate() {
        let end = match block.elapsed {
            Some(e) if i + 1 < blocks.len() => e,
            _ => total,
        };
        if elapsed <= end {
            return if end > elapsed_before {
                let share = (elapsed - elapsed_before).max(0.0) / (end - elapsed_before);
                work_before + (block.work - work_before) * share
            } else {
                block.work
            };
        }
        (work_before, elapsed_before) = (block.work, end);
    }
    work_before
}

/// MSPDI `Type` of percent complete.
pub const PERCENT_COMPLETE: u8 = 11;
/// The percent complete Project writes for a period without working time.
const NO_WORKING_TIME: f64 = 32768.0;

/// The percent complete `TimephasedData` of a started task: days from its actual start to
/// the end of its actual duration, each with the share of the task's duration it holds, in
/// percentage points (`32768` on a day without working time); at most `max_records`.
pub fn task_timephased(
    task: &Task,
    time: &WorkingTime<'_>,
    calendar_uid: Option<i32>,
    max_records: usize,
) -> Vec<Timephased> {
    let mut out = Vec::new();
    let (Some(uid), Some(start), Some(duration), Some(actual)) = (
        calendar_uid,
        task.actual_start,
        task.duration,
        task.actual_duration,
    ) else {
        return out;
    };
    if task.summary || duration.minutes <= 0.0 || actual.minutes <= 0.0 {
        return out;
    }
    let elapsed = duration.unit.is_elapsed();
    let end = if elapsed {
        start + chrono::Duration::seconds((actual.minutes * 60.0).round() as i64)
    } else {
        match time.add(uid, start, actual.minutes) {
            Some(end) => end,
            None => return out,
        }
    };
    let spread = Spread {
        time,
        calendar: uid,
        form: TimephasedForm::ValuelessDays,
        max_records,
        elapsed,
        out: &mut out,
    };
    let mut from = start;
    while from < end {
        if spread.out.len() >= max_records || !time.budget().work(1) {
            break;
        }
        let to = (from + chrono::Duration::minutes(DAY_MINUTES)).min(end);
        let working = spread.working(from, to);
        let value = if working > 0.0 {
            working * 100.0 / duration.minutes
        } else {
            NO_WORKING_TIME
        };
        spread.out.push(Timephased {
            kind: PERCENT_COMPLETE,
            start: from,
            finish: to,
            unit: 2,
            value: Some(value),
        });
        from = to;
    }
    out
}

/// The percent complete `TimephasedData` of a started task whose progress is the actual
/// work of `assignment`, spread as `actual` (its actual-work records, over the calendar
/// `calendar_uid` of `time`): periods of 24 hours from the start of that work to its end,
/// cut as Project 2007 cuts a block's last part (whatever the form: the task's progress is
/// not cut where the work's blocks are), each with the share of the assignment's work done
/// in it, in percentage points (`32768` where none is); at most `max_records`.
pub fn task_timephased_from_work(
    assignment: &Assignment,
    actual: &[Timephased],
    time: &WorkingTime<'_>,
    calendar_uid: Option<i32>,
    max_records: usize,
) -> Vec<Timephased> {
    let mut out = Vec::new();
    let work = assignment.work.unwrap_or(0.0);
    let records: Vec<&Timephased> = actual.iter().filter(|r| r.kind == ACTUAL_WORK).collect();
    let (Some(first), Some(last)) = (records.first(), records.last()) else {
        return out;
    };
    if work <= 0.0 {
        return out;
    }
    let mut spread = Spread {
        time,
        calendar: calendar_uid.unwrap_or_default(),
        form: TimephasedForm::ValuelessDays,
        max_records,
        elapsed: calendar_uid.is_none(),
        out: &mut out,
    };
    spread.periods(PERCENT_COMPLETE, first.start, last.finish, 0.0, true);
    // Both lists run forward in time: one sweep shares each record's work out over the
    // periods it overlaps, in proportion to the working time of the overlap.
    let mut next = 0;
    for period in spread.out.iter_mut() {
        let mut done = 0.0;
        let mut i = next;
        while let Some(r) = records.get(i) {
            if r.start >= period.finish {
                break;
            }
            let (from, to) = (r.start.max(period.start), r.finish.min(period.finish));
            if let Some(v) = r.value.filter(|v| *v > 0.0 && to > from) {
                let whole = spread_working(time, calendar_uid, r.start, r.finish);
                let part = spread_working(time, calendar_uid, from, to);
                if whole > 0.0 {
                    done += v * part / whole;
                }
            }
            if r.finish <= period.finish {
                next = i + 1;
            }
            i += 1;
        }
        period.value = Some(if done > 0.0 {
            done * 100.0 / work
        } else {
            NO_WORKING_TIME
        });
    }
    out
}

/// Working minutes of `calendar_uid` from `from` to `to`; clock minutes without a calendar.
fn spread_working(
    time: &WorkingTime<'_>,
    calendar_uid: Option<i32>,
    from: DateTime,
    to: DateTime,
) -> f64 {
    match calendar_uid {
        Some(uid) => time.minutes(uid, from, to).unwrap_or(0.0),
        None => (to - from).num_seconds() as f64 / 60.0,
    }
}

/// The stored blocks, or one block of `work` over the whole span when the file has none.
fn blocks_or_flat(stored: &[TimephasedBlock], work: f64) -> Vec<TimephasedBlock> {
    if stored.is_empty() {
        vec![TimephasedBlock {
            work,
            elapsed: None,
        }]
    } else {
        stored.to_vec()
    }
}

/// Spreads blocks of work over one calendar into records.
struct Spread<'a, 'p> {
    time: &'a WorkingTime<'p>,
    calendar: i32,
    form: TimephasedForm,
    max_records: usize,
    /// Work spread over clock time (an elapsed duration), not working time.
    elapsed: bool,
    out: &'a mut Vec<Timephased>,
}

impl Spread<'_, '_> {
    /// Writes the blocks of one kind from `start`; the last block ends at `finish`.
    fn blocks(&mut self, kind: u8, start: DateTime, finish: DateTime, blocks: &[TimephasedBlock]) {
        let mut from = start;
        let (mut work_before, mut elapsed_before) = (0.0, 0.0);
        for (i, block) in blocks.iter().enumerate() {
            let last = i + 1 == blocks.len();
            let work = block.work - work_before;
            let end = match block.elapsed {
                Some(elapsed) if !last => {
                    let Some(end) = self.time.add(self.calendar, from, elapsed - elapsed_before)
                    else {
                        return;
                    };
                    elapsed_before = elapsed;
                    end.min(finish)
                }
                _ => finish,
            };
            work_before = block.work;
            if end > from || work.abs() >= 1.0 {
                let working = self.working(from, end);
                let rate = if working > 0.0 { work / working } else { 0.0 };
                if !self.periods(kind, from, end, rate, blocks.len() == 1) {
                    return;
                }
            }
            if last || end >= finish {
                break;
            }
            // The next block starts where this one ended: the non-working time between
            // them (a split) belongs to the next block's periods.
            from = end;
        }
    }

    /// Working minutes from `from` to `to`: clock minutes for elapsed work.
    fn working(&self, from: DateTime, to: DateTime) -> f64 {
        if self.elapsed {
            (to - from).num_seconds() as f64 / 60.0
        } else {
            self.time.minutes(self.calendar, from, to).unwrap_or(0.0)
        }
    }

    /// Writes `from..to` (one block, `only` when the assignment has no other) as periods of
    /// `rate` work per working minute; false once the record or work budget is spent.
    ///
    /// Periods are 24 hours from the block's start. Before 2010 Project writes in minutes a
    /// block shorter than an hour among others, in hours one shorter than a day, and a last part of a block that runs past
    /// midnight or up to it; a last part within one day is one record whose `Unit` follows its length;
    /// a last part shorter than an hour is written minute by minute.
    fn periods(&mut self, kind: u8, from: DateTime, to: DateTime, rate: f64, only: bool) -> bool {
        let day = chrono::Duration::minutes(DAY_MINUTES);
        let hour = chrono::Duration::minutes(60);
        let minute = chrono::Duration::minutes(1);
        let old = self.form == TimephasedForm::ValuelessDays;
        let mut step = match to - from {
            length if old && !only && length < hour => minute,
            length if old && !only && length < day => hour,
            _ => day,
        };
        let mut start = from;
        while start < to {
            if self.out.len() >= self.max_records || !self.time.budget().work(1) {
                return false;
            }
            if old && step == day && to - start < day && crosses_midnight(start, to) {
                step = hour;
            }
            if old && step > minute && to - start < hour && !on_the_hour(start) {
                step = minute;
            }
            let end = (start + step).min(to);
            let unit = match (old, step) {
                (false, _) => 1,
                (true, s) if s == minute => 0,
                (true, s) if s == hour => 1,
                (true, _) if end - start < day => length_unit((end - start).num_minutes()),
                (true, _) => 2,
            };
            let working = self.working(start, end);
            let record = if working > 0.0 {
                Timephased {
                    kind,
                    start,
                    finish: end,
                    unit,
                    value: Some(rate * working),
                }
            } else {
                match (self.form, self.out.last_mut()) {
                    (TimephasedForm::MergedZeros, Some(previous))
                        if previous.kind == kind
                            && previous.finish == start
                            && previous.value == Some(0.0)
                            && previous_is_idle(self.time, self.calendar, previous) =>
                    {
                        previous.finish = end;
                        start = end;
                        continue;
                    }
                    (TimephasedForm::MergedZeros, _) => Timephased {
                        kind,
                        start,
                        finish: end,
                        unit,
                        value: Some(0.0),
                    },
                    (TimephasedForm::ValuelessDays, _) => Timephased {
                        kind,
                        start,
                        finish: end,
                        unit,
                        value: None,
                    },
                }
            };
            self.out.push(record);
            start = end;
        }
        true
    }
}

/// Whether `at` is a whole clock hour.
fn on_the_hour(at: DateTime) -> bool {
    use chrono::Timelike;
    at.minute() == 0 && at.second() == 0
}

/// Whether `from..to` reaches into the next day: a part ending at midnight counts, Project
/// 2007 writes it hour by hour as one running past it.
fn crosses_midnight(from: DateTime, to: DateTime) -> bool {
    to.date() > from.date()
}

/// The `Unit` Project 2000–2007 write on a period shorter than a day, by its length in
/// minutes: minutes under an hour, hours for one hour, days for anything longer (a last part
/// of two or three hours is in days too: 34 of 34 in Project 2007's XML).
fn length_unit(minutes: i64) -> u8 {
    match minutes {
        ..60 => 0,
        60 => 1,
        _ => 2,
    }
}

/// Whether a zero record holds no working time (a merged run of non-working days, not a
/// working day of zero work, which stays on its own).
fn previous_is_idle(time: &WorkingTime<'_>, calendar: i32, record: &Timephased) -> bool {
    time.minutes(calendar, record.start, record.finish)
        .is_some_and(|m| m == 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::Budget;
    use crate::model::{Calendar, CalendarException, Duration, TimeUnit};
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, min, 0))
            .unwrap_or_default()
    }

    fn standard() -> Vec<Calendar> {
        vec![Calendar {
            uid: 1,
            ..Calendar::default()
        }]
    }

    /// 80 hours over two weeks from Monday 2016-01-04 08:00.
    fn two_weeks() -> Assignment {
        Assignment {
            uid: 2,
            task_uid: 1,
            resource_uid: 1,
            start: Some(at(2016, 1, 4, 8, 0)),
            finish: Some(at(2016, 1, 15, 17, 0)),
            work: Some(4800.0),
            remaining_work: Some(4800.0),
            actual_work: Some(0.0),
            ..Assignment::default()
        }
    }

    fn spread(a: &Assignment, calendars: &[Calendar], form: TimephasedForm) -> Vec<Timephased> {
        let budget = Budget::unlimited();
        let time = WorkingTime::new(calendars, &budget);
        assignment_timephased(a, None, &time, Some(1), form, 1000)
    }

    #[test]
    fn days_from_the_start_weekend_merged_from_2010() {
        let got = spread(&two_weeks(), &standard(), TimephasedForm::MergedZeros);
        assert_eq!(got.len(), 11, "{got:#?}");
        let first = got.first().copied();
        assert_eq!(
            first.map(|r| (r.start, r.finish)),
            Some((at(2016, 1, 4, 8, 0), at(2016, 1, 5, 8, 0)))
        );
        assert_eq!(first.and_then(|r| r.value), Some(480.0));
        let weekend = got.get(5).copied();
        assert_eq!(
            weekend.map(|r| (r.start, r.finish, r.value, r.unit)),
            Some((at(2016, 1, 9, 8, 0), at(2016, 1, 11, 8, 0), Some(0.0), 1))
        );
        let last = got.last().copied();
        assert_eq!(
            last.map(|r| (r.start, r.finish)),
            Some((at(2016, 1, 15, 8, 0), at(2016, 1, 15, 17, 0)))
        );
        let total: f64 = got.iter().filter_map(|r| r.value).sum();
        assert_eq!(total, 4800.0);
    }

    #[test]
    fn non_working_days_value_less_before_2010() {
        let got = spread(&two_weeks(), &standard(), TimephasedForm::ValuelessDays);
        assert_eq!(got.len(), 12);
        let idle: Vec<_> = got
            .iter()
            .filter(|r| r.value.is_none())
            .map(|r| r.start)
            .collect();
        assert_eq!(idle, [at(2016, 1, 9, 8, 0), at(2016, 1, 10, 8, 0)]);
        assert!(got.iter().all(|r| r.unit == 2));
    }

    #[test]
    fn holidays_and_mid_day_starts() {
        let mut calendars = standard();
        if let Some(c) = calendars.first_mut() {
            c.exceptions = vec![CalendarException {
                from: at(2016, 1, 6, 0, 0),
                to: at(2016, 1, 6, 0, 0),
                occurrences: 1,
                ..Default::default()
            }];
        }
        let mut a = two_weeks();
        a.start = Some(at(2016, 1, 4, 9, 0));
        a.finish = Some(at(2016, 1, 7, 12, 0));
        a.remaining_work = Some(900.0);
        let got = spread(&a, &calendars, TimephasedForm::ValuelessDays);
        let values: Vec<_> = got.iter().map(|r| (r.start, r.value)).collect();
        assert_eq!(
            values,
            [
                (at(2016, 1, 4, 9, 0), Some(480.0)),
                (at(2016, 1, 5, 9, 0), Some(420.0)),
                (at(2016, 1, 6, 9, 0), Some(60.0)),
                (at(2016, 1, 7, 9, 0), Some(180.0)),
            ]
            .map(|(s, v)| (s, v.map(|m: f64| m * 900.0 / 1140.0)))
        );
    }

    #[test]
    fn blocks_split_the_work_at_their_working_time() {
        // 8 h at full rate over one working day, then a day of no work, then 8 h: each
        // block starts where the one before ended, its non-working time included.
        let mut a = two_weeks();
        a.finish = Some(at(2016, 1, 6, 17, 0));
        a.remaining_work = Some(960.0);
        a.timephased_remaining = vec![
            TimephasedBlock {
                work: 480.0,
                elapsed: Some(480.0),
            },
            TimephasedBlock {
                work: 480.0,
                elapsed: Some(960.0),
            },
            TimephasedBlock {
                work: 960.0,
                elapsed: Some(1440.0),
            },
        ];
        let got = spread(&a, &standard(), TimephasedForm::MergedZeros);
        let values: Vec<_> = got.iter().map(|r| (r.start, r.finish, r.value)).collect();
        assert_eq!(
            values,
            [
                (at(2016, 1, 4, 8, 0), at(2016, 1, 4, 17, 0), Some(480.0)),
                (at(2016, 1, 4, 17, 0), at(2016, 1, 5, 17, 0), Some(0.0)),
                (at(2016, 1, 5, 17, 0), at(2016, 1, 6, 17, 0), Some(480.0)),
            ]
        );
        // Before 2010 a block shorter than a day among others is written in hours.
        let got = spread(&a, &standard(), TimephasedForm::ValuelessDays);
        let first: Vec<_> = got
            .iter()
            .take(5)
            .map(|r| (r.start, r.unit, r.value))
            .collect();
        assert_eq!(
            first,
            [
                (at(2016, 1, 4, 8, 0), 1, Some(60.0)),
                (at(2016, 1, 4, 9, 0), 1, Some(60.0)),
                (at(2016, 1, 4, 10, 0), 1, Some(60.0)),
                (at(2016, 1, 4, 11, 0), 1, Some(60.0)),
                (at(2016, 1, 4, 12, 0), 1, None),
            ]
        );
    }

    #[test]
    fn parts_shorter_than_an_hour_go_minute_by_minute_before_2010() {
        // A day from 08:30, then half an hour off the clock hour: minute by minute.
        let mut a = two_weeks();
        a.start = Some(at(2016, 1, 4, 8, 30));
        a.finish = Some(at(2016, 1, 5, 9, 0));
        a.remaining_work = Some(510.0);
        let got = spread(&a, &standard(), TimephasedForm::ValuelessDays);
        assert_eq!(got.len(), 31, "{got:#?}");
        let last = got.last().copied();
        assert_eq!(
            last.map(|r| (r.start, r.finish, r.unit, r.value)),
            Some((at(2016, 1, 5, 8, 59), at(2016, 1, 5, 9, 0), 0, Some(1.0)))
        );
        // On the clock hour the last part stays one record.
        a.start = Some(at(2016, 1, 4, 8, 0));
        a.finish = Some(at(2016, 1, 5, 8, 30));
        let got = spread(&a, &standard(), TimephasedForm::ValuelessDays);
        assert_eq!(got.len(), 2, "{got:#?}");
    }

    #[test]
    fn a_last_part_ending_at_midnight_goes_hour_by_hour_before_2010() {
        let mut a = two_weeks();
        a.finish = Some(at(2016, 1, 6, 0, 0));
        a.remaining_work = Some(960.0);
        let got = spread(&a, &standard(), TimephasedForm::ValuelessDays);
        assert_eq!(got.len(), 17, "{got:#?}");
        let last = got.last().copied();
        assert_eq!(
            last.map(|r| (r.start, r.finish, r.unit, r.value)),
            Some((at(2016, 1, 5, 23, 0), at(2016, 1, 6, 0, 0), 1, None))
        );
        assert_eq!(got.iter().filter_map(|r| r.value).sum::<f64>(), 960.0);
    }

    #[test]
    fn a_last_part_of_some_hours_is_in_days_before_2010() {
        // A day from Monday 09:00, then Tuesday 09:00 to 12:00.
        let mut a = two_weeks();
        a.start = Some(at(2016, 1, 4, 9, 0));
        a.finish = Some(at(2016, 1, 5, 12, 0));
        a.remaining_work = Some(660.0);
        let got = spread(&a, &standard(), TimephasedForm::ValuelessDays);
        let units: Vec<_> = got.iter().map(|r| (r.finish, r.unit)).collect();
        assert_eq!(
            units,
            [(at(2016, 1, 5, 9, 0), 2), (at(2016, 1, 5, 12, 0), 2)]
        );
        // One hour is in hours.
        a.finish = Some(at(2016, 1, 5, 10, 0));
        let got = spread(&a, &standard(), TimephasedForm::ValuelessDays);
        assert_eq!(got.last().map(|r| r.unit), Some(1));
    }

    #[test]
    fn actual_work_first_then_remaining_from_the_resume() {
        let mut a = two_weeks();
        a.actual_work = Some(960.0);
        a.remaining_work = Some(3840.0);
        a.stop = Some(at(2016, 1, 5, 17, 0));
        a.resume = Some(at(2016, 1, 6, 8, 0));
        let got = spread(&a, &standard(), TimephasedForm::MergedZeros);
        let actual: Vec<_> = got.iter().filter(|r| r.kind == ACTUAL_WORK).collect();
        assert_eq!(actual.len(), 2);
        assert_eq!(actual.iter().filter_map(|r| r.value).sum::<f64>(), 960.0);
        let remaining = got
            .iter()
            .find(|r| r.kind == REMAINING_WORK)
            .map(|r| r.start);
        assert_eq!(remaining, Some(at(2016, 1, 6, 8, 0)));
    }

    #[test]
    fn started_tasks_get_their_percent_complete_per_day() {
        let task = Task {
            duration: Some(Duration::new(4800.0, TimeUnit::DAYS)),
            actual_duration: Some(Duration::new(1440.0, TimeUnit::DAYS)),
            actual_start: Some(at(2016, 1, 7, 8, 0)),
            ..Task::default()
        };
        let budget = Budget::unlimited();
        let calendars = standard();
        let time = WorkingTime::new(&calendars, &budget);
        let got = task_timephased(&task, &time, Some(1), 100);
        let values: Vec<_> = got.iter().map(|r| (r.start, r.finish, r.value)).collect();
        assert_eq!(
            values,
            [
                (at(2016, 1, 7, 8, 0), at(2016, 1, 8, 8, 0), Some(10.0)),
                (at(2016, 1, 8, 8, 0), at(2016, 1, 9, 8, 0), Some(10.0)),
                (at(2016, 1, 9, 8, 0), at(2016, 1, 10, 8, 0), Some(32768.0)),
                (at(2016, 1, 10, 8, 0), at(2016, 1, 11, 8, 0), Some(32768.0)),
                (at(2016, 1, 11, 8, 0), at(2016, 1, 11, 17, 0), Some(10.0)),
            ]
        );
        let not_started = Task {
            actual_start: None,
            ..task
        };
        assert!(task_timephased(&not_started, &time, Some(1), 100).is_empty());
    }

    #[test]
    fn percent_complete_runs_in_days_from_the_start_across_the_work_blocks() {
        // Half a day, then a block of a day and a half: the actual work is cut at 12:00,
        // the task's progress is not.
        let mut a = two_weeks();
        a.actual_work = Some(960.0);
        a.remaining_work = Some(3840.0);
        a.stop = Some(at(2016, 1, 5, 17, 0));
        a.resume = Some(at(2016, 1, 6, 8, 0));
        a.timephased_actual = vec![
            TimephasedBlock {
                work: 240.0,
                elapsed: Some(240.0),
            },
            TimephasedBlock {
                work: 960.0,
                elapsed: Some(960.0),
            },
        ];
        let budget = Budget::unlimited();
        let calendars = standard();
        let time = WorkingTime::new(&calendars, &budget);
        let work =
            assignment_timephased(&a, None, &time, Some(1), TimephasedForm::ValuelessDays, 100);
        assert!(
            work.iter()
                .any(|r| r.kind == ACTUAL_WORK && r.finish == at(2016, 1, 4, 9, 0)),
            "{work:#?}"
        );
        let got = task_timephased_from_work(&a, &work, &time, Some(1), 100);
        let values: Vec<_> = got
            .iter()
            .map(|r| (r.kind, r.start, r.finish, r.unit, r.value))
            .collect();
        assert_eq!(
            values,
            [
                (
                    11,
                    at(2016, 1, 4, 8, 0),
                    at(2016, 1, 5, 8, 0),
                    2,
                    Some(10.0)
                ),
                (
                    11,
                    at(2016, 1, 5, 8, 0),
                    at(2016, 1, 5, 17, 0),
                    2,
                    Some(10.0)
                ),
            ]
        );
        // A day without work holds Project's marker, not zero; the last block runs to the
        // stop.
        let mut idle = a.clone();
        idle.timephased_actual = vec![
            TimephasedBlock {
                work: 0.0,
                elapsed: Some(480.0),
            },
            TimephasedBlock {
                work: 960.0,
                elapsed: Some(960.0),
            },
        ];
        idle.stop = Some(at(2016, 1, 6, 17, 0));
        let work = assignment_timephased(
            &idle,
            None,
            &time,
            Some(1),
            TimephasedForm::MergedZeros,
            100,
        );
        let got = task_timephased_from_work(&idle, &work, &time, Some(1), 100);
        let values: Vec<_> = got.iter().map(|r| r.value).collect();
        assert_eq!(values, [Some(32768.0), Some(10.0), Some(10.0)], "{got:#?}");
    }

    #[test]
    fn remaining_work_carries_its_overtime() {
        // The blocks hold 4800 minutes of regular work; 480 more are remaining overtime.
        let mut a = two_weeks();
        a.remaining_work = Some(5280.0);
        a.remaining_overtime_work = Some(480.0);
        a.timephased_remaining = vec![TimephasedBlock {
            work: 4800.0,
            elapsed: None,
        }];
        let got = spread(&a, &standard(), TimephasedForm::MergedZeros);
        let values: Vec<_> = got.iter().filter_map(|r| r.value).collect();
        assert_eq!(values.len(), 11, "{got:#?}");
        assert!((values.iter().sum::<f64>() - 5280.0).abs() < 1e-9);
        assert!(values.first().is_some_and(|v| (v - 528.0).abs() < 1e-9));
        // Without overtime the stored work is written as it is.
        a.remaining_overtime_work = Some(0.0);
        let got = spread(&a, &standard(), TimephasedForm::MergedZeros);
        assert_eq!(got.first().and_then(|r| r.value), Some(480.0));
    }

    #[test]
    fn stored_overtime_blocks_place_the_overtime() {
        // A minute of overtime only (60 minutes of it), then 54 minutes of regular work
        // with 6 minutes of overtime: blocks shorter than an hour go minute by minute.
        let mut a = two_weeks();
        a.actual_work = Some(120.0);
        a.actual_overtime_work = Some(66.0);
        a.remaining_work = Some(0.0);
        a.stop = Some(at(2016, 1, 4, 8, 55));
        let block = |work, elapsed| TimephasedBlock {
            work,
            elapsed: Some(elapsed),
        };
        a.timephased_actual = vec![block(0.0, 1.0), block(54.0, 55.0)];
        a.timephased_actual_overtime = vec![block(60.0, 1.0), block(66.0, 55.0)];
        let got = spread(&a, &standard(), TimephasedForm::ValuelessDays);
        let of = |kind| -> Vec<_> { got.iter().filter(|r| r.kind == kind).collect() };
        let (work, overtime) = (of(ACTUAL_WORK), of(ACTUAL_OVERTIME_WORK));
        assert_eq!((work.len(), overtime.len()), (55, 55), "{got:#?}");
        let first = |records: &[&Timephased]| {
            records
                .first()
                .map(|r| (r.start, r.finish, r.unit, r.value))
        };
        let minute = (at(2016, 1, 4, 8, 0), at(2016, 1, 4, 8, 1), 0, Some(60.0));
        assert_eq!(first(&work), Some(minute));
        assert_eq!(first(&overtime), Some(minute));
        let second = overtime.get(1).and_then(|r| r.value).unwrap_or_default();
        assert!((second - 6.0 / 54.0).abs() < 1e-9, "{second}");
        let sum = |records: &[&Timephased]| records.iter().filter_map(|r| r.value).sum::<f64>();
        assert!((sum(&work) - 120.0).abs() < 1e-9);
        assert!((sum(&overtime) - 66.0).abs() < 1e-9);
    }

    #[test]
    fn actual_overtime_follows_the_actual_work() {
        let mut a = two_weeks();
        a.actual_work = Some(300.0);
        a.actual_overtime_work = Some(120.0);
        a.remaining_work = Some(0.0);
        a.stop = Some(at(2016, 1, 5, 9, 0));
        // The stored blocks hold the 180 minutes of regular work.
        a.timephased_actual = vec![TimephasedBlock {
            work: 180.0,
            elapsed: Some(540.0),
        }];
        let got = spread(&a, &standard(), TimephasedForm::MergedZeros);
        let sum = |kind| {
            got.iter()
                .filter(|r| r.kind == kind)
                .filter_map(|r| r.value)
                .sum::<f64>()
        };
        assert!((sum(ACTUAL_WORK) - 300.0).abs() < 1e-9, "{got:#?}");
        assert!((sum(ACTUAL_OVERTIME_WORK) - 120.0).abs() < 1e-9, "{got:#?}");
    }

    #[test]
    fn unassigned_tasks_get_one_record() {
        let task = Task {
            duration: Some(Duration::new(480.0, TimeUnit::DAYS)),
            ..Task::default()
        };
        let a = Assignment {
            resource_uid: NULL_RESOURCE,
            start: Some(at(2014, 11, 3, 8, 0)),
            finish: Some(at(2014, 11, 3, 17, 0)),
            ..Assignment::default()
        };
        let budget = Budget::unlimited();
        let calendars = standard();
        let time = WorkingTime::new(&calendars, &budget);
        let got = assignment_timephased(
            &a,
            Some(&task),
            &time,
            None,
            TimephasedForm::MergedZeros,
            10,
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got.first().and_then(|r| r.value), Some(480.0));
    }

    #[test]
    fn unassigned_tasks_are_spread_over_days_before_2010_around_their_splits() {
        let task = Task {
            duration: Some(Duration::new(960.0, TimeUnit::DAYS)),
            ..Task::default()
        };
        // Monday, a split Tuesday, Wednesday: two blocks of one day each.
        let a = Assignment {
            resource_uid: NULL_RESOURCE,
            start: Some(at(2016, 1, 4, 8, 0)),
            finish: Some(at(2016, 1, 6, 17, 0)),
            timephased_remaining: vec![
                TimephasedBlock {
                    work: 480.0,
                    elapsed: Some(480.0),
                },
                TimephasedBlock {
                    work: 480.0,
                    elapsed: Some(960.0),
                },
                TimephasedBlock {
                    work: 960.0,
                    elapsed: Some(1440.0),
                },
            ],
            ..Assignment::default()
        };
        let budget = Budget::unlimited();
        let calendars = standard();
        let time = WorkingTime::new(&calendars, &budget);
        let got = assignment_timephased(
            &a,
            Some(&task),
            &time,
            Some(1),
            TimephasedForm::ValuelessDays,
            100,
        );
        // Blocks shorter than a day: hours.
        let first = got.first().map(|r| (r.start, r.finish, r.unit, r.value));
        assert_eq!(
            first,
            Some((at(2016, 1, 4, 8, 0), at(2016, 1, 4, 9, 0), 1, Some(60.0)))
        );
        assert_eq!(got.iter().filter_map(|r| r.value).sum::<f64>(), 960.0);
        assert!(
            got.iter()
                .all(|r| r.start < at(2016, 1, 5, 8, 0) || r.start >= at(2016, 1, 4, 17, 0))
        );
        // From 2010 on: one record for the whole task.
        let got = assignment_timephased(
            &a,
            Some(&task),
            &time,
            Some(1),
            TimephasedForm::MergedZeros,
            100,
        );
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn zero_work_and_hostile_spans_stay_bounded() {
        let mut a = two_weeks();
        a.remaining_work = Some(0.0);
        let got = spread(&a, &standard(), TimephasedForm::MergedZeros);
        assert!(got.iter().all(|r| r.value == Some(0.0)), "{got:?}");
        // Ten thousand years: capped by the record limit, not looping for seconds.
        let mut far = two_weeks();
        far.finish = NaiveDate::from_ymd_opt(9999, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        far.start = NaiveDate::from_ymd_opt(1, 1, 1).and_then(|d| d.and_hms_opt(8, 0, 0));
        let got = spread(&far, &standard(), TimephasedForm::ValuelessDays);
        assert_eq!(got.len(), 1000);
        // A spent work budget stops the spreading.
        let budget = Budget::new(u64::MAX, 50, None);
        let calendars = standard();
        let time = WorkingTime::new(&calendars, &budget);
        let got = assignment_timephased(
            &far,
            None,
            &time,
            Some(1),
            TimephasedForm::ValuelessDays,
            1000,
        );
        assert!(got.len() <= 50, "{}", got.len());
    }

    #[test]
    fn elapsed_blocks_past_the_calendar_end_stop() {
        let mut a = two_weeks();
        a.timephased_remaining = vec![
            TimephasedBlock {
                work: 10.0,
                elapsed: Some(1e15),
            },
            TimephasedBlock {
                work: 20.0,
                elapsed: Some(2e15),
            },
        ];
        let got = spread(&a, &standard(), TimephasedForm::MergedZeros);
        assert!(got.len() <= 1000);
    }
}
