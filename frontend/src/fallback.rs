//! The server fallback and the anonymous telemetry, in plain Rust: which files go to the
//! server, how its answers become one sentence, what a telemetry report holds.
//!
//! The browser side (`api.rs`, `bridge.rs`) only moves bytes; every decision is here, so it is
//! tested on the host. The HTTP contract is the backend's (`/api/v1/config`, `/api/v1/convert`,
//! `/api/v1/telemetry`).

use crate::format;
use crate::i18n::{Texts, fill};
use crate::pro::Refusal;

/// What the server said in `GET /api/v1/config`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServerConfig {
    /// Files above this many bytes are converted on the server, not in the browser.
    pub browser_max_bytes: f64,
    /// The server refuses bodies above this many bytes.
    pub upload_max_bytes: f64,
    /// The server sells Pro (Stripe is configured): the app offers the purchase.
    pub payments: bool,
    /// The server enforces the Pro gates: the app gates several files at once, the ZIP and
    /// the fallback on a valid Pro licence, and sends the licence with server conversions.
    pub licence_required: bool,
}

impl ServerConfig {
    /// The config from the two numbers of the JSON, when they make sense.
    pub fn new(browser_max_bytes: f64, upload_max_bytes: f64) -> Option<Self> {
        let valid = |n: f64| n.is_finite() && n > 0.0;
        (valid(browser_max_bytes) && valid(upload_max_bytes)).then_some(Self {
            browser_max_bytes,
            upload_max_bytes,
            payments: false,
            licence_required: false,
        })
    }

    /// The config with the server's payment flags (absent in older servers: both false).
    pub fn with_licensing(self, payments: bool, licence_required: bool) -> Self {
        Self {
            payments,
            licence_required,
            ..self
        }
    }

    /// Whether a file of `size` bytes is converted on the server.
    pub fn sends(&self, size: f64) -> bool {
        size > self.browser_max_bytes
    }

    /// Whether the server would refuse a file of `size` bytes.
    pub fn refuses(&self, size: f64) -> bool {
        size > self.upload_max_bytes
    }

    /// The form kept in localStorage, so an installed app offline still knows the threshold
    /// and whether Pro is required.
    pub fn to_storage(self) -> String {
        format!(
            "{} {} {} {}",
            self.browser_max_bytes,
            self.upload_max_bytes,
            u8::from(self.payments),
            u8::from(self.licence_required)
        )
    }

    /// Reads what [`ServerConfig::to_storage`] wrote (or its older two-number form).
    pub fn from_storage(text: &str) -> Option<Self> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        let flag = |s: &str| match s {
            "0" => Some(false),
            "1" => Some(true),
            _ => None,
        };
        let (browser, upload, payments, required) = match parts.as_slice() {
            [b, u] => (*b, *u, false, false),
            [b, u, p, r] => (*b, *u, flag(p)?, flag(r)?),
            _ => return None,
        };
        Some(
            Self::new(browser.parse().ok()?, upload.parse().ok()?)?
                .with_licensing(payments, required),
        )
    }
}

/// Why a file was converted on the server; the file's card says it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fallback {
    /// The file is larger than the browser limit (the value, in bytes).
    Size(f64),
    /// The worker ran out of memory or crashed on the file.
    Memory,
}

impl Fallback {
    /// The card's notice.
    pub fn notice(self, t: &Texts) -> String {
        match self {
            Self::Size(limit) => fill(t.notice_size, &[("limit", &format::size(t, limit))]),
            Self::Memory => t.notice_memory.to_string(),
        }
    }
}

/// The members of an RFC 9457 problem the app uses: the protocol's type, which the backend
/// tests its problems against.
pub use protocol::ProblemReply as Problem;

/// Why the server did not convert a file.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerFailure {
    /// No answer: offline, or the server is down.
    Unreachable,
    /// Larger than the server accepts (the limit in bytes, when known).
    TooLarge(Option<f64>),
    /// Too many requests from this client; try again after the seconds, when known.
    RateLimited(Option<u64>),
    /// Every conversion slot is taken; try again after the seconds, when known.
    Busy(Option<u64>),
    /// The conversion took longer than the server allows.
    Timeout,
    /// The engine could not read the file.
    Unreadable {
        /// `ConvertError::kind`, worded by the app in the interface's language.
        kind: String,
        /// The engine's sentence, in English.
        detail: String,
    },
    /// The server refused the Pro licence (or its absence): 401/403.
    Licence(Refusal),
    /// Anything else, with the server's sentence.
    Other(String),
}

