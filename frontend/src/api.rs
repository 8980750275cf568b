//! The app's calls to the server it was loaded from: the fallback's limits, a conversion of a
//! file too large for the browser, and the anonymous telemetry of in-browser conversions.
//!
//! What to send and how to read the answers is decided in [`crate::fallback`]; this module
//! only does the HTTP.

use crate::bridge::Summary;
use crate::fallback::{ServerConfig, ServerFailure, convert_url};
use crate::js::local_storage;
use js_sys::{ArrayBuffer, Function, Promise, Reflect, Uint8Array};
use leptos::prelude::window;
use protocol::server::{read_problem, read_summary_header};
use protocol::{ClientConfig, SUMMARY_HEADER};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, File, Headers, ProgressEvent, RequestCache, RequestInit, Response, XmlHttpRequest,
    XmlHttpRequestResponseType,
};

const CONFIG_URL: &str = "/api/v1/config";
const TELEMETRY_URL: &str = "/api/v1/telemetry";
/// Where the last config the server gave is kept, for an installed app that starts offline.
const CONFIG_KEY: &str = "mpp2xml.server";
/// A server that takes longer than this to say its limits is treated as unreachable, so files
/// dropped at start-up do not wait on it for long.
const CONFIG_TIMEOUT_MS: u32 = 5_000;

/// What asking for the config found out.
pub enum ConfigAnswer {
    /// The server has the API and said its limits.
    Live(ServerConfig),
    /// The server answered but has no (usable) API: an older server, or a static host.
    NoApi,
    /// No answer: offline, or the server is down.
    Unreachable,
}

/// The last config the server gave, if any.
pub fn remembered_config() -> Option<ServerConfig> {
    let text = local_storage()?.get_item(CONFIG_KEY).ok().flatten()?;
    ServerConfig::from_storage(&text)
}

/// Keeps (or, with `None`, forgets) the server's config.
pub fn remember_config(config: Option<ServerConfig>) {
    let Some(s) = local_storage() else {
        return;
    };
    let _ = match config {
        Some(c) => s.set_item(CONFIG_KEY, &c.to_storage()),
        None => s.remove_item(CONFIG_KEY),
    };
}

/// `GET /api/v1/config`.
pub async fn fetch_config() -> ConfigAnswer {
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_cache(RequestCache::NoStore);
    init.set_signal(Some(&AbortSignal::timeout_with_u32(CONFIG_TIMEOUT_MS)));
    let answer = JsFuture::from(window().fetch_with_str_and_init(CONFIG_URL, &init)).await;
    let Ok(response) = answer.and_then(|r| r.dyn_into::<Response>()) else {
        return ConfigAnswer::Unreachable;
    };
    if response.status() >= 500 {
        return ConfigAnswer::Unreachable;
    }
    if !response.ok() {
        return ConfigAnswer::NoApi;
    }
    let json = match response.json() {
        Ok(promise) => JsFuture::from(promise).await,
        Err(err) => Err(err),
    };
    let Some(reply) = json
        .ok()
        .and_then(|json| serde_wasm_bindgen::from_value::<ClientConfig>(json).ok())
    else {
        return ConfigAnswer::NoApi;
    };
    match ServerConfig::new(
        reply.browser_max_bytes as f64,
        reply.upload_max_bytes as f64,
    ) {
        Some(config) => {
            ConfigAnswer::Live(config.with_licensing(reply.payments, reply.licence_required))
        }
        None => ConfigAnswer::NoApi,
    }
}

/// `POST /api/v1/telemetry` with `body`, fire and forget: it outlives the page if it must
/// (`keepalive`), and whether it arrives changes nothing for the user.
pub fn send_telemetry(body: String) {
    wasm_bindgen_futures::spawn_local(async move {
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_body(&JsValue::from_str(&body));
        if let Ok(headers) = Headers::new()
            && headers.set("Content-Type", "application/json").is_ok()
        {
            init.set_headers(&headers);
        }
        // Not in web-sys's RequestInit; a plain property of the init dictionary.
        let _ = Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE);
        let _ = JsFuture::from(window().fetch_with_str_and_init(TELEMETRY_URL, &init)).await;
    });
}

