//! Each format written from a built project and read back with an independent reader
//! (calamine for XLSX, the csv crate for CSV, a JSON Schema validator for JSON), compared
//! with the model.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::csv::Table;
use super::{ExportOptions, Format, write};
use crate::error::ConvertError;
use crate::model::{
    Assignment, CustomFieldDefinition, CustomFieldValue, CustomValue, DateTime, DottedCode,
    Duration, Project, Relation, RelationKind, Resource, Task, TimeUnit,
};
use calamine::{Data, Reader, Xlsx};
use std::io::{Cursor, Read};

/// Task Text1's field id.
const TEXT1: u32 = 188_743_731;

fn at(day: u32, hour: u32) -> DateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 3, day)
        .and_then(|d| d.and_hms_opt(hour, 0, 0))
        .unwrap()
}

fn task(uid: i32, level: u16, name: &str, summary: bool) -> Task {
    Task {
        uid,
        id: uid,
        name: Some(name.to_owned()),
        outline_level: level,
        wbs: Some(DottedCode::root(uid.to_string())),
        summary,
        active: true,
        start: Some(at(2, 8)),
        finish: Some(at(6, 17)),
        duration: Some(Duration::new(2400.0, TimeUnit::DAYS)),
        work: Some(960.0),
        ..Task::default()
    }
}

/// A project of five tasks in three outline levels (0 project summary, 1 phase, 2 work),
/// two links, two resources, three assignments and an aliased custom field.
fn project() -> Project {
    let mut p = Project::default();
    let mut build = task(3, 2, "Build; \"walls\", roof", false);
    build.predecessors = vec![Relation {
        uid: 1,
        predecessor_uid: 2,
        kind: RelationKind::FinishStart,
        lag: Duration::new(960.0, TimeUnit::DAYS),
    }];
    build.custom_values = vec![CustomFieldValue {
        field_id: TEXT1,
        value: CustomValue::Text("north wing".into()),
        value_guid: None,
    }];
    let mut finish = task(5, 1, "Handover", false);
    finish.milestone = true;
    finish.predecessors = vec![Relation {
        uid: 2,
        predecessor_uid: 1,
        kind: RelationKind::StartStart,
        lag: Duration::default(),
    }];
    p.tasks = vec![
        task(0, 0, "Project", true),
        task(1, 1, "Phase", true),
        task(2, 2, "Design", false),
        build,
        finish,
    ];
    p.resources = vec![
        Resource {
            uid: 1,
            id: 1,
            name: Some("Ana".into()),
            max_units: Some(1.0),
            ..Resource::default()
        },
        Resource {
            uid: 2,
            id: 2,
            name: Some("Bruno".into()),
            ..Resource::default()
        },
    ];
    let assign = |uid, task_uid, resource_uid| Assignment {
        uid,
        task_uid,
        resource_uid,
        units: Some(1.0),
        work: Some(480.0),
        start: Some(at(2, 8)),
        finish: Some(at(3, 17)),
        ..Assignment::default()
    };
    p.assignments = vec![assign(1, 2, 1), assign(2, 3, 1), assign(3, 3, 2)];
    p.custom_fields = vec![CustomFieldDefinition {
        field_id: TEXT1,
        name: "Text1".into(),
        alias: Some("Wing".into()),
        ..CustomFieldDefinition::default()
    }];
    p
}

fn unzip(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut file = archive.by_name(name).unwrap();
    let mut out = Vec::new();
    file.read_to_end(&mut out).unwrap();
    out
}

#[test]
fn xlsx_reads_back_with_typed_cells_named_sheets_and_row_groups() {
    let p = project();
    let bytes = write(&p, Format::Xlsx, &ExportOptions::default()).unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Tasks", "Resources", "Assignments", "Project"]
    );
    let tasks = book.worksheet_range("Tasks").unwrap();
    assert_eq!(
        tasks.height(),
        p.tasks.len() + 1,
        "a header and a row per task"
    );
    let header: Vec<String> = tasks
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert!(
        header.contains(&"Wing".to_owned()),
        "custom fields by alias: {header:?}"
    );
    let build = tasks.rows().nth(4).unwrap();
    assert_eq!(
        build.get(col("Name")),
        Some(&Data::String("Build; \"walls\", roof".into()))
    );
    assert!(
        matches!(build.get(col("Start")), Some(Data::DateTime(_))),
        "dates are dates"
    );
    let start = match build.get(col("Start")) {
        Some(Data::DateTime(d)) => d.as_f64(),
        other => panic!("{other:?}"),
    };
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap();
    #[allow(clippy::cast_precision_loss)]
    let serial = (at(2, 8) - epoch).num_minutes() as f64 / 1440.0;
    assert!((start - serial).abs() < 1e-6, "{start} is 2026-03-02 08:00");
    assert_eq!(
        build.get(col("Duration")),
        Some(&Data::Float(5.0)),
        "5 days as a number"
    );
    assert_eq!(
        build.get(col("Work")),
        Some(&Data::Float(16.0)),
        "work in hours"
    );
    assert_eq!(
        build.get(col("Predecessors")),
        Some(&Data::String("2FS+2d".into()))
    );
    assert_eq!(
        build.get(col("Resource Names")),
        Some(&Data::String("Ana, Bruno".into()))
    );
    assert_eq!(
        build.get(col("Wing")),
        Some(&Data::String("north wing".into()))
    );
    assert_eq!(build.get(col("Milestone")), Some(&Data::Bool(false)));
    let handover = tasks.rows().nth(5).unwrap();
    assert_eq!(
        handover.get(col("Predecessors")),
        Some(&Data::String("1SS".into()))
    );
    let resources = book.worksheet_range("Resources").unwrap();
    assert_eq!(resources.height(), 3);
    let assignments = book.worksheet_range("Assignments").unwrap();
    assert_eq!(assignments.height(), 4);

    // Row groups: the phase's children at level 2 inside the project's level 1.
    let sheet = String::from_utf8(unzip(&bytes, "xl/worksheets/sheet1.xml")).unwrap();
    let level_of = |row: u32| {
        let tag = format!("<row r=\"{row}\"");
        let start = sheet.find(&tag).unwrap();
        let end = start + sheet[start..].find('>').unwrap();
        let attrs = &sheet[start..end];
        attrs
            .find("outlineLevel=\"")
            .map(|i| {
                attrs[i + 14..]
                    .chars()
                    .next()
                    .unwrap()
                    .to_digit(10)
                    .unwrap()
            })
            .unwrap_or(0)
    };
    let levels: Vec<u32> = (2..=6).map(level_of).collect();
    assert_eq!(
        levels,
        [0, 1, 2, 2, 1],
        "the project, its phase, the phase's tasks"
    );
    assert!(sheet.contains("<pane"), "the header row is frozen");
    assert!(sheet.contains("<autoFilter"), "the header has filters");
}

