//! Per-client rate limits (tower_governor): one quota for conversions, which cost CPU
//! seconds; one for starting a Checkout, which costs a request to Stripe's API (whose rate
//! limit the whole site shares); one for telemetry, which writes counts; and one for
//! everything else. Stripe's signed webhook is under none: a delivery refused would be
//! retried for days, and its signature is checked before it costs anything.
//!
//! "Everything else" includes the app's static files on purpose: each is cheap to read but is
//! compressed on the fly (brotli of a multi-megabyte wasm), so an unlimited client could keep
//! the cores busy with them. The default burst lets a first visit load the whole app at once.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Response;
use axum::response::IntoResponse;
use governor::middleware::NoOpMiddleware;
use tower_governor::GovernorError;
use tower_governor::GovernorLayer;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};

use crate::client_ip::ClientKey;
use crate::config::Config;
use crate::metrics;
use crate::problem::Problem;

/// A rate-limit middleware layer as the router uses it.
pub type Layer = GovernorLayer<ClientKey, NoOpMiddleware, Body>;

type Quota = Arc<GovernorConfig<ClientKey, NoOpMiddleware>>;

/// The quotas; clones share the same counters.
#[derive(Debug, Clone)]
pub struct RateLimits {
    convert: Quota,
    checkout: Quota,
    telemetry: Quota,
    general: Quota,
}

