//! The pool part: a model version's infer-request slots, the FIFO of waiters, and `SlotGuard`.
//!
//! A slot is owned by exactly one `SlotGuard`; dropping the guard returns the slot, handing it
//! straight to the oldest waiter. Only the guard reaches the slot's infer request and tensors,
//! and it hands them out as `&mut`: exclusive use is in the types. Waiters are blocked sync
//! callers or queued async jobs, in one FIFO. One bounded exception: a sync caller that arrives
//! while a slot handed to a blocked caller has not been picked up yet (that caller is still
//! waking) may take it, and the blocked caller goes back to the head of the queue; each blocked
//! caller loses a slot this way at most `MAX_OVERTAKES` times, so nobody starves. A thread that
//! loops on sync inference then keeps running on the core OpenVINO pinned it to instead of
//! sleeping and migrating on every call, which otherwise costs a third of the throughput once
//! threads outnumber slots.
//!
//! Each slot registers its OpenVINO completion callback once, at creation; per-request state
//! sits in the slot's in-flight cell, which exactly one party empties.

use crate::fault::{self, Fault};
use crate::ov::{AsyncStart, Callback, InferRequest, OvError, OvResult, Tensor};
use std::any::Any;
use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// An async job waiting in the queue for a slot.
pub trait QueuedJob: Send {
    /// A slot was handed to the job (called without any pool lock held).
    fn start(self: Box<Self>, slot: SlotGuard);
    /// The pool closed before the job got a slot.
    fn cancel(self: Box<Self>);
}

/// The state of a request running on a slot (it owns the slot's guard), from `start_async`
/// until OpenVINO reports the end.
pub trait InFlight: Any + Send {
    /// Called on OpenVINO's callback thread: it must only hand the work to another thread.
    fn completed(self: Box<Self>);
}

/// Where OpenVINO's callback finds the slot's in-flight request. Boxed: OpenVINO keeps the
/// callback's address, and the callback keeps this cell's.
struct CompletionCell {
    in_flight: Mutex<Option<Box<dyn InFlight>>>,
}

/// The one OpenVINO callback of every slot.
unsafe extern "C" fn on_request_done(args: *mut c_void) {
    // SAFETY: `args` is the slot's boxed cell (see `Slot::new`), which is freed only after the
    // infer request whose callback this is.
    let cell = unsafe { &*(args as *const CompletionCell) };
    let taken = lock(&cell.in_flight).take();
    if let Some(in_flight) = taken {
        in_flight.completed();
    }
}

/// The infer request's own tensor of a static input, with its memory: inference writes small
/// inputs there in place.
pub struct OwnInput {
    pub tensor: Tensor,
    /// `tensor`'s memory and its size in bytes, read once at creation.
    pub data: *mut u8,
    pub byte_size: usize,
}

/// What a guard reaches of its slot: the infer request and the tensors it owns.
pub struct SlotParts {
    pub request: InferRequest,
    /// Per input port: the request's own tensor when the input is static.
    pub inputs: Vec<Option<OwnInput>>,
    /// The request's own output tensors, put back after a caller's buffers were bound; `None`
    /// when the compiled model could not hand them out at load.
    pub outputs: Option<Vec<Tensor>>,
}

/// One OpenVINO infer request, its tensors and its completion cell.
pub struct Slot {
    // Declared first so the request is freed before the callback and cell it points to.
    parts: UnsafeCell<SlotParts>,
    _callback: Box<Callback>,
    cell: Box<CompletionCell>,
}

// SAFETY: `parts` is reached only through the one `SlotGuard` that owns the slot (or, while a
// request runs, by the in-flight state that owns that guard), so no two threads touch it at
// once; the cell is behind a mutex, and the OpenVINO objects may be used from any thread.
unsafe impl Sync for Slot {}
// SAFETY: as above; `OwnInput::data` points into a tensor the slot owns.
unsafe impl Send for Slot {}

impl Slot {
    /// Wraps a fresh infer request and registers its completion callback, once for its life.
    pub fn new(parts: SlotParts) -> OvResult<Slot> {
        let cell = Box::new(CompletionCell {
            in_flight: Mutex::new(None),
        });
        let callback = Callback::new(
            on_request_done,
            &*cell as *const CompletionCell as *mut c_void,
        );
        // SAFETY: the callback is boxed and dropped after the request (field order), and the
        // cell it points to likewise.
        unsafe { parts.request.set_callback(&callback)? };
        Ok(Slot {
            parts: UnsafeCell::new(parts),
            _callback: callback,
            cell,
        })
    }
}

/// A blocked sync caller, handed a slot index by `release`.
struct Handoff {
    slot: Mutex<Option<usize>>,
    ready: Condvar,
    /// How often a slot handed to this caller was taken by an arriving caller. Only changed
    /// under the pool lock; atomic because the handoff is shared.
    overtaken: AtomicUsize,
}

