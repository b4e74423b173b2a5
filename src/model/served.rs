//! What a request's name resolves to can be remembered between inferences, safely.
//!
//! A name resolves through the server's served sets: the models, each model's versions and
//! config, and the pipelines. Each of them sits in a `ServedSet`, whose only way to write is a
//! guard that counts one change in a process-wide counter. A resolution remembered together
//! with the count read before it was made is still the one a fresh lookup would give while the
//! count has not moved: one atomic load instead of four locks per request. No writer can skip
//! the count, because no writer can reach the data without the guard.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Changes to the served sets since the process started. Never wraps (2^64 writes).
static CHANGES: AtomicU64 = AtomicU64::new(0);

/// The current count of changes to the served sets. Read it before a lookup and remember the
/// lookup's result with it: a write that races the lookup then counts past it.
pub fn changes() -> u64 {
    CHANGES.load(Ordering::Acquire)
}

/// A lock around one of the served sets: reading is a plain read lock; writing counts a change.
pub struct ServedSet<T>(RwLock<T>);

impl<T> ServedSet<T> {
    pub const fn new(value: T) -> ServedSet<T> {
        ServedSet(RwLock::new(value))
    }

    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts the change once the lock is held, before the caller edits: a lookup that read
    /// the count after this waits on the lock and sees the edit; one that read it before is
    /// remembered under a count that this write has passed.
    pub fn write(&self) -> ServedWrite<'_, T> {
        let guard = self.0.write().unwrap_or_else(|e| e.into_inner());
        CHANGES.fetch_add(1, Ordering::AcqRel);
        ServedWrite(guard)
    }
}

impl<T: Default> Default for ServedSet<T> {
    fn default() -> ServedSet<T> {
        ServedSet::new(T::default())
    }
}

/// Write access to a served set; its change was counted when it was taken.
pub struct ServedWrite<'a, T>(RwLockWriteGuard<'a, T>);

impl<T> Deref for ServedWrite<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for ServedWrite<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_counts_a_change() {
        let set = ServedSet::new(1);
        let before = changes();
        *set.write() = 2;
        assert_eq!(*set.read(), 2);
        // Tests that run beside this one may count more changes, never fewer.
        assert!(changes() > before);
    }
}
