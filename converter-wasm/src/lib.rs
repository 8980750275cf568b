//! mpp2xml's engine in a Web Worker.
//!
//! The worker (bin `worker`, built by Trunk as `worker.js` + `worker_bg.wasm`) and the page
//! speak the typed protocol of the `protocol` crate: each message is an envelope of a
//! serialised [`protocol::Request`] or [`protocol::Reply`] and, when it carries bytes, an
//! `ArrayBuffer` transferred (moved, not copied) beside it — the file going in, the XML coming
//! back.
//!
//! The conversion ([`run`]), the viewer's plan ([`plan`]), the MSPDI reader for files the
//! server converted ([`mspdi`]) and the sample plans ([`sample`]) are plain Rust, tested on the
//! host; only [`worker`] touches the browser.

pub mod mspdi;
pub mod plan;
pub mod sample;
#[cfg(target_arch = "wasm32")]
pub mod worker;

use converter::{ConvertError, Options, Summary};
use plan::PlanOf;
use protocol::Plan;

/// What one successful conversion hands back to the page.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The MSPDI document, byte for byte what the `mpp2xml` command writes.
    pub xml: Vec<u8>,
    /// What was read, in numbers.
    pub summary: Summary,
    /// Problems that did not stop the conversion.
    pub warnings: Vec<String>,
    /// What the viewer shows.
    pub plan: Plan,
}

/// Reads the file, builds the plan from the model and writes the XML, reporting progress
/// the way [`converter::convert`] does. The XML is written from the same reading, under the
/// same budgets, so it is identical to what `convert` (and the CLI) produce.
pub fn run(input: &[u8], options: &mut Options<'_>) -> Result<Outcome, ConvertError> {
    let read = converter::read_project(input, options)?;
    if let Some(p) = options.progress.as_deref_mut() {
        p(converter::Stage::Writing, 0.9);
    }
    let xml = read.write_mspdi()?;
    let plan = Plan::of(&read.project);
    if let Some(p) = options.progress.as_deref_mut() {
        p(converter::Stage::Done, 1.0);
    }
    Ok(Outcome {
        xml,
        summary: Summary::of(&read.project),
        warnings: read.warnings,
        plan,
    })
}

/// The smallest Project 2010 file the engine reads (no tasks), made by `build.rs`: the
/// worker converts it when it starts so that the browser has compiled the container,
/// property and writer paths before the user's first file arrives.
pub const WARM_UP_FILE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/warm-up.mpp"));

/// A sample plan made here, through the same path as a converted file: its XML (written by
/// the engine's MSPDI writer), its summary and its plan.
pub fn sample(which: protocol::Sample) -> Result<Outcome, ConvertError> {
    let project = match which {
        protocol::Sample::Small => sample::small(),
        protocol::Sample::Large => sample::large(),
    };
    let xml = converter::write_mspdi(&project)?;
    Ok(Outcome {
        xml,
        summary: Summary::of(&project),
        warnings: Vec::new(),
        plan: Plan::of(&project),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The warm-up must go the whole way (container, properties, model, writer, plan), or
    /// it warms nothing past the point where it fails.
    #[test]
    fn the_warm_up_file_converts_like_any_project_file() {
        let outcome = run(WARM_UP_FILE, &mut Options::default());
        let Ok(outcome) = outcome else {
            panic!("the warm-up file was refused: {:?}", outcome.err());
        };
        assert_eq!(outcome.summary.format.number(), 14);
        assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
        let xml = String::from_utf8_lossy(&outcome.xml);
        assert!(xml.contains("<CurrencySymbol>$</CurrencySymbol>"), "{xml}");
    }

    #[test]
    fn garbage_is_an_error_with_a_kind_not_a_panic() {
        let err = run(b"hello, this is not a project", &mut Options::default())
            .err()
            .map(|e| e.kind());
        assert_eq!(err, Some("not_mpp"));
    }

    /// The worker's XML must equal the facade's (and so the CLI's) for every file; checked on
    /// the corpus when it is there.
    #[test]
    fn xml_equals_the_facade_on_corpus_files() {
        let dir = std::env::var("MPP_CORPUS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
            })
            .join("mpp");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("corpus not found at {}; skipping", dir.display());
            return;
        };
        let mut checked = 0;
        for entry in entries.flatten().take(40) {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "mpp") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let facade = converter::convert(&bytes, &mut Options::default());
            let ours = run(&bytes, &mut Options::default());
            match (facade, ours) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.xml, b.xml, "{}", path.display());
                    assert_eq!(a.summary, b.summary, "{}", path.display());
                    assert_eq!(a.warnings, b.warnings, "{}", path.display());
                    checked += 1;
                }
                (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind()),
                (a, b) => panic!(
                    "{}: facade {:?} vs worker {:?}",
                    path.display(),
                    a.is_ok(),
                    b.is_ok()
                ),
            }
        }
        assert!(checked > 0, "no corpus file converted");
    }
}
