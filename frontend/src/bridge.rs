//! The page's side of the worker protocol (the `protocol` crate's typed messages) and of the
//! server lane: the worker's life (start, restart after a crash), the files' bytes and XML,
//! and each file's state in signals the view reads. Which file goes where and when is the
//! [`Queue`]'s to decide (`queue.rs`, plain Rust tested on the host); this module turns what
//! happens in the browser into its events and carries out its commands.

use crate::account::Pro;
use crate::api::{self, ConfigAnswer, Phase, ServerReply};
use crate::consent::{self, Choice};
use crate::fallback::{self, Fallback, ServerConfig, ServerFailure};
use crate::pro::Lock;
use crate::queue::{Command, Event, Licence, Queue};
pub use crate::queue::{Failure, State};
use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use leptos::prelude::*;
use licence::PRO_FEATURES;
pub use protocol::Summary;
use protocol::{BUFFER_KEY, MESSAGE_KEY, Plan, Reply, Request, Sample};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, MessageEvent, Url, Worker};

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

/// The worker, the server lane and the files' signals, driven by the [`Queue`]: browser
/// events (the worker's messages, the server's answers, the user's clicks) go in as
/// [`Event`]s, and the [`Command`]s that come out are carried out here.
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
    /// The consent choice remembered on this device; the page shows it with a way to forget it.
    pub remembered: RwSignal<Option<Choice>>,
    queue: RefCell<Queue>,
    /// Events that arrived while commands were being carried out, handled after them in order.
    events: RefCell<VecDeque<Event>>,
    dispatching: Cell<bool>,
    /// The server answered this session, so telemetry has somewhere to go.
    api_live: Cell<bool>,
    worker: RefCell<Option<Worker>>,
    handlers: RefCell<Vec<Handler>>,
    /// The files not yet converted, by id: a file the worker dies on still has its `File`
    /// (its bytes were transferred away) to go to the server.
    files: RefCell<HashMap<u32, File>>,
    /// When the file in the worker was sent, for telemetry.
    sent_at: Cell<f64>,
    /// The XML of each file the server converted.
    server_xml: RefCell<HashMap<u32, Blob>>,
    next_id: Cell<u32>,
    /// The licence, for the Pro gates and the server's `Authorization`.
    pro: Pro,
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
        let remembered = consent::load();
        let bridge = Rc::new(Self {
            items: RwSignal::new(Vec::new()),
            ready: RwSignal::new(false),
            selected: RwSignal::new(None),
            config: RwSignal::new(None),
            remembered: RwSignal::new(remembered),
            queue: RefCell::new(Queue::new(licence_of(&pro), remembered)),
            events: RefCell::new(VecDeque::new()),
            dispatching: Cell::new(false),
            api_live: Cell::new(false),
            worker: RefCell::new(None),
            handlers: RefCell::new(Vec::new()),
            files: RefCell::new(HashMap::new()),
            sent_at: Cell::new(0.0),
            server_xml: RefCell::new(HashMap::new()),
            next_id: Cell::new(1),
            pro,
        });
        Self::spawn(&bridge);
        Self::load_config(&bridge);
        bridge
    }

    /// Hands `event` to the queue and carries out what it says. An event raised while
    /// commands run (a message that could not be posted, a refused licence) waits until they
    /// are all carried out, so commands run in the order the queue gave them.
    fn dispatch(self: &Rc<Self>, event: Event) {
        self.events.borrow_mut().push_back(event);
        if self.dispatching.replace(true) {
            return;
        }
        loop {
            let Some(event) = self.events.borrow_mut().pop_front() else {
                break;
            };
            let commands = self.queue.borrow_mut().handle(event);
            for command in commands {
                self.run(command);
            }
        }
        self.dispatching.set(false);
    }

    fn run(self: &Rc<Self>, command: Command) {
        match command {
            Command::Show(id, state) => {
                if let Some(item) = self.item(id) {
                    item.state.set(state);
                }
                if matches!(state, State::Done | State::Skipped) {
                    self.files.borrow_mut().remove(&id);
                }
            }
            Command::Progress {
                id,
                stage,
                fraction,
            } => {
                if let Some(item) = self.item(id) {
                    if let Some(stage) = stage {
                        item.stage.set(stage.to_owned());
                    }
                    item.fraction.set(fraction);
                }
            }
            Command::Fail(id, failure) => {
                if let Some(item) = self.item(id) {
                    item.failure.set(Some(failure));
                    item.state.set(State::Error);
                }
                self.files.borrow_mut().remove(&id);
            }
            Command::Fallback(id, why) => {
                if let Some(item) = self.item(id) {
                    item.fallback.set(why);
                }
            }
            Command::Lock(id, lock) => {
                if let Some(item) = self.item(id) {
                    item.lock.set(lock);
                }
            }
            Command::Select(id) => self.selected.set(id),
            Command::Convert(id) => self.convert(id),
            Command::BuildSample(id, sample) => {
                if let Err(err) = self.post(&Request::Sample { id, sample }, None) {
                    web_sys::console::error_1(&err);
                    let failure = Failure::local("other", "");
                    self.dispatch(Event::NotSent { id, failure });
                }
            }
            Command::Upload(id) => self.upload(id),
            Command::ReadXml(id) => self.read_plan(id),
            Command::PlanUnavailable(id, message) => {
                self.set_plan(id, PlanState::Unavailable(message));
            }
            Command::RestartWorker => {
                if let Some(worker) = self.worker.borrow_mut().take() {
                    worker.terminate();
                }
                Self::spawn(self);
            }
            Command::Report {
                id,
                outcome,
                version,
                ms,
            } => self.report(id, &outcome, &version, ms),
            Command::Refused(refusal) => {
                self.pro.refused(refusal);
                self.dispatch(Event::Licence(licence_of(&self.pro)));
            }
            Command::Remember(choice) => {
                consent::store(choice);
                self.remembered.set(choice);
            }
            Command::Forget(ids) => self.forget(&ids),
        }
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
            this.dispatch(Event::Config(config));
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
                bridge.dispatch(Event::WorkerCrashed);
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        *this.handlers.borrow_mut() = vec![on_message, on_error];
        *this.worker.borrow_mut() = Some(worker);
    }

    /// A new card for `name`, waiting.
    fn new_item(&self, name: String, size: f64) -> Item {
        let id = self.next_id.get();
        self.next_id.set(id.wrapping_add(1));
        Item {
            id,
            name: StoredValue::new(name),
            size,
            state: RwSignal::new(State::Queued),
            stage: RwSignal::new(String::new()),
            fraction: RwSignal::new(0.0),
            result: RwSignal::new(None),
            failure: RwSignal::new(None),
            fallback: RwSignal::new(None),
            lock: RwSignal::new(None),
        }
    }

    /// Queues files for conversion (added together: without Pro, only the first converts).
    pub fn add(self: &Rc<Self>, files: Vec<File>) {
        let mut added = Vec::with_capacity(files.len());
        for file in files {
            let item = self.new_item(file.name(), file.size());
            added.push((item.id, item.size));
            self.files.borrow_mut().insert(item.id, file);
            self.items.update(|v| v.push(item));
        }
        self.dispatch(Event::Added(added));
    }

    /// Queues a sample plan for the worker to build; it then shows like a converted file.
    pub fn add_sample(self: &Rc<Self>, sample: Sample) {
        let name = match sample {
            Sample::Small => "mpp2xml-sample.mpp",
            Sample::Large => "mpp2xml-sample-10000-tasks.mpp",
        };
        let item = self.new_item(name.to_owned(), 0.0);
        let id = item.id;
        self.items.update(|v| v.push(item));
        self.dispatch(Event::SampleAdded(id, sample));
    }

    /// Forgets every file that is not waiting or converting, and frees its XML.
    pub fn clear_finished(self: &Rc<Self>) {
        self.dispatch(Event::ClearFinished);
    }

    fn forget(&self, ids: &[u32]) {
        let mut server_xml = self.server_xml.borrow_mut();
        let mut files = self.files.borrow_mut();
        self.items.update(|items| {
            items.retain(|item| {
                let gone = ids.contains(&item.id);
                if gone {
                    if let Some(done) = item.result.get_untracked() {
                        let _ = Url::revoke_object_url(&done.url);
                    }
                    server_xml.remove(&item.id);
                    files.remove(&item.id);
                }
                !gone
            });
        });
    }

    /// The user's choice for the waiting file `id`; with `remember`, for every file waiting
    /// now and from now on, on this device.
    pub fn choose(self: &Rc<Self>, id: u32, choice: Choice, remember: bool) {
        self.dispatch(Event::Chose {
            id,
            choice,
            remember,
        });
    }

    /// Forgets the consent choice remembered on this device: the next file asks again.
    pub fn forget_choice(self: &Rc<Self>) {
        self.dispatch(Event::Remember(None));
    }

    /// A licence was stored: the files that waited for it convert now (those it unlocks).
    pub fn unlock(self: &Rc<Self>) {
        self.dispatch(Event::Licence(licence_of(&self.pro)));
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

    /// The XML of the files the server converted, by file id.
    pub fn server_xml(&self) -> HashMap<u32, Blob> {
        self.server_xml.borrow().clone()
    }

    fn item(&self, id: u32) -> Option<Item> {
        self.items
            .with_untracked(|v| v.iter().find(|i| i.id == id).copied())
    }

    /// Reads the file and transfers its bytes to the worker.
    fn convert(self: &Rc<Self>, id: u32) {
        self.sent_at.set(now());
        let Some(file) = self.files.borrow().get(&id).cloned() else {
            let failure = Failure::local("read", "");
            return self.dispatch(Event::NotSent { id, failure });
        };
        let this = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            let sent = match JsFuture::from(file.array_buffer()).await {
                Ok(buffer) => this.send(id, &file.name(), &buffer),
                Err(err) => Err(err),
            };
            if let Err(err) = sent {
                web_sys::console::error_1(&err);
                let failure = Failure::local("read", err.as_string().unwrap_or_default());
                this.dispatch(Event::NotSent { id, failure });
            }
        });
    }

    /// Uploads the file to the server, its progress on the card.
    fn upload(self: &Rc<Self>, id: u32) {
        let (Some(item), Some(file)) = (self.item(id), self.files.borrow().get(&id).cloned())
        else {
            let failure = ServerFailure::Other(String::new());
            return self.dispatch(Event::ServerFailed(id, failure));
        };
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
            let event = match answer {
                Ok(reply) => match from_server(&reply, ms) {
                    Ok((done, blob)) => {
                        this.server_xml.borrow_mut().insert(id, blob);
                        item.result.set(Some(done));
                        Event::ServerDone(id)
                    }
                    Err(err) => {
                        web_sys::console::error_1(&err);
                        Event::ServerFailed(id, ServerFailure::Other(String::new()))
                    }
                },
                Err(failure) => Event::ServerFailed(id, failure),
            };
            this.dispatch(event);
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

    /// Has the worker read the XML the server sent back into a plan for the viewer. The blob
    /// stays the download's; the worker reads a copy.
    fn read_plan(self: &Rc<Self>, id: u32) {
        let Some(blob) = self.server_xml.borrow().get(&id).cloned() else {
            return;
        };
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
                self.dispatch(Event::WorkerReady);
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
                let sample = self.queue.borrow().is_sample(id);
                let event = match converted(data, ms, summary, warnings, plan, sample) {
                    Ok(done) => {
                        let format = done.summary.format.clone();
                        if let Some(item) = self.item(id) {
                            item.result.set(Some(done));
                        }
                        Event::WorkerDone { id, format, ms }
                    }
                    Err(err) => {
                        web_sys::console::error_1(&err);
                        let failure = Failure::local("other", "");
                        Event::NotSent { id, failure }
                    }
                };
                self.dispatch(event);
            }
            Reply::Plan { id, plan } => self.set_plan(id, PlanState::Ready(Arc::new(plan))),
            Reply::Failed { id, kind, message } => self.dispatch(Event::WorkerFailed {
                id,
                kind: kind.name().to_owned(),
                message,
                ms: now() - self.sent_at.get(),
            }),
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
}

/// What this device's licence lets through the Pro gates; an app built without the key
/// gates nothing.
fn licence_of(pro: &Pro) -> Licence {
    if pro.key.is_none() {
        return Licence::unchecked();
    }
    Licence::allowing(PRO_FEATURES.into_iter().filter(|f| pro.allows(*f)))
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
