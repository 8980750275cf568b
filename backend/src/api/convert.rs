//! `POST /api/v1/convert`: the server-side fallback for files too large for the browser, and
//! the entry point for programs.
//!
//! What bounds it, in order:
//! 1. an announced `Content-Length` over the cap is refused (413) before anything is read;
//! 2. one client (keyed as the rate limits are) has at most `--uploads-per-client` requests
//!    in flight, the rest get 429 before their body is read;
//! 3. admission: at most `workers + queue` requests hold a body at once, the rest get 503
//!    `busy` before their body is read;
//! 4. the body is read under the cap (413 at the first chunk past it), the memory budget
//!    counted from the bytes that really arrive (503 `busy`), the body timeout and, after a
//!    grace period, a minimum average rate (408);
//! 5. the conversion waits for one of `workers` permits and runs on the blocking pool, the
//!    whole bounded by the conversion timeout (503). The permits move into the blocking task:
//!    a conversion whose request timed out keeps its slot and its memory counted until the
//!    engine really returns, so timed-out work cannot pile up beyond the limits;
//! 6. the XML answer keeps the admission slot, the client's slot and a memory reservation
//!    sized to it until it is sent, within the send timeout: a client that does not read its
//!    answer cannot make the server hold answers beyond the budget.
//!
//! Nothing touches the disk: the file and the XML live in memory only.

use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRef, Query, Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use converter::{CancelToken, Conversion, ConvertError, Limits, Options};
use serde::{Deserialize, Serialize};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant as Deadline;

use crate::api::filename;
use crate::api::licence_gate;
use crate::api::upload::{
    self, Capped, ClientSlot, Pace, PerClient, Received, Reservation, UploadError,
};
use crate::client_ip::ClientKey;
use crate::config::Config;
use crate::connections::{Connection, SendDeadline};
use crate::licensing::Licensing;
use crate::metrics;
use crate::problem::Problem;
use crate::rate_limit::RateLimits;
use crate::storage::{CountBuffer, Origin};

/// What a client waits before trying again when the server is full: about one conversion.
const BUSY_RETRY_AFTER: Duration = Duration::from_secs(2);

/// The slots a conversion takes, shared by all requests: one of the requests that may hold a
/// body (workers plus queue), KiB of the upload memory, one of its client's uploads in flight,
/// and a worker on the blocking pool.
#[derive(Debug, Clone)]
pub struct ConversionSlots {
    workers: usize,
    admission: Arc<Semaphore>,
    upload_memory: Arc<Semaphore>,
    conversions: Arc<Semaphore>,
    client_key: ClientKey,
    per_client: Arc<PerClient>,
}

impl ConversionSlots {
    /// The slots `config` allows, clients told apart by `client_key` (as the rate limits).
    pub fn new(config: &Config, client_key: ClientKey) -> Self {
        let workers = config.workers();
        let budget_kib = upload::kib(config.convert_memory_bytes) as usize;
        Self {
            workers,
            admission: Arc::new(Semaphore::new(workers.saturating_add(config.convert_queue))),
            upload_memory: Arc::new(Semaphore::new(budget_kib.min(Semaphore::MAX_PERMITS))),
            conversions: Arc::new(Semaphore::new(workers)),
            client_key,
            per_client: PerClient::new(config.uploads_per_client),
        }
    }

    /// Waits until no conversion runs, including ones whose request already timed out, for at
    /// most `limit`; says whether they all ended.
    pub async fn all_finished(&self, limit: Duration) -> bool {
        let all = u32::try_from(self.workers).unwrap_or(u32::MAX);
        matches!(
            tokio::time::timeout(limit, self.conversions.acquire_many(all)).await,
            Ok(Ok(_))
        )
    }
}

