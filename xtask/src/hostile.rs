//! `cargo xtask hostile`: crafts hostile `.mpp` files at run time by patching corpus files
//! (nothing crafted is committed), runs the release `mpp2xml` on each under
//! `prlimit --as=6GiB` and `/usr/bin/time -v`, and checks the bounds of issue 9: every file
//! ends with XML or a typed error (exit 0 or 1, never a signal or a panic), with
//! peak RSS ≤ 8 × input + 64 MB, output ≤ 16 × input + 16 MB and wall time ≤ 5 s. A file
//! still running after 30 s is killed and fails as `timeout`.
//!
//! Then (unless `--no-server`) the release `mpp2xml-server` gets each file on
//! `POST /api/v1/convert` and must still answer `/healthz` after each.
//!
//! The table goes to standard output and to `target/hostile-report.txt`; any FAIL makes the
//! command fail. Without the corpus it says so and succeeds.

mod bytes;
mod cfb;
mod classes;
mod more;
mod mpp;

use crate::web::{self, Server};
use crate::{Done, StepResult, cargo, corpus_dir, run, shown, target_dir, workspace_root};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub use classes::Size;

const USAGE: &str = "\
Usage: cargo xtask hostile [--size small|large] [--only NAME] [--keep DIR] [--no-server] [--list]

  --size small|large  small: crafted inputs of about 1 MB at most (CI); large: up to 8 MB
                      (default: small)
  --only NAME         only the class NAME (see --list); may be repeated
  --keep DIR          keep the crafted files in DIR
  --no-server         skip the mpp2xml-server check
  --list              list the classes and exit";

/// Address-space cap of each conversion.
const AS_LIMIT: u64 = 6 << 30;
/// A conversion still running after this is killed.
const KILL_AFTER: Duration = Duration::from_secs(30);
/// The wall-time bound.
const MAX_WALL: Duration = Duration::from_secs(5);
/// What the server may take for one request before it counts as hung (its own conversion
/// timeout is set to 10 s).
const SERVER_WAIT: Duration = Duration::from_secs(40);

struct Opts {
    size: Size,
    only: Vec<String>,
    keep: Option<PathBuf>,
    server: bool,
    list: bool,
    help: bool,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut opts = Opts {
        size: Size::Small,
        only: Vec::new(),
        keep: None,
        server: true,
        list: false,
        help: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n\n{USAGE}"))
        };
        match arg.as_str() {
            "--size" => {
                opts.size = match value("--size")?.as_str() {
                    "small" => Size::Small,
                    "large" => Size::Large,
                    other => return Err(format!("--size small|large, not `{other}`")),
                }
            }
            "--only" => opts.only.push(value("--only")?),
            "--keep" => opts.keep = Some(PathBuf::from(value("--keep")?)),
            "--no-server" => opts.server = false,
            "--list" => opts.list = true,
            "-h" | "--help" => opts.help = true,
            other => return Err(format!("unknown option `{other}`\n\n{USAGE}")),
        }
    }
    Ok(opts)
}

/// `cargo xtask hostile [ARGS]`.
pub fn command(args: &[String]) -> Result<(), String> {
    let opts = parse(args)?;
    if opts.help {
        println!("{USAGE}");
        return Ok(());
    }
    if opts.list {
        for class in classes::all() {
            println!("{:<32} {} ({})", class.name, class.what, class.source);
        }
        return Ok(());
    }
    let mut steps = crate::Steps::new(1);
    let result = steps.run("hostile inputs", || hostile(&opts));
    steps.summary();
    result
}

/// The step of `cargo xtask test`: the small inputs, with the server.
pub fn step() -> StepResult {
    hostile(&Opts {
        size: Size::Small,
        only: Vec::new(),
        keep: None,
        server: true,
        list: false,
        help: false,
    })
}

/// One crafted file and how it went.
struct Row {
    class: String,
    input: u64,
    rss: Option<u64>,
    output: Option<u64>,
    wall: Duration,
    outcome: String,
    server: String,
    failures: Vec<String>,
}

