//! `cargo xtask cluster`, and the step after the load test in `cargo xtask test`: the
//! production layout of `ops/` on loopback, broken on purpose.
//!
//! PostgreSQL (a throwaway cluster, `postgres.rs`), three release `mpp2xml-server` instances
//! sharing it, Debian's nginx with `ops/nginx/mpp2xml.conf` in front of them (TLS with a
//! certificate `openssl` makes for the run), and Debian's Prometheus scraping them with
//! `ops/prometheus/alerts.yml` (its `for:` durations shortened to seconds, scraping and
//! evaluating every second). First the static checks of `ops/` (`promtool check config`,
//! `check rules`, `test rules`, `amtool check-config`, `systemd-analyze verify`, `nginx -t`),
//! then, with `wrk` loading nginx over TLS with idempotent GETs:
//! 1. **steady**: the cluster as it should be;
//! 2. **payments**: a signed `checkout.session.completed` delivered to instance A issues a
//!    licence that B hands over and C converts with; another event delivered to all three at
//!    once is applied by exactly one;
//! 3. **kill**: instance B gets SIGKILL under load, Prometheus fires `InstanceDown`, B is
//!    started again, the alert resolves;
//! 4. **database restart**: PostgreSQL stops under load, every instance's `/readyz` says 503,
//!    PostgreSQL starts, every instance is ready again without being restarted;
//! 5. **dashboard**: every query of `ops/grafana/mpp2xml.json` is evaluated by Prometheus
//!    and must parse and return data.
//!
//! The load's requests are GETs, which nginx retries on another instance
//! (`proxy_next_upstream`), so the client must see no error at all, in every phase. The
//! figures are printed and written to `target/cluster-report.txt`.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::load::{self, WrkResult};
use crate::postgres::Postgres;
use crate::web;
use crate::{Done, StepResult, describe, shown, target_dir, workspace_root};

/// The webhook secret the instances check signatures with, and the test signs with.
const WEBHOOK_SECRET: &str = "whsec_cluster_test";
/// wrk's connections through nginx.
const CONNECTIONS: u32 = 32;
/// Length of the steady phase, seconds.
const STEADY_SECONDS: u32 = 5;
/// Length of the kill and database phases, seconds: the fault, the alert and the recovery
/// fit in it with room to spare.
const FAULT_SECONDS: u32 = 25;
/// When the fault starts after the load did, so the phase has a before and an after.
const FAULT_AFTER: Duration = Duration::from_secs(3);
/// How long PostgreSQL stays down once every instance has said it is not ready.
const DATABASE_DOWN: Duration = Duration::from_secs(3);
/// Longest wait for an alert to fire or resolve, or an instance to become ready.
const WAIT_LIMIT: Duration = Duration::from_secs(30);
/// The instances' names, in order: A takes the first webhook, B is killed.
const NAMES: [&str; 3] = ["A", "B", "C"];

/// `cargo xtask cluster`: builds what the cluster runs (release binaries, the app), then the
/// test.
pub fn command() -> Result<(), String> {
    let mut steps = crate::Steps::new(3);
    let result = (|| {
        steps.run(
            "release build of mpp2xml and mpp2xml-server",
            web::build_release_bins,
        )?;
        steps.run("build the app (release) into dist/", web::build_dist)?;
        steps.run(
            "cluster test (nginx, 3 instances, PostgreSQL, Prometheus)",
            step,
        )
    })();
    steps.summary();
    result
}

