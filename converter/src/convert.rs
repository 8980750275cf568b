//! The facade every shell (command line, web worker, server) calls, so a file converts to
//! the same bytes everywhere.

use crate::budget::{Allowance, Budget, CancelToken, Usage};
use crate::error::ConvertError;
use crate::export::{self, ExportOptions, Format};
use crate::model::{FileFormat, Project};
use crate::{derive, mpp, mspdi};
use std::io::Write;

/// Bounds on what one conversion may consume; hostile files cannot exceed them.
///
/// The budgets grow with the input, so a real project of any size fits: on the 462 files of
/// the test corpus that convert (measured with `mpp2xml --usage`), the largest ratios are
/// far below them: model memory 1.44 × the input and 470 KB at most (the `memory`
/// allowance is 24 MiB + 3 ×), XML 4.11 × with timephased data (the `output` allowance is
/// 15 MiB + 15 ×), work 0.03 unit per input byte and 4,730 units at most (the `work`
/// allowance is 8 million + 4 per byte). With them, a conversion's peak memory stays under
/// 8 × the input + 64 MB (the input, its streams, the model and the writer's buffer). A
/// crafted file that asks for more stops with [`ConvertError::MemoryBudget`],
/// [`ConvertError::WorkBudget`] or [`ConvertError::OutputTooLarge`] instead of exhausting
/// the machine.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest input accepted, in bytes.
    pub max_input_bytes: usize,
    /// Most rows read per entity (tasks, resources, assignments, calendars).
    pub max_records: usize,
    /// Memory the project model may take, in bytes: strings, rows and lists built from the
    /// file (not the input itself).
    pub memory: Allowance,
    /// Work units: one per record, item, day or occurrence visited in a loop whose length
    /// the file chooses.
    pub work: Allowance,
    /// Bytes of XML.
    pub output: Allowance,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_bytes: 512 * 1024 * 1024,
            max_records: 1_000_000,
            memory: Allowance::new(24 << 20, 3),
            work: Allowance::new(8_000_000, 4),
            output: Allowance::new(15 << 20, 15),
        }
    }
}

impl Limits {
    /// Limits with every budget unbounded, for inputs the caller trusts (and for measuring
    /// what real files spend).
    pub fn unbounded() -> Self {
        let none = Allowance::new(u64::MAX, 0);
        Self {
            memory: none,
            work: none,
            output: none,
            ..Self::default()
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
    /// Stops the conversion early when cancelled from another thread.
    pub cancel: Option<CancelToken>,
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
    /// Assignments of a resource to a task. The "no resource" assignments MSPDI keeps for
    /// tasks without one (stored by some versions, made for the others) are not counted: a
    /// user counts what the plan assigns, as the viewer's resource sheet shows it.
    pub assignments: usize,
    /// Calendars read.
    pub calendars: usize,
}

/// The resource unique id of an assignment without a resource.
const NO_RESOURCE: i32 = -65535;

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
            assignments: project
                .assignments
                .iter()
                .filter(|a| a.resource_uid != NO_RESOURCE)
                .count(),
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
    /// What the conversion spent of its budgets.
    pub usage: Usage,
}

/// A project read from a file. Writing it draws on what is left of the budgets reading
/// started, so the XML of a hostile file is bounded like its model.
#[derive(Debug)]
pub struct ReadProject {
    /// The model.
    pub project: Project,
    /// Problems that did not stop the reading.
    pub warnings: Vec<String>,
    budget: Budget,
    output_limit: u64,
}

impl ReadProject {
    /// Writes the MSPDI document into memory.
    pub fn write_mspdi(&self) -> Result<Vec<u8>, ConvertError> {
        mspdi::write_to_vec(&self.project, self.output_limit, &self.budget)
    }

    /// Writes the MSPDI document to `dest` as it goes (a file needs no copy in memory);
    /// the number of bytes written. On an error `dest` holds a partial document.
    pub fn write_mspdi_to(&self, dest: &mut dyn Write) -> Result<u64, ConvertError> {
        mspdi::write(&self.project, dest, self.output_limit, &self.budget)
    }

    /// Writes the project in `format` into memory, under the same output allowance as the
    /// XML: the one entry point the command line, the server and the worker share, so the
    /// same file gives the same bytes everywhere.
    pub fn export(&self, format: Format, options: &ExportOptions) -> Result<Vec<u8>, ConvertError> {
        self.budget.check()?;
        match format {
            Format::Xml => self.write_mspdi(),
            Format::Xlsx => export::xlsx::write(&self.project, self.output_limit),
            Format::Csv => {
                export::csv::zip(&self.project, options.csv_delimiter, self.output_limit)
            }
            Format::Json => export::json::write(&self.project, self.output_limit),
        }
    }

    /// Writes one CSV table of the project, for callers that want a single file rather than
    /// the ZIP of all tables.
    pub fn export_csv_table(
        &self,
        table: export::csv::Table,
        options: &ExportOptions,
    ) -> Result<Vec<u8>, ConvertError> {
        self.budget.check()?;
        export::csv::table(
            &self.project,
            table,
            options.csv_delimiter,
            self.output_limit,
        )
    }

    /// What was read, in numbers.
    pub fn summary(&self) -> Summary {
        Summary::of(&self.project)
    }

    /// What reading (and any writing so far) spent of the budgets.
    pub fn usage(&self) -> Usage {
        self.budget.usage()
    }
}

/// Reads an `.mpp`/`.mpt` file into the project model, with the warnings found on the way.
pub fn read_project(input: &[u8], options: &mut Options<'_>) -> Result<ReadProject, ConvertError> {
    let limits = options.limits;
    let budget = Budget::new(
        limits.memory.for_input(input.len()),
        limits.work.for_input(input.len()),
        options.cancel.clone(),
    );
    let mut ignore = |_: Stage, _: f32| {};
    let progress: &mut dyn FnMut(Stage, f32) = match options.progress.as_deref_mut() {
        Some(p) => p,
        None => &mut ignore,
    };
    let mut reading = mpp::read(input, &limits, progress, budget)?;
    reading.budget.check()?;
    derive::derive(&mut reading.project);
    Ok(ReadProject {
        project: reading.project,
        warnings: reading.warnings,
        budget: reading.budget,
        output_limit: limits.output.for_input(input.len()),
    })
}

/// Writes a project a program built as MSPDI XML. Such a model is trusted: no budget but
/// the memory the XML takes. (A model read from a file is written with
/// [`ReadProject::write_mspdi`], under its file's budgets.)
pub fn write_mspdi(project: &Project) -> Result<Vec<u8>, ConvertError> {
    mspdi::write_to_vec(project, u64::MAX, &Budget::unlimited())
}

/// Converts an `.mpp`/`.mpt` file to MSPDI XML.
pub fn convert(input: &[u8], options: &mut Options<'_>) -> Result<Conversion, ConvertError> {
    let read = read_project(input, options)?;
    if let Some(p) = options.progress.as_deref_mut() {
        p(Stage::Writing, 0.9);
    }
    let xml = read.write_mspdi()?;
    if let Some(p) = options.progress.as_deref_mut() {
        p(Stage::Done, 1.0);
    }
    let mut usage = read.usage();
    usage.output = u64::try_from(xml.len()).unwrap_or(u64::MAX);
    Ok(Conversion {
        xml,
        summary: read.summary(),
        warnings: read.warnings,
        usage,
    })
}
