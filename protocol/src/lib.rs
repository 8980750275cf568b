//! The messages between mpp2xml's converter worker and the page, as serde types.
//!
//! Both sides used to write and read these messages key by key (`Reflect::set` in the worker,
//! `get_f64` in the page), and the two drifted apart (an `i32` on one side read as an `f64` on
//! the other, a renamed key silently read as 0). Now the worker serialises a [`Reply`] and the
//! page deserialises the same type (with `serde-wasm-bindgen`), so a change to a message is a
//! change to one type that both sides compile against.
//!
//! Bytes do not go through serde: the file sent to the worker and the XML it sends back are
//! `ArrayBuffer`s *transferred* (moved, not copied) beside the typed message. A posted message
//! is therefore an envelope `{message, buffer}`: [`MESSAGE_KEY`] holds the serialised
//! [`Request`] or [`Reply`], [`BUFFER_KEY`] the buffer when the message has one.
//!
//! The server's JSON answers the page reads ([`server`]) are here too, written by the backend
//! and read by the page from the same types.
//!
//! The crate is plain Rust and serde, so everything here is tested on the host.
//!
//! ```
//! use protocol::{Reply, Stage};
//! let reply = Reply::Progress { id: 3, stage: Stage::Tasks, fraction: 0.5 };
//! assert_eq!(Stage::Tasks.name(), "tasks");
//! # let _ = reply;
//! ```

#![warn(missing_docs)]

pub mod plan;
pub mod server;

pub use plan::{
    Assigned, CustomField, CustomValue, DayException, Link, LinkKind, Plan, PlanResource, PlanTask,
    ResourceKind, Span, WorkCalendar,
};
use serde::{Deserialize, Serialize};
pub use server::{ClientConfig, ProblemReply, SUMMARY_HEADER};

/// The envelope's key of the typed message.
pub const MESSAGE_KEY: &str = "message";
/// The envelope's key of the transferred `ArrayBuffer`, when the message carries bytes.
pub const BUFFER_KEY: &str = "buffer";

/// Page → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "camelCase")]
#[serde(rename_all_fields = "camelCase")]
pub enum Request {
    /// Convert the file in the envelope's buffer; answered by progress, then [`Reply::Done`]
    /// or [`Reply::Failed`].
    Convert {
        /// The page's number for the file, repeated in every answer.
        id: u32,
        /// The file's name (for messages only; the content decides everything).
        name: String,
    },
    /// Build a sample plan made by the project and answer as for a converted file.
    Sample {
        /// The page's number for the sample.
        id: u32,
        /// Which sample.
        sample: Sample,
    },
    /// Read the MSPDI XML in the envelope's buffer (what the server converted) into a plan;
    /// answered by [`Reply::Plan`] or [`Reply::Failed`].
    ReadXml {
        /// The page's number for the file.
        id: u32,
    },
}

/// The sample plans the worker can build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Sample {
    /// A small, realistic plan: about thirty tasks with every kind of link.
    Small,
    /// Ten thousand tasks, to see (and test) that the viewer stays smooth.
    Large,
}

/// Worker → page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "camelCase")]
#[serde(rename_all_fields = "camelCase")]
pub enum Reply {
    /// The worker's wasm has started; sent once, first (messages posted earlier are lost).
    Ready,
    /// Work on a file has moved on.
    Progress {
        /// The file.
        id: u32,
        /// What is being read or written.
        stage: Stage,
        /// The overall fraction done, 0–1.
        fraction: f32,
    },
    /// A file converted (or a sample built): the XML is the envelope's buffer.
    Done {
        /// The file.
        id: u32,
        /// Milliseconds the worker spent.
        ms: f64,
        /// What was read, in numbers.
        summary: Summary,
        /// Problems that did not stop the conversion.
        warnings: Vec<String>,
        /// What the viewer shows.
        plan: Plan,
    },
    /// The plan of XML converted elsewhere ([`Request::ReadXml`]).
    Plan {
        /// The file.
        id: u32,
        /// What the viewer shows.
        plan: Plan,
    },
    /// A file could not be converted (or its XML read).
    Failed {
        /// The file.
        id: u32,
        /// Why, as a kind the page words in its language.
        kind: ErrorKind,
        /// The engine's own sentence, in English, shown as details.
        message: String,
    },
}

/// A conversion's stage, as the engine reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // Each is the engine's `converter::Stage` of the same name.
pub enum Stage {
    Container,
    Properties,
    Calendars,
    CustomFields,
    Resources,
    Tasks,
    Links,
    Assignments,
    Writing,
    Done,
}

impl Stage {
    /// The engine's English name of the stage (`converter::Stage::name`), which the page's
    /// texts are keyed by.
    pub fn name(self) -> &'static str {
        match self {
            Self::Container => "container",
            Self::Properties => "properties",
            Self::Calendars => "calendars",
            Self::CustomFields => "custom fields",
            Self::Resources => "resources",
            Self::Tasks => "tasks",
            Self::Links => "links",
            Self::Assignments => "assignments",
            Self::Writing => "writing",
            Self::Done => "done",
        }
    }
}

