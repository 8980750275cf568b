//! Receiving a request body under a size cap, a memory budget and a minimum pace, without
//! trusting the client.
//!
//! The body is counted as it arrives and reading stops at the first chunk past the cap, so a
//! client announcing nothing (chunked) or lying cannot make the server read more than the cap
//! plus one chunk. The memory held by all uploads together is drawn from one budget (a
//! semaphore counted in KiB) as the bytes really arrive, never from what `Content-Length`
//! announces: a client that announces 64 MiB and sends nothing holds nothing. What is counted
//! is what is allocated: the capacity of the buffer the file goes into, plus every byte
//! received and not yet in it (multipart preambles, part headers, other parts, whatever the
//! multipart parser buffers). An upload that would overdraw the budget is refused as `busy`
//! rather than letting memory grow with the number of clients.
//!
//! [`paced`] bounds the time a body may take, and after a grace period its average rate, so
//! a client dribbling bytes cannot hold an admission slot for the whole body timeout.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::{Body, BodyDataStream};
use axum::http::StatusCode;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::problem::Problem;

/// Why a body could not be received.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UploadError {
    /// More than the cap arrived (or was announced).
    #[error("the body is larger than {0} bytes")]
    TooLarge(u64),
    /// The memory budget for uploads is spent.
    #[error("the server is holding as many uploads as it can")]
    Busy,
    /// The connection failed or was closed mid-body.
    #[error("the upload was interrupted: {0}")]
    Interrupted(String),
    /// A multipart body that cannot be read.
    #[error("the multipart body cannot be read: {0}")]
    Multipart(String),
    /// A multipart body without a part named `file`.
    #[error("the multipart body has no part named \"file\"")]
    NoFilePart,
    /// The whole body did not arrive within the body timeout.
    #[error("the body did not arrive within {} s", .0.as_secs())]
    TimedOut(Duration),
    /// After the grace period, the body arrived slower on average than the minimum rate.
    #[error(
        "the body arrived at {rate} bytes/s on average, below the minimum of {min_rate} bytes/s"
    )]
    TooSlow {
        /// The average so far, bytes per second.
        rate: u64,
        /// The minimum, bytes per second.
        min_rate: u64,
    },
}

/// A share of the upload memory budget, held as long as the bytes it covers are.
#[derive(Debug)]
pub struct Reservation {
    semaphore: Option<Arc<Semaphore>>,
    permit: Option<OwnedSemaphorePermit>,
    kib: u32,
}

/// The smallest step a reservation grows by, so a stream of small chunks does not touch the
/// semaphore for each one.
const GROWTH_KIB: u32 = 256;
/// The first allocation of a file's buffer, so small chunks do not reallocate each time.
const FIRST_CAPACITY: u64 = 64 << 10;

impl Reservation {
    /// A reservation drawing on `budget` (permits are KiB).
    pub fn on(budget: Arc<Semaphore>) -> Self {
        Self {
            semaphore: Some(budget),
            permit: None,
            kib: 0,
        }
    }

    /// No budget: for small bodies bounded by their cap alone.
    pub fn unbudgeted() -> Self {
        Self {
            semaphore: None,
            permit: None,
            kib: 0,
        }
    }

    /// The KiB held.
    #[cfg(test)]
    pub fn kib(&self) -> u32 {
        self.kib
    }

    /// Makes the reservation cover `bytes`, growing by at least [`GROWTH_KIB`] but never
    /// beyond `ceiling` bytes; fails when the budget has not that much left.
    pub fn cover(&mut self, bytes: u64, ceiling: u64) -> Result<(), UploadError> {
        let Some(semaphore) = &self.semaphore else {
            return Ok(());
        };
        let needed = kib(bytes);
        if needed <= self.kib {
            return Ok(());
        }
        let target = needed
            .max(self.kib.saturating_add(GROWTH_KIB))
            .min(kib(ceiling).max(needed));
        let extra = target - self.kib;
        let permit = Arc::clone(semaphore)
            .try_acquire_many_owned(extra)
            .map_err(|_| UploadError::Busy)?;
        self.add(permit, target);
        Ok(())
    }

