//! The server's JSON answers the page reads: the server writes them from these types and the
//! page reads them into the same ones, so a renamed member is a compile error on both sides,
//! not a value silently read as 0.

use crate::Summary;
use serde::{Deserialize, Serialize};

/// `GET /api/v1/config`: what the page needs to choose where a file is converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientConfig {
    /// Files above this are sent to the server instead of converted in the browser.
    pub browser_max_bytes: u64,
    /// The server refuses bodies above this.
    pub upload_max_bytes: u64,
    /// Whether Pro can be bought here (`POST /api/v1/checkout` works). Absent from older
    /// servers: false.
    #[serde(default)]
    pub payments: bool,
    /// Whether server conversion needs a Pro licence (`Authorization: Bearer`). Absent from
    /// older servers: false.
    #[serde(default)]
    pub licence_required: bool,
}

/// The members of an RFC 9457 problem (`application/problem+json`) the page reads. The
/// server's problems have more (`type`, `title`, `status`), which the page does not need;
/// every member may be missing (a proxy's error page is no problem at all).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProblemReply {
    /// `too_large`, `unreadable`, `rate_limited`, `busy`, `timeout`, …
    #[serde(default)]
    pub code: String,
    /// One sentence, in English.
    #[serde(default)]
    pub detail: String,
    /// The engine's error kind, on `unreadable`.
    #[serde(default)]
    pub kind: String,
    /// The largest body the server takes, on `too_large`.
    #[serde(default)]
    pub max_bytes: Option<f64>,
    /// Seconds to wait, on `rate_limited` and `busy`.
    #[serde(default)]
    pub retry_after: Option<f64>,
}

/// The header of `POST /api/v1/convert`'s XML answer that carries what was read, as the JSON
/// of a [`Summary`] ([`summary_header`], [`read_summary_header`]). The XML is the body, so the
/// numbers ride in a header; one typed header instead of one per number, so the page reads
/// them with serde like every other message.
pub const SUMMARY_HEADER: &str = "x-mpp-summary";

/// The most characters of the summary's texts (format, application) the header carries: the
/// application's name comes from the file, and proxies refuse answers whose headers exceed a
/// few KiB.
pub const SUMMARY_TEXT_MAX: usize = 128;

/// The [`SUMMARY_HEADER`] value of `summary`: its JSON, with every character outside ASCII
/// escaped (`\uXXXX`, still JSON), since a header value may only hold visible ASCII.
pub fn summary_header(summary: &Summary) -> String {
    let short = |text: &str| text.chars().take(SUMMARY_TEXT_MAX).collect::<String>();
    let bounded = Summary {
        format: short(&summary.format),
        application: short(&summary.application),
        ..summary.clone()
    };
    // A struct of strings, numbers and a flag always serialises.
    let json = serde_json::to_string(&bounded).unwrap_or_default();
    let mut ascii = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                ascii.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    ascii
}

/// Reads a [`SUMMARY_HEADER`] value; `None` when it is not one (a proxy's answer, an older
/// server).
pub fn read_summary_header(value: &str) -> Option<Summary> {
    serde_json::from_str(value.trim()).ok()
}

/// Reads the body of a failed answer as a problem; an empty problem when it is none (a
/// proxy's error page, an empty body).
pub fn read_problem(body: &[u8]) -> ProblemReply {
    serde_json::from_slice(body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_servers_config_has_no_payments() {
        let config: Option<ClientConfig> =
            serde_json::from_str(r#"{"browser_max_bytes":10,"upload_max_bytes":20}"#).ok();
        assert_eq!(
            config,
            Some(ClientConfig {
                browser_max_bytes: 10,
                upload_max_bytes: 20,
                payments: false,
                licence_required: false
            })
        );
        let broken: Result<ClientConfig, _> = serde_json::from_str(r#"{"browser_max":10}"#);
        assert!(broken.is_err(), "a config without its limits is no config");
    }

    #[test]
    fn a_problem_reads_whatever_members_it_has() {
        let p: Option<ProblemReply> = serde_json::from_str(
            r#"{"type":"urn:x","status":413,"code":"too_large","detail":"big","max_bytes":1000}"#,
        )
        .ok();
        assert_eq!(
            p,
            Some(ProblemReply {
                code: "too_large".into(),
                detail: "big".into(),
                max_bytes: Some(1000.0),
                ..ProblemReply::default()
            })
        );
        let empty: Option<ProblemReply> = serde_json::from_str("{}").ok();
        assert_eq!(empty, Some(ProblemReply::default()));
    }

    #[test]
    fn the_summary_header_is_visible_ascii_and_reads_back() {
        let summary = Summary {
            format: "MPP14".into(),
            application: "Microsoft.Project 14.0 – Ünïcode \u{1F4C5} \"quoted\"\n".into(),
            template: true,
            tasks: 71,
            resources: 4,
            assignments: 12,
            calendars: u32::MAX,
        };
        let value = summary_header(&summary);
        assert!(
            value.bytes().all(|b| (0x20..0x7f).contains(&b)),
            "not a header value: {value}"
        );
        assert_eq!(read_summary_header(&value), Some(summary));
        assert_eq!(read_summary_header(" {} "), None, "counts are not optional");
        assert_eq!(read_summary_header("<html>"), None);
    }

    #[test]
    fn the_summary_header_bounds_the_files_texts() {
        let summary = Summary {
            application: "é".repeat(100_000),
            ..Summary::default()
        };
        let value = summary_header(&summary);
        assert!(value.len() < 1_000, "{} bytes", value.len());
        let read = read_summary_header(&value).map(|s| s.application.chars().count());
        assert_eq!(read, Some(SUMMARY_TEXT_MAX));
    }

    #[test]
    fn a_body_that_is_no_problem_reads_as_an_empty_one() {
        assert_eq!(read_problem(b"<html>502</html>"), ProblemReply::default());
        assert_eq!(read_problem(b""), ProblemReply::default());
        assert_eq!(
            read_problem(br#"{"code":"busy","retry_after":3}"#).code,
            "busy"
        );
    }
}
