//! `POST /api/v1/telemetry`: the browser app reports each conversion it did itself, so the
//! metrics and daily counts cover both places a file is converted.
//!
//! The report is anonymous by construction: closed sets of values (outcome, version, size
//! bucket) and a duration. Unknown fields are refused, so nothing else (a name, a path) can
//! ride along and end up in logs or the database.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::api::upload;
use crate::config::Config;
use crate::metrics;
use crate::problem::Problem;
use crate::storage::{CountBuffer, Origin};

/// A report is about a hundred bytes.
const MAX_REPORT_BYTES: u64 = 1024;
/// The longest duration a report may add to the histogram: a worker that runs longer has
/// been given up on by the app. A larger value (the field holds 49 days) is counted as this.
pub const MAX_REPORTED_DURATION: Duration = Duration::from_secs(600);

/// One in-browser conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// How it ended.
    pub outcome: Outcome,
    /// The file's MPP generation.
    pub version: Version,
    /// How large the file was, roughly.
    pub size_bucket: SizeBucket,
    /// How long the conversion took in the worker.
    pub duration_ms: u32,
}

/// `ok`, or the engine's error kind (`ConvertError::kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Converted.
    Ok,
    /// Not an MPP file.
    NotMpp,
    /// An MPP generation the engine does not read.
    UnsupportedVersion,
    /// Protected by a password.
    PasswordProtected,
    /// Cut short.
    Truncated,
    /// Inconsistent.
    Corrupt,
    /// Over the engine's limits.
    TooLarge,
    /// The XML could not be written.
    Write,
    /// Asked for more memory than a project of its size can hold.
    MemoryBudget,
    /// Asked for more work than a project of its size needs.
    WorkBudget,
    /// Its XML would be larger than a project of its size can give.
    OutputBudget,
    /// Stopped before the end.
    Cancelled,
}

impl Outcome {
    /// The label, as the engine spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::NotMpp => "not_mpp",
            Self::UnsupportedVersion => "unsupported_version",
            Self::PasswordProtected => "password_protected",
            Self::Truncated => "truncated",
            Self::Corrupt => "corrupt",
            Self::TooLarge => "too_large",
            Self::Write => "write",
            Self::MemoryBudget => "memory_budget",
            Self::WorkBudget => "work_budget",
            Self::OutputBudget => "output_budget",
            Self::Cancelled => "cancelled",
        }
    }
}

/// The MPP generation, as the server's `X-Mpp-Version` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Version {
    /// Project 98.
    #[serde(rename = "MPP8")]
    Mpp8,
    /// Project 2000–2003.
    #[serde(rename = "MPP9")]
    Mpp9,
    /// Project 2007.
    #[serde(rename = "MPP12")]
    Mpp12,
    /// Project 2010 and later.
    #[serde(rename = "MPP14")]
    Mpp14,
    /// Not known (the file could not be read far enough).
    #[serde(rename = "unknown")]
    Unknown,
}

impl Version {
    /// The label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mpp8 => "MPP8",
            Self::Mpp9 => "MPP9",
            Self::Mpp12 => "MPP12",
            Self::Mpp14 => "MPP14",
            Self::Unknown => "unknown",
        }
    }
}

/// The file's size, in decades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SizeBucket {
    /// Under 100 kB.
    #[serde(rename = "lt_100k")]
    Below100K,
    /// 100 kB to 1 MB.
    #[serde(rename = "100k_1m")]
    To1M,
    /// 1 to 10 MB.
    #[serde(rename = "1m_10m")]
    To10M,
    /// 10 to 100 MB.
    #[serde(rename = "10m_100m")]
    To100M,
    /// 100 MB and more.
    #[serde(rename = "ge_100m")]
    From100M,
}

impl SizeBucket {
    /// The label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Below100K => "lt_100k",
            Self::To1M => "100k_1m",
            Self::To10M => "1m_10m",
            Self::To100M => "10m_100m",
            Self::From100M => "ge_100m",
        }
    }
}

/// The handler: 204 for a valid report.
pub async fn report(
    State(config): State<Arc<Config>>,
    State(counts): State<Arc<CountBuffer>>,
    request: Request,
) -> Response {
    match accept(&config, &counts, request).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(problem) => problem.into_response(),
    }
}

