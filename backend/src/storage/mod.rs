//! What the server keeps: daily counts of conversions (server and browser), in SQLite by
//! default or PostgreSQL when several instances share one database.
//!
//! SKELETON: the signatures are the contract between the API and the storage work; the
//! bodies are filled in by the storage branch.

use std::collections::HashMap;
use std::sync::Mutex;

/// Why the database could not be reached or used.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The URL names no database this server can use.
    #[error("unsupported database URL {0:?}: use sqlite:… or postgres://…")]
    UnsupportedUrl(String),
    /// The database answered with an error.
    #[error("database error: {0}")]
    Database(String),
}

/// Where a conversion ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// On this server (`POST /api/v1/convert`).
    Server,
    /// In a user's browser, reported through `POST /api/v1/telemetry`.
    Browser,
}

impl Origin {
    /// The label value in metrics and the column value in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Server => "server",
            Self::Browser => "browser",
        }
    }
}

/// One row of the daily counts: a day (UTC, `YYYY-MM-DD`), where, how it ended, which version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CountKey {
    /// The UTC day, `YYYY-MM-DD`.
    pub day: String,
    /// Where the conversions ran.
    pub origin: Origin,
    /// `ok`, or the engine's error kind (`not_mpp`, `truncated`, …).
    pub outcome: String,
    /// `MPP9`, `MPP12`, `MPP14`, … or `unknown`.
    pub version: String,
}

/// What is counted per [`CountKey`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Number of conversions.
    pub conversions: i64,
    /// Input bytes converted (0 for browser reports, which send only a size bucket).
    pub bytes: i64,
}

/// The database.
#[derive(Debug, Clone)]
pub struct Store {}

impl Store {
    /// Opens `url` (`sqlite:data/mpp2xml.db`, `postgres://…`), creating a SQLite file and its
    /// folder when missing, and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        let _ = url;
        Ok(Self {})
    }

    /// `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        "sqlite"
    }

    /// Succeeds when the database answers a trivial query (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StorageError> {
        Ok(())
    }

    /// Adds `rows` to the stored daily counts in one transaction.
    pub async fn add_daily_counts(&self, rows: &[(CountKey, Counts)]) -> Result<(), StorageError> {
        let _ = rows;
        Ok(())
    }

    /// The stored counts of `day` (`YYYY-MM-DD`).
    pub async fn daily_counts(&self, day: &str) -> Result<Vec<(CountKey, Counts)>, StorageError> {
        let _ = day;
        Ok(Vec::new())
    }

    /// Closes the pool, waiting for its connections to be returned.
    pub async fn close(&self) {}
}

/// Counts gathered in memory between flushes, so a request never waits for the database.
#[derive(Debug, Default)]
pub struct CountBuffer {
    pending: Mutex<HashMap<CountKey, Counts>>,
}

impl CountBuffer {
    /// Counts one conversion of `bytes` input bytes today (UTC).
    pub fn add(&self, origin: Origin, outcome: &str, version: &str, bytes: u64) {
        let _ = (origin, outcome, version, bytes, &self.pending);
    }

    /// Writes the gathered counts to `store` and forgets them; on error they are kept for the
    /// next flush. Returns the number of rows written.
    pub async fn flush(&self, store: &Store) -> Result<usize, StorageError> {
        let _ = store;
        Ok(0)
    }
}
