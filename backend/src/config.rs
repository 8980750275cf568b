//! The server's settings, from the command line or the environment.

use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroUsize};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use ipnet::IpNet;

/// Default of `--database-url`: a SQLite file under `./data`, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:data/mpp2xml.db";
/// Default of `--upload-max-bytes`: 64 MiB, above the largest plans users send (tens of MB).
pub const DEFAULT_UPLOAD_MAX_BYTES: u64 = 64 << 20;
/// Default of `--browser-max-bytes`: 32 MiB.
pub const DEFAULT_BROWSER_MAX_BYTES: u64 = 32 << 20;
/// Default of `--convert-queue`.
pub const DEFAULT_CONVERT_QUEUE: usize = 64;
/// Default of `--convert-memory-bytes`: 128 MiB, two files of the largest size, so that with
/// the engine's own working memory (about twice the input, measured on the corpus) the server
/// stays near its 200 MB target.
pub const DEFAULT_CONVERT_MEMORY_BYTES: u64 = 128 << 20;
/// The longest any timeout may be set to: a day. Deadlines are instants ahead of now, and a
/// duration near `u64::MAX` seconds would overflow them (a panic on every request).
pub const MAX_TIMEOUT_SECS: u64 = 86_400;
/// Default of `--convert-timeout-secs`.
pub const DEFAULT_CONVERT_TIMEOUT_SECS: u64 = 60;
/// Default of `--body-timeout-secs`.
pub const DEFAULT_BODY_TIMEOUT_SECS: u64 = 120;
/// Default of `--convert-rate`: conversions per second per client, refilled.
pub const DEFAULT_CONVERT_RATE: f64 = 1.0;
/// Default of `--convert-burst`.
pub const DEFAULT_CONVERT_BURST: NonZeroU32 = nonzero(10);
/// Default of `--rate`: other requests per second per client, refilled.
pub const DEFAULT_RATE: f64 = 50.0;
/// Default of `--burst`: a first visit loads about fifteen files at once, and one address
/// may be a whole office behind NAT.
pub const DEFAULT_BURST: NonZeroU32 = nonzero(200);
/// Default of `--header-timeout-secs`: a browser sends its headers in one packet.
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 10;
/// Default of `--idle-timeout-secs`.
pub const DEFAULT_IDLE_TIMEOUT_SECS: u64 = 60;
/// Default of `--max-connections`, lowered at start to what the open-file limit allows.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// Default of `--shutdown-timeout-secs`: below the 30 s most orchestrators wait after SIGTERM
/// plus their grace, so the counts are still written.
pub const DEFAULT_SHUTDOWN_TIMEOUT_SECS: u64 = 30;
/// Default of `--upload-min-rate`: 16 KiB/s, far below any real uplink, far above a client
/// that only wants to hold a slot.
pub const DEFAULT_UPLOAD_MIN_RATE: u64 = 16 << 10;
/// Default of `--upload-grace-secs`.
pub const DEFAULT_UPLOAD_GRACE_SECS: u64 = 10;
/// Default of `--uploads-per-client`: a person converts one file at a time; an office behind
/// one address a few.
pub const DEFAULT_UPLOADS_PER_CLIENT: usize = 4;
/// Default of `--send-timeout-secs`.
pub const DEFAULT_SEND_TIMEOUT_SECS: u64 = 60;

/// Default of `--metrics-addr`: Prometheus' conventional exporter port, on loopback only.
pub const DEFAULT_METRICS_ADDR: &str = "127.0.0.1:9464";
/// [`DEFAULT_METRICS_ADDR`] as an address, for [`Config::with_defaults`].
const DEFAULT_METRICS_SOCKET: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::LOCALHOST,
    9464,
));
/// Default of `--checkout-rate`: one Checkout session every 20 s, refilled.
pub const DEFAULT_CHECKOUT_RATE: f64 = 0.05;
/// Default of `--checkout-burst`: a buyer who goes back and forth a few times.
pub const DEFAULT_CHECKOUT_BURST: NonZeroU32 = nonzero(5);
/// Default of `--telemetry-rate`: reports per second per client, refilled.
pub const DEFAULT_TELEMETRY_RATE: f64 = 2.0;
/// Default of `--telemetry-burst`: a batch of files dropped at once reports each.
pub const DEFAULT_TELEMETRY_BURST: NonZeroU32 = nonzero(100);

