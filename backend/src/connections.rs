//! The server's own accept loop, in place of `axum::serve`, which has no timers: a client that
//! sends a request line and then a header byte now and then, or opens a connection and never
//! uses it, would hold a file descriptor for ever, and a graceful shutdown would wait for it.
//!
//! Each connection is served by hyper as HTTP/1.1 with:
//! - a header-read timeout (hyper's own, which also runs between two requests of a kept-alive
//!   connection);
//! - an idle timeout: a connection on which no byte moves in either direction while no request
//!   is being handled is dropped;
//! - a send deadline that a response body may set (see [`Connection::send_deadline`]): once
//!   it passes, the connection is dropped even if the client keeps reading a byte at a time;
//! - a cap on open connections: past it, new ones wait in the kernel's listen queue, and one
//!   line is logged (at most once a minute), not one per connection;
//! - on shutdown, requests in flight may finish within a deadline; connections still open
//!   after it are dropped.
//!
//! HTTP/2 in clear text (prior knowledge), which `axum::serve` also spoke, is not served: no
//! browser uses it, hyper has no header timeout for it, and a TLS-terminating proxy in front
//! speaks HTTP/1.1 or terminates HTTP/2 itself.
//!
//! Every request carries `ConnectInfo<SocketAddr>` (the peer, for the rate limits) and the
//! [`Connection`] it came on.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt as _;

/// How long the accept loop pauses after the system refused a new socket (out of file
/// descriptors), so it does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);
/// The cap-reached line is written at most this often.
const CAP_LOG_PERIOD: Duration = Duration::from_secs(60);
/// File descriptors kept apart from connections: the database, the listener, the app's files
/// being read, the standard streams.
const RESERVED_FDS: u64 = 64;

/// The timers and the cap of [`serve`].
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest wait for a request's headers.
    pub header_timeout: Duration,
    /// Longest time without a byte moving while no request is handled.
    pub idle_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
    /// Longest wait, on shutdown, for the connections to finish.
    pub shutdown_timeout: Duration,
}

/// How the serving ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// Connections still open at the shutdown deadline, dropped.
    pub dropped: usize,
}

/// `wanted` connections, or fewer when the open-file limit cannot hold them: the soft limit
/// is first raised to the hard one, since the default soft limit (often 1024) is far below
/// what a server needs and raising it needs no privilege.
pub fn bounded_by_fd_limit(wanted: usize) -> usize {
    let soft = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(soft) => soft,
        Err(error) => {
            tracing::warn!(%error, "cannot read or raise the open-file limit");
            return wanted;
        }
    };
    let room = usize::try_from(soft.saturating_sub(RESERVED_FDS).max(1)).unwrap_or(usize::MAX);
    if room < wanted {
        tracing::warn!(
            wanted,
            allowed = room,
            open_file_limit = soft,
            "--max-connections is above what the open-file limit allows; lowered"
        );
    }
    wanted.min(room)
}

/// Serves `router` on `listener` under `limits` until `shutdown` completes, then lets the
/// connections finish for at most `limits.shutdown_timeout` and drops the rest.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> Stopped {
    let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let builder = Arc::new(builder);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopping) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut cap_logged: Option<Instant> = None;
    let mut accept_error_logged: Option<Instant> = None;
    tokio::pin!(shutdown);
    loop {
        while tasks.try_join_next().is_some() {}
        let permit = match Arc::clone(&permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                ::metrics::counter!(crate::metrics::CONNECTION_CAP_REACHED).increment(1);
                if cap_logged.is_none_or(|at| at.elapsed() >= CAP_LOG_PERIOD) {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "the connection cap is reached: new connections wait in the listen \
                         queue until others close"
                    );
                    cap_logged = Some(Instant::now());
                }
                tokio::select! {
                    () = &mut shutdown => break,
                    permit = Arc::clone(&permits).acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => break,
                    },
                }
            }
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    if accept_error_logged.is_none_or(|at| at.elapsed() >= CAP_LOG_PERIOD) {
                        tracing::warn!(%error, "cannot accept a connection");
                        accept_error_logged = Some(Instant::now());
                    }
                    if is_resource_error(&error) {
                        tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    }
                    continue;
                }
            },
        };
        tasks.spawn(serve_connection(
            stream,
            peer,
            router.clone(),
            Arc::clone(&builder),
            limits.idle_timeout,
            stopping.clone(),
            permit,
        ));
    }
    drop(listener);
    // Every connection task holds a receiver; a failed send only means none is left.
    let _ = stop.send(true);
    let drained = tokio::time::timeout(limits.shutdown_timeout, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    let dropped = if drained.is_ok() { 0 } else { tasks.len() };
    if dropped > 0 {
        tracing::warn!(
            connections = dropped,
            seconds = limits.shutdown_timeout.as_secs_f64(),
            "the shutdown deadline passed: dropping the connections still open"
        );
        ::metrics::counter!(crate::metrics::CONNECTIONS_DROPPED, "reason" => "shutdown_deadline")
            .increment(dropped as u64);
        tasks.shutdown().await;
    }
    Stopped { dropped }
}

