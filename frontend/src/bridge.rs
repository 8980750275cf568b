//! The page's side of the worker protocol (see the `converter-wasm` crate): a queue of files
//! converted one after another, each file's state in signals the view reads.

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, MessageEvent, Url, Worker};

/// Where a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for the worker.
    Queued,
    /// In the worker.
    Converting,
    /// Converted.
    Done,
    /// Could not be converted.
    Error,
}

impl State {
    /// The `data-state` value.
    pub fn code(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Converting => "converting",
            Self::Done => "done",
            Self::Error => "error",
        }
    }
}

/// The numbers of what was read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub format: String,
    pub application: String,
    pub template: bool,
    pub tasks: f64,
    pub resources: f64,
    pub assignments: f64,
    pub calendars: f64,
}

/// One task row of the preview.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskRow {
    pub id: f64,
    pub name: String,
    pub outline_level: f64,
    pub duration_value: f64,
    pub duration_unit: String,
    pub start: String,
    pub finish: String,
    pub percent_complete: f64,
    pub resources: String,
    pub summary: bool,
    pub milestone: bool,
}

/// One resource row of the preview.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceRow {
    pub id: f64,
    pub name: String,
    pub kind: String,
    pub max_units: Option<f64>,
}

/// A converted file.
#[derive(Debug, Clone)]
pub struct Converted {
    pub summary: Summary,
    pub warnings: Vec<String>,
    pub tasks: Arc<Vec<TaskRow>>,
    pub resources: Arc<Vec<ResourceRow>>,
    /// The XML, kept for the ZIP of all files.
    pub xml: Arc<Vec<u8>>,
    /// A blob URL of the XML, for its download link.
    pub url: String,
    /// Worker time in ms.
    pub ms: f64,
}

/// Why a file failed: the engine's error kind and its sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub kind: String,
    pub message: String,
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
}

/// The queue and the worker.
pub struct Bridge {
    /// Every file, in the order added.
    pub items: RwSignal<Vec<Item>>,
    /// The worker has said "ready".
    pub ready: RwSignal<bool>,
    /// The file whose preview is shown.
    pub selected: RwSignal<Option<u32>>,
    worker: RefCell<Option<Worker>>,
    handlers: RefCell<Vec<Handler>>,
    queue: RefCell<VecDeque<(u32, File)>>,
    busy: Cell<Option<u32>>,
    next_id: Cell<u32>,
}

/// A worker event handler, kept alive as long as its worker.
type Handler = Closure<dyn FnMut(JsValue)>;

/// The worker script Trunk writes (loader shim of `worker.js` + `worker_bg.wasm`).
const WORKER_URL: &str = "./worker_loader.js";

