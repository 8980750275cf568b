//! What every request shares: the settings, the database, the counts waiting to be written,
//! and the limits that keep conversions from taking all the memory and cores.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;

use crate::api::convert::ConversionSlots;
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
///
/// Each handler takes only the parts it needs (`State<Arc<Config>>`, `State<Store>`,
/// `State<ConversionSlots>`…, through [`FromRef`]), so the areas depend on those parts and
/// not on this whole: only this module knows every area.
///
/// axum clones the whole state for every handler call before taking the parts out, so the
/// parts sit behind one `Arc`: a clone is one counter, not twenty (measured: cloning and
/// dropping the parts one by one was a tenth of the server's time under load).
#[derive(Debug, Clone)]
pub struct AppState(Arc<Parts>);

#[derive(Debug)]
struct Parts {
    config: Arc<Config>,
    store: Store,
    counts: Arc<CountBuffer>,
    slots: ConversionSlots,
    rate_limits: RateLimits,
    static_files: Arc<StaticFiles>,
    readiness: Arc<ReadinessCheck>,
    /// `None` on a free server (no Stripe settings).
    payments: Option<Arc<Payments>>,
}

/// `FromRef<AppState>` for each part, as `#[derive(FromRef)]` would write it for the fields.
macro_rules! parts_from_state {
    ($($field:ident: $part:ty),* $(,)?) => {
        $(
            impl FromRef<AppState> for $part {
                fn from_ref(state: &AppState) -> Self {
                    state.0.$field.clone()
                }
            }
        )*
    };
}

parts_from_state! {
    config: Arc<Config>,
    store: Store,
    counts: Arc<CountBuffer>,
    slots: ConversionSlots,
    rate_limits: RateLimits,
    static_files: Arc<StaticFiles>,
    readiness: Arc<ReadinessCheck>,
    payments: Option<Arc<Payments>>,
}

/// The licences of the payments, when configured: then the Pro gates are enforced.
impl FromRef<AppState> for Option<Arc<Licensing>> {
    fn from_ref(state: &AppState) -> Self {
        state.licensing().cloned()
    }
}

impl AppState {
    /// The state for `config` over its database (`config.database_url`, migrated when
    /// opened): what [`crate::run`] serves, for embedders that serve [`crate::app`]
    /// themselves.
    pub async fn open(config: Config) -> Result<Self, StateError> {
        let store = Store::connect(config.database_url.expose()).await?;
        Self::new(config, store)
    }

    /// The state for `config` over an open `store`: reads the app (`config.dist`) into
    /// memory, and installs the process's metrics recorder if no state did before.
    pub(crate) fn new(config: Config, store: Store) -> Result<Self, StateError> {
        config.validate()?;
        let static_files = StaticFiles::load(&config.dist)?;
        let key = ClientKey::new(TrustedProxies::new(&config.trusted_proxies));
        let rate_limits = RateLimits::new(&config, &key)?;
        let payments = Payments::from_config(&config.payments, config.addr)?.map(Arc::new);
        crate::metrics::handle();
        Ok(Self(Arc::new(Parts {
            slots: ConversionSlots::new(&config, key),
            store,
            counts: Arc::new(CountBuffer::default()),
            rate_limits,
            static_files: Arc::new(static_files),
            readiness: Arc::new(ReadinessCheck::default()),
            payments,
            config: Arc::new(config),
        })))
    }

    /// The state for `config` over a fresh in-memory SQLite database (`sqlite::memory:`):
    /// for tests that need no data to outlive the process.
    #[cfg(any(test, feature = "test-support"))]
    pub async fn in_memory(config: Config) -> Result<Self, StateError> {
        let store = Store::connect("sqlite::memory:").await?;
        Self::new(config, store)
    }

    /// [`in_memory`](Self::in_memory) with the default settings and `dist` as the app.
    #[cfg(any(test, feature = "test-support"))]
    pub async fn for_tests(dist: impl Into<std::path::PathBuf>) -> Result<Self, StateError> {
        Self::in_memory(Config::with_defaults(dist)).await
    }

    /// The settings.
    pub(crate) fn config(&self) -> &Config {
        &self.0.config
    }

    /// The database.
    pub(crate) fn store(&self) -> &Store {
        &self.0.store
    }

    /// The counts waiting for the next flush.
    pub(crate) fn counts(&self) -> &Arc<CountBuffer> {
        &self.0.counts
    }

    /// The rate limits (for their periodic clean-up).
    pub(crate) fn rate_limits(&self) -> &RateLimits {
        &self.0.rate_limits
    }

    /// The app's files, in memory.
    pub(crate) fn static_files(&self) -> &StaticFiles {
        &self.0.static_files
    }

    /// The licences, when payments are configured: then the Pro gates are enforced.
    pub(crate) fn licensing(&self) -> Option<&Arc<Licensing>> {
        self.0
            .payments
            .as_ref()
            .map(|payments| payments.licensing())
    }

    /// Waits until no conversion runs, including ones whose request already timed out, for at
    /// most `limit`; says whether they all ended.
    pub(crate) async fn conversions_finished(&self, limit: Duration) -> bool {
        self.0.slots.all_finished(limit).await
    }
}
