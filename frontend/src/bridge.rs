//! The page's side of the worker protocol (the `protocol` crate's typed messages): a queue of
//! files converted one after another, each file's state in signals the view reads. Files above
//! the server's browser limit, and a file the worker dies on, are converted on the server
//! instead (one at a time, beside the worker), and their XML is then read into a plan by the
//! worker, so they get the viewer too. Sample plans are built by the worker in the same queue.

use crate::account::Pro;
use crate::api::{self, ConfigAnswer, Phase, ServerReply};
use crate::consent::{self, Choice, Next, Waiting};
use crate::fallback::{self, Fallback, ServerConfig, ServerFailure};
use crate::i18n::Texts;
use crate::pro::Lock;
use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use leptos::prelude::*;
use licence::Feature;
pub use protocol::Summary;
use protocol::{BUFFER_KEY, MESSAGE_KEY, Plan, Reply, Request, Sample};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, MessageEvent, Url, Worker};

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
}

/// The viewer's plan of a converted file.
#[derive(Debug, Clone)]
pub enum PlanState {
    /// Ready to show.
    Ready(Arc<Plan>),
    /// The worker is reading the XML the server sent back.
    Reading,
    /// No plan: the worker could not read the server's XML (the sentence says why), or the
    /// XML was too large to read into one.
    Unavailable(String),
}

/// A converted file.
#[derive(Debug, Clone)]
pub struct Converted {
    pub summary: Summary,
    pub warnings: Vec<String>,
    /// What the viewer shows.
    pub plan: PlanState,
    /// The XML, kept for the ZIP of all files. `None` for the server's XML, which stays out of
    /// the app's memory (the fallback is for files too large for the device) in a blob the
    /// bridge keeps ([`Bridge::server_xml`]).
    pub xml: Option<Arc<Vec<u8>>>,
    /// A blob URL of the XML, for its download link.
    pub url: String,
    /// Conversion time in ms: the worker's, or the server's round trip.
    pub ms: f64,
    /// Converted on the server (its plan is read from the XML it sent back).
    pub on_server: bool,
    /// A sample plan made by the worker, not a file.
    pub sample: bool,
}

/// Why a file failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// In the browser: the engine's error kind (or `read`, `crash`, `other`) and its sentence.
    Local { kind: String, message: String },
    /// On the server.
    Server(ServerFailure),
}

