//! The Web Worker's entry point: Trunk builds this bin into `worker.js` + `worker_bg.wasm`.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    if let Err(err) = converter_wasm::worker::start() {
        web_sys::console::error_2(&"mpp2xml worker failed to start:".into(), &err);
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the worker runs only in a browser (wasm32); build it with Trunk");
}
