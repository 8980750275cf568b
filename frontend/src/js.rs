//! Small readers of JavaScript values and the browser's storage, shared by the worker bridge,
//! the server API and the licence panel, so each reads a message or a JSON answer the same way.

use js_sys::Reflect;
use leptos::prelude::window;
use wasm_bindgen::JsValue;

/// `obj[key]`, or `undefined` when it cannot be read.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key]` as a string, empty when it is not one.
pub fn get_str(obj: &JsValue, key: &str) -> String {
    get(obj, key).as_string().unwrap_or_default()
}

/// `obj[key]` as a number, 0 when it is not one.
pub fn get_f64(obj: &JsValue, key: &str) -> f64 {
    get(obj, key).as_f64().unwrap_or(0.0)
}

/// `obj[key]` as a boolean, false when it is not one.
pub fn get_bool(obj: &JsValue, key: &str) -> bool {
    get(obj, key).as_bool().unwrap_or(false)
}

/// The page's `localStorage`, when the browser allows it (private modes may not).
pub fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}
