//! Prometheus metrics: one process-wide recorder, rendered by `GET /metrics`.
//!
//! The `metrics` facade has a single global recorder, so it is installed once (the first
//! [`AppState`](crate::AppState) does it) and shared by every service in the process; tests
//! that build several services see the sums of all of them.
//!
//! Labels are kept bounded: the route is the matched route pattern (`/api/v1/convert`), never
//! the raw path, and everything the static fallback serves is `static`.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

/// `http_requests_total{route,method,status}`.
pub const HTTP_REQUESTS: &str = "http_requests_total";
/// `http_request_duration_seconds{route,method,status}`: until the response headers.
pub const HTTP_DURATION: &str = "http_request_duration_seconds";
/// `conversions_total{where,outcome,version}`.
pub const CONVERSIONS: &str = "conversions_total";
/// `conversion_input_bytes_total{where}` (server conversions only: the browser reports a
/// size bucket, counted in [`TELEMETRY_REPORTS`]).
pub const INPUT_BYTES: &str = "conversion_input_bytes_total";
/// `conversion_duration_seconds{where}`.
pub const CONVERSION_DURATION: &str = "conversion_duration_seconds";
/// `conversions_in_flight`: server conversions running on the blocking pool.
pub const IN_FLIGHT: &str = "conversions_in_flight";
/// `rate_limited_total{quota}`.
pub const RATE_LIMITED: &str = "rate_limited_total";
/// `telemetry_reports_total{size_bucket}`.
pub const TELEMETRY_REPORTS: &str = "telemetry_reports_total";

/// `connections_open`: TCP connections being served.
pub const CONNECTIONS_OPEN: &str = "connections_open";
/// `connections_dropped_total{reason}`: connections the server cut (`idle`, `send_timeout`,
/// `shutdown_deadline`); hyper's own header-timeout closes are not counted here.
pub const CONNECTIONS_DROPPED: &str = "connections_dropped_total";
/// `connection_cap_reached_total`: times the accept loop found every connection slot taken.
pub const CONNECTION_CAP_REACHED: &str = "connection_cap_reached_total";

/// `licences_issued_total`.
pub const LICENCES_ISSUED: &str = "licences_issued_total";
/// `licences_revoked_total`.
pub const LICENCES_REVOKED: &str = "licences_revoked_total";
/// `webhook_events_total{type,outcome}`: `type` is one the server acts on or `other`.
pub const WEBHOOK_EVENTS: &str = "webhook_events_total";

/// `database_ready`: 1 when the last database check answered, 0 when it failed or timed out.
pub const DATABASE_READY: &str = "database_ready";
/// `process_resident_memory_bytes`: the server's resident memory (Linux `VmRSS`).
pub const RESIDENT_MEMORY: &str = "process_resident_memory_bytes";
/// `process_memory_limit_bytes`: the memory limit of the server's cgroup (systemd's
/// `MemoryMax`, a container's limit); absent when there is none.
pub const MEMORY_LIMIT: &str = "process_memory_limit_bytes";

/// Request latency buckets, in seconds: the targets are p95 under 100 ms for pages and 500 ms
/// for the API.
const HTTP_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Conversion time buckets, in seconds, from a small file to a large one on a slow phone.
const CONVERSION_BUCKETS: &[f64] = &[
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The handle of the process's recorder, installing it on first use.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = builder()
            .unwrap_or_else(|error| {
                tracing::error!(%error, "histogram buckets refused; using summaries");
                PrometheusBuilder::new()
            })
            .build_recorder();
        let handle = recorder.handle();
        if let Err(error) = ::metrics::set_global_recorder(recorder) {
            tracing::error!(%error, "another metrics recorder is installed; /metrics stays empty");
        }
        describe();
        handle
    })
}

fn builder() -> Result<PrometheusBuilder, BuildError> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), HTTP_BUCKETS)?
        .set_buckets_for_metric(
            Matcher::Full(CONVERSION_DURATION.into()),
            CONVERSION_BUCKETS,
        )
}

fn describe() {
    use ::metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered");
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request (until the response headers)"
    );
    describe_counter!(
        CONVERSIONS,
        "Conversions, on the server or reported by browsers"
    );
    describe_counter!(INPUT_BYTES, Unit::Bytes, "Bytes of .mpp converted");
    describe_histogram!(
        CONVERSION_DURATION,
        Unit::Seconds,
        "Time the engine took to convert a file"
    );
    describe_gauge!(IN_FLIGHT, "Server conversions running now");
    describe_counter!(RATE_LIMITED, "Requests refused by a rate limit");
    describe_counter!(TELEMETRY_REPORTS, "Browser conversion reports received");
    describe_gauge!(CONNECTIONS_OPEN, "TCP connections being served");
    describe_counter!(
        CONNECTIONS_DROPPED,
        "Connections the server cut: idle, answer not sent in time, or still open at the shutdown deadline"
    );
    describe_counter!(
        CONNECTION_CAP_REACHED,
        "Times every connection slot was taken when a connection arrived"
    );
    describe_counter!(LICENCES_ISSUED, "Pro licences issued");
    describe_counter!(
        LICENCES_REVOKED,
        "Pro licences revoked (refunds, ended subscriptions)"
    );
    describe_counter!(
        WEBHOOK_EVENTS,
        "Stripe webhook deliveries, by event type and outcome"
    );
    describe_gauge!(
        DATABASE_READY,
        "1 when the last database check answered, 0 when it did not"
    );
    describe_gauge!(
        RESIDENT_MEMORY,
        Unit::Bytes,
        "Resident memory of the server"
    );
    describe_gauge!(
        MEMORY_LIMIT,
        Unit::Bytes,
        "Memory limit of the server's cgroup, when it has one"
    );
}

