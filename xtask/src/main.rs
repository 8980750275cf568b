//! `cargo xtask`: the project's commands (see the README).
//!
//! - `cargo xtask test`: everything CI checks, in order, stopping at the first failure:
//!   formatting, clippy (host crates, then the browser crates for wasm32), the tests, the
//!   wasm32 build of the engine, the corpus score against MPXJ and against Microsoft Project
//!   (failing when a file crashes the converter or a score falls below its floor in
//!   `xtask/score-floors.txt`), the hostile inputs (`hostile --size small`), the
//!   fuzz targets briefly, then the release binaries, the browser app built in release (with
//!   the licence public key the release server prints), served by `mpp2xml-server` (a default
//!   one, and one selling Pro through a local fake of Stripe) and tested end to end in
//!   headless Chromium, and the server under load.
//! - `cargo xtask dist`: installs the web tools that are missing, builds the release server
//!   (it gives the licence public key, from `data/licence.key`) and the app into `dist/`.
//! - `cargo xtask serve [ARGS]`: `dist`, then serves it on http://127.0.0.1:8080; ARGS go to
//!   `mpp2xml-server`.
//! - `cargo xtask e2e [ARGS]`: `dist`, then only the end-to-end tests; ARGS go to
//!   `playwright test`.
//! - `cargo xtask load`: the release server under load (`tests/load/`), a step of `test` too.
//! - `cargo xtask cluster`: `ops/` run for real on loopback (PostgreSQL, three instances,
//!   nginx with TLS, Prometheus), under load, with an instance killed and the database
//!   restarted (see `cluster.rs`); the last step of `test`.
//! - `cargo xtask bench-web`: the ten largest corpus files converted in the browser's worker
//!   and by the native CLI, and the ratio.
//! - `cargo xtask score [ARGS]`: only the corpus score; ARGS go to `corpus_score.py`
//!   (e.g. `--against msproject`, `--filter REGEX`, `--json OUT.json`).
//! - `cargo xtask bench [ARGS]`: the criterion benchmarks; ARGS go to criterion.
//! - `cargo xtask hostile [--size small|large] [--only NAME] [--keep DIR] [--no-server]
//!   [--list]`: hostile `.mpp` files crafted from corpus files at run time, through the
//!   release CLI (under `prlimit --as=6GiB` and `/usr/bin/time -v`) and the release server;
//!   each must end with XML or a typed error within the bounds of issue 9 (peak RSS ≤ 8 ×
//!   input + 64 MB, output ≤ 16 × input + 16 MB, wall ≤ 5 s). Report in
//!   `target/hostile-report.txt`.
//! - `cargo xtask fuzz [--time SECONDS] [--seed] [TARGET...] [-- OPTIONS]`: the cargo-fuzz
//!   targets of `fuzz/` (`convert`, `compound`, `mspdi_writer`), each for SECONDS (default
//!   60), on the stable toolchain; fails on a crash, a timeout or an out-of-memory (see
//!   `fuzz.rs`); OPTIONS go to libFuzzer. `test` runs each for 20 s.
//! - `cargo xtask postgres [COMMAND ARGS]`: a throwaway PostgreSQL (the one `test` starts for
//!   the database tests); runs COMMAND with `MPP2XML_TEST_POSTGRES_URL` set, or prints the URL
//!   and waits for Enter.
//!
//! The corpus is `$MPP_CORPUS` when set, else `../shared/corpus` beside the workspace; the
//! scorer is `../shared/tools/corpus_score.py`. Std only, so this builds in seconds.

mod cluster;
mod fuzz;
mod hostile;
mod load;
mod postgres;
mod web;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const USAGE: &str = "\
Usage: cargo xtask <COMMAND> [ARGS]

