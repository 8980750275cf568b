//! The budgets of one conversion: memory built from the file, work done in loops whose
//! length the file chooses, and bytes of XML written.
//!
//! An `.mpp` file is a set of offsets, counts and lengths, and every one of them may lie. The
//! readers already refuse to read outside their streams; budgets bound the other half of the
//! damage a hostile file can do: asking for far more memory, time or output than a project of
//! its size can need. Each budget is proportional to the input's size, so a real project of
//! any size fits with a wide margin while a crafted one stops with a typed error instead of
//! exhausting the machine (an allocation failure aborts the process: in a browser tab or on a
//! server shared by everyone, that must never be reachable from a file).
//!
//! Spending never panics and never returns early by itself: a reader asks
//! [`Budget::work`] or [`Budget::alloc`], stops its loop when told to, and the pipeline turns
//! the first exhausted budget into a [`ConvertError`] at the next stage boundary.

use crate::error::ConvertError;
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// An amount that grows with the input: `base + per_input_byte × input length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// What any input gets, however small.
    pub base: u64,
    /// What each byte of input adds.
    pub per_input_byte: u64,
}

impl Allowance {
    /// An allowance of `base` plus `per_input_byte` for each input byte.
    pub const fn new(base: u64, per_input_byte: u64) -> Self {
        Self {
            base,
            per_input_byte,
        }
    }

    /// The amount allowed for an input of `input_len` bytes.
    pub fn for_input(self, input_len: usize) -> u64 {
        let len = u64::try_from(input_len).unwrap_or(u64::MAX);
        self.base
            .saturating_add(self.per_input_byte.saturating_mul(len))
    }
}

/// Stops a running conversion from another thread, e.g. when a server's deadline passes.
/// The engine looks at it as it spends work, so it stops within a few milliseconds.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every conversion holding a clone of this token to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// True once [`cancel`](Self::cancel) was called on any clone.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Which budget stopped a conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exhausted {
    /// Memory built from the file.
    Memory,
    /// Work in loops whose length the file chooses.
    Work,
    /// The caller cancelled.
    Cancelled,
}

/// What a conversion spent, for callers that measure (and for tests that prove a structure
/// costs work in proportion to its size).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Bytes of model memory charged.
    pub memory: u64,
    /// Work units spent.
    pub work: u64,
    /// Bytes of XML written.
    pub output: u64,
}

/// Work units between two looks at the cancel token.
const CANCEL_CHECK_EVERY: u64 = 4096;

/// The running budgets of one conversion. Single-threaded (the engine is), so plain cells.
#[derive(Debug)]
pub struct Budget {
    memory_limit: u64,
    work_limit: u64,
    memory: Cell<u64>,
    work: Cell<u64>,
    next_cancel_check: Cell<u64>,
    exhausted: Cell<Option<Exhausted>>,
    cancel: Option<CancelToken>,
}

impl Budget {
    /// Budgets of `memory_limit` bytes and `work_limit` units, stopped early by `cancel`.
    pub fn new(memory_limit: u64, work_limit: u64, cancel: Option<CancelToken>) -> Self {
        Self {
            memory_limit,
            work_limit,
            memory: Cell::new(0),
            work: Cell::new(0),
            next_cancel_check: Cell::new(CANCEL_CHECK_EVERY),
            exhausted: Cell::new(None),
            cancel,
        }
    }

    /// Budgets no input can exhaust, for code paths that build their own inputs (tests, the
    /// writer called on a model a program built).
    pub fn unlimited() -> Self {
        Self::new(u64::MAX, u64::MAX, None)
    }

    /// Spends `units` of work. False once any budget is exhausted or the conversion was
    /// cancelled: the caller stops its loop.
    pub fn work(&self, units: u64) -> bool {
        if self.exhausted.get().is_some() {
            return false;
        }
        let spent = self.work.get().saturating_add(units);
        self.work.set(spent);
        if spent > self.work_limit {
            self.exhausted.set(Some(Exhausted::Work));
            return false;
        }
        if spent >= self.next_cancel_check.get() {
            self.next_cancel_check
                .set(spent.saturating_add(CANCEL_CHECK_EVERY));
            if self.cancel.as_ref().is_some_and(CancelToken::is_cancelled) {
                self.exhausted.set(Some(Exhausted::Cancelled));
                return false;
            }
        }
        true
    }