impl ServerFailure {
    /// Reads a failed answer: its status, its `Retry-After` header and its problem document.
    pub fn from_answer(status: u16, retry_after: Option<&str>, problem: Problem) -> Self {
        let seconds = retry_after.and_then(retry_after_seconds).or_else(|| {
            problem
                .retry_after
                .filter(|s| *s >= 0.0)
                .map(|s| s.ceil() as u64)
        });
        match (status, problem.code.as_str()) {
            (0, _) => Self::Unreachable,
            (401 | 403, code) => Self::Licence(Refusal::from_answer(status, code)),
            (413, _) | (_, "too_large") => Self::TooLarge(problem.max_bytes),
            (429, _) | (_, "rate_limited") => Self::RateLimited(seconds),
            (_, "timeout") => Self::Timeout,
            (503, _) | (_, "busy") => Self::Busy(seconds),
            (_, "unreadable") | (422, _) if !problem.kind.is_empty() => Self::Unreadable {
                kind: problem.kind,
                detail: problem.detail,
            },
            // A gateway in front of the server answers when the server itself is down.
            (502 | 504, "") => Self::Unreachable,
            _ => Self::Other(problem.detail),
        }
    }

    /// The sentence the card shows, in the interface's language.
    pub fn sentence(&self, t: &Texts) -> String {
        match self {
            Self::Unreachable => t.err_unreachable.to_string(),
            Self::TooLarge(Some(max)) => fill(
                t.err_server_too_large_max,
                &[("max", &format::size(t, *max))],
            ),
            Self::TooLarge(None) => t.err_server_too_large.to_string(),
            Self::RateLimited(seconds) => fill(t.err_rate_limited, &[("wait", &wait(t, *seconds))]),
            Self::Busy(seconds) => fill(t.err_busy, &[("wait", &wait(t, *seconds))]),
            Self::Timeout => t.err_timeout.to_string(),
            Self::Unreadable { kind, .. } => t.error(kind).to_string(),
            Self::Licence(refusal) => refusal.sentence(t).to_string(),
            Self::Other(_) => t.err_server.to_string(),
        }
    }

    /// The server's own sentence, shown as the details (it is in English).
    pub fn detail(&self) -> &str {
        match self {
            Self::Unreadable { detail, .. } | Self::Other(detail) => detail,
            _ => "",
        }
    }
}

/// "in 30 seconds", "in a moment".
fn wait(t: &Texts, seconds: Option<u64>) -> String {
    match seconds {
        Some(1) => t.wait_one_second.to_string(),
        Some(s) => fill(t.wait_seconds, &[("s", &s.to_string())]),
        None => t.wait_moment.to_string(),
    }
}

/// `Retry-After` as delta-seconds (what the server sends); an HTTP date is not read.
pub fn retry_after_seconds(header: &str) -> Option<u64> {
    header.trim().parse().ok()
}

/// Whether the worker's error message is about memory (an allocation failure rather than an
/// unreadable file), so the file is retried on the server.
pub fn is_memory_error(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("memory") || m.contains("allocation failed") || m.contains("capacity overflow")
}

/// What `outcome` may say in a telemetry report: success or one of the engine's error kinds.
pub const OUTCOMES: [&str; 12] = [
    "ok",
    "not_mpp",
    "unsupported_version",
    "password_protected",
    "truncated",
    "corrupt",
    "too_large",
    "write",
    "memory_budget",
    "work_budget",
    "output_budget",
    "cancelled",
];

/// The size range of a file, as the telemetry reports it (never the size itself).
pub fn size_bucket(bytes: f64) -> &'static str {
    const K: f64 = 1000.0;
    if bytes < 100.0 * K {
        "lt_100k"
    } else if bytes < K * K {
        "100k_1m"
    } else if bytes < 10.0 * K * K {
        "1m_10m"
    } else if bytes < 100.0 * K * K {
        "10m_100m"
    } else {
        "ge_100m"
    }
}