/// `POST /api/v1/convert`, under the conversion quota and, when `licensing` is set (payments
/// configured), the Pro gate.
pub fn routes<S>(limits: &RateLimits, licensing: Option<Arc<Licensing>>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Config>: FromRef<S>,
    Arc<CountBuffer>: FromRef<S>,
    ConversionSlots: FromRef<S>,
{
    Router::new()
        .route("/api/v1/convert", post(convert))
        .route_layer(from_fn_with_state(licensing, licence_gate::require_pro))
        .route_layer(limits.convert_layer())
}

/// The query string.
#[derive(Debug, Default, Deserialize)]
pub struct ConvertQuery {
    /// The original file name, for the download's name.
    name: Option<String>,
    /// `xml` (default) or `summary`.
    #[serde(default)]
    format: Format,
}

/// What the answer carries.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Format {
    /// The MSPDI document.
    #[default]
    Xml,
    /// The summary as JSON.
    Summary,
}

/// The `?format=summary` answer.
#[derive(Debug, Serialize)]
struct SummaryBody<'a> {
    version: String,
    template: bool,
    application: &'a str,
    tasks: usize,
    resources: usize,
    assignments: usize,
    calendars: usize,
    warnings: &'a [String],
}

/// The handler.
pub async fn convert(
    State(config): State<Arc<Config>>,
    State(counts): State<Arc<CountBuffer>>,
    State(slots): State<ConversionSlots>,
    query: Result<Query<ConvertQuery>, QueryRejection>,
    request: Request,
) -> Response {
    match handle(&config, counts, &slots, query, request).await {
        Ok(response) => response,
        Err(problem) => problem.into_response(),
    }
}

async fn handle(
    config: &Config,
    counts: Arc<CountBuffer>,
    slots: &ConversionSlots,
    query: Result<Query<ConvertQuery>, QueryRejection>,
    request: Request,
) -> Result<Response, Problem> {
    let Query(query) = query.map_err(|rejection| {
        Problem::bad_request(format!(
            "the query string cannot be read ({}); use ?name=<file name>&format=xml|summary",
            rejection.body_text()
        ))
    })?;
    let cap = config.upload_max_bytes;
    let kind = body_kind(request.headers())?;
    let announced = announced_length(request.headers())?;
    if announced.is_some_and(|length| length > cap) {
        return Err(Problem::too_large(cap));
    }
    let client = slots.client_key.key_of(&request);
    let client_slot = slots
        .per_client
        .try_start(client)
        .ok_or_else(|| too_many_uploads(slots.per_client.limit()))?;
    let admission = slots
        .admission
        .clone()
        .try_acquire_owned()
        .map_err(|_| busy())?;
    let connection = request.extensions().get::<Arc<Connection>>().cloned();
    let reservation = Reservation::on(slots.upload_memory.clone());
    let body = Capped::new(request.into_body(), cap);
    let progress = body.progress();
    let reading = async {
        match kind {
            BodyKind::Raw => upload::read_raw(body, announced, reservation).await,
            BodyKind::Multipart(boundary) => {
                upload::read_multipart(body, boundary, reservation).await
            }
        }
    };
    let received = upload::paced(reading, &progress, Pace::from_config(config))
        .await
        .map_err(Problem::from)?;
    if received.bytes.is_empty() {
        return Err(Problem::bad_request(
            "the request carries no file: send the .mpp as the body or as a multipart part named \"file\"",
        ));
    }
    let stem = filename::stem(query.name.as_deref().or(received.file_name.as_deref()));
    let deadline = Deadline::now() + config.convert_timeout();
    let worker = tokio::time::timeout_at(deadline, slots.conversions.clone().acquire_owned())
        .await
        .map_err(|_| {
            Problem::busy(
                "every converter stayed busy while this file waited; try again shortly",
                BUSY_RETRY_AFTER,
            )
        })?
        .map_err(|_| Problem::internal())?;
    let limits = Limits {
        max_input_bytes: usize::try_from(cap).unwrap_or(usize::MAX),
        ..Limits::default()
    };
    let cancel = CancelToken::new();
    let job_cancel = cancel.clone();
    let job = tokio::task::spawn_blocking(move || {
        // Held until the engine returns, even when the request has given up waiting; the
        // admission slot and the memory go on to the answer.
        let _worker = worker;
        let (result, reservation) = run_conversion(&counts, received, limits, job_cancel);
        (result, reservation, admission)
    });
    let (result, mut reservation, admission) = match tokio::time::timeout_at(deadline, job).await {
        Err(_) => {
            // The engine checks the token in every loop, so the worker and its memory are
            // released within moments instead of running on for a client that got 503.
            cancel.cancel();
            return Err(Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "Conversion timed out",
                format!(
                    "the conversion took longer than the server allows ({} s)",
                    config.convert_timeout().as_secs()
                ),
            ));
        }
        Ok(Err(error)) => {
            tracing::error!(%error, "the conversion task failed");
            return Err(Problem::internal());
        }
        Ok(Ok(done)) => done,
    };
    let conversion = result?;
    if query.format == Format::Summary {
        return Ok(summary_response(&conversion));
    }
    // The input is gone; the answer takes its place in the budget until it is sent.
    let whole_budget = upload::kib(config.convert_memory_bytes);
    tokio::time::timeout_at(
        deadline,
        reservation.resize(conversion.xml.len() as u64, whole_budget),
    )
    .await
    .map_err(|_| {
        Problem::busy(
            "the server is sending as many answers as it can hold; try again shortly",
            BUSY_RETRY_AFTER,
        )
    })?;
    let held = Held {
        _admission: admission,
        _client: client_slot,
        _memory: reservation,
        _deadline: connection.map(|c| c.send_deadline(Deadline::now() + config.send_timeout())),
    };
    Ok(xml_response(conversion, &stem, held))
}

