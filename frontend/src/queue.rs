//! The page's conversion queue as a plain state machine: [`Queue::handle`] takes an [`Event`]
//! (a file added, the worker's or the server's answer, the user's choice) and returns the
//! [`Command`]s that follow (send this file to the worker, upload that one, show this state).
//!
//! The queue's policy (which file goes next, to the worker or to the server, consent before
//! an upload, the Pro gates, what a worker crash does to the file it died on, sample plans,
//! reading the server's XML back into a plan) used to live in the wasm-only bridge, among
//! worker handles, blobs and signals, so none of it was tested. Here it holds only numbers and
//! enums: it builds and is tested on the host, and `bridge.rs` is left to turn browser events
//! into [`Event`]s and carry out [`Command`]s. It stays in `frontend` (a host-built module,
//! like `consent` and `fallback` whose decisions it uses) rather than in `protocol`, which is
//! what the worker, the page and the server say to each other, not how the page schedules.
//!
//! Files are known by the ids the page gives them; the bytes never pass through here.

use crate::consent::{self, Choice, Next};
use crate::fallback::{self, Fallback, ServerConfig, ServerFailure};
use crate::i18n::Texts;
use crate::pro::{Lock, Refusal};
use licence::Feature;
use protocol::Sample;
use std::collections::VecDeque;

/// Where a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for the worker or the server.
    Queued,
    /// In the worker or on the server.
    Converting,
    /// Converted.
    Done,
    /// Could not be converted.
    Error,
    /// Waits for Pro: it needs a feature of Pro that this device has no licence for.
    Locked,
    /// Would go to the server: waits for the user's consent ([`crate::consent`]).
    Asking,
    /// Was not sent to the server, by the user's choice.
    Skipped,
}

impl State {
    /// The `data-state` value.
    pub fn code(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Converting => "converting",
            Self::Done => "done",
            Self::Error => "error",
            Self::Locked => "locked",
            Self::Asking => "asking",
            Self::Skipped => "skipped",
        }
    }

    /// Nothing more will happen to the file without the user: "clear finished" forgets it.
    pub fn finished(self) -> bool {
        matches!(
            self,
            Self::Done | Self::Error | Self::Locked | Self::Skipped
        )
    }
}

/// Why a file failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// In the browser: the engine's error kind (or `read`, `crash`, `other`) and its sentence.
    Local {
        /// The engine's `ConvertError::kind`, or the page's own `read`, `crash`, `other`.
        kind: String,
        /// The engine's sentence, in English.
        message: String,
    },
    /// On the server.
    Server(ServerFailure),
}

impl Failure {
    /// A failure in the browser.
    pub fn local(kind: &str, message: impl Into<String>) -> Self {
        Self::Local {
            kind: kind.to_owned(),
            message: message.into(),
        }
    }

    /// The sentence the card shows for a file of `size` bytes, in the interface's language.
    pub fn sentence(&self, t: &Texts, size: f64) -> String {
        match self {
            Self::Local { kind, .. } => t.error(crate::words::advice_kind(kind, size)).to_string(),
            Self::Server(ServerFailure::Unreadable { kind, .. }) => {
                t.error(crate::words::advice_kind(kind, size)).to_string()
            }
            Self::Server(f) => f.sentence(t),
        }
    }

    /// The engine's or the server's own sentence, shown as the details.
    pub fn detail(&self) -> &str {
        match self {
            Self::Local { message, .. } => message,
            Self::Server(f) => f.detail(),
        }
    }
}

/// What this device's licence lets through the app's Pro gates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Licence {
    allowed: Vec<Feature>,
}

impl Licence {
    /// An app built without the licence key checks nothing (the server still refuses what
    /// it gates).
    pub fn unchecked() -> Self {
        Self {
            allowed: licence::PRO_FEATURES.to_vec(),
        }
    }

    /// A licence allowing `features` (none: the free plan).
    pub fn allowing(features: impl IntoIterator<Item = Feature>) -> Self {
        Self {
            allowed: features.into_iter().collect(),
        }
    }

    fn allows(&self, feature: Feature) -> bool {
        self.allowed.contains(&feature)
    }
}

/// What happened, as the queue needs to know it.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The server's config question is settled: its limits, or `None` when every file
    /// converts in the browser (offline without a remembered config, or a server without the
    /// API). Files wait for this, so a large file dropped at start-up does not go to the
    /// worker by mistake.
    Config(Option<ServerConfig>),
    /// The licence changed (one was stored, or the server refused the one held): files it
    /// now unlocks convert.
    Licence(Licence),
    /// Files added together, in order: the page's id for each and its size in bytes. Without
    /// Pro, only the first of several converts.
    Added(Vec<(u32, f64)>),
    /// A sample plan for the worker to build, with the page's id for it.
    SampleAdded(u32, Sample),
    /// The user's choice for the file `id` waiting for consent; with `remember`, for every
    /// file waiting now and from now on.
    Chose {
        /// The file the user answered on.
        id: u32,
        /// Server or skip.
        choice: Choice,
        /// For every such file, on this device.
        remember: bool,
    },
    /// The remembered consent choice was set or forgotten (`None`) from the page.
    Remember(Option<Choice>),
    /// "Clear finished": forget every file nothing more happens to.
    ClearFinished,
    /// The worker said it is ready (a new worker says it once).
    WorkerReady,
    /// The worker converted the file (or built the sample) `id`.
    WorkerDone {
        /// The file.
        id: u32,
        /// The format generation read (`MPP14`), for telemetry.
        format: String,
        /// The worker's time, in ms.
        ms: f64,
    },
    /// The worker answered that it could not convert `id` (or read the server's XML of it).
    WorkerFailed {
        /// The file.
        id: u32,
        /// The engine's error kind name.
        kind: String,
        /// The engine's sentence.
        message: String,
        /// Time since the file was sent, in ms, for telemetry.
        ms: f64,
    },
    /// The page could not hand `id` to the worker, or not read its answer.
    NotSent {
        /// The file.
        id: u32,
        /// Why.
        failure: Failure,
    },
    /// The worker died (a trap aborts its wasm) or ran out of memory.
    WorkerCrashed,
    /// The server converted `id`; its XML is kept by the page.
    ServerDone(u32),
    /// The server did not convert `id`.
    ServerFailed(u32, ServerFailure),
}

