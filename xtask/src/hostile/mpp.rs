//! The MPP blocks the crafted classes rewrite (see `shared/format/01-container-and-blocks.md`
//! and `02-entities-and-fields.md`): Props, field maps, VarMeta + Var2Data, FixedMeta +
//! FixedData, on top of [`Compound`].

use super::bytes::{put_u32, u16_at, u32_at};
use super::cfb::Compound;

/// Task, resource, assignment, calendar, outline-code storages.
pub const TASK: &str = "TBkndTask";
pub const RSC: &str = "TBkndRsc";
pub const ASSN: &str = "TBkndAssn";
pub const CAL: &str = "TBkndCal";
pub const OUTL: &str = "TBkndOutlCode";

/// FixedMeta item sizes by storage (part 1 §2.5).
pub fn meta_size(storage: &str) -> usize {
    match storage {
        TASK => 47,
        RSC => 37,
        ASSN => 34,
        _ => 10,
    }
}

/// An `.mpp` taken apart, with what the classes need to know about it.
pub struct Mpp {
    /// The container.
    pub cfb: Compound,
    /// 9, 12 or 14.
    pub version: u32,
    /// Saved by Project 2013 or later (MPP14 layouts moved).
    pub from_2013: bool,
    /// `   19`, `   112` or `   114`.
    pub project: String,
}

impl Mpp {
    /// Reads `bytes` and finds the version in `\1CompObj`.
    pub fn read(bytes: &[u8]) -> Result<Self, String> {
        let cfb = Compound::read(bytes)?;
        let compobj = cfb.stream("\u{1}CompObj").ok_or("no CompObj")?;
        let text = String::from_utf8_lossy(compobj);
        let version = ["MPP14", "MPP12", "MPP9"]
            .iter()
            .find(|v| text.contains(&format!("MSProject.{v}")))
            .and_then(|v| v.trim_start_matches("MPP").parse().ok())
            .ok_or("not an MPP9/12/14 file")?;
        let from_2013 =
            version == 14 && (text.contains("Project 15.") || text.contains("Project 16."));
        let project = format!("   1{version}");
        Ok(Self {
            cfb,
            version,
            from_2013,
            project,
        })
    }

    /// The path of `stream` in entity `storage` of the project storage.
    pub fn path(&self, storage: &str, stream: &str) -> String {
        if storage.is_empty() {
            format!("{}/{stream}", self.project)
        } else {
            format!("{}/{storage}/{stream}", self.project)
        }
    }

    /// A copy of a stream (empty when missing).
    pub fn get(&self, storage: &str, stream: &str) -> Vec<u8> {
        self.cfb
            .stream(&self.path(storage, stream))
            .cloned()
            .unwrap_or_default()
    }

    /// Replaces a stream that exists.
    pub fn set(&mut self, storage: &str, stream: &str, data: Vec<u8>) {
        let path = self.path(storage, stream);
        if let Some(s) = self.cfb.stream_mut(&path) {
            *s = data;
        }
    }

    /// The entity's var data.
    pub fn var(&self, storage: &str) -> Var {
        Var::parse(
            &self.get(storage, "VarMeta"),
            self.get(storage, "Var2Data"),
            self.version,
        )
    }

    /// Writes the entity's var data back.
    pub fn set_var(&mut self, storage: &str, var: &Var) {
        let (meta, data) = var.write(self.version);
        self.set(storage, "VarMeta", meta);
        self.set(storage, "Var2Data", data);
    }

    /// The entity's fixed data (block 0, or block 1 with `second`).
    pub fn fixed(&self, storage: &str, second: bool) -> Fixed {
        let (meta, data) = if second {
            ("Fixed2Meta", "Fixed2Data")
        } else {
            ("FixedMeta", "FixedData")
        };
        let meta = self.get(storage, meta);
        let item = if second {
            // (length − 16) / rows of the first block (part 1 §2.5).
            let rows = self.get(storage, "FixedMeta").len().saturating_sub(16) / meta_size(storage);
            meta.len()
                .saturating_sub(16)
                .checked_div(rows)
                .unwrap_or(10)
                .max(8)
        } else {
            meta_size(storage)
        };
        Fixed::parse(&meta, self.get(storage, data), item)
    }