/// Converts on the blocking pool, and counts the conversion however it ends.
fn run_conversion(
    counts: &CountBuffer,
    received: Received,
    limits: Limits,
    cancel: CancelToken,
) -> (Result<Conversion, Problem>, Reservation) {
    let Received {
        bytes, reservation, ..
    } = received;
    let _in_flight = metrics::InFlight::start();
    let started = Instant::now();
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        converter::convert(
            &bytes,
            &mut Options {
                limits,
                progress: None,
                cancel: Some(cancel),
            },
        )
    }));
    let seconds = started.elapsed().as_secs_f64();
    let size = bytes.len() as u64;
    drop(bytes);
    let (label, version, result) = match outcome {
        Ok(Ok(conversion)) => {
            let version = version_label(&conversion);
            ("ok", version, Ok(conversion))
        }
        Ok(Err(error)) => (
            error.kind(),
            "unknown".to_owned(),
            Err(Problem::from(&error)),
        ),
        Err(_) => {
            tracing::error!(bytes = size, "the engine panicked on a file");
            ("internal", "unknown".to_owned(), Err(Problem::internal()))
        }
    };
    metrics::record_conversion(Origin::Server.as_str(), label, &version, seconds);
    metrics::record_input_bytes(Origin::Server.as_str(), size);
    counts.add(Origin::Server, label, &version, size);
    (result, reservation)
}

/// `MPP9`, `MPP12`, …
fn version_label(conversion: &Conversion) -> String {
    format!("MPP{}", conversion.summary.format.number())
}

/// 422 with the engine's sentence and kind.
/// A file the engine cannot convert: 422 with the engine's sentence and its error kind.
impl From<&ConvertError> for Problem {
    fn from(error: &ConvertError) -> Self {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unreadable",
            "File cannot be converted",
            error.to_string(),
        )
        .with("kind", error.kind())
    }
}

fn busy() -> Problem {
    Problem::busy(
        "the server is converting as many files as it can; try again shortly",
        BUSY_RETRY_AFTER,
    )
}

fn too_many_uploads(limit: usize) -> Problem {
    Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "Too many uploads",
        format!(
            "this client already has {limit} conversions in flight, the most the server takes \
             from one client; wait for one to finish"
        ),
    )
    .retry_after(BUSY_RETRY_AFTER)
    .closing()
}

fn too_slow(rate: u64, min_rate: u64) -> Problem {
    Problem::new(
        StatusCode::REQUEST_TIMEOUT,
        "timeout",
        "Upload too slow",
        format!(
            "the file arrived at {rate} bytes/s on average, below the {min_rate} bytes/s the \
             server requires; try a faster connection"
        ),
    )
    .closing()
}

