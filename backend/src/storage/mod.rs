//! What the server keeps: daily counts of conversions (server and browser), and Pro purchases
//! (Stripe events, payments, licences; see `licences`), in SQLite by default or PostgreSQL when
//! several instances share one database.
//!
//! One set of migrations (`backend/migrations/`, embedded in the binary) serves both
//! databases, so it is written in the SQL they share: `TEXT`, `BIGINT`, `CHECK`, and
//! `INSERT … ON CONFLICT … DO UPDATE` for the upsert. The queries use `$1`-style parameters,
//! which SQLite accepts too, so each query's text is shared as well.
//!
//! Requests never wait on the database: they count into a [`CountBuffer`], which a background
//! task [`flush`](CountBuffer::flush)es into the [`Store`].

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};

mod buffer;
mod day;
mod url;

pub use buffer::CountBuffer;
#[cfg(any(test, feature = "test-support"))]
pub use day::today;
use url::Target;
pub use url::redact;

/// Creates `folder` and its missing parents readable by their owner only (0700): they hold
/// the database and the licence signing key. Folders that exist are left as they are.
pub(crate) fn create_private_folder(folder: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(folder)
}

/// Creates `file` empty and readable by its owner only (0600) when it does not exist.
fn create_private_file(file: &std::path::Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(file) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

/// The migrations in `backend/migrations/`, compiled into the binary.
static MIGRATOR: Migrator = sqlx::migrate!();

/// How long a SQLite writer waits for another one before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts at opening a SQLite file, and the pause after the first failed one (growing by
/// as much each time), for processes racing to create the same file (see `open_sqlite`).
const SQLITE_OPEN_ATTEMPTS: u32 = 5;
const SQLITE_RETRY_PAUSE: Duration = Duration::from_millis(20);
/// Connections to a SQLite file: readers run side by side in WAL mode, writers take turns.
const SQLITE_MAX_CONNECTIONS: u32 = 4;
/// Connections to PostgreSQL per instance; the server's writes are one flush every few
/// seconds, so a few connections leave the rest of the server's quota to other instances.
const POSTGRES_MAX_CONNECTIONS: u32 = 5;
/// How long a query waits for a free connection (or a new one) before it fails, so that
/// `/readyz` answers "not ready" in seconds rather than hanging when the database is gone.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the database could not be reached or used. Every message is one sentence that names
/// the database by its URL with the password hidden ([`redact`]).
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The URL names no database this server can use (the redacted URL).
    #[error(
        "unsupported database URL {0:?}: use sqlite:PATH (e.g. sqlite:data/mpp2xml.db), \
         sqlite::memory: or postgres://USER@HOST/DATABASE"
    )]
    UnsupportedUrl(String),
    /// The URL has a known scheme but options the driver does not understand.
    #[error("invalid database URL {url:?}: {source}")]
    InvalidUrl {
        /// The URL, password hidden.
        url: String,
        /// What the driver said.
        source: sqlx::Error,
    },
    /// A new SQLite file could not be created private.
    #[error("cannot create the database file {}: {source}", path.display())]
    CreateFile {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The folder of a SQLite file could not be created.
    #[error("cannot create the folder {} for the database: {source}", path.display())]
    CreateFolder {
        /// The folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The database could not be opened or did not answer.
    #[error("cannot connect to the database {url:?}: {source}")]
    Connect {
        /// The URL, password hidden.
        url: String,
        /// What the driver said.
        source: sqlx::Error,
    },
    /// The migrations could not be applied (or the database holds ones this build lacks).
    #[error("cannot bring the database {url:?} up to date (migrations): {source}")]
    Migrate {
        /// The URL, password hidden.
        url: String,
        /// What the migrator said.
        source: MigrateError,
    },
    /// A query failed.
    #[error("the database failed to {action}: {source}")]
    Query {
        /// What was being done, e.g. "add the daily counts".
        action: &'static str,
        /// What the driver said.
        source: sqlx::Error,
    },
    /// A stored row holds a value this server never writes.
    #[error("the database holds a daily count with an unknown origin {0:?}")]
    UnknownOrigin(String),
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

    /// The origin whose [`as_str`](Self::as_str) is `value`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "server" => Some(Self::Server),
            "browser" => Some(Self::Browser),
            _ => None,
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

/// The database: a pool of SQLite or PostgreSQL connections.
///
/// An enum of the two typed pools rather than `sqlx::Any`: each arm is the real driver, so
/// SQLite gets its own connect options (create the file, WAL, busy timeout, one lasting
/// connection for `:memory:`) without URL tricks or pragmas after connecting, no driver has
/// to be installed at run time, and values are decoded by the driver's own types instead of
/// Any's common subset. The price is that each query is written once and expanded for both
/// pools by the `on_pool!` macro; the tests run every query on both databases.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever typed pool `$store` holds; `$body` is
/// compiled once per driver.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            Pool::Sqlite($pool) => $body,
            Pool::Postgres($pool) => $body,
        }
    };
}

