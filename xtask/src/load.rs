//! `cargo xtask load`, and the last step of `cargo xtask test`: the release `mpp2xml-server`
//! on loopback under `wrk` (Debian's package), with the scripts in `tests/load/`.
//!
//! Three phases, each against a fresh server with its own SQLite file:
//! 1. **routes**: 1000 connections on the routes that are not conversions (`/healthz`,
//!    `/readyz`, `/api/v1/config`, `/`, `POST /api/v1/telemetry`), with the per-client quotas
//!    raised, because every connection comes from 127.0.0.1 and we measure the server, not
//!    the limiter;
//! 2. **convert**: 50 connections uploading the largest convertible corpus file (about 1 MB)
//!    to `POST /api/v1/convert`, same raised quotas and a queue that holds them all;
//! 3. **quota**: a burst at the default quotas, where 429 is the intended answer: every
//!    other status is an error;
//! 4. **hostile**: the routes phase's 1000 connections while [`SLOW_HEADER_CONNECTIONS`]
//!    connections dribble their headers a byte every two seconds and [`EMPTY_UPLOADS`] conversion
//!    uploads announce 64 MiB and send nothing (see `attack`), each reopened as soon as the
//!    server closes or answers it, and honest conversions run meanwhile (with a corpus). The
//!    server runs with its default timeouts, so the attackers are cut off during the phase,
//!    and the phase starts once the server has compressed the app's files.
//!
//! The step fails on any error (a status other than the intended ones, a socket error or a
//! timeout, a failed honest conversion in the hostile phase) and when the server's peak
//! memory passes [`TARGET_RSS_MB`]. Latency and throughput are measured and compared with
//! their targets but do not fail the step: they depend on what else the machine is doing. In
//! the hostile phase an honest p95 past [`STARVED_P95_MS`] (ten times the target) fails it:
//! that is no longer noise but the attackers starving the honest clients.
//! The figures are printed and written to `target/load-report.txt`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::web::{self, Server};

mod attack;
use crate::{Done, StepResult, corpus_dir, shown, target_dir, workspace_root};

/// The scripts, relative to the workspace root.
const SCRIPTS_DIR: &str = "tests/load";
/// Target of the routes phase: 95th percentile latency, milliseconds.
const TARGET_P95_MS: f64 = 100.0;
/// Target of every phase: the server's peak resident memory, MB.
const TARGET_RSS_MB: f64 = 200.0;
/// Target of the convert phase: uploaded and converted megabytes per second.
const TARGET_MB_PER_S: f64 = 50.0;
/// Connections of the routes phase.
const ROUTE_CONNECTIONS: u32 = 1000;
/// Connections of the convert phase.
const CONVERT_CONNECTIONS: u32 = 50;
/// Length of the routes and convert phases, seconds.
const PHASE_SECONDS: u32 = 10;
/// Length of the hostile phase, seconds: past the server's default header timeout and upload
/// grace (10 s each), so the honest load also meets the attackers being cut off and
/// reconnecting.
const HOSTILE_SECONDS: u32 = 15;
/// Longest wait for the server to compress the app's files before the hostile phase.
const WARM_WAIT: std::time::Duration = std::time::Duration::from_secs(60);
/// Slow-header connections of the hostile phase.
const SLOW_HEADER_CONNECTIONS: usize = 2000;
/// Announced-but-empty uploads of the hostile phase.
const EMPTY_UPLOADS: usize = 20;
/// File descriptors this process and wrk need in the hostile phase, with room to spare.
const HOSTILE_FDS: u64 = (SLOW_HEADER_CONNECTIONS + EMPTY_UPLOADS) as u64 + 1024;

/// Server options for the routes and convert phases: quotas far above what one address may
/// do in production, and a conversion queue that holds every connection of the convert phase.
const RAISED_LIMITS: &[&str] = &[
    "--convert-rate",
    "100000",
    "--convert-burst",
    "100000",
    "--rate",
    "1000000",
    "--burst",
    "1000000",
    "--telemetry-rate",
    "1000000",
    "--telemetry-burst",
    "1000000",
    "--convert-queue",
    "64",
    "--uploads-per-client",
    "64",
];