/// What the page should do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Show the file's state.
    Show(u32, State),
    /// Show progress: the stage (unchanged when `None`) and the fraction done.
    Progress {
        /// The file.
        id: u32,
        /// The stage's name; `Some("")` clears it.
        stage: Option<&'static str>,
        /// 0–1.
        fraction: f64,
    },
    /// The file failed (its state is then [`State::Error`]).
    Fail(u32, Failure),
    /// Why the file goes to the server, or `None` when it no longer does.
    Fallback(u32, Option<Fallback>),
    /// Why the file waits for Pro, or `None` when it no longer does.
    Lock(u32, Option<Lock>),
    /// Show this file's preview (`None`: none).
    Select(Option<u32>),
    /// Send the file to the worker to convert.
    Convert(u32),
    /// Have the worker build a sample plan.
    BuildSample(u32, Sample),
    /// Upload the file to the server (the server lane is the queue's until
    /// [`Event::ServerDone`] or [`Event::ServerFailed`]).
    Upload(u32),
    /// Have the worker read the server's XML of the file into a plan.
    ReadXml(u32),
    /// The server's XML of the file could not be read into a plan: the file stays converted,
    /// only its viewer is missing.
    PlanUnavailable(u32, String),
    /// End the worker and start a fresh one (which says [`Event::WorkerReady`]).
    RestartWorker,
    /// Tell the server how an in-browser conversion went (telemetry): outcome, format, ms.
    Report {
        /// The file (its size goes in the report).
        id: u32,
        /// `ok` or the engine's error kind.
        outcome: String,
        /// The format generation, when known.
        version: String,
        /// Time taken.
        ms: f64,
    },
    /// The server refused the licence: the page marks the stored one.
    Refused(Refusal),
    /// Keep (or forget) the consent choice on this device.
    Remember(Option<Choice>),
    /// Forget these files: their cards and their XML.
    Forget(Vec<u32>),
}

/// A file (or sample) the queue knows of.
#[derive(Debug, Clone)]
struct Entry {
    id: u32,
    size: f64,
    state: State,
    sample: bool,
    /// Converted on the server: a failure for it is its XML not read into a plan.
    on_server: bool,
}

/// What the worker is busy with.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Busy {
    File(u32),
    Sample(u32),
}

impl Busy {
    fn id(self) -> u32 {
        match self {
            Self::File(id) | Self::Sample(id) => id,
        }
    }
}

/// The queue: one file at a time in the worker, one at a time on the server beside it.
#[derive(Debug)]
pub struct Queue {
    entries: Vec<Entry>,
    config: Option<ServerConfig>,
    settled: bool,
    licence: Licence,
    remembered: Option<Choice>,
    ready: bool,
    /// Files for the worker, in order.
    worker_queue: VecDeque<u32>,
    /// Samples for the worker; they go before files (they are quick).
    samples: VecDeque<(u32, Sample)>,
    busy: Option<Busy>,
    server_queue: VecDeque<u32>,
    uploading: Option<u32>,
    /// Server XML waiting for the worker to be ready, to be read into plans.
    unread_xml: Vec<u32>,
    /// Files added together with an earlier one (several at once is Pro's).
    followers: Vec<u32>,
    locked: Vec<(u32, Lock)>,
    /// Files waiting for the user's consent before they go to the server.
    asking: Vec<u32>,
    out: Vec<Command>,
}

impl Queue {
    /// An empty queue, before the config is settled and the worker ready; `remembered` is the
    /// consent choice kept on this device.
    pub fn new(licence: Licence, remembered: Option<Choice>) -> Self {
        Self {
            entries: Vec::new(),
            config: None,
            settled: false,
            licence,
            remembered,
            ready: false,
            worker_queue: VecDeque::new(),
            samples: VecDeque::new(),
            busy: None,
            server_queue: VecDeque::new(),
            uploading: None,
            unread_xml: Vec::new(),
            followers: Vec::new(),
            locked: Vec::new(),
            asking: Vec::new(),
            out: Vec::new(),
        }
    }

    /// Whether `id` is a sample plan (the page marks its result so).
    pub fn is_sample(&self, id: u32) -> bool {
        self.entry(id).is_some_and(|e| e.sample)
    }

