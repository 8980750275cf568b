//! The browser app's commands and steps: the tools it needs, the release build into `dist/`,
//! the server, the end-to-end tests and the browser benchmark.
//!
//! Nothing here downloads from outside the package registries: Trunk and wasm-bindgen-cli come
//! from crates.io (`cargo install`), wasm-opt from npm (`binaryen`), Chromium from Debian, and
//! Trunk runs offline so that it uses them instead of fetching its own.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{
    Done, StepResult, WASM_TARGET, cargo, corpus_dir, has_wasm_target, run, shown, succeeds,
    target_dir, workspace_root,
};

/// The Trunk release the app is built with (0.22 needs a newer rustc than the workspace's).
pub const TRUNK_VERSION: &str = "0.21.14";
/// The crates built for the browser, also checked with `--target wasm32-unknown-unknown` (on
/// the host only their plain-Rust parts build: their browser dependencies are wasm32-only).
pub const WASM_CRATES: [&str; 3] = ["converter-wasm", "frontend", "protocol"];
/// Where the e2e tests (and the browser benchmark) live, with their npm packages.
const E2E_DIR: &str = "tests/e2e";
/// Debian's Chromium, which Playwright drives (Playwright's own download is not used).
const CHROMIUM: &str = "/usr/bin/chromium";

// ---------------------------------------------------------------------------------------
// Tools.

/// The `PATH` for Trunk: the npm `.bin` folder that holds `wasm-opt` first.
pub struct WebTools {
    path: OsString,
}

/// Installs what the browser build needs and is missing: the wasm32 target, Trunk
/// [`TRUNK_VERSION`], wasm-bindgen-cli at the version `Cargo.lock` pins, and the npm packages
/// that give `wasm-opt`. Anything already there is used as it is.
pub fn ensure_web_tools() -> Result<WebTools, String> {
    let root = workspace_root();
    // `cargo install` puts tools in $CARGO_HOME/bin, which may not be on PATH (CI shells).
    let cargo_bin = cargo_home().map(|home| home.join("bin"));
    let path = search_path(cargo_bin.as_deref(), None)?;
    if !has_wasm_target()? {
        println!("the {WASM_TARGET} target is missing: installing it");
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
            .map_err(|e| format!("{e}; cannot install the {WASM_TARGET} target"))?;
    }

    let trunk = tool_version("trunk", &path);
    if trunk.as_deref() == Some(TRUNK_VERSION) {
        println!("trunk {TRUNK_VERSION}: installed");
    } else {
        println!(
            "trunk {TRUNK_VERSION} is needed ({}): installing it (about 8 minutes on 2 cores)",
            found(trunk.as_deref())
        );
        run(&mut cargo(&[
            "install",
            "--locked",
            &format!("trunk@{TRUNK_VERSION}"),
        ]))
        .map_err(|e| format!("{e}; cannot install Trunk"))?;
    }

    let pinned = locked_version(&root.join("Cargo.lock"), "wasm-bindgen")?;
    let bindgen = tool_version("wasm-bindgen", &path);
    if bindgen.as_deref() == Some(pinned.as_str()) {
        println!("wasm-bindgen {pinned}: installed (the version Cargo.lock pins)");
    } else {
        println!(
            "wasm-bindgen {pinned} is needed, the version Cargo.lock pins ({}): installing \
             wasm-bindgen-cli (about 3 minutes)",
            found(bindgen.as_deref())
        );
        // Not `--locked`: its lockfile pins a crate version the registry no longer serves.
        run(&mut cargo(&[
            "install",
            "--force",
            &format!("wasm-bindgen-cli@{pinned}"),
        ]))
        .map_err(|e| format!("{e}; cannot install wasm-bindgen-cli {pinned}"))?;
    }

    let npm_dir = binaryen_dir(&root)?;
    npm_ci(&npm_dir)?;
    let bin = npm_dir.join("node_modules/.bin");
    if !bin.join("wasm-opt").is_file() {
        return Err(format!(
            "no wasm-opt in {} after `npm ci` (the npm package binaryen gives it)",
            shown(&bin)
        ));
    }
    let path = search_path(cargo_bin.as_deref(), Some(&bin))?;
    for (tool, version) in [("trunk", TRUNK_VERSION), ("wasm-bindgen", pinned.as_str())] {
        let now = tool_version(tool, &path);
        if now.as_deref() != Some(version) {
            return Err(format!(
                "`{tool} --version` gives {} after the install, not {version}: is another \
                 {tool} earlier on PATH?",
                found(now.as_deref())
            ));
        }
    }
    Ok(WebTools { path })
}

