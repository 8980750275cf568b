//! `VarMeta` + `Var2Data`: variable-length values (names, notes, custom text…) found by
//! (owner unique id, field key).

use super::bytes::{slice, u8_at, u16_at, u32_at};
use crate::model::FileFormat;
use foldhash::{HashMap, HashMapExt};
use std::cell::Cell;

const MAGIC: u32 = 0xFADF_ADBA;

/// The variable-length values of one entity storage.
///
/// Readers ask for one owner's fields one after another (a task row asks for hundreds of
/// custom fields, most of them absent), so the index is sorted by owner and key, and the last
/// owner's run is remembered: a lookup is then a short binary search instead of a hash of
/// (owner, key) per field. That lookup was the engine's hottest function.
#[derive(Debug, Default, Clone)]
pub struct VarData {
    /// (owner, key, offset of the value in `data`), sorted by owner and key, one per pair.
    entries: Vec<(i32, u16, usize)>,
    /// Each owner's run of `entries` (start, end).
    owners: HashMap<i32, (usize, usize)>,
    /// The owner last looked up and its run.
    last: Cell<Option<(i32, usize, usize)>>,
    data: Vec<u8>,
    overlapping: usize,
}

impl VarData {
    /// Parses the index (`VarMeta`) over the heap (`Var2Data`). Entries that point outside
    /// the heap are dropped; an index with a bad magic number gives an empty map.
    ///
    /// Values never share bytes in a file Project wrote (none does in the test corpus), so
    /// an entry whose value overlaps one already kept is dropped too: otherwise one stored
    /// value could stand for thousands of fields, and every one of them would copy it.
    pub fn parse(meta: &[u8], data: Vec<u8>, format: FileFormat) -> Self {
        let mut entries = Vec::new();
        let magic = u32_at(meta, 0).unwrap_or(0);
        let wide = !matches!(format, FileFormat::Mpp9);
        if magic == MAGIC || (wide && magic == 0) {
            let count = u32_at(meta, 8).unwrap_or(0) as usize;
            let entry = if wide { 12 } else { 8 };
            // The count can never exceed what the stream holds.
            let count = count.min(meta.len().saturating_sub(24) / entry);
            for i in 0..count {
                let off = 24 + i * entry;
                let parsed = if wide {
                    (|| {
                        let uid = u32_at(meta, off)? as i32;
                        let offset = u32_at(meta, off + 4)? as usize;
                        let key = u16_at(meta, off + 8)?;
                        Some((uid, key, offset))
                    })()
                } else {
                    (|| {
                        let b = slice(meta, off, 3)?;
                        let uid = match *b {
                            [lo, mid, hi] => i32::from_le_bytes([lo, mid, hi, 0]),
                            _ => return None,
                        };
                        let key = u16::from(u8_at(meta, off + 3)?);
                        let offset = u32_at(meta, off + 4)? as usize;
                        Some((uid, key, offset))
                    })()
                };
                if let Some(entry) = parsed
                    && entry.2 < data.len()
                {
                    entries.push(entry);
                }
            }
        }
        // Keep, in offset order, each value that starts past the end of the previous one.
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by_key(|&i| entries.get(i).map_or(0, |e| e.2));
        let mut keep = vec![false; entries.len()];
        let mut end = 0usize;
        for i in order {
            let Some(&(_, _, offset)) = entries.get(i) else {
                continue;
            };
            if offset < end {
                continue;
            }
            let len = u32_at(&data, offset).map_or(0, |l| l as usize);
            end = offset
                .saturating_add(4)
                .saturating_add(len)
                .min(data.len())
                .max(offset.saturating_add(1));
            if let Some(k) = keep.get_mut(i) {
                *k = true;
            }
        }
        let mut kept = Vec::with_capacity(entries.len());
        let mut overlapping = 0;
        for (&(uid, key, offset), kept_here) in entries.iter().zip(keep) {
            if kept_here {
                kept.push((uid, key, offset));
            } else {
                overlapping += 1;
            }
        }
        // A pair listed twice keeps its last entry, as the index is read in order.
        kept.sort_by_key(|&(uid, key, _)| (uid, key));
        let mut unique: Vec<(i32, u16, usize)> = Vec::with_capacity(kept.len());
        for entry in kept {
            match unique.last_mut() {
                Some(last) if (last.0, last.1) == (entry.0, entry.1) => *last = entry,
                _ => unique.push(entry),
            }
        }
        let mut owners: HashMap<i32, (usize, usize)> = HashMap::new();
        for (i, &(uid, _, _)) in unique.iter().enumerate() {
            owners.entry(uid).or_insert((i, i)).1 = i + 1;
        }
        Self {
            entries: unique,
            owners,
            last: Cell::new(None),
            data,
            overlapping,
        }
    }