fn body_timeout(limit: Duration) -> Problem {
    Problem::new(
        StatusCode::REQUEST_TIMEOUT,
        "timeout",
        "Upload too slow",
        format!(
            "the file did not arrive within {} s; try a faster connection",
            limit.as_secs()
        ),
    )
    .closing()
}

/// An upload that failed, as the conversion route answers it (the small bodies of telemetry
/// and webhooks are answered in their own words).
impl From<UploadError> for Problem {
    fn from(error: UploadError) -> Self {
        match error {
            UploadError::TooLarge(cap) => Problem::too_large(cap),
            UploadError::Busy => busy().closing(),
            UploadError::Interrupted(reason) => {
                Problem::bad_request(format!("the upload was interrupted: {reason}")).closing()
            }
            UploadError::TimedOut(limit) => body_timeout(limit),
            UploadError::TooSlow { rate, min_rate } => too_slow(rate, min_rate),
            error @ (UploadError::Multipart(_) | UploadError::NoFilePart) => {
                Problem::bad_request(format!("{error}; send the .mpp as a part named \"file\""))
                    .closing()
            }
        }
    }
}

/// How the body carries the file.
enum BodyKind {
    /// The body is the file.
    Raw,
    /// `multipart/form-data` with this boundary.
    Multipart(String),
}

fn body_kind(headers: &HeaderMap) -> Result<BodyKind, Problem> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Ok(BodyKind::Raw);
    };
    let text = value.to_str().unwrap_or_default();
    let essence = text
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "multipart/form-data" {
        multer::parse_boundary(text)
            .map(BodyKind::Multipart)
            .map_err(|_| Problem::bad_request("the multipart/form-data body has no boundary"))
    } else if essence.starts_with("multipart/") {
        Err(Problem::unsupported_media_type(format!(
            "{essence} is not accepted: send the file as the body or as multipart/form-data"
        )))
    } else {
        Ok(BodyKind::Raw)
    }
}

fn announced_length(headers: &HeaderMap) -> Result<Option<u64>, Problem> {
    headers
        .get(CONTENT_LENGTH)
        .map(|value| {
            value
                .to_str()
                .ok()
                .and_then(|text| text.trim().parse::<u64>().ok())
                .ok_or_else(|| Problem::bad_request("the Content-Length header is not a number"))
        })
        .transpose()
}

fn summary_response(conversion: &Conversion) -> Response {
    let summary = &conversion.summary;
    let body = SummaryBody {
        version: version_label(conversion),
        template: summary.template,
        application: &summary.application,
        tasks: summary.tasks,
        resources: summary.resources,
        assignments: summary.assignments,
        calendars: summary.calendars,
        warnings: &conversion.warnings,
    };
    axum::Json(body).into_response()
}

