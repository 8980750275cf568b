//! The served app's headers, checked on the whole service (`backend::app`) over a `dist/` the
//! test writes the way Trunk lays it out. The API has its own tests (`api.rs`).

#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::Path;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};

mod support;

const HASHED_JS: &str = "frontend-0123456789abcdef.js";
const HASHED_WASM: &str = "frontend-0123456789abcdef_bg.wasm";
const HASHED_CSS: &str = "style-fedcba9876543210.css";

/// Trunk's loader, exactly as the test's index.html holds it; its hash was computed apart with
/// `printf '%s' "$SCRIPT" | openssl sha256 -binary | base64`.
const LOADER: &str = "\nimport init, * as bindings from '/frontend-0123456789abcdef.js';\nconst wasm = await init({ module_or_path: '/frontend-0123456789abcdef_bg.wasm' });\n";
const LOADER_HASH: &str = "'sha256-P+NQa3dY3ViqdiDRUHd/gVxISW1yp8A/cZXfhTOfgls='";
const SW_REGISTER: &str =
    "if ('serviceWorker' in navigator) navigator.serviceWorker.register('./sw.js');";
const SW_REGISTER_HASH: &str = "'sha256-BpP4YARKRwJnSyhfNQyRqZDduXH/lY2q5w4ycdb4lZ4='";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A `dist/` as Trunk writes it: a hashed app, unhashed worker files, the PWA files.
fn dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let index = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <link rel=\"manifest\" href=\"manifest.webmanifest\">\n\
         <link rel=\"stylesheet\" href=\"/{HASHED_CSS}\">\n\
         <link rel=\"modulepreload\" href=\"/{HASHED_JS}\" crossorigin=\"anonymous\">\n\
         <script>{SW_REGISTER}</script>\n\
         </head><body>\n<script type=\"module\">{LOADER}</script></body></html>\n"
    );
    let wasm: Vec<u8> = b"\0asm\x01\0\0\0"
        .iter()
        .copied()
        .chain(std::iter::repeat_n(0, 4096))
        .collect();
    let script =
        "console.log('hello from a script that is long enough to be compressed');\n".repeat(20);
    write(dir.path(), "index.html", index.as_bytes());
    write(dir.path(), HASHED_JS, script.as_bytes());
    write(dir.path(), HASHED_WASM, &wasm);
    write(dir.path(), HASHED_CSS, b"body { margin: 0 }\n");
    write(dir.path(), "worker.js", script.as_bytes());
    write(dir.path(), "worker_bg.wasm", &wasm);
    write(
        dir.path(),
        "worker_loader.js",
        b"importScripts(\"./worker.js\");wasm_bindgen(\"./worker_bg.wasm\");",
    );
    write(dir.path(), "sw.js", script.as_bytes());
    write(
        dir.path(),
        "manifest.webmanifest",
        br#"{"name": "mpp2xml", "display": "standalone"}"#,
    );
    write(dir.path(), "icon-192.png", b"\x89PNG\r\n\x1a\n");
    dir
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

async fn get(
    dist: &Path,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    send(dist, "GET", path, headers).await
}

async fn send(
    dist: &Path,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Body::empty()).unwrap();
    let state = backend::AppState::for_tests(dist).await.unwrap();
    let answer = support::call(&backend::app(state), request).await;
    (answer.status, answer.headers, answer.body)
}

fn header(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers
        .get(&name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} header"))
}

