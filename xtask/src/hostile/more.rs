//! More hostile classes: structures the first set does not touch (field-map record sizes,
//! predecessor links, work weeks, lookup tables, Props floods, OLE property sets, var-data
//! owners) and some first-set classes re-targeted at MPP9 sources.

use super::bytes::{put, put_i32, put_u16, put_u32, u16_at, u32_at, utf16z};
use super::classes::{
    self, Calendars, Class, FIRST_RESOURCE, R_UID, Size, T_LEVEL, T_PARENT, T_UID, add_resources,
    add_tasks,
};
use super::mpp::{ASSN, MAP_ASSN, MAP_TASK, Mpp, OUTL, Props, RSC, TASK};

const MPP14: &str = "mpp14assignmentfields.mpp";
const MPP9: &str = "mpp9assignmentfields.mpp";
const MPP9_NOTES: &str = "mpp9task.mpp";
const MPP14_LINKS: &str = "generated/task-links/task-links-project2016-mpp14.mpp";
const MPP14_LISTS: &str = "generated/project-valuelists/project-valuelists-project2010-mpp14.mpp";

type Craft = fn(&[u8], Size) -> Result<Vec<u8>, String>;

/// The classes of this module, in report order.
pub fn all() -> Vec<Class> {
    let c = |name, what, source, craft: Craft| Class {
        name,
        what,
        source,
        craft,
    };
    vec![
        c(
            "huge-record-size",
            "task and assignment field maps claim a field at 65,531, rows padded to 64 KB",
            MPP14,
            huge_record_size,
        ),
        c(
            "many-links",
            "~220,000 links: duplicates, self-links, links to summaries, cycles, lag variants",
            MPP14_LINKS,
            many_links,
        ),
        c(
            "many-work-weeks",
            "16,000 named work weeks (2,000 small) in 101 calendars",
            MPP14,
            many_work_weeks,
        ),
        c(
            "lookup-table-flood",
            "tens of thousands of values in one lookup table, equal ids and texts, all referenced",
            MPP14_LISTS,
            lookup_table_flood,
        ),
        c(
            "props-flood",
            "project and task Props with 65,535 items, MB-sized values, a flooded field map",
            MPP14,
            props_flood,
        ),
        c(
            "summary-info",
            "OLE property sets with 4,096 properties on one long string each",
            MPP14,
            summary_info,
        ),
        c(
            "var-data-many-owners",
            "hundreds of thousands of VarMeta entries on task and resource uids",
            MPP14,
            var_data_many_owners,
        ),
        c(
            "mpp9-outline-chain",
            "tasks each one outline level deeper than the previous (MPP9)",
            MPP9,
            classes::outline_chain,
        ),
        c(
            "mpp9-rtf-nesting",
            "task notes with deeply nested RTF groups (MPP9)",
            MPP9_NOTES,
            classes::rtf_nesting,
        ),
        c(
            "mpp9-huge-counts",
            "every count field set huge (MPP9)",
            MPP9,
            classes::huge_counts,
        ),
        c(
            "mpp9-many-resources",
            "tens of thousands of resources (MPP9)",
            MPP9,
            classes::many_resources,
        ),
        c(
            "mpp9-truncated-streams",
            "every stream cut in half (MPP9)",
            MPP9,
            classes::truncated_streams,
        ),
    ]
}

// ---------------------------------------------------------------------------------------
// Props.

/// Writes a Props stream: the header of `template` (or zeros) with the items.
fn write_props(template: &[u8], items: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = template
        .get(..16)
        .map_or_else(|| vec![0; 16], <[u8]>::to_vec);
    out.resize(16, 0);
    put_u16(&mut out, 12, items.len().min(65_535) as u16);
    for (key, value) in items {
        let mut head = [0u8; 12];
        put_u32(&mut head, 0, value.len() as u32);
        put_u32(&mut head, 4, *key);
        out.extend_from_slice(&head);
        out.extend_from_slice(value);
        if value.len() % 2 == 1 {
            out.push(0);
        }
    }
    let end = out.len().saturating_sub(4) as u32;
    put_u32(&mut out, 0, end);
    put_u32(&mut out, 4, end);
    out
}

