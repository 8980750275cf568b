//! What the integration tests reach inside the service, behind the `test-support` feature
//! (the tests turn it on through a dev-dependency on this crate): the server on a listener
//! they bound, the metrics listener's service, the database and the clock the licences use.
//! Not part of the service's interface.

use std::sync::Arc;

use axum::Router;

pub use crate::licensing::{Licensing, now};
pub use crate::storage::{CountBuffer, Store, today};
use crate::{AppState, Config, ServeError};

/// [`crate::run`] on a listener the test bound (port 0), until `shutdown` completes.
pub async fn run_on(
    listener: tokio::net::TcpListener,
    config: &Config,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), ServeError> {
    crate::run_on(listener, config, shutdown).await
}

/// The metrics listener's service, to read the counters a test moved.
pub fn metrics_app() -> Router {
    crate::metrics_app()
}

/// The state's parts the tests look into (the service's own accessors are the crate's).
pub trait Inspect {
    /// The database.
    fn store(&self) -> &Store;
    /// The counts waiting for the next flush.
    fn counts(&self) -> &Arc<CountBuffer>;
    /// The licences, when payments are configured.
    fn licensing(&self) -> Option<&Arc<Licensing>>;
}

impl Inspect for AppState {
    fn store(&self) -> &Store {
        AppState::store(self)
    }
    fn counts(&self) -> &Arc<CountBuffer> {
        AppState::counts(self)
    }
    fn licensing(&self) -> Option<&Arc<Licensing>> {
        AppState::licensing(self)
    }
}

/// Waits until no conversion runs (see [`crate::run`]'s shutdown), for at most `limit`.
pub async fn conversions_finished(state: &AppState, limit: std::time::Duration) -> bool {
    state.conversions_finished(limit).await
}