    /// Makes the reservation exactly `bytes` (at most `ceiling_kib`, the whole budget, so a
    /// share larger than the budget is still granted once everything else is returned):
    /// gives back what is over, and waits for the budget to cover what is missing. Whoever
    /// cannot wait wraps this in a timeout.
    pub async fn resize(&mut self, bytes: u64, ceiling_kib: u32) {
        let Some(semaphore) = &self.semaphore else {
            return;
        };
        let target = kib(bytes).min(ceiling_kib);
        if target < self.kib {
            let over = (self.kib - target) as usize;
            if let Some(permit) = &mut self.permit {
                drop(permit.split(over));
            }
            self.kib = target;
        } else if target > self.kib {
            let semaphore = Arc::clone(semaphore);
            if let Ok(permit) = semaphore.acquire_many_owned(target - self.kib).await {
                self.add(permit, target);
            }
        }
    }

    fn add(&mut self, permit: OwnedSemaphorePermit, target: u32) {
        match &mut self.permit {
            Some(held) => held.merge(permit),
            None => self.permit = Some(permit),
        }
        self.kib = target;
    }
}

/// `bytes` in KiB, rounded up (saturating: no budget is 4 TiB).
pub fn kib(bytes: u64) -> u32 {
    u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX)
}

/// What one body holds: the bytes received from the wire and not yet copied into the file's
/// buffer, plus that buffer's capacity, kept covered by the reservation.
#[derive(Debug)]
struct Ledger {
    account: Mutex<Account>,
}

#[derive(Debug)]
struct Account {
    reservation: Reservation,
    received: u64,
    delivered: u64,
    capacity: u64,
    ceiling: u64,
}

impl Account {
    fn cover(&mut self) -> Result<(), UploadError> {
        let held = self.received.saturating_sub(self.delivered) + self.capacity;
        self.reservation.cover(held, self.ceiling)
    }
}

impl Ledger {
    fn new(reservation: Reservation, ceiling: u64) -> Arc<Self> {
        Arc::new(Self {
            account: Mutex::new(Account {
                reservation,
                received: 0,
                delivered: 0,
                capacity: 0,
                ceiling,
            }),
        })
    }

    fn account(&self) -> std::sync::MutexGuard<'_, Account> {
        // A panic while the lock was held leaves plain numbers behind: still usable.
        self.account
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `bytes` more came from the wire.
    fn arrived(&self, bytes: u64) -> Result<(), UploadError> {
        let mut account = self.account();
        account.received = account.received.saturating_add(bytes);
        account.cover()
    }

    /// Appends `chunk` to `file`, first growing its buffer (at most to `limit` bytes unless
    /// more is needed) with the reservation covering the new capacity.
    fn deliver(&self, file: &mut Vec<u8>, chunk: &[u8], limit: u64) -> Result<(), UploadError> {
        let needed = file.len() + chunk.len();
        let mut account = self.account();
        if needed > file.capacity() {
            let current = file.capacity() as u64;
            let target = (needed as u64)
                .max(current.saturating_mul(2))
                .max(FIRST_CAPACITY)
                .min(limit.max(needed as u64));
            // The chunk counts as in the buffer from here: it is copied, then dropped.
            account.delivered += chunk.len() as u64;
            account.capacity = target;
            account.cover()?;
            let target = usize::try_from(target).unwrap_or(needed);
            file.reserve_exact(target - file.len());
            account.capacity = file.capacity() as u64;
            account.cover()?;
        } else {
            account.delivered += chunk.len() as u64;
        }
        file.extend_from_slice(chunk);
        Ok(())
    }

    fn into_reservation(self: Arc<Self>) -> Reservation {
        let mut account = self.account();
        std::mem::replace(&mut account.reservation, Reservation::unbudgeted())
    }
}

/// The bytes a body has delivered so far, shared with whoever watches its pace.
#[derive(Debug, Clone, Default)]
pub struct Progress(Arc<AtomicU64>);

