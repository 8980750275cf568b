//! `cargo xtask fuzz [--time SECONDS] [--seed] [TARGET...]`: runs the cargo-fuzz targets of
//! `fuzz/` (their own workspace) one after the other, each for SECONDS (default 60), and
//! prints what each did: executions, executions per second, coverage (libFuzzer's `cov:`
//! edges and `ft:` features), corpus size, and whether it crashed. Fails on a crash, a
//! timeout (one input over 10 s) or an out-of-memory (over 2048 MB), naming the input
//! libFuzzer saved and the command that replays it.
//!
//! Only a stable toolchain is assumed: cargo-fuzz's nightly flags (`-Zsanitizer`, the
//! sancov passes) are allowed with `RUSTC_BOOTSTRAP=1`, and the build uses
//! `--sanitizer none` (AddressSanitizer needs a nightly standard library; the engine is
//! safe Rust, so a panic is what there is to find). `-O --debug-assertions` keeps the speed
//! of a release build while overflow checks and `debug_assert!`s still fire.
//!
//! The `convert` target's corpus is seeded from the MPP corpus (`$MPP_CORPUS/mpp`, else
//! `../shared/corpus/mpp`) when it is empty, or always with `--seed`: mutating real files
//! reaches far deeper than random bytes. Corpora and artifacts stay in `fuzz/corpus/` and
//! `fuzz/artifacts/`, ignored by git. Options after `--` go to libFuzzer, e.g.
//! `cargo xtask fuzz compound -- -len_control=0`.

use crate::{Done, StepResult, corpus_dir, describe, shown, succeeds, workspace_root};
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The targets, in the order they run.
pub const TARGETS: [&str; 4] = ["convert", "compound", "mspdi_writer", "export"];

/// Seconds per target of `cargo xtask fuzz` without `--time`.
const DEFAULT_SECONDS: u64 = 60;
/// Seconds per target in `cargo xtask test`: long enough to replay the corpus and mutate it
/// for a while, short enough for CI.
pub const TEST_SECONDS: u64 = 20;
/// libFuzzer's per-input time limit, in seconds: longer is a hang.
const INPUT_TIMEOUT: u64 = 10;
/// libFuzzer's memory limit, in MB: the converter's budgets keep any input far below it.
const RSS_LIMIT_MB: u64 = 2048;

/// Input size limit per target: `convert` must fit the largest corpus file (under 1 MiB);
/// the structure-aware targets need room for many rows.
fn max_len(target: &str) -> u64 {
    match target {
        "convert" | "export" => 1 << 20,
        "compound" => 256 << 10,
        _ => 64 << 10,
    }
}

/// libFuzzer options of each target beyond the common ones. The structure-aware targets
/// grow their length limit faster than libFuzzer's default (`-len_control=100`): their
/// inputs are choices, and a few hundred bytes of choices are needed to reach past the
/// first rows, which the default ramp only allows after minutes.
fn target_options(target: &str) -> &'static [&'static str] {
    match target {
        "compound" | "mspdi_writer" => &["-len_control=10"],
        _ => &[],
    }
}

/// `cargo xtask fuzz ARGS`; options after `--` go to libFuzzer.
pub fn command(args: &[String]) -> Result<(), String> {
    let mut seconds = DEFAULT_SECONDS;
    let mut seed = false;
    let mut targets = Vec::new();
    let (args, extra) = match args.iter().position(|a| a == "--") {
        Some(i) => (
            args.get(..i).unwrap_or_default(),
            args.get(i + 1..).unwrap_or_default(),
        ),
        None => (args, &[][..]),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--time" => {
                let value = args.next().ok_or("--time needs a number of seconds")?;
                seconds = value
                    .parse()
                    .map_err(|_| format!("--time {value}: not a number of seconds"))?;
            }
            "--seed" => seed = true,
            name if TARGETS.contains(&name) => targets.push(name.to_owned()),
            other => {
                return Err(format!(
                    "unknown fuzz argument `{other}` (targets: {})",
                    TARGETS.join(", ")
                ));
            }
        }
    }
    if targets.is_empty() {
        targets = TARGETS.iter().map(|t| (*t).to_owned()).collect();
    }
    let mut steps = crate::Steps::new(1);
    let result = steps.run("fuzzing", || run_targets(&targets, seconds, seed, extra));
    steps.summary();
    result
}

