//! What differs between MPP generations and saving applications, as data. One `Layout` is
//! chosen per file from the `\1CompObj` format and application version; readers consult it
//! instead of branching on versions.

use crate::model::FileFormat;

/// The per-file layout facts.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Generation.
    pub format: FileFormat,
    /// Saving application's major version (9, 12, 14, 15, 16).
    pub app_version: u16,
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
            app_version,
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
        }
    }

    /// Path of an entry inside the project storage.
    pub fn path(&self, rest: &str) -> String {
        format!("{}/{}", self.project_dir, rest)
    }
}