fn hostile(opts: &Opts) -> StepResult {
    let corpus = corpus_dir();
    let mpp_dir = corpus.join("mpp");
    if !mpp_dir.is_dir() {
        let why = format!(
            "corpus not found at {} (no mpp/ folder; set MPP_CORPUS to use another folder)",
            shown(&corpus)
        );
        println!("hostile: SKIPPED: {why}");
        return Ok(Done::Skipped(why));
    }
    for tool in ["/usr/bin/time", "prlimit"] {
        if !crate::succeeds(
            Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {tool}")),
        ) {
            return Err(format!("{tool} is not installed (util-linux / time)"));
        }
    }
    let selected: Vec<classes::Class> = classes::all()
        .into_iter()
        .filter(|c| opts.only.is_empty() || opts.only.iter().any(|o| o == c.name))
        .collect();
    if selected.is_empty() {
        return Err(format!(
            "no class named {}; see `cargo xtask hostile --list`",
            opts.only.join(", ")
        ));
    }
    let mut build = vec!["build", "--release", "-p", "converter", "--bin", "mpp2xml"];
    if opts.server {
        build.extend(["-p", "backend", "--bin", "mpp2xml-server"]);
    }
    run(&mut cargo(&build)).map_err(|e| format!("{e}; the release build failed"))?;
    let target = target_dir(&workspace_root());
    let binary = target.join("release").join("mpp2xml");

    let work = match &opts.keep {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("xtask-hostile-{}", std::process::id())),
    };
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", shown(&work)))?;

    // Craft every file first, so the server sees the same ones.
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    for class in &selected {
        let source = mpp_dir.join(class.source);
        let crafted = std::fs::read(&source)
            .map_err(|e| format!("cannot read {}: {e}", shown(&source)))
            .and_then(|bytes| (class.craft)(&bytes, opts.size));
        match crafted {
            Ok(bytes) => {
                let path = work.join(format!("{}.mpp", class.name));
                std::fs::write(&path, &bytes)
                    .map_err(|e| format!("cannot write {}: {e}", shown(&path)))?;
                files.push((class.name.to_owned(), path));
            }
            Err(e) => {
                println!("{}: cannot craft: {e}", class.name);
                rows.push(Row {
                    class: class.name.to_owned(),
                    input: 0,
                    rss: None,
                    output: None,
                    wall: Duration::ZERO,
                    outcome: format!("not crafted: {e}"),
                    server: "-".to_owned(),
                    failures: vec!["could not be crafted".to_owned()],
                });
            }
        }
    }

    for (name, path) in &files {
        let row = convert(name, path, &binary, &work);
        println!(
            "{:<32} {:>9} {:>9} {:>9} {:>7} {} {}",
            row.class,
            mb(Some(row.input)),
            mb(row.rss),
            mb(row.output),
            format!("{:.2}s", row.wall.as_secs_f64()),
            row.outcome,
            verdict(&row.failures)
        );
        rows.push(row);
    }

    let mut notes = Vec::new();
    if opts.server {
        server_check(&target, &files, &mut rows, &mut notes)?;
    }

    if opts.keep.is_none() {
        let _ = std::fs::remove_dir_all(&work);
    }
    let mut report = table(&rows, opts.size);
    for note in &notes {
        report.push_str(&format!("note: {note}\n"));
    }
    println!("\n{report}");
    let report_file = target.join("hostile-report.txt");
    std::fs::write(&report_file, &report)
        .map_err(|e| format!("cannot write {}: {e}", shown(&report_file)))?;
    println!("report: {}", shown(&report_file));
    let failed: Vec<&Row> = rows.iter().filter(|r| !r.failures.is_empty()).collect();
    if failed.is_empty() {
        Ok(Done::Ran)
    } else {
        let list: Vec<String> = failed
            .iter()
            .map(|r| format!("{}: {}", r.class, r.failures.join("; ")))
            .collect();
        Err(format!(
            "{} of {} hostile file(s) failed:\n  {}",
            failed.len(),
            rows.len(),
            list.join("\n  ")
        ))
    }
}