Commands:
  test           fmt, clippy (host, then wasm32 for the browser crates), doc tests, tests,
                 wasm32 check, corpus scores (no crashes, floors), hostile inputs (small), fuzz
                 targets (20 s each), then
                 the release binaries, the browser app (release), end-to-end tests in
                 headless Chromium against mpp2xml-server (and a second one selling Pro
                 through a fake Stripe), load test, cluster test
  dist           install the missing web tools (wasm32 target, Trunk, wasm-bindgen-cli, npm
                 packages), build mpp2xml-server (it prints the licence public key of
                 data/licence.key) and the app in release mode into dist/
  serve [ARGS]   dist, build mpp2xml-server, serve dist/ on http://127.0.0.1:8080;
                 ARGS go to mpp2xml-server, e.g. --addr 0.0.0.0:8080
  e2e [ARGS]     the release binaries, the app, then only the end-to-end tests; ARGS go to
                 `playwright test`, e.g. `cargo xtask e2e app.spec.mjs --grep viewer`
  bench-web      the ten largest corpus files in the browser's worker and with the native CLI
  load           the release server under wrk (tests/load): 1000 connections on the routes,
                 50 concurrent fallback conversions, a burst past the quota, and the 1000
                 connections again beside 2000 slow-header connections and 20 empty uploads
  cluster        ops/ for real on loopback: PostgreSQL, three release instances, nginx with
                 TLS, Prometheus with the alert rules; under wrk through nginx, a licence
                 issued on one instance and honoured by the others, an instance SIGKILLed and
                 restarted (InstanceDown fires and resolves), PostgreSQL restarted (/readyz 503
                 then 200), every Grafana panel query evaluated; target/cluster-report.txt
  score [--mpp8] [ARGS]
                 build mpp2xml in release and score it on the corpus's MPP9/12/14 files
                 (with --mpp8: its Project 98 files); ARGS go to corpus_score.py, e.g.
                 --against msproject, --filter REGEX, --json OUT.json
  bench [ARGS]   run the criterion benchmarks; ARGS go to criterion
  hostile [--size small|large] [--only NAME] [--keep DIR] [--no-server] [--list]
                 hostile .mpp files crafted from the corpus at run time, through the
                 release CLI (prlimit --as=6GiB, time -v) and server: XML or a typed error,
                 peak RSS <= 8 x input + 64 MB, output <= 16 x input + 16 MB, wall <= 5 s;
                 table in target/hostile-report.txt (small: inputs <= ~1 MB; large: <= 8 MB)
  fuzz [--time SECONDS] [--seed] [TARGET...] [-- LIBFUZZER-OPTIONS]
                 run the cargo-fuzz targets of fuzz/ (convert, compound, mspdi_writer; all
                 by default) one after the other, SECONDS each (default 60), on stable Rust
                 (RUSTC_BOOTSTRAP=1, --sanitizer none -O --debug-assertions; cargo-fuzz is
                 installed when missing); prints executions, exec/s, cov, ft and corpus size
                 per target and fails on a crash, timeout or out-of-memory, naming the input;
                 --seed copies the corpus's .mpp files into fuzz/corpus/convert (done anyway
                 when that folder is empty); options after -- go to libFuzzer
  postgres [COMMAND ARGS]
                 start a throwaway PostgreSQL (as `test` does for the database tests) and
                 run COMMAND with MPP2XML_TEST_POSTGRES_URL set, e.g.
                 `cargo xtask postgres cargo nextest run -p backend`; without COMMAND, print
                 the URL and wait for Enter

Environment:
  MPP_CORPUS     the corpus folder (default: ../shared/corpus beside the workspace)";