impl Bridge {
    /// Starts the worker.
    pub fn new() -> Rc<Self> {
        let bridge = Rc::new(Self {
            items: RwSignal::new(Vec::new()),
            ready: RwSignal::new(false),
            selected: RwSignal::new(None),
            worker: RefCell::new(None),
            handlers: RefCell::new(Vec::new()),
            queue: RefCell::new(VecDeque::new()),
            busy: Cell::new(None),
            next_id: Cell::new(1),
        });
        Self::spawn(&bridge);
        bridge
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
        for file in files {
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
            };
            self.items.update(|v| v.push(item));
            self.queue.borrow_mut().push_back((id, file));
        }
        self.pump();
    }

    /// Forgets every file that is not waiting or converting, and frees its XML.
    pub fn clear_finished(&self) {
        self.items.update(|items| {
            items.retain(|item| {
                let finished = matches!(item.state.get_untracked(), State::Done | State::Error);
                if finished && let Some(done) = item.result.get_untracked() {
                    let _ = Url::revoke_object_url(&done.url);
                }
                !finished
            });
        });
        self.selected.set(None);
    }

    fn item(&self, id: u32) -> Option<Item> {
        self.items
            .with_untracked(|v| v.iter().find(|i| i.id == id).copied())
    }

    /// Sends the next file when the worker is free.
    fn pump(self: &Rc<Self>) {
        if !self.ready.get_untracked() || self.busy.get().is_some() {
            return;
        }
        let Some((id, file)) = self.queue.borrow_mut().pop_front() else {
            return;
        };
        self.busy.set(Some(id));
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
                this.finish_with_error(id, "read", &err.as_string().unwrap_or_default());
            }
        });
    }

    fn send(&self, id: u32, name: &str, buffer: &JsValue) -> Result<(), JsValue> {
        let msg = Object::new();
        Reflect::set(&msg, &"type".into(), &"convert".into())?;
        Reflect::set(&msg, &"id".into(), &id.into())?;
        Reflect::set(&msg, &"name".into(), &name.into())?;
        Reflect::set(&msg, &"bytes".into(), buffer)?;
        let worker = self.worker.borrow();
        let worker = worker.as_ref().ok_or_else(|| JsValue::from("no worker"))?;
        // Transferred: the page's copy of the bytes is gone once the worker has them.
        worker.post_message_with_transfer(&msg, &Array::of1(buffer))
    }

    fn on_message(self: &Rc<Self>, data: &JsValue) {
        let kind = get_str(data, "type");
        let id = get_f64(data, "id") as u32;
        match kind.as_str() {
            "ready" => {
                self.ready.set(true);
                self.pump();
            }
            "progress" => {
                if let Some(item) = self.item(id) {
                    item.stage.set(get_str(data, "stage"));
                    item.fraction.set(get_f64(data, "fraction"));
                }
            }
            "done" => {
                match converted(data) {
                    Ok(done) => {
                        if let Some(item) = self.item(id) {
                            item.fraction.set(1.0);
                            item.result.set(Some(done));
                            item.state.set(State::Done);
                            self.selected.set(Some(id));
                        }
                    }
                    Err(err) => {
                        web_sys::console::error_1(&err);
                        self.finish_with_error(id, "other", "");
                        return;
                    }
                }
                self.busy.set(None);
                self.pump();
            }
            "error" => {
                self.finish_with_error(id, &get_str(data, "kind"), &get_str(data, "message"));
            }
            _ => {}
        }
    }

    fn finish_with_error(self: &Rc<Self>, id: u32, kind: &str, message: &str) {
        if let Some(item) = self.item(id) {
            item.failure.set(Some(Failure {
                kind: kind.to_string(),
                message: message.to_string(),
            }));
            item.state.set(State::Error);
        }
        if self.busy.get() == Some(id) {
            self.busy.set(None);
        }
        self.pump();
    }

    /// The worker died (a panic aborts its wasm): fail its file, start a fresh worker, go on.
    fn on_crash(self: &Rc<Self>) {
        if let Some(worker) = self.worker.borrow_mut().take() {
            worker.terminate();
        }
        if let Some(id) = self.busy.take()
            && let Some(item) = self.item(id)
        {
            item.failure.set(Some(Failure {
                kind: "crash".into(),
                message: String::new(),
            }));
            item.state.set(State::Error);
        }
        Self::spawn(self);
    }
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn get_str(obj: &JsValue, key: &str) -> String {
    get(obj, key).as_string().unwrap_or_default()
}

fn get_f64(obj: &JsValue, key: &str) -> f64 {
    get(obj, key).as_f64().unwrap_or(0.0)
}

fn get_bool(obj: &JsValue, key: &str) -> bool {
    get(obj, key).as_bool().unwrap_or(false)
}

fn converted(data: &JsValue) -> Result<Converted, JsValue> {
    let buffer: ArrayBuffer = get(data, "xml").dyn_into()?;
    let bytes = Uint8Array::new(&buffer);
    let options = BlobPropertyBag::new();
    options.set_type("application/xml");
    let blob = Blob::new_with_u8_array_sequence_and_options(&Array::of1(&bytes), &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let s = get(data, "summary");
    let summary = Summary {
        format: get_str(&s, "format"),
        application: get_str(&s, "application"),
        template: get_bool(&s, "template"),
        tasks: get_f64(&s, "tasks"),
        resources: get_f64(&s, "resources"),
        assignments: get_f64(&s, "assignments"),
        calendars: get_f64(&s, "calendars"),
    };
    let warnings = Array::from(&get(data, "warnings"))
        .iter()
        .filter_map(|w| w.as_string())
        .collect();
    let preview = get(data, "preview");
    let tasks = Array::from(&get(&preview, "tasks"))
        .iter()
        .map(|t| TaskRow {
            id: get_f64(&t, "id"),
            name: get_str(&t, "name"),
            outline_level: get_f64(&t, "outlineLevel"),
            duration_value: get_f64(&t, "durationValue"),
            duration_unit: get_str(&t, "durationUnit"),
            start: get_str(&t, "start"),
            finish: get_str(&t, "finish"),
            percent_complete: get_f64(&t, "percentComplete"),
            resources: get_str(&t, "resources"),
            summary: get_bool(&t, "summary"),
            milestone: get_bool(&t, "milestone"),
        })
        .collect();
    let resources = Array::from(&get(&preview, "resources"))
        .iter()
        .map(|r| ResourceRow {
            id: get_f64(&r, "id"),
            name: get_str(&r, "name"),
            kind: get_str(&r, "type"),
            max_units: get(&r, "maxUnits").as_f64(),
        })
        .collect();
    Ok(Converted {
        summary,
        warnings,
        tasks: Arc::new(tasks),
        resources: Arc::new(resources),
        xml: Arc::new(bytes.to_vec()),
        url,
        ms: get_f64(data, "ms"),
    })
}
