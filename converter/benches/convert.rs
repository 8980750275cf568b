//! Conversion speed on the ten largest corpus files that convert (`$MPP_CORPUS`, else
//! `../shared/corpus` beside the workspace). Run with `cargo xtask bench` or
//! `cargo bench -p converter --bench convert`; without a corpus it says so and does nothing.

use converter::{Options, convert};
use criterion::{BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

/// How many files are measured.
const FILES: usize = 10;

/// Corpus discovery is the integration tests' own, so both look in the same place.
#[path = "../tests/support/mod.rs"]
mod support;

/// The largest inputs that convert (a file that fails would measure only its error path).
fn largest_inputs() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(u64, PathBuf)> = support::corpus_files()
        .unwrap_or_default()
        .into_iter()
        .map(|path| (std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0), path))
        .collect();
    files.sort_by(|a, b| b.cmp(a));
    let mut chosen: Vec<(String, Vec<u8>)> = Vec::new();
    for (_, path) in files {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if convert(&bytes, &mut Options::default()).is_err() {
            continue;
        }
        // Benchmark ids must be unique; stems can repeat across folders.
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut name = stem.clone();
        let mut n = 1;
        while chosen.iter().any(|(other, _)| *other == name) {
            n += 1;
            name = format!("{stem}~{n}");
        }
        chosen.push((name, bytes));
        if chosen.len() == FILES {
            break;
        }
    }
    chosen
}

fn main() {
    let corpus = support::corpus_dir();
    let inputs = largest_inputs();
    if inputs.is_empty() {
        println!(
            "skipping: no convertible corpus files at {} (set MPP_CORPUS)",
            corpus.display()
        );
        return;
    }
    let mut criterion = Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = criterion.benchmark_group("convert");
    for (name, bytes) in &inputs {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), bytes, |b, bytes| {
            b.iter(|| convert(black_box(bytes), &mut Options::default()))
        });
    }
    group.finish();
    criterion.final_summary();
}
