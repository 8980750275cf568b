//! Two checks the `cfb` crate does not make: that no two streams share sectors, and which
//! streams lost data to the end of the file.
//!
//! In a compound file each stream owns a chain of sectors. A crafted file can point many
//! directory entries at one chain, so that a small file holds any number of "streams" of
//! its own size, each read and copied in full. Project never writes such a file, so one
//! sector claimed twice means the file is refused. The walk reads only the sectors each
//! entry's size needs, so a damaged tail of the allocation table (sectors declared but not
//! in the file) does not matter here.
//!
//! A file cut short (or padded by [`super::repair`]) may still hold every stream the engine
//! needs; the streams whose data runs past the real end are listed, so that reading one of
//! them fails as truncated instead of yielding the padding.

use super::bytes::{u16_at, u32_at, u64_at};
use crate::error::ConvertError;

/// Sector numbers at and above this are markers (end of chain, free, FAT, DIFAT).
const MAX_REGULAR_SECTOR: u32 = 0xFFFF_FFFA;
/// Directory entry size.
const ENTRY_SIZE: usize = 128;
/// Object types of directory entries.
const STREAM: u8 = 2;
const ROOT: u8 = 5;
/// Entries of the allocation table listed in the header itself.
const HEADER_DIFAT_ENTRIES: usize = 109;

/// The compound file's sectors, as far as the check needs them.
struct Sectors<'a> {
    input: &'a [u8],
    shift: u32,
}

impl<'a> Sectors<'a> {
    fn size(&self) -> usize {
        1 << self.shift
    }

    /// Sector `n`, or `None` when it is not (wholly) in the file.
    fn get(&self, n: u32) -> Option<&'a [u8]> {
        if n >= MAX_REGULAR_SECTOR {
            return None;
        }
        let start = (usize::try_from(n).ok()?.checked_add(1)?).checked_shl(self.shift)?;
        self.input.get(start..start.checked_add(self.size())?)
    }

    /// The `u32` entries of sector `n`.
    fn words(&self, n: u32) -> impl Iterator<Item = u32> + 'a {
        let sector = self.get(n).unwrap_or_default();
        sector
            .chunks_exact(4)
            .filter_map(|c| c.try_into().ok().map(u32::from_le_bytes))
    }
}

/// Marks sectors as they are claimed; the second claim of one is an error.
struct Claims {
    used: Vec<bool>,
    what: &'static str,
}

impl Claims {
    fn new(count: usize, what: &'static str) -> Self {
        Self {
            used: vec![false; count],
            what,
        }
    }

    /// Walks `count` links of the chain from `start` through `table`, claiming each sector.
    /// The walk stops early at a marker or a sector the table does not describe.
    fn chain(&mut self, table: &[u32], start: u32, count: usize) -> Result<(), ConvertError> {
        let mut sector = start;
        for _ in 0..count {
            let Some(slot) = usize::try_from(sector)
                .ok()
                .and_then(|i| self.used.get_mut(i))
            else {
                return Ok(());
            };
            if *slot {
                return Err(ConvertError::Corrupt(format!(
                    "{} {sector} is claimed twice (two streams share it, or a chain loops), \
                     which no Project file does",
                    self.what
                )));
            }
            *slot = true;
            let Some(next) = usize::try_from(sector).ok().and_then(|i| table.get(i)) else {
                return Ok(());
            };
            sector = *next;
        }
        Ok(())
    }
}

/// A stream whose data runs past the end of the file's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutStream {
    /// Its path, `/` before each name, as the directory spells it.
    pub path: String,
    /// The offset in the stream of its first byte that is not in the file.
    pub offset: usize,
    /// The stream's declared size.
    pub size: usize,
}

/// Paths deeper than this are not followed: Project's streams are at most three levels
/// down, and a bound keeps a crafted directory from building long paths.
const MAX_DEPTH: usize = 8;
/// Directory entry number that means "none".
const NO_ENTRY: u32 = 0xFFFF_FFFF;

