//! mpp2xml's browser app: drop Microsoft Project files, watch them convert in a Web Worker,
//! preview what was read, download the XML.
//!
//! The parts that do not need a browser (texts, formatting, the ZIP writer, the conversion
//! queue's policy, the server fallback's decisions) are plain Rust and tested on the host; the
//! Leptos app is built for wasm32 only.

pub mod consent;
pub mod fallback;
pub mod format;
pub mod i18n;
pub mod pro;
pub mod queue;
pub mod viewer;
pub mod words;
pub mod zip;

#[cfg(target_arch = "wasm32")]
mod account;
#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod bridge;
#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
mod preview;

#[cfg(target_arch = "wasm32")]
pub use app::start;