/// `$CARGO_HOME`, else `~/.cargo`.
fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
}

/// `PATH` with `first` (npm's `.bin`) in front and `cargo_bin` added at the end when missing.
fn search_path(cargo_bin: Option<&Path>, first: Option<&Path>) -> Result<OsString, String> {
    let current: Vec<PathBuf> =
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).collect();
    let mut paths: Vec<PathBuf> = first.map(Path::to_path_buf).into_iter().collect();
    paths.extend(current.iter().cloned());
    if let Some(dir) = cargo_bin
        && !current.iter().any(|p| p == dir)
    {
        paths.push(dir.to_path_buf());
    }
    std::env::join_paths(paths).map_err(|e| format!("cannot build PATH: {e}"))
}

/// The version a tool reports with `--version` (`trunk 0.21.14` → `0.21.14`), if it runs.
fn tool_version(program: &str, path: &OsString) -> Option<String> {
    let output = Command::new(program)
        .env("PATH", path)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    text.split_whitespace().nth(1).map(str::to_owned)
}

fn found(version: Option<&str>) -> String {
    match version {
        Some(v) => format!("found {v}"),
        None => "not installed".to_owned(),
    }
}

/// The version of `package` that `lock` (a `Cargo.lock`) resolved.
pub fn locked_version(lock: &Path, package: &str) -> Result<String, String> {
    let text =
        std::fs::read_to_string(lock).map_err(|e| format!("cannot read {}: {e}", shown(lock)))?;
    locked_version_in(&text, package).ok_or_else(|| {
        format!(
            "{} has no `{package}` package: the browser crates ({}) are missing from the workspace",
            shown(lock),
            WASM_CRATES.join(", ")
        )
    })
}

fn locked_version_in(lock: &str, package: &str) -> Option<String> {
    let wanted = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return version.strip_suffix('"').map(str::to_owned);
        }
    }
    None
}

