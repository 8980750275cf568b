//! The server's JSON answers the page reads: the server writes them from these types and the
//! page reads them into the same ones, so a renamed member is a compile error on both sides,
//! not a value silently read as 0.

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
}