/// Runs the recorder's upkeep (draining histogram samples) every `period`, so memory stays
/// bounded between scrapes.
pub async fn upkeep(period: Duration) {
    let handle = handle();
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        handle.run_upkeep();
    }
}

/// Records one conversion (server or browser).
pub fn record_conversion(origin: &'static str, outcome: &str, version: &str, seconds: f64) {
    ::metrics::counter!(
        CONVERSIONS,
        "where" => origin,
        "outcome" => outcome.to_owned(),
        "version" => version.to_owned()
    )
    .increment(1);
    ::metrics::histogram!(CONVERSION_DURATION, "where" => origin).record(seconds);
}

/// Counts the input bytes of a conversion.
pub fn record_input_bytes(origin: &'static str, bytes: u64) {
    ::metrics::counter!(INPUT_BYTES, "where" => origin).increment(bytes);
}

/// Counts one browser report of a file in `size_bucket`.
pub fn record_telemetry(size_bucket: &'static str) {
    ::metrics::counter!(TELEMETRY_REPORTS, "size_bucket" => size_bucket).increment(1);
}

/// Counts one request refused by the `quota` rate limit.
pub fn record_rate_limited(quota: &'static str) {
    ::metrics::counter!(RATE_LIMITED, "quota" => quota).increment(1);
}

/// Counts one licence issued.
pub fn record_licence_issued() {
    ::metrics::counter!(LICENCES_ISSUED).increment(1);
}

/// Counts `count` licences revoked.
pub fn record_licences_revoked(count: u64) {
    ::metrics::counter!(LICENCES_REVOKED).increment(count);
}

/// Counts one webhook delivery of `kind` (bounded by `payments::events::type_label`) and how it
/// ended.
pub fn record_webhook_event(kind: &'static str, outcome: &'static str) {
    ::metrics::counter!(WEBHOOK_EVENTS, "type" => kind, "outcome" => outcome).increment(1);
}

/// Counts a conversion while it runs; dropping it ends the count, however the conversion ends.
#[derive(Debug)]
pub struct InFlight(());

impl InFlight {
    /// One more conversion in flight.
    pub fn start() -> Self {
        ::metrics::gauge!(IN_FLIGHT).increment(1.0);
        Self(())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        ::metrics::gauge!(IN_FLIGHT).decrement(1.0);
    }
}

/// The `route` label of a request: its matched route pattern, `unmatched` for a path under
/// `/api` that no route takes, `static` for the app's files.
pub fn route_label(matched: Option<&str>, path: &str) -> String {
    match matched {
        Some(crate::API_ANY | crate::API_ROOT | crate::API_SLASH) => "unmatched".to_owned(),
        Some(route) => route.to_owned(),
        None if path == crate::API_ROOT || path.starts_with("/api/") => "unmatched".to_owned(),
        None => "static".to_owned(),
    }
}

/// Middleware (inside the router, so the matched route is known): counts each request and its
/// latency by route, method and status.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = route_label(
        request
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str),
        request.uri().path(),
    );
    let method = method_label(request.method());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [
        ("route", route),
        ("method", method.to_owned()),
        ("status", status),
    ];
    ::metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
    ::metrics::histogram!(HTTP_DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}

/// The standard methods by name, anything else as `other`, so a client cannot make new series.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_bounded_labels() {
        assert_eq!(
            route_label(Some("/api/v1/convert"), "/api/v1/convert"),
            "/api/v1/convert"
        );
        assert_eq!(route_label(Some(crate::API_ANY), "/api/v9/x"), "unmatched");
        assert_eq!(route_label(None, "/api/nothing"), "unmatched");
        assert_eq!(route_label(None, "/frontend-0123.js"), "static");
        assert_eq!(route_label(None, "/"), "static");
    }

    #[test]
    fn unknown_methods_share_one_label() {
        assert_eq!(method_label(&axum::http::Method::POST), "POST");
        let odd = axum::http::Method::from_bytes(b"BREW").unwrap_or_default();
        assert_eq!(method_label(&odd), "other");
    }
}
