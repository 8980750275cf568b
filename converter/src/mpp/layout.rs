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
        }
    }

    /// Path of an entry inside the project storage.
    pub fn path(&self, rest: &str) -> String {
        format!("{}/{}", self.project_dir, rest)
    }
}
