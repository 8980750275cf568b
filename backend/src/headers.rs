//! The headers every response gets: caching by file name (and never for the API), the CSP,
//! the small hardening headers, and HSTS when the site is served over HTTPS.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY,
    STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::csp::{InlineHashes, policy};

/// `Cache-Control` for files whose name carries a content hash: they never change.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` for everything else (`index.html`, `sw.js`, the manifest, the worker files,
/// icons): the browser may keep a copy but asks the server before using it.
pub const NO_CACHE: &str = "no-cache";
/// `Cache-Control` for the API: its answers carry licence tokens and converted projects,
/// which no browser cache or proxy may keep.
pub const NO_STORE: &str = "no-store";
/// `Strict-Transport-Security` with `--hsts`: a year, the subdomains too. Not `preload`: that
/// is a commitment the operator makes by submitting the domain, not one a flag should make.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// What [`apply`] adds beyond the fixed headers.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeaderPolicy {
    /// Send [`HSTS`]: the site is reached over HTTPS.
    pub hsts: bool,
}

/// The largest HTML page whose inline scripts are hashed; a bigger page is refused (the app's
/// `index.html` is a few kilobytes).
const MAX_HTML_BYTES: usize = 4 << 20;

/// Whether the last segment of `path` carries a Trunk content hash: `-` and 12 to 16
/// lower-case hex digits, ending the name or followed by `_` or `.`
/// (`frontend-0f1e2d3c4b5a6978_bg.wasm`, `style-0f1e2d3c4b5a6978.css`), or such digits
/// followed by `-` at the start of the name. Trunk writes the hash with `{:x}`, so it can
/// have fewer than 16 digits; a name missed this way is only revalidated, which is safe.
pub fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let is_hash = |run: &str| {
        (12..=16).contains(&run.len())
            && run
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let (leading, rest) = hex_run(name);
    if is_hash(leading) && rest.starts_with('-') {
        return true;
    }
    name.match_indices('-').any(|(at, _)| {
        let (run, after) = hex_run(name.get(at + 1..).unwrap_or_default());
        is_hash(run) && (after.is_empty() || after.starts_with(['_', '.']))
    })
}

/// Splits `text` after its leading lower-case hex digits.
fn hex_run(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || ('a'..='f').contains(&c)))
        .unwrap_or(text.len());
    text.split_at(end)
}

/// Whether `path` is the API's (or the metrics'), whose answers are never stored.
fn is_api(path: &str) -> bool {
    path == crate::API_ROOT || path.starts_with(crate::API_SLASH) || path == "/metrics"
}

/// The `Cache-Control` value for a response to `path` with `status`: never stored for the
/// API, immutable only for a hashed file actually served (200, 206 or 304).
pub fn cache_control(path: &str, status: StatusCode) -> &'static str {
    let served = status.is_success() || status == StatusCode::NOT_MODIFIED;
    if is_api(path) {
        NO_STORE
    } else if served && is_hashed(path) {
        IMMUTABLE
    } else {
        NO_CACHE
    }
}

/// Middleware: sets `Cache-Control`, `Content-Security-Policy` (with the hashes of an HTML
/// page's inline scripts; not on a 304, see below), `X-Content-Type-Options`,
/// `Referrer-Policy`, and with `policy.hsts` `Strict-Transport-Security` on every response.
///
/// A response that already carries its policy (the app's files, whose headers are computed
/// once when they are loaded) keeps it and its `Cache-Control`, and is passed on as it is:
/// its page is not read again to hash its scripts.
///
/// A `HEAD` request is answered as a `GET` without its body, so that its headers, the page's
/// hashes included, are the ones a `GET` gets.
pub async fn apply(
    State(policy): State<HeaderPolicy>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let head = request.method() == Method::HEAD;
    if head {
        *request.method_mut() = Method::GET;
    }
    let response = next.run(request).await;
    let status = response.status();
    let (mut parts, body) = response.into_parts();
    if parts.headers.contains_key(CONTENT_SECURITY_POLICY) {
        harden(&mut parts.headers, policy);
        return Response::from_parts(parts, if head { Body::empty() } else { body });
    }
    let is_html = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let (body, inline) = if is_html && status == StatusCode::OK {
        match to_bytes(body, MAX_HTML_BYTES).await {
            Ok(bytes) => {
                let inline = InlineHashes::of(&String::from_utf8_lossy(&bytes));
                (Body::from(bytes), inline)
            }
            Err(error) => {
                tracing::error!(%path, %error, "cannot read the HTML page to hash its scripts");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        }
    } else {
        (body, InlineHashes::default())
    };
    set_headers(&mut parts.headers, &path, status, &inline, policy);
    Response::from_parts(parts, if head { Body::empty() } else { body })
}

fn set_headers(
    headers: &mut HeaderMap,
    path: &str,
    status: StatusCode,
    inline: &InlineHashes,
    policy: HeaderPolicy,
) {
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static(cache_control(path, status)),
    );
    // A 304 carries no body to hash, and its headers replace the cached ones: a policy sent
    // with it would drop the page's script hashes from the copy the browser reuses (and block
    // its loader). Without one, the browser keeps the policy of the unchanged page it holds.
    if status == StatusCode::NOT_MODIFIED {
        headers.remove(CONTENT_SECURITY_POLICY);
    } else {
        set_policy(headers, path, inline);
    }
    harden(headers, policy);
}

