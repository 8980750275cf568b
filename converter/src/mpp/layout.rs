//! What differs between MPP generations and saving applications, as data. One `Layout` is
//! chosen per file from the `\1CompObj` format and application version; readers consult it
//! instead of branching on versions.

use crate::model::FileFormat;

/// The per-file layout facts.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Generation.
    pub format: FileFormat,
    /// Root properties stream (file flags).
    pub root_props: &'static str,
    /// Project storage.
    pub project_dir: &'static str,
    /// Calendar data Var2Data key (working week, exceptions).
    pub calendar_data_key: u16,
    /// Calendar list step: offsets of (calendar uid, base uid, resource uid) in a 12-byte step.
    pub calendar_step: [usize; 3],
    /// Meta item size of TBkndTask/FixedMeta.
    pub task_meta_size: usize,
    /// Meta item size of TBkndRsc/FixedMeta.
    pub resource_meta_size: usize,
    /// Meta item size of TBkndAssn/FixedMeta.
    pub assignment_meta_size: usize,
    /// Size of a null (blank) task record.
    pub null_task_size: usize,
    /// Relation record: offset of the lag and of its units code.
    pub relation_lag: (usize, usize),
    /// True for MPP14 files saved by Project 2013 or later (many bit positions moved).
    pub from_2013: bool,
    /// Resource rows and bit flags.
    pub resource: ResourceLayout,
    /// Assignment records and bit flags.
    pub assignment: AssignmentLayout,
    /// Where the custom Flag1–20 bits of each entity are.
    pub custom_flags: &'static CustomFlags,
    /// `TBkndOutlCode` value rows: offsets of (parent id in FixedData, lookup table GUID in
    /// Fixed2Data, value type in Fixed2Data).
    pub lookup_value: (usize, usize, usize),
}

/// A bit in a meta item: the `u32` (or what is left of it) at `byte`, tested with `mask`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetaBit {
    /// Byte offset in the meta item.
    pub byte: usize,
    /// Mask on the little-endian word read there.
    pub mask: u32,
}

impl MetaBit {
    const fn new(byte: usize, mask: u32) -> Self {
        Self { byte, mask }
    }

    /// True when the bit is set in `item`; bytes past the end of a short item read as 0.
    pub fn is_set(self, item: &[u8]) -> bool {
        let word = (0..4).fold(0u32, |acc, i| {
            let byte = item.get(self.byte + i).copied().unwrap_or(0);
            acc | u32::from(byte) << (8 * i)
        });
        word & self.mask != 0
    }
}

/// Where TBkndRsc keeps what the field map does not say.
#[derive(Debug, Clone, Copy)]
pub struct ResourceLayout {
    /// Candidate Fixed2Meta item sizes, first preferred; empty when the version's reader
    /// ignores Fixed2Meta/Fixed2Data (MPP9).
    pub meta2_sizes: &'static [usize],
    /// Row selection reads the unique id at the field map's Unique ID offset (MPP14) rather
    /// than at offset 0.
    pub uid_at_map_offset: bool,
    /// MPP9 skips deleted rows and lets a later row of a unique id win; later versions keep
    /// the first row.
    pub last_row_wins: bool,
    /// FixedMeta bit of a work resource.
    pub work: MetaBit,
    /// Fixed2Meta bit of a cost resource (a non-work resource without it is material).
    pub cost: Option<MetaBit>,
    /// Fixed2Meta bit of a budget resource.
    pub budget: Option<MetaBit>,
    /// Fixed2Meta bit of a generic resource, by Fixed2Meta item size (0 = any size).
    pub generic: &'static [(usize, MetaBit)],
    /// Fixed2Meta bit of an enterprise resource.
    pub enterprise: Option<MetaBit>,
}

/// Where TBkndAssn keeps what the field map does not say.
#[derive(Debug, Clone, Copy)]
pub struct AssignmentLayout {
    /// FixedData records all have this size (`None`: cut by FixedMeta offsets).
    pub record_size: Option<usize>,
    /// The fixed size is trusted only when it cuts as many records as FixedMeta has items
    /// (MPP9); otherwise records are cut by FixedMeta offsets.
    pub record_size_checked: bool,
    /// Fixed2Data record size (`None`: not read).
    pub record2_size: Option<usize>,
    /// Walk the FixedMeta item count written in the header rather than the items the
    /// stream has room for (MPP14).
    pub written_count: bool,
    /// FixedMeta bits: contoured work.
    pub contoured: MetaBit,
    /// FixedMeta bits: confirmed.
    pub confirmed: MetaBit,
    /// FixedMeta bits: response pending.
    pub response_pending: MetaBit,
    /// FixedMeta bits: linked fields.
    pub linked_fields: MetaBit,
}

