//! Errors as RFC 9457 problem details (`application/problem+json`), the one error shape of
//! the API: a program can branch on `code`, a person can read `detail`.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONNECTION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// The media type of a problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One problem: the status, a stable code, a sentence, and optional extension members.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    detail: String,
    extensions: Map<String, Value>,
    retry_after: Option<u64>,
    close: bool,
}

impl Problem {
    /// A problem with `status`, the machine-readable `code` (also the last part of `type`),
    /// a short `title` shared by every problem of that code, and a `detail` sentence about
    /// this occurrence.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            title,
            detail: detail.into(),
            extensions: Map::new(),
            retry_after: None,
            close: false,
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Bad request",
            detail,
        )
    }

    /// 404 `not_found`.
    pub fn not_found(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Not found",
            format!("there is nothing at {path}"),
        )
    }

    /// 413 `too_large`, with `max_bytes`. The connection is closed after the answer, because
    /// the rest of the body is not read.
    pub fn too_large(max_bytes: u64) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "File too large",
            format!("the file is larger than the server accepts ({max_bytes} bytes)"),
        )
        .with("max_bytes", max_bytes)
        .closing()
    }

    /// 415 `unsupported_media_type`.
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            detail,
        )
    }

    /// 429 `rate_limited`, with `Retry-After`.
    pub fn rate_limited(retry_after: Duration) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests",
            "this client sent too many requests; wait before trying again",
        )
        .retry_after(retry_after)
    }

    /// 503 `busy`, with `Retry-After`.
    pub fn busy(detail: impl Into<String>, retry_after: Duration) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "Server busy",
            detail,
        )
        .retry_after(retry_after)
    }

    /// 500 `internal`: the details go to the log, not to the client.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "the server failed to handle this request; it has been logged",
        )
    }

    /// Adds the extension member `name`.
    #[must_use]
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.extensions.insert(name.to_owned(), value.into());
        self
    }

    /// Sets `Retry-After` (whole seconds, at least one) and the `retry_after` member.
    #[must_use]
    pub fn retry_after(mut self, wait: Duration) -> Self {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let seconds = seconds.max(1);
        self.retry_after = Some(seconds);
        self.with("retry_after", seconds)
    }

    /// Answers with `Connection: close`: for a refused body that was not read to its end.
    #[must_use]
    pub fn closing(mut self) -> Self {
        self.close = true;
        self
    }

    /// The HTTP status.
    #[cfg(test)]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine-readable code.
    #[cfg(test)]
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The problem document.
    pub fn to_json(&self) -> Value {
        let mut document = Map::new();
        document.insert(
            "type".into(),
            json!(format!("urn:mpp2xml:problem:{}", self.code)),
        );
        document.insert("title".into(), json!(self.title));
        document.insert("status".into(), json!(self.status.as_u16()));
        document.insert("detail".into(), json!(self.detail));
        document.insert("code".into(), json!(self.code));
        for (name, value) in &self.extensions {
            document
                .entry(name.clone())
                .or_insert_with(|| value.clone());
        }
        Value::Object(document)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.to_json().to_string();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(seconds) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.close {
            headers.insert(CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// Middleware: a bare `405 Method Not Allowed` (axum's and the static files' answer to a
/// method a path does not take) becomes a problem document, keeping its `Allow` header.
pub async fn describe_bare_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if response.status() != StatusCode::METHOD_NOT_ALLOWED
        || response.headers().contains_key(CONTENT_TYPE)
    {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let problem = Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed",
        format!("{path} does not take {method}"),
    );
    let described = problem.into_response();
    let (described_parts, body) = described.into_parts();
    for (name, value) in &described_parts.headers {
        parts.headers.insert(name, value.clone());
    }
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::new(body))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn the_document_has_the_rfc_9457_members_and_the_extensions() {
        let problem = Problem::too_large(1000);
        let json = problem.to_json();
        assert_eq!(json["type"], "urn:mpp2xml:problem:too_large");
        assert_eq!(json["title"], "File too large");
        assert_eq!(json["status"], 413);
        assert_eq!(json["code"], "too_large");
        assert_eq!(json["max_bytes"], 1000);
        assert!(json["detail"].as_str().unwrap().contains("1000 bytes"));
    }

    /// The app reads problems into the protocol's type: every member it uses is there.
    #[test]
    fn the_app_reads_the_members_it_uses() {
        let json = Problem::too_large(1000).to_json();
        let read: protocol::ProblemReply = serde_json::from_value(json).unwrap();
        assert_eq!(read.code, "too_large");
        assert_eq!(read.max_bytes, Some(1000.0));
        assert!(read.detail.contains("1000 bytes"));
        let json = Problem::busy("full", Duration::from_secs(3)).to_json();
        let read: protocol::ProblemReply = serde_json::from_value(json).unwrap();
        assert_eq!((read.code.as_str(), read.retry_after), ("busy", Some(3.0)));
    }

    #[test]
    fn an_extension_cannot_replace_a_standard_member() {
        let json = Problem::bad_request("x").with("status", 200).to_json();
        assert_eq!(json["status"], 400);
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up_and_at_least_one() {
        for (wait, expected) in [
            (Duration::ZERO, 1),
            (Duration::from_millis(200), 1),
            (Duration::from_secs(2), 2),
            (Duration::from_millis(2001), 3),
        ] {
            let response = Problem::rate_limited(wait).into_response();
            assert_eq!(response.headers()[RETRY_AFTER], expected.to_string());
        }
    }

    #[test]
    fn the_response_is_problem_json_and_closes_when_asked() {
        let response = Problem::too_large(1).into_response();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(response.headers()[CONTENT_TYPE], PROBLEM_JSON);
        assert_eq!(response.headers()[CONNECTION], "close");
        let response = Problem::internal().into_response();
        assert!(response.headers().get(CONNECTION).is_none());
        assert!(response.headers().get(RETRY_AFTER).is_none());
    }
}
