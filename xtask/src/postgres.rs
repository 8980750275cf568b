//! A throwaway PostgreSQL for the tests: Debian's server programs (`initdb`, `pg_ctl` from
//! `/usr/lib/postgresql/<version>/bin`, the highest version), a new cluster in a temporary
//! folder, trusting local connections, listening only on 127.0.0.1 on a free port, with its
//! socket in that folder. [`Postgres`] stops it and removes the folder when dropped, so a
//! failed test run cleans up too (an interrupted xtask, killed by a signal, does not).
//!
//! `initdb` refuses to run as root, so as root (CI) the server runs as Debian's `postgres`
//! user through `runuser`, in a folder under `/tmp` owned by that user.

use std::io::BufRead;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{describe, run, succeeds};

/// Where Debian installs each PostgreSQL version's server programs.
const DEBIAN_ROOT: &str = "/usr/lib/postgresql";
/// The database the tests get; each PostgreSQL test creates its own beside it.
const DATABASE: &str = "mpp2xml_test";
/// The superuser `initdb` creates, whoever runs it, so the URL does not depend on who runs
/// the tests.
const SUPERUSER: &str = "postgres";
/// The system user that runs the server when xtask runs as root.
const SYSTEM_USER: &str = "postgres";

/// A running throwaway server; dropping it stops the server and deletes its files.
pub struct Postgres {
    /// `postgres://postgres@127.0.0.1:<port>/mpp2xml_test`.
    pub url: String,
    /// The version's folder name, e.g. `15`.
    pub version: String,
    bin: PathBuf,
    dir: PathBuf,
    /// `Some("postgres")` when the server runs as that user (xtask is root).
    run_as: Option<&'static str>,
    started: bool,
}

impl Postgres {
    /// Installs Debian's PostgreSQL when it is missing and xtask runs as root, then starts a
    /// new server and creates the test database.
    pub fn start() -> Result<Self, String> {
        let root = is_root();
        let (version, bin) = match find_server() {
            Some(found) => found,
            None if root => {
                install()?;
                find_server().ok_or(format!(
                    "apt-get installed postgresql, but no initdb and pg_ctl are under \
                     {DEBIAN_ROOT}/*/bin"
                ))?
            }
            None => {
                return Err(format!(
                    "the tests need PostgreSQL's server programs (initdb and pg_ctl under \
                     {DEBIAN_ROOT}/*/bin): install Debian's `postgresql` package \
                     (sudo apt-get install postgresql) and run this again"
                ));
            }
        };
        let run_as = root.then_some(SYSTEM_USER);
        if run_as.is_some() && !succeeds(Command::new("id").args(["-u", SYSTEM_USER])) {
            return Err(format!(
                "running as root, the server must run as the `{SYSTEM_USER}` user, which does \
                 not exist: reinstall Debian's `postgresql` package, which creates it"
            ));
        }
        // initdb refuses root, and the `postgres` user must reach the folder: /tmp is open to
        // every user, while $TMPDIR could be inside root's home.
        let base = if root {
            PathBuf::from("/tmp")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("mpp2xml-postgres-{}", unique_suffix()));
        std::fs::create_dir(&dir)
            .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
        // From here on, dropping `server` removes the folder (and stops the server once
        // started), whatever fails next.
        let mut server = Self {
            url: String::new(),
            version,
            bin,
            dir,
            run_as,
            started: false,
        };
        if let Some(user) = run_as {
            run_quietly(Command::new("chown").arg(user).arg(&server.dir))?;
        }
        server.init_and_start()?;
        Ok(server)
    }

    fn init_and_start(&mut self) -> Result<(), String> {
        let data = self.dir.join("data");
        let mut initdb = self.server_program("initdb");
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", SUPERUSER, "-E", "UTF8", "--locale=C"])
            .arg("--no-sync");
        run_quietly(&mut initdb)?;

        let port = free_port()?;
        // Settings in the configuration file rather than `pg_ctl -o`, which goes through a
        // shell and would need the folder's path quoted. Durability is off: the data is thrown
        // away.
        let settings = format!(
            "\n# cargo xtask: a throwaway server for the tests\n\
             listen_addresses = '127.0.0.1'\n\
             port = {port}\n\
             unix_socket_directories = '{}'\n\
             fsync = off\n\
             synchronous_commit = off\n\
             full_page_writes = off\n\
             max_connections = 200\n",
            self.dir.display()
        );
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf)
            .map_err(|e| format!("cannot read {}: {e}", conf.display()))?;
        text.push_str(&settings);
        std::fs::write(&conf, text).map_err(|e| format!("cannot write {}: {e}", conf.display()))?;