/// A quota that cannot be built (a zero rate or burst, which `Config` refuses already).
#[derive(Debug, thiserror::Error)]
#[error("the {0} rate limit needs a rate above zero and a burst of at least one")]
pub struct QuotaError(&'static str);

impl RateLimits {
    /// The quotas of `config`, keyed by `key`.
    pub fn new(config: &Config, key: &ClientKey) -> Result<Self, QuotaError> {
        Ok(Self {
            convert: quota(
                "convert",
                key,
                config.convert_rate,
                config.convert_burst.get(),
            )?,
            checkout: quota(
                "checkout",
                key,
                config.checkout_rate,
                config.checkout_burst.get(),
            )?,
            telemetry: quota(
                "telemetry",
                key,
                config.telemetry_rate,
                config.telemetry_burst.get(),
            )?,
            general: quota("general", key, config.rate, config.burst.get())?,
        })
    }

    /// The layer for `POST /api/v1/convert`.
    pub fn convert_layer(&self) -> Layer {
        GovernorLayer::new(Arc::clone(&self.convert)).error_handler(|e| refuse("convert", e))
    }

    /// The layer for `POST /api/v1/checkout` (inside the general one).
    pub fn checkout_layer(&self) -> Layer {
        GovernorLayer::new(Arc::clone(&self.checkout)).error_handler(|e| refuse("checkout", e))
    }

    /// The layer for `POST /api/v1/telemetry` (inside the general one).
    pub fn telemetry_layer(&self) -> Layer {
        GovernorLayer::new(Arc::clone(&self.telemetry)).error_handler(|e| refuse("telemetry", e))
    }

    /// The layer for every other route and the static files.
    pub fn general_layer(&self) -> Layer {
        GovernorLayer::new(Arc::clone(&self.general)).error_handler(|e| refuse("general", e))
    }

    /// Forgets clients whose quota is full again, so the state stays as large as the set of
    /// recently active clients; the limiters never drop a key by themselves.
    pub fn forget_idle_clients(&self) {
        for quota in self.all() {
            let limiter = quota.limiter();
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Clients currently tracked, all quotas together.
    #[cfg(test)]
    pub fn tracked_clients(&self) -> usize {
        self.all().iter().map(|quota| quota.limiter().len()).sum()
    }

    fn all(&self) -> [&Quota; 4] {
        [
            &self.convert,
            &self.checkout,
            &self.telemetry,
            &self.general,
        ]
    }

    /// Calls [`forget_idle_clients`](Self::forget_idle_clients) every `period`, forever.
    pub async fn clean_up_every(self, period: Duration) {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            self.forget_idle_clients();
        }
    }
}

fn quota(
    name: &'static str,
    key: &ClientKey,
    per_second: f64,
    burst: u32,
) -> Result<Quota, QuotaError> {
    let period = Duration::try_from_secs_f64(1.0 / per_second).map_err(|_| QuotaError(name))?;
    GovernorConfigBuilder::default()
        .key_extractor(key.clone())
        .period(period)
        .burst_size(burst)
        .finish()
        .map(Arc::new)
        .ok_or(QuotaError(name))
}

/// The answer to a request a limiter refused: 429 problem+json with `Retry-After`, counted.
fn refuse(quota: &'static str, error: GovernorError) -> Response<Body> {
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => {
            metrics::record_rate_limited(quota);
            // `wait_time` is whole seconds rounded down; a client that waits that long
            // could still be early, so one more second.
            Problem::rate_limited(Duration::from_secs(wait_time.saturating_add(1))).into_response()
        }
        GovernorError::UnableToExtractKey => {
            tracing::error!(quota, "the rate limiter found no client key");
            Problem::internal().into_response()
        }
        GovernorError::Other { code, msg, .. } => {
            tracing::error!(quota, %code, ?msg, "the rate limiter failed");
            Problem::internal().into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::net::{IpAddr, SocketAddr};

    use axum::extract::ConnectInfo;
    use axum::http::Request;

    use super::*;
    use crate::client_ip::TrustedProxies;
    use tower_governor::key_extractor::KeyExtractor;

    fn check(limits: &Quota, from: [u8; 4]) -> bool {
        let mut request = Request::new(());
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((from, 1))));
        let key: IpAddr = ClientKey::new(TrustedProxies::default())
            .extract(&request)
            .unwrap();
        limits.limiter().check_key(&key).is_ok()
    }

    #[test]
    fn a_burst_is_allowed_then_refused_per_client_and_idle_clients_are_forgotten() {
        let mut config = Config::with_defaults("dist");
        config.convert_rate = 1e-6; // no refill while the test runs
        config.convert_burst = std::num::NonZeroU32::new(2).unwrap();
        let limits = RateLimits::new(&config, &ClientKey::new(TrustedProxies::default())).unwrap();
        assert!(check(&limits.convert, [192, 0, 2, 1]));
        assert!(check(&limits.convert, [192, 0, 2, 1]));
        assert!(!check(&limits.convert, [192, 0, 2, 1]));
        assert!(
            check(&limits.convert, [192, 0, 2, 2]),
            "another client has its own quota"
        );
        assert_eq!(limits.tracked_clients(), 2);
        // Both clients are still waiting for their refill: nothing is forgotten yet.
        limits.forget_idle_clients();
        assert_eq!(limits.tracked_clients(), 2);
    }

    #[test]
    fn checkout_and_telemetry_have_their_own_quotas() {
        let mut config = Config::with_defaults("dist");
        config.checkout_rate = 1e-6;
        config.checkout_burst = std::num::NonZeroU32::new(1).unwrap();
        let limits = RateLimits::new(&config, &ClientKey::new(TrustedProxies::default())).unwrap();
        assert!(check(&limits.checkout, [192, 0, 2, 1]));
        assert!(!check(&limits.checkout, [192, 0, 2, 1]));
        assert!(
            check(&limits.telemetry, [192, 0, 2, 1]),
            "telemetry is apart"
        );
        assert!(check(&limits.general, [192, 0, 2, 1]), "the rest is apart");
    }

    #[test]
    fn a_full_quota_is_forgotten() {
        let mut config = Config::with_defaults("dist");
        config.rate = 1e6; // refilled within a microsecond
        let limits = RateLimits::new(&config, &ClientKey::new(TrustedProxies::default())).unwrap();
        assert!(check(&limits.general, [192, 0, 2, 1]));
        std::thread::sleep(Duration::from_millis(5));
        limits.forget_idle_clients();
        assert_eq!(limits.tracked_clients(), 0);
    }

    #[test]
    fn a_refusal_is_a_counted_problem_with_retry_after() {
        let response = refuse(
            "convert",
            GovernorError::TooManyRequests {
                wait_time: 2,
                headers: None,
            },
        );
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "3");
        assert_eq!(
            response.headers()["content-type"],
            crate::problem::PROBLEM_JSON
        );
    }
}
