//! The server over real sockets (`backend::run_on` on a loopback port), driven with raw bytes
//! the way an attacker would: slow headers, idle connections, more connections than allowed,
//! a shutdown with a stuck client, and uploads that reserve without sending.
//!
//! Timeouts are configured at one or two seconds and every wait allows several times that, so
//! the tests hold on a loaded machine.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use backend::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

mod support;

/// A server on a loopback port, stopped (like SIGTERM would) by [`Running::stop`].
struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    done: JoinHandle<Result<(), backend::ServeError>>,
    _dist: tempfile::TempDir,
}

impl Running {
    async fn start(configure: impl FnOnce(&mut Config)) -> Self {
        let dist = support::dist();
        let mut config = Config::with_defaults(dist.path());
        config.database_url = "sqlite::memory:".into();
        // Tests run at once, each with its own server: each takes a free metrics port.
        config.metrics_addr = "127.0.0.1:0".parse().unwrap();
        configure(&mut config);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            backend::testing::run_on(listener, &config, async {
                let _ = stopped.await;
            })
            .await
        });
        let running = Self {
            addr,
            stop: Some(stop),
            done,
            _dist: dist,
        };
        // Serving once the health check answers.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut stream) = TcpStream::connect(addr).await {
                let answer = request(
                    &mut stream,
                    "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                )
                .await;
                if answer.starts_with("HTTP/1.1 200") {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        running
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.unwrap()
    }

    /// Stops the server and says how long `run_on` took to return.
    async fn stop(mut self, within: Duration) -> Duration {
        let started = Instant::now();
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(within, &mut self.done)
            .await
            .unwrap_or_else(|_| panic!("the server was still running {within:?} after shutdown"))
            .unwrap()
            .unwrap();
        started.elapsed()
    }
}

/// Sends `raw` and reads one answer (its head and, with a Content-Length, its body).
async fn request(stream: &mut TcpStream, raw: &str) -> String {
    stream.write_all(raw.as_bytes()).await.unwrap();
    read_answer(stream).await
}

/// Reads one answer: the head, then as many bytes as its Content-Length says.
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if received.len() >= end + 4 + length {
                return text;
            }
        }
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&received).into_owned(),
            Ok(n) => received.extend_from_slice(&buffer[..n]),
        }
    }
}

/// Waits until the server closes `stream` (end of file or reset), reading and discarding what
/// comes; `None` if it is still open after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
    .map(|()| started.elapsed())
}

