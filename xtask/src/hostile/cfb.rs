//! A minimal OLE2 compound file (CFB) reader and writer, enough to take an `.mpp` apart into
//! its streams, change some and write a valid file again (version 3, 512-byte sectors,
//! streams under 4096 bytes in the mini stream, DIFAT sectors for files over ~7 MB).
//!
//! The same idea as `Entries` in `converter/tests/support/mod.rs`, without the `cfb` crate:
//! the xtask stays std only.

use super::bytes::{put, put_u16, put_u32, u16_at, u32_at};

const SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const SECTOR: usize = 512;
const MINI: usize = 64;
const CUTOFF: usize = 4096;
const FREE: u32 = 0xFFFF_FFFF;
const END: u32 = 0xFFFF_FFFE;
const FATSECT: u32 = 0xFFFF_FFFD;
const DIFSECT: u32 = 0xFFFF_FFFC;
const NONE: u32 = 0xFFFF_FFFF;
const HEADER_DIFAT: usize = 109;

/// One storage or stream, by its path (`   114/TBkndTask/VarMeta`).
#[derive(Debug, Clone)]
pub struct Entry {
    /// Names from the root, joined by `/`.
    pub path: String,
    /// A storage (folder) rather than a stream.
    pub storage: bool,
    /// The entry's class id.
    pub clsid: [u8; 16],
    /// A stream's bytes (empty for storages).
    pub data: Vec<u8>,
}

/// The entries of a compound file, parents before children.
#[derive(Debug, Clone, Default)]
pub struct Compound {
    /// The root storage's class id.
    pub root_clsid: [u8; 16],
    /// Every storage and stream.
    pub entries: Vec<Entry>,
}

/// Where a file's directory entries are, for patching a written file in place.
pub struct DirEntryAt {
    /// File offset of the 128-byte entry.
    pub offset: usize,
    /// Object type: 1 storage, 2 stream, 5 root.
    pub kind: u8,
    /// First sector.
    pub start: u32,
    /// Stream size.
    pub size: u32,
}

struct Raw<'a> {
    bytes: &'a [u8],
    sector: usize,
    fat: Vec<u32>,
}

impl Raw<'_> {
    fn sector_data(&self, id: u32) -> Option<&[u8]> {
        let at = (id as usize).checked_add(1)?.checked_mul(self.sector)?;
        let end = at.checked_add(self.sector)?;
        match self.bytes.get(at..end) {
            Some(s) => Some(s),
            // The last sector of a file may be short.
            None => self.bytes.get(at..),
        }
    }

    /// The sectors of a chain, stopping at a loop or a bad link.
    fn chain(&self, start: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut id = start;
        while (id as usize) < self.fat.len() && out.len() <= self.fat.len() {
            out.push(id);
            id = self.fat.get(id as usize).copied().unwrap_or(END);
        }
        out
    }

    fn read_chain(&self, start: u32, size: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for id in self.chain(start) {
            if out.len() >= size {
                break;
            }
            if let Some(data) = self.sector_data(id) {
                out.extend_from_slice(data);
            }
        }
        out.truncate(size);
        out
    }
}

fn parse_raw(bytes: &[u8]) -> Result<(Raw<'_>, Vec<u32>), String> {
    if bytes.get(..8) != Some(&SIGNATURE[..]) {
        return Err("not a compound file".to_owned());
    }
    let shift = u16_at(bytes, 30).ok_or("short header")?;
    if !(9..=12).contains(&shift) {
        return Err(format!("sector shift {shift}"));
    }
    let sector = 1usize << shift;
    let mut difat: Vec<u32> = (0..HEADER_DIFAT)
        .filter_map(|i| u32_at(bytes, 76 + 4 * i))
        .collect();
    let mut raw = Raw {
        bytes,
        sector,
        fat: Vec::new(),
    };
    let mut next = u32_at(bytes, 68).unwrap_or(END);
    let mut guard = 0;
    while next < DIFSECT && guard < 100_000 {
        guard += 1;
        let Some(data) = raw.sector_data(next) else {
            break;
        };
        let per = sector / 4 - 1;
        difat.extend((0..per).filter_map(|i| u32_at(data, 4 * i)));
        next = u32_at(data, 4 * per).unwrap_or(END);
    }
    let mut fat = Vec::new();
    for id in difat.iter().copied().filter(|&id| id < DIFSECT) {
        if let Some(data) = raw.sector_data(id) {
            fat.extend((0..data.len() / 4).filter_map(|i| u32_at(data, 4 * i)));
        }
    }
    raw.fat = fat;
    let dir_start = u32_at(bytes, 48).unwrap_or(END);
    let dir_sectors = raw.chain(dir_start);
    Ok((raw, dir_sectors))
}