    /// Charges `bytes` of memory built from the file. False once any budget is exhausted:
    /// the caller drops what it was building and stops.
    pub fn alloc(&self, bytes: usize) -> bool {
        if self.exhausted.get().is_some() {
            return false;
        }
        let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
        let spent = self.memory.get().saturating_add(bytes);
        self.memory.set(spent);
        if spent > self.memory_limit {
            self.exhausted.set(Some(Exhausted::Memory));
            return false;
        }
        true
    }

    /// Charges the memory of `count` values of `T` (their inline size; heap parts are
    /// charged where they are built).
    pub fn alloc_items<T>(&self, count: usize) -> bool {
        self.alloc(std::mem::size_of::<T>().saturating_mul(count))
    }

    /// Charges a string's bytes and hands it back, or `None` once a budget is exhausted.
    pub fn keep_string(&self, text: String) -> Option<String> {
        self.alloc(text.len()).then_some(text)
    }

    /// Work units left before the work budget is exhausted.
    pub fn spare_work(&self) -> u64 {
        self.work_limit.saturating_sub(self.work.get())
    }

    /// Bytes left before the memory budget is exhausted.
    pub fn spare_memory(&self) -> u64 {
        self.memory_limit.saturating_sub(self.memory.get())
    }

    /// Marks the work budget exhausted: for callers that sized their own loop from
    /// [`Budget::spare_work`] and ran out of it.
    pub fn exhaust_work(&self) {
        if self.exhausted.get().is_none() {
            self.exhausted.set(Some(Exhausted::Work));
        }
    }

    /// True while every budget holds.
    pub fn ok(&self) -> bool {
        self.exhausted.get().is_none()
    }

    /// Which budget stopped the conversion, if any.
    pub fn exhausted(&self) -> Option<Exhausted> {
        self.exhausted.get()
    }

    /// The first exhausted budget as the error the caller reports.
    pub fn check(&self) -> Result<(), ConvertError> {
        match self.exhausted.get() {
            None => Ok(()),
            Some(Exhausted::Memory) => Err(ConvertError::MemoryBudget {
                limit: self.memory_limit,
            }),
            Some(Exhausted::Work) => Err(ConvertError::WorkBudget),
            Some(Exhausted::Cancelled) => Err(ConvertError::Cancelled),
        }
    }

    /// What was spent so far (output excluded: the writer counts it).
    pub fn usage(&self) -> Usage {
        Usage {
            memory: self.memory.get(),
            work: self.work.get(),
            output: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowances_grow_with_the_input_and_saturate() {
        let a = Allowance::new(100, 3);
        assert_eq!(a.for_input(0), 100);
        assert_eq!(a.for_input(10), 130);
        assert_eq!(Allowance::new(u64::MAX, 2).for_input(5), u64::MAX);
    }

    #[test]
    fn work_stops_at_the_limit_and_stays_stopped() {
        let b = Budget::new(1000, 10, None);
        assert!(b.work(4) && b.work(6));
        assert!(!b.work(1));
        assert!(!b.alloc(1), "an exhausted budget refuses memory too");
        assert!(matches!(b.check(), Err(ConvertError::WorkBudget)));
    }

    #[test]
    fn memory_stops_at_the_limit() {
        let b = Budget::new(16, u64::MAX, None);
        assert_eq!(
            b.keep_string("0123456789".into()).as_deref(),
            Some("0123456789")
        );
        assert_eq!(b.keep_string("0123456789".into()), None);
        assert!(!b.work(1));
        assert!(matches!(
            b.check(),
            Err(ConvertError::MemoryBudget { limit: 16 })
        ));
        assert_eq!(b.usage().memory, 20);
    }

    #[test]
    fn a_cancelled_token_stops_work_soon() {
        let token = CancelToken::new();
        let b = Budget::new(u64::MAX, u64::MAX, Some(token.clone()));
        assert!(b.work(1));
        token.cancel();
        let mut spent = 0;
        while b.work(1) {
            spent += 1;
            assert!(
                spent <= CANCEL_CHECK_EVERY,
                "the token is looked at regularly"
            );
        }
        assert!(matches!(b.check(), Err(ConvertError::Cancelled)));
    }
}
