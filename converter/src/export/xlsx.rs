//! XLSX: a workbook for people. Sheets Tasks, Resources, Assignments and Project; dates
//! and durations are typed cells with number formats (a duration is a number of its unit
//! shown as `5 d`, work a number of hours), summaries fold through Excel row groups,
//! names are indented by outline level, and every sheet has a frozen header row, filters
//! and column widths fitted to its contents.

use super::view::{CustomColumn, Spend, View, hours, in_unit};
use crate::error::ConvertError;
use crate::model::{CustomValue, DateTime, DayHours, FieldClass, Project, ResourceKind};
use chrono::{Datelike, Timelike};
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError,
};

/// Excel's deepest row outline.
const MAX_GROUP_LEVEL: usize = 7;
/// Excel's widest indent.
const MAX_INDENT: u16 = 15;
/// Column widths stop growing here (long notes wrap inside Excel's cell editor anyway).
const MAX_WIDTH: usize = 60;

fn xe(e: XlsxError) -> ConvertError {
    ConvertError::Export(e.to_string())
}

struct Formats {
    header: Format,
    plain: Format,
    date: Format,
    hours: Format,
    number: Format,
    percent: Format,
    units: Format,
    indents: Vec<Format>,
    /// One format per duration unit, made once: a format made per cell costs the library a
    /// lookup of its properties every time.
    durations: Vec<(&'static str, Format)>,
}

/// Every unit a duration can be shown in (see `view::unit_suffix`).
const UNITS: [&str; 12] = [
    "m", "em", "h", "eh", "d", "ed", "w", "ew", "mo", "emo", "%", "e%",
];

impl Formats {
    fn new() -> Self {
        Self {
            header: Format::new().set_bold(),
            plain: Format::new(),
            date: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            hours: Format::new().set_num_format("0.##\" h\""),
            number: Format::new().set_num_format("#,##0.00"),
            percent: Format::new().set_num_format("0\"%\""),
            units: Format::new().set_num_format("0%"),
            indents: (0..=MAX_INDENT)
                .map(|i| {
                    Format::new()
                        .set_indent(u8::try_from(i).unwrap_or(0))
                        .set_align(FormatAlign::Left)
                })
                .collect(),
            durations: UNITS
                .iter()
                .map(|u| (*u, Format::new().set_num_format(format!("0.##\" {u}\""))))
                .collect(),
        }
    }

    fn duration(&self, unit: &str) -> &Format {
        self.durations
            .iter()
            .find(|(u, _)| *u == unit)
            .map_or(&self.hours, |(_, f)| f)
    }
}

/// Writes one sheet's cells, remembering how wide each column's contents are and charging
/// their text to the output budget.
struct Sheet<'a> {
    ws: &'a mut Worksheet,
    row: u32,
    widths: Vec<usize>,
    spend: &'a mut Spend,
}

impl<'a> Sheet<'a> {
    fn new(
        ws: &'a mut Worksheet,
        name: &str,
        headers: &[String],
        f: &Formats,
        spend: &'a mut Spend,
    ) -> Result<Self, ConvertError> {
        ws.set_name(name).map_err(xe)?;
        let sheet = Self {
            ws,
            row: 0,
            widths: headers.iter().map(|h| h.chars().count() + 2).collect(),
            spend,
        };
        for (col, h) in headers.iter().enumerate() {
            let col = sheet.col(col)?;
            sheet
                .ws
                .write_string_with_format(0, col, h, &f.header)
                .map_err(xe)?;
        }
        Ok(sheet)
    }

    fn col(&self, col: usize) -> Result<u16, ConvertError> {
        u16::try_from(col).map_err(|_| ConvertError::Export("too many columns".into()))
    }

    fn fit(&mut self, col: usize, width: usize) {
        if let Some(w) = self.widths.get_mut(col) {
            *w = (*w).max(width.min(MAX_WIDTH));
        }
    }

    fn text(
        &mut self,
        col: usize,
        text: &str,
        format: Option<&Format>,
    ) -> Result<(), ConvertError> {
        if text.is_empty() {
            return Ok(());
        }
        let text = excel_text(text);
        self.spend.charge(text.len())?;
        let c = self.col(col)?;
        match format {
            Some(f) => self.ws.write_string_with_format(self.row, c, text, f),
            None => self.ws.write_string(self.row, c, text),
        }
        .map_err(xe)?;
        let extra = format.map_or(0, |_| 2);
        self.fit(col, text.chars().count() + extra);
        Ok(())
    }

