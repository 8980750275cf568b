//! Slack that writers other than Project leave in a compound file, taken up in memory before
//! `cfb` opens it.
//!
//! Some tools write an allocation table (FAT) longer than the file, list FAT or DIFAT sectors
//! that were never written, or end the file inside its last sector. `cfb` refuses such a file
//! as a whole although every stream in it may be whole; so does MPXJ. The sectors past the end
//! hold nothing, so the repair says so: FAT entries of sectors past the end become free, FAT
//! sectors listed past the end are dropped from the end of the list, a DIFAT chain that runs
//! past the end stops there, the header's counts follow, and a short last sector is padded.
//! Whether a stream the engine needs lost data to the cut is decided by
//! [`super::sector_chains`], which refuses to hand out such a stream.
//!
//! The repair reads only sectors that are in the file, each at most once, and makes at most
//! one copy of the input (one sector longer), so its memory and time follow the input's size
//! whatever the header claims.

use super::bytes::{u16_at, u32_at};
use std::borrow::Cow;

/// FAT and DIFAT entry of a sector in no chain.
const FREE: u32 = 0xFFFF_FFFF;
/// FAT entry of the last sector of a chain.
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
/// Sector numbers at and above this are markers.
const MAX_REGULAR_SECTOR: u32 = 0xFFFF_FFFA;
/// FAT sector numbers the header itself lists.
const HEADER_DIFAT_ENTRIES: usize = 109;
/// Header offsets.
const NUM_FAT_SECTORS: usize = 0x2C;
const FIRST_DIRECTORY_SECTOR: usize = 0x30;
const FIRST_MINI_FAT_SECTOR: usize = 0x3C;
const FIRST_DIFAT_SECTOR: usize = 0x44;
const NUM_DIFAT_SECTORS: usize = 0x48;
const HEADER_DIFAT: usize = 0x4C;

/// The input as `cfb` should see it, and what was changed to get there.
pub struct Repaired<'a> {
    /// The bytes to open: the input itself when nothing needed repair.
    pub bytes: Cow<'a, [u8]>,
    /// One sentence per kind of slack taken up.
    pub warnings: Vec<String>,
}

/// The input, copied on the first change: at most one copy, one sector longer.
struct Patch<'a> {
    input: &'a [u8],
    copy: Option<Vec<u8>>,
    room: usize,
}

impl Patch<'_> {
    /// Overwrites the `u32` at `offset` (of the original input) with `value`.
    fn set(&mut self, offset: usize, value: u32) {
        if u32_at(self.input, offset).is_none_or(|v| v == value) {
            return;
        }
        let (input, room) = (self.input, self.room);
        let copy = self.copy.get_or_insert_with(|| {
            let mut copy = Vec::with_capacity(input.len().saturating_add(room));
            copy.extend_from_slice(input);
            copy
        });
        if let Some(slot) = copy.get_mut(offset..offset.saturating_add(4)) {
            slot.copy_from_slice(&value.to_le_bytes());
        }
    }
}

