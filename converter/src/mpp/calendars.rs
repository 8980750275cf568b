//! Calendars (`TBkndCal`).

use super::reader::{Context, EntityBlocks};
use crate::model::{Calendar, Resource};

/// Reads base and resource calendars.
pub fn read(ctx: &mut Context, blocks: &EntityBlocks) -> Vec<Calendar> {
    let _ = (ctx, blocks);
    Vec::new()
}

/// Links calendars and resources once both are read: sets each resource's `calendar_uid`,
/// names unnamed resource calendars, drops derived calendars no resource uses.
pub fn finish(ctx: &mut Context, calendars: &mut Vec<Calendar>, resources: &mut [Resource]) {
    let _ = (ctx, calendars, resources);
}