async fn accept(config: &Config, counts: &CountBuffer, request: Request) -> Result<(), Problem> {
    let is_json = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(Problem::unsupported_media_type(
            "a telemetry report is sent as application/json",
        ));
    }
    let announced = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_REPORT_BYTES) {
        return Err(Problem::too_large(MAX_REPORT_BYTES));
    }
    let pace = upload::Pace::from_config(config);
    let received = upload::read_small(request.into_body(), MAX_REPORT_BYTES, pace)
        .await
        .map_err(|error| upload::small_body_problem(error, MAX_REPORT_BYTES, "the report"))?;
    let report: Report = serde_json::from_slice(&received).map_err(refusal)?;
    record(counts, &report);
    Ok(())
}

/// Malformed JSON is a 400; well-formed JSON that is not a report is a 422.
fn refusal(error: serde_json::Error) -> Problem {
    let detail = format!("the report is not valid: {error}");
    match error.classify() {
        serde_json::error::Category::Data => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_request",
            "Bad request",
            detail,
        ),
        _ => Problem::bad_request(detail),
    }
}

fn record(counts: &CountBuffer, report: &Report) {
    let origin = Origin::Browser.as_str();
    let seconds = Duration::from_millis(u64::from(report.duration_ms))
        .min(MAX_REPORTED_DURATION)
        .as_secs_f64();
    metrics::record_conversion(
        origin,
        report.outcome.as_str(),
        report.version.as_str(),
        seconds,
    );
    metrics::record_telemetry(report.size_bucket.as_str());
    counts.add(
        Origin::Browser,
        report.outcome.as_str(),
        report.version.as_str(),
        0,
    );
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use converter::ConvertError;

    #[test]
    fn a_report_reads_its_closed_values() {
        let report: Report = serde_json::from_str(
            r#"{"outcome":"truncated","version":"MPP12","size_bucket":"1m_10m","duration_ms":1234}"#,
        )
        .unwrap();
        assert_eq!(
            report,
            Report {
                outcome: Outcome::Truncated,
                version: Version::Mpp12,
                size_bucket: SizeBucket::To10M,
                duration_ms: 1234
            }
        );
    }

    #[test]
    fn every_engine_error_kind_is_an_outcome() {
        let errors = [
            ConvertError::NotMpp(String::new()),
            ConvertError::UnsupportedVersion(String::new()),
            ConvertError::PasswordProtected,
            ConvertError::Truncated {
                stream: String::new(),
                offset: 0,
                needed: 0,
            },
            ConvertError::Corrupt(String::new()),
            ConvertError::TooLarge { size: 0, limit: 0 },
            ConvertError::Write(String::new()),
            ConvertError::Export(String::new()),
        ];
        for error in errors {
            let outcome: Outcome = serde_json::from_value(serde_json::json!(error.kind())).unwrap();
            assert_eq!(outcome.as_str(), error.kind());
        }
    }

    #[test]
    fn labels_round_trip() {
        for label in ["MPP8", "MPP9", "MPP12", "MPP14", "unknown"] {
            let version: Version = serde_json::from_value(serde_json::json!(label)).unwrap();
            assert_eq!(version.as_str(), label);
        }
        for label in ["lt_100k", "100k_1m", "1m_10m", "10m_100m", "ge_100m"] {
            let bucket: SizeBucket = serde_json::from_value(serde_json::json!(label)).unwrap();
            assert_eq!(bucket.as_str(), label);
        }
    }

    #[test]
    fn names_extra_fields_and_bad_values_are_refused() {
        for body in [
            r#"{"outcome":"ok","version":"MPP14","size_bucket":"lt_100k","duration_ms":5,"name":"plan.mpp"}"#,
            r#"{"outcome":"exploded","version":"MPP14","size_bucket":"lt_100k","duration_ms":5}"#,
            r#"{"outcome":"ok","version":"MPP15","size_bucket":"lt_100k","duration_ms":5}"#,
            r#"{"outcome":"ok","version":"MPP14","size_bucket":"huge","duration_ms":5}"#,
            r#"{"outcome":"ok","version":"MPP14","size_bucket":"lt_100k","duration_ms":-1}"#,
            r#"{"outcome":"ok","version":"MPP14","size_bucket":"lt_100k"}"#,
        ] {
            let error = serde_json::from_str::<Report>(body).unwrap_err();
            assert_eq!(
                refusal(error).status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{body}"
            );
        }
        let error = serde_json::from_str::<Report>("{\"outcome\":").unwrap_err();
        assert_eq!(refusal(error).status(), StatusCode::BAD_REQUEST);
    }
}
