//! The browser side of the worker: typed messages in and out (`serde-wasm-bindgen`), with the
//! input file and the XML transferred (moved) between page and worker rather than copied.

use crate::{Outcome, mspdi, run};
use converter::{Options, Stage as EngineStage};
use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use protocol::{BUFFER_KEY, ErrorKind, MESSAGE_KEY, Reply, Request, Stage, Summary};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// Installs the message handler and tells the page the worker is ready.
pub fn start() -> Result<(), JsValue> {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().dyn_into()?;
    let handler_scope = scope.clone();
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        if let Err(err) = handle(&handler_scope, &event.data()) {
            web_sys::console::error_2(&"mpp2xml worker:".into(), &err);
        }
    });
    scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    onmessage.forget();
    post(&scope, &Reply::Ready, None)?;
    warm_up();
    Ok(())
}

/// Runs the paths every conversion takes once, on a sample plan made in code, before the
/// first file arrives. V8 compiles a wasm function only when it is first called, so the first
/// file of a page paid for compiling the writer, the viewer's plan and the messages: 42 ms
/// against 2.6 ms native on a small project (`cargo xtask bench-web`). Requests that arrive
/// meanwhile wait in the worker's queue; the result is thrown away.
fn warm_up() {
    if let Ok(outcome) = crate::sample(protocol::Sample::Small) {
        let _ = serde_wasm_bindgen::to_value(&outcome.plan);
    }
    // The reading of a file: container, properties, the model and its XML.
    if let Ok(outcome) = run(crate::WARM_UP_FILE, &mut Options::default()) {
        let _ = serde_wasm_bindgen::to_value(&outcome.plan);
    }
    // The refusal of what is not a compound file.
    let _ = run(b"not a project, only a warm-up", &mut Options::default());
}

/// Posts `reply`, with `buffer` transferred beside it when there is one.
fn post(
    scope: &DedicatedWorkerGlobalScope,
    reply: &Reply,
    buffer: Option<&ArrayBuffer>,
) -> Result<(), JsValue> {
    let envelope = Object::new();
    let message = serde_wasm_bindgen::to_value(reply)?;
    Reflect::set(&envelope, &MESSAGE_KEY.into(), &message)?;
    match buffer {
        Some(buffer) => {
            Reflect::set(&envelope, &BUFFER_KEY.into(), buffer)?;
            scope.post_message_with_transfer(&envelope, &Array::of1(buffer))
        }
        None => scope.post_message(&envelope),
    }
}

fn stage(stage: EngineStage) -> Stage {
    match stage {
        EngineStage::Container => Stage::Container,
        EngineStage::Properties => Stage::Properties,
        EngineStage::Calendars => Stage::Calendars,
        EngineStage::CustomFields => Stage::CustomFields,
        EngineStage::Resources => Stage::Resources,
        EngineStage::Tasks => Stage::Tasks,
        EngineStage::Relations => Stage::Links,
        EngineStage::Assignments => Stage::Assignments,
        EngineStage::Writing => Stage::Writing,
        EngineStage::Done => Stage::Done,
    }
}

/// The bytes of the envelope's buffer.
fn buffer_bytes(data: &JsValue) -> Result<Vec<u8>, JsValue> {
    let buffer: ArrayBuffer = Reflect::get(data, &BUFFER_KEY.into())?.dyn_into()?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

fn handle(scope: &DedicatedWorkerGlobalScope, data: &JsValue) -> Result<(), JsValue> {
    let message = Reflect::get(data, &MESSAGE_KEY.into())?;
    let request: Request = serde_wasm_bindgen::from_value(message)?;
    let clock = scope.performance();
    let started = clock.as_ref().map_or(0.0, |p| p.now());
    let elapsed = || clock.as_ref().map_or(0.0, |p| p.now()) - started;
    match request {
        Request::Convert { id, .. } => {
            let bytes = buffer_bytes(data)?;
            let mut last: Option<(EngineStage, f32)> = None;
            let mut progress = |s: EngineStage, fraction: f32| {
                // One message per stage and per whole percent is plenty for a progress bar.
                let changed = last.is_none_or(|(ls, f)| ls != s || fraction - f >= 0.01);
                if changed {
                    last = Some((s, fraction));
                    let reply = Reply::Progress {
                        id,
                        stage: stage(s),
                        fraction,
                    };
                    if let Err(err) = post(scope, &reply, None) {
                        web_sys::console::error_1(&err);
                    }
                }
            };
            let mut options = Options {
                progress: Some(&mut progress),
                ..Options::default()
            };
            let result = run(&bytes, &mut options);
            drop(bytes);
            match result {
                Ok(outcome) => post_done(scope, id, elapsed(), outcome, false),
                Err(err) => post(scope, &failed(id, err.kind(), err.to_string()), None),
            }
        }
        Request::Sample { id, sample } => match crate::sample(sample) {
            Ok(outcome) => post_done(scope, id, elapsed(), outcome, true),
            Err(err) => post(scope, &failed(id, err.kind(), err.to_string()), None),
        },
        Request::ReadXml { id } => {
            let bytes = buffer_bytes(data)?;
            let reply = match mspdi::read_plan(&bytes) {
                Ok(plan) => Reply::Plan { id, plan },
                Err(err) => Reply::Failed {
                    id,
                    kind: ErrorKind::BadXml,
                    message: err.to_string(),
                },
            };
            drop(bytes);
            post(scope, &reply, None)
        }
    }
}

fn failed(id: u32, kind: &str, message: String) -> Reply {
    Reply::Failed {
        id,
        kind: ErrorKind::from_name(kind),
        message,
    }
}

fn post_done(
    scope: &DedicatedWorkerGlobalScope,
    id: u32,
    ms: f64,
    outcome: Outcome,
    sample: bool,
) -> Result<(), JsValue> {
    let Outcome {
        xml,
        summary,
        warnings,
        plan,
    } = outcome;
    let buffer = Uint8Array::from(xml.as_slice()).buffer();
    drop(xml);
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let summary = Summary {
        // A sample was not read from a file: it has no format generation.
        format: if sample {
            String::new()
        } else {
            format!("MPP{}", summary.format.number())
        },
        application: summary.application,
        template: summary.template,
        tasks: count(summary.tasks),
        resources: count(summary.resources),
        assignments: count(summary.assignments),
        calendars: count(summary.calendars),
    };
    let reply = Reply::Done {
        id,
        ms,
        summary,
        warnings,
        plan,
    };
    post(scope, &reply, Some(&buffer))
}
