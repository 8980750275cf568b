//! Little-endian reads and writes that never panic: a read past the end is `None`, a write
//! past the end is ignored (the harness patches files it did not write, so every offset is
//! suspect).

/// The `u16` at `at`.
pub fn u16_at(buf: &[u8], at: usize) -> Option<u16> {
    let b = buf.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([*b.first()?, *b.get(1)?]))
}

/// The `u32` at `at`.
pub fn u32_at(buf: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = buf.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// Writes `bytes` at `at` when they fit.
pub fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(end) = at.checked_add(bytes.len())
        && let Some(slot) = buf.get_mut(at..end)
    {
        slot.copy_from_slice(bytes);
    }
}

/// Writes a `u16` at `at` when it fits.
pub fn put_u16(buf: &mut [u8], at: usize, v: u16) {
    put(buf, at, &v.to_le_bytes());
}

/// Writes a `u32` at `at` when it fits.
pub fn put_u32(buf: &mut [u8], at: usize, v: u32) {
    put(buf, at, &v.to_le_bytes());
}

/// Writes an `i32` at `at` when it fits.
pub fn put_i32(buf: &mut [u8], at: usize, v: i32) {
    put(buf, at, &v.to_le_bytes());
}

/// `text` as UTF-16LE with its terminating NUL, as Var2Data strings are stored.
pub fn utf16z(text: &str) -> Vec<u8> {
    let mut out: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    out.extend_from_slice(&[0, 0]);
    out
}

/// The seeded generator every crafted file is drawn from, so every run crafts the same bytes.
pub use testkit::Rng;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_past_the_end_are_none_and_writes_are_ignored() {
        let mut buf = vec![1, 0, 0, 0, 2];
        assert_eq!(u32_at(&buf, 0), Some(1));
        assert_eq!(u32_at(&buf, 2), None);
        assert_eq!(u16_at(&buf, usize::MAX), None);
        put_u32(&mut buf, 3, 7);
        assert_eq!(buf, vec![1, 0, 0, 0, 2]);
        put_u16(&mut buf, 3, 0x0201);
        assert_eq!(buf, vec![1, 0, 0, 1, 2]);
        assert_eq!(utf16z("A"), vec![0x41, 0, 0, 0]);
    }
}