#[test]
fn csv_tables_read_back_with_the_model_values_and_the_chosen_delimiter() {
    let p = project();
    let options = ExportOptions {
        csv_delimiter: b';',
    };
    let zip = write(&p, Format::Csv, &options).unwrap();
    let read = |name: &str| {
        let bytes = unzip(&zip, name);
        let mut reader = ::csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(bytes.as_slice());
        let header = reader.headers().unwrap().clone();
        let rows: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        (header, rows)
    };
    let (header, tasks) = read("tasks.csv");
    assert_eq!(tasks.len(), p.tasks.len());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let build = &tasks[3];
    assert_eq!(
        &build[col("Name")],
        "Build; \"walls\", roof",
        "quoted per RFC 4180"
    );
    assert_eq!(&build[col("Start")], "2026-03-02T08:00:00");
    assert_eq!(&build[col("Duration")], "5");
    assert_eq!(&build[col("Duration Unit")], "d");
    assert_eq!(&build[col("Duration (h)")], "40");
    assert_eq!(&build[col("Predecessors")], "2FS+2d");
    assert_eq!(&build[col("Wing")], "north wing");
    assert_eq!(read("resources.csv").1.len(), p.resources.len());
    assert_eq!(read("assignments.csv").1.len(), p.assignments.len());
    let (_, links) = read("links.csv");
    assert_eq!(links.len(), 2);
    let raw = unzip(&zip, "tasks.csv");
    assert!(raw.windows(2).any(|w| w == b"\r\n"), "CRLF line ends");
    assert!(raw.starts_with(b"ID;Unique ID;"), "header row first");

    let one = super::csv::table(&p, Table::Resources, b',', u64::MAX).unwrap();
    assert!(one.starts_with(b"ID,Unique ID,Name"));
}

#[test]
fn json_validates_against_its_schema_and_carries_the_model() {
    let p = project();
    let bytes = write(&p, Format::Json, &ExportOptions::default()).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let schema: serde_json::Value = serde_json::from_str(super::json::SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(value["schema_version"], 1);
    assert_eq!(value["tasks"].as_array().unwrap().len(), p.tasks.len());
    assert_eq!(
        value["resources"].as_array().unwrap().len(),
        p.resources.len()
    );
    assert_eq!(
        value["assignments"].as_array().unwrap().len(),
        p.assignments.len()
    );
    let build = &value["tasks"][3];
    assert_eq!(build["name"], "Build; \"walls\", roof");
    assert_eq!(build["duration"]["minutes"], 2400.0);
    assert_eq!(build["duration"]["unit"], "d");
    assert_eq!(build["predecessors"][0]["type"], "FS");
    assert_eq!(build["custom_fields"][0]["value"], "north wing");

    // The schema is strict: a field it does not know fails validation.
    let mut extra = value.clone();
    extra["tasks"][0]["colour"] = "red".into();
    assert!(!validator.is_valid(&extra));
}

#[test]
fn every_format_stops_at_the_output_limit() {
    let p = project();
    assert!(matches!(
        super::xlsx::write(&p, 100),
        Err(ConvertError::OutputTooLarge { limit: 100 })
    ));
    assert!(matches!(
        super::csv::zip(&p, b',', 100),
        Err(ConvertError::OutputTooLarge { limit: 100 })
    ));
    assert!(matches!(
        super::json::write(&p, 100),
        Err(ConvertError::OutputTooLarge { limit: 100 })
    ));
}

#[test]
fn a_name_repeated_in_every_row_cannot_grow_the_output_past_the_limit() {
    let mut p = project();
    if let Some(r) = p.resources.first_mut() {
        r.name = Some("x".repeat(10_000));
    }
    let one = p.assignments[0].clone();
    p.assignments = (0..1000)
        .map(|uid| Assignment { uid, ..one.clone() })
        .collect();
    // Ten thousand bytes of name on a thousand assignments: ten million bytes of cells.
    assert!(matches!(
        super::xlsx::write(&p, 1 << 20),
        Err(ConvertError::OutputTooLarge { .. })
    ));
    assert!(matches!(
        super::csv::zip(&p, b',', 1 << 20),
        Err(ConvertError::OutputTooLarge { .. })
    ));
}