/// `n`, or 1 for 0: the defaults above are written as plain numbers.
const fn nonzero(n: u32) -> NonZeroU32 {
    match NonZeroU32::new(n) {
        Some(n) => n,
        None => NonZeroU32::MIN,
    }
}

/// Serves mpp2xml's browser app (the `dist/` folder Trunk builds) and its API over HTTP:
/// server-side conversion for files too large for the browser, telemetry, metrics, health.
///
/// Every option can also be given by the environment variable named in its help; a command-line
/// option wins over the environment.
#[derive(Debug, Clone, Parser)]
#[command(name = "mpp2xml-server", version, about, long_about = None)]
pub struct Config {
    /// The address to listen on (`127.0.0.1:8080` reaches only this machine; `0.0.0.0:8080`
    /// every interface).
    #[arg(long, env = "MPP2XML_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// The built app to serve: the folder `cargo xtask dist` (Trunk) writes, with its
    /// `index.html`.
    #[arg(long, env = "MPP2XML_DIST", default_value = "dist")]
    pub dist: PathBuf,

    /// The database: `sqlite:<file>` (created with its folder when missing) or
    /// `postgres://user:password@host/name` when several instances share one.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: DatabaseUrl,

    /// The largest file `POST /api/v1/convert` accepts, in bytes; a larger body gets 413
    /// before the rest of it is read.
    #[arg(long, env = "MPP2XML_UPLOAD_MAX_BYTES", default_value_t = DEFAULT_UPLOAD_MAX_BYTES,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub upload_max_bytes: u64,

    /// The largest file the browser app converts itself, in bytes; it sends larger ones to
    /// the server (told to it by `GET /api/v1/config`).
    #[arg(long, env = "MPP2XML_BROWSER_MAX_BYTES", default_value_t = DEFAULT_BROWSER_MAX_BYTES)]
    pub browser_max_bytes: u64,

    /// Conversions run at once, on the blocking pool [default: the number of cores].
    #[arg(long, env = "MPP2XML_CONVERT_WORKERS")]
    pub convert_workers: Option<NonZeroUsize>,

    /// Conversion requests that may wait for a worker (their bodies held in memory); beyond
    /// them a request gets 503 `busy` with Retry-After before its body is read.
    #[arg(long, env = "MPP2XML_CONVERT_QUEUE", default_value_t = DEFAULT_CONVERT_QUEUE)]
    pub convert_queue: usize,

    /// The bytes of uploaded files held in memory at once, all conversion requests together;
    /// a body that would go over gets 503 `busy`. At least `--upload-max-bytes`.
    #[arg(long, env = "MPP2XML_CONVERT_MEMORY_BYTES", default_value_t = DEFAULT_CONVERT_MEMORY_BYTES)]
    pub convert_memory_bytes: u64,

    /// Longest wait for a worker plus conversion, in seconds; beyond it the request gets 503.
    #[arg(long, env = "MPP2XML_CONVERT_TIMEOUT_SECS", default_value_t = DEFAULT_CONVERT_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS))]
    pub convert_timeout_secs: u64,

    /// Longest time to receive a request body, in seconds; a slower upload gets 408.
    #[arg(long, env = "MPP2XML_BODY_TIMEOUT_SECS", default_value_t = DEFAULT_BODY_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS))]
    pub body_timeout_secs: u64,