/// The fuzz step of `cargo xtask test`: formatting and lints of the fuzz workspace, then
/// every target for [`TEST_SECONDS`].
pub fn step() -> StepResult {
    let manifest = fuzz_dir().join("Cargo.toml");
    let manifest = manifest.to_string_lossy();
    crate::run(&mut crate::cargo(&[
        "fmt",
        "--manifest-path",
        &manifest,
        "--check",
    ]))
    .map_err(|e| format!("{e}; run `cargo fmt --manifest-path fuzz/Cargo.toml`"))?;
    let mut clippy = crate::cargo(&[
        "clippy",
        "--manifest-path",
        &manifest,
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    clippy.env("RUSTC_BOOTSTRAP", "1");
    crate::run(&mut clippy).map_err(|e| format!("{e}; fix the errors above"))?;
    let targets: Vec<String> = TARGETS.iter().map(|t| (*t).to_owned()).collect();
    run_targets(&targets, TEST_SECONDS, false, &[])
}

/// What one run reported.
#[derive(Debug, Default, PartialEq)]
struct Report {
    executions: Option<u64>,
    exec_per_second: Option<u64>,
    cov: Option<u64>,
    ft: Option<u64>,
    corpus: Option<String>,
    peak_rss_mb: Option<u64>,
    /// `crash`, `timeout`, `out-of-memory`, … when libFuzzer stopped on an input.
    failure: Option<String>,
    /// The input libFuzzer saved for it.
    artifact: Option<String>,
}

impl Report {
    /// Takes what it needs from one line of libFuzzer's output.
    fn read_line(&mut self, line: &str) {
        if line.starts_with('#') && line.contains("cov: ") {
            // `#1234 pulse cov: 100 ft: 200 corp: 10/2Kb exec/s: 50 rss: 30Mb`: the last one wins.
            self.cov = number_after(line, "cov: ").or(self.cov);
            self.ft = number_after(line, "ft: ").or(self.ft);
            self.exec_per_second = number_after(line, "exec/s: ").or(self.exec_per_second);
            if let Some(corp) = word_after(line, "corp: ") {
                self.corpus = Some(corp.to_owned());
            }
        } else if let Some(n) = number_after(line, "stat::number_of_executed_units:") {
            self.executions = Some(n);
        } else if let Some(n) = number_after(line, "stat::average_exec_per_sec:") {
            self.exec_per_second = Some(n);
        } else if let Some(n) = number_after(line, "stat::peak_rss_mb:") {
            self.peak_rss_mb = Some(n);
        } else if let Some((_, kind)) = line.split_once("ERROR: libFuzzer: ") {
            // `deadly signal` (a panic aborts), `timeout after 10 seconds`, `out-of-memory …`.
            let kind = kind.trim();
            let kind = if kind.starts_with("deadly signal") {
                "crash (panic)"
            } else {
                kind
            };
            self.failure.get_or_insert_with(|| kind.to_owned());
        } else if let Some((_, path)) = line.split_once("Test unit written to ") {
            self.artifact = Some(path.trim().to_owned());
        }
    }
}

/// The unsigned number right after `key` in `line`.
fn number_after(line: &str, key: &str) -> Option<u64> {
    let (_, rest) = line.split_once(key)?;
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn word_after<'l>(line: &'l str, key: &str) -> Option<&'l str> {
    let (_, rest) = line.split_once(key)?;
    rest.split_whitespace().next()
}

fn fuzz_dir() -> PathBuf {
    workspace_root().join("fuzz")
}

/// Installs cargo-fuzz, builds the targets, seeds the corpus and runs each target in turn.
/// All run even when one fails, so one report shows every target.
fn run_targets(targets: &[String], seconds: u64, seed: bool, extra: &[String]) -> StepResult {
    ensure_cargo_fuzz()?;
    crate::run(&mut fuzz_command(&["build"]))
        .map_err(|e| format!("{e}; the fuzz targets do not build"))?;
    // The targets that take whole files start from the real corpus.
    for target in ["convert", "export"] {
        if targets.iter().any(|t| t == target) {
            seed_corpus(target, seed)?;
        }
    }
    let mut reports = Vec::new();
    for target in targets {
        println!("\n--- fuzz target `{target}` for {seconds} s");
        reports.push((target.clone(), run_target(target, seconds, extra)?));
    }
    println!("\n== fuzzing ({seconds} s per target) ==");
    println!(
        "  {:<14} {:>12} {:>8} {:>7} {:>8} {:>16} {:>8}  result",
        "target", "executions", "exec/s", "cov", "ft", "corpus", "rss MB"
    );
    let show = |n: Option<u64>| n.map_or("?".to_owned(), |n| n.to_string());
    let mut failed = Vec::new();
    for (target, report) in &reports {
        let result = report.failure.as_deref().unwrap_or("ok");
        println!(
            "  {target:<14} {:>12} {:>8} {:>7} {:>8} {:>16} {:>8}  {result}",
            show(report.executions),
            show(report.exec_per_second),
            show(report.cov),
            show(report.ft),
            report.corpus.as_deref().unwrap_or("?"),
            show(report.peak_rss_mb),
        );
        if let Some(kind) = &report.failure {
            let artifact = report
                .artifact
                .as_deref()
                .unwrap_or("(no artifact written)");
            failed.push(format!(
                "`{target}`: {kind}; the input is {artifact}; reproduce with\n    \
                 RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz --sanitizer none -O \
                 --debug-assertions {target} {artifact}\n  or as a test: build the input in \
                 converter/tests/fuzz_regressions.rs"
            ));
        }
    }
    if failed.is_empty() {
        Ok(Done::Ran)
    } else {
        Err(format!(
            "fuzzing found a problem:\n  {}",
            failed.join("\n  ")
        ))
    }
}

/// `cargo fuzz ARGS --sanitizer none -O --debug-assertions`, with nightly flags allowed on
/// stable, in the workspace root (`--fuzz-dir fuzz`).
fn fuzz_command(args: &[&str]) -> Command {
    let mut command = crate::cargo(&["fuzz"]);
    command
        .args(args)
        .args([
            "--fuzz-dir",
            "fuzz",
            "--sanitizer",
            "none",
            "-O",
            "--debug-assertions",
        ])
        .env("RUSTC_BOOTSTRAP", "1");
    command
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    if succeeds(&mut crate::cargo(&["fuzz", "--version"])) {
        return Ok(());
    }
    println!("cargo-fuzz is not installed: installing it");
    crate::run(&mut crate::cargo(&["install", "cargo-fuzz", "--locked"]))
        .map_err(|e| format!("{e}; cannot install cargo-fuzz"))
}

/// Copies the corpus's `.mpp`/`.mpt` files into `fuzz/corpus/<target>/` when it is empty, or
/// always when `force`. Names keep the file's path, so seeding twice adds nothing.
fn seed_corpus(target: &str, force: bool) -> Result<(), String> {
    let dest = fuzz_dir().join("corpus").join(target);
    let empty = std::fs::read_dir(&dest).map_or(true, |mut d| d.next().is_none());
    if !force && !empty {
        return Ok(());
    }
    let source = corpus_dir().join("mpp");
    let files = testkit::mpp_files_under(&source);
    if files.is_empty() {
        println!(
            "no .mpp files under {}: the {target} target starts from an empty corpus",
            shown(&source)
        );
        return Ok(());
    }
    std::fs::create_dir_all(&dest).map_err(|e| format!("cannot create {}: {e}", shown(&dest)))?;
    for file in &files {
        let relative = file.strip_prefix(&source).unwrap_or(file);
        let name: String = relative
            .to_string_lossy()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        std::fs::copy(file, dest.join(format!("seed-{name}")))
            .map_err(|e| format!("cannot copy {} into the fuzz corpus: {e}", shown(file)))?;
    }
    println!(
        "seeded {} with {} files from {}",
        shown(&dest),
        files.len(),
        shown(&source)
    );
    Ok(())
}

/// Runs one target, echoing libFuzzer's output without its per-input lines, and reads the
/// figures from it. A target that stops on an input is a report with `failure` set; only a
/// target that cannot be started at all is an error.
fn run_target(target: &str, seconds: u64, extra: &[String]) -> Result<Report, String> {
    std::fs::create_dir_all(fuzz_dir().join("corpus").join(target))
        .map_err(|e| format!("cannot create the corpus folder: {e}"))?;
    let mut command = fuzz_command(&["run", target]);
    command.args([
        "--".to_owned(),
        format!("-max_total_time={seconds}"),
        format!("-rss_limit_mb={RSS_LIMIT_MB}"),
        format!("-timeout={INPUT_TIMEOUT}"),
        format!("-max_len={}", max_len(target)),
        "-print_final_stats=1".to_owned(),
    ]);
    command.args(target_options(target));
    command.args(extra); // after ours, so that the caller's options win
    println!("$ {}", describe(&command));
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start cargo fuzz: {e}"))?;
    // cargo-fuzz prints its own summary on stdout, libFuzzer writes on stderr: both are read,
    // stdout on a thread so that neither pipe fills up.
    let stdout = child.stdout.take();
    let echo = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut out) = stdout {
            let _ = out.read_to_string(&mut text);
        }
        text
    });
    let mut report = Report::default();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            report.read_line(&line);
            if shown_line(&line) {
                eprintln!("{line}");
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("cargo fuzz did not finish: {e}"))?;
    let stdout = echo.join().unwrap_or_default();
    for line in stdout.lines() {
        report.read_line(line);
        println!("{line}");
    }
    if !status.success() && report.failure.is_none() {
        report.failure = Some(format!("cargo fuzz failed ({status})"));
    }
    Ok(report)
}