fn project_props(m: &Mpp) -> (Vec<u8>, Vec<(u32, Vec<u8>)>) {
    let raw = m.get("", "Props");
    let items = Props::parse(&raw).items;
    (raw, items)
}

// ---------------------------------------------------------------------------------------
// huge-record-size

/// Inserts a 4-byte fixed field at `offset` at the end of block 0 of a stored field map.
fn widen_map(value: &[u8], class: u32, offset: u16) -> Vec<u8> {
    let mut last = 0u16;
    let mut insert_at = value.len() / 28 * 28;
    for (i, rec) in value.chunks_exact(28).enumerate() {
        let off = u16_at(rec, 4).unwrap_or(0xFFFF);
        let category = u16_at(rec, 20).unwrap_or(0);
        if off == 0xFFFF || category == 0x0B || category == 0x64 {
            continue;
        }
        if off < last {
            insert_at = i * 28;
            break;
        }
        last = off;
    }
    let mut entry = vec![0u8; 28];
    put_u16(&mut entry, 4, offset);
    put_u32(&mut entry, 8, 0x0A);
    put_u32(&mut entry, 12, class | 0x7FF0);
    put_u16(&mut entry, 20, 0x03);
    put_u16(&mut entry, 22, 4);
    let mut out = value.get(..insert_at).unwrap_or_default().to_vec();
    out.extend_from_slice(&entry);
    out.extend_from_slice(value.get(insert_at..).unwrap_or_default());
    out
}

fn huge_record_size(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    let before = m.fixed(TASK, false).items.len();
    let n = size.pick(2_500, 20_000);
    add_tasks(&mut m, n, |_, _, _, _| {})?;
    // Field maps: a field at 65,531 in block 0 of tasks and assignments.
    let (raw, mut items) = project_props(&m);
    for (key, value) in items.iter_mut() {
        let class = match *key {
            0x0002_0014 | 0x0300_0014 => 0x0B40_0000,
            0x0002_0017 | 0x0300_0017 => 0x0F40_0000,
            _ => continue,
        };
        *value = widen_map(value, class, 65_531);
    }
    m.set("", "Props", write_props(&raw, &items));
    // The new task rows: the even ones 76 % of a record apart from the next item (so each is
    // copied into a 64 KB buffer), the odd ones reaching to 64 KB of data.
    let mut fixed = m.fixed(TASK, false);
    let first = fixed.offset(before).ok_or("no new task rows")?;
    let stride = fixed
        .offset(before + 1)
        .map(|o| o.saturating_sub(first))
        .filter(|s| *s > 0)
        .ok_or("no task stride")?;
    let records: Vec<Vec<u8>> = (before..fixed.items.len())
        .step_by(2)
        .filter_map(|i| fixed.offset(i))
        .map(|o| fixed.data.get(o..o + stride).unwrap_or_default().to_vec())
        .collect();
    let mut data = fixed.data.get(..first).unwrap_or_default().to_vec();
    let base = data.len();
    for r in &records {
        data.extend_from_slice(r);
    }
    let gap = 50_000usize.div_ceil(stride) * stride;
    data.extend(std::iter::repeat_n(0u8, gap + 65_536));
    for (k, i) in (before..fixed.items.len()).enumerate() {
        let at = base + (k / 2) * stride + if k % 2 == 1 { gap } else { 0 };
        if let Some(item) = fixed.items.get_mut(i) {
            put_u32(item, 4, at as u32);
        }
    }
    fixed.data = data;
    m.set_fixed(TASK, false, &fixed);
    // Assignments: many meta items on the first record, each padded to 64 KB.
    let mut assn = m.fixed(ASSN, false);
    let template = assn
        .items
        .iter()
        .find(|i| i.first() == Some(&0))
        .cloned()
        .ok_or("no assignment row")?;
    for _ in 0..size.pick(5_000, 40_000) {
        assn.items.push(template.clone());
    }
    m.set_fixed(ASSN, false, &assn);
    let _ = MAP_ASSN;
    Ok(m.cfb.write())
}

// ---------------------------------------------------------------------------------------
// many-links

const CONS: &str = "TBkndCons";