#[tokio::test]
async fn a_client_dribbling_its_headers_is_disconnected() {
    let server = Running::start(|config| config.header_timeout_secs = 1).await;
    let mut streams = Vec::new();
    for _ in 0..5 {
        let mut stream = server.connect().await;
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n")
            .await
            .unwrap();
        streams.push(stream);
    }
    let started = Instant::now();
    let mut open = streams.len();
    // One header byte per connection every 300 ms, for up to 15 s.
    while open > 0 && started.elapsed() < Duration::from_secs(15) {
        open = 0;
        for stream in &mut streams {
            if stream.write_all(b"X").await.is_ok()
                && closed_within(stream, Duration::from_millis(60))
                    .await
                    .is_none()
            {
                open += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(
        open,
        0,
        "connections still open after {:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "closed only after {:?} (header timeout 1 s)",
        started.elapsed()
    );
    server.stop(Duration::from_secs(20)).await;
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let server = Running::start(|config| {
        config.header_timeout_secs = 60;
        config.idle_timeout_secs = 1;
    })
    .await;
    let mut stream = server.connect().await;
    let answer = request(&mut stream, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let closed = closed_within(&mut stream, Duration::from_secs(15)).await;
    let closed = closed.expect("the idle connection was still open after 15 s");
    assert!(closed < Duration::from_secs(8), "closed after {closed:?}");
    // A connection opened and never used is idle too.
    let mut silent = server.connect().await;
    assert!(
        closed_within(&mut silent, Duration::from_secs(15))
            .await
            .is_some()
    );
    server.stop(Duration::from_secs(20)).await;
}

#[tokio::test]
async fn connections_past_the_cap_wait_until_one_closes() {
    let server = Running::start(|config| config.max_connections = 2).await;
    // The start-up probe's connection may take a moment to be released.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let first = server.connect().await;
    let _second = server.connect().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut third = server.connect().await;
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut byte = [0u8; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(1500), third.peek(&mut byte))
            .await
            .is_err(),
        "a third connection was served with a cap of two"
    );
    drop(first);
    let answer = tokio::time::timeout(Duration::from_secs(10), read_answer(&mut third))
        .await
        .expect("the waiting connection was not served once another closed");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    server.stop(Duration::from_secs(20)).await;
}

#[tokio::test]
async fn shutdown_ends_within_its_deadline_despite_a_stuck_client() {
    let server = Running::start(|config| {
        config.header_timeout_secs = 120;
        config.idle_timeout_secs = 120;
        config.shutdown_timeout_secs = 1;
    })
    .await;
    let mut stuck = server.connect().await;
    stuck
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let took = server.stop(Duration::from_secs(15)).await;
    assert!(took < Duration::from_secs(8), "shutdown took {took:?}");
    assert!(
        closed_within(&mut stuck, Duration::from_secs(5))
            .await
            .is_some()
    );
}

/// The head of a conversion upload announcing `length` bytes.
fn upload_head(length: u64) -> String {
    format!(
        "POST /api/v1/convert HTTP/1.1\r\nHost: t\r\nContent-Type: application/octet-stream\r\n\
         Content-Length: {length}\r\n\r\n"
    )
}

/// Opens a connection that announces a 64 MiB upload and sends none of it.
async fn reserving_upload(server: &Running) -> TcpStream {
    let mut stream = server.connect().await;
    stream
        .write_all(upload_head(64 << 20).as_bytes())
        .await
        .unwrap();
    stream
}

/// A complete upload of a few bytes that are not a project: 422 when it gets through.
async fn honest_upload(server: &Running) -> String {
    let mut stream = server.connect().await;
    let body = "this is not a project file";
    let raw = format!("{}{body}", upload_head(body.len() as u64));
    tokio::time::timeout(Duration::from_secs(20), request(&mut stream, &raw))
        .await
        .expect("no answer to an honest upload")
}

#[tokio::test]
async fn announced_but_empty_uploads_do_not_hold_the_memory_budget() {
    // Two announced 64 MiB bodies were the whole default 128 MiB budget; take four.
    let server = Running::start(|config| config.uploads_per_client = 16).await;
    let mut reserving = Vec::new();
    for _ in 0..4 {
        reserving.push(reserving_upload(&server).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let answer = honest_upload(&server).await;
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
    drop(reserving);
    server.stop(Duration::from_secs(20)).await;
}

#[tokio::test]
async fn an_upload_below_the_minimum_rate_gets_408() {
    let server = Running::start(|config| {
        config.upload_grace_secs = 1;
        config.upload_min_rate = 16 * 1024;
    })
    .await;
    let mut stream = server.connect().await;
    stream
        .write_all(upload_head(1 << 20).as_bytes())
        .await
        .unwrap();
    let started = Instant::now();
    // 100 bytes every 200 ms (500 bytes/s) until the server answers.
    let answer = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            let mut byte = [0u8; 1];
            let peeked = tokio::time::timeout(Duration::from_millis(200), stream.peek(&mut byte));
            if matches!(peeked.await, Ok(Ok(n)) if n > 0) {
                return read_answer(&mut stream).await;
            }
            if stream.write_all(&[0u8; 100]).await.is_err() {
                return read_answer(&mut stream).await;
            }
        }
    })
    .await
    .expect("a dribbled upload was still being read after 15 s");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("bytes/s"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "refused only after {:?} (grace 1 s)",
        started.elapsed()
    );
    server.stop(Duration::from_secs(20)).await;
}

#[tokio::test]
async fn one_client_has_at_most_its_uploads_in_flight() {
    let server = Running::start(|config| config.uploads_per_client = 2).await;
    let first = reserving_upload(&server).await;
    let second = reserving_upload(&server).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let answer = honest_upload(&server).await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(answer.contains("in flight"), "{answer}");
    // A slot comes back when its upload ends (here, the client goes away).
    drop(first);
    let dropped = Instant::now();
    let deadline = dropped + Duration::from_secs(10);
    loop {
        let answer = honest_upload(&server).await;
        if answer.starts_with("HTTP/1.1 422") {
            break;
        }
        assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
        assert!(Instant::now() < deadline, "the slot never came back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(second);
    server.stop(Duration::from_secs(20)).await;
}

#[tokio::test]
async fn a_webhook_event_that_does_not_come_gets_408() {
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("licence.key");
    let server = Running::start(move |config| {
        config.upload_grace_secs = 1;
        config.payments = backend::PaymentsConfig {
            stripe_secret_key: Some("sk_test_connections".into()),
            stripe_webhook_secret: Some("whsec_connections".into()),
            stripe_price_id: Some("price_connections".to_owned()),
            public_url: Some("http://127.0.0.1/".to_owned()),
            licence_key_file: key_file,
            ..backend::PaymentsConfig::default()
        };
    })
    .await;
    let mut stream = server.connect().await;
    let started = Instant::now();
    let answer = tokio::time::timeout(
        Duration::from_secs(15),
        request(
            &mut stream,
            "POST /api/v1/stripe/webhook HTTP/1.1\r\nHost: t\r\nStripe-Signature: t=1,v1=00\r\n\
             Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\":",
        ),
    )
    .await
    .expect("a webhook body that never came was still awaited after 15 s");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    server.stop(Duration::from_secs(20)).await;
    drop(keys);
}
