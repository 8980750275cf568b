//! The corpus sweep: every `.mpp` file of the corpus (`$MPP_CORPUS`, else `../shared/corpus`
//! beside the workspace) converts to well-formed MSPDI or fails with the error its kind of
//! file calls for, and damaged copies of a few of them fail cleanly instead of panicking.
//! Without a corpus these tests say so and pass.

// Tests fail by panicking.
#![allow(clippy::panic)]

mod support;

use converter::{ConvertError, Options, convert};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{
    Entries, Outcome, check_mspdi, convert_guarded, corpus_dir, corpus_files, par_map, shown,
};
use testkit::Rng;

/// Longest one conversion may take (debug build, slow CI machine) before it counts as a hang.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// What a corpus file must do, from `manifest.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Convert.
    Converts,
    /// Fail with `PasswordProtected` (MPXJ refused it for its password, and the generation
    /// encrypts with it: MPP12 and later).
    PasswordProtected,
    /// Not in the manifest: convert, or fail as password protected or of an unsupported
    /// generation.
    Unknown,
}

/// The manifest's expectations by path relative to the corpus folder (`mpp/a/b.mpp`), and the
/// MPP generation it lists for each file.
#[derive(Default)]
struct Manifest {
    rows: HashMap<String, (Expect, String)>,
    /// MPP9 files MPXJ refused for their password: they convert, as MPXJ reads them when
    /// told to ignore the password (`mpxj-nopassword/`).
    protected_mpp9: Vec<String>,
}

impl Manifest {
    fn load(corpus: &Path) -> Self {
        let Ok(text) = std::fs::read_to_string(corpus.join("manifest.csv")) else {
            return Self::default();
        };
        let mut lines = text.lines().map(csv_fields);
        let Some(header) = lines.next() else {
            return Self::default();
        };
        let column = |name: &str| {
            header
                .iter()
                .position(|h| h.trim_start_matches('\u{feff}') == name)
        };
        let (Some(path), Some(version), Some(error)) =
            (column("path"), column("mpp_version"), column("mpxj_error"))
        else {
            return Self::default();
        };
        let mut rows = HashMap::new();
        let mut protected_mpp9 = Vec::new();
        for fields in lines {
            let get = |i: usize| fields.get(i).map(String::as_str).unwrap_or("").trim();
            let version = get(version).to_owned();
            let path = get(path).replace('\\', "/");
            let password = get(error).to_ascii_lowercase().contains("password");
            let expect = match (version.as_str(), password) {
                ("9", true) => {
                    protected_mpp9.push(path.clone());
                    Expect::Converts
                }
                (_, true) => Expect::PasswordProtected,
                (_, false) => Expect::Converts,
            };
            rows.insert(path, (expect, version));
        }
        Self {
            rows,
            protected_mpp9,
        }
    }

    fn get(&self, rel: &str) -> (Expect, String) {
        self.rows
            .get(rel)
            .cloned()
            .unwrap_or((Expect::Unknown, "?".to_owned()))
    }
}

/// The fields of one CSV line (double quotes, doubled quotes inside).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                push_char(&mut fields, '"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => push_char(&mut fields, c),
        }
    }
    fields
}

fn push_char(fields: &mut [String], c: char) {
    if let Some(last) = fields.last_mut() {
        last.push(c);
    }
}

/// The path of a corpus file as the manifest writes it.
fn manifest_path(path: &Path) -> String {
    shown(path).replace('\\', "/")
}

fn skip_message(dir: &Path) -> String {
    format!(
        "skipping: corpus not found at {} (set MPP_CORPUS to use another folder)",
        dir.display()
    )
}

#[test]
fn every_corpus_file_converts_or_fails_as_expected() {
    let files = match corpus_files() {
        Ok(files) => files,
        Err(dir) => return println!("{}", skip_message(&dir)),
    };
    let manifest = Manifest::load(&corpus_dir());
    let started = Instant::now();
    let verdicts = par_map(&files, |path| judge(path, &manifest));
    let mut counts: BTreeMap<(String, &str), usize> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut slowest = (Duration::ZERO, "");
    for (path, (version, verdict, took)) in files.iter().zip(&verdicts) {
        if *took > slowest.0 {
            slowest = (*took, path.to_str().unwrap_or(""));
        }
        match verdict {
            Ok(what) => *counts.entry((version.clone(), what)).or_default() += 1,
            Err(why) => {
                *counts.entry((version.clone(), "PROBLEM")).or_default() += 1;
                problems.push(format!("{}: {why}", manifest_path(path)));
            }
        }
    }
    println!(
        "corpus {}: {} files in {:.1} s",
        corpus_dir().display(),
        files.len(),
        started.elapsed().as_secs_f64()
    );
    for ((version, what), n) in &counts {
        println!("  MPP{version:<3} {what:<20} {n:>4}");
    }
    println!(
        "  slowest: {} ({:.2} s)",
        shown(Path::new(slowest.1)),
        slowest.0.as_secs_f64()
    );
    assert!(
        problems.is_empty(),
        "{} of {} corpus files misbehaved:\n{}",
        problems.len(),
        files.len(),
        problems.join("\n")
    );
}

