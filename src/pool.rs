//! The pool part: a model version's infer-request slots, a FIFO of waiters, and `SlotGuard`.
//!
//! A slot is owned by exactly one `SlotGuard`; dropping the guard returns the slot, handing it
//! straight to the oldest waiter so that nobody can overtake the queue.

use crate::ov::{InferRequest, Tensor};
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// One OpenVINO infer request and the tensors it owns.
pub struct Slot {
    pub request: InferRequest,
    /// The request's own tensors of static inputs, written in place by each inference.
    pub inputs: Vec<Option<Tensor>>,
    /// The request's own output tensors, put back after a caller's buffers were bound; `None`
    /// when the compiled model could not hand them out at load.
    pub outputs: Option<Vec<Tensor>>,
}

/// A blocked acquirer, handed a slot index by `release`.
struct Waiter {
    slot: Mutex<Option<usize>>,
    ready: Condvar,
}

#[derive(Default)]
struct PoolState {
    idle: Vec<usize>,
    waiters: VecDeque<Arc<Waiter>>,
}

pub struct Pool {
    slots: Vec<Slot>,
    state: Mutex<PoolState>,
}

/// Counts for introspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub slots: usize,
    pub idle: usize,
    pub queued: usize,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic never leaves the pool's state half-changed, so a poisoned lock is still usable.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Pool {
    pub fn new(slots: Vec<Slot>) -> Arc<Pool> {
        let idle = (0..slots.len()).rev().collect();
        Arc::new(Pool {
            slots,
            state: Mutex::new(PoolState {
                idle,
                waiters: VecDeque::new(),
            }),
        })
    }

    /// Takes a slot, waiting in FIFO order while all are busy.
    pub fn acquire(self: &Arc<Pool>) -> SlotGuard {
        let waiter = {
            let mut state = lock(&self.state);
            if state.waiters.is_empty()
                && let Some(index) = state.idle.pop()
            {
                return SlotGuard {
                    pool: Arc::clone(self),
                    index,
                };
            }
            let waiter = Arc::new(Waiter {
                slot: Mutex::new(None),
                ready: Condvar::new(),
            });
            state.waiters.push_back(Arc::clone(&waiter));
            waiter
        };
        let mut slot = lock(&waiter.slot);
        loop {
            if let Some(index) = slot.take() {
                return SlotGuard {
                    pool: Arc::clone(self),
                    index,
                };
            }
            slot = waiter.ready.wait(slot).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn release(&self, index: usize) {
        let mut state = lock(&self.state);
        match state.waiters.pop_front() {
            Some(waiter) => {
                drop(state);
                *lock(&waiter.slot) = Some(index);
                waiter.ready.notify_one();
            }
            None => state.idle.push(index),
        }
    }

    pub fn stats(&self) -> PoolStats {
        let state = lock(&self.state);
        PoolStats {
            slots: self.slots.len(),
            idle: state.idle.len(),
            queued: state.waiters.len(),
        }
    }
}

/// Exclusive use of one slot; the slot goes back to the pool when this is dropped.
pub struct SlotGuard {
    pool: Arc<Pool>,
    index: usize,
}

impl SlotGuard {
    pub fn slot(&self) -> &Slot {
        &self.pool.slots[self.index]
    }
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.pool.release(self.index);
    }
}