impl ResourceLayout {
    fn new(format: FileFormat, from_2013: bool) -> Self {
        const GENERIC_2010: &[(usize, MetaBit)] = &[(0, MetaBit::new(32, 0x0400_0000))];
        const GENERIC_2013: &[(usize, MetaBit)] = &[
            (50, MetaBit::new(32, 0x1000_0000)),
            (51, MetaBit::new(32, 0x8000_0000)),
        ];
        match format {
            FileFormat::Mpp8 | FileFormat::Mpp9 => Self {
                meta2_sizes: &[],
                uid_at_map_offset: false,
                last_row_wins: true,
                work: MetaBit::new(9, 0x02),
                cost: None,
                budget: None,
                generic: &[],
                enterprise: None,
            },
            FileFormat::Mpp12 => Self {
                meta2_sizes: &[49],
                uid_at_map_offset: false,
                last_row_wins: false,
                work: MetaBit::new(9, 0x02),
                cost: Some(MetaBit::new(8, 0x10)),
                budget: Some(MetaBit::new(8, 0x20)),
                generic: GENERIC_2010,
                enterprise: Some(MetaBit::new(48, 0x10)),
            },
            FileFormat::Mpp14 => Self {
                meta2_sizes: &[50, 51],
                uid_at_map_offset: true,
                last_row_wins: false,
                work: if from_2013 {
                    MetaBit::new(12, 0x10)
                } else {
                    MetaBit::new(9, 0x02)
                },
                cost: Some(MetaBit::new(8, 0x10)),
                budget: Some(MetaBit::new(8, if from_2013 { 0x40 } else { 0x20 })),
                generic: if from_2013 {
                    GENERIC_2013
                } else {
                    GENERIC_2010
                },
                enterprise: Some(MetaBit::new(48, 0x20)),
            },
        }
    }
}

impl AssignmentLayout {
    fn new(format: FileFormat, from_2013: bool) -> Self {
        let (contoured, confirmed, response_pending, linked_fields) = if from_2013 {
            (
                MetaBit::new(8, 0x0004_0000),
                MetaBit::new(8, 0x0080_0000),
                MetaBit::new(8, 0x0100_0000),
                MetaBit::new(20, 0x0400),
            )
        } else {
            (
                MetaBit::new(8, 0x10),
                MetaBit::new(8, 0x80),
                MetaBit::new(8, 0x100),
                MetaBit::new(8, 0x08),
            )
        };
        let (record_size, record_size_checked, record2_size, written_count) = match format {
            FileFormat::Mpp8 | FileFormat::Mpp9 => (Some(142), true, None, false),
            FileFormat::Mpp12 => (None, false, Some(48), false),
            FileFormat::Mpp14 => (Some(110), false, Some(48), true),
        };
        Self {
            record_size,
            record_size_checked,
            record2_size,
            written_count,
            contoured,
            confirmed,
            response_pending,
            linked_fields,
        }
    }
}

/// Flag1 … Flag20 as (byte offset of a `u32` in the meta item, mask).
pub type FlagBits = [(u8, u32); 20];

/// The meta-item bits of the custom flags of one layout.
#[derive(Debug)]
pub struct CustomFlags {
    /// Task Flag1–20 in the FixedMeta item.
    pub task: FlagBits,
    /// Resource Flag1–20 in the FixedMeta item.
    pub resource: FlagBits,
    /// Assignment Flag1–20 in the FixedMeta item.
    pub assignment: FlagBits,
    /// Task Enterprise Flag1–20 in the Fixed2Meta item (MPP9 keeps them in Var2Data).
    pub task_enterprise: Option<FlagBits>,
    /// Resource Enterprise Flag1–20 in the Fixed2Meta item.
    pub resource_enterprise: Option<FlagBits>,
}

/// A run of flags: Flag `from` … Flag `to` (1-based) in the `u32` at `byte`, the first with
/// mask `first`, each next one bit higher.
type FlagRun = (usize, usize, u8, u32);

/// The bits of twenty flags given as runs.
#[allow(clippy::indexing_slicing)] // Evaluated at compile time: a bad index fails the build.
const fn flag_bits(runs: &[FlagRun]) -> FlagBits {
    let mut table = [(0u8, 0u32); 20];
    let mut r = 0;
    while r < runs.len() {
        let (from, to, byte, first) = runs[r];
        let mut n = from;
        while n <= to && n >= 1 && n <= 20 {
            table[n - 1] = (byte, first << (n - from));
            n += 1;
        }
        r += 1;
    }
    table
}

