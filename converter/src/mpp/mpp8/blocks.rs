//! The block formats of Project 98 files: `Props` with Props8 items, `FixFix   0` (equal
//! records), `FixDeferFix   0` (a heap of chained 36-byte blocks) and the extended-data lists
//! kept in that heap. Every offset, size and chain link comes from the file and is checked.

use super::super::bytes::{i32_at, u16_at, u32_at, utf16_string};
use super::super::props::Props;
use crate::budget::Budget;
use foldhash::{HashMap, HashMapExt};

/// Parses a Props8 stream: a 16-byte header (`u16` item count at 12), then items of three
/// words (`a`, key, `b`) and their data. The data size is `a` when byte 2 of the key is 0x40,
/// else `b`; `b` = 65536 means 4 bytes. Data is padded to an even length. Parsing stops at
/// the first item that does not fit, as the items before it are still good.
pub fn props8(data: &[u8]) -> Props {
    let mut items = HashMap::new();
    let count = u16_at(data, 12).unwrap_or(0);
    let mut off = 16usize;
    for _ in 0..count {
        let (Some(a), Some(key), Some(b)) = (
            u32_at(data, off),
            u32_at(data, off + 4),
            u32_at(data, off + 8),
        ) else {
            break;
        };
        let size = if b == 65536 {
            4
        } else if (key >> 16) & 0xFF == 0x40 {
            a
        } else {
            b
        };
        let size = size as usize;
        let start = off + 12;
        if size == 0 {
            break;
        }
        let Some(value) = data.get(start..start.saturating_add(size)) else {
            break;
        };
        items.insert(key, value.to_vec());
        off = start + size + (size & 1);
    }
    Props::from_items(items)
}

/// `FixFix   0`: records of one size back to back. The size is known to the reader, not the
/// stream; a stream whose length is not a multiple of it is probably the other size.
pub struct FixFix<'a> {
    data: &'a [u8],
    size: usize,
}

impl<'a> FixFix<'a> {
    /// Splits `data` into records of `size` bytes (a trailing part record is ignored).
    pub fn new(data: &'a [u8], size: usize) -> Self {
        Self {
            data,
            size: size.max(1),
        }
    }

    /// True when the stream is a whole number of records.
    pub fn fits(data: &[u8], size: usize) -> bool {
        size > 0 && data.len().is_multiple_of(size)
    }

    /// The records, in stream order.
    pub fn records(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.data.chunks_exact(self.size)
    }
}

/// Bytes of payload in an item's first block (after the next-block link and the size).
const FIRST_PAYLOAD: usize = 28;
/// Bytes of payload in a continuation block (after the next-block link).
const NEXT_PAYLOAD: usize = 32;

/// `FixDeferFix   0`: variable-length items in a heap of blocks. An item starts with an
/// `i32` link to its next block (−1 = none) and an `i32` size, then 28 bytes; continuation
/// blocks are a link and 32 bytes. Records refer to items by `!offset`.
pub struct FixDeferFix<'a> {
    data: &'a [u8],
    budget: &'a Budget,
}

impl<'a> FixDeferFix<'a> {
    /// Wraps the heap stream; reads charge `budget`.
    pub fn new(data: &'a [u8], budget: &'a Budget) -> Self {
        Self { data, budget }
    }

    /// The item a record refers to with the `i32` at `at` (stored as `!offset`).
    pub fn referenced(&self, record: &[u8], at: usize) -> Option<Vec<u8>> {
        self.item(reference(record, at)?)
    }