/// Converts one corpus file and says whether it did what its manifest entry calls for:
/// (generation, what happened or what went wrong, time taken).
fn judge(path: &Path, manifest: &Manifest) -> (String, Result<&'static str, String>, Duration) {
    let rel = manifest_path(path);
    let (expect, version) = manifest.get(&rel);
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => return (version, Err(format!("cannot read: {e}")), Duration::ZERO),
    };
    let started = Instant::now();
    let outcome = convert_guarded(&rel, bytes, TIME_LIMIT);
    let took = started.elapsed();
    let verdict = match outcome {
        Outcome::Returned(Ok(conversion)) => match (expect, check_mspdi(&conversion.xml)) {
            (_, Err(why)) => Err(format!("wrote XML that is not well-formed MSPDI: {why}")),
            (Expect::Converts | Expect::Unknown, Ok(())) => Ok("converted"),
            (other, Ok(())) => Err(format!("converted, but {other:?} was expected")),
        },
        Outcome::Returned(Err(e)) => match (expect, &e) {
            (Expect::PasswordProtected | Expect::Unknown, ConvertError::PasswordProtected) => {
                Ok("password protected")
            }
            (Expect::Unknown, ConvertError::UnsupportedVersion(_)) => Ok("unsupported version"),
            _ => Err(format!(
                "failed with {} ({e}); expected {expect:?}",
                e.kind()
            )),
        },
        Outcome::Panicked(message) => Err(format!("PANICKED: {message}")),
        Outcome::TimedOut => Err(format!("did not finish in {} s", TIME_LIMIT.as_secs())),
    };
    (version, verdict, took)
}

/// The fields of each `<Task>` and `<Assignment>` compared with MPXJ's reading of a
/// protected file: the ones the stored blocks decide (the XOR-masked fixed data among them).
const TASK_FIELDS: [&str; 8] = [
    "Name",
    "Start",
    "Finish",
    "Duration",
    "Work",
    "OutlineNumber",
    "PercentComplete",
    "ConstraintType",
];
const ASSIGNMENT_FIELDS: [&str; 5] = ["TaskUID", "ResourceUID", "Start", "Finish", "Work"];

/// A `<Task>` or `<Assignment>` being read: its kind, its UID and its (field, text) pairs.
type OpenRecord = (String, String, Vec<(String, String)>);

/// (record kind, UID, field) → text of the direct children named in `fields` of every
/// `<Task>` and `<Assignment>` element.
fn record_fields(xml: &[u8]) -> BTreeMap<(String, String, String), String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut out = BTreeMap::new();
    let mut stack: Vec<String> = Vec::new();
    let mut record: Option<OpenRecord> = None;
    let mut buf = Vec::new();
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) | Err(_) => break,
            Ok(event) => event,
        };
        match event {
            Event::Start(e) => {
                let name: String = e.local_name().as_ref().to_owned();
                if (name == "Task" || name == "Assignment")
                    && stack.last().is_some_and(|p| *p == format!("{name}s"))
                {
                    record = Some((name.clone(), String::new(), Vec::new()));
                }
                stack.push(name);
            }
            Event::Text(t) => {
                let depth_ok = record.is_some() && stack.len() >= 2;
                if let (true, Some(field), Some((kind, uid, values))) =
                    (depth_ok, stack.last(), record.as_mut())
                {
                    let parent = stack.get(stack.len() - 2).map(String::as_str);
                    if parent == Some(kind.as_str()) {
                        let text = t.xml10_content().into_owned();
                        if field == "UID" {
                            *uid = text;
                        } else {
                            values.push((field.clone(), text));
                        }
                    }
                }
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                if let Some((kind, uid, values)) = record.take_if(|(kind, ..)| *kind == name) {
                    let wanted: &[&str] = if kind == "Task" {
                        &TASK_FIELDS
                    } else {
                        &ASSIGNMENT_FIELDS
                    };
                    // The work of an unassigned assignment is not read but derived as
                    // Microsoft Project writes it (none before Project 2010), where MPXJ
                    // writes the task's.
                    let unassigned = values
                        .iter()
                        .any(|(f, v)| f == "ResourceUID" && v == "-65535");
                    for (field, value) in values {
                        let derived = unassigned && field == "Work";
                        if wanted.contains(&field.as_str()) && !derived {
                            out.insert((kind.clone(), uid.clone(), field), value);
                        }
                    }
                }
            }
            _ => {}
        }
        buf.clear();
    }
    out
}