/// Takes up the slack described in the module documentation. A header that cannot be read
/// is left as it is, for `cfb` to refuse.
pub fn repair(input: &[u8]) -> Repaired<'_> {
    let unchanged = Repaired {
        bytes: Cow::Borrowed(input),
        warnings: Vec::new(),
    };
    let Some(shift) = u16_at(input, 0x1E) else {
        return unchanged;
    };
    if shift != 9 && shift != 12 {
        return unchanged;
    }
    let sector_size = 1usize << shift;
    if input.len() <= sector_size {
        return unchanged;
    }
    // Sectors at least partly in the file; sector `n` starts at byte (n + 1) × size.
    let in_file = input.len().div_ceil(sector_size) - 1;
    let short = input.len() % sector_size;
    let whole = |sector: u32| {
        usize::try_from(sector).is_ok_and(|s| s < in_file && (short == 0 || s + 1 < in_file))
    };
    let word = |offset: usize| u32_at(input, offset);
    let per_sector = sector_size / 4;

    let mut patch = Patch {
        input,
        copy: None,
        room: sector_size,
    };
    let mut warnings = Vec::new();

    // The FAT sectors in order, each with the place that lists it.
    let mut listed: Vec<(usize, u32)> = (0..HEADER_DIFAT_ENTRIES)
        .map(|i| HEADER_DIFAT + 4 * i)
        .filter_map(|at| word(at).map(|s| (at, s)))
        .collect();
    let mut difat_sectors = 0u32;
    let mut next_slot = FIRST_DIFAT_SECTOR;
    let mut difat = word(next_slot).unwrap_or(END_OF_CHAIN);
    let mut difat_cut = false;
    while difat < MAX_REGULAR_SECTOR {
        // A DIFAT sector that is not in the file lists FAT sectors that are not either, and
        // once the FAT sectors listed describe every sector of the file, the rest describe
        // sectors past its end: the chain ends there. (This also ends a looping chain.)
        let past_end = !whole(difat);
        if past_end || listed.len().saturating_mul(per_sector) >= in_file {
            patch.set(next_slot, END_OF_CHAIN);
            difat_cut = true;
            // Only a sector in the file is looked into (so its offset cannot overflow).
            let lists_any = !past_end && {
                let base = (difat as usize + 1) * sector_size;
                (0..per_sector - 1).any(|i| word(base + 4 * i).is_some_and(|v| v != FREE))
            };
            if past_end || lists_any {
                warnings.push(
                "the compound file's list of allocation sectors runs past the end of the file; \
                 it was read up to the end"
                    .to_owned(),
                );
            }
            break;
        }
        difat_sectors += 1;
        let base = (difat as usize + 1) * sector_size;
        listed.extend(
            (0..per_sector - 1)
                .map(|i| base + 4 * i)
                .filter_map(|at| word(at).map(|s| (at, s))),
        );
        next_slot = base + 4 * (per_sector - 1);
        difat = word(next_slot).unwrap_or(END_OF_CHAIN);
    }
    while listed.last().is_some_and(|(_, s)| *s == FREE) {
        listed.pop();
    }
    // FAT sectors listed past the end describe sectors past the end too (the list is in
    // sector order): drop them from the end of the list.
    let mut dropped = 0usize;
    while let Some(&(at, sector)) = listed.last() {
        if sector < MAX_REGULAR_SECTOR && usize::try_from(sector).is_ok_and(|s| s >= in_file) {
            patch.set(at, FREE);
            listed.pop();
            dropped += 1;
        } else {
            break;
        }
    }
    if dropped > 0 {
        warnings.push(format!(
            "allocation sectors listed past the end of the file ({dropped} of them) were left \
             out"
        ));
    }
    let kept = u32::try_from(listed.len()).unwrap_or(u32::MAX);
    if let Some(declared) = word(NUM_FAT_SECTORS)
        && declared != kept
    {
        patch.set(NUM_FAT_SECTORS, kept);
        warnings.push(format!(
            "the compound file's header declares {declared} allocation sectors where the file \
             lists {kept}; the list was followed"
        ));
    }
    // `cfb` does not rely on the DIFAT count; it is put right only with the chain.
    if difat_cut && word(NUM_DIFAT_SECTORS).is_some_and(|n| n != difat_sectors) {
        patch.set(NUM_DIFAT_SECTORS, difat_sectors);
    }

    // FAT entries of sectors past the end are free; links to them end their chain.
    let (mut freed, mut cut_links) = (0usize, 0usize);
    // A FAT sector listed twice (which `cfb` refuses) is looked at once, so the work stays
    // one pass over the file.
    let mut scanned = vec![false; in_file];
    for (k, &(_, fat_sector)) in listed.iter().enumerate() {
        match usize::try_from(fat_sector)
            .ok()
            .and_then(|s| scanned.get_mut(s))
        {
            Some(seen) if !*seen => *seen = true,
            _ => continue,
        }
        let base = (fat_sector as usize + 1) * sector_size;
        for j in 0..per_sector {
            let at = base + 4 * j;
            let Some(value) = word(at) else {
                continue;
            };
            let described = k.saturating_mul(per_sector).saturating_add(j);
            if described >= in_file {
                if value != FREE {
                    patch.set(at, FREE);
                    freed += 1;
                }
            } else if value < MAX_REGULAR_SECTOR
                && usize::try_from(value).is_ok_and(|s| s >= in_file)
            {
                patch.set(at, END_OF_CHAIN);
                cut_links += 1;
            }
        }
    }
    // The mini FAT's entries that point past what is left of it (or of the mini-stream it
    // describes) end their chain too.
    let fat_entry = |sector: u32| {
        let index = usize::try_from(sector).ok()?;
        let (_, fat_sector) = listed.get(index / per_sector)?;
        let base = usize::try_from(*fat_sector).ok()?.checked_add(1)? * sector_size;
        word(base + 4 * (index % per_sector))
    };
    let mut mini_fat_sectors = Vec::new();
    let mut sector = word(FIRST_MINI_FAT_SECTOR).unwrap_or(END_OF_CHAIN);
    while sector < MAX_REGULAR_SECTOR
        && usize::try_from(sector).is_ok_and(|s| s < in_file)
        && mini_fat_sectors.len() < in_file
    {
        mini_fat_sectors.push(sector);
        sector = fat_entry(sector).unwrap_or(END_OF_CHAIN);
    }
    let root_size = word(FIRST_DIRECTORY_SECTOR)
        .filter(|s| usize::try_from(*s).is_ok_and(|s| s < in_file))
        .and_then(|s| word((s as usize + 1) * sector_size + 0x78));
    let mini_entries =
        (mini_fat_sectors.len() * per_sector).min(root_size.map_or(usize::MAX, |size| {
            usize::try_from(size / 64).unwrap_or(usize::MAX)
        }));
    for (k, &mini_fat_sector) in mini_fat_sectors.iter().enumerate() {
        let base = (mini_fat_sector as usize + 1) * sector_size;
        for j in 0..per_sector {
            let at = base + 4 * j;
            let described = k.saturating_mul(per_sector).saturating_add(j);
            if described >= mini_entries {
                break;
            }
            if let Some(value) = word(at)
                && value < MAX_REGULAR_SECTOR
                && usize::try_from(value).is_ok_and(|v| v >= mini_entries)
            {
                patch.set(at, END_OF_CHAIN);
                cut_links += 1;
            }
        }
    }

    if freed > 0 {
        warnings.push(format!(
            "the compound file's allocation table describes sectors past the end of the file \
             ({freed} of them); they were taken as free"
        ));
    }
    if cut_links > 0 {
        warnings.push(format!(
            "chains of the compound file continue past the end of the file ({cut_links} of \
             them); they were cut there"
        ));
    }

    // The missing part of a short last sector: free FAT entries if it is a FAT sector
    // (those entries describe sectors past the end), zeros otherwise.
    let padding = if short == 0 {
        0
    } else {
        warnings.push(format!(
            "the file ends {short} bytes into its last {sector_size}-byte sector; the rest of \
             that sector was taken as empty"
        ));
        sector_size - short
    };
    let last = u32::try_from(in_file - 1).unwrap_or(u32::MAX);
    let last_is_table = listed.iter().any(|(_, s)| *s == last) || mini_fat_sectors.contains(&last);
    let fill = if last_is_table { 0xFF } else { 0 };
    let bytes = match (patch.copy, padding) {
        (None, 0) => {
            return Repaired {
                bytes: Cow::Borrowed(input),
                warnings,
            };
        }
        (Some(mut bytes), _) => {
            bytes.resize(input.len() + padding, fill);
            bytes
        }
        (None, _) => {
            let mut bytes = Vec::with_capacity(input.len() + padding);
            bytes.extend_from_slice(input);
            bytes.resize(input.len() + padding, fill);
            bytes
        }
    };
    Repaired {
        bytes: Cow::Owned(bytes),
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn compound() -> Vec<u8> {
        let created =
            cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()));
        let mut cfb = match created {
            Ok(c) => c,
            Err(e) => unreachable!("an in-memory compound file: {e}"),
        };
        let written = cfb
            .create_stream("/data")
            .and_then(|mut s| s.write_all(&[5u8; 20_000]));
        assert!(written.is_ok() && cfb.flush().is_ok());
        cfb.into_inner().into_inner()
    }

    fn set_u32(file: &mut [u8], at: usize, value: u32) {
        if let Some(slot) = file.get_mut(at..at + 4) {
            slot.copy_from_slice(&value.to_le_bytes());
        }
    }

    #[test]
    fn a_file_without_slack_is_not_copied() {
        let file = compound();
        let repaired = repair(&file);
        assert!(matches!(repaired.bytes, Cow::Borrowed(_)));
        assert!(repaired.warnings.is_empty(), "{:?}", repaired.warnings);
    }

    #[test]
    fn hostile_counts_and_loops_cost_one_copy_at_most() {
        let file = compound();
        let in_file = (file.len() / 512 - 1) as u32;
        let mut hostile = file.clone();
        // A header claiming every FAT sector there could be, a DIFAT chain that loops on
        // a sector of the file, and every header DIFAT slot naming a sector far past the end.
        set_u32(&mut hostile, NUM_FAT_SECTORS, u32::MAX);
        set_u32(&mut hostile, NUM_DIFAT_SECTORS, u32::MAX);
        set_u32(&mut hostile, FIRST_DIFAT_SECTOR, 2);
        for i in 1..HEADER_DIFAT_ENTRIES {
            set_u32(&mut hostile, HEADER_DIFAT + 4 * i, 0xFFFF_FFF0);
        }
        for i in 0..128 {
            set_u32(&mut hostile, 3 * 512 + 4 * i, 2);
        }
        hostile.truncate(hostile.len() - 3);
        let repaired = repair(&hostile);
        assert!(repaired.bytes.len() <= hostile.len() + 512);
        assert_eq!(repaired.bytes.len() % 512, 0);
        assert!(!repaired.warnings.is_empty());
        // The header now counts what is listed, and no slot names a sector past the end.
        let listed = (0..HEADER_DIFAT_ENTRIES)
            .filter_map(|i| u32_at(&repaired.bytes, HEADER_DIFAT + 4 * i))
            .filter(|s| *s < MAX_REGULAR_SECTOR)
            .collect::<Vec<_>>();
        assert!(listed.iter().all(|s| *s < in_file), "{listed:?}");
    }
}
