//! Conversion speed on the ten largest corpus files that convert (`$MPP_CORPUS`, else
//! `../shared/corpus` beside the workspace). Run with `cargo xtask bench` or
//! `cargo bench -p converter --bench convert`; without a corpus it says so and does nothing.

use converter::{Options, convert};
use criterion::{BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How many files are measured.
const FILES: usize = 10;

fn corpus_dir() -> PathBuf {
    match std::env::var_os("MPP_CORPUS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
    }
}

fn collect_inputs(dir: &Path, out: &mut Vec<(u64, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_inputs(&path, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("mpp") || e.eq_ignore_ascii_case("mpt"))
        {
            out.push((entry.metadata().map(|m| m.len()).unwrap_or(0), path));
        }
    }
}

/// The largest inputs that convert (a file that fails would measure only its error path).
fn largest_inputs(corpus: &Path) -> Vec<(String, Vec<u8>)> {
    let inputs = if corpus.join("mpp").is_dir() {
        corpus.join("mpp")
    } else {
        corpus.to_path_buf()
    };
    let mut files = Vec::new();
    collect_inputs(&inputs, &mut files);
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
    let corpus = corpus_dir();
    let inputs = largest_inputs(&corpus);
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