/// How often a blocked caller may lose a slot handed to it to an arriving caller. 2 lifts
/// throughput with 4 threads on 2 slots from 0.65x to 1.0x bare OpenVINO (whose pool lets any
/// thread take a free request); larger gains little and delays a blocked caller more.
const MAX_OVERTAKES: usize = 2;

enum Waiter {
    Blocked(Arc<Handoff>),
    Queued(Box<dyn QueuedJob>),
}

struct PoolState {
    idle: Vec<usize>,
    waiters: VecDeque<Waiter>,
    /// Async jobs among the waiters.
    queued: usize,
    /// Set when the version stops serving: no more async jobs are accepted.
    closed: bool,
    /// Blocked callers handed a slot they may not have picked up yet, and that may still lose
    /// it to an arriving caller.
    handed: VecDeque<Arc<Handoff>>,
}

pub struct Pool {
    slots: Vec<Slot>,
    state: Mutex<PoolState>,
    /// Signalled when a queued job leaves the queue or the pool closes.
    room: Condvar,
    max_queued: usize,
}

/// What `submit` did with an async job.
pub enum Submitted<J> {
    /// A slot was free: the caller starts the job on it now.
    Now(Box<J>, SlotGuard),
    /// The job waits in the queue; `QueuedJob::start` runs when a slot frees.
    Queued,
    /// The pool is closed; the job is handed back untouched.
    Closed(Box<J>),
}

/// Counts for introspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub slots: usize,
    pub idle: usize,
    /// Sync callers and async jobs waiting for a slot.
    pub waiting: usize,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // No panic can leave the pool's state half-changed, so a poisoned lock is still usable.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Takes a slot handed to a blocked caller that has not picked it up yet; that caller goes back
/// to the head of the queue (and sleeps on when it wakes to an empty handoff).
fn overtake(state: &mut PoolState) -> Option<usize> {
    while let Some(handoff) = state.handed.pop_front() {
        let taken = lock(&handoff.slot).take();
        if let Some(index) = taken {
            handoff.overtaken.fetch_add(1, Relaxed);
            state.waiters.push_front(Waiter::Blocked(handoff));
            return Some(index);
        }
    }
    None
}

impl Pool {
    /// A pool over `slots` whose queue holds at most `max_queued` async jobs.
    pub fn new(slots: Vec<Slot>, max_queued: usize) -> Arc<Pool> {
        let idle = (0..slots.len()).rev().collect();
        let state = PoolState {
            idle,
            waiters: VecDeque::new(),
            queued: 0,
            closed: false,
            handed: VecDeque::new(),
        };
        Arc::new(Pool {
            slots,
            state: Mutex::new(state),
            room: Condvar::new(),
            max_queued: max_queued.max(1),
        })
    }

    fn guard(self: &Arc<Pool>, index: usize) -> SlotGuard {
        SlotGuard {
            pool: Arc::clone(self),
            index,
        }
    }