/// Why a file failed, as the engine (or the worker) says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)] // Each is `converter::ConvertError::kind` of the same name.
pub enum ErrorKind {
    NotMpp,
    UnsupportedVersion,
    PasswordProtected,
    Truncated,
    Corrupt,
    TooLarge,
    Write,
    MemoryBudget,
    WorkBudget,
    OutputBudget,
    Cancelled,
    /// XML the worker was given to read is not MSPDI it can read.
    BadXml,
    /// Anything this version of the page does not know.
    #[serde(other)]
    Other,
}

impl ErrorKind {
    /// Every kind, for the tests and for [`ErrorKind::from_name`].
    pub const ALL: [ErrorKind; 13] = [
        Self::NotMpp,
        Self::UnsupportedVersion,
        Self::PasswordProtected,
        Self::Truncated,
        Self::Corrupt,
        Self::TooLarge,
        Self::Write,
        Self::MemoryBudget,
        Self::WorkBudget,
        Self::OutputBudget,
        Self::Cancelled,
        Self::BadXml,
        Self::Other,
    ];

    /// The kind's name: the engine's `ConvertError::kind`, which telemetry and the page's
    /// texts use.
    pub fn name(self) -> &'static str {
        match self {
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
            Self::BadXml => "bad_xml",
            Self::Other => "other",
        }
    }

    /// The kind of an engine error's name; [`ErrorKind::Other`] for a name it does not know.
    pub fn from_name(name: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .unwrap_or(Self::Other)
    }
}

/// What was read, in numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The format generation, e.g. `MPP14`; empty for a plan that was not read from a file
    /// (the sample).
    pub format: String,
    /// The application that saved the file.
    pub application: String,
    /// The file was a template (`.mpt`).
    pub template: bool,
    /// Tasks read (the project summary task included, as the engine counts them).
    pub tasks: u32,
    /// Resources read.
    pub resources: u32,
    /// Assignments read.
    pub assignments: u32,
    /// Calendars read.
    pub calendars: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_kinds_round_trip_their_names_and_unknown_ones_are_other() {
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_name(kind.name()), kind);
            let json = serde_json::to_string(&kind).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
        assert_eq!(ErrorKind::from_name("whatever"), ErrorKind::Other);
        let later: Result<ErrorKind, _> = serde_json::from_str("\"a_kind_from_the_future\"");
        assert_eq!(later.ok(), Some(ErrorKind::Other));
    }

    #[test]
    fn messages_are_tagged_with_their_type_and_camel_case_fields() {
        let reply = Reply::Progress {
            id: 7,
            stage: Stage::CustomFields,
            fraction: 0.25,
        };
        let json = serde_json::to_value(&reply).unwrap_or_default();
        assert_eq!(json["type"], "progress");
        assert_eq!(json["data"]["stage"], "customFields");
        assert_eq!(json["data"]["id"], 7);
        let back: Option<Reply> = serde_json::from_value(json).ok();
        assert_eq!(back, Some(reply));

        let request = Request::ReadXml { id: 2 };
        let json = serde_json::to_value(&request).unwrap_or_default();
        assert_eq!(json["type"], "readXml");
        let ready = serde_json::to_value(Reply::Ready).unwrap_or_default();
        assert_eq!(ready["type"], "ready");
    }

    #[test]
    fn a_done_message_round_trips_with_its_plan() {
        let reply = Reply::Done {
            id: 1,
            ms: 12.5,
            summary: Summary {
                format: "MPP14".into(),
                tasks: 3,
                ..Summary::default()
            },
            warnings: vec!["w".into()],
            plan: Plan {
                title: "P".into(),
                tasks: vec![PlanTask {
                    id: 1,
                    uid: 5,
                    name: "Build".into(),
                    predecessors: vec![Link {
                        uid: 4,
                        kind: LinkKind::StartStart,
                        lag: Some(Span::new(2.0, "d")),
                    }],
                    custom: vec![CustomField {
                        name: "Flag1".into(),
                        value: CustomValue::Flag(true),
                    }],
                    ..PlanTask::default()
                }],
                ..Plan::default()
            },
        };
        let json = serde_json::to_string(&reply).unwrap_or_default();
        assert!(json.contains("\"kind\":\"SS\""), "{json}");
        let back: Option<Reply> = serde_json::from_str(&json).ok();
        assert_eq!(back, Some(reply));
    }

    #[test]
    fn stage_names_are_the_engines() {
        let names: Vec<&str> = [
            Stage::Container,
            Stage::CustomFields,
            Stage::Links,
            Stage::Done,
        ]
        .iter()
        .map(|s| s.name())
        .collect();
        assert_eq!(names, ["container", "custom fields", "links", "done"]);
    }
}
