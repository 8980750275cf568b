//! Error tracking: panics and 5xx answers sent to a Sentry-compatible DSN, when one is
//! configured (`--sentry-dsn`, `SENTRY_DSN`, or a file named by `SENTRY_DSN_FILE`); nothing is
//! sent, and no client exists, otherwise.
//!
//! A 5xx is reported by the router's middleware with its route (bounded, as in the metrics),
//! method, status and request id, so the event can be joined with the JSON log line of the
//! same request. Bodies, headers and client addresses are never sent: a converted plan or a
//! licence token must not end up in a third party's storage.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use crate::config::SentryConfig;

/// Why error tracking could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TrackingError {
    /// `SENTRY_DSN_FILE` could not be read.
    #[error("cannot read the Sentry DSN file {}: {source}", path.display())]
    DsnFile {
        /// The file.
        path: std::path::PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The DSN is not one.
    #[error("the Sentry DSN is not a DSN (https://KEY@HOST/PROJECT): {0}")]
    BadDsn(String),
}

/// Keeps the Sentry client; dropping it sends what is queued (within two seconds).
pub struct Tracking {
    _guard: Option<sentry::ClientInitGuard>,
}

impl std::fmt::Debug for Tracking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracking")
            .field("enabled", &self._guard.is_some())
            .finish()
    }
}

impl Tracking {
    /// Whether events are sent.
    pub fn enabled(&self) -> bool {
        self._guard.is_some()
    }
}

/// Starts the Sentry client when a DSN is configured, with its panic handler (every panic,
/// in a request or a background task, becomes an event before the default hook prints it).
pub fn init(config: &SentryConfig) -> Result<Tracking, TrackingError> {
    let dsn = match (&config.sentry_dsn, &config.sentry_dsn_file) {
        (Some(dsn), _) => Some(dsn.trim().to_owned()),
        (None, Some(path)) => Some(
            std::fs::read_to_string(path)
                .map_err(|source| TrackingError::DsnFile {
                    path: path.clone(),
                    source,
                })?
                .trim()
                .to_owned(),
        ),
        (None, None) => None,
    };
    let Some(dsn) = dsn.filter(|dsn| !dsn.is_empty()) else {
        return Ok(Tracking { _guard: None });
    };
    let parsed: sentry::types::Dsn = dsn
        .parse()
        .map_err(|error: sentry::types::ParseDsnError| TrackingError::BadDsn(error.to_string()))?;
    let mut options = sentry::ClientOptions::default();
    options.dsn = Some(parsed);
    options.release = sentry::release_name!();
    options.environment = config.sentry_environment.clone().map(Into::into);
    options.send_default_pii = false;
    let guard = sentry::init(options);
    // `init` binds the client to this thread's hub; threads that exist already or start
    // later (the runtime's workers, the blocking pool of conversions) derive theirs from the
    // process's main hub, which must have it too, wherever `init` was called from.
    sentry::Hub::main().bind_client(sentry::Hub::current().client());
    Ok(Tracking {
        _guard: Some(guard),
    })
}

/// Middleware: reports an answer with a 5xx status (a cheap no-op without a client).
pub async fn report_5xx(request: Request, next: Next) -> Response {
    let route = crate::metrics::route_label(
        request
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str),
        request.uri().path(),
    );
    let method = request.method().clone();
    let id = request
        .headers()
        .get(crate::request_log::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;
    let status = response.status();
    if status.is_server_error() && sentry::Hub::current().client().is_some() {
        sentry::with_scope(
            |scope| {
                scope.set_tag("route", &route);
                scope.set_tag("method", method.as_str());
                scope.set_tag("status", status.as_u16());
                if let Some(id) = &id {
                    scope.set_tag("request_id", id);
                }
            },
            || {
                sentry::capture_message(
                    &format!("{method} {route} answered {}", status.as_u16()),
                    sentry::Level::Error,
                )
            },
        );
    }
    response
}