impl Compound {
    /// Reads every storage and stream of `bytes`.
    pub fn read(bytes: &[u8]) -> Result<Self, String> {
        let (raw, dir_sectors) = parse_raw(bytes)?;
        let dir: Vec<u8> = dir_sectors
            .iter()
            .filter_map(|&id| raw.sector_data(id))
            .flatten()
            .copied()
            .collect();
        let entry = |i: u32| dir.get(i as usize * 128..i as usize * 128 + 128);
        let root = entry(0).ok_or("no root entry")?;
        let cutoff = u32_at(bytes, 56).unwrap_or(CUTOFF as u32) as usize;
        let mini_stream = raw.read_chain(
            u32_at(root, 116).unwrap_or(END),
            u32_at(root, 120).unwrap_or(0) as usize,
        );
        let mut minifat = Vec::new();
        let minifat_bytes = raw.read_chain(u32_at(bytes, 60).unwrap_or(END), usize::MAX);
        minifat.extend((0..minifat_bytes.len() / 4).filter_map(|i| u32_at(&minifat_bytes, 4 * i)));
        let read_mini = |start: u32, size: usize| {
            let mut out = Vec::new();
            let mut id = start;
            let mut steps = 0;
            while (id as usize) < minifat.len() && out.len() < size && steps <= minifat.len() {
                steps += 1;
                let at = id as usize * MINI;
                if let Some(chunk) = mini_stream.get(at..(at + MINI).min(mini_stream.len())) {
                    out.extend_from_slice(chunk);
                }
                id = minifat.get(id as usize).copied().unwrap_or(END);
            }
            out.truncate(size);
            out
        };
        let mut compound = Self {
            root_clsid: clsid(root),
            entries: Vec::new(),
        };
        // Walk the tree: (entry index, parent path), siblings and children.
        let mut seen = vec![false; dir.len() / 128];
        let mut stack = vec![(u32_at(root, 76).unwrap_or(NONE), String::new())];
        while let Some((id, parent)) = stack.pop() {
            let Some(e) = entry(id) else { continue };
            match seen.get_mut(id as usize) {
                Some(s) if !*s => *s = true,
                _ => continue,
            }
            for sibling in [u32_at(e, 68), u32_at(e, 72)].into_iter().flatten() {
                stack.push((sibling, parent.clone()));
            }
            let len = (u16_at(e, 64).unwrap_or(0) as usize / 2)
                .saturating_sub(1)
                .min(31);
            let name: Vec<u16> = (0..len).filter_map(|i| u16_at(e, 2 * i)).collect();
            let name = String::from_utf16_lossy(&name);
            let path = if parent.is_empty() {
                name
            } else {
                format!("{parent}/{name}")
            };
            let kind = e.get(66).copied().unwrap_or(0);
            let storage = kind == 1;
            let data = if kind == 2 {
                let size = u32_at(e, 120).unwrap_or(0) as usize;
                let start = u32_at(e, 116).unwrap_or(END);
                if size < cutoff {
                    read_mini(start, size)
                } else {
                    raw.read_chain(start, size)
                }
            } else {
                Vec::new()
            };
            if storage {
                stack.push((u32_at(e, 76).unwrap_or(NONE), path.clone()));
            }
            compound.entries.push(Entry {
                path,
                storage,
                clsid: clsid(e),
                data,
            });
        }
        // Parents before children, as the writer wants them.
        compound.entries.sort_by(|a, b| {
            depth(&a.path)
                .cmp(&depth(&b.path))
                .then(a.path.cmp(&b.path))
        });
        Ok(compound)
    }