#[test]
fn protected_project_2000_files_read_as_mpxj_reads_them_without_the_password() {
    let dir = corpus_dir();
    let manifest = Manifest::load(&dir);
    if manifest.protected_mpp9.is_empty() {
        return println!(
            "skipping: no protected MPP9 file listed in {} (set MPP_CORPUS to use another folder)",
            dir.join("manifest.csv").display()
        );
    }
    for rel in &manifest.protected_mpp9 {
        let Ok(bytes) = std::fs::read(dir.join(rel)) else {
            println!("skipping {rel}: not in the corpus");
            continue;
        };
        let conversion = match convert_guarded(rel, bytes, TIME_LIMIT) {
            Outcome::Returned(Ok(conversion)) => conversion,
            Outcome::Returned(Err(e)) => panic!("{rel}: refused: {e}"),
            Outcome::Panicked(message) => panic!("{rel}: panicked: {message}"),
            Outcome::TimedOut => panic!("{rel}: did not finish in {} s", TIME_LIMIT.as_secs()),
        };
        assert!(
            conversion.warnings.iter().any(|w| w.contains("password")),
            "{rel}: no warning about the password: {:?}",
            conversion.warnings
        );
        let reference = Path::new(rel)
            .strip_prefix("mpp")
            .map(|r| dir.join("mpxj-nopassword").join(r).with_extension("xml"));
        let Some(reference) = reference.ok().and_then(|p| std::fs::read(p).ok()) else {
            println!("{rel}: converted; no mpxj-nopassword XML to compare with");
            continue;
        };
        let expected = record_fields(&reference);
        let got = record_fields(&conversion.xml);
        assert!(
            expected.len() >= 10,
            "{rel}: the reference has only {} fields",
            expected.len()
        );
        let wrong: Vec<String> = expected
            .iter()
            .filter(|(key, value)| got.get(*key) != Some(*value))
            .map(|(key, value)| format!("{key:?}: MPXJ {value:?}, ours {:?}", got.get(key)))
            .collect();
        assert!(
            wrong.is_empty(),
            "{rel}: {} of {} fields differ:\n{}",
            wrong.len(),
            expected.len(),
            wrong.join("\n")
        );
        println!(
            "{rel}: {} task and assignment fields as MPXJ reads them",
            expected.len()
        );
    }
}

/// How many damaged copies of each chosen file are converted.
const TRUNCATIONS: usize = 32;
const FILE_FLIPS: usize = 48;
const STREAM_DAMAGES: usize = 64;

#[test]
fn damaged_corpus_files_fail_cleanly() {
    let files = match corpus_files() {
        Ok(files) => files,
        Err(dir) => return println!("{}", skip_message(&dir)),
    };
    let chosen = choose_samples(&files);
    assert!(
        !chosen.is_empty(),
        "no corpus file converts, so none can be damaged"
    );
    let started = Instant::now();
    let mut rng = Rng::new(0x6D70_7032_786D_6C21);
    let (mut converted, mut refused, mut problems) = (0usize, 0usize, Vec::new());
    for (path, bytes) in &chosen {
        let rel = manifest_path(path);
        if let Err(why) = rewritten_reads_the_same(bytes) {
            problems.push(format!("{rel}: {why}"));
        }
        let copies = damaged_copies(bytes, &mut rng);
        let outcomes = par_map(&copies, |(what, damaged)| {
            let label = format!("{rel}, {what}");
            let outcome = convert_guarded(&label, damaged.clone(), TIME_LIMIT);
            let outcome = match outcome {
                Outcome::Returned(Ok(conversion)) => check_mspdi(&conversion.xml)
                    .map(|()| true)
                    .map_err(|why| format!("bad XML: {why}")),
                Outcome::Returned(Err(_)) => Ok(false),
                Outcome::Panicked(message) => Err(format!("PANICKED: {message}")),
                Outcome::TimedOut => Err(format!("did not finish in {} s", TIME_LIMIT.as_secs())),
            };
            (label, outcome)
        });
        for (label, outcome) in outcomes {
            match outcome {
                Ok(true) => converted += 1,
                Ok(false) => refused += 1,
                Err(why) => problems.push(format!("{label}: {why}")),
            }
        }
    }
    println!(
        "damaged copies of {} files: {converted} converted, {refused} refused, {} problems, {:.1} s",
        chosen.len(),
        problems.len(),
        started.elapsed().as_secs_f64()
    );
    for (path, _) in &chosen {
        println!("  sample: {}", manifest_path(path));
    }
    assert!(
        problems.is_empty(),
        "damaged inputs misbehaved:\n{}",
        problems.join("\n")
    );
}