        let log = self.dir.join("server.log");
        let mut start = self.server_program("pg_ctl");
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "start"]);
        // `started` before the result: a server that came up late is stopped all the same.
        self.started = true;
        if let Err(e) = run_quietly(&mut start) {
            print_tail(&log);
            return Err(e);
        }

        let mut createdb = Command::new(self.bin.join("createdb"));
        createdb
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", SUPERUSER])
            .arg(DATABASE);
        run_quietly(&mut createdb)?;
        self.url = format!("postgres://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}");
        Ok(())
    }

    /// Stops the server (fast: open connections are cut, as when the database's machine
    /// reboots), keeping its data, port and folder for [`Postgres::start_again`].
    pub fn stop_for_now(&self) -> Result<(), String> {
        let mut stop = self.server_program("pg_ctl");
        stop.arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "fast", "-w", "stop"]);
        run_quietly(&mut stop)
    }

    /// Starts the server [`Postgres::stop_for_now`] stopped, on the same port with the same
    /// data.
    pub fn start_again(&self) -> Result<(), String> {
        let mut start = self.server_program("pg_ctl");
        start
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("server.log"))
            .args(["-w", "-t", "60", "start"]);
        run_quietly(&mut start)
    }

    /// `program` from the server's bin folder, run as the `postgres` user when xtask is root.
    fn server_program(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(path);
                command
            }
            None => Command::new(path),
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.started {
            let mut stop = self.server_program("pg_ctl");
            stop.arg("-D")
                .arg(self.dir.join("data"))
                .args(["-m", "fast", "-w", "stop"]);
            if let Err(e) = run_quietly(&mut stop) {
                eprintln!("xtask: could not stop the test PostgreSQL: {e}");
            }
        }
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            eprintln!(
                "xtask: could not remove the test PostgreSQL's folder {}: {e}",
                self.dir.display()
            );
        }
    }
}

/// `cargo xtask postgres [COMMAND ARGS]`: starts a throwaway server; runs COMMAND with
/// `MPP2XML_TEST_POSTGRES_URL` set to it, or without a command prints the URL and waits for
/// Enter; then stops the server.
pub fn command(args: &[String]) -> Result<(), String> {
    let server = Postgres::start()?;
    println!("PostgreSQL {} is up: {}", server.version, server.url);
    match args.split_first() {
        Some((program, rest)) => {
            let mut command = Command::new(program);
            command
                .args(rest)
                .env("MPP2XML_TEST_POSTGRES_URL", &server.url)
                .env("MPP2XML_REQUIRE_POSTGRES", "1");
            run(&mut command)
        }
        None => {
            println!("export MPP2XML_TEST_POSTGRES_URL={}", server.url);
            println!("Press Enter to stop it (Ctrl-C would leave it running).");
            let mut line = String::new();
            let _ = std::io::stdin().lock().read_line(&mut line);
            Ok(())
        }
    }
}

/// The highest PostgreSQL version under [`DEBIAN_ROOT`] with both `initdb` and `pg_ctl`:
/// (its folder name, its bin folder).
fn find_server() -> Option<(String, PathBuf)> {
    let entries = std::fs::read_dir(DEBIAN_ROOT).ok()?;
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let bin = entry.path().join("bin");
            let complete = ["initdb", "pg_ctl", "createdb"]
                .iter()
                .all(|program| bin.join(program).is_file());
            if complete {
                Some((version_key(&name)?, name, bin))
            } else {
                None
            }
        })
        .max()
        .map(|(_, name, bin)| (name, bin))
}

/// `15` → [15], `9.6` → [9, 6]; `None` for a folder that is not a version.
fn version_key(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

/// Installs Debian's `postgresql` (xtask runs as root), refreshing the package lists first
/// only when the install fails with the lists as they are.
fn install() -> Result<(), String> {
    println!("PostgreSQL is not installed: installing Debian's postgresql package (apt-get)");
    let apt = |args: &[&str]| {
        let mut command = Command::new("apt-get");
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    let install = ["install", "-y", "--no-install-recommends", "postgresql"];
    if run(&mut apt(&install)).is_ok() {
        return Ok(());
    }
    println!("apt-get install failed: refreshing the package lists and trying again");
    run(&mut apt(&["update"]))
        .and_then(|()| run(&mut apt(&install)))
        .map_err(|e| format!("{e}; cannot install PostgreSQL for the database tests"))
}

/// Whether xtask runs as root, from `id -u` (std has no portable way to ask).
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|out| out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// A port free on 127.0.0.1 right now (the system picks it; it is released for the server).
fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| format!("cannot find a free port on 127.0.0.1: {e}"))
}

/// This process's id and the clock's nanoseconds, so runs side by side get their own folders.
fn unique_suffix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{}-{nanos}", std::process::id())
}

/// Runs `command`, showing it and, only when it fails, what it printed: initdb and pg_ctl
/// are chatty when all goes well.
fn run_quietly(command: &mut Command) -> Result<(), String> {
    println!("$ {}", describe(command));
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start `{}`: {e}", describe(command)))?;
    if output.status.success() {
        return Ok(());
    }
    print!("{}", String::from_utf8_lossy(&output.stdout));
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    Err(format!(
        "`{}` failed ({})",
        describe(command),
        output.status
    ))
}

/// The end of the server's log, which says why it did not start.
fn print_tail(log: &Path) {
    if let Ok(text) = std::fs::read_to_string(log) {
        let lines: Vec<&str> = text.lines().collect();
        println!("--- the end of {} ---", log.display());
        for line in lines.iter().skip(lines.len().saturating_sub(20)) {
            println!("{line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_numerically() {
        assert!(version_key("15") > version_key("9.6"));
        assert!(version_key("16") > version_key("15"));
        assert_eq!(version_key("9.6"), Some(vec![9, 6]));
        assert_eq!(version_key("main"), None);
    }
}
