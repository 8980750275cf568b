//! The hostile classes: each takes a corpus file apart, rewrites some structures and writes a
//! valid compound file again, so the engine reaches the structure it attacks.

use super::bytes::{Rng, put, put_i32, put_u16, put_u32, u16_at, u32_at, utf16z};
use super::cfb;
use super::mpp::{ASSN, CAL, MAP_ASSN, MAP_RSC, MAP_TASK, Mpp, OUTL, RSC, TASK};

/// How large the crafted inputs are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// About 1 MB at most, for CI.
    Small,
    /// Up to about 8 MB.
    Large,
}

impl Size {
    /// `small` or `large`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Small => "small",
            Self::Large => "large",
        }
    }

    pub(super) fn pick(self, small: usize, large: usize) -> usize {
        match self {
            Self::Small => small,
            Self::Large => large,
        }
    }
}

/// One class of hostile input.
pub struct Class {
    /// The `--only` key.
    pub name: &'static str,
    /// What it attacks.
    pub what: &'static str,
    /// The corpus file it patches, under `corpus/mpp/`.
    pub source: &'static str,
    /// Source bytes → crafted bytes.
    pub craft: fn(&[u8], Size) -> Result<Vec<u8>, String>,
}

const MPP14: &str = "mpp14assignmentfields.mpp";
const MPP12: &str = "mpp12assignmentfields.mpp";
const MPP14_CAL: &str = "mpp14exceptions.mpp";
const MPP14_NOTES: &str = "mpp14task.mpp";
const MPP14_OUTL: &str = "generated/task-outlinecodes/task-outlinecodes-project2013-mpp14.mpp";

/// Every class, in report order.
pub fn all() -> Vec<Class> {
    let c = |name, what, source, craft| Class {
        name,
        what,
        source,
        craft,
    };
    let mut classes = vec![
        c(
            "exception-names",
            "calendar exceptions whose names run to the end of the data or claim 2 GB",
            MPP14_CAL,
            exception_names as fn(&[u8], Size) -> Result<Vec<u8>, String>,
        ),
        c(
            "outline-chain",
            "tasks each one outline level deeper than the previous",
            MPP14,
            outline_chain,
        ),
        c(
            "outline-chain-long-wbs",
            "the outline chain with a long WBS text on every task",
            MPP14,
            outline_chain_long_wbs,
        ),
        c(
            "shared-var-value",
            "~40,000 var-data entries on one shared text value (1 MB when large)",
            MPP14,
            shared_var_value,
        ),
        c(
            "shared-sector-chain",
            "every stream's directory entry on one sector chain",
            MPP14,
            shared_sector_chain,
        ),
        c(
            "assignment-meta-past-data",
            "assignment FixedMeta items pointing past FixedData (MPP14)",
            MPP14,
            assignment_meta_past_data,
        ),
        c(
            "assignment-meta-past-data-mpp12",
            "assignment FixedMeta items pointing past FixedData (MPP12)",
            MPP12,
            assignment_meta_past_data,
        ),
        c(
            "baseline-day-walk",
            "task/assignment dates 20 years apart, 65,535 calendar exceptions",
            MPP14,
            baseline_day_walk,
        ),
        c(
            "recurring-exceptions",
            "daily and weekly recurring exceptions over 65 years in many calendars",
            MPP14,
            recurring_exceptions,
        ),
        c(
            "many-calendars",
            "tens of thousands of tiny calendars",
            MPP14,
            many_calendars,
        ),
        c(
            "many-resources",
            "tens of thousands of resources",
            MPP14,
            many_resources,
        ),
        c(
            "calendars-x-resources",
            "many resources, each with its own calendar full of exceptions",
            MPP14,
            calendars_x_resources,
        ),
        c(
            "derived-calendar-chain",
            "each calendar derived from the previous one, plus a cycle",
            MPP14,
            derived_calendar_chain,
        ),
        c(
            "outline-code-parent-chain",
            "outline-code values each the parent of the next, long texts",
            MPP14_OUTL,
            outline_code_parent_chain,
        ),
        c(
            "outline-code-cycle",
            "outline-code values whose parents form a cycle",
            MPP14_OUTL,
            outline_code_cycle,
        ),
        c(
            "rtf-nesting",
            "task notes with deeply nested RTF groups",
            MPP14_NOTES,
            rtf_nesting,
        ),
        c(
            "byte-flips",
            "random byte flips in every stream (seeded)",
            MPP14,
            byte_flips,
        ),
        c(
            "huge-counts",
            "every count field set huge (VarMeta, FixedMeta, Props, exceptions, lengths)",
            MPP14,
            huge_counts,
        ),
        c(
            "truncated-streams",
            "every stream cut in half",
            MPP14,
            truncated_streams,
        ),
    ];
    classes.extend(super::more::all());
    classes
}

