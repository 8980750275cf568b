//! One log line per request, in a span that carries the request id, so every line a request
//! causes (in JSON: the `span` member) can be found from the id a client reports.
//!
//! The id is made here, unless a trusted proxy (`--trusted-proxies`) sent one of a sane
//! length and alphabet: a client could otherwise write any text into every log line of its
//! requests, or reuse another request's id to blur the trail. It is sent back on the
//! response. The query string is not logged: it may hold a file name.

use std::time::Duration;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, MatchedPath, State};
use axum::http::{HeaderValue, Request, Response};
use axum::middleware::Next;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::request_id::{MakeRequestId, MakeRequestUuid, PropagateRequestIdLayer};
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

use crate::client_ip::TrustedProxies;

/// The longest request id kept from a trusted proxy (a UUID is 36 characters; nginx's
/// `$request_id` 32).
pub const MAX_ID_LEN: usize = 64;

/// Whether `id` may be kept: 1 to [`MAX_ID_LEN`] characters of letters, digits, `-`, `_`,
/// `.` and `:`.
fn is_sane_id(id: &[u8]) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Middleware: keeps `X-Request-Id` when a trusted proxy sent a sane one, and otherwise sets
/// a new UUID, before the request's span opens.
pub async fn assign_id(
    State(proxies): State<TrustedProxies>,
    mut request: axum::extract::Request,
    next: Next,
) -> axum::response::Response {
    let from_proxy = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(peer)| proxies.contains(peer.ip()));
    let keep = from_proxy
        && request
            .headers()
            .get(REQUEST_ID)
            .is_some_and(|id| is_sane_id(id.as_bytes()));
    if !keep {
        let id = MakeRequestUuid
            .make_request_id(&request)
            .map(|id| id.header_value().clone())
            .unwrap_or_else(|| HeaderValue::from_static("-"));
        request.headers_mut().insert(REQUEST_ID, id);
    }
    next.run(request).await
}

/// Copies the request's `X-Request-Id` to the response.
pub fn propagate_id() -> PropagateRequestIdLayer {
    PropagateRequestIdLayer::x_request_id()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_ids_are_sane() {
        assert!(is_sane_id(b"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"));
        assert!(is_sane_id(b"nginx_1234.abc:9"));
        assert!(!is_sane_id(b""));
        assert!(!is_sane_id(&[b'a'; MAX_ID_LEN + 1]));
        assert!(!is_sane_id(b"id with spaces"));
        assert!(!is_sane_id(b"id\"forged\":true"));
    }
}
