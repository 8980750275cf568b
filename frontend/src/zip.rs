//! A small ZIP writer: STORED entries (no compression), CRC-32, UTF-8 names. Enough to hand
//! several XML files over as one download without a compression library in the app's wasm.
//!
//! Layout per APPNOTE.TXT 6.3: a local header and the data per entry, then the central
//! directory, then the end-of-central-directory record. No ZIP64: an archive over 4 GiB or
//! with more than 65,535 entries is refused.

/// Why an archive could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZipError {
    /// More than 65,535 entries.
    TooManyEntries,
    /// An entry, a name or the whole archive exceeds the 32-bit sizes of plain ZIP.
    TooLarge,
}

impl std::fmt::Display for ZipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooManyEntries => f.write_str("too many files for one ZIP archive"),
            Self::TooLarge => f.write_str("the files are too large for one ZIP archive"),
        }
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as ZIP uses it.
pub fn crc32(data: &[u8]) -> u32 {
    // Built at compile time; `i < 256` bounds the index (`get_mut` is not usable in const).
    #[allow(clippy::indexing_slicing)]
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[i] = c;
            i += 1;
        }
        table
    };
    let mut crc = !0u32;
    for &byte in data {
        let index = usize::from((crc as u8) ^ byte);
        crc = TABLE.get(index).copied().unwrap_or_default() ^ (crc >> 8);
    }
    !crc
}

/// DOS date of 1980-01-01 and time 00:00: fixed, so the same files give the same archive.
const DOS_DATE: u16 = (1 << 5) | 1;
const DOS_TIME: u16 = 0;
/// Version 2.0 (the minimum that every unzip tool reads).
const VERSION: u16 = 20;
/// General purpose flag bit 11: names are UTF-8.
const UTF8_NAMES: u16 = 1 << 11;

/// Writes `entries` (name, content) as a ZIP archive with STORED entries.
pub fn write(entries: &[(&str, &[u8])]) -> Result<Vec<u8>, ZipError> {
    let count = u16::try_from(entries.len()).map_err(|_| ZipError::TooManyEntries)?;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = u32::try_from(out.len()).map_err(|_| ZipError::TooLarge)?;
        let name_len = u16::try_from(name.len()).map_err(|_| ZipError::TooLarge)?;
        let size = u32::try_from(data.len()).map_err(|_| ZipError::TooLarge)?;
        let crc = crc32(data);

        put32(&mut out, 0x0403_4b50);
        put16(&mut out, VERSION);
        put16(&mut out, UTF8_NAMES);
        put16(&mut out, 0); // method: stored
        put16(&mut out, DOS_TIME);
        put16(&mut out, DOS_DATE);
        put32(&mut out, crc);
        put32(&mut out, size); // compressed size
        put32(&mut out, size);
        put16(&mut out, name_len);
        put16(&mut out, 0); // extra field length
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        put32(&mut central, 0x0201_4b50);
        put16(&mut central, VERSION); // made by: MS-DOS, 2.0
        put16(&mut central, VERSION);
        put16(&mut central, UTF8_NAMES);
        put16(&mut central, 0);
        put16(&mut central, DOS_TIME);
        put16(&mut central, DOS_DATE);
        put32(&mut central, crc);
        put32(&mut central, size);
        put32(&mut central, size);
        put16(&mut central, name_len);
        put16(&mut central, 0); // extra
        put16(&mut central, 0); // comment
        put16(&mut central, 0); // disk number
        put16(&mut central, 0); // internal attributes
        put32(&mut central, 0); // external attributes
        put32(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = u32::try_from(out.len()).map_err(|_| ZipError::TooLarge)?;
    let central_size = u32::try_from(central.len()).map_err(|_| ZipError::TooLarge)?;
    out.extend_from_slice(&central);
    put32(&mut out, 0x0605_4b50);
    put16(&mut out, 0); // this disk
    put16(&mut out, 0); // disk with the central directory
    put16(&mut out, count);
    put16(&mut out, count);
    put32(&mut out, central_size);
    put32(&mut out, central_offset);
    put16(&mut out, 0); // comment length
    u32::try_from(out.len()).map_err(|_| ZipError::TooLarge)?;
    Ok(out)
}

/// Makes names unique within an archive: a repeated `plan.xml` becomes `plan (2).xml`.
pub fn unique_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for name in names {
        let mut candidate = name.to_string();
        let mut n = 2;
        while !seen.insert(candidate.to_lowercase()) {
            candidate = match name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem} ({n}).{ext}"),
                None => format!("{name} ({n})"),
            };
            n += 1;
        }
        out.push(candidate);
    }
    out
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16_at(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([b[at], b[at + 1]])
    }
    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    /// Walks the archive the way an unzip tool does: from the end record to the central
    /// directory to each local header, and reads every entry back.
    #[test]
    fn archive_reads_back_through_its_central_directory() {
        let entries: [(&str, &[u8]); 3] = [
            ("a.xml", b"<a/>"),
            ("cronograma é.xml", b"<b>\xc3\xa9</b>"),
            ("empty.xml", b""),
        ];
        let zip = write(&entries).unwrap();
        let end = zip.len() - 22;
        assert_eq!(u32_at(&zip, end), 0x0605_4b50);
        assert_eq!(u16_at(&zip, end + 10), 3);
        let mut at = u32_at(&zip, end + 16) as usize;
        for (name, data) in entries {
            assert_eq!(u32_at(&zip, at), 0x0201_4b50);
            assert_eq!(u16_at(&zip, at + 10), 0, "stored");
            let crc = u32_at(&zip, at + 16);
            let size = u32_at(&zip, at + 24) as usize;
            let name_len = u16_at(&zip, at + 28) as usize;
            let local = u32_at(&zip, at + 42) as usize;
            assert_eq!(&zip[at + 46..at + 46 + name_len], name.as_bytes());
            assert_eq!(u32_at(&zip, local), 0x0403_4b50);
            let local_name_len = u16_at(&zip, local + 26) as usize;
            let start = local + 30 + local_name_len + u16_at(&zip, local + 28) as usize;
            assert_eq!(&zip[start..start + size], data);
            assert_eq!(crc, crc32(data));
            at += 46 + name_len;
        }
        assert_eq!(at, end);
    }

    /// An independent reader agrees: Python's `zipfile` tests every CRC and lists the names.
    #[test]
    fn python_zipfile_accepts_the_archive() {
        let entries: [(&str, &[u8]); 2] = [("one.xml", b"<x>1</x>"), ("dois.xml", b"<x>2</x>")];
        let zip = write(&entries).unwrap();
        let path =
            std::env::temp_dir().join(format!("mpp2xml-zip-test-{}.zip", std::process::id()));
        std::fs::write(&path, &zip).unwrap();
        let script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(','.join(z.namelist()), z.read('dois.xml').decode())";
        let out = std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(&path)
            .output();
        let _ = std::fs::remove_file(&path);
        match out {
            Ok(out) => {
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                assert_eq!(
                    String::from_utf8_lossy(&out.stdout).trim(),
                    "one.xml,dois.xml <x>2</x>"
                );
            }
            Err(err) => eprintln!("python3 not available ({err}); skipped the cross-check"),
        }
    }

    #[test]
    fn repeated_names_get_numbered() {
        assert_eq!(
            unique_names(["plan.xml", "Plan.xml", "plan.xml", "x"]),
            ["plan.xml", "Plan (2).xml", "plan (3).xml", "x"]
        );
    }
}