    fn num(&mut self, col: usize, value: Option<f64>, format: &Format) -> Result<(), ConvertError> {
        let Some(v) = value.filter(|v| v.is_finite()) else {
            return Ok(());
        };
        self.spend.charge(8)?;
        let c = self.col(col)?;
        self.ws
            .write_number_with_format(self.row, c, v, format)
            .map_err(xe)?;
        self.fit(col, 12);
        Ok(())
    }

    fn int(&mut self, col: usize, value: i64) -> Result<(), ConvertError> {
        self.spend.charge(8)?;
        let c = self.col(col)?;
        // An i64 from the model fits an f64 exactly up to 2^53, far beyond any id.
        #[allow(clippy::cast_precision_loss)]
        self.ws
            .write_number(self.row, c, value as f64)
            .map_err(xe)?;
        self.fit(col, value.to_string().len() + 2);
        Ok(())
    }

    fn flag(&mut self, col: usize, value: bool) -> Result<(), ConvertError> {
        self.spend.charge(1)?;
        let c = self.col(col)?;
        self.ws.write_boolean(self.row, c, value).map_err(xe)?;
        Ok(())
    }

    fn date(
        &mut self,
        col: usize,
        value: Option<DateTime>,
        f: &Formats,
    ) -> Result<(), ConvertError> {
        let Some(d) = value else { return Ok(()) };
        let Some(excel) = excel_date(d) else {
            // Before 1900 or after 9999: Excel has no date for it, so it stays text.
            return self.text(col, &super::view::iso(d), None);
        };
        self.spend.charge(8)?;
        let c = self.col(col)?;
        self.ws
            .write_datetime_with_format(self.row, c, &excel, &f.date)
            .map_err(xe)?;
        self.fit(col, 18);
        Ok(())
    }

    /// Filters, a frozen header row and the widths found while writing.
    fn finish(self) -> Result<(), ConvertError> {
        let last_col = self.col(self.widths.len().saturating_sub(1))?;
        self.ws.set_freeze_panes(1, 0).map_err(xe)?;
        self.ws
            .autofilter(0, 0, self.row.max(1), last_col)
            .map_err(xe)?;
        for (col, w) in self.widths.iter().enumerate() {
            let c = self.col(col)?;
            #[allow(clippy::cast_precision_loss)]
            self.ws.set_column_width(c, *w as f64 + 1.0).map_err(xe)?;
        }
        Ok(())
    }
}

/// Excel's longest cell text, in UTF-16 units.
const MAX_CELL_TEXT: usize = 32_767;

/// `text` cut to what one Excel cell holds (a long note would otherwise fail the whole
/// workbook), at a character boundary.
fn excel_text(text: &str) -> &str {
    let mut units = 0;
    for (at, c) in text.char_indices() {
        units += c.len_utf16();
        if units > MAX_CELL_TEXT {
            return text.get(..at).unwrap_or_default();
        }
    }
    text
}

fn excel_date(d: DateTime) -> Option<ExcelDateTime> {
    let year = u16::try_from(d.year())
        .ok()
        .filter(|y| (1900..=9999).contains(y))?;
    let month = u8::try_from(d.month()).ok()?;
    let day = u8::try_from(d.day()).ok()?;
    let hour = u16::try_from(d.hour()).ok()?;
    let minute = u8::try_from(d.minute()).ok()?;
    ExcelDateTime::from_ymd(year, month, day)
        .and_then(|x| x.and_hms(hour, minute, d.second()))
        .ok()
}

fn custom_cell(
    sheet: &mut Sheet<'_>,
    col: usize,
    project: &Project,
    value: &CustomValue,
    f: &Formats,
) -> Result<(), ConvertError> {
    match value {
        CustomValue::Number(n) => sheet.num(col, Some(*n), &f.plain),
        CustomValue::Cost(n) => sheet.num(col, Some(*n), &f.number),
        CustomValue::Date(d) => sheet.date(col, Some(*d), f),
        CustomValue::Flag(b) => sheet.flag(col, *b),
        CustomValue::Duration(d) => {
            let (amount, unit) = in_unit(&project.properties, *d);
            sheet.num(col, Some(amount), f.duration(unit))
        }
        other => sheet.text(
            col,
            &super::view::custom_text(&project.properties, other),
            None,
        ),
    }
}

fn headers(fixed: &[&str], custom: &[CustomColumn]) -> Vec<String> {
    fixed
        .iter()
        .map(|h| (*h).to_owned())
        .chain(custom.iter().map(|c| c.header.clone()))
        .collect()
}