#[tokio::test]
async fn wasm_is_served_as_application_wasm() {
    let dist = dist();
    for path in [format!("/{HASHED_WASM}"), "/worker_bg.wasm".to_owned()] {
        let (status, headers, body) = get(dist.path(), &path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(header(&headers, header::CONTENT_TYPE), "application/wasm");
        assert!(body.starts_with(b"\0asm"));
    }
}

#[tokio::test]
async fn hashed_files_are_cached_for_a_year() {
    let dist = dist();
    for path in [HASHED_JS, HASHED_WASM, HASHED_CSS] {
        let (status, headers, _) = get(dist.path(), &format!("/{path}"), &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(header(&headers, header::CACHE_CONTROL), IMMUTABLE, "{path}");
    }
}

#[tokio::test]
async fn a_revalidated_hashed_file_stays_immutable() {
    let dist = dist();
    let path = format!("/{HASHED_JS}");
    let (_, first, _) = get(dist.path(), &path, &[]).await;
    let modified = header(&first, header::LAST_MODIFIED).to_owned();
    let (status, headers, body) =
        get(dist.path(), &path, &[("if-modified-since", &modified)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(header(&headers, header::CACHE_CONTROL), IMMUTABLE);
}

/// A reload revalidates the page: the 304 must not carry a policy, because its headers replace
/// the cached page's, and a policy without the page's hashes would block Trunk's loader.
#[tokio::test]
async fn a_revalidated_page_keeps_the_policy_with_its_hashes() {
    let dist = dist();
    let (_, first, _) = get(dist.path(), "/", &[]).await;
    assert!(header(&first, header::CONTENT_SECURITY_POLICY).contains(LOADER_HASH));
    for (name, value) in [
        ("if-none-match", header(&first, header::ETAG)),
        ("if-modified-since", header(&first, header::LAST_MODIFIED)),
    ] {
        let (status, headers, _) = get(dist.path(), "/", &[(name, value)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{name}");
        assert!(
            headers.get(header::CONTENT_SECURITY_POLICY).is_none(),
            "{name}"
        );
        assert_eq!(header(&headers, header::CACHE_CONTROL), "no-cache");
        assert_eq!(header(&headers, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    }
}

#[tokio::test]
async fn the_page_the_service_worker_the_manifest_and_the_worker_are_revalidated() {
    let dist = dist();
    for path in [
        "/",
        "/index.html",
        "/sw.js",
        "/manifest.webmanifest",
        "/worker.js",
        "/worker_bg.wasm",
        "/worker_loader.js",
        "/icon-192.png",
    ] {
        let (status, headers, _) = get(dist.path(), path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            header(&headers, header::CACHE_CONTROL),
            "no-cache",
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_page_is_html_and_its_policy_allows_exactly_its_inline_scripts() {
    let dist = dist();
    let (status, headers, body) = get(dist.path(), "/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(header(&headers, header::CONTENT_TYPE).starts_with("text/html"));
    assert!(String::from_utf8(body).unwrap().contains(LOADER));
    let csp = header(&headers, header::CONTENT_SECURITY_POLICY);
    assert_eq!(
        csp,
        format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {SW_REGISTER_HASH} \
             {LOADER_HASH}; worker-src 'self'; style-src 'self'; img-src 'self' blob: data:; \
             connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
             frame-ancestors 'none'"
        )
    );
    assert!(!csp.contains("unsafe-inline"));
}

#[tokio::test]
async fn head_gets_the_headers_of_get_without_the_body() {
    let dist = dist();
    for path in ["/", &format!("/{HASHED_WASM}"), "/sw.js"] {
        let (get_status, get_headers, _) = get(dist.path(), path, &[]).await;
        let (status, headers, body) = send(dist.path(), "HEAD", path, &[]).await;
        assert_eq!(status, get_status, "{path}");
        assert!(body.is_empty(), "{path}");
        for name in [
            header::CONTENT_TYPE,
            header::CACHE_CONTROL,
            header::CONTENT_SECURITY_POLICY,
        ] {
            assert_eq!(headers.get(&name), get_headers.get(&name), "{path}: {name}");
        }
    }
    let (_, headers, _) = send(dist.path(), "HEAD", "/", &[]).await;
    assert!(header(&headers, header::CONTENT_SECURITY_POLICY).contains(LOADER_HASH));
}

/// The app is read when the service is built (each request here builds a fresh one, as a
/// restart after a new build does).
#[tokio::test]
async fn a_rebuilt_page_gets_the_hashes_of_its_new_scripts() {
    let dist = dist();
    write(
        dist.path(),
        "index.html",
        b"<html><body><script>alert('Hello, world.');</script></body></html>",
    );
    let (_, headers, _) = get(dist.path(), "/index.html", &[]).await;
    let csp = header(&headers, header::CONTENT_SECURITY_POLICY);
    assert!(csp.contains(
        "script-src 'self' 'wasm-unsafe-eval' \
         'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng=';"
    ));
    assert!(!csp.contains(LOADER_HASH));
}

#[tokio::test]
async fn every_full_response_carries_the_policy_and_the_hardening_headers() {
    let dist = dist();
    for path in [
        "/worker_loader.js", // a worker's policy comes from its own script's response
        "/sw.js",
        "/manifest.webmanifest",
        "/missing.js",
        "/healthz",
    ] {
        let (_, headers, _) = get(dist.path(), path, &[]).await;
        let csp = header(&headers, header::CONTENT_SECURITY_POLICY);
        assert!(
            csp.starts_with("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "),
            "{path}: {csp}"
        );
        assert!(csp.ends_with("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(header(&headers, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(header(&headers, header::REFERRER_POLICY), "no-referrer");
    }
}

#[tokio::test]
async fn responses_are_compressed_as_the_browser_accepts() {
    let dist = dist();
    let path = format!("/{HASHED_JS}");
    let (_, plain_headers, plain) = get(dist.path(), &path, &[]).await;
    assert!(plain_headers.get(header::CONTENT_ENCODING).is_none());
    for encoding in ["gzip", "br"] {
        let (status, headers, body) =
            get(dist.path(), &path, &[("accept-encoding", encoding)]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&headers, header::CONTENT_ENCODING), encoding);
        assert!(
            body.len() < plain.len() / 4,
            "{encoding}: {} bytes",
            body.len()
        );
        assert_eq!(header(&headers, header::CACHE_CONTROL), IMMUTABLE);
    }
    // The page too, with its policy intact.
    let (_, headers, _) = get(dist.path(), "/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&headers, header::CONTENT_ENCODING), "gzip");
    assert!(header(&headers, header::CONTENT_SECURITY_POLICY).contains(LOADER_HASH));
}

#[tokio::test]
async fn a_missing_file_is_not_found_and_not_cached() {
    let dist = dist();
    let (status, headers, _) = get(dist.path(), "/frontend-aaaaaaaaaaaaaaaa.js", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(header(&headers, header::CACHE_CONTROL), "no-cache");
    let (status, _, _) = get(dist.path(), "/../Cargo.toml", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn healthz_answers_ok() {
    let dist = dist();
    let (status, _, body) = get(dist.path(), "/healthz", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, b"ok");
}

#[tokio::test]
async fn the_server_refuses_to_start_without_a_built_app() {
    let empty = tempfile::tempdir().unwrap();
    let mut config = backend::Config::with_defaults(empty.path());
    config.addr = "127.0.0.1:0".parse().unwrap();
    let error = backend::run(&config).await.unwrap_err();
    assert!(matches!(error, backend::ServeError::NoApp(_)));
    assert!(error.to_string().contains("cargo xtask dist"), "{error}");
}