/// Errors after which accepting again at once would fail the same way.
fn is_resource_error(error: &io::Error) -> bool {
    // EMFILE, ENFILE, ENOBUFS, ENOMEM: the process or the system is out of something.
    matches!(error.raw_os_error(), Some(23 | 24 | 105 | 12))
}

/// One connection, from accept to close.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    builder: Arc<auto::Builder<TokioExecutor>>,
    idle_timeout: Duration,
    mut stopping: watch::Receiver<bool>,
    permit: OwnedSemaphorePermit,
) {
    let _permit = permit;
    let _open = Open::count();
    // Answers are small or sent whole; waiting for more to fill a packet only adds latency.
    let _ = stream.set_nodelay(true);
    let connection = Connection::new();
    let io = TokioIo::new(Tracked {
        inner: stream,
        connection: Arc::clone(&connection),
    });
    let handle = Arc::clone(&connection);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request.extensions_mut().insert(Arc::clone(&handle));
        let handling = Handling::start(&handle);
        let answer = router.clone().oneshot(request.map(Body::new));
        async move {
            let answer = answer.await;
            drop(handling);
            answer
        }
    });
    let serving = builder.serve_connection_with_upgrades(io, service);
    tokio::pin!(serving);
    let mut draining = false;
    loop {
        let wake = connection.next_check(idle_timeout);
        tokio::select! {
            result = serving.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%peer, %error, "connection ended with an error");
                }
                return;
            }
            changed = stopping.changed(), if !draining => {
                // A closed channel means the server is going away too.
                let _ = changed;
                draining = true;
                serving.as_mut().graceful_shutdown();
            }
            () = tokio::time::sleep_until(wake) => {
                if let Some(reason) = connection.expired(idle_timeout) {
                    tracing::debug!(%peer, reason, "dropping the connection");
                    ::metrics::counter!(crate::metrics::CONNECTIONS_DROPPED, "reason" => reason)
                        .increment(1);
                    return;
                }
            }
            () = connection.changed.notified() => {}
        }
    }
}

/// One connection counted in [`crate::metrics::CONNECTIONS_OPEN`] while it lives.
struct Open(());

impl Open {
    fn count() -> Self {
        ::metrics::gauge!(crate::metrics::CONNECTIONS_OPEN).increment(1.0);
        Self(())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        ::metrics::gauge!(crate::metrics::CONNECTIONS_OPEN).decrement(1.0);
    }
}

/// What one connection shares with the requests it carries: when a byte last moved, how many
/// requests are being handled, and the send deadlines of the answers being sent.
#[derive(Debug)]
pub struct Connection {
    opened: Instant,
    /// Milliseconds from `opened` to the last byte read or written.
    last_activity_ms: AtomicU64,
    handling: AtomicUsize,
    sends: Mutex<Vec<(u64, Instant)>>,
    next_send: AtomicU64,
    /// Woken when a send deadline is set, which may be sooner than the watchdog's next look.
    changed: Notify,
}

