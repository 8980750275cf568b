//! The database layer, the same scenarios on every database it supports: SQLite in memory,
//! a SQLite file in a temporary folder, and PostgreSQL from `MPP2XML_TEST_POSTGRES_URL`.
//!
//! `cargo xtask test` starts a throwaway PostgreSQL and sets that variable (with
//! `MPP2XML_REQUIRE_POSTGRES=1`, so the PostgreSQL tests fail rather than skip when it is
//! missing). Each PostgreSQL test works in a database of its own, created from that URL (its
//! user must be allowed to create databases) and dropped when the test passes, so the tests
//! can run side by side and each one starts from a database without tables.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::storage::{
    CountBuffer, CountKey, Counts, EventEffect, EventOutcome, NewLicence, NewPayment, NewReversal,
    Origin, StorageError, Store, SubscriptionPayment,
};
use sqlx::{Connection, PgConnection};
use tempfile::TempDir;

const POSTGRES_URL: &str = "MPP2XML_TEST_POSTGRES_URL";
const REQUIRE_POSTGRES: &str = "MPP2XML_REQUIRE_POSTGRES";

// ---------------------------------------------------------------------------------------
// The databases.

/// A database for one test.
struct Db {
    url: String,
    /// Whether a second [`Store::connect`] to `url` sees the same data (not `:memory:`).
    persistent: bool,
    kind: &'static str,
    /// Keeps the SQLite file's folder until the test ends.
    _dir: Option<TempDir>,
    /// The PostgreSQL server's URL and this test's database, dropped by [`Db::finish`].
    postgres: Option<(String, String)>,
}

impl Db {
    fn memory() -> Self {
        Self {
            url: "sqlite::memory:".to_owned(),
            persistent: false,
            kind: "sqlite",
            _dir: None,
            postgres: None,
        }
    }

    /// A file in folders that do not exist yet, which `connect` must create.
    fn file() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("nested").join("mpp2xml.db");
        Self {
            url: format!("sqlite:{}", path.display()),
            persistent: true,
            kind: "sqlite",
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// A new, empty database named after `test` on the server of `MPP2XML_TEST_POSTGRES_URL`,
    /// or `None` (after saying so) when the variable is not set.
    async fn postgres(test: &str) -> Option<Self> {
        let server = postgres_url()?;
        let name = format!("mpp2xml_t_{test}");
        let mut admin = PgConnection::connect(&server)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_URL}: {e}"));
        // Left over by an earlier run whose test failed.
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
        admin.close().await.unwrap();
        Some(Self {
            url: with_database(&server, &name),
            persistent: true,
            kind: "postgres",
            _dir: None,
            postgres: Some((server, name)),
        })
    }

    /// Drops the test's PostgreSQL database; only reached when the test passed, so a failed
    /// one can be looked at.
    async fn finish(self) {
        if let Some((server, name)) = self.postgres {
            let mut admin = PgConnection::connect(&server).await.unwrap();
            sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await
                .unwrap();
            admin.close().await.unwrap();
        }
    }

    async fn connect(&self) -> Store {
        Store::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.url))
    }
}

/// `MPP2XML_TEST_POSTGRES_URL`; when unset, `None` after saying the test skips, or a failure
/// when `MPP2XML_REQUIRE_POSTGRES=1` (so CI cannot pass without PostgreSQL by accident).
fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_URL) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var(REQUIRE_POSTGRES).is_ok_and(|v| v == "1") => {
            panic!("{POSTGRES_URL} is not set, and {REQUIRE_POSTGRES}=1 requires PostgreSQL")
        }
        _ => {
            eprintln!("skipping: {POSTGRES_URL} is not set (cargo xtask test starts a PostgreSQL)");
            None
        }
    }
}

/// `url` with its database (the path) replaced by `database`, its options kept.
fn with_database(url: &str, database: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, format!("?{query}")),
        None => (url, String::new()),
    };
    let (scheme, rest) = head.split_once("://").expect("a postgres:// URL");
    let authority = rest
        .split_once('/')
        .map_or(rest, |(authority, _)| authority);
    format!("{scheme}://{authority}/{database}{query}")
}

/// Every scenario below, as one test per database: `sqlite_memory::NAME`,
/// `sqlite_file::NAME` and `postgres::NAME`.
macro_rules! on_every_database {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario(&super::Db::memory()).await;
                }
            )*
        }
        mod sqlite_file {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario(&super::Db::file()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    if let Some(db) = super::Db::postgres(stringify!($scenario)).await {
                        super::$scenario(&db).await;
                        db.finish().await;
                    }
                }
            )*
        }
    };
}

on_every_database!(
    migrations_run_again_without_harm,
    concurrent_connects_all_succeed,
    flushed_counts_read_back_as_sums,
    add_counts_today,
    upserts_accumulate,
    a_batch_is_one_transaction,
    ping_answers_until_closed,
    a_failed_flush_keeps_the_counts,
    a_paid_event_issues_one_licence_once,
    refunds_and_cancellations_revoke,
    concurrent_deliveries_apply_once,
    a_failed_event_leaves_no_trace,
    refunds_and_disputes_count_in_any_order,
    subscriptions_follow_their_paid_period_in_any_order,
    subscription_chargebacks_revoke_in_any_order,
    invoice_payments_link_to_their_subscription_in_any_order,
);

// ---------------------------------------------------------------------------------------
// The scenarios.

const DAY: &str = "2025-06-01";

fn key(day: &str, origin: Origin, outcome: &str, version: &str) -> CountKey {
    CountKey {
        day: day.to_owned(),
        origin,
        outcome: outcome.to_owned(),
        version: version.to_owned(),
    }
}

fn counts(conversions: i64, bytes: i64) -> Counts {
    Counts { conversions, bytes }
}

