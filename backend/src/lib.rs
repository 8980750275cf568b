//! mpp2xml's web server. It serves the browser app that Trunk builds into `dist/`, read into
//! memory at start (see `static_files`; a rebuilt app is served after a restart):
//!
//! - `.wasm` as `application/wasm`, and every file with its proper type;
//! - `Cache-Control: public, max-age=31536000, immutable` for files whose name carries a
//!   content hash (`frontend-<hash>_bg.wasm`), `no-cache` for everything else (`index.html`,
//!   `sw.js`, `manifest.webmanifest`, the worker files), so a new version is picked up;
//! - brotli or gzip, as the browser accepts: the app's files compressed once at the best
//!   levels, the API's answers as they are made;
//! - a strict Content-Security-Policy on every response: only this origin, `wasm-unsafe-eval`
//!   for WebAssembly, and for an HTML page the SHA-256 hashes of its own inline scripts (Trunk's
//!   loader is one), computed from the page when it is loaded (a 304 carries none, so the
//!   browser keeps the policy of the page it revalidated);
//! - `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`;
//!
//! Beside the app it serves the API (see `api`): `POST /api/v1/convert` converts on the server
//! for files too large for the browser, `POST /api/v1/telemetry` counts the browser's own
//! conversions, `GET /api/v1/config` tells the app the size limits; and for operators
//! `GET /healthz` and `GET /readyz`, with `GET /metrics` on a listener of its own
//! (`--metrics-addr`, loopback by default). Errors are RFC 9457 problem documents, requests
//! are rate-limited per client, API answers are never stored (`no-store`), and each request
//! is logged once with its request id.
//!
//! [`app`] builds the whole service as a [`Router`] over an [`AppState`], so tests drive it
//! without a socket; [`run`] serves it until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use client_ip::TrustedProxies;
use headers::HeaderPolicy;
use same_origin::SiteOrigins;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate as _};

mod api;
mod client_ip;
mod config;
mod connections;
mod csp;
pub mod error_tracking;
mod headers;
mod licensing;
mod metrics;
mod ops;
mod payments;
mod problem;
mod rate_limit;
mod request_log;
mod same_origin;
mod state;
mod static_files;
mod storage;
#[cfg(feature = "test-support")]
pub mod testing;

// The public surface: the service ([`app`], [`run`]), its settings ([`Config`] and the types of
// its fields) and what those return. Everything else is the crate's own.
pub use config::{Config, DatabaseUrl, LogFormat, SentryConfig};
pub use licensing::{KeyOrigin, public_key_text as licence_public_key};
pub use payments::{PaymentsConfig, Secret, StripeMode};
pub use state::{AppState, StateError};

/// The prefix of the API; any path under it that no route takes is a problem+json 404.
pub(crate) const API_ROOT: &str = "/api";
/// [`API_ROOT`] with its slash, which [`API_ANY`] does not take.
pub(crate) const API_SLASH: &str = "/api/";
/// The route pattern catching the rest of [`API_ROOT`].
pub(crate) const API_ANY: &str = "/api/{*rest}";

/// How often the gathered counts are written to the database.
const FLUSH_PERIOD: Duration = Duration::from_secs(5);
/// How often the rate limiters forget clients whose quota is full again.
const FORGET_CLIENTS_PERIOD: Duration = Duration::from_secs(60);
/// How often the metrics recorder drains its histogram samples.
const METRICS_UPKEEP_PERIOD: Duration = Duration::from_secs(5);
/// How often the database and the memory gauges are refreshed: about a scrape interval, so
/// an outage shows in the first scrape after it.
const WATCH_PERIOD: Duration = Duration::from_secs(5);

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The app folder has no `index.html`.
    #[error("{} has no index.html: build the app first with `cargo xtask dist`", .0.display())]
    NoApp(PathBuf),
    /// The settings, the database or the limits could not be set up.
    #[error(transparent)]
    State(#[from] StateError),
    /// The address could not be bound (in use, not local, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
    /// The server failed while serving.
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
}

/// The whole service: the API, the operations routes, and the files of `dist` with the
/// headers described in the crate documentation.
///
/// Rate limits key on the client address from `ConnectInfo<SocketAddr>`: [`run`] inserts it
/// into each request (see `connections`), as `into_make_service_with_connect_info` would;
/// insert it yourself when driving the router directly.
pub fn app(state: AppState) -> Router {
    let limits = state.rate_limits().clone();
    let config = state.config();
    let site = SiteOrigins::new(config.payments.public_url.as_deref());
    let header_policy = HeaderPolicy { hsts: config.hsts };
    let proxies = TrustedProxies::new(&config.trusted_proxies);
    // Each area's routes; everything but conversions (their own quota) and Stripe's webhook
    // (no per-client quota) is under the general per-client quota, the app's files included.
    let general = Router::new()
        .merge(api::routes(&limits, site.clone()))
        .merge(payments::routes(&limits, site))
        .merge(ops::routes())
        .fallback(static_files::serve)
        .layer(limits.general_layer());
    api::convert::routes(&limits, state.licensing().cloned())
        .merge(general)
        .merge(payments::webhook_routes())
        .layer(from_fn(problem::describe_bare_errors))
        .layer(from_fn_with_state(header_policy, headers::apply))
        .layer(
            CompressionLayer::new()
                .compress_when(DefaultPredicate::new().and(static_files::not_a_static_file)),
        )
        .layer(from_fn(metrics::track))
        .layer(from_fn(error_tracking::report_5xx))
        .layer(request_log::trace())
        .layer(request_log::propagate_id())
        .layer(from_fn_with_state(proxies, request_log::assign_id))
        .with_state(state)
}

