//! Every MPP9/12/14 file of the corpus in every format, read back by an independent reader
//! to the same task, resource and assignment counts as its XML. Skips (and says so)
//! without a corpus.

// Tests fail by panicking, and their inputs are their own.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use calamine::{Reader, Xlsx};
use converter::export::json::SCHEMA;
use converter::model::FileFormat;
use converter::{ExportOptions, Format, Options, read_project};
use quick_xml::Reader as XmlReader;
use quick_xml::events::Event;
use std::io::{Cursor, Read};

/// Tasks, resources and assignments with a resource (the XML adds resourceless assignments
/// for tasks that have none, which only MSPDI readers need).
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Counts {
    tasks: usize,
    resources: usize,
    assignments: usize,
}

const NO_RESOURCE: &str = "-65535";

fn xml_counts(xml: &[u8]) -> Counts {
    let mut reader = XmlReader::from_reader(xml);
    let mut path: Vec<String> = Vec::new();
    let mut counts = Counts {
        tasks: 0,
        resources: 0,
        assignments: 0,
    };
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).unwrap() {
            Event::Start(e) => {
                let name: String = e.local_name().as_ref().to_owned();
                let parent = path.last().map(String::as_str);
                match (parent, name.as_str()) {
                    (Some("Tasks"), "Task") => counts.tasks += 1,
                    (Some("Resources"), "Resource") => counts.resources += 1,
                    (Some("Assignments"), "Assignment") => counts.assignments += 1,
                    _ => {}
                }
                path.push(name);
            }
            Event::Text(t) => {
                let inside = |names: &[&str]| {
                    path.len() >= names.len()
                        && path[path.len() - names.len()..]
                            .iter()
                            .zip(names)
                            .all(|(a, b)| a == b)
                };
                if inside(&["Assignments", "Assignment", "ResourceUID"])
                    && t.xml10_content() == NO_RESOURCE
                {
                    counts.assignments -= 1;
                }
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    counts
}

fn json_counts(bytes: &[u8], validator: &jsonschema::Validator) -> Result<Counts, String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if let Some(error) = validator.iter_errors(&value).next() {
        return Err(format!("schema: {error} at {}", error.instance_path));
    }
    let len = |key: &str| value[key].as_array().map_or(0, Vec::len);
    let with_resource = value["assignments"].as_array().map_or(0, |a| {
        a.iter().filter(|a| a["resource_uid"] != -65535).count()
    });
    Ok(Counts {
        tasks: len("tasks"),
        resources: len("resources"),
        assignments: with_resource,
    })
}

fn csv_counts(zip: &[u8]) -> Result<Counts, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).map_err(|e| e.to_string())?;
    let mut rows = |name: &str| -> Result<Vec<csv::StringRecord>, String> {
        let mut text = Vec::new();
        archive
            .by_name(name)
            .map_err(|e| e.to_string())?
            .read_to_end(&mut text)
            .map_err(|e| e.to_string())?;
        csv::Reader::from_reader(text.as_slice())
            .records()
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{name}: {e}"))
    };
    let tasks = rows("tasks.csv")?.len();
    let resources = rows("resources.csv")?.len();
    // Resource Unique ID is the fifth column of the assignments table.
    let assignments = rows("assignments.csv")?
        .iter()
        .filter(|r| r.get(4) != Some(NO_RESOURCE))
        .count();
    Ok(Counts {
        tasks,
        resources,
        assignments,
    })
}

fn xlsx_counts(bytes: &[u8]) -> Result<Counts, String> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| e.to_string())?;
    let mut rows = |sheet: &str| -> Result<calamine::Range<calamine::Data>, String> {
        book.worksheet_range(sheet).map_err(|e| e.to_string())
    };
    // Rows below the header; an empty sheet has the header only.
    let below_header = |r: &calamine::Range<calamine::Data>| r.height().saturating_sub(1);
    let tasks = below_header(&rows("Tasks")?);
    let resources = below_header(&rows("Resources")?);
    // Every assignment of the model, those without a resource included: the caller takes
    // those off before comparing with the XML.
    let assignments = below_header(&rows("Assignments")?);
    Ok(Counts {
        tasks,
        resources,
        assignments,
    })
}

#[test]
fn every_format_reads_back_to_the_counts_of_the_xml() {
    let files = match support::corpus_files() {
        Ok(files) => files,
        Err(dir) => {
            eprintln!("skipped: no corpus at {} (set MPP_CORPUS)", dir.display());
            return;
        }
    };
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let results = support::par_map(&files, |path| -> Result<bool, String> {
        let shown = support::shown(path);
        let bytes = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
        let Ok(read) = read_project(&bytes, &mut Options::default()) else {
            return Ok(false);
        };
        if !matches!(
            read.project.properties.file_format,
            Some(FileFormat::Mpp9 | FileFormat::Mpp12 | FileFormat::Mpp14)
        ) {
            return Ok(false);
        }
        let options = ExportOptions::default();
        let export = |f| {
            read.export(f, &options)
                .map_err(|e| format!("{shown}: {f:?}: {e}"))
        };
        let xml = xml_counts(&export(Format::Xml)?);
        // The XLSX lists assignments without a resource too: compare with the model's count.
        let all_assignments = read.project.assignments.len();
        let no_resource = all_assignments
            - read
                .project
                .assignments
                .iter()
                .filter(|a| a.resource_uid.to_string() != NO_RESOURCE)
                .count();
        let json = json_counts(&export(Format::Json)?, &validator)
            .map_err(|e| format!("{shown}: json: {e}"))?;
        let csv = csv_counts(&export(Format::Csv)?).map_err(|e| format!("{shown}: csv: {e}"))?;
        let mut xlsx =
            xlsx_counts(&export(Format::Xlsx)?).map_err(|e| format!("{shown}: xlsx: {e}"))?;
        xlsx.assignments -= no_resource;
        for (name, counts) in [("json", json), ("csv", csv), ("xlsx", xlsx)] {
            if counts != xml {
                return Err(format!("{shown}: {name} {counts:?}, xml {xml:?}"));
            }
        }
        Ok(true)
    });
    let checked = results.iter().filter(|r| matches!(r, Ok(true))).count();
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    eprintln!("{checked} MPP9/12/14 files checked in four formats");
    assert!(
        failures.is_empty(),
        "{} failed:\n{:#?}",
        failures.len(),
        failures
    );
    assert!(
        checked > 0,
        "the corpus holds MPP9/12/14 files that convert"
    );
}
