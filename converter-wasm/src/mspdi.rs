//! A small MSPDI reader that builds the viewer's [`Plan`] from XML, for files the server
//! converted: the server sends the XML back, the page hands it to the worker, and the viewer
//! shows the same plan it would have shown for a file converted in the browser.
//!
//! It reads only what the plan needs, in one pass, and is bounded like the engine: every text
//! is cut to the plan's limits, rows past [`MAX_ROWS`] are left out (and the plan says it was
//! clipped), and nesting deeper than MSPDI has is skipped, so hostile XML cannot make it
//! allocate much more than the XML itself.

use crate::plan::Shape;
use converter::model::{Duration, TimeUnit};
use protocol::plan::{
    MAX_ASSIGNED, MAX_CUSTOM_FIELDS, MAX_EXCEPTIONS, MAX_LINKS, MAX_NOTES_BYTES, MAX_TEXT_BYTES,
    clip,
};
use protocol::{
    Assigned, CustomField, CustomValue, DayException, Link, LinkKind, Plan, PlanResource, PlanTask,
    ResourceKind, WorkCalendar,
};
use quick_xml::Reader;
use quick_xml::events::Event;
use std::collections::HashMap;

/// Tasks (and resources, and assignments) read at most.
pub const MAX_ROWS: usize = 1_000_000;
/// Elements nested deeper than this are skipped; MSPDI needs five.
const MAX_DEPTH: usize = 12;

/// Why XML could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not well-formed XML.
    #[error("the XML is not well-formed at byte {at}: {message}")]
    Syntax {
        /// Where.
        at: u64,
        /// What the XML parser said.
        message: String,
    },
    /// Well-formed, but not an MSPDI project.
    #[error("the XML is not a Microsoft Project XML document")]
    NotMspdi,
}

#[derive(Default)]
struct RawTask {
    task: PlanTask,
    is_null: bool,
    duration: Option<(f64, u16)>,
    links: Vec<RawLink>,
    link: RawLink,
    baseline: (Option<u8>, Option<String>, Option<String>),
    custom: Vec<(u32, String, Option<u16>)>,
    attr: (Option<u32>, String, Option<u16>),
}

#[derive(Default, Clone)]
struct RawLink {
    uid: i32,
    kind: u16,
    lag_tenths: f64,
    lag_format: u16,
}

#[derive(Default)]
struct RawCalendar {
    uid: i32,
    name: String,
    days: [Option<bool>; 7],
    legacy: Vec<DayException>,
    exceptions: Vec<DayException>,
    day: (Option<u16>, Option<bool>, Option<String>, Option<String>),
}

#[derive(Default)]
struct State {
    plan: Plan,
    calendar_uid: Option<i32>,
    per_day: u32,
    per_week: u32,
    days_per_month: u32,
    duration_format: u16,
    fields: HashMap<u32, String>,
    field: (Option<u32>, String, String),
    tasks: Vec<RawTask>,
    task: Option<RawTask>,
    resources: Vec<PlanResource>,
    resource: Option<PlanResource>,
    assignments: Vec<(i32, i32, Option<f64>)>,
    assignment: (i32, i32, Option<f64>),
    calendars: Vec<RawCalendar>,
    calendar: Option<RawCalendar>,
}

