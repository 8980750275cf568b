//! CSV: one table per entity (tasks, resources, assignments, links), RFC 4180, UTF-8 with a
//! header row. Dates are ISO 8601 local date-times (`2026-03-02T08:00:00`); durations and
//! work are decimal hours in columns whose header says `(h)` (a duration's unit as Project
//! shows it is in the `Duration` column's neighbour `Duration Unit`); costs are plain
//! numbers; flags are `Yes`/`No`. Several tables travel together in a ZIP.

use super::view::{Spend, View, custom_text, hours, in_unit, iso, short_number};
use crate::error::ConvertError;
use crate::model::{CustomFieldValue, DateTime, FieldClass, Project, ResourceKind};
use std::io::Write;

/// The tables, in the order they go into the ZIP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// One row per task.
    Tasks,
    /// One row per resource.
    Resources,
    /// One row per assignment of a resource to a task.
    Assignments,
    /// One row per predecessor link.
    Links,
}

impl Table {
    /// Every table.
    pub const ALL: [Self; 4] = [Self::Tasks, Self::Resources, Self::Assignments, Self::Links];

    /// The table's name, which is also its file name in the ZIP (with `.csv`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Tasks => "tasks",
            Self::Resources => "resources",
            Self::Assignments => "assignments",
            Self::Links => "links",
        }
    }

    /// The table named `name`, as [`Table::name`] spells it.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(name))
    }
}

fn opt_date(d: Option<DateTime>) -> String {
    d.map(iso).unwrap_or_default()
}

fn opt_num(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn opt_hours(v: Option<f64>) -> String {
    v.map(|v| hours(v).to_string()).unwrap_or_default()
}

fn yes(b: bool) -> String {
    if b { "Yes" } else { "No" }.to_owned()
}

fn custom_cells(
    project: &Project,
    columns: &[super::view::CustomColumn],
    values: &[CustomFieldValue],
) -> Vec<String> {
    columns
        .iter()
        .map(|c| {
            values
                .iter()
                .find(|v| v.field_id == c.field_id)
                .map(|v| custom_text(&project.properties, &v.value))
                .unwrap_or_default()
        })
        .collect()
}

/// Writes rows through a `csv` writer into capped memory, charging their text.
struct Sheet {
    w: ::csv::Writer<super::Capped>,
    spend: Spend,
}

impl Sheet {
    fn new(delimiter: u8, limit: u64) -> Self {
        let w = ::csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(::csv::Terminator::CRLF)
            .from_writer(super::Capped::new(limit));
        Self {
            w,
            spend: Spend::new(limit),
        }
    }

    fn row<I, S>(&mut self, cells: I) -> Result<(), ConvertError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let cells: Vec<S> = cells.into_iter().collect();
        self.spend
            .charge(cells.iter().map(|c| c.as_ref().len() + 1).sum())?;
        self.w.write_record(&cells).map_err(csv_error)
    }

    fn finish(self) -> Result<Vec<u8>, ConvertError> {
        match self.w.into_inner() {
            Ok(capped) => capped.finish(),
            Err(e) => Err(ConvertError::Export(e.error().to_string())),
        }
    }
}

fn csv_error(e: ::csv::Error) -> ConvertError {
    match e.kind() {
        ::csv::ErrorKind::Io(io) if io.to_string() == "output limit reached" => {
            ConvertError::OutputTooLarge { limit: 0 }
        }
        _ => ConvertError::Export(e.to_string()),
    }
}

