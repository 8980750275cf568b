//! Calendars (`TBkndCal`).

use super::reader::{Context, EntityBlocks};
use crate::model::{Calendar, Resource};

/// Reads base and resource calendars.
pub fn read(ctx: &mut Context, blocks: &EntityBlocks) -> Vec<Calendar> {
    let _ = (ctx, blocks);
    Vec::new()
}

/// Links calendars to resources once both are read (names, pruning).
pub fn finish(ctx: &mut Context, calendars: &mut Vec<Calendar>, resources: &[Resource]) {
    let _ = (ctx, calendars, resources);
}
