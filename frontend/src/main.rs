//! The app's entry point; Trunk builds it into the hashed `frontend-*.js` + `_bg.wasm`.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    frontend::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the app runs only in a browser (wasm32); build it with Trunk");
}