impl Progress {
    /// The bytes received so far.
    pub fn received(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The body's data, stopped with an error at the first chunk past the cap (or past the memory
/// budget, once a reader attaches its ledger); after an error it ends without reading further.
pub struct Capped {
    inner: BodyDataStream,
    received: u64,
    cap: u64,
    finished: bool,
    progress: Progress,
    ledger: Option<Arc<Ledger>>,
}

impl Capped {
    /// Reads `body` up to `cap` bytes.
    pub fn new(body: Body, cap: u64) -> Self {
        Self {
            inner: body.into_data_stream(),
            received: 0,
            cap,
            finished: false,
            progress: Progress::default(),
            ledger: None,
        }
    }

    /// The bytes received so far.
    #[cfg(test)]
    pub fn received(&self) -> u64 {
        self.received
    }

    /// A handle on the bytes received, for [`paced`].
    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }
}

impl Stream for Capped {
    type Item = Result<Bytes, UploadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.finished {
            return Poll::Ready(None);
        }
        let item = match ready!(Pin::new(&mut this.inner).poll_next(cx)) {
            None => None,
            Some(Err(error)) => Some(Err(UploadError::Interrupted(error.to_string()))),
            Some(Ok(chunk)) => {
                let length = chunk.len() as u64;
                this.received = this.received.saturating_add(length);
                this.progress.0.store(this.received, Ordering::Relaxed);
                if this.received > this.cap {
                    Some(Err(UploadError::TooLarge(this.cap)))
                } else if let Some(Err(error)) =
                    this.ledger.as_ref().map(|ledger| ledger.arrived(length))
                {
                    Some(Err(error))
                } else {
                    Some(Ok(chunk))
                }
            }
        };
        if !matches!(item, Some(Ok(_))) {
            this.finished = true;
        }
        Poll::Ready(item)
    }
}

/// A received file and the memory reservation that covers it.
#[derive(Debug)]
pub struct Received {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The file name a multipart part gave, if any.
    pub file_name: Option<String>,
    /// Held as long as `bytes` is.
    pub reservation: Reservation,
}

/// Reads the whole body as the file, growing `reservation` with it as bytes arrive;
/// `expected` (the announced length) only bounds how far the buffer grows at once, it
/// allocates and reserves nothing by itself.
pub async fn read_raw(
    mut body: Capped,
    expected: Option<u64>,
    reservation: Reservation,
) -> Result<Received, UploadError> {
    let cap = body.cap;
    let ledger = Ledger::new(reservation, cap);
    body.ledger = Some(Arc::clone(&ledger));
    let limit = expected.map_or(cap, |n| n.min(cap));
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        ledger.deliver(&mut bytes, &chunk?, limit)?;
    }
    drop(body);
    Ok(Received {
        bytes,
        file_name: None,
        reservation: ledger.into_reservation(),
    })
}

/// Reads the part named `file` of a `multipart/form-data` body with `boundary`, growing
/// `reservation` with every byte received (preamble, headers and other parts included);
/// other parts are skipped, and what follows the file part is not read.
pub async fn read_multipart(
    mut body: Capped,
    boundary: String,
    reservation: Reservation,
) -> Result<Received, UploadError> {
    let cap = body.cap;
    let ledger = Ledger::new(reservation, cap);
    body.ledger = Some(Arc::clone(&ledger));
    let mut multipart = multer::Multipart::new(body, boundary);
    while let Some(mut field) = multipart.next_field().await.map_err(upload_error)? {
        if field.name() != Some("file") {
            continue;
        }
        let file_name = field.file_name().map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(upload_error)? {
            ledger.deliver(&mut bytes, &chunk, cap)?;
        }
        drop(field);
        drop(multipart);
        return Ok(Received {
            bytes,
            file_name,
            reservation: ledger.into_reservation(),
        });
    }
    Err(UploadError::NoFilePart)
}

/// How a small body that [`read_small`] could not read is answered, `what` naming it ("the
/// report", "the event"): 413 past its `cap`, 408 when it came too slowly, 400 otherwise.
/// The connection is closed, since the rest of the body may still be on its way.
pub fn small_body_problem(error: UploadError, cap: u64, what: &str) -> Problem {
    match error {
        UploadError::TooLarge(_) => Problem::too_large(cap),
        UploadError::TimedOut(_) | UploadError::TooSlow { .. } => Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "Body too slow",
            format!("{what} did not arrive in time: {error}"),
        ),
        other => Problem::bad_request(format!("{what} could not be read: {other}")),
    }
    .closing()
}

/// Reads a small body whole (`cap` bytes at most, no memory budget) at `pace`: for the
/// telemetry reports and the payment webhook, which must not be held open either.
pub async fn read_small(body: Body, cap: u64, pace: Pace) -> Result<Vec<u8>, UploadError> {
    let body = Capped::new(body, cap);
    let progress = body.progress();
    paced(
        read_raw(body, None, Reservation::unbudgeted()),
        &progress,
        pace,
    )
    .await
    .map(|received| received.bytes)
}