/// The JSON body of `POST /api/v1/telemetry` for one in-browser conversion: outcome, format
/// version, size range and time, nothing else. `None` for an outcome the server does not count
/// (the file could not be read from the device, the worker crashed).
pub fn telemetry_body(outcome: &str, version: &str, bytes: f64, ms: f64) -> Option<String> {
    let outcome = OUTCOMES.into_iter().find(|o| *o == outcome)?;
    let version = ["MPP8", "MPP9", "MPP12", "MPP14"]
        .into_iter()
        .find(|v| *v == version)
        .unwrap_or("unknown");
    let duration = if ms.is_finite() {
        ms.round().clamp(0.0, f64::from(u32::MAX)) as u32
    } else {
        0
    };
    Some(format!(
        r#"{{"outcome":"{outcome}","version":"{version}","size_bucket":"{}","duration_ms":{duration}}}"#,
        size_bucket(bytes)
    ))
}

/// The query of `POST /api/v1/convert` for a file name, percent-encoded.
pub fn convert_url(name: &str) -> String {
    let mut url = String::from("/api/v1/convert?name=");
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, PT_BR};

    #[test]
    fn config_decides_which_files_go_to_the_server() {
        let c = ServerConfig::new(1000.0, 5000.0).unwrap();
        assert!(!c.sends(1000.0));
        assert!(c.sends(1001.0));
        assert!(!c.refuses(5000.0));
        assert!(c.refuses(5001.0));
        assert_eq!(ServerConfig::new(0.0, 5.0), None);
        assert_eq!(ServerConfig::new(5.0, f64::NAN), None);
        assert_eq!(ServerConfig::from_storage(&c.to_storage()), Some(c));
        let paid = c.with_licensing(true, true);
        assert_eq!(ServerConfig::from_storage(&paid.to_storage()), Some(paid));
        assert_eq!(paid.to_storage(), "1000 5000 1 1");
        // What an app before the payments issue kept.
        assert_eq!(ServerConfig::from_storage("1000 5000"), Some(c));
        assert_eq!(ServerConfig::from_storage("12"), None);
        assert_eq!(ServerConfig::from_storage("1 2 3"), None);
        assert_eq!(ServerConfig::from_storage("1 2 1 2"), None);
        assert_eq!(ServerConfig::from_storage("a b"), None);
    }

    #[test]
    fn answers_become_failures() {
        let problem = |code: &str| Problem {
            code: code.into(),
            detail: "The sentence.".into(),
            ..Problem::default()
        };
        assert_eq!(
            ServerFailure::from_answer(0, None, Problem::default()),
            ServerFailure::Unreachable
        );
        let too_large = Problem {
            max_bytes: Some(2048.0),
            ..problem("too_large")
        };
        assert_eq!(
            ServerFailure::from_answer(413, None, too_large),
            ServerFailure::TooLarge(Some(2048.0))
        );
        assert_eq!(
            ServerFailure::from_answer(429, Some("30"), problem("rate_limited")),
            ServerFailure::RateLimited(Some(30))
        );
        let busy = Problem {
            retry_after: Some(2.5),
            ..problem("busy")
        };
        assert_eq!(
            ServerFailure::from_answer(503, None, busy),
            ServerFailure::Busy(Some(3))
        );
        assert_eq!(
            ServerFailure::from_answer(503, Some("5"), problem("timeout")),
            ServerFailure::Timeout
        );
        let unreadable = Problem {
            kind: "not_mpp".into(),
            ..problem("unreadable")
        };
        assert_eq!(
            ServerFailure::from_answer(422, None, unreadable),
            ServerFailure::Unreadable {
                kind: "not_mpp".into(),
                detail: "The sentence.".into()
            }
        );
        assert_eq!(
            ServerFailure::from_answer(500, None, problem("internal")),
            ServerFailure::Other("The sentence.".into())
        );
        assert_eq!(
            ServerFailure::from_answer(502, None, Problem::default()),
            ServerFailure::Unreachable
        );
        assert_eq!(
            ServerFailure::from_answer(404, None, Problem::default()),
            ServerFailure::Other(String::new())
        );
        assert_eq!(
            ServerFailure::from_answer(401, None, problem("licence_required")),
            ServerFailure::Licence(Refusal::Required)
        );
        assert_eq!(
            ServerFailure::from_answer(403, None, problem("licence_revoked")),
            ServerFailure::Licence(Refusal::Revoked)
        );
        assert_eq!(
            ServerFailure::Licence(Refusal::Expired).sentence(&EN),
            "Your Pro licence has expired, so this site's server did not convert this file."
        );
    }

    #[test]
    fn failures_read_as_one_sentence_in_each_language() {
        let f = ServerFailure::Busy(Some(12));
        assert_eq!(
            f.sentence(&EN),
            "The server is busy. Try again in 12 seconds."
        );
        assert_eq!(
            f.sentence(&PT_BR),
            "O servidor está ocupado. Tente de novo em 12 segundos."
        );
        assert_eq!(
            ServerFailure::RateLimited(Some(1)).sentence(&EN),
            "The server has received too many files from you just now. Try again in 1 second."
        );
        assert!(
            ServerFailure::Busy(None)
                .sentence(&EN)
                .ends_with("in a moment.")
        );
        assert_eq!(
            ServerFailure::TooLarge(Some(3.0 * 1024.0 * 1024.0)).sentence(&PT_BR),
            "Este arquivo é grande demais até para o servidor (o limite é 3 MB)."
        );
        let unreadable = ServerFailure::Unreadable {
            kind: "not_mpp".into(),
            detail: "Not an MPP file.".into(),
        };
        assert_eq!(unreadable.sentence(&PT_BR), PT_BR.err_not_mpp);
        assert_eq!(unreadable.detail(), "Not an MPP file.");
        assert_eq!(ServerFailure::Unreachable.detail(), "");
        for f in [
            ServerFailure::Unreachable,
            ServerFailure::TooLarge(None),
            ServerFailure::Timeout,
            ServerFailure::Other(String::new()),
        ] {
            assert!(f.sentence(&EN).ends_with('.'));
            assert_ne!(f.sentence(&EN), f.sentence(&PT_BR));
        }
    }

    #[test]
    fn notices_say_why_the_server_converted() {
        assert_eq!(
            Fallback::Size(5.0 * 1024.0 * 1024.0).notice(&EN),
            "Sent to this site's server to convert, because it is larger than 5 MB, the most \
             this app converts in your browser. Only this file is sent."
        );
        assert!(Fallback::Memory.notice(&PT_BR).contains("sem memória"));
    }

    #[test]
    fn retry_after_and_memory_errors() {
        assert_eq!(retry_after_seconds(" 7 "), Some(7));
        assert_eq!(retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert!(is_memory_error(
            "RangeError: Array buffer allocation failed"
        ));
        assert!(is_memory_error("out of memory"));
        assert!(!is_memory_error(
            "The file is not a Microsoft Project file."
        ));
    }

    #[test]
    fn telemetry_holds_four_fields_and_no_name() {
        assert_eq!(
            telemetry_body("ok", "MPP14", 150_000.0, 84.6).as_deref(),
            Some(r#"{"outcome":"ok","version":"MPP14","size_bucket":"100k_1m","duration_ms":85}"#)
        );
        assert_eq!(
            telemetry_body("not_mpp", "", 12.0, -3.0).as_deref(),
            Some(
                r#"{"outcome":"not_mpp","version":"unknown","size_bucket":"lt_100k","duration_ms":0}"#
            )
        );
        assert_eq!(telemetry_body("crash", "MPP14", 1.0, 1.0), None);
        assert_eq!(telemetry_body("read", "MPP14", 1.0, 1.0), None);
        assert_eq!(size_bucket(99_999.0), "lt_100k");
        assert_eq!(size_bucket(1_000_000.0), "1m_10m");
        assert_eq!(size_bucket(10_000_000.0), "10m_100m");
        assert_eq!(size_bucket(100_000_000.0), "ge_100m");
    }

    #[test]
    fn file_names_are_percent_encoded_in_the_url() {
        assert_eq!(convert_url("plan.mpp"), "/api/v1/convert?name=plan.mpp");
        assert_eq!(
            convert_url("Cronograma & obra #2.mpp"),
            "/api/v1/convert?name=Cronograma%20%26%20obra%20%232.mpp"
        );
        assert_eq!(convert_url("ç"), "/api/v1/convert?name=%C3%A7");
    }
}
