//! The JSON API under `/api/v1`: conversion, telemetry, and the settings the app needs.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::header::CACHE_CONTROL;
use axum::response::IntoResponse;
use serde::Serialize;

use crate::headers::NO_STORE;
use crate::problem::Problem;
use crate::state::AppState;

pub mod convert;
pub mod filename;
pub mod telemetry;
pub mod upload;

/// `GET /api/v1/config`: what the browser app needs to choose where to convert.
#[derive(Debug, Serialize)]
pub struct ClientConfig {
    /// Files above this are sent to the server instead of converted in the browser.
    pub browser_max_bytes: u64,
    /// The server refuses bodies above this.
    pub upload_max_bytes: u64,
    /// Whether Pro can be bought here (`POST /api/v1/checkout` works).
    pub payments: bool,
    /// Whether server conversion needs a Pro licence (`Authorization: Bearer`).
    pub licence_required: bool,
}

/// The handler of `GET /api/v1/config`.
pub async fn client_config(State(state): State<AppState>) -> impl IntoResponse {
    let config = state.config();
    (
        [(CACHE_CONTROL, NO_STORE)],
        Json(ClientConfig {
            browser_max_bytes: config.browser_max_bytes,
            upload_max_bytes: config.upload_max_bytes,
            payments: state.payments().is_some(),
            licence_required: state.licensing().is_some(),
        }),
    )
}

/// Any path under `/api` no route takes: a problem, not the app's HTML or an empty 404.
pub async fn not_found(request: Request) -> Problem {
    Problem::not_found(request.uri().path())
}