/// Runs the CLI on one file under the limits.
fn convert(name: &str, input: &Path, binary: &Path, work: &Path) -> Row {
    let size = std::fs::metadata(input).map_or(0, |m| m.len());
    let out = work.join(format!("{name}.xml"));
    let timing = work.join(format!("{name}.time"));
    let errors = work.join(format!("{name}.stderr"));
    let _ = std::fs::remove_file(&out);
    let mut row = Row {
        class: name.to_owned(),
        input: size,
        rss: None,
        output: None,
        wall: Duration::ZERO,
        outcome: String::new(),
        server: "-".to_owned(),
        failures: Vec::new(),
    };
    let stderr = match std::fs::File::create(&errors) {
        Ok(f) => f,
        Err(e) => {
            row.outcome = format!("cannot create {}: {e}", shown(&errors));
            row.failures.push("harness".to_owned());
            return row;
        }
    };
    let mut command = Command::new("/usr/bin/time");
    command
        .arg("-v")
        .arg("-o")
        .arg(&timing)
        .arg("prlimit")
        .arg(format!("--as={AS_LIMIT}"))
        .arg("--")
        .arg(binary)
        .arg("-q")
        .arg(input)
        .arg("-o")
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .process_group(0);
    let started = Instant::now();
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => {
            row.outcome = format!("cannot start /usr/bin/time: {e}");
            row.failures.push("harness".to_owned());
            return row;
        }
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > KILL_AFTER => {
                // The whole group: time, prlimit's exec and mpp2xml.
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .stderr(Stdio::null())
                    .status();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => break None,
        }
    };
    row.wall = started.elapsed();
    let timing_text = std::fs::read_to_string(&timing).unwrap_or_default();
    row.rss = time_field(&timing_text, "Maximum resident set size (kbytes):").map(|kb| kb * 1024);
    let stderr_text = std::fs::read_to_string(&errors).unwrap_or_default();
    let signal = time_field(&timing_text, "Command terminated by signal");
    let exit = time_field(&timing_text, "Exit status:");
    match (status, signal, exit) {
        (None, _, _) => {
            row.outcome = format!("timeout (killed after {} s)", KILL_AFTER.as_secs());
            row.failures.push("timeout".to_owned());
        }
        (Some(_), Some(sig), _) => {
            row.outcome = format!("crash: signal {sig}{}", panic_hint(&stderr_text));
            row.failures.push(format!("signal {sig}"));
        }
        (Some(_), None, Some(0)) => {
            row.output = std::fs::metadata(&out).ok().map(|m| m.len());
            if row.output.is_some() {
                row.outcome = "xml".to_owned();
            } else {
                row.outcome = "exit 0 without XML".to_owned();
                row.failures.push("no output".to_owned());
            }
        }
        (Some(_), None, Some(1)) => {
            row.outcome = format!("error: {}", error_kind(&stderr_text));
            row.output = Some(std::fs::metadata(&out).map_or(0, |m| m.len()));
        }
        (Some(status), None, code) => {
            let code = code.map_or_else(|| status.to_string(), |c| format!("exit {c}"));
            row.outcome = format!("crash: {code}{}", panic_hint(&stderr_text));
            row.failures.push(code);
        }
    }
    let _ = std::fs::remove_file(&out);
    let rss_cap = 8 * size + (64 << 20);
    let out_cap = 16 * size + (16 << 20);
    if let Some(rss) = row.rss
        && rss > rss_cap
    {
        row.failures.push(format!(
            "peak RSS {} > {}",
            mb(Some(rss)),
            mb(Some(rss_cap))
        ));
    }
    if let Some(output) = row.output
        && output > out_cap
    {
        row.failures.push(format!(
            "output {} > {}",
            mb(Some(output)),
            mb(Some(out_cap))
        ));
    }
    if row.wall > MAX_WALL && status.is_some() {
        row.failures.push(format!(
            "wall {:.1} s > {} s",
            row.wall.as_secs_f64(),
            MAX_WALL.as_secs()
        ));
    }
    row
}

