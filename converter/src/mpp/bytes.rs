//! Bounds-checked little-endian reads. Every byte of an MPP file is read through these, so a
//! short or hostile stream gives `None` (or a `Truncated` error), never a panic.

use crate::error::ConvertError;

/// `n` bytes at `off`, if they are all there.
pub fn slice(data: &[u8], off: usize, n: usize) -> Option<&[u8]> {
    data.get(off..off.checked_add(n)?)
}

/// Fixed-size array at `off`.
pub fn array<const N: usize>(data: &[u8], off: usize) -> Option<[u8; N]> {
    slice(data, off, N)?.try_into().ok()
}

/// Byte at `off`.
pub fn u8_at(data: &[u8], off: usize) -> Option<u8> {
    data.get(off).copied()
}

/// Little-endian `u16` at `off`.
pub fn u16_at(data: &[u8], off: usize) -> Option<u16> {
    array(data, off).map(u16::from_le_bytes)
}

/// Little-endian `u32` at `off`.
pub fn u32_at(data: &[u8], off: usize) -> Option<u32> {
    array(data, off).map(u32::from_le_bytes)
}

/// Little-endian `i32` at `off`.
pub fn i32_at(data: &[u8], off: usize) -> Option<i32> {
    array(data, off).map(i32::from_le_bytes)
}

/// Little-endian `u64` at `off`.
pub fn u64_at(data: &[u8], off: usize) -> Option<u64> {
    array(data, off).map(u64::from_le_bytes)
}

/// Little-endian `i64` at `off`.
pub fn i64_at(data: &[u8], off: usize) -> Option<i64> {
    array(data, off).map(i64::from_le_bytes)
}

/// Little-endian IEEE double at `off`.
pub fn f64_at(data: &[u8], off: usize) -> Option<f64> {
    array(data, off).map(f64::from_le_bytes)
}

/// A stream's bytes with its name, for reads that must succeed or explain where they failed.
#[derive(Clone, Copy)]
pub struct Named<'a> {
    /// The bytes.
    pub data: &'a [u8],
    /// Path of the stream inside the container.
    pub name: &'a str,
}

impl<'a> Named<'a> {
    /// Wraps `data` read from stream `name`.
    pub fn new(data: &'a [u8], name: &'a str) -> Self {
        Self { data, name }
    }

    fn truncated(&self, offset: usize, needed: usize) -> ConvertError {
        ConvertError::Truncated {
            stream: self.name.trim_start_matches('/').to_owned(),
            offset,
            needed,
        }
    }

    /// `n` bytes at `off`, or a `Truncated` error naming the stream.
    pub fn slice(&self, off: usize, n: usize) -> Result<&'a [u8], ConvertError> {
        slice(self.data, off, n).ok_or_else(|| self.truncated(off, n))
    }

    /// `u32` at `off`, or a `Truncated` error.
    pub fn u32(&self, off: usize) -> Result<u32, ConvertError> {
        u32_at(self.data, off).ok_or_else(|| self.truncated(off, 4))
    }
}

/// UTF-16LE text up to the first NUL or the end of `data`.
pub fn utf16_string(data: &[u8]) -> String {
    let units: Vec<u16> = data
        .chunks_exact(2)
        .filter_map(|c| c.try_into().ok().map(u16::from_le_bytes))
        .take_while(|u| *u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

/// Single-byte text up to the first NUL, bytes taken as Windows-1252.
pub fn ansi_string(data: &[u8]) -> String {
    data.iter()
        .take_while(|b| **b != 0)
        .map(|b| windows_1252(*b))
        .collect()
}

/// Windows-1252 to Unicode: the code page Project uses for 8-bit text on western systems.
pub fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH.get(usize::from(b - 0x80)).copied().unwrap_or('?'),
        _ => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_past_the_end_are_none() {
        let data = [1u8, 0, 0, 0];
        assert_eq!(u32_at(&data, 0), Some(1));
        assert_eq!(u32_at(&data, 1), None);
        assert_eq!(u16_at(&data, usize::MAX), None);
        assert_eq!(slice(&data, usize::MAX - 1, 4), None);
    }

    #[test]
    fn named_reads_say_where_they_failed() {
        let data = [0u8; 3];
        let named = Named::new(&data, "/   114/Props");
        let err = named
            .u32(2)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("114/Props"), "{err}");
        assert!(err.contains("offset 2"), "{err}");
    }

    #[test]
    fn strings_stop_at_nul() {
        let data = [b'H', 0, b'i', 0, 0, 0, b'x', 0];
        assert_eq!(utf16_string(&data), "Hi");
        assert_eq!(ansi_string(b"ab\x80\0cd"), "ab€");
    }
}
