//! What the engine's tests, the fuzz targets and `cargo xtask` (hostile inputs, fuzz seeds)
//! all need to build inputs, written once: they live in separate crates (the fuzz targets in
//! their own workspace, the xtask without dependencies), so they cannot share a test module.

use std::path::{Path, PathBuf};

/// A small seeded generator (SplitMix64): the same seed gives the same inputs on every
/// machine, so a failing built input can be built again.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// A non-zero byte, to XOR into a byte so that it surely changes.
    pub fn nonzero_byte(&mut self) -> u8 {
        (self.next_u64() % 255) as u8 + 1
    }
}

/// Strings that are hostile to XML: markup, control characters XML 1.0 forbids, lone carriage
/// returns, the non-characters U+FFFE/U+FFFF, what looks like CDATA, comments or entities.
pub const XML_HOSTILE: &[&str] = &[
    "<",
    ">",
    "&",
    "\"",
    "'",
    "]]>",
    "\u{0}",
    "\u{1}",
    "\u{8}",
    "\u{b}",
    "\u{c}",
    "\u{1f}",
    "\r",
    "\r\n",
    "\t",
    "\u{7f}",
    "\u{85}",
    "\u{d7ff}",
    "\u{e000}",
    "\u{fffe}",
    "\u{ffff}",
    "\u{10000}",
    "\u{10ffff}",
    "&amp;",
    "&#0;",
    "<![CDATA[",
    "-->",
    "<!--",
    "?>",
    " ",
];

/// A `Props` stream holding `items` (key, value): a 16-byte header with the count at 12, then
/// per item its size, key, four zero bytes and the value, padded to an even length.
pub fn props<V: AsRef<[u8]>>(items: &[(u32, V)]) -> Vec<u8> {
    let mut out = vec![0u8; 16];
    let count = u16::try_from(items.len()).unwrap_or(u16::MAX);
    out.splice(12..14, count.to_le_bytes());
    for (key, value) in items {
        let value = value.as_ref();
        out.extend_from_slice(&u32::try_from(value.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(&key.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(value);
        if value.len() % 2 == 1 {
            out.push(0);
        }
    }
    out
}

/// The `.mpp` and `.mpt` files (any letter case) under `dir`, its subfolders included, in the
/// order the file system lists them; an unreadable folder adds nothing.
pub fn mpp_files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    collect(dir, &mut out);
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("mpp") || e.eq_ignore_ascii_case("mpt"))
        {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_repeats_for_a_seed_and_stays_in_range() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
            let below = a.below(10);
            assert!(below < 10);
            assert_eq!(b.below(10), below);
            assert_ne!(a.nonzero_byte(), 0);
            b.nonzero_byte();
        }
        assert_eq!(a.below(0), 0);
    }

    #[test]
    fn props_lays_out_header_items_and_padding() {
        let stream = props(&[(0x0A0B_0C0D, &b"abc"[..]), (2, &b"de"[..])]);
        assert_eq!(stream.get(12..14), Some(&[2, 0][..]));
        assert_eq!(stream.get(16..20), Some(&3u32.to_le_bytes()[..]));
        assert_eq!(stream.get(20..24), Some(&0x0A0B_0C0Du32.to_le_bytes()[..]));
        assert_eq!(stream.get(28..32), Some(&b"abc\0"[..]));
        assert_eq!(stream.len(), 16 + 12 + 4 + 12 + 2);
    }

    #[test]
    fn mpp_and_mpt_files_are_found_in_subfolders() {
        let dir = std::env::temp_dir().join(format!("testkit-{}", std::process::id()));
        let sub = dir.join("sub");
        std::fs::create_dir_all(&sub).unwrap_or_default();
        for name in ["a.mpp", "b.MPT", "c.xml"] {
            std::fs::write(sub.join(name), b"x").unwrap_or_default();
        }
        let mut found: Vec<String> = mpp_files_under(&dir)
            .iter()
            .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
            .collect();
        found.sort();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(found, ["a.mpp", "b.MPT"]);
    }
}