/// The metrics listener's service (`--metrics-addr`): `GET /metrics` alone, so that what it
/// tells (sales, refunds, signature failures, conversions in flight) stays off the public
/// listener.
pub(crate) fn metrics_app() -> Router {
    Router::new()
        .route("/metrics", get(ops::metrics))
        .layer(from_fn_with_state(HeaderPolicy::default(), headers::apply))
}

/// Serves [`app`] for `config` until Ctrl-C or SIGTERM: opens the database (running its
/// migrations), writes the gathered counts every few seconds, and on shutdown lets the
/// requests and conversions in flight finish (within `--shutdown-timeout-secs`), writes the
/// counts a last time and closes the database.
pub async fn run(config: &Config) -> Result<(), ServeError> {
    // Before binding, so a wrong setting is told as such and not as an address in use.
    check(config)?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.addr,
            source,
        })?;
    serve_checked(listener, config, shutdown_signal()).await
}

/// [`run`] on a listener already bound, until `shutdown` completes: for the tests, which
/// pick their own port and stop the server themselves.
#[cfg(feature = "test-support")]
pub(crate) async fn run_on(
    listener: tokio::net::TcpListener,
    config: &Config,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), ServeError> {
    check(config)?;
    serve_checked(listener, config, shutdown).await
}

/// What can be told wrong before anything starts: the app is built, the settings agree.
fn check(config: &Config) -> Result<(), ServeError> {
    if !config.dist.join("index.html").is_file() {
        return Err(ServeError::NoApp(config.dist.clone()));
    }
    config.validate().map_err(StateError::from)?;
    Ok(())
}

/// [`run`]'s work once [`check`] passed.
async fn serve_checked(
    listener: tokio::net::TcpListener,
    config: &Config,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), ServeError> {
    let loading = Instant::now();
    let state = AppState::open(config.clone()).await?;
    tracing::info!(database = state.store().kind(), "database open");
    tracing::info!(
        files = state.static_files().len(),
        bytes = state.static_files().total_bytes(),
        ms = loading.elapsed().as_secs_f64() * 1000.0,
        "app loaded into memory"
    );
    if let Some(licensing) = state.licensing() {
        // Before serving, so a revoked licence is refused from the first request.
        licensing
            .refresh_revoked(state.store())
            .await
            .map_err(StateError::from)?;
    }
    let local = listener.local_addr().map_err(ServeError::Serve)?;
    let metrics_listener = tokio::net::TcpListener::bind(config.metrics_addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.metrics_addr,
            source,
        })?;
    let metrics_local = metrics_listener.local_addr().map_err(ServeError::Serve)?;
    let limits = connections::Limits {
        header_timeout: config.header_timeout(),
        idle_timeout: config.idle_timeout(),
        max_connections: connections::bounded_by_fd_limit(config.max_connections),
        shutdown_timeout: config.shutdown_timeout(),
    };
    let background = [
        tokio::spawn(serve_metrics(metrics_listener, limits)),
        tokio::spawn(flush_counts_every(state.clone(), FLUSH_PERIOD)),
        tokio::spawn(
            state
                .rate_limits()
                .clone()
                .clean_up_every(FORGET_CLIENTS_PERIOD),
        ),
        tokio::spawn(metrics::upkeep(METRICS_UPKEEP_PERIOD)),
        tokio::spawn(ops::watch_every(
            state.store().clone(),
            axum::extract::FromRef::from_ref(&state),
            WATCH_PERIOD,
        )),
        tokio::spawn(compress_app(state.clone())),
        tokio::spawn(licensing::refresh_revoked_every(
            state.licensing().cloned(),
            state.store().clone(),
            licensing::REVOKED_REFRESH,
        )),
    ];
    tracing::info!(
        dist = %config.dist.display(),
        workers = config.workers(),
        max_connections = limits.max_connections,
        "serving the app on http://{local}/"
    );
    tracing::info!("serving the metrics on http://{metrics_local}/metrics");
    let stopped = connections::serve(listener, app(state.clone()), limits, shutdown).await;
    for task in &background {
        task.abort();
    }
    // Conversions whose request timed out may still be running; their counts are wanted.
    if !state.conversions_finished(config.convert_timeout()).await {
        tracing::warn!("stopping with conversions still running");
    }
    match state.counts().flush(state.store()).await {
        Ok(rows) => tracing::info!(rows, "counts written"),
        Err(error) => tracing::error!(%error, "the last counts could not be written"),
    }
    state.store().close().await;
    tracing::info!(dropped_connections = stopped.dropped, "stopped");
    Ok(())
}

/// The connections the metrics listener keeps at once: a scraper or two, and an operator.
const METRICS_CONNECTIONS: usize = 16;

/// Serves [`metrics_app`] on `listener`, with the public listener's timeouts, until the server
/// stops (the task is aborted then).
async fn serve_metrics(listener: tokio::net::TcpListener, limits: connections::Limits) {
    let limits = connections::Limits {
        max_connections: limits.max_connections.min(METRICS_CONNECTIONS),
        ..limits
    };
    connections::serve(listener, metrics_app(), limits, std::future::pending()).await;
}

/// Compresses the app's files ahead of the first visitors.
async fn compress_app(state: AppState) {
    let started = Instant::now();
    state.static_files().warm().await;
    tracing::info!(
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "the app's files are compressed"
    );
}

/// Writes the gathered counts every `period`; a failed write keeps them for the next one.
async fn flush_counts_every(state: AppState, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = state.counts().flush(state.store()).await {
            tracing::warn!(%error, "the counts could not be written; kept for the next try");
        }
    }
}

/// Sets up logging to standard output in `format`, at the level `RUST_LOG` asks (default
/// `info`).
pub fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only for a person at a terminal: in a file or a collector they are noise, and
    // bytes written per request.
    let colours = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colours);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM. A signal that cannot be listened for is logged and
/// ignored, so the other still works.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