/// Refuses a compound file in which two streams (or a stream and the directory or the
/// mini-stream) claim one sector, and lists the streams whose data does not lie wholly in
/// the first `data_len` bytes of `input` (the bytes the file really had). Header fields that
/// cannot be read are left to `cfb`.
pub fn check(input: &[u8], data_len: usize) -> Result<Vec<CutStream>, ConvertError> {
    let (Some(shift), Some(fat_sectors), Some(first_dir), Some(cutoff)) = (
        u16_at(input, 0x1E),
        u32_at(input, 0x2C),
        u32_at(input, 0x30),
        u32_at(input, 0x38),
    ) else {
        return Ok(Vec::new());
    };
    let (Some(first_mini_fat), Some(first_difat)) = (u32_at(input, 0x3C), u32_at(input, 0x44))
    else {
        return Ok(Vec::new());
    };
    if !(7..=16).contains(&shift) {
        return Ok(Vec::new());
    }
    let sectors = Sectors {
        input,
        shift: u32::from(shift),
    };
    let in_file = input.len() / sectors.size();

    // The allocation table: the sectors the header and the DIFAT chain list, in order.
    let mut fat_sector_list: Vec<u32> = (0..HEADER_DIFAT_ENTRIES)
        .filter_map(|i| u32_at(input, 0x4C + 4 * i))
        .filter(|s| *s < MAX_REGULAR_SECTOR)
        .collect();
    let per_difat = sectors.size() / 4 - 1;
    let mut difat = first_difat;
    let mut seen_difat = 0usize;
    while difat < MAX_REGULAR_SECTOR && seen_difat <= in_file {
        let words: Vec<u32> = sectors.words(difat).collect();
        fat_sector_list.extend(
            words
                .iter()
                .take(per_difat)
                .copied()
                .filter(|s| *s < MAX_REGULAR_SECTOR),
        );
        difat = words.get(per_difat).copied().unwrap_or(u32::MAX);
        seen_difat += 1;
    }
    let declared = usize::try_from(fat_sectors).unwrap_or(usize::MAX);
    fat_sector_list.truncate(declared.min(in_file));
    let fat: Vec<u32> = fat_sector_list
        .iter()
        .flat_map(|s| sectors.words(*s))
        .collect();

    let mut regular = Claims::new(fat.len().min(in_file), "sector");
    // The directory's own chain.
    regular.chain(&fat, first_dir, in_file)?;
    let directory: Vec<u8> = {
        let mut bytes = Vec::new();
        let mut sector = first_dir;
        for _ in 0..in_file {
            let Some(data) = sectors.get(sector) else {
                break;
            };
            bytes.extend_from_slice(data);
            let Some(next) = usize::try_from(sector).ok().and_then(|i| fat.get(i)) else {
                break;
            };
            sector = *next;
        }
        bytes
    };
    let mini_fat: Vec<u32> = {
        let mut words = Vec::new();
        let mut sector = first_mini_fat;
        for _ in 0..in_file {
            if sector >= MAX_REGULAR_SECTOR {
                break;
            }
            words.extend(sectors.words(sector));
            let Some(next) = usize::try_from(sector).ok().and_then(|i| fat.get(i)) else {
                break;
            };
            sector = *next;
        }
        words
    };
    regular.chain(&fat, first_mini_fat, in_file)?;

    let sector_size = sectors.size() as u64;
    let mini_count = mini_fat.len();
    let mut mini = Claims::new(mini_count, "mini sector");
    let v3 = shift == 9;
    let mut cut_entries = Vec::new();
    // The sectors of the mini-stream (the root entry's data), in order.
    let mut mini_stream: Vec<u32> = Vec::new();
    for (index, entry) in directory.chunks_exact(ENTRY_SIZE).enumerate() {
        let kind = entry.get(0x42).copied().unwrap_or(0);
        if kind != STREAM && kind != ROOT {
            continue;
        }
        let (Some(start), Some(size)) = (u32_at(entry, 0x74), u64_at(entry, 0x78)) else {
            continue;
        };
        // Version 3 files keep only the low half of the size; the rest may be garbage.
        let size = if v3 { size & 0xFFFF_FFFF } else { size };
        if size == 0 {
            continue;
        }
        if kind == ROOT || size >= u64::from(cutoff) {
            let count = usize::try_from(size.div_ceil(sector_size)).unwrap_or(usize::MAX);
            regular.chain(&fat, start, count.min(in_file))?;
            let places = Places {
                table: &fat,
                start,
                size,
                unit: sector_size,
            };
            if kind == ROOT {
                mini_stream = places.sectors(in_file).collect();
            } else if let Some(offset) = places.first_missing(in_file, |sector, len| {
                sector_end(sector, 0, len, sector_size).is_some_and(|end| end <= data_len)
            }) {
                cut_entries.push((index, offset, size));
            }
        } else {
            let count = usize::try_from(size.div_ceil(64)).unwrap_or(usize::MAX);
            mini.chain(&mini_fat, start, count.min(mini_count))?;
            if kind == STREAM {
                cut_entries.push((index, u64::MAX, size));
            }
        }
    }
    // Mini streams are placed once the mini-stream's own sectors are known.
    let mut cut = Vec::new();
    let parents = parents(&directory);
    for (index, offset, size) in cut_entries {
        let offset = if offset == u64::MAX {
            let Some(start) = directory
                .get(index * ENTRY_SIZE..)
                .and_then(|e| u32_at(e, 0x74))
            else {
                continue;
            };
            let places = Places {
                table: &mini_fat,
                start,
                size,
                unit: 64,
            };
            let found = places.first_missing(mini_count, |mini_sector, len| {
                let at = u64::from(mini_sector) * 64;
                usize::try_from(at / sector_size)
                    .ok()
                    .and_then(|i| mini_stream.get(i))
                    .and_then(|s| sector_end(*s, at % sector_size, len, sector_size))
                    .is_some_and(|end| end <= data_len)
            });
            match found {
                Some(offset) => offset,
                None => continue,
            }
        } else {
            offset
        };
        if let Some(path) = path_of(&directory, &parents, index) {
            cut.push(CutStream {
                path,
                offset: usize::try_from(offset).unwrap_or(usize::MAX),
                size: usize::try_from(size).unwrap_or(usize::MAX),
            });
        }
    }
    Ok(cut)
}

