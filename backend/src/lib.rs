//! mpp2xml's web server. It serves the browser app that Trunk builds into `dist/`:
//!
//! - `.wasm` as `application/wasm`, and every file with its proper type;
//! - `Cache-Control: public, max-age=31536000, immutable` for files whose name carries a
//!   content hash (`frontend-<hash>_bg.wasm`), `no-cache` for everything else (`index.html`,
//!   `sw.js`, `manifest.webmanifest`, the worker files), so a new version is picked up;
//! - gzip or brotli compression, as the browser accepts;
//! - a strict Content-Security-Policy on every response: only this origin, `wasm-unsafe-eval`
//!   for WebAssembly, and for an HTML page the SHA-256 hashes of its own inline scripts (Trunk's
//!   loader is one), computed from the page as it is served (a 304 carries none, so the
//!   browser keeps the policy of the page it revalidated);
//! - `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`;
//! - `GET /healthz` answers `ok`.
//!
//! [`app`] builds the whole service as a [`Router`], so tests drive it without a socket;
//! [`run`] serves it until Ctrl-C or SIGTERM.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub mod config;
pub mod csp;
pub mod headers;
pub mod storage;

pub use config::{Config, LogFormat};

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The app folder has no `index.html`.
    #[error("{} has no index.html: build the app first with `cargo xtask dist`", .0.display())]
    NoApp(PathBuf),
    /// The address could not be bound (in use, not local, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
    /// The server failed while serving.
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
}

/// The service: `GET /healthz`, and the files of `dist` with the headers described in the
/// crate documentation.
pub fn app(dist: impl AsRef<Path>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .fallback_service(ServeDir::new(dist.as_ref()))
        .layer(axum::middleware::from_fn(headers::apply))
        .layer(CompressionLayer::new())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}

async fn healthz() -> &'static str {
    "ok"
}

/// Serves [`app`] for `config` until Ctrl-C or SIGTERM, then lets the requests in flight
/// finish.
pub async fn run(config: &Config) -> Result<(), ServeError> {
    if !config.dist.join("index.html").is_file() {
        return Err(ServeError::NoApp(config.dist.clone()));
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.addr,
            source,
        })?;
    let local = listener.local_addr().map_err(ServeError::Serve)?;
    tracing::info!(dist = %config.dist.display(), "serving the app on http://{local}/");
    axum::serve(listener, app(&config.dist))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(ServeError::Serve)?;
    tracing::info!("stopped");
    Ok(())
}

/// Sets up logging to standard output in `format`, at the level `RUST_LOG` asks (default
/// `info`).
pub fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
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