/// The cluster test, on the release binaries and `dist/` already built.
pub fn step() -> StepResult {
    ensure_tools()?;
    let root = workspace_root();
    let ops = root.join("ops");
    let work = target_dir(&root).join("cluster");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", shown(&work)))?;
    let mut report = Vec::new();
    let mut failures = Vec::new();

    report.extend(static_checks(&ops, &work)?);

    // The licence key every instance signs with: made once before they start, so three
    // instances starting at once do not each create one.
    web::licence_public_key()?;
    let postgres = Postgres::start()?;
    let https_port = free_port()?;
    let http_port = free_port()?;
    let public_url = format!("https://127.0.0.1:{https_port}");
    let mut instances = Vec::new();
    for name in NAMES {
        let mut instance = Instance::new(name, &work, &postgres.url, &public_url)?;
        instance.spawn()?;
        instances.push(instance);
    }
    for instance in &instances {
        instance.wait_ready(WAIT_LIMIT)?;
    }
    let nginx = Nginx::start(&ops, &work, &instances, https_port, http_port)?;
    let prometheus = Prometheus::start(&ops, &work, &instances)?;
    prometheus.wait_all_up(instances.len(), WAIT_LIMIT)?;
    report.push(format!(
        "cluster: PostgreSQL {} + {} instances ({}) + nginx TLS on {} + Prometheus on {}",
        postgres.version,
        instances.len(),
        instances
            .iter()
            .map(|i| format!("{} {}", i.name, i.addr))
            .collect::<Vec<_>>()
            .join(", "),
        nginx.url,
        prometheus.url
    ));
    failures.extend(nginx.check_redirect(http_port));

    let steady = run_load(&nginx.url, STEADY_SECONDS)?;
    report.push(describe_load("steady", &steady));
    failures.extend(load_errors("steady", &steady));

    let (lines, errors) = payments(&work, &instances, &nginx)?;
    report.extend(lines);
    failures.extend(errors);

    // Kill B under load; Prometheus must see it and say so, then see it back.
    let (killed, kill_lines, kill_errors) = {
        let load = spawn_load(&nginx.url, FAULT_SECONDS);
        std::thread::sleep(FAULT_AFTER);
        let victim = instances
            .get_mut(1)
            .ok_or("the cluster has no instance B")?;
        let target = victim.metrics.to_string();
        let killed_at = Instant::now();
        victim.kill()?;
        let fired = prometheus.wait_alert("InstanceDown", &target, true, WAIT_LIMIT);
        let restarted_at = Instant::now();
        victim.spawn()?;
        let ready = victim.wait_ready(WAIT_LIMIT);
        let resolved = prometheus.wait_alert("InstanceDown", &target, false, WAIT_LIMIT);
        let result = join_load(load)?;
        let mut lines = vec![format!(
            "kill: {} attempts on B failed in nginx (in flight when it died, or refused while \
             it was down), each retried on another instance",
            nginx.failed_attempts(victim.addr)
        )];
        let mut errors = Vec::new();
        match fired {
            Ok(after) => lines.push(format!(
                "kill: SIGKILL to B; InstanceDown fired {:.1} s after the kill",
                (after - killed_at).as_secs_f64()
            )),
            Err(e) => errors.push(format!("kill: {e}")),
        }
        match &ready {
            Ok(took) => lines.push(format!(
                "kill: B started again {:.1} s after the kill, ready in {:.2} s",
                (restarted_at - killed_at).as_secs_f64(),
                took.as_secs_f64()
            )),
            Err(e) => errors.push(format!("kill: {e}")),
        }
        match resolved {
            Ok(after) => lines.push(format!(
                "kill: InstanceDown resolved {:.1} s after the restart ({:.1} s after the kill)",
                (after - restarted_at).as_secs_f64(),
                (after - killed_at).as_secs_f64()
            )),
            Err(e) => errors.push(format!("kill: {e}")),
        }
        (result, lines, errors)
    };
    report.push(describe_load("during the kill", &killed));
    report.extend(kill_lines);
    failures.extend(kill_errors);
    failures.extend(load_errors("kill", &killed));

    // Restart PostgreSQL under load; every instance must say so on /readyz, then recover.
    let pids_before: Vec<Option<u32>> = instances.iter().map(Instance::pid).collect();
    let (database, db_lines, db_errors) = {
        let load = spawn_load(&nginx.url, FAULT_SECONDS);
        std::thread::sleep(FAULT_AFTER);
        let stopped_at = Instant::now();
        postgres.stop_for_now()?;
        let not_ready = wait_readiness(&instances, 503, WAIT_LIMIT);
        std::thread::sleep(DATABASE_DOWN);
        let started_at = Instant::now();
        let started = postgres.start_again();
        let ready = wait_readiness(&instances, 200, WAIT_LIMIT);
        let result = join_load(load)?;
        let mut lines = Vec::new();
        let mut errors = Vec::new();
        if let Err(e) = started {
            errors.push(format!("database: PostgreSQL did not start again: {e}"));
        }
        match not_ready {
            Ok(after) => lines.push(format!(
                "database: stopped; every instance answered /readyz 503 within {:.1} s",
                (after - stopped_at).as_secs_f64()
            )),
            Err(e) => errors.push(format!("database: while it was down: {e}")),
        }
        match ready {
            Ok(after) => lines.push(format!(
                "database: started again after {:.1} s down; every instance ready {:.1} s \
                 after the start, none restarted",
                (started_at - stopped_at).as_secs_f64(),
                (after - started_at).as_secs_f64()
            )),
            Err(e) => errors.push(format!("database: after it started again: {e}")),
        }
        (result, lines, errors)
    };
    let pids_after: Vec<Option<u32>> = instances.iter().map(Instance::pid).collect();
    if pids_before != pids_after || pids_after.contains(&None) {
        failures.push(format!(
            "database: instances were restarted or died ({pids_before:?} → {pids_after:?})"
        ));
    }
    report.push(describe_load("during the database restart", &database));
    report.extend(db_lines);
    failures.extend(db_errors);
    failures.extend(load_errors("database restart", &database));
    if let Err(e) = prometheus.wait_metric_value("min(database_ready)", "1", WAIT_LIMIT) {
        failures.push(format!(
            "database: the database_ready gauges did not recover: {e}"
        ));
    }

    let (lines, errors) = dashboard_queries(&ops, &prometheus, &instances)?;
    report.extend(lines);
    failures.extend(errors);

    for instance in &mut instances {
        if !instance.stop() {
            failures.push(format!(
                "instance {} did not shut down cleanly on SIGTERM",
                instance.name
            ));
        }
    }
    drop(nginx);
    drop(prometheus);
    drop(postgres);

    let text = report.join("\n");
    println!("\n{text}");
    let report_file = target_dir(&root).join("cluster-report.txt");
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

// ---------------------------------------------------------------------------------------
// Tools and static checks.

/// nginx, Prometheus (with promtool), Alertmanager's amtool, wrk, openssl and curl; the
/// Debian packages of the missing ones installed when running as root.
fn ensure_tools() -> Result<(), String> {
    load::ensure_wrk()?;
    let wanted = [
        ("nginx", "nginx-light"),
        ("prometheus", "prometheus"),
        ("promtool", "prometheus"),
        ("amtool", "prometheus-alertmanager"),
        ("openssl", "openssl"),
        ("curl", "curl"),
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(program, _)| !on_path(program))
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !web::is_root() {
        return Err(format!(
            "the cluster test needs Debian's {}: install them (sudo apt-get install {}) and run \
             this again",
            missing.join(", "),
            missing.join(" ")
        ));
    }
    println!("installing Debian's {}", missing.join(", "));
    web::apt_install(&missing)?;
    match wanted.iter().find(|(program, _)| !on_path(program)) {
        Some((program, package)) => Err(format!(
            "apt-get installed {package}, but `{program}` is still not on the PATH"
        )),
        None => Ok(()),
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        || Path::new("/usr/sbin").join(program).is_file()
}

/// The checks of `ops/` that need no running cluster; the report's lines.
fn static_checks(ops: &Path, work: &Path) -> Result<Vec<String>, String> {
    let prometheus = ops.join("prometheus");
    let mut lines = Vec::new();
    let checked = |command: &mut Command, what: &str| -> Result<String, String> {
        let output = output_of(command)?;
        let summary = summary_line(&output);
        Ok(format!("{what}: {summary}"))
    };
    lines.push(checked(
        Command::new("promtool")
            .args(["check", "config"])
            .arg(prometheus.join("prometheus.yml")),
        "promtool check config",
    )?);
    lines.push(checked(
        Command::new("promtool")
            .args(["check", "rules"])
            .arg(prometheus.join("alerts.yml")),
        "promtool check rules",
    )?);
    let tests = output_of(
        Command::new("promtool")
            .args(["test", "rules", "alerts_test.yml"])
            .current_dir(&prometheus),
    )?;
    let cases = std::fs::read_to_string(prometheus.join("alerts_test.yml"))
        .map(|text| text.matches("\n  - name:").count())
        .unwrap_or(0);
    lines.push(format!(
        "promtool test rules alerts_test.yml: {} ({cases} test groups, each alert firing \
         and quiet)",
        summary_line(&tests)
    ));
    lines.push(checked(
        Command::new("amtool")
            .arg("check-config")
            .arg(ops.join("alertmanager").join("alertmanager.yml")),
        "amtool check-config",
    )?);
    lines.push(verify_systemd_unit(ops, work)?);
    Ok(lines)
}

/// `systemd-analyze verify` of the unit, with `ExecStart` pointing at the release binary
/// (verify checks that the program exists). Skipped, saying so, where systemd-analyze is not
/// installed.
fn verify_systemd_unit(ops: &Path, work: &Path) -> Result<String, String> {
    if !on_path("systemd-analyze") {
        let line = "systemd-analyze verify: SKIPPED, systemd-analyze is not installed";
        println!("{line}");
        return Ok(line.to_owned());
    }
    let unit = ops.join("systemd").join("mpp2xml.service");
    let text =
        std::fs::read_to_string(&unit).map_err(|e| format!("cannot read {}: {e}", shown(&unit)))?;
    let binary = web::release_binary("mpp2xml-server");
    let installed = "ExecStart=/usr/local/bin/mpp2xml-server";
    if !text.contains(installed) {
        return Err(format!("{} has no `{installed}` line", shown(&unit)));
    }
    let rewritten = text.replace(installed, &format!("ExecStart={}", binary.display()));
    let copy = work.join("mpp2xml.service");
    std::fs::write(&copy, rewritten).map_err(|e| format!("cannot write {}: {e}", shown(&copy)))?;
    let mut command = Command::new("systemd-analyze");
    command.arg("verify").arg(&copy);
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(&command)))?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if !output.status.success() || !said.trim().is_empty() {
        return Err(format!(
            "`{}` found problems in ops/systemd/mpp2xml.service:\n{said}",
            describe(&command)
        ));
    }
    Ok("systemd-analyze verify ops/systemd/mpp2xml.service: no problems".to_owned())
}

