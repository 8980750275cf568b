//! The routes operators and orchestrators use: liveness, readiness, metrics.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::problem::Problem;
use crate::storage::Store;

/// How long `/readyz` waits for the database before calling it unreachable: a probe must
/// answer before the orchestrator's own timeout.
const READY_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one database check answers `/readyz` for everyone: probes from several
/// orchestrators, or a load balancer checking every instance often, then cost one query a
/// second instead of one each (with a pool of a few connections, a burst of probes queued
/// behind each other).
pub const READY_REUSE: Duration = Duration::from_secs(1);

/// `GET /healthz`: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// What a database check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// The database answered.
    Ready,
    /// The database answered with an error.
    Failed,
    /// The database did not answer within [`READY_TIMEOUT`].
    TimedOut,
}

/// Coalesces readiness checks: at most one runs at a time, and its finding answers every
/// request for [`READY_REUSE`] after it ended.
///
/// The check runs in its own task, so a client that gives up does not cancel it for the
/// others, and the requests waiting for it are all woken at once when it ends (a mutex would
/// hand them the finding one after the other, each behind the busy scheduler's queue: at a
/// thousand connections that made the probes the slowest route).
#[derive(Debug, Default)]
pub struct ReadinessCheck {
    state: Arc<Mutex<Checks>>,
}

#[derive(Debug, Default)]
struct Checks {
    /// The last finding and when it was made.
    last: Option<(Instant, Readiness)>,
    /// The check under way: its finding, once there is one.
    running: Option<watch::Receiver<Option<Readiness>>>,
}

impl ReadinessCheck {
    /// The current finding: a fresh one if there is, else the result of `ping` (bounded by
    /// [`READY_TIMEOUT`]), run once however many requests ask at the same time.
    pub async fn check<F, Fut, E>(&self, ping: F) -> Readiness
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: std::fmt::Display + 'static,
    {
        let mut finding = {
            let mut checks = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((at, finding)) = checks.last
                && at.elapsed() < READY_REUSE
            {
                return finding;
            }
            match &checks.running {
                Some(running) => running.clone(),
                None => {
                    let (sender, receiver) = watch::channel(None);
                    checks.running = Some(receiver.clone());
                    tokio::spawn(run_check(Arc::clone(&self.state), ping(), sender));
                    receiver
                }
            }
        };
        let found = finding
            .wait_for(Option::is_some)
            .await
            .ok()
            .and_then(|f| *f);
        found.unwrap_or_else(|| {
            // The check's task ended without a finding (it panicked): let the next request
            // start another, and call this one a failure.
            let mut checks = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            checks.running = None;
            Readiness::Failed
        })
    }
}

/// Runs one check, keeps its finding, and tells the requests waiting for it.
async fn run_check<Fut, E>(
    state: Arc<Mutex<Checks>>,
    ping: Fut,
    sender: watch::Sender<Option<Readiness>>,
) where
    Fut: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let finding = match tokio::time::timeout(READY_TIMEOUT, ping).await {
        Ok(Ok(())) => Readiness::Ready,
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the database failed");
            Readiness::Failed
        }
        Err(_) => {
            tracing::warn!("readiness: the database did not answer in time");
            Readiness::TimedOut
        }
    };
    {
        let mut checks = state.lock().unwrap_or_else(PoisonError::into_inner);
        checks.last = Some((Instant::now(), finding));
        checks.running = None;
    }
    sender.send_replace(Some(finding));
}

/// Every `period`, whether the database answers and how much memory the process holds against
/// its limit, as gauges: an alert must see a database outage or memory creeping towards the
/// cgroup's limit even when nothing probes `/readyz`, and Prometheus only sees what the
/// metrics listener renders. The database check is the coalesced one `/readyz` uses, so it
/// costs no extra query when probes are frequent.
pub async fn watch_every(store: Store, readiness: Arc<ReadinessCheck>, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let ping_store = store.clone();
        let finding = readiness
            .check(|| async move { ping_store.ping().await })
            .await;
        let ready = if finding == Readiness::Ready {
            1.0
        } else {
            0.0
        };
        ::metrics::gauge!(crate::metrics::DATABASE_READY).set(ready);
        if let Some(bytes) = std::fs::read_to_string("/proc/self/status")
            .ok()
            .as_deref()
            .and_then(resident_bytes)
        {
            ::metrics::gauge!(crate::metrics::RESIDENT_MEMORY).set(bytes as f64);
        }
        if let Some(limit) = memory_limit() {
            ::metrics::gauge!(crate::metrics::MEMORY_LIMIT).set(limit as f64);
        }
    }
}