async fn migrations_run_again_without_harm(db: &Db) {
    let first = db.connect().await;
    first
        .add_daily_counts(&[(key(DAY, Origin::Server, "ok", "MPP14"), counts(1, 10))])
        .await
        .unwrap();
    // A second store while the first is open, then a third after both closed.
    let second = db.connect().await;
    first.close().await;
    second.close().await;
    let third = db.connect().await;
    let rows = third.daily_counts(DAY).await.unwrap();
    if db.persistent {
        assert_eq!(
            rows,
            vec![(key(DAY, Origin::Server, "ok", "MPP14"), counts(1, 10))]
        );
    } else {
        assert_eq!(rows, vec![]);
    }
    third.close().await;
}

async fn concurrent_connects_all_succeed(db: &Db) {
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let url = db.url.clone();
            tokio::spawn(async move { Store::connect(&url).await })
        })
        .collect();
    let mut stores = Vec::new();
    for task in tasks {
        stores.push(task.await.unwrap().unwrap_or_else(|e| panic!("{e}")));
    }
    for store in &stores {
        store
            .add_daily_counts(&[(key(DAY, Origin::Browser, "ok", "MPP12"), counts(1, 0))])
            .await
            .unwrap();
    }
    let expected = if db.persistent { 4 } else { 1 };
    let rows = stores[0].daily_counts(DAY).await.unwrap();
    assert_eq!(
        rows,
        vec![(
            key(DAY, Origin::Browser, "ok", "MPP12"),
            counts(expected, 0)
        )]
    );
    for store in stores {
        store.close().await;
    }
}

async fn flushed_counts_read_back_as_sums(db: &Db) {
    let store = db.connect().await;
    let buffer = CountBuffer::default();
    buffer.add_on(DAY.into(), Origin::Server, "ok", "MPP14", 1_000);
    buffer.add_on(DAY.into(), Origin::Server, "ok", "MPP14", 2_500);
    buffer.add_on(DAY.into(), Origin::Server, "corrupt", "MPP12", 300);
    buffer.add_on(DAY.into(), Origin::Browser, "ok", "MPP14", 0);
    buffer.add_on("2025-06-02".into(), Origin::Server, "ok", "MPP9", 5);
    assert_eq!(buffer.flush(&store).await.unwrap(), 4);
    assert!(buffer.is_empty());
    assert_eq!(
        buffer.flush(&store).await.unwrap(),
        0,
        "nothing left to write"
    );

    assert_eq!(
        store.daily_counts(DAY).await.unwrap(),
        vec![
            (key(DAY, Origin::Browser, "ok", "MPP14"), counts(1, 0)),
            (key(DAY, Origin::Server, "corrupt", "MPP12"), counts(1, 300)),
            (key(DAY, Origin::Server, "ok", "MPP14"), counts(2, 3_500)),
        ]
    );
    assert_eq!(
        store.daily_counts("2025-06-02").await.unwrap(),
        vec![(
            key("2025-06-02", Origin::Server, "ok", "MPP9"),
            counts(1, 5)
        )]
    );
    assert_eq!(store.daily_counts("2025-06-03").await.unwrap(), vec![]);

    // A second flush adds to the stored sums.
    buffer.add_on(DAY.into(), Origin::Server, "ok", "MPP14", 500);
    assert_eq!(buffer.flush(&store).await.unwrap(), 1);
    let rows = store.daily_counts(DAY).await.unwrap();
    assert_eq!(
        rows[2],
        (key(DAY, Origin::Server, "ok", "MPP14"), counts(3, 4_000))
    );
    store.close().await;
}

async fn add_counts_today(db: &Db) {
    let store = db.connect().await;
    let buffer = CountBuffer::default();
    let before = crate::storage::today();
    buffer.add(Origin::Server, "truncated", "MPP9", 42);
    let after = crate::storage::today();
    buffer.flush(&store).await.unwrap();
    // Midnight may fall between the two readings of the clock.
    let mut rows = store.daily_counts(&before).await.unwrap();
    if before != after {
        rows.extend(store.daily_counts(&after).await.unwrap());
    }
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0.outcome, "truncated");
    assert_eq!(rows[0].1, counts(1, 42));
    store.close().await;
}

async fn upserts_accumulate(db: &Db) {
    let store = db.connect().await;
    let a = key(DAY, Origin::Server, "ok", "MPP14");
    let b = key(DAY, Origin::Server, "ok", "MPP12");
    store
        .add_daily_counts(&[(a.clone(), counts(2, 200)), (b.clone(), counts(1, 7))])
        .await
        .unwrap();
    store
        .add_daily_counts(&[(a.clone(), counts(3, 300))])
        .await
        .unwrap();
    // The same key twice in one batch adds up too.
    store
        .add_daily_counts(&[(b.clone(), counts(1, 1)), (b.clone(), counts(1, 1))])
        .await
        .unwrap();
    store.add_daily_counts(&[]).await.unwrap();
    assert_eq!(
        store.daily_counts(DAY).await.unwrap(),
        vec![(b, counts(3, 9)), (a, counts(5, 500))]
    );
    store.close().await;
}

