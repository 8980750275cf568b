//! One log line per request, in a span that carries the request id, so every line a request
//! causes (in JSON: the `span` member) can be found from the id a client reports.
//!
//! The id comes from `X-Request-Id` (set by a proxy, or by this server when absent) and is
//! sent back on the response. The query string is not logged: it may hold a file name.

use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::{Request, Response};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnBodyChunk, DefaultOnEos, MakeSpan, OnResponse, TraceLayer};
use tracing::Span;

/// The request id header.
pub const REQUEST_ID: &str = "x-request-id";

/// Opens the request's span: id, method, route (bounded, as in the metrics) and path.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let id = request
            .headers()
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        let route = crate::metrics::route_label(
            request
                .extensions()
                .get::<MatchedPath>()
                .map(MatchedPath::as_str),
            request.uri().path(),
        );
        tracing::info_span!(
            "request",
            request_id = %id,
            method = %request.method(),
            route = %route,
            path = %request.uri().path(),
        )
    }
}

/// Writes the request's one line: status and latency (the span adds the rest).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogResponse;

impl<B> OnResponse<B> for LogResponse {
    fn on_response(self, response: &Response<B>, latency: Duration, _span: &Span) {
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms = latency.as_secs_f64() * 1000.0,
            "answered"
        );
    }
}

/// The trace layer: a span per request, a line per response, nothing at the request's start
/// (one line per request is enough) and no second line for 5xx (the handler logs the cause).
pub type Trace = TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    RequestSpan,
    (),
    LogResponse,
    DefaultOnBodyChunk,
    DefaultOnEos,
    (),
>;

/// See [`Trace`].
pub fn trace() -> Trace {
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_request(())
        .on_response(LogResponse)
        .on_failure(())
}

/// Sets `X-Request-Id` to a new UUID when the request has none.
pub fn set_id() -> SetRequestIdLayer<MakeRequestUuid> {
    SetRequestIdLayer::x_request_id(MakeRequestUuid)
}

/// Copies the request's `X-Request-Id` to the response.
pub fn propagate_id() -> PropagateRequestIdLayer {
    PropagateRequestIdLayer::x_request_id()
}