    /// Writes the entity's fixed data back.
    pub fn set_fixed(&mut self, storage: &str, second: bool, fixed: &Fixed) {
        let (meta, data) = if second {
            ("Fixed2Meta", "Fixed2Data")
        } else {
            ("FixedMeta", "FixedData")
        };
        let (m, d) = fixed.write();
        self.set(storage, meta, m);
        self.set(storage, data, d);
    }

    /// The stored field map of an entity (`0x0002001x`, else `0x0300001x`).
    pub fn field_map(&self, entity: u32) -> FieldMap {
        let props = Props::parse(&self.get("", "Props"));
        let value = props
            .get(0x0002_0014 + entity)
            .or_else(|| props.get(0x0300_0014 + entity))
            .unwrap_or_default();
        FieldMap::parse(value, self.version)
    }
}

/// Entity numbers of the field-map keys.
pub const MAP_TASK: u32 = 0;
pub const MAP_RSC: u32 = 1;
pub const MAP_ASSN: u32 = 3;

/// A Props block: (key, value) items.
pub struct Props {
    /// The items.
    pub items: Vec<(u32, Vec<u8>)>,
}

impl Props {
    /// Parses a Props stream (part 1 §2.1).
    pub fn parse(data: &[u8]) -> Self {
        let count = u16_at(data, 12).unwrap_or(0) as usize;
        let mut items = Vec::new();
        let mut at = 16;
        while items.len() < count {
            let (Some(size), Some(key)) = (u32_at(data, at), u32_at(data, at + 4)) else {
                break;
            };
            let size = size as usize;
            let Some(value) = data.get(at + 12..at + 12 + size) else {
                break;
            };
            if size == 0 {
                break;
            }
            items.push((key, value.to_vec()));
            at += 12 + size + size % 2;
        }
        Self { items }
    }

    /// A value.
    pub fn get(&self, key: u32) -> Option<&[u8]> {
        self.items
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_slice())
    }
}

/// Where a field lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loc {
    /// Block, offset.
    Fixed(usize, usize),
    /// Var-data type.
    Var(u16),
}

/// A field map: field id → location, plus the category of var fields.
pub struct FieldMap {
    /// (field id, location, category).
    pub fields: Vec<(u32, Loc, u16)>,
}

impl FieldMap {
    /// Parses the 28-byte records of a stored field map (part 1 §5.2).
    pub fn parse(value: &[u8], version: u32) -> Self {
        let mut fields = Vec::new();
        let mut block = 0;
        let mut last = 0;
        for rec in value.chunks_exact(28) {
            let offset = u16_at(rec, 4).unwrap_or(0xFFFF);
            let var9 = rec.get(6).copied().unwrap_or(0);
            let id = u32_at(rec, 12).unwrap_or(0);
            let category = u16_at(rec, 20).unwrap_or(0);
            if category == 0x0B || category == 0x64 {
                continue;
            }
            if offset != 0xFFFF {
                let offset = usize::from(offset);
                if offset < last {
                    block += 1;
                }
                last = offset;
                fields.push((id, Loc::Fixed(block, offset), category));
            } else {
                let var = if version == 9 {
                    u16::from(var9)
                } else {
                    (id & 0xFFFF) as u16
                };
                if var != 0 {
                    fields.push((id, Loc::Var(var), category));
                }
            }
        }
        Self { fields }
    }

    /// The location of field `id`.
    pub fn loc(&self, id: u32) -> Option<Loc> {
        self.fields
            .iter()
            .find(|(f, _, _)| *f == id)
            .map(|(_, l, _)| *l)
    }

    /// The fixed block-0 offset of field `id`.
    pub fn fixed0(&self, id: u32) -> Option<usize> {
        match self.loc(id)? {
            Loc::Fixed(0, at) => Some(at),
            _ => None,
        }
    }

    /// The fixed offset of field `id` in block `block`.
    pub fn fixed_in(&self, id: u32, block: usize) -> Option<usize> {
        match self.loc(id)? {
            Loc::Fixed(b, at) if b == block => Some(at),
            _ => None,
        }
    }