    /// Conversions per second one client may start, refilled continuously (0.5 = one every
    /// two seconds).
    #[arg(long, env = "MPP2XML_CONVERT_RATE", default_value_t = DEFAULT_CONVERT_RATE,
          value_parser = positive_rate)]
    pub convert_rate: f64,

    /// Conversions one client may start at once before `--convert-rate` applies.
    #[arg(long, env = "MPP2XML_CONVERT_BURST", default_value_t = DEFAULT_CONVERT_BURST)]
    pub convert_burst: NonZeroU32,

    /// Other requests per second one client may make (pages, files, API), refilled
    /// continuously.
    #[arg(long, env = "MPP2XML_RATE", default_value_t = DEFAULT_RATE, value_parser = positive_rate)]
    pub rate: f64,

    /// Other requests one client may make at once before `--rate` applies.
    #[arg(long, env = "MPP2XML_BURST", default_value_t = DEFAULT_BURST)]
    pub burst: NonZeroU32,

    /// Reverse proxies whose `X-Forwarded-For` is believed, as addresses or CIDR blocks
    /// separated by commas (`10.0.0.1,192.168.0.0/16`). The client is the rightmost
    /// forwarded address that is not itself one of them. Without any, the socket's peer is the
    /// client and the header is ignored.
    #[arg(long, env = "MPP2XML_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<IpNet>,

    /// How log lines are written to standard output; the level comes from `RUST_LOG`
    /// (default `info`).
    #[arg(long, env = "MPP2XML_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Where `GET /metrics` is served: its own listener, so sales, refunds and signature
    /// failures are not public. Keep it on a private address; port 0 takes any free port.
    #[arg(long, env = "MPP2XML_METRICS_ADDR", default_value = DEFAULT_METRICS_ADDR)]
    pub metrics_addr: SocketAddr,

    /// Send `Strict-Transport-Security`: set it when the site is reached over HTTPS (a proxy
    /// terminating TLS in front of this server), never on plain HTTP.
    #[arg(long, env = "MPP2XML_HSTS")]
    pub hsts: bool,

    /// Checkout sessions per second one client may start, refilled continuously; each one
    /// costs a request to Stripe's API, whose rate limit the whole site shares.
    #[arg(long, env = "MPP2XML_CHECKOUT_RATE", default_value_t = DEFAULT_CHECKOUT_RATE,
          value_parser = positive_rate)]
    pub checkout_rate: f64,

    /// Checkout sessions one client may start at once before `--checkout-rate` applies.
    #[arg(long, env = "MPP2XML_CHECKOUT_BURST", default_value_t = DEFAULT_CHECKOUT_BURST)]
    pub checkout_burst: NonZeroU32,

    /// Telemetry reports per second one client may send, refilled continuously.
    #[arg(long, env = "MPP2XML_TELEMETRY_RATE", default_value_t = DEFAULT_TELEMETRY_RATE,
          value_parser = positive_rate)]
    pub telemetry_rate: f64,

    /// Telemetry reports one client may send at once (a batch of files converted together).
    #[arg(long, env = "MPP2XML_TELEMETRY_BURST", default_value_t = DEFAULT_TELEMETRY_BURST)]
    pub telemetry_burst: NonZeroU32,

    /// Longest time to receive a request's headers, in seconds, counted from when the
    /// connection waits for them (on a kept-alive connection, from the end of the previous
    /// answer); a slower client is disconnected.
    #[arg(long, env = "MPP2XML_HEADER_TIMEOUT_SECS", default_value_t = DEFAULT_HEADER_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS))]
    pub header_timeout_secs: u64,

    /// A connection on which nothing is received or sent for this long, in seconds, while no
    /// request is being handled, is closed.
    #[arg(long, env = "MPP2XML_IDLE_TIMEOUT_SECS", default_value_t = DEFAULT_IDLE_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS))]
    pub idle_timeout_secs: u64,

    /// Connections open at once; further ones wait in the system's listen queue until one
    /// closes. Lowered at start to what the open-file limit allows.
    #[arg(long, env = "MPP2XML_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_connections: usize,

    /// On shutdown, how long the requests in flight may take to finish, in seconds;
    /// connections still open after it are dropped.
    #[arg(long, env = "MPP2XML_SHUTDOWN_TIMEOUT_SECS", default_value_t = DEFAULT_SHUTDOWN_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(..=MAX_TIMEOUT_SECS))]
    pub shutdown_timeout_secs: u64,

    /// The slowest average an upload may arrive at, in bytes per second, once
    /// `--upload-grace-secs` have passed; a slower one gets 408.
    #[arg(long, env = "MPP2XML_UPLOAD_MIN_RATE", default_value_t = DEFAULT_UPLOAD_MIN_RATE)]
    pub upload_min_rate: u64,

    /// Seconds an upload may take before `--upload-min-rate` applies.
    #[arg(long, env = "MPP2XML_UPLOAD_GRACE_SECS", default_value_t = DEFAULT_UPLOAD_GRACE_SECS,
          value_parser = clap::value_parser!(u64).range(..=MAX_TIMEOUT_SECS))]
    pub upload_grace_secs: u64,

    /// Conversion uploads one client (keyed as the rate limits are) may have in flight at
    /// once; more get 429.
    #[arg(long, env = "MPP2XML_UPLOADS_PER_CLIENT", default_value_t = DEFAULT_UPLOADS_PER_CLIENT,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub uploads_per_client: usize,

    /// Longest time to send a conversion's answer, in seconds; a client reading it slower is
    /// disconnected, and the memory and the slot the answer holds are released.
    #[arg(long, env = "MPP2XML_SEND_TIMEOUT_SECS", default_value_t = DEFAULT_SEND_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS))]
    pub send_timeout_secs: u64,

    /// Payments and Pro licences (`--stripe-*`, `--public-url`, `--licence-*`).
    #[command(flatten)]
    pub payments: crate::payments::PaymentsConfig,

    /// Error tracking (`--sentry-*`): off unless a DSN is given.
    #[command(flatten)]
    pub sentry: SentryConfig,
}