/// The folder whose `package.json` lists `binaryen` (the repository root or the e2e tests).
fn binaryen_dir(root: &Path) -> Result<PathBuf, String> {
    let candidates = [
        root.to_path_buf(),
        root.join(E2E_DIR),
        root.join("frontend"),
    ];
    candidates
        .iter()
        .find(|dir| {
            std::fs::read_to_string(dir.join("package.json"))
                .is_ok_and(|json| json.contains("\"binaryen\""))
        })
        .cloned()
        .ok_or_else(|| {
            format!(
                "no package.json listing binaryen (for wasm-opt) in {}",
                candidates
                    .iter()
                    .map(|d| shown(d))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// `npm ci` in `dir`, unless its `node_modules` was installed from the current lockfile.
pub fn npm_ci(dir: &Path) -> Result<(), String> {
    let lock = dir.join("package-lock.json");
    let installed = dir.join("node_modules/.package-lock.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if !lock.is_file() {
        return Err(format!(
            "{} is missing: `npm ci` installs the exact versions it lists",
            shown(&lock)
        ));
    }
    if let (Some(lock_time), Some(installed_time)) = (modified(&lock), modified(&installed))
        && installed_time >= lock_time
    {
        println!("npm packages in {}: installed", shown(dir));
        return Ok(());
    }
    ensure_npm()?;
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir))
    .map_err(|e| format!("{e}; cannot install the npm packages in {}", shown(dir)))
}

/// npm must be there; as root it is installed from Debian when missing.
fn ensure_npm() -> Result<(), String> {
    if succeeds(Command::new("npm").arg("--version")) {
        return Ok(());
    }
    if !is_root() {
        return Err("npm is missing: install Node.js 20 or later with npm".to_owned());
    }
    println!("npm is missing: installing Debian's nodejs and npm");
    apt_install(&["nodejs", "npm"])
}

/// Debian's Chromium at [`CHROMIUM`]; installed with apt (and chromium-driver) when missing and
/// running as root.
pub fn ensure_chromium() -> Result<(), String> {
    if Path::new(CHROMIUM).is_file() {
        println!("{CHROMIUM}: installed");
        return Ok(());
    }
    if !is_root() {
        return Err(format!(
            "{CHROMIUM} is missing: install Debian's Chromium \
             (`sudo apt-get install chromium chromium-driver`), then run this again"
        ));
    }
    println!("{CHROMIUM} is missing: installing Debian's chromium and chromium-driver");
    apt_install(&["chromium", "chromium-driver"])?;
    if Path::new(CHROMIUM).is_file() {
        Ok(())
    } else {
        Err(format!("{CHROMIUM} is still missing after apt-get install"))
    }
}

pub fn apt_install(packages: &[&str]) -> Result<(), String> {
    run(Command::new("apt-get").arg("update"))
        .map_err(|e| format!("{e}; apt-get update failed"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
    .map_err(|e| format!("{e}; cannot install {}", packages.join(" ")))
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

// ---------------------------------------------------------------------------------------
// Building.

/// `dist/` at the workspace root, where Trunk writes the app.
pub fn dist_dir() -> PathBuf {
    workspace_root().join("dist")
}

/// Installs what is missing and builds the app in release mode into `dist/` with Trunk,
/// offline, with the licence public key built in (so the release server must be built
/// first: it prints the key).
pub fn build_dist() -> StepResult {
    let tools = ensure_web_tools()?;
    let root = workspace_root();
    if !root.join("Trunk.toml").is_file() {
        return Err(format!(
            "no Trunk.toml in {}: the browser app is missing",
            shown(&root)
        ));
    }
    let key = licence_public_key()?;
    println!(
        "licence public key built into the app: {key} (from {})",
        shown(&licence_key_file())
    );
    run(Command::new("trunk")
        .args(["build", "--release"])
        .current_dir(&root)
        .env("PATH", &tools.path)
        .env("TRUNK_OFFLINE", "true")
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .env(LICENCE_KEY_ENV, &key))
    .map_err(|e| format!("{e}; the app did not build"))?;
    print_wasm_sizes(&dist_dir());
    Ok(Done::Ran)
}

/// Prints each `.wasm` of `dist`, raw and gzipped (`gzip -9`, when gzip is there).
fn print_wasm_sizes(dist: &Path) {
    let Ok(entries) = std::fs::read_dir(dist) else {
        return;
    };
    let mut wasm: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    wasm.sort();
    println!("\nwasm in {}:", shown(dist));
    for path in wasm {
        let raw = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let gzipped = Command::new("gzip")
            .args(["-9", "-c"])
            .arg(&path)
            .stdin(Stdio::null())
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| format!("{} B gzipped", out.stdout.len()))
            .unwrap_or_else(|| "gzip unavailable".to_owned());
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        println!("  {name:<40} {raw:>9} B, {gzipped}");
    }
}

/// The env variable the app reads (`option_env!`) for its licence public key.
const LICENCE_KEY_ENV: &str = "MPP2XML_LICENCE_PUBLIC_KEY";

/// The licence signing key of every server the xtask starts, and the one whose public half
/// the app is built with: `data/licence.key` at the workspace root (gitignored), created by
/// the server on first use.
pub fn licence_key_file() -> PathBuf {
    workspace_root().join("data").join("licence.key")
}

/// The public key of [`licence_key_file`], as `mpp2xml-server --print-licence-public-key`
/// prints it (creating the key file when it is missing).
pub fn licence_public_key() -> Result<String, String> {
    let binary = release_binary("mpp2xml-server");
    if !binary.is_file() {
        return Err(format!(
            "{} is missing: the release server is built before the app, because it gives the \
             licence public key the app is built with",
            shown(&binary)
        ));
    }
    let mut command = Command::new(&binary);
    command
        .arg("--licence-key-file")
        .arg(licence_key_file())
        .arg("--print-licence-public-key");
    clear_payment_env(&mut command);
    println!("$ {}", crate::describe(&command));
    let output = command
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", shown(&binary)))?;
    let key = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() {
        return Err(format!(
            "`mpp2xml-server --print-licence-public-key` failed ({})",
            output.status
        ));
    }
    if !is_public_key_text(&key) {
        return Err(format!(
            "`mpp2xml-server --print-licence-public-key` printed {key:?}, not a public key \
             (43 base64url characters)"
        ));
    }
    Ok(key)
}

/// An Ed25519 public key as `licence::public_key_to_text` writes it.
fn is_public_key_text(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The server's payment and licence settings that may be in the caller's environment: the
/// default servers the xtask starts run without payments whatever the shell has set.
const PAYMENT_ENV: [&str; 11] = [
    "STRIPE_SECRET_KEY",
    "STRIPE_SECRET_KEY_FILE",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_WEBHOOK_SECRET_FILE",
    "STRIPE_PRICE_ID",
    "MPP2XML_STRIPE_API_BASE",
    "MPP2XML_STRIPE_MODE",
    "MPP2XML_PUBLIC_URL",
    "MPP2XML_LICENCE_KEY",
    "MPP2XML_LICENCE_KEY_FILE",
    "MPP2XML_LICENCE_DAYS",
];

pub(crate) fn clear_payment_env(command: &mut Command) {
    for name in PAYMENT_ENV {
        command.env_remove(name);
    }
}

/// Builds `mpp2xml` and `mpp2xml-server` in release mode.
pub fn build_release_bins() -> StepResult {
    run(&mut cargo(&[
        "build",
        "--release",
        "-p",
        "converter",
        "--bin",
        "mpp2xml",
        "-p",
        "backend",
        "--bin",
        "mpp2xml-server",
    ]))
    .map_err(|e| format!("{e}; the release build failed"))?;
    Ok(Done::Ran)
}

pub(crate) fn release_binary(name: &str) -> PathBuf {
    target_dir(&workspace_root()).join("release").join(name)
}

// ---------------------------------------------------------------------------------------
// The server.

/// A running `mpp2xml-server`, stopped (SIGTERM, so it shuts down gracefully) when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub url: String,
    log: PathBuf,
}

impl Server {
    /// Starts the release server on a free loopback port, serving `dist`, with its log in
    /// `log`, and waits until `/healthz` answers.
    pub fn start(dist: &Path, log: &Path) -> Result<Self, String> {
        Self::start_with(dist, log, &[])
    }

    /// [`Server::start`] with more options for the server. Its database is a fresh SQLite
    /// file beside `log`, so runs never share state.
    pub fn start_with(dist: &Path, log: &Path, args: &[String]) -> Result<Self, String> {
        Self::start_configured(dist, log, args, |_| Vec::new())
    }

    /// [`Server::start_with`] with environment variables for the server, made by `env` from
    /// the server's own URL (for `MPP2XML_PUBLIC_URL`). Every server the xtask starts signs and
    /// checks licences with [`licence_key_file`], the key the app is built with; payments are
    /// configured only by `env`, never by the caller's shell.
    pub fn start_configured(
        dist: &Path,
        log: &Path,
        args: &[String],
        env: impl FnOnce(&str) -> Vec<(&'static str, String)>,
    ) -> Result<Self, String> {
        let port = free_port()?;
        let database = log.with_extension("db");
        for stale in ["", "-wal", "-shm"] {
            let mut name = database.clone().into_os_string();
            name.push(stale);
            let _ = std::fs::remove_file(name);
        }
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let binary = release_binary("mpp2xml-server");
        let log_file =
            std::fs::File::create(log).map_err(|e| format!("cannot create {}: {e}", shown(log)))?;
        let err_file = log_file
            .try_clone()
            .map_err(|e| format!("cannot share {}: {e}", shown(log)))?;
        let url = format!("http://{addr}");
        let mut command = Command::new(&binary);
        command
            .arg("--addr")
            .arg(addr.to_string())
            .arg("--dist")
            .arg(dist)
            .arg("--licence-key-file")
            .arg(licence_key_file())
            // Several servers run at once (the app's and the one selling Pro): each takes
            // a free port for its metrics instead of the fixed default.
            .arg("--metrics-addr")
            .arg("127.0.0.1:0")
            .args(args)
            .env("DATABASE_URL", format!("sqlite:{}", database.display()));
        clear_payment_env(&mut command);
        command.envs(env(&url));
        let child = command
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(err_file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", shown(&binary)))?;
        let mut server = Self {
            child,
            url,
            log: log.to_path_buf(),
        };
        server.wait_healthy(addr)?;
        println!(
            "mpp2xml-server serves {} on {} (log: {})",
            shown(dist),
            server.url,
            shown(log)
        );
        Ok(server)
    }

    fn wait_healthy(&mut self, addr: SocketAddr) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "mpp2xml-server exited ({status}) before answering; its log:\n{}",
                    self.log_text()
                ));
            }
            if healthz(addr) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "mpp2xml-server did not answer /healthz within 30 s; its log:\n{}",
                    self.log_text()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM and waits up to 10 s for a graceful exit; kills it after that. Returns
    /// whether it exited by itself with success.
    pub fn stop(&mut self) -> bool {
        stop_child(&mut self.child)
    }
}

/// Sends SIGTERM to `child` and waits up to 10 s for it to exit; kills it after that. Returns
/// whether it exited by itself with success.
fn stop_child(child: &mut Child) -> bool {
    if let Ok(Some(status)) = child.try_wait() {
        return status.success();
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stdin(Stdio::null())
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
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

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
fn free_port() -> Result<u16, String> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free port on 127.0.0.1: {e}"))
}

/// Whether `GET /healthz` on `addr` answers 200 `ok`.
fn healthz(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200") && response.ends_with("ok")
}

// ---------------------------------------------------------------------------------------
// Commands and steps.

/// `cargo xtask serve [ARGS]`: installs what is missing, builds the app and the server in
/// release mode and serves `dist/` on 127.0.0.1:8080 until Ctrl-C. ARGS go to the server
/// (e.g. `--addr 0.0.0.0:8080`).
pub fn serve(args: &[String]) -> Result<(), String> {
    let mut steps = crate::Steps::new(3);
    let prepared = prepare_serving(&mut steps);
    steps.summary();
    prepared?;
    let binary = release_binary("mpp2xml-server");
    let mut command = Command::new(&binary);
    command
        .arg("--addr")
        .arg("127.0.0.1:8080")
        .arg("--dist")
        .arg(dist_dir());
    // The key the app was built with, unless the caller names another (then the app's
    // built-in key does not match it: licences from that server are refused by the app).
    if !args.iter().any(|a| a.starts_with("--licence-key")) {
        command.arg("--licence-key-file").arg(licence_key_file());
    }
    command.args(args); // after ours, so that the caller's options win
    println!(
        "\nserving the app on http://127.0.0.1:8080/ (unless --addr says otherwise); Ctrl-C stops"
    );
    run(&mut command)
}

fn prepare_serving(steps: &mut crate::Steps) -> Result<(), String> {
    steps.run(
        "release build of mpp2xml and mpp2xml-server",
        build_release_bins,
    )?;
    steps.run("build the app (release) into dist/", build_dist)?;
    steps.run("check dist/", || {
        let index = dist_dir().join("index.html");
        if index.is_file() {
            Ok(Done::Ran)
        } else {
            Err(format!("{} is missing after the build", shown(&index)))
        }
    })
}

/// `cargo xtask dist`: installs what is missing and builds the app in release mode (after
/// the release server, which gives the licence public key the app is built with).
pub fn dist() -> Result<(), String> {
    let mut steps = crate::Steps::new(2);
    let result = (|| {
        steps.run(
            "release build of mpp2xml and mpp2xml-server",
            build_release_bins,
        )?;
        steps.run("build the app (release) into dist/", build_dist)
    })();
    steps.summary();
    result
}

/// The step of `cargo xtask test` that lints the browser crates for wasm32.
pub fn wasm_clippy() -> StepResult {
    let root = workspace_root();
    let missing: Vec<&str> = WASM_CRATES
        .into_iter()
        .filter(|name| !root.join(name).join("Cargo.toml").is_file())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the browser crates {} are missing from the workspace",
            missing.join(", ")
        ));
    }
    let mut args = vec!["clippy"];
    for name in WASM_CRATES {
        args.extend(["-p", name]);
    }
    args.extend(["--target", WASM_TARGET, "--", "-D", "warnings"]);
    run(&mut cargo(&args)).map_err(|e| format!("{e}; fix the errors above"))?;
    Ok(Done::Ran)
}

/// `cargo xtask e2e [ARGS]`: the release binaries, the app, then the end-to-end suite alone;
/// ARGS go to `playwright test` (e.g. a spec file, `--grep NAME`).
pub fn e2e_only(args: &[String]) -> Result<(), String> {
    let mut steps = crate::Steps::new(4);
    let result = (|| {
        prepare_serving(&mut steps)?;
        steps.run("end-to-end tests (Playwright, Chromium)", || e2e_with(args))
    })();
    steps.summary();
    result
}

/// The step of `cargo xtask test` that runs the e2e suite: npm packages, Chromium, the server
/// on a free port, `npx playwright test`, the server stopped.
pub fn e2e() -> StepResult {
    e2e_with(&[])
}

/// [`e2e`] with `args` given to `playwright test`.
fn e2e_with(args: &[String]) -> StepResult {
    let root = workspace_root();
    let e2e_dir = root.join(E2E_DIR);
    npm_ci(&e2e_dir)?;
    ensure_chromium()?;
    let cli = release_binary("mpp2xml");
    if !cli.is_file() {
        return Err(format!("{} is missing: build it first", shown(&cli)));
    }
    let target = target_dir(&root);
    // The default server: no payments, nothing gated (what a self-hosted server is).
    let mut server = Server::start(&dist_dir(), &target.join("e2e-server.log"))?;
    // A second one that sells Pro, its Stripe API and webhooks played by a local fake.
    let mut stripe = FakeStripe::start(&e2e_dir, &target.join("e2e-fake-stripe.log"))?;
    let mut pay = Server::start_configured(
        &dist_dir(),
        &target.join("e2e-pay-server.log"),
        // Every purchase of the suite comes from this one machine, within a minute.
        &["--checkout-burst".to_owned(), "100".to_owned()],
        |url| stripe.server_env(url),
    )?;
    let corpus = corpus_dir();
    let corpus_abs = std::path::absolute(&corpus).unwrap_or(corpus);
    let tested = run(Command::new("npx")
        .args(["--no", "playwright", "test"])
        .args(args)
        .current_dir(&e2e_dir)
        .env("BASE_URL", &server.url)
        .env("PAY_BASE_URL", &pay.url)
        .env("FAKE_STRIPE_URL", &stripe.url)
        .env("MPP_CORPUS", &corpus_abs)
        .env("MPP2XML_BIN", &cli));
    let stopped = [
        ("mpp2xml-server", server.stop(), server.log_text()),
        ("mpp2xml-server with payments", pay.stop(), pay.log_text()),
        ("the fake Stripe", stripe.stop(), stripe.log_text()),
    ];
    if tested.is_err() {
        for (name, _, log) in &stopped {
            println!("\nthe log of {name}:\n{log}");
        }
    }
    tested.map_err(|e| {
        format!(
            "{e}; see the failures above (screenshots and traces in {})",
            shown(&e2e_dir.join("artifacts"))
        )
    })?;
    for (name, clean, log) in stopped {
        if !clean {
            return Err(format!(
                "{name} did not shut down cleanly on SIGTERM; its log:\n{log}"
            ));
        }
    }
    Ok(Done::Ran)
}

/// The webhook signing secret shared by the fake Stripe and the server with payments.
const FAKE_WEBHOOK_SECRET: &str = "whsec_test_mpp2xml_e2e_0123456789abcdef";

/// `tests/e2e/fake-stripe.mjs`: the Checkout Session endpoints async-stripe calls, a payment
/// page, and real signed `checkout.session.completed` webhooks to the server. Stopped when
/// dropped.
pub struct FakeStripe {
    child: Child,
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub url: String,
    log: PathBuf,
}

impl FakeStripe {
    /// Starts the fake on a free loopback port and waits until it answers.
    pub fn start(e2e_dir: &Path, log: &Path) -> Result<Self, String> {
        let port = free_port()?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let log_file =
            std::fs::File::create(log).map_err(|e| format!("cannot create {}: {e}", shown(log)))?;
        let err_file = log_file
            .try_clone()
            .map_err(|e| format!("cannot share {}: {e}", shown(log)))?;
        let child = Command::new("node")
            .arg("fake-stripe.mjs")
            .current_dir(e2e_dir)
            .env("FAKE_STRIPE_PORT", port.to_string())
            .env("STRIPE_WEBHOOK_SECRET", FAKE_WEBHOOK_SECRET)
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(err_file)
            .spawn()
            .map_err(|e| format!("cannot start node fake-stripe.mjs: {e}"))?;
        let mut fake = Self {
            child,
            url: format!("http://{addr}"),
            log: log.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = fake.child.try_wait() {
                return Err(format!(
                    "the fake Stripe exited ({status}) before answering; its log:\n{}",
                    fake.log_text()
                ));
            }
            if healthz(addr) {
                println!("fake Stripe on {} (log: {})", fake.url, shown(log));
                return Ok(fake);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the fake Stripe did not answer /healthz within 20 s; its log:\n{}",
                    fake.log_text()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The environment of a server that sells Pro through this fake; `url` is the server's.
    pub fn server_env(&self, url: &str) -> Vec<(&'static str, String)> {
        vec![
            ("STRIPE_SECRET_KEY", "sk_test_fake".to_owned()),
            ("STRIPE_WEBHOOK_SECRET", FAKE_WEBHOOK_SECRET.to_owned()),
            ("STRIPE_PRICE_ID", "price_test_pro".to_owned()),
            ("MPP2XML_STRIPE_API_BASE", format!("{}/", self.url)),
            ("MPP2XML_PUBLIC_URL", url.to_owned()),
        ]
    }

    /// The fake's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, then up to 10 s for it to exit; whether it exited by itself with success.
    pub fn stop(&mut self) -> bool {
        stop_child(&mut self.child)
    }
}

impl Drop for FakeStripe {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---------------------------------------------------------------------------------------
// The browser benchmark.

/// How many of the largest corpus files the benchmark converts.
const BENCH_FILES: usize = 10;
/// Native runs per file (the median counts).
const NATIVE_RUNS: usize = 5;
/// Browser rounds not counted, so that Chromium has optimised the wasm (each round converts
/// every file once).
const BROWSER_WARMUP: usize = 1;
/// Browser rounds counted (the median counts).
const BROWSER_ROUNDS: usize = 5;

/// `cargo xtask bench-web`: the ten largest MPP9/12/14 corpus files converted in the browser's
/// worker (time from `li.file[data-ms]`) and by the native CLI (wall time), and the ratio.
pub fn bench_web() -> Result<(), String> {
    let mut steps = crate::Steps::new(5);
    let mut files = Vec::new();
    let mut native = Vec::new();
    let mut browser = Vec::new();
    let result = (|| {
        steps.run(
            "release build of mpp2xml and mpp2xml-server",
            build_release_bins,
        )?;
        steps.run("build the app (release) into dist/", build_dist)?;
        steps.run("choose the files", || {
            files = largest_files(BENCH_FILES)?;
            Ok(Done::Ran)
        })?;
        steps.run("native CLI (median of 5 wall times)", || {
            native = native_times(&files)?;
            Ok(Done::Ran)
        })?;
        steps.run("browser worker (median of 5 rounds after 1)", || {
            browser = browser_times(&files)?;
            Ok(Done::Ran)
        })
    })();
    steps.summary();
    result?;
    print_bench_table(&files, &native, &browser);
    Ok(())
}

/// The `count` largest MPP9/12/14 files of the corpus manifest that the CLI converts.
pub fn largest_files(count: usize) -> Result<Vec<PathBuf>, String> {
    let corpus = corpus_dir();
    let manifest = corpus.join("manifest.csv");
    let text = std::fs::read_to_string(&manifest).map_err(|e| {
        format!(
            "cannot read {} ({e}); set MPP_CORPUS to the corpus",
            shown(&manifest)
        )
    })?;
    let mut rows = text.lines().map(csv_fields);
    let header = rows.next().ok_or("the manifest is empty")?;
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("the manifest has no `{name}` column"))
    };
    let (path_col, version_col, bytes_col) =
        (column("path")?, column("mpp_version")?, column("bytes")?);
    let mut candidates: Vec<(u64, PathBuf)> = rows
        .filter(|row| {
            row.get(version_col)
                .is_some_and(|v| ["9", "12", "14"].contains(&v.as_str()))
        })
        .filter_map(|row| {
            let bytes = row.get(bytes_col)?.parse().ok()?;
            Some((bytes, corpus.join(row.get(path_col)?)))
        })
        .collect();
    candidates.sort_by(|a, b| b.cmp(a));
    let cli = release_binary("mpp2xml");
    let mut chosen = Vec::new();
    for (_, path) in candidates {
        if chosen.len() == count {
            break;
        }
        // A file the CLI refuses (password) would time only an error path.
        if succeeds(
            Command::new(&cli)
                .arg(&path)
                .args(["-q", "-o", "/dev/null"]),
        ) {
            chosen.push(path);
        }
    }
    if chosen.is_empty() {
        return Err(format!(
            "no convertible MPP9/12/14 file in {}",
            shown(&corpus)
        ));
    }
    Ok(chosen)
}

/// The fields of one CSV line (double quotes may wrap a field; `""` is a quote inside one).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let (mut quoted, mut chars) = (false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                push_char(&mut fields, '"');
            }
            (_, '"') => quoted = !quoted,
            (false, ',') => fields.push(String::new()),
            _ => push_char(&mut fields, c),
        }
    }
    fields
}