impl Failure {
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

/// One file in the list.
#[derive(Debug, Clone, Copy)]
pub struct Item {
    pub id: u32,
    pub name: StoredValue<String>,
    pub size: f64,
    pub state: RwSignal<State>,
    pub stage: RwSignal<String>,
    pub fraction: RwSignal<f64>,
    pub result: RwSignal<Option<Converted>>,
    pub failure: RwSignal<Option<Failure>>,
    /// Why the file went to the server, when it did.
    pub fallback: RwSignal<Option<Fallback>>,
    /// Why the file waits for Pro, when it does.
    pub lock: RwSignal<Option<Lock>>,
}

/// The queue, the worker, and the server lane for files the browser should not convert.
pub struct Bridge {
    /// Every file, in the order added.
    pub items: RwSignal<Vec<Item>>,
    /// The worker has said "ready".
    pub ready: RwSignal<bool>,
    /// The file whose preview is shown.
    pub selected: RwSignal<Option<u32>>,
    /// The server's limits, when it converts what the browser should not; `None`: every file
    /// converts in the browser, as it does offline or served by a server without the API.
    pub config: RwSignal<Option<ServerConfig>>,
    /// The config question is answered (or given up on). Files wait for it, so a large file
    /// dropped at start-up does not go to the worker by mistake.
    config_settled: Cell<bool>,
    /// The server answered this session, so telemetry has somewhere to go.
    api_live: Cell<bool>,
    worker: RefCell<Option<Worker>>,
    handlers: RefCell<Vec<Handler>>,
    queue: RefCell<VecDeque<(u32, File)>>,
    /// The file in the worker, with when it was sent; the file is kept so it can go to the
    /// server if the worker dies on it (its bytes were transferred away, the `File` remains).
    busy: RefCell<Option<(u32, File, f64)>>,
    server_queue: RefCell<VecDeque<(u32, File)>>,
    server_busy: Cell<bool>,
    /// The XML of each file the server converted.
    server_xml: RefCell<HashMap<u32, Blob>>,
    next_id: Cell<u32>,
    /// Sample plans waiting for the worker (they go before files: they are quick).
    samples: RefCell<VecDeque<(u32, Sample)>>,
    /// The sample in the worker, if one is.
    sample_busy: Cell<Option<u32>>,
    /// Server XML waiting for the worker to start, to be read into plans.
    pending_xml: RefCell<Vec<(u32, Blob)>>,
    /// The licence, for the Pro gates and the server's `Authorization`.
    pro: Pro,
    /// The files added together with an earlier one (several at once: a Pro feature).
    followers: RefCell<HashSet<u32>>,
    /// The files waiting for Pro, converted once a licence is stored.
    locked: RefCell<Vec<(u32, File, Lock)>>,
    /// The files waiting for the user's consent before they go to the server.
    pub consent: Waiting,
}

/// A worker event handler, kept alive as long as its worker.
type Handler = Closure<dyn FnMut(JsValue)>;

/// The worker script Trunk writes (loader shim of `worker.js` + `worker_bg.wasm`).
const WORKER_URL: &str = "./worker_loader.js";

/// Milliseconds on the page's clock.
fn now() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

impl Bridge {
    /// Starts the worker and asks the server for its limits.
    pub fn new(pro: Pro) -> Rc<Self> {
        let bridge = Rc::new(Self {
            items: RwSignal::new(Vec::new()),
            ready: RwSignal::new(false),
            selected: RwSignal::new(None),
            config: RwSignal::new(None),
            config_settled: Cell::new(false),
            api_live: Cell::new(false),
            worker: RefCell::new(None),
            handlers: RefCell::new(Vec::new()),
            queue: RefCell::new(VecDeque::new()),
            busy: RefCell::new(None),
            server_queue: RefCell::new(VecDeque::new()),
            server_busy: Cell::new(false),
            server_xml: RefCell::new(HashMap::new()),
            next_id: Cell::new(1),
            samples: RefCell::new(VecDeque::new()),
            sample_busy: Cell::new(None),
            pending_xml: RefCell::new(Vec::new()),
            pro,
            followers: RefCell::new(HashSet::new()),
            locked: RefCell::new(Vec::new()),
            consent: Waiting::load(),
        });
        Self::spawn(&bridge);
        Self::load_config(&bridge);
        bridge
    }

    /// Asks the server for its limits; keeps the last good answer for when it cannot answer
    /// (an installed app offline), forgets it when the server says it has no API.
    fn load_config(this: &Rc<Self>) {
        let this = Rc::clone(this);
        wasm_bindgen_futures::spawn_local(async move {
            let config = match api::fetch_config().await {
                ConfigAnswer::Live(config) => {
                    api::remember_config(Some(config));
                    this.api_live.set(true);
                    Some(config)
                }
                ConfigAnswer::NoApi => {
                    api::remember_config(None);
                    None
                }
                ConfigAnswer::Unreachable => api::remembered_config(),
            };
            this.config.set(config);
            this.config_settled.set(true);
            this.pump();
        });
    }

    fn spawn(this: &Rc<Self>) {
        this.ready.set(false);
        let worker = match Worker::new(WORKER_URL) {
            Ok(w) => w,
            Err(err) => {
                web_sys::console::error_2(&"mpp2xml: the worker did not start:".into(), &err);
                return;
            }
        };
        let weak = Rc::downgrade(this);
        let on_message = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            if let (Some(bridge), Ok(event)) = (weak.upgrade(), event.dyn_into::<MessageEvent>()) {
                bridge.on_message(&event.data());
            }
        });
        let weak = Rc::downgrade(this);
        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            if let Some(e) = event.dyn_ref::<web_sys::Event>() {
                e.prevent_default();
            }
            if let Some(bridge) = weak.upgrade() {
                bridge.on_crash();
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        *this.handlers.borrow_mut() = vec![on_message, on_error];
        *this.worker.borrow_mut() = Some(worker);
    }