/// Where panics and 5xx answers are reported (see `error_tracking`). The DSN carries the
/// project's key, so `Debug` shows only whether one is set.
#[derive(Clone, Default, clap::Args)]
pub struct SentryConfig {
    /// A Sentry (or compatible: GlitchTip, Bugsink…) DSN, `https://KEY@HOST/PROJECT`: panics
    /// and 5xx answers are sent there. Without one nothing is sent.
    #[arg(long, env = "SENTRY_DSN")]
    pub sentry_dsn: Option<String>,

    /// A file holding the DSN (a systemd credential, a container secret), read at start;
    /// `--sentry-dsn` wins when both are given.
    #[arg(long, env = "SENTRY_DSN_FILE")]
    pub sentry_dsn_file: Option<PathBuf>,

    /// The environment the events are filed under (`production`, `staging`).
    #[arg(long, env = "SENTRY_ENVIRONMENT")]
    pub sentry_environment: Option<String>,
}

impl std::fmt::Debug for SentryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentryConfig")
            .field("sentry_dsn", &self.sentry_dsn.as_ref().map(|_| "***"))
            .field("sentry_dsn_file", &self.sentry_dsn_file)
            .field("sentry_environment", &self.sentry_environment)
            .finish()
    }
}

/// The database's URL. A PostgreSQL URL may carry a password, so `Debug` (and with it any
/// log of the configuration) shows the URL with its password replaced by `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL itself, for the one place that connects with it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with the password of its `user:password@` part replaced by `***`.
    pub fn redacted(&self) -> String {
        let url = &self.0;
        let Some(scheme_end) = url.find("://").map(|at| at + 3) else {
            return url.clone();
        };
        let rest = url.get(scheme_end..).unwrap_or_default();
        // The authority ends at the first `/`, `?` or `#`; its user part at the last `@`.
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = rest.get(..authority_end).unwrap_or_default();
        let Some(at) = authority.rfind('@') else {
            return url.clone();
        };
        let user_info = authority.get(..at).unwrap_or_default();
        let Some(colon) = user_info.find(':') else {
            return url.clone();
        };
        format!(
            "{}{}:***{}",
            url.get(..scheme_end).unwrap_or_default(),
            user_info.get(..colon).unwrap_or_default(),
            rest.get(at..).unwrap_or_default()
        )
    }
}

impl From<&str> for DatabaseUrl {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<String> for DatabaseUrl {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({:?})", self.redacted())
    }
}

/// The format of the log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per event, for log collectors.
    Json,
}

/// Why a configuration cannot be served.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// The memory for bodies could not hold even one file of the largest size.
    #[error(
        "--convert-memory-bytes ({memory}) must be at least --upload-max-bytes ({upload}), or the largest file could never be converted"
    )]
    MemoryBelowUpload {
        /// `--convert-memory-bytes`.
        memory: u64,
        /// `--upload-max-bytes`.
        upload: u64,
    },
}