fn task_uids(m: &Mpp) -> Vec<u32> {
    let uid_at = m.field_map(MAP_TASK).fixed0(T_UID).unwrap_or(0);
    let tasks = m.fixed(TASK, false);
    let mut uids: Vec<u32> = (0..tasks.items.len())
        .filter_map(|i| {
            tasks
                .offset(i)
                .and_then(|o| u32_at(&tasks.data, o + uid_at))
        })
        .filter(|&u| u > 0 && u < 10_000_000)
        .collect();
    uids.sort_unstable();
    uids.dedup();
    uids
}

fn many_links(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    let fm = m.field_map(MAP_TASK);
    let level_at = fm.fixed0(T_LEVEL).ok_or("no outline level")?;
    let parent_at = fm.fixed0(T_PARENT).ok_or("no parent")?;
    // Tasks in groups: a summary then 9 children (and a chain of 200 levels at the end).
    let n_tasks = size.pick(600, 3_000);
    let chain = 200;
    add_tasks(&mut m, n_tasks + chain, |i, uid, rec, _| {
        let (level, parent) = if i >= n_tasks {
            let d = i - n_tasks;
            (d + 1, if d == 0 { 0 } else { uid as i32 - 1 })
        } else if i % 10 == 0 {
            (1, 0)
        } else {
            (2, (uid - (i % 10) as u32) as i32)
        };
        put_u16(rec, level_at, level as u16);
        put_i32(rec, parent_at, parent);
    })?;
    let uids = task_uids(&m);
    if uids.len() < 4 {
        return Err("too few tasks".to_owned());
    }
    let mut fixed = m.fixed(CONS, false);
    let meta = fixed.items.first().cloned().unwrap_or_else(|| vec![0; 10]);
    let first_new = 100_000u32;
    let links = size.pick(30_000, 220_000);
    let pick = |k: usize| uids.get(k % uids.len()).copied().unwrap_or(1);
    for (link_uid, i) in (1_000_000i32..).zip(0..links) {
        let (pred, succ, lag) = match i % 8 {
            // The same pair again and again, with and without a changed lag.
            0 | 1 => (pick(1), pick(2), (i % 64) as i32),
            // Self-links.
            2 => (pick(i), pick(i), 0),
            // Child → its summary, and summary → child.
            3 => {
                let g = (i / 8) % (n_tasks / 10);
                let summary = first_new + (g * 10) as u32;
                (summary, summary + 1 + (i % 9) as u32, 0)
            }
            // Cycles of three.
            4 => {
                let k = (i / 8) % uids.len();
                let r = i % 3;
                (pick(k + r), pick(k + (r + 1) % 3), 0)
            }
            // Deep chain task → every ancestor.
            5 => {
                let deep = first_new + (n_tasks + chain - 1) as u32;
                (first_new + (n_tasks + i % chain) as u32, deep, 0)
            }
            // Unknown tasks.
            6 => (9_000_000 + i as u32, pick(i), 0),
            _ => (pick(i * 7), pick(i * 13 + 1), 0),
        };
        let mut rec = [0u8; 20];
        put_i32(&mut rec, 0, link_uid);
        put_u32(&mut rec, 4, pred);
        put_u32(&mut rec, 8, succ);
        put_u16(&mut rec, 12, (i % 4) as u16);
        put_i32(&mut rec, 14, lag * 4800);
        put_u16(&mut rec, 18, 7);
        let mut item = meta.clone();
        put_u16(&mut item, 0, 0);
        fixed.push(&item, &rec);
    }
    m.set_fixed(CONS, false, &fixed);
    Ok(m.cfb.write())
}

// ---------------------------------------------------------------------------------------
// many-work-weeks