fn tasks_sheet(
    wb: &mut Workbook,
    view: &View<'_>,
    f: &Formats,
    spend: &mut Spend,
) -> Result<(), ConvertError> {
    let project = view.project;
    let custom = view.custom_columns(FieldClass::Task);
    let fixed = [
        "ID",
        "Unique ID",
        "WBS",
        "Outline Level",
        "Name",
        "Duration",
        "Start",
        "Finish",
        "% Complete",
        "Work",
        "Cost",
        "Predecessors",
        "Resource Names",
        "Summary",
        "Milestone",
        "Notes",
    ];
    let ws = wb.add_worksheet();
    ws.group_symbols_above(true);
    let mut sheet = Sheet::new(ws, "Tasks", &headers(&fixed, &custom), f, spend)?;
    let names = view.resource_names();
    let min_level = view
        .tasks
        .iter()
        .map(|(t, _)| t.outline_level)
        .min()
        .unwrap_or(0);
    for (task, id) in &view.tasks {
        sheet.row += 1;
        sheet.int(0, i64::from(*id))?;
        sheet.int(1, i64::from(task.uid))?;
        sheet.text(
            2,
            &task
                .wbs
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            None,
        )?;
        sheet.int(3, i64::from(task.outline_level))?;
        let depth = task.outline_level.saturating_sub(min_level).min(MAX_INDENT);
        let indent = f.indents.get(usize::from(depth));
        sheet.text(4, task.name.as_deref().unwrap_or_default(), indent)?;
        sheet.fit(
            4,
            task.name.as_deref().map_or(0, |n| n.chars().count()) + 2 * usize::from(depth),
        );
        if let Some(d) = task.duration {
            let (amount, unit) = in_unit(&project.properties, d);
            sheet.num(5, Some(amount), f.duration(unit))?;
        }
        sheet.date(6, task.start, f)?;
        sheet.date(7, task.finish, f)?;
        sheet.num(8, task.percent_complete, &f.percent)?;
        sheet.num(9, task.work.map(hours), &f.hours)?;
        sheet.num(10, task.cost, &f.number)?;
        sheet.text(11, &view.predecessors(task), None)?;
        sheet.text(12, names.get(&task.uid).map_or("", String::as_str), None)?;
        sheet.flag(13, task.summary)?;
        sheet.flag(14, task.milestone)?;
        sheet.text(15, task.notes.as_deref().unwrap_or_default(), None)?;
        for (i, c) in custom.iter().enumerate() {
            if let Some(v) = task.custom_values.iter().find(|v| v.field_id == c.field_id) {
                custom_cell(&mut sheet, fixed.len() + i, project, &v.value, f)?;
            }
        }
    }
    group_rows(&mut sheet, view)?;
    sheet.finish()
}

/// Groups the rows under each summary task, so they fold as in Project. The levels come
/// from the order of the rows and their outline levels (a stack), never from the file's
/// numbers alone, and stop at Excel's seven.
fn group_rows(sheet: &mut Sheet<'_>, view: &View<'_>) -> Result<(), ConvertError> {
    // (outline level, first row of its children)
    let mut open: Vec<(u16, u32)> = Vec::new();
    let rows = view.tasks.iter().map(|(t, _)| t.outline_level);
    let mut last_row = 0u32;
    for (index, level) in rows.enumerate() {
        let row =
            u32::try_from(index).map_err(|_| ConvertError::Export("too many rows".into()))? + 1;
        while let Some(&(parent, first)) = open.last() {
            if parent < level {
                break;
            }
            open.pop();
            if row > first && open.len() < MAX_GROUP_LEVEL {
                sheet.ws.group_rows(first, row - 1).map_err(xe)?;
            }
        }
        open.push((level, row + 1));
        last_row = row;
    }
    while let Some((_, first)) = open.pop() {
        if last_row >= first && open.len() < MAX_GROUP_LEVEL {
            sheet.ws.group_rows(first, last_row).map_err(xe)?;
        }
    }
    Ok(())
}

