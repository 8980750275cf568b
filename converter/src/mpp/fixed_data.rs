//! `FixedMeta` + `FixedData` (and `Fixed2Meta` + `Fixed2Data`): fixed-layout records, one
//! per row, with a small meta item per row that holds the record's offset and bit flags.

use super::bytes::{slice, u32_at};

const MAGIC: u32 = 0xFADF_ADBA;

/// The meta items of a fixed-data block.
#[derive(Debug, Default, Clone)]
pub struct FixedMeta {
    data: Vec<u8>,
    item_size: usize,
}

impl FixedMeta {
    /// Parses a meta stream whose items are `item_size` bytes (the size is not stored).
    /// A stream without the magic number gives no items.
    pub fn parse(data: Vec<u8>, item_size: usize) -> Self {
        if u32_at(&data, 0) != Some(MAGIC) || item_size == 0 {
            return Self {
                data: Vec::new(),
                item_size: item_size.max(1),
            };
        }
        Self { data, item_size }
    }

    /// Number of items the stream has room for (the written count can be lower).
    pub fn len(&self) -> usize {
        self.data
            .len()
            .saturating_sub(16)
            .checked_div(self.item_size)
            .unwrap_or(0)
    }

    /// The item count written in the header.
    pub fn written_count(&self) -> usize {
        u32_at(&self.data, 8).unwrap_or(0) as usize
    }

    /// Item `i`.
    pub fn item(&self, i: usize) -> Option<&[u8]> {
        if i >= self.len() {
            return None;
        }
        slice(&self.data, 16 + i * self.item_size, self.item_size)
    }
}

/// Cuts `data` into one record per meta item: each record starts at its item's offset (the
/// `u32` at +4) and runs to the next item's offset. Offsets are neither sorted nor contiguous,
/// so lengths that come out empty, negative or too long are fixed up: empty → `min`,
/// negative or past the end → up to `max` (or the end), longer than `max` → cut to `max`.
pub fn split_by_meta<'a>(
    meta: &FixedMeta,
    data: &'a [u8],
    min: usize,
    max: usize,
) -> Vec<Option<&'a [u8]>> {
    let count = meta.len();
    let offset_of = |i: usize| meta.item(i).and_then(|m| u32_at(m, 4)).map(|o| o as i64);
    (0..count)
        .map(|i| {
            let offset = offset_of(i)?;
            if offset < 0 || offset as usize > data.len() {
                return None;
            }
            let available = data.len() as i64 - offset;
            let mut size = if i + 1 == count {
                available
            } else {
                offset_of(i + 1)? - offset
            };
            if size == 0 {
                size = min as i64;
            }
            if size < 0 || size > available {
                size = if max == 0 {
                    available
                } else {
                    (max as i64).min(available)
                };
            }
            if max != 0 && size > max as i64 {
                size = max as i64;
            }
            if size <= 0 {
                return None;
            }
            slice(data, offset as usize, size as usize)
        })
        .collect()
}

/// Cuts `data` into records of `size` bytes (blocks whose records all have one size).
pub fn split_fixed(data: &[u8], size: usize) -> Vec<&[u8]> {
    if size == 0 {
        return Vec::new();
    }
    data.chunks_exact(size).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(offsets: &[u32], item_size: usize) -> FixedMeta {
        let mut m = Vec::new();
        m.extend_from_slice(&MAGIC.to_le_bytes());
        m.extend_from_slice(&0u32.to_le_bytes());
        m.extend_from_slice(&(offsets.len() as u32).to_le_bytes());
        m.extend_from_slice(&0u32.to_le_bytes());
        for o in offsets {
            let mut item = vec![0u8; item_size];
            item[4..8].copy_from_slice(&o.to_le_bytes());
            m.extend_from_slice(&item);
        }
        FixedMeta::parse(m, item_size)
    }

    #[test]
    fn splits_unsorted_offsets_with_fixups() {
        let data: Vec<u8> = (0..100u8).collect();
        let m = meta(&[0, 60, 20, 20, 500], 10);
        assert_eq!(m.len(), 5);
        let recs = split_by_meta(&m, &data, 8, 30);
        assert_eq!(recs[0].map(<[u8]>::len), Some(30), "cut to max");
        assert_eq!(recs[1].map(<[u8]>::len), Some(30), "negative → max");
        assert_eq!(recs[2].map(<[u8]>::len), Some(8), "empty → min");
        assert_eq!(
            recs[3].map(<[u8]>::len),
            Some(30),
            "next offset past the end → max"
        );
        assert_eq!(recs[4], None, "offset outside the stream");
    }

    #[test]
    fn a_default_meta_is_empty() {
        assert_eq!(FixedMeta::default().len(), 0);
        assert_eq!(FixedMeta::default().item(0), None);
    }

    #[test]
    fn missing_magic_means_no_items() {
        let m = FixedMeta::parse(vec![0; 64], 10);
        assert_eq!(m.len(), 0);
        assert_eq!(m.item(0), None);
    }
}