/// A calendar's data (MPP12/14) with no exceptions and `weeks` work weeks.
fn work_week_data(week: Option<&[u8]>, weeks: usize, first: usize) -> Vec<u8> {
    let mut out = match week.and_then(|w| w.get(..420)) {
        Some(w) => w.to_vec(),
        None => vec![0u8; 420],
    };
    out.extend_from_slice(&[0; 4]); // no exceptions
    out.extend_from_slice(&[0; 4]); // the work-week header
    let mut days = vec![0u8; 420];
    for day in days.chunks_exact_mut(60) {
        put_u16(day, 0, 0);
        put_u16(day, 2, 5);
        for r in 0..5 {
            put_u16(day, 8 + 2 * r, (600 + 1200 * r) as u16);
            put_u32(day, 20 + 4 * r, 600);
        }
    }
    for w in 0..weeks {
        out.extend_from_slice(&days);
        let from = 3000 + ((first + w) % 15_000) as u16;
        let mut dates = [0u8; 12];
        put_u16(&mut dates, 0, from);
        put_u16(&mut dates, 2, from + 6 + (w % 400) as u16);
        out.extend_from_slice(&dates);
        let name = utf16z(&format!("Work week {}", first + w));
        let padded = name.len().div_ceil(4) * 4;
        out.extend_from_slice(&(name.len() as u32).to_le_bytes());
        out.extend_from_slice(&name);
        out.resize(out.len() + padded - name.len(), 0);
    }
    out
}

fn many_work_weeks(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    let mut cals = Calendars::open(&m)?;
    let standard = cals.standard();
    let week = cals.week(standard);
    let total = size.pick(2_000, 16_000);
    // Half in the standard calendar, half in 100 other base calendars.
    let data = work_week_data(week.as_deref(), total / 2, 0);
    cals.var.set(standard as u32, cals.data_key, &data);
    let per = total / 2 / 100;
    for c in 0..100 {
        let data = work_week_data(None, per, total / 2 + c * per);
        cals.add(900_000 + c as i32, -1, -1, &format!("W{c}"), Some(&data));
    }
    cals.save(&mut m);
    Ok(m.cfb.write())
}

// ---------------------------------------------------------------------------------------
// lookup-table-flood

fn lookup_table_flood(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    let (_, table_at, type_at) = if m.from_2013 {
        (10, 18, 16)
    } else {
        (8, 16, 32)
    };
    let mut fixed = m.fixed(OUTL, false);
    let mut fixed2 = m.fixed(OUTL, true);
    let mut var = m.var(OUTL);
    // A text value row.
    let t = (0..fixed.items.len())
        .rev()
        .find(|&i| {
            let r2 = fixed2.record(i, 64);
            u16_at(&r2, type_at) == Some(21)
                && u16_at(&fixed.record(i, 64), 4).is_some_and(|id| id > 0)
        })
        .ok_or("no text value row")?;
    let (meta, record) = (
        fixed.items.get(t).cloned().unwrap_or_default(),
        fixed.record(t, 256),
    );
    let (meta2, record2) = (
        fixed2.items.get(t).cloned().unwrap_or_default(),
        fixed2.record(t, 256),
    );
    let table = record2
        .get(table_at..table_at + 16)
        .unwrap_or_default()
        .to_vec();
    fixed2.items.truncate(fixed.items.len());
    let n = size.pick(8_000, 50_000);
    let ids = size.pick(3_000, 20_000);
    for i in 0..n {
        let id = 1_000 + (i % ids) as u16;
        let mut rec = record.clone();
        put_u16(&mut rec, 4, id);
        put_u16(&mut rec, if m.from_2013 { 10 } else { 8 }, 0);
        fixed.push(&meta, &rec);
        let mut rec2 = record2.clone();
        put_u32(&mut rec2, 0, i as u32);
        put_u32(&mut rec2, 4, 0x4B4F_4F4C);
        put(&mut rec2, table_at, &table);
        put_u16(&mut rec2, type_at, 21);
        fixed2.push(&meta2, &rec2);
        var.add(u32::from(id), 22, &utf16z(&format!("Value {}", i % 300)));
        if i % 4 == 0 {
            var.add(u32::from(id), 8, &utf16z("same description"));
        }
    }
    m.set_fixed(OUTL, false, &fixed);
    m.set_fixed(OUTL, true, &fixed2);
    m.set_var(OUTL, &var);
    // Tasks whose every text field references a value of the list.
    // The file has only the project summary task: new tasks copy it, one level down.
    let tasks = size.pick(300, 2_000);
    let level_at = m.field_map(MAP_TASK).fixed0(T_LEVEL);
    classes::add_tasks_from(&mut m, 0, tasks, |_, _, rec, _| {
        if let Some(at) = level_at {
            put_u16(rec, at, 1);
        }
    })?;
    let types = m.field_map(MAP_TASK).text_vars();
    let mut tvar = m.var(TASK);
    for (k, uid) in task_uids(&m).into_iter().enumerate() {
        for (j, &ty) in types.iter().enumerate().take(12) {
            let id = 1_000 + ((k * 31 + j) % ids) as u32;
            let mut reference = vec![0x01, 0x07];
            reference.extend_from_slice(&id.to_le_bytes());
            let mut g = vec![0u8; 16];
            put_u32(&mut g, 0, id);
            put_u32(&mut g, 4, 0x4B4F_4F4C);
            reference.extend_from_slice(&g);
            tvar.add(uid, ty, &reference);
        }
    }
    m.set_var(TASK, &tvar);
    Ok(m.cfb.write())
}