/// The container rewritten with the same streams must convert to the same XML, or the
/// stream damage of `damaged_copies` would not reach the MPP reader.
fn rewritten_reads_the_same(bytes: &[u8]) -> Result<(), String> {
    let rewritten = Entries::read(bytes)
        .and_then(|entries| entries.write())
        .map_err(|e| format!("cannot rewrite the container: {e}"))?;
    let mut options = Options::default();
    let original = convert(bytes, &mut options).map_err(|e| format!("original: {e}"))?;
    let copy =
        convert(&rewritten, &mut options).map_err(|e| format!("rewritten container: {e}"))?;
    if original.xml == copy.xml {
        Ok(())
    } else {
        Err("the rewritten container converts to different XML".to_owned())
    }
}

/// A handful of files that convert: the smallest of each generation, and one of middle size.
fn choose_samples(files: &[PathBuf]) -> Vec<(PathBuf, Vec<u8>)> {
    let mut by_size: Vec<(u64, &PathBuf)> = files
        .iter()
        .map(|p| (std::fs::metadata(p).map(|m| m.len()).unwrap_or(0), p))
        .collect();
    by_size.sort();
    let converts = |path: &Path| {
        let bytes = std::fs::read(path).ok()?;
        match convert_guarded(&shown(path), bytes.clone(), TIME_LIMIT) {
            Outcome::Returned(Ok(_)) => Some(bytes),
            _ => None,
        }
    };
    let mut chosen: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut formats = Vec::new();
    for (_, path) in &by_size {
        let Some(format) = format_named_in(path) else {
            continue;
        };
        if formats.contains(&format) {
            continue;
        }
        if let Some(bytes) = converts(path) {
            formats.push(format);
            chosen.push(((*path).clone(), bytes));
        }
    }
    for (_, path) in by_size.iter().skip(by_size.len() / 2).take(20) {
        if chosen.iter().all(|(p, _)| p != *path)
            && let Some(bytes) = converts(path)
        {
            chosen.push(((*path).clone(), bytes));
            break;
        }
    }
    chosen
}

/// The format name in a file's `\1CompObj` stream (`MSProject.MPP14`), read cheaply so that
/// samples can be picked per generation without converting every file.
fn format_named_in(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let entries = Entries::read(&bytes).ok()?;
    let (_, data) = entries
        .streams
        .iter()
        .find(|(name, _)| name == "/\u{1}CompObj")?;
    let text = String::from_utf8_lossy(data);
    let start = text.find("MSProject.")?;
    let name: String = text
        .get(start..)?
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    Some(name)
}