    /// The var-data type of field `id`.
    pub fn var(&self, id: u32) -> Option<u16> {
        match self.loc(id)? {
            Loc::Var(t) => Some(t),
            _ => None,
        }
    }

    /// Var-data types of every text (category 8) field.
    pub fn text_vars(&self) -> Vec<u16> {
        let mut out: Vec<u16> = self
            .fields
            .iter()
            .filter_map(|(_, l, c)| match l {
                Loc::Var(t) if *c == 0x08 => Some(*t),
                _ => None,
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// VarMeta + Var2Data: (unique id, type, class) → offset of a `u32` length + value.
pub struct Var {
    /// The 24-byte header.
    pub header: Vec<u8>,
    /// (unique id, offset, type, class).
    pub entries: Vec<(u32, u32, u16, u16)>,
    /// Var2Data.
    pub data: Vec<u8>,
}

impl Var {
    fn parse(meta: &[u8], data: Vec<u8>, version: u32) -> Self {
        let count = u32_at(meta, 8).unwrap_or(0) as usize;
        let size = if version == 9 { 8 } else { 12 };
        let mut entries = Vec::new();
        for i in 0..count {
            let at = 24 + i * size;
            let Some(rec) = meta.get(at..at + size) else {
                break;
            };
            if version == 9 {
                let uid = u32_at(rec, 0).unwrap_or(0) & 0x00FF_FFFF;
                let ty = u16::from(rec.get(3).copied().unwrap_or(0));
                entries.push((uid, u32_at(rec, 4).unwrap_or(0), ty, 0));
            } else {
                entries.push((
                    u32_at(rec, 0).unwrap_or(0),
                    u32_at(rec, 4).unwrap_or(0),
                    u16_at(rec, 8).unwrap_or(0),
                    u16_at(rec, 10).unwrap_or(0),
                ));
            }
        }
        let header = meta.get(..24).map_or_else(|| vec![0; 24], <[u8]>::to_vec);
        Self {
            header,
            entries,
            data,
        }
    }

    /// The class of the entries (`0x0B40` for tasks…), from the first entry.
    pub fn class(&self) -> u16 {
        self.entries.first().map_or(0, |e| e.3)
    }

    /// The value of (uid, type).
    pub fn get(&self, uid: u32, ty: u16) -> Option<&[u8]> {
        let (_, offset, _, _) = self
            .entries
            .iter()
            .find(|e| e.0 == uid && e.2 == ty)
            .copied()?;
        let at = offset as usize;
        let len = u32_at(&self.data, at)? as usize;
        self.data.get(at + 4..at + 4 + len)
    }

    /// Appends `value` and returns its offset.
    pub fn push_value(&mut self, value: &[u8]) -> u32 {
        let at = self.data.len() as u32;
        self.data
            .extend_from_slice(&(value.len() as u32).to_le_bytes());
        self.data.extend_from_slice(value);
        // Keep values 2-aligned, as the files do.
        if self.data.len() % 2 == 1 {
            self.data.push(0);
        }
        at
    }

    /// Points (uid, type) at `offset`, replacing an entry with the same key.
    pub fn point(&mut self, uid: u32, ty: u16, offset: u32) {
        let class = self.class();
        match self.entries.iter_mut().find(|e| e.0 == uid && e.2 == ty) {
            Some(e) => e.1 = offset,
            None => self.entries.push((uid, offset, ty, class)),
        }
    }

    /// Sets (uid, type) to a new copy of `value`.
    pub fn set(&mut self, uid: u32, ty: u16, value: &[u8]) {
        let at = self.push_value(value);
        self.point(uid, ty, at);
    }

    /// Adds (uid, type) = a new copy of `value` without looking for an existing entry (for
    /// new owners: fast with many entries).
    pub fn add(&mut self, uid: u32, ty: u16, value: &[u8]) {
        let at = self.push_value(value);
        self.push_entry(uid, ty, at);
    }

    /// Appends an entry without looking for an existing one (fast, for many entries).
    pub fn push_entry(&mut self, uid: u32, ty: u16, offset: u32) {
        let class = self.class();
        self.entries.push((uid, offset, ty, class));
    }

    fn write(&self, version: u32) -> (Vec<u8>, Vec<u8>) {
        let mut meta = self.header.clone();
        meta.resize(24, 0);
        if meta.iter().take(4).all(|b| *b == 0) {
            put_u32(&mut meta, 0, 0xFADF_ADBA);
        }
        put_u32(&mut meta, 8, self.entries.len() as u32);
        put_u32(&mut meta, 20, self.data.len() as u32);
        for &(uid, offset, ty, class) in &self.entries {
            if version == 9 {
                let word = (uid & 0x00FF_FFFF) | (u32::from(ty as u8) << 24);
                meta.extend_from_slice(&word.to_le_bytes());
                meta.extend_from_slice(&offset.to_le_bytes());
            } else {
                meta.extend_from_slice(&uid.to_le_bytes());
                meta.extend_from_slice(&offset.to_le_bytes());
                meta.extend_from_slice(&ty.to_le_bytes());
                meta.extend_from_slice(&class.to_le_bytes());
            }
        }
        (meta, self.data.clone())
    }
}

/// FixedMeta + FixedData: meta items (flags, offset…) over a data heap.
pub struct Fixed {
    /// The 16-byte header.
    pub header: Vec<u8>,
    /// Meta items, each `item` bytes.
    pub items: Vec<Vec<u8>>,
    /// FixedData.
    pub data: Vec<u8>,
}

impl Fixed {
    fn parse(meta: &[u8], data: Vec<u8>, item: usize) -> Self {
        let items = meta
            .get(16..)
            .unwrap_or_default()
            .chunks_exact(item)
            .map(<[u8]>::to_vec)
            .collect();
        let header = meta.get(..16).map_or_else(|| vec![0; 16], <[u8]>::to_vec);
        Self {
            header,
            items,
            data,
        }
    }

    /// The FixedData offset of item `i`.
    pub fn offset(&self, i: usize) -> Option<usize> {
        self.items
            .get(i)
            .and_then(|m| u32_at(m, 4))
            .map(|v| v as usize)
    }

    /// The record of item `i`: from its offset to the next higher offset (or `max` bytes).
    pub fn record(&self, i: usize, max: usize) -> Vec<u8> {
        let Some(start) = self.offset(i).filter(|&s| s < self.data.len()) else {
            return Vec::new();
        };
        let next = (0..self.items.len())
            .filter_map(|k| self.offset(k))
            .filter(|&o| o > start)
            .min()
            .unwrap_or(self.data.len())
            .min(start + max)
            .min(self.data.len());
        self.data.get(start..next).unwrap_or_default().to_vec()
    }

    /// Index of the item whose record starts with the `i32` `uid` at `uid_at` (and is not a
    /// deleted row).
    pub fn find(&self, uid_at: usize, uid: i32) -> Option<usize> {
        (0..self.items.len()).find(|&i| {
            let flags = self.items.get(i).and_then(|m| u32_at(m, 0)).unwrap_or(0);
            flags & 2 == 0
                && self
                    .offset(i)
                    .and_then(|o| u32_at(&self.data, o + uid_at))
                    .is_some_and(|v| v as i32 == uid)
        })
    }

    /// Appends a row: a copy of `meta` pointing at a copy of `record` at the end of the data.
    pub fn push(&mut self, meta: &[u8], record: &[u8]) -> usize {
        let mut item = meta.to_vec();
        put_u32(&mut item, 4, self.data.len() as u32);
        self.data.extend_from_slice(record);
        self.items.push(item);
        self.items.len() - 1
    }

    fn write(&self) -> (Vec<u8>, Vec<u8>) {
        let mut meta = self.header.clone();
        meta.resize(16, 0);
        put_u32(&mut meta, 0, 0xFADF_ADBA);
        put_u32(&mut meta, 8, self.items.len() as u32);
        put_u32(&mut meta, 12, self.data.len() as u32);
        for item in &self.items {
            meta.extend_from_slice(item);
        }
        (meta, self.data.clone())
    }
}