    /// Queues files for conversion.
    pub fn add(self: &Rc<Self>, files: Vec<File>) {
        for (at, file) in files.into_iter().enumerate() {
            let id = self.next_id.get();
            self.next_id.set(id + 1);
            let item = Item {
                id,
                name: StoredValue::new(file.name()),
                size: file.size(),
                state: RwSignal::new(State::Queued),
                stage: RwSignal::new(String::new()),
                fraction: RwSignal::new(0.0),
                result: RwSignal::new(None),
                failure: RwSignal::new(None),
                fallback: RwSignal::new(None),
                lock: RwSignal::new(None),
            };
            if at > 0 {
                self.followers.borrow_mut().insert(id);
            }
            self.items.update(|v| v.push(item));
            self.queue.borrow_mut().push_back((id, file));
        }
        self.pump();
    }

    /// Queues a sample plan for the worker to build; it then shows like a converted file.
    pub fn add_sample(self: &Rc<Self>, sample: Sample) {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let name = match sample {
            Sample::Small => "mpp2xml-sample.mpp",
            Sample::Large => "mpp2xml-sample-10000-tasks.mpp",
        };
        let item = Item {
            id,
            name: StoredValue::new(name.to_owned()),
            size: 0.0,
            state: RwSignal::new(State::Queued),
            stage: RwSignal::new(String::new()),
            fraction: RwSignal::new(0.0),
            result: RwSignal::new(None),
            failure: RwSignal::new(None),
            fallback: RwSignal::new(None),
            lock: RwSignal::new(None),
        };
        self.items.update(|v| v.push(item));
        self.samples.borrow_mut().push_back((id, sample));
        self.pump();
    }

    /// Forgets every file that is not waiting or converting, and frees its XML.
    pub fn clear_finished(&self) {
        let mut server_xml = self.server_xml.borrow_mut();
        self.items.update(|items| {
            items.retain(|item| {
                let finished = matches!(
                    item.state.get_untracked(),
                    State::Done | State::Error | State::Locked | State::Skipped
                );
                if finished && let Some(done) = item.result.get_untracked() {
                    let _ = Url::revoke_object_url(&done.url);
                    server_xml.remove(&item.id);
                }
                !finished
            });
        });
        self.locked.borrow_mut().clear();
        self.followers.borrow_mut().clear();
        self.selected.set(None);
    }

    /// Whether the Pro gates hold `feature` back: the server enforces them (payments are
    /// configured, as the config says, also when it was remembered offline) and this device
    /// has no valid licence for it. Without a built-in key nothing is gated here (the server
    /// still says no to what it gates).
    fn gated(&self, feature: Feature) -> bool {
        self.config
            .get_untracked()
            .is_some_and(|c| c.licence_required)
            && self.pro.key.is_some()
            && !self.pro.allows(feature)
    }

    /// The licence for a server conversion, when the server wants one.
    fn bearer(&self) -> Option<String> {
        let required = self
            .config
            .get_untracked()
            .is_some_and(|c| c.licence_required);
        if required {
            self.pro.held.with_untracked(|h| h.bearer())
        } else {
            None
        }
    }

    fn lock(&self, id: u32, file: File, lock: Lock) {
        if let Some(item) = self.item(id) {
            item.fallback.set(None);
            item.lock.set(Some(lock));
            item.state.set(State::Locked);
        }
        self.locked.borrow_mut().push((id, file, lock));
    }

    /// A licence was stored: the files that waited for it convert now (those it unlocks).
    pub fn unlock(self: &Rc<Self>) {
        let waiting: Vec<(u32, File, Lock)> = std::mem::take(&mut *self.locked.borrow_mut());
        for (id, file, lock) in waiting {
            if self.gated(lock.feature()) {
                self.locked.borrow_mut().push((id, file, lock));
                continue;
            }
            self.followers.borrow_mut().remove(&id);
            if let Some(item) = self.item(id) {
                item.lock.set(None);
                item.state.set(State::Queued);
            }
            if lock == Lock::Memory {
                self.to_server(id, file, Fallback::Memory);
            } else {
                self.queue.borrow_mut().push_back((id, file));
            }
        }
        self.pump();
    }