/// Damaged copies of `bytes`, each with a description: the file cut short, bytes of the file
/// changed, and (through a rewritten container, so the damage reaches the MPP reader rather
/// than the container's own checks) one stream cut short, changed, or given huge numbers.
fn damaged_copies(bytes: &[u8], rng: &mut Rng) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for i in 0..TRUNCATIONS {
        let len = if i % 2 == 0 {
            bytes.len() * i / TRUNCATIONS
        } else {
            rng.below(bytes.len())
        };
        out.push((
            format!("cut to {len} bytes"),
            bytes.get(..len).unwrap_or(bytes).to_vec(),
        ));
    }
    for _ in 0..FILE_FLIPS {
        let mut copy = bytes.to_vec();
        let mut positions = Vec::new();
        for _ in 0..=rng.below(4) {
            let at = rng.below(copy.len());
            let xor = rng.nonzero_byte();
            if let Some(b) = copy.get_mut(at) {
                *b ^= xor;
                positions.push(at);
            }
        }
        out.push((format!("bytes changed at {positions:?}"), copy));
    }
    let Ok(entries) = Entries::read(bytes) else {
        return out;
    };
    if entries.streams.is_empty() {
        return out;
    }
    for _ in 0..STREAM_DAMAGES {
        let mut copy = entries.clone();
        let index = rng.below(copy.streams.len());
        let Some((name, data)) = copy.streams.get_mut(index) else {
            continue;
        };
        let what = match rng.below(3) {
            0 => {
                let len = rng.below(data.len());
                data.truncate(len);
                format!("stream {name:?} cut to {len} bytes")
            }
            1 => {
                let mut positions = Vec::new();
                for _ in 0..=rng.below(8) {
                    let at = rng.below(data.len());
                    let xor = rng.nonzero_byte();
                    if let Some(b) = data.get_mut(at) {
                        *b ^= xor;
                        positions.push(at);
                    }
                }
                format!("stream {name:?} changed at {positions:?}")
            }
            _ => {
                let value: u32 = match rng.below(4) {
                    0 => u32::MAX,
                    1 => 0x7FFF_FFFF,
                    2 => 0x8000_0000,
                    _ => 0xFFFF,
                };
                let at = rng.below(data.len() / 4) * 4;
                if let Some(word) = data.get_mut(at..at + 4) {
                    word.copy_from_slice(&value.to_le_bytes());
                }
                format!("stream {name:?} word at {at} set to {value:#x}")
            }
        };
        if let Ok(damaged) = copy.write() {
            out.push((what, damaged));
        }
    }
    out
}

/// The Project 98 files whose MPXJ XML is trusted (not the `X*-mpp8` ones, saved by later
/// versions in the Project 98 format): every task MPXJ lists is read with its name, and every
/// link MPXJ lists is there with its type. Checks the record layouts against a second
/// reader, on real files rather than built ones.
#[test]
fn project_98_tasks_and_links_match_the_reference() {
    let dir = match corpus_files() {
        Ok(_) => corpus_dir(),
        Err(dir) => return println!("{}", skip_message(&dir)),
    };
    let Ok(text) = std::fs::read_to_string(dir.join("manifest.csv")) else {
        return println!("{}", skip_message(&dir));
    };
    let mut lines = text.lines().map(csv_fields);
    let header = lines.next().unwrap_or_default();
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(path_at), Some(version_at), Some(xml_at)) =
        (column("path"), column("mpp_version"), column("mpxj_xml"))
    else {
        panic!("manifest.csv lacks path, mpp_version or mpxj_xml");
    };
    let mut checked = 0;
    for fields in lines {
        let get = |i: usize| fields.get(i).map(String::as_str).unwrap_or("");
        let path = get(path_at);
        let file_name = path.rsplit('/').next().unwrap_or("");
        if get(version_at) != "8" || file_name.starts_with('X') || get(xml_at).is_empty() {
            continue;
        }
        let (Ok(bytes), Ok(reference)) = (
            std::fs::read(dir.join(path)),
            std::fs::read_to_string(dir.join(get(xml_at))),
        ) else {
            continue;
        };
        let read = converter::read_project(&bytes, &mut Options::default())
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let tasks: HashMap<i32, &converter::model::Task> =
            read.project.tasks.iter().map(|t| (t.uid, t)).collect();
        for block in reference.split("<Task>").skip(1) {
            let block = block.split("</Task>").next().unwrap_or("");
            let value = |tag: &str| {
                let open = format!("<{tag}>");
                let start = block.find(&open)? + open.len();
                let end = block.get(start..)?.find('<')? + start;
                block.get(start..end)
            };
            let Some(uid) = value("UID").and_then(|u| u.parse::<i32>().ok()) else {
                continue;
            };
            let task = tasks
                .get(&uid)
                .unwrap_or_else(|| panic!("{path}: task {uid} was not read"));
            let name = value("Name").map(|n| n.replace("&amp;", "&"));
            assert_eq!(task.name, name, "{path}: name of task {uid}");
            let links = block.matches("<PredecessorLink>").count();
            assert_eq!(
                task.predecessors.len(),
                links,
                "{path}: links of task {uid}"
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 10,
        "only {checked} Project 98 files were checked"
    );
}
