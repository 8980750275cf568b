//! The routes operators and orchestrators use: liveness, readiness, metrics.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

use crate::problem::Problem;
use crate::state::AppState;

/// How long `/readyz` waits for the database before calling it unreachable: a probe must
/// answer before the orchestrator's own timeout.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers too.
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, Problem> {
    let not_ready = |detail: String| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "Not ready",
            detail,
        )
    };
    match tokio::time::timeout(READY_TIMEOUT, state.store().ping()).await {
        Ok(Ok(())) => Ok("ready"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the database failed");
            Err(not_ready("the database does not answer".to_owned()))
        }
        Err(_) => {
            tracing::warn!("readiness: the database did not answer in time");
            Err(not_ready(format!(
                "the database did not answer within {} s",
                READY_TIMEOUT.as_secs()
            )))
        }
    }
}

/// `GET /metrics`: the Prometheus text format.
pub async fn metrics() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        crate::metrics::handle().render(),
    )
}
