//! Resources (`TBkndRsc`): one FixedData record (block 0), one Fixed2Data record (block 1,
//! MPP12/14) and Var2Data values per resource, found through the resource field map; the
//! resource type and a few flags are bits in the meta items (part 1 §2.5–2.6, part 2 §5.3).

use super::bytes::{ansi_string, f64_at, i32_at, u16_at};
use super::custom_fields::{self, CustomFields};
use super::encoding;
use super::field_map::{Entity, FieldMap, Location};
use super::fixed_data::{FixedMeta, split_by_meta};
use super::layout::{Layout, MetaBit};
use super::reader::{Context, EntityBlocks};
use super::record::{Row, charge_parts};
use super::rtf;
use crate::model::{AvailabilityPeriod, Baseline, CostRate, DateTime, Resource, ResourceKind};
use chrono::{Duration as Span, NaiveDate, Timelike};
use std::collections::BTreeMap;

/// Resource field indices (`0x0C40xxxx`), as Project numbers them.
mod field {
    pub const ID: u16 = 0;
    pub const NAME: u16 = 1;
    pub const INITIALS: u16 = 2;
    pub const GROUP: u16 = 3;
    pub const MAX_UNITS: u16 = 4;
    pub const STANDARD_RATE: u16 = 6;
    pub const OVERTIME_RATE: u16 = 7;
    pub const CODE: u16 = 10;
    pub const ACTUAL_COST: u16 = 11;
    pub const COST: u16 = 12;
    pub const WORK: u16 = 13;
    pub const ACTUAL_WORK: u16 = 14;
    pub const BASELINE_WORK: u16 = 15;
    pub const OVERTIME_WORK: u16 = 16;
    pub const BASELINE_COST: u16 = 17;
    pub const COST_PER_USE: u16 = 18;
    pub const ACCRUE_AT: u16 = 19;
    pub const NOTES: u16 = 20;
    pub const REMAINING_COST: u16 = 21;
    pub const REMAINING_WORK: u16 = 22;
    pub const WORK_VARIANCE: u16 = 23;
    pub const COST_VARIANCE: u16 = 24;
    pub const OVERALLOCATED: u16 = 25;
    pub const PEAK: u16 = 26;
    pub const UNIQUE_ID: u16 = 27;
    pub const PERCENT_WORK_COMPLETE: u16 = 29;
    pub const EMAIL_ADDRESS: u16 = 35;
    pub const REGULAR_WORK: u16 = 38;
    pub const ACTUAL_OVERTIME_WORK: u16 = 39;
    pub const REMAINING_OVERTIME_WORK: u16 = 40;
    pub const OVERTIME_COST: u16 = 47;
    pub const ACTUAL_OVERTIME_COST: u16 = 48;
    pub const REMAINING_OVERTIME_COST: u16 = 49;
    pub const BCWS: u16 = 51;
    pub const BCWP: u16 = 52;
    pub const ACWP: u16 = 53;
    pub const SV: u16 = 54;
    pub const AVAILABLE_FROM: u16 = 57;
    pub const AVAILABLE_TO: u16 = 58;
    /// Cost rate tables A–E.
    pub const COST_RATE_TABLES: [u16; 5] = [61, 62, 63, 64, 65];
    pub const STANDARD_RATE_UNITS: u16 = 70;
    pub const OVERTIME_RATE_UNITS: u16 = 71;
    pub const HYPERLINK_DATA: u16 = 136;
    pub const CAN_LEVEL: u16 = 163;
    pub const CV: u16 = 268;
    pub const WORKGROUP: u16 = 272;
    pub const AVAILABILITY_DATA: u16 = 276;
    pub const MATERIAL_LABEL: u16 = 299;
    pub const INACTIVE: u16 = 696;
    pub const BOOKING_TYPE: u16 = 699;
    pub const ACTUAL_WORK_PROTECTED: u16 = 720;
    pub const ACTUAL_OVERTIME_WORK_PROTECTED: u16 = 721;
    pub const CREATED: u16 = 726;
    /// MPP9: a block of enterprise values (part 1 §2.3 PropsBlock).
    pub const ENTERPRISE_DATA: u16 = 341;
    pub const GUID: u16 = 728;
    /// (work, cost) of Baseline1–10.
    pub const BASELINES: [(u16, u16); 10] = [
        (342, 343),
        (352, 353),
        (362, 363),
        (372, 373),
        (382, 383),
        (392, 393),
        (402, 403),
        (412, 413),
        (422, 423),
        (432, 433),
    ];
}