    /// A stream's bytes.
    pub fn stream(&self, path: &str) -> Option<&Vec<u8>> {
        self.entries
            .iter()
            .find(|e| !e.storage && e.path == path)
            .map(|e| &e.data)
    }

    /// A stream's bytes, to change.
    pub fn stream_mut(&mut self, path: &str) -> Option<&mut Vec<u8>> {
        self.entries
            .iter_mut()
            .find(|e| !e.storage && e.path == path)
            .map(|e| &mut e.data)
    }

    /// Writes the compound file.
    pub fn write(&self) -> Vec<u8> {
        // Directory: root first, then the entries in order.
        let count = self.entries.len() + 1;
        let parent_of = |path: &str| -> usize {
            match path.rsplit_once('/') {
                None => 0,
                Some((parent, _)) => self
                    .entries
                    .iter()
                    .position(|e| e.storage && e.path == parent)
                    .map_or(0, |i| i + 1),
            }
        };
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); count];
        for (i, e) in self.entries.iter().enumerate() {
            if let Some(list) = children.get_mut(parent_of(&e.path)) {
                list.push(i + 1);
            }
        }
        let name_of = |i: usize| -> Vec<u16> {
            let name = match i.checked_sub(1).and_then(|i| self.entries.get(i)) {
                None => "Root Entry",
                Some(e) => e.path.rsplit('/').next().unwrap_or(""),
            };
            name.encode_utf16().take(31).collect()
        };
        // (left, right, child) per entry.
        let mut links = vec![(NONE, NONE, NONE); count];
        for (parent, kids) in children.iter_mut().enumerate() {
            kids.sort_by(|&a, &b| compare_names(&name_of(a), &name_of(b)));
            let top = balance(kids, &mut links);
            if let Some(l) = links.get_mut(parent) {
                l.2 = top;
            }
        }

        // Sector layout: big streams, mini stream, mini FAT, directory, FAT, DIFAT.
        let mut sectors: Vec<u8> = Vec::new();
        let mut fat: Vec<u32> = Vec::new();
        let mut starts = vec![END; count];
        let mut mini_stream: Vec<u8> = Vec::new();
        let mut minifat: Vec<u32> = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if e.storage || e.data.is_empty() {
                continue;
            }
            let start = if e.data.len() >= CUTOFF {
                place(&e.data, &mut sectors, &mut fat)
            } else {
                let first = minifat.len() as u32;
                let n = e.data.len().div_ceil(MINI);
                for k in 0..n {
                    minifat.push(if k + 1 == n {
                        END
                    } else {
                        first + k as u32 + 1
                    });
                }
                mini_stream.extend_from_slice(&e.data);
                mini_stream.resize(minifat.len() * MINI, 0);
                first
            };
            if let Some(s) = starts.get_mut(i + 1) {
                *s = start;
            }
        }
        let root_start = place(&mini_stream, &mut sectors, &mut fat);
        if let Some(s) = starts.first_mut() {
            *s = root_start;
        }
        let minifat_bytes: Vec<u8> = minifat.iter().flat_map(|v| v.to_le_bytes()).collect();
        let minifat_start = if minifat_bytes.is_empty() {
            END
        } else {
            place(&minifat_bytes, &mut sectors, &mut fat)
        };
        let minifat_sectors = minifat_bytes.len().div_ceil(SECTOR);

        let mut dir = vec![0u8; count.div_ceil(4) * 4 * 128];
        for i in 0..count {
            let at = i * 128;
            let name = name_of(i);
            for (k, c) in name.iter().enumerate() {
                put_u16(&mut dir, at + 2 * k, *c);
            }
            put_u16(&mut dir, at + 64, (name.len() as u16 + 1) * 2);
            let (kind, clsid, size) = match i.checked_sub(1).and_then(|i| self.entries.get(i)) {
                None => (5u8, self.root_clsid, mini_stream.len()),
                Some(e) if e.storage => (1, e.clsid, 0),
                Some(e) => (2, e.clsid, e.data.len()),
            };
            put(&mut dir, at + 66, &[kind, 1]);
            let (left, right, child) = links.get(i).copied().unwrap_or((NONE, NONE, NONE));
            put_u32(&mut dir, at + 68, left);
            put_u32(&mut dir, at + 72, right);
            put_u32(&mut dir, at + 76, child);
            put(&mut dir, at + 80, &clsid);
            let start = if kind == 1 {
                0
            } else {
                starts.get(i).copied().unwrap_or(END)
            };
            put_u32(&mut dir, at + 116, start);
            put_u32(&mut dir, at + 120, size as u32);
        }
        // Unused directory slots: empty entries with no siblings.
        for i in count..dir.len() / 128 {
            put_u32(&mut dir, i * 128 + 68, NONE);
            put_u32(&mut dir, i * 128 + 72, NONE);
            put_u32(&mut dir, i * 128 + 76, NONE);
        }
        let dir_start = place(&dir, &mut sectors, &mut fat);

        // FAT and DIFAT sectors: enough for every sector including themselves.
        let per_fat = SECTOR / 4;
        let per_difat = per_fat - 1;
        let data_sectors = fat.len();
        let (mut n_fat, mut n_difat) = (0usize, 0usize);
        loop {
            let need = (data_sectors + n_fat + n_difat).div_ceil(per_fat);
            let difat_need = need.saturating_sub(HEADER_DIFAT).div_ceil(per_difat);
            if need == n_fat && difat_need == n_difat {
                break;
            }
            (n_fat, n_difat) = (need, difat_need);
        }
        let fat_first = data_sectors as u32;
        fat.extend(std::iter::repeat_n(FATSECT, n_fat));
        let difat_first = fat.len() as u32;
        fat.extend(std::iter::repeat_n(DIFSECT, n_difat));
        fat.resize(n_fat * per_fat, FREE);
        let fat_bytes: Vec<u8> = fat.iter().flat_map(|v| v.to_le_bytes()).collect();
        sectors.extend_from_slice(&fat_bytes);
        let fat_ids: Vec<u32> = (0..n_fat as u32).map(|k| fat_first + k).collect();
        for d in 0..n_difat {
            let mut block = vec![0xFFu8; SECTOR];
            let from = HEADER_DIFAT + d * per_difat;
            for (k, id) in fat_ids.iter().skip(from).take(per_difat).enumerate() {
                put_u32(&mut block, 4 * k, *id);
            }
            let next = if d + 1 == n_difat {
                END
            } else {
                difat_first + d as u32 + 1
            };
            put_u32(&mut block, 4 * per_difat, next);
            sectors.extend_from_slice(&block);
        }

        let mut header = vec![0u8; SECTOR];
        put(&mut header, 0, &SIGNATURE);
        put_u16(&mut header, 24, 0x3E);
        put_u16(&mut header, 26, 3);
        put_u16(&mut header, 28, 0xFFFE);
        put_u16(&mut header, 30, 9);
        put_u16(&mut header, 32, 6);
        put_u32(&mut header, 44, n_fat as u32);
        put_u32(&mut header, 48, dir_start);
        put_u32(&mut header, 56, CUTOFF as u32);
        put_u32(&mut header, 60, minifat_start);
        put_u32(&mut header, 64, minifat_sectors as u32);
        put_u32(
            &mut header,
            68,
            if n_difat == 0 { END } else { difat_first },
        );
        put_u32(&mut header, 72, n_difat as u32);
        for k in 0..HEADER_DIFAT {
            let id = fat_ids.get(k).copied().unwrap_or(FREE);
            put_u32(&mut header, 76 + 4 * k, id);
        }
        header.extend_from_slice(&sectors);
        header
    }
}