fn resources_sheet(
    wb: &mut Workbook,
    view: &View<'_>,
    f: &Formats,
    spend: &mut Spend,
) -> Result<(), ConvertError> {
    let project = view.project;
    let custom = view.custom_columns(FieldClass::Resource);
    let fixed = [
        "ID",
        "Unique ID",
        "Name",
        "Type",
        "Initials",
        "Group",
        "Email",
        "Max Units",
        "Standard Rate",
        "Overtime Rate",
        "Cost Per Use",
        "Work",
        "Cost",
        "Notes",
    ];
    let mut sheet = Sheet::new(
        wb.add_worksheet(),
        "Resources",
        &headers(&fixed, &custom),
        f,
        spend,
    )?;
    for r in &project.resources {
        sheet.row += 1;
        sheet.int(0, i64::from(r.id))?;
        sheet.int(1, i64::from(r.uid))?;
        sheet.text(2, r.name.as_deref().unwrap_or_default(), None)?;
        let kind = match r.kind {
            ResourceKind::Work => "Work",
            ResourceKind::Material => "Material",
            ResourceKind::Cost => "Cost",
        };
        sheet.text(3, kind, None)?;
        sheet.text(4, r.initials.as_deref().unwrap_or_default(), None)?;
        sheet.text(5, r.group.as_deref().unwrap_or_default(), None)?;
        sheet.text(6, r.email_address.as_deref().unwrap_or_default(), None)?;
        sheet.num(7, r.max_units, &f.units)?;
        sheet.num(8, r.standard_rate, &f.number)?;
        sheet.num(9, r.overtime_rate, &f.number)?;
        sheet.num(10, r.cost_per_use, &f.number)?;
        sheet.num(11, r.work.map(hours), &f.hours)?;
        sheet.num(12, r.cost, &f.number)?;
        sheet.text(13, r.notes.as_deref().unwrap_or_default(), None)?;
        for (i, c) in custom.iter().enumerate() {
            if let Some(v) = r.custom_values.iter().find(|v| v.field_id == c.field_id) {
                custom_cell(&mut sheet, fixed.len() + i, project, &v.value, f)?;
            }
        }
    }
    sheet.finish()
}

fn assignments_sheet(
    wb: &mut Workbook,
    view: &View<'_>,
    f: &Formats,
    spend: &mut Spend,
) -> Result<(), ConvertError> {
    let project = view.project;
    let custom = view.custom_columns(FieldClass::Assignment);
    let fixed = [
        "Unique ID",
        "Task ID",
        "Task Name",
        "Resource Name",
        "Units",
        "Work",
        "Actual Work",
        "Remaining Work",
        "Cost",
        "Start",
        "Finish",
    ];
    let mut sheet = Sheet::new(
        wb.add_worksheet(),
        "Assignments",
        &headers(&fixed, &custom),
        f,
        spend,
    )?;
    for a in &project.assignments {
        sheet.row += 1;
        sheet.int(0, i64::from(a.uid))?;
        if let Some(id) = view.task_id(a.task_uid) {
            sheet.int(1, i64::from(id))?;
        }
        sheet.text(2, view.task_name(a.task_uid), None)?;
        sheet.text(3, view.resource_name(a.resource_uid), None)?;
        sheet.num(4, a.units, &f.units)?;
        sheet.num(5, a.work.map(hours), &f.hours)?;
        sheet.num(6, a.actual_work.map(hours), &f.hours)?;
        sheet.num(7, a.remaining_work.map(hours), &f.hours)?;
        sheet.num(8, a.cost, &f.number)?;
        sheet.date(9, a.start, f)?;
        sheet.date(10, a.finish, f)?;
        for (i, c) in custom.iter().enumerate() {
            if let Some(v) = a.custom_values.iter().find(|v| v.field_id == c.field_id) {
                custom_cell(&mut sheet, fixed.len() + i, project, &v.value, f)?;
            }
        }
    }
    sheet.finish()
}