    /// Takes an event; returns what the page should do, in order.
    pub fn handle(&mut self, event: Event) -> Vec<Command> {
        match event {
            Event::Config(config) => {
                self.config = config;
                self.settled = true;
            }
            Event::Licence(licence) => {
                self.licence = licence;
                self.unlock();
            }
            Event::Added(files) => self.add(files),
            Event::SampleAdded(id, sample) => {
                if self.entry(id).is_none() {
                    self.entries.push(Entry {
                        id,
                        size: 0.0,
                        state: State::Queued,
                        sample: true,
                        on_server: false,
                    });
                    self.samples.push_back((id, sample));
                }
            }
            Event::Chose {
                id,
                choice,
                remember,
            } => self.choose(id, choice, remember),
            Event::Remember(choice) => {
                self.remembered = choice;
                self.out.push(Command::Remember(choice));
            }
            Event::ClearFinished => self.clear_finished(),
            Event::WorkerReady => {
                self.ready = true;
                for id in std::mem::take(&mut self.unread_xml) {
                    self.out.push(Command::ReadXml(id));
                }
            }
            Event::WorkerDone { id, format, ms } if self.busy.is_some_and(|b| b.id() == id) => {
                if !self.is_sample(id) {
                    self.report(id, "ok", format, ms);
                }
                self.done(id);
                self.worker_free(id);
            }
            Event::WorkerFailed {
                id,
                kind,
                message,
                ms,
            } => self.worker_failed(id, kind, message, ms),
            Event::NotSent { id, failure } => {
                self.fail(id, failure);
                self.worker_free(id);
            }
            Event::WorkerCrashed => self.crashed(),
            Event::ServerDone(id) if self.uploading == Some(id) => {
                if let Some(entry) = self.entry_mut(id) {
                    entry.on_server = true;
                }
                self.done(id);
                if self.entry(id).is_some() {
                    self.read_xml(id);
                }
                self.server_free(id);
            }
            Event::ServerFailed(id, failure) if self.uploading == Some(id) => {
                if let ServerFailure::Licence(refusal) = failure {
                    self.out.push(Command::Refused(refusal));
                }
                self.fail(id, Failure::Server(failure));
                self.server_free(id);
            }
            // An answer for a file the worker or the server lane no longer has (it was
            // answered already): nothing changes.
            Event::WorkerDone { .. } | Event::ServerDone(_) | Event::ServerFailed(..) => {}
        }
        self.pump();
        std::mem::take(&mut self.out)
    }

    fn entry(&self, id: u32) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    fn entry_mut(&mut self, id: u32) -> Option<&mut Entry> {
        self.entries.iter_mut().find(|e| e.id == id)
    }

    fn size(&self, id: u32) -> f64 {
        self.entry(id).map_or(0.0, |e| e.size)
    }

    fn show(&mut self, id: u32, state: State) {
        if let Some(entry) = self.entry_mut(id) {
            entry.state = state;
            self.out.push(Command::Show(id, state));
        }
    }

    fn fail(&mut self, id: u32, failure: Failure) {
        if let Some(entry) = self.entry_mut(id) {
            entry.state = State::Error;
            self.out.push(Command::Fail(id, failure));
        }
    }

    fn done(&mut self, id: u32) {
        if self.entry(id).is_some() {
            self.out.push(Command::Progress {
                id,
                stage: None,
                fraction: 1.0,
            });
            self.show(id, State::Done);
            self.out.push(Command::Select(Some(id)));
        }
    }

    fn report(&mut self, id: u32, outcome: &str, version: String, ms: f64) {
        self.out.push(Command::Report {
            id,
            outcome: outcome.to_owned(),
            version,
            ms,
        });
    }

    /// Whether the Pro gates hold `feature` back: the server enforces them (as its config
    /// says, also when remembered offline) and the licence does not allow it.
    fn gated(&self, feature: Feature) -> bool {
        self.config.is_some_and(|c| c.licence_required) && !self.licence.allows(feature)
    }

    fn add(&mut self, files: Vec<(u32, f64)>) {
        for (at, (id, size)) in files.into_iter().enumerate() {
            if self.entry(id).is_some() {
                continue;
            }
            self.entries.push(Entry {
                id,
                size,
                state: State::Queued,
                sample: false,
                on_server: false,
            });
            if at > 0 {
                self.followers.push(id);
            }
            self.worker_queue.push_back(id);
        }
    }

    fn lock(&mut self, id: u32, lock: Lock) {
        if self.entry(id).is_none() {
            return;
        }
        self.out.push(Command::Fallback(id, None));
        self.out.push(Command::Lock(id, Some(lock)));
        self.show(id, State::Locked);
        self.locked.push((id, lock));
    }

    /// The files whose lock the licence now lifts convert (those it still gates wait on).
    fn unlock(&mut self) {
        for (id, lock) in std::mem::take(&mut self.locked) {
            if self.gated(lock.feature()) {
                self.locked.push((id, lock));
                continue;
            }
            self.followers.retain(|f| *f != id);
            self.out.push(Command::Lock(id, None));
            self.show(id, State::Queued);
            if lock == Lock::Memory {
                self.for_server(id, Fallback::Memory);
            } else {
                self.worker_queue.push_back(id);
            }
        }
    }