/// `cargo xtask load`: builds what the load test runs (app, release binaries), then the test.
pub fn command() -> Result<(), String> {
    let mut steps = crate::Steps::new(3);
    let result = (|| {
        steps.run(
            "release build of mpp2xml and mpp2xml-server",
            web::build_release_bins,
        )?;
        steps.run("build the app (release) into dist/", web::build_dist)?;
        steps.run("load test (wrk)", step)
    })();
    steps.summary();
    result
}

/// The load test, on the release binaries and `dist/` already built.
pub fn step() -> StepResult {
    ensure_wrk()?;
    let root = workspace_root();
    let scripts = root.join(SCRIPTS_DIR);
    let target = target_dir(&root);
    let mut report = Vec::new();

    let routes = {
        let mut server = start(&target, "load-routes", RAISED_LIMITS)?;
        let result = wrk(
            &server.url,
            &scripts,
            "routes.lua",
            ROUTE_CONNECTIONS,
            PHASE_SECONDS,
            &[],
        )?;
        let rss = peak_rss_mb(&server)?;
        finish(&mut server)?;
        Phase::new("routes", result, rss)
    };
    report.push(routes.describe());
    let mut failures = routes.errors(&[200, 204]);

    match convert_file()? {
        Some(file) => {
            let bytes = std::fs::metadata(&file)
                .map_err(|e| format!("cannot read {}: {e}", shown(&file)))?
                .len();
            let mut server = start(&target, "load-convert", RAISED_LIMITS)?;
            let result = wrk(
                &server.url,
                &scripts,
                "convert.lua",
                CONVERT_CONNECTIONS,
                PHASE_SECONDS,
                &[("LOAD_MPP_FILE", file.as_os_str())],
            )?;
            let rss = peak_rss_mb(&server)?;
            finish(&mut server)?;
            let phase = Phase::new("convert", result, rss);
            let converted = phase.result.status(200);
            let seconds = phase.result.duration_us as f64 / 1e6;
            let mb_per_s = converted as f64 * bytes as f64 / 1e6 / seconds.max(1e-9);
            report.push(phase.describe());
            report.push(format!(
                "  {} ({bytes} bytes) x {converted} converted in {seconds:.1} s: \
                 {mb_per_s:.1} MB/s (target >= {TARGET_MB_PER_S} MB/s: {})",
                file.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                verdict(mb_per_s >= TARGET_MB_PER_S)
            ));
            failures.extend(phase.errors(&[200]));
            if converted == 0 {
                failures.push("convert: no conversion succeeded".to_owned());
            }
        }
        None => report.push(format!(
            "convert: skipped, no corpus at {} (set MPP_CORPUS)",
            shown(&corpus_dir())
        )),
    }

    let quota = {
        let mut server = start(&target, "load-quota", &[])?;
        let result = wrk(&server.url, &scripts, "routes.lua", 20, 2, &[])?;
        let rss = peak_rss_mb(&server)?;
        finish(&mut server)?;
        Phase::new("quota (default limits)", result, rss)
    };
    report.push(quota.describe());
    failures.extend(quota.errors(&[200, 204, 429]));
    if quota.result.status(429) == 0 {
        failures.push("quota: a burst past the default quota got no 429".to_owned());
    }

    let (hostile, figures) = {
        raise_open_file_limit(HOSTILE_FDS)?;
        let honest_file = convert_file()?;
        let mut server = start(&target, "load-hostile", RAISED_LIMITS)?;
        wait_until_warm(&server);
        let addr = server_addr(&server.url)?;
        let attack = attack::Attack::start(
            addr,
            SLOW_HEADER_CONNECTIONS,
            EMPTY_UPLOADS,
            honest_file.as_deref(),
        )?;
        let result = wrk(
            &server.url,
            &scripts,
            "routes.lua",
            ROUTE_CONNECTIONS,
            HOSTILE_SECONDS,
            &[],
        );
        let figures = attack.finish()?;
        let result = result?;
        let rss = peak_rss_mb(&server)?;
        finish(&mut server)?;
        (Phase::new("hostile", result, rss), figures)
    };
    report.push(hostile.describe());
    report.push(describe_attack(&figures));
    failures.extend(hostile.errors(&[200, 204]));
    failures.extend(attack_errors(&hostile, &figures));

    let text = report.join("\n");
    println!("\n{text}");
    let report_file = target.join("load-report.txt");
    if let Err(error) = std::fs::write(&report_file, format!("{text}\n")) {
        println!("cannot write {}: {error}", shown(&report_file));
    } else {
        println!("(written to {})", shown(&report_file));
    }
    if failures.is_empty() {
        Ok(Done::Ran)
    } else {
        Err(failures.join("; "))
    }
}