    /// Takes a slot for a sync caller, waiting in FIFO order while all are busy. If it has to
    /// wait, `before_waiting` runs first (without the pool lock) and what it returns is held
    /// while waiting.
    pub fn acquire<W>(self: &Arc<Pool>, before_waiting: impl FnOnce() -> W) -> SlotGuard {
        let handoff = {
            let mut state = lock(&self.state);
            if state.waiters.is_empty()
                && let Some(index) = state.idle.pop()
            {
                return self.guard(index);
            }
            if let Some(index) = overtake(&mut state) {
                return self.guard(index);
            }
            let handoff = Arc::new(Handoff {
                slot: Mutex::new(None),
                ready: Condvar::new(),
                overtaken: AtomicUsize::new(0),
            });
            state
                .waiters
                .push_back(Waiter::Blocked(Arc::clone(&handoff)));
            handoff
        };
        let _waiting = before_waiting();
        let mut slot = lock(&handoff.slot);
        loop {
            if let Some(index) = slot.take() {
                return self.guard(index);
            }
            slot = handoff.ready.wait(slot).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Gives an async job a slot now, or queues it; blocks while the queue is full.
    /// `before_waiting` runs (once, without the pool lock) if the caller has to wait, and what it
    /// returns is held while it waits.
    pub fn submit<J: QueuedJob + 'static, W>(
        self: &Arc<Pool>,
        job: Box<J>,
        before_waiting: impl FnOnce() -> W,
    ) -> Submitted<J> {
        let mut before_waiting = Some(before_waiting);
        let mut _waiting = None;
        let mut state = lock(&self.state);
        loop {
            if state.closed {
                return Submitted::Closed(job);
            }
            if state.waiters.is_empty()
                && let Some(index) = state.idle.pop()
            {
                return Submitted::Now(job, self.guard(index));
            }
            if state.queued < self.max_queued {
                state.queued += 1;
                state.waiters.push_back(Waiter::Queued(job));
                return Submitted::Queued;
            }
            if let Some(before_waiting) = before_waiting.take() {
                // Called without the pool lock, which it must not need.
                drop(state);
                _waiting = Some(before_waiting());
                state = lock(&self.state);
                continue;
            }
            state = self.room.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn release(self: &Arc<Pool>, index: usize) {
        let mut state = lock(&self.state);
        match state.waiters.pop_front() {
            Some(Waiter::Blocked(handoff)) => {
                // Set under the pool lock, so `overtake` never sees a handoff half-made.
                *lock(&handoff.slot) = Some(index);
                state.handed.retain(|h| lock(&h.slot).is_some());
                if handoff.overtaken.load(Relaxed) < MAX_OVERTAKES {
                    state.handed.push_back(Arc::clone(&handoff));
                }
                drop(state);
                handoff.ready.notify_one();
            }
            Some(Waiter::Queued(job)) => {
                state.queued -= 1;
                drop(state);
                self.room.notify_one();
                job.start(self.guard(index));
            }
            None => state.idle.push(index),
        }
    }

    /// Stops accepting async jobs and hands back the queued ones, for the caller to cancel.
    /// Blocked sync callers keep their place: running requests still free slots for them.
    pub fn close(&self) -> Vec<Box<dyn QueuedJob>> {
        let mut state = lock(&self.state);
        state.closed = true;
        let mut jobs = Vec::new();
        let mut kept = VecDeque::new();
        for waiter in state.waiters.drain(..) {
            match waiter {
                Waiter::Queued(job) => jobs.push(job),
                blocked => kept.push_back(blocked),
            }
        }
        state.waiters = kept;
        state.queued = 0;
        drop(state);
        self.room.notify_all();
        jobs
    }

    pub fn stats(&self) -> PoolStats {
        let state = lock(&self.state);
        PoolStats {
            slots: self.slots.len(),
            idle: state.idle.len(),
            waiting: state.waiters.len(),
        }
    }
}

/// Exclusive use of one slot; the slot goes back to the pool when this is dropped.
pub struct SlotGuard {
    pool: Arc<Pool>,
    index: usize,
}

impl SlotGuard {
    /// The slot's infer request and tensors, for this guard's owner alone.
    pub fn parts(&mut self) -> &mut SlotParts {
        // SAFETY: this guard is the slot's only owner (the pool hands each index to one guard
        // at a time), and `&mut self` makes this borrow the only one.
        unsafe { &mut *self.pool.slots[self.index].parts.get() }
    }

    /// What starts inference on this slot once the guard has been handed to the in-flight
    /// state (see `Launcher::launch`).
    pub fn launcher(&mut self) -> Launcher {
        Launcher {
            start: self.parts().request.async_start(),
            pool: Arc::clone(&self.pool),
            index: self.index,
        }
    }
}

/// Starts inference on a slot whose guard has moved into the request's in-flight state.
pub struct Launcher {
    start: AsyncStart,
    /// Keeps the slot alive whatever the in-flight state does with the guard.
    pool: Arc<Pool>,
    index: usize,
}

impl Launcher {
    /// Parks `in_flight` in the slot's cell and starts inference. OpenVINO's callback hands the
    /// state to `InFlight::completed`; if `start_async` fails, it comes back here with the error.
    ///
    /// # Safety
    /// `in_flight` owns the guard this launcher came from, so nothing else uses the slot until
    /// the state leaves the cell.
    pub unsafe fn launch<F: InFlight>(self, in_flight: Box<F>) -> Result<(), (Box<F>, OvError)> {
        let cell = &self.pool.slots[self.index].cell;
        let previous = lock(&cell.in_flight).replace(in_flight);
        debug_assert!(previous.is_none(), "a slot runs one request at a time");
        let started = if fault::injected(Fault::StartAsync) {
            Err(OvError::injected("start_async failed"))
        } else {
            // SAFETY: the request is alive (`self.pool`), and its guard sits in the cell (the
            // caller's contract), where nothing touches the slot until OpenVINO's callback takes
            // it out: this call is the only use of the request meanwhile.
            unsafe { self.start.start() }
        };
        let Err(error) = started else {
            return Ok(());
        };
        // Taken back unless OpenVINO's callback already took it (it then reports the end).
        let Some(taken) = lock(&cell.in_flight).take() else {
            return Ok(());
        };
        let taken: Box<dyn Any + Send> = taken;
        match taken.downcast::<F>() {
            Ok(in_flight) => Err((in_flight, error)),
            Err(_) => unreachable!("only this call parks in the slot while it runs"),
        }
    }
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.pool.release(self.index);
    }
}