/// Where a server conversion is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Phase {
    /// The file is being sent; the fraction is of its bytes.
    Uploading,
    /// Sent; the server is converting.
    Converting,
    /// The XML is arriving; the fraction is of its bytes.
    Downloading,
}

/// A file the server converted.
pub struct ServerReply {
    pub xml: Uint8Array,
    pub summary: Summary,
}

/// `POST /api/v1/convert?name=…` with the file as the raw body, and the Pro licence as
/// `Authorization: Bearer` when there is one to send.
///
/// XMLHttpRequest rather than fetch: fetch cannot report upload progress, and a large file on
/// a slow line takes long enough for the user to want to see it move.
pub async fn convert(
    file: &File,
    bearer: Option<&str>,
    on_progress: impl Fn(Phase, f64) + 'static,
) -> Result<ServerReply, ServerFailure> {
    let unreachable = |_| ServerFailure::Unreachable;
    let xhr = XmlHttpRequest::new().map_err(unreachable)?;
    xhr.open("POST", &convert_url(&file.name()))
        .map_err(unreachable)?;
    xhr.set_request_header("Content-Type", "application/octet-stream")
        .map_err(unreachable)?;
    if let Some(token) = bearer {
        xhr.set_request_header("Authorization", &format!("Bearer {token}"))
            .map_err(unreachable)?;
    }
    xhr.set_response_type(XmlHttpRequestResponseType::Arraybuffer);
    let upload = xhr.upload().map_err(unreachable)?;

    let progress = Rc::new(on_progress);
    let fraction = |e: &ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            (e.loaded() / e.total()).clamp(0.0, 1.0)
        } else {
            0.0
        }
    };
    let p = Rc::clone(&progress);
    let on_upload = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        p(Phase::Uploading, fraction(&e));
    });
    let p = Rc::clone(&progress);
    let on_sent = Closure::<dyn FnMut(JsValue)>::new(move |_| p(Phase::Converting, 1.0));
    let p = Rc::clone(&progress);
    let on_download = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        p(Phase::Downloading, fraction(&e));
    });
    let mut resolve: Option<Function> = None;
    let finished = Promise::new(&mut |res, _| resolve = Some(res));
    let on_end = Closure::<dyn FnMut(JsValue)>::new(move |_| {
        if let Some(f) = &resolve {
            let _ = f.call0(&JsValue::NULL);
        }
    });
    upload.set_onprogress(Some(on_upload.as_ref().unchecked_ref()));
    upload.set_onload(Some(on_sent.as_ref().unchecked_ref()));
    xhr.set_onprogress(Some(on_download.as_ref().unchecked_ref()));
    xhr.set_onloadend(Some(on_end.as_ref().unchecked_ref()));

    let sent = xhr.send_with_opt_blob(Some(file));
    if sent.is_ok() {
        // `loadend` comes once, after success, error, abort or timeout alike.
        let _ = JsFuture::from(finished).await;
    }
    // The handlers go before their closures do.
    upload.set_onprogress(None);
    upload.set_onload(None);
    xhr.set_onprogress(None);
    xhr.set_onloadend(None);
    drop((on_upload, on_sent, on_download, on_end));
    sent.map_err(unreachable)?;

    let status = xhr.status().unwrap_or(0);
    let header = |name: &str| xhr.get_response_header(name).ok().flatten();
    let body = xhr
        .response()
        .ok()
        .and_then(|r| r.dyn_into::<ArrayBuffer>().ok())
        .map(|b| Uint8Array::new(&b));
    let is_xml = header("Content-Type").is_some_and(|t| t.contains("xml"));
    match body {
        Some(xml) if status == 200 && is_xml => Ok(ServerReply {
            xml,
            // Without it (a server older than the header) the card only lacks the numbers:
            // the viewer's come from the XML.
            summary: header(SUMMARY_HEADER)
                .and_then(|v| read_summary_header(&v))
                .unwrap_or_default(),
        }),
        _ => {
            let problem = body.map(|b| read_problem(&b.to_vec())).unwrap_or_default();
            Err(ServerFailure::from_answer(
                status,
                header("Retry-After").as_deref(),
                problem,
            ))
        }
    }
}