/// The number after `label` on its line of `time -v`'s report.
fn time_field(text: &str, label: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.trim_start().starts_with(label))?;
    let rest = line.trim_start().get(label.len()..)?;
    rest.split_whitespace().next()?.parse().ok()
}

/// A short name for the error the CLI printed (`ConvertError`'s messages).
fn error_kind(stderr: &str) -> String {
    let line = stderr
        .lines()
        .find_map(|l| l.split_once(": error: ").map(|(_, m)| m))
        .unwrap_or("");
    // The budget messages also say "damaged": they come first.
    let kinds = [
        ("more memory than", "memory-budget"),
        ("far more work", "work-budget"),
        ("XML would be larger", "output-budget"),
        ("ran out of time", "cancelled"),
        ("not a Microsoft Project", "not-mpp"),
        ("format is not supported", "unsupported"),
        ("password protected", "password"),
        ("truncated or damaged", "truncated"),
        ("file is damaged", "corrupt"),
        ("file is too large", "too-large"),
        ("could not be written", "write"),
        ("cannot read", "read"),
    ];
    kinds
        .iter()
        .find(|(needle, _)| line.contains(needle))
        .map_or_else(
            || {
                let short: String = line.chars().take(40).collect();
                format!("other ({short})")
            },
            |(_, kind)| (*kind).to_owned(),
        )
}

fn panic_hint(stderr: &str) -> String {
    if stderr.contains("memory allocation of") {
        " (allocation failed)".to_owned()
    } else if stderr.contains("panicked") {
        " (panic)".to_owned()
    } else {
        String::new()
    }
}

/// POSTs every file to the release server and checks `/healthz` after each.
fn server_check(
    target: &Path,
    files: &[(String, PathBuf)],
    rows: &mut [Row],
    notes: &mut Vec<String>,
) -> Result<(), String> {
    let log = target.join("hostile-server.log");
    let args: Vec<String> = [
        "--convert-rate",
        "100000",
        "--convert-burst",
        "100000",
        "--rate",
        "1000000",
        "--burst",
        "1000000",
        "--convert-timeout-secs",
        "10",
    ]
    .iter()
    .map(|a| (*a).to_owned())
    .collect();
    // The server refuses to start without an app; the conversions need none, so a stub
    // stands in when `dist/` has not been built.
    let mut dist = web::dist_dir();
    if !dist.join("index.html").is_file() {
        dist = target.join("hostile-dist");
        std::fs::create_dir_all(&dist)
            .and_then(|()| {
                std::fs::write(
                    dist.join("index.html"),
                    "<!doctype html><title>stub</title>",
                )
            })
            .map_err(|e| format!("cannot write a stub app in {}: {e}", shown(&dist)))?;
    }
    let mut server = match Server::start_with(&dist, &log, &args) {
        Ok(s) => s,
        Err(e) => return Err(format!("cannot start mpp2xml-server: {e}")),
    };
    let addr: SocketAddr = server
        .url
        .trim_start_matches("http://")
        .parse()
        .map_err(|e| format!("bad server URL {}: {e}", server.url))?;
    println!("\nserver check on {}", server.url);
    let mut down = false;
    for (name, path) in files {
        let Some(row) = rows.iter_mut().find(|r| &r.class == name) else {
            continue;
        };
        if down {
            row.server = "not run (server down)".to_owned();
            continue;
        }
        let body = std::fs::read(path).unwrap_or_default();
        let started = Instant::now();
        let status = post(addr, &body);
        let took = started.elapsed();
        let healthy = healthz(addr);
        row.server = match &status {
            Ok(code) => format!("{code} in {:.1}s", took.as_secs_f64()),
            Err(e) => format!("no answer: {e}"),
        };
        if status.is_err() {
            row.failures.push("server gave no answer".to_owned());
        }
        if !healthy {
            row.server.push_str(", then /healthz DOWN");
            row.failures.push("server unhealthy after it".to_owned());
            down = true;
        }
        println!("  {name:<28} {}", row.server);
    }
    if !down && !server.stop() {
        // A conversion still running past its deadline holds the shutdown: worth a line in
        // the report, not a failure of any one file.
        notes.push(format!(
            "mpp2xml-server did not shut down within 10 s of SIGTERM (a conversion still \
             running?); its log: {}",
            shown(&log)
        ));
    }
    Ok(())
}