/// What a checker said in one line: its `SUCCESS` line, else its last line.
fn summary_line(output: &str) -> String {
    output
        .lines()
        .find(|line| line.contains("SUCCESS"))
        .or_else(|| output.lines().rev().find(|line| !line.trim().is_empty()))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Runs `command`, which must succeed; its standard output and error together.
fn output_of(command: &mut Command) -> Result<String, String> {
    println!("$ {}", describe(command));
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(command)))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(format!(
            "`{}` failed ({}):\n{text}",
            describe(command),
            output.status
        ))
    }
}

// ---------------------------------------------------------------------------------------
// The instances.

/// One `mpp2xml-server` on fixed loopback ports, so that it comes back where nginx and
/// Prometheus expect it after a kill.
struct Instance {
    name: &'static str,
    addr: SocketAddr,
    metrics: SocketAddr,
    log: PathBuf,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
    child: Option<Child>,
}

impl Instance {
    fn new(
        name: &'static str,
        work: &Path,
        database_url: &str,
        public_url: &str,
    ) -> Result<Self, String> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()?));
        let metrics = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()?));
        let args = [
            "--addr",
            &addr.to_string(),
            "--metrics-addr",
            &metrics.to_string(),
            "--dist",
            &web::dist_dir().display().to_string(),
            "--database-url",
            database_url,
            "--licence-key-file",
            &web::licence_key_file().display().to_string(),
            "--trusted-proxies",
            "127.0.0.1",
            "--log-format",
            "json",
            "--hsts",
            // Every request of the load comes from 127.0.0.1: the instances' general quota
            // would measure itself, not the cluster. The telemetry quota stays low, so the
            // test can see it refuse (the dashboard's rate-limit panel).
            "--rate",
            "1000000",
            "--burst",
            "1000000",
            "--telemetry-rate",
            "0.1",
            "--telemetry-burst",
            "3",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let env = vec![
            ("STRIPE_SECRET_KEY", "sk_test_cluster".to_owned()),
            ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
            ("STRIPE_PRICE_ID", "price_test_pro".to_owned()),
            // Never called: the test delivers webhooks itself and starts no Checkout.
            ("MPP2XML_STRIPE_API_BASE", "http://127.0.0.1:9/".to_owned()),
            ("MPP2XML_PUBLIC_URL", public_url.to_owned()),
        ];
        Ok(Self {
            name,
            addr,
            metrics,
            log: work.join(format!("instance-{name}.log")),
            args,
            env,
            child: None,
        })
    }

    /// Starts the process (its log appended to, across restarts).
    fn spawn(&mut self) -> Result<(), String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| format!("cannot open {}: {e}", shown(&self.log)))?;
        let err = log
            .try_clone()
            .map_err(|e| format!("cannot share {}: {e}", shown(&self.log)))?;
        let binary = web::release_binary("mpp2xml-server");
        let mut command = Command::new(&binary);
        web::clear_payment_env(&mut command);
        command
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err);
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", shown(&binary)))?;
        println!(
            "instance {} on {} (metrics {}), pid {}, log {}",
            self.name,
            self.addr,
            self.metrics,
            child.id(),
            shown(&self.log)
        );
        self.child = Some(child);
        Ok(())
    }

    fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Waits until `/readyz` answers 200; how long that took.
    fn wait_ready(&self, limit: Duration) -> Result<Duration, String> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if status_of(self.addr, "/readyz") == Some(200) {
                return Ok(started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "instance {} was not ready within {} s; the end of its log:\n{}",
            self.name,
            limit.as_secs(),
            tail(&self.log)
        ))
    }

    /// SIGKILL: no graceful shutdown, connections cut mid-request.
    fn kill(&mut self) -> Result<(), String> {
        let mut child = self
            .child
            .take()
            .ok_or_else(|| format!("instance {} is not running", self.name))?;
        child
            .kill()
            .map_err(|e| format!("cannot kill instance {}: {e}", self.name))?;
        let _ = child.wait();
        Ok(())
    }

    /// SIGTERM and a graceful exit within 40 s; whether it exited by itself with success.
    fn stop(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return true;
        };
        stop_child(&mut child, Duration::from_secs(40))
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.stop();
    }
}

