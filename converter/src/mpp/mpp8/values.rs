//! Value encodings of Project 98 records: 48-bit work and money, and a view of a fixed record
//! whose reads are all bounds-checked (a short record reads as missing values).

use super::super::bytes::{array, i32_at, u8_at, u16_at};
use super::super::encoding;
use super::super::record::unit_from_code;
use crate::model::{DateTime, Duration, TimeUnit};

/// An unsigned 48-bit little-endian number (work in thousandths of a minute, money in
/// hundredths of the currency).
pub fn long6(data: &[u8], at: usize) -> Option<u64> {
    let b: [u8; 6] = array(data, at)?;
    Some(
        b.iter()
            .rev()
            .fold(0u64, |acc, x| (acc << 8) | u64::from(*x)),
    )
}

/// One fixed record.
#[derive(Clone, Copy)]
pub struct Rec<'a>(pub &'a [u8]);

impl Rec<'_> {
    /// `i32` at `at`.
    pub fn i32(self, at: usize) -> Option<i32> {
        i32_at(self.0, at)
    }

    /// `u32` at `at`.
    pub fn u32(self, at: usize) -> Option<u32> {
        super::super::bytes::u32_at(self.0, at)
    }

    /// `u16` at `at`.
    pub fn u16(self, at: usize) -> Option<u16> {
        u16_at(self.0, at)
    }

    /// True when bit `mask` of byte `at` is set.
    pub fn bit(self, at: usize, mask: u8) -> bool {
        u8_at(self.0, at).is_some_and(|b| b & mask != 0)
    }

    /// A 4-byte timestamp.
    pub fn date(self, at: usize) -> Option<DateTime> {
        encoding::timestamp(self.0, at)
    }

    /// Work in minutes (stored in thousandths of a minute).
    pub fn work(self, at: usize) -> Option<f64> {
        long6(self.0, at).map(|v| encoding::clean_work(v as f64))
    }

    /// Money in currency units (stored in hundredths).
    pub fn cost(self, at: usize) -> Option<f64> {
        long6(self.0, at).map(|v| v as f64 / 100.0)
    }

    /// A duration in tenths of a minute shown in the unit coded at `unit_at`; −1 is none.
    pub fn duration(self, at: usize, unit: TimeUnit) -> Option<Duration> {
        let tenths = self.i32(at)?;
        (tenths != -1).then(|| Duration::new(f64::from(tenths) / 10.0, unit))
    }

    /// The unit coded at `at`.
    pub fn unit(self, at: usize, default: TimeUnit) -> TimeUnit {
        self.u16(at)
            .map_or(default, |code| unit_from_code(code, default))
    }

    /// A percentage; values over 100 are unset.
    pub fn percent(self, at: usize) -> Option<f64> {
        self.u16(at).filter(|p| *p <= 100).map(f64::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long6_is_little_endian_48_bits() {
        assert_eq!(long6(&[1, 0, 0, 0, 0, 0x80], 0), Some(0x8000_0000_0001));
        assert_eq!(long6(&[1, 2, 3], 0), None);
        let rec = Rec(&[0x10, 0x27, 0, 0, 0, 0]);
        assert_eq!(rec.work(0), Some(10.0));
        assert_eq!(rec.cost(0), Some(100.0));
        assert_eq!(rec.cost(4), None);
    }
}