// After `on_pool!`, which it uses.
mod licences;
pub use licences::{
    EventEffect, EventOutcome, NewLicence, NewPayment, NewReversal, StoredLicence,
    SubscriptionPayment,
};

const UPSERT: &str = "\
INSERT INTO daily_counts (day, origin, outcome, version, conversions, bytes) \
VALUES ($1, $2, $3, $4, $5, $6) \
ON CONFLICT (day, origin, outcome, version) DO UPDATE SET \
conversions = daily_counts.conversions + excluded.conversions, \
bytes = daily_counts.bytes + excluded.bytes";

const SELECT_DAY: &str = "\
SELECT origin, outcome, version, conversions, bytes FROM daily_counts \
WHERE day = $1 ORDER BY origin, outcome, version";

impl Store {
    /// Opens `url` and runs the migrations:
    ///
    /// - `sqlite:PATH` (relative to the working directory, e.g. `sqlite:data/mpp2xml.db`):
    ///   the folder and the file are created when missing; WAL mode, so readers never wait
    ///   for the writer.
    /// - `sqlite::memory:`: a database that lives as long as this store (one connection kept
    ///   open), for tests.
    /// - `postgres://…` or `postgresql://…` (sqlx's options, e.g. `?sslmode=require`).
    ///   Instances starting together are safe: the migrator holds an advisory lock.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        let shown = redact(url);
        let target = url::target(url).ok_or_else(|| StorageError::UnsupportedUrl(shown.clone()))?;
        let invalid = |source| StorageError::InvalidUrl {
            url: shown.clone(),
            source,
        };
        match target {
            Target::Postgres => {
                let options = PgConnectOptions::from_str(url).map_err(invalid)?;
                Self::open_postgres(options, &shown).await
            }
            Target::SqliteMemory => {
                let options = SqliteConnectOptions::from_str(url).map_err(invalid)?;
                // The database is gone when its last connection closes: keep exactly one,
                // forever.
                let pool = PoolOptions::new()
                    .min_connections(1)
                    .max_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .acquire_timeout(ACQUIRE_TIMEOUT);
                Self::open_sqlite(options, pool, &shown).await
            }
            Target::SqliteFile => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(invalid)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT);
                let file = options.get_filename();
                if let Some(folder) = file
                    .parent()
                    .filter(|folder| !folder.as_os_str().is_empty())
                {
                    create_private_folder(folder).map_err(|source| StorageError::CreateFolder {
                        path: folder.to_path_buf(),
                        source,
                    })?;
                }
                // SQLite would create the file by the umask (often readable by everyone), and
                // gives its -wal and -shm files the database's mode: an empty private file
                // first (an empty file is an empty database) keeps all three private.
                create_private_file(file).map_err(|source| StorageError::CreateFile {
                    path: file.to_path_buf(),
                    source,
                })?;
                let mut attempt = 1;
                loop {
                    let pool = PoolOptions::new()
                        .max_connections(SQLITE_MAX_CONNECTIONS)
                        .acquire_timeout(ACQUIRE_TIMEOUT);
                    match Self::open_sqlite(options.clone(), pool, &shown).await {
                        Err(_) if attempt < SQLITE_OPEN_ATTEMPTS => {
                            tokio::time::sleep(SQLITE_RETRY_PAUSE * attempt).await;
                            attempt += 1;
                        }
                        result => return result,
                    }
                }
            }
        }
    }

    async fn open_postgres(options: PgConnectOptions, shown: &str) -> Result<Self, StorageError> {
        // One connection first, so that a refused connection, a wrong password or a missing
        // database is reported as such at once: the pool alone retries a refused connection
        // until its acquire timeout and then reports only that.
        let first = options
            .connect()
            .await
            .map_err(|source| StorageError::Connect {
                url: shown.to_owned(),
                source,
            })?;
        let _ = first.close().await;
        let pool = PoolOptions::new()
            .max_connections(POSTGRES_MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_lazy_with(options);
        // The migrator takes an advisory lock, so instances starting together take turns.
        if let Err(source) = MIGRATOR.run(&pool).await {
            pool.close().await;
            return Err(StorageError::Migrate {
                url: shown.to_owned(),
                source,
            });
        }
        Ok(Self {
            pool: Pool::Postgres(pool),
        })
    }

    /// One attempt at opening a SQLite database and migrating it.
    ///
    /// Several processes opening the same new file at the same instant race, and SQLite does
    /// not make every loser wait: switching the new file to WAL can answer "database is
    /// locked" at once (SQLite's deadlock avoidance), and the migrator, which has no lock on
    /// SQLite, fails on the table another process has just created. A loser's next attempt
    /// finds the winner's work done, so [`connect`](Self::connect) tries a file a few times.
    async fn open_sqlite(
        options: SqliteConnectOptions,
        pool: PoolOptions<sqlx::Sqlite>,
        shown: &str,
    ) -> Result<Self, StorageError> {
        let pool = pool
            .connect_with(options)
            .await
            .map_err(|source| StorageError::Connect {
                url: shown.to_owned(),
                source,
            })?;
        if let Err(source) = MIGRATOR.run(&pool).await {
            pool.close().await;
            return Err(StorageError::Migrate {
                url: shown.to_owned(),
                source,
            });
        }
        Ok(Self {
            pool: Pool::Sqlite(pool),
        })
    }

    /// `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Succeeds when the database answers a trivial query (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StorageError> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ())).map_err(
            |source| StorageError::Query {
                action: "answer a ping",
                source,
            },
        )
    }

    /// Adds `rows` to the stored daily counts in one transaction: all of them or none.
    pub async fn add_daily_counts(&self, rows: &[(CountKey, Counts)]) -> Result<(), StorageError> {
        let result: Result<(), sqlx::Error> = on_pool!(self, pool => async {
            let mut transaction = pool.begin().await?;
            for (key, counts) in rows {
                sqlx::query(UPSERT)
                    .bind(&key.day)
                    .bind(key.origin.as_str())
                    .bind(&key.outcome)
                    .bind(&key.version)
                    .bind(counts.conversions)
                    .bind(counts.bytes)
                    .execute(&mut *transaction)
                    .await?;
            }
            transaction.commit().await
        }
        .await);
        result.map_err(|source| StorageError::Query {
            action: "add the daily counts",
            source,
        })
    }

    /// The stored counts of `day` (`YYYY-MM-DD`), ordered by origin, outcome and version (in
    /// the database's text order).
    pub async fn daily_counts(&self, day: &str) -> Result<Vec<(CountKey, Counts)>, StorageError> {
        type Row = (String, String, String, i64, i64);
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as::<_, Row>(SELECT_DAY).bind(day).fetch_all(pool).await
        })
        .map_err(|source| StorageError::Query {
            action: "read the daily counts",
            source,
        })?;
        rows.into_iter()
            .map(|(origin, outcome, version, conversions, bytes)| {
                let origin = Origin::parse(&origin).ok_or(StorageError::UnknownOrigin(origin))?;
                let key = CountKey {
                    day: day.to_owned(),
                    origin,
                    outcome,
                    version,
                };
                Ok((key, Counts { conversions, bytes }))
            })
            .collect()
    }

    /// Closes the pool, waiting for its connections to be returned. Later queries fail.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_round_trip() {
        for origin in [Origin::Server, Origin::Browser] {
            assert_eq!(Origin::parse(origin.as_str()), Some(origin));
        }
        assert_eq!(Origin::parse("Server"), None);
    }

    #[test]
    fn errors_name_the_url_without_its_password() {
        let error = StorageError::UnsupportedUrl(redact("mysql://app:hunter2@db/x"));
        let message = error.to_string();
        assert!(message.contains("mysql://app:***@db/x"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}

#[cfg(test)]
mod across_databases;