    /// A file the browser should not convert, for `why`: to the server when the user chose
    /// so for this device, skipped when they chose that, else held until they choose. Nothing
    /// is sent before.
    fn for_server(&mut self, id: u32, why: Fallback) {
        if self.entry(id).is_none() {
            return;
        }
        if self.config.is_some_and(|c| c.refuses(self.size(id))) {
            // The server would refuse it: the server lane says so without sending it.
            self.server_queue.push_back(id);
            return;
        }
        self.out.push(Command::Fallback(id, Some(why)));
        match consent::next(self.remembered) {
            Next::Send => {
                self.show(id, State::Queued);
                self.server_queue.push_back(id);
            }
            Next::Skip => self.show(id, State::Skipped),
            Next::Ask => {
                self.show(id, State::Asking);
                self.asking.push(id);
            }
        }
    }

    fn choose(&mut self, id: u32, choice: Choice, remember: bool) {
        let chosen = if remember {
            self.remembered = Some(choice);
            self.out.push(Command::Remember(Some(choice)));
            std::mem::take(&mut self.asking)
        } else {
            let before = self.asking.len();
            self.asking.retain(|a| *a != id);
            if self.asking.len() == before {
                Vec::new()
            } else {
                vec![id]
            }
        };
        for id in chosen {
            match choice {
                Choice::Server => {
                    if self.entry(id).is_some() {
                        self.show(id, State::Queued);
                        self.server_queue.push_back(id);
                    }
                }
                Choice::Skip => self.show(id, State::Skipped),
            }
        }
    }

    fn clear_finished(&mut self) {
        let gone: Vec<u32> = self
            .entries
            .iter()
            .filter(|e| e.state.finished())
            .map(|e| e.id)
            .collect();
        self.entries.retain(|e| !e.state.finished());
        self.unread_xml.retain(|id| !gone.contains(id));
        self.locked.clear();
        self.followers.clear();
        self.out.push(Command::Forget(gone));
        self.out.push(Command::Select(None));
    }

    fn worker_failed(&mut self, id: u32, kind: String, message: String, ms: f64) {
        if self.entry(id).is_some_and(|e| e.on_server) {
            // The server's XML could not be read into a plan: the file is still converted,
            // only the viewer is missing.
            self.out.push(Command::PlanUnavailable(id, message));
            return;
        }
        // The engine's own budget errors are answers, not a worker out of memory: the file
        // would fail the same way on the server.
        let engine_kind = fallback::OUTCOMES.contains(&kind.as_str());
        if !engine_kind && fallback::is_memory_error(&message) {
            self.crashed();
            return;
        }
        let ms = if matches!(self.busy, Some(Busy::File(_))) {
            ms
        } else {
            0.0
        };
        if !self.is_sample(id) {
            self.report(id, &kind, String::new(), ms);
        }
        self.fail(id, Failure::Local { kind, message });
        self.worker_free(id);
    }

    fn worker_free(&mut self, id: u32) {
        if self.busy.is_some_and(|b| b.id() == id) {
            self.busy = None;
        }
    }

    fn server_free(&mut self, id: u32) {
        if self.uploading == Some(id) {
            self.uploading = None;
        }
    }

    /// The worker died: the sample it was building fails; the file it died on goes to the
    /// server when there is one (held for Pro where the server wants it), else fails; a fresh
    /// worker takes the next files.
    fn crashed(&mut self) {
        match self.busy.take() {
            Some(Busy::Sample(id)) => self.fail(id, Failure::local("crash", "")),
            Some(Busy::File(id)) if self.entry(id).is_some() => {
                if self.config.is_some() {
                    self.out.push(Command::Progress {
                        id,
                        stage: Some(""),
                        fraction: 0.0,
                    });
                    if self.gated(Feature::Fallback) {
                        self.lock(id, Lock::Memory);
                    } else {
                        self.for_server(id, Fallback::Memory);
                    }
                } else {
                    self.fail(id, Failure::local("crash", ""));
                }
            }
            _ => {}
        }
        self.ready = false;
        self.out.push(Command::RestartWorker);
    }

    fn read_xml(&mut self, id: u32) {
        if self.ready {
            self.out.push(Command::ReadXml(id));
        } else {
            self.unread_xml.push(id);
        }
    }

    /// Starts what can start, once the config is settled: the followers held for Pro, the
    /// large files routed to the server, the next sample or file in the worker when it is
    /// free, the next upload when the server lane is.
    fn pump(&mut self) {
        if !self.settled {
            return;
        }
        self.hold_followers();
        self.route_large_files();
        self.pump_worker();
        self.pump_server();
    }

    /// Without Pro, of several files added at once only the first converts: the others wait.
    fn hold_followers(&mut self) {
        if !self.gated(Feature::Batch) {
            self.followers.clear();
            return;
        }
        let followers = std::mem::take(&mut self.followers);
        let (held, free): (VecDeque<u32>, VecDeque<u32>) = self
            .worker_queue
            .drain(..)
            .partition(|id| followers.contains(id));
        self.worker_queue = free;
        self.followers = followers;
        for id in held {
            self.followers.retain(|f| *f != id);
            self.lock(id, Lock::Batch);
        }
    }

