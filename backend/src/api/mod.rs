//! The JSON API under `/api/v1`: conversion, telemetry, and the settings the app needs.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{FromRef, Request, State};
use axum::http::header::CACHE_CONTROL;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::{any, get, post};

use crate::config::Config;
use crate::headers::NO_STORE;
use crate::licensing::Licensing;
use crate::problem::Problem;
use crate::rate_limit::RateLimits;
use crate::same_origin::{self, SiteOrigins};
use crate::storage::CountBuffer;

pub mod convert;
pub mod filename;
pub mod licence_gate;
pub mod telemetry;
pub mod upload;

/// `GET /api/v1/config`: what the browser app needs to choose where to convert; the type is
/// the protocol crate's, which the app reads the answer into.
pub use protocol::ClientConfig;

/// The handler of `GET /api/v1/config`.
pub async fn client_config(
    State(config): State<Arc<Config>>,
    State(licensing): State<Option<Arc<Licensing>>>,
) -> impl IntoResponse {
    (
        [(CACHE_CONTROL, NO_STORE)],
        Json(ClientConfig {
            browser_max_bytes: config.browser_max_bytes,
            upload_max_bytes: config.upload_max_bytes,
            // Licences exist exactly when payments are configured.
            payments: licensing.is_some(),
            licence_required: licensing.is_some(),
        }),
    )
}

/// The API's routes under the general per-client quota: telemetry (also under its own quota,
/// and only from the site's own pages), the app's settings, and a problem for any other path
/// under `/api`. Conversions have their own, [`convert::routes`].
pub fn routes<S>(limits: &RateLimits, site: SiteOrigins) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Config>: FromRef<S>,
    Arc<CountBuffer>: FromRef<S>,
    Option<Arc<Licensing>>: FromRef<S>,
{
    Router::new()
        .route(
            "/api/v1/telemetry",
            post(telemetry::report)
                .route_layer(limits.telemetry_layer())
                .route_layer(from_fn_with_state(site, same_origin::require)),
        )
        .route("/api/v1/config", get(client_config))
        .route(crate::API_ROOT, any(not_found))
        .route(crate::API_SLASH, any(not_found))
        .route(crate::API_ANY, any(not_found))
}

/// Any path under `/api` no route takes: a problem, not the app's HTML or an empty 404.
pub async fn not_found(request: Request) -> Problem {
    Problem::not_found(request.uri().path())
}