impl Config {
    /// The defaults, with `dist` as the app folder, as if no option and no environment
    /// variable were given (tests build on this without reading the environment).
    pub fn with_defaults(dist: impl Into<PathBuf>) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            dist: dist.into(),
            database_url: DatabaseUrl::from(DEFAULT_DATABASE_URL),
            upload_max_bytes: DEFAULT_UPLOAD_MAX_BYTES,
            browser_max_bytes: DEFAULT_BROWSER_MAX_BYTES,
            convert_workers: None,
            convert_queue: DEFAULT_CONVERT_QUEUE,
            convert_memory_bytes: DEFAULT_CONVERT_MEMORY_BYTES,
            convert_timeout_secs: DEFAULT_CONVERT_TIMEOUT_SECS,
            body_timeout_secs: DEFAULT_BODY_TIMEOUT_SECS,
            convert_rate: DEFAULT_CONVERT_RATE,
            convert_burst: DEFAULT_CONVERT_BURST,
            rate: DEFAULT_RATE,
            burst: DEFAULT_BURST,
            trusted_proxies: Vec::new(),
            log_format: LogFormat::Text,
            metrics_addr: DEFAULT_METRICS_SOCKET,
            hsts: false,
            checkout_rate: DEFAULT_CHECKOUT_RATE,
            checkout_burst: DEFAULT_CHECKOUT_BURST,
            telemetry_rate: DEFAULT_TELEMETRY_RATE,
            telemetry_burst: DEFAULT_TELEMETRY_BURST,
            header_timeout_secs: DEFAULT_HEADER_TIMEOUT_SECS,
            idle_timeout_secs: DEFAULT_IDLE_TIMEOUT_SECS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            shutdown_timeout_secs: DEFAULT_SHUTDOWN_TIMEOUT_SECS,
            upload_min_rate: DEFAULT_UPLOAD_MIN_RATE,
            upload_grace_secs: DEFAULT_UPLOAD_GRACE_SECS,
            uploads_per_client: DEFAULT_UPLOADS_PER_CLIENT,
            send_timeout_secs: DEFAULT_SEND_TIMEOUT_SECS,
            payments: crate::payments::PaymentsConfig::default(),
            sentry: SentryConfig::default(),
        }
    }

    /// Checks what clap cannot: how the options relate to each other.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.convert_memory_bytes < self.upload_max_bytes {
            return Err(ConfigError::MemoryBelowUpload {
                memory: self.convert_memory_bytes,
                upload: self.upload_max_bytes,
            });
        }
        Ok(())
    }

    /// Conversions run at once: `--convert-workers`, else the number of cores.
    pub fn workers(&self) -> usize {
        self.convert_workers
            .or_else(|| std::thread::available_parallelism().ok())
            .map_or(1, NonZeroUsize::get)
    }

    /// `--convert-timeout-secs` as a duration.
    pub fn convert_timeout(&self) -> Duration {
        Duration::from_secs(self.convert_timeout_secs)
    }

    /// `--body-timeout-secs` as a duration.
    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.body_timeout_secs)
    }

    /// `--header-timeout-secs` as a duration.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_secs)
    }

    /// `--idle-timeout-secs` as a duration.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs)
    }

    /// `--shutdown-timeout-secs` as a duration.
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_secs)
    }

    /// `--upload-grace-secs` as a duration.
    pub fn upload_grace(&self) -> Duration {
        Duration::from_secs(self.upload_grace_secs)
    }

    /// `--send-timeout-secs` as a duration.
    pub fn send_timeout(&self) -> Duration {
        Duration::from_secs(self.send_timeout_secs)
    }
}

/// A rate: a finite number above zero, at most one million per second.
fn positive_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if rate.is_finite() && rate > 0.0 && rate <= 1e6 {
        Ok(rate)
    } else {
        Err(format!("{text:?} must be above 0 and at most 1000000"))
    }
}