impl Connection {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            opened: Instant::now(),
            last_activity_ms: AtomicU64::new(0),
            handling: AtomicUsize::new(0),
            sends: Mutex::new(Vec::new()),
            next_send: AtomicU64::new(0),
            changed: Notify::new(),
        })
    }

    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_activity_ms.store(ms, Ordering::Relaxed);
    }

    fn last_activity(&self) -> Instant {
        self.opened + Duration::from_millis(self.last_activity_ms.load(Ordering::Relaxed))
    }

    fn earliest_send_deadline(&self) -> Option<Instant> {
        self.sends
            .lock()
            .map(|sends| sends.iter().map(|(_, at)| *at).min())
            .unwrap_or(None)
    }

    /// When to look at this connection again.
    fn next_check(&self, idle_timeout: Duration) -> Instant {
        let idle = if self.handling.load(Ordering::Relaxed) > 0 {
            Instant::now() + idle_timeout
        } else {
            self.last_activity() + idle_timeout
        };
        self.earliest_send_deadline()
            .map_or(idle, |send| send.min(idle))
    }

    /// Why the connection should be dropped now, if it should.
    fn expired(&self, idle_timeout: Duration) -> Option<&'static str> {
        let now = Instant::now();
        if self.earliest_send_deadline().is_some_and(|at| at <= now) {
            return Some("send_timeout");
        }
        if self.handling.load(Ordering::Relaxed) == 0
            && now.duration_since(self.last_activity()) >= idle_timeout
        {
            return Some("idle");
        }
        None
    }

    /// Drops the connection at `deadline` unless the returned guard is dropped first: an
    /// answer's body holds it while it is sent, so a client that reads too slowly (or not at
    /// all, when hyper never asks the body for more) cannot keep the answer's memory and slot.
    pub fn send_deadline(self: &Arc<Self>, deadline: Instant) -> SendDeadline {
        let id = self.next_send.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut sends) = self.sends.lock() {
            sends.push((id, deadline));
        }
        self.changed.notify_one();
        SendDeadline {
            connection: Arc::clone(self),
            id,
        }
    }
}

/// A send deadline, lifted when dropped.
#[derive(Debug)]
pub struct SendDeadline {
    connection: Arc<Connection>,
    id: u64,
}

impl Drop for SendDeadline {
    fn drop(&mut self) {
        if let Ok(mut sends) = self.connection.sends.lock() {
            sends.retain(|(id, _)| *id != self.id);
        }
    }
}

/// A request being handled: the connection is not idle meanwhile, however quiet.
struct Handling(Arc<Connection>);

impl Handling {
    fn start(connection: &Arc<Connection>) -> Self {
        connection.handling.fetch_add(1, Ordering::Relaxed);
        Self(Arc::clone(connection))
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        // No wake-up needed: the watchdog's next look sees the fresh activity and re-arms.
        self.0.handling.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

/// The socket, noting when bytes move.
struct Tracked {
    inner: TcpStream,
    connection: Arc<Connection>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.connection.touch();
        }
        result
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.connection.touch();
        }
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.connection.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_quiet_connection_expires_only_when_nothing_is_handled() {
        let connection = Connection::new();
        let idle = Duration::from_secs(5);
        assert_eq!(connection.expired(idle), None);
        let handling = Handling::start(&connection);
        tokio::time::advance(Duration::from_secs(6)).await;
        assert_eq!(connection.expired(idle), None, "a request is being handled");
        drop(handling);
        assert_eq!(connection.expired(idle), None, "the answer just went out");
        tokio::time::advance(Duration::from_secs(6)).await;
        assert_eq!(connection.expired(idle), Some("idle"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_send_deadline_expires_the_connection_until_lifted() {
        let connection = Connection::new();
        let idle = Duration::from_secs(60);
        let _handling = Handling::start(&connection);
        let deadline = connection.send_deadline(Instant::now() + Duration::from_secs(2));
        assert_eq!(
            connection.next_check(idle),
            Instant::now() + Duration::from_secs(2)
        );
        tokio::time::advance(Duration::from_secs(3)).await;
        assert!(connection.expired(idle).is_some());
        drop(deadline);
        assert_eq!(connection.expired(idle), None);
    }

    #[test]
    fn the_cap_is_kept_within_the_open_file_limit() {
        let bounded = bounded_by_fd_limit(usize::MAX);
        let (soft, _) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
        assert!(
            (bounded as u64) < soft,
            "{bounded} connections for {soft} files"
        );
        assert_eq!(bounded_by_fd_limit(3), 3);
    }
}