    /// The item that starts at `offset`, or `None` when the offset, size or a link leads
    /// outside the heap. A chain is followed at most as many steps as its size needs, so a
    /// looping chain ends.
    pub fn item(&self, offset: usize) -> Option<Vec<u8>> {
        if offset == 0 || offset >= self.data.len() {
            return None;
        }
        let mut next = i32_at(self.data, offset)?;
        let size = usize::try_from(i32_at(self.data, offset + 4)?).ok()?;
        if size == 0 || size >= self.data.len() {
            return None;
        }
        if next == -1 && size > FIRST_PAYLOAD {
            return None;
        }
        if !self.budget.alloc(size) || !self.budget.work(1 + (size / NEXT_PAYLOAD) as u64) {
            return None;
        }
        let mut out = Vec::with_capacity(size);
        let mut at = offset + 8;
        let mut room = FIRST_PAYLOAD;
        while next != -1 && out.len() < size {
            let take = room.min(size - out.len());
            out.extend_from_slice(self.data.get(at..at.checked_add(take)?)?);
            let link = usize::try_from(next).ok()?;
            next = i32_at(self.data, link)?;
            at = link + 4;
            room = NEXT_PAYLOAD;
        }
        let rest = size - out.len();
        out.extend_from_slice(self.data.get(at..at.checked_add(rest)?)?);
        Some(out)
    }

    /// A UTF-16 string item; empty strings are `None`.
    pub fn string(&self, record: &[u8], at: usize) -> Option<String> {
        let text = utf16_string(&self.referenced(record, at)?);
        (!text.is_empty()).then_some(text)
    }
}

/// The heap offset stored as `!offset` in the `i32` at `at`.
pub fn reference(record: &[u8], at: usize) -> Option<usize> {
    usize::try_from(!i32_at(record, at)?).ok()
}

/// An extended-data item: a list of (`i32` size, `i32` type, data) entries, the values of
/// the fields a record has no fixed room for (custom fields, notes, WBS, …).
#[derive(Default)]
pub struct Extended {
    values: HashMap<i32, Vec<u8>>,
}

impl Extended {
    /// Parses the item; an entry whose size runs past the item ends the list.
    pub fn parse(item: Option<Vec<u8>>) -> Self {
        let mut values = HashMap::new();
        let Some(data) = item else {
            return Self { values };
        };
        let mut at = 0usize;
        while let (Some(size), Some(kind)) = (i32_at(&data, at), i32_at(&data, at + 4)) {
            let Ok(size) = usize::try_from(size) else {
                break;
            };
            let start = at + 8;
            let Some(value) = data.get(start..start.saturating_add(size)) else {
                break;
            };
            values.insert(kind, value.to_vec());
            at = start + size;
        }
        Self { values }
    }