    /// The XML of the files the server converted, by file id.
    pub fn server_xml(&self) -> HashMap<u32, Blob> {
        self.server_xml.borrow().clone()
    }

    fn item(&self, id: u32) -> Option<Item> {
        self.items
            .with_untracked(|v| v.iter().find(|i| i.id == id).copied())
    }

    /// Starts what can start: the next file in the worker when it is free, the next large
    /// file on the server when no other is there.
    fn pump(self: &Rc<Self>) {
        if !self.config_settled.get() {
            return;
        }
        self.hold_followers();
        self.route_large_files();
        self.pump_worker();
        self.pump_server();
    }

    /// Without Pro, of several files added at once only the first converts: the others wait.
    fn hold_followers(&self) {
        if !self.gated(Feature::Batch) {
            self.followers.borrow_mut().clear();
            return;
        }
        let held: VecDeque<(u32, File)> = {
            let followers = self.followers.borrow();
            let mut queue = self.queue.borrow_mut();
            let (held, free) = queue.drain(..).partition(|(id, _)| followers.contains(id));
            *queue = free;
            held
        };
        for (id, file) in held {
            self.followers.borrow_mut().remove(&id);
            self.lock(id, file, Lock::Batch);
        }
    }

    /// Moves the files above the browser limit from the worker's queue to the server's (or,
    /// without Pro where the server requires it, holds them: nothing is sent).
    fn route_large_files(&self) {
        let Some(config) = self.config.get_untracked() else {
            return;
        };
        let gated = self.gated(Feature::Fallback);
        let large: VecDeque<(u32, File)> = {
            let mut queue = self.queue.borrow_mut();
            let (large, small) = queue.drain(..).partition(|(_, f)| config.sends(f.size()));
            *queue = small;
            large
        };
        for (id, file) in large {
            if gated {
                self.lock(id, file, Lock::Size(config.browser_max_bytes));
                continue;
            }
            self.to_server(id, file, Fallback::Size(config.browser_max_bytes));
        }
    }