/// How long a body may take, and how slowly it may arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// The whole body within this.
    pub limit: Duration,
    /// Before this, any rate is accepted (connections start slowly).
    pub grace: Duration,
    /// After `grace`, the least average, bytes per second.
    pub min_rate: u64,
}

impl Pace {
    /// The pace the settings ask for.
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            limit: config.body_timeout(),
            grace: config.upload_grace(),
            min_rate: config.upload_min_rate,
        }
    }
}

/// How often a body's average rate is checked once the grace period is over.
const PACE_CHECK: Duration = Duration::from_millis(500);

/// Runs `reading` (which consumes the body whose `progress` is given) under `pace`.
pub async fn paced<T>(
    reading: impl Future<Output = Result<T, UploadError>>,
    progress: &Progress,
    pace: Pace,
) -> Result<T, UploadError> {
    let started = Instant::now();
    let deadline = tokio::time::sleep_until(started + pace.limit);
    let mut checks = tokio::time::interval_at(started + pace.grace, PACE_CHECK);
    checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(reading, deadline);
    loop {
        tokio::select! {
            result = &mut reading => return result,
            () = &mut deadline => return Err(UploadError::TimedOut(pace.limit)),
            _ = checks.tick(), if pace.min_rate > 0 => {
                let seconds = started.elapsed().as_secs_f64();
                let received = progress.received();
                if (received as f64) < pace.min_rate as f64 * seconds {
                    return Err(UploadError::TooSlow {
                        rate: (received as f64 / seconds.max(1e-3)) as u64,
                        min_rate: pace.min_rate,
                    });
                }
            }
        }
    }
}

/// What multer reports, with our own stream errors recovered from inside it.
fn upload_error(error: multer::Error) -> UploadError {
    match error {
        multer::Error::StreamReadFailed(inner) => match inner.downcast::<UploadError>() {
            Ok(ours) => *ours,
            Err(other) => UploadError::Interrupted(other.to_string()),
        },
        other => UploadError::Multipart(other.to_string()),
    }
}

/// The uploads each client has in flight, so one client cannot take every admission slot.
#[derive(Debug)]
pub struct PerClient {
    limit: usize,
    counts: Mutex<HashMap<IpAddr, usize>>,
}

impl PerClient {
    /// At most `limit` uploads per client.
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            limit,
            counts: Mutex::new(HashMap::new()),
        })
    }

    /// The most uploads one client may have in flight.
    pub fn limit(&self) -> usize {
        self.limit
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A slot for one more upload of `client`, or `None` when it has all its slots in use.
    pub fn try_start(self: &Arc<Self>, client: IpAddr) -> Option<ClientSlot> {
        let mut counts = self.counts();
        let count = counts.entry(client).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(ClientSlot {
            owner: Arc::clone(self),
            client,
        })
    }
}