    /// Moves the files above the browser limit from the worker's queue to the server's (or,
    /// without Pro where the server requires it, holds them: nothing is sent).
    fn route_large_files(&mut self) {
        let Some(config) = self.config else {
            return;
        };
        let gated = self.gated(Feature::Fallback);
        let queue = std::mem::take(&mut self.worker_queue);
        let (large, small): (VecDeque<u32>, VecDeque<u32>) = queue
            .into_iter()
            .partition(|id| config.sends(self.size(*id)));
        self.worker_queue = small;
        for id in large {
            if gated {
                self.lock(id, Lock::Size(config.browser_max_bytes));
            } else {
                self.for_server(id, Fallback::Size(config.browser_max_bytes));
            }
        }
    }

    /// Sends the next sample, else the next file, when the worker is ready and free.
    fn pump_worker(&mut self) {
        if !self.ready || self.busy.is_some() {
            return;
        }
        while let Some((id, sample)) = self.samples.pop_front() {
            if self.entry(id).is_some() {
                self.busy = Some(Busy::Sample(id));
                self.show(id, State::Converting);
                self.out.push(Command::BuildSample(id, sample));
                return;
            }
        }
        while let Some(id) = self.worker_queue.pop_front() {
            if self.entry(id).is_some() {
                self.busy = Some(Busy::File(id));
                self.show(id, State::Converting);
                self.out.push(Command::Convert(id));
                return;
            }
        }
    }