// ---------------------------------------------------------------------------------------
// Dates (part 1 §4.2): days since 1983-12-31.

const DAY_1990: u16 = 2193;
const DAY_2030: u16 = 16_803;
const DAY_2049: u16 = 23_742;

fn timestamp(day: u16) -> [u8; 4] {
    let mut out = [0u8; 4];
    put_u16(&mut out, 0, 4800);
    put_u16(&mut out, 2, day);
    out
}

// ---------------------------------------------------------------------------------------
// Tasks and resources.

/// Task fields (MPP12/14 indices; field id = 0x0B400000 | index).
pub(super) const T_UID: u32 = 0x0B40_0056;
pub(super) const T_ID: u32 = 0x0B40_0017;
pub(super) const T_NAME: u32 = 0x0B40_000E;
pub(super) const T_NOTES: u32 = 0x0B40_000F;
pub(super) const T_WBS: u32 = 0x0B40_0010;
pub(super) const T_LEVEL: u32 = 0x0B40_00F9;
pub(super) const T_PARENT: u32 = 0x0B40_00A0;
const T_START: u32 = 0x0B40_0023;
const T_FINISH: u32 = 0x0B40_0024;
const T_START14: u32 = 0x0B40_0503;
const T_FINISH14: u32 = 0x0B40_0504;
pub(super) const T_OC1_INDEX: u32 = 0x0B40_01A1;
pub(super) const R_UID: u32 = 0x0C40_001B;
pub(super) const R_ID: u32 = 0x0C40_0000;
pub(super) const R_NAME: u32 = 0x0C40_0001;
pub(super) const A_START: u32 = 0x0F40_0014;
pub(super) const A_FINISH: u32 = 0x0F40_0015;