async fn a_batch_is_one_transaction(db: &Db) {
    let store = db.connect().await;
    let good = key(DAY, Origin::Server, "ok", "MPP14");
    store
        .add_daily_counts(&[(good.clone(), counts(1, 1))])
        .await
        .unwrap();
    // The table refuses negative counts, so the second row fails and the first must not stay.
    let error = store
        .add_daily_counts(&[
            (good.clone(), counts(10, 10)),
            (key(DAY, Origin::Server, "ok", "MPP9"), counts(-1, 0)),
        ])
        .await
        .unwrap_err();
    assert!(matches!(error, StorageError::Query { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("the database failed to add the daily counts: "),
        "{error}"
    );
    assert_eq!(
        store.daily_counts(DAY).await.unwrap(),
        vec![(good, counts(1, 1))]
    );
    store.close().await;
}

async fn ping_answers_until_closed(db: &Db) {
    let store = db.connect().await;
    assert_eq!(store.kind(), db.kind);
    store.ping().await.unwrap();
    store.clone().ping().await.unwrap();
    store.close().await;
    let error = store.ping().await.unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("the database failed to answer a ping: "),
        "{error}"
    );
}

async fn a_failed_flush_keeps_the_counts(db: &Db) {
    let closed = db.connect().await;
    closed.close().await;
    let buffer = CountBuffer::default();
    buffer.add_on(DAY.into(), Origin::Server, "ok", "MPP14", 100);
    buffer.add_on(DAY.into(), Origin::Browser, "not_mpp", "unknown", 0);
    assert!(buffer.flush(&closed).await.is_err());
    assert_eq!(buffer.len(), 2, "the counts wait for the next flush");
    // Arrives before the next flush and merges with what was kept.
    buffer.add_on(DAY.into(), Origin::Server, "ok", "MPP14", 50);

    let store = db.connect().await;
    assert_eq!(buffer.flush(&store).await.unwrap(), 2);
    assert_eq!(
        store.daily_counts(DAY).await.unwrap(),
        vec![
            (
                key(DAY, Origin::Browser, "not_mpp", "unknown"),
                counts(1, 0)
            ),
            (key(DAY, Origin::Server, "ok", "MPP14"), counts(2, 150)),
        ]
    );
    assert_eq!(buffer.dropped(), 0);
    store.close().await;
}

// ---------------------------------------------------------------------------------------
// Connecting, whatever the database.

#[tokio::test]
async fn unsupported_urls_are_refused_without_showing_the_password() {
    for url in [
        "mysql://app:hunter2@db/mpp2xml",
        "data/mpp2xml.db",
        "",
        "http://example.invalid/",
    ] {
        let error = Store::connect(url).await.unwrap_err();
        assert!(
            matches!(error, StorageError::UnsupportedUrl(_)),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.starts_with("unsupported database URL"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}

#[tokio::test]
async fn a_malformed_postgres_url_is_reported_without_the_password() {
    let error = Store::connect("postgres://app:hunter2@db.invalid:notaport/mpp2xml")
        .await
        .unwrap_err();
    assert!(
        matches!(error, StorageError::InvalidUrl { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with(
            "invalid database URL \"postgres://app:***@db.invalid:notaport/mpp2xml\": "
        ),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
}

#[tokio::test]
async fn an_unreachable_postgres_is_reported_without_the_password() {
    // Nothing listens on port 1 of the loopback address: the connection is refused at once.
    let error = Store::connect("postgres://app:hunter2@127.0.0.1:1/mpp2xml")
        .await
        .unwrap_err();
    assert!(matches!(error, StorageError::Connect { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with(
            "cannot connect to the database \"postgres://app:***@127.0.0.1:1/mpp2xml\": "
        ),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
}

#[tokio::test]
async fn a_sqlite_file_is_created_with_its_folders_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a").join("b").join("counts.db");
    let store = Store::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    store
        .add_daily_counts(&[(key(DAY, Origin::Server, "ok", "MPP14"), counts(1, 1))])
        .await
        .unwrap();
    assert!(path.is_file());
    // In WAL mode a write goes to the write-ahead log beside the file first.
    assert!(path.with_extension("db-wal").is_file());
    // Private: the folders made, the database and its log.
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir.path().join("a")), 0o700);
    assert_eq!(mode(&dir.path().join("a").join("b")), 0o700);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&path.with_extension("db-wal")), 0o600);
    store.close().await;
}

#[tokio::test]
async fn a_sqlite_folder_that_cannot_be_made_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"not a folder").unwrap();
    let url = format!("sqlite:{}", file.join("counts.db").display());
    let error = Store::connect(&url).await.unwrap_err();
    assert!(
        matches!(error, StorageError::CreateFolder { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().starts_with("cannot create the folder "),
        "{error}"
    );
}

#[test]
fn the_database_is_swapped_in_the_url() {
    assert_eq!(
        with_database("postgres://u@127.0.0.1:5/mpp2xml_test", "x"),
        "postgres://u@127.0.0.1:5/x"
    );
    assert_eq!(
        with_database("postgresql://u:p@h/db?sslmode=require", "x"),
        "postgresql://u:p@h/x?sslmode=require"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
}

// ---------------------------------------------------------------------------------------
// Pro purchases.

fn payment(session: &str, intent: Option<&str>, subscription: Option<&str>) -> NewPayment {
    NewPayment {
        session_id: session.to_owned(),
        mode: if subscription.is_some() {
            "subscription"
        } else {
            "payment"
        }
        .to_owned(),
        payment_intent: intent.map(str::to_owned),
        subscription_id: subscription.map(str::to_owned),
        customer_id: Some("cus_1".to_owned()),
        amount_total: Some(4900),
        currency: Some("eur".to_owned()),
        paid_at: 1_000,
    }
}

fn licence(id: &str) -> NewLicence {
    NewLicence {
        id: id.to_owned(),
        token: format!("v1.token-of-{id}.sig"),
        plan: "pro".to_owned(),
        features: "batch,fallback,api".to_owned(),
        issued_at: 1_000,
        expires_at: 2_000,
    }
}

fn issue(session: &str, intent: Option<&str>, subscription: Option<&str>, id: &str) -> EventEffect {
    EventEffect::Issue {
        payment: Box::new(payment(session, intent, subscription)),
        licence: Box::new(licence(id)),
    }
}

fn applied(issued: bool, revoked: &[&str]) -> EventOutcome {
    EventOutcome::Applied {
        issued,
        revoked: revoked.iter().map(|id| (*id).to_owned()).collect(),
        restored: Vec::new(),
        extended: Vec::new(),
    }
}

/// A full refund of the charge `charge` of `intent`.
fn refund(charge: &str, intent: &str, at: i64) -> EventEffect {
    EventEffect::Reversal {
        reversal: Box::new(NewReversal {
            id: charge.to_owned(),
            kind: "refund",
            payment_intent: Some(intent.to_owned()),
            charge_id: Some(charge.to_owned()),
            status: "refunded".to_owned(),
            active: true,
            settled: true,
            event_created: at,
        }),
        at,
    }
}

const COMPLETED: &str = "checkout.session.completed";

async fn a_paid_event_issues_one_licence_once(db: &Db) {
    let store = db.connect().await;
    assert_eq!(store.licence_for_session("cs_1").await.unwrap(), None);
    let effect = issue("cs_1", Some("pi_1"), None, "lic_a");
    assert_eq!(
        store
            .apply_stripe_event("evt_1", COMPLETED, 1_000, &effect)
            .await
            .unwrap(),
        applied(true, &[])
    );
    let stored = store.licence_for_session("cs_1").await.unwrap().unwrap();
    assert_eq!(stored.id, "lic_a");
    assert_eq!(stored.token, "v1.token-of-lic_a.sig");
    assert_eq!(stored.plan, "pro");
    assert_eq!((stored.issued_at, stored.expires_at), (1_000, 2_000));
    assert_eq!(stored.revoked_at, None);
    assert_eq!(store.licence("lic_a").await.unwrap(), Some(stored));
    assert_eq!(
        store.stripe_event_type("evt_1").await.unwrap().as_deref(),
        Some(COMPLETED)
    );
    // Stripe retries the same event: nothing happens.
    let retry = issue("cs_1", Some("pi_1"), None, "lic_b");
    assert_eq!(
        store
            .apply_stripe_event("evt_1", COMPLETED, 1_001, &retry)
            .await
            .unwrap(),
        EventOutcome::Duplicate
    );
    // Another event about the same session (async payment succeeded) keeps the first licence.
    assert_eq!(
        store
            .apply_stripe_event(
                "evt_2",
                "checkout.session.async_payment_succeeded",
                1_002,
                &retry
            )
            .await
            .unwrap(),
        applied(false, &[])
    );
    assert_eq!(store.licence_count().await.unwrap(), 1);
    assert_eq!(store.licence("lic_b").await.unwrap(), None);
    // Types the server does not act on are recorded all the same.
    assert_eq!(
        store
            .apply_stripe_event("evt_3", "invoice.paid", 1_003, &EventEffect::Record)
            .await
            .unwrap(),
        applied(false, &[])
    );
    assert_eq!(
        store
            .apply_stripe_event("evt_3", "invoice.paid", 1_004, &EventEffect::Record)
            .await
            .unwrap(),
        EventOutcome::Duplicate
    );
    assert_eq!(store.stripe_event_type("evt_9").await.unwrap(), None);
    store.close().await;
}

async fn refunds_and_cancellations_revoke(db: &Db) {
    let store = db.connect().await;
    for (event, effect) in [
        ("evt_1", issue("cs_1", Some("pi_1"), None, "lic_paid")),
        ("evt_2", issue("cs_2", Some("pi_2"), None, "lic_kept")),
        ("evt_3", issue("cs_3", None, Some("sub_1"), "lic_sub")),
    ] {
        store
            .apply_stripe_event(event, COMPLETED, 1_000, &effect)
            .await
            .unwrap();
    }
    assert!(store.revoked_licence_ids().await.unwrap().is_empty());
    let first_refund = refund("ch_1", "pi_1", 1_500);
    assert_eq!(
        store
            .apply_stripe_event("evt_4", "charge.refunded", 1_500, &first_refund)
            .await
            .unwrap(),
        applied(false, &["lic_paid"])
    );
    // A second refund event of the same payment revokes nothing more.
    assert_eq!(
        store
            .apply_stripe_event(
                "evt_5",
                "charge.refunded",
                1_600,
                &refund("ch_1", "pi_1", 1_600)
            )
            .await
            .unwrap(),
        applied(false, &[])
    );
    let cancelled = EventEffect::RevokeBySubscription {
        subscription_id: "sub_1".to_owned(),
        at: 1_700,
        reason: "subscription_deleted",
    };
    assert_eq!(
        store
            .apply_stripe_event("evt_6", "customer.subscription.deleted", 1_700, &cancelled)
            .await
            .unwrap(),
        applied(false, &["lic_sub"])
    );
    // A payment this server never saw revokes nothing.
    let unknown = refund("ch_other", "pi_other", 1_800);
    assert_eq!(
        store
            .apply_stripe_event("evt_7", "charge.refunded", 1_800, &unknown)
            .await
            .unwrap(),
        applied(false, &[])
    );
    let mut revoked = store.revoked_licence_ids().await.unwrap();
    revoked.sort();
    assert_eq!(revoked, vec!["lic_paid", "lic_sub"]);
    let paid = store.licence("lic_paid").await.unwrap().unwrap();
    assert_eq!(paid.revoked_at, Some(1_500), "the first revocation is kept");
    assert_eq!(
        store.licence("lic_kept").await.unwrap().unwrap().revoked_at,
        None
    );
    store.close().await;
}

fn dispute(id: &str, intent: &str, status: &str, created: i64) -> EventEffect {
    let settled = matches!(status, "won" | "lost" | "warning_closed");
    EventEffect::Reversal {
        reversal: Box::new(NewReversal {
            id: id.to_owned(),
            kind: "dispute",
            payment_intent: Some(intent.to_owned()),
            charge_id: Some(format!("ch_of_{intent}")),
            status: status.to_owned(),
            active: !matches!(status, "won" | "warning_closed"),
            settled,
            event_created: created,
        }),
        at: created,
    }
}

fn outcome(issued: bool, revoked: &[&str], restored: &[&str], extended: &[&str]) -> EventOutcome {
    let owned = |ids: &[&str]| ids.iter().map(|id| (*id).to_owned()).collect();
    EventOutcome::Applied {
        issued,
        revoked: owned(revoked),
        restored: owned(restored),
        extended: owned(extended),
    }
}

async fn revoked_at(store: &Store, id: &str) -> Option<i64> {
    store.licence(id).await.unwrap().unwrap().revoked_at
}

async fn refunds_and_disputes_count_in_any_order(db: &Db) {
    let store = db.connect().await;
    let mut n = 0;
    let mut apply = async |kind: &str, effect: EventEffect| {
        n += 1;
        store
            .apply_stripe_event(&format!("evt_{n}"), kind, 1_000 + n, &effect)
            .await
            .unwrap()
    };
    // A refund processed before its purchase event arrived (delayed, or retried): the licence
    // is born revoked.
    assert_eq!(
        apply("charge.refunded", refund("ch_1", "pi_1", 900)).await,
        applied(false, &[])
    );
    assert_eq!(
        apply(COMPLETED, issue("cs_1", Some("pi_1"), None, "lic_late")).await,
        applied(true, &["lic_late"])
    );
    assert_eq!(revoked_at(&store, "lic_late").await, Some(1_000));
    // The same for a dispute opened first.
    apply(
        "charge.dispute.created",
        dispute("dp_0", "pi_0", "needs_response", 900),
    )
    .await;
    assert_eq!(
        apply(COMPLETED, issue("cs_0", Some("pi_0"), None, "lic_disputed")).await,
        applied(true, &["lic_disputed"])
    );

    // A dispute lost: revoked, and stays revoked.
    apply(COMPLETED, issue("cs_2", Some("pi_2"), None, "lic_lost")).await;
    assert_eq!(
        apply(
            "charge.dispute.created",
            dispute("dp_2", "pi_2", "needs_response", 2_000)
        )
        .await,
        outcome(false, &["lic_lost"], &[], &[])
    );
    assert_eq!(
        apply(
            "charge.dispute.closed",
            dispute("dp_2", "pi_2", "lost", 2_100)
        )
        .await,
        applied(false, &[])
    );
    assert!(revoked_at(&store, "lic_lost").await.is_some());

    // A dispute won: revoked while open, restored when won.
    apply(COMPLETED, issue("cs_3", Some("pi_3"), None, "lic_won")).await;
    assert_eq!(
        apply(
            "charge.dispute.created",
            dispute("dp_3", "pi_3", "needs_response", 3_000)
        )
        .await,
        outcome(false, &["lic_won"], &[], &[])
    );
    assert_eq!(
        apply(
            "charge.dispute.closed",
            dispute("dp_3", "pi_3", "won", 3_100)
        )
        .await,
        outcome(false, &[], &["lic_won"], &[])
    );
    assert_eq!(revoked_at(&store, "lic_won").await, None);
    // The `created` of the dispute, delivered late, does not revoke it again.
    assert_eq!(
        apply(
            "charge.dispute.created",
            dispute("dp_3", "pi_3", "needs_response", 3_000)
        )
        .await,
        applied(false, &[])
    );
    assert_eq!(revoked_at(&store, "lic_won").await, None);

    // Won before its opening arrived: never revoked.
    apply(
        COMPLETED,
        issue("cs_4", Some("pi_4"), None, "lic_early_win"),
    )
    .await;
    apply(
        "charge.dispute.closed",
        dispute("dp_4", "pi_4", "won", 4_100),
    )
    .await;
    apply(
        "charge.dispute.created",
        dispute("dp_4", "pi_4", "needs_response", 4_000),
    )
    .await;
    assert_eq!(revoked_at(&store, "lic_early_win").await, None);

    // A won dispute does not restore a payment that was also refunded.
    apply(COMPLETED, issue("cs_5", Some("pi_5"), None, "lic_refunded")).await;
    apply("charge.refunded", refund("ch_5", "pi_5", 5_000)).await;
    apply(
        "charge.dispute.created",
        dispute("dp_5", "pi_5", "needs_response", 5_100),
    )
    .await;
    assert_eq!(
        apply(
            "charge.dispute.closed",
            dispute("dp_5", "pi_5", "won", 5_200)
        )
        .await,
        applied(false, &[])
    );
    assert!(revoked_at(&store, "lic_refunded").await.is_some());

    let mut revoked = store.revoked_licence_ids().await.unwrap();
    revoked.sort();
    assert_eq!(
        revoked,
        ["lic_disputed", "lic_late", "lic_lost", "lic_refunded"]
    );
    store.close().await;
}

fn paid_until(subscription: &str, licence_until: i64) -> EventEffect {
    EventEffect::SubscriptionPaid {
        subscription_id: subscription.to_owned(),
        licence_until,
        invoice_id: None,
        payments: Vec::new(),
    }
}

/// `invoice.paid` of `subscription` until `licence_until`, paid with `intent`.
fn paid_with(subscription: &str, licence_until: i64, intent: &str) -> EventEffect {
    EventEffect::SubscriptionPaid {
        subscription_id: subscription.to_owned(),
        licence_until,
        invoice_id: Some(format!("in_of_{intent}")),
        payments: vec![SubscriptionPayment {
            payment_intent: intent.to_owned(),
            charge_id: Some(format!("ch_of_{intent}")),
        }],
    }
}

fn ended(subscription: &str, at: i64) -> EventEffect {
    EventEffect::RevokeBySubscription {
        subscription_id: subscription.to_owned(),
        at,
        reason: "subscription_deleted",
    }
}

async fn subscriptions_follow_their_paid_period_in_any_order(db: &Db) {
    let store = db.connect().await;
    let mut n = 0;
    let mut apply = async |kind: &str, effect: EventEffect| {
        n += 1;
        store
            .apply_stripe_event(&format!("evt_{n}"), kind, 1_000 + n, &effect)
            .await
            .unwrap()
    };
    let expires = async |id: &str| store.licence(id).await.unwrap().unwrap().expires_at;
    // The first invoice is paid before the Checkout Session's event arrives.
    assert_eq!(
        apply("invoice.paid", paid_until("sub_1", 50_000)).await,
        applied(false, &[])
    );
    assert_eq!(
        apply(COMPLETED, issue("cs_1", None, Some("sub_1"), "lic_sub")).await,
        applied(true, &[])
    );
    assert_eq!(expires("lic_sub").await, 50_000);
    // The renewal moves it on.
    assert_eq!(
        apply("invoice.paid", paid_until("sub_1", 90_000)).await,
        outcome(false, &[], &[], &["lic_sub"])
    );
    assert_eq!(expires("lic_sub").await, 90_000);
    // An older invoice's event, late, does not bring it back.
    assert_eq!(
        apply("invoice.paid", paid_until("sub_1", 50_000)).await,
        applied(false, &[])
    );
    assert_eq!(expires("lic_sub").await, 90_000);
    // A session whose invoice comes after keeps its own expiry until then.
    apply(COMPLETED, issue("cs_2", None, Some("sub_2"), "lic_sub2")).await;
    assert_eq!(expires("lic_sub2").await, 2_000);
    assert_eq!(
        apply("invoice.paid", paid_until("sub_2", 40_000)).await,
        outcome(false, &[], &[], &["lic_sub2"])
    );
    // The subscription ends: revoked; a renewal event arriving after does not bring it back.
    assert_eq!(
        apply("customer.subscription.deleted", ended("sub_1", 60_000)).await,
        applied(false, &["lic_sub"])
    );
    apply("invoice.paid", paid_until("sub_1", 120_000)).await;
    assert_eq!(revoked_at(&store, "lic_sub").await, Some(60_000));
    // Ended before its Checkout Session's event arrived: born revoked.
    apply("customer.subscription.deleted", ended("sub_3", 70_000)).await;
    assert_eq!(
        apply(COMPLETED, issue("cs_3", None, Some("sub_3"), "lic_sub3")).await,
        applied(true, &["lic_sub3"])
    );
    store.close().await;
}

/// A subscription's licence is found through the PaymentIntents its invoices were paid with:
/// a refund or a dispute of any of them revokes it, a dispute won restores it, and the end state
/// is the same whichever of the invoice, the reversal and the Checkout Session came first.
async fn subscription_chargebacks_revoke_in_any_order(db: &Db) {
    let store = db.connect().await;
    let mut n = 0;
    let mut apply = async |kind: &str, effect: EventEffect| {
        n += 1;
        store
            .apply_stripe_event(&format!("evt_{n}"), kind, 10_000 + n, &effect)
            .await
            .unwrap()
    };
    let sub =
        |session: &str, subscription: &str, id: &str| issue(session, None, Some(subscription), id);

    // A renewal's invoice refunded: the licence is revoked, though the refund names only the
    // renewal's payment; once only (a second report of it revokes nothing more).
    apply(COMPLETED, sub("cs_1", "sub_1", "lic_1")).await;
    assert_eq!(
        apply("invoice.paid", paid_with("sub_1", 50_000, "pi_1a")).await,
        outcome(false, &[], &[], &["lic_1"])
    );
    assert_eq!(
        apply("invoice.paid", paid_with("sub_1", 90_000, "pi_1b")).await,
        outcome(false, &[], &[], &["lic_1"])
    );
    assert_eq!(
        apply("charge.refunded", refund("ch_1b", "pi_1b", 60_000)).await,
        applied(false, &["lic_1"])
    );
    assert_eq!(
        apply("charge.refunded", refund("ch_1b", "pi_1b", 60_001)).await,
        applied(false, &[])
    );
    assert!(revoked_at(&store, "lic_1").await.is_some());

    // A dispute revokes; won, it restores.
    apply(COMPLETED, sub("cs_2", "sub_2", "lic_2")).await;
    apply("invoice.paid", paid_with("sub_2", 50_000, "pi_2")).await;
    assert_eq!(
        apply(
            "charge.dispute.created",
            dispute("dp_2", "pi_2", "needs_response", 20_000)
        )
        .await,
        outcome(false, &["lic_2"], &[], &[])
    );
    assert_eq!(
        apply(
            "charge.dispute.closed",
            dispute("dp_2", "pi_2", "won", 20_100)
        )
        .await,
        outcome(false, &[], &["lic_2"], &[])
    );
    assert_eq!(revoked_at(&store, "lic_2").await, None);

    // The refund first, then the invoice, then the Checkout Session: born revoked.
    assert_eq!(
        apply("charge.refunded", refund("ch_3", "pi_3", 30_000)).await,
        applied(false, &[])
    );
    assert_eq!(
        apply("invoice.paid", paid_with("sub_3", 50_000, "pi_3")).await,
        applied(false, &[])
    );
    assert_eq!(
        apply(COMPLETED, sub("cs_3", "sub_3", "lic_3")).await,
        applied(true, &["lic_3"])
    );
    // The invoice, then the refund, then the Checkout Session: the same.
    apply("invoice.paid", paid_with("sub_4", 50_000, "pi_4")).await;
    assert_eq!(
        apply("charge.refunded", refund("ch_4", "pi_4", 40_000)).await,
        applied(false, &[])
    );
    assert_eq!(
        apply(COMPLETED, sub("cs_4", "sub_4", "lic_4")).await,
        applied(true, &["lic_4"])
    );
    assert_eq!(
        store.licence("lic_4").await.unwrap().unwrap().expires_at,
        50_000
    );
    // The Checkout Session, then the dispute, then its invoice: revoked when the invoice links
    // them (and extended all the same, for when the dispute is won).
    apply(COMPLETED, sub("cs_7", "sub_7", "lic_7")).await;
    assert_eq!(
        apply(
            "charge.dispute.created",
            dispute("dp_7", "pi_7", "needs_response", 70_000)
        )
        .await,
        applied(false, &[])
    );
    assert_eq!(
        apply("invoice.paid", paid_with("sub_7", 50_000, "pi_7")).await,
        outcome(false, &["lic_7"], &[], &["lic_7"])
    );
    assert_eq!(
        apply(
            "charge.dispute.closed",
            dispute("dp_7", "pi_7", "won", 70_100)
        )
        .await,
        outcome(false, &[], &["lic_7"], &[])
    );

    // A dispute won after the subscription ended restores nothing.
    apply(COMPLETED, sub("cs_5", "sub_5", "lic_5")).await;
    apply("invoice.paid", paid_with("sub_5", 50_000, "pi_5")).await;
    apply(
        "charge.dispute.created",
        dispute("dp_5", "pi_5", "needs_response", 50_000),
    )
    .await;
    apply("customer.subscription.deleted", ended("sub_5", 50_050)).await;
    assert_eq!(
        apply(
            "charge.dispute.closed",
            dispute("dp_5", "pi_5", "won", 50_100)
        )
        .await,
        applied(false, &[])
    );
    assert!(revoked_at(&store, "lic_5").await.is_some());

    // Nor one won while another invoice of the subscription stays refunded.
    apply(COMPLETED, sub("cs_6", "sub_6", "lic_6")).await;
    apply("invoice.paid", paid_with("sub_6", 50_000, "pi_6a")).await;
    apply("invoice.paid", paid_with("sub_6", 90_000, "pi_6b")).await;
    apply("charge.refunded", refund("ch_6a", "pi_6a", 60_000)).await;
    apply(
        "charge.dispute.created",
        dispute("dp_6", "pi_6b", "needs_response", 60_100),
    )
    .await;
    assert_eq!(
        apply(
            "charge.dispute.closed",
            dispute("dp_6", "pi_6b", "won", 60_200)
        )
        .await,
        applied(false, &[])
    );
    assert!(revoked_at(&store, "lic_6").await.is_some());

    // A session that names a PaymentIntent of its own (Stripe gives none in subscription mode
    // today) refunded: the subscription's next invoice does not restore it.
    apply(
        COMPLETED,
        issue("cs_8", Some("pi_8"), Some("sub_8"), "lic_8"),
    )
    .await;
    assert_eq!(
        apply("charge.refunded", refund("ch_8", "pi_8", 80_000)).await,
        applied(false, &["lic_8"])
    );
    assert_eq!(
        apply("invoice.paid", paid_with("sub_8", 90_000, "pi_8b")).await,
        outcome(false, &[], &[], &["lic_8"])
    );
    assert!(revoked_at(&store, "lic_8").await.is_some());

    // The same invoice's event delivered twice changes nothing the second time.
    let again = paid_with("sub_2", 50_000, "pi_2");
    assert_eq!(
        store
            .apply_stripe_event("evt_again", "invoice.paid", 99_000, &again)
            .await
            .unwrap(),
        applied(false, &[])
    );
    assert_eq!(
        store
            .apply_stripe_event("evt_again", "invoice.paid", 99_001, &again)
            .await
            .unwrap(),
        EventOutcome::Duplicate
    );

    let mut revoked = store.revoked_licence_ids().await.unwrap();
    revoked.sort();
    assert_eq!(
        revoked,
        ["lic_1", "lic_3", "lic_4", "lic_5", "lic_6", "lic_8"]
    );
    store.close().await;
}

/// `invoice.paid` of `invoice` of `subscription` in the shape of API versions since 2025-03-31
/// without its `payments` (only sent when expanded): it names no payment.
fn invoice_paid(subscription: &str, invoice: &str, licence_until: i64) -> EventEffect {
    EventEffect::SubscriptionPaid {
        subscription_id: subscription.to_owned(),
        licence_until,
        invoice_id: Some(invoice.to_owned()),
        payments: Vec::new(),
    }
}

/// `invoice_payment.paid`: `intent` paid `invoice`.
fn invoice_payment(invoice: &str, intent: &str) -> EventEffect {
    EventEffect::InvoicePaymentPaid {
        invoice_id: invoice.to_owned(),
        payment_intent: intent.to_owned(),
    }
}

/// `invoice_payment.paid` names the payment and the invoice, `invoice.paid` the invoice and the
/// subscription: the payment is the subscription's as soon as both arrived, whichever came
/// first, and before or after the Checkout Session, and a refund or dispute of it then counts
/// as for any payment of the subscription.
async fn invoice_payments_link_to_their_subscription_in_any_order(db: &Db) {
    const PAID: &str = "invoice.paid";
    const PAYMENT: &str = "invoice_payment.paid";
    let store = db.connect().await;
    let mut n = 0;
    let mut apply = async |kind: &str, effect: EventEffect| {
        n += 1;
        store
            .apply_stripe_event(&format!("evt_{n}"), kind, 10_000 + n, &effect)
            .await
            .unwrap()
    };
    let sub =
        |session: &str, subscription: &str, id: &str| issue(session, None, Some(subscription), id);

    // The invoice, then its payment: linked when the payment comes; its refund revokes.
    apply(COMPLETED, sub("cs_1", "sub_1", "lic_1")).await;
    assert_eq!(
        apply(PAID, invoice_paid("sub_1", "in_1", 50_000)).await,
        outcome(false, &[], &[], &["lic_1"])
    );
    assert_eq!(
        apply(PAYMENT, invoice_payment("in_1", "pi_1")).await,
        applied(false, &[])
    );
    assert_eq!(
        apply("charge.refunded", refund("ch_1", "pi_1", 11_000)).await,
        applied(false, &["lic_1"])
    );

    // The payment, then its invoice: linked when the invoice comes.
    apply(COMPLETED, sub("cs_2", "sub_2", "lic_2")).await;
    assert_eq!(
        apply(PAYMENT, invoice_payment("in_2", "pi_2")).await,
        applied(false, &[])
    );
    assert_eq!(
        apply(PAID, invoice_paid("sub_2", "in_2", 50_000)).await,
        outcome(false, &[], &[], &["lic_2"])
    );
    assert_eq!(
        apply("charge.refunded", refund("ch_2", "pi_2", 12_000)).await,
        applied(false, &["lic_2"])
    );

    // The refund before either, then the payment, the Checkout Session and the invoice:
    // revoked when the invoice completes the link.
    assert_eq!(
        apply("charge.refunded", refund("ch_3", "pi_3", 13_000)).await,
        applied(false, &[])
    );
    assert_eq!(
        apply(PAYMENT, invoice_payment("in_3", "pi_3")).await,
        applied(false, &[])
    );
    assert_eq!(
        apply(COMPLETED, sub("cs_3", "sub_3", "lic_3")).await,
        applied(true, &[])
    );
    assert_eq!(
        apply(PAID, invoice_paid("sub_3", "in_3", 50_000)).await,
        outcome(false, &["lic_3"], &[], &["lic_3"])
    );

    // The refund before either, then the invoice and the payment, the Checkout Session last:
    // born revoked, with the period the invoice paid for.
    apply("charge.refunded", refund("ch_4", "pi_4", 14_000)).await;
    assert_eq!(
        apply(PAID, invoice_paid("sub_4", "in_4", 50_000)).await,
        applied(false, &[])
    );
    assert_eq!(
        apply(PAYMENT, invoice_payment("in_4", "pi_4")).await,
        applied(false, &[])
    );
    assert_eq!(
        apply(COMPLETED, sub("cs_4", "sub_4", "lic_4")).await,
        applied(true, &["lic_4"])
    );
    assert_eq!(
        store.licence("lic_4").await.unwrap().unwrap().expires_at,
        50_000
    );

    // A dispute recorded before the payment's event: revoked when it links; won, restored.
    apply(COMPLETED, sub("cs_5", "sub_5", "lic_5")).await;
    apply(PAID, invoice_paid("sub_5", "in_5", 50_000)).await;
    assert_eq!(
        apply(
            "charge.dispute.created",
            dispute("dp_5", "pi_5", "needs_response", 15_000)
        )
        .await,
        applied(false, &[])
    );
    assert_eq!(
        apply(PAYMENT, invoice_payment("in_5", "pi_5")).await,
        outcome(false, &["lic_5"], &[], &[])
    );
    assert_eq!(
        apply(
            "charge.dispute.closed",
            dispute("dp_5", "pi_5", "won", 15_100)
        )
        .await,
        outcome(false, &[], &["lic_5"], &[])
    );
    assert_eq!(revoked_at(&store, "lic_5").await, None);

    // Linked after the subscription ended: a dispute won restores nothing.
    apply(COMPLETED, sub("cs_6", "sub_6", "lic_6")).await;
    apply(PAYMENT, invoice_payment("in_6", "pi_6")).await;
    apply(
        "charge.dispute.created",
        dispute("dp_6", "pi_6", "needs_response", 16_000),
    )
    .await;
    assert_eq!(
        apply("customer.subscription.deleted", ended("sub_6", 16_050)).await,
        applied(false, &["lic_6"])
    );
    apply(PAID, invoice_paid("sub_6", "in_6", 50_000)).await;
    assert_eq!(
        apply(
            "charge.dispute.closed",
            dispute("dp_6", "pi_6", "won", 16_100)
        )
        .await,
        applied(false, &[])
    );
    assert!(revoked_at(&store, "lic_6").await.is_some());

    // A payment of an invoice of no known subscription, refunded, revokes nothing.
    apply(PAYMENT, invoice_payment("in_other", "pi_other")).await;
    assert_eq!(
        apply("charge.refunded", refund("ch_other", "pi_other", 17_000)).await,
        applied(false, &[])
    );

    // Duplicates and resends change nothing: the same event twice, the payment's and the
    // invoice's events again under new ids.
    let first = revoked_at(&store, "lic_1").await;
    let again = invoice_payment("in_1", "pi_1");
    assert_eq!(
        store
            .apply_stripe_event("evt_again", PAYMENT, 99_000, &again)
            .await
            .unwrap(),
        applied(false, &[])
    );
    assert_eq!(
        store
            .apply_stripe_event("evt_again", PAYMENT, 99_001, &again)
            .await
            .unwrap(),
        EventOutcome::Duplicate
    );
    assert_eq!(
        apply(PAID, invoice_paid("sub_1", "in_1", 50_000)).await,
        applied(false, &[])
    );
    assert_eq!(
        apply(PAYMENT, invoice_payment("in_5", "pi_5")).await,
        applied(false, &[])
    );
    assert_eq!(revoked_at(&store, "lic_1").await, first);
    assert_eq!(revoked_at(&store, "lic_5").await, None);

    let mut revoked = store.revoked_licence_ids().await.unwrap();
    revoked.sort();
    assert_eq!(revoked, ["lic_1", "lic_2", "lic_3", "lic_4", "lic_6"]);
    store.close().await;
}

/// The same event delivered many times at once, through two stores when the database outlives
/// one (two instances), gives one licence and one `Applied`.
async fn concurrent_deliveries_apply_once(db: &Db) {
    let first = db.connect().await;
    let second = if db.persistent {
        db.connect().await
    } else {
        first.clone()
    };
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let store = if n % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            tokio::spawn(async move {
                let effect = issue("cs_1", Some("pi_1"), None, &format!("lic_{n}"));
                store
                    .apply_stripe_event("evt_1", COMPLETED, 1_000, &effect)
                    .await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap().unwrap_or_else(|e| panic!("{e}")));
    }
    let applied_count = outcomes
        .iter()
        .filter(|o| **o == applied(true, &[]))
        .count();
    let duplicates = outcomes
        .iter()
        .filter(|o| **o == EventOutcome::Duplicate)
        .count();
    assert_eq!((applied_count, duplicates), (1, 7), "{outcomes:?}");
    assert_eq!(first.licence_count().await.unwrap(), 1);
    assert_eq!(second.licence_count().await.unwrap(), 1);
    first.close().await;
    second.close().await;
}

/// An event whose effects fail is not recorded, so Stripe's retry applies it.
async fn a_failed_event_leaves_no_trace(db: &Db) {
    let store = db.connect().await;
    let mut broken = licence("lic_a");
    broken.expires_at = broken.issued_at; // refused by the table's check
    let effect = EventEffect::Issue {
        payment: Box::new(payment("cs_1", Some("pi_1"), None)),
        licence: Box::new(broken),
    };
    let error = store
        .apply_stripe_event("evt_1", COMPLETED, 1_000, &effect)
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("the database failed to record a Stripe event: "),
        "{error}"
    );
    assert_eq!(store.stripe_event_type("evt_1").await.unwrap(), None);
    assert_eq!(store.licence_for_session("cs_1").await.unwrap(), None);
    let effect = issue("cs_1", Some("pi_1"), None, "lic_a");
    assert_eq!(
        store
            .apply_stripe_event("evt_1", COMPLETED, 1_001, &effect)
            .await
            .unwrap(),
        applied(true, &[])
    );
    store.close().await;
}