    /// Sends the next sample, else the next file, when the worker is free.
    fn pump_worker(self: &Rc<Self>) {
        if !self.ready.get_untracked()
            || self.busy.borrow().is_some()
            || self.sample_busy.get().is_some()
        {
            return;
        }
        let next_sample = self.samples.borrow_mut().pop_front();
        if let Some((id, sample)) = next_sample {
            self.sample_busy.set(Some(id));
            if let Some(item) = self.item(id) {
                item.state.set(State::Converting);
            }
            if let Err(err) = self.post(&Request::Sample { id, sample }, None) {
                web_sys::console::error_1(&err);
                self.worker_failed(id, local_failure("other", String::new()));
            }
            return;
        }
        let Some((id, file)) = self.queue.borrow_mut().pop_front() else {
            return;
        };
        *self.busy.borrow_mut() = Some((id, file.clone(), now()));
        if let Some(item) = self.item(id) {
            item.state.set(State::Converting);
        }
        let this = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            let sent = match JsFuture::from(file.array_buffer()).await {
                Ok(buffer) => this.send(id, &file.name(), &buffer),
                Err(err) => Err(err),
            };
            if let Err(err) = sent {
                web_sys::console::error_1(&err);
                let message = err.as_string().unwrap_or_default();
                this.worker_failed(id, local_failure("read", message));
            }
        });
    }

    /// Sends the next large file to the server when no other is there.
    fn pump_server(self: &Rc<Self>) {
        if self.server_busy.get() {
            return;
        }
        let Some((id, file)) = self.server_queue.borrow_mut().pop_front() else {
            return;
        };
        let Some(item) = self.item(id) else {
            return self.pump_server();
        };
        if let Some(config) = self.config.get_untracked()
            && config.refuses(file.size())
        {
            // It would be refused after the whole upload: say so now.
            item.fallback.set(None);
            let max = Some(config.upload_max_bytes);
            set_failed(item, Failure::Server(ServerFailure::TooLarge(max)));
            return self.pump_server();
        }
        self.server_busy.set(true);
        item.state.set(State::Converting);
        item.stage.set("uploading".into());
        item.fraction.set(0.0);
        let this = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            let started = now();
            let progress = move |phase: Phase, fraction: f64| {
                // The upload is most of the wait; the XML comes back fast on the same line.
                let (stage, at) = match phase {
                    Phase::Uploading => ("uploading", 0.8 * fraction),
                    Phase::Converting => ("server", 0.8),
                    Phase::Downloading => ("downloading", 0.8 + 0.2 * fraction),
                };
                item.stage.set(stage.into());
                item.fraction.set(at);
            };
            let bearer = this.bearer();
            let answer = api::convert(&file, bearer.as_deref(), progress).await;
            let ms = now() - started;
            match answer {
                Ok(reply) => match from_server(&reply, ms) {
                    Ok((done, blob)) => {
                        this.server_xml.borrow_mut().insert(id, blob.clone());
                        this.finish_done(id, done);
                        this.read_plan(id, blob);
                    }
                    Err(err) => {
                        web_sys::console::error_1(&err);
                        set_failed(item, Failure::Server(ServerFailure::Other(String::new())));
                    }
                },
                Err(failure) => {
                    if let ServerFailure::Licence(refusal) = failure {
                        this.pro.refused(refusal);
                    }
                    set_failed(item, Failure::Server(failure));
                }
            }
            this.server_busy.set(false);
            this.pump();
        });
    }

    fn send(&self, id: u32, name: &str, buffer: &JsValue) -> Result<(), JsValue> {
        let request = Request::Convert {
            id,
            name: name.to_owned(),
        };
        // Transferred: the page's copy of the bytes is gone once the worker has them.
        self.post(&request, Some(buffer))
    }

    /// Posts a typed request to the worker, in the protocol's envelope, with `buffer`
    /// transferred beside it.
    fn post(&self, request: &Request, buffer: Option<&JsValue>) -> Result<(), JsValue> {
        let envelope = Object::new();
        let message = serde_wasm_bindgen::to_value(request)?;
        Reflect::set(&envelope, &MESSAGE_KEY.into(), &message)?;
        let worker = self.worker.borrow();
        let worker = worker.as_ref().ok_or_else(|| JsValue::from("no worker"))?;
        match buffer {
            Some(buffer) => {
                Reflect::set(&envelope, &BUFFER_KEY.into(), buffer)?;
                worker.post_message_with_transfer(&envelope, &Array::of1(buffer))
            }
            None => worker.post_message(&envelope),
        }
    }

    /// Has the worker read the XML the server sent back into a plan for the viewer (now, or
    /// when the worker is ready). The blob stays the download's; the worker reads a copy.
    fn read_plan(self: &Rc<Self>, id: u32, blob: Blob) {
        if !self.ready.get_untracked() {
            self.pending_xml.borrow_mut().push((id, blob));
            return;
        }
        let this = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            let sent = match JsFuture::from(blob.array_buffer()).await {
                Ok(buffer) => this.post(&Request::ReadXml { id }, Some(&buffer)),
                Err(err) => Err(err),
            };
            if let Err(err) = sent {
                web_sys::console::error_1(&err);
                this.set_plan(id, PlanState::Unavailable(String::new()));
            }
        });
    }

    fn set_plan(&self, id: u32, plan: PlanState) {
        if let Some(item) = self.item(id) {
            item.result.update(|r| {
                if let Some(done) = r {
                    done.plan = plan;
                }
            });
        }
    }

    fn on_message(self: &Rc<Self>, data: &JsValue) {
        let message = Reflect::get(data, &MESSAGE_KEY.into()).unwrap_or(JsValue::UNDEFINED);
        let reply: Reply = match serde_wasm_bindgen::from_value(message) {
            Ok(reply) => reply,
            Err(err) => {
                web_sys::console::error_2(
                    &"mpp2xml: a message the page cannot read:".into(),
                    &err.into(),
                );
                return;
            }
        };
        match reply {
            Reply::Ready => {
                self.ready.set(true);
                let pending: Vec<(u32, Blob)> = std::mem::take(&mut *self.pending_xml.borrow_mut());
                for (id, blob) in pending {
                    self.read_plan(id, blob);
                }
                self.pump();
            }
            Reply::Progress {
                id,
                stage,
                fraction,
            } => {
                if let Some(item) = self.item(id) {
                    item.stage.set(stage.name().to_owned());
                    item.fraction.set(f64::from(fraction));
                }
            }
            Reply::Done {
                id,
                ms,
                summary,
                warnings,
                plan,
            } => {
                let sample = self.sample_busy.get() == Some(id);
                match converted(data, ms, summary, warnings, plan, sample) {
                    Ok(done) => {
                        if !sample {
                            self.report(id, "ok", &done.summary.format, done.ms);
                        }
                        self.finish_done(id, done);
                        self.worker_free(id);
                    }
                    Err(err) => {
                        web_sys::console::error_1(&err);
                        self.worker_failed(id, local_failure("other", String::new()));
                    }
                }
            }
            Reply::Plan { id, plan } => self.set_plan(id, PlanState::Ready(Arc::new(plan))),
            Reply::Failed { id, kind, message } => {
                let on_server = self
                    .item(id)
                    .and_then(|i| i.result.with_untracked(|r| r.as_ref().map(|d| d.on_server)));
                if on_server == Some(true) {
                    // The server's XML could not be read into a plan: the file is still
                    // converted, only the viewer is missing.
                    self.set_plan(id, PlanState::Unavailable(message));
                    return;
                }
                let kind = kind.name().to_owned();
                // The engine's own budget errors are answers, not a worker out of memory:
                // the file would fail the same way on the server.
                let engine_kind = fallback::OUTCOMES.contains(&kind.as_str());
                if !engine_kind && fallback::is_memory_error(&message) {
                    self.on_crash();
                    return;
                }
                let ms = self.busy.borrow().as_ref().map_or(0.0, |b| now() - b.2);
                if self.sample_busy.get() != Some(id) {
                    self.report(id, &kind, "", ms);
                }
                self.worker_failed(id, Failure::Local { kind, message });
            }
        }
    }

    /// Tells the server how an in-browser conversion went (outcome, version, size range,
    /// time; never the name or the content), when this server has the API.
    fn report(&self, id: u32, outcome: &str, version: &str, ms: f64) {
        if !self.api_live.get() {
            return;
        }
        let Some(item) = self.item(id) else {
            return;
        };
        if let Some(body) = fallback::telemetry_body(outcome, version, item.size, ms) {
            api::send_telemetry(body);
        }
    }

    fn finish_done(&self, id: u32, done: Converted) {
        if let Some(item) = self.item(id) {
            item.fraction.set(1.0);
            item.result.set(Some(done));
            item.state.set(State::Done);
            self.selected.set(Some(id));
        }
    }

    fn worker_failed(self: &Rc<Self>, id: u32, failure: Failure) {
        if let Some(item) = self.item(id) {
            set_failed(item, failure);
        }
        self.worker_free(id);
    }

    fn worker_free(self: &Rc<Self>, id: u32) {
        let mine = self.busy.borrow().as_ref().is_some_and(|b| b.0 == id);
        if mine {
            *self.busy.borrow_mut() = None;
        }
        if self.sample_busy.get() == Some(id) {
            self.sample_busy.set(None);
        }
        self.pump();
    }

    /// The worker died (a trap such as an allocation failure aborts its wasm) or ran out of
    /// memory: a fresh worker takes the next files, and the file it died on goes to the server
    /// when there is one, with a notice saying why.
    fn on_crash(self: &Rc<Self>) {
        if let Some(worker) = self.worker.borrow_mut().take() {
            worker.terminate();
        }
        if let Some(id) = self.sample_busy.take()
            && let Some(item) = self.item(id)
        {
            set_failed(item, local_failure("crash", String::new()));
        }
        let busy = self.busy.borrow_mut().take();
        if let Some((id, file, _)) = busy
            && let Some(item) = self.item(id)
        {
            if self.config.get_untracked().is_some() && self.gated(Feature::Fallback) {
                item.stage.set(String::new());
                item.fraction.set(0.0);
                self.lock(id, file, Lock::Memory);
            } else if self.config.get_untracked().is_some() {
                item.stage.set(String::new());
                item.fraction.set(0.0);
                self.to_server(id, file, Fallback::Memory);
            } else {
                set_failed(item, local_failure("crash", String::new()));
            }
        }
        Self::spawn(self);
        self.pump();
    }
}