// ---------------------------------------------------------------------------------------
// props-flood

fn filler(n: usize, first_key: u32, value_len: usize) -> Vec<(u32, Vec<u8>)> {
    (0..n)
        .map(|i| {
            let mut v = vec![0x41u8; value_len.max(2)];
            put_u32(&mut v, 0, i as u32);
            (first_key + i as u32, v)
        })
        .collect()
}

fn props_flood(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    let big = size.pick(200_000, 1_000_000);
    // The project Props: a long title, currency symbol and a field map with 50,000 more
    // entries, then filler items up to 65,535.
    let (raw, mut items) = project_props(&m);
    for (key, value) in items.iter_mut() {
        match *key {
            0x0002_0014 => {
                for i in 0..size.pick(3_000, 50_000) {
                    let mut e = vec![0u8; 28];
                    put_u16(&mut e, 4, 0xFFFF);
                    put_u32(&mut e, 12, 0x0B41_0000 + i as u32);
                    put_u16(&mut e, 20, 0x08);
                    value.extend_from_slice(&e);
                }
            }
            0x0240_0010 => *value = utf16z(&"$".repeat(big / 2)),
            _ => {}
        }
    }
    items.push((0x0240_0008, utf16z(&"T".repeat(big / 2))));
    let room = size.pick(30_000, 65_535) - items.len();
    items.extend(filler(room, 0x7000_0000, size.pick(2, 40)));
    m.set("", "Props", write_props(&raw, &items));
    // The task Props (custom field definitions): filler and a huge definitions value.
    let raw = m.get(TASK, "Props");
    if !raw.is_empty() {
        let mut items = Props::parse(&raw).items;
        items.push((0x0440_0002, vec![0xFF; big]));
        let room = size.pick(20_000, 65_534).saturating_sub(items.len());
        items.extend(filler(room, 0x7100_0000, 2));
        // The same key again at the end, with a value claiming thousands of definitions.
        let mut defs = vec![0u8; 64];
        put_u32(&mut defs, 0, 8);
        put_u32(&mut defs, 8, 0x7FFF_FFFF);
        items.push((0x0440_0001, defs));
        m.set(TASK, "Props", write_props(&raw, &items));
    }
    Ok(m.cfb.write())
}

// ---------------------------------------------------------------------------------------
// summary-info

const SUMMARY_FMTID: [u8; 16] = [
    0xE0, 0x85, 0x9F, 0xF2, 0xF9, 0x4F, 0x68, 0x10, 0xAB, 0x91, 0x08, 0x00, 0x2B, 0x27, 0xB3, 0xD9,
];
const DOC_SUMMARY_FMTID: [u8; 16] = [
    0x02, 0xD5, 0xCD, 0xD5, 0x9C, 0x2E, 0x1B, 0x10, 0x93, 0x97, 0x08, 0x00, 0x2B, 0x2C, 0xF9, 0xAE,
];

