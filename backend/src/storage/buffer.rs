//! Counts gathered in memory between flushes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{CountKey, Counts, Origin, StorageError, Store, day};

/// The most keys the buffer holds. A day has at most 2 origins × 8 outcomes × 5 versions = 80
/// keys when the labels come from the API's validated enums, so this covers about 50 days of
/// counts kept while the database is down. It exists so that a bug upstream (a label built
/// from user input) or a very long outage cannot grow the server's memory without end.
pub const MAX_PENDING_KEYS: usize = 4_096;

/// The longest `outcome` or `version` label counted, in bytes. The API's labels are short
/// words (`unsupported_version`, `MPP14`); anything longer is not one of them.
pub const MAX_LABEL_BYTES: usize = 32;

/// Counts gathered in memory between flushes, so a request never waits for the database.
///
/// [`add`](Self::add) takes a std mutex for a hash-map update and never awaits; a background
/// task calls [`flush`](Self::flush) every few seconds and once at shutdown. What cannot be
/// counted (the buffer is full of other keys, or a label is too long) is dropped and counted
/// in [`dropped`](Self::dropped), for a metric or a log line, instead of growing memory.
#[derive(Debug, Default)]
pub struct CountBuffer {
    pending: Mutex<HashMap<CountKey, Counts>>,
    dropped: AtomicU64,
}

impl CountBuffer {
    /// Counts one conversion of `bytes` input bytes today (UTC).
    pub fn add(&self, origin: Origin, outcome: &str, version: &str, bytes: u64) {
        self.add_on(day::today(), origin, outcome, version, bytes);
    }