    /// The raw value of `kind`.
    pub fn raw(&self, kind: i32) -> Option<&[u8]> {
        self.values.get(&kind).map(Vec::as_slice)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Lays items out in a heap the way Project does: a 4-byte header, then each item in
    /// 36-byte blocks chained in order. Returns the heap and each item's offset.
    pub fn heap(items: &[&[u8]]) -> (Vec<u8>, Vec<usize>) {
        let mut out = vec![0xFF; 4];
        let mut offsets = Vec::new();
        for item in items {
            offsets.push(out.len());
            let blocks = if item.len() <= FIRST_PAYLOAD {
                1
            } else {
                1 + (item.len() - FIRST_PAYLOAD).div_ceil(NEXT_PAYLOAD)
            };
            let mut rest: &[u8] = item;
            for b in 0..blocks {
                let start = out.len();
                let next = if b + 1 < blocks {
                    (start + 36) as i32
                } else {
                    -1
                };
                out.extend_from_slice(&next.to_le_bytes());
                let room = if b == 0 {
                    out.extend_from_slice(&(item.len() as i32).to_le_bytes());
                    FIRST_PAYLOAD
                } else {
                    NEXT_PAYLOAD
                };
                let take = room.min(rest.len());
                out.extend_from_slice(rest.get(..take).unwrap_or_default());
                rest = rest.get(take..).unwrap_or_default();
                out.resize(start + 36, 0);
            }
        }
        (out, offsets)
    }

    /// An extended-data list from (type, value) pairs.
    pub fn extended(entries: &[(i32, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (kind, value) in entries {
            out.extend_from_slice(&(value.len() as i32).to_le_bytes());
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(value);
        }
        out
    }

    #[test]
    fn chained_items_are_joined() {
        let long: Vec<u8> = (0..100u8).collect();
        let (data, offsets) = heap(&[b"short", &long]);
        let budget = Budget::unlimited();
        let fdf = FixDeferFix::new(&data, &budget);
        assert_eq!(
            fdf.item(offsets.first().copied().unwrap_or(0)).as_deref(),
            Some(&b"short"[..])
        );
        assert_eq!(fdf.item(offsets.get(1).copied().unwrap_or(0)), Some(long));
    }

    #[test]
    fn bad_offsets_sizes_and_loops_give_none() {
        let long: Vec<u8> = (0..100u8).collect();
        let (mut data, offsets) = heap(&[&long]);
        let budget = Budget::unlimited();
        let first = offsets.first().copied().unwrap_or(0);
        assert!(FixDeferFix::new(&data, &budget).item(0).is_none());
        assert!(FixDeferFix::new(&data, &budget).item(usize::MAX).is_none());
        // A chain that points back at its own first block ends at the size it promised.
        if let Some(link) = data.get_mut(first + 36..first + 40) {
            link.copy_from_slice(&(first as i32).to_le_bytes());
        }
        let looped = FixDeferFix::new(&data, &budget).item(first);
        assert!(looped.is_none_or(|v| v.len() == long.len()));
        // A size beyond the heap.
        if let Some(size) = data.get_mut(first + 4..first + 8) {
            size.copy_from_slice(&i32::MAX.to_le_bytes());
        }
        assert!(FixDeferFix::new(&data, &budget).item(first).is_none());
        // A link outside the heap.
        let (mut data, _) = heap(&[&long]);
        if let Some(link) = data.get_mut(first..first + 4) {
            link.copy_from_slice(&0x7FFF_FFF0i32.to_le_bytes());
        }
        assert!(FixDeferFix::new(&data, &budget).item(first).is_none());
    }

    #[test]
    fn extended_data_stops_at_a_lying_size() {
        let mut list = extended(&[(7, &[1, 2]), (9, &[3, 4, 5, 6])]);
        assert_eq!(
            Extended::parse(Some(list.clone())).raw(9),
            Some(&[3, 4, 5, 6][..])
        );
        if let Some(size) = list.get_mut(10..14) {
            size.copy_from_slice(&1000i32.to_le_bytes());
        }
        let parsed = Extended::parse(Some(list));
        assert_eq!(parsed.raw(7), Some(&[1, 2][..]));
        assert!(parsed.raw(9).is_none());
    }

    #[test]
    fn props8_sizes_follow_the_key() {
        let mut data = vec![0u8; 16];
        data[12] = 3;
        // Key with 0x40 in byte 2: size from the first word.
        data.extend_from_slice(&2u32.to_le_bytes());
        data.extend_from_slice(&0x0240_0002u32.to_le_bytes());
        data.extend_from_slice(&0u32.to_le_bytes());
        data.extend_from_slice(&[7, 0]);
        // Other keys: size from the third word, 65536 meaning 4; odd sizes are padded.
        data.extend_from_slice(&0u32.to_le_bytes());
        data.extend_from_slice(&0x0100_0003u32.to_le_bytes());
        data.extend_from_slice(&65536u32.to_le_bytes());
        data.extend_from_slice(&[1, 2, 3, 4]);
        data.extend_from_slice(&0u32.to_le_bytes());
        data.extend_from_slice(&0x0100_0004u32.to_le_bytes());
        data.extend_from_slice(&1u32.to_le_bytes());
        data.extend_from_slice(&[9, 0]);
        let props = props8(&data);
        assert_eq!(props.u16(0x0240_0002), Some(7));
        assert_eq!(props.bytes(0x0100_0003), Some(&[1, 2, 3, 4][..]));
        assert_eq!(props.u8(0x0100_0004), Some(9));
        assert!(props8(&data[..30]).bytes(0x0100_0003).is_none());
    }
}
