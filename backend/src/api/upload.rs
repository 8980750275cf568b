//! Receiving a request body under a size cap and a memory budget, without trusting the client.
//!
//! The body is counted as it arrives and reading stops at the first chunk past the cap, so a
//! client announcing nothing (chunked) or lying cannot make the server read more than the cap
//! plus one chunk. The bytes held by all uploads together are drawn from one budget (a
//! semaphore counted in KiB): an upload that would overdraw it is refused as `busy` rather
//! than letting memory grow with the number of clients.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::body::{Body, BodyDataStream};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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
        match &mut self.permit {
            Some(held) => held.merge(permit),
            None => self.permit = Some(permit),
        }
        self.kib = target;
        Ok(())
    }
}

/// `bytes` in KiB, rounded up (saturating: no budget is 4 TiB).
pub fn kib(bytes: u64) -> u32 {
    u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX)
}

/// The body's data, stopped with an error at the first chunk past the cap; after an error
/// it ends without reading further.
pub struct Capped {
    inner: BodyDataStream,
    received: u64,
    cap: u64,
    finished: bool,
}

impl Capped {
    /// Reads `body` up to `cap` bytes.
    pub fn new(body: Body, cap: u64) -> Self {
        Self {
            inner: body.into_data_stream(),
            received: 0,
            cap,
            finished: false,
        }
    }

    /// The bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
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
                this.received = this.received.saturating_add(chunk.len() as u64);
                if this.received > this.cap {
                    Some(Err(UploadError::TooLarge(this.cap)))
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

/// Reads the whole body as the file, growing `reservation` with it; `expected` (the
/// announced length, already checked against the cap and reserved) sizes the buffer once.
pub async fn read_raw(
    mut body: Capped,
    expected: Option<u64>,
    mut reservation: Reservation,
) -> Result<Received, UploadError> {
    let cap = body.cap;
    let capacity = expected.map_or(0, |n| n.min(cap));
    let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        reservation.cover(bytes.len() as u64 + chunk.len() as u64, cap)?;
        bytes.extend_from_slice(&chunk);
    }
    Ok(Received {
        bytes,
        file_name: None,
        reservation,
    })
}

/// Reads the part named `file` of a `multipart/form-data` body with `boundary`, growing
/// `reservation` with it; other parts are skipped, and what follows the file part is not
/// read.
pub async fn read_multipart(
    body: Capped,
    boundary: String,
    mut reservation: Reservation,
) -> Result<Received, UploadError> {
    let cap = body.cap;
    let mut multipart = multer::Multipart::new(body, boundary);
    while let Some(mut field) = multipart.next_field().await.map_err(upload_error)? {
        if field.name() != Some("file") {
            continue;
        }
        let file_name = field.file_name().map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(upload_error)? {
            reservation.cover(bytes.len() as u64 + chunk.len() as u64, cap)?;
            bytes.extend_from_slice(&chunk);
        }
        return Ok(Received {
            bytes,
            file_name,
            reservation,
        });
    }
    Err(UploadError::NoFilePart)
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
}