    /// Counts one conversion of `bytes` input bytes on `day` (`YYYY-MM-DD`); [`add`](Self::add)
    /// with a chosen day, for tests and for replaying counts.
    pub fn add_on(&self, day: String, origin: Origin, outcome: &str, version: &str, bytes: u64) {
        if outcome.len() > MAX_LABEL_BYTES || version.len() > MAX_LABEL_BYTES {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let key = CountKey {
            day,
            origin,
            outcome: outcome.to_owned(),
            version: version.to_owned(),
        };
        let counts = Counts {
            conversions: 1,
            bytes: i64::try_from(bytes).unwrap_or(i64::MAX),
        };
        let mut pending = self.lock();
        if !merge(&mut pending, key, counts) {
            drop(pending);
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Writes the gathered counts to `store` in one transaction and forgets them; on error
    /// they are put back, merged with what arrived meanwhile, for the next flush. Returns the
    /// number of rows written.
    ///
    /// Counts added while the write is under way wait for the next flush. When this future is
    /// dropped before it finishes (a shutdown deadline), the counts are put back too; only if
    /// that happens during the commit itself may they be written twice, which a counter of
    /// conversions accepts rather than losing them.
    pub async fn flush(&self, store: &Store) -> Result<usize, StorageError> {
        let rows: Vec<(CountKey, Counts)> = std::mem::take(&mut *self.lock()).into_iter().collect();
        if rows.is_empty() {
            return Ok(0);
        }
        let mut taken = Taken {
            buffer: self,
            rows: Some(rows),
        };
        let rows = taken.rows.as_deref().unwrap_or_default();
        store.add_daily_counts(rows).await?;
        let written = rows.len();
        taken.rows = None;
        Ok(written)
    }

    /// Keys waiting for the next flush.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when nothing waits for a flush.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Conversions not counted since the start because the buffer was full or a label was too
    /// long.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The pending map. A thread that panicked while holding the lock left at worst a count
    /// half-added, so the map is used as it is rather than poisoning every later request.
    fn lock(&self) -> MutexGuard<'_, HashMap<CountKey, Counts>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts back rows a flush could not write.
    fn restore(&self, rows: Vec<(CountKey, Counts)>) {
        let mut lost = 0_u64;
        let mut pending = self.lock();
        for (key, counts) in rows {
            if !merge(&mut pending, key, counts) {
                lost = lost.saturating_add(u64::try_from(counts.conversions).unwrap_or(0));
            }
        }
        drop(pending);
        if lost > 0 {
            self.dropped.fetch_add(lost, Ordering::Relaxed);
        }
    }
}

/// Adds `counts` to `key` in `pending`; false when `key` is new and the map is full.
fn merge(pending: &mut HashMap<CountKey, Counts>, key: CountKey, counts: Counts) -> bool {
    if let Some(existing) = pending.get_mut(&key) {
        existing.conversions = existing.conversions.saturating_add(counts.conversions);
        existing.bytes = existing.bytes.saturating_add(counts.bytes);
        return true;
    }
    if pending.len() >= MAX_PENDING_KEYS {
        return false;
    }
    pending.insert(key, counts);
    true
}

/// Rows taken out of the buffer for a flush; put back on drop unless the flush wrote them.
struct Taken<'a> {
    buffer: &'a CountBuffer,
    rows: Option<Vec<(CountKey, Counts)>>,
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if let Some(rows) = self.rows.take() {
            self.buffer.restore(rows);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn key(day: &str, outcome: &str) -> CountKey {
        CountKey {
            day: day.to_owned(),
            origin: Origin::Server,
            outcome: outcome.to_owned(),
            version: "MPP14".to_owned(),
        }
    }

    fn snapshot(buffer: &CountBuffer) -> HashMap<CountKey, Counts> {
        buffer.lock().clone()
    }

    #[test]
    fn adds_accumulate_per_key() {
        let buffer = CountBuffer::default();
        buffer.add_on("2025-01-01".into(), Origin::Server, "ok", "MPP14", 100);
        buffer.add_on("2025-01-01".into(), Origin::Server, "ok", "MPP14", 50);
        buffer.add_on("2025-01-01".into(), Origin::Browser, "ok", "MPP14", 0);
        buffer.add_on("2025-01-02".into(), Origin::Server, "ok", "MPP14", 7);
        let map = snapshot(&buffer);
        assert_eq!(map.len(), 3);
        assert_eq!(
            map[&key("2025-01-01", "ok")],
            Counts {
                conversions: 2,
                bytes: 150
            }
        );
        assert_eq!(map[&key("2025-01-02", "ok")].bytes, 7);
        assert_eq!(buffer.dropped(), 0);
    }

    #[test]
    fn add_uses_today() {
        let buffer = CountBuffer::default();
        let before = day::today();
        buffer.add(Origin::Browser, "ok", "MPP9", 1);
        let after = day::today();
        let map = snapshot(&buffer);
        let day = &map.keys().next().unwrap().day;
        assert!(*day == before || *day == after, "{day}");
    }

    #[test]
    fn huge_byte_counts_saturate() {
        let buffer = CountBuffer::default();
        buffer.add_on("d".into(), Origin::Server, "ok", "MPP14", u64::MAX);
        buffer.add_on("d".into(), Origin::Server, "ok", "MPP14", u64::MAX);
        assert_eq!(snapshot(&buffer)[&key("d", "ok")].bytes, i64::MAX);
    }

    #[test]
    fn a_full_buffer_drops_new_keys_and_counts_them() {
        let buffer = CountBuffer::default();
        for i in 0..MAX_PENDING_KEYS {
            buffer.add_on(format!("day{i}"), Origin::Server, "ok", "MPP14", 1);
        }
        buffer.add_on("new".into(), Origin::Server, "ok", "MPP14", 1);
        buffer.add_on("new".into(), Origin::Server, "ok", "MPP14", 1);
        // A key already there still counts.
        buffer.add_on("day0".into(), Origin::Server, "ok", "MPP14", 1);
        assert_eq!(buffer.len(), MAX_PENDING_KEYS);
        assert_eq!(buffer.dropped(), 2);
        assert_eq!(snapshot(&buffer)[&key("day0", "ok")].conversions, 2);
    }

    #[test]
    fn overlong_labels_are_dropped() {
        let buffer = CountBuffer::default();
        let long = "x".repeat(MAX_LABEL_BYTES + 1);
        buffer.add_on("d".into(), Origin::Server, &long, "MPP14", 1);
        buffer.add_on("d".into(), Origin::Server, "ok", &long, 1);
        buffer.add_on(
            "d".into(),
            Origin::Server,
            &"y".repeat(MAX_LABEL_BYTES),
            "MPP14",
            1,
        );
        assert_eq!(buffer.len(), 1);
        assert_eq!(buffer.dropped(), 2);
    }

    #[test]
    fn restored_rows_merge_with_what_arrived_meanwhile() {
        let buffer = CountBuffer::default();
        buffer.add_on("d".into(), Origin::Server, "ok", "MPP14", 10);
        buffer.add_on("d".into(), Origin::Server, "corrupt", "MPP14", 3);
        let taken: Vec<_> = std::mem::take(&mut *buffer.lock()).into_iter().collect();
        assert!(buffer.is_empty());
        // Arrives while the flush is writing.
        buffer.add_on("d".into(), Origin::Server, "ok", "MPP14", 5);
        buffer.add_on("e".into(), Origin::Server, "ok", "MPP14", 1);
        buffer.restore(taken);
        let map = snapshot(&buffer);
        assert_eq!(map.len(), 3);
        assert_eq!(
            map[&key("d", "ok")],
            Counts {
                conversions: 2,
                bytes: 15
            }
        );
        assert_eq!(map[&key("d", "corrupt")].bytes, 3);
        assert_eq!(map[&key("e", "ok")].conversions, 1);
        assert_eq!(buffer.dropped(), 0);
    }

    #[test]
    fn restored_rows_that_no_longer_fit_are_counted_as_dropped() {
        let buffer = CountBuffer::default();
        buffer.add_on("old".into(), Origin::Server, "ok", "MPP14", 1);
        buffer.add_on("old".into(), Origin::Server, "ok", "MPP14", 1);
        let taken: Vec<_> = std::mem::take(&mut *buffer.lock()).into_iter().collect();
        for i in 0..MAX_PENDING_KEYS {
            buffer.add_on(format!("day{i}"), Origin::Server, "ok", "MPP14", 1);
        }
        buffer.restore(taken);
        assert_eq!(buffer.len(), MAX_PENDING_KEYS);
        assert_eq!(buffer.dropped(), 2);
    }

    #[test]
    fn rows_taken_for_a_flush_come_back_when_it_is_abandoned() {
        let buffer = CountBuffer::default();
        buffer.add_on("d".into(), Origin::Server, "ok", "MPP14", 10);
        let rows: Vec<_> = std::mem::take(&mut *buffer.lock()).into_iter().collect();
        drop(Taken {
            buffer: &buffer,
            rows: Some(rows),
        });
        assert_eq!(snapshot(&buffer)[&key("d", "ok")].bytes, 10);
        // A flush that wrote its rows leaves nothing behind.
        drop(Taken {
            buffer: &buffer,
            rows: None,
        });
        assert_eq!(buffer.len(), 1);
    }
}
