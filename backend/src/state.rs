//! What every request shares: the settings, the database, the counts waiting to be written,
//! and the limits that keep conversions from taking all the memory and cores.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::api::upload::PerClient;
use crate::client_ip::{ClientKey, TrustedProxies};
use crate::config::{Config, ConfigError};
use crate::licensing::Licensing;
use crate::ops::ReadinessCheck;
use crate::payments::{Payments, PaymentsError};
use crate::rate_limit::{QuotaError, RateLimits};
use crate::static_files::{StaticError, StaticFiles};
use crate::storage::{CountBuffer, StorageError, Store};

/// Why the shared state could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The options contradict each other.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A rate limit cannot be built.
    #[error(transparent)]
    Quota(#[from] QuotaError),
    /// The database cannot be opened.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The app's files cannot be loaded.
    #[error(transparent)]
    Static(#[from] StaticError),
    /// Payments are configured but cannot be set up.
    #[error(transparent)]
    Payments(#[from] PaymentsError),
}

/// The state of the service; clones share it.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    workers: usize,
    store: Store,
    counts: Arc<CountBuffer>,
    admission: Arc<Semaphore>,
    upload_memory: Arc<Semaphore>,
    conversions: Arc<Semaphore>,
    rate_limits: RateLimits,
    client_key: ClientKey,
    uploads_per_client: Arc<PerClient>,
    static_files: StaticFiles,
    readiness: ReadinessCheck,
    /// `None` on a free server (no Stripe settings).
    payments: Option<Arc<Payments>>,
}

impl AppState {
    /// The state for `config` over an open `store`: reads the app (`config.dist`) into
    /// memory, and installs the process's metrics recorder if no state did before.
    pub fn new(config: Config, store: Store) -> Result<Self, StateError> {
        config.validate()?;
        let static_files = StaticFiles::load(&config.dist)?;
        let workers = config.workers();
        let key = ClientKey::new(TrustedProxies::new(&config.trusted_proxies));
        let rate_limits = RateLimits::new(&config, &key)?;
        let budget_kib = crate::api::upload::kib(config.convert_memory_bytes) as usize;
        let payments = Payments::from_config(&config.payments, config.addr)?.map(Arc::new);
        crate::metrics::handle();
        Ok(Self {
            inner: Arc::new(Inner {
                workers,
                store,
                counts: Arc::new(CountBuffer::default()),
                admission: Arc::new(Semaphore::new(workers.saturating_add(config.convert_queue))),
                upload_memory: Arc::new(Semaphore::new(budget_kib.min(Semaphore::MAX_PERMITS))),
                conversions: Arc::new(Semaphore::new(workers)),
                rate_limits,
                client_key: key,
                uploads_per_client: PerClient::new(config.uploads_per_client),
                static_files,
                readiness: ReadinessCheck::default(),
                payments,
                config,
            }),
        })
    }

    /// The state for `config` over a fresh in-memory SQLite database (`sqlite::memory:`):
    /// for tests and tools that need no data to outlive the process.
    pub async fn in_memory(config: Config) -> Result<Self, StateError> {
        let store = Store::connect("sqlite::memory:").await?;
        Self::new(config, store)
    }

    /// [`in_memory`](Self::in_memory) with the default settings and `dist` as the app.
    pub async fn for_tests(dist: impl Into<std::path::PathBuf>) -> Result<Self, StateError> {
        Self::in_memory(Config::with_defaults(dist)).await
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The counts waiting for the next flush.
    pub fn counts(&self) -> &Arc<CountBuffer> {
        &self.inner.counts
    }

    /// The rate limits (for their periodic clean-up).
    pub fn rate_limits(&self) -> &RateLimits {
        &self.inner.rate_limits
    }

    /// The app's files, in memory.
    pub fn static_files(&self) -> &StaticFiles {
        &self.inner.static_files
    }

    /// The coalesced readiness check of `/readyz`.
    pub(crate) fn readiness(&self) -> &ReadinessCheck {
        &self.inner.readiness
    }

    /// Payments, when Stripe is configured.
    pub fn payments(&self) -> Option<&Arc<Payments>> {
        self.inner.payments.as_ref()
    }

    /// The licences, when payments are configured: then the Pro gates are enforced.
    pub fn licensing(&self) -> Option<&Arc<Licensing>> {
        self.payments().map(|payments| payments.licensing())
    }

    /// Conversion requests allowed to hold a body: workers plus queue.
    pub(crate) fn admission(&self) -> &Arc<Semaphore> {
        &self.inner.admission
    }

    /// The KiB of upload bodies all requests together may hold.
    pub(crate) fn upload_memory(&self) -> &Arc<Semaphore> {
        &self.inner.upload_memory
    }

    /// Who the client of a request is, as the rate limits see it.
    pub(crate) fn client_key(&self) -> &ClientKey {
        &self.inner.client_key
    }

    /// The conversion uploads each client has in flight.
    pub(crate) fn uploads_per_client(&self) -> &Arc<PerClient> {
        &self.inner.uploads_per_client
    }

    /// One permit per conversion running on the blocking pool.
    pub(crate) fn conversions(&self) -> &Arc<Semaphore> {
        &self.inner.conversions
    }

    /// Waits until no conversion runs, including ones whose request already timed out, for at
    /// most `limit`; says whether they all ended.
    pub async fn conversions_finished(&self, limit: Duration) -> bool {
        let all = u32::try_from(self.inner.workers).unwrap_or(u32::MAX);
        matches!(
            tokio::time::timeout(limit, self.inner.conversions.acquire_many(all)).await,
            Ok(Ok(_))
        )
    }
}
