//! The API on the whole service (`backend::app`), request by request through
//! `tower::ServiceExt::oneshot`: conversion (raw, multipart, summary, unreadable), the body
//! cap, admission, rate limits and trusted proxies, telemetry, the operations routes, problem
//! documents, metrics and request ids.
//!
//! Tests that need real `.mpp` files read the corpus from `$MPP_CORPUS` or `../shared/corpus`
//! and say so when they skip.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use backend::testing::Inspect as _;
use backend::{AppState, Config};
use bytes::Bytes;

mod support;
use support::{call, dist, from, get, post};

async fn service(config: Config) -> Router {
    backend::app(AppState::in_memory(config).await.unwrap())
}

async fn default_service(dist: &Path) -> Router {
    service(Config::with_defaults(dist)).await
}

fn multipart(boundary: &str, file_name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/vnd.ms-project\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

// ---------------------------------------------------------------------------------------
// The corpus

fn corpus_dir() -> PathBuf {
    match std::env::var_os("MPP_CORPUS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
    }
}

/// For MPP9, MPP12 and MPP14, the first file of `manifest.csv` with tasks and under 1 MB;
/// `None` (after saying so) when the corpus is missing.
fn corpus_samples(test: &str) -> Option<Vec<PathBuf>> {
    let dir = corpus_dir();
    let Ok(manifest) = std::fs::read_to_string(dir.join("manifest.csv")) else {
        eprintln!(
            "{test}: SKIPPED, no corpus at {} (set MPP_CORPUS)",
            dir.display()
        );
        return None;
    };
    let mut picked = Vec::new();
    for version in ["9", "12", "14"] {
        let row = manifest.lines().skip(1).find(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            cells.len() > 4
                && cells[1] == version
                && cells[3].parse::<u64>().is_ok_and(|b| b < 1 << 20)
                && cells[4].parse::<u64>().is_ok_and(|t| t > 1)
                && dir.join(cells[0]).is_file()
        });
        if let Some(row) = row {
            picked.push(dir.join(row.split(',').next().unwrap()));
        }
    }
    assert!(
        !picked.is_empty(),
        "the manifest lists no usable MPP9/12/14 file"
    );
    Some(picked)
}

// ---------------------------------------------------------------------------------------
// Conversion

#[tokio::test]
async fn a_corpus_file_converts_to_the_bytes_the_cli_writes() {
    let Some(files) = corpus_samples("a_corpus_file_converts_to_the_bytes_the_cli_writes") else {
        return;
    };
    let dist = dist();
    let app = default_service(dist.path()).await;
    let mut converted = 0;
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        // What `mpp2xml` writes: the engine's output with the default options.
        let expected = converter::convert(&bytes, &mut converter::Options::default());
        let name = path.file_name().unwrap().to_str().unwrap();
        let answer = call(
            &app,
            post(
                &format!("/api/v1/convert?name={name}"),
                "application/octet-stream",
                bytes.clone(),
            ),
        )
        .await;
        match expected {
            Ok(conversion) => {
                converted += 1;
                assert_eq!(answer.status, StatusCode::OK, "{name}");
                assert!(
                    answer.body == conversion.xml,
                    "{name}: the XML differs from the CLI's"
                );
                assert_eq!(
                    answer.header("content-type"),
                    "application/xml; charset=utf-8"
                );
                let stem = name.strip_suffix(".mpp").unwrap();
                assert_eq!(
                    answer.header("content-disposition"),
                    format!("attachment; filename=\"{stem}.xml\"; filename*=UTF-8''{stem}.xml")
                );
                let summary = &conversion.summary;
                assert_eq!(
                    answer.header("x-mpp-version"),
                    format!("MPP{}", summary.format.number())
                );
                assert_eq!(
                    answer.header("x-mpp-template"),
                    summary.template.to_string()
                );
                assert_eq!(answer.header("x-mpp-tasks"), summary.tasks.to_string());
                assert_eq!(
                    answer.header("x-mpp-resources"),
                    summary.resources.to_string()
                );
                assert_eq!(
                    answer.header("x-mpp-assignments"),
                    summary.assignments.to_string()
                );
                assert_eq!(
                    answer.header("x-mpp-calendars"),
                    summary.calendars.to_string()
                );
                // The page's typed summary says the same, and the application too.
                let typed = protocol::server::read_summary_header(answer.header("x-mpp-summary"));
                let count = |n: usize| u32::try_from(n).unwrap();
                assert_eq!(
                    typed,
                    Some(protocol::Summary {
                        format: format!("MPP{}", summary.format.number()),
                        application: summary.application.clone(),
                        template: summary.template,
                        tasks: count(summary.tasks),
                        resources: count(summary.resources),
                        assignments: count(summary.assignments),
                        calendars: count(summary.calendars),
                    }),
                    "{name}"
                );
            }
            Err(error) => {
                let json = answer.problem(422, "unreadable");
                assert_eq!(json["detail"], error.to_string(), "{name}");
            }
        }
    }
    assert!(converted > 0, "no sample converted: nothing was compared");
}