/// One upload of one client, given back when dropped.
#[derive(Debug)]
pub struct ClientSlot {
    owner: Arc<PerClient>,
    client: IpAddr,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut counts = self.owner.counts();
        if let Some(count) = counts.get_mut(&self.client) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn chunks(parts: &[&'static [u8]]) -> Body {
        let stream = futures_util::stream::iter(
            parts
                .iter()
                .map(|p| Ok::<_, std::io::Error>(Bytes::from_static(p)))
                .collect::<Vec<_>>(),
        );
        Body::from_stream(stream)
    }

    #[tokio::test]
    async fn a_body_within_the_cap_is_read_whole() {
        let body = Capped::new(chunks(&[b"abc", b"def"]), 6);
        let received = read_raw(body, Some(6), Reservation::unbudgeted())
            .await
            .unwrap();
        assert_eq!(received.bytes, b"abcdef");
    }

    #[test]
    fn small_bodies_are_refused_with_the_status_of_the_cause() {
        let answer = |error| {
            let problem = small_body_problem(error, 100, "the report");
            (problem.status().as_u16(), problem.code())
        };
        assert_eq!(answer(UploadError::TooLarge(100)), (413, "too_large"));
        assert_eq!(
            answer(UploadError::TimedOut(Duration::from_secs(5))),
            (408, "timeout")
        );
        assert_eq!(
            answer(UploadError::TooSlow {
                rate: 1,
                min_rate: 16
            }),
            (408, "timeout")
        );
        assert_eq!(
            answer(UploadError::Interrupted("reset".into())),
            (400, "bad_request")
        );
    }

    #[tokio::test]
    async fn reading_stops_at_the_first_chunk_past_the_cap() {
        let mut body = Capped::new(chunks(&[b"abc", b"def", b"ghi"]), 5);
        assert_eq!(body.next().await, Some(Ok(Bytes::from_static(b"abc"))));
        assert_eq!(body.next().await, Some(Err(UploadError::TooLarge(5))));
        assert_eq!(body.next().await, None);
        assert_eq!(body.received(), 6);
    }

    #[tokio::test]
    async fn the_memory_budget_is_shared_and_given_back() {
        let budget = Arc::new(Semaphore::new(2 * GROWTH_KIB as usize));
        let big = vec![0u8; 300 * 1024].leak();
        let first = read_raw(
            Capped::new(chunks(&[big]), 1 << 20),
            None,
            Reservation::on(Arc::clone(&budget)),
        )
        .await
        .unwrap();
        assert_eq!(budget.available_permits(), 2 * GROWTH_KIB as usize - 300);
        let second = read_raw(
            Capped::new(chunks(&[big]), 1 << 20),
            None,
            Reservation::on(Arc::clone(&budget)),
        )
        .await;
        assert_eq!(second.unwrap_err(), UploadError::Busy);
        drop(first);
        assert_eq!(budget.available_permits(), 2 * GROWTH_KIB as usize);
    }

    #[tokio::test]
    async fn the_file_part_of_a_multipart_body_is_found() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"Plan A.mpp\"\r\n\
                    Content-Type: application/octet-stream\r\n\r\nBYTES\r\n--XyZ--\r\n";
        let capped = Capped::new(Body::from(body), 1000);
        let received = read_multipart(capped, "XyZ".into(), Reservation::unbudgeted())
            .await
            .unwrap();
        assert_eq!(received.bytes, b"BYTES");
        assert_eq!(received.file_name.as_deref(), Some("Plan A.mpp"));
    }