/// SIGTERM, then up to `limit` for `child` to exit, then SIGKILL; whether it exited by itself
/// with success.
fn stop_child(child: &mut Child, limit: Duration) -> bool {
    if let Ok(Some(status)) = child.try_wait() {
        return status.success();
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stdin(Stdio::null())
        .status();
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return status.success();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}

/// Waits until every instance answers `/readyz` with `status`; when the last one did.
fn wait_readiness(instances: &[Instance], status: u16, limit: Duration) -> Result<Instant, String> {
    let started = Instant::now();
    let mut pending: Vec<&Instance> = instances.iter().collect();
    while started.elapsed() < limit {
        pending.retain(|instance| status_of(instance.addr, "/readyz") != Some(status));
        if pending.is_empty() {
            return Ok(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!(
        "instance(s) {} did not answer /readyz {status} within {} s",
        pending
            .iter()
            .map(|i| i.name)
            .collect::<Vec<_>>()
            .join(", "),
        limit.as_secs()
    ))
}

/// The status of `GET path` on `addr` (plain HTTP/1.1), `None` when nothing answered.
fn status_of(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(head.get(9..12)?).ok()?.parse().ok()
}

/// The last lines of a log.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines
        .get(lines.len().saturating_sub(15)..)
        .unwrap_or_default()
        .join("\n")
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
fn free_port() -> Result<u16, String> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free port on 127.0.0.1: {e}"))
}

// ---------------------------------------------------------------------------------------
// nginx.

/// Debian's nginx running `ops/nginx/mpp2xml.conf`, rewritten for loopback.
struct Nginx {
    child: Child,
    /// `https://127.0.0.1:<port>`.
    url: String,
    error_log: PathBuf,
}

impl Nginx {
    fn start(
        ops: &Path,
        work: &Path,
        instances: &[Instance],
        https_port: u16,
        http_port: u16,
    ) -> Result<Self, String> {
        let dir = work.join("nginx");
        for sub in ["tmp", "logs"] {
            std::fs::create_dir_all(dir.join(sub))
                .map_err(|e| format!("cannot create {}: {e}", shown(&dir)))?;
        }
        let cert = dir.join("cert.pem");
        let key = dir.join("key.pem");
        output_of(
            Command::new("openssl")
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                ])
                .args([
                    "-subj",
                    "/CN=127.0.0.1",
                    "-addext",
                    "subjectAltName=IP:127.0.0.1",
                ])
                .arg("-keyout")
                .arg(&key)
                .arg("-out")
                .arg(&cert),
        )?;
        let source = ops.join("nginx").join("mpp2xml.conf");
        let text = std::fs::read_to_string(&source)
            .map_err(|e| format!("cannot read {}: {e}", shown(&source)))?;
        let upstreams: String = instances
            .iter()
            .map(|i| format!("    server {} max_fails=3 fail_timeout=10s;\n", i.addr))
            .collect();
        let site = rewrite_nginx(&text, &upstreams, https_port, http_port, &cert, &key)?;
        let site_file = dir.join("mpp2xml.conf");
        std::fs::write(&site_file, site)
            .map_err(|e| format!("cannot write {}: {e}", shown(&site_file)))?;
        // The main file Debian's /etc/nginx/nginx.conf would be: everything in this folder.
        let tmp = dir.join("tmp");
        let main = format!(
            "# cargo xtask cluster: nginx for the test, all files under this folder\n\
             user root;\n\
             worker_processes 2;\n\
             pid {dir}/nginx.pid;\n\
             error_log {dir}/logs/error.log warn;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n\
             \x20   access_log {dir}/logs/access.log;\n\
             \x20   client_body_temp_path {tmp}/body;\n\
             \x20   proxy_temp_path {tmp}/proxy;\n\
             \x20   fastcgi_temp_path {tmp}/fastcgi;\n\
             \x20   uwsgi_temp_path {tmp}/uwsgi;\n\
             \x20   scgi_temp_path {tmp}/scgi;\n\
             \x20   include {site};\n\
             }}\n",
            dir = dir.display(),
            tmp = tmp.display(),
            site = site_file.display()
        );
        let main_file = dir.join("nginx.conf");
        std::fs::write(&main_file, main)
            .map_err(|e| format!("cannot write {}: {e}", shown(&main_file)))?;
        let nginx = if on_path("nginx") && !Path::new("/usr/sbin/nginx").is_file() {
            PathBuf::from("nginx")
        } else {
            PathBuf::from("/usr/sbin/nginx")
        };
        output_of(
            Command::new(&nginx)
                .arg("-t")
                .arg("-p")
                .arg(&dir)
                .arg("-c")
                .arg(&main_file),
        )?;
        let log = std::fs::File::create(dir.join("logs").join("stderr.log"))
            .map_err(|e| format!("cannot create nginx's log: {e}"))?;
        let child = Command::new(&nginx)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&main_file)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start nginx: {e}"))?;
        let url = format!("https://127.0.0.1:{https_port}");
        let started = Instant::now();
        loop {
            if curl(&[&format!("{url}/healthz")]).is_ok_and(|(status, _)| status == 200) {
                break;
            }
            if started.elapsed() > WAIT_LIMIT {
                return Err(format!(
                    "nginx did not answer on {url} within {} s; its error log:\n{}",
                    WAIT_LIMIT.as_secs(),
                    tail(&dir.join("logs").join("error.log"))
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        println!(
            "nginx on {url} (plain HTTP on {http_port}), files in {}",
            shown(&dir)
        );
        Ok(Self {
            child,
            url,
            error_log: dir.join("logs").join("error.log"),
        })
    }

    /// How many attempts on `upstream` failed (refused, reset, timed out) in nginx's error
    /// log: each is a request nginx then sent to another instance (the load's GETs).
    fn failed_attempts(&self, upstream: SocketAddr) -> usize {
        let needle = format!("upstream: \"http://{upstream}/");
        std::fs::read_to_string(&self.error_log)
            .unwrap_or_default()
            .lines()
            .filter(|line| line.contains("[error]") && line.contains(&needle))
            .count()
    }

    /// Plain HTTP must redirect to HTTPS; the failures.
    fn check_redirect(&self, http_port: u16) -> Vec<String> {
        // The headers on standard output, the body thrown away.
        match curl(&[
            "-D",
            "-",
            "-o",
            "/dev/null",
            &format!("http://127.0.0.1:{http_port}/api/v1/config?x=1"),
        ]) {
            Ok((301, headers))
                if headers
                    .to_ascii_lowercase()
                    .contains("\nlocation: https://127.0.0.1/api/v1/config?x=1") =>
            {
                Vec::new()
            }
            Ok((status, headers)) => vec![format!(
                "nginx: plain HTTP answered {status} instead of a redirect to HTTPS:\n{}",
                headers.trim()
            )],
            Err(e) => vec![format!("nginx: plain HTTP: {e}")],
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM is nginx's fast shutdown.
        stop_child(&mut self.child, Duration::from_secs(10));
    }
}

/// `ops/nginx/mpp2xml.conf` for the test: the instances between the BEGIN/END lines, the
/// listeners on loopback ports, the run's certificate, and per-client rates the load (all from
/// 127.0.0.1) does not reach. Every line rewritten must be found, so that the test cannot
/// drift from the file it claims to run.
fn rewrite_nginx(
    text: &str,
    upstreams: &str,
    https_port: u16,
    http_port: u16,
    cert: &Path,
    key: &Path,
) -> Result<String, String> {
    let begin = text
        .find("    # BEGIN instances")
        .ok_or("ops/nginx/mpp2xml.conf has no `# BEGIN instances` line")?;
    let end = text
        .find("    # END instances")
        .ok_or("ops/nginx/mpp2xml.conf has no `# END instances` line")?;
    let (head, rest) = text.split_at(begin);
    let tail_part = rest
        .get(end.saturating_sub(begin)..)
        .ok_or("`# END instances` comes before `# BEGIN instances`")?;
    let mut out = format!("{head}{upstreams}{tail_part}");
    let replacements = [
        ("rate=50r/s;".to_owned(), "rate=100000r/s;".to_owned()),
        ("rate=2r/s;".to_owned(), "rate=1000r/s;".to_owned()),
        (
            "listen 80;".to_owned(),
            format!("listen 127.0.0.1:{http_port};"),
        ),
        ("listen [::]:80;".to_owned(), String::new()),
        (
            "listen 443 ssl http2;".to_owned(),
            format!("listen 127.0.0.1:{https_port} ssl http2;"),
        ),
        ("listen [::]:443 ssl http2;".to_owned(), String::new()),
        (
            "/etc/ssl/mpp2xml/fullchain.pem".to_owned(),
            cert.display().to_string(),
        ),
        (
            "/etc/ssl/mpp2xml/privkey.pem".to_owned(),
            key.display().to_string(),
        ),
        // The load's 32 connections all come from 127.0.0.1.
        (
            "limit_conn mpp2xml_conn 64;".to_owned(),
            "limit_conn mpp2xml_conn 4096;".to_owned(),
        ),
    ];
    for (from, to) in replacements {
        if !out.contains(&from) {
            return Err(format!(
                "ops/nginx/mpp2xml.conf no longer has `{from}`, which the cluster test rewrites"
            ));
        }
        out = out.replace(&from, &to);
    }
    Ok(out)
}

/// `curl -sk` with `args`: the status and the body. The status comes from `-w`, appended on a
/// line of its own.
fn curl(args: &[&str]) -> Result<(u16, String), String> {
    let mut command = Command::new("curl");
    command
        .args(["-sS", "-k", "--max-time", "15"])
        .args(args)
        .args(["-w", "\n%{http_code}"]);
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run curl: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!(
            "`{}` failed ({}): {}",
            describe(&command),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    let status = status
        .trim()
        .parse()
        .map_err(|_| format!("curl printed no status: {text}"))?;
    Ok((status, body.to_owned()))
}

// ---------------------------------------------------------------------------------------
// Prometheus.

/// Debian's Prometheus scraping the instances every second, with the alert rules of `ops/`.
struct Prometheus {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    url: String,
}

impl Prometheus {
    fn start(ops: &Path, work: &Path, instances: &[Instance]) -> Result<Self, String> {
        let dir = work.join("prometheus");
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", shown(&dir)))?;
        let rules_source = ops.join("prometheus").join("alerts.yml");
        let rules = std::fs::read_to_string(&rules_source)
            .map_err(|e| format!("cannot read {}: {e}", shown(&rules_source)))?;
        let rules_file = dir.join("alerts.yml");
        std::fs::write(&rules_file, shorten_for_durations(&rules))
            .map_err(|e| format!("cannot write {}: {e}", shown(&rules_file)))?;
        let targets: Vec<String> = instances
            .iter()
            .map(|i| format!("'{}'", i.metrics))
            .collect();
        let config = format!(
            "# cargo xtask cluster: ops/prometheus/prometheus.yml with the test's targets and\n\
             # one-second intervals\n\
             global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\n\
             rule_files:\n  - {}\n\
             scrape_configs:\n  - job_name: mpp2xml\n    static_configs:\n      - targets: [{}]\n",
            rules_file.display(),
            targets.join(", ")
        );
        let config_file = dir.join("prometheus.yml");
        std::fs::write(&config_file, config)
            .map_err(|e| format!("cannot write {}: {e}", shown(&config_file)))?;
        output_of(
            Command::new("promtool")
                .args(["check", "config"])
                .arg(&config_file),
        )?;
        let port = free_port()?;
        let log = std::fs::File::create(dir.join("prometheus.log"))
            .map_err(|e| format!("cannot create Prometheus' log: {e}"))?;
        let err = log
            .try_clone()
            .map_err(|e| format!("cannot share Prometheus' log: {e}"))?;
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start prometheus: {e}"))?;
        let url = format!("http://127.0.0.1:{port}");
        let prometheus = Self { child, url };
        let started = Instant::now();
        while !curl(&[&format!("{}/-/ready", prometheus.url)]).is_ok_and(|(s, _)| s == 200) {
            if started.elapsed() > WAIT_LIMIT {
                return Err(format!(
                    "Prometheus did not become ready within {} s; its log:\n{}",
                    WAIT_LIMIT.as_secs(),
                    tail(&dir.join("prometheus.log"))
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        println!("Prometheus on {}", prometheus.url);
        Ok(prometheus)
    }

    /// The JSON answer of an instant query.
    fn query(&self, query: &str) -> Result<String, String> {
        let (status, body) = curl(&[
            &format!("{}/api/v1/query", self.url),
            "--data-urlencode",
            &format!("query={query}"),
        ])?;
        if status != 200 || !body.contains("\"status\":\"success\"") {
            return Err(format!("Prometheus refused `{query}` ({status}): {body}"));
        }
        Ok(body)
    }

    /// Waits until `sum(up)` is `count`.
    fn wait_all_up(&self, count: usize, limit: Duration) -> Result<(), String> {
        self.wait_metric_value("sum(up{job=\"mpp2xml\"})", &count.to_string(), limit)
            .map(|_| ())
    }

    /// Waits until the instant query `query` has the single value `value`.
    fn wait_metric_value(
        &self,
        query: &str,
        value: &str,
        limit: Duration,
    ) -> Result<Instant, String> {
        let started = Instant::now();
        let wanted = format!(",\"{value}\"]");
        let mut last = String::new();
        while started.elapsed() < limit {
            last = self.query(query)?;
            if last.contains(&wanted) {
                return Ok(Instant::now());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Err(format!(
            "`{query}` was not {value} within {} s (last answer {last})",
            limit.as_secs()
        ))
    }

    /// Waits until alert `name` for `instance` is firing (`firing`) or gone (`!firing`); when.
    fn wait_alert(
        &self,
        name: &str,
        instance: &str,
        firing: bool,
        limit: Duration,
    ) -> Result<Instant, String> {
        let started = Instant::now();
        while started.elapsed() < limit {
            let (_, body) = curl(&[&format!("{}/api/v1/alerts", self.url)])?;
            let is_firing = alert_firing(&body, name, instance);
            let is_active = alert_active(&body, name, instance);
            if (firing && is_firing) || (!firing && !is_active) {
                return Ok(Instant::now());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Err(format!(
            "the {name} alert for {instance} did not {} within {} s",
            if firing { "fire" } else { "resolve" },
            limit.as_secs()
        ))
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        stop_child(&mut self.child, Duration::from_secs(10));
    }
}

/// The alerts of Prometheus' `/api/v1/alerts` answer, one text per alert.
fn alerts_of(body: &str) -> impl Iterator<Item = &str> {
    body.split("{\"labels\":").skip(1)
}

fn alert_matches(alert: &str, name: &str, instance: &str) -> bool {
    alert.contains(&format!("\"alertname\":\"{name}\""))
        && alert.contains(&format!("\"instance\":\"{instance}\""))
}

/// Whether alert `name` for `instance` is firing.
fn alert_firing(body: &str, name: &str, instance: &str) -> bool {
    alerts_of(body).any(|a| alert_matches(a, name, instance) && a.contains("\"state\":\"firing\""))
}

/// Whether alert `name` for `instance` is pending or firing.
fn alert_active(body: &str, name: &str, instance: &str) -> bool {
    alerts_of(body).any(|a| alert_matches(a, name, instance))
}

/// The alert rules with every `for:` of minutes shortened to two seconds: the test waits
/// seconds, not minutes, for what production waits a minute for.
fn shorten_for_durations(rules: &str) -> String {
    rules
        .lines()
        .map(|line| {
            let trimmed = line.trim_start();
            match trimmed.strip_prefix("for: ") {
                Some(duration) if duration.trim().ends_with('m') => {
                    format!(
                        "{}for: 2s",
                        line.get(..line.len() - trimmed.len()).unwrap_or_default()
                    )
                }
                _ => line.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `"expr"` string of a Grafana dashboard's JSON, unescaped.
fn dashboard_exprs(json: &str) -> Vec<String> {
    let mut exprs = Vec::new();
    let mut rest = json;
    while let Some(at) = rest.find("\"expr\":") {
        rest = rest.get(at + "\"expr\":".len()..).unwrap_or_default();
        let Some(open) = rest.find('"') else { break };
        let mut value = String::new();
        let mut chars = rest.get(open + 1..).unwrap_or_default().char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    end = Some(open + 1 + i + 1);
                    break;
                }
                '\\' => match chars.next().map(|(_, e)| e) {
                    Some('n') => value.push('\n'),
                    Some('t') => value.push('\t'),
                    Some(escaped) => value.push(escaped),
                    None => break,
                },
                c => value.push(c),
            }
        }
        exprs.push(value);
        match end {
            Some(end) => rest = rest.get(end..).unwrap_or_default(),
            None => break,
        }
    }
    exprs
}

/// Evaluates every panel query of the dashboard, after making sure each kind of series it
/// shows exists (a browser report, a refused one, a revoked licence); the report's lines and
/// the failures.
fn dashboard_queries(
    ops: &Path,
    prometheus: &Prometheus,
    instances: &[Instance],
) -> Result<(Vec<String>, Vec<String>), String> {
    let a = instances.first().ok_or("no instance A")?;
    // Browser conversions, reported; past the telemetry quota (3 at once) some are refused.
    let report = r#"{"outcome":"ok","version":"MPP14","size_bucket":"lt_100k","duration_ms":42}"#;
    let mut refused = 0;
    for _ in 0..6 {
        let (status, _) = curl(&[
            "-X",
            "POST",
            "-H",
            "content-type: application/json",
            "--data-binary",
            report,
            &format!("http://{}/api/v1/telemetry", a.addr),
        ])?;
        refused += usize::from(status == 429);
    }
    let mut failures = Vec::new();
    if refused == 0 {
        failures.push("dashboard: no telemetry report was refused past the quota".to_owned());
    }
    // Two scrapes, so rates have two points.
    std::thread::sleep(Duration::from_secs(3));

    let file = ops.join("grafana").join("mpp2xml.json");
    let json =
        std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", shown(&file)))?;
    let exprs = dashboard_exprs(&json);
    if exprs.is_empty() {
        return Err(format!("{} has no panel queries", shown(&file)));
    }
    let mut with_data = 0;
    for expr in &exprs {
        // What Grafana substitutes for the dashboard's time range.
        let query = expr.replace("$__range", "10m");
        match prometheus.query(&query) {
            Ok(body) if body.contains("\"result\":[]") => {
                failures.push(format!("dashboard: `{query}` returned no data"));
            }
            Ok(_) => with_data += 1,
            Err(e) => failures.push(format!("dashboard: {e}")),
        }
    }
    Ok((
        vec![format!(
            "dashboard: {with_data} of {} panel queries of ops/grafana/mpp2xml.json parse and \
             return data in Prometheus",
            exprs.len()
        )],
        failures,
    ))
}

// ---------------------------------------------------------------------------------------
// Payments across instances.

/// A signed Stripe event delivered to A issues a licence B hands over and C converts with;
/// one delivered to all three at once is applied once; a refund delivered to C revokes the
/// licence on every instance. The report's lines and the failures.
fn payments(
    work: &Path,
    instances: &[Instance],
    nginx: &Nginx,
) -> Result<(Vec<String>, Vec<String>), String> {
    let [a, b, c] = instances else {
        return Err("the cluster needs three instances".to_owned());
    };
    let mut lines = Vec::new();
    let mut failures = Vec::new();
    let run = unique();

    let session = format!("cs_test_cluster_{run}_1");
    let intent = format!("pi_cluster_{run}_1");
    let event = completed(&format!("evt_cluster_{run}_1"), &session, &intent);
    let (status, body) = deliver(work, a.addr, &event, "a")?;
    if status != 200 || !body.contains("\"duplicate\":false") {
        failures.push(format!("payments: A answered the webhook {status}: {body}"));
    }
    // B hands over the licence A issued (the row is in the shared database).
    let (status, body) = curl(&[&format!(
        "http://{}/api/v1/license?session_id={session}",
        b.addr
    )])?;
    let token = json_string(&body, "token");
    match &token {
        Some(_) if status == 200 => lines
            .push("payments: webhook delivered to A issued a licence; B handed it over".to_owned()),
        _ => failures.push(format!(
            "payments: B answered the licence request {status}: {body}"
        )),
    }
    // C honours it: a conversion through the gate (a real file when the corpus is there).
    if let Some(token) = &token {
        let (status, body) = convert_on(c.addr, token)?;
        if matches!(status, 401 | 403) || status >= 500 {
            failures.push(format!(
                "payments: C refused the licence ({status}): {body}"
            ));
        } else {
            lines.push(format!(
                "payments: C honoured it (conversion answered {status})"
            ));
        }
        // And nginx passes it through TLS to whichever instance.
        let (status, _) = curl(&[
            "-H",
            &format!("authorization: Bearer {token}"),
            &format!("{}/api/v1/license", nginx.url),
        ])?;
        if status != 200 {
            failures.push(format!(
                "payments: the licence token through nginx answered {status}"
            ));
        }
    }

    // One event to all three at once: exactly one applies it.
    let session2 = format!("cs_test_cluster_{run}_2");
    let event2 = completed(
        &format!("evt_cluster_{run}_2"),
        &session2,
        &format!("pi_cluster_{run}_2"),
    );
    let children: Vec<(&str, Child)> = instances
        .iter()
        .map(|i| {
            let file = signed_payload(work, &event2, &format!("all-{}", i.name))?;
            spawn_delivery(i.addr, &file).map(|child| (i.name, child))
        })
        .collect::<Result<_, String>>()?;
    let mut applied = 0;
    let mut duplicates = 0;
    for (name, child) in children {
        let output = child
            .wait_with_output()
            .map_err(|e| format!("curl to {name}: {e}"))?;
        let text = String::from_utf8_lossy(&output.stdout);
        if text.contains("\"duplicate\":false") {
            applied += 1;
        } else if text.contains("\"duplicate\":true") {
            duplicates += 1;
        } else {
            failures.push(format!(
                "payments: {name} answered the shared event: {text}"
            ));
        }
    }
    if applied == 1 && duplicates == 2 {
        lines.push(
            "payments: one event delivered to A, B and C at once: applied by one, a duplicate \
             for the two others"
                .to_owned(),
        );
    } else {
        failures.push(format!(
            "payments: the event delivered to all three was applied {applied} times \
             ({duplicates} duplicates)"
        ));
    }
    let (status, body) = curl(&[&format!(
        "http://{}/api/v1/license?session_id={session2}",
        a.addr
    )])?;
    if status != 200 {
        failures.push(format!(
            "payments: the licence of the shared event is missing ({status}): {body}"
        ));
    }

    // A refund delivered to C revokes the first licence; A refuses it at once (the instance
    // that applied it marks it) or within its refresh period.
    let refund = refunded(&format!("evt_cluster_{run}_3"), &intent);
    let (status, body) = deliver(work, c.addr, &refund, "refund")?;
    if status != 200 {
        failures.push(format!("payments: C answered the refund {status}: {body}"));
    }
    if let Some(token) = &token {
        let started = Instant::now();
        let refused = loop {
            let (status, _) = convert_on(a.addr, token)?;
            if status == 403 {
                break true;
            }
            if started.elapsed() > WAIT_LIMIT {
                break false;
            }
            std::thread::sleep(Duration::from_millis(250));
        };
        if refused {
            lines.push(format!(
                "payments: refund delivered to C; A refused the revoked licence {:.1} s later",
                started.elapsed().as_secs_f64()
            ));
        } else {
            failures.push("payments: A still honours a licence refunded on C".to_owned());
        }
    }
    Ok((lines, failures))
}

/// `POST /api/v1/convert` on `addr` with the licence `token`: the largest corpus file, or
/// no file (past the gate, that is 400).
fn convert_on(addr: SocketAddr, token: &str) -> Result<(u16, String), String> {
    let auth = format!("authorization: Bearer {token}");
    let url = format!("http://{addr}/api/v1/convert");
    match load::convert_file()? {
        Some(file) => {
            let data = format!("@{}", file.display());
            curl(&[
                "-o",
                "/dev/null",
                "-X",
                "POST",
                "-H",
                &auth,
                "-H",
                "content-type: application/octet-stream",
                "--data-binary",
                &data,
                &url,
            ])
        }
        None => curl(&[
            "-X",
            "POST",
            "-H",
            &auth,
            "-H",
            "content-type: application/octet-stream",
            &url,
        ]),
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A suffix no other run used, for event and session ids.
fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}_{nanos}", std::process::id())
}

fn event(id: &str, kind: &str, object: &str) -> String {
    format!(
        r#"{{"id":"{id}","object":"event","api_version":"2025-01-27.acacia","created":{},"livemode":false,"pending_webhooks":1,"type":"{kind}","data":{{"object":{object}}}}}"#,
        now()
    )
}

fn completed(id: &str, session: &str, intent: &str) -> String {
    event(
        id,
        "checkout.session.completed",
        &format!(
            r#"{{"id":"{session}","object":"checkout.session","mode":"payment","payment_status":"paid","status":"complete","payment_intent":"{intent}","subscription":null,"customer":"cus_cluster","customer_details":{{"email":"buyer@example.com","name":"A Buyer"}},"amount_total":4900,"currency":"eur","metadata":{{"product":"mpp2xml-pro"}}}}"#
        ),
    )
}

fn refunded(id: &str, intent: &str) -> String {
    event(
        id,
        "charge.refunded",
        &format!(
            r#"{{"id":"ch_cluster","object":"charge","payment_intent":"{intent}","refunded":true,"amount":4900,"amount_refunded":4900}}"#
        ),
    )
}

/// Writes `payload` to a file and returns it with its `Stripe-Signature` header, computed by
/// `openssl` as Stripe defines it: `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>`.
fn signed_payload(work: &Path, payload: &str, name: &str) -> Result<(PathBuf, String), String> {
    let file = work.join(format!("event-{name}.json"));
    std::fs::write(&file, payload).map_err(|e| format!("cannot write {}: {e}", shown(&file)))?;
    let t = now();
    let mut openssl = Command::new("openssl")
        .args(["dgst", "-sha256", "-hmac", WEBHOOK_SECRET])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run openssl: {e}"))?;
    openssl
        .stdin
        .take()
        .ok_or("openssl has no stdin")?
        .write_all(format!("{t}.{payload}").as_bytes())
        .map_err(|e| format!("cannot write to openssl: {e}"))?;
    let output = openssl
        .wait_with_output()
        .map_err(|e| format!("openssl: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let hex = text
        .rsplit("= ")
        .next()
        .map(str::trim)
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| format!("openssl printed no HMAC: {text}"))?;
    Ok((file, format!("t={t},v1={hex}")))
}

/// Delivers `payload`, signed, to `addr`'s webhook route; the status and the body.
fn deliver(
    work: &Path,
    addr: SocketAddr,
    payload: &str,
    name: &str,
) -> Result<(u16, String), String> {
    let signed = signed_payload(work, payload, name)?;
    let output = spawn_delivery(addr, &signed)?
        .wait_with_output()
        .map_err(|e| format!("curl: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    Ok((status.trim().parse().unwrap_or(0), body.to_owned()))
}

/// Starts curl delivering the signed payload to `addr`; its output is the body, a newline and
/// the status.
fn spawn_delivery(
    addr: SocketAddr,
    (file, signature): &(PathBuf, String),
) -> Result<Child, String> {
    Command::new("curl")
        .args(["-sS", "--max-time", "15", "-X", "POST"])
        .args(["-H", "content-type: application/json"])
        .args(["-H", &format!("stripe-signature: {signature}")])
        .arg("--data-binary")
        .arg(format!("@{}", file.display()))
        .args(["-w", "\n%{http_code}"])
        .arg(format!("http://{addr}/api/v1/stripe/webhook"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run curl: {e}"))
}

/// The string value of `"key"` in a flat JSON object.
fn json_string(json: &str, key: &str) -> Option<String> {
    let start = json.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let rest = json.get(start..)?;
    Some(rest.get(..rest.find('"')?)?.to_owned())
}

// ---------------------------------------------------------------------------------------
// The load.

/// wrk through nginx for `seconds`, with `tests/load/cluster.lua`.
fn run_load(url: &str, seconds: u32) -> Result<WrkResult, String> {
    let scripts = workspace_root().join("tests").join("load");
    load::wrk(url, &scripts, "cluster.lua", CONNECTIONS, seconds, &[])
}

/// [`run_load`] in a thread, while the caller breaks things.
fn spawn_load(url: &str, seconds: u32) -> std::thread::JoinHandle<Result<WrkResult, String>> {
    let url = url.to_owned();
    std::thread::spawn(move || run_load(&url, seconds))
}

fn join_load(
    handle: std::thread::JoinHandle<Result<WrkResult, String>>,
) -> Result<WrkResult, String> {
    handle
        .join()
        .map_err(|_| "the load thread panicked".to_owned())?
}

fn describe_load(phase: &str, r: &WrkResult) -> String {
    let ms = |us: u64| us as f64 / 1000.0;
    let statuses: Vec<String> = r
        .statuses
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect();
    format!(
        "{phase}: {} requests through nginx (TLS) in {:.1} s ({:.0}/s); p50 {:.1} ms, p95 {:.1} \
         ms, p99 {:.1} ms, max {:.1} ms; statuses {{{}}}; socket errors {}, timeouts {}",
        r.requests,
        r.duration_us as f64 / 1e6,
        r.requests as f64 / (r.duration_us as f64 / 1e6).max(1e-9),
        ms(r.p50_us),
        ms(r.p95_us),
        ms(r.p99_us),
        ms(r.max_us),
        statuses.join(", "),
        r.socket_errors,
        r.timeouts
    )
}

/// Every answer but 200 is an error the client saw, and so is every socket error or timeout.
fn load_errors(phase: &str, r: &WrkResult) -> Vec<String> {
    let mut errors: Vec<String> = r
        .statuses
        .iter()
        .filter(|(status, _)| *status != 200)
        .map(|(status, n)| format!("{phase}: {n} answers {status} through nginx"))
        .collect();
    if r.socket_errors + r.timeouts > 0 {
        errors.push(format!(
            "{phase}: {} socket errors and {} timeouts through nginx",
            r.socket_errors, r.timeouts
        ));
    }
    if r.requests == 0 {
        errors.push(format!("{phase}: no request was answered"));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn for_durations_of_minutes_become_seconds_and_nothing_else_changes() {
        let rules = "      - alert: X\n        expr: up == 0\n        for: 10m\n        labels:\n          for: me\n      - alert: Y\n        for: 30s";
        let short = shorten_for_durations(rules);
        assert_eq!(short.matches("for: 2s").count(), 1);
        assert!(short.contains("        for: 2s\n"));
        assert!(short.contains("for: me"));
        assert!(short.contains("for: 30s"));
    }

    #[test]
    fn the_dashboard_queries_are_read_and_unescaped() {
        let json = r#"{"targets":[{"expr":"sum(rate(x{job=\"a\"}[5m]))","refId":"A"},{"refId":"B","expr": "up"}]}"#;
        assert_eq!(
            dashboard_exprs(json),
            vec!["sum(rate(x{job=\"a\"}[5m]))".to_owned(), "up".to_owned()]
        );
        assert!(dashboard_exprs("{}").is_empty());
    }

    #[test]
    fn the_dashboard_of_the_repository_has_queries() {
        let file = workspace_root().join("ops/grafana/mpp2xml.json");
        let json = std::fs::read_to_string(file).unwrap_or_default();
        let exprs = dashboard_exprs(&json);
        assert!(exprs.len() >= 10, "{exprs:?}");
        assert!(exprs.iter().all(|e| !e.contains('\\')));
    }

    #[test]
    fn the_nginx_config_of_the_repository_is_rewritten_completely() {
        let file = workspace_root().join("ops/nginx/mpp2xml.conf");
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let out = rewrite_nginx(
            &text,
            "    server 127.0.0.1:1 max_fails=3 fail_timeout=10s;\n",
            8443,
            8080,
            Path::new("/c.pem"),
            Path::new("/k.pem"),
        );
        let out = out.unwrap_or_default();
        assert!(out.contains("server 127.0.0.1:1 max_fails"));
        assert!(!out.contains("10.0.0.11"));
        assert!(out.contains("listen 127.0.0.1:8443 ssl http2;"));
        assert!(!out.contains("[::]"));
        assert!(out.contains("proxy_request_buffering off;"));
        assert!(rewrite_nginx("no markers", "", 1, 2, Path::new("c"), Path::new("k")).is_err());
    }

    #[test]
    fn alerts_are_found_by_name_instance_and_state() {
        let body = r#"{"status":"success","data":{"alerts":[{"labels":{"alertname":"InstanceDown","instance":"127.0.0.1:9"},"state":"pending"},{"labels":{"alertname":"InstanceDown","instance":"127.0.0.1:8"},"state":"firing"}]}}"#;
        assert!(alert_firing(body, "InstanceDown", "127.0.0.1:8"));
        assert!(!alert_firing(body, "InstanceDown", "127.0.0.1:9"));
        assert!(alert_active(body, "InstanceDown", "127.0.0.1:9"));
        assert!(!alert_active(body, "InstanceDown", "127.0.0.1:7"));
    }

    #[test]
    fn a_checker_is_summed_up_by_its_success_line() {
        assert_eq!(
            summary_line("Checking x\n  SUCCESS: 9 rules found\n\n"),
            "SUCCESS: 9 rules found"
        );
        assert_eq!(summary_line("a\nlast\n\n"), "last");
    }

    #[test]
    fn a_json_string_is_read_by_key() {
        let body = r#"{"token":"abc.def","plan":"pro"}"#;
        assert_eq!(json_string(body, "token").as_deref(), Some("abc.def"));
        assert_eq!(json_string(body, "missing"), None);
    }
}