/// The end (exclusive) in the file of `len` bytes at `offset` into sector `sector`.
fn sector_end(sector: u32, offset: u64, len: u64, sector_size: u64) -> Option<usize> {
    let start = (u64::from(sector) + 1)
        .checked_mul(sector_size)?
        .checked_add(offset)?;
    usize::try_from(start.checked_add(len)?).ok()
}

/// A stream's chain of sectors (or mini sectors) of `unit` bytes through `table`.
struct Places<'t> {
    table: &'t [u32],
    start: u32,
    size: u64,
    unit: u64,
}

impl Places<'_> {
    /// The chain's first sectors, at most as many as the size needs and `limit` allows.
    fn sectors(&self, limit: usize) -> impl Iterator<Item = u32> + '_ {
        let count = usize::try_from(self.size.div_ceil(self.unit)).unwrap_or(usize::MAX);
        let mut sector = self.start;
        (0..count.min(limit)).map_while(move |_| {
            if sector >= MAX_REGULAR_SECTOR {
                return None;
            }
            let here = sector;
            sector = usize::try_from(sector)
                .ok()
                .and_then(|i| self.table.get(i))
                .copied()
                .unwrap_or(NO_ENTRY);
            Some(here)
        })
    }

    /// The offset in the stream of the first byte that is not where the chain says, or
    /// `None` when all are: `present(sector, len)` says whether the first `len` bytes of a
    /// sector are in the file. A chain that ends early, or is longer than `limit` sectors
    /// (more than the file or table holds), is missing the rest.
    fn first_missing(&self, limit: usize, present: impl Fn(u32, u64) -> bool) -> Option<u64> {
        let count = self.size.div_ceil(self.unit);
        let mut walked = 0u64;
        for sector in self.sectors(limit) {
            let len = (self.size - walked * self.unit).min(self.unit);
            if !present(sector, len) {
                return Some(walked * self.unit);
            }
            walked += 1;
        }
        (walked < count).then_some(walked * self.unit)
    }
}

