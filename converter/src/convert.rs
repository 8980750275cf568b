//! The facade every shell (command line, web worker, server) calls, so a file converts to
//! the same bytes everywhere.

use crate::error::ConvertError;
use crate::model::{FileFormat, Project};
use crate::{mpp, mspdi};

/// Bounds on what one conversion may consume; hostile files cannot exceed them.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest input accepted, in bytes.
    pub max_input_bytes: usize,
    /// Most rows read per entity (tasks, resources, assignments, calendars).
    pub max_records: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_bytes: 512 * 1024 * 1024,
            max_records: 1_000_000,
        }
    }
}

/// Stages reported to a progress callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Opening the container and detecting the version.
    Container,
    /// Project properties.
    Properties,
    /// Calendars.
    Calendars,
    /// Custom field definitions and lookup tables.
    CustomFields,
    /// Resources.
    Resources,
    /// Tasks.
    Tasks,
    /// Predecessor links.
    Relations,
    /// Assignments.
    Assignments,
    /// Writing the XML.
    Writing,
    /// Finished.
    Done,
}

impl Stage {
    /// A short English name, for progress displays.
    pub fn name(self) -> &'static str {
        match self {
            Self::Container => "container",
            Self::Properties => "properties",
            Self::Calendars => "calendars",
            Self::CustomFields => "custom fields",
            Self::Resources => "resources",
            Self::Tasks => "tasks",
            Self::Relations => "links",
            Self::Assignments => "assignments",
            Self::Writing => "writing",
            Self::Done => "done",
        }
    }
}

/// How to convert.
#[derive(Default)]
pub struct Options<'p> {
    /// Resource limits.
    pub limits: Limits,
    /// Called with each stage and the overall fraction done (0.0–1.0).
    pub progress: Option<&'p mut dyn FnMut(Stage, f32)>,
}

/// What was read, in numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// MPP generation of the input.
    pub format: FileFormat,
    /// True when the input was a template (`.mpt`).
    pub template: bool,
    /// The application that saved the input.
    pub application: String,
    /// Tasks read (including the project summary task).
    pub tasks: usize,
    /// Resources read.
    pub resources: usize,
    /// Assignments read.
    pub assignments: usize,
    /// Calendars read.
    pub calendars: usize,
}

impl Summary {
    /// The summary of a project read with [`read_project`], for callers that keep the model
    /// (the browser worker builds its preview from it).
    pub fn of(project: &Project) -> Self {
        let props = &project.properties;
        Self {
            format: props.file_format.unwrap_or(FileFormat::Mpp14),
            template: props.template,
            application: props.application.clone().unwrap_or_default(),
            tasks: project.tasks.len(),
            resources: project.resources.len(),
            assignments: project.assignments.len(),
            calendars: project.calendars.len(),
        }
    }
}

/// The result of a conversion.
#[derive(Debug, Clone)]
pub struct Conversion {
    /// The MSPDI document, UTF-8.
    pub xml: Vec<u8>,
    /// What was read.
    pub summary: Summary,
    /// Problems that did not stop the conversion.
    pub warnings: Vec<String>,
}

/// Reads an `.mpp`/`.mpt` file into the project model, with the warnings found on the way.
pub fn read_project(
    input: &[u8],
    options: &mut Options<'_>,
) -> Result<(Project, Vec<String>), ConvertError> {
    let mut ignore = |_: Stage, _: f32| {};
    let progress: &mut dyn FnMut(Stage, f32) = match options.progress.as_deref_mut() {
        Some(p) => p,
        None => &mut ignore,
    };
    mpp::read(input, &options.limits, progress)
}

/// Writes the project as MSPDI XML.
pub fn write_mspdi(project: &Project) -> Result<Vec<u8>, ConvertError> {
    mspdi::write(project)
}

/// Converts an `.mpp`/`.mpt` file to MSPDI XML.
pub fn convert(input: &[u8], options: &mut Options<'_>) -> Result<Conversion, ConvertError> {
    let (project, warnings) = read_project(input, options)?;
    if let Some(p) = options.progress.as_deref_mut() {
        p(Stage::Writing, 0.9);
    }
    let xml = write_mspdi(&project)?;
    if let Some(p) = options.progress.as_deref_mut() {
        p(Stage::Done, 1.0);
    }
    Ok(Conversion {
        xml,
        summary: Summary::of(&project),
        warnings,
    })
}