/// One phase's figures.
struct Phase {
    name: &'static str,
    result: WrkResult,
    rss_mb: f64,
}

impl Phase {
    fn new(name: &'static str, result: WrkResult, rss_mb: f64) -> Self {
        Self {
            name,
            result,
            rss_mb,
        }
    }

    fn describe(&self) -> String {
        let r = &self.result;
        let ms = |us: u64| us as f64 / 1000.0;
        let p95 = ms(r.p95_us);
        let statuses: Vec<String> = r
            .statuses
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect();
        format!(
            "{}: {} requests in {:.1} s ({:.0}/s); latency p50 {:.1} ms, p95 {:.1} ms, \
             p99 {:.1} ms, max {:.1} ms (target p95 < {TARGET_P95_MS} ms: {}); statuses {{{}}}; \
             socket errors {}, timeouts {}; peak server RSS {:.1} MB (target < {TARGET_RSS_MB} MB: {})",
            self.name,
            r.requests,
            r.duration_us as f64 / 1e6,
            r.requests as f64 / (r.duration_us as f64 / 1e6).max(1e-9),
            ms(r.p50_us),
            p95,
            ms(r.p99_us),
            ms(r.max_us),
            verdict(p95 < TARGET_P95_MS),
            statuses.join(", "),
            r.socket_errors,
            r.timeouts,
            self.rss_mb,
            verdict(self.rss_mb < TARGET_RSS_MB),
        )
    }

    /// What went wrong in this phase: statuses not in `expected`, socket errors, timeouts,
    /// memory over the target.
    fn errors(&self, expected: &[u16]) -> Vec<String> {
        let mut errors = Vec::new();
        let unexpected: u64 = self
            .result
            .statuses
            .iter()
            .filter(|(status, _)| !expected.contains(status))
            .map(|(_, n)| n)
            .sum();
        if unexpected > 0 {
            errors.push(format!(
                "{}: {unexpected} responses with a status other than {expected:?}",
                self.name
            ));
        }
        if self.result.socket_errors > 0 || self.result.timeouts > 0 {
            errors.push(format!(
                "{}: {} socket errors and {} timeouts",
                self.name, self.result.socket_errors, self.result.timeouts
            ));
        }
        if self.result.requests == 0 {
            errors.push(format!("{}: no request completed", self.name));
        }
        if self.rss_mb >= TARGET_RSS_MB {
            errors.push(format!(
                "{}: the server's peak memory {:.1} MB passed {TARGET_RSS_MB} MB",
                self.name, self.rss_mb
            ));
        }
        errors
    }
}

/// The attack's figures, for the report.
fn describe_attack(figures: &attack::Figures) -> String {
    let honest_ok = figures.honest.iter().filter(|s| **s == 200).count();
    let lifetime = figures
        .slow_lifetime
        .map_or("never".to_owned(), |(shortest, longest)| {
            format!(
                "after {:.1} to {:.1} s",
                shortest.as_secs_f64(),
                longest.as_secs_f64()
            )
        });
    format!(
        "  attackers: {SLOW_HEADER_CONNECTIONS} slow-header connections ({} closed by the \
         server {lifetime}, each reopened; {} open at the end), {EMPTY_UPLOADS} empty 64 MiB \
         uploads ({} ended by the server, {} of them with 408, each reopened), {} failed \
         connects; honest conversions meanwhile: {honest_ok} of {} answered 200",
        figures.slow_closed,
        figures.slow_open_at_end,
        figures.uploads_ended,
        figures.uploads_408,
        figures.connect_failures,
        figures.honest.len(),
    )
}