/// A property-set stream with one section of `count` properties (ids `ids`), all on one
/// string value of `len` bytes (`wide`: `VT_LPWSTR`, else `VT_LPSTR`), and a 16-section
/// header whose other sections all point at it.
fn property_set(fmtid: &[u8; 16], ids: &[u32], len: usize, wide: bool) -> Vec<u8> {
    let sections = 16;
    let mut out = vec![0u8; 28];
    put_u16(&mut out, 0, 0xFFFE);
    put_u32(&mut out, 4, 0x0002_0006);
    put_u32(&mut out, 24, sections);
    let section_at = 28 + 20 * sections as usize;
    for s in 0..sections {
        // The real section last: the others are not it.
        let mut id = *fmtid;
        if s + 1 < sections {
            id[15] ^= 0xFF;
        }
        out.extend_from_slice(&id);
        out.extend_from_slice(&(section_at as u32).to_le_bytes());
    }
    let table = 8 + 8 * ids.len();
    let mut section = vec![0u8; table];
    put_u32(&mut section, 4, ids.len() as u32);
    for (i, id) in ids.iter().enumerate() {
        put_u32(&mut section, 8 + 8 * i, *id);
        put_u32(&mut section, 12 + 8 * i, table as u32);
    }
    let mut value = vec![0u8; 8];
    put_u16(&mut value, 0, if wide { 0x1F } else { 0x1E });
    put_u32(
        &mut value,
        4,
        if wide { (len / 2) as u32 } else { len as u32 },
    );
    section.extend_from_slice(&value);
    section.extend(std::iter::repeat_n(b'Z', len));
    let total = section.len() as u32;
    put_u32(&mut section, 0, total);
    out.extend_from_slice(&section);
    out
}

fn summary_info(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    let len = size.pick(64 * 1024, 1 << 20);
    // Every summary text id first, then distinct ids, all on the one string.
    let ids: Vec<u32> = (2..=9).chain(100..100 + 4_088).collect();
    let summary = property_set(&SUMMARY_FMTID, &ids, len, false);
    let ids: Vec<u32> = [2, 14, 15].into_iter().chain(200..200 + 4_093).collect();
    let doc = property_set(&DOC_SUMMARY_FMTID, &ids, len, true);
    let mut found = 0;
    for e in m.cfb.entries.iter_mut().filter(|e| !e.storage) {
        if e.path == "\u{5}SummaryInformation" {
            e.data = summary.clone();
            found += 1;
        } else if e.path == "\u{5}DocumentSummaryInformation" {
            e.data = doc.clone();
            found += 1;
        }
    }
    if found == 0 {
        return Err("no property-set streams".to_owned());
    }
    Ok(m.cfb.write())
}

// ---------------------------------------------------------------------------------------
// var-data-many-owners

fn var_data_many_owners(source: &[u8], size: Size) -> Result<Vec<u8>, String> {
    let mut m = Mpp::read(source)?;
    let tasks = size.pick(400, 3_000);
    add_tasks(&mut m, tasks, |_, _, _, _| {})?;
    add_resources(&mut m, size.pick(200, 1_000), |_, _, _, _| {})?;
    let types = m.field_map(MAP_TASK).text_vars();
    let per_task = size.pick(40, 40).min(types.len());
    let mut var = m.var(TASK);
    // Every task: a text value in many of its fields.
    for uid in task_uids(&m) {
        for &ty in types.iter().take(per_task) {
            var.add(uid, ty, &utf16z("v"));
        }
    }
    // Owners that are no task: the name key under hundreds of thousands of uids, some equal
    // to resource uids.
    let strangers = size.pick(25_000, 100_000);
    let name_ty = m
        .field_map(MAP_TASK)
        .var(super::classes::T_NAME)
        .unwrap_or(14);
    for i in 0..strangers {
        let uid = if i % 10 == 0 {
            FIRST_RESOURCE + (i % 1_000) as u32
        } else {
            200_000 + i as u32
        };
        var.add(uid, name_ty, &utf16z("x"));
    }
    m.set_var(TASK, &var);
    // Resources: the same, under task uids.
    let mut rvar = m.var(RSC);
    let rname = m
        .field_map(super::mpp::MAP_RSC)
        .var(super::classes::R_NAME)
        .unwrap_or(1);
    for i in 0..strangers {
        let uid = if i % 10 == 0 {
            100_000 + (i % tasks) as u32
        } else {
            300_000 + i as u32
        };
        rvar.add(uid, rname, &utf16z("r"));
    }
    let _ = R_UID;
    m.set_var(RSC, &rvar);
    Ok(m.cfb.write())
}