fn xml_response(conversion: Conversion, stem: &str, held: Held) -> Response {
    let summary = &conversion.summary;
    let headers = [
        (
            CONTENT_TYPE,
            HeaderValue::from_static("application/xml; charset=utf-8"),
        ),
        (CONTENT_DISPOSITION, filename::content_disposition(stem)),
    ];
    let counts = [
        ("x-mpp-version", version_label(&conversion)),
        ("x-mpp-template", summary.template.to_string()),
        ("x-mpp-tasks", summary.tasks.to_string()),
        ("x-mpp-resources", summary.resources.to_string()),
        ("x-mpp-assignments", summary.assignments.to_string()),
        ("x-mpp-calendars", summary.calendars.to_string()),
    ];
    // The page reads this one typed header; the others stay for curl users (README).
    let typed = protocol::server::summary_header(&page_summary(&conversion));
    let body = Sending::new(Bytes::from(conversion.xml), held);
    let mut response = (headers, Body::new(body)).into_response();
    let typed = (protocol::SUMMARY_HEADER, typed);
    for (name, value) in counts.into_iter().chain([typed]) {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// What was read, as the page's protocol types it.
fn page_summary(conversion: &Conversion) -> protocol::Summary {
    let summary = &conversion.summary;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    protocol::Summary {
        format: version_label(conversion),
        application: summary.application.clone(),
        template: summary.template,
        tasks: count(summary.tasks),
        resources: count(summary.resources),
        assignments: count(summary.assignments),
        calendars: count(summary.calendars),
    }
}

/// What an XML answer keeps until it is sent: dropped with the body, when the last byte has
/// been handed to the connection or the connection is gone.
#[derive(Debug)]
struct Held {
    _admission: OwnedSemaphorePermit,
    _client: ClientSlot,
    _memory: Reservation,
    /// Drops the connection if the answer is not sent in time, whether hyper still asks the
    /// body for bytes or waits on a client that reads nothing (absent when the router is
    /// driven without a socket).
    _deadline: Option<SendDeadline>,
}

/// The bytes hyper asks for at once: it asks again only once what it has is written, so the
/// body learns how far the client has read and holds the slots until the end.
const SEND_CHUNK: usize = 256 << 10;

/// An XML answer, handed out in chunks, holding [`Held`] (and with it the send deadline)
/// until the last one.
struct Sending {
    data: Bytes,
    held: Option<Held>,
}

impl Sending {
    fn new(data: Bytes, held: Held) -> Self {
        Self {
            data,
            held: Some(held),
        }
    }
}

impl hyper::body::Body for Sending {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        if self.data.is_empty() {
            self.held = None;
            return Poll::Ready(None);
        }
        let length = self.data.len().min(SEND_CHUNK);
        let chunk = self.data.split_to(length);
        Poll::Ready(Some(Ok(hyper::body::Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_empty()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.data.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn with_type(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn the_body_kind_follows_the_content_type() {
        assert!(matches!(body_kind(&HeaderMap::new()), Ok(BodyKind::Raw)));
        assert!(matches!(
            body_kind(&with_type("application/octet-stream")),
            Ok(BodyKind::Raw)
        ));
        assert!(matches!(
            body_kind(&with_type("Multipart/Form-Data; boundary=abc")),
            Ok(BodyKind::Multipart(b)) if b == "abc"
        ));
        assert_eq!(
            body_kind(&with_type("multipart/form-data"))
                .err()
                .unwrap()
                .status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            body_kind(&with_type("multipart/mixed; boundary=x"))
                .err()
                .unwrap()
                .status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
    }

    #[test]
    fn an_engine_error_is_unreadable_with_its_sentence_and_kind() {
        let error = ConvertError::PasswordProtected;
        let json = Problem::from(&error).to_json();
        assert_eq!(json["status"], 422);
        assert_eq!(json["code"], "unreadable");
        assert_eq!(json["kind"], "password_protected");
        assert_eq!(json["detail"], error.to_string());
    }

    #[tokio::test]
    async fn an_answer_holds_its_slots_until_its_last_byte() {
        use http_body_util::BodyExt as _;
        use tokio::sync::Semaphore;

        let admission = Arc::new(Semaphore::new(1));
        let memory = Arc::new(Semaphore::new(1000));
        let clients = upload::PerClient::new(1);
        let client: std::net::IpAddr = "192.0.2.1".parse().unwrap();
        let hold = || {
            let mut reservation = Reservation::on(Arc::clone(&memory));
            reservation.cover(600 * 1024, 1 << 30).unwrap();
            Held {
                _admission: Arc::clone(&admission).try_acquire_owned().unwrap(),
                _client: clients.try_start(client).unwrap(),
                _memory: reservation,
                _deadline: None,
            }
        };
        let xml = Bytes::from(vec![b'x'; 600 * 1024]);
        let mut body = Sending::new(xml.clone(), hold());
        let mut sent = 0;
        while sent < xml.len() {
            let frame = body.frame().await.unwrap().unwrap();
            sent += frame.into_data().unwrap().len();
            assert_eq!(admission.available_permits(), 0, "released before the end");
            assert_eq!(memory.available_permits(), 400);
        }
        assert!(body.frame().await.is_none());
        assert_eq!(admission.available_permits(), 1);
        assert_eq!(memory.available_permits(), 1000);
        assert!(clients.try_start(client).is_some());
    }
}