fn project_sheet(
    wb: &mut Workbook,
    project: &Project,
    f: &Formats,
    spend: &mut Spend,
) -> Result<(), ConvertError> {
    let p = &project.properties;
    let header = [
        "Property".to_owned(),
        "Value".to_owned(),
        "Detail".to_owned(),
    ];
    let mut sheet = Sheet::new(wb.add_worksheet(), "Project", &header, f, spend)?;
    let texts = [
        ("Title", p.title.as_deref()),
        ("Subject", p.subject.as_deref()),
        ("Author", p.author.as_deref()),
        ("Manager", p.manager.as_deref()),
        ("Company", p.company.as_deref()),
        ("Application", p.application.as_deref()),
        ("Calendar", p.calendar_name.as_deref()),
        ("Currency", p.currency_symbol.as_deref()),
    ];
    for (name, value) in texts {
        sheet.row += 1;
        sheet.text(0, name, None)?;
        sheet.text(1, value.unwrap_or_default(), None)?;
    }
    let dates = [
        ("Start", p.start_date),
        ("Finish", p.finish_date),
        ("Status Date", p.status_date),
        ("Created", p.creation_date),
        ("Last Saved", p.last_saved),
    ];
    for (name, value) in dates {
        sheet.row += 1;
        sheet.text(0, name, None)?;
        sheet.date(1, value, f)?;
    }
    let numbers = [
        ("Hours per Day", f64::from(p.minutes_per_day) / 60.0),
        ("Hours per Week", f64::from(p.minutes_per_week) / 60.0),
        ("Days per Month", f64::from(p.days_per_month)),
    ];
    for (name, value) in numbers {
        sheet.row += 1;
        sheet.text(0, name, None)?;
        sheet.num(1, Some(value), &f.plain)?;
    }
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    for c in &project.calendars {
        sheet.row += 1;
        sheet.text(0, "Calendar", None)?;
        sheet.text(1, c.name.as_deref().unwrap_or_default(), None)?;
        let mut week = Vec::new();
        for (day, hours) in DAYS.iter().zip(&c.days) {
            match hours {
                DayHours::Default => {}
                DayHours::NonWorking => week.push(format!("{day} off")),
                DayHours::Working(ranges) => {
                    let spans: Vec<String> = ranges
                        .iter()
                        .map(|r| format!("{}-{}", r.start.format("%H:%M"), r.end.format("%H:%M")))
                        .collect();
                    week.push(format!("{day} {}", spans.join(",")));
                }
            }
        }
        let mut detail = week.join("; ");
        if !c.exceptions.is_empty() {
            detail.push_str(&format!("; {} exceptions", c.exceptions.len()));
        }
        sheet.text(2, &detail, None)?;
    }
    sheet.finish()
}

/// The workbook's document properties, from the project's. Its creation time is the
/// project's, never the clock's: the same file must give the same bytes on every run and
/// in every shell (the command line, the server, the browser).
fn properties(project: &Project) -> Result<DocProperties, ConvertError> {
    let p = &project.properties;
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1).map_err(xe)?;
    let created = p
        .creation_date
        .or(p.last_saved)
        .and_then(excel_date)
        .unwrap_or(fixed);
    let mut props = DocProperties::new().set_creation_datetime(&created);
    for (value, set) in [
        (
            &p.title,
            DocProperties::set_title as fn(DocProperties, String) -> DocProperties,
        ),
        (&p.subject, DocProperties::set_subject),
        (&p.author, DocProperties::set_author),
        (&p.manager, DocProperties::set_manager),
        (&p.company, DocProperties::set_company),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            props = set(props, excel_text(v).to_owned());
        }
    }
    Ok(props)
}

/// Writes `project` as an XLSX workbook, at most `limit` bytes.
pub fn write(project: &Project, limit: u64) -> Result<Vec<u8>, ConvertError> {
    let view = View::new(project);
    let f = Formats::new();
    let mut spend = Spend::new(limit);
    let mut wb = Workbook::new();
    wb.set_properties(&properties(project)?);
    tasks_sheet(&mut wb, &view, &f, &mut spend)?;
    resources_sheet(&mut wb, &view, &f, &mut spend)?;
    assignments_sheet(&mut wb, &view, &f, &mut spend)?;
    project_sheet(&mut wb, project, &f, &mut spend)?;
    let bytes = wb.save_to_buffer().map_err(xe)?;
    super::within(bytes, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_text_is_cut_to_what_excel_holds() {
        assert_eq!(excel_text("short"), "short");
        let long = "é".repeat(40_000);
        let cut = excel_text(&long);
        assert_eq!(cut.chars().count(), MAX_CELL_TEXT);
        let emoji = "😀".repeat(20_000);
        assert_eq!(excel_text(&emoji).chars().count(), MAX_CELL_TEXT / 2);
    }

    #[test]
    fn the_same_project_gives_the_same_bytes() {
        let p = Project::default();
        let first = write(&p, u64::MAX).ok();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert_eq!(first, write(&p, u64::MAX).ok(), "no clock in the workbook");
    }

    #[test]
    fn a_note_longer_than_a_cell_still_makes_a_workbook() {
        let p = Project {
            tasks: vec![crate::model::Task {
                notes: Some("n".repeat(100_000)),
                ..crate::model::Task::default()
            }],
            ..Project::default()
        };
        assert!(write(&p, u64::MAX).is_ok());
    }
}
