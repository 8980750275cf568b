//! Small readers of JavaScript values and the browser's storage (the worker's messages and the
//! server's config and problems are typed, in the `protocol` crate; the licence panel still
//! reads its answers key by key).

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

/// The page's `localStorage`, when the browser allows it (private modes may not).
pub fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}