/// `VmRSS` of a `/proc/<pid>/status` text, in bytes.
fn resident_bytes(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

/// The cgroup v2 path of a `/proc/self/cgroup` text (its `0::` line).
fn cgroup_path(cgroups: &str) -> Option<&str> {
    cgroups
        .lines()
        .find_map(|line| line.strip_prefix("0::"))
        .map(str::trim)
}

/// A `memory.max` text in bytes; `None` for `max` (no limit) or anything unreadable.
fn parse_memory_max(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// The memory limit of this process's cgroup (v2), when it has one.
fn memory_limit() -> Option<u64> {
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = cgroup_path(&cgroups)?;
    let file = std::path::Path::new("/sys/fs/cgroup")
        .join(path.trim_start_matches('/'))
        .join("memory.max");
    parse_memory_max(&std::fs::read_to_string(file).ok()?)
}

/// The operations routes on the public listener: `/healthz` and `/readyz` (the metrics have
/// their own listener).
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Store: FromRef<S>,
    Arc<ReadinessCheck>: FromRef<S>,
{
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// `GET /readyz`: the database answers too (checked at most once per [`READY_REUSE`]).
pub async fn readyz(
    State(store): State<Store>,
    State(readiness): State<Arc<ReadinessCheck>>,
) -> Result<&'static str, Problem> {
    let not_ready = |detail: String| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "Not ready",
            detail,
        )
    };
    let ping = || async move { store.ping().await };
    match readiness.check(ping).await {
        Readiness::Ready => Ok("ready"),
        Readiness::Failed => Err(not_ready("the database does not answer".to_owned())),
        Readiness::TimedOut => Err(not_ready(format!(
            "the database did not answer within {} s",
            READY_TIMEOUT.as_secs()
        ))),
    }
}

/// `GET /metrics`: the Prometheus text format.
pub async fn metrics() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        crate::metrics::handle().render(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A ping that counts its calls, waits `delay` (on the paused clock) and answers `answer`.
    fn counting(
        pings: &Arc<AtomicUsize>,
        delay: Duration,
        answer: Result<(), &'static str>,
    ) -> impl FnOnce() -> std::pin::Pin<Box<dyn Future<Output = Result<(), &'static str>> + Send>>
    + Send
    + use<> {
        let pings = Arc::clone(pings);
        move || {
            pings.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                tokio::time::sleep(delay).await;
                answer
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_checks_costs_one_ping() {
        let check = Arc::new(ReadinessCheck::default());
        let pings = Arc::new(AtomicUsize::new(0));
        let burst: Vec<_> = (0..100)
            .map(|_| {
                let check = Arc::clone(&check);
                let ping = counting(&pings, Duration::from_millis(50), Ok(()));
                tokio::spawn(async move { check.check(ping).await })
            })
            .collect();
        for task in burst {
            assert_eq!(task.await.unwrap(), Readiness::Ready);
        }
        assert_eq!(pings.load(Ordering::SeqCst), 1);
        // Within the reuse window, still no new ping.
        tokio::time::advance(READY_REUSE / 2).await;
        let again = check.check(counting(&pings, Duration::ZERO, Ok(()))).await;
        assert_eq!((again, pings.load(Ordering::SeqCst)), (Readiness::Ready, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stale_finding_is_checked_again_and_failures_are_kept_too() {
        let check = ReadinessCheck::default();
        let pings = Arc::new(AtomicUsize::new(0));
        assert_eq!(
            check.check(counting(&pings, Duration::ZERO, Ok(()))).await,
            Readiness::Ready
        );
        tokio::time::advance(READY_REUSE).await;
        assert_eq!(
            check
                .check(counting(&pings, Duration::ZERO, Err("gone")))
                .await,
            Readiness::Failed
        );
        assert_eq!(pings.load(Ordering::SeqCst), 2);
        assert_eq!(
            check.check(counting(&pings, Duration::ZERO, Ok(()))).await,
            Readiness::Failed,
            "the failure answers until it is stale"
        );
        assert_eq!(pings.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_that_gives_up_does_not_cancel_the_check_for_the_others() {
        let check = Arc::new(ReadinessCheck::default());
        let pings = Arc::new(AtomicUsize::new(0));
        let first = {
            let check = Arc::clone(&check);
            let ping = counting(&pings, Duration::from_millis(50), Ok(()));
            tokio::spawn(async move { check.check(ping).await })
        };
        tokio::task::yield_now().await; // the first request starts the check
        first.abort();
        let second = check
            .check(counting(&pings, Duration::ZERO, Err("not this one")))
            .await;
        assert_eq!(
            (second, pings.load(Ordering::SeqCst)),
            (Readiness::Ready, 1)
        );
    }

    #[test]
    fn resident_memory_is_read_from_the_status_file() {
        let status = "Name:\tmpp2xml-server\nVmPeak:\t  900 kB\nVmRSS:\t   51200 kB\nThreads:\t4\n";
        assert_eq!(resident_bytes(status), Some(51200 * 1024));
        assert_eq!(resident_bytes("Name:\tx\n"), None);
        assert_eq!(resident_bytes("VmRSS:\t lots kB\n"), None);
        assert_eq!(resident_bytes("VmRSS:\t 99999999999999999999 kB\n"), None);
    }

    #[test]
    fn the_memory_limit_is_the_cgroup_v2_one() {
        let cgroups = "12:cpu:/old\n0::/system.slice/mpp2xml.service\n";
        assert_eq!(cgroup_path(cgroups), Some("/system.slice/mpp2xml.service"));
        assert_eq!(cgroup_path("3:memory:/v1-only\n"), None);
        assert_eq!(parse_memory_max("268435456\n"), Some(268_435_456));
        assert_eq!(parse_memory_max("max\n"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_database_that_never_answers_times_out() {
        let check = ReadinessCheck::default();
        let finding = check
            .check(std::future::pending::<Result<(), &'static str>>)
            .await;
        assert_eq!(finding, Readiness::TimedOut);
    }
}