/// `POST /api/v1/convert` with the file as the body; the status code.
fn post(addr: SocketAddr, body: &[u8]) -> Result<u16, String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connect: {e}"))?;
    let _ = stream.set_read_timeout(Some(SERVER_WAIT));
    let _ = stream.set_write_timeout(Some(SERVER_WAIT));
    let head = format!(
        "POST /api/v1/convert?name=hostile.mpp HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body))
        .map_err(|e| format!("send: {e}"))?;
    // Read the whole answer (discarded, counted) so the server is not cut off mid-write.
    let mut first = [0u8; 12];
    stream
        .read_exact(&mut first)
        .map_err(|e| format!("read: {e}"))?;
    let mut sink = [0u8; 64 * 1024];
    while let Ok(n) = stream.read(&mut sink) {
        if n == 0 {
            break;
        }
    }
    let text = String::from_utf8_lossy(&first);
    text.get(9..12)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("not HTTP: {text}"))
}

fn healthz(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}

fn mb(bytes: Option<u64>) -> String {
    match bytes {
        None => "-".to_owned(),
        Some(b) if b < 1 << 20 => format!("{:.0} KB", b as f64 / 1024.0),
        Some(b) => format!("{:.1} MB", b as f64 / f64::from(1 << 20)),
    }
}

fn verdict(failures: &[String]) -> &'static str {
    if failures.is_empty() { "PASS" } else { "FAIL" }
}

fn table(rows: &[Row], size: Size) -> String {
    let mut out = format!(
        "hostile inputs ({}): bounds peak RSS <= 8 x input + 64 MB, output <= 16 x input + 16 MB, \
         wall <= {} s; killed after {} s; address space capped at {} GiB\n\n",
        size.name(),
        MAX_WALL.as_secs(),
        KILL_AFTER.as_secs(),
        AS_LIMIT >> 30
    );
    out.push_str(&format!(
        "{:<32} {:>9} {:>9} {:>9} {:>7}  {:<28} {:<22} {}\n",
        "class", "input", "peak RSS", "output", "time", "outcome", "server", "verdict"
    ));
    for r in rows {
        out.push_str(&format!(
            "{:<32} {:>9} {:>9} {:>9} {:>7}  {:<28} {:<22} {}{}\n",
            r.class,
            mb(Some(r.input)),
            mb(r.rss),
            mb(r.output),
            format!("{:.2}s", r.wall.as_secs_f64()),
            r.outcome,
            r.server,
            verdict(&r.failures),
            if r.failures.is_empty() {
                String::new()
            } else {
                format!(" ({})", r.failures.join("; "))
            }
        ));
    }
    let failed = rows.iter().filter(|r| !r.failures.is_empty()).count();
    out.push_str(&format!(
        "\n{} file(s), {} PASS, {failed} FAIL\n",
        rows.len(),
        rows.len() - failed
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_reports_are_read() {
        let text = "\tCommand being timed: \"x\"\n\tMaximum resident set size (kbytes): 2048\n\
                    \tExit status: 1\n";
        assert_eq!(
            time_field(text, "Maximum resident set size (kbytes):"),
            Some(2048)
        );
        assert_eq!(time_field(text, "Exit status:"), Some(1));
        assert_eq!(time_field(text, "Command terminated by signal"), None);
    }

    #[test]
    fn errors_are_named() {
        assert_eq!(
            error_kind("a.mpp: error: the file is damaged: bad"),
            "corrupt"
        );
        assert_eq!(
            error_kind("a.mpp: error: reading this file takes far more work than"),
            "work-budget"
        );
        assert_eq!(
            error_kind(
                "a.mpp: error: the XML would be larger than 25 MB, far more than a project of this size writes; the file is damaged or was made to exhaust the converter"
            ),
            "output-budget"
        );
    }
}