fn push_char(fields: &mut [String], c: char) {
    if let Some(last) = fields.last_mut() {
        last.push(c);
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    match (values.get(mid.wrapping_sub(1)), values.get(mid)) {
        (Some(a), Some(b)) if values.len().is_multiple_of(2) => (a + b) / 2.0,
        (_, Some(m)) => *m,
        _ => f64::NAN,
    }
}

/// Median wall time in ms of `mpp2xml FILE -o /dev/null`, per file.
fn native_times(files: &[PathBuf]) -> Result<Vec<f64>, String> {
    let cli = release_binary("mpp2xml");
    files
        .iter()
        .map(|file| {
            let mut runs = Vec::new();
            for _ in 0..NATIVE_RUNS {
                let started = Instant::now();
                let ok = succeeds(Command::new(&cli).arg(file).args(["-q", "-o", "/dev/null"]));
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                if !ok {
                    return Err(format!("mpp2xml failed on {}", shown(file)));
                }
                runs.push(ms);
            }
            Ok(median(runs))
        })
        .collect()
}

/// Median worker time in ms per file, read by `tests/e2e/bench-web.js` from the served app.
fn browser_times(files: &[PathBuf]) -> Result<Vec<f64>, String> {
    let root = workspace_root();
    let e2e_dir = root.join(E2E_DIR);
    npm_ci(&e2e_dir)?;
    ensure_chromium()?;
    let log = target_dir(&root).join("bench-web-server.log");
    let server = Server::start(&dist_dir(), &log)?;
    let mut command = Command::new("node");
    command
        .arg("bench-web.js")
        .arg(&server.url)
        .arg(BROWSER_WARMUP.to_string())
        .arg(BROWSER_ROUNDS.to_string())
        .args(files)
        .current_dir(&e2e_dir);
    println!("$ {}", crate::describe(&command));
    let output = command
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    drop(server);
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "bench-web.js failed ({}); its output:\n{stdout}",
            output.status
        ));
    }
    // One line per file, in order: `<ms>\t<path>`.
    let times: Vec<f64> = stdout
        .lines()
        .filter_map(|line| line.split('\t').next()?.trim().parse().ok())
        .collect();
    if times.len() != files.len() {
        return Err(format!(
            "bench-web.js gave {} times for {} files:\n{stdout}",
            times.len(),
            files.len()
        ));
    }
    Ok(times)
}