    /// Entries dropped because their value overlapped another's.
    pub fn overlapping(&self) -> usize {
        self.overlapping
    }

    /// Entries kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The value bytes of (`uid`, `key`): a `u32` length at the offset, then the value.
    pub fn get(&self, uid: i32, key: u16) -> Option<&[u8]> {
        let (start, end) = self.run_of(uid)?;
        let owned = self.entries.get(start..end)?;
        let at = owned.binary_search_by_key(&key, |e| e.1).ok()?;
        let off = owned.get(at)?.2;
        let len = u32_at(&self.data, off)? as usize;
        let available = self.data.len().saturating_sub(off + 4);
        slice(&self.data, off + 4, len.min(available))
    }

    /// True when `uid` owns at least one value.
    pub fn has_owner(&self, uid: i32) -> bool {
        self.owners.contains_key(&uid)
    }

    /// How many keys `uid` has values under.
    pub fn key_count(&self, uid: i32) -> usize {
        self.run_of(uid)
            .map_or(0, |(start, end)| end.saturating_sub(start))
    }

    /// The keys `uid` has values under, in ascending order.
    pub fn keys(&self, uid: i32) -> impl Iterator<Item = u16> + '_ {
        let owned = self
            .run_of(uid)
            .and_then(|(start, end)| self.entries.get(start..end))
            .unwrap_or_default();
        owned.iter().map(|e| e.1)
    }

    /// `uid`'s run of entries, remembered for the next lookup.
    fn run_of(&self, uid: i32) -> Option<(usize, usize)> {
        if let Some((last, start, end)) = self.last.get()
            && last == uid
        {
            return Some((start, end));
        }
        let (start, end) = *self.owners.get(&uid)?;
        self.last.set(Some((uid, start, end)));
        Some((start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build_meta12(entries: &[(u32, u32, u16)], heap_len: u32) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&MAGIC.to_le_bytes());
        m.extend_from_slice(&0u32.to_le_bytes());
        m.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        m.extend_from_slice(&[0; 8]);
        m.extend_from_slice(&heap_len.to_le_bytes());
        for (uid, off, key) in entries {
            m.extend_from_slice(&uid.to_le_bytes());
            m.extend_from_slice(&off.to_le_bytes());
            m.extend_from_slice(&key.to_le_bytes());
            m.extend_from_slice(&0x0B40u16.to_le_bytes());
        }
        m
    }

    #[test]
    fn looks_up_values_by_owner_and_key() {
        let mut heap = Vec::new();
        heap.extend_from_slice(&4u32.to_le_bytes());
        heap.extend_from_slice(b"A\0\0\0");
        heap.extend_from_slice(&1000u32.to_le_bytes()); // length beyond the heap: clipped
        heap.extend_from_slice(b"xy");
        let meta = build_meta12(&[(1, 0, 14), (2, 8, 14), (3, 999, 14)], heap.len() as u32);
        let var = VarData::parse(&meta, heap, FileFormat::Mpp14);
        assert_eq!(var.get(1, 14), Some(&b"A\0\0\0"[..]));
        assert_eq!(var.get(2, 14), Some(&b"xy"[..]));
        assert_eq!(var.get(3, 14), None, "offset outside the heap");
        assert!(var.has_owner(1) && !var.has_owner(3));
    }

    #[test]
    fn values_that_share_bytes_are_kept_once() {
        let mut heap = Vec::new();
        heap.extend_from_slice(&8u32.to_le_bytes());
        heap.extend_from_slice(b"ABCDEFGH");
        heap.extend_from_slice(&2u32.to_le_bytes());
        heap.extend_from_slice(b"xy");
        // Three entries on the first value (one inside it), one on the second.
        let meta = build_meta12(&[(1, 0, 14), (2, 0, 14), (3, 4, 14), (4, 12, 14)], 18);
        let var = VarData::parse(&meta, heap, FileFormat::Mpp14);
        assert_eq!(var.get(1, 14), Some(&b"ABCDEFGH"[..]));
        assert_eq!(var.get(2, 14), None);
        assert_eq!(var.get(3, 14), None);
        assert_eq!(var.get(4, 14), Some(&b"xy"[..]));
        assert_eq!((var.len(), var.overlapping()), (2, 2));
    }

    #[test]
    fn bad_magic_gives_nothing() {
        let mut meta = build_meta12(&[(1, 0, 14)], 8);
        meta[0] = 1;
        let var = VarData::parse(&meta, vec![0; 8], FileFormat::Mpp9);
        assert_eq!(var.get(1, 14), None);
    }
}