/// Writes one table of `project` as CSV with `delimiter`, at most `limit` bytes.
pub fn table(
    project: &Project,
    table: Table,
    delimiter: u8,
    limit: u64,
) -> Result<Vec<u8>, ConvertError> {
    let view = View::new(project);
    let props = &project.properties;
    let mut sheet = Sheet::new(delimiter, limit);
    let result = (|| match table {
        Table::Tasks => {
            let columns = view.custom_columns(FieldClass::Task);
            let mut header: Vec<String> = [
                "ID",
                "Unique ID",
                "WBS",
                "Outline Level",
                "Name",
                "Summary",
                "Milestone",
                "Manual",
                "Active",
                "Duration",
                "Duration Unit",
                "Duration (h)",
                "Start",
                "Finish",
                "Percent Complete",
                "Work (h)",
                "Cost",
                "Predecessors",
                "Resource Names",
                "Actual Start",
                "Actual Finish",
                "Deadline",
                "Notes",
            ]
            .map(str::to_owned)
            .into();
            header.extend(columns.iter().map(|c| c.header.clone()));
            sheet.row(&header)?;
            let names = view.resource_names();
            for (task, id) in &view.tasks {
                let (amount, unit) = task
                    .duration
                    .map(|d| in_unit(props, d))
                    .map_or((String::new(), ""), |(a, u)| (short_number(a), u));
                let mut row = vec![
                    id.to_string(),
                    task.uid.to_string(),
                    task.wbs
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    task.outline_level.to_string(),
                    task.name.clone().unwrap_or_default(),
                    yes(task.summary),
                    yes(task.milestone),
                    yes(task.manual),
                    yes(task.active),
                    amount,
                    unit.to_owned(),
                    opt_hours(task.duration.map(|d| d.minutes)),
                    opt_date(task.start),
                    opt_date(task.finish),
                    opt_num(task.percent_complete),
                    opt_hours(task.work),
                    opt_num(task.cost),
                    view.predecessors(task),
                    names.get(&task.uid).cloned().unwrap_or_default(),
                    opt_date(task.actual_start),
                    opt_date(task.actual_finish),
                    opt_date(task.deadline),
                    task.notes.clone().unwrap_or_default(),
                ];
                row.extend(custom_cells(project, &columns, &task.custom_values));
                sheet.row(&row)?;
            }
            Ok(())
        }
        Table::Resources => {
            let columns = view.custom_columns(FieldClass::Resource);
            let mut header: Vec<String> = [
                "ID",
                "Unique ID",
                "Name",
                "Type",
                "Initials",
                "Group",
                "Email",
                "Material Label",
                "Max Units",
                "Standard Rate",
                "Overtime Rate",
                "Cost Per Use",
                "Work (h)",
                "Cost",
                "Notes",
            ]
            .map(str::to_owned)
            .into();
            header.extend(columns.iter().map(|c| c.header.clone()));
            sheet.row(&header)?;
            for r in &project.resources {
                let mut row = vec![
                    r.id.to_string(),
                    r.uid.to_string(),
                    r.name.clone().unwrap_or_default(),
                    match r.kind {
                        ResourceKind::Work => "Work",
                        ResourceKind::Material => "Material",
                        ResourceKind::Cost => "Cost",
                    }
                    .to_owned(),
                    r.initials.clone().unwrap_or_default(),
                    r.group.clone().unwrap_or_default(),
                    r.email_address.clone().unwrap_or_default(),
                    r.material_label.clone().unwrap_or_default(),
                    opt_num(r.max_units),
                    opt_num(r.standard_rate),
                    opt_num(r.overtime_rate),
                    opt_num(r.cost_per_use),
                    opt_hours(r.work),
                    opt_num(r.cost),
                    r.notes.clone().unwrap_or_default(),
                ];
                row.extend(custom_cells(project, &columns, &r.custom_values));
                sheet.row(&row)?;
            }
            Ok(())
        }
        Table::Assignments => {
            let columns = view.custom_columns(FieldClass::Assignment);
            let mut header: Vec<String> = [
                "Unique ID",
                "Task Unique ID",
                "Task ID",
                "Task Name",
                "Resource Unique ID",
                "Resource Name",
                "Units",
                "Work (h)",
                "Actual Work (h)",
                "Remaining Work (h)",
                "Cost",
                "Start",
                "Finish",
            ]
            .map(str::to_owned)
            .into();
            header.extend(columns.iter().map(|c| c.header.clone()));
            sheet.row(&header)?;
            for a in &project.assignments {
                let mut row = vec![
                    a.uid.to_string(),
                    a.task_uid.to_string(),
                    view.task_id(a.task_uid)
                        .map(|id| id.to_string())
                        .unwrap_or_default(),
                    view.task_name(a.task_uid).to_owned(),
                    a.resource_uid.to_string(),
                    view.resource_name(a.resource_uid).to_owned(),
                    opt_num(a.units),
                    opt_hours(a.work),
                    opt_hours(a.actual_work),
                    opt_hours(a.remaining_work),
                    opt_num(a.cost),
                    opt_date(a.start),
                    opt_date(a.finish),
                ];
                row.extend(custom_cells(project, &columns, &a.custom_values));
                sheet.row(&row)?;
            }
            Ok(())
        }
        Table::Links => {
            sheet.row([
                "Predecessor ID",
                "Predecessor Unique ID",
                "Successor ID",
                "Successor Unique ID",
                "Type",
                "Lag",
                "Lag Unit",
            ])?;
            for (task, id) in &view.tasks {
                for link in &task.predecessors {
                    let (lag, unit) = in_unit(props, link.lag);
                    sheet.row([
                        view.task_id(link.predecessor_uid)
                            .map(|id| id.to_string())
                            .unwrap_or_default(),
                        link.predecessor_uid.to_string(),
                        id.to_string(),
                        task.uid.to_string(),
                        match link.kind {
                            crate::model::RelationKind::FinishFinish => "FF",
                            crate::model::RelationKind::FinishStart => "FS",
                            crate::model::RelationKind::StartFinish => "SF",
                            crate::model::RelationKind::StartStart => "SS",
                        }
                        .to_owned(),
                        short_number(lag),
                        unit.to_owned(),
                    ])?;
                }
            }
            Ok(())
        }
    })();
    match result {
        Err(ConvertError::OutputTooLarge { .. }) => Err(ConvertError::OutputTooLarge { limit }),
        Err(e) => Err(e),
        Ok(()) => sheet.finish(),
    }
}

/// Writes every table of `project` into a ZIP (`tasks.csv`, `resources.csv`,
/// `assignments.csv`, `links.csv`), at most `limit` bytes of CSV and of ZIP.
pub fn zip(project: &Project, delimiter: u8, limit: u64) -> Result<Vec<u8>, ConvertError> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        // A fixed time: the same input gives the same bytes, whenever it is converted.
        .last_modified_time(zip::DateTime::default());
    let mut left = limit;
    for t in Table::ALL {
        let bytes = table(project, t, delimiter, left)?;
        left = left.saturating_sub(u64::try_from(bytes.len()).unwrap_or(u64::MAX));
        zip.start_file(format!("{}.csv", t.name()), options)
            .map_err(|e| ConvertError::Export(e.to_string()))?;
        zip.write_all(&bytes)
            .map_err(|e| ConvertError::Export(e.to_string()))?;
    }
    let bytes = zip
        .finish()
        .map_err(|e| ConvertError::Export(e.to_string()))?
        .into_inner();
    super::within(bytes, limit)
}