#[tokio::test]
async fn a_multipart_upload_converts_and_names_the_download_after_the_part() {
    let Some(files) =
        corpus_samples("a_multipart_upload_converts_and_names_the_download_after_the_part")
    else {
        return;
    };
    let dist = dist();
    let app = default_service(dist.path()).await;
    let bytes = std::fs::read(&files[0]).unwrap();
    let Ok(expected) = converter::convert(&bytes, &mut converter::Options::default()) else {
        panic!("{} does not convert", files[0].display());
    };
    let body = multipart("b0undary", "Cronograma técnico.mpp", &bytes);
    let answer = call(
        &app,
        post(
            "/api/v1/convert",
            "multipart/form-data; boundary=b0undary",
            body,
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.body == expected.xml,
        "the XML differs from the CLI's"
    );
    assert_eq!(
        answer.header("content-disposition"),
        "attachment; filename=\"Cronograma t_cnico.xml\"; \
         filename*=UTF-8''Cronograma%20t%C3%A9cnico.xml"
    );
}

#[tokio::test]
async fn the_summary_format_answers_json() {
    let Some(files) = corpus_samples("the_summary_format_answers_json") else {
        return;
    };
    let dist = dist();
    let app = default_service(dist.path()).await;
    let bytes = std::fs::read(files.last().unwrap()).unwrap();
    let Ok(expected) = converter::convert(&bytes, &mut converter::Options::default()) else {
        panic!("the sample does not convert");
    };
    let answer = call(
        &app,
        post(
            "/api/v1/convert?format=summary",
            "application/octet-stream",
            bytes,
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), "application/json");
    let json = answer.json();
    let summary = &expected.summary;
    assert_eq!(json["version"], format!("MPP{}", summary.format.number()));
    assert_eq!(json["template"], summary.template);
    assert_eq!(json["application"], summary.application.as_str());
    assert_eq!(json["tasks"], summary.tasks);
    assert_eq!(json["resources"], summary.resources);
    assert_eq!(json["assignments"], summary.assignments);
    assert_eq!(json["calendars"], summary.calendars);
    assert_eq!(
        json["warnings"].as_array().unwrap().len(),
        expected.warnings.len()
    );
}

#[tokio::test]
async fn an_unreadable_file_is_422_with_the_engines_sentence_and_kind() {
    let dist = dist();
    let app = default_service(dist.path()).await;
    let junk = b"this is a text file, not a project".to_vec();
    let error = converter::convert(&junk, &mut converter::Options::default()).unwrap_err();
    for request in [
        post("/api/v1/convert", "application/octet-stream", junk.clone()),
        post(
            "/api/v1/convert",
            "multipart/form-data; boundary=XyZ",
            multipart("XyZ", "notes.mpp", &junk),
        ),
    ] {
        let answer = call(&app, request).await;
        let json = answer.problem(422, "unreadable");
        assert_eq!(json["detail"], error.to_string());
        assert_eq!(json["kind"], error.kind());
    }
}

#[tokio::test]
async fn bad_conversion_requests_are_problems() {
    let dist = dist();
    let app = default_service(dist.path()).await;
    let empty = call(
        &app,
        post("/api/v1/convert", "application/octet-stream", ""),
    )
    .await;
    empty.problem(400, "bad_request");
    let no_file = call(
        &app,
        post(
            "/api/v1/convert",
            "multipart/form-data; boundary=XyZ",
            "--XyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--XyZ--\r\n",
        ),
    )
    .await;
    let json = no_file.problem(400, "bad_request");
    assert!(json["detail"].as_str().unwrap().contains("\"file\""));
    let mixed = call(
        &app,
        post("/api/v1/convert", "multipart/mixed; boundary=XyZ", "x"),
    )
    .await;
    mixed.problem(415, "unsupported_media_type");
    let format = call(
        &app,
        post(
            "/api/v1/convert?format=pdf",
            "application/octet-stream",
            "x",
        ),
    )
    .await;
    format.problem(400, "bad_request");
}

// ---------------------------------------------------------------------------------------
// The body cap and admission

/// A body of `total` bytes in `chunk`-byte pieces that counts how many bytes were pulled.
fn counted_body(total: u64, chunk: usize, pulled: Arc<AtomicU64>) -> Body {
    let chunks = total.div_ceil(chunk as u64);
    let stream = futures_util::stream::iter(0..chunks).map(move |_| {
        pulled.fetch_add(chunk as u64, Ordering::SeqCst);
        Ok::<_, std::io::Error>(Bytes::from(vec![0u8; chunk]))
    });
    Body::from_stream(stream)
}

use futures_util::StreamExt as _;

#[tokio::test]
async fn an_announced_length_over_the_cap_is_refused_without_reading() {
    let dist = dist();
    let mut config = Config::with_defaults(dist.path());
    config.upload_max_bytes = 1 << 20;
    let app = service(config).await;
    let pulled = Arc::new(AtomicU64::new(0));
    let request = Request::post("/api/v1/convert")
        .header("content-type", "application/octet-stream")
        .header("content-length", (1u64 << 20) + 1)
        .body(counted_body((1 << 20) + 1, 1 << 16, Arc::clone(&pulled)))
        .unwrap();
    let answer = call(&app, request).await;
    let json = answer.problem(413, "too_large");
    assert_eq!(json["max_bytes"], 1 << 20);
    assert_eq!(answer.header("connection"), "close");
    assert_eq!(pulled.load(Ordering::SeqCst), 0, "the body was read");
}

#[tokio::test]
async fn a_streamed_body_is_stopped_near_the_cap() {
    let dist = dist();
    let mut config = Config::with_defaults(dist.path());
    config.upload_max_bytes = 1 << 20;
    let app = service(config).await;
    let chunk = 1 << 16;
    for content_type in [
        "application/octet-stream",
        "multipart/form-data; boundary=XyZ",
    ] {
        let pulled = Arc::new(AtomicU64::new(0));
        // 64 MiB offered, no Content-Length.
        let request = post(
            "/api/v1/convert",
            content_type,
            counted_body(64 << 20, chunk, Arc::clone(&pulled)),
        );
        let answer = call(&app, request).await;
        answer.problem(413, "too_large");
        assert_eq!(answer.header("connection"), "close");
        let read = pulled.load(Ordering::SeqCst);
        assert!(
            read <= (1 << 20) + chunk as u64,
            "{content_type}: {read} bytes pulled for a 1 MiB cap"
        );
    }
}

/// A body that sends one chunk, tells the test it was pulled, and then waits for `rest`.
fn held_body(
    first_pulled: tokio::sync::oneshot::Sender<()>,
    rest: tokio::sync::oneshot::Receiver<()>,
) -> Body {
    let stream = futures_util::stream::unfold(
        (Some(first_pulled), Some(rest)),
        |(signal, rest)| async move {
            if let Some(signal) = signal {
                let _ = signal.send(());
                return Some((
                    Ok::<_, std::io::Error>(Bytes::from_static(b"partial")),
                    (None, rest),
                ));
            }
            let rest = rest?;
            let _ = rest.await;
            None
        },
    );
    Body::from_stream(stream)
}

#[tokio::test]
async fn a_full_server_answers_busy_with_retry_after_before_reading() {
    let dist = dist();
    let mut config = Config::with_defaults(dist.path());
    config.convert_workers = std::num::NonZeroUsize::new(1);
    config.convert_queue = 0;
    let app = service(config).await;
    // The first request holds the only admission slot while its body trickles in.
    let (pulled_tx, pulled_rx) = tokio::sync::oneshot::channel();
    let (rest_tx, rest_rx) = tokio::sync::oneshot::channel();
    let first = {
        let app = app.clone();
        tokio::spawn(async move {
            call(
                &app,
                post(
                    "/api/v1/convert",
                    "application/octet-stream",
                    held_body(pulled_tx, rest_rx),
                ),
            )
            .await
        })
    };
    pulled_rx.await.unwrap();
    let pulled = Arc::new(AtomicU64::new(0));
    let second = call(
        &app,
        post(
            "/api/v1/convert",
            "application/octet-stream",
            counted_body(1 << 16, 1 << 16, Arc::clone(&pulled)),
        ),
    )
    .await;
    let json = second.problem(503, "busy");
    assert!(second.header("retry-after").parse::<u64>().unwrap() >= 1);
    assert_eq!(
        json["retry_after"].as_u64(),
        Some(second.header("retry-after").parse().unwrap())
    );
    assert_eq!(pulled.load(Ordering::SeqCst), 0, "a refused body was read");
    // Once the first ends, the slot is free again.
    rest_tx.send(()).unwrap();
    first.await.unwrap().problem(422, "unreadable");
    let third = call(
        &app,
        post("/api/v1/convert", "application/octet-stream", "junk"),
    )
    .await;
    third.problem(422, "unreadable");
}

#[tokio::test]
async fn a_body_slower_than_the_body_timeout_is_408() {
    let dist = dist();
    let mut config = Config::with_defaults(dist.path());
    config.body_timeout_secs = 30;
    // The database opens on the real clock (its pool has timeouts of its own); then the clock
    // is paused, so the body timeout passes as soon as nothing else can happen.
    let app = service(config).await;
    tokio::time::pause();
    let (pulled_tx, _pulled_rx) = tokio::sync::oneshot::channel();
    let (_rest_tx, rest_rx) = tokio::sync::oneshot::channel();
    let answer = call(
        &app,
        post(
            "/api/v1/convert",
            "application/octet-stream",
            held_body(pulled_tx, rest_rx),
        ),
    )
    .await;
    answer.problem(408, "timeout");
    assert_eq!(answer.header("connection"), "close");
}

// ---------------------------------------------------------------------------------------
// Rate limits

#[tokio::test]
async fn a_burst_past_the_conversion_quota_gets_429_with_retry_after() {
    let dist = dist();
    let mut config = Config::with_defaults(dist.path());
    config.convert_rate = 0.001;
    config.convert_burst = std::num::NonZeroU32::new(2).unwrap();
    let app = service(config).await;
    let convert = || post("/api/v1/convert", "application/octet-stream", "junk");
    for _ in 0..2 {
        call(&app, convert()).await.problem(422, "unreadable");
    }
    let refused = call(&app, convert()).await;
    let json = refused.problem(429, "rate_limited");
    let retry: u64 = refused.header("retry-after").parse().unwrap();
    assert!(retry >= 1);
    assert_eq!(json["retry_after"], retry);
    // Another client has its own quota, and the other routes their own.
    call(&app, from([192, 0, 2, 99], convert()))
        .await
        .problem(422, "unreadable");
    assert_eq!(call(&app, get("/healthz")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_burst_past_the_general_quota_gets_429_on_pages_and_api() {
    let dist = dist();
    let mut config = Config::with_defaults(dist.path());
    config.rate = 0.001;
    config.burst = std::num::NonZeroU32::new(3).unwrap();
    let app = service(config).await;
    for path in ["/", "/healthz", "/api/v1/config"] {
        assert_eq!(call(&app, get(path)).await.status, StatusCode::OK, "{path}");
    }
    for path in ["/", "/api/v1/config"] {
        let answer = call(&app, get(path)).await;
        answer.problem(429, "rate_limited");
        assert!(answer.headers.contains_key("retry-after"));
    }
}

fn forwarded(peer: [u8; 4], xff: &str) -> Request<Body> {
    let request = Request::get("/healthz")
        .header("x-forwarded-for", xff)
        .body(Body::empty())
        .unwrap();
    from(peer, request)
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    let dist = dist();
    let mut config = Config::with_defaults(dist.path());
    config.rate = 0.001;
    config.burst = std::num::NonZeroU32::new(1).unwrap();
    config.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    let app = service(config).await;
    let proxy = [10, 0, 0, 5];
    // Behind the proxy, each forwarded client has its own quota…
    assert_eq!(
        call(&app, forwarded(proxy, "203.0.113.1")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        call(&app, forwarded(proxy, "203.0.113.2")).await.status,
        StatusCode::OK
    );
    // …and a client cannot escape it by prepending an address of its choice.
    call(&app, forwarded(proxy, "198.18.0.1, 203.0.113.1"))
        .await
        .problem(429, "rate_limited");
    // An untrusted peer is the client, whatever it forwards.
    let direct = [198, 51, 100, 7];
    assert_eq!(
        call(&app, forwarded(direct, "203.0.113.3")).await.status,
        StatusCode::OK
    );
    call(&app, forwarded(direct, "203.0.113.4"))
        .await
        .problem(429, "rate_limited");
}

// ---------------------------------------------------------------------------------------
// Telemetry, configuration, operations

fn report(body: &str) -> Request<Body> {
    post("/api/v1/telemetry", "application/json", body.to_owned())
}

#[tokio::test]
async fn telemetry_accepts_a_report_and_refuses_anything_else() {
    let dist = dist();
    let app = default_service(dist.path()).await;
    let good = r#"{"outcome":"ok","version":"MPP14","size_bucket":"1m_10m","duration_ms":850}"#;
    let accepted = call(&app, report(good)).await;
    assert_eq!(accepted.status, StatusCode::NO_CONTENT);
    assert!(accepted.body.is_empty());
    let failed = r#"{"outcome":"password_protected","version":"unknown","size_bucket":"lt_100k","duration_ms":3}"#;
    assert_eq!(
        call(&app, report(failed)).await.status,
        StatusCode::NO_CONTENT
    );
    let named = r#"{"outcome":"ok","version":"MPP14","size_bucket":"1m_10m","duration_ms":850,"name":"secret.mpp"}"#;
    call(&app, report(named)).await.problem(422, "bad_request");
    let odd =
        r#"{"outcome":"exploded","version":"MPP14","size_bucket":"1m_10m","duration_ms":850}"#;
    call(&app, report(odd)).await.problem(422, "bad_request");
    call(&app, report("{not json"))
        .await
        .problem(400, "bad_request");
    call(&app, post("/api/v1/telemetry", "text/plain", good))
        .await
        .problem(415, "unsupported_media_type");
    let huge = format!("{{\"outcome\":\"{}\"}}", "x".repeat(5000));
    call(&app, report(&huge)).await.problem(413, "too_large");
}

#[tokio::test]
async fn the_config_tells_the_app_the_limits() {
    let dist = dist();
    let mut config = Config::with_defaults(dist.path());
    config.browser_max_bytes = 12345;
    config.upload_max_bytes = 67890;
    let app = service(config).await;
    let answer = call(&app, get("/api/v1/config")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), "application/json");
    assert_eq!(answer.header("cache-control"), "no-store");
    assert_eq!(
        answer.json(),
        serde_json::json!({
            "browser_max_bytes": 12345,
            "upload_max_bytes": 67890,
            "payments": false,
            "licence_required": false
        })
    );
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let dist = dist();
    let app = default_service(dist.path()).await;
    let health = call(&app, get("/healthz")).await;
    assert_eq!(
        (health.status, health.body.as_slice()),
        (StatusCode::OK, &b"ok"[..])
    );
    let ready = call(&app, get("/readyz")).await;
    assert_eq!(
        (ready.status, ready.body.as_slice()),
        (StatusCode::OK, &b"ready"[..])
    );
}

#[tokio::test]
async fn unknown_api_paths_and_wrong_methods_are_problems() {
    let dist = dist();
    let app = default_service(dist.path()).await;
    for path in [
        "/api",
        "/api/",
        "/api/v1",
        "/api/v2/convert",
        "/api/v1/convert/extra",
    ] {
        let json = call(&app, get(path)).await.problem(404, "not_found");
        assert!(json["detail"].as_str().unwrap().contains(path), "{path}");
    }
    let answer = call(&app, get("/api/v1/convert")).await;
    answer.problem(405, "method_not_allowed");
    assert!(answer.header("allow").contains("POST"));
    call(&app, post("/api/v1/config", "application/json", "{}"))
        .await
        .problem(405, "method_not_allowed");
    call(&app, post("/healthz", "text/plain", ""))
        .await
        .problem(405, "method_not_allowed");
    // The app's own pages are untouched.
    let page = call(&app, get("/")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").starts_with("text/html"));
}

#[tokio::test]
async fn metrics_show_requests_conversions_reports_and_refusals() {
    let dist = dist();
    let mut config = Config::with_defaults(dist.path());
    config.convert_rate = 0.001;
    config.convert_burst = std::num::NonZeroU32::new(1).unwrap();
    let app = service(config).await;
    call(
        &app,
        post("/api/v1/convert", "application/octet-stream", "junk"),
    )
    .await;
    call(
        &app,
        post("/api/v1/convert", "application/octet-stream", "junk"),
    )
    .await; // 429
    call(
        &app,
        report(r#"{"outcome":"ok","version":"MPP9","size_bucket":"100k_1m","duration_ms":120}"#),
    )
    .await;
    call(&app, get("/nothing-here.js")).await;
    let answer = call(&backend::testing::metrics_app(), get("/metrics")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.header("content-type").starts_with("text/plain"));
    let text = String::from_utf8(answer.body).unwrap();
    let has = |name: &str, labels: &[&str]| {
        text.lines()
            .any(|line| line.starts_with(name) && labels.iter().all(|label| line.contains(label)))
    };
    let expectations: &[(&str, &[&str])] = &[
        (
            "http_requests_total{",
            &[
                "route=\"/api/v1/convert\"",
                "method=\"POST\"",
                "status=\"422\"",
            ],
        ),
        (
            "http_requests_total{",
            &["route=\"/api/v1/convert\"", "status=\"429\""],
        ),
        (
            "http_requests_total{",
            &["route=\"static\"", "status=\"404\""],
        ),
        (
            "http_request_duration_seconds_bucket{",
            &["route=\"/api/v1/telemetry\"", "le=\"0.1\""],
        ),
        (
            "conversions_total{",
            &[
                "where=\"server\"",
                "outcome=\"not_mpp\"",
                "version=\"unknown\"",
            ],
        ),
        (
            "conversions_total{",
            &["where=\"browser\"", "outcome=\"ok\"", "version=\"MPP9\""],
        ),
        ("conversion_input_bytes_total{", &["where=\"server\""]),
        (
            "conversion_duration_seconds_bucket{",
            &["where=\"browser\""],
        ),
        ("conversion_duration_seconds_bucket{", &["where=\"server\""]),
        ("conversions_in_flight", &[]),
        ("rate_limited_total{", &["quota=\"convert\""]),
        ("telemetry_reports_total{", &["size_bucket=\"100k_1m\""]),
    ];
    for (name, labels) in expectations {
        assert!(has(name, labels), "no {name} with {labels:?} in\n{text}");
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_only_a_trusted_proxy_may_set_it() {
    const PROXY: [u8; 4] = [10, 0, 0, 1];
    let dist = dist();
    let mut config = Config::with_defaults(dist.path());
    config.trusted_proxies = vec!["10.0.0.1/32".parse().unwrap()];
    let app = service(config).await;
    let fresh = call(&app, get("/healthz")).await;
    let id = fresh.header("x-request-id");
    assert_eq!(id.len(), 36, "{id}");
    let other = call(&app, get("/api/v1/nothing")).await;
    assert_ne!(other.header("x-request-id"), id);
    let with_id = |id: &str| {
        Request::get("/api/v1/config")
            .header("x-request-id", id)
            .body(Body::empty())
            .unwrap()
    };
    // A client cannot choose the id its requests are logged under.
    let forged = call(&app, with_id("trace-abc-123")).await;
    assert_ne!(forged.header("x-request-id"), "trace-abc-123");
    assert_eq!(forged.header("x-request-id").len(), 36);
    // The proxy's id is kept, so a request can be followed through both logs.
    assert_eq!(
        call(&app, from(PROXY, with_id("trace-abc-123")))
            .await
            .header("x-request-id"),
        "trace-abc-123"
    );
    // Even from the proxy, an id too long or with odd characters is replaced.
    for odd in ["a".repeat(65), "two words".to_owned(), "x\"y".to_owned()] {
        let answer = call(&app, from(PROXY, with_id(&odd))).await;
        assert_eq!(answer.header("x-request-id").len(), 36, "{odd}");
    }
}

// ---------------------------------------------------------------------------------------
// Hostile traffic: what the public listener tells and whom it serves

#[tokio::test]
async fn metrics_are_not_on_the_public_listener() {
    let dist = dist();
    let app = default_service(dist.path()).await;
    let public = call(&app, get("/metrics")).await;
    assert_eq!(public.status, StatusCode::NOT_FOUND);
    assert!(!public.text().contains("http_requests_total"));
    let private = call(&backend::testing::metrics_app(), get("/metrics")).await;
    assert_eq!(private.status, StatusCode::OK);
    assert_eq!(private.header("cache-control"), "no-store");
}

#[tokio::test]
async fn api_answers_are_never_stored_and_pages_are() {
    let dist = dist();
    let app = default_service(dist.path()).await;
    for request in [
        get("/api/v1/config"),
        get("/api/v1/license?session_id=cs_x"),
        get("/api/v1/nothing"),
        post("/api/v1/convert", "application/octet-stream", "junk"),
        report(r#"{"outcome":"ok","version":"MPP9","size_bucket":"100k_1m","duration_ms":1}"#),
    ] {
        let path = request.uri().path().to_owned();
        let answer = call(&app, request).await;
        assert_eq!(answer.header("cache-control"), "no-store", "{path}");
    }
    assert_eq!(
        call(&app, get("/")).await.header("cache-control"),
        "no-cache"
    );
}

#[tokio::test]
async fn hsts_is_sent_only_when_asked() {
    let dist = dist();
    let plain = default_service(dist.path()).await;
    for path in ["/", "/api/v1/config"] {
        assert!(
            call(&plain, get(path))
                .await
                .headers
                .get("strict-transport-security")
                .is_none()
        );
    }
    let mut config = Config::with_defaults(dist.path());
    config.hsts = true;
    let tls = service(config).await;
    for path in ["/", "/api/v1/config", "/nothing-here"] {
        assert_eq!(
            call(&tls, get(path))
                .await
                .header("strict-transport-security"),
            "max-age=31536000; includeSubDomains",
            "{path}"
        );
    }
}

/// `request` as another site's page would send it.
fn cross_site(mut request: Request<Body>) -> Request<Body> {
    let headers = request.headers_mut();
    headers.insert("host", "mpp2xml.example".parse().unwrap());
    headers.insert("origin", "https://evil.example".parse().unwrap());
    headers.insert("sec-fetch-site", "cross-site".parse().unwrap());
    request
}

/// `request` as the site's own page would send it.
fn same_site(mut request: Request<Body>) -> Request<Body> {
    let headers = request.headers_mut();
    headers.insert("host", "mpp2xml.example".parse().unwrap());
    headers.insert("origin", "http://mpp2xml.example".parse().unwrap());
    headers.insert("sec-fetch-site", "same-origin".parse().unwrap());
    request
}

#[tokio::test]
async fn checkout_and_telemetry_are_refused_to_other_sites() {
    let dist = dist();
    let app = default_service(dist.path()).await;
    let checkout = || post("/api/v1/checkout", "application/json", "{}");
    let telemetry =
        || report(r#"{"outcome":"ok","version":"MPP9","size_bucket":"100k_1m","duration_ms":1}"#);
    call(&app, cross_site(checkout()))
        .await
        .problem(403, "cross_origin");
    call(&app, cross_site(telemetry()))
        .await
        .problem(403, "cross_origin");
    // A free server: the page's own checkout reaches the handler, which says so.
    call(&app, same_site(checkout()))
        .await
        .problem(503, "payments_not_configured");
    assert_eq!(
        call(&app, same_site(telemetry())).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn checkout_and_telemetry_have_their_own_quotas_and_the_webhook_none() {
    let dist = dist();
    let mut config = Config::with_defaults(dist.path());
    config.checkout_rate = 1e-6;
    config.checkout_burst = std::num::NonZeroU32::new(2).unwrap();
    config.telemetry_rate = 1e-6;
    config.telemetry_burst = std::num::NonZeroU32::new(3).unwrap();
    let app = service(config).await;
    let checkout = || post("/api/v1/checkout", "application/json", "{}");
    for _ in 0..2 {
        call(&app, checkout())
            .await
            .problem(503, "payments_not_configured");
    }
    call(&app, checkout()).await.problem(429, "rate_limited");
    let telemetry =
        || report(r#"{"outcome":"ok","version":"MPP9","size_bucket":"100k_1m","duration_ms":1}"#);
    for _ in 0..3 {
        assert_eq!(call(&app, telemetry()).await.status, StatusCode::NO_CONTENT);
    }
    call(&app, telemetry()).await.problem(429, "rate_limited");
    // The rest of the site is not held by either.
    assert_eq!(
        call(&app, get("/api/v1/config")).await.status,
        StatusCode::OK
    );

    // Stripe's deliveries are never refused by a per-client limiter, even from a client
    // that used up the general quota.
    let mut config = Config::with_defaults(dist.path());
    config.rate = 1e-6;
    config.burst = std::num::NonZeroU32::new(1).unwrap();
    let app = service(config).await;
    assert_eq!(
        call(&app, get("/api/v1/config")).await.status,
        StatusCode::OK
    );
    call(&app, get("/api/v1/config"))
        .await
        .problem(429, "rate_limited");
    for _ in 0..5 {
        let delivery = call(
            &app,
            post("/api/v1/stripe/webhook", "application/json", "{}"),
        )
        .await;
        assert_ne!(
            delivery.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            delivery.text()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Daily counts: what the server keeps of conversions and reports

#[tokio::test]
async fn conversions_and_reports_reach_the_daily_counts() {
    let dist = dist();
    let state = AppState::in_memory(Config::with_defaults(dist.path()))
        .await
        .unwrap();
    let app = backend::app(state.clone());
    let junk = b"not a project at all".to_vec();
    call(
        &app,
        post("/api/v1/convert", "application/octet-stream", junk.clone()),
    )
    .await
    .problem(422, "unreadable");
    for _ in 0..2 {
        let report_body =
            r#"{"outcome":"ok","version":"MPP12","size_bucket":"100k_1m","duration_ms":20}"#;
        assert_eq!(
            call(&app, report(report_body)).await.status,
            StatusCode::NO_CONTENT
        );
    }
    // A refused report is not counted.
    let odd =
        r#"{"outcome":"exploded","version":"MPP12","size_bucket":"100k_1m","duration_ms":20}"#;
    call(&app, report(odd)).await.problem(422, "bad_request");
    // The server counts its conversion when the blocking task ends, after the answer.
    assert!(
        backend::testing::conversions_finished(&state, std::time::Duration::from_secs(10)).await
    );
    state.counts().flush(state.store()).await.unwrap();
    let today = backend::testing::today();
    let mut rows = state.store().daily_counts(&today).await.unwrap();
    rows.sort_by(|a, b| a.0.origin.as_str().cmp(b.0.origin.as_str()));
    let summary: Vec<(&str, &str, &str, i64, i64)> = rows
        .iter()
        .map(|(key, counts)| {
            (
                key.origin.as_str(),
                key.outcome.as_str(),
                key.version.as_str(),
                counts.conversions,
                counts.bytes,
            )
        })
        .collect();
    let error = converter::convert(&junk, &mut converter::Options::default()).unwrap_err();
    assert_eq!(
        summary,
        vec![
            ("browser", "ok", "MPP12", 2, 0),
            ("server", error.kind(), "unknown", 1, junk.len() as i64),
        ]
    );
}

#[tokio::test]
async fn a_reported_duration_counts_as_at_most_ten_minutes() {
    let dist = dist();
    let app = default_service(dist.path()).await;
    // u32::MAX milliseconds are 49 days: one such report would swamp every mean and sum.
    let huge =
        r#"{"outcome":"ok","version":"MPP12","size_bucket":"lt_100k","duration_ms":4294967295}"#;
    assert_eq!(
        call(&app, report(huge)).await.status,
        StatusCode::NO_CONTENT
    );
    let text = call(&backend::testing::metrics_app(), get("/metrics"))
        .await
        .text();
    let sum: f64 = text
        .lines()
        .find(|line| {
            line.starts_with("conversion_duration_seconds_sum{")
                && line.contains("where=\"browser\"")
        })
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no browser duration sum in\n{text}"));
    // Other tests of this binary may have reported a few seconds too (one recorder).
    assert!((600.0..1000.0).contains(&sum), "sum {sum}");
}