/// The honest p95 in the hostile phase past which the attack has won: ten times the target,
/// far beyond what a busy machine adds (the target itself is measured and reported).
const STARVED_P95_MS: f64 = 10.0 * TARGET_P95_MS;

/// What the hostile phase must show beyond the errors every phase checks: honest clients not
/// starved (p95 under [`STARVED_P95_MS`]), and every honest conversion answered.
fn attack_errors(phase: &Phase, figures: &attack::Figures) -> Vec<String> {
    let mut errors = Vec::new();
    let p95 = phase.result.p95_us as f64 / 1000.0;
    if p95 >= STARVED_P95_MS {
        errors.push(format!(
            "hostile: the honest p95 was {p95:.1} ms: the attackers starve the honest clients \
             (the target is {TARGET_P95_MS} ms; past {STARVED_P95_MS} ms the phase fails)"
        ));
    }
    let failed: Vec<u16> = figures
        .honest
        .iter()
        .copied()
        .filter(|status| *status != 200)
        .collect();
    if !failed.is_empty() {
        errors.push(format!(
            "hostile: {} of {} honest conversions failed (statuses {failed:?})",
            failed.len(),
            figures.honest.len()
        ));
    }
    errors
}

/// Waits (at most [`WARM_WAIT`]) until the server has compressed the app's files, which it does
/// once after starting at the best levels, using a core for seconds: the hostile phase
/// measures what the attackers cost, not that.
fn wait_until_warm(server: &Server) {
    let started = std::time::Instant::now();
    while started.elapsed() < WARM_WAIT {
        if server.log_text().contains("the app's files are compressed") {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    println!("hostile: the server did not say its files were compressed; going on");
}

/// The address in a server URL (`http://127.0.0.1:1234`).
fn server_addr(url: &str) -> Result<SocketAddr, String> {
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .map_err(|e| format!("cannot read the address in {url}: {e}"))
}

/// Makes sure this process (and wrk, which inherits it) may open `needed` files: raises the
/// soft limit to the hard one with util-linux's `prlimit` when it is lower (std has no
/// setrlimit), and fails if even the hard limit is too low.
fn raise_open_file_limit(needed: u64) -> Result<(), String> {
    let (soft, hard) = open_file_limits()?;
    if soft >= needed {
        return Ok(());
    }
    if hard < needed {
        return Err(format!(
            "the hostile phase needs {needed} open files, but the hard limit is {hard}: raise it \
             (ulimit -Hn) and run this again"
        ));
    }
    let pid = std::process::id().to_string();
    let status = Command::new("prlimit")
        .args(["--pid", &pid, &format!("--nofile={hard}:{hard}")])
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run prlimit to raise the open-file limit: {e}"))?;
    let (soft, _) = open_file_limits()?;
    if status.success() && soft >= needed {
        println!("open-file limit raised to {soft}");
        Ok(())
    } else {
        Err(format!(
            "the hostile phase needs {needed} open files and the limit stays at {soft} \
             (ulimit -n {hard} before running this)"
        ))
    }
}

/// The soft and hard open-file limits of this process, from `/proc/self/limits`.
fn open_file_limits() -> Result<(u64, u64), String> {
    let limits = std::fs::read_to_string("/proc/self/limits")
        .map_err(|e| format!("cannot read /proc/self/limits: {e}"))?;
    parse_open_file_limits(&limits).ok_or_else(|| "no Max open files in /proc/self/limits".into())
}

fn parse_open_file_limits(limits: &str) -> Option<(u64, u64)> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let mut numbers = line
        .trim_start_matches("Max open files")
        .split_whitespace()
        .map(|word| {
            if word == "unlimited" {
                Some(u64::MAX)
            } else {
                word.parse().ok()
            }
        });
    Some((numbers.next()??, numbers.next()??))
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

/// Starts the release server for one phase, with a fresh SQLite file of its own.
fn start(target: &Path, name: &str, args: &[&str]) -> Result<Server, String> {
    let log = target.join(format!("{name}-server.log"));
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    Server::start_with(&web::dist_dir(), &log, &args)
}

/// Stops the server and fails when it did not shut down cleanly.
fn finish(server: &mut Server) -> Result<(), String> {
    if server.stop() {
        Ok(())
    } else {
        Err(format!(
            "mpp2xml-server did not shut down cleanly after the load; its log:\n{}",
            server.log_text()
        ))
    }
}

/// The server's peak resident memory so far (`VmHWM`), MB.
fn peak_rss_mb(server: &Server) -> Result<f64, String> {
    let status_file = format!("/proc/{}/status", server.pid());
    let status = std::fs::read_to_string(&status_file)
        .map_err(|e| format!("cannot read {status_file}: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map(|kb| kb / 1024.0)
        .ok_or_else(|| format!("no VmHWM line in {status_file}"))
}

/// What `common.lua` prints at the end of a run.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct WrkResult {
    pub(crate) requests: u64,
    pub(crate) duration_us: u64,
    pub(crate) p50_us: u64,
    pub(crate) p95_us: u64,
    pub(crate) p99_us: u64,
    pub(crate) max_us: u64,
    pub(crate) socket_errors: u64,
    pub(crate) timeouts: u64,
    pub(crate) statuses: Vec<(u16, u64)>,
}

impl WrkResult {
    /// Reads the `LOADRESULT {…}` line (flat JSON of numbers plus a `statuses` object).
    fn parse(output: &str) -> Option<Self> {
        let line = output.lines().find_map(|l| l.strip_prefix("LOADRESULT "))?;
        let number = |key: &str| -> Option<u64> {
            let start = line.find(&format!("\"{key}\":"))? + key.len() + 3;
            let digits: String = line
                .get(start..)?
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        };
        let statuses_start = line.find("\"statuses\":{")? + "\"statuses\":{".len();
        let statuses_text = line.get(statuses_start..)?.split('}').next()?;
        let mut statuses = Vec::new();
        for pair in statuses_text.split(',').filter(|p| !p.is_empty()) {
            let (status, count) = pair.split_once(':')?;
            statuses.push((status.trim_matches('"').parse().ok()?, count.parse().ok()?));
        }
        Some(Self {
            requests: number("requests")?,
            duration_us: number("duration_us")?,
            p50_us: number("p50_us")?,
            p95_us: number("p95_us")?,
            p99_us: number("p99_us")?,
            max_us: number("max_us")?,
            socket_errors: number("connect_errors")?
                + number("read_errors")?
                + number("write_errors")?,
            timeouts: number("timeouts")?,
            statuses,
        })
    }

    pub(crate) fn status(&self, status: u16) -> u64 {
        self.statuses
            .iter()
            .filter(|(s, _)| *s == status)
            .map(|(_, n)| n)
            .sum()
    }
}

/// Runs `wrk` with one of the scripts and reads its result line.
pub(crate) fn wrk(
    url: &str,
    scripts: &Path,
    script: &str,
    connections: u32,
    seconds: u32,
    env: &[(&str, &std::ffi::OsStr)],
) -> Result<WrkResult, String> {
    let mut command = Command::new("wrk");
    command
        .args(["--threads", "2", "--timeout", "10s"])
        .arg("--connections")
        .arg(connections.to_string())
        .arg("--duration")
        .arg(format!("{seconds}s"))
        .arg("--script")
        .arg(scripts.join(script))
        .arg(url)
        .env("LOAD_SCRIPTS", scripts)
        .stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    println!("wrk: {script}, {connections} connections, {seconds} s against {url}");
    let output = command
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "wrk failed ({}):\n{stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    WrkResult::parse(&stdout).ok_or_else(|| format!("wrk printed no LOADRESULT line:\n{stdout}"))
}

/// `wrk` on the PATH; installed from Debian's packages when missing and running as root.
pub(crate) fn ensure_wrk() -> Result<(), String> {
    let present = || {
        Command::new("wrk")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    if present() {
        return Ok(());
    }
    if !web::is_root() {
        return Err(
            "wrk is missing: install it (`sudo apt-get install wrk`), then run this again"
                .to_owned(),
        );
    }
    println!("wrk is missing: installing Debian's wrk");
    web::apt_install(&["wrk"])?;
    if present() {
        Ok(())
    } else {
        Err("wrk is still missing after apt-get install".to_owned())
    }
}

/// The file the convert phase uploads: the largest convertible MPP9/12/14 corpus file, or
/// `None` when there is no corpus.
pub(crate) fn convert_file() -> Result<Option<PathBuf>, String> {
    if !corpus_dir().join("manifest.csv").is_file() {
        return Ok(None);
    }
    Ok(web::largest_files(1)?.into_iter().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hostile_phase_fails_on_starvation_and_failed_conversions_not_on_a_busy_machine() {
        let phase = |p95_ms: u64| Phase {
            name: "hostile",
            result: WrkResult {
                requests: 1,
                duration_us: 1,
                p50_us: 1,
                p95_us: p95_ms * 1000,
                p99_us: 1,
                max_us: 1,
                socket_errors: 0,
                timeouts: 0,
                statuses: vec![(200, 1)],
            },
            rss_mb: 1.0,
        };
        let figures = |honest: Vec<u16>| attack::Figures {
            slow_open_at_end: 0,
            slow_closed: 0,
            slow_lifetime: None,
            uploads_ended: 0,
            uploads_408: 0,
            connect_failures: 0,
            honest,
        };
        assert!(attack_errors(&phase(80), &figures(vec![200, 200])).is_empty());
        assert!(attack_errors(&phase(150), &figures(vec![200])).is_empty());
        assert_eq!(attack_errors(&phase(1500), &figures(vec![200])).len(), 1);
        assert_eq!(
            attack_errors(&phase(80), &figures(vec![200, 503, 0])).len(),
            1
        );
    }

    #[test]
    fn the_result_line_is_read() {
        let output = "Running 2s test\n  2 threads\nLOADRESULT {\"requests\":1991,\"duration_us\":2001968,\
            \"bytes_read\":4546722,\"p50_us\":3114,\"p95_us\":25406,\"p99_us\":34794,\"max_us\":49532,\
            \"connect_errors\":1,\"read_errors\":2,\"write_errors\":3,\"timeouts\":4,\
            \"statuses\":{\"200\":396,\"404\":1197,\"501\":398}}\n";
        let result = WrkResult::parse(output).unwrap();
        assert_eq!(result.requests, 1991);
        assert_eq!(result.duration_us, 2_001_968);
        assert_eq!(
            (result.p50_us, result.p95_us, result.p99_us),
            (3114, 25406, 34794)
        );
        assert_eq!(result.max_us, 49532);
        assert_eq!(result.socket_errors, 6);
        assert_eq!(result.timeouts, 4);
        assert_eq!(result.statuses, vec![(200, 396), (404, 1197), (501, 398)]);
        assert_eq!(result.status(404), 1197);
        assert_eq!(result.status(429), 0);
    }

    #[test]
    fn the_open_file_limits_are_read() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max processes             127521               127521               processes \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(parse_open_file_limits(limits), Some((1024, 524_288)));
        assert_eq!(
            parse_open_file_limits("Max open files  unlimited  unlimited  files"),
            Some((u64::MAX, u64::MAX))
        );
        assert_eq!(parse_open_file_limits("nothing"), None);
        assert!(open_file_limits().is_ok());
    }

    #[test]
    fn no_result_line_is_none() {
        assert_eq!(WrkResult::parse("Running 2s test\n"), None);
        assert_eq!(
            WrkResult::parse("LOADRESULT {\"requests\":1,\"statuses\":{}}"),
            None
        );
    }

    #[test]
    fn unexpected_statuses_and_memory_are_errors() {
        let phase = Phase::new(
            "routes",
            WrkResult {
                requests: 10,
                duration_us: 1_000_000,
                statuses: vec![(200, 5), (429, 3), (500, 2)],
                ..WrkResult::default()
            },
            250.0,
        );
        let errors = phase.errors(&[200, 429]);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("2 responses"), "{errors:?}");
        assert!(errors[1].contains("peak memory"), "{errors:?}");
        let fine = Phase::new("routes", phase.result, 50.0);
        assert!(fine.errors(&[200, 429, 500]).is_empty());
    }
}
