//! The browser side of the worker: message handling with `web-sys`, so the input and the XML
//! are transferred (moved) between page and worker rather than copied.

use crate::preview::Preview;
use crate::{Outcome, run};
use converter::{Options, Stage};
use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
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
    scope.post_message(&message("ready", &[])?)
}

/// A plain object `{type, ...fields}`.
fn message(kind: &str, fields: &[(&str, JsValue)]) -> Result<JsValue, JsValue> {
    let obj = Object::new();
    Reflect::set(&obj, &"type".into(), &kind.into())?;
    for (key, value) in fields {
        Reflect::set(&obj, &(*key).into(), value)?;
    }
    Ok(obj.into())
}

fn handle(scope: &DedicatedWorkerGlobalScope, data: &JsValue) -> Result<(), JsValue> {
    let kind = Reflect::get(data, &"type".into())?.as_string();
    if kind.as_deref() != Some("convert") {
        return Ok(());
    }
    let id = Reflect::get(data, &"id".into())?;
    let buffer: ArrayBuffer = Reflect::get(data, &"bytes".into())?.dyn_into()?;
    let bytes = Uint8Array::new(&buffer).to_vec();
    let clock = scope.performance();
    let started = clock.as_ref().map_or(0.0, |p| p.now());

    let mut last: Option<(Stage, f32)> = None;
    let mut progress = |stage: Stage, fraction: f32| {
        // One message per stage and per whole percent is plenty for a progress bar.
        let changed = last.is_none_or(|(s, f)| s != stage || fraction - f >= 0.01);
        if changed {
            last = Some((stage, fraction));
            let sent = message(
                "progress",
                &[
                    ("id", id.clone()),
                    ("stage", stage.name().into()),
                    ("fraction", f64::from(fraction).into()),
                ],
            )
            .and_then(|m| scope.post_message(&m));
            if let Err(err) = sent {
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
    let ms = clock.as_ref().map_or(0.0, |p| p.now()) - started;
    match result {
        Ok(outcome) => post_done(scope, id, ms, outcome),
        Err(err) => scope.post_message(&message(
            "error",
            &[
                ("id", id),
                ("kind", err.kind().into()),
                ("message", err.to_string().into()),
            ],
        )?),
    }
}

fn post_done(
    scope: &DedicatedWorkerGlobalScope,
    id: JsValue,
    ms: f64,
    outcome: Outcome,
) -> Result<(), JsValue> {
    let Outcome {
        xml,
        summary,
        warnings,
        preview,
    } = outcome;
    let xml = Uint8Array::from(xml.as_slice()).buffer();
    let s = Object::new();
    let set = |obj: &Object, key: &str, value: JsValue| Reflect::set(obj, &key.into(), &value);
    set(
        &s,
        "format",
        format!("MPP{}", summary.format.number()).into(),
    )?;
    set(&s, "application", summary.application.into())?;
    set(&s, "template", summary.template.into())?;
    set(&s, "tasks", (summary.tasks as f64).into())?;
    set(&s, "resources", (summary.resources as f64).into())?;
    set(&s, "assignments", (summary.assignments as f64).into())?;
    set(&s, "calendars", (summary.calendars as f64).into())?;
    let warnings: Array = warnings.into_iter().map(JsValue::from).collect();
    let msg = message(
        "done",
        &[
            ("id", id),
            ("ms", ms.into()),
            ("xml", xml.clone().into()),
            ("summary", s.into()),
            ("warnings", warnings.into()),
            ("preview", preview_object(&preview)?),
        ],
    )?;
    let transfer = Array::of1(&xml);
    scope.post_message_with_transfer(&msg, &transfer)
}

fn preview_object(preview: &Preview) -> Result<JsValue, JsValue> {
    let set = |obj: &Object, key: &str, value: JsValue| Reflect::set(obj, &key.into(), &value);
    let tasks = Array::new();
    for t in &preview.tasks {
        let o = Object::new();
        set(&o, "id", t.id.into())?;
        set(&o, "uid", t.uid.into())?;
        set(&o, "name", t.name.as_str().into())?;
        set(&o, "outlineLevel", t.outline_level.into())?;
        set(&o, "duration", t.duration.as_str().into())?;
        set(&o, "durationValue", t.duration_value.into())?;
        set(&o, "durationUnit", t.duration_unit.into())?;
        set(&o, "start", t.start.as_str().into())?;
        set(&o, "finish", t.finish.as_str().into())?;
        set(&o, "percentComplete", t.percent_complete.into())?;
        set(&o, "resources", t.resources.as_str().into())?;
        set(&o, "summary", t.summary.into())?;
        set(&o, "milestone", t.milestone.into())?;
        tasks.push(&o);
    }
    let resources = Array::new();
    for r in &preview.resources {
        let o = Object::new();
        set(&o, "id", r.id.into())?;
        set(&o, "name", r.name.as_str().into())?;
        set(&o, "type", r.kind.into())?;
        set(
            &o,
            "maxUnits",
            r.max_units.map_or(JsValue::NULL, JsValue::from),
        )?;
        resources.push(&o);
    }
    let o = Object::new();
    set(&o, "tasks", tasks.into())?;
    set(&o, "resources", resources.into())?;
    Ok(o.into())
}