/// MPP9 and MPP12 (`MPP9Reader`, `MPP12Reader`, `ResourceAssignmentFactory`).
static FLAGS_12: CustomFlags = CustomFlags {
    task: flag_bits(&[(1, 20, 37, 0x20)]),
    resource: flag_bits(&[(1, 9, 28, 0x40), (10, 10, 28, 0x20), (11, 20, 28, 0x8000)]),
    assignment: flag_bits(&[(1, 9, 28, 0x80), (10, 10, 28, 0x40), (11, 20, 28, 0x1_0000)]),
    task_enterprise: Some(flag_bits(&[(1, 20, 59, 0x1)])),
    resource_enterprise: Some(flag_bits(&[(1, 20, 16, 0x10)])),
};

/// MPP9 keeps enterprise flags in Var2Data, not in meta items.
static FLAGS_9: CustomFlags = CustomFlags {
    task_enterprise: None,
    resource_enterprise: None,
    ..FLAGS_12
};

/// MPP14 saved by Project 2010. Task enterprise flags 6–9 repeat the masks of 2–5, as MPXJ
/// reads them (`MPP14Reader.processTaskEnterpriseColumns`).
static FLAGS_14_2010: CustomFlags = CustomFlags {
    task: flag_bits(&[(1, 20, 35, 0x40)]),
    resource: FLAGS_12.resource,
    assignment: flag_bits(&[(1, 9, 28, 0x4), (10, 10, 28, 0x2), (11, 20, 28, 0x800)]),
    task_enterprise: Some(flag_bits(&[
        (1, 5, 29, 0x800),
        (6, 10, 29, 0x1000),
        (11, 20, 29, 0x2_0000),
    ])),
    resource_enterprise: Some(flag_bits(&[(1, 20, 16, 0x10)])),
};

/// MPP14 saved by Project 2013 and later.
static FLAGS_14_2013: CustomFlags = CustomFlags {
    task: flag_bits(&[(1, 10, 24, 0x2), (11, 20, 33, 0x2)]),
    resource: flag_bits(&[(1, 9, 19, 0x80), (10, 10, 19, 0x40), (11, 20, 24, 0x80)]),
    assignment: flag_bits(&[(1, 9, 20, 0x2), (10, 10, 20, 0x1), (11, 20, 25, 0x8)]),
    ..FLAGS_14_2010
};

impl Layout {
    /// The layout of a file of `format` saved by application version `app_version`.
    pub fn new(format: FileFormat, app_version: u16) -> Self {
        let from_2013 = format == FileFormat::Mpp14 && app_version >= 15;
        let (root_props, project_dir) = match format {
            FileFormat::Mpp8 => ("/Props", "/   1"),
            FileFormat::Mpp9 => ("/Props9", "/   19"),
            FileFormat::Mpp12 => ("/Props12", "/   112"),
            FileFormat::Mpp14 => ("/Props14", "/   114"),
        };
        Self {
            format,
            root_props,
            project_dir,
            calendar_data_key: if format == FileFormat::Mpp9 { 3 } else { 8 },
            calendar_step: if from_2013 { [8, 0, 4] } else { [0, 4, 8] },
            task_meta_size: 47,
            resource_meta_size: 37,
            assignment_meta_size: 34,
            null_task_size: if format == FileFormat::Mpp9 { 8 } else { 16 },
            relation_lag: if from_2013 { (14, 18) } else { (16, 14) },
            from_2013,
            resource: ResourceLayout::new(format, from_2013),
            assignment: AssignmentLayout::new(format, from_2013),
            custom_flags: match format {
                FileFormat::Mpp8 | FileFormat::Mpp9 => &FLAGS_9,
                FileFormat::Mpp12 => &FLAGS_12,
                FileFormat::Mpp14 if from_2013 => &FLAGS_14_2013,
                FileFormat::Mpp14 => &FLAGS_14_2010,
            },
            lookup_value: match format {
                FileFormat::Mpp14 if from_2013 => (10, 18, 16),
                FileFormat::Mpp14 => (8, 16, 32),
                _ => (8, 32, 48),
            },
        }
    }

    /// Path of an entry inside the project storage.
    pub fn path(&self, rest: &str) -> String {
        format!("{}/{}", self.project_dir, rest)
    }
}