/// The small hardening headers.
fn harden(headers: &mut HeaderMap, policy: HeaderPolicy) {
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if policy.hsts {
        headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
}

fn set_policy(headers: &mut HeaderMap, path: &str, inline: &InlineHashes) {
    match HeaderValue::try_from(policy(inline)) {
        Ok(value) => {
            headers.insert(CONTENT_SECURITY_POLICY, value);
        }
        Err(error) => {
            // Hashes are base64 and the rest is fixed text, so this cannot happen; a page
            // without a policy would run unprotected, so it gets one that allows nothing.
            tracing::error!(%path, %error, "the CSP is not a valid header value");
            headers.insert(
                CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_hashed_names_are_recognised() {
        for hashed in [
            "/frontend-0f1e2d3c4b5a6978_bg.wasm",
            "/frontend-0f1e2d3c4b5a6978.js",
            "/style-ab12cd34ef56ab78.css",
            "/frontend-f1e2d3c4b5a6978_bg.wasm", // 15 digits: the hash started with 0
            "/assets/icon-0123456789abcdef.png",
            "/0123456789abcdef-inline.js",
        ] {
            assert!(is_hashed(hashed), "{hashed} should count as hashed");
        }
    }

    #[test]
    fn other_names_are_not_hashed() {
        for plain in [
            "/",
            "/index.html",
            "/sw.js",
            "/manifest.webmanifest",
            "/worker.js",
            "/worker_bg.wasm",
            "/worker_loader.js",
            "/icon-192.png",
            "/frontend-0123456789abcdef0_bg.wasm", // 17 digits
            "/frontend-0123456789ABCDEF.js",       // Trunk writes lower case
            "/frontend-0123456789abcdefx.js",
            "/snippets/frontend-0123456789abcdef/inline0.js", // the folder is not the file
            "/healthz",
        ] {
            assert!(!is_hashed(plain), "{plain} should not count as hashed");
        }
    }

    #[test]
    fn only_served_hashed_files_are_immutable() {
        let hashed = "/frontend-0123456789abcdef.js";
        assert_eq!(cache_control(hashed, StatusCode::OK), IMMUTABLE);
        assert_eq!(cache_control(hashed, StatusCode::NOT_MODIFIED), IMMUTABLE);
        assert_eq!(
            cache_control(hashed, StatusCode::PARTIAL_CONTENT),
            IMMUTABLE
        );
        assert_eq!(cache_control(hashed, StatusCode::NOT_FOUND), NO_CACHE);
        assert_eq!(cache_control("/index.html", StatusCode::OK), NO_CACHE);
    }

    #[test]
    fn api_answers_are_never_stored() {
        for path in [
            "/api",
            "/api/",
            "/api/v1/license",
            "/api/v1/convert",
            "/metrics",
        ] {
            for status in [
                StatusCode::OK,
                StatusCode::NOT_FOUND,
                StatusCode::NOT_MODIFIED,
            ] {
                assert_eq!(cache_control(path, status), NO_STORE, "{path} {status}");
            }
        }
        assert_eq!(cache_control("/apidocs.html", StatusCode::OK), NO_CACHE);
    }
}