/// Appends `n` rows to an entity by copying the row of unique id `template_uid` (FixedData,
/// Fixed2Data by index, a Name in var data); `edit` changes each new block-0 record and the
/// var data. New unique ids are `first_uid + i`.
#[allow(clippy::too_many_arguments)]
fn add_rows(
    m: &mut Mpp,
    storage: &str,
    map: u32,
    (uid_f, id_f, name_f): (u32, u32, u32),
    template_uid: i32,
    first_uid: u32,
    n: usize,
    mut edit: impl FnMut(usize, u32, &mut Vec<u8>, &mut super::mpp::Var),
) -> Result<(), String> {
    let fm = m.field_map(map);
    let uid_at = fm.fixed0(uid_f).ok_or("no unique id in the field map")?;
    let id_at = fm.fixed0(id_f);
    let name_ty = fm.var(name_f);
    let mut fixed = m.fixed(storage, false);
    let t = fixed
        .find(uid_at, template_uid)
        .or_else(|| fixed.find(uid_at, 1))
        .ok_or("no template row")?;
    let record = fixed.record(t, 2048);
    let meta = fixed.items.get(t).cloned().unwrap_or_default();
    let second = m.version != 9 && !m.get(storage, "Fixed2Meta").is_empty();
    let mut fixed2 = m.fixed(storage, true);
    let (meta2, record2) = if second {
        (
            fixed2.items.get(t).cloned().unwrap_or_default(),
            fixed2.record(t, 1024),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    if second {
        // Rows pair by index: line the second block up with the first.
        fixed2.items.truncate(fixed.items.len());
        while fixed2.items.len() < fixed.items.len() {
            fixed2.push(&meta2, &record2);
        }
    }
    let mut var = m.var(storage);
    for i in 0..n {
        let uid = first_uid + i as u32;
        let mut rec = record.clone();
        put_u32(&mut rec, uid_at, uid);
        if let Some(at) = id_at {
            put_u32(&mut rec, at, uid);
        }
        if let Some(ty) = name_ty {
            var.add(uid, ty, &utf16z(&format!("H{uid}")));
        }
        edit(i, uid, &mut rec, &mut var);
        fixed.push(&meta, &rec);
        if second {
            let mut rec2 = record2.clone();
            put_u32(&mut rec2, 0, uid); // a distinct GUID
            put_u32(&mut rec2, 4, 0x4854_5354);
            put(&mut rec2, 16, &(1000.0 + i as f64).to_le_bytes()); // task order
            fixed2.push(&meta2, &rec2);
        }
    }
    m.set_fixed(storage, false, &fixed);
    if second {
        m.set_fixed(storage, true, &fixed2);
    }
    m.set_var(storage, &var);
    Ok(())
}

/// [`add_tasks`] copying the task of unique id `template`.
pub(super) fn add_tasks_from(
    m: &mut Mpp,
    template: i32,
    n: usize,
    edit: impl FnMut(usize, u32, &mut Vec<u8>, &mut super::mpp::Var),
) -> Result<(), String> {
    add_rows(
        m,
        TASK,
        MAP_TASK,
        (T_UID, T_ID, T_NAME),
        template,
        100_000,
        n,
        edit,
    )
}

pub(super) fn add_tasks(
    m: &mut Mpp,
    n: usize,
    edit: impl FnMut(usize, u32, &mut Vec<u8>, &mut super::mpp::Var),
) -> Result<(), String> {
    add_rows(
        m,
        TASK,
        MAP_TASK,
        (T_UID, T_ID, T_NAME),
        1,
        100_000,
        n,
        edit,
    )
}

/// New resources' unique ids start here: the engine reads resource ids as `u16`.
pub(super) const FIRST_RESOURCE: u32 = 1_000;

pub(super) fn add_resources(
    m: &mut Mpp,
    n: usize,
    edit: impl FnMut(usize, u32, &mut Vec<u8>, &mut super::mpp::Var),
) -> Result<(), String> {
    add_rows(
        m,
        RSC,
        MAP_RSC,
        (R_UID, R_ID, R_NAME),
        1,
        FIRST_RESOURCE,
        n,
        edit,
    )
}

fn outline(source: &[u8], size: Size, wbs: bool) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    let fm = m.field_map(MAP_TASK);
    let level_at = fm.fixed0(T_LEVEL).ok_or("no outline level")?;
    let parent_at = fm.fixed0(T_PARENT).ok_or("no parent")?;
    let wbs_ty = fm.var(T_WBS).ok_or("no WBS")?;
    let n = if wbs {
        size.pick(600, 6_000)
    } else {
        size.pick(1_700, 18_000)
    };
    let long = "9.".repeat(200);
    add_tasks(&mut m, n, |i, uid, rec, var| {
        put_u16(rec, level_at, (i + 1).min(65_535) as u16);
        put_i32(rec, parent_at, if i == 0 { 0 } else { uid as i32 - 1 });
        if wbs {
            var.add(uid, wbs_ty, &utf16z(&format!("{long}{i}")));
        }
    })?;
    Ok(m.cfb.write())
}

pub(super) fn outline_chain(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    outline(source, size, false)
}

fn outline_chain_long_wbs(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    outline(source, size, true)
}

fn shared_var_value(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    let types = m.field_map(MAP_TASK).text_vars();
    if types.is_empty() {
        return Err("no text fields in the task map".to_owned());
    }
    let tasks = 40_000usize.div_ceil(types.len());
    let value_len = size.pick(4 * 1024, 1 << 20);
    let mut shared = None;
    add_tasks(&mut m, tasks, |_, uid, _, var| {
        let at = *shared.get_or_insert_with(|| {
            let text: String = "S".repeat(value_len / 2 - 1);
            var.push_value(&utf16z(&text))
        });
        for &ty in &types {
            var.push_entry(uid, ty, at);
        }
        // The name each new task got first wins: point it at the shared value too.
        for e in var.entries.iter_mut().filter(|e| e.0 == uid) {
            e.1 = at;
        }
    })?;
    Ok(m.cfb.write())
}

fn shared_sector_chain(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    if size == Size::Large {
        // Grow the file first so the shared chain is long.
        add_resources(&mut m, 20_000, |_, _, _, _| {})?;
    }
    let mut bytes = m.cfb.write();
    let entries = cfb::dir_entries(&bytes)?;
    let big = entries
        .iter()
        .filter(|e| e.kind == 2 && e.size >= 4096)
        .max_by_key(|e| e.size)
        .map(|e| (e.start, e.size))
        .ok_or("no stream in regular sectors")?;
    for e in entries.iter().filter(|e| e.kind == 2) {
        put_u32(&mut bytes, e.offset + 116, big.0);
        put_u32(&mut bytes, e.offset + 120, big.1);
    }
    Ok(bytes)
}

fn assignment_meta_past_data(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    let mut fixed = m.fixed(ASSN, false);
    let template = fixed.items.last().cloned().ok_or("no assignments")?;
    let extra = size.pick(20_000, 200_000);
    for _ in 0..extra {
        fixed.items.push(template.clone());
    }
    let len = fixed.data.len() as u32;
    for (i, item) in fixed.items.iter_mut().enumerate() {
        put_u32(item, 0, 0); // not deleted
        let past = match i % 3 {
            0 => len,
            1 => len.saturating_add(4096 * i as u32),
            _ => 0xFFFF_FFF0,
        };
        put_u32(item, 4, past);
    }
    m.set_fixed(ASSN, false, &fixed);
    Ok(m.cfb.write())
}

// ---------------------------------------------------------------------------------------
// Calendars.

/// One MPP12/14 exception record (part 2 §4.3).
struct Exception {
    from: u16,
    to: u16,
    occurrences: u16,
    recurrence: u16,
    pattern: [u8; 4],
    name: Vec<u8>,
    name_len: Option<u32>,
}

impl Exception {
    fn day(from: u16, to: u16) -> Self {
        Self {
            from,
            to,
            occurrences: 1,
            recurrence: 1,
            pattern: [0; 4],
            name: Vec::new(),
            name_len: None,
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        let mut rec = vec![0u8; 92];
        put_u16(&mut rec, 0, self.from);
        put_u16(&mut rec, 2, self.to);
        put_u16(&mut rec, 4, self.occurrences);
        put_u16(&mut rec, 14, 1);
        put_u16(&mut rec, 20, 4800);
        put_u32(&mut rec, 32, 2400);
        put_u16(&mut rec, 72, self.recurrence);
        put(&mut rec, 76, &self.pattern);
        let len = self.name_len.unwrap_or(self.name.len() as u32);
        put_u32(&mut rec, 88, len);
        out.extend_from_slice(&rec);
        out.extend_from_slice(&self.name);
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
    }
}

/// Calendar data (MPP12/14): a week of "default" days, then the exceptions, then the 4-byte
/// work-week header.
fn calendar_data(week: Option<&[u8]>, exceptions: &[Exception], count: Option<u16>) -> Vec<u8> {
    let mut out = match week.and_then(|w| w.get(..420)) {
        Some(w) => w.to_vec(),
        None => {
            let mut w = vec![0u8; 420];
            for d in 0..7 {
                put_u16(&mut w, d * 60, 1);
            }
            w
        }
    };
    let mut head = [0u8; 4];
    put_u16(
        &mut head,
        0,
        count.unwrap_or(exceptions.len().min(65_535) as u16),
    );
    out.extend_from_slice(&head);
    for e in exceptions {
        e.write(&mut out);
    }
    out.extend_from_slice(&[0; 4]);
    out
}

/// The calendars' rows: (calendar uid, base uid, resource uid) per 12-byte step.
pub(super) struct Calendars {
    fixed: super::mpp::Fixed,
    fixed2: super::mpp::Fixed,
    pub(super) var: super::mpp::Var,
    from_2013: bool,
    pub(super) data_key: u16,
    meta: Vec<u8>,
    meta2: Vec<u8>,
    record2: Vec<u8>,
}

impl Calendars {
    pub(super) fn open(m: &Mpp) -> Result<Self, String> {
        if m.version == 9 {
            return Err("calendar classes need an MPP12/14 source".to_owned());
        }
        let fixed = m.fixed(CAL, false);
        let mut fixed2 = m.fixed(CAL, true);
        let t = (0..fixed.items.len())
            .rev()
            .find(|&i| fixed.record(i, 12).len() >= 12)
            .ok_or("no calendar row")?;
        let meta = fixed.items.get(t).cloned().unwrap_or_default();
        let meta2 = fixed2.items.get(t).cloned().unwrap_or_else(|| vec![0; 9]);
        let record2 = {
            let r = fixed2.record(t, 48);
            if r.is_empty() { vec![0; 48] } else { r }
        };
        fixed2.items.truncate(fixed.items.len());
        while fixed2.items.len() < fixed.items.len() {
            fixed2.push(&meta2, &record2);
        }
        Ok(Self {
            fixed,
            fixed2,
            var: m.var(CAL),
            from_2013: m.from_2013,
            data_key: 8,
            meta,
            meta2,
            record2,
        })
    }

    /// The first base calendar's uid.
    pub(super) fn standard(&self) -> i32 {
        (0..self.fixed.items.len())
            .filter_map(|i| {
                let r = self.fixed.record(i, 12);
                let (uid, base) = if self.from_2013 {
                    (u32_at(&r, 8)? as i32, u32_at(&r, 0)? as i32)
                } else {
                    (u32_at(&r, 0)? as i32, u32_at(&r, 4)? as i32)
                };
                (uid > 0 && (base <= 0 || base == uid)).then_some(uid)
            })
            .next()
            .unwrap_or(1)
    }

    pub(super) fn add(
        &mut self,
        uid: i32,
        base: i32,
        resource: i32,
        name: &str,
        data: Option<&[u8]>,
    ) {
        let mut rec = [0u8; 12];
        let order = if self.from_2013 {
            [base, resource, uid]
        } else {
            [uid, base, resource]
        };
        for (k, v) in order.iter().enumerate() {
            put_i32(&mut rec, 4 * k, *v);
        }
        self.fixed.push(&self.meta, &rec);
        let mut rec2 = self.record2.clone();
        put_i32(&mut rec2, 0, uid);
        put_u32(&mut rec2, 4, 0x4C41_4348);
        self.fixed2.push(&self.meta2, &rec2);
        if !name.is_empty() {
            self.var.add(uid as u32, 1, &utf16z(name));
        }
        if let Some(d) = data {
            self.var.add(uid as u32, self.data_key, d);
        }
    }

    pub(super) fn week(&self, uid: i32) -> Option<Vec<u8>> {
        self.var.get(uid as u32, self.data_key).map(<[u8]>::to_vec)
    }

    pub(super) fn save(self, m: &mut Mpp) {
        m.set_fixed(CAL, false, &self.fixed);
        m.set_fixed(CAL, true, &self.fixed2);
        m.set_var(CAL, &self.var);
    }
}

fn exception_names(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    let mut cals = Calendars::open(&m)?;
    let standard = cals.standard();
    let week = cals.week(standard);
    // Names that run to the end of the data: each record claims every byte after it.
    let n = size.pick(6_000, 50_000);
    let total = 424 + n * 92 + 4;
    let to_end: Vec<Exception> = (0..n)
        .map(|i| Exception {
            name_len: Some((total - 424 - (i + 1) * 92) as u32),
            ..Exception::day(3000 + (i % 20_000) as u16, 3000 + (i % 20_000) as u16)
        })
        .collect();
    let data = calendar_data(week.as_deref(), &to_end, None);
    cals.var.set(standard as u32, cals.data_key, &data);
    // Name lengths of 2 GB and 4 GB, and a count far above the records.
    let huge: Vec<Exception> = (0..64)
        .map(|i| Exception {
            name_len: Some(if i % 2 == 0 { 0x7FFF_FFFF } else { 0xFFFF_FFF0 }),
            ..Exception::day(3000 + i, 3000 + i)
        })
        .collect();
    let data = calendar_data(None, &huge, Some(65_535));
    cals.add(900_001, -1, -1, "huge names", Some(&data));
    // Many long, valid names.
    let long: Vec<Exception> = (0..size.pick(120, 1_000))
        .map(|i| Exception {
            name: utf16z(&"N".repeat(1000)),
            ..Exception::day(4000 + i as u16, 4000 + i as u16)
        })
        .collect();
    let data = calendar_data(None, &long, None);
    cals.add(900_002, -1, -1, "long names", Some(&data));
    cals.save(&mut m);
    Ok(m.cfb.write())
}

fn baseline_day_walk(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    // Dates 20 years apart on every assignment and task.
    let afm = m.field_map(MAP_ASSN);
    let mut assn = m.fixed(ASSN, false);
    let (s, f) = (afm.fixed0(A_START), afm.fixed0(A_FINISH));
    let starts: Vec<usize> = (0..assn.items.len())
        .filter_map(|i| assn.offset(i))
        .collect();
    for at in starts {
        if let (Some(s), Some(f)) = (s, f) {
            put(&mut assn.data, at + s, &timestamp(DAY_1990));
            put(&mut assn.data, at + f, &timestamp(DAY_2030));
        }
    }
    m.set_fixed(ASSN, false, &assn);
    let tfm = m.field_map(MAP_TASK);
    for (block, sf, ff) in [(0, T_START, T_FINISH), (1, T_START14, T_FINISH14)] {
        let (Some(s), Some(f)) = (tfm.fixed_in(sf, block), tfm.fixed_in(ff, block)) else {
            continue;
        };
        let mut t = m.fixed(TASK, block == 1);
        let starts: Vec<usize> = (0..t.items.len()).filter_map(|i| t.offset(i)).collect();
        for at in starts {
            put(&mut t.data, at + s, &timestamp(DAY_1990));
            put(&mut t.data, at + f, &timestamp(DAY_2030));
        }
        m.set_fixed(TASK, block == 1, &t);
    }
    // 65,535 one-day exceptions on the standard calendar, across the 20 years.
    let mut cals = Calendars::open(&m)?;
    let standard = cals.standard();
    let week = cals.week(standard);
    let n = size.pick(8_000, 65_535);
    let exceptions: Vec<Exception> = (0..n)
        .map(|i| {
            let day = DAY_1990 + (i % usize::from(DAY_2030 - DAY_1990)) as u16;
            Exception::day(day, day)
        })
        .collect();
    let data = calendar_data(week.as_deref(), &exceptions, None);
    cals.var.set(standard as u32, cals.data_key, &data);
    cals.save(&mut m);
    Ok(m.cfb.write())
}

fn recurring_exceptions(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    let mut cals = Calendars::open(&m)?;
    let exceptions: Vec<Exception> = (0..12u16)
        .map(|i| {
            let (recurrence, pattern) = match i % 3 {
                0 => (6, [0x7F, 0, 1, 0]), // weekly, every day of the week, every week
                1 => (7, [1, 0, 0, 0]),    // daily, every day
                _ => (1, [0, 0, 0, 0]),    // daily
            };
            Exception {
                from: 1 + i,
                to: DAY_2049,
                occurrences: 65_535,
                recurrence,
                pattern,
                name: utf16z("every day"),
                name_len: None,
            }
        })
        .collect();
    let data = calendar_data(None, &exceptions, None);
    for i in 0..size.pick(200, 2_500) {
        cals.add(500_000 + i as i32, -1, -1, &format!("R{i}"), Some(&data));
    }
    cals.save(&mut m);
    Ok(m.cfb.write())
}

fn many_calendars(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    let mut cals = Calendars::open(&m)?;
    for i in 0..size.pick(6_500, 60_000) {
        cals.add(500_000 + i as i32, -1, -1, &format!("C{i}"), None);
    }
    cals.save(&mut m);
    Ok(m.cfb.write())
}

pub(super) fn many_resources(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    add_resources(&mut m, size.pick(2_000, 22_000), |_, _, _, _| {})?;
    Ok(m.cfb.write())
}

fn calendars_x_resources(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    let n = size.pick(320, 3_000);
    add_resources(&mut m, n, |_, _, _, _| {})?;
    let mut cals = Calendars::open(&m)?;
    let standard = cals.standard();
    let exceptions: Vec<Exception> = (0..16u16)
        .map(|i| Exception::day(DAY_1990 + 400 * i, DAY_1990 + 400 * i + 300))
        .collect();
    let data = calendar_data(None, &exceptions, None);
    for i in 0..n {
        let uid = (FIRST_RESOURCE + i as u32) as i32;
        cals.add(600_000 + i as i32, standard, uid, "", Some(&data));
    }
    cals.save(&mut m);
    Ok(m.cfb.write())
}

fn derived_calendar_chain(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    // Resources that use the chain's last calendar and each calendar of the cycles, so the
    // engine cannot prune them as unused.
    add_resources(&mut m, 1 + 3 + 1_000, |_, _, _, _| {})?;
    let mut resource = FIRST_RESOURCE as i32;
    let mut cals = Calendars::open(&m)?;
    let standard = cals.standard();
    let n = size.pick(5_000, 50_000);
    let mut base = standard;
    for i in 0..n {
        let uid = 700_000 + i as i32;
        let user = if i + 1 == n { resource } else { -1 };
        cals.add(uid, base, user, &format!("D{i}"), None);
        base = uid;
    }
    // A cycle of three, and a longer one.
    for (len, first) in [(3, 800_000), (1_000, 810_000)] {
        for k in 0..len {
            let uid = first + k;
            let base = first + (k + 1) % len;
            resource += 1;
            cals.add(uid, base, resource, &format!("Y{uid}"), None);
        }
    }
    cals.save(&mut m);
    Ok(m.cfb.write())
}

// ---------------------------------------------------------------------------------------
// Outline codes (part 2 §7.3).

fn outline_codes(source: &[u8], size: Size, cycle: bool) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    let parent_at = if m.from_2013 { 10 } else { 8 };
    let mut fixed = m.fixed(OUTL, false);
    let mut fixed2 = m.fixed(OUTL, true);
    // The first value row (of Outline Code1's list, which the tasks' references use).
    let value_row = |i: usize, want: Option<u16>| {
        u16_at(&fixed.record(i, 64), 4).is_some_and(|id| id > 0 && want.is_none_or(|w| w == id))
            && fixed2.record(i, 64).len() >= 16
    };
    let t = (0..fixed.items.len())
        .find(|&i| value_row(i, Some(1)))
        .or_else(|| (0..fixed.items.len()).rev().find(|&i| value_row(i, None)))
        .ok_or("no outline-code value row")?;
    let (meta, record) = (
        fixed.items.get(t).cloned().unwrap_or_default(),
        fixed.record(t, 256),
    );
    let (meta2, record2) = (
        fixed2.items.get(t).cloned().unwrap_or_default(),
        fixed2.record(t, 256),
    );
    fixed2.items.truncate(fixed.items.len());
    let mut var = m.var(OUTL);
    let n = if cycle {
        size.pick(2_000, 30_000)
    } else {
        size.pick(1_400, 14_000)
    };
    let first = 1_000u16;
    let text = "L".repeat(if cycle { 20 } else { 200 });
    let last = first + n as u16 - 1;
    for i in 0..n {
        let id = first + i as u16;
        let parent = match (cycle, i) {
            (true, 0) => last,
            (false, 0) => 0,
            _ => id - 1,
        };
        let mut rec = record.clone();
        put_u16(&mut rec, 4, id);
        put_u16(&mut rec, parent_at, parent);
        fixed.push(&meta, &rec);
        let mut rec2 = record2.clone();
        put_u32(&mut rec2, 0, u32::from(id));
        put_u32(&mut rec2, 4, 0x4C54_554F);
        fixed2.push(&meta2, &rec2);
        var.add(u32::from(id), 22, &utf16z(&format!("{text}{i}")));
        var.add(u32::from(id), 8, &utf16z("description"));
    }
    let guid = record2.get(..16).map(<[u8]>::to_vec).unwrap_or_default();
    m.set_fixed(OUTL, false, &fixed);
    m.set_fixed(OUTL, true, &fixed2);
    m.set_var(OUTL, &var);
    // Every task points at the deepest value.
    let tfm = m.field_map(MAP_TASK);
    let ty = tfm
        .var(T_OC1_INDEX)
        .unwrap_or((T_OC1_INDEX & 0xFFFF) as u16);
    let uid_at = tfm.fixed0(T_UID).unwrap_or(0);
    let tasks = m.fixed(TASK, false);
    let uids: Vec<u32> = (0..tasks.items.len())
        .filter_map(|i| {
            tasks
                .offset(i)
                .and_then(|o| u32_at(&tasks.data, o + uid_at))
        })
        .filter(|&u| u > 0 && u < 100_000)
        .collect();
    let mut tvar = m.var(TASK);
    let mut reference = vec![0x01, 0x07];
    reference.extend_from_slice(&u32::from(last).to_le_bytes());
    let mut g = guid;
    put_u32(&mut g, 0, u32::from(last));
    put_u32(&mut g, 4, 0x4C54_554F);
    reference.extend_from_slice(&g);
    for uid in uids {
        tvar.set(uid, ty, &reference);
    }
    m.set_var(TASK, &tvar);
    Ok(m.cfb.write())
}

fn outline_code_parent_chain(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    outline_codes(source, size, false)
}

fn outline_code_cycle(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    outline_codes(source, size, true)
}

// ---------------------------------------------------------------------------------------
// Notes.

pub(super) fn rtf_nesting(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    let fm = m.field_map(MAP_TASK);
    let ty = fm.var(T_NOTES).ok_or("no notes field")?;
    let depth = size.pick(350_000, 3_500_000);
    let mut note = b"{\\rtf1\\ansi ".to_vec();
    note.extend(std::iter::repeat_n(b'{', depth));
    note.extend_from_slice(b"deep");
    note.extend(std::iter::repeat_n(b'}', depth));
    note.push(b'}');
    let mut var = m.var(TASK);
    let at = var.push_value(&note);
    // A second note that never closes its groups.
    let mut open = b"{\\rtf1 ".to_vec();
    open.extend(std::iter::repeat_n(b'{', depth / 4));
    let at_open = var.push_value(&open);
    let uids: Vec<u32> = var.entries.iter().map(|e| e.0).collect();
    let mut uids: Vec<u32> = uids.into_iter().filter(|u| *u < 100_000).collect();
    uids.sort_unstable();
    uids.dedup();
    for (k, uid) in uids.into_iter().enumerate() {
        var.point(uid, ty, if k % 2 == 0 { at } else { at_open });
    }
    m.set_var(TASK, &var);
    Ok(m.cfb.write())
}

// ---------------------------------------------------------------------------------------
// Generic damage, on the source (small) or on a grown copy (large).

fn grown(source: &[u8], size: Size) -> Result<Mpp, String> {
    let mut m = Mpp::read(source)?;
    if size == Size::Large {
        add_resources(&mut m, 18_000, |_, _, _, _| {})?;
        add_tasks(&mut m, 4_000, |_, _, _, _| {})?;
    }
    Ok(m)
}

pub(super) fn byte_flips(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = grown(source, size)?;
    let mut rng = Rng::new(9);
    for e in m.cfb.entries.iter_mut().filter(|e| !e.storage) {
        if e.path.contains("CompObj") {
            continue; // keep the version readable
        }
        let flips = (e.data.len() / 100).max(1);
        for _ in 0..flips {
            let at = rng.below(e.data.len());
            if let Some(b) = e.data.get_mut(at) {
                *b ^= (rng.next_u64() % 255) as u8 + 1;
            }
        }
    }
    Ok(m.cfb.write())
}

pub(super) fn huge_counts(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = grown(source, size)?;
    let version = m.version;
    let mut cal_data = Vec::new();
    if version != 9 {
        let var = m.var(CAL);
        cal_data = var
            .entries
            .iter()
            .filter(|e| e.2 == 8)
            .map(|e| e.1 as usize)
            .collect();
    }
    for e in m.cfb.entries.iter_mut().filter(|e| !e.storage) {
        let name = e.path.rsplit('/').next().unwrap_or("");
        let d = &mut e.data;
        match name {
            "VarMeta" => put_u32(d, 8, 0x7FFF_FFFF),
            "FixedMeta" | "Fixed2Meta" => put_u32(d, 8, 0x7FFF_FFFF),
            "Props" | "Props9" | "Props12" | "Props14" => put_u16(d, 12, 0xFFFF),
            "Var2Data" => {
                // Every value's length claims 2 GB, and calendar exception counts 65,535.
                if e.path.contains(CAL) {
                    for &at in &cal_data {
                        put_u16(d, at + 4 + 420, 0xFFFF);
                    }
                } else {
                    let mut at = 0;
                    while at + 4 <= d.len() {
                        let len = u32_at(d, at).unwrap_or(0) as usize;
                        put_u32(d, at, 0x7FFF_FFF0);
                        at += 4 + len.max(1);
                        at += at % 2;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(m.cfb.write())
}

pub(super) fn truncated_streams(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = grown(source, size)?;
    for e in m.cfb.entries.iter_mut().filter(|e| !e.storage) {
        if !e.path.contains("CompObj") {
            let half = e.data.len() / 2;
            e.data.truncate(half);
        }
    }
    Ok(m.cfb.write())
}
