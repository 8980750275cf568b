//! The plan viewer: a table and a Gantt chart side by side sharing rows (only the rows in view
//! are in the page, so 10,000 tasks scroll smoothly), a timescale with zoom, dependency
//! arrows, the critical path, baselines, outline collapse, search, a task details panel and a
//! resource sheet; printed, it lays out every row.
//!
//! [`model`] is plain Rust, tested on the host; the Leptos view is built for wasm32 only.

pub mod model;
#[cfg(target_arch = "wasm32")]
mod ui;

#[cfg(target_arch = "wasm32")]
pub use ui::Viewer;