/// The earliest date Project knows: the start of an open-ended range.
pub fn start_na() -> DateTime {
    at(1984, 1, 1, 0, 0)
}

/// The latest date Project knows: the end of an open-ended range.
pub fn end_na() -> DateTime {
    at(2049, 12, 31, 23, 59)
}

/// The end Project gives an open-ended cost rate range: its last date and one tick of a
/// tenth of a minute more, `2049-12-31T23:59:06` in every rate it writes.
pub fn rates_open_end() -> DateTime {
    end_na() + Span::seconds(6)
}

/// The date whose cost rates and availability are "current". MPXJ takes the moment of
/// conversion; a converter that must give the same bytes everywhere (and has no clock in a
/// browser worker) takes the last day Project knows instead. Both agree whenever every
/// dated rate change and availability period lies in the past.
pub fn reference_date() -> DateTime {
    at(2049, 12, 31, 0, 0)
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime {
    NaiveDate::from_ymd_opt(y, mo, d)
        .and_then(|d| d.and_hms_opt(h, mi, 0))
        .unwrap_or_default()
}

/// Reads the resources in unique id order.
pub fn read(
    ctx: &mut Context,
    blocks: &EntityBlocks,
    map: &FieldMap,
    custom: &CustomFields,
) -> Vec<Resource> {
    let layout = ctx.layout;
    let records = split_by_meta(&blocks.meta, &blocks.data, 0, 0);
    let (meta2, meta2_size) = fixed2_meta(&layout, &blocks.meta2_raw, records.len());
    let records2 = split_by_meta(&meta2, &blocks.data2, 0, 0);
    let rows = select_rows(&layout, map, &blocks.meta, &records);

    let mut resources = Vec::new();
    let plan = custom_fields::FieldPlan::new(Entity::Resource, map);
    for (uid, index) in rows {
        if !blocks.var.has_owner(uid) {
            continue;
        }
        if resources.len() >= ctx.limits.max_records {
            ctx.warn(format!(
                "the file has more than {} resources; the rest were not read",
                ctx.limits.max_records
            ));
            break;
        }
        let fixed = records.get(index).copied().flatten().unwrap_or_default();
        let fixed2 = records2.get(index).copied().flatten().unwrap_or_default();
        let meta_item = blocks.meta.item(index).unwrap_or_default();
        let meta2_item = meta2.item(index).unwrap_or_default();
        let row = Row {
            uid,
            fixed: [fixed, fixed2],
            meta: [meta_item, meta2_item],
            var: &blocks.var,
            map,
            entity: Entity::Resource,
            budget: &ctx.budget,
        };
        let mut resource = read_resource(&row, &layout, meta2_size);
        resource.custom_values = custom_fields::read_planned(&plan, &row, custom);
        let budget = &ctx.budget;
        let charged = budget.work(1)
            && budget.alloc_items::<Resource>(1)
            && budget.alloc_items::<CostRate>(resource.cost_rates.len())
            && budget.alloc_items::<AvailabilityPeriod>(resource.availability.len())
            && charge_parts(
                budget,
                resource.notes.as_ref(),
                resource.custom_values.len(),
                resource.baselines.len(),
            );
        if !charged {
            break;
        }
        resources.push(resource);
    }
    resources
}

/// The Fixed2Meta of resources, with its item size found the way part 1 §2.5 describes:
/// the candidate that cuts exactly as many items as FixedData has records wins; otherwise
/// the exact divisor closest below the written count; otherwise the first candidate.
fn fixed2_meta(layout: &Layout, raw: &[u8], fixed_records: usize) -> (FixedMeta, usize) {
    let candidates = layout.resource.meta2_sizes;
    let Some(first) = candidates.first().copied() else {
        return (FixedMeta::parse(Vec::new(), 1), 0);
    };
    let available = raw.len().saturating_sub(16);
    let written = u16_at(raw, 8).map(usize::from).unwrap_or(0);
    let mut size = first;
    let mut distance = i64::MIN;
    for &candidate in candidates {
        if candidate == 0 || !available.is_multiple_of(candidate) {
            continue;
        }
        if available / candidate == fixed_records {
            size = candidate;
            break;
        }
        let test = (written * candidate) as i64 - available as i64;
        if test <= 0 && test > distance {
            size = candidate;
            distance = test;
        }
    }
    (FixedMeta::parse(raw.to_vec(), size), size)
}

/// Maps each unique id to the index of the row that holds it (part 1 §2.6): rows shorter
/// than the map's block-0 record are skipped; MPP9 skips deleted rows and keeps the last
/// row of an id, later versions keep the first.
fn select_rows(
    layout: &Layout,
    map: &FieldMap,
    meta: &FixedMeta,
    records: &[Option<&[u8]>],
) -> BTreeMap<i32, usize> {
    let min_size = map.record_size(0);
    let uid_offset = if layout.resource.uid_at_map_offset {
        match map.get(Entity::Resource.base() | u32::from(field::UNIQUE_ID)) {
            Some(Location::Fixed {
                block: 0, offset, ..
            }) => usize::from(offset),
            _ => 0,
        }
    } else {
        0
    };
    let mut rows = BTreeMap::new();
    for (index, record) in records.iter().enumerate() {
        let Some(record) = record else { continue };
        if record.len() < min_size {
            continue;
        }
        let Some(uid) = u16_at(record, uid_offset).map(i32::from) else {
            continue;
        };
        if layout.resource.last_row_wins {
            let deleted = meta
                .item(index)
                .and_then(|m| u16_at(m, 0))
                .is_some_and(|f| f & 0x02 != 0);
            if !deleted {
                rows.insert(uid, index);
            }
        } else {
            rows.entry(uid).or_insert(index);
        }
    }
    rows
}

fn read_resource(row: &Row<'_>, layout: &Layout, meta2_size: usize) -> Resource {
    let rl = layout.resource;
    let meta = row.meta[0];
    let meta2 = row.meta[1];
    let flag = |bit: Option<MetaBit>| bit.is_some_and(|b| b.is_set(meta2));
    let kind = if rl.work.is_set(meta) {
        ResourceKind::Work
    } else if flag(rl.cost) {
        ResourceKind::Cost
    } else {
        ResourceKind::Material
    };
    let generic = rl
        .generic
        .iter()
        .find(|(size, _)| *size == 0 || *size == meta2_size)
        .is_some_and(|(_, bit)| bit.is_set(meta2));

    let mut r = Resource {
        uid: row.uid,
        id: row.i32(field::ID).unwrap_or(0),
        guid: row.guid(field::GUID),
        name: row.string(field::NAME),
        kind,
        initials: row.string(field::INITIALS),
        code: row.string(field::CODE),
        material_label: row.string(field::MATERIAL_LABEL),
        group: row.string(field::GROUP),
        work_group: row.u16(field::WORKGROUP).unwrap_or(0),
        email_address: row.string(field::EMAIL_ADDRESS),
        peak_units: row.units(field::PEAK),
        // Project's default when the file stores no value: work resources can be
        // levelled, material and cost resources cannot (it writes 1 and 0 for them).
        can_level: row
            .u16(field::CAN_LEVEL)
            .map_or(kind == ResourceKind::Work, |v| v != 0),
        accrue_at: row
            .u16(field::ACCRUE_AT)
            .filter(|v| (1..=3).contains(v))
            .unwrap_or(3),
        work: row.work(field::WORK),
        regular_work: row.work(field::REGULAR_WORK),
        overtime_work: row.work(field::OVERTIME_WORK),
        actual_work: row.work(field::ACTUAL_WORK),
        remaining_work: row.work(field::REMAINING_WORK),
        actual_overtime_work: row.work(field::ACTUAL_OVERTIME_WORK),
        remaining_overtime_work: row.work(field::REMAINING_OVERTIME_WORK),
        actual_work_protected: row.work(field::ACTUAL_WORK_PROTECTED),
        actual_overtime_work_protected: row.work(field::ACTUAL_OVERTIME_WORK_PROTECTED),
        percent_work_complete: row
            .u16(field::PERCENT_WORK_COMPLETE)
            .filter(|v| *v <= 100)
            .map(f64::from),
        cost: row.cost(field::COST),
        overtime_cost: row.cost(field::OVERTIME_COST),
        actual_cost: row.cost(field::ACTUAL_COST),
        actual_overtime_cost: row.cost(field::ACTUAL_OVERTIME_COST),
        remaining_cost: row.cost(field::REMAINING_COST),
        remaining_overtime_cost: row.cost(field::REMAINING_OVERTIME_COST),
        cost_variance: row.cost(field::COST_VARIANCE),
        sv: row.cost(field::SV),
        cv: row.cost(field::CV),
        acwp: row.cost(field::ACWP),
        bcws: row.cost(field::BCWS),
        bcwp: row.cost(field::BCWP),
        notes: row
            .raw(field::NOTES)
            .map(|raw| rtf::to_plain_text(&ansi_string(raw)))
            .filter(|n| !n.is_empty()),
        is_generic: generic,
        is_inactive: row.u16(field::INACTIVE).is_some_and(|v| v != 0),
        is_enterprise: flag(rl.enterprise),
        is_budget: flag(rl.budget),
        booking_type: row
            .u16(field::BOOKING_TYPE)
            .filter(|v| *v <= 2)
            .unwrap_or(0),
        created: row.timestamp(field::CREATED).or_else(|| {
            row.raw(field::ENTERPRISE_DATA)
                .and_then(|block| props_block_item(block, CREATION_DATE_KEY))
                .and_then(|(block, at)| encoding::timestamp(block, at))
        }),
        ..Resource::default()
    };
    if let Some((text, address, sub_address)) = row.raw(field::HYPERLINK_DATA).map(hyperlink) {
        r.hyperlink = text;
        r.hyperlink_address = address;
        r.hyperlink_sub_address = sub_address;
    }

    // Work variance and cost variance are stored; MPXJ computes them from the baseline
    // when they are not. A mapped Var2Data number without a value reads as zero.
    let baseline_work = row
        .work(field::BASELINE_WORK)
        .or_else(|| mapped_zero(row, field::BASELINE_WORK));
    let baseline_cost = row
        .cost(field::BASELINE_COST)
        .or_else(|| mapped_zero(row, field::BASELINE_COST));
    r.work_variance = match row.raw(field::WORK_VARIANCE) {
        Some(raw) if raw.len() >= 8 => f64_at(raw, 0).map(encoding::clean_work),
        _ => r.work.zip(baseline_work).map(|(w, b)| w - b),
    };
    if r.cost_variance.is_none() {
        r.cost_variance = r.cost.zip(baseline_cost).map(|(c, b)| c - b);
    }
    r.over_allocated = match row.u16(field::OVERALLOCATED) {
        Some(v) => v != 0,
        None => false,
    };
    r.baselines = baselines(row, baseline_work, baseline_cost);

    // Rates: the stored ones are per hour with their display unit beside them; cost rate
    // table A, when stored, supersedes them.
    let own = CostRate {
        table: 0,
        from: Some(start_na()),
        to: Some(rates_open_end()),
        standard_rate: row.f64(field::STANDARD_RATE).unwrap_or(0.0),
        standard_rate_format: row
            .u16(field::STANDARD_RATE_UNITS)
            .map_or(2, rate_unit_code),
        overtime_rate: row.f64(field::OVERTIME_RATE).unwrap_or(0.0),
        overtime_rate_format: row
            .u16(field::OVERTIME_RATE_UNITS)
            .map_or(2, rate_unit_code),
        cost_per_use: row.cost(field::COST_PER_USE).unwrap_or(0.0),
    };
    for (table, index) in field::COST_RATE_TABLES.iter().enumerate() {
        match row.raw(*index) {
            Some(data) => r.cost_rates.extend(cost_rate_table(table as u8, data)),
            None if table == 0 => r.cost_rates.push(own.clone()),
            None => {}
        }
    }
    let now = reference_date();
    let current = r
        .cost_rates
        .iter()
        .filter(|c| c.table == 0)
        .find(|c| c.to.is_some_and(|to| now < to));
    r.standard_rate = current.map(|c| c.standard_rate);
    r.standard_rate_format = current.map_or(3, |c| c.standard_rate_format);
    r.overtime_rate = current.map(|c| c.overtime_rate);
    r.overtime_rate_format = current.map_or(3, |c| c.overtime_rate_format);
    r.cost_per_use = current.map(|c| c.cost_per_use);

    // Availability: the stored table, or one period from Available From/To at Max Units.
    let max_units = row.units(field::MAX_UNITS);
    r.availability = match row.raw(field::AVAILABILITY_DATA) {
        Some(data) => availability_table(data),
        None => vec![AvailabilityPeriod {
            from: Some(
                row.timestamp(field::AVAILABLE_FROM)
                    .unwrap_or_else(start_na),
            ),
            to: Some(row.timestamp(field::AVAILABLE_TO).unwrap_or_else(end_na)),
            units: max_units.unwrap_or(1.0),
        }],
    };
    let current = r
        .availability
        .iter()
        .find(|p| p.from.is_none_or(|from| from <= now) && p.to.is_none_or(|to| now <= to));
    r.max_units = current.map(|p| p.units);
    if !has_default_range(&r.availability) {
        r.available_from = available_from(&r.availability, now);
        r.available_to = available_to(&r.availability, now);
    }
    if !row.has(field::OVERALLOCATED) {
        r.over_allocated = r.peak_units.unwrap_or(0.0) > r.max_units.unwrap_or(0.0);
    }
    r
}

/// The key of a resource's creation date in the MPP9 enterprise block.
const CREATION_DATE_KEY: u32 = 0x0C40_0143;

/// Zero for a field the map places in Var2Data (Project leaves zero numbers out there),
/// `None` for a field the file does not have at all.
fn mapped_zero(row: &Row<'_>, index: u16) -> Option<f64> {
    matches!(
        row.map.get(Entity::Resource.base() | u32::from(index)),
        Some(Location::Var { .. })
    )
    .then_some(0.0)
}

/// Finds `key` in a PropsBlock (`u32` size, `u32` count, count × (`u32` key, `u32`
/// offset)) and returns the block with the item's offset.
fn props_block_item(block: &[u8], key: u32) -> Option<(&[u8], usize)> {
    let count = super::bytes::u32_at(block, 4)? as usize;
    (0..count.min(block.len() / 8)).find_map(|i| {
        let at = 8 + i * 8;
        (super::bytes::u32_at(block, at)? == key)
            .then(|| super::bytes::u32_at(block, at + 4).map(|o| (block, o as usize)))
            .flatten()
    })
}

/// Baseline work and cost, numbers 0–10, for those that hold a non-zero value.
fn baselines(row: &Row<'_>, work0: Option<f64>, cost0: Option<f64>) -> Vec<Baseline> {
    let mut out = Vec::new();
    let mut push = |number: u8, work: Option<f64>, cost: Option<f64>| {
        let work = work.filter(|w| *w != 0.0);
        let cost = cost.filter(|c| c.trunc() != 0.0);
        if work.is_some() || cost.is_some() {
            out.push(Baseline {
                number,
                work,
                cost,
                ..Baseline::default()
            });
        }
    };
    push(0, work0, cost0);
    for (n, (work, cost)) in field::BASELINES.iter().enumerate() {
        push(n as u8 + 1, row.work(*work), row.cost(*cost));
    }
    out
}

/// Hyperlink item: 24 bytes, then display text, address and sub-address, each a UTF-16
/// string with its NUL, separated by 12 bytes.
pub fn hyperlink(data: &[u8]) -> (Option<String>, Option<String>, Option<String>) {
    let mut offset = 24usize;
    let mut next = || {
        let text = data
            .get(offset..)
            .map(super::bytes::utf16_string)
            .unwrap_or_default();
        offset = offset.saturating_add((text.encode_utf16().count() + 1) * 2 + 12);
        (!text.is_empty()).then_some(text)
    };
    let text = next();
    let address = next();
    let sub_address = next();
    (text, address, sub_address)
}

/// MSPDI rate format of a stored rate unit (1 m, 2 h, 3 d, 4 w, 5 mo, 7 y…): the code is
/// the stored value, except that "flat" (8, seen on cost and material resources) reads as
/// hours and values Project does not know read as days.
pub fn rate_unit_code(raw: u16) -> u16 {
    match raw {
        8 => 2,
        1..=14 => raw,
        _ => 3,
    }
}

/// One cost rate table: 44-byte entries from offset 16 (part 2 §5.3). A range ends at its
/// stored end and the next one starts there, as Project writes them (`RatesTo` of one row =
/// `RatesFrom` of the next); the first starts at [`start_na`], the last open-ended one ends
/// at [`rates_open_end`].
fn cost_rate_table(table: u8, data: &[u8]) -> Vec<CostRate> {
    let mut entries = Vec::new();
    let mut off = 16usize;
    while off + 44 <= data.len() {
        let format = |at: usize| match u16_at(data, at) {
            Some(0xFFFF) | None => 2,
            Some(raw) => rate_unit_code(raw),
        };
        let Some(end) = tenths_date(data, off + 40) else {
            break;
        };
        let end = if end > end_na() { end_na() } else { end };
        if end.second() == 0 {
            entries.push(CostRate {
                table,
                from: None,
                to: Some(if end == end_na() {
                    rates_open_end()
                } else {
                    end
                }),
                standard_rate: f64_at(data, off).filter(|v| v.is_finite()).unwrap_or(0.0),
                standard_rate_format: format(off + 8),
                overtime_rate: f64_at(data, off + 16)
                    .filter(|v| v.is_finite())
                    .unwrap_or(0.0),
                overtime_rate_format: format(off + 24),
                cost_per_use: f64_at(data, off + 32)
                    .filter(|v| v.is_finite())
                    .map_or(0.0, |v| v / 100.0),
            });
        }
        off += 44;
    }
    entries.sort_by_key(|e| e.to);
    let mut previous_end: Option<DateTime> = None;
    for entry in &mut entries {
        entry.from = Some(previous_end.unwrap_or_else(start_na));
        previous_end = entry.to;
    }
    entries
}

/// An `i32` count of tenths of a minute since the epoch, taken as it is (no "none" value:
/// ranges that need one are clamped by their callers).
fn tenths_date(data: &[u8], at: usize) -> Option<DateTime> {
    let tenths = i32_at(data, at)?;
    encoding::epoch().checked_add_signed(Span::seconds(i64::from(tenths) * 6))
}

/// The availability table: `u16` count, then 20-byte entries from offset 12 (start in
/// tenths of a minute at 0, units at 4, the next entry's start = this one's end at 20).
fn availability_table(data: &[u8]) -> Vec<AvailabilityPeriod> {
    let count = u16_at(data, 0).map(usize::from).unwrap_or(0);
    let mut periods = Vec::new();
    for i in 0..count {
        let off = 12 + i * 20;
        let Some(units) = f64_at(data, off + 4) else {
            break;
        };
        if units == 0.0 || !units.is_finite() {
            continue;
        }
        let (Some(start), Some(end)) = (tenths_date(data, off), tenths_date(data, off + 20)) else {
            break;
        };
        let end = end - Span::minutes(1);
        periods.push(AvailabilityPeriod {
            from: Some(start.max(start_na())),
            to: Some(end.min(end_na())),
            units: units / 10000.0,
        });
    }
    periods.sort_by(|a, b| a.from.cmp(&b.from).then(a.to.cmp(&b.to)));
    periods
}

/// True when the table is one period over all time (or nothing): MSPDI then has no
/// availability periods and no Available From/To.
pub fn has_default_range(periods: &[AvailabilityPeriod]) -> bool {
    match periods {
        [] => true,
        [only] => {
            only.from.is_none_or(|f| f == start_na())
                && only.to.is_none_or(|t| t > end_na() - Span::minutes(1))
        }
        _ => false,
    }
}

/// Start of the availability in effect at `date` (MPXJ's `availableFrom`).
fn available_from(periods: &[AvailabilityPeriod], date: DateTime) -> Option<DateTime> {
    let mut previous_end: Option<DateTime> = None;
    for p in periods {
        let start = p.from.unwrap_or_else(start_na);
        if date < start {
            return previous_end.map(|e| e + Span::minutes(1));
        }
        let end = p.to;
        if end.is_none_or(|e| e > end_na() - Span::minutes(1) || date <= e) {
            return (start != start_na()).then_some(start);
        }
        previous_end = end;
    }
    previous_end.map(|e| e + Span::minutes(1))
}

/// End of the availability in effect at `date` (MPXJ's `availableTo`).
fn available_to(periods: &[AvailabilityPeriod], date: DateTime) -> Option<DateTime> {
    for p in periods {
        let end = p.to.unwrap_or_else(end_na);
        if date > end {
            continue;
        }
        let start = p.from.unwrap_or_else(start_na);
        if date < start {
            return Some(start - Span::minutes(1));
        }
        return (end <= end_na() - Span::minutes(1)).then_some(end);
    }
    None
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn rate_entry(std: f64, std_fmt: u16, ot: f64, cpu: f64, end_tenths: i32) -> Vec<u8> {
        let mut e = vec![0u8; 44];
        e[0..8].copy_from_slice(&std.to_le_bytes());
        e[8..10].copy_from_slice(&std_fmt.to_le_bytes());
        e[16..24].copy_from_slice(&ot.to_le_bytes());
        e[24..26].copy_from_slice(&0xFFFFu16.to_le_bytes());
        e[32..40].copy_from_slice(&cpu.to_le_bytes());
        e[40..44].copy_from_slice(&end_tenths.to_le_bytes());
        e
    }

    fn tenths(date: DateTime) -> i32 {
        ((date - encoding::epoch()).num_seconds() / 6) as i32
    }

    #[test]
    fn cost_rate_ranges_chain_at_their_stored_ends() {
        let mut data = vec![0u8; 16];
        data[0] = 2;
        data.extend(rate_entry(
            5.0,
            2,
            10.0,
            150_000.0,
            tenths(at(2009, 6, 15, 8, 0)),
        ));
        data.extend(rate_entry(1200.0, 1, 25.0, 300_000.0, i32::MAX - 1));
        let table = cost_rate_table(0, &data);
        assert_eq!(table.len(), 2);
        assert_eq!(table[0].from, Some(start_na()));
        assert_eq!(table[0].to, Some(at(2009, 6, 15, 8, 0)));
        assert_eq!(table[0].cost_per_use, 1500.0);
        assert_eq!(table[1].from, Some(at(2009, 6, 15, 8, 0)));
        assert_eq!(
            table[1].to,
            Some(rates_open_end()),
            "an open end is Project's last date and one tick"
        );
        assert_eq!(table[1].standard_rate_format, 1);
        assert_eq!(table[1].overtime_rate_format, 2, "0xFFFF is hours");
    }

    #[test]
    fn hyperlink_strings_follow_their_gaps() {
        let mut data = vec![0u8; 24];
        let push = |d: &mut Vec<u8>, s: &str| {
            for u in s.encode_utf16() {
                d.extend_from_slice(&u.to_le_bytes());
            }
            d.extend_from_slice(&[0, 0]);
            d.extend_from_slice(&[0; 12]);
        };
        push(&mut data, "Home");
        push(&mut data, "http://x");
        push(&mut data, "");
        let (text, address, sub) = hyperlink(&data);
        assert_eq!(text.as_deref(), Some("Home"));
        assert_eq!(address.as_deref(), Some("http://x"));
        assert_eq!(sub, None);
        assert_eq!(
            hyperlink(&[1, 2, 3]),
            (None, None, None),
            "short items read as empty"
        );
    }

    #[test]
    fn availability_periods_and_their_current_bounds() {
        let mut data = vec![0u8; 12];
        data[0] = 2;
        let mut entry = |start: DateTime, units: f64| {
            let mut e = vec![0u8; 20];
            e[0..4].copy_from_slice(&tenths(start).to_le_bytes());
            e[4..12].copy_from_slice(&units.to_le_bytes());
            data.extend(e);
        };
        entry(at(2010, 1, 1, 0, 0), 5000.0);
        entry(at(2011, 1, 1, 0, 0), 10000.0);
        data.extend(tenths(at(2012, 1, 1, 0, 0)).to_le_bytes());
        let periods = availability_table(&data);
        assert_eq!(periods.len(), 2);
        assert_eq!(periods[0].to, Some(at(2010, 12, 31, 23, 59)));
        assert_eq!(periods[0].units, 0.5);
        assert!(!has_default_range(&periods));
        assert_eq!(
            available_from(&periods, at(2010, 5, 1, 0, 0)),
            Some(at(2010, 1, 1, 0, 0))
        );
        assert_eq!(
            available_to(&periods, at(2010, 5, 1, 0, 0)),
            Some(at(2010, 12, 31, 23, 59))
        );
        assert_eq!(
            available_from(&periods, at(2030, 1, 1, 0, 0)),
            Some(at(2012, 1, 1, 0, 0))
        );
        assert_eq!(available_to(&periods, at(2030, 1, 1, 0, 0)), None);
        let open = [AvailabilityPeriod {
            from: Some(start_na()),
            to: Some(end_na()),
            units: 1.0,
        }];
        assert!(has_default_range(&open));
    }

    #[test]
    fn reads_a_resource_through_the_field_map() {
        use super::super::field_map::Location;
        use super::test_blocks::*;
        use crate::model::FileFormat;
        let fixed = |offset, size| Location::Fixed {
            block: 0,
            offset,
            size,
        };
        let map = FieldMap::from_defaults(
            Entity::Resource,
            &[
                (field::UNIQUE_ID, fixed(0, 4)),
                (field::ID, fixed(4, 4)),
                (field::MAX_UNITS, fixed(8, 8)),
                (field::STANDARD_RATE, fixed(16, 8)),
                (field::STANDARD_RATE_UNITS, fixed(24, 2)),
                (field::NAME, Location::Var { key: 1 }),
            ],
        );
        let record = |uid: u32, id: u32, units: f64, rate: f64| {
            let mut r = Vec::new();
            r.extend_from_slice(&uid.to_le_bytes());
            r.extend_from_slice(&id.to_le_bytes());
            r.extend_from_slice(&units.to_le_bytes());
            r.extend_from_slice(&rate.to_le_bytes());
            r.extend_from_slice(&3u16.to_le_bytes());
            r
        };
        let mut data = record(1, 7, 5000.0, 40.0);
        data.extend(record(2, 8, 10000.0, 0.0));
        data.extend(record(3, 9, 10000.0, 0.0));
        let work = [0u8, 0x02];
        let meta = meta_stream(
            &[(0, 0, &work), (0, 26, &[]), (0, 52, &work)],
            37,
            data.len(),
        );
        // Resource 3 has no Var2Data value, so it is not a resource.
        let var = var_data(&[(1, 1, utf16("Ann, [lead]")), (2, 1, utf16("Steel"))]);
        let blocks = blocks(var, meta, 37, data);
        let mut ctx = context(FileFormat::Mpp12, 12);
        let resources = read(&mut ctx, &blocks, &map, &CustomFields::default());
        assert_eq!(resources.len(), 2);
        let ann = &resources[0];
        assert_eq!((ann.uid, ann.id), (1, 7));
        assert_eq!(ann.name.as_deref(), Some("Ann, [lead]"));
        assert_eq!(ann.kind, ResourceKind::Work);
        assert_eq!(ann.max_units, Some(0.5));
        assert_eq!(ann.standard_rate, Some(40.0));
        assert_eq!(ann.standard_rate_format, 3);
        assert_eq!(
            resources[1].kind,
            ResourceKind::Material,
            "no work bit, no cost bit"
        );
    }

    #[test]
    fn rate_units_map_to_mspdi_codes() {
        assert_eq!(rate_unit_code(2), 2);
        assert_eq!(rate_unit_code(8), 2, "flat reads as hours");
        assert_eq!(rate_unit_code(0), 3);
        assert_eq!(rate_unit_code(0xFFFF), 3);
    }
}

/// Builders of entity storages for unit tests (shared with the assignment reader's tests).
#[cfg(test)]
pub(super) mod test_blocks {
    use super::super::fixed_data::FixedMeta;
    use super::super::layout::Layout;
    use super::super::props::Props;
    use super::super::reader::{Context, EntityBlocks};
    use super::super::var_data::VarData;
    use crate::convert::Limits;
    use crate::model::FileFormat;

    const MAGIC: u32 = 0xFADF_ADBA;

    /// A context for a file of `format` saved by `app_version`.
    pub fn context(format: FileFormat, app_version: u16) -> Context {
        Context {
            layout: Layout::new(format, app_version),
            props: Props::default(),
            warnings: Vec::new(),
            limits: Limits::default(),
            budget: crate::budget::Budget::unlimited(),
        }
    }

    /// A FixedMeta stream: one `item_size` item per (flags, offset, extra bytes at 8…).
    pub fn meta_stream(items: &[(u32, u32, &[u8])], item_size: usize, data_len: usize) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&MAGIC.to_le_bytes());
        m.extend_from_slice(&0u32.to_le_bytes());
        m.extend_from_slice(&(items.len() as u32).to_le_bytes());
        m.extend_from_slice(&(data_len as u32).to_le_bytes());
        for (flags, offset, extra) in items {
            let mut item = vec![0u8; item_size];
            item.splice(0..4, flags.to_le_bytes());
            item.splice(4..8, offset.to_le_bytes());
            item.splice(8..8 + extra.len(), extra.iter().copied());
            item.truncate(item_size);
            m.extend_from_slice(&item);
        }
        m
    }

    /// VarMeta12 + Var2Data holding `values` as (owner uid, key, bytes).
    pub fn var_data(values: &[(i32, u16, Vec<u8>)]) -> VarData {
        let mut heap = Vec::new();
        let mut meta = Vec::new();
        meta.extend_from_slice(&MAGIC.to_le_bytes());
        meta.extend_from_slice(&0u32.to_le_bytes());
        meta.extend_from_slice(&(values.len() as u32).to_le_bytes());
        meta.extend_from_slice(&[0; 8]);
        let mut entries = Vec::new();
        for (uid, key, bytes) in values {
            entries.extend_from_slice(&(*uid as u32).to_le_bytes());
            entries.extend_from_slice(&(heap.len() as u32).to_le_bytes());
            entries.extend_from_slice(&key.to_le_bytes());
            entries.extend_from_slice(&0u16.to_le_bytes());
            heap.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            heap.extend_from_slice(bytes);
        }
        meta.extend_from_slice(&(heap.len() as u32).to_le_bytes());
        meta.extend_from_slice(&entries);
        VarData::parse(&meta, heap, FileFormat::Mpp14)
    }

    /// UTF-16LE text with its NUL.
    pub fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect()
    }

    /// Entity blocks from their parts.
    pub fn blocks(var: VarData, meta: Vec<u8>, meta_size: usize, data: Vec<u8>) -> EntityBlocks {
        EntityBlocks {
            var,
            meta: FixedMeta::parse(meta, meta_size),
            data,
            ..EntityBlocks::default()
        }
    }
}
