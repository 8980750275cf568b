//! `Props` streams (MPP9/12/14): a map from a 32-bit key to a value's bytes. The project
//! properties, the field maps and many settings live here.

use super::bytes::{f64_at, i32_at, u16_at, u32_at, utf16_string};
use super::encoding;
use crate::model::{DateTime, Guid, Time};
use foldhash::{HashMap, HashMapExt};

/// A parsed `Props` stream.
#[derive(Debug, Default, Clone)]
pub struct Props {
    items: HashMap<u32, Vec<u8>>,
}

impl Props {
    /// Parses a `Props` stream. Parsing stops quietly at the first item that does not fit:
    /// streams end with slack, and a damaged tail should not cost the items before it.
    pub fn parse(data: &[u8]) -> Self {
        let mut items = HashMap::new();
        let count = u16_at(data, 12).unwrap_or(0);
        let mut off = 16usize;
        for _ in 0..count {
            let (Some(size), Some(key)) = (u32_at(data, off), u32_at(data, off + 4)) else {
                break;
            };
            let size = size as usize;
            let start = off + 12;
            let Some(value) = data.get(start..start.saturating_add(size)) else {
                break;
            };
            if size == 0 {
                break;
            }
            items.insert(key, value.to_vec());
            off = start + size + (size & 1);
        }
        Self { items }
    }

    /// A map built by another parser (the Props8 streams of Project 98 files).
    pub fn from_items(items: HashMap<u32, Vec<u8>>) -> Self {
        Self { items }
    }

    /// The raw bytes of `key`.
    pub fn bytes(&self, key: u32) -> Option<&[u8]> {
        self.items.get(&key).map(Vec::as_slice)
    }

    /// True when `key` is present.
    pub fn has(&self, key: u32) -> bool {
        self.items.contains_key(&key)
    }

    /// A byte value.
    pub fn u8(&self, key: u32) -> Option<u8> {
        self.bytes(key)?.first().copied()
    }

    /// A `u16` value.
    pub fn u16(&self, key: u32) -> Option<u16> {
        u16_at(self.bytes(key)?, 0)
    }

    /// A boolean stored as a `u16` (any non-zero is true).
    pub fn bool(&self, key: u32) -> Option<bool> {
        self.u16(key).map(|v| v != 0)
    }

    /// An `i32` value.
    pub fn i32(&self, key: u32) -> Option<i32> {
        i32_at(self.bytes(key)?, 0)
    }

    /// A double.
    pub fn f64(&self, key: u32) -> Option<f64> {
        f64_at(self.bytes(key)?, 0)
    }

    /// A 4-byte timestamp.
    pub fn timestamp(&self, key: u32) -> Option<DateTime> {
        encoding::timestamp(self.bytes(key)?, 0)
    }

    /// A time of day.
    pub fn time(&self, key: u32) -> Option<Time> {
        u16_at(self.bytes(key)?, 0).map(encoding::time_from_tenths)
    }

    /// A UTF-16 string; empty strings are `None`.
    pub fn string(&self, key: u32) -> Option<String> {
        let s = utf16_string(self.bytes(key)?);
        (!s.is_empty()).then_some(s)
    }

    /// A GUID stored as 16 bytes or, in MPP9, as UTF-16 text `{…}`.
    pub fn guid(&self, key: u32) -> Option<Guid> {
        let data = self.bytes(key)?;
        if data.len() == 16 {
            encoding::guid(data, 0)
        } else {
            Guid::parse(&utf16_string(data))
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a Props stream from (key, value) pairs, as Project lays it out.
    pub fn build(items: &[(u32, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (key, value) in items {
            body.extend_from_slice(&(value.len() as u32).to_le_bytes());
            body.extend_from_slice(&key.to_le_bytes());
            body.extend_from_slice(&0u32.to_le_bytes());
            body.extend_from_slice(value);
            if value.len() % 2 == 1 {
                body.push(0);
            }
        }
        let mut out = Vec::new();
        let end = (body.len() + 12) as u32;
        out.extend_from_slice(&end.to_le_bytes());
        out.extend_from_slice(&end.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(items.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn reads_items_of_every_shape() {
        let name: Vec<u8> = "Std\0"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let data = build(&[
            (1, &[7, 0]),
            (2, &[0xC0, 0x12, 0x4F, 0x20]),
            (3, &name),
            (4, &[1]),
            (5, &1.5f64.to_le_bytes()),
        ]);
        let props = Props::parse(&data);
        assert_eq!(props.u16(1), Some(7));
        assert_eq!(
            props.timestamp(2).map(|t| t.to_string()).as_deref(),
            Some("2006-08-23 08:00:00")
        );
        assert_eq!(props.string(3).as_deref(), Some("Std"));
        assert_eq!(props.u8(4), Some(1));
        assert_eq!(props.f64(5), Some(1.5));
        assert_eq!(props.u16(99), None);
    }

    #[test]
    fn a_lying_count_or_size_stops_parsing() {
        let mut data = build(&[(1, &[7, 0])]);
        data[12] = 200; // count far beyond the items present
        assert_eq!(Props::parse(&data).u16(1), Some(7));
        let mut big = build(&[(1, &[7, 0]), (2, &[1, 2])]);
        big[16 + 14] = 0xFF; // second item's size beyond the stream
        big[16 + 14 + 1] = 0xFF;
        assert_eq!(Props::parse(&big).u16(1), Some(7));
        assert!(Props::parse(&[1, 2, 3]).bytes(0).is_none());
    }
}
