//! Error tracking against a local endpoint that records what arrives, standing in for Sentry
//! (unreachable here, as Stripe is): a 5xx answer and a panic each become an event there, a
//! 2xx answer does not, and without a DSN no client exists at all.
//!
//! One test in this file: the Sentry client is process-wide.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use axum::middleware::from_fn;
use axum::routing::{get, post};
use backend::SentryConfig;
use backend::error_tracking::{self, report_5xx};
use tower::ServiceExt;

/// A Sentry-like endpoint on a loopback port: the DSN to give the server, and every envelope
/// it received.
async fn recorder() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let app = Router::new().route(
        "/api/{project}/envelope/",
        post(move |body: Bytes| {
            let record = Arc::clone(&record);
            async move {
                record
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&body).into_owned());
                StatusCode::OK
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://0123456789abcdef@{addr}/42"), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_and_5xx_answers_reach_the_dsn_and_nothing_without_one() {
    let off = error_tracking::init(&SentryConfig::default()).unwrap();
    assert!(!off.enabled(), "no DSN, no client");
    let bad = SentryConfig {
        sentry_dsn: Some("not a dsn".to_owned()),
        ..SentryConfig::default()
    };
    assert!(error_tracking::init(&bad).is_err());

    let (dsn, seen) = recorder().await;
    let tracking = error_tracking::init(&SentryConfig {
        sentry_dsn: Some(dsn),
        sentry_environment: Some("test".to_owned()),
        ..SentryConfig::default()
    })
    .unwrap();
    assert!(tracking.enabled());

    let app = Router::new()
        .route("/fine", get(|| async { "ok" }))
        .route(
            "/broken",
            get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .layer(from_fn(report_5xx));
    let fine = app
        .clone()
        .oneshot(Request::get("/fine").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(fine.status(), StatusCode::OK);
    let broken = app
        .oneshot(
            Request::get("/broken")
                .header("x-request-id", "req-cluster-123")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::INTERNAL_SERVER_ERROR);
    // A panic on another thread (a background task's), as the server's would be.
    let panicked = std::thread::spawn(|| panic!("boom in a background task")).join();
    assert!(panicked.is_err());

    let deadline = Instant::now() + Duration::from_secs(20);
    let events = loop {
        let events = seen.lock().unwrap().clone();
        let found_5xx = events
            .iter()
            .any(|e| e.contains("GET /broken answered 500"));
        let found_panic = events
            .iter()
            .any(|e| e.contains("boom in a background task"));
        if (found_5xx && found_panic) || Instant::now() > deadline {
            break events;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    drop(tracking);
    let report = events
        .iter()
        .find(|e| e.contains("GET /broken answered 500"))
        .unwrap_or_else(|| panic!("no 5xx event among {events:#?}"));
    assert!(
        report.contains("req-cluster-123"),
        "the request id is a tag: {report}"
    );
    assert!(report.contains("\"environment\":\"test\""), "{report}");
    assert!(
        events
            .iter()
            .any(|e| e.contains("boom in a background task")),
        "no panic event among {events:#?}"
    );
    assert!(
        !events.iter().any(|e| e.contains("/fine")),
        "a 200 was reported: {events:#?}"
    );
}