/// For each directory entry, the entry whose child tree holds it (`None` for the root and
/// for entries no tree reaches). Each entry is visited once, so a looping tree ends.
fn parents(directory: &[u8]) -> Vec<Option<usize>> {
    let count = directory.len() / ENTRY_SIZE;
    let mut parent = vec![None; count];
    let mut seen = vec![false; count];
    let link = |index: usize, at: usize| {
        directory
            .get(index * ENTRY_SIZE..)
            .and_then(|e| u32_at(e, at))
            .filter(|n| *n != NO_ENTRY)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n < count)
    };
    // (entry, the storage it belongs to)
    let mut stack: Vec<(usize, usize)> = link(0, 0x4C).map(|c| (c, 0)).into_iter().collect();
    if let Some(first) = seen.first_mut() {
        *first = true;
    }
    while let Some((index, owner)) = stack.pop() {
        let Some(slot) = seen.get_mut(index) else {
            continue;
        };
        if *slot {
            continue;
        }
        *slot = true;
        if let Some(p) = parent.get_mut(index) {
            *p = Some(owner);
        }
        for at in [0x44, 0x48] {
            if let Some(sibling) = link(index, at) {
                stack.push((sibling, owner));
            }
        }
        if let Some(child) = link(index, 0x4C) {
            stack.push((child, index));
        }
    }
    parent
}

/// The path of entry `index` (`/` before each name), or `None` when no tree reaches it or it
/// lies deeper than [`MAX_DEPTH`].
fn path_of(directory: &[u8], parents: &[Option<usize>], index: usize) -> Option<String> {
    let mut names = Vec::new();
    let mut at = index;
    while at != 0 {
        if names.len() >= MAX_DEPTH {
            return None;
        }
        let entry = directory.get(at * ENTRY_SIZE..(at + 1) * ENTRY_SIZE)?;
        let len = usize::from(u16_at(entry, 0x40)?).min(64) / 2;
        let units: Vec<u16> = entry
            .chunks_exact(2)
            .take(len)
            .filter_map(|c| c.try_into().ok().map(u16::from_le_bytes))
            .take_while(|u| *u != 0)
            .collect();
        names.push(String::from_utf16_lossy(&units));
        at = (*parents.get(at)?)?;
    }
    Some(names.iter().rev().fold(String::new(), |mut path, name| {
        path.push('/');
        path.push_str(name);
        path
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn compound(streams: &[(&str, usize)]) -> Vec<u8> {
        let mut cfb = match cfb::CompoundFile::create(Cursor::new(Vec::new())) {
            Ok(c) => c,
            Err(e) => unreachable!("an in-memory compound file: {e}"),
        };
        for (name, len) in streams {
            let written = cfb
                .create_stream(name)
                .and_then(|mut s| s.write_all(&vec![7u8; *len]));
            assert!(written.is_ok());
        }
        assert!(cfb.flush().is_ok());
        cfb.into_inner().into_inner()
    }

    /// Offset of the directory entry named `name` (ASCII) in a version 3 file.
    fn entry_offset(file: &[u8], name: &str) -> usize {
        let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        file.windows(utf16.len())
            .position(|w| w == utf16.as_slice())
            .unwrap_or(usize::MAX)
    }

    #[test]
    fn separate_streams_pass() {
        let file = compound(&[("/big1", 10_000), ("/big2", 10_000), ("/small", 100)]);
        assert_eq!(check(&file, file.len()).ok(), Some(Vec::new()));
    }

    #[test]
    fn two_entries_on_one_chain_are_refused() {
        for (a, b, len) in [("/big1", "/big2", 10_000), ("/sm1", "/sm2", 300)] {
            let mut file = compound(&[(a, len), (b, len)]);
            let first = entry_offset(&file, a.trim_start_matches('/'));
            let second = entry_offset(&file, b.trim_start_matches('/'));
            let start: Vec<u8> = file
                .get(first + 0x74..first + 0x78)
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            if let Some(slot) = file.get_mut(second + 0x74..second + 0x78) {
                slot.copy_from_slice(&start);
            }
            let result = check(&file, file.len());
            assert!(
                matches!(&result, Err(ConvertError::Corrupt(m)) if m.contains("claimed twice")),
                "{a}: {result:?}"
            );
        }
    }

    #[test]
    fn headers_that_cannot_be_read_are_left_to_cfb() {
        assert!(check(&[0u8; 10], 10).is_ok());
        let mut odd = compound(&[("/x", 5000)]);
        odd.truncate(700);
        assert!(check(&odd, 700).is_ok());
    }
}