// Consent before upload (issue 11): every file that would go to the server passes here.
impl Bridge {
    /// A file the browser should not convert, for `why`: sent to the server when the user
    /// chose so for this device, skipped when they chose that, else held on its card until
    /// they choose ([`Bridge::choose`]). Nothing is sent before.
    fn to_server(&self, id: u32, file: File, why: Fallback) {
        let Some(item) = self.item(id) else {
            return;
        };
        if self
            .config
            .get_untracked()
            .is_some_and(|c| c.refuses(file.size()))
        {
            // The server would refuse it: the server lane says so without sending it.
            self.server_queue.borrow_mut().push_back((id, file));
            return;
        }
        item.fallback.set(Some(why));
        match consent::next(self.consent.remembered.get_untracked()) {
            Next::Send => {
                item.state.set(State::Queued);
                self.server_queue.borrow_mut().push_back((id, file));
            }
            Next::Skip => item.state.set(State::Skipped),
            Next::Ask => {
                item.state.set(State::Asking);
                self.consent.hold(id, file, why);
            }
        }
    }

    /// The user's choice for the waiting file `id`; with `remember`, for every file waiting
    /// now and from now on, on this device.
    pub fn choose(self: &Rc<Self>, id: u32, choice: Choice, remember: bool) {
        let files = if remember {
            self.consent.remember(Some(choice));
            self.consent.take_all()
        } else {
            self.consent.take(id).into_iter().collect()
        };
        for (id, file, _) in files {
            let Some(item) = self.item(id) else {
                continue;
            };
            match choice {
                Choice::Server => {
                    item.state.set(State::Queued);
                    self.server_queue.borrow_mut().push_back((id, file));
                }
                Choice::Skip => item.state.set(State::Skipped),
            }
        }
        self.pump();
    }
}