/// Appends `data` as a chain of whole sectors; returns its first sector.
fn place(data: &[u8], sectors: &mut Vec<u8>, fat: &mut Vec<u32>) -> u32 {
    if data.is_empty() {
        return END;
    }
    let first = fat.len() as u32;
    let n = data.len().div_ceil(SECTOR);
    for k in 0..n {
        fat.push(if k + 1 == n {
            END
        } else {
            first + k as u32 + 1
        });
    }
    sectors.extend_from_slice(data);
    sectors.resize(fat.len() * SECTOR, 0);
    first
}

/// The directory entries of a file, for patching in place (`shared-sector-chain`).
pub fn dir_entries(bytes: &[u8]) -> Result<Vec<DirEntryAt>, String> {
    let (raw, dir_sectors) = parse_raw(bytes)?;
    let mut out = Vec::new();
    for id in dir_sectors {
        let base = (id as usize + 1) * raw.sector;
        for k in 0..raw.sector / 128 {
            let offset = base + k * 128;
            let Some(e) = bytes.get(offset..offset + 128) else {
                continue;
            };
            out.push(DirEntryAt {
                offset,
                kind: e.get(66).copied().unwrap_or(0),
                start: u32_at(e, 116).unwrap_or(END),
                size: u32_at(e, 120).unwrap_or(0),
            });
        }
    }
    Ok(out)
}