/// Reads MSPDI XML into a plan.
pub fn read_plan(xml: &[u8]) -> Result<Plan, ReadError> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut skipped = 0usize;
    let mut text = String::new();
    let mut state = State {
        per_day: 480,
        per_week: 2400,
        days_per_month: 20,
        duration_format: TimeUnit::DAYS.0,
        ..State::default()
    };
    let mut root_seen = false;
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| ReadError::Syntax {
                at,
                message: e.to_string(),
            })?;
        match event {
            Event::Start(e) => {
                if skipped > 0 || path.len() >= MAX_DEPTH {
                    skipped += 1;
                } else {
                    let name = e.local_name().as_ref().to_owned();
                    if path.is_empty() {
                        if name != "Project" {
                            return Err(ReadError::NotMspdi);
                        }
                        root_seen = true;
                    }
                    path.push(name);
                    text.clear();
                    state.open(&path);
                }
            }
            Event::End(_) => {
                if skipped > 0 {
                    skipped -= 1;
                } else {
                    state.close(&path, text.trim());
                    text.clear();
                    path.pop();
                }
            }
            Event::Text(t) if skipped == 0 => push_bounded(&mut text, &t.xml10_content()),
            Event::CData(t) if skipped == 0 => push_bounded(&mut text, &t.xml10_content()),
            Event::GeneralRef(r) if skipped == 0 => {
                let c = if r.is_char_ref() {
                    r.resolve_char_ref().ok().flatten()
                } else {
                    match &*r {
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "amp" => Some('&'),
                        "apos" => Some('\''),
                        "quot" => Some('"'),
                        _ => None,
                    }
                };
                if let Some(c) = c {
                    push_bounded(&mut text, c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !root_seen {
        return Err(ReadError::NotMspdi);
    }
    Ok(state.finish())
}

/// Text kept of one element: enough for the longest note the plan keeps.
const MAX_ELEMENT_TEXT: usize = 2 * MAX_NOTES_BYTES;

fn push_bounded(text: &mut String, more: &str) {
    for c in more.chars() {
        if text.len() + c.len_utf8() > MAX_ELEMENT_TEXT {
            break;
        }
        text.push(c);
    }
}

/// `PT8H30M0S` (or with a minus sign) in minutes.
fn pt_minutes(text: &str) -> Option<f64> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let rest = rest.strip_prefix("PT")?;
    let (h, rest) = rest.split_once('H')?;
    let (m, rest) = rest.split_once('M')?;
    let s = rest.strip_suffix('S')?;
    let minutes =
        h.parse::<f64>().ok()? * 60.0 + m.parse::<f64>().ok()? + s.parse::<f64>().ok()? / 60.0;
    Some(if negative { -minutes } else { minutes })
}

fn flag(text: &str) -> bool {
    text == "1" || text.eq_ignore_ascii_case("true")
}

fn date(text: &str) -> Option<String> {
    // Project's "no date" is written as an empty element or left out.
    (text.len() >= 10).then(|| text.chars().take(19).collect())
}

impl State {
    fn open(&mut self, path: &[String]) {
        let names: Vec<&str> = path.iter().map(String::as_str).collect();
        match names.as_slice() {
            ["Project", "Tasks", "Task"] => self.task = Some(RawTask::default()),
            ["Project", "Tasks", "Task", "PredecessorLink"] => {
                if let Some(t) = &mut self.task {
                    t.link = RawLink {
                        kind: 1,
                        lag_format: TimeUnit::DAYS.0,
                        ..RawLink::default()
                    };
                }
            }
            ["Project", "Tasks", "Task", "Baseline"] => {
                if let Some(t) = &mut self.task {
                    t.baseline = (None, None, None);
                }
            }
            ["Project", "Tasks", "Task", "ExtendedAttribute"] => {
                if let Some(t) = &mut self.task {
                    t.attr = (None, String::new(), None);
                }
            }
            ["Project", "Resources", "Resource"] => self.resource = Some(PlanResource::default()),
            ["Project", "Assignments", "Assignment"] => self.assignment = (0, 0, None),
            ["Project", "Calendars", "Calendar"] => self.calendar = Some(RawCalendar::default()),
            ["Project", "Calendars", "Calendar", "WeekDays", "WeekDay"]
            | [
                "Project",
                "Calendars",
                "Calendar",
                "Exceptions",
                "Exception",
            ] => {
                if let Some(c) = &mut self.calendar {
                    c.day = (None, None, None, None);
                }
            }
            ["Project", "ExtendedAttributes", "ExtendedAttribute"] => {
                self.field = (None, String::new(), String::new());
            }
            _ => {}
        }
    }

    fn close(&mut self, path: &[String], text: &str) {
        let names: Vec<&str> = path.iter().map(String::as_str).collect();
        let clipped = &mut self.plan.clipped;
        match names.as_slice() {
            ["Project", "Title"] => self.plan.title = clip(text, MAX_TEXT_BYTES, clipped),
            ["Project", "StartDate"] => self.plan.start = date(text),
            ["Project", "FinishDate"] => self.plan.finish = date(text),
            ["Project", "StatusDate"] => self.plan.status_date = date(text),
            ["Project", "CurrentDate"] => self.plan.current_date = date(text),
            ["Project", "CurrencySymbol"] => self.plan.currency_symbol = clip(text, 16, clipped),
            ["Project", "CurrencySymbolPosition"] => {
                self.plan.currency_after = matches!(text, "1" | "3")
            }
            ["Project", "CalendarUID"] => self.calendar_uid = text.parse().ok(),
            ["Project", "MinutesPerDay"] => self.per_day = text.parse().unwrap_or(480),
            ["Project", "MinutesPerWeek"] => self.per_week = text.parse().unwrap_or(2400),
            ["Project", "DaysPerMonth"] => self.days_per_month = text.parse().unwrap_or(20),
            ["Project", "DurationFormat"] => {
                self.duration_format = text.parse().unwrap_or(TimeUnit::DAYS.0)
            }
            ["Project", "ExtendedAttributes", "ExtendedAttribute", leaf] => match *leaf {
                "FieldID" => self.field.0 = text.parse().ok(),
                "FieldName" => self.field.1 = clip(text, MAX_TEXT_BYTES, clipped),
                "Alias" => self.field.2 = clip(text, MAX_TEXT_BYTES, clipped),
                _ => {}
            },
            ["Project", "ExtendedAttributes", "ExtendedAttribute"] => {
                let (id, name, alias) = std::mem::take(&mut self.field);
                if let Some(id) = id
                    && self.fields.len() < MAX_ROWS
                {
                    // The kind of value comes from Project's name; the alias is shown.
                    let shown = if alias.is_empty() {
                        name.clone()
                    } else {
                        alias
                    };
                    self.fields.insert(id, format!("{name}\u{0}{shown}"));
                }
            }
            ["Project", "Tasks", "Task", ..] => self.close_task(&names, text),
            ["Project", "Resources", "Resource", ..] => self.close_resource(&names, text),
            ["Project", "Assignments", "Assignment", leaf] => match *leaf {
                "TaskUID" => self.assignment.0 = text.parse().unwrap_or(0),
                "ResourceUID" => self.assignment.1 = text.parse().unwrap_or(0),
                "Units" => self.assignment.2 = text.parse().ok(),
                _ => {}
            },
            ["Project", "Assignments", "Assignment"] => {
                if self.assignments.len() < MAX_ROWS {
                    self.assignments.push(self.assignment);
                } else {
                    self.plan.clipped = true;
                }
            }
            ["Project", "Calendars", "Calendar", ..] => self.close_calendar(&names, text),
            _ => {}
        }
    }

    fn close_task(&mut self, names: &[&str], text: &str) {
        let clipped = &mut self.plan.clipped;
        if names.len() == 3 {
            if let Some(t) = self.task.take() {
                if self.tasks.len() < MAX_ROWS {
                    self.tasks.push(t);
                } else {
                    *clipped = true;
                }
            }
            return;
        }
        let Some(raw) = &mut self.task else { return };
        let t = &mut raw.task;
        match names.get(3..).unwrap_or_default() {
            ["UID"] => t.uid = text.parse().unwrap_or(0),
            ["ID"] => t.id = text.parse().unwrap_or(0),
            ["Name"] => t.name = clip(text, MAX_TEXT_BYTES, clipped),
            ["OutlineLevel"] => t.outline_level = text.parse().unwrap_or(1),
            ["IsNull"] => raw.is_null = flag(text),
            ["Summary"] => t.summary = flag(text),
            ["Milestone"] => t.milestone = flag(text),
            ["Critical"] => t.critical = flag(text),
            ["HideBar"] => t.hide_bar = flag(text),
            ["Start"] => t.start = date(text),
            ["Finish"] => t.finish = date(text),
            ["Duration"] => {
                raw.duration = pt_minutes(text).map(|m| (m, raw.duration.map_or(21, |d| d.1)))
            }
            ["DurationFormat"] => {
                let unit = text.parse().unwrap_or(21);
                raw.duration = raw.duration.map(|(m, _)| (m, unit));
            }
            ["PercentComplete"] => {
                t.percent_complete = text.parse::<f64>().unwrap_or(0.0).clamp(0.0, 100.0)
            }
            ["Work"] => t.work_hours = pt_minutes(text).map(|m| round2(m / 60.0)),
            ["Cost"] => t.cost = text.parse::<f64>().ok().map(|c| c / 100.0),
            ["Notes"] => t.notes = clip(text, MAX_NOTES_BYTES, clipped),
            ["PredecessorLink", leaf] => match *leaf {
                "PredecessorUID" => raw.link.uid = text.parse().unwrap_or(0),
                "Type" => raw.link.kind = text.parse().unwrap_or(1),
                "LinkLag" => raw.link.lag_tenths = text.parse().unwrap_or(0.0),
                "LagFormat" => raw.link.lag_format = text.parse().unwrap_or(7),
                _ => {}
            },
            ["PredecessorLink"] => {
                if raw.links.len() < MAX_LINKS {
                    raw.links.push(raw.link.clone());
                } else {
                    *clipped = true;
                }
            }
            ["Baseline", leaf] => match *leaf {
                "Number" => raw.baseline.0 = text.parse().ok(),
                "Start" => raw.baseline.1 = date(text),
                "Finish" => raw.baseline.2 = date(text),
                _ => {}
            },
            ["Baseline"] if raw.baseline.0 == Some(0) => {
                t.baseline_start = raw.baseline.1.take();
                t.baseline_finish = raw.baseline.2.take();
            }
            ["ExtendedAttribute", leaf] => match *leaf {
                "FieldID" => raw.attr.0 = text.parse().ok(),
                "Value" => raw.attr.1 = clip(text, MAX_TEXT_BYTES, clipped),
                "DurationFormat" => raw.attr.2 = text.parse().ok(),
                _ => {}
            },
            ["ExtendedAttribute"] => {
                let (id, value, unit) = std::mem::take(&mut raw.attr);
                if let Some(id) = id {
                    if raw.custom.len() < MAX_CUSTOM_FIELDS {
                        raw.custom.push((id, value, unit));
                    } else {
                        *clipped = true;
                    }
                }
            }
            _ => {}
        }
    }

    fn close_resource(&mut self, names: &[&str], text: &str) {
        let clipped = &mut self.plan.clipped;
        if names.len() == 3 {
            if let Some(r) = self.resource.take() {
                if self.resources.len() < MAX_ROWS {
                    self.resources.push(r);
                } else {
                    *clipped = true;
                }
            }
            return;
        }
        let Some(r) = &mut self.resource else { return };
        match names.get(3..).unwrap_or_default() {
            ["UID"] => r.uid = text.parse().unwrap_or(0),
            ["ID"] => r.id = text.parse().unwrap_or(0),
            ["Name"] => r.name = clip(text, MAX_TEXT_BYTES, clipped),
            // `IsCostResource` comes later and makes a cost resource of a material one.
            ["Type"] if r.kind != ResourceKind::Cost => {
                r.kind = match text {
                    "0" => ResourceKind::Material,
                    _ => ResourceKind::Work,
                }
            }
            ["IsCostResource"] if flag(text) => r.kind = ResourceKind::Cost,
            ["Group"] => r.group = clip(text, MAX_TEXT_BYTES, clipped),
            ["MaxUnits"] => r.max_units = text.parse().ok(),
            ["StandardRate"] => r.standard_rate = text.parse().ok(),
            ["OvertimeRate"] => r.overtime_rate = text.parse().ok(),
            ["Cost"] => r.cost = text.parse::<f64>().ok().map(|c| c / 100.0),
            ["Work"] => r.work_hours = pt_minutes(text).map(|m| round2(m / 60.0)),
            _ => {}
        }
    }

    fn close_calendar(&mut self, names: &[&str], text: &str) {
        if names.len() == 3 {
            if let Some(c) = self.calendar.take()
                && self.calendars.len() < MAX_ROWS
            {
                self.calendars.push(c);
            }
            return;
        }
        let clipped = &mut self.plan.clipped;
        let Some(c) = &mut self.calendar else { return };
        match names.get(3..).unwrap_or_default() {
            ["UID"] => c.uid = text.parse().unwrap_or(0),
            ["Name"] => c.name = clip(text, MAX_TEXT_BYTES, clipped),
            ["WeekDays", "WeekDay", "DayType"] => c.day.0 = text.parse().ok(),
            ["WeekDays", "WeekDay", "DayWorking"] | ["Exceptions", "Exception", "DayWorking"] => {
                c.day.1 = Some(flag(text))
            }
            ["WeekDays", "WeekDay", "TimePeriod", "FromDate"]
            | ["Exceptions", "Exception", "TimePeriod", "FromDate"] => {
                c.day.2 = date(text).map(|d| d.chars().take(10).collect())
            }
            ["WeekDays", "WeekDay", "TimePeriod", "ToDate"]
            | ["Exceptions", "Exception", "TimePeriod", "ToDate"] => {
                c.day.3 = date(text).map(|d| d.chars().take(10).collect())
            }
            ["WeekDays", "WeekDay"] => {
                let (day_type, working, from, to) = std::mem::take(&mut c.day);
                match (day_type, working) {
                    (Some(0), Some(working)) => {
                        if let (Some(from), Some(to)) = (from, to)
                            && c.legacy.len() < MAX_EXCEPTIONS
                        {
                            c.legacy.push(DayException { from, to, working });
                        }
                    }
                    (Some(d @ 1..=7), Some(working)) => {
                        if let Some(slot) = c.days.get_mut(usize::from(d - 1)) {
                            *slot = Some(working);
                        }
                    }
                    _ => {}
                }
            }
            ["Exceptions", "Exception"] => {
                let (_, working, from, to) = std::mem::take(&mut c.day);
                if let (Some(from), Some(to)) = (from, to) {
                    if c.exceptions.len() < MAX_EXCEPTIONS {
                        c.exceptions.push(DayException {
                            from,
                            to,
                            working: working.unwrap_or(false),
                        });
                    } else {
                        *clipped = true;
                    }
                }
            }
            _ => {}
        }
    }

    fn finish(mut self) -> Plan {
        let shape = Shape::of(
            self.per_day,
            self.per_week,
            self.days_per_month,
            self.duration_format,
        );
        let mut clipped = self.plan.clipped;
        let names: HashMap<i32, String> = self
            .resources
            .iter()
            .map(|r| (r.uid, r.name.clone()))
            .collect();
        let mut counts: HashMap<i32, u32> = HashMap::new();
        let mut assigned: HashMap<i32, Vec<Assigned>> = HashMap::new();
        for (task_uid, resource_uid, units) in &self.assignments {
            let Some(name) = names.get(resource_uid) else {
                continue;
            };
            *counts.entry(*resource_uid).or_default() += 1;
            let list = assigned.entry(*task_uid).or_default();
            if list.len() < MAX_ASSIGNED {
                list.push(Assigned {
                    name: name.clone(),
                    units: *units,
                });
            } else {
                clipped = true;
            }
        }
        self.plan.tasks = self
            .tasks
            .into_iter()
            .filter(|t| !t.is_null && t.task.id != 0)
            .map(|raw| {
                let mut t = raw.task;
                t.outline_level = t.outline_level.max(1);
                t.duration = raw
                    .duration
                    .map(|(m, unit)| shape.span(Duration::new(m, TimeUnit(unit))));
                t.predecessors = raw
                    .links
                    .into_iter()
                    .map(|l| Link {
                        uid: l.uid,
                        kind: LinkKind::from_code(l.kind),
                        lag: (l.lag_tenths != 0.0).then(|| {
                            let unit = TimeUnit(l.lag_format);
                            let percent =
                                matches!(unit, TimeUnit::PERCENT | TimeUnit::ELAPSED_PERCENT);
                            let minutes = if percent {
                                l.lag_tenths
                            } else {
                                l.lag_tenths / 10.0
                            };
                            shape.span(Duration::new(minutes, unit))
                        }),
                    })
                    .collect();
                t.resources = assigned.remove(&t.uid).unwrap_or_default();
                t.custom = raw
                    .custom
                    .into_iter()
                    .map(|(id, value, unit)| custom(&self.fields, &shape, id, value, unit))
                    .collect();
                t
            })
            .collect();
        self.plan.resources = self
            .resources
            .into_iter()
            .filter(|r| r.id != 0)
            .map(|mut r| {
                if r.kind != ResourceKind::Work {
                    r.max_units = None;
                    r.standard_rate = r.standard_rate.filter(|v| *v != 0.0);
                    r.overtime_rate = r.overtime_rate.filter(|v| *v != 0.0);
                }
                r.assignments = counts.get(&r.uid).copied().unwrap_or(0);
                r
            })
            .collect();
        let calendar = self
            .calendars
            .into_iter()
            .find(|c| Some(c.uid) == self.calendar_uid);
        if let Some(c) = calendar {
            let mut working_days = WorkCalendar::default().working_days;
            for (day, known) in working_days.iter_mut().zip(c.days) {
                if let Some(known) = known {
                    *day = known;
                }
            }
            let mut exceptions = if c.exceptions.is_empty() {
                c.legacy
            } else {
                c.exceptions
            };
            exceptions.sort_by(|a, b| a.from.cmp(&b.from));
            self.plan.calendar = WorkCalendar {
                name: c.name,
                working_days,
                exceptions,
            };
        }
        self.plan.clipped = clipped;
        self.plan
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// A custom value typed by its field's Project name (`Cost3`, `Flag1`, …).
fn custom(
    fields: &HashMap<u32, String>,
    shape: &Shape,
    id: u32,
    value: String,
    unit: Option<u16>,
) -> CustomField {
    let (kind, shown) = fields
        .get(&id)
        .and_then(|f| f.split_once('\u{0}'))
        .map_or_else(
            || (String::new(), format!("Field {id}")),
            |(k, s)| (k.to_owned(), s.to_owned()),
        );
    let number = || value.parse::<f64>().ok();
    let typed = if kind.starts_with("Cost") {
        number().map(|c| CustomValue::Cost(c / 100.0))
    } else if kind.starts_with("Number") {
        number().map(CustomValue::Number)
    } else if kind.starts_with("Flag") {
        Some(CustomValue::Flag(flag(&value)))
    } else if ["Date", "Start", "Finish"]
        .iter()
        .any(|p| kind.starts_with(p))
    {
        date(&value).map(CustomValue::Date)
    } else if kind.starts_with("Duration") {
        pt_minutes(&value).map(|m| {
            CustomValue::Duration(shape.span(Duration::new(m, TimeUnit(unit.unwrap_or(21)))))
        })
    } else {
        None
    };
    CustomField {
        name: shown,
        value: typed.unwrap_or(CustomValue::Text(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlanOf;

    /// The plan read back from the XML the engine writes is the plan built from the model.
    #[test]
    fn the_xml_of_the_sample_reads_back_to_the_same_plan() {
        let project = crate::sample::small();
        let xml = converter::write_mspdi(&project).unwrap_or_default();
        let read = read_plan(&xml).unwrap_or_default();
        let built = Plan::of(&project);
        assert_eq!(read.tasks.len(), built.tasks.len());
        for (r, b) in read.tasks.iter().zip(&built.tasks) {
            assert_eq!(r, b, "task {}", b.id);
        }
        assert_eq!(read.resources, built.resources);
        assert_eq!(read.calendar, built.calendar);
        assert_eq!(read, built);
    }

    #[test]
    fn what_is_not_mspdi_is_an_error_not_a_panic() {
        assert!(matches!(
            read_plan(b"<html></html>"),
            Err(ReadError::NotMspdi)
        ));
        assert!(matches!(read_plan(b""), Err(ReadError::NotMspdi)));
        assert!(matches!(
            read_plan(b"<Project><Tasks><Task></Project>"),
            Err(ReadError::Syntax { .. })
        ));
    }

    #[test]
    fn hostile_xml_is_bounded() {
        let mut xml = String::from("<Project><Tasks><Task><UID>1</UID><ID>1</ID><Notes>");
        xml.push_str(&"&amp;".repeat(100_000));
        xml.push_str("</Notes>");
        xml.push_str(&"<a>".repeat(1000));
        xml.push_str(&"</a>".repeat(1000));
        for i in 0..100 {
            xml.push_str(&format!(
                "<ExtendedAttribute><FieldID>{i}</FieldID><Value>v</Value></ExtendedAttribute>"
            ));
        }
        xml.push_str("</Task></Tasks></Project>");
        let plan = read_plan(xml.as_bytes()).unwrap_or_default();
        assert_eq!(plan.tasks.len(), 1);
        assert!(plan.tasks[0].notes.len() <= MAX_NOTES_BYTES);
        assert!(plan.tasks[0].notes.starts_with("&&&"));
        assert_eq!(plan.tasks[0].custom.len(), MAX_CUSTOM_FIELDS);
        assert!(plan.clipped);
    }

    #[test]
    fn durations_read_from_pt_text() {
        assert_eq!(pt_minutes("PT8H0M0S"), Some(480.0));
        assert_eq!(pt_minutes("PT1H6M30S"), Some(66.5));
        assert_eq!(pt_minutes("-PT0H30M0S"), Some(-30.0));
        assert_eq!(pt_minutes("8 hours"), None);
    }
}