fn local_failure(kind: &str, message: String) -> Failure {
    Failure::Local {
        kind: kind.to_owned(),
        message,
    }
}

fn set_failed(item: Item, failure: Failure) {
    item.failure.set(Some(failure));
    item.state.set(State::Error);
}

/// A file the server converted, as the list and the ZIP see it: its XML and counts; its plan
/// comes once the worker has read the XML.
fn from_server(reply: &ServerReply, ms: f64) -> Result<(Converted, Blob), JsValue> {
    let blob = xml_blob(&reply.xml)?;
    let done = Converted {
        summary: reply.summary.clone(),
        warnings: Vec::new(),
        plan: PlanState::Reading,
        xml: None,
        url: Url::create_object_url_with_blob(&blob)?,
        ms,
        on_server: true,
        sample: false,
    };
    Ok((done, blob))
}

fn xml_blob(bytes: &Uint8Array) -> Result<Blob, JsValue> {
    let options = BlobPropertyBag::new();
    options.set_type("application/xml");
    Blob::new_with_u8_array_sequence_and_options(&Array::of1(bytes), &options)
}

/// A file the worker converted: the typed reply, and the XML transferred beside it.
fn converted(
    data: &JsValue,
    ms: f64,
    summary: Summary,
    warnings: Vec<String>,
    plan: Plan,
    sample: bool,
) -> Result<Converted, JsValue> {
    let buffer: ArrayBuffer = Reflect::get(data, &BUFFER_KEY.into())?.dyn_into()?;
    let bytes = Uint8Array::new(&buffer);
    let url = Url::create_object_url_with_blob(&xml_blob(&bytes)?)?;
    Ok(Converted {
        summary,
        warnings,
        plan: PlanState::Ready(Arc::new(plan)),
        xml: Some(Arc::new(bytes.to_vec())),
        url,
        ms,
        on_server: false,
        sample,
    })
}
