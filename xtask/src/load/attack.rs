//! The attackers of the load test's hostile phase, on plain blocking sockets in two threads
//! beside wrk: connections that send a request line and then one header byte every two
//! seconds (slow headers), and uploads that announce the largest body and send none of it. Whatever
//! the server closes or answers is opened again at once, so the attack keeps its size for the
//! whole phase; the counts say how often the server defended itself. A third thread makes
//! honest conversions meanwhile, which must all succeed.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often each slow connection sends its next header byte (as in issue 10).
const DRIBBLE_PERIOD: Duration = Duration::from_secs(2);
/// The body an empty upload announces: the server's default upload cap.
const ANNOUNCED_BYTES: u64 = 64 << 20;
/// Pause between two honest conversions.
const HONEST_PAUSE: Duration = Duration::from_millis(500);

/// What the attackers saw.
#[derive(Debug, Default)]
pub struct Figures {
    /// Slow-header connections open when the phase ended.
    pub slow_open_at_end: usize,
    /// Slow-header connections the server closed (each opened again).
    pub slow_closed: u64,
    /// The shortest and the longest a slow-header connection lived before the server closed
    /// it (seen at the attacker's next round, so up to one dribble period late).
    pub slow_lifetime: Option<(Duration, Duration)>,
    /// Empty uploads the server answered or closed (each opened again).
    pub uploads_ended: u64,
    /// Of those, answered 408.
    pub uploads_408: u64,
    /// Connections that could not be opened.
    pub connect_failures: u64,
    /// The statuses of the honest conversions, in order (0: no answer).
    pub honest: Vec<u16>,
}

/// The running attack.
pub struct Attack {
    stop: Arc<AtomicBool>,
    sockets: JoinHandle<Figures>,
    honest: Option<JoinHandle<Vec<u16>>>,
}

impl Attack {
    /// Opens `slow` slow-header connections and `uploads` empty uploads against `addr`, and
    /// returns once they are all open; converts `honest_file` now and then, if given.
    pub fn start(
        addr: SocketAddr,
        slow: usize,
        uploads: usize,
        honest_file: Option<&Path>,
    ) -> Result<Self, String> {
        let stop = Arc::new(AtomicBool::new(false));
        let (opened, ready) = std::sync::mpsc::channel();
        let sockets = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || hold(addr, slow, uploads, &stop, &opened))
        };
        let open = ready
            .recv_timeout(Duration::from_secs(60))
            .map_err(|_| "the attackers could not open their connections within 60 s".to_owned())?;
        println!(
            "hostile: {open} of {} attacking connections open",
            slow + uploads
        );
        let honest = match honest_file {
            Some(file) => {
                let body = std::fs::read(file)
                    .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                let stop = Arc::clone(&stop);
                Some(std::thread::spawn(move || {
                    convert_while(addr, &body, &stop)
                }))
            }
            None => None,
        };
        Ok(Self {
            stop,
            sockets,
            honest,
        })
    }

    /// Stops the attackers, closes their connections and gives their figures.
    pub fn finish(self) -> Result<Figures, String> {
        self.stop.store(true, Ordering::Relaxed);
        let mut figures = self
            .sockets
            .join()
            .map_err(|_| "the attacking thread panicked".to_owned())?;
        if let Some(honest) = self.honest {
            figures.honest = honest
                .join()
                .map_err(|_| "the honest conversion thread panicked".to_owned())?;
        }
        Ok(figures)
    }
}

/// An attacking connection and what it is.
struct Attacker {
    stream: Option<TcpStream>,
    upload: bool,
    opened: Instant,
}

fn open(addr: SocketAddr, upload: bool) -> Option<TcpStream> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    let head = if upload {
        format!(
            "POST /api/v1/convert HTTP/1.1\r\nHost: load\r\nContent-Type: application/octet-stream\r\n\
             Content-Length: {ANNOUNCED_BYTES}\r\n\r\n"
        )
    } else {
        "GET / HTTP/1.1\r\nHost: load\r\nX-Slow-".to_owned()
    };
    stream.write_all(head.as_bytes()).ok()?;
    stream.set_nonblocking(true).ok()?;
    Some(stream)
}

/// What a non-blocking read says about a connection.
enum State {
    Open,
    /// The server answered (the first bytes) or closed it.
    Ended(Vec<u8>),
}

fn state(stream: &mut TcpStream) -> State {
    let mut buffer = [0u8; 512];
    match stream.read(&mut buffer) {
        Err(error) if error.kind() == ErrorKind::WouldBlock => State::Open,
        Ok(0) | Err(_) => State::Ended(Vec::new()),
        Ok(n) => State::Ended(buffer.get(..n).unwrap_or_default().to_vec()),
    }
}

/// Keeps the attacking connections open until `stop`.
fn hold(
    addr: SocketAddr,
    slow: usize,
    uploads: usize,
    stop: &AtomicBool,
    opened: &std::sync::mpsc::Sender<usize>,
) -> Figures {
    let mut figures = Figures::default();
    let mut attackers: Vec<Attacker> = (0..uploads)
        .map(|_| true)
        .chain((0..slow).map(|_| false))
        .map(|upload| Attacker {
            stream: open(addr, upload),
            upload,
            opened: Instant::now(),
        })
        .collect();
    let open_now = attackers.iter().filter(|a| a.stream.is_some()).count();
    // The receiver only goes away when the phase gave up waiting.
    let _ = opened.send(open_now);
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let mut slow_open = 0;
        for attacker in &mut attackers {
            let ended = match &mut attacker.stream {
                None => {
                    figures.connect_failures += 1;
                    None
                }
                Some(stream) => match state(stream) {
                    State::Open => {
                        if !attacker.upload && stream.write_all(b"a").is_err() {
                            Some(Vec::new())
                        } else {
                            if !attacker.upload {
                                slow_open += 1;
                            }
                            None
                        }
                    }
                    State::Ended(answer) => Some(answer),
                },
            };
            if let Some(answer) = ended {
                if attacker.upload {
                    figures.uploads_ended += 1;
                    if answer.starts_with(b"HTTP/1.1 408") {
                        figures.uploads_408 += 1;
                    }
                } else {
                    figures.slow_closed += 1;
                    let lived = attacker.opened.elapsed();
                    figures.slow_lifetime = Some(match figures.slow_lifetime {
                        None => (lived, lived),
                        Some((shortest, longest)) => (shortest.min(lived), longest.max(lived)),
                    });
                }
                attacker.stream = None;
            }
            if attacker.stream.is_none() {
                attacker.stream = open(addr, attacker.upload);
                attacker.opened = Instant::now();
            }
        }
        figures.slow_open_at_end = slow_open;
        if let Some(rest) = DRIBBLE_PERIOD.checked_sub(started.elapsed()) {
            std::thread::sleep(rest);
        }
    }
    figures
}

/// Converts `body` again and again until `stop`; the status of each answer (0: none).
fn convert_while(addr: SocketAddr, body: &[u8], stop: &AtomicBool) -> Vec<u16> {
    let mut statuses = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        statuses.push(convert_once(addr, body).unwrap_or(0));
        std::thread::sleep(HONEST_PAUSE);
    }
    statuses
}

fn convert_once(addr: SocketAddr, body: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let head = format!(
        "POST /api/v1/convert HTTP/1.1\r\nHost: load\r\nContent-Type: application/octet-stream\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let line = String::from_utf8_lossy(answer.get(..12)?).into_owned();
    line.strip_prefix("HTTP/1.1 ")?.trim().parse().ok()
}