fn clsid(entry: &[u8]) -> [u8; 16] {
    entry
        .get(80..96)
        .and_then(|s| s.try_into().ok())
        .unwrap_or([0; 16])
}

fn depth(path: &str) -> usize {
    path.matches('/').count()
}

/// CFB order of sibling names: shorter first, then by upper-cased code units.
fn compare_names(a: &[u16], b: &[u16]) -> std::cmp::Ordering {
    let upper = |c: &u16| {
        if (u16::from(b'a')..=u16::from(b'z')).contains(c) {
            c - 32
        } else {
            *c
        }
    };
    a.len()
        .cmp(&b.len())
        .then_with(|| a.iter().map(upper).cmp(b.iter().map(upper)))
}

/// Links sorted siblings into a balanced tree; returns its top.
fn balance(sorted: &[usize], links: &mut [(u32, u32, u32)]) -> u32 {
    if sorted.is_empty() {
        return NONE;
    }
    let mid = sorted.len() / 2;
    let left = balance(sorted.get(..mid).unwrap_or_default(), links);
    let right = balance(sorted.get(mid + 1..).unwrap_or_default(), links);
    let top = sorted.get(mid).copied().unwrap_or(0);
    if let Some(l) = links.get_mut(top) {
        l.0 = left;
        l.1 = right;
    }
    top as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(big: usize) -> Compound {
        let entry = |path: &str, storage: bool, data: Vec<u8>| Entry {
            path: path.to_owned(),
            storage,
            clsid: [0; 16],
            data,
        };
        Compound {
            root_clsid: [7; 16],
            entries: vec![
                entry("\u{1}CompObj", false, b"small".to_vec()),
                entry("   114", true, Vec::new()),
                entry("   114/TBkndTask", true, Vec::new()),
                entry(
                    "   114/Props",
                    false,
                    (0..5000u32).map(|i| i as u8).collect(),
                ),
                entry("   114/TBkndTask/VarMeta", false, vec![3; 100]),
                entry("   114/TBkndTask/Var2Data", false, vec![9; big]),
            ],
        }
    }

    #[test]
    fn a_written_file_reads_back_the_same() {
        for big in [10, 5000, 9_000_000] {
            let original = sample(big);
            let bytes = original.write();
            let read = Compound::read(&bytes).unwrap();
            assert_eq!(read.root_clsid, [7; 16]);
            assert_eq!(read.entries.len(), original.entries.len());
            for e in &original.entries {
                if !e.storage {
                    assert_eq!(read.stream(&e.path), Some(&e.data), "{}", e.path);
                }
            }
        }
    }
}