    /// Uploads the next file for the server when no other is there; one the server would
    /// refuse after the whole upload fails now instead.
    fn pump_server(&mut self) {
        if self.uploading.is_some() {
            return;
        }
        while let Some(id) = self.server_queue.pop_front() {
            if self.entry(id).is_none() {
                continue;
            }
            if let Some(config) = self.config
                && config.refuses(self.size(id))
            {
                self.out.push(Command::Fallback(id, None));
                let max = Some(config.upload_max_bytes);
                self.fail(id, Failure::Server(ServerFailure::TooLarge(max)));
                continue;
            }
            self.uploading = Some(id);
            self.show(id, State::Converting);
            self.out.push(Command::Progress {
                id,
                stage: Some("uploading"),
                fraction: 0.0,
            });
            self.out.push(Command::Upload(id));
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server's limits in these tests: above 100 bytes to the server, above 1000 refused.
    fn config(licence_required: bool) -> ServerConfig {
        ServerConfig {
            browser_max_bytes: 100.0,
            upload_max_bytes: 1000.0,
            payments: licence_required,
            licence_required,
        }
    }

    /// A queue whose config is settled as `config` and whose worker is ready.
    fn started(
        config: Option<ServerConfig>,
        licence: Licence,
        remembered: Option<Choice>,
    ) -> Queue {
        let mut q = Queue::new(licence, remembered);
        q.handle(Event::Config(config));
        q.handle(Event::WorkerReady);
        q
    }

    fn free() -> Licence {
        Licence::allowing([])
    }

    fn done(id: u32) -> Event {
        Event::WorkerDone {
            id,
            format: "MPP14".into(),
            ms: 5.0,
        }
    }

    /// The files the commands start in the worker or on the server.
    fn started_ids(commands: &[Command]) -> Vec<Command> {
        commands
            .iter()
            .filter(|c| {
                matches!(
                    c,
                    Command::Convert(_)
                        | Command::BuildSample(..)
                        | Command::Upload(_)
                        | Command::ReadXml(_)
                )
            })
            .cloned()
            .collect()
    }

    fn shown(commands: &[Command], id: u32) -> Option<State> {
        commands.iter().rev().find_map(|c| match c {
            Command::Show(i, s) if *i == id => Some(*s),
            Command::Fail(i, _) if *i == id => Some(State::Error),
            _ => None,
        })
    }

    #[test]
    fn files_convert_in_order_one_at_a_time_and_only_once_ready_and_settled() {
        let mut q = Queue::new(Licence::unchecked(), None);
        let out = q.handle(Event::Added(vec![(1, 10.0), (2, 10.0)]));
        assert_eq!(started_ids(&out), [], "before the config is settled");
        let out = q.handle(Event::Config(None));
        assert_eq!(started_ids(&out), [], "before the worker is ready");
        let out = q.handle(Event::Added(vec![(3, 10.0)]));
        assert_eq!(started_ids(&out), []);
        let out = q.handle(Event::WorkerReady);
        assert_eq!(started_ids(&out), [Command::Convert(1)]);
        assert_eq!(shown(&out, 1), Some(State::Converting));

        let out = q.handle(done(1));
        assert_eq!(
            out.iter().take(5).cloned().collect::<Vec<_>>(),
            [
                Command::Report {
                    id: 1,
                    outcome: "ok".into(),
                    version: "MPP14".into(),
                    ms: 5.0
                },
                Command::Progress {
                    id: 1,
                    stage: None,
                    fraction: 1.0
                },
                Command::Show(1, State::Done),
                Command::Select(Some(1)),
                Command::Show(2, State::Converting),
            ]
        );
        assert_eq!(started_ids(&out), [Command::Convert(2)]);
        // A late answer for a file that is not in the worker changes nothing.
        assert_eq!(q.handle(done(1)), []);
        assert_eq!(started_ids(&q.handle(done(2))), [Command::Convert(3)]);
        assert_eq!(started_ids(&q.handle(done(3))), []);
    }

    #[test]
    fn a_failure_in_the_worker_is_reported_and_the_next_file_goes_on() {
        let mut q = started(None, Licence::unchecked(), None);
        q.handle(Event::Added(vec![(1, 10.0), (2, 10.0), (3, 10.0)]));
        let out = q.handle(Event::WorkerFailed {
            id: 1,
            kind: "corrupt".into(),
            message: "bad".into(),
            ms: 7.0,
        });
        assert!(out.contains(&Command::Fail(1, Failure::local("corrupt", "bad"))));
        assert!(out.contains(&Command::Report {
            id: 1,
            outcome: "corrupt".into(),
            version: String::new(),
            ms: 7.0
        }));
        assert_eq!(started_ids(&out), [Command::Convert(2)]);
        // The page could not hand a file over: it fails, unreported, and the queue goes on.
        let out = q.handle(Event::NotSent {
            id: 2,
            failure: Failure::local("read", "gone"),
        });
        assert_eq!(shown(&out, 2), Some(State::Error));
        assert!(!out.iter().any(|c| matches!(c, Command::Report { .. })));
        assert_eq!(started_ids(&out), [Command::Convert(3)]);
    }

    #[test]
    fn large_files_go_to_the_server_one_at_a_time_beside_the_worker() {
        let mut q = started(Some(config(false)), free(), Some(Choice::Server));
        let out = q.handle(Event::Added(vec![(1, 500.0)]));
        assert!(out.contains(&Command::Fallback(1, Some(Fallback::Size(100.0)))));
        assert_eq!(started_ids(&out), [Command::Upload(1)]);
        let out = q.handle(Event::Added(vec![(2, 50.0)]));
        assert_eq!(
            started_ids(&out),
            [Command::Convert(2)],
            "the worker is free"
        );
        let out = q.handle(Event::Added(vec![(3, 600.0)]));
        assert_eq!(started_ids(&out), [], "one upload at a time");
        assert_eq!(shown(&out, 3), Some(State::Queued));

        let out = q.handle(Event::ServerDone(1));
        assert_eq!(shown(&out, 1), Some(State::Done));
        assert_eq!(
            started_ids(&out),
            [Command::ReadXml(1), Command::Upload(3)],
            "the server's XML is read into a plan by the worker, beside the file in it"
        );
        let out = q.handle(Event::ServerFailed(3, ServerFailure::Busy(Some(2))));
        assert!(out.contains(&Command::Fail(
            3,
            Failure::Server(ServerFailure::Busy(Some(2)))
        )));
        assert_eq!(started_ids(&out), []);
    }

    #[test]
    fn the_servers_xml_waits_for_the_worker_and_a_failed_read_only_loses_the_viewer() {
        let mut q = Queue::new(free(), Some(Choice::Server));
        q.handle(Event::Config(Some(config(false))));
        let out = q.handle(Event::Added(vec![(1, 500.0)]));
        assert_eq!(
            started_ids(&out),
            [Command::Upload(1)],
            "the server needs no worker"
        );
        let out = q.handle(Event::ServerDone(1));
        assert_eq!(started_ids(&out), [], "no worker yet to read the XML");
        let out = q.handle(Event::WorkerReady);
        assert_eq!(started_ids(&out), [Command::ReadXml(1)]);
        let out = q.handle(Event::WorkerFailed {
            id: 1,
            kind: "bad_xml".into(),
            message: "not MSPDI".into(),
            ms: 0.0,
        });
        assert_eq!(
            out,
            [Command::PlanUnavailable(1, "not MSPDI".into())],
            "the file stays converted, unreported"
        );
    }

    #[test]
    fn nothing_leaves_the_device_without_consent() {
        let mut q = started(Some(config(false)), free(), None);
        let out = q.handle(Event::Added(vec![(1, 500.0)]));
        assert_eq!(shown(&out, 1), Some(State::Asking));
        assert_eq!(started_ids(&out), []);
        q.handle(Event::Added(vec![(2, 500.0)]));
        q.handle(Event::Added(vec![(3, 500.0)]));

        let out = q.handle(Event::Chose {
            id: 2,
            choice: Choice::Skip,
            remember: false,
        });
        assert_eq!(out, [Command::Show(2, State::Skipped)]);
        let out = q.handle(Event::Chose {
            id: 1,
            choice: Choice::Server,
            remember: false,
        });
        assert_eq!(started_ids(&out), [Command::Upload(1)]);
        assert_eq!(shown(&out, 3), None, "file 3 still waits");
        // Answering again for a file that no longer waits changes nothing.
        let out = q.handle(Event::Chose {
            id: 2,
            choice: Choice::Server,
            remember: false,
        });
        assert_eq!(out, []);

        // Remembered: every waiting file, and the next ones without asking.
        let out = q.handle(Event::Chose {
            id: 3,
            choice: Choice::Server,
            remember: true,
        });
        assert!(out.contains(&Command::Remember(Some(Choice::Server))));
        assert_eq!(shown(&out, 3), Some(State::Queued));
        q.handle(Event::ServerDone(1));
        let out = q.handle(Event::Added(vec![(4, 500.0)]));
        assert_eq!(shown(&out, 4), Some(State::Queued));

        // Forgotten: the next one asks again.
        assert_eq!(q.handle(Event::Remember(None)), [Command::Remember(None)]);
        let out = q.handle(Event::Added(vec![(5, 500.0)]));
        assert_eq!(shown(&out, 5), Some(State::Asking));
    }

    #[test]
    fn a_remembered_no_skips_without_asking_and_a_remembered_skip_for_all_skips_all() {
        let mut q = started(Some(config(false)), free(), Some(Choice::Skip));
        let out = q.handle(Event::Added(vec![(1, 500.0)]));
        assert_eq!(shown(&out, 1), Some(State::Skipped));
        assert_eq!(started_ids(&out), []);

        let mut q = started(Some(config(false)), free(), None);
        q.handle(Event::Added(vec![(1, 500.0)]));
        q.handle(Event::Added(vec![(2, 500.0)]));
        let out = q.handle(Event::Chose {
            id: 2,
            choice: Choice::Skip,
            remember: true,
        });
        assert_eq!(shown(&out, 1), Some(State::Skipped));
        assert_eq!(shown(&out, 2), Some(State::Skipped));
        let out = q.handle(Event::Added(vec![(3, 500.0)]));
        assert_eq!(shown(&out, 3), Some(State::Skipped));
    }

    #[test]
    fn a_file_the_server_would_refuse_fails_without_an_upload_or_a_question() {
        let mut q = started(Some(config(false)), free(), None);
        let out = q.handle(Event::Added(vec![(1, 5000.0)]));
        assert_eq!(started_ids(&out), []);
        assert!(out.contains(&Command::Fallback(1, None)));
        assert!(out.contains(&Command::Fail(
            1,
            Failure::Server(ServerFailure::TooLarge(Some(1000.0)))
        )));
        assert!(!out.contains(&Command::Show(1, State::Asking)));
    }

    #[test]
    fn without_pro_where_the_server_wants_it_only_the_first_file_converts_and_large_ones_wait() {
        let mut q = started(Some(config(true)), free(), Some(Choice::Server));
        let out = q.handle(Event::Added(vec![(1, 10.0), (2, 10.0), (3, 500.0)]));
        assert_eq!(started_ids(&out), [Command::Convert(1)]);
        assert!(out.contains(&Command::Lock(2, Some(Lock::Batch))));
        assert!(out.contains(&Command::Lock(3, Some(Lock::Batch))));
        let out = q.handle(Event::Added(vec![(4, 500.0)]));
        assert!(out.contains(&Command::Lock(4, Some(Lock::Size(100.0)))));
        assert_eq!(started_ids(&out), [], "nothing is sent without Pro");

        // A licence with the batch only lifts the batch locks; the large files still wait,
        // now for the fallback.
        let out = q.handle(Event::Licence(Licence::allowing([Feature::Batch])));
        assert!(out.contains(&Command::Lock(2, None)));
        assert!(out.contains(&Command::Lock(3, Some(Lock::Size(100.0)))));
        assert!(!out.contains(&Command::Lock(4, None)));
        assert_eq!(started_ids(&out), [], "file 1 is still in the worker");
        assert_eq!(started_ids(&q.handle(done(1))), [Command::Convert(2)]);

        // Both large files go to the server, one at a time (in the order they were locked).
        let out = q.handle(Event::Licence(Licence::allowing([
            Feature::Batch,
            Feature::Fallback,
        ])));
        assert_eq!(started_ids(&out), [Command::Upload(4)]);
        assert_eq!(shown(&out, 3), Some(State::Queued));
    }

    #[test]
    fn an_app_without_the_key_or_a_server_without_licensing_gates_nothing() {
        let mut q = started(
            Some(config(true)),
            Licence::unchecked(),
            Some(Choice::Server),
        );
        let out = q.handle(Event::Added(vec![(1, 10.0), (2, 500.0)]));
        assert_eq!(started_ids(&out), [Command::Convert(1), Command::Upload(2)]);
        let mut q = started(Some(config(false)), free(), Some(Choice::Server));
        let out = q.handle(Event::Added(vec![(1, 10.0), (2, 500.0)]));
        assert_eq!(started_ids(&out), [Command::Convert(1), Command::Upload(2)]);
    }

    #[test]
    fn a_refused_licence_is_passed_on_and_the_file_fails() {
        let mut q = started(
            Some(config(true)),
            Licence::unchecked(),
            Some(Choice::Server),
        );
        q.handle(Event::Added(vec![(1, 500.0)]));
        let refusal = ServerFailure::Licence(Refusal::Revoked);
        let out = q.handle(Event::ServerFailed(1, refusal.clone()));
        assert_eq!(
            out,
            [
                Command::Refused(Refusal::Revoked),
                Command::Fail(1, Failure::Server(refusal))
            ]
        );
        // The page then says what the refused licence allows: large files wait for Pro.
        q.handle(Event::Licence(free()));
        let out = q.handle(Event::Added(vec![(2, 500.0)]));
        assert!(out.contains(&Command::Lock(2, Some(Lock::Size(100.0)))));
    }

    #[test]
    fn a_worker_crash_sends_the_file_to_the_server_and_a_fresh_worker_takes_the_next() {
        let mut q = started(Some(config(false)), free(), Some(Choice::Server));
        q.handle(Event::Added(vec![(1, 50.0), (2, 50.0)]));
        let out = q.handle(Event::WorkerCrashed);
        assert_eq!(
            out,
            [
                Command::Progress {
                    id: 1,
                    stage: Some(""),
                    fraction: 0.0
                },
                Command::Fallback(1, Some(Fallback::Memory)),
                Command::Show(1, State::Queued),
                Command::RestartWorker,
                Command::Show(1, State::Converting),
                Command::Progress {
                    id: 1,
                    stage: Some("uploading"),
                    fraction: 0.0
                },
                Command::Upload(1),
            ]
        );
        assert_eq!(
            started_ids(&q.handle(Event::WorkerReady)),
            [Command::Convert(2)]
        );
    }

    #[test]
    fn a_worker_crash_asks_first_holds_for_pro_or_fails_without_a_server() {
        let mut q = started(Some(config(false)), free(), None);
        q.handle(Event::Added(vec![(1, 50.0)]));
        let out = q.handle(Event::WorkerCrashed);
        assert_eq!(shown(&out, 1), Some(State::Asking));

        let mut q = started(Some(config(true)), free(), Some(Choice::Server));
        q.handle(Event::Added(vec![(1, 50.0)]));
        let out = q.handle(Event::WorkerCrashed);
        assert!(out.contains(&Command::Lock(1, Some(Lock::Memory))));
        assert_eq!(started_ids(&out), []);
        let out = q.handle(Event::Licence(Licence::unchecked()));
        assert!(out.contains(&Command::Fallback(1, Some(Fallback::Memory))));
        assert_eq!(started_ids(&out), [Command::Upload(1)]);

        let mut q = started(None, free(), Some(Choice::Server));
        q.handle(Event::Added(vec![(1, 50.0), (2, 50.0)]));
        let out = q.handle(Event::WorkerCrashed);
        assert_eq!(
            out,
            [
                Command::Fail(1, Failure::local("crash", "")),
                Command::RestartWorker
            ]
        );
        assert_eq!(
            started_ids(&q.handle(Event::WorkerReady)),
            [Command::Convert(2)]
        );
    }

    #[test]
    fn out_of_memory_in_the_worker_is_a_crash_but_the_engines_budgets_are_answers() {
        let mut q = started(Some(config(false)), free(), Some(Choice::Server));
        q.handle(Event::Added(vec![(1, 50.0), (2, 50.0)]));
        let out = q.handle(Event::WorkerFailed {
            id: 1,
            kind: "other".into(),
            message: "memory allocation failed".into(),
            ms: 1.0,
        });
        assert!(out.contains(&Command::RestartWorker));
        assert_eq!(started_ids(&out), [Command::Upload(1)]);
        q.handle(Event::WorkerReady);
        let out = q.handle(Event::WorkerFailed {
            id: 2,
            kind: "memory_budget".into(),
            message: "the memory budget is spent".into(),
            ms: 1.0,
        });
        assert!(!out.contains(&Command::RestartWorker));
        assert_eq!(shown(&out, 2), Some(State::Error));
    }

    #[test]
    fn samples_go_before_files_unreported_and_fail_on_a_crash() {
        let mut q = Queue::new(free(), None);
        q.handle(Event::Config(None));
        q.handle(Event::Added(vec![(1, 10.0)]));
        q.handle(Event::SampleAdded(2, Sample::Small));
        assert!(q.is_sample(2) && !q.is_sample(1));
        let out = q.handle(Event::WorkerReady);
        assert_eq!(started_ids(&out), [Command::BuildSample(2, Sample::Small)]);
        let out = q.handle(done(2));
        assert!(!out.iter().any(|c| matches!(c, Command::Report { .. })));
        assert_eq!(shown(&out, 2), Some(State::Done));
        assert_eq!(started_ids(&out), [Command::Convert(1)]);

        q.handle(Event::SampleAdded(3, Sample::Large));
        q.handle(done(1));
        let out = q.handle(Event::WorkerCrashed);
        assert_eq!(
            out,
            [
                Command::Fail(3, Failure::local("crash", "")),
                Command::RestartWorker
            ]
        );
    }

    #[test]
    fn clearing_forgets_finished_files_and_keeps_the_others() {
        let mut q = started(Some(config(true)), free(), None);
        q.handle(Event::Added(vec![(1, 10.0), (2, 10.0)]));
        q.handle(Event::Added(vec![(3, 500.0)]));
        q.handle(Event::Added(vec![(4, 10.0)]));
        q.handle(done(1));
        // 1 done, 2 and 3 locked, 4 converting.
        let out = q.handle(Event::ClearFinished);
        assert_eq!(out, [Command::Forget(vec![1, 2, 3]), Command::Select(None)]);
        // The forgotten locked files do not come back with a licence.
        let out = q.handle(Event::Licence(Licence::unchecked()));
        assert_eq!(started_ids(&out), []);
        assert_eq!(shown(&out, 2), None);
        let out = q.handle(done(4));
        assert_eq!(shown(&out, 4), Some(State::Done));
    }

    #[test]
    fn cleared_server_xml_is_not_read_when_the_worker_comes_back() {
        let mut q = started(Some(config(false)), free(), Some(Choice::Server));
        q.handle(Event::Added(vec![(1, 50.0)]));
        q.handle(Event::Added(vec![(2, 500.0)]));
        q.handle(Event::WorkerCrashed);
        assert_eq!(
            started_ids(&q.handle(Event::ServerDone(2))),
            [Command::Upload(1)]
        );
        q.handle(Event::ServerDone(1));
        assert_eq!(
            q.handle(Event::ClearFinished),
            [Command::Forget(vec![1, 2]), Command::Select(None)]
        );
        assert_eq!(started_ids(&q.handle(Event::WorkerReady)), []);
    }
}