fn print_bench_table(files: &[PathBuf], native: &[f64], browser: &[f64]) {
    let corpus = corpus_dir();
    let names: Vec<String> = files
        .iter()
        .map(|file| {
            file.strip_prefix(&corpus)
                .unwrap_or(file)
                .display()
                .to_string()
        })
        .collect();
    let width = names.iter().map(String::len).max().unwrap_or(0).max(5);
    println!(
        "\n{:<width$} {:>7} {:>10} {:>11} {:>7}",
        "file", "KiB", "native ms", "browser ms", "ratio"
    );
    for (((name, file), n), b) in names.iter().zip(files).zip(native).zip(browser) {
        let kib = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0) / 1024;
        println!(
            "{name:<width$} {kib:>7} {n:>10.1} {b:>11.1} {:>6.2}×",
            b / n
        );
    }
    let (total_native, total_browser): (f64, f64) = (native.iter().sum(), browser.iter().sum());
    println!(
        "{:<width$} {:>7} {total_native:>10.1} {total_browser:>11.1} {:>6.2}×",
        "total",
        "",
        total_browser / total_native
    );
    println!(
        "\nbrowser: conversion time in the worker (li.file[data-ms]), median of {BROWSER_ROUNDS} \
         rounds after {BROWSER_WARMUP} not counted; native: wall time of \
         `mpp2xml FILE -o /dev/null` (process start included), median of {NATIVE_RUNS} runs. \
         Goal: browser within 2× of native (ratio of the totals)."
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locked_version_is_read_from_cargo_lock() {
        let lock = "[[package]]\nname = \"wasm-bindgen-macro\"\nversion = \"0.2.1\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\nsource = \"x\"\n";
        assert_eq!(
            locked_version_in(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version_in(lock, "trunk"), None);
    }

    #[test]
    fn csv_fields_are_split_with_quotes() {
        assert_eq!(csv_fields("a,b,,c"), vec!["a", "b", "", "c"]);
        assert_eq!(
            csv_fields("\"x, y\",\"say \"\"hi\"\"\",z"),
            vec!["x, y", "say \"hi\"", "z"]
        );
    }

    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(Vec::new()).is_nan());
    }

    #[test]
    fn public_keys_are_recognised_by_their_text() {
        assert!(is_public_key_text(
            "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik"
        ));
        assert!(!is_public_key_text(""));
        assert!(!is_public_key_text(
            "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2i="
        ));
        assert!(!is_public_key_text("error: unexpected argument"));
    }

    #[test]
    fn a_free_port_is_not_answering_healthz() {
        let port = free_port().unwrap();
        assert!(!healthz(SocketAddr::from((Ipv4Addr::LOCALHOST, port))));
    }
}