/// The MPP generations the score covers (MPP8 is reported unsupported by design).
const SCORED_VERSIONS: &str = "9,12,14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next();
    // `cargo xtask bench -- --list` passes the `--` on; the ARGS are everything after it.
    let rest: Vec<String> = args.skip_while(|a| a == "--").collect();
    let result = match command.as_deref() {
        Some("test") if rest.is_empty() => test(),
        Some("score") => score_only(&rest),
        Some("bench") => bench(&rest),
        Some("fuzz") => fuzz::command(&rest),
        Some("dist") if rest.is_empty() => web::dist(),
        Some("serve") => web::serve(&rest),
        Some("e2e") => web::e2e_only(&rest),
        Some("bench-web") if rest.is_empty() => web::bench_web(),
        Some("load") if rest.is_empty() => load::command(),
        Some("cluster") if rest.is_empty() => cluster::command(),
        Some("postgres") => postgres::command(&rest),
        Some("hostile") => hostile::command(&rest),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(command @ ("test" | "dist" | "bench-web" | "load" | "cluster")) => Err(format!(
            "`{command}` takes no arguments (got {})",
            rest.join(" ")
        )),
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
        None => Err(format!("no command given\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: FAILED: {message}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------
// Steps: named, timed, stop at the first failure.

/// How a step ended when it did not fail.
enum Done {
    Ran,
    Skipped(String),
}

type StepResult = Result<Done, String>;

/// Runs named steps in order and keeps their durations for the closing summary.
struct Steps {
    total: usize,
    log: Vec<(String, Duration, String)>,
}

impl Steps {
    fn new(total: usize) -> Self {
        Self {
            total,
            log: Vec::new(),
        }
    }

    fn run(&mut self, name: &str, step: impl FnOnce() -> StepResult) -> Result<(), String> {
        let number = self.log.len() + 1;
        println!("\n==> [{number}/{}] {name}", self.total);
        let started = Instant::now();
        let result = step();
        let took = started.elapsed();
        let (status, outcome) = match result {
            Ok(Done::Ran) => ("ok".to_owned(), Ok(())),
            Ok(Done::Skipped(why)) => (format!("skipped: {why}"), Ok(())),
            Err(message) => (
                "FAILED".to_owned(),
                Err(format!("step `{name}`: {message}")),
            ),
        };
        println!(
            "<== [{number}/{}] {name}: {status} ({})",
            self.total,
            seconds(took)
        );
        self.log.push((name.to_owned(), took, status));
        outcome
    }

    fn summary(&self) {
        println!("\n== steps ==");
        let mut total = Duration::ZERO;
        for (name, took, status) in &self.log {
            println!("  {name:<28} {:>8}  {status}", seconds(*took));
            total += *took;
        }
        println!("  {:<28} {:>8}", "total", seconds(total));
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

// ---------------------------------------------------------------------------------------
// Commands.

fn test() -> Result<(), String> {
    print_toolchain();
    let mut steps = Steps::new(17);
    let result = test_steps(&mut steps);
    steps.summary();
    result
}

fn test_steps(steps: &mut Steps) -> Result<(), String> {
    steps.run("format (cargo fmt --check)", fmt_check)?;
    steps.run("lint (cargo clippy)", clippy)?;
    steps.run("lint of the browser crates (wasm32)", web::wasm_clippy)?;
    let nextest = has_nextest();
    // Doc tests first, so the last test runner to report is the main suite's summary.
    steps.run("doc tests", || doc_tests(nextest))?;
    steps.run("tests", || tests(nextest))?;
    steps.run("wasm32 build of the engine", wasm_check)?;
    let against_msproject = ["--against".to_owned(), "msproject".to_owned()];
    steps.run("corpus score against MPXJ (no crashes, floors)", || {
        score(Selection::Main, &[])
    })?;
    steps.run("corpus score against MS Project (floors)", || {
        score(Selection::Main, &against_msproject)
    })?;
    steps.run("Project 98 files against MPXJ (floors)", || {
        score(Selection::Mpp8, &[])
    })?;
    steps.run("Project 98 files against MS Project (floors)", || {
        score(Selection::Mpp8, &against_msproject)
    })?;
    steps.run(
        "hostile inputs (cargo xtask hostile --size small)",
        hostile::step,
    )?;
    steps.run("fuzz targets (20 s each)", fuzz::step)?;
    // The server first: it gives the licence public key the app is built with.
    steps.run(
        "release build of mpp2xml and mpp2xml-server",
        web::build_release_bins,
    )?;
    steps.run("build the app (release) into dist/", web::build_dist)?;
    steps.run("end-to-end tests (Playwright, Chromium)", web::e2e)?;
    steps.run("load test (wrk on the release server)", load::step)?;
    steps.run(
        "cluster test (nginx TLS, 3 instances, PostgreSQL, Prometheus; kill and restart)",
        cluster::step,
    )?;
    Ok(())
}

fn score_only(args: &[String]) -> Result<(), String> {
    let mut steps = Steps::new(1);
    let result = match args.split_first() {
        Some((first, rest)) if first == "--mpp8" => {
            steps.run("corpus score (Project 98)", || score(Selection::Mpp8, rest))
        }
        _ => steps.run("corpus score", || score(Selection::Main, args)),
    };
    steps.summary();
    result
}

fn bench(args: &[String]) -> Result<(), String> {
    let mut steps = Steps::new(1);
    let result = steps.run("benchmarks", || {
        let mut command = cargo(&["bench", "-p", "converter", "--bench", "convert", "--"]);
        command.args(args);
        run(&mut command).map(|()| Done::Ran)
    });
    steps.summary();
    result
}

// ---------------------------------------------------------------------------------------
// The steps of `test`.

fn fmt_check() -> StepResult {
    run(&mut cargo(&["fmt", "--all", "--check"]))
        .map_err(|e| format!("{e}; the code is not formatted: run `cargo fmt --all`"))?;
    Ok(Done::Ran)
}

fn clippy() -> StepResult {
    run(&mut cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
    .map_err(|e| format!("{e}; fix the errors above"))?;
    Ok(Done::Ran)
}

/// The workspace's tests, with a throwaway PostgreSQL for the backend's database tests
/// (required: they fail rather than skip without it). The server is stopped and its files
/// removed when this returns, whether the tests passed or not.
fn tests(nextest: bool) -> StepResult {
    let postgres = postgres::Postgres::start()
        .map_err(|e| format!("{e}; the database tests need a PostgreSQL"))?;
    println!(
        "PostgreSQL {} for the database tests: {}",
        postgres.version, postgres.url
    );
    let args: &[&str] = if nextest {
        &["nextest", "run", "--workspace", "--no-fail-fast"]
    } else {
        println!("(cargo-nextest is not installed: using cargo test)");
        &["test", "--workspace", "--no-fail-fast"]
    };
    let mut command = cargo(args);
    command
        .env("MPP2XML_TEST_POSTGRES_URL", &postgres.url)
        .env("MPP2XML_REQUIRE_POSTGRES", "1");
    run(&mut command).map_err(|e| format!("{e}; some tests failed (see above)"))?;
    Ok(Done::Ran)
}

fn doc_tests(nextest: bool) -> StepResult {
    if !nextest {
        return Ok(Done::Skipped("cargo test already ran them".to_owned()));
    }
    run(&mut cargo(&["test", "--workspace", "--doc"]))
        .map_err(|e| format!("{e}; a doc test failed (see above)"))?;
    Ok(Done::Ran)
}

fn wasm_check() -> StepResult {
    if !has_wasm_target()? {
        println!("the {WASM_TARGET} target is missing: installing it");
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
            .map_err(|e| format!("{e}; cannot install the {WASM_TARGET} target"))?;
    }
    run(&mut cargo(&[
        "check",
        "-p",
        "converter",
        "--target",
        WASM_TARGET,
    ]))
    .map_err(|e| format!("{e}; the engine must build for {WASM_TARGET} (browser worker)"))?;
    Ok(Done::Ran)
}

/// The part of the corpus a score run covers; each has its own floors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selection {
    /// The MPP9/12/14 files.
    Main,
    /// The Project 98 (MPP8) files. Against MPXJ without the `generated/*/X*-mpp8` files:
    /// the corpus's README warns that MPXJ's XML of those is unreliable.
    Mpp8,
}

impl Selection {
    /// The scorer's options that choose the files, against `reference`.
    fn args(self, reference: &str) -> Vec<String> {
        match (self, reference) {
            (Self::Main, _) => vec!["--versions".to_owned(), SCORED_VERSIONS.to_owned()],
            (Self::Mpp8, "mpxj") => vec![
                "--versions".to_owned(),
                "8".to_owned(),
                "--filter".to_owned(),
                MPXJ_RELIABLE_MPP8.to_owned(),
            ],
            (Self::Mpp8, _) => vec!["--versions".to_owned(), "8".to_owned()],
        }
    }

    /// The name of its floors in [`FLOORS_FILE`] against `reference`.
    fn floors_of(self, reference: &str) -> String {
        match self {
            Self::Main => reference.to_owned(),
            Self::Mpp8 => format!("{reference}-mpp8"),
        }
    }
}

/// The MPP8 files whose MPXJ XML can be trusted: not the `X*` files of `generated/`.
const MPXJ_RELIABLE_MPP8: &str = "^(?!.*/X[^/]*$)";

/// Builds `mpp2xml` in release and runs the corpus scorer over `selection`. Fails when the
/// scorer fails, when any file crashed the converter, and (on the whole selection) when a score
/// falls below its floor in [`FLOORS_FILE`].
fn score(selection: Selection, extra: &[String]) -> StepResult {
    let root = workspace_root();
    let from_env = corpus_from_env();
    let corpus = corpus_dir();
    let scorer = root.join("../shared/tools/corpus_score.py");
    if !corpus.join("manifest.csv").is_file() {
        return Ok(Done::Skipped(format!(
            "corpus not found at {} (no manifest.csv; set MPP_CORPUS to use another folder)",
            shown(&corpus)
        )));
    }
    if !scorer.is_file() {
        return Ok(Done::Skipped(format!(
            "scorer not found at {}",
            shown(&scorer)
        )));
    }
    if !succeeds(Command::new("python3").arg("--version")) {
        return Ok(Done::Skipped("python3 is not installed".to_owned()));
    }
    run(&mut cargo(&[
        "build",
        "--release",
        "-p",
        "converter",
        "--bin",
        "mpp2xml",
    ]))
    .map_err(|e| format!("{e}; the release build failed"))?;
    let binary = target_dir(&root).join("release").join("mpp2xml");
    let details = std::env::temp_dir().join(format!("xtask-score-{}.json", std::process::id()));
    let mut command = Command::new("python3");
    command
        .arg(&scorer)
        .arg("--json")
        .arg(&details)
        .arg("--cmd")
        .arg(format!(
            "{} {{in}} -o {{out}}",
            shell_quote(&binary.to_string_lossy())
        ))
        .args(selection.args(whole_selection_against(extra).unwrap_or("mpxj")))
        .args(["--jobs", "2"])
        .env("PYTHONDONTWRITEBYTECODE", "1");
    if let Some(dir) = &from_env {
        command.arg("--corpus").arg(dir);
    }
    command.args(extra); // after ours, so that the caller's options win
    let report = run_scorer(&mut command);
    let crashed_files = std::fs::read_to_string(&details).map(|json| crashed_files(&json));
    let _ = std::fs::remove_file(&details);
    let report = report?;
    let crashed = report.crashed;
    if crashed > 0 {
        if let Ok(files) = crashed_files {
            println!("\ncrashed files:");
            for (file, reason) in files {
                println!("  {file}: {reason}");
            }
        }
        return Err(format!(
            "{crashed} file(s) crashed the converter (non-zero exit, signal, timeout or no output); \
             see the crashed files listed above"
        ));
    }
    let Some(reference) = whole_selection_against(extra) else {
        return Ok(Done::Skipped(
            "floors not checked: the options choose a part of the corpus or another scoring"
                .to_owned(),
        ));
    };
    let floors_file = root.join(FLOORS_FILE);
    let text = std::fs::read_to_string(&floors_file)
        .map_err(|e| format!("cannot read {}: {e}", shown(&floors_file)))?;
    let floors = parse_floors(&text)?;
    let name = selection.floors_of(reference);
    if !floors.iter().any(|f| f.reference == name) {
        return Err(format!(
            "{} has no floors for `{name}`",
            shown(&floors_file)
        ));
    }
    let below = below_floors(&floors, &name, &report.percent);
    if below.is_empty() {
        println!(
            "every score of `{name}` is at or above its floor in {}",
            shown(&floors_file)
        );
        Ok(Done::Ran)
    } else {
        Err(format!(
            "the engine lost fidelity (`{name}`): {}; find the change that lost it \
             (the floors in {} only move up)",
            below.join("; "),
            shown(&floors_file)
        ))
    }
}

/// The floors of the corpus score, per reference and section (see the file's own comments).
const FLOORS_FILE: &str = "xtask/score-floors.txt";

/// The reference the scorer compares with when `extra` keeps the whole MPP9/12/14 selection
/// and the default scoring (no `--filter`, `--limit`, `--absent-is-zero`, …), else `None`:
/// floors are about that whole selection.
fn whole_selection_against(extra: &[String]) -> Option<&str> {
    match extra {
        [] => Some("mpxj"),
        [flag, reference] if flag == "--against" => Some(reference.as_str()),
        [one] => one.strip_prefix("--against="),
        _ => None,
    }
}

/// One floor: the score of `section` against `reference` must stay at or above `percent`.
#[derive(Debug, PartialEq)]
struct Floor {
    reference: String,
    section: String,
    percent: f64,
}

/// Reads `reference section percent` lines; `#` starts a comment.
fn parse_floors(text: &str) -> Result<Vec<Floor>, String> {
    let mut floors = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let [reference, section, percent] = words.as_slice() else {
            return Err(format!(
                "{FLOORS_FILE} line {}: expected `reference section percent`, got `{line}`",
                number + 1
            ));
        };
        let percent = percent
            .trim_end_matches('%')
            .parse::<f64>()
            .map_err(|e| format!("{FLOORS_FILE} line {}: {e}", number + 1))?;
        floors.push(Floor {
            reference: (*reference).to_owned(),
            section: (*section).to_owned(),
            percent,
        });
    }
    Ok(floors)
}

/// The floors of `reference` that `percent` (section → score) falls below, worded; a section
/// with a floor but no score counts as below.
fn below_floors(floors: &[Floor], reference: &str, percent: &[(String, f64)]) -> Vec<String> {
    floors
        .iter()
        .filter(|floor| floor.reference == reference)
        .filter_map(|floor| {
            let got = percent
                .iter()
                .find(|(section, _)| *section == floor.section)
                .map(|(_, p)| *p);
            match got {
                Some(p) if p >= floor.percent => None,
                Some(p) => Some(format!(
                    "{} {p:.2}% < floor {:.2}%",
                    floor.section, floor.percent
                )),
                None => Some(format!("{}: no score in the report", floor.section)),
            }
        })
        .collect()
}

/// What the scorer's report says: the crash count of its `score:` line and each section's
/// match percentage over the corpus (`TOTAL` and `timephased` included).
struct ScoreReport {
    crashed: usize,
    percent: Vec<(String, f64)>,
}

/// Runs the scorer, echoing its report, and reads [`ScoreReport`] from it.
fn run_scorer(command: &mut Command) -> Result<ScoreReport, String> {
    println!("$ {}", describe(command));
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start python3: {e}"))?;
    let mut score_line = None;
    let mut percent = Vec::new();
    let mut in_fields_table = false;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| format!("cannot read the scorer's output: {e}"))?;
            println!("{line}");
            if line.starts_with("== ") {
                in_fields_table = line.starts_with("== fields over the corpus");
            } else if in_fields_table && let Some(row) = section_percent(&line) {
                percent.push(row);
            }
            if line.starts_with("score:") {
                score_line = Some(line);
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("the scorer did not finish: {e}"))?;
    if !status.success() {
        return Err(format!("the scorer failed ({status})"));
    }
    let line = score_line.ok_or("the scorer printed no `score:` line")?;
    let crashed =
        crashed_count(&line).ok_or_else(|| format!("no crash count in the score line: {line}"))?;
    Ok(ScoreReport { crashed, percent })
}

/// `(section, percent)` of a row of the scorer's "fields over the corpus" table, e.g.
/// `tasks  371751  362488  6813  2450  478  25456  97.51%`.
fn section_percent(line: &str) -> Option<(String, f64)> {
    let mut words = line.split_whitespace();
    let section = words.next()?;
    let last = words.last()?;
    let percent = last.strip_suffix('%')?.parse().ok()?;
    Some((section.to_owned(), percent))
}

/// The number after `crashed` in `score: … files exact A/B, crashed C, timephased …`.
fn crashed_count(line: &str) -> Option<usize> {
    let (_, after) = line.split_once("crashed ")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// (file, reason) of each crashed file in the scorer's `--json` report. The report is
/// written with one key per line and each file's `rel` before its `status` and `reason`, which
/// is all this std-only reader relies on.
fn crashed_files(json: &str) -> Vec<(String, String)> {
    let value = |line: &str, key: &str| {
        let rest = line.trim().strip_prefix(&format!("\"{key}\": "))?;
        Some(rest.trim_end_matches(',').trim_matches('"').to_owned())
    };
    let mut out = Vec::new();
    let (mut rel, mut crashed) = (String::new(), false);
    for line in json.lines() {
        if let Some(v) = value(line, "rel") {
            (rel, crashed) = (v, false);
        } else if value(line, "status").as_deref() == Some("crashed") {
            crashed = true;
        } else if let Some(reason) = value(line, "reason").filter(|_| crashed) {
            out.push((rel.clone(), reason));
            crashed = false;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Helpers.

/// `$MPP_CORPUS` when set and not empty.
fn corpus_from_env() -> Option<PathBuf> {
    std::env::var_os("MPP_CORPUS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The corpus: `$MPP_CORPUS`, else `../shared/corpus` beside the workspace.
fn corpus_dir() -> PathBuf {
    corpus_from_env().unwrap_or_else(|| workspace_root().join("../shared/corpus"))
}

fn workspace_root() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).to_path_buf()
}

fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// A path for messages, without `..` when the folder exists.
fn shown(path: &Path) -> String {
    path.canonicalize()
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// `cargo` (the one running xtask) with `args`, in the workspace root.
fn cargo(args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.args(args).current_dir(workspace_root());
    command
}

/// Runs `command` with inherited output; an error names the command and its status.
fn run(command: &mut Command) -> Result<(), String> {
    println!("$ {}", describe(command));
    let status = command
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot start `{}`: {e}", describe(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(command)))
    }
}

/// True when `command` runs and exits with 0 (its output is discarded).
fn succeeds(command: &mut Command) -> bool {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn describe(command: &Command) -> String {
    let program = Path::new(command.get_program());
    let name = program
        .file_name()
        .unwrap_or(program.as_os_str())
        .to_string_lossy();
    let args: Vec<String> = command
        .get_args()
        .map(|a| shell_quote(&a.to_string_lossy()))
        .collect();
    format!("{name} {}", args.join(" "))
}

/// Quotes `word` for a POSIX shell (and for Python's `shlex.split`) when it needs it.
fn shell_quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+=:,@%{}".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

fn has_nextest() -> bool {
    succeeds(&mut cargo(&["nextest", "--version"]))
}

/// Whether the active toolchain has the wasm32 standard library, checked in its sysroot so
/// that it works with and without rustup.
fn has_wasm_target() -> Result<bool, String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc)
        .args(["--print", "sysroot"])
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    Ok(Path::new(&sysroot)
        .join("lib/rustlib")
        .join(WASM_TARGET)
        .join("lib")
        .is_dir())
}

/// Prints the tools in use, so a CI log says what it ran with.
fn print_toolchain() {
    let tools: [(&str, &[&str]); 4] = [
        ("rustc", &["--version"]),
        ("cargo", &["--version"]),
        ("cargo", &["nextest", "--version"]),
        ("python3", &["--version"]),
    ];
    for (program, args) in tools {
        let output = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .output();
        match output {
            Ok(out) if out.status.success() => {
                let text = String::from_utf8_lossy(&out.stdout);
                println!("{}", text.lines().next().unwrap_or("").trim());
            }
            _ => println!("{program} {}: not found", args.join(" ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crash_count_is_read_from_the_score_line() {
        let line = "score: 0.00% fields matched (0/607817), files exact 0/462, crashed 3, \
                    timephased 100.00%";
        assert_eq!(crashed_count(line), Some(3));
        assert_eq!(
            crashed_count("score: 1% (1/2), files exact 0/1, crashed 0, x"),
            Some(0)
        );
        assert_eq!(crashed_count("score: nothing"), None);
    }

    #[test]
    fn section_rows_are_read_from_the_fields_table() {
        assert_eq!(
            section_percent(
                "tasks           371751   362488    6813    2450     478   25456   97.51%"
            ),
            Some(("tasks".to_owned(), 97.51))
        );
        assert_eq!(
            section_percent(
                "timephased       90469        0       0   90469    6776       0    0.00%"
            ),
            Some(("timephased".to_owned(), 0.0))
        );
        assert_eq!(section_percent("------------------------------"), None);
        assert_eq!(section_percent("section      reference  matched"), None);
    }

    #[test]
    fn a_score_below_its_floor_fails_and_others_references_do_not_count() {
        let floors = parse_floors(
            "# comment\nmpxj TOTAL 99.90\nmsproject TOTAL 96.30  # trailing\n\nmsproject timephased 0\n",
        )
        .unwrap();
        assert_eq!(floors.len(), 3);
        let scores = |total: f64| vec![("TOTAL".to_owned(), total), ("timephased".to_owned(), 0.0)];
        assert!(below_floors(&floors, "msproject", &scores(96.30)).is_empty());
        assert!(below_floors(&floors, "msproject", &scores(97.0)).is_empty());
        let below = below_floors(&floors, "msproject", &scores(96.29));
        assert_eq!(below, ["TOTAL 96.29% < floor 96.30%"]);
        // mpxj's floor is not checked on a msproject run, and a missing section is below.
        assert_eq!(
            below_floors(&floors, "mpxj", &[]),
            ["TOTAL: no score in the report"]
        );
        assert!(parse_floors("mpxj TOTAL").is_err());
        assert!(parse_floors("mpxj TOTAL many").is_err());
    }

    #[test]
    fn floors_apply_only_to_the_whole_selection() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(whole_selection_against(&[]), Some("mpxj"));
        assert_eq!(
            whole_selection_against(&args(&["--against", "msproject"])),
            Some("msproject")
        );
        assert_eq!(
            whole_selection_against(&args(&["--against=msproject"])),
            Some("msproject")
        );
        assert_eq!(whole_selection_against(&args(&["--filter", "mpp9"])), None);
        assert_eq!(
            whole_selection_against(&args(&["--against", "msproject", "--absent-is-zero"])),
            None
        );
    }

    #[test]
    fn the_floors_file_of_the_repository_reads() {
        let text = std::fs::read_to_string(workspace_root().join(FLOORS_FILE)).unwrap();
        let floors = parse_floors(&text).unwrap();
        for reference in ["mpxj", "msproject"] {
            assert!(
                floors
                    .iter()
                    .any(|f| f.reference == reference && f.section == "TOTAL"),
                "no TOTAL floor for {reference}"
            );
        }
    }

    #[test]
    fn crashed_files_are_read_from_the_json_report() {
        let json = r#"{
 "aggregate": {"crashed": 1},
 "files": [
  {
   "rel": "a/ok",
   "version": "MPP9",
   "status": "ok",
   "reason": null,
   "exit_code": 0
  },
  {
   "rel": "b/bad",
   "version": "MPP14",
   "status": "crashed",
   "reason": "exit 101",
   "exit_code": 101
  }
 ]
}"#;
        assert_eq!(
            crashed_files(json),
            vec![("b/bad".to_owned(), "exit 101".to_owned())]
        );
    }

    #[test]
    fn words_are_quoted_only_when_needed() {
        assert_eq!(
            shell_quote("/a/target/release/mpp2xml"),
            "/a/target/release/mpp2xml"
        );
        assert_eq!(shell_quote("{in}"), "{in}");
        assert_eq!(shell_quote("/my dir/x"), "'/my dir/x'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