    #[tokio::test]
    async fn multipart_errors_are_told_apart() {
        let no_file =
            "--XyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--XyZ--\r\n";
        let capped = Capped::new(Body::from(no_file), 1000);
        assert_eq!(
            read_multipart(capped, "XyZ".into(), Reservation::unbudgeted())
                .await
                .unwrap_err(),
            UploadError::NoFilePart
        );
        let big = format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n{}\r\n--XyZ--\r\n",
            "x".repeat(2000)
        );
        let capped = Capped::new(Body::from(big), 1000);
        assert_eq!(
            read_multipart(capped, "XyZ".into(), Reservation::unbudgeted())
                .await
                .unwrap_err(),
            UploadError::TooLarge(1000)
        );
        let capped = Capped::new(Body::from("not multipart at all"), 1000);
        assert!(matches!(
            read_multipart(capped, "XyZ".into(), Reservation::unbudgeted())
                .await
                .unwrap_err(),
            UploadError::Multipart(_)
        ));
    }

    #[tokio::test]
    async fn memory_is_counted_by_the_capacity_of_what_arrived_not_what_was_announced() {
        let budget = Arc::new(Semaphore::new(4096));
        // A 64 MiB announcement with 100 KiB sent: the buffer grows with the bytes.
        let chunk = vec![7u8; 10 * 1024].leak();
        let parts: Vec<&'static [u8]> = std::iter::repeat_n(&*chunk, 10).collect();
        let received = read_raw(
            Capped::new(chunks(&parts), 64 << 20),
            Some(64 << 20),
            Reservation::on(Arc::clone(&budget)),
        )
        .await
        .unwrap();
        assert_eq!(received.bytes.len(), 100 * 1024);
        let capacity_kib = kib(received.bytes.capacity() as u64);
        assert!(
            received.bytes.capacity() < 1 << 20,
            "the announcement was allocated"
        );
        assert!(received.reservation.kib() >= capacity_kib);
        assert_eq!(
            4096 - budget.available_permits(),
            received.reservation.kib() as usize
        );
        drop(received);
        assert_eq!(budget.available_permits(), 4096);
    }

    #[tokio::test]
    async fn a_multipart_preamble_and_part_headers_draw_on_the_budget() {
        let budget = Arc::new(Semaphore::new(300));
        // 400 KiB of preamble and of another part, then a tiny file part.
        let body = format!(
            "{}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n{}\r\n\
             --XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nBYTES\r\n--XyZ--\r\n",
            "p".repeat(200 * 1024),
            "n".repeat(200 * 1024),
        );
        let error = read_multipart(
            Capped::new(Body::from(body.clone()), 1 << 20),
            "XyZ".into(),
            Reservation::on(Arc::clone(&budget)),
        )
        .await
        .unwrap_err();
        assert_eq!(error, UploadError::Busy);
        assert_eq!(budget.available_permits(), 300);
        let roomy = Arc::new(Semaphore::new(1024));
        let received = read_multipart(
            Capped::new(Body::from(body), 1 << 20),
            "XyZ".into(),
            Reservation::on(Arc::clone(&roomy)),
        )
        .await
        .unwrap();
        assert_eq!(received.bytes, b"BYTES");
        assert!(
            received.reservation.kib() >= 400,
            "{}",
            received.reservation.kib()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_does_not_come_is_refused_after_the_grace_period() {
        let pace = Pace {
            limit: Duration::from_secs(120),
            grace: Duration::from_secs(10),
            min_rate: 16 * 1024,
        };
        let silent =
            Body::from_stream(futures_util::stream::pending::<Result<Bytes, std::io::Error>>());
        let body = Capped::new(silent, 64 << 20);
        let progress = body.progress();
        let started = Instant::now();
        let error = paced(
            read_raw(body, Some(64 << 20), Reservation::unbudgeted()),
            &progress,
            pace,
        )
        .await
        .unwrap_err();
        assert_eq!(
            error,
            UploadError::TooSlow {
                rate: 0,
                min_rate: 16 * 1024
            }
        );
        assert!(started.elapsed() >= pace.grace);
        assert!(started.elapsed() < pace.grace + Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_at_the_minimum_rate_is_read_and_the_limit_still_holds() {
        // 32 KiB every second: twice the minimum, for 20 s.
        let steady = futures_util::stream::unfold(0u32, |sent| async move {
            if sent == 20 {
                return None;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            Some((
                Ok::<_, std::io::Error>(Bytes::from(vec![1u8; 32 * 1024])),
                sent + 1,
            ))
        });
        let pace = Pace {
            limit: Duration::from_secs(120),
            grace: Duration::from_secs(10),
            min_rate: 16 * 1024,
        };
        let body = Capped::new(Body::from_stream(steady), 64 << 20);
        let progress = body.progress();
        let received = paced(
            read_raw(body, None, Reservation::unbudgeted()),
            &progress,
            pace,
        )
        .await
        .unwrap();
        assert_eq!(received.bytes.len(), 20 * 32 * 1024);
        let short = Pace {
            limit: Duration::from_secs(5),
            ..pace
        };
        let silent =
            Body::from_stream(futures_util::stream::pending::<Result<Bytes, std::io::Error>>());
        let body = Capped::new(silent, 1000);
        let progress = body.progress();
        assert_eq!(
            paced(
                read_raw(body, None, Reservation::unbudgeted()),
                &progress,
                short
            )
            .await
            .unwrap_err(),
            UploadError::TimedOut(Duration::from_secs(5))
        );
    }

    #[test]
    fn each_client_has_its_own_few_slots() {
        let slots = PerClient::new(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = slots.try_start(a).unwrap();
        let _second = slots.try_start(a).unwrap();
        assert!(slots.try_start(a).is_none());
        let _other = slots.try_start(b).unwrap();
        drop(first);
        assert!(slots.try_start(a).is_some());
    }

    #[tokio::test]
    async fn a_reservation_is_resized_to_the_answer() {
        let budget = Arc::new(Semaphore::new(1000));
        let mut reservation = Reservation::on(Arc::clone(&budget));
        reservation.cover(300 * 1024, 1 << 20).unwrap();
        reservation.resize(100 * 1024, 1000).await;
        assert_eq!(reservation.kib(), 100);
        assert_eq!(budget.available_permits(), 900);
        reservation.resize(5000 * 1024, 1000).await;
        assert_eq!(reservation.kib(), 1000, "never more than the whole budget");
        assert_eq!(budget.available_permits(), 0);
        drop(reservation);
        assert_eq!(budget.available_permits(), 1000);
    }
}