/// An address (`10.0.0.1`, `::1`) or a CIDR block (`10.0.0.0/8`).
fn parse_net(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{text:?} is neither an IP address nor a CIDR block"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Config::command().debug_assert();
    }

    /// Parses `args` after the program name. `try_parse_from` reads the environment too; the
    /// `MPP2XML_*` variables and `DATABASE_URL` are not set where the tests run.
    fn parse(args: &[&str]) -> Result<Config, clap::Error> {
        Config::try_parse_from(std::iter::once("mpp2xml-server").chain(args.iter().copied()))
    }

    #[test]
    fn the_sentry_dsn_is_optional_and_never_shown() {
        let off = parse(&[]).unwrap();
        assert!(off.sentry.sentry_dsn.is_none() && off.sentry.sentry_dsn_file.is_none());
        let on = parse(&[
            "--sentry-dsn",
            "https://secretkey@errors.example/7",
            "--sentry-environment",
            "staging",
        ])
        .unwrap();
        assert_eq!(
            on.sentry.sentry_dsn.as_deref(),
            Some("https://secretkey@errors.example/7")
        );
        let shown = format!("{on:?}");
        assert!(!shown.contains("secretkey"), "{shown}");
        assert!(shown.contains("staging"));
        let file = parse(&["--sentry-dsn-file", "/run/credentials/dsn"]).unwrap();
        assert_eq!(
            file.sentry.sentry_dsn_file,
            Some(PathBuf::from("/run/credentials/dsn"))
        );
    }

    #[test]
    fn defaults_and_options_are_read() {
        let defaults = parse(&[]).unwrap();
        assert_eq!(defaults.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(defaults.dist, PathBuf::from("dist"));
        assert_eq!(defaults.log_format, LogFormat::Text);
        let given = parse(&[
            "--addr",
            "0.0.0.0:9000",
            "--dist",
            "/srv/app",
            "--log-format",
            "json",
        ])
        .unwrap();
        assert_eq!(given.addr, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(given.dist, PathBuf::from("/srv/app"));
        assert_eq!(given.log_format, LogFormat::Json);
        assert!(parse(&["--addr", "nowhere"]).is_err());
    }

    #[test]
    fn the_parsed_defaults_are_the_documented_ones() {
        let parsed = parse(&[]).unwrap();
        let built = Config::with_defaults("dist");
        assert_eq!(format!("{parsed:?}"), format!("{built:?}"));
        assert_eq!(parsed.database_url.expose(), "sqlite:data/mpp2xml.db");
        assert_eq!(parsed.upload_max_bytes, 64 * 1024 * 1024);
        assert_eq!(parsed.convert_memory_bytes, 128 * 1024 * 1024);
        assert_eq!(parsed.browser_max_bytes, 32 * 1024 * 1024);
        assert!(parsed.workers() >= 1);
        assert_eq!(parsed.validate(), Ok(()));
    }

    #[test]
    fn limits_and_quotas_are_read() {
        let config = parse(&[
            "--database-url",
            "postgres://u:p@db/mpp2xml",
            "--upload-max-bytes",
            "1000",
            "--browser-max-bytes",
            "500",
            "--convert-workers",
            "3",
            "--convert-queue",
            "0",
            "--convert-memory-bytes",
            "4000",
            "--convert-timeout-secs",
            "5",
            "--body-timeout-secs",
            "7",
            "--convert-rate",
            "0.5",
            "--convert-burst",
            "2",
            "--rate",
            "20",
            "--burst",
            "40",
        ])
        .unwrap();
        assert_eq!(config.database_url.expose(), "postgres://u:p@db/mpp2xml");
        let shown = format!("{config:?}");
        assert!(
            shown.contains("postgres://u:***@db/mpp2xml") && !shown.contains("u:p@"),
            "the password shows in {shown}"
        );
        assert_eq!(config.upload_max_bytes, 1000);
        assert_eq!(config.browser_max_bytes, 500);
        assert_eq!(config.workers(), 3);
        assert_eq!(config.convert_queue, 0);
        assert_eq!(config.convert_memory_bytes, 4000);
        assert_eq!(config.convert_timeout(), Duration::from_secs(5));
        assert_eq!(config.body_timeout(), Duration::from_secs(7));
        assert!((config.convert_rate - 0.5).abs() < f64::EPSILON);
        assert_eq!(config.convert_burst.get(), 2);
        assert!((config.rate - 20.0).abs() < f64::EPSILON);
        assert_eq!(config.burst.get(), 40);
    }

    #[test]
    fn connection_and_upload_limits_are_read() {
        let defaults = parse(&[]).unwrap();
        assert_eq!(defaults.header_timeout(), Duration::from_secs(10));
        assert_eq!(defaults.idle_timeout(), Duration::from_secs(60));
        assert_eq!(defaults.max_connections, 10_000);
        assert_eq!(defaults.shutdown_timeout(), Duration::from_secs(30));
        assert_eq!(defaults.upload_min_rate, 16 * 1024);
        assert_eq!(defaults.upload_grace(), Duration::from_secs(10));
        assert_eq!(defaults.uploads_per_client, 4);
        assert_eq!(defaults.send_timeout(), Duration::from_secs(60));
        let config = parse(&[
            "--header-timeout-secs",
            "2",
            "--idle-timeout-secs",
            "3",
            "--max-connections",
            "50",
            "--shutdown-timeout-secs",
            "0",
            "--upload-min-rate",
            "100",
            "--upload-grace-secs",
            "4",
            "--uploads-per-client",
            "1",
            "--send-timeout-secs",
            "5",
        ])
        .unwrap();
        assert_eq!(config.header_timeout(), Duration::from_secs(2));
        assert_eq!(config.idle_timeout(), Duration::from_secs(3));
        assert_eq!(config.max_connections, 50);
        assert_eq!(config.shutdown_timeout(), Duration::ZERO);
        assert_eq!(config.upload_min_rate, 100);
        assert_eq!(config.upload_grace(), Duration::from_secs(4));
        assert_eq!(config.uploads_per_client, 1);
        assert_eq!(config.send_timeout(), Duration::from_secs(5));
        for args in [
            &["--header-timeout-secs", "0"][..],
            &["--idle-timeout-secs", "0"],
            &["--max-connections", "0"],
            &["--uploads-per-client", "0"],
            &["--send-timeout-secs", "0"],
        ] {
            assert!(parse(args).is_err(), "{args:?} was accepted");
        }
    }

    #[test]
    fn nonsense_limits_are_refused() {
        for args in [
            &["--convert-rate", "0"][..],
            &["--convert-rate", "-1"],
            &["--rate", "NaN"],
            &["--rate", "inf"],
            &["--convert-burst", "0"],
            &["--convert-workers", "0"],
            &["--upload-max-bytes", "0"],
            &["--convert-timeout-secs", "0"],
            &["--body-timeout-secs", "86401"],
            &["--header-timeout-secs", "18446744073709551615"],
            &["--idle-timeout-secs", "86401"],
            &["--send-timeout-secs", "86401"],
            &["--shutdown-timeout-secs", "86401"],
            &["--upload-grace-secs", "18446744073709551615"],
            &["--trusted-proxies", "proxy.example"],
            &["--trusted-proxies", "10.0.0.0/33"],
        ] {
            assert!(parse(args).is_err(), "{args:?} was accepted");
        }
        let small = parse(&[
            "--upload-max-bytes",
            "2000",
            "--convert-memory-bytes",
            "1000",
        ])
        .unwrap();
        assert_eq!(
            small.validate(),
            Err(ConfigError::MemoryBelowUpload {
                memory: 1000,
                upload: 2000
            })
        );
    }

    #[test]
    fn database_passwords_are_redacted() {
        for (url, shown) in [
            ("sqlite:data/mpp2xml.db", "sqlite:data/mpp2xml.db"),
            ("postgres://db/x", "postgres://db/x"),
            ("postgres://user@db/x", "postgres://user@db/x"),
            (
                "postgres://user:s3cret@db:5432/x",
                "postgres://user:***@db:5432/x",
            ),
            (
                "postgres://user:p@ss@db/x?sslmode=require",
                "postgres://user:***@db/x?sslmode=require",
            ),
            (
                "postgres://user:pw@db/x?note=a@b",
                "postgres://user:***@db/x?note=a@b",
            ),
        ] {
            assert_eq!(DatabaseUrl::from(url).redacted(), shown, "{url}");
        }
    }

    #[test]
    fn trusted_proxies_are_addresses_or_blocks() {
        let config = parse(&["--trusted-proxies", "10.0.0.1, 192.168.0.0/16,::1"]).unwrap();
        let expected: Vec<IpNet> = ["10.0.0.1/32", "192.168.0.0/16", "::1/128"]
            .iter()
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(config.trusted_proxies, expected);
        assert!(parse(&[]).unwrap().trusted_proxies.is_empty());
    }
}
