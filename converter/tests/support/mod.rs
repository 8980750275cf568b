//! Helpers shared by the integration tests: finding the corpus, running one conversion so
//! that a panic or a hang is reported with the input's name, and checking that output XML is
//! well-formed MSPDI.

// Each test crate uses a different part of this module.
#![allow(dead_code)]

use converter::{Conversion, ConvertError, Options, convert};
use quick_xml::XmlVersion;
use quick_xml::events::Event;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// Where the corpus is expected: `$MPP_CORPUS`, else `../shared/corpus` beside the workspace.
pub fn corpus_dir() -> PathBuf {
    match std::env::var_os("MPP_CORPUS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
            dir.canonicalize().unwrap_or(dir)
        }
    }
}

/// The corpus's `.mpp`/`.mpt` files, sorted by path, or `None` (with the folder looked at)
/// when there are none, so callers can say what they skipped.
pub fn corpus_files() -> Result<Vec<PathBuf>, PathBuf> {
    let dir = corpus_dir();
    let inputs = if dir.join("mpp").is_dir() {
        dir.join("mpp")
    } else {
        dir.clone()
    };
    let mut files = testkit::mpp_files_under(&inputs);
    files.sort();
    if files.is_empty() {
        Err(dir)
    } else {
        Ok(files)
    }
}

/// A path shown relative to the corpus folder, for messages.
pub fn shown(path: &Path) -> String {
    let dir = corpus_dir();
    path.strip_prefix(&dir)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// How one guarded conversion ended.
pub enum Outcome {
    /// `convert` returned.
    Returned(Result<Conversion, ConvertError>),
    /// `convert` panicked; the message.
    Panicked(String),
    /// `convert` did not return in time.
    TimedOut,
}

/// Runs `convert` on its own thread, named `label` so the panic hook names the input, and
/// waits at most `limit`. A conversion that hangs fails the test instead of stalling CI.
pub fn convert_guarded(label: &str, bytes: Vec<u8>, limit: Duration) -> Outcome {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(label.to_owned())
        .spawn(move || {
            let result = std::panic::catch_unwind(|| convert(&bytes, &mut Options::default()));
            let _ = tx.send(result);
        });
    if let Err(e) = spawned {
        return Outcome::Panicked(format!("cannot start a thread: {e}"));
    }
    match rx.recv_timeout(limit) {
        Ok(Ok(result)) => Outcome::Returned(result),
        Ok(Err(payload)) => Outcome::Panicked(panic_message(payload.as_ref())),
        Err(mpsc::RecvTimeoutError::Timeout) => Outcome::TimedOut,
        Err(mpsc::RecvTimeoutError::Disconnected) => Outcome::Panicked("thread vanished".into()),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-text panic payload)".to_owned()
    }
}

/// Checks that `xml` is one well-formed XML 1.0 document whose root element is `<Project>`:
/// UTF-8, matching tags, known entities, valid character references, no characters XML 1.0
/// forbids, no duplicate attributes, nothing but one root element.
pub fn check_mspdi(xml: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(xml).map_err(|e| format!("not UTF-8: {e}"))?;
    if let Some((at, c)) = text.char_indices().find(|(_, c)| !xml_char(*c)) {
        return Err(format!(
            "character U+{:04X} at byte {at} is not allowed in XML 1.0",
            c as u32
        ));
    }
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| format!("at byte {at}: {e}"))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if depth == 0 {
                    roots += 1;
                    if roots > 1 {
                        return Err(format!("a second root element at byte {at}"));
                    }
                    if e.local_name().as_ref() != "Project" {
                        let name = e.name().as_ref().to_owned();
                        return Err(format!("the root element is <{name}>, not <Project>"));
                    }
                }
                for attr in e.attributes().with_checks(true) {
                    let attr = attr.map_err(|e| format!("at byte {at}: bad attribute: {e}"))?;
                    attr.normalized_value(XmlVersion::Explicit1_0)
                        .map_err(|e| format!("at byte {at}: {e}"))?;
                }
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(ref t) if depth == 0 && !t.xml10_content().trim().is_empty() => {
                return Err(format!("text outside the root element at byte {at}"));
            }
            Event::GeneralRef(ref r) => {
                if depth == 0 {
                    return Err(format!("a reference outside the root element at byte {at}"));
                }
                if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) if xml_char(c) => {}
                        _ => return Err(format!("bad character reference at byte {at}")),
                    }
                } else if !matches!(&**r, "lt" | "gt" | "amp" | "apos" | "quot") {
                    return Err(format!("undeclared entity &{}; at byte {at}", &**r));
                }
            }
            Event::CData(_) if depth == 0 => {
                return Err(format!("CDATA outside the root element at byte {at}"));
            }
            Event::DocType(_) => return Err(format!("a DOCTYPE at byte {at}; MSPDI has none")),
            Event::Eof => break,
            _ => {}
        }
    }
    match (roots, depth) {
        (0, _) => Err("no root element".to_owned()),
        (_, 0) => Ok(()),
        (_, open) => Err(format!("{open} element(s) not closed at the end")),
    }
}

/// The characters XML 1.0 allows (its production `Char`).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The entries of a compound file, parents before children, so it can be written again.
#[derive(Debug, Clone, Default)]
pub struct Entries {
    /// Storage paths.
    pub storages: Vec<String>,
    /// Stream paths and contents.
    pub streams: Vec<(String, Vec<u8>)>,
}

impl Entries {
    /// Reads every storage and stream of a compound file.
    pub fn read(bytes: &[u8]) -> std::io::Result<Self> {
        use std::io::Read;
        let mut file = cfb::CompoundFile::open(std::io::Cursor::new(bytes))?;
        let mut entries = Self::default();
        let listed: Vec<(String, bool)> = file
            .walk()
            .filter(|e| !e.is_root())
            .map(|e| (e.path().to_string_lossy().into_owned(), e.is_storage()))
            .collect();
        for (path, is_storage) in listed {
            if is_storage {
                entries.storages.push(path);
            } else {
                let mut data = Vec::new();
                file.open_stream(&path)?.read_to_end(&mut data)?;
                entries.streams.push((path, data));
            }
        }
        Ok(entries)
    }

    /// Writes a new compound file, in memory.
    pub fn write(&self) -> std::io::Result<Vec<u8>> {
        use std::io::Write;
        let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new()))?;
        for storage in &self.storages {
            file.create_storage_all(storage)?;
        }
        for (path, data) in &self.streams {
            let mut stream = file.create_stream(path)?;
            stream.write_all(data)?;
            stream.flush()?;
        }
        file.flush()?;
        Ok(file.into_inner().into_inner())
    }
}

/// `f` over `items` on a few threads (the machine's cores, at most 4), results in item order:
/// the corpus sweeps are many independent conversions.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = f(item);
                    if let Ok(mut results) = results.lock() {
                        results.push((i, result));
                    }
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// A `\1CompObj` stream: a 28-byte header, then the user type (the saving application) and
/// the clipboard format name (`MSProject.MPP9`, …) as length-prefixed ANSI strings.
pub fn comp_obj(application: &str, format: &str) -> Vec<u8> {
    let mut out = vec![0u8; 28];
    for text in [application, format, "MSProject.Project.9"] {
        let len = u32::try_from(text.len() + 1).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(text.as_bytes());
        out.push(0);
    }
    out
}