/// libFuzzer's lines worth showing: not one per new input or function, not the dictionary.
fn shown_line(line: &str) -> bool {
    // `#5280\tNEW    cov: …`: the event is the second word.
    let per_input = line.starts_with('#')
        && matches!(
            line.split_whitespace().nth(1),
            Some("NEW" | "REDUCE" | "RELOAD")
        );
    let new_function = line.trim_start().starts_with("NEW_FUNC[");
    let dictionary = line.contains("# Uses: ") || line.contains("dictionary. ######");
    !per_input && !new_function && !dictionary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_read_from_libfuzzers_output() {
        let mut report = Report::default();
        for line in [
            "#2 INITED cov: 10 ft: 11 corp: 1/1b exec/s: 0 rss: 30Mb",
            "#4096 pulse  cov: 3228 ft: 5445 corp: 247/5217b lim: 29 exec/s: 1056 rss: 31Mb",
            "#6116 DONE   cov: 3229 ft: 5452 corp: 253/5386b lim: 29 exec/s: 1019 rss: 31Mb",
            "stat::number_of_executed_units: 6116",
            "stat::average_exec_per_sec:     1019",
            "stat::peak_rss_mb:              31",
        ] {
            report.read_line(line);
        }
        assert_eq!(report.cov, Some(3229));
        assert_eq!(report.ft, Some(5452));
        assert_eq!(report.executions, Some(6116));
        assert_eq!(report.exec_per_second, Some(1019));
        assert_eq!(report.corpus.as_deref(), Some("253/5386b"));
        assert_eq!(report.peak_rss_mb, Some(31));
        assert_eq!(report.failure, None);
    }

    #[test]
    fn a_crash_names_its_artifact() {
        let mut report = Report::default();
        report.read_line("==123== ERROR: libFuzzer: deadly signal");
        report.read_line(
            "artifact_prefix='fuzz/artifacts/convert/'; Test unit written to \
             fuzz/artifacts/convert/crash-abc",
        );
        assert_eq!(report.failure.as_deref(), Some("crash (panic)"));
        assert_eq!(
            report.artifact.as_deref(),
            Some("fuzz/artifacts/convert/crash-abc")
        );
        let mut timeout = Report::default();
        timeout.read_line("==1== ERROR: libFuzzer: timeout after 11 seconds");
        assert_eq!(timeout.failure.as_deref(), Some("timeout after 11 seconds"));
    }

    #[test]
    fn per_input_lines_are_not_echoed() {
        assert!(!shown_line(
            "#5280\tNEW    cov: 3228 ft: 5445 corp: 247/5217b lim: 29 exec/s: 1056"
        ));
        assert!(!shown_line("\"\\377i\" # Uses: 20"));
        assert!(!shown_line("\tNEW_FUNC[1/5]: 0x5580cc6c1461"));
        assert!(!shown_line("#5958\tREDUCE cov: 3229 ft: 5452"));
        assert!(shown_line("#4096\tpulse  cov: 3228 ft: 5445"));
        assert!(shown_line(
            "thread '<unnamed>' panicked at converter/src/mpp/x.rs:1:2:"
        ));
    }
}
